"""Speed of hitl_widgets' group metrics against fairlearn's MetricFrame, same metrics, same run.

    python benchmarks/bias_audit.py            # 1,000,000 rows
    python benchmarks/bias_audit.py --quick    # 100,000 rows
    python benchmarks/bias_audit.py --rows 300000 --fairlearn-runs 2

Data: one sensitive column with 10 groups (strings), binary labels, a model that is right 85% of
the time (70% on one group). Both sides compute the same six metrics per group (accuracy,
precision, recall, false positive rate, false negative rate, selection rate) from the same arrays:
ours ``group_metrics``, fairlearn ``MetricFrame(...).by_group`` with scikit-learn's and
fairlearn's metric functions. Prints median wall times (ours: 5 runs after a warm-up; fairlearn:
``--fairlearn-runs`` runs, 1 by default as it is slow, after a warm-up on 1,000 rows), the ratio
ours / fairlearn (< 1: ours is faster), and the largest |difference| between the two tables.

``BiasAudit`` does more than either: the same six metrics plus 1,000 bootstrap resamples for CIs on
every group and disparity, flags and the label distribution. It is printed beside, with no ratio:
fairlearn is not timed doing that work here (its MetricFrame bootstraps with ``n_boot``, recomputing
every metric on every resample).

Figures only: nothing here asserts on time.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from hitl_widgets.dashboards.bias import BiasAudit
from hitl_widgets.metrics.fairness import FAIRNESS_METRICS, group_metrics

REPEATS = 5
N_GROUPS = 10


def data(n_rows: int) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(0)
    group = rng.integers(0, N_GROUPS, n_rows)
    y = rng.integers(0, 2, n_rows)
    right = rng.random(n_rows) < np.where(group == 3, 0.70, 0.85)
    pred = np.where(right, y, 1 - y)
    groups = pd.DataFrame({"group": np.array([f"g{k}" for k in range(N_GROUPS)], dtype=object)[group]})
    return y, pred, groups


def timed(fn: Callable[[], object], repeats: int, warm_up: bool = True) -> tuple[float, object]:
    """Median seconds of ``repeats`` runs (after one untimed warm-up run when asked), and the value."""
    value = fn() if warm_up else None
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--fairlearn-runs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    args = parser.parse_args()
    n_rows = min(args.rows, 100_000) if args.quick else args.rows

    from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate
    from sklearn.metrics import accuracy_score, precision_score, recall_score

    y, pred, groups = data(n_rows)
    peer_metrics = {
        "accuracy": accuracy_score,
        "precision": precision_score,
        "recall": recall_score,
        "fpr": false_positive_rate,
        "fnr": false_negative_rate,
        "selection_rate": selection_rate,
    }
    six = list(FAIRNESS_METRICS)
    assert sorted(six) == sorted(peer_metrics), (six, list(peer_metrics))  # the same six on both sides

    def fairlearn() -> pd.DataFrame:
        return MetricFrame(metrics=peer_metrics, y_true=y, y_pred=pred, sensitive_features=groups).by_group

    t_ours, ours = timed(lambda: group_metrics(y, pred, groups, metrics=six), REPEATS)
    t_audit, audit = timed(lambda: BiasAudit(y, pred, groups), REPEATS)
    MetricFrame(metrics=peer_metrics, y_true=y[:1000], y_pred=pred[:1000], sensitive_features=groups[:1000])  # warm-up
    t_peer, peer = timed(fairlearn, args.fairlearn_runs, warm_up=False)

    diff = np.abs(ours[six].to_numpy(dtype=float) - peer[six].to_numpy(dtype=float)).max()
    print(f"{n_rows:,} rows x {N_GROUPS} groups; the same 6 metrics per group on both sides ({', '.join(six)}); "
          f"ours: median of {REPEATS} runs; fairlearn: median of {args.fairlearn_runs}")
    print(f"ours group_metrics (6 metrics)                  {t_ours:8.3f} s")
    print(f"fairlearn MetricFrame.by_group (6 metrics)      {t_peer:8.3f} s")
    print(f"ratio ours / fairlearn   {t_ours / t_peer:7.4f}  (ours {t_peer / t_ours:.1f}x faster)")
    print(f"max |ours - fairlearn| over the 6 metrics x {N_GROUPS} groups: {diff:.1e}")
    print(f"ours BiasAudit (the 6 metrics + 1000-resample CIs, disparities, flags) {t_audit:8.3f} s  "
          "(more work than the peer row: no ratio)")
    print(f"flagged by the audit: {sorted(set(audit.flags['group']))} (group g3 is the injected one)")


if __name__ == "__main__":
    main()
