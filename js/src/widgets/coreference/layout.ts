// CoreferenceLinker's DOM: header, the image beside the caption, the region buttons, the proposal
// row, the chains (entities), the action and nav rows, the status line. Structure only.
import { h, keyButton } from "../../lib/dom";
import { imageStage } from "../../lib/image_panel";
import { headerRow, navButtons, navRow } from "../../lib/review";
import { StatusLine } from "../../lib/status";

export type CorefLayout = ReturnType<typeof corefLayout>;

export function corefLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();
  const caption = h("div", "hitl-caption");
  caption.dir = "auto";
  const mention = h("div", "hitl-mention");
  const proposal = h("div", "hitl-row hitl-proposal");
  const regionBar = h("div", "hitl-row hitl-regions");
  const chains = h("ul", "hitl-chains");
  const side = h("div", "hitl-coref-side");
  side.append(caption, mention, proposal, regionBar, chains);
  const { canvas, imageMessage, stage } = imageStage("hitl-coref-canvas", side);

  const boxButton = keyButton("hitl-new-box", "b", "new box");
  const noneButton = keyButton("hitl-no-referent", "n", "no visual referent");
  const unlinkButton = keyButton("hitl-unlink", "Del", "unlink");
  const actions = h("div", "hitl-row");
  actions.append(h("span", "hitl-muted", "mention:"), boxButton, noneButton, unlinkButton);

  const nav = navButtons("← image ([)", "next image (])", "undo (Ctrl+Z)");
  const redoButton = h("button", "hitl-button hitl-redo", "redo (Ctrl+Y)");
  const status = new StatusLine();
  root.append(header, stage, actions, navRow(nav, redoButton), status.node);
  return {
    title, position, progress, canvas, imageMessage, caption, mention, proposal, regionBar, chains,
    boxButton, noneButton, unlinkButton, nav, redoButton, status,
  };
}
