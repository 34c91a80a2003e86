import { describe, expect, it } from "vitest";
import widget from "./vqa";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const XSS = "<script>window.__xss=1</script>";

function setup() {
  const model = createFakeModel({ display_size: 64, order: [0, 1], position: 0, n_done: 0, title: "", autofocus: false, version: "" });
  const el = document.createElement("div");
  document.body.append(el);
  const outer: string[] = [];
  el.addEventListener("keydown", (e) => outer.push(e.key));
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-vqa") as HTMLElement;
  const serve = async () => {
    model.kernelSend({ type: "items", items: [0, 1].map((id) => ({ id, kind: "text", text: "img", question: `${XSS}?`, answer: XSS, reference: null, verdict: null, corrected: null })) });
    await flush();
  };
  const press = (key: string, target: HTMLElement = root) =>
    target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  return { model, root, serve, press, cleanup, outer };
}

describe("VQAReview view", () => {
  it("shows question and answer as text; 'correct' saves and moves on", async () => {
    const { model, root, serve, press } = setup();
    await serve();
    expect(root.querySelector(".hitl-question")!.textContent).toBe(`${XSS}?`);
    expect(root.querySelector(".hitl-answer")!.textContent).toBe(XSS);
    expect(root.querySelector("script")).toBeNull();
    press("c");
    expect(model.lastSent("verdict")).toMatchObject({ item_id: 0, verdict: "correct", corrected: null });
    expect(root.querySelector(".hitl-position")!.textContent).toBe("item 2 / 2");
  });

  it("'wrong' focuses the answer box; Enter there saves the correction without leaking keys", async () => {
    const { model, root, serve, press, outer } = setup();
    await serve();
    press("w");
    const input = root.querySelector(".hitl-corrected") as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    input.value = "three";
    press("Enter", input);
    expect(model.lastSent("verdict")).toMatchObject({ item_id: 0, verdict: "wrong", corrected: "three" });
    expect(root.querySelector(".hitl-position")!.textContent).toBe("item 2 / 2");
    expect(outer).toEqual([]); // neither the widget's keys nor the typing reached the page
  });

  it("the host's keys typed in the answer box reach JupyterLab and save nothing", async () => {
    const { model, root, serve, press, outer } = setup();
    await serve();
    press("w");
    const input = root.querySelector(".hitl-corrected") as HTMLInputElement;
    input.value = "three";
    const sent = model.sent.length;
    for (const init of [{ key: "Enter", shiftKey: true }, { key: "s", ctrlKey: true }]) {
      const e = new KeyboardEvent("keydown", { ...init, bubbles: true, cancelable: true });
      input.dispatchEvent(e);
      expect(e.defaultPrevented).toBe(false);
    }
    expect(outer).toEqual(["Enter", "s"]); // Shift+Enter runs the cell, Ctrl+S saves: the page heard both
    expect(model.sent.length).toBe(sent);
    expect(root.querySelector(".hitl-position")!.textContent).toBe("item 1 / 2");
  });

  it("undo names the place the header shows (the id in a tooltip); the message goes with the item", async () => {
    const { root, serve, press } = setup();
    await serve();
    press("c");
    press("Backspace");
    const message = root.querySelector(".hitl-status-message") as HTMLElement;
    expect(root.querySelector(".hitl-position")!.textContent).toBe("item 1 / 2");
    expect(message.textContent).toBe("undo: item 1");
    expect(message.title).toBe("item id 0");
    press("ArrowRight");
    expect(message.textContent).toBe("");
  });
});
