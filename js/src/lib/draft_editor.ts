// How an editor with a draft (a shape being moved, resized or nudged, sent when its editing ends:
// BBoxAnnotator, PolygonAnnotator) steps and closes: the draft goes to the item it was made on
// before a step, before a new order is shown, and before the view goes.
import type { AnyModel } from "@anywidget/types";
import { startView, ViewParts } from "./review";
import type { StatusLine } from "./status";
import { Stepper, StepperParts } from "./stepper";

/** What draftStepper wires: the stepper's window and paints, `enter` (reset the tool state of one
 *  item: after a step and a new order) and `flushDraft` (send the draft). */
export type DraftStepperParts = Pick<StepperParts, "behind" | "ahead" | "paint" | "paintProgress"> & {
  enter: () => void;
  flushDraft: () => void;
};

/** The editor's stepper: the draft is sent before each step (it belongs to the item left) and before
 *  a new order is shown (to the item it was made on, which the new order may no longer hold). */
export function draftStepper(model: AnyModel, parts: DraftStepperParts): Stepper {
  const { enter, flushDraft } = parts;
  return new Stepper(model, {
    behind: parts.behind, ahead: parts.ahead, enter,
    paint: parts.paint,
    paintProgress: parts.paintProgress,
    leave: flushDraft,
    restart: () => {
      flushDraft();
      enter();
    },
  });
}

/** startView, whose cleanup sends the draft first. */
export function startDraftView(
  model: AnyModel, root: HTMLElement, status: StatusLine, parts: ViewParts, flushDraft: () => void,
): () => void {
  const stop = startView(model, root, status, parts);
  return () => {
    flushDraft();
    stop();
  };
}
