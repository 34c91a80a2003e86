import { describe, expect, it, vi } from "vitest";
import { editStepper, EditStepperParts } from "./edit_stepper";
import { StatusLine } from "./status";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

function setup(extra: Partial<EditStepperParts> = {}) {
  const model = createFakeModel({ order: ["a", "b", "c"], position: 0, n_done: 0 });
  const status = new StatusLine();
  const paint = vi.fn();
  const paintProgress = vi.fn();
  const enter = vi.fn();
  const { ledger, stepper } = editStepper(model, { status, behind: 1, ahead: 2, paint, paintProgress, enter, ...extra });
  const edit = (item: string) => ledger.send("tag", { item_id: item }, { item, done: true, undo: true });
  return { model, status, paint, paintProgress, enter, ledger, stepper, edit };
}

describe("editStepper", () => {
  it("steps with the view's window and paints, entering each item and telling the status line", () => {
    const { model, status, paint, enter, stepper } = setup();
    stepper.step(1);
    expect(stepper.current()).toBe("b");
    expect(enter).toHaveBeenCalledTimes(1);
    expect(paint).toHaveBeenCalledTimes(1);
    status.info("about b", { item: "b" });
    stepper.step(1);
    expect((status.node.textContent ?? "").includes("about b")).toBe(false); // another item shown: its message went
    expect(model.get("n_done")).toBe(0);
  });

  it("an edit's progress goes to paintProgress; a settled edit repaints the view only when it shows the item", async () => {
    const { ledger, paint, paintProgress, edit } = setup();
    const answer = (k: number) => ledger.channel.handle({ type: "ack", client: ledger.channel.client, seq: k });
    const first = edit("a");
    expect(paintProgress).toHaveBeenCalled();
    answer(1);
    await first;
    expect(paint).toHaveBeenCalledTimes(1); // "a" is shown
    paintProgress.mockClear();
    const second = edit("c");
    answer(2);
    await second;
    expect(paint).toHaveBeenCalledTimes(1); // "c" is not: the progress only
    expect(paintProgress).toHaveBeenCalled();
  });

  it("takes the view's own repaint", async () => {
    const repaint = vi.fn();
    const { ledger, paint, edit } = setup({ repaint });
    const sent = edit("c");
    ledger.channel.handle({ type: "ack", client: ledger.channel.client, seq: 1 });
    await sent;
    expect(repaint).toHaveBeenCalledWith("c");
    expect(paint).not.toHaveBeenCalled();
  });

  it("a new order drops the undo stack and the items counted done only with restartLedger", () => {
    for (const restartLedger of [false, true]) {
      const { model, ledger, stepper, edit } = setup({ restartLedger });
      edit("a");
      expect(ledger.done(3)).toBe(1);
      stepper.restart(0);
      expect(ledger.done(3)).toBe(restartLedger ? 0 : 1);
      expect(ledger.popUndo() === undefined).toBe(restartLedger);
      expect(model.get("n_done")).toBe(0);
    }
  });
});
