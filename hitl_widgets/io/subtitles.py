"""Timed words → subtitles and scoring files: SRT, WebVTT and NIST CTM.

Input: a words table with utterance, index, text, start_s, end_s (and optionally confidence), as
``TranscriptReview.words`` or ``speech.recognise`` give. SRT and WebVTT are per recording: give the
words of one utterance (or name it with ``utterance=``); words are grouped into cues of at most
``max_words`` words and ``max_s`` seconds, a new cue also starting after a pause longer than
``max_gap_s``. CTM takes every utterance, one word per line. Every word is checked where it enters
(an error names the utterance and word): an utterance's words in ``index`` order must be in time
order, none starting before the one before it ends (as ``TranscriptReview``'s hypotheses).

Escaping: WebVTT text escapes ``&``, ``<`` and ``>`` as character references (so no text becomes a
tag, and ``-->`` cannot appear); SRT has no escape mechanism and players read HTML-like tags, so
``<`` and ``>`` become ``‹`` and ``›``; both collapse line breaks (a blank line would end the cue).
CTM fields are space-separated: whitespace inside a word or utterance id becomes ``_`` (two utterance
ids written alike, "a b" and "a_b" or 1 and "1", are refused); times are written to the millisecond
and a word's duration is its written end minus its written start.

Example:
    >>> import pandas as pd
    >>> words = pd.DataFrame({"utterance": ["a"] * 2, "index": [0, 1], "text": ["fish", "&chips"],
    ...                       "start_s": [0.5, 1.0], "end_s": [0.9, 1.62]})
    >>> print(to_webvtt(words))
    WEBVTT
    <BLANKLINE>
    1
    00:00:00.500 --> 00:00:01.620
    fish &amp;chips
    <BLANKLINE>
"""
from __future__ import annotations

import math
import re
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import pandas as pd

from ..coerce import check_item_id, is_item_id, plain, same, whole_float_to_int
from ..widgets.words import check_order, check_time

_NEEDED = ("utterance", "index", "text", "start_s", "end_s")
_SPACE = re.compile(r"\s+")


def _words(words: Any, utterance: Hashable | None, one: bool) -> pd.DataFrame:
    """The words checked (utterance an int or str id, index an int, text a str, times a span) and in
    order: utterances by id (ints, then strs), each one's words by index, whose order must be their
    time order (``check_order``: a word starting before the one before it starts is refused, naming
    the utterance and both words; words may overlap, as aligners' often do)."""
    if not isinstance(words, pd.DataFrame):
        raise ValueError(f"words must be a DataFrame with columns {list(_NEEDED)}, not {type(words).__name__}")
    missing = [c for c in _NEEDED if c not in words.columns]
    if missing:
        raise ValueError(f"words lack the columns {missing}")
    wanted = None if utterance is None else check_item_id(utterance, error=ValueError)
    by_utt: dict[tuple[type, Hashable], list[tuple[int, dict]]] = {}
    for n, row in enumerate(words[list(_NEEDED)].itertuples(index=False)):
        utt, index = plain(row.utterance), whole_float_to_int(row.index)  # an index column read from a CSV as floats
        if not is_item_id(utt):
            raise ValueError(f"words row {n}: utterance {row.utterance!r} is not an utterance id (an int or a str)")
        if isinstance(index, bool) or not isinstance(index, int):
            raise ValueError(f"words row {n}: utterance {utt!r} word index must be an int, not {row.index!r}")
        where = f"utterance {utt!r} word {index}"
        if not isinstance(plain(row.text), str):
            raise ValueError(f"{where}: text must be a str, not {type(plain(row.text)).__name__}")
        start, end = (check_time(plain(t), name, where, ValueError) for t, name in ((row.start_s, "start_s"), (row.end_s, "end_s")))
        if not 0 <= start <= end:
            raise ValueError(f"{where}: times {start}..{end} are not a span")
        if wanted is None or same(utt, wanted):
            by_utt.setdefault((type(utt), utt), []).append((index, {"text": row.text, "start": start, "end": end, "row": n}))
    if wanted is not None and not by_utt:
        raise ValueError(f"no words of utterance {wanted!r}")
    if one and len(by_utt) > 1:
        raise ValueError(f"these words are of {len(by_utt)} utterances: a subtitle file is of one recording: pass utterance=")
    rows = [w["row"] for key in sorted(by_utt, key=lambda k: (k[0] is str, k[1]))
            for w in check_order(key[1], by_utt[key], "words", overlap=True)]
    return words.iloc[rows]


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def cues(words: pd.DataFrame, max_words: int = 10, max_s: float = 5.0, max_gap_s: float = 1.0) -> list[tuple[float, float, list[str]]]:
    """The words (of one recording, in order) grouped into cues ``(start_s, end_s, texts)``; a cue
    ends with the latest end of its words (an overlapping word that ends sooner never cuts it short).

    Example:
        >>> w = pd.DataFrame({"text": ["hello", "uh"], "start_s": [0.0, 0.5], "end_s": [2.0, 0.8]})
        >>> cues(w)
        [(0.0, 2.0, ['hello', 'uh'])]
    """
    out: list[tuple[float, float, list[str]]] = []
    for row in words.itertuples(index=False):
        if out:
            start, end, texts = out[-1]
            if len(texts) < max_words and row.end_s - start <= max_s and row.start_s - end <= max_gap_s:
                out[-1] = (start, max(end, float(row.end_s)), [*texts, str(row.text)])  # a word inside another keeps its end
                continue
        out.append((float(row.start_s), float(row.end_s), [str(row.text)]))
    return out


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def to_srt(words: Any, utterance: Hashable | None = None, max_words: int = 10, max_s: float = 5.0, max_gap_s: float = 1.0) -> str:
    """SubRip subtitles of one recording's words (see the module's notes on escaping).

    Example:
        >>> w = pd.DataFrame({"utterance": 0, "index": [0, 1], "text": ["a", "<b>"], "start_s": [0.0, 0.5], "end_s": [0.4, 1.0]})
        >>> print(to_srt(w))
        1
        00:00:00,000 --> 00:00:01,000
        a ‹b›
        <BLANKLINE>
    """
    ws = _words(words, utterance, one=True)
    parts = []
    for n, (start, end, texts) in enumerate(cues(ws, max_words, max_s, max_gap_s), 1):
        text = _one_line(" ".join(texts)).replace("<", "\u2039").replace(">", "\u203a")
        parts.append(f"{n}\n{_stamp(start, ',')} --> {_stamp(end, ',')}\n{text}\n")
    return "\n".join(parts)


