import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget, { classKeys, moveBox, rectFromPoints, resizeBox, roundRect } from "./bbox";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const PROPOSALS = [
  { id: "p0", x: 100, y: 100, w: 50, h: 40, class: "dog", score: 0.9 },
  { id: "p1", x: 300, y: 200, w: 30, h: 30, class: "cat", score: 0.6 },
  { id: "p2", x: 400, y: 50, w: 20, h: 20, class: "cat", score: 0.2 },
];

function imageItem(id: number, extra: Record<string, unknown> = {}) {
  return { id, kind: "image", mime: "image/png", width: 640, height: 480, buffer: 0, boxes: [], rejected: [], proposals: [], ...extra };
}

async function setup(items: Record<number, Record<string, unknown>> = {}, state: Record<string, unknown> = {}) {
  const model = createFakeModel({
    classes: ["cat", "dog"], threshold: 0.5, display_height: 480, order: [0, 1, 2], position: 0, n_done: 0,
    title: "Boxes", task: "t", annotator: "a", autofocus: false, version: "", ...state,
  });
  const outer = document.createElement("div");
  const el = document.createElement("div");
  outer.append(el);
  document.body.append(outer);
  const leaked: string[] = [];
  outer.addEventListener("keydown", (e) => leaked.push(e.key));
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-bbox") as HTMLElement;
  const canvas = root.querySelector("canvas") as HTMLCanvasElement;
  for (const c of model.sentContents("fetch")) {
    model.kernelSend({ type: "items", items: c.ids.map((id: number) => imageItem(id, items[id] ?? {})) }, [new Uint8Array([1])]);
  }
  await flush();
  const press = (key: string, init: KeyboardEventInit = {}) => {
    const e = new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init });
    root.dispatchEvent(e);
    return e;
  };
  const pointer = (type: string, x: number, y: number) =>
    canvas.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true }));
  const drag = (x0: number, y0: number, x1: number, y1: number) => {
    pointer("pointerdown", x0, y0);
    pointer("pointermove", (x0 + x1) / 2, (y0 + y1) / 2);
    pointer("pointermove", x1, y1);
    pointer("pointerup", x1, y1);
  };
  const intents = () => model.sent.map((m: Any) => m.content).filter((c: Any) => c.type !== "fetch");
  const ack = async (content: Any, extra: Record<string, unknown>) => {
    model.kernelSend({ type: "ack", client: content.client, seq: content.seq, ...extra });
    await flush();
  };
  const q = (sel: string) => root.querySelector(sel) as HTMLElement;
  return { model, root, canvas, press, drag, pointer, intents, ack, leaked, cleanup, q };
}

describe("box geometry", () => {
  it("rectFromPoints normalises and clamps", () => {
    expect(rectFromPoints({ x: 50, y: 10 }, { x: -5, y: 30 }, 40, 20)).toEqual({ x: 0, y: 10, w: 40, h: 10 });
  });
  it("resizeBox moves the dragged edges only and flips past the opposite edge", () => {
    const b = { x: 10, y: 10, w: 20, h: 10 };
    expect(resizeBox(b, 2, { x: 40, y: 25 }, 100, 100)).toEqual({ x: 10, y: 10, w: 30, h: 15 });
    expect(resizeBox(b, 5, { x: 12, y: 99 }, 100, 100)).toEqual({ x: 10, y: 10, w: 2, h: 10 });
    expect(resizeBox(b, 7, { x: 50, y: 0 }, 100, 100)).toEqual({ x: 30, y: 10, w: 20, h: 10 });
    expect(resizeBox(b, 0, { x: -10, y: -10 }, 100, 100)).toEqual({ x: 0, y: 0, w: 30, h: 20 });
  });
  it("moveBox keeps the box inside the image", () => {
    expect(moveBox({ x: 10, y: 10, w: 20, h: 10 }, 100, -50, 50, 50)).toEqual({ x: 30, y: 0, w: 20, h: 10 });
  });
  it("roundRect and classKeys", () => {
    expect(roundRect({ x: 1.23456, y: 2, w: 3.005, h: 4 })).toEqual({ x: 1.23, y: 2, w: 3.01, h: 4 });
    expect(classKeys(["a", "b"])).toEqual(["1", "2"]);
    expect(classKeys([0, 1, 2])).toEqual(["0", "1", "2"]);
  });
});

