"""BBoxAnnotator kernel side: intents are validated, each change is one store event holding the
item's whole box list, undo = store.undo, redo re-records, w.boxes is a DataFrame."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import traitlets

import hitl_widgets as hw
from hitl_widgets.widgets.bbox import BOX_COLUMNS, BBoxAnnotator

W, H = 80, 60


class Recorder:
    """Plays the browser: sends intents with (client, seq), collects the kernel's answers."""

    def __init__(self, widget):
        self.w = widget
        self.seq = 0
        self.sent: list[dict] = []
        widget.send = lambda content, buffers=None: self.sent.append(content)

    def __call__(self, type_: str, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "test", "seq": self.seq, **fields}, [])
        return self.sent[-1]


def make(proposals=None, store=None, **kw):
    images = np.zeros((3, H, W, 3), np.uint8)
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    w = BBoxAnnotator(images, ["cat", "dog"], store=store, task="t", proposals=proposals, **kw)
    return w, Recorder(w), store


PROPS = {0: [(10, 10, 20, 15, "cat", 0.9), {"x": 40, "y": 5, "w": 10, "h": 10, "class": "dog", "score": 0.3}]}


def test_lazy_public_name():
    assert hw.BBoxAnnotator is BBoxAnnotator


def test_add_update_delete_are_one_event_each_with_whole_list():
    w, send, store = make()
    r = send("add", item_id=0, boxes=[{"id": "a", "x": 1, "y": 2, "w": 10, "h": 5, "class": "cat"}])
    assert r["type"] == "ack" and [b["id"] for b in r["boxes"]] == ["a"]
    send("add", item_id=0, boxes=[{"id": "b", "x": 20, "y": 20, "w": 5.5, "h": 5, "class": "dog"}])
    r = send("update", item_id=0, box_id="a", x=3, y=4, w=10, h=5, **{"class": "dog"})
    assert r["type"] == "ack"
    ev = store.events("t")
    assert list(ev["kind"]) == ["boxes"] * 3
    assert [b["id"] for b in ev["payload"].iloc[-1]["boxes"]] == ["a", "b"]  # the whole list each time
    df = w.boxes
    assert list(df.columns) == BOX_COLUMNS
    assert df[["item", "x", "y", "w", "h", "class", "source"]].values.tolist() == [
        [0, 3.0, 4.0, 10.0, 5.0, "dog", "human"], [0, 20.0, 20.0, 5.5, 5.0, "dog", "human"]]
    assert df["score"].isna().all()
    send("delete", item_id=0, box_ids=["b"])
    assert w.boxes["box_id"].tolist() == ["a"]
    assert w.n_done == 1


def test_out_of_image_is_clamped_and_fully_outside_refused():
    w, send, store = make()
    r = send("add", item_id=1, boxes=[{"id": "a", "x": -5, "y": 50, "w": 20, "h": 30, "class": "cat"}])
    assert r["type"] == "ack"
    assert {k: r["boxes"][0][k] for k in "xywh"} == {"x": 0, "y": 50, "w": 15, "h": 10}
    r = send("add", item_id=1, boxes=[{"id": "b", "x": 100, "y": 5, "w": 20, "h": 3, "class": "cat"}])
    assert r["type"] == "refused" and "outside" in r["message"]
    assert len(store.events("t")) == 1


#: in BAD, replaced in the test by the id of item 0's best proposal, looked up in ``w.proposals`` (a
#: default id is a hash of the proposal's class and box, not its position)
BEST = "<the id of item 0's best proposal>"


def with_ids(value, best: str):
    """``value`` with every ``BEST`` (also inside lists and dicts) replaced by ``best``."""
    if isinstance(value, str) and value == BEST:
        return best
    if isinstance(value, list):
        return [with_ids(v, best) for v in value]
    if isinstance(value, dict):
        return {k: with_ids(v, best) for k, v in value.items()}
    return value


