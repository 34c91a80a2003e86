// SegmentationCanvas's keys, in the order the "?" overlay lists them.
import { editorKeys } from "../../lib/canvas_stage";
import { classDigitKeys } from "../../lib/classes";
import type { HelpOverlay } from "../../lib/help";
import type { Binding } from "../../lib/keyboard";
import type { Stepper } from "../../lib/stepper";
import type { PanZoom } from "../../lib/viewport";
import type { SegEdits } from "./edits";
import type { MaskLayers } from "./layers";
import type { SegPainter } from "./paint";
import type { SegState } from "./state";

export interface KeyParts {
  state: SegState;
  edits: SegEdits;
  painter: SegPainter;
  layers: MaskLayers;
  stepper: Stepper;
  panZoom: PanZoom;
  help: HelpOverlay;
}

export function segKeys({ state, edits, painter, layers, stepper, panZoom, help }: KeyParts): Binding[] {
  /** Change the polygon being drawn (or the brush), then show it. */
  const then = (change: () => void) => () => {
    change();
    painter.info();
    layers.scheduler.request();
  };
  return [
    ...classDigitKeys(() => state.classes(), (k) => edits.pickClass(k), "pick the class with this key"),
    { keys: ["b"], description: "brush", run: () => edits.setTool("brush") },
    { keys: ["e"], description: "eraser", run: () => edits.setTool("eraser") },
    { keys: ["p"], description: "polygon: click vertices (drag one to move it, click an edge to insert one, Alt+click deletes); Enter or a click on the first closes", run: () => edits.setTool("polygon") },
    { keys: ["a"], description: "click-to-segment: click the object (Shift+click or right click: not this part); Enter paints the region", run: () => edits.setTool("assist"), when: () => state.assistOn() },
    { keys: ["s"], description: "superpixel brush: a stroke paints the whole superpixels it touches", run: () => edits.setTool("superpixel") },
    { keys: ["["], description: "smaller brush", run: () => { state.brush = Math.max(1, Math.round(state.brush / 1.25)); painter.info(); } },
    { keys: ["]"], description: "larger brush", run: () => { state.brush = Math.min(500, Math.round(state.brush * 1.25) + 1); painter.info(); } },
    { keys: ["h"], description: "fill the holes of the current class / instance", run: () => edits.fillHoles() },
    { keys: ["n"], description: "new instance (instance mode)", run: () => edits.newInstance(), when: () => state.instanceMode() },
    { keys: ["Enter"], description: "close the polygon, paint the click-to-segment region, or accept the model's mask", run: () => edits.acceptBest() },
    { keys: ["Backspace"], description: "drop the polygon's last vertex", run: then(() => state.polygon.pop()) },
    ...editorKeys(panZoom, (kind) => edits.undoRedo(kind), (delta) => stepper.step(delta), help),
    { keys: ["Escape"], description: "drop the polygon being drawn, or the click-to-segment clicks",
      when: () => state.polygon.length > 0 || state.clicks.length > 0,
      run: then(() => { state.polygon = []; if (state.clicks.length) edits.clearClicks(); }) },
  ];
}
