"""PointCloudAnnotator.paint / exports and pointcloud.propose: every input is checked where it
enters, refused naming the frame (or point) and the value, never read some other way."""
from __future__ import annotations

import numpy as np
import pytest

import hitl_widgets as hw
from hitl_widgets.io import read_label, read_ply
from hitl_widgets.pointcloud import fit_ground_plane, propose

PTS = np.random.default_rng(0).normal(size=(10, 3))


def make(points=PTS, classes=("ground", "car"), **kw):
    return hw.PointCloudAnnotator(points, list(classes), store=hw.AnnotationStore(":memory:"), **kw)


def refused(w, message, *args, **kw):
    """``w.paint(*args, **kw)`` raises a ValueError matching ``message`` and stores nothing."""
    before = len(w.store.events("points"))
    with pytest.raises(ValueError, match=message):
        w.paint(*args, **kw)
    assert len(w.store.events("points")) == before


# ------------------------------------------------------------------ finding 1: indices
def test_a_bool_mask_paints_its_true_points():
    w = make()
    mask = np.zeros(10, bool)
    mask[[7, 9]] = True
    w.paint(mask, "car")
    assert np.flatnonzero(w.labels >= 0).tolist() == [7, 9]
    w.paint([i == 2 for i in range(10)], "ground")  # a list of bools is a mask too
    assert np.flatnonzero(w.labels >= 0).tolist() == [2, 7, 9]


@pytest.mark.parametrize(("indices", "message"), [
    ([2.7, 3.9], r"frame 0: point index 2.7 \(position 0\) is not a whole number"),
    (np.array([1.0, np.nan]), r"point index nan \(position 1\)"),
    (np.zeros(9, bool), r"frame 0: a bool mask needs one entry per point \(10\), not 9"),
    ([True, 3], "mix bools and numbers"),
    (["1", "2"], "integers or a bool mask"),
    ([1 + 0j], "integers or a bool mask"),
    (np.array([3, 10]), r"point index 10 \(position 1\) is outside 0 .. 9"),
    (np.array([-1]), "point index -1"),
    (np.array([2**64 - 1], np.uint64), "outside 0 .. 9"),
    (np.array([[1, 2]]), "1-D"),
])
def test_indices_that_are_not_points_are_refused(indices, message):
    refused(make(), message, indices, "car")


def test_whole_floats_and_integer_scalars_are_indices():
    w = make()
    w.paint([2.0, 3.0], "car")
    w.paint(np.int64(5), "car")
    assert np.flatnonzero(w.labels >= 0).tolist() == [2, 3, 5]


# ------------------------------------------------------------------ finding 2: the class
def test_the_class_is_a_name_never_an_index():
    w = make(classes=[1, 2, 3])
    w.paint([0], 1)
    w.paint([1], np.int64(3))
    assert w.labels[:2].tolist() == [0, 2]  # names 1 and 3: indices 0 and 2
    refused(w, r"frame 0: class 0 is not one of \[1, 2, 3\].*class_index=", [2], 0)
    refused(w, "class True is not one of", [2], True)
    refused(w, "class 1.0 is not one of", [2], 1.0)
    w.paint([2], class_index=0)
    w.paint([3], class_index=np.int64(2))
    assert w.labels[:4].tolist() == [0, 2, 0, 2]
    w.paint([3], class_index=-1)  # -1 unlabels, as in labels
    assert w.labels[3] == -1


def test_an_index_given_as_the_class_of_named_classes_is_refused():
    w = make()
    refused(w, r"class 1 is not one of \['ground', 'car'\]; a class is named, never indexed", [0], 1)
    refused(w, "class 'truck' is not one of", [0], "truck")
    refused(w, "name .cls. or as class_index, not both", [0], "car", class_index=1)
    refused(w, "no class", [0])
    for bad in (2, -2, True, 1.0, "car"):
        refused(w, "class_index: class must be an index in -1 .. 1", [0], class_index=bad)
    w.paint([0, 1], class_index=1)
    w.paint([1], None)
    assert w.labels[:2].tolist() == [1, -1]


# ------------------------------------------------------------------ finding 3: the instance
@pytest.mark.parametrize("instance", [-3, 70000, 2.5, True, "7"])
def test_paint_refuses_an_instance_the_view_would_refuse(instance):
    refused(make(mode="instance"), r"frame 0: instance must be an id in 0 .. 65535", [0, 1], "car", instance=instance)


def test_paint_takes_instance_ids_in_range():
    w = make(mode="instance")
    w.paint([0], "car", instance=np.int64(65535))
    w.paint([1], "car", instance=0)
    assert w.instances[:2].tolist() == [65535, 0] and w.instances.dtype == np.int64


