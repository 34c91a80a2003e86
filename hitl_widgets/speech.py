"""A real speech recogniser, offline: pocketsphinx (its wheel ships a US-English acoustic model, language
model and dictionary), for word hypotheses with times and confidences, and forced alignment of a
corrected transcript to give its words times. Optional: ``pip install "hitl-widgets[speech]"``.

Example:
    >>> words = recognise(items)                       # doctest: +SKIP
    >>> words.columns.tolist()                         # doctest: +SKIP
    ['utterance', 'index', 'text', 'start_s', 'end_s', 'confidence']
"""
from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from .audio import AudioSource
from .coerce import check_item_id, is_item_id, plain
from .items import Items
from .metrics.asr import normalise_text

RATE = 16000  # the bundled model's sample rate
FRAMES_PER_S = 100  # pocketsphinx's feature frames
_FILLERS = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+\+.*\+\+)$")
WORD_COLUMNS = ["utterance", "index", "text", "start_s", "end_s", "confidence"]


def _decoder() -> Any:
    try:
        from pocketsphinx import Decoder
    except ImportError:  # pragma: no cover - the speech extra
        raise ImportError('speech recognition needs pocketsphinx: pip install "hitl-widgets[speech]"') from None
    return Decoder(samprate=RATE, loglevel="FATAL")


def _pcm(source: AudioSource) -> bytes:
    x = source.window(0, source.duration_s, rate=RATE)
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2").tobytes()


def _words(decoder: Any, utterance: Hashable, duration_s: float) -> list[dict]:
    """The recognised words (none when the recogniser found none), their times within the recording:
    a frame's end past the last sample (up to 10 ms) is cut at ``duration_s``."""
    out: list[dict] = []
    for seg in decoder.seg() or ():
        if _FILLERS.match(seg.word):
            continue
        end = min((seg.end_frame + 1) / FRAMES_PER_S, duration_s)
        out.append({"utterance": utterance, "index": len(out), "text": re.sub(r"\(\d+\)$", "", seg.word),
                    "start_s": min(seg.start_frame / FRAMES_PER_S, end), "end_s": end,
                    "confidence": float(min(1.0, max(0.0, seg.prob)))})
    return out


def _sources(audio: Any, ids: Iterable[Hashable] | None) -> list[tuple[Hashable, AudioSource]]:
    items = audio if isinstance(audio, Items) else Items(audio, kind="audio")
    if not items.is_audio:
        raise ValueError(f"recognise takes recordings, not {items.kind_of_all}s")
    chosen = list(items.ids) if ids is None else [check_item_id(i, items, error=ValueError) for i in ids]
    return [(i, items.audio(i)) for i in chosen]


def recognise(audio: Any, ids: Iterable[Hashable] | None = None) -> pd.DataFrame:
    """Word hypotheses of every recording (``Items`` of audio, or what ``Items(..., kind="audio")``
    takes): one row per word with its times and the recogniser's posterior probability as
    ``confidence`` (fillers and silences left out; a silent recording, ``AudioSource.silent()``, has
    no word)."""
    decoder = _decoder()
    rows: list[dict] = []
    for item_id, source in _sources(audio, ids):
        if source.silent():  # the recogniser hears a word in silence (with confidence 1.0): there is none
            continue
        decoder.start_utt()
        decoder.process_raw(_pcm(source), full_utt=True)
        decoder.end_utt()
        rows += _words(decoder, item_id, source.duration_s)
    return pd.DataFrame(rows, columns=WORD_COLUMNS)


def hypotheses(words: pd.DataFrame, ids: Iterable[Hashable]) -> pd.Series:
    """The transcript of each utterance in ``ids`` from a words table (as ``recognise`` gives), indexed
    by id; "" for an utterance with no word recognised. Ids match the words' utterances as item ids
    do (``coerce.same``: "0" is not 0, True not 1). Refused, naming them: an id that is not an int or
    a str, repeated, or of a type none of the words' utterances has ("0" among int utterances: it
    could never match). Ids with no word are silent recordings: "" each, even when none has a word."""
    if not isinstance(words, pd.DataFrame) or any(c not in words.columns for c in ("utterance", "index", "text")):
        raise ValueError("words must be a DataFrame with utterance, index and text columns (as recognise gives)")
    ids = [check_item_id(i, error=lambda m: ValueError(f"hypotheses: {m}")) for i in ids]
    keys = [(type(i), i) for i in ids]
    if len(set(keys)) != len(keys):
        raise ValueError(f"hypotheses: id {next(i for k, i in zip(keys, ids) if keys.count(k) > 1)!r} is given twice")
    found: dict[tuple[type, Hashable], list[tuple[int, str]]] = {}
    for n, row in enumerate(words[["utterance", "index", "text"]].itertuples(index=False)):
        utt, index, text = plain(row.utterance), plain(row.index), plain(row.text)
        if not is_item_id(utt):
            raise ValueError(f"words row {n}: utterance {row.utterance!r} is not an utterance id (an int or a str)")
        if isinstance(index, bool) or not isinstance(index, int) or not isinstance(text, str):
            raise ValueError(f"words row {n}: utterance {utt!r} needs an int index and a str text, not {row.index!r}, {row.text!r}")
        found.setdefault((type(utt), utt), []).append((index, text))
    types = {t for t, _ in found}
    alien = [i for i in ids if found and type(i) not in types]
    if alien:
        raise ValueError(f"hypotheses: ids {alien[:5]!r} are {type(alien[0]).__name__}s; the words' utterances are "
                         f"{' and '.join(sorted(t.__name__ + 's' for t in types))}: no id of another type matches")
    joined: dict[tuple[type, Hashable], str] = {}
    for k in keys:
        pairs = sorted(found.get(k, []), key=lambda p: p[0])
        twice = [i for (i, _), (j, _) in zip(pairs, pairs[1:]) if i == j]
        if twice:
            raise ValueError(f"hypotheses: utterance {k[1]!r} word {twice[0]}: index {twice[0]} appears twice")
        joined[k] = " ".join(t for _, t in pairs)
    return pd.Series([joined[k] for k in keys], index=pd.Index(ids, dtype=object), dtype=object)


