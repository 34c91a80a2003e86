"""ClassifyWidget: one class (or a set of classes) per item, by keyboard, with model proposals."""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets

from ..coerce import ScoreWords, check_item_id, is_missing, is_tensor, normalise_classes, plain, probability, same, to_numpy
from ..items import Items
from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import STATIC, Committed, IntentError, ReviewWidget, intent, static_file

Proposal = dict  # {"label": class or [classes], "score": float | None}

LOGITS_HINT = "logits or scores? apply a softmax, or a sigmoid for independent per-class scores, first"


#: how a classifier's score is refused (``coerce.probability``): NaN is not "no score" (None is)
SCORE_WORDS = ScoreWords(
    missing="{what} must be a finite number, not {value!r} (None: no score)",
    not_number="{what} must be a finite number, not {shown} (a {type})",
    infinite="{what} must be a finite number, not {value!r}",
    outside="{what} {number} is not a probability in [0, 1] (" + LOGITS_HINT + ")",
)


def check_score(value: Any, where: str, what: str = "score") -> float | None:
    """A model's confidence as a float in [0, 1]; ``None`` (no score) stays None. A NaN, an infinite
    value, a bool, a str or a number outside [0, 1] (a logit, a raw score) raises ValueError naming
    ``where`` (the item and the proposal): ``coerce.probability`` in this module's words.

    Example:
        >>> check_score(0.25, "item 0"), check_score(None, "item 0")
        (0.25, None)
        >>> check_score(7.5, "item 0 proposal 1")
        Traceback (most recent call last):
        ...
        ValueError: item 0 proposal 1: score 7.5 is not a probability in [0, 1] (logits or scores? apply a softmax, or a sigmoid for independent per-class scores, first)
    """
    return probability(value, where, what=what, missing_ok=True, words=SCORE_WORDS)


