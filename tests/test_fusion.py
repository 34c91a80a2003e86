"""hitl_widgets.fusion (projection, calibration checks, matching, disagreements, the edge check)
and SensorFusionReview's intents: ack, refusal, stale, undo / redo, reload, the linked selection."""
from __future__ import annotations

import numpy as np
import pytest

import hitl_widgets as hw
from hitl_widgets import fusion as F
from hitl_widgets.demo.fusion import CLASSES, K, T, tiny_frame
from hitl_widgets.demo.lidar import Faults, default_camera, render_camera, synthetic_scan
from hitl_widgets.widgets.base import IntentError
from hitl_widgets.widgets.pointcloud_frames import decode_indices


# ---------------------------------------------------------------------------------- pure functions
def test_a_known_projection():
    # 10 m ahead, 1 m left, 0.5 m up: u = cx - f * 1 / 10, v = cy - f * 0.5 / 10
    uv, depth = F.project(np.array([[10.0, 1.0, 0.5], [10.0, 0.0, 0.0], [-5.0, 0.0, 0.0]]), K, T)
    assert np.allclose(uv[:2], [[40.0, 45.0], [50.0, 50.0]]) and np.allclose(depth, [10.0, 10.0, -5.0])
    assert F.in_view(uv, depth, 100, 100).tolist() == [True, True, False]  # behind the camera
    cam = default_camera()  # the demo camera's own projection agrees
    pts = np.random.default_rng(0).uniform(-20, 20, (50, 3))
    uv1, d1 = cam.project(pts)
    uv2, d2 = F.project(pts, cam.K, cam.T_cam_lidar)
    assert np.allclose(d1, d2) and np.allclose(uv1, uv2, equal_nan=True)


