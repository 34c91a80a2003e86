import { describe, expect, it, vi } from "vitest";
import type { ItemInfo } from "../lib/items";
import { ItemCache } from "../lib/items";
import { EditLedger } from "../lib/ledger";
import { kernelMessages } from "../lib/review";
import { StatusLine } from "../lib/status";
import type { Stepper } from "../lib/stepper";
import { TranscriptActions } from "./transcript/actions";
import {
  boundaryNear, confidenceClass, edgeLimits, insertSpan, movedEdge, newWordId, splitPoint, unpackWords, Utterance, withMerge, withSplit,
  wordAt, Word,
} from "./transcript/model";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const word = (id: string, start: number, end: number, confidence: number | null = 0.9, text = id): Word =>
  ({ id, text, start, end, source: "model", confidence, flag: null });
const words = [word("a", 0.1, 0.3, 0.3), word("b", 0.4, 0.7, 0.6), word("c", 0.8, 1.1, 0.95)];

describe("transcript model", () => {
  it("finds the word playing at a time", () => {
    expect([0.05, 0.1, 0.29, 0.35, 0.5, 1.1].map((t) => wordAt(words, t))).toEqual([-1, 0, 0, -1, 1, -1]);
    expect(wordAt([], 1)).toBe(-1);
  });
  it("colours by confidence, people's words apart", () => {
    expect(words.map(confidenceClass)).toEqual(["low", "mid", "high"]);
    expect(confidenceClass({ ...words[2], source: "human" })).toBe("human");
  });
  it("finds the boundary under the pointer, nearest first", () => {
    expect(boundaryNear(words, 0.31, 0.02)).toEqual({ index: 0, edge: "end" });
    expect(boundaryNear(words, 0.39, 0.02)).toEqual({ index: 1, edge: "start" });
    expect(boundaryNear(words, 0.55, 0.02)).toBeNull();
  });
  it("keeps a moved boundary between the neighbours and the word at least 10 ms long", () => {
    expect(edgeLimits(words, 1, "start", 2)).toEqual([0.3, 0.69]);
    expect(movedEdge(words, 1, "start", 0.2, 2)).toEqual({ start: 0.3, end: 0.7 });
    expect(movedEdge(words, 2, "end", 5, 2)).toEqual({ start: 0.8, end: 2 });
    expect(movedEdge(words, 0, "end", 0.0, 2).end).toBeCloseTo(0.11);
  });
  it("fits a new word in the gap, or says there is no room", () => {
    const r = (s: [number, number] | null) => s?.map((v) => Math.round(v * 1000) / 1000);
    expect(r(insertSpan(words, 0, 2))).toEqual([0.31, 0.39]);
    expect(r(insertSpan(words, 2, 2))).toEqual([1.11, 1.61]);
    expect(r(insertSpan(words, -1, 2))).toEqual([0.01, 0.09]);
    expect(insertSpan([word("a", 0, 1), word("b", 1.01, 2)], 0, 3)).toBeNull();
  });
  it("splits at the playhead inside the word, else in the middle; merges join texts", () => {
    expect(splitPoint(words[1], 0.5)).toBe(0.5);
    expect(splitPoint(words[1], 0.9)).toBeCloseTo(0.55);
    const s = withSplit(words, 1, 0.5, "hx");
    expect(s.map((w) => [w.id, w.start, w.end])).toEqual([["a", 0.1, 0.3], ["b", 0.4, 0.5], ["hx", 0.5, 0.7], ["c", 0.8, 1.1]]);
    const m = withMerge(words, 0);
    expect(m.map((w) => [w.text, w.start, w.end, w.confidence, w.source])).toEqual([["ab", 0.1, 0.7, 0.3, "human"], ["c", 0.8, 1.1, 0.95, "model"]]);
    expect(newWordId()).toMatch(/^h[0-9a-f]{12}$/);
  });

  it("unpacks the words a fetch packs (words.py pack_words), refusing a misshapen pack", () => {
    const n = 3;
    const bytes = new Uint8Array(26 * n);
    new Float64Array(bytes.buffer, 0, 3 * n).set([0.1, 0.4, 0.8, 0.3, 0.7, 1.1, 0.9, NaN, 0.25]);
    bytes.set([0, 1, 0, 0, 2, 1], 24 * n);
    const packed = { n, id: "m0 h1a m2", text: "the <b>cat</b> sat", buffer: 1 };
    expect(unpackWords(packed, [new ArrayBuffer(0), new DataView(bytes.buffer)])).toEqual([
      { id: "m0", text: "the", start: 0.1, end: 0.3, source: "model", confidence: 0.9, flag: null },
      { id: "h1a", text: "<b>cat</b>", start: 0.4, end: 0.7, source: "human", confidence: null, flag: "jargon" },
      { id: "m2", text: "sat", start: 0.8, end: 1.1, source: "model", confidence: 0.25, flag: "unclear" },
    ]);
    expect(unpackWords({ ...packed, n: 0, id: "", text: "", buffer: 0 }, [new ArrayBuffer(0)])).toEqual([]);
    expect(unpackWords({ ...packed, text: "the cat" }, [new ArrayBuffer(0), bytes])).toBe("misshapen words");
    expect(unpackWords(packed, [new ArrayBuffer(0), bytes.subarray(1)])).toBe("misshapen words");
    expect(unpackWords({ ...packed, buffer: 5 }, [bytes])).toBe("misshapen words");
  });
});

