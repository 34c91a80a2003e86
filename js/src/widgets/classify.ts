// ClassifyWidget front-end: shows the current item, its proposal and label; keys label at once.
// The view never waits for the kernel: items ahead are prefetched, a key advances immediately,
// and the label travels in the background, shown as unsaved until the kernel acknowledges it.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./classify.css";
import type { Reply } from "../lib/channel";
import { data, h, setParts, setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo } from "../lib/items";
import { EditLedger } from "../lib/ledger";
import { Keymap } from "../lib/keyboard";
import { drawFit } from "../lib/media";
import { saveSuffix, StatusLine } from "../lib/status";
import { Stepper, stepKeys } from "../lib/stepper";
import { mountRoot } from "../lib/widget";
import { headerRow, helpKeys, kernelMessages, navButtons, ReviewModel, showSaved, startView, wireNav } from "../lib/review";
import { classDigitKeys, classKeys } from "../lib/classes";

type Label = string | number | Array<string | number> | null;

export interface ClassifyModel extends ReviewModel {
  classes: Array<string | number>;
  multi_label: boolean;
  display_size: number;
  /** what the proposals are called: "model", or "consensus" in adjudication */
  proposal_label: string;
}

interface Proposal {
  label: Label;
  score: number | null;
}

export { classKeys }; // the shared rule (lib/classes.ts), re-exported for tests

const AHEAD = 12; // items prefetched ahead of the view
const BEHIND = 3;

