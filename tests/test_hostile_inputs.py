"""Issue #15: each bad input found by the hostile review is refused with an error naming the
problem, or gives the correct result — never a silently wrong one."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.dashboards.bias import BiasAudit
from hitl_widgets.metrics.fairness import group_metrics

G = ["a", "a", "b", "b"]


# --------------------------------------------------------------------------- 1: fairness labels


def test_group_metrics_string_labels_need_pos_label():
    y, p = ["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"]
    with pytest.raises(ValueError, match="pos_label="):
        group_metrics(y, p, G)
    out = group_metrics(y, p, G, pos_label="yes")
    assert out.loc["a", "selection_rate"] == 1.0 and out.loc["a", "recall"] == 1.0
    assert out.loc["b", "selection_rate"] == 0.0 and out.loc["b", "fnr"] == 1.0


def test_group_metrics_pos_label_absent_is_refused():
    with pytest.raises(ValueError, match="occurs in neither"):
        group_metrics(["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"], G, pos_label=1)
    with pytest.raises(ValueError, match="occurs in neither"):  # "1" is not 1
        group_metrics([0, 1, 0, 1], [0, 1, 1, 1], G, pos_label="1")


def test_group_metrics_ambiguous_numeric_labels_need_pos_label():
    with pytest.raises(ValueError, match="pos_label="):
        group_metrics([1, 2, 1, 2], [1, 1, 2, 2], G)
    assert group_metrics([1, 2, 1, 2], [1, 1, 2, 2], G, metrics=("accuracy",))["accuracy"].tolist() == [0.5, 0.5]


def test_group_metrics_infers_only_01_and_booleans():
    a = group_metrics([1, 0, 1, 0], [1, 1, 0, 0], G)
    b = group_metrics([True, False, True, False], [True, True, False, False], G)
    np.testing.assert_array_equal(a.to_numpy(float), b.to_numpy(float))
    assert a.loc["a", "selection_rate"] == 1.0


def test_group_metrics_refuses_probabilities_unless_threshold():
    y, p = [1, 0, 1, 0], [0.9, 0.2, 0.4, 0.1]
    with pytest.raises(ValueError, match="threshold="):
        group_metrics(y, p, G)
    out = group_metrics(y, p, G, threshold=0.5)
    assert out["selection_rate"].tolist() == [0.5, 0.0] and out["accuracy"].tolist() == [1.0, 0.5]
    with pytest.raises(ValueError, match="y_true holds a non-label"):
        group_metrics([0.3, 0.7, 0.1, 0.9], [0, 1, 0, 1], G)


def test_bias_audit_string_labels_and_scores():
    y = np.array(["y", "n"] * 20, dtype=object)
    g = ["a", "b"] * 20
    with pytest.raises(ValueError, match="pos_label="):
        BiasAudit(y, ["y", "y"] * 20, g, n_boot=10)
    audit = BiasAudit(y, ["y", "y"] * 20, g, pos_label="y", n_boot=10)
    assert audit.by_group["selection_rate"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="pred_threshold|threshold="):
        BiasAudit(y, [0.7, 0.2] * 20, g, pos_label="y", n_boot=10)
    audit = BiasAudit(y, [0.7, 0.2] * 20, g, pos_label="y", pred_threshold=0.5, n_boot=10)
    assert audit.by_group["accuracy"].tolist() == [1.0, 1.0]
    assert audit.by_group["selection_rate"].tolist() == [1.0, 0.0]


def test_bias_audit_nan_y_true_names_y_true():
    with pytest.raises(ValueError, match="y_true has a missing value .* row 2"):
        BiasAudit([1, 0, np.nan, 0] * 10, [1, 0, 1, 0] * 10, ["a", "b"] * 20, n_boot=10)
