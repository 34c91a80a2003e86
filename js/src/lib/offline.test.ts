import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Reply } from "./channel";
import { DISCONNECTED, EditLedger, KEPT_NOTE } from "./ledger";
import { KeptEdit, MemoryEditStore, REPLAY_EDITS, offerBar, replayChunks, setEditStore } from "./offline";
import { StatusLine } from "./status";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any; // the fake model is untyped JS

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const SCOPE = "0123456789abcdef0123456789abcdef";

/** A fake signal like JupyterLab's kernel.statusChanged. */
function signal() {
  const slots = new Set<(sender: unknown, value: string) => void>();
  return {
    connect: (s: (sender: unknown, value: string) => void) => slots.add(s),
    disconnect: (s: (sender: unknown, value: string) => void) => slots.delete(s),
    emit: (value: string) => slots.forEach((s) => s(null, value)),
    get size() {
      return slots.size;
    },
  };
}

function view(store: MemoryEditStore, scope: string | undefined = SCOPE, kernel?: Any) {
  const model = createFakeModel({ n_done: 0, store_key: scope });
  if (kernel) model.widget_manager.kernel = kernel;
  const status = new StatusLine();
  const root = document.createElement("div");
  root.append(status.node);
  document.body.append(root);
  const ledger = new EditLedger<Any>(model, { status, repaint: () => {}, progress: () => {} }, { retryMs: 1000, maxTries: 2 });
  model.on("msg:custom", (msg: Partial<Reply>) => ledger.channel.handle(msg));
  const seqOf = (type: string, n = -1) => (model.sentContents(type).at(n) as Any).seq as number;
  const answer = (seq: number, fields: Record<string, unknown> = {}) =>
    model.kernelSend({ type: "ack", client: ledger.channel.client, seq, ...fields });
  const refuse = (seq: number, message = "no") => model.kernelSend({ type: "refused", client: ledger.channel.client, seq, message });
  const message = () => (status.node.querySelector(".hitl-status-message") as HTMLElement).textContent;
  const banner = () => status.node.querySelector(".hitl-status-banner") as HTMLElement;
  const offer = () => root.querySelector(".hitl-offer") as HTMLElement | null;
  return { model, status, root, ledger, seqOf, answer, refuse, message, banner, offer };
}

const kept = async (store: MemoryEditStore, scope = SCOPE) => [...(store.scopes.get(scope)?.values() ?? [])];

