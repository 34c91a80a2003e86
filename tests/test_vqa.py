"""VQAReview's kernel side: verdicts with corrected answers, validation, undo, results DataFrame."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.vqa import VQAReview

IMAGES = np.zeros((3, 16, 16), np.uint8)
QUESTIONS = ["How many circles?", "What colour is the square?", "Is there a star?"]
ANSWERS = ["two", "blue", "yes"]


class Recorder:
    def __init__(self, w):
        self.w, self.sent, self.seq = w, [], 0
        w.send = lambda content, buffers=None: self.sent.append((content, buffers or []))

    def intent(self, type_, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "t", "seq": self.seq, **fields}, [])
        return self.sent[-1][0]


def make(store=None, **kw):
    w = VQAReview(IMAGES, QUESTIONS, ANSWERS, store=store or hw.AnnotationStore(":memory:"), **kw)
    return w, Recorder(w)


def test_verdicts_and_results():
    w, rec = make(reference=["three", "red", "yes"])
    assert rec.intent("verdict", item_id=0, verdict="wrong")["type"] == "ack"
    reply = rec.intent("verdict", item_id=0, verdict="wrong", corrected="  three  ")
    assert reply["corrected"] == "three" and reply["n_done"] == 1
    rec.intent("verdict", item_id=2, verdict="correct")
    rec.intent("verdict", item_id=1, verdict="partly", corrected="dark blue")
    df = w.results
    assert df[["item_id", "question", "answer", "reference", "verdict", "corrected"]].values.tolist() == [
        [0, "How many circles?", "two", "three", "wrong", "three"],
        [1, "What colour is the square?", "blue", "red", "partly", "dark blue"],
        [2, "Is there a star?", "yes", "yes", "correct", None],
    ]
    assert w.n_done == 3
    assert w.store.events("vqa")["kind"].tolist() == ["verdict"] * 4


def test_undo_and_resume(tmp_path):
    w, rec = make(hw.AnnotationStore(tmp_path / "v.db"))
    rec.intent("verdict", item_id=0, verdict="partly")
    rec.intent("verdict", item_id=0, verdict="wrong", corrected="four")
    reply = rec.intent("undo", item_id=0)
    assert reply["verdict"] == "partly" and reply["corrected"] is None
    w2, _ = make(hw.AnnotationStore(tmp_path / "v.db"))
    assert w2.results["verdict"].tolist() == ["partly"] and w2.position == 1  # resumes at the first open item
    assert w2._item_info(0)["verdict"] == "partly"


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"item_id": 0, "verdict": "maybe"}, "unknown verdict"),
        ({"item_id": 0, "verdict": "correct", "corrected": "x"}, "needs no correction"),
        ({"item_id": 0, "verdict": "wrong", "corrected": 5}, "must be text"),
        ({"item_id": 0, "verdict": "wrong", "corrected": "x" * 2001}, "too long"),
        ({"item_id": 9, "verdict": "wrong"}, "unknown item id"),
    ],
)
def test_bad_intents_are_refused(fields, message):
    w, rec = make()
    reply = rec.intent("verdict", **fields)
    assert reply["type"] == "refused" and message in reply["message"]
    assert w.store.events("vqa").empty


def test_inputs_are_checked():
    with pytest.raises(ValueError, match="2 answers for 3 items"):
        VQAReview(IMAGES, QUESTIONS, ["a", "b"], store=hw.AnnotationStore(":memory:"))
    w = VQAReview(IMAGES, pd.Series(QUESTIONS[::-1], index=[2, 1, 0]), ANSWERS, store=hw.AnnotationStore(":memory:"))
    assert w.questions[0] == "How many circles?"


@pytest.mark.parametrize("questions, message", [
    (5, r"questions must be a list \(aligned with the items\), a Series or a dict by item id, not a int"),
    ({"a", "b", "c"}, "questions must be a list .*not a set"),
    ("abc", "questions must be a sequence of strs .*not a single string"),
])
def test_questions_that_are_no_list_series_or_dict_are_refused_by_name(questions, message):
    """A number was a bare TypeError ('int' object is not iterable)."""
    with pytest.raises(ValueError, match=message):
        VQAReview(IMAGES, questions, ANSWERS, store=hw.AnnotationStore(":memory:"))


def test_doctests():
    import doctest

    from hitl_widgets.widgets import vqa

    result = doctest.testmod(vqa)
    assert result.attempted > 0 and result.failed == 0


def test_a_verdict_overtaken_by_a_newer_one_for_the_same_item_changes_nothing():
    w, rec = make()
    rec.seq = 10
    assert rec.intent("verdict", item_id=1, verdict="partly", corrected="navy")["type"] == "ack"
    rec.seq = 3  # an older intent, sent first, arriving last
    late = rec.intent("verdict", item_id=1, verdict="correct")
    assert late["type"] == "ack" and late["stale"] is True
    assert (late["verdict"], late["corrected"], late["n_done"]) == ("partly", "navy", 1)
    assert w.results.loc[w.results["item_id"] == 1, "verdict"].tolist() == ["partly"]
    assert len(w.store.events("vqa")) == 1
