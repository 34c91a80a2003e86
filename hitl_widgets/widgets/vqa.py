"""VQAReview: judge a model's answer to a question about an image, and type the corrected answer.

Each review is one store event ``kind="verdict"`` with payload ``{verdict, corrected, judged}``; the
latest one per item counts (undo cancels it). ``judged`` is a short hash of the question and the answer
the verdict was given on (:func:`judged_hash`): a verdict stored on another question or answer (the
model run again) is not shown, with a warning naming the items; it stays in the store.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd
import traitlets

from ..coerce import check_item_id
from ..items import Items
from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import STATIC, IntentError, ReviewWidget, intent, static_file
from .judged import judged_hash, warn_stale

VQA_VERDICTS = ("correct", "partly", "wrong")
MAX_ANSWER = 2000  # characters of a corrected answer


def _aligned(name: str, values: Any, items: Items) -> dict[Hashable, str]:
    """One str per item (:func:`per_item`). Errors name the item or the entry."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name} must be a sequence of strs (one per item), not a single string")
    by_id = per_item(name, values, items, expected="a list (aligned with the items), a Series or a dict by item id")
    for i, v in by_id.items():
        if not isinstance(v, str):
            raise ValueError(f"item {i!r}: {name[:-1]} must be a str, not {type(v).__name__}")
    return by_id


