"""MOT-challenge text export / import of tracks: one line ``frame,id,bb_left,bb_top,bb_width,bb_height,conf,x,y,z``
per box (https://motchallenge.net/instructions/).

Frames are **1-based in the file** and 0-based in the tracks DataFrame (``frame`` 0 is written 1).
Track ids are written as they are (ints). The class is kept through an optional class map: with
``classes``, the 8th column (``x``, where MOT16/17 ground truth puts its class) holds the class id;
without, ``x, y, z`` are ``-1`` as in a results file. ``conf`` is the ``score`` column when there is
one (1 where it is NaN), else 1. MOT has no keyframes: import marks every box a keyframe.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"track": [3], "frame": [0], "x": [1.5], "y": [2.0], "w": [3.0], "h": [4.0], "class": ["car"]})
    >>> to_mot(df, classes={"car": 1})
    '1,3,1.5,2,3,4,1,1,-1,-1\\n'
    >>> from_mot("1,3,1.5,2,3,4,1,1,-1,-1", classes={"car": 1})[["track", "frame", "x", "class"]].values.tolist()
    [[3, 0, 1.5, 'car']]
"""
from __future__ import annotations

import math
import os
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import plain
from ..tracks import validate_tracks


def _class_ids(classes: Mapping[Any, int] | Sequence[Any] | None) -> dict[tuple[str, Any], int] | None:
    """{class key: MOT class id}; a sequence gives ids 1, 2, ... in its order (MOT's are 1-based)."""
    if classes is None:
        return None
    pairs = classes.items() if isinstance(classes, Mapping) else ((c, k + 1) for k, c in enumerate(classes))
    out: dict[tuple[str, Any], int] = {}
    for c, k in pairs:
        c, k = plain(c), plain(k)
        if isinstance(k, bool) or not isinstance(k, int) or k < 0:
            raise ValueError(f"class {c!r}: a MOT class id is an int >= 0, not {k!r}")
        key = (type(c).__name__, c)
        if key in out:
            raise ValueError(f"class {c!r} appears twice in classes")
        out[key] = k
    if len(set(out.values())) != len(out):
        raise ValueError(f"classes map two classes to one id: {dict((c, k) for (_, c), k in out.items())}")
    return out


def _number(v: float) -> str:
    """Shortest text that reads back as the same float ('2' for 2.0)."""
    return str(int(v)) if v == int(v) and abs(v) < 2**53 else repr(float(v))