class ClassifyWidget(ReviewWidget):
    """Label items with classes by keyboard; model proposals are accepted with Enter.

    Keys (while the widget has focus): 1–9, 0 pick a class (toggle in multi-label mode), Enter
    accepts the proposal (or confirms the selection), Space skips, ←/→ move, Backspace or Ctrl+Z
    undoes, ? lists the keys.

    Args:
        items: ``Items`` or anything ``Items`` accepts (arrays, paths, PIL images, texts, ...).
        classes: class names (strs or ints); labels are stored as these values.
        store: the ``AnnotationStore`` (default: ``hitl.db`` in the working directory).
        task: the task name in the store.
        proposals: model output: an ``(N, C)`` probability array aligned with items (e.g.
            ``predict_proba``), an ``(N,)`` array/list of classes, a pandas Series indexed by item
            id, a DataFrame indexed by item id with columns ``label`` and optionally ``score`` (NaN:
            no score), or a dict ``{item_id: class | (class, score)}``. Scores are probabilities in
            [0, 1] (None: no score; a NaN in a dict is refused).
        multi_label: each item gets a set of classes.
        queue: review order: item ids, or a callable returning them (default: all items).
        notes: extra lines shown under an item, ``{item_id: str | [str, ...]}`` (e.g. every
            annotator's label when adjudicating); rendered as plain text.
        proposal_label: what the proposals are called in the view ("model": "model: cat — Enter
            accepts", and a "model" badge on the proposed class's button); e.g. "consensus" when
            the proposals are the annotators' consensus.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> d = load_digits()
        >>> w = ClassifyWidget(d.images / 16, classes=list(range(10)), store=AnnotationStore(":memory:"))
        >>> w.labels.empty
        True
    """

    _esm = STATIC / "classify.js"
    _css = STATIC / "classify.css"
    classes: traitlets.List[Any] = traitlets.List().tag(sync=True)
    multi_label = traitlets.Bool(False).tag(sync=True)
    display_size = traitlets.Int(320).tag(sync=True)
    proposal_label = traitlets.Unicode("model").tag(sync=True)

    def __init__(
        self,
        items: Any,
        classes: Sequence[Any],
        store: AnnotationStore | None = None,
        task: str = "classify",
        proposals: Any = None,
        multi_label: bool = False,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_size: int = 320,
        title: str = "",
        notes: dict | None = None,
        proposal_label: str = "model",
    ):
        static_file("classify.js")  # a clear error when the front-end was never built
        items = items if isinstance(items, Items) else Items(items)
        classes = normalise_classes(classes)
        self._proposals = _normalise_proposals(proposals, items, classes, multi_label)
        self._notes = _normalise_notes(notes, items)
        self._current: dict[Hashable, Any] = {}
        super().__init__(
            items, store=store, task=task, queue=queue, annotator=annotator,
            classes=classes, multi_label=multi_label, display_size=display_size, title=title,
            proposal_label=str(proposal_label),
        )
        self.position = self._first_open()

    # ------------------------------------------------------------------ public API
    @property
    def labels(self) -> pd.DataFrame:
        """This annotator's current labels for the task: item_id, annotator, label, event_id, created_at."""
        return self.store.labels(self.task, annotator=self.annotator)

    @property
    def proposals(self) -> dict:
        """The model proposals, ``{item_id: {"label": ..., "score": ...}}``."""
        return dict(self._proposals)

    def set_notes(self, notes: dict | None) -> None:
        """Replace the per-item notes (``{item_id: str | [str, ...]}``); the view refetches."""
        self._notes = _normalise_notes(notes, self.items)
        self.send({"type": "invalidate"})

    def set_proposals(self, proposals: Any) -> None:
        """Replace the model proposals (e.g. after retraining); the view refetches."""
        self._proposals = _normalise_proposals(proposals, self.items, self.classes, self.multi_label)
        self.send({"type": "invalidate"})

    # ------------------------------------------------------------------ hooks
    _state_kinds = ("label",)

    def _load(self) -> None:
        for row in self.store.labels(self.task, annotator=self.annotator).itertuples():
            if row.item_id in self.items:
                self._current[row.item_id] = row.label

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is None:
            self._current.pop(key, None)
        elif event["kind"] == "label":  # a skip leaves the label
            self._current[key] = event["payload"]["label"]

    def _label(self, key: Hashable) -> Any:
        return self._current.get(key)

    def _item_state(self, item_id: Any) -> dict:
        return {"label": self._current.get(item_id), "n_done": self.n_done}

    def _item_info(self, item_id: Hashable) -> dict:
        return {
            "label": self._current.get(item_id),
            "proposal": self._proposals.get(item_id),
            "notes": self._notes.get(item_id, []),
        }

    def _is_done(self, item_id: Hashable) -> bool:
        return item_id in self._current

    def _done_candidates(self) -> list[Hashable]:
        return list(self._current)  # a recount looks at the labelled items only, not the whole queue

    # ------------------------------------------------------------------ intents
    def _check_label(self, value: Any) -> Any:
        if self.multi_label:
            if not isinstance(value, list):
                raise IntentError(f"multi-label needs a list of classes, got {type(value).__name__}")
            value = [plain(v) for v in value]  # numpy scalars from Python callers
            for v in value:
                self._check_class(v)
            if len({repr(plain(v)) for v in value}) != len(value):
                raise IntentError("a class appears twice in the label set")
            return [c for c in self.classes if any(same(c, v) for v in value)]  # canonical order
        return self._check_class(value)

    def _check_class(self, value: Any) -> Any:
        value = plain(value)
        for c in self.classes:
            if same(c, value):
                return c
        raise IntentError(f"unknown class {str(value)[:60]!r}")

    def _static_rows(self) -> list[tuple[str, Any]]:
        counts = pd.Series([str(v) for v in self._current.values()], dtype=object).value_counts()
        shown = ", ".join(f"{c} {n}" for c, n in counts.head(12).items()) + (" …" if len(counts) > 12 else "")
        return [("labelled", f"{len(self._current)} items" + (f": {shown}" if shown else ""))]

    @property
    def current_labels(self) -> dict:
        """This annotator's current label per item id (a copy)."""
        return dict(self._current)

    def record_label(self, item_id: Hashable, label: Any, source: str = "human", score: float | None = None) -> int:
        """Validate and store a label for an item, as if typed in the view; return the event id.

        ``source`` is "human", "proposal" (must equal the item's proposal) or "oracle" (a
        simulation's known truth). ``score`` (a finite number, e.g. the model's or the oracle's
        confidence) is stored in the event's payload; for "proposal" it is the proposal's score
        (a different one is refused). Item ids and classes may be numpy scalars. Raises
        ``IntentError`` (a ValueError) for an unknown item, class or source, or a bad score.
        """
        item_id = check_item_id(item_id, self.items, error=IntentError)
        return self._commit_label(item_id, label, source, score).event_id

    def _commit_label(self, item_id: Hashable, label: Any, source: str, score: Any = None) -> Committed:
        label = self._check_label(label)
        if score is not None:
            score = plain(score)
            if isinstance(score, bool) or not isinstance(score, (int, float)) or not np.isfinite(score):
                raise IntentError(f"item {item_id!r}: score must be a finite number, not {score!r}")
            score = float(score)
        payload: dict[str, Any] = {"label": label, "source": source}
        if source == "proposal":
            proposal = self._proposals.get(item_id)
            if proposal is None or proposal["label"] != label:
                raise IntentError(f"item {item_id!r} has no proposal {label!r} to accept")
            if score is not None and score != proposal.get("score"):
                raise IntentError(f"item {item_id!r}: score {score} is not the proposal's ({proposal.get('score')})")
            payload["score"] = proposal.get("score")
        elif source not in ("human", "oracle"):
            raise IntentError(f"unknown label source {str(source)[:40]!r}")
        elif score is not None:
            payload["score"] = score
        return self._commit(item_id, "label", payload)

    @intent("label", last_wins=True)
    def _on_label(self, content: dict) -> dict:
        item_id = self._item_id(content)
        source = content.get("source", "human")
        if source not in ("human", "proposal"):  # "oracle" is for Python-side simulations only
            raise IntentError(f"unknown label source {str(source)[:40]!r}")
        return self._answer(content, self._commit_label(item_id, content.get("label"), source))

    @intent("skip", last_wins=True)
    def _on_skip(self, content: dict) -> dict:
        return self._answer(content, self._commit(self._item_id(content), "skip", {}))

    @intent("undo", last_wins=True)
    def _on_undo(self, content: dict) -> dict:
        return self._answer(content, self._undo(self._item_id(content)))


