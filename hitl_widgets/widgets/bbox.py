"""BBoxAnnotator: draw, move and resize boxes on images; review a detector's proposals.

Every change to an item's boxes is one store event (``kind="boxes"``) whose payload is the item's
whole current box list (plus the ids of the rejected proposals), so undo is ``store.undo`` of the
latest event and the current boxes are the latest active event's payload.

Protocol (browser → kernel; each intent carries ``client``/``seq`` and ``item_id``):
    add      {boxes: [{id, x, y, w, h, class}, ...]}        new human boxes (drawn, or copied)
    update   {box_id, x, y, w, h, class}                    move / resize / reclass a box
    delete   {box_ids: [...]}
    accept   {proposal_ids: [...]}                          proposals become boxes (source "proposal")
    adjust   {proposal_id, x, y, w, h, class}               a proposal, edited (source "adjusted")
    reject   {proposal_ids: [...]}
    undo / redo / sync                                      answer with the item's current state
Every ack carries the item's state after the change: ``boxes`` and ``rejected``.
"""
from __future__ import annotations

import math
import re
import uuid
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets
from PIL import Image

from ..coerce import is_missing, normalise_classes, plain, same
from ..items import Items
from ..metrics.geometry import clip_box
from ..queue import QueueSpec
from ..static import thumbnail_jpeg
from ..store import AnnotationStore
from .base import STATIC, IntentError, intent, static_file
from .shape_list import ShapeListEditor, finite_number, proposal_lists

KIND = "boxes"
MAX_BOXES = 5000  # per item
BOX_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SOURCES = ("human", "proposal", "adjusted")
BOX_COLUMNS = ["item", "x", "y", "w", "h", "class", "source", "score", "box_id", "proposal_id", "annotator", "event_id"]
PROPOSAL_COLUMNS = ["item", "x", "y", "w", "h", "class", "score", "proposal_id"]


def _rounded(v: float) -> float:
    return round(float(v), 3)


