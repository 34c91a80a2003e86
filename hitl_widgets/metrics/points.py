"""Per-point label metrics for point clouds: per-class IoU and mIoU, and Krippendorff's alpha.

Labels are integer class indices ``0 .. n_classes-1``; ``-1`` is an unlabelled point.

IoU of class c = |a = c and b = c| / |a = c or b = c| over all points. A point unlabelled in one
array and labelled c in the other counts in the union of c (a missed point lowers c's IoU); a point
unlabelled in both counts nowhere. A class absent from both arrays (empty union) has IoU NaN and
is **excluded** from the mean (mIoU is the mean over the classes present in either array), so a
class nobody used neither helps nor hurts. The same function compares labels with the truth and
two annotators with each other (it is symmetric).

Example:
    >>> r = point_iou([0, 0, 1, 1, -1], [0, 1, 1, 1, -1], n_classes=3)
    >>> r.iou.round(3).tolist()[:2], bool(np.isnan(r.iou[2])), round(r.miou, 3)
    ([0.5, 0.667], True, 0.583)
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from .agreement import alpha_from_codes

__all__ = ["PointIoU", "point_iou", "point_alpha"]


class PointIoU(NamedTuple):
    """``iou`` (n_classes,) float, NaN for a class absent from both; ``miou`` their mean over the
    present classes; ``intersection`` and ``union`` (n_classes,) point counts."""

    iou: np.ndarray
    miou: float
    intersection: np.ndarray
    union: np.ndarray


def _labels(values: ArrayLike, name: str) -> np.ndarray:
    """Integer labels as int64 (any integer dtype: uint8 / uint16 label maps included), checked >= -1."""
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per point), not shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integer class indices, not {arr.dtype}")
    if arr.dtype == np.uint64 and arr.size and arr.max() > np.iinfo(np.int64).max:  # would wrap to negative
        k = int(np.argmax(arr > np.iinfo(np.int64).max))
        raise ValueError(f"{name}: point {k} has label {arr[k]}, too large for a class index")
    arr = arr.astype(np.int64)  # before any max / comparison with -1: uint8 cannot hold -1
    bad = np.flatnonzero(arr < -1)
    if bad.size:
        raise ValueError(f"{name}: point {bad[0]} has label {arr[bad[0]]}, below -1 (unlabelled)")
    return arr


def _n_classes(n_classes: int | None, *labels: np.ndarray) -> int:
    """``n_classes`` checked, or the largest label + 1; every label checked to be below it."""
    if n_classes is None:
        n_classes = max((int(a.max()) for a in labels if a.size), default=-1) + 1
    elif isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive int, not {n_classes!r}")
    return int(n_classes)


def _in_range(arr: np.ndarray, n_classes: int, name: str) -> np.ndarray:
    bad = np.flatnonzero(arr >= n_classes)
    if bad.size:
        raise ValueError(f"{name}: point {bad[0]} has label {arr[bad[0]]}, outside -1 .. {n_classes - 1}")
    return arr


def point_iou(a: ArrayLike, b: ArrayLike, n_classes: int | None = None) -> PointIoU:
    """Per-class IoU and mIoU of two per-point label arrays (labels vs truth, or two annotators).

    ``n_classes``: the number of classes (default: the largest label + 1). See the module docstring.
    Raises ``ValueError`` on different lengths, labels outside ``-1 .. n_classes-1``, or when no
    class is present at all.
    """
    la, lb = _labels(a, "a"), _labels(b, "b")
    n_classes = _n_classes(n_classes, la, lb)
    la, lb = _in_range(la, n_classes, "a"), _in_range(lb, n_classes, "b")
    if len(la) != len(lb):
        raise ValueError(f"a has {len(la)} points and b {len(lb)}: one label per point in each")
    k = n_classes + 1  # unlabelled is the last bin
    cm = np.bincount(np.where(la < 0, n_classes, la) * k + np.where(lb < 0, n_classes, lb), minlength=k * k).reshape(k, k)
    inter = np.diag(cm)[:n_classes]
    union = cm[:n_classes].sum(1) + cm[:, :n_classes].sum(0) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.maximum(union, 1), np.nan)
    if not (union > 0).any():
        raise ValueError("mIoU is undefined: no point is labelled in either array")
    return PointIoU(iou, float(np.nanmean(iou)), inter, union)


def point_alpha(labels: ArrayLike, n_classes: int | None = None) -> float:
    """Krippendorff's alpha (nominal) over points: ``labels`` is **annotators x points**, -1 for a
    point an annotator left unlabelled (missing). Computed by ``metrics.agreement.alpha_from_codes``.

    NaN when every pairable label (of a point labelled by two annotators or more) is the same class:
    without variation alpha is 0/0, undefined, as the ``krippendorff`` package answers (a scene all
    annotators labelled ground everywhere: perfect agreement, but nothing to tell it from chance).
    ``ValueError`` when no point is labelled by two annotators (one annotator, or all unlabelled).

    Example:
        >>> round(point_alpha([[0, 0, 1, 1, 2], [0, 0, 1, 2, 2]]), 3), point_alpha([[0, 0, 1], [0, 0, -1]])
        (0.727, nan)
    """
    arr = np.asarray(labels)
    if arr.ndim != 2:
        raise ValueError(f"labels must be annotators x points (2-D), not shape {arr.shape}")
    rows = [_labels(row, f"annotator {n}") for n, row in enumerate(arr)]
    n_classes = _n_classes(n_classes, *rows)
    codes = np.stack([_in_range(row, n_classes, f"annotator {n}") for n, row in enumerate(rows)]) if rows else arr
    delta = 1.0 - np.eye(max(n_classes, 1))
    return alpha_from_codes(codes, delta, no_variation="nan")
