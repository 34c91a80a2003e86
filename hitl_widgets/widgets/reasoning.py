"""ReasoningChainReview: judge models' step-by-step reasoning about an image, step by step.

Each item is an image and a question with one or more models' chains (perception steps, inference
steps, the answer). Each step gets a verdict (``STEP_VERDICTS``); the first step judged wrong is the
chain's *first error* (PRM800K style): the steps after it need no verdict and take none. A
perception step can be linked to the image region it claims (a box), and any step can get a
corrected text.

Every change is one store event ``kind="chains"`` whose payload is the item's whole review
(``{"chains": {model: {"verdicts", "boxes", "fixes"}}, "op"}``, lists with one entry per step), so
undo is the store's undo of the item's latest event and redo gives back the state undone
(``ImageEditor``).

Protocol (browser → kernel; each intent carries ``client``/``seq``, ``item_id``, ``model`` and
``step`` (0-based) unless said):
    verdict      {verdict: one of STEP_VERDICTS, or null to clear}
    first_error  {kind?: an error verdict}   this step is the first error: the steps before it without a
                                             verdict become "correct", those after it lose theirs
    box          {box: [x0, y0, x1, y1] in image pixels, or null}   perception steps only
    fix          {text: the corrected step, or null}
    undo / redo / sync {item_id}             answer with the item's current state
Every ack carries the item's state after the change: ``chains`` and ``can_redo``.
"""
from __future__ import annotations

import copy
from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd
import traitlets

from ..coerce import finite_number, is_missing, plain
from ..items import Items
from ..metrics.reasoning import ERROR_VERDICTS, STEP_VERDICTS, chain_summary
from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import STATIC, Committed, IntentError, intent, static_file
from .image_editor import ImageEditor
from .vqa import per_item

KIND = "chains"
STEP_KINDS = ("perception", "inference", "answer")
MAX_STEPS = 200  # per chain
MAX_STEP_TEXT = 5000  # characters of a step or a correction
# the error a "first error here" gives a step of each kind when no kind is named
DEFAULT_ERROR = {"perception": "perception error", "inference": "reasoning error", "answer": "reasoning error", None: "reasoning error"}
STEP_COLUMNS = ["item_id", "model", "step", "kind", "text", "verdict", "first_error", "box", "corrected", "reviewed", "annotator"]


def _step(item_id: Hashable, model: str, n: int, raw: Any) -> dict:
    """One step as given (a str, or a dict with "text" and an optional "kind"), checked."""
    where = f"item {item_id!r}, model {model!r}, step {n}"
    kind = None
    if isinstance(raw, Mapping):
        unknown = set(raw) - {"text", "kind"}
        if unknown:
            raise ValueError(f"{where}: unknown step fields {sorted(map(str, unknown))} (a step is a str or {{'text', 'kind'}})")
        kind = raw.get("kind")
        raw = raw.get("text")
        if kind is not None and kind not in STEP_KINDS:
            raise ValueError(f"{where}: step kind must be one of {STEP_KINDS} or None, not {kind!r}")
    if not isinstance(raw, str):
        raise ValueError(f"{where}: a step must be text (a str), not {type(raw).__name__}")
    if not raw.strip():
        raise ValueError(f"{where}: a step must not be empty")
    if len(raw) > MAX_STEP_TEXT:
        raise ValueError(f"{where}: a step is at most {MAX_STEP_TEXT} characters ({len(raw)} given)")
    return {"text": raw, "kind": kind}


def _chain(item_id: Hashable, model: str, raw: Any) -> list[dict]:
    if isinstance(raw, (str, bytes)) or not hasattr(raw, "__iter__"):
        raise ValueError(f"item {item_id!r}, model {model!r}: a chain is a list of steps, not {type(raw).__name__}")
    steps = list(raw)
    if not steps:
        raise ValueError(f"item {item_id!r}, model {model!r}: the chain has no steps")
    if len(steps) > MAX_STEPS:
        raise ValueError(f"item {item_id!r}, model {model!r}: at most {MAX_STEPS} steps ({len(steps)} given)")
    return [_step(item_id, model, n, s) for n, s in enumerate(steps)]


