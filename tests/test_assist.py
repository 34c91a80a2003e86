"""Assisted segmentation: click_region / superpixels on synthetic shapes with exact masks, the
validation of clicks and of a user model's mask, and SegmentationCanvas's assist and superpixels
reads (previews, nothing stored) with the region applied through the paint path."""
from __future__ import annotations

import numpy as np
import pytest

import hitl_widgets as hw
from hitl_widgets import assist
from hitl_widgets.demo.scenes import Scene, Shape, make_scenes, object_masks, render
from hitl_widgets.widgets.segmentation import SegmentationCanvas, label_map_runs, mask_row_runs

IMAGES, SCENES = make_scenes(6, seed=3, size=96, n_objects=(2, 3))


def mask_iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def interior_point(mask: np.ndarray) -> tuple[int, int]:
    """The pixel of ``mask`` farthest from its boundary (x, y)."""
    from scipy import ndimage

    d = ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(d)), mask.shape)
    return int(x), int(y)


def click(x, y, positive=True):
    return {"x": x, "y": y, "positive": positive}


@pytest.mark.parametrize("method", assist.METHODS)
def test_one_click_inside_each_shape_reaches_iou_90(method):
    ious = []
    for img, scene in zip(IMAGES[:3] if method == "random_walker" else IMAGES, SCENES):
        for gt in object_masks(scene):
            region = assist.click_region(img, [click(*interior_point(gt))], method)
            assert region.dtype == bool and region.shape == gt.shape
            ious.append(mask_iou(region, gt))
    assert min(ious) >= 0.9, ious


def test_a_click_on_the_background_is_not_the_object():
    img, scene = IMAGES[0], SCENES[0]
    gt = object_masks(scene)[0]
    bg = ~np.any(object_masks(scene), axis=0)
    region = assist.click_region(img, [click(*interior_point(bg))], "flood")
    assert mask_iou(region, bg) > 0.99 and not (region & gt).any()


