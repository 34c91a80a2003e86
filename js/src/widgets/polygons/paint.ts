// PolygonAnnotator's painting: the canvas frame (the image through its pyramid; proposals dashed,
// polygons filled even-odd so holes show, in their class colours; the selection with its vertices;
// the ring being drawn with its rubber band) and the texts around it (title, progress, class
// swatches, counts, the selection line).
import type { AnyModel } from "@anywidget/types";
import { classSwatches, clearSelectionRow } from "../../lib/canvas_stage";
import { classColour } from "../../lib/classes";
import { data, countOf, setParts, setText } from "../../lib/dom";
import type { ItemCache } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import type { Ring } from "../../lib/polygon_edit";
import { polygonArea } from "../../lib/polygon_edit";
import { showProgress } from "../../lib/review";
import type { Stepper } from "../../lib/stepper";
import { FrameScheduler, Viewport } from "../../lib/viewport";
import type { Polygon, PolygonItem, PolygonModel, Proposal } from "./model";
import type { PolygonLayout } from "./layout";
import type { PolygonState } from "./state";

const LABEL_LIMIT = 200; // class / score texts only while at most this many polygons are shown

export interface PainterParts {
  model: AnyModel<PolygonModel>;
  root: HTMLElement;
  ui: PolygonLayout;
  state: PolygonState;
  cache: ItemCache;
  viewport: Viewport;
  stepper: Stepper;
  ledger: EditLedger;
  pickClass: (k: number) => void;
}

export class PolygonPainter {
  private readonly scheduler = new FrameScheduler(() => this.draw());

  constructor(private readonly p: PainterParts) {}

  /** Ask for a canvas frame (one per animation frame). */
  frame(): void {
    this.scheduler.request();
  }

