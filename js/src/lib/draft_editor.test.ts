import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { draftStepper, startDraftView } from "./draft_editor";
import { StatusLine } from "./status";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

describe("draftStepper", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends the draft before a step, then enters the new item and paints", () => {
    const model = createFakeModel({ order: ["a", "b"], position: 0, n_done: 0 });
    const log: string[] = [];
    const stepper = draftStepper(model, {
      behind: 1, ahead: 2,
      paint: () => log.push(`paint ${String(stepper.current())}`),
      paintProgress: () => log.push("progress"),
      enter: () => log.push(`enter ${String(stepper.current())}`),
      flushDraft: () => log.push(`flush ${String(stepper.current())}`),
    });
    stepper.step(1);
    expect(log).toEqual(["flush a", "enter b", "paint b"]);
  });

  it("a new order: the draft goes first (to the item it was made on), then enter and paint", () => {
    const model = createFakeModel({ order: ["a", "b"], position: 1, n_done: 0 });
    const log: string[] = [];
    const stepper = draftStepper(model, {
      behind: 1, ahead: 2,
      paint: () => log.push("paint"),
      paintProgress: () => log.push("progress"),
      enter: () => log.push("enter"),
      flushDraft: () => log.push("flush"),
    });
    stepper.restart(0);
    expect(log).toEqual(["flush", "enter", "paint"]);
    expect(stepper.pos).toBe(0);
  });
});

describe("startDraftView", () => {
  it("paints at once; its cleanup sends the draft, then removes the listeners and disposes", () => {
    const model = createFakeModel({ title: "t" });
    const root = document.createElement("div");
    const log: string[] = [];
    const stop = startDraftView(model, root, new StatusLine(), {
      on: { "change:title": () => log.push("title") },
      paint: () => log.push("paint"),
      dispose: [() => log.push("dispose")],
    }, () => log.push("flush"));
    expect(log).toEqual(["paint"]);
    stop();
    expect(log).toEqual(["paint", "flush", "dispose"]);
    expect(model.totalListeners()).toBe(0);
  });
});