def per_item(name: str, values: Any, items: Items, *, where: str = "", count: str = "{where}{n} {name} for {total} items",
             expected: str = "a list aligned with the items, or a Series or a dict by item id") -> dict[Hashable, Any]:
    """``values`` as ``{item_id: value}`` in the items' order: a Series (by its index) or a dict (by its
    keys) is read by item id (:func:`by_item_id`: never by position), a list, tuple or array by position
    (one value per item). A str, a DataFrame, a set or a non-iterable is refused as not ``expected``.
    Errors start with ``where``; ``count`` words a wrong number of values (fields where, n, name, total).

    Example:
        >>> items = Items(["x", "y"], ids=["a", "b"])
        >>> per_item("labels", {"b": 1, "a": 0}, items), per_item("labels", [0, 1], items)
        ({'a': 0, 'b': 1}, {'a': 0, 'b': 1})
    """
    if isinstance(values, (str, bytes, pd.DataFrame, set, frozenset)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{where}{name} must be {expected}, not a {type(values).__name__}")
    if isinstance(values, (pd.Series, Mapping)):
        by_id = by_item_id(f"{where}{name}", values, items)
        return {i: by_id[i] for i in items.ids}
    try:
        values = list(values)
    except TypeError:  # has __iter__ but cannot iterate (a 0-d array)
        raise ValueError(f"{where}{name} must be {expected}, not a {type(values).__name__} that cannot be iterated") from None
    if len(values) != len(items):
        raise ValueError(count.format(where=where, n=len(values), name=name, total=len(items)))
    return dict(zip(items.ids, values))


def by_item_id(name: str, values: pd.Series | Mapping, items: Items) -> dict[Hashable, Any]:
    """A Series (by its index) or a dict (by its keys) as ``{item_id: value}``: every entry must be an
    item id (``True``, ``1.0`` or ``"1"`` is not item 1), each once, and every item present. A Series
    is never read by position: its index says which item each value is for."""
    kind = "an index entry" if isinstance(values, pd.Series) else "a key"
    kind_of = type(values).__name__
    out: dict[Hashable, Any] = {}
    for raw, v in values.items():
        item_id = check_item_id(raw, items, error=lambda m: ValueError(
            f"{name}: {m} ({kind} of the {kind_of}, which is read by item id: index it by the items' ids, "
            "or give a list to align by position)"))
        if item_id in out:
            raise ValueError(f"{name}: item {item_id!r} is given twice")
        out[item_id] = v
    missing = [i for i in items.ids if i not in out]
    if missing:
        raise ValueError(f"{name}: no entry for item {missing[0]!r} ({len(missing)} of {len(items)} items missing)")
    return out


class VQAReview(ReviewWidget):
    """Review visual question answering: image + question + the model's answer → correct / partly
    / wrong, with a corrected answer typed in.

    Each verdict is stored with a hash of the question and the answer it judged: a stored verdict
    whose question or answer differs from the ones given now (the model run again) is left out of
    ``results``, ``n_done`` and the view, with a warning naming the items (it stays in the store);
    the item is open again. Verdicts stored without that hash (by an older version) count as before.

    Keys (while the widget has focus): 1 / c correct (saves and moves on), 2 / p partly and
    3 / w wrong (save, then put the cursor in the corrected-answer box: type, Enter saves the
    correction and moves on, Esc leaves the box), e edits the corrected answer, Enter or → next,
    ← previous, Backspace or Ctrl+Z undoes, ? lists the keys.

    Args:
        items: the images (``Items`` or anything it accepts).
        questions, answers: one str per item: lists aligned with the items, or a Series (by its
            index) or dict keyed by item id (every item, no other id).
        store: the ``AnnotationStore``; task: its task name.
        reference: optional reference answers (shown to the reviewer, copied into ``results``).

    Example:
        >>> import numpy as np
        >>> w = VQAReview(np.zeros((1, 8, 8), np.uint8), ["What colour?"], ["red"],
        ...               store=AnnotationStore(":memory:"))
        >>> list(w.results.columns)
        ['item_id', 'question', 'answer', 'reference', 'verdict', 'corrected', 'annotator', 'event_id', 'created_at']
    """

    _esm = STATIC / "vqa.js"
    _css = STATIC / "vqa.css"
    display_size = traitlets.Int(320).tag(sync=True)

    def __init__(
        self,
        items: Any,
        questions: Any,
        answers: Any,
        store: AnnotationStore | None = None,
        task: str = "vqa",
        reference: Any = None,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_size: int = 320,
        title: str = "",
    ):
        static_file("vqa.js")
        items = items if isinstance(items, Items) else Items(items)
        self.questions = _aligned("questions", questions, items)
        self.answers = _aligned("answers", answers, items)
        self.reference = _aligned("references", reference, items) if reference is not None else None
        self._current: dict[Hashable, dict] = {}
        super().__init__(items, store=store, task=task, queue=queue, annotator=annotator,
                         display_size=display_size, title=title)
        self.position = self._first_open()

    def _judged(self, item_id: Hashable) -> str:
        """The hash of the item's question and answer (what a verdict on it judges)."""
        return judged_hash(self.questions[item_id], self.answers[item_id])

    def _fits(self, item_id: Hashable, payload: Any) -> bool:
        """Whether a stored verdict was given on the item's current question and answer (one stored
        without the hash, by an older version, fits)."""
        judged = payload.get("judged") if isinstance(payload, dict) else None
        return judged is None or judged == self._judged(item_id)

    def _load(self) -> None:
        stale = []
        for row in self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator).itertuples():
            if row.item_id in self.items:
                if not self._fits(row.item_id, row.payload):
                    stale.append(row.item_id)
                    continue
                self._current[row.item_id] = row.payload
        if stale:
            warn_stale(f"{len(stale)} stored verdicts of task {self.task!r} were given on another question or answer "
                       "(the model run again, or other items under the task): item ids", stale)

    @property
    def results(self) -> pd.DataFrame:
        """Current reviews: item_id, question, answer, reference, verdict, corrected (str or None),
        annotator, event_id, created_at."""
        cur = self.store.current(self.task, kinds=("verdict",), annotator=self.annotator)
        rows = []
        for r in cur.itertuples():
            if r.item_id not in self.items or not self._fits(r.item_id, r.payload):
                continue
            rows.append((r.item_id, self.questions[r.item_id], self.answers[r.item_id],
                         None if self.reference is None else self.reference[r.item_id],
                         r.payload.get("verdict"), r.payload.get("corrected"), r.annotator, int(r.event_id), r.created_at))
        cols = ["item_id", "question", "answer", "reference", "verdict", "corrected", "annotator", "event_id", "created_at"]
        df = pd.DataFrame(rows, columns=cols)
        if len(df):
            pos = {i: n for n, i in enumerate(self.items.ids)}
            df = df.assign(_p=df["item_id"].map(pos)).sort_values("_p").drop(columns="_p")
            for col in ("reference", "corrected"):  # missing stays None (not NaN)
                df[col] = df[col].astype(object).where(df[col].notna(), None)
        return df.reset_index(drop=True)

    def _item_info(self, item_id: Hashable) -> dict:
        cur = self._current.get(item_id) or {}
        return {
            "question": self.questions[item_id],
            "answer": self.answers[item_id],
            "reference": None if self.reference is None else self.reference[item_id],
            "verdict": cur.get("verdict"),
            "corrected": cur.get("corrected"),
        }

    _state_kinds = ("verdict",)

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is None or not self._fits(key, event["payload"]):  # an undo back to a stale verdict: none
            self._current.pop(key, None)
        else:
            self._current[key] = event["payload"]

    def _label(self, key: Hashable) -> Any:
        return (self._current.get(key) or {}).get("verdict")

    def _item_state(self, item_id: Any) -> dict:
        cur = self._current.get(item_id) or {}
        return {"verdict": cur.get("verdict"), "corrected": cur.get("corrected"), "n_done": self.n_done}

    def _is_done(self, item_id: Hashable) -> bool:
        return item_id in self._current

    def _done_candidates(self) -> list[Hashable]:
        return list(self._current)  # a recount looks at the items with a state only

    @intent("verdict", last_wins=True)
    def _on_verdict(self, content: dict) -> dict:
        item_id = self._item_id(content)
        verdict = content.get("verdict")
        if verdict not in VQA_VERDICTS:
            raise IntentError(f"unknown verdict {str(verdict)[:40]!r} (expected one of {', '.join(VQA_VERDICTS)})")
        corrected = content.get("corrected")
        if corrected is not None:
            if not isinstance(corrected, str):
                raise IntentError(f"corrected answer must be text, not {type(corrected).__name__}")
            corrected = corrected.strip()
            if len(corrected) > MAX_ANSWER:
                raise IntentError(f"corrected answer too long ({len(corrected)} > {MAX_ANSWER} characters)")
            if verdict == "correct" and corrected:
                raise IntentError("a correct answer needs no correction")
            if verdict != "correct" and not corrected:
                raise IntentError(
                    f"an empty correction for a {verdict!r} verdict: type the corrected answer, "
                    "or send no correction (null) to save the verdict alone"
                )
            corrected = corrected or None
        payload = {"verdict": verdict, "corrected": corrected, "judged": self._judged(item_id)}
        return self._answer(content, self._commit(item_id, "verdict", payload))

    @intent("undo", last_wins=True)
    def _on_undo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        if item_id not in self._current:  # the item shows no verdict: never cancel a stale one unseen
            latest = self.store.latest(self.task, [item_id], kinds=self._state_kinds, annotator=self.annotator).get(item_id)
            if latest is not None and not self._fits(item_id, latest["payload"]):
                raise IntentError(f"nothing to undo for item {item_id!r}: its stored verdict was given on another "
                                  "question or answer (it is not shown)")
        return self._answer(content, self._undo(item_id))
