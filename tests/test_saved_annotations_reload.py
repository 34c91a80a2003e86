"""Saved annotations keep their meaning when an image editor is reopened: proposal ids come from the
proposal's content (a re-run of the model with one more detection leaves the stored accepts and
rejects on the proposals they named), semantic masks are read by class name (not by the class's
position in ``classes``), and a box from the browser is refused when it would be stored 0 px wide."""
from __future__ import annotations

import numpy as np
import pytest

from hitl_widgets.store import AnnotationStore
from hitl_widgets.widgets.bbox import BOX_ID, BBoxAnnotator
from hitl_widgets.widgets.polygons import PolygonAnnotator
from hitl_widgets.widgets.segmentation import SegmentationCanvas

CAT = (10, 10, 20, 15, "cat", 0.9)
DOG = (40, 20, 10, 10, "dog", 0.8)
BIG = (0, 0, 30, 30, "dog", 0.95)  # the re-run's extra, best-scored detection


class Browser:
    """Sends intents to a widget as its view would; returns the reply to each."""

    def __init__(self, widget):
        self.w, self.seq, self.sent = widget, 0, []
        widget.send = lambda content, buffers=None: self.sent.append(content)

    def __call__(self, type_: str, buffers: tuple = (), **fields) -> dict:
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "c", "seq": self.seq, **fields}, list(buffers))
        return [c for c in self.sent if c.get("seq") == self.seq][-1]


def boxes(db, proposals):
    w = BBoxAnnotator(np.zeros((1, 60, 80), np.uint8), ["cat", "dog"], store=AnnotationStore(db), proposals=proposals)
    return w, Browser(w)


def box_id(w, x: float) -> str:
    """The id of item 0's proposal whose box starts at ``x``."""
    props = w.proposals
    (pid,) = props[(props["item"] == 0) & (props["x"] == x)]["proposal_id"]
    return pid


def test_a_rerun_keeps_stored_box_accepts_and_rejects_on_their_proposals(tmp_path):
    db = str(tmp_path / "s.db")
    w, send = boxes(db, {0: [CAT, DOG]})
    assert send("accept", item_id=0, proposal_ids=[box_id(w, 10.0)])["type"] == "ack"
    assert send("reject", item_id=0, proposal_ids=[box_id(w, 40.0)])["type"] == "ack"
    w2, send2 = boxes(db, {0: [CAT, DOG, BIG]})
    assert list(w2._pending(0, w2._current(0))) == [box_id(w2, 0.0)]  # only the new detection is open
    assert w2.boxes[["x", "class", "proposal_id"]].values.tolist() == [[10.0, "cat", box_id(w2, 10.0)]]
    r = send2("accept", item_id=0, proposal_ids=[box_id(w2, 0.0)])
    assert r["type"] == "ack" and [(b["x"], b["class"], b["source"]) for b in r["boxes"]] == [
        (10.0, "cat", "proposal"), (0.0, "dog", "proposal")]
    assert send2("accept", item_id=0, proposal_ids=[box_id(w2, 40.0)])["type"] == "refused"  # still rejected


def test_default_proposal_ids_follow_content_and_stay_unique(tmp_path):
    db = str(tmp_path / "s.db")
    w, _ = boxes(db, {0: [CAT, DOG]})
    w2, _ = boxes(db, {0: [BIG, (10.0004, 10, 20, 15, "cat", 0.5), DOG]})  # float noise, another score
    assert box_id(w2, 10.0) == box_id(w, 10.0) and box_id(w2, 40.0) == box_id(w, 40.0)
    assert box_id(w2, 0.0) not in {box_id(w, 10.0), box_id(w, 40.0)}
    w3, _ = boxes(db, {0: [(10, 10, 20, 15, "dog", 0.9)]})  # another class: another proposal
    assert box_id(w3, 10.0) != box_id(w, 10.0)
    twins = {0: [(10, 10, 20, 15, "cat", 0.6), {"x": 1, "y": 1, "w": 5, "h": 5, "class": "cat", "id": "mine"},
                 (10, 10, 20, 15, "cat", 0.7)]}
    ids = boxes(db, twins)[0].proposals["proposal_id"].tolist()
    assert ids == boxes(db, twins)[0].proposals["proposal_id"].tolist()  # the same in every run
    assert len(set(ids)) == 3 and "mine" in ids and all(isinstance(i, str) and BOX_ID.match(i) for i in ids)


def test_a_rerun_keeps_a_rejected_polygon_rejected(tmp_path):
    db = str(tmp_path / "s.db")
    img = np.zeros((1, 60, 80), np.uint8)
    a = {"class": "o", "score": 0.9, "polygon": [(10, 10), (30, 10), (30, 30)]}
    b = {"class": "o", "score": 0.95, "polygon": [(50, 10), (70, 10), (70, 30)]}
    w = PolygonAnnotator(img, store=AnnotationStore(db), classes=["o"], proposals={0: [a]})
    w.send = lambda m, buffers=None: None
    w.reject(0, w.proposals_of(0))
    w2 = PolygonAnnotator(img, store=AnnotationStore(db), classes=["o"], proposals={0: [a, b]})
    (open_id,) = w2.proposals_of(0)
    (rings,) = w2.proposals[w2.proposals["polygon_id"] == open_id]["rings"]
    assert rings[0][0] == [50.0, 10.0]  # the new proposal, not the rejected one


