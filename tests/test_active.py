"""Unit tests for hitl_widgets.active: score functions, selection, adapters and the simulation."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.active import (
    HISTORY_COLUMNS,
    ActiveSession,
    CallableAdapter,
    HybridStrategy,
    RandomStrategy,
    ScoreStrategy,
    SklearnAdapter,
    as_adapter,
    bald,
    core_set,
    density_weighted,
    entropy,
    get_strategy,
    least_confident,
    margin,
    query,
    select,
    select_stratified,
    simulate,
    stratified_quota,
)


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_blas():
    """Tiny fits: BLAS/OpenMP threads only add overhead (and stall badly on a busy machine)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


P = np.array([[0.5, 0.3, 0.2], [0.9, 0.05, 0.05], [0.4, 0.4, 0.2], [1.0, 0.0, 0.0]])


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    pool, test = order[:800], order[800:1200]
    return X[pool], y[pool], X[test], y[test]


# ------------------------------------------------------------------ scores, hand-computed
def test_least_confident_values():
    np.testing.assert_allclose(least_confident(P), [0.5, 0.1, 0.6, 0.0])


def test_margin_values():
    # 1 - (top1 - top2): 1-(.5-.3), 1-(.9-.05), 1-(.4-.4), 1-(1-0)
    np.testing.assert_allclose(margin(P), [0.8, 0.15, 1.0, 0.0])


def test_margin_many_classes_matches_sort():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(37), size=40000)  # > one chunk, many classes
    s = np.sort(p, axis=1)
    np.testing.assert_allclose(margin(p), 1 - (s[:, -1] - s[:, -2]))


def test_binary_one_column_is_positive_probability():
    np.testing.assert_allclose(margin(np.array([0.5, 0.9])), [1.0, 0.2])
    np.testing.assert_allclose(least_confident(np.array([0.5, 0.9])), [0.5, 0.1])


def test_entropy_values():
    ln = np.log
    expected = [
        -(0.5 * ln(0.5) + 0.3 * ln(0.3) + 0.2 * ln(0.2)),
        -(0.9 * ln(0.9) + 2 * 0.05 * ln(0.05)),
        -(2 * 0.4 * ln(0.4) + 0.2 * ln(0.2)),
        0.0,  # 0 log 0 = 0, no NaN
    ]
    out = entropy(P)
    assert not np.isnan(out).any()
    np.testing.assert_allclose(out, expected)
    np.testing.assert_allclose(entropy(np.full((1, 4), 0.25)), [np.log(4)])


def test_bald_values():
    # two samples that disagree completely: H(mean) = ln 2, mean H = 0
    mc = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.0, 1.0], [0.5, 0.5]]])
    np.testing.assert_allclose(bald(mc), [np.log(2), 0.0], atol=1e-12)
    # hand-computed: samples [.8,.2] and [.4,.6] -> mean [.6,.4]
    mc2 = np.array([[[0.8, 0.2]], [[0.4, 0.6]]])
    h = lambda q: -sum(v * np.log(v) for v in q)  # noqa: E731
    np.testing.assert_allclose(bald(mc2), [h([0.6, 0.4]) - (h([0.8, 0.2]) + h([0.4, 0.6])) / 2])


def test_bald_zero_when_samples_agree():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=50)
    mc = np.broadcast_to(p, (8, 50, 5)).copy()
    np.testing.assert_allclose(bald(mc), 0.0, atol=1e-12)
    assert (bald(mc) >= 0).all()


def test_density_weighted_values():
    e = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    # mean unit vector = (2/3, 1/3); cos sims = 2/3, 2/3, 1/3; density = (1 + s) / 2
    dens = np.array([5 / 6, 5 / 6, 2 / 3])
    s = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(density_weighted(s, e), s * dens)
    np.testing.assert_allclose(density_weighted(s, e, beta=2.0), s * dens**2)
    np.testing.assert_allclose(density_weighted(s, e, beta=0.0), s)
    # brute force: mean pairwise cosine similarity
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 4))
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    brute = (1 + (u @ u.T).mean(axis=1)) / 2
    np.testing.assert_allclose(density_weighted(np.ones(30), x), brute)


