"""SensorFusionReview / hitl_widgets.fusion at their entries: per-frame class lists, thresholds,
min_points, class matching by type, image dtypes, the select intent's box, and 3D boxes that
reach behind the camera. Each case was once accepted and gave a quietly wrong result."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets import fusion as F
from hitl_widgets.demo.fusion import K, T, tiny_frame


def make(frames, **kw):
    store = hw.AnnotationStore(":memory:", annotator="ann")
    w = hw.SensorFusionReview(frames, store=store, **kw)
    sent: list = []
    w.send = lambda msg, buffers=None: sent.append((msg, buffers))
    return w, sent


def refused(match, frames, **kw):
    store = hw.AnnotationStore(":memory:", annotator="ann")
    with pytest.raises(ValueError, match=match):
        hw.SensorFusionReview(frames, store=store, **kw)
    assert store.events().empty


CAM = pd.DataFrame({"x0": [0.0], "y0": [0.0], "x1": [10.0], "y1": [10.0], "class": [1]})
FAR = pd.DataFrame({"instance": [4], "class": [1], "points": [9], "x0": [80.0], "y0": [80.0], "x1": [90.0], "y1": [90.0]})


# ---------------------------------------------------------------------------------- F1 min_score
@pytest.mark.parametrize("bad", [0, 0.0, -0.1, 1.5, float("nan"), True, "0.1", None])
def test_min_score_must_be_in_0_1(bad):
    with pytest.raises(ValueError, match=r"min_score must be a number in \(0, 1\]"):
        F.disagreements(CAM, FAR, min_score=bad)
    with pytest.raises(ValueError, match="min_score"):
        F.match(CAM, FAR, min_score=bad)
    refused("min_score", tiny_frame(), min_score=bad)


def test_boxes_that_do_not_overlap_are_never_a_pair():
    d = F.disagreements(CAM, FAR, min_score=1e-12)
    assert d[["kind", "camera", "lidar"]].values.tolist() == [["camera_only", 0, -1], ["lidar_only", -1, 0]]
    assert F.check_thresholds(np.float32(0.5), np.int64(1)) == (0.5, 1.0)
    w, _ = make(tiny_frame(), min_score=1e-9)  # the demo's camera-only and LiDAR-only boxes stay apart
    assert sorted(w.disagreements["kind"]) == ["camera_only", "class_conflict", "lidar_only"]


# ---------------------------------------------------------------------------------- F2 per-frame classes
def test_a_frame_whose_classes_differ_is_refused_naming_it():
    f1 = tiny_frame()
    f1["classes"] = ["ground", "pedestrian", "car"]  # permuted, its labels remapped: the same scene
    lab = f1["lidar_labels"].copy()
    f1["lidar_labels"] = np.where(lab == 1, 2, np.where(lab == 2, 1, lab))
    refused(r"frame 1: its classes \['ground', 'pedestrian', 'car'\] are not the classes in use", [tiny_frame(), f1])
    refused("frame 0: its classes .* are not the classes in use", tiny_frame(), classes=["ground", "pedestrian", "car"])
    refused("frame 1: its classes", [tiny_frame(), {**tiny_frame(), "classes": ["ground", "car"]}])
    refused("frame 1: classes must be unique", [tiny_frame(), {**tiny_frame(), "classes": ["car", "car", "x"]}])


def test_frames_with_the_same_classes_in_any_container_are_accepted():
    f1 = {**tiny_frame(), "classes": np.array(["ground", "car", "pedestrian"])}
    no_classes = {k: v for k, v in tiny_frame().items() if k != "classes"}
    w, _ = make([tiny_frame(), f1, no_classes])
    assert w.classes == ["ground", "car", "pedestrian"] and w.n_frames == 3
    d = w.disagreements
    assert all(d[d.frame == n]["kind"].tolist() == d[d.frame == 0]["kind"].tolist() for n in (1, 2))
    assert all(d[d.frame == n]["lidar_class"].tolist() == d[d.frame == 0]["lidar_class"].tolist() for n in (1, 2))
    refused("frame 0 has no 'classes'", [no_classes, tiny_frame()])


# ---------------------------------------------------------------------------------- F3 the select intent's box
def test_a_selected_box_must_be_ordered_and_inside_the_image():
    w, sent = make(tiny_frame())
    gaps = np.diff(np.array([1, 2]), prepend=0).astype("<u4").tobytes()
    bad = [([60, 60, 40, 40], "reversed"), ([40, 60, 60, 40], "reversed"), ([-1e12, -5, 1e12, 1e15], "outside the 100x100 image"),
           ([0, 0, 104, 50], "outside"), ([-3, 0, 50, 50], "outside"), ([0, 0, 10**400, 50], "outside"),
           ([0, 0, float("inf"), 50], "four finite numbers")]
    for n, (box, message) in enumerate(bad, start=1):
        w._dispatch(w, {"client": "c", "seq": n, "type": "select", "frame": 0, "box": box, "encoding": "delta", "count": 2}, [gaps])
        assert sent[-1][0]["type"] == "refused" and message in sent[-1][0]["message"], (box, sent[-1][0])
        assert "frame 0" in sent[-1][0]["message"]
        assert w.selection[2] is None and w.selection[1].tolist() == []
    good = [[-0.5, -0.5, 100.5, 100.5], [10, 20, 30, 20], [0, 0, 100, 100]]  # the pointer's rounding; a drag of no height
    for n, box in enumerate(good, start=10):
        w._dispatch(w, {"client": "c", "seq": n, "type": "select", "frame": 0, "box": box, "encoding": "delta", "count": 2}, [gaps])
        assert sent[-1][0]["type"] == "ack" and w.selection[2] == [float(v) for v in box]
    assert w.store.events().empty


# ---------------------------------------------------------------------------------- F4 classes by type
@pytest.mark.parametrize(("value", "kind"), [(True, "bool"), ("1", ""), (1.5, "float")])
def test_camera_and_lidar_classes_are_matched_by_type(value, kind):
    fr = tiny_frame(classes=[0, 1, 2])
    fr["camera_boxes"] = fr["camera_boxes"].assign(**{"class": pd.Series([1, value, 1], dtype=object)})
    refused(f"frame 0, camera box 1: class '{value}'{f' [(]a {kind}[)]' if kind else ''} is not one of \\[0, 1, 2\\]", fr)
    boxes = pd.DataFrame({"x": [10.0], "y": [0.0], "z": [-0.6], "length": [0.4], "width": [0.8], "height": [1.2], "yaw": [0.0],
                          "class": pd.Series([value], dtype=object)})
    refused("frame 0, LiDAR box 0: class", {**tiny_frame(classes=[0, 1, 2]), "lidar_boxes": boxes})


def test_numpy_class_values_still_match():
    fr = tiny_frame(classes=[0, 1, 2])
    fr["camera_boxes"] = fr["camera_boxes"].assign(**{"class": pd.Series([np.int64(1), 1.0, np.int32(1)], dtype=object)})
    w, _ = make(fr)
    assert w.detections(0)[0]["class"].tolist() == [1, 1, 1]
    assert F.class_index(np.str_("car"), ["ground", "car"], "x") == 1


# ---------------------------------------------------------------------------------- F5 min_points
@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "3", None])
def test_min_points_must_be_an_int_of_at_least_1(bad):
    refused("min_points must be an int >= 1", tiny_frame(), min_points=bad)
    boxes = pd.DataFrame({"x": [10.0], "y": [0.0], "z": [-0.6], "length": [0.4], "width": [0.8], "height": [1.2], "yaw": [0.0],
                          "class": ["car"]})
    refused("min_points", {**tiny_frame(), "lidar_boxes": boxes}, min_points=bad)  # refused even where unused
    uv, depth = F.project(tiny_frame()["points"], K, T)
    with pytest.raises(ValueError, match="min_points"):
        F.lidar_detections(uv, depth, np.ones(len(uv), int), np.zeros(len(uv), int), 100, 100, min_points=bad)


def test_min_points_as_a_numpy_int_counts():
    w, _ = make(tiny_frame(), min_points=np.int64(41))  # each cluster has 40 points: none is one
    assert w.detections(0)[1].empty and set(w.disagreements["kind"]) == {"camera_only"}


# ---------------------------------------------------------------------------------- F6 image dtypes
def test_integer_images_other_than_uint8_and_uint16_are_refused_naming_the_dtype():
    img = tiny_frame()["image"]
    refused(r"frame 0: image: int64 pixels have no known range", {**tiny_frame(), "image": img.astype(np.int64)})
    refused("int64 pixels", {**tiny_frame(), "image": (img > 100).astype(np.int64)})  # 0/1: not quietly made 0/255
    refused(r"frame 0: image: float pixels must lie in \[0, 1\]", {**tiny_frame(), "image": img.astype(np.float64)})
    refused("frame 0: image: NaN", {**tiny_frame(), "image": np.full((100, 100), np.nan)})


def test_images_are_scaled_by_their_dtype():
    img = tiny_frame()["image"]
    for value in (img.astype(np.uint16) * 257, img / 255.0, img.astype(np.float32) / 255):
        w, _ = make({**tiny_frame(), "image": value})
        assert np.array_equal(w._frames[0].image, img), value.dtype
    w, _ = make({**tiny_frame(), "image": img[..., 0] > 100})
    assert np.unique(w._frames[0].image).tolist() == [0, 255]


def test_image_edges_are_scaled_by_the_dtype_not_the_values():
    dark = np.zeros((20, 20), np.uint8)
    dark[:, 10:] = 1  # a step of 1/255: no edge
    assert not F.image_edges(dark).any()
    assert F.image_edges(dark * 255).any() and F.image_edges(dark.astype(np.float64)).any()
    with pytest.raises(ValueError, match="float pixels must lie in"):
        F.image_edges(dark.astype(np.float64) * 255)


# ---------------------------------------------------------------------------------- F7 3D boxes behind the camera
def box3d(**kw):
    row = {"x": 10.0, "y": 0.0, "z": -0.6, "length": 1.0, "width": 1.0, "height": 1.2, "yaw": 0.0, "class": "car"}
    return pd.DataFrame([{**row, **kw}])


def frame3d(boxes):
    fr = tiny_frame()
    del fr["lidar_labels"], fr["lidar_instances"]
    return {**fr, "lidar_boxes": pd.concat(boxes, ignore_index=True)}


def test_a_3d_box_reaching_behind_the_camera_is_cut_at_the_near_plane():
    # x from -1 to 3 (depth), y from 1 to 2 (left), z from -0.6 to 0.6: its part at depth 0.1 .. 3 spans
    # u = 50 - 100 y / x: from far left to 50 - 100 / 3 (y = 1, x = 3); v over the whole image
    w, _ = make(frame3d([box3d(x=1.0, y=1.5, length=4.0)]))
    lid = w.detections(0)[1]
    assert lid[["x0", "y0", "y1"]].values.tolist() == [[0.0, 0.0, 100.0]]
    assert lid.loc[0, "x1"] == pytest.approx(50 - 100 / 3)
    assert w.disagreements["kind"].tolist().count("lidar_only") == 1


def test_the_reviewers_near_box_is_a_lidar_only_disagreement():
    w, _ = make(frame3d([box3d(), box3d(x=1.0, length=3.0, width=1.5)]))
    lid = w.detections(0)[1]
    assert lid["instance"].tolist() == [1, 2]
    assert lid.loc[1, ["x0", "y0", "x1", "y1"]].tolist() == [0.0, 0.0, 100.0, 100.0]  # it fills the view
    d = w.disagreements
    assert len(d) == 3 and 1 in d["lidar"].tolist()  # matched to a camera box, or LiDAR only: never left out


def test_a_3d_box_wholly_behind_or_beside_the_camera_is_not_in_view():
    w, _ = make(frame3d([box3d(), box3d(x=-5.0), box3d(x=-0.5, length=0.5), box3d(x=0.0, y=30.0, length=4.0)]))
    assert w.detections(0)[1]["instance"].tolist() == [1]
