"""Object tracks on a video as a DataFrame: validation, keyframe interpolation, split / merge, and a
greedy IoU tracker that turns per-frame detections into track proposals (pure numpy / pandas).

A *tracks* DataFrame has one row per track per frame, with the columns of ``TRACK_COLUMNS``:

- ``track``: the track id, an ``int`` or a ``str`` (one class per track);
- ``frame``: 0-based frame index (an int);
- ``x``, ``y``, ``w``, ``h``: the box in pixels, top-left corner and size (``metrics.geometry``'s
  convention, no ``+1``), ``w`` and ``h`` > 0;
- ``class``: an ``int`` or a ``str``;
- ``keyframe``: True for a box someone (or a detector) placed, False for one interpolated between
  two keyframes of its track; a track starts and ends on keyframes;
- ``source``: where the box came from ("human", "proposal", "adjusted", "mot", ...);
- ``video`` (optional): the video (an ``int`` or a ``str``) of the row. With it, a track is a
  (video, track) pair, as ``TrackAnnotator.tracks`` and ``io.from_coco_video`` give them: each video
  numbers its tracks on its own, so track 0 of one video is never track 0 of another.

Other columns (``score``, ...) are kept as they are.

Example:
    >>> kf = pd.DataFrame({"track": 0, "frame": [0, 4], "x": [0.0, 8.0], "y": 0.0, "w": 2.0, "h": 2.0, "class": "car"})
    >>> interpolate(kf)[["frame", "x", "keyframe"]].values.tolist()
    [[0, 0.0, True], [1, 2.0, False], [2, 4.0, False], [3, 6.0, False], [4, 8.0, True]]
"""
from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from .coerce import check_int, check_number, is_missing, plain
from .metrics.geometry import box_iou
from .widgets.segments import check_scores

__all__ = [
    "TRACK_COLUMNS",
    "interpolate",
    "merge_tracks",
    "propagate_detections",
    "split_track",
    "tracks_summary",
    "validate_tracks",
]

TRACK_COLUMNS = ["track", "frame", "x", "y", "w", "h", "class", "keyframe", "source"]
BOX = ["x", "y", "w", "h"]
_VELOCITY_SPAN = 4  # detections over which propagate_detections measures a track's velocity
_EDGE = 1e-6  # pixels a box may pass the frame's edge by (float rounding of x + w)


def _key(value: Any) -> tuple[int, Any]:
    """A sort key that orders ints before strs (so a mix of track ids sorts)."""
    return (0, value) if isinstance(value, int) else (1, value)


def _of(video: Any, word: str = "of") -> str:
    """" of video 'a.mp4'" for a row's video, "" for tracks without a video column (video None)."""
    return "" if video is None else f" {word} video {video!r}"


def _track_name(video: Any, track: Any) -> str:
    return f"track {track!r}{_of(video)}"


def _track_key(video: Any, track: Any) -> tuple:
    """What identifies a track: its id within its video (None: no video column); ints and strs kept apart."""
    return (_key(video), _key(track))


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _row(df: pd.DataFrame, k: int) -> str:
    label = df.index[k]
    return f"row {k}" if label == k else f"row {k} (label {label!r})"