def two_touching_squares() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red square with a slightly different red square touching it: one flood region at a wide
    tolerance, two at a narrow one."""
    img = np.full((40, 60, 3), 245, np.uint8)
    img[10:30, 10:30] = (220, 40, 40)
    img[10:30, 30:50] = (200, 50, 50)
    left = np.zeros((40, 60), bool)
    left[10:30, 10:30] = True
    right = np.zeros((40, 60), bool)
    right[10:30, 30:50] = True
    return img, left, right


@pytest.mark.parametrize("method", ["flood", "watershed"])
def test_a_negative_click_removes_a_wrongly_included_region(method):
    img, left, right = two_touching_squares()
    tolerance = 40.0  # the flood takes both squares
    one = assist.click_region(img, [click(20, 20)], method, tolerance=tolerance)
    assert mask_iou(one, left | right) > 0.9  # both squares: too much
    two = assist.click_region(img, [click(20, 20), click(40, 20, False)], method, tolerance=tolerance)
    assert mask_iou(two, left) >= 0.9, mask_iou(two, left)
    assert (two & right).sum() < 0.1 * right.sum()


def test_flood_tolerance_and_grey_and_float_images():
    img, left, right = two_touching_squares()
    narrow = assist.click_region(img, [click(20, 20)], "flood", tolerance=5)
    assert mask_iou(narrow, left) == 1.0
    grey = img[:, :, 0]  # 220 vs 200
    assert mask_iou(assist.click_region(grey, [click(20, 20)], "flood", tolerance=5), left) == 1.0
    assert mask_iou(assist.click_region(img / 255.0, [click(20, 20)], "flood", tolerance=5), left) == 1.0


def test_several_positive_clicks_join_regions():
    img, left, right = two_touching_squares()
    both = assist.click_region(img, [click(20, 20), click(40, 20)], "flood", tolerance=5)
    assert mask_iou(both, left | right) == 1.0


def test_superpixels_cover_the_image_and_follow_shape_edges():
    img, scene = IMAGES[1], SCENES[1]
    labels = assist.superpixels(img, 150)
    assert labels.shape == img.shape[:2] and labels.dtype == np.int32
    n = int(labels.max()) + 1
    assert labels.min() == 0 and len(np.unique(labels)) == n and 50 <= n <= 300
    gt = object_masks(scene)[0]
    # painting every superpixel mostly inside the shape recovers it
    painted = np.zeros_like(gt)
    for k in range(n):
        sp = labels == k
        if (sp & gt).sum() > sp.sum() / 2:
            painted |= sp
    assert mask_iou(painted, gt) >= 0.85
    grey = assist.superpixels(img[:, :, 0], 50)
    assert grey.shape == img.shape[:2]


@pytest.mark.parametrize(
    ("clicks", "message"),
    [
        ([], "1 to 64 clicks"),
        ("x", "1 to 64 clicks"),
        ({"x": 1}, "1 to 64 clicks"),
        ([click(1, 1)] * 65, "1 to 64 clicks"),
        ([[1, 1, True]], "must be an object"),
        ([{"x": "1", "y": 1, "positive": True}], "x must be a finite number"),
        ([{"x": 1, "y": float("nan"), "positive": True}], "y must be a finite number"),
        ([{"x": True, "y": 1, "positive": True}], "x must be a finite number"),
        ([{"x": 1, "y": 1, "positive": 1}], "positive must be true or false"),
        ([{"x": 1, "y": 1}], "positive must be true or false"),
        ([click(60, 1)], "outside the 60x40 image"),
        ([click(-1, 1)], "outside"),
        ([click(1, 40)], "outside"),
        ([click(1, 1, False)], "at least one positive"),
    ],
)
def test_bad_clicks_are_refused(clicks, message):
    img, _, _ = two_touching_squares()
    with pytest.raises(ValueError, match=message):
        assist.click_region(img, clicks, "flood")


def test_bad_arguments():
    img, _, _ = two_touching_squares()
    with pytest.raises(ValueError, match="method must be one of"):
        assist.click_region(img, [click(1, 1)], "grabcut")
    with pytest.raises(ValueError, match="tolerance"):
        assist.click_region(img, [click(1, 1)], "flood", tolerance=-1)
    with pytest.raises(ValueError, match="grad shape"):
        assist.click_region(img, [click(1, 1)], "watershed", grad=np.zeros((3, 3)))
    with pytest.raises(ValueError, match="image must be"):
        assist.click_region(np.zeros((2, 3, 4, 5)), [click(1, 1)], "flood")
    with pytest.raises(ValueError, match="n_segments"):
        assist.superpixels(img, 0)


def test_check_mask():
    assert assist.check_mask(np.eye(3, dtype=np.uint8), (3, 3)).dtype == bool
    assert assist.check_mask([[0.0, 1.0]], (1, 2)).tolist() == [[False, True]]
    with pytest.raises(ValueError, match="shape"):
        assist.check_mask(np.zeros((2, 2)), (3, 3), "item 4")
    with pytest.raises(ValueError, match="threshold it first"):
        assist.check_mask(np.full((3, 3), 0.4), (3, 3))
    with pytest.raises(ValueError, match="returned None"):
        assist.check_mask(None, (3, 3))
    with pytest.raises(ValueError, match="must be bool"):
        assist.check_mask(np.full((3, 3), "a"), (3, 3))


def test_mask_row_runs_round_trip():
    rng = np.random.default_rng(0)
    m = rng.random((13, 17)) > 0.6
    runs = np.frombuffer(mask_row_runs(m), "<u4").reshape(-1, 3)
    back = np.zeros_like(m)
    for y, x0, n in runs:
        assert n > 0
        back[y, x0:x0 + n] = True
    assert (back == m).all()
    assert mask_row_runs(np.zeros((3, 3), bool)) == b""


# ---------------------------------------------------------------- the widget


class Browser:
    def __init__(self, widget):
        self.w, self.seq, self.sent = widget, 0, []
        widget.send = lambda content, buffers=None: self.sent.append((content, buffers))

    def __call__(self, type_, buffers=(), **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "t", "seq": self.seq, **fields}, list(buffers))
        return [c for c, _ in self.sent if c.get("seq") == self.seq][-1]

    def read(self, type_, **fields):
        """A read (no client/seq): its answer, and the answer's buffers."""
        n = len(self.sent)
        self.w._dispatch(self.w, {"type": type_, **fields}, [])
        content, buffers = self.sent[n]
        return content, buffers


