import { describe, expect, it } from "vitest";
import { dragEdge, lowerBound, MIN_SPAN, niceStep, SegmentIndex, TimeScale } from "./timeline";

describe("TimeScale", () => {
  it("maps frames to x and back, whole video in view at first", () => {
    const s = new TimeScale(100, 500);
    expect(s.frameToX(0)).toBe(0);
    expect(s.frameToX(10)).toBe(50);
    expect(s.xToFrame(52)).toBe(10);
    expect(s.xToFrame(499.9)).toBe(99);
    expect(s.xToFrame(-5)).toBe(0);
    expect(s.xToFrame(900)).toBe(99);
    expect(s.xToBoundary(52)).toBe(10);
    expect(s.xToBoundary(58)).toBe(12);
  });
  it("zooms around an anchor down to a few frames, and pans within the video", () => {
    const s = new TimeScale(1000, 500);
    s.zoom(10, 250); // frame 500 stays at x=250
    expect(s.span).toBe(100);
    expect(s.xToFrame(250)).toBe(500);
    s.zoom(1000, 250);
    expect(s.span).toBe(MIN_SPAN);
    expect(s.xToFrame(250)).toBe(500);
    expect(s.xToFrame(500 / MIN_SPAN + 1) - s.xToFrame(1)).toBe(1); // a single frame is wide
    s.zoom(1e-6);
    expect(s.span).toBe(1000);
    expect(s.start).toBe(0);
    s.zoom(10, 0);
    s.pan(-1e6);
    expect(s.start).toBe(0);
    s.pan(1e6);
    expect(s.start).toBe(900);
    s.follow(10);
    expect(s.start).toBe(0);
  });
});

describe("dragEdge", () => {
  const s = new TimeScale(100, 1000); // 10 px per frame
  it("rounds to whole frames and keeps the segment at least one frame long, inside the video", () => {
    expect(dragEdge({ start: 20, end: 30 }, "start", 154, s)).toEqual({ start: 15, end: 30 });
    expect(dragEdge({ start: 20, end: 30 }, "start", 156, s)).toEqual({ start: 16, end: 30 });
    expect(dragEdge({ start: 20, end: 30 }, "start", 900, s)).toEqual({ start: 30, end: 30 });
    expect(dragEdge({ start: 20, end: 30 }, "end", 356, s)).toEqual({ start: 20, end: 35 }); // boundary 36: frame 35 is the last
    expect(dragEdge({ start: 20, end: 30 }, "end", 0, s)).toEqual({ start: 20, end: 20 });
    expect(dragEdge({ start: 20, end: 30 }, "end", 5000, s)).toEqual({ start: 20, end: 99 });
    expect(dragEdge({ start: 20, end: 30 }, "start", -50, s)).toEqual({ start: 0, end: 30 });
  });
});

describe("SegmentIndex", () => {
  it("finds the segments meeting a range by binary search, long ones included", () => {
    expect(lowerBound([1, 3, 3, 7], 3)).toBe(1);
    expect(lowerBound([1, 3, 3, 7], 8)).toBe(4);
    const segs = [{ id: "a", start: 0, end: 1000 }, { id: "b", start: 50, end: 60 }, { id: "c", start: 70, end: 70 }, { id: "d", start: 200, end: 300 }];
    const index = new SegmentIndex(segs);
    expect(index.visible(61, 69).map((s) => s.id)).toEqual(["a"]);
    expect(index.visible(60, 70).map((s) => s.id)).toEqual(["a", "b", "c"]);
    expect(index.visible(301, 400).map((s) => s.id)).toEqual(["a"]);
    expect(index.neighbour(50, 1)?.id).toBe("c");
    expect(index.neighbour(70, -1)?.id).toBe("b");
    expect(index.neighbour(0, -1)).toBeUndefined();
  });
  it("stays fast with 10,000 segments", () => {
    const segs = Array.from({ length: 10_000 }, (_, k) => ({ id: `s${k}`, start: k * 10, end: k * 10 + 5 }));
    const index = new SegmentIndex(segs);
    const t0 = performance.now();
    let n = 0;
    for (let k = 0; k < 1000; k++) n += index.visible(k * 50, k * 50 + 200).length;
    expect(n).toBeGreaterThan(0);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(index.visible(5000, 5100).map((s) => s.id)).toEqual(["s500", "s501", "s502", "s503", "s504", "s505", "s506", "s507", "s508", "s509", "s510"]);
  });
});

describe("niceStep", () => {
  it("picks 1, 2, 5 x 10^k", () => {
    expect([0.3, 1, 1.5, 3, 7, 12, 240].map(niceStep)).toEqual([1, 1, 2, 5, 10, 20, 500]);
  });
});
