// PolygonAnnotator's commands, by key, button or click: place and close a ring (a new polygon or a
// hole), pick a class, accept / reject proposals, delete a vertex or a polygon, insert a vertex,
// nudge a vertex or the whole polygon, cycle the selection and its vertex, undo / redo.
import { countOf, sayAbout, undoText } from "../../lib/canvas_stage";
import { cycleStep } from "../../lib/shape_state";
import type { StatusLine } from "../../lib/status";
import type { Stepper } from "../../lib/stepper";
import type { PanZoom, Point, Viewport } from "../../lib/viewport";
import {
  clampVertex, deleteVertex, edgeMidpoint, holeFits, insertVertex, insideRing, moveVertex, ringArea, ringBounds, translatePolygon,
  VertexRef,
} from "../../lib/polygon_edit";
import type { PolygonEdits } from "./edits";
import type { Polygon, Proposal, Selection } from "./model";
import type { PolygonPainter } from "./paint";
import type { PolygonState } from "./state";

export interface ActionParts {
  state: PolygonState;
  viewport: Viewport;
  stepper: Stepper;
  status: StatusLine;
  edits: PolygonEdits;
  painter: PolygonPainter;
  panZoom: PanZoom;
}

/** What an undo / redo took back or did again, by the op the kernel names (hitl_widgets/widgets/polygons.py). */
const CHANGES: Record<string, string> = {
  draw: "a new polygon", move_vertex: "a vertex moved", insert_vertex: "a vertex inserted", delete_vertex: "a vertex deleted",
  hole: "a hole", class: "a class change", nudge: "a vertex nudged", move: "a polygon moved", delete: "a deletion", accept: "accepted proposals",
  adjust: "an edited proposal", reject: "a rejected proposal", redo: "a redo", set: "polygons set from Python",
};

export class PolygonActions {
  constructor(private readonly p: ActionParts) {}

  say(text: string): void {
    sayAbout(this.p.status, this.p.state.current(), text);
  }

  // ---------------------------------------------------------------- drawing
  /** A click while drawing (or on empty image): a vertex of the ring being drawn. */
  addPoint(p: Point): void {
    const { state, painter } = this.p;
    const { w, h } = state.imageSize();
    const v = clampVertex(p, w, h);
    if (!state.drawing) state.drawing = { points: [], holeOf: null };
    const d = state.drawing;
    if (d.holeOf !== null) {
      const target = state.shownPolygons().find((g) => g.id === d.holeOf);
      if (target && !insideRing({ x: v[0], y: v[1] }, target.rings[0])) {
        this.say("a hole's vertices must lie inside the polygon");
        return;
      }
    }
    const last = d.points[d.points.length - 1];
    if (!last || last[0] !== v[0] || last[1] !== v[1]) d.points.push(v);
    painter.redraw();
  }

  /** Close the ring being drawn (Enter, or a click on its first vertex): a new polygon, or a hole. */
  closeRing(): void {
    const { state, edits, painter } = this.p;
    const d = state.drawing;
    if (!d) return;
    if (d.points.length < 3) return this.say("a ring needs at least 3 vertices");
    if (ringArea(d.points) <= 0) return this.say("this ring has no area");
    state.drawing = null;
    if (d.holeOf !== null) {
      const target = state.shownPolygons().find((g) => g.id === d.holeOf);
      if (!target) return painter.redraw();
      if (!holeFits(target.rings[0], d.points)) return this.say("a hole must lie inside its polygon");
      edits.put({ ...target, rings: [...target.rings, d.points] }, "hole");
      state.choose({ kind: "polygon", id: target.id, vertex: null });
    } else {
      const polygon: Polygon = {
        id: edits.newId(), class: state.classes()[state.currentClass], rings: [d.points], source: "human", score: null, proposal: null,
      };
      edits.put(polygon, "draw");
      state.selection = { kind: "polygon", id: polygon.id, vertex: null };
    }
    painter.redraw();
  }