def scene_canvas(assist_arg="watershed", store=None):
    store = store or hw.AnnotationStore(":memory:", annotator="a")
    w = SegmentationCanvas(IMAGES[:2], ["shape"], store=store, task="s", assist=assist_arg)
    return w, Browser(w), store


def decode_row_runs(buf: bytes, shape) -> np.ndarray:
    out = np.zeros(shape, bool)
    for y, x0, n in np.frombuffer(buf, "<u4").reshape(-1, 3):
        out[y, x0:x0 + n] = True
    return out


def test_assist_read_previews_the_region_and_stores_nothing():
    w, send, store = scene_canvas()
    assert w.assist == "watershed"
    gt = object_masks(SCENES[0])[0]
    x, y = interior_point(gt)
    reply, buffers = send.read("assist", item_id=0, clicks=[click(x, y)], req=7)
    assert reply["type"] == "assist" and reply["item_id"] == 0 and reply["req"] == 7
    assert (reply["width"], reply["height"]) == (96, 96)
    region = decode_row_runs(buffers[0], gt.shape)
    assert reply["area"] == region.sum() and mask_iou(region, gt) >= 0.9
    assert store.events("s").empty and w.masks == {}
    # Enter sends the region as a paint: one stored, undoable change
    ack = send("paint", [buffers[0]], item_id=0, value=1, erase=False, runs="uint32", assisted="clicks")
    assert ack["type"] == "ack"
    assert (w.masks[0] == region.astype(np.uint8)).all()
    assert store.events("s")["payload"].iloc[-1]["op"] == "assist"
    undo = send("undo", item_id=0)
    assert undo["type"] == "ack" and w.masks == {}


def test_assisted_paint_op_names_and_refusals():
    w, send, store = scene_canvas()
    one = np.array([(1, 2, 3)], "<u4").tobytes()
    assert send("paint", [one], item_id=0, value=1, erase=False, runs="uint32", assisted="superpixels")["type"] == "ack"
    assert store.events("s")["payload"].iloc[-1]["op"] == "superpixel"
    r = send("paint", [one], item_id=0, value=1, erase=False, runs="uint32", assisted="magic")
    assert r["type"] == "refused" and "item 0" in r["message"] and "assisted must be" in r["message"]
    r = send("paint", [one], item_id=0, value=1, erase=True, runs="uint32", assisted="clicks")
    assert r["type"] == "refused"
    assert len(store.events("s")) == 1


def test_assist_read_refusals_name_the_item():
    w, send, store = scene_canvas()
    reply, _ = send.read("assist", item_id=1, clicks=[click(500, 2)])
    assert reply["type"] == "refused" and reply["intent"] == "assist"
    assert "item 1" in reply["message"] and "outside the 96x96 image" in reply["message"]
    reply, _ = send.read("assist", item_id=99, clicks=[click(5, 2)])
    assert reply["type"] == "refused"
    off, send_off, _ = scene_canvas(None)
    reply, _ = send_off.read("assist", item_id=0, clicks=[click(5, 2)])
    assert reply["type"] == "refused" and "click-to-segment is off" in reply["message"]
    assert store.events("s").empty


def test_callable_plugin_gets_image_and_clicks_and_bad_masks_are_refused():
    calls = []

    def model(image, clicks):
        calls.append((image.shape, clicks))
        out = np.zeros(image.shape[:2], bool)
        out[clicks[0]["y"], :] = True  # the clicked row
        return out

    w, send, store = scene_canvas(model)
    assert w.assist == "model"
    reply, buffers = send.read("assist", item_id=0, clicks=[click(3.7, 5), click(9, 9, False)], req=1)
    assert calls == [((96, 96, 3), [click(3, 5), click(9, 9, False)])]
    region = decode_row_runs(buffers[0], (96, 96))
    assert region[5].all() and region.sum() == 96

    for bad, message in [
        (lambda image, clicks: np.zeros((3, 3), bool), "mask shape"),
        (lambda image, clicks: None, "returned None"),
        (lambda image, clicks: np.full(image.shape[:2], 0.3), "threshold it first"),
        (lambda image, clicks: 1 / 0, "the assist model failed: ZeroDivisionError"),
    ]:
        w, send, store = scene_canvas(bad)
        reply, _ = send.read("assist", item_id=1, clicks=[click(3, 5)])
        assert reply["type"] == "refused" and "item 1" in reply["message"] and message in reply["message"], reply
        assert store.events("s").empty and w.masks == {}


