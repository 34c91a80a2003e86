import { describe, expect, it, vi } from "vitest";
import { elementPoint, FrameScheduler, ImagePyramid, listenPointer, MAX_SCALE, PanZoom, Viewport } from "./viewport";

function view(iw = 3840, ih = 2160, vw = 960, vh = 540, dpr = 1) {
  const v = new Viewport();
  v.setView(vw, vh, dpr);
  v.setImage(iw, ih);
  return v;
}

describe("Viewport", () => {
  it("fits the image and maps image <-> screen both ways", () => {
    const v = view();
    expect(v.scale).toBeCloseTo(0.25);
    expect(v.toScreen(3840, 2160)).toEqual({ x: 960, y: 540 });
    expect(v.toImage(480, 270)).toEqual({ x: 1920, y: 1080 });
    const tall = view(100, 400, 200, 200);
    expect(tall.scale).toBe(0.5);
    expect(tall.tx).toBe(75); // centred horizontally
    expect(tall.toImage(75, 0)).toEqual({ x: 0, y: 0 });
  });

  it("zooms around the anchor: the image point under the cursor stays put", () => {
    const v = view();
    const before = v.toImage(300, 100);
    v.zoomAt(4, 300, 100);
    expect(v.scale).toBeCloseTo(1);
    const after = v.toImage(300, 100);
    expect(after.x).toBeCloseTo(before.x, 9);
    expect(after.y).toBeCloseTo(before.y, 9);
    v.zoomAt(1e6);
    expect(v.scale).toBe(MAX_SCALE);
    v.zoomAt(1e-9);
    expect(v.scale).toBeCloseTo(v.fitScale / 2);
    v.zoomAt(NaN);
    expect(v.scale).toBeCloseTo(v.fitScale / 2);
  });

  it("visibleRect is the part of the image in view, clipped to the image", () => {
    const v = view();
    expect(v.visibleRect()).toEqual({ x: 0, y: 0, w: 3840, h: 2160 });
    v.zoomAt(4, 0, 0); // 1:1 at the top-left
    expect(v.visibleRect()).toEqual({ x: 0, y: 0, w: 960, h: 540 });
    expect(v.isVisible({ x: 900, y: 500, w: 100, h: 100 })).toBe(true);
    expect(v.isVisible({ x: 1000, y: 10, w: 5, h: 5 })).toBe(false);
    v.panBy(-100, -50);
    const r = v.visibleRect();
    expect([r.x, r.y, r.w, r.h]).toEqual([100, 50, 960, 540]);
  });

  it("panning never loses the image", () => {
    const v = view();
    v.zoomAt(8);
    v.panBy(1e7, 1e7);
    expect(v.visibleRect().w).toBeGreaterThan(0);
    v.panBy(-1e8, -1e8);
    expect(v.visibleRect().w).toBeGreaterThan(0);
    expect(v.visibleRect().h).toBeGreaterThan(0);
  });

  it("clamps points to the image and keeps the centre when the view resizes", () => {
    const v = view(100, 50, 200, 100);
    expect(v.clampToImage({ x: -3, y: 70 })).toEqual({ x: 0, y: 50 });
    v.zoomAt(3, 50, 20);
    const centre = v.toImage(100, 50);
    v.setView(400, 300, 2);
    const again = v.toImage(200, 150);
    expect(again.x).toBeCloseTo(centre.x);
    expect(again.y).toBeCloseTo(centre.y);
    expect(v.dpr).toBe(2);
  });

  it("sizes the canvas for the device pixel ratio and draws only the visible source pixels", () => {
    const v = view(4000, 2000, 400, 200, 2);
    const canvas = document.createElement("canvas");
    v.sizeCanvas(canvas);
    expect([canvas.width, canvas.height, canvas.style.width, canvas.style.height]).toEqual([800, 400, "400px", "200px"]);
    v.zoomAt(10, 0, 0); // 1 image px = 1 css px = 2 device px
    const calls: unknown[][] = [];
    const ctx = {
      canvas, imageSmoothingEnabled: true,
      setTransform: () => undefined, clearRect: () => undefined,
      drawImage: (...args: unknown[]) => calls.push(args),
    } as unknown as CanvasRenderingContext2D;
    v.drawImage(ctx, {} as CanvasImageSource);
    expect(calls).toHaveLength(1);
    const [, sx, sy, sw, sh, dx, dy, dw, dh] = calls[0] as number[];
    expect([sx, sy, sw, sh]).toEqual([0, 0, 400, 200]); // not the 4000 x 2000 source
    expect([dx, dy, dw, dh]).toEqual([0, 0, 800, 400]);
    expect(ctx.imageSmoothingEnabled).toBe(false); // crisp: 2 device px per image px
    v.fit();
    v.drawImage(ctx, {} as CanvasImageSource);
    expect(ctx.imageSmoothingEnabled).toBe(true);
  });
});