/** The words packed as words.py pack_words packs them: [packed fields, its one buffer]. */
function pack(ws: Word[]): [Record<string, unknown>, DataView] {
  const n = ws.length;
  const bytes = new Uint8Array(26 * n);
  const times = new Float64Array(bytes.buffer, 0, 3 * n);
  ws.forEach((w, k) => {
    times[k] = w.start;
    times[n + k] = w.end;
    times[2 * n + k] = w.confidence ?? NaN;
    bytes[24 * n + k] = w.source === "model" ? 0 : 1;
    bytes[25 * n + k] = [null, "unclear", "jargon"].indexOf(w.flag);
  });
  return [{ n, id: ws.map((w) => w.id).join(" "), text: ws.map((w) => w.text).join(" "), buffer: 0 }, new DataView(bytes.buffer)];
}

describe("transcript acks", () => {
  async function setup() {
    const model = createFakeModel({ n_done: 0 });
    const status = new StatusLine();
    const cache = new ItemCache(model);
    const ledger = new EditLedger(model, { status, repaint: () => {}, progress: () => {} });
    model.on("msg:custom", kernelMessages(ledger.channel, status, {}));
    const stepper = { current: () => 0, placeOf: () => "item 1 / 1", step: () => {} } as unknown as Stepper;
    const actions = new TranscriptActions({
      cache, ledger, stepper, status, playhead: () => 0, pixel: () => 0.01, edit: () => {}, repaint: () => {},
    });
    await cache.receive([{ id: 0, kind: "audio", duration_s: 2, words: words.map((w) => ({ ...w })), verdict: null, hypothesis: "run-1" } as unknown as ItemInfo], []);
    const shown = () => (cache.get(0) as unknown as Utterance).words;
    const ack = (type: string, fields: Record<string, unknown>, buffers: DataView[]) => {
      const sent = model.lastSent(type) as { client: string; seq: number };
      model.kernelSend({ type: "ack", client: sent.client, seq: sent.seq, intent: type, item_id: 0, ...fields }, buffers);
    };
    const message = () => status.node.querySelector(".hitl-status-message")!.textContent;
    const errors = vi.spyOn(status, "error");
    return { model, ledger, actions, shown, ack, message, errors, cache };
  }

  it("the kernel's packed words replace the view's once no later edit of the utterance is pending", async () => {
    const t = await setup();
    t.actions.select(1);
    t.actions.setText("hat");
    t.actions.flag("jargon");
    expect(t.shown().map((w) => [w.text, w.flag])).toEqual([["a", null], ["hat", "jargon"], ["c", null]]);
    const kernel = words.map((w) => ({ ...w }));
    kernel[1] = { ...kernel[1], text: "hat", source: "human" };
    const [first, firstBuffer] = pack(kernel);
    t.ack("text", { packed_words: first, verdict: null }, [firstBuffer]);
    await flush();
    // the flag is still on its way: the older state from the kernel does not undo it in the view
    expect(t.shown()[1]).toMatchObject({ text: "hat", flag: "jargon" });
    kernel[1] = { ...kernel[1], flag: "jargon", confidence: 0.5 }; // the kernel's own value wins
    const [second, secondBuffer] = pack(kernel);
    t.ack("flag", { packed_words: second, verdict: "corrected" }, [secondBuffer]);
    await flush();
    expect(t.ledger.pending(0)).toBe(0);
    expect(t.shown()).toEqual(kernel);
  });

  it("each edit and verdict names the ASR run its words came from (an edit kept across a new run is refused)", async () => {
    const t = await setup();
    t.actions.select(1);
    t.actions.setText("hat");
    t.actions.verdict("accept");
    expect(t.model.lastSent("text")).toMatchObject({ item_id: 0, hypothesis: "run-1", text: "hat" });
    expect(t.model.lastSent("verdict")).toMatchObject({ item_id: 0, hypothesis: "run-1", verdict: "accept" });
  });

  it("a misshapen pack is refused with a status error, the view's words kept and the edit settled", async () => {
    const t = await setup();
    t.actions.select(0);
    t.actions.setText("x");
    const [packed, buffer] = pack(words);
    t.ack("text", { packed_words: { ...packed, text: "only two" }, verdict: null }, [buffer]);
    await flush();
    expect(t.message()).toContain("misshapen words");
    expect(t.errors).toHaveBeenCalledTimes(1);
    expect(t.shown().map((w) => w.text)).toEqual(["x", "b", "c"]);
    expect(t.ledger.pending(0)).toBe(0);
    t.actions.setText("y");
    t.ack("text", { packed_words: "not an object", verdict: null }, []);
    await flush();
    t.actions.verdict("accept");
    t.ack("verdict", { packed_words: { ...packed, buffer: 3 }, verdict: "accept" }, [buffer]);
    await flush();
    expect(t.errors).toHaveBeenCalledTimes(3);
    expect(t.errors.mock.calls.every(([text]) => text.includes("misshapen words"))).toBe(true);
    expect(t.shown().map((w) => w.text)).toEqual(["y", "b", "c"]);
    expect((t.cache.get(0) as unknown as Utterance).verdict).toBe("accept"); // the verdict still settles
    expect(t.ledger.pending(0)).toBe(0);
  });

  it("an answer without packed words (an old answer re-sent) settles the edit and keeps the view's words", async () => {
    const t = await setup();
    t.actions.select(2);
    t.actions.setText("z");
    t.ack("text", { verdict: null }, []);
    await flush();
    expect(t.ledger.pending(0)).toBe(0);
    expect(t.shown().map((w) => w.text)).toEqual(["a", "b", "z"]);
    expect(t.message()).not.toContain("misshapen");
  });
});
