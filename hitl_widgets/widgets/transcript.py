"""TranscriptReview: correct ASR transcripts word by word against the waveform, with word timings.

Each utterance (an audio item) starts from the recogniser's words (``hypotheses``, as
``speech.recognise`` gives). Every change to an utterance is one store event (``kind="transcript"``)
whose payload is its whole state (words and verdict), so undo is ``store.undo`` of the latest event
and redo re-applies the state undone (``ImageEditor``'s, shared with the image editors).

Protocol (browser → kernel; each edit carries ``client``/``seq`` and ``item_id``, the utterance;
``word`` is a word's ``id``):
    text    {word, text}                          a word's text (one token: no spaces)
    time    {word, start_s?, end_s?}              move a boundary (inside the audio, no overlap)
    split   {word, at_s, texts?: [left, right], new_word?}   split a word at ``at_s`` (default: both
                                                  keep the text); the right part is word ``new_word``
    merge   {word}                                merge a word with the next (texts joined)
    insert  {after: word | null, text, start_s, end_s, new_word?}   a new word after ``after`` (null: first)
    delete  {word}
    flag    {word, flag: "unclear" | "jargon" | null}
    verdict {verdict: "accept" | "corrected" | "unusable" | null}
    undo / redo / sync                            the last change / the utterance's state
``new_word``: the id the view gives the word it makes (``h`` and 1 to 32 letters or digits, not in
use), so that its next edits can name it before the ack; else the kernel picks one.
Every ack carries the utterance's state after the change: ``packed_words`` (its words as a fetch
sends them, ``pack_words``: ids and texts as two strings, times, confidences and codes in one binary
buffer of the message) and ``verdict`` (and ``word``: the word made or changed). Reads: ``peaks`` and ``audio`` (``AudioReads``, widgets/audio_reads.py).
"""
from __future__ import annotations

import json
import re
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..coerce import is_item_id, is_missing, plain, refuse_lookalikes
from ..items import Items
from ..metrics.asr import _show
from ..store import AnnotationStore
from .audio_reads import MAX_PEAKS, MAX_PLAY_S, AudioReads
from .base import STATIC, Committed, IntentError, intent, static_file
from .image_editor import ImageEditor
from .judged import judged_hash
from .words import (
    FLAGS,
    check_flag,
    check_hypotheses,
    check_neighbours,
    check_span,
    check_text,
    check_time,
    new_word_id,
    pack_words,
    secs,
    transcript_text,
)

KIND = "transcript"
VERDICTS = ("accept", "corrected", "unusable")
WORD_COLUMNS = ["utterance", "index", "text", "start_s", "end_s", "source", "confidence", "flag"]
_NEW_ID = re.compile(r"h[A-Za-z0-9]{1,32}")


