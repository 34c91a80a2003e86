"""Temporal segments of a video, as ``TemporalSegmenter`` keeps them: plain checks, no widget.

A segment is ``{"id", "parent", "class", "start", "end", "source", "score", "proposal"}`` with
``start``/``end`` inclusive frame indices. A parent is another segment of the same video that
contains its children (``parent.start <= child.start`` and ``child.end <= parent.end``); there are
no cycles. Segments of different classes may overlap.

Example:
    >>> segs = {"a": {"id": "a", "parent": None, "start": 0, "end": 9}}
    >>> check_tree(segs, {"id": "b", "parent": "a", "start": 2, "end": 5}, "item 0")
"""
from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import ScoreWords, check_item_id, plain, probabilities, probability, same
from .proposal_ids import content_id, unique_id

SEGMENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
PROPOSAL_COLUMNS = ("video", "class", "start_frame", "end_frame", "score")


def check_segment_id(value: Any, error: type[Exception], where: str) -> str:
    """A segment id: 1..64 characters of letters, digits and ``_ . : -``."""
    if not isinstance(value, str) or not SEGMENT_ID.match(value):
        raise error(f"{where}: segment id must be 1-64 letters, digits, '_', '.', ':' or '-', not {str(value)[:40]!r}")
    return value


def check_class(value: Any, classes: Sequence[Any], error: type[Exception], where: str) -> Any:
    """``value`` as one of ``classes`` (numpy scalars made plain), else ``error``."""
    value = plain(value)
    for c in classes:
        if same(c, value):
            return c
    raise error(f"{where}: class {str(value)[:40]!r} is not one of {list(classes)[:20]}")


def check_tree(segments: dict[str, dict], seg: dict, where: str, error: type[Exception] = ValueError) -> None:
    """Refuse ``seg`` (new or changed) when its parent is unknown, does not contain it, makes a cycle,
    or when it no longer contains one of its own children."""
    parent = seg.get("parent")
    if parent is not None:
        if parent == seg["id"]:
            raise error(f"{where}: segment {seg['id']!r} cannot be its own parent")
        up = segments.get(parent)
        if up is None:
            raise error(f"{where}: parent segment {parent!r} does not exist in this video")
        if not (up["start"] <= seg["start"] and seg["end"] <= up["end"]):
            raise error(
                f"{where}: segment {seg['id']!r} (frames {seg['start']}..{seg['end']}) is not inside its parent "
                f"{parent!r} (frames {up['start']}..{up['end']})"
            )
        seen = {seg["id"]}
        while up is not None:
            if up["id"] in seen:
                raise error(f"{where}: parent {parent!r} would make a cycle with segment {seg['id']!r}")
            seen.add(up["id"])
            up = segments.get(up["parent"]) if up.get("parent") is not None else None
    for child in segments.values():
        if child.get("parent") == seg["id"] and not (seg["start"] <= child["start"] and child["end"] <= seg["end"]):
            raise error(
                f"{where}: segment {seg['id']!r} (frames {seg['start']}..{seg['end']}) would no longer contain its "
                f"child {child['id']!r} (frames {child['start']}..{child['end']})"
            )


def check_video(value: Any, where: str) -> Hashable:
    """A proposal's video as a plain item id, checked as every widget checks one
    (``coerce.check_item_id``: an int or a str; ``True`` or ``1.0`` is not video ``1``), else
    ValueError naming ``where``; whether the video exists is the caller's check."""
    return check_item_id(value, error=lambda msg: ValueError(f"{where}: {msg}"))


#: how a segment proposal's score is refused (``coerce.probability``)
SCORE_WORDS = ScoreWords(missing="{what} must be a number in [0, 1], not missing",
                         outside="{what} must be a finite number in [0, 1], not {value!r}")


def check_score(value: Any, where: str) -> float:
    """A proposal's score as a float: an int or a float (numpy scalars made plain), finite, in [0, 1];
    else ValueError naming ``where`` (a bool, a str such as ``"0.5"``, a missing value are refused):
    ``coerce.probability`` in this module's words.

    Example:
        >>> check_score(7.0, "proposal 3")
        Traceback (most recent call last):
        ...
        ValueError: proposal 3: score must be a finite number in [0, 1], not 7.0
    """
    return probability(value, where, words=SCORE_WORDS)


def check_scores(values: Any, where: Callable[[int], str]) -> np.ndarray:
    """:func:`check_score` of each value (a Series or a sequence) as float64; ``where(k)`` names
    value ``k`` (a numeric column is checked at once, the first bad value named): ``coerce.probabilities``."""
    return probabilities(values, where, words=SCORE_WORDS)


def normalise_proposals(
    proposals: Any,
    has_video: Callable[[Hashable], bool],
    check_range: Callable[[Hashable, Any, Any], tuple[int, int]],
    classes: Sequence[Any],
) -> dict[Hashable, list[dict]]:
    """Proposals (a DataFrame or a list of dicts with video, class, start_frame, end_frame, score)
    as ``{video: [{"id", "class", "start", "end", "score"}, ...]}``, highest score first, ids ``p0``,
    ``p1``, ... per video. Every row is checked (a known video id, an int or a str as
    ``coerce.check_item_id`` takes it: ``True`` or ``1.0`` is not video ``1``; a known class; a range
    inside the video; a finite score in [0, 1], :func:`check_score`); an error names the row."""
    if proposals is None:
        return {}
    if isinstance(proposals, pd.DataFrame):
        missing = set(PROPOSAL_COLUMNS) - set(proposals.columns)
        if missing:
            raise ValueError(f"proposals need columns {list(PROPOSAL_COLUMNS)}; missing {sorted(missing)}")
        rows = proposals.to_dict("records")
    elif isinstance(proposals, (list, tuple)):
        rows = list(proposals)
    else:
        raise ValueError(f"proposals must be a DataFrame or a list of dicts, not {type(proposals).__name__}")
    out: dict[Hashable, list[dict]] = {}
    for n, row in enumerate(rows):
        if not isinstance(row, dict) or set(PROPOSAL_COLUMNS) - set(row):
            raise ValueError(f"proposal {n}: expected a dict with {list(PROPOSAL_COLUMNS)}")
        video = check_video(row["video"], f"proposal {n}")
        where = f"proposal {n} (video {video!r})"
        if not has_video(video):
            raise ValueError(f"proposal {n}: unknown video {video!r}")
        cls = check_class(row["class"], classes, ValueError, where)
        try:
            start, end = check_range(video, plain(row["start_frame"]), plain(row["end_frame"]))
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        out.setdefault(video, []).append({"class": cls, "start": start, "end": end, "score": check_score(row["score"], where)})
    for video, props in out.items():
        props.sort(key=lambda p: (-p["score"], p["start"], p["end"]))
        taken: set = set()  # ids from the content (class, frames): a stored decision keeps its proposal on a re-run
        out[video] = [{"id": unique_id(content_id({"class": p["class"], "start": p["start"], "end": p["end"]}), taken), **p}
                      for p in props]
    return out
