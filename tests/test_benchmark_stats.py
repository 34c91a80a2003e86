"""The statistics benchmarks/active_learning.py prints under its tables (the paired gap)."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "active_learning.py"


@pytest.fixture(scope="module")
def al():
    spec = importlib.util.spec_from_file_location("active_learning_benchmark_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_paired_gap_picks_the_best_other_row_per_budget_and_pairs_by_seed(al):
    per_seed = {  # 3 seeds x 2 budgets
        "ours": np.array([[0.80, 0.95], [0.90, 0.96], [0.85, 0.97]]),
        "a": np.array([[0.70, 0.96], [0.80, 0.96], [0.75, 0.96]]),
        "b": np.array([[0.78, 0.90], [0.77, 0.90], [0.79, 0.90]]),
    }
    (b1, best1, d1, se1), (b2, best2, d2, se2) = al.paired_gap(per_seed, "ours", [50, 100])
    assert (b1, best1, b2, best2) == (50, "b", 100, "a")  # by mean: b at 50, a at 100
    assert d2 == pytest.approx(0.0) and se2 == pytest.approx(np.std([-0.01, 0.0, 0.01], ddof=1) / np.sqrt(3))
    assert d1 == pytest.approx(np.mean([0.02, 0.13, 0.06]))
    assert se1 == pytest.approx(np.std([0.02, 0.13, 0.06], ddof=1) / np.sqrt(3))


def test_paired_gap_with_one_seed_has_no_standard_error(al):
    gaps = al.paired_gap({"ours": np.array([[0.9]]), "a": np.array([[0.8]])}, "ours", [10])
    assert gaps[0][:3] == (10, "a", pytest.approx(0.1)) and np.isnan(gaps[0][3])
