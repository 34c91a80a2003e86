// TranscriptReview's commands. Each edit changes the view's copy of the utterance at once and goes
// through the EditLedger; the kernel's ack (the utterance's words, packed in its buffers as a fetch
// sends them, and its verdict) then replaces the copy, and a refusal asks for the kernel's state
// again (editorEdit's "sync"). Words the view makes (split, insert) get their id here (new_word), so
// the next edit can name them before the ack.
import { editorEdit, sayAbout, undoText } from "../../lib/canvas_stage";
import type { Reply } from "../../lib/channel";
import type { ItemCache, ItemId } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import type { StatusLine } from "../../lib/status";
import type { Stepper } from "../../lib/stepper";
import {
  Edge, insertSpan, movedEdge, newWordId, replyWords, splitPoint, Utterance, Verdict, withFlag, withInsert, withMerge,
  withSplit, withText, withTimes, Word,
} from "./model";

const CHANGES: Record<string, string> = {
  text: "word text", time: "word times", split: "split", merge: "merge", insert: "new word", delete: "word deleted",
  flag: "flag", verdict: "verdict", redo: "redo",
};

export interface ActionParts {
  cache: ItemCache;
  ledger: EditLedger;
  stepper: Stepper;
  status: StatusLine;
  /** the playhead (seconds) */
  playhead: () => number;
  /** seconds one waveform pixel spans at the zoom shown */
  pixel: () => number;
  /** open the text editor on the selected word */
  edit: () => void;
  repaint: () => void;
}

export class TranscriptActions {
  selected: string | null = null; // word id
  edge: Edge = "start";

  constructor(private readonly p: ActionParts) {}

  /** The utterance shown, once it has arrived. */
  utterance(): { id: ItemId; u: Utterance } | undefined {
    const id = this.p.stepper.current();
    const u = id === undefined ? undefined : (this.p.cache.get(id) as Utterance | undefined);
    return id === undefined || !u || !Array.isArray(u.words) ? undefined : { id, u };
  }

  /** Index of the selected word in `words` (-1: none). */
  index(words: readonly Word[] = this.utterance()?.u.words ?? []): number {
    return this.selected === null ? -1 : words.findIndex((w) => w.id === this.selected);
  }

  select(k: number): void {
    const words = this.utterance()?.u.words ?? [];
    this.selected = words[k]?.id ?? null;
    this.p.repaint();
  }

  private place(id: ItemId): string {
    return this.p.stepper.placeOf(id);
  }

  private send(type: string, id: ItemId, fields: Record<string, unknown>, after?: (reply: Reply) => void): void {
    const ack = (reply: Reply) => {
      const words = this.ackWords(id, reply);
      // the kernel's state replaces the view's only when no later edit of this utterance is on its way:
      // an older state would undo those edits in the view (and the next nudge would start from it)
      if (words && this.p.ledger.pending(id) === 0) {
        this.p.cache.update(id, { words, verdict: (reply.verdict ?? null) as Verdict | null });
      }
      after?.(reply);
      this.p.repaint();
    };
    void this.p.ledger.send(type, { item_id: id, ...this.run(id), ...fields }, editorEdit(this.p.ledger, id, ack, this.place(id)));
  }

  /** The ASR run the edit is made on (`hypothesis`), when the utterance carries it. */
  private run(id: ItemId): { hypothesis?: string } {
    const u = this.p.cache.get(id) as Utterance | undefined;
    return typeof u?.hypothesis === "string" ? { hypothesis: u.hypothesis } : {};
  }

  /** The words an ack of utterance `id` carries (packed, in its buffers); undefined when it carries
   *  none, or when they are misshapen: then said on the status line, and the view's copy stays. */
  private ackWords(id: ItemId, reply: Reply): Word[] | undefined {
    const words = replyWords(reply);
    if (typeof words !== "string") return words;
    this.p.status.error(`${this.place(id)}: the kernel's answer held ${words}; the words shown are the view's own`, {
      item: id, title: `item id ${JSON.stringify(id)}`,
    });
    return undefined;
  }

  private patch(id: ItemId, words: Word[], verdict?: Verdict | null): void {
    this.p.cache.update(id, verdict === undefined ? { words } : { words, verdict });
    this.p.repaint();
  }

  /** The utterance and its selected word, or a message saying none is selected. */
  private target(): { id: ItemId; u: Utterance; k: number; w: Word } | undefined {
    const v = this.utterance();
    if (!v) return undefined;
    const k = this.index(v.u.words);
    if (k < 0) {
      this.p.status.info("select a word first (Tab, or click it)");
      return undefined;
    }
    return { ...v, k, w: v.u.words[k] };
  }

  // ------------------------------------------------------------------ word edits
  setText(text: string): void {
    const t = this.target();
    if (!t) return;
    const clean = text.trim();
    if (!clean || /\s/.test(clean)) {
      this.p.status.error(clean ? "one word per word: split it (s) or insert one (i)" : "empty: delete the word instead (Delete)");
      return;
    }
    if (clean === t.w.text) return;
    this.patch(t.id, withText(t.u.words, t.k, clean));
    this.send("text", t.id, { word: t.w.id, text: clean });
  }

