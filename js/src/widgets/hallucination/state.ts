// HallucinationFlagger's tool state: which text has the word cursor, the selection, the flag the
// evidence keys act on, the box being drawn; and what the view reads of the item shown.
import type { AnyModel } from "@anywidget/types";
import type { ItemCache, ItemId, ItemInfo } from "../../lib/items";
import { Span, spanOf } from "../../lib/spans";
import { Flag, FlaggerModel, PALETTE, TextInfo } from "./model";

export class FlaggerState {
  /** the text panel with the word cursor */
  textIdx = 0;
  cursor = 0;
  anchor = 0;
  /** the flag tagged or picked last */
  activeFlag: number | string | null = null;
  /** words are being selected with the mouse */
  selecting = false;

  constructor(
    private readonly model: AnyModel<FlaggerModel>,
    private readonly cache: ItemCache,
    readonly currentId: () => ItemId | undefined,
  ) {}

  /** A step to another image: cursor, selection and target start over (and the box: the view). */
  enter(): void {
    this.textIdx = this.cursor = this.anchor = 0;
    this.activeFlag = null;
  }

  item(): ItemInfo | undefined {
    const id = this.currentId();
    return id === undefined ? undefined : this.cache.get(id);
  }

  texts(info = this.item()): TextInfo[] {
    return (info?.texts as TextInfo[] | undefined) ?? [];
  }

  flags(info = this.item()): Flag[] {
    return (info?.flags as Flag[] | undefined) ?? [];
  }

  activeText(): TextInfo | undefined {
    return this.texts()[this.textIdx];
  }

  selection(): Span {
    return spanOf(this.anchor, this.cursor);
  }

  categories(): string[] {
    return this.model.get("categories");
  }

  /** The colour of a category (its place in the palette). */
  colour(category: string): string {
    return PALETTE[this.colourIndex(category)];
  }

  colourIndex(category: string): number {
    return Math.max(0, this.categories().indexOf(category)) % PALETTE.length;
  }

  /** The flag the evidence keys act on: the one under the cursor, else the last one tagged. */
  targetFlag(): Flag | undefined {
    const t = this.activeText();
    if (!t) return undefined;
    const mine = this.flags().filter((f) => f.model === t.model);
    const sel = this.selection();
    return (
      mine.find((f) => f.t0 === sel.t0 && f.t1 === sel.t1) ??
      mine.find((f) => f.t0 <= this.cursor && this.cursor <= f.t1) ??
      this.flags().find((f) => f.id === this.activeFlag)
    );
  }

  /** The image's size in pixels, or null when the item shown has no image. */
  imageSize(): [number, number] | null {
    const info = this.item();
    return info?.image ? [info.image.width, info.image.height] : null;
  }
}
