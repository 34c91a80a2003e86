// CoreferenceLinker's DOM: header, the image beside the caption, the region buttons, the proposal
// row, the chains (entities), the action and nav rows, the status line. Structure only.
import { h } from "../../lib/dom";
import { headerRow, navButtons } from "../../lib/review";
import { StatusLine } from "../../lib/status";

export type CorefLayout = ReturnType<typeof corefLayout>;

function keyButton(cls: string, key: string, text: string): HTMLButtonElement {
  const b = h("button", `hitl-button ${cls}`);
  b.append(h("span", "hitl-key", key), document.createTextNode(text));
  return b;
}

export function corefLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();
  const canvas = h("canvas", "hitl-coref-canvas");
  const imageMessage = h("div", "hitl-muted");
  const imageBox = h("div", "hitl-image");
  imageBox.append(canvas, imageMessage);
  const caption = h("div", "hitl-caption");
  caption.dir = "auto";
  const mention = h("div", "hitl-mention");
  const proposal = h("div", "hitl-row hitl-proposal");
  const regionBar = h("div", "hitl-row hitl-regions");
  const chains = h("ul", "hitl-chains");
  const side = h("div", "hitl-coref-side");
  side.append(caption, mention, proposal, regionBar, chains);
  const stage = h("div", "hitl-stage-row");
  stage.append(imageBox, side);

  const boxButton = keyButton("hitl-new-box", "b", "new box");
  const noneButton = keyButton("hitl-no-referent", "n", "no visual referent");
  const unlinkButton = keyButton("hitl-unlink", "Del", "unlink");
  const actions = h("div", "hitl-row");
  actions.append(h("span", "hitl-muted", "mention:"), boxButton, noneButton, unlinkButton);

  const nav = navButtons("← image ([)", "next image (])", "undo (Ctrl+Z)");
  const redoButton = h("button", "hitl-button hitl-redo", "redo (Ctrl+Y)");
  const navRow = h("div", "hitl-row hitl-nav");
  navRow.append(h("span", "hitl-spacer"), nav.prev, nav.next, nav.undoButton, redoButton, nav.retry, nav.helpButton);
  const status = new StatusLine();
  root.append(header, stage, actions, navRow, status.node);
  return {
    title, position, progress, canvas, imageMessage, caption, mention, proposal, regionBar, chains,
    boxButton, noneButton, unlinkButton, nav, redoButton, status,
  };
}
