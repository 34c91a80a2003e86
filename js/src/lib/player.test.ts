import { describe, expect, it, vi } from "vitest";
import { AudioPlayer, covers, gridWindows, HELD, nextRate, PREFETCH_MAX_S, SPEEDS, WINDOW_S, windowAt } from "./player";

describe("player logic", () => {
  it("steps the speed through SPEEDS and stops at either end", () => {
    expect(nextRate(1, 1)).toBe(1.25);
    expect(nextRate(1, -1)).toBe(0.75);
    expect(nextRate(0.5, -1)).toBe(0.5);
    expect(nextRate(2, 1)).toBe(2);
    expect(nextRate(1.1, 1)).toBe(1.5); // between steps: the next step above
    expect(SPEEDS).toContain(1);
  });
  it("plays a bounded window and knows when it holds the playhead", () => {
    expect(windowAt(3, 100)).toEqual([3, 3 + WINDOW_S]);
    expect(windowAt(95, 100)).toEqual([95, 100]);
    expect(windowAt(-1, 100)).toEqual([0, WINDOW_S]);
    expect(covers({ start: 0, end: 20 }, 19.99, 100)).toBe(false); // no room left: the next window
    expect(covers({ start: 0, end: 20 }, 19.99, 20)).toBe(true); // the end of the recording
    expect(covers({ start: 5, end: 20 }, 4, 100)).toBe(false);
    expect(covers(null, 0, 1)).toBe(false);
  });
  it("asks for the window at the playhead and drops replies it did not ask for last", () => {
    const asked: number[][] = [];
    const p = new AudioPlayer({ ask: (s, e, r) => asked.push([s, e, r]), time: () => {}, playing: () => {}, error: () => {} });
    vi.spyOn(p.audio, "play").mockResolvedValue(undefined);
    p.reset(50);
    p.play(12);
    expect(asked).toEqual([[12, 32, 1]]);
    p.seek(40); // playing: the window there
    expect(asked[1]).toEqual([40, 50, 2]);
    p.receive({ type: "audio", item_id: 0, start_s: 12, end_s: 32, req: 1 }, new ArrayBuffer(44));
    expect(p.audio.getAttribute("src")).toBeNull(); // stale: dropped
    p.setSpeed(1.5);
    expect(p.audio.playbackRate).toBe(1.5);
    p.stop();
    expect(p.playing).toBe(false);
  });

  it("prefetches the grid windows over a range, at most PREFETCH_MAX_S of them", () => {
    expect(gridWindows(15, 41, 100)).toEqual([0, 20, 40]);
    expect(gridWindows(20, 20, 100)).toEqual([20]);
    expect(gridWindows(95, 130, 100)).toEqual([80]);
    expect(gridWindows(0, 1000, 1000)).toHaveLength(Math.ceil(PREFETCH_MAX_S / WINDOW_S));
  });

  it("plays a prefetched window with no request, asks each window once, keeps HELD of them", () => {
    const asked: number[][] = [];
    const p = new AudioPlayer({ ask: (s, e, r) => asked.push([s, e, r]), time: () => {}, playing: () => {}, error: () => {} });
    const play = vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    p.reset(100);
    p.prefetch(15, 41);
    p.prefetch(15, 41); // on their way: not asked again
    expect(asked).toEqual([[0, 20, 1], [20, 40, 2], [40, 60, 3]]);
    for (const [s, e, r] of asked) p.receive({ type: "audio", item_id: 0, start_s: s, end_s: e, req: r }, new ArrayBuffer(44));
    expect(p.audio.getAttribute("src")).toBeNull(); // held, not played: each in its own element, loaded ahead
    expect(p.node.querySelectorAll("audio")).toHaveLength(4);
    p.prefetch(15, 41); // held: not asked again
    expect(asked).toHaveLength(3);
    p.play(25.5);
    expect(asked).toHaveLength(3); // no round trip: played from the held window
    expect(p.audio.getAttribute("src")).toMatch(/^blob:/);
    expect(p.audio.currentTime).toBeCloseTo(5.5);
    expect(play).toHaveBeenCalledTimes(1);
    expect(play.mock.contexts[0]).toBe(p.audio);
    expect(p.audio).not.toBe(p.node.querySelector("audio")); // the held window's element, not the main one
    p.stop();
    p.play(70); // not held: asked for
    expect(asked[3]).toEqual([70, 90, 4]);
    p.stop();
    p.prefetch(0, 100); // 100 s: PREFETCH_MAX_S from 0, the held ones not again
    const more = asked.slice(4).map(([s]) => s);
    expect(more).toEqual(gridWindows(0, 100, 100).filter((g) => g > 40));
    for (const [s, e, r] of asked.slice(4)) p.receive({ type: "audio", item_id: 0, start_s: s, end_s: e, req: r }, new ArrayBuffer(44));
    expect(p.node.querySelectorAll("audio")).toHaveLength(1 + 5); // the main one and 0, 20, 40, 60, 80 s
    p.reset(100); // a new recording: nothing held
    expect(p.node.querySelectorAll("audio")).toHaveLength(1);
    p.play(25.5);
    expect(asked[asked.length - 1]).toEqual([25.5, 45.5, asked.length]);
    expect(HELD).toBeGreaterThanOrEqual(Math.ceil(PREFETCH_MAX_S / WINDOW_S));
    play.mockRestore();
  });
});
