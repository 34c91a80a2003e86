// BBoxAnnotator's data and box geometry, in image pixels: a stored box, a model's proposal, the
// eight handles of a box, and how a drag or a nudge changes one.
import type { ClassName } from "../../lib/classes";
import type { EditorModel } from "../../lib/canvas_stage";
import type { ItemInfo } from "../../lib/items";
import type { Point, Rect } from "../../lib/viewport";

export interface BBoxModel extends EditorModel {
  threshold: number;
}

export interface Box extends Rect {
  id: string;
  class: ClassName;
  source: "human" | "proposal" | "adjusted";
  score: number | null;
  proposal: string | null;
}

export interface Proposal extends Rect {
  id: string;
  class: ClassName;
  score: number | null;
}

export interface BoxItem extends ItemInfo {
  boxes?: Box[];
  rejected?: string[];
  proposals?: Proposal[];
}

export type Selection = { kind: "box" | "proposal"; id: string } | null;

/** Handles of a box: corners tl, tr, br, bl, then edges top, right, bottom, left. */
export const HANDLES = 8;

export function handlePoints(b: Rect): Point[] {
  const { x, y, w, h: hh } = b;
  return [
    { x, y }, { x: x + w, y }, { x: x + w, y: y + hh }, { x, y: y + hh },
    { x: x + w / 2, y }, { x: x + w, y: y + hh / 2 }, { x: x + w / 2, y: y + hh }, { x, y: y + hh / 2 },
  ];
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

/** Round image coordinates to 1/100 px (plenty for pixels; keeps messages short). */
export function roundRect(r: Rect): Rect {
  const q = (v: number) => Math.round(v * 100) / 100;
  return { x: q(r.x), y: q(r.y), w: q(r.w), h: q(r.h) };
}
