// SceneGraphAnnotator front-end: the image with its boxes and the relations between them as
// labelled arrows, beside the relation being made, the predicates, the selected box's class and
// attributes, and the list of triples and proposals. A relation takes three actions: click the
// subject box, click the object box, press the predicate's digit (or type to filter, then Enter).
// Ids, classes, predicates and attributes are untrusted: shown as text only.
// The parts: scene_graph/state.ts (data, selection), layout.ts (DOM), paint.ts (drawing),
// actions.ts (edits through the ledger); boxes are drawn with lib/box_draft.ts, arrows with lib/arrows.ts.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./scene_graph.css";
import { boxAt, BoxDraft } from "../lib/box_draft";
import { canvasPoint } from "../lib/boxes";
import { HelpOverlay } from "../lib/help";
import { ItemCache } from "../lib/items";
import { Binding, HOST_KEYS, hostKeyName, Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import { kernelMessages, startView, wireNav } from "../lib/review";
import { Stepper, stepKeys } from "../lib/stepper";
import { mountRoot } from "../lib/widget";
import { SceneActions } from "./scene_graph/actions";
import { sceneLayout } from "./scene_graph/layout";
import { ScenePainter } from "./scene_graph/paint";
import { asBox, openProposals, SceneModel, SceneState } from "./scene_graph/state";

export type { Proposal, Relation, SceneModel, SgObject } from "./scene_graph/state";

/** A key that types into the predicate filter: a letter, a space, - or ' (no Ctrl / Alt / Meta). */
const FILTER_KEY = /^[\p{L} '-]$/u;

function render({ model, el }: RenderProps<SceneModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-scene-graph");
  const ui = sceneLayout(root);
  const { status } = ui;
  const cache = new ItemCache(model);
  const state = new SceneState(model, cache, () => stepper.current());
  const ledger = new EditLedger(model, {
    status, repaint: (id) => stepper.repaint(id), progress: () => painter.progress(),
  }, { coalesce: true });
  const stepper: Stepper = new Stepper(model, {
    behind: 2, ahead: 6,
    paint: () => painter.paint(),
    paintProgress: () => painter.progress(),
    enter: () => {
      state.enter();
      draft.cancel();
    },
    restart: () => ledger.restart(),
    status,
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
  const select = (kind: "relation" | "proposal", key: string) => {
    state.clear();
    if (kind === "relation") state.relation = key;
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
  const nextProposal = (step: number) => {
    const list = openProposals(state.item());
    const at = state.proposal === null ? -1 : list.findIndex((p) => p.id === state.proposal);
    state.clear();
    if (list.length) state.proposal = (at < 0 ? list[step > 0 ? 0 : list.length - 1] : list[(at + step + list.length) % list.length]).id;
    paint();
  };
  /** After a verdict: the first proposal still open is selected (so Enter goes on down the list). */
  const afterVerdict = () => {
    state.clear();
    const rest = openProposals(state.item());
    if (rest.length) state.proposal = rest[0].id;
    paint();
  };
  const verdict = (v: "accept" | "reject") => {
    const prop = state.selectedProposal();
    if (!prop) {
      say("select a proposal first (p, or click it in the list)");
      return;
    }
    actions.proposal(prop.id, v);
    afterVerdict();
  };
  const deleteSelected = () => {
    const rel = state.selectedRelation();
    if (rel) {
      actions.unrelate(rel);
      state.relation = null;
      paint();
    } else if (state.selectedProposal()) verdict("reject");
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
    else if (state.selectedProposal()) verdict("accept");
    else if (state.cursor >= 0 && state.objects()[state.cursor]) pick(state.objects()[state.cursor].id);
    else say("Tab reaches a box, Enter picks it; p selects a proposal");
  };
  const painter: ScenePainter = new ScenePainter({ model, root, ui, state, cache, stepper, ledger, draft: () => draft, select });
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
    click: (point) => {
      const id = boxAt(state.objects().map((o) => ({ box: asBox(o), value: o.id })), point);
      if (id !== undefined) pick(id);
      else {
        state.clear();
        paint();
      }
    },
  });
  const stopDraft = draft.listen();
  const onHover = (e: MouseEvent) => {
    const size = state.imageSize();
    if (!size || draft.dragFrom) return;
    const id = boxAt(state.objects().map((o) => ({ box: asBox(o), value: o.id })), canvasPoint(e, ui.canvas, size[0], size[1])) ?? null;
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
  const keys: Binding[] = [
    { keys: ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"], description: "while drawing a box: move it (Shift: resize)",
      when: () => draft.active(), run: (e) => draft.nudge(e) },
    { keys: ["Enter"], description: "while drawing a box: keep it", when: () => draft.active(), run: () => draft.keep() },
    { keys: ["Escape"], description: "while drawing a box: cancel it", when: () => draft.active() && !help.open, run: () => draft.cancel() },
    { keys: ["Backspace"], description: "while choosing a predicate: erase the last letter typed",
      when: () => state.awaiting() && state.filter.length > 0, run: () => {
        state.filter = state.filter.slice(0, -1);
        paint();
      } },
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d, k) => ({
      keys: [d], description: "the predicate (subject and object picked, or a proposal selected); else the class of the box",
      run: () => {
        if (state.awaiting() || state.selectedProposal()) choose(k);
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
    { keys: ["a"], description: "accept the selected proposal", run: () => verdict("accept") },
    { keys: ["x", "Backspace"], description: "reject the selected proposal", when: () => state.selectedProposal() !== undefined,
      run: () => verdict("reject") },
    { keys: ["p", "P"], description: "select the next open proposal (P: previous)", run: (e) => nextProposal(e.key === "P" ? -1 : 1) },
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
      when: () => help.open || state.subject !== null || state.relation !== null || state.proposal !== null || state.cursor >= 0,
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
    dispose: [stepper, stopDraft, keymap, ledger, () => {
      root.removeEventListener("keydown", onFilterKey);
      ui.canvas.removeEventListener("mousemove", onHover);
      ui.canvas.removeEventListener("mouseleave", onLeave);
    }],
  });
}

export default { render } satisfies AnyWidget<SceneModel>;
