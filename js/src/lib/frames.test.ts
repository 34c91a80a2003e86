import { describe, expect, it } from "vitest";
import { FrameCache, FramePainter, framesAround, indexAtTime, Lru, MAX_REQUEST } from "./frames";

describe("indexAtTime", () => {
  const times = [0, 0.04, 0.1, 0.12, 0.2];
  it("finds the frame on screen at a time (variable frame rate)", () => {
    expect(indexAtTime(times, 0)).toBe(0);
    expect(indexAtTime(times, 0.05)).toBe(1);
    expect(indexAtTime(times, 0.1)).toBe(2);
    expect(indexAtTime(times, 0.119)).toBe(2);
    expect(indexAtTime(times, 5)).toBe(4);
    expect(indexAtTime(times, -1)).toBe(0);
    expect(indexAtTime([], 1)).toBe(0);
  });
});

describe("framesAround", () => {
  it("asks nearest first, ahead favoured, within the video, skipping what it has", () => {
    expect(framesAround(5, 2, 3, 100, () => false)).toEqual([5, 6, 4, 7, 3, 8]);
    expect(framesAround(0, 2, 2, 3, () => false)).toEqual([0, 1, 2]);
    expect(framesAround(5, 2, 3, 100, (i) => i % 2 === 0)).toEqual([5, 7, 3]);
    expect(framesAround(0, 0, 500, 1000, () => false)).toHaveLength(MAX_REQUEST);
  });
});

describe("Lru", () => {
  it("evicts the least recently used and tells", () => {
    const gone: number[] = [];
    const lru = new Lru<number, string>(2, (_v, k) => gone.push(k));
    lru.set(1, "a");
    lru.set(2, "b");
    lru.get(1);
    lru.set(3, "c");
    expect(gone).toEqual([2]);
    expect(lru.keys()).toEqual([1, 3]);
    lru.peek(1);
    lru.set(4, "d");
    expect(gone).toEqual([2, 1]);
  });
});

function fakeBitmap(n: number) {
  return { width: 4, height: 3, n, close() {} } as unknown as ImageBitmap;
}

describe("FrameCache and FramePainter", () => {
  it("requests once, decodes into the cache, and the painter reports the frame painted", async () => {
    const sent: Array<Record<string, unknown>> = [];
    const got: number[] = [];
    let t = 0;
    const cache = new FrameCache({ send: (m: unknown) => sent.push(m as Record<string, unknown>) }, {
      decode: async (buf) => fakeBitmap(new Uint8Array(buf as ArrayBuffer)[0]), onFrame: (i) => got.push(i), now: () => t,
    });
    cache.setVideo("v", 10);
    expect(cache.around(3, 1, 2)).toEqual([3, 4, 2, 5]);
    // the frame to show first, alone, so that it does not wait for its neighbours
    expect(sent[0]).toEqual({ type: "frames", item_id: "v", frames: [3] });
    expect(sent[1]).toEqual({ type: "frames", item_id: "v", frames: [4, 2, 5] });
    expect(cache.around(3, 1, 2)).toEqual([]); // on their way
    cache.receive({ type: "frames", item_id: "other", frames: [{ index: 3, buffer: 0 }] }, [new Uint8Array([9]).buffer]);
    cache.receive({ type: "frames", item_id: "v", frames: [{ index: 3, time: 0.12, buffer: 0 }] }, [new Uint8Array([3]).buffer]);
    await Promise.resolve();
    await Promise.resolve();
    expect(got).toEqual([3]);
    const canvas = document.createElement("canvas");
    const drawn: unknown[] = [];
    canvas.getContext = (() => ({ drawImage: (b: unknown) => drawn.push(b) })) as unknown as typeof canvas.getContext;
    const painter = new FramePainter(canvas, cache);
    expect(painter.paint(4)).toBe(-1); // not decoded: nothing painted
    expect(painter.paint(3)).toBe(3);
    expect(painter.paint(4)).toBe(3); // keeps showing 3, and says so
    expect(canvas.dataset.frame).toBe("3");
    t = 10_000;
    expect(cache.around(3, 1, 2)).toEqual([4, 2, 5]); // unanswered for long: asked again
    cache.setVideo("w", 5);
    expect(cache.has(3)).toBe(false);
    cache.setVideo("hd", 100, 1920, 1080);
    expect(cache.capacity).toBe(64); // 512 MB of 8 MB frames
    cache.setVideo("4k", 100, 7680, 4320);
    expect(cache.capacity).toBe(16);
    expect(painter.paint(3)).toBe(-1);
  });
});
