import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget, { decodeCocoRle } from "./segmentation";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

type Any = any;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

async function setup(state: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const model = createFakeModel({
    classes: ["sky", "sea"], mode: "semantic", opacity: 0.5, display_height: 480, order: [0, 1], position: 0, n_done: 0,
    title: "Masks", task: "s", annotator: "a", autofocus: false, version: "", ...state,
  });
  const el = document.createElement("div");
  document.body.append(el);
  const cleanup = widget.render({ model, el } as Any) as () => void;
  const root = el.querySelector(".hitl-segmentation") as HTMLElement;
  const canvas = root.querySelector("canvas") as HTMLCanvasElement;
  for (const c of model.sentContents("fetch")) {
    model.kernelSend({ type: "items", items: c.ids.map((id: number) => ({
      id, kind: "image", mime: "image/png", width: 640, height: 480, buffer: 0, proposals: [], instances: {}, ...extra,
    })) }, [new Uint8Array([1])]);
  }
  await flush();
  const press = (key: string, init: KeyboardEventInit = {}) =>
    root.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...init }));
  const pointer = (type: string, x: number, y: number) =>
    canvas.dispatchEvent(new PointerEvent(type, { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true }));
  const sent = () => model.sent.filter((m: Any) => m.content.type !== "fetch");
  const q = (sel: string) => root.querySelector(sel) as HTMLElement;
  return { model, root, press, pointer, sent, cleanup, q };
}

function triples(buf: ArrayBuffer): number[][] {
  const a = new Uint16Array(buf);
  const out = [];
  for (let i = 0; i < a.length; i += 3) out.push([a[i], a[i + 1], a[i + 2]]);
  return out;
}

