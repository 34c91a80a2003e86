"""SegmentationCanvas kernel side: binary run deltas are validated and applied, each change is one
store event with the whole state as COCO RLEs, undo/redo, semantic and instance masks."""
from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

import hitl_widgets as hw
from hitl_widgets.metrics.geometry import polygon_to_mask, rle_decode
from hitl_widgets.widgets.segmentation import SegmentationCanvas, label_map_runs

W, H = 30, 20


class Browser:
    def __init__(self, widget):
        self.w, self.seq, self.sent = widget, 0, []
        widget.send = lambda content, buffers=None: self.sent.append((content, buffers))

    def __call__(self, type_, buffers=(), **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "t", "seq": self.seq, **fields}, list(buffers))
        return [c for c, _ in self.sent if c.get("seq") == self.seq][-1]

    def masks_sent(self):
        return [(c, b) for c, b in self.sent if c.get("type") == "mask"]


def runs(*triples) -> bytes:
    return np.array(triples, "<u4").reshape(-1, 3).tobytes()


def test_uint16_runs():
    w, send, _ = make()
    buf = np.array([(1, 2, 3)], "<u2").tobytes()
    assert send("paint", [buf], item_id=0, value=1, erase=False, runs="uint16")["type"] == "ack"
    assert (w.masks[0][1, 2:5] == 1).all() and w.masks[0].sum() == 3
    assert send("paint", [buf], item_id=0, value=1, erase=False, runs="int8")["type"] == "refused"
    assert send("paint", [buf + b"\x00"], item_id=0, value=1, erase=False, runs="uint16")["type"] == "refused"


def make(mode="semantic", proposals=None, store=None):
    store = store or hw.AnnotationStore(":memory:", annotator="a")
    w = SegmentationCanvas(np.zeros((2, H, W, 3), np.uint8), ["sky", "sea"], store=store, task="s", mode=mode, proposals=proposals)
    return w, Browser(w), store


def test_lazy_name_and_paint_runs_into_a_label_map():
    assert hw.SegmentationCanvas is SegmentationCanvas
    w, send, store = make()
    r = send("paint", [runs((2, 3, 5), (3, 3, 5))], item_id=0, value=2, erase=False)
    assert r["type"] == "ack"
    expected = np.zeros((H, W), np.uint8)
    expected[2:4, 3:8] = 2
    assert (w.masks[0] == expected).all()
    send("paint", [runs((2, 4, 2))], item_id=0, value=0, erase=True)
    expected[2, 4:6] = 0
    assert (w.masks[0] == expected).all()
    ev = store.events("s")
    assert list(ev["kind"]) == ["masks", "masks"] and ev["payload"].iloc[-1]["op"] == "erase"
    seg = ev["payload"].iloc[-1]["segments"]
    assert [s["class"] for s in seg] == ["sea"]
    # the stored RLE is COCO's (pycocotools decodes it to the same mask)
    ref = mask_utils.decode({"size": [H, W], "counts": seg[0]["rle"].encode()})
    assert (ref == (expected == 2)).all()
    assert w.n_done == 1 and w.segments[["item", "class", "area"]].values.tolist() == [[0, "sea", 8]]


BAD = [
    ({"value": 1, "erase": False}, [runs((0, 0, 0))], "length 0"),
    ({"value": 1, "erase": False}, [runs((H, 0, 1))], "outside"),
    ({"value": 1, "erase": False}, [runs((0, W - 1, 2))], "outside"),
    ({"value": 1, "erase": False}, [b"\x00" * 7], "triples"),
    ({"value": 1, "erase": False}, [], "exactly one"),
    ({"value": 3, "erase": False}, [runs((0, 0, 1))], "unknown segment"),
    ({"value": True, "erase": False}, [runs((0, 0, 1))], "invalid segment"),
    ({"value": 1, "erase": "yes"}, [runs((0, 0, 1))], "erase"),
]


@pytest.mark.parametrize("fields,buffers,expected", BAD, ids=[e for _, _, e in BAD])
def test_bad_paints_are_refused_and_store_nothing(fields, buffers, expected):
    w, send, store = make()
    r = send("paint", buffers, item_id=0, **fields)
    assert r["type"] == "refused" and expected in r["message"]
    assert store.events("s").empty and w.masks == {}


def test_undo_redo_and_mask_messages_as_binary_runs():
    w, send, store = make()
    heard = []
    w.on_label(heard.append)
    send("paint", [runs((0, 0, 4))], item_id=1, value=1, erase=False)
    send("paint", [runs((1, 0, 4))], item_id=1, value=2, erase=False)
    r = send("undo", item_id=1)
    assert r["type"] == "ack"
    content, buffers = send.masks_sent()[-1]
    assert content["item_id"] == 1 and (content["width"], content["height"]) == (W, H)
    pairs = np.frombuffer(buffers[0], "<u4").reshape(-1, 2)
    assert pairs.tolist() == [[1, 4], [0, W * H - 4]]  # row-major (value, length)
    assert (w.masks[1][1] == 0).all() and (w.masks[1][0, :4] == 1).all()
    send("redo", item_id=1)
    assert (w.masks[1][1, :4] == 2).all()
    assert send("redo", item_id=1)["type"] == "refused"
    assert list(store.events("s")["kind"]) == ["masks", "masks", "undo", "masks"]
    assert w.n_done == 1
    send("paint", [runs((1, 0, 4))], item_id=1, value=2, erase=True)
    send("paint", [runs((0, 0, 4))], item_id=1, value=1, erase=True)  # nothing painted is left
    assert w.n_done == 0
    send("undo", item_id=1)
    assert w.n_done == 1
    # listeners hear every change, the undo included (as BBoxAnnotator's do)
    assert [e["kind"] for e in heard][:4] == ["paint", "paint", "undo", "redo"]
    assert heard[2]["item_id"] == 1 and heard[2]["event_id"] == store.events("s")["event_id"].iloc[2]


