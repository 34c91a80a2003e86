"""PLY and .label writing: extra columns are never taken for colours unnamed, property names are
header-safe, and labels of any integer dtype are compared as int64."""
from __future__ import annotations

import numpy as np
import pytest

from hitl_widgets.io import read_label, read_ply, write_label, write_ply

INTENSITY_RING_TIME = np.array([[0.123, 0.5, 0.0001], [0.9, 0.25, 0.0002]])


def test_three_unnamed_extra_columns_are_refused_not_written_as_rgb(tmp_path):
    pts = np.c_[np.zeros((2, 3)), INTENSITY_RING_TIME]
    with pytest.raises(ValueError, match=r"3 extra columns: name them, extra=\('red', 'green', 'blue'\)"):
        write_ply(tmp_path / "a.ply", pts)
    write_ply(tmp_path / "a.ply", pts, extra=("intensity", "ring", "time"))
    back = read_ply(tmp_path / "a.ply")
    assert np.array_equal(np.c_[back["intensity"], back["ring"], back["time"]], INTENSITY_RING_TIME)
    write_ply(tmp_path / "b.ply", pts, extra=("red", "green", "blue"))  # colours when so named
    assert read_ply(tmp_path / "b.ply")["red"].tolist() == [31, 230]


def test_other_counts_of_unnamed_columns_keep_their_defaults(tmp_path):
    write_ply(tmp_path / "a.ply", np.c_[np.zeros((2, 3)), [7.0, 8.0]])
    assert read_ply(tmp_path / "a.ply")["intensity"].tolist() == [7.0, 8.0]
    write_ply(tmp_path / "b.ply", np.c_[np.zeros((2, 3)), np.ones((2, 2))])
    assert set(read_ply(tmp_path / "b.ply")) == {"x", "y", "z", "f0", "f1"}


@pytest.mark.parametrize("extra, kw, message", [
    (("my intensity",), {}, "extra name 'my intensity': a PLY property name here is letters, digits and underscores"),
    (("a\nend_header",), {}, "extra name 'a\\\\nend_header'"),
    ((3,), {}, "extra name 3"),
    ("intensity", {}, r"extra must be a sequence of names, e.g. \('intensity',\), not one str"),
    (("x",), {}, "PLY property 'x' would be written twice"),
    (("label",), {"labels": [1, 2]}, "PLY property 'label' would be written twice"),
])
def test_property_names_are_checked(tmp_path, extra, kw, message):
    with pytest.raises(ValueError, match=message):
        write_ply(tmp_path / "a.ply", np.c_[np.zeros((2, 3)), [1.0, 2.0]], extra=extra, **kw)
    assert not (tmp_path / "a.ply").exists()


def test_a_property_named_end_header_reads_back(tmp_path):
    write_ply(tmp_path / "a.ply", np.c_[np.zeros((2, 3)), [1.0, 2.0]], labels=[4, 5], extra=("end_header",))
    back = read_ply(tmp_path / "a.ply")
    assert back["end_header"].tolist() == [1.0, 2.0] and back["label"].tolist() == [4, 5]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64, np.int32])
def test_write_label_takes_labels_of_any_integer_dtype(tmp_path, dtype):
    write_label(tmp_path / "a.label", np.array([10, 0, 3], dtype=dtype))
    assert read_label(tmp_path / "a.label")[0].tolist() == [10, 0, 3]


def test_integers_too_large_for_int64_are_named_not_wrapped(tmp_path):
    huge = np.array([1, 2**63 + 5], dtype=np.uint64)
    with pytest.raises(ValueError, match="labels: entry 1 is 9223372036854775813, too large for int64"):
        write_label(tmp_path / "a.label", huge)
    with pytest.raises(ValueError, match="instances: entry 1 is 9223372036854775813"):
        write_label(tmp_path / "a.label", np.array([0, 1]), instances=huge)
