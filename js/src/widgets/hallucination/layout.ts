// HallucinationFlagger's DOM: header, image beside the text panels, category / evidence / verdict
// rows, nav row and status line. Only structure here: the handlers are wired by the view.
import { h } from "../../lib/dom";
import { headerRow, navButtons } from "../../lib/review";
import { StatusLine } from "../../lib/status";
import { VERDICTS, VERDICT_KEYS } from "./model";

export type FlaggerLayout = ReturnType<typeof flaggerLayout>;

/** Build the view's elements into `root`. */
export function flaggerLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();

  const canvas = h("canvas", "hitl-evidence-canvas");
  const imageMessage = h("div", "hitl-muted");
  const imageBox = h("div", "hitl-image");
  imageBox.append(canvas, imageMessage);
  const panels = h("div", "hitl-texts");
  const stage = h("div", "hitl-stage-row");
  stage.append(imageBox, panels);

  const categoryBar = h("div", "hitl-row hitl-categories");
  const boxButton = h("button", "hitl-button hitl-box-button");
  boxButton.append(h("span", "hitl-key", "b"), document.createTextNode("box on image"));
  const absentButton = h("button", "hitl-button hitl-absent-button");
  absentButton.append(h("span", "hitl-key", "n"), document.createTextNode("not in image"));
  const removeButton = h("button", "hitl-button", "remove flag (Del)");
  const evidenceBar = h("div", "hitl-row");
  evidenceBar.append(h("span", "hitl-muted", "evidence:"), boxButton, absentButton, removeButton);
  const verdictButtons = VERDICTS.map((v) => {
    const b = h("button", `hitl-button hitl-verdict-${v}`);
    b.append(h("span", "hitl-key", VERDICT_KEYS[v]), document.createTextNode(v));
    return b;
  });
  const verdictBar = h("div", "hitl-row");
  verdictBar.append(h("span", "hitl-muted", "verdict:"), ...verdictButtons);

  const nav = navButtons("← image ([)", "next image (Enter)");
  const navRow = h("div", "hitl-row hitl-nav");
  navRow.append(h("span", "hitl-spacer"), nav.prev, nav.next, nav.undoButton, nav.retry, nav.helpButton);
  const status = new StatusLine();
  root.append(header, stage, categoryBar, evidenceBar, verdictBar, navRow, status.node);
  return {
    title, position, progress, canvas, imageMessage, panels, categoryBar,
    boxButton, absentButton, removeButton, verdictButtons, nav, status,
  };
}
