// SceneGraphAnnotator front-end: the image with its boxes and the relations between them as
// labelled arrows, beside the relation being made, the predicates, the selected box's class and
// attributes, and the list of triples and proposals. A relation takes three actions: click the
// subject box, click the object box, press the predicate's digit (or type to filter, then Enter).
// Ids, classes, predicates and attributes are untrusted: shown as text only.
// The parts: scene_graph/state.ts (data, selection), layout.ts (DOM), paint.ts (drawing),
// actions.ts (edits through the ledger); boxes are drawn with lib/box_draft.ts, moved / resized
// with lib/box_edit.ts (as BBoxAnnotator's), arrows with lib/arrows.ts.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./scene_graph.css";
import { boxAt, BoxDraft, drawingKeys } from "../lib/box_draft";
import { arrowDelta, BoxGrab, handleCursor, nudgeRect } from "../lib/box_edit";
import { canvasPoint } from "../lib/boxes";
import { editStepper } from "../lib/edit_stepper";
import { HelpOverlay } from "../lib/help";
import { ItemCache } from "../lib/items";
import { Binding, HOST_KEYS, hostKeyName, Keymap } from "../lib/keyboard";
import { kernelMessages, startView, wireNav } from "../lib/review";
import { stepKeys } from "../lib/stepper";
import { mountRoot } from "../lib/widget";
import { SceneActions } from "./scene_graph/actions";
import { sceneLayout } from "./scene_graph/layout";
import { ScenePainter } from "./scene_graph/paint";
import { asBox, openBoxProposals, proposalOrder, SceneModel, SceneState } from "./scene_graph/state";

export type { Proposal, Relation, SceneModel, SgObject } from "./scene_graph/state";

