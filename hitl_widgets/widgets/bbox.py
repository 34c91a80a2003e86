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
from PIL import Image

from ..coerce import _shown as shown_repr
from ..coerce import check_item_id, is_missing, normalise_classes, plain, same
from ..items import Items
from ..metrics.geometry import clip_box
from ..queue import QueueSpec
from ..static import thumbnail_jpeg
from ..store import AnnotationStore
from .base import DISPLAY_HEIGHTS, STATIC, BoundedFloat, BoundedInt, IntentError, IntentWidget, intent, static_file
from .shape_list import ProposalFrame, ShapeListEditor, finite_number, proposal_lists, proposal_score, rank_proposals

KIND = "boxes"
MAX_BOXES = 5000  # per item
BOX_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SOURCES = ("human", "proposal", "adjusted")
BOX_COLUMNS = ["item", "x", "y", "w", "h", "class", "source", "score", "box_id", "proposal_id", "annotator", "event_id"]
PROPOSAL_COLUMNS = ["item", "x", "y", "w", "h", "class", "score", "proposal_id"]
#: how far (pixels) a box from code (a proposal, ``set_boxes``) may reach beyond its image: that much
#: is clipped (round-off, an inclusive corner at ``x = width``); more is refused
OVERHANG = 1.0
_PROPOSAL_KEYS = ("x", "y", "w", "h", "class", "label", "score", "id")  # of a proposal dict
#: a proposals DataFrame's columns: these are read ("proposal_id": the id, as ``w.proposals`` has it) ...
_FRAME_COLUMNS = ("item", "x", "y", "w", "h", "class", "score", "id", "proposal_id")
#: ... and these ignored: the other columns of ``w.boxes``, and a detector table's per-class probs
_FRAME_IGNORED = ("source", "box_id", "annotator", "event_id", "probs")
_BOX_KEYS = ("x", "y", "w", "h", "class")  # of a box from code (``set_boxes``)


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

    Coordinates are image pixels ``(x, y, w, h)``: the top-left corner, then width and height (not
    the corners ``x1, y1, x2, y2``). Proposals and boxes from code (``set_boxes``) must lie inside
    their image: one that reaches more than ``OVERHANG`` (1) pixel beyond it is refused, naming the
    item and the box (corners given as ``(x, y, w, h)`` usually do; clip a model's overhanging boxes
    first, ``metrics.clip_box``); up to 1 pixel is clipped. Boxes drawn, moved or resized in the
    browser are clipped to the image.

    Args:
        items: ``Items`` or anything ``Items`` accepts (image arrays, paths, PIL images).
        classes: class names (strs or ints).
        store: the ``AnnotationStore`` (default: ``hitl.db`` in the working directory).
        task: the task name in the store.
        proposals: model boxes: a DataFrame with columns item, x, y, w, h, class and optionally
            score and id (the shape of ``w.proposals``, whose ``proposal_id`` is the id; the other
            columns of ``w.boxes`` and a ``probs`` column are ignored, any other is refused), or a
            dict ``{item_id: [{"x", "y", "w", "h", "class", "score", "id"}, ...]}`` (``label`` for
            ``class``; any other key is refused), or tuples ``(x, y, w, h, class[, score])``.
            Item ids are ints or strs (``True`` or ``1.0`` is not item ``1``). A score is a
            probability: a number in [0, 1] (NaN, None, a str or a bool is refused); a proposal
            without one leaves it out (no score key, a 5-tuple, no score column) and is always
            shown and taken by "accept all". An id (optional) matches ``[A-Za-z0-9_.:-]{1,64}`` and
            is unique within the item; the default is ``p`` and 12 hex digits of a hash of the class
            and the box (to 0.1 px; ``shape_list.content_id``), so a box keeps its id, and a stored
            accept or reject its meaning, when the model is run again (an identical box ranked after
            it gets ``-1``, ...).
        threshold: a number in [0, 1] (outside it is refused, never clamped); proposals scoring
            below it are hidden (and not accepted by "accept all").
        queue: review order: item ids, or a callable returning them (default: all items).
        display_height: the image's height on screen in pixels, an int in [32, 8192] (``DISPLAY_HEIGHTS``;
            a bool, a float, a str or an int outside is refused, never rounded or parsed).

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
    threshold = BoundedFloat(0.5, 0, 1).tag(sync=True)  # scores lie in [0, 1]: refused, not clamped
    _view_writable = IntentWidget._view_writable | {"threshold"}  # the view's own settings
    display_height = BoundedInt(480, *DISPLAY_HEIGHTS).tag(sync=True)

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
            threshold=type(self).threshold.check(threshold),
            display_height=type(self).display_height.check(display_height), title=title,
        )

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
        """The current boxes of one item (dicts with id, x, y, w, h, class, source, score, proposal);
        ``KeyError`` for an id that is not an item's (``True`` or ``1.0`` is not item ``1``)."""
        item_id = check_item_id(item_id, self.items, error=KeyError)
        return [dict(b) for b in self._state.get(item_id, {"boxes": []})["boxes"]]

    def set_boxes(self, item_id: Hashable, boxes: Any) -> int:
        """Make ``boxes`` the item's boxes (one undoable change, as if drawn by hand), for a script or
        an oracle: a DataFrame with columns x, y, w, h, class (no other), or a list of
        ``(x, y, w, h, class)`` or of dicts with those keys (no other: a box from code is a human
        box, with no score). Coordinates are numbers (numpy numbers too; not a str or a bool), the
        box inside the image (more than 1 pixel beyond it is refused, up to 1 pixel clipped), the
        class one of the widget's. Every box is checked; nothing is stored when one fails
        (``ValueError`` naming the item and box; ``KeyError`` for an unknown item id). Returns the
        event id.

        Example:
            >>> import numpy as np
            >>> w = BBoxAnnotator(np.zeros((1, 60, 80), np.uint8), ["cat"], store=AnnotationStore(":memory:"))
            >>> _ = w.set_boxes(0, [(10, 10, 20, 15, "cat")])
            >>> w.boxes[["x", "w", "class"]].values.tolist()
            [[10.0, 20.0, 'cat']]
        """
        item_id = check_item_id(item_id, self.items, error=KeyError)
        if isinstance(boxes, pd.DataFrame):
            other = [c for c in boxes.columns if c not in _BOX_KEYS]
            missing = [c for c in _BOX_KEYS if c not in boxes.columns]
            if missing or other:
                raise ValueError(f"item {item_id!r}: set_boxes takes a DataFrame with columns x, y, w, h, class "
                                 f"(a box from code is a human box, with no score): "
                                 + (f"missing {missing}" if missing else f"drop the other columns {other[:10]}"))
            rows: list = boxes.to_dict("records")
        elif isinstance(boxes, (str, bytes, dict)) or not hasattr(boxes, "__iter__"):
            raise ValueError(f"item {item_id!r}: boxes must be a DataFrame or a list of (x, y, w, h, class) or dicts, "
                             f"not a {type(boxes).__name__}")
        else:
            rows = list(boxes)
        if len(rows) > MAX_BOXES:
            raise ValueError(f"item {item_id!r}: more than {MAX_BOXES} boxes")
        width, height = self.image_size(item_id)
        state = self._current(item_id)
        new = []
        for n, raw in enumerate(rows):
            where = f"item {item_id!r}: box {n}"
            if isinstance(raw, dict):
                other = [k for k in raw if k not in _BOX_KEYS]
                if other:
                    raise ValueError(f"{where}: unknown key {_shown(other[0])}: a box from code has keys x, y, w, h, "
                                     "class (a human box, with no score)")
                missing = [k for k in _BOX_KEYS if k not in raw]
                if missing:
                    raise ValueError(f"{where}: missing {missing}")
            elif isinstance(raw, (tuple, list)) and len(raw) == 5:
                raw = dict(zip(_BOX_KEYS, raw))
            else:
                got = f"{len(raw)} values" if isinstance(raw, (tuple, list)) else f"a {type(raw).__name__}"
                raise ValueError(f"{where}: expected (x, y, w, h, class) or a dict with those keys, got {got} "
                                 "(a box from code is a human box, with no score)")
            geometry = _inside(_numbers(raw, where), width, height, where)
            try:
                cls = self._class(raw["class"])
            except IntentError as exc:
                raise ValueError(f"item {item_id!r}: {exc} (box {n})") from None
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
        """x, y, w, h of a browser's message (a drag: clamped to the image, positive size); finite
        numbers, kept to 1/1000 px, so a box at least 0.001 px wide and high inside the image once
        rounded (as ``_inside`` checks the boxes from code, which are refused beyond the image)."""
        x, y, w, h = (finite_number(content.get(k), f"{where} {k}") for k in ("x", "y", "w", "h"))
        if w <= 0 or h <= 0:
            raise IntentError(f"{where}: width and height must be positive, got {w:g} x {h:g}")
        width, height = self.image_size(item_id)
        clipped = clip_box([x, y, w, h], width, height).tolist()
        if clipped[2] <= 0 or clipped[3] <= 0:
            raise IntentError(f"{where} ({x:g}, {y:g}, {w:g}, {h:g}) lies outside the {width}x{height} image")
        cx, cy, cw, ch = (_rounded(v) for v in clipped)
        if cw <= 0 or ch <= 0:  # coordinates are kept to 1/1000 of a pixel
            raise IntentError(f"{where} ({x:g}, {y:g}, {w:g}, {h:g}) is less than 0.001 pixels wide or high inside "
                              f"the {width}x{height} image")
        return {"x": cx, "y": cy, "w": cw, "h": ch}

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


