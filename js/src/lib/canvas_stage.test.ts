import { describe, expect, it, vi } from "vitest";
import {
  CanvasStage, classSwatches, clearSelectionRow, countOf, editorEdit, editorKeys, editorNav, editorRootClass, sayAbout,
  selectionRow, undoText, wireEditorNav, wireZoomTools, zoomTools,
} from "./canvas_stage";
import type { EditLedger } from "./ledger";
import { StatusLine } from "./status";
import { IntentChannel } from "./channel";
import { ItemCache } from "./items";
import { Stepper } from "./stepper";
import { HelpOverlay } from "./help";
import { Keymap } from "./keyboard";
import type { PanZoom } from "./viewport";
import { Viewport } from "./viewport";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

describe("CanvasStage", () => {
  it("shows either the canvas or a message", () => {
    const s = new CanvasStage();
    s.message("loading…");
    expect(s.canvas.hidden).toBe(true);
    expect(s.placeholder.hidden).toBe(false);
    expect(s.placeholder.textContent).toBe("loading…");
    s.showCanvas();
    expect(s.canvas.hidden).toBe(false);
    expect(s.placeholder.hidden).toBe(true);
  });

  it("sizes the stage and the viewport", () => {
    const s = new CanvasStage();
    const viewport = new Viewport();
    s.fit(viewport, 320, 200);
    expect(s.node.style.height).toBe("200px");
    expect(viewport.viewWidth).toBe(320);
    expect(viewport.viewHeight).toBe(200);
  });
});

describe("CanvasStage.beginFrame", () => {
  it("fits the stage, writes the zoom only when it changed, clears the canvas without an image, returns the context", () => {
    const s = new CanvasStage();
    const viewport = new Viewport();
    viewport.setImage(100, 50);
    const zoomText = document.createElement("span");
    const ctx = { setTransform: vi.fn(), clearRect: vi.fn() };
    vi.spyOn(s.canvas, "getContext").mockReturnValue(ctx as unknown as RenderingContext);
    const onLevel = vi.fn();
    expect(s.beginFrame(viewport, 200, zoomText, undefined, onLevel)).toBe(ctx);
    expect(s.node.style.height).toBe("200px");
    expect(zoomText.textContent).toBe(`${Math.round(viewport.scale * 100)}%`);
    expect(ctx.clearRect).toHaveBeenCalledWith(0, 0, s.canvas.width, s.canvas.height); // the whole canvas, as fitted
    expect(ctx.setTransform).toHaveBeenCalled();
    zoomText.textContent = "stale";
    s.beginFrame(viewport, 200, zoomText, undefined, onLevel);
    expect(zoomText.textContent).toBe("stale"); // the same zoom is not written again
    viewport.zoomAt(2);
    s.beginFrame(viewport, 200, zoomText, undefined, onLevel);
    expect(zoomText.textContent).toBe(`${Math.round(viewport.scale * 100)}%`);
    expect(onLevel).not.toHaveBeenCalled();
  });

  it("returns null when the canvas has no 2D context", () => {
    const s = new CanvasStage();
    vi.spyOn(s.canvas, "getContext").mockReturnValue(null);
    expect(s.beginFrame(new Viewport(), 100, document.createElement("span"), undefined, () => undefined)).toBeNull();
  });
});

