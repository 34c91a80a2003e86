"""Active-learning benchmark: label efficiency on digits and query-step time on a 1M pool.

(a) Label efficiency. scikit-learn's digits (pixels / 16), one fixed stratified 70/30 train/test
    split (random_state=0), LogisticRegression(max_iter=5000), 20 random seed labels (the same
    20 for every strategy of a seed), batches of 10. Test accuracy at 50/100/150/200/300 labels,
    mean over seeds, for our strategies (random, least confident, margin, entropy, the default
    hybrid) and for the same ideas in modAL (uncertainty/margin/entropy sampling on a refit loop)
    and scikit-activeml (UncertaintySampling), all run here in the same process. Two tables: seeds
    0-4 (the protocol the issue gives) and seeds 0-19. Under each, the default minus the best
    other row, also seed by seed (paired: same seed labels) with its standard error.

    Why 20 seeds as well: at 300 labels every good strategy is at the model's ceiling (fitted on
    all 1,257 pool labels it scores 0.970), and the rows differ by about one test item (0.0019),
    which is within the seed-to-seed noise of 5 seeds. The 20-seed table was added after the
    5-seed one showed the default one test item behind margin at 300 (-0.0019 +- 0.0019); both
    are printed, so read them together.

    How the default (HybridStrategy: warmup=30, candidates=5, boundaries_from=80) was tuned:
    only on other splits (random_state=1 and 2) with other seeds (100-119), comparing ~35
    variants (warm-up length, candidate factor, embedding vs class-pair diversity, density
    weighting, plain margin late, k-means++ / farthest-first on gradient embeddings as in BADGE,
    maximal-marginal-relevance batches); then checked on a held-out split (random_state=3,
    seeds 200-209). Never on this split or these seeds: the setting was fixed before this split
    was first run and has not changed since.

(b) Query-step time. A 1,000,000 x 64 float32 pool (digits rows resampled + noise), a fitted
    LogisticRegression; one query of 10 by margin = predict_proba over the pool + score + top-10.
    Ours (``hitl_widgets.active.query``) vs modAL's ``margin_sampling`` on the same pool in the
    same run, interleaved, median of the repeats. Both return the same 10 items (checked). Ours
    predicts this float32 pool in float32 (SklearnAdapter's path for a multinomial
    LogisticRegression, checked against scikit-learn on every call); modAL calls scikit-learn,
    which casts the pool to float64 first.

Usage:  python benchmarks/active_learning.py [--quick] [--seeds N] [--jobs N] [--skip-a] [--skip-b]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

BUDGETS = [50, 100, 150, 200, 300]
INITIAL, BATCH = 20, 10


def _data(split_state: int = 0):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=split_state)


def _model():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=5000)


def _initial(n_pool: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(n_pool, size=INITIAL, replace=False)


# ----------------------------------------------------------------------------- runners
def run_ours(strategy: str, seed: int, budget: int) -> dict[int, float]:
    from hitl_widgets.active import simulate

    Xp, Xt, yp, yt = _data()
    h = simulate(_model(), Xp, yp, Xt, yt, strategy, batch_size=BATCH, budget=budget, seed=seed,
                 initial_idx=_initial(len(yp), seed))
    return dict(zip(h["n_labels"].tolist(), h["accuracy"].tolist()))


def run_modal(name: str, seed: int, budget: int) -> dict[int, float]:
    # modAL's query functions on a plain refit loop. (modAL 0.4.2's ActiveLearner.teach calls
    # check_X_y(force_all_finite=...), which scikit-learn >= 1.8 no longer accepts, so the learner
    # class cannot be used with the scikit-learn installed here; the query strategies are intact.)
    from modAL.uncertainty import entropy_sampling, margin_sampling, uncertainty_sampling

    fn = {"uncertainty": uncertainty_sampling, "margin": margin_sampling, "entropy": entropy_sampling}[name]
    Xp, Xt, yp, yt = _data()
    labelled = list(_initial(len(yp), seed))
    free = np.ones(len(yp), dtype=bool)
    free[labelled] = False
    clf = _model().fit(Xp[labelled], yp[labelled])
    out = {INITIAL: clf.score(Xt, yt)}
    n = INITIAL
    while n < budget:
        cand = np.flatnonzero(free)
        q, _ = fn(clf, Xp[cand], n_instances=min(BATCH, budget - n))
        idx = cand[np.asarray(q)]
        labelled.extend(idx.tolist())
        free[idx] = False
        n += len(idx)
        clf = _model().fit(Xp[labelled], yp[labelled])
        out[n] = clf.score(Xt, yt)
    return out


def run_skactiveml(method: str, seed: int, budget: int) -> dict[int, float]:
    from skactiveml.classifier import SklearnClassifier
    from skactiveml.pool import UncertaintySampling
    from skactiveml.utils import MISSING_LABEL

    Xp, Xt, yp, yt = _data()
    init = _initial(len(yp), seed)
    y_part = np.full(len(yp), MISSING_LABEL)
    y_part[init] = yp[init]
    clf = SklearnClassifier(_model(), classes=np.arange(10), random_state=seed)
    qs = UncertaintySampling(method=method, random_state=seed)
    clf.fit(Xp, y_part)
    out = {INITIAL: clf.score(Xt, yt)}
    n = INITIAL
    while n < budget:
        idx = qs.query(Xp, y_part, clf, fit_clf=False, batch_size=min(BATCH, budget - n))
        y_part[idx] = yp[idx]
        n += len(idx)
        clf.fit(Xp, y_part)
        out[n] = clf.score(Xt, yt)
    return out


RUNNERS = {"ours": run_ours, "modAL": run_modal, "scikit-activeml": run_skactiveml}

ROWS = [  # (label in the table, package, strategy argument)
    ("random", "ours", "random"),
    ("least confident", "ours", "least_confident"),
    ("margin", "ours", "margin"),
    ("entropy", "ours", "entropy"),
    ("hybrid (default)", "ours", "hybrid"),
    ("modAL uncertainty_sampling", "modAL", "uncertainty"),
    ("modAL margin_sampling", "modAL", "margin"),
    ("modAL entropy_sampling", "modAL", "entropy"),
    ("skactiveml US least_confident", "scikit-activeml", "least_confident"),
    ("skactiveml US margin_sampling", "scikit-activeml", "margin_sampling"),
    ("skactiveml US entropy", "scikit-activeml", "entropy"),
]


def _job(args):
    label, package, strategy, seed, budget = args
    warnings.filterwarnings("ignore")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one process per core: no nested threads
        t0 = time.perf_counter()
        acc = RUNNERS[package](strategy, seed, budget)
        return label, seed, acc, time.perf_counter() - t0


def label_efficiency(seeds: list[int], jobs: int, budgets: list[int]) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The table (mean test accuracy per row and budget, s/run) and each row's per-seed
    accuracies (seeds x budgets, seeds in the order given)."""
    budget = max(budgets)
    tasks = [(label, pkg, strat, s, budget) for label, pkg, strat in ROWS for s in seeds]
    results = []
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as ex:
            results = list(ex.map(_job, tasks))
    else:
        results = [_job(t) for t in tasks]
    acc: dict[str, dict[int, list[float]]] = {label: {} for label, _, _ in ROWS}
    secs = {label: 0.0 for label, _, _ in ROWS}
    for label, seed, a, sec in results:
        acc[label][seed] = [a[b] for b in budgets]
        secs[label] += sec
    per_seed = {label: np.array([v[s] for s in seeds]) for label, v in acc.items()}
    table = pd.DataFrame({label: v.mean(axis=0) for label, v in per_seed.items()}, index=budgets).T
    table.columns = [f"@{b}" for b in budgets]
    table["s/run"] = [secs[label] / len(seeds) for label in table.index]  # wall time, fits included
    return table, per_seed


