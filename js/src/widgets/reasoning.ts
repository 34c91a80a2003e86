// ReasoningChainReview front-end: the image beside the question and each model's step-by-step chain.
// A step gets a verdict by one key; an error verdict is the chain's first error (the steps after it
// take none); a perception step can be linked to a box on the image; a step can get a corrected
// text. Questions, steps, corrections and model names are untrusted: shown as text only.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./reasoning.css";
import { BoxDrag } from "../lib/box_drag";
import { drawingKeys } from "../lib/box_draft";
import { imageStage } from "../lib/image_panel";
import { Box, DrawnBox, drawBoxes } from "../lib/boxes";
import { editorEdit, editorNav, sayAbout, undoText, wireEditorNav } from "../lib/canvas_stage";
import type { Reply } from "../lib/channel";
import { h, setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo } from "../lib/items";
import { Keymap, textBoxKeys } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import { headerRow, helpKeys, kernelMessages, ReviewModel, showProgress, startView } from "../lib/review";
import { saveSuffix, StatusLine } from "../lib/status";
import { Stepper, stepKeys } from "../lib/stepper";
import { mountRoot } from "../lib/widget";

export interface ReasoningModel extends ReviewModel {
  models: string[];
  verdicts: string[];
  display_size: number;
}

export interface Step {
  text: string;
  kind: "perception" | "inference" | "answer" | null;
}

export interface ChainReview {
  verdicts: (string | null)[];
  boxes: (Box | null)[];
  fixes: (string | null)[];
}

export const ERRORS = ["perception error", "reasoning error", "unsupported"];

/** The index of the chain's first error verdict, or -1. */
export function firstError(verdicts: (string | null)[]): number {
  return verdicts.findIndex((v) => v !== null && ERRORS.includes(v));
}

/** Verdicts after giving step `n` the verdict `v` (an error clears the steps after it). */
export function withVerdict(verdicts: (string | null)[], n: number, v: string | null): (string | null)[] {
  const out = [...verdicts];
  out[n] = v;
  if (v !== null && ERRORS.includes(v)) out.fill(null, n + 1);
  return out;
}

/** Verdicts after marking step `n` the first error of kind `kind`: the steps before it without a
 *  verdict (or with an error) become "correct", those after it lose theirs. */
export function withFirstError(verdicts: (string | null)[], n: number, kind: string): (string | null)[] {
  return verdicts.map((v, k) => (k < n ? (v === null || ERRORS.includes(v) ? "correct" : v) : k === n ? kind : null));
}

const DEFAULT_ERROR: Record<string, string> = { perception: "perception error", inference: "reasoning error", answer: "reasoning error" };
const CHANGES: Record<string, string> = { verdict: "a verdict", first_error: "a first error", box: "a region", fix: "a corrected step", redo: "a redo" };
const AHEAD = 6;
const BEHIND = 2;

interface Chain {
  model: string;
  steps: Step[];
}