# ------------------------------------------------------------------ select
def test_select_top_k_best_first():
    s = np.array([0.1, 0.9, 0.5, 0.7])
    assert select(s, 2).tolist() == [1, 3]
    assert select(s, 10).tolist() == [1, 3, 2, 0]
    assert select(s, 0).tolist() == []


def test_select_ties_lower_index_first():
    s = np.array([1.0, 2.0, 2.0, 2.0, 0.0, 2.0])
    assert select(s, 2).tolist() == [1, 2]
    assert select(s, 3).tolist() == [1, 2, 3]
    assert select(np.zeros(1000), 3).tolist() == [0, 1, 2]


def test_select_exclusion():
    s = np.array([5.0, 4.0, 3.0, 2.0, 1.0])
    assert select(s, 2, exclude=[0, 2]).tolist() == [1, 3]
    mask = np.array([True, True, False, False, False])
    assert select(s, 2, exclude=mask).tolist() == [2, 3]
    # never returns excluded items, even when asked for more than remain
    assert select(s, 10, exclude=[1, 3]).tolist() == [0, 2, 4]
    # -inf and NaN scores still count as available, ranked last: NaN after every number, -inf included
    s2 = np.array([np.nan, -np.inf, 1.0])
    assert select(s2, 3, exclude=[2]).tolist() == [1, 0]


def test_select_matches_full_sort_on_random_scores():
    rng = np.random.default_rng(5)
    s = rng.integers(0, 20, size=5000).astype(float)  # many ties
    ex = rng.choice(5000, 700, replace=False)
    ref = [i for i in np.lexsort((np.arange(5000), -s)) if i not in set(ex.tolist())][:37]
    assert select(s, 37, exclude=ex).tolist() == ref


# ------------------------------------------------------------------ core-set
def _brute_k_center(x, labelled, k):
    chosen = list(labelled)
    picks = []
    for _ in range(k):
        best, best_d = None, -1.0
        for i in range(len(x)):
            if i in chosen:
                continue
            d = min(np.sum((x[i] - x[j]) ** 2) for j in chosen)
            if d > best_d:
                best, best_d = i, d
        chosen.append(best)
        picks.append(best)
    return picks


def test_core_set_matches_brute_force():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    for labelled in ([0], [3, 17, 42], list(range(10))):
        assert core_set(x, labelled, 8).tolist() == _brute_k_center(x, labelled, 8)


def test_core_set_picks_far_points_and_scales_in_chunks():
    x = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0], [0.0, 10.0], [0.2, 0.1]])
    assert core_set(x, [0], 2).tolist() == [2, 3]
    # many labelled points -> the blocked initial distance pass
    rng = np.random.default_rng(1)
    big = rng.normal(size=(3000, 5)).astype(np.float32)
    lab = rng.choice(3000, 500, replace=False)
    out = core_set(big, lab, 20)
    assert len(set(out.tolist())) == 20 and not set(out.tolist()) & set(lab.tolist())
    d = ((big[:, None, :] - big[None, lab, :]) ** 2).sum(-1).min(1)
    assert out[0] == int(np.argmax(np.where(np.isin(np.arange(3000), lab), -1, d)))


def test_core_set_without_labels_and_exhaustion():
    x = np.array([[0.0], [1.0], [2.0], [10.0]])
    out = core_set(x, [], 4)
    assert sorted(out.tolist()) == [0, 1, 2, 3]
    assert core_set(x, [0, 1, 2, 3], 2).tolist() == []


# ------------------------------------------------------------------ stratified quotas
def test_stratified_quota_water_fills():
    groups = ["a"] * 10 + ["b"] * 10 + ["c"] * 2
    assert stratified_quota(groups, 6) == {"a": 2, "b": 2, "c": 2}
    # c has only 2 candidates; a already has 4 labels: b catches up to 4, then a and b alternate (a first)
    assert stratified_quota(groups, 9, labelled_groups=["a"] * 4) == {"a": 2, "b": 5, "c": 2}
    # unseen-in-labels groups first; ties go to sorted order
    assert stratified_quota(groups, 1, labelled_groups=["a", "b"]) == {"a": 0, "b": 0, "c": 1}
    assert sum(stratified_quota(["x"], 5).values()) == 1