describe("BBoxAnnotator view", () => {
  let cleanups: Array<() => void> = [];
  beforeEach(() => {
    vi.stubGlobal("createImageBitmap", async () => ({ width: 640, height: 480, close() {} }));
  });
  afterEach(() => {
    cleanups.forEach((f) => f());
    cleanups = [];
    document.body.replaceChildren();
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });
  const mount = async (items: Record<number, Record<string, unknown>> = {}, state: Record<string, unknown> = {}) => {
    const t = await setup(items, state);
    cleanups.push(t.cleanup);
    return t;
  };

  it("renders the item, counts, class buttons, keys listed by ?", async () => {
    const t = await mount({ 0: { proposals: PROPOSALS } });
    expect(t.q(".hitl-position").textContent).toBe("item 1 / 3");
    expect(t.q(".hitl-counts").textContent).toBe("0 boxes, 3 open proposals (1 below threshold)");
    expect([...t.root.querySelectorAll(".hitl-class")].map((b) => b.textContent)).toEqual(["1cat", "2dog"]);
    expect(t.root.classList.contains("hitl-root")).toBe(true);
    t.press("?");
    expect(t.q(".hitl-help").hidden).toBe(false);
    expect(t.q(".hitl-help").textContent).toContain("accept every proposal above the threshold");
    t.press("Escape");
    expect(t.q(".hitl-help").hidden).toBe(true);
    expect(t.leaked).toEqual([]);
  });

  it("a drag draws a box in image pixels, sent as 'add'; the ack's list replaces the view's", async () => {
    const t = await mount();
    t.drag(100, 50, 220, 130);
    const [add] = t.intents();
    expect(add).toMatchObject({ type: "add", item_id: 0, boxes: [{ x: 100, y: 50, w: 120, h: 80, class: "cat" }] });
    expect(add.boxes[0].id).toMatch(/^b1-/);
    expect(t.q(".hitl-counts").textContent).toContain("1 box,");
    expect(t.q(".hitl-status-saved").textContent).toBe("1 unsaved");
    expect(t.q(".hitl-selection").textContent).toContain("box cat [human] x 100.0 y 50.0 w 120.0 h 80.0");
    await t.ack(add, { boxes: [{ ...add.boxes[0], source: "human", score: null, proposal: null }], rejected: [], n_done: 1 });
    expect(t.q(".hitl-status-saved").textContent).toBe("all saved");
    expect(t.q(".hitl-progress").textContent).toBe("boxed 1 of 3");
  });

  it("a click (no drag) on empty image draws nothing", async () => {
    const t = await mount();
    t.drag(100, 50, 101, 51);
    expect(t.intents()).toEqual([]);
  });

  it("drag inside a box moves it, a handle resizes it: 'update' with the new geometry", async () => {
    const box = { id: "k", x: 100, y: 100, w: 100, h: 50, class: "dog", source: "human", score: null, proposal: null };
    const t = await mount({ 0: { boxes: [box] } });
    t.drag(150, 120, 170, 130); // move by (20, 10)
    expect(t.intents().at(-1)).toMatchObject({ type: "update", box_id: "k", x: 120, y: 110, w: 100, h: 50, class: "dog" });
    t.drag(220, 160, 260, 200); // bottom-right handle (now at 220, 160) to (260, 200)
    expect(t.intents().at(-1)).toMatchObject({ type: "update", box_id: "k", x: 120, y: 110, w: 140, h: 90 });
  });

  it("keyboard: Tab selects, digits reclass, arrows nudge (one update), Delete deletes", async () => {
    vi.useFakeTimers();
    const box = { id: "k", x: 10, y: 10, w: 20, h: 20, class: "cat", source: "human", score: null, proposal: null };
    const t = await mount({ 0: { boxes: [box] } });
    t.press("Tab");
    expect(t.q(".hitl-selection").textContent).toContain("box cat");
    t.press("2");
    expect(t.intents().at(-1)).toMatchObject({ type: "update", box_id: "k", class: "dog", x: 10 });
    t.press("ArrowRight");
    t.press("ArrowRight", { shiftKey: true });
    t.press("ArrowDown", { altKey: true });
    expect(t.intents()).toHaveLength(1); // nudges wait for a pause
    vi.advanceTimersByTime(500);
    expect(t.intents()).toHaveLength(2);
    expect(t.intents().at(-1)).toMatchObject({ type: "update", box_id: "k", x: 21, y: 10, w: 20, h: 21, class: "dog" });
    t.press("Delete");
    expect(t.intents().at(-1)).toMatchObject({ type: "delete", box_ids: ["k"] });
    expect(t.q(".hitl-counts").textContent).toContain("0 boxes");
    expect(t.leaked).toEqual([]);
  });

  it("a box still being nudged when a new order arrives is saved to its own item", async () => {
    vi.useFakeTimers();
    const box = { id: "k", x: 10, y: 10, w: 20, h: 20, class: "cat", source: "human", score: null, proposal: null };
    const t = await mount({ 0: { boxes: [box] }, 7: { boxes: [{ ...box }] } });
    t.press("Tab");
    t.press("ArrowRight"); // waits for a pause before it is sent
    expect(t.intents()).toHaveLength(0);
    t.model.kernelSet("order", [7, 0]);
    t.model.kernelSet("position", 0);
    expect(t.intents()).toHaveLength(1);
    expect(t.intents()[0]).toMatchObject({ type: "update", item_id: 0, box_id: "k", x: 11 }); // not item 7
    vi.advanceTimersByTime(500);
    expect(t.intents()).toHaveLength(1);
  });

  it("b adds a box in the middle of the view with the current class", async () => {
    const t = await mount();
    t.press("2");
    t.press("b");
    expect(t.intents()[0]).toMatchObject({ type: "add", boxes: [{ x: 260, y: 180, w: 120, h: 120, class: "dog" }] });
  });

  it("proposals: Enter accepts the best, Delete rejects the next, A accepts all above the threshold", async () => {
    const t = await mount({ 0: { proposals: PROPOSALS } });
    t.press("Enter");
    expect(t.intents().at(-1)).toMatchObject({ type: "accept", proposal_ids: ["p0"] });
    expect(t.q(".hitl-selection").textContent).toContain("proposal cat (0.60)"); // next one selected
    t.press("Delete");
    expect(t.intents().at(-1)).toMatchObject({ type: "reject", proposal_ids: ["p1"] });
    t.press(",");
    t.press(",");
    t.press(",");
    t.press(",");
    t.press(",");
    t.press(",");
    expect(t.model.get("threshold")).toBeCloseTo(0.2);
    expect(t.model.saved.at(-1).threshold).toBeCloseTo(0.2);
    t.press("A");
    expect(t.intents().at(-1)).toMatchObject({ type: "accept", proposal_ids: ["p2"] });
    expect(t.q(".hitl-counts").textContent).toBe("2 boxes, 0 open proposals");
  });

  it("after Enter, a class key sets the class of new boxes: the next proposal (selected automatically) is not touched", async () => {
    const t = await mount({ 0: { proposals: PROPOSALS } });
    t.press("Enter"); // accept p0; p1 is selected automatically
    expect(t.intents()).toHaveLength(1);
    expect(t.q(".hitl-selection").textContent).toContain("proposal cat (0.60)");
    t.press("2");
    expect(t.intents()).toHaveLength(1); // nothing re-classed, nothing accepted
    expect(t.q(".hitl-counts").textContent).toBe("1 box, 2 open proposals (1 below threshold)");
    expect(t.q(".hitl-selection").textContent).toContain("new boxes: dog");
    const pressed = [...t.root.querySelectorAll(".hitl-class")].map((b) => b.getAttribute("aria-pressed"));
    expect(pressed).toEqual(["false", "true"]); // the class bar shows what a new box gets
    t.drag(20, 300, 80, 380); // clear of the proposals
    expect(t.intents().at(-1)).toMatchObject({ type: "add", boxes: [{ class: "dog" }] });
    expect(t.intents().filter((c: Any) => c.type === "accept" || c.type === "adjust")).toHaveLength(1);
  });

  it("a class key never accepts a proposal, even one the person clicked; it re-classes a box they clicked", async () => {
    const box = { id: "k", x: 20, y: 300, w: 60, h: 60, class: "cat", source: "human", score: null, proposal: null };
    const t = await mount({ 0: { proposals: PROPOSALS, boxes: [box] } });
    t.drag(310, 210, 310, 210); // a click on p1
    expect(t.q(".hitl-selection").textContent).toContain("proposal cat (0.60)");
    t.press("2");
    expect(t.intents()).toEqual([]);
    expect(t.q(".hitl-status-message").textContent).toContain("the selected proposal is unchanged");
    expect(t.q(".hitl-counts").textContent).toBe("1 box, 3 open proposals (1 below threshold)");
    t.drag(50, 330, 50, 330); // a click on the box
    expect(t.q(".hitl-selection").textContent).toContain("a class key re-classes it");
    t.press("1");
    t.press("2");
    expect(t.intents().at(-1)).toMatchObject({ type: "update", box_id: "k", class: "dog" });
  });

  it("a box just drawn or added is not chosen: a class key then sets the next box's class", async () => {
    const t = await mount();
    t.drag(100, 50, 220, 130);
    t.press("2");
    expect(t.intents()).toHaveLength(1); // the add only
    t.press("b");
    expect(t.intents().at(-1)).toMatchObject({ type: "add", boxes: [{ class: "dog" }] });
    t.press("1");
    expect(t.intents()).toHaveLength(2);
    t.press("Tab"); // Tab is a choice: the first box, then a class key re-classes it
    t.press("2");
    expect(t.intents().at(-1)).toMatchObject({ type: "update", class: "dog" });
  });

  it("a and A both accept every proposal above the threshold; the message counts in the right number", async () => {
    const t = await mount({ 0: { proposals: PROPOSALS }, 1: { proposals: PROPOSALS.slice(0, 1) } });
    t.press("a");
    expect(t.intents().at(-1)).toMatchObject({ type: "accept", proposal_ids: ["p0", "p1"] });
    expect(t.q(".hitl-status-message").textContent).toBe("accepted 2 proposals");
    t.press("PageDown");
    expect(t.q(".hitl-status-message").textContent).toBe(""); // a message of item 1 is gone on item 2
    t.press("A");
    expect(t.intents().at(-1)).toMatchObject({ type: "accept", item_id: 1, proposal_ids: ["p0"] });
    expect(t.q(".hitl-status-message").textContent).toBe("accepted 1 proposal");
    expect(t.q(".hitl-status-message").title).toBe("item id 1");
    t.press("b"); // another action on the same item: the message stays with it
    expect(t.q(".hitl-status-message").textContent).toBe("accepted 1 proposal");
  });

  it("undo says what it undid on which item, by its place (the id in the tooltip)", async () => {
    const t = await mount({}, { order: [829, 17, 4] });
    t.press("PageDown");
    t.press("z", { ctrlKey: true });
    const undo = t.intents().at(-1);
    expect(undo).toMatchObject({ type: "undo", item_id: 17 });
    await t.ack(undo, { boxes: [], rejected: [], n_done: 0, undone: "add" });
    const message = t.q(".hitl-status-message");
    expect(message.textContent).toBe("undone on item 2: new boxes");
    expect(message.title).toBe("item id 17");
    t.press("y", { ctrlKey: true });
    await t.ack(t.intents().at(-1), { boxes: [], rejected: [], n_done: 0, redone: "add" });
    expect(message.textContent).toBe("redone on item 2: new boxes");
    t.press("PageUp");
    expect(message.textContent).toBe("");
  });

  it("help lists Escape once (with leaving the widget) and a / A with a separator", async () => {
    const t = await mount({ 0: { proposals: PROPOSALS } });
    t.press("Tab"); // a selection: the widget's own Escape applies too
    t.press("?");
    const rows = [...t.root.querySelectorAll(".hitl-help tr")].map((r) => [...r.querySelectorAll("td")].map((d) => d.textContent));
    const escape = rows.filter(([k]) => k === "Escape");
    expect(escape).toEqual([["Escape", "close this help; else: cancel the drawing / clear the selection; else: leave the widget (back to the notebook)"]]);
    expect(rows.find(([, d]) => d?.startsWith("accept every proposal"))?.[0]).toBe("a / A");
    expect(rows.find(([, d]) => d?.startsWith("delete the selected box"))?.[0]).toBe("Delete / Backspace");
  });

  it("a mouse click on accept all leaves the focus on the widget, not the button", async () => {
    const t = await mount({ 0: { proposals: PROPOSALS } });
    const button = t.q(".hitl-accept-all") as HTMLButtonElement;
    button.focus();
    button.dispatchEvent(new MouseEvent("click", { bubbles: true, detail: 1 }));
    expect(t.intents().at(-1)).toMatchObject({ type: "accept", proposal_ids: ["p0", "p1"] });
    expect(document.activeElement).toBe(t.root);
  });

  it("dragging a proposal adjusts it (kept as the same id, remembering the proposal)", async () => {
    const t = await mount({ 0: { proposals: PROPOSALS } });
    t.drag(120, 120, 130, 125);
    expect(t.intents().at(-1)).toMatchObject({ type: "adjust", proposal_id: "p0", x: 110, y: 105, w: 50, h: 40, class: "dog" });
  });

  it("undo and redo go to the kernel; its answer replaces the boxes", async () => {
    const box = { id: "k", x: 10, y: 10, w: 20, h: 20, class: "cat", source: "human", score: null, proposal: null };
    const t = await mount({ 0: { boxes: [box] } });
    const e = t.press("z", { ctrlKey: true });
    expect(e.defaultPrevented).toBe(true);
    const undo = t.intents().at(-1);
    expect(undo).toMatchObject({ type: "undo", item_id: 0 });
    await t.ack(undo, { boxes: [], rejected: [], n_done: 0 });
    expect(t.q(".hitl-counts").textContent).toContain("0 boxes");
    t.press("y", { ctrlKey: true });
    const redo = t.intents().at(-1);
    expect(redo).toMatchObject({ type: "redo", item_id: 0 });
    await t.ack(redo, { boxes: [box], rejected: [], n_done: 1 });
    expect(t.q(".hitl-counts").textContent).toContain("1 box,");
  });

  it("a refused change is shown and the view asks the kernel for the truth", async () => {
    const t = await mount();
    t.drag(10, 10, 50, 50);
    const add = t.intents()[0];
    t.model.kernelSend({ type: "refused", client: add.client, seq: add.seq, message: "unknown class 'x'" });
    await flush();
    expect(t.q(".hitl-status-message").textContent).toBe("refused: unknown class 'x'");
    const sync = t.intents().at(-1);
    expect(sync).toMatchObject({ type: "sync", item_id: 0 });
    await t.ack(sync, { boxes: [], rejected: [] });
    expect(t.q(".hitl-counts").textContent).toContain("0 boxes");
  });

  it("c copies the previous item's boxes; PageDown/PageUp step items", async () => {
    const box = { id: "k", x: 10, y: 10, w: 20, h: 20, class: "dog", source: "human", score: null, proposal: null };
    const t = await mount({ 0: { boxes: [box] } });
    t.press("PageDown");
    expect(t.q(".hitl-position").textContent).toBe("item 2 / 3");
    t.press("c");
    await flush();
    expect(t.intents().at(-1)).toMatchObject({ type: "add", item_id: 1, boxes: [{ x: 10, y: 10, w: 20, h: 20, class: "dog" }] });
    t.press("PageUp");
    expect(t.q(".hitl-position").textContent).toBe("item 1 / 3");
  });

  it("+ / - zoom and f fits; wheel never scrolls the notebook", async () => {
    const t = await mount();
    expect(t.q(".hitl-zoom").textContent).toBe("100%");
    t.press("+");
    await new Promise((r) => setTimeout(r, 40));
    expect(t.q(".hitl-zoom").textContent).toBe("125%");
    t.press("f");
    await new Promise((r) => setTimeout(r, 40));
    expect(t.q(".hitl-zoom").textContent).toBe("100%");
  });

  it("cleans up its listeners", async () => {
    const t = await mount();
    t.cleanup();
    cleanups = [];
    expect(t.model.totalListeners()).toBe(0);
  });
});
