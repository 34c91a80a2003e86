// The two parts a stepping editor builds first, wired to each other and to its paints: its
// EditLedger (edits on their way, the saved badge, n_done) and its Stepper (its place in the queue).
import type { AnyModel } from "@anywidget/types";
import type { ItemId } from "./items";
import { EditLedger } from "./ledger";
import type { StatusLine } from "./status";
import { Stepper, StepperParts } from "./stepper";

/** What editStepper wires: the stepper's window and paints, and how the ledger settles. */
export type EditStepperParts = Pick<StepperParts, "behind" | "ahead" | "paint" | "paintProgress" | "enter"> & {
  status: StatusLine;
  /** an edit of item `id` settled (default: Stepper.repaint, the view when it shows `id`, else the progress) */
  repaint?: (id: ItemId) => void;
  /** a new order from the kernel drops the ledger's undo stack and the items it counts done (EditLedger.restart) */
  restartLedger?: boolean;
  /** coalesce the intents (keys come fast: see lib/channel.ts) */
  coalesce?: boolean;
};

/** The view's ledger and stepper; the stepper tells `status` which item is shown. */
export function editStepper(model: AnyModel, parts: EditStepperParts): { ledger: EditLedger; stepper: Stepper } {
  const { status, paintProgress } = parts;
  const ledger = new EditLedger(model, {
    status, repaint: parts.repaint ?? ((id) => stepper.repaint(id)), progress: paintProgress,
  }, parts.coalesce ? { coalesce: true } : {});
  const stepper: Stepper = new Stepper(model, {
    behind: parts.behind, ahead: parts.ahead, paint: parts.paint, paintProgress, enter: parts.enter,
    restart: parts.restartLedger ? () => ledger.restart() : undefined,
    status,
  });
  return { ledger, stepper };
}
