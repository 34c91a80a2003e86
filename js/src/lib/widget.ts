// Small helpers every widget view uses at start-up.
import type { AnyModel } from "@anywidget/types";
import { h } from "./dom";
import type { StatusLine } from "./status";
import { followHostTheme } from "./theme";

declare const __HITL_VERSION__: string;

/** The front-end version baked in at build time (package.json). */
export const FRONTEND_VERSION: string = typeof __HITL_VERSION__ === "string" ? __HITL_VERSION__ : "dev";

/** Warn in the status line when the bundle and the Python package disagree (stale build/kernel). */
export function checkVersion(model: AnyModel, status: StatusLine): boolean {
  const python = model.get("version") as string | undefined;
  if (!python || python === FRONTEND_VERSION || FRONTEND_VERSION === "test") return true;
  status.warn(
    `hitl-widgets front-end ${FRONTEND_VERSION} differs from the Python package ${python}: ` +
      "restart the kernel and reload the page (or rebuild with npm run build)",
  );
  return false;
}

/** The view's root: a div of class `className` appended to anywidget's `el`, holding the model
 *  for tests (exposeModel), marked light or dark as its host is (lib/theme.ts). */
export function mountRoot(el: HTMLElement, model: unknown, className: string): HTMLDivElement {
  const root = h("div", className);
  exposeModel(root, model);
  el.append(root);
  followHostTheme(root);
  return root;
}

/** Keep a (non-enumerable) handle on the model for tests that play a forged front end. */
export function exposeModel(root: HTMLElement, model: unknown): void {
  Object.defineProperty(root, "hitlModel", { value: model, enumerable: false });
}
