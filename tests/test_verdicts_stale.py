"""Decisions stored with what they judged: VQAReview (the question and the answer), YesNoReview (the
question) and HallucinationFlagger (the text of each item and model). A stored decision made on
something else (the model run again, another question under the shared task) is left out with a
warning naming it, stays in the store, and an undo back to it shows none; one stored without the
hash (an older version) counts as before."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.hallucination import HallucinationFlagger
from hitl_widgets.widgets.vqa import VQAReview
from hitl_widgets.widgets.yesno import YesNoReview
from intent_recorder import Recorder

IMAGES = np.zeros((2, 8, 8), np.uint8)
QUESTIONS = ["What colour is the car?", "How many dogs?"]


def quiet(make):
    """A widget made with no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return make()


# ---------------------------------------------------------------------------------------- VQAReview
def vqa(store, answers):
    w = VQAReview(IMAGES, QUESTIONS, answers, store=store)
    return w, Recorder(w)


def test_vqa_verdict_on_an_old_answer_is_not_shown_on_the_new_one():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    w, rec = quiet(lambda: vqa(store, ["red", "two"]))
    assert rec.intent("verdict", item_id=0, verdict="correct")["type"] == "ack"
    assert rec.intent("verdict", item_id=1, verdict="wrong", corrected="three")["type"] == "ack"
    assert w.n_done == 2
    # the model run again: item 0's answer changed, item 1's did not
    with pytest.warns(UserWarning, match=r"1 stored verdicts of task 'vqa' .*another question or answer.*item ids: 0\b"):
        w2, rec2 = vqa(store, ["blue", "two"])
    assert w2.results[["item_id", "answer", "verdict", "corrected"]].values.tolist() == [[1, "two", "wrong", "three"]]
    assert w2.n_done == 1 and w2.position == 0  # item 0 is open again, and first
    assert w2._item_info(0)["verdict"] is None and w2._item_state(0)["verdict"] is None
    assert w2._item_info(1)["verdict"] == "wrong"
    assert len(store.current("vqa", kinds=("verdict",))) == 2  # the old verdict stays in the store
    # a question changed counts too
    with pytest.warns(UserWarning, match=r"item ids: 1\b"):
        w3 = VQAReview(IMAGES, [QUESTIONS[0], "How many cats?"], ["red", "two"], store=store)
    assert w3.results["item_id"].tolist() == [0] and w3.n_done == 1
    # the same answers again: everything shows, without a warning
    w4, _ = quiet(lambda: vqa(store, ["red", "two"]))
    assert w4.n_done == 2 and w4.results["verdict"].tolist() == ["correct", "wrong"]


def test_vqa_undo_back_to_a_stale_verdict_shows_none():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    w, rec = quiet(lambda: vqa(store, ["red", "two"]))
    rec.intent("verdict", item_id=0, verdict="correct")
    with pytest.warns(UserWarning):
        w2, rec2 = vqa(store, ["blue", "two"])
    # Backspace on the item that shows no verdict never cancels the stale one unseen
    assert rec2.intent("undo", item_id=0)["type"] == "refused"
    assert len(store.current("vqa", kinds=("verdict",))) == 1
    reply = rec2.intent("verdict", item_id=0, verdict="wrong", corrected="red")
    assert reply["type"] == "ack" and w2.n_done == 1
    reply = rec2.intent("undo", item_id=0)
    assert reply["type"] == "ack" and reply["verdict"] is None and reply["n_done"] == 0
    assert w2.n_done == 0 and w2.results.empty and w2._item_info(0)["verdict"] is None


def test_vqa_verdicts_stored_without_a_hash_count_as_before():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    store.record("vqa", 0, {"verdict": "partly", "corrected": "dark red"}, kind="verdict")
    w, rec = quiet(lambda: vqa(store, ["red", "two"]))
    assert w.results[["item_id", "verdict", "corrected"]].values.tolist() == [[0, "partly", "dark red"]]
    assert w.n_done == 1
    rec.intent("verdict", item_id=1, verdict="correct")
    payload = store.current("vqa", kinds=("verdict",)).set_index("item_id").loc[1, "payload"]
    assert set(payload) == {"verdict", "corrected", "judged"} and len(payload["judged"]) == 16


