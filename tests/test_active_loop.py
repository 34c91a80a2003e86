"""ActiveLearningLoop without a browser: the widget code path, the store, the background retrain."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

import hitl_widgets as hw
from hitl_widgets.active.loop import ActiveLearningLoop

X, y = load_digits(return_X_y=True)
POOL, Y_POOL = X[:600], y[:600]
TEST = (X[1200:], y[1200:])
IMAGES = (X / 16).reshape(-1, 8, 8)[:600]


def make(store=None, **kwargs) -> ActiveLearningLoop:
    kwargs.setdefault("background", False)
    return ActiveLearningLoop(LogisticRegression(max_iter=300), POOL, items=IMAGES, test=TEST,
                              store=store or hw.AnnotationStore(":memory:"), **kwargs)


def label_batch(loop: ActiveLearningLoop, truth=Y_POOL) -> list:
    """Label the batch on screen exactly as the browser would (intents through the widget)."""
    batch = loop.batch
    for item_id in batch:
        reply = loop.classify._on_label(
            {"type": "label", "client": "t", "seq": 10_000 + len(loop.classify.current_labels),
             "item_id": item_id, "label": int(truth[item_id]), "source": "human"}
        )
        assert reply["type"] == "ack"
    return batch


def test_cold_start_shows_a_batch_without_proposals():
    loop = make(batch_size=10)
    assert len(loop.batch) == 10
    assert loop.classify.proposals == {}
    assert loop.history.empty
    assert loop.classify.classes == list(range(10))
    assert "label these 10" in loop.panel.message


def test_a_labelled_batch_retrains_and_queries_the_next_with_proposals():
    loop = make(batch_size=10)
    first = label_batch(loop)
    assert loop.history["n_labels"].tolist() == [10]
    assert 0 < loop.history["accuracy"].iloc[0] <= 1
    second = loop.batch
    assert len(second) == 10 and not set(first) & set(second)
    assert set(loop.classify.proposals) == set(second)  # the new model proposes for the new batch
    assert [r["n_labels"] for r in loop.panel.history] == [10]
    assert sum(n for _, n in loop.panel.class_counts) == 10


def test_simulate_runs_the_same_path_and_stores_every_label():
    store = hw.AnnotationStore(":memory:")
    loop = make(store=store, batch_size=20)
    history = loop.simulate(Y_POOL, budget=100)
    assert history["n_labels"].tolist() == [20, 40, 60, 80, 100]
    labels = store.labels("active-learning")
    assert len(labels) == 100
    assert (labels["label"].to_numpy() == Y_POOL[labels["item_id"].to_numpy()]).all()
    assert history["accuracy"].iloc[-1] > history["accuracy"].iloc[0]


def test_initial_labels_train_the_first_model():
    idx = np.arange(30)
    loop = make(initial=(idx, Y_POOL[idx]))
    assert loop.history["n_labels"].tolist() == [30]
    assert not set(loop.batch) & set(idx.tolist())
    assert loop.classify.proposals  # a model exists from the start


def test_a_restarted_kernel_resumes_from_the_store(tmp_path):
    path = tmp_path / "al.db"
    loop = make(store=hw.AnnotationStore(path))
    loop.simulate(Y_POOL, budget=30)
    again = make(store=hw.AnnotationStore(path))
    assert again.session.n_labels == 30
    assert again.history["n_labels"].tolist() == [30]
    assert not set(again.batch) & set(again.classify.current_labels)


def test_background_retrain_keeps_the_caller_free():
    gate = threading.Event()

    class SlowModel(LogisticRegression):
        def fit(self, X, y, sample_weight=None):  # noqa: N803
            gate.wait(10)
            return super().fit(X, y)

    loop = ActiveLearningLoop(SlowModel(max_iter=300), POOL, items=IMAGES, test=TEST,
                              store=hw.AnnotationStore(":memory:"), batch_size=5)
    label_batch(loop)
    assert loop.training and loop.panel.state == "training"
    assert "retraining on 5 labels" in loop.panel.message
    assert loop.retrain() is False  # one retrain at a time
    gate.set()
    loop.wait(20)
    assert not loop.training and loop.panel.state == "idle"
    assert loop.history["n_labels"].tolist() == [5]


def test_a_failing_retrain_is_reported_and_loses_no_label():
    class Broken(LogisticRegression):
        def fit(self, X, y, sample_weight=None):  # noqa: N803
            raise RuntimeError("out of memory")

    store = hw.AnnotationStore(":memory:")
    loop = ActiveLearningLoop(Broken(), POOL, items=IMAGES, test=TEST, store=store, batch_size=5, background=False)
    label_batch(loop)
    assert loop.panel.state == "error" and "out of memory" in loop.panel.message
    assert len(store.labels("active-learning")) == 5


def test_groups_are_counted_and_bad_input_is_refused():
    groups = np.where(np.arange(600) % 3 == 0, "a", "b")
    loop = make(groups=groups)
    label_batch(loop)
    counts = {g: (n, pool) for g, n, pool in loop.panel.group_counts}
    assert counts["a"][1] == 200 and counts["b"][1] == 400
    assert counts["a"][0] + counts["b"][0] == 10
    with pytest.raises(ValueError, match="items has 10 entries but the pool has 600 rows"):
        ActiveLearningLoop(LogisticRegression(), POOL, items=IMAGES[:10], test=TEST, store=hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError, match="groups"):
        make(groups=groups[:10])
    with pytest.raises(ValueError, match="batch_size"):
        make(batch_size=0)
    with pytest.raises(ValueError, match="classes"):
        ActiveLearningLoop(LogisticRegression(), POOL, items=IMAGES, store=hw.AnnotationStore(":memory:"))


def test_baselines_reach_the_panel():
    loop = make()
    base = hw.active.simulate(LogisticRegression(max_iter=300), POOL, Y_POOL, *TEST, "random",
                              initial=10, batch_size=10, budget=30, seed=0)
    loop.add_baseline("random", base)
    assert [p[0] for p in loop.panel.baselines["random"]] == [10, 20, 30]


# ------------------------------------------------------------------ strategies, oracles, torch
def test_simulate_cuts_the_last_batch_at_the_budget_and_takes_any_oracle():
    names = np.array([f"d{v}" for v in Y_POOL])  # numpy strings (np.str_), not Python str
    test = (TEST[0], np.array([f"d{v}" for v in TEST[1]]))

    def loop_of_names():
        return ActiveLearningLoop(LogisticRegression(max_iter=300), POOL, items=IMAGES, test=test,
                                  store=hw.AnnotationStore(":memory:"), background=False)

    loop = loop_of_names()
    assert loop.classify.classes == [f"d{v}" for v in range(10)]
    history = loop.simulate(names, budget=25)
    assert history["n_labels"].tolist() == [10, 20, 25]
    labels = loop.store.labels("active-learning")
    assert len(labels) == 25 and all(type(v) is str for v in labels["label"])
    assert loop_of_names().simulate(lambda i: names[i], budget=20)["n_labels"].tolist() == [10, 20]  # a function
    assert make().simulate(list(Y_POOL), budget=10)["n_labels"].tolist() == [10]  # a list


def test_a_failing_round_raises_in_simulate_and_keeps_the_labels():
    class Breaks(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            if len(y) > 10:
                raise FloatingPointError("diverged")
            return super().fit(X, y)

    store = hw.AnnotationStore(":memory:")
    loop = ActiveLearningLoop(Breaks(max_iter=300), POOL, items=IMAGES, test=TEST, store=store, background=False)
    with pytest.raises(RuntimeError, match="FloatingPointError: diverged"):
        loop.simulate(Y_POOL, budget=40)
    assert len(store.labels("active-learning")) == 20  # what was labelled stays stored
    assert loop.panel.state == "error"


class _Wrapped:
    """A logistic regression behind fit / predict_proba, for models that break the contract."""

    def fit(self, X, y):
        self.inner = LogisticRegression(max_iter=300).fit(X, y)
        self.classes_ = self.inner.classes_
        return self


def test_a_model_that_gives_the_wrong_number_of_rows_is_named_not_trusted():
    """Without a scheduler too: 5 rows short would score the wrong items (or fail deep in a strategy)."""
    from hitl_widgets.active.simulate import query

    class Short(_Wrapped):
        def predict_proba(self, X):
            return self.inner.predict_proba(X)[:-5]

    loop = ActiveLearningLoop(Short(), POOL, items=IMAGES, test=TEST, store=hw.AnnotationStore(":memory:"), background=False)
    with pytest.raises(RuntimeError, match="predict_proba gave 592 rows for a test set of 597 items"):
        loop.simulate(Y_POOL, budget=30)
    untested = ActiveLearningLoop(Short(), POOL, items=IMAGES, classes=list(range(10)), store=hw.AnnotationStore(":memory:"),
                                  background=False)
    with pytest.raises(RuntimeError, match="predict_proba gave 595 rows for a pool of 600 items"):
        untested.simulate(Y_POOL, budget=30)
    fitted = Short().fit(POOL[:50], Y_POOL[:50])
    with pytest.raises(ValueError, match="predict_proba gave 595 rows for a pool of 600 items"):
        query(fitted, POOL, k=5, strategy="margin")
    assert len(query(fitted.inner, POOL, k=5, strategy="margin")) == 5


def test_nan_class_probabilities_are_refused_naming_the_pool_positions():
    """Not ranked quietly: with NaN rows the hybrid default's diverse phases still picked them."""
    from hitl_widgets.active.simulate import query

    class Holes(_Wrapped):
        def predict_proba(self, X):
            p = self.inner.predict_proba(X)
            if len(X) == len(POOL):
                p[[3, 10]] = np.nan
                p[12, 0] = np.inf
            return p

    loop = ActiveLearningLoop(Holes(), POOL, items=IMAGES, test=TEST, store=hw.AnnotationStore(":memory:"), background=False)
    with pytest.raises(RuntimeError, match=r"NaN or infinite for 3 pool item\(s\) at position\(s\) \[3, 10, 12\]"):
        loop.simulate(Y_POOL, budget=30)
    with pytest.raises(ValueError, match=r"position\(s\) \[3, 10, 12\]"):
        query(Holes().fit(POOL[:50], Y_POOL[:50]), POOL, k=5, strategy="margin")


