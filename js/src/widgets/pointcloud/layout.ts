// The point view's DOM: header, tool row, class row (each class's key, colour and name — the
// name as text only — and a show / hide toggle), the stage (WebGL canvas + 2D overlay), nav row.
import { classKeys, type ClassName } from "../../lib/classes";
import { h, setText } from "../../lib/dom";
import { headerRow, navButtons } from "../../lib/review";
import { COLOUR_MODES } from "../../lib/point_colours";
import type { Tool } from "../../lib/point_pointer";

export const TOOLS: Array<[Tool, string, string]> = [
  ["orbit", "o", "orbit"], ["lasso", "l", "lasso"], ["box", "b", "box"], ["brush", "r", "brush"],
];

export function buildLayout(root: HTMLElement) {
  const head = headerRow();
  const tools = h("div", "hitl-row hitl-pc-tools");
  const toolButtons = new Map<Tool, HTMLButtonElement>();
  for (const [tool, key, name] of TOOLS) {
    const b = h("button", "hitl-button hitl-pc-tool");
    b.append(h("span", "hitl-key", key), document.createTextNode(name));
    b.dataset.tool = tool;
    toolButtons.set(tool, b);
    tools.append(b);
  }
  const colour = h("select", "hitl-pc-colour");
  colour.setAttribute("aria-label", "colour points by");
  for (const mode of COLOUR_MODES) colour.append(Object.assign(h("option", "", mode), { value: mode }));
  const size = Object.assign(h("input", "hitl-pc-size"), { type: "range", min: "1", max: "8", step: "0.5" });
  size.setAttribute("aria-label", "point size");
  const onlyUnlabelled = toggle("only unlabelled (u)");
  const onlyVisible = toggle("only visible classes (v)");
  const acceptAll = h("button", "hitl-button hitl-pc-accept-all", "accept all proposals (a)");
  const acceptSel = h("button", "hitl-button hitl-pc-accept-sel", "accept in selection (A)");
  tools.append(colour, size, onlyUnlabelled.label, onlyVisible.label, acceptAll, acceptSel);
  const classRow = h("div", "hitl-row hitl-pc-classes");
  const stage = h("div", "hitl-pc-stage");
  const canvas = h("canvas", "hitl-pc-canvas");
  const overlay = h("canvas", "hitl-pc-overlay");
  stage.append(canvas, overlay);
  const buttons = navButtons("← frame", "frame →", "undo (Ctrl+Z)");
  const redo = h("button", "hitl-button", "redo (Ctrl+Shift+Z)");
  const info = h("span", "hitl-muted hitl-pc-info");
  const nav = h("div", "hitl-row hitl-nav");
  nav.append(buttons.prev, buttons.next, buttons.undoButton, redo, info, h("span", "hitl-spacer"), buttons.retry, buttons.helpButton);
  root.append(head.header, tools, classRow, stage, nav);
  return { ...head, tools, toolButtons, colour, size, onlyUnlabelled: onlyUnlabelled.input, onlyVisible: onlyVisible.input,
    acceptAll, acceptSel, classRow, stage, canvas, overlay, buttons, redo, info, nav };
}

function toggle(text: string) {
  const label = h("label", "hitl-pc-toggle");
  const input = Object.assign(h("input", ""), { type: "checkbox" });
  label.append(input, document.createTextNode(text));
  return { label, input };
}

/** One button per class (paints the selection) with a show / hide checkbox. */
export function classButtons(
  row: HTMLElement, classes: ClassName[], colours: string[], paint: (k: number) => void, visible: (k: number, on: boolean) => void,
): HTMLInputElement[] {
  const keys = classKeys(classes);
  const eyes: HTMLInputElement[] = [];
  row.replaceChildren();
  classes.forEach((name, k) => {
    const b = h("button", "hitl-button hitl-pc-class");
    if (keys[k]) b.append(h("span", "hitl-key", keys[k]));
    const swatch = h("span", "hitl-pc-swatch");
    swatch.style.background = colours[k] ?? "#888";
    const text = h("bdi", "");
    setText(text, name);
    b.append(swatch, text);
    b.addEventListener("click", () => paint(k));
    const eye = Object.assign(h("input", "hitl-pc-eye"), { type: "checkbox", checked: true });
    eye.setAttribute("aria-label", `show ${String(name)}`);
    eye.addEventListener("change", () => visible(k, eye.checked));
    const cell = h("span", "hitl-pc-class-cell");
    cell.append(eye, b);
    row.append(cell);
    eyes.push(eye);
  });
  return eyes;
}
