"""HallucinationFlagger's kernel side: text shapes, word spans, validated flags / evidence /
verdicts / undo, the flags DataFrame and the per-model, per-category summary."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.hallucination import HallucinationFlagger, normalise_texts, pieces, tokenize

IMAGES = np.zeros((3, 40, 60, 3), np.uint8)  # 60 wide, 40 high
TEXTS = pd.DataFrame(
    {
        "model-a": ["two red circles above a square.", "a blue star", "one green triangle"],
        "model-b": ["a red circle", "two blue stars, left of a cat", None],
    }
)


class Recorder:
    def __init__(self, w):
        self.w, self.sent, self.seq = w, [], 0
        w.send = lambda content, buffers=None: self.sent.append((content, buffers or []))

    def intent(self, type_, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "t", "seq": self.seq, **fields}, [])
        return self.sent[-1][0]


def make(store=None, **kw):
    w = HallucinationFlagger(IMAGES, TEXTS, store=store or hw.AnnotationStore(":memory:"), **kw)
    return w, Recorder(w)


def test_tokenize_and_pieces():
    text = "Two red (round) circles, left-of  a 🙂 square."
    spans = tokenize(text)
    assert [text[s:e] for s, e in spans] == ["Two", "red", "round", "circles", "left-of", "a", "🙂", "square"]
    ps = pieces(text, spans)
    assert "".join(p for p, _ in ps) == text  # nothing lost, nothing added
    assert [p for p, w in ps if w] == ["Two", "red", "round", "circles", "left-of", "a", "🙂", "square"]
    assert tokenize("...") == [(0, 3)]  # punctuation-only runs stay words
    assert tokenize("") == []


def test_text_shapes():
    items = hw.Items(IMAGES)
    models, texts = normalise_texts(TEXTS, items)
    assert models == ["model-a", "model-b"] and texts[2] == {"model-a": "one green triangle"}
    long = pd.DataFrame({"item_id": [0, 2], "model": ["m", "m"], "text": ["x", "y"]})
    assert normalise_texts(long, items) == (["m"], {0: {"m": "x"}, 1: {}, 2: {"m": "y"}})
    assert normalise_texts(["a", "b", "c"], items)[1][1] == {"text": "b"}
    assert normalise_texts({"m1": ["a", "b", "c"]}, items)[0] == ["m1"]
    with pytest.raises(ValueError, match="2 texts for 3 items"):
        normalise_texts(["a", "b"], items)
    with pytest.raises(ValueError, match="must be a str"):
        normalise_texts([1, 2, 3], items)


def test_flag_evidence_verdict_and_dataframes():
    w, rec = make()
    # "two red circles above a square." -> words: two red circles above a square
    reply = rec.intent("flag", item_id=0, model="model-a", token_start=0, token_end=0, category="count")
    assert reply["type"] == "ack"
    count_flag = reply["flag"]
    reply = rec.intent("flag", item_id=0, model="model-a", token_start=1, token_end=2, category="attribute",
                       evidence={"kind": "box", "box": [5, 6, 30, 20.5]})
    assert reply["flag"] > count_flag
    assert [f["category"] for f in reply["flags"]] == ["count", "attribute"]
    # attach evidence to the first flag: a new event that supersedes it
    reply = rec.intent("flag", item_id=0, replaces=count_flag, evidence={"kind": "not_in_image"})
    assert reply["type"] == "ack" and reply["flag"] != count_flag
    rec.intent("flag", item_id=1, model="model-b", token_start=6, token_end=6, category="object",
               evidence={"kind": "not_in_image"})
    rec.intent("verdict", item_id=0, model="model-a", verdict="hallucinated")
    rec.intent("verdict", item_id=0, model="model-b", verdict="faithful")
    rec.intent("verdict", item_id=1, model="model-a", verdict="faithful")
    flags = w.flags
    assert list(flags.columns) == ["item_id", "model", "start", "end", "span", "category", "evidence", "box", "annotator", "event_id"]
    rows = flags[["item_id", "model", "start", "end", "span", "category", "evidence", "box"]].values.tolist()
    assert rows == [
        [0, "model-a", 4, 15, "red circles", "attribute", "box", (5.0, 6.0, 30.0, 20.5)],
        [0, "model-a", 0, 3, "two", "count", "not_in_image", None],
        [1, "model-b", 26, 29, "cat", "object", "not_in_image", None],
    ]
    assert TEXTS.loc[1, "model-b"][26:29] == "cat"
    v = w.verdicts.set_index(["item_id", "model"])
    assert v.loc[(0, "model-a"), "verdict"] == "hallucinated" and v.loc[(0, "model-a"), "n_flags"] == 2
    # summary: model-a reviewed texts 0 (flags) and 1 (faithful) -> any 1/2, count 1/2, attribute 1/2
    # model-b reviewed 0 (faithful) and 1 (flag, no verdict) -> any 1/2, object 1/2
    s = w.summary().set_index(["model", "category"])
    assert s.loc[("model-a", "any"), ["n_reviewed", "n_flagged", "rate"]].tolist() == [2, 1, 0.5]
    assert s.loc[("model-a", "count"), "rate"] == 0.5 and s.loc[("model-a", "relation"), "rate"] == 0.0
    assert s.loc[("model-b", "object"), "rate"] == 0.5 and s.loc[("model-b", "count"), "rate"] == 0.0
    assert w.n_done == 1  # image 0: both texts have a verdict
    kinds = w.store.events("hallucination")["kind"].tolist()
    assert kinds == ["flag", "flag", "flag", "flag", "verdict", "verdict", "verdict"]


def test_unflag_and_undo():
    w, rec = make()
    f = rec.intent("flag", item_id=2, model="model-a", token_start=1, token_end=2, category="attribute")["flag"]
    edited = rec.intent("flag", item_id=2, replaces=f, category="object")
    assert w.flags["category"].tolist() == ["object"]
    undo = rec.intent("undo", item_id=2, event_id=edited["event_id"])  # undo the edit: back to "attribute"
    assert undo["type"] == "ack" and w.flags["category"].tolist() == ["attribute"]
    rem = rec.intent("unflag", item_id=2, flag=f)
    assert rem["type"] == "ack" and w.flags.empty and rem["flags"] == []
    rec.intent("undo", item_id=2, event_id=rem["event_id"])  # undo the removal: the flag is back
    assert w.flags["category"].tolist() == ["attribute"]
    assert rec.intent("undo", item_id=2, event_id=rem["event_id"])["type"] == "refused"  # twice: nothing left


def test_state_survives_a_new_widget(tmp_path):
    w, rec = make(hw.AnnotationStore(tmp_path / "h.db"))
    f = rec.intent("flag", item_id=0, model="model-b", token_start=1, token_end=1, category="attribute")["flag"]
    rec.intent("flag", item_id=0, replaces=f, evidence={"kind": "box", "box": [0, 0, 10, 10]})
    rec.intent("verdict", item_id=0, model="model-b", verdict="hallucinated")
    w2, _ = make(hw.AnnotationStore(tmp_path / "h.db"))
    assert w2.flags[["span", "evidence"]].values.tolist() == [["red", "box"]]
    assert w2.verdicts["verdict"].tolist() == ["hallucinated"]
    info = w2._item_info(0)
    assert info["flags"][0]["t0"] == 1 and info["texts"][1]["verdict"] == "hallucinated"


BAD = [
    ("flag", {"item_id": 0, "model": "model-z", "token_start": 0, "token_end": 0, "category": "count"}, "no text from model"),
    ("flag", {"item_id": 2, "model": "model-b", "token_start": 0, "token_end": 0, "category": "count"}, "no text from model"),
    ("flag", {"item_id": 0, "model": "model-a", "token_start": 3, "token_end": 1, "category": "count"}, "not a span"),
    ("flag", {"item_id": 0, "model": "model-a", "token_start": 0, "token_end": 99, "category": "count"}, "not a span"),
    ("flag", {"item_id": 0, "model": "model-a", "token_start": 0, "token_end": 0, "category": "colour"}, "unknown category"),
    ("flag", {"item_id": 0, "model": "model-a", "token_start": 0, "token_end": 0, "category": "count",
              "evidence": {"kind": "box", "box": [0, 0, 61, 10]}}, "not inside the 60×40 image"),
    ("flag", {"item_id": 0, "model": "model-a", "token_start": 0, "token_end": 0, "category": "count",
              "evidence": {"kind": "box", "box": [5, 5, 5, 9]}}, "not inside"),
    ("flag", {"item_id": 0, "model": "model-a", "token_start": 0, "token_end": 0, "category": "count",
              "evidence": {"kind": "box", "box": [0, 0, "1", 2]}}, "finite numbers"),
    ("flag", {"item_id": 0, "model": "model-a", "token_start": 0, "token_end": 0, "category": "count",
              "evidence": "<script>"}, "evidence must be"),
    ("flag", {"item_id": 0, "replaces": 12345, "category": "count"}, "no current flag"),
    ("verdict", {"item_id": 0, "model": "model-a", "verdict": "great"}, "unknown verdict"),
    ("unflag", {"item_id": 0, "flag": True}, "no current flag"),
    ("undo", {"item_id": 0, "event_id": 1}, "nothing to undo"),
    ("flag", {"item_id": 7, "model": "model-a"}, "unknown item id"),
]


@pytest.mark.parametrize("kind,fields,message", BAD, ids=[b[2] for b in BAD])
def test_bad_intents_are_refused_and_store_nothing(kind, fields, message):
    w, rec = make()
    reply = rec.intent(kind, **fields)
    assert reply["type"] == "refused" and message in reply["message"], reply
    assert w.store.events("hallucination").empty


def test_duplicate_span_is_refused():
    w, rec = make()
    rec.intent("flag", item_id=0, model="model-a", token_start=0, token_end=0, category="count")
    reply = rec.intent("flag", item_id=0, model="model-a", token_start=0, token_end=0, category="object")
    assert reply["type"] == "refused" and "already flagged" in reply["message"]
    assert len(w.flags) == 1


def test_fetch_sends_pieces_and_flags():
    w, rec = make()
    rec.intent("flag", item_id=1, model="model-b", token_start=0, token_end=1, category="count")
    w._dispatch(w, {"type": "fetch", "ids": [1]}, [])
    msg, buffers = rec.sent[-1]
    info = msg["items"][0]
    assert info["kind"] == "image" and buffers[0][:4] == b"\x89PNG"
    assert [t["model"] for t in info["texts"]] == ["model-a", "model-b"]
    assert info["texts"][1]["pieces"][:3] == [["two", 1], [" ", 0], ["blue", 1]]
    assert info["flags"][0]["t1"] == 1 and info["flags"][0]["span"] == "two blue"


def test_summary_nan_when_nothing_reviewed_and_bad_args():
    w, _ = make(categories=["object", "count"])
    s = w.summary()
    assert len(s) == 2 * 3 and math.isnan(s["rate"].iloc[0])
    with pytest.raises(ValueError, match="images"):
        HallucinationFlagger(["a text"], ["x"], store=hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError, match="unique"):
        HallucinationFlagger(IMAGES, TEXTS, store=hw.AnnotationStore(":memory:"), categories=["a", "a"])


def test_flag_and_verdict_from_code():
    w, rec = make()
    text = TEXTS.loc[0, "model-a"]  # "two red circles above a square."
    start = text.index("red circles")
    w.flag(0, "model-a", start, start + len("red circles"), "attribute", {"kind": "box", "box": [1, 1, 5, 5]})
    w.verdict(0, "model-a", "hallucinated")
    assert w.flags[["span", "category", "evidence"]].values.tolist() == [["red circles", "attribute", "box"]]
    assert w.verdicts["verdict"].tolist() == ["hallucinated"] and rec.sent[-1][0] == {"type": "invalidate"}
    with pytest.raises(ValueError, match="word boundaries"):
        w.flag(0, "model-a", start + 1, start + 5, "count")
    with pytest.raises(ValueError, match="unknown category"):
        w.flag(0, "model-a", 0, 3, "colour")
    with pytest.raises(ValueError, match="unknown verdict"):
        w.verdict(0, "model-a", "great")
    assert len(w.store.events("hallucination")) == 2


def test_resumes_at_the_first_image_without_all_verdicts(tmp_path):
    w, rec = make(hw.AnnotationStore(tmp_path / "r.db"))
    rec.intent("verdict", item_id=0, model="model-a", verdict="faithful")
    assert make(hw.AnnotationStore(tmp_path / "r.db"))[0].position == 0  # model-b of image 0 still open
    rec.intent("verdict", item_id=0, model="model-b", verdict="unsure")
    assert make(hw.AnnotationStore(tmp_path / "r.db"))[0].position == 1


def test_per_item_reads_and_n_done_agree_with_the_whole_log(tmp_path):
    """Replies read one item's events (not the whole log per intent); after any mix of flags,
    verdicts and undos they agree with reading every event, and n_done with a full recount."""
    store = hw.AnnotationStore(tmp_path / "h.db")
    w, rec = make(store=store)
    ops = np.random.default_rng(3)
    done_events: list[tuple[int, int]] = []  # (item, event id) still undoable
    for step in range(120):
        item = int(ops.integers(0, 3))
        model = "model-a" if item == 2 else ["model-a", "model-b"][int(ops.integers(0, 2))]
        kind = ops.choice(["verdict", "verdict", "flag", "undo"])
        if kind == "undo" and done_events:
            item, target = done_events.pop(int(ops.integers(0, len(done_events))))
            reply = rec.intent("undo", item_id=item, event_id=target)
            if reply["type"] == "refused":  # a verdict given again since: no longer a current action
                assert "not a current action" in reply["message"] and w._events[target]["kind"] == "verdict"
                continue
        elif kind == "flag":
            reply = rec.intent("flag", item_id=item, model=model, token_start=(t := int(ops.integers(0, 2))), token_end=t, category="count")
        else:
            reply = rec.intent("verdict", item_id=item, model=model, verdict=["faithful", "hallucinated", "unsure"][int(ops.integers(0, 3))])
        if kind == "flag" and reply["type"] == "refused":  # that word is flagged already
            assert "already flagged" in reply["message"]
            continue
        assert reply["type"] == "ack", reply
        if kind != "undo":
            done_events.append((item, reply["event_id"]))
        for i in range(3):
            assert w._live_flags(i) == [(e, ev) for e, ev in w._live_flags() if ev["item_id"] == i]
            assert w._verdicts(i) == {k: v for k, v in w._verdicts().items() if k[0] == i}
        everything = w._verdicts()
        assert w.n_done == sum(all((i, m) in everything for m in w.texts[i]) for i in w.order), step
    again = HallucinationFlagger(IMAGES, TEXTS, store=store)  # the same state read back from the store
    assert again.n_done == w.n_done and again._verdicts() == w._verdicts()
    assert [ev for _, ev in again._live_flags()] == [ev for _, ev in w._live_flags()]


def test_flag_names_an_unknown_model_and_a_reversed_span():
    """flag() with an unknown model, or with start after end, said the span "does not start and end on
    word boundaries"."""
    w = HallucinationFlagger(np.zeros((1, 8, 8), np.uint8), ["two red cats"], store=hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError, match=r"item 0 has no text of model 'gpt' \(its models: \['text'\]\)"):
        w.flag(0, "gpt", 0, 3, "object")
    with pytest.raises(ValueError, match=r"\[8, 4\) is empty or reversed"):
        w.flag(0, "text", 8, 4, "object")
    assert w.flag(0, "text", 4, 12, "object") >= 0
