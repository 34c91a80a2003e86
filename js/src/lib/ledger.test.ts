import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Reply } from "./channel";
import { EditLedger } from "./ledger";
import type { ItemId } from "./items";
import { StatusLine } from "./status";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any; // the fake model is untyped JS

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup(nDone = 0) {
  const model = createFakeModel({ n_done: nDone });
  const status = new StatusLine();
  const repainted: ItemId[] = [];
  const progress = vi.fn();
  const ledger = new EditLedger<Any>(model, { status, repaint: (id) => repainted.push(id), progress }, { retryMs: 1000, maxTries: 2 });
  const seqOf = (type: string, n = -1) => (model.sentContents(type).at(n) as Any).seq as number;
  // the kernel's answers reach the ledger through its channel, as kernelMessages routes them
  model.on("msg:custom", (msg: Partial<Reply>) => ledger.channel.handle(msg));
  const answer = (seq: number, fields: Record<string, unknown> = {}) =>
    model.kernelSend({ type: "ack", client: ledger.channel.client, seq, ...fields });
  const refuse = (seq: number, message = "no") =>
    model.kernelSend({ type: "refused", client: ledger.channel.client, seq, message });
  const message = () => (status.node.querySelector(".hitl-status-message") as HTMLElement).textContent;
  return { model, status, ledger, repainted, progress, seqOf, answer, refuse, message };
}

