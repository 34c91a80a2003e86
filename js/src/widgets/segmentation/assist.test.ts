import { describe, expect, it } from "vitest";
import { clickAt, clicksText, decodeSuperpixels, groupLabels, runsArea, touchSuperpixels, uint32s } from "./assist";
import { emptyBox } from "../../lib/runs";

describe("click-to-segment helpers", () => {
  it("a click is rounded down to its pixel; one off the image is none", () => {
    expect(clickAt(3.9, 0.2, 10, 5, true)).toEqual({ x: 3, y: 0, positive: true });
    expect(clickAt(9.99, 4.99, 10, 5, false)).toEqual({ x: 9, y: 4, positive: false });
    expect(clickAt(10, 1, 10, 5, true)).toBeNull();
    expect(clickAt(-0.1, 1, 10, 5, true)).toBeNull();
    expect(clickAt(NaN, 1, 10, 5, true)).toBeNull();
  });

  it("runs, their area, the clicks' summary", () => {
    const bytes = new Uint8Array(new Uint32Array([1, 2, 3, 4, 0, 5]).buffer);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    const runs = uint32s(shifted.subarray(1)); // an unaligned buffer is copied
    expect([...runs]).toEqual([1, 2, 3, 4, 0, 5]);
    expect(runsArea(runs)).toBe(8);
    expect(clicksText([{ x: 0, y: 0, positive: true }, { x: 1, y: 1, positive: false }])).toBe("2 clicks (+1 −1)");
    expect(clicksText([{ x: 0, y: 0, positive: true }])).toBe("1 click (+1 −0)");
  });
});

describe("superpixel map", () => {
  // 4 x 3 image, labels:
  // 0 0 1 1
  // 0 2 2 1
  // 2 2 2 1
  const labels = new Uint32Array([0, 0, 1, 1, 0, 2, 2, 1, 2, 2, 2, 1]);

  it("groups pixels by label", () => {
    const sp = groupLabels(labels, 4, 3, 3);
    const of = (k: number) => [...sp.pixels.slice(sp.starts[k], sp.starts[k + 1])];
    expect(of(0)).toEqual([0, 1, 4]);
    expect(of(1)).toEqual([2, 3, 7, 11]);
    expect(of(2)).toEqual([5, 6, 8, 9, 10]);
  });

  it("decodes the kernel's (value, length) runs and refuses misshapen ones", () => {
    const runs = new Uint32Array([0, 2, 1, 2, 0, 1, 2, 2, 1, 1, 2, 3, 1, 1]);
    const sp = decodeSuperpixels(new Uint8Array(runs.buffer), 4, 3, 3);
    expect(sp && [...sp.labels]).toEqual([...labels]);
    expect(decodeSuperpixels(new Uint8Array(runs.buffer), 4, 3, 2)).toBeNull(); // label 2 >= count
    expect(decodeSuperpixels(new Uint8Array(runs.buffer.slice(0, 8 * 6)), 4, 3, 3)).toBeNull(); // short
    expect(decodeSuperpixels(new Uint8Array(new Uint32Array([0, 13]).buffer), 4, 3, 1)).toBeNull(); // long
  });

  it("a stroke grows to the whole superpixels it touches, once each", () => {
    const sp = groupLabels(labels, 4, 3, 3);
    const mask = new Uint8Array(12);
    mask[5] = 1; // the brush touched pixel (1, 1): superpixel 2
    const box = { x0: 1, y0: 1, x1: 2, y1: 2 };
    const grown = { ...box };
    const touched = new Set<number>();
    expect(touchSuperpixels(sp, mask, box, touched, grown)).toEqual([2]);
    expect([...mask]).toEqual([0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 0]);
    expect(grown).toEqual({ x0: 0, y0: 1, x1: 3, y1: 3 });
    expect(touchSuperpixels(sp, mask, { x0: 0, y0: 0, x1: 4, y1: 3 }, touched, emptyBox())).toEqual([]);
    mask[0] = 1;
    expect(touchSuperpixels(sp, mask, { x0: 0, y0: 0, x1: 1, y1: 1 }, touched, emptyBox())).toEqual([0]);
    expect([...mask]).toEqual([1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0]);
  });
});
