import { describe, expect, it } from "vitest";
import widget, { evidenceText } from "./hallucination";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const XSS = '<a href="javascript:alert(1)">x</a>';

function setup() {
  const model = createFakeModel({
    categories: ["object", XSS], models: ["m1", XSS], display_size: 64, order: [0], position: 0, n_done: 0,
    title: "", autofocus: false, version: "",
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-hallucination") as HTMLElement;
  const serve = async () => {
    model.kernelSend({
      type: "items",
      items: [{
        id: 0, kind: "text", text: "x", flags: [],
        texts: [
          { model: "m1", pieces: [["two", 1], [" ", 0], ["red", 1], [" ", 0], ["cats", 1], [".", 0]], verdict: null },
          { model: XSS, pieces: [[XSS, 1]], verdict: null },
        ],
      }],
    });
    await flush();
  };
  const press = (key: string, shiftKey = false) =>
    root.dispatchEvent(new KeyboardEvent("keydown", { key, shiftKey, bubbles: true, cancelable: true }));
  return { model, root, serve, press, cleanup };
}

describe("HallucinationFlagger view", () => {
  it("renders model names, categories and texts as text", async () => {
    const { root, serve } = setup();
    await serve();
    expect([...root.querySelectorAll(".hitl-model")].map((n) => n.textContent)).toEqual(["m1", XSS]);
    expect(root.querySelectorAll(".hitl-generated")[0].textContent).toBe("two red cats.");
    expect(root.querySelectorAll(".hitl-generated")[1].textContent).toBe(XSS);
    expect(root.querySelector(".hitl-categories")!.textContent).toContain(XSS);
    expect(root.querySelector("a")).toBeNull();
  });

  it("selects words by keyboard and tags them; evidence waits for the flag's id", async () => {
    const { model, root, serve, press } = setup();
    await serve();
    press("ArrowRight");
    press("ArrowRight", true);
    expect([...root.querySelectorAll(".hitl-selected")].map((n) => n.textContent)).toEqual(["red", "cats"]);
    press("1");
    const flag = model.lastSent("flag");
    expect(flag).toMatchObject({ item_id: 0, model: "m1", token_start: 1, token_end: 2, category: "object" });
    expect(root.querySelector(".hitl-flag")!.textContent).toContain("(unsaved)");
    press("n"); // not in image: sent once the kernel has given the flag an id
    expect(model.sentContents("flag")).toHaveLength(1);
    const acked = { id: 7, model: "m1", t0: 1, t1: 2, category: "object", evidence: null };
    model.kernelSend({ type: "ack", client: flag.client, seq: flag.seq, flag: 7, event_id: 7, flags: [acked], verdicts: { m1: null } });
    await flush();
    expect(model.lastSent("flag")).toMatchObject({ item_id: 0, replaces: 7, evidence: { kind: "not_in_image" } });
    press("ArrowDown");
    press("h");
    expect(model.lastSent("verdict")).toMatchObject({ model: XSS, verdict: "hallucinated" });
  });

  it("the box hint goes once the box is kept; undo names the place, and its message goes with the item", async () => {
    const { model, root, serve, press } = setup();
    model.kernelSet("order", [40, 0]); // the item shown is the 2nd, of id 0
    model.kernelSet("position", 1);
    await serve();
    const message = () => root.querySelector(".hitl-status-message")!.textContent;
    press("1"); // flag the first word
    const flag = model.lastSent("flag");
    model.kernelSend({ type: "ack", client: flag.client, seq: flag.seq, flag: 7, event_id: 7,
      flags: [{ id: 7, model: "m1", t0: 0, t1: 0, category: "object", evidence: null }], verdicts: { m1: null } });
    await flush();
    press("b");
    expect(message()).toBe("no image"); // a text item: no box; the message is about this item
    press("Backspace");
    expect(message()).toBe("undo: image 2");
    expect(root.querySelector(".hitl-status-message")!.getAttribute("title")).toBe("item id 0");
    press("["); // the previous image
    expect(root.querySelector(".hitl-position")!.textContent).toBe("image 1 / 2");
    expect(message()).toBe("");
  });

  it("describes evidence", () => {
    expect(evidenceText(null)).toBe("no evidence yet");
    expect(evidenceText({ kind: "box", box: [1.2, 2, 3.7, 4] })).toBe("box 1,2,4,4");
  });
});
