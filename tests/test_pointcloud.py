"""PointCloudAnnotator: every intent (ack, refusal, undo / redo, reload), validation, the bytes
the view gets, exports."""
from __future__ import annotations

import numpy as np
import pytest
import traitlets

import hitl_widgets as hw
from hitl_widgets.io import read_label, read_ply
from hitl_widgets.widgets.pointcloud_frames import (
    decode_indices,
    dequantise,
    pack,
    pack_values,
    quantise,
    unpack,
    unpack_values,
)

CLASSES = ["ground", "car", "pedestrian"]


def cloud(n=200, seed=0, k=1):
    rng = np.random.default_rng(seed)
    return np.c_[rng.normal(size=(n, 3)) * 10, rng.uniform(size=(n, k))].astype(np.float32)


def make(points=None, store=None, **kw):
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    w = hw.PointCloudAnnotator(cloud() if points is None else points, CLASSES, store=store, **kw)
    sent = []
    w.send = lambda msg, buffers=None: sent.append((msg, buffers))
    return w, sent


def bitmask(idx, n):
    bits = np.zeros(n, np.uint8)
    bits[idx] = 1
    return np.packbits(bits, bitorder="little").tobytes()


def delta(idx):
    return np.diff(np.asarray(idx), prepend=0).astype("<u4").tobytes()


seq = iter(range(1, 10**6))


def intent(w, buffers=(), **fields):
    w._dispatch(w, {"client": "c", "seq": next(seq), **fields}, list(buffers))


def test_paint_by_bitmask_and_delta_then_undo_and_redo():
    w, sent = make()
    heard = []
    w.on_label(heard.append)
    intent(w, [bitmask([1, 5, 9], 200)], type="paint", item_id=0, **{"class": 1}, encoding="bitmask", count=3)
    assert sent[-1][0]["type"] == "ack" and sent[-1][0]["changed"] == 3 and sent[-1][0]["labelled"] == 3
    intent(w, [delta([5, 7])], type="paint", item_id=0, **{"class": 2}, encoding="delta", count=2)
    assert np.flatnonzero(w.labels >= 0).tolist() == [1, 5, 7, 9] and w.labels[5] == 2 and w.n_done == 4
    intent(w, type="undo", item_id=0)
    labels_msg, ack = sent[-2], sent[-1][0]
    assert labels_msg[0]["type"] == "labels" and ack["type"] == "ack" and ack["undone"] == "paint"
    codes = np.frombuffer(labels_msg[1][0], np.uint8)
    assert (codes.astype(int) - 1).tolist() == w.labels.tolist() and w.labels[5] == 1 and w.labels[7] == -1
    intent(w, type="redo", item_id=0)
    assert sent[-1][0]["redone"] == "paint" and w.labels[5] == 2 and w.labels[7] == 2
    assert [e["kind"] for e in heard] == ["paint", "paint", "undo", "redo"] and heard[-1]["label"] == 4
    intent(w, type="redo", item_id=0)
    assert sent[-1][0]["type"] == "refused" and "nothing to redo" in sent[-1][0]["message"]


def test_a_lasso_of_most_points_stores_the_same_event_as_a_paint_from_python():
    pts = cloud(n=5000)
    rng = np.random.default_rng(2)
    sel = np.flatnonzero(rng.random(5000) < 0.8)
    w, sent = make(points=pts)
    w.paint(np.arange(0, 5000, 7), "pedestrian")  # some already labelled: a view's bitmask names them too
    intent(w, [bitmask(sel, 5000)], type="paint", item_id=0, **{"class": 1}, encoding="bitmask", count=len(sel),
           only_classes=[-1, 0, 1, 2])
    assert sent[-1][0]["type"] == "ack" and sent[-1][0]["changed"] == len(sel)
    w2, _ = make(points=pts)
    w2.paint(np.arange(0, 5000, 7), "pedestrian")
    w2.paint(sel, "car")
    a, b = (x.store.events("points").iloc[-1]["payload"] for x in (w, w2))
    assert a["indices"] == b["indices"] and np.array_equal(w.labels, w2.labels)
    # the class filter drops some points: the stored indices are those that changed, no more
    intent(w, [bitmask(sel, 5000)], type="paint", item_id=0, **{"class": 0}, encoding="bitmask", count=len(sel), only_classes=[1])
    want = sel[np.isin(w2.labels[sel], [1])]
    assert unpack(w.store.events("points").iloc[-1]["payload"]["indices"]).tolist() == want.tolist()


