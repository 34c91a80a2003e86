// Shared parts of the pan/zoom canvas editors (bbox, segmentation): the stage (canvas + message),
// fitting the viewport to it, the prev/next/undo/redo nav row, and the zoom/undo/paging keys.
import "./canvas_stage.css";
import type { IntentChannel } from "./channel";
import { h, setText } from "./dom";
import type { HelpOverlay } from "./help";
import type { Binding } from "./keyboard";
import { helpKeys } from "./review";
import type { PanZoom, Viewport } from "./viewport";

/** Root classes of a canvas editor named `name` (the shared stage CSS keys on hitl-canvas-editor). */
export const editorRootClass = (name: string) => `hitl-root hitl-${name} hitl-canvas-editor`;

/** The stage: a canvas, or a message in its place ("loading…", an error, the end screen). */
export class CanvasStage {
  readonly node = h("div", "hitl-stage");
  readonly canvas = h("canvas", "hitl-canvas");
  readonly placeholder = h("div", "hitl-muted hitl-placeholder");

  constructor() {
    this.node.append(this.canvas, this.placeholder);
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

type UndoRedo = (which: "undo" | "redo") => void;

/** The nav row: ← prev, next →, undo, redo, then (right) retry unsaved and "?". */
export function editorNav() {
  const prev = h("button", "hitl-button", "← prev (PgUp)");
  const next = h("button", "hitl-button", "next (PgDn) →");
  const undoButton = h("button", "hitl-button", "undo (Ctrl+Z)");
  const redoButton = h("button", "hitl-button", "redo (Ctrl+Y)");
  const helpButton = h("button", "hitl-button", "?");
  const retry = h("button", "hitl-button hitl-retry", "retry unsaved");
  retry.hidden = true;
  const nav = h("div", "hitl-row hitl-nav");
  nav.append(prev, next, undoButton, redoButton, h("span", "hitl-spacer"), retry, helpButton);
  return { nav, prev, next, undoButton, redoButton, helpButton, retry };
}

/** Wire the nav row's buttons, and focus the root on a click outside buttons and inputs. */
export function wireEditorNav(
  buttons: ReturnType<typeof editorNav>,
  root: HTMLElement,
  actions: { step: (delta: number) => void; undoRedo: UndoRedo; help: HelpOverlay; channel: IntentChannel },
): void {
  buttons.prev.addEventListener("click", () => actions.step(-1));
  buttons.next.addEventListener("click", () => actions.step(1));
  buttons.undoButton.addEventListener("click", () => actions.undoRedo("undo"));
  buttons.redoButton.addEventListener("click", () => actions.undoRedo("redo"));
  buttons.helpButton.addEventListener("click", () => actions.help.toggle());
  buttons.retry.addEventListener("click", () => actions.channel.retryFailed());
  root.addEventListener("mousedown", (e) => {
    const t = e.target as HTMLElement;
    if (!t.closest("button") && !t.closest("input")) root.focus({ preventScroll: true });
  });
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
