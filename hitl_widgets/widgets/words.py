"""Timed words of a transcript: the checks ``TranscriptReview`` makes of the hypotheses it is given
and of every edit to them (text, times, flags), with errors that name the utterance and the word.

A word is a dict ``{id, text, start, end, source, confidence, flag}``: ``id`` a short str stable
across edits (model words ``m<index>``, words made by an edit ``h<hex>``), times in seconds,
``source`` "model" or "human", ``confidence`` the recogniser's (None for a word a person made),
``flag`` None, "unclear" or "jargon".

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"utterance": [0, 0], "index": [0, 1], "text": ["hi", "there"],
    ...                    "start_s": [0.1, 0.5], "end_s": [0.4, 0.9], "confidence": [0.9, 0.4]})
    >>> words = check_hypotheses(df, {0: 1.0})
    >>> [(w["id"], w["text"]) for w in words[0]]
    [('m0', 'hi'), ('m1', 'there')]
"""
from __future__ import annotations

import math
import re
import uuid
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import finite_number, is_item_id, plain

COLUMNS = ("utterance", "index", "text", "start_s", "end_s", "confidence")
FLAGS = ("unclear", "jargon")
MAX_TEXT = 200  # characters in one word
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
TIME_SLACK = 1e-6  # s: a word may end this far past the recording's end (rounding of times)
FRAME_SLACK = 0.01  # s: a hypothesis ending at most this far past the end is cut at the end (one 10 ms frame)


def new_word_id() -> str:
    return f"h{uuid.uuid4().hex[:10]}"


def check_text(text: Any, where: str, error: type[Exception]) -> str:
    """A word's text: a non-empty str of at most MAX_TEXT characters, no spaces or control characters."""
    if not isinstance(text, str):
        raise error(f"{where}: text must be a str, not {type(text).__name__}")
    text = text.strip()
    if not text:
        raise error(f"{where}: text is empty (delete the word instead)")
    if len(text) > MAX_TEXT:
        raise error(f"{where}: text is longer than {MAX_TEXT} characters")
    if _BAD_CHARS.search(text):
        raise error(f"{where}: text {text[:40]!r} holds a space or control character: one word per word (split it)")
    return text


def check_time(value: Any, what: str, where: str, error: type[Exception]) -> float:
    """A finite time in seconds (an int or float, not a bool)."""
    seconds = finite_number(value)
    if seconds is None:
        shown = "an int too large for a float" if isinstance(value, int) and not isinstance(value, bool) else repr(str(value)[:40])
        raise error(f"{where}: {what} must be a finite time in seconds, not {shown}")
    return seconds


def secs(t: float) -> str:
    """A time for a message: 3 decimals, or 3 significant digits when huge."""
    return f"{t:.3f}" if abs(t) < 1e6 else f"{t:.3g}"


def check_span(start: float, end: float, duration: float, where: str, error: type[Exception]) -> None:
    """``0 <= start < end <= duration``."""
    if start < 0 or end > duration + TIME_SLACK:
        raise error(f"{where}: {secs(start)}..{secs(end)} s is outside the audio (0..{duration:.3f} s)")
    if end <= start:
        raise error(f"{where}: end {secs(end)} s is not after start {secs(start)} s")


def check_neighbours(words: list[dict], k: int, start: float, end: float, where: str, error: type[Exception]) -> None:
    """Word ``k`` spanning ``start..end`` overlaps neither the word before nor the word after it."""
    if k > 0 and start < words[k - 1]["end"] - TIME_SLACK:
        prev = words[k - 1]
        raise error(f"{where}: start {start:.3f} s overlaps the word before ({prev['text']!r}, ends {prev['end']:.3f} s)")
    if k + 1 < len(words) and end > words[k + 1]["start"] + TIME_SLACK:
        nxt = words[k + 1]
        raise error(f"{where}: end {end:.3f} s overlaps the word after ({nxt['text']!r}, starts {nxt['start']:.3f} s)")


def check_flag(flag: Any, where: str, error: type[Exception]) -> str | None:
    if flag is not None and flag not in FLAGS:
        raise error(f"{where}: flag must be 'unclear', 'jargon' or null, not {str(flag)[:40]!r}")
    return flag


def _confidence(value: Any, where: str) -> float:
    c = check_time(value, "confidence", where, ValueError) if value is not None else math.nan
    if not 0.0 <= c <= 1.0:  # NaN fails too
        raise ValueError(f"{where}: confidence {value!r} is outside [0, 1]")
    return c


