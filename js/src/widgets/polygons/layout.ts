// PolygonAnnotator's DOM: header, class swatches, the proposal and zoom tools, the canvas stage,
// the selection line and the nav row. Only structure here: the view wires the handlers.
import { CanvasStage, editorNav, selectionRow, zoomTools } from "../../lib/canvas_stage";
import { h } from "../../lib/dom";
import { headerRow } from "../../lib/review";
import { StatusLine } from "../../lib/status";

export type PolygonLayout = ReturnType<typeof polygonLayout>;

export function polygonLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();
  const classBar = h("div", "hitl-row hitl-classes");
  const acceptAll = h("button", "hitl-button hitl-accept-all", "accept all proposals (A)");
  const tools = h("div", "hitl-row hitl-tools");
  const { zoomOut, zoomIn, zoomFit, zoomText, row: zoomRow } = zoomTools();
  tools.append(acceptAll, h("span", "hitl-spacer"), ...zoomRow);
  const stage = new CanvasStage();
  const { info, selectionLine, countLine } = selectionRow();
  const nav = editorNav();
  const status = new StatusLine();
  root.append(header, classBar, tools, stage.node, info, nav.nav, status.node);
  return {
    title, position, progress, classBar, acceptAll, zoomOut, zoomIn, zoomFit, zoomText, stage,
    canvas: stage.canvas, selectionLine, countLine, nav, status,
  };
}
