// The in-place selection (lasso / box / brush) and the grid point-in-polygon test answer exactly
// as the plain functions they replace on the hot path, including points on and next to edges.
import { describe, expect, it } from "vitest";
import { colourWriter, pointColours } from "./point_colours";
import type { FrameData } from "./point_frame";
import { brushAt, brushInto, combine, type Combine, insidePolygon, polygonTest, selectPolygon, selectPolygonInto } from "./selection";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Points spread over the polygon's area, plus its vertices, edge midpoints, points a hair off
 *  the edges, grid-cell corners and NaN. */
function probes(poly: number[], r: () => number, n = 4000): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(-20 + r() * 340, -20 + r() * 260);
  const m = poly.length / 2;
  for (let a = 0; a < m; a++) {
    const b = (a + 1) % m;
    const [ax, ay, bx, by] = [poly[2 * a], poly[2 * a + 1], poly[2 * b], poly[2 * b + 1]];
    out.push(ax, ay);
    for (let t = 0; t <= 1; t += 1 / 16) {
      const [x, y] = [ax + (bx - ax) * t, ay + (by - ay) * t];
      out.push(x, y, x + 1e-9, y, x, y - 1e-9, x - 0.01, y + 0.01, Math.round(x), Math.round(y));
    }
  }
  for (let x = 0; x < 300; x += 4) out.push(x, 100, x + 2, 102);
  out.push(NaN, NaN, NaN, 5);
  return Float64Array.from(out);
}

const polygons = (r: () => number): number[][] => {
  const out = [
    [10, 10, 290, 12, 280, 200, 150, 120, 20, 210, 5, 100], // a lasso like the benchmark's
    [0, 0, 30, 0, 30, 30, 20, 30, 20, 10, 10, 10, 10, 30, 0, 30], // a U
    [50, 50, 250, 50, 250, 50, 50, 180], // a repeated vertex
    [10, 10, 200, 200, 200, 10, 10, 200], // self-intersecting (a bow tie)
    [100.5, 100.5, 100.7, 100.5, 100.6, 100.9], // smaller than a grid cell
  ];
  for (let k = 0; k < 20; k++) out.push(Array.from({ length: 2 * (3 + Math.floor(r() * 12)) }, (_, i) => (i % 2 ? 240 : 320) * r() - 10));
  return out;
};

describe("grid point-in-polygon", () => {
  it("answers as the bounding box and insidePolygon for every probe, polygon and cell size", () => {
    const r = rng(1);
    for (const poly of polygons(r)) {
      const xs = poly.filter((_, i) => i % 2 === 0), ys = poly.filter((_, i) => i % 2 === 1);
      const box = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
      const pts = probes(poly, r);
      for (const cell of [1, 4, 7.5]) {
        const test = polygonTest(poly, cell);
        for (let i = 0; i < pts.length; i += 2) {
          const [x, y] = [pts[i], pts[i + 1]];
          const want = x >= box[0] && x <= box[2] && y >= box[1] && y <= box[3] && insidePolygon(x, y, poly);
          if (test(x, y) !== want) throw new Error(`polygon ${JSON.stringify(poly)} cell ${cell}: (${x}, ${y}) should be ${want}`);
        }
      }
    }
    expect(polygonTest([1, 2])(1, 2)).toBe(false);
  });
});

describe("in-place selection", () => {
  it("selectPolygonInto is combine(selectPolygon) and reports exactly the points that changed", () => {
    const r = rng(2);
    for (const poly of polygons(r).slice(0, 8)) {
      const screen = probes(poly, r, 2000);
      const n = screen.length / 2;
      const allowed = (i: number) => i % 7 !== 3;
      for (const how of ["replace", "add", "subtract"] as Combine[]) {
        const before = Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0));
        const want = combine(before.slice(), selectPolygon(screen, poly, allowed), how);
        const got = before.slice();
        const seen: number[] = [];
        const [lo, hi] = selectPolygonInto(screen, poly, got, how, allowed, (i) => seen.push(i));
        expect(Array.from(got)).toEqual(Array.from(want));
        const diff = Array.from(want.keys()).filter((i) => want[i] !== before[i]);
        expect(seen).toEqual(diff);
        if (diff.length) expect([lo, hi]).toEqual([diff[0], diff[diff.length - 1] + 1]);
        else expect(lo).toBeGreaterThanOrEqual(hi);
      }
    }
  });
  it("brushInto adds or removes as brushAt + combine, and reports the changed points", () => {
    const screen = Float64Array.from([0, 0, 3, 4, 6, 0, NaN, NaN, 1, 1]);
    for (const how of ["add", "subtract"] as const) {
      const before = Uint8Array.from([0, 1, 1, 1, 0]);
      const fresh = new Uint8Array(5);
      brushAt(screen, 0, 0, 5, fresh, (i) => i !== 4);
      const want = combine(before.slice(), fresh, how);
      const got = before.slice();
      const seen: number[] = [];
      const range = brushInto(screen, 0, 0, 5, got, how, (i) => i !== 4, (i) => seen.push(i));
      expect(Array.from(got)).toEqual(Array.from(want));
      expect(seen).toEqual(how === "add" ? [0] : [1]);
      expect(range).toEqual(how === "add" ? [0, 1] : [1, 2]);
    }
  });
  it("colourWriter writes the colours pointColours does, point by point", () => {
    const r = rng(3);
    const n = 50;
    const frame = {
      id: 0, n, xyz: Float32Array.from({ length: 3 * n }, () => r() * 10), labels: Int16Array.from({ length: n }, () => Math.floor(r() * 4) - 1),
      instances: new Uint16Array(n), proposal: Int16Array.from({ length: n }, () => Math.floor(r() * 4) - 1),
      intensity: Uint8Array.from({ length: n }, () => Math.floor(r() * 256)), lo: [0, 0, 0], hi: [10, 10, 10],
    } as unknown as FrameData;
    for (const mode of ["label", "height", "intensity", "disagreement"] as const) {
      const o = { mode, colours: ["#ff0000", "#00ff00", "#0000ff"], hidden: new Set([-1, 2]), selected: Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0)) };
      const want = pointColours(frame, o);
      const got = new Uint8Array(4 * n);
      const write = colourWriter(frame, o);
      for (let i = n - 1; i >= 0; i--) write(i, got);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});
