import { describe, expect, it } from "vitest";
import widget from "./loop_panel";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

function setup(state: Record<string, unknown> = {}) {
  const model = createFakeModel({
    history: [], baselines: {}, state: "idle", message: "", class_counts: [], group_counts: [], version: "", ...state,
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el } as any) as () => void;
  const root = el.querySelector(".hitl-loop-panel") as HTMLElement;
  const press = (key: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  return { model, root, press, cleanup };
}

describe("LoopPanel view", () => {
  it("shows the spinner and disables retrain only while training", () => {
    const { model, root } = setup();
    const spinner = root.querySelector(".hitl-spinner") as HTMLElement;
    const button = root.querySelector(".hitl-retrain") as HTMLButtonElement;
    expect(spinner.hidden).toBe(true);
    model.kernelSet("state", "training");
    model.kernelSet("message", "retraining on 10 labels…");
    expect(spinner.hidden).toBe(false);
    expect(button.disabled).toBe(true);
    expect(root.dataset.state).toBe("training");
    expect(root.querySelector(".hitl-loop-message")?.textContent).toBe("retraining on 10 labels…");
  });

  it("adds a point to the curve per history row and summarises the last round", () => {
    const { model, root } = setup();
    expect(root.querySelector(".hitl-loop-latest")?.textContent).toMatch(/no model yet/);
    model.kernelSet("history", [
      { n_labels: 10, accuracy: 0.6, macro_f1: 0.55 },
      { n_labels: 20, accuracy: 0.75, macro_f1: 0.7 },
    ]);
    expect(root.querySelectorAll(".hitl-series-0 circle").length).toBe(2);
    expect(root.querySelector(".hitl-loop-latest")?.textContent).toBe("round 1: 20 labels, accuracy 0.750, macro-F1 0.700");
    model.kernelSet("baselines", { random: [[10, 0.5], [20, 0.6]] });
    expect(root.querySelector('[data-name="random (baseline)"] polyline')?.getAttribute("stroke-dasharray")).toBe("4 3");
  });

  it("key r asks the kernel to retrain, with an acknowledged intent", () => {
    const { model, press } = setup();
    press("r");
    const sent = model.sent.map((m: any) => m.content);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ type: "retrain", seq: 1 });
    expect(typeof sent[0].client).toBe("string");
  });

  it("counts per class and per group render as text", () => {
    const { model, root } = setup();
    model.kernelSet("class_counts", [["cat", 3], ["<b>dog</b>", 1]]);
    model.kernelSet("group_counts", [["north", 2, 100]]);
    expect([...root.querySelectorAll(".hitl-bar")].map((b) => b.getAttribute("data-label"))).toEqual(["cat", "<b>dog</b>"]);
    expect(root.querySelector("b")).toBeNull();
    const cells = [...root.querySelectorAll(".hitl-loop-groups td")].map((td) => td.textContent);
    expect(cells).toEqual(["north", "2", "100"]);
  });

  it("cleanup removes its listeners", () => {
    const { model, cleanup } = setup();
    cleanup();
    expect(model.listenerCount("change:history")).toBe(0);
    expect(model.listenerCount("msg:custom")).toBe(0);
  });
});
