// Light or dark outside JupyterLab. theme.css takes every colour from JupyterLab's --jp-* variables
// where the host defines them (JupyterLab, Notebook 7); elsewhere from its own fallbacks, light by
// default and dark on a root marked data-hitl-theme="dark". This module sets that mark: the host's
// own theme where it says one on an ancestor of the widget (across shadow roots: marimo renders
// each widget in one) — marimo's data-theme / "dark" class on <body>, VS Code's vscode-dark /
// vscode-light classes, JupyterLab's data-jp-theme-light — else the system's prefers-color-scheme.
// It follows later changes (onThemeChange), so the canvases repainting then see the new colours.

import { onThemeChange } from "./contrast";

export type Scheme = "dark" | "light";

const DARK_CLASSES = ["dark", "dark-theme", "vscode-dark", "vscode-high-contrast"];
const LIGHT_CLASSES = ["light", "light-theme", "vscode-light", "vscode-high-contrast-light"];

/** The theme an element (or its nearest ancestor that names one) says, or null. */
function namedScheme(el: Element): Scheme | null {
  const jp = el.getAttribute("data-jp-theme-light");
  if (jp === "true" || jp === "false") return jp === "true" ? "light" : "dark";
  const named = (el.getAttribute("data-theme") ?? el.getAttribute("data-vscode-theme-kind") ?? "").toLowerCase();
  if (named.includes("light")) return "light"; // before "dark": vscode-high-contrast-light
  if (named.includes("dark")) return "dark";
  if (LIGHT_CLASSES.some((c) => el.classList.contains(c))) return "light";
  if (DARK_CLASSES.some((c) => el.classList.contains(c))) return "dark";
  return null;
}

/** The parent element, or the shadow root's host when `el` is the top of one. */
function parentAcross(el: Element): Element | null {
  if (el.parentElement) return el.parentElement;
  const node = el.getRootNode();
  return node instanceof ShadowRoot ? node.host : null;
}

/** The scheme the host around `el` uses: the nearest ancestor naming one, else the system's. */
export function hostScheme(el: Element): Scheme {
  for (let e: Element | null = parentAcross(el); e; e = parentAcross(e)) {
    const scheme = namedScheme(e);
    if (scheme) return scheme;
  }
  const dark = typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
  return dark ? "dark" : "light";
}

const roots = new Set<HTMLElement>();
const shown = new WeakSet<HTMLElement>(); // roots that have been in the document
let stop: (() => void) | null = null;

function mark(root: HTMLElement): void {
  if (!root.isConnected) return;
  shown.add(root);
  root.setAttribute("data-hitl-theme", hostScheme(root));
}

function markAll(): void {
  for (const root of roots) {
    if (root.isConnected) mark(root);
    else if (shown.has(root)) roots.delete(root); // the view is gone
  }
  if (!roots.size && stop) {
    stop();
    stop = null;
  }
}

/** Mark `root` (a widget's .hitl-root) with its host's scheme now and on every theme change. */
export function followHostTheme(root: HTMLElement): void {
  roots.add(root);
  mark(root);
  if (!root.isConnected && typeof requestAnimationFrame === "function") requestAnimationFrame(() => mark(root));
  if (!stop) stop = onThemeChange(markAll);
}