function render({ model, el }: RenderProps<ClassifyModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-classify");

  // ---------------------------------------------------------------- layout
  const { header, title, position, progress } = headerRow();

  const canvas = h("canvas");
  const text = h("div", "hitl-text");
  const placeholder = h("div", "hitl-muted hitl-placeholder");
  const stage = h("div", "hitl-stage");
  stage.append(canvas, text, placeholder);

  const proposalLine = h("span", "hitl-proposal");
  const currentLine = h("span", "hitl-current");
  const info = h("div", "hitl-row");
  info.append(proposalLine, h("span", "hitl-spacer"), currentLine);

  const notes = h("ul", "hitl-notes");
  const classBar = h("div", "hitl-row hitl-classes");
  const buttons = navButtons("← prev", "next →");
  const { prev, next, undoButton, helpButton, retry } = buttons;
  const skip = h("button", "hitl-button", "skip (Space)");
  const nav = h("div", "hitl-row hitl-nav");
  nav.append(prev, skip, next, undoButton, h("span", "hitl-spacer"), retry, helpButton);

  const status = new StatusLine();
  root.append(header, stage, info, notes, classBar, nav, status.node);

  // ---------------------------------------------------------------- state
  const repaint = (id: ItemId) => stepper.repaint(id);
  // keys come fast: intents are coalesced (see lib/channel.ts)
  const ledger = new EditLedger(model, { status, repaint, progress: paintProgress }, { coalesce: true });
  const cache = new ItemCache(model);
  let selection: Array<string | number> = [];
  const stepper = new Stepper(model, {
    behind: BEHIND, ahead: AHEAD, paint, paintProgress,
    enter: () => {
      const item = cache.get(current() as ItemId);
      selection = model.get("multi_label") && Array.isArray(item?.label) ? [...(item!.label as [])] : [];
    },
    restart: () => ledger.restart(),
    status,
  });
  const classes = () => model.get("classes");
  const proposalName = () => model.get("proposal_label") || "model";
  const current = () => stepper.current();

  // ---------------------------------------------------------------- drawing
  function paintProgress(): void {
    const total = stepper.total;
    setText(progress, `labelled ${ledger.done(total)} of ${total}`);
    setText(position, stepper.positionText());
    showSaved(status, ledger, retry);
  }

  // the class buttons are built once per class list; a paint only flips their aria-pressed
  let classButtons: HTMLElement[] = [];
  let builtFor: unknown = null;
  // the model's proposed class is marked on its button: an outline (.hitl-proposed) and a "model"
  // badge, in the button's text, so it is not told by colour alone and screen readers hear it
  let badges: HTMLElement[] = [];
  function paintClasses(item?: ItemInfo): void {
    const label = (item?.label ?? null) as Label;
    const chosen = model.get("multi_label") ? selection : label === null ? [] : [label as string | number];
    const proposal = item?.proposal as Proposal | null | undefined;
    const proposed = proposal ? (Array.isArray(proposal.label) ? proposal.label : [proposal.label]) : [];
    const list = classes();
    if (list !== builtFor) {
      builtFor = list;
      const keys = classKeys(list);
      badges = [];
      classButtons = list.map((c, k) => {
        const b = h("button", "hitl-button hitl-class");
        if (keys[k]) b.append(h("span", "hitl-key", keys[k]));
        b.append(document.createTextNode(String(c)));
        b.title = String(c); // the whole name when a long one is cut with … (issue 16)
        badges.push(h("span", "hitl-model-badge")); // in the button while its class is proposed
        b.addEventListener("click", () => pick(k));
        return b;
      });
      classBar.replaceChildren(...classButtons);
    }
    list.forEach((c, k) => {
      const pressed = String(chosen.some((v) => v === c));
      if (classButtons[k].getAttribute("aria-pressed") !== pressed) classButtons[k].setAttribute("aria-pressed", pressed);
      const isProposed = proposed.some((v) => v === c);
      if (isProposed) setText(badges[k], proposalName());
      if (badges[k].isConnected !== isProposed) {
        if (isProposed) classButtons[k].append(badges[k]);
        else badges[k].remove();
        classButtons[k].classList.toggle("hitl-proposed", isProposed);
      }
    });
  }

  /** Show exactly one of canvas, text and placeholder (each `hidden` is written only when it changes). */
  function showOnly(visible: HTMLElement): void {
    for (const el of [canvas, text, placeholder]) {
      const hide = el !== visible;
      if (el.hidden !== hide) el.hidden = hide;
    }
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintProgress();
    const id = current();
    if (id === undefined) {
      showOnly(placeholder);
      notes.hidden = true;
      setText(placeholder, `All ${stepper.total} items reviewed. ← goes back.`);
      placeholder.className = "hitl-done";
      setText(proposalLine, "");
      setText(currentLine, "");
      paintClasses();
      return;
    }
    if (placeholder.className !== "hitl-muted hitl-placeholder") placeholder.className = "hitl-muted hitl-placeholder";
    const item = cache.get(id);
    stepper.prefetch(cache);
    if (!item) {
      showOnly(placeholder);
      notes.hidden = true;
      setText(placeholder, "loading…");
      setText(proposalLine, "");
      setText(currentLine, "");
      paintClasses();
      stepper.paintWhenReady(cache, id);
      return;
    }
    if (item.kind === "image" && item.image) {
      drawFit(canvas, item.image, model.get("display_size"));
      showOnly(canvas);
    } else if (item.kind === "text") {
      setText(text, item.text);
      showOnly(text);
    } else {
      setText(placeholder, item.error ?? "cannot show this item");
      showOnly(placeholder);
    }
    const lines = Array.isArray(item.notes) ? (item.notes as unknown[]) : [];
    if (lines.length || notes.childElementCount) notes.replaceChildren(...lines.map((line) => h("li", "", line)));
    if (notes.hidden !== (lines.length === 0)) notes.hidden = lines.length === 0;
    const proposal = item.proposal as Proposal | null | undefined;
    setParts(
      proposalLine,
      proposal
        ? [`${proposalName()}: `, data(proposal.label), `${proposal.score === null ? "" : ` (${proposal.score.toFixed(2)})`} — Enter accepts`]
        : [],
    );
    const state = ledger.stateOf(id);
    const label = (item.label ?? null) as Label;
    setParts(currentLine, label === null ? ["unlabelled"] : ["label: ", data(label), saveSuffix(state)]);
    paintClasses(item);
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id, position: stepper.pos } }));
  }

  // ---------------------------------------------------------------- intents
  /** The kernel's label for `id` replaces the view's (the ack of a label, skip or undo). */
  const takeLabel = (id: ItemId) => (reply: Reply) => cache.update(id, { label: (reply.label ?? null) as Label });

  function label(value: Label, source: "human" | "proposal"): void {
    const id = current();
    if (id === undefined) return;
    const item = cache.get(id);
    if (!item) return status.info("still loading this item: look before you label", { item: id });
    const before = (item.label ?? null) as Label;
    cache.update(id, { label: value });
    status.clear();
    ledger.send("label", { item_id: id, label: value, source }, {
      item: id, describe: stepper.placeText(id), undo: true, done: before === null ? true : undefined,
      ack: takeLabel(id), refused: () => cache.update(id, { label: before }),
    });
    stepper.step(1); // at once: the kernel's answer is awaited in the background
  }

  function pick(k: number): void {
    const c = classes()[k];
    if (c === undefined || stepper.atEnd()) return;
    if (model.get("multi_label")) {
      selection = selection.includes(c) ? selection.filter((v) => v !== c) : [...selection, c];
      paintClasses(cache.get(current() as ItemId));
      return;
    }
    label(c, "human");
  }

  function accept(): void {
    const id = current();
    if (id === undefined) return;
    const item = cache.get(id);
    if (model.get("multi_label") && selection.length) return label([...selection], "human");
    const proposal = item?.proposal as Proposal | undefined;
    if (proposal) return label(proposal.label, "proposal");
    if (model.get("multi_label")) return label([], "human");
    status.info("no proposal for this item: pick a class with its number key", { item: id });
  }

  function skipItem(): void {
    const id = current();
    if (id === undefined) return;
    ledger.send("skip", { item_id: id }, { item: id, describe: stepper.placeText(id), undo: true, ack: takeLabel(id) }); // labels nothing
    stepper.step(1);
  }

  function undo(): void {
    const id = ledger.popUndo()?.item ?? current();
    if (id === undefined) return;
    stepper.seek(id);
    ledger.send("undo", { item_id: id }, { item: id, describe: stepper.placeText(id), done: false, ack: takeLabel(id) });
    status.info(`undo: ${stepper.placeText(id)}`, { item: id, title: `item id ${JSON.stringify(id)}` }); // the place the header shows
  }

  // ---------------------------------------------------------------- keyboard
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    ...classDigitKeys(classes, pick, (c) => `pick class ${String(c)}`),
    { keys: ["Enter"], description: "accept the proposal (multi-label: confirm the selection)", run: accept },
    { keys: ["Space"], description: "skip this item", run: skipItem },
    ...stepKeys(stepper, ["ArrowRight"], ["ArrowLeft"]),
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last change", run: undo },
    ...helpKeys(help),
  );
  skip.addEventListener("click", skipItem);
  wireNav(root, buttons, { step: (delta) => stepper.step(delta), undo, help, channel: ledger });

  // ---------------------------------------------------------------- kernel messages
  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache));
  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:classes change:title change:display_size change:multi_label change:proposal_label": paint,
    },
    paint,
    dispose: [stepper, keymap, ledger],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<ClassifyModel>;
