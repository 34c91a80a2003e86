// BBoxAnnotator's intents: each change is applied to the view's copy of the item at once and sent
// through the edit ledger (lib/item_edits.ts: the kernel answers with the item's whole box list, which
// replaces the view's copy once no other edit of that item is on its way).
// The draft (a box being moved, resized or nudged) is sent when editing it ends.
import type { ClassName } from "../../lib/classes";
import { ItemEdits } from "../../lib/item_edits";
import type { ItemCache, ItemId } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import type { Rect } from "../../lib/viewport";
import { Box, BoxItem, roundRect } from "./geometry";
import type { BoxState } from "./state";

export interface EditParts {
  state: BoxState;
  cache: ItemCache;
  ledger: EditLedger;
  /** repaint after a change to the item shown */
  redraw: () => void;
  /** where item `id` stands, as the person counts ("item 4"), for messages */
  place: (id: ItemId) => string;
}

export class BoxEdits extends ItemEdits<BoxItem> {
  constructor(private readonly p: EditParts) {
    super({ ...p, current: () => p.state.current() }, ["boxes", "rejected"], "b");
  }

  /** Add boxes of the given rects and classes to the item shown; returns their new ids. */
  addBoxes(rects: Array<Rect & { class: ClassName }>): string[] {
    const boxes: Box[] = rects.map((r) => ({
      id: this.newId(), ...roundRect(r), class: r.class, source: "human", score: null, proposal: null,
    }));
    this.send("add", { boxes: boxes.map(({ id, x, y, w, h: hh, class: c }) => ({ id, x, y, w, h: hh, class: c })) }, (it) => {
      it.boxes = [...(it.boxes ?? []), ...boxes];
    });
    return boxes.map((b) => b.id);
  }

  /** Send the draft (a moved / resized / nudged box) to the kernel. */
  flushDraft(): void {
    const { state, cache, redraw } = this.p;
    state.stopNudge();
    const d = state.draft;
    const op = state.draftOp;
    const of = state.draftItem;
    state.draft = null;
    state.draftOp = null;
    state.draftItem = undefined;
    if (!d || !op || of === undefined) return;
    const geometry = roundRect(d);
    const done = { ...d, ...geometry };
    if (op === "adjust") {
      this.send("adjust", { proposal_id: d.id, ...geometry, class: d.class }, (it) => {
        it.boxes = [...(it.boxes ?? []), done];
      }, of);
      return;
    }
    const before = (cache.get(of) as BoxItem | undefined)?.boxes?.find((b) => b.id === d.id);
    if (before && before.x === done.x && before.y === done.y && before.w === done.w && before.h === done.h && before.class === done.class) {
      redraw();
      return;
    }
    this.send("update", { box_id: d.id, ...geometry, class: d.class }, (it) => {
      it.boxes = (it.boxes ?? []).map((b) =>
        b.id === d.id ? { ...done, source: b.source === "proposal" ? "adjusted" : b.source } : b,
      );
    }, of);
  }

  /** Start (or continue) editing the selected box or proposal; returns the draft. */
  beginEdit(): Box | null {
    const { state } = this.p;
    const it = state.item();
    const sel = state.selection;
    if (!it || !sel) return null;
    if (state.draft && state.draft.id === sel.id) return state.draft;
    this.flushDraft();
    state.draftItem = state.current();
    if (sel.kind === "box") {
      const b = (it.boxes ?? []).find((v) => v.id === sel.id);
      if (!b) return null;
      state.draft = { ...b };
      state.draftOp = "update";
    } else {
      const p = state.pendingProposals(it).find((v) => v.id === sel.id);
      if (!p) return null;
      state.draft = { id: p.id, x: p.x, y: p.y, w: p.w, h: p.h, class: p.class, source: "adjusted", score: p.score, proposal: p.id };
      state.draftOp = "adjust";
      state.becomeBox(p.id);
    }
    return state.draft;
  }

  /** Send the draft once nudging pauses. */
  commitSoon(): void {
    const { state, redraw } = this.p;
    state.flushSoon(() => this.flushDraft());
    redraw();
  }
}