BAD = [
    ("add", {"item_id": 0, "boxes": [{"id": "a", "x": math.nan, "y": 0, "w": 1, "h": 1, "class": "cat"}]}, "finite"),
    ("add", {"item_id": 0, "boxes": [{"id": "a", "x": "1", "y": 0, "w": 1, "h": 1, "class": "cat"}]}, "number"),
    ("add", {"item_id": 0, "boxes": [{"id": "a", "x": True, "y": 0, "w": 1, "h": 1, "class": "cat"}]}, "number"),
    ("add", {"item_id": 0, "boxes": [{"id": "a", "x": 1, "y": 0, "w": 0, "h": 1, "class": "cat"}]}, "positive"),
    ("add", {"item_id": 0, "boxes": [{"id": "a", "x": 1, "y": 0, "w": -3, "h": 1, "class": "cat"}]}, "positive"),
    ("add", {"item_id": 0, "boxes": [{"id": "a", "x": 1, "y": 0, "w": 2, "h": 1, "class": "cow"}]}, "unknown class"),
    ("add", {"item_id": 0, "boxes": [{"id": "<img>", "x": 1, "y": 0, "w": 2, "h": 1, "class": "cat"}]}, "invalid box id"),
    ("add", {"item_id": 0, "boxes": [{"id": BEST, "x": 1, "y": 0, "w": 2, "h": 1, "class": "cat"}]}, "already used"),
    ("add", {"item_id": 0, "boxes": []}, "list of 1"),
    ("add", {"item_id": 0, "boxes": "x"}, "list of 1"),
    ("add", {"item_id": 99, "boxes": [{"id": "a", "x": 1, "y": 0, "w": 2, "h": 1, "class": "cat"}]}, "unknown item id"),
    ("update", {"item_id": 0, "box_id": "zz", "x": 1, "y": 1, "w": 1, "h": 1, "class": "cat"}, "unknown box id"),
    ("delete", {"item_id": 0, "box_ids": ["zz"]}, "unknown box id"),
    ("accept", {"item_id": 0, "proposal_ids": ["p9"]}, "no open proposal"),
    ("accept", {"item_id": 1, "proposal_ids": [BEST]}, "no open proposal"),  # item 0's, not item 1's
    ("reject", {"item_id": 0, "proposal_ids": [BEST, BEST]}, "twice"),
    ("adjust", {"item_id": 0, "proposal_id": BEST, "x": 1, "y": 1, "w": math.inf, "h": 1, "class": "cat"}, "finite"),
    ("undo", {"item_id": 0}, "nothing to undo"),
    ("redo", {"item_id": 0}, "nothing to redo"),
    ("paint", {"item_id": 0}, "unknown command"),
]


@pytest.mark.parametrize("kind,fields,expected", BAD, ids=[f"{k}-{e}-{n}" for n, (k, _, e) in enumerate(BAD)])
def test_bad_intents_are_refused_and_store_nothing(kind, fields, expected):
    w, send, store = make(PROPS)
    best = w.proposals["proposal_id"].iloc[0]
    assert w.proposals["score"].iloc[0] == 0.9 and best != BEST
    r = send(kind, **with_ids(fields, best))
    assert r["type"] == "refused"
    assert expected in r["message"]
    assert store.events("t").empty
    assert w.refused and w.boxes.empty


def test_update_that_changes_nothing_is_refused():
    w, send, store = make()
    send("add", item_id=0, boxes=[{"id": "a", "x": 1, "y": 2, "w": 10, "h": 5, "class": "cat"}])
    r = send("update", item_id=0, box_id="a", x=1, y=2, w=10, h=5, **{"class": "cat"})
    assert r["type"] == "refused" and len(store.events("t")) == 1


def test_proposals_accept_reject_adjust():
    w, send, store = make(PROPS)
    props = w.proposals
    assert props[["x", "class", "score"]].values.tolist() == [[10.0, "cat", 0.9], [40.0, "dog", 0.3]]  # best first
    p0, p1 = props["proposal_id"].tolist()  # the cat's id, the dog's
    assert p0 != p1
    r = send("accept", item_id=0, proposal_ids=[p0])
    assert r["boxes"][0] == {"id": p0, "x": 10.0, "y": 10.0, "w": 20.0, "h": 15.0, "class": "cat",
                             "source": "proposal", "score": 0.9, "proposal": p0}
    assert send("accept", item_id=0, proposal_ids=[p0])["type"] == "refused"  # not open any more
    # moving an accepted proposal makes it "adjusted", remembering proposal and score
    send("update", item_id=0, box_id=p0, x=11, y=10, w=20, h=15, **{"class": "cat"})
    r = send("reject", item_id=0, proposal_ids=[p1])
    assert r["rejected"] == [p1]
    assert send("adjust", item_id=0, proposal_id=p1, x=1, y=1, w=2, h=2, **{"class": "dog"})["type"] == "refused"
    df = w.boxes
    assert df[["box_id", "source", "score", "proposal_id", "x"]].values.tolist() == [[p0, "adjusted", 0.9, p0, 11.0]]


def test_adjust_a_proposal_directly():
    w, send, store = make(PROPS)
    props = w.proposals
    (p1,) = props[props["class"] == "dog"]["proposal_id"]  # the second best: the dog at x = 40
    r = send("adjust", item_id=0, proposal_id=p1, x=38, y=4, w=12, h=12, **{"class": "cat"})
    assert r["type"] == "ack"
    b = w.boxes.iloc[0]
    assert (b["box_id"], b["source"], b["score"], b["proposal_id"], b["class"], b["w"]) == (p1, "adjusted", 0.3, p1, "cat", 12.0)


