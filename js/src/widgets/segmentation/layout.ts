// SegmentationCanvas's DOM: header, class swatches, the tool row, the canvas stage, the info line
// and the nav row. Only structure here: the view wires the handlers.
import { CanvasStage, editorNav } from "../../lib/canvas_stage";
import { h, slider } from "../../lib/dom";
import { headerRow } from "../../lib/review";
import { StatusLine } from "../../lib/status";
import type { Tool } from "./model";

export type SegLayout = ReturnType<typeof segLayout>;

/** Build the view's elements into `root`. */
export function segLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();
  const classBar = h("div", "hitl-row hitl-classes");
  const toolButtons: Record<Tool, HTMLButtonElement> = {
    brush: h("button", "hitl-button hitl-tool", "brush (B)"),
    eraser: h("button", "hitl-button hitl-tool", "eraser (E)"),
    polygon: h("button", "hitl-button hitl-tool", "polygon (P)"),
    assist: h("button", "hitl-button hitl-tool hitl-tool-assist", "click-to-segment (A)"),
    superpixel: h("button", "hitl-button hitl-tool hitl-tool-superpixel", "superpixels (S)"),
  };
  const sizeText = h("span", "hitl-muted hitl-size");
  const opacityInput = slider("hitl-opacity", "mask opacity");
  const opacityValue = h("span", "hitl-muted hitl-opacity-value");
  const fillButton = h("button", "hitl-button", "fill holes (H)");
  const instanceButton = h("button", "hitl-button hitl-new-instance", "new instance (N)");
  const acceptButton = h("button", "hitl-button hitl-accept", "accept model mask (Enter)");
  const tools = h("div", "hitl-row hitl-tools");
  tools.append(toolButtons.brush, toolButtons.eraser, toolButtons.polygon, toolButtons.assist, toolButtons.superpixel, sizeText, h("span", "hitl-muted", "opacity"),
    opacityInput, opacityValue, fillButton, instanceButton, acceptButton);
  const stage = new CanvasStage();
  const infoLine = h("span", "hitl-info");
  const zoomText = h("span", "hitl-muted hitl-zoom");
  const info = h("div", "hitl-row");
  info.append(infoLine, h("span", "hitl-spacer"), zoomText);
  const nav = editorNav();
  const status = new StatusLine();
  root.append(header, classBar, tools, stage.node, info, nav.nav, status.node);
  return {
    title, position, progress, classBar, toolButtons, sizeText, opacityInput, opacityValue, fillButton, instanceButton,
    acceptButton, stage, canvas: stage.canvas, infoLine, zoomText, nav, status,
  };
}