describe("SegmentationCanvas view", () => {
  let cleanups: Array<() => void> = [];
  beforeEach(() => vi.stubGlobal("createImageBitmap", async () => ({ width: 640, height: 480, close() {} })));
  afterEach(() => {
    cleanups.forEach((f) => f());
    cleanups = [];
    document.body.replaceChildren();
    vi.unstubAllGlobals();
  });
  const mount = async (state = {}, extra = {}) => {
    const t = await setup(state, extra);
    cleanups.push(t.cleanup);
    return t;
  };

  it("a brush stroke is sent as one 'paint' with its pixels as binary row runs", async () => {
    const t = await mount();
    t.press("2");
    t.pointer("pointerdown", 100, 100);
    t.pointer("pointermove", 150, 100);
    t.pointer("pointerup", 150, 100);
    const [paint] = t.sent();
    expect(paint.content).toMatchObject({ type: "paint", item_id: 0, value: 2, erase: false, runs: "uint16" });
    expect(paint.buffers).toHaveLength(1);
    const runs = triples(paint.buffers[0]);
    // brush radius 8 around the segment y = 100, x 100..150: 16 rows, each one run
    expect(runs.map((r) => r[0])).toEqual([...Array(16)].map((_, k) => 92 + k));
    expect(runs[8]).toEqual([100, 92, 66]); // centre row: x 92..157 (centres within 8 px of the segment)
    expect(paint.buffers[0].byteLength).toBe(16 * 6); // 96 bytes for the stroke
    expect(t.q(".hitl-status-saved").textContent).toBe("1 unsaved");
  });

  it("eraser, brush size keys, polygon by clicks closed with Enter", async () => {
    const t = await mount();
    t.press("]");
    expect(t.q(".hitl-size").textContent).toBe("size 22");
    t.press("[");
    t.press("[");
    expect(t.q(".hitl-size").textContent).toBe("size 14");
    t.press("e");
    t.pointer("pointerdown", 10, 10);
    t.pointer("pointerup", 10, 10);
    expect(t.sent()[0].content).toMatchObject({ type: "paint", value: 0, erase: true });
    t.press("p");
    for (const [x, y] of [[10, 10], [40, 10], [40, 22]]) {
      t.pointer("pointerdown", x, y);
      t.pointer("pointerup", x, y);
    }
    expect(t.q(".hitl-info").textContent).toContain("3 vertices");
    t.press("Enter");
    const poly = t.sent().at(-1);
    expect(poly.content).toMatchObject({ type: "paint", value: 1, polygon: [10, 10, 40, 10, 40, 22] });
    // the pixels polygon_to_mask (COCO's rule) sets for this triangle, worked out in Python
    expect(triples(poly.buffers[0])).toEqual([[10, 11, 29], [11, 14, 26], [12, 16, 24], [13, 19, 21], [14, 21, 19],
      [15, 24, 16], [16, 26, 14], [17, 29, 11], [18, 31, 9], [19, 34, 6], [20, 36, 4], [21, 39, 1]]);
  });

  it("undo / fill holes / accept go to the kernel; its mask message replaces the view's", async () => {
    const rle = { size: [480, 640], counts: [480 * 5 + 2, 3, 480 * 640 - 480 * 5 - 5] };
    const t = await mount({}, { proposals: [{ id: "p0", class: "sea", score: 0.7, rle }] });
    expect(t.q(".hitl-info").textContent).toContain("model mask sea (0.70): Enter accepts");
    expect([...t.root.querySelectorAll(".hitl-info bdi")].map((b) => b.textContent)).toContain("sea"); // isolated
    t.press("Enter");
    expect(t.sent().at(-1).content).toMatchObject({ type: "accept", proposal_id: "p0" });
    expect(t.q(".hitl-info").textContent).not.toContain("model mask");
    t.press("h");
    expect(t.sent().at(-1).content).toMatchObject({ type: "fill_holes", value: 1 });
    t.press("z", { ctrlKey: true });
    expect(t.sent().at(-1).content).toMatchObject({ type: "undo", item_id: 0 });
    expect(decodeCocoRle(rle as Any).reduce((a, b) => a + b, 0)).toBe(3);
    expect([...decodeCocoRle(rle as Any).slice(2 * 640 + 5, 2 * 640 + 6)]).toEqual([1]); // column 5, row 2
  });

  it("undo says what it undid on which item (its place, the id in the tooltip); the message goes on the next item", async () => {
    const t = await mount({ order: [829, 17] });
    t.pointer("pointerdown", 100, 100);
    t.pointer("pointerup", 100, 100);
    t.press("z", { ctrlKey: true });
    const undo = t.sent().at(-1).content;
    expect(undo).toMatchObject({ type: "undo", item_id: 829 });
    const message = t.q(".hitl-status-message");
    expect(message.textContent).toBe(""); // said once the kernel has undone it
    t.model.kernelSend({ type: "ack", client: undo.client, seq: undo.seq, item_id: 829, undone: "paint", instances: {} });
    await flush();
    expect(message.textContent).toBe("undone on item 1: a brush stroke");
    expect(message.title).toBe("item id 829");
    t.press("y", { ctrlKey: true });
    const redo = t.sent().at(-1).content;
    t.model.kernelSend({ type: "ack", client: redo.client, seq: redo.seq, item_id: 829, redone: "paint", instances: {} });
    await flush();
    expect(message.textContent).toBe("redone on item 1: a brush stroke");
    t.press("PageDown");
    expect(t.q(".hitl-position").textContent).toBe("item 2 / 2");
    expect(message.textContent).toBe("");
  });

  it("the opacity slider shows its value", async () => {
    const t = await mount({ opacity: 0.6 });
    expect(t.q(".hitl-opacity-value").textContent).toBe("60%");
    const input = t.q(".hitl-opacity") as HTMLInputElement;
    input.value = "0.35";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    expect(t.q(".hitl-opacity-value").textContent).toBe("35%");
    expect(t.model.get("opacity")).toBeCloseTo(0.35);
    t.model.kernelSet("opacity", 0.8);
    expect(t.q(".hitl-opacity-value").textContent).toBe("80%");
  });

  it("help lists Escape once, with the polygon's meaning and leaving the widget", async () => {
    const t = await mount();
    t.press("p");
    t.pointer("pointerdown", 100, 100);
    t.pointer("pointerup", 100, 100);
    t.press("?");
    const rows = [...t.root.querySelectorAll(".hitl-help tr")].map((r) => [...r.querySelectorAll("td")].map((d) => d.textContent));
    expect(rows.filter(([k]) => k === "Escape")).toEqual([
      ["Escape", "close this help; else: drop the polygon being drawn, or the click-to-segment clicks; else: leave the widget (back to the notebook)"],
    ]);
    expect(rows.some(([k]) => k === "Ctrl+Z")).toBe(true);
  });

  it("a message about one item (no model mask to accept) is gone on the next", async () => {
    const t = await mount();
    t.press("Enter");
    expect(t.q(".hitl-status-message").textContent).toBe("no model mask to accept");
    t.press("PageDown");
    expect(t.q(".hitl-status-message").textContent).toBe("");
  });

  it("polygon vertices can be dragged, inserted on an edge and deleted with Alt+click", async () => {
    const t = await mount();
    t.press("p");
    const click = (x: number, y: number, init: PointerEventInit = {}) => {
      t.root.querySelector("canvas")!.dispatchEvent(new PointerEvent("pointerdown", { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true, ...init }));
      t.root.querySelector("canvas")!.dispatchEvent(new PointerEvent("pointerup", { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true, ...init }));
    };
    for (const [x, y] of [[100, 100], [200, 100], [200, 200], [100, 200]]) click(x, y);
    t.pointer("pointerdown", 200, 200); // drag the third vertex
    t.pointer("pointermove", 220, 230);
    t.pointer("pointerup", 220, 230);
    click(150, 100); // on the first edge: inserts a vertex there
    click(100, 200, { altKey: true }); // deletes the last vertex
    expect(t.q(".hitl-info").textContent).toContain("4 vertices");
    click(100, 100); // a click on the first vertex closes
    expect(t.sent().at(-1).content.polygon).toEqual([100, 100, 150, 100, 200, 100, 220, 230]);
  });

  it("instance mode: painting starts an instance of the current class first", async () => {
    const t = await mount({ mode: "instance" });
    t.press("2");
    t.pointer("pointerdown", 50, 50);
    t.pointer("pointerup", 50, 50);
    const [inst, paint] = t.sent().map((m: Any) => m.content);
    expect(inst).toMatchObject({ type: "new_instance", value: 1, class: "sea" });
    expect(paint).toMatchObject({ type: "paint", value: 1 });
    t.press("n");
    expect(t.sent().at(-1).content).toMatchObject({ type: "new_instance", value: 2, class: "sea" });
  });

  it("cleans up its listeners", async () => {
    const t = await mount();
    t.cleanup();
    cleanups = [];
    expect(t.model.totalListeners()).toBe(0);
  });
});

