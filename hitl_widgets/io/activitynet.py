"""ActivityNet-style JSON for temporal segments, losslessly round-tripped.

The format: ``{"version": ..., "database": {video: {"duration": s, "annotations": [{"segment":
[start_s, end_s], "label": ...}, ...]}}}``. We add, per annotation, ``frames`` (``[start_frame,
end_frame]``, inclusive), ``id``, ``parent``, ``source``, ``score``, ``annotator``, and per video
``hitl_id`` (the video's own id when it is an int), so ``from_activitynet(to_activitynet(df))``
gives ``df`` back; a file from elsewhere (no ``frames``) imports with frames left as None.

Both directions check every segment with one rule (:func:`_annotation`): ``0 <= start_s <= end_s``,
finite, ending at most ``duration_slack_s`` past the video's duration when it is known; a label that
is a str or an int; frames, when given, ints with ``0 <= start <= end`` that order a video's segment
edges as its seconds do (the format carries no frame rate, so a frame is never converted to seconds).
Video ids are ints or strs; two that read alike (``1`` and ``"1"``: both would be key ``"1"``) are refused.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"video": [0], "segment_id": ["a"], "parent": [None], "class": ["run"],
    ...                    "start_frame": [3], "end_frame": [7], "start_s": [0.12], "end_s": [0.32],
    ...                    "source": ["human"], "score": [None], "annotator": ["ann"]})
    >>> js = to_activitynet(df)
    >>> js["database"]["0"]["annotations"][0]["segment"], js["database"]["0"]["annotations"][0]["frames"]
    ([0.12, 0.32], [3, 7])
    >>> from_activitynet(js).equals(df)
    True
"""
from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..coerce import check_item_id, check_number, is_item_id, is_missing, plain, refuse_lookalikes, whole_float_to_int

COLUMNS = ["video", "segment_id", "parent", "class", "start_frame", "end_frame", "start_s", "end_s",
           "source", "score", "annotator"]
OPTIONAL = (("id", "segment_id"), ("parent", "parent"), ("source", "source"), ("score", "score"), ("annotator", "annotator"))
DURATION_SLACK_S = 0.1
"""How far (s) a segment may end past its video's duration by default: durations are rounded
metadata, and a video's last frame ends after its mean frame length, not its nominal one."""


def _plain_or_none(v: Any) -> Any:
    return None if is_missing(v) else plain(v)


def _seconds(v: Any, name: str) -> float:
    return check_number(name, v, 0, math.inf, high_open=True)


def _finite(v: Any, name: str) -> float:
    return check_number(name, v, -math.inf, math.inf, low_open=True, high_open=True)


def _label(label: Any, where: str) -> Any:
    """``label`` when it is a str or an int (not a bool: the item-id rule), else ``ValueError``."""
    if not is_item_id(label):
        raise ValueError(f"{where}: 'label' must be a string or int, not {str(label)[:40]!r}")
    return label


def _frames(frames: Any, where: str) -> tuple[int | None, int | None]:
    if frames is None:
        return None, None
    ok = isinstance(frames, list) and len(frames) == 2 and all(isinstance(f, int) and not isinstance(f, bool) for f in frames)
    if not ok or frames[0] < 0 or frames[1] < frames[0]:
        raise ValueError(f"{where}: 'frames' must be [start_frame, end_frame] ints with 0 <= start <= end, "
                         f"not {str(frames)[:40]}")
    return frames[0], frames[1]


