import { describe, expect, it } from "vitest";
import { lookAt, multiply, OrbitCamera, perspective } from "./camera3d";
import { boxPolygon, brushAt, combine, encodeIndices, indicesOf, insidePolygon, projectPoints, selectPolygon } from "./selection";

const identity = () => Float64Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

describe("projection", () => {
  it("maps clip space to CSS pixels with y down, and drops points outside near / far", () => {
    const xyz = Float32Array.from([0, 0, 0, -1, 1, 0, 1, -1, 0, 0, 0, 2]);
    const s = projectPoints(xyz, identity(), 200, 100);
    expect(Array.from(s.slice(0, 6))).toEqual([100, 50, 0, 0, 200, 100]);
    expect(Number.isNaN(s[6])).toBe(true); // z = 2 > w = 1: beyond the far plane
  });
  it("a perspective camera puts the target at the centre and a point behind the eye nowhere", () => {
    const vp = multiply(perspective(Math.PI / 2, 2, 0.1, 100), lookAt([0, -10, 0], [0, 0, 0], [0, 0, 1]));
    const s = projectPoints(Float32Array.from([0, 0, 0, 0, -20, 0, 5, 0, 0]), vp, 400, 200);
    expect(s[0]).toBeCloseTo(200);
    expect(s[1]).toBeCloseTo(100);
    expect(Number.isNaN(s[2])).toBe(true);
    // 5 m right at 10 m with a 90° vertical fov and aspect 2: tan = 0.5 / 2 of the half-width
    expect(s[4]).toBeCloseTo(200 + 0.25 * 200);
  });
  it("the orbit camera's views keep z up and the target centred", () => {
    const cam = new OrbitCamera();
    cam.fit([-1, -1, -1], [1, 1, 1], "top");
    const s = projectPoints(Float32Array.from([0, 0, 0, 0, 0.5, 0]), cam.viewProjection(1), 100, 100);
    expect(s[0]).toBeCloseTo(50);
    expect(s[1]).toBeCloseTo(50);
    expect(s[3]).toBeLessThan(50); // +y is up on screen from the top view
    cam.orbit(30, 10);
    cam.pan(10, 0, 100);
    cam.zoom(0.5);
    expect(cam.target[0]).not.toBe(0);
  });
});

describe("selection", () => {
  const square = [10, 10, 30, 10, 30, 30, 10, 30];
  it("point in polygon: inside, outside, concave", () => {
    expect(insidePolygon(20, 20, square)).toBe(true);
    expect(insidePolygon(40, 20, square)).toBe(false);
    const u = [0, 0, 30, 0, 30, 30, 20, 30, 20, 10, 10, 10, 10, 30, 0, 30]; // a U
    expect(insidePolygon(15, 20, u)).toBe(false);
    expect(insidePolygon(5, 20, u)).toBe(true);
  });
  it("lasso and box select the projected points inside, NaN never, the filter honoured", () => {
    const screen = Float64Array.from([20, 20, 5, 5, NaN, NaN, 29, 11, 25, 25]);
    expect(Array.from(selectPolygon(screen, square))).toEqual([1, 0, 0, 1, 1]);
    expect(Array.from(selectPolygon(screen, square, (i) => i !== 4))).toEqual([1, 0, 0, 1, 0]);
    expect(Array.from(selectPolygon(screen, boxPolygon(30, 30, 15, 15)))).toEqual([1, 0, 0, 0, 1]);
    expect(Array.from(selectPolygon(screen, [1, 2]))).toEqual([0, 0, 0, 0, 0]);
  });
  it("brush adds the points within the radius; add / subtract / replace combine", () => {
    const screen = Float64Array.from([0, 0, 3, 4, 6, 0]);
    const into = new Uint8Array(3);
    expect(brushAt(screen, 0, 0, 5, into)).toBe(2);
    expect(Array.from(into)).toEqual([1, 1, 0]);
    expect(Array.from(combine(Uint8Array.from([1, 0, 1]), Uint8Array.from([0, 1, 1]), "add"))).toEqual([1, 1, 1]);
    expect(Array.from(combine(Uint8Array.from([1, 0, 1]), Uint8Array.from([0, 1, 1]), "subtract"))).toEqual([1, 0, 0]);
    expect(Array.from(combine(Uint8Array.from([1, 0, 1]), Uint8Array.from([0, 1, 1]), "replace"))).toEqual([0, 1, 1]);
    expect(Array.from(indicesOf(Uint8Array.from([0, 1, 1, 1]), (i) => i !== 2))).toEqual([1, 3]);
  });
  it("indices go as the smaller of a bitmask and varint (LEB128) deltas", () => {
    const few = encodeIndices(Uint32Array.from([3, 1000, 1001, 300000]), 1_000_000);
    expect(few.encoding).toBe("varint");
    // 3; gap 997 = 7 * 128 + 101 -> 0xe5 0x07; gap 1; gap 298999 = (18 * 128 + 31) * 128 + 119 -> 3 bytes
    expect(Array.from(new Uint8Array(few.buffer))).toEqual([3, 0xe5, 0x07, 1, 0xf7, 0x9f, 0x12]);
    const many = encodeIndices(Uint32Array.from([0, 1, 2, 9]), 10);
    expect(many.encoding).toBe("bitmask");
    expect(Array.from(new Uint8Array(many.buffer))).toEqual([0b111, 0b10]);
    const dense = encodeIndices(Uint32Array.from({ length: 5000 }, (_, i) => 2 * i), 10_000);
    expect(dense.encoding).toBe("bitmask"); // 1250 bytes < 5000
    expect(encodeIndices(new Uint32Array(0), 100).buffer.byteLength).toBe(0);
  });
});
