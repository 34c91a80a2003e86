// Frames of one video, from the kernel (hitl_widgets/widgets/video_base.py, the "frames" intent):
// asked for around the playhead in requests of at most MAX_REQUEST indices, decoded to ImageBitmaps
// into an LRU cache, painted onto a canvas. The painter records the frame it actually painted: a
// view reports (and edits at) `painted`, never the frame it asked for, so what the person sees is
// what is stored.
import type { Sender } from "./channel";
import { Binary, decodeImage } from "./media";
import type { ItemId } from "./items";

export const MAX_REQUEST = 32; // the kernel's MAX_FRAMES
const REASK_MS = 4000; // a request unanswered this long is sent again

/** The frame on screen at `t` seconds: the last one whose time is at or before it (binary search).
 *
 *  Example: `indexAtTime([0, 0.04, 0.1], 0.05)` is 1. */
export function indexAtTime(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length - 1;
  if (hi < 0) return 0;
  if (t < times[0]) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid] <= t + 1e-9) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Frames to ask for around `centre`: the nearest first (centre, then alternating ahead/behind,
 *  ahead favoured), skipping those `have` says are cached or on their way, at most `max`. */
export function framesAround(centre: number, behind: number, ahead: number, count: number, have: (i: number) => boolean, max = MAX_REQUEST): number[] {
  const out: number[] = [];
  const push = (i: number) => {
    if (i >= 0 && i < count && !have(i) && out.length < max) out.push(i);
  };
  push(centre);
  for (let d = 1; d <= Math.max(behind, ahead) && out.length < max; d++) {
    if (d <= ahead) push(centre + d);
    if (d <= behind) push(centre - d);
  }
  return out;
}

/** A least-recently-used map; `evict` is called for each entry pushed out (an ImageBitmap's close). */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  constructor(public capacity: number, private readonly evict: (value: V, key: K) => void = () => {}) {}
  get size(): number {
    return this.map.size;
  }
  has(key: K): boolean {
    return this.map.has(key);
  }
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  /** Read without making the entry recent (drawing a thumbnail strip). */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }
  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old !== undefined && old !== value) this.evict(old, key);
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const [k, v] = this.map.entries().next().value as [K, V];
      this.map.delete(k);
      this.evict(v, k);
    }
  }
  keys(): K[] {
    return [...this.map.keys()];
  }
  clear(): void {
    for (const [k, v] of this.map) this.evict(v, k);
    this.map.clear();
  }
}

export interface FrameMsg {
  type: "frames";
  item_id: ItemId;
  frames: Array<{ index: number; time?: number; buffer?: number; error?: string }>;
}

export interface FrameCacheOptions {
  /** most frames kept decoded */
  capacity: number;
  /** most bytes of decoded frames kept (4 per pixel): fewer frames of a large video */
  budgetBytes: number;
  /** called when frame `index` of the current video is decoded and cached */
  onFrame: (index: number) => void;
  /** called with the kernel's reason when a frame cannot be decoded */
  onError: (index: number, message: string) => void;
  decode: (buf: Binary, mime: string) => Promise<ImageBitmap | HTMLCanvasElement>;
  now: () => number;
}

type Drawable = ImageBitmap | HTMLCanvasElement;

/** The decoded frames of the video shown now, and the requests for more. */
export class FrameCache {
  private item: ItemId | undefined;
  private count = 0;
  private readonly frames: Lru<number, Drawable>;
  private readonly asked = new Map<number, number>(); // index -> time asked
  private readonly options: FrameCacheOptions;

  constructor(private readonly model: Sender, options: Partial<FrameCacheOptions> = {}) {
    this.options = {
      capacity: 240, budgetBytes: 512 * 1024 * 1024, onFrame: () => {}, onError: () => {}, decode: decodeImage, now: () => performance.now(), ...options,
    };
    this.frames = new Lru<number, Drawable>(this.options.capacity, (bitmap) => {
      if ("close" in bitmap && typeof bitmap.close === "function") bitmap.close();
    });
  }

  /** Show video `item` (of `count` frames, `width` x `height` px) from now on: the cache of another
   *  video is dropped, and as many frames are kept as the byte budget allows (16 at least). */
  setVideo(item: ItemId, count: number, width = 0, height = 0): void {
    if (this.item === item && this.count === count) return;
    this.item = item;
    this.count = count;
    this.frames.clear();
    this.asked.clear();
    const perFrame = Math.max(1, width * height * 4);
    this.frames.capacity = width && height ? Math.max(16, Math.min(this.options.capacity, Math.floor(this.options.budgetBytes / perFrame))) : this.options.capacity;
  }

  /** How many decoded frames are kept now. */
  get size(): number {
    return this.frames.size;
  }

  /** How many decoded frames are kept at most (for this video). */
  get capacity(): number {
    return this.frames.capacity;
  }