def _normalise_notes(notes: dict | None, items: Items) -> dict[Hashable, list[str]]:
    out: dict[Hashable, list[str]] = {}
    for raw_id, value in (notes or {}).items():
        item_id = check_item_id(raw_id, items, error=lambda m: ValueError(f"note for {m}"))
        out[item_id] = [str(value)] if isinstance(value, str) else [str(v) for v in value]
    return out


def _normalise_proposals(proposals: Any, items: Items, classes: list, multi_label: bool) -> dict[Hashable, Proposal]:
    """Model output in any of the accepted shapes → ``{item_id: {"label", "score"}}``."""
    if proposals is None:
        return {}
    if isinstance(proposals, (pd.DataFrame, pd.Series)) and not proposals.index.is_unique:
        dup = proposals.index[proposals.index.duplicated()][0]
        raise ValueError(f"proposals name item {plain(dup)!r} more than once (a duplicated index entry): give one proposal per item")
    if isinstance(proposals, pd.DataFrame):
        if "label" not in proposals.columns:
            raise ValueError("a proposals DataFrame needs a 'label' column (and optionally 'score'), indexed by item id")
        scores = proposals["score"] if "score" in proposals.columns else None
        rows = [
            # NaN in a score column: no score for that row (the column's gap)
            (i, label, None if scores is None or is_missing(scores.iloc[n]) else scores.iloc[n])
            for n, (i, label) in enumerate(proposals["label"].items())
        ]
        return _from_pairs(rows, items, classes, multi_label)
    if isinstance(proposals, pd.Series):
        return _from_pairs([(i, v, None) for i, v in proposals.items()], items, classes, multi_label)
    if isinstance(proposals, dict):
        rows = []
        for i, v in proposals.items():
            if isinstance(v, dict):
                rows.append((i, v.get("label"), v.get("score")))
            elif isinstance(v, tuple) and len(v) == 2:
                rows.append((i, *v))
            else:
                rows.append((i, v, None))
        return _from_pairs(rows, items, classes, multi_label)
    if is_tensor(proposals):
        proposals = to_numpy(proposals)
    try:
        arr = np.asarray(proposals)
    except ValueError:  # ragged lists (multi-label sets of different sizes)
        arr = np.empty(len(proposals), dtype=object)
        arr[:] = list(proposals)
    if len(arr) != len(items):
        raise ValueError(f"proposals has {len(arr)} rows for {len(items)} items")
    if arr.ndim == 2 and np.issubdtype(arr.dtype, np.number):
        if arr.shape[1] != len(classes):
            raise ValueError(f"proposals has {arr.shape[1]} columns (probabilities) for {len(classes)} classes")
        if not np.isfinite(arr).all():
            raise ValueError(f"item {items.ids[int(np.argmax(~np.isfinite(arr).all(axis=1)))]!r}: NaN or infinite value in proposals")
        outside = (arr < 0).any(axis=1) | (arr > 1).any(axis=1)
        if outside.any():
            n = int(np.argmax(outside))
            raise ValueError(
                f"item {items.ids[n]!r}: proposals must be probabilities in [0, 1], got {arr[n].tolist()[:10]} ({LOGITS_HINT})"
            )
        if not multi_label:
            sums = arr.sum(axis=1)
            off = np.abs(sums - 1.0) > 1e-3
            if off.any():
                n = int(np.argmax(off))
                raise ValueError(
                    f"item {items.ids[n]!r}: a row of class probabilities must sum to 1, this one sums to {sums[n]:.4g} "
                    "(scores or logits? normalise or apply a softmax first; for independent per-class "
                    "probabilities use multi_label=True)"
                )
        out = {}
        for item_id, row in zip(items.ids, arr):
            if multi_label:
                out[item_id] = {"label": [c for c, p in zip(classes, row) if p >= 0.5], "score": float(row.max())}
            else:
                k = int(np.argmax(row))
                out[item_id] = {"label": classes[k], "score": float(row[k])}
        return out
    if arr.ndim == 1 or multi_label:
        return _from_pairs([(i, v, None) for i, v in zip(items.ids, list(proposals))], items, classes, multi_label)
    raise ValueError(f"proposals must be (N, C) probabilities or (N,) classes, got shape {arr.shape}")


