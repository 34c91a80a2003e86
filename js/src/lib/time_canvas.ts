// A canvas over one time axis in seconds, held as a TimeScale over samples (AVAlignReview's
// timeline, TranscriptReview's waveform): sized to its parent's width at the device pixel ratio,
// drawn in the theme's colours; the wheel zooms at the pointer (Shift+wheel pans); presses, moves
// and releases go to the subclass (moves and releases from the whole window, for drags). It is
// redrawn when its box is resized or the page's theme changes (redrawOnResize).
import { onThemeChange } from "./contrast";
import { TimeScale } from "./timeline";
import { elementPoint, Point } from "./viewport";

/** The value of the theme's custom property `name` (e.g. "--hitl-fg") for this frame, or `fallback`. */
export type ThemeColour = (name: string, fallback: string) => string;

export abstract class TimeCanvas {
  /** the view, in samples */
  readonly scale = new TimeScale(1, 1);
  /** samples per second */
  rate = 16000;
  private readonly off: Array<() => void> = [];

  /** `height`: CSS px; `changed`: the view moved (zoom, pan): repaint. */
  constructor(readonly canvas: HTMLCanvasElement, private readonly height: number, private readonly changed: () => void) {
    const on = <K extends keyof HTMLElementEventMap>(el: HTMLElement | Window, type: K, fn: (e: HTMLElementEventMap[K]) => void) => {
      el.addEventListener(type, fn as EventListener);
      this.off.push(() => el.removeEventListener(type, fn as EventListener));
    };
    on(canvas, "mousedown", (e) => this.down(e));
    on(window, "mousemove", (e) => this.move(e));
    on(window, "mouseup", (e) => this.up(e));
    on(canvas, "wheel", (e) => this.wheel(e));
  }

  protected abstract down(e: MouseEvent): void;
  protected abstract move(e: MouseEvent): void;
  protected abstract up(e: MouseEvent): void;
  /** Write what the browser tests read into the canvas's dataset (at every frame). */
  protected abstract expose(): void;

  /** x (CSS px) of time `t` (s). */
  xOf(t: number): number {
    return this.scale.frameToX(t * this.rate);
  }

  /** Keep `t` (s) in view (pages by half a view when it leaves it). */
  follow(t: number): void {
    this.scale.follow(t * this.rate);
  }

  /** Zoom by `factor` (> 1: in) at `anchorX`, to at most 8 px a sample. */
  zoom(factor: number, anchorX?: number): void {
    this.scale.zoom(factor, anchorX);
    this.scale.span = Math.max(this.scale.span, Math.min(this.scale.count, this.scale.width / 8));
    this.changed();
  }

  /** Begin a frame: the canvas sized to its parent's width (at least 50 px) × `height`, the scale
   *  that wide, expose(), then the background painted. Null: no 2D context. */
  protected begin(): { ctx: CanvasRenderingContext2D; width: number; colour: ThemeColour } | null {
    const width = Math.max(50, this.canvas.parentElement?.clientWidth ?? 600);
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(this.height * dpr);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${this.height}px`;
    }
    this.scale.width = width;
    this.expose();
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return null;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(this.canvas);
    const colour: ThemeColour = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
    ctx.fillStyle = colour("--hitl-bg-alt", "#f4f4f4");
    ctx.fillRect(0, 0, width, this.height);
    return { ctx, width, colour };
  }

  /** The CSS-pixel point of a mouse event over the canvas. */
  protected pos(e: MouseEvent): Point {
    return elementPoint(e, this.canvas);
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    if (e.shiftKey) this.scale.pan(e.deltaY || e.deltaX);
    else this.zoom(e.deltaY < 0 ? 1.25 : 0.8, this.pos(e).x);
    this.changed();
  }

  dispose(): void {
    for (const off of this.off) off();
  }
}

/** Call `redraw` whenever `box` is resized or the page's theme changes (a canvas draws in the
 *  theme's colours at its box's width); returns the function that stops both. */
export function redrawOnResize(box: Element, redraw: () => void): () => void {
  const resize = new ResizeObserver(() => redraw());
  resize.observe(box);
  const unTheme = onThemeChange(redraw);
  return () => {
    resize.disconnect();
    unTheme();
  };
}
