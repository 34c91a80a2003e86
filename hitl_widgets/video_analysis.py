"""Simple video analysis on a ``VideoSource``: shot changes (to snap segment edges to) and a
frame-differencing action detector whose segments serve as *proposals* to correct (numpy only).

Both read the video once, **sequentially** (frame 0, 1, 2, ...: a ``VideoSource`` steps forward
without seeking) and work on frames downscaled by an integer block mean to about ``work_width``
pixels wide, so their cost is dominated by decoding.

``shot_changes``: for each frame ``i >= 1``, the distance between the colour histograms of the
downscaled frames ``i - 1`` and ``i`` (8 bins per channel, half the L1 distance: 0 = same colours,
1 = no colour in common), combined with their mean absolute pixel difference (in [0, 1]): ``d[i] =
min(hist, mad)`` — a cut changes both, an object moving over a still background changes the mean
difference a lot only where it moves and the histogram little. With ``threshold=None`` it is
chosen **adaptively**: ``max(0.15, median(d) + 8 * 1.4826 * MAD(d))`` (a robust z-score of 8 above
the clip's typical frame-to-frame change, never below 0.15). A frame is a cut when ``d[i]`` exceeds
the threshold and is the largest within ±2 frames (one cut, not two, for a cut that spans a blended
frame). Gradual transitions (fades, dissolves) are not detected.

``motion_proposals``: the background is the per-pixel temporal median of the downscaled frames; a
pixel is foreground where it differs from it by more than ``fg_threshold`` (0..255, any channel);
foreground pixels form regions of 4-connected pixels of similar colour; regions of at least
``min_area`` (fraction of the frame) are linked frame to frame by nearest centroid into tracks.
Then: "appear" = a track's first frame, "leave" = its last frame (one-frame segments), "jump" = a
run of frames where the track's centroid is above its resting height (its lowest, 90th percentile
of y), "spin" = a run where its bounding box's width or height differs from the track's median.
Scores lie in (0, 1]. It knows nothing of the synthetic clips beyond these rules; pass ``ignore``
to mask burnt-in overlays (a timecode, a logo, the synthetic clips' frame marker) that change
every frame. It is deterministic: the same video gives the same table.

Example:
    >>> from hitl_widgets.demo import synthetic_clip
    >>> from hitl_widgets.video import VideoSource
    >>> clip = synthetic_clip(n_frames=40, size=(64, 48), seed=0)
    >>> src = VideoSource(clip.frames, fps=clip.fps)
    >>> shot_changes(src).tolist()
    []
    >>> snap_to([9, 30], [10, 20], within=2).tolist()
    [10, 30]
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .coerce import check_int, check_number

__all__ = ["PROPOSAL_CLASSES", "motion_proposals", "shot_changes", "snap_to"]

PROPOSAL_CLASSES: tuple[str, ...] = ("appear", "jump", "spin", "leave")
SEGMENT_COLUMNS = ["video", "class", "start_frame", "end_frame", "start_s", "end_s", "score", "source"]


# --------------------------------------------------------------------------- reading


def _factor(width: int, work_width: int) -> tuple[int, int]:
    """(stride, block): frames are subsampled by ``stride`` then block-mean downscaled by ``block``,
    together about ``width / work_width`` (the stride keeps large frames cheap: a quarter of the pixels
    summed, or fewer)."""
    if isinstance(work_width, bool) or not isinstance(work_width, (int, np.integer)) or work_width < 8:
        raise ValueError(f"work_width must be an int >= 8, not {work_width!r}")
    factor = max(1, int(round(width / work_width)))
    stride = factor // 2 if factor >= 4 else 1
    return stride, factor // stride


def _small_frames(source: Any, factor: tuple[int, int]) -> Iterator[np.ndarray]:
    """Frames 0..n-1 in order, downscaled (``_factor``), as ``(h, w, 3)`` float32."""
    stride, block = factor
    for i in range(source.n_frames):
        rgb = source.frame(i)
        if stride > 1:
            rgb = rgb[::stride, ::stride]
        if block > 1:
            h, w = rgb.shape[0] // block * block, rgb.shape[1] // block * block
            sums = rgb[:h, :w].reshape(h // block, block, w // block, block, 3).sum(axis=3, dtype=np.uint16)
            yield sums.sum(axis=1, dtype=np.uint16).astype(np.float32) * np.float32(1.0 / (block * block))
        else:
            yield rgb.astype(np.float32)


def _check_source(source: Any) -> None:
    if not all(hasattr(source, a) for a in ("n_frames", "frame", "width", "height", "times")):
        raise ValueError(f"expected a VideoSource, not {type(source).__name__}")


# --------------------------------------------------------------------------- shot changes


def _histogram(small: np.ndarray, bins: int = 8) -> np.ndarray:
    q = np.minimum((small * (bins / 256.0)).astype(np.int64), bins - 1)
    hist = np.concatenate([np.bincount(q[..., c].ravel(), minlength=bins) for c in range(3)])
    return hist / (3.0 * q.shape[0] * q.shape[1])


def shot_change_scores(source: Any, work_width: int = 96) -> np.ndarray:
    """``d[i]`` of ``shot_changes`` for every frame (``d[0] = 0``), in [0, 1]."""
    _check_source(source)
    factor = _factor(source.width, work_width)
    d = np.zeros(source.n_frames)
    prev = prev_hist = None
    for i, small in enumerate(_small_frames(source, factor)):
        hist = _histogram(small)
        if prev is not None and prev_hist is not None:
            hist_d = 0.5 * float(np.abs(hist - prev_hist).sum())
            mad = float(np.abs(small - prev).mean()) / 255.0
            d[i] = min(hist_d, mad)
        prev, prev_hist = small, hist
    return d


def adaptive_threshold(d: np.ndarray) -> float:
    """``max(0.15, median + 8 * 1.4826 * MAD)`` of the frame-to-frame changes ``d[1:]``."""
    x = np.asarray(d, dtype=np.float64)[1:]
    if len(x) == 0:
        return 0.15
    med = float(np.median(x))
    mad = float(np.median(np.abs(x - med)))
    return max(0.15, med + 8 * 1.4826 * mad)


def shot_changes(source: Any, threshold: float | None = None, *, work_width: int = 96) -> np.ndarray:
    """Indices of the frames where a new shot starts (a hard cut between frame ``i - 1`` and ``i``).

    Args:
        source: a ``VideoSource``; read once, frame 0 to the last, without seeking.
        threshold: cut when the change ``d[i]`` (in [0, 1], see the module docstring) exceeds it;
            None chooses it adaptively (``adaptive_threshold``).
        work_width: frames are block-mean downscaled to about this width first.

    Returns:
        int64 array of frame indices (``>= 1``, increasing); frame 0 is not listed.
    """
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                  or not 0 < threshold < 1):
        raise ValueError(f"threshold must be a number in (0, 1) or None, not {threshold!r}")
    d = shot_change_scores(source, work_width)
    t = adaptive_threshold(d) if threshold is None else float(threshold)
    cuts: list[int] = []
    for i in range(1, len(d)):
        if d[i] > t and d[i] == d[max(1, i - 2):i + 3].max() and not (cuts and i - cuts[-1] <= 2):
            cuts.append(i)
    return np.asarray(cuts, dtype=np.int64)


def snap_to(frames: Sequence[int] | np.ndarray, cuts: Sequence[int] | np.ndarray, within: int = 3) -> np.ndarray:
    """Each frame moved to the nearest cut at most ``within`` frames away (the earlier one on a tie),
    else left as it is. ``snap_to([9, 30], [10, 20], within=2)`` → ``[10, 30]``."""
    within = check_int("within", within, 0)
    f = np.asarray(frames)
    c = np.unique(np.asarray(cuts))
    for name, a in (("frames", f), ("cuts", c)):
        if a.size and (a.dtype.kind not in "iu" or a.ndim != 1):
            raise ValueError(f"{name} must be a 1-D sequence of int frame indices")
    f = f.astype(np.int64).reshape(-1)
    if c.size == 0 or f.size == 0:
        return f.copy()
    c = c.astype(np.int64)
    pos = np.clip(np.searchsorted(c, f), 1, len(c) - 1) if len(c) > 1 else np.zeros(len(f), np.int64)
    left = c[pos - 1] if len(c) > 1 else c[pos]
    right = c[pos]
    nearest = np.where(np.abs(f - left) <= np.abs(right - f), left, right)
    return np.where(np.abs(nearest - f) <= within, nearest, f)


# --------------------------------------------------------------------------- proposals


def _regions(mask: np.ndarray, img: np.ndarray, colour_tol: float) -> np.ndarray:
    """Labels of 4-connected regions of foreground pixels of similar colour (-1: background),
    by min-label propagation (vectorised; iterations bounded by the regions' diameter)."""
    h, w = mask.shape
    big = h * w
    labels = np.where(mask, np.arange(big).reshape(h, w), big)
    # may two neighbours join? (both foreground, colours within colour_tol on every channel)
    join_x = mask[:, 1:] & mask[:, :-1] & (np.abs(img[:, 1:] - img[:, :-1]).max(axis=2) <= colour_tol)
    join_y = mask[1:, :] & mask[:-1, :] & (np.abs(img[1:, :] - img[:-1, :]).max(axis=2) <= colour_tol)
    for _ in range(h + w):
        new = labels.copy()
        np.minimum(new[:, 1:], np.where(join_x, labels[:, :-1], big), out=new[:, 1:])
        np.minimum(new[:, :-1], np.where(join_x, labels[:, 1:], big), out=new[:, :-1])
        np.minimum(new[1:, :], np.where(join_y, labels[:-1, :], big), out=new[1:, :])
        np.minimum(new[:-1, :], np.where(join_y, labels[1:, :], big), out=new[:-1, :])
        if np.array_equal(new, labels):
            break
        labels = new
    return np.where(mask, labels, -1)


def _blobs(labels: np.ndarray, min_px: int) -> list[tuple[float, float, float, float, int]]:
    """(cx, cy, bbox w, bbox h, area) of each region of at least ``min_px`` pixels, in label order."""
    ys, xs = np.nonzero(labels >= 0)
    if len(ys) == 0:
        return []
    lab = labels[ys, xs]
    ids, inv, counts = np.unique(lab, return_inverse=True, return_counts=True)
    out = []
    cx = np.bincount(inv, weights=xs) / counts
    cy = np.bincount(inv, weights=ys) / counts
    x0 = np.full(len(ids), np.iinfo(np.int64).max)
    y0 = x0.copy()
    x1 = np.full(len(ids), -1)
    y1 = x1.copy()
    np.minimum.at(x0, inv, xs)
    np.minimum.at(y0, inv, ys)
    np.maximum.at(x1, inv, xs)
    np.maximum.at(y1, inv, ys)
    for k in range(len(ids)):
        if counts[k] >= min_px:
            out.append((float(cx[k]), float(cy[k]), float(x1[k] - x0[k] + 1), float(y1[k] - y0[k] + 1), int(counts[k])))
    return out


def _runs(on: np.ndarray, max_gap: int, min_len: int) -> list[tuple[int, int]]:
    """Inclusive (start, end) runs of True, joining runs separated by at most ``max_gap`` False."""
    idx = np.flatnonzero(on)
    if len(idx) == 0:
        return []
    runs = []
    start = prev = int(idx[0])
    for i in idx[1:]:
        i = int(i)
        if i - prev > max_gap + 1:
            runs.append((start, prev))
            start = i
        prev = i
    runs.append((start, prev))
    return [(a, b) for a, b in runs if b - a + 1 >= min_len]


def motion_proposals(
    source: Any,
    classes: Sequence[str] = PROPOSAL_CLASSES,
    *,
    video: Any = None,
    ignore: Sequence[tuple[int, int, int, int]] = (),
    work_width: int = 96,
    fg_threshold: float = 40.0,
    min_area: float = 0.002,
    min_track: int = 3,
) -> pd.DataFrame:
    """Action segments proposed by frame differencing and blob tracking (see the module docstring).

    Args:
        source: a ``VideoSource``; read once, frame 0 to the last, without seeking (the downscaled
            frames are kept in memory: about ``n_frames * work_width**2 * 2.25`` bytes at 4:3).
        classes: which of "appear", "jump", "spin", "leave" to propose.
        video: the ``video`` column's value (default: the source's name).
        ignore: ``(x, y, w, h)`` rectangles in pixels of the full frame to leave out (overlays).
        work_width: frames are block-mean downscaled to about this width first.
        fg_threshold: a pixel is foreground when a channel differs from the background by more; a
            number in [0, 255) (at 255 or above nothing could be foreground).
        min_area: smallest region kept, as a fraction of the frame's area: a number in [0, 1].
        min_track: tracks seen on fewer frames are dropped (flicker): an int >= 1.

    Raises:
        ValueError: a parameter of the wrong type or out of its range, naming it (never clamped).

    Returns:
        DataFrame with columns video, class, start_frame, end_frame (both inclusive), start_s (start
        frame's time), end_s (when the end frame stops being shown), score (in (0, 1]), source
        ("proposal"), sorted by start_frame, class; deterministic.
    """
    _check_source(source)
    bad = [c for c in classes if c not in PROPOSAL_CLASSES] if not isinstance(classes, str) else [classes]
    if bad or not classes:
        raise ValueError(f"classes must be a non-empty subset of {PROPOSAL_CLASSES}, got {classes!r}")
    fg_threshold = check_number("fg_threshold", fg_threshold, 0, 255, high_open=True)
    min_area = check_number("min_area", min_area, 0, 1)
    min_track = check_int("min_track", min_track, 1)
    factor = _factor(source.width, work_width)
    smalls = np.stack(list(_small_frames(source, factor)))  # (T, h, w, 3)
    n, h, w = smalls.shape[:3]
    keep = np.ones((h, w), bool)
    for rect in ignore:
        if len(rect) != 4 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0 for v in rect):
            raise ValueError(f"ignore: each rectangle must be (x, y, w, h) non-negative ints, not {rect!r}")
        x, y, rw, rh = (int(v) for v in rect)
        k = factor[0] * factor[1]
        keep[y // k:-(-(y + rh) // k), x // k:-(-(x + rw) // k)] = False
    sample = smalls[np.linspace(0, n - 1, min(n, 201)).round().astype(int)]
    background = np.median(sample, axis=0)
    min_px = max(4, int(round(min_area * h * w)))
    reach = 0.08 * float(np.hypot(h, w))  # how far a region may move between frames and stay one track

    # tracks: id -> list of (frame, cx, cy, bw, bh, area)
    tracks: list[list[tuple[int, float, float, float, float, int]]] = []
    live: list[int] = []  # tracks seen on the previous frame
    for f in range(n):
        img = smalls[f]
        mask = (np.abs(img - background).max(axis=2) > fg_threshold) & keep
        blobs = _blobs(_regions(mask, img, colour_tol=fg_threshold), min_px)
        pairs = sorted(
            (float(np.hypot(b[0] - tracks[t][-1][1], b[1] - tracks[t][-1][2])), k, t)
            for k, b in enumerate(blobs) for t in live
        )
        used_b: set[int] = set()
        used_t: set[int] = set()
        now = []
        for dist, k, t in pairs:  # greedy nearest first
            if dist > reach or k in used_b or t in used_t:
                continue
            used_b.add(k)
            used_t.add(t)
            tracks[t].append((f, *blobs[k]))
            now.append(t)
        for k, b in enumerate(blobs):
            if k not in used_b:
                tracks.append([(f, *b)])
                now.append(len(tracks) - 1)
        live = now

    times = np.asarray(source.times, dtype=np.float64)
    period = float(times[-1] / (n - 1)) if n > 1 and times[-1] > 0 else 1.0 / float(source.fps)
    ends = np.append(times[1:], times[-1] + period)
    name = video if video is not None else getattr(source, "name", "video")
    rows = []

    def add(cls: str, a: int, b: int, score: float) -> None:
        if cls in classes:
            rows.append({"video": name, "class": cls, "start_frame": a, "end_frame": b, "start_s": float(times[a]),
                         "end_s": float(ends[b]), "score": float(np.clip(score, 1e-6, 1.0)), "source": "proposal"})

    for tr in tracks:
        if len(tr) < min_track:
            continue
        arr = np.asarray([t[:5] for t in tr], dtype=np.float64)
        frames, cy, bw, bh = arr[:, 0].astype(int), arr[:, 2], arr[:, 3], arr[:, 4]
        size = float(np.median(np.maximum(bw, bh)))
        steady = min(1.0, len(tr) / 10)  # a long track is surer to be an object
        if frames[0] > 0:  # a track there from frame 0 did not appear within the video
            add("appear", int(frames[0]), int(frames[0]), steady)
        if frames[-1] < n - 1:
            add("leave", int(frames[-1]), int(frames[-1]), steady)
        lift = np.percentile(cy, 90) - cy  # above the resting height (image y grows downwards)
        for s, e in _runs(lift > max(0.5, 0.05 * size), max_gap=2, min_len=3):
            add("jump", int(frames[s]), int(frames[e]), steady * min(1.0, float(lift[s:e + 1].max()) / max(1.0, 0.5 * size)))
        grow = np.maximum(np.abs(bw - np.median(bw)), np.abs(bh - np.median(bh)))
        for s, e in _runs(grow >= max(1.0, 0.06 * size), max_gap=2, min_len=3):
            add("spin", int(frames[s]), int(frames[e]), steady * min(1.0, float(grow[s:e + 1].mean()) / max(1.0, 0.3 * size)))

    out = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
    out = out.sort_values(["start_frame", "class", "end_frame"], kind="stable").reset_index(drop=True)
    return out.astype({"start_frame": np.int64, "end_frame": np.int64, "score": np.float64})
