"""Classes in TaskLoop (hitl_widgets.active.class_task): the batch is the top margin of the loop's
own model over the open items, proposals are its most likely classes, the curve is accuracy on the
test set; scikit-learn and torch models both plug in through as_adapter; a human's labels start the
round; bad oracle labels and mismatched features are refused by name."""
from __future__ import annotations

import doctest

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from hitl_widgets.active import ClassTask, TaskLoop, margin, select
from hitl_widgets.active import class_task as class_task_module
from hitl_widgets.store import AnnotationStore

CLASSES = list(range(10))


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16, y


def _loop(model, pool, task, test, **kwargs):
    return TaskLoop(model, pool, task, batch_size=10, test=test, store=AnnotationStore(":memory:"),
                    background=False, progress=False, **kwargs)


def test_the_doctests_pass():
    assert doctest.testmod(class_task_module).failed == 0


def test_the_batch_is_the_top_margin_of_the_loops_model_and_the_curve_is_accuracy(digits):
    X, y = digits
    model = LogisticRegression(max_iter=500)
    loop = _loop(model, X[:300].reshape(-1, 8, 8), ClassTask(CLASSES, features=X[:300]), (X[300:600], y[300:600]))
    history = loop.simulate(y[:300], budget=30)
    assert history["n_labels"].tolist() == [10, 20, 30]
    labelled = loop.annotations
    assert len(labelled) == 30 and all(label == y[i] for i, label in labelled.items())
    # refit here on the same labels, in the same order: the next batch is its top-10 margin over the open items
    ids = list(labelled)
    ref = clone(model).fit(X[ids], y[ids])
    open_ids = [i for i in range(300) if i not in labelled]
    proba = ref.predict_proba(X[open_ids])
    assert loop.batch == [open_ids[int(n)] for n in select(margin(proba), 10)]
    # each proposal is that model's most likely class and its probability
    for item_id in loop.batch:
        row = proba[open_ids.index(item_id)]
        assert loop.widget.proposals[item_id]["label"] == int(ref.classes_[np.argmax(row)])
        assert loop.widget.proposals[item_id]["score"] == pytest.approx(float(row.max()))
    assert history["accuracy"].iloc[-1] == pytest.approx(float((ref.predict(X[300:600]) == y[300:600]).mean()))


def test_without_features_the_model_sees_the_pixels_in_0_1(digits):
    X, y = digits
    images = (X[:200].reshape(-1, 8, 8) * 255).round().astype(np.uint8)
    loop = _loop(LogisticRegression(max_iter=500), images, "classes", (images[150:], y[150:200]), classes=CLASSES)
    loop.simulate(y[:200], budget=20)
    fitted = loop.task.adapter(loop.model).model_
    assert fitted.n_features_in_ == 64
    ids = list(loop.annotations)
    ref = LogisticRegression(max_iter=500).fit(images[ids].reshape(len(ids), -1) / 255.0, y[ids])
    np.testing.assert_allclose(fitted.coef_, ref.coef_, rtol=1e-4, atol=1e-6)


def test_a_torch_module_plugs_in_through_its_adapter(digits):
    torch = pytest.importorskip("torch")
    X, y = digits
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    task = ClassTask(CLASSES, features=X[:200].astype(np.float32))
    loop = _loop(module, X[:200].reshape(-1, 8, 8), task, (X[200:400].astype(np.float32), y[200:400]))
    history = loop.simulate(y[:200], budget=20)
    assert history["n_labels"].tolist() == [10, 20]
    adapter = task.adapter(module)
    assert type(adapter).__name__ == "TorchAdapter" and adapter is task.adapter(module), "wrapped once"
    open_ids = [i for i in range(200) if i not in loop.annotations]
    proba = adapter.predict_proba(X[open_ids].astype(np.float32))
    assert loop.batch == [open_ids[int(n)] for n in select(margin(proba), 10)]


def test_a_humans_labels_start_the_round(digits):
    X, y = digits
    loop = _loop(LogisticRegression(max_iter=500), X[:100].reshape(-1, 8, 8), ClassTask(CLASSES, features=X[:100]),
                 (X[100:200], y[100:200]))
    first = loop.batch
    assert len(first) == 10 and loop.history.empty and not loop.widget.proposals
    for item_id in first:
        loop.widget.record_label(item_id, int(y[item_id]))
    assert loop.history["n_labels"].tolist() == [10]
    assert not set(loop.batch) & set(first) and set(loop.widget.proposals) == set(loop.batch)


def test_bad_labels_and_features_are_refused_by_name(digits):
    X, y = digits
    loop = _loop(LogisticRegression(max_iter=500), X[:50].reshape(-1, 8, 8), ClassTask(CLASSES, features=X[:50]), None)
    bad = y[:50].astype(object)
    bad[loop.batch[3]] = "eleven"
    with pytest.raises(ValueError, match=rf"oracle, item {loop.batch[3]}: label 'eleven' is not one of the classes"):
        loop.simulate(bad, budget=10)
    assert loop.annotations == {}, "nothing of the batch was stored"
    with pytest.raises(ValueError, match="features has 49 rows but the pool has 50 items"):
        _loop(LogisticRegression(), X[:50].reshape(-1, 8, 8), ClassTask(CLASSES, features=X[:49]), None)
    with pytest.raises(ValueError, match="classes is empty"):
        ClassTask([])
    with pytest.raises(ValueError, match="task 'classes' needs classes="):
        _loop(LogisticRegression(), X[:50].reshape(-1, 8, 8), "classes", None)
    # pixels as features need one image size: the odd item is named
    images = [np.zeros((8, 8), np.uint8)] * 12 + [np.zeros((10, 12), np.uint8)] * 8
    odd = _loop(LogisticRegression(), images, "classes", None, classes=CLASSES)
    with pytest.raises(RuntimeError, match=r"round failed:[\s\S]*item 1\d has shape \(10, 12\) but item \d+ \(8, 8\): give images of one size"):
        odd.simulate([0, 1] * 10, budget=20)