def test_select_stratified():
    s = np.array([0.9, 0.8, 0.7, 0.1, 0.2, 0.3])
    g = np.array([0, 0, 0, 1, 1, 1])
    out = select_stratified(s, g, 4, labelled_groups=[1, 1, 1], exclude=[0])
    assert sorted(out.tolist()) == [1, 2, 4, 5]


# ------------------------------------------------------------------ strategies
def test_hybrid_strategy_contract():
    rng = np.random.default_rng(0)
    emb = np.vstack([rng.normal(c, 0.1, size=(50, 2)) for c in ([0, 0], [5, 5], [0, 5], [5, 0])])
    proba = rng.dirichlet(np.ones(3), size=200)
    lab = np.arange(0, 200, 50)  # one per blob
    strat = HybridStrategy(warmup=10)
    cold = strat(None, emb, lab[:1], 3, np.random.default_rng(1))
    assert len(cold) == 3 and len(set(cold.tolist())) == 3 and 0 not in cold.tolist()
    # cold start covers the three blobs that hold no label
    assert sorted({int(i) // 50 for i in cold}) == [1, 2, 3]
    warm = strat(proba, emb, np.arange(20), 5, np.random.default_rng(1))
    assert len(set(warm.tolist())) == 5 and (warm >= 20).all()
    # candidates=1 degenerates to plain top-k margin
    top = HybridStrategy(warmup=0, candidates=1)(proba, emb, lab, 5, 0)
    assert sorted(top.tolist()) == sorted(select(margin(proba), 5, exclude=lab).tolist())
    # no embeddings -> plain uncertainty; asking for more than remain
    assert len(strat(proba, None, np.arange(198), 5, 0)) == 2


def test_hybrid_phases_and_boundary_round_robin():
    h = HybridStrategy(warmup=30, candidates=2, boundaries_from=80)
    assert h.phase(0, has_model=False) == "representative"
    assert h.phase(0, has_model=False, has_embeddings=False) == "random"
    assert [h.phase(n) for n in (29, 30, 79, 80)] == ["representative", "diverse", "diverse", "boundaries"]
    # items 0-2 sit on the 0/1 boundary, 3-4 on the 1/2 boundary, 5 is certain
    p = np.array([[0.50, 0.48, 0.02], [0.52, 0.46, 0.02], [0.55, 0.43, 0.02],
                  [0.02, 0.40, 0.58], [0.02, 0.38, 0.60], [0.98, 0.01, 0.01]])
    labelled = np.arange(6, 106)  # 100 labels: the boundary phase
    p_all = np.vstack([p, np.tile([[1.0, 0.0, 0.0]], (100, 1))])
    emb = np.zeros((106, 2))
    assert select(margin(p_all), 3, exclude=labelled).tolist() == [0, 1, 2]
    assert h(p_all, emb, labelled, 3, 0).tolist() == [0, 3, 1]
    # binary task: one boundary, plain top-k
    pb = np.vstack([p[:, :2] / p[:, :2].sum(1, keepdims=True), np.tile([[1.0, 0.0]], (100, 1))])
    assert h(pb, emb, labelled, 3, 0).tolist() == select(margin(pb), 3, exclude=labelled).tolist()


def test_get_strategy_names():
    assert isinstance(get_strategy("hybrid"), HybridStrategy)
    assert isinstance(get_strategy("random"), RandomStrategy)
    assert isinstance(get_strategy(entropy), ScoreStrategy)
    assert get_strategy("bald").needs_mc
    with pytest.raises(ValueError):
        get_strategy("nope")
    r = get_strategy("random")(None, np.zeros((10, 2)), [0, 1, 2], 7, 0)
    assert sorted(r.tolist()) == list(range(3, 10))


# ------------------------------------------------------------------ torch tensors
def test_torch_tensors_match_numpy():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=100)
    mc = rng.dirichlet(np.ones(4), size=(6, 100))
    emb = rng.normal(size=(100, 3))
    for fn in (least_confident, margin, entropy):
        np.testing.assert_allclose(fn(torch.from_numpy(p)), fn(p))
    np.testing.assert_allclose(fn(torch.from_numpy(p).float()), fn(p.astype(np.float32)), rtol=1e-6)
    np.testing.assert_allclose(bald(torch.from_numpy(mc)), bald(mc))
    # tensors are scored in torch: a tensor comes back, with the input's float dtype (and device)
    for fn, x in ((least_confident, p), (margin, p), (entropy, p), (bald, mc)):
        out = fn(torch.from_numpy(x).float())
        assert isinstance(out, torch.Tensor) and out.dtype == torch.float32 and out.shape == (100,)
    np.testing.assert_allclose(margin(torch.tensor([0.2, 0.9])), margin(np.array([0.2, 0.9])), rtol=1e-6)  # P(positive)
    np.testing.assert_allclose(entropy(torch.tensor([[1.0, 0.0]])), [0.0])  # 0 log 0 = 0
    with pytest.raises(ValueError, match="must have shape"):
        bald(torch.from_numpy(p))
    s = margin(p)
    np.testing.assert_allclose(density_weighted(torch.from_numpy(s), torch.from_numpy(emb)), density_weighted(s, emb))
    assert select(torch.from_numpy(s), 5, exclude=torch.tensor([0, 1])).tolist() == select(s, 5, exclude=[0, 1]).tolist()
    assert core_set(torch.from_numpy(emb), torch.tensor([0]), 5).tolist() == core_set(emb, [0], 5).tolist()
    a = HybridStrategy(warmup=0)(torch.from_numpy(p), torch.from_numpy(emb), torch.arange(10), 5, 0)
    b = HybridStrategy(warmup=0)(p, emb, np.arange(10), 5, 0)
    assert a.tolist() == b.tolist()


def test_import_without_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import hitl_widgets.active as a, numpy as np\n"
        "assert a.margin(np.array([[0.6, 0.4]])).shape == (1,)\n"
        "try:\n"
        "    a.TorchAdapter(object())\n"
        "except ImportError:\n"
        "    print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


# ------------------------------------------------------------------ adapters
def test_sklearn_adapter_clone_and_fit(digits):
    from sklearn.linear_model import LogisticRegression

    X, y, Xt, yt = digits
    est = LogisticRegression(max_iter=1000)
    a = as_adapter(est)
    assert isinstance(a, SklearnAdapter)
    a.fit(X[:200], y[:200])
    assert not hasattr(est, "coef_")  # the user's estimator is cloned, not touched
    p = a.predict_proba(Xt)
    assert p.shape == (len(yt), 10)
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    assert (a.predict(Xt) == yt).mean() > 0.85
    # chunked prediction gives the same numbers
    small = SklearnAdapter(est, chunk_size=7).fit(X[:200], y[:200])
    np.testing.assert_allclose(small.predict_proba(Xt), p, rtol=1e-5)
    # a single class seen so far: predicted with certainty, no crash
    one = SklearnAdapter(est).fit(X[:3], np.array([4, 4, 4]))
    assert one.predict(Xt[:2]).tolist() == [4, 4]


def test_sklearn_adapter_partial_fit(digits):
    from sklearn.linear_model import SGDClassifier

    X, y, Xt, yt = digits
    a = SklearnAdapter(SGDClassifier(loss="log_loss", random_state=0), partial_fit=True, classes=np.arange(10))
    a.fit(X[:100], y[:100])
    model = a.model_
    a.fit(X[:300], y[:300])  # only rows 100..299 are new
    assert a.model_ is model and a._seen == 300
    assert a.predict_proba(Xt).shape == (len(yt), 10)
    assert (a.predict(Xt) == yt).mean() > 0.7


def test_partial_fit_starts_over_when_seen_rows_change_or_a_class_is_new(digits):
    from sklearn.naive_bayes import MultinomialNB

    X, y, Xt, yt = digits
    a = SklearnAdapter(MultinomialNB(), partial_fit=True)  # no classes given
    small = np.isin(y, [0, 1, 2])
    a.fit(X[small][:30], y[small][:30])
    assert a.classes_.tolist() == [0, 1, 2]
    a.fit(X[:200], y[:200])  # classes 3..9 appear: sklearn would refuse them, so start over
    assert a.classes_.tolist() == list(range(10)) and a._seen == 200
    fresh = MultinomialNB().fit(X[:200], y[:200])
    np.testing.assert_allclose(a.predict_proba(Xt), fresh.predict_proba(Xt))
    model = a.model_
    relabelled = y[:250].copy()
    relabelled[5] = (relabelled[5] + 1) % 10  # a label the model has seen is changed
    a.fit(X[:250], relabelled)
    assert a.model_ is not model  # refitted from a clone, not fed the changed row twice
    np.testing.assert_allclose(a.predict_proba(Xt), MultinomialNB().fit(X[:250], relabelled).predict_proba(Xt))
    model = a.model_
    a.fit(X[:260], np.r_[relabelled, y[250:260]])  # only new rows: updated in place
    assert a.model_ is model and a._seen == 260


def test_callable_adapter(digits):
    from sklearn.naive_bayes import GaussianNB

    X, y, Xt, yt = digits

    class Wrapped:  # a plain object, not an estimator
        def __init__(self):
            self.m = GaussianNB()

        def fit(self, X, y):
            self.m.fit(X, y)
            self.classes_ = self.m.classes_

        def predict_proba(self, X):
            return self.m.predict_proba(X)

    a = as_adapter(Wrapped())
    assert isinstance(a, CallableAdapter)
    a.fit(X[:300], y[:300])
    assert a.predict_proba(Xt).shape == (len(yt), 10)
    assert (a.predict(Xt) == yt).mean() > 0.6
    with pytest.raises(TypeError):
        as_adapter(object())


def test_torch_adapter(digits):
    torch = pytest.importorskip("torch")
    from hitl_widgets.active import TorchAdapter

    X, y, Xt, yt = digits
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(64, 10))
    a = as_adapter(net, epochs=30, num_threads=1)  # tiny model: one thread is fastest
    assert isinstance(a, TorchAdapter)
    a.fit(X[:400], y[:400])
    p = a.predict_proba(Xt)
    assert p.shape == (len(yt), 10) and p.dtype == np.float32
    assert (a.predict(Xt) == yt).mean() > 0.85
    assert a.embed(Xt[:7]).shape == (7, 64)
    mc = a.mc_predict_proba(Xt[:20], T=5)
    assert mc.shape == (5, 20, 10)
    assert bald(mc).max() > 0  # dropout active: the passes disagree somewhere
    np.testing.assert_allclose(a.predict_proba(Xt[:20]), p[:20], rtol=1e-5)  # back in eval mode
    # refits start from the initial weights: same data -> same model
    a.fit(X[:400], y[:400])
    np.testing.assert_allclose(a.predict_proba(Xt[:20]), p[:20], rtol=1e-4, atol=1e-6)
    # tensors in, and a custom training function with string classes
    calls = []
    b = TorchAdapter(net, train_fn=lambda m, xb, yb: calls.append((xb.dtype, yb.dtype)),
                     classes=[str(c) for c in range(10)])
    b.fit(torch.from_numpy(X[:50]), np.array([str(v) for v in y[:50]]))
    assert calls == [(torch.float32, torch.int64)]
    assert b.predict(Xt[:3]).dtype.kind == "U"


