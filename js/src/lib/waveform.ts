// A waveform on a canvas from min/max peaks the kernel computes ("peaks" intent: `count` buckets of
// `bucket` samples, a power of two, from bucket `start`; float32 min/max pairs). The zoom level is
// the largest bucket no wider than a pixel (chooseBucket); only the chunks of the visible range are
// asked for (PeakCache.ensure), each once; while a chunk is on its way the columns fall back to a
// coarser level already held, so zooming never blanks the view. Positions are in samples (a
// TimeScale from lib/timeline.ts over the recording's samples).
import type { ItemId } from "./items";
import type { Binary } from "./media";
import { niceStep, TimeScale } from "./timeline";

export const CHUNK = 1024; // buckets per request (the kernel allows up to 4096)
export const MAX_BUCKET = 1 << 20;
const REASK_MS = 5000;

/** The zoom level for `samplesPerPx`: the largest power of two <= it (1..MAX_BUCKET).
 *  Example: chooseBucket(300) === 256. */
export function chooseBucket(samplesPerPx: number): number {
  if (!(samplesPerPx >= 2)) return 1;
  return Math.min(MAX_BUCKET, 2 ** Math.floor(Math.log2(samplesPerPx)));
}

/** The chunk indices that cover samples [s0, s1) at `bucket`, for a recording of `n` samples. */
export function chunksFor(bucket: number, s0: number, s1: number, n: number): number[] {
  const last = Math.ceil(n / bucket) - 1; // last bucket index
  if (last < 0) return [];
  const b0 = Math.max(0, Math.floor(s0 / bucket));
  const b1 = Math.min(last, Math.floor((Math.max(s0, s1) - 1) / bucket));
  const out: number[] = [];
  for (let c = Math.floor(b0 / CHUNK); c <= Math.floor(b1 / CHUNK); c++) out.push(c);
  return out;
}

/** A seconds tick step (1, 2 or 5 × 10^k, at least 1 ms) of at least `raw` seconds. */
export function tickStep(raw: number): number {
  return niceStep(Math.max(1, raw * 1000)) / 1000;
}

/** A ruler in seconds along the top `height` px of `ctx`: a tick and a label ("1.5s") every
 *  tickStep(minPx × secondsPerPx) seconds from `t0` (the time at x = 0) to `width`. */
export function drawSecondsRuler(
  ctx: CanvasRenderingContext2D, xOf: (t: number) => number, t0: number, secondsPerPx: number, width: number, height: number, colour: string, minPx = 70,
): void {
  const step = tickStep(minPx * secondsPerPx);
  ctx.fillStyle = colour;
  ctx.font = "10px sans-serif";
  for (let t = Math.ceil(t0 / step) * step; xOf(t) < width; t += step) {
    const x = xOf(t);
    ctx.fillRect(x, height - 5, 1, 5);
    ctx.fillText(`${+t.toFixed(3)}s`, x + 2, 10);
  }
}

export interface PeaksMsg {
  type: "peaks";
  item_id: ItemId;
  bucket: number;
  start: number;
  count: number;
}

/** The peaks held for one recording, by zoom level and chunk. */
export class PeakCache {
  item: ItemId | undefined;
  n = 0;
  private readonly chunks = new Map<string, Float32Array>(); // "bucket:chunk" -> min/max pairs
  private readonly asked = new Map<string, number>(); // key -> when asked

  constructor(private readonly send: (msg: Record<string, unknown>) => void, private readonly onArrive: () => void = () => {}) {}

  /** Show recording `id` of `n` samples (forgets the previous one's peaks). */
  setItem(id: ItemId, n: number): void {
    if (this.item === id && this.n === n) return;
    this.item = id;
    this.n = n;
    this.chunks.clear();
    this.asked.clear();
  }

  /** Ask for the chunks of samples [s0, s1) at `bucket` that are neither held nor on their way. */
  ensure(bucket: number, s0: number, s1: number, now = Date.now()): number[] {
    if (this.item === undefined) return [];
    const wanted = chunksFor(bucket, s0, s1, this.n).filter((c) => {
      const key = `${bucket}:${c}`;
      const at = this.asked.get(key);
      return !this.chunks.has(key) && (at === undefined || now - at > REASK_MS);
    });
    for (const c of wanted) {
      this.asked.set(`${bucket}:${c}`, now);
      this.send({ type: "peaks", item_id: this.item, bucket, start: c * CHUNK, count: CHUNK });
    }
    return wanted;
  }

