// PolygonAnnotator's tool state: the selection (a polygon or proposal, and a vertex of it) and the
// class of new polygons (lib/shape_state.ts), the ring being drawn, the draft (a polygon whose vertex
// is being dragged or nudged, drawn over its stored version until it is sent); and what the view
// reads of the item.
import { openProposals, ShapeState, withDraft } from "../../lib/shape_state";
import type { Point } from "../../lib/viewport";
import type { Drawing, EditKind, Polygon, PolygonItem, PolygonModel, Proposal, Selection } from "./model";

export class PolygonState extends ShapeState<PolygonModel, PolygonItem, Selection> {
  /** the ring being drawn */
  drawing: Drawing | null = null;
  /** where the pointer is, in image pixels (the rubber band of the ring being drawn) */
  hover: Point | null = null;
  /** a polygon being edited (drawn over its stored version), the edit it is (its item: draftItem) */
  draft: Polygon | null = null;
  draftEdit: EditKind | null = null;

  /** Proposals neither accepted, adjusted nor rejected, best first. */
  pendingProposals(it: PolygonItem | undefined = this.item()): Proposal[] {
    if (!it) return [];
    return openProposals(it.proposals, it.polygons, it.rejected, this.draft?.id);
  }

  /** Polygons as shown: the stored ones, with the draft in place of its original. */
  shownPolygons(it: PolygonItem | undefined = this.item()): Polygon[] {
    const polygons = it?.polygons ?? [];
    const draft = this.draft;
    return !draft || this.draftItem !== this.current() ? polygons : withDraft(polygons, draft);
  }

  /** The selected polygon or proposal as shown, or null. */
  selectedPolygon(it: PolygonItem | undefined = this.item()): Polygon | Proposal | null {
    const sel = this.selection;
    if (!sel || !it) return null;
    if (sel.kind === "polygon") return this.shownPolygons(it).find((p) => p.id === sel.id) ?? null;
    return this.pendingProposals(it).find((p) => p.id === sel.id) ?? null;
  }

  isSelected(kind: "polygon" | "proposal", id: string): boolean {
    return !!this.selection && this.selection.kind === kind && this.selection.id === id;
  }
}