class TranscriptReview(AudioReads, ImageEditor):
    """Correct ASR transcripts: edit, retime, split, merge, insert, delete and flag words; a verdict
    per utterance. Least confident utterances first (``order="confidence"``).

    Args:
        audio: an ``Items`` of audio, or what ``Items(..., kind="audio")`` takes.
        hypotheses: words DataFrame (utterance, index, text, start_s, end_s, confidence), as
            ``speech.recognise`` gives; checked here (errors name the utterance and word).
        reference: reference transcripts per utterance (a Series / dict by utterance id: every
            utterance once and no other id; or a list in item order): ``transcripts`` gains their WER.
        groups: a group per utterance (accent, speaker; same forms, or a DataFrame of several
            columns: their combinations, its rows by utterance id, or in item order when it has the
            default index 0..N-1 and the utterance ids are not ints) for ``wer_by_group``.
        order: "confidence" (lowest mean word confidence first) or "sequential" (item order).

    Example:
        >>> import numpy as np, pandas as pd
        >>> tone = (np.sin(np.arange(16000) / 5) * 0.5).astype(np.float32)
        >>> hyp = pd.DataFrame({"utterance": [0], "index": [0], "text": ["helo"], "start_s": [0.1],
        ...                     "end_s": [0.5], "confidence": [0.4]})
        >>> w = TranscriptReview([(tone, 16000)], hyp, store=AnnotationStore(":memory:"))
        >>> _ = w.edit(0, 0, "hello")
        >>> w.words[["text", "source"]].values.tolist()
        [['hello', 'human']]
    """

    _esm = STATIC / "transcript.js"
    _css = STATIC / "transcript.css"
    KIND = KIND
    _state_kinds: ClassVar[tuple[str, ...]] = (KIND,)
    _takes_audio: ClassVar[bool] = True

    def __init__(
        self,
        audio: Any,
        hypotheses: Any,
        store: AnnotationStore | None = None,
        task: str = "transcripts",
        reference: Any = None,
        groups: Any = None,
        annotator: str | None = None,
        order: str = "confidence",
        title: str = "",
    ):
        static_file("transcript.js")
        items = audio if isinstance(audio, Items) else Items(audio, kind="audio")
        if not items.is_audio:
            raise ValueError(f"TranscriptReview reviews recordings: pass Items(..., kind='audio'), not {items.kind_of_all}s")
        if order not in ("confidence", "sequential"):
            raise ValueError(f"order must be 'confidence' or 'sequential', not {order!r}")
        durations = {i: float(items.info(i)["duration_s"]) for i in items.ids}
        for i in items.ids:
            if items.audio(i).silent():
                raise ValueError(f"audio item {i!r} is silent: nothing to transcribe")
        self._digests: dict[Hashable, str] = {}  # utterance -> _hypothesis
        self._model = check_hypotheses(hypotheses, durations)
        self._durations = durations
        self._reference = None if reference is None else _per_utterance(reference, items.ids, "reference")
        self._groups = None if groups is None else _per_utterance(groups, items.ids, "groups", frame=True)
        queue = list(items.ids) if order == "sequential" else _by_confidence(items.ids, self._model)
        super().__init__(items, store=store, task=task, queue=queue, annotator=annotator, title=title)
        self.position = self._first_open()

    # ------------------------------------------------------------------ public API
    @property
    def words(self) -> pd.DataFrame:
        """Every utterance's current words: utterance, index, text, start_s, end_s, source ("model" /
        "human": edited, split, merged or inserted), confidence (the recogniser's; None for a word a
        person made), flag (None, "unclear", "jargon")."""
        rows = [{"utterance": u, "index": k, "text": w["text"], "start_s": w["start"], "end_s": w["end"],
                 "source": w["source"], "confidence": w["confidence"], "flag": w["flag"]}
                for u in self.items.ids for k, w in enumerate(self._current(u)["words"])]
        df = pd.DataFrame(rows, columns=WORD_COLUMNS)
        for col in ("confidence", "flag"):  # None stays None
            df[col] = pd.Series([r[col] for r in rows], dtype=object, index=df.index)
        return df

    @property
    def transcripts(self) -> pd.DataFrame:
        """One row per utterance: utterance, text (current), model_text (the hypothesis), verdict
        (None, "accept", "corrected", "unusable"), n_words; with ``reference``: reference, wer (current
        text) and model_wer (the hypothesis), None where the reference is empty."""
        ids = list(self.items.ids)
        df = pd.DataFrame({
            "utterance": ids,
            "text": [transcript_text(self._current(u)["words"]) for u in ids],
            "model_text": [transcript_text(self._model[u]) for u in ids],
            "verdict": pd.Series([self._current(u)["verdict"] for u in ids], dtype=object),
            "n_words": [len(self._current(u)["words"]) for u in ids],
        })
        if self._reference is not None:
            from ..metrics.asr import wer

            ref = [str(self._reference.loc[u]) for u in ids]
            df["reference"] = ref
            df["wer"] = pd.Series([_wer_or_none(wer, r, t) for r, t in zip(ref, df["text"])], dtype=object)
            df["model_wer"] = pd.Series([_wer_or_none(wer, r, t) for r, t in zip(ref, df["model_text"])], dtype=object)
        return df

    def wer_by_group(self, **kwargs: Any) -> pd.DataFrame:
        """The recogniser's WER and CER per group (``metrics.asr.wer_by_group``, ``kwargs`` passed on):
        its hypotheses against ``reference`` when given, else against the corrected transcripts of the
        utterances judged "accept" or "corrected"; unusable utterances and empty references left out."""
        if self._groups is None:
            raise ValueError("wer_by_group needs groups=: give TranscriptReview a group per utterance")
        from ..metrics.asr import wer_by_group

        t = self.transcripts
        ref = t["reference"] if self._reference is not None else t["text"].where(t["verdict"].isin(["accept", "corrected"]))
        from ..metrics.asr import normalise_text

        as_scored = normalise_text if kwargs.get("normalise", True) else str.strip  # "..." is empty once normalised
        keep = ref.notna() & (t["verdict"] != "unusable") & ref.fillna("").map(as_scored).ne("")
        if not keep.any():
            raise ValueError("no utterance to score yet: judge some (accept / corrected) or give reference=")
        ids = t.loc[keep, "utterance"].tolist()
        return wer_by_group(pd.Series(ref[keep].tolist(), index=ids), pd.Series(t.loc[keep, "model_text"].tolist(), index=ids),
                            self._groups.loc[ids], **kwargs)

    def edit(self, utterance: Hashable, index: int, text: str) -> int:
        """Set the text of word ``index`` of ``utterance`` from code; returns the event id."""
        u = self._item_id({"item_id": utterance})
        return self._code_change(self._edit_text(u, {"word": self._word_at(u, index)["id"], "text": text}))

    def retime(self, utterance: Hashable, index: int, start_s: float | None = None, end_s: float | None = None) -> int:
        """Move word ``index``'s boundaries from code (checked as the view's are); returns the event id."""
        u = self._item_id({"item_id": utterance})
        fields = {k: v for k, v in (("start_s", start_s), ("end_s", end_s)) if v is not None}
        return self._code_change(self._edit_time(u, {"word": self._word_at(u, index)["id"], **fields}))

    def set_verdict(self, utterance: Hashable, verdict: str | None) -> int:
        """Judge an utterance ("accept", "corrected", "unusable", None); returns the event id."""
        u = self._item_id({"item_id": utterance})
        return self._code_change(self._edit_verdict(u, {"verdict": verdict}))

    def _media_print(self, item_id: Hashable) -> dict | None:
        """The recording (samples, rate) and the hypothesis a transcript was made on: a stored one is
        shown only over the same (the audio list reordered, or a new ASR run, leaves it in the store
        with a warning)."""
        info = self.items.info(item_id)
        return {"samples": int(info["n_samples"]), "rate": int(info["sample_rate"]), "hypothesis": self._hypothesis(item_id)}

    def _hypothesis(self, item_id: Hashable) -> str:
        """A digest of the utterance's ASR words (text and times): which run they come from (made
        once per utterance: the words given do not change)."""
        digest = self._digests.get(item_id)
        if digest is None:
            words = [[w["text"], w["start"], w["end"]] for w in self._model.get(item_id, [])]
            digest = self._digests[item_id] = judged_hash(*map(json.dumps, words))
        return digest

    def _same_run(self, u: Hashable, content: dict) -> None:
        """Refuse an edit the view made on another ASR run's words (``hypothesis``: the digest it was
        shown; an edit kept in the browser and replayed after a restart with a new run would land on
        whatever word now has its id). An edit without one (from Python) is not checked."""
        made_on = content.get("hypothesis")
        if made_on is not None and made_on != self._hypothesis(u):
            raise IntentError(f"item {u!r}: this edit was made on the words of another ASR run: not saved (the words "
                              "shown now are the current run's)")

    def duration(self, utterance: Hashable) -> float:
        """Length of an utterance's audio in seconds."""
        return self._durations[utterance]

    # ------------------------------------------------------------------ state (ImageEditor's hooks)
    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        return {"words": [dict(w) for w in payload.get("words", [])], "verdict": payload.get("verdict")}

    def _current(self, item_id: Hashable) -> dict:
        return self._state.get(item_id) or {"words": self._model.get(item_id, []), "verdict": None}

    def _snapshot(self, item_id: Hashable) -> dict:
        cur = self._current(item_id)
        return {"words": [dict(w) for w in cur["words"]], "verdict": cur["verdict"]}

    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        payload = {"op": op, "words": state["words"], "verdict": state["verdict"]}
        return self._store_state(item_id, payload, state, op, clear_redo)

    def _is_done(self, item_id: Hashable) -> bool:
        return self._current(item_id)["verdict"] is not None

    def _label(self, key: Hashable) -> Any:
        return self._current(key)["verdict"]

    _binary_state: ClassVar[tuple[str, ...]] = ("packed_words",)

    def _reply_state(self, item_id: Any, buffers: list) -> dict:
        """An answer's state of the utterance: its words packed as a fetch sends them (``pack_words``:
        two strings and one buffer, not a dict per word) and its verdict."""
        if not is_item_id(item_id) or item_id not in self.items:
            return {}
        cur = self._current(item_id)
        return {"packed_words": pack_words(cur["words"], buffers), "verdict": cur["verdict"]}

    def _media(self, key: Any, buffers: list) -> dict:
        """No audio in the fetch: the words packed (``pack_words``: two strings and one buffer, not a
        dict per word), the verdict, and the peaks of the first screen (``_first_peaks``); the view
        asks for other peaks and for playback windows as it needs them."""
        info = self.items.info(key)
        cur = self._current(key)
        return {"kind": "audio", "sample_rate": int(info["sample_rate"]), "n_samples": int(info["n_samples"]),
                "duration_s": float(info["duration_s"]), "packed_words": pack_words(cur["words"], buffers),
                "verdict": cur["verdict"], "first_peaks": self._first_peaks(key, buffers), "hypothesis": self._hypothesis(key)}

    def _prefetch_after(self, item_id: Hashable, count: int = 8) -> None:
        """Nothing to warm: the view asks for peaks and playback windows, never the items' media."""

    # ------------------------------------------------------------------ checks
    def _word_at(self, u: Hashable, index: Any) -> dict:
        words = self._current(u)["words"]
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or not 0 <= index < len(words):
            raise IntentError(f"item {u!r}: no word {index!r} (it has {len(words)})")
        return words[int(index)]

    def _find(self, u: Hashable, content: dict, key: str = "word") -> tuple[int, dict]:
        self._same_run(u, content)
        wid = content.get(key)
        for k, w in enumerate(self._current(u)["words"]):
            if w["id"] == wid:
                return k, w
        raise IntentError(f"item {u!r}: no word {str(wid)[:40]!r}")

    def _times(self, u: Hashable, content: dict, old: dict | None, where: str) -> tuple[float, float]:
        start = content.get("start_s", old["start"] if old else None)
        end = content.get("end_s", old["end"] if old else None)
        start, end = check_time(start, "start_s", where, IntentError), check_time(end, "end_s", where, IntentError)
        check_span(start, end, self._durations[u], where, IntentError)
        return start, end

    def _new_id(self, u: Hashable, content: dict) -> str:
        wid = content.get("new_word")
        if wid is None:
            return new_word_id()
        if not isinstance(wid, str) or not _NEW_ID.fullmatch(wid):
            raise IntentError(f"item {u!r}: new_word must be 'h' and 1 to 32 letters or digits, not {str(wid)[:40]!r}")
        if any(w["id"] == wid for w in self._current(u)["words"]):
            raise IntentError(f"item {u!r}: word {wid!r} already exists")
        return wid

    # ------------------------------------------------------------------ edits
    def _edited(self, u: Hashable, words: list[dict], op: str, verdict: Any = "same") -> Committed:
        state = self._snapshot(u)
        state["words"] = words
        if verdict != "same":
            state["verdict"] = verdict
        return self._change(u, state, op)

    def _edit_text(self, u: Hashable, content: dict) -> Committed:
        k, w = self._find(u, content)
        text = check_text(content.get("text"), f"item {u!r} word {k} ({w['text']!r})", IntentError)
        words = self._snapshot(u)["words"]
        words[k].update(text=text, source="human")
        return self._edited(u, words, "text")

    def _edit_time(self, u: Hashable, content: dict) -> Committed:
        k, w = self._find(u, content)
        where = f"item {u!r} word {k} ({w['text']!r})"
        if "start_s" not in content and "end_s" not in content:
            raise IntentError(f"{where}: time needs start_s or end_s")
        start, end = self._times(u, content, w, where)
        words = self._snapshot(u)["words"]
        check_neighbours(words, k, start, end, where, IntentError)
        words[k].update(start=start, end=end, source="human")
        return self._edited(u, words, "time")

    def _edit_verdict(self, u: Hashable, content: dict) -> Committed:
        self._same_run(u, content)
        verdict = content.get("verdict")
        if verdict is not None and verdict not in VERDICTS:
            raise IntentError(f"item {u!r}: verdict must be 'accept', 'corrected', 'unusable' or null, not {str(verdict)[:40]!r}")
        return self._edited(u, self._snapshot(u)["words"], "verdict", verdict)

    # ------------------------------------------------------------------ intents
    @intent("text")
    def _on_text(self, content: dict) -> dict:
        u = self._item_id(content)
        return self._answer(content, self._edit_text(u, content), word=content.get("word"))

    @intent("time")
    def _on_time(self, content: dict) -> dict:
        u = self._item_id(content)
        return self._answer(content, self._edit_time(u, content), word=content.get("word"))

    @intent("split")
    def _on_split(self, content: dict) -> dict:
        u = self._item_id(content)
        k, w = self._find(u, content)
        where = f"item {u!r} word {k} ({w['text']!r})"
        at = check_time(content.get("at_s"), "at_s", where, IntentError)
        if not w["start"] < at < w["end"]:
            raise IntentError(f"{where}: split point {secs(at)} s is not inside the word ({w['start']:.3f}..{w['end']:.3f} s)")
        texts = content.get("texts", [w["text"], w["text"]])
        if not isinstance(texts, list) or len(texts) != 2:
            raise IntentError(f"{where}: texts must be a list of the two new words' texts")
        left, right = (check_text(t, where, IntentError) for t in texts)
        words = self._snapshot(u)["words"]
        new = {**words[k], "id": self._new_id(u, content), "text": right, "start": at, "source": "human"}
        words[k].update(text=left, end=at, source="human")
        words.insert(k + 1, new)
        return self._answer(content, self._edited(u, words, "split"), word=new["id"])

    @intent("merge")
    def _on_merge(self, content: dict) -> dict:
        u = self._item_id(content)
        k, w = self._find(u, content)
        words = self._snapshot(u)["words"]
        if k + 1 >= len(words):
            raise IntentError(f"item {u!r} word {k} ({w['text']!r}) is the last word: nothing to merge it with")
        nxt = words.pop(k + 1)
        text = check_text(w["text"] + nxt["text"], f"item {u!r} word {k} ({w['text']!r})", IntentError)
        confs = [c for c in (w["confidence"], nxt["confidence"]) if c is not None]
        words[k].update(text=text, end=nxt["end"], source="human", confidence=min(confs) if confs else None,
                        flag=w["flag"] or nxt["flag"])
        return self._answer(content, self._edited(u, words, "merge"), word=w["id"])

    @intent("insert")
    def _on_insert(self, content: dict) -> dict:
        u = self._item_id(content)
        if content.get("after") is None:  # else _find checks it
            self._same_run(u, content)
        words = self._snapshot(u)["words"]
        k = -1 if content.get("after") is None else self._find(u, content, "after")[0]
        where = f"item {u!r} new word after word {k}" if k >= 0 else f"item {u!r} new first word"
        text = check_text(content.get("text"), where, IntentError)
        start, end = self._times(u, content, None, where)
        new = {"id": self._new_id(u, content), "text": text, "start": start, "end": end, "source": "human", "confidence": None, "flag": None}
        words.insert(k + 1, new)
        check_neighbours(words, k + 1, start, end, where, IntentError)
        return self._answer(content, self._edited(u, words, "insert"), word=new["id"])

    @intent("delete")
    def _on_delete(self, content: dict) -> dict:
        u = self._item_id(content)
        k, _ = self._find(u, content)
        words = self._snapshot(u)["words"]
        del words[k]
        return self._answer(content, self._edited(u, words, "delete"), word=content.get("word"))

    @intent("flag")
    def _on_flag(self, content: dict) -> dict:
        u = self._item_id(content)
        k, w = self._find(u, content)
        flag = check_flag(content.get("flag"), f"item {u!r} word {k} ({w['text']!r})", IntentError)
        words = self._snapshot(u)["words"]
        words[k]["flag"] = flag
        return self._answer(content, self._edited(u, words, "flag"), word=w["id"])

    @intent("verdict")
    def _on_verdict(self, content: dict) -> dict:
        u = self._item_id(content)
        return self._answer(content, self._edit_verdict(u, content))

    @intent("sync")
    def _on_sync(self, content: dict) -> dict:
        """Answer with the utterance's current state (the view asks after a refusal)."""
        u = self._item_id(content)
        return self._state_ack(content, u, event_id=None)