  /** Take a "peaks" reply (ignored when it is of another recording or misshapen). */
  receive(msg: PeaksMsg, buffer: Binary | undefined): boolean {
    if (msg.item_id !== this.item || !buffer || msg.start % CHUNK !== 0) return false;
    const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    if (bytes.byteLength !== msg.count * 8) return false;
    const values = new Float32Array(bytes.slice().buffer); // aligned copy
    this.chunks.set(`${msg.bucket}:${msg.start / CHUNK}`, values);
    this.onArrive();
    return true;
  }

  /** Take peaks that came with the item (`first_peaks` of a fetch: the first screen's chunks, each
   *  a "peaks" reply's fields with its values), so the first paint needs no request. */
  preload(chunks: ReadonlyArray<PeaksMsg & { values?: Float32Array }>): void {
    for (const c of chunks) {
      if (c.values && c.item_id === this.item && c.start % CHUNK === 0 && c.values.length === c.count * 2) {
        this.chunks.set(`${c.bucket}:${c.start / CHUNK}`, c.values);
      }
    }
  }

  has(bucket: number, chunk: number): boolean {
    return this.chunks.has(`${bucket}:${chunk}`);
  }

  /** [min, max] over samples [s0, s1) from level `bucket`, else the nearest coarser level held;
   *  null when none holds them. */
  column(bucket: number, s0: number, s1: number): [number, number] | null {
    for (let b = bucket; b <= MAX_BUCKET; b *= 2) {
      const got = this.reduce(b, s0, s1);
      if (got) return got;
    }
    return null;
  }

  private reduce(bucket: number, s0: number, s1: number): [number, number] | null {
    const b0 = Math.floor(s0 / bucket);
    const b1 = Math.max(b0, Math.ceil(s1 / bucket) - 1);
    let lo = Infinity;
    let hi = -Infinity;
    for (let b = b0; b <= b1; b++) {
      if (b * bucket >= this.n) break;
      const chunk = this.chunks.get(`${bucket}:${Math.floor(b / CHUNK)}`);
      if (!chunk) return null;
      const k = (b % CHUNK) * 2;
      lo = Math.min(lo, chunk[k]);
      hi = Math.max(hi, chunk[k + 1]);
    }
    return lo <= hi ? [lo, hi] : null;
  }
}

/** The bucket to draw `scale` (samples over `scale.width` px) at. */
export function bucketFor(scale: TimeScale): number {
  return chooseBucket(scale.span / Math.max(1, scale.width));
}

/** Draw the visible waveform in [top, top + height) of `ctx` (CSS px), one column per pixel, asking
 *  for what is missing. */
export function drawWaveform(ctx: CanvasRenderingContext2D, scale: TimeScale, cache: PeakCache, top: number, height: number, colour: string): void {
  const bucket = bucketFor(scale);
  const s0 = Math.max(0, Math.floor(scale.start));
  const s1 = Math.min(cache.n, Math.ceil(scale.start + scale.span));
  cache.ensure(bucket, s0, s1);
  const mid = top + height / 2;
  const half = height / 2;
  ctx.fillStyle = colour;
  for (let x = 0; x < scale.width; x++) {
    const a = scale.start + (x * scale.span) / scale.width;
    const b = scale.start + ((x + 1) * scale.span) / scale.width;
    if (b <= 0 || a >= cache.n) continue;
    const col = cache.column(bucket, Math.max(0, Math.floor(a)), Math.min(cache.n, Math.max(Math.floor(a) + 1, Math.ceil(b))));
    if (!col) continue;
    const y0 = mid - Math.max(-1, Math.min(1, col[1])) * half;
    const y1 = mid - Math.max(-1, Math.min(1, col[0])) * half;
    ctx.fillRect(x, y0, 1, Math.max(1, y1 - y0));
  }
}
