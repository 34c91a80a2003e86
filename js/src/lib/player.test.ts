import { describe, expect, it, vi } from "vitest";
import { AudioPlayer, covers, nextRate, SPEEDS, WINDOW_S, windowAt } from "./player";

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
});
