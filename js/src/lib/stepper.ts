// The position of a view that steps through the kernel's queue one item at a time: where it is,
// how a step moves it (clamped to 0..total, total being the end screen), the kernel told in the
// background (PositionSync), the queue's ids around it held in windows (OrderWindow: never the
// whole order), the items around it read ahead (ItemCache.around), and what a new order from the
// kernel does. Shared by the review views and the canvas editors.
import type { AnyModel } from "@anywidget/types";
import { itemKey } from "./items";
import type { ItemCache, ItemId, ItemInfo } from "./items";
import type { Binding } from "./keyboard";
import type { Binary } from "./media";
import type { KernelRoutes } from "./review";
import type { StatusLine } from "./status";
import { CHUNK, OrderWindow, syncedWindow } from "./order";

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

/** The kernel's position clamped to 0..total (total is the end screen). */
export function kernelPosition(model: Model): number {
  return Math.min(Math.max(0, model.get("position")), syncedWindow(model).total);
}

/** A "change:position" handler: go to the kernel's position unless the view (at `shown()`) is there. */
export function followPosition(model: Model, shown: () => number, go: (to: number) => void) {
  return () => {
    const wanted = model.get("position");
    if (wanted !== Math.min(shown(), syncedWindow(model).total - 1)) go(wanted);
  };
}

/** Tells the kernel which item a stepping view shows (the model's `position`) without one
 *  message per step: the newest position is saved once stepping pauses for `quiet` ms, and at
 *  least every `most` ms while it goes on. Each save is a kernel round trip (request, echo,
 *  busy / idle) that would otherwise compete with the next keystroke. A position taken in an
 *  order the kernel has since replaced is dropped, never saved into the new one; one saved just
 *  as the kernel replaced the order carries the order's version (`_position_order`), and the
 *  kernel drops it.
 *
 *  Example: `const sync = new PositionSync(model); sync.set(3); ... sync.dispose();` */
export class PositionSync {
  private pending: number | undefined;
  private orderOfPending: number | undefined; // the version of the order the pending position is a place in
  private since = 0; // when the oldest unsaved step was taken
  private timer: ReturnType<typeof setTimeout> | undefined;
  private saving = false;

  constructor(private readonly model: Model, private readonly quiet = 250, private readonly most = 1000) {}

  /** True while this sync writes the model's position: the "change:position" that follows is the
   *  view's own, not the kernel moving it. */
  get savingNow(): boolean {
    return this.saving;
  }

