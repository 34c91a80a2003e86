// Editing a box that exists, in image pixels ({x, y, w, h}): its eight handles, a drag of one of
// them (resize) or of the box (move), an arrow key's nudge (move; with `resize`, its size), the
// handle under a point. Shared by BBoxAnnotator (widgets/bbox/) and SceneGraphAnnotator.
import type { Point, Rect } from "./viewport";

/** Handles of a box: corners tl, tr, br, bl, then edges top, right, bottom, left. */
export const HANDLES = 8;

export function handlePoints(b: Rect): Point[] {
  const { x, y, w, h: hh } = b;
  return [
    { x, y }, { x: x + w, y }, { x: x + w, y: y + hh }, { x, y: y + hh },
    { x: x + w / 2, y }, { x: x + w, y: y + hh / 2 }, { x: x + w / 2, y: y + hh }, { x, y: y + hh / 2 },
  ];
}

/** The handle of `b` within `tolerance` of `p` (each way; same units as both), or -1. */
export function handleAt(b: Rect, p: Point, tolerance: number): number {
  const pts = handlePoints(b);
  for (let k = 0; k < HANDLES; k++) {
    if (Math.abs(pts[k].x - p.x) <= tolerance && Math.abs(pts[k].y - p.y) <= tolerance) return k;
  }
  return -1;
}

/** The cursor over handle `k` (corners diagonal, edges straight). */
export function handleCursor(k: number): string {
  return ["nwse-resize", "nesw-resize", "nwse-resize", "nesw-resize", "ns-resize", "ew-resize", "ns-resize", "ew-resize"][k] ?? "move";
}

/** The box spanned by two points, clamped to the image. */
export function rectFromPoints(a: Point, b: Point, width: number, height: number): Rect {
  const cx = (v: number) => Math.min(width, Math.max(0, v));
  const cy = (v: number) => Math.min(height, Math.max(0, v));
  const x0 = cx(Math.min(a.x, b.x));
  const x1 = cx(Math.max(a.x, b.x));
  const y0 = cy(Math.min(a.y, b.y));
  const y1 = cy(Math.max(a.y, b.y));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** `box` with handle `handle` dragged to `p` (clamped to the image; dragging past flips). */
export function resizeBox(box: Rect, handle: number, p: Point, width: number, height: number): Rect {
  let x0 = box.x;
  let y0 = box.y;
  let x1 = box.x + box.w;
  let y1 = box.y + box.h;
  const left = handle === 0 || handle === 3 || handle === 7;
  const right = handle === 1 || handle === 2 || handle === 5;
  const top = handle === 0 || handle === 1 || handle === 4;
  const bottom = handle === 2 || handle === 3 || handle === 6;
  if (left) x0 = p.x;
  if (right) x1 = p.x;
  if (top) y0 = p.y;
  if (bottom) y1 = p.y;
  return rectFromPoints({ x: x0, y: y0 }, { x: x1, y: y1 }, width, height);
}

/** `box` moved by (dx, dy) image pixels, kept inside the image. */
export function moveBox(box: Rect, dx: number, dy: number, width: number, height: number): Rect {
  const w = Math.min(box.w, width);
  const h = Math.min(box.h, height);
  return {
    x: Math.min(width - w, Math.max(0, box.x + dx)),
    y: Math.min(height - h, Math.max(0, box.y + dy)),
    w,
    h,
  };
}

/** An arrow key's change of `box`: moved by (dx, dy) × step, or with `resize` its right / bottom
 *  edge moved (at least 1 px wide and high); kept inside the image. */
export function nudgeRect(box: Rect, dx: number, dy: number, step: number, resize: boolean, width: number, height: number): Rect {
  return resize
    ? rectFromPoints({ x: box.x, y: box.y }, { x: box.x + Math.max(1, box.w + dx * step), y: box.y + Math.max(1, box.h + dy * step) }, width, height)
    : moveBox(box, dx * step, dy * step, width, height);
}

/** The arrow of a key as (dx, dy): -1, 0 or 1 each. */
export const arrowDelta = (key: string): [number, number] => [
  key === "ArrowLeft" ? -1 : key === "ArrowRight" ? 1 : 0,
  key === "ArrowUp" ? -1 : key === "ArrowDown" ? 1 : 0,
];

/** Round image coordinates to 1/100 px (plenty for pixels; keeps messages short). */
export function roundRect(r: Rect): Rect {
  const q = (v: number) => Math.round(v * 100) / 100;
  return { x: q(r.x), y: q(r.y), w: q(r.w), h: q(r.h) };
}

/** A box grabbed with the mouse on a canvas showing a w×h image fitted (canvasPoint): moved by
 *  its inside, resized by a handle. The view says where a press grabs (`grab`) and what the box
 *  dragged to means (`drop`). */
export interface GrabHooks {
  canvas: HTMLCanvasElement;
  size: () => [number, number] | null;
  /** the box being dragged changed (repaint) */
  changed: (r: Rect) => void;
  /** the drag ended: `moved` false for a press without a drag */
  drop: (r: Rect, moved: boolean) => void;
}

/** Screen pixels a press may miss a handle by. */
export const HANDLE_GRAB_PX = 7;

export class BoxGrab {
  /** the box being dragged (image pixels), or null */
  box: Rect | null = null;
  private drag: { start: Point; orig: Rect; handle: number; moved: boolean } | null = null;

  constructor(private readonly hooks: GrabHooks) {}

  /** Image pixels per screen pixel (the display scale's inverse). */
  private perPixel(size: [number, number]): number {
    const r = this.hooks.canvas.getBoundingClientRect();
    return r.width > 0 ? size[0] / r.width : 1;
  }

  /** What a press at image point `p` would grab of `r`: a handle (0-7), the box (-1), or null. */
  hit(r: Rect, p: Point): number | null {
    const size = this.hooks.size();
    if (!size) return null;
    const k = handleAt(r, p, HANDLE_GRAB_PX * this.perPixel(size));
    if (k >= 0) return k;
    return p.x >= r.x && p.x <= r.x + r.w && p.y >= r.y && p.y <= r.y + r.h ? -1 : null;
  }

  /** Start dragging `r` from image point `p` (by handle `handle`, -1: the whole box). */
  begin(r: Rect, p: Point, handle: number): void {
    this.drag = { start: p, orig: { ...r }, handle, moved: false };
    this.box = { ...r };
  }

  active(): boolean {
    return this.drag !== null;
  }

  /** Listen for the drag's moves and its release (window-wide); returns the function that stops. */
  listen(point: (e: MouseEvent) => Point): () => void {
    const move = (e: MouseEvent) => {
      const size = this.hooks.size();
      const d = this.drag;
      if (!d || !size) return;
      const p = point(e);
      if (!d.moved && Math.abs(p.x - d.start.x) / this.perPixel(size) < 2 && Math.abs(p.y - d.start.y) / this.perPixel(size) < 2) return;
      d.moved = true;
      this.box = d.handle >= 0 ? resizeBox(d.orig, d.handle, p, size[0], size[1]) : moveBox(d.orig, p.x - d.start.x, p.y - d.start.y, size[0], size[1]);
      this.hooks.changed(this.box);
    };
    const up = () => {
      const d = this.drag;
      if (!d) return;
      const r = this.box ?? d.orig;
      this.drag = this.box = null;
      this.hooks.drop(r, d.moved && r.w > 0 && r.h > 0);
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
    return () => {
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", up);
    };
  }
}
