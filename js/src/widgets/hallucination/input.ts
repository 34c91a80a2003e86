// HallucinationFlagger's input: a box drawn on the image (mouse drag, or b then arrows), and the
// keys (word cursor, texts, categories, evidence, verdicts, steps, undo, help).
import { BoxDrag } from "../../lib/box_drag";
import { drawingKeys } from "../../lib/box_draft";
import type { HelpOverlay } from "../../lib/help";
import type { Binding } from "../../lib/keyboard";
import { wordCount } from "../../lib/spans";
import type { StatusLine } from "../../lib/status";
import { Stepper, stepKeys } from "../../lib/stepper";
import type { FlaggerIntents } from "./intents";
import type { FlaggerLayout } from "./layout";
import type { FlaggerPainter } from "./paint";
import type { FlaggerState } from "./state";

export interface InputParts {
  root: HTMLElement;
  ui: FlaggerLayout;
  state: FlaggerState;
  status: StatusLine;
  painter: FlaggerPainter;
  intents: FlaggerIntents;
  stepper: Stepper;
  help: HelpOverlay;
}

const NEEDS_FLAG = "select words and tag them with a category first (1–9)";

/** Drawing a box as the target flag's evidence, by keyboard or mouse (lib/box_drag.ts). */
export class BoxDrawing {
  private readonly drag: BoxDrag;

  constructor(private readonly p: InputParts) {
    const { state, status, painter, intents, ui } = p;
    this.drag = new BoxDrag(ui.canvas, {
      size: () => state.imageSize(),
      allowed: () => state.targetFlag() !== undefined,
      refuse: () => status.info(NEEDS_FLAG, { item: state.currentId() }),
      changed: () => painter.image(),
      keep: (box) => {
        status.clear(); // the drawing hint goes with the drawing
        intents.setEvidence({ kind: "box", box });
      },
    });
    state.drag = this.drag;
  }

  /** b: start a box (the flag's own, else one in the middle of the image) to move with the arrows. */
  start(): void {
    const { state, status } = this.p;
    const size = state.imageSize();
    const f = state.targetFlag();
    const item = { item: state.currentId() }; // the hint is about this item's box
    if (!size || !f) {
      status.info(size ? NEEDS_FLAG : "no image", item);
      return;
    }
    this.drag.start(f.evidence?.kind === "box" ? f.evidence.box! : null);
    status.info("box: arrows move it, Shift+arrows resize it, Enter keeps it, Esc cancels", item);
  }

  /** Keep the box as the target flag's evidence. */
  keep(): void {
    this.drag.keep();
  }

  /** Whether a box is being drawn by keyboard. */
  active(): boolean {
    return this.drag.active();
  }

  nudge(e: KeyboardEvent): void {
    this.drag.nudge(e);
  }

  cancel(): void {
    this.p.status.clear();
    this.drag.cancel();
  }

  /** Listen for mouse drags on the image (and the end of a word selection by mouse); returns the
   *  function that stops listening. */
  listen(): () => void {
    const { state } = this.p;
    const stop = this.drag.listen();
    const onUp = () => {
      state.selecting = false;
    };
    window.addEventListener("mouseup", onUp);
    return () => {
      stop();
      window.removeEventListener("mouseup", onUp);
    };
  }
}

/** Move the word cursor (Shift: extend the selection); in right-to-left text the arrows follow the
 *  visual direction. */
function moveCursor(p: InputParts, e: KeyboardEvent): void {
  const { root, ui, state, painter } = p;
  const t = state.activeText();
  if (!t) return;
  const n = wordCount(t.pieces);
  const step = e.key === "ArrowLeft" ? -1 : 1;
  const rtl = getComputedStyle(ui.panels.children[state.textIdx]?.querySelector(".hitl-generated") ?? root).direction === "rtl";
  state.cursor = Math.max(0, Math.min(n - 1, state.cursor + (rtl ? -step : step)));
  if (!e.shiftKey) state.anchor = state.cursor;
  painter.texts();
  painter.image();
}

function switchText(p: InputParts, step: number): void {
  const { state, painter } = p;
  const n = state.texts().length;
  if (!n) return;
  state.textIdx = (state.textIdx + step + n) % n;
  state.cursor = state.anchor = 0;
  painter.texts();
  painter.image();
}

/** The view's keys, in the order the "?" overlay lists them. */
export function flaggerKeys(p: InputParts, box: BoxDrawing): Binding[] {
  const { state, painter, intents, stepper, help } = p;
  return [
    ...drawingKeys(box, help, "keep it as the flag's evidence"),
    { keys: ["ArrowLeft", "ArrowRight"], description: "move the word cursor (Shift: extend the selection)", run: (e) => moveCursor(p, e) },
    { keys: ["ArrowDown"], description: "next model's text", run: () => switchText(p, 1) },
    { keys: ["ArrowUp"], description: "previous model's text", run: () => switchText(p, -1) },
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d, n) => ({
      keys: [d],
      description: "tag the selected words with this category",
      when: () => n < state.categories().length,
      run: () => intents.tag(n),
    })),
    { keys: ["b"], description: "evidence: draw a box on the image", run: () => box.start() },
    { keys: ["n"], description: "evidence: not in the image", run: () => intents.setEvidence({ kind: "not_in_image" }) },
    { keys: ["Delete"], description: "remove the flag under the cursor", run: () => intents.removeFlag() },
    { keys: ["a"], description: "verdict: the text is faithful", run: () => intents.verdict("faithful") },
    { keys: ["h"], description: "verdict: the text hallucinates", run: () => intents.verdict("hallucinated") },
    { keys: ["u"], description: "verdict: unsure", run: () => intents.verdict("unsure") },
    ...stepKeys(stepper, ["Enter", "]"], ["["], "image"),
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last action", run: () => intents.undo() },
    { keys: ["?"], description: "show / hide these shortcuts", run: () => help.toggle() },
    {
      keys: ["Escape"],
      description: "close this help / clear the selection (else: leave the widget)",
      when: () => help.open || state.anchor !== state.cursor,
      run: () => {
        if (help.open) help.toggle(false);
        else {
          state.anchor = state.cursor;
          painter.texts();
        }
      },
    },
  ];
}
