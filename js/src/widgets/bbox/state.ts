// BBoxAnnotator's tool state: the selection and the class of new boxes (lib/shape_state.ts), the
// draft (a box being moved, resized or nudged, drawn over its stored version until it is sent), the
// rubber band of a new box; and what the view reads of the item shown (boxes as shown, open proposals).
import { openProposals, ShapeState, withDraft } from "../../lib/shape_state";
import type { Rect } from "../../lib/viewport";
import type { BBoxModel, Box, BoxItem, Proposal, Selection } from "./geometry";

export class BoxState extends ShapeState<BBoxModel, BoxItem, Selection> {
  /** the box being edited (drawn over its stored version) */
  draft: Box | null = null;
  draftOp: "update" | "adjust" | "add" | null = null;
  /** rubber band of a new box */
  drawing: Rect | null = null;

  /** The chosen selection, now a box of the same id (a proposal dragged becomes an adjusted box). */
  becomeBox(id: string): void {
    this.selected = { kind: "box", id };
  }

  /** Pending proposals (not accepted, adjusted or rejected), best first. */
  pendingProposals(it: BoxItem | undefined = this.item()): Proposal[] {
    if (!it) return [];
    return openProposals(it.proposals, it.boxes, it.rejected, this.draft && this.draftOp === "adjust" ? this.draft.id : undefined);
  }

  /** Pending proposals at or above the threshold (or without a score). */
  visibleProposals(it: BoxItem | undefined = this.item()): Proposal[] {
    const t = this.model.get("threshold");
    return this.pendingProposals(it).filter((p) => p.score === null || p.score >= t);
  }

  /** Boxes as shown: the stored ones, with the draft in place of its original. */
  shownBoxes(it: BoxItem | undefined = this.item()): Box[] {
    const boxes = it?.boxes ?? [];
    const draft = this.draft;
    return draft ? withDraft(boxes, draft) : boxes;
  }

  /** The selected box or proposal as shown, or null. */
  selectedRect(it: BoxItem): Rect | null {
    const sel = this.selection;
    if (!sel) return null;
    if (sel.kind === "box") return this.shownBoxes(it).find((b) => b.id === sel.id) ?? null;
    return this.pendingProposals(it).find((p) => p.id === sel.id) ?? null;
  }

  /** Whether `s` is the selection. */
  isSelected(s: Selection): boolean {
    return !!s && !!this.selection && this.selection.kind === s.kind && this.selection.id === s.id;
  }
}