def _from_pairs(rows: list[tuple[Any, Any, Any]], items: Items, classes: list, multi_label: bool) -> dict[Hashable, Proposal]:
    """``(item id, label, score)`` rows → ``{item_id: {"label", "score"}}``: each id checked as it comes
    (``True`` or ``1.0`` is not item 1), each score a probability (None: no score)."""
    out = {}
    for raw_id, label, score in rows:
        item_id = check_item_id(raw_id, items, error=lambda m: ValueError(f"proposal for {m}"))
        if item_id in out:
            raise ValueError(f"proposals name item {item_id!r} more than once: give one proposal per item")
        if multi_label:
            if isinstance(label, (str, bytes, dict)) or not hasattr(label, "__iter__"):
                raise ValueError(
                    f"item {item_id!r}: a multi-label proposal is a list of classes, not {label!r} "
                    "(a single class? give [class])"
                )
            label = [plain(v) for v in label]
            unknown = [v for v in label if not any(same(c, v) for c in classes)]
        else:
            label = plain(label)
            unknown = [] if any(same(c, label) for c in classes) else [label]
        if unknown:
            raise ValueError(f"item {item_id!r}: proposed class {unknown[0]!r} is not one of {classes}")
        if multi_label:  # canonical (class) order, as labels from the browser are stored
            label = [c for c in classes if any(same(c, v) for v in label)]
        out[item_id] = {"label": label, "score": check_score(score, f"item {item_id!r}", "proposal score")}
    return out