  get video(): ItemId | undefined {
    return this.item;
  }

  has(i: number): boolean {
    return this.frames.has(i);
  }

  get(i: number): Drawable | undefined {
    return this.frames.get(i);
  }

  peek(i: number): Drawable | undefined {
    return this.frames.peek(i);
  }

  cachedIndices(): number[] {
    return this.frames.keys();
  }

  /** Ask for the frames around `centre` not cached nor on their way, nearest first. The centre frame,
   *  when it is missing, goes in a request of its own ahead of the rest: the kernel answers requests
   *  in order, so the frame to show does not wait for its neighbours to be decoded and encoded.
   *  Returns the indices asked for. */
  around(centre: number, behind = 8, ahead = 24): number[] {
    if (this.item === undefined || !this.count) return [];
    const now = this.options.now();
    const pending = (i: number) => this.frames.has(i) || now - (this.asked.get(i) ?? -Infinity) < REASK_MS;
    const want = framesAround(centre, Math.min(behind, this.capacity / 4), Math.min(ahead, this.capacity / 2), this.count, pending);
    if (want.length > 1 && want[0] === centre) return [...this.ask([centre]), ...this.ask(want.slice(1))];
    return this.ask(want);
  }

  /** Ask for exactly these frames (thumbnails), those not cached nor on their way. */
  ask(indices: number[]): number[] {
    if (this.item === undefined) return [];
    const now = this.options.now();
    const want = indices.filter((i) => !this.frames.has(i) && now - (this.asked.get(i) ?? -Infinity) >= REASK_MS).slice(0, MAX_REQUEST);
    if (!want.length) return [];
    for (const i of want) this.asked.set(i, now);
    this.model.send({ type: "frames", item_id: this.item, frames: want });
    return want;
  }

  /** Take a "frames" message from the kernel; frames of another video are ignored. */
  receive(msg: FrameMsg, buffers: Binary[]): void {
    if (msg.item_id !== this.item) return;
    const item = this.item;
    for (const f of msg.frames) {
      if (f.error !== undefined || f.buffer === undefined) {
        this.asked.delete(f.index);
        this.options.onError(f.index, f.error ?? "no data");
        continue;
      }
      const buf = buffers[f.buffer];
      if (!buf) continue;
      void this.options.decode(buf, "image/jpeg").then(
        (bitmap) => {
          this.asked.delete(f.index);
          if (this.item !== item) return; // the view moved on to another video meanwhile
          this.frames.set(f.index, bitmap);
          this.options.onFrame(f.index);
        },
        (e: unknown) => {
          this.asked.delete(f.index);
          this.options.onError(f.index, String(e));
        },
      );
    }
  }

  dispose(): void {
    this.frames.clear();
    this.asked.clear();
  }
}

/** Paints frames of a FrameCache onto a canvas and remembers which frame is on it.
 *
 *  Example: `painter.paint(i)` after every seek; the view reports `painter.painted`. Each paint
 *  dispatches a bubbling "hitl:painted" event ({frame, video}) from the canvas. */
export class FramePainter {
  /** the frame on the canvas now (-1: none yet) */
  painted = -1;
  private paintedVideo: ItemId | undefined;

  constructor(readonly canvas: HTMLCanvasElement, private readonly frames: FrameCache) {}

  /** Draw frame `i` when it is decoded; otherwise the canvas keeps the frame it shows. Returns the
   *  frame on the canvas afterwards. */
  paint(i: number): number {
    const bitmap = this.frames.get(i);
    if (!bitmap) {
      if (this.paintedVideo !== this.frames.video) this.painted = -1;
      return this.painted;
    }
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return this.painted;
    if (this.canvas.width !== bitmap.width || this.canvas.height !== bitmap.height) {
      this.canvas.width = bitmap.width;
      this.canvas.height = bitmap.height;
    }
    ctx.drawImage(bitmap, 0, 0);
    this.painted = i;
    this.paintedVideo = this.frames.video;
    this.canvas.dataset.frame = String(i); // for tests and assistive tools: the frame shown
    // the frame is on the canvas: benchmarks and tests time "seek -> painted" from this event
    this.canvas.dispatchEvent(new CustomEvent("hitl:painted", { bubbles: true, detail: { frame: i, video: this.frames.video } }));
    return i;
  }

  /** Forget the painted frame (another video is shown). */
  reset(): void {
    this.painted = -1;
    this.paintedVideo = undefined;
    delete this.canvas.dataset.frame;
  }
}

/** "frame 12 · 0.480 s": the readout of the frame shown (the painted one, never a requested one). */
export function frameText(painted: number, count: number, times: readonly number[]): string {
  if (painted < 0) return "loading frame…";
  const t = times[painted];
  return `frame ${painted} / ${count - 1} · ${typeof t === "number" ? t.toFixed(3) : "?"} s`;
}
