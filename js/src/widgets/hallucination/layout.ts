// HallucinationFlagger's DOM: header, image beside the text panels, category / evidence / verdict
// rows, nav row and status line. Only structure here: the handlers are wired by the view.
import { h, keyButton } from "../../lib/dom";
import { imageStage } from "../../lib/image_panel";
import { headerRow, navButtons, navRow } from "../../lib/review";
import { StatusLine } from "../../lib/status";
import { VERDICTS, VERDICT_KEYS } from "./model";

export type FlaggerLayout = ReturnType<typeof flaggerLayout>;

/** Build the view's elements into `root`. */
export function flaggerLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();

  const panels = h("div", "hitl-texts");
  const { canvas, imageMessage, stage } = imageStage("hitl-evidence-canvas", panels);

  const categoryBar = h("div", "hitl-row hitl-categories");
  const boxButton = keyButton("hitl-box-button", "b", "box on image");
  const absentButton = keyButton("hitl-absent-button", "n", "not in image");
  const removeButton = h("button", "hitl-button", "remove flag (Del)");
  const evidenceBar = h("div", "hitl-row");
  evidenceBar.append(h("span", "hitl-muted", "evidence:"), boxButton, absentButton, removeButton);
  const verdictButtons = VERDICTS.map((v) => keyButton(`hitl-verdict-${v}`, VERDICT_KEYS[v], v));
  const verdictBar = h("div", "hitl-row");
  verdictBar.append(h("span", "hitl-muted", "verdict:"), ...verdictButtons);

  const nav = navButtons("← image ([)", "next image (Enter)");
  const status = new StatusLine();
  root.append(header, stage, categoryBar, evidenceBar, verdictBar, navRow(nav), status.node);
  return {
    title, position, progress, canvas, imageMessage, panels, categoryBar,
    boxButton, absentButton, removeButton, verdictButtons, nav, status,
  };
}