describe("SegmentationCanvas assisted segmentation", () => {
  let cleanups: Array<() => void> = [];
  beforeEach(() => vi.stubGlobal("createImageBitmap", async () => ({ width: 640, height: 480, close() {} })));
  afterEach(() => {
    cleanups.forEach((f) => f());
    cleanups = [];
    document.body.replaceChildren();
    vi.unstubAllGlobals();
  });
  const reads = (t: Any, type: string) => t.model.sent.filter((m: Any) => m.content.type === type).map((m: Any) => m.content);
  const click = (t: Any, x: number, y: number, init: PointerEventInit = {}) => {
    t.root.querySelector("canvas").dispatchEvent(new PointerEvent("pointerdown", { clientX: x, clientY: y, button: 0, pointerId: 1, bubbles: true, ...init }));
    t.pointer("pointerup", x, y);
  };

  it("A: clicks ask the kernel for the region (Shift / right click negative); Enter paints it as one 'paint'; Esc drops the clicks", async () => {
    const t = await setup({ assist: "watershed" });
    cleanups.push(t.cleanup);
    expect(t.q(".hitl-tool-assist").hidden).toBe(false);
    t.press("a");
    expect(t.q(".hitl-info").textContent).toContain("click-to-segment: ");
    click(t, 50.6, 40.2);
    click(t, 80, 40, { shiftKey: true });
    click(t, 90, 40, { button: 2 });
    const asked = reads(t, "assist");
    expect(asked.map((c: Any) => c.req)).toEqual([1, 2, 3]);
    expect(asked[2]).toMatchObject({ item_id: 0, clicks: [
      { x: 50, y: 40, positive: true }, { x: 80, y: 40, positive: false }, { x: 90, y: 40, positive: false }] });
    expect(t.q(".hitl-info").textContent).toContain("3 clicks (+1 −2), region on its way");
    const region = new Uint32Array([40, 45, 10, 41, 45, 10]);
    t.model.kernelSend({ type: "assist", item_id: 0, req: 2, width: 640, height: 480, area: 20 }, [region.buffer]); // an older answer
    t.press("Enter");
    expect(t.sent().filter((m: Any) => m.content.type === "paint")).toHaveLength(0);
    t.model.kernelSend({ type: "assist", item_id: 0, req: 3, width: 640, height: 480, area: 20 }, [region.buffer]);
    expect(t.q(".hitl-info").textContent).toContain("region 20 px: Enter paints it");
    t.press("Enter");
    const paint = t.sent().filter((m: Any) => m.content.type === "paint");
    expect(paint).toHaveLength(1);
    expect(paint[0].content).toMatchObject({ type: "paint", item_id: 0, value: 1, erase: false, assisted: "clicks", runs: "uint16" });
    expect(triples(paint[0].buffers[0])).toEqual([[40, 45, 10], [41, 45, 10]]);
    expect(t.q(".hitl-info").textContent).not.toContain("click (");
    // Esc drops clicks; with none, Esc is not taken (the host's own Escape)
    click(t, 10, 10);
    const esc = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    t.root.dispatchEvent(esc);
    expect(esc.defaultPrevented).toBe(true);
    expect(t.q(".hitl-info").textContent).toContain("click the object");
    const idle = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    t.root.dispatchEvent(idle);
    expect(idle.defaultPrevented).toBe(false);
  });

  /** The assist tool on, one click made and its region answered (request 1). */
  async function oneClickAnswered() {
    const t = await setup({ assist: "flood" });
    cleanups.push(t.cleanup);
    t.press("a");
    const region = new Uint32Array([40, 45, 10, 41, 45, 10]);
    click(t, 50, 40);
    t.model.kernelSend({ type: "assist", item_id: 0, req: 1, width: 640, height: 480, area: 20 }, [region.buffer]);
    return { t, region };
  }

  it("after another click the older region is not ready: the info says it is on its way and Enter waits for the newest", async () => {
    const { t, region } = await oneClickAnswered();
    expect(t.q(".hitl-info").textContent).toContain("1 click (+1 −0), region 20 px: Enter paints it");
    click(t, 80, 40, { shiftKey: true }); // the answer for 1 click is still shown, but no longer the region
    expect(t.q(".hitl-info").textContent).toContain("2 clicks (+1 −1), region on its way");
    t.press("Enter");
    expect(t.sent().filter((m: Any) => m.content.type === "paint")).toHaveLength(0);
    expect(t.q(".hitl-status-message").textContent).toContain("the region is on its way");
    t.model.kernelSend({ type: "assist", item_id: 0, req: 2, width: 640, height: 480, area: 20 }, [region.buffer]);
    expect(t.q(".hitl-info").textContent).toContain("2 clicks (+1 −1), region 20 px: Enter paints it");
    t.press("Enter");
    expect(t.sent().filter((m: Any) => m.content.type === "paint")).toHaveLength(1);
  });

  it("after a refused click the region of the clicks left is paintable again, or asked again", async () => {
    const { t, region } = await oneClickAnswered();
    click(t, 80, 40, { shiftKey: true });
    t.model.kernelSend({ type: "refused", intent: "assist", item_id: 0, message: "item 0: bad click" });
    expect(t.q(".hitl-info").textContent).toContain("1 click (+1 −0), region 20 px: Enter paints it");
    t.press("Enter");
    expect(t.sent().filter((m: Any) => m.content.type === "paint")).toHaveLength(1);
    // two clicks pending, the third refused: the answer for two was dropped as older, so it is asked again
    const answer = (req: number) =>
      t.model.kernelSend({ type: "assist", item_id: 0, req, width: 640, height: 480, area: 20 }, [region.buffer]);
    click(t, 50, 40);
    answer(reads(t, "assist").at(-1).req);
    click(t, 60, 40, { shiftKey: true });
    const two = reads(t, "assist").at(-1).req;
    click(t, 70, 40, { shiftKey: true });
    answer(two); // dropped: the three-click request is newer
    t.model.kernelSend({ type: "refused", intent: "assist", item_id: 0, message: "item 0: bad click" });
    const again = reads(t, "assist").at(-1);
    expect(again.req).toBeGreaterThan(two + 1);
    expect(again.clicks).toEqual([{ x: 50, y: 40, positive: true }, { x: 60, y: 40, positive: false }]);
    expect(t.q(".hitl-info").textContent).toContain("2 clicks (+1 −1), region on its way");
    answer(again.req);
    t.press("Enter");
    expect(t.sent().filter((m: Any) => m.content.type === "paint")).toHaveLength(2);
  });

  it("a refused assist request drops its click; without assist the tool is hidden and A does nothing", async () => {
    const t = await setup({ assist: "model" });
    cleanups.push(t.cleanup);
    t.press("a");
    click(t, 5, 5);
    t.model.kernelSend({ type: "refused", intent: "assist", item_id: 0, message: "item 0: the assist model's mask: returned None" });
    expect(t.q(".hitl-info").textContent).toContain("click the object");
    const off = await setup({ assist: "" });
    cleanups.push(off.cleanup);
    expect(off.q(".hitl-tool-assist").hidden).toBe(true);
    off.press("a");
    expect(off.q(".hitl-info").textContent).toContain("brush: ");
  });

  it("S: the superpixel brush asks for the map once and paints whole superpixels", async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    t.press("s");
    expect(reads(t, "superpixels")).toEqual([{ type: "superpixels", item_id: 0 }]);
    t.press("b");
    t.press("s");
    expect(reads(t, "superpixels")).toHaveLength(1);
    // two superpixels: the left half (x < 320) and the right half of the 640 x 480 image
    const runs: number[] = [];
    for (let y = 0; y < 480; y++) runs.push(0, 320, 1, 320);
    t.model.kernelSend({ type: "superpixels", item_id: 0, width: 640, height: 480, count: 2 }, [new Uint32Array(runs).buffer]);
    expect(t.q(".hitl-info").textContent).toContain("2 superpixels");
    t.pointer("pointerdown", 100, 100);
    t.pointer("pointerup", 100, 100);
    const [paint] = t.sent().filter((m: Any) => m.content.type === "paint");
    expect(paint.content).toMatchObject({ value: 1, assisted: "superpixels", runs: "uint16" });
    const painted = triples(paint.buffers[0]);
    expect(painted).toHaveLength(480);
    expect(painted.every(([, x0, n]) => x0 === 0 && n === 320)).toBe(true);
  });
});
