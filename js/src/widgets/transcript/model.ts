// TranscriptReview's data and the pure helpers over it: which word plays at a time, which boundary
// is under the pointer, how far a boundary may move, where a new word fits, and the optimistic
// versions of the kernel's edits (the kernel's ack then replaces the words with its own).
import type { ItemInfo } from "../../lib/items";
import { Binary, toBytes } from "../../lib/media";
import type { PeaksMsg } from "../../lib/waveform";
import type { ReviewModel } from "../../lib/review";

export interface Word {
  id: string;
  text: string;
  start: number;
  end: number;
  source: "model" | "human";
  confidence: number | null;
  flag: "unclear" | "jargon" | null;
}

export type Verdict = "accept" | "corrected" | "unusable";
export type Edge = "start" | "end";

export interface Utterance extends ItemInfo {
  sample_rate: number;
  n_samples: number;
  duration_s: number;
  words: Word[];
  verdict: Verdict | null;
  /** a digest of the ASR run's words: sent with each edit, so one kept across a new run is refused */
  hypothesis?: string;
  /** the first screen's peaks, sent with the utterance (PeakCache.preload) */
  first_peaks?: Array<PeaksMsg & { values: Float32Array }>;
}

export type TranscriptModel = ReviewModel;

/** The words as a fetch sends them (hitl_widgets/widgets/words.py pack_words): ids and texts joined
 *  by single spaces, and one buffer of n float64 starts, ends and confidences (NaN: none), n uint8
 *  sources and n uint8 flags. */
export interface PackedWords {
  n: number;
  id: string;
  text: string;
  buffer: number;
}

const SOURCES = ["model", "human"] as const;
const FLAGS = [null, "unclear", "jargon"] as const;

/** The words of `packed` (its buffer in `buffers`), or an error message when it is misshapen.
 *  Example: unpackWords({n: 1, id: "m0", text: "hi", buffer: 0}, [bytes]) → [{id: "m0", text: "hi", …}]. */
export function unpackWords(packed: PackedWords, buffers: readonly Binary[]): Word[] | string {
  if (typeof packed !== "object" || packed === null || typeof packed.id !== "string" || typeof packed.text !== "string") {
    return "misshapen words";
  }
  const n = packed.n;
  const buffer = Number.isInteger(packed.buffer) && packed.buffer >= 0 ? buffers[packed.buffer] : undefined;
  if (!Number.isInteger(n) || n < 0 || !buffer) return "misshapen words";
  if (n === 0) return [];
  const ids = packed.id.split(" ");
  const texts = packed.text.split(" ");
  const bytes = toBytes(buffer);
  if (ids.length !== n || texts.length !== n || bytes.byteLength !== 26 * n) return "misshapen words";
  const times = new Float64Array(bytes.slice(0, 24 * n).buffer); // an aligned copy
  const codes = bytes.subarray(24 * n);
  const words: Word[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const confidence = times[2 * n + k];
    words[k] = {
      id: ids[k], text: texts[k], start: times[k], end: times[n + k], source: SOURCES[codes[k]] ?? "human",
      confidence: Number.isNaN(confidence) ? null : confidence, flag: FLAGS[codes[n + k]] ?? null,
    };
  }
  return words;
}

/** The words an answer of the kernel carries (`packed_words`, its buffers in `reply.buffers`):
 *  the words, a message when they are misshapen, or undefined when it carries none (an old answer
 *  re-sent to a retry keeps only its fields: base.py ACK_BUFFER_MEMORY). */
export function replyWords(reply: { packed_words?: unknown; buffers?: readonly Binary[] }): Word[] | string | undefined {
  if (reply.packed_words === undefined) return undefined;
  return unpackWords(reply.packed_words as PackedWords, reply.buffers ?? []);
}

export const MIN_WORD_S = 0.01; // a word stays at least this long when a boundary moves
export const MIN_GAP_S = 0.02; // room a new word needs

/** "low" / "mid" / "high" confidence, or "human" for a word a person made or changed. */
export function confidenceClass(w: Word): "human" | "low" | "mid" | "high" {
  if (w.source === "human" || w.confidence === null) return "human";
  return w.confidence < 0.5 ? "low" : w.confidence < 0.8 ? "mid" : "high";
}

