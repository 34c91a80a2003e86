// Polygons with holes, in image pixels: a polygon is a list of rings (the outer ring first, then its
// holes), a ring a list of [x, y] vertices, as PolygonAnnotator stores them
// (hitl_widgets/widgets/polygons.py). Hit-testing (inside, nearest vertex, nearest edge) and the
// edits made after a ring is closed (move / insert / delete a vertex, nudge; move the whole polygon),
// kept inside the image.
import type { Point, Rect } from "./viewport";

export type Vertex = [number, number];
export type Ring = Vertex[];

/** A vertex of a polygon: ring `ring` (0 = outer), vertex `index`. */
export interface VertexRef {
  ring: number;
  index: number;
}

/** Kernel precision (1/1000 px): what the kernel stores, so the view's copy equals its answer. */
export const roundCoord = (v: number): number => Math.round(v * 1000) / 1000;

/** `p` clamped to the image [0, width] x [0, height] and rounded to the kernel's precision. */
export function clampVertex(p: Point, width: number, height: number): Vertex {
  return [roundCoord(Math.min(width, Math.max(0, p.x))), roundCoord(Math.min(height, Math.max(0, p.y)))];
}

/** Area enclosed by a ring (shoelace), >= 0. */
export function ringArea(ring: Ring): number {
  let s = 0;
  for (let k = 0; k < ring.length; k++) {
    const [x0, y0] = ring[k];
    const [x1, y1] = ring[(k + 1) % ring.length];
    s += x0 * y1 - x1 * y0;
  }
  return Math.abs(s) / 2;
}

/** Area of a polygon: its outer ring's minus its holes'. */
export function polygonArea(rings: Ring[]): number {
  if (!rings.length) return 0;
  return Math.max(0, rings.slice(1).reduce((a, r) => a - ringArea(r), ringArea(rings[0])));
}

/** Whether `p` is inside `ring` (even-odd rule, as the kernel and COCO fill). */
export function insideRing(p: Point, ring: Ring): boolean {
  let inside = false;
  for (let k = 0, j = ring.length - 1; k < ring.length; j = k++) {
    const [xk, yk] = ring[k];
    const [xj, yj] = ring[j];
    if (yk > p.y !== yj > p.y && p.x < ((xj - xk) * (p.y - yk)) / (yj - yk) + xk) inside = !inside;
  }
  return inside;
}

/** Whether `p` is inside the polygon: inside its outer ring and inside none of its holes. */
export function insidePolygon(p: Point, rings: Ring[]): boolean {
  return rings.length > 0 && insideRing(p, rings[0]) && !rings.slice(1).some((h) => insideRing(p, h));
}

/** The tight box around the outer ring. */
export function ringBounds(ring: Ring): Rect {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of ring) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return ring.length ? { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } : { x: 0, y: 0, w: 0, h: 0 };
}

/** The vertex nearest `p` within `tolerance` (same units), or null. */
export function nearestVertex(rings: Ring[], p: Point, tolerance: number): VertexRef | null {
  let best: (VertexRef & { d: number }) | null = null;
  rings.forEach((ring, r) => ring.forEach(([x, y], index) => {
    const d = Math.hypot(x - p.x, y - p.y);
    if (d <= tolerance && (!best || d < best.d)) best = { ring: r, index, d };
  }));
  const found = best as (VertexRef & { d: number }) | null;
  return found ? { ring: found.ring, index: found.index } : null;
}

/** The closest point to `p` on the segment a–b, and its distance. */
export function projectOnSegment(p: Point, a: Vertex, b: Vertex): { point: Point; distance: number } {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a[0]) * dx + (p.y - a[1]) * dy) / len2));
  const point = { x: a[0] + t * dx, y: a[1] + t * dy };
  return { point, distance: Math.hypot(point.x - p.x, point.y - p.y) };
}

/** The edge nearest `p` within `tolerance`: ring `ring`, from vertex `index` to the next, and the
 *  point on it nearest `p`; or null. */
