"""COCO and YOLO export/import: round trips, pycocotools loads the export, COCOeval scores
proposals against it with the values worked out by hand."""
from __future__ import annotations

import contextlib
import io
import json
import os
import stat

import numpy as np
import pandas as pd
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

import hitl_widgets as hw
from hitl_widgets.io import coco_results, from_coco, from_coco_polygons, from_yolo, to_coco, to_yolo
from hitl_widgets.metrics.geometry import rle_decode, rle_encode
from hitl_widgets.widgets.bbox import BBoxAnnotator

SIZES = {0: (100, 80), 1: (100, 80), "c.png": (64, 48)}
GT = pd.DataFrame({
    "item": [0, 0, 1, "c.png"],
    "x": [10.0, 50.0, 5.5, 0.0], "y": [10.0, 20.0, 6.25, 0.0], "w": [20.0, 30.0, 40.0, 64.0], "h": [20.0, 40.0, 10.0, 48.0],
    "class": ["cat", "dog", "cat", "dog"], "source": ["human", "proposal", "adjusted", "human"], "score": [np.nan, 0.8, 0.6, np.nan],
})


def load(dataset: dict, tmp_path) -> COCO:
    path = tmp_path / "coco.json"
    path.write_text(json.dumps(dataset))
    with contextlib.redirect_stdout(io.StringIO()):
        return COCO(str(path))


def evaluate(gt: COCO, results: list[dict]) -> np.ndarray:
    with contextlib.redirect_stdout(io.StringIO()):
        dt = gt.loadRes(results)
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev.stats


def test_export_loads_in_pycocotools_and_round_trips(tmp_path):
    ds = to_coco(GT, image_sizes=SIZES)
    gt = load(ds, tmp_path)
    assert sorted(gt.getImgIds()) == [1, 2, 3]
    assert [c["name"] for c in gt.loadCats(gt.getCatIds())] == ["cat", "dog"]
    anns = gt.loadAnns(gt.getAnnIds(imgIds=[1]))
    assert [a["bbox"] for a in anns] == [[10.0, 10.0, 20.0, 20.0], [50.0, 20.0, 30.0, 40.0]]
    assert [a["area"] for a in anns] == [400.0, 1200.0]
    assert gt.imgs[3]["width"] == 64 and gt.imgs[3]["file_name"] == "c.png"
    back = from_coco(ds)
    pd.testing.assert_frame_equal(back[GT.columns.tolist()], GT, check_dtype=False)
    # and from the JSON file
    (tmp_path / "x.json").write_text(json.dumps(ds))
    assert from_coco(tmp_path / "x.json")["item"].tolist() == [0, 0, 1, "c.png"]


def test_cocoeval_scores_proposals_against_the_export(tmp_path):
    gt = load(to_coco(GT, image_sizes=SIZES), tmp_path)
    perfect = GT.assign(score=0.9)
    stats = evaluate(gt, coco_results(perfect, to_coco(GT, image_sizes=SIZES)))
    assert stats[0] == pytest.approx(1.0)  # AP@[.5:.95]
    # one of the two cats found exactly, the other missed; a false dog at high score
    dets = pd.DataFrame({
        "item": [0, 0, 1, "c.png"], "x": [10.0, 50.0, 60.0, 0.0], "y": [10.0, 20.0, 60.0, 0.0],
        "w": [20.0, 30.0, 10.0, 64.0], "h": [20.0, 40.0, 10.0, 48.0],
        "class": ["cat", "dog", "dog", "dog"], "score": [0.9, 0.8, 0.95, 0.7],
    })
    stats = evaluate(gt, coco_results(dets, to_coco(GT, image_sizes=SIZES)))
    # cat: recall 1/2 at precision 1 -> 101-point AP = 51/101; dog: ranks FP (0.95), TP, TP ->
    # precision envelope 2/3 for every recall point -> 2/3. Mean over the classes, any IoU.
    assert stats[1] == pytest.approx((51 / 101 + 2 / 3) / 2, abs=1e-6)  # AP@.5