@pytest.mark.parametrize(("k", "t", "message"), [
    (np.eye(2), T, "K must be a 3x3"),
    (np.zeros((3, 3)), T, "not invertible"),
    (K, np.eye(3), "T_cam_lidar must be a 4x4"),
    (K, np.diag([1.0, 1.0, 0.0, 1.0]), "not a rotation"),
    (K, np.diag([2.0, 1.0, 1.0, 1.0]), "not a rotation"),
    (np.where(np.eye(3) > 0, np.nan, K), T, "NaN or inf"),
    (K, [[1, 2], [3]], "matrix"),
    (np.array([[100.0, 0, 50], [0, 100, 50], [0, 0, 2]]), T, "[0, 0, 1]"),
])
def test_bad_calibrations_are_refused(k, t, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        F.check_calibration(k, t)


def test_points_in_box_is_the_frustum_in_view():
    uv, depth = F.project(np.array([[10.0, 0.0, 0.0], [10.0, 3.0, 0.0], [-10.0, 0.0, 0.0], [10.0, 100.0, 0.0]]), K, T)
    uv32 = F.view_uv(uv, depth, 100, 100)
    assert np.isnan(uv32[2]).all() and np.isnan(uv32[3]).all()  # behind, outside the image
    assert F.points_in_box(uv32, [40, 40, 60, 60]).tolist() == [0]
    assert F.points_in_box(uv32, [20, 50, 50, 50]).tolist() == [0, 1]  # edges included


def test_disagreements_of_each_kind():
    f = tiny_frame()
    cam = F.check_camera_boxes(f["camera_boxes"], list(CLASSES), 100, 100, "frame 0")
    uv, depth = F.project(f["points"], K, T)
    lid = F.lidar_detections(uv, depth, f["lidar_instances"], f["lidar_labels"], 100, 100)
    assert lid["instance"].tolist() == [1, 2, 3] and lid["class"].tolist() == [1, 2, 1]
    d = F.disagreements(cam, lid)
    assert d[["kind", "camera", "lidar"]].values.tolist() == [["class_conflict", 1, 1], ["camera_only", 2, -1], ["lidar_only", -1, 2]]
    shifted = cam.assign(x0=cam.x0 + 8, x1=cam.x1 + 8)  # a calibration error: the boxes slide apart
    assert "low_overlap" in F.disagreements(shifted, lid)["kind"].tolist()
    assert F.box_iou([[0, 0, 10, 10]], [[5, 0, 15, 10]]).tolist() == [[pytest.approx(1 / 3)]]


def test_bad_camera_boxes_are_refused():
    with pytest.raises(ValueError, match="camera box 0.*x0 < x1"):
        F.check_camera_boxes([{"x0": 5, "y0": 0, "x1": 1, "y1": 3, "class": "car"}], list(CLASSES), 100, 100, "frame 0")
    with pytest.raises(ValueError, match="camera box 0.*class 'tree'"):
        F.check_camera_boxes([{"x0": 0, "y0": 0, "x1": 1, "y1": 3, "class": "tree"}], list(CLASSES), 100, 100, "frame 0")
    with pytest.raises(ValueError, match="outside the 100x100"):
        F.check_camera_boxes([{"x0": 200, "y0": 0, "x1": 210, "y1": 3, "class": "car"}], list(CLASSES), 100, 100, "frame 0")


def test_the_edge_check_drops_when_the_camera_turns():
    scan = synthetic_scan(beams=32, azimuth_steps=1024, seed=0)
    uv, depth = F.project(scan.points, scan.camera.K, scan.camera.T_cam_lidar)
    right = F.edge_check(scan.image, uv, depth)
    turned, _ = render_camera(scan.camera, scan.objects, Faults(calibration_offset=(0, 0, 0, 1.5)))
    wrong = F.edge_check(turned, uv, depth)
    assert len(right.edge_points) >= 10 and right.score > 0.85 and wrong.score < right.score - 0.1


# ---------------------------------------------------------------------------------- the widget
def make(store=None, **kw):
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    w = hw.SensorFusionReview(tiny_frame(), store=store, **kw)
    sent: list = []
    w.send = lambda msg, buffers=None: sent.append((msg, buffers))
    return w, sent


def intent(w, n, buffers=None, **fields):
    w._dispatch(w, {"client": "c", "seq": n, **fields}, buffers or [])


def test_the_queue_is_one_item_per_disagreement():
    w, _ = make()
    d = w.disagreements
    assert d["kind"].tolist() == ["class_conflict", "camera_only", "lidar_only"] and w.order == [0, 1, 2]
    assert d.loc[0, ["camera_class", "lidar_class"]].tolist() == ["car", "pedestrian"]
    assert w.edge_checks["frame"].tolist() == [0]


def test_verdicts_ack_refusals_undo_redo():
    w, sent = make()
    heard = []
    w.on_label(heard.append)
    intent(w, 1, type="verdict", item_id=0, verdict="lidar", reason="a pedestrian, not a car")
    intent(w, 2, type="verdict", item_id=2, verdict="both_wrong", reason="")
    assert [m["type"] for m, _ in sent] == ["ack", "ack"] and sent[0][0]["verdict"] == "lidar"
    assert w.n_done == 2
    v = w.verdicts
    assert v[["item_id", "kind", "verdict", "reason"]].values.tolist() == [
        [0, "class_conflict", "lidar", "a pedestrian, not a car"], [2, "lidar_only", "both_wrong", ""]]
    for n, bad in enumerate([
        {"item_id": 0, "verdict": "camera!"}, {"item_id": 9, "verdict": "camera"},
        {"item_id": 0, "verdict": "camera", "reason": "x" * 501}, {"item_id": 0, "verdict": "camera", "reason": ["x"]},
    ], start=3):
        intent(w, n, type="verdict", **bad)
        assert sent[-1][0]["type"] == "refused"
    assert "verdict must be one of" in sent[-4][0]["message"] and "9" in sent[-3][0]["message"]
    assert len(w.store.events()) == 2  # refusals stored nothing
    intent(w, 10, type="undo", item_id=0)
    assert sent[-1][0]["type"] == "ack" and sent[-1][0]["verdict"] is None and w.n_done == 1
    intent(w, 11, type="redo", item_id=0)
    assert sent[-1][0]["verdict"] == "lidar" and sent[-1][0]["reason"] == "a pedestrian, not a car" and w.n_done == 2
    intent(w, 12, type="redo", item_id=0)
    assert sent[-1][0]["type"] == "refused" and "nothing to redo" in sent[-1][0]["message"]
    intent(w, 13, type="undo", item_id=1)
    assert sent[-1][0]["type"] == "refused" and "no verdict to undo" in sent[-1][0]["message"]
    assert [e["kind"] for e in heard] == ["verdict", "verdict", "undo", "verdict"]
    with pytest.raises(IntentError):
        w.verdict(1, "maybe")


def test_a_late_verdict_is_stale_and_verdicts_survive_a_reload(tmp_path):
    store = hw.AnnotationStore(tmp_path / "f.db", annotator="ann")
    w, sent = make(store)
    intent(w, 5, type="verdict", item_id=1, verdict="camera", reason="occluded car")
    intent(w, 4, type="verdict", item_id=1, verdict="ambiguous")  # sent before, delivered after
    assert sent[-1][0].get("stale") is True and sent[-1][0]["verdict"] == "camera"
    w2, _ = make(hw.AnnotationStore(tmp_path / "f.db", annotator="ann"))
    assert w2.n_done == 1 and w2.position == 0
    assert w2.verdicts[["item_id", "verdict", "reason"]].values.tolist() == [[1, "camera", "occluded car"]]


def test_the_linked_selection_and_the_frame_message():
    w, sent = make()
    w._dispatch(w, {"type": "frame", "frame": 0}, [])
    msg, buffers = sent[-1]
    assert msg["type"] == "frame" and msg["n"] == 320 and len(buffers) == 8
    uv = np.frombuffer(buffers[3], "<f4").reshape(-1, 2)
    assert np.array_equal(uv, w.view_uv(), equal_nan=True)
    assert buffers[6][:8] == b"\x89PNG\r\n\x1a\n"
    want = F.points_in_box(w.view_uv(), [40, 40, 60, 60])
    assert set(range(40)) <= set(want.tolist())  # cluster 1 (and ground points below it)
    gaps = np.diff(want, prepend=0).astype("<u4").tobytes()
    intent(w, 1, [gaps], type="select", frame=0, box=[40, 40, 60, 60], encoding="delta", count=len(want))
    assert sent[-1][0]["type"] == "ack" and sent[-1][0]["count"] == len(want)
    frame, idx, box = w.selection
    assert frame == 0 and idx.tolist() == want.tolist() and box == [40.0, 40.0, 60.0, 60.0]
    for n, (fields, bufs, message) in enumerate([
        ({"frame": 3, "box": None, "encoding": "delta", "count": len(want)}, [gaps], "unknown frame"),
        ({"frame": 0, "box": [0, 0, "x", 1], "encoding": "delta", "count": len(want)}, [gaps], "four finite numbers"),
        ({"frame": 0, "box": None, "encoding": "delta", "count": len(want)}, [], "exactly one binary buffer"),
        ({"frame": 0, "box": None, "encoding": "delta", "count": len(want) + 1}, [gaps], "count"),
        ({"frame": 0, "box": None, "encoding": "delta", "count": 1}, [np.array([10**6], "<u4").tobytes()], "outside"),
    ], start=2):
        intent(w, n, bufs, type="select", **fields)
        assert sent[-1][0]["type"] == "refused" and message in sent[-1][0]["message"], sent[-1][0]
    assert w.selection[1].tolist() == want.tolist()  # unchanged
    assert decode_indices(gaps, "delta", 320, len(want)).tolist() == want.tolist()


@pytest.mark.parametrize(("change", "message"), [
    ({"K": np.eye(2)}, "frame 0: K must be a 3x3"),
    ({"T_cam_lidar": np.zeros((4, 4))}, "frame 0: T_cam_lidar's last row"),
    ({"K": np.zeros((3, 3))}, "frame 0: K is not invertible"),
    ({"points": np.array([[1.0, np.nan, 0.0]] * 320)}, "frame 0, point 0: coordinates must be finite"),
    ({"points": np.array([[1.0, np.inf, 0.0]] * 320)}, "finite"),
    ({"image": np.zeros((5,))}, "image must be"),
    ({"image": None}, "no image"),
    ({"lidar_labels": np.full(320, 7)}, "lidar_labels 7 is outside"),
    ({"lidar_instances": np.zeros(3, int)}, "lidar_instances must be 320 integers"),
    ({"camera_boxes": [{"x0": 1, "y0": 1, "x1": 0, "y1": 2, "class": "car"}]}, "camera box 0"),
])
def test_bad_frames_are_refused_and_store_nothing(change, message):
    store = hw.AnnotationStore(":memory:", annotator="ann")
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        hw.SensorFusionReview({**tiny_frame(), **change}, store=store)
    assert store.events().empty


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="classes"):
        hw.SensorFusionReview({k: v for k, v in tiny_frame().items() if k != "classes"})
    with pytest.raises(ValueError, match="low_overlap"):
        hw.SensorFusionReview(tiny_frame(), low_overlap=2)
    agree = {**tiny_frame(), "lidar_instances": np.zeros(320, int), "camera_boxes": None}
    with pytest.raises(ValueError, match="no disagreements"):
        hw.SensorFusionReview(agree)