# ---------------------------------------------------------------------------------------- YesNoReview
def test_yesno_answers_to_one_question_are_not_answers_to_another():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    images = np.zeros((3, 8, 8), np.uint8)
    w = quiet(lambda: YesNoReview(images, question="Is it sharp?", store=store))
    for i in range(3):
        w.answer(i, "yes")
    with pytest.warns(UserWarning, match=r"3 stored answers of task 'yesno' answer another question.*item ids: 0, 1, 2"):
        w2 = YesNoReview(images, question="Does it contain a face?", store=store)
    assert w2.answers.empty and list(w2.answers.columns) == ["item_id", "answer", "annotator", "event_id", "created_at"]
    assert w2.n_done == 0 and w2._item_info(0) == {"answer": None}
    w2.answer(1, "no")
    assert w2.answers[["item_id", "answer"]].values.tolist() == [[1, "no"]] and w2.n_done == 1
    # back to the first question: its answers, except item 1's, answered for the face question since
    with pytest.warns(UserWarning, match=r"1 stored answers .* item ids: 1\b"):
        w3 = YesNoReview(images, question="Is it sharp?", store=store)
    assert w3.answers[["item_id", "answer"]].values.tolist() == [[0, "yes"], [2, "yes"]] and w3.n_done == 2


def test_yesno_question_set_later_and_undo_back_to_another_questions_answer():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    images = np.zeros((3, 8, 8), np.uint8)
    w = quiet(lambda: YesNoReview(images, question="Is it sharp?", store=store))
    rec = Recorder(w)
    w.answer(0, "yes")
    w.answer(1, "yes")
    with pytest.warns(UserWarning, match="item ids: 0, 1"):
        w.question = "Does it contain a face?"
    assert w.answers.empty and w.n_done == 0 and w._item_state(0) == {"answer": None}
    assert rec.intent("undo", item_id=0)["type"] == "refused"  # nothing shown: the other question's stays
    assert rec.intent("answer", item_id=0, answer="no")["type"] == "ack" and w.n_done == 1
    reply = rec.intent("undo", item_id=0)
    assert reply["type"] == "ack" and reply["answer"] is None and w.n_done == 0 and w.answers.empty
    w.question = "Is it sharp?"
    assert w.answers[["item_id", "answer"]].values.tolist() == [[0, "yes"], [1, "yes"]] and w.n_done == 2


def test_yesno_answers_stored_without_a_hash_count_as_before():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    store.record("yesno", 2, {"answer": "no"}, kind="answer")
    w = quiet(lambda: YesNoReview(np.zeros((3, 8, 8), np.uint8), question="Anything?", store=store))
    assert w.answers[["item_id", "answer"]].values.tolist() == [[2, "no"]] and w.n_done == 1


# ----------------------------------------------------------------------------- HallucinationFlagger
def hal(store, texts):
    w = HallucinationFlagger(IMAGES, texts, store=store)
    return w, Recorder(w)


def words(w, item_id, model):
    text = next(t for t in w._item_info(item_id)["texts"] if t["model"] == model)
    return [p for p, is_word in text["pieces"] if is_word]


def test_hallucination_flags_and_verdicts_stay_on_their_text():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    w, rec = quiet(lambda: hal(store, ["two red cats on a sofa", "a dog"]))
    rec.intent("flag", item_id=0, model="text", token_start=1, token_end=2, category="attribute")
    rec.intent("verdict", item_id=0, model="text", verdict="hallucinated")
    rec.intent("verdict", item_id=1, model="text", verdict="faithful")
    assert w.n_done == 2 and len(w.flags) == 1
    # the captioner run again: item 0 has a new caption, item 1 the same
    with pytest.warns(UserWarning, match=r"another text of 1 \(item, model\) pairs.*: \(0, 'text'\)\."):
        w2, rec2 = hal(store, ["a cat sleeping", "a dog"])
    info = w2._item_info(0)
    assert info["flags"] == [] and info["texts"][0]["verdict"] is None and w2._item_state(0)["verdicts"] == {"text": None}
    assert w2.flags.empty
    assert w2.verdicts[["item_id", "model", "verdict"]].values.tolist() == [[1, "text", "faithful"]]
    s = w2.summary().set_index("category")
    assert s.loc["any", "n_reviewed"] == 1 and s.loc["any", "n_flagged"] == 0 and s.loc["attribute", "n_flagged"] == 0
    assert w2.n_done == 1 and w2.position == 0
    assert len(store.events("hallucination")) == 3  # the old ones stay in the store
    # undoing the stale events is refused (they are no current action); new ones work as before
    old_flag, old_verdict = (int(e) for e in store.events("hallucination")["event_id"][:2])
    for target in (old_flag, old_verdict):
        assert rec2.intent("undo", item_id=0, event_id=target)["type"] == "refused"
    flag = rec2.intent("flag", item_id=0, model="text", token_start=1, token_end=1, category="count")["flag"]
    edit = rec2.intent("flag", item_id=0, replaces=flag, category="object")["flag"]
    assert w2.flags[["span", "category"]].values.tolist() == [["cat", "object"]]
    assert rec2.intent("undo", item_id=0, event_id=edit)["type"] == "ack"
    assert w2.flags[["span", "category"]].values.tolist() == [["cat", "count"]]
    verdict = rec2.intent("verdict", item_id=0, model="text", verdict="faithful")["event_id"]
    assert w2.n_done == 2
    # undoing the new verdict leaves none: the old caption's "hallucinated" does not come back
    assert rec2.intent("undo", item_id=0, event_id=verdict)["type"] == "ack"
    assert w2._item_info(0)["texts"][0]["verdict"] is None and w2.n_done == 1
    assert w2.verdicts["item_id"].tolist() == [1]
    # reloaded on the new caption: what was made on it (the old caption's are still named)
    with pytest.warns(UserWarning, match=r"\(0, 'text'\)"):
        w3, _ = hal(store, ["a cat sleeping", "a dog"])
    assert w3.flags[["span", "category"]].values.tolist() == [["cat", "count"]] and w3.n_done == 1
    assert [(f["t0"], f["t1"], f["span"]) for f in w3._item_info(0)["flags"]] == [(1, 1, "cat")]
    assert words(w3, 0, "text")[1] == "cat"