def _shown(value: Any) -> str:
    """``repr(value)``, cut to 40 characters, for a message (``coerce``'s, at this module's width)."""
    return shown_repr(value, 40)


def _numbers(raw: dict, where: str) -> tuple[float, float, float, float]:
    """x, y, w, h of a box from code: numbers (numpy numbers made plain; not a bool, not a str),
    finite, with a positive width and height; else ``ValueError`` naming ``where``."""
    out = []
    for k in ("x", "y", "w", "h"):
        v = plain(raw[k])
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{where}: {k} must be a number, not {_shown(v)} (a {type(v).__name__})")
        if not math.isfinite(v):
            raise ValueError(f"{where}: {k} must be finite, not {v}")
        out.append(float(v))
    x, y, w, h = out
    if w <= 0 or h <= 0:
        raise ValueError(f"{where}: width and height must be positive, got {w:g} x {h:g}")
    return x, y, w, h


def _inside(box: tuple[float, float, float, float], width: int, height: int, where: str) -> dict:
    """``{x, y, w, h}`` of a box from code that lies inside the ``width`` x ``height`` image: up to
    ``OVERHANG`` pixels beyond an edge are clipped, more is refused (``ValueError`` naming ``where``:
    corners ``x1, y1, x2, y2`` given as ``(x, y, w, h)`` are the usual cause)."""
    x, y, w, h = box
    shown = f"({x:g}, {y:g}, {w:g}, {h:g})"
    clipped = clip_box([x, y, w, h], width, height).tolist()
    if clipped[2] <= 0 or clipped[3] <= 0:
        raise ValueError(f"{where}: box {shown} lies wholly outside the {width}x{height} image")
    cx, cy, cw, ch = (_rounded(v) for v in clipped)
    if cw <= 0 or ch <= 0:  # coordinates are kept to 1/1000 of a pixel
        raise ValueError(f"{where}: box {shown} is less than 0.001 pixels wide or high inside the image")
    beyond = max(-x, -y, x + w - width, y + h - height)
    if beyond > OVERHANG:
        corners = 0 <= x < w <= width + OVERHANG and 0 <= y < h <= height + OVERHANG
        hint = (f"as corners (x1, y1, x2, y2) it would be the {w - x:g} x {h - y:g} box at ({x:g}, {y:g}): pass "
                "(x, y, x2 - x, y2 - y)" if corners else
                "boxes are (x, y, w, h), the top-left corner then width and height, not corners x1, y1, x2, y2")
        raise ValueError(f"{where}: (x, y, w, h) = {shown} reaches {beyond:g} pixels outside the {width}x{height} "
                         f"image (at most {OVERHANG:g} is clipped): {hint}; clip a model's boxes to the image first "
                         "(hitl_widgets.metrics.clip_box)")
    return {"x": cx, "y": cy, "w": cw, "h": ch}


