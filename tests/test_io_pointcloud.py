"""SemanticKITTI .label and PLY export / import, round trips and refusals."""
from __future__ import annotations

import numpy as np
import pytest

from hitl_widgets.io import read_label, read_ply, write_label, write_ply

RGB = ("red", "green", "blue")


def test_semantickitti_label_layout_and_round_trip(tmp_path):
    labels = np.array([0, 3, -1, 1])
    instances = np.array([7, 0, 0, 65535])
    path = tmp_path / "000000.label"
    write_label(path, labels, instances)
    raw = np.fromfile(path, "<u4")
    assert raw.tolist() == [(7 << 16) | 1, 4, 0, (65535 << 16) | 2]  # instance high, code (index + 1) low
    back, inst = read_label(path)
    assert back.tolist() == labels.tolist() and inst.tolist() == instances.tolist()
    codes = [40, 10, 30, 80]  # SemanticKITTI's road, car, person, pole
    write_label(path, labels, instances, codes=codes)
    assert (np.fromfile(path, "<u4") & 0xFFFF).tolist() == [40, 80, 0, 10]
    assert read_label(path, codes=codes)[0].tolist() == labels.tolist()
    assert read_label(path, raw=True)[0].tolist() == [40, 80, 0, 10]


def test_semantickitti_refusals(tmp_path):
    with pytest.raises(ValueError, match="instance 70000"):
        write_label(tmp_path / "a.label", np.array([0]), np.array([70000]))
    with pytest.raises(ValueError, match="point 1: label 5 has no code"):
        write_label(tmp_path / "a.label", np.array([0, 5]), codes=[1, 2])
    (tmp_path / "b.label").write_bytes(b"\x00\x00\x00")
    with pytest.raises(ValueError, match="multiple of 4"):
        read_label(tmp_path / "b.label")
    write_label(tmp_path / "c.label", np.array([0, 1]), codes=[5, 6])
    with pytest.raises(ValueError, match="code 6 is not in codes"):
        read_label(tmp_path / "c.label", codes=[5])


def test_ply_round_trip_with_intensity_and_rgb(tmp_path):
    rng = np.random.default_rng(0)
    pts = np.c_[rng.normal(size=(50, 3)), rng.uniform(size=50)].astype(np.float32)
    labels, inst = rng.integers(-1, 5, 50), rng.integers(0, 9, 50)
    write_ply(tmp_path / "a.ply", pts, labels, inst)
    head = (tmp_path / "a.ply").read_bytes()[:300]
    assert b"format binary_little_endian 1.0" in head and b"property int label" in head
    back = read_ply(tmp_path / "a.ply")
    assert np.array_equal(np.c_[back["x"], back["y"], back["z"], back["intensity"]], pts)
    assert back["label"].tolist() == labels.tolist() and back["instance"].tolist() == inst.tolist()
    rgb = np.c_[pts[:, :3], rng.integers(0, 256, (50, 3)) / 255]
    write_ply(tmp_path / "b.ply", rgb, labels, extra=("red", "green", "blue"))
    back = read_ply(tmp_path / "b.ply")
    assert np.allclose(np.c_[back["red"], back["green"], back["blue"]] / 255, rgb[:, 3:])
    assert "instance" not in back


def test_ply_refusals(tmp_path):
    with pytest.raises(ValueError, match="one per point"):
        write_ply(tmp_path / "a.ply", np.zeros((3, 3)), labels=[1, 2])
    with pytest.raises(ValueError, match=r"\(N, 3\+k\)"):
        write_ply(tmp_path / "a.ply", np.zeros((3, 2)))
    (tmp_path / "t.ply").write_bytes(b"ply\nformat ascii 1.0\nelement vertex 0\nend_header\n")
    with pytest.raises(ValueError, match="binary_little_endian"):
        read_ply(tmp_path / "t.ply")


def test_ply_keeps_float64_as_double_and_float32_as_float(tmp_path):
    pts = np.c_[500000.123 + np.arange(4) * 0.01, np.full(4, 4000000.456), np.zeros(4), np.linspace(100, 200, 4)]
    write_ply(tmp_path / "a.ply", pts)
    head = (tmp_path / "a.ply").read_bytes()[:300]
    assert b"property double x" in head and b"property double intensity" in head
    back = read_ply(tmp_path / "a.ply")
    assert np.array_equal(np.c_[back["x"], back["y"], back["z"], back["intensity"]], pts)
    write_ply(tmp_path / "b.ply", pts.astype(np.float32))
    assert b"property float x" in (tmp_path / "b.ply").read_bytes()[:300]
    assert np.array_equal(read_ply(tmp_path / "b.ply")["x"], pts[:, 0].astype(np.float32))
    write_ply(tmp_path / "c.ply", np.arange(9, dtype=np.int32).reshape(3, 3) + 2**30)  # int32 needs double
    assert read_ply(tmp_path / "c.ply")["x"].tolist() == [2**30, 2**30 + 3, 2**30 + 6]


def test_inputs_that_would_be_written_wrong_are_refused(tmp_path):
    target = tmp_path / "a"
    cases = [
        (lambda: write_ply(target, np.c_[np.zeros((3, 3)), np.full((3, 3), 200.0)], extra=RGB), r"point 0: red 200.0 is outside \[0, 1\]"),
        (lambda: write_ply(target, np.c_[np.zeros((2, 3)), [[0, 0, 0], [0, np.nan, 0]]], extra=RGB), "point 1: green nan"),
        (lambda: write_ply(target, np.zeros((2, 3)), labels=np.array([0, 2**31])), "point 1: label 2147483648 does not fit"),
        (lambda: write_ply(target, np.array([["a", "b", "c"]])), "points must be numbers"),
        (lambda: write_label(target, np.array([0, 1]), codes=[40.7, 10]), "codes must be integers"),
        (lambda: write_label(target, np.array([0, 1]), codes=np.array([True, False])), "codes must be integers"),
        (lambda: write_label(target, np.array([0, 1]), instances=np.array([2.5, 0])), "instances must be integers"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()
    write_label(target, np.array([0, 1]), codes=np.array([40, 10], np.uint16))  # any integer array
    assert (np.fromfile(target, "<u4") & 0xFFFF).tolist() == [40, 10]


def test_doctests():
    import doctest

    from hitl_widgets.io import pointcloud

    assert doctest.testmod(pointcloud).failed == 0
