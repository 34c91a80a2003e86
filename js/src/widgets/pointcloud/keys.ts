// The point view's keys (every one listed by "?"). JupyterLab's own keys are never bound
// (lib/keyboard.ts); Escape only while there is a gesture or a selection to clear.
import type { ViewName } from "../../lib/camera3d";
import { classDigitKeys, type ClassName } from "../../lib/classes";
import type { Binding } from "../../lib/keyboard";
import { TOOLS } from "./layout";
import type { Tool } from "../../lib/point_pointer";

export interface KeyActions {
  classes: () => ClassName[];
  paint: (k: number) => void;
  setTool: (t: Tool) => void;
  setView: (v: ViewName) => void;
  nextColour: () => void;
  disagreement: () => void;
  toggleUnlabelled: () => void;
  toggleVisible: () => void;
  showAll: () => void;
  accept: (scope: "all" | "selection") => void;
  newInstance: () => void;
  selectInstances: () => void;
  pointSize: (delta: number) => void;
  step: (delta: number) => void;
  severalFrames: () => boolean;
  instanceMode: () => boolean;
  undoRedo: (which: "undo" | "redo") => void;
  clear: () => void;
  clearable: () => boolean;
}

export function pointKeys(a: KeyActions): Binding[] {
  return [
    ...classDigitKeys(a.classes, a.paint, (c) => `paint the selection: ${String(c)}`),
    ...TOOLS.map(([t, key, name]) => ({ keys: [key], description: `${name} tool`, run: () => a.setTool(t) })),
    { keys: ["t"], description: "top view", run: () => a.setView("top") },
    { keys: ["s"], description: "side view", run: () => a.setView("side") },
    { keys: ["p"], description: "perspective view", run: () => a.setView("perspective") },
    { keys: ["c"], description: "next colour mode (label, height, intensity, RGB, disagreement)", run: a.nextColour },
    { keys: ["d"], description: "show where the proposals disagree", run: a.disagreement },
    { keys: ["u"], description: "only unlabelled points change (overwrite protection)", run: a.toggleUnlabelled },
    { keys: ["v"], description: "only visible classes are selected and changed", run: a.toggleVisible },
    { keys: ["h"], description: "show every class", run: a.showAll },
    { keys: ["Backspace", "Delete"], description: "unlabel the selection", run: () => a.paint(-1) },
    { keys: ["a"], description: "accept all proposals", run: () => a.accept("all") },
    { keys: ["A"], description: "accept the proposals in the selection", run: () => a.accept("selection") },
    { keys: ["n"], description: "new instance id (instance mode)", run: a.newInstance, when: a.instanceMode },
    { keys: ["i"], description: "select the instances of the selection", run: a.selectInstances, when: a.instanceMode },
    { keys: ["+", "="], description: "bigger points", run: () => a.pointSize(0.5) },
    { keys: ["-"], description: "smaller points", run: () => a.pointSize(-0.5) },
    { keys: ["ArrowRight"], description: "next frame", run: () => a.step(1), when: a.severalFrames },
    { keys: ["ArrowLeft"], description: "previous frame", run: () => a.step(-1), when: a.severalFrames },
    { keys: ["Ctrl+Z"], description: "undo (Ctrl+Shift+Z: redo)", run: (e) => a.undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => a.undoRedo("redo") },
    { keys: ["Escape"], description: "cancel the gesture / clear the selection", run: a.clear, when: a.clearable },
  ];
}
