"""Object-detection average precision at one IoU threshold, computed as COCO computes it.

``mean_average_precision(predictions, truths, iou_threshold=0.5)``: per class, every image's
predictions (at most ``max_detections`` per image and class, highest scores first) are matched
greedily in score order to the not yet matched ground-truth box of the same class with the highest
IoU at or above the threshold (of equal IoUs, the later ground-truth box in the image's table, as
COCOeval's loop keeps); the precision envelope is read at 101 recall points (0, 0.01, …, 1) and
averaged. Classes without ground truth are left out of the mean (COCO's -1). Equal to
``pycocotools``' AP at IoU 0.5 (``stats[1]``, all areas, no crowd boxes) — tested.

Boxes are ``(x, y, w, h)`` in pixels (top-left origin, as ``BBoxAnnotator.boxes``); a table per image
is a DataFrame with columns x, y, w, h, class (and score for predictions), or a list of tuples
``(x, y, w, h, class[, score])``.

Images: ``predictions`` and ``truths`` are either both lists (one table per image, paired by
position; the lengths must agree) or both keyed by image id (a ``pd.Series`` or a ``dict``, paired by
id, in the order of ``truths``; the two must hold the same ids, of the same type: ``1`` is not
``"1"``). A list against a keyed argument, or one DataFrame for all images, is refused. Errors name
the image (its position, or its id).

Classes: every box needs one (``None`` / NaN is refused, naming the image and box); classes are all
strs, all numbers (``1`` of an int column is ``1.0`` of a float one) or all bools, across truths and
predictions together — a mix (``1`` against ``"1"``, ``True`` against ``1``) would never match, or
match the wrong class, so it is refused naming both values.

Example:
    >>> truth = [[(0, 0, 10, 10, "cat")]]
    >>> pred = [[(1, 1, 10, 10, "cat", 0.9), (30, 30, 5, 5, "cat", 0.8)]]
    >>> round(mean_average_precision(pred, truth), 3)
    1.0
"""
from __future__ import annotations

import itertools
import numbers
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import is_missing, plain
from .geometry import box_iou

__all__ = ["mean_average_precision", "average_precision_per_class", "detection_table", "box_columns"]

_RECALL_POINTS = np.linspace(0.0, 1.0, 101)


def _where(image: Hashable) -> str:
    return f"image {plain(image)!r}"


#: the kinds of class a table may hold; a class is matched only to one of the same kind
_CLASS_KINDS = {str: "str", int: "number", float: "number", bool: "bool"}


