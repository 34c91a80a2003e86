// Editor transport for a frame-exact player: J / K / L play backward / pause / forward (pressed
// again in the same direction, the speed steps 1x → 2x → 4x), "," / "." one frame, "<" / ">"
// (Shift+, / Shift+.) ten frames, Home / End the first / last frame. Playback follows the video's
// own frame times (variable frame rate included) and advances only onto frames already decoded:
// when the next frame is not there yet it waits on the last one shown, and never skips over it.
import type { Binding } from "./keyboard";

export const SPEEDS = [1, 2, 4] as const;
export const BIG_STEP = 10;

/** The speed after pressing J (dir -1) or L (dir +1) at `speed` (signed; 0 paused): the same
 *  direction steps up to the next of SPEEDS (and stays at the fastest); the other direction, or
 *  paused, starts at 1x that way.
 *
 *  Example: `nextSpeed(2, 1)` is 4, `nextSpeed(4, -1)` is -1. */
export function nextSpeed(speed: number, dir: 1 | -1): number {
  if (Math.sign(speed) !== dir) return dir;
  const at = SPEEDS.indexOf(Math.abs(speed) as (typeof SPEEDS)[number]);
  return dir * SPEEDS[Math.min(SPEEDS.length - 1, at + 1)];
}

/** The frame playback should show `elapsedMs` after it left frame `from` at `speed`. */
export function playTarget(times: readonly number[], from: number, elapsedMs: number, speed: number): number {
  const n = times.length;
  if (!n) return 0;
  const t = times[from] + (elapsedMs / 1000) * speed;
  if (speed >= 0) {
    let i = from;
    while (i + 1 < n && times[i + 1] <= t + 1e-9) i++;
    return i;
  }
  let i = from;
  while (i - 1 >= 0 && times[i] > t + 1e-9) i--;
  return i;
}

/** How far playback may go from `current` toward `target` onto decoded frames only: the last frame
 *  of the unbroken run of `ready` frames between them (`current` itself when the next is missing). */
export function advanceReady(current: number, target: number, ready: (i: number) => boolean): number {
  const dir = Math.sign(target - current);
  let i = current;
  while (i !== target && ready(i + dir)) i += dir;
  return i;
}

export interface ShuttleHooks {
  /** the number of frames of the video shown */
  count: () => number;
  /** each frame's presentation time (s) */
  times: () => readonly number[];
  /** the frame on screen now (the painter's `painted`, or the playhead when none is painted yet) */
  current: () => number;
  /** move the playhead to frame `i` (the view paints it when decoded) */
  seek: (i: number) => void;
  /** whether frame `i` is decoded and can be shown at once */
  ready: (i: number) => boolean;
  /** the speed changed (0: paused) */
  onSpeed?: (speed: number) => void;
  now?: () => number;
  frame?: (run: () => void) => number;
  cancelFrame?: (handle: number) => void;
}

/** J/K/L playback and frame stepping over a view's playhead. */
export class Shuttle {
  speed = 0;
  private anchorFrame = 0;
  private anchorAt = 0;
  private handle: number | undefined;
  private readonly now: () => number;
  private readonly frame: (run: () => void) => number;
  private readonly cancel: (handle: number) => void;

  constructor(private readonly hooks: ShuttleHooks) {
    this.now = hooks.now ?? (() => performance.now());
    this.frame = hooks.frame ?? ((run) => requestAnimationFrame(run));
    this.cancel = hooks.cancelFrame ?? ((h) => cancelAnimationFrame(h));
  }

  get playing(): boolean {
    return this.speed !== 0;
  }

  /** J (dir -1) or L (dir +1). */
  play(dir: 1 | -1): void {
    this.setSpeed(nextSpeed(this.speed, dir));
  }

  pause(): void {
    this.setSpeed(0);
  }

  /** Step `delta` frames from the frame on screen (pauses playback), clamped to the video. */
  step(delta: number): void {
    this.pause();
    this.go(this.hooks.current() + delta);
  }

  /** Go to frame `i` (clamped), paused. */
  go(i: number): void {
    this.pause();
    const n = this.hooks.count();
    if (!n) return;
    this.hooks.seek(Math.max(0, Math.min(n - 1, Math.round(i))));
  }

  /** One playback tick: advance the playhead to where the clock says, over decoded frames only. */
  tick(): void {
    if (!this.speed) return;
    const now = this.now();
    const times = this.hooks.times();
    const target = playTarget(times, this.anchorFrame, now - this.anchorAt, this.speed);
    const shown = this.hooks.current();
    const to = advanceReady(shown, target, this.hooks.ready);
    if (to !== shown) this.hooks.seek(to);
    if (to !== target) {
      this.anchorFrame = to; // waiting for a frame: the clock restarts from the one shown
      this.anchorAt = now;
    }
    const last = this.speed > 0 ? times.length - 1 : 0;
    if (to === last) {
      this.pause();
      return;
    }
    this.handle = this.frame(() => this.tick());
  }

  private setSpeed(speed: number): void {
    if (this.handle !== undefined) this.cancel(this.handle);
    this.handle = undefined;
    const changed = speed !== this.speed;
    this.speed = speed;
    if (speed) {
      this.anchorFrame = this.hooks.current();
      this.anchorAt = this.now();
      this.handle = this.frame(() => this.tick());
    }
    if (changed) this.hooks.onSpeed?.(speed);
  }

  /** The transport keys, for a Keymap (all listed in the "?" help). */
  bindings(): Binding[] {
    const n = () => this.hooks.count();
    return [
      { keys: ["j"], description: "play backward (again: faster, 1x / 2x / 4x)", run: () => this.play(-1) },
      { keys: ["k"], description: "pause", run: () => this.pause() },
      { keys: ["l"], description: "play forward (again: faster, 1x / 2x / 4x)", run: () => this.play(1) },
      { keys: [","], description: "previous frame", run: () => this.step(-1) },
      { keys: ["."], description: "next frame", run: () => this.step(1) },
      { keys: ["<"], description: `${BIG_STEP} frames back (Shift+,)`, run: () => this.step(-BIG_STEP) },
      { keys: [">"], description: `${BIG_STEP} frames forward (Shift+.)`, run: () => this.step(BIG_STEP) },
      { keys: ["Home"], description: "first frame", run: () => this.go(0) },
      { keys: ["End"], description: "last frame", run: () => this.go(n() - 1) },
    ];
  }

  dispose(): void {
    this.pause();
  }
}
