// SegmentationCanvas's drawing: the label map as a colour overlay (rebuilt only where it changed),
// the best open model mask hatched beneath it, the polygon being drawn, the click-to-segment
// region and its clicks, the superpixels' edges (superpixel brush), composed into one frame.
import type { AnyModel } from "@anywidget/types";
import { classColour } from "../../lib/classes";
import type { SuperpixelMap } from "./assist";
import { itemKey } from "../../lib/items";
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
  private previewLayer: HTMLCanvasElement | null = null;
  private edgeLayer: HTMLCanvasElement | null = null;

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
    this.previewLayer = null;
    const sp = this.state.superpixels.get(itemKey(it.id));
    this.edgeLayer = null;
    if (sp) this.superpixelEdges(sp);
  }

  /** The click-to-segment region (state.preview) in the colour the current class paints. */
  preview(m: MaskState): void {
    const pv = this.state.preview;
    this.previewLayer = null;
    if (!pv) return;
    const layer = document.createElement("canvas");
    layer.width = m.width;
    layer.height = m.height;
    const ctx = layer.getContext("2d");
    if (!ctx) return;
    const img = ctx.createImageData(m.width, m.height);
    const value = this.state.paintValue();
    const c = value ? this.state.colourOf(value, m) : [255, 255, 255];
    const runs = pv.runs;
    for (let i = 0; i + 2 < runs.length; i += 3) {
      for (let p = runs[i] * m.width + runs[i + 1], end = p + runs[i + 2]; p < end; p++) {
        img.data[p * 4] = c[0];
        img.data[p * 4 + 1] = c[1];
        img.data[p * 4 + 2] = c[2];
        img.data[p * 4 + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    this.previewLayer = layer;
  }

  /** The superpixels' edges (a pixel whose right or lower neighbour is another superpixel). */
  superpixelEdges(sp: SuperpixelMap): void {
    const layer = document.createElement("canvas");
    layer.width = sp.width;
    layer.height = sp.height;
    const ctx = layer.getContext("2d");
    this.edgeLayer = null;
    if (!ctx) return;
    const img = ctx.createImageData(sp.width, sp.height);
    const { labels, width, height } = sp;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        if ((x + 1 < width && labels[i + 1] !== labels[i]) || (y + 1 < height && labels[i + width] !== labels[i])) {
          img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = img.data[i * 4 + 3] = 255;
        }
      }
    }
    ctx.putImageData(img, 0, 0);
    this.edgeLayer = layer;
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
    if (state.tool === "superpixel" && this.edgeLayer) drawLayer(viewport, ctx, this.edgeLayer, 0.45);
    if (state.tool === "assist" && state.preview && this.previewLayer) drawLayer(viewport, ctx, this.previewLayer, 0.6);
    viewport.screenTransform(ctx);
    if (state.polygon.length) this.polygon(ctx);
    if (state.tool === "assist" && state.clicks.length) this.clicks(ctx);
    this.root.dispatchEvent(new CustomEvent("hitl:frame", { detail: { ms: performance.now() - t0 } }));
  }

  /** The click-to-segment clicks: a green dot with "+" (the object), a red one with "−" (not this). */
  private clicks(ctx: CanvasRenderingContext2D): void {
    const { state, viewport } = this;
    ctx.setLineDash([]);
    for (const c of state.clicks) {
      const s = viewport.toScreen(c.x + 0.5, c.y + 0.5);
      ctx.beginPath();
      ctx.arc(s.x, s.y, 6, 0, 2 * Math.PI);
      ctx.fillStyle = c.positive ? "#1a9641" : "#d7191c";
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#ffffff";
      ctx.stroke();
      ctx.beginPath();
      ctx.moveTo(s.x - 3, s.y);
      ctx.lineTo(s.x + 3, s.y);
      if (c.positive) {
        ctx.moveTo(s.x, s.y - 3);
        ctx.lineTo(s.x, s.y + 3);
      }
      ctx.stroke();
    }
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
