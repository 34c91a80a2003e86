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

/** `insidePolygon` against one polygon for many points, answered from a grid of `cell` px where it
 *  can be: a cell no edge comes near (the edges are sampled every cell / 2 and each sample marks
 *  its cell and the 8 around it, so an unmarked cell is at least 3/4 of a cell from every edge)
 *  is wholly inside or outside, as its centre; a point in a marked cell, and only there, is tested
 *  exactly. The answers are insidePolygon's (the points it could round differently lie on an edge,
 *  in marked cells). Outside the polygon's bounding box (and NaN): false. */
export function polygonTest(poly: number[], cell = 4): (x: number, y: number) => boolean {
  const g = polygonGrid(poly, cell);
  if (!g) return () => false;
  const { x0, y0, x1, y1, gw, grid } = g;
  if (!grid) return (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1 && insidePolygon(x, y, poly);
  return (x, y) => {
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) return false; // NaN fails too
    const v = grid[Math.floor((y - y0) / cell) * gw + Math.floor((x - x0) / cell)];
    return v === 2 ? insidePolygon(x, y, poly) : v === 1;
  };
}

/** The polygon's bounding box and polygonTest's grid (null for a polygon too large to grid;
 *  undefined for fewer than 3 vertices). */
function polygonGrid(poly: number[], cell: number): { x0: number; y0: number; x1: number; y1: number; gw: number; grid: Uint8Array | null } | undefined {
  if (poly.length < 6) return undefined;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let k = 0; k + 1 < poly.length; k += 2) {
    x0 = Math.min(x0, poly[k]);
    x1 = Math.max(x1, poly[k]);
    y0 = Math.min(y0, poly[k + 1]);
    y1 = Math.max(y1, poly[k + 1]);
  }
  if (!(x1 - x0 < 1e5 && y1 - y0 < 1e5)) return { x0, y0, x1, y1, gw: 0, grid: null };
  const gw = Math.floor((x1 - x0) / cell) + 1, gh = Math.floor((y1 - y0) / cell) + 1;
  const grid = new Uint8Array(gw * gh); // 0 outside, 1 inside, 2 near an edge
  const n = poly.length >> 1;
  for (let a = 0; a < n; a++) {
    const b = (a + 1) % n;
    const [ax, ay, bx, by] = [poly[2 * a], poly[2 * a + 1], poly[2 * b], poly[2 * b + 1]];
    const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / (cell / 2)));
    for (let s = 0; s <= steps; s++) {
      const gx = Math.min(gw - 1, Math.max(0, Math.floor((ax + ((bx - ax) * s) / steps - x0) / cell)));
      const gy = Math.min(gh - 1, Math.max(0, Math.floor((ay + ((by - ay) * s) / steps - y0) / cell)));
      for (let v = Math.max(0, gy - 1); v <= Math.min(gh - 1, gy + 1); v++) {
        for (let u = Math.max(0, gx - 1); u <= Math.min(gw - 1, gx + 1); u++) grid[v * gw + u] = 2;
      }
    }
  }
  for (let v = 0; v < gh; v++) {
    for (let u = 0; u < gw; u++) {
      if (grid[v * gw + u] !== 2) grid[v * gw + u] = insidePolygon(x0 + (u + 0.5) * cell, y0 + (v + 0.5) * cell, poly) ? 1 : 0;
    }
  }
  return { x0, y0, x1, y1, gw, grid };
}

/** 1 for each projected point inside the polygon (and `allowed`, when given), else 0. */
export function selectPolygon(screen: Float64Array, poly: number[], allowed?: (i: number) => boolean): Uint8Array {
  const n = screen.length / 2;
  const out = new Uint8Array(n);
  const inside = polygonTest(poly);
  for (let i = 0; i < n; i++) if (inside(screen[2 * i], screen[2 * i + 1]) && (!allowed || allowed(i))) out[i] = 1;
  return out;
}

/** `combine(selected, selectPolygon(screen, poly, allowed), how)` in place, in one pass and
 *  without a fresh mask: `changed(i)` is called for each point whose selection changed; returns
 *  the range of point indices [lo, hi) that changed (lo >= hi: none). */
export function selectPolygonInto(
  screen: Float64Array, poly: number[], selected: Uint8Array, how: Combine, allowed?: (i: number) => boolean, changed?: (i: number) => void,
): [number, number] {
  const n = selected.length;
  const cell = 4;
  const g = polygonGrid(poly, cell);
  const inside = g?.grid ? undefined : polygonTest(poly, cell); // the grid's test is inlined below
  const [x0, y0, x1, y1, gw, grid] = g?.grid ? [g.x0, g.y0, g.x1, g.y1, g.gw, g.grid] : [0, 0, -1, -1, 0, new Uint8Array(0)];
  const skip = how === "add" ? 1 : how === "subtract" ? 0 : -1; // a point so selected cannot change
  let lo = n, hi = 0;
  for (let i = 0; i < n; i++) {
    const old = selected[i];
    if (old === skip) continue;
    const x = screen[2 * i], y = screen[2 * i + 1];
    let hit: boolean;
    if (inside) hit = inside(x, y);
    else if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) hit = false; // NaN fails too
    else {
      const v = grid[Math.floor((y - y0) / cell) * gw + Math.floor((x - x0) / cell)];
      hit = v === 2 ? insidePolygon(x, y, poly) : v === 1;
    }
    const fresh = hit && (!allowed || allowed(i)) ? 1 : 0;
    const next = how === "subtract" ? 1 - fresh : fresh;
    if (next === old) continue;
    selected[i] = next;
    if (i < lo) lo = i;
    hi = i + 1;
    changed?.(i);
  }
  return [lo, hi];
}

/** A brush dab in place: the points within `r` px of (cx, cy) (and `allowed`) added to or
 *  removed from `selected`; `changed` and the result as `selectPolygonInto`. */
export function brushInto(
  screen: Float64Array, cx: number, cy: number, r: number, selected: Uint8Array, how: "add" | "subtract",
  allowed?: (i: number) => boolean, changed?: (i: number) => void,
): [number, number] {
  const n = selected.length;
  const r2 = r * r;
  const want = how === "add" ? 1 : 0;
  let lo = n, hi = 0;
  for (let i = 0; i < n; i++) {
    if (selected[i] === want) continue;
    const dx = screen[2 * i] - cx, dy = screen[2 * i + 1] - cy;
    if (!(dx * dx + dy * dy <= r2) || (allowed && !allowed(i))) continue;
    selected[i] = want;
    if (i < lo) lo = i;
    hi = i + 1;
    changed?.(i);
  }
  return [lo, hi];
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
  if (indices.length >= maskBytes) return { encoding: "bitmask", buffer: bitmask(indices, maskBytes) }; // varints take a byte or more each
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
  return { encoding: "bitmask", buffer: bitmask(indices, maskBytes) };
}

function bitmask(indices: Uint32Array, bytes: number): ArrayBuffer {
  const bits = new Uint8Array(bytes);
  for (let k = 0; k < indices.length; k++) bits[indices[k] >> 3] |= 1 << (indices[k] & 7);
  return bits.buffer;
}
