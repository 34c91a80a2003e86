// BBoxAnnotator's tool state: the selection, the class of new boxes, the draft (a box being moved,
// resized or nudged, drawn over its stored version until it is sent), the rubber band of a new
// box; and what the view reads of the item shown (boxes as shown, open proposals).
import type { AnyModel } from "@anywidget/types";
import type { ClassName } from "../../lib/classes";
import type { ItemCache, ItemId } from "../../lib/items";
import type { Rect, Viewport } from "../../lib/viewport";
import type { BBoxModel, Box, BoxItem, Proposal, Selection } from "./geometry";

export class BoxState {
  private selected: Selection = null;
  private explicit = false;
  /** the class of new boxes (an index into the classes) */
  currentClass = 0;
  /** the box being edited (drawn over its stored version) */
  draft: Box | null = null;
  draftOp: "update" | "adjust" | "add" | null = null;
  /** the item the draft belongs to (a new order may come before it is sent) */
  draftItem: ItemId | undefined;
  /** rubber band of a new box */
  drawing: Rect | null = null;
  nudgeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly model: AnyModel<BBoxModel>,
    private readonly cache: ItemCache,
    private readonly viewport: Viewport,
    readonly current: () => ItemId | undefined,
  ) {}

  /** The selected box or proposal. Setting it is an automatic selection (the next proposal after
   *  an accept, a box just drawn): class keys then still set the class of new boxes. */
  get selection(): Selection {
    return this.selected;
  }

  set selection(s: Selection) {
    this.selected = s;
    this.explicit = false;
  }

  /** Select `s` because the person chose it (a click on it, Tab): class keys re-class it. */
  choose(s: Selection): void {
    this.selected = s;
    this.explicit = s !== null;
  }

  /** Whether the selection was chosen by the person (see choose), not made automatically. */
  get chosen(): boolean {
    return this.explicit && this.selected !== null;
  }

  /** The chosen selection, now a box of the same id (a proposal dragged becomes an adjusted box). */
  becomeBox(id: string): void {
    this.selected = { kind: "box", id };
  }

  classes(): ClassName[] {
    return this.model.get("classes");
  }

  classIndex(c: ClassName): number {
    return this.classes().findIndex((v) => v === c);
  }

  item(): BoxItem | undefined {
    const id = this.current();
    return id === undefined ? undefined : (this.cache.get(id) as BoxItem | undefined);
  }

  imageSize(): { w: number; h: number } {
    return { w: this.viewport.imageWidth, h: this.viewport.imageHeight };
  }

  /** Pending proposals (not accepted, adjusted or rejected), best first. */
  pendingProposals(it: BoxItem | undefined = this.item()): Proposal[] {
    if (!it) return [];
    const used = new Set<string>([...(it.rejected ?? []), ...(it.boxes ?? []).map((b) => b.proposal ?? "")]);
    if (this.draft && this.draftOp === "adjust") used.add(this.draft.id);
    return (it.proposals ?? []).filter((p) => !used.has(p.id));
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
    if (!draft) return boxes;
    const out = boxes.map((b) => (b.id === draft.id ? draft : b));
    if (!boxes.some((b) => b.id === draft.id)) out.push(draft);
    return out;
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
