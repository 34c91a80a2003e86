import { describe, expect, it } from "vitest";
import { arrowDelta, handleAt, handleCursor, handlePoints, nudgeRect } from "./box_edit";

describe("box editing", () => {
  const b = { x: 10, y: 20, w: 30, h: 10 };
  it("finds the handle under a point within the tolerance, else -1", () => {
    expect(handlePoints(b)[2]).toEqual({ x: 40, y: 30 });
    expect(handleAt(b, { x: 41, y: 29 }, 2)).toBe(2); // bottom-right corner
    expect(handleAt(b, { x: 25, y: 21 }, 2)).toBe(4); // top edge's middle
    expect(handleAt(b, { x: 9, y: 25 }, 2)).toBe(7); // left edge's middle
    expect(handleAt(b, { x: 25, y: 25 }, 2)).toBe(-1); // inside, far from every handle
    expect(handleAt(b, { x: 44, y: 30 }, 2)).toBe(-1);
    expect(handleCursor(0)).toBe("nwse-resize");
    expect(handleCursor(5)).toBe("ew-resize");
    expect(handleCursor(-1)).toBe("move");
  });
  it("nudges by arrows: moves inside the image, or resizes from the right / bottom edge", () => {
    expect(arrowDelta("ArrowLeft")).toEqual([-1, 0]);
    expect(arrowDelta("ArrowDown")).toEqual([0, 1]);
    expect(nudgeRect(b, 1, 0, 10, false, 100, 50)).toEqual({ x: 20, y: 20, w: 30, h: 10 });
    expect(nudgeRect(b, 0, 1, 10, false, 100, 35)).toEqual({ x: 10, y: 25, w: 30, h: 10 }); // stopped by the bottom
    expect(nudgeRect(b, -1, 0, 1, true, 100, 50)).toEqual({ x: 10, y: 20, w: 29, h: 10 });
    expect(nudgeRect(b, 0, -1, 20, true, 100, 50)).toEqual({ x: 10, y: 20, w: 30, h: 1 }); // at least 1 px
    expect(nudgeRect(b, 1, 0, 100, true, 50, 50)).toEqual({ x: 10, y: 20, w: 40, h: 10 }); // clamped to the image
  });
});
