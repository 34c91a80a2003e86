// The IndexedDB edit store in a real browser (happy-dom has no IndexedDB).
import { afterEach, describe, expect, it } from "vitest";
import { IndexedDBEditStore, KeptEdit } from "./offline";

const edit = (id: string, made_at: number, fields: Record<string, unknown> = { item_id: 1, label: "cat" }): KeptEdit => ({
  id, client: "c1", type: "label", fields, made_at,
});

const names: string[] = [];
function fresh(): { store: IndexedDBEditStore; name: string } {
  const name = `hitl-test-${Math.random().toString(36).slice(2)}`;
  names.push(name);
  return { store: new IndexedDBEditStore(indexedDB, name), name };
}

afterEach(() => {
  for (const name of names.splice(0)) indexedDB.deleteDatabase(name);
});

describe("IndexedDBEditStore", () => {
  it("keeps edits per scope, lists them back as written, and removes them by id", async () => {
    const { store } = fresh();
    await store.put("a", edit("c1:1", 10));
    await store.put("a", edit("c1:2", 20, { item_id: "x\u202e", label: [1, 2] }));
    await store.put("b", edit("c1:1", 30));
    expect((await store.list("a")).map((e) => e.id)).toEqual(["c1:1", "c1:2"]);
    expect((await store.list("a"))[1]).toEqual(edit("c1:2", 20, { item_id: "x\u202e", label: [1, 2] }));
    expect((await store.list("b")).map((e) => e.made_at)).toEqual([30]);
    await store.remove("a", ["c1:1"]);
    expect((await store.list("a")).map((e) => e.id)).toEqual(["c1:2"]);
    expect((await store.list("b"))).toHaveLength(1); // another scope's edit with the same id stays
  });

  it("a removal asked for right after the put (an ack faster than the write) applies after it", async () => {
    const { store } = fresh();
    const put = store.put("a", edit("c1:1", 10));
    const removed = store.remove("a", ["c1:1"]);
    await Promise.all([put, removed]);
    expect(await store.list("a")).toEqual([]);
  });

  it("what one page wrote, another store object on the same database reads (the next view)", async () => {
    const { store, name } = fresh();
    await store.put("s", edit("c1:7", 70));
    const again = new IndexedDBEditStore(indexedDB, name);
    expect((await again.list("s")).map((e) => e.id)).toEqual(["c1:7"]);
  });
});