def _given(by_item: dict[Hashable, Any]) -> dict[Hashable, Any]:
    """The entries that are not None / NaN (no chain, or no question, for that item)."""
    return {i: v for i, v in by_item.items() if not is_missing(v)}


def normalise_chains(chains: Any, items: Items, questions: Any = None) -> tuple[list[str], dict, dict]:
    """Chains in any accepted shape → (model names, ``{item_id: {model: [step, ...]}}``,
    ``{item_id: question or None}``).

    Accepted: a long DataFrame with columns item_id, model, steps (and optionally question); a dict
    ``{model: chains}``; one model's chains (named "model"). Chains, and ``questions`` (one str per
    item; they override the DataFrame's question column), are a list / tuple / array aligned with
    the items by position, or a Series (by its index) or dict keyed by item id: every index entry or
    key an item id and every item given (``vqa.per_item``; a Series is never read by position, so
    a sorted DataFrame's columns stay together). None / NaN: no chain, or no question, for that item.
    A chain is a list of steps, each a str or ``{"text": str, "kind": "perception" | "inference" | "answer"}``.

    Example:
        >>> import numpy as np
        >>> items = Items(np.zeros((2, 8, 8), np.uint8), ids=["a", "b"])
        >>> _, chains, questions = normalise_chains(pd.Series({"b": ["B"], "a": ["A"]}), items,
        ...                                         pd.Series({"b": "Qb", "a": "Qa"}))
        >>> chains["a"]["model"][0]["text"], questions["a"]
        ('A', 'Qa')
    """
    found: dict[str, dict] = {}
    asked: dict[Hashable, Any] = {}
    if isinstance(chains, pd.DataFrame):
        if not {"item_id", "model", "steps"} <= set(chains.columns):
            raise ValueError("a DataFrame of chains needs the columns item_id, model, steps (and optionally question)")
        has_q = "question" in chains.columns
        for row in chains.itertuples(index=False):
            item_id, model = plain(row.item_id), str(row.model)
            if item_id not in items:
                raise ValueError(f"model {model!r}: chain for unknown item id {item_id!r}")
            if item_id in found.get(model, {}):
                raise ValueError(f"item {item_id!r}, model {model!r}: two chains")
            found.setdefault(model, {})[item_id] = row.steps
            if has_q and not is_missing(row.question):
                asked.setdefault(item_id, row.question)
    elif isinstance(chains, Mapping):
        for model, values in chains.items():
            found[str(model)] = _given(per_item("chains", values, items, where=f"model {model!r}: "))
    elif isinstance(chains, (str, bytes)) or not hasattr(chains, "__iter__"):
        raise ValueError("chains must be a DataFrame, a dict {model: chains} or a list of chains (one per item)")
    else:
        found["model"] = _given(per_item("chains", chains, items))
    if not found:
        raise ValueError("no chains given")
    out: dict[Hashable, dict[str, list[dict]]] = {i: {} for i in items.ids}
    for model, by_item in found.items():
        if not model or len(model) > 200:
            raise ValueError(f"model names must be 1-200 characters, got {model[:40]!r}")
        for item_id, raw in by_item.items():
            out[item_id][model] = _chain(item_id, model, raw)
    if questions is not None:
        asked = _given(per_item("questions", questions, items))
    texts: dict[Hashable, str | None] = {}
    for i in items.ids:
        q = asked.get(i)
        if q is not None and not isinstance(q, str):
            raise ValueError(f"item {i!r}: the question must be a str, not {type(q).__name__}")
        if q is not None and len(q) > MAX_STEP_TEXT:
            raise ValueError(f"item {i!r}: the question is at most {MAX_STEP_TEXT} characters")
        texts[i] = q
    return list(found), out, texts


def first_error(verdicts: list) -> int | None:
    """The index of the first verdict that is an error, or None."""
    return next((n for n, v in enumerate(verdicts) if v in ERROR_VERDICTS), None)


