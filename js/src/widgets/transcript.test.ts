import { describe, expect, it } from "vitest";
import {
  boundaryNear, confidenceClass, edgeLimits, insertSpan, movedEdge, newWordId, splitPoint, unpackWords, withMerge, withSplit, wordAt, Word,
} from "./transcript/model";

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