def box_columns(boxes: Any, image: Hashable, scored: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One image's boxes checked, as arrays: geometry (N, 4) float, classes (N,) objects, scores (N,)
    (ones when not ``scored``). ``boxes``: a DataFrame with columns x, y, w, h, class[, score], or
    tuples ``(x, y, w, h, class[, score])``; ``image`` (a position or an image id) names the image in
    errors. Each class must be a str, an int, a float or a bool, not missing."""
    where = _where(image)
    cols = ["x", "y", "w", "h", "class"] + (["score"] if scored else [])
    if boxes is None:
        values: list[Any] = [np.zeros(0)] * len(cols)
    elif isinstance(boxes, pd.DataFrame):
        missing = [c for c in cols if c not in boxes.columns]
        if missing:
            raise ValueError(f"{where}: the box table lacks the columns {missing}")
        values = [boxes[c].to_numpy() for c in cols]
    else:
        if isinstance(boxes, (str, bytes, Mapping)) or not hasattr(boxes, "__iter__"):
            raise ValueError(f"{where}: a box table is a DataFrame or a list of ({', '.join(cols)}) tuples, "
                             f"not a {type(boxes).__name__}")
        raw = list(boxes)
        try:
            rows = [tuple(r) for r in raw]
        except TypeError:  # a row that is not a sequence
            rows = [(r,) for r in raw]
        bad = [n for n, r in enumerate(rows) if len(r) != len(cols) or isinstance(raw[n], (str, bytes))]
        if bad:
            raise ValueError(f"{where}: box {bad[0]} must be ({', '.join(cols)}), got {raw[bad[0]]!r}")
        # fromiter keeps each value whole (np.array would make a list class a second axis)
        values = [np.fromiter(col, dtype=object, count=len(rows)) for col in zip(*rows)] if rows else [np.zeros(0)] * len(cols)
    try:
        geometry = np.stack([np.asarray(v, dtype=np.float64) for v in values[:4]], axis=1) if len(values[0]) else np.zeros((0, 4))
        box_iou(geometry, np.zeros((0, 4)))  # the shared checks: finite, non-negative size
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None
    given = np.asarray(values[4])
    types = set(map(type, given))
    if given.dtype == object and types <= _CLASS_KINDS.keys():  # plain already: no per-box conversion
        classes = given.copy()
    else:
        classes = np.empty(len(geometry), dtype=object)
        classes[:] = [plain(c) for c in given]
        types = set(map(type, classes))
    if not types <= _CLASS_KINDS.keys() or (float in types and any(c != c for c in classes)):  # c != c: NaN
        k = next(k for k, c in enumerate(classes) if type(c) not in _CLASS_KINDS or is_missing(c))
        c = classes[k]
        if is_missing(c):
            raise ValueError(f"{where}: box {k} has no class ({c!r}): every box needs one")
        raise ValueError(f"{where}: box {k} has class {c!r}, a {type(c).__name__}: a class is a str, an int, a float or a bool")
    scores = np.ones(len(geometry))
    if scored:
        given = np.asarray(values[5])
        if given.dtype.kind in "fiu" or (given.dtype == object and all(
                issubclass(t, (int, float, np.integer, np.floating)) and not issubclass(t, bool) for t in set(map(type, given)))):
            scores = given.astype(np.float64)  # numbers: what to_numeric gives, without its cost
        else:
            scores = pd.to_numeric(pd.Series(given, dtype=object), errors="coerce").to_numpy(np.float64)
        if not np.isfinite(scores).all():
            k = int(np.argmax(~np.isfinite(scores)))
            raise ValueError(f"{where}: box {k} has no finite score ({values[5][k]!r})")
    return geometry, classes, scores


def detection_table(boxes: Any, image: Hashable, scored: bool) -> pd.DataFrame:
    """One image's boxes as a checked DataFrame (x, y, w, h, class[, score]); errors name the image."""
    geometry, classes, scores = box_columns(boxes, image, scored)
    table = pd.DataFrame({"x": geometry[:, 0], "y": geometry[:, 1], "w": geometry[:, 2], "h": geometry[:, 3], "class": classes})
    if scored:
        table["score"] = scores
    return table


_Table = tuple[np.ndarray, np.ndarray, np.ndarray]


def _keyed(values: Any, what: str) -> dict[tuple[type, Any], tuple[Any, Any]]:
    """A Series or dict of tables as {(type, id): (id, table)}: ``1`` and ``"1"`` (or ``True``) stay apart."""
    if isinstance(values, pd.Series) and not values.index.is_unique:
        dup = plain(values.index[values.index.duplicated()][0])
        raise ValueError(f"{what}: image id {dup!r} appears more than once in the Series' index")
    out: dict[tuple[type, Any], tuple[Any, Any]] = {}
    for key, table in values.items():
        key = plain(key)  # np.int64(3) is image 3
        out[type(key), key] = (key, table)
    return out


def _shown(keys: list[tuple[type, Any]]) -> str:
    ids = [k[1] for k in keys[:5]]
    return f"{ids!r}" + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


def _images(predictions: Any, truths: Any) -> tuple[list[Hashable], list[Any], list[Any]]:
    """Image names, prediction tables and truth tables, paired by position (two lists) or by image id
    (two Series / dicts, in the sorted order of the ids)."""
    keyed = {}
    for what, values in (("predictions", predictions), ("truths", truths)):
        if isinstance(values, pd.DataFrame):
            raise ValueError(f"{what} is one DataFrame: pass one box table per image (a list, or a Series / dict keyed "
                             "by image id)")
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or not hasattr(values, "__iter__"):
            raise ValueError(f"{what} must be a list with one box table per image (or a Series / dict keyed by image id), "
                             f"not a {type(values).__name__}")
        keyed[what] = isinstance(values, (pd.Series, Mapping))
    if keyed["predictions"] != keyed["truths"]:
        by_id, listed = ("predictions", "truths") if keyed["predictions"] else ("truths", "predictions")
        raise ValueError(f"{by_id} is keyed by image id but {listed} is a {type(truths if listed == 'truths' else predictions).__name__}: "
                         "pass both keyed by image id (Series or dict; paired by id) or both as lists (paired by position)")
    if not keyed["truths"]:
        preds_, truths_ = list(predictions), list(truths)
        if len(preds_) != len(truths_):
            raise ValueError(f"{len(preds_)} prediction tables for {len(truths_)} images of ground truth")
        return list(range(len(truths_))), preds_, truths_
    p, t = _keyed(predictions, "predictions"), _keyed(truths, "truths")
    missing, extra = [k for k in t if k not in p], [k for k in p if k not in t]
    if missing or extra:
        parts = ([f"no prediction table for the image ids {_shown(missing)} (pass an empty table for an image without "
                  "detections)"] if missing else []) + ([f"prediction tables for the image ids {_shown(extra)}, which have "
                                                          "no truth table"] if extra else [])
        raise ValueError("predictions and truths must hold the same image ids: " + "; ".join(parts))
    keys = _sorted_keys(list(t))  # COCOeval's order: tied scores rank the same whatever the dict's order
    return [t[k][0] for k in keys], [p[k][1] for k in keys], [t[k][1] for k in keys]


def _sorted_keys(keys: list[tuple[type, Any]]) -> list[tuple[type, Any]]:
    """``_keyed``'s keys in the sorted order of their ids (ids that do not compare with each other,
    such as ``1`` and ``"b"``: by kind first).

    Example:
        >>> [k[1] for k in _sorted_keys([(int, 10), (int, 2), (str, "b")])]
        [2, 10, 'b']
    """
    try:
        return sorted(keys, key=lambda k: k[1])
    except TypeError:
        groups: dict[str, list[tuple[type, Any]]] = {}
        for k in keys:
            groups.setdefault(type(k[1]).__name__, []).append(k)
        out: list[tuple[type, Any]] = []
        for _, group in sorted(groups.items()):
            try:
                out += sorted(group, key=lambda k: k[1])
            except TypeError:  # ids of one kind that do not compare (tuples of mixed kinds): as given
                out += group
        return out


def _check_class_kinds(preds: list[_Table], truths: list[_Table], names: list[Hashable]) -> None:
    """Refuse classes of different kinds (str, number, bool) anywhere in truths and predictions: they
    never match (``1`` vs ``"1"``) or would match the wrong class (``True`` == ``1`` in numpy)."""
    types = set(map(type, itertools.chain.from_iterable(cls for _, cls, _ in truths + preds)))
    if len({_CLASS_KINDS[t] for t in types}) < 2:
        return
    first: dict[str, str] = {}  # the kinds in order of appearance, where each first appears
    for what, tables in (("truths", truths), ("predictions", preds)):
        for name, (_, cls, _) in zip(names, tables):
            kinds = {_CLASS_KINDS[t] for t in set(map(type, cls))}
            for kind in kinds - first.keys():
                k = next(k for k, c in enumerate(cls) if _CLASS_KINDS[type(c)] == kind)
                first[kind] = f"{what}, {_where(name)}, box {k}: class {cls[k]!r}"
            if len(first) > 1:
                a, b = list(first)[:2]
                raise ValueError(f"classes of different kinds ({a} and {b}) never match: {first[a]}; {first[b]}. "
                                 "Classes must all be strs, all numbers or all bools: convert one side")


def _class_ap(preds: list[_Table], truths: list[_Table], cls: Any, iou_threshold: float, max_detections: int) -> float:
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
                best = len(g) - 1 - int(np.argmax(candidates[::-1]))  # of equal IoUs the last, as COCOeval
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


def average_precision_per_class(predictions: Any, truths: Any, iou_threshold: float = 0.5,
                                max_detections: int = 100) -> pd.DataFrame:
    """AP of each class with ground truth (class, ap, n_truth), COCO's way (see the module for the
    images, paired by position or by image id, and the class rules).

    Example:
        >>> average_precision_per_class([[(0, 0, 4, 4, "a", 0.5)]], [[(0, 0, 4, 4, "a")]]).to_dict("records")
        [{'class': 'a', 'ap': 1.0, 'n_truth': 1}]
    """
    if isinstance(iou_threshold, bool) or not isinstance(iou_threshold, numbers.Real) or not 0.0 < float(iou_threshold) <= 1.0:
        raise ValueError(f"iou_threshold must be a number in (0, 1], not {iou_threshold!r}")
    if isinstance(max_detections, bool) or not isinstance(max_detections, (int, np.integer)) or max_detections < 1:
        raise ValueError(f"max_detections must be an int >= 1 (detections kept per image and class), not {max_detections!r}")
    names, p_tables, t_tables = _images(predictions, truths)
    preds = [box_columns(v, name, True) for name, v in zip(names, p_tables)]
    truths_ = [box_columns(v, name, False) for name, v in zip(names, t_tables)]
    _check_class_kinds(preds, truths_, names)
    counts: dict[Any, int] = {}
    for _, t_cls, _ in truths_:
        for c in t_cls:
            counts[c] = counts.get(c, 0) + 1
    classes = sorted(counts)  # one kind (checked), so they compare
    rows = [(c, _class_ap(preds, truths_, c, float(iou_threshold), int(max_detections)), counts[c]) for c in classes]
    return pd.DataFrame(rows, columns=["class", "ap", "n_truth"])


def mean_average_precision(predictions: Any, truths: Any, iou_threshold: float = 0.5,
                           max_detections: int = 100) -> float:
    """The mean over classes with ground truth of their AP (NaN when no image has a box).

    ``predictions`` and ``truths``: one box table per image, both lists (paired by position) or both
    keyed by image id (``pd.Series`` or ``dict``, paired by id; detections of equal score rank in
    sorted image id order, as COCOeval's); see the module.

    Example:
        >>> truths = {"img_a": [(0, 0, 10, 10, "cat")], "img_b": [(50, 50, 10, 10, "cat")]}
        >>> preds = {"img_b": [(50, 50, 10, 10, "cat", 0.8)], "img_a": [(0, 0, 10, 10, "cat", 0.9)]}
        >>> mean_average_precision(preds, truths)
        1.0
    """
    per_class = average_precision_per_class(predictions, truths, iou_threshold, max_detections)
    return float(per_class["ap"].mean()) if len(per_class) else float("nan")