describe("edits kept in the browser until the kernel answers", () => {
  let store: MemoryEditStore;
  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryEditStore();
    setEditStore(store);
  });
  afterEach(() => {
    setEditStore(undefined);
    vi.useRealTimers();
    document.body.replaceChildren();
  });

  it("keeps each edit when it is sent, with its intent, fields and time, and forgets it on the ack", async () => {
    vi.setSystemTime(new Date("2026-05-01T10:00:00Z"));
    const t = view(store);
    t.ledger.send("label", { item_id: 3, label: "cat" }, { item: 3 });
    await flush();
    const [edit] = await kept(store);
    expect(edit).toMatchObject({ type: "label", fields: { item_id: 3, label: "cat" }, client: t.ledger.channel.client });
    expect(edit.made_at).toBe(Date.parse("2026-05-01T10:00:00Z"));
    t.answer(t.seqOf("label"));
    await flush();
    expect(await kept(store)).toEqual([]);
  });

  it("forgets a refused edit (the kernel rejected it on purpose) and keeps one never answered", async () => {
    const t = view(store);
    t.ledger.send("label", { item_id: 1, label: "x" }, { item: 1 });
    t.ledger.send("label", { item_id: 2, label: "y" }, { item: 2 });
    await flush();
    t.refuse(t.seqOf("label", 0), "no such class");
    await vi.advanceTimersByTimeAsync(2500); // every retry of the second one: failed, not saved
    expect(t.ledger.failedCount).toBe(1);
    expect((await kept(store)).map((e) => e.fields)).toEqual([{ item_id: 2, label: "y" }]);
    t.answer(t.seqOf("label", -1)); // a late answer forgets it too
    await flush();
    expect(await kept(store)).toEqual([]);
  });

  it("keeps nothing without a store key (an in-memory store) or for an edit with binary buffers", async () => {
    const t = view(store, "");
    t.ledger.send("label", { item_id: 1 }, { item: 1 });
    const u = view(store);
    u.ledger.send("paint", { item_id: 1 }, { item: 1 }, [new ArrayBuffer(4)]);
    await flush();
    expect(t.ledger.kept).toBeUndefined();
    expect(store.scopes.size === 0 || (await kept(store)).length === 0).toBe(true);
  });

  it("keeps no edit of an item after its unanswered binary edit (it would not mean the same without it)", async () => {
    const t = view(store);
    t.ledger.send("paint", { item_id: 1 }, { item: 1 }, [new ArrayBuffer(4)]);
    t.ledger.send("fill_holes", { item_id: 1 }, { item: 1 });
    t.ledger.send("fill_holes", { item_id: 2 }, { item: 2 }); // another item: kept
    await flush();
    expect((await kept(store)).map((e) => e.fields.item_id)).toEqual([2]);
    t.answer(t.seqOf("paint"));
    await flush();
    t.ledger.send("fill_holes", { item_id: 1, value: 3 }, { item: 1 }); // the stroke is stored: kept again
    await flush();
    expect((await kept(store)).map((e) => e.fields)).toEqual([{ item_id: 2 }, { item_id: 1, value: 3 }]);
  });

  it("says the kernel is gone when the comm goes, and retry unsaved does not pretend", async () => {
    const t = view(store);
    t.ledger.send("label", { item_id: 1 }, { item: 1 });
    await vi.advanceTimersByTimeAsync(2500);
    expect(t.ledger.failedCount).toBe(1);
    expect(t.banner().hidden).toBe(true);
    emit(t.model, "comm_live_update"); // the widget manager marks the comm dead
    expect(t.ledger.connected).toBe(false);
    expect(t.banner().hidden).toBe(false);
    expect(t.banner().textContent).toBe(DISCONNECTED + KEPT_NOTE);
    const before = t.model.sentContents("label").length;
    t.ledger.retryFailed();
    expect(t.model.sentContents("label").length).toBe(before); // nothing re-sent into the void
    expect(t.ledger.failedCount).toBe(1); // still shown as not saved
    expect(t.message()).toBe(DISCONNECTED + KEPT_NOTE);
  });

  it("hears JupyterLab's kernel die (autorestarting) and stops listening when disposed", () => {
    const statusChanged = signal();
    const t = view(store, SCOPE, { statusChanged });
    statusChanged.emit("busy");
    statusChanged.emit("idle");
    expect(t.ledger.connected).toBe(true);
    statusChanged.emit("autorestarting");
    expect(t.ledger.connected).toBe(false);
    expect(t.banner().textContent).toBe(DISCONNECTED + KEPT_NOTE);
    t.ledger.dispose();
    expect(statusChanged.size).toBe(0);
    expect(t.model.listenerCount("comm_live_update")).toBe(0);
  });

  it("an answer after a false alarm (the comm still works) makes the view connected again", async () => {
    const t = view(store);
    t.ledger.send("label", { item_id: 1 }, { item: 1 });
    emit(t.model, "comm_live_update");
    expect(t.ledger.connected).toBe(false);
    t.answer(t.seqOf("label"));
    await flush();
    expect(t.ledger.connected).toBe(true);
    expect(t.banner().hidden).toBe(true);
    emit(t.model, "comm_live_update"); // and a second loss is heard again
    expect(t.ledger.connected).toBe(false);
  });

  it("without a place to keep them, the message does not claim the edits are kept", () => {
    setEditStore(null);
    const t = view(store);
    emit(t.model, "comm:close");
    expect(t.banner().textContent).toBe(DISCONNECTED);
  });
});

/** What the widget manager does to a model whose kernel is gone (@jupyter-widgets/base). */
function emit(model: Any, event: string) {
  model.fire(event);
}

