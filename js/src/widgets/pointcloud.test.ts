import { describe, expect, it } from "vitest";
import { pointColours } from "./pointcloud/colours";
import { editable } from "./pointcloud/edits";
import { decodeFrame, dequantise, robustBounds } from "./pointcloud/frame";

function frameMessage() {
  const xyz = new Uint8Array(new Uint16Array([0, 0, 0, 65535, 65535, 65535]).buffer);
  return {
    info: { id: 0, kind: "points", n: 2, offset: [1, 2, 3], scale: [0.5, 1, 2], label_dtype: "u1" as const, xyz_buffer: 0, labels_buffer: 1, proposal_buffer: 2 },
    buffers: [new DataView(xyz.buffer), new DataView(Uint8Array.from([0, 2]).buffer), new DataView(Uint8Array.from([1, 1]).buffer)],
  };
}

describe("point frames", () => {
  it("dequantise in float64 and store float32, as the kernel's view_positions", () => {
    const out = dequantise(Uint16Array.from([3, 7, 65535]), [0.1, -5, 2], [0.001, 0.0003, 1e-4]);
    expect(out[0]).toBe(Math.fround(0.1 + 3 * 0.001));
    expect(out[2]).toBe(Math.fround(2 + 65535 * 1e-4));
  });
  it("decode a frame: positions, labels - 1, proposals, bounds", () => {
    const { info, buffers } = frameMessage();
    const f = decodeFrame(info, buffers);
    expect(Array.from(f.xyz)).toEqual([1, 2, 3, Math.fround(1 + 65535 * 0.5), 2 + 65535, 3 + 65535 * 2]);
    expect(Array.from(f.labels)).toEqual([-1, 1]);
    expect(Array.from(f.proposal ?? [])).toEqual([0, 0]);
    expect(f.lo).toEqual([1, 2, 3]);
  });
  it("robust bounds ignore a few far points", () => {
    const xyz = new Float32Array(300);
    for (let i = 0; i < 100; i++) xyz.set([i / 100, i / 100, 0], 3 * i);
    xyz.set([1000, 1000, 1000], 297);
    const [lo, hi] = robustBounds(xyz);
    expect(hi[0]).toBeLessThan(1);
    expect(lo[0]).toBeGreaterThanOrEqual(0);
  });
  it("colours by label, hides hidden classes, shows disagreement; editable honours protection", () => {
    const { info, buffers } = frameMessage();
    const f = decodeFrame(info, buffers);
    const rgba = pointColours(f, { mode: "label", colours: ["#ff0000", "#00ff00"], hidden: new Set([1]), selected: new Uint8Array(2) });
    expect(Array.from(rgba)).toEqual([150, 150, 150, 255, 0, 255, 0, 0]);
    const dis = pointColours(f, { mode: "disagreement", colours: ["#ff0000", "#00ff00"], hidden: new Set(), selected: new Uint8Array(2) });
    expect(Array.from(dis.slice(4, 8))).toEqual([255, 0, 200, 255]); // labelled 1, proposed 0
    const ok = editable(f, { onlyUnlabelled: () => true, onlyVisible: () => true, hidden: () => new Set([-1]) });
    expect([ok(0), ok(1)]).toEqual([false, false]);
    const ok2 = editable(f, { onlyUnlabelled: () => false, onlyVisible: () => false, hidden: () => new Set() });
    expect([ok2(0), ok2(1)]).toEqual([true, true]);
  });
});
