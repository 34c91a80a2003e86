import { describe, expect, it } from "vitest";
import { applyRuns, clearBox, decodeLabelRuns, emptyBox, maskRuns, polygonRuns, stampDisc, stampLine } from "./runs";

describe("runs", () => {
  it("a disc covers the pixels whose centres are within the radius", () => {
    const w = 9, h = 9;
    const m = new Uint8Array(w * h);
    const box = emptyBox();
    stampDisc(m, w, h, 4.5, 4.5, 2, box);
    const rows = [...Array(h)].map((_, y) => [...m.slice(y * w, y * w + w)].join(""));
    expect(rows).toEqual([
      // centres at distance <= 2 from (4.5, 4.5): rows 2 and 6 touch it at one pixel
      "000000000", "000000000", "000010000", "000111000", "001111100", "000111000", "000010000", "000000000", "000000000",
    ]);
    expect(box).toEqual({ x0: 2, y0: 2, x1: 7, y1: 7 });
  });

  it("a stroke becomes row runs (y, x0, length), a few bytes, and the buffer is cleared after", () => {
    const w = 1920, h = 1080;
    const m = new Uint8Array(w * h);
    const box = emptyBox();
    stampLine(m, w, h, 100, 100, 700, 400, 10, box);
    const runs = maskRuns(m, w, box);
    expect(runs.length % 3).toBe(0);
    let painted = 0;
    for (let i = 0; i < runs.length; i += 3) painted += runs[i + 2];
    expect(painted).toBe(m.reduce((a, b) => a + b, 0));
    expect(runs.byteLength).toBeLessThan(8000); // vs 2 MB for the 1080p mask
    clearBox(m, w, box);
    expect(m.some((v) => v)).toBe(false);
  });

  it("polygonRuns uses the pixel-centre rule; applyRuns and decodeLabelRuns fill a label map", () => {
    const runs = polygonRuns([0, 0, 3, 0, 3, 2, 0, 2], 4, 3);
    expect([...runs]).toEqual([0, 0, 3, 1, 0, 3]);
    const tri = polygonRuns([0.5, 0.5, 4.5, 0.5, 0.5, 4.5], 6, 6);
    expect([...tri]).toEqual([0, 0, 4, 1, 0, 3, 2, 0, 2, 3, 0, 1]);
    expect(polygonRuns([0, 0, 1, 1], 4, 4).length).toBe(0);
    const labels = new Uint16Array(12);
    expect(applyRuns(labels, 4, runs, 7)).toEqual({ x0: 0, y0: 0, x1: 3, y1: 2 });
    expect([...labels]).toEqual([7, 7, 7, 0, 7, 7, 7, 0, 0, 0, 0, 0]);
    const back = new Uint16Array(12);
    decodeLabelRuns(new Uint8Array(Uint32Array.from([7, 3, 0, 1, 7, 3, 0, 5]).buffer), back);
    expect([...back]).toEqual([...labels]);
  });
});
