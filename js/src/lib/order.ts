// The kernel's queue as the browser sees it: windows of item ids, never the whole order. The
// synced `order_window` trait holds the ids around the position (all of a short queue), the total
// and a version that changes with the queue; other windows are asked for with
// {type: "order", start, count} and an item's place with {type: "order", find: id}
// (ReviewWidget._on_order in hitl_widgets/widgets/base.py). Held windows are aligned CHUNKs,
// the ones farthest from where the view is dropped first.
import type { AnyModel } from "@anywidget/types";
import { itemKey } from "./items";
import type { ItemId } from "./items";

/** The synced trait (ReviewWidget.order_window). */
export interface OrderWindowState {
  version: number;
  total: number;
  start: number;
  ids: ItemId[];
}

/** A window the kernel sent ({type: "order", ...}). */
export interface OrderReply extends OrderWindowState {
  type: "order";
  find?: ItemId;
  position?: number;
}

/** ids per window asked for (and per held chunk) */
export const CHUNK = 256;
/** chunks held at most (the ones farthest from the view go first) */
const MAX_CHUNKS = 48;
/** a chunk asked for and unanswered this long is asked for again */
const RETRY_MS = 5000;

const EMPTY: OrderWindowState = { version: 0, total: 0, start: 0, ids: [] };

/** The synced window of a model, or an empty one. */
export function syncedWindow(model: AnyModel): OrderWindowState {
  const w = model.get("order_window") as OrderWindowState | undefined;
  return w && Array.isArray(w.ids) ? w : EMPTY;
}

/** The ids of the kernel's queue that the view holds, by place, and how it asks for more.
 *
 *  Example: `const order = new OrderWindow(model, () => repaint());` then `order.get(pos)`,
 *  `order.need(pos - 64, pos + 256)` after every step, `order.receive(msg)` for "order" messages. */
export class OrderWindow {
  private version = 0;
  private count = 0;
  private readonly chunks = new Map<number, ItemId[]>(); // chunk index -> its ids (whole chunks)
  private seed: OrderWindowState = EMPTY; // the synced window (any alignment)
  private readonly asked = new Map<number, number>(); // chunk index -> when asked
  private readonly finds = new Map<string, Array<(pos: number) => void>>();
  private near = 0; // where the view is (eviction keeps what is near it)

  /** `arrived` runs after a window arrives (e.g. a step that waited for its id). */
  constructor(private readonly model: AnyModel, private readonly arrived: () => void = () => {}) {
    this.reset();
  }

  /** The queue's length. */
  get total(): number {
    return this.count;
  }

  /** The queue's version (a new queue from the kernel has another). */
  get currentVersion(): number {
    return this.version;
  }

  /** Take the synced window. A new version drops everything held (true: it is a new queue);
   *  the same version keeps the chunks and adds the window's ids. */
  reset(): boolean {
    const w = syncedWindow(this.model);
    const renewed = w.version !== this.version || w.total !== this.count;
    if (renewed) {
      this.chunks.clear();
      this.asked.clear();
      this.finds.clear();
    }
    this.version = w.version;
    this.count = w.total;
    this.seed = w;
    this.take(w.start, w.ids);
    return renewed;
  }

  /** The id at place `pos` (undefined when not held, or past the end). */
  get(pos: number): ItemId | undefined {
    if (pos < 0 || pos >= this.count) return undefined;
    const s = this.seed;
    if (pos >= s.start && pos < s.start + s.ids.length) return s.ids[pos - s.start];
    return this.chunks.get(Math.floor(pos / CHUNK))?.[pos % CHUNK];
  }

  /** The ids held from place `a` to `b` (exclusive, clamped to the queue), stopping at the first
   *  not held: a run starting at `a`. */
  slice(a: number, b: number): ItemId[] {
    const out: ItemId[] = [];
    for (let p = Math.max(0, a); p < Math.min(b, this.count); p += 1) {
      const id = this.get(p);
      if (id === undefined) break;
      out.push(id);
    }
    return out;
  }