def test_an_oracle_without_a_label_for_a_queried_item_is_named_and_stores_nothing_of_its_batch():
    known = {i: int(Y_POOL[i]) for i in range(300)}  # half the pool
    loop = make(batch_size=10)
    with pytest.raises(ValueError, match=r"oracle has no label for pool position \d+ \(item \d+\): KeyError"):
        loop.simulate(lambda i: known[i], budget=600)
    with_gaps = np.array(Y_POOL, dtype=object)
    with_gaps[loop.batch[4]] = None
    with pytest.raises(ValueError, match=rf"oracle has no label for pool position {loop.batch[4]} .*it gave None"):
        loop.simulate(with_gaps, budget=40)
    with pytest.raises(ValueError, match="oracle has no label .*it gave nan"):
        loop.simulate(lambda i: float("nan"), budget=40)
    with pytest.raises(TypeError, match="for a dict keyed by pool position pass oracle.__getitem__"):
        loop.simulate(known, budget=40)
    stored = set(loop.classify.current_labels)
    assert all(i < 300 for i in stored) and len(stored) % 10 == 0  # whole batches only
    assert loop.simulate(Y_POOL, budget=len(stored) + 10)["n_labels"].iloc[-1] == len(stored) + 10


def test_bald_needs_monte_carlo_samples():
    with pytest.raises(ValueError, match="'bald' needs Monte-Carlo samples"):
        make(strategy="bald")


