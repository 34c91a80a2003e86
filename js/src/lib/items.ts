// Browser-side item cache: asks the kernel for items ahead of the view ({type: "fetch", ids}),
// decodes images to ImageBitmaps as they arrive, so stepping to the next item never waits.
import { Binary, decodeImage } from "./media";
import type { Sender } from "./channel";

export type ItemId = number | string;

export interface ItemInfo {
  id: ItemId;
  kind: "image" | "text" | "error";
  mime?: string;
  text?: string;
  width?: number;
  height?: number;
  error?: string;
  buffer?: number;
  image?: ImageBitmap;
  [extra: string]: unknown;
}

export const itemKey = (id: ItemId): string => JSON.stringify(id);

const CHUNK = 16;
const REFETCH_MS = 5000;

export class ItemCache {
  private readonly items = new Map<string, ItemInfo>();
  private readonly inflight = new Map<string, number>(); // key -> time asked
  private readonly waiters = new Map<string, Array<(info: ItemInfo) => void>>();
  private generation = 0;

  constructor(private readonly model: Sender, private readonly capacity = 96) {}

  get(id: ItemId): ItemInfo | undefined {
    return this.items.get(itemKey(id));
  }

  has(id: ItemId): boolean {
    return this.items.has(itemKey(id));
  }

  /** Request every id not cached and not already on its way (a request unanswered for
   *  REFETCH_MS is sent again: the kernel may have been busy or restarted). */
  ensure(ids: ItemId[]): void {
    this.ask(this.missing(ids).map(([id]) => id));
  }

  /** The read-ahead of a view stepping through `order` at `pos`: `behind` items back and `ahead`
   *  forward (the current item included). Missing items in the near half are asked for at once;
   *  the far half is asked for once all of it is missing, so that stepping forward sends one
   *  request every ahead/2 steps instead of one per step (each request is a kernel round trip
   *  that competes with the next keystroke).
   *
   *  Example: `cache.around(order, pos, 3, 12)` after every step of a labelling view. */
  around(order: ItemId[], pos: number, behind: number, ahead: number): void {
    const start = Math.max(0, pos - behind);
    const ids = order.slice(start, pos + ahead);
    const missing = this.missing(ids);
    const near = pos - start + Math.ceil(ahead / 2); // index where the far half begins
    // near the end of the order the far half is shorter: all of what is left of it will do
    const enough = Math.max(1, Math.min(Math.floor(ahead / 2), ids.length - near));
    if (missing.some(([, at]) => at < near) || missing.length >= enough) {
      this.ask(missing.map(([id]) => id));
    }
  }

  /** The ids neither cached nor recently asked for, with their index in `ids` (first of each). */
  private missing(ids: ItemId[]): Array<[ItemId, number]> {
    const now = Date.now();
    const seen = new Set<string>();
    const out: Array<[ItemId, number]> = [];
    ids.forEach((id, at) => {
      const key = itemKey(id);
      const since = this.inflight.get(key);
      if (this.items.has(key) || seen.has(key) || (since !== undefined && now - since < REFETCH_MS)) return;
      seen.add(key);
      out.push([id, at]);
    });
    return out;
  }

  private ask(ids: ItemId[]): void {
    const now = Date.now();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      chunk.forEach((id) => this.inflight.set(itemKey(id), now));
      this.model.send({ type: "fetch", ids: chunk });
    }
  }

  /** Resolves once the item is cached (requests it if needed). */
  whenReady(id: ItemId): Promise<ItemInfo> {
    const hit = this.get(id);
    if (hit) return Promise.resolve(hit);
    this.ensure([id]);
    return new Promise((resolve) => {
      const key = itemKey(id);
      this.waiters.set(key, [...(this.waiters.get(key) ?? []), resolve]);
    });
  }

  /** Take an "items" message from the kernel; images are decoded before they count as cached. */
  async receive(infos: ItemInfo[], buffers: Binary[], keep: ItemId[] = []): Promise<void> {
    const generation = this.generation;
    await Promise.all(
      infos.map(async (info) => {
        if (info.kind === "image" && typeof info.buffer === "number" && buffers[info.buffer]) {
          try {
            info.image = await decodeImage(buffers[info.buffer], info.mime ?? "image/png");
          } catch (e) {
            info.kind = "error";
            info.error = `cannot decode image: ${e}`;
          }
        }
      }),
    );
    if (generation !== this.generation) return; // invalidated while decoding
    for (const info of infos) {
      const key = itemKey(info.id);
      this.inflight.delete(key);
      this.items.set(key, info);
      for (const resolve of this.waiters.get(key) ?? []) resolve(info);
      this.waiters.delete(key);
    }
    this.evict(keep);
  }

  /** Patch a cached item's fields (e.g. its label after an ack). */
  update(id: ItemId, patch: Partial<ItemInfo>): void {
    const info = this.get(id);
    if (info) Object.assign(info, patch);
  }

  /** Forget everything (the kernel's data changed); pending waiters are served by the refetch. */
  invalidate(): void {
    this.generation += 1;
    for (const info of this.items.values()) info.image?.close?.();
    this.items.clear();
    this.inflight.clear();
  }

  private evict(keep: ItemId[]): void {
    if (this.items.size <= this.capacity) return;
    const protectedKeys = new Set(keep.map(itemKey));
    for (const [key, info] of this.items) {
      if (this.items.size <= this.capacity) break;
      if (protectedKeys.has(key)) continue;
      info.image?.close?.();
      this.items.delete(key);
    }
  }
}
