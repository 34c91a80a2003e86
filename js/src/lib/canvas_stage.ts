// Shared parts of the pan/zoom canvas editors (bbox, segmentation): the stage (canvas + message,
// its width, the item shown, the image pyramid), fitting the viewport to it, the class swatches,
// the zoom tools, the selection row, the prev/next/undo/redo nav row, the zoom/undo/paging keys,
// and how an edit settles.
import "./canvas_stage.css";
import type { IntentChannel, Reply } from "./channel";
import { ClassName, classColour, classKeys } from "./classes";
import { h, setText } from "./dom";
import type { HelpOverlay } from "./help";
import type { ItemCache, ItemId, ItemInfo } from "./items";
import { itemKey } from "./items";
import type { Binding } from "./keyboard";
import type { Edit, EditLedger } from "./ledger";
import { helpKeys, navButtons, ReviewModel, wireNav } from "./review";
import type { StatusLine } from "./status";
import type { Stepper } from "./stepper";
import { ImagePyramid } from "./viewport";
import type { PanZoom, Viewport } from "./viewport";

/** The traits both editors sync (BBoxAnnotator, SegmentationCanvas: hitl_widgets/widgets/image_editor.py). */
export interface EditorModel extends ReviewModel {
  classes: ClassName[];
  display_height: number;
}

/** An edit of item `id` in an editor: `ack` applies the kernel's state of the item; a refusal asks
 *  for that state again ("sync": the view's copy may now differ from the kernel's), settled alike.
 *  `describe` names the item in an error ("item 4": its place, not its internal id). */
export function editorEdit(ledger: EditLedger, id: ItemId, ack: (reply: Reply) => void, describe?: string): Edit {
  return {
    item: id, ack, describe,
    refused: () => void ledger.send("sync", { item_id: id }, editorEdit(ledger, id, ack, describe)),
  };
}

/** Show `text` on the status line as a message about item `id` (cleared when another item is
 *  shown), with the internal id as its tooltip; with no item (the end screen), as a plain message. */
export function sayAbout(status: StatusLine, id: ItemId | undefined, text: string): void {
  if (id === undefined) status.info(text);
  else status.info(text, { item: id, title: `item id ${JSON.stringify(id)}` });
}

export { countOf } from "./dom"; // where the widgets have always imported it from

/** What an undo / redo of item `place` did, from the kernel's ack (`undone` / `redone`: the op of
 *  the change, named through `names`): "undone on item 4: a brush stroke". */
export function undoText(kind: "undo" | "redo", place: string, reply: Reply, names: Record<string, string>): string {
  const op = reply[kind === "undo" ? "undone" : "redone"];
  const what = typeof op === "string" ? (names[op] ?? op.replace(/_/g, " ")) : "";
  return `${kind === "undo" ? "undone" : "redone"} on ${place}${what ? `: ${what}` : ""}`;
}

/** Root classes of a canvas editor named `name` (the shared stage CSS keys on hitl-canvas-editor). */
export const editorRootClass = (name: string) => `hitl-root hitl-${name} hitl-canvas-editor`;

/** An image item ready to draw. */
export type ImageItem = ItemInfo & { image: ImageBitmap };

/** The stage: a canvas, or a message in its place ("loading…", an error, the end screen). */
export class CanvasStage {
  readonly node = h("div", "hitl-stage");
  readonly canvas = h("canvas", "hitl-canvas");
  readonly placeholder = h("div", "hitl-muted hitl-placeholder");
  /** CSS px, measured when an item is set up and on resize (never inside a frame: no forced layout) */
  private width = 0;
  private shown: string | null = null; // key of the item the viewport is set to
  private pyramid: ImagePyramid | null = null;
  private resize: ResizeObserver | null = null;
  private zoomShown = ""; // the zoom beginFrame last wrote

  constructor() {
    this.node.append(this.canvas, this.placeholder);
  }

  /** Measure the stage's width again (0 when not laid out: 640). */
  measure(): void {
    this.width = this.node.clientWidth || 640;
  }

  /** Measure again and call `onResize` whenever the stage's size changes (where ResizeObserver exists). */
  observeResize(onResize: () => void): void {
    if (typeof ResizeObserver !== "function") return;
    this.resize = new ResizeObserver(() => {
      this.measure();
      onResize();
    });
    this.resize.observe(this.node);
  }

  /** fit() to the measured width (measured now if never) and `height`. */
  fitWidth(viewport: Viewport, height: number): void {
    if (!this.width) this.measure();
    this.fit(viewport, this.width, height);
  }

