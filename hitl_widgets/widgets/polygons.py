"""PolygonAnnotator: instance polygons on images that stay polygons (vertices, holes), editable after closing.

Every change to an item's polygons is one store event (``kind="polygons"``) whose payload is the
item's whole current polygon list (plus the ids of the rejected proposals), so undo is
``store.undo`` of the latest event and the current polygons are the latest active event's payload.
A polygon is ``{id, class, rings, source, score, proposal}``: ``rings[0]`` is the outer ring and
any further rings are holes; a ring is a list of ``[x, y]`` vertices in image pixels (top-left
origin, pixel ``(row, col)`` covering ``[col, col + 1) x [row, row + 1)``, as COCO).

Protocol (browser → kernel; each intent carries ``client``/``seq`` and ``item_id``):
    put      {polygon: {id, class, rings}, edit?}   a new polygon, or a polygon's new vertices / class
                                                    (an open proposal's id: the proposal, edited);
                                                    ``edit`` names the change ("draw", "move_vertex", ...)
    delete   {polygon_ids: [...]}
    accept   {proposal_ids: [...]}                  proposals become polygons (source "proposal")
    reject   {proposal_ids: [...]}
    undo / redo / sync                              answer with the item's current state
Every ack carries the item's state after the change: ``polygons`` and ``rejected``.

An edit travels as vertices, never as a mask. The kernel checks every vertex: two finite numbers,
clamped to the image ``[0, width] x [0, height]`` (a vertex dragged past the border lies on it);
consecutive repeated vertices (after rounding to 1/1000 px) are merged; a ring needs at least 3
vertices and a non-zero area after that, at most ``MAX_VERTICES`` vertices, a polygon at most
``MAX_RINGS`` rings and ``MAX_POLYGON_VERTICES`` vertices in all, and every vertex of a hole must lie
inside (or on) the outer ring. Self-intersection is not refused: a ring is filled by the even-odd
rule, as COCO rasterises it.
"""
from __future__ import annotations

import math
import re
import uuid
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import is_missing, normalise_classes, plain, same
from ..items import Items
from ..metrics.geometry import mask_to_rings, ring_area, rings_to_mask
from ..queue import QueueSpec
from ..static import thumbnail_jpeg
from ..store import AnnotationStore
from .base import STATIC, IntentError, intent, static_file
from .bbox import _image_size
from .shape_list import ShapeListEditor, finite_number, proposal_lists

KIND = "polygons"
MAX_POLYGONS = 2000  # per item
MAX_RINGS = 64  # outer ring + holes, per polygon
MAX_VERTICES = 4000  # per ring
MAX_POLYGON_VERTICES = 10_000  # per polygon, all rings
POLYGON_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
EDITS = ("draw", "move_vertex", "insert_vertex", "delete_vertex", "hole", "delete_hole", "class", "nudge", "move", "edit")
POLYGON_COLUMNS = ["item", "polygon_id", "class", "rings", "n_vertices", "n_holes", "area", "source", "score",
                   "proposal_id", "annotator", "event_id"]
PROPOSAL_COLUMNS = ["item", "polygon_id", "class", "rings", "n_vertices", "n_holes", "area", "score"]