describe("EditLedger", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the intent and shows the edit as pending until the kernel acknowledges it", async () => {
    const t = setup();
    const ack = vi.fn();
    const settled = t.ledger.send("label", { item_id: 7, label: "cat" }, { item: 7, ack });
    expect(t.model.lastSent("label")).toMatchObject({ type: "label", item_id: 7, label: "cat", client: t.ledger.channel.client });
    expect(t.ledger.stateOf(7)).toBe("pending");
    expect(t.ledger.pending(7)).toBe(1);
    expect(t.progress).toHaveBeenCalled();
    t.answer(t.seqOf("label"), { label: "cat" });
    await flush();
    expect(ack).toHaveBeenCalledWith(expect.objectContaining({ type: "ack", label: "cat" }));
    expect(t.ledger.stateOf(7)).toBeUndefined();
    expect(t.ledger.pending(7)).toBe(0);
    expect(t.repainted).toEqual([7]);
    expect(await settled).toMatchObject({ type: "ack" });
  });

  it("a stale ack settles like an ack: the kernel's state it carries is applied", async () => {
    const t = setup();
    const ack = vi.fn();
    t.ledger.send("label", { item_id: 1 }, { item: 1, ack });
    t.answer(t.seqOf("label"), { stale: true, label: "dog" });
    await flush();
    expect(ack).toHaveBeenCalledWith(expect.objectContaining({ stale: true, label: "dog" }));
    expect(t.ledger.stateOf(1)).toBeUndefined();
  });

  it("stays pending while a later edit on the same item is unanswered", async () => {
    const t = setup();
    t.ledger.send("label", { item_id: 1 }, { item: 1 });
    t.ledger.send("undo", { item_id: 1 }, { item: 1 });
    t.answer(t.seqOf("label"));
    await flush();
    expect(t.ledger.stateOf(1)).toBe("pending");
    expect(t.ledger.pending(1)).toBe(1);
    t.answer(t.seqOf("undo"));
    await flush();
    expect(t.ledger.stateOf(1)).toBeUndefined();
  });

  it("writes the ack's n_done into the model, and done() reads it", async () => {
    const t = setup(2);
    expect(t.ledger.done(10)).toBe(2);
    t.ledger.send("label", { item_id: 1 }, { item: 1 });
    t.answer(t.seqOf("label"), { n_done: 5 });
    await flush();
    expect(t.model.get("n_done")).toBe(5);
    expect(t.ledger.done(10)).toBe(5);
    expect(t.ledger.done(4)).toBe(4); // never more than the total
  });

  it("counts an item done by an edit on its way until the edit settles", async () => {
    const t = setup(1);
    t.ledger.send("label", { item_id: 1 }, { item: 1, done: true });
    t.ledger.send("label", { item_id: 2 }, { item: 2, done: true });
    expect(t.ledger.done(10)).toBe(3);
    t.ledger.send("skip", { item_id: 2 }, { item: 2, done: false }); // a skip labels nothing
    expect(t.ledger.done(10)).toBe(2);
    t.ledger.send("label", { item_id: 1 }, { item: 1 }); // a relabel: no change to the count
    expect(t.ledger.done(10)).toBe(2);
    t.answer(t.seqOf("label", 0), { n_done: 2 });
    await flush();
    expect(t.ledger.done(10)).toBe(2); // the kernel counts it now, not the ledger
  });

  it("restart drops the optimistic count and the undo stack", () => {
    const t = setup(0);
    t.ledger.send("label", { item_id: 1 }, { item: 1, done: true, undo: true });
    t.ledger.restart();
    expect(t.ledger.done(10)).toBe(0);
    expect(t.ledger.popUndo()).toBeUndefined();
  });

  it("a refusal undoes the change, shows the kernel's reason and leaves the undo stack", async () => {
    const t = setup();
    const refused = vi.fn();
    const ack = vi.fn();
    t.ledger.send("label", { item_id: 1 }, { item: 1, undo: "first" });
    t.ledger.send("label", { item_id: 2 }, { item: 2, undo: "second", refused, ack });
    t.refuse(t.seqOf("label"), "unknown class");
    await flush();
    expect(refused).toHaveBeenCalledTimes(1);
    expect(ack).not.toHaveBeenCalled();
    expect(t.message()).toBe("refused: unknown class");
    expect(t.ledger.stateOf(2)).toBeUndefined();
    expect(t.repainted).toEqual([2]);
    expect(t.ledger.popUndo()?.value).toBe("first");
    expect(t.ledger.popUndo()).toBeUndefined();
    t.status.showing(2);
    expect(t.message()).toBe("refused: unknown class"); // still on item 2: it stays
    t.status.showing(3);
    expect(t.message()).toBe(""); // the refusal belongs to item 2
  });

  it("keeps undoable edits newest last, each with its item and the kernel's answer", async () => {
    const t = setup();
    t.ledger.send("flag", { item_id: 1 }, { item: 1, undo: "a" });
    t.ledger.send("flag", { item_id: 2 }, { item: 2, undo: "b" });
    t.ledger.send("undo", { item_id: 2 }, { item: 2 }); // not undoable
    t.answer(t.seqOf("flag"), { event_id: 42 });
    await flush();
    const top = t.ledger.popUndo()!;
    expect([top.item, top.value]).toEqual([2, "b"]);
    expect(await top.reply).toMatchObject({ event_id: 42 });
    expect(t.ledger.popUndo()?.item).toBe(1);
  });

  it("an edit never answered is failed, reported with what it was, and settles on a late answer", async () => {
    const t = setup();
    const failed = vi.fn();
    const ack = vi.fn();
    const settled = t.ledger.send("judge", { query_id: 3, item_id: 9 }, {
      item: 3, key: "q3 r9", describe: "query 3, item 9", failed, ack,
    });
    vi.advanceTimersByTime(2 * 1000);
    await flush();
    expect(await settled).toBeNull();
    expect(failed).toHaveBeenCalledTimes(1);
    expect(t.ledger.state("q3 r9")).toBe("failed");
    expect(t.ledger.stateOf(3)).toBeUndefined(); // shown on its own key only
    expect(t.ledger.pending(3)).toBe(0);
    expect(t.ledger.failedCount).toBe(1);
    expect(t.message()).toMatch(/not saved.*\(query 3, item 9\)$/);
    expect(t.repainted).toEqual([3]);
    t.answer(t.seqOf("judge"), { judgement: "relevant" }); // the kernel came back
    await flush();
    expect(ack).toHaveBeenCalledWith(expect.objectContaining({ judgement: "relevant" }));
    expect(t.ledger.state("q3 r9")).toBeUndefined();
    expect(t.ledger.failedCount).toBe(0);
  });

  it("a late refusal of a failed edit undoes it", async () => {
    const t = setup();
    const refused = vi.fn();
    t.ledger.send("label", { item_id: 1 }, { item: 1, refused, undo: true });
    vi.advanceTimersByTime(2 * 1000);
    await flush();
    t.ledger.retryFailed();
    expect(t.ledger.pendingCount).toBe(1);
    t.refuse(t.seqOf("label"), "bad");
    await flush();
    expect(refused).toHaveBeenCalledTimes(1);
    expect(t.message()).toBe("refused: bad");
    expect(t.ledger.popUndo()).toBeUndefined();
    expect(t.ledger.stateOf(1)).toBeUndefined();
  });

  it("a later answered edit on the same item settles the failures before it", async () => {
    const t = setup();
    t.ledger.send("label", { item_id: 1 }, { item: 1 });
    vi.advanceTimersByTime(2 * 1000);
    await flush();
    expect(t.ledger.stateOf(1)).toBe("failed");
    t.ledger.send("label", { item_id: 1 }, { item: 1 });
    expect(t.ledger.stateOf(1)).toBe("pending"); // the newest edit is on its way
    t.answer(t.seqOf("label"));
    await flush();
    expect(t.ledger.stateOf(1)).toBeUndefined(); // the kernel's state stands for both
  });

  it("an answer on another item settles none of this item's failures", async () => {
    const t = setup();
    t.ledger.send("label", { item_id: 1 }, { item: 1 }); // n = 1
    vi.advanceTimersByTime(500);
    t.ledger.send("label", { item_id: 2 }, { item: 2 }); // n = 2, another item
    t.answer(t.seqOf("label"));
    await flush();
    vi.advanceTimersByTime(2 * 1000);
    await flush();
    expect(t.ledger.stateOf(1)).toBe("failed"); // an answer on another item settles nothing here
    expect(t.ledger.stateOf(2)).toBeUndefined();
  });

  it("dispose sends what waits and stops the retries", () => {
    const t = setup();
    t.ledger.send("label", { item_id: 1 }, { item: 1 });
    t.ledger.dispose();
    vi.advanceTimersByTime(10_000);
    expect(t.model.sentContents("label")).toHaveLength(1);
  });
});