def test_fill_holes_and_new_widget_reloads(tmp_path):
    store = hw.AnnotationStore(tmp_path / "m.db", annotator="a")
    w, send, _ = make(store=store)
    ring = np.zeros((H, W), bool)
    ring[2:9, 2:9] = True
    ring[4:7, 4:7] = False
    rows = [(y, x0, 1) for y, x0 in zip(*np.nonzero(ring))]
    send("paint", [runs(*rows)], item_id=0, value=1, erase=False)
    assert send("fill_holes", item_id=0, value=1)["type"] == "ack"
    assert (w.masks[0][2:9, 2:9] == 1).all()
    assert send("fill_holes", item_id=0, value=1)["type"] == "refused"
    w2, _, _ = make(store=hw.AnnotationStore(tmp_path / "m.db", annotator="a"))
    assert (w2.masks[0] == w.masks[0]).all()


def test_instance_mode_and_proposals():
    prop = np.zeros((H, W), bool)
    prop[5:10, 5:15] = True
    w, send, store = make("instance", proposals={0: [{"mask": prop, "class": "sea", "score": 0.8}]})
    (p0,) = [p["id"] for p in w._item_info(0)["proposals"]]  # the id the view gets for the mask
    assert send("paint", [runs((0, 0, 2))], item_id=0, value=1, erase=False)["type"] == "refused"  # no instance yet
    assert send("new_instance", item_id=0, value=1, **{"class": "sky"})["type"] == "ack"
    assert send("new_instance", item_id=0, value=1, **{"class": "sky"})["type"] == "refused"  # taken
    send("paint", [runs((0, 0, 2))], item_id=0, value=1, erase=False)
    assert send("accept", item_id=0, proposal_id=p0)["type"] == "ack"
    (m1, c1), (m2, c2) = w.masks[0]
    assert c1 == "sky" and m1.sum() == 2 and c2 == "sea" and (m2 == prop).all()
    info = SegmentationCanvas(np.zeros((2, H, W, 3), np.uint8), ["sky", "sea"], store=hw.AnnotationStore(":memory:"),
                              mode="instance", proposals={0: [{"mask": prop, "class": "sea", "score": 0.8}]})._item_info(0)
    assert info["proposals"][0]["score"] == 0.8 and (rle_decode(info["proposals"][0]["rle"]) == prop).all()
    assert send("accept", item_id=0, proposal_id="p9")["type"] == "refused"
    assert send("accept", item_id=0, proposal_id=p0)["type"] == "refused"  # accepted already
    assert w._item_info(0)["proposals"] == []  # no longer offered
    send("undo", item_id=0)
    assert [p["id"] for p in w._item_info(0)["proposals"]] == [p0]  # offered again
    assert send.masks_sent()[-1][0]["accepted"] == []
    with pytest.raises(ValueError, match="shape"):
        make(proposals={0: [{"mask": np.zeros((3, 3), bool), "class": "sea"}]})
    with pytest.raises(ValueError, match="mode"):
        make("panoptic")


def test_polygon_runs_from_the_browser_match_polygon_to_mask():
    """The view rasterises a polygon into runs with the pixel-centre rule of polygon_to_mask."""
    poly = [3.2, 2.1, 20.7, 4.0, 15.0, 16.6, 4.4, 12.0]
    m = polygon_to_mask(poly, H, W)
    rows = []
    for y in range(H):
        xs = np.flatnonzero(m[y])
        if xs.size:
            rows.append((y, int(xs[0]), int(xs[-1] - xs[0] + 1)))
    w, send, _ = make()
    send("paint", [runs(*rows)], item_id=0, value=1, erase=False, polygon=poly)
    assert ((w.masks[0] == 1) == m).all()
    assert label_map_runs(np.array([[0, 0, 3], [3, 3, 3]], np.uint16)) == np.array([[0, 2], [3, 4]], "<u4").tobytes()


def test_segments_export_to_coco(tmp_path):
    import contextlib
    import io
    import json

    from pycocotools.coco import COCO

    from hitl_widgets.io import to_coco

    w, send, _ = make()
    send("paint", [runs((2, 3, 5), (3, 3, 5))], item_id=1, value=2, erase=False)
    seg = w.segments
    assert seg[["item", "class", "area", "x", "y", "w", "h"]].values.tolist() == [[1, "sea", 10, 3.0, 2.0, 5.0, 2.0]]
    ds = to_coco(seg.rename(columns={"rle": "segmentation"}), image_sizes={0: (W, H), 1: (W, H)}, classes=["sky", "sea"])
    (tmp_path / "m.json").write_text(json.dumps(ds))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(tmp_path / "m.json"))
    ann = coco.loadAnns(coco.getAnnIds())[0]
    assert ann["area"] == 10 and (coco.annToMask(ann) == (w.masks[1] == 2)).all()
