import { describe, expect, it } from "vitest";
import { canvasPoint, centredBox, clampBox, nudgeBox } from "./boxes";

describe("boxes", () => {
  it("clampBox orders corners and keeps the box inside", () => {
    expect(clampBox([50, 40, 10, 5], 64, 48)).toEqual([10, 5, 50, 40]);
    expect(clampBox([-5, -5, 100, 100], 64, 48)).toEqual([0, 0, 64, 48]);
    expect(clampBox([10, 10, 10, 10], 64, 48)).toEqual([10, 10, 11, 11]);
  });
  it("centredBox is a quarter of each side", () => {
    expect(centredBox(64, 32)).toEqual([24, 12, 40, 20]);
  });
  it("nudgeBox moves without leaving the image, resizes with the flag", () => {
    expect(nudgeBox([10, 10, 20, 20], "ArrowRight", false, 5, 64, 64)).toEqual([15, 10, 25, 20]);
    expect(nudgeBox([60, 10, 64, 20], "ArrowRight", false, 5, 64, 64)).toEqual([60, 10, 64, 20]);
    expect(nudgeBox([2, 10, 12, 20], "ArrowLeft", false, 5, 64, 64)).toEqual([0, 10, 10, 20]);
    expect(nudgeBox([10, 10, 20, 20], "ArrowDown", true, 5, 64, 64)).toEqual([10, 10, 20, 25]);
    expect(nudgeBox([10, 10, 12, 20], "ArrowLeft", true, 5, 64, 64)).toEqual([10, 10, 11, 20]);
  });
  it("canvasPoint maps client coordinates into image pixels", () => {
    const canvas = { getBoundingClientRect: () => ({ left: 100, top: 50, width: 200, height: 100 }) } as unknown as HTMLCanvasElement;
    expect(canvasPoint({ clientX: 200, clientY: 75 }, canvas, 64, 32)).toEqual([32, 8]);
    expect(canvasPoint({ clientX: 0, clientY: 500 }, canvas, 64, 32)).toEqual([0, 32]);
  });
});
