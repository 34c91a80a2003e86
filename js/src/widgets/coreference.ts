// CoreferenceLinker front-end: the image beside its caption. Select a mention (click or drag over
// words, or the arrows), then click a region on the image (or its button, or its digit), drag a new
// box, or mark it "no visual referent"; mentions of one region form an entity, shown in one colour
// in the text and on the image. The model's proposals are accepted (a), rejected (x) or fixed (link
// the mention elsewhere). Captions and region labels are untrusted: shown as text only.
// The parts: coreference/state.ts (data, selection, entities), layout.ts (DOM), paint.ts
// (drawing), actions.ts (edits through the ledger); the box drawing is lib/box_draft.ts.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./coreference.css";
import { boxAt, BoxDraft, drawingKeys } from "../lib/box_draft";
import { editStepper } from "../lib/edit_stepper";
import { HelpOverlay } from "../lib/help";
import { ItemCache } from "../lib/items";
import { Binding, Keymap } from "../lib/keyboard";
import { kernelMessages, startView, wireNav } from "../lib/review";
import { wordCount } from "../lib/spans";
import { stepKeys } from "../lib/stepper";
import { mountRoot } from "../lib/widget";
import { CorefActions } from "./coreference/actions";
import { corefLayout } from "./coreference/layout";
import { CorefPainter } from "./coreference/paint";
import { asBox, CorefModel, CorefState } from "./coreference/state";

export type { CorefModel, Link, Proposal, Region } from "./coreference/state";

function render({ model, el }: RenderProps<CorefModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-coreference");
  const ui = corefLayout(root);
  const { status } = ui;
  const cache = new ItemCache(model);
  const state = new CorefState(model, cache, () => stepper.current());
  const { ledger, stepper } = editStepper(model, {
    status, behind: 2, ahead: 6, coalesce: true, restartLedger: true,
    paint: () => painter.paint(),
    paintProgress: () => painter.progress(),
    enter: () => {
      state.enter();
      draft.cancel();
    },
  });
  const actions = new CorefActions({ state, cache, ledger, stepper, status, paint: () => painter.paint() });
  const linkTo = (region: string) => {
    state.picked = -1;
    actions.link(region);
  };
  const painter: CorefPainter = new CorefPainter({
    model, root, ui, state, cache, stepper, ledger, draft: () => draft, pick: linkTo,
  });
  const hasWords = () => wordCount(state.pieces()) > 0;
  const draft = new BoxDraft({
    canvas: ui.canvas, root,
    size: () => state.imageSize(),
    canStart: hasWords,
    refuse: () => status.info(state.imageSize() ? "this caption has no words to link" : "no image", { item: state.current() }),
    repaint: () => painter.image(),
    keep: (box) => actions.linkBox(box),
    click: (point) => {
      const region = boxAt(state.regions().map((r) => ({ box: asBox(r), value: r.id })), point);
      if (region !== undefined) linkTo(region);
      else status.info("no region here: drag to draw a new box for the mention", { item: state.current() });
    },
  });
  const stopDraft = draft.listen();
  painter.listen();
  const stopSelecting = () => {
    state.selecting = false;
  };
  window.addEventListener("mouseup", stopSelecting);

  /** Move the word cursor; without Shift a word inside a mention selects the whole mention. */
  const moveCursor = (e: KeyboardEvent) => {
    const n = wordCount(state.pieces());
    if (!n) return;
    const rtl = getComputedStyle(ui.caption).direction === "rtl";
    const step = (e.key === "ArrowLeft" ? -1 : 1) * (rtl ? -1 : 1);
    const to = Math.max(0, Math.min(n - 1, state.cursor + step));
    if (e.shiftKey) state.cursor = to;
    else state.selectWord(to, step);
    painter.paint();
  };
  const pickNext = (step: number) => {
    const n = state.regions().length;
    if (!n) return;
    state.picked = state.picked < 0 ? (step > 0 ? 0 : n - 1) : (state.picked + step + n) % n;
    painter.regionButtons();
    painter.image();
  };
  const enter = () => {
    const r = state.regions()[state.picked];
    if (r) linkTo(r.id);
    else if (state.selectedProposal()) actions.proposal("accept");
    else status.info("pick a region first (Tab, or its digit), or press a to accept a proposal", { item: state.current() });
  };

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  const keys: Binding[] = [
    ...drawingKeys(draft, help, "keep it as the mention's new region"),
    { keys: ["ArrowLeft", "ArrowRight"], description: "move the word cursor (on a mention: select it; Shift: extend the selection)", run: moveCursor },
    { keys: ["Tab"], description: "pick the next region (Shift: previous)", run: (e) => pickNext(e.shiftKey ? -1 : 1) },
    { keys: ["Enter"], description: "link the mention to the picked region (none picked: accept its proposal)", run: enter },
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d, k) => ({
      keys: [d], description: "link the mention to this region", when: () => k < state.regions().length,
      run: () => linkTo(state.regions()[k].id),
    })),
    { keys: ["b"], description: "draw a new box for the mention", run: () => draft.start() },
    { keys: ["n"], description: "the mention has no visual referent", run: () => actions.link(null) },
    { keys: ["a"], description: "accept the mention's proposal", run: () => actions.proposal("accept") },
    { keys: ["x"], description: "reject the mention's proposal", run: () => actions.proposal("reject") },
    { keys: ["A"], description: "accept every open proposal of the image", run: () => actions.acceptAll() },
    { keys: ["Delete"], description: "unlink the mention", run: () => actions.unlink() },
    ...stepKeys(stepper, ["]", "PageDown"], ["[", "PageUp"], "image"),
    { keys: ["Ctrl+Z"], description: "undo the image's last change", run: () => actions.undoRedo("undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => actions.undoRedo("redo") },
    { keys: ["?"], description: "show / hide these shortcuts", run: () => help.toggle() },
    {
      keys: ["Escape"], description: "close this help / unpick the region (else: leave the widget)",
      when: () => help.open || state.picked >= 0,
      run: () => {
        if (help.open) help.toggle(false);
        else {
          state.picked = -1;
          painter.paint();
        }
      },
    },
  ];
  keymap.add(...keys);
  ui.boxButton.addEventListener("click", () => draft.start());
  ui.noneButton.addEventListener("click", () => actions.link(null));
  ui.unlinkButton.addEventListener("click", () => actions.unlink());
  ui.redoButton.addEventListener("click", () => actions.undoRedo("redo"));
  ui.proposal.addEventListener("click", (e) => {
    const action = (e.target instanceof Element ? e.target.closest("[data-action]") : null) as HTMLElement | null;
    if (action?.dataset.action === "accept" || action?.dataset.action === "reject") actions.proposal(action.dataset.action);
  });
  wireNav(root, ui.nav, { step: (delta) => stepper.step(delta), undo: () => actions.undoRedo("undo"), help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache));
  return startView(model, root, status, {
    on: { ...stepper.listeners(onMessage), "change:title change:display_size": () => painter.paint() },
    paint: () => painter.paint(),
    dispose: [stepper, stopDraft, () => window.removeEventListener("mouseup", stopSelecting), keymap, ledger],
  });
}

export default { render } satisfies AnyWidget<CorefModel>;
