// VQAReview front-end: image, question and the model's answer; 1/2/3 judge it, a text box takes
// the corrected answer. Everything from data or models is shown as text.
import type { RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./vqa.css";
import { IntentChannel, Reply } from "../lib/channel";
import { h, setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo, itemKey } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { StatusLine } from "../lib/status";
import { itemView } from "../lib/view";
import { exposeModel } from "../lib/widget";
import { headerRow, helpKeys, kernelMessages, PositionSync, receiveItems, startView, stepperListeners } from "../lib/review";

export type Verdict = "correct" | "partly" | "wrong";

export interface VQAModel {
  display_size: number;
  order: ItemId[];
  position: number;
  n_done: number;
  title: string;
  autofocus: boolean;
  version: string;
}

const AHEAD = 8;

export function render({ model, el }: RenderProps<VQAModel>) {
  const root = h("div", "hitl-root hitl-vqa");
  exposeModel(root, model);
  el.append(root);

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
  const prev = h("button", "hitl-button", "← prev");
  const next = h("button", "hitl-button", "next →");
  const undoButton = h("button", "hitl-button", "undo (⌫)");
  const helpButton = h("button", "hitl-button", "?");
  const retry = h("button", "hitl-button hitl-retry", "retry unsaved");
  retry.hidden = true;
  const bar = h("div", "hitl-row hitl-nav");
  bar.append(...verdictButtons, h("span", "hitl-spacer"), prev, next, undoButton, retry, helpButton);
  const status = new StatusLine();
  root.append(header, stage, bar, status.node);

  const channel = new IntentChannel(model, { coalesce: true }); // keys come fast: see lib/channel.ts
  const cache = new ItemCache(model);
  const saving = new Map<string, "pending" | "failed">();
  const undoStack: ItemId[] = [];
  let pos = Math.max(0, model.get("position"));
  const positionSync = new PositionSync(model);

  const order = () => model.get("order");
  const currentId = (): ItemId | undefined => order()[pos];

  function paintProgress(): void {
    const total = order().length;
    setText(progress, `reviewed ${model.get("n_done")} of ${total}`);
    setText(position, pos >= total ? "end" : `item ${pos + 1} / ${total}`);
    status.setSaved(channel.pendingCount, channel.failedCount);
    retry.hidden = channel.failedCount === 0;
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintProgress();
    const id = currentId();
    if (id === undefined) {
      image.replaceChildren(h("span", "hitl-done", `All ${order().length} items reviewed. ← goes back.`));
      for (const n of [question, answer, reference, current]) setText(n, "");
      input.value = "";
      input.disabled = true;
      return;
    }
    cache.around(order(), pos, 2, AHEAD);
    const item = cache.get(id);
    image.replaceChildren(itemView(item, model.get("display_size")));
    input.disabled = !item;
    if (!item) {
      for (const n of [question, answer, reference, current]) setText(n, "");
      cache.whenReady(id).then(() => currentId() === id && paint());
      return;
    }
    setText(question, item.question);
    setText(answer, item.answer);
    setText(reference, item.reference ?? "");
    (reference.parentElement as HTMLElement).hidden = item.reference === null || item.reference === undefined;
    const state = saving.get(itemKey(id));
    const verdict = item.verdict as Verdict | null;
    setText(
      current,
      verdict
        ? `verdict: ${verdict}${item.corrected ? ` — corrected: ${item.corrected}` : ""}${state === "pending" ? " (unsaved)" : state === "failed" ? " (NOT saved)" : ""}`
        : "not reviewed",
    );
    if (document.activeElement !== input) input.value = (item.corrected as string | null) ?? "";
    verdictButtons.forEach((b, n) => b.setAttribute("aria-pressed", String(["correct", "partly", "wrong"][n] === verdict)));
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id, position: pos } }));
  }

  function go(to: number): void {
    pos = Math.max(0, Math.min(to, order().length));
    if (document.activeElement === input) root.focus({ preventScroll: true });
    input.value = "";
    paint();
    positionSync.set(pos);
  }

  function track(id: ItemId, promise: Promise<Reply>, revert?: Partial<ItemInfo>): void {
    const key = itemKey(id);
    saving.set(key, "pending");
    paintProgress();
    promise.then(
      (reply) => {
        saving.delete(key);
        if (reply.type === "ack") {
          cache.update(id, { verdict: reply.verdict ?? null, corrected: reply.corrected ?? null });
          if (typeof reply.n_done === "number") model.set("n_done", reply.n_done);
        } else {
          if (revert) cache.update(id, revert);
          status.error(`refused: ${reply.message ?? "invalid"}`);
        }
        if (currentId() === id) paint();
        else paintProgress();
      },
      (error: Error) => {
        saving.set(key, "failed");
        status.error(`${error.message} (item ${JSON.stringify(id)})`);
        if (currentId() === id) paint();
        else paintProgress();
      },
    );
  }

  function send(verdict: Verdict, corrected: string | null): void {
    const id = currentId();
    const item = id === undefined ? undefined : cache.get(id);
    if (id === undefined || !item) return;
    const revert = { verdict: item.verdict, corrected: item.corrected };
    cache.update(id, { verdict, corrected });
    undoStack.push(id);
    status.clear();
    track(id, channel.send("verdict", { item_id: id, verdict, corrected }), revert);
  }

  function judge(verdict: Verdict): void {
    if (currentId() === undefined) return;
    if (verdict === "correct") {
      send("correct", null);
      go(pos + 1);
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
    go(pos + 1);
  }

  function undo(): void {
    const id = undoStack.pop() ?? currentId();
    if (id === undefined) return;
    const at = order().findIndex((v) => v === id);
    if (at >= 0) go(at);
    track(id, channel.send("undo", { item_id: id }));
    status.info(`undo: item ${JSON.stringify(id)}`);
  }

  input.addEventListener("keydown", (e) => {
    e.stopPropagation(); // typing never reaches JupyterLab or the widget's keys
    if (e.key === "Enter") {
      e.preventDefault();
      saveCorrection();
    } else if (e.key === "Escape") {
      e.preventDefault();
      root.focus({ preventScroll: true });
      paint();
    }
  });

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    { keys: ["1", "c"], description: "the answer is correct (and next)", run: () => judge("correct") },
    { keys: ["2", "p"], description: "partly correct: then type the corrected answer", run: () => judge("partly") },
    { keys: ["3", "w"], description: "wrong: then type the corrected answer", run: () => judge("wrong") },
    { keys: ["e"], description: "edit the corrected answer (Enter saves, Esc leaves)", run: () => { input.focus(); input.select(); } },
    { keys: ["Enter", "ArrowRight"], description: "next item", run: () => go(pos + 1) },
    { keys: ["ArrowLeft"], description: "previous item", run: () => go(pos - 1) },
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last review", run: undo },
    ...helpKeys(help),
  );
  prev.addEventListener("click", () => go(pos - 1));
  next.addEventListener("click", () => go(pos + 1));
  undoButton.addEventListener("click", undo);
  helpButton.addEventListener("click", () => help.toggle());
  retry.addEventListener("click", () => channel.retryFailed());
  root.addEventListener("mousedown", (e) => {
    const t = e.target as HTMLElement;
    if (t === root || !(t.closest("button") || t.closest("input"))) root.focus({ preventScroll: true });
  });

  channel.onChange = paintProgress;
  const onMessage = kernelMessages(channel, status, {
    items: receiveItems(cache, () => order().slice(Math.max(0, pos - 2), pos + AHEAD), currentId, paint),
    invalidate: () => {
      cache.invalidate();
      paint();
    },
  });
  const restart = (position: number) => {
    pos = position;
    undoStack.length = 0;
    paint();
  };
  return startView(model, root, status, {
    on: {
      ...stepperListeners(model, { onMessage, shown: () => pos, go, restart, paintProgress }),
      "change:title change:display_size": paint,
    },
    paint,
    dispose: [positionSync, keymap, channel],
  });
}

export default { render };
