import { describe, expect, it } from "vitest";
import { fillColumns, gridMove, nextOpen } from "./grid";

describe("gridMove", () => {
  // 7 cells in rows of 3:  0 1 2 / 3 4 5 / 6
  it("moves within a row and stops at its edges", () => {
    expect(gridMove(1, 7, 3, "ArrowRight")).toBe(2);
    expect(gridMove(2, 7, 3, "ArrowRight")).toBe(2);
    expect(gridMove(3, 7, 3, "ArrowLeft")).toBe(3);
    expect(gridMove(4, 7, 3, "ArrowLeft")).toBe(3);
    expect(gridMove(6, 7, 3, "ArrowRight")).toBe(6);
  });
  it("with wrap, → at a row's end goes to the next row's first cell and ← back; the grid's ends stay", () => {
    expect(gridMove(2, 7, 3, "ArrowRight", true)).toBe(3);
    expect(gridMove(5, 7, 3, "ArrowRight", true)).toBe(6);
    expect(gridMove(3, 7, 3, "ArrowLeft", true)).toBe(2);
    expect(gridMove(1, 7, 3, "ArrowRight", true)).toBe(2);
    expect(gridMove(6, 7, 3, "ArrowRight", true)).toBe(6);
    expect(gridMove(0, 7, 3, "ArrowLeft", true)).toBe(0);
    expect(gridMove(1, 7, 3, "ArrowDown", true)).toBe(4); // up / down are the same either way
  });
  it("moves between rows only onto existing cells", () => {
    expect(gridMove(1, 7, 3, "ArrowDown")).toBe(4);
    expect(gridMove(4, 7, 3, "ArrowDown")).toBe(4);
    expect(gridMove(3, 7, 3, "ArrowDown")).toBe(6);
    expect(gridMove(6, 7, 3, "ArrowUp")).toBe(3);
    expect(gridMove(0, 7, 3, "ArrowUp")).toBe(0);
  });
  it("Home / End and out-of-range input", () => {
    expect(gridMove(4, 7, 3, "End")).toBe(6);
    expect(gridMove(4, 7, 3, "Home")).toBe(0);
    expect(gridMove(99, 7, 3, "x")).toBe(6);
    expect(gridMove(0, 0, 3, "ArrowRight")).toBe(0);
  });
});

describe("nextOpen", () => {
  it("skips cells that are done, else steps by one", () => {
    const done = new Set([1, 2]);
    expect(nextOpen(0, 5, (i) => !done.has(i))).toBe(3);
    expect(nextOpen(3, 5, () => false)).toBe(4);
    expect(nextOpen(4, 5, () => false)).toBe(4);
  });
});

describe("fillColumns", () => {
  it("shares the width in equal columns, capped at 2.5 x the thumbnail per tile", () => {
    const el = document.createElement("div");
    fillColumns(el, 5, 120);
    expect(el.style.gridTemplateColumns).toBe("repeat(5, minmax(0, 1fr))");
    expect(el.style.maxWidth).toBe(`${5 * (300 + 16) + 4 * 8}px`);
    fillColumns(el, 0, 64);
    expect(el.style.gridTemplateColumns).toBe("repeat(1, minmax(0, 1fr))");
  });
});