class ReasoningChainReview(ImageEditor):
    """Judge models' step-by-step reasoning about an image, one step at a time.

    Keys (``?`` lists them): ↑/↓ (or k/j) move between steps (on to the next model's chain), 1 correct,
    2 perception error, 3 reasoning error, 4 unsupported, 5 not checkable (each moves on; an error
    is the chain's first error and moves to the next chain), x "first error here" (the kind the
    step's kind suggests), 0 clears the verdict, b draws the step's region on the image (arrows move
    it, Shift+arrows resize, Enter keeps, Esc cancels; or drag on the image), Shift+B removes it,
    e edits the step's corrected text (Enter saves, Esc leaves), Enter or ] next image, [ previous,
    Ctrl+Z undo, Ctrl+Y redo.

    Args:
        items: the images (``Items`` or anything it accepts).
        chains: the models' chains (see ``normalise_chains``; ``demo.model_chains`` makes some).
        store: the ``AnnotationStore``; task: its task name.
        questions: one question per item: a list by position, or a Series / dict by item id (or the
            ``question`` column of a chains DataFrame).

    Example:
        >>> import numpy as np
        >>> w = ReasoningChainReview(np.zeros((1, 8, 8), np.uint8), [["one square", "so one shape"]],
        ...                          questions=["How many?"], store=AnnotationStore(":memory:"))
        >>> _ = w.verdict(0, "model", 0, "correct")
        >>> w.steps[["step", "verdict"]].values.tolist()
        [[0, 'correct'], [1, None]]
    """

    _esm = STATIC / "reasoning.js"
    _css = STATIC / "reasoning.css"
    KIND = KIND
    _state_kinds = (KIND,)
    models: traitlets.List[Any] = traitlets.List().tag(sync=True)
    verdicts: traitlets.List[Any] = traitlets.List(list(STEP_VERDICTS)).tag(sync=True)
    display_size = traitlets.Int(320).tag(sync=True)

    def __init__(
        self,
        items: Any,
        chains: Any,
        store: AnnotationStore | None = None,
        task: str = "reasoning",
        questions: Any = None,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_size: int = 320,
        title: str = "",
    ):
        static_file("reasoning.js")
        items = self._image_items(items)
        models, self.chains, self.questions = normalise_chains(chains, items, questions)
        super().__init__(items, store=store, task=task, queue=queue, annotator=annotator, models=models,
                         display_size=int(display_size), title=title)
        self.position = self._first_open()

    # ------------------------------------------------------------------ state
    def _blank(self, item_id: Hashable, model: str) -> dict:
        n = len(self.chains[item_id][model])
        return {"verdicts": [None] * n, "boxes": [None] * n, "fixes": [None] * n}

    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        out = {}
        for model, chain in (payload.get("chains") or {}).items():
            if model in self.chains[item_id]:
                blank = self._blank(item_id, model)
                out[model] = {k: (list(chain.get(k) or []) + blank[k])[: len(blank[k])] for k in blank}
        return out

    def _snapshot(self, item_id: Hashable) -> dict:
        return copy.deepcopy(self._state.get(item_id, {}))

    def _review(self, item_id: Hashable, model: str, state: dict | None = None) -> dict:
        state = self._state.get(item_id, {}) if state is None else state
        return state.get(model) or self._blank(item_id, model)

    def _chain_done(self, item_id: Hashable, model: str) -> bool:
        verdicts = self._review(item_id, model)["verdicts"]
        first = first_error(verdicts)
        return all(v is not None for v in (verdicts if first is None else verdicts[: first + 1]))

    def _is_done(self, item_id: Hashable) -> bool:
        """Every chain of the item is judged up to its first error (or to its end)."""
        return bool(self.chains[item_id]) and all(self._chain_done(item_id, m) for m in self.chains[item_id])

    def _label(self, key: Hashable) -> Any:
        return self._snapshot(key)

    def _item_info(self, item_id: Hashable) -> dict:
        return {
            "question": self.questions[item_id],
            "chains": [{"model": m, "steps": steps} for m, steps in self.chains[item_id].items()],
            **self._item_state(item_id),
        }

    def _item_state(self, item_id: Any) -> dict:
        if item_id not in self.items:
            return {}
        return {
            "reviews": {m: self._review(item_id, m) for m in self.chains[item_id]},
            "n_done": self.n_done, "can_redo": bool(self._redo.get(item_id)),
        }

    # ------------------------------------------------------------------ public API
    @property
    def steps(self) -> pd.DataFrame:
        """One row per step of every chain: item_id, model, step (0-based), kind ("perception",
        "inference", "answer" or None), text, verdict (None: not judged, or after the first error),
        first_error (this step is its chain's first error), box ((x0, y0, x1, y1) in image pixels, or
        None), corrected (the corrected text, or None), reviewed (the chain is judged up to its first
        error), annotator."""
        rows = []
        for item_id in self.items.ids:
            for model, steps in self.chains[item_id].items():
                review = self._review(item_id, model)
                first = first_error(review["verdicts"])
                done = self._chain_done(item_id, model)
                for n, s in enumerate(steps):
                    box = review["boxes"][n]
                    rows.append((item_id, model, n, s["kind"], s["text"], review["verdicts"][n], n == first,
                                 tuple(box) if box else None, review["fixes"][n], done, self.annotator))
        df = pd.DataFrame(rows, columns=STEP_COLUMNS)
        for col in ("kind", "verdict", "box", "corrected"):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
        return df

    def summary(self, n_boot: int = 1000, level: float = 0.95, seed: int | None = 0) -> pd.DataFrame:
        """Per model: step accuracy, the first-error position distribution and the error kinds, with
        bootstrap CIs over chains (``metrics.chain_summary``; columns model, measure, value, n,
        estimate, low, high)."""
        return chain_summary(self.steps, n_boot=n_boot, level=level, seed=seed)

    def _from_code(self, kind: str, fields: dict) -> int:
        return int(self._intent_from_code(kind, **fields)["event_id"])

    def verdict(self, item_id: Hashable, model: str, step: int, verdict: str | None) -> int:
        """Give a step its verdict from code (validated as the view's); returns the event id."""
        return self._from_code("verdict", {"item_id": plain(item_id), "model": model, "step": step, "verdict": verdict})

    def mark_first_error(self, item_id: Hashable, model: str, step: int, kind: str | None = None) -> int:
        """Mark a step as its chain's first error from code; returns the event id."""
        fields = {"item_id": plain(item_id), "model": model, "step": step}
        return self._from_code("first_error", fields if kind is None else {**fields, "kind": kind})

    def set_box(self, item_id: Hashable, model: str, step: int, box: Any) -> int:
        """Link a perception step to a region ``(x0, y0, x1, y1)`` (None removes it); returns the event id."""
        return self._from_code("box", {"item_id": plain(item_id), "model": model, "step": step,
                                       "box": None if box is None else [float(v) for v in box]})

    def correct(self, item_id: Hashable, model: str, step: int, text: str | None) -> int:
        """Give a step its corrected text (None removes it); returns the event id."""
        return self._from_code("fix", {"item_id": plain(item_id), "model": model, "step": step, "text": text})

    # ------------------------------------------------------------------ validation
    def _target(self, content: dict) -> tuple[Hashable, str, int, dict]:
        """(item id, model, step, the item's state to change) of an intent."""
        item_id = self._item_id(content)
        model = content.get("model")
        if not isinstance(model, str) or model not in self.chains[item_id]:
            raise IntentError(f"item {item_id!r} has no chain from model {str(model)[:60]!r}")
        step = content.get("step")
        n = len(self.chains[item_id][model])
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < n:
            raise IntentError(f"item {item_id!r}, model {model!r}: no step {str(step)[:20]} (the chain has {n})")
        state = self._snapshot(item_id)
        state.setdefault(model, self._blank(item_id, model))
        return item_id, model, step, state

    def _after_first(self, item_id: Hashable, model: str, step: int, verdicts: list) -> None:
        first = first_error(verdicts)
        if first is not None and step > first:
            raise IntentError(f"item {item_id!r}, model {model!r}: step {step + 1} comes after the first error "
                              f"(step {first + 1}) and needs no verdict")

    # ------------------------------------------------------------------ intents
    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        models = self.chains[item_id]
        if op != "redo" and all(self._review(item_id, m, state) == self._review(item_id, m) for m in models):
            raise IntentError(f"item {item_id!r}: the change changes nothing")
        payload = {"chains": state, "op": op}
        return self._store_state(item_id, payload, copy.deepcopy(state), op, clear_redo)

    @intent("verdict")
    def _on_verdict(self, content: dict) -> dict:
        item_id, model, step, state = self._target(content)
        verdict = content.get("verdict")
        if verdict is not None and verdict not in STEP_VERDICTS:
            raise IntentError(f"unknown verdict {str(verdict)[:40]!r} (expected one of {', '.join(STEP_VERDICTS)})")
        verdicts = state[model]["verdicts"]
        self._after_first(item_id, model, step, verdicts)
        verdicts[step] = verdict
        if verdict in ERROR_VERDICTS:  # a new first error: the steps after it need no verdict
            verdicts[step + 1:] = [None] * (len(verdicts) - step - 1)
        return self._answer(content, self._change(item_id, state, "verdict"))

    @intent("first_error")
    def _on_first_error(self, content: dict) -> dict:
        item_id, model, step, state = self._target(content)
        kind = content.get("kind", DEFAULT_ERROR[self.chains[item_id][model][step]["kind"]])
        if kind not in ERROR_VERDICTS:
            raise IntentError(f"a first error is one of {', '.join(ERROR_VERDICTS)}, not {str(kind)[:40]!r}")
        verdicts = state[model]["verdicts"]
        before = verdicts[:step]
        verdicts[:] = [v if v is not None and v not in ERROR_VERDICTS else "correct" for v in before] + [kind] + [None] * (len(verdicts) - step - 1)
        return self._answer(content, self._change(item_id, state, "first_error"))

    @intent("box")
    def _on_box(self, content: dict) -> dict:
        item_id, model, step, state = self._target(content)
        if self.chains[item_id][model][step]["kind"] not in ("perception", None):
            raise IntentError(f"item {item_id!r}, model {model!r}: step {step + 1} is not a perception step: it claims no region")
        box = content.get("box")
        if box is not None:
            if not isinstance(box, list) or len(box) != 4:
                raise IntentError("a box is [x0, y0, x1, y1] in image pixels, or null")
            coords = [c for v in box if (c := finite_number(v)) is not None]
            if len(coords) != 4:
                raise IntentError(f"item {item_id!r}: box coordinates must be finite numbers")
            w, h = self.image_size(item_id)
            x0, y0, x1, y1 = coords
            if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
                raise IntentError(f"item {item_id!r}: box {[round(v, 1) for v in box]} is not inside the {w}×{h} image (or is empty)")
            box = [round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)]
        state[model]["boxes"][step] = box
        return self._answer(content, self._change(item_id, state, "box"))

    @intent("fix")
    def _on_fix(self, content: dict) -> dict:
        item_id, model, step, state = self._target(content)
        text = content.get("text")
        if text is not None and not isinstance(text, str):
            raise IntentError(f"a corrected step is text, not {type(text).__name__}")
        if text is not None and len(text) > MAX_STEP_TEXT:
            raise IntentError(f"a corrected step is at most {MAX_STEP_TEXT} characters")
        state[model]["fixes"][step] = (text.strip() or None) if text is not None else None
        return self._answer(content, self._change(item_id, state, "fix"))

    @intent("sync")
    def _on_sync(self, content: dict) -> dict:
        item_id = self._item_id(content)
        return self._ack(content, item_id=item_id, event_id=None, **self._item_state(item_id))