def _numbers(values: Any, where: Any, what: str) -> np.ndarray:
    """``values`` (a Series or an array) as float64, refusing strs, bools and other non-numbers."""
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
    if arr.dtype.kind in "iuf":
        return arr.astype(np.float64)
    for k, v in enumerate(arr):
        v = plain(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{where(k)}: {what} {v!r} is not a number")
    return arr.astype(np.float64)


def _frames(values: Any, where: Any, n_frames: int | None) -> np.ndarray:
    """``values`` as int64 frame indices, each checked (``where(k)`` names row ``k``)."""
    f = _numbers(values, where, "frame")
    for test, what in ((~np.isfinite(f), "is not finite"), (f != np.floor(f), "is not a whole number"),
                       (f < 0, "is negative (frames are 0-based)")):
        if test.any():
            k = int(np.argmax(test))
            shown = int(f[k]) if np.isfinite(f[k]) and f[k] == np.floor(f[k]) else float(f[k])
            raise ValueError(f"{where(k)}: frame {shown!r} {what}")
    if n_frames is not None and (f >= n_frames).any():
        k = int(np.argmax(f >= n_frames))
        raise ValueError(f"{where(k)}: frame {int(f[k])} is past the video's last frame {n_frames - 1}")
    return f.astype(np.int64)


def _boxes(df: pd.DataFrame, where: Any, width: float | None, height: float | None) -> np.ndarray:
    """The ``(N, 4)`` float boxes, finite, positive size, inside the frame when its size is given."""
    cols = [_numbers(df[c], where, c) for c in BOX]
    b = np.stack(cols, axis=1) if cols[0].size else np.zeros((0, 4))
    bad = ~np.isfinite(b).all(axis=1)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"{where(k)}: box {b[k].tolist()} has a NaN or infinite value")
    bad = (b[:, 2] <= 0) | (b[:, 3] <= 0)
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"{where(k)}: box {b[k].tolist()} must have w > 0 and h > 0")
    for size, lo, span, name in ((width, 0, 2, "width"), (height, 1, 3, "height")):
        if size is None:
            continue
        bad = (b[:, lo] < -_EDGE) | (b[:, lo] + b[:, span] > size + _EDGE)
        if bad.any():
            k = int(np.argmax(bad))
            raise ValueError(f"{where(k)}: box {b[k].tolist()} leaves the frame ({name} {size}); "
                             "clip it first (hitl_widgets.metrics.geometry.clip_box)")
    return b


def _ids(values: Any, where: Any, what: str) -> list[Any]:
    out = [plain(v) for v in values]
    for k, v in enumerate(out):
        if is_missing(v):
            raise ValueError(f"{where(k)}: {what} is missing")
    for k, v in enumerate(out):
        if not _is_id(v):
            raise ValueError(f"{where(k)}: {what} {v!r} is a {type(v).__name__}, not an int or a str")
    return out


def _flags(values: Any, where: Any) -> list[bool]:
    out = []
    for k, v in enumerate(values):
        v = plain(v)
        if v not in (True, False) or isinstance(v, float) and math.isnan(v):
            raise ValueError(f"{where(k)}: keyframe {v!r} is not True or False")
        out.append(bool(v))
    return out


