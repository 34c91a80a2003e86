import { describe, expect, it } from "vitest";
import { boxAt } from "../lib/box_draft";
import widget from "./coreference";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const XSS = '<img src=x onerror="window.__x=1">';

function setup() {
  const model = createFakeModel({ display_size: 64, order: [0], position: 0, n_done: 0, title: "", autofocus: false, version: "" });
  const el = document.createElement("div");
  document.body.append(el);
  widget.render({ model, el } as Any);
  const root = el.querySelector(".hitl-coreference") as HTMLElement;
  const serve = async () => {
    model.kernelSend({
      type: "items",
      items: [{
        id: 0, kind: "text", text: "x", drawn: [], rejected: [], links: [],
        // "A red circle. It is the XSS."
        pieces: [["A", 1], [" ", 0], ["red", 1], [" ", 0], ["circle", 1], [". ", 0], ["It", 1], [" ", 0], ["is", 1], [" ", 0], [XSS, 1], [".", 0]],
        regions: [{ id: "r1", x: 1, y: 1, w: 5, h: 5, label: "circle" }, { id: "r2", x: 8, y: 1, w: 5, h: 5, label: XSS }],
        proposals: [{ id: "p0", t0: 3, t1: 3, region: "r2", score: 0.4 }],
      }],
    });
    await flush();
  };
  const press = (key: string, shiftKey = false) =>
    root.dispatchEvent(new KeyboardEvent("keydown", { key, shiftKey, bubbles: true, cancelable: true }));
  return { model, root, serve, press };
}

describe("CoreferenceLinker view", () => {
  it("renders the caption and region labels as text", async () => {
    const { root, serve } = setup();
    await serve();
    expect(root.querySelector(".hitl-caption")!.textContent).toBe(`A red circle. It is ${XSS}.`);
    expect(root.querySelector(".hitl-regions")!.textContent).toContain(XSS);
    expect(root.querySelector("img")).toBeNull();
  });

  it("links a mention by keyboard in two actions and shows its chain", async () => {
    const { model, root, serve, press } = setup();
    await serve();
    press("ArrowRight", true);
    press("ArrowRight", true); // "A red circle"
    press("1"); // -> region 1
    expect(model.lastSent("link")).toMatchObject({ item_id: 0, t0: 0, t1: 2, region: "r1" });
    expect(root.querySelector(".hitl-chains")!.textContent).toContain("A red circle");
    // the proposal of "It": the cursor on it selects it; a accepts
    press("ArrowRight");
    expect([...root.querySelectorAll(".hitl-selected")].map((n) => n.textContent)).toEqual(["It"]);
    expect(root.querySelector(".hitl-proposal")!.textContent).toContain("0.40");
    press("a");
    expect(model.lastSent("accept")).toMatchObject({ proposal_ids: ["p0"] });
    press("ArrowRight");
    press("n"); // "is": no visual referent
    expect(model.lastSent("link")).toMatchObject({ t0: 4, t1: 4, region: null });
    press("Tab"); // picks region 1
    press("ArrowLeft"); // back on "It": fix its accepted link (to r2) to the picked region
    press("Enter");
    expect(model.lastSent("link")).toMatchObject({ t0: 3, t1: 3, region: "r1" });
    expect(root.querySelector(".hitl-mention")!.textContent).toContain("(adjusted)");
    press("Delete");
    expect(model.lastSent("unlink")).toMatchObject({ t0: 3, t1: 3 });
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "z", ctrlKey: true, bubbles: true, cancelable: true }));
    const undo = model.lastSent("undo");
    expect(undo).toMatchObject({ item_id: 0 });
    model.kernelSend({ type: "ack", client: undo.client, seq: undo.seq, intent: "undo", item_id: 0, event_id: 9, undone: "link",
      links: [], drawn: [], rejected: [], n_done: 0, can_redo: true });
    await flush();
    expect(root.querySelector(".hitl-status-message")!.textContent).toBe("undone on image 1: a link");
  });

  it("an ack replaces the view's links only when no later edit of the image is on its way", async () => {
    const { model, root, serve, press } = setup();
    await serve();
    press("1"); // "A" -> r1
    const first = model.lastSent("link");
    press("ArrowRight");
    press("2"); // "red" -> r2 (sent once the first is answered: intents are coalesced)
    const a = { t0: 0, t1: 0, region: "r1", source: "human", score: null, proposal: null };
    model.kernelSend({ type: "ack", client: first.client, seq: first.seq, intent: "link", item_id: 0, event_id: 1,
      links: [a], drawn: [], rejected: [], n_done: 1, can_redo: false });
    await flush();
    const chains = () => [...root.querySelectorAll(".hitl-chain")].map((n) => n.textContent);
    expect(chains()).toEqual(["e1A→1 circle", "e2red→2 " + XSS]); // the older ack did not undo "red"
    const second = model.lastSent("link");
    expect(second).toMatchObject({ t0: 1, t1: 1, region: "r2" });
    const b = { t0: 1, t1: 1, region: "r1", source: "human", score: null, proposal: null };
    model.kernelSend({ type: "ack", client: second.client, seq: second.seq, intent: "link", item_id: 0, event_id: 2,
      links: [a, b], drawn: [], rejected: [], n_done: 1, can_redo: false });
    await flush();
    expect(chains()).toEqual(["e1A, red→1 circle"]); // the newest ack is the kernel's truth
  });

  it("A accepts every open proposal of the image", async () => {
    const { model, root, serve, press } = setup();
    await serve();
    press("A");
    expect(model.lastSent("accept")).toMatchObject({ item_id: 0, proposal_ids: ["p0"] });
    expect(root.querySelector(".hitl-chains")!.textContent).toContain("It");
    press("A");
    expect(root.querySelector(".hitl-status-message")!.textContent).toBe("no open proposals on this image");
  });

  it("finds the smallest region under a point", () => {
    const regions = [{ box: [0, 0, 10, 10] as [number, number, number, number], value: "big" }, { box: [2, 2, 4, 4] as [number, number, number, number], value: "small" }];
    expect(boxAt(regions, [3, 3])).toBe("small");
    expect(boxAt(regions, [8, 8])).toBe("big");
    expect(boxAt(regions, [20, 8])).toBeUndefined();
  });
});