def test_superpixels_read_sends_the_label_map_once_computed():
    w, send, store = scene_canvas("flood")
    reply, buffers = send.read("superpixels", item_id=1)
    labels = w.superpixel_labels(1)
    assert reply["type"] == "superpixels" and reply["count"] == int(labels.max()) + 1
    assert buffers[0] == label_map_runs(labels)
    assert w.superpixel_labels(1) is labels  # cached
    assert store.events("s").empty


def test_constructor_validation():
    with pytest.raises(ValueError, match="assist must be"):
        SegmentationCanvas(IMAGES[:1], ["a"], assist="grabcut")
    with pytest.raises(ValueError, match="tolerance"):
        SegmentationCanvas(IMAGES[:1], ["a"], assist="flood", tolerance=float("nan"))
    with pytest.raises(ValueError, match="superpixels"):
        SegmentationCanvas(IMAGES[:1], ["a"], superpixels=0)


def test_flood_assist_on_a_drawn_scene():
    scene = Scene((Shape("circle", "blue", 30, 30, 12), Shape("square", "blue", 70, 70, 12)), 96)
    w = SegmentationCanvas(render(scene)[None], ["shape"], store=hw.AnnotationStore(":memory:"), assist="flood")
    gts = object_masks(scene)
    region = w.assist_region(0, [click(30, 30), click(70, 70)])
    assert mask_iou(region, gts[0] | gts[1]) == 1.0


def test_without_scikit_image_the_flood_works_and_the_rest_says_what_to_install(monkeypatch):
    import sys

    for name in ("skimage", "skimage.segmentation", "skimage.filters"):
        monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
    img, left, _ = two_touching_squares()
    assert mask_iou(assist.click_region(img, [click(20, 20)], "flood", tolerance=5), left) == 1.0
    for call in (lambda: assist.click_region(img, [click(20, 20)], "watershed"),
                 lambda: assist.click_region(img, [click(20, 20)], "random_walker"),
                 lambda: assist.superpixels(img)):
        with pytest.raises(ImportError, match=r"hitl-widgets\[assist\]"):
            call()
    with pytest.raises(ImportError, match="needs scikit-image"):
        SegmentationCanvas(img[None], ["a"], assist="watershed")
    w = SegmentationCanvas(img[None], ["a"], store=hw.AnnotationStore(":memory:"), assist="flood")
    send = Browser(w)
    assert send.read("assist", item_id=0, clicks=[click(20, 20)])[0]["type"] == "assist"
    reply, _ = send.read("superpixels", item_id=0)
    assert reply["type"] == "refused" and "item 0" in reply["message"] and "needs scikit-image" in reply["message"]


def test_the_canvas_assist_reads_a_palette_file_by_its_colours_not_its_indices(tmp_path):
    """A palette PNG's indices sit within the flood tolerance of each other (0, 1, 2): the flood
    covered all 400 pixels where the same picture as RGB gives the 364 of its red region."""
    from PIL import Image

    rgb = np.zeros((20, 20, 3), np.uint8)
    rgb[:, :] = (200, 0, 0)
    rgb[:, :10] = (205, 0, 0)  # two reds, within the tolerance
    rgb[14:, 14:] = (0, 200, 0)  # a green square: 36 pixels
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE, colors=3).save(tmp_path / "p.png")
    assert Image.open(tmp_path / "p.png").mode == "P"
    areas = []
    for name in ("rgb.png", "p.png"):
        w = hw.SegmentationCanvas([str(tmp_path / name)], ["red"], store=hw.AnnotationStore(":memory:"), assist="flood")
        areas.append(int(w.assist_region(0, [{"x": 2, "y": 2, "positive": True}]).sum()))
    assert areas == [364, 364]
