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

An edit travels as vertices, never as a mask. The kernel checks every vertex: two finite numbers
(not a bool, not a str), rounded to 1/1000 px, consecutive repeated vertices merged; a ring needs at
least 3 vertices and a non-zero area after that, at most ``MAX_VERTICES`` vertices, a polygon at most
``MAX_RINGS`` rings and ``MAX_POLYGON_VERTICES`` vertices in all. A vertex beyond the image is
clamped onto its border when it comes from the browser (a vertex dragged past the border lies on
it); from code (proposals, ``set_polygons``) one more than ``OVERHANG`` (1) px beyond the image is
refused, naming the item (coordinates scaled for another image size, or ``(row, col)`` for
``(x, y)``), and up to 1 px is clamped.

Polygons are simple, as COCO's are: a ring must not cross or touch itself (a bowtie or figure 8 is
refused, naming the item and the two edges: draw it as two polygons), every hole lies inside the
outer ring (it may touch it with its own vertices, never cross it), and holes neither meet nor nest.
A crossing ring would be filled by the even-odd rule (as COCO rasterises it) while its shoelace
area counts a lobe twice or cancels it (a bowtie: ``area`` 400 px² for a mask of 660 px), and
overlapping holes would be subtracted twice; with these rules ``area`` (the outer ring's minus its
holes') measures the region ``masks`` rasterises. In the browser a refused edit (a vertex dragged
across an edge, a ring closed across itself) is undone and the kernel's reason shown in the status
line.
"""
from __future__ import annotations

import math
import re
import uuid
from collections.abc import Hashable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import check_item_id, is_missing, is_tensor, normalise_classes, plain, same, to_numpy
from ..items import Items
from ..metrics.geometry import as_bool_mask, mask_to_rings, ring_area, rings_to_mask
from ..queue import QueueSpec
from ..static import thumbnail_jpeg
from ..store import AnnotationStore
from .base import STATIC, IntentError, intent, static_file
from .bbox import _image_size
from .shape_list import ProposalFrame, ShapeListEditor, finite_number, proposal_lists, proposal_score, rank_proposals

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
#: how far (px) a vertex from code (a proposal, ``set_polygons``) may lie beyond its image: that much
#: is clamped (round-off, a vertex at ``x = width + 0.5``); more is refused
OVERHANG = 1.0
_GEOMETRY = ("rings", "polygon", "mask")
_PROPOSAL_KEYS = ("class", "label", "score", "rings", "polygon", "mask", "id")  # of a proposal dict
#: a proposals DataFrame's columns: these are read ("polygon_id": the id, as ``w.proposals``,
#: ``w.polygons`` and ``io.from_coco_polygons`` name it; image_width / image_height checked, iscrowd 1 refused) ...
_FRAME_COLUMNS = ("item", "class", "label", "score", "rings", "polygon", "mask", "id", "polygon_id", "image_width",
                  "image_height", "iscrowd")
#: ... and these not read: the other columns of ``w.polygons`` and ``io.from_coco_polygons``
_FRAME_IGNORED = ("n_vertices", "n_holes", "area", "source", "proposal_id", "annotator", "event_id", "annotation_id")
_SET_KEYS = ("class", "rings", "polygon", "id", "polygon_id")  # of a polygon from code (``set_polygons``)


#: how near (px) a point may lie to a ring's boundary to count as on it (``_inside``)
_ON_EDGE = 1e-6
#: the margin (px) around an edge's bounding box within which points are tested for lying on it:
#: far wider than ``_ON_EDGE`` plus round-off, so that no point within ``_ON_EDGE`` of the edge is missed
_EDGE_BOX = 1e-3


def _inside(points: Any, ring: Any) -> np.ndarray:
    """For each of ``points``: inside ``ring`` by the even-odd rule, or within ``_ON_EDGE`` px of its
    boundary (bool array); vectorised, each edge tested only against the points in its reach."""
    r = np.asarray(ring, np.float64)
    a, b = r, np.roll(r, -1, axis=0)
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    inside = _crossings(pts, a, b) % 2 == 1
    rest = np.flatnonzero(~inside)  # outside by the rule: on the boundary counts as inside
    inside[rest] = _on_boundary(pts[rest], a, b)
    return inside


def _reaching(coords: np.ndarray, lo: np.ndarray, hi: np.ndarray, closed: bool) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs ``(edge, point)`` (index arrays, in chunks) of each edge with each point whose
    coordinate (``coords``) lies in the edge's range: ``[lo, hi]`` when ``closed``, else ``[lo, hi)``."""
    order = np.argsort(coords, kind="stable")
    ordered = coords[order]
    start = np.searchsorted(ordered, lo, side="left")
    counts = np.maximum(np.searchsorted(ordered, hi, side="right" if closed else "left") - start, 0)
    for edge, k in _range_pairs(start, counts):
        yield edge, order[k]


