// Playback of a long recording a window at a time: the kernel sends a WAV of at most WINDOW_S
// seconds ("audio" intent), played through an <audio> element (its playbackRate keeps the pitch);
// the playhead is the window's start plus the element's currentTime, reported every animation
// frame while playing. Near a window's end the next one is asked for, and playing goes on into it;
// never the whole file at once. A view may also prefetch the windows of what is on its screen
// (`prefetch`: windows on a WINDOW_S grid, at most HELD of them kept), so that playing from there
// starts from a buffer already in the page, with no kernel round trip: each held window has its
// own <audio> element, loaded ahead, so playing it is a play() on an element that is ready. The
// elements sit in `node` (hidden), which the view appends to its root.
import type { Binary } from "./media";

export const WINDOW_S = 20; // seconds per window (the kernel allows up to 30)
export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;
const AHEAD_S = 4; // ask for the next window this long before the current one ends
export const HELD = 8; // prefetched windows kept (the least recently used goes first)
export const PREFETCH_MAX_S = 90; // at most this span is prefetched at once

/** The grid windows (starts, WINDOW_S apart) that cover [t0, t1] of a recording `duration` s long,
 *  at most PREFETCH_MAX_S of them from t0. Example: gridWindows(15, 41, 100) → [0, 20, 40]. */
export function gridWindows(t0: number, t1: number, duration: number, length = WINDOW_S): number[] {
  const out: number[] = [];
  const a = Math.max(0, Math.min(t0, duration));
  const b = Math.min(duration, t1, a + PREFETCH_MAX_S);
  for (let g = Math.floor(a / length) * length; g < b || (g === a && g < duration); g += length) out.push(g);
  return out;
}

/** The speed after `speed` one step slower (-1) or faster (1) in SPEEDS. Example: nextRate(1, 1) === 1.25. */
export function nextRate(speed: number, dir: 1 | -1): number {
  const k = SPEEDS.findIndex((s) => s >= speed - 1e-9);
  const at = k < 0 ? SPEEDS.length - 1 : k;
  return SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, at + dir))];
}

/** The window [start, end) to play from `t` in a recording `duration` seconds long. */
export function windowAt(t: number, duration: number, length = WINDOW_S): [number, number] {
  const start = Math.max(0, Math.min(t, duration));
  return [start, Math.min(duration, start + length)];
}

/** Whether window [start, end) holds time `t` with room to play (not in its last 50 ms, unless it
 *  reaches the end of the recording). */
export function covers(w: { start: number; end: number } | null, t: number, duration: number): boolean {
  if (!w) return false;
  return t >= w.start && (t < w.end - 0.05 || (w.end >= duration - 1e-6 && t < w.end));
}

export interface AudioMsg {
  type: "audio";
  item_id: unknown;
  start_s: number;
  end_s: number;
  req?: number | null;
}

export interface PlayerHooks {
  /** ask the kernel for the WAV of [start, end) (answered through `receive`) */
  ask: (start: number, end: number, req: number) => void;
  /** the playhead moved (every frame while playing) */
  time: (t: number) => void;
  /** started or stopped */
  playing: (on: boolean) => void;
  error: (text: string) => void;
}

interface Window {
  start: number;
  end: number;
  url: string;
  /** a prefetched window's own element (loaded ahead); else it plays in the main element */
  el?: HTMLAudioElement;
}

export class AudioPlayer {
  /** hidden: the main <audio> element and those of the prefetched windows */
  readonly node: HTMLSpanElement;
  private readonly main: HTMLAudioElement;
  private active: HTMLAudioElement; // the element that plays the current window
  duration = 0;
  time = 0;
  speed = 1;
  private current: Window | null = null;
  private next: Window | null = null;
  private wanted = false; // play once the window arrives
  private req = 0;
  private pendingReq = -1;
  private pendingStart = 0;
  private frame = 0;
  private held: Window[] = []; // prefetched grid windows, least recently used first
  private readonly prefetching = new Map<number, number>(); // req -> grid start

  constructor(private readonly hooks: PlayerHooks) {
    this.node = document.createElement("span");
    this.node.className = "hitl-audio-windows";
    this.node.hidden = true;
    this.main = this.active = this.element();
  }

  /** The element playing (or about to play) the current window. */
  get audio(): HTMLAudioElement {
    return this.active;
  }

  private element(url?: string): HTMLAudioElement {
    const el = document.createElement("audio");
    el.preload = "auto";
    el.addEventListener("ended", () => {
      if (el === this.active) this.windowEnded();
    });
    if (url) el.src = url;
    this.node.append(el);
    return el;
  }

  get playing(): boolean {
    return this.wanted;
  }

  /** A new recording of `duration` seconds: stop, forget the windows, playhead at 0. */
  reset(duration: number): void {
    this.stop();
    this.drop();
    this.duration = duration;
    this.time = 0;
  }

  /** Move the playhead to `t` (keeps playing if it was). */
  seek(t: number): void {
    this.time = Math.max(0, Math.min(this.duration, t));
    const held = this.current && covers(this.current, this.time, this.duration) ? null : this.heldAt(this.time);
    if (held) { // prefetched: no kernel round trip
      this.pendingReq = -1;
      this.release(this.next);
      this.next = null;
      this.use(held);
      if (this.wanted) this.start();
    } else if (this.current && covers(this.current, this.time, this.duration)) {
      this.audio.currentTime = this.time - this.current.start;
    } else if (this.wanted) {
      this.load(this.time);
    }
    this.hooks.time(this.time);
  }

