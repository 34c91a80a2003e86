"""Per-point IoU / mIoU and Krippendorff's alpha over points, against hand-computed cases."""
from __future__ import annotations

import numpy as np
import pytest

from hitl_widgets.metrics import alpha_from_codes, krippendorff_alpha, point_alpha, point_iou


def test_iou_by_hand_with_an_absent_class_excluded():
    #          0  1  2  3  4  5   6
    truth = [0, 0, 0, 1, 1, 2, -1]
    pred = [0, 0, 1, 1, -1, 2, -1]
    r = point_iou(pred, truth, n_classes=4)
    # class 0: both at 0,1; union {0,1,2} -> 2/3. class 1: both at 3; union {2,3,4} -> 1/3.
    # class 2: 1/1. class 3: absent from both -> NaN, excluded. point 6 unlabelled in both: nowhere.
    assert r.intersection.tolist() == [2, 1, 1, 0] and r.union.tolist() == [3, 3, 1, 0]
    assert np.allclose(r.iou[:3], [2 / 3, 1 / 3, 1]) and np.isnan(r.iou[3])
    assert r.miou == pytest.approx((2 / 3 + 1 / 3 + 1) / 3)


def test_iou_is_symmetric_between_annotators_and_perfect_on_equal_labels():
    rng = np.random.default_rng(0)
    a, b = rng.integers(-1, 5, 1000), rng.integers(-1, 5, 1000)
    assert np.allclose(point_iou(a, b).iou, point_iou(b, a).iou)
    assert point_iou(a, a).miou == 1.0
    only_one = point_iou([0, 0], [1, 1])  # present in one array only: IoU 0, still in the mean
    assert only_one.iou.tolist() == [0.0, 0.0] and only_one.miou == 0.0


def test_iou_refuses_bad_input():
    with pytest.raises(ValueError, match="points"):
        point_iou([0, 1], [0])
    with pytest.raises(ValueError, match="point 1 has label 7"):
        point_iou([0, 7], [0, 1], n_classes=3)
    with pytest.raises(ValueError, match="integer"):
        point_iou([0.5], [0])
    with pytest.raises(ValueError, match="no point is labelled"):
        point_iou([-1, -1], [-1, -1], n_classes=2)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.int8])
def test_unsigned_and_small_label_dtypes_without_n_classes(dtype):
    # label maps are often uint8 / uint16: np.max(..., initial=-1) overflowed on them (OverflowError)
    a, b = np.array([0, 0, 1, 2, 2]), np.array([0, 1, 1, 2, 0])
    expected = point_iou(a, b)
    got = point_iou(a.astype(dtype), b.astype(dtype))
    assert np.array_equal(got.iou, expected.iou) and got.miou == expected.miou
    assert point_alpha(np.stack([a, b]).astype(dtype)) == point_alpha(np.stack([a, b]))
    if dtype == np.uint8:
        assert point_iou(np.array([0, 255], dtype), np.array([0, 255], dtype)).iou.shape == (256,)


def test_n_classes_and_huge_labels_are_checked():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="n_classes must be a positive int"):
            point_iou([0], [0], n_classes=bad)
    with pytest.raises(ValueError, match="point 0 has label 9223372036854775808, too large"):
        point_iou(np.array([2**63], np.uint64), [0])  # would wrap to a negative int64
    with pytest.raises(ValueError, match="annotator 1: point 1 has label -2, below -1"):
        point_alpha([[0, 1], [0, -2]])


def test_alpha_by_hand_and_as_the_shared_implementation():
    labels = np.array([[0, 0, 1, 1, 2], [0, 0, 1, 2, 2]])
    # coincidences: o00 = 4, o11 = 2, o22 = 2, o12 = o21 = 1; n = (4, 3, 3), n = 10
    # alpha = 1 - (n - 1) * D_o / D_e = 1 - 9 * 2 / (2 * (12 + 12 + 9)) = 1 - 18 / 66
    assert point_alpha(labels) == pytest.approx(1 - 18 / 66)
    assert point_alpha(labels) == pytest.approx(krippendorff_alpha(labels))
    missing = np.array([[0, 1, -1, 2], [0, 1, 1, -1], [0, -1, 1, 2]])
    as_nan = np.where(missing < 0, np.nan, missing.astype(float))
    assert point_alpha(missing) == pytest.approx(krippendorff_alpha(as_nan))
    assert point_alpha(missing) == pytest.approx(alpha_from_codes(missing, 1 - np.eye(3)))
    with pytest.raises(ValueError, match="annotators x points"):
        point_alpha([0, 1])


def test_doctests():
    import doctest

    from hitl_widgets.metrics import points

    assert doctest.testmod(points).failed == 0
