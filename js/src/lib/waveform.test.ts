import { describe, expect, it } from "vitest";
import { TimeScale } from "./timeline";
import { bucketFor, CHUNK, chooseBucket, chunksFor, PeakCache, tickStep } from "./waveform";

function reply(bucket: number, start: number, pairs: number[][]) {
  const values = new Float32Array(pairs.flat());
  return [{ type: "peaks" as const, item_id: 7, bucket, start, count: pairs.length }, values.buffer] as const;
}

describe("zoom level and chunks", () => {
  it("chooses the largest power of two no wider than a pixel", () => {
    expect(chooseBucket(0.3)).toBe(1);
    expect(chooseBucket(1.9)).toBe(1);
    expect(chooseBucket(300)).toBe(256);
    expect(chooseBucket(512)).toBe(512);
    expect(chooseBucket(1e12)).toBe(1 << 20);
    const scale = new TimeScale(16000 * 60, 1000);
    expect(bucketFor(scale)).toBe(512); // 960 samples a pixel
  });
  it("lists the chunks covering a sample range, inside the recording", () => {
    expect(chunksFor(1, 0, 10, 100)).toEqual([0]);
    expect(chunksFor(16, 0, 16 * CHUNK + 1, 10 ** 6)).toEqual([0, 1]);
    expect(chunksFor(16, 16 * CHUNK * 3, 10 ** 9, 16 * CHUNK * 4)).toEqual([3]);
    expect(chunksFor(16, 0, 10, 0)).toEqual([]);
  });
  it("ticks at 1/2/5 steps of at least a millisecond", () => {
    expect(tickStep(0.13)).toBe(0.2);
    expect(tickStep(3)).toBe(5);
    expect(tickStep(0.00001)).toBe(0.001);
  });
});

describe("PeakCache", () => {
  it("asks for missing chunks once, and not for another recording's replies", () => {
    const sent: Record<string, unknown>[] = [];
    const cache = new PeakCache((m) => sent.push(m));
    cache.setItem(7, 4 * CHUNK * 2);
    expect(cache.ensure(4, 0, 4 * CHUNK * 2, 1000)).toEqual([0, 1]);
    expect(cache.ensure(4, 0, 100, 2000)).toEqual([]); // on its way
    expect(sent).toEqual([
      { type: "peaks", item_id: 7, bucket: 4, start: 0, count: CHUNK },
      { type: "peaks", item_id: 7, bucket: 4, start: CHUNK, count: CHUNK },
    ]);
    expect(cache.ensure(4, 0, 100, 1000 + 6000)).toEqual([0]); // unanswered: asked again
    const [msg, buf] = reply(4, 0, [[-0.5, 0.25]]);
    expect(cache.receive({ ...msg, item_id: 8 }, buf)).toBe(false);
    expect(cache.receive({ ...msg, count: 2 }, buf)).toBe(false); // misshapen
  });
  it("reduces min/max over the columns and falls back to a coarser level", () => {
    const cache = new PeakCache(() => {});
    cache.setItem(7, 64);
    const [m4, b4] = reply(4, 0, [[-0.1, 0.2], [-0.3, 0.1], [0, 0.9], [-0.2, 0.2]]);
    expect(cache.receive(m4, b4)).toBe(true);
    const col = cache.column(4, 0, 8)!;
    expect(col[0]).toBeCloseTo(-0.3);
    expect(col[1]).toBeCloseTo(0.2);
    expect(cache.column(4, 60, 64)).toBeNull(); // bucket 15 not held
    const [m16, b16] = reply(16, 0, [[-1, 1], [-0.5, 0.5], [-0.25, 0.25], [-0.1, 0.1]]);
    cache.receive(m16, b16);
    expect(cache.column(4, 60, 64)).toEqual([-0.10000000149011612, 0.10000000149011612]);
    expect(cache.column(2, 0, 4)).toEqual(cache.column(4, 0, 4)); // finer not held: the 4s
  });
  it("forgets the peaks of the previous recording", () => {
    const cache = new PeakCache(() => {});
    cache.setItem(7, 64);
    const [m, b] = reply(4, 0, [[-0.1, 0.2]]);
    cache.receive(m, b);
    cache.setItem(8, 64);
    expect(cache.has(4, 0)).toBe(false);
  });

  it("takes the peaks that came with the item: nothing asked for where they cover the view", () => {
    const sent: unknown[] = [];
    const cache = new PeakCache((m) => sent.push(m));
    cache.setItem(7, 3 * CHUNK * 64);
    const values = new Float32Array(CHUNK * 2).fill(0.5);
    cache.preload([
      { type: "peaks", item_id: 7, bucket: 64, start: 0, count: CHUNK, values },
      { type: "peaks", item_id: 8, bucket: 64, start: CHUNK, count: CHUNK, values }, // another item: not taken
      { type: "peaks", item_id: 7, bucket: 64, start: 2 * CHUNK, count: CHUNK, values: values.subarray(2) }, // misshapen
    ]);
    expect(cache.has(64, 0) && !cache.has(64, 1) && !cache.has(64, 2)).toBe(true);
    expect(cache.ensure(64, 0, CHUNK * 64)).toEqual([]);
    expect(cache.column(64, 0, 640)).toEqual([0.5, 0.5]);
    expect(cache.ensure(64, 0, 2 * CHUNK * 64)).toEqual([1]);
  });
});