  /** Whether the viewport is set to the item of key `key`. */
  shows(key: string): boolean {
    return this.shown === key;
  }

  /** The item shown is stale (a step, a new order, new data): the next showCurrent sets it up again. */
  forget(): void {
    this.shown = null;
  }

  /** Show the stepper's current item: the end screen (`endText`; by default "All 12 items reviewed.
   *  PgUp goes back."), "loading…" until the cache holds it
   *  (then the stepper repaints), its error when it is no image, else the canvas, fitting the viewport to a
   *  `height` px stage and to the image the first time since forget(). Returns the item to draw
   *  and whether it was just set up (`fresh`), or null when there is none. */
  showCurrent(
    stepper: Stepper, cache: ItemCache, viewport: Viewport, height: number,
    endText = `All ${stepper.total} items reviewed. PgUp goes back.`,
  ): { item: ImageItem; fresh: boolean } | null {
    const id = stepper.current();
    if (id === undefined) {
      this.message(endText);
      return null;
    }
    stepper.prefetch(cache);
    const item = cache.get(id);
    if (!item) {
      this.message("loading…");
      stepper.paintWhenReady(cache, id);
      return null;
    }
    if (item.kind !== "image" || !item.image) {
      this.message(item.error ?? "cannot show this item");
      return null;
    }
    this.showCanvas();
    const key = itemKey(id);
    if (this.shown === key) return { item: item as ImageItem, fresh: false };
    this.shown = key;
    this.measure();
    this.fitWidth(viewport, height);
    viewport.setImage(item.width || item.image.width, item.height || item.image.height);
    return { item: item as ImageItem, fresh: true };
  }

  /** Draw `image` through the viewport from a pyramid of smaller copies, built once per image
   *  (`onLevel` runs as each copy is ready: request a frame). */
  drawImage(ctx: CanvasRenderingContext2D, viewport: Viewport, image: ImageBitmap, onLevel: () => void): void {
    if (this.pyramid?.image !== image) {
      this.pyramid?.dispose();
      this.pyramid = new ImagePyramid(image, onLevel);
    }
    viewport.drawImage(ctx, image, this.pyramid);
  }

  /** Begin a frame of an image editor: fit the stage to `height`, write the zoom into `zoomText`
   *  (only when it changed), paint `image` (`onLevel` as drawImage) or, with none, clear the canvas,
   *  and leave the context in the viewport's screen transform for the overlays. Null: no 2D context. */
  beginFrame(
    viewport: Viewport, height: number, zoomText: HTMLElement, image: ImageBitmap | undefined, onLevel: () => void,
  ): CanvasRenderingContext2D | null {
    this.fitWidth(viewport, height);
    const zoom = `${Math.round(viewport.scale * 100)}%`;
    if (zoom !== this.zoomShown) setText(zoomText, (this.zoomShown = zoom));
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return null;
    if (image) this.drawImage(ctx, viewport, image, onLevel);
    else {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    }
    viewport.screenTransform(ctx);
    return ctx;
  }

  /** Stop observing the size and free the pyramid. */
  dispose(): void {
    this.resize?.disconnect();
    this.pyramid?.dispose();
  }

  /** Hide the canvas and show `text` instead. */
  message(text: string): void {
    this.placeholder.hidden = false;
    this.canvas.hidden = true;
    setText(this.placeholder, text);
  }

  showCanvas(): void {
    this.placeholder.hidden = true;
    this.canvas.hidden = false;
  }

  /** Size the stage to `height` CSS px and the viewport (and canvas) to width × height at the
   *  current device pixel ratio; a view that was fitted stays fitted. */
  fit(viewport: Viewport, width: number, height: number): void {
    const css = `${height}px`;
    if (this.node.style.height !== css) this.node.style.height = css;
    const dpr = typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1;
    if (width !== viewport.viewWidth || height !== viewport.viewHeight || dpr !== viewport.dpr) {
      const wasFit = Math.abs(viewport.scale - viewport.fitScale) < 1e-9;
      viewport.setView(width, height, dpr);
      if (wasFit) viewport.fit();
      viewport.sizeCanvas(this.canvas);
    }
  }
}

/** The class buttons of an editor: key, colour swatch and name each, the `current` one pressed;
 *  a click picks its class. */
