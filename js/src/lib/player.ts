// Playback of a long recording a window at a time: the kernel sends a WAV of at most WINDOW_S
// seconds ("audio" intent), played through an <audio> element (its playbackRate keeps the pitch);
// the playhead is the window's start plus the element's currentTime, reported every animation
// frame while playing. Near a window's end the next one is asked for, and playing goes on into it;
// never the whole file at once.
import type { Binary } from "./media";

export const WINDOW_S = 20; // seconds per window (the kernel allows up to 30)
export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;
const AHEAD_S = 4; // ask for the next window this long before the current one ends

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
}

export class AudioPlayer {
  readonly audio: HTMLAudioElement;
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

  constructor(private readonly hooks: PlayerHooks) {
    this.audio = document.createElement("audio");
    this.audio.preload = "auto";
    this.audio.addEventListener("ended", () => this.windowEnded());
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
    if (this.current && covers(this.current, this.time, this.duration)) {
      this.audio.currentTime = this.time - this.current.start;
    } else if (this.wanted) {
      this.load(this.time);
    }
    this.hooks.time(this.time);
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
    if (!buffer || msg.req !== this.pendingReq) return;
    const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const url = URL.createObjectURL(new Blob([bytes.slice()], { type: "audio/wav" }));
    const w = { start: msg.start_s, end: msg.end_s, url };
    this.pendingReq = -1;
    if (this.current && Math.abs(msg.start_s - this.current.end) < 1e-6 && this.wanted && covers(this.current, this.time, this.duration)) {
      if (this.next) URL.revokeObjectURL(this.next.url);
      this.next = w; // the window after this one: used when it ends
      return;
    }
    this.use(w);
    if (this.wanted) this.start();
  }

  private use(w: Window): void {
    if (this.current) URL.revokeObjectURL(this.current.url);
    this.current = w;
    this.audio.src = w.url;
    this.audio.playbackRate = this.speed;
    this.audio.currentTime = Math.max(0, this.time - w.start);
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
        this.load(this.current.end);
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
    for (const w of [this.current, this.next]) if (w) URL.revokeObjectURL(w.url);
    this.current = this.next = null;
    this.pendingReq = -1;
    this.audio.removeAttribute("src");
  }

  dispose(): void {
    this.stop();
    this.drop();
  }
}
