"""ReasoningChainReview's kernel side (chain shapes, verdicts, first-error semantics, regions,
corrections, undo / redo, reload, replay), its demo chains and the reasoning metrics, checked
against hand-computed values."""
from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.demo import make_scenes, model_chains, reasoning_chain
from hitl_widgets.metrics import chain_summary, first_error_agreement, first_error_table
from hitl_widgets.widgets.reasoning import ReasoningChainReview, normalise_chains

IMAGES = np.zeros((2, 40, 60, 3), np.uint8)  # 60 wide, 40 high
P, INF, A = "perception", "inference", "answer"
CHAINS = pd.DataFrame({
    "item_id": [0, 0, 1],
    "model": ["a", "b", "a"],
    "question": ["How many shapes?", "How many shapes?", "Is the circle left?"],
    "steps": [
        [{"text": "there are two red squares", "kind": P}, {"text": "there is one circle", "kind": P},
         {"text": "so 2 + 1 = 3 shapes", "kind": INF}, {"text": "the answer is three", "kind": A}],
        [{"text": "there is one red square", "kind": P}, {"text": "so 1 shape", "kind": INF}, {"text": "the answer is one", "kind": A}],
        ["the circle is left of the square", "so yes"],
    ],
})


class Recorder:
    def __init__(self, w):
        self.w, self.sent, self.seq = w, [], 0
        w.send = lambda content, buffers=None: self.sent.append((content, buffers or []))

    def intent(self, type_, client="t", seq=None, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": client, "seq": self.seq if seq is None else seq, **fields}, [])
        return self.sent[-1][0]


def make(store=None, **kw):
    w = ReasoningChainReview(IMAGES, CHAINS, store=store or hw.AnnotationStore(":memory:"), **kw)
    return w, Recorder(w)


def verdicts(w, item=0, model="a"):
    s = w.steps
    return s[(s.item_id == item) & (s.model == model)].verdict.tolist()


def test_chain_shapes_and_bad_input():
    items = hw.Items(IMAGES)
    models, chains, questions = normalise_chains(CHAINS, items)
    assert models == ["a", "b"] and questions == {0: "How many shapes?", 1: "Is the circle left?"}
    assert chains[1]["a"][0] == {"text": "the circle is left of the square", "kind": None}
    assert normalise_chains({"m": [["x"], None]}, items)[1][1] == {}
    assert normalise_chains([["x"], ["y"]], items, questions=["q0", "q1"])[2] == {0: "q0", 1: "q1"}
    for bad, match in [
        ([[], ["y"]], "item 0, model 'model': the chain has no steps"),
        ([["x", 3], ["y"]], "item 0, model 'model', step 1: a step must be text"),
        ([[{"text": None}], ["y"]], "step 0: a step must be text"),
        ([[{"text": "x", "kind": "guess"}], ["y"]], "step kind must be one of"),
        ([["  "], ["y"]], "must not be empty"),
        ([["x"]], "1 chains for 2 items"),
        ("steps", "chains must be"),
    ]:
        with pytest.raises(ValueError, match=match):
            normalise_chains(bad, items)
    with pytest.raises(ValueError, match="question must be a str"):
        normalise_chains([["x"], ["y"]], items, questions=[1, "q"])
    with pytest.raises(ValueError, match="needs images"):
        ReasoningChainReview(hw.Items(["a text", "b"]), [["x"], ["y"]])
    store = hw.AnnotationStore(":memory:")
    with pytest.raises(ValueError, match="no steps"):
        ReasoningChainReview(IMAGES, [["x"], []], store=store)
    assert store.events().empty  # nothing stored


def test_verdicts_ack_refusal_and_one_key_decisions():
    w, r = make()
    assert w.n_done == 0 and list(w.steps.columns) == [
        "item_id", "model", "step", "kind", "text", "verdict", "first_error", "box", "corrected", "reviewed", "annotator"]
    reply = r.intent("verdict", item_id=0, model="a", step=0, verdict="correct")
    assert reply["type"] == "ack" and reply["reviews"]["a"]["verdicts"] == ["correct", None, None, None]
    assert reply["n_done"] == 0 and reply["can_redo"] is False
    for fields, match in [
        ({"item_id": 0, "model": "a", "step": 1, "verdict": "wrong"}, "unknown verdict 'wrong'"),
        ({"item_id": 0, "model": "zz", "step": 1, "verdict": "correct"}, "no chain from model 'zz'"),
        ({"item_id": 0, "model": "a", "step": 4, "verdict": "correct"}, "no step 4"),
        ({"item_id": 0, "model": "a", "step": True, "verdict": "correct"}, "no step True"),
        ({"item_id": 7, "model": "a", "step": 0, "verdict": "correct"}, "unknown item id"),
        ({"item_id": 0, "model": "a", "step": 0, "verdict": "correct"}, "changes nothing"),
    ]:
        n = len(w.store.events())
        reply = r.intent("verdict", **fields)
        assert reply["type"] == "refused" and match in reply["message"], (fields, reply)
        assert len(w.store.events()) == n
    for step in (1, 2, 3):
        r.intent("verdict", item_id=0, model="a", step=step, verdict="correct")
    r.intent("verdict", item_id=0, model="b", step=0, verdict="not checkable")
    assert w.n_done == 0  # chain b is not judged to its end
    r.intent("verdict", item_id=0, model="b", step=1, verdict="reasoning error")  # the first error: b is judged
    assert w.n_done == 1
    s = w.steps
    row = s[(s.model == "b") & (s.step == 1)].iloc[0]
    assert row.first_error and row.reviewed and row.verdict == "reasoning error"


def test_first_error_semantics():
    w, r = make()
    r.intent("verdict", item_id=0, model="a", step=3, verdict="correct")
    r.intent("verdict", item_id=0, model="a", step=1, verdict="not checkable")
    reply = r.intent("first_error", item_id=0, model="a", step=2)  # an inference step: a reasoning error
    assert reply["reviews"]["a"]["verdicts"] == ["correct", "not checkable", "reasoning error", None]
    assert w._is_done(0) is False  # chain b not judged
    # the steps after the first error take no verdict
    reply = r.intent("verdict", item_id=0, model="a", step=3, verdict="correct")
    assert reply["type"] == "refused" and "step 4 comes after the first error (step 3)" in reply["message"]
    # an earlier error becomes the first error, the steps after it lose their verdicts
    reply = r.intent("verdict", item_id=0, model="a", step=0, verdict="perception error")
    assert reply["reviews"]["a"]["verdicts"] == ["perception error", None, None, None]
    # "first error here" later: the earlier error becomes correct
    reply = r.intent("first_error", item_id=0, model="a", step=1, kind="unsupported")
    assert reply["reviews"]["a"]["verdicts"] == ["correct", "unsupported", None, None]
    assert r.intent("first_error", item_id=0, model="a", step=1, kind="correct")["type"] == "refused"
    # the first error's step marked correct: nothing after it is judged, the chain is open again
    r.intent("verdict", item_id=0, model="a", step=1, verdict="correct")
    s = w.steps
    assert not s[(s.item_id == 0) & (s.model == "a")].first_error.any()
    assert not s[(s.item_id == 0) & (s.model == "a")].reviewed.any()
    # the API from code
    w.mark_first_error(0, "a", 0)
    assert verdicts(w) == ["perception error", None, None, None]
    with pytest.raises(ValueError, match="after the first error"):
        w.verdict(0, "a", 2, "correct")


def test_regions_and_corrections():
    w, r = make()
    reply = r.intent("box", item_id=0, model="a", step=0, box=[1, 2, 30.456, 20])
    assert reply["reviews"]["a"]["boxes"][0] == [1.0, 2.0, 30.46, 20.0]
    for box, match in [
        ([1, 2, 61, 20], "not inside the 60×40 image"),
        ([10, 2, 5, 20], "not inside"),
        ([1, 2, 3], "a box is [x0, y0, x1, y1]"),
        ([1, 2, float("nan"), 4], "finite"),
        ([True, 2, 3, 4], "finite"),
        ("1,2,3,4", "a box is"),
    ]:
        n = len(w.store.events())
        reply = r.intent("box", item_id=0, model="a", step=1, box=box)
        assert reply["type"] == "refused" and match in reply["message"], (box, reply)
        assert len(w.store.events()) == n
    reply = r.intent("box", item_id=0, model="a", step=2, box=[1, 1, 5, 5])
    assert reply["type"] == "refused" and "not a perception step" in reply["message"]
    assert r.intent("box", item_id=1, model="a", step=0, box=[1, 1, 5, 5])["type"] == "ack"  # kind unknown: allowed
    r.intent("fix", item_id=0, model="a", step=2, text="  so 2 + 1 = 3 shapes, not 4 ")
    assert r.intent("fix", item_id=0, model="a", step=2, text=5)["type"] == "refused"
    s = w.steps
    a0 = s[(s.item_id == 0) & (s.model == "a")]
    assert a0.box.tolist() == [(1.0, 2.0, 30.46, 20.0), None, None, None]
    assert a0.corrected.tolist() == [None, None, "so 2 + 1 = 3 shapes, not 4", None]
    r.intent("box", item_id=0, model="a", step=0, box=None)
    r.intent("fix", item_id=0, model="a", step=2, text="")
    s = w.steps
    assert s.box.isna().sum() == len(s) - 1 and s.corrected.isna().all()


def test_undo_redo_and_reload(tmp_path):
    store = hw.AnnotationStore(tmp_path / "r.db")
    w, r = make(store)
    r.intent("verdict", item_id=0, model="a", step=0, verdict="correct")
    r.intent("first_error", item_id=0, model="a", step=1)
    r.intent("box", item_id=0, model="a", step=0, box=[0, 0, 10, 10])
    reply = r.intent("undo", item_id=0)
    assert reply["type"] == "ack" and reply["undone"] == "box" and reply["can_redo"] is True
    assert reply["reviews"]["a"]["boxes"][0] is None
    reply = r.intent("undo", item_id=0)
    assert reply["undone"] == "first_error" and reply["reviews"]["a"]["verdicts"] == ["correct", None, None, None]
    reply = r.intent("redo", item_id=0)
    assert reply["reviews"]["a"]["verdicts"] == ["correct", "perception error", None, None]
    assert r.intent("redo", item_id=0)["reviews"]["a"]["boxes"][0] == [0.0, 0.0, 10.0, 10.0]
    assert r.intent("redo", item_id=0)["message"] == "nothing to redo on this item"
    r.intent("undo", item_id=1)
    assert "nothing to undo" in r.sent[-1][0]["message"]
    r.intent("fix", item_id=0, model="b", step=1, text="so one shape")
    before = w.steps
    w2 = ReasoningChainReview(IMAGES, CHAINS, store=hw.AnnotationStore(tmp_path / "r.db"))  # a kernel restart
    pd.testing.assert_frame_equal(w2.steps, before)
    r2 = Recorder(w2)
    assert r2.intent("undo", item_id=0)["reviews"]["b"]["fixes"][1] is None  # undo reaches the old session's edits
    assert r2.intent("sync", item_id=0)["reviews"]["a"]["verdicts"][1] == "perception error"


def test_stale_and_retry():
    w, r = make()
    r.intent("verdict", client="c", seq=5, item_id=0, model="a", step=0, verdict="correct")
    r.intent("verdict", client="c", seq=3, item_id=0, model="a", step=0, verdict="unsupported")
    # not last-wins (each edit carries the whole review): an older seq is still applied in order
    assert r.sent[-1][0]["type"] == "ack"
    n = len(w.store.events())
    r.intent("verdict", client="c", seq=5, item_id=0, model="a", step=0, verdict="correct")  # a retry: the same answer
    assert len(w.store.events()) == n and r.sent[-1][0]["reviews"]["a"]["verdicts"][0] == "correct"


def test_replay_after_a_restart(tmp_path):
    w, r = make(hw.AnnotationStore(tmp_path / "r.db"))
    made = time.time() * 1000
    edits = [{"type": "verdict", "fields": {"item_id": 1, "model": "a", "step": 0, "verdict": "correct"}, "made_at": made},
             {"type": "verdict", "fields": {"item_id": 1, "model": "a", "step": 1, "verdict": "bogus"}, "made_at": made}]
    reply = r.intent("replay", edits=edits)
    assert [x["ok"] for x in reply["results"]] == [True, False] and reply["stored"] == 1
    assert verdicts(w, 1) == ["correct", None]


def test_summary_against_hand_computed_values():
    w, _ = make()
    w.verdict(0, "a", 0, "correct")
    w.verdict(0, "a", 1, "not checkable")
    w.verdict(0, "a", 2, "correct")
    w.verdict(0, "a", 3, "correct")  # a: no error; 3 correct of 3 judged
    w.verdict(1, "a", 0, "perception error")  # a: first error at step 1; 0 of 1
    w.mark_first_error(0, "b", 1)  # b: correct, reasoning error at step 2
    s = w.summary(n_boot=200)
    acc = s[s.measure == "step_accuracy"].set_index("model")
    assert acc.loc["a", "estimate"] == pytest.approx(3 / 4) and acc.loc["a", "n"] == 4
    assert acc.loc["b", "estimate"] == pytest.approx(1 / 2)
    assert acc.loc["a", "low"] <= 0.75 <= acc.loc["a", "high"]
    first = s[(s.model == "a") & (s.measure == "first_error_at")].set_index("value").estimate.to_dict()
    assert first == {"1": 0.5, "none": 0.5}
    kinds = s[(s.model == "b") & (s.measure == "error_kind")].set_index("value").estimate.to_dict()
    assert kinds == {"perception error": 0.0, "reasoning error": 1.0, "unsupported": 0.0}


def test_chain_summary_pools_and_skips_unreviewed():
    df = pd.DataFrame({
        "item_id": [0, 0, 0, 1, 1, 2, 2], "model": "m", "step": [0, 1, 2, 0, 1, 0, 1],
        "verdict": ["correct", "correct", "unsupported", "perception error", None, "correct", None],
        "reviewed": [True, True, True, True, True, False, False],
    })
    s = chain_summary(df, n_boot=0, max_position=2)
    assert s[s.measure == "step_accuracy"].estimate.item() == pytest.approx(2 / 4)
    first = s[s.measure == "first_error_at"].set_index("value").estimate.to_dict()
    assert first == {"1": 0.5, ">2": 0.5, "none": 0.0}
    assert math.isnan(s.low.iloc[0])
    with pytest.raises(ValueError, match="columns"):
        chain_summary(df.drop(columns="reviewed"))


def test_first_error_agreement_hand_computed():
    # chains x 2 annotators: same / 1 apart / both none / one none
    r = first_error_agreement([[1, 1], [2, 3], [None, None], [0, None]], n_boot=0)
    assert (r.n_chains, r.exact, r.within_one) == (4, 0.5, 0.75)
    assert r.exact_ci is None
    # three annotators on one chain: pairs (2,2) (2,4) (2,4): exact 1/3, within one 1/3; [0, 1, NaN]: 0, 1/3
    r = first_error_agreement(np.array([[2, 2, 4], [0, 1, np.nan]], dtype=float), n_boot=0)
    assert r.exact == pytest.approx((1 / 3 + 0) / 2) and r.within_one == pytest.approx((1 / 3 + 1 / 3) / 2)
    r = first_error_agreement([[1, 1], [2, 3], [None, None], [0, None]] * 5, n_boot=300)
    assert r.exact_ci.low <= 0.5 <= r.exact_ci.high and r.within_one_ci.low <= 0.75 <= r.within_one_ci.high
    for bad in ([[1]], [[1, -1]], [[1.5, 1]], [[True, 1]], []):
        with pytest.raises(ValueError):
            first_error_agreement(bad, n_boot=0)


def test_chain_summary_keeps_each_annotators_chain():
    """Several annotators' steps concatenated (as first_error_table takes them): each annotator's
    review of a chain is one chain, never merged with another's."""
    ann = pd.DataFrame({"item_id": 0, "model": "m", "step": [0, 1], "verdict": ["correct", "reasoning error"],
                        "reviewed": True, "annotator": "ann"})
    bob = ann.assign(verdict=["perception error", None], annotator="bob")
    s = chain_summary(pd.concat([ann, bob], ignore_index=True), n_boot=0)
    acc = s[s.measure == "step_accuracy"]
    assert acc.estimate.item() == pytest.approx(1 / 3) and acc.n.item() == 3  # ann 1 of 2, bob 0 of 1
    first = s[s.measure == "first_error_at"].set_index("value")
    assert first.estimate.to_dict() == {"1": 0.5, "2": 0.5, "none": 0.0} and set(first.n) == {2}
    kinds = s[s.measure == "error_kind"].set_index("value").estimate.to_dict()
    assert kinds == {"perception error": 0.5, "reasoning error": 0.5, "unsupported": 0.0}
    # the same from two widgets
    store = hw.AnnotationStore(":memory:")
    w1 = ReasoningChainReview(IMAGES, CHAINS, store=store, annotator="ann")
    w2 = ReasoningChainReview(IMAGES, CHAINS, store=store, annotator="bob")
    w1.mark_first_error(0, "a", 2)
    w2.mark_first_error(0, "a", 0)
    both = chain_summary(pd.concat([w1.steps, w2.steps]), n_boot=0)
    first = both[(both.model == "a") & (both.measure == "first_error_at")].set_index("value")
    assert first.estimate.to_dict() == {"1": 0.5, "3": 0.5, "none": 0.0} and set(first.n) == {2}
    # without the annotator column the two chains cannot be told apart: refused, not merged
    with pytest.raises(ValueError, match=r"steps: row 2 \(label 2\): model 'm', item_id 0 has step 0 twice \(several annotators' steps\? add an annotator column\)"):
        chain_summary(pd.concat([ann, bob], ignore_index=True).drop(columns="annotator"), n_boot=0)
    with pytest.raises(ValueError, match=r"item_id 0, model 'm', annotator 'ann' has step 0 twice \(is the annotator column right\?\)"):
        first_error_table(pd.concat([ann, ann, bob], ignore_index=True))


@pytest.mark.parametrize("column, value, message", [
    ("reviewed", "False", r"steps: row 0 \(label 0\): reviewed 'False' is not a bool"),
    ("reviewed", 2, r"steps: row 0 \(label 0\): reviewed 2 is not a bool"),
    ("reviewed", [True, False], r"steps: row 0 \(label 0\): model 'm', item_id 0 is reviewed on some steps and not others"),
    ("verdict", ["Correct", None], r"steps: row 0 \(label 0\): verdict 'Correct' is not one of"),
    ("step", [0, 1.5], r"steps: row 1 \(label 1\): step 1.5 is not a step index"),
    ("step", [0, np.nan], r"steps: row 1 \(label 1\): step nan is not a step index"),
    ("item_id", [0, None], r"steps: row 1 \(label 1\) has no item_id"),
    ("item_id", [1, "1"], r"item_id '1' \(a str\) in steps and 1 \(an int\) in steps read alike"),
])
def test_chain_summary_and_first_error_table_refuse_bad_steps(column, value, message):
    """"False" is a true string: it used to count the chain as reviewed; an unknown verdict used to be
    quietly "not judged"."""
    df = pd.DataFrame({"item_id": 0, "model": "m", "step": [0, 1], "verdict": ["correct", None], "reviewed": True,
                       "annotator": "ann"}).assign(**{column: value})
    with pytest.raises(ValueError, match=message):
        chain_summary(df.drop(columns="annotator"), n_boot=0)
    with pytest.raises(ValueError, match=message.replace("model 'm', item_id 0", "item_id 0, model 'm', annotator 'ann'")):
        first_error_table(pd.concat([df, df.assign(annotator="bob")], ignore_index=True))


def test_reviewed_may_be_0_or_1():
    """A store or CSV round trip gives reviewed as ints: 1 / 0 read as True / False."""
    df = pd.DataFrame({"item_id": 0, "model": "m", "step": [0, 1], "verdict": ["correct", "reasoning error"], "reviewed": True})
    as_bools = chain_summary(df, n_boot=0)
    pd.testing.assert_frame_equal(chain_summary(df.assign(reviewed=1), n_boot=0), as_bools)


def test_first_error_agreement_reads_every_no_error_marker():
    """None, NaN of any float type and pandas' <NA> all mean "no error"."""
    expected = first_error_agreement([[1, None], [2, 2]], n_boot=0)
    for ratings in (pd.DataFrame({"a": [1, 2], "b": [None, 2]}, dtype="Int64"),
                    np.array([[1, np.nan], [2, 2]], dtype=np.float32),
                    [[1, pd.NA], [2, 2]], [[1, np.float64("nan")], [2, 2]]):
        r = first_error_agreement(ratings, n_boot=0)
        assert (r.n_chains, r.exact, r.within_one) == (expected.n_chains, expected.exact, expected.within_one) == (2, 0.5, 0.5)
    with pytest.raises(ValueError, match=r"chain 1, annotator 0: .* not 1.5"):
        first_error_agreement([[1, 1], [1.5, 1]], n_boot=0)
    with pytest.raises(ValueError, match=r"chain 'c2', annotator 'bob': .* not -1"):
        first_error_agreement(pd.DataFrame({"ann": [1, 1], "bob": [1, -1]}, index=["c1", "c2"]), n_boot=0)
    with pytest.raises(ValueError, match=r"chain 0, annotator 1: .* not inf"):
        first_error_agreement([[1, np.inf]], n_boot=0)


def test_demo_chains_have_known_errors():
    _, scenes = make_scenes(40, seed=3)
    chains, truth = model_chains(scenes, {"good": 0.1, "bad": 0.6}, seed=1)
    assert set(chains.columns) == {"item_id", "model", "question", "steps", "answer"}
    per_chain = truth.groupby(["item_id", "model"]).first_error.first()
    rates = per_chain.notna().groupby(level="model").mean()
    assert rates["good"] < rates["bad"]
    for row in truth[truth.first_error.notna()].itertuples():
        if row.step == row.first_error:
            assert row.verdict == {"perception": "perception error", "reasoning": "reasoning error", "unsupported": "unsupported"}[row.error]
        elif row.step > row.first_error:
            assert row.verdict is None
        else:
            assert row.verdict == "correct"
    assert truth[truth.kind == "perception"].region.notna().all()
    # every kind, on a scene with two single objects (a relation question)
    scene = next(s for s in scenes if s.relation() is not None)
    for err in ("perception", "reasoning", "unsupported"):
        c = reasoning_chain(scene, "relation", err, seed=0)
        assert c.error == err and c.steps[-1]["kind"] == "answer"
    assert reasoning_chain(scene, "relation").first_error is None
    # the widget takes them, and a simulated reviewer's verdicts reproduce the truth
    images, _ = make_scenes(40, seed=3)
    w = ReasoningChainReview(images, chains, store=hw.AnnotationStore(":memory:"))
    for (item, model), fe in per_chain.items():
        if fe is None:
            for n in range(len(truth[(truth.item_id == item) & (truth.model == model)])):
                w.verdict(item, model, n, "correct")
        else:
            kind = truth[(truth.item_id == item) & (truth.model == model) & (truth.step == fe)].verdict.item()
            w.mark_first_error(item, model, int(fe), kind)
    assert w.n_done == 40
    s = w.summary(n_boot=0)
    none = s[(s.measure == "first_error_at") & (s.value == "none")].set_index("model").estimate
    assert none["good"] == pytest.approx(1 - rates["good"]) and none["bad"] == pytest.approx(1 - rates["bad"])
    with pytest.raises(ValueError, match="error must be one of"):
        reasoning_chain(scene, error="typo")


def test_agreement_between_two_annotators_widgets():
    from hitl_widgets.metrics import first_error_table

    store = hw.AnnotationStore(":memory:")
    ann = ReasoningChainReview(IMAGES, CHAINS, store=store, annotator="ann")
    bob = ReasoningChainReview(IMAGES, CHAINS, store=store, annotator="bob")
    ann.mark_first_error(0, "a", 2)
    bob.mark_first_error(0, "a", 1)  # one step apart
    ann.mark_first_error(0, "b", 0)
    bob.mark_first_error(0, "b", 0)  # the same
    for n in range(2):
        ann.verdict(1, "a", n, "correct")  # no error
    bob.mark_first_error(1, "a", 1)  # an error: no agreement
    table = first_error_table(pd.concat([ann.steps, bob.steps]))
    assert table.values.tolist() == [[2, 1], [0, 0], [None, 1]]
    assert list(table.columns) == ["ann", "bob"]
    r = first_error_agreement(table, n_boot=0)
    assert (r.n_chains, r.exact, r.within_one) == (3, pytest.approx(1 / 3), pytest.approx(2 / 3))
    bob.verdict(0, "b", 0, None)  # bob's chain b no longer reviewed: left out
    assert len(first_error_table(pd.concat([ann.steps, bob.steps]))) == 2


def test_chain_summary_bootstraps_items_not_each_annotators_review():
    """Two annotators who agree on every chain add no independent evidence: the CIs are those of
    one annotator's reviews (resampling the reviews one by one narrowed them)."""
    rng = np.random.default_rng(3)
    verdicts = rng.choice(["correct", "correct", "reasoning error", "perception error"], size=(30, 3))
    one = pd.DataFrame({"item_id": np.repeat(np.arange(30), 3), "model": "m", "step": np.tile([0, 1, 2], 30),
                        "verdict": verdicts.ravel(), "reviewed": True, "annotator": "ann"})
    first = one.groupby("item_id")["verdict"].transform(lambda v: (v != "correct").cumsum().shift(fill_value=0) > 0)
    one.loc[first.to_numpy(dtype=bool), "verdict"] = None  # steps after the first error are not judged
    two = pd.concat([one, one.assign(annotator="bob")], ignore_index=True)
    a, b = chain_summary(one, n_boot=300, seed=1), chain_summary(two, n_boot=300, seed=1)
    assert np.allclose(a["estimate"], b["estimate"], equal_nan=True)
    assert np.allclose(a[["low", "high"]], b[["low", "high"]], equal_nan=True)
    accuracy = a[a.measure == "step_accuracy"].iloc[0]
    assert accuracy.low < accuracy.estimate < accuracy.high  # a real interval, not a degenerate one