def _transcript_words(transcript: Any, utterance: Hashable) -> list[tuple[str, list[str]]]:
    """Each word of ``transcript`` as written (split on whitespace) with the dictionary words it reads
    as (``normalise_text``: "Please," is ["please"], "GPU-kernel" ["gpu", "kernel"]); a token of
    punctuation alone ("-", "...") is no word and is left out."""
    if not isinstance(transcript, str):
        raise ValueError(f"utterance {utterance!r}: the transcript must be a str, not {type(transcript).__name__}")
    words = [(token, normalise_text(token).split()) for token in transcript.split()]
    words = [(token, keys) for token, keys in words if keys]
    if not words:
        raise ValueError(f"utterance {utterance!r}: the transcript is empty"
                         + (" (punctuation only, no word)" if transcript.strip() else ""))
    return words


def _aligned_rows(decoder: Any, source: AudioSource, keys: list[str], utterance: Hashable) -> list[dict]:
    """One row per word of ``keys`` (dictionary words) with the times the recogniser aligns it to."""
    decoder.set_align_text(" ".join(keys))
    decoder.start_utt()
    decoder.process_raw(_pcm(source), full_utt=True)
    decoder.end_utt()
    rows = _words(decoder, utterance, source.duration_s)
    if [r["text"] for r in rows] != keys:
        raise ValueError(f"utterance {utterance!r}: the recogniser could not align the transcript to the audio")
    return rows


def force_align(source: AudioSource, transcript: str, utterance: Hashable = 0) -> pd.DataFrame:
    """Times for the words of a known transcript: one row per word as written (split on whitespace,
    ``text`` kept as given, punctuation alone left out), matched to the recogniser's dictionary after
    ``metrics.asr.normalise_text`` ("Please," is "please"). A word that reads as several ("GPU-kernel")
    spans them all, with their lowest confidence. Words the dictionary lacks cannot be aligned: they are
    left out of the alignment and get the gap between their aligned neighbours, with confidence NaN
    (``aligned`` False), so no time is invented silently. A transcript with no word in the dictionary
    is refused, naming the utterance.

    Example:
        >>> force_align(items.audio("u1"), "Please, restart the cluster.", "u1").text.tolist()  # doctest: +SKIP
        ['Please,', 'restart', 'the', 'cluster.']
    """
    decoder = _decoder()
    words = _transcript_words(transcript, utterance)
    known = [all(decoder.lookup_word(k) is not None for k in keys) for _, keys in words]
    if not any(known):
        shown = ", ".join(repr(token) for token, _ in words[:5]) + (", ..." if len(words) > 5 else "")
        raise ValueError(f"utterance {utterance!r}: no word of the transcript ({shown}) is in the recogniser's "
                         "dictionary, so none can be aligned")
    rows = iter(_aligned_rows(decoder, source, [k for (_, keys), ok in zip(words, known) if ok for k in keys], utterance))
    frame = pd.DataFrame([_word_row(utterance, n, text, [next(rows) for _ in keys] if ok else [])
                          for n, ((text, keys), ok) in enumerate(zip(words, known))])
    _fill_gaps(frame, source.duration_s)
    return frame


def _word_row(utterance: Hashable, index: int, text: str, parts: list[dict]) -> dict:
    """A transcript word's row: from the start of its first aligned dictionary word (``parts``) to the
    end of its last, with their lowest confidence; unaligned (NaN times and confidence) without any."""
    row = {"utterance": utterance, "index": index, "text": text}
    if not parts:
        return {**row, "start_s": np.nan, "end_s": np.nan, "confidence": np.nan, "aligned": False}
    return {**row, "start_s": parts[0]["start_s"], "end_s": parts[-1]["end_s"],
            "confidence": min(p["confidence"] for p in parts), "aligned": True}


def _fill_gaps(frame: pd.DataFrame, duration: float) -> None:
    """Unaligned words share the time between their aligned neighbours equally."""
    n = len(frame)
    k = 0
    while k < n:
        if frame.at[k, "aligned"]:
            k += 1
            continue
        j = k
        while j < n and not frame.at[j, "aligned"]:
            j += 1
        lo = float(frame.at[k - 1, "end_s"]) if k > 0 else 0.0
        hi = float(frame.at[j, "start_s"]) if j < n else duration
        hi = max(hi, lo)  # no room left (the previous word ends at the recording's end): zero-length, never reversed
        step = (hi - lo) / (j - k)
        for m in range(k, j):
            frame.at[m, "start_s"] = lo + (m - k) * step
            frame.at[m, "end_s"] = lo + (m - k + 1) * step
        k = j
