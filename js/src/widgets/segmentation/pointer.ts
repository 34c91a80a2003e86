// SegmentationCanvas's mouse: brush and eraser strokes (stamped into the stroke buffer, applied to
// the label map as they go, sent as runs when the stroke ends), and the polygon tool (click adds a
// vertex, drag moves one, a click on an edge inserts one, Alt+click deletes, a click on the first closes),
// click-to-segment (a click marks the object, Shift+click or a right click what is not) and the
// superpixel brush (a stroke widened to the whole superpixels it touches).
import { capturePointer, Point, Viewport } from "../../lib/viewport";
import { Box, clearBox, emptyBox, maskRuns, stampLine } from "../../lib/runs";
import { itemKey } from "../../lib/items";
import { SuperpixelMap, touchSuperpixels } from "./assist";
import type { SegEdits } from "./edits";
import type { MaskLayers } from "./layers";
import type { SegPainter } from "./paint";
import type { SegState } from "./state";

const CLOSE_PX = 8; // CSS px: a click this close to the first vertex closes the polygon

export interface PointerParts {
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  state: SegState;
  viewport: Viewport;
  edits: SegEdits;
  layers: MaskLayers;
  painter: SegPainter;
}

interface Stroke {
  mask: Uint8Array;
  box: Box;
  last: Point;
  erase: boolean;
  value: number;
  id: number;
  /** superpixel brush: the map, and the superpixels the stroke has touched */
  sp?: SuperpixelMap;
  touched?: Set<number>;
}

/** The vertex (or else the edge) of `points` within CLOSE_PX of CSS point `sp`. */
function polygonHit(viewport: Viewport, points: Point[], sp: Point): { vertex: number; edge: number } {
  const screen = points.map((q) => viewport.toScreen(q.x, q.y));
  const vertex = screen.findIndex((q) => Math.hypot(q.x - sp.x, q.y - sp.y) <= CLOSE_PX);
  if (vertex >= 0) return { vertex, edge: -1 };
  for (let k = 0; k + 1 < screen.length; k++) {
    const a = screen[k], b = screen[k + 1];
    const len2 = (b.x - a.x) ** 2 + (b.y - a.y) ** 2;
    const t = len2 ? Math.max(0, Math.min(1, ((sp.x - a.x) * (b.x - a.x) + (sp.y - a.y) * (b.y - a.y)) / len2)) : 0;
    if (t > 0 && t < 1 && Math.hypot(a.x + t * (b.x - a.x) - sp.x, a.y + t * (b.y - a.y) - sp.y) <= CLOSE_PX / 2) return { vertex: -1, edge: k };
  }
  return { vertex: -1, edge: -1 };
}

export class SegPointer {
  private stroke: Stroke | null = null;
  private vertexDrag: { index: number; moved: boolean; id: number; alt: boolean } | null = null;

