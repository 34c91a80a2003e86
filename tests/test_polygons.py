"""PolygonAnnotator kernel side: a polygon travels and is stored as vertices (outer ring + holes),
every intent is validated, each change is one store event with the item's whole polygon list,
undo / redo, proposals (polygons or masks traced to polygons), masks and COCO export checked
against pycocotools and skimage."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.io import from_coco, from_coco_polygons, to_coco
from hitl_widgets.metrics.geometry import mask_to_rings, polygon_to_mask, ring_area, rings_to_mask, rle_decode, rle_encode
from hitl_widgets.widgets.polygons import MAX_VERTICES, POLYGON_COLUMNS, PolygonAnnotator, polygon_area

W, H = 80, 60
SQUARE = [[10, 10], [50, 10], [50, 40], [10, 40]]
HOLE = [[20, 20], [30, 20], [30, 30], [20, 30]]


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
    w = PolygonAnnotator(images, store=store, task="t", classes=["cat", "dog"], proposals=proposals, **kw)
    return w, Recorder(w), store


def put(send, pid, rings, cls="cat", edit="draw", item=0):
    return send("put", item_id=item, polygon={"id": pid, "class": cls, "rings": rings}, edit=edit)


def test_public_name_and_columns():
    assert hw.PolygonAnnotator is PolygonAnnotator
    w, _, _ = make()
    assert list(w.polygons.columns) == POLYGON_COLUMNS and w.polygons.empty


def test_draw_edit_hole_reclass_delete_each_one_event_as_vertices():
    w, send, store = make()
    r = put(send, "g1", [SQUARE])
    assert r["type"] == "ack" and r["polygons"][0]["rings"] == [[[10.0, 10.0], [50.0, 10.0], [50.0, 40.0], [10.0, 40.0]]]
    moved = [[10, 10], [55.5, 12.25], [50, 40], [10, 40]]
    assert put(send, "g1", [moved], edit="move_vertex")["type"] == "ack"
    inserted = [[10, 10], [30, 5], [55.5, 12.25], [50, 40], [10, 40]]
    assert put(send, "g1", [inserted], edit="insert_vertex")["type"] == "ack"
    r = put(send, "g1", [inserted, HOLE], cls="dog", edit="hole")
    assert r["type"] == "ack"
    ev = store.events("t")
    assert list(ev["kind"]) == ["polygons"] * 4
    assert [e["op"] for e in ev["payload"]] == ["draw", "move_vertex", "insert_vertex", "hole"]
    stored = ev["payload"].iloc[-1]["polygons"][0]
    assert stored["rings"] == [[[float(x), float(y)] for x, y in inserted], [[float(x), float(y)] for x, y in HOLE]]
    df = w.polygons
    row = df.iloc[0]
    assert (row["item"], row["polygon_id"], row["class"], row["n_vertices"], row["n_holes"], row["source"]) == (0, "g1", "dog", 9, 1, "human")
    assert row["area"] == pytest.approx(ring_area(inserted) - 100)
    assert math.isnan(row["score"])
    assert send("delete", item_id=0, polygon_ids=["g1"])["polygons"] == []
    assert w.polygons.empty and w.n_done == 0


def test_undo_redo_and_reload_from_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    w, send, store = make(store=hw.AnnotationStore(url, annotator="ann"))
    put(send, "g1", [SQUARE])
    put(send, "g1", [[[10, 10], [60, 10], [50, 40], [10, 40]]], edit="move_vertex")
    r = send("undo", item_id=0)
    assert r["type"] == "ack" and r["undone"] == "move_vertex" and r["polygons"][0]["rings"][0][1] == [50.0, 10.0]
    r = send("redo", item_id=0)
    assert r["redone"] == "move_vertex" and r["polygons"][0]["rings"][0][1] == [60.0, 10.0]
    again = PolygonAnnotator(np.zeros((3, H, W, 3), np.uint8), store=hw.AnnotationStore(url, annotator="ann"), task="t", classes=["cat", "dog"])
    assert again.polygons_of(0) == w.polygons_of(0)
    assert again.polygons["rings"].iloc[0][0][1] == [60.0, 10.0]


def test_a_whole_polygon_moved_is_one_put_of_its_vertices_and_one_undo():
    w, send, store = make()
    put(send, "g1", [SQUARE, HOLE])
    moved = [[[x + 5.5, y - 3] for x, y in r] for r in (SQUARE, HOLE)]
    r = put(send, "g1", moved, edit="move")
    assert r["type"] == "ack" and r["polygons"][0]["rings"] == moved
    assert [e["op"] for e in store.events("t")["payload"]] == ["draw", "move"]
    r = send("undo", item_id=0)
    assert r["undone"] == "move" and r["polygons"][0]["rings"] == [[[float(x), float(y)] for x, y in ring] for ring in (SQUARE, HOLE)]


def test_clamping_rule_and_rounding():
    w, send, _ = make()
    r = put(send, "g1", [[[-5, -5], [90.12345, 3], [40, 70]]])
    assert r["polygons"][0]["rings"][0] == [[0.0, 0.0], [80.0, 3.0], [40.0, 60.0]]
    # consecutive duplicates merge; a closing repeat of the first vertex is dropped
    r = put(send, "g2", [[[1, 1], [1, 1], [20, 1], [20, 20], [1, 1]]])
    assert r["polygons"][1]["rings"][0] == [[1.0, 1.0], [20.0, 1.0], [20.0, 20.0]]


BAD = [
    ({"polygon": {"id": "g", "class": "cat", "rings": [[[0, 0], [5, 0]]]}}, "at least 3"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [[[0, 0], [5, 0], [10, 0]]]}}, "no area"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [[[100, 0], [120, 0], [130, 10]]]}}, "at least 3"),  # all clamped to x=80
    ({"polygon": {"id": "g", "class": "cat", "rings": [[[0, math.nan], [5, 0], [5, 5]]]}}, "finite"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [[[0, "1"], [5, 0], [5, 5]]]}}, "must be a number"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [[[0, True], [5, 0], [5, 5]]]}}, "must be a number"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [[[0, 1, 2], [5, 0], [5, 5]]]}}, "must be [x, y]"),
    ({"polygon": {"id": "g", "class": "cat", "rings": []}}, "rings must be a list"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [SQUARE] * 65}}, "rings must be a list"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [[[k % 7, k // 7] for k in range(MAX_VERTICES + 1)]]}}, "at most"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [SQUARE, [[0, 0], [5, 0], [5, 5]]]}}, "outside the outer ring"),
    ({"polygon": {"id": "g", "class": "cow", "rings": [SQUARE]}}, "unknown class"),
    ({"polygon": {"id": "<b>", "class": "cat", "rings": [SQUARE]}}, "invalid polygon id"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [SQUARE]}, "edit": "explode"}, "edit must be one of"),
    ({"polygon": {"id": "g", "class": "cat", "rings": [SQUARE]}, "edit": "move_vertex"}, "unknown polygon id"),
    ({"polygon": "g"}, "polygon object"),
]


@pytest.mark.parametrize("fields,needle", BAD)
def test_bad_put_is_refused_and_stores_nothing(fields, needle):
    w, send, store = make()
    r = send("put", item_id=0, **({"edit": "draw"} | fields))
    assert r["type"] == "refused" and needle in r["message"], r
    assert store.events("t").empty and w.polygons.empty


def test_put_that_changes_nothing_and_other_refusals():
    w, send, store = make()
    put(send, "g1", [SQUARE])
    assert "changes nothing" in put(send, "g1", [SQUARE], edit="move_vertex")["message"]
    assert "unknown polygon id" in send("delete", item_id=0, polygon_ids=["nope"])["message"]
    assert "nothing to redo" in send("redo", item_id=0)["message"]
    assert "no open proposal" in send("accept", item_id=0, proposal_ids=["p0"])["message"]
    assert len(store.events("t")) == 1


def test_proposals_polygons_and_masks_accept_reject_adjust():
    mask = np.zeros((H, W), bool)
    mask[5:25, 50:75] = True
    mask[10:15, 58:66] = False  # a hole
    props = {0: [{"class": "dog", "score": 0.4, "polygon": [10, 10, 30, 10, 30, 30]},
                 {"class": "cat", "score": 0.9, "mask": mask}]}
    w, send, store = make(proposals=props, tolerance=0.0)
    pr = w.proposals
    assert pr["class"].tolist() == ["cat", "dog"] and pr["n_holes"].tolist() == [1, 0]
    p0, p1 = pr["polygon_id"].tolist()  # the cat's id (traced from the mask), the dog's
    assert p0 != p1
    # the traced polygon gives the mask back exactly (no simplification)
    np.testing.assert_array_equal(rings_to_mask(pr["rings"].iloc[0], H, W), mask)
    r = send("accept", item_id=0, proposal_ids=[p0])
    assert r["polygons"][0]["source"] == "proposal" and r["polygons"][0]["score"] == 0.9
    np.testing.assert_array_equal(w.masks(0)[p0], mask)
    # an open proposal edited before accepting is "adjusted"
    r = put(send, p1, [[[10, 10], [35, 10], [30, 30]]], cls="dog", edit="move_vertex")
    assert r["type"] == "ack" and r["polygons"][1]["source"] == "adjusted" and r["polygons"][1]["score"] == 0.4
    assert "no open proposal" in send("reject", item_id=0, proposal_ids=[p1])["message"]
    send("undo", item_id=0)
    assert send("reject", item_id=0, proposal_ids=[p1])["rejected"] == [p1]
    assert w.polygons["polygon_id"].tolist() == [p0]
    # editing an accepted proposal keeps its proposal and score
    ring = pr["rings"].iloc[0][0]
    r = put(send, p0, [[*ring[:-1]], *pr["rings"].iloc[0][1:]], edit="delete_vertex")
    assert r["polygons"][0]["source"] == "adjusted" and r["polygons"][0]["proposal"] == p0


def test_proposals_dataframe_and_bad_proposals():
    df = pd.DataFrame({"item": [1], "class": ["cat"], "score": [0.5], "rings": [[SQUARE, HOLE]]})
    w, _, _ = make(proposals=df)
    assert w.proposals["n_holes"].tolist() == [1]
    with pytest.raises(ValueError, match="item 0 proposal 0.*not one of"):
        make(proposals={0: [{"class": "cow", "polygon": SQUARE}]})
    with pytest.raises(ValueError, match="mask of shape"):
        make(proposals={0: [{"class": "cat", "mask": np.ones((3, 3), bool)}]})
    with pytest.raises(ValueError, match="unknown item"):
        make(proposals={9: [{"class": "cat", "polygon": SQUARE}]})


THREE = {0: [{"class": "dog", "score": 0.4, "polygon": [10, 10, 30, 10, 30, 30]},
             {"class": "cat", "score": 0.9, "rings": [SQUARE, HOLE]},
             {"class": "cat", "polygon": [[60, 40], [70, 40], [70, 50]]}]}  # unscored: first


def test_accept_reject_delete_from_code_go_through_the_intent_handlers():
    w, send, store = make(proposals=THREE)
    assert w.proposals["score"].fillna(-1).tolist() == [-1, 0.9, 0.4]
    p0, p1, p2 = w.proposals["polygon_id"].tolist()  # best first: the unscored cat, the cat (0.9), the dog (0.4)
    ev = w.accept(0, p1)
    # the same path as the view's intent: an ack to the view (client "python"), then a refetch
    assert send.sent[-2]["type"] == "ack" and send.sent[-2]["client"] == "python" and send.sent[-2]["event_id"] == ev
    assert send.sent[-1] == {"type": "invalidate"}
    (row,) = w.polygons.to_dict("records")
    assert (row["polygon_id"], row["class"], row["source"], row["score"], row["proposal_id"], row["n_holes"]) == (p1, "cat", "proposal", 0.9, p1, 1)
    assert row["rings"] == [[[float(x), float(y)] for x, y in r] for r in (SQUARE, HOLE)]
    assert w.reject(0, [p2, p0]) > ev
    assert w.polygons_of(0)[0]["id"] == p1 and store.events("t")["payload"].iloc[-1]["rejected"] == [p2, p0]
    assert [e["op"] for e in store.events("t")["payload"]] == ["accept", "reject"]
    # the view's undo takes back the code's change, one event at a time
    r = send("undo", item_id=0)
    assert r["undone"] == "reject" and r["rejected"] == []
    # refusals name the proposal and the item, and store nothing
    n = len(store.events("t"))
    with pytest.raises(ValueError, match=rf"no open proposal '{p1}' on item 0 \(already accepted\)"):
        w.reject(0, p1)
    with pytest.raises(ValueError, match=r"no open proposal 'p9' on item 0$"):
        w.accept(0, [p0, "p9"])
    with pytest.raises(ValueError, match="an id appears twice"):
        w.accept(0, [p0, p0])
    with pytest.raises(ValueError, match="unknown item"):
        w.accept(7, p0)
    with pytest.raises(ValueError, match="invalid polygon id"):
        w.reject(0, ["<b>"])
    assert len(store.events("t")) == n and w.polygons["polygon_id"].tolist() == [p1]
    # delete from code: the polygon goes, and its proposal is open again (as in the view)
    w.delete(0, p1)
    assert w.polygons.empty and w.proposals_of(0) == [p0, p1, p2]  # the reject was undone above
    assert w.accept_all(0) and w.polygons["polygon_id"].tolist() == [p0, p1, p2]
    with pytest.raises(ValueError, match="unknown polygon id"):
        w.delete(0, [p1, "g7"])


def test_accept_all_above_a_score():
    w, send, store = make(proposals={**THREE, 1: [{"class": "dog", "score": 0.2, "polygon": SQUARE}]})
    props = w.proposals
    assert props[props["item"] == 0]["score"].fillna(-1).tolist() == [-1, 0.9, 0.4]
    p0, p1, p2 = props[props["item"] == 0]["polygon_id"]  # best first: the unscored cat, the cat (0.9), the dog (0.4)
    with pytest.raises(ValueError, match="min_score must be"):
        w.accept_all(0, math.nan)
    w.accept_all(0, min_score=0.4)  # 0.9 and 0.4 (at the threshold); the unscored one stays open
    assert w.polygons["polygon_id"].tolist() == [p1, p2] and len(store.events("t")) == 1
    with pytest.raises(ValueError, match=r"item 1: no open proposal scored at least 0.5"):
        w.accept_all(1, min_score=0.5)
    assert w.accept_all(0) and w.polygons["polygon_id"].tolist() == [p1, p2, p0]
    with pytest.raises(ValueError, match=r"item 0: no open proposal$"):
        w.accept_all(0)
    assert [e["op"] for e in store.events("t")["payload"]] == ["accept", "accept"]


def test_set_polygons_checks_everything_or_stores_nothing():
    w, _, store = make()
    w.set_polygons(2, [{"class": "cat", "polygon": np.array(SQUARE)}, {"class": "dog", "rings": [SQUARE, HOLE]}])
    assert w.polygons["n_holes"].tolist() == [0, 1]
    with pytest.raises(ValueError, match="item 1: polygon 1 outer ring needs at least 3"):
        w.set_polygons(1, [{"class": "cat", "polygon": SQUARE}, {"class": "cat", "polygon": [[0, 0], [1, 1]]}])
    assert len(store.events("t")) == 1


def test_masks_match_skimage_and_pycocotools():
    from pycocotools import mask as cmask
    from skimage.draw import polygon as sk_polygon

    w, send, _ = make()
    # integer vertices: COCO's pixel-centre rule equals skimage's (shifted half a pixel)
    put(send, "g1", [SQUARE, HOLE])
    got = w.masks(0)["g1"]
    ref = np.zeros((H, W), bool)
    sq, hole = np.array(SQUARE, float), np.array(HOLE, float)
    rr, cc = sk_polygon(sq[:, 1] - 0.5, sq[:, 0] - 0.5, (H, W))
    ref[rr, cc] = True
    rr, cc = sk_polygon(hole[:, 1] - 0.5, hole[:, 0] - 0.5, (H, W))
    ref[rr, cc] = False
    np.testing.assert_array_equal(got, ref)
    assert got.sum() == 40 * 30 - 100
    # any vertices: equal to pycocotools' rasterisation of each ring
    rng = np.random.default_rng(3)
    for _ in range(20):
        c = rng.uniform(20, 40, 2)
        ang = np.sort(rng.uniform(0, 2 * np.pi, 7))
        outer = np.column_stack([c[0] + 18 * np.cos(ang), c[1] + 18 * np.sin(ang)])
        inner = np.column_stack([c[0] + 4 * np.cos(ang), c[1] + 4 * np.sin(ang)])
        rings = [outer.round(3).tolist(), inner.round(3).tolist()]
        mine = rings_to_mask(rings, H, W)
        o = cmask.decode(cmask.frPyObjects([outer.round(3).ravel().tolist()], H, W))[..., 0].astype(bool)
        i = cmask.decode(cmask.frPyObjects([inner.round(3).ravel().tolist()], H, W))[..., 0].astype(bool)
        np.testing.assert_array_equal(mine, o & ~i)


def test_coco_export_read_by_pycocotools(tmp_path):
    from pycocotools.coco import COCO

    w, send, _ = make(proposals={1: [{"class": "dog", "score": 0.8, "polygon": [[5.5, 5.25], [30.75, 8], [20, 33.5]]}]})
    put(send, "g1", [SQUARE, HOLE])  # with a hole: RLE
    put(send, "g2", [[[55, 5], [75.5, 5], [70, 25.25], [60, 20]]], cls="dog")  # no hole: a polygon
    (p0,) = w.proposals["polygon_id"]  # the dog's (item 1's one proposal)
    send("accept", item_id=1, proposal_ids=[p0])
    path = tmp_path / "poly.json"
    ds = to_coco(w, path=str(path), progress=False)
    anns = {a["hitl_polygon_id"]: a for a in ds["annotations"]}
    assert anns["g2"]["segmentation"] == [[55.0, 5.0, 75.5, 5.0, 70.0, 25.25, 60.0, 20.0]]
    assert anns["g2"]["bbox"] == [55.0, 5.0, 20.5, 20.25]
    assert isinstance(anns["g1"]["segmentation"], dict) and anns["g1"]["hitl_rings"][1] == [[float(x), float(y)] for x, y in HOLE]
    assert anns[p0]["hitl_source"] == "proposal" and anns[p0]["score"] == 0.8
    coco = COCO(str(path))
    image_of = {img["id"]: img["hitl_item"] for img in coco.dataset["images"]}
    for ann in coco.dataset["annotations"]:
        item = image_of[ann["image_id"]]
        expected = w.masks(item)[ann["hitl_polygon_id"]]
        np.testing.assert_array_equal(coco.annToMask(ann).astype(bool), expected)
        assert ann["area"] == expected.sum()
    back = from_coco(json.loads(path.read_text()))
    assert sorted(back["class"]) == ["cat", "dog", "dog"]


def test_coco_export_of_a_polygons_dataframe():
    df = pd.DataFrame({"item": ["a"], "class": ["cat"], "rings": [[SQUARE]], "polygon_id": ["x"]})
    ds = to_coco(df, image_sizes={"a": (W, H)}, progress=False)
    assert ds["annotations"][0]["segmentation"] == [np.array(SQUARE, float).ravel().tolist()]
    assert ds["annotations"][0]["area"] == float(polygon_to_mask(np.array(SQUARE).ravel(), H, W).sum())


def _annotated(tmp_path):
    w, send, _ = make(proposals={1: [{"class": "dog", "score": 0.8, "polygon": [[5.5, 5.25], [30.75, 8], [20, 33.5]]}]})
    put(send, "g1", [SQUARE, HOLE, [[35, 15], [45, 15], [40, 35]]])  # two holes: RLE + hitl_rings
    put(send, "g2", [[[55, 5], [75.5, 5], [70, 25.25], [60, 20]]], cls="dog")  # no hole: a COCO polygon
    (p0,) = w.proposals["polygon_id"]  # the dog's (item 1's one proposal)
    assert send("accept", item_id=1, proposal_ids=[p0])["type"] == "ack"
    path = tmp_path / "poly.json"
    to_coco(w, path=str(path), progress=False)
    return w, path


def test_coco_import_gives_the_exported_rings_back(tmp_path):
    w, path = _annotated(tmp_path)
    back = from_coco_polygons(str(path))  # from the JSON file
    mine = w.polygons
    cols = ["item", "polygon_id", "class", "rings", "n_vertices", "n_holes", "source"]
    assert back[cols].values.tolist() == mine[cols].values.tolist()
    assert back["score"].fillna(-1).tolist() == mine["score"].fillna(-1).tolist() == [-1, -1, 0.8]
    assert back["image_width"].tolist() == [W] * 3 and back["image_height"].tolist() == [H] * 3
    # ... as proposals of a new annotator: the same rings, to accept
    w2, _, _ = make(proposals=back)
    got = {(p["item"], tuple(map(str, p["rings"]))) for p in w2.proposals.to_dict("records")}
    assert got == {(p["item"], tuple(map(str, p["rings"]))) for p in mine.to_dict("records")}
    for item in (0, 1):
        w2.accept_all(item)
    assert sorted(map(str, w2.polygons["rings"])) == sorted(map(str, mine["rings"]))
    # ... or as a person's polygons, item by item (their ids kept; score, source, ... are not a person's)
    w3, _, _ = make()
    with pytest.raises(ValueError, match=r"item 0: set_polygons takes a DataFrame with the columns class, rings, polygon, "
                                         r"id, polygon_id .*drop the other columns \['item', 'n_vertices'"):
        w3.set_polygons(0, back[back["item"] == 0])
    for item, rows in back.groupby("item"):
        w3.set_polygons(item, rows[["polygon_id", "class", "rings"]])
    assert sorted(map(str, w3.polygons["rings"])) == sorted(map(str, mine["rings"]))
    assert sorted(w3.polygons["polygon_id"]) == sorted(mine["polygon_id"]) and set(w3.polygons["source"]) == {"human"}
    # by file name or image id
    ds = json.loads(path.read_text())
    assert from_coco_polygons(ds, by="file_name")["item"].tolist() == ["0", "0", "1"]
    assert from_coco_polygons(ds, by="id")["item"].tolist() == [1, 1, 2]


def test_coco_import_of_an_rle_without_hitl_rings_traces_the_mask(tmp_path):
    _, path = _annotated(tmp_path)
    ds = json.loads(path.read_text())
    (holed,) = [a for a in ds["annotations"] if "hitl_rings" in a]
    del holed["hitl_rings"]
    back = from_coco_polygons(ds)
    (row,) = back[back["polygon_id"] == "g1"].to_dict("records")
    assert row["n_holes"] == 2
    mask = rle_decode(holed["segmentation"])
    from pycocotools import mask as mask_utils

    np.testing.assert_array_equal(mask_utils.decode({**holed["segmentation"], "counts": holed["segmentation"]["counts"].encode()}).astype(bool), mask)
    np.testing.assert_array_equal(rings_to_mask(row["rings"], H, W), mask)  # rasterised: the mask exactly
    # the traced rings are valid PolygonAnnotator proposals, whose masks are the mask
    w2, _, _ = make(proposals=back)
    w2.accept_all(0)
    (pid,) = [p["id"] for p in w2.polygons_of(0) if p["rings"] == row["rings"]]  # the rings unchanged by its checks
    np.testing.assert_array_equal(w2.masks(0)[pid], mask)


@pytest.mark.parametrize("seed", range(6))
def test_coco_import_of_noisy_rle_masks_pieces_and_holes(seed):
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    h, w = 23 + seed, 31
    mask = ndimage.gaussian_filter(rng.random((h, w)), 1.2) > 0.5 if seed % 2 else rng.random((h, w)) > 0.5
    mask[0, :3] = True  # on the border
    counts = rle_encode(mask)  # uncompressed counts, as iscrowd annotations have them
    ds = {"images": [{"id": 9, "file_name": "n.png", "width": w, "height": h}],
          "annotations": [{"id": 4, "image_id": 9, "category_id": 1, "iscrowd": 1, "segmentation": counts, "bbox": [0, 0, 1, 1]}],
          "categories": [{"id": 1, "name": "cat"}]}
    back = from_coco_polygons(ds)
    assert len(back) == ndimage.label(mask)[1]  # one polygon per 4-connected piece
    assert back["polygon_id"].iloc[0] == "coco4" and back["polygon_id"].iloc[1] == "coco4-1"
    union = np.zeros_like(mask)
    for rings in back["rings"]:
        union |= rings_to_mask(rings, h, w)
    np.testing.assert_array_equal(union, mask)


def test_coco_import_polygon_parts_boxes_and_errors(tmp_path):
    ds = {"images": [{"id": 1, "file_name": "a.png", "width": W, "height": H}],
          "annotations": [
              {"id": 7, "image_id": 1, "category_id": 2, "score": 0.25, "segmentation": [[0, 0, 10, 0, 10, 10], [20, 20, 30, 20, 30, 30, 20, 30]]},
              {"id": 8, "image_id": 1, "category_id": 2, "bbox": [1, 2, 3, 4]},
          ],
          "categories": [{"id": 2, "name": "dog"}]}
    back = from_coco_polygons(ds)
    assert back[["item", "polygon_id", "class", "n_vertices", "source"]].values.tolist() == [
        ["a.png", "coco7", "dog", 3, "coco"], ["a.png", "coco7-1", "dog", 4, "coco"], ["a.png", "coco8", "dog", 4, "coco"]]
    assert back["rings"].iloc[2] == [[[1.0, 2.0], [4.0, 2.0], [4.0, 6.0], [1.0, 6.0]]]
    assert back["score"].fillna(-1).tolist() == [0.25, 0.25, -1]
    bad = json.loads(json.dumps(ds))
    bad["annotations"][0]["image_id"] = 5
    with pytest.raises(ValueError, match="annotation 7 names unknown image 5"):
        from_coco_polygons(bad)
    bad = json.loads(json.dumps(ds))
    bad["annotations"][1]["category_id"] = 3
    with pytest.raises(ValueError, match="annotation 8 names unknown category 3"):
        from_coco_polygons(bad)
    bad = json.loads(json.dumps(ds))
    bad["annotations"][0]["segmentation"] = [[0, 0, 10, 0]]
    with pytest.raises(ValueError, match="annotation 7: every ring needs at least 3"):
        from_coco_polygons(bad)
    bad = json.loads(json.dumps(ds))
    bad["annotations"][0]["segmentation"] = rle_encode(np.ones((4, 4), bool))
    with pytest.raises(ValueError, match=r"annotation 7: RLE of size \[4, 4\] for a 80x60 image"):
        from_coco_polygons(bad)
    with pytest.raises(ValueError, match="by must be"):
        from_coco_polygons(ds, by="name")
    (tmp_path / "list.json").write_text("[]")
    with pytest.raises(ValueError, match="not a COCO dataset"):
        from_coco_polygons(tmp_path / "list.json")


def test_mask_to_rings_round_trip_and_instances():
    m = np.zeros((30, 40), bool)
    m[2:20, 2:20] = True
    m[6:10, 6:10] = False
    m[12:15, 12:15] = False
    m[25:28, 30:38] = True
    pieces = mask_to_rings(m)
    assert sorted(len(p) for p in pieces) == [1, 3]
    back = np.zeros_like(m)
    for p in pieces:
        back |= rings_to_mask(p, 30, 40)
    np.testing.assert_array_equal(back, m)
    assert polygon_area([SQUARE, HOLE]) == 1100.0


def test_static_card_draws_polygons():
    w, send, _ = make()
    put(send, "g1", [SQUARE])
    card = w._static_card()
    assert ("polygons", "1 on 1 items") in card.rows
    picture = w._static_picture(0)
    assert picture[:2] == b"\xff\xd8"  # a JPEG with the outline drawn
    blank = PolygonAnnotator(np.zeros((1, H, W, 3), np.uint8), store=hw.AnnotationStore(":memory:"))._static_picture(0)
    assert picture != blank


def test_hole_containment_rule_and_its_cost():
    import time

    from hitl_widgets.widgets.polygons import check_rings

    # a hole vertex on the outer ring's edge or vertex is inside; just past it is not
    assert len(check_rings([SQUARE, [[10, 20], [30, 10], [30, 30]]], W, H)) == 2
    with pytest.raises(Exception, match="hole 1 vertex 2 .* outside"):
        check_rings([SQUARE, [[20, 20], [30, 20], [50.01, 30]]], W, H)
    # a concave outer ring: a hole in its notch is refused
    ell = [[0, 0], [40, 0], [40, 10], [10, 10], [10, 40], [0, 40]]
    with pytest.raises(Exception, match="outside the outer ring"):
        check_rings([ell, [[20, 20], [30, 20], [30, 30]]], W, H)
    # the largest rings a message can carry are checked quickly (vectorised)
    ang = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    outer = np.column_stack([40 + 29 * np.cos(ang), 30 + 29 * np.sin(ang)]).round(3).tolist()
    hole = np.column_stack([40 + 10 * np.cos(ang), 30 + 10 * np.sin(ang)]).round(3).tolist()
    t0 = time.perf_counter()
    assert len(check_rings([outer, hole], W, H)[1]) == 4000
    assert time.perf_counter() - t0 < 5.0


def _inside_one_by_one(point, ring):
    """The containment rule, one point at a time in plain Python (the reference): inside by the even-odd
    rule (a rightward ray; a level edge never crossed), or within 1e-6 px of an edge."""
    x, y = point
    crossings = 0
    for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1]):
        if (ay > y) != (by > y) and x < ax + (y - ay) * ((bx - ax) / (by - ay)):
            crossings += 1
    if crossings % 2:
        return True
    for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1]):
        dx, dy = bx - ax, by - ay
        seg = dx * dx + dy * dy
        t = min(1.0, max(0.0, ((x - ax) * dx + (y - ay) * dy) / (seg if seg > 0 else 1.0)))
        if math.hypot(ax + t * dx - x, ay + t * dy - y) <= 1e-6:
            return True
    return False


def _grid_rings():
    """Rings whose vertices lie on an integer grid (level and upright edges, rays through vertices,
    collinear vertices): an L, a comb, a diamond, and random star-shaped rings."""
    rings = [[[0, 0], [40, 0], [40, 10], [10, 10], [10, 40], [0, 40]],
             [[0, 0], [60, 0], [60, 40], [50, 40], [50, 10], [40, 10], [40, 40], [20, 40], [20, 10], [10, 10],
              [10, 40], [0, 40]],
             [[20, 0], [30, 10], [40, 20], [30, 30], [20, 40], [10, 30], [0, 20], [10, 10]]]
    rng = np.random.default_rng(0)
    for n in (5, 12, 40):
        ang = np.sort(rng.uniform(0, 2 * np.pi, n))
        radius = rng.integers(4, 20, n)
        ring = np.rint(np.column_stack([30 + radius * np.cos(ang), 30 + radius * np.sin(ang)])).tolist()
        rings.append([v for k, v in enumerate(ring) if v != ring[k - 1]])
    return rings


def test_hole_points_are_tested_all_at_once_as_one_by_one():
    from hitl_widgets.widgets.polygons import _inside

    grid = [[x / 2, y / 2] for x in range(-2, 125) for y in range(-2, 125)]  # vertices, edges, rays through vertices
    for ring in _grid_rings():
        edges = list(zip(ring, ring[1:] + ring[:1]))
        mids = [[(ax + bx) / 2, (ay + by) / 2] for (ax, ay), (bx, by) in edges]
        off = [[mx + s * 0.5e-6, my + s * 0.5e-6] for mx, my in mids for s in (-1, 1)]  # within 1e-6: on the edge
        off += [[mx + s * 3e-6, my + s * 3e-6] for mx, my in mids for s in (-1, 1)]  # beyond: by the rule
        points = grid + ring + mids + off
        expected = [_inside_one_by_one(p, ring) for p in points]
        assert _inside(points, ring).tolist() == expected
        assert any(expected) and not all(expected)


def test_the_first_hole_edge_across_a_notch_is_the_one_named():
    from hitl_widgets.widgets.polygons import check_rings

    comb = _grid_rings()[1]  # two notches, x 10-20 and 40-50
    hole = [[20, 40], [30, 8], [40, 40], [50, 40], [55, 5], [5, 5], [10, 40]]  # edges 2 and 6 cross the notches
    # as one at a time: the edges at each touching vertex in order, vertex 0's edge 6 before vertex 2's edge 2
    with pytest.raises(Exception, match=r"polygon hole 1 edge 6 \(10, 40\) to \(20, 40\) runs outside the outer ring"):
        check_rings([comb, hole], W, H)
    with pytest.raises(Exception, match=r"polygon hole 1 edge 1 \(40, 40\) to \(50, 40\) runs outside the outer ring"):
        check_rings([comb, hole[1:] + hole[:1]], W, H)
    assert len(check_rings([comb, [[20, 40], [30, 8], [40, 40], [30, 39]]], W, H)) == 2  # touching, inside


@pytest.mark.parametrize("proposals, message", [
    ([{"class": "cat", "polygon": [(1, 1), (5, 1), (5, 5)]}],
     r"proposals must be a DataFrame \(item, class, score, rings \| mask\) or a dict \{item_id: \[polygons\]\}"),
    ({7: [{"class": "cat", "polygon": [(1, 1), (5, 1), (5, 5)]}]}, "proposal for unknown item id 7"),
    ({0: {"class": "cat"}}, "item 0: proposals must be a list of polygons"),
])
def test_bad_proposal_containers_are_refused_naming_the_item(proposals, message):
    with pytest.raises(ValueError, match=message):
        PolygonAnnotator(np.zeros((2, 20, 20), np.uint8), store=hw.AnnotationStore(":memory:"), classes=["cat"], proposals=proposals)


def test_a_crowd_region_proposal_is_refused_not_turned_into_an_instance():
    """from_coco_polygons reads iscrowd; PolygonAnnotator ignored the column, so an accepted crowd
    region (an area COCO evaluation ignores) was exported with iscrowd 0: an instance to detect."""
    from pycocotools import mask as mask_utils

    m = np.zeros((20, 30), bool)
    m[2:8, 20:26] = True
    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    ds = {"images": [{"id": 1, "file_name": "a.png", "width": 30, "height": 20}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [2, 2, 6, 6], "iscrowd": 0, "area": 36,
                           "segmentation": [[2, 2, 8, 2, 8, 8, 2, 8]]},
                          {"id": 2, "image_id": 1, "category_id": 3, "bbox": [20, 2, 6, 6], "iscrowd": 1, "area": 36,
                           "segmentation": {"size": rle["size"], "counts": rle["counts"].decode()}}],
          "categories": [{"id": 3, "name": "person"}]}
    proposals = from_coco_polygons(ds).assign(item=0)
    images = np.zeros((1, 20, 30), np.uint8)
    with pytest.raises(ValueError, match=r"item 0 proposal 1 \(DataFrame row 1\): a crowd region \(iscrowd=1\) is not an instance"):
        PolygonAnnotator(images, store=hw.AnnotationStore(":memory:"), classes=["person"], proposals=proposals)
    w = PolygonAnnotator(images, store=hw.AnnotationStore(":memory:"), classes=["person"],
                         proposals=proposals[proposals.iscrowd == 0])
    assert len(w.proposals) == 1
