import { describe, expect, it } from "vitest";
import {
  clampVertex, closesRing, deleteVertex, edgeMidpoint, holeFits, insertVertex, insidePolygon, insideRing, moveVertex,
  nearestEdge, nearestVertex, polygonArea, polygonAt, projectOnSegment, Ring, ringArea, ringBounds, translatePolygon,
} from "./polygon_edit";

const square: Ring = [[10, 10], [50, 10], [50, 40], [10, 40]];
const hole: Ring = [[20, 20], [30, 20], [30, 30], [20, 30]];

describe("polygon geometry", () => {
  it("areas by the shoelace formula, holes taken out, either winding", () => {
    expect(ringArea(square)).toBe(1200);
    expect(ringArea([...square].reverse())).toBe(1200);
    expect(polygonArea([square, hole])).toBe(1100);
    expect(polygonArea([])).toBe(0);
    expect(ringBounds(square)).toEqual({ x: 10, y: 10, w: 40, h: 30 });
  });
  it("inside: even-odd, a point in a hole is outside the polygon", () => {
    expect(insideRing({ x: 25, y: 25 }, square)).toBe(true);
    expect(insideRing({ x: 5, y: 25 }, square)).toBe(false);
    expect(insidePolygon({ x: 25, y: 25 }, [square, hole])).toBe(false);
    expect(insidePolygon({ x: 15, y: 25 }, [square, hole])).toBe(true);
    // a concave L: the notch is outside
    const l: Ring = [[0, 0], [10, 0], [10, 4], [4, 4], [4, 10], [0, 10]];
    expect(insideRing({ x: 7, y: 7 }, l)).toBe(false);
    expect(insideRing({ x: 2, y: 7 }, l)).toBe(true);
  });
  it("finds the nearest vertex and edge within a tolerance", () => {
    expect(nearestVertex([square, hole], { x: 21, y: 19 }, 3)).toEqual({ ring: 1, index: 0 });
    expect(nearestVertex([square, hole], { x: 35, y: 35 }, 3)).toBeNull();
    const e = nearestEdge([square, hole], { x: 30, y: 11.5 }, 2);
    expect(e).toEqual({ ring: 0, index: 0, point: { x: 30, y: 10 } });
    expect(nearestEdge([square], { x: 9, y: 25 }, 2)).toEqual({ ring: 0, index: 3, point: { x: 10, y: 25 } }); // the closing edge
    expect(nearestEdge([square], { x: 30, y: 25 }, 2)).toBeNull();
    expect(projectOnSegment({ x: 60, y: 0 }, [0, 0], [10, 0])).toEqual({ point: { x: 10, y: 0 }, distance: 50 });
  });
  it("inserts, moves (clamped, rounded) and deletes vertices without touching the input", () => {
    const inserted = insertVertex([square], { ring: 0, index: 0 }, edgeMidpoint([square], { ring: 0, index: 0 }));
    expect(inserted[0]).toEqual([[10, 10], [30, 10], [50, 10], [50, 40], [10, 40]]);
    expect(square.length).toBe(4);
    const moved = moveVertex(inserted, { ring: 0, index: 1 }, { x: 30.12345, y: -7 }, 80, 60);
    expect(moved[0][1]).toEqual([30.123, 0]);
    expect(clampVertex({ x: 99, y: 70 }, 80, 60)).toEqual([80, 60]);
    expect(deleteVertex(moved, { ring: 0, index: 1 })![0]).toEqual(square);
    expect(deleteVertex([[[0, 0], [5, 0], [5, 5]]], { ring: 0, index: 1 })).toBeNull(); // an outer ring keeps 3
    expect(deleteVertex([square, [[20, 20], [30, 20], [30, 30]]], { ring: 1, index: 0 })).toEqual([square]); // a hole of 3 goes
    expect(deleteVertex([square], { ring: 0, index: 9 })).toBeNull();
  });
  it("closes a ring on its first vertex once it has three; a hole must fit inside", () => {
    expect(closesRing([[0, 0], [10, 0]], { x: 0, y: 0 }, 2)).toBe(false);
    expect(closesRing([[0, 0], [10, 0], [10, 10]], { x: 1, y: 1 }, 2)).toBe(true);
    expect(closesRing([[0, 0], [10, 0], [10, 10]], { x: 5, y: 5 }, 2)).toBe(false);
    expect(holeFits(square, hole)).toBe(true);
    expect(holeFits(square, [[5, 5], [30, 20], [30, 30]])).toBe(false);
  });
  it("moves a whole polygon, holes too, the move clamped so its shape stays inside the image", () => {
    const rings = [square, hole];
    expect(translatePolygon(rings, 5, -3, 80, 60)).toEqual([
      [[15, 7], [55, 7], [55, 37], [15, 37]], [[25, 17], [35, 17], [35, 27], [25, 27]],
    ]);
    expect(rings[0]).toEqual([[10, 10], [50, 10], [50, 40], [10, 40]]); // the input untouched
    // past the right / top border: stopped there (outer x max 80, y min 0), shape kept
    expect(translatePolygon(rings, 100, -50, 80, 60)).toEqual([
      [[40, 0], [80, 0], [80, 30], [40, 30]], [[50, 10], [60, 10], [60, 20], [50, 20]],
    ]);
    // past the left / bottom border
    expect(translatePolygon([square], -11, 25, 80, 60)).toEqual([[[0, 30], [40, 30], [40, 60], [0, 60]]]);
    // fractions at the kernel's 1/1000 px
    expect(translatePolygon([[[0.5, 0.5], [2, 0.5], [2, 2]]], 0.12345, 1 / 3, 80, 60)).toEqual([[[0.623, 0.833], [2.123, 0.833], [2.123, 2.333]]]);
    // a polygon as wide as the image does not move sideways; it still moves down
    const wide: Ring = [[0, 0], [80, 0], [80, 10]];
    expect(translatePolygon([wide], 7, 4, 80, 60)).toEqual([[[0, 4], [80, 4], [80, 14]]]);
  });
  it("picks the smallest polygon under a point", () => {
    const big = { id: "big", rings: [[[0, 0], [100, 0], [100, 100], [0, 100]] as Ring] };
    const small = { id: "small", rings: [square] };
    expect(polygonAt([big, small], { x: 15, y: 15 })).toBe("small");
    expect(polygonAt([big, small], { x: 80, y: 80 })).toBe("big");
    expect(polygonAt([big, { id: "holed", rings: [square, hole] }], { x: 25, y: 25 })).toBe("big");
    expect(polygonAt([small], { x: 90, y: 90 })).toBeNull();
  });
});