/** The index of the word playing at `t` (its start <= t < its end), or -1. */
export function wordAt(words: readonly Word[], t: number): number {
  let lo = 0;
  let hi = words.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (words[mid].end <= t) lo = mid + 1;
    else if (words[mid].start > t) hi = mid - 1;
    else return mid;
  }
  return -1;
}

/** The boundary nearest `t` within `tol` seconds: {index, edge}, or null. */
export function boundaryNear(words: readonly Word[], t: number, tol: number): { index: number; edge: Edge } | null {
  let best: { index: number; edge: Edge } | null = null;
  let dist = tol;
  words.forEach((w, index) => {
    for (const edge of ["start", "end"] as Edge[]) {
      const d = Math.abs(w[edge] - t);
      if (d <= dist) {
        dist = d;
        best = { index, edge };
      }
    }
  });
  return best;
}

/** Where word `k`'s `edge` may go: between its neighbour (or the recording's ends) and its other
 *  edge less MIN_WORD_S. */
export function edgeLimits(words: readonly Word[], k: number, edge: Edge, duration: number): [number, number] {
  const w = words[k];
  if (edge === "start") return [k > 0 ? words[k - 1].end : 0, w.end - MIN_WORD_S];
  return [w.start + MIN_WORD_S, k + 1 < words.length ? words[k + 1].start : duration];
}

/** Word `k` with `edge` moved to `t`, clamped to its limits. */
export function movedEdge(words: readonly Word[], k: number, edge: Edge, t: number, duration: number): { start: number; end: number } {
  const [lo, hi] = edgeLimits(words, k, edge, duration);
  const v = Math.max(lo, Math.min(hi, t));
  return edge === "start" ? { start: v, end: words[k].end } : { start: words[k].start, end: v };
}

/** The span a new word after word `k` (-1: before the first) takes: the gap there, less 10 ms at
 *  each side when it is long enough; at most 0.5 s; null when the gap is shorter than MIN_GAP_S. */
export function insertSpan(words: readonly Word[], k: number, duration: number): [number, number] | null {
  const a = k >= 0 ? words[k].end : 0;
  const b = k + 1 < words.length ? words[k + 1].start : duration;
  if (b - a < MIN_GAP_S) return null;
  const pad = b - a > 0.06 ? 0.01 : 0;
  return [a + pad, Math.min(b - pad, a + pad + 0.5)];
}

/** Where to split word `w`: at the playhead when it is inside the word, else in its middle. */
export function splitPoint(w: Word, playhead: number): number {
  return playhead > w.start + MIN_WORD_S && playhead < w.end - MIN_WORD_S ? playhead : (w.start + w.end) / 2;
}

/** A fresh id for a word the view makes ("h" + 12 letters / digits: the kernel's form). */
export function newWordId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `h${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

// ------------------------------------------------------------------ optimistic edits
const human = (w: Word, patch: Partial<Word>): Word => ({ ...w, ...patch, source: "human" });

export function withText(words: readonly Word[], k: number, text: string): Word[] {
  return words.map((w, i) => (i === k ? human(w, { text }) : w));
}

export function withTimes(words: readonly Word[], k: number, start: number, end: number): Word[] {
  return words.map((w, i) => (i === k ? human(w, { start, end }) : w));
}

export function withSplit(words: readonly Word[], k: number, at: number, id: string): Word[] {
  const w = words[k];
  return [...words.slice(0, k), human(w, { end: at }), human(w, { id, start: at }), ...words.slice(k + 1)];
}

export function withMerge(words: readonly Word[], k: number): Word[] {
  const [a, b] = [words[k], words[k + 1]];
  const confs = [a.confidence, b.confidence].filter((c): c is number => c !== null);
  const merged = human(a, { text: a.text + b.text, end: b.end, confidence: confs.length ? Math.min(...confs) : null, flag: a.flag ?? b.flag });
  return [...words.slice(0, k), merged, ...words.slice(k + 2)];
}

export function withInsert(words: readonly Word[], k: number, word: Word): Word[] {
  return [...words.slice(0, k + 1), word, ...words.slice(k + 1)];
}

export function withFlag(words: readonly Word[], k: number, flag: Word["flag"]): Word[] {
  return words.map((w, i) => (i === k ? { ...w, flag } : w));
}

/** "12.34 s" */
export const seconds = (t: number): string => `${t.toFixed(2)} s`;
