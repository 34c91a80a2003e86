"""YesNoReview, the worked example of docs/architecture.md: its intents through the kit."""
from __future__ import annotations

import numpy as np
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.base import IntentError


def make(store=None):
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    sent = []
    w = hw.YesNoReview(np.zeros((4, 6, 6), np.uint8), question="Sharp?", store=store)
    w.send = lambda msg, buffers=None: sent.append(msg)
    return w, sent


def intent(w, n, **fields):
    w._dispatch(w, {"client": "c", "seq": n, **fields}, [])


def test_answers_undo_and_n_done_through_the_commit_path():
    w, sent = make()
    heard = []
    w.on_label(heard.append)
    intent(w, 1, type="answer", item_id=0, answer="yes")
    intent(w, 2, type="answer", item_id=1, answer="no")
    assert [m["type"] for m in sent] == ["ack", "ack"] and sent[1]["answer"] == "no"
    assert w.n_done == 2
    assert w.answers[["item_id", "answer"]].values.tolist() == [[0, "yes"], [1, "no"]]
    intent(w, 3, type="undo", item_id=1)
    assert sent[-1]["type"] == "ack" and sent[-1]["answer"] is None
    assert w.n_done == 1 and [e["kind"] for e in heard] == ["answer", "answer", "undo"]
    assert heard[-1]["label"] is None


def test_bad_answers_are_refused_and_change_nothing():
    w, sent = make()
    intent(w, 1, type="answer", item_id=0, answer="maybe")
    intent(w, 2, type="answer", item_id=99, answer="yes")
    intent(w, 3, type="undo", item_id=2)
    assert [m["type"] for m in sent] == ["refused"] * 3
    assert "yes' or 'no" in sent[0]["message"] and "99" in sent[1]["message"]
    assert w.n_done == 0 and w.answers.empty
    with pytest.raises(IntentError):
        w.answer(0, "perhaps")


def test_a_late_answer_is_stale_and_the_state_survives_a_reload(tmp_path):
    store = hw.AnnotationStore(tmp_path / "y.db", annotator="ann")
    w, sent = make(store)
    intent(w, 5, type="answer", item_id=0, answer="no")
    intent(w, 4, type="answer", item_id=0, answer="yes")  # sent before, delivered after: stale
    assert sent[-1].get("stale") is True and sent[-1]["answer"] == "no"
    w2, _ = make(hw.AnnotationStore(tmp_path / "y.db", annotator="ann"))
    assert w2.n_done == 1 and w2.position == 1  # resumes at the first item not answered
    assert w2.answer(np.int64(2), "yes") > 0  # a numpy id is its plain id


def test_an_empty_question_is_refused():
    with pytest.raises(ValueError, match="question"):
        hw.YesNoReview(np.zeros((1, 4, 4), np.uint8), question=" ", store=hw.AnnotationStore(":memory:"))
