import { describe, expect, it, vi } from "vitest";
import { drawingKeys, KeyboardBox } from "./box_draft";

function box(active: boolean) {
  return {
    active: () => active,
    nudge: vi.fn<(e: KeyboardEvent) => void>(),
    keep: vi.fn<() => void>(),
    cancel: vi.fn<() => void>(),
  } satisfies KeyboardBox;
}

describe("drawingKeys", () => {
  it("arrows move the box, Enter keeps it, Escape cancels it, named by noun and keepText", () => {
    const b = box(true);
    const [move, keep, cancel] = drawingKeys(b, { open: false }, "keep it as the flag's evidence", "region");
    expect(move.keys).toEqual(["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"]);
    expect(move.description).toBe("while drawing a region: move it (Shift: resize)");
    expect(keep.keys).toEqual(["Enter"]);
    expect(keep.description).toBe("while drawing a region: keep it as the flag's evidence");
    expect(cancel.keys).toEqual(["Escape"]);
    expect(cancel.description).toBe("while drawing a region: cancel it");
    const e = new KeyboardEvent("keydown", { key: "ArrowUp" });
    move.run(e);
    keep.run(e);
    cancel.run(e);
    expect(b.nudge).toHaveBeenCalledWith(e);
    expect(b.keep).toHaveBeenCalledTimes(1);
    expect(b.cancel).toHaveBeenCalledTimes(1);
    expect(drawingKeys(b, { open: false })[1].description).toBe("while drawing a box: keep it");
  });

  it("apply only while a box is drawn by keyboard; Escape not while the help is open", () => {
    const idle = drawingKeys(box(false), { open: false });
    expect(idle.map((k) => k.when?.())).toEqual([false, false, false]);
    const help = { open: false };
    const drawing = drawingKeys(box(true), help);
    expect(drawing.map((k) => k.when?.())).toEqual([true, true, true]);
    help.open = true;
    expect(drawing.map((k) => k.when?.())).toEqual([true, true, false]);
  });
});