describe("CanvasStage.showCurrent", () => {
  const image = (width: number, height: number) => ({ width, height, close: () => undefined }) as unknown as ImageBitmap;

  function setup(order: unknown[], position = 0) {
    const model = createFakeModel({ order, position, n_done: 0 });
    const paint = vi.fn();
    const stepper = new Stepper(model, { behind: 1, ahead: 2, paint, paintProgress: () => undefined });
    const cache = new ItemCache(model);
    const stage = new CanvasStage();
    const viewport = new Viewport();
    const show = () => stage.showCurrent(stepper, cache, viewport, 300, "the end");
    return { model, stepper, cache, stage, viewport, show, paint };
  }

  it("shows the end screen past the last item", () => {
    const { stage, stepper, cache, viewport, show } = setup(["a"], 1);
    expect(show()).toBeNull();
    expect(stage.canvas.hidden).toBe(true);
    expect(stage.placeholder.textContent).toBe("the end");
    expect(stage.showCurrent(stepper, cache, viewport, 300)).toBeNull();
    expect(stage.placeholder.textContent).toBe("All 1 items reviewed. PgUp goes back."); // the editors' own
  });

  it("shows loading… and asks for the window, then repaints once the item is cached", async () => {
    const { model, cache, stage, show, paint } = setup(["a", "b", "c"]);
    expect(show()).toBeNull();
    expect(stage.placeholder.textContent).toBe("loading…");
    expect(model.sentContents("fetch")[0].ids).toEqual(["a", "b"]);
    await cache.receive([{ id: "a", kind: "error", error: "broken file" }], []);
    await Promise.resolve();
    expect(paint).toHaveBeenCalledTimes(1);
    expect(show()).toBeNull(); // not an image: its error instead
    expect(stage.placeholder.textContent).toBe("broken file");
  });

  it("sets the viewport to an image the first time it is shown, until forget()", async () => {
    const { cache, stage, viewport, show } = setup(["a"]);
    await cache.receive([{ id: "a", kind: "image", width: 400, height: 200, image: image(400, 200) }], []);
    const first = show();
    expect(first?.fresh).toBe(true);
    expect(first?.item.id).toBe("a");
    expect(stage.canvas.hidden).toBe(false);
    expect(stage.placeholder.hidden).toBe(true);
    expect([viewport.imageWidth, viewport.imageHeight]).toEqual([400, 200]);
    expect(viewport.viewHeight).toBe(300);
    expect(viewport.viewWidth).toBe(640); // not laid out: the default width
    expect(stage.shows('"a"')).toBe(true);
    viewport.setImage(10, 10); // moved on by hand: an image already shown is left alone
    expect(show()?.fresh).toBe(false);
    expect(viewport.imageWidth).toBe(10);
    stage.forget();
    expect(stage.shows('"a"')).toBe(false);
    expect(show()?.fresh).toBe(true);
    expect(viewport.imageWidth).toBe(400);
  });
});

describe("classSwatches", () => {
  it("makes one button per class with its key, swatch and name, the current one pressed", () => {
    const picked: number[] = [];
    const buttons = classSwatches(["cat", "dog", 7], 1, (k) => picked.push(k));
    expect(buttons.map((b) => b.textContent)).toEqual(["1cat", "2dog", "37"]);
    expect(buttons.map((b) => b.getAttribute("aria-pressed"))).toEqual(["false", "true", "false"]);
    expect(buttons[0].querySelector(".hitl-swatch")).not.toBeNull();
    buttons[2].click();
    expect(picked).toEqual([2]);
    const evil = classSwatches(["<img src=x onerror=alert(1)>"], 0, () => undefined);
    expect(evil[0].querySelector("img")).toBeNull(); // a class name is text, never markup
  });
});

describe("editor nav and keys", () => {
  it("root classes carry the shared stage class", () => {
    expect(editorRootClass("bbox")).toBe("hitl-root hitl-bbox hitl-canvas-editor");
  });

  it("buttons step, undo, redo and open the help", () => {
    const root = document.createElement("div");
    const keymap = new Keymap(root);
    const help = new HelpOverlay(keymap);
    const channel = new IntentChannel(createFakeModel({}));
    const step = vi.fn();
    const undoRedo = vi.fn();
    const nav = editorNav();
    expect(nav.retry.hidden).toBe(true);
    expect([...nav.nav.children].map((b) => b.textContent)).toEqual([
      "← prev (PgUp)", "next (PgDn) →", "undo (Ctrl+Z)", "redo (Ctrl+Y)", "", "retry unsaved", "?",
    ]);
    wireEditorNav(nav, root, { step, undoRedo, help, channel });
    nav.prev.click();
    nav.next.click();
    nav.undoButton.click();
    nav.redoButton.click();
    nav.helpButton.click();
    expect(step.mock.calls).toEqual([[-1], [1]]);
    expect(undoRedo.mock.calls).toEqual([["undo"], ["redo"]]);
    expect(help.open).toBe(true);
    channel.dispose();
    keymap.dispose();
  });

  it("zoom, undo/redo and paging keys call through", () => {
    const root = document.createElement("div");
    const keymap = new Keymap(root);
    const help = new HelpOverlay(keymap);
    const panZoom = { zoomIn: vi.fn(), zoomOut: vi.fn(), fit: vi.fn() };
    const undoRedo = vi.fn();
    const step = vi.fn();
    const keys = editorKeys(panZoom as unknown as PanZoom, undoRedo, step, help);
    const run = (name: string, init: KeyboardEventInit = {}) =>
      keys.find((b) => b.keys.includes(name))!.run(new KeyboardEvent("keydown", init));
    run("+");
    run("-");
    run("f");
    run("Ctrl+Z");
    run("Ctrl+Z", { shiftKey: true });
    run("PageDown");
    run("PageUp");
    expect([panZoom.zoomIn, panZoom.zoomOut, panZoom.fit].map((f) => f.mock.calls.length)).toEqual([1, 1, 1]);
    expect(undoRedo.mock.calls).toEqual([["undo"], ["redo"]]);
    expect(step.mock.calls).toEqual([[1], [-1]]);
    keymap.dispose();
  });
});