def masks(db, proposals):
    img = np.zeros((1, 6, 6, 1), np.uint8)
    w = SegmentationCanvas(img, ["a", "b"], store=AnnotationStore(db), proposals=proposals)
    return w, Browser(w)


def test_a_rerun_keeps_an_accepted_mask_accepted(tmp_path):
    db = str(tmp_path / "s.db")
    left, right = np.zeros((6, 6), bool), np.zeros((6, 6), bool)
    left[:, :2], right[:, 4:] = True, True
    w, send = masks(db, {0: [{"mask": left, "class": "a", "score": 0.9}]})
    assert send("accept", item_id=0, proposal_id=w._proposals[0][0]["id"])["type"] == "ack"
    w2, send2 = masks(db, {0: [{"mask": right, "class": "b", "score": 0.95}, {"mask": left, "class": "a", "score": 0.9}]})
    shown = w2._item_info(0)["proposals"]
    assert [p["class"] for p in shown] == ["b"]  # the accepted mask is not offered again
    assert send2("accept", item_id=0, proposal_id=shown[0]["id"])["type"] == "ack"
    assert sorted(w2.segments[["class", "area"]].values.tolist()) == [["a", 12], ["b", 12]]


def test_semantic_masks_are_read_by_class_name(tmp_path):
    db = str(tmp_path / "s.db")
    imgs = np.zeros((1, 4, 4, 1), np.uint8)
    w = SegmentationCanvas(imgs, ["cat", "dog"], store=AnnotationStore(db))
    w.send = lambda m, buffers=None: None
    w.set_mask(0, [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 2, 2], [0, 0, 2, 2]])
    w2 = SegmentationCanvas(imgs, ["dog", "cat"], store=AnnotationStore(db))
    send = Browser(w2)
    assert w2.masks[0].tolist() == [[2, 2, 0, 0], [2, 2, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]
    assert w2.segments[["value", "class", "area"]].values.tolist() == [[1, "dog", 4], [2, "cat", 4]]
    brush = np.array([0, 3, 1], "<u4").tobytes()  # one pixel, painted with the dog brush (value 1 now)
    assert send("paint", [brush], item_id=0, value=1, runs="uint32")["type"] == "ack"
    assert w2.segments[["class", "area"]].values.tolist() == [["dog", 5], ["cat", 4]]
    with pytest.raises(ValueError, match=r"task 'segmentation': item 0 .*class 'dog'.* not one of"):
        SegmentationCanvas(imgs, ["cat"], store=AnnotationStore(db))


@pytest.mark.parametrize("x", [79.9996, -4.9996])
def test_a_browser_box_under_a_thousandth_of_a_pixel_inside_is_refused(x):
    w = BBoxAnnotator(np.zeros((1, 60, 80), np.uint8), ["cat"], store=AnnotationStore(":memory:"))
    send = Browser(w)
    r = send("add", item_id=0, boxes=[{"id": "b1", "x": x, "y": 10, "w": 5, "h": 5, "class": "cat"}])
    assert r["type"] == "refused" and "box 0" in r["message"] and "0.001 pixels" in r["message"]
    assert w.boxes.empty and w.n_done == 0
    assert send("add", item_id=0, boxes=[{"id": "b1", "x": 10, "y": 10, "w": 5, "h": 5, "class": "cat"}])["type"] == "ack"
    r = send("update", item_id=0, box_id="b1", x=10, y=59.9996, w=5, h=5, **{"class": "cat"})
    assert r["type"] == "refused" and w.boxes["h"].tolist() == [5.0]


# ---------------------------------------------------------------------------------- two widgets on one store
def test_a_change_made_on_a_stale_state_is_refused_and_the_widget_takes_the_stored_one(tmp_path):
    """Each event holds the item's whole state: a second widget (kernel, notebook) on the same store,
    task and annotator used to overwrite the first one's change without a word."""

    db = str(tmp_path / "two.db")
    images = np.zeros((1, 60, 80), np.uint8)

    def opened():
        w = BBoxAnnotator(images, ["cat"], store=AnnotationStore(db, annotator="ann"))
        sent: list = []
        w.send = lambda m, buffers=None: sent.append(m)
        return w, sent

    def add(w, box_id, x, seq=1):
        w._dispatch(w, {"type": "add", "client": box_id, "seq": seq, "item_id": 0,
                        "boxes": [{"id": box_id, "x": x, "y": 1, "w": 5, "h": 5, "class": "cat"}]}, [])

    first, sent_first = opened()
    second, _ = opened()
    add(second, "b2", 1)
    add(first, "b1", 30)  # made on the state before b2
    assert sent_first[-2]["type"] == "invalidate" and sent_first[-1]["type"] == "refused"
    assert "changed elsewhere" in sent_first[-1]["message"]
    assert first.boxes["box_id"].tolist() == ["b2"]  # it took the stored state
    add(first, "b1", 30, seq=2)  # made again, on it
    assert sent_first[-1]["type"] == "ack"
    assert sorted(opened()[0].boxes["box_id"]) == ["b1", "b2"]  # neither change lost
