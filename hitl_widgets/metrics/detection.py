"""Object-detection average precision at one IoU threshold, computed as COCO computes it.

``mean_average_precision(predictions, truths, iou_threshold=0.5)``: per class, every image's
predictions (at most ``max_detections`` per image and class, highest scores first) are matched
greedily in score order to the not yet matched ground-truth box of the same class with the highest
IoU at or above the threshold; the precision envelope is read at 101 recall points (0, 0.01, …, 1)
and averaged. Classes without ground truth are left out of the mean (COCO's -1). Equal to
``pycocotools``' AP at IoU 0.5 (``stats[1]``, all areas, no crowd boxes) — tested.

Boxes are ``(x, y, w, h)`` in pixels (top-left origin, as ``BBoxAnnotator.boxes``); a table per image
is a DataFrame with columns x, y, w, h, class (and score for predictions), or a list of tuples
``(x, y, w, h, class[, score])``.

Example:
    >>> truth = [[(0, 0, 10, 10, "cat")]]
    >>> pred = [[(1, 1, 10, 10, "cat", 0.9), (30, 30, 5, 5, "cat", 0.8)]]
    >>> round(mean_average_precision(pred, truth), 3)
    1.0
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import plain
from .geometry import box_iou

__all__ = ["mean_average_precision", "average_precision_per_class", "detection_table", "box_columns"]

_RECALL_POINTS = np.linspace(0.0, 1.0, 101)


def box_columns(boxes: Any, image: int, scored: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image's boxes checked, as arrays: geometry (N, 4) float, classes (N,) objects, scores (N,)
    (ones when not ``scored``). ``boxes``: a DataFrame with columns x, y, w, h, class[, score], or
    tuples ``(x, y, w, h, class[, score])``; errors name the image."""
    cols = ["x", "y", "w", "h", "class"] + (["score"] if scored else [])
    if boxes is None:
        values: list[Any] = [np.zeros(0)] * len(cols)
    elif isinstance(boxes, pd.DataFrame):
        missing = [c for c in cols if c not in boxes.columns]
        if missing:
            raise ValueError(f"image {image}: the box table lacks the columns {missing}")
        values = [boxes[c].to_numpy() for c in cols]
    else:
        rows = [tuple(r) for r in boxes]
        bad = [n for n, r in enumerate(rows) if len(r) != len(cols)]
        if bad:
            raise ValueError(f"image {image}: box {bad[0]} must be ({', '.join(cols)}), got {rows[bad[0]]!r}")
        values = [np.array([r[k] for r in rows], dtype=object) for k in range(len(cols))]
    try:
        geometry = np.stack([np.asarray(v, dtype=np.float64) for v in values[:4]], axis=1) if len(values[0]) else np.zeros((0, 4))
        box_iou(geometry, np.zeros((0, 4)))  # the shared checks: finite, non-negative size
    except (TypeError, ValueError) as exc:
        raise ValueError(f"image {image}: {exc}") from None
    classes = np.empty(len(geometry), dtype=object)
    classes[:] = [plain(c) for c in values[4]]
    scores = np.ones(len(geometry))
    if scored:
        scores = pd.to_numeric(pd.Series(values[5], dtype=object), errors="coerce").to_numpy(np.float64)
        if not np.isfinite(scores).all():
            k = int(np.argmax(~np.isfinite(scores)))
            raise ValueError(f"image {image}: box {k} has no finite score ({values[5][k]!r})")
    return geometry, classes, scores


def detection_table(boxes: Any, image: int, scored: bool) -> pd.DataFrame:
    """One image's boxes as a checked DataFrame (x, y, w, h, class[, score]); errors name the image."""
    geometry, classes, scores = box_columns(boxes, image, scored)
    table = pd.DataFrame({"x": geometry[:, 0], "y": geometry[:, 1], "w": geometry[:, 2], "h": geometry[:, 3], "class": classes})
    if scored:
        table["score"] = scores
    return table


def _tables(values: Sequence[Any], what: str, scored: bool) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValueError(f"{what} must be a list with one box table per image")
    return [box_columns(v, n, scored) for n, v in enumerate(values)]


def _class_ap(preds: list[tuple[np.ndarray, np.ndarray, np.ndarray]], truths: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
              cls: Any, iou_threshold: float, max_detections: int) -> float:
    scores, hits, n_truth = [], [], 0
    threshold = min(iou_threshold, 1 - 1e-10)
    for (p_boxes, p_cls, p_scores), (t_boxes, t_cls, _) in zip(preds, truths):
        g = t_boxes[t_cls == cls]
        mine = p_cls == cls
        n_truth += len(g)
        if not mine.any():
            continue
        d_scores = p_scores[mine]
        order = np.argsort(-d_scores, kind="mergesort")[:max_detections]
        boxes = p_boxes[mine][order]
        iou = box_iou(boxes, g)
        taken = np.zeros(len(g), bool)
        for k in range(len(boxes)):
            hit = False
            if len(g):
                candidates = np.where(taken, -1.0, iou[k])
                best = int(np.argmax(candidates))
                if candidates[best] >= threshold:
                    taken[best] = hit = True
            hits.append(hit)
        scores.extend(d_scores[order].tolist())
    if n_truth == 0:
        return float("nan")
    if not scores:
        return 0.0
    order = np.argsort(-np.asarray(scores), kind="mergesort")
    tp = np.asarray(hits, bool)[order]
    ctp, cfp = np.cumsum(tp), np.cumsum(~tp)
    recall = ctp / n_truth
    precision = ctp / (ctp + cfp)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    at = np.searchsorted(recall, _RECALL_POINTS, side="left")
    q = np.where(at < len(envelope), envelope[np.minimum(at, len(envelope) - 1)], 0.0)
    return float(q.mean())


def average_precision_per_class(predictions: Sequence[Any], truths: Sequence[Any], iou_threshold: float = 0.5,
                                max_detections: int = 100) -> pd.DataFrame:
    """AP of each class with ground truth (class, ap, n_truth), COCO's way (see the module).

    Example:
        >>> average_precision_per_class([[(0, 0, 4, 4, "a", 0.5)]], [[(0, 0, 4, 4, "a")]]).to_dict("records")
        [{'class': 'a', 'ap': 1.0, 'n_truth': 1}]
    """
    if not 0.0 < float(iou_threshold) <= 1.0:
        raise ValueError(f"iou_threshold must be in (0, 1], not {iou_threshold!r}")
    preds, truths_ = _tables(predictions, "predictions", True), _tables(truths, "truths", False)
    if len(preds) != len(truths_):
        raise ValueError(f"{len(preds)} prediction tables for {len(truths_)} images of ground truth")
    counts: dict[Any, int] = {}
    for _, t_cls, _ in truths_:
        for c in t_cls:
            counts[c] = counts.get(c, 0) + 1
    classes = sorted(counts, key=lambda c: (isinstance(c, str), c))
    rows = [(c, _class_ap(preds, truths_, c, float(iou_threshold), int(max_detections)), counts[c]) for c in classes]
    return pd.DataFrame(rows, columns=["class", "ap", "n_truth"])


def mean_average_precision(predictions: Sequence[Any], truths: Sequence[Any], iou_threshold: float = 0.5,
                           max_detections: int = 100) -> float:
    """The mean over classes with ground truth of their AP (NaN when no image has a box)."""
    per_class = average_precision_per_class(predictions, truths, iou_threshold, max_detections)
    return float(per_class["ap"].mean()) if len(per_class) else float("nan")
