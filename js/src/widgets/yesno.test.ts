import { describe, expect, it } from "vitest";
import widget from "./yesno";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setup() {
  const model = createFakeModel({
    question: "a cat?", order: [829, 830], position: 0, n_done: 0, title: "", task: "t", annotator: "me",
    autofocus: false, version: "",
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-yesno") as HTMLElement;
  for (const c of model.sentContents("fetch")) {
    model.kernelSend({ type: "items", items: c.ids.map((id: number) => ({ id, kind: "text", text: `item ${id}`, answer: null })) });
  }
  const press = (key: string) => root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));
  const q = (sel: string) => root.querySelector(sel) as HTMLElement;
  return { model, root, press, q, cleanup };
}

describe("YesNo view", () => {
  it("undo names the place the header shows, not the internal id; the message goes with the item", async () => {
    const { model, press, q } = setup();
    await flush();
    press("y");
    expect(model.lastSent("answer")).toMatchObject({ item_id: 829, answer: "yes" });
    press("Backspace");
    expect(q(".hitl-position").textContent).toBe("item 1 / 2");
    expect(q(".hitl-status-message").textContent).toBe("undo: item 1");
    expect(q(".hitl-status-message").title).toBe("item id 829");
    press("ArrowRight");
    expect(q(".hitl-status-message").textContent).toBe("");
  });

  it("a mouse click on an answer button leaves the focus on the widget, not the button", async () => {
    const { root, q } = setup();
    await flush();
    const yes = q(".hitl-answer-yes");
    yes.focus();
    yes.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
    expect(q(".hitl-position").textContent).toBe("item 2 / 2");
    expect(document.activeElement).toBe(root);
  });
});