def to_webvtt(words: Any, utterance: Hashable | None = None, max_words: int = 10, max_s: float = 5.0, max_gap_s: float = 1.0) -> str:
    """WebVTT subtitles of one recording's words (text escaped as character references)."""
    ws = _words(words, utterance, one=True)
    parts = ["WEBVTT\n"]
    for n, (start, end, texts) in enumerate(cues(ws, max_words, max_s, max_gap_s), 1):
        text = _one_line(" ".join(texts)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        parts.append(f"{n}\n{_stamp(start, '.')} --> {_stamp(end, '.')}\n{text}\n")
    return "\n".join(parts)


def to_ctm(words: Any, channel: str = "A") -> str:
    """NIST CTM: ``<utterance> <channel> <start> <duration> <word> [<confidence>]`` per word, every
    utterance; the confidence column is written when every word has a finite one.

    Example:
        >>> w = pd.DataFrame({"utterance": "u1", "index": [0], "text": ["hi"], "start_s": [0.25], "end_s": [0.5],
        ...                   "confidence": [0.9]})
        >>> to_ctm(w)
        'u1 A 0.250 0.250 hi 0.900\\n'
    """
    ws = _words(words, None, one=False)
    conf = ws["confidence"] if "confidence" in ws.columns else None
    with_conf = conf is not None and all(isinstance(c, (int, float)) and math.isfinite(c) for c in conf)
    names: dict[str, Hashable] = {}  # CTM field -> the utterance id written as it
    lines = []
    for n, row in enumerate(ws.itertuples(index=False)):
        utt = _SPACE.sub("_", str(row.utterance).strip()) or "_"
        first = names.setdefault(utt, plain(row.utterance))
        if not same(first, row.utterance):
            raise ValueError(f"utterances {first!r} and {plain(row.utterance)!r} are both written {utt!r} in CTM "
                             "(a text field, whitespace made _): rename one")
        word = _SPACE.sub("_", str(row.text).strip()) or "_"
        start, end = (Decimal(f"{float(t):.3f}") for t in (row.start_s, row.end_s))  # duration: end and start as written
        line = f"{utt} {channel} {start:f} {end - start:f} {word}"
        if with_conf:
            line += f" {float(conf.iloc[n]):.3f}"  # type: ignore[union-attr]
        lines.append(line)
    return "\n".join(lines) + ("\n" if lines else "")


__all__ = ["to_srt", "to_webvtt", "to_ctm", "cues"]
