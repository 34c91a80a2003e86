// BBoxAnnotator's texts around the canvas: title, progress, class swatches, threshold, counts and
// the selection line; paint() shows the item (or the end / loading screen), redraw() an edit.
import type { AnyModel } from "@anywidget/types";
import { classSwatches, clearSelectionRow } from "../../lib/canvas_stage";
import { data, countOf, setParts, setText } from "../../lib/dom";
import type { ItemCache } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import { showProgress } from "../../lib/review";
import type { Stepper } from "../../lib/stepper";
import type { Viewport } from "../../lib/viewport";
import type { BoxFrame } from "./draw";
import type { BBoxModel, Box, BoxItem, Proposal } from "./geometry";
import type { BoxLayout } from "./layout";
import type { BoxState } from "./state";

export interface PainterParts {
  model: AnyModel<BBoxModel>;
  root: HTMLElement;
  ui: BoxLayout;
  state: BoxState;
  cache: ItemCache;
  viewport: Viewport;
  stepper: Stepper;
  ledger: EditLedger;
  frame: BoxFrame;
  /** a class swatch was clicked */
  pickClass: (k: number) => void;
}

export class BoxPainter {
  constructor(private readonly p: PainterParts) {}

  /** The whole view. */
  paint(): void {
    const { model, root, ui, state, cache, viewport, stepper, frame } = this.p;
    ui.status.showing(state.current()); // a message about another item goes
    setText(ui.title, model.get("title"));
    this.progress();
    this.classes();
    const t = model.get("threshold");
    ui.thresholdInput.value = String(t);
    setText(ui.thresholdValue, t.toFixed(2));
    if (stepper.atEnd()) clearSelectionRow(ui);
    const shown = ui.stage.showCurrent(stepper, cache, viewport, model.get("display_height"));
    if (!shown) return;
    this.counts(shown.item as BoxItem);
    this.selectionText();
    frame.scheduler.flush();
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id: state.current(), position: stepper.pos } }));
  }

  /** After an edit: progress, counts, selection line, and a frame. */
  redraw(): void {
    this.progress();
    const it = this.p.state.item();
    if (it) this.counts(it);
    this.selectionText();
    this.p.frame.scheduler.request();
  }

  progress(): void {
    const { ui, stepper, ledger } = this.p;
    showProgress(ui, stepper, ledger, (done, total) => `boxed ${done} of ${total}`);
  }

  classes(): void {
    const { ui, state, pickClass } = this.p;
    ui.classBar.replaceChildren(...classSwatches(state.classes(), state.currentClass, pickClass));
  }

  private counts(it: BoxItem): void {
    const { ui, state } = this.p;
    const pending = state.pendingProposals(it);
    const hidden = pending.length - state.visibleProposals(it).length;
    setText(ui.countLine, `${countOf((it.boxes ?? []).length, "box", "boxes")}, ${countOf(pending.length, "open proposal")}${hidden ? ` (${hidden} below threshold)` : ""}`);
  }

  private selectionText(): void {
    const { ui, state } = this.p;
    const it = state.item();
    const r = it ? state.selectedRect(it) : null;
    if (!r || !state.selection) {
      setParts(ui.selectionLine, ["new boxes: ", data(state.classes()[state.currentClass] ?? ""), " — drag to draw, B adds one"]);
      return;
    }
    const b = r as Box & Proposal;
    const coords = `x ${b.x.toFixed(1)} y ${b.y.toFixed(1)} w ${b.w.toFixed(1)} h ${b.h.toFixed(1)}`;
    // what a class key does now: re-class a box the person chose, else set the class of new boxes
    const newBoxes = ["; new boxes: ", data(state.classes()[state.currentClass] ?? "")];
    if (state.selection.kind === "proposal") {
      setParts(ui.selectionLine, ["proposal ", data(b.class), `${b.score === null ? "" : ` (${b.score.toFixed(2)})`} ${coords} — Enter accepts, Delete rejects`, ...newBoxes]);
    } else if (state.chosen) {
      setParts(ui.selectionLine, ["box ", data(b.class), ` [${b.source}] ${coords} — a class key re-classes it`]);
    } else {
      setParts(ui.selectionLine, ["box ", data(b.class), ` [${b.source}] ${coords}`, ...newBoxes]);
    }
  }
}