def paired_gap(per_seed: dict[str, np.ndarray], ours: str, budgets: list[int]) -> list[tuple[int, str, float, float]]:
    """At each budget: the best other row by mean, and ours minus it seed by seed (same seed
    labels, same split) as (budget, row, mean difference, standard error of that mean)."""
    out = []
    for j, b in enumerate(budgets):
        best = max((r for r in per_seed if r != ours), key=lambda r: per_seed[r][:, j].mean())
        d = per_seed[ours][:, j] - per_seed[best][:, j]
        se = float(d.std(ddof=1) / np.sqrt(d.shape[0])) if d.shape[0] > 1 else float("nan")
        out.append((b, best, float(d.mean()), se))
    return out


def full_pool_accuracy() -> float:
    """Test accuracy of the same model fitted on every pool label (1,257): the reference ceiling."""
    Xp, Xt, yp, yt = _data()
    return float(_model().fit(Xp, yp).score(Xt, yt))


# ----------------------------------------------------------------------------- query time
def query_time(n: int, repeats: int) -> dict:
    from modAL.uncertainty import margin_sampling
    from sklearn.datasets import load_digits

    from hitl_widgets.active import SklearnAdapter, query

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    clf = _model().fit(X[:300], y[:300])
    rng = np.random.default_rng(0)
    pool = np.empty((n, 64), dtype=np.float32)
    for s in range(0, n, 100_000):  # resampled digits + noise, built in slices
        m = min(100_000, n - s)
        pool[s : s + m] = X[rng.integers(0, len(X), m)] + rng.normal(0, 0.05, (m, 64))
    adapter = SklearnAdapter(_model()).use_fitted(clf)
    ours, theirs, same = [], [], True
    query(adapter, pool[:1000], "margin", 10)  # warm caches / imports for both
    margin_sampling(clf, pool[:1000], n_instances=10)
    for _ in range(repeats):
        t0 = time.perf_counter()
        a = query(adapter, pool, "margin", 10)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        b, _ = margin_sampling(clf, pool, n_instances=10)
        theirs.append(time.perf_counter() - t0)
        same &= sorted(np.asarray(a).tolist()) == sorted(np.asarray(b).tolist())
    return {"ours": float(np.median(ours)), "modAL": float(np.median(theirs)), "same": same,
            "ours_all": ours, "modAL_all": theirs}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 seeds, 5 repeats of the query timing")
    ap.add_argument("--seeds", type=int, default=20,
                    help="seeds 0..N-1 for (a); the first 5 (the issue's protocol) get their own table")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="processes for (a)")
    ap.add_argument("--skip-a", action="store_true")
    ap.add_argument("--skip-b", action="store_true")
    ap.add_argument("--pool", type=int, default=1_000_000, help="pool rows for (b)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    import modAL  # noqa: F401  (fail early when a peer is missing)
    import skactiveml

    print(f"numpy {np.__version__}, scikit-activeml {skactiveml.__version__}, cores {os.cpu_count()}")
    if not args.skip_a:
        seeds = [0, 1, 2] if args.quick else list(range(max(args.seeds, 5)))
        t0 = time.perf_counter()
        table, per_seed = label_efficiency(seeds, args.jobs, BUDGETS)
        print(f"\n(a) digits, LogisticRegression, {INITIAL} seed labels + batches of {BATCH}, "
              f"test accuracy, {len(seeds) * len(ROWS)} runs in {time.perf_counter() - t0:.0f} s; "
              f"one test item = {1 / len(_data()[3]):.4f}; the same model fitted on all "
              f"{len(_data()[2]):,} pool labels scores {full_pool_accuracy():.3f}")
        first = seeds[:5]  # the protocol: seeds 0-4
        groups = [first] if len(seeds) == len(first) else [first, seeds]
        for group in groups:
            sub = {r: v[: len(group)] for r, v in per_seed.items()}
            t = pd.DataFrame({r: v.mean(axis=0) for r, v in sub.items()}, index=BUDGETS).T
            t.columns = [f"@{b}" for b in BUDGETS]
            t["s/run"] = table["s/run"]
            name = f"seeds {group}" if len(group) <= 5 else f"seeds {group[0]}-{group[-1]}"
            print(f"\nmean of {name}")
            with pd.option_context("display.width", 140, "display.float_format", "{:.3f}".format):
                print(t.to_string())
            gaps = paired_gap(sub, "hybrid (default)", BUDGETS)
            print("hybrid minus best other row:", " ".join(f"@{b} {d:+.3f}" for b, _, d, _ in gaps))
            print("  seed by seed, mean ± standard error:",
                  " ".join(f"@{b} {d:+.4f}±{se:.4f}" for b, _, d, se in gaps),
                  f"(best other: {', '.join(sorted({best for _, best, _, _ in gaps}))})")
    if not args.skip_b:
        repeats = 5 if args.quick else 9
        r = query_time(args.pool, repeats)
        print(f"\n(b) query step, margin, top-10 of {args.pool:,} x 64 float32, LogisticRegression "
              f"predict_proba included, median of {repeats}")
        print(f"ours  {r['ours']:.3f} s")
        print(f"modAL {r['modAL']:.3f} s")
        print(f"ratio ours/modAL = {r['ours'] / r['modAL']:.2f}x   (same 10 items: {r['same']})")


if __name__ == "__main__":
    main()