def _outside(points: list[list[float]], ring: list[list[float]], block: int = 512) -> int:
    """Index of the first of ``points`` outside ``ring`` (neither inside by the even-odd rule nor
    within 1e-6 px of its boundary), or -1 when all lie inside; vectorised over blocks of points."""
    r = np.asarray(ring, np.float64)
    a, b = r, np.roll(r, -1, axis=0)
    d = b - a
    seg = (d * d).sum(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = d[:, 0] / d[:, 1]  # x per y along each edge (inf / nan for a level one: never crossed)
    for start in range(0, len(points), block):
        p = np.asarray(points[start:start + block], np.float64)
        x, y = p[:, :1], p[:, 1:]
        crosses = (a[:, 1] > y) != (b[:, 1] > y)
        with np.errstate(invalid="ignore"):  # 0 * inf on a level edge, which `crosses` excludes
            inside = (crosses & (x < a[:, 0] + (y - a[:, 1]) * slope)).sum(1) % 2 == 1
        for k in np.flatnonzero(~inside):  # outside by the rule: on the boundary is inside too
            t = np.clip(((p[k] - a) * d).sum(1) / np.where(seg > 0, seg, 1.0), 0.0, 1.0)
            if not (np.hypot(*(a + t[:, None] * d - p[k]).T) <= 1e-6).any():
                return start + int(k)
    return -1


def check_rings(rings: Any, width: int, height: int, where: str = "polygon") -> list[list[list[float]]]:
    """Validated rings (the rules of the module docstring): a list of rings of ``[x, y]`` floats,
    clamped to the image and rounded to 1/1000 px; raises ``IntentError`` naming ``where``."""
    if not isinstance(rings, (list, tuple)) or not rings or len(rings) > MAX_RINGS:
        raise IntentError(f"{where}: rings must be a list of 1 to {MAX_RINGS} rings (the outer ring, then holes)")
    total = 0
    out: list[list[list[float]]] = []
    for r, ring in enumerate(rings):
        name = f"{where} {'outer ring' if r == 0 else f'hole {r}'}"
        if not isinstance(ring, (list, tuple)) or len(ring) > MAX_VERTICES:
            raise IntentError(f"{name} must be a list of at most {MAX_VERTICES} vertices")
        total += len(ring)
        if total > MAX_POLYGON_VERTICES:
            raise IntentError(f"{where} has more than {MAX_POLYGON_VERTICES} vertices")
        clean: list[list[float]] = []
        for v, vertex in enumerate(ring):
            if not isinstance(vertex, (list, tuple)) or len(vertex) != 2:
                raise IntentError(f"{name} vertex {v} must be [x, y]")
            x = finite_number(vertex[0], f"{name} vertex {v} x")
            y = finite_number(vertex[1], f"{name} vertex {v} y")
            p = [round(min(float(width), max(0.0, x)), 3), round(min(float(height), max(0.0, y)), 3)]
            if not clean or clean[-1] != p:
                clean.append(p)
        while len(clean) > 1 and clean[0] == clean[-1]:
            clean.pop()
        if len(clean) < 3:
            raise IntentError(f"{name} needs at least 3 distinct vertices inside the {width}x{height} image, got {len(clean)}")
        if ring_area(clean) <= 0:
            raise IntentError(f"{name} has no area (its vertices lie on one line, or outside the {width}x{height} image)")
        out.append(clean)
    outer = out[0]
    for r, hole in enumerate(out[1:], start=1):
        v = _outside(hole, outer)
        if v >= 0:
            raise IntentError(f"{where} hole {r} vertex {v} ({hole[v][0]:g}, {hole[v][1]:g}) lies outside the outer ring")
    return out


def polygon_area(rings: Sequence[Any]) -> float:
    """Area of a polygon with holes: the outer ring's minus its holes' (shoelace, px²)."""
    if not rings:
        return 0.0
    return max(0.0, ring_area(rings[0]) - sum(ring_area(r) for r in rings[1:]))


class PolygonAnnotator(ShapeListEditor):
    """Instance polygons on images: draw, then edit vertices and holes; accept or reject a model's.

    Each object is a polygon with a class, one outer ring and any number of holes, kept as vertices
    (never turned into pixels). Mouse: click to place vertices, click the first vertex (or Enter)
    to close; click a polygon to select it; drag a vertex to move it; click on an edge of the
    selected polygon to insert a vertex there; Alt+click a vertex deletes it (a ring keeps 3); drag
    inside the selected polygon to move it whole (holes too; stopped at the image's border, shape
    kept); wheel zooms, space-drag pans. Keys (``?`` lists them): 1–9, 0 class of new polygons (or of the
    selected one), N a new square polygon in the view (to shape by keys alone), H starts a hole in the selected polygon, Tab selects the next polygon or
    proposal (, and . the previous / next vertex), Delete / Backspace deletes the selected vertex
    (else the polygon, or rejects a proposal), arrows nudge the selected vertex (Shift: 10 px), else
    move the polygon clicked or Tabbed to as a whole,
    Enter closes the ring being drawn or accepts the selected (or best) proposal, A accepts every
    proposal, Escape cancels the drawing / clears the selection, Ctrl+Z / Ctrl+Y undo / redo,
    PageDown / PageUp next / previous item.

    Args:
        items: ``Items`` or anything ``Items`` accepts (image arrays, paths, PIL images).
        store: the ``AnnotationStore`` (default: ``hitl.db`` in the working directory).
        task: the task name in the store.
        classes: class names (strs or ints).
        proposals: model polygons: a DataFrame with columns item, class, score and ``rings`` (a list
            of rings, the outer first) or ``mask`` (a 2-D bool array: each 4-connected piece
            becomes a polygon, holes kept, simplified within ``tolerance`` px), or a dict
            ``{item_id: [{"class", "score", "rings" | "polygon" | "mask"}, ...]}`` (``polygon``:
            one ring as ``(K, 2)`` or flat ``[x0, y0, ...]``).
        tolerance: simplification (Douglas-Peucker, px) of the polygons traced from proposed masks.
        annotator, queue, display_height, title: as the other image editors.

    Example:
        >>> import numpy as np
        >>> w = PolygonAnnotator(np.zeros((2, 60, 80), np.uint8), store=AnnotationStore(":memory:"),
        ...                      classes=["cat", "dog"], proposals={0: [{"class": "cat", "score": 0.9,
        ...                      "polygon": [(10, 10), (40, 10), (40, 30)]}]})
        >>> _ = w.set_polygons(1, [{"class": "dog", "rings": [[(0, 0), (20, 0), (20, 20), (0, 20)]]}])
        >>> w.polygons[["item", "class", "n_vertices", "area"]].values.tolist()
        [[1, 'dog', 4, 400.0]]
        >>> _ = w.accept(0, "p0")  # from code, as Enter in the view (also reject, accept_all, delete)
        >>> w.polygons.sort_values("item")[["item", "source", "score"]].values.tolist()
        [[0, 'proposal', 0.9], [1, 'human', nan]]
    """

    _esm = STATIC / "polygons.js"
    _css = STATIC / "polygons.css"
    KIND = KIND
    _state_kinds = (KIND,)
    _LIST, _NOUN, _MAX, _ID = "polygons", "polygon", MAX_POLYGONS, POLYGON_ID

    def __init__(
        self,
        items: Any,
        store: AnnotationStore | None = None,
        task: str = "polygons",
        classes: Sequence[Any] = ("object",),
        proposals: Any = None,
        annotator: str | None = None,
        tolerance: float = 1.0,
        queue: QueueSpec = None,
        display_height: int = 480,
        title: str = "",
    ):
        static_file("polygons.js")
        items = self._image_items(items)
        classes = normalise_classes(classes)
        self._proposals = _normalise_proposals(proposals, items, classes, float(tolerance))
        super().__init__(
            items, store=store, task=task, queue=queue, annotator=annotator, classes=classes,
            display_height=int(display_height), title=title,
        )

    # ------------------------------------------------------------------ public API
    @property
    def polygons(self) -> pd.DataFrame:
        """This annotator's current polygons, one row per polygon.

        Columns: item, polygon_id, class, rings (a list of rings, the outer first, each a list of
        ``[x, y]`` in image pixels), n_vertices (all rings), n_holes, area (outer ring minus holes,
        px², from the vertices), source ("human", "proposal" = accepted as proposed, "adjusted" = a
        proposal a person edited), score (the proposal's, NaN for a person's), proposal_id,
        annotator, event_id.
        """
        rows = []
        for rec, p in self._stored_shapes():
            rows.append((
                rec.item_id, p["id"], p["class"], [[list(v) for v in r] for r in p["rings"]],
                sum(len(r) for r in p["rings"]), len(p["rings"]) - 1, polygon_area(p["rings"]), p["source"],
                np.nan if p.get("score") is None else float(p["score"]), p.get("proposal"),
                rec.annotator, int(rec.event_id),
            ))
        df = pd.DataFrame(rows, columns=POLYGON_COLUMNS)
        return df.astype({"area": float, "score": float, "n_vertices": int, "n_holes": int})

    @property
    def proposals(self) -> pd.DataFrame:
        """The model's proposals: item, polygon_id, class, rings, n_vertices, n_holes, area, score."""
        rows = [
            (item, p["id"], p["class"], p["rings"], sum(len(r) for r in p["rings"]), len(p["rings"]) - 1,
             polygon_area(p["rings"]), p["score"])
            for item, ps in self._proposals.items() for p in ps
        ]
        return pd.DataFrame(rows, columns=PROPOSAL_COLUMNS).astype({"score": float, "area": float})

    def polygons_of(self, item_id: Hashable) -> list[dict]:
        """The current polygons of one item (dicts with id, class, rings, source, score, proposal)."""
        item_id = plain(item_id)
        if item_id not in self.items:
            raise KeyError(f"unknown item id {item_id!r}")
        return [_copy(p) for p in self._state.get(item_id, {"polygons": []})["polygons"]]

    def masks(self, item_id: Hashable) -> dict[str, np.ndarray]:
        """Each polygon of an item rasterised: ``{polygon_id: bool (height, width) mask}``, the outer
        ring filled as COCO rasterises a polygon (pixel centres, ``metrics.polygon_to_mask``) and
        the holes taken out (``metrics.rings_to_mask``)."""
        width, height = self.image_size(plain(item_id))
        return {p["id"]: rings_to_mask(p["rings"], height, width) for p in self.polygons_of(item_id)}

    def set_polygons(self, item_id: Hashable, polygons: Any) -> int:
        """Make ``polygons`` the item's polygons (one undoable change, as if drawn by hand), for a
        script or an oracle: dicts with ``class`` and ``rings`` (or ``polygon``: one ring). Every
        polygon is checked like a drawn one; nothing is stored when one fails. Returns the event id.
        """
        item_id = plain(item_id)
        if item_id not in self.items:
            raise KeyError(f"unknown item id {item_id!r}")
        rows = list(polygons)
        if len(rows) > MAX_POLYGONS:
            raise ValueError(f"item {item_id!r}: more than {MAX_POLYGONS} polygons")
        width, height = self.image_size(item_id)
        state = self._current(item_id)
        new = []
        for n, raw in enumerate(rows):
            if not isinstance(raw, dict):
                raise ValueError(f"item {item_id!r} polygon {n}: expected a dict with class and rings")
            try:
                rings = check_rings(_rings_of(raw), width, height, f"polygon {n}")
                cls = self._class(raw.get("class"))
            except IntentError as exc:
                raise ValueError(f"item {item_id!r}: {exc}") from None
            new.append({"id": f"g{uuid.uuid4().hex[:12]}", "class": cls, "rings": rings, "source": "human",
                        "score": None, "proposal": None})
        state["polygons"] = new
        done = self._change(item_id, state, "set")
        self.send({"type": "invalidate"})
        return done.event_id

    def accept(self, item_id: Hashable, proposal_ids: str | Sequence[str]) -> int:
        """Accept open proposals of an item (an id or a list of ids, as in ``w.proposals``'s
        ``polygon_id``): each becomes a polygon with the same id (source "proposal", its score
        kept), in one event, as Enter / A do in the view (the same intent handler: the same checks,
        one undo). Raises ``ValueError`` naming the proposal when one is not open (unknown, already
        accepted or rejected); nothing is stored then. Returns the event id."""
        return self._from_code("accept", item_id, proposal_ids=_id_list(proposal_ids))

    def reject(self, item_id: Hashable, proposal_ids: str | Sequence[str]) -> int:
        """Reject open proposals of an item (an id or a list of ids), in one event, as Delete does
        on a selected proposal in the view. Returns the event id."""
        return self._from_code("reject", item_id, proposal_ids=_id_list(proposal_ids))

    def accept_all(self, item_id: Hashable, min_score: float | None = None) -> int:
        """Accept, in one event, every open proposal of the item (as A does in the view), or only
        those scored at least ``min_score`` (an unscored proposal is then left open). Raises
        ``ValueError`` when none qualifies. Returns the event id."""
        if min_score is not None and (isinstance(min_score, bool) or not isinstance(min_score, (int, float))
                                      or not math.isfinite(min_score)):
            raise ValueError(f"min_score must be a finite number or None, got {min_score!r}")
        key = plain(item_id)
        if key not in self.items:
            raise ValueError(f"unknown item id {key!r}")
        ids = [pid for pid, p in self._pending(key, self._current(key)).items()
               if min_score is None or (p["score"] is not None and p["score"] >= min_score)]
        if not ids:
            above = "" if min_score is None else f" scored at least {min_score:g}"
            raise ValueError(f"item {key!r}: no open proposal{above}")
        return self._from_code("accept", key, proposal_ids=ids)

    def delete(self, item_id: Hashable, polygon_ids: str | Sequence[str]) -> int:
        """Delete polygons of an item (an id or a list of ids, as in ``w.polygons``), in one event,
        as Delete does in the view. A deleted accepted proposal is open again (as in the view).
        Returns the event id."""
        return self._from_code("delete", item_id, polygon_ids=_id_list(polygon_ids))

    def proposals_of(self, item_id: Hashable) -> list[str]:
        """The ids of the item's open proposals (neither accepted, adjusted nor rejected), best first."""
        key = plain(item_id)
        if key not in self.items:
            raise KeyError(f"unknown item id {key!r}")
        return list(self._pending(key, self._current(key)))

    def _from_code(self, kind: str, item_id: Hashable, **fields: Any) -> int:
        return int(self._intent_from_code(kind, item_id=plain(item_id), **fields)["event_id"])

    def set_proposals(self, proposals: Any, tolerance: float = 1.0) -> None:
        """Replace the model proposals (e.g. after retraining); the view refetches."""
        self._proposals = _normalise_proposals(proposals, self.items, self.classes, float(tolerance))
        self.send({"type": "invalidate"})

    # ------------------------------------------------------------------ static view
    def _static_picture(self, item_id: Hashable) -> bytes | None:
        index = {c: n for n, c in enumerate(self.classes)}
        outlines = [(ring, index.get(p["class"], 0)) for p in self.polygons_of(item_id) for ring in p["rings"]]
        return thumbnail_jpeg(self.items.image(item_id), polygons=outlines)

    # ------------------------------------------------------------------ hooks (the rest: ShapeListEditor)
    def _copy_shape(self, shape: dict) -> dict:
        return _copy(shape)

    def _not_open(self, item_id: Hashable, state: dict, pid: str) -> str:
        why = ("already rejected" if pid in state["rejected"]
               else "already accepted" if any(p.get("proposal") == pid for p in state["polygons"]) else "")
        return f"no open proposal {pid[:60]!r} on item {item_id!r}" + (f" ({why})" if why else "")

    # ------------------------------------------------------------------ intents
    @intent("put")
    def _on_put(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        raw = content.get("polygon")
        if not isinstance(raw, dict):
            raise IntentError("put needs a polygon object {id, class, rings}")
        pid = self._shape_id(raw.get("id"))
        edit = content.get("edit", "edit")
        if edit not in EDITS:
            raise IntentError(f"edit must be one of {', '.join(EDITS)}")
        width, height = self.image_size(item_id)
        rings = check_rings(raw.get("rings"), width, height, f"polygon {pid}")
        cls = self._class(raw.get("class"))
        existing = next((p for p in state["polygons"] if p["id"] == pid), None)
        if existing is not None:
            if existing["rings"] == rings and existing["class"] == cls:
                raise IntentError("put changes nothing")
            existing.update(rings=rings, **{"class": cls})
            if existing["source"] == "proposal":
                existing["source"] = "adjusted"  # still remembers its proposal and score
            op = edit
        elif pid in {p["id"] for p in self._proposals.get(item_id, [])}:
            (p,) = self._pending_ids(item_id, state, [pid])
            state["polygons"].append({"id": pid, "class": cls, "rings": rings, "source": "adjusted",
                                      "score": p["score"], "proposal": pid})
            op = "adjust"
        else:
            if edit != "draw":
                raise IntentError(f"unknown polygon id {pid!r} (a new polygon is put with edit 'draw')")
            state["polygons"].append({"id": pid, "class": cls, "rings": rings, "source": "human", "score": None, "proposal": None})
            op = "draw"
        return self._answer(content, self._change(item_id, state, op))

    def _accepted(self, item_id: Hashable, proposal: dict) -> dict:
        return {"id": proposal["id"], "class": proposal["class"], "rings": [[list(v) for v in r] for r in proposal["rings"]],
                "source": "proposal", "score": proposal["score"], "proposal": proposal["id"]}


def _id_list(ids: Any) -> list:
    """One id (a str) or a list of ids, as a list (checked by the intent handler)."""
    return [ids] if isinstance(ids, str) else list(ids)


def _copy(p: dict) -> dict:
    return {**p, "rings": [[list(v) for v in r] for r in p["rings"]]}


def _rings_of(raw: dict) -> Any:
    """The rings of a user's polygon dict: ``rings``, or ``polygon`` (one ring, ``(K, 2)`` or flat)."""
    if raw.get("rings") is not None:
        rings = raw["rings"]
        return [np.asarray(r, np.float64).reshape(-1, 2).tolist() for r in rings] if isinstance(rings, (list, tuple)) else rings
    if raw.get("polygon") is not None:
        return [np.asarray(raw["polygon"], np.float64).reshape(-1, 2).tolist()]
    return None


def _normalise_proposals(proposals: Any, items: Items, classes: list, tolerance: float) -> dict[Hashable, list[dict]]:
    """Proposals as ``{item_id: [{"id", "class", "rings", "score"}, ...]}``, best first (ids p0, p1, ...)."""
    if proposals is None:
        return {}
    if isinstance(proposals, pd.DataFrame):
        if not {"item", "class"} <= set(proposals.columns) or not ({"rings", "mask", "polygon"} & set(proposals.columns)):
            raise ValueError("a proposals DataFrame needs columns item, class, score and rings (or mask, or polygon)")
        grouped: dict[Hashable, list] = {}
        for rec in proposals.to_dict("records"):
            grouped.setdefault(plain(rec["item"]), []).append(rec)
        proposals = grouped
    out: dict[Hashable, list[dict]] = {}
    for item_id, polys in proposal_lists(proposals, items, "polygons", "item, class, score, rings | mask"):
        width, height = _image_size(items, item_id)
        rows = []
        for n, raw in enumerate(polys):
            where = f"item {item_id!r} proposal {n}"
            if not isinstance(raw, dict):
                raise ValueError(f"{where}: expected a dict with class, score and rings (or mask, or polygon)")
            cls = plain(raw.get("class", raw.get("label")))
            if not any(same(c, cls) for c in classes):
                raise ValueError(f"{where}: class {cls!r} is not one of {classes}")
            score = plain(raw.get("score"))
            if score is not None and is_missing(score):
                score = None
            if score is not None:
                score = float(score)
                if not math.isfinite(score):
                    raise ValueError(f"{where}: score must be finite")
            mask = raw.get("mask")
            if mask is not None and not (isinstance(mask, float) and math.isnan(mask)):
                m = np.asarray(mask)
                if m.shape != (height, width):
                    raise ValueError(f"{where}: mask of shape {m.shape} for a {width}x{height} image")
                pieces = mask_to_rings(m.astype(bool), tolerance=tolerance, min_area=1.0)
                if not pieces:
                    raise ValueError(f"{where}: the mask is empty")
                ring_sets = [[r.tolist() for r in piece] for piece in pieces]
            else:
                ring_sets = [_rings_of(raw)]
            for rings in ring_sets:
                try:
                    checked = check_rings(rings, width, height, where)
                except IntentError as exc:
                    raise ValueError(str(exc)) from None
                rows.append({"class": next(c for c in classes if same(c, cls)), "rings": checked, "score": score})
        rows.sort(key=lambda r: -(r["score"] if r["score"] is not None else math.inf))
        out[item_id] = [{"id": f"p{k}", **r} for k, r in enumerate(rows)]
    return out
