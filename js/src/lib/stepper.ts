// The position of a view that steps through the kernel's queue one item at a time: where it is,
// how a step moves it (clamped to 0..len(order), len(order) being the end screen), the kernel
// told in the background (PositionSync), the items around it read ahead (ItemCache.around), and
// what a new order from the kernel does. Shared by the review views and the canvas editors.
import type { AnyModel } from "@anywidget/types";
import { itemKey } from "./items";
import type { ItemCache, ItemId, ItemInfo } from "./items";
import type { Binding } from "./keyboard";
import type { Binary } from "./media";
import type { KernelRoutes } from "./review";
import type { StatusLine } from "./status";

/** Any widget's model (the views' own model interfaces narrow it). */
type Model = AnyModel;
/** A model event handler, as anywidget types it. */
type Handler = Parameters<AnyModel["on"]>[1];

/** The usual "items" route: cache what arrived (keeping `nearby()`), and repaint when it holds the
 *  item shown. */
export function receiveItems(cache: ItemCache, nearby: () => ItemId[], shown: () => ItemId | undefined, paint: () => void) {
  return (infos: ItemInfo[], buffers: Binary[]) => {
    cache.receive(infos, buffers, nearby()).then(() => {
      const id = shown();
      if (id === undefined) return;
      const key = itemKey(id); // compared by key: an id may be a compound value from JSON
      if (infos.some((i) => itemKey(i.id) === key)) paint();
    });
  };
}

/** The kernel's position clamped to 0..len(order) (len(order) is the end screen). */
export function kernelPosition(model: Model): number {
  return Math.min(Math.max(0, model.get("position")), model.get("order").length);
}

/** A "change:position" handler: go to the kernel's position unless the view (at `shown()`) is there. */
export function followPosition(model: Model, shown: () => number, go: (to: number) => void) {
  return () => {
    const wanted = model.get("position");
    if (wanted !== Math.min(shown(), model.get("order").length - 1)) go(wanted);
  };
}

/** Tells the kernel which item a stepping view shows (the model's `position`) without one
 *  message per step: the newest position is saved once stepping pauses for `quiet` ms, and at
 *  least every `most` ms while it goes on. Each save is a kernel round trip (request, echo,
 *  busy / idle) that would otherwise compete with the next keystroke. A position taken in an
 *  order the kernel has since replaced is dropped, never saved into the new one.
 *
 *  Example: `const sync = new PositionSync(model); sync.set(3); ... sync.dispose();` */
export class PositionSync {
  private pending: number | undefined;
  private orderOfPending: unknown; // the order the pending position is a place in
  private since = 0; // when the oldest unsaved step was taken
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly model: Model, private readonly quiet = 250, private readonly most = 1000) {}

  /** The view now shows `pos` (clamped to the last item: the end screen counts as the last). */
  set(pos: number): void {
    const order = this.model.get("order");
    const now = Date.now();
    if (this.pending === undefined) this.since = now;
    this.pending = Math.min(Math.max(0, pos), Math.max(0, order.length - 1));
    this.orderOfPending = order;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), Math.max(0, Math.min(this.quiet, this.since + this.most - now)));
  }

  /** Save the newest position now (if any is unsaved). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === undefined) return;
    const pos = this.pending;
    this.pending = undefined;
    // a new order came from the kernel meanwhile: the old place means nothing in it (the kernel
    // chose the position in the new order, and the view followed)
    if (this.model.get("order") !== this.orderOfPending) return;
    if (this.model.get("position") === pos) return;
    this.model.set("position", pos);
    this.model.save_changes();
  }

  dispose(): void {
    try {
      this.flush();
    } catch {
      // the model is gone with the widget: nothing to tell
    }
  }
}

/** What every view that steps through the kernel's queue listens to. */
export interface StepperHooks {
  onMessage: Handler;
  /** the position shown now, and how to move it */
  shown: () => number;
  go: (to: number) => void;
  /** a new order from the kernel: start over at this position (drop the undo history, repaint) */
  restart: (position: number) => void;
  paintProgress: () => void;
}

/** The listeners of a stepping view: kernel messages, a new order, the kernel moving the position,
 *  progress. Spread into startView's `on` beside the widget's own. */
export function stepperListeners(model: Model, hooks: StepperHooks): Record<string, Handler> {
  return {
    "msg:custom": hooks.onMessage,
    "change:order": () => hooks.restart(kernelPosition(model)),
    "change:position": followPosition(model, hooks.shown, hooks.go),
    "change:n_done": hooks.paintProgress,
  };
}

/** What a view tells its Stepper. */
export interface StepperParts {
  /** the read-ahead: `behind` items back and `ahead` forward, the current one included */
  behind: number;
  ahead: number;
  /** repaint the whole view (after every step and restart) */
  paint: () => void;
  /** repaint the progress texts only (an intent settled on an item not shown, n_done changed) */
  paintProgress: () => void;
  /** before a step, while the old item is still current (e.g. send the draft being edited) */
  leave?: () => void;
  /** after a step, before the paint: reset what belongs to one item (selection, focus, input) */
  enter?: () => void;
  /** a new order from the kernel, before the paint: drop what belonged to the old one (undo history) */
  restart?: () => void;
  /** told which item is shown after every step and restart: a message about another item goes */
  status?: Pick<StatusLine, "showing">;
}