def test_undo_redo_through_the_store():
    w, send, store = make()
    send("add", item_id=2, boxes=[{"id": "a", "x": 1, "y": 1, "w": 5, "h": 5, "class": "cat"}])
    send("add", item_id=2, boxes=[{"id": "b", "x": 10, "y": 1, "w": 5, "h": 5, "class": "dog"}])
    r = send("undo", item_id=2)
    assert r["type"] == "ack" and [b["id"] for b in r["boxes"]] == ["a"] and r["can_redo"]
    r = send("undo", item_id=2)
    assert r["boxes"] == [] and w.boxes.empty and w.n_done == 0
    assert send("redo", item_id=2)["boxes"][0]["id"] == "a"
    assert [b["id"] for b in send("redo", item_id=2)["boxes"]] == ["a", "b"]
    assert send("redo", item_id=2)["type"] == "refused"
    ev = store.events("t")
    assert list(ev["kind"]) == ["boxes", "boxes", "undo", "undo", "boxes", "boxes"]
    # a new change clears the redo stack
    send("undo", item_id=2)
    send("delete", item_id=2, box_ids=["a"])
    assert send("redo", item_id=2)["type"] == "refused"


def test_boxes_survive_a_new_widget_on_the_same_store(tmp_path):
    store = hw.AnnotationStore(tmp_path / "b.db", annotator="ann")
    w, send, _ = make(store=store)
    send("add", item_id=1, boxes=[{"id": "a", "x": 1, "y": 1, "w": 5, "h": 5, "class": "cat"}])
    w2, send2, _ = make(store=hw.AnnotationStore(tmp_path / "b.db", annotator="ann"))
    assert w2.boxes["box_id"].tolist() == ["a"] and w2.n_done == 1
    assert w2._item_info(1)["boxes"][0]["id"] == "a"
    assert send2("undo", item_id=1)["boxes"] == []


def test_retry_is_answered_once():
    w, send, store = make()
    content = {"type": "add", "client": "c", "seq": 1, "item_id": 0,
               "boxes": [{"id": "a", "x": 1, "y": 1, "w": 5, "h": 5, "class": "cat"}]}
    w._dispatch(w, content, [])
    w._dispatch(w, dict(content), [])
    assert len(store.events("t")) == 1
    assert send.sent[-1]["type"] == "ack" and send.sent[-2] == send.sent[-1]


def test_proposals_input_validation_and_dataframe():
    df = pd.DataFrame({"item": [0, 0, 1], "x": [1, 2, 3], "y": [1, 2, 3], "w": [4, 4, 4], "h": [4, 4, 4],
                       "class": ["cat", "dog", "cat"], "score": [0.2, 0.8, 0.5]})
    w, send, _ = make(df)
    p = w.proposals
    assert p[p["item"] == 0]["score"].tolist() == [0.8, 0.2]  # best first
    # an empty score cell is no score (from_coco writes NaN for an unscored box): shown whatever the threshold
    w, send, _ = make(df.assign(score=[0.2, 0.8, np.nan]))
    assert w.proposals.set_index("item")["score"].isna().tolist() == [False, False, True]
    w, send, _ = make(df.drop(columns="score"))
    assert w.proposals["score"].isna().all()
    with pytest.raises(ValueError, match="unknown item"):
        make({7: [(1, 1, 2, 2, "cat", 0.5)]})
    with pytest.raises(ValueError, match="not one of"):
        make({0: [(1, 1, 2, 2, "cow", 0.5)]})
    with pytest.raises(ValueError, match="positive"):
        make({0: [(1, 1, 0, 2, "cat", 0.5)]})
    with pytest.raises(ValueError, match="columns"):
        make(pd.DataFrame({"item": [0]}))


def test_threshold_outside_0_1_is_refused_not_clamped():
    # changed deliberately: a threshold of 3 was clamped to 1.0 (and 1.5 in the constructor too); scores
    # are probabilities, so a threshold outside [0, 1] is a mistake: refused, as TemporalSegmenter does
    w, _, _ = make(threshold=0.7)
    assert w.threshold == 0.7
    with pytest.raises(traitlets.TraitError, match=r"threshold must be a number in \[0, 1\], not 3"):
        w.threshold = 3
    assert w.threshold == 0.7
    w.threshold = 1
    assert w.threshold == 1.0 and w._item_info(0)["proposals"] == []


@pytest.mark.parametrize("proposals, message", [
    ([(1, 1, 5, 5, "cat")], r"proposals must be a DataFrame \(item, x, y, w, h, class, score\) or a dict \{item_id: \[boxes\]\}"),
    ({7: [(1, 1, 5, 5, "cat")]}, "proposal for unknown item id 7"),
    ({0: "1 1 5 5 cat"}, "item 0: proposals must be a list of boxes"),
])
def test_bad_proposal_containers_are_refused_naming_the_item(proposals, message):
    with pytest.raises(ValueError, match=message):
        BBoxAnnotator(np.zeros((2, H, W), np.uint8), ["cat"], store=hw.AnnotationStore(":memory:"), proposals=proposals)
