import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget from "./polygons";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

const SQUARE = [[100, 100], [300, 100], [300, 300], [100, 300]];
const human = (id: string, rings: number[][][], cls = "cat") => ({ id, class: cls, rings, source: "human", score: null, proposal: null });

function imageItem(id: number, extra: Record<string, unknown> = {}) {
  return { id, kind: "image", mime: "image/png", width: 640, height: 480, buffer: 0, polygons: [], rejected: [], proposals: [], ...extra };
}

async function setup(items: Record<number, Record<string, unknown>> = {}) {
  const model = createFakeModel({
    classes: ["cat", "dog"], display_height: 480, order: [0, 1, 2], position: 0, n_done: 0,
    title: "Polygons", task: "t", annotator: "a", autofocus: false, version: "",
  });
  const outer = document.createElement("div");
  const el = document.createElement("div");
  outer.append(el);
  document.body.append(outer);
  const leaked: string[] = [];
  outer.addEventListener("keydown", (e) => leaked.push(e.key));
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-polygons") as HTMLElement;
  const canvas = root.querySelector("canvas") as HTMLCanvasElement;
  for (const c of model.sentContents("fetch")) {
    model.kernelSend({ type: "items", items: c.ids.map((id: number) => imageItem(id, items[id] ?? {})) }, [new Uint8Array([1])]);
  }
  await flush();
  const press = (key: string, init: KeyboardEventInit = {}) => root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  const pointer = (type: string, x: number, y: number, init: PointerEventInit = {}) =>
    canvas.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true, ...init }));
  const click = (x: number, y: number, init: PointerEventInit = {}) => {
    pointer("pointerdown", x, y, init);
    pointer("pointerup", x, y, init);
  };
  const drag = (x0: number, y0: number, x1: number, y1: number) => {
    pointer("pointerdown", x0, y0);
    pointer("pointermove", (x0 + x1) / 2, (y0 + y1) / 2);
    pointer("pointermove", x1, y1);
    pointer("pointerup", x1, y1);
  };
  const intents = () => model.sent.map((m: Any) => m.content).filter((c: Any) => c.type !== "fetch");
  const q = (sel: string) => root.querySelector(sel) as HTMLElement;
  return { model, root, press, click, drag, intents, leaked, cleanup, q };
}

