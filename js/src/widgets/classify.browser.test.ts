// ClassifyWidget in real Chromium: a real PNG goes through createImageBitmap and is painted on the
// canvas; real key presses label; the bundled CSS applies.
import { afterEach, describe, expect, it } from "vitest";
import { userEvent } from "vitest/browser";
import widget from "./classify";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

// A 3x2 RGB PNG, built byte by byte (not by this browser's encoder):
//   red    green  blue
//   white  black  yellow
const PNG_3X2 = "iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAFElEQVR42mP4z8DAAMH//4Pp/wwAScoH+SAeZEAAAAAASUVORK5CYII=";
const PIXELS = [
  [[255, 0, 0], [0, 255, 0], [0, 0, 255]],
  [[255, 255, 255], [0, 0, 0], [255, 255, 0]],
];

function pngBytes(): Uint8Array {
  return Uint8Array.from(atob(PNG_3X2), (c) => c.charCodeAt(0));
}

/** ipywidgets hands message buffers over as DataViews, possibly into a larger ArrayBuffer. */
function asDataView(bytes: Uint8Array): DataView {
  const big = new Uint8Array(bytes.length + 16);
  big.set(bytes, 8);
  return new DataView(big.buffer, 8, bytes.length);
}

const nextPaint = (root: HTMLElement) =>
  new Promise<{ id: unknown; position: number }>((resolve) =>
    root.addEventListener("hitl:painted", (e) => resolve((e as CustomEvent).detail), { once: true }),
  );

let cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.forEach((f) => f());
  cleanups = [];
  document.body.replaceChildren();
});

function mount(state: Record<string, unknown> = {}) {
  const model = createFakeModel({
    classes: ["cat", "dog"],
    multi_label: false,
    display_size: 96,
    order: ["img", "txt", "bad"],
    position: 0,
    n_done: 0,
    title: "Real Chromium",
    task: "t",
    annotator: "a",
    autofocus: false,
    version: "",
    ...state,
  });
  const el = document.createElement("div");
  document.body.append(el);
  cleanups.push(widget.render({ model, el } as any) as () => void);
  const root = el.querySelector(".hitl-classify") as HTMLElement;
  return { model, el, root, canvas: root.querySelector("canvas") as HTMLCanvasElement };
}

function serve(model: any) {
  model.kernelSend(
    {
      type: "items",
      items: [
        { id: "img", kind: "image", mime: "image/png", width: 3, height: 2, buffer: 0, label: null, proposal: null },
        { id: "txt", kind: "text", text: "just words", label: null, proposal: null },
        { id: "bad", kind: "image", mime: "image/png", width: 3, height: 2, buffer: 1, label: null, proposal: null },
      ],
    },
    [asDataView(pngBytes()), new DataView(new Uint8Array([1, 2, 3, 4]).buffer)],
  );
}

describe("ClassifyWidget in Chromium", () => {
  it("decodes a real PNG with createImageBitmap and paints it on the canvas, crisp", async () => {
    const { model, root, canvas } = mount();
    expect(model.sentContents("fetch")).toEqual([{ type: "fetch", ids: ["img", "txt", "bad"] }]);
    const painted = nextPaint(root);
    serve(model);
    expect(await painted).toEqual({ id: "img", position: 0 });

    expect(canvas.hidden).toBe(false);
    expect(getComputedStyle(canvas).display).not.toBe("none");
    // 3x2 fitted into 96 px: 96x64 CSS pixels (times the device pixel ratio in canvas pixels)
    expect(canvas.style.width).toBe("96px");
    expect(canvas.style.height).toBe("64px");
    const ratio = canvas.width / 96;
    expect(canvas.height).toBe(Math.round(64 * ratio));
    const ctx = canvas.getContext("2d")!;
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 3; x++) {
        const cx = Math.floor((x * 32 + 16) * ratio);
        const cy = Math.floor((y * 32 + 16) * ratio);
        const [r, g, b, a] = ctx.getImageData(cx, cy, 1, 1).data;
        expect([r, g, b, a], `pixel (${x}, ${y})`).toEqual([...PIXELS[y][x], 255]);
      }
    }
    // upscaled more than 2x: no smoothing, so a block's edge stays sharp
    const edge = Math.floor(31 * ratio);
    expect([...ctx.getImageData(edge, edge, 1, 1).data]).toEqual([255, 0, 0, 255]);
  });

  it("real key presses label and step to the next item; only the shown kind of media is visible", async () => {
    const { model, root, canvas } = mount();
    const first = nextPaint(root);
    serve(model);
    await first;
    const leaked: string[] = [];
    const onDoc = (e: KeyboardEvent) => leaked.push(e.key);
    document.addEventListener("keydown", onDoc);
    try {
      root.focus();
      expect(document.activeElement).toBe(root);
      const second = nextPaint(root);
      await userEvent.keyboard("2");
      expect(await second).toEqual({ id: "txt", position: 1 });
      expect(leaked).toEqual([]);
    } finally {
      document.removeEventListener("keydown", onDoc);
    }
    // the label leaves once the next item is painted (coalesced intents: lib/channel.ts)
    await expect.poll(() => model.sentContents("label")).toEqual([
      { type: "label", item_id: "img", label: "dog", source: "human", client: expect.any(String), seq: 1 },
    ]);
    const text = root.querySelector(".hitl-text") as HTMLElement;
    expect(text.textContent).toBe("just words");
    expect(getComputedStyle(text).display).not.toBe("none");
    // the previous image must not stay on screen next to the text
    expect(canvas.hidden).toBe(true);
    expect(getComputedStyle(canvas).display).toBe("none");
  });

  it("bytes that are not an image show a decode error instead", async () => {
    const { model, root } = mount({ position: 2 });
    const painted = nextPaint(root);
    serve(model);
    expect(await painted).toEqual({ id: "bad", position: 2 });
    const placeholder = root.querySelector(".hitl-placeholder") as HTMLElement;
    expect(placeholder.hidden).toBe(false);
    expect(placeholder.textContent).toMatch(/^cannot decode image/);
  });

  it("picks up the bundled CSS with its fallbacks outside JupyterLab", () => {
    const { root } = mount();
    const style = getComputedStyle(root);
    expect(style.borderTopLeftRadius).toBe("4px");
    expect(style.borderTopColor).toBe("rgb(189, 189, 189)");
    expect(style.position).toBe("relative");
  });
});
