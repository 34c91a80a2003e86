// BBoxAnnotator's commands, by key or button: pick a class, accept / reject proposals, delete,
// undo / redo, cycle the selection, add a box, copy the previous item's boxes, nudge, threshold.
import type { AnyModel } from "@anywidget/types";
import { nudgeRect } from "../../lib/box_edit";
import { countOf, sayAbout, undoText } from "../../lib/canvas_stage";
import { setText } from "../../lib/dom";
import type { ItemCache } from "../../lib/items";
import { cycleStep } from "../../lib/shape_state";
import type { StatusLine } from "../../lib/status";
import type { Stepper } from "../../lib/stepper";
import type { PanZoom, Viewport } from "../../lib/viewport";
import type { BoxEdits } from "./edits";
import { BBoxModel, BoxItem, Proposal, rectFromPoints, Selection } from "./geometry";
import type { BoxLayout } from "./layout";
import type { BoxPainter } from "./paint";
import type { BoxState } from "./state";

export interface ActionParts {
  model: AnyModel<BBoxModel>;
  ui: BoxLayout;
  state: BoxState;
  cache: ItemCache;
  viewport: Viewport;
  stepper: Stepper;
  status: StatusLine;
  edits: BoxEdits;
  painter: BoxPainter;
  panZoom: PanZoom;
}

/** What an undo / redo took back or did again, by the op the kernel names (hitl_widgets/widgets/bbox.py). */
const CHANGES: Record<string, string> = {
  add: "new boxes", update: "a box moved or re-classed", delete: "a deletion", accept: "accepted proposals",
  adjust: "an adjusted proposal", reject: "a rejected proposal", redo: "a redo",
};

export class BoxActions {
  constructor(private readonly p: ActionParts) {}

  /** Show `text` as a message about the item shown (cleared when another item is shown). */
  private say(text: string): void {
    sayAbout(this.p.status, this.p.state.current(), text);
  }

  /** A class key (or swatch): re-class the box the person chose (a click on it, Tab); else set
   *  the class of new boxes. It never changes or accepts a proposal, and a box selected
   *  automatically (the next proposal after Enter, a box just drawn) is left as it is. */
  pickClass(k: number): void {
    const { state, edits, painter } = this.p;
    if (k < 0 || k >= state.classes().length) return;
    const c = state.classes()[k];
    const sel = state.selection;
    if (sel?.kind === "box" && state.chosen) {
      const d = edits.beginEdit();
      if (d) {
        d.class = c;
        edits.flushDraft();
      }
    } else {
      state.currentClass = k;
      if (sel?.kind === "proposal" && state.chosen) {
        this.say("class of new boxes set; the selected proposal is unchanged: accept it (Enter), then click it to re-class it");
      }
    }
    painter.classes();
    painter.redraw();
  }

  /** Accept the selected proposal, else the best one above the threshold; select the next. */
  acceptProposal(): void {
    const { state, edits, painter } = this.p;
    edits.flushDraft();
    const it = state.item();
    if (!it) return;
    const sel = state.selection;
    let target: Proposal | undefined;
    if (sel?.kind === "proposal") target = state.pendingProposals(it).find((p) => p.id === sel.id);
    target ??= state.visibleProposals(it)[0];
    if (!target) return this.say("no open proposal above the threshold");
    edits.accept([target]);
    const nextOne = state.visibleProposals(it)[0];
    state.selection = nextOne ? { kind: "proposal", id: nextOne.id } : null;
    painter.redraw();
  }

  acceptAllAbove(): void {
    const { state, edits } = this.p;
    edits.flushDraft();
    const list = state.visibleProposals();
    if (!list.length) return this.say("no open proposal above the threshold");
    edits.accept(list);
    state.selection = null;
    this.say(`accepted ${countOf(list.length, "proposal")}`);
  }

  /** Delete the selected box, or reject the selected proposal (and select the next). */
  deleteSelected(): void {
    const { state, edits, painter } = this.p;
    edits.flushDraft();
    const sel = state.selection;
    if (!sel) return this.say("nothing selected: click a box or press Tab");
    if (sel.kind === "proposal") {
      edits.reject(sel.id);
      const nextOne = state.visibleProposals()[0];
      state.selection = nextOne ? { kind: "proposal", id: nextOne.id } : null;
    } else {
      edits.send("delete", { box_ids: [sel.id] }, (it) => {
        it.boxes = (it.boxes ?? []).filter((b) => b.id !== sel.id);
      });
      state.selection = null;
    }
    painter.redraw();
  }

