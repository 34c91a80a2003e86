// PolygonAnnotator's keys, in the order the "?" overlay lists them.
import type { AnyModel } from "@anywidget/types";
import { editorKeys } from "../../lib/canvas_stage";
import { classDigitKeys } from "../../lib/classes";
import type { HelpOverlay } from "../../lib/help";
import type { Binding } from "../../lib/keyboard";
import type { Stepper } from "../../lib/stepper";
import type { PanZoom } from "../../lib/viewport";
import type { PolygonActions } from "./actions";
import type { PolygonModel } from "./model";
import type { PolygonState } from "./state";

export function polygonKeys(
  model: AnyModel<PolygonModel>, a: PolygonActions, state: PolygonState, stepper: Stepper, panZoom: PanZoom, help: HelpOverlay,
  escape: { run: () => void; when: () => boolean },
): Binding[] {
  return [
    ...classDigitKeys(() => model.get("classes"), (k) => a.pickClass(k),
      "class of new polygons (of the polygon you clicked or Tabbed to, if any; never changes a proposal)"),
    { keys: ["Enter"], description: "close the ring being drawn; else accept the selected (or best) proposal",
      run: () => (state.drawing ? a.closeRing() : a.acceptProposal()) },
    { keys: ["n", "N"], description: "new square polygon in the middle of the view (move its vertices by arrows, I inserts)",
      run: () => a.newPolygonByKey() },
    { keys: ["h", "H"], description: "draw a hole in the selected polygon (click its vertices, Enter closes)", run: () => a.startHole() },
    { keys: ["Tab"], description: "select the next polygon or proposal (Shift: previous)", run: (e) => a.cycle(e.shiftKey ? -1 : 1) },
    { keys: ["."], description: "select the next vertex of the selected polygon", run: () => a.cycleVertex(1) },
    { keys: [","], description: "select the previous vertex", run: () => a.cycleVertex(-1) },
    { keys: ["i", "I"], description: "insert a vertex in the middle of the edge after the selected vertex (or click on an edge)",
      run: () => a.insertAfterSelected() },
    { keys: ["Delete", "Backspace"], description: "delete the last vertex drawn / the selected vertex (Alt+click too) / the polygon; reject a proposal",
      run: () => a.deleteSelected() },
    { keys: ["ArrowLeft"], description: "nudge the selected vertex, else the polygon you clicked or Tabbed to (Shift: 10 px); else pan",
      run: (e) => a.arrow(-1, 0, e) },
    { keys: ["ArrowRight"], description: "nudge right", run: (e) => a.arrow(1, 0, e) },
    { keys: ["ArrowUp"], description: "nudge up", run: (e) => a.arrow(0, -1, e) },
    { keys: ["ArrowDown"], description: "nudge down", run: (e) => a.arrow(0, 1, e) },
    { keys: ["a", "A"], description: "accept every open proposal", run: () => a.acceptAll() },
    ...editorKeys(panZoom, (kind) => a.undoRedo(kind), (delta) => stepper.step(delta), help),
    { keys: ["Escape"], description: "cancel the ring being drawn / clear the selection", ...escape },
  ];
}