  constructor(private readonly p: PointerParts) {
    const { canvas } = p;
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.upVertex(e));
    canvas.addEventListener("pointerup", (e) => this.endStroke(e));
    canvas.addEventListener("pointercancel", (e) => this.endStroke(e));
    canvas.addEventListener("contextmenu", (e) => {
      if (p.state.tool === "assist") e.preventDefault(); // a right click is a negative click
    });
  }

  /** The image point under a mouse event. */
  private point(e: MouseEvent): Point {
    const r = this.p.canvas.getBoundingClientRect();
    return this.p.viewport.toImage(e.clientX - r.left, e.clientY - r.top);
  }

  private down(e: PointerEvent): void {
    const { root, canvas, state, edits } = this.p;
    const m = state.mask();
    if (state.tool === "assist" && e.button === 2 && m) { // right click: not this part
      root.focus({ preventScroll: true });
      const p = this.point(e);
      return edits.addClick(p.x, p.y, false);
    }
    if (e.button !== 0 || !m || !state.strokeBuffer) return;
    root.focus({ preventScroll: true });
    const p = this.point(e);
    if (state.tool === "polygon") return this.polygonDown(e, p);
    if (state.tool === "assist") return edits.addClick(p.x, p.y, !e.shiftKey);
    const id = state.current();
    let sp: SuperpixelMap | undefined;
    if (state.tool === "superpixel") {
      sp = id === undefined ? undefined : state.superpixels.get(itemKey(id));
      if (!sp || sp.width !== m.width || sp.height !== m.height) return edits.ensureSuperpixels();
    }
    const erase = state.tool === "eraser";
    if (!erase && !edits.ensureInstance()) return;
    capturePointer(canvas, e.pointerId);
    this.stroke = {
      mask: state.strokeBuffer, box: emptyBox(), last: p, erase, value: erase ? 0 : state.paintValue(), id: e.pointerId,
      sp, touched: sp ? new Set() : undefined,
    };
    this.extendStroke(p);
  }

  private polygonDown(e: PointerEvent, p: Point): void {
    const { canvas, state, viewport, painter, layers } = this.p;
    const sp = viewport.toScreen(p.x, p.y);
    const hit = polygonHit(viewport, state.polygon, sp);
    if (hit.vertex >= 0) {
      this.vertexDrag = { index: hit.vertex, moved: false, id: e.pointerId, alt: e.altKey };
      capturePointer(canvas, e.pointerId);
    } else if (hit.edge >= 0) {
      state.polygon.splice(hit.edge + 1, 0, viewport.clampToImage(p)); // insert a vertex on the edge
      this.vertexDrag = { index: hit.edge + 1, moved: true, id: e.pointerId, alt: false };
      capturePointer(canvas, e.pointerId);
    } else {
      state.polygon.push(viewport.clampToImage(p));
    }
    painter.info();
    layers.scheduler.request();
  }

  /** Stamp the brush from the stroke's last point to `p` and paint what it covers. */
  private extendStroke(p: Point): void {
    const { state, layers } = this.p;
    const m = state.mask();
    const stroke = this.stroke;
    if (!stroke || !m) return;
    const before = { ...stroke.box };
    let seg = emptyBox();
    stampLine(stroke.mask, m.width, m.height, stroke.last.x, stroke.last.y, p.x, p.y, state.brush, seg);
    stroke.last = p;
    if (seg.x1 <= seg.x0) return;
    if (stroke.sp && stroke.touched) { // the whole superpixels under the brush
      const grown = { ...seg };
      touchSuperpixels(stroke.sp, stroke.mask, seg, stroke.touched, grown);
      seg = grown;
    }
    for (let y = seg.y0; y < seg.y1; y++) {
      for (let x = seg.x0; x < seg.x1; x++) {
        const i = y * m.width + x;
        if (stroke.mask[i] && (!stroke.erase || m.labels[i])) m.labels[i] = stroke.value;
      }
    }
    stroke.box = {
      x0: Math.min(before.x0, seg.x0), y0: Math.min(before.y0, seg.y0),
      x1: Math.max(before.x1, seg.x1), y1: Math.max(before.y1, seg.y1),
    };
    layers.rebuild(m, seg);
    layers.scheduler.request();
  }

  private move(e: PointerEvent): void {
    const { state, viewport, layers } = this.p;
    if (this.stroke && e.pointerId === this.stroke.id) this.extendStroke(this.point(e));
    const drag = this.vertexDrag;
    if (drag && e.pointerId === drag.id) {
      drag.moved = true;
      state.polygon[drag.index] = viewport.clampToImage(this.point(e));
      layers.scheduler.request();
    }
  }

  private upVertex(e: PointerEvent): void {
    const { state, edits, painter, layers } = this.p;
    const d = this.vertexDrag;
    if (!d || e.pointerId !== d.id) return;
    this.vertexDrag = null;
    if (d.moved) return;
    if (d.alt) state.polygon.splice(d.index, 1); // Alt+click deletes a vertex
    else if (d.index === 0 && state.polygon.length >= 3) return edits.closePolygon(); // a click on the first closes
    painter.info();
    layers.scheduler.request();
  }

  private endStroke(e: PointerEvent): void {
    const { state, edits } = this.p;
    const m = state.mask();
    const s = this.stroke;
    if (!s || e.pointerId !== s.id || !m) return;
    this.stroke = null;
    const runs = maskRuns(s.mask, m.width, s.box);
    clearBox(s.mask, m.width, s.box);
    edits.sendDelta({ value: s.erase ? 0 : s.value, erase: s.erase, ...(s.sp ? { assisted: "superpixels" } : {}) }, runs);
  }
}