def test_frames_from_the_synthetic_scan_show_the_injected_faults():
    scan = synthetic_scan(beams=32, azimuth_steps=1024, seed=0, faults=Faults(missed_pedestrian=17, class_swap=(1, 2)))
    w = hw.SensorFusionReview([F.frame_from_scan(scan)], store=hw.AnnotationStore(":memory:"))
    d = w.disagreements
    assert (d["kind"] == "class_conflict").sum() >= 2  # cars the camera calls pedestrians
    lidar_only = d[d["kind"] == "lidar_only"]
    _, clusters = w.detections()
    assert 17 in clusters.loc[lidar_only["lidar"], "instance"].tolist()  # the pedestrian the camera missed


def test_doctests():
    import doctest

    from hitl_widgets import fusion
    from hitl_widgets.widgets import fusion as widget

    assert doctest.testmod(fusion).failed == 0 and doctest.testmod(widget).failed == 0


def test_lidar_3d_boxes_instead_of_clusters():
    import pandas as pd

    boxes = pd.DataFrame({"x": [10.0, 10.0], "y": [0.0, -3.0], "z": [-0.6, -0.6], "length": [0.4, 0.4], "width": [0.8, 0.8],
                          "height": [1.2, 1.2], "yaw": [0.0, 0.0], "class": ["car", "car"]})
    frame = {**tiny_frame(), "lidar_boxes": boxes}
    w = hw.SensorFusionReview(frame, store=hw.AnnotationStore(":memory:"))
    _, lidar = w.detections()
    # the first box's corners: u = 50 -+ 100 * 0.4 / (10 -+ 0.2), v from z in [-0.6, 0.6]
    assert lidar.loc[0, "x0"] == pytest.approx(50 - 40 / 9.8) and lidar.loc[0, "y1"] == pytest.approx(50 + 60 / 9.8)
    assert lidar["points"].tolist() == [40, 40]  # the clusters' points are inside
    kinds = sorted(w.disagreements["kind"].tolist())
    assert kinds == ["camera_only", "camera_only", "lidar_only"]  # box 2 (y = -3) has no camera box; (16, 40, 24, 60) no box
    with pytest.raises(ValueError, match="LiDAR box 0: needs finite"):
        hw.SensorFusionReview({**frame, "lidar_boxes": boxes.assign(length=[-1.0, 0.4])})
    with pytest.raises(ValueError, match="LiDAR box 1: class 'bus'"):
        hw.SensorFusionReview({**frame, "lidar_boxes": boxes.assign(**{"class": ["car", "bus"]})})


def test_verdicts_kept_in_the_browser_are_replayed_after_a_restart(tmp_path):
    import time

    w, sent = make(hw.AnnotationStore(tmp_path / "r.db", annotator="ann"))
    made = time.time() * 1000 - 5000
    edits = [{"type": "verdict", "fields": {"item_id": 2, "verdict": "camera", "reason": "kept"}, "made_at": made},
             {"type": "verdict", "fields": {"item_id": 0, "verdict": "nope"}, "made_at": made}]
    intent(w, 1, type="replay", edits=edits)
    reply = sent[-1][0]
    assert reply["type"] == "ack" and [r["ok"] for r in reply["results"]] == [True, False]
    assert w.verdicts[["item_id", "verdict", "reason"]].values.tolist() == [[2, "camera", "kept"]]
    intent(w, 2, type="replay", edits=edits[:1])  # the same edit again: already saved, not stored twice
    assert sent[-1][0]["results"][0].get("already") is True and len(w.store.events()) == 1
