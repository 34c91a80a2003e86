// VQAReview front-end: image, question and the model's answer; 1/2/3 judge it, a text box takes
// the corrected answer. Everything from data or models is shown as text.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./vqa.css";
import type { Reply } from "../lib/channel";
import { h, setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId } from "../lib/items";
import { EditLedger } from "../lib/ledger";
import { Keymap, textBoxKeys } from "../lib/keyboard";
import { saveSuffix, StatusLine } from "../lib/status";
import { Stepper, stepKeys } from "../lib/stepper";
import { itemView } from "../lib/view";
import { mountRoot } from "../lib/widget";
import { headerRow, helpKeys, kernelMessages, navButtons, ReviewModel, showSaved, startView, wireNav } from "../lib/review";

export type Verdict = "correct" | "partly" | "wrong";

export interface VQAModel extends ReviewModel {
  display_size: number;
}

const AHEAD = 8;
const BEHIND = 2;

function render({ model, el }: RenderProps<VQAModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-vqa");

  const { header, title, position, progress } = headerRow();

  const image = h("div", "hitl-vqa-image");
  const question = h("div", "hitl-literal hitl-question");
  const answer = h("div", "hitl-literal hitl-answer");
  const reference = h("div", "hitl-literal hitl-reference");
  const current = h("div", "hitl-current");
  for (const node of [question, answer, reference]) node.dir = "auto";
  const input = h("input", "hitl-input hitl-corrected");
  input.type = "text";
  input.placeholder = "corrected answer (e to edit, Enter saves)";
  input.setAttribute("aria-label", "corrected answer");
  const qa = h("div", "hitl-vqa-text");
  const label = (text: string, node: HTMLElement) => {
    const row = h("div", "hitl-field");
    row.append(h("span", "hitl-muted hitl-field-name", text), node);
    return row;
  };
  qa.append(label("question", question), label("answer", answer), label("reference", reference), current, input);
  const stage = h("div", "hitl-row hitl-vqa-stage");
  stage.append(image, qa);

  const verdictButtons = (["correct", "partly", "wrong"] as Verdict[]).map((v, n) => {
    const b = h("button", `hitl-button hitl-verdict-${v}`);
    b.append(h("span", "hitl-key", String(n + 1)), document.createTextNode(v));
    b.addEventListener("click", () => judge(v));
    return b;
  });
  const buttons = navButtons("← prev", "next →");
  const { prev, next, undoButton, helpButton, retry } = buttons;
  const bar = h("div", "hitl-row hitl-nav");
  bar.append(...verdictButtons, h("span", "hitl-spacer"), prev, next, undoButton, retry, helpButton);
  const status = new StatusLine();
  root.append(header, stage, bar, status.node);

  const repaint = (id: ItemId) => stepper.repaint(id);
  // keys come fast: intents are coalesced (see lib/channel.ts)
  const ledger = new EditLedger(model, { status, repaint, progress: paintProgress }, { coalesce: true });
  const cache = new ItemCache(model);
  const stepper = new Stepper(model, {
    behind: BEHIND, ahead: AHEAD, paint, paintProgress,
    enter: () => {
      if (document.activeElement === input) root.focus({ preventScroll: true });
      input.value = "";
    },
    restart: () => ledger.restart(),
    status,
  });
  const currentId = () => stepper.current();

  function paintProgress(): void {
    const total = stepper.total;
    setText(progress, `reviewed ${ledger.done(total)} of ${total}`);
    setText(position, stepper.positionText());
    showSaved(status, ledger, retry);
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintProgress();
    const id = currentId();
    if (id === undefined) {
      image.replaceChildren(h("span", "hitl-done", `All ${stepper.total} items reviewed. ← goes back.`));
      for (const n of [question, answer, reference, current]) setText(n, "");
      input.value = "";
      input.disabled = true;
      return;
    }
    stepper.prefetch(cache);
    const item = cache.get(id);
    image.replaceChildren(itemView(item, model.get("display_size")));
    input.disabled = !item;
    if (!item) {
      for (const n of [question, answer, reference, current]) setText(n, "");
      stepper.paintWhenReady(cache, id);
      return;
    }
    setText(question, item.question);
    setText(answer, item.answer);
    setText(reference, item.reference ?? "");
    (reference.parentElement as HTMLElement).hidden = item.reference === null || item.reference === undefined;
    const state = ledger.stateOf(id);
    const verdict = item.verdict as Verdict | null;
    setText(
      current,
      verdict
        ? `verdict: ${verdict}${item.corrected ? ` — corrected: ${item.corrected}` : ""}${saveSuffix(state)}`
        : "not reviewed",
    );
    if (document.activeElement !== input) input.value = (item.corrected as string | null) ?? "";
    verdictButtons.forEach((b, n) => b.setAttribute("aria-pressed", String(["correct", "partly", "wrong"][n] === verdict)));
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id, position: stepper.pos } }));
  }

  /** The kernel's verdict and corrected answer replace the view's (the ack of a verdict or an undo). */
  const takeVerdict = (id: ItemId) => (reply: Reply) =>
    cache.update(id, { verdict: reply.verdict ?? null, corrected: reply.corrected ?? null });

  function send(verdict: Verdict, corrected: string | null): void {
    const id = currentId();
    const item = id === undefined ? undefined : cache.get(id);
    if (id === undefined || !item) return;
    const revert = { verdict: item.verdict, corrected: item.corrected };
    cache.update(id, { verdict, corrected });
    status.clear();
    ledger.send("verdict", { item_id: id, verdict, corrected }, {
      item: id, describe: stepper.placeText(id), undo: true, ack: takeVerdict(id), refused: () => cache.update(id, revert),
    });
  }

  function judge(verdict: Verdict): void {
    if (currentId() === undefined) return;
    if (verdict === "correct") {
      send("correct", null);
      stepper.step(1);
      return;
    }
    const typed = input.value.trim();
    send(verdict, typed || null);
    paint();
    input.focus();
    input.select();
  }

  function saveCorrection(): void {
    const id = currentId();
    const item = id === undefined ? undefined : cache.get(id);
    if (!item) return;
    const verdict = (item.verdict as Verdict | null) === "partly" ? "partly" : "wrong";
    send(verdict, input.value.trim() || null);
    root.focus({ preventScroll: true });
    stepper.step(1);
  }

  function undo(): void {
    const id = ledger.popUndo()?.item ?? currentId();
    if (id === undefined) return;
    stepper.seek(id);
    ledger.send("undo", { item_id: id }, { item: id, describe: stepper.placeText(id), ack: takeVerdict(id) });
    status.info(`undo: ${stepper.placeText(id)}`, { item: id, title: `item id ${JSON.stringify(id)}` }); // the place the header shows
  }

  textBoxKeys(input, { enter: saveCorrection, escape: () => { root.focus({ preventScroll: true }); paint(); } });

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    { keys: ["1", "c"], description: "the answer is correct (and next)", run: () => judge("correct") },
    { keys: ["2", "p"], description: "partly correct: then type the corrected answer", run: () => judge("partly") },
    { keys: ["3", "w"], description: "wrong: then type the corrected answer", run: () => judge("wrong") },
    { keys: ["e"], description: "edit the corrected answer (Enter saves, Esc leaves)", run: () => { input.focus(); input.select(); } },
    ...stepKeys(stepper, ["Enter", "ArrowRight"], ["ArrowLeft"]),
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last review", run: undo },
    ...helpKeys(help),
  );
  wireNav(root, buttons, { step: (delta) => stepper.step(delta), undo, help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache));
  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:title change:display_size": paint,
    },
    paint,
    dispose: [stepper, keymap, ledger],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<VQAModel>;