describe("PanZoom", () => {
  function setup() {
    const root = document.createElement("div");
    const canvas = document.createElement("canvas");
    root.append(canvas);
    document.body.append(root);
    const v = view(1000, 1000, 500, 500);
    const onChange = vi.fn();
    const pz = new PanZoom(v, canvas, root, { onChange });
    return { root, canvas, v, onChange, pz };
  }

  it("wheel zooms around the cursor", () => {
    const { canvas, v, onChange, pz } = setup();
    const before = v.toImage(100, 50);
    const wheel = new WheelEvent("wheel", { deltaY: -100, bubbles: true, cancelable: true });
    Object.defineProperty(wheel, "clientX", { value: 100 }); // happy-dom's WheelEvent has no position
    Object.defineProperty(wheel, "clientY", { value: 50 });
    canvas.dispatchEvent(wheel);
    expect(wheel.defaultPrevented).toBe(true); // the page does not scroll
    expect(v.scale).toBeCloseTo(0.5 * 1.2);
    const after = v.toImage(100, 50);
    expect(after.x).toBeCloseTo(before.x);
    expect(onChange).toHaveBeenCalled();
    pz.dispose();
  });

  it("space-drag pans and takes the pointer from the tool; without space it does not", () => {
    const { root, canvas, v, pz } = setup();
    v.zoomAt(4);
    const tool = vi.fn();
    canvas.addEventListener("pointerdown", tool);
    const tx = v.tx;
    root.dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
    canvas.dispatchEvent(new PointerEvent("pointerdown", { button: 0, clientX: 10, clientY: 10, pointerId: 1 }));
    canvas.dispatchEvent(new PointerEvent("pointermove", { clientX: 40, clientY: 10, pointerId: 1 }));
    canvas.dispatchEvent(new PointerEvent("pointerup", { clientX: 40, clientY: 10, pointerId: 1 }));
    expect(v.tx).toBeCloseTo(tx + 30);
    expect(tool).not.toHaveBeenCalled();
    root.dispatchEvent(new KeyboardEvent("keyup", { key: " ", bubbles: true }));
    canvas.dispatchEvent(new PointerEvent("pointerdown", { button: 0, clientX: 10, clientY: 10, pointerId: 2 }));
    expect(tool).toHaveBeenCalledTimes(1);
    expect(pz.panning).toBe(false);
    pz.dispose();
  });

  it("zoomIn / zoomOut / fit", () => {
    const { v, pz } = setup();
    pz.zoomIn();
    expect(v.scale).toBeCloseTo(0.625);
    pz.zoomOut();
    expect(v.scale).toBeCloseTo(0.5);
    pz.zoomIn();
    pz.fit();
    expect(v.scale).toBe(0.5);
    pz.dispose();
  });
});

describe("FrameScheduler", () => {
  it("runs once per frame however often it is requested", async () => {
    const fn = vi.fn();
    const s = new FrameScheduler(fn);
    s.request();
    s.request();
    s.request();
    await new Promise((r) => setTimeout(r, 50));
    expect(fn).toHaveBeenCalledTimes(1);
    s.request();
    s.flush();
    expect(fn).toHaveBeenCalledTimes(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(fn).toHaveBeenCalledTimes(2);
  });
});

describe("ImagePyramid", () => {
  it("builds halved copies down to ~256 px and zoomed out reads the smallest sharp-enough one", async () => {
    const made: Array<{ w: number; h: number }> = [];
    vi.stubGlobal("createImageBitmap", async (_img: unknown, o: { resizeWidth: number; resizeHeight: number }) => {
      made.push({ w: o.resizeWidth, h: o.resizeHeight });
      return { width: o.resizeWidth, height: o.resizeHeight, close() {} };
    });
    const full = { width: 3840, height: 2160 } as unknown as ImageBitmap;
    const onLevel = vi.fn();
    const p = new ImagePyramid(full, onLevel);
    await new Promise((r) => setTimeout(r, 10));
    expect(made).toEqual([{ w: 1920, h: 1080 }, { w: 960, h: 540 }, { w: 480, h: 270 }]);
    expect(onLevel).toHaveBeenCalledTimes(3);
    expect(p.pick(1).factor).toBe(1);
    expect(p.pick(0.6).factor).toBe(1);
    expect(p.pick(0.5).factor).toBe(0.5);
    expect(p.pick(0.33).factor).toBe(0.5);
    expect(p.pick(0.2).factor).toBe(0.25);
    expect(p.pick(0.01).factor).toBe(0.125);

    const v = view(3840, 2160, 960, 540); // fit: 0.25 css px per image px
    const calls: unknown[][] = [];
    const ctx = {
      canvas: { width: 960, height: 540 }, imageSmoothingEnabled: false,
      setTransform: () => undefined, clearRect: () => undefined,
      drawImage: (...args: unknown[]) => calls.push(args),
    } as unknown as CanvasRenderingContext2D;
    v.drawImage(ctx, full, p);
    const [img, sx, sy, sw, sh, dx, dy, dw, dh] = calls[0] as [{ width: number }, ...number[]];
    expect(img.width).toBe(960); // the quarter copy: one source pixel per screen pixel
    expect([sx, sy, sw, sh, dx, dy, dw, dh]).toEqual([0, 0, 960, 540, 0, 0, 960, 540]);
    vi.unstubAllGlobals();
    p.dispose();
    expect(p.pick(0.2).factor).toBe(1);
  });
});

describe("elementPoint and listenPointer", () => {
  it("elementPoint: the event's point from the element's top-left corner", () => {
    const el = document.createElement("canvas");
    vi.spyOn(el, "getBoundingClientRect").mockReturnValue({ left: 30, top: 12 } as DOMRect);
    expect(elementPoint({ clientX: 45, clientY: 20 }, el)).toEqual({ x: 15, y: 8 });
  });

  it("listenPointer: down and move go to the tool, pointerup and pointercancel both end the press", () => {
    const el = document.createElement("canvas");
    const seen: string[] = [];
    listenPointer(el, { down: (e) => seen.push(`down ${e.type}`), move: (e) => seen.push(`move ${e.type}`), end: (e) => seen.push(`end ${e.type}`) });
    for (const type of ["pointerdown", "pointermove", "pointerup", "pointercancel", "pointerleave"]) el.dispatchEvent(new Event(type));
    expect(seen).toEqual(["down pointerdown", "move pointermove", "end pointerup", "end pointercancel"]);
  });
});