def test_to_coco_from_the_widget(tmp_path):
    imgs = np.zeros((2, 40, 60, 3), np.uint8)
    w = BBoxAnnotator(imgs, ["a", "b"], store=hw.AnnotationStore(":memory:"), proposals={1: [(1, 2, 3, 4, "b", 0.7)]})
    w.send = lambda *a, **k: None
    w._dispatch(w, {"type": "add", "client": "c", "seq": 1, "item_id": 0,
                    "boxes": [{"id": "k", "x": 1, "y": 1, "w": 10, "h": 5, "class": "b"}]}, [])
    (p0,) = w.proposals["proposal_id"]  # item 1's one proposal
    w._dispatch(w, {"type": "accept", "client": "c", "seq": 2, "item_id": 1, "proposal_ids": [p0]}, [])
    ds = to_coco(w, path=tmp_path / "w.json")
    gt = load(ds, tmp_path)
    assert [(i["width"], i["height"]) for i in ds["images"]] == [(60, 40), (60, 40)]
    assert [a["category_id"] for a in gt.loadAnns(gt.getAnnIds())] == [2, 2]
    assert [a.get("hitl_source") for a in ds["annotations"]] == ["human", "proposal"]
    assert json.loads((tmp_path / "w.json").read_text())["categories"][0]["name"] == "a"
    res = coco_results(w, ds)
    assert res == [{"image_id": 2, "category_id": 2, "bbox": [1.0, 2.0, 3.0, 4.0], "score": 0.7}]
    assert evaluate(gt, res)[1] == pytest.approx(0.5, abs=0.01)  # one of two boxes found at AP@.5


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_export_has_the_mode_of_a_file_opened_normally_or_of_the_one_it_replaces(tmp_path):
    path = tmp_path / "boxes.json"
    old = os.umask(0o027)
    try:
        to_coco(GT, image_sizes=SIZES, path=path, progress=False)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640  # 0o666 less the umask (mkstemp: 0o600)
        path.chmod(0o604)
        to_coco(GT, image_sizes=SIZES, path=path, progress=False)
        assert stat.S_IMODE(path.stat().st_mode) == 0o604  # a re-export keeps the file's mode
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir()] == ["boxes.json"]  # no temporary file left


def test_masks_export_as_rle_matching_pycocotools(tmp_path):
    m = np.zeros((48, 64), bool)
    m[5:20, 10:30] = True
    m[30:40, 40:45] = True
    df = pd.DataFrame({"item": ["c.png"], "x": [10.0], "y": [5.0], "w": [35.0], "h": [35.0], "class": ["dog"],
                       "segmentation": [rle_encode(m)]})
    ds = to_coco(df, image_sizes={"c.png": (64, 48)})
    gt = load(ds, tmp_path)
    ann = gt.loadAnns(gt.getAnnIds())[0]
    assert ann["area"] == m.sum()
    assert (gt.annToMask(ann) == m).all()
    ref = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    assert ann["segmentation"]["counts"] == ref["counts"].decode()
    assert (rle_decode(from_coco(ds)["segmentation"][0]) == m).all()
    # a polygon segmentation is stored as such, with its rasterised area
    poly = pd.DataFrame({"item": [0], "x": [0.0], "y": [0.0], "w": [4.0], "h": [2.0], "class": ["cat"],
                         "segmentation": [[[0, 0, 4, 0, 4, 2, 0, 2]]]})
    ann = to_coco(poly, image_sizes={0: (10, 10)})["annotations"][0]
    assert ann["segmentation"] == [[0.0, 0.0, 4.0, 0.0, 4.0, 2.0, 0.0, 2.0]] and ann["area"] == 8.0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="image_sizes"):
        to_coco(GT)
    with pytest.raises(ValueError, match="no image size"):
        to_coco(GT, image_sizes={0: (10, 10)})
    with pytest.raises(ValueError, match="lacks columns"):
        to_coco(GT.drop(columns="w"), image_sizes=SIZES)
    with pytest.raises(ValueError, match="not one of"):
        to_coco(GT, image_sizes=SIZES, classes=["cat"])
    with pytest.raises(ValueError, match="positive"):
        to_coco(GT.assign(w=0.0), image_sizes=SIZES)
    with pytest.raises(TypeError):
        to_coco([1, 2, 3])
    ds = to_coco(GT, image_sizes=SIZES)
    with pytest.raises(ValueError, match="not a category"):
        coco_results(GT.assign(**{"class": "cow"}), ds)
    with pytest.raises(ValueError, match="not an image"):
        coco_results(GT.assign(item=99), ds)



def _ap50(dataset: dict, detections: list) -> float:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = json.loads(json.dumps(dataset))
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(detections), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[1])


