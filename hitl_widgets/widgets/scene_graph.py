"""SceneGraphAnnotator: boxes on an image (objects, with a class and attributes) and the relations
between them (subject -> predicate -> object), drawn by hand or reviewed from a model.

Every change of an item is one store event (``kind="scene_graph"``) whose payload is the item's
whole state, so undo / redo are those of ``ImageEditor``:

    {"objects": [{"id", "x", "y", "w", "h", "class", "attributes": [str, ...], "source", "score"?}, ...],
     "relations": [{"subject", "predicate", "object", "source", "score", "proposal"}, ...],
     "rejected": [proposal ids], "rejected_objects": [object proposal ids], "op": str}

An object's ``source`` is "given" (from ``objects=``), "human" (drawn) or "model" (a proposed box
accepted as proposed: it keeps its ``score``; one then moved, resized, reclassed or retagged is
"human" and keeps the score; deleting either rejects the proposal); a relation's is "human"
or "model" (a proposal accepted as proposed; one whose predicate was changed is "human" and keeps
the proposal's id and score; removing a relation that came from a proposal rejects the proposal).
Proposed boxes (``object_proposals=``) are open until accepted or rejected; a proposed relation
may name a proposed box: accepting the relation accepts its open proposed boxes in the same event
(one undo takes back both); once a named box is rejected, the relation is no longer open.
Until an item has an event its state is its given objects. Deleting
an object deletes its relations in the same event (the ack says how many), so one undo restores
both. A relation is identified by its triple (subject, predicate, object): a triple is stored once.

Protocol (browser -> kernel; each intent carries ``client``/``seq`` and ``item_id``):
    add_object     {object: {id, x, y, w, h, class, attributes}}     a drawn box (the view picks the id: never
                                                                     a given object's, deleted or not)
    update_object  {object_id, x?, y?, w?, h?, class?, attributes?}  move / resize / reclass / retag
    delete_object  {object_id}                                       and its relations
    relate         {subject, predicate, object}
    unrelate       {subject, predicate, object}
    accept         {proposal_id, predicate?}                         a predicate given: the proposal, changed
    reject         {proposal_id}
    accept_object  {object_id}                                       a proposed box becomes an object
    reject_object  {object_id}
    accept_objects {object_ids: [...]}                               several proposed boxes, one event
    undo / redo / sync
Every ack carries the item's state after the change: ``objects``, ``relations``, ``rejected``.
An item's payload carries ``given_ids`` too: the ids of its given objects, deleted ones included.
"""
from __future__ import annotations

import math
import re
from collections.abc import Hashable
from typing import Any

import pandas as pd
import traitlets

from ..coerce import (
    check_item_id,
    check_number,
    is_item_id,
    is_missing,
    normalise_classes,
    plain,
    refuse_lookalikes,
    same,
    whole_float_to_int,
)
from ..metrics.geometry import clip_box
from ..queue import QueueSpec
from ..static import thumbnail_jpeg
from ..store import AnnotationStore
from .base import STATIC, BoundedFloat, Committed, IntentError, browser_number, intent, static_file
from .classify import check_score
from .image_editor import ImageEditor

KIND = "scene_graph"
MAX_OBJECTS = 1000  # per item
MAX_RELATIONS = 5000  # per item
MAX_ATTRIBUTES = 32  # per object
MAX_ATTRIBUTE_CHARS = 64
OBJECT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
TRIPLE_COLUMNS = ["item", "subject", "subject_class", "predicate", "object", "object_class", "subject_box", "object_box",
                  "source", "score"]
OBJECT_COLUMNS = ["item", "object_id", "x", "y", "w", "h", "class", "attributes", "source", "score"]
OBJECT_PROPOSAL_COLUMNS = ["item", "object_id", "x", "y", "w", "h", "class", "attributes", "score"]
PROPOSAL_COLUMNS = ["item", "subject", "predicate", "object", "score", "proposal_id"]


def _state_of(payload: dict) -> dict:
    return {
        "objects": [{**o, "attributes": list(o.get("attributes", []))} for o in payload.get("objects", [])],
        "relations": [dict(r) for r in payload.get("relations", [])],
        "rejected": list(payload.get("rejected", [])),
        "rejected_objects": list(payload.get("rejected_objects", [])),
    }


def _triple(r: dict) -> tuple:
    return (r["subject"], r["predicate"], r["object"])


