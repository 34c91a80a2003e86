"""The default active-learning strategy's rule: which strategy runs for which task."""
from __future__ import annotations

import numpy as np
import pytest

from hitl_widgets.active import (
    ActiveSession,
    DefaultStrategy,
    HybridStrategy,
    ScoreStrategy,
    get_strategy,
    margin,
    select,
)


def _blobs(n_per: int = 40, centres=((0, 0), (6, 6), (0, 6), (6, 0)), seed: int = 0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(c, 0.3, size=(n_per, 2)) for c in centres])


def test_names_resolve_to_the_default_and_hybrid_stays_available():
    assert isinstance(get_strategy("default"), DefaultStrategy)
    assert isinstance(get_strategy(None), DefaultStrategy)
    assert isinstance(get_strategy(), DefaultStrategy)
    assert type(get_strategy("hybrid")) is HybridStrategy
    d = DefaultStrategy()
    assert get_strategy(d) is d


@pytest.mark.parametrize("n_classes, warmup, boundaries", [(3, 9, 24), (4, 12, 32), (6, 18, 48), (10, 30, 80),
                                                           (20, 60, 160)])
def test_multiclass_resolves_to_the_hybrid_scaled_with_the_classes(n_classes, warmup, boundaries):
    s = DefaultStrategy().resolve(n_classes)
    assert type(s) is HybridStrategy
    assert (s.warmup, s.boundaries_from, s.candidates) == (warmup, boundaries, 5)
    assert s.uncertainty is margin


def test_binary_resolves_to_plain_margin_and_no_model_to_the_representative_phase():
    s = DefaultStrategy().resolve(2)
    assert type(s) is ScoreStrategy and s.score is margin and s.density_beta == 0.0
    cold = DefaultStrategy().resolve(None)
    assert type(cold) is HybridStrategy and cold.phase(0, has_model=False) == "representative"
    one = DefaultStrategy().resolve(1)  # a model fitted on one class so far
    assert type(one) is HybridStrategy and (one.warmup, one.boundaries_from) == (30, 80)
    custom = DefaultStrategy(warmup_per_class=2, boundaries_per_class=5).resolve(4)
    assert (custom.warmup, custom.boundaries_from) == (8, 20)


def test_binary_task_takes_the_top_margin_even_during_the_hybrid_warmup():
    emb = _blobs()
    rng = np.random.default_rng(1)
    p1 = rng.random(emb.shape[0])
    proba = np.stack([1 - p1, p1], axis=1)
    labelled = np.arange(0, 160, 40)  # 4 labels: the hybrid would still be in its warm-up
    want = select(margin(proba), 6, exclude=labelled)
    got = DefaultStrategy()(proba, emb, labelled, 6, 0)
    assert got.tolist() == want.tolist()
    # ... where the digits-tuned hybrid picks representative items instead
    assert HybridStrategy().phase(len(labelled)) == "representative"
    assert HybridStrategy()(proba, emb, labelled, 6, 0).tolist() != want.tolist()
    # a 1-D P(positive) is a binary task too
    assert DefaultStrategy()(p1, emb, labelled, 6, 0).tolist() == want.tolist()


@pytest.mark.parametrize("n_labels", [4, 12, 30])  # representative, diverse, boundaries for C = 3
def test_three_classes_run_the_scaled_hybrid_phase_by_phase(n_labels):
    emb = _blobs()
    proba = np.random.default_rng(2).dirichlet(np.ones(3), size=emb.shape[0])
    labelled = np.random.default_rng(3).choice(emb.shape[0], size=n_labels, replace=False)
    got = DefaultStrategy()(proba, emb, labelled, 5, np.random.default_rng(7))
    want = HybridStrategy(warmup=9, boundaries_from=24)(proba, emb, labelled, 5, np.random.default_rng(7))
    assert got.tolist() == want.tolist()
    assert len(set(got.tolist())) == 5 and not set(got.tolist()) & set(labelled.tolist())


def test_three_classes_leave_the_warmup_before_the_digits_tuned_hybrid():
    emb = _blobs()
    proba = np.random.default_rng(2).dirichlet(np.ones(3), size=emb.shape[0])
    labelled = np.arange(0, 160, 8)  # 20 labels: past 3·C = 9, before the hybrid's 30
    assert HybridStrategy(warmup=9, boundaries_from=24).phase(20) == "diverse"
    assert HybridStrategy().phase(20) == "representative"
    got = DefaultStrategy()(proba, emb, labelled, 5, np.random.default_rng(7))
    old = HybridStrategy()(proba, emb, labelled, 5, np.random.default_rng(7))
    assert got.tolist() != old.tolist()
    # diverse uncertainty: every pick is among the 5·k most uncertain items
    assert set(got.tolist()) <= set(select(margin(proba), 25, exclude=labelled).tolist())


def test_no_model_yet_equals_the_hybrid_cold_start():
    emb = _blobs()
    got = DefaultStrategy()(None, emb, [0], 3, np.random.default_rng(1))
    want = HybridStrategy()(None, emb, [0], 3, np.random.default_rng(1))
    assert got.tolist() == want.tolist()
    assert sorted({int(i) // 40 for i in got}) == [1, 2, 3]  # the three blobs without a label


def test_the_session_simulate_and_query_use_the_default():
    import inspect

    from sklearn.linear_model import LogisticRegression

    from hitl_widgets.active import query, simulate
    from hitl_widgets.active.loop import ActiveLearningLoop

    for fn in (simulate, query, ActiveSession, ActiveLearningLoop):
        assert inspect.signature(fn).parameters["strategy"].default == "default", fn
    emb = _blobs(30)
    y = np.repeat([0, 1, 0, 1], 30)
    first = np.array([0, 1, 30, 31, 60, 90])

    def picks(strategy):
        s = ActiveSession(LogisticRegression(), emb, strategy, seed=0) if strategy else ActiveSession(
            LogisticRegression(), emb, seed=0)
        s.teach(first, y[first])
        s.retrain()
        return s.query(4).tolist()

    assert isinstance(ActiveSession(LogisticRegression(), emb).strategy, DefaultStrategy)
    # a binary task with 6 labels: the default queries what plain margin queries, not the hybrid's warm-up
    assert picks(None) == picks("margin")
    assert picks("hybrid") != picks("margin")