export function classSwatches(classes: ClassName[], current: number, pick: (k: number) => void): HTMLButtonElement[] {
  const keys = classKeys(classes);
  return classes.map((c, k) => {
    const b = h("button", "hitl-button hitl-class");
    if (keys[k]) b.append(h("span", "hitl-key", keys[k]));
    const swatch = h("span", "hitl-swatch");
    swatch.style.background = classColour(k);
    b.append(swatch, document.createTextNode(String(c)));
    b.title = String(c); // the whole name when a long one is cut with …
    b.setAttribute("aria-pressed", String(k === current));
    b.addEventListener("click", () => pick(k));
    return b;
  });
}

type UndoRedo = (which: "undo" | "redo") => void;

/** The zoom tools of an editor's tool row: −, the zoom shown (beginFrame writes it), +, fit;
 *  `row` in that order. */
export function zoomTools() {
  const zoomOut = h("button", "hitl-button", "−");
  const zoomIn = h("button", "hitl-button", "+");
  const zoomFit = h("button", "hitl-button", "fit (F)");
  const zoomText = h("span", "hitl-muted hitl-zoom");
  return { zoomOut, zoomIn, zoomFit, zoomText, row: [zoomOut, zoomText, zoomIn, zoomFit] };
}

/** Make the zoom tools' buttons zoom `panZoom` in, out, and fit it. */
export function wireZoomTools(tools: Pick<ReturnType<typeof zoomTools>, "zoomIn" | "zoomOut" | "zoomFit">, panZoom: PanZoom): void {
  tools.zoomIn.addEventListener("click", () => panZoom.zoomIn());
  tools.zoomOut.addEventListener("click", () => panZoom.zoomOut());
  tools.zoomFit.addEventListener("click", () => panZoom.fit());
}

/** The row under a shape editor's stage: the selection line, then (right) the counts. */
export function selectionRow() {
  const selectionLine = h("span", "hitl-selection");
  const countLine = h("span", "hitl-muted hitl-counts");
  const info = h("div", "hitl-row");
  info.append(selectionLine, h("span", "hitl-spacer"), countLine);
  return { info, selectionLine, countLine };
}

/** Empty the selection row's lines (the end screen: nothing selected, nothing to count). */
export function clearSelectionRow(row: { selectionLine: HTMLElement; countLine: HTMLElement }): void {
  setText(row.selectionLine, "");
  setText(row.countLine, "");
}

/** The nav row: ← prev, next →, undo, redo, then (right) retry unsaved and "?". */
export function editorNav() {
  const buttons = navButtons("← prev (PgUp)", "next (PgDn) →", "undo (Ctrl+Z)");
  const redoButton = h("button", "hitl-button", "redo (Ctrl+Y)");
  const nav = h("div", "hitl-row hitl-nav");
  nav.append(buttons.prev, buttons.next, buttons.undoButton, redoButton, h("span", "hitl-spacer"), buttons.retry, buttons.helpButton);
  return { nav, ...buttons, redoButton };
}

/** Wire the nav row's buttons (wireNav, plus redo), and focus the root on a click outside buttons
 *  and inputs (a mouse click on a button gives the focus back to the root: Keymap's refocusAfterMouse). */
export function wireEditorNav(
  buttons: ReturnType<typeof editorNav>,
  root: HTMLElement,
  actions: { step: (delta: number) => void; undoRedo: UndoRedo; help: HelpOverlay; channel: Pick<IntentChannel, "retryFailed"> },
): void {
  wireNav(root, buttons, { step: actions.step, undo: () => actions.undoRedo("undo"), help: actions.help, channel: actions.channel });
  buttons.redoButton.addEventListener("click", () => actions.undoRedo("redo"));
}

/** Zoom, undo/redo, paging and help keys, in the order the "?" overlay lists them. */
export function editorKeys(panZoom: PanZoom, undoRedo: UndoRedo, step: (delta: number) => void, help: HelpOverlay): Binding[] {
  return [
    { keys: ["+", "="], description: "zoom in (wheel too; space-drag pans)", run: () => panZoom.zoomIn() },
    { keys: ["-"], description: "zoom out", run: () => panZoom.zoomOut() },
    { keys: ["f"], description: "fit the image to the view", run: () => panZoom.fit() },
    { keys: ["Ctrl+Z"], description: "undo the last change on this item (Ctrl+Shift+Z: redo)", run: (e) => undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => undoRedo("redo") },
    { keys: ["PageDown"], description: "next item", run: () => step(1) },
    { keys: ["PageUp"], description: "previous item", run: () => step(-1) },
    ...helpKeys(help),
  ];
}
