import { afterEach, describe, expect, it, vi } from "vitest";
import { ItemCache, ItemInfo, itemKey } from "./items";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

const text = (id: number | string, extra: Partial<ItemInfo> = {}): ItemInfo => ({ id, kind: "text", text: `item ${id}`, ...extra });
const fetched = (model: any): Array<Array<number | string>> => model.sentContents("fetch").map((c: any) => c.ids);
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, k) => a + k);

function setup(capacity?: number) {
  const model = createFakeModel();
  const cache = new ItemCache(model, capacity);
  return { model, cache };
}

describe("itemKey", () => {
  it("keeps numeric and string ids apart", () => {
    expect(itemKey(1)).not.toBe(itemKey("1"));
    expect(itemKey("a")).toBe(itemKey("a"));
  });
});

describe("ItemCache", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("ensure() asks the kernel for missing ids with a fetch message", () => {
    const { model, cache } = setup();
    cache.ensure([1, 2, 3]);
    expect(model.sentContents()).toEqual([{ type: "fetch", ids: [1, 2, 3] }]);
  });

  it("ensure() asks only for the ids that are neither cached nor already requested", async () => {
    const { model, cache } = setup();
    await cache.receive([text(1), text(2)], []);
    cache.ensure([1, 2, 3, 4]);
    cache.ensure([3, 4]); // on their way: not asked again
    cache.ensure([2, 4, 5]);
    expect(fetched(model)).toEqual([[3, 4], [5]]);
  });

  it("ensure() of nothing new sends nothing", async () => {
    const { model, cache } = setup();
    await cache.receive([text(1)], []);
    cache.ensure([1]);
    cache.ensure([]);
    expect(model.sent).toEqual([]);
  });

  it("ensure() splits large requests into chunks of 16, each id once, in order", () => {
    const { model, cache } = setup();
    cache.ensure(range(0, 40));
    const chunks = fetched(model);
    expect(chunks.map((c) => c.length)).toEqual([16, 16, 8]);
    expect(chunks.flat()).toEqual(range(0, 40));
  });

  it("ensure() does not ask twice for an id listed twice in one call", () => {
    const { model, cache } = setup();
    cache.ensure([7, 7, 8]);
    expect(fetched(model).flat()).toEqual([7, 8]);
  });

  it("around() asks for the whole read-ahead at first, then once its far half is all missing", async () => {
    const { model, cache } = setup();
    const order = range(0, 100);
    cache.around(order, 0, 3, 12);
    expect(fetched(model)).toEqual([range(0, 12)]);
    await cache.receive(range(0, 12).map((i) => text(i)), []);
    for (let pos = 1; pos <= 5; pos++) cache.around(order, pos, 3, 12); // 12..16 missing: far, only 5
    expect(fetched(model)).toHaveLength(1);
    cache.around(order, 6, 3, 12); // 12..17 missing: the whole far half
    expect(fetched(model)).toEqual([range(0, 12), range(12, 18)]);
    cache.around(order, 7, 3, 12); // 18 missing, 12..17 on their way: nothing yet
    expect(fetched(model)).toHaveLength(2);
  });

  it("around() near the end of the order asks for the rest of the far half, however short", async () => {
    const { model, cache } = setup();
    const order = range(0, 20);
    await cache.receive(range(7, 18).map((i) => text(i)), []);
    cache.around(order, 11, 3, 12); // far half 17..19: 18, 19 missing, 17 is not
    expect(fetched(model)).toEqual([]);
    cache.around(order, 12, 3, 12); // far half 18, 19: all of it missing (the order ends there)
    expect(fetched(model)).toEqual([[18, 19]]);
  });

  it("around() asks at once for a missing item in the near half (a jump or a step back)", async () => {
    const { model, cache } = setup();
    const order = range(0, 100);
    await cache.receive(range(40, 52).map((i) => text(i)), []);
    cache.around(order, 40, 3, 12); // 37..39 behind are missing: near, asked at once
    expect(fetched(model)).toEqual([[37, 38, 39]]);
    cache.around(order, 60, 3, 12);
    expect(fetched(model)[1]).toEqual(range(57, 72));
  });

  it("treats 1 and '1' as different items", () => {
    const { model, cache } = setup();
    cache.ensure([1]);
    cache.ensure(["1"]);
    expect(fetched(model)).toEqual([[1], ["1"]]);
  });

  it("get/has find received items", async () => {
    const { cache } = setup();
    expect(cache.has(1)).toBe(false);
    expect(cache.get(1)).toBeUndefined();
    await cache.receive([text(1, { label: "cat" })], []);
    expect(cache.has(1)).toBe(true);
    expect(cache.get(1)).toMatchObject({ id: 1, text: "item 1", label: "cat" });
  });

  it("whenReady() requests the item and resolves when it arrives", async () => {
    const { model, cache } = setup();
    let got: ItemInfo | undefined;
    cache.whenReady(5).then((info) => (got = info));
    expect(fetched(model)).toEqual([[5]]);
    await Promise.resolve();
    expect(got).toBeUndefined();
    await cache.receive([text(5)], []);
    await Promise.resolve();
    expect(got).toMatchObject({ id: 5, text: "item 5" });
  });

  it("whenReady() on an item already on its way does not request it again, and every waiter is served", async () => {
    const { model, cache } = setup();
    cache.ensure([5, 6]);
    const a = cache.whenReady(5);
    const b = cache.whenReady(5);
    expect(fetched(model)).toEqual([[5, 6]]);
    await cache.receive([text(5), text(6)], []);
    await expect(a).resolves.toMatchObject({ id: 5 });
    await expect(b).resolves.toMatchObject({ id: 5 });
  });

  it("whenReady() on a cached item resolves without a request", async () => {
    const { model, cache } = setup();
    await cache.receive([text(5)], []);
    await expect(cache.whenReady(5)).resolves.toMatchObject({ id: 5 });
    expect(model.sent).toEqual([]);
  });

  it("update() patches a cached item and ignores unknown ones", async () => {
    const { cache } = setup();
    await cache.receive([text(1, { label: null })], []);
    cache.update(1, { label: "dog" });
    cache.update(99, { label: "x" });
    expect(cache.get(1)?.label).toBe("dog");
    expect(cache.has(99)).toBe(false);
  });

  it("invalidate() forgets every item, closes bitmaps, and lets them be requested again", async () => {
    const { model, cache } = setup();
    const close = vi.fn();
    await cache.receive([text(1, { image: { close } as unknown as ImageBitmap }), text(2)], []);
    cache.ensure([3]); // in flight when invalidated
    cache.invalidate();
    expect(cache.has(1)).toBe(false);
    expect(cache.has(2)).toBe(false);
    expect(close).toHaveBeenCalledTimes(1);
    cache.ensure([1, 2, 3]);
    expect(fetched(model)).toEqual([[3], [1, 2, 3]]);
  });

  it("drops a batch that was invalidated while it was being received", async () => {
    const { cache } = setup();
    const pending = cache.receive([text(1)], []);
    cache.invalidate();
    await pending;
    expect(cache.has(1)).toBe(false);
  });

  it("a waiter from before an invalidation is served by the refetch", async () => {
    const { cache } = setup();
    const ready = cache.whenReady(1);
    cache.invalidate();
    await cache.receive([text(1, { text: "fresh" })], []);
    await expect(ready).resolves.toMatchObject({ text: "fresh" });
  });

  it("evicts the oldest items beyond capacity but keeps the protected ones", async () => {
    const { cache } = setup(3);
    const closes = [1, 2, 3, 4, 5].map(() => vi.fn());
    const infos = [1, 2, 3, 4, 5].map((id, k) => text(id, { image: { close: closes[k] } as unknown as ImageBitmap }));
    await cache.receive(infos, [], [1, 2]);
    expect([1, 2, 3, 4, 5].filter((id) => cache.has(id))).toEqual([1, 2, 5]);
    expect(closes.map((c) => c.mock.calls.length)).toEqual([0, 0, 1, 1, 0]);
    // later batches keep evicting what is not protected
    await cache.receive([text(6)], [], [6, 5]);
    expect([1, 2, 3, 4, 5, 6].filter((id) => cache.has(id))).toEqual([2, 5, 6]);
  });

  it("never goes above capacity when nothing is protected", async () => {
    const { cache } = setup(4);
    await cache.receive(range(0, 10).map((id) => text(id)), []);
    expect(range(0, 10).filter((id) => cache.has(id))).toEqual([6, 7, 8, 9]);
  });

  it("an evicted item can be requested again", async () => {
    const { model, cache } = setup(1);
    cache.ensure([1]);
    await cache.receive([text(1), text(2)], [], [2]);
    expect(cache.has(1)).toBe(false);
    cache.ensure([1]);
    expect(fetched(model)).toEqual([[1], [1]]);
  });

  it("decodes image buffers before the item counts as cached", async () => {
    const bitmap = { width: 2, height: 1, close: vi.fn() };
    let seen: Blob | undefined;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    vi.stubGlobal("createImageBitmap", async (blob: Blob) => {
      seen = blob;
      await gate;
      return bitmap;
    });
    const { cache } = setup();
    const bytes = new Uint8Array([9, 8, 7, 6, 5]);
    const view = new DataView(bytes.buffer, 1, 3); // ipywidgets hands buffers over as DataViews
    const done = cache.receive([{ id: "a", kind: "image", mime: "image/jpeg", buffer: 0 }], [view]);
    await Promise.resolve();
    expect(cache.has("a")).toBe(false); // not before it is decoded
    release();
    await done;
    expect(cache.get("a")).toMatchObject({ kind: "image", image: bitmap });
    expect(seen?.type).toBe("image/jpeg");
    expect([...new Uint8Array(await seen!.arrayBuffer())]).toEqual([8, 7, 6]);
  });

  it("an image that cannot be decoded becomes an error item (and still resolves its waiters)", async () => {
    vi.stubGlobal("createImageBitmap", async () => {
      throw new Error("bad PNG");
    });
    const { cache } = setup();
    const ready = cache.whenReady(1);
    await cache.receive([{ id: 1, kind: "image", mime: "image/png", buffer: 0 }], [new Uint8Array([1, 2, 3])]);
    const info = await ready;
    expect(info.kind).toBe("error");
    expect(info.error).toMatch(/cannot decode image: .*bad PNG/);
  });
});
