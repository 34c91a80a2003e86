"""What a failed or interrupted round leaves behind in TaskLoop and ActiveLearningLoop: a batch that
fails is undone in the store whatever the task (a text's judgements too), a round that fails leaves
no history row, ``simulate`` tries a failed round again when it left nothing to annotate, and
``budget`` is checked."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from hitl_widgets.active.class_task import ClassTask
from hitl_widgets.active.loop import ActiveLearningLoop
from hitl_widgets.active.task_loop import TaskLoop
from hitl_widgets.active.tasks import PairTask
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.demo.shape_models import NAMED_CLASSES, ShapeDetector, ShapeTextMatcher, scene_boxes
from hitl_widgets.store import AnnotationStore

RNG = np.random.default_rng(5)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(int)
IMAGES, SCENES = make_scenes(40, seed=3, size=48, n_objects=(1, 3))
BOXES = scene_boxes(SCENES, by="name")
GALLERY, CAPTIONED = make_scenes(60, seed=1, size=48, n_objects=(2, 4))
TEXTS = [s.description() for s in CAPTIONED]
OPTIONS = {"batch_size": 5, "background": False, "progress": False}


def _pair_loop(model=None):
    return TaskLoop(model or ShapeTextMatcher(), TEXTS[:40], PairTask(GALLERY, k=6), strategy="random", seed=4,
                    initial={i: i for i in range(5)}, store=AnnotationStore(":memory:"), **OPTIONS)


def _class_loop(strategy="margin"):
    return TaskLoop(LogisticRegression(), [f"row {i}" for i in range(40)], ClassTask([0, 1], features=X), strategy=strategy,
                    initial={0: 0, 1: 1, 2: 0, 3: 1}, store=AnnotationStore(":memory:"), **OPTIONS)


def _judgements(loop):
    return loop.store.current(loop.task_name, kinds=("judge",))


def test_an_interrupted_pairs_batch_is_undone_judgement_by_judgement():
    """A text's "no match" is one judgement per image shown, stored under the pair: undoing the text
    itself found nothing ("nothing to undo for item …"), hid the interrupt and left them stored."""
    loop = _pair_loop()
    loop.simulate(list(range(40)), budget=10)
    stored = len(_judgements(loop))
    history = loop.history["n_labels"].tolist()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    loop.model.fit = interrupt
    with pytest.raises(KeyboardInterrupt):
        loop.simulate(list(range(40)), budget=15)
    assert len(_judgements(loop)) == stored, "the batch's judgements are undone"
    assert loop.history["n_labels"].tolist() == history and len(loop.annotations) == 5
    del loop.model.fit
    assert loop.simulate(list(range(40)), budget=15)["n_labels"].tolist() == [5, 10, 15]


def test_a_pairs_oracle_answer_is_the_gallerys_own_id_and_a_bool_is_refused():
    task = PairTask(GALLERY, k=6)
    assert task.check(np.float64(29.0), "oracle, text 3") == 29 and type(task.check(29.0, "x")) is int
    with pytest.raises(ValueError, match=r"oracle, text 3: True is not an image id of the gallery"):
        task.check(True, "oracle, text 3")
    loop = _pair_loop()
    assert loop.simulate([float(i) for i in range(40)], budget=10)["n_labels"].tolist() == [5, 10]


def test_a_batch_cut_at_the_budget_with_an_empty_answer_leaves_no_round_behind():
    """The cut batch's round started before the empty answer was refused: its history row, its next
    batch and its draws stayed although the message said the batch was undone."""
    loop = TaskLoop(ShapeDetector(NAMED_CLASSES), IMAGES, "boxes", NAMED_CLASSES, store=AnnotationStore(":memory:"), **OPTIONS)
    loop.simulate(BOXES, budget=5)
    batch = loop.batch
    bad = list(BOXES)
    bad[loop.items.position(batch[0])] = pd.DataFrame(columns=["x", "y", "w", "h", "class"])
    with pytest.raises(ValueError, match=r"its annotation is empty .* the batch is undone"):
        loop.simulate(bad, budget=8)
    assert loop.history["n_labels"].tolist() == [5] and loop.batch == batch and len(loop.annotations) == 5
    reference = TaskLoop(ShapeDetector(NAMED_CLASSES), IMAGES, "boxes", NAMED_CLASSES, store=AnnotationStore(":memory:"), **OPTIONS)
    reference.simulate(BOXES, budget=5)
    assert loop.simulate(BOXES, budget=10)["n_labels"].tolist() == reference.simulate(BOXES, budget=10)["n_labels"].tolist() == [5, 10]


def _raises_on_call(n, scores):
    calls = {"n": 0}

    def strategy(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise RuntimeError("strategy blew up")
        return scores(*args, **kwargs)

    return strategy


def test_simulate_tries_a_failed_task_loop_round_again_when_nothing_is_left_to_annotate():
    """The failed round's batch was all annotated: simulate returned the short history with no error."""
    loop = _class_loop(strategy=_raises_on_call(2, lambda p: np.array([1 - abs(r[0] - r[1]) for r in p])))
    with pytest.raises(RuntimeError, match="strategy blew up"):
        loop.simulate(list(Y), budget=20)
    assert loop.history["n_labels"].tolist() == [4], "the failed round left no row"
    assert loop.simulate(list(Y), budget=20)["n_labels"].tolist() == [4, 9, 14, 19, 20] and loop.error is None


