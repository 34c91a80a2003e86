"""Temporal metrics for video: temporal IoU, segment matching, ActivityNet mAP@tIoU, annotator
agreement on segments, and per-frame IoU of two object tracks (numpy + pandas, no widget imports).

Conventions:

- A segment is ``[start, end]``. By default (``inclusive_frames=True``) these are **frame
  indices with an inclusive end**: ``start_frame <= end_frame``, both integers ``>= 0``, and the
  segment ``[3, 3]`` is one frame long (length ``end - start + 1``); ``[0, 4]`` and ``[5, 9]``
  touch but share no frame (tIoU 0). With ``inclusive_frames=False`` they are **seconds**, a
  half-open continuous interval ``[start, end)`` of length ``end - start`` (the tIoU of
  ActivityNet's ``segment_iou``); ``[0.0, 0.2)`` and ``[0.2, 0.4)`` share no time either.
- Segment tables are pandas DataFrames with the columns of ``TemporalSegmenter.segments``:
  ``video``, ``class``, ``start_frame``, ``end_frame`` (and ``score`` for predictions); with
  ``inclusive_frames=False`` the columns ``start_s``, ``end_s`` are read instead.
- A box is ``(x, y, w, h)`` in pixels, no ``+1`` (as in ``metrics.geometry``).
- Videos and classes compare by value (class ``1`` of an int column is ``1.0`` of a float one);
  values that read alike but are of other types never match (``True`` is not ``1``, ``"1"`` is
  not ``1``), so tables holding both (say, video ``1`` in ``gt`` and ``"1"`` in ``pred``) are
  refused naming the two values (``coerce.refuse_lookalikes``) rather than scored as misses.

Bad input raises ``ValueError`` naming the offending segment (its position, and its row label
in a DataFrame): NaN or infinite values, an end before its start, negative values, frames that
are not integers, wrong shapes, mismatched lengths; or naming the values that read alike.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ..coerce import refuse_lookalikes
from .agreement import _max_matching, _prf, krippendorff_alpha

__all__: list[str] = [
    "ACTIVITYNET_TIOU_THRESHOLDS",
    "SegmentAgreement",
    "SegmentMatch",
    "TemporalMAP",
    "average_precision_at_tiou",
    "frame_alpha",
    "match_segments",
    "mean_average_precision_tiou",
    "segment_agreement_f1",
    "temporal_iou",
    "track_iou_per_frame",
]

ACTIVITYNET_TIOU_THRESHOLDS: tuple[float, ...] = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
"""ActivityNet's tIoU thresholds for mAP@[0.5:0.95], written as decimals (``np.arange(0.5, 0.96,
0.05)`` gives ``0.7000000000000002``, which a tIoU of exactly 7/10 would miss)."""


# --------------------------------------------------------------------------- validation


def _label(labels: Sequence[Any] | None, k: int) -> str:
    return f"segment {k}" if labels is None else f"segment {k} (row {labels[k]!r})"


def _as_segments(
    segments: ArrayLike, what: str, inclusive_frames: bool, labels: Sequence[Any] | None = None
) -> NDArray[np.float64]:
    """``(N, 2)`` float64 ``[start, end]`` rows, validated (see the module docstring)."""
    try:
        s = np.asarray(segments, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be numbers [start, end]") from None
    if s.size == 0:
        return s.reshape(0, 2)
    if s.ndim == 1 and s.shape[0] == 2:
        s = s.reshape(1, 2)
    if s.ndim != 2 or s.shape[1] != 2:
        raise ValueError(f"{what} must be (N, 2) as [start, end], got shape {s.shape}")
    bad = ~np.isfinite(s).all(axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"{what}: {_label(labels, k)} has a NaN or infinite value {s[k].tolist()}")
    bad = (s < 0).any(axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"{what}: {_label(labels, k)} is negative {s[k].tolist()}")
    if inclusive_frames:
        bad = (s != np.floor(s)).any(axis=1)
        if bad.any():
            k = int(np.argmax(bad))
            raise ValueError(
                f"{what}: {_label(labels, k)} {s[k].tolist()} is not whole frames "
                "(seconds? pass inclusive_frames=False)"
            )
    bad = s[:, 1] < s[:, 0]
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"{what}: {_label(labels, k)} ends before it starts {s[k].tolist()}")
    return s


def _check_threshold(threshold: float, what: str = "threshold") -> float:
    t = float(threshold)
    if not (0.0 < t <= 1.0):
        raise ValueError(f"{what} must be in (0, 1], got {threshold!r}")
    return t


def _columns(inclusive_frames: bool) -> tuple[str, str]:
    return ("start_frame", "end_frame") if inclusive_frames else ("start_s", "end_s")


class _Table(NamedTuple):
    seg: NDArray[np.float64]
    video: NDArray[Any] | None
    cls: NDArray[Any] | None
    score: NDArray[np.float64] | None
    labels: list[Any]


def _table(
    df: Any,
    what: str,
    inclusive_frames: bool,
    *,
    video: bool | None = True,
    cls: bool = True,
    score: bool = False,
) -> _Table:
    """Validated columns of a segment DataFrame. ``video=None``: the column is optional."""
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, not {type(df).__name__}")
    start, end = _columns(inclusive_frames)
    need = [start, end] + (["video"] if video else []) + (["class"] if cls else []) + (["score"] if score else [])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks the column(s) {missing} (it has {list(df.columns)})")
    labels = df.index.tolist()
    seg = _as_segments(df[[start, end]].to_numpy(dtype=np.float64), what, inclusive_frames, labels)
    out: dict[str, Any] = {}
    for name, wanted in (("video", video is not False and "video" in df.columns), ("class", cls)):
        if not wanted:
            out[name] = None
            continue
        values = df[name].to_numpy(dtype=object)
        miss = pd.isna(values)
        if miss.any():
            k = int(np.argmax(miss))
            raise ValueError(f"{what}: {_label(labels, k)} has no {name}")
        out[name] = values
    sc = None
    if score:
        try:
            sc = df["score"].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{what}: the score column must hold numbers") from None
        bad = ~np.isfinite(sc)
        if bad.any():
            k = int(np.argmax(bad))
            raise ValueError(f"{what}: {_label(labels, k)} has a NaN or infinite score {float(sc[k])!r}")
    return _Table(seg, out["video"], out["class"], sc, labels)


def _sorted_unique(values: NDArray[Any]) -> list[Any]:
    found = list(pd.unique(values))
    try:
        return sorted(found)
    except TypeError:  # an unsortable mix: order of first appearance
        return found


# --------------------------------------------------------------------------- tIoU and matching


def temporal_iou(a: ArrayLike, b: ArrayLike, *, inclusive_frames: bool = True) -> NDArray[np.float64]:
    """Temporal IoU matrix ``(len(a), len(b))`` of ``[start, end]`` segments.

    Frames (default): inclusive ends, length ``end - start + 1``, so ``[3, 3]`` is one frame and
    ``[0, 4]``, ``[5, 9]`` share none. ``inclusive_frames=False``: seconds, half-open
    ``[start, end)`` (ActivityNet's ``segment_iou``); two zero-length intervals give 0.

    >>> temporal_iou([[0, 9]], [[5, 14], [10, 19], [0, 9]]).tolist()  # [5, 9] is 5 of 15 frames
    [[0.3333333333333333, 0.0, 1.0]]
    >>> temporal_iou([[0, 4]], [[5, 9]]).tolist(), temporal_iou([[0, 5]], [[5, 10]], inclusive_frames=False).tolist()
    ([[0.0]], [[0.0]])
    """
    A, B = _as_segments(a, "a", inclusive_frames), _as_segments(b, "b", inclusive_frames)
    one = 1.0 if inclusive_frames else 0.0
    inter = np.minimum(A[:, 1, None], B[None, :, 1]) - np.maximum(A[:, 0, None], B[None, :, 0]) + one
    inter = np.maximum(inter, 0.0)
    union = (A[:, 1] - A[:, 0] + one)[:, None] + (B[:, 1] - B[:, 0] + one)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def _greedy(iou: NDArray[np.float64], threshold: float) -> NDArray[np.intp]:
    """Matched column of each row (-1: none), rows taken in order, each column used once; a row
    takes the free column of highest IoU >= threshold, the lowest index on ties."""
    n, m = iou.shape
    out = np.full(n, -1, dtype=np.intp)
    if m == 0:
        return out
    free = np.ones(m, dtype=bool)
    ok = iou >= threshold
    for i in range(n):
        cand = np.where(ok[i] & free, iou[i], -1.0)
        j = int(np.argmax(cand))
        if cand[j] >= 0.0:
            out[i] = j
            free[j] = False
    return out


class SegmentMatch(NamedTuple):
    """``gt_index[i]``: the ground-truth segment prediction ``i`` matched (-1: none), ``tiou[i]``
    their tIoU (0 when unmatched); ``order``: the predictions in the order they were matched."""

    gt_index: NDArray[np.intp]
    tiou: NDArray[np.float64]
    order: NDArray[np.intp]


def match_segments(
    pred: ArrayLike,
    gt: ArrayLike,
    threshold: float,
    *,
    scores: ArrayLike | None = None,
    inclusive_frames: bool = True,
) -> SegmentMatch:
    """Greedy matching of predicted to ground-truth ``[start, end]`` segments, as ActivityNet's
    detection evaluation does (one video, one class).

    Predictions are taken by decreasing ``scores`` (without scores: in the order given; equal
    scores: the earlier prediction first, a stable sort); each takes the still-unmatched ground
    truth with the highest tIoU ``>= threshold`` (equal tIoU: the lowest ground-truth index), so
    each ground truth is matched at most once. ActivityNet's own code orders both by a reversed
    ``argsort`` (ties then go, in practice, to the later one); apart from ties the result is the same. Frames with inclusive ends by default
    (``[3, 3]`` is one frame); seconds with ``inclusive_frames=False`` (see :func:`temporal_iou`).

    >>> m = match_segments([[0, 9], [1, 10], [40, 49]], [[0, 9], [20, 29]], 0.5, scores=[0.5, 0.9, 0.8])
    >>> m.gt_index.tolist(), m.order.tolist()  # [1, 10] (score 0.9) takes gt 0 first: 9/11
    ([-1, 0, -1], [1, 2, 0])
    """
    P, G = _as_segments(pred, "pred", inclusive_frames), _as_segments(gt, "gt", inclusive_frames)
    t = _check_threshold(threshold)
    if scores is None:
        order = np.arange(len(P), dtype=np.intp)
    else:
        s = _scores(scores, len(P))
        order = np.argsort(-s, kind="stable").astype(np.intp)
    iou = temporal_iou(P, G, inclusive_frames=inclusive_frames)
    matched = np.full(len(P), -1, dtype=np.intp)
    matched[order] = _greedy(iou[order], t)
    tiou = np.where(matched >= 0, iou[np.arange(len(P)), np.maximum(matched, 0)] if len(G) else 0.0, 0.0)
    return SegmentMatch(matched, tiou.astype(np.float64), order)


def _scores(scores: ArrayLike, n: int) -> NDArray[np.float64]:
    try:
        s = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("scores must be numbers") from None
    if s.shape != (n,):
        raise ValueError(f"scores must have one value per prediction ({n}), got shape {s.shape}")
    bad = ~np.isfinite(s)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"scores: the score of prediction {k} is {float(s[k])!r}")
    return s


# --------------------------------------------------------------------------- average precision


def _interpolated_ap(tp: NDArray[np.bool_], n_gt: int) -> float:
    """All-points interpolated AP of a ranked list (VOC 2010+, ActivityNet's
    ``interpolated_prec_rec``): sum over recall steps of the step times the precision envelope
    (the highest precision at this rank or below)."""
    if tp.size == 0:
        return 0.0
    ctp = np.cumsum(tp)
    precision = ctp / np.arange(1, tp.size + 1)
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    recall_step = tp / n_gt
    return float(np.sum(recall_step * envelope))


def _ap_table(pred: Any, gt: Any, thresholds: Sequence[float], inclusive_frames: bool) -> pd.DataFrame:
    P = _table(pred, "pred", inclusive_frames, score=True)
    G = _table(gt, "gt", inclusive_frames)
    assert P.video is not None and G.video is not None and P.cls is not None and G.cls is not None
    assert P.score is not None
    if len(G.seg) == 0:
        raise ValueError("gt has no segments: average precision is undefined")
    refuse_lookalikes("video", [("pred", P.video), ("gt", G.video)])
    refuse_lookalikes("class", [("pred", P.cls), ("gt", G.cls)])
    classes = _sorted_unique(G.cls)
    out = np.zeros((len(classes), len(thresholds)))
    n_p = len(P.seg)
    cls_codes = pd.factorize(np.concatenate([P.cls, G.cls]))[0]
    # one key per (class, video) pair, shared by predictions and ground truth
    keys = pd.factorize(pd.MultiIndex.from_arrays([cls_codes, np.concatenate([P.video, G.video])]))[0]
    pk, gk = keys[:n_p], keys[n_p:]
    gt_of = dict(_groups(gk))
    for ci, c in enumerate(classes):
        gmask = G.cls == c
        p = np.flatnonzero(P.cls == c)
        if p.size == 0:
            continue
        p = p[np.argsort(-P.score[p], kind="stable")]  # ranked: score down, earlier row first
        tp = np.zeros((len(thresholds), p.size), dtype=bool)
        for key, rank in _groups(pk[p]):  # one video's predictions, in rank order
            g = gt_of.get(key)
            if g is None:
                continue
            iou = temporal_iou(P.seg[p[rank]], G.seg[g], inclusive_frames=inclusive_frames)
            for ti, t in enumerate(thresholds):
                tp[ti, rank[_greedy(iou, t) >= 0]] = True
        n_gt = int(gmask.sum())
        out[ci] = [_interpolated_ap(tp[ti], n_gt) for ti in range(len(thresholds))]
    return pd.DataFrame(out, index=pd.Index(classes, name="class"), columns=pd.Index(list(thresholds), name="tiou"))


def _groups(keys: NDArray[np.intp]) -> list[tuple[int, NDArray[np.intp]]]:
    """(key, positions in ascending order) for each distinct key."""
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(keys[order])) + 1
    return [(int(keys[grp[0]]), grp) for grp in np.split(order, cuts) if grp.size]


def _check_thresholds(thresholds: ArrayLike) -> list[float]:
    try:
        t = np.asarray(thresholds, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("thresholds must be numbers in (0, 1]") from None
    if t.ndim != 1 or t.size == 0:
        raise ValueError(f"thresholds must be a non-empty 1-D sequence, got shape {t.shape}")
    return [_check_threshold(x, f"thresholds[{k}]") for k, x in enumerate(t.tolist())]


def average_precision_at_tiou(
    pred: pd.DataFrame, gt: pd.DataFrame, threshold: float, *, inclusive_frames: bool = True
) -> pd.Series:
    """Average precision per class at one tIoU threshold, as ActivityNet's detection evaluation.

    ``pred``: DataFrame with ``video``, ``class``, ``start_frame``, ``end_frame`` (inclusive:
    ``[3, 3]`` is one frame) and ``score``; ``gt`` the same without ``score``. With
    ``inclusive_frames=False``, ``start_s`` / ``end_s`` (seconds, half-open) are read instead.
    Per class, predictions are ranked over all videos by decreasing score (equal scores: earlier
    row first) and matched within their video by :func:`match_segments`. AP is the all-points
    interpolated AP of VOC 2010+ (ActivityNet's ``interpolated_prec_rec``): the sum, over the
    ranks ``k`` of the true positives, of ``1 / n_gt`` times the precision envelope
    ``max_{j >= k} precision_j``. Classes are those of ``gt`` (sorted); a class without
    predictions has AP 0; predictions of classes absent from ``gt`` are ignored.

    >>> gt = pd.DataFrame({"video": "v", "class": "run", "start_frame": [0, 50], "end_frame": [9, 59]})
    >>> pred = gt.assign(score=[0.2, 0.9]); pred.loc[1, "end_frame"] = 69  # tIoU 10/20
    >>> average_precision_at_tiou(pred, gt, 0.5).tolist(), average_precision_at_tiou(pred, gt, 0.6).tolist()
    ([1.0], [0.25])
    """
    t = _check_threshold(threshold)
    return _ap_table(pred, gt, [t], inclusive_frames)[t].rename(f"AP@{t:g}")


class TemporalMAP(NamedTuple):
    """``mean``: the average over thresholds of ``per_threshold`` (mAP over classes at each
    threshold); ``per_class``: classes x thresholds AP."""

    mean: float
    per_threshold: pd.Series
    per_class: pd.DataFrame


def mean_average_precision_tiou(
    pred: pd.DataFrame,
    gt: pd.DataFrame,
    thresholds: ArrayLike = ACTIVITYNET_TIOU_THRESHOLDS,
    *,
    inclusive_frames: bool = True,
) -> TemporalMAP:
    """ActivityNet's mAP@[0.5:0.95]: AP per class and threshold (:func:`average_precision_at_tiou`),
    mAP at each threshold = the mean over the classes of ``gt``, and ``mean`` = the average of
    those over the thresholds (default 0.5, 0.55, ..., 0.95). Same tables and frame convention
    (inclusive ``start_frame`` / ``end_frame``; ``inclusive_frames=False`` for ``start_s`` / ``end_s``).

    >>> gt = pd.DataFrame({"video": "v", "class": "run", "start_frame": [0], "end_frame": [9]})
    >>> r = mean_average_precision_tiou(gt.assign(end_frame=11, score=1.0), gt)  # tIoU 10/12
    >>> r.per_threshold.tolist(), round(r.mean, 2)
    ([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0], 0.7)
    """
    table = _ap_table(pred, gt, _check_thresholds(thresholds), inclusive_frames)
    per_threshold = table.mean(axis=0).rename("mAP")
    return TemporalMAP(float(per_threshold.mean()), per_threshold, table)


# --------------------------------------------------------------------------- agreement


class SegmentAgreement(NamedTuple):
    """Precision / recall / F1 of ``b`` against ``a``; ``mean_tiou`` over the matched pairs."""

    precision: float
    recall: float
    f1: float
    mean_tiou: float
    n_a: int
    n_b: int
    n_matched: int


def segment_agreement_f1(
    a: pd.DataFrame,
    b: pd.DataFrame,
    threshold: float = 0.5,
    *,
    same_class: bool = False,
    inclusive_frames: bool = True,
) -> SegmentAgreement:
    """Agreement of two annotators' segments: F1 of a one-to-one tIoU matching.

    ``a``, ``b``: DataFrames with ``start_frame``, ``end_frame`` (inclusive: ``[3, 3]`` is one
    frame; ``inclusive_frames=False`` reads ``start_s``, ``end_s``, seconds, half-open), a
    ``video`` column in both or neither (segments match only within their video), and ``class``
    when ``same_class=True`` (then only segments of the same class match). A pair may match when
    its tIoU ``>= threshold``; the pairs are chosen to maximise the number of matches, then the
    summed tIoU (symmetric in a and b, unlike the greedy :func:`match_segments`). precision =
    matched / n_b, recall = matched / n_a, F1 = 2 matched / (n_a + n_b); both empty: all 1.

    >>> a = pd.DataFrame({"start_frame": [0, 20], "end_frame": [9, 29]})
    >>> b = pd.DataFrame({"start_frame": [2, 40], "end_frame": [11, 49]})  # [2, 11]: tIoU 8/12
    >>> r = segment_agreement_f1(a, b); r.f1, round(r.mean_tiou, 4)
    (0.5, 0.6667)
    """
    t = _check_threshold(threshold)
    A = _table(a, "a", inclusive_frames, video=None, cls=same_class)
    B = _table(b, "b", inclusive_frames, video=None, cls=same_class)
    if (A.video is None) != (B.video is None):
        raise ValueError("a and b must both have a video column, or neither")
    na, nb = len(A.seg), len(B.seg)
    if A.video is not None and B.video is not None:
        refuse_lookalikes("video", [("a", A.video), ("b", B.video)])
        codes = pd.factorize(np.concatenate([A.video, B.video]))[0]
    else:
        codes = np.zeros(na + nb, dtype=np.intp)
    va, vb = codes[:na], codes[na:]
    if A.cls is not None and B.cls is not None:
        refuse_lookalikes("class", [("a", A.cls), ("b", B.cls)])
        cc = pd.factorize(np.concatenate([A.cls, B.cls]))[0]
        ca, cb = cc[:na], cc[na:]
    ious: list[NDArray[np.float64]] = []
    for v in np.unique(codes):
        ia, ib = np.flatnonzero(va == v), np.flatnonzero(vb == v)
        if ia.size == 0 or ib.size == 0:
            continue
        iou = temporal_iou(A.seg[ia], B.seg[ib], inclusive_frames=inclusive_frames)
        allowed = iou >= t
        if same_class:
            allowed &= ca[ia][:, None] == cb[ib][None, :]
        rows, cols = _max_matching(allowed, iou)
        ious.append(iou[rows, cols])
    matched_iou = np.concatenate(ious) if ious else np.zeros(0)
    m = int(matched_iou.size)
    mean_tiou = float(matched_iou.mean()) if m else float(na + nb == 0)
    return SegmentAgreement(*_prf(m, na, nb), mean_tiou, na, nb, m)


def frame_alpha(
    segments_by_annotator: Mapping[Hashable, pd.DataFrame] | pd.DataFrame,
    n_frames: int,
) -> float:
    """Krippendorff's alpha (nominal) over the frames of one video.

    Each annotator gives each frame ``0 .. n_frames - 1`` the class of the segment covering it,
    or "none"; alpha is computed over that annotators x frames matrix (every annotator rates
    every frame). ``segments_by_annotator``: a mapping annotator -> DataFrame with ``class``,
    ``start_frame``, ``end_frame`` (frame indices, **inclusive** end: ``[3, 3]`` is frame 3),
    or one DataFrame with an ``annotator`` column as well. A frame covered by two segments of
    different classes by the same annotator (overlaps or sub-steps) is refused, naming both:
    filter the table first (e.g. top-level segments only). At least two annotators; a video
    column, if any, must hold a single video.

    >>> seg = {"ann1": pd.DataFrame({"class": ["a"], "start_frame": [0], "end_frame": [4]}),
    ...        "ann2": pd.DataFrame({"class": ["a"], "start_frame": [0], "end_frame": [3]})}
    >>> round(frame_alpha(seg, 10), 4)  # frame 4 differs: 1 - 19 * 2 / (2 * 9 * 11)
    0.8081
    """
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 1:
        raise ValueError(f"n_frames must be a positive int, not {n_frames!r}")
    if isinstance(segments_by_annotator, pd.DataFrame):
        df = segments_by_annotator
        if "annotator" not in df.columns:
            raise ValueError("a single DataFrame needs an annotator column (or pass {annotator: DataFrame})")
        if df["annotator"].isna().any():
            k = int(np.argmax(df["annotator"].isna().to_numpy()))
            raise ValueError(f"segments: {_label(df.index.tolist(), k)} has no annotator")
        refuse_lookalikes("annotator", [("segments", df["annotator"])])
        tables: dict[Hashable, pd.DataFrame] = {k: g for k, g in df.groupby("annotator", sort=True)}
    elif isinstance(segments_by_annotator, Mapping):
        tables = dict(segments_by_annotator)
    else:
        raise ValueError(
            f"segments_by_annotator must be a mapping annotator -> DataFrame or a DataFrame, "
            f"not {type(segments_by_annotator).__name__}"
        )
    if len(tables) < 2:
        raise ValueError(f"frame_alpha needs at least two annotators, got {len(tables)}")
    parsed = {name: _table(t, f"annotator {name!r}", True, video=None) for name, t in tables.items()}
    for column, field in (("video", "video"), ("class", "cls")):
        refuse_lookalikes(column, [(f"annotator {n!r}", getattr(p, field)) for n, p in parsed.items()
                                   if getattr(p, field) is not None])
    videos = {v for p in parsed.values() if p.video is not None for v in p.video.tolist()}
    if len(videos) > 1:
        raise ValueError(f"frame_alpha takes one video at a time, got {len(videos)}: call it per video")
    all_classes = [c for p in parsed.values() if p.cls is not None for c in p.cls.tolist()]
    classes = _sorted_unique(np.array(all_classes + [None], dtype=object)[:-1])
    code = {c: i + 1 for i, c in enumerate(classes)}  # 0 = "none"
    matrix = np.zeros((len(parsed), n_frames), dtype=np.int64)
    for row, (name, p) in zip(matrix, parsed.items()):
        owner = np.full(n_frames, -1, dtype=np.intp)  # which segment set each frame
        assert p.cls is not None
        for k, ((s, e), c) in enumerate(zip(p.seg.astype(np.int64).tolist(), p.cls.tolist())):
            if e >= n_frames:
                raise ValueError(
                    f"annotator {name!r}: {_label(p.labels, k)} [{s}, {e}] ends past the last frame {n_frames - 1}"
                )
            clash = np.flatnonzero((row[s : e + 1] != 0) & (row[s : e + 1] != code[c]))
            if clash.size:
                f = s + int(clash[0])
                raise ValueError(
                    f"annotator {name!r}: {_label(p.labels, k)} (class {c!r}) and "
                    f"{_label(p.labels, int(owner[f]))} (another class) both cover frame {f}"
                )
            row[s : e + 1] = code[c]
            owner[s : e + 1] = k
    return krippendorff_alpha(matrix, level="nominal")


# --------------------------------------------------------------------------- tracks


def _track(df: Any, what: str) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame with frame, x, y, w, h, not {type(df).__name__}")
    missing = [c for c in ("frame", "x", "y", "w", "h") if c not in df.columns]
    if missing:
        raise ValueError(f"{what} lacks the column(s) {missing} (it has {list(df.columns)})")
    labels = df.index.tolist()
    try:
        frames = df["frame"].to_numpy(dtype=np.float64)
        boxes = df[["x", "y", "w", "h"]].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what}: frame, x, y, w, h must be numbers") from None
    for bad, why in (
        (~np.isfinite(frames) | (frames < 0) | (frames != np.floor(frames)), "a frame that is not an int >= 0"),
        (~np.isfinite(boxes).all(axis=1), "a NaN or infinite coordinate"),
        ((boxes[:, 2:] < 0).any(axis=1), "a negative width or height"),
    ):
        if bad.any():
            k = int(np.argmax(bad))
            raise ValueError(f"{what}: box {k} (row {labels[k]!r}) has {why}: frame {float(frames[k])!r}, box {boxes[k].tolist()}")
    f = frames.astype(np.int64)
    uniq, first, counts = np.unique(f, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = int(uniq[np.argmax(counts > 1)])
        raise ValueError(f"{what}: frame {dup} has {int(counts.max())} boxes; a track has one box per frame")
    return f, boxes


def track_iou_per_frame(track_a: pd.DataFrame, track_b: pd.DataFrame) -> pd.Series:
    """IoU of two tracks' boxes, frame by frame.

    Each track is a DataFrame with ``frame``, ``x``, ``y``, ``w``, ``h`` (one box per frame, as a
    track of ``TrackAnnotator.tracks``). The result is a Series indexed by every frame where either
    track has a box (sorted); a frame where only one has a box counts 0. Boxes are ``(x, y, w, h)``
    without ``+1`` (:func:`box_iou`'s convention); empty or disjoint boxes give 0.

    >>> a = pd.DataFrame({"frame": [0, 1], "x": 0, "y": 0, "w": 2, "h": 2})
    >>> b = pd.DataFrame({"frame": [1, 2], "x": 1, "y": 0, "w": 2, "h": 2})
    >>> track_iou_per_frame(a, b).round(3).to_dict()  # frame 1: 2 / (4 + 4 - 2)
    {0: 0.0, 1: 0.333, 2: 0.0}
    """
    fa, ba = _track(track_a, "track_a")
    fb, bb = _track(track_b, "track_b")
    frames = np.union1d(fa, fb)
    iou = np.zeros(frames.size)
    both, ia, ib = np.intersect1d(fa, fb, return_indices=True)
    if both.size:
        A, B = ba[ia], bb[ib]
        iw = np.minimum(A[:, 0] + A[:, 2], B[:, 0] + B[:, 2]) - np.maximum(A[:, 0], B[:, 0])
        ih = np.minimum(A[:, 1] + A[:, 3], B[:, 1] + B[:, 3]) - np.maximum(A[:, 1], B[:, 1])
        hit = (iw > 0) & (ih > 0)
        inter = np.where(hit, iw * ih, 0.0)
        union = A[:, 2] * A[:, 3] + B[:, 2] * B[:, 3] - inter
        iou[np.searchsorted(frames, both)] = np.divide(inter, union, out=np.zeros_like(inter), where=hit)
    return pd.Series(iou, index=pd.Index(frames, name="frame"), name="iou")