function render({ model, el }: RenderProps<ReasoningModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-reasoning");
  const { header, title, position, progress } = headerRow();
  const question = h("div", "hitl-literal hitl-question");
  question.dir = "auto";
  const panels = h("div", "hitl-chains");
  const side = h("div", "hitl-chain-side");
  side.append(question, panels);
  const { canvas, imageMessage, stage: stageRow } = imageStage("hitl-region-canvas", side);

  const verdictButtons = model.get("verdicts").map((v, k) => {
    const b = h("button", `hitl-button hitl-step-verdict`);
    b.dataset.verdict = v;
    b.append(h("span", "hitl-key", String(k + 1)), document.createTextNode(v));
    b.addEventListener("click", () => judge(v));
    return b;
  });
  const firstButton = h("button", "hitl-button hitl-first-error");
  firstButton.append(h("span", "hitl-key", "x"), document.createTextNode("first error here"));
  const clearButton = h("button", "hitl-button");
  clearButton.append(h("span", "hitl-key", "0"), document.createTextNode("clear"));
  const verdictBar = h("div", "hitl-row hitl-verdicts");
  verdictBar.append(h("span", "hitl-muted", "step:"), ...verdictButtons, firstButton, clearButton);
  const boxButton = h("button", "hitl-button hitl-box-button");
  boxButton.append(h("span", "hitl-key", "b"), document.createTextNode("region on image"));
  const unboxButton = h("button", "hitl-button");
  unboxButton.append(h("span", "hitl-key", "B"), document.createTextNode("remove region"));
  const input = h("input", "hitl-input hitl-fix");
  input.type = "text";
  input.placeholder = "corrected step (e to edit, Enter saves, Esc leaves)";
  input.setAttribute("aria-label", "corrected step");
  input.dir = "auto";
  const toolBar = h("div", "hitl-row");
  toolBar.append(boxButton, unboxButton, input);
  const nav = editorNav();
  const status = new StatusLine();
  root.append(header, stageRow, verdictBar, toolBar, nav.nav, status.node);

  const cache = new ItemCache(model);
  const ledger = new EditLedger(model, { status, repaint: (id: ItemId) => stepper.repaint(id), progress: paintProgress }, { coalesce: true });
  let chainIdx = 0;
  let stepIdx = 0;
  const stepper: Stepper = new Stepper(model, {
    behind: BEHIND, ahead: AHEAD, paint, paintProgress,
    enter: () => {
      chainIdx = stepIdx = 0;
      drag.cancel();
      if (document.activeElement === input) root.focus({ preventScroll: true });
    },
    restart: () => ledger.restart(),
    status,
  });

  const item = (): ItemInfo | undefined => {
    const id = stepper.current();
    return id === undefined ? undefined : cache.get(id);
  };
  const chains = (info = item()): Chain[] => (info?.chains as Chain[] | undefined) ?? [];
  const reviewOf = (info: ItemInfo, c: Chain): ChainReview => {
    const r = (info.reviews as Record<string, ChainReview> | undefined)?.[c.model];
    const n = c.steps.length;
    return r ?? { verdicts: Array(n).fill(null), boxes: Array(n).fill(null), fixes: Array(n).fill(null) };
  };
  const imageSize = (): [number, number] | null => {
    const info = item();
    return info?.image ? [info.image.width, info.image.height] : null;
  };
  const currentStep = (): Step | undefined => chains()[chainIdx]?.steps[stepIdx];

  const drag = new BoxDrag(canvas, {
    size: imageSize,
    allowed: () => { const s = currentStep(); return !!s && (s.kind === "perception" || s.kind === null); },
    refuse: () => sayAbout(status, stepper.current() as ItemId, "only a perception step claims a region: move to one (↑/↓)"),
    changed: () => paintImage(),
    keep: (box) => edit("box", { box: box.map((v) => Math.round(v * 100) / 100) }, (r) => { r.boxes[stepIdx] = box; }),
  });
  const stopDrag = drag.listen();

  function paintProgress(): void {
    showProgress({ progress, position, status, nav }, stepper, ledger, (done, total) => `reviewed ${done} of ${total}`, "image");
  }

  function paintImage(): void {
    const info = item();
    if (!info || info.kind !== "image" || !info.image) {
      canvas.hidden = true;
      setText(imageMessage, !info ? (stepper.current() === undefined ? "" : "loading…") : info.error ?? "cannot show this image");
      return;
    }
    canvas.hidden = false;
    setText(imageMessage, "");
    const c = chains(info)[chainIdx];
    const boxes: DrawnBox[] = [];
    if (c) {
      reviewOf(info, c).boxes.forEach((b, k) => {
        if (b) boxes.push({ box: b, colour: k === stepIdx ? "#ff9800" : "#1e88e5", width: k === stepIdx ? 3 : 1.5 });
      });
    }
    if (drag.box) boxes.push({ box: drag.box, colour: "#00bcd4", dashed: true, width: 2 });
    drawBoxes(canvas, info.image, model.get("display_size"), boxes);
  }

  function panel(info: ItemInfo, c: Chain, k: number): HTMLElement {
    const box = h("div", "hitl-chain");
    box.setAttribute("aria-current", String(k === chainIdx));
    const review = reviewOf(info, c);
    const first = firstError(review.verdicts);
    const name = h("div", "hitl-model");
    name.append(h("bdi", "", c.model));
    const list = h("ol", "hitl-steps");
    c.steps.forEach((s, n) => {
      const li = h("li", "hitl-step");
      li.dataset.step = String(n);
      if (k === chainIdx && n === stepIdx) li.setAttribute("aria-current", "true");
      if (first >= 0 && n > first) li.classList.add("hitl-after-first");
      const v = review.verdicts[n];
      if (v) li.dataset.verdict = v;
      if (n === first) li.classList.add("hitl-first");
      const text = h("span", "hitl-step-text", s.text);
      text.dir = "auto";
      li.append(h("span", "hitl-step-kind", s.kind ?? "step"), text);
      li.append(h("span", "hitl-step-verdict-text", v ?? (first >= 0 && n > first ? "after the first error" : "")));
      if (review.boxes[n]) li.append(h("span", "hitl-step-region", "▣ region"));
      const fix = review.fixes[n];
      if (fix) {
        const fixNode = h("div", "hitl-step-fix");
        const fixText = h("span", "", fix);
        fixText.dir = "auto";
        fixNode.append(h("span", "hitl-muted", "corrected: "), fixText);
        li.append(fixNode);
      }
      li.addEventListener("mousedown", (e) => {
        if ((e.target as HTMLElement).closest("input")) return;
        chainIdx = k;
        stepIdx = n;
        paint();
      });
      list.append(li);
    });
    box.append(name, list);
    return box;
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintProgress();
    const id = stepper.current();
    if (id === undefined) {
      setText(question, "");
      panels.replaceChildren(h("span", "hitl-done", `All ${stepper.total} images seen. [ goes back.`));
      paintImage();
      input.disabled = true;
      return;
    }
    stepper.prefetch(cache);
    const info = cache.get(id);
    if (!info) {
      setText(question, "");
      panels.replaceChildren();
      paintImage();
      input.disabled = true;
      stepper.paintWhenReady(cache, id);
      return;
    }
    const cs = chains(info);
    chainIdx = Math.min(chainIdx, Math.max(0, cs.length - 1));
    stepIdx = Math.min(stepIdx, Math.max(0, (cs[chainIdx]?.steps.length ?? 1) - 1));
    setText(question, info.question ?? "");
    question.hidden = info.question === null || info.question === undefined;
    panels.replaceChildren(...cs.map((c, k) => panel(info, c, k)));
    const c = cs[chainIdx];
    input.disabled = !c;
    if (c && document.activeElement !== input) input.value = reviewOf(info, c).fixes[stepIdx] ?? "";
    const v = c ? reviewOf(info, c).verdicts[stepIdx] : null;
    verdictButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.verdict === v)));
    const state = ledger.stateOf(id);
    if (state) setText(progress, `${progress.textContent ?? ""}${saveSuffix(state)}`);
    paintImage();
    panels.querySelector('[aria-current="true"] .hitl-step[aria-current="true"]')?.scrollIntoView?.({ block: "nearest" });
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id, position: stepper.pos } }));
  }

  /** The kernel's reviews replace the view's, unless a later edit of the item is on its way. */
  const take = (id: ItemId) => (reply: Reply) => {
    if (reply.reviews !== undefined && ledger.pending(id) === 0) cache.update(id, { reviews: reply.reviews, can_redo: reply.can_redo });
  };

  /** Change the current step's review in the view at once and send the intent. */
  function edit(type: string, fields: Record<string, unknown>, change: (r: ChainReview) => void): boolean {
    const id = stepper.current();
    const info = item();
    const c = chains(info)[chainIdx];
    if (id === undefined || !info || !c) return false;
    const reviews = { ...((info.reviews as Record<string, ChainReview> | undefined) ?? {}) };
    const mine = reviewOf(info, c);
    const next = { verdicts: [...mine.verdicts], boxes: [...mine.boxes], fixes: [...mine.fixes] };
    change(next);
    reviews[c.model] = next;
    cache.update(id, { reviews });
    status.clear();
    ledger.send(type, { item_id: id, model: c.model, step: stepIdx, ...fields }, editorEdit(ledger, id, take(id), stepper.placeOf(id)));
    paint();
    return true;
  }

  /** Move the step cursor by `delta` through every chain's steps in turn. */
  function move(delta: number): void {
    const cs = chains();
    if (!cs.length) return;
    const flat = cs.flatMap((c, k) => c.steps.map((_, n) => [k, n] as const));
    const at = flat.findIndex(([k, n]) => k === chainIdx && n === stepIdx);
    const to = flat[Math.max(0, Math.min(flat.length - 1, at + delta))];
    [chainIdx, stepIdx] = to;
    drag.cancel();
    paint();
  }

  /** After a decision: the next step of the chain, or (after an error, or at its end) the next chain's first step. */
  function advance(error: boolean): void {
    const cs = chains();
    const c = cs[chainIdx];
    if (!c) return;
    if (!error && stepIdx + 1 < c.steps.length) stepIdx += 1;
    else if (chainIdx + 1 < cs.length) [chainIdx, stepIdx] = [chainIdx + 1, 0];
    paint();
  }

  function afterFirst(): boolean {
    const info = item();
    const c = chains(info)[chainIdx];
    if (!info || !c) return true;
    const first = firstError(reviewOf(info, c).verdicts);
    if (first >= 0 && stepIdx > first) {
      sayAbout(status, stepper.current() as ItemId, `step ${stepIdx + 1} comes after the first error (step ${first + 1}): it needs no verdict`);
      return true;
    }
    return false;
  }

  function judge(v: string | null): void {
    if (v !== null && afterFirst()) return;
    const info = item();
    const c = chains(info)[chainIdx];
    if (v === null && (!info || !c || reviewOf(info, c).verdicts[stepIdx] === null)) return; // nothing to clear
    if (!edit("verdict", { verdict: v }, (r) => { r.verdicts = withVerdict(r.verdicts, stepIdx, v); })) return;
    if (v !== null) advance(ERRORS.includes(v));
  }

  function markFirst(): void {
    const s = currentStep();
    if (!s) return;
    const kind = DEFAULT_ERROR[s.kind ?? "inference"];
    if (edit("first_error", {}, (r) => { r.verdicts = withFirstError(r.verdicts, stepIdx, kind); })) advance(true);
  }

  function saveFix(): void {
    const text = input.value.trim();
    edit("fix", { text: text || null }, (r) => { r.fixes[stepIdx] = text || null; });
    root.focus({ preventScroll: true });
  }

  function undoRedo(kind: "undo" | "redo"): void {
    const id = stepper.current();
    if (id === undefined) return;
    drag.cancel();
    ledger.send(kind, { item_id: id }, editorEdit(ledger, id, (reply) => {
      take(id)(reply);
      if (stepper.current() === id) sayAbout(status, id, undoText(kind, stepper.placeOf(id), reply, CHANGES));
      paint();
    }, stepper.placeOf(id)));
  }

  textBoxKeys(input, { enter: saveFix, escape: () => { root.focus({ preventScroll: true }); paint(); } });
  firstButton.addEventListener("click", markFirst);
  clearButton.addEventListener("click", () => judge(null));
  boxButton.addEventListener("click", () => startBox());
  unboxButton.addEventListener("click", removeBox);

  function startBox(): void {
    const info = item();
    const c = chains(info)[chainIdx];
    const existing = info && c ? reviewOf(info, c).boxes[stepIdx] : null;
    if (drag.start(existing)) sayAbout(status, stepper.current() as ItemId, "region: arrows move it, Shift+arrows resize it, Enter keeps it, Esc cancels (or drag on the image)");
  }

  function removeBox(): void {
    const info = item();
    const c = chains(info)[chainIdx];
    if (!info || !c || !reviewOf(info, c).boxes[stepIdx]) return;
    edit("box", { box: null }, (r) => { r.boxes[stepIdx] = null; });
  }

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    ...drawingKeys(drag, help, "keep it", "region"),
    { keys: ["ArrowDown", "j"], description: "next step (on to the next model's chain)", run: () => move(1) },
    { keys: ["ArrowUp", "k"], description: "previous step", run: () => move(-1) },
    ...model.get("verdicts").slice(0, 9).map((v, n) => ({
      keys: [String(n + 1)],
      description: `verdict: ${v}${ERRORS.includes(v) ? " (the first error: on to the next chain)" : " (and next step)"}`,
      run: () => judge(v),
    })),
    { keys: ["x"], description: "first error here (its kind from the step's kind; on to the next chain)", run: markFirst },
    { keys: ["0", "Delete"], description: "clear the step's verdict", run: () => judge(null) },
    { keys: ["b"], description: "link the step to a region on the image (a perception step)", run: startBox },
    { keys: ["B"], description: "remove the step's region (Shift+b)", run: removeBox },
    { keys: ["e"], description: "edit the step's corrected text (Enter saves, Esc leaves)", run: () => { input.focus(); input.select(); } },
    ...stepKeys(stepper, ["Enter", "]"], ["["], "image"),
    { keys: ["Ctrl+Z"], description: "undo the last change on this image (Ctrl+Shift+Z: redo)", run: (e) => undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => undoRedo("redo") },
    ...helpKeys(help),
  );
  wireEditorNav(nav, root, { step: (delta) => stepper.step(delta), undoRedo, help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, stepper.itemRoutes(cache));
  return startView(model, root, status, {
    on: { ...stepper.listeners(onMessage), "change:title change:display_size": paint },
    paint,
    dispose: [stepper, stopDrag, keymap, ledger],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<ReasoningModel>;
