import { describe, expect, it } from "vitest";
import widget, { firstError, withFirstError, withVerdict } from "./reasoning";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const XSS = "<img src=x onerror=window.__xss=1>";
const VERDICTS = ["correct", "perception error", "reasoning error", "unsupported", "not checkable"];

function setup() {
  const model = createFakeModel({
    display_size: 64, order: [0, 1], position: 0, n_done: 0, title: "", autofocus: false, version: "",
    models: ["m1", XSS], verdicts: VERDICTS,
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-reasoning") as HTMLElement;
  const serve = async () => {
    model.kernelSend({
      type: "items",
      items: [0, 1].map((id) => ({
        id, kind: "text", text: "img", question: `${XSS}?`,
        chains: [
          { model: "m1", steps: [{ text: XSS, kind: "perception" }, { text: "so two", kind: "inference" }, { text: "two", kind: "answer" }] },
          { model: XSS, steps: [{ text: "one step", kind: null }] },
        ],
        reviews: {},
      })),
    });
    await flush();
  };
  const outer: string[] = [];
  el.addEventListener("keydown", (e) => outer.push(e.key));
  const press = (key: string, target: HTMLElement = root) =>
    target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  return { model, root, serve, press, cleanup, outer };
}

describe("reasoning chain verdicts", () => {
  it("an error is the first error: the steps after it lose their verdicts", () => {
    expect(withVerdict(["correct", "correct", "correct"], 1, "unsupported")).toEqual(["correct", "unsupported", null]);
    expect(withVerdict(["correct", null, null], 1, "correct")).toEqual(["correct", "correct", null]);
    expect(firstError(["correct", "not checkable", "reasoning error"])).toBe(2);
    expect(firstError([null, "correct"])).toBe(-1);
  });
  it("'first error here' fills the steps before it with correct, keeping their other verdicts", () => {
    expect(withFirstError([null, "not checkable", "perception error", "correct"], 2, "reasoning error"))
      .toEqual(["correct", "not checkable", "reasoning error", null]);
  });
});

describe("ReasoningChainReview view", () => {
  it("shows untrusted text as text; one key per verdict moves on; x marks the first error", async () => {
    const { model, root, serve, press, cleanup } = setup();
    await serve();
    expect(root.querySelector(".hitl-question")!.textContent).toBe(`${XSS}?`);
    expect(root.querySelector(".hitl-step-text")!.textContent).toBe(XSS);
    expect(root.querySelector("img")).toBeNull();
    press("1");
    expect(model.lastSent("verdict")).toMatchObject({ item_id: 0, model: "m1", step: 0, verdict: "correct" });
    press("x");
    expect(model.lastSent("first_error")).toMatchObject({ item_id: 0, model: "m1", step: 1 });
    const first = root.querySelector(".hitl-first .hitl-step-text") as HTMLElement;
    expect(first.textContent).toBe("so two");
    expect(root.querySelector(".hitl-after-first")).not.toBeNull();
    // on to the next model's chain
    press("5");
    expect(model.lastSent("verdict")).toMatchObject({ model: XSS, step: 0, verdict: "not checkable" });
    press("ArrowUp"); // step 3 of m1: after the first error
    press("1");
    expect(root.querySelector(".hitl-status-message")!.textContent).toContain("after the first error");
    cleanup();
  });
  it("e edits the corrected step; Enter saves it", async () => {
    const { model, root, serve, press, cleanup } = setup();
    await serve();
    press("e");
    const input = root.querySelector(".hitl-fix") as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    input.value = "there are two red squares";
    press("Enter", input);
    expect(model.lastSent("fix")).toMatchObject({ item_id: 0, model: "m1", step: 0, text: "there are two red squares" });
    expect(root.querySelector(".hitl-step-fix")!.textContent).toContain("there are two red squares");
    cleanup();
  });

  it("the host's keys typed in the step box reach JupyterLab and save nothing; letters stay in the box", async () => {
    const { model, root, serve, press, cleanup, outer } = setup();
    await serve();
    press("e");
    const input = root.querySelector(".hitl-fix") as HTMLInputElement;
    input.value = "two squares";
    const sent = model.sent.length;
    press("x", input);
    for (const init of [{ key: "Enter", shiftKey: true }, { key: "s", ctrlKey: true }]) {
      const e = new KeyboardEvent("keydown", { ...init, bubbles: true, cancelable: true });
      input.dispatchEvent(e);
      expect(e.defaultPrevented).toBe(false);
    }
    expect(outer).toEqual(["Enter", "s"]);
    expect(model.sent.length).toBe(sent);
    cleanup();
  });
});