# ------------------------------------------------------------------ finding 4: exports keep the input
def test_ply_export_keeps_the_intensity_given_and_the_view_shows_it_scaled(tmp_path):
    intensity = np.linspace(100, 200, 10)
    w = make(np.c_[PTS, intensity])
    w.to_ply(tmp_path / "a.ply")
    assert read_ply(tmp_path / "a.ply")["intensity"].tolist() == intensity.tolist()
    sent = []
    w.send = lambda msg, buffers=None: sent.append((msg, buffers))
    w._dispatch(w, {"type": "fetch", "ids": [0]}, [])
    msg, buffers = sent[-1]
    shown = np.frombuffer(buffers[msg["items"][0]["intensity_buffer"]], np.uint8)
    assert shown[0] == 0 and shown[-1] == 255  # display only: min-max scaled into 0 .. 255
    w = make(np.c_[PTS, np.full(10, 7.0)])
    w.to_ply(tmp_path / "b.ply")
    assert read_ply(tmp_path / "b.ply")["intensity"].tolist() == [7.0] * 10


def test_ply_export_round_trips_float64_and_float32_coordinates(tmp_path):
    big = np.c_[500000.123 + np.arange(5) * 0.01, np.full(5, 4000000.456), np.zeros(5)]
    make(big, classes=["ground"]).to_ply(tmp_path / "a.ply")
    ply = read_ply(tmp_path / "a.ply")
    assert np.array_equal(np.c_[ply["x"], ply["y"], ply["z"]], big) and b"property double x" in (tmp_path / "a.ply").read_bytes()
    small = np.c_[PTS, np.linspace(0, 1, 10)].astype(np.float32)
    make(small).to_ply(tmp_path / "b.ply")
    ply = read_ply(tmp_path / "b.ply")
    assert ply["x"].dtype == np.float32 and np.array_equal(np.c_[ply["x"], ply["y"], ply["z"], ply["intensity"]], small)


# ------------------------------------------------------------------ finding 5: the rest
def test_semantickitti_codes_as_an_array_and_one_per_class(tmp_path):
    w = make(classes=["ground", "car", "pedestrian"])
    w.paint([0], "pedestrian")
    w.to_semantickitti(tmp_path / "a.label", codes=np.array([40, 10, 30]))
    assert read_label(tmp_path / "a.label", raw=True)[0][:2].tolist() == [30, 0]
    for codes in ([40, 10, 30, 99], np.array([40, 10])):
        with pytest.raises(ValueError, match=f"frame 0: codes has {len(codes)} entries for 3 classes"):
            w.to_semantickitti(tmp_path / "a.label", codes=codes)


def test_propose_refuses_points_it_cannot_read():
    pts = np.random.default_rng(1).normal(size=(500, 3)) * [10, 10, 0.05]
    for bad, message in [
        (np.r_[pts, [[np.nan, 0, 0]]], r"point 500: coordinates must be finite"),
        (np.r_[pts, [[0, np.inf, 0]]], "point 500"),
        (pts[:, :2], r"not \(500, 2\)"),
        (pts.T, r"\(3, 500\) have fewer rows than columns: points are rows; is it transposed\?"),
    ]:
        with pytest.raises(ValueError, match=message):
            propose(bad)
        with pytest.raises(ValueError, match=message):
            fit_ground_plane(bad)
    assert propose(pts.tolist()).classes.shape == (500,)  # a list of rows is read as the array
    # further columns (nuScenes scans are x, y, z, intensity, ring) are ignored, as before
    five = np.c_[pts, np.ones(500), np.arange(500) % 32]
    assert np.allclose(fit_ground_plane(five), fit_ground_plane(pts))
    assert (propose(five).classes == propose(pts).classes).all()


def test_a_transposed_frame_of_many_points_is_refused_with_a_hint():
    with pytest.raises(ValueError, match=r"frame 0: .*not \(4, 20\) \(points are rows"):
        make(np.zeros((4, 20)))


def test_integer_rgb_is_read_as_0_to_255_even_in_a_dark_frame():
    """An int array's RGB is 0 .. 255 whatever its values: a frame of 0s and 1s is near black, not white."""
    from hitl_widgets.widgets.pointcloud_frames import check_frame

    dark = check_frame(np.c_[np.arange(12).reshape(4, 3), np.ones((4, 3), dtype=np.int64)], "frame 0")
    assert dark.rgb is not None and np.allclose(dark.rgb, 1 / 255)
    unit = check_frame(np.c_[np.zeros((4, 3)), np.full((4, 3), 0.5)], "frame 1")  # floats in [0, 1] stay
    assert unit.rgb is not None and np.allclose(unit.rgb, 0.5)
    bytes_ = check_frame(np.c_[np.zeros((4, 3)), np.full((4, 3), 255.0)], "frame 2")  # floats over 1: 0 .. 255
    assert bytes_.rgb is not None and np.allclose(bytes_.rgb, 1.0)


@pytest.mark.parametrize("bad", [True, 0, -5, 2.5, "300", 10**9])
def test_display_height_is_a_checked_int(bad):
    import traitlets

    w = make()
    with pytest.raises(traitlets.TraitError, match="display_height must be an int in"):
        w.display_height = bad
    w.display_height = 600
    assert w.display_height == 600
