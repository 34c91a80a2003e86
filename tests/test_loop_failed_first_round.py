"""A round that fails in ActiveLearningLoop / TaskLoop: the error is shown and kept (``loop.error``,
the panel), nothing labelled is lost, the next round tries again. A first round that fails (the
model's first fit or scores, at construction) shows a random batch of ``batch_size`` open items,
not the new widget's whole pool (none with ``PairTask``: its texts are judged on the model's images); a
later one keeps the batch on screen."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from hitl_widgets.active.class_task import ClassTask
from hitl_widgets.active.loop import ActiveLearningLoop
from hitl_widgets.active.task_loop import TaskLoop
from hitl_widgets.store import AnnotationStore

RNG = np.random.default_rng(5)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(int)
INITIAL = {0: 0, 1: 1, 2: 0, 3: 1}


class Flaky:
    """A fit/predict_proba model whose first ``fits`` fits raise, or whose first ``scores`` calls of
    predict_proba give one row too few; then a LogisticRegression."""

    def __init__(self, fits: int = 0, scores: int = 0):
        self.fits, self.scores = fits, scores
        self.model = LogisticRegression()
        self.classes_ = np.array([0, 1])

    def fit(self, X, y):
        if self.fits:
            self.fits -= 1
            raise RuntimeError("fit failed on this batch")
        self.model.fit(X, y)
        return self

    def predict_proba(self, X):
        p = self.model.predict_proba(X)
        if self.scores:
            self.scores -= 1
            return p[:-1]
        return p


def _al_loop(model, store=None):
    return ActiveLearningLoop(model, X, items=[f"row {i}" for i in range(len(X))], strategy="margin", batch_size=4,
                              classes=[0, 1], initial=INITIAL, store=store or AnnotationStore(":memory:"),
                              background=False, progress=False)


def _task_loop(model, store=None, initial=INITIAL):
    return TaskLoop(model, [f"row {i}" for i in range(len(X))], ClassTask([0, 1], features=X), batch_size=4,
                    initial=initial, store=store or AnnotationStore(":memory:"), background=False, progress=False)


def _label(loop, widget, batch):
    for item_id in batch:
        widget.record_label(item_id, int(Y[loop.items.position(item_id)]))


@pytest.mark.parametrize("model, error", [(lambda: Flaky(fits=1), "fit failed on this batch"),
                                          (lambda: Flaky(scores=1), "predict_proba gave 39 rows for a pool of 40 items")])
def test_a_failed_first_active_learning_round_shows_a_batch_and_the_error_then_retries(model, error):
    loop = _al_loop(model())
    assert error in loop.error and loop.panel.state == "error"
    batch = loop.batch
    assert len(batch) == 4, "a batch of batch_size, not the whole pool"
    assert not set(batch) & set(INITIAL), "open items only"
    assert "Label these 4 items (drawn at random) meanwhile" in loop.panel.message
    _label(loop, loop.classify, batch)  # the batch's last label starts the next round, which works now
    assert loop.error is None and loop.panel.state == "idle"
    assert loop.session.n_labels == 8 and len(loop.store.labels(loop.task)) == 4  # the initial and stored labels
    assert len(loop.batch) == 4 and not set(loop.batch) & (set(batch) | set(INITIAL))


def test_a_failed_later_round_keeps_the_batch_on_screen():
    model = Flaky()
    loop = _al_loop(model)
    batch = loop.batch
    model.fits = 1
    _label(loop, loop.classify, batch)
    assert "fit failed on this batch" in loop.error and loop.batch == batch
    assert "The batch on screen stays" in loop.panel.message
    assert loop.retrain() and loop.error is None and not set(loop.batch) & set(batch)


def test_a_failed_first_task_loop_round_shows_a_batch_and_the_error_then_retries():
    loop = _task_loop(Flaky(fits=1))
    assert "fit failed on this batch" in loop.error and loop.panel.state == "error"
    batch = loop.batch
    assert len(batch) == 4 and not set(batch) & set(INITIAL)
    assert "Label these 4 items (drawn at random) meanwhile" in loop.panel.message
    _label(loop, loop.widget, batch)
    assert loop.error is None and loop.history["n_labels"].tolist() == [8]
    assert len(loop.batch) == 4 and not set(loop.batch) & (set(batch) | set(INITIAL))


def test_a_resumed_task_loop_whose_first_round_fails_keeps_the_stored_labels():
    store = AnnotationStore(":memory:")
    first = _task_loop(Flaky(), store=store, initial=None)
    _label(first, first.widget, first.batch)
    stored = set(first.annotations)
    again = _task_loop(Flaky(fits=1), store=store, initial=None)
    assert again.resumed_from == 4 and set(again.annotations) == stored
    assert len(again.batch) == 4 and not set(again.batch) & stored


def test_a_failed_first_round_with_nothing_left_to_label_says_so():
    loop = ActiveLearningLoop(Flaky(fits=1), X[:6], items=[f"row {i}" for i in range(6)], classes=[0, 1],
                              initial={i: int(Y[i]) for i in range(6)}, store=AnnotationStore(":memory:"),
                              background=False, progress=False)
    assert loop.panel.state == "error" and "Every item is labelled: the next round (r) tries again" in loop.panel.message
    assert loop.retrain() and loop.error is None


def test_a_failed_first_pairs_round_offers_nothing_to_judge_and_simulate_tries_it_again():
    """Texts are judged on the images the model ranks: after a failed first round there are none, so
    no random batch is offered ("label these texts" would show texts with nothing to judge);
    ``simulate`` tries the round again, as "retrain now" would, and names the error when it fails
    again (it raised "nothing to undo for item …" before)."""
    from hitl_widgets.active.tasks import PairTask
    from hitl_widgets.demo.scenes import make_scenes
    from hitl_widgets.demo.shape_models import ShapeTextMatcher

    images, scenes = make_scenes(60, seed=1, size=48, n_objects=(2, 4))
    texts = [s.description() for s in scenes]

    class FlakyMatcher(ShapeTextMatcher):
        failures = 2

        def similarity(self, images, texts):
            if FlakyMatcher.failures:
                FlakyMatcher.failures -= 1
                raise RuntimeError("similarity blew up")
            return super().similarity(images, texts)

    loop = TaskLoop(FlakyMatcher(), texts[:40], PairTask(images, k=6), batch_size=5, initial={i: i for i in range(5)},
                    store=AnnotationStore(":memory:"), background=False, progress=False)
    assert loop.panel.state == "error" and "similarity blew up" in loop.error
    assert "nothing to label until a round works: retrain now (r)" in loop.panel.message
    assert "Label these" not in loop.panel.message
    with pytest.raises(RuntimeError, match=r"(?s)round failed \(tried again\).*similarity blew up"):
        loop.simulate(list(range(40)), budget=15)
    assert loop.annotations == {}, "nothing stored"
    assert "nothing to label until a round works" in loop.panel.message
    history = loop.simulate(list(range(40)), budget=15)  # the third try works
    assert loop.error is None and history["n_labels"].tolist() == [5, 10, 15] and len(loop.annotations) == 10
