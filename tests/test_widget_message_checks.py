"""Browser messages that the widgets took wrongly: a JSON int too large for a float answered
"could not save: OverflowError" (the store-failure path, retried for ever) instead of a refusal;
SceneGraphAnnotator reused a deleted given object's id for a drawn box (a proposal naming the old
box then landed on the new one) and accepted a proposal whose triple was already stored;
HallucinationFlagger counted only the queue's items in its summary and undid flags already
edited or removed; YesNoReview.answer() did not tell the view."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.coerce import finite_number
from hitl_widgets.widgets.base import IntentError
from hitl_widgets.widgets.coreference import CoreferenceLinker
from hitl_widgets.widgets.hallucination import HallucinationFlagger
from hitl_widgets.widgets.reasoning import ReasoningChainReview
from hitl_widgets.widgets.scene_graph import SceneGraphAnnotator
from hitl_widgets.widgets.words import check_time
from hitl_widgets.widgets.yesno import YesNoReview
from intent_recorder import Recorder

HUGE = 10**400  # json.loads reads it as an int; float(HUGE) raises OverflowError
OBJECTS = pd.DataFrame({"item": [0, 0], "object_id": ["h1", "h2"], "x": [1, 20], "y": [1, 1], "w": [10, 10],
                        "h": [10, 10], "class": ["cup", "table"]})
PROPOSALS = pd.DataFrame({"item": [0], "subject": ["h1"], "predicate": ["on"], "object": ["h2"], "score": [0.9]})


def store():
    return hw.AnnotationStore(":memory:")


def scene_graph():
    w = SceneGraphAnnotator(np.zeros((1, 40, 40), np.uint8), ["cup", "table"], ["on", "near"], objects=OBJECTS,
                            proposals=PROPOSALS, store=store())
    return w, Recorder(w)


def refused(reply, message):
    assert reply["type"] == "refused", reply
    assert message in reply["message"], reply["message"]


# ---------------------------------------------------------------------- numbers too large for a float
def test_finite_number():
    assert [finite_number(v) for v in (3, np.int64(3), 2.5, np.float32(0.5), 10**300)] == [3.0, 3.0, 2.5, 0.5, 1e300]
    assert [finite_number(v) for v in (HUGE, -HUGE, True, np.bool_(False), "1", None, float("nan"), float("inf"), [1])] \
        == [None] * 9


def huge_scene_graph_box():
    w, r = scene_graph()
    box = {"id": "h9", "x": HUGE, "y": 1, "w": 3, "h": 3, "class": "cup"}
    return w, [r.intent("add_object", item_id=0, object=box), r.intent("update_object", item_id=0, object_id="h1", x=1, y=1, w=-HUGE, h=3)]


def huge_coreference_box():
    w = CoreferenceLinker(np.zeros((1, 40, 40), np.uint8), ["A cat"], store=store())
    return w, [Recorder(w).intent("link", item_id=0, t0=0, t1=1, box={"x": 1, "y": HUGE, "w": 2, "h": 2})]


def huge_reasoning_box():
    w = ReasoningChainReview(np.zeros((1, 8, 8), np.uint8), [["a"]], store=store())
    return w, [Recorder(w).intent("box", item_id=0, model="model", step=0, box=[0, 0, HUGE, 4])]


def huge_evidence_box():
    w = HallucinationFlagger(np.zeros((1, 8, 8), np.uint8), ["a cat"], store=store())
    return w, [Recorder(w).intent("flag", item_id=0, model="text", token_start=0, token_end=0, category="object",
                                  evidence={"kind": "box", "box": [0, 0, HUGE, 4]})]


@pytest.mark.parametrize("send, messages", [
    (huge_scene_graph_box, ["item 0: box x must be a finite number, got an int too large for a float",
                            "item 0: box w must be a finite number, got an int too large for a float"]),
    (huge_coreference_box, ["item 0: box y must be a finite number, got an int too large for a float"]),
    (huge_reasoning_box, ["item 0: box coordinates must be finite numbers"]),
    (huge_evidence_box, ["item 0: box coordinates must be finite numbers"]),
])
def test_a_huge_int_in_a_box_is_refused_and_nothing_stored(send, messages):
    w, replies = send()
    for reply, message in zip(replies, messages, strict=True):
        refused(reply, message)
    assert w.store.events(w.task).empty


def test_a_huge_int_is_no_time():
    with pytest.raises(IntentError, match="word 3: start_s must be a finite time in seconds, not an int too large"):
        check_time(HUGE, "start_s", "word 3", IntentError)
    assert check_time(np.int64(2), "start_s", "word 3", IntentError) == 2.0


# ---------------------------------------------------------------------- SceneGraph: given ids, stored triples
def test_a_deleted_given_objects_id_is_never_reused():
    w, r = scene_graph()
    assert r.intent("delete_object", item_id=0, object_id="h2")["type"] == "ack"
    assert w._item_info(0)["given_ids"] == ["h1", "h2"]  # the view numbers its boxes after them
    refused(r.intent("add_object", item_id=0, object={"id": "h2", "x": 30, "y": 30, "w": 5, "h": 5, "class": "cup"}),
            "item 0: 'h2' is the id of a given object")
    assert w.add_object(0, (30, 30, 5, 5), "cup") == "h3"
    refused(r.intent("accept", item_id=0, proposal_id="p0"), "proposal p0 names a deleted or rejected box")
    assert w.triples.empty


def test_a_proposal_whose_triple_is_stored_is_not_open():
    w, r = scene_graph()
    assert r.intent("relate", item_id=0, subject="h1", predicate="on", object="h2")["type"] == "ack"
    refused(r.intent("accept", item_id=0, proposal_id="p0", predicate="near"), "proposal p0 is already a relation (h1 -> on -> h2)")
    refused(r.intent("accept", item_id=0, proposal_id="p0"), "proposal p0 is already a relation")
    assert w.triples[["subject", "predicate", "object", "source"]].values.tolist() == [["h1", "on", "h2", "human"]]


# ---------------------------------------------------------------------- HallucinationFlagger: summary, undo
def hallucination(texts):
    w = HallucinationFlagger(np.zeros((len(texts), 8, 8), np.uint8), texts, store=store())
    return w, Recorder(w)


def test_the_summary_counts_every_item_not_only_the_queue():
    w, _ = hallucination(["a red cat", "two dogs", "one cow"])
    w.verdict(0, "text", "hallucinated")
    w.verdict(1, "text", "faithful")
    w.set_queue([2])
    row = w.summary().query("category == 'any'").iloc[0]
    assert (row["n_reviewed"], row["n_flagged"], row["rate"]) == (2, 1, 0.5)


def test_undo_refuses_a_flag_removed_or_edited_since():
    w, r = hallucination(["a red cat"])
    flag = r.intent("flag", item_id=0, model="text", token_start=1, token_end=1, category="attribute")["flag"]
    removal = r.intent("unflag", item_id=0, flag=flag)["event_id"]
    refused(r.intent("undo", item_id=0, event_id=flag), f"event '{flag}' is not a current action on item 0")
    assert r.intent("undo", item_id=0, event_id=removal)["type"] == "ack"  # the flag is back
    edit = r.intent("flag", item_id=0, replaces=flag, category="object")["flag"]
    refused(r.intent("undo", item_id=0, event_id=flag), "is not a current action on item 0")
    assert w.flags["category"].tolist() == ["object"]
    assert r.intent("undo", item_id=0, event_id=edit)["type"] == "ack"
    assert r.intent("undo", item_id=0, event_id=flag)["type"] == "ack"  # current again once its edit is undone
    assert w.flags.empty
    kinds = w.store.events(w.task)["kind"].tolist()
    assert kinds.count("undo") == 3


def test_undo_refuses_a_verdict_given_again_since():
    w, r = hallucination(["a red cat"])
    first = r.intent("verdict", item_id=0, model="text", verdict="hallucinated")["event_id"]
    second = r.intent("verdict", item_id=0, model="text", verdict="faithful")["event_id"]
    refused(r.intent("undo", item_id=0, event_id=first), f"event '{first}' is not a current action on item 0")
    assert w.verdicts["verdict"].tolist() == ["faithful"]
    assert r.intent("undo", item_id=0, event_id=second)["type"] == "ack"
    assert w.verdicts["verdict"].tolist() == ["hallucinated"]
    assert r.intent("undo", item_id=0, event_id=first)["type"] == "ack"  # current again once the newer one is undone
    assert w.verdicts.empty


# ---------------------------------------------------------------------- YesNoReview.answer tells the view
def test_yesno_answer_from_code_tells_the_view():
    w = YesNoReview(np.zeros((2, 8, 8), np.uint8), store=store())
    r = Recorder(w)
    event_id = w.answer(np.int64(0), "no")
    assert [m["type"] for m in r.sent] == ["ack", "invalidate"]
    assert r.sent[0]["event_id"] == event_id and r.sent[0]["answer"] == "no"
    with pytest.raises(IntentError, match="answer must be 'yes' or 'no'"):
        w.answer(1, "maybe")
    assert w.answers["answer"].tolist() == ["no"]