describe("messages about an item", () => {
  it("undoText names the item by its place", () => {
    expect(undoText("undo", "video 2", { type: "ack" as const, client: "c", seq: 1, undone: "key" }, { key: "a keyframe" }))
      .toBe("undone on video 2: a keyframe");
  });

  it("countOf puts the noun in the right number", () => {
    expect(countOf(1, "proposal")).toBe("1 proposal");
    expect(countOf(3, "proposal")).toBe("3 proposals");
    expect(countOf(0, "box", "boxes")).toBe("0 boxes");
    expect(countOf(1, "box", "boxes")).toBe("1 box");
  });

  it("undoText names what the kernel undid or redid", () => {
    const reply = (extra: Record<string, unknown>) => ({ type: "ack" as const, client: "c", seq: 1, ...extra });
    expect(undoText("undo", "item 4", reply({ undone: "paint" }), { paint: "a brush stroke" })).toBe("undone on item 4: a brush stroke");
    expect(undoText("redo", "item 4", reply({ redone: "fill_holes" }), {})).toBe("redone on item 4: fill holes");
    expect(undoText("undo", "item 4", reply({}), {})).toBe("undone on item 4");
  });

  it("sayAbout shows the message for the item, the id as its tooltip, cleared on another item", () => {
    const status = new StatusLine();
    sayAbout(status, 829, "undone on item 4");
    const message = status.node.querySelector(".hitl-status-message") as HTMLElement;
    expect(message.textContent).toBe("undone on item 4");
    expect(message.title).toBe("item id 829");
    status.showing(830);
    expect(message.textContent).toBe("");
  });

  it("sayAbout with no item (the end screen) shows a plain message, kept on another item", () => {
    const status = new StatusLine();
    sayAbout(status, undefined, "no previous item to copy from");
    const message = status.node.querySelector(".hitl-status-message") as HTMLElement;
    expect(message.textContent).toBe("no previous item to copy from");
    expect(message.hasAttribute("title")).toBe(false);
    status.showing(830);
    expect(message.textContent).toBe("no previous item to copy from");
  });

  it("editorEdit names the item by its place in an error, and a refusal's sync keeps that name", () => {
    const send = vi.fn();
    const ledger = { send } as unknown as EditLedger;
    const edit = editorEdit(ledger, 829, () => undefined, "item 4");
    expect(edit.describe).toBe("item 4");
    edit.refused?.({ type: "refused", client: "c", seq: 1 });
    expect(send.mock.calls[0][2].describe).toBe("item 4");
  });
});

describe("zoom tools and the selection row", () => {
  it("zoomTools: −, the zoom shown, +, fit, in that order; wired, each drives the pan/zoom", () => {
    const tools = zoomTools();
    expect(tools.row).toEqual([tools.zoomOut, tools.zoomText, tools.zoomIn, tools.zoomFit]);
    expect(tools.row.map((n) => n.textContent)).toEqual(["−", "", "+", "fit (F)"]);
    expect(tools.zoomText.className).toBe("hitl-muted hitl-zoom");
    const panZoom = { zoomIn: vi.fn(), zoomOut: vi.fn(), fit: vi.fn() };
    wireZoomTools(tools, panZoom as unknown as PanZoom);
    tools.zoomIn.click();
    tools.zoomIn.click();
    tools.zoomOut.click();
    tools.zoomFit.click();
    expect([panZoom.zoomIn.mock.calls.length, panZoom.zoomOut.mock.calls.length, panZoom.fit.mock.calls.length]).toEqual([2, 1, 1]);
  });

  it("selectionRow: the selection line, a spacer, the counts; clearSelectionRow empties both lines", () => {
    const row = selectionRow();
    expect([...row.info.children].map((n) => n.className)).toEqual(["hitl-selection", "hitl-spacer", "hitl-muted hitl-counts"]);
    expect(row.info.children[0]).toBe(row.selectionLine);
    expect(row.info.children[2]).toBe(row.countLine);
    row.selectionLine.textContent = "box cat";
    row.countLine.textContent = "2 boxes";
    clearSelectionRow(row);
    expect([row.selectionLine.textContent, row.countLine.textContent]).toEqual(["", ""]);
  });
});
