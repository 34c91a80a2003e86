import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { IntentChannel, MAX_BATCH, MAX_BATCH_CHARS, Reply, UnsavedError } from "./channel";
import { kernelMessages } from "./review";
import { StatusLine } from "./status";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

/** Let promise callbacks run (then/catch handlers attached in the test). */
const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** Track a promise's outcome without leaving a rejection unhandled. */
function watch<T>(p: Promise<T>) {
  const out: { value?: T; error?: unknown; settled: boolean } = { settled: false };
  p.then(
    (v) => Object.assign(out, { value: v, settled: true }),
    (e) => Object.assign(out, { error: e, settled: true }),
  );
  return out;
}

describe("IntentChannel", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(options = { retryMs: 1000, maxTries: 3 }) {
    const model = createFakeModel();
    const channel = new IntentChannel(model, options);
    const changes = vi.fn();
    channel.onChange = changes;
    return { model, channel, changes };
  }

  const ack = (channel: IntentChannel, seq: number, extra: Record<string, unknown> = {}): Partial<Reply> => ({
    type: "ack",
    client: channel.client,
    seq,
    ...extra,
  });

  it("has a client id the kernel accepts (a string of 1 to 64 characters), distinct per channel", () => {
    const a = setup().channel;
    const b = setup().channel;
    expect(typeof a.client).toBe("string");
    expect(a.client.length).toBeGreaterThanOrEqual(1);
    expect(a.client.length).toBeLessThanOrEqual(64);
    expect(a.client).not.toBe(b.client);
  });

  it("adds type, client and an increasing seq to each intent and sends it at once", () => {
    const { model, channel, changes } = setup();
    watch(channel.send("label", { item_id: 3, label: "cat" }));
    watch(channel.send("skip", { item_id: 4 }));
    expect(model.sentContents()).toEqual([
      { item_id: 3, label: "cat", type: "label", client: channel.client, seq: 1 },
      { item_id: 4, type: "skip", client: channel.client, seq: 2 },
    ]);
    expect(channel.pendingCount).toBe(2);
    expect(channel.failedCount).toBe(0);
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it("the caller's fields cannot override type, client or seq", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { type: "evil", client: "someone-else", seq: 99 }));
    expect(model.lastSent()).toMatchObject({ type: "label", client: channel.client, seq: 1 });
  });

  it("an ack resolves the promise with the reply and clears the pending intent", async () => {
    const { channel, changes } = setup();
    const p = watch(channel.send("label", { item_id: 1, label: "dog" }));
    changes.mockClear();
    const reply = ack(channel, 1, { label: "dog", n_done: 5 });
    expect(channel.handle(reply)).toBe(true);
    await flush();
    expect(p.value).toEqual(reply);
    expect(channel.pendingCount).toBe(0);
    expect(changes).toHaveBeenCalledTimes(1);
  });

  it("an answer's binary buffers reach the promise as reply.buffers; an answer without has none", async () => {
    const { channel } = setup();
    const p1 = watch(channel.send("text", { item_id: 1 }));
    const p2 = watch(channel.send("text", { item_id: 1 }));
    const bytes = new Uint8Array([1, 2, 3]);
    const msg = ack(channel, 1, { packed_words: { n: 0, id: "", text: "", buffer: 0 } });
    expect(channel.handle(msg, [new DataView(bytes.buffer)])).toBe(true);
    expect(channel.handle(ack(channel, 2), [])).toBe(true);
    await flush();
    const reply = p1.value as Reply;
    expect(reply.buffers).toHaveLength(1);
    expect([...new Uint8Array((reply.buffers![0] as DataView).buffer)]).toEqual([1, 2, 3]);
    expect(reply).toMatchObject({ seq: 1, packed_words: { buffer: 0 } });
    expect(msg).not.toHaveProperty("buffers"); // the kernel's message is not changed
    expect(p2.value).not.toHaveProperty("buffers");
  });

  it("kernelMessages hands an ack's buffers to the channel, and other messages' to their routes", async () => {
    const { model, channel } = setup();
    const items = vi.fn();
    model.on("msg:custom", kernelMessages(channel, new StatusLine(), { items }));
    const p = watch(channel.send("text", { item_id: 1 }));
    const a = new ArrayBuffer(8);
    const b = new ArrayBuffer(4);
    model.kernelSend(ack(channel, 1, { packed_words: { buffer: 1 } }), [a, b]);
    model.kernelSend({ type: "items", items: [{ id: 1, kind: "audio" }] }, [b]);
    await flush();
    expect((p.value as Reply).buffers).toEqual([a, b]);
    expect(items).toHaveBeenCalledWith([{ id: 1, kind: "audio" }], [b]);
  });

  it("answers are matched by seq, in any order", async () => {
    const { channel } = setup();
    const p1 = watch(channel.send("label", { item_id: 1 }));
    const p2 = watch(channel.send("label", { item_id: 2 }));
    channel.handle(ack(channel, 2, { item_id: 2 }));
    await flush();
    expect(p1.settled).toBe(false);
    expect(p2.value).toMatchObject({ seq: 2, item_id: 2 });
    expect(channel.pendingCount).toBe(1);
    channel.handle(ack(channel, 1, { item_id: 1 }));
    await flush();
    expect(p1.value).toMatchObject({ seq: 1, item_id: 1 });
  });

  it("a refusal resolves (not rejects) with type refused and the kernel's message", async () => {
    const { channel } = setup();
    const p = watch(channel.send("label", { item_id: 1, label: "nope" }));
    channel.handle({ type: "refused", client: channel.client, seq: 1, message: "unknown class 'nope'" });
    await flush();
    expect(p.error).toBeUndefined();
    expect(p.value).toMatchObject({ type: "refused", message: "unknown class 'nope'" });
    expect(channel.pendingCount).toBe(0);
    expect(channel.failedCount).toBe(0);
  });

  it("re-sends the SAME intent (same seq) after retryMs without an answer", () => {
    const { model, channel } = setup({ retryMs: 1000, maxTries: 3 });
    watch(channel.send("label", { item_id: 1, label: "cat" }));
    expect(model.sent.length).toBe(1);
    vi.advanceTimersByTime(999);
    expect(model.sent.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(model.sent.length).toBe(2);
    expect(model.sent[1].content).toEqual(model.sent[0].content);
    expect(model.sent[1].content.seq).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(model.sentContents().map((c: any) => c.seq)).toEqual([1, 1, 1]);
    expect(channel.pendingCount).toBe(1);
  });

  it("stops re-sending once answered", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 1 }));
    vi.advanceTimersByTime(1000);
    channel.handle(ack(channel, 1));
    vi.advanceTimersByTime(60_000);
    expect(model.sent.length).toBe(2);
    expect(channel.pendingCount).toBe(0);
    expect(channel.failedCount).toBe(0);
  });

  it("after maxTries sends without an answer, rejects with UnsavedError and counts it as failed", async () => {
    const { model, channel, changes } = setup({ retryMs: 1000, maxTries: 3 });
    const p = watch(channel.send("label", { item_id: 7, label: "cat" }));
    changes.mockClear();
    vi.advanceTimersByTime(2000);
    expect(model.sent.length).toBe(3);
    await flush();
    expect(p.settled).toBe(false);
    vi.advanceTimersByTime(1000);
    await flush();
    expect(model.sent.length).toBe(3); // maxTries sends in all
    expect(p.error).toBeInstanceOf(UnsavedError);
    expect((p.error as UnsavedError).content).toMatchObject({ item_id: 7, seq: 1, type: "label" });
    expect((p.error as Error).message).toMatch(/not saved/);
    expect(channel.pendingCount).toBe(0);
    expect(channel.failedCount).toBe(1);
    expect(changes).toHaveBeenCalled();
    vi.advanceTimersByTime(60_000);
    expect(model.sent.length).toBe(3); // a failed intent is not re-sent by itself
  });

  it("uses the documented defaults (3000 ms, 4 tries)", async () => {
    const model = createFakeModel();
    const channel = new IntentChannel(model);
    const p = watch(channel.send("skip", { item_id: 1 }));
    vi.advanceTimersByTime(2999);
    expect(model.sent.length).toBe(1);
    vi.advanceTimersByTime(9000 - 2999); // t = 9000: the 4th send
    await flush();
    expect(model.sent.length).toBe(4);
    expect(p.settled).toBe(false);
    vi.advanceTimersByTime(3000); // t = 12000: no answer to the last try
    await flush();
    expect(model.sent.length).toBe(4);
    expect(p.error).toBeInstanceOf(UnsavedError);
  });

  it("a send that throws (closed comm) counts as lost and is retried", async () => {
    const { model, channel } = setup();
    model.failSend = new Error("comm closed");
    const p = watch(channel.send("label", { item_id: 1 }));
    expect(model.sent.length).toBe(0);
    expect(channel.pendingCount).toBe(1);
    model.failSend = null;
    vi.advanceTimersByTime(1000);
    expect(model.sentContents()).toEqual([{ item_id: 1, type: "label", client: channel.client, seq: 1 }]);
    channel.handle(ack(channel, 1));
    await flush();
    expect(p.value).toMatchObject({ type: "ack", seq: 1 });
  });

  it("retryFailed() re-sends failed intents with their original seq and retries them again", async () => {
    const { model, channel, changes } = setup({ retryMs: 1000, maxTries: 2 });
    watch(channel.send("label", { item_id: 1 }));
    watch(channel.send("label", { item_id: 2 }));
    vi.advanceTimersByTime(2000);
    await flush();
    expect(channel.failedCount).toBe(2);
    model.sent.length = 0;
    changes.mockClear();
    channel.retryFailed();
    expect(model.sentContents().map((c: any) => [c.item_id, c.seq])).toEqual([[1, 1], [2, 2]]);
    expect(channel.failedCount).toBe(0);
    expect(channel.pendingCount).toBe(2);
    expect(changes).toHaveBeenCalled();
    vi.advanceTimersByTime(1000); // a fresh round of tries
    expect(model.sent.length).toBe(4);
    channel.handle(ack(channel, 1));
    channel.handle(ack(channel, 2));
    expect(channel.pendingCount).toBe(0);
    expect(channel.failedCount).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(model.sent.length).toBe(4);
  });

  it("a late answer to a failed intent clears it from the failed count", async () => {
    const { channel } = setup({ retryMs: 1000, maxTries: 1 });
    watch(channel.send("label", { item_id: 1 }));
    vi.advanceTimersByTime(1000);
    await flush();
    expect(channel.failedCount).toBe(1);
    expect(channel.handle(ack(channel, 1))).toBe(true);
    expect(channel.failedCount).toBe(0);
  });

  it("ignores late duplicate answers (an ack for a retried intent arrives twice)", async () => {
    const { channel, changes } = setup();
    const p1 = watch(channel.send("label", { item_id: 1, label: "cat" }));
    vi.advanceTimersByTime(1000); // re-sent: the kernel will answer both copies
    const p2 = watch(channel.send("label", { item_id: 2, label: "dog" }));
    expect(channel.handle(ack(channel, 1, { label: "cat" }))).toBe(true);
    changes.mockClear();
    expect(channel.handle(ack(channel, 1, { label: "SECOND" }))).toBe(true); // consumed, not passed on
    expect(channel.handle({ type: "refused", client: channel.client, seq: 1, message: "late" })).toBe(true);
    await flush();
    expect(p1.value).toMatchObject({ label: "cat" });
    expect(p2.settled).toBe(false);
    expect(channel.pendingCount).toBe(1);
    expect(changes).not.toHaveBeenCalled();
  });

  it("ignores answers meant for another client (another view of the same widget)", async () => {
    const { channel } = setup();
    const p = watch(channel.send("label", { item_id: 1 }));
    expect(channel.handle({ type: "ack", client: "other-view", seq: 1 })).toBe(false);
    expect(channel.handle({ type: "refused", client: "other-view", seq: 1, message: "x" })).toBe(false);
    expect(channel.handle({ type: "refused", seq: 1, message: "no client" })).toBe(false);
    await flush();
    expect(p.settled).toBe(false);
    expect(channel.pendingCount).toBe(1);
  });

  it("does not take other message types", () => {
    const { channel } = setup();
    watch(channel.send("label", { item_id: 1 }));
    expect(channel.handle({ type: "items", client: channel.client, seq: 1 } as any)).toBe(false);
    expect(channel.pendingCount).toBe(1);
  });

  it("dispose() stops the retry timers", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 1 }));
    channel.dispose();
    vi.advanceTimersByTime(60_000);
    expect(model.sent.length).toBe(1);
  });
});