class SceneGraphAnnotator(ImageEditor):
    """Annotate a scene graph per image: objects (boxes with a class and attributes) and relations
    subject -> predicate -> object between them; review a model's proposed boxes and relations.

    A relation takes three actions: click the subject box, click the object box, press the
    predicate's digit (1-9; or type to filter the predicate list, then Enter). Keys (``?`` lists
    them): Tab / Shift+Tab move over the boxes and Enter picks the one reached (as a click does);
    Esc cancels a half-made relation; h hides / shows the arrows; p / P select the next / previous
    open proposal, then Enter or a accepts it, x or Backspace rejects it, a digit accepts it with
    that predicate; Delete deletes the selected relation (or the selected box and its relations);
    c cycles the class of the selected box (or of the next boxes drawn); t edits its attributes;
    ] / PageDown next image, [ / PageUp previous; Ctrl+Z undo, Ctrl+Shift+Z (or Ctrl+Y) redo.
    Proposed boxes are drawn dashed with their score; p / P select them too (then Enter / a accepts,
    x / Backspace rejects), A accepts every open proposed box scored at least ``object_threshold``.
    A selected box (clicked, or picked with Tab and Enter): drag it to move it, drag one of its
    eight handles to resize it; arrows move it by one image pixel (Shift: 10), Alt+arrows resize it.
    Mouse: drag on the image draws a box; click a relation in the side list to select it.

    Args:
        items: the images (``Items`` or anything it accepts).
        object_classes: the classes of the objects (strs or ints).
        predicates: the relation names (strs), e.g. ``["on", "left of", "holding"]``.
        store: the ``AnnotationStore``; task: its task name.
        proposals: model relations: a DataFrame with columns item, subject, predicate, object
            (object ids of ``objects``) and score (optional: a probability in [0, 1]; an empty
            cell, NaN or None, is no score, as in the other annotators' proposal DataFrames).
        objects: the given objects: a DataFrame with columns item, object_id (or object / id),
            x, y, w, h (image pixels, top-left origin), class, and optional attributes (a list of
            strs or a comma-separated str). Object ids compare by value and are kept as strs
            (``1`` and ``1.0`` are the object ``"1"``); ids of one item that read alike but differ
            in type (``1`` and ``"1"``, ``True`` and ``1``), across ``objects``,
            ``object_proposals`` and ``proposals``, are refused naming the item.
        attributes: the attributes allowed (e.g. colours); None: any short tag.
        object_proposals: a model's boxes: a DataFrame with columns item, object_id, x, y, w, h,
            class, score and optional attributes, as ``objects``; an id may not be that of a given
            object of the item. ``proposals`` may name them.
        object_threshold: the score from which A accepts proposed boxes all at once (a number in
            [0, 1], refused outside it, also when set later).

    Example:
        >>> import numpy as np
        >>> objs = pd.DataFrame({"item": [0, 0], "object_id": ["a", "b"], "x": [1, 20], "y": [1, 1],
        ...                      "w": [10, 10], "h": [10, 10], "class": ["cup", "table"]})
        >>> w = SceneGraphAnnotator(np.zeros((1, 40, 40), np.uint8), ["cup", "table"], ["on", "near"],
        ...                         objects=objs, store=AnnotationStore(":memory:"))
        >>> _ = w.relate(0, "a", "on", "b")
        >>> w.triples[["subject", "predicate", "object", "source"]].values.tolist()
        [['a', 'on', 'b', 'human']]
        >>> boxes = pd.DataFrame({"item": [0], "object_id": ["m1"], "x": [5], "y": [20], "w": [8], "h": [8],
        ...                       "class": ["cup"], "score": [0.8]})
        >>> w = SceneGraphAnnotator(np.zeros((1, 40, 40), np.uint8), ["cup", "table"], ["on", "near"],
        ...                         objects=objs, object_proposals=boxes, store=AnnotationStore(":memory:"))
        >>> _ = w.accept_object(0, "m1")
        >>> w.objects[["object_id", "source", "score"]].values.tolist()[-1]
        ['m1', 'model', 0.8]
    """

    _esm = STATIC / "scene_graph.js"
    _css = STATIC / "scene_graph.css"
    KIND = KIND
    _state_kinds = (KIND,)
    predicates: traitlets.List[Any] = traitlets.List().tag(sync=True)
    attribute_choices: traitlets.List[Any] = traitlets.List().tag(sync=True)
    display_size = traitlets.Int(520).tag(sync=True)
    object_threshold = BoundedFloat(0.5, 0, 1).tag(sync=True)  # refused outside, never clamped

    def __init__(
        self,
        items: Any,
        object_classes: Any,
        predicates: Any,
        store: AnnotationStore | None = None,
        task: str = "scene_graph",
        proposals: Any = None,
        objects: Any = None,
        attributes: Any = None,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_size: int = 520,
        title: str = "",
        object_proposals: Any = None,
        object_threshold: float = 0.5,
    ):
        static_file("scene_graph.js")
        items = self._image_items(items)
        classes = normalise_classes(object_classes)
        preds = _normalise_predicates(predicates)
        attrs = None if attributes is None else _normalise_attribute_list(attributes)
        self._allowed_attributes = attrs
        self._classes = classes
        _refuse_lookalike_ids({"objects": objects, "object_proposals": object_proposals, "proposals": proposals})
        self._given = self._normalise_objects(objects, items, classes)
        self._object_proposals = self._normalise_object_proposals(object_proposals, items, classes)
        self._proposals = self._normalise_proposals(proposals, items, preds)
        object_threshold = type(self).object_threshold.check(object_threshold)
        super().__init__(items, store=store, task=task, queue=queue, annotator=annotator, title=title)
        self.classes = classes
        self.predicates = preds
        self.attribute_choices = attrs or []
        self.display_size = int(display_size)
        self.object_threshold = object_threshold

    # ------------------------------------------------------------------ public API
    @property
    def triples(self) -> pd.DataFrame:
        """This annotator's current relations, one row per triple.

        Columns: item, subject, subject_class, predicate, object, object_class, subject_box,
        object_box ((x, y, w, h) in image pixels), source ("human" or "model": a proposal accepted
        as proposed), score (the proposal's; NaN for a human relation)."""
        rows = []
        for item_id in self.items.ids:
            state = self._current(item_id)
            objs = {o["id"]: o for o in state["objects"]}
            for r in state["relations"]:
                s, o = objs[r["subject"]], objs[r["object"]]
                rows.append((item_id, r["subject"], s["class"], r["predicate"], r["object"], o["class"],
                             (s["x"], s["y"], s["w"], s["h"]), (o["x"], o["y"], o["w"], o["h"]), r["source"],
                             math.nan if r.get("score") is None else float(r["score"])))
        return pd.DataFrame(rows, columns=TRIPLE_COLUMNS).astype({"score": float})

    @property
    def objects(self) -> pd.DataFrame:
        """This annotator's current objects: item, object_id, x, y, w, h, class, attributes (a list
        of strs), source ("given", "human" or "model": a proposed box accepted as proposed), score
        (a proposed box's, kept when it is changed; NaN for the others)."""
        rows = [(item_id, o["id"], o["x"], o["y"], o["w"], o["h"], o["class"], list(o["attributes"]), o["source"],
                 math.nan if o.get("score") is None else float(o["score"]))
                for item_id in self.items.ids for o in self._current(item_id)["objects"]]
        return pd.DataFrame(rows, columns=OBJECT_COLUMNS).astype({"score": float})

    @property
    def object_proposals(self) -> pd.DataFrame:
        """The model's proposed boxes: item, object_id, x, y, w, h, class, attributes, score."""
        rows = [(i, p["id"], p["x"], p["y"], p["w"], p["h"], p["class"], list(p["attributes"]), p["score"])
                for i, ps in self._object_proposals.items() for p in ps]
        return pd.DataFrame(rows, columns=OBJECT_PROPOSAL_COLUMNS).astype({"score": float})

    def accept_object(self, item_id: Hashable, object_id: str) -> int:
        """Accept a proposed box: it becomes an object (source "model", its score kept), as Enter
        does in the view. Returns the event id."""
        return self._call("accept_object", item_id, object_id=object_id)

    def reject_object(self, item_id: Hashable, object_id: str) -> int:
        """Reject a proposed box (the relations proposed on it are no longer open), as x does in
        the view. Returns the event id."""
        return self._call("reject_object", item_id, object_id=object_id)

    def accept_objects(self, item_id: Hashable, min_score: float | None = None) -> int:
        """Accept, in one event, every open proposed box of the item scored at least ``min_score``
        (default: ``object_threshold``), as A does in the view. Returns the event id."""
        item_id = check_item_id(item_id, self.items)
        threshold = self.object_threshold if min_score is None else check_number("min_score", min_score, 0, 1)
        ids = [p["id"] for p in self._open_object_proposals(item_id, self._current(item_id))
               if p["score"] is not None and p["score"] >= threshold]
        return self._call("accept_objects", item_id, object_ids=ids)

    @property
    def proposals(self) -> pd.DataFrame:
        """The model's proposed relations: item, subject, predicate, object, score, proposal_id."""
        rows = [(i, p["subject"], p["predicate"], p["object"], p["score"], p["id"]) for i, ps in self._proposals.items() for p in ps]
        return pd.DataFrame(rows, columns=PROPOSAL_COLUMNS).astype({"score": float})

    def to_visual_genome(self) -> list[dict]:
        """The current scene graphs in the Visual Genome layout (see
        ``hitl_widgets.io.to_visual_genome``): one dict per image with ``image_id``, ``objects``
        and ``relationships``."""
        from ..io.visual_genome import to_visual_genome

        return to_visual_genome(self.objects, self.triples, images=list(self.items.ids))

    def relate(self, item_id: Hashable, subject: str, predicate: str, object: str) -> int:
        """Add the relation subject -> predicate -> object (object ids of the item), validated as
        the view's are. Returns the event id."""
        return self._call("relate", item_id, subject=subject, predicate=predicate, object=object)

    def add_object(self, item_id: Hashable, box: tuple, cls: Any, attributes: Any = (), object_id: str | None = None) -> str:
        """Add an object ``box`` = (x, y, w, h) of class ``cls``; returns its id (``h1``, ``h2``,
        ... unless given)."""
        item_id = check_item_id(item_id, self.items)
        object_id = object_id or self._next_id(item_id, self._current(item_id))
        self._call("add_object", item_id, object={"id": object_id, **dict(zip("xywh", (plain(v) for v in box))),
                                                  "class": plain(cls), "attributes": list(attributes)})
        return object_id

    def accept(self, item_id: Hashable, proposal_id: str, predicate: str | None = None) -> int:
        """Accept a proposed relation (with another ``predicate`` when given), as Enter / a digit
        does in the view. Returns the event id."""
        fields: dict[str, Any] = {"proposal_id": proposal_id}
        if predicate is not None:
            fields["predicate"] = predicate
        return self._call("accept", item_id, **fields)

    def reject(self, item_id: Hashable, proposal_id: str) -> int:
        """Reject a proposed relation, as x does in the view. Returns the event id."""
        return self._call("reject", item_id, proposal_id=proposal_id)

    # ------------------------------------------------------------------ static view
    def _static_rows(self) -> list[tuple[str, Any]]:
        states = [self._current(i) for i in self._state]
        return [("scene graphs", f"{sum(len(s['objects']) for s in states)} objects, "
                                 f"{sum(len(s['relations']) for s in states)} relations on {len(states)} images")]

    def _static_picture(self, item_id: Hashable) -> bytes | None:
        index = {c: n for n, c in enumerate(self.classes)}
        boxes = [(o["x"], o["y"], o["w"], o["h"], index.get(o["class"], 0)) for o in self._current(item_id)["objects"]]
        return thumbnail_jpeg(self.items.image(item_id), boxes=boxes)

    def delete_object(self, item_id: Hashable, object_id: str) -> int:
        """Delete an object and its relations (one event: one undo restores both)."""
        return self._call("delete_object", item_id, object_id=object_id)

    def _call(self, type_: str, item_id: Hashable, **fields: Any) -> int:
        item_id = check_item_id(item_id, self.items)
        return int(self._intent_from_code(type_, item_id=item_id, **fields)["event_id"])

    # ------------------------------------------------------------------ hooks
    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        return _state_of(payload)

    def _current(self, item_id: Hashable) -> dict:
        if item_id in self._state:
            return _state_of(self._state[item_id])
        return _state_of({"objects": self._given.get(item_id, [])})

    def _snapshot(self, item_id: Hashable) -> dict:
        return self._current(item_id)

    def _label(self, key: Hashable) -> Any:
        return self._current(key)["relations"]

    def _is_done(self, item_id: Hashable) -> bool:
        return item_id in self._state

    def _done_candidates(self) -> list[Hashable]:
        return list(self._state)  # a recount looks at the items with a state only

    def _item_info(self, item_id: Hashable) -> dict:
        return {"proposals": self._proposals.get(item_id, []), "object_proposals": self._object_proposals.get(item_id, []),
                "given_ids": self._given_ids(item_id), **self._view_state(item_id)}

    def _view_state(self, item_id: Hashable) -> dict:
        state = self._current(item_id)
        return {"objects": state["objects"], "relations": state["relations"], "rejected": state["rejected"],
                "rejected_objects": state["rejected_objects"]}

    def _item_state(self, item_id: Any) -> dict:
        return {**self._view_state(item_id), "n_done": self.n_done, "can_redo": bool(self._redo.get(item_id))}

    # ------------------------------------------------------------------ validation
    def _class(self, item_id: Hashable, value: Any) -> Any:
        for c in self._classes:
            if same(c, value):
                return c
        raise IntentError(f"item {item_id!r}: unknown object class {str(value)[:60]!r}")

    def _predicate(self, item_id: Hashable, value: Any) -> str:
        if not isinstance(value, str) or value not in self.predicates:
            raise IntentError(f"item {item_id!r}: predicate {str(value)[:60]!r} is not in the list of predicates")
        return value

    def _attributes(self, item_id: Hashable, value: Any) -> list[str]:
        if not isinstance(value, list) or len(value) > MAX_ATTRIBUTES:
            raise IntentError(f"item {item_id!r}: attributes must be a list of at most {MAX_ATTRIBUTES} strs")
        out: list[str] = []
        for a in value:
            if not isinstance(a, str) or not a.strip() or len(a) > MAX_ATTRIBUTE_CHARS:
                raise IntentError(f"item {item_id!r}: an attribute must be a non-empty str of at most {MAX_ATTRIBUTE_CHARS} characters, got {str(a)[:30]!r}")
            a = a.strip()
            if self._allowed_attributes is not None and a not in self._allowed_attributes:
                raise IntentError(f"item {item_id!r}: attribute {a[:60]!r} is not in the list of attributes")
            if a not in out:
                out.append(a)
        return out

    def _geometry(self, item_id: Hashable, value: dict) -> dict:
        x, y, w, h = (browser_number(value.get(k), f"item {item_id!r}: box {k}") for k in "xywh")
        if w <= 0 or h <= 0:
            raise IntentError(f"item {item_id!r}: a box needs a positive width and height, got {w:g} x {h:g}")
        width, height = self.image_size(item_id)
        cx, cy, cw, ch = clip_box([x, y, w, h], width, height).tolist()
        if cw <= 0 or ch <= 0:
            raise IntentError(f"item {item_id!r}: box ({x:g}, {y:g}, {w:g}, {h:g}) lies outside the {width}x{height} image")
        return {"x": round(cx, 2), "y": round(cy, 2), "w": round(cw, 2), "h": round(ch, 2)}

    def _object(self, item_id: Hashable, state: dict, value: Any, role: str = "object") -> dict:
        found = next((o for o in state["objects"] if isinstance(value, str) and o["id"] == value), None)
        if found is None:
            raise IntentError(f"item {item_id!r}: {role} {repr(value)[:60]} is not a box of this image (unknown or deleted)")
        return found

    def _given_ids(self, item_id: Hashable) -> list[str]:
        """The ids of the item's given objects, deleted ones included: never an id for another box (a
        proposal naming one names the given box)."""
        return [o["id"] for o in self._given.get(item_id, [])]

    def _next_id(self, item_id: Hashable, state: dict) -> str:
        taken = ({o["id"] for o in state["objects"]} | {p["id"] for p in self._object_proposals.get(item_id, [])}
                 | set(self._given_ids(item_id)))
        n = 1 + sum(1 for o in state["objects"] if o["source"] == "human")
        while f"h{n}" in taken:
            n += 1
        return f"h{n}"

    def _open_proposal(self, item_id: Hashable, state: dict, value: Any) -> dict:
        """A proposal that is not rejected, whose boxes exist (or are open proposed boxes) and whose
        triple is not yet stored."""
        p = next((p for p in self._proposals.get(item_id, []) if p["id"] == value), None)
        if p is None or not isinstance(value, str):
            raise IntentError(f"item {item_id!r} has no proposal {str(value)[:60]!r}")
        ids = {o["id"] for o in state["objects"]} | {q["id"] for q in self._open_object_proposals(item_id, state)}
        if p["id"] in state["rejected"] or any(r.get("proposal") == p["id"] for r in state["relations"]):
            raise IntentError(f"item {item_id!r}: proposal {p['id']} was already accepted or rejected")
        if any(_triple(r) == _triple(p) for r in state["relations"]):
            raise IntentError(f"item {item_id!r}: proposal {p['id']} is already a relation "
                              f"({p['subject']} -> {p['predicate']} -> {p['object']})")
        if p["subject"] not in ids or p["object"] not in ids:
            raise IntentError(f"item {item_id!r}: proposal {p['id']} names a deleted or rejected box")
        return p

    def _open_object_proposals(self, item_id: Hashable, state: dict) -> list[dict]:
        """The proposed boxes of the item neither accepted (an object of that id) nor rejected."""
        ids = {o["id"] for o in state["objects"]}
        return [p for p in self._object_proposals.get(item_id, []) if p["id"] not in ids and p["id"] not in state["rejected_objects"]]

    def _open_object_proposal(self, item_id: Hashable, state: dict, value: Any, op: str) -> dict:
        p = next((p for p in self._object_proposals.get(item_id, []) if isinstance(value, str) and p["id"] == value), None)
        if p is None:
            raise IntentError(f"item {item_id!r} has no proposed box {str(value)[:60]!r}")
        if p not in self._open_object_proposals(item_id, state):
            if self._replay_at is not None:  # a replayed verdict the store may already hold (its answer lost)
                self._check_newest(item_id, item_id, KIND, {**state, "op": op})
            raise IntentError(f"item {item_id!r}: proposed box {p['id']} was already accepted or rejected")
        return p

    @staticmethod
    def _accepted_box(p: dict) -> dict:
        return {"id": p["id"], "x": p["x"], "y": p["y"], "w": p["w"], "h": p["h"], "class": p["class"],
                "attributes": list(p["attributes"]), "source": "model", "score": p["score"]}

    # ------------------------------------------------------------------ intents
    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        if len(state["objects"]) > MAX_OBJECTS or len(state["relations"]) > MAX_RELATIONS:
            raise IntentError(f"item {item_id!r}: more than {MAX_OBJECTS} objects or {MAX_RELATIONS} relations")
        payload = {**_state_of(state), "op": op}
        return self._store_state(item_id, payload, _state_of(payload), op, clear_redo)

    def _add_relation(self, item_id: Hashable, state: dict, relation: dict) -> None:
        if relation["subject"] == relation["object"]:
            raise IntentError(f"item {item_id!r}: a box cannot be related to itself ({relation['subject']!r})")
        if any(_triple(r) == _triple(relation) for r in state["relations"]):
            if self._replay_at is not None:  # a replayed relation the store may already hold
                self._check_newest(item_id, item_id, KIND, {**state, "op": "relate"})
            raise IntentError(f"item {item_id!r}: the relation {relation['subject']} -> {relation['predicate']} -> {relation['object']} is already there")
        state["relations"].append(relation)

    @intent("add_object")
    def _on_add_object(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        value = content.get("object")
        if not isinstance(value, dict) or not set(value) <= {"id", "x", "y", "w", "h", "class", "attributes"}:
            raise IntentError("object must be an object {id, x, y, w, h, class, attributes}")
        oid = value.get("id")
        if not isinstance(oid, str) or not OBJECT_ID.match(oid):
            raise IntentError(f"item {item_id!r}: object id {str(oid)[:60]!r} must be 1-64 letters, digits or _.:-")
        if any(o["id"] == oid for o in state["objects"]):
            raise IntentError(f"item {item_id!r} already has a box {oid!r}")
        if oid in self._given_ids(item_id):
            raise IntentError(f"item {item_id!r}: {oid!r} is the id of a given object (deleted, its id stays taken): "
                              "give the box another id")
        if any(p["id"] == oid for p in self._object_proposals.get(item_id, [])):
            raise IntentError(f"item {item_id!r} already has a proposed box {oid!r}")
        obj = {"id": oid, **self._geometry(item_id, value), "class": self._class(item_id, value.get("class")),
               "attributes": self._attributes(item_id, value.get("attributes", [])), "source": "human"}
        state["objects"].append(obj)
        return self._answer(content, self._change(item_id, state, "add_object"))

    @intent("update_object")
    def _on_update_object(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        obj = self._object(item_id, state, content.get("object_id"), "box")
        extra = set(content) - {"type", "client", "seq", "item_id", "object_id", "x", "y", "w", "h", "class", "attributes"}
        if extra:
            raise IntentError(f"update_object: unknown fields {sorted(extra)[:5]}")
        geometry = [k for k in "xywh" if k in content]
        if geometry and len(geometry) != 4:
            raise IntentError("update_object: give all of x, y, w, h or none")
        if not geometry and "class" not in content and "attributes" not in content:
            raise IntentError("update_object: nothing to change")
        if geometry:
            obj.update(self._geometry(item_id, content))
        if "class" in content:
            obj["class"] = self._class(item_id, content["class"])
        if "attributes" in content:
            obj["attributes"] = self._attributes(item_id, content["attributes"])
        if obj["source"] == "model":
            obj["source"] = "human"  # the model's box, changed: the person's now (its score kept)
        return self._answer(content, self._change(item_id, state, "update_object"))

    @intent("delete_object")
    def _on_delete_object(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        obj = self._object(item_id, state, content.get("object_id"), "box")
        before = len(state["relations"])
        state["objects"] = [o for o in state["objects"] if o is not obj]
        state["relations"] = [r for r in state["relations"] if obj["id"] not in (r["subject"], r["object"])]
        removed = before - len(state["relations"])
        proposed = any(p["id"] == obj["id"] for p in self._object_proposals.get(item_id, []))
        if proposed and obj["source"] != "given" and obj["id"] not in state["rejected_objects"]:
            state["rejected_objects"].append(obj["id"])  # an accepted proposed box deleted: rejected, not open again
        return self._answer(content, self._change(item_id, state, "delete_object"), removed_relations=removed)

    @intent("relate")
    def _on_relate(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        s = self._object(item_id, state, content.get("subject"), "subject")
        o = self._object(item_id, state, content.get("object"), "object")
        predicate = self._predicate(item_id, content.get("predicate"))
        self._add_relation(item_id, state, {"subject": s["id"], "predicate": predicate, "object": o["id"],
                                            "source": "human", "score": None, "proposal": None})
        return self._answer(content, self._change(item_id, state, "relate"))

    @intent("unrelate")
    def _on_unrelate(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        key = (content.get("subject"), content.get("predicate"), content.get("object"))
        gone = [r for r in state["relations"] if _triple(r) == key]
        if not gone:
            raise IntentError(f"item {item_id!r} has no relation {str(key[0])[:40]} -> {str(key[1])[:40]} -> {str(key[2])[:40]}")
        state["relations"] = [r for r in state["relations"] if _triple(r) != key]
        if gone[0].get("proposal") and gone[0]["proposal"] not in state["rejected"]:
            state["rejected"].append(gone[0]["proposal"])  # an accepted proposal removed: rejected, not open again
        return self._answer(content, self._change(item_id, state, "unrelate"))

    @intent("accept")
    def _on_accept(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        p = self._open_proposal(item_id, state, content.get("proposal_id"))
        predicate = p["predicate"]
        if "predicate" in content:
            predicate = self._predicate(item_id, content["predicate"])
        source = "model" if predicate == p["predicate"] else "human"
        ids = {o["id"] for o in state["objects"]}
        for q in self._open_object_proposals(item_id, state):  # the proposed boxes it names are accepted with it
            if q["id"] in (p["subject"], p["object"]) and q["id"] not in ids:
                state["objects"].append(self._accepted_box(q))
        self._add_relation(item_id, state, {"subject": p["subject"], "predicate": predicate, "object": p["object"],
                                            "source": source, "score": p["score"], "proposal": p["id"]})
        return self._answer(content, self._change(item_id, state, "accept"))

    @intent("reject")
    def _on_reject(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        p = self._open_proposal(item_id, state, content.get("proposal_id"))
        state["rejected"].append(p["id"])
        return self._answer(content, self._change(item_id, state, "reject"))

    @intent("accept_object")
    def _on_accept_object(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        p = self._open_object_proposal(item_id, state, content.get("object_id"), "accept_object")
        state["objects"].append(self._accepted_box(p))
        return self._answer(content, self._change(item_id, state, "accept_object"))

    @intent("reject_object")
    def _on_reject_object(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        p = self._open_object_proposal(item_id, state, content.get("object_id"), "reject_object")
        state["rejected_objects"].append(p["id"])
        return self._answer(content, self._change(item_id, state, "reject_object"))

    @intent("accept_objects")
    def _on_accept_objects(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        ids = content.get("object_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_OBJECTS:
            raise IntentError(f"item {item_id!r}: object_ids must be a list of 1 to {MAX_OBJECTS} proposed boxes (none open above the threshold?)")
        if len({str(v) for v in ids}) != len(ids):
            raise IntentError(f"item {item_id!r}: object_ids name a proposed box twice")
        boxes = [self._open_object_proposal(item_id, state, v, "accept_objects") for v in ids]
        state["objects"].extend(self._accepted_box(p) for p in boxes)
        return self._answer(content, self._change(item_id, state, "accept_objects"), accepted=len(boxes))

    @intent("sync")
    def _on_sync(self, content: dict) -> dict:
        item_id = self._item_id(content)
        return self._ack(content, item_id=item_id, event_id=None, **self._item_state(item_id))

    # ------------------------------------------------------------------ construction
    def _normalise_objects(self, objects: Any, items: Any, classes: list, name: str = "objects") -> dict[Hashable, list[dict]]:
        """Given objects as ``{item_id: [{"id", "x", "y", "w", "h", "class", "attributes", "source"}]}``
        (errors name the item); with ``name="object_proposals"`` the model's boxes, each with its
        ``score`` (and no id of a given object)."""
        from .bbox import _image_size

        proposed = name == "object_proposals"
        if objects is None:
            return {}
        need = "item, object_id, x, y, w, h, class" + (", score" if proposed else "") + " (and attributes)"
        if not isinstance(objects, pd.DataFrame):
            raise ValueError(f"{name} must be a DataFrame with columns {need}")
        id_col = _id_column(objects)
        missing = {"item", "x", "y", "w", "h", "class"} - set(objects.columns)
        if missing or id_col is None:
            raise ValueError(f"an {name} DataFrame needs columns {need}; missing {sorted(missing) or ['object_id']}")
        out: dict[Hashable, list[dict]] = {}
        for n, rec in enumerate(objects.to_dict("records")):
            item_id = check_item_id(rec["item"], items, where=f"{name} row {n}")
            oid = _id_text(rec[id_col])
            where = f"item {item_id!r} {'proposed box' if proposed else 'object'} {oid!r}"
            if not OBJECT_ID.match(oid):
                raise ValueError(f"item {item_id!r}: object id {oid[:60]!r} must be 1-64 letters, digits or _.:-")
            rows = out.setdefault(item_id, [])
            if any(o["id"] == oid for o in rows):
                raise ValueError(f"{where} appears twice")
            if proposed and any(o["id"] == oid for o in self._given.get(item_id, [])):
                raise ValueError(f"{where}: the item already has a given object {oid!r}")
            cls = next((c for c in classes if same(c, plain(rec["class"]))), None)
            if cls is None:
                raise ValueError(f"{where}: unknown class {rec['class']!r} (classes: {classes[:10]})")
            try:
                x, y, w, h = (float(plain(rec[k])) for k in "xywh")
            except (TypeError, ValueError):
                raise ValueError(f"{where}: x, y, w, h must be numbers") from None
            if not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0:
                raise ValueError(f"{where}: x, y, w, h must be finite with a positive width and height")
            width, height = _image_size(items, item_id)
            cx, cy, cw, ch = clip_box([x, y, w, h], width, height).tolist()
            if cw <= 0 or ch <= 0:
                raise ValueError(f"{where}: box {[x, y, w, h]} lies wholly outside the {width}x{height} image")
            attrs = rec.get("attributes")
            if attrs is None or (not isinstance(attrs, (list, tuple)) and is_missing(attrs)):
                attrs = []
            elif isinstance(attrs, str):
                attrs = [a for a in attrs.split(",") if a.strip()]
            try:
                attrs = self._attributes(item_id, [plain(a) for a in attrs])
            except (IntentError, TypeError) as exc:
                raise ValueError(f"{where}: {exc}") from None
            row = {"id": oid, "x": round(cx, 2), "y": round(cy, 2), "w": round(cw, 2), "h": round(ch, 2),
                   "class": cls, "attributes": attrs, "source": "given"}
            if proposed:
                score = _frame_score(rec, where)
                if score is None:
                    raise ValueError(f"{where}: score must be a finite number, not an empty cell (a proposed box needs a score)")
                del row["source"]
                row["score"] = score
            rows.append(row)
        if proposed:
            for rows in out.values():
                rows.sort(key=lambda r: -r["score"])
        return out

    def _normalise_object_proposals(self, proposals: Any, items: Any, classes: list) -> dict[Hashable, list[dict]]:
        """A model's boxes as ``{item_id: [{"id", "x", "y", "w", "h", "class", "attributes", "score"}]}``,
        by descending score (errors name the item)."""
        return self._normalise_objects(proposals, items, classes, name="object_proposals")

    def _normalise_proposals(self, proposals: Any, items: Any, predicates: list[str]) -> dict[Hashable, list[dict]]:
        """Proposals as ``{item_id: [{"id", "subject", "predicate", "object", "score"}]}``, ids p0,
        p1, ... by descending score; object ids and predicates checked (errors name the item)."""
        if proposals is None:
            return {}
        if not isinstance(proposals, pd.DataFrame):
            raise ValueError("proposals must be a DataFrame with columns item, subject, predicate, object (and score)")
        missing = {"item", "subject", "predicate", "object"} - set(proposals.columns)
        if missing:
            raise ValueError(f"a proposals DataFrame needs columns item, subject, predicate, object (and score); missing {sorted(missing)}")
        grouped: dict[Hashable, list[dict]] = {}
        for n, rec in enumerate(proposals.to_dict("records")):
            item_id = check_item_id(rec["item"], items, where=f"proposals row {n}")
            ids = {o["id"] for o in self._given.get(item_id, [])} | {o["id"] for o in self._object_proposals.get(item_id, [])}
            s, p, o = _id_text(rec["subject"]), plain(rec["predicate"]), _id_text(rec["object"])
            where = f"item {item_id!r} proposal {s} -> {p} -> {o}"
            for role, v in (("subject", s), ("object", o)):
                if v not in ids:
                    raise ValueError(f"{where}: unknown object id {v!r} ({role}; objects of the item: {sorted(ids)[:10]})")
            if not isinstance(p, str) or p not in predicates:  # the predicates are strs: 1 is not "1"
                raise ValueError(f"{where}: unknown predicate {p!r} (predicates: {predicates[:10]})")
            if s == o:
                raise ValueError(f"{where}: a box cannot be related to itself")
            score = _frame_score(rec, where)
            found = grouped.setdefault(item_id, [])
            if any((q["subject"], q["predicate"], q["object"]) == (s, p, o) for q in found):
                raise ValueError(f"{where}: proposed twice")
            found.append({"subject": s, "predicate": p, "object": o, "score": score})
        out = {}
        for item_id, found in grouped.items():
            found.sort(key=lambda r: -(r["score"] if r["score"] is not None else math.inf))
            out[item_id] = [{"id": f"p{k}", **r} for k, r in enumerate(found)]
        return out


def _id_column(frame: pd.DataFrame) -> str | None:
    """The column of an objects DataFrame that holds the object ids: the first of object_id, object
    and id that it has; None if none."""
    return next((c for c in ("object_id", "object", "id") if c in frame.columns), None)


def _id_text(value: Any) -> str:
    """An object id as the str that the state, the view and the tables use: a str as it is, a number
    by value (``1``, ``1.0`` and ``np.int64(1)`` are ``"1"``), "" for a missing one (refused later).
    Look-alikes of other types (``"1"`` beside ``1``) are refused before (``_refuse_lookalike_ids``).

    Example:
        >>> _id_text(1), _id_text(1.0), _id_text("cup"), _id_text(float("nan"))
        ('1', '1', 'cup', '')
    """
    return "" if is_missing(value) else str(whole_float_to_int(value))


def _refuse_lookalike_ids(frames: dict[str, Any]) -> None:
    """Refuse object ids of one item that read alike but never match (``1`` and ``"1"``, ``True``
    and ``1``; ``coerce.refuse_lookalikes``) across the DataFrames ``frames`` (name: "objects",
    "object_proposals" or "proposals" -> DataFrame or None): a ValueError naming the item and both
    ids. A frame that is no DataFrame, a missing column or a row whose item is no item id is left to
    the checks that follow.
    """
    by_item: dict[Hashable, dict[str, list]] = {}
    for name, frame in frames.items():
        if not isinstance(frame, pd.DataFrame) or "item" not in frame.columns:
            continue
        columns = ("subject", "object") if name == "proposals" else (_id_column(frame),)
        present = [c for c in columns if c in frame.columns]
        for item, *ids in zip(frame["item"].map(plain), *(frame[c] for c in present)):
            if is_item_id(item):
                by_item.setdefault(item, {}).setdefault(name, []).extend(ids)
    for item, pools in by_item.items():
        refuse_lookalikes(f"item {item!r}: object id", list(pools.items()))


def _frame_score(rec: dict, where: str) -> float | None:
    """The score cell of a proposals DataFrame row: an empty cell (NaN, None, pd.NA) is no score, as
    in the other annotators' proposal DataFrames (``coerce.is_missing``); else a probability
    (``check_score``, errors naming ``where``)."""
    cell = rec.get("score")
    return None if is_missing(cell) else check_score(cell, where)


def _normalise_predicates(predicates: Any) -> list[str]:
    if isinstance(predicates, (str, bytes)) or not hasattr(predicates, "__iter__"):
        raise ValueError("predicates must be a list of strs, not a single value")
    out = [plain(p) for p in predicates]
    if not out or not all(isinstance(p, str) and p.strip() and len(p) <= 64 for p in out):
        raise ValueError(f"predicates must be a non-empty list of non-empty strs (at most 64 characters): {out[:10]}")
    if len(set(out)) != len(out):
        raise ValueError(f"predicates must be unique: {out[:20]}")
    return out


def _normalise_attribute_list(attributes: Any) -> list[str]:
    if isinstance(attributes, (str, bytes)) or not hasattr(attributes, "__iter__"):
        raise ValueError("attributes must be a list of strs (or None: any short tag)")
    out = [plain(a) for a in attributes]
    if not all(isinstance(a, str) and a.strip() and len(a) <= MAX_ATTRIBUTE_CHARS for a in out) or len(set(out)) != len(out):
        raise ValueError(f"attributes must be unique non-empty strs of at most {MAX_ATTRIBUTE_CHARS} characters: {out[:10]}")
    return [a.strip() for a in out]
