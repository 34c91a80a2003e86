import { describe, expect, it, vi } from "vitest";
import { fakeStepper } from "./fake_stepper";
import { imageStage, paintImageStep, showItemImage, showMessage } from "./image_panel";
import type { ItemInfo } from "./items";

const bitmap = { width: 4, height: 3, close: () => undefined } as unknown as ImageBitmap;

describe("imageStage", () => {
  it("puts the canvas and its message in a hitl-image box, beside the side panel in a stage row", () => {
    const side = document.createElement("div");
    const { canvas, imageMessage, stage } = imageStage("hitl-x-canvas", side);
    expect(canvas.className).toBe("hitl-x-canvas");
    expect(imageMessage.className).toBe("hitl-muted");
    expect(stage.className).toBe("hitl-stage-row");
    const box = stage.children[0];
    expect(box.className).toBe("hitl-image");
    expect([...box.children]).toEqual([canvas, imageMessage]);
    expect(stage.children[1]).toBe(side);
  });
});

describe("showItemImage", () => {
  const panel = () => imageStage("c", document.createElement("div"));

  it("hides the canvas and says why there is no image: loading, the item's error, no image", () => {
    const p = panel();
    expect(showItemImage(p, undefined)).toBeUndefined();
    expect(p.canvas.hidden).toBe(true);
    expect(p.imageMessage.textContent).toBe("loading…");
    expect(showItemImage(p, { id: 1, kind: "error", error: "<b>broken</b>" })).toBeUndefined();
    expect(p.imageMessage.textContent).toBe("<b>broken</b>");
    expect(p.imageMessage.children).toHaveLength(0);
    expect(showItemImage(p, { id: 1, kind: "text", text: "hi" })).toBeUndefined();
    expect(p.imageMessage.textContent).toBe("cannot show this image");
  });

  it("returns an image item, the canvas shown and the message emptied", () => {
    const p = panel();
    showMessage(p, "the end");
    expect(p.canvas.hidden).toBe(true);
    expect(p.imageMessage.textContent).toBe("the end");
    const info: ItemInfo = { id: 1, kind: "image", image: bitmap };
    expect(showItemImage(p, info)).toBe(info);
    expect(p.canvas.hidden).toBe(false);
    expect(p.imageMessage.textContent).toBe("");
  });
});

describe("paintImageStep", () => {
  function setup(position: number) {
    const { paint, stepper, cache } = fakeStepper(position);
    const root = document.createElement("div");
    const panel = imageStage("c", document.createElement("div"));
    const log: string[] = [];
    const painted = vi.fn();
    root.addEventListener("hitl:painted", (e) => painted((e as CustomEvent).detail));
    const step = () => paintImageStep({
      root, panel, stepper, cache, done: "linked", item: () => cache.get(stepper.current()!),
      clear: (atEnd) => log.push(`clear ${atEnd}`),
      side: () => log.push("side"),
      image: () => log.push("image"),
    });
    return { cache, panel, log, painted, paint, step };
  }

  it("shows the end screen and clears the side panel", () => {
    const { panel, log, painted, step } = setup(2);
    step();
    expect(panel.canvas.hidden).toBe(true);
    expect(panel.imageMessage.textContent).toBe("All 2 images linked. [ goes back.");
    expect(log).toEqual(["clear true"]);
    expect(painted).not.toHaveBeenCalled();
  });

  it("says loading… with the side panel empty until the item is here, then paints side, image, and says so", async () => {
    const { cache, panel, log, painted, paint, step } = setup(0);
    step();
    expect(panel.canvas.hidden).toBe(true);
    expect(panel.imageMessage.textContent).toBe("loading…");
    expect(log).toEqual(["clear false"]);
    await cache.receive([{ id: "a", kind: "text", text: "no image" }], []);
    await Promise.resolve();
    expect(paint).toHaveBeenCalledTimes(1);
    step();
    expect(log).toEqual(["clear false", "side", "image"]);
    expect(painted).toHaveBeenCalledWith({ id: "a", position: 0 });
  });
});
