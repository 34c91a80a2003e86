"""Progress you can see, and interrupts that leave nothing half-done (#21 item 8): pool scoring,
ActiveLearningLoop.simulate, certify and the COCO export show a tqdm bar (progress=False: none),
and a KeyboardInterrupt in the middle leaves the store and the files as they were."""
from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from hitl_widgets import AnnotationStore
from hitl_widgets.active.distributed import score_pool
from hitl_widgets.active.loop import ActiveLearningLoop
from hitl_widgets.certificates import certify
from hitl_widgets.io import coco


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400], y[:400], X[400:700], y[400:700]


def _loop(digits, store, **kw):
    X, y, Xt, yt = digits
    return ActiveLearningLoop(LogisticRegression(max_iter=300), X, items=X.reshape(-1, 8, 8) / 16, strategy="margin",
                              batch_size=10, initial=(np.arange(10), y[:10]), test=(Xt, yt), store=store,
                              background=False, **kw)


def test_bars_shown_and_hidden(digits, capsys):
    X, y, Xt, yt = digits
    model = LogisticRegression(max_iter=300).fit(X[:50], y[:50])
    score_pool(model, X, 5, partition_rows=100)
    assert "scoring the pool" in capsys.readouterr().err
    score_pool(model, X, 5, partition_rows=100, progress=False)
    _loop(digits, AnnotationStore(":memory:"), progress=False).simulate(y, budget=30)
    assert capsys.readouterr().err == ""
    _loop(digits, AnnotationStore(":memory:")).simulate(y, budget=30)
    assert "simulating" in capsys.readouterr().err
    df = pd.DataFrame({"item": [0, 1], "x": [0.0, 1.0], "y": [0.0, 1.0], "w": [2.0, 2.0], "h": [2.0, 2.0], "class": ["a", "b"]})
    coco.to_coco(df, image_sizes={0: (4, 4), 1: (4, 4)})
    assert "COCO export" in capsys.readouterr().err
    coco.to_coco(df, image_sizes={0: (4, 4), 1: (4, 4)}, progress=False)
    certify(["a", "b"], ["x", "y"], AnnotationStore(":memory:"), progress=False)
    assert capsys.readouterr().err == ""
    certify(["a", "b"], ["x", "y"], AnnotationStore(":memory:"))
    assert "hashing items" in capsys.readouterr().err


def _state(loop):
    return (dict(loop.classify.current_labels), loop.history.drop(columns=["seconds", "query_seconds", "fit_seconds"]).to_dict("list"),
            list(loop.session.labelled_idx), list(loop.batch), loop.session.adapter.predict_proba(loop.session.X_pool[:20]).tolist())


@pytest.mark.parametrize("where", ["oracle", "listener", "retrain"])
def test_interrupted_simulate_keeps_whole_rounds_only(digits, where):
    X, y, _, _ = digits
    reference = _loop(digits, AnnotationStore(":memory:"), progress=False)
    reference.simulate(y, budget=50)

    store = AnnotationStore(":memory:")
    loop = _loop(digits, store, progress=False)
    loop.simulate(y, budget=30)  # two whole rounds
    before, events = _state(loop), len(store.labels(loop.task))
    calls = {"n": 0}

    def interrupt(*args):
        calls["n"] += 1
        if calls["n"] == 4:  # in the middle of the next batch
            raise KeyboardInterrupt

    oracle = y
    if where == "oracle":
        oracle = lambda i: (interrupt(), y[i])[1]  # noqa: E731
    elif where == "listener":
        loop.classify.on_label(lambda event: interrupt() if event["kind"] != "undo" else None)
    else:  # the batch's labels are stored and the model refitted, then the round is interrupted
        retrain = loop.session.retrain
        loop.session.retrain = lambda: (retrain(), calls.__setitem__("n", 3), interrupt())
    with pytest.raises(KeyboardInterrupt):
        loop.simulate(oracle, budget=50)
    assert _state(loop) == before, "the interrupted batch left something behind"
    assert len(store.labels(loop.task)) == events
    if where == "retrain":
        del loop.session.retrain
    calls["n"] = -10**9  # no more interrupts: simulate continues where the whole rounds ended
    history = loop.simulate(y, budget=50)
    assert history["n_labels"].tolist() == reference.history["n_labels"].tolist()
    assert list(loop.session.labelled_idx) == list(reference.session.labelled_idx)
    np.testing.assert_allclose(history["accuracy"], reference.history["accuracy"])


def test_interrupted_certify_leaves_the_store_unchanged(monkeypatch):
    import hitl_widgets.certificates as certificates

    store = AnnotationStore(":memory:")
    store.record("t", "a", {"label": "x"})
    events, log = len(store.events()), store.verify_log()
    real, calls = certificates.item_hash, {"n": 0}

    def hash_then_interrupt(items, i):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(items, i)

    monkeypatch.setattr(certificates, "item_hash", hash_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        certify(["a", "b", "c", "d"], ["x", "y", "z", "w"], store, progress=False)
    assert len(store.events()) == events
    assert store.log_entry(1) is None and store.verify_log().ok == log.ok
    monkeypatch.setattr(certificates, "item_hash", real)
    cert = certify(["a", "b", "c", "d"], ["x", "y", "z", "w"], store, progress=False)
    assert cert["log"]["seq"] >= 1


@pytest.mark.parametrize("where", ["annotations", "writing"])
def test_interrupted_coco_export_leaves_the_file_as_it_was(tmp_path, monkeypatch, where):
    df = pd.DataFrame({"item": [0, 1, 1], "x": [0.0, 1.0, 0.5], "y": [0.0, 1.0, 0.5], "w": [2.0, 2.0, 1.0],
                       "h": [2.0, 2.0, 1.0], "class": ["a", "b", "a"]})
    path = tmp_path / "boxes.json"
    path.write_text('{"old": true}')
    if where == "annotations":
        real, calls = coco._annotation, {"n": 0}

        def annotate(*args):
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt
            return real(*args)

        monkeypatch.setattr(coco, "_annotation", annotate)
    else:
        def dump_half(data, f):
            f.write(json.dumps(data)[:20])
            raise KeyboardInterrupt

        monkeypatch.setattr(coco.json, "dump", dump_half)
    with pytest.raises(KeyboardInterrupt):
        coco.to_coco(df, image_sizes={0: (4, 4), 1: (4, 4)}, path=path, progress=False)
    assert path.read_text() == '{"old": true}'
    assert os.listdir(tmp_path) == ["boxes.json"]  # no temporary file left
    monkeypatch.undo()
    dataset = coco.to_coco(df, image_sizes={0: (4, 4), 1: (4, 4)}, path=path, progress=False)
    assert json.loads(path.read_text())["annotations"] == dataset["annotations"]
