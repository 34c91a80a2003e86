import { describe, expect, it } from "vitest";
import { depthColour, imageBox, pointsInBox } from "./fusion/image_view";
import { VERDICTS } from "./fusion";

describe("fusion image view", () => {
  it("selects the points whose pixel is inside the box, edges included, never NaN", () => {
    const uv = new Float32Array([10, 10, 20, 20, NaN, NaN, 30.5, 10, 20, 5]);
    expect(Array.from(pointsInBox(uv, [10, 10, 20, 20]))).toEqual([1, 1, 0, 0, 0]);
    expect(Array.from(pointsInBox(uv, [0, 0, 100, 100]))).toEqual([1, 1, 0, 1, 1]);
  });

  it("turns a drag in CSS px into an image box", () => {
    expect(imageBox(40, 30, 10, 60, 2)).toEqual([5, 15, 20, 30]);
  });

  it("colours near points red and far ones blue", () => {
    expect(depthColour(0)).toEqual([255, 0, 0]);
    expect(depthColour(1000)).toEqual([0, 0, 255]);
  });

  it("has one key per verdict", () => {
    expect(new Set(VERDICTS.map((v) => v[1])).size).toBe(4);
  });
});
