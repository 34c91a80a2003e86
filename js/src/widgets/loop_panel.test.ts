import { describe, expect, it } from "vitest";
import widget from "./loop_panel";
import classify from "./classify";
import { KEY_SCOPE_CLASS } from "../lib/keyboard";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

function setup(state: Record<string, unknown> = {}) {
  const model = createFakeModel({
    history: [], metrics: [["accuracy", "accuracy"], ["macro_f1", "macro-F1"]], baselines: {}, state: "idle", message: "", class_counts: [], group_counts: [], version: "", ...state,
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

  it("draws the metrics the kernel names (a detection loop's mAP)", () => {
    const { model, root } = setup({ metrics: [["mAP@0.5", "mAP@0.5"]] });
    model.kernelSet("history", [{ n_labels: 5, "mAP@0.5": 0.4 }, { n_labels: 10, "mAP@0.5": 0.7 }]);
    expect(root.querySelectorAll(".hitl-series-0 circle").length).toBe(2);
    expect(root.querySelectorAll(".hitl-series-1 circle").length).toBe(0);
    expect(root.querySelector(".hitl-loop-latest")?.textContent).toBe("round 1: 10 labels, mAP@0.5 0.700");
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

  it("in the loop's key scope: r retrains from the labelling part, and one '?' lists both widgets' keys", () => {
    // ActiveLearningLoop's box: a ClassifyWidget above a LoopPanel, each in its own output element
    const scope = document.createElement("div");
    scope.className = KEY_SCOPE_CLASS;
    document.body.append(scope);
    const cModel = createFakeModel({
      classes: ["0", "1"], multi_label: false, display_size: 64, order: [7], position: 0, n_done: 0, title: "batch",
      task: "t", annotator: "me", autofocus: false, version: "",
    });
    const pModel = createFakeModel({
      history: [], metrics: [["accuracy", "accuracy"], ["macro_f1", "macro-F1"]], baselines: {}, state: "idle", message: "", class_counts: [], group_counts: [], version: "",
    });
    const cEl = document.createElement("div");
    const pEl = document.createElement("div");
    scope.append(cEl, pEl);
    classify.render({ model: cModel, el: cEl } as any);
    widget.render({ model: pModel, el: pEl } as any);
    const cRoot = cEl.querySelector(".hitl-classify") as HTMLElement;
    const pRoot = pEl.querySelector(".hitl-loop-panel") as HTMLElement;
    const press = (root: HTMLElement, key: string) =>
      root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));

    press(cRoot, "r"); // the focus in the labelling part
    expect(pModel.sentContents("retrain")).toHaveLength(1);
    expect(cModel.sent).toHaveLength(cModel.sentContents("fetch").length); // classify sent nothing of its own

    const cHelp = cRoot.querySelector(".hitl-help") as HTMLElement;
    const pHelp = pRoot.querySelector(".hitl-help") as HTMLElement;
    press(pRoot, "?"); // from the panel: the one help, the labelling part's
    expect(cHelp.hidden).toBe(false);
    expect(pHelp.hidden).toBe(true);
    const rows = [...cHelp.querySelectorAll("tr")].map((tr) => tr.textContent ?? "");
    expect(rows.some((r) => r.startsWith("r") && r.includes("retrain now"))).toBe(true);
    expect(rows.some((r) => r.includes("accept the proposal"))).toBe(true);
    expect(rows.filter((r) => r.startsWith("?"))).toHaveLength(1);
    press(pRoot, "Escape"); // closes it, from either part
    expect(cHelp.hidden).toBe(true);
    // the panel's own "?" button is marked for the scope's stylesheet rule (hidden in the loop)
    expect(pRoot.querySelector(".hitl-loop-help")).not.toBeNull();
  });
});
