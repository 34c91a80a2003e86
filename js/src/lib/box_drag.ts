// A box drawn on a fitted image canvas (drawBoxes), by mouse drag or by keyboard (start, arrows,
// keep / cancel): the tool state only. The view says what a kept box means and repaints.
import { Box, canvasPoint, centredBox, clampBox, nudgeBox } from "./boxes";

export interface BoxDragHooks {
  /** the image's size in pixels, or null when there is none to draw on */
  size: () => [number, number] | null;
  /** whether a box may be drawn now (else `refuse` says why); default: always */
  allowed?: () => boolean;
  refuse?: () => void;
  /** the box being drawn changed (repaint) */
  changed: () => void;
  /** a box was kept */
  keep: (box: Box) => void;
}

export class BoxDrag {
  /** the box being drawn (image pixels), or null */
  box: Box | null = null;
  private from: [number, number] | null = null;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly hooks: BoxDragHooks) {}

  /** Whether a box is being drawn by keyboard (not a mouse drag). */
  active(): boolean {
    return this.box !== null && this.from === null;
  }

  /** Start a box by keyboard: `initial`, else one in the middle of the image. */
  start(initial: Box | null = null): boolean {
    const size = this.hooks.size();
    if (!size || !this.permitted()) return false;
    this.box = initial ? clampBox(initial, size[0], size[1]) : centredBox(size[0], size[1]);
    this.hooks.changed();
    return true;
  }

  /** Arrows move the box by 1/32 of the image (Shift: resize). */
  nudge(e: KeyboardEvent): void {
    const size = this.hooks.size();
    if (!size || !this.box) return;
    const step = Math.max(1, Math.round(Math.max(size[0], size[1]) / 32));
    this.box = nudgeBox(this.box, e.key, e.shiftKey, step, size[0], size[1]);
    this.hooks.changed();
  }

  keep(): void {
    const box = this.box;
    this.box = this.from = null;
    this.hooks.changed();
    if (box) this.hooks.keep(box);
  }

  cancel(): void {
    this.reset();
    this.hooks.changed();
  }

  /** Forget the box without a repaint (the view steps to another item and repaints anyway). */
  reset(): void {
    this.box = this.from = null;
  }

  private permitted(): boolean {
    if (this.hooks.allowed && !this.hooks.allowed()) {
      this.hooks.refuse?.();
      return false;
    }
    return true;
  }

  /** Listen for mouse drags on the canvas (a drag of at least 2 px each way keeps the box);
   *  returns the function that stops listening. */
  listen(): () => void {
    const down = (e: MouseEvent) => {
      const size = this.hooks.size();
      if (!size || e.button !== 0) return;
      e.preventDefault();
      if (!this.permitted()) return;
      const from = canvasPoint(e, this.canvas, size[0], size[1]);
      this.from = from;
      this.box = clampBox([from[0], from[1], from[0] + 1, from[1] + 1], size[0], size[1]);
      this.hooks.changed();
    };
    const move = (e: MouseEvent) => {
      const size = this.hooks.size();
      if (!this.from || !size) return;
      const [x, y] = canvasPoint(e, this.canvas, size[0], size[1]);
      this.box = clampBox([this.from[0], this.from[1], x, y], size[0], size[1]);
      this.hooks.changed();
    };
    const up = () => {
      if (!this.from) return;
      this.from = null;
      const b = this.box;
      if (b && b[2] - b[0] >= 2 && b[3] - b[1] >= 2) this.keep();
      else this.cancel();
    };
    this.canvas.addEventListener("mousedown", down);
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
    return () => {
      this.canvas.removeEventListener("mousedown", down);
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", up);
    };
  }
}
