import { describe, expect, it, vi } from "vitest";
import type { Reply } from "./channel";
import { ItemEditOptions, ItemEdits } from "./item_edits";
import type { ItemCache, ItemId, ItemInfo } from "./items";
import type { Edit, EditLedger } from "./ledger";

type ShapeItem = ItemInfo & { shapes?: string[]; rejected?: string[] };

function setup(current: ItemId | null = 7, options: ItemEditOptions = {}) {
  const items = new Map<ItemId, ShapeItem>([[7, { id: 7, kind: "image", shapes: ["a"], rejected: [] }]]);
  const cache = {
    get: (id: ItemId) => items.get(id),
    update: vi.fn((id: ItemId, patch: Partial<ShapeItem>) => items.set(id, { ...items.get(id)!, ...patch })),
  };
  let open = 0;
  const send = vi.fn((_type: string, _fields: Record<string, unknown>, _edit: Edit) => Promise.resolve(null));
  const ledger = { send, pending: () => open, channel: { client: "c1" } };
  const redraw = vi.fn();
  const edits = new ItemEdits<ShapeItem>(
    { cache: cache as unknown as ItemCache, ledger: ledger as unknown as EditLedger, current: () => current ?? undefined, redraw, place: (id) => `item ${String(id)}` },
    ["shapes", "rejected"], "s", options,
  );
  const ack = (n: number, reply: Record<string, unknown>) =>
    send.mock.calls[n][2].ack!({ type: "ack", client: "c1", seq: n + 1, ...reply } as Reply);
  return { items, cache, send, redraw, edits, ack, setOpen: (n: number) => (open = n) };
}

describe("ItemEdits", () => {
  it("changes the view's copy at once, sends the intent about the item shown and repaints", () => {
    const { items, send, redraw, edits } = setup();
    edits.send("add", { shape: "b" }, (it) => { it.shapes = [...(it.shapes ?? []), "b"]; });
    expect(items.get(7)!.shapes).toEqual(["a", "b"]);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0][0]).toBe("add");
    expect(send.mock.calls[0][1]).toEqual({ item_id: 7, shape: "b" });
    expect(send.mock.calls[0][2].item).toBe(7);
    expect(send.mock.calls[0][2].describe).toBe("item 7");
    expect(redraw).toHaveBeenCalledTimes(1);
  });

  it("sends nothing for an item not cached, or when no item is shown", () => {
    const a = setup();
    a.edits.send("add", {}, undefined, 8);
    expect(a.send).not.toHaveBeenCalled();
    const b = setup(null);
    b.edits.send("add", {});
    expect(b.send).not.toHaveBeenCalled();
    expect(b.redraw).not.toHaveBeenCalled();
  });

  it("an ack's named lists replace the view's once nothing else is on its way, and acked runs", () => {
    const { items, cache, edits, ack, setOpen } = setup();
    const acked = vi.fn();
    edits.send("add", {}, undefined, 7, acked);
    setOpen(1); // another edit of the item is still unanswered: the view's copy stays
    ack(0, { shapes: ["k"], rejected: ["p0"], other: 1 });
    expect(cache.update).not.toHaveBeenCalled();
    expect(acked).toHaveBeenCalledTimes(1);
    setOpen(0);
    ack(0, { shapes: ["k"], rejected: ["p0"], other: 1 });
    expect(cache.update).toHaveBeenCalledWith(7, { shapes: ["k"], rejected: ["p0"] });
    expect(items.get(7)!.shapes).toEqual(["k"]);
    expect(acked).toHaveBeenCalledTimes(2);
  });

  it("a refusal asks the kernel for the item's state (sync)", () => {
    const { send, edits } = setup();
    edits.send("add", {});
    send.mock.calls[0][2].refused!({ type: "refused", client: "c1", seq: 1 } as Reply);
    expect(send.mock.calls[1][0]).toBe("sync");
    expect(send.mock.calls[1][1]).toEqual({ item_id: 7 });
  });

  it("options: done marks every edit; hold keeps the view's copy through an ack while it holds", () => {
    expect(setup().edits.edit(7).done).toBeUndefined();
    let held = true;
    const { cache, send, edits, ack } = setup(7, { done: true, hold: (id) => held && id === 7 });
    edits.send("add", {});
    expect(send.mock.calls[0][2].done).toBe(true);
    ack(0, { shapes: ["k"], rejected: [] });
    expect(cache.update).not.toHaveBeenCalled();
    held = false;
    edits.settle(7, { type: "ack", client: "c1", seq: 2, shapes: ["m"], rejected: [] } as Reply);
    expect(cache.update).toHaveBeenCalledWith(7, { shapes: ["m"], rejected: [] });
  });

  it("accept adds the proposals to the item's first list at once, as source proposal, in one intent", () => {
    const { items, send, edits } = setup();
    edits.accept([{ id: "p0", score: 0.9 } as { id: string }, { id: "p2" }]);
    expect(items.get(7)!.shapes).toEqual(["a", { id: "p0", score: 0.9, source: "proposal", proposal: "p0" }, { id: "p2", source: "proposal", proposal: "p2" }]);
    expect(send.mock.calls[0][0]).toBe("accept");
    expect(send.mock.calls[0][1]).toEqual({ item_id: 7, proposal_ids: ["p0", "p2"] });
  });

  it("reject adds the proposal to the item's rejected list at once, in one intent", () => {
    const { items, send, redraw, edits } = setup();
    edits.reject("p1");
    edits.reject("p3");
    expect(items.get(7)!.rejected).toEqual(["p1", "p3"]);
    expect(items.get(7)!.shapes).toEqual(["a"]);
    expect(send.mock.calls.map((c) => [c[0], c[1]])).toEqual([
      ["reject", { item_id: 7, proposal_ids: ["p1"] }], ["reject", { item_id: 7, proposal_ids: ["p3"] }],
    ]);
    expect(redraw).toHaveBeenCalledTimes(2);
  });

  it("newId numbers ids with the prefix and the client, at most 64 characters", () => {
    const { edits } = setup();
    expect(edits.newId()).toBe("s1-c1");
    expect(edits.newId()).toBe("s2-c1");
  });
});