  /** Move the selected boundary by `px` waveform pixels. */
  nudge(edge: Edge, px: number): void {
    const t = this.target();
    if (!t) return;
    this.edge = edge;
    const moved = movedEdge(t.u.words, t.k, edge, t.w[edge] + px * this.p.pixel(), t.u.duration_s);
    this.retime(t.k, moved.start, moved.end);
  }

  /** Word `k` spans [start, end] (a drag or a nudge). */
  retime(k: number, start: number, end: number): void {
    const v = this.utterance();
    const w = v?.u.words[k];
    if (!v || !w || (w.start === start && w.end === end)) {
      this.p.repaint();
      return;
    }
    this.patch(v.id, withTimes(v.u.words, k, start, end));
    this.send("time", v.id, { word: w.id, start_s: start, end_s: end });
  }

  split(): void {
    const t = this.target();
    if (!t) return;
    const at = splitPoint(t.w, this.p.playhead());
    const id = newWordId();
    this.patch(t.id, withSplit(t.u.words, t.k, at, id));
    this.send("split", t.id, { word: t.w.id, at_s: at, new_word: id });
    this.selected = id;
    sayAbout(this.p.status, t.id, `split at ${at.toFixed(2)} s: Enter names the new word`);
  }

  merge(): void {
    const t = this.target();
    if (!t) return;
    if (t.k + 1 >= t.u.words.length) {
      this.p.status.info("the last word: nothing after it to merge with");
      return;
    }
    this.patch(t.id, withMerge(t.u.words, t.k));
    this.send("merge", t.id, { word: t.w.id });
  }

  insert(): void {
    const v = this.utterance();
    if (!v) return;
    const k = this.index(v.u.words);
    const span = insertSpan(v.u.words, k, v.u.duration_s);
    if (!span) {
      this.p.status.info("no room after this word: move a boundary first (Alt+arrows)");
      return;
    }
    const word: Word = { id: newWordId(), text: "…", start: span[0], end: span[1], source: "human", confidence: null, flag: null };
    this.selected = word.id;
    this.patch(v.id, withInsert(v.u.words, k, word));
    this.pendingInsert = { id: v.id, after: k >= 0 ? v.u.words[k].id : null, word };
    this.p.edit(); // its text first: sent when the editor commits
  }

  /** A new word waits for its text (insert opens the editor; Escape drops it). */
  pendingInsert: { id: ItemId; after: string | null; word: Word } | null = null;

  /** The editor committed `text` (Enter) or was cancelled (null). */
  editorDone(text: string | null): void {
    const p = this.pendingInsert;
    this.pendingInsert = null;
    if (p && this.utterance()?.id === p.id) {
      const v = this.utterance()!;
      const clean = text?.trim() ?? "";
      if (!clean || /\s/.test(clean)) {
        this.patch(p.id, v.u.words.filter((w) => w.id !== p.word.id));
        this.selected = p.after;
        if (text !== null) this.p.status.error("a new word needs one word of text");
        return;
      }
      this.patch(p.id, v.u.words.map((w) => (w.id === p.word.id ? { ...w, text: clean } : w)));
      this.send("insert", p.id, { after: p.after, text: clean, start_s: p.word.start, end_s: p.word.end, new_word: p.word.id });
      return;
    }
    if (text !== null) this.setText(text);
  }

  remove(): void {
    const t = this.target();
    if (!t) return;
    const next = t.u.words[t.k + 1] ?? t.u.words[t.k - 1];
    this.patch(t.id, t.u.words.filter((_, i) => i !== t.k));
    this.send("delete", t.id, { word: t.w.id });
    this.selected = next?.id ?? null;
  }

  flag(flag: "unclear" | "jargon"): void {
    const t = this.target();
    if (!t) return;
    const value = t.w.flag === flag ? null : flag;
    this.patch(t.id, withFlag(t.u.words, t.k, value));
    this.send("flag", t.id, { word: t.w.id, flag: value });
  }

  // ------------------------------------------------------------------ the utterance
  verdict(verdict: Verdict): void {
    const v = this.utterance();
    if (!v) return;
    const before = v.u.verdict;
    this.patch(v.id, v.u.words, verdict);
    void this.p.ledger.send("verdict", { item_id: v.id, ...this.run(v.id), verdict }, {
      ...editorEdit(this.p.ledger, v.id, (reply) => {
        const words = this.ackWords(v.id, reply);
        const verdict = (reply.verdict ?? null) as Verdict | null;
        this.p.cache.update(v.id, words ? { words, verdict } : { verdict });
        this.p.repaint();
      }, this.place(v.id)),
      done: before === null ? true : undefined,
    });
    this.p.stepper.step(1);
  }

  undoRedo(kind: "undo" | "redo"): void {
    const v = this.utterance();
    if (!v) return;
    this.send(kind, v.id, {}, (reply) => {
      if (this.p.stepper.current() === v.id) sayAbout(this.p.status, v.id, undoText(kind, this.place(v.id), reply, CHANGES));
    });
  }
}