  /** The whole view. */
  paint(): void {
    const { model, root, ui, state, cache, viewport, stepper } = this.p;
    ui.status.showing(state.current());
    setText(ui.title, model.get("title"));
    this.progress();
    this.classes();
    if (stepper.atEnd()) clearSelectionRow(ui);
    const shown = ui.stage.showCurrent(stepper, cache, viewport, model.get("display_height"));
    if (!shown) return;
    this.texts(shown.item as PolygonItem);
    this.scheduler.flush();
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id: state.current(), position: stepper.pos } }));
  }

  /** After an edit: progress, texts and a frame. */
  redraw(): void {
    this.progress();
    const it = this.p.state.item();
    if (it) this.texts(it);
    this.scheduler.request();
  }

  progress(): void {
    const { ui, stepper, ledger } = this.p;
    showProgress(ui, stepper, ledger, (done, total) => `outlined ${done} of ${total}`);
  }

  classes(): void {
    const { ui, state, pickClass } = this.p;
    ui.classBar.replaceChildren(...classSwatches(state.classes(), state.currentClass, pickClass));
  }

  private texts(it: PolygonItem): void {
    const { ui, state } = this.p;
    const sel = state.selection;
    // a selection the kernel's answer removed (an undo), or a vertex no longer there, goes
    const g = state.selectedPolygon(it);
    if (sel && !g) state.selection = null;
    else if (sel?.vertex && g && !g.rings[sel.vertex.ring]?.[sel.vertex.index]) state.choose({ ...sel, vertex: null });
    setText(ui.countLine, `${countOf((it.polygons ?? []).length, "polygon")}, ${countOf(state.pendingProposals(it).length, "open proposal")}`);
    const newOnes = ["; new polygons: ", data(state.classes()[state.currentClass] ?? "")];
    const d = state.drawing;
    if (d) {
      setParts(ui.selectionLine, [d.holeOf !== null ? "drawing a hole" : "drawing a polygon", ` (${d.points.length} vertices) — click adds, Enter or the first vertex closes, Backspace removes the last, Escape cancels`]);
      return;
    }
    const s = state.selection;
    const shown = s ? state.selectedPolygon(it) : null;
    if (!s || !shown) {
      setParts(ui.selectionLine, ["new polygons: ", data(state.classes()[state.currentClass] ?? ""), " — click to place vertices, Tab selects"]);
      return;
    }
    const n = shown.rings.reduce((a, r) => a + r.length, 0);
    const about = `${n} vertices, ${shown.rings.length - 1} holes, area ${polygonArea(shown.rings).toFixed(1)}`;
    const vertex = s.vertex ? shown.rings[s.vertex.ring]?.[s.vertex.index] : undefined;
    const at = vertex ? `; vertex ${s.vertex!.index + 1}${s.vertex!.ring ? ` of hole ${s.vertex!.ring}` : ""} at (${vertex[0].toFixed(1)}, ${vertex[1].toFixed(1)})` : "";
    if (s.kind === "proposal") {
      const score = (shown as Proposal).score;
      setParts(ui.selectionLine, ["proposal ", data(shown.class), `${score === null ? "" : ` (${score.toFixed(2)})`} ${about}${at} — Enter accepts, Delete rejects`, ...newOnes]);
    } else {
      setParts(ui.selectionLine, ["polygon ", data(shown.class), ` [${(shown as Polygon).source}] ${about}${at}`, ...(state.chosen ? [" — a class key re-classes it, H adds a hole"] : newOnes)]);
    }
  }

  private draw(): void {
    const { ui, state, viewport, model, root } = this.p;
    const it = state.item();
    const ctx = ui.stage.beginFrame(viewport, model.get("display_height"), ui.zoomText, it?.image, () => this.scheduler.request());
    if (!ctx) return;
    if (it) {
      const proposals = state.pendingProposals(it);
      const polygons = state.shownPolygons(it);
      for (const q of proposals) this.shape(ctx, q.rings, state.classIndex(q.class), true);
      for (const g of polygons) this.shape(ctx, g.rings, state.classIndex(g.class), false);
      if (proposals.length + polygons.length <= LABEL_LIMIT) {
        ctx.font = "12px sans-serif";
        ctx.textBaseline = "bottom";
        for (const q of proposals) this.label(ctx, q.rings[0], state.classIndex(q.class), `${q.class}${q.score === null ? "" : ` ${q.score.toFixed(2)}`}`);
        for (const g of polygons) this.label(ctx, g.rings[0], state.classIndex(g.class), String(g.class));
      }
      const sel = state.selectedPolygon(it);
      if (sel) this.selected(ctx, sel.rings);
    }
    if (state.drawing) this.drawing(ctx);
    root.dispatchEvent(new CustomEvent("hitl:frame", { detail: { scale: viewport.scale, tx: viewport.tx, ty: viewport.ty } }));
  }

  private path(ctx: CanvasRenderingContext2D, rings: Ring[]): void {
    const { scale, tx, ty } = this.p.viewport;
    ctx.beginPath();
    for (const ring of rings) {
      ring.forEach(([x, y], k) => (k ? ctx.lineTo(x * scale + tx, y * scale + ty) : ctx.moveTo(x * scale + tx, y * scale + ty)));
      ctx.closePath();
    }
  }

  private shape(ctx: CanvasRenderingContext2D, rings: Ring[], k: number, proposal: boolean): void {
    const colour = classColour(k);
    this.path(ctx, rings);
    if (!proposal) {
      ctx.globalAlpha = 0.25;
      ctx.fillStyle = colour;
      ctx.fill("evenodd");
      ctx.globalAlpha = 1;
    }
    ctx.setLineDash(proposal ? [6, 4] : []);
    ctx.lineWidth = proposal ? 1.5 : 2;
    ctx.strokeStyle = colour;
    ctx.stroke();
  }

  private label(ctx: CanvasRenderingContext2D, outer: Ring, k: number, text: string): void {
    if (!outer.length) return;
    const top = outer.reduce((a, v) => (v[1] < a[1] ? v : a), outer[0]);
    const s = this.p.viewport.toScreen(top[0], top[1]);
    const tw = ctx.measureText(text).width + 6;
    const y = s.y > 16 ? s.y - 2 : s.y + 18;
    ctx.fillStyle = classColour(k);
    ctx.fillRect(s.x, y - 15, tw, 15);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(text, s.x + 3, y - 2); // canvas text: never parsed as HTML
  }

  /** The selection: a white outline and its vertices (the selected one larger, filled). */
  private selected(ctx: CanvasRenderingContext2D, rings: Ring[]): void {
    const { viewport, state } = this.p;
    this.path(ctx, rings);
    ctx.setLineDash([]);
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke();
    const v = state.selection?.vertex;
    ctx.lineWidth = 1;
    rings.forEach((ring, r) => ring.forEach(([x, y], k) => {
      const s = viewport.toScreen(x, y);
      const big = !!v && v.ring === r && v.index === k;
      const half = big ? 6 : 4;
      ctx.fillStyle = big ? "#ffd400" : "#ffffff";
      ctx.strokeStyle = "#000000";
      ctx.fillRect(s.x - half, s.y - half, half * 2, half * 2);
      ctx.strokeRect(s.x - half, s.y - half, half * 2, half * 2);
    }));
  }

  /** The ring being drawn: its edges, the rubber band to the pointer, its first vertex ringed. */
  private drawing(ctx: CanvasRenderingContext2D): void {
    const { viewport, state } = this.p;
    const d = state.drawing!;
    if (!d.points.length) return;
    ctx.setLineDash([4, 3]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = d.holeOf !== null ? "#ffffff" : classColour(state.currentClass);
    ctx.beginPath();
    d.points.forEach(([x, y], k) => {
      const s = viewport.toScreen(x, y);
      if (k) ctx.lineTo(s.x, s.y);
      else ctx.moveTo(s.x, s.y);
    });
    if (state.hover) {
      const s = viewport.toScreen(state.hover.x, state.hover.y);
      ctx.lineTo(s.x, s.y);
    }
    ctx.stroke();
    ctx.setLineDash([]);
    const first = viewport.toScreen(d.points[0][0], d.points[0][1]);
    ctx.beginPath();
    ctx.arc(first.x, first.y, 6, 0, Math.PI * 2);
    ctx.stroke();
    ctx.fillStyle = "#ffffff";
    for (const [x, y] of d.points) {
      const s = viewport.toScreen(x, y);
      ctx.fillRect(s.x - 3, s.y - 3, 6, 6);
    }
  }
}
