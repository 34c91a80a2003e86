// PolygonAnnotator's tool state: the selection (a polygon or proposal, and a vertex of it), the
// class of new polygons, the ring being drawn, the draft (a polygon whose vertex is being dragged or
// nudged, drawn over its stored version until it is sent); and what the view reads of the item.
import type { AnyModel } from "@anywidget/types";
import type { ClassName } from "../../lib/classes";
import type { ItemCache, ItemId } from "../../lib/items";
import type { Point, Viewport } from "../../lib/viewport";
import type { Drawing, EditKind, Polygon, PolygonItem, PolygonModel, Proposal, Selection } from "./model";

export class PolygonState {
  private selected: Selection = null;
  private explicit = false;
  /** the class of new polygons (an index into the classes) */
  currentClass = 0;
  /** the ring being drawn */
  drawing: Drawing | null = null;
  /** where the pointer is, in image pixels (the rubber band of the ring being drawn) */
  hover: Point | null = null;
  /** a polygon being edited (drawn over its stored version), the edit it is, its item */
  draft: Polygon | null = null;
  draftEdit: EditKind | null = null;
  draftItem: ItemId | undefined;
  nudgeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly model: AnyModel<PolygonModel>,
    private readonly cache: ItemCache,
    private readonly viewport: Viewport,
    readonly current: () => ItemId | undefined,
  ) {}

  get selection(): Selection {
    return this.selected;
  }

  /** An automatic selection (a polygon just drawn, the next proposal): class keys set the class of new polygons. */
  set selection(s: Selection) {
    this.selected = s;
    this.explicit = false;
  }

  /** Select `s` because the person chose it (a click, Tab): class keys re-class it. */
  choose(s: Selection): void {
    this.selected = s;
    this.explicit = s !== null;
  }

  get chosen(): boolean {
    return this.explicit && this.selected !== null;
  }

  classes(): ClassName[] {
    return this.model.get("classes");
  }

  classIndex(c: ClassName): number {
    return this.classes().findIndex((v) => v === c);
  }

  item(): PolygonItem | undefined {
    const id = this.current();
    return id === undefined ? undefined : (this.cache.get(id) as PolygonItem | undefined);
  }

  imageSize(): { w: number; h: number } {
    return { w: this.viewport.imageWidth, h: this.viewport.imageHeight };
  }

  /** Proposals neither accepted, adjusted nor rejected, best first. */
  pendingProposals(it: PolygonItem | undefined = this.item()): Proposal[] {
    if (!it) return [];
    const used = new Set<string>([...(it.rejected ?? []), ...(it.polygons ?? []).map((p) => p.proposal ?? "")]);
    if (this.draft) used.add(this.draft.id);
    return (it.proposals ?? []).filter((p) => !used.has(p.id));
  }

  /** Polygons as shown: the stored ones, with the draft in place of its original. */
  shownPolygons(it: PolygonItem | undefined = this.item()): Polygon[] {
    const polygons = it?.polygons ?? [];
    const draft = this.draft;
    if (!draft || this.draftItem !== this.current()) return polygons;
    const out = polygons.map((p) => (p.id === draft.id ? draft : p));
    if (!polygons.some((p) => p.id === draft.id)) out.push(draft);
    return out;
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
