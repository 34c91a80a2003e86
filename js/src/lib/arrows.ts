// Labelled arrows between boxes on an image drawn with drawBoxes (lib/boxes.ts): the geometry
// (from the edge of one box to the edge of the other, the label at the middle) and the drawing.
// Used by SceneGraphAnnotator for its relations; any view linking two boxes can use it.
import type { Box } from "./boxes";

export interface Arrow {
  /** start and end, image pixels (on the boxes' borders) */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** where the label goes (the middle) */
  mx: number;
  my: number;
}

export interface DrawnArrow {
  from: Box;
  to: Box;
  colour: string;
  label?: string;
  dashed?: boolean;
  width?: number;
  /** 0..1; dimmed arrows are drawn first, under the others */
  alpha?: number;
}

/** Labels longer than this are cut (with …) so they do not hide the arrows. */
export const MAX_LABEL = 24;

/** Where the ray from the centre of `box` towards (tx, ty) leaves the box. */
export function edgePoint(box: Box, tx: number, ty: number): [number, number] {
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  const dx = tx - cx;
  const dy = ty - cy;
  if (dx === 0 && dy === 0) return [cx, cy];
  const hw = (box[2] - box[0]) / 2;
  const hh = (box[3] - box[1]) / 2;
  const t = Math.min(dx === 0 ? Infinity : hw / Math.abs(dx), dy === 0 ? Infinity : hh / Math.abs(dy));
  return t >= 1 ? [cx, cy] : [cx + dx * t, cy + dy * t];
}

/** The arrow from box `a` to box `b`: between their borders along the line joining their centres
 *  (between the centres when one box holds the other's centre). */
export function arrowBetween(a: Box, b: Box): Arrow {
  const ca: [number, number] = [(a[0] + a[2]) / 2, (a[1] + a[3]) / 2];
  const cb: [number, number] = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
  let [x0, y0] = edgePoint(a, cb[0], cb[1]);
  let [x1, y1] = edgePoint(b, ca[0], ca[1]);
  // the borders cross (overlapping boxes): join the centres instead
  if ((x1 - x0) * (cb[0] - ca[0]) + (y1 - y0) * (cb[1] - ca[1]) <= 0) [x0, y0, x1, y1] = [ca[0], ca[1], cb[0], cb[1]];
  return { x0, y0, x1, y1, mx: (x0 + x1) / 2, my: (y0 + y1) / 2 };
}

/** Draw `arrows` over a canvas showing an image `imageWidth` pixels wide (scaled to the canvas):
 *  dimmed ones first, then the others with their labels (text drawn on the canvas, never HTML). */
export function drawArrows(canvas: HTMLCanvasElement, imageWidth: number, imageHeight: number, arrows: DrawnArrow[]): void {
  const ctx = canvas.getContext("2d");
  if (!ctx || !arrows.length) return;
  const sx = canvas.width / imageWidth;
  const sy = canvas.height / imageHeight;
  const ratio = typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1;
  const sorted = [...arrows].sort((p, q) => (p.alpha ?? 1) - (q.alpha ?? 1));
  const labels: Array<[DrawnArrow, number, number]> = [];
  ctx.save();
  for (const a of sorted) {
    const g = arrowBetween(a.from, a.to);
    const [x0, y0, x1, y1] = [g.x0 * sx, g.y0 * sy, g.x1 * sx, g.y1 * sy];
    ctx.globalAlpha = a.alpha ?? 1;
    ctx.strokeStyle = ctx.fillStyle = a.colour;
    ctx.lineWidth = (a.width ?? 1.5) * ratio;
    ctx.setLineDash(a.dashed ? [6 * ratio, 4 * ratio] : []);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.stroke();
    const angle = Math.atan2(y1 - y0, x1 - x0);
    const head = 8 * ratio;
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x1 - head * Math.cos(angle - 0.4), y1 - head * Math.sin(angle - 0.4));
    ctx.lineTo(x1 - head * Math.cos(angle + 0.4), y1 - head * Math.sin(angle + 0.4));
    ctx.closePath();
    ctx.fill();
    if (a.label && (a.alpha ?? 1) >= 0.5) labels.push([a, g.mx * sx, g.my * sy]);
  }
  ctx.globalAlpha = 1;
  ctx.font = `${11 * ratio}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  for (const [a, mx, my] of labels) {
    const label = a.label ?? "";
    const text = label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label;
    const w = ctx.measureText(text).width + 6 * ratio;
    ctx.fillStyle = "rgba(0, 0, 0, 0.7)";
    ctx.fillRect(mx - w / 2, my - 8 * ratio, w, 16 * ratio);
    ctx.fillStyle = a.colour;
    ctx.fillText(text, mx, my);
  }
  ctx.restore();
}

/** The indices of `choices` that match `query` (case-insensitive): those starting with it first,
 *  then those containing it; all of them for an empty query. */
export function filterChoices(choices: readonly string[], query: string): number[] {
  const q = query.trim().toLowerCase();
  const all = choices.map((_, k) => k);
  if (!q) return all;
  const lower = choices.map((c) => c.toLowerCase());
  return [...all.filter((k) => lower[k].startsWith(q)), ...all.filter((k) => !lower[k].startsWith(q) && lower[k].includes(q))];
}