  /** Whether every place of the queue is held (so an id not found is not in it). */
  complete(): boolean {
    return this.seed.start === 0 && this.seed.ids.length >= this.count;
  }

  /** The place of `id` among the ids held, -1 when not held. */
  indexOf(id: ItemId): number {
    const key = itemKey(id);
    const at = this.seed.ids.findIndex((v) => itemKey(v) === key);
    if (at >= 0) return this.seed.start + at;
    for (const [c, ids] of this.chunks) {
      const k = ids.findIndex((v) => itemKey(v) === key);
      if (k >= 0) return c * CHUNK + k;
    }
    return -1;
  }

  /** Ask for the chunks of places a..b (exclusive) not held nor on their way. */
  need(a: number, b: number): void {
    const lo = Math.max(0, a);
    const hi = Math.min(b, this.count);
    if (lo >= hi) return;
    this.near = Math.floor(lo / CHUNK);
    const now = Date.now();
    for (let c = Math.floor(lo / CHUNK); c * CHUNK < hi; c += 1) {
      if (this.held(c)) continue;
      const since = this.asked.get(c);
      if (since !== undefined && now - since < RETRY_MS) continue;
      this.asked.set(c, now);
      this.model.send({ type: "order", start: c * CHUNK, count: CHUNK });
    }
  }

  /** Whether `pos` is held or asked for (asking for its chunk if not). */
  ensure(pos: number): boolean {
    if (this.get(pos) !== undefined) return true;
    this.need(pos, pos + 1);
    return false;
  }

  /** Ask the kernel where `id` stands; `found(pos)` gets its place (-1: not in the queue). */
  find(id: ItemId, found: (pos: number) => void): void {
    const at = this.indexOf(id);
    if (at >= 0 || this.complete()) {
      found(at);
      return;
    }
    const key = itemKey(id);
    const waiting = this.finds.get(key);
    this.finds.set(key, [...(waiting ?? []), found]);
    if (!waiting) this.model.send({ type: "order", find: id, count: CHUNK });
  }

  /** Take an "order" message (true when it was one). A window of another version is dropped. */
  receive(msg: Record<string, unknown>): boolean {
    if (msg.type !== "order") return false;
    const m = msg as unknown as OrderReply;
    if (m.version !== this.version || !Array.isArray(m.ids)) return true;
    this.count = m.total;
    this.take(m.start, m.ids);
    if (m.find !== undefined) {
      const key = itemKey(m.find);
      const waiting = this.finds.get(key) ?? [];
      this.finds.delete(key);
      for (const found of waiting) found(typeof m.position === "number" ? m.position : -1);
    }
    this.arrived();
    return true;
  }

  private held(c: number): boolean {
    if (this.chunks.has(c)) return true;
    const a = c * CHUNK;
    const b = Math.min(a + CHUNK, this.count);
    return a >= this.seed.start && b <= this.seed.start + this.seed.ids.length;
  }

  /** Keep the whole chunks of ids[k] = place start + k. */
  private take(start: number, ids: ItemId[]): void {
    const end = start + ids.length;
    for (let c = Math.floor(start / CHUNK); c * CHUNK < end; c += 1) {
      const a = c * CHUNK;
      const b = Math.min(a + CHUNK, this.count);
      this.asked.delete(c);
      if (a < start || b > end) continue; // part of a chunk: served by the seed, or asked again
      this.chunks.set(c, ids.slice(a - start, b - start));
    }
    this.evict();
  }

  private evict(): void {
    if (this.chunks.size <= MAX_CHUNKS) return;
    const far = [...this.chunks.keys()].sort((x, y) => Math.abs(y - this.near) - Math.abs(x - this.near));
    for (const c of far.slice(0, this.chunks.size - MAX_CHUNKS)) this.chunks.delete(c);
  }
}