def _mlp(torch, n_out=10):
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(64, n_out))


def test_bald_with_a_torch_module_runs_the_loop_with_proposals():
    torch = pytest.importorskip("torch")
    loop = ActiveLearningLoop(_mlp(torch), POOL.astype(np.float32) / 16, items=IMAGES, test=(TEST[0].astype(np.float32) / 16, TEST[1]),
                              strategy="bald", batch_size=20, store=hw.AnnotationStore(":memory:"), background=False)
    history = loop.simulate(Y_POOL, budget=60)
    assert history["n_labels"].tolist() == [20, 40, 60]
    assert set(loop.classify.proposals) == set(loop.batch)  # proposals from the mean of the MC samples
    assert history["accuracy"].iloc[-1] > 0.5


def test_a_torch_module_learns_labels_that_are_not_0_to_c_minus_1():
    torch = pytest.importorskip("torch")
    shifted = Y_POOL + 10
    loop = ActiveLearningLoop(_mlp(torch), POOL.astype(np.float32) / 16, items=IMAGES,
                              test=(TEST[0].astype(np.float32) / 16, TEST[1] + 10), strategy="random",
                              store=hw.AnnotationStore(":memory:"), background=False)
    assert loop.classify.classes == list(range(10, 20))
    history = loop.simulate(shifted, budget=100)
    assert history["accuracy"].iloc[-1] > 0.7  # the default trainer makes enough steps on few labels


