// SceneGraphAnnotator's DOM: header, the image beside the side panel (the relation being made and
// the predicate list, the selected box's class and attributes, the triples and proposals), the
// action and nav rows, the status line. Structure only.
import { h, keyButton } from "../../lib/dom";
import { imageStage } from "../../lib/image_panel";
import { headerRow, navButtons, navRow } from "../../lib/review";
import { StatusLine } from "../../lib/status";

export type SceneLayout = ReturnType<typeof sceneLayout>;

export function sceneLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();
  const pending = h("div", "hitl-sg-pending");
  const predicateList = h("ol", "hitl-sg-predicates");
  const objectPanel = h("div", "hitl-row hitl-sg-object");
  const objectName = h("span", "hitl-sg-object-name");
  const classSelect = h("select", "hitl-sg-class");
  classSelect.title = "class of the selected box (c)";
  const attrInput = h("input", "hitl-sg-attributes");
  attrInput.type = "text";
  attrInput.placeholder = "attributes, comma-separated (t)";
  attrInput.setAttribute("list", `hitl-sg-attrs-${Math.random().toString(36).slice(2)}`);
  const attrList = h("datalist");
  attrList.id = attrInput.getAttribute("list") ?? "";
  objectPanel.append(objectName, classSelect, attrInput, attrList);
  const triplesHead = h("div", "hitl-muted hitl-sg-count");
  const triples = h("ul", "hitl-sg-triples");
  const side = h("div", "hitl-sg-side");
  side.append(pending, predicateList, objectPanel, triplesHead, triples);
  const { canvas, imageMessage, stage } = imageStage("hitl-sg-canvas", side);

  const arrowsButton = keyButton("hitl-sg-arrows", "h", "hide / show arrows");
  const deleteButton = keyButton("hitl-sg-delete", "Del", "delete selected");
  const acceptButton = keyButton("hitl-accept", "a", "accept proposal");
  const rejectButton = keyButton("hitl-reject", "x", "reject proposal");
  const actions = h("div", "hitl-row");
  actions.append(arrowsButton, deleteButton, acceptButton, rejectButton);

  const nav = navButtons("← image ([)", "next image (])", "undo (Ctrl+Z)");
  const redoButton = h("button", "hitl-button hitl-redo", "redo (Ctrl+Shift+Z)");
  const status = new StatusLine();
  root.append(header, stage, actions, navRow(nav, redoButton), status.node);
  return {
    title, position, progress, canvas, imageMessage, pending, predicateList, objectPanel, objectName, classSelect,
    attrInput, attrList, triplesHead, triples, arrowsButton, deleteButton, acceptButton, rejectButton, nav, redoButton, status,
  };
}
