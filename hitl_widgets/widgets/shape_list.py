"""Kernel side shared by the image editors whose item state is a list of shapes plus rejected proposals
(``BBoxAnnotator``: ``boxes``; ``PolygonAnnotator``: ``polygons``).

An item's state is ``{LIST: [shape, ...], "rejected": [proposal id, ...]}``; each change stores that
whole state as one event of ``KIND`` (``ImageEditor``). A shape is a dict with ``id``, ``class``,
``source``, ``score`` and ``proposal`` (the proposal it came from, or None). The model's proposals
are ``self._proposals``: ``{item_id: [{"id", "class", "score", ...}, ...]}``, best first.

A subclass sets ``KIND``, ``_LIST`` (the list's name in the state, payloads, item info and acks),
``_NOUN`` (one shape, in messages), ``_MAX`` (shapes per item) and ``_ID`` (the pattern of a shape
id), and overrides ``_copy_shape`` where a shape holds lists (a polygon's rings). This mixin gives the
state hooks (``_decode``, ``_current``, ``_snapshot``, ``_label``, ``_is_done``, ``_item_info``,
``_item_state``), the checks of classes and ids, the open proposals, ``_change``, and the ``delete``
(``{NOUN}_ids``), ``accept`` (``proposal_ids``; each becomes ``_accepted(item_id, proposal)``, which
the subclass gives), ``reject`` and ``sync`` intents; the subclass keeps its own drawing / editing
intents.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..coerce import ScoreWords, check_item_id, probability, same
from ..coerce import finite_number as coerce_finite
from ..items import Items
from .base import Committed, IntentError, intent
from .image_editor import ImageEditor
from .proposal_ids import content_id, unique_id


def finite_number(value: Any, name: str) -> float:
    """``value`` as a float: a number (not a bool) and finite, else an ``IntentError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IntentError(f"{name} must be a number, got {type(value).__name__}")
    number = coerce_finite(value)
    if number is None:
        raise IntentError(f"{name} must be finite, got {value if isinstance(value, float) else 'an int too large for a float'}")
    return number


#: how a proposal's score is refused (``coerce.probability``): a missing one is left out, never NaN
PROPOSAL_SCORE_WORDS = ScoreWords(missing="{what} is missing ({value!r}): a proposal without a score leaves it out (no score "
                                          "key, no score column, a tuple without its last value), never NaN or None")


def proposal_score(value: Any, where: str) -> float:
    """A proposal's given score as a float: a number (numpy numbers made plain; not a bool, not a
    str), finite, in [0, 1] (a probability, as the threshold); else ``ValueError`` naming ``where``
    (``coerce.probability``). A missing value (None, NaN) is refused too: a proposal without a score
    leaves it out, so that a NaN from a broken model is never read as "no score" (always shown, taken
    by "accept all").

    Example:
        >>> proposal_score(7.5, "item 0 proposal 1")
        Traceback (most recent call last):
        ...
        ValueError: item 0 proposal 1: score must be a probability in [0, 1], not 7.5 (logits? apply a sigmoid/softmax)
    """
    return probability(value, where, words=PROPOSAL_SCORE_WORDS)


def _content(row: dict) -> dict:
    """A proposal row's content (what its default id hashes): the row without its id and score."""
    return {k: v for k, v in row.items() if k not in ("id", "score")}


def rank_proposals(rows: list[dict], content: Callable[[dict], dict] = _content) -> list[dict]:
    """A user's checked proposals of one item (dicts with ``score``: a float or None, and ``id``: the
    user's or None), best first (a proposal without a score first), sorted in place and returned.
    Each id the user left out is ``content_id(content(row))`` (default: the row's class and geometry),
    so a proposal keeps its id, and a stored accept or reject its meaning, when the model is run
    again; an id already taken (by the user's, or an identical proposal ranked before) gets ``-1``,
    ``-2``, ... appended.

    Example:
        >>> rows = rank_proposals([{"id": None, "class": "a", "x": 1.0, "score": 0.2},
        ...                        {"id": "mine", "class": "a", "x": 5.0, "score": 0.9},
        ...                        {"id": None, "class": "a", "x": 1.0, "score": None}])
        >>> [r["id"] for r in rows] == [content_id({"class": "a", "x": 1.0}), "mine", content_id({"class": "a", "x": 1.0}) + "-1"]
        True
    """
    rows.sort(key=lambda r: -(r["score"] if r["score"] is not None else math.inf))
    taken = {r["id"] for r in rows if r["id"] is not None}
    for r in rows:
        if r["id"] is None:
            r["id"] = unique_id(content_id(content(r)), taken)
    return rows