def test_default_trainer_makes_at_least_min_steps():
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.adapters import default_train

    net = _mlp(torch)
    calls = []
    net.register_forward_hook(lambda m, i, o: calls.append(1))
    default_train(net, torch.randn(40, 64), torch.randint(0, 10, (40,)), epochs=2, batch_size=16, min_steps=30)
    assert len(calls) == 30  # 3 batches per epoch: 10 epochs, not 2
    calls.clear()
    default_train(net, torch.randn(40, 64), torch.randint(0, 10, (40,)), epochs=20, batch_size=16, min_steps=30)
    assert len(calls) == 60  # epochs already give more than min_steps


def test_stratified_gives_a_small_group_its_share_of_each_batch():
    groups = np.where(np.arange(len(Y_POOL)) % 20 == 0, "rare", "common")  # 5% of the pool
    loop = make(batch_size=10, strategy="stratified", groups=groups)
    loop.simulate(Y_POOL, budget=60)
    labelled = [loop.items.position(i) for i in loop.classify.current_labels]
    rare = int((groups[labelled] == "rare").sum())
    assert rare >= 25  # water-filled quotas: about half of every batch until the groups even out
    counts = dict((g, n) for g, n, _ in loop.panel.group_counts)
    assert counts["rare"] == rare
    with pytest.raises(ValueError, match="needs groups="):
        make(strategy="stratified")


def test_density_weighted_by_name():
    loop = make(batch_size=10, strategy="density_weighted")
    assert loop.simulate(Y_POOL, budget=30)["n_labels"].tolist() == [10, 20, 30]
    assert loop.session.strategy.density_beta == 1.0


def test_a_tabular_pool_needs_no_items_and_simulates_headless():
    """#21 item 1: a table's rows are shown as texts; simulate runs on it without items=."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression

    from hitl_widgets import ActiveLearningLoop, AnnotationStore

    data = load_breast_cancer(as_frame=True)
    X, y = data.data.iloc[:300], data.target.iloc[:300].to_numpy()
    loop = ActiveLearningLoop(LogisticRegression(max_iter=2000), X, batch_size=10, classes=[0, 1],
                              test=(data.data.iloc[300:], data.target.iloc[300:].to_numpy()),
                              initial={0: int(y[0]), 1: int(y[1]), int(np.argmin(y)): 0, int(np.argmax(y)): 1},
                              store=AnnotationStore(":memory:"), background=False)
    assert loop.items.is_text and loop.items.media(5).data.startswith("row 5: mean radius=")
    history = loop.simulate(y, budget=34)
    assert history["n_labels"].iloc[-1] == 34 and history["accuracy"].iloc[-1] > 0.8
    with pytest.raises(ValueError, match="neither images .* nor a table"):
        ActiveLearningLoop(LogisticRegression(), np.zeros((5, 2, 2, 2, 2)))
