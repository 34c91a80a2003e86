// PolygonAnnotator's intents: each change is applied to the view's copy of the item at once and sent
// through the edit ledger; a polygon travels as its vertices (put {polygon: {id, class, rings}, edit}).
// The kernel answers with the item's whole polygon list, which replaces the view's copy once no
// other edit of that item is on its way (lib/item_edits.ts). The draft (a polygon
// whose vertex is dragged or nudged) is sent when the drag ends or the nudging pauses.
import { ItemEdits } from "../../lib/item_edits";
import type { ItemCache, ItemId } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import type { Ring } from "../../lib/polygon_edit";
import type { EditKind, Polygon, PolygonItem } from "./model";
import type { PolygonState } from "./state";

export interface EditParts {
  state: PolygonState;
  cache: ItemCache;
  ledger: EditLedger;
  redraw: () => void;
  /** "item 4": where item `id` stands, for messages */
  place: (id: ItemId) => string;
}

const sameRings = (a: Ring[], b: Ring[]) => JSON.stringify(a) === JSON.stringify(b);

export class PolygonEdits extends ItemEdits<PolygonItem> {
  constructor(private readonly p: EditParts) {
    super({ ...p, current: () => p.state.current() }, ["polygons", "rejected"], "g");
  }

  /** Send `polygon` (new, or new vertices / class of one that exists, or an open proposal edited). */
  put(polygon: Polygon, edit: EditKind, id = this.p.state.current()): void {
    const { id: pid, class: cls, rings } = polygon;
    this.send("put", { polygon: { id: pid, class: cls, rings }, edit }, (it) => {
      const list = it.polygons ?? [];
      const at = list.findIndex((g) => g.id === pid);
      if (at >= 0) {
        const was = list[at];
        it.polygons = list.map((g, k) => (k === at ? { ...polygon, source: was.source === "proposal" ? "adjusted" : was.source } : g));
      } else {
        it.polygons = [...list, polygon];
      }
    }, id);
  }

  /** Start (or continue) editing the selected polygon or proposal; returns the draft. */
  beginEdit(edit: EditKind): Polygon | null {
    const { state } = this.p;
    const it = state.item();
    const sel = state.selection;
    if (!it || !sel) return null;
    if (state.draft && state.draft.id === sel.id) {
      state.draftEdit = edit;
      return state.draft;
    }
    this.flushDraft();
    const shown = state.selectedPolygon(it);
    if (!shown) return null;
    state.draftItem = state.current();
    state.draftEdit = edit;
    state.draft = sel.kind === "polygon"
      ? { ...(shown as Polygon), rings: shown.rings.map((r) => r.map(([x, y]) => [x, y])) }
      : { id: shown.id, class: shown.class, rings: shown.rings.map((r) => r.map(([x, y]) => [x, y])), source: "adjusted", score: shown.score, proposal: shown.id };
    if (sel.kind === "proposal") state.choose({ kind: "polygon", id: shown.id, vertex: sel.vertex });
    return state.draft;
  }

  /** Send the draft, unless it changes nothing. */
  flushDraft(): void {
    const { state, cache, redraw } = this.p;
    state.stopNudge();
    const d = state.draft;
    const edit = state.draftEdit;
    const of = state.draftItem;
    state.draft = null;
    state.draftEdit = null;
    state.draftItem = undefined;
    if (!d || !edit || of === undefined) return;
    const it = cache.get(of) as PolygonItem | undefined;
    const before = it?.polygons?.find((g) => g.id === d.id) ?? it?.proposals?.find((p) => p.id === d.id);
    const stored = it?.polygons?.some((g) => g.id === d.id);
    if (before && stored && before.class === d.class && sameRings(before.rings, d.rings)) {
      redraw();
      return;
    }
    if (before && !stored && before.class === d.class && sameRings(before.rings, d.rings)) {
      redraw(); // a proposal clicked, not changed: it stays a proposal
      if (state.selection?.id === d.id) state.choose({ kind: "proposal", id: d.id, vertex: state.selection.vertex });
      return;
    }
    this.put(d, edit, of);
  }

  /** Send the draft once nudging pauses. */
  commitSoon(): void {
    const { state, redraw } = this.p;
    state.flushSoon(() => this.flushDraft());
    redraw();
  }
}