def test_a_retried_paint_is_answered_again_and_applied_once():
    w, sent = make()
    msg = {"client": "c", "seq": 99_999_999, "type": "paint", "item_id": 0, "class": 1, "encoding": "delta", "count": 2}
    w._dispatch(w, msg, [delta([3, 4])])
    w._dispatch(w, msg, [delta([3, 4])])
    assert sent[-1][0] == sent[-2][0] and sent[-1][0]["type"] == "ack"
    assert len(w.store.events("points")) == 1 and w.n_done == 2


def test_overwrite_protection_and_class_filter_are_applied_by_the_kernel():
    w, sent = make()
    w.paint([0, 1, 2], "car")
    intent(w, [delta([1, 2, 3, 4])], type="paint", item_id=0, **{"class": 2}, encoding="delta", count=4, only_unlabelled=True)
    assert w.labels[:5].tolist() == [1, 1, 1, 2, 2]
    assert sent[-2][0]["type"] == "labels" and sent[-1][0]["changed"] == 2  # narrowed: the view is told
    intent(w, [delta([0, 3, 9])], type="paint", item_id=0, **{"class": 0}, encoding="delta", count=3, only_classes=[1])
    assert w.labels[[0, 3, 9]].tolist() == [0, 2, -1]


def test_bad_edits_are_refused_and_store_nothing():
    w, sent = make()
    cases = [
        ([bitmask([1], 200)], dict(item_id=3, encoding="bitmask", count=1), "unknown frame"),
        ([bitmask([1], 200)], dict(item_id=0, encoding="bitmask", count=2), "count 2"),
        ([b"\x00" * 24], dict(item_id=0, encoding="bitmask", count=0), "25 bytes"),
        ([delta([5, 5])], dict(item_id=0, encoding="delta", count=2), "increase"),
        ([delta([250])], dict(item_id=0, encoding="delta", count=1), "outside"),
        ([delta([1])], dict(item_id=0, encoding="rle", count=1), "encoding"),
        ([], dict(item_id=0, encoding="delta", count=1), "one binary buffer"),
        ([delta([1])], dict(item_id=0, encoding="delta", count=1, only_unlabelled="yes"), "only_unlabelled"),
        ([delta([1])], dict(item_id=0, encoding="delta", count=1, only_classes=[7]), "class must be"),
    ]
    for buffers, fields, message in cases:
        intent(w, buffers, type="paint", **{"class": 1}, **fields)
        assert sent[-1][0]["type"] == "refused" and message in sent[-1][0]["message"], (message, sent[-1][0])
    for cls in (3, -2, "car", True):
        intent(w, [delta([1])], type="paint", item_id=0, **{"class": cls}, encoding="delta", count=1)
        assert "class must be" in sent[-1][0]["message"]
    intent(w, [delta([1])], type="paint", item_id=0, **{"class": 1}, encoding="delta", count=1, instance=70000)
    assert "instance" in sent[-1][0]["message"]
    intent(w, type="undo", item_id=0)
    assert "nothing to undo" in sent[-1][0]["message"]
    assert w.store.events("points").empty and w.n_done == 0


def test_a_bitmask_with_padding_bits_set_is_refused():
    with pytest.raises(ValueError, match="past point"):
        decode_indices(bytes([0, 0x80]), "bitmask", 10, 1)


def test_varint_deltas_as_the_view_sends_them():
    raw = bytes([3, 0xE5, 0x07, 1, 0xF7, 0x9F, 0x12])  # js/src/lib/selection.test.ts's example
    assert decode_indices(raw, "varint", 1_000_000, 4).tolist() == [3, 1000, 1001, 300000]
    assert decode_indices(b"", "varint", 10, 0).tolist() == []
    for bad, message in [(bytes([0x85]), "ends inside"), (bytes([0xFF] * 5 + [1]), "longer than 5"),
                         (bytes([0xFF] * 4 + [0x7F]), "over 32 bits"), (bytes([2, 0]), "gap of 0"),
                         (bytes([0x80, 0x08]), "outside")]:
        with pytest.raises(ValueError, match=message):
            decode_indices(bad, "varint", 1000, 1 if len(bad) < 3 else 2)


def test_labels_survive_a_restart_and_undo_rebuilds_from_the_store(tmp_path):
    path = tmp_path / "p.db"
    w, _ = make(store=hw.AnnotationStore(path, annotator="ann"))
    w.paint(np.arange(50), "car")
    w.paint(np.arange(25, 75), "pedestrian")
    w.paint([0], None)  # unlabel
    w2, sent = make(store=hw.AnnotationStore(path, annotator="ann"))
    assert np.array_equal(w2.labels, w.labels) and w2.n_done == 74
    intent(w2, type="undo", item_id=0)
    intent(w2, type="undo", item_id=0)
    assert (w2.labels[:50] == 1).all() and (w2.labels[50:] == -1).all()
    other, _ = make(store=hw.AnnotationStore(path, annotator="someone else"))
    assert (other.labels == -1).all()  # each annotator's own labels


