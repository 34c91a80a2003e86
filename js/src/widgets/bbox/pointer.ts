// BBoxAnnotator's mouse: press on a handle to resize the selected box, on a box or proposal to
// select and move it, elsewhere to draw a new box; the cursor shows what a press would do.
import type { ClassName } from "../../lib/classes";
import { capturePointer, elementPoint, listenPointer, Point, Rect, Viewport } from "../../lib/viewport";
import type { PanZoom } from "../../lib/viewport";
import type { BoxFrame } from "./draw";
import type { BoxEdits } from "./edits";
import { HANDLES, handlePoints, moveBox, rectFromPoints, resizeBox } from "./geometry";
import type { BoxPainter } from "./paint";
import type { BoxState } from "./state";

const HANDLE_PX = 7; // CSS px: grab distance of a handle
const MIN_DRAG_PX = 3; // a drag shorter than this (CSS px) is a click

type Hit = { kind: "handle"; handle: number } | { kind: "box" | "proposal"; id: string } | null;
type Drag =
  | { mode: "draw"; start: Point; id: number }
  | { mode: "move" | "resize"; start: Point; orig: Rect; handle: number; id: number; moved: boolean; sx: number; sy: number };

export interface PointerParts {
  root: HTMLElement;
  canvas: HTMLCanvasElement;
  state: BoxState;
  viewport: Viewport;
  panZoom: PanZoom;
  edits: BoxEdits;
  painter: BoxPainter;
  frame: BoxFrame;
}

export class BoxPointer {
  private drag: Drag | null = null;

  constructor(private readonly p: PointerParts) {
    listenPointer(p.canvas, { down: (e) => this.down(e), move: (e) => this.move(e), end: (e) => this.end(e) });
    p.canvas.addEventListener("pointermove", (e) => this.hover(e));
  }

  /** Drop the drag in progress (Escape). */
  cancel(): void {
    this.drag = null;
  }

  /** What lies under screen point `sp`: a handle of the selected box, else the smallest box or proposal. */
  private hitTest(sp: Point): Hit {
    const { state, viewport } = this.p;
    const it = state.item();
    if (!it) return null;
    const sel = state.selection;
    if (sel?.kind === "box") {
      const b = state.shownBoxes(it).find((v) => v.id === sel.id);
      if (b) {
        const pts = handlePoints(viewport.rectToScreen(b));
        for (let k = 0; k < HANDLES; k++) {
          if (Math.abs(pts[k].x - sp.x) <= HANDLE_PX && Math.abs(pts[k].y - sp.y) <= HANDLE_PX) return { kind: "handle", handle: k };
        }
      }
    }
    const p = viewport.toImage(sp.x, sp.y);
    const tol = 3 / viewport.scale;
    let best: { kind: "box" | "proposal"; id: string; area: number } | null = null;
    const consider = (kind: "box" | "proposal", r: Rect & { id: string }) => {
      if (p.x >= r.x - tol && p.x <= r.x + r.w + tol && p.y >= r.y - tol && p.y <= r.y + r.h + tol) {
        const area = r.w * r.h;
        if (!best || area < best.area) best = { kind, id: r.id, area };
      }
    };
    state.shownBoxes(it).forEach((b) => consider("box", b));
    state.visibleProposals(it).forEach((q) => consider("proposal", q));
    const found = best as { kind: "box" | "proposal"; id: string } | null;
    return found ? { kind: found.kind, id: found.id } : null;
  }

  private down(e: PointerEvent): void {
    const { root, canvas, state, viewport, edits, painter } = this.p;
    if (e.button !== 0 || !state.item()?.image) return;
    root.focus({ preventScroll: true });
    const sp = elementPoint(e, canvas);
    const ip = viewport.toImage(sp.x, sp.y);
    const hit = this.hitTest(sp);
    capturePointer(canvas, e.pointerId);
    if (hit?.kind === "handle") {
      const d = edits.beginEdit();
      if (!d) return;
      this.drag = { mode: "resize", start: ip, orig: { ...d }, handle: hit.handle, id: e.pointerId, moved: false, sx: sp.x, sy: sp.y };
    } else if (hit) {
      if (!state.isSelected(hit)) edits.flushDraft();
      state.choose({ kind: hit.kind, id: hit.id }); // a click on it: class keys re-class it
      const orig = { ...(state.selectedRect(state.item()!) as Rect) };
      this.drag = { mode: "move", start: ip, orig, handle: -1, id: e.pointerId, moved: false, sx: sp.x, sy: sp.y };
    } else {
      edits.flushDraft();
      state.selection = null;
      this.drag = { mode: "draw", start: viewport.clampToImage(ip), id: e.pointerId };
    }
    painter.redraw();
  }

  private move(e: PointerEvent): void {
    const { canvas, state, viewport, edits, frame } = this.p;
    const drag = this.drag;
    if (!drag || e.pointerId !== drag.id) return;
    const sp = elementPoint(e, canvas);
    const ip = viewport.toImage(sp.x, sp.y);
    const { w, h: hh } = state.imageSize();
    if (drag.mode === "draw") {
      state.drawing = rectFromPoints(drag.start, ip, w, hh);
    } else {
      if (!drag.moved && Math.hypot(sp.x - drag.sx, sp.y - drag.sy) < MIN_DRAG_PX) return;
      drag.moved = true;
      const d = edits.beginEdit();
      if (!d) return;
      const r = drag.mode === "resize"
        ? resizeBox(drag.orig, drag.handle, viewport.clampToImage(ip), w, hh)
        : moveBox(drag.orig, ip.x - drag.start.x, ip.y - drag.start.y, w, hh);
      Object.assign(d, r);
    }
    frame.scheduler.request();
  }

  private end(e: PointerEvent): void {
    const { state, viewport, edits, painter } = this.p;
    const d = this.drag;
    if (!d || e.pointerId !== d.id) return;
    this.drag = null;
    if (d.mode === "draw") {
      const r = state.drawing;
      state.drawing = null;
      if (r && r.w * viewport.scale >= MIN_DRAG_PX && r.h * viewport.scale >= MIN_DRAG_PX && r.w > 0 && r.h > 0) {
        const cls: ClassName = state.classes()[state.currentClass];
        const ids = edits.addBoxes([{ ...r, class: cls }]);
        state.selection = { kind: "box", id: ids[0] };
      }
    } else if (d.moved) {
      edits.flushDraft();
    }
    painter.redraw();
  }

  private hover(e: PointerEvent): void {
    const { canvas, panZoom } = this.p;
    if (this.drag) return;
    const hit = panZoom.spaceHeld ? null : this.hitTest(elementPoint(e, canvas));
    canvas.style.cursor = panZoom.spaceHeld ? "grab" : hit?.kind === "handle" ? "nwse-resize" : hit ? "move" : "crosshair";
  }
}