def _wer_or_none(wer: Any, ref: str, hyp: str) -> float | None:
    return float(wer([ref], [hyp])) if ref.split() and any(c.isalnum() for c in ref) else None


def _by_confidence(ids: Sequence[Hashable], model: dict[Hashable, list[dict]]) -> list[Hashable]:
    """Item ids, lowest mean word confidence first (no words: first of all); ties in item order."""
    def mean(u: Hashable) -> float:
        confs = [w["confidence"] for w in model.get(u, []) if w["confidence"] is not None]
        return float(np.mean(confs)) if confs else -1.0

    return sorted(ids, key=mean)


def _per_utterance(value: Any, ids: Sequence[Hashable], what: str, frame: bool = False) -> Any:
    """One value per utterance, as a Series indexed by item id (from a Series / dict by id, or a list
    in item order; with ``frame``, a DataFrame too: its rows by utterance id, or in item order when it
    has the default index 0..N-1 and the utterance ids are not ints). Matched by id
    (:func:`_rows_by_id`): every utterance once and no other id; a missing value, and (for the
    reference) a value that is not a str, are refused by name."""
    ids = list(ids)
    if isinstance(value, pd.DataFrame) and not frame:
        raise ValueError(f"{what}: give a Series, dict or list (one value per utterance), not a DataFrame")
    if isinstance(value, dict):
        value = pd.Series(list(value.values()), index=pd.Index(list(value), dtype=object), dtype=object)
    elif not isinstance(value, (pd.Series, pd.DataFrame)):
        value = list(value)
        if len(value) != len(ids):
            raise ValueError(f"{what}: got {len(value)} values for {len(ids)} utterances")
        value = pd.Series(value, index=pd.Index(ids, dtype=object), dtype=object)
    rows = _rows_in_item_order(value, ids, what)
    out = value.iloc[rows if rows is not None else _rows_by_id(value.index, ids, what)].set_axis(pd.Index(ids, dtype=object))
    if isinstance(out, pd.DataFrame):
        if out.isna().any(axis=None):
            raise ValueError(f"{what}: utterance {out.index[out.isna().any(axis=1)][0]!r} is missing a group (None/NaN)")
        return out
    bad = [u for u, v in out.items() if is_missing(v)]
    if bad:
        raise ValueError(f"{what}: utterance {bad[0]!r} is missing (None/NaN)")
    if what == "reference":
        bad = [u for u, v in out.items() if not isinstance(plain(v), str)]
        if bad:
            raise ValueError(f"{what}: utterance {bad[0]!r}: the reference must be a str, not {type(plain(out[bad[0]])).__name__}")
    return out