def _annotation(video: Any, where: str, ann: Any, duration: float | None, slack: float) -> dict:
    """One annotation (JSON form) checked, as a row of ``COLUMNS``; errors start with ``where``."""
    if not isinstance(ann, dict):
        raise ValueError(f"{where}: expected an object")
    seg = ann.get("segment")
    if not isinstance(seg, list) or len(seg) != 2:
        raise ValueError(f"{where}: 'segment' must be [start_s, end_s]")
    start_s, end_s = _seconds(seg[0], f"{where}: segment start"), _seconds(seg[1], f"{where}: segment end")
    if end_s < start_s:
        raise ValueError(f"{where}: segment [{start_s}, {end_s}] must have 0 <= start <= end")
    if duration is not None and end_s > duration + slack:
        raise ValueError(f"{where}: segment [{start_s}, {end_s}] ends after the video's duration {duration} s "
                         f"(more than duration_slack_s={slack}): fix the segment or the duration")
    start_f, end_f = _frames(ann.get("frames"), where)
    score = ann.get("score")
    return {"video": video, "segment_id": ann.get("id"), "parent": ann.get("parent"), "class": _label(ann.get("label"), where),
            "start_frame": start_f, "end_frame": end_f, "start_s": start_s, "end_s": end_s, "source": ann.get("source"),
            "score": None if score is None else _finite(score, f"{where}: score"), "annotator": ann.get("annotator")}


def _check_frame_order(checked: list[tuple[str, dict]]) -> None:
    """Refuse one video's segments whose frames and seconds order their edges differently (frame
    ``f`` after frame ``g`` but earlier in seconds): the two cannot describe the same video."""
    edges = []
    for where, row in checked:
        if row["start_frame"] is not None:
            edges.append((row["start_frame"], row["start_s"], f"{where} starts at frame {row['start_frame']} ({row['start_s']} s)"))
            edges.append((row["end_frame"] + 1, row["end_s"], f"{where} ends with frame {row['end_frame']} ({row['end_s']} s)"))
    edges.sort(key=lambda e: (e[0], e[1]))
    for (f, t, a), (g, u, b) in zip(edges, edges[1:]):
        if f < g and t > u:
            raise ValueError(f"{a}, but {b}: frames and seconds order the segments differently")


def _export_videos(records: list[dict], durations: Mapping) -> tuple[list, dict]:
    """Each record's video and ``durations`` as plain item ids (ints or strs, so ``1.0`` and ``True``
    are refused) and seconds; two videos that read alike (``1`` and ``"1"``, the only pair left
    whose database keys collide) are refused naming both."""
    videos = [check_item_id(rec["video"], where=f"segments row {n}") for n, rec in enumerate(records)]
    lengths = {check_item_id(v, where="durations"): _seconds(d, f"durations[{v!r}]") for v, d in durations.items()}
    refuse_lookalikes("video", [("segments", videos), ("durations", list(lengths))])
    return videos, lengths


def _export_where(video: Any, rec: dict, n: int) -> str:
    seg_id = _plain_or_none(rec.get("segment_id"))
    return f"video {video!r} row {n}" if seg_id is None else f"video {video!r} segment {seg_id!r} (row {n})"


def _raw_annotation(rec: dict) -> dict:
    """A segments row in JSON form, unchecked (frames of a float column with gaps back to ints)."""
    frames = [whole_float_to_int(rec.get("start_frame")), whole_float_to_int(rec.get("end_frame"))]
    return {"segment": [plain(rec["start_s"]), plain(rec["end_s"])], "label": plain(rec["class"]),
            "frames": None if all(is_missing(f) for f in frames) else frames} | {
            key: _plain_or_none(rec.get(col)) for key, col in OPTIONAL}


def _as_json(row: dict, columns: set) -> dict:
    """A checked row as an annotation, with the optional keys whose columns the segments have."""
    ann: dict[str, Any] = {"segment": [row["start_s"], row["end_s"]], "label": row["class"]}
    if row["start_frame"] is not None:
        ann["frames"] = [row["start_frame"], row["end_frame"]]
    return ann | {key: row[col] for key, col in OPTIONAL if col in columns}


def _entry(video: Any, checked: list[tuple[str, dict]], duration: float | None, columns: set) -> dict:
    """One video's database entry from its checked rows; ``duration``: given, else the last end."""
    _check_frame_order(checked)
    entry: dict[str, Any] = {"duration": max((row["end_s"] for _, row in checked), default=0.0) if duration is None else duration,
                             "annotations": [_as_json(row, columns) for _, row in checked]}
    if not isinstance(video, str):
        entry["hitl_id"] = video
    return entry