describe("PolygonAnnotator view", () => {
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
  const mount = async (items: Record<number, Record<string, unknown>> = {}) => {
    const t = await setup(items);
    cleanups.push(t.cleanup);
    return t;
  };

  it("clicks place vertices, a click on the first closes: one 'put' with the vertices; an idle Escape leaves", async () => {
    const t = await mount();
    t.press("2"); // class of new polygons: dog
    t.click(100, 100);
    t.click(200, 100);
    expect(t.q(".hitl-selection").textContent).toContain("drawing a polygon (2 vertices)");
    t.press("Enter"); // two vertices: not closed
    expect(t.intents()).toEqual([]);
    t.click(150, 180);
    t.click(102, 101); // on the first vertex
    const [put] = t.intents();
    expect(put).toMatchObject({ type: "put", item_id: 0, edit: "draw", polygon: { class: "dog", rings: [[[100, 100], [200, 100], [150, 180]]] } });
    expect(t.q(".hitl-counts").textContent).toBe("1 polygon, 0 open proposals");
    t.press("Escape"); // clears the selection: taken
    expect(t.leaked).toEqual([]);
    t.press("Escape"); // nothing to cancel: JupyterLab's
    expect(t.leaked).toEqual(["Escape"]);
  });

  it("Escape cancels a ring being drawn; Backspace removes its last vertex", async () => {
    const t = await mount();
    t.click(10, 10);
    t.click(50, 10);
    t.press("Backspace");
    expect(t.q(".hitl-selection").textContent).toContain("(1 vertices)");
    t.press("Escape");
    expect(t.q(".hitl-selection").textContent).toContain("new polygons: cat");
    expect(t.leaked).toEqual([]);
    expect(t.intents()).toEqual([]);
  });

  it("after closing: drag a vertex, click an edge inserts, Alt+click deletes, digits re-class, arrows nudge", async () => {
    vi.useFakeTimers();
    const t = await mount({ 0: { polygons: [human("g", [SQUARE])] } });
    t.click(200, 200); // inside: selected
    expect(t.q(".hitl-selection").textContent).toContain("polygon cat [human] 4 vertices, 0 holes, area 40000.0");
    t.drag(300, 100, 320, 90);
    expect(t.intents().at(-1)).toMatchObject({ type: "put", edit: "move_vertex", polygon: { id: "g", rings: [[[100, 100], [320, 90], [300, 300], [100, 300]]] } });
    t.click(100, 200); // on the left edge (from (100, 300) back to (100, 100))
    expect(t.intents().at(-1)).toMatchObject({ edit: "insert_vertex", polygon: { rings: [[[100, 100], [320, 90], [300, 300], [100, 300], [100, 200]]] } });
    t.click(300, 300, { altKey: true });
    expect(t.intents().at(-1)).toMatchObject({ edit: "delete_vertex", polygon: { rings: [[[100, 100], [320, 90], [100, 300], [100, 200]]] } });
    t.press("2");
    expect(t.intents().at(-1)).toMatchObject({ edit: "class", polygon: { class: "dog" } });
    t.press(".");
    t.press("ArrowRight", { shiftKey: true });
    t.press("ArrowDown");
    vi.advanceTimersByTime(500);
    expect(t.intents().at(-1)).toMatchObject({ edit: "nudge", polygon: { rings: [[[110, 101], [320, 90], [100, 300], [100, 200]]] } });
    t.press("Delete"); // the selected vertex
    expect(t.intents().at(-1)).toMatchObject({ edit: "delete_vertex", polygon: { rings: [[[320, 90], [100, 300], [100, 200]]] } });
    t.press("Delete"); // no vertex selected: the polygon
    expect(t.intents().at(-1)).toMatchObject({ type: "delete", polygon_ids: ["g"] });
  });

  it("H draws a hole inside the selected polygon; a vertex outside it is not placed", async () => {
    const t = await mount({ 0: { polygons: [human("g", [SQUARE])] } });
    t.press("Tab");
    t.press("h");
    t.click(150, 150);
    t.click(400, 400); // outside: refused in the view
    expect(t.q(".hitl-status").textContent).toContain("must lie inside the polygon");
    t.click(250, 150);
    t.click(200, 250);
    t.press("Enter");
    expect(t.intents().at(-1)).toMatchObject({ type: "put", edit: "hole", polygon: { id: "g", rings: [SQUARE, [[150, 150], [250, 150], [200, 250]]] } });
  });

  it("proposals: Enter accepts the best, Delete rejects the next; a dragged proposal vertex is an edited proposal", async () => {
    const proposals = [
      { id: "p0", class: "dog", rings: [[[400, 50], [500, 50], [450, 150]]], score: 0.9 },
      { id: "p1", class: "cat", rings: [[[10, 300], [90, 300], [50, 400]]], score: 0.5 },
      { id: "p2", class: "cat", rings: [SQUARE], score: 0.3 },
    ];
    const t = await mount({ 0: { proposals } });
    expect(t.q(".hitl-counts").textContent).toBe("0 polygons, 3 open proposals");
    t.press("Enter");
    expect(t.intents().at(-1)).toMatchObject({ type: "accept", proposal_ids: ["p0"] });
    t.press("Delete"); // the next proposal, selected after the accept
    expect(t.intents().at(-1)).toMatchObject({ type: "reject", proposal_ids: ["p1"] });
    t.click(200, 200); // p2
    t.drag(100, 100, 90, 95);
    expect(t.intents().at(-1)).toMatchObject({ type: "put", edit: "move_vertex", polygon: { id: "p2", rings: [[[90, 95], [300, 100], [300, 300], [100, 300]]] } });
    expect(t.q(".hitl-counts").textContent).toBe("2 polygons, 0 open proposals");
  });

  it("drag inside the selected polygon moves it whole, holes too (one put 'move', kept in the image); arrows nudge it", async () => {
    vi.useFakeTimers();
    const HOLE = [[150, 150], [250, 150], [250, 250], [150, 250]];
    const t = await mount({ 0: { polygons: [human("g", [SQUARE, HOLE])] } });
    t.click(120, 200); // inside (not in the hole): selected
    expect(t.intents()).toEqual([]);
    t.drag(120, 200, 150, 180); // +30, -20
    const moves = t.intents().filter((c: Any) => c.type === "put");
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ edit: "move", polygon: { id: "g", rings: [
      [[130, 80], [330, 80], [330, 280], [130, 280]], [[180, 130], [280, 130], [280, 230], [180, 230]],
    ] } });
    t.drag(150, 180, 150, 1000); // far past the bottom: stops with the outer ring on the border (480)
    expect(t.intents().at(-1)).toMatchObject({ edit: "move", polygon: { rings: [
      [[130, 280], [330, 280], [330, 480], [130, 480]], [[180, 330], [280, 330], [280, 430], [180, 430]],
    ] } });
    // arrows: the polygon chosen (no vertex) moves as a whole, Shift 10 px; one put once they pause
    const before = t.intents().length;
    t.press("ArrowLeft", { shiftKey: true });
    t.press("ArrowUp");
    t.press("ArrowDown"); // at the border: stays
    t.press("ArrowDown");
    expect(t.intents()).toHaveLength(before);
    vi.advanceTimersByTime(500);
    expect(t.intents()).toHaveLength(before + 1);
    expect(t.intents().at(-1)).toMatchObject({ edit: "move", polygon: { rings: [
      [[120, 280], [320, 280], [320, 480], [120, 480]], [[170, 330], [270, 330], [270, 430], [170, 430]],
    ] } });
    // a press in the hole is not inside the polygon: it starts a new one, nothing moves
    t.drag(220, 380, 240, 390);
    expect(t.intents()).toHaveLength(before + 1);
  });

  it("arrows pan, not move, a proposal selected on its own after an accept", async () => {
    vi.useFakeTimers();
    const proposals = [
      { id: "p0", class: "dog", rings: [[[400, 50], [500, 50], [450, 150]]], score: 0.9 },
      { id: "p1", class: "cat", rings: [SQUARE], score: 0.5 },
    ];
    const t = await mount({ 0: { proposals } });
    t.press("Enter"); // accepts p0; p1 selected by itself
    t.press("ArrowRight");
    vi.advanceTimersByTime(500);
    expect(t.intents().map((c: Any) => c.type)).toEqual(["accept"]);
    t.press("Tab"); // the accepted p0, chosen: arrows move it
    t.press("ArrowRight");
    vi.advanceTimersByTime(500);
    expect(t.intents().at(-1)).toMatchObject({ type: "put", edit: "move", polygon: { id: "p0", rings: [[[401, 50], [501, 50], [451, 150]]] } });
    t.press("Tab"); // the proposal p1, chosen: moved, it becomes an edited proposal
    t.press("ArrowRight");
    vi.advanceTimersByTime(500);
    expect(t.intents().at(-1)).toMatchObject({ type: "put", edit: "move", polygon: { id: "p1", rings: [[[101, 100], [301, 100], [301, 300], [101, 300]]] } });
  });

  it("by keyboard alone: N adds a square in the view, arrows move its selected vertex, I inserts one", async () => {
    vi.useFakeTimers();
    const t = await mount();
    t.press("n");
    const [put] = t.intents();
    expect(put).toMatchObject({ type: "put", edit: "draw", polygon: { class: "cat", rings: [[[260, 180], [380, 180], [380, 300], [260, 300]]] } });
    t.press("ArrowLeft", { shiftKey: true });
    vi.advanceTimersByTime(500);
    expect(t.intents().at(-1)).toMatchObject({ edit: "nudge", polygon: { id: put.polygon.id, rings: [[[250, 180], [380, 180], [380, 300], [260, 300]]] } });
    t.press("i");
    expect(t.intents().at(-1)).toMatchObject({ edit: "insert_vertex", polygon: { rings: [[[250, 180], [315, 180], [380, 180], [380, 300], [260, 300]]] } });
    expect(t.leaked).toEqual([]);
  });
});
