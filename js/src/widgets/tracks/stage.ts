// TrackAnnotator's stage: the frame painted by lib/frames.ts' FramePainter (the view edits at the frame
// painted, never at the one asked for), the boxes of that frame over it (keyframes solid, interpolated
// boxes dashed, a held box dotted, proposals thin and dashed), the selection with its corner handle,
// and the mouse: press inside a box to move it, on the selected box's bottom-right corner to resize
// it, elsewhere to draw a new box. A move or a resize ends as one keyframe.
import { canvasPoint, clampBox } from "../../lib/boxes";
import type { Box } from "../../lib/boxes";
import { ClassName, classColour } from "../../lib/classes";
import type { FramePainter } from "../../lib/frames";
import type { Rect } from "../../lib/viewport";
import { boxUnder, FrameBox } from "./geometry";

const CORNER_PX = 9; // CSS px: grab distance of the resize corner
const MIN_PX = 3; // CSS px: a shorter drag is a click

export interface StageHooks {
  /** the boxes on the painted frame */
  boxes: () => FrameBox[];
  /** the selected track or proposal id */
  selected: () => number | string | null;
  classIndex: (c: ClassName) => number;
  /** colour index of a box being drawn */
  drawingClass: () => number;
  select: (b: FrameBox | null) => void;
  /** a box was moved / resized (`b`, now `r`) or drawn (`b` null) on the painted frame */
  done: (b: FrameBox | null, r: Rect) => void;
}

type Drag = { mode: "draw" | "move" | "resize"; box: FrameBox | null; x: number; y: number; sx: number; sy: number; moved: boolean; id: number };

export class TrackStage {
  /** the box being drawn, moved or resized (drawn over its stored version) */
  draft: { box: FrameBox | null; rect: Rect } | null = null;
  private drag: Drag | null = null;

  constructor(readonly canvas: HTMLCanvasElement, private readonly painter: FramePainter, private readonly hooks: StageHooks) {
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", (e) => this.up(e));
    canvas.addEventListener("pointercancel", () => this.cancel());
  }

  /** CSS px per image px (the canvas holds the frame at its own size, scaled by CSS). */
  private scale(): number {
    return this.canvas.width ? (this.canvas.clientWidth || this.canvas.width) / this.canvas.width : 1;
  }

  cancel(): void {
    this.drag = null;
    this.draft = null;
  }

  /** Paint frame `frame` (when decoded) and the boxes of the frame painted. Returns the frame painted. */
  draw(frame: number): number {
    const painted = this.painter.paint(frame);
    const ctx = this.canvas.getContext("2d");
    if (!ctx || painted < 0) return painted;
    const s = this.scale();
    const px = (n: number) => n / s; // n CSS px in image px
    const sel = this.hooks.selected();
    for (const b of this.hooks.boxes()) {
      const r = this.draft && this.draft.box?.track === b.track ? this.draft.rect : b;
      ctx.save();
      ctx.strokeStyle = classColour(this.hooks.classIndex(b.class));
      ctx.lineWidth = px(b.proposal ? 1.5 : 2);
      ctx.setLineDash(b.proposal ? [px(3), px(3)] : b.kind === "interpolated" ? [px(6), px(4)] : b.kind === "held" ? [px(2), px(3)] : []);
      ctx.strokeRect(r.x, r.y, r.w, r.h);
      if (b.track === sel) {
        ctx.setLineDash([]);
        for (const [colour, width] of [["#000000", 3], ["#ffffff", 1]] as const) { // seen on light and dark frames
          ctx.strokeStyle = colour;
          ctx.lineWidth = px(width);
          ctx.strokeRect(r.x - px(3), r.y - px(3), r.w + px(6), r.h + px(6));
        }
        if (!b.proposal) {
          ctx.fillStyle = "#ffffff";
          ctx.fillRect(r.x + r.w - px(4), r.y + r.h - px(4), px(8), px(8));
        }
      }
      ctx.restore();
    }
    if (this.draft && !this.draft.box) {
      const r = this.draft.rect;
      ctx.save();
      ctx.strokeStyle = classColour(this.hooks.drawingClass());
      ctx.lineWidth = px(1.5);
      ctx.setLineDash([px(4), px(3)]);
      ctx.strokeRect(r.x, r.y, r.w, r.h);
      ctx.restore();
    }
    return painted;
  }

  private point(e: PointerEvent): [number, number] {
    return canvasPoint(e, this.canvas, this.canvas.width, this.canvas.height);
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0 || this.painter.painted < 0) return;
    const [x, y] = this.point(e);
    const s = this.scale();
    const boxes = this.hooks.boxes();
    const sel = boxes.find((b) => b.track === this.hooks.selected() && !b.proposal);
    const corner = sel && Math.abs(sel.x + sel.w - x) * s <= CORNER_PX && Math.abs(sel.y + sel.h - y) * s <= CORNER_PX;
    const hit = corner ? sel : boxUnder(boxes, x, y, 3 / s);
    this.canvas.setPointerCapture?.(e.pointerId);
    this.drag = { mode: corner ? "resize" : hit ? "move" : "draw", box: hit ?? null, x, y, sx: e.clientX, sy: e.clientY, moved: false, id: e.pointerId };
    this.hooks.select(hit ?? null);
  }

  private move(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    if (!d.moved && Math.hypot(e.clientX - d.sx, e.clientY - d.sy) < MIN_PX) return;
    d.moved = true;
    const [x, y] = this.point(e);
    const { width: W, height: H } = this.canvas;
    let box: Box;
    if (d.mode === "draw") box = clampBox([d.x, d.y, x, y], W, H);
    else {
      const b = d.box as FrameBox;
      if (d.mode === "resize") box = clampBox([b.x, b.y, x, y], W, H);
      else {
        const dx = Math.max(-b.x, Math.min(x - d.x, W - b.x - b.w));
        const dy = Math.max(-b.y, Math.min(y - d.y, H - b.y - b.h));
        box = [b.x + dx, b.y + dy, b.x + dx + b.w, b.y + dy + b.h];
      }
    }
    this.draft = { box: d.box, rect: { x: box[0], y: box[1], w: box[2] - box[0], h: box[3] - box[1] } };
    this.onDraft?.();
  }

  /** asked to repaint while a drag changes the draft */
  onDraft?: () => void;

  private up(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    this.drag = null;
    this.canvas.releasePointerCapture?.(e.pointerId);
    const draft = this.draft;
    this.draft = null;
    if (!d.moved || !draft) return this.onDraft?.();
    const s = this.scale();
    if (d.mode === "draw" && (draft.rect.w * s < MIN_PX || draft.rect.h * s < MIN_PX)) return this.onDraft?.();
    this.hooks.done(d.mode === "draw" ? null : d.box, draft.rect);
  }
}
