"""Saved work in SensorFusionReview and PointCloudAnnotator stays with what it was given to, and
their inputs are checked where they enter. Each case once gave a quietly wrong result or a bare
exception that named nothing."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets import fusion as F
from hitl_widgets.demo.fusion import tiny_frame
from hitl_widgets.pointcloud import fit_ground_plane, propose
from hitl_widgets.widgets.pointcloud_frames import check_frame


def fusion(frame, store, **kw):
    w = hw.SensorFusionReview(frame, store=store, **kw)
    sent: list = []
    w.send = lambda msg, buffers=None: sent.append((msg, buffers))
    return w, sent


def without_first_camera_box():
    fr = tiny_frame()
    fr["camera_boxes"] = fr["camera_boxes"].iloc[1:]  # the camera no longer sees the first box: the rows move
    return fr


# ---------------------------------------------------------------------------------- fusion: verdicts stay on their disagreement
def test_a_verdict_is_not_shown_on_another_disagreement_after_the_rows_move(tmp_path):
    db = str(tmp_path / "f.db")
    w, _ = fusion(tiny_frame(), hw.AnnotationStore(db, annotator="ann"))
    assert w.disagreements.loc[2, ["kind", "lidar"]].tolist() == ["lidar_only", 2]
    w.verdict(2, "lidar", "the camera missed it")
    with pytest.warns(UserWarning, match=r"1 stored verdicts .* not this table's .*item ids 2 \(lidar_only, frame 0\)"):
        w2, _ = fusion(without_first_camera_box(), hw.AnnotationStore(db, annotator="ann"))
    assert w2.disagreements.loc[2, ["kind", "lidar"]].tolist() == ["lidar_only", 0]  # another cluster at row 2
    assert w2.verdicts.empty and w2.n_done == 0 and w2._item_state(2)["verdict"] is None
    assert len(hw.AnnotationStore(db).events("fusion")) == 1  # kept in the store
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same table: shown, no warning
        w3, _ = fusion(tiny_frame(), hw.AnnotationStore(db, annotator="ann"))
    assert w3.verdicts[["item_id", "verdict", "reason"]].values.tolist() == [[2, "lidar", "the camera missed it"]]


def test_an_undo_back_to_another_tables_verdict_leaves_none(tmp_path):
    db = str(tmp_path / "f.db")
    w, _ = fusion(tiny_frame(), hw.AnnotationStore(db, annotator="ann"))
    w.verdict(2, "lidar")
    with pytest.warns(UserWarning, match="not this table's"):
        w2, sent = fusion(without_first_camera_box(), hw.AnnotationStore(db, annotator="ann"))
    w2.verdict(2, "camera")
    w2._dispatch(w2, {"client": "c", "seq": 1, "type": "undo", "item_id": 2}, [])
    assert sent[-1][0]["type"] == "ack"
    assert w2._item_state(2)["verdict"] is None and w2.n_done == 0 and w2.verdicts.empty


def test_a_cluster_with_no_class_is_no_class_conflict():
    cam = pd.DataFrame({"x0": [0.0], "y0": [0.0], "x1": [10.0], "y1": [10.0], "class": [1]})
    lid = pd.DataFrame({"instance": [4], "class": [-1], "points": [9], "x0": [0.0], "y0": [0.0], "x1": [10.0], "y1": [10.0]})
    assert F.disagreements(cam, lid).empty  # a perfect match: nothing to review
    assert F.disagreements(cam, lid.assign(**{"class": 2}))["kind"].tolist() == ["class_conflict"]
    fr = tiny_frame()
    del fr["lidar_labels"]  # clusters with no classes
    w, _ = fusion(fr, hw.AnnotationStore(":memory:"))
    assert "class_conflict" not in w.disagreements["kind"].tolist()


def test_a_camera_field_that_is_a_channel_name_is_not_read_as_a_camera():
    w, _ = fusion({**tiny_frame(), "camera": "CAM_FRONT"}, hw.AnnotationStore(":memory:"))
    assert len(w.disagreements) == 3
    fr = {**tiny_frame(), "camera": "CAM_FRONT"}
    del fr["K"]
    with pytest.raises(ValueError, match=r"frame 0: needs K"):
        hw.SensorFusionReview(fr, store=hw.AnnotationStore(":memory:"))


def test_a_frame_with_no_lidar_boxes_is_taken():
    assert F.check_lidar_boxes([], ["car"], "frame 0").empty
    fr = tiny_frame()
    del fr["lidar_labels"], fr["lidar_instances"]
    w, _ = fusion({**fr, "lidar_boxes": []}, hw.AnnotationStore(":memory:"))
    assert set(w.disagreements["kind"]) == {"camera_only"}


def test_class_names_keep_their_type_and_none():
    fr = tiny_frame(classes=[10, 20, 30])
    w, _ = fusion(fr, hw.AnnotationStore(":memory:"))
    d = w.disagreements
    assert d["camera_class"].tolist() == [20, 20, None] and d["lidar_class"].tolist() == [30, None, 20]
    assert all(type(v) is int for v in d["camera_class"][:2])
    w.verdict(1, "camera")
    assert w.verdicts[["camera_class", "lidar_class"]].values.tolist() == [[20, None]]


def test_class_codes_over_254_classes_reach_the_view_whole():
    classes = ["ground", "car", "pedestrian", *[f"c{k}" for k in range(300)]]
    fr = tiny_frame()
    fr["classes"] = classes
    fr["lidar_labels"] = np.where(fr["lidar_labels"] == 1, 260, fr["lidar_labels"])  # the cars as class 260
    fr["camera_boxes"] = fr["camera_boxes"].assign(**{"class": "c257"})
    w, sent = fusion(fr, hw.AnnotationStore(":memory:"))
    w._dispatch(w, {"client": "c", "seq": 1, "type": "frame", "frame": 0}, [])
    msg, buffers = next((m, b) for m, b in sent if m.get("type") == "frame")
    assert msg["label_dtype"] == "u2"
    codes = np.frombuffer(buffers[1], "<u2")
    assert len(codes) == msg["n"] and codes.max() == 261  # class + 1: never wrapped to 5 (261 - 256)


# ---------------------------------------------------------------------------------- point clouds: stored edits fit the frame
def cloud(n=100, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 3))


def test_stored_edits_of_another_cloud_are_refused_naming_the_frame(tmp_path):
    db = str(tmp_path / "p.db")
    w = hw.PointCloudAnnotator(cloud(), ["a", "b"], store=hw.AnnotationStore(db))
    w.paint(np.arange(90, 100), "b")
    with pytest.raises(ValueError, match=r"task 'points', frame 0: stored edit 1 was made on another point cloud "
                                         r"\(of 100 points; this frame has 50\): label this cloud under another task="):
        hw.PointCloudAnnotator(cloud()[:50], ["a", "b"], store=hw.AnnotationStore(db))
    with pytest.raises(ValueError, match=r"another point cloud \(100 points, at other places\)"):
        hw.PointCloudAnnotator(cloud(seed=1), ["a", "b"], store=hw.AnnotationStore(db))
    again = hw.PointCloudAnnotator(cloud(), ["a", "b"], store=hw.AnnotationStore(db))  # the same cloud: as saved
    assert np.flatnonzero(again.labels >= 0).tolist() == list(range(90, 100))
    other = hw.PointCloudAnnotator(cloud()[:50], ["a", "b"], store=hw.AnnotationStore(db), task="small")
    assert (other.labels == -1).all()


def test_stored_edits_with_classes_beyond_the_list_are_refused(tmp_path):
    db = str(tmp_path / "p.db")
    w = hw.PointCloudAnnotator(cloud(), ["a", "b"], store=hw.AnnotationStore(db))
    w.paint(np.arange(5), "b")
    with pytest.raises(ValueError, match=r"stored edit 1 uses class 1, but there are 1 classes \(\['a'\]\)"):
        hw.PointCloudAnnotator(cloud(), ["a"], store=hw.AnnotationStore(db))


def test_edits_stored_without_a_fingerprint_are_still_checked_against_the_frame(tmp_path):
    db = str(tmp_path / "p.db")
    w = hw.PointCloudAnnotator(cloud(), ["a", "b"], store=hw.AnnotationStore(db))
    w.paint(np.arange(90, 100), "b")
    store = hw.AnnotationStore(db)
    event = store.events("points").iloc[0]
    payload = {k: v for k, v in event["payload"].items() if k != "cloud"}  # as an older version stored it
    store.undo(int(event["event_id"]))
    store.record("points", 0, payload, kind="points")
    with pytest.raises(ValueError, match=r"stored edit 3 labels point 99, but the frame has 50 points"):
        hw.PointCloudAnnotator(cloud()[:50], ["a", "b"], store=hw.AnnotationStore(db))


def test_proposals_of_a_one_frame_list_are_a_list_too():
    pts, cls = cloud(), np.zeros(100, np.int64)
    w = hw.PointCloudAnnotator([pts], ["a", "b"], store=hw.AnnotationStore(":memory:"), proposals=[cls])
    assert w._frames[0].prop_classes.tolist() == cls.tolist()


def test_a_nan_intensity_is_named_as_intensity():
    with pytest.raises(ValueError, match=r"frame 0, point 1: intensity must be finite, got \[nan\]"):
        check_frame(np.array([[0, 0, 0, 0.5], [1, 1, 1, np.nan], [2, 2, 2, 0.1]]), "frame 0")
    with pytest.raises(ValueError, match=r"point 0: RGB must be finite"):
        check_frame(np.array([[0, 0, 0, np.inf, 0, 0]]), "frame 0")
    with pytest.raises(ValueError, match=r"point 1: coordinates must be finite, got \[1.0, nan, 1.0\]"):
        check_frame(np.array([[0, 0, 0, 0.5], [1, np.nan, 1, 0.2]]), "frame 0")


@pytest.mark.parametrize("kw, name", [({"voxel": 0}, "voxel"), ({"eps": -1.0}, "eps"), ({"ground_threshold": 0}, "ground_threshold"),
                                      ({"voxel": float("nan")}, "voxel"), ({"min_samples": 0}, "min_samples"),
                                      ({"min_samples": 2.5}, "min_samples"), ({"voxel": True}, "voxel")])
def test_propose_refuses_settings_that_name_nothing(kw, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        propose(cloud(), **kw)


@pytest.mark.parametrize("kw, name", [({"threshold": 0}, "threshold"), ({"threshold": -1}, "threshold"),
                                      ({"iterations": 0}, "iterations"), ({"max_tilt_deg": 91}, "max_tilt_deg")])
def test_fit_ground_plane_refuses_bad_settings(kw, name):
    with pytest.raises(ValueError, match=rf"^{name} must be"):
        fit_ground_plane(cloud(), **kw)
