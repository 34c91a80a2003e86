// YesNoReview front-end: the item and one question; y / n answer it and move on. The smallest
// complete widget, and the worked example of docs/architecture.md: everything but the layout and
// the two answers comes from js/src/lib (stepping, prefetch, the edit ledger, keys, help, status).
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./yesno.css";
import type { Reply } from "../lib/channel";
import { h, setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import { headerRow, helpKeys, kernelMessages, navButtons, ReviewModel, showSaved, startView, wireNav } from "../lib/review";
import { saveSuffix, StatusLine } from "../lib/status";
import { Stepper, stepKeys } from "../lib/stepper";
import { itemView } from "../lib/view";
import { mountRoot } from "../lib/widget";

type Answer = "yes" | "no";

export interface YesNoModel extends ReviewModel {
  question: string;
}

const SIZE = 240; // px, the item's longer side

function render({ model, el }: RenderProps<YesNoModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-yesno");

  // ---------------------------------------------------------------- layout
  const { header, title, position, progress } = headerRow();
  const media = h("div", "hitl-yesno-media");
  const question = h("div", "hitl-literal hitl-yesno-question");
  question.dir = "auto"; // the question is the user's text: it lays out by its own direction
  const current = h("div", "hitl-current");
  const answerButtons = (["yes", "no"] as Answer[]).map((a) => {
    const b = h("button", `hitl-button hitl-answer-${a}`);
    b.append(h("span", "hitl-key", a[0]), document.createTextNode(a));
    b.addEventListener("click", () => answer(a));
    return b;
  });
  const buttons = navButtons("← prev", "next →");
  const { prev, next, undoButton, helpButton, retry } = buttons;
  const bar = h("div", "hitl-row hitl-nav");
  bar.append(...answerButtons, h("span", "hitl-spacer"), prev, next, undoButton, retry, helpButton);
  const status = new StatusLine();
  root.append(header, question, media, current, bar, status.node);

  // ---------------------------------------------------------------- state: the kit's pieces
  const cache = new ItemCache(model); // media and per-item fields, prefetched around the position
  const ledger = new EditLedger(model, { status, repaint: (id) => stepper.repaint(id), progress: paintProgress }, { coalesce: true });
  const stepper = new Stepper(model, { behind: 2, ahead: 8, paint, paintProgress, restart: () => ledger.restart(), status });

  // ---------------------------------------------------------------- drawing
  function paintProgress(): void {
    const total = stepper.total;
    setText(progress, `answered ${ledger.done(total)} of ${total}`);
    setText(position, stepper.positionText());
    showSaved(status, ledger, retry);
  }

  function paint(): void {
    setText(title, model.get("title"));
    setText(question, model.get("question"));
    paintProgress();
    const id = stepper.current();
    if (id === undefined) {
      media.replaceChildren(h("span", "hitl-done", `All ${stepper.total} items answered. ← goes back.`));
      setText(current, "");
      return;
    }
    stepper.prefetch(cache);
    const item = cache.get(id);
    media.replaceChildren(itemView(item, SIZE));
    if (!item) {
      setText(current, "");
      stepper.paintWhenReady(cache, id);
      return;
    }
    const given = (item.answer as Answer | null) ?? null;
    setText(current, given ? `answer: ${given}${saveSuffix(ledger.stateOf(id))}` : "not answered");
    answerButtons.forEach((b, n) => b.setAttribute("aria-pressed", String(["yes", "no"][n] === given)));
  }

  // ---------------------------------------------------------------- intents, through the ledger
  /** The kernel's answer for the item replaces the view's (the ack of an answer or an undo). */
  const takeAnswer = (id: ItemId) => (reply: Reply) => cache.update(id, { answer: reply.answer ?? null });

  function answer(value: Answer): void {
    const id = stepper.current();
    const item = id === undefined ? undefined : cache.get(id);
    if (id === undefined || !item) return;
    const before = item.answer ?? null;
    cache.update(id, { answer: value }); // optimistic: shown at once, "unsaved" until the ack
    status.clear();
    ledger.send("answer", { item_id: id, answer: value }, {
      item: id, describe: stepper.placeText(id), undo: true, done: before === null ? true : undefined,
      ack: takeAnswer(id), refused: () => cache.update(id, { answer: before }),
    });
    stepper.step(1);
  }

  function undo(): void {
    const id = ledger.popUndo()?.item ?? stepper.current();
    if (id === undefined) return;
    stepper.seek(id);
    ledger.send("undo", { item_id: id }, { item: id, describe: stepper.placeText(id), ack: takeAnswer(id) });
    status.info(`undo: ${stepper.placeText(id)}`, { item: id, title: `item id ${JSON.stringify(id)}` }); // the place the header shows
  }

  // ---------------------------------------------------------------- keys
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    { keys: ["y"], description: "yes (and next)", run: () => answer("yes") },
    { keys: ["n"], description: "no (and next)", run: () => answer("no") },
    ...stepKeys(stepper, ["ArrowRight", "Space"], ["ArrowLeft"]),
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last answer", run: undo },
    ...helpKeys(help),
  );
  wireNav(root, buttons, { step: (delta) => stepper.step(delta), undo, help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache));
  return startView(model, root, status, {
    on: { ...stepper.listeners(onMessage), "change:title change:question": paint },
    paint,
    dispose: [stepper, keymap, ledger],
  });
}

export default { render } satisfies AnyWidget<YesNoModel>;
