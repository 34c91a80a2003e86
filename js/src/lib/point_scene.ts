// What the point view shows: the frame, the selection, hidden classes and the colour mode, the
// orbit camera and the WebGL renderer. The camera matrix and its data attributes (for tests:
// data-view-projection, data-view-size on the canvas) update at once; the points are drawn on
// the next animation frame (several changes in one frame draw once: a software renderer takes a
// while over a million points).
import { OrbitCamera, type Mat4, type ViewName } from "./camera3d";
import { brushInto, type Combine, projectPoints, selectPolygonInto } from "./selection";
import { colourWriter, pointColours, type ColourMode } from "./point_colours";
import { robustBounds, type FrameData } from "./point_frame";
import { PointRenderer } from "./point_renderer";

export interface SceneOptions {
  stage: HTMLElement;
  canvas: HTMLCanvasElement;
  overlay: HTMLCanvasElement;
  height: () => number;
  pointSize: () => number;
  colours: () => string[];
}

const BACKGROUND: [number, number, number] = [17, 17, 17];
/** A renderer slower than this (ms for an off-screen image: software WebGL over ~1M points) gathers colour changes. */
const SLOW_MS = 100;
/** ...until none came for this long (a lasso, then its class key: one image) */
const QUIET_MS = 120;
/** ...but no longer after the first (a brush stroke still shows while it goes on) */
const MAX_WAIT_MS = 300;

export class PointScene {
  frame: FrameData | undefined;
  selected = new Uint8Array(0);
  readonly hidden = new Set<number>();
  mode: ColourMode = "label";
  readonly camera = new OrbitCamera();
  /** why the points cannot be drawn (no WebGL2), if so */
  readonly error: string | undefined;
  private readonly renderer: PointRenderer | undefined;
  private vp: Mat4 | undefined;
  private screen: Float64Array | undefined; // projected positions for the current camera (lazy)
  private screenFor: number[] = []; // the view-projection and size `screen` was projected with
  private rgba = new Uint8Array(0); // every point's colour, as uploaded
  private pending = false;
  private direct = false; // a draw since the last frame moved the camera or resized
  private again = false; // colours changed while an off-screen image was being drawn
  private drawnFor: number[] = [];
  private changedAt = 0; // the last colour change (performance.now())
  private waitingSince: number | undefined; // the first colour change not drawn yet
  private quiet: number | undefined; // the timer of a gathered colour redraw
  private issuedAt = 0; // when the off-screen image being drawn was asked for
  private rasterMs = 0; // how long the last off-screen image took to draw // the view-projection, canvas size and point size last drawn onto the canvas
  private draws = 0;

  constructor(private readonly o: SceneOptions) {
    try {
      this.renderer = new PointRenderer(o.canvas);
    } catch (e) {
      this.error = String(e);
    }
  }

  size(): [number, number] {
    return [this.o.stage.clientWidth || 800, this.o.height()];
  }

  /** Show a new frame (fit the camera to it when `fit`). */
  setFrame(frame: FrameData, fit: boolean): void {
    this.frame = frame;
    this.selected = new Uint8Array(frame.n);
    this.screen = undefined;
    this.renderer?.setPositions(frame.xyz);
    if (fit) this.camera.fit(...robustBounds(frame.xyz));
    this.direct = true; // new positions: drawn onto the canvas at once
    this.recolour();
  }

  setView(view: ViewName): void {
    if (this.frame) this.camera.fit(...robustBounds(this.frame.xyz), view);
    this.draw();
  }

