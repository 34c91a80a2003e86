// Boxes on an image drawn with drawFit: image-pixel geometry, keyboard nudging, mouse mapping.
import { handlePoints } from "./box_edit";
import { drawFit } from "./media";

/** [x0, y0, x1, y1] in image pixels, x0 < x1, y0 < y1. */
export type Box = [number, number, number, number];

export interface DrawnBox {
  box: Box;
  colour: string;
  dashed?: boolean;
  width?: number;
  /** draw its eight handles (lib/box_edit.ts handlePoints) */
  handles?: boolean;
  /** a short text above its top-left corner (e.g. a score), drawn on the canvas */
  label?: string;
}

/** Order the corners, keep the box inside a w×h image, at least 1 pixel wide and high. */
export function clampBox(b: Box, w: number, h: number): Box {
  let [x0, y0, x1, y1] = [Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3])];
  x0 = Math.max(0, Math.min(x0, w - 1));
  y0 = Math.max(0, Math.min(y0, h - 1));
  x1 = Math.max(x0 + 1, Math.min(x1, w));
  y1 = Math.max(y0 + 1, Math.min(y1, h));
  return [x0, y0, x1, y1];
}

/** A box in the middle of a w×h image, a quarter of each side. */
export function centredBox(w: number, h: number): Box {
  return clampBox([Math.round(w * 0.375), Math.round(h * 0.375), Math.round(w * 0.625), Math.round(h * 0.625)], w, h);
}

/**
 * Arrow keys move the box by `step` pixels; with `resize` they move its right/bottom edge
 * (→/↓ grow, ←/↑ shrink). The box stays inside the image.
 */
export function nudgeBox(b: Box, key: string, resize: boolean, step: number, w: number, h: number): Box {
  const d: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
  const [dx, dy] = d[key] ?? [0, 0];
  const [x0, y0, x1, y1] = b;
  if (resize) return clampBox([x0, y0, Math.max(x0 + 1, x1 + dx), Math.max(y0 + 1, y1 + dy)], w, h);
  const mx = Math.max(-x0, Math.min(dx, w - x1));
  const my = Math.max(-y0, Math.min(dy, h - y1));
  return [x0 + mx, y0 + my, x1 + mx, y1 + my];
}

/** Image-pixel coordinates of a mouse event over a canvas showing a w×h image scaled to fit. */
export function canvasPoint(e: { clientX: number; clientY: number }, canvas: HTMLCanvasElement, w: number, h: number): [number, number] {
  const r = canvas.getBoundingClientRect();
  const x = r.width > 0 ? ((e.clientX - r.left) / r.width) * w : 0;
  const y = r.height > 0 ? ((e.clientY - r.top) / r.height) * h : 0;
  return [Math.max(0, Math.min(w, x)), Math.max(0, Math.min(h, y))];
}

/** Draw the image fitted in `size` pixels, then the boxes over it. */
export function drawBoxes(
  canvas: HTMLCanvasElement,
  image: CanvasImageSource & { width: number; height: number },
  size: number,
  boxes: DrawnBox[],
): void {
  drawFit(canvas, image, size);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const sx = canvas.width / image.width;
  const sy = canvas.height / image.height;
  for (const b of boxes) {
    ctx.save();
    ctx.strokeStyle = b.colour;
    ctx.lineWidth = (b.width ?? 2) * (typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1);
    if (b.dashed) ctx.setLineDash([6, 4]);
    const [x0, y0, x1, y1] = b.box;
    ctx.strokeRect(x0 * sx, y0 * sy, (x1 - x0) * sx, (y1 - y0) * sy);
    ctx.setLineDash([]);
    const dpr = typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1;
    if (b.label) {
      ctx.font = `${11 * dpr}px sans-serif`;
      const tw = ctx.measureText(b.label).width + 4 * dpr;
      const th = 14 * dpr;
      const ty = y0 * sy >= th ? y0 * sy - th : y0 * sy;
      ctx.fillStyle = b.colour;
      ctx.fillRect(x0 * sx, ty, tw, th);
      ctx.fillStyle = "#000000";
      ctx.textBaseline = "top";
      ctx.fillText(b.label, x0 * sx + 2 * dpr, ty + 2 * dpr);
    }
    if (b.handles) {
      const s = 3.5 * dpr;
      ctx.fillStyle = "#ffffff";
      ctx.strokeStyle = "#000000";
      ctx.lineWidth = dpr;
      for (const p of handlePoints({ x: x0 * sx, y: y0 * sy, w: (x1 - x0) * sx, h: (y1 - y0) * sy })) {
        ctx.fillRect(p.x - s, p.y - s, 2 * s, 2 * s);
        ctx.strokeRect(p.x - s, p.y - s, 2 * s, 2 * s);
      }
    }
    ctx.restore();
  }
}
