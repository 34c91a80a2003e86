// Screen-space selection of 3D points: project with a view-projection matrix (column-major,
// float64), keep those whose projection falls in a polygon, a box or a brush circle; combine
// with a previous selection; encode the chosen indices compactly for the kernel.
import type { Mat4 } from "./camera3d";

/** Screen positions (CSS px, origin top-left) of every point, NaN for a point the view does not
 *  draw (behind the eye or outside near / far). The arithmetic order is fixed (a test
 *  recomputes it in numpy and expects the same bits). */
export function projectPoints(xyz: Float32Array, m: Mat4, width: number, height: number): Float64Array {
  const n = xyz.length / 3;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
    const cw = m[3] * x + m[7] * y + m[11] * z + m[15];
    const cz = m[2] * x + m[6] * y + m[10] * z + m[14];
    if (!(cw > 0) || cz < -cw || cz > cw) {
      out[2 * i] = NaN;
      out[2 * i + 1] = NaN;
      continue;
    }
    const cx = m[0] * x + m[4] * y + m[8] * z + m[12];
    const cy = m[1] * x + m[5] * y + m[9] * z + m[13];
    out[2 * i] = (cx / cw * 0.5 + 0.5) * width;
    out[2 * i + 1] = (0.5 - cy / cw * 0.5) * height;
  }
  return out;
}

/** Whether (x, y) is inside the polygon (even-odd rule; flat [x0, y0, x1, y1, ...]). */
export function insidePolygon(x: number, y: number, poly: number[]): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = poly[2 * i], yi = poly[2 * i + 1], xj = poly[2 * j], yj = poly[2 * j + 1];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** 1 for each projected point inside the polygon (and `allowed`, when given), else 0. */
export function selectPolygon(screen: Float64Array, poly: number[], allowed?: (i: number) => boolean): Uint8Array {
  const n = screen.length / 2;
  const out = new Uint8Array(n);
  if (poly.length < 6) return out;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let k = 0; k < poly.length; k += 2) {
    x0 = Math.min(x0, poly[k]);
    x1 = Math.max(x1, poly[k]);
    y0 = Math.min(y0, poly[k + 1]);
    y1 = Math.max(y1, poly[k + 1]);
  }
  for (let i = 0; i < n; i++) {
    const x = screen[2 * i], y = screen[2 * i + 1];
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue; // NaN fails too
    if ((!allowed || allowed(i)) && insidePolygon(x, y, poly)) out[i] = 1;
  }
  return out;
}

/** The polygon of a box dragged from (ax, ay) to (bx, by). */
export function boxPolygon(ax: number, ay: number, bx: number, by: number): number[] {
  return [ax, ay, bx, ay, bx, by, ax, by];
}

/** Mark (in `into`) the projected points within `r` px of (cx, cy); returns how many were new. */
export function brushAt(screen: Float64Array, cx: number, cy: number, r: number, into: Uint8Array, allowed?: (i: number) => boolean): number {
  let added = 0;
  const r2 = r * r;
  for (let i = 0; i < into.length; i++) {
    const dx = screen[2 * i] - cx, dy = screen[2 * i + 1] - cy;
    if (dx * dx + dy * dy <= r2 && !into[i] && (!allowed || allowed(i))) {
      into[i] = 1;
      added++;
    }
  }
  return added;
}

export type Combine = "replace" | "add" | "subtract";

/** The previous selection combined with a new one (in place into `previous`). */
export function combine(previous: Uint8Array, fresh: Uint8Array, how: Combine): Uint8Array {
  for (let i = 0; i < previous.length; i++) {
    if (how === "replace") previous[i] = fresh[i];
    else if (how === "add") previous[i] = previous[i] | fresh[i];
    else if (fresh[i]) previous[i] = 0;
  }
  return previous;
}

/** The indices set in a 0/1 mask (increasing), narrowed by `keep`. */
export function indicesOf(mask: Uint8Array, keep?: (i: number) => boolean): Uint32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] && (!keep || keep(i))) n++;
  const out = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] && (!keep || keep(i))) out[k++] = i;
  return out;
}

/** Increasing indices of an N-point frame as the smaller of a bitmask (ceil(N/8) bytes, LSB
 *  first) and varint deltas (the first index, then the gaps, as unsigned LEB128: one byte a point
 *  while the gaps are under 128). */
export function encodeIndices(indices: Uint32Array, n: number): { encoding: "bitmask" | "varint"; buffer: ArrayBuffer } {
  const maskBytes = Math.ceil(n / 8);
  const varint = new Uint8Array(Math.min(indices.length * 5, maskBytes + 5));
  let k = 0;
  let j = 0;
  for (; j < indices.length && k < maskBytes; j++) { // stop once it is no smaller than the bitmask
    let v = j === 0 ? indices[0] : indices[j] - indices[j - 1];
    while (v >= 128) {
      varint[k++] = (v & 127) | 128;
      v = Math.floor(v / 128);
    }
    varint[k++] = v;
  }
  if (j === indices.length && k < maskBytes) return { encoding: "varint", buffer: varint.slice(0, k).buffer };
  const bits = new Uint8Array(maskBytes);
  for (const i of indices) bits[i >> 3] |= 1 << (i & 7);
  return { encoding: "bitmask", buffer: bits.buffer };
}