def test_a_crowd_region_stays_a_crowd_region_through_from_coco_and_to_coco():
    """COCO evaluation ignores a crowd region: read back as an ordinary object it would count as missed."""
    crowd = {"size": [100, 100], "counts": [5050] + [40, 60] * 39 + [40, 1010]}  # a 40x40 square at (50, 50)
    gt = {"images": [{"id": 1, "file_name": "z.jpg", "width": 100, "height": 100}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0},
                          {"id": 2, "image_id": 1, "category_id": 1, "bbox": [50, 50, 40, 40], "area": 1600, "iscrowd": 1,
                           "segmentation": crowd}],
          "categories": [{"id": 1, "name": "person"}]}
    detections = [{"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20], "score": 0.9}]
    df = from_coco(gt)
    assert df["iscrowd"].tolist() == [0, 1]
    back = to_coco(df, image_sizes={"z.jpg": (100, 100)}, progress=False)
    assert [a["iscrowd"] for a in back["annotations"]] == [0, 1]
    assert _ap50(back, detections) == pytest.approx(_ap50(gt, detections)) == pytest.approx(1.0)
    assert hw.io.from_coco_polygons(gt)["iscrowd"].tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"item 'z.jpg': iscrowd must be 0 or 1, not 2"):
        to_coco(df.assign(iscrowd=[0, 2]), image_sizes={"z.jpg": (100, 100)}, progress=False)
    bad = json.loads(json.dumps(gt))
    bad["annotations"][1]["iscrowd"] = "yes"
    with pytest.raises(ValueError, match=r"annotation 2: iscrowd must be 0 or 1"):
        from_coco(bad)
    bad["annotations"][1]["iscrowd"] = True
    with pytest.raises(ValueError, match=r"annotation 2: iscrowd must be 0 or 1"):
        hw.io.from_coco_polygons(bad)
    bad["annotations"][1]["iscrowd"] = None  # JSON null reads as absent: 0
    assert from_coco(bad)["iscrowd"].tolist() == [0, 0]


def test_segmentations_are_checked_against_the_image_and_name_the_item():
    one = pd.DataFrame({"item": ["a"], "x": [1.0], "y": [1.0], "w": [2.0], "h": [2.0], "class": ["cat"]})
    sizes = {"a": (8, 6)}  # width 8, height 6

    def export(segmentation):
        return to_coco(one.assign(segmentation=[segmentation]), image_sizes=sizes, progress=False)

    mask = np.zeros((6, 8), bool)
    mask[1:3, 1:3] = True
    assert export(mask)["annotations"][0]["area"] == 4.0
    with pytest.raises(ValueError, match=r"item 'a': a mask of shape \(8, 6\) for a 8x6 image"):
        export(mask.T.copy())
    with pytest.raises(ValueError, match=r"item 'a': RLE of size \[8, 6\] for a 8x6 image"):
        export(rle_encode(mask.T))
    with pytest.raises(ValueError, match=r"item 'a': not a valid RLE \(RLE counts sum to 10, expected h\*w = 48\)"):
        export({"size": [6, 8], "counts": [3, 7]})
    with pytest.raises(ValueError, match=r"item 'a': a polygon segmentation is a list of polygons"):
        export([1, 1, 3, 1, 3, 3])
    with pytest.raises(ValueError, match=r"item 'a': each polygon needs an even number of finite coordinates"):
        export([[1, 1, 3, 1, 3]])
    with pytest.raises(ValueError, match=r"item 'a': each polygon needs an even number"):
        export([[1, 1, 3, 1]])  # two vertices: no area


def test_classes_keep_their_type_and_classes_alike_as_text_are_refused():
    boxes = pd.DataFrame({"item": [0, 0], "x": [0.0, 10.0], "y": [0.0, 10.0], "w": [5.0, 5.0], "h": [5.0, 5.0],
                          "class": [1, "1"]})
    with pytest.raises(ValueError, match=r"two classes have the same name as text: \['1', '1'\]"):
        to_coco(boxes, image_sizes={0: (20, 20)}, progress=False)
    ints = boxes.assign(**{"class": [3, 7]})
    ds = to_coco(ints, image_sizes={0: (20, 20)}, progress=False)
    assert ds["categories"] == [{"id": 1, "name": "3", "supercategory": "", "hitl_class": 3},
                                {"id": 2, "name": "7", "supercategory": "", "hitl_class": 7}]
    assert from_coco(ds)["class"].tolist() == [3, 7]  # not "3", "7"
    assert [r["category_id"] for r in coco_results(ints.assign(score=0.5), ds)] == [1, 2]
    flags = boxes.assign(**{"class": [True, 1]})  # equal as values, distinct as classes
    ds = to_coco(flags, image_sizes={0: (20, 20)}, classes=[1, True], progress=False)
    assert [a["category_id"] for a in ds["annotations"]] == [2, 1]
    assert from_coco(ds)["class"].map(type).tolist() == [bool, int]
    external = {**ds, "categories": [{"id": 1, "name": "1"}, {"id": 2, "name": "True"}]}  # another tool's file
    assert [r["category_id"] for r in coco_results(flags.assign(score=0.5), external)] == [2, 1]

def test_yolo_round_trip(tmp_path):
    texts = to_yolo(GT, tmp_path / "labels", image_sizes=SIZES, classes=["cat", "dog"])
    assert texts[0] == "0 0.200000 0.250000 0.200000 0.250000\n1 0.650000 0.500000 0.300000 0.500000\n"
    assert texts["c.png"] == "1 0.500000 0.500000 1.000000 1.000000\n"
    assert (tmp_path / "labels" / "classes.txt").read_text() == "cat\ndog\n"
    assert (tmp_path / "labels" / "c.txt").is_file()  # the image's stem, where YOLO tools look
    back = from_yolo(texts, image_sizes=SIZES, classes=["cat", "dog"])
    np.testing.assert_allclose(back[["x", "y", "w", "h"]].to_numpy(), GT[["x", "y", "w", "h"]].to_numpy(), atol=1e-4)
    assert back["class"].tolist() == GT["class"].tolist()
    from_dir = from_yolo(tmp_path / "labels", image_sizes=SIZES)
    assert from_dir["item"].drop_duplicates().tolist() == [0, 1, "c.png"]  # the items of image_sizes, as given
    assert len(from_dir) == 4
    with pytest.raises(ValueError, match="class index"):
        from_yolo({0: "5 0.5 0.5 0.1 0.1"}, image_sizes=SIZES, classes=["cat"])
    with pytest.raises(ValueError, match="5 or 6"):
        from_yolo({0: "0 0.5 0.5"}, image_sizes=SIZES, classes=["cat"])
    with pytest.raises(ValueError, match="classes"):
        from_yolo({0: ""}, image_sizes=SIZES)


def test_two_images_with_one_file_name_are_refused_not_merged():
    """Frames of two videos both named 000001.jpg: their boxes were merged under one item, and a
    model's detections on the first were sent to the second image."""
    ds = {"images": [{"id": 1, "file_name": "000001.jpg", "width": 100, "height": 100},
                     {"id": 2, "file_name": "000001.jpg", "width": 100, "height": 100}],
          "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [0, 0, 10, 10]},
                          {"id": 2, "image_id": 2, "category_id": 3, "bbox": [50, 50, 10, 10]}],
          "categories": [{"id": 3, "name": "car"}]}
    for read in (from_coco, from_coco_polygons):
        with pytest.raises(ValueError, match=r"images 1 and 2 are both the item '000001.jpg'"):
            read(ds)
    by_id = from_coco(ds, by="id")
    assert by_id[["item", "x"]].values.tolist() == [[1, 0.0], [2, 50.0]]
    with pytest.raises(ValueError, match=r"images 1 and 2 are both the item"):
        coco_results(by_id.assign(item="000001.jpg", score=0.9), ds)
    with pytest.raises(ValueError, match=r"two images have the id 1"):
        from_coco({**ds, "images": [ds["images"][0], {**ds["images"][1], "id": 1, "file_name": "b.jpg"}]})