/** A key that types into the predicate filter: a letter, a space, - or ' (no Ctrl / Alt / Meta). */
const FILTER_KEY = /^[\p{L} '-]$/u;

function render({ model, el }: RenderProps<SceneModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-scene-graph");
  const ui = sceneLayout(root);
  const { status } = ui;
  const cache = new ItemCache(model);
  const state = new SceneState(model, cache, () => stepper.current());
  const { ledger, stepper } = editStepper(model, {
    status, behind: 2, ahead: 6, coalesce: true, restartLedger: true,
    paint: () => painter.paint(),
    paintProgress: () => painter.progress(),
    enter: () => {
      actions.flush();
      state.enter();
      draft.cancel();
    },
  });
  const paint = () => painter.paint();
  const actions = new SceneActions({ state, cache, ledger, stepper, status, paint });
  const say = (text: string) => status.info(text, { item: state.current() });

  /** A box clicked (or reached with Tab and Enter): the subject, then the object. */
  const pick = (id: string) => {
    state.relation = state.proposal = null;
    if (state.subject === null || state.awaiting()) {
      state.subject = id;
      state.object = null;
    } else if (state.subject === id) state.subject = null;
    else state.object = id;
    state.filter = "";
    paint();
  };
  const select = (kind: "relation" | "proposal" | "box", key: string) => {
    state.clear();
    if (kind === "relation") state.relation = key;
    else if (kind === "box") state.boxProposal = key;
    else state.proposal = key;
    paint();
  };
  /** The predicate chosen (the n-th the filter keeps): the relation is made, or the proposal accepted with it. */
  const choose = (n: number) => {
    const k = state.choices()[n];
    const predicate = state.predicates()[k];
    if (predicate === undefined) {
      say(state.filter ? `no predicate matches "${state.filter}"` : "no such predicate");
      return;
    }
    const prop = state.selectedProposal();
    if (state.awaiting() && state.subject !== null && state.object !== null) {
      actions.relate(state.subject, predicate, state.object);
      state.clear();
    } else if (prop) {
      actions.proposal(prop.id, "accept", predicate === prop.predicate ? undefined : predicate);
      afterVerdict();
      return;
    }
    paint();
  };
  /** p / P: the proposed boxes (best first), then the proposed relations. */
  const nextProposal = (step: number) => {
    const list = proposalOrder(state.item());
    const at = list.findIndex((p) => (p.kind === "box" ? p.id === state.boxProposal : p.id === state.proposal));
    state.clear();
    if (list.length) {
      const next = at < 0 ? list[step > 0 ? 0 : list.length - 1] : list[(at + step + list.length) % list.length];
      select(next.kind, next.id);
    } else paint();
  };
  /** After a verdict: the first proposal still open is selected (so Enter goes on down the list). */
  const afterVerdict = () => {
    state.clear();
    const rest = proposalOrder(state.item());
    if (rest.length) select(rest[0].kind, rest[0].id);
    else paint();
  };
  const verdict = (v: "accept" | "reject") => {
    const box = state.selectedBoxProposal();
    const prop = state.selectedProposal();
    if (box) actions.boxProposal(box.id, v);
    else if (prop) actions.proposal(prop.id, v);
    else {
      say("select a proposal first (p, or click it in the list or on the image)");
      return;
    }
    afterVerdict();
  };
  const acceptBoxesAbove = () => {
    const t = model.get("object_threshold");
    const n = actions.acceptBoxesAbove(t);
    say(n ? `accepted ${n} proposed box${n === 1 ? "" : "es"} scored ${t.toFixed(2)} or more` : `no open proposed box scored ${t.toFixed(2)} or more`);
    afterVerdict();
  };
  /** An arrow key: nudge the selected box by 1 image pixel (Shift: 10; Alt: resize it), as BBoxAnnotator's. */
  const nudge = (e: KeyboardEvent) => {
    const o = state.editable();
    const size = state.imageSize();
    if (!o || !size) return;
    const [dx, dy] = arrowDelta(e.key);
    actions.nudgeBox(o.id, nudgeRect(o, dx, dy, e.shiftKey ? 10 : 1, e.altKey, size[0], size[1]));
  };
  const deleteSelected = () => {
    const rel = state.selectedRelation();
    if (rel) {
      actions.unrelate(rel);
      state.relation = null;
      paint();
    } else if (state.selectedProposal() || state.selectedBoxProposal()) verdict("reject");
    else if (state.subject !== null && !state.awaiting()) {
      actions.deleteBox(state.subject);
      paint();
    } else say("select a box or a relation to delete");
  };
  const cycleClass = () => {
    const classes = state.classes();
    const o = state.object_(state.subject);
    if (o && !state.awaiting()) {
      const k = (classes.findIndex((c) => c === o.class) + 1) % classes.length;
      actions.updateBox(o.id, { class: classes[k] });
    } else {
      state.classIndex = (state.classIndex + 1) % classes.length;
      paint();
    }
  };
  const moveCursor = (step: number) => {
    const n = state.objects().length;
    if (!n) return;
    state.cursor = state.cursor < 0 ? (step > 0 ? 0 : n - 1) : (state.cursor + step + n) % n;
    painter.image();
  };
  const enter = () => {
    if (state.awaiting()) choose(0);
    else if (state.selectedProposal() || state.selectedBoxProposal()) verdict("accept");
    else if (state.cursor >= 0 && state.objects()[state.cursor]) pick(state.objects()[state.cursor].id);
    else say("Tab reaches a box, Enter picks it; p selects a proposal");
  };
  const painter: ScenePainter = new ScenePainter({ model, root, ui, state, cache, stepper, ledger, draft: () => draft, grab: () => grab, select });
  const grab = new BoxGrab({
    canvas: ui.canvas,
    size: () => state.imageSize(),
    changed: () => painter.image(),
    drop: (r, moved) => {
      const o = state.editable();
      if (!o) return painter.image();
      if (moved) actions.placeBox(o.id, r);
      else pick(o.id); // a click on the selected box, as before: it is unselected
    },
  });
  const stopGrab = grab.listen((e) => {
    const size = state.imageSize() ?? [1, 1];
    const [x, y] = canvasPoint(e, ui.canvas, size[0], size[1]);
    return { x, y };
  });
  const draft = new BoxDraft({
    canvas: ui.canvas, root,
    size: () => state.imageSize(),
    canStart: () => state.classes().length > 0,
    refuse: () => say("no image"),
    repaint: () => painter.image(),
    keep: (box) => {
      actions.addBox(box);
      paint();
    },
    press: (point) => {
      const o = state.editable();
      const k = o ? grab.hit(o, { x: point[0], y: point[1] }) : null;
      if (!o || k === null) return false;
      // inside it, a smaller box under the press is picked by the click (the object of a relation)
      if (k < 0 && boxAt(state.objects().map((v) => ({ box: asBox(v), value: v.id })), point) !== o.id) return false;
      grab.begin(o, { x: point[0], y: point[1] }, k);
      return true;
    },
    click: (point) => {
      const id = boxAt(state.objects().map((o) => ({ box: asBox(o), value: o.id })), point);
      const proposed = id === undefined ? boxAt(openBoxProposals(state.item()).map((p) => ({ box: asBox(p), value: p.id })), point) : undefined;
      if (id !== undefined) pick(id);
      else if (proposed !== undefined) select("box", proposed);
      else {
        state.clear();
        paint();
      }
    },
  });
  const stopDraft = draft.listen();
  const onHover = (e: MouseEvent) => {
    const size = state.imageSize();
    if (!size || draft.dragFrom || grab.active()) return;
    const [x, y] = canvasPoint(e, ui.canvas, size[0], size[1]);
    const o = state.editable();
    const k = o ? grab.hit(o, { x, y }) : null;
    ui.canvas.style.cursor = k === null ? "" : k < 0 ? "move" : handleCursor(k);
    const id = boxAt(state.objects().map((v) => ({ box: asBox(v), value: v.id })), [x, y]) ?? null;
    if (id !== state.hover) {
      state.hover = id;
      painter.image();
    }
  };
  const onLeave = () => {
    if (state.hover === null) return;
    state.hover = null;
    painter.image();
  };
  ui.canvas.addEventListener("mousemove", onHover);
  ui.canvas.addEventListener("mouseleave", onLeave);
  // while a predicate is chosen, letters type into its filter (before the keymap sees them; never
  // a key with Ctrl / Alt / Meta, so the host's keys pass)
  const onFilterKey = (e: KeyboardEvent) => {
    if (!state.awaiting() || e.ctrlKey || e.metaKey || e.altKey || e.isComposing || e.target !== root) return;
    if (!FILTER_KEY.test(e.key) || (e.key === " " && !state.filter)) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    state.filter += e.key;
    painter.pending();
    painter.image();
  };
  root.addEventListener("keydown", onFilterKey);

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  const [moveDraft, keepDraft, cancelDraft] = drawingKeys(draft, help);
  const keys: Binding[] = [
    moveDraft,
    keepDraft,
    { keys: ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"], description: "move the selected box by a pixel (Shift: 10)",
      when: () => state.editable() !== undefined, run: nudge },
    { keys: ["Alt+ArrowLeft", "Alt+ArrowRight", "Alt+ArrowUp", "Alt+ArrowDown"], description: "resize the selected box (Shift: 10 px)",
      when: () => state.editable() !== undefined && !draft.active(), run: nudge },
    cancelDraft,
    { keys: ["Backspace"], description: "while choosing a predicate: erase the last letter typed",
      when: () => state.awaiting() && state.filter.length > 0, run: () => {
        state.filter = state.filter.slice(0, -1);
        paint();
      } },
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d, k) => ({
      keys: [d], description: "the predicate (subject and object picked, or a proposal selected); else the class of the box",
      run: () => {
        if (state.awaiting() || state.selectedProposal()) choose(k);
        else if (state.selectedBoxProposal()) say("a proposed box: Enter accepts it, x rejects it");
        else if (k < state.classes().length) {
          const o = state.object_(state.subject);
          if (o) actions.updateBox(o.id, { class: state.classes()[k] });
          else {
            state.classIndex = k;
            paint();
          }
        }
      },
    })),
    { keys: ["Tab"], description: "reach the next box (Shift: previous)", run: (e) => moveCursor(e.shiftKey ? -1 : 1) },
    { keys: ["Enter"], description: "pick the predicate typed / accept the proposal / pick the box reached with Tab", run: enter },
    { keys: ["a"], description: "accept the selected proposal (box or relation)", run: () => verdict("accept") },
    { keys: ["A"], description: "accept every proposed box scored at least the threshold", run: acceptBoxesAbove },
    { keys: ["x", "Backspace"], description: "reject the selected proposal (box or relation)",
      when: () => state.selectedProposal() !== undefined || state.selectedBoxProposal() !== undefined, run: () => verdict("reject") },
    { keys: ["p", "P"], description: "select the next open proposal, boxes first (P: previous)", run: (e) => nextProposal(e.key === "P" ? -1 : 1) },
    { keys: ["Delete"], description: "delete the selected relation, or the selected box and its relations", run: deleteSelected },
    { keys: ["h"], description: "hide / show the arrows", run: () => {
      state.showArrows = !state.showArrows;
      paint();
    } },
    { keys: ["c"], description: "next class for the selected box (none selected: for the next boxes)", run: cycleClass },
    { keys: ["t"], description: "edit the selected box's attributes (Enter keeps them)", when: () => state.object_(state.subject) !== undefined,
      run: () => ui.attrInput.focus() },
    { keys: ["b"], description: "draw a new box with the arrow keys", run: () => draft.start() },
    ...stepKeys(stepper, ["]", "PageDown"], ["[", "PageUp"], "image"),
    { keys: ["Ctrl+Z"], description: "undo the image's last change (Ctrl+Shift+Z: redo)", run: (e) => actions.undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => actions.undoRedo("redo") },
    { keys: ["?"], description: "show / hide these shortcuts", run: () => help.toggle() },
    {
      keys: ["Escape"], description: "close this help / cancel the relation being made or the selection (else: leave the widget)",
      when: () => help.open || state.subject !== null || state.relation !== null || state.proposal !== null || state.boxProposal !== null
        || state.cursor >= 0,
      run: () => {
        if (help.open) help.toggle(false);
        else {
          state.clear();
          state.cursor = -1;
          paint();
        }
      },
    },
  ];
  keymap.add(...keys);

  const saveAttributes = () => {
    const o = state.object_(state.subject);
    if (!o) return;
    const attrs = [...new Set(ui.attrInput.value.split(",").map((a) => a.trim()).filter(Boolean))];
    if (attrs.join("\u0000") !== o.attributes.join("\u0000")) actions.updateBox(o.id, { attributes: attrs });
  };
  ui.attrInput.addEventListener("keydown", (e) => {
    if (HOST_KEYS.has(hostKeyName(e))) return; // Shift+Enter, Ctrl+S, ...: the host's
    if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      e.stopPropagation();
      saveAttributes();
      root.focus({ preventScroll: true });
    } else if (e.key === "Escape") root.focus({ preventScroll: true }); // the Escape goes on to the host
    else if (!e.ctrlKey && !e.metaKey) e.stopPropagation(); // letters typed here are not notebook commands
  });
  ui.attrInput.addEventListener("change", saveAttributes);
  ui.classSelect.addEventListener("change", () => {
    const k = Number(ui.classSelect.value);
    const o = state.object_(state.subject);
    if (o) actions.updateBox(o.id, { class: state.classes()[k] });
    else state.classIndex = k;
    root.focus({ preventScroll: true });
  });
  ui.predicateList.addEventListener("click", (e) => {
    const li = (e.target instanceof Element ? e.target.closest("[data-predicate]") : null) as HTMLElement | null;
    if (!li || !(state.awaiting() || state.selectedProposal())) return;
    const n = [...ui.predicateList.children].indexOf(li);
    if (n >= 0) choose(n);
  });
  ui.arrowsButton.addEventListener("click", () => {
    state.showArrows = !state.showArrows;
    paint();
  });
  ui.deleteButton.addEventListener("click", deleteSelected);
  ui.acceptButton.addEventListener("click", () => verdict("accept"));
  ui.rejectButton.addEventListener("click", () => verdict("reject"));
  ui.redoButton.addEventListener("click", () => actions.undoRedo("redo"));
  wireNav(root, ui.nav, { step: (delta) => stepper.step(delta), undo: () => actions.undoRedo("undo"), help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache));
  return startView(model, root, status, {
    on: { ...stepper.listeners(onMessage), "change:title change:display_size change:predicates": () => painter.paint() },
    paint: () => painter.paint(),
    dispose: [stepper, stopDraft, stopGrab, keymap, ledger, () => {
      actions.flush();
      root.removeEventListener("keydown", onFilterKey);
      ui.canvas.removeEventListener("mousemove", onHover);
      ui.canvas.removeEventListener("mouseleave", onLeave);
    }],
  });
}

export default { render } satisfies AnyWidget<SceneModel>;
