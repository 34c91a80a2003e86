// CoreferenceLinker's data and tool state: the item's caption (pieces), regions, links and
// proposals as the kernel sends them (hitl_widgets/widgets/coreference.py), the selected mention
// (anchor / cursor words), the picked region; entities and their colours, computed as the kernel does.
import type { AnyModel } from "@anywidget/types";
import type { Box } from "../../lib/boxes";
import type { ItemCache, ItemId, ItemInfo } from "../../lib/items";
import type { ReviewModel } from "../../lib/review";
import { Piece, Span, spanOf } from "../../lib/spans";

export interface CorefModel extends ReviewModel {
  display_size: number;
}

/** A region: given (label may be null) or drawn by the annotator (ids d1, d2, ...). */
export interface Region {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  label?: string | null;
}

export interface Link {
  t0: number;
  t1: number;
  start?: number;
  end?: number;
  region: string | null;
  source: "human" | "proposal" | "adjusted";
  score: number | null;
  proposal: string | null;
}

export interface Proposal {
  id: string;
  t0: number;
  t1: number;
  region: string | null;
  score: number | null;
}

export type CorefItem = ItemInfo & {
  pieces?: Piece[];
  regions?: Region[];
  drawn?: Region[];
  links?: Link[];
  proposals?: Proposal[];
  rejected?: string[];
};

export const PALETTE = ["#e53935", "#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#c0ca33", "#546e7a"];
export const UNLINKED = "#9e9e9e";

export const asBox = (r: Region): Box => [r.x, r.y, r.x + r.w, r.y + r.h];

export class CorefState {
  cursor = 0;
  anchor = 0;
  /** the region picked with Tab (index into regions()), or -1 */
  picked = -1;
  /** words are being selected with the mouse */
  selecting = false;
  /** the word the mouse pressed, until the drag leaves it */
  pressed = -1;

  constructor(
    private readonly model: AnyModel<CorefModel>,
    private readonly cache: ItemCache,
    readonly current: () => ItemId | undefined,
  ) {}

  /** A step to another image: the cursor, selection and pick start over. */
  enter(): void {
    this.cursor = this.anchor = 0;
    this.picked = -1;
  }

  item(): CorefItem | undefined {
    const id = this.current();
    return id === undefined ? undefined : (this.cache.get(id) as CorefItem | undefined);
  }

  pieces(it = this.item()): Piece[] {
    return it?.pieces ?? [];
  }

  links(it = this.item()): Link[] {
    return it?.links ?? [];
  }

  /** Every region of the item: the given ones, then the drawn ones (keys 1–9 count in this order). */
  regions(it = this.item()): Region[] {
    return [...(it?.regions ?? []), ...(it?.drawn ?? [])];
  }

  /** Proposals whose mention has no link and that are not rejected. */
  openProposals(it = this.item()): Proposal[] {
    const linked = new Set(this.links(it).map((l) => `${l.t0}:${l.t1}`));
    const rejected = new Set(it?.rejected ?? []);
    return (it?.proposals ?? []).filter((p) => !rejected.has(p.id) && !linked.has(`${p.t0}:${p.t1}`));
  }

  selection(): Span {
    return spanOf(this.anchor, this.cursor);
  }

  /** The link of the selected mention, if it has one. */
  selectedLink(it = this.item()): Link | undefined {
    const s = this.selection();
    return this.links(it).find((l) => l.t0 === s.t0 && l.t1 === s.t1);
  }

  /** The open proposal for the selected mention. */
  selectedProposal(it = this.item()): Proposal | undefined {
    const s = this.selection();
    return this.openProposals(it).find((p) => p.t0 === s.t0 && p.t1 === s.t1);
  }

  /** Entity number (0, 1, ...) of each linked region, in the order regions are first mentioned. */
  entities(it = this.item()): Map<string, number> {
    const out = new Map<string, number>();
    for (const l of [...this.links(it)].sort((a, b) => a.t0 - b.t0 || a.t1 - b.t1)) {
      if (l.region !== null && !out.has(l.region)) out.set(l.region, out.size);
    }
    return out;
  }

  colour(entity: number | undefined): string {
    return entity === undefined ? UNLINKED : PALETTE[entity % PALETTE.length];
  }

  /** The mention (link or open proposal) that holds word `n`, if any. */
  mentionAt(n: number, it = this.item()): Span | undefined {
    const inside = (s: Span) => s.t0 <= n && n <= s.t1;
    return this.links(it).find(inside) ?? this.openProposals(it).find(inside);
  }

  /** Select word `n`, or the whole mention it belongs to (the cursor at its end in `direction`). */
  selectWord(n: number, direction = 1): void {
    const m = this.mentionAt(n);
    if (m) [this.anchor, this.cursor] = direction < 0 ? [m.t1, m.t0] : [m.t0, m.t1];
    else this.anchor = this.cursor = n;
  }

  imageSize(): [number, number] | null {
    const it = this.item();
    return it?.image ? [it.image.width, it.image.height] : null;
  }

  displaySize(): number {
    return this.model.get("display_size");
  }
}