def proposal_lists(proposals: Any, items: Items, noun: str, shape: str) -> Iterator[tuple[Hashable, Any]]:
    """``(item_id, its proposals)`` of a dict ``{item_id: [shape, ...]}`` of a user's proposals, each id
    checked (``coerce.check_item_id``: a known item, an int or a str; ``True`` or ``1.0`` is not item
    ``1``) and each list too (a list, not a str or dict); ``noun`` names the shapes
    ("boxes") and ``shape`` the accepted forms, in the errors (``ValueError``)."""
    if not isinstance(proposals, dict):
        raise ValueError(f"proposals must be a DataFrame ({shape}) or a dict {{item_id: [{noun}]}}")
    for raw_id, shapes in proposals.items():
        # an int or a str (np.int64(1) is item 1); True, 1.0 or np.float64(1.0) is not item 1: refused
        item_id = check_item_id(raw_id, items, error=lambda msg: ValueError(f"proposal for {msg}"))
        if isinstance(shapes, (str, bytes, dict)) or not hasattr(shapes, "__iter__"):
            raise ValueError(f"item {item_id!r}: proposals must be a list of {noun}")
        yield item_id, shapes


@dataclass(frozen=True)
class ProposalFrame:
    """How an editor reads a proposals DataFrame (``group``): its columns, refusals and rows."""

    columns: tuple[str, ...]  # the columns read
    ignored: tuple[str, ...]  # the columns accepted and not read (those of the editor's other tables)
    id_alias: str  # the id column's other name (as ``w.proposals`` has it); a frame gives one of the two
    lacking: Callable[[list], str | None]  # the refusal of a frame without a needed column (of its columns), or None
    unknown: Callable[[Any], str]  # the refusal of a column neither read nor ignored
    row: Callable[[dict], dict]  # a row (all its columns) as a proposal dict

    def group(self, frame: pd.DataFrame, items: Items) -> tuple[dict[Hashable, list[dict]], dict[Hashable, list[int]]]:
        """A proposals DataFrame as ``{item_id: [proposal dict, ...]}`` (each row as ``row`` reads it)
        and ``{item_id: [row number, ...]}`` (for messages): its columns checked (``ValueError``), each
        row's item id too (``check_item_id``, before grouping: a ``True`` row never joins item ``1``)."""
        cols = list(frame.columns)
        lacking = self.lacking(cols)
        if lacking is not None:
            raise ValueError(lacking)
        other = [c for c in cols if c not in self.columns and c not in self.ignored]
        if other:
            raise ValueError(self.unknown(other[0]))
        if "id" in cols and self.id_alias in cols:
            raise ValueError(f"a proposals DataFrame has both id and {self.id_alias} columns: keep one")
        grouped: dict[Hashable, list[dict]] = {}
        numbers: dict[Hashable, list[int]] = {}
        for n, rec in enumerate(frame.to_dict("records")):
            item_id = check_item_id(rec["item"], items, where=f"proposals row {n}")
            grouped.setdefault(item_id, []).append(self.row(rec))
            numbers.setdefault(item_id, []).append(n)
        return grouped, numbers


