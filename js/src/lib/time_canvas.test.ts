import { afterEach, describe, expect, it, vi } from "vitest";
import { redrawOnResize, TimeCanvas } from "./time_canvas";

/** A TimeCanvas that logs what reaches it. */
class Probe extends TimeCanvas {
  readonly log: string[] = [];
  protected down(e: MouseEvent): void {
    this.log.push(`down ${this.pos(e).x},${this.pos(e).y}`);
  }
  protected move(): void {
    this.log.push("move");
  }
  protected up(): void {
    this.log.push("up");
  }
  protected expose(): void {
    this.log.push(`expose ${this.scale.width}`);
  }
  frame() {
    return this.begin();
  }
}

/** A wheel event with these fields (happy-dom's WheelEvent takes only some of them). */
function wheel(fields: { deltaY: number; clientX?: number; shiftKey?: boolean }): WheelEvent {
  const e = new WheelEvent("wheel", { cancelable: true });
  const all = { deltaX: 0, clientX: 0, clientY: 0, shiftKey: false, ...fields };
  Object.defineProperties(e, Object.fromEntries(Object.entries(all).map(([k, value]) => [k, { value }])));
  return e;
}

function setup(parentWidth = 300) {
  const box = document.createElement("div");
  Object.defineProperty(box, "clientWidth", { value: parentWidth });
  const canvas = document.createElement("canvas");
  box.append(canvas);
  vi.spyOn(canvas, "getBoundingClientRect").mockReturnValue({ left: 10, top: 20, width: parentWidth, height: 100 } as DOMRect);
  const changed = vi.fn();
  const probe = new Probe(canvas, 100, changed);
  probe.scale.count = 16000 * 10; // ten seconds at 16 kHz
  probe.scale.width = parentWidth;
  probe.scale.fit();
  return { canvas, probe, changed };
}

describe("TimeCanvas", () => {
  afterEach(() => vi.restoreAllMocks());

  it("sizes the canvas to its parent's width × height at the device pixel ratio, exposes, paints the background", () => {
    vi.spyOn(window, "devicePixelRatio", "get").mockReturnValue(2);
    const { canvas, probe } = setup(300);
    const ctx = { setTransform: vi.fn(), fillRect: vi.fn(), fillStyle: "" };
    vi.spyOn(canvas, "getContext").mockReturnValue(ctx as unknown as RenderingContext);
    const frame = probe.frame();
    expect([canvas.width, canvas.height, canvas.style.width, canvas.style.height]).toEqual([600, 200, "300px", "100px"]);
    expect(probe.log).toEqual(["expose 300"]);
    expect(frame?.width).toBe(300);
    expect(ctx.setTransform).toHaveBeenCalledWith(2, 0, 0, 2, 0, 0);
    expect(ctx.fillRect).toHaveBeenCalledWith(0, 0, 300, 100);
    expect(frame?.colour("--hitl-not-set", "#123")).toBe("#123");
  });

  it("still exposes without a 2D context, and then returns null", () => {
    const { canvas, probe } = setup(30);
    vi.spyOn(canvas, "getContext").mockReturnValue(null);
    expect(probe.frame()).toBeNull();
    expect(probe.log).toEqual(["expose 50"]); // at least 50 px wide
  });

  it("maps seconds to x and follows a time out of view", () => {
    const { probe } = setup(300);
    expect(probe.xOf(5)).toBe(150);
    probe.zoom(10, 0); // the first second in view
    expect(probe.xOf(0.5)).toBeCloseTo(150);
    probe.follow(8);
    expect(probe.xOf(8)).toBeCloseTo(150); // paged to put it in the middle
  });

  it("zooms at most to 8 px a sample, and says the view changed", () => {
    const { probe, changed } = setup(300);
    probe.zoom(1e9);
    expect(probe.scale.span).toBe(300 / 8);
    expect(changed).toHaveBeenCalledTimes(1);
  });

  it("wheel zooms in at the pointer, Shift+wheel pans; presses, moves and releases reach the subclass until dispose", () => {
    const { canvas, probe, changed } = setup(300);
    canvas.dispatchEvent(wheel({ deltaY: -1, clientX: 10 }));
    expect(probe.scale.span).toBeCloseTo(160000 / 1.25);
    expect(probe.scale.start).toBe(0); // anchored at x 0
    expect(changed).toHaveBeenCalledTimes(2); // the zoom, then the wheel
    canvas.dispatchEvent(wheel({ deltaY: 30, shiftKey: true }));
    expect(probe.scale.start).toBeGreaterThan(0);
    canvas.dispatchEvent(new MouseEvent("mousedown", { clientX: 15, clientY: 27 }));
    window.dispatchEvent(new MouseEvent("mousemove"));
    window.dispatchEvent(new MouseEvent("mouseup"));
    expect(probe.log).toEqual(["down 5,7", "move", "up"]);
    probe.dispose();
    canvas.dispatchEvent(new MouseEvent("mousedown"));
    window.dispatchEvent(new MouseEvent("mouseup"));
    canvas.dispatchEvent(wheel({ deltaY: -1, clientX: 10 }));
    expect(probe.log).toHaveLength(3);
    expect(changed).toHaveBeenCalledTimes(3);
  });
});

describe("redrawOnResize", () => {
  it("redraws when the box is resized, until stopped", () => {
    const observers: Array<{ fire: () => void; observed: Element[]; disconnected: boolean }> = [];
    vi.stubGlobal("ResizeObserver", class {
      observed: Element[] = [];
      disconnected = false;
      constructor(private readonly cb: () => void) {
        observers.push(this as never);
      }
      fire() {
        this.cb();
      }
      observe(el: Element) {
        this.observed.push(el);
      }
      disconnect() {
        this.disconnected = true;
      }
    });
    const box = document.createElement("div");
    const redraw = vi.fn();
    const stop = redrawOnResize(box, redraw);
    expect(observers[0].observed).toEqual([box]);
    observers[0].fire();
    expect(redraw).toHaveBeenCalledTimes(1);
    stop();
    expect(observers[0].disconnected).toBe(true);
    vi.unstubAllGlobals();
  });
});