def test_hallucination_stale_per_model():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    texts = {"m1": ["a red cat", "a dog"], "m2": ["two cats", "a bird"]}
    w, rec = quiet(lambda: hal(store, texts))
    rec.intent("flag", item_id=0, model="m1", token_start=1, token_end=1, category="attribute")
    rec.intent("flag", item_id=0, model="m2", token_start=0, token_end=0, category="count")
    rec.intent("verdict", item_id=0, model="m2", verdict="hallucinated")
    with pytest.warns(UserWarning, match=r"of 1 \(item, model\) pairs.*\(0, 'm2'\)\.") as caught:
        w2, _ = hal(store, {"m1": ["a red cat", "a dog"], "m2": ["three cats", "a bird"]})
    assert "'m1'" not in str(caught[0].message)
    assert w2.flags[["model", "span"]].values.tolist() == [["m1", "red"]]
    assert w2.verdicts.empty
    assert w2.summary().query("category == 'any'")[["model", "n_reviewed"]].values.tolist() == [["m1", 1], ["m2", 0]]


def test_hallucination_old_events_without_a_hash():
    store = hw.AnnotationStore(":memory:", annotator="ada")
    legacy = {"model": "text", "start": 4, "end": 7, "span": "red", "category": "attribute", "evidence": None,
              "token_start": 1, "token_end": 1}
    kept = store.record("hallucination", 0, legacy, kind="flag")
    store.record("hallucination", 0, {"model": "text", "verdict": "hallucinated"}, kind="verdict")
    edited = store.record("hallucination", 1, {**legacy, "span": "big"}, kind="flag")
    removed = store.record("hallucination", 1, {**legacy, "start": 8, "end": 11, "span": "dog", "token_start": 2,
                                                "token_end": 2}, kind="flag")
    texts = ["a red cat", "a big dog"]
    w, rec = quiet(lambda: hal(store, texts))
    assert sorted(w.flags["event_id"].tolist()) == [kept, edited, removed] and w.n_done == 1  # as before
    # an edit and a removal made now carry the text's hash; the flags they replaced were on that text
    assert rec.intent("flag", item_id=1, replaces=edited, category="object")["type"] == "ack"
    assert rec.intent("unflag", item_id=1, flag=removed)["type"] == "ack"
    assert w.flags[["item_id", "span", "category"]].values.tolist() == [[0, "red", "attribute"], [1, "big", "object"]]
    new_edit = int(w.flags.set_index("item_id").loc[1, "event_id"])
    reply = rec.intent("flag", item_id=1, replaces=new_edit, category="object")  # the same again
    assert reply["type"] == "refused" and "changes nothing" in reply["message"]
    # item 1's caption generated again: the edit, the removal and the flags they replaced all go
    with pytest.warns(UserWarning, match=r"\(1, 'text'\)"):
        w2, _ = hal(store, ["a red cat", "a small dog"])
    assert w2.flags[["item_id", "span"]].values.tolist() == [[0, "red"]]
    assert w2._item_info(1)["flags"] == []