# ------------------------------------------------------------------ session / simulation
def test_simulate_digits_history(digits):
    from sklearn.linear_model import LogisticRegression

    X, y, Xt, yt = digits
    h = simulate(LogisticRegression(max_iter=1000), X, y, Xt, yt, "hybrid", initial=20, batch_size=10,
                 budget=80, seed=0)
    assert isinstance(h, pd.DataFrame) and list(h.columns) == HISTORY_COLUMNS
    assert h["n_labels"].tolist() == [20, 30, 40, 50, 60, 70, 80]
    assert h["n_labels"].is_monotonic_increasing
    assert h["accuracy"].between(0, 1).all() and h["macro_f1"].between(0, 1).all()
    assert h["accuracy"].iloc[-1] > 0.8
    assert (h["seconds"] >= 0).all()
    # same seed -> same run
    h2 = simulate(LogisticRegression(max_iter=1000), X, y, Xt, yt, "hybrid", initial=20, batch_size=10,
                  budget=80, seed=0)
    np.testing.assert_allclose(h2["accuracy"], h["accuracy"])


def test_simulate_other_strategies(digits):
    from sklearn.linear_model import LogisticRegression

    X, y, Xt, yt = digits
    for strat in ("random", "margin", "entropy", "least_confident", "core_set"):
        h = simulate(LogisticRegression(max_iter=500), X, y, Xt, yt, strat, initial=10, batch_size=15,
                     budget=40, seed=1)
        assert h["n_labels"].tolist() == [10, 25, 40], strat