  /** Ask for the grid windows over [t0, t1] that are neither held nor on their way. */
  prefetch(t0: number, t1: number): void {
    if (!(this.duration > 0)) return;
    const asked = new Set(this.prefetching.values());
    for (const g of gridWindows(t0, t1, this.duration)) {
      if (asked.has(g) || this.held.some((w) => w.start === g)) continue;
      const req = ++this.req;
      this.prefetching.set(req, g);
      this.hooks.ask(g, Math.min(this.duration, g + WINDOW_S), req);
    }
  }

  /** A held window with room to play from `t` (made the most recently used), or null. */
  private heldAt(t: number): Window | null {
    const k = this.held.findIndex((w) => covers(w, t, this.duration));
    if (k < 0) return null;
    const [w] = this.held.splice(k, 1);
    this.held.push(w);
    return w;
  }

  /** Play from `from` (default: the playhead). */
  play(from = this.time): void {
    if (this.time !== from || !covers(this.current, from, this.duration)) this.seek(from);
    if (this.time >= this.duration - 1e-3) this.seek(0);
    this.wanted = true;
    this.hooks.playing(true);
    if (covers(this.current, this.time, this.duration)) this.start();
    else this.load(this.time);
  }

  toggle(): void {
    if (this.wanted) this.stop();
    else this.play();
  }

  stop(): void {
    const was = this.wanted;
    this.wanted = false;
    this.audio.pause();
    cancelAnimationFrame(this.frame);
    if (was) this.hooks.playing(false);
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.audio.playbackRate = speed;
  }

  /** Take an "audio" reply: the window asked for last (older replies are dropped). */
  receive(msg: AudioMsg, buffer: Binary | undefined): void {
    const grid = typeof msg.req === "number" ? this.prefetching.get(msg.req) : undefined;
    if (buffer && grid !== undefined && this.prefetching.delete(msg.req as number)) {
      this.hold({ start: msg.start_s, end: msg.end_s, url: windowUrl(buffer) });
      return;
    }
    if (!buffer || msg.req !== this.pendingReq) return;
    const w = { start: msg.start_s, end: msg.end_s, url: windowUrl(buffer) };
    this.pendingReq = -1;
    if (this.current && Math.abs(msg.start_s - this.current.end) < 1e-6 && this.wanted && covers(this.current, this.time, this.duration)) {
      this.release(this.next);
      this.next = w; // the window after this one: used when it ends
      return;
    }
    this.use(w);
    if (this.wanted) this.start();
  }

  /** Keep a prefetched window (the least recently used one goes beyond HELD); a window asked for
   *  while playing waits for its turn in `next`. */
  private hold(w: Window): void {
    w.el = this.element(w.url);
    this.held.push(w);
    while (this.held.length > HELD) {
      const old = this.held.shift() as Window;
      if (old !== this.current && old !== this.next) forget(old);
    }
  }

  /** Let go of a window no longer current (a held one stays held). */
  private release(w: Window | null): void {
    if (w && !this.held.includes(w)) forget(w);
  }

  private use(w: Window): void {
    if (this.current !== w) this.release(this.current);
    this.current = w;
    const el = w.el ?? this.main;
    if (el !== this.active) {
      this.active.pause();
      this.active = el;
    }
    if (!w.el) this.main.src = w.url;
    el.playbackRate = this.speed;
    el.currentTime = Math.max(0, this.time - w.start);
  }

  private load(t: number): void {
    const [start, end] = windowAt(t, this.duration);
    if (this.pendingReq >= 0 && Math.abs(this.pendingStart - start) < 1e-6) return;
    if (end <= start) return;
    this.pendingReq = ++this.req;
    this.pendingStart = start;
    this.hooks.ask(start, end, this.pendingReq);
  }

  private start(): void {
    if (!this.current) return;
    this.audio.currentTime = Math.max(0, this.time - this.current.start);
    this.audio.playbackRate = this.speed;
    this.audio.play().catch((e: unknown) => {
      this.stop();
      this.hooks.error(`cannot play: ${String(e)}`);
    });
    cancelAnimationFrame(this.frame);
    const tick = () => {
      if (!this.wanted || !this.current) return;
      this.time = Math.min(this.duration, this.current.start + this.audio.currentTime);
      this.hooks.time(this.time);
      if (this.current.end < this.duration && this.current.end - this.time < AHEAD_S && !this.next && this.pendingReq < 0) {
        const after = this.held.find((w) => Math.abs(w.start - (this.current as Window).end) < 1e-6);
        if (after) this.next = after;
        else this.load(this.current.end);
      }
      this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  private windowEnded(): void {
    if (!this.current) return;
    this.time = this.current.end;
    if (this.next && this.wanted) {
      const n = this.next;
      this.next = null;
      this.use(n);
      this.start();
      return;
    }
    if (this.time >= this.duration - 1e-3) this.stop();
    else if (this.wanted) this.load(this.time);
    this.hooks.time(this.time);
  }

  private drop(): void {
    this.active.pause();
    for (const w of new Set([this.current, this.next, ...this.held])) if (w) forget(w);
    this.current = this.next = null;
    this.held = [];
    this.prefetching.clear();
    this.pendingReq = -1;
    this.active = this.main;
    this.main.removeAttribute("src");
  }

  dispose(): void {
    this.stop();
    this.drop();
  }
}

function forget(w: Window): void {
  URL.revokeObjectURL(w.url);
  if (w.el) {
    w.el.pause();
    w.el.removeAttribute("src");
    w.el.remove();
  }
}

function windowUrl(buffer: Binary): string {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return URL.createObjectURL(new Blob([bytes.slice()], { type: "audio/wav" }));
}