def _ap(ground_truth: dict, detections: list) -> float:
    import copy

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt = COCO()
    gt.dataset = copy.deepcopy(ground_truth)
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        ev = COCOeval(gt, gt.loadRes(copy.deepcopy(detections)), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[0])


def test_to_coco_like_keeps_the_category_and_image_ids_of_the_dataset_read():
    """from_coco -> to_coco renumbered the ids (categories 1, 3, 18 became 1, 2, 3 in name order, images
    by item order), so detections written against the original file scored AP 0.0 against the export."""
    from hitl_widgets.io import from_coco, to_coco

    gt = {"images": [{"id": 1, "file_name": "b.png", "width": 100, "height": 100},
                     {"id": 2, "file_name": "a.png", "width": 100, "height": 100}],
          "annotations": [{"id": 1, "image_id": 2, "category_id": 1, "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0},
                          {"id": 2, "image_id": 2, "category_id": 3, "bbox": [50, 50, 20, 20], "area": 400, "iscrowd": 0},
                          {"id": 3, "image_id": 1, "category_id": 18, "bbox": [5, 5, 30, 30], "area": 900, "iscrowd": 0}],
          "categories": [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}, {"id": 18, "name": "dog"}]}
    detections = [{"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"], "score": 0.9}
                  for a in gt["annotations"]]
    df = from_coco(gt)
    sizes = {r.item: (r.image_width, r.image_height) for r in df.itertuples()}
    assert _ap(to_coco(df, image_sizes=sizes, progress=False), detections) < 0.5  # renumbered, as documented
    out = to_coco(df, image_sizes=sizes, progress=False, like=gt)
    assert sorted((c["id"], c["name"]) for c in out["categories"]) == [(1, "person"), (3, "car"), (18, "dog")]
    assert sorted((i["id"], i["file_name"]) for i in out["images"]) == [(1, "b.png"), (2, "a.png")]
    assert _ap(out, detections) == pytest.approx(1.0)
    # a class and an image the dataset lacks get ids after its largest
    more = pd.concat([df, pd.DataFrame([{"item": "c.png", "x": 1.0, "y": 1.0, "w": 5.0, "h": 5.0, "class": "cat"}])])
    out = to_coco(more, image_sizes={**sizes, "c.png": (50, 50)}, progress=False, like=gt)
    assert {c["name"]: c["id"] for c in out["categories"]}["cat"] == 19
    assert {i["file_name"]: i["id"] for i in out["images"]}["c.png"] == 3


