// PolygonAnnotator's mouse. While a ring is drawn: a click places a vertex, a click on the first
// vertex closes the ring. Otherwise, on the selected polygon (or proposal): press on a vertex and
// drag to move it (Alt+click deletes it), press on an edge to insert a vertex there (and drag it),
// press inside it and drag to move the whole polygon, holes and all (one change, kept inside the
// image); a click on another polygon or proposal selects it; a press on empty image starts a new
// polygon.
import {
  closesRing, moveVertex, nearestEdge, nearestVertex, polygonAt, Ring, translatePolygon, VertexRef,
} from "../../lib/polygon_edit";
import { capturePointer, elementPoint, listenPointer, Point, Viewport } from "../../lib/viewport";
import type { PanZoom } from "../../lib/viewport";
import type { PolygonActions } from "./actions";
import type { PolygonEdits } from "./edits";
import type { PolygonPainter } from "./paint";
import type { PolygonState } from "./state";

const VERTEX_PX = 7; // CSS px: grab distance of a vertex
const EDGE_PX = 5; // CSS px: grab distance of an edge
const MIN_DRAG_PX = 3; // a drag shorter than this (CSS px) is a click

interface Drag {
  /** the vertex dragged; null: the whole polygon, from `from` (image px), its rings then `rings` */
  ref: VertexRef | null;
  id: number;
  sx: number;
  sy: number;
  moved: boolean;
  inserted: boolean;
  from?: Point;
  rings?: Ring[];
}

export interface PointerParts {
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  state: PolygonState;
  viewport: Viewport;
  panZoom: PanZoom;
  edits: PolygonEdits;
  actions: PolygonActions;
  painter: PolygonPainter;
}

export class PolygonPointer {
  private drag: Drag | null = null;

  constructor(private readonly p: PointerParts) {
    listenPointer(p.canvas, { down: (e) => this.down(e), move: (e) => this.move(e), end: (e) => this.end(e) });
    p.canvas.addEventListener("pointerleave", () => {
      p.state.hover = null;
      p.painter.frame();
    });
  }

  /** Drop the drag in progress (Escape). */
  cancel(): void {
    this.drag = null;
  }

  private down(e: PointerEvent): void {
    const { root, canvas, state, viewport, edits, actions, painter } = this.p;
    if (e.button !== 0 || !state.item()?.image) return;
    root.focus({ preventScroll: true });
    const sp = elementPoint(e, canvas);
    const ip = viewport.toImage(sp.x, sp.y);
    const px = 1 / viewport.scale;
    if (state.drawing) {
      if (closesRing(state.drawing.points, ip, VERTEX_PX * px)) actions.closeRing();
      else actions.addPoint(ip);
      return;
    }
    const sel = state.selection;
    const g = state.selectedPolygon();
    if (sel && g) {
      const v = nearestVertex(g.rings, ip, VERTEX_PX * px);
      if (v) {
        state.choose({ ...sel, vertex: v });
        if (e.altKey) return actions.deleteVertex(v);
        capturePointer(canvas, e.pointerId);
        this.drag = { ref: v, id: e.pointerId, sx: sp.x, sy: sp.y, moved: false, inserted: false };
        return painter.redraw();
      }
      const edge = nearestEdge(g.rings, ip, EDGE_PX * px);
      if (edge) {
        const ref = actions.insertVertex(edge, edge.point);
        if (ref) {
          capturePointer(canvas, e.pointerId);
          this.drag = { ref, id: e.pointerId, sx: sp.x, sy: sp.y, moved: false, inserted: true };
        }
        return;
      }
    }
    const it = state.item();
    const shown = state.shownPolygons(it);
    const hitPolygon = polygonAt(shown, ip);
    const hitProposal = hitPolygon ? null : polygonAt(state.pendingProposals(it), ip);
    if (sel && g && (hitPolygon ? sel.kind === "polygon" && hitPolygon === sel.id : sel.kind === "proposal" && hitProposal === sel.id)) {
      // inside the selected one: the polygon itself is chosen (not a vertex); a drag moves it
      state.choose({ ...sel, vertex: null });
      capturePointer(canvas, e.pointerId);
      this.drag = { ref: null, id: e.pointerId, sx: sp.x, sy: sp.y, moved: false, inserted: false, from: ip, rings: g.rings };
      return painter.redraw();
    }
    if (hitPolygon || hitProposal) {
      edits.flushDraft();
      state.choose({ kind: hitPolygon ? "polygon" : "proposal", id: (hitPolygon ?? hitProposal)!, vertex: null });
      return painter.redraw();
    }
    edits.flushDraft();
    state.selection = null;
    actions.addPoint(ip);
  }

  private move(e: PointerEvent): void {
    const { canvas, state, viewport, edits, painter } = this.p;
    const sp = elementPoint(e, canvas);
    const ip = viewport.toImage(sp.x, sp.y);
    state.hover = ip;
    const drag = this.drag;
    if (!drag || e.pointerId !== drag.id) {
      if (state.drawing) painter.frame();
      this.cursor(ip);
      return;
    }
    if (!drag.moved && Math.hypot(sp.x - drag.sx, sp.y - drag.sy) < MIN_DRAG_PX) return;
    drag.moved = true;
    const d = edits.beginEdit(drag.ref === null ? "move" : drag.inserted ? "insert_vertex" : "move_vertex");
    if (!d) return;
    const { w, h } = state.imageSize();
    if (drag.ref) d.rings = moveVertex(d.rings, drag.ref, ip, w, h);
    else if (drag.from && drag.rings) d.rings = translatePolygon(drag.rings, ip.x - drag.from.x, ip.y - drag.from.y, w, h);
    painter.frame();
  }

  private end(e: PointerEvent): void {
    const { edits, painter } = this.p;
    const d = this.drag;
    if (!d || e.pointerId !== d.id) return;
    this.drag = null;
    if (d.moved || d.inserted) edits.flushDraft();
    painter.redraw();
  }

  private cursor(ip: Point): void {
    const { canvas, state, viewport, panZoom } = this.p;
    if (panZoom.spaceHeld) {
      canvas.style.cursor = "grab";
      return;
    }
    const g = state.drawing ? null : state.selectedPolygon();
    const px = 1 / viewport.scale;
    canvas.style.cursor = g && nearestVertex(g.rings, ip, VERTEX_PX * px) ? "move"
      : g && nearestEdge(g.rings, ip, EDGE_PX * px) ? "copy"
        : g && polygonAt([g], ip) ? "grab" : "crosshair";
  }
}