def test_active_learning_loop_drops_a_failed_rounds_row_and_simulate_tries_it_again():
    """The round evaluated (a history row) before its query failed: a retry added a second row of the
    same labels; and simulate raised the old error again without trying the round."""
    from hitl_widgets.active.strategies import margin

    def by_margin(proba, embeddings, labelled, k, rng, **kw):
        s = margin(proba)
        s[labelled] = -np.inf
        return np.argsort(-s)[:k]

    loop = ActiveLearningLoop(LogisticRegression(), X, items=[f"row {i}" for i in range(40)], strategy=_raises_on_call(2, by_margin),
                              batch_size=4, classes=[0, 1], initial={0: 0, 1: 1, 2: 0, 3: 1}, store=AnnotationStore(":memory:"),
                              background=False, progress=False)
    with pytest.raises(RuntimeError, match="strategy blew up"):
        loop.simulate(Y, budget=20)
    assert loop.history["n_labels"].tolist() == [4]
    assert loop.simulate(Y, budget=20)["n_labels"].tolist() == [4, 8, 12, 16, 20] and loop.error is None


@pytest.mark.parametrize("budget", ["10", None, True, 0, -3, 2.5, float("nan"), float("inf")])
def test_a_budget_that_is_not_a_positive_int_is_refused(budget):
    with pytest.raises(ValueError, match="budget must be an int >= 1"):
        _class_loop().simulate(list(Y), budget=budget)
    with pytest.raises(ValueError, match="budget must be an int >= 1"):
        ActiveLearningLoop(LogisticRegression(), X, items=[f"row {i}" for i in range(40)], batch_size=4, classes=[0, 1],
                           initial={0: 0, 1: 1}, store=AnnotationStore(":memory:"), background=False,
                           progress=False).simulate(Y, budget=budget)


def test_a_loop_refuses_a_task_that_holds_another_loops_kind_of_annotation():
    """A task name reused across loops: the boxes loop ignored the class labels stored under it
    (resumed_from 0, no word) and then wrote its boxes beside them."""
    store = AnnotationStore(":memory:")
    first = TaskLoop(LogisticRegression(), [f"row {i}" for i in range(40)], ClassTask([0, 1], features=X), task_name="shared",
                     initial={0: 0, 1: 1, 2: 0, 3: 1}, store=store, **OPTIONS)
    first.simulate(list(Y), budget=9)
    with pytest.raises(ValueError, match=r"task 'shared' holds 5 annotations of another kind \(label\), not this loop's \(boxes\): "
                                         r"give this loop another task_name="):
        TaskLoop(ShapeDetector(NAMED_CLASSES), IMAGES, "boxes", NAMED_CLASSES, task_name="shared", store=store, **OPTIONS)
    with pytest.raises(ValueError, match=r"holds 5 annotations of another kind \(label\), not this loop's \(judge\)"):
        TaskLoop(ShapeTextMatcher(), TEXTS[:40], PairTask(GALLERY, k=6), task_name="shared", initial={0: 0, 1: 1}, store=store, **OPTIONS)
    boxes = TaskLoop(ShapeDetector(NAMED_CLASSES), IMAGES, "boxes", NAMED_CLASSES, task_name="boxes", store=store, **OPTIONS)
    boxes.simulate(BOXES, budget=5)
    with pytest.raises(ValueError, match=r"task 'boxes' holds 5 annotations of another kind \(boxes\), not this loop's \(label\): "
                                         r"give this loop another task="):
        ActiveLearningLoop(LogisticRegression(), X, items=[f"row {i}" for i in range(40)], classes=[0, 1], task="boxes",
                           store=store, background=False, progress=False)
    again = TaskLoop(LogisticRegression(), [f"row {i}" for i in range(40)], ClassTask([0, 1], features=X), task_name="shared",
                     initial={0: 0, 1: 1, 2: 0, 3: 1}, store=store, **OPTIONS)
    assert again.resumed_from == 5  # its own kind resumes as before