def test_several_frames_instances_and_summary():
    frames = [cloud(100, 1), cloud(60, 2)]
    w, sent = make(frames, mode="instance")
    assert w.n_frames == 2 and isinstance(w.labels, list) and [len(x) for x in w.labels] == [100, 60]
    intent(w, [delta([3, 4])], type="paint", item_id=1, **{"class": 1}, encoding="delta", count=2, instance=7)
    intent(w, [delta([5])], type="paint", item_id=1, **{"class": 1}, encoding="delta", count=1, instance=8)
    assert w.instances[1][[3, 4, 5]].tolist() == [7, 7, 8] and (w.instances[0] == 0).all()
    w.frame = 1
    with pytest.raises(traitlets.TraitError, match="frame 2 does not exist"):
        w.frame = 2
    s = w.summary.set_index("class")
    assert s.loc["car", "points"] == 3 and s.loc["car", "instances"] == 2 and s.loc["car", "share"] == pytest.approx(3 / 160)


def test_proposals_accept_all_and_in_the_selection():
    pts = cloud(100)
    prop = np.where(np.arange(100) < 50, 0, 1)
    scores = np.linspace(0, 1, 100)
    w, sent = make(pts, proposals=(prop, scores))
    intent(w, [delta([10, 60])], type="accept", item_id=0, scope="selection", encoding="delta", count=2)
    assert sent[-1][0]["changed"] == 2 and w.labels[[10, 60]].tolist() == [0, 1] and w.n_done == 2
    intent(w, type="accept", item_id=0, scope="all", min_score=0.5, only_unlabelled=True)
    assert (w.labels[50:] == 1).all() and (w.labels[:50] >= 0).sum() == 1
    intent(w, type="undo", item_id=0)
    assert w.n_done == 2
    intent(w, type="accept", item_id=0, scope="everything")
    assert "scope" in sent[-1][0]["message"]
    w2, sent2 = make(pts)
    intent(w2, type="accept", item_id=0, scope="all")
    assert "no proposals" in sent2[-1][0]["message"]


@pytest.mark.parametrize(("points", "message"), [
    (np.array([[0, 0, 0], [np.nan, 0, 0]], np.float32), "frame 0, point 1: coordinates must be finite"),
    ([np.zeros((3, 3)), np.array([[0, 0, np.inf]])], "frame 1, point 0"),
    (np.zeros((5, 2)), r"shape \(N, 3\)"),
    (np.zeros((5, 5)), r"shape \(N, 3\)"),
    (np.zeros((0, 3)), "no points"),
    ([], "empty list"),
    ("points.ply", "numpy array"),
])
def test_bad_points_are_refused_naming_frame_and_point(points, message):
    with pytest.raises(ValueError, match=message):
        hw.PointCloudAnnotator(points, CLASSES, store=hw.AnnotationStore(":memory:"))


def test_bad_proposals_classes_colours_and_mode_are_refused():
    pts = cloud(10)
    bad = [
        (dict(proposals=np.zeros(9, int)), "one class per point"),
        (dict(proposals=np.full(10, 3)), "point 0: proposal class 3"),
        (dict(proposals=(np.zeros(10, int), np.full(10, 1.5))), "point 0: proposal score 1.5"),
        (dict(proposals=(np.zeros(10, int), np.r_[np.zeros(9), np.nan])), "point 9"),
        (dict(proposals=np.zeros(10)), "integer class"),
        (dict(colors=["red"] * 3), "#rrggbb"),
        (dict(colors=["#ff0000"]), "3 classes"),
        (dict(mode="boxes"), "mode"),
    ]
    for kw, message in bad:
        with pytest.raises(ValueError, match=message):
            hw.PointCloudAnnotator(pts, CLASSES, store=hw.AnnotationStore(":memory:"), **kw)
    with pytest.raises(ValueError, match="unique"):
        hw.PointCloudAnnotator(pts, ["a", "a"], store=hw.AnnotationStore(":memory:"))


def test_torch_points_and_rgb():
    torch = pytest.importorskip("torch")
    rgb = np.c_[cloud(20, k=0)[:, :3], np.full((20, 3), 255.0)]
    w, _ = make(torch.tensor(rgb))
    assert w._frames[0].rgb is not None and w._frames[0].rgb.max() == 1.0


