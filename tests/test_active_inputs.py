"""hitl_widgets.active refuses inputs that would rank or show the wrong items quietly, naming the item:
what a (custom) strategy returns, pool indices given to the selectors and strategies, boxes and box
scores of the wrong shape, class probabilities that are not probabilities, groups that do not match
the scores; and NaN ranks after every number in ``select``. Each test failed on the code before it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import hitl_widgets as hw
from hitl_widgets.active.loop import ActiveLearningLoop
from hitl_widgets.active.simulate import ActiveSession, query, simulate
from hitl_widgets.active.strategies import (
    CoreSetStrategy,
    HybridStrategy,
    RandomStrategy,
    ScoreStrategy,
    StratifiedStrategy,
    bald,
    core_set,
    entropy,
    least_confident,
    margin,
    select,
    select_stratified,
    stratified_quota,
)
from hitl_widgets.active.task_scores import localisation_stability, scene_complexity

RNG = np.random.default_rng(0)
X20 = RNG.normal(size=(20, 3))
Y20 = (X20[:, 0] > 0).astype(int)
P4 = np.array([[0.5, 0.5], [0.9, 0.1], [0.6, 0.4], [0.55, 0.45]])


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_blas():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


# --------------------------------------------------------------------------- 1: what a strategy returns
def _session(strategy):
    s = ActiveSession(LogisticRegression(), X20, strategy, batch_size=3, seed=0)
    s.teach([0, 1, 2, 3, 19], Y20[[0, 1, 2, 3, 19]])
    s.retrain()
    return s


@pytest.mark.parametrize("returned, k, message", [
    ([-1, 5, 6], 3, r"strategy .*bad_strategy returned pool index -1, outside 0\.\.19"),
    ([25], 3, r"strategy .*bad_strategy returned pool index 25, outside 0\.\.19"),
    ([5, 5, 6], 3, r"strategy .*bad_strategy returned pool index 5 2 times"),
    (list(range(4, 14)), 3, r"strategy .*bad_strategy returned 10 pool indices for a batch of 3"),
    ([7, 3], 3, r"strategy .*bad_strategy returned pool index 3, which is already labelled"),
    ([0.0, 5.7], 3, r"strategy .*bad_strategy returned float64 values such as .*not pool indices"),
])
def test_session_query_refuses_a_bad_batch_naming_the_index_and_the_strategy(returned, k, message):
    def bad_strategy(proba, embeddings, labelled, k, rng):
        return np.array(returned)

    with pytest.raises(RuntimeError, match=message):
        _session(bad_strategy).query(k)
    model = LogisticRegression().fit(X20, Y20)
    with pytest.raises(RuntimeError, match=message):
        query(model, X20, bad_strategy, k, labelled_idx=[0, 1, 2, 3, 19])


def test_a_good_custom_batch_passes_as_int64_and_fewer_than_k_is_fine():
    def fine(proba, embeddings, labelled, k, rng):
        return [7, 4]

    idx = _session(fine).query(3)
    assert idx.dtype == np.int64 and idx.tolist() == [7, 4]


def test_the_loop_does_not_show_a_labelled_item_again_when_its_strategy_returns_minus_one():
    calls = []

    def strat(p, e, labelled, k, r):
        calls.append(sorted(labelled.tolist()))
        return np.array([11, 3]) if len(calls) == 1 else np.array([-1, 4])  # -1 would be item 11 again

    X, y = X20[:12], Y20[:12]
    loop = ActiveLearningLoop(LogisticRegression(), X, strategy=strat, batch_size=2, classes=[0, 1],
                              store=hw.AnnotationStore(":memory:"), background=False, progress=False,
                              initial={1: 0, 2: 1})
    assert loop.batch == [11, 3]
    loop.classify.record_label(11, int(y[11]))
    loop.classify.record_label(3, int(y[3]))
    assert loop.error is not None and "returned pool index -1, outside 0..11" in loop.error
    assert loop.panel.state == "error" and "strat returned pool index -1" in loop.panel.message
    assert 4 not in loop.batch  # no batch came from the refused answer


def test_the_loop_refuses_a_strategy_that_returns_more_than_the_batch_size():
    def many(p, e, labelled, k, r):
        return np.setdiff1d(np.arange(12), labelled)[: k + 3]

    loop = ActiveLearningLoop(LogisticRegression(), X20[:12], strategy=many, batch_size=2, classes=[0, 1],
                              store=hw.AnnotationStore(":memory:"), background=False, progress=False,
                              initial={1: 0, 2: 1})
    assert loop.error is not None and "returned 5 pool indices for a batch of 2" in loop.error


# --------------------------------------------------------------------------- 2: pool indices given in
@pytest.mark.parametrize("exclude, message", [
    ([-1], r"exclude: pool index -1 is out of range for a pool of 4 items"),
    ([4], r"exclude: pool index 4 is out of range"),
    ([0.9], r"exclude must be integer pool indices .* float64 values such as 0\.9"),
    (np.array([False, True]), r"a boolean exclude must have shape \(4,\)"),
    (["1"], r"exclude must be integer pool indices"),
])
def test_select_refuses_exclude_that_is_not_pool_indices(exclude, message):
    with pytest.raises(ValueError, match=message):
        select(margin(P4), 4, exclude=exclude)


def test_select_takes_integer_indices_of_any_kind_and_an_exact_mask():
    s = margin(P4)  # [1.0, 0.2, 0.8, 0.9]
    assert select(s, 4, exclude=[]).tolist() == [0, 3, 2, 1]
    assert select(s, 4, exclude=np.array([3], dtype=np.uint8)).tolist() == [0, 2, 1]
    assert select(s, 4, exclude=np.array([3, 3, 0], dtype=object)).tolist() == [2, 1]  # ints in an object array
    assert select(s, 4, exclude=np.array([False, False, False, True])).tolist() == [0, 2, 1]


@pytest.mark.parametrize("labelled, message", [
    ([-4], r"labelled_idx: pool index -4 is out of range"),
    ([2.0], r"labelled_idx must be integer pool indices"),
    (np.array([False, False, True]), r"a boolean labelled_idx must have shape \(4,\)"),
])
@pytest.mark.parametrize("strategy", [ScoreStrategy("margin"), RandomStrategy(), HybridStrategy(),
                                      StratifiedStrategy(["a", "a", "b", "b"]), CoreSetStrategy()],
                         ids=lambda s: type(s).__name__)
def test_every_strategy_refuses_labelled_indices_that_are_not_pool_indices(strategy, labelled, message):
    emb = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=message):
        strategy(P4, emb, labelled, 2, 0)


def test_core_set_reads_a_labelled_mask_as_a_mask():
    e = np.array([[0.0], [1.0], [5.0], [10.0]])
    mask = np.array([False, False, False, True])  # item 3 (once read as the indices 0, 0, 0, 1)
    assert core_set(e, mask, 2).tolist() == core_set(e, [3], 2).tolist() == [0, 2]


def test_module_query_refuses_a_negative_labelled_index():
    model = LogisticRegression().fit(X20, Y20)
    with pytest.raises(ValueError, match=r"labelled_idx: pool index -1 is out of range for a pool of 20 items"):
        query(model, X20, "margin", 20, labelled_idx=[-1])
    assert 19 not in query(model, X20, "margin", 20, labelled_idx=[19]).tolist()
    mask = np.zeros(20, dtype=bool)
    mask[[4, 7]] = True
    assert not {4, 7} & set(query(model, X20, "margin", 20, labelled_idx=mask).tolist())


# --------------------------------------------------------------------------- 3, 4: boxes and box scores
@pytest.mark.parametrize("boxes, shape", [
    (np.array([[0, 0, 10, 10, 0.9, 1], [20, 20, 5, 5, 0.8, 2]], float), r"\(2, 6\)"),
    (np.array([[0, 0, 4], [4, 1, 1], [2, 2, 3], [3, 5, 5]], float), r"\(4, 3\)"),
    (np.array([0, 0, 2, 2, 1, 1, 2, 2], float), r"\(8,\)"),
])
def test_localisation_stability_refuses_boxes_that_are_not_rows_of_four(boxes, shape):
    ok = np.array([[0.0, 0.0, 2.0, 2.0]])
    with pytest.raises(ValueError, match=rf"image 1: predicted boxes must be a \(boxes, 4\) array .*got shape {shape}"):
        localisation_stability([ok, boxes], [ok, ok])
    with pytest.raises(ValueError, match=rf"image 1: augmented boxes must be a \(boxes, 4\) array .*got shape {shape}"):
        localisation_stability([ok, ok], [ok, boxes])


def test_localisation_stability_still_takes_rows_of_four_and_empty_images():
    assert localisation_stability([[[0, 0, 2, 2]], [], np.zeros((0, 6))],
                                  [[[1, 0, 2, 2]], [], []]).round(3).tolist() == [0.667, 0.0, 0.0]


def test_scene_complexity_refuses_one_dimensional_confidences():
    with pytest.raises(ValueError, match=r"image 0: scene_complexity needs each box's class probabilities"):
        scene_complexity([np.array([0.1, 0.1])])
    with pytest.raises(ValueError, match=r"image 1: scene_complexity needs .*not 1-D confidences"):
        scene_complexity([np.array([[0.5, 0.5]]), (np.array([0.9, 0.9]), np.array([0.9, 0.9]))])
    # no box: 0, as before; (probs, conf) and (boxes, classes) as before
    assert scene_complexity([np.array([]), np.zeros((0, 2))]).tolist() == [0.0, 0.0]
    pr, conf = np.array([[0.8, 0.2], [0.3, 0.7]]), np.array([0.9, 0.5])
    mean = pr.mean(axis=0)
    assert scene_complexity([(pr, conf)])[0] == pytest.approx(conf.sum() * -(mean * np.log(mean)).sum())


# --------------------------------------------------------------------------- 5: class probabilities
LOGITS = np.array([[2.0, -1.0], [0.1, 0.0]])


@pytest.mark.parametrize("score", [margin, entropy, least_confident], ids=lambda f: f.__name__)
@pytest.mark.parametrize("p, message", [
    (LOGITS, r"proba row 0: the class probabilities \[2, -1\] are not probabilities \(a value outside \[0, 1\]"),
    (np.array([[0.5, 0.5], [0.3, 0.3]]), r"proba row 1: .*\(a sum of 0\.6;"),
    (np.array([0.2, 1.3]), r"proba row 1: .*a value outside \[0, 1\]"),
    (np.array([[0.5, 0.5], [np.inf, 0.0]]), r"proba row 1: .*a value outside \[0, 1\]"),
])
def test_scores_refuse_what_is_not_a_probability_with_a_softmax_hint(score, p, message):
    with pytest.raises(ValueError, match=message + r".*Logits or scores\? apply softmax first"):
        score(p)


def test_scores_take_probabilities_within_tolerance_and_nan_rows_score_nan():
    p = np.array([[0.5, 0.5004], [1.0, 0.0], [np.nan, np.nan]], dtype=np.float32)
    s = margin(p)
    assert np.isfinite(s[:2]).all() and np.isnan(s[2])
    assert select(s, 3).tolist()[-1] == 2
    assert margin(np.array([[1.0], [1.0]])).tolist() == [0.0, 0.0]  # a model that knows one class
    assert entropy(np.array([[0, 1], [1, 0]])).tolist() == [0.0, 0.0]  # integer one-hot rows


def test_bald_refuses_logit_samples_naming_the_item_and_the_sample():
    mc = np.stack([np.full((3, 2), 0.5), np.full((3, 2), 0.5)])
    mc[1, 2] = [3.0, -2.0]
    with pytest.raises(ValueError, match=r"mc_proba item 2 \(Monte-Carlo sample 1\): .*softmax"):
        bald(mc)


def test_torch_scores_refuse_logits():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"proba row 1: .*apply softmax"):
        margin(torch.tensor([[0.2, 0.8], [2.0, -1.0]]))
    with pytest.raises(ValueError, match=r"mc_proba item 0 \(Monte-Carlo sample 0\)"):
        bald(torch.tensor([[[3.0, -2.0]]]))
    assert margin(torch.tensor([[0.2, 0.8]])).tolist() == pytest.approx([0.4])


class _Logits:
    """A model whose predict_proba gives logits."""

    def fit(self, X, y):
        self.inner = LogisticRegression().fit(X, y)
        self.classes_ = self.inner.classes_
        return self

    def predict_proba(self, X):
        return self.inner.decision_function(X)[:, None] * np.array([[-1.0, 1.0]])


def test_a_model_giving_logits_is_refused_where_its_output_enters():
    s = ActiveSession(_Logits(), X20, "margin", batch_size=3, seed=0)
    s.teach([0, 1, 2, 3], Y20[:4])
    s.retrain()
    with pytest.raises(ValueError, match=r"pool item 0: the class probabilities .* are not probabilities.*softmax"):
        s.query()
    with pytest.raises(ValueError, match=r"pool item 0: .*softmax"):
        query(_Logits().fit(X20, Y20), X20, "hybrid", 3)


@pytest.mark.parametrize("make", [
    lambda: LogisticRegression(max_iter=500),
    lambda: __import__("sklearn.naive_bayes", fromlist=["GaussianNB"]).GaussianNB(),
    lambda: __import__("sklearn.ensemble", fromlist=["RandomForestClassifier"]).RandomForestClassifier(10, random_state=0),
    lambda: __import__("sklearn.neighbors", fromlist=["KNeighborsClassifier"]).KNeighborsClassifier(3),
    lambda: __import__("sklearn.linear_model", fromlist=["SGDClassifier"]).SGDClassifier(loss="log_loss", random_state=0),
], ids=["logreg", "gnb", "forest", "knn", "sgd-ovr"])
def test_shipped_model_paths_still_pass_the_probability_check(make):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)  # float32: the multinomial LogisticRegression's fast path
    h = simulate(make(), X[:300], y[:300], X[300:400], y[300:400], "default", initial=30, batch_size=10,
                 budget=50, seed=0)
    assert h["n_labels"].tolist() == [30, 40, 50]
    assert len(query(make().fit(X[:200], y[:200]), X[:300], "entropy", 5)) == 5


def test_a_torch_adapter_passes_the_probability_check():
    torch = pytest.importorskip("torch")
    from hitl_widgets.active import TorchAdapter

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(8, 2))
    adapter = TorchAdapter(net, classes=[0, 1], epochs=2, min_steps=20, num_threads=1)
    h = simulate(adapter, X20.astype(np.float32), Y20, X20.astype(np.float32), Y20, "bald", initial=6, batch_size=3,
                 budget=12, seed=0, mc_samples=4)
    assert h["n_labels"].tolist() == [6, 9, 12]


def test_pool_scoring_names_the_pool_position_of_a_logit_row():
    from hitl_widgets.active.distributed import score_pool

    class OneLogitRow(_Logits):
        def predict_proba(self, X):
            p = self.inner.predict_proba(X)
            at = np.flatnonzero(np.asarray(X)[:, 0] == X20[13, 0])  # the same row however the pool is split
            p[at] = [3.0, -2.0]
            return p

    with pytest.raises(ValueError, match=r"pool position 13: the class probabilities \[3, -2\] .*softmax"):
        score_pool(OneLogitRow().fit(X20, Y20), X20, 3, partition_rows=10, progress=False)


def test_a_checked_array_is_not_read_again_inside_the_block_only():
    from hitl_widgets.active.strategies import checked_proba

    p = LOGITS.copy()  # as if it had been checked where it entered
    with checked_proba(p):
        margin(p)
        with pytest.raises(ValueError):
            margin(p.copy())  # another array is checked
    with pytest.raises(ValueError):
        margin(p)


# --------------------------------------------------------------------------- 6, 7: groups
def test_select_stratified_refuses_groups_that_do_not_match_the_scores():
    s = np.array([0.9, 0.8, 0.7, 0.6])
    with pytest.raises(ValueError, match=r"4 scores but 6 groups"):
        select_stratified(s, ["a", "a", "b", "b", "c", "c"], 3)
    with pytest.raises(ValueError, match=r"StratifiedStrategy has a group for 6 pool items but the model's "
                                         r"probabilities cover 4"):
        StratifiedStrategy(["a", "a", "b", "b", "c", "c"])(np.c_[1 - s, s], None, [], 3, 0)


def test_nan_groups_are_a_group_of_their_own():
    g = np.array([1.0, np.nan, np.nan, np.nan, 1.0, 1.0])
    s = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    q = stratified_quota(g, 4)
    assert q[1.0] == 2 and q[np.nan] == 2 and len(q) == 2
    assert stratified_quota(g, 4, labelled_groups=[np.nan, np.nan, np.nan])[np.nan] == 1  # labelled NaNs counted
    assert sorted(select_stratified(s, g, 4).tolist()) == [0, 1, 2, 4]
    assert select_stratified(s, g, 4, labelled_groups=[1.0] * 3).tolist() == [0, 1, 2, 3]
    groups = np.array(["a", None, None, "a"], dtype=object)
    assert stratified_quota(groups, 2, labelled_groups=[None, None]) == {"a": 2, np.nan: 0}
    # the same picks as StratifiedStrategy, which factorised them already
    picked = StratifiedStrategy(g)(np.c_[1 - s, s], None, [], 4, 0)
    assert sorted(picked.tolist()) == sorted(select_stratified(margin(np.c_[1 - s, s]), g, 4).tolist())


# --------------------------------------------------------------------------- 8: NaN ranks last
def test_nan_ranks_after_minus_infinity():
    s = np.array([0.5, np.nan, 0.5, -np.inf])
    assert select(s, 4).tolist() == [0, 2, 3, 1]
    assert select(s, 3).tolist() == [0, 2, 3]
    assert select(s, 2, exclude=[0]).tolist() == [2, 3]
    assert select(np.array([np.nan, -np.inf, np.nan]), 3).tolist() == [1, 0, 2]
    big = np.full(100_000, -np.inf)
    big[::7] = np.nan
    big[5] = 3.0
    assert select(big, 3).tolist() == [5, 1, 2]


def test_select_refuses_scores_that_are_not_one_per_item():
    with pytest.raises(ValueError, match=r"scores must be one number per item, shape \(N,\), got \(4, 2\)"):
        select(P4, 2)
    assert select(np.array([[0.1], [0.9]]), 1).tolist() == [1]


def test_box_task_clips_a_detectors_boxes_that_reach_past_the_image():
    """A detector's box past the image edge (common: no clipping in its head) is clipped before it is
    proposed; the widget refuses more than a pixel of overhang from a user's own proposals."""
    from hitl_widgets.active.task_loop import TaskLoop
    from hitl_widgets.store import AnnotationStore

    class Overhanging:
        def fit(self, images, tables):
            pass

        def predict(self, images):
            return [pd.DataFrame({"x": [-5.0, 10.0], "y": [2.0, 20.0], "w": [20.0, 100.0], "h": [10.0, 5.0],
                                  "class": ["a", "a"], "score": [0.9, 0.6]}) for _ in images]

    images = np.zeros((4, 32, 48, 3), np.uint8)
    loop = TaskLoop(Overhanging(), images, "boxes", ["a"], batch_size=2, store=AnnotationStore(":memory:"),
                    background=False, progress=False, seed=0,
                    initial={0: pd.DataFrame({"x": [1.0], "y": [1.0], "w": [4.0], "h": [4.0], "class": ["a"]})})
    shown = loop.widget.proposals
    assert len(shown) and (shown["x"] >= 0).all() and (shown["x"] + shown["w"] <= 48 + 1e-9).all()
    assert sorted(shown[shown["item"] == shown["item"].iloc[0]]["w"].tolist()) == [15.0, 38.0]
