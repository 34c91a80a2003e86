// PolygonAnnotator front-end: instance polygons (outer ring + holes) on a zoomable canvas, in image
// pixels, editable after closing (drag / insert / delete a vertex, holes, class, nudge). Every
// change is applied at once in the view and travels to the kernel as vertices (put, delete, accept,
// reject, undo, redo); the kernel validates it, stores one event with the item's whole polygon
// list, and answers with that list, which then replaces the view's copy.
// The parts: polygons/model.ts (data), layout.ts (DOM), state.ts (selection, drawing, draft),
// paint.ts (frame and texts), edits.ts (intents through the ledger), actions.ts (commands),
// pointer.ts (mouse), keys.ts (keyboard); the geometry is lib/polygon_edit.ts.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import { editorRootClass, wireEditorNav, wireZoomTools } from "../lib/canvas_stage";
import "./polygons.css";
import { draftStepper, startDraftView } from "../lib/draft_editor";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import { kernelMessages } from "../lib/review";
import { PanZoom, Viewport } from "../lib/viewport";
import { mountRoot } from "../lib/widget";
import { PolygonActions } from "./polygons/actions";
import { PolygonEdits } from "./polygons/edits";
import { polygonKeys } from "./polygons/keys";
import { polygonLayout } from "./polygons/layout";
import type { PolygonModel } from "./polygons/model";
import { PolygonPainter } from "./polygons/paint";
import { PolygonPointer } from "./polygons/pointer";
import { PolygonState } from "./polygons/state";

export type { Polygon, PolygonModel, Proposal } from "./polygons/model";

const AHEAD = 4;
const BEHIND = 2;

function render({ model, el }: RenderProps<PolygonModel>) {
  const root = mountRoot(el, model, editorRootClass("polygons"));
  const ui = polygonLayout(root);
  const { status, stage, canvas } = ui;
  const cache = new ItemCache(model, 24);
  const viewport = new Viewport();
  const state = new PolygonState(model, cache, viewport, () => stepper.current());
  const repaint = (id: ItemId) => (stepper.current() === id ? painter.redraw() : painter.progress());
  const ledger = new EditLedger(model, { status, repaint, progress: () => painter.progress() });
  const enter = () => {
    state.selection = null;
    state.drawing = null;
    stage.forget();
  };
  const stepper = draftStepper(model, {
    behind: BEHIND, ahead: AHEAD, enter, flushDraft: () => edits.flushDraft(),
    paint: () => painter.paint(),
    paintProgress: () => painter.progress(),
  });
  const painter: PolygonPainter = new PolygonPainter({
    model, root, ui, state, cache, viewport, stepper, ledger, pickClass: (k) => actions.pickClass(k),
  });
  const edits = new PolygonEdits({ state, cache, ledger, redraw: () => painter.redraw(), place: (id) => stepper.placeOf(id) });
  // before the pointer: a space-drag or middle-drag pan stops the event before the tool sees it
  const panZoom = new PanZoom(viewport, canvas, root, { onChange: () => painter.redraw() });
  const actions = new PolygonActions({ state, viewport, stepper, status, edits, painter, panZoom });
  const pointer = new PolygonPointer({ root, canvas, state, viewport, panZoom, edits, actions, painter });

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(...polygonKeys(model, actions, state, stepper, panZoom, help, {
    run: () => {
      pointer.cancel();
      actions.cancel();
    },
    // an idle Escape is not taken: it leaves the widget (JupyterLab's command mode)
    when: () => state.drawing !== null || state.selection !== null || state.draft !== null,
  }));
  ui.acceptAll.addEventListener("click", () => actions.acceptAll());
  wireZoomTools(ui, panZoom);
  wireEditorNav(ui.nav, root, { step: (delta) => stepper.step(delta), undoRedo: (kind) => actions.undoRedo(kind), help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache, () => stage.forget()));
  stage.observeResize(() => painter.frame());

  return startDraftView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:classes change:title change:display_height": () => painter.paint(),
    },
    paint: () => painter.paint(),
    dispose: [stepper, stage, panZoom, keymap, ledger],
  }, () => edits.flushDraft());
}

// anywidget's current module form: a default export holding render
export default { render } satisfies AnyWidget<PolygonModel>;