def test_simulate_bald_with_torch(digits):
    torch = pytest.importorskip("torch")
    X, y, Xt, yt = digits
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Dropout(0.3), torch.nn.Linear(32, 10))
    h = simulate(as_adapter(net, epochs=5, num_threads=1), X, y, Xt, yt, "bald", initial=20, batch_size=10, budget=40,
                 seed=0, mc_samples=4)
    assert h["n_labels"].tolist() == [20, 30, 40]


def test_session_query_teach_retrain(digits):
    from sklearn.linear_model import LogisticRegression

    X, y, Xt, yt = digits
    s = ActiveSession(LogisticRegression(max_iter=500), X, "margin", X_test=Xt, y_test=yt, batch_size=5, seed=0)
    first = s.query()  # no model yet: random
    assert len(first) == 5
    s.teach(first, y[first])
    s.teach(first[:1], [y[first[0]]])  # relabel replaces, does not duplicate
    assert s.n_labels == 5
    s.teach(np.arange(20, 40), y[20:40])
    s.retrain()
    nxt = s.query()
    assert not set(nxt.tolist()) & set(s.labelled_idx)
    row = s.evaluate()
    assert row["n_labels"] == 25 and 0 <= row["accuracy"] <= 1
    with pytest.raises(IndexError):
        s.teach([10_000], [1])
    # the store is the truth: replace the whole label set (an undo dropped item 20)
    s.replace_labels(np.arange(21, 40), y[21:40])
    assert s.labelled_idx == list(range(21, 40)) and s.n_labels == 19
    s.retrain()
    assert 20 not in s.labelled_idx and 20 in s.unlabelled_idx