def to_activitynet(segments: Any, durations: Mapping | None = None, version: str = "hitl-widgets 1", *,
                   duration_slack_s: float = DURATION_SLACK_S) -> dict:
    """Segments (a DataFrame with ``TemporalSegmenter.segments``' columns, or the widget itself) as
    an ActivityNet-style dict. ``durations``: video -> seconds (default: the widget's videos'
    durations, else each video's last end_s). Each segment is checked as ``from_activitynet`` checks
    it (see the module docstring), so what is written reads back; an error names video and segment."""
    if hasattr(segments, "segments") and hasattr(segments, "items"):
        widget = segments
        durations = durations or {v: widget.items.info(v)["duration_s"] for v in widget.items.ids}
        segments = widget.segments
    if not isinstance(segments, pd.DataFrame):
        raise ValueError(f"to_activitynet needs a DataFrame of segments or a TemporalSegmenter, not {type(segments).__name__}")
    missing = {"video", "class", "start_s", "end_s"} - set(segments.columns)
    if missing:
        raise ValueError(f"segments need columns video, class, start_s, end_s; missing {sorted(missing)}")
    slack = _seconds(duration_slack_s, "duration_slack_s")
    records = segments.to_dict("records")
    videos, lengths = _export_videos(records, durations or {})
    ids = {str(v): v for v in [*videos, *lengths]}
    checked: dict[str, list[tuple[str, dict]]] = {key: [] for key in ids}
    for n, (video, rec) in enumerate(zip(videos, records)):
        where = _export_where(video, rec, n)
        checked[str(video)].append((where, _annotation(video, where, _raw_annotation(rec), lengths.get(video), slack)))
    columns = set(segments.columns)
    database = {key: _entry(video, checked[key], lengths.get(video), columns) for key, video in ids.items()}
    return {"version": version, "database": database}


def _video_of(key: Any, entry: Mapping) -> Any:
    """The video id of database ``key``: its ``hitl_id`` (an int whose str is the key) or the key."""
    if not isinstance(key, str):
        raise ValueError(f"video key {key!r} ({type(key).__name__}): database keys must be strs, as JSON writes them")
    if "hitl_id" not in entry:
        return key
    video = entry["hitl_id"]
    if isinstance(video, bool) or not isinstance(video, int) or str(video) != key:
        raise ValueError(f"video {key!r}: hitl_id {repr(video)[:40]} must be the int its key reads as")
    return video


def from_activitynet(data: Mapping | str | os.PathLike, *, duration_slack_s: float = DURATION_SLACK_S) -> pd.DataFrame:
    """An ActivityNet-style dict (or the path of its JSON file) as a DataFrame with
    ``TemporalSegmenter.segments``' columns; every entry is checked (see the module docstring) and
    an error names it. ``duration_slack_s``: how far a segment may end past its video's duration."""
    if isinstance(data, (str, os.PathLike)):
        with open(data, encoding="utf-8") as f:
            data = json.load(f)
    if not isinstance(data, Mapping) or not isinstance(data.get("database"), Mapping):
        raise ValueError("ActivityNet JSON needs an object with a 'database' object")
    slack = _seconds(duration_slack_s, "duration_slack_s")
    rows: list[dict] = []
    for key, entry in data["database"].items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("annotations", []), list):
            raise ValueError(f"video {key!r}: expected an object with an 'annotations' list")
        video = _video_of(key, entry)
        duration = None if entry.get("duration") is None else _seconds(entry["duration"], f"video {key!r}: duration")
        annotations = entry.get("annotations", [])
        wheres = [f"video {key!r} annotation {n}" for n in range(len(annotations))]
        checked = [(where, _annotation(video, where, ann, duration, slack)) for where, ann in zip(wheres, annotations)]
        _check_frame_order(checked)
        rows.extend(row for _, row in checked)
    df = pd.DataFrame(rows, columns=COLUMNS)
    if len(df) and df["start_frame"].notna().all():
        df["start_frame"] = df["start_frame"].astype("int64")
        df["end_frame"] = df["end_frame"].astype("int64")
    df = df.astype({"score": object}).where(df.notna(), None) if len(df) else df
    return df
