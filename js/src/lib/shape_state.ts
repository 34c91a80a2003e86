// The tool state an editor of classed shapes with proposals keeps (BBoxAnnotator's boxes,
// PolygonAnnotator's polygons): the selection (automatic, or chosen by the person, which decides
// what a class key does), the class of new shapes, the item the draft belongs to and the timer
// that sends a nudged draft once the keys rest; what the view reads of the item shown; and two pieces of the shape lists as shown: the open
// proposals and a list with the draft in place of its original.
import type { AnyModel } from "@anywidget/types";
import type { ClassName } from "./classes";
import type { ItemCache, ItemId, ItemInfo } from "./items";
import type { Viewport } from "./viewport";

/** A draft nudged by keys is sent this long after the last key. */
export const NUDGE_COMMIT_MS = 400;

/** A stored shape: its id and the proposal it came from (null for one drawn here). */
export interface SourcedShape {
  id: string;
  proposal?: string | null;
}

export class ShapeState<M extends { classes: ClassName[] }, I extends ItemInfo, S extends { id: string } | null> {
  protected selected: S | null = null;
  private explicit = false;
  /** the class of new shapes (an index into the classes) */
  currentClass = 0;
  /** the item the draft belongs to (a new order may come before it is sent) */
  draftItem: ItemId | undefined;
  nudgeTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    protected readonly model: AnyModel<M>,
    protected readonly cache: ItemCache,
    private readonly viewport: Viewport,
    readonly current: () => ItemId | undefined,
  ) {}

  /** The selected shape or proposal. Setting it is an automatic selection (the next proposal after
   *  an accept, a shape just drawn): class keys then still set the class of new shapes. */
  get selection(): S | null {
    return this.selected;
  }

  set selection(s: S | null) {
    this.selected = s;
    this.explicit = false;
  }

  /** Select `s` because the person chose it (a click on it, Tab): class keys re-class it. */
  choose(s: S | null): void {
    this.selected = s;
    this.explicit = s !== null;
  }

  /** Whether the selection was chosen by the person (see choose), not made automatically. */
  get chosen(): boolean {
    return this.explicit && this.selected !== null;
  }

  /** Call `flush` (it sends the draft) once nudging pauses: NUDGE_COMMIT_MS after the last call. */
  flushSoon(flush: () => void): void {
    if (this.nudgeTimer !== null) clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(flush, NUDGE_COMMIT_MS);
  }

  /** Forget the pending flushSoon (the draft is being sent now). */
  stopNudge(): void {
    if (this.nudgeTimer !== null) {
      clearTimeout(this.nudgeTimer);
      this.nudgeTimer = null;
    }
  }

  classes(): ClassName[] {
    return this.model.get("classes");
  }

  classIndex(c: ClassName): number {
    return this.classes().findIndex((v) => v === c);
  }

  item(): I | undefined {
    const id = this.current();
    return id === undefined ? undefined : (this.cache.get(id) as I | undefined);
  }

  imageSize(): { w: number; h: number } {
    return { w: this.viewport.imageWidth, h: this.viewport.imageHeight };
  }
}

/** The proposals neither rejected, nor the origin of a stored shape, nor `held` (a draft of one). */
export function openProposals<P extends { id: string }>(
  proposals: P[] | undefined, shapes: SourcedShape[] | undefined, rejected: string[] | undefined, held?: string,
): P[] {
  const used = new Set<string>([...(rejected ?? []), ...(shapes ?? []).map((s) => s.proposal ?? "")]);
  if (held !== undefined) used.add(held);
  return (proposals ?? []).filter((p) => !used.has(p.id));
}

/** `shapes` with `draft` in place of the shape of its id (added at the end when none has it). */
export function withDraft<T extends { id: string }>(shapes: T[], draft: T): T[] {
  const out = shapes.map((s) => (s.id === draft.id ? draft : s));
  if (!shapes.some((s) => s.id === draft.id)) out.push(draft);
  return out;
}

/** Where Tab (`step` 1) or Shift+Tab (-1) goes in a cycle of `n` from index `at` (-1: nothing
 *  selected yet; then 1 gives the first and -1 the last). */
export function cycleStep(at: number, step: number, n: number): number {
  return (at + step + n * 2 + (at < 0 && step < 0 ? 1 : 0)) % n;
}
