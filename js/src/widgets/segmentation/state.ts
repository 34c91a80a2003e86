// SegmentationCanvas's tool state (tool, brush size, class, instance, the polygon being drawn)
// and the view's copy of each item's label map, with the model proposals accepted in this view.
import type { AnyModel } from "@anywidget/types";
import { ClassName, classColour, rgb } from "../../lib/classes";
import { ItemCache, ItemId, ItemInfo, itemKey } from "../../lib/items";
import type { Point } from "../../lib/viewport";
import type { AssistClick, AssistPreview, SuperpixelMap } from "./assist";
import type { MaskProposal, MaskState, SegModel, Tool } from "./model";

export class SegState {
  tool: Tool = "brush";
  /** brush radius, image pixels */
  brush = 8;
  currentClass = 0;
  /** instance mode: the value painted (0: a new instance at the next stroke) */
  currentInstance = 0;
  /** vertices of the polygon being drawn, image pixels */
  polygon: Point[] = [];
  /** the stroke's pixels, one byte per image pixel (reused: cleared after each stroke) */
  strokeBuffer: Uint8Array | null = null;
  readonly masks = new Map<string, MaskState>();
  /** proposals accepted in this view, per item key */
  readonly accepted = new Map<string, Set<string>>();
  /** click-to-segment: the clicks on the item shown, and the region the kernel answered for them */
  clicks: AssistClick[] = [];
  preview: AssistPreview | null = null;
  /** the number of the newest assist request (an older answer is dropped) */
  assistReq = 0;
  /** the superpixels of items, per item key (fetched once, when the superpixel brush is first used) */
  readonly superpixels = new Map<string, SuperpixelMap>();
  readonly superpixelsAsked = new Set<string>();

  constructor(
    private readonly model: AnyModel<SegModel>,
    private readonly cache: ItemCache,
    readonly current: () => ItemId | undefined,
  ) {}

  classes(): ClassName[] {
    return this.model.get("classes");
  }

  /** Whether click-to-segment is on (the `assist` trait). */
  assistOn(): boolean {
    return Boolean(this.model.get("assist"));
  }

  instanceMode(): boolean {
    return this.model.get("mode") === "instance";
  }

  /** The label value a stroke paints: the instance, or the class + 1. */
  paintValue(): number {
    return this.instanceMode() ? this.currentInstance : this.currentClass + 1;
  }

  item(): ItemInfo | undefined {
    const id = this.current();
    return id === undefined ? undefined : this.cache.get(id);
  }

  mask(): MaskState | undefined {
    const id = this.current();
    return id === undefined ? undefined : this.masks.get(itemKey(id));
  }

  /** The colour of label `value` in `m` (by class; an instance by its class and number). */
  colourOf(value: number, m: MaskState): [number, number, number] {
    if (!this.instanceMode()) return rgb(classColour(value - 1));
    return rgb(classColour(value - 1 + this.classes().findIndex((c) => c === m.instances[String(value)])));
  }

  /** The proposals of `it` not accepted yet, best first. */
  openProposals(it = this.item()): MaskProposal[] {
    if (!it) return [];
    const done = this.accepted.get(itemKey(it.id)) ?? new Set();
    return ((it.proposals as MaskProposal[] | undefined) ?? []).filter((p) => !done.has(p.id));
  }

  /** The item `it` is shown afresh: its mask (an empty one the first time or when the size
   *  changed), a clear stroke buffer, no polygon, the highest instance current. */
  enterItem(it: ItemInfo): MaskState {
    const key = itemKey(it.id);
    let m = this.masks.get(key);
    const w = it.width || it.image?.width || 1;
    const hh = it.height || it.image?.height || 1;
    if (!m || m.width !== w || m.height !== hh) {
      m = { width: w, height: hh, labels: new Uint16Array(w * hh), instances: m?.instances ?? {} };
      this.masks.set(key, m);
    }
    this.strokeBuffer = new Uint8Array(m.width * m.height);
    this.polygon = [];
    this.clicks = [];
    this.preview = null;
    this.currentInstance = Math.max(0, ...Object.keys(m.instances).map(Number));
    return m;
  }
}