def _frame_lacking(cols: list) -> str | None:
    """The refusal of a proposals DataFrame with the columns ``cols`` that lacks a needed one, or None."""
    missing = [c for c in ("item", "x", "y", "w", "h", "class") if c not in cols]
    if not missing:
        return None
    return f"a proposals DataFrame needs columns item, x, y, w, h, class (and score); missing {sorted(missing)}"


def _frame_unknown(column: Any) -> str:
    """The refusal of a proposals DataFrame's column that is neither read nor ignored."""
    return (f"a proposals DataFrame has columns {', '.join(_FRAME_COLUMNS)} (and, ignored, {', '.join(_FRAME_IGNORED)}); "
            f"unknown column {_shown(column)}: rename or drop it")


def _frame_row(rec: dict) -> dict:
    """A proposals DataFrame's row as a proposal dict: x, y, w, h, class and score, and its id (``id`` or
    ``proposal_id``). An empty score or id cell is none (pandas' missing value: from_coco's unscored
    boxes), as in a PolygonAnnotator frame; a dict's NaN score is refused (proposal_score)."""
    row = {k: rec[k] for k in ("x", "y", "w", "h", "class", "score") if k in rec and not (k == "score" and is_missing(rec[k]))}
    id_column = "id" if "id" in rec else "proposal_id" if "proposal_id" in rec else None
    if id_column is not None and not is_missing(rec[id_column]):
        row["id"] = rec[id_column]
    return row