def _rows_in_item_order(value: pd.Series | pd.DataFrame, ids: list[Hashable], what: str) -> list[int] | None:
    """The rows 0..N-1 of a DataFrame read in item order: only with the default index 0..N-1 and
    utterance ids that are not ints (else that index could be read as utterance ids); None otherwise
    (the rows are matched by id)."""
    index = value.index
    default = isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
    if not isinstance(value, pd.DataFrame) or not default or any(isinstance(u, int) for u in ids):
        return None
    if len(value) != len(ids):
        raise ValueError(f"{what}: got {len(value)} rows for {len(ids)} utterances (rows without an index "
                         "are read in item order; index them by utterance id otherwise)")
    return list(range(len(ids)))


def _rows_by_id(index: pd.Index, ids: list[Hashable], what: str) -> list[int]:
    """The position in ``index`` of each utterance id: every utterance once, no other id (an extra row
    is refused too: a table of other utterances, or one not indexed by utterance id). Ids match as item
    ids do (``coerce.same``: True is not 1, "1" not 1; such look-alikes are refused by name)."""
    at: dict[tuple[type, Any], int] = {}
    for n, key in enumerate(index):
        key = plain(key)
        if (type(key), key) in at:
            raise ValueError(f"{what}: utterance {key!r} appears twice in the index: one value per utterance")
        at[(type(key), key)] = n
    wanted = {(type(u), u) for u in ids}
    missing = [u for u in ids if (type(u), u) not in at]
    extra = [key for kind, key in at if (kind, key) not in wanted]
    if missing or extra:
        refuse_lookalikes(f"{what}: utterance", [("its index", [k for _, k in at]), ("the audio's ids", ids)])
        parts = ([f"no value for utterance{'s' if len(missing) > 1 else ''} {_show(missing)} "
                  f"({len(missing)} of {len(ids)} missing)"] if missing else []) + (
            [f"{_show(extra)} in its index {'is not an utterance' if len(extra) == 1 else 'are not utterances'}"]
            if extra else [])
        raise ValueError(f"{what} is matched to the utterances by its index: {'; '.join(parts)} "
                         "(index it by utterance id, one entry per utterance and no other, e.g. .loc[ids]; "
                         "or give a list in item order)")
    return [at[(type(u), u)] for u in ids]


__all__ = ["TranscriptReview", "VERDICTS", "FLAGS", "MAX_PEAKS", "MAX_PLAY_S"]
