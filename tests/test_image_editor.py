"""ImageEditor, the kernel side both image editors share: image items only, classes and
display_height traits, image sizes, each item's state rebuilt from the store, undo / redo per item."""
from __future__ import annotations

import numpy as np
import pytest

import hitl_widgets as hw
from hitl_widgets.widgets.bbox import BBoxAnnotator
from hitl_widgets.widgets.image_editor import ImageEditor
from hitl_widgets.widgets.segmentation import SegmentationCanvas

H, W = 20, 30


def intent(widget, type_, seq, **fields):
    sent = []
    widget.send = lambda content, buffers=None: sent.append(content)
    widget._dispatch(widget, {"type": type_, "client": "t", "seq": seq, **fields}, [])
    return [c for c in sent if c.get("seq") == seq][-1]


@pytest.mark.parametrize("cls", [BBoxAnnotator, SegmentationCanvas])
def test_both_editors_share_the_base(cls):
    assert issubclass(cls, ImageEditor)
    assert {"classes", "display_height"} <= set(cls.class_trait_names(sync=True))
    with pytest.raises(ValueError, match=f"^{cls.__name__} needs images, not texts$"):
        cls(["a text", "another"], ["x"], store=hw.AnnotationStore(":memory:"))
    w = cls(np.zeros((2, H, W), np.uint8), ["x", "y"], store=hw.AnnotationStore(":memory:"))
    assert w.image_size(1) == (W, H)
    assert w.display_height == 480


def test_undo_keeps_the_state_for_redo_and_a_new_change_drops_it():
    store = hw.AnnotationStore(":memory:", annotator="a")
    w = BBoxAnnotator(np.zeros((2, H, W), np.uint8), ["x"], store=store, task="t")
    box = {"id": "b1", "x": 1, "y": 2, "w": 3, "h": 4, "class": "x"}
    assert intent(w, "add", 1, item_id=0, boxes=[box])["type"] == "ack"
    assert intent(w, "undo", 2, item_id=0)["type"] == "ack"
    assert w.boxes_of(0) == [] and w._redo[0][-1]["boxes"][0]["id"] == "b1"
    assert intent(w, "undo", 3, item_id=0)["message"] == "nothing to undo on this item"  # shown to the person: no internal id
    assert intent(w, "redo", 4, item_id=0)["type"] == "ack"
    assert [b["id"] for b in w.boxes_of(0)] == ["b1"]
    assert intent(w, "redo", 5, item_id=0)["message"] == "nothing to redo on this item"
    assert intent(w, "undo", 6, item_id=0)["type"] == "ack"
    assert intent(w, "add", 7, item_id=0, boxes=[{**box, "id": "b2"}])["type"] == "ack"
    assert 0 not in w._redo  # a new change drops the redo stack


def test_undo_and_redo_acks_name_the_change():
    store = hw.AnnotationStore(":memory:", annotator="a")
    w = BBoxAnnotator(np.zeros((2, H, W), np.uint8), ["x"], store=store, task="t", proposals={0: [(1, 1, 5, 5, "x", 0.9)]})
    box = {"id": "b1", "x": 1, "y": 2, "w": 3, "h": 4, "class": "x"}
    intent(w, "add", 1, item_id=0, boxes=[box])
    (p0,) = w.proposals["proposal_id"]
    assert intent(w, "accept", 2, item_id=0, proposal_ids=[p0])["type"] == "ack"
    assert intent(w, "undo", 3, item_id=0)["undone"] == "accept"
    assert intent(w, "undo", 4, item_id=0)["undone"] == "add"
    assert intent(w, "redo", 5, item_id=0)["redone"] == "add"  # newest undone first
    assert intent(w, "redo", 6, item_id=0)["redone"] == "accept"
    assert intent(w, "undo", 7, item_id=0)["undone"] == "redo"  # the redo is a change of its own

    seg = SegmentationCanvas(np.zeros((2, H, W), np.uint8), ["x", "y"], store=hw.AnnotationStore(":memory:"), task="s")
    runs = np.array([(1, 2, 4)], "<u4").tobytes()
    seg.send = lambda content, buffers=None: None
    seg._dispatch(seg, {"type": "paint", "client": "t", "seq": 1, "item_id": 0, "value": 1, "erase": False}, [runs])
    seg._dispatch(seg, {"type": "paint", "client": "t", "seq": 2, "item_id": 0, "value": 0, "erase": True}, [runs])
    assert intent(seg, "undo", 3, item_id=0)["undone"] == "erase"
    assert intent(seg, "undo", 4, item_id=0)["undone"] == "paint"
    assert intent(seg, "redo", 5, item_id=0)["redone"] == "paint"
    intent(seg, "fill_holes", 6, item_id=0, value=1)  # refused (no holes): the redo stack stays
    assert intent(seg, "redo", 7, item_id=0)["redone"] == "erase"


@pytest.mark.parametrize("cls", [BBoxAnnotator, SegmentationCanvas])
def test_states_are_rebuilt_from_the_store(cls):
    store = hw.AnnotationStore(":memory:", annotator="a")
    images = np.zeros((3, H, W), np.uint8)
    first = cls(images, ["x", "y"], store=store, task="t")
    if cls is BBoxAnnotator:
        intent(first, "add", 1, item_id=2, boxes=[{"id": "b", "x": 1, "y": 1, "w": 5, "h": 5, "class": "y"}])
    else:
        runs = np.array([(1, 2, 4)], "<u4").tobytes()
        first.send = lambda content, buffers=None: None
        first._dispatch(first, {"type": "paint", "client": "t", "seq": 1, "item_id": 2, "value": 2, "erase": False}, [runs])
    assert set(first._state) == {2}
    again = cls(images, ["x", "y"], store=store, task="t")
    assert set(again._state) == {2} and again.n_done == 1
    other = cls(images, ["x", "y"], store=store, task="another task")
    assert other._state == {} and other.n_done == 0