describe("IntentChannel with coalesce", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    IntentChannel.coalescing = true;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup() {
    const model = createFakeModel();
    const channel = new IntentChannel(model, { retryMs: 1000, maxTries: 3, coalesce: true, holdMs: 100 });
    return { model, channel };
  }
  const frame = () => vi.advanceTimersByTime(17); // a requestAnimationFrame, then the task after it

  it("sends after the next frame, not during the key that made the intent", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 1 }));
    expect(model.sent).toEqual([]);
    expect(channel.pendingCount).toBe(1); // shown as unsaved at once
    frame();
    expect(model.sentContents()).toEqual([{ item_id: 1, type: "label", client: channel.client, seq: 1 }]);
  });

  it("holds the intents made while one is unanswered and sends them as one batch when it is answered", async () => {
    const { model, channel } = setup();
    const first = watch(channel.send("label", { item_id: 1 }));
    frame();
    const second = watch(channel.send("label", { item_id: 2 }));
    const third = watch(channel.send("skip", { item_id: 3 }));
    frame();
    expect(model.sent.length).toBe(1); // held: #1 is unanswered
    channel.handle({ type: "ack", client: channel.client, seq: 1 });
    expect(model.sentContents().at(-1)).toEqual({
      type: "batch",
      intents: [
        { item_id: 2, type: "label", client: channel.client, seq: 2 },
        { item_id: 3, type: "skip", client: channel.client, seq: 3 },
      ],
    });
    expect(channel.handle({ type: "ack", client: channel.client, seq: 3 })).toBe(true);
    expect(channel.handle({ type: "ack", client: channel.client, seq: 2 })).toBe(true);
    await flush();
    expect([first.settled, second.settled, third.settled]).toEqual([true, true, true]);
    expect(second.value).toMatchObject({ type: "ack", seq: 2 });
    expect(channel.pendingCount).toBe(0);
  });

  it("does not hold longer than holdMs when the kernel is slow to answer", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 1 }));
    frame();
    watch(channel.send("label", { item_id: 2 }));
    frame();
    expect(model.sent.length).toBe(1);
    vi.advanceTimersByTime(100);
    expect(model.sentContents().map((c: any) => c.seq)).toEqual([1, 2]);
  });

  it("a batched intent left unanswered is re-sent alone with its seq, and fails like any other", async () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 1 }));
    frame();
    const a = watch(channel.send("label", { item_id: 2 }));
    watch(channel.send("label", { item_id: 3 }));
    channel.handle({ type: "ack", client: channel.client, seq: 1 });
    frame();
    expect(model.sentContents().at(-1).type).toBe("batch");
    channel.handle({ type: "ack", client: channel.client, seq: 3 });
    vi.advanceTimersByTime(1000);
    expect(model.sentContents().at(-1)).toEqual({ item_id: 2, type: "label", client: channel.client, seq: 2 });
    vi.advanceTimersByTime(2000);
    await flush();
    expect(a.error).toBeInstanceOf(UnsavedError);
    expect(channel.failedCount).toBe(1);
  });

  it("binary intents travel alone and in order; batches hold at most MAX_BATCH intents", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 0 }));
    frame();
    for (let i = 1; i <= MAX_BATCH + 2; i++) watch(channel.send("label", { item_id: i }));
    watch(channel.send("mask", { item_id: 99 }, [new ArrayBuffer(4)]));
    watch(channel.send("label", { item_id: 100 }));
    channel.handle({ type: "ack", client: channel.client, seq: 1 });
    const sent = model.sent.slice(1);
    expect(sent.map((m: any) => m.content.type)).toEqual(["batch", "batch", "mask", "label"]);
    expect(sent[0].content.intents.length).toBe(MAX_BATCH);
    expect(sent[1].content.intents.map((c: any) => c.item_id)).toEqual([MAX_BATCH + 1, MAX_BATCH + 2]);
    expect(sent[2].buffers.length).toBe(1);
  });

  it("a batch never grows past MAX_BATCH_CHARS of JSON (the kernel refuses larger messages whole)", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 0 }));
    frame();
    const big = "x".repeat(Math.floor(MAX_BATCH_CHARS / 3));
    for (let i = 1; i <= 4; i++) watch(channel.send("answer", { item_id: i, text: big }));
    channel.handle({ type: "ack", client: channel.client, seq: 1 });
    const sent = model.sentContents().slice(1);
    expect(sent.map((c: any) => (c.type === "batch" ? c.intents.map((i: any) => i.item_id) : [c.item_id]))).toEqual([[1, 2], [3, 4]]);
    for (const c of sent) expect(JSON.stringify(c).length).toBeLessThan(MAX_BATCH_CHARS + 200);
  });

  it("while the kernel stays busy, what waits leaves every holdMs as one batch", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 0 })); // never answered: the kernel is busy
    frame();
    for (let round = 0; round < 3; round++) {
      watch(channel.send("label", { item_id: 10 * round + 1 }));
      frame();
      watch(channel.send("label", { item_id: 10 * round + 2 }));
      vi.advanceTimersByTime(100);
    }
    const batches = model.sentContents().slice(1);
    expect(batches.map((c: any) => c.type)).toEqual(["batch", "batch", "batch"]);
    expect(batches.map((c: any) => c.intents.map((i: any) => i.item_id))).toEqual([[1, 2], [11, 12], [21, 22]]);
  });

  it("dispose() sends what still waits", () => {
    const { model, channel } = setup();
    watch(channel.send("label", { item_id: 1 }));
    channel.dispose();
    expect(model.sentContents().map((c: any) => c.seq)).toEqual([1]);
  });

  it("without coalescing (the views' tests) every intent leaves at once", () => {
    IntentChannel.coalescing = false;
    try {
      const { model, channel } = setup();
      watch(channel.send("label", { item_id: 1 }));
      watch(channel.send("label", { item_id: 2 }));
      expect(model.sent.length).toBe(2);
    } finally {
      IntentChannel.coalescing = true;
    }
  });
});