_FRAME = ProposalFrame(_FRAME_COLUMNS, _FRAME_IGNORED, "proposal_id", _frame_lacking, _frame_unknown, _frame_row)


def _normalise_proposals(proposals: Any, items: Items, classes: list) -> dict[Hashable, list[dict]]:
    """Proposals as ``{item_id: [{"id", "x", "y", "w", "h", "class", "score"}, ...]}``, best first (a
    proposal without a score first); every one checked (see ``BBoxAnnotator``), errors naming the
    item and the proposal (its position in the item's list; and a DataFrame's row). The ids: the
    user's (checked), else a hash of the class and box (``rank_proposals``), the same in every run."""
    if proposals is None:
        return {}
    rows_of: dict[Hashable, list[int]] = {}
    if isinstance(proposals, pd.DataFrame):
        proposals, rows_of = _FRAME.group(proposals, items)
    out: dict[Hashable, list[dict]] = {}
    for item_id, boxes in proposal_lists(proposals, items, "boxes", "item, x, y, w, h, class, score"):
        width, height = _image_size(items, item_id)
        rows: list[dict] = []
        for n, box in enumerate(boxes):
            where = f"item {item_id!r} proposal {n}" + (f" (row {rows_of[item_id][n]})" if rows_of else "")
            if isinstance(box, dict):
                other = [k for k in box if k not in _PROPOSAL_KEYS]
                if other:
                    raise ValueError(f"{where}: unknown key {_shown(other[0])}: a proposal dict has the keys "
                                     f"{', '.join(_PROPOSAL_KEYS[:5])} (or label for class), and optionally score and id")
                if "class" in box and "label" in box:
                    raise ValueError(f"{where}: both class {_shown(box['class'])} and label {_shown(box['label'])}: "
                                     "give one")
                fields = {("class" if k == "label" else k): v for k, v in box.items()}
                missing = [k for k in _BOX_KEYS if k not in fields]
                if missing:
                    raise ValueError(f"{where}: missing {missing}")
            elif isinstance(box, (tuple, list)) and len(box) in (5, 6):
                fields = dict(zip((*_BOX_KEYS, "score"), box))
            else:
                got = f"{len(box)} values" if isinstance(box, (tuple, list)) else f"a {type(box).__name__}"
                raise ValueError(f"{where}: expected a dict or (x, y, w, h, class[, score]), got {got}")
            geometry = _inside(_numbers(fields, where), width, height, where)
            cls = plain(fields["class"])
            match = [c for c in classes if same(c, cls)]
            if not match:
                raise ValueError(f"{where}: class {_shown(cls)} is not one of {classes[:20]}")
            score = proposal_score(fields["score"], where) if "score" in fields else None
            user_id = None
            if "id" in fields:
                user_id = plain(fields["id"])
                if not isinstance(user_id, str) or not BOX_ID.match(user_id):
                    raise ValueError(f"{where}: id {_shown(user_id)} must be a str of 1 to 64 letters, digits, "
                                     "'_', '.', ':' or '-'")
                if any(r["id"] == user_id for r in rows):
                    raise ValueError(f"{where}: id {user_id!r} is used by another proposal of the item")
            rows.append({"id": user_id, **geometry, "class": match[0], "score": score})
        out[item_id] = rank_proposals(rows)  # best first; the ids the user left out: a hash of class and box
    return out