  /** Draw on the next animation frame. `coloursOnly`: only colours changed (a selection, a
   *  label): unless the camera or the size changed too, the points are drawn off screen and shown
   *  once the GPU has drawn them, so that a slow (software) renderer does not hold up the keys
   *  that follow a lasso; one such image is drawn at a time, the latest colours the next. On a
   *  renderer that took over SLOW_MS for the last such image, colour changes are gathered first:
   *  drawn once none came for QUIET_MS (at most MAX_WAIT_MS after the first), so that a lasso and
   *  the class key that follows cost one image, not two, and the paint does not travel to the
   *  kernel while the renderer takes every CPU. */
  draw(coloursOnly = false): void {
    const [w, h] = this.size();
    this.o.stage.style.height = `${h}px`;
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.o.canvas, this.o.overlay]) {
      if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) [c.width, c.height] = [Math.round(w * dpr), Math.round(h * dpr)];
    }
    const vp = (this.vp = this.camera.viewProjection(w / h));
    this.o.canvas.dataset.viewProjection = JSON.stringify(Array.from(vp));
    this.o.canvas.dataset.viewSize = JSON.stringify([w, h]);
    if (!coloursOnly) this.direct = true;
    else {
      this.changedAt = performance.now();
      this.waitingSince ??= this.changedAt;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => this.frameDraw());
  }

  private frameDraw(): void {
    this.pending = false;
    const r = this.renderer;
    if (!this.frame || !r || !this.vp) return;
    const key = [...this.vp, this.o.canvas.width, this.o.canvas.height, this.o.pointSize()];
    const same = key.length === this.drawnFor.length && key.every((v, k) => v === this.drawnFor[k]);
    if (this.direct || !same) {
      this.direct = this.again = false;
      this.waitingSince = undefined;
      clearTimeout(this.quiet);
      this.quiet = undefined;
      r.draw(this.vp, this.o.pointSize(), BACKGROUND);
      this.drawnFor = key;
      this.o.canvas.dataset.drawn = String(++this.draws);
    } else if (r.offscreenPending) {
      this.again = true; // drawn once the image being drawn is shown
    } else if (this.waitingSince !== undefined) {
      const now = performance.now();
      const wait = this.rasterMs > SLOW_MS ? Math.min(this.changedAt + QUIET_MS, this.waitingSince + MAX_WAIT_MS) - now : 0;
      if (wait > 0) {
        if (this.quiet === undefined) this.quiet = window.setTimeout(() => { this.quiet = undefined; this.schedule(); }, wait);
        return;
      }
      this.waitingSince = undefined;
      this.issuedAt = now;
      r.drawOffscreen(this.vp, this.o.pointSize(), BACKGROUND);
      this.watch();
    }
  }

  /** Show the off-screen image once the GPU has drawn it (checked each frame), then draw the next. */
  private watch(): void {
    requestAnimationFrame(() => {
      const r = this.renderer;
      if (!r || !r.offscreenPending) return; // a direct draw replaced it
      if (!r.ready()) return this.watch();
      this.rasterMs = performance.now() - this.issuedAt;
      r.present();
      this.o.canvas.dataset.drawn = String(++this.draws);
      this.o.canvas.dataset.rasterMs = String(Math.round(this.rasterMs));
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
  }

  /** Colour every point again (labels, selection, hidden classes or mode changed) and draw. */
  recolour(): void {
    if (!this.frame) return;
    if (this.rgba.length !== 4 * this.frame.n) this.rgba = new Uint8Array(4 * this.frame.n);
    this.renderer?.setColours(pointColours(this.frame, this.colourOptions(), this.rgba));
    this.draw(true);
  }

  private colourOptions() {
    return { mode: this.mode, colours: this.o.colours(), hidden: this.hidden, selected: this.selected };
  }

  /** Change the selection through `change` (it calls back each point whose selection changed)
   *  and recolour only those points: one upload of the range they span (bufferSubData), then draw. */
  private reselect(change: (changed: (i: number) => void) => [number, number]): void {
    if (!this.frame) return;
    if (this.rgba.length !== 4 * this.frame.n) {
      change(() => undefined);
      this.recolour();
      return;
    }
    const write = colourWriter(this.frame, this.colourOptions());
    const rgba = this.rgba;
    const selected = this.selected;
    const [lo, hi] = change((i) => {
      if (!selected[i]) return write(i, rgba);
      rgba[4 * i] = 255; // selected: yellow, always drawn (what write() gives, without its branches)
      rgba[4 * i + 1] = 255;
      rgba[4 * i + 2] = 0;
      rgba[4 * i + 3] = 255;
    });
    if (lo >= hi) return;
    this.renderer?.setColours(rgba, lo, hi);
    this.draw(true);
  }

  selectedCount(): number {
    let n = 0;
    for (let i = 0; i < this.selected.length; i++) n += this.selected[i];
    return n;
  }

  private projected(): Float64Array {
    if (!this.frame || !this.vp) return new Float64Array(0);
    const [w, h] = this.size();
    const key = [...this.vp, w, h];
    if (!this.screen || key.some((v, k) => v !== this.screenFor[k])) {
      this.screen = projectPoints(this.frame.xyz, this.vp, w, h);
      this.screenFor = key;
    }
    return this.screen;
  }

  /** Points a selection may take: drawn ones (a hidden class is not drawn); undefined: all. */
  private drawn(): ((i: number) => boolean) | undefined {
    const frame = this.frame;
    if (!frame || !this.hidden.size) return undefined;
    const labels = frame.labels, hidden = this.hidden;
    return (i) => !hidden.has(labels[i]);
  }

  /** Select the points drawn inside `polygon` (CSS px), combined with the selection by `how`;
   *  recolours the points that changed. */
  selectPolygon(polygon: number[], how: Combine): void {
    if (!this.frame) return;
    const screen = this.projected(), allowed = this.drawn();
    this.reselect((changed) => selectPolygonInto(screen, polygon, this.selected, how, allowed, changed));
  }

  /** Deselect every point, recolouring only those that were selected (after a paint of the
   *  selection their labels changed too: each is coloured from its label now). */
  deselect(): void {
    const selected = this.selected;
    this.reselect((changed) => {
      let lo = selected.length, hi = 0;
      for (let i = 0; i < selected.length; i++) {
        if (!selected[i]) continue;
        selected[i] = 0;
        changed(i);
        if (i < lo) lo = i;
        hi = i + 1;
      }
      return [lo, hi];
    });
  }

  brush(x: number, y: number, radius: number, how: Combine, first: boolean): void {
    if (!this.frame) return;
    const screen = this.projected(), allowed = this.drawn(), selected = this.selected;
    this.reselect((changed) => {
      let lo = selected.length, hi = 0;
      if (first && how === "replace") {
        for (let i = 0; i < selected.length; i++) {
          if (!selected[i]) continue;
          selected[i] = 0;
          changed(i);
          if (i < lo) lo = i;
        hi = i + 1;
        }
      }
      const [a, b] = brushInto(screen, x, y, radius, selected, how === "subtract" ? "subtract" : "add", allowed, changed);
      return [Math.min(lo, a), Math.max(hi, b)];
    });
  }

  dispose(): void {
    clearTimeout(this.quiet);
    this.renderer?.dispose();
  }
}
