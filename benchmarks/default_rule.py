"""Active learning's default strategy per task on six scikit-learn data sets, against plain margin.

Data sets (all offline; features standardised on the pool; LogisticRegression(max_iter=1000);
one stratified 70/30 pool/test split per set; the initial labels are drawn at random from the pool
by the seed and shared by every strategy of that seed; then batches until the largest budget):

  set          rows    classes  initial  batch  budgets (labels)
  breast_cancer   569  2        10       5      20 30 40 60 100     binary, small
  wine            178  3         6       3      9 12 15 21 30       multiclass, small
  iris            150  3         6       3      9 12 15 21 30       multiclass, small
  digits        1,797  10       20      10      30 50 100 150 200   multiclass, 10 classes
  binary_5k     5,000  2        20      10      30 50 100 200 300   make_classification, large
  six_class_10k 10,000 6        20      10      30 50 100 200 300   make_classification, large

(budgets: up to about a quarter of the pool for the small sets, where labelling more is the same
as labelling everything; up to 300 labels for the large ones; batches of about 3-5 % of the
largest budget. The synthetic sets' generators are fixed, ``random_state=0``: 20 features, 6 or
10 informative, 4 redundant, 2 clusters per class, 2 % of labels flipped.)

Strategies: random, margin, entropy, least_confident (the single strategies), hybrid
(``HybridStrategy()``, the previous default, tuned on digits only) and default (``"default"``,
``DefaultStrategy``): **plain margin while the model predicts two classes; with C > 2 classes the
hybrid with its warm-up and boundaries phases scaled with C: representative until 3·C labels,
diverse uncertainty until 8·C, then boundaries round-robin** (C = 10 gives the digits-tuned 30 and
80; with fewer than two, the hybrid's own 30 and 80; no model yet: the hybrid's representative
phase). For each set and budget: mean test accuracy per strategy, then default minus the best
single strategy at that budget and default minus margin (and, for comparison, hybrid minus
margin), seed by seed (paired: same split, same initial labels), mean ± standard error over the
seeds; ``!`` marks a gap below -2 SE. The last line gives, per set, default minus margin at the
budget where it is the most standard errors behind.

Tuning (``--tune``) and reporting never share a split or a seed. The rule was chosen on the
tuning splits (``train_test_split(random_state=1 and 2)``) with seeds 100-104 (10 runs per row),
among: the hybrid; margin if binary, else the hybrid; margin if binary, else the hybrid with
warm-up / boundaries at 2·C / 6·C, 3·C / 8·C or 5·C / 10·C labels; margin if binary, else the
hybrid with warm-up min(30, N/10) and boundaries min(80, N/5) for a pool of N. What decided it,
gaps to margin on the tuning runs (mean ± SE): the hybrid fell behind margin on wine (-0.026 ±
0.007 at 21 labels: its 30-label warm-up is the whole budget of a three-class set); 5·C / 10·C
(wine -0.019 ± 0.006 at 15, iris -0.029 ± 0.007 at 21) and the pool-capped hybrid (iris -0.031
± 0.011 at 15) did too; 2·C / 6·C and 3·C / 8·C never did, and 3·C / 8·C was ahead of 2·C / 6·C
on digits at 30 and 50 labels (+0.034 and +0.036 against margin, vs +0.021 and +0.019). Its
worst tuning gaps to margin: iris -0.016 ± 0.009 (21 labels), 6-class -0.014 ± 0.009 (100
labels), where the digits-tuned hybrid was ahead (-0.001 ± 0.008). The reported tables use split
``random_state=0`` with seeds 0..N-1, first run after the rule was fixed. ``--tune`` reruns
the tuning tables (about 7 minutes; with two later variants, 3·C / 6·C and 3·C / 3·C).

Known, after the rule was fixed (and not used to change it): with ``--seeds 20`` the held-out
split has one cell below -2 SE, iris at 21 labels (default − margin -0.017 ± 0.008; there one
test item is 0.022), and wine at 30 labels is at -2 SE (-0.006 ± 0.003). On the tuning splits
with 20 seeds (``--tune --seeds 20 --only iris --only wine``, 40 runs per row) the same cells
were -0.004 ± 0.006 and +0.001 ± 0.002, and no variant tried there (2·C / 6·C, 3·C / 6·C, 3·C / 3·C)
was ahead of 3·C / 8·C at every budget of both sets.

Usage:  python benchmarks/default_rule.py [--quick] [--seeds N] [--tune]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

SINGLE = ["random", "margin", "entropy", "least_confident"]


@dataclass
class Task:
    name: str
    load: Callable[[], tuple[np.ndarray, np.ndarray]]
    initial: int
    batch: int
    budgets: list[int]
    kind: str


def _sk(name: str) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    def load():
        from sklearn import datasets

        return getattr(datasets, f"load_{name}")(return_X_y=True)
    return load


def _synthetic(n: int, classes: int, informative: int) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    def load():
        from sklearn.datasets import make_classification

        return make_classification(n_samples=n, n_features=20, n_informative=informative, n_redundant=4,
                                   n_classes=classes, n_clusters_per_class=2, flip_y=0.02, random_state=0)
    return load


TASKS = [
    Task("breast_cancer", _sk("breast_cancer"), 10, 5, [20, 30, 40, 60, 100], "binary, small"),
    Task("wine", _sk("wine"), 6, 3, [9, 12, 15, 21, 30], "3 classes, small"),
    Task("iris", _sk("iris"), 6, 3, [9, 12, 15, 21, 30], "3 classes, small"),
    Task("digits", _sk("digits"), 20, 10, [30, 50, 100, 150, 200], "10 classes, 1,797 rows"),
    Task("binary_5k", _synthetic(5000, 2, 6), 20, 10, [30, 50, 100, 200, 300], "binary, 5,000 rows"),
    Task("six_class_10k", _synthetic(10000, 6, 10), 20, 10, [30, 50, 100, 200, 300], "6 classes, 10,000 rows"),
]


def split(task: Task, split_state: int):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = task.load()
    Xp, Xt, yp, yt = train_test_split(X, y, test_size=0.3, stratify=y, random_state=split_state)
    sc = StandardScaler().fit(Xp)
    return sc.transform(Xp), sc.transform(Xt), yp, yt


def _scaled_hybrid(warm: int, bound: int):
    """margin if the model predicts 2 classes, else HybridStrategy(warm*C, boundaries bound*C)."""
    from hitl_widgets.active import HybridStrategy, get_strategy

    margin = get_strategy("margin")

    def strategy(proba, emb, labelled, k, rng=None):
        c = None if proba is None else np.shape(proba)[1]
        if c == 2:
            return margin(proba, emb, labelled, k, rng)
        c = c or 10
        return HybridStrategy(warmup=warm * c, boundaries_from=bound * c)(proba, emb, labelled, k, rng)
    strategy.needs_embeddings = True  # type: ignore[attr-defined]
    return strategy


def _pool_capped(warm_frac: int, bound_frac: int):
    """margin if the model predicts 2 classes, else HybridStrategy(min(30, N/warm_frac), min(80, N/bound_frac))."""
    from hitl_widgets.active import HybridStrategy, get_strategy

    margin = get_strategy("margin")

    def strategy(proba, emb, labelled, k, rng=None):
        if proba is not None and np.shape(proba)[1] == 2:
            return margin(proba, emb, labelled, k, rng)
        n = len(emb)
        return HybridStrategy(warmup=min(30, n // warm_frac), boundaries_from=min(80, n // bound_frac))(
            proba, emb, labelled, k, rng)
    strategy.needs_embeddings = True  # type: ignore[attr-defined]
    return strategy


def _binary_margin_else_hybrid():
    from hitl_widgets.active import HybridStrategy, get_strategy

    margin, hybrid = get_strategy("margin"), HybridStrategy()

    def strategy(proba, emb, labelled, k, rng=None):
        if proba is not None and np.shape(proba)[1] == 2:
            return margin(proba, emb, labelled, k, rng)
        return hybrid(proba, emb, labelled, k, rng)
    strategy.needs_embeddings = True  # type: ignore[attr-defined]
    return strategy


def strategies(tune: bool) -> dict[str, Any]:
    from hitl_widgets.active import HybridStrategy

    out: dict[str, Any] = {s: s for s in SINGLE}
    out["hybrid"] = HybridStrategy()
    if tune:
        out["bin-margin+hybrid"] = _binary_margin_else_hybrid()
        out["bin-margin+hybrid 2C/6C"] = _scaled_hybrid(2, 6)
        out["bin-margin+hybrid 5C/10C"] = _scaled_hybrid(5, 10)
        out["bin-margin+hybrid min(30,N/10)/min(80,N/5)"] = _pool_capped(10, 5)
        out["bin-margin+hybrid 3C/6C"] = _scaled_hybrid(3, 6)  # tried after the rule was fixed (see Known)
        out["bin-margin+hybrid 3C/3C"] = _scaled_hybrid(3, 3)
        out["bin-margin+hybrid 3C/8C"] = _scaled_hybrid(3, 8)  # the rule chosen: DefaultStrategy
    else:
        out["default"] = "default"
    return out


def run(task: Task, data, strategy: Any, seed: int) -> list[float]:
    from sklearn.linear_model import LogisticRegression

    from hitl_widgets.active import simulate

    Xp, Xt, yp, yt = data
    init = np.random.default_rng(seed).choice(len(yp), size=task.initial, replace=False)
    h = simulate(LogisticRegression(max_iter=1000), Xp, yp, Xt, yt, strategy, batch_size=task.batch,
                 budget=max(task.budgets), seed=seed, initial_idx=init)
    acc = dict(zip(h["n_labels"].tolist(), h["accuracy"].tolist()))
    return [acc[b] for b in task.budgets]


def _gap(d: np.ndarray) -> tuple[float, float]:
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    return float(d.mean()), se


def table(task: Task, per: dict[str, np.ndarray], n_seeds: str) -> list[str]:
    """Markdown lines: mean accuracy per strategy and budget."""
    b = task.budgets
    lines = [f"### {task.name} ({task.kind}; {task.initial} initial labels, batches of {task.batch}, {n_seeds})", "",
             "| strategy | " + " | ".join(f"@{x}" for x in b) + " |", "| --- |" + " ---: |" * len(b)]
    for name, a in per.items():
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in a.mean(axis=0)) + " |")
    return lines


def gaps(task: Task, per: dict[str, np.ndarray], ours: str) -> tuple[list[str], list[tuple[float, float, int]]]:
    """Table rows: ``ours`` minus the best single strategy and minus margin, paired over seeds;
    and the gaps to margin (mean, standard error, budget) per budget."""
    b = task.budgets
    lines = []
    best_row, margin_row, z = [], [], []
    for j in range(len(b)):
        best = max(SINGLE, key=lambda r: per[r][:, j].mean())
        m, se = _gap(per[ours][:, j] - per[best][:, j])
        best_row.append(f"{m:+.3f} ± {se:.3f} ({best}){' !' if m < -2 * se else ''}")
        m, se = _gap(per[ours][:, j] - per["margin"][:, j])
        margin_row.append(f"{m:+.3f} ± {se:.3f}{' !' if m < -2 * se else ''}")
        z.append((m, se, b[j]))
    lines.append(f"| **{ours} − best single** | " + " | ".join(best_row) + " |")
    lines.append(f"| **{ours} − margin** | " + " | ".join(margin_row) + " |")
    return lines, z


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smoke test: 2 seeds (too few for the standard errors) and the four smaller sets")
    ap.add_argument("--seeds", type=int, default=5, help="report on seeds 0..N-1 (default 5)")
    ap.add_argument("--tune", action="store_true",
                    help="the tuning runs: splits random_state=1 and 2, seeds 100.., the candidate rules")
    ap.add_argument("--only", action="append", default=[], help="run only this set (repeatable)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    from threadpoolctl import threadpool_limits

    tasks = [t for t in TASKS if not args.only or t.name in args.only]
    n = 2 if args.quick else args.seeds
    if args.quick and not args.only:
        tasks = [t for t in tasks if t.name not in ("binary_5k", "six_class_10k")]
    seeds = list(range(100, 100 + n)) if args.tune else list(range(n))
    splits = [1, 2] if args.tune else [0]
    strats = strategies(args.tune)
    ours = "default" if not args.tune else list(strats)[-1]
    t_all = time.perf_counter()
    print(f"{'tuning' if args.tune else 'held-out'} runs: split random_state {splits}, seeds {seeds}; "
          "mean test accuracy; gaps seed by seed (paired), mean ± standard error; ! = below -2 SE\n")
    worst = []
    with threadpool_limits(limits=1):
        for task in tasks:
            t0 = time.perf_counter()
            per: dict[str, list] = {s: [] for s in strats}
            for sp in splits:
                data = split(task, sp)
                for name, s in strats.items():
                    for seed in seeds:
                        per[name].append(run(task, data, s, seed))
            arr = {k: np.asarray(v) for k, v in per.items()}
            label = f"{len(splits) * len(seeds)} runs per row"
            lines = table(task, arr, label)
            for cand in (["hybrid", ours] if not args.tune else list(strats)[4:]):
                rows, z = gaps(task, arr, cand)
                lines += rows[1:] if cand != ours and not args.tune else rows  # hybrid: only its gap to margin
                if cand == ours:  # the budget where ours is furthest behind margin, in standard errors
                    worst.append((task.name, min(z, key=lambda g: g[0] / g[1] if g[1] > 0 else np.sign(g[0]) * 1e9)))
            print("\n".join(lines) + "\n")
            print(f"({task.name}: {time.perf_counter() - t0:.0f} s)\n")
    print(f"{ours} − margin at its worst budget (most standard errors behind), per set: "
          + "; ".join(f"{name} {m:+.3f} ± {se:.3f} @{b}" for name, (m, se, b) in worst))
    print(f"total {time.perf_counter() - t_all:.0f} s")


if __name__ == "__main__":
    main()