def test_first_display_is_binary_and_compact():
    n = 10_000
    w, sent = make(cloud(n), proposals=(np.zeros(n, int), np.ones(n)))
    w._dispatch(w, {"type": "fetch", "ids": [0]}, [])
    msg, buffers = sent[-1]
    info = msg["items"][0]
    assert info["kind"] == "points" and info["n"] == n
    total = sum(len(b) for b in buffers)
    assert total / n == 6 + 1 + 1 + 2  # xyz, label, intensity, proposal + score
    import json
    assert len(json.dumps(msg)) < 1000  # no per-point numbers in JSON
    q = np.frombuffer(buffers[info["xyz_buffer"]], "<u2").reshape(-1, 3)
    assert np.array_equal(dequantise(q, info["offset"], info["scale"]), w.view_positions())
    assert np.abs(w.view_positions() - w._frames[0].xyz).max() < 1e-3 * np.ptp(w._frames[0].xyz, axis=0).max()


def test_codecs_round_trip():
    for idx in (np.array([0, 3, 4, 1000, 99999]), np.arange(5, 5000), np.array([], np.int64)):
        assert unpack(pack(idx)).tolist() == idx.tolist()
    assert pack(np.arange(100)).startswith("b:") and pack(np.array([7, 99999])).startswith("d:")
    assert unpack_values(pack_values(np.array([2, -1, 0]))).tolist() == [2, -1, 0]
    # the view's bitmask, stored as it is: the same text as a bitmask built from the indices
    rng = np.random.default_rng(1)
    for idx in (np.arange(5, 1000), np.flatnonzero(rng.random(1003) < 0.7), np.array([0, 7, 8, 1002])):
        raw = bitmask(idx, 1003)
        assert pack(idx, raw) == pack(idx) and unpack(pack(idx, memoryview(raw))).tolist() == idx.tolist()
    q, off, sc = quantise(np.array([[0.0, 1, 2], [10, 1, 4]]))
    assert q.max() == 65535 and sc[1] == 1.0


def test_exports(tmp_path):
    w, _ = make(mode="instance")
    w.paint([0, 1], "car", instance=3)
    w.to_semantickitti(tmp_path / "0.label")
    labels, inst = read_label(tmp_path / "0.label")
    assert labels.tolist() == w.labels.tolist() and inst.tolist() == w.instances.tolist()
    w.to_ply(tmp_path / "0.ply")
    ply = read_ply(tmp_path / "0.ply")
    assert ply["label"].tolist() == w.labels.tolist() and "intensity" in ply


def test_a_synthetic_scan_with_its_proposals():
    from hitl_widgets.demo.lidar import CLASSES as LIDAR
    from hitl_widgets.demo.lidar import synthetic_scan
    from hitl_widgets.metrics import point_iou
    from hitl_widgets.pointcloud import propose

    scan = synthetic_scan(beams=32, azimuth_steps=512, seed=0)
    w = hw.PointCloudAnnotator(scan.points, list(LIDAR), store=hw.AnnotationStore(":memory:"), proposals=propose(scan.points))
    w.send = lambda msg, buffers=None: None
    intent(w, type="accept", item_id=0, scope="all")
    before = point_iou(w.labels, scan.labels).miou
    wrong = np.flatnonzero(w.labels != scan.labels)
    for k in range(len(LIDAR)):
        fix = wrong[scan.labels[wrong] == k]
        if len(fix):
            w.paint(fix, LIDAR[k])
    assert point_iou(w.labels, scan.labels).miou == 1.0 > before


def test_doctests():
    import doctest

    from hitl_widgets.widgets import pointcloud, pointcloud_frames

    assert doctest.testmod(pointcloud).failed == 0 and doctest.testmod(pointcloud_frames).failed == 0


def test_colours_set_after_construction_are_checked_as_at_construction():
    """colors was checked only by the constructor: a value set later (from code, or synced from the
    view) such as "url(https://…)" reached a swatch's style."""
    from hitl_widgets.widgets.fusion import SensorFusionReview

    rng = np.random.default_rng(0)
    w = hw.PointCloudAnnotator(rng.normal(size=(50, 3)), classes=["car", "road"], store=hw.AnnotationStore(":memory:"))
    with pytest.raises(traitlets.TraitError, match=r"colour 'url\(https://x\)': colours must be '#rrggbb'"):
        w.colors = ["url(https://x)", "#000000"]
    with pytest.raises(traitlets.TraitError, match="colors has 1 entries for 2 classes"):
        w.colors = ["#000000"]
    w.colors = ["#112233", "#445566"]
    assert w.colors == ["#112233", "#445566"]
    assert "colors" in SensorFusionReview.class_traits(sync=True)
    assert SensorFusionReview._valid_colors is hw.PointCloudAnnotator._valid_colors
