// SegmentationCanvas's drawing: the label map as a colour overlay (rebuilt only where it changed),
// the best open model mask hatched beneath it, the polygon being drawn, composed into one frame.
import type { AnyModel } from "@anywidget/types";
import { classColour } from "../../lib/classes";
import { setText } from "../../lib/dom";
import type { ItemInfo } from "../../lib/items";
import type { Box } from "../../lib/runs";
import { drawLayer, FrameScheduler, Viewport } from "../../lib/viewport";
import type { SegLayout } from "./layout";
import { decodeCocoRle, MaskState, SegModel } from "./model";
import type { SegState } from "./state";

export class MaskLayers {
  /** asks for a frame (drawn once per animation frame, however often asked) */
  readonly scheduler = new FrameScheduler(() => this.draw());
  private overlay: HTMLCanvasElement | null = null;
  private overlayData: ImageData | null = null;
  private proposalLayer: HTMLCanvasElement | null = null;

  constructor(
    private readonly model: AnyModel<SegModel>,
    private readonly root: HTMLElement,
    private readonly ui: SegLayout,
    private readonly state: SegState,
    private readonly viewport: Viewport,
  ) {}

  /** New layers for item `it` with mask `m`. */
  setup(it: ItemInfo, m: MaskState): void {
    this.overlay = document.createElement("canvas");
    this.overlay.width = m.width;
    this.overlay.height = m.height;
    const octx = this.overlay.getContext("2d");
    this.overlayData = octx ? octx.createImageData(m.width, m.height) : null;
    this.rebuild(m);
    this.proposals(it, m);
  }

  /** Repaint the overlay from `m`'s labels inside `box` (default: all of it). */
  rebuild(m: MaskState, box?: Box): void {
    if (!this.overlay || !this.overlayData) return;
    const { width, labels } = m;
    const data = this.overlayData.data;
    const b = box ?? { x0: 0, y0: 0, x1: m.width, y1: m.height };
    const colours = new Map<number, [number, number, number]>();
    for (let y = b.y0; y < b.y1; y++) {
      for (let x = b.x0; x < b.x1; x++) {
        const i = y * width + x;
        const v = labels[i];
        const o = i * 4;
        if (!v) {
          data[o + 3] = 0;
          continue;
        }
        let c = colours.get(v);
        if (!c) colours.set(v, (c = this.state.colourOf(v, m)));
        data[o] = c[0];
        data[o + 1] = c[1];
        data[o + 2] = c[2];
        data[o + 3] = 255;
      }
    }
    this.overlay.getContext("2d")?.putImageData(this.overlayData, 0, 0, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
  }

  /** The best open proposal of `it`, hatched (reads as "not yet yours"); none when all are taken. */
  proposals(it: ItemInfo, m: MaskState): void {
    const best = this.state.openProposals(it)[0];
    this.proposalLayer = null;
    if (!best) return;
    const layer = document.createElement("canvas");
    this.proposalLayer = layer;
    layer.width = m.width;
    layer.height = m.height;
    const pctx = layer.getContext("2d");
    if (!pctx) return;
    const img = pctx.createImageData(m.width, m.height);
    const bits = decodeCocoRle(best.rle);
    for (let i = 0; i < bits.length; i++) {
      if (!bits[i]) continue;
      const stripe = ((i % m.width) + Math.floor(i / m.width)) % 8 < 4;
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = stripe ? 255 : 40;
      img.data[i * 4 + 3] = 255;
    }
    pctx.putImageData(img, 0, 0);
  }

  private draw(): void {
    const { ui, state, viewport } = this;
    const t0 = performance.now();
    ui.stage.fitWidth(viewport, this.model.get("display_height"));
    setText(ui.zoomText, `${Math.round(viewport.scale * 100)}%`);
    const ctx = ui.canvas.getContext("2d");
    const it = state.item();
    if (!ctx || !it?.image) return;
    ui.stage.drawImage(ctx, viewport, it.image, () => this.scheduler.request());
    if (this.proposalLayer) drawLayer(viewport, ctx, this.proposalLayer, 0.35);
    if (this.overlay) drawLayer(viewport, ctx, this.overlay, this.model.get("opacity"));
    viewport.screenTransform(ctx);
    if (state.polygon.length) this.polygon(ctx);
    this.root.dispatchEvent(new CustomEvent("hitl:frame", { detail: { ms: performance.now() - t0 } }));
  }

  /** The polygon being drawn: its edges, and its vertices in the class colour. */
  private polygon(ctx: CanvasRenderingContext2D): void {
    const { state, viewport } = this;
    ctx.setLineDash([]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#ffffff";
    ctx.beginPath();
    state.polygon.forEach((p, k) => {
      const s = viewport.toScreen(p.x, p.y);
      if (k) ctx.lineTo(s.x, s.y);
      else ctx.moveTo(s.x, s.y);
    });
    ctx.stroke();
    ctx.fillStyle = classColour(state.currentClass);
    for (const p of state.polygon) {
      const s = viewport.toScreen(p.x, p.y);
      ctx.fillRect(s.x - 3, s.y - 3, 6, 6);
    }
  }
}