describe("edits from before the restart, offered to the next view", () => {
  let store: MemoryEditStore;
  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryEditStore();
    setEditStore(store);
  });
  afterEach(() => {
    setEditStore(undefined);
    vi.useRealTimers();
    document.body.replaceChildren();
  });

  /** A first view whose kernel dies with `n` edits unanswered. */
  async function deadView(n: number) {
    const t = view(store);
    for (let k = 0; k < n; k++) {
      vi.setSystemTime(new Date(Date.UTC(2026, 4, 1, 10, 0, k)));
      t.ledger.send("label", { item_id: k, label: `c${k}` }, { item: k });
    }
    await flush();
    emit(t.model, "comm_live_update");
    return t;
  }

  it("offers them (save / discard) on the same store key, not on another, nor while the first view is live", async () => {
    const live = view(store);
    live.ledger.send("label", { item_id: 1 }, { item: 1 });
    await flush();
    const other = view(store);
    await flush();
    expect(other.offer()).toBeNull(); // the first view still waits for its kernel's answer
    emit(live.model, "comm_live_update");
    const next = view(store);
    await flush();
    expect(next.offer()).not.toBeNull();
    expect(next.offer()!.textContent).toContain("1 unsaved edit from before the restart:");
    const elsewhere = view(store, "ffffffffffffffffffffffffffffffff");
    await flush();
    expect(elsewhere.offer()).toBeNull();
    // placed above the status line, its buttons reachable by keyboard
    expect(next.offer()!.nextElementSibling).toBe(next.status.node);
    const buttons = [...next.offer()!.querySelectorAll("button")].map((b) => b.textContent);
    expect(buttons).toEqual(["save", "discard"]);
  });

  it("save replays them in the order they were made, with their times; forgets them once answered", async () => {
    const dead = await deadView(3);
    const t = view(store);
    await flush();
    expect(t.offer()!.textContent).toContain("3 unsaved edits from before the restart:");
    (t.offer()!.querySelector(".hitl-offer-save") as HTMLButtonElement).click();
    await flush();
    const replay = t.model.lastSent("replay") as Any;
    expect(replay.edits).toEqual([0, 1, 2].map((k) => ({
      type: "label", fields: { item_id: k, label: `c${k}` }, made_at: Date.UTC(2026, 4, 1, 10, 0, k),
    })));
    expect(await kept(store)).toHaveLength(3); // not before the kernel answered
    t.answer(replay.seq, { results: [{ ok: true }, { ok: true }, { ok: true }], stored: 3, n_done: 7 });
    await flush();
    expect(await kept(store)).toEqual([]);
    expect(t.offer()).toBeNull();
    expect(t.message()).toBe("saved 3 of 3 edits from before the restart");
    expect(t.model.get("n_done")).toBe(7);
    expect(dead.ledger.connected).toBe(false);
  });

  it("an edit the kernel refuses is dropped and said; one it failed to save is kept for next time", async () => {
    await deadView(3);
    const t = view(store);
    await flush();
    (t.offer()!.querySelector(".hitl-offer-save") as HTMLButtonElement).click();
    await flush();
    const replay = t.model.lastSent("replay") as Any;
    t.answer(replay.seq, { results: [{ ok: true }, { ok: false, message: "unknown class 'c1'", retry: false }, { ok: false, message: "could not save: disk full", retry: true }] });
    await flush();
    expect((await kept(store)).map((e) => e.fields.item_id)).toEqual([2]);
    expect(t.message()).toBe("saved 1 of 3 edits from before the restart; 1 not stored: unknown class 'c1'; 1 kept in this browser, not saved");
    expect(t.status.node.querySelector(".hitl-status-message")!.classList.contains("hitl-error")).toBe(true);
  });

  it("an edit the store already held (its answer died with the kernel) counts as saved, not as new", async () => {
    await deadView(2);
    const t = view(store);
    await flush();
    (t.offer()!.querySelector(".hitl-offer-save") as HTMLButtonElement).click();
    await flush();
    t.answer((t.model.lastSent("replay") as Any).seq, { results: [{ ok: true, already: true }, { ok: true }] });
    await flush();
    expect(await kept(store)).toEqual([]);
    expect(t.message()).toBe("saved 1 of 2 edits from before the restart, 1 already saved");
    expect(t.status.node.querySelector(".hitl-status-message")!.classList.contains("hitl-error")).toBe(false);
  });

  it("a replay refused whole, or never answered, keeps every edit", async () => {
    await deadView(2);
    const t = view(store);
    await flush();
    (t.offer()!.querySelector(".hitl-offer-save") as HTMLButtonElement).click();
    await flush();
    t.refuse((t.model.lastSent("replay") as Any).seq, "message too large");
    await flush();
    expect(await kept(store)).toHaveLength(2);
    expect(t.message()).toContain("2 kept in this browser, not saved (refused: message too large)");
    const u = view(store);
    await flush();
    (u.offer()!.querySelector(".hitl-offer-save") as HTMLButtonElement).click();
    await vi.advanceTimersByTimeAsync(2500); // no answer
    expect(await kept(store)).toHaveLength(2);
    expect(u.message()).toContain("2 kept in this browser, not saved");
  });

  it("discard forgets them without sending anything", async () => {
    await deadView(2);
    const t = view(store);
    await flush();
    (t.offer()!.querySelector(".hitl-offer-discard") as HTMLButtonElement).click();
    await flush();
    expect(await kept(store)).toEqual([]);
    expect(t.offer()).toBeNull();
    expect(t.model.sentContents("replay")).toEqual([]);
    expect(t.message()).toBe("discarded 2 edits from before the restart");
    const u = view(store);
    await flush();
    expect(u.offer()).toBeNull();
  });

  it("many edits travel in several replay messages", async () => {
    const edits: KeptEdit[] = Array.from({ length: REPLAY_EDITS * 2 + 1 }, (_, k) => ({
      id: `c:${k}`, client: "c", type: "label", fields: { item_id: k }, made_at: k,
    }));
    expect(replayChunks(edits).map((c) => c.length)).toEqual([REPLAY_EDITS, REPLAY_EDITS, 1]);
    const big = Array.from({ length: 3 }, (_, k) => ({ ...edits[k], fields: { text: "x".repeat(20_000) } }));
    expect(replayChunks(big).map((c) => c.length)).toEqual([1, 1, 1]);
    expect(replayChunks([])).toEqual([]);
  });

  it("the offer's buttons take Enter and Space themselves (the widget's keys do not run)", () => {
    const save = vi.fn();
    const bar = offerBar(2, { save, discard: () => {} });
    const root = document.createElement("div");
    const widgetKeys = vi.fn();
    root.addEventListener("keydown", widgetKeys);
    root.append(bar.node);
    const button = bar.node.querySelector("button")!;
    button.dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
    button.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(widgetKeys).not.toHaveBeenCalled();
    button.dispatchEvent(new KeyboardEvent("keydown", { key: "2", bubbles: true }));
    expect(widgetKeys).toHaveBeenCalledTimes(1);
    bar.busy("saving…");
    expect(button.disabled).toBe(true);
  });
});