def test_session_cold_start_without_embeddings():
    class Model:
        def fit(self, X, y):
            self.classes_ = np.unique(y)

        def predict_proba(self, X):
            return np.full((len(X), len(self.classes_)), 1.0 / len(self.classes_))

    pool = [f"item{i}.png" for i in range(30)]  # not numeric: no embeddings
    s = ActiveSession(Model(), pool, "hybrid", batch_size=4, seed=0)
    first = s.query()
    assert len(set(first.tolist())) == 4
    s.teach(first, ["a", "b", "a", "b"])
    s.retrain()
    nxt = s.query()
    assert len(nxt) == 4 and not set(nxt.tolist()) & set(first.tolist())


def test_query_with_fitted_estimator(digits):
    from sklearn.linear_model import LogisticRegression

    X, y, Xt, yt = digits
    est = LogisticRegression(max_iter=500).fit(X[:100], y[:100])
    idx = query(est, Xt, "margin", k=5, labelled_idx=[0, 1])
    expected = select(margin(est.predict_proba(Xt)), 5, exclude=[0, 1])
    assert idx.tolist() == expected.tolist()
    assert len(query(est, Xt, "hybrid", k=5, rng=0)) == 5


# ---------------------------------------------------------------------------- float32 fast path
def _digits_lr(**kw):
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return X, y, LogisticRegression(max_iter=2000, **kw).fit(X[:400], y[:400])


def test_float32_logistic_proba_matches_scikit_learn_and_ranks_the_same():
    from hitl_widgets.active.adapters import linear_proba_float32

    X, _, clf = _digits_lr()
    pool = (X + np.random.default_rng(0).normal(0, 0.05, X.shape)).astype(np.float32)
    fast = linear_proba_float32(clf, pool, chunk_size=100)  # several chunks
    slow = clf.predict_proba(pool)
    assert fast is not None and fast.dtype == np.float32 and fast.shape == slow.shape
    assert np.abs(fast - slow).max() < 1e-5
    ad = SklearnAdapter(clf).use_fitted(clf)
    assert ad.predict_proba(pool).dtype == np.float32
    assert sorted(query(ad, pool, "margin", 10).tolist()) == sorted(select(margin(slow), 10).tolist())


