// HallucinationFlagger front-end: the image beside one or several models' texts. Words are
// selected with the mouse or the keyboard, tagged with a category, and linked to evidence (a box
// on the image, or "not in image"). Texts and model names are untrusted: shown as text only.
// The parts: hallucination/model.ts (data), layout.ts (DOM), state.ts (cursor, selection, box),
// paint.ts (drawing), intents.ts (edits through the ledger), input.ts (mouse and keys).
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./hallucination.css";
import { editStepper } from "../lib/edit_stepper";
import { HelpOverlay } from "../lib/help";
import { ItemCache } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { kernelMessages, startView, wireNav } from "../lib/review";
import { mountRoot } from "../lib/widget";
import { BoxDrawing, flaggerKeys } from "./hallucination/input";
import { FlaggerIntents } from "./hallucination/intents";
import { flaggerLayout } from "./hallucination/layout";
import { FlaggerModel, VERDICTS } from "./hallucination/model";
import { FlaggerPainter } from "./hallucination/paint";
import { FlaggerState } from "./hallucination/state";

export type { Evidence, Flag, FlaggerModel } from "./hallucination/model";
export { evidenceText } from "./hallucination/model";

const AHEAD = 6;
const BEHIND = 2;

function render({ model, el }: RenderProps<FlaggerModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-hallucination");
  const ui = flaggerLayout(root);
  const { status } = ui;
  const cache = new ItemCache(model);
  const state = new FlaggerState(model, cache, () => stepper.current());
  // keys come fast: intents are coalesced (see lib/channel.ts)
  const { ledger, stepper } = editStepper(model, {
    status, behind: BEHIND, ahead: AHEAD, coalesce: true, restartLedger: true,
    paint: () => painter.paint(),
    paintProgress: () => painter.progress(),
    enter: () => state.enter(),
  });
  const painter: FlaggerPainter = new FlaggerPainter({
    model, root, ui, state, cache, stepper, ledger, tag: (n) => intents.tag(n),
  });
  const intents = new FlaggerIntents({ state, cache, stepper, ledger, status, paint: () => painter.paint() });

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  const input = { root, ui, state, status, painter, intents, stepper, help };
  const box = new BoxDrawing(input);
  const stopDrawing = box.listen();
  keymap.add(...flaggerKeys(input, box));
  ui.boxButton.addEventListener("click", () => box.start());
  ui.absentButton.addEventListener("click", () => intents.setEvidence({ kind: "not_in_image" }));
  ui.removeButton.addEventListener("click", () => intents.removeFlag());
  ui.verdictButtons.forEach((b, k) => b.addEventListener("click", () => intents.verdict(VERDICTS[k])));
  wireNav(root, ui.nav, { step: (delta) => stepper.step(delta), undo: () => intents.undo(), help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache));
  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:categories": () => painter.categories(),
      "change:title change:display_size change:categories": () => painter.paint(),
    },
    paint: () => {
      painter.categories();
      painter.paint();
    },
    dispose: [stepper, stopDrawing, keymap, ledger],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<FlaggerModel>;
