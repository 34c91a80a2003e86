// BBoxAnnotator front-end: boxes drawn on a zoomable canvas, in image-pixel coordinates.
// Every change is applied at once in the view and travels to the kernel as an intent (add,
// update, delete, accept, adjust, reject, undo, redo); the kernel validates it, stores one event
// with the item's whole box list, and answers with that list, which then replaces the view's copy.
// The parts: bbox/geometry.ts (data, box maths), layout.ts (DOM), state.ts (selection, draft),
// draw.ts (canvas frame), paint.ts (texts), edits.ts (intents through the ledger), actions.ts
// (commands), pointer.ts (mouse), keys.ts (keyboard).
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import { editorRootClass, wireEditorNav, wireZoomTools } from "../lib/canvas_stage";
import "./bbox.css";
import { draftStepper, startDraftView } from "../lib/draft_editor";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import { PanZoom, Viewport } from "../lib/viewport";
import { mountRoot } from "../lib/widget";
import { kernelMessages } from "../lib/review";
import { BoxActions } from "./bbox/actions";
import { BoxFrame } from "./bbox/draw";
import { BoxEdits } from "./bbox/edits";
import type { BBoxModel } from "./bbox/geometry";
import { boxKeys } from "./bbox/keys";
import { boxLayout } from "./bbox/layout";
import { BoxPainter } from "./bbox/paint";
import { BoxPointer } from "./bbox/pointer";
import { BoxState } from "./bbox/state";

export type { BBoxModel, Box, Proposal } from "./bbox/geometry";
export { HANDLES, handlePoints, moveBox, rectFromPoints, resizeBox, roundRect } from "./bbox/geometry";
export { classColour, classKeys } from "../lib/classes";

const AHEAD = 4;
const BEHIND = 2;

function render({ model, el }: RenderProps<BBoxModel>) {
  const root = mountRoot(el, model, editorRootClass("bbox"));
  const ui = boxLayout(root);
  const { status, stage, canvas } = ui;
  const cache = new ItemCache(model, 24);
  const viewport = new Viewport();
  const state = new BoxState(model, cache, viewport, () => stepper.current());
  /** An edit of `id` settled: on the item shown, drop a selection it removed and redraw. */
  const repaint = (id: ItemId) => {
    if (stepper.current() !== id) return painter.progress();
    const it = state.item();
    if (state.selection && it && !state.selectedRect(it)) state.selection = null;
    painter.redraw();
  };
  const ledger = new EditLedger(model, { status, repaint, progress: () => painter.progress() });
  const enter = () => {
    state.selection = null;
    stage.forget();
  };
  const stepper = draftStepper(model, {
    behind: BEHIND, ahead: AHEAD, enter, flushDraft: () => edits.flushDraft(),
    paint: () => painter.paint(),
    paintProgress: () => painter.progress(),
  });
  const frame = new BoxFrame(model, root, ui, state, viewport);
  const painter: BoxPainter = new BoxPainter({
    model, root, ui, state, cache, viewport, stepper, ledger, frame, pickClass: (k) => actions.pickClass(k),
  });
  const edits = new BoxEdits({ state, cache, ledger, redraw: () => painter.redraw(), place: (id) => stepper.placeOf(id) });
  const panZoom = new PanZoom(viewport, canvas, root, { onChange: () => painter.redraw() });
  const actions = new BoxActions({ model, ui, state, cache, viewport, stepper, status, edits, painter, panZoom });
  const pointer = new BoxPointer({ root, canvas, state, viewport, panZoom, edits, painter, frame });

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(...boxKeys(model, actions, stepper, panZoom, help, {
    run: () => {
      state.drawing = null;
      pointer.cancel();
      edits.flushDraft();
      state.selection = null;
      painter.redraw();
    },
    when: () => state.drawing !== null || state.selection !== null || state.draft !== null,
  }));
  ui.thresholdInput.addEventListener("input", () => actions.setThreshold(Number(ui.thresholdInput.value)));
  ui.acceptAll.addEventListener("click", () => actions.acceptAllAbove());
  wireZoomTools(ui, panZoom);
  wireEditorNav(ui.nav, root, { step: (delta) => stepper.step(delta), undoRedo: (kind) => actions.undoRedo(kind), help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache, () => stage.forget()));
  stage.observeResize(() => frame.scheduler.request());

  return startDraftView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:threshold": () => painter.redraw(),
      "change:classes change:title change:display_height": () => painter.paint(),
    },
    paint: () => painter.paint(),
    dispose: [stepper, stage, panZoom, keymap, ledger],
  }, () => edits.flushDraft());
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<BBoxModel>;