def test_float32_path_only_where_it_is_exact():
    from sklearn.linear_model import LogisticRegression

    from hitl_widgets.active.adapters import linear_proba_float32

    X, y, clf = _digits_lr()
    x32 = X.astype(np.float32)
    assert linear_proba_float32(clf, X) is None  # float64 pool: scikit-learn's own path
    binary = LogisticRegression().fit(X[:200], y[:200] > 4)
    assert linear_proba_float32(binary, x32) is None  # expit, not softmax
    class Sub(LogisticRegression):
        pass
    assert linear_proba_float32(Sub(max_iter=2000).fit(X[:400], y[:400]), x32) is None
    # a model whose predict_proba is not what its coefficients say: the check falls back
    clf.predict_proba = lambda rows: np.full((len(rows), 10), 0.1)
    assert linear_proba_float32(clf, x32) is None
    assert np.allclose(SklearnAdapter(clf).use_fitted(clf).predict_proba(x32), 0.1)


def test_stratified_strategy_takes_missing_and_mixed_groups():
    from hitl_widgets.active import StratifiedStrategy

    groups = ["a"] * 6 + [None, float("nan"), 3, 3]  # missing values form one group of their own
    strat = StratifiedStrategy(groups)
    assert len(strat.group_names) == 3
    picked = strat(np.full((10, 2), 0.5), None, [0, 1, 2, 3], 3, 0)
    got = strat.groups[picked].tolist()  # "a" (code 0) has 4 labels: the others come first
    assert len(got) == 3 and set(got) == {1, 2}


def test_partial_fit_keeps_a_dataframes_feature_names(digits):
    import warnings

    import pandas as pd
    from sklearn.naive_bayes import MultinomialNB

    X, y, Xt, yt = digits
    cols = [f"px{i}" for i in range(X.shape[1])]
    a = SklearnAdapter(MultinomialNB(), partial_fit=True, classes=np.arange(10))
    a.fit(pd.DataFrame(X[:100], columns=cols), y[:100])
    a.fit(pd.DataFrame(X[:150], columns=cols), y[:150])
    assert list(a.model_.feature_names_in_) == cols
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X has feature names, but ... fitted without"
        a.predict_proba(pd.DataFrame(Xt[:5], columns=cols))


def test_without_embeddings_diversity_sees_the_pool_as_the_loader_gives_it():
    from sklearn.linear_model import LogisticRegression

    from hitl_widgets.active.simulate import ActiveSession

    rng = np.random.default_rng(4)
    paths = [f"row{i}.npy" for i in range(40)]
    table = rng.normal(size=(40, 3))

    def loader(rows):
        return table[[paths.index(p) for p in rows]]

    session = ActiveSession(LogisticRegression(), paths, "default", loader=loader)
    np.testing.assert_array_equal(session.embeddings(), table)
    assert ActiveSession(LogisticRegression(), paths, "default").embeddings() is None, "paths alone: nothing to embed"


@pytest.mark.parametrize("strategy, reads", [("margin", 3), ("hybrid", 3 + 1)])
def test_the_loader_reads_the_pool_once_for_embeddings_not_at_every_query(strategy, reads):
    from sklearn.linear_model import LogisticRegression

    from hitl_widgets.active.simulate import ActiveSession

    rng = np.random.default_rng(5)
    paths = [f"row{i}.npy" for i in range(60)]
    table = rng.normal(size=(60, 3))
    y = (table[:, 0] > 0).astype(int)
    calls = []

    def loader(rows):
        calls.append(len(rows))
        return table[[paths.index(p) for p in rows]]

    session = ActiveSession(LogisticRegression(), paths, strategy, loader=loader)
    session.teach(np.arange(10), y[:10])
    session.retrain()
    calls.clear()
    for _ in range(3):
        batch = session.query(5)
        session.teach(batch, y[batch])
    # each query predicts the whole pool through the loader; a strategy that reads embeddings has
    # the pool read once more in all (margin reads none, so it is not read for them)
    assert calls.count(60) == reads