class BBoxAnnotator(ShapeListEditor):
    """Draw boxes on images by mouse or keyboard; accept, adjust or reject a detector's proposals.

    Mouse: drag on the image draws a box; click selects; drag a box moves it; drag a handle
    resizes; wheel zooms around the cursor; space-drag (or middle-drag) pans.
    Keys (``?`` lists them): 1–9, 0 class of the next boxes (or of a box you clicked or Tabbed to;
    a class key never changes or accepts a proposal), B new box,
    arrows nudge the selected box (Shift: 10 px; Alt: resize; with nothing selected they pan),
    Tab / Shift+Tab select the next / previous box or proposal, Enter accepts a proposal,
    a / A accept every proposal above the threshold, Delete deletes a box or rejects a proposal,
    C copies the previous item's boxes, , and . move the score threshold, + / - / F zoom,
    Ctrl+Z undo, Ctrl+Y redo, PageDown / PageUp next / previous item.

    Coordinates are image pixels ``(x, y, w, h)``, top-left origin, clamped to the image.

    Args:
        items: ``Items`` or anything ``Items`` accepts (image arrays, paths, PIL images).
        classes: class names (strs or ints).
        store: the ``AnnotationStore`` (default: ``hitl.db`` in the working directory).
        task: the task name in the store.
        proposals: model boxes: a DataFrame with columns item, x, y, w, h, class, score (the
            shape of ``w.boxes``), or a dict ``{item_id: [{"x", "y", "w", "h", "class",
            "score"}, ...]}`` (tuples ``(x, y, w, h, class[, score])`` work too).
        threshold: proposals scoring below it are hidden (and not accepted by "accept all").
        queue: review order: item ids, or a callable returning them (default: all items).

    Example:
        >>> import numpy as np
        >>> imgs = np.zeros((2, 60, 80), np.uint8)
        >>> w = BBoxAnnotator(imgs, ["cat", "dog"], store=AnnotationStore(":memory:"),
        ...                   proposals={0: [(10, 10, 20, 15, "cat", 0.9)]})
        >>> w.boxes.empty, len(w.proposals)
        (True, 1)
    """

    _esm = STATIC / "bbox.js"
    _css = STATIC / "bbox.css"
    KIND = KIND
    _state_kinds = (KIND,)
    _LIST, _NOUN, _MAX, _ID = "boxes", "box", MAX_BOXES, BOX_ID
    threshold = traitlets.Float(0.5).tag(sync=True)

    def __init__(
        self,
        items: Any,
        classes: Sequence[Any],
        store: AnnotationStore | None = None,
        task: str = "boxes",
        proposals: Any = None,
        threshold: float = 0.5,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_height: int = 480,
        title: str = "",
    ):
        static_file("bbox.js")
        items = self._image_items(items)
        classes = normalise_classes(classes)
        self._proposals = _normalise_proposals(proposals, items, classes)
        super().__init__(
            items, store=store, task=task, queue=queue, annotator=annotator, classes=classes,
            threshold=float(threshold), display_height=int(display_height), title=title,
        )

    @traitlets.validate("threshold")
    def _valid_threshold(self, proposal: dict) -> float:
        value = float(proposal["value"])
        if not math.isfinite(value):
            raise traitlets.TraitError("threshold must be finite")
        return min(1.0, max(0.0, value))

    # ------------------------------------------------------------------ public API
    @property
    def boxes(self) -> pd.DataFrame:
        """This annotator's current boxes, one row per box.

        Columns: item, x, y, w, h (image pixels, top-left origin), class, source ("human",
        "proposal" = accepted as proposed, "adjusted" = a proposal edited by a human), score (the
        proposal's score, NaN for human boxes), box_id, proposal_id (None for human boxes),
        annotator, event_id.
        """
        rows = []
        for rec, b in self._stored_shapes():
            rows.append((
                rec.item_id, b["x"], b["y"], b["w"], b["h"], b["class"], b["source"],
                np.nan if b.get("score") is None else float(b["score"]), b["id"], b.get("proposal"),
                rec.annotator, int(rec.event_id),
            ))
        df = pd.DataFrame(rows, columns=BOX_COLUMNS)
        return df.astype({"x": float, "y": float, "w": float, "h": float, "score": float})

    @property
    def proposals(self) -> pd.DataFrame:
        """The model's proposals: item, x, y, w, h, class, score, proposal_id."""
        rows = [
            (item, p["x"], p["y"], p["w"], p["h"], p["class"], p["score"], p["id"])
            for item, ps in self._proposals.items() for p in ps
        ]
        return pd.DataFrame(rows, columns=PROPOSAL_COLUMNS).astype({"score": float})

    def boxes_of(self, item_id: Hashable) -> list[dict]:
        """The current boxes of one item (dicts with id, x, y, w, h, class, source, score, proposal)."""
        if item_id not in self.items:
            raise KeyError(f"unknown item id {item_id!r}")
        return [dict(b) for b in self._state.get(item_id, {"boxes": []})["boxes"]]

    def set_boxes(self, item_id: Hashable, boxes: Any) -> int:
        """Make ``boxes`` the item's boxes (one undoable change, as if drawn by hand), for a script or
        an oracle: a DataFrame with columns x, y, w, h, class, or a list of ``(x, y, w, h, class)``
        or dicts. Every box is checked like a drawn one; nothing is stored when one fails. Returns
        the event id.

        Example:
            >>> import numpy as np
            >>> w = BBoxAnnotator(np.zeros((1, 60, 80), np.uint8), ["cat"], store=AnnotationStore(":memory:"))
            >>> _ = w.set_boxes(0, [(10, 10, 20, 15, "cat")])
            >>> w.boxes[["x", "w", "class"]].values.tolist()
            [[10.0, 20.0, 'cat']]
        """
        item_id = plain(item_id)
        if item_id not in self.items:
            raise KeyError(f"unknown item id {item_id!r}")
        rows = boxes.to_dict("records") if isinstance(boxes, pd.DataFrame) else list(boxes)
        if len(rows) > MAX_BOXES:
            raise ValueError(f"item {item_id!r}: more than {MAX_BOXES} boxes")
        state = self._current(item_id)
        new = []
        for n, raw in enumerate(rows):
            if not isinstance(raw, dict):
                raw = dict(zip(("x", "y", "w", "h", "class"), raw))
            try:
                geometry = self._geometry(item_id, raw, f"box {n}")
                cls = self._class(raw.get("class"))
            except IntentError as exc:
                raise ValueError(f"item {item_id!r}: {exc}") from None
            new.append({"id": f"b{uuid.uuid4().hex[:12]}", **geometry, "class": cls, "source": "human", "score": None, "proposal": None})
        state["boxes"] = new
        done = self._change(item_id, state, "set")
        self.send({"type": "invalidate"})
        return done.event_id

    def set_proposals(self, proposals: Any) -> None:
        """Replace the model proposals (e.g. after retraining); the view refetches."""
        self._proposals = _normalise_proposals(proposals, self.items, self.classes)
        self.send({"type": "invalidate"})

    # ------------------------------------------------------------------ static view
    def _static_picture(self, item_id: Hashable) -> bytes | None:
        index = {c: n for n, c in enumerate(self.classes)}
        boxes = [(b["x"], b["y"], b["w"], b["h"], index.get(b["class"], 0)) for b in self.boxes_of(item_id)]
        return thumbnail_jpeg(self.items.image(item_id), boxes=boxes)

    # ------------------------------------------------------------------ validation (the rest: ShapeListEditor)
    def _geometry(self, item_id: Hashable, content: dict, where: str = "box") -> dict:
        """x, y, w, h of a message: finite numbers, clamped to the image, positive size."""
        x, y, w, h = (finite_number(content.get(k), f"{where} {k}") for k in ("x", "y", "w", "h"))
        if w <= 0 or h <= 0:
            raise IntentError(f"{where}: width and height must be positive, got {w:g} x {h:g}")
        width, height = self.image_size(item_id)
        cx, cy, cw, ch = clip_box([x, y, w, h], width, height).tolist()
        if cw <= 0 or ch <= 0:
            raise IntentError(f"{where} ({x:g}, {y:g}, {w:g}, {h:g}) lies outside the {width}x{height} image")
        return {"x": _rounded(cx), "y": _rounded(cy), "w": _rounded(cw), "h": _rounded(ch)}

    def _find(self, state: dict, box_id: str) -> dict:
        for b in state["boxes"]:
            if b["id"] == box_id:
                return b
        raise IntentError(f"unknown box id {box_id[:60]!r}")

    # ------------------------------------------------------------------ intents
    @intent("add")
    def _on_add(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        new = content.get("boxes")
        if not isinstance(new, list) or not new or len(new) > MAX_BOXES:
            raise IntentError(f"add needs a list of 1 to {MAX_BOXES} boxes")
        taken = {b["id"] for b in state["boxes"]} | {p["id"] for p in self._proposals.get(item_id, [])}
        for n, raw in enumerate(new):
            if not isinstance(raw, dict):
                raise IntentError(f"box {n} must be an object")
            box_id = self._shape_id(raw.get("id"))
            if box_id in taken:
                raise IntentError(f"box id {box_id!r} is already used on this item")
            taken.add(box_id)
            geometry = self._geometry(item_id, raw, f"box {n}")
            state["boxes"].append({
                "id": box_id, **geometry, "class": self._class(raw.get("class")),
                "source": "human", "score": None, "proposal": None,
            })
        return self._answer(content, self._change(item_id, state, "add"))

    @intent("update")
    def _on_update(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        box = self._find(state, self._shape_id(content.get("box_id")))
        geometry = self._geometry(item_id, content)
        cls = self._class(content.get("class"))
        changed = cls != box["class"] or any(abs(geometry[k] - box[k]) > 1e-6 for k in "xywh")
        if not changed:
            raise IntentError("update changes nothing")
        box.update(geometry, **{"class": cls})
        if box["source"] == "proposal":
            box["source"] = "adjusted"  # still remembers its proposal and score
        return self._answer(content, self._change(item_id, state, "update"))

    def _accepted(self, item_id: Hashable, proposal: dict) -> dict:
        geometry = self._geometry(item_id, proposal, f"proposal {proposal['id']}")
        return {"id": proposal["id"], **geometry, "class": proposal["class"], "source": "proposal",
                "score": proposal["score"], "proposal": proposal["id"]}

    @intent("adjust")
    def _on_adjust(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        pid = self._shape_id(content.get("proposal_id"))
        (p,) = self._pending_ids(item_id, state, [pid])
        if pid in {b["id"] for b in state["boxes"]}:
            raise IntentError(f"box id {pid!r} is already used on this item")
        state["boxes"].append({
            "id": pid, **self._geometry(item_id, content), "class": self._class(content.get("class")),
            "source": "adjusted", "score": p["score"], "proposal": pid,
        })
        return self._answer(content, self._change(item_id, state, "adjust"))


def _image_size(items: Items, item_id: Hashable) -> tuple[int, int]:
    """``(width, height)`` of an item's image, without encoding it where the raw item tells."""
    value = items.raw(item_id)
    if isinstance(value, np.ndarray) and value.ndim >= 2:
        return int(value.shape[1]), int(value.shape[0])
    if isinstance(value, Image.Image):
        return value.size
    media = items.media(item_id)
    return int(media.width), int(media.height)


def _normalise_proposals(proposals: Any, items: Items, classes: list) -> dict[Hashable, list[dict]]:
    """Proposals as ``{item_id: [{"id", "x", "y", "w", "h", "class", "score"}, ...]}`` (ids p0, p1, ...)."""
    if proposals is None:
        return {}
    if isinstance(proposals, pd.DataFrame):
        missing = {"item", "x", "y", "w", "h", "class"} - set(proposals.columns)
        if missing:
            raise ValueError(f"a proposals DataFrame needs columns item, x, y, w, h, class (and score); missing {sorted(missing)}")
        grouped: dict[Hashable, list] = {}
        for rec in proposals.to_dict("records"):
            score = rec.get("score")
            grouped.setdefault(plain(rec["item"]), []).append(
                {"x": rec["x"], "y": rec["y"], "w": rec["w"], "h": rec["h"], "class": rec["class"], "score": score}
            )
        proposals = grouped
    out: dict[Hashable, list[dict]] = {}
    for item_id, boxes in proposal_lists(proposals, items, "boxes", "item, x, y, w, h, class, score"):
        rows = []
        for n, box in enumerate(boxes):
            if isinstance(box, dict):
                cls = box.get("class", box.get("label"))
                x, y, w, h, score = box.get("x"), box.get("y"), box.get("w"), box.get("h"), box.get("score")
            elif isinstance(box, (tuple, list)) and len(box) in (5, 6):
                x, y, w, h, cls = box[:5]
                score = box[5] if len(box) == 6 else None
            else:
                raise ValueError(f"item {item_id!r} proposal {n}: expected a dict or (x, y, w, h, class[, score])")
            where = f"item {item_id!r} proposal {n}"
            try:
                nums = [float(plain(v)) for v in (x, y, w, h)]
            except (TypeError, ValueError):
                raise ValueError(f"{where}: x, y, w, h must be numbers") from None
            if not all(math.isfinite(v) for v in nums) or nums[2] <= 0 or nums[3] <= 0:
                raise ValueError(f"{where}: x, y, w, h must be finite with positive width and height, got {nums}")
            width, height = _image_size(items, item_id)
            cw, ch = clip_box(nums, width, height).tolist()[2:]
            if cw <= 0 or ch <= 0:
                raise ValueError(f"{where}: box {nums} lies wholly outside the {width}x{height} image")
            cls = plain(cls)
            if not any(same(c, cls) for c in classes):
                raise ValueError(f"{where}: class {cls!r} is not one of {classes}")
            score = plain(score)
            if score is not None:
                if is_missing(score):
                    score = None
                else:
                    score = float(score)
                    if not math.isfinite(score):
                        raise ValueError(f"{where}: score must be finite")
            rows.append({"x": nums[0], "y": nums[1], "w": nums[2], "h": nums[3], "class": cls, "score": score})
        # highest score first; ids follow that order
        rows.sort(key=lambda r: -(r["score"] if r["score"] is not None else math.inf))
        out[item_id] = [{"id": f"p{k}", **r} for k, r in enumerate(rows)]
    return out