export function nearestEdge(rings: Ring[], p: Point, tolerance: number): (VertexRef & { point: Point }) | null {
  let best: (VertexRef & { point: Point; d: number }) | null = null;
  rings.forEach((ring, r) => {
    for (let k = 0; k < ring.length; k++) {
      const { point, distance } = projectOnSegment(p, ring[k], ring[(k + 1) % ring.length]);
      if (distance <= tolerance && (!best || distance < best.d)) best = { ring: r, index: k, point, d: distance };
    }
  });
  const found = best as (VertexRef & { point: Point; d: number }) | null;
  return found ? { ring: found.ring, index: found.index, point: found.point } : null;
}

const copy = (rings: Ring[]): Ring[] => rings.map((r) => r.map(([x, y]) => [x, y] as Vertex));

/** The rings with a vertex `v` inserted after vertex `at.index` of ring `at.ring` (on its edge to the next). */
export function insertVertex(rings: Ring[], at: VertexRef, v: Vertex): Ring[] {
  const out = copy(rings);
  out[at.ring].splice(at.index + 1, 0, v);
  return out;
}

/** The rings with vertex `at` removed; a ring keeps at least 3 vertices: the outer ring's last
 *  three cannot be deleted (null), a hole of three goes as a whole. */
export function deleteVertex(rings: Ring[], at: VertexRef): Ring[] | null {
  const ring = rings[at.ring];
  if (!ring || at.index < 0 || at.index >= ring.length) return null;
  const out = copy(rings);
  if (ring.length <= 3) {
    if (at.ring === 0) return null;
    out.splice(at.ring, 1);
    return out;
  }
  out[at.ring].splice(at.index, 1);
  return out;
}

/** The rings with vertex `at` moved to `p` (clamped to the image). */
export function moveVertex(rings: Ring[], at: VertexRef, p: Point, width: number, height: number): Ring[] {
  const out = copy(rings);
  out[at.ring][at.index] = clampVertex(p, width, height);
  return out;
}

/** The rings moved as a whole by (dx, dy) image pixels, the move clamped so that the outer ring's
 *  extent stays inside the image [0, width] x [0, height] (the shape is kept, as a box's move;
 *  holes lie inside the outer ring, so they stay in too); vertices at the kernel's precision. */
export function translatePolygon(rings: Ring[], dx: number, dy: number, width: number, height: number): Ring[] {
  const b = ringBounds(rings[0] ?? []);
  const tx = Math.min(Math.max(dx, -b.x), Math.max(0, width - (b.x + b.w)));
  const ty = Math.min(Math.max(dy, -b.y), Math.max(0, height - (b.y + b.h)));
  return rings.map((r) => r.map(([x, y]) => [roundCoord(x + tx), roundCoord(y + ty)] as Vertex));
}

/** The midpoint of the edge from vertex `at` to the next one of its ring. */
export function edgeMidpoint(rings: Ring[], at: VertexRef): Vertex {
  const ring = rings[at.ring];
  const a = ring[at.index];
  const b = ring[(at.index + 1) % ring.length];
  return [roundCoord((a[0] + b[0]) / 2), roundCoord((a[1] + b[1]) / 2)];
}

/** Whether a ring drawn so far (`points`) would close on a click at `p`: at least 3 vertices and
 *  `p` within `tolerance` of the first. */
export function closesRing(points: Ring, p: Point, tolerance: number): boolean {
  return points.length >= 3 && Math.hypot(points[0][0] - p.x, points[0][1] - p.y) <= tolerance;
}

/** Whether `ring` may be a hole of the polygon whose outer ring is `outer`: every vertex inside it
 *  (the kernel's rule; a vertex on the boundary the kernel also takes). */
export function holeFits(outer: Ring, ring: Ring): boolean {
  return ring.every(([x, y]) => insideRing({ x, y }, outer));
}

/** The id of the smallest (by area) polygon containing `p`, or null. */
export function polygonAt<T extends { id: string; rings: Ring[] }>(polygons: T[], p: Point): string | null {
  let best: { id: string; area: number } | null = null;
  for (const g of polygons) {
    if (!insidePolygon(p, g.rings)) continue;
    const area = polygonArea(g.rings);
    if (!best || area < best.area) best = { id: g.id, area };
  }
  return best ? best.id : null;
}
