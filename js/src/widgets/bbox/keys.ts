// BBoxAnnotator's keys, in the order the "?" overlay lists them.
import type { AnyModel } from "@anywidget/types";
import { arrowDelta } from "../../lib/box_edit";
import { editorKeys } from "../../lib/canvas_stage";
import { classDigitKeys } from "../../lib/classes";
import type { HelpOverlay } from "../../lib/help";
import type { Binding } from "../../lib/keyboard";
import type { Stepper } from "../../lib/stepper";
import type { PanZoom } from "../../lib/viewport";
import type { BoxActions } from "./actions";
import type { BBoxModel } from "./geometry";

export function boxKeys(
  model: AnyModel<BBoxModel>, a: BoxActions, stepper: Stepper, panZoom: PanZoom, help: HelpOverlay,
  escape: { run: () => void; when: () => boolean },
): Binding[] {
  return [
    ...classDigitKeys(() => model.get("classes"), (k) => a.pickClass(k),
      "class of new boxes (of the box you clicked or Tabbed to, if any; never accepts a proposal)"),
    { keys: ["b"], description: "new box in the middle of the view", run: () => a.newBoxByKey() },
    { keys: ["Tab"], description: "select the next box or proposal (Shift: previous)", run: (e) => a.cycle(e.shiftKey ? -1 : 1) },
    { keys: ["Enter"], description: "accept the selected (or best) proposal", run: () => a.acceptProposal() },
    { keys: ["a", "A"], description: "accept every proposal above the threshold", run: () => a.acceptAllAbove() },
    { keys: ["Delete", "Backspace"], description: "delete the selected box / reject the selected proposal", run: () => a.deleteSelected() },
    { keys: ["ArrowLeft"], description: "nudge the selected box (Shift: 10 px); pan when none", run: (e) => a.arrow(-1, 0, e) },
    { keys: ["ArrowRight"], description: "nudge right", run: (e) => a.arrow(1, 0, e) },
    { keys: ["ArrowUp"], description: "nudge up", run: (e) => a.arrow(0, -1, e) },
    { keys: ["ArrowDown"], description: "nudge down", run: (e) => a.arrow(0, 1, e) },
    { keys: ["Alt+ArrowLeft", "Alt+ArrowRight", "Alt+ArrowUp", "Alt+ArrowDown"], description: "resize the selected box (Shift: 10 px)",
      run: (e) => a.arrow(...arrowDelta(e.key), e) },
    { keys: ["c"], description: "copy the previous item's boxes", run: () => a.copyPrevious() },
    { keys: [","], description: "lower the proposal threshold", run: () => a.setThreshold(model.get("threshold") - 0.05) },
    { keys: ["."], description: "raise the proposal threshold", run: () => a.setThreshold(model.get("threshold") + 0.05) },
    ...editorKeys(panZoom, (kind) => a.undoRedo(kind), (delta) => stepper.step(delta), help),
    { keys: ["Escape"], description: "cancel the drawing / clear the selection", ...escape },
  ];
}