  /** Forget the unsaved position: the kernel moved the view somewhere else, and an older place
   *  saved after that would drag the view (and the kernel) back. */
  drop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  /** The view now shows `pos` (clamped to the last item: the end screen counts as the last). */
  set(pos: number): void {
    const order = syncedWindow(this.model);
    const now = Date.now();
    if (this.pending === undefined) this.since = now;
    this.pending = Math.min(Math.max(0, pos), Math.max(0, order.total - 1));
    this.orderOfPending = order.version;
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
    if (syncedWindow(this.model).version !== this.orderOfPending) return;
    if (this.model.get("position") === pos) return;
    this.saving = true;
    try {
      this.model.set("position", pos);
      // saved with it: the kernel drops a position taken in an order it has since replaced (the
      // save may cross a new order on its way: ReviewWidget.set_state)
      this.model.set("_position_order", this.orderOfPending);
    } finally {
      this.saving = false;
    }
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
  /** the synced window changed, same order (the kernel moved it around its position) */
  rewindow?: () => void;
  /** an "order" message (a window the view asked for): true when taken */
  orderMessage?: (msg: Record<string, unknown>) => boolean;
}

/** The listeners of a stepping view: kernel messages, a new order, the kernel moving the position,
 *  progress. Spread into startView's `on` beside the widget's own. */
export function stepperListeners(model: Model, hooks: StepperHooks): Record<string, Handler> {
  let version = syncedWindow(model).version;
  return {
    "msg:custom": (msg: Record<string, unknown>, ...rest: unknown[]) => {
      if (!hooks.orderMessage?.(msg)) hooks.onMessage(msg, ...rest);
    },
    "change:order_window": () => {
      const now = syncedWindow(model).version;
      if (now === version && hooks.rewindow) hooks.rewindow();
      else hooks.restart(kernelPosition(model));
      version = now;
    },
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

/** One view's place in the kernel's queue (held in windows: `OrderWindow`), starting at the
 *  model's `position`. A step to a place whose id has not arrived waits for it (one round trip,
 *  rare: the window ahead is asked for long before the view gets there); further steps meanwhile
 *  count from where it is going.
 *
 *  Example: `const stepper = new Stepper(model, { behind: 2, ahead: 8, paint, paintProgress });`
 *  then `stepper.step(1)` on a key, `stepper.prefetch(cache)` in paint, `stepper.listeners(onMessage)`
 *  in startView's `on`, and the stepper in its `dispose`. */
export class Stepper {
  private at: number;
  private going: number | undefined; // a place the view steps to once its id arrives
  private readonly sync: PositionSync;
  /** the queue's ids, in windows */
  readonly order: OrderWindow;

  constructor(private readonly model: Model, private readonly parts: StepperParts) {
    this.order = new OrderWindow(model, () => this.arrived());
    this.at = Math.max(0, model.get("position"));
    this.sync = new PositionSync(model);
    this.blank = !this.order.ensure(this.at) && this.at < this.order.total;
    parts.status?.showing(this.current());
  }

  /** The position shown: 0..total, total being the end screen. */
  get pos(): number {
    return this.at;
  }

  /** The number of items in the queue. */
  get total(): number {
    return this.order.total;
  }

  /** The id at place `n` of the queue (undefined when not held yet, or out of it). */
  idAt(n: number): ItemId | undefined {
    return this.order.get(n);
  }

  /** The item shown (undefined on the end screen, or while its id is on its way). */
  current(): ItemId | undefined {
    return this.order.get(this.at);
  }

  atEnd(): boolean {
    return this.at >= this.order.total;
  }

  /** Move to `to` (clamped), repaint at once, and tell the kernel once stepping pauses. When the
   *  id at `to` is not held, the step waits for it (the view stays where it is). */
  go(to: number): void {
    const target = Math.max(0, Math.min(to, this.order.total));
    if (target < this.order.total && !this.order.ensure(target)) {
      this.going = target;
      return;
    }
    this.going = undefined;
    this.parts.leave?.();
    this.at = target;
    this.parts.enter?.();
    this.parts.status?.showing(this.current());
    this.parts.paint();
    this.sync.set(this.at);
  }

  /** Move by `delta` items (+1 next, -1 previous), from where a waiting step is going. */
  step(delta: number): void {
    this.go((this.going ?? this.at) + delta);
  }

  /** Go to `id`'s (first) place in the order: at once when its place is held, else once the
   *  kernel said where it is; false when the order lacks it (known here). With `again` false, an
   *  item already shown is left as it is (no step, no repaint). */
  seek(id: ItemId, again = true): boolean {
    const held = this.order.indexOf(id);
    if (held < 0 && this.order.complete()) return false;
    const to = (at: number) => {
      if (at >= 0 && (again || at !== this.at)) this.go(at);
    };
    if (held >= 0) to(held);
    else this.order.find(id, to);
    return true;
  }

  /** The kernel's order changed: show `position` in it (no step: nothing is left, nothing synced). */
  restart(position: number): void {
    this.order.reset();
    this.going = undefined;
    this.at = position;
    this.blank = !this.order.ensure(this.at) && this.at < this.order.total;
    this.parts.restart?.();
    this.parts.status?.showing(this.current());
    this.parts.paint();
  }

  /** A window arrived: finish a step that waited for it, or repaint a view shown without its id. */
  private arrived(): void {
    if (this.going !== undefined) {
      if (this.order.get(this.going) !== undefined) this.go(this.going);
    } else if (this.blank && this.current() !== undefined) {
      this.blank = false;
      this.parts.status?.showing(this.current());
      this.parts.paint();
    }
  }

  /** shown at a place whose id had not arrived (a start or restart outside the synced window) */
  private blank = false;

  /** The ids of the read-ahead window (kept in the cache when new items arrive). */
  nearby(): ItemId[] {
    const start = Math.max(0, this.at - this.parts.behind);
    return this.order.slice(start, this.at + this.parts.ahead);
  }

  /** Ask `cache` for the read-ahead window's missing items (see ItemCache.around), and the kernel
   *  for the queue's ids a chunk behind and ahead of the view. */
  prefetch(cache: ItemCache): void {
    this.order.need(this.at - CHUNK / 4, this.at + this.parts.ahead + CHUNK / 2);
    const start = Math.max(0, this.at - this.parts.behind);
    const ids = this.order.slice(start, this.at + this.parts.ahead);
    if (ids.length > this.at - start) cache.around(ids, this.at - start, this.at - start, this.parts.ahead);
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
   *  text counts; `<noun> <id>` for an id whose place is not held here (not in the order, or far
   *  from the view: status lines speak of items near it). For status lines, which never show
   *  internal ids (those go in a tooltip: see StatusLine's About.title). */
  placeText(id: ItemId, noun = "item"): string {
    const at = this.order.indexOf(id);
    return at < 0 ? `${noun} ${JSON.stringify(id)}` : `${noun} ${at + 1}`;
  }

  /** "item 4", as placeText, but "an item no longer in the queue" for an id not in it (known when
   *  the whole queue is held), for the canvas editors' messages about an edit's item. */
  placeOf(id: ItemId, noun = "item"): string {
    const at = this.order.indexOf(id);
    if (at >= 0) return `${noun} ${at + 1}`;
    return this.order.complete() ? `${/^[aeiou]/i.test(noun) ? "an" : "a"} ${noun} no longer in the queue` : `${noun} ${JSON.stringify(id)}`;
  }

  /** "end" on the end screen, else "<noun> 3 / 10". */
  positionText(noun = "item"): string {
    const total = this.order.total;
    return this.at >= total ? "end" : `${noun} ${this.at + 1} / ${total}`;
  }

  /** Model listeners (kernel messages, a new order, the kernel moving the position, n_done), to
   *  spread into startView's `on`. */
  listeners(onMessage: Handler): Record<string, Handler> {
    return stepperListeners(this.model, {
      onMessage,
      shown: () => this.going ?? this.at,
      go: (to) => {
        if (this.sync.savingNow) return; // the view's own save, not the kernel moving it
        this.sync.drop(); // the kernel's place wins over a step not yet saved
        this.go(to);
      },
      restart: (position) => this.restart(position),
      rewindow: () => {
        this.order.reset();
        this.arrived();
      },
      orderMessage: (msg) => this.order.receive(msg),
      paintProgress: this.parts.paintProgress,
    });
  }

  /** Save an unsaved position now (the view is going away). */
  dispose(): void {
    this.sync.dispose();
  }
}

/** What paintCurrent does with the stepper's current item. */
export interface CurrentHooks<I> {
  /** the item shown as the view draws it; undefined while the cache lacks it (or holds no such item) */
  item: () => I | undefined;
  /** no item to show: the end screen */
  end: () => void;
  /** the item is not ready: show `message` ("loading…", or the error the cache holds for it) */
  wait: (message: string) => void;
  /** paint item `id` */
  show: (id: ItemId, item: I) => void;
}

/** Paint the stepper's current item: the end screen when there is none; else (the read-ahead
 *  window asked for) the item, or a message until `cache` holds it and the view repaints. */
export function paintCurrent<I>(stepper: Stepper, cache: ItemCache, hooks: CurrentHooks<I>): void {
  const id = stepper.current();
  if (id === undefined) {
    hooks.end();
    return;
  }
  stepper.prefetch(cache);
  const item = hooks.item();
  if (item === undefined) {
    hooks.wait(cache.get(id)?.error ?? "loading…");
    stepper.paintWhenReady(cache, id);
    return;
  }
  hooks.show(id, item);
}

/** The next / previous keys of a stepper, described as "next <noun>" / "previous <noun>". */
export function stepKeys(stepper: Stepper, next: string[], prev: string[], noun = "item"): Binding[] {
  return [
    { keys: next, description: `next ${noun}`, run: () => stepper.step(1) },
    { keys: prev, description: `previous ${noun}`, run: () => stepper.step(-1) },
  ];
}