def validate_tracks(
    df: pd.DataFrame, n_frames: int | None = None, width: float | None = None, height: float | None = None
) -> pd.DataFrame:
    """A checked copy of a tracks DataFrame, sorted by track then frame, index 0..N-1.

    Needs track, frame, x, y, w, h, class; ``keyframe`` defaults to True and ``source`` to
    "human" when the column is absent. Refused (ValueError naming the track and frame, or the row):
    a missing or non-int/str track id or class, a frame that is not a whole number in
    ``0..n_frames-1``, a NaN or infinite coordinate, ``w <= 0`` or ``h <= 0``, a box leaving the
    ``width`` x ``height`` frame, two rows for one (track, frame), one track id with two classes, a
    track whose first or last row is not a keyframe.

    Example:
        >>> df = pd.DataFrame({"track": [1, 1], "frame": [3, 3], "x": 0, "y": 0, "w": 1, "h": 1, "class": "a"})
        >>> validate_tracks(df)
        Traceback (most recent call last):
        ...
        ValueError: track 1 has two rows for frame 3 (rows 0 and 1)
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"tracks must be a pandas DataFrame, not {type(df).__name__}")
    missing = [c for c in TRACK_COLUMNS[:7] if c not in df.columns]
    if missing:
        raise ValueError(f"tracks lack the column(s) {missing} (they have {list(df.columns)})")
    for name, value, kind in (("n_frames", n_frames, int), ("width", width, (int, float)), ("height", height, (int, float))):
        if value is not None and (isinstance(value, bool) or not isinstance(plain(value), kind) or not value > 0):
            raise ValueError(f"{name} must be a positive {'int' if kind is int else 'number'}, not {value!r}")
    videos = _ids(df["video"], lambda k: _row(df, k), "video") if "video" in df.columns else [None] * len(df)
    tracks = _ids(df["track"], lambda k: _row(df, k), "track id")
    frames = _frames(df["frame"], lambda k: f"{_track_name(videos[k], tracks[k])}, {_row(df, k)}", n_frames)

    def where(k: int) -> str:
        return f"{_track_name(videos[k], tracks[k])}, frame {frames[k]}"

    boxes = _boxes(df, where, width, height)
    classes = _ids(df["class"], where, "class")
    keyframe = _flags(df["keyframe"], where) if "keyframe" in df.columns else [True] * len(df)
    sources = [plain(v) for v in df["source"]] if "source" in df.columns else ["human"] * len(df)
    for k, s in enumerate(sources):
        if not isinstance(s, str):
            raise ValueError(f"{where(k)}: source {s!r} is not a str")
    keys = [_track_key(video, t) for video, t in zip(videos, tracks)]
    seen: dict[tuple[Any, int], int] = {}
    cls_of: dict[Any, int] = {}
    for k, (tk, f, c) in enumerate(zip(keys, frames.tolist(), classes)):
        name = _track_name(videos[k], tracks[k])
        if (tk, f) in seen:
            raise ValueError(f"{name} has two rows for frame {f} (rows {seen[tk, f]} and {k})")
        seen[tk, f] = k
        first = cls_of.setdefault(tk, k)
        if _key(classes[first]) != _key(c):
            raise ValueError(f"{name} has class {classes[first]!r} at frame {frames[first]} and {c!r} at frame {f}: "
                             "a track keeps one class (split it, or give the new class a new track id)")
    out = pd.DataFrame({
        "track": pd.Series(tracks, dtype=object if not tracks else None),
        "frame": frames, "x": boxes[:, 0], "y": boxes[:, 1], "w": boxes[:, 2], "h": boxes[:, 3],
        "class": pd.Series(classes, dtype=object if not classes else None),
        "keyframe": np.asarray(keyframe, dtype=bool), "source": pd.Series(sources, dtype=object if not sources else None),
    })
    for c in df.columns:
        if c not in out.columns:
            out[c] = pd.Series(videos, dtype=object if not videos else None) if c == "video" else df[c].to_numpy()
    order = sorted(range(len(out)), key=lambda k: (keys[k], frames[k]))
    out = out.iloc[order].reset_index(drop=True)
    ends = out.groupby(_numbered([keys[k] for k in order]), sort=False)["frame"].agg(["idxmin", "idxmax"])
    for k in np.concatenate([ends["idxmin"].to_numpy(), ends["idxmax"].to_numpy()]):
        if not out["keyframe"].iat[k]:
            raise ValueError(f"{_track_name(videos[order[k]], tracks[order[k]])}, frame {out['frame'].iat[k]}: a track "
                             "starts and ends on keyframes, and this end is an interpolated box (keyframe=False)")
    return out


def _pairs(df: pd.DataFrame) -> list[tuple[Any, Any]]:
    """(video, track) of each row of a validated tracks DataFrame (video None: no video column)."""
    videos = df["video"] if "video" in df.columns else [None] * len(df)
    return [(plain(video), plain(track)) for video, track in zip(videos, df["track"])]


def _codes(df: pd.DataFrame) -> np.ndarray:
    """One int per track of a validated tracks DataFrame, numbered in row order: a (video, track)
    pair when it has a video column (ints and strs kept apart: track 1 is not track "1")."""
    return _numbered([_track_key(*p) for p in _pairs(df)])


def _numbered(keys: list[tuple]) -> np.ndarray:
    """One int per distinct track key (``_track_key``), numbered in the order they first appear."""
    return pd.factorize(pd.Series(keys, dtype=object))[0]


def _mask(df: pd.DataFrame, video: Any, track: Any) -> np.ndarray:
    """The rows of one track (of ``video``; None: the tracks have no video column)."""
    key = _track_key(video, track)
    return np.fromiter((_track_key(*p) == key for p in _pairs(df)), dtype=bool, count=len(df))


def _which_video(v: pd.DataFrame, video: Any, what: str) -> Any:
    """The video that ``split_track`` / ``merge_tracks`` changes: None when the tracks have no video
    column; else ``video``, one of theirs (it may be left out when they are all from one video)."""
    if "video" not in v.columns:
        if video is not None:
            raise ValueError(f"{what}: video={video!r} is given, but the tracks have no video column")
        return None
    videos = list(dict.fromkeys(_key(plain(x)) for x in v["video"]))
    shown = ", ".join(repr(x[1]) for x in videos[:5]) + (", ..." if len(videos) > 5 else "")
    if video is None:
        if len(videos) > 1:
            raise ValueError(f"{what}: the tracks are from {len(videos)} videos ({shown}), each numbering its tracks: "
                             "name one with video=")
        return videos[0][1] if videos else None
    video = _track_id(video, "video")
    if _key(video) not in videos:
        raise ValueError(f"{what}: no video {video!r} in the tracks (they have {shown or 'none'})")
    return video


def _track_id(value: Any, what: str) -> Hashable:
    v = plain(value)
    if not _is_id(v):
        raise ValueError(f"{what} {v!r} must be an int or a str")
    return v


def interpolate(keyframes_df: pd.DataFrame, max_gap: int | None = None) -> pd.DataFrame:
    """One box per frame of each track: boxes linearly interpolated between consecutive keyframes.

    Rows with ``keyframe=True`` are kept as they are; rows with ``keyframe=False`` are recomputed.
    With a ``video`` column, a track is interpolated within its video only. An interpolated row takes
    its track's class and video and the source of the keyframe before it, with ``keyframe=False``
    (and NaN in other columns). ``max_gap``: leave a run of more than this many
    missing frames empty (the object was out of view); None fills every gap.

    Example:
        >>> kf = pd.DataFrame({"track": "a", "frame": [0, 2], "x": 0.0, "y": 0.0, "w": [2.0, 4.0], "h": 2.0, "class": 1})
        >>> interpolate(kf)["w"].tolist()
        [2.0, 3.0, 4.0]
    """
    if max_gap is not None:
        max_gap = check_int("max_gap", max_gap, 0)
    v = validate_tracks(keyframes_df)
    keys = v[v["keyframe"]].reset_index(drop=True)
    codes = _codes(keys)
    f = keys["frame"].to_numpy()
    b = keys[BOX].to_numpy()
    # consecutive keyframes of one track (rows are sorted by track, then frame)
    gap = np.diff(f)
    pairs = np.flatnonzero((codes[1:] == codes[:-1]) & (gap > 1) & (True if max_gap is None else gap - 1 <= max_gap))
    if not pairs.size:
        return keys
    n = gap[pairs] - 1
    src = np.repeat(pairs, n)
    step = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + 1
    t = (step / gap[src])[:, None]
    boxes = b[src] + t * (b[src + 1] - b[src])
    new = pd.DataFrame({
        "track": keys["track"].to_numpy()[src], "frame": f[src] + step,
        **{c: boxes[:, i] for i, c in enumerate(BOX)},
        "class": keys["class"].to_numpy()[src], "keyframe": False, "source": keys["source"].to_numpy()[src],
        **({"video": keys["video"].to_numpy()[src]} if "video" in keys.columns else {}),
    })
    out = pd.concat([keys, new], ignore_index=True)
    order = np.lexsort((out["frame"].to_numpy(), np.concatenate([codes, codes[src]])))
    return out.iloc[order].reset_index(drop=True)


def split_track(df: pd.DataFrame, track: Any, at_frame: int, new_id: Any = None, *, video: Any = None) -> pd.DataFrame:
    """Give the rows of ``track`` from ``at_frame`` on a new track id (default: the largest int id + 1).

    With a ``video`` column, ``video`` names the track's video (it may be left out when all rows are
    from one video), and ids are those of that video: the new id is new there, the default is that
    video's largest int id + 1.

    The two rows either side of the cut become keyframes (their boxes unchanged), so each part still
    starts and ends on a keyframe and re-interpolating changes nothing.

    Example:
        >>> kf = pd.DataFrame({"track": 0, "frame": [0, 4], "x": 0.0, "y": 0.0, "w": 2.0, "h": 2.0, "class": "car"})
        >>> split_track(interpolate(kf), 0, at_frame=2)[["track", "frame", "keyframe"]].values.tolist()
        [[0, 0, True], [0, 1, True], [1, 2, True], [1, 3, False], [1, 4, True]]
    """
    v = validate_tracks(df)
    track = _track_id(track, "track")
    video = _which_video(v, video, f"split track {track!r}")
    name = _track_name(video, track)
    at = _frames(np.array([at_frame], dtype=object), lambda k: f"split {name}", None)[0]
    mask = _mask(v, video, track)
    if not mask.any():
        raise ValueError(f"no {name} to split")
    frames = v["frame"].to_numpy()[mask]
    if not frames.min() < at <= frames.max():
        raise ValueError(f"{name} spans frames {frames.min()}..{frames.max()}: split it at a frame after its "
                         f"first and up to its last (rows from that frame on get the new id), not {at}")
    ids = [t for vid, t in _pairs(v) if _key(vid) == _key(video)]
    if new_id is None:
        new_id = max((t for t in ids if isinstance(t, int)), default=-1) + 1
    new_id = _track_id(new_id, "new_id")
    if _key(new_id) in {_key(t) for t in ids}:
        raise ValueError(f"track id {new_id!r} is already used{_of(video, 'in')}: choose a new_id no track has")
    tail = mask & (v["frame"].to_numpy() >= at)
    before = np.flatnonzero(mask & ~tail)[-1]
    after = np.flatnonzero(tail)[0]
    v.loc[[before, after], "keyframe"] = True
    track_col = v["track"].astype(object)
    track_col[tail] = new_id
    v["track"] = track_col
    return validate_tracks(v)


def merge_tracks(df: pd.DataFrame, keep: Any, absorb: Any, *, video: Any = None) -> pd.DataFrame:
    """Give the rows of track ``absorb`` the id ``keep`` (one object annotated as two tracks).

    Refused when the tracks share a frame or have different classes. The frames between them stay
    empty: :func:`interpolate` fills them. With a ``video`` column, both tracks are of ``video`` (it
    may be left out when all rows are from one video).

    Example:
        >>> df = pd.DataFrame({"track": [0, 1], "frame": [0, 5], "x": 0.0, "y": 0.0, "w": 2.0, "h": 2.0, "class": "car"})
        >>> merge_tracks(df, keep=0, absorb=1)["track"].tolist()
        [0, 0]
    """
    v = validate_tracks(df)
    keep, absorb = _track_id(keep, "keep"), _track_id(absorb, "absorb")
    video = _which_video(v, video, f"merge tracks {keep!r} and {absorb!r}")
    if _key(keep) == _key(absorb):
        raise ValueError(f"cannot merge {_track_name(video, keep)} with itself")
    mk, ma = _mask(v, video, keep), _mask(v, video, absorb)
    for t, m in ((keep, mk), (absorb, ma)):
        if not m.any():
            raise ValueError(f"no {_track_name(video, t)} to merge")
    ck, ca = v["class"][mk].iat[0], v["class"][ma].iat[0]
    if _key(ck) != _key(ca):
        raise ValueError(f"tracks {keep!r} (class {ck!r}) and {absorb!r} (class {ca!r}){_of(video)} have different classes: "
                         "a track keeps one class")
    both = np.intersect1d(v["frame"][mk], v["frame"][ma])
    if both.size:
        shown = ", ".join(map(str, both[:5])) + (", ..." if both.size > 5 else "")
        raise ValueError(f"tracks {keep!r} and {absorb!r}{_of(video)} both have boxes on {both.size} frame(s) ({shown}): "
                         "a track has one box per frame; split or delete the overlap first")
    track_col = v["track"].astype(object)
    track_col[ma] = keep
    v["track"] = track_col
    return validate_tracks(v)


# --------------------------------------------------------------------------- detections -> proposals


def _detections(detections: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[Any], np.ndarray]:
    """frames, boxes, classes, scores of a detections DataFrame, checked, naming the row."""
    if not isinstance(detections, pd.DataFrame):
        raise TypeError(f"detections must be a pandas DataFrame, not {type(detections).__name__}")
    missing = [c for c in ("frame", *BOX, "class") if c not in detections.columns]
    if missing:
        raise ValueError(f"detections lack the column(s) {missing} (they have {list(detections.columns)})")

    def where(k: int) -> str:
        return f"detection {_row(detections, k)}"

    frames = _frames(detections["frame"], where, None)
    boxes = _boxes(detections, lambda k: f"{where(k)} (frame {frames[k]})", None, None)
    classes = _ids(detections["class"], lambda k: f"{where(k)} (frame {frames[k]})", "class")
    if "score" in detections.columns:
        scores = check_scores(detections["score"], lambda k: f"{where(k)} (frame {frames[k]})")
    else:
        scores = np.ones(len(detections))
    return frames, boxes, classes, scores


def _each_video(df: pd.DataFrame, run: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """``run`` on each video's rows of ``df`` (without its video column), the results one after the
    other with ``video`` as their first column; an error names the video."""
    keys = [_key(v) for v in _ids(df["video"], lambda k: f"detection {_row(df, k)}", "video")]
    videos: list[tuple[Any, Any]] = sorted(set(keys)) or [(None, None)]  # no rows: run once, for the columns
    number = {key: n for n, key in enumerate(videos)}
    codes = np.fromiter((number[k] for k in keys), dtype=np.int64, count=len(keys))  # one pass, not one per video
    parts = []
    for n, key in enumerate(videos):
        try:
            out = run(df[codes == n].drop(columns="video"))
        except ValueError as e:
            raise ValueError(f"video {key[1]!r}: {e}") from None
        out.insert(0, "video", pd.Series([key[1]] * len(out), dtype=object))
        parts.append(out)
    return pd.concat(parts, ignore_index=True)


def _predict(rows: list[int], frames: np.ndarray, boxes: np.ndarray, f: int, motion: bool) -> np.ndarray:
    """Where a track's box should be on frame ``f``: its last box, moved on at the mean velocity of
    its last few detections when ``motion`` (the size is kept)."""
    last = boxes[rows[-1]]
    if not motion or len(rows) < 2:
        return last
    a, b = rows[-min(len(rows), _VELOCITY_SPAN + 1)], rows[-1]
    v = (boxes[b, :2] - boxes[a, :2]) / (frames[b] - frames[a])
    return np.concatenate([last[:2] + v * (f - frames[b]), last[2:]])


def propagate_detections(
    detections: pd.DataFrame, iou_threshold: float = 0.3, max_gap: int = 0, min_length: int = 1, motion: bool = True
) -> pd.DataFrame:
    """Link per-frame detector boxes into track proposals with a greedy IoU tracker.

    ``detections``: frame, x, y, w, h, class and (optional, default 1) score, a finite number in
    [0, 1] as ``TemporalSegmenter``'s and ``TrackAnnotator``'s proposals (``widgets.segments.check_score``:
    a score outside, a str or a bool is refused naming the row). Frame by frame, each
    open track of a class is matched to a detection of the same class by the IoU of the detection
    with the track's predicted box (its last box; with ``motion``, moved on at its mean velocity
    over its last five detections), greedily (highest IoU first; ties: the older track, the higher score),
    accepting IoU >= ``iou_threshold``; an unmatched detection starts a track. A track stays
    open for ``max_gap`` frames without a detection (the missed frames are then interpolated,
    ``keyframe=False``). Tracks with fewer than ``min_length`` detections are dropped (one-frame
    false positives, with ``min_length=2``).

    Returns a tracks DataFrame (ids 0, 1, ... by first frame) with ``source="proposal"``, detected
    boxes as keyframes, and ``score`` (NaN on interpolated rows). With a ``video`` column (ints or
    strs), each video's detections are linked on their own (ids from 0 in each video) and ``video``
    is the result's first column, as ``TrackAnnotator`` takes proposals.

    Example:
        >>> det = pd.DataFrame({"frame": [0, 1, 1, 3], "x": [0.0, 1.0, 50.0, 3.0], "y": 0.0, "w": 10.0, "h": 10.0,
        ...                     "class": "car", "score": 0.9})
        >>> propagate_detections(det, max_gap=1)[["track", "frame", "x", "keyframe"]].values.tolist()
        [[0, 0, 0.0, True], [0, 1, 1.0, True], [0, 2, 2.0, False], [0, 3, 3.0, True], [1, 1, 50.0, True]]
    """
    t = check_number("iou_threshold", iou_threshold, 0, 1, low_open=True)
    max_gap, min_length = check_int("max_gap", max_gap, 0), check_int("min_length", min_length, 1)
    if not isinstance(plain(motion), bool):  # "no" or "False" would turn it on
        raise ValueError(f"motion must be True or False, not {str(motion)[:40]!r}")
    motion = bool(plain(motion))
    if isinstance(detections, pd.DataFrame) and "video" in detections.columns:
        return _each_video(detections, lambda part: propagate_detections(part, t, max_gap, min_length, motion))
    frames, boxes, classes, scores = _detections(detections)
    ckeys = [_key(c) for c in classes]
    order = np.lexsort((-scores, frames))  # by frame, then score down (stable: earlier row first on ties)
    tracks: list[list[int]] = []  # detection rows of each track
    active: list[int] = []
    for f in np.unique(frames):
        active = [k for k in active if f - frames[tracks[k][-1]] - 1 <= max_gap]
        dets = order[frames[order] == f]
        taken: set[int] = set()
        for ck in dict.fromkeys(ckeys[d] for d in dets):
            ds = [d for d in dets if ckeys[d] == ck]
            ts = [k for k in active if ckeys[tracks[k][0]] == ck]
            if ts:
                iou = box_iou(np.array([_predict(tracks[k], frames, boxes, f, motion) for k in ts]), boxes[ds])
                flat = np.argsort(-iou, axis=None, kind="stable")
                used_t: set[int] = set()
                for i, j in zip(*np.unravel_index(flat, iou.shape)):
                    if iou[i, j] < t:
                        break
                    if i in used_t or ds[j] in taken:
                        continue
                    used_t.add(int(i))
                    taken.add(int(ds[j]))
                    tracks[ts[i]].append(int(ds[j]))
            for d in ds:
                if int(d) not in taken:
                    tracks.append([int(d)])
                    active.append(len(tracks) - 1)
    kept = [rows for rows in tracks if len(rows) >= min_length]
    kept.sort(key=lambda rows: (frames[rows[0]], rows[0]))
    rows = [(n, r) for n, track_rows in enumerate(kept) for r in track_rows]
    idx = np.array([r for _, r in rows], dtype=np.intp)
    out = pd.DataFrame({
        "track": np.array([n for n, _ in rows], dtype=np.int64), "frame": frames[idx],
        **{c: boxes[idx, i] if idx.size else np.zeros(0) for i, c in enumerate(BOX)},
        "class": pd.Series([classes[r] for r in idx], dtype=None if idx.size else object),
        "keyframe": True, "source": "proposal", "score": scores[idx],
    })
    return interpolate(out)


def tracks_summary(df: pd.DataFrame) -> pd.DataFrame:
    """One row per track: track, class, first_frame, last_frame, n_boxes, n_keyframes. With a video
    column: one row per track of each video, ``video`` first.

    Example:
        >>> kf = pd.DataFrame({"track": 0, "frame": [0, 4], "x": 0.0, "y": 0.0, "w": 2.0, "h": 2.0, "class": "car"})
        >>> tracks_summary(interpolate(kf)).values.tolist()
        [[0, 'car', 0, 4, 5, 2]]
    """
    v = validate_tracks(df)
    g = v.groupby(_codes(v), sort=False)
    out = pd.DataFrame({
        **({"video": g["video"].first()} if "video" in v.columns else {}),
        "track": g["track"].first(), "class": g["class"].first(), "first_frame": g["frame"].min(),
        "last_frame": g["frame"].max(), "n_boxes": g.size(), "n_keyframes": g["keyframe"].sum(),
    })
    return out.reset_index(drop=True)