  /** N: a new square polygon in the middle of the view, chosen, its first vertex selected (then
   *  its vertices are moved by arrows, inserted by I: drawing by keyboard alone). */
  newPolygonByKey(): void {
    const { state, edits, viewport, painter } = this.p;
    edits.flushDraft();
    if (!state.item()?.image || state.drawing) return;
    const v = viewport.visibleRect();
    const { w, h } = state.imageSize();
    const side = Math.max(1, Math.min(v.w, v.h) / 4);
    const cx = v.x + v.w / 2;
    const cy = v.y + v.h / 2;
    const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([dx, dy]) => clampVertex({ x: cx + (dx * side) / 2, y: cy + (dy * side) / 2 }, w, h));
    if (ringArea(corners) <= 0) return this.say("no room for a new polygon in this view");
    const polygon: Polygon = {
      id: edits.newId(), class: state.classes()[state.currentClass], rings: [corners], source: "human", score: null, proposal: null,
    };
    edits.put(polygon, "draw");
    state.choose({ kind: "polygon", id: polygon.id, vertex: { ring: 0, index: 0 } });
    painter.redraw();
  }

  /** Start a hole in the selected polygon (H): the next clicks place its vertices. */
  startHole(): void {
    const { state, edits, painter } = this.p;
    edits.flushDraft();
    const sel = state.selection;
    if (sel?.kind !== "polygon") return this.say("select a polygon first (click it or press Tab), then H draws a hole in it");
    state.drawing = { points: [], holeOf: sel.id };
    this.say("hole: click its vertices inside the polygon, Enter or a click on the first vertex closes it");
    painter.redraw();
  }

  /** Escape: drop the ring being drawn, else clear the selection. */
  cancel(): void {
    const { state, edits, painter } = this.p;
    if (state.drawing) state.drawing = null;
    else {
      edits.flushDraft();
      state.selection = null;
    }
    painter.redraw();
  }

  // ---------------------------------------------------------------- selection
  /** A class key: re-class the polygon the person chose; else set the class of new polygons
   *  (a proposal is never changed by it). */
  pickClass(k: number): void {
    const { state, edits, painter } = this.p;
    if (k < 0 || k >= state.classes().length) return;
    const sel = state.selection;
    if (sel?.kind === "polygon" && state.chosen && !state.drawing) {
      const d = edits.beginEdit("class");
      if (d) {
        d.class = state.classes()[k];
        edits.flushDraft();
      }
    } else {
      state.currentClass = k;
    }
    painter.classes();
    painter.redraw();
  }

  /** Select the next (`step` 1) or previous (-1) polygon or proposal, bringing it into view. */
  cycle(step: number): void {
    const { state, edits, viewport, painter } = this.p;
    edits.flushDraft();
    const it = state.item();
    if (!it) return;
    const list: Selection[] = [
      ...(it.polygons ?? []).map((g) => ({ kind: "polygon" as const, id: g.id, vertex: null })),
      ...state.pendingProposals(it).map((q) => ({ kind: "proposal" as const, id: q.id, vertex: null })),
    ];
    if (!list.length) {
      state.selection = null;
      return painter.redraw();
    }
    const at = list.findIndex((s) => s && state.isSelected(s.kind, s.id));
    state.choose(list[cycleStep(at, step, list.length)]);
    const g = state.selectedPolygon(it);
    if (g) {
      const r = ringBounds(g.rings[0]);
      if (!viewport.isVisible(r)) viewport.centreOn(r.x + r.w / 2, r.y + r.h / 2);
    }
    painter.redraw();
  }

  /** Select the next (`step` 1) or previous (-1) vertex of the selected polygon, across its rings. */
  cycleVertex(step: number): void {
    const { state, painter } = this.p;
    const sel = state.selection;
    const g = state.selectedPolygon();
    if (!sel || !g) return this.say("select a polygon first (click it or press Tab)");
    const refs: VertexRef[] = g.rings.flatMap((r, ring) => r.map((_, index) => ({ ring, index })));
    const at = sel.vertex ? refs.findIndex((v) => v.ring === sel.vertex!.ring && v.index === sel.vertex!.index) : -1;
    const next = refs[cycleStep(at, step, refs.length)];
    state.choose({ ...sel, vertex: next });
    painter.redraw();
  }

  // ---------------------------------------------------------------- edits
  /** Accept the selected proposal, else the best one; select the next. */
  acceptProposal(): void {
    const { state, edits, painter } = this.p;
    edits.flushDraft();
    const it = state.item();
    if (!it) return;
    const sel = state.selection;
    const open = state.pendingProposals(it);
    const target: Proposal | undefined = (sel?.kind === "proposal" ? open.find((q) => q.id === sel.id) : undefined) ?? open[0];
    if (!target) return this.say("no open proposal");
    edits.accept([target]);
    const next = state.pendingProposals(it)[0];
    state.selection = next ? { kind: "proposal", id: next.id, vertex: null } : null;
    painter.redraw();
  }

  acceptAll(): void {
    const { state, edits, painter } = this.p;
    edits.flushDraft();
    const list = state.pendingProposals();
    if (!list.length) return this.say("no open proposal");
    edits.accept(list);
    state.selection = null;
    this.say(`accepted ${countOf(list.length, "proposal")}`);
    painter.redraw();
  }

  /** Delete / Backspace: the last vertex of a ring being drawn, else the selected vertex, else the
   *  selected polygon (a proposal: rejected). */
  deleteSelected(): void {
    const { state, edits, painter } = this.p;
    if (state.drawing) {
      state.drawing.points.pop();
      if (!state.drawing.points.length && state.drawing.holeOf === null) state.drawing = null;
      return painter.redraw();
    }
    const sel = state.selection;
    if (!sel) return this.say("nothing selected: click a polygon or press Tab");
    if (sel.vertex) return this.deleteVertex(sel.vertex);
    edits.flushDraft();
    if (sel.kind === "proposal") {
      edits.reject(sel.id);
      const next = state.pendingProposals()[0];
      state.selection = next ? { kind: "proposal", id: next.id, vertex: null } : null;
    } else {
      edits.send("delete", { polygon_ids: [sel.id] }, (it) => {
        it.polygons = (it.polygons ?? []).filter((g) => g.id !== sel.id);
      });
      state.selection = null;
    }
    painter.redraw();
  }

  /** Delete vertex `at` of the selected polygon (a ring keeps 3; a hole of 3 goes whole). */
  deleteVertex(at: VertexRef): void {
    const { state, edits, painter } = this.p;
    const g = state.selectedPolygon();
    if (!g) return;
    const rings = deleteVertex(g.rings, at);
    if (!rings) return this.say("a polygon keeps at least 3 vertices: Delete with no vertex selected deletes it");
    const d = edits.beginEdit("delete_vertex");
    if (!d) return;
    d.rings = rings;
    edits.flushDraft();
    const sel = state.selection;
    if (sel) state.choose({ ...sel, vertex: null });
    painter.redraw();
  }

  /** Insert a vertex on the edge at `at` (after vertex `at.index`), at `point` (default: its
   *  midpoint); it becomes the selected vertex. Returns the new vertex, or null. */
  insertVertex(at: VertexRef, point?: Point): VertexRef | null {
    const { state, edits, painter } = this.p;
    const g = state.selectedPolygon();
    if (!g) return null;
    const { w, h } = state.imageSize();
    const v = point ? clampVertex(point, w, h) : edgeMidpoint(g.rings, at);
    const d = edits.beginEdit("insert_vertex");
    if (!d) return null;
    d.rings = insertVertex(d.rings, at, v);
    const ref = { ring: at.ring, index: at.index + 1 };
    const sel = state.selection;
    if (sel) state.choose({ ...sel, vertex: ref });
    painter.redraw();
    return ref;
  }

  /** I: insert a vertex in the middle of the edge after the selected vertex. */
  insertAfterSelected(): void {
    const sel = this.p.state.selection;
    if (!sel?.vertex) return this.say("select a vertex first (click it, or , and .), then I inserts one after it");
    if (this.insertVertex(sel.vertex)) this.p.edits.flushDraft();
  }

  /** An arrow key: nudge the selected vertex (Shift: 10 px), else the polygon or proposal the
   *  person clicked or Tabbed to, as a whole (kept inside the image; not one selected on its own,
   *  as the next proposal after an accept), else (or while drawing) pan. A run of nudges is sent
   *  as one change once the keys pause. */
  arrow(dx: number, dy: number, e: KeyboardEvent): void {
    const { state, edits } = this.p;
    const sel = state.selection;
    if (!sel || state.drawing || !state.selectedPolygon() || (!sel.vertex && !state.chosen)) {
      this.p.panZoom.pan(-dx * 40, -dy * 40);
      return;
    }
    const d = edits.beginEdit(sel.vertex ? "nudge" : "move");
    if (!d) return;
    const step = e.shiftKey ? 10 : 1;
    const { w, h } = state.imageSize();
    const ref = state.selection?.vertex ?? sel.vertex;
    if (ref) {
      const [x, y] = d.rings[ref.ring][ref.index];
      d.rings = moveVertex(d.rings, ref, { x: x + dx * step, y: y + dy * step }, w, h);
    } else {
      d.rings = translatePolygon(d.rings, dx * step, dy * step, w, h);
    }
    edits.commitSoon();
  }

  /** Undo (redo) the item's last change in the kernel; say what it was. */
  undoRedo(kind: "undo" | "redo"): void {
    const { edits, state, stepper, painter } = this.p;
    edits.flushDraft();
    state.drawing = null;
    const id = state.current();
    if (id === undefined) return;
    edits.send(kind, {}, undefined, id, (reply) => {
      if (state.current() !== id) return;
      if (state.selection && !state.selectedPolygon()) state.selection = null;
      this.say(undoText(kind, stepper.placeOf(id), reply, CHANGES));
      painter.redraw();
    });
  }
}
