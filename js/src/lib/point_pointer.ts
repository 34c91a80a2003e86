// Mouse on the point view: orbit / pan / zoom, and the selection gestures (lasso, box, brush)
// drawn on a 2D overlay. Right-drag orbits and middle-drag pans in every tool; in the orbit tool
// the left button orbits (Shift: pans). A selection starts as replace, Shift adds, Alt subtracts.
import type { OrbitCamera } from "./camera3d";
import { boxPolygon, type Combine } from "./selection";

export type Tool = "orbit" | "lasso" | "box" | "brush";

export interface PointerHooks {
  camera: OrbitCamera;
  tool: () => Tool;
  brushRadius: () => number;
  /** the camera moved: redraw */
  moved: () => void;
  /** a lasso or box closed: select inside `polygon` (CSS px of the canvas) */
  polygon: (polygon: number[], how: Combine) => void;
  /** a brush dab at (x, y); `first`: the stroke's first (a replace clears the selection then) */
  brush: (x: number, y: number, how: Combine, first: boolean) => void;
}

type Drag = { kind: "orbit" | "pan" | "lasso" | "box" | "brush"; x: number; y: number; how: Combine; path: number[] };

export class PointerControl {
  private drag: Drag | undefined;
  private readonly ctx: CanvasRenderingContext2D | null;
  private readonly off: Array<() => void> = [];

  constructor(private readonly surface: HTMLElement, private readonly overlay: HTMLCanvasElement, private readonly hooks: PointerHooks) {
    this.ctx = overlay.getContext("2d");
    const on = <K extends keyof HTMLElementEventMap>(type: K, fn: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      surface.addEventListener(type, fn, opts);
      this.off.push(() => surface.removeEventListener(type, fn));
    };
    on("mousedown", (e) => this.down(e));
    on("mousemove", (e) => this.move(e));
    on("mouseup", (e) => this.up(e));
    on("mouseleave", (e) => this.up(e));
    on("contextmenu", (e) => e.preventDefault());
    on("wheel", (e) => {
      e.preventDefault();
      hooks.camera.zoom(Math.exp(e.deltaY * 0.001));
      hooks.moved();
    }, { passive: false });
  }

  /** Whether a selection gesture is under way (Escape cancels it). */
  get busy(): boolean {
    return this.drag !== undefined && ["lasso", "box", "brush"].includes(this.drag.kind);
  }

  cancel(): void {
    this.drag = undefined;
    this.clearOverlay();
  }

  private at(e: MouseEvent): [number, number] {
    const r = this.surface.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  }

  private down(e: MouseEvent): void {
    const [x, y] = this.at(e);
    const how: Combine = e.shiftKey ? "add" : e.altKey ? "subtract" : "replace";
    const tool = this.hooks.tool();
    let kind: Drag["kind"];
    if (e.button === 2) kind = "orbit";
    else if (e.button === 1) kind = "pan";
    else if (tool === "orbit") kind = e.shiftKey ? "pan" : "orbit";
    else kind = tool;
    e.preventDefault();
    this.drag = { kind, x, y, how, path: [x, y] };
    if (kind === "brush") {
      this.hooks.brush(x, y, how, true);
      this.drawBrush(x, y);
    }
  }

  private move(e: MouseEvent): void {
    const [x, y] = this.at(e);
    const d = this.drag;
    if (!d) {
      if (this.hooks.tool() === "brush") this.drawBrush(x, y);
      return;
    }
    if (d.kind === "orbit" || d.kind === "pan") {
      if (d.kind === "orbit") this.hooks.camera.orbit(x - d.x, y - d.y);
      else this.hooks.camera.pan(x - d.x, y - d.y, this.surface.clientHeight);
      [d.x, d.y] = [x, y];
      this.hooks.moved();
    } else if (d.kind === "lasso") {
      d.path.push(x, y);
      this.drawPath(d.path, true);
    } else if (d.kind === "box") {
      d.path = boxPolygon(d.path[0], d.path[1], x, y);
      this.drawPath(d.path, true);
    } else {
      this.hooks.brush(x, y, d.how, false);
      this.drawBrush(x, y);
    }
  }

  private up(e: MouseEvent): void {
    const d = this.drag;
    if (!d) return;
    this.drag = undefined;
    if (d.kind === "lasso" || d.kind === "box") {
      if (e.type === "mouseup" && d.path.length >= 6) this.hooks.polygon(d.path, d.how);
      this.clearOverlay();
    }
  }

  private clearOverlay(): void {
    this.ctx?.clearRect(0, 0, this.overlay.width, this.overlay.height);
  }

  private scaled(): number {
    return this.overlay.width / Math.max(1, this.overlay.clientWidth);
  }

  private drawPath(path: number[], closed: boolean): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const s = this.scaled();
    this.clearOverlay();
    ctx.beginPath();
    for (let k = 0; k < path.length; k += 2) ctx[k ? "lineTo" : "moveTo"](path[k] * s, path[k + 1] * s);
    if (closed) ctx.closePath();
    ctx.strokeStyle = "#ffff00";
    ctx.lineWidth = 1.5 * s;
    ctx.setLineDash([4 * s, 3 * s]);
    ctx.stroke();
  }

  private drawBrush(x: number, y: number): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const s = this.scaled();
    this.clearOverlay();
    ctx.beginPath();
    ctx.arc(x * s, y * s, this.hooks.brushRadius() * s, 0, 2 * Math.PI);
    ctx.strokeStyle = "#ffff00";
    ctx.lineWidth = 1.5 * s;
    ctx.setLineDash([]);
    ctx.stroke();
  }

  dispose(): void {
    for (const off of this.off) off();
  }
}
