"""Speed of hitl_widgets' BiasAudit against fairlearn's MetricFrame, measured in the same run.

    python benchmarks/bias_audit.py               # fairlearn with 2 metrics (as the issue measured it)
    python benchmarks/bias_audit.py --all-metrics # also fairlearn with all 6 (slow: ~4x the above)

Data: 1,000,000 rows, one sensitive column with 10 groups (strings), binary labels, a model that
is right 85% of the time (70% on one group). Prints median wall times (ours: 5 runs after a
warm-up; fairlearn: 2 runs, 1 for six metrics, as it is slow)
and ratios ours / fairlearn (< 1: ours is faster), and the largest |difference| between the two
sets of numbers:

* ``group_metrics`` (6 metrics per group, no CIs) and the full ``BiasAudit`` (6 metrics, 1,000
  bootstrap resamples for CIs on every group and on the disparities, flags, label distribution)
  against ``MetricFrame`` with 2 metrics (accuracy, selection rate; no CIs);
* with ``--all-metrics``, the same against ``MetricFrame`` with all 6 metrics (run once: slow).

Figures only: nothing here asserts on time.
"""
from __future__ import annotations

import statistics
import sys
import time
from typing import Callable

import numpy as np
import pandas as pd

from hitl_widgets.dashboards.bias import BiasAudit
from hitl_widgets.metrics.fairness import group_metrics

REPEATS = 5
N_ROWS = 1_000_000
N_GROUPS = 10


def data() -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(0)
    group = rng.integers(0, N_GROUPS, N_ROWS)
    y = rng.integers(0, 2, N_ROWS)
    right = rng.random(N_ROWS) < np.where(group == 3, 0.70, 0.85)
    pred = np.where(right, y, 1 - y)
    groups = pd.DataFrame({"group": np.array([f"g{k}" for k in range(N_GROUPS)], dtype=object)[group]})
    return y, pred, groups


def timed(fn: Callable[[], object], repeats: int, warm_up: bool = True) -> tuple[float, object]:
    """Median seconds of ``repeats`` runs (after one untimed warm-up run), and the value."""
    value = fn() if warm_up else None
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    y, pred, groups = data()
    six = {
        "accuracy": accuracy_score,
        "precision": precision_score,
        "recall": recall_score,
        "fpr": false_positive_rate,
        "fnr": false_negative_rate,
        "selection_rate": selection_rate,
    }
    two = {k: six[k] for k in ("accuracy", "selection_rate")}

    def fairlearn(metrics: dict) -> pd.DataFrame:
        return MetricFrame(metrics=metrics, y_true=y, y_pred=pred, sensitive_features=groups).by_group

    t_metrics, ours_metrics = timed(lambda: group_metrics(y, pred, groups), REPEATS)
    t_audit, audit = timed(lambda: BiasAudit(y, pred, groups), REPEATS)
    MetricFrame(metrics=two, y_true=y[:1000], y_pred=pred[:1000], sensitive_features=groups[:1000])  # warm-up
    t_fl2, fl2 = timed(lambda: fairlearn(two), 2, warm_up=False)
    all_metrics = "--all-metrics" in sys.argv[1:]
    if all_metrics:
        t_fl6, fl6 = timed(lambda: fairlearn(six), 1, warm_up=False)

    diff2 = np.abs(ours_metrics[list(two)].to_numpy() - fl2.to_numpy(dtype=float)).max()
    print(f"{N_ROWS:,} rows x {N_GROUPS} groups; ours: median of {REPEATS} runs; fairlearn: median of 2"
          + (" (6 metrics: 1 run)" if all_metrics else ""))
    print(f"ours group_metrics (6 metrics)            {t_metrics:8.3f} s")
    print(f"ours BiasAudit (6 metrics + 1000-boot CIs) {t_audit:8.3f} s")
    print(f"fairlearn MetricFrame (2 metrics)          {t_fl2:8.3f} s")
    if all_metrics:
        print(f"fairlearn MetricFrame (6 metrics)          {t_fl6:8.3f} s")
    print(f"ratio group_metrics / fairlearn(2)   {t_metrics / t_fl2:7.4f}  ({t_fl2 / t_metrics:6.1f}x faster)")
    print(f"ratio BiasAudit / fairlearn(2)       {t_audit / t_fl2:7.4f}  ({t_fl2 / t_audit:6.1f}x faster)")
    if all_metrics:
        diff6 = np.abs(audit.by_group[list(six)].to_numpy() - fl6.to_numpy(dtype=float)).max()
        print(f"ratio BiasAudit / fairlearn(6)       {t_audit / t_fl6:7.4f}  ({t_fl6 / t_audit:6.1f}x faster)")
        print(f"max |ours - fairlearn|, 6 metrics: {diff6:.1e}")
    print(f"max |ours - fairlearn|, 2 metrics: {diff2:.1e}")
    print(f"flagged by the audit: {sorted(set(audit.flags['group']))} (group g3 is the injected one)")


if __name__ == "__main__":
    main()