class ShapeListEditor(ImageEditor):
    """Base for the image editors whose item is a list of classed shapes, some from proposals."""

    _LIST = ""  # "boxes" / "polygons"
    _NOUN = ""  # "box" / "polygon"
    _MAX = 0  # shapes per item
    _ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")  # a shape's id
    _proposals: dict[Hashable, list[dict]]

    # ------------------------------------------------------------------ state
    def _copy_shape(self, shape: dict) -> dict:
        """A copy of one shape that shares nothing mutable with it."""
        return dict(shape)

    def _state_of(self, payload: dict) -> dict:
        """The state in a payload (or a stored state), copied."""
        return {self._LIST: [self._copy_shape(s) for s in payload.get(self._LIST, [])], "rejected": list(payload.get("rejected", []))}

    def _stored_shapes(self) -> Iterator[tuple[Any, dict]]:
        """``(store row, shape)`` for each of this annotator's current shapes (the public tables); the
        row has ``item_id``, ``annotator`` and ``event_id``."""
        for rec in self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator).itertuples():
            if rec.item_id in self.items:
                for shape in self._state_of(rec.payload)[self._LIST]:
                    yield rec, shape

    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        return self._state_of(payload)

    def _current(self, item_id: Hashable) -> dict:
        """A copy of the item's state (empty when it has none)."""
        return self._state_of(self._state.get(item_id, {}))

    def _snapshot(self, item_id: Hashable) -> dict:
        return self._current(item_id)

    def _label(self, key: Hashable) -> Any:
        return self._current(key)[self._LIST]

    def _is_done(self, item_id: Hashable) -> bool:
        return bool(self._state.get(item_id, {}).get(self._LIST))

    def _done_candidates(self) -> list[Hashable]:
        return list(self._state)  # a recount looks at the items with a state only

    def _item_info(self, item_id: Hashable) -> dict:
        state = self._state.get(item_id, {self._LIST: [], "rejected": []})
        return {self._LIST: state[self._LIST], "rejected": state["rejected"], "proposals": self._proposals.get(item_id, [])}

    def _item_state(self, item_id: Any) -> dict:
        state = self._current(item_id)
        return {self._LIST: state[self._LIST], "rejected": state["rejected"], "n_done": self.n_done,
                "can_redo": bool(self._redo.get(item_id))}

    def _static_rows(self) -> list[tuple[str, Any]]:
        n = sum(len(s.get(self._LIST, [])) for s in self._state.values())
        return [(self._LIST, f"{n} on {sum(1 for s in self._state.values() if s.get(self._LIST))} items")]

    # ------------------------------------------------------------------ validation
    def _class(self, value: Any) -> Any:
        for c in self.classes:
            if same(c, value):
                return c
        raise IntentError(f"unknown class {str(value)[:60]!r}")

    def _shape_id(self, value: Any) -> str:
        if not isinstance(value, str) or not self._ID.match(value):
            raise IntentError(f"invalid {self._NOUN} id {str(value)[:60]!r}")
        return value

    def _ids(self, content: dict, key: str) -> list[str]:
        ids = content.get(key)
        if not isinstance(ids, list) or not ids or len(ids) > self._MAX:
            raise IntentError(f"{key} must be a list of 1 to {self._MAX} ids")
        ids = [self._shape_id(i) for i in ids]
        if len(set(ids)) != len(ids):
            raise IntentError(f"{key}: an id appears twice")
        return ids

    def _pending(self, item_id: Hashable, state: dict) -> dict[str, dict]:
        """Proposals of the item neither accepted, adjusted nor rejected: id -> proposal."""
        used = {s.get("proposal") for s in state[self._LIST]} | set(state["rejected"])
        return {p["id"]: p for p in self._proposals.get(item_id, []) if p["id"] not in used}

    def _not_open(self, item_id: Hashable, state: dict, pid: str) -> str:
        """The refusal of proposal ``pid``, which is not open on the item."""
        return f"no open proposal {pid[:60]!r} on this item"

    def _pending_ids(self, item_id: Hashable, state: dict, ids: list[str]) -> list[dict]:
        """The open proposals ``ids`` of the item (refused unless every one is open)."""
        pending = self._pending(item_id, state)
        for pid in ids:
            if pid not in pending:
                raise IntentError(self._not_open(item_id, state, pid))
        return [pending[pid] for pid in ids]

    # ------------------------------------------------------------------ intents
    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        if len(state[self._LIST]) > self._MAX:
            raise IntentError(f"more than {self._MAX} {self._LIST} on one item")
        payload = {self._LIST: state[self._LIST], "rejected": state["rejected"], "op": op}
        return self._store_state(item_id, payload, self._state_of(payload), op, clear_redo)

    def _accepted(self, item_id: Hashable, proposal: dict) -> dict:
        """The shape an open proposal of the item becomes when accepted as proposed (source "proposal")."""
        raise NotImplementedError

    @intent("delete")
    def _on_delete(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        ids = self._ids(content, f"{self._NOUN}_ids")
        known = {s["id"] for s in state[self._LIST]}
        for sid in ids:
            if sid not in known:
                raise IntentError(f"unknown {self._NOUN} id {sid[:60]!r}")
        state[self._LIST] = [s for s in state[self._LIST] if s["id"] not in ids]
        return self._answer(content, self._change(item_id, state, "delete"))

    @intent("accept")
    def _on_accept(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        taken = {s["id"] for s in state[self._LIST]}
        for p in self._pending_ids(item_id, state, self._ids(content, "proposal_ids")):
            if p["id"] in taken:
                raise IntentError(f"{self._NOUN} id {p['id']!r} is already used on this item")
            state[self._LIST].append(self._accepted(item_id, p))
        return self._answer(content, self._change(item_id, state, "accept"))

    @intent("reject")
    def _on_reject(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        ids = self._ids(content, "proposal_ids")
        self._pending_ids(item_id, state, ids)
        state["rejected"].extend(ids)
        return self._answer(content, self._change(item_id, state, "reject"))

    @intent("sync")
    def _on_sync(self, content: dict) -> dict:
        item_id = self._item_id(content)
        return self._ack(content, item_id=item_id, event_id=None, **self._item_state(item_id))
