// The skeleton the widgets share: header row, kernel message routing, model listeners with one
// cleanup (listen, startView), start-up focus, the help keys, the nav row's wiring and saved-state
// badge, the progress line. The stepping itself (position sync with the kernel included) is lib/stepper.ts.
import { takeFocusWhenShown } from "./focus";
import type { AnyModel } from "@anywidget/types";
import type { IntentChannel } from "./channel";
import { h, setText } from "./dom";
import { helpButton, type HelpOverlay } from "./help";
import type { ItemInfo } from "./items";
import type { OrderWindowState } from "./order";
import type { Binding } from "./keyboard";
import type { Binary } from "./media";
import type { StatusLine } from "./status";
import type { Stepper } from "./stepper";
import { checkVersion } from "./widget";

/** Any widget's model (the views' own model interfaces narrow it). */
type Model = AnyModel;
/** A model event handler, as anywidget types it. */
type Handler = Parameters<AnyModel["on"]>[1];

/** The traits every review view syncs with Python's ReviewWidget (hitl_widgets/widgets/base.py);
 *  a view's own model interface extends it. */
export interface ReviewModel {
  task: string;
  annotator: string;
  order_window: OrderWindowState; // the queue's ids around the position, its total and version (lib/order.ts)
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

/** Register `{event: handler}` on the model (in that order; a key may name several events, space-separated);
 *  the returned function removes them all. */
export function listen(model: Model, handlers: Record<string, Handler>): () => void {
  // one name per model.on: Backbone (JupyterLab, Notebook 7) splits "change:a change:b" itself,
  // marimo's model does not (it would listen for an event of that whole name, which never comes)
  const entries = Object.entries(handlers).flatMap(([events, handler]) =>
    events.split(/\s+/).filter(Boolean).map((event) => [event, handler] as const));
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

/** A "msg:custom" handler: intent replies go to the channel (with their buffers: `reply.buffers`), a
 *  refusal to the status line, the rest to `routes`. */
export function kernelMessages(channel: IntentChannel, status: StatusLine, routes: KernelRoutes) {
  return (msg: Record<string, unknown>, buffers: Binary[] = []) => {
    if (channel.handle(msg, buffers)) return;
    if (msg.type === "items") routes.items?.(msg.items as ItemInfo[], buffers);
    else if (msg.type === "refused") status.error(`refused: ${String(msg.message ?? "invalid message")}`);
    else if (msg.type === "invalidate") routes.invalidate?.();
    else routes.other?.(msg, buffers);
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

/** The nodes showProgress writes: the header's progress and position texts, the status line, and
 *  the nav row's "retry unsaved". */
export interface ProgressNodes {
  progress: HTMLElement;
  position: HTMLElement;
  status: StatusLine;
  nav: { retry: HTMLElement };
}

/** The progress line of a stepping view: `text(done, total)` ("linked 3 of 10"), the position
 *  ("image 4 / 10", counting `noun`s) and the saved-state badge (showSaved). */
export function showProgress(
  nodes: ProgressNodes,
  stepper: Pick<Stepper, "total" | "positionText">,
  ledger: Pick<IntentChannel, "pendingCount" | "failedCount"> & { done(total: number): number },
  text: (done: number, total: number) => string,
  noun?: string,
): void {
  const total = stepper.total;
  setText(nodes.progress, text(ledger.done(total), total));
  setText(nodes.position, stepper.positionText(noun));
  showSaved(nodes.status, ledger, nodes.nav.retry);
}

/** The nav row of a stepping view: a spacer, then prev, next, undo, the `extra` buttons, retry
 *  unsaved and "?". */
export function navRow(nav: NavButtons, ...extra: HTMLElement[]): HTMLDivElement {
  const row = h("div", "hitl-row hitl-nav");
  row.append(h("span", "hitl-spacer"), nav.prev, nav.next, nav.undoButton, ...extra, nav.retry, nav.helpButton);
  return row;
}

/** Focus the root on the next frame when the model asks for it and the person just ran its cell
 *  (lib/focus.ts: not on Run All, not on a page reload, never away from another widget). */
export function autofocus(model: Model, root: HTMLElement): void {
  if (model.get("autofocus")) takeFocusWhenShown(root);
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
