import { describe, expect, it } from "vitest";
import { advanceReady, nextSpeed, playTarget, Shuttle } from "./shuttle";

describe("nextSpeed", () => {
  it("steps 1x, 2x, 4x in one direction and restarts at 1x in the other", () => {
    expect(nextSpeed(0, 1)).toBe(1);
    expect(nextSpeed(1, 1)).toBe(2);
    expect(nextSpeed(2, 1)).toBe(4);
    expect(nextSpeed(4, 1)).toBe(4);
    expect(nextSpeed(4, -1)).toBe(-1);
    expect(nextSpeed(-1, -1)).toBe(-2);
    expect(nextSpeed(-2, 1)).toBe(1);
  });
});

describe("playTarget and advanceReady", () => {
  const times = [0, 0.04, 0.08, 0.2, 0.24, 0.28];
  it("follows the frame times, forward and backward, at any speed", () => {
    expect(playTarget(times, 0, 50, 1)).toBe(1);
    expect(playTarget(times, 0, 100, 1)).toBe(2); // 0.08 .. 0.2 is one long frame
    expect(playTarget(times, 0, 199, 1)).toBe(2);
    expect(playTarget(times, 0, 100, 2)).toBe(3);
    expect(playTarget(times, 5, 30, -1)).toBe(4);
    expect(playTarget(times, 5, 45, -1)).toBe(3);
    expect(playTarget(times, 0, 10_000, 4)).toBe(5);
    expect(playTarget(times, 3, 10_000, -4)).toBe(0);
  });
  it("goes only over decoded frames", () => {
    const ready = (i: number) => i !== 4;
    expect(advanceReady(1, 3, ready)).toBe(3);
    expect(advanceReady(1, 5, ready)).toBe(3);
    expect(advanceReady(3, 5, ready)).toBe(3);
    expect(advanceReady(5, 2, ready)).toBe(5);
    expect(advanceReady(3, 0, ready)).toBe(0);
  });
});

function player(n: number, ready: (i: number) => boolean = () => true) {
  let clock = 0;
  let shown = 0;
  const queued: Array<() => void> = [];
  const speeds: number[] = [];
  const times = Array.from({ length: n }, (_, i) => i / 25);
  const shuttle = new Shuttle({
    count: () => n, times: () => times, current: () => shown, seek: (i) => { if (ready(i)) shown = i; }, ready,
    onSpeed: (s) => speeds.push(s), now: () => clock, frame: (run) => queued.push(run), cancelFrame: () => {},
  });
  const advance = (ms: number) => {
    clock += ms;
    const runs = queued.splice(0);
    runs.forEach((r) => r());
  };
  return { shuttle, advance, shown: () => shown, speeds };
}

describe("Shuttle", () => {
  it("steps by one and ten frames, clamped, and Home/End", () => {
    const p = player(30);
    const keys = Object.fromEntries(p.shuttle.bindings().map((b) => [b.keys[0], b.run]));
    const ev = {} as KeyboardEvent;
    keys["."](ev);
    expect(p.shown()).toBe(1);
    keys[">"](ev);
    expect(p.shown()).toBe(11);
    keys["<"](ev);
    keys["<"](ev);
    expect(p.shown()).toBe(0);
    keys.End(ev);
    expect(p.shown()).toBe(29);
    keys["."](ev);
    expect(p.shown()).toBe(29);
    keys.Home(ev);
    expect(p.shown()).toBe(0);
  });
  it("plays at the video's rate, faster on L again, and K stops", () => {
    const p = player(100);
    p.shuttle.play(1);
    p.advance(40);
    expect(p.shown()).toBe(1);
    p.advance(80);
    expect(p.shown()).toBe(3);
    p.shuttle.play(1); // 2x
    p.advance(40);
    expect(p.shown()).toBe(5);
    p.shuttle.pause();
    p.advance(400);
    expect(p.shown()).toBe(5);
    expect(p.speeds).toEqual([1, 2, 0]);
  });
  it("waits on the last decoded frame instead of skipping, and stops at the end", () => {
    let missing = 3;
    const p = player(6, (i) => i !== missing);
    p.shuttle.play(1);
    p.advance(200);
    expect(p.shown()).toBe(2);
    missing = -1; // frame 3 arrives
    p.advance(40);
    expect(p.shown()).toBe(3); // from where it waited, not jumping ahead
    p.advance(1000);
    expect(p.shown()).toBe(5);
    expect(p.shuttle.playing).toBe(false);
  });
});