def _crossings(pts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each point: how many edges ``a -> b`` its rightward ray crosses (the even-odd rule's count;
    a level edge is never crossed)."""
    count = np.zeros(len(pts), np.int64)
    d = b - a
    for e, p in _reaching(pts[:, 1], np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1]), closed=False):
        x, y = pts[p, 0], pts[p, 1]
        crossed = x < a[e, 0] + (y - a[e, 1]) * (d[e, 0] / d[e, 1])
        count += np.bincount(p[crossed], minlength=len(pts))
    return count


def _in_box(pts: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs ``(edge, point)`` (index arrays, in chunks) of each edge's box ``[lo, hi]`` with each
    point in it; a box's candidates are the points in its range on the axis where it holds fewer."""
    held = [np.searchsorted(c, hi[:, k], side="right") - np.searchsorted(c, lo[:, k], side="left")
            for k, c in enumerate(np.sort(pts, axis=0).T)]
    by_x = held[0] <= held[1]
    for axis, edges in enumerate((np.flatnonzero(by_x), np.flatnonzero(~by_x))):
        other = 1 - axis
        for k, p in _reaching(pts[:, axis], lo[edges, axis], hi[edges, axis], closed=True):
            e = edges[k]
            keep = (lo[e, other] <= pts[p, other]) & (pts[p, other] <= hi[e, other])
            yield e[keep], p[keep]


def _on_boundary(pts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each point: within ``_ON_EDGE`` px of some edge ``a -> b`` (bool array); each edge is
    measured against the points in its bounding box, widened by ``_EDGE_BOX``."""
    near = np.zeros(len(pts), np.bool_)
    d = b - a
    seg = (d * d).sum(1)
    for e, p in _in_box(pts, np.minimum(a, b) - _EDGE_BOX, np.maximum(a, b) + _EDGE_BOX):
        q, ae, de = pts[p], a[e], d[e]
        t = np.clip(((q - ae) * de).sum(1) / np.where(seg[e] > 0, seg[e], 1.0), 0.0, 1.0)
        near[p[np.hypot(*(ae + t[:, None] * de - q).T) <= _ON_EDGE]] = True
    return near


def _outside(points: list[list[float]], ring: list[list[float]]) -> int:
    """Index of the first of ``points`` outside ``ring`` (neither inside by the even-odd rule nor
    within 1e-6 px of its boundary), or -1 when all lie inside."""
    bad = np.flatnonzero(~_inside(points, ring))
    return int(bad[0]) if bad.size else -1


def _range_pairs(start: np.ndarray, counts: np.ndarray, chunk: int = 1 << 20) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs ``(k, start[k] + m)`` for each ``k`` and each ``m < counts[k]`` (two index arrays), in
    chunks of at most about ``chunk`` pairs, in order of ``k``."""
    first = 0
    while first < len(counts):
        cum = np.cumsum(counts[first:])
        stop = first + max(1, int(np.searchsorted(cum, chunk, side="right")))
        c = counts[first:stop]
        total = int(c.sum())
        if total:
            owner = np.repeat(np.arange(first, stop), c)
            yield owner, start[owner] + np.arange(total) - np.repeat(np.cumsum(c) - c, c)
        first = stop


def _edge_pairs(lo: np.ndarray, hi: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs ``(i, j)`` of edges whose x ranges ``[lo, hi]`` overlap, in chunks (edges sorted by
    ``lo``: each is paired with the ones that start before it ends)."""
    order = np.argsort(lo, kind="stable")
    ends = np.searchsorted(lo[order], hi[order], side="right")
    pos = np.arange(len(order))
    for first, second in _range_pairs(pos + 1, np.maximum(ends - pos - 1, 0)):
        yield order[first], order[second]


def _contact(rings: list[list[list[float]]], within: bool, touched: set | None = None) -> tuple[str, int, int, int, int] | None:
    """The first forbidden contact between edges of ``rings`` (vertices already on the 1/1000 px
    grid: tested exactly, in integers), as ``(why, ring, edge, other ring, other edge)``, or None.

    ``within``: edges of the same ring, which must not meet (a simple ring) except two consecutive
    edges at their shared vertex (``why`` "crosses": they meet elsewhere; "doubles back": two
    consecutive edges overlap). Else edges of different rings (rings[0] the outer ring): a hole
    may touch the outer ring only with its own vertices ("crosses": any other contact), and two
    holes must not meet at all ("meets"); ``touched`` (a set) gets the ``(ring, vertex)`` of each hole
    vertex that touches the outer ring (or may: a few more is harmless)."""
    pts = [np.rint(np.asarray(r, np.float64) * 1000).astype(np.int64) for r in rings]
    a = np.concatenate(pts)
    b = np.concatenate([np.roll(p, -1, axis=0) for p in pts])
    ring = np.concatenate([np.full(len(p), k) for k, p in enumerate(pts)])
    edge = np.concatenate([np.arange(len(p)) for p in pts])
    size = np.array([len(p) for p in pts])[ring]
    lo, hi = np.minimum(a, b), np.maximum(a, b)

    def orient(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.sign((q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1]) - (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0]))

    def on(lo_: np.ndarray, hi_: np.ndarray, r: np.ndarray) -> np.ndarray:
        return np.asarray(((lo_ <= r) & (r <= hi_)).all(axis=1))

    for i, j in _edge_pairs(lo[:, 0].astype(np.float64), hi[:, 0].astype(np.float64)):
        keep = (lo[i, 1] <= hi[j, 1]) & (lo[j, 1] <= hi[i, 1]) & ((ring[i] == ring[j]) == within)
        i, j = i[keep], j[keep]
        if not i.size:
            continue
        pa, pb, pc, pd = a[i], b[i], a[j], b[j]
        o1, o2, o3, o4 = orient(pa, pb, pc), orient(pa, pb, pd), orient(pc, pd, pa), orient(pc, pd, pb)
        meet = (((o1 * o2) < 0) & ((o3 * o4) < 0)) | ((o1 == 0) & on(lo[i], hi[i], pc)) | ((o2 == 0) & on(lo[i], hi[i], pd)) \
            | ((o3 == 0) & on(lo[j], hi[j], pa)) | ((o4 == 0) & on(lo[j], hi[j], pb))
        collinear = (o1 == 0) & (o2 == 0)
        axis = (hi[i, 0] == lo[i, 0]).astype(np.int64)  # project on x, or on y for an upright edge
        overlap = collinear & (np.maximum(lo[i, axis], lo[j, axis]) < np.minimum(hi[i, axis], hi[j, axis]))
        if within:
            adjacent = (edge[j] == (edge[i] + 1) % size[i]) | (edge[i] == (edge[j] + 1) % size[i])
            bad = np.where(adjacent, overlap, meet)
            whys = np.where(adjacent, "doubles back", "crosses")
        else:
            outer_i, outer_j = ring[i] == 0, ring[j] == 0
            # a hole's own vertex on the outer ring's edge is allowed: the hole's end lies on the outer edge's line
            touch = np.where(outer_i, (o1 == 0) | (o2 == 0), (o3 == 0) | (o4 == 0))
            bad = np.where(outer_i | outer_j, meet & np.where(collinear, overlap, ~touch), meet)
            whys = np.where(outer_i | outer_j, "crosses", "meets")
            if touched is not None:
                for k in np.flatnonzero(meet & (outer_i | outer_j) & ~bad):
                    h = j[k] if outer_i[k] else i[k]  # the hole's edge: both its ends, to be safe
                    touched.update({(int(ring[h]), int(edge[h])), (int(ring[h]), int((edge[h] + 1) % size[h]))})
        hit = np.flatnonzero(bad)
        if hit.size:
            k = hit[0]
            first, second = sorted([(int(ring[i[k]]), int(edge[i[k]])), (int(ring[j[k]]), int(edge[j[k]]))])
            return str(whys[k]), *first, *second
    return None


def _edge_text(ring: list[list[float]], k: int) -> str:
    (x0, y0), (x1, y1) = ring[k], ring[(k + 1) % len(ring)]
    return f"edge {k} ({x0:g}, {y0:g}) to ({x1:g}, {y1:g})"


def _ring_name(r: int) -> str:
    return "outer ring" if r == 0 else f"hole {r}"


def _contact_text(rings: list[list[list[float]]], contact: tuple[str, int, int, int, int], where: str) -> str:
    """The refusal of a contact found by ``_contact``, naming ``where``, the rings and their edges."""
    why, r1, e1, r2, e2 = contact
    a, b = rings[r1], rings[r2]
    if why == "doubles back":
        v = e2 if e2 == (e1 + 1) % len(a) else e1  # the vertex the two edges share
        return (f"{where} {_ring_name(r1)} doubles back on itself at vertex {v} ({a[v][0]:g}, {a[v][1]:g}): "
                f"its {_edge_text(a, e1)} and {_edge_text(a, e2)} overlap")
    if r1 == r2:
        return (f"{where} {_ring_name(r1)} crosses or touches itself: its {_edge_text(a, e1)} meets its "
                f"{_edge_text(a, e2)} (a ring must be simple, as a COCO polygon: draw a figure 8 or a bowtie as two polygons)")
    if why == "crosses":
        return (f"{where} hole {r2} crosses the outer ring: its {_edge_text(b, e2)} meets the outer ring's "
                f"{_edge_text(a, e1)} (a hole lies inside the outer ring and may touch it only with its own vertices)")
    return (f"{where} holes {r1} and {r2} touch or overlap: the {_edge_text(a, e1)} of hole {r1} meets the "
            f"{_edge_text(b, e2)} of hole {r2} (holes must not meet)")


def _one_line(ring: list[list[float]]) -> bool:
    """Whether every vertex of ``ring`` (on the 1/1000 px grid; its first two differ) lies on one line."""
    p = np.rint(np.asarray(ring, np.float64) * 1000).astype(np.int64)
    d, e = p[1] - p[0], p[2:] - p[0]
    return bool((d[0] * e[:, 1] - d[1] * e[:, 0] == 0).all())


def _chord_outside(rings: list[list[list[float]]], touched: set[tuple[int, int]]) -> tuple[int, int] | None:
    """The first hole edge ``(ring, edge)`` at a ``touched`` vertex ``(ring, vertex)`` (in sorted order:
    the edges before and after it) whose midpoint lies outside the outer ring, or None. A hole's edge
    meets the outer ring at most at its ends: it lies wholly inside unless it leaves from a vertex on
    the outer ring (a chord across a notch), which its midpoint tells; all midpoints tested at once."""
    edges = [(r, k) for r, v in sorted(touched) for k in ((v - 1) % len(rings[r]), v)]
    mids = [[(rings[r][k][0] + rings[r][(k + 1) % len(rings[r])][0]) / 2,
             (rings[r][k][1] + rings[r][(k + 1) % len(rings[r])][1]) / 2] for r, k in edges]
    bad = _outside(mids, rings[0])
    return edges[bad] if bad >= 0 else None


def check_rings(rings: Any, width: int, height: int, where: str = "polygon",
                overhang: float | None = None) -> list[list[list[float]]]:
    """Validated rings (the rules of the module docstring): a list of rings of ``[x, y]`` floats,
    rounded to 1/1000 px; raises ``IntentError`` naming ``where``. A vertex beyond the image is
    clamped onto its border when ``overhang`` is None (the browser's drags); else (from code,
    ``OVERHANG``) one more than ``overhang`` px beyond it is refused and the rest clamped."""
    if not isinstance(rings, (list, tuple)) or not rings or len(rings) > MAX_RINGS:
        raise IntentError(f"{where}: rings must be a list of 1 to {MAX_RINGS} rings (the outer ring, then holes)")
    total = 0
    out: list[list[list[float]]] = []
    for r, ring in enumerate(rings):
        name = f"{where} {_ring_name(r)}"
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
            if overhang is not None:
                beyond = max(-x, -y, x - width, y - height)
                if beyond > overhang:
                    raise IntentError(
                        f"{name} vertex {v} ({x:g}, {y:g}) lies {beyond:g} px outside the {width}x{height} image "
                        f"(at most {overhang:g} px is clamped): vertices are (x, y) in this image's pixels "
                        "(scaled for another image size? (row, col) for (x, y)?)")
            p = [round(min(float(width), max(0.0, x)), 3), round(min(float(height), max(0.0, y)), 3)]
            if not clean or clean[-1] != p:
                clean.append(p)
        while len(clean) > 1 and clean[0] == clean[-1]:
            clean.pop()
        if len(clean) < 3:
            raise IntentError(f"{name} needs at least 3 distinct vertices inside the {width}x{height} image, got {len(clean)}")
        if ring_area(clean) <= 0 and _one_line(clean):
            raise IntentError(f"{name} has no area (its vertices lie on one line, or outside the {width}x{height} image)")
        contact = _contact([clean], within=True)
        if contact is not None:
            raise IntentError(_contact_text([clean] * (r + 1), (contact[0], r, contact[2], r, contact[4]), where))
        out.append(clean)
    outer = out[0]
    for r, hole in enumerate(out[1:], start=1):
        v = _outside(hole, outer)
        if v >= 0:
            raise IntentError(f"{where} hole {r} vertex {v} ({hole[v][0]:g}, {hole[v][1]:g}) lies outside the outer ring")
    if len(out) > 1:
        touched: set[tuple[int, int]] = set()
        contact = _contact(out, within=False, touched=touched)
        if contact is not None:
            raise IntentError(_contact_text(out, contact, where))
        chord = _chord_outside(out, touched)
        if chord is not None:
            r, k = chord
            raise IntentError(f"{where} hole {r} {_edge_text(out[r], k)} runs outside the outer ring")
        firsts = [hole[0] for hole in out[1:]]
        for r, hole in enumerate(out[1:], start=1):  # holes do not meet: one vertex tells whether one holds another
            inside = _inside(firsts, hole)
            inside[r - 1] = False
            if inside.any():
                s = int(np.flatnonzero(inside)[0]) + 1
                raise IntentError(f"{where} hole {s} lies inside hole {r} (holes must not overlap)")
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
        proposals: model polygons: a dict ``{item_id: [{"class", "score", "rings" | "polygon" |
            "mask", "id"}, ...]}`` or a DataFrame with those columns and ``item`` (``polygon_id`` for
            ``id``, as ``w.proposals``, ``w.polygons`` and ``io.from_coco_polygons`` have it; their
            other columns are not read, except ``image_width`` / ``image_height``, which must be the
            item's image size, and ``iscrowd``: a COCO crowd region, 1, is refused, since a polygon
            edited here is exported as an instance; any other column, or any other key of a dict, is
            refused). Exactly one
            geometry: ``rings`` (a list of rings, the outer first), ``polygon`` (one ring: ``(K, 2)``
            or flat ``[x0, y0, ...]``; a ``(2, K)`` array or a flat list of odd length is refused) or
            ``mask`` (``(height, width)``: bool, 0/1 floats or integers with one foreground value
            such as 0/255 — a probability map, NaN or a label map is refused; each 4-connected piece
            becomes a polygon, holes kept, simplified within ``tolerance`` px, pieces under 1 px²
            dropped). ``class`` (or ``label``, not both). Item ids are ints or strs (``True`` or
            ``1.0`` is not item ``1``). A score is a probability in [0, 1] (NaN, None, a str or a bool
            is refused; logits are refused as out of range); a proposal without one leaves it out (no
            key; in a DataFrame an empty cell, as ``io.from_coco_polygons`` writes for an annotation
            without a score) and is listed first. An id (optional; a mask's further pieces get
            ``<id>-1``, ``<id>-2``, ...) matches ``[A-Za-z0-9_.:-]{1,64}`` and is unique within the
            item; the default is ``p`` and 12 hex digits of a hash of the class and the rings (to
            0.1 px; ``shape_list.content_id``), so a polygon keeps its id, and a stored accept or
            reject its meaning, when the model is run again (an identical polygon ranked after it
            gets ``-1``, ...). Vertices more than 1 px beyond the image are refused (see the module
            docstring). Every refusal names the item and the proposal (its position in the item's
            list, and the DataFrame's row).
        tolerance: simplification (Douglas-Peucker, px, a number >= 0) of the polygons traced from
            proposed masks; a mask whose simplified rings would cross is traced again finer (half,
            a quarter, then none of it).
        annotator, queue, title: as the other image editors.
        display_height: the image's height on screen in pixels, an int in [32, 8192] (``DISPLAY_HEIGHTS``;
            a bool, a float, a str or an int outside is refused, also when set later).

    Example:
        >>> import numpy as np
        >>> w = PolygonAnnotator(np.zeros((2, 60, 80), np.uint8), store=AnnotationStore(":memory:"),
        ...                      classes=["cat", "dog"], proposals={0: [{"class": "cat", "score": 0.9,
        ...                      "polygon": [(10, 10), (40, 10), (40, 30)]}]})
        >>> _ = w.set_polygons(1, [{"class": "dog", "rings": [[(0, 0), (20, 0), (20, 20), (0, 20)]]}])
        >>> w.polygons[["item", "class", "n_vertices", "area"]].values.tolist()
        [[1, 'dog', 4, 400.0]]
        >>> _ = w.accept(0, w.proposals_of(0))  # from code, as Enter in the view (also reject, accept_all, delete)
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
        self._proposals = _normalise_proposals(proposals, items, classes, tolerance)
        super().__init__(
            items, store=store, task=task, queue=queue, annotator=annotator, classes=classes,
            display_height=type(self).display_height.check(display_height), title=title,
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
        """The current polygons of one item (dicts with id, class, rings, source, score, proposal);
        ``KeyError`` for an id that is not an item's (``True`` or ``1.0`` is not item ``1``)."""
        item_id = check_item_id(item_id, self.items, error=KeyError)
        return [_copy(p) for p in self._state.get(item_id, {"polygons": []})["polygons"]]

    def masks(self, item_id: Hashable) -> dict[str, np.ndarray]:
        """Each polygon of an item rasterised: ``{polygon_id: bool (height, width) mask}``, the outer
        ring filled as COCO rasterises a polygon (pixel centres, ``metrics.polygon_to_mask``) and
        the holes taken out (``metrics.rings_to_mask``)."""
        item_id = check_item_id(item_id, self.items, error=KeyError)
        width, height = self.image_size(item_id)
        return {p["id"]: rings_to_mask(p["rings"], height, width) for p in self.polygons_of(item_id)}

    def set_polygons(self, item_id: Hashable, polygons: Any) -> int:
        """Make ``polygons`` the item's polygons (one undoable change, as if drawn by hand), for a
        script or an oracle: a list of dicts, or a DataFrame, with ``class``, ``rings`` (a list of
        rings, the outer first) or ``polygon`` (one ring: ``(K, 2)`` or flat ``[x0, y0, ...]``; not
        ``(2, K)``), and optionally ``id`` (or ``polygon_id``, as ``w.polygons`` names it; kept when it
        matches ``[A-Za-z0-9_.:-]{1,64}``, is unique in the list and is not one of the item's proposal
        ids; else a new one). No other key: a polygon from code is a person's (source "human", no
        score, no proposal). Every polygon is checked like a drawn one, and a vertex more than 1 px
        beyond the image is refused; nothing is stored when one fails (``ValueError`` naming the item
        and the polygon; ``KeyError`` for an unknown item id). Returns the event id.
        """
        item_id = check_item_id(item_id, self.items, error=KeyError)
        if isinstance(polygons, pd.DataFrame):
            other = [c for c in polygons.columns if c not in _SET_KEYS]
            if other:
                raise ValueError(f"item {item_id!r}: set_polygons takes a DataFrame with the columns {', '.join(_SET_KEYS)} "
                                 f"(a polygon from code is a person's: no score, source or proposal): drop the other columns "
                                 f"{[str(c)[:40] for c in other[:10]]}")
            rows: list = [_given(rec) for rec in polygons.to_dict("records")]
        elif isinstance(polygons, (str, bytes, dict)) or not hasattr(polygons, "__iter__"):
            raise ValueError(f"item {item_id!r}: polygons must be a list of dicts or a DataFrame, not a {type(polygons).__name__}")
        else:
            rows = list(polygons)
        if len(rows) > MAX_POLYGONS:
            raise ValueError(f"item {item_id!r}: more than {MAX_POLYGONS} polygons")
        width, height = self.image_size(item_id)
        proposal_ids = {p["id"] for p in self._proposals.get(item_id, [])}
        state = self._current(item_id)
        new: list[dict] = []
        for n, raw in enumerate(rows):
            where = f"item {item_id!r}: polygon {n}"
            if not isinstance(raw, dict):
                raise ValueError(f"{where}: expected a dict with class and rings (or polygon), not a {type(raw).__name__}")
            other = [k for k in raw if k not in _SET_KEYS]
            if other:
                raise ValueError(f"{where}: unknown key {str(other[0])[:40]!r}: a polygon from code has the keys class, "
                                 "rings or polygon (one of them) and id or polygon_id (optional); it is a person's "
                                 "polygon, with no score, source or proposal")
            fields = _given(raw)
            pid = _user_id(fields, where)
            if pid is not None and pid in proposal_ids:
                raise ValueError(f"{where}: id {pid!r} is the id of a proposal of the item: accept it (w.accept), or "
                                 "leave the id out to store the polygon as a person's")
            if pid is not None and any(p["id"] == pid for p in new):
                raise ValueError(f"{where}: id {pid!r} is used by another polygon in the list")
            key = _one_geometry(fields, ("rings", "polygon"), where)
            try:
                rings = check_rings(_rings_of(fields, key, where), width, height, where, overhang=OVERHANG)
                cls = self._class(fields.get("class"))
            except IntentError as exc:
                raise ValueError(f"{exc}" if str(exc).startswith(where) else f"{where}: {exc}") from None
            new.append({"id": pid, "class": cls, "rings": rings, "source": "human", "score": None, "proposal": None})
        taken = {p["id"] for p in new} | proposal_ids
        for p in new:
            while p["id"] is None:
                fresh = f"g{uuid.uuid4().hex[:12]}"
                if fresh not in taken:
                    p["id"] = fresh
                    taken.add(fresh)
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
        key = check_item_id(item_id, self.items, error=ValueError)
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
        key = check_item_id(item_id, self.items, error=KeyError)
        return list(self._pending(key, self._current(key)))

    def _from_code(self, kind: str, item_id: Hashable, **fields: Any) -> int:
        return int(self._intent_from_code(kind, item_id=plain(item_id), **fields)["event_id"])

    def set_proposals(self, proposals: Any, tolerance: float = 1.0) -> None:
        """Replace the model proposals (e.g. after retraining); the view refetches."""
        self._proposals = _normalise_proposals(proposals, self.items, self.classes, tolerance)
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


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray) or is_tensor(value)


def _is_seq(value: Any) -> bool:
    return isinstance(value, (list, tuple)) or _is_array(value)


def _ring_of(value: Any, name: str) -> list[list[Any]]:
    """One ring given from code as a list of ``[x, y]`` (plain values; check_rings checks the numbers):
    ``(K, 2)`` vertices or a flat ``[x0, y0, x1, y1, ...]``, as a list, a tuple, a numpy array or a
    tensor. A ``(2, K)`` array (K != 2: transposed), a flat list of odd length or anything else is
    refused, naming ``name`` (``ValueError``)."""
    if _is_array(value):
        arr = to_numpy(value)
        if arr.dtype.kind not in "iuf":
            raise ValueError(f"{name}: vertices must be numbers, not an array of {arr.dtype}")
        if arr.ndim == 2 and arr.shape[0] == 2 and arr.shape[1] != 2:
            raise ValueError(f"{name}: an array of shape {arr.shape}: transposed? a ring is (K, 2), one [x, y] "
                             "row per vertex (pass polygon.T)")
        if not (arr.ndim == 2 and arr.shape[1] == 2) and arr.ndim != 1:
            raise ValueError(f"{name}: an array of shape {arr.shape}: a ring is (K, 2) vertices or flat [x0, y0, x1, y1, ...]")
        value = arr.tolist()
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{name}: a ring is a list of [x, y] vertices or a flat [x0, y0, x1, y1, ...], "
                         f"not a {type(value).__name__}")
    nested = [_is_seq(v) for v in value]
    if all(nested) and value:
        rows = [to_numpy(v).tolist() if _is_array(v) else v for v in value]
        if len(rows) == 2 and len(rows[0]) == len(rows[1]) != 2:
            raise ValueError(f"{name}: 2 rows of {len(rows[0])} values: transposed? a ring is one [x, y] per vertex "
                             "(zip(xs, ys))")
        for v, vertex in enumerate(rows):
            if len(vertex) != 2:
                raise ValueError(f"{name} vertex {v} must be [x, y], got {len(vertex)} values")
        return [[plain(x), plain(y)] for x, y in rows]
    if any(nested):
        raise ValueError(f"{name}: mixes [x, y] vertices and single numbers: a ring is a list of [x, y] vertices "
                         "or a flat [x0, y0, x1, y1, ...]")
    if len(value) % 2:
        raise ValueError(f"{name}: a flat ring [x0, y0, x1, y1, ...] needs an even count of numbers, got {len(value)}")
    return [[plain(value[k]), plain(value[k + 1])] for k in range(0, len(value), 2)]


def _rings_of(fields: dict, key: str, where: str) -> list[list[list[Any]]]:
    """The rings given from code under ``key``: ``rings`` (a list of rings, the outer first) or
    ``polygon`` (one ring); each ring as ``_ring_of`` takes it. ``ValueError`` naming ``where``."""
    value = fields[key]
    if key == "polygon":
        return [_ring_of(value, f"{where} outer ring")]
    if _is_array(value):
        value = list(to_numpy(value))
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{where}: rings must be a list of rings (the outer ring, then holes), not a {type(value).__name__}")
    if len(value) >= 3 and all(_is_seq(r) and len(r) == 2 and not any(_is_seq(c) for c in r) for r in value):
        raise ValueError(f"{where}: rings is a list of rings (the outer ring, then holes), each a list of [x, y]; this "
                         f"looks like one ring of {len(value)} vertices: pass [ring], or give it as polygon")
    if not value or len(value) > MAX_RINGS:
        raise ValueError(f"{where}: rings must be a list of 1 to {MAX_RINGS} rings (the outer ring, then holes)")
    return [_ring_of(r, f"{where} {_ring_name(k)}") for k, r in enumerate(value)]


def _user_id(fields: dict, where: str) -> str | None:
    """The id a user gave (``id``, or ``polygon_id`` as ``w.polygons`` names it), checked against
    ``POLYGON_ID``; None when none is given."""
    given = {k: plain(fields[k]) for k in ("id", "polygon_id") if k in fields}
    if len(given) == 2 and given["id"] != given["polygon_id"]:
        raise ValueError(f"{where}: both id {str(given['id'])[:60]!r} and polygon_id {str(given['polygon_id'])[:60]!r}: give one")
    if not given:
        return None
    value = next(iter(given.values()))
    if not isinstance(value, str) or not POLYGON_ID.match(value):
        raise ValueError(f"{where}: id {str(value)[:60]!r} must be a str of 1 to 64 letters, digits, '_', '.', ':' or '-'")
    return value


def _given(raw: dict) -> dict:
    """The entries of a user's dict whose value is given (not None, NaN or pd.NA: a DataFrame's empty cell)."""
    return {k: v for k, v in raw.items() if not is_missing(v)}


def _one_geometry(fields: dict, allowed: tuple[str, ...], where: str) -> str:
    """The one key of ``allowed`` (rings, polygon, mask) that ``fields`` gives; none or two are refused."""
    keys = [k for k in allowed if k in fields]
    if len(keys) != 1:
        names = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
        raise ValueError(f"{where}: " + (f"no {names}" if not keys else f"both {keys[0]} and {keys[1]}: give one of {names}"))
    return keys[0]


def _check_tolerance(value: Any) -> float:
    v = plain(value)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
        raise ValueError(f"tolerance must be a finite number >= 0 (px), not {repr(v)[:40]}")
    return float(v)


def _traced(mask: Any, width: int, height: int, tolerance: float, where: str) -> list[list[list[list[float]]]]:
    """The polygons (checked rings) of a proposed mask: one per 4-connected piece, holes kept,
    simplified within ``tolerance`` px; where a simplified ring would cross another or itself (or
    fail another check), the whole mask is traced again at half, a quarter, then none of the
    tolerance (an unsimplified trace never crosses). The mask must be
    ``(height, width)``, bool, integers with one foreground value (0/1, 0/255: a label map with
    several is refused) or floats 0/1 (a probability map or NaN is refused: ``as_bool_mask``)."""
    m = to_numpy(mask)
    if m.shape != (height, width):
        raise ValueError(f"{where}: mask of shape {m.shape} for a {width}x{height} image (height, width expected)")
    b = as_bool_mask(m, f"{where}: mask")
    if m.dtype.kind in "iu":
        fg = m[b]
        if fg.size and (fg != fg[0]).any():
            other = fg[np.argmax(fg != fg[0])]
            raise ValueError(f"{where}: mask holds the labels {plain(fg[0])!r} and {plain(other)!r}: a label map? give one mask per "
                             "instance (labels == k), or a bool mask")
    for tol in ((tolerance, tolerance / 2, tolerance / 4, 0.0) if tolerance > 0 else (0.0,)):
        pieces = mask_to_rings(b, tolerance=tol, min_area=1.0)
        if not pieces:
            raise ValueError(f"{where}: the mask is empty (or its pieces are under 1 px² each)")
        try:
            return [check_rings([r.tolist() for r in piece], width, height, where + (f" piece {k}" if len(pieces) > 1 else ""),
                                overhang=OVERHANG) for k, piece in enumerate(pieces)]
        except IntentError as exc:
            if tol == 0:
                raise ValueError(str(exc)) from None
    raise AssertionError("unreachable")


def _frame_lacking(cols: list) -> str | None:
    """The refusal of a proposals DataFrame with the columns ``cols`` that lacks a needed one, or None."""
    if "item" not in cols or not {"class", "label"} & set(cols) or not set(_GEOMETRY) & set(cols):
        return ("a proposals DataFrame needs columns item, class and rings (or polygon, or mask); score and "
                f"polygon_id are optional; it has {[str(c)[:40] for c in cols[:12]]}")
    return None


def _frame_unknown(column: Any) -> str:
    """The refusal of a proposals DataFrame's column that is neither read nor ignored."""
    return (f"a proposals DataFrame has the columns {', '.join(_FRAME_COLUMNS)} (and, not read, {', '.join(_FRAME_IGNORED)}); "
            f"unknown column {str(column)[:40]!r} (a misspelled one?): rename or drop it")


def _frame_row(rec: dict) -> dict:
    """A proposals DataFrame's row as a proposal dict: its given cells but the item (an empty cell is
    left out: a NaN score is no score)."""
    return {k: v for k, v in _given(rec).items() if k != "item"}


_FRAME = ProposalFrame(_FRAME_COLUMNS, _FRAME_IGNORED, "polygon_id", _frame_lacking, _frame_unknown, _frame_row)


def _normalise_proposals(proposals: Any, items: Items, classes: list, tolerance: float) -> dict[Hashable, list[dict]]:
    """Proposals as ``{item_id: [{"id", "class", "rings", "score"}, ...]}``, best first (a proposal
    without a score first); every one checked (see ``PolygonAnnotator``), errors naming the item and
    the proposal (its position in the item's list, and the DataFrame's row). The ids: the user's
    (checked; a mask's second piece on gets ``-1``, ``-2``, ...), else a hash of the class and rings
    (``rank_proposals``), the same in every run."""
    tolerance = _check_tolerance(tolerance)
    if proposals is None:
        return {}
    frame_rows: dict[Hashable, list[int]] | None = None
    if isinstance(proposals, pd.DataFrame):
        proposals, frame_rows = _FRAME.group(proposals, items)
    out: dict[Hashable, list[dict]] = {}
    for item_id, polys in proposal_lists(proposals, items, "polygons", "item, class, score, rings | mask"):
        width, height = _image_size(items, item_id)
        rows: list[dict] = []
        for n, raw in enumerate(polys):
            where = f"item {item_id!r} proposal {n}" + (f" (DataFrame row {frame_rows[item_id][n]})" if frame_rows else "")
            if not isinstance(raw, dict):
                raise ValueError(f"{where}: expected a dict with class, score and rings (or polygon, or mask), "
                                 f"not a {type(raw).__name__}")
            if frame_rows is None:
                other = [k for k in raw if k not in _PROPOSAL_KEYS]
                if other:
                    raise ValueError(f"{where}: unknown key {str(other[0])[:40]!r} (a misspelled one?): a proposal dict has "
                                     "the keys class (or label), rings, polygon or mask (one of them), score and id "
                                     "(both optional)")
            fields = {k: v for k, v in raw.items() if k == "score" or not is_missing(v)}  # a score given is checked
            if "class" in fields and "label" in fields:
                raise ValueError(f"{where}: both class {str(fields['class'])[:40]!r} and label {str(fields['label'])[:40]!r}: "
                                 "give one")
            cls = plain(fields.get("class", fields.get("label")))
            match = [c for c in classes if same(c, cls)]
            if not match:
                raise ValueError(f"{where}: class {str(cls)[:40]!r} is not one of {classes[:20]}")
            for key, size in (("image_width", width), ("image_height", height)):
                v = plain(fields.get(key, size))
                if isinstance(v, bool) or not isinstance(v, (int, float)) or v != size:
                    raise ValueError(f"{where}: {key} {str(plain(fields[key]))[:20]} but the item's image is {width}x{height}: "
                                     "polygons for another image (size)?")
            if plain(fields.get("iscrowd", 0)) not in (0, False):  # COCO's crowd region: an area evaluation ignores
                raise ValueError(f"{where}: a crowd region (iscrowd={plain(fields['iscrowd'])!r}) is not an instance, and a "
                                 "polygon edited here is exported as one: keep crowd regions aside, e.g. df[df.iscrowd == 0]")
            score = proposal_score(fields["score"], where) if "score" in fields else None
            user_id = _user_id(fields, where)
            key = _one_geometry(fields, _GEOMETRY, where)
            if key == "mask":
                ring_sets = _traced(fields["mask"], width, height, tolerance, where)
            else:
                try:
                    ring_sets = [check_rings(_rings_of(fields, key, where), width, height, where, overhang=OVERHANG)]
                except IntentError as exc:
                    raise ValueError(str(exc)) from None
            for k, rings in enumerate(ring_sets):
                pid = user_id if user_id is None or k == 0 else f"{user_id}-{k}"
                if pid is not None and not POLYGON_ID.match(pid):
                    raise ValueError(f"{where}: id {pid!r} (piece {k} of its mask) is longer than 64 characters")
                if pid is not None and any(r["id"] == pid for r in rows):
                    raise ValueError(f"{where}: id {pid!r} is used by another proposal of the item")
                rows.append({"id": pid, "class": match[0], "rings": rings, "score": score})
        out[item_id] = rank_proposals(rows)  # best first; the ids the user left out: a hash of class and rings
    return out
