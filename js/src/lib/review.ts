// The skeleton the widgets share: header row, kernel message routing, position sync with the
// kernel, model listeners with one cleanup (listen, startView), start-up focus, the help keys, the
// nav row's wiring and saved-state badge. The stepping itself is lib/stepper.ts.
import type { AnyModel } from "@anywidget/types";
import type { IntentChannel } from "./channel";
import { h } from "./dom";
import { helpButton, type HelpOverlay } from "./help";
import { itemKey } from "./items";
import type { ItemCache, ItemId, ItemInfo } from "./items";
import type { Binding } from "./keyboard";
import type { Binary } from "./media";
import type { StatusLine } from "./status";
import { checkVersion } from "./widget";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Model = AnyModel<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (...args: any[]) => void;

/** The traits every review view syncs with Python's ReviewWidget (hitl_widgets/widgets/base.py);
 *  a view's own model interface extends it. */
export interface ReviewModel {
  task: string;
  annotator: string;
  order: ItemId[]; // item ids, in review order
  position: number;
  n_done: number;
  title: string;
  autofocus: boolean;
  version: string;
}

/** The header row: title, then (right-aligned) the position and progress texts. */
export function headerRow() {
  const title = h("span", "hitl-title");
  const position = h("span", "hitl-muted hitl-position");
  const progress = h("span", "hitl-progress");
  const header = h("div", "hitl-row");
  header.append(title, h("span", "hitl-spacer"), position, progress);
  return { header, title, position, progress };
}

/** Register `{event: handler}` on the model (in that order); the returned function removes them all. */
export function listen(model: Model, handlers: Record<string, Handler>): () => void {
  const entries = Object.entries(handlers);
  for (const [event, handler] of entries) model.on(event, handler);
  return () => {
    for (const [event, handler] of entries) model.off(event, handler);
  };
}

/** What a widget does with the kernel's own messages (intent replies and refusals are handled here). */
export interface KernelRoutes {
  /** "items": prefetched item infos with their media buffers; ignored when absent */
  items?: (infos: ItemInfo[], buffers: Binary[]) => void;
  /** "invalidate": the kernel's items changed; ignored when absent */
  invalidate?: () => void;
  /** any other message type */
  other?: (msg: Record<string, unknown>, buffers: Binary[]) => void;
}

/** A "msg:custom" handler: intent replies go to the channel, a refusal to the status line, the rest to `routes`. */
export function kernelMessages(channel: IntentChannel, status: StatusLine, routes: KernelRoutes) {
  return (msg: Record<string, unknown>, buffers: Binary[] = []) => {
    if (channel.handle(msg)) return;
    if (msg.type === "items") routes.items?.(msg.items as ItemInfo[], buffers);
    else if (msg.type === "refused") status.error(`refused: ${String(msg.message ?? "invalid message")}`);
    else if (msg.type === "invalidate") routes.invalidate?.();
    else routes.other?.(msg, buffers);
  };
}

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

/** Focus the root on a mouse press outside its buttons and inputs, so that its keys work after a click. */
export function focusOnClick(root: HTMLElement): void {
  root.addEventListener("mousedown", (e) => {
    const t = e.target as HTMLElement;
    if (!t.closest("button") && !t.closest("input")) root.focus({ preventScroll: true });
  });
}

/** The buttons of a stepping view's nav row that every such view has and wires alike. */
export interface NavButtons {
  prev: HTMLButtonElement;
  next: HTMLButtonElement;
  undoButton: HTMLButtonElement;
  helpButton: HTMLButtonElement;
  retry: HTMLButtonElement;
}

/** The nav buttons, labelled `prev`, `next` and `undo`, with "?" and "retry unsaved" (hidden until
 *  an intent fails); the view places them in its rows. */
export function navButtons(prev: string, next: string, undo = "undo (⌫)"): NavButtons {
  const retry = h("button", "hitl-button hitl-retry", "retry unsaved");
  retry.hidden = true;
  return {
    prev: h("button", "hitl-button", prev),
    next: h("button", "hitl-button", next),
    undoButton: h("button", "hitl-button", undo),
    helpButton: helpButton(),
    retry,
  };
}

/** What the nav buttons do. */
export interface NavActions {
  /** move by -1 (← prev) or +1 (next →) */
  step: (delta: number) => void;
  undo: () => void;
  help: HelpOverlay;
  /** its failed intents are sent again by "retry unsaved" (an IntentChannel or an EditLedger) */
  channel: Pick<IntentChannel, "retryFailed">;
}

/** Wire the nav buttons to `actions`, and focus the root on a mouse press elsewhere than a button
 *  or input (focusOnClick). */
export function wireNav(root: HTMLElement, buttons: NavButtons, actions: NavActions): void {
  buttons.prev.addEventListener("click", () => actions.step(-1));
  buttons.next.addEventListener("click", () => actions.step(1));
  buttons.undoButton.addEventListener("click", () => actions.undo());
  buttons.helpButton.addEventListener("click", () => actions.help.toggle());
  buttons.retry.addEventListener("click", () => actions.channel.retryFailed());
  focusOnClick(root);
}

/** Show the channel's unsaved / failed counts on the status line; the retry button only while
 *  something failed. */
export function showSaved(status: StatusLine, channel: Pick<IntentChannel, "pendingCount" | "failedCount">, retry: HTMLElement): void {
  status.setSaved(channel.pendingCount, channel.failedCount);
  retry.hidden = channel.failedCount === 0;
}

/** Focus the root on the next frame when the model asks for it. */
export function autofocus(model: Model, root: HTMLElement): void {
  if (model.get("autofocus")) requestAnimationFrame(() => root.focus({ preventScroll: true }));
}

/** The "?" (show / hide the shortcuts) and Escape (close them) keys of a help overlay. */
export function helpKeys(help: HelpOverlay): Binding[] {
  return [
    { keys: ["?"], description: "show / hide these shortcuts", run: () => help.toggle() },
    { keys: ["Escape"], description: "close this help", run: () => help.toggle(false), when: () => help.open },
  ];
}

/** What startView wires up. */
export interface ViewParts {
  /** model events → handlers (see listen), removed on cleanup */
  on: Record<string, Handler>;
  /** the first paint, after the version check */
  paint: () => void;
  /** run (a function) or disposed (an object) on cleanup, in order, after the handlers are removed */
  dispose: Array<{ dispose(): void } | (() => void)>;
}

/** Listen to the model, check the version, paint, focus when asked; returns render()'s cleanup. */
export function startView(model: Model, root: HTMLElement, status: StatusLine, parts: ViewParts): () => void {
  const unlisten = listen(model, parts.on);
  checkVersion(model, status);
  parts.paint();
  autofocus(model, root);
  return () => {
    unlisten();
    for (const d of parts.dispose) {
      if (typeof d === "function") d();
      else d.dispose();
    }
  };
}
