// BBoxAnnotator's canvas frame: the image (through its pyramid), proposals dashed and boxes solid
// in their class colours (one path per class), class / score labels while few are in view, the
// selection with its handles, and the rubber band of a box being drawn.
import type { AnyModel } from "@anywidget/types";
import { ClassName, classColour } from "../../lib/classes";
import { FrameScheduler, Rect, Viewport } from "../../lib/viewport";
import { BBoxModel, handlePoints } from "./geometry";
import type { BoxLayout } from "./layout";
import type { BoxState } from "./state";

const LABEL_LIMIT = 250; // draw class/score text only when at most this many boxes are in view

type ClassRect = Rect & { class: ClassName };

export class BoxFrame {
  /** asks for a frame (drawn once per animation frame, however often asked) */
  readonly scheduler = new FrameScheduler(() => this.draw());

  constructor(
    private readonly model: AnyModel<BBoxModel>,
    private readonly root: HTMLElement,
    private readonly ui: BoxLayout,
    private readonly state: BoxState,
    private readonly viewport: Viewport,
  ) {}

  private draw(): void {
    const { ui, state, viewport } = this;
    const t0 = performance.now();
    const it = state.item();
    const ctx = ui.stage.beginFrame(viewport, this.model.get("display_height"), ui.zoomText, it?.image, () => this.scheduler.request());
    if (!ctx) return;
    let drawn = 0;
    if (it) {
      const v = viewport.visibleRect();
      const inView = (r: Rect) => r.x <= v.x + v.w && r.x + r.w >= v.x && r.y <= v.y + v.h && r.y + r.h >= v.y;
      const boxes = state.shownBoxes(it).filter(inView);
      const proposals = state.visibleProposals(it).filter(inView);
      drawn = boxes.length + proposals.length;
      this.strokeBatch(ctx, proposals, [6, 4], 1.5);
      this.strokeBatch(ctx, boxes, [], 2);
      if (drawn <= LABEL_LIMIT) {
        ctx.font = "12px sans-serif";
        ctx.textBaseline = "bottom";
        for (const p of proposals) this.label(ctx, p, `${p.class}${p.score === null ? "" : ` ${p.score.toFixed(2)}`}`);
        for (const b of boxes) this.label(ctx, b, String(b.class));
      }
      const sel = state.selectedRect(it);
      if (sel) this.selected(ctx, sel);
    }
    if (state.drawing) {
      const r = viewport.rectToScreen(state.drawing);
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = classColour(state.currentClass);
      ctx.strokeRect(r.x, r.y, r.w, r.h);
    }
    const { scale, tx, ty } = viewport;
    this.root.dispatchEvent(new CustomEvent("hitl:frame", { detail: { ms: performance.now() - t0, drawn, scale, tx, ty } }));
  }

  /** Outline the selection; a box gets its eight handles too. */
  private selected(ctx: CanvasRenderingContext2D, sel: Rect): void {
    const r = this.viewport.rectToScreen(sel);
    ctx.setLineDash([]);
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffffff";
    ctx.strokeRect(r.x - 2, r.y - 2, r.w + 4, r.h + 4);
    if (this.state.selection?.kind !== "box") return;
    ctx.fillStyle = "#ffffff";
    ctx.strokeStyle = "#000000";
    ctx.lineWidth = 1;
    for (const p of handlePoints(r)) {
      ctx.fillRect(p.x - 4, p.y - 4, 8, 8);
      ctx.strokeRect(p.x - 4, p.y - 4, 8, 8);
    }
  }

  /** Stroke `rects` with one path per class. */
  private strokeBatch(ctx: CanvasRenderingContext2D, rects: ClassRect[], dash: number[], width: number): void {
    ctx.setLineDash(dash);
    ctx.lineWidth = width;
    const byClass = new Map<number, Rect[]>();
    for (const r of rects) {
      const k = this.state.classIndex(r.class);
      (byClass.get(k) ?? byClass.set(k, []).get(k)!).push(r);
    }
    const { scale, tx, ty } = this.viewport;
    for (const [k, list] of byClass) {
      ctx.strokeStyle = classColour(k);
      ctx.beginPath();
      for (const r of list) ctx.rect(r.x * scale + tx, r.y * scale + ty, r.w * scale, r.h * scale);
      ctx.stroke();
    }
  }

  private label(ctx: CanvasRenderingContext2D, r: ClassRect, text: string): void {
    const s = this.viewport.rectToScreen(r);
    if (s.w < 24) return;
    const tw = ctx.measureText(text).width + 6;
    const y = s.y > 16 ? s.y : s.y + 16;
    ctx.fillStyle = classColour(this.state.classIndex(r.class));
    ctx.fillRect(s.x, y - 15, tw, 15);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(text, s.x + 3, y - 2); // canvas text: never parsed as HTML
  }
}