def test_rings_kept_beside_an_edited_segmentation_do_not_override_it():
    """hitl_rings (the exact vertices written beside a polygon's mask) were read before the
    segmentation: a tool that filled the hole and kept the key had its edit dropped."""
    from hitl_widgets.io import from_coco_polygons, to_coco

    outer = [[2.3, 2.1], [30.7, 2.1], [30.7, 25.9], [2.3, 25.9]]
    hole = [[10.5, 8.5], [20.2, 8.5], [20.2, 18.4], [10.5, 18.4]]
    ds = to_coco(pd.DataFrame({"item": [0], "class": ["a"], "rings": [[outer, hole]]}), image_sizes={0: (40, 30)}, progress=False)
    assert from_coco_polygons(ds)["n_holes"].tolist() == [1]  # untouched: the exact rings
    filled = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects([sum(outer, [])], 30, 40)))
    rle = mask_utils.encode(np.asfortranarray(filled))
    ds["annotations"][0]["segmentation"] = {"size": rle["size"], "counts": rle["counts"].decode()}
    back = from_coco_polygons(ds)
    assert back["n_holes"].tolist() == [0]


def test_to_coco_of_a_widget_can_leave_out_the_images_nobody_reviewed(caplog):
    """Every item became an image, so one nobody opened went out as an image with no object, exactly
    like one reviewed as empty; now a warning counts them and images='reviewed' leaves them out."""
    w = BBoxAnnotator(np.zeros((3, 20, 30), np.uint8), ["cat"], store=hw.AnnotationStore(":memory:"))
    w.set_boxes(0, [(1, 1, 5, 5, "cat")])
    w.set_boxes(1, [])  # reviewed: no object
    with caplog.at_level("WARNING", logger="hitl_widgets"):
        everything = to_coco(w, progress=False)
    assert [i["hitl_item"] for i in everything["images"]] == [0, 1, 2]
    assert "1 of 3 images were never reviewed" in caplog.text
    reviewed = to_coco(w, images="reviewed", progress=False)
    assert [i["hitl_item"] for i in reviewed["images"]] == [0, 1] and len(reviewed["annotations"]) == 1
    with pytest.raises(ValueError, match="images='reviewed' needs a widget"):
        to_coco(w.boxes, image_sizes={0: (30, 20)}, images="reviewed", progress=False)
    with pytest.raises(ValueError, match="images must be 'all' or 'reviewed'"):
        to_coco(w, images="some", progress=False)
