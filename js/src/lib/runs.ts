// Masks as compact binary deltas: the pixels of a brush stroke or a polygon as row runs
// (y, x0, length) of uint32 — a few hundred bytes for a stroke, never a whole image.

export interface Box {
  x0: number;
  y0: number;
  x1: number; // exclusive
  y1: number; // exclusive
}

export const emptyBox = (): Box => ({ x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity });

/** Set the pixels of a disc (centre cx, cy; radius r, image pixels) in `mask`; grows `box`. */
export function stampDisc(mask: Uint8Array, width: number, height: number, cx: number, cy: number, r: number, box: Box): void {
  const rr = Math.max(0.5, r);
  const y0 = Math.max(0, Math.floor(cy - rr));
  const y1 = Math.min(height, Math.ceil(cy + rr));
  for (let y = y0; y < y1; y++) {
    const dy = y + 0.5 - cy;
    const half = Math.sqrt(Math.max(0, rr * rr - dy * dy));
    const x0 = Math.max(0, Math.ceil(cx - half - 0.5));
    const x1 = Math.min(width, Math.floor(cx + half - 0.5) + 1);
    if (x1 <= x0) continue;
    mask.fill(1, y * width + x0, y * width + x1);
    if (x0 < box.x0) box.x0 = x0;
    if (x1 > box.x1) box.x1 = x1;
    if (y < box.y0) box.y0 = y;
    if (y + 1 > box.y1) box.y1 = y + 1;
  }
}

/** Stamp discs along the segment a -> b (spaced at most r/2 apart). */
export function stampLine(mask: Uint8Array, width: number, height: number, ax: number, ay: number, bx: number, by: number, r: number, box: Box): void {
  const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / Math.max(0.5, r / 2)));
  for (let i = 0; i <= steps; i++) {
    const t = i / steps;
    stampDisc(mask, width, height, ax + (bx - ax) * t, ay + (by - ay) * t, r, box);
  }
}

/** Row runs (y, x0, length) of the set pixels of `mask` inside `box`, as uint32. */
export function maskRuns(mask: Uint8Array, width: number, box: Box): Uint32Array {
  const out: number[] = [];
  if (box.x1 <= box.x0 || box.y1 <= box.y0) return new Uint32Array(0);
  for (let y = box.y0; y < box.y1; y++) {
    const row = y * width;
    let x = box.x0;
    while (x < box.x1) {
      if (!mask[row + x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < box.x1 && mask[row + x]) x++;
      out.push(y, start, x - start);
    }
  }
  return Uint32Array.from(out);
}

/** Clear `mask` inside `box` (after a stroke was sent). */
export function clearBox(mask: Uint8Array, width: number, box: Box): void {
  for (let y = box.y0; y < box.y1; y++) mask.fill(0, y * width + box.x0, y * width + box.x1);
}

/**
 * Row runs of a polygon (flat [x0, y0, x1, y1, ...] in image pixels): a pixel is inside when its
 * centre is (even-odd rule), the convention of hitl_widgets.metrics.polygon_to_mask.
 */
export function polygonRuns(points: number[], width: number, height: number): Uint32Array {
  const n = Math.floor(points.length / 2);
  const out: number[] = [];
  if (n < 3) return new Uint32Array(0);
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minY = Math.min(minY, points[2 * i + 1]);
    maxY = Math.max(maxY, points[2 * i + 1]);
  }
  const ys = Math.max(0, Math.floor(minY));
  const ye = Math.min(height, Math.ceil(maxY));
  for (let y = ys; y < ye; y++) {
    const cy = y + 0.5;
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const ax = points[2 * i], ay = points[2 * i + 1];
      const bx = points[(2 * i + 2) % (2 * n)], by = points[(2 * i + 3) % (2 * n)];
      if ((ay <= cy && by > cy) || (by <= cy && ay > cy)) xs.push(ax + ((cy - ay) / (by - ay)) * (bx - ax));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const x0 = Math.max(0, Math.ceil(xs[k] - 0.5));
      const x1 = Math.min(width, Math.ceil(xs[k + 1] - 0.5)); // centres < xs[k+1]
      if (x1 > x0) out.push(y, x0, x1 - x0);
    }
  }
  return Uint32Array.from(out);
}

/** Apply runs (y, x0, length) to a label map: set them to `value`. Returns the touched box. */
export function applyRuns(labels: Uint16Array, width: number, runs: Uint32Array, value: number): Box {
  const box = emptyBox();
  for (let i = 0; i + 2 < runs.length; i += 3) {
    const y = runs[i], x = runs[i + 1], len = runs[i + 2];
    labels.fill(value, y * width + x, y * width + x + len);
    if (x < box.x0) box.x0 = x;
    if (x + len > box.x1) box.x1 = x + len;
    if (y < box.y0) box.y0 = y;
    if (y + 1 > box.y1) box.y1 = y + 1;
  }
  return box;
}

/** Decode a label map sent as row-major runs (value, length) of uint32 into `labels`. */
export function decodeLabelRuns(bytes: Uint8Array, labels: Uint16Array): void {
  const runs = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = 0;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    labels.fill(runs[i], at, at + runs[i + 1]);
    at += runs[i + 1];
  }
}