/** One view's place in `model.get("order")`, starting at the model's `position`.
 *
 *  Example: `const stepper = new Stepper(model, { behind: 2, ahead: 8, paint, paintProgress });`
 *  then `stepper.step(1)` on a key, `stepper.prefetch(cache)` in paint, `stepper.listeners(onMessage)`
 *  in startView's `on`, and the stepper in its `dispose`. */
export class Stepper {
  private at: number;
  private readonly sync: PositionSync;

  constructor(private readonly model: Model, private readonly parts: StepperParts) {
    this.at = Math.max(0, model.get("position"));
    this.sync = new PositionSync(model);
    parts.status?.showing(this.current());
  }

  /** The position shown: 0..len(order), len(order) being the end screen. */
  get pos(): number {
    return this.at;
  }

  order(): ItemId[] {
    return this.model.get("order");
  }

  /** The item shown (undefined on the end screen). */
  current(): ItemId | undefined {
    return this.order()[this.at];
  }

  atEnd(): boolean {
    return this.at >= this.order().length;
  }

  /** Move to `to` (clamped), repaint at once, and tell the kernel once stepping pauses. */
  go(to: number): void {
    this.parts.leave?.();
    this.at = Math.max(0, Math.min(to, this.order().length));
    this.parts.enter?.();
    this.parts.status?.showing(this.current());
    this.parts.paint();
    this.sync.set(this.at);
  }

  /** Move by `delta` items (+1 next, -1 previous). */
  step(delta: number): void {
    this.go(this.at + delta);
  }

  /** Go to `id`'s (first) place in the order; false when the order lacks it. With `again` false,
   *  an item already shown is left as it is (no step, no repaint). */
  seek(id: ItemId, again = true): boolean {
    const to = this.order().findIndex((v) => v === id);
    if (to < 0) return false;
    if (again || to !== this.at) this.go(to);
    return true;
  }

  /** The kernel's order changed: show `position` in it (no step: nothing is left, nothing synced). */
  restart(position: number): void {
    this.at = position;
    this.parts.restart?.();
    this.parts.status?.showing(this.current());
    this.parts.paint();
  }

  /** The ids of the read-ahead window (kept in the cache when new items arrive). */
  nearby(): ItemId[] {
    return this.order().slice(Math.max(0, this.at - this.parts.behind), this.at + this.parts.ahead);
  }

  /** Ask `cache` for the read-ahead window's missing items (see ItemCache.around). */
  prefetch(cache: ItemCache): void {
    cache.around(this.order(), this.at, this.parts.behind, this.parts.ahead);
  }

  /** Repaint once `id` is in `cache`, if it is still the item shown (after a "loading…" paint). */
  paintWhenReady(cache: ItemCache, id: ItemId): void {
    cache.whenReady(id).then(() => {
      if (this.current() === id) this.parts.paint();
    });
  }

  /** The usual kernel routes: "items" go to `cache` (the window kept) and repaint when they hold the
   *  item shown; "invalidate" empties `cache`, runs `invalidated` (drop what was built from the
   *  old items), and repaints. */
  itemRoutes(cache: ItemCache, invalidated?: () => void): KernelRoutes {
    return {
      items: receiveItems(cache, () => this.nearby(), () => this.current(), this.parts.paint),
      invalidate: () => {
        cache.invalidate();
        invalidated?.();
        this.parts.paint();
      },
    };
  }

  /** Something about `id` changed: repaint the view if it shows `id`, else the progress only. */
  repaint(id: ItemId): void {
    if (this.current() === id) this.parts.paint();
    else this.parts.paintProgress();
  }

  /** Where `id` is for the person: "<noun> 3" (its place in the order, from 1), as the position
   *  text counts; `<noun> <id>` for an id not in the order. For status lines, which never show
   *  internal ids (those go in a tooltip: see StatusLine's About.title). */
  placeText(id: ItemId, noun = "item"): string {
    const key = itemKey(id);
    const at = this.order().findIndex((v) => itemKey(v) === key);
    return at < 0 ? `${noun} ${JSON.stringify(id)}` : `${noun} ${at + 1}`;
  }

  /** "end" on the end screen, else "<noun> 3 / 10". */
  positionText(noun = "item"): string {
    const total = this.order().length;
    return this.at >= total ? "end" : `${noun} ${this.at + 1} / ${total}`;
  }

  /** Model listeners (kernel messages, a new order, the kernel moving the position, n_done), to
   *  spread into startView's `on`. */
  listeners(onMessage: Handler): Record<string, Handler> {
    return stepperListeners(this.model, {
      onMessage,
      shown: () => this.at,
      go: (to) => this.go(to),
      restart: (position) => this.restart(position),
      paintProgress: this.parts.paintProgress,
    });
  }

  /** Save an unsaved position now (the view is going away). */
  dispose(): void {
    this.sync.dispose();
  }
}

/** The next / previous keys of a stepper, described as "next <noun>" / "previous <noun>". */
export function stepKeys(stepper: Stepper, next: string[], prev: string[], noun = "item"): Binding[] {
  return [
    { keys: next, description: `next ${noun}`, run: () => stepper.step(1) },
    { keys: prev, description: `previous ${noun}`, run: () => stepper.step(-1) },
  ];
}
