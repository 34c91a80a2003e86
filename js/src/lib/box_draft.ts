// A box being drawn on an image shown with drawBoxes (lib/boxes.ts): dragged with the mouse, or
// started with a key and moved / resized with the arrows. A press without a drag is a click (a
// point in image pixels), so a view can pick what is under it instead. drawingKeys: the keys of a
// box drawn by keyboard (this one, or lib/box_drag.ts's).
import { Box, canvasPoint, centredBox, clampBox, nudgeBox } from "./boxes";
import type { HelpOverlay } from "./help";
import type { Binding } from "./keyboard";

export interface DraftHost {
  canvas: HTMLCanvasElement;
  /** the widget's root: takes the focus back on a press */
  root: HTMLElement;
  /** the image's size in pixels, or null when none is shown */
  size: () => [number, number] | null;
  /** whether a box may be drawn now (else `refuse` says why) */
  canStart: () => boolean;
  refuse: () => void;
  repaint: () => void;
  /** a box was drawn (at least 2 pixels each way) */
  keep: (box: Box) => void;
  /** a press without a drag, at this point of the image */
  click?: (point: [number, number]) => void;
  /** a press at this point: true when the view takes it (e.g. to move a box), so no box is drawn */
  press?: (point: [number, number], e: MouseEvent) => boolean;
}

/** The smallest drag that draws a box, in image pixels each way. */
const MIN_SIDE = 2;

export class BoxDraft {
  /** the box being drawn, image pixels */
  box: Box | null = null;
  /** where a mouse drag started */
  dragFrom: [number, number] | null = null;
  private dragged = false;

  constructor(private readonly host: DraftHost) {}

  /** Start a box to move with the arrows: `initial`, else one in the middle of the image. */
  start(initial?: Box): boolean {
    const size = this.host.size();
    if (!size || !this.host.canStart()) {
      this.host.refuse();
      return false;
    }
    this.box = initial ?? centredBox(size[0], size[1]);
    this.host.repaint();
    return true;
  }

  /** A box is being drawn by keyboard. */
  active(): boolean {
    return this.box !== null && this.dragFrom === null;
  }

  /** Arrows move the box (Shift: resize it), by 1/32 of the image's longer side. */
  nudge(e: KeyboardEvent): void {
    const size = this.host.size();
    if (!size || !this.box) return;
    const step = Math.max(1, Math.round(Math.max(size[0], size[1]) / 32));
    this.box = nudgeBox(this.box, e.key, e.shiftKey, step, size[0], size[1]);
    this.host.repaint();
  }

  keep(): void {
    const box = this.box;
    this.box = null;
    if (box) this.host.keep(box);
    this.host.repaint();
  }

  cancel(): void {
    this.box = null;
    this.dragFrom = null;
    this.host.repaint();
  }

  /** Listen for presses and drags on the canvas; returns the function that stops listening. */
  listen(): () => void {
    const { canvas, root } = this.host;
    const onDown = (e: MouseEvent) => {
      const size = this.host.size();
      if (!size || e.button !== 0) return;
      e.preventDefault();
      root.focus({ preventScroll: true });
      const from = canvasPoint(e, canvas, size[0], size[1]);
      if (this.host.press?.(from, e)) return;
      this.dragFrom = from;
      this.dragged = false;
    };
    const onMove = (e: MouseEvent) => {
      const size = this.host.size();
      const from = this.dragFrom;
      if (!from || !size) return;
      const [x, y] = canvasPoint(e, canvas, size[0], size[1]);
      if (!this.dragged && Math.abs(x - from[0]) < MIN_SIDE && Math.abs(y - from[1]) < MIN_SIDE) return;
      if (!this.dragged) {
        this.dragged = true;
        if (!this.host.canStart()) {
          this.dragFrom = null;
          this.host.refuse();
          return;
        }
      }
      this.box = clampBox([from[0], from[1], x, y], size[0], size[1]);
      this.host.repaint();
    };
    const onUp = () => {
      const from = this.dragFrom;
      if (!from) return;
      this.dragFrom = null;
      if (!this.dragged) {
        this.host.click?.(from);
        return;
      }
      const b = this.box;
      if (b && b[2] - b[0] >= MIN_SIDE && b[3] - b[1] >= MIN_SIDE) this.keep();
      else this.cancel();
    };
    canvas.addEventListener("mousedown", onDown);
    window.addEventListener("mousemove", onMove);
    window.addEventListener("mouseup", onUp);
    return () => {
      canvas.removeEventListener("mousedown", onDown);
      window.removeEventListener("mousemove", onMove);
      window.removeEventListener("mouseup", onUp);
    };
  }
}

/** The region under an image point: the smallest box containing it (boxes as [x0, y0, x1, y1]). */
export function boxAt<T>(regions: Array<{ box: Box; value: T }>, point: [number, number]): T | undefined {
  const [x, y] = point;
  let best: { area: number; value: T } | undefined;
  for (const r of regions) {
    const [x0, y0, x1, y1] = r.box;
    if (x < x0 || x > x1 || y < y0 || y > y1) continue;
    const area = (x1 - x0) * (y1 - y0);
    if (!best || area < best.area) best = { area, value: r.value };
  }
  return best?.value;
}

/** A box drawn by keyboard (BoxDraft, BoxDrag). */
export interface KeyboardBox {
  /** a box is being drawn by keyboard */
  active(): boolean;
  nudge(e: KeyboardEvent): void;
  keep(): void;
  cancel(): void;
}

/** The keys of `box` while it is drawn by keyboard, in the order the "?" overlay lists them: the
 *  arrows move it (Shift: resize), Enter keeps it (`keepText` says as what), Escape cancels it
 *  (not while the help is open: there Escape closes it). `noun` names the box. */
export function drawingKeys(box: KeyboardBox, help: Pick<HelpOverlay, "open">, keepText = "keep it", noun = "box"): [Binding, Binding, Binding] {
  return [
    { keys: ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"], description: `while drawing a ${noun}: move it (Shift: resize)`,
      when: () => box.active(), run: (e) => box.nudge(e) },
    { keys: ["Enter"], description: `while drawing a ${noun}: ${keepText}`, when: () => box.active(), run: () => box.keep() },
    { keys: ["Escape"], description: `while drawing a ${noun}: cancel it`, when: () => box.active() && !help.open, run: () => box.cancel() },
  ];
}