def to_mot(
    tracks: pd.DataFrame,
    path: str | os.PathLike | None = None,
    *,
    classes: Mapping[Any, int] | Sequence[Any] | None = None,
    keyframes_only: bool = False,
) -> str:
    """The tracks as MOT-challenge text (lines sorted by frame, then id); with ``path``, also written there.

    Args:
        tracks: a tracks DataFrame (``TrackAnnotator.tracks``, ``interpolate(...)``); int track ids.
        classes: ``{class: id}`` or a sequence (ids 1, 2, ...): the class id goes in the 8th column.
        keyframes_only: write only the keyframes (default: every box, as MOT expects).

    Example:
        >>> df = pd.DataFrame({"track": [0, 0], "frame": [0, 1], "x": 0.0, "y": 0.0, "w": 2.0, "h": 2.0, "class": 1})
        >>> print(to_mot(df), end="")
        1,0,0,0,2,2,1,-1,-1,-1
        2,0,0,0,2,2,1,-1,-1,-1
    """
    if isinstance(tracks, pd.DataFrame) and "video" in tracks.columns and tracks["video"].nunique() > 1:
        raise ValueError(f"MOT text holds one video and these tracks have {tracks['video'].nunique()}: write each "
                         "video's rows to its own file (tracks[tracks['video'] == v])")
    v = validate_tracks(tracks)
    ids = _class_ids(classes)
    if keyframes_only:
        v = v[v["keyframe"]]
    lines = []
    scores = v["score"].to_numpy(dtype=np.float64) if "score" in v.columns else np.ones(len(v))
    for k, rec in enumerate(v.to_dict("records")):
        track, cls = plain(rec["track"]), plain(rec["class"])
        if not isinstance(track, int):
            raise ValueError(f"track {track!r}, frame {rec['frame']}: MOT track ids are ints; renumber the tracks "
                             "(e.g. df.assign(track=pd.factorize(df['track'])[0] + 1))")
        cid = -1
        if ids is not None:
            key = (type(cls).__name__, cls)
            if key not in ids:
                raise ValueError(f"track {track!r}, frame {rec['frame']}: class {cls!r} is not in classes")
            cid = ids[key]
        conf = 1.0 if not math.isfinite(scores[k]) else float(scores[k])
        box = ",".join(_number(float(rec[c])) for c in ("x", "y", "w", "h"))
        lines.append((rec["frame"], track, f"{rec['frame'] + 1},{track},{box},{_number(conf)},{cid},-1,-1\n"))
    lines.sort(key=lambda t: (t[0], t[1]))
    text = "".join(line for _, _, line in lines)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def _read(source: str | os.PathLike) -> tuple[str, str]:
    """(text, what to call it in errors) of a path or of MOT text itself (a str with a comma or a
    newline; pass a ``pathlib.Path`` for a file whose name has one)."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source and "," not in source):
        path = Path(source)
        return path.read_text(encoding="utf-8"), path.name
    if not isinstance(source, str):
        raise TypeError(f"from_mot needs MOT text or a path, not {type(source).__name__}")
    return source, "MOT text"


def from_mot(
    source: str | os.PathLike,
    *,
    classes: Mapping[Any, int] | Sequence[Any] | None = None,
    default_class: Hashable = "object",
    n_frames: int | None = None,
    width: float | None = None,
    height: float | None = None,
    ground_truth: bool = False,
) -> pd.DataFrame:
    """Tracks from MOT-challenge text (or a file): a tracks DataFrame plus ``score`` (the conf column).

    ``ground_truth=True`` reads a ground-truth file (``gt.txt``), whose 7th column is not a confidence
    but a flag: 1 to evaluate the box, 0 to ignore it (static people, occluders, reflections). The
    boxes flagged 0 are left out and ``score`` is NaN. Without it, a ground-truth file's flags come in
    as scores of 0 and 1, and the boxes to ignore as tracks.

    Frames become 0-based. The class: with ``classes`` (as for :func:`to_mot`) the 8th column's id,
    mapped back (an id not in the map is refused); without, the 8th column's int when there is one
    and it is not -1, else ``default_class``. Every box is a keyframe with ``source="mot"``.
    Bad lines are refused naming the line (and the track and frame once those are read);
    ``n_frames`` / ``width`` / ``height`` also check frames and boxes against the video.

    Example:
        >>> from_mot("2,7,10,20,30,40,0.9,-1,-1,-1\\n")[["track", "frame", "w", "class", "score"]].values.tolist()
        [[7, 1, 30.0, 'object', 0.9]]
    """
    text, name = _read(source)
    if not isinstance(ground_truth, bool):
        raise ValueError(f"ground_truth must be True or False, not {ground_truth!r}")
    ids = _class_ids(classes)
    by_id = {k: c for (_, c), k in ids.items()} if ids is not None else None
    default_class = plain(default_class)
    if isinstance(default_class, bool) or not isinstance(default_class, (int, str)):
        raise ValueError(f"default_class must be an int or a str, not {default_class!r}")
    rows = []
    first_line: dict[tuple[int, int], int] = {}
    class_of: dict[int, tuple[Any, int]] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        where = f"{name} line {n}"
        if len(fields) < 6:
            raise ValueError(f"{where}: {len(fields)} fields; a MOT line is frame,id,bb_left,bb_top,bb_width,bb_height,conf,x,y,z")
        try:
            values = [float(f) for f in fields[:min(len(fields), 10)]]
        except ValueError:
            raise ValueError(f"{where}: {line[:80]!r} holds a field that is not a number") from None
        frame, track = values[0], values[1]
        if not (math.isfinite(frame) and frame == int(frame) and frame >= 1):
            raise ValueError(f"{where}: frame {fields[0]!r} must be a whole number >= 1 (MOT frames are 1-based)")
        if not (math.isfinite(track) and track == int(track)):
            raise ValueError(f"{where}: id {fields[1]!r} must be a whole number")
        where = f"{where} (track {int(track)}, frame {int(frame) - 1})"
        box = values[2:6]
        if not all(math.isfinite(b) for b in box) or box[2] <= 0 or box[3] <= 0:
            raise ValueError(f"{where}: box {fields[2:6]} must be finite with width and height > 0")
        conf = values[6] if len(values) > 6 else 1.0
        if ground_truth:
            if conf not in (0.0, 1.0):
                raise ValueError(f"{where}: a ground-truth flag must be 0 or 1, not {fields[6]!r}")
            if conf == 0.0:  # a box the evaluation ignores: not a track
                continue
            conf = math.nan
        cid = values[7] if len(values) > 7 else -1.0
        if by_id is not None:
            if cid != int(cid) or int(cid) not in by_id:
                raise ValueError(f"{where}: class id {fields[7] if len(fields) > 7 else None!r} is not in classes")
            cls = by_id[int(cid)]
        elif cid == -1 or not math.isfinite(cid) or cid != int(cid):
            cls = default_class
        else:
            cls = int(cid)
        key = (int(track), int(frame) - 1)
        if key in first_line:
            raise ValueError(f"{where}: a second box for this track and frame (the first is on line {first_line[key]})")
        first_line[key] = n
        seen_cls, seen_line = class_of.setdefault(key[0], (cls, n))
        if (type(seen_cls), seen_cls) != (type(cls), cls):
            raise ValueError(f"{where}: class {cls!r}, but line {seen_line} gives this track class {seen_cls!r}: "
                             "a track keeps one class")
        rows.append((*key, *box, cls, True, "mot", conf))
    df = pd.DataFrame(rows, columns=["track", "frame", "x", "y", "w", "h", "class", "keyframe", "source", "score"])
    try:
        return validate_tracks(df, n_frames=n_frames, width=width, height=height)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None
