// What the point view shows: the frame, the selection, hidden classes and the colour mode, the
// orbit camera and the WebGL renderer. The camera matrix and its data attributes (for tests:
// data-view-projection, data-view-size on the canvas) update at once; the points are drawn on
// the next animation frame (several changes in one frame draw once: a software renderer takes a
// while over a million points).
import { OrbitCamera, type Mat4, type ViewName } from "./camera3d";
import { brushAt, combine, type Combine, projectPoints, selectPolygon } from "./selection";
import { pointColours, type ColourMode } from "./point_colours";
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
  private pending = false;
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
    this.renderer?.setPositions(frame.xyz);
    if (fit) this.camera.fit(...robustBounds(frame.xyz));
    this.recolour();
  }

  setView(view: ViewName): void {
    if (this.frame) this.camera.fit(...robustBounds(this.frame.xyz), view);
    this.draw();
  }

  draw(): void {
    const [w, h] = this.size();
    this.o.stage.style.height = `${h}px`;
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.o.canvas, this.o.overlay]) {
      if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) [c.width, c.height] = [Math.round(w * dpr), Math.round(h * dpr)];
    }
    const vp = (this.vp = this.camera.viewProjection(w / h));
    this.screen = undefined;
    this.o.canvas.dataset.viewProjection = JSON.stringify(Array.from(vp));
    this.o.canvas.dataset.viewSize = JSON.stringify([w, h]);
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      if (!this.frame || !this.renderer || !this.vp) return;
      this.renderer.draw(this.vp, this.o.pointSize(), BACKGROUND);
      this.o.canvas.dataset.drawn = String(++this.draws);
    });
  }

  /** Colour every point again (labels, selection, hidden classes or mode changed) and draw. */
  recolour(): void {
    if (!this.frame) return;
    this.renderer?.setColours(pointColours(this.frame, { mode: this.mode, colours: this.o.colours(), hidden: this.hidden, selected: this.selected }));
    this.draw();
  }

  selectedCount(): number {
    let n = 0;
    for (let i = 0; i < this.selected.length; i++) n += this.selected[i];
    return n;
  }

  private projected(): Float64Array {
    if (!this.frame || !this.vp) return new Float64Array(0);
    if (!this.screen) {
      const [w, h] = this.size();
      this.screen = projectPoints(this.frame.xyz, this.vp, w, h);
    }
    return this.screen;
  }

  /** Points a selection may take: drawn ones (a hidden class is not drawn). */
  private readonly drawn = (i: number) => !!this.frame && !this.hidden.has(this.frame.labels[i]);

  selectPolygon(polygon: number[], how: Combine): void {
    if (!this.frame) return;
    combine(this.selected, selectPolygon(this.projected(), polygon, this.drawn), how);
    this.recolour();
  }

  brush(x: number, y: number, radius: number, how: Combine, first: boolean): void {
    if (!this.frame) return;
    if (first && how === "replace") this.selected.fill(0);
    const fresh = new Uint8Array(this.frame.n);
    brushAt(this.projected(), x, y, radius, fresh, this.drawn);
    combine(this.selected, fresh, how === "subtract" ? "subtract" : "add");
    this.recolour();
  }

  dispose(): void {
    this.renderer?.dispose();
  }
}
