// SegmentationCanvas front-end: masks painted over the image on a zoomable canvas.
// A brush stroke, an eraser stroke or a closed polygon is applied at once in the view and sent as
// row runs (y, x0, length) of uint32 in one binary message buffer; the kernel validates and stores
// it. Kernel-side changes (undo, redo, hole fill, accepted model masks) arrive as "mask" messages
// holding the label map as row-major runs (value, length).
// The parts: segmentation/model.ts (data), layout.ts (DOM), state.ts (tools, label maps),
// layers.ts (canvas drawing), paint.ts (texts), edits.ts (intents and commands through the
// ledger), pointer.ts (mouse), keys.ts (keyboard), assist.ts (click-to-segment and superpixels).
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import { editorRootClass, wireEditorNav } from "../lib/canvas_stage";
import "./segmentation.css";
import { HelpOverlay } from "../lib/help";
import { ItemCache } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import { Stepper } from "../lib/stepper";
import { PanZoom, Viewport } from "../lib/viewport";
import { mountRoot } from "../lib/widget";
import { kernelMessages, startView } from "../lib/review";
import { SegEdits } from "./segmentation/edits";
import { segKeys } from "./segmentation/keys";
import { MaskLayers } from "./segmentation/layers";
import { segLayout } from "./segmentation/layout";
import type { SegModel, Tool } from "./segmentation/model";
import { SegPainter } from "./segmentation/paint";
import { SegPointer } from "./segmentation/pointer";
import { SegState } from "./segmentation/state";

export type { SegModel } from "./segmentation/model";
export { decodeCocoRle } from "./segmentation/model";

const AHEAD = 3;
const BEHIND = 1;

function render({ model, el }: RenderProps<SegModel>) {
  const root = mountRoot(el, model, editorRootClass("segmentation"));
  const ui = segLayout(root);
  const { status, stage, canvas } = ui;
  const cache = new ItemCache(model, 12);
  const viewport = new Viewport();
  const state = new SegState(model, cache, () => stepper.current());
  const info = () => painter.info();
  const ledger = new EditLedger(model, { status, repaint: info, progress: info });
  const stepper: Stepper = new Stepper(model, {
    behind: BEHIND, ahead: AHEAD,
    paint: () => {
      painter.paint();
      edits.ensureSuperpixels();
    },
    paintProgress: info,
    enter: () => stage.forget(),
    restart: () => stage.forget(),
  });
  const layers = new MaskLayers(model, root, ui, state, viewport);
  const painter: SegPainter = new SegPainter({
    model, root, ui, state, cache, viewport, stepper, ledger, layers, pickClass: (k) => edits.pickClass(k),
  });
  const edits = new SegEdits({
    state, ledger, status, stage, layers, painter, place: (id) => stepper.placeOf(id), read: (msg) => model.send(msg),
  });
  const panZoom = new PanZoom(viewport, canvas, root, { onChange: () => layers.scheduler.request() });
  new SegPointer({ root, canvas, state, viewport, edits, layers, painter });

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(...segKeys({ state, edits, painter, layers, stepper, panZoom, help }));
  (Object.keys(ui.toolButtons) as Tool[]).forEach((t) => ui.toolButtons[t].addEventListener("click", () => edits.setTool(t)));
  ui.opacityInput.addEventListener("input", () => {
    model.set("opacity", Number(ui.opacityInput.value));
    model.save_changes();
    painter.opacity();
    layers.scheduler.request();
  });
  ui.fillButton.addEventListener("click", () => edits.fillHoles());
  ui.instanceButton.addEventListener("click", () => edits.newInstance());
  ui.acceptButton.addEventListener("click", () => edits.acceptBest());
  wireEditorNav(ui.nav, root, { step: (delta) => stepper.step(delta), undoRedo: (kind) => edits.undoRedo(kind), help, channel: ledger });

  const kernel = kernelMessages(ledger.channel, status, {
    ...stepper.itemRoutes(cache, () => stage.forget()),
    other: (msg, buffers) => {
      if (msg.type === "mask") edits.receiveMask(msg, buffers);
      else if (msg.type === "assist") edits.receiveAssist(msg, buffers);
      else if (msg.type === "superpixels") edits.receiveSuperpixels(msg, buffers);
    },
  });
  const onMessage: typeof kernel = (msg, buffers) => {
    if (msg.type === "refused" && msg.intent === "assist") edits.assistRefused();
    if (msg.type === "refused" && msg.intent === "superpixels") edits.superpixelsRefused(msg.item_id);
    kernel(msg, buffers); // the refusal's message shows on the status line
  };
  const onOpacity = () => {
    painter.opacity();
    layers.scheduler.request();
  };
  stage.observeResize(() => layers.scheduler.request());

  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:opacity": onOpacity,
      "change:classes change:title change:display_height change:mode change:assist": () => painter.paint(),
    },
    paint: () => painter.paint(),
    dispose: [stepper, stage, panZoom, keymap, ledger],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<SegModel>;
