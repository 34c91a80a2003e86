import { describe, expect, it, vi } from "vitest";
import { CanvasStage, editorKeys, editorNav, editorRootClass, wireEditorNav } from "./canvas_stage";
import { IntentChannel } from "./channel";
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
