"""ActivityNet-style JSON for temporal segments, losslessly round-tripped.

The format: ``{"version": ..., "database": {video: {"duration": s, "annotations": [{"segment":
[start_s, end_s], "label": ...}, ...]}}}``. We add, per annotation, ``frames`` (``[start_frame,
end_frame]``, inclusive), ``id``, ``parent``, ``source``, ``score``, ``annotator``, and per video
``hitl_id`` (the video's own id when it is not a string), so ``from_activitynet(to_activitynet(df))``
gives ``df`` back; a file from elsewhere (no ``frames``) imports with frames left as None.

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

from ..coerce import plain

COLUMNS = ["video", "segment_id", "parent", "class", "start_frame", "end_frame", "start_s", "end_s",
           "source", "score", "annotator"]


def _plain_or_none(v: Any) -> Any:
    v = plain(v)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def to_activitynet(segments: Any, durations: Mapping | None = None, version: str = "hitl-widgets 1") -> dict:
    """Segments (a DataFrame with ``TemporalSegmenter.segments``' columns, or the widget itself) as
    an ActivityNet-style dict. ``durations``: video -> seconds (default: the widget's videos'
    durations, else each video's last end_s)."""
    if hasattr(segments, "segments") and hasattr(segments, "items"):
        widget = segments
        durations = durations or {v: widget.items.info(v)["duration_s"] for v in widget.items.ids}
        segments = widget.segments
    if not isinstance(segments, pd.DataFrame):
        raise ValueError(f"to_activitynet needs a DataFrame of segments or a TemporalSegmenter, not {type(segments).__name__}")
    missing = {"video", "class", "start_s", "end_s"} - set(segments.columns)
    if missing:
        raise ValueError(f"segments need columns video, class, start_s, end_s; missing {sorted(missing)}")
    database: dict[str, dict] = {}
    for rec in segments.to_dict("records"):
        video = plain(rec["video"])
        entry = database.setdefault(str(video), {"duration": None, "annotations": []})
        if not isinstance(video, str):
            entry["hitl_id"] = video
        ann = {"segment": [float(rec["start_s"]), float(rec["end_s"])], "label": plain(rec["class"])}
        if _plain_or_none(rec.get("start_frame")) is not None:
            ann["frames"] = [int(rec["start_frame"]), int(rec["end_frame"])]
        for key, col in (("id", "segment_id"), ("parent", "parent"), ("source", "source"), ("score", "score"), ("annotator", "annotator")):
            if col in rec:
                ann[key] = _plain_or_none(rec[col])
        entry["annotations"].append(ann)
    for video, dur in (durations or {}).items():
        entry = database.setdefault(str(plain(video)), {"duration": None, "annotations": []})
        if not isinstance(plain(video), str):
            entry["hitl_id"] = plain(video)
        entry["duration"] = float(dur)
    for entry in database.values():
        if entry["duration"] is None:
            entry["duration"] = max((a["segment"][1] for a in entry["annotations"]), default=0.0)
    return {"version": version, "database": database}


def _number(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ValueError(f"{where}: expected a finite number, not {str(v)[:40]!r}")
    return float(v)


def _annotation(video: Any, n: int, ann: Any) -> dict:
    where = f"video {video!r} annotation {n}"
    if not isinstance(ann, dict):
        raise ValueError(f"{where}: expected an object")
    seg = ann.get("segment")
    if not isinstance(seg, list) or len(seg) != 2:
        raise ValueError(f"{where}: 'segment' must be [start_s, end_s]")
    start_s, end_s = _number(seg[0], f"{where} segment start"), _number(seg[1], f"{where} segment end")
    if end_s < start_s or start_s < 0:
        raise ValueError(f"{where}: segment [{start_s}, {end_s}] must have 0 <= start <= end")
    label = ann.get("label")
    if isinstance(label, bool) or not isinstance(label, (str, int)):
        raise ValueError(f"{where}: 'label' must be a string or int, not {str(label)[:40]!r}")
    frames = ann.get("frames")
    start_f = end_f = None
    if frames is not None:
        ok = isinstance(frames, list) and len(frames) == 2 and all(isinstance(f, int) and not isinstance(f, bool) for f in frames)
        if not ok or frames[0] < 0 or frames[1] < frames[0]:
            raise ValueError(f"{where}: 'frames' must be [start_frame, end_frame] ints with 0 <= start <= end")
        start_f, end_f = frames
    score = ann.get("score")
    if score is not None:
        score = _number(score, f"{where} score")
    return {"video": video, "segment_id": ann.get("id"), "parent": ann.get("parent"), "class": label,
            "start_frame": start_f, "end_frame": end_f, "start_s": start_s, "end_s": end_s,
            "source": ann.get("source"), "score": score, "annotator": ann.get("annotator")}


def from_activitynet(data: Mapping | str | os.PathLike) -> pd.DataFrame:
    """An ActivityNet-style dict (or the path of its JSON file) as a DataFrame with
    ``TemporalSegmenter.segments``' columns; every entry is checked and an error names it."""
    if isinstance(data, (str, os.PathLike)):
        with open(data, encoding="utf-8") as f:
            data = json.load(f)
    if not isinstance(data, Mapping) or not isinstance(data.get("database"), Mapping):
        raise ValueError("ActivityNet JSON needs an object with a 'database' object")
    rows: list[dict] = []
    for key, entry in data["database"].items():
        if not isinstance(entry, Mapping) or not isinstance(entry.get("annotations", []), list):
            raise ValueError(f"video {key!r}: expected an object with an 'annotations' list")
        video = entry.get("hitl_id", key)
        if "duration" in entry and entry["duration"] is not None:
            _number(entry["duration"], f"video {key!r} duration")
        rows.extend(_annotation(video, n, ann) for n, ann in enumerate(entry.get("annotations", [])))
    df = pd.DataFrame(rows, columns=COLUMNS)
    if len(df) and df["start_frame"].notna().all():
        df["start_frame"] = df["start_frame"].astype("int64")
        df["end_frame"] = df["end_frame"].astype("int64")
    df = df.astype({"score": object}).where(df.notna(), None) if len(df) else df
    return df