  /** The kernel undoes (redoes) the item's last change and answers with its box list and what it
   *  undid, said on the status line while the item is shown ("undone on item 4: new boxes"). */
  undoRedo(kind: "undo" | "redo"): void {
    const { edits, state, stepper } = this.p;
    edits.flushDraft();
    const id = state.current();
    if (id === undefined) return;
    edits.send(kind, {}, undefined, id, (reply) => {
      if (state.current() === id) this.say(undoText(kind, stepper.placeOf(id), reply, CHANGES));
    });
  }

  /** Select the next (`step` 1) or previous (-1) box or proposal, bringing it into view. */
  cycle(step: number): void {
    const { state, edits, viewport, painter } = this.p;
    edits.flushDraft();
    const it = state.item();
    if (!it) return;
    const list: Selection[] = [
      ...(it.boxes ?? []).map((b) => ({ kind: "box" as const, id: b.id })),
      ...state.visibleProposals(it).map((p) => ({ kind: "proposal" as const, id: p.id })),
    ];
    if (!list.length) {
      state.selection = null;
      return;
    }
    const at = state.selection ? list.findIndex((s) => state.isSelected(s)) : -1;
    state.choose(list[cycleStep(at, step, list.length)]);
    const r = state.selectedRect(it);
    if (r && !viewport.isVisible(r)) viewport.centreOn(r.x + r.w / 2, r.y + r.h / 2);
    painter.redraw();
  }

  /** A new box in the middle of the view, selected. */
  newBoxByKey(): void {
    const { state, edits, viewport, painter } = this.p;
    edits.flushDraft();
    if (!state.item()?.image) return;
    const v = viewport.visibleRect();
    const side = Math.max(1, Math.min(v.w, v.h) / 4);
    const ids = edits.addBoxes([{ x: v.x + v.w / 2 - side / 2, y: v.y + v.h / 2 - side / 2, w: side, h: side, class: state.classes()[state.currentClass] }]);
    state.selection = { kind: "box", id: ids[0] };
    painter.redraw();
  }

  /** Copy the previous item's boxes (those inside this image) onto this one. */
  copyPrevious(): void {
    const { state, cache, stepper, edits } = this.p;
    edits.flushDraft();
    const prevId = stepper.idAt(stepper.pos - 1);
    const id = state.current();
    if (prevId === undefined || id === undefined) return this.say("no previous item to copy from");
    cache.whenReady(prevId).then((p) => {
      const boxes = ((p as BoxItem).boxes ?? []);
      if (state.current() !== id) return;
      if (!boxes.length) return this.say("the previous item has no boxes");
      const { w, h: hh } = state.imageSize();
      const rects = boxes
        .map((b) => ({ ...rectFromPoints({ x: b.x, y: b.y }, { x: b.x + b.w, y: b.y + b.h }, w, hh), class: b.class }))
        .filter((r) => r.w > 0 && r.h > 0);
      if (!rects.length) return this.say("the previous item's boxes lie outside this image");
      edits.addBoxes(rects);
      this.say(`copied ${countOf(rects.length, "box", "boxes")} from the previous item`);
    });
  }

  /** An arrow key: nudge the selected box (Alt: resize it; Shift: 10 px), or pan when none. */
  arrow(dx: number, dy: number, e: KeyboardEvent): void {
    const { state, edits } = this.p;
    const step = e.shiftKey ? 10 : 1;
    if (!state.selection) {
      this.p.panZoom.pan(-dx * 40, -dy * 40);
      return;
    }
    const d = edits.beginEdit();
    if (!d) return;
    const { w, h: hh } = state.imageSize();
    Object.assign(d, nudgeRect(d, dx, dy, step, e.altKey, w, hh));
    edits.commitSoon();
  }

  /** Set the proposal threshold (0..1, to 1/100); a proposal now hidden is unselected. */
  setThreshold(t: number): void {
    const { model, ui, state, painter } = this.p;
    const v = Math.round(Math.min(1, Math.max(0, t)) * 100) / 100;
    model.set("threshold", v);
    model.save_changes();
    const sel = state.selection;
    if (sel?.kind === "proposal" && !state.visibleProposals().some((p) => p.id === sel.id)) state.selection = null;
    ui.thresholdInput.value = String(v);
    setText(ui.thresholdValue, v.toFixed(2));
    painter.redraw();
  }
}