def check_hypotheses(frame: Any, durations: Mapping[Hashable, float]) -> dict[Hashable, list[dict]]:
    """The recogniser's words, checked: a DataFrame with COLUMNS (as ``speech.recognise`` gives),
    each utterance a known item id (``durations``: id -> length in seconds), words ordered by
    ``index`` with increasing, non-overlapping times inside the audio (a word ending at most
    FRAME_SLACK past the end is cut at the end), non-empty text, confidence in [0, 1]. Returns utterance -> its words (every known utterance, [] when it has none)."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"hypotheses must be a DataFrame with columns {list(COLUMNS)}, not {type(frame).__name__}")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"hypotheses lack the columns {missing} (need {list(COLUMNS)}, as speech.recognise gives)")
    out: dict[Hashable, list[dict]] = {u: [] for u in durations}
    rows: dict[Hashable, list[tuple[int, dict]]] = {}
    for n, row in enumerate(frame[list(COLUMNS)].itertuples(index=False)):
        utt = plain(row.utterance)
        if not is_item_id(utt) or utt not in durations:  # True is not item 1, 1.0 not item 1 (coerce.is_item_id)
            why = "not an item of the audio" if is_item_id(utt) else f"a {type(utt).__name__}: item ids are ints or strs"
            raise ValueError(f"hypotheses row {n}: unknown utterance id {row.utterance!r} ({why})")
        index = plain(row.index)
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"hypotheses row {n}: utterance {utt!r} word index must be an int, not {row.index!r}")
        where = f"hypotheses: utterance {utt!r} word {index}"
        text = check_text(row.text, where, ValueError)
        start = check_time(row.start_s, "start_s", where + f" ({text!r})", ValueError)
        end = check_time(row.end_s, "end_s", where + f" ({text!r})", ValueError)
        if durations[utt] < end <= durations[utt] + FRAME_SLACK:  # a recogniser's last frame, rounded up
            end = durations[utt]
        check_span(start, end, durations[utt], where + f" ({text!r})", ValueError)
        conf = _confidence(plain(row.confidence), where + f" ({text!r})")
        rows.setdefault(utt, []).append((index, {"id": f"m{index}", "text": text, "start": start, "end": end,
                                                 "source": "model", "confidence": conf, "flag": None}))
    for utt, pairs in rows.items():
        out[utt] = check_order(utt, pairs, "hypotheses")
    return out


def check_order(utt: Hashable, pairs: list[tuple[int, dict]], what: str, overlap: bool = False) -> list[dict]:
    """One utterance's words ``(index, {text, start, end, ...})`` sorted by index, refused (naming the
    utterance and the words) where an index repeats or a word starts before the one before it ends
    (more than TIME_SLACK): words overlap or their index order is not their time order. With
    ``overlap`` (exports of aligner output, whose words often overlap by a few ms) only a word starting
    before the one before it starts is refused."""
    pairs = sorted(pairs, key=lambda p: p[0])
    for (i, a), (j, b) in zip(pairs, pairs[1:]):
        if i == j:
            raise ValueError(f"{what}: utterance {utt!r} word {j}: index {j} appears twice")
        if overlap and b["start"] < a["start"] - TIME_SLACK:
            raise ValueError(f"{what}: utterance {utt!r} word {j} ({b['text']!r}) starts at {b['start']:.3f} s, "
                             f"before word {i} ({a['text']!r}) starts ({a['start']:.3f} s): the index order is not the time order")
        if not overlap and b["start"] < a["end"] - TIME_SLACK:
            raise ValueError(f"{what}: utterance {utt!r} word {j} ({b['text']!r}) starts at {b['start']:.3f} s, "
                             f"before word {i} ({a['text']!r}) ends ({a['end']:.3f} s): words overlap or are out of order")
    return [w for _, w in pairs]


PACKED_FLAGS = (None, *FLAGS)  # a flag's code in pack_words
PACKED_SOURCES = ("model", "human")
_FLAG_CODES = {f: k for k, f in enumerate(PACKED_FLAGS)}
_SOURCE_CODES = {s: k for k, s in enumerate(PACKED_SOURCES)}


def pack_words(words: list[dict], buffers: list) -> dict:
    """Words for the view (a fetch's item, every ack of TranscriptReview) in one message part instead
    of a dict per word: ``{n, id, text, buffer}``, ``id`` and ``text`` the words' ids and texts
    joined by single spaces (neither holds a space:
    ``check_text``), ``buffers[buffer]`` (appended) n little-endian float64 starts, n ends, n
    confidences (NaN: None), then n uint8 sources (``PACKED_SOURCES``) and n uint8 flags
    (``PACKED_FLAGS``). js/src/widgets/transcript/model.ts ``unpackWords`` reads it.

    Example:
        >>> bufs = []
        >>> pack_words([{"id": "m0", "text": "hi", "start": 0.1, "end": 0.4, "source": "model",
        ...              "confidence": 0.9, "flag": None}], bufs)
        {'n': 1, 'id': 'm0', 'text': 'hi', 'buffer': 0}
        >>> len(bufs[0])
        26
    """
    n = len(words)
    times = np.empty((3, n), dtype="<f8")
    times[0] = [w["start"] for w in words]
    times[1] = [w["end"] for w in words]
    times[2] = [math.nan if w["confidence"] is None else w["confidence"] for w in words]
    codes = np.empty((2, n), dtype=np.uint8)
    codes[0] = [_SOURCE_CODES[w["source"]] for w in words]
    codes[1] = [_FLAG_CODES[w["flag"]] for w in words]
    out = {"n": n, "id": " ".join([w["id"] for w in words]), "text": " ".join([w["text"] for w in words]), "buffer": len(buffers)}
    buffers.append(times.tobytes() + codes.tobytes())
    return out


def transcript_text(words: list[dict]) -> str:
    """The words' texts joined by single spaces."""
    return " ".join(w["text"] for w in words)
