// HallucinationFlagger front-end: the image beside one or several models' texts. Words are
// selected with the mouse or the keyboard, tagged with a category, and linked to evidence (a box
// on the image, or "not in image"). Texts and model names are untrusted: shown as text only.
import type { RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./hallucination.css";
import { Box, DrawnBox, canvasPoint, centredBox, clampBox, drawBoxes, nudgeBox } from "../lib/boxes";
import { IntentChannel, Reply } from "../lib/channel";
import { h, setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { Piece, Span, renderPieces, spanOf, wordCount, wordIndex } from "../lib/spans";
import { StatusLine } from "../lib/status";
import { Stepper, stepKeys } from "../lib/stepper";
import { mountRoot } from "../lib/widget";
import { headerRow, kernelMessages, navButtons, ReviewModel, showSaved, startView, wireNav } from "../lib/review";

export interface FlaggerModel extends ReviewModel {
  categories: string[];
  models: string[];
  display_size: number;
}

export interface Evidence {
  kind: "box" | "not_in_image";
  box?: Box;
}

export interface Flag {
  id: number | string; // event id ("tmp…" until the kernel acknowledges)
  model: string;
  t0: number;
  t1: number;
  category: string;
  evidence: Evidence | null;
  span?: string;
}

interface TextInfo {
  model: string;
  pieces: Piece[];
  verdict: string | null;
}

const VERDICTS = ["faithful", "hallucinated", "unsure"] as const;
type Verdict = (typeof VERDICTS)[number];
const VERDICT_KEYS: Record<Verdict, string> = { faithful: "a", hallucinated: "h", unsure: "u" };
const PALETTE = ["#e53935", "#fb8c00", "#8e24aa", "#1e88e5", "#43a047", "#6d4c41", "#00897b", "#c0ca33", "#546e7a"];
const AHEAD = 6;
const BEHIND = 2;

export const evidenceText = (e: Evidence | null): string =>
  !e ? "no evidence yet" : e.kind === "not_in_image" ? "not in image" : `box ${e.box!.map((v) => Math.round(v)).join(",")}`;

export function render({ model, el }: RenderProps<FlaggerModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-hallucination");

  // ---------------------------------------------------------------- layout
  const { header, title, position, progress } = headerRow();

  const canvas = h("canvas", "hitl-evidence-canvas");
  const imageMessage = h("div", "hitl-muted");
  const imageBox = h("div", "hitl-image");
  imageBox.append(canvas, imageMessage);
  const panels = h("div", "hitl-texts");
  const stage = h("div", "hitl-stage-row");
  stage.append(imageBox, panels);

  const categoryBar = h("div", "hitl-row hitl-categories");
  const boxButton = h("button", "hitl-button hitl-box-button");
  boxButton.append(h("span", "hitl-key", "b"), document.createTextNode("box on image"));
  const absentButton = h("button", "hitl-button hitl-absent-button");
  absentButton.append(h("span", "hitl-key", "n"), document.createTextNode("not in image"));
  const removeButton = h("button", "hitl-button", "remove flag (Del)");
  const evidenceBar = h("div", "hitl-row");
  evidenceBar.append(h("span", "hitl-muted", "evidence:"), boxButton, absentButton, removeButton);
  const verdictButtons = VERDICTS.map((v) => {
    const b = h("button", `hitl-button hitl-verdict-${v}`);
    b.append(h("span", "hitl-key", VERDICT_KEYS[v]), document.createTextNode(v));
    b.addEventListener("click", () => verdict(v));
    return b;
  });
  const verdictBar = h("div", "hitl-row");
  verdictBar.append(h("span", "hitl-muted", "verdict:"), ...verdictButtons);

  const buttons = navButtons("← image ([)", "next image (Enter)");
  const { prev, next, undoButton, helpButton, retry } = buttons;
  const nav = h("div", "hitl-row hitl-nav");
  nav.append(h("span", "hitl-spacer"), prev, next, undoButton, retry, helpButton);
  const status = new StatusLine();
  root.append(header, stage, categoryBar, evidenceBar, verdictBar, nav, status.node);

  // ---------------------------------------------------------------- state
  const channel = new IntentChannel(model, { coalesce: true }); // keys come fast: see lib/channel.ts
  const cache = new ItemCache(model);
  const undoStack: Array<{ item: ItemId; event: Promise<number | null> }> = []; // newest last, in key order
  const stepper = new Stepper(model, {
    behind: BEHIND, ahead: AHEAD, paint, paintProgress,
    enter: () => {
      textIdx = cursor = anchor = 0;
      activeFlag = null;
      boxEdit = null;
    },
    restart: () => {
      undoStack.length = 0;
    },
  });
  let textIdx = 0;
  let cursor = 0;
  let anchor = 0;
  let activeFlag: number | string | null = null;
  let boxEdit: Box | null = null; // a box being drawn (keyboard or mouse)
  let dragFrom: [number, number] | null = null;
  let selecting = false;
  let tmp = 0;
  const waiting = new Map<string, Promise<number | null>>(); // tmp flag id -> its event id

  const order = () => model.get("order");
  const categories = () => model.get("categories");
  const currentId = () => stepper.current();
  const item = (): ItemInfo | undefined => {
    const id = currentId();
    return id === undefined ? undefined : cache.get(id);
  };
  const texts = (info = item()): TextInfo[] => (info?.texts as TextInfo[] | undefined) ?? [];
  const flags = (info = item()): Flag[] => (info?.flags as Flag[] | undefined) ?? [];
  const activeText = (): TextInfo | undefined => texts()[textIdx];
  const selection = (): Span => spanOf(anchor, cursor);
  const colour = (category: string) => PALETTE[Math.max(0, categories().indexOf(category)) % PALETTE.length];

  /** The flag the evidence keys act on: the one under the cursor, else the last one tagged. */
  function targetFlag(): Flag | undefined {
    const t = activeText();
    if (!t) return undefined;
    const mine = flags().filter((f) => f.model === t.model);
    const sel = selection();
    return (
      mine.find((f) => f.t0 === sel.t0 && f.t1 === sel.t1) ??
      mine.find((f) => f.t0 <= cursor && cursor <= f.t1) ??
      flags().find((f) => f.id === activeFlag)
    );
  }

  // ---------------------------------------------------------------- drawing
  function paintProgress(): void {
    const total = order().length;
    setText(progress, `done ${model.get("n_done")} of ${total}`);
    setText(position, stepper.positionText("image"));
    showSaved(status, channel, retry);
  }

  function paintImage(): void {
    const info = item();
    if (!info || info.kind !== "image" || !info.image) {
      canvas.hidden = true;
      setText(imageMessage, !info ? "loading…" : info.error ?? "cannot show this image");
      return;
    }
    canvas.hidden = false;
    setText(imageMessage, "");
    const target = targetFlag();
    const boxes: DrawnBox[] = flags()
      .filter((f) => f.evidence?.kind === "box")
      .map((f) => ({ box: f.evidence!.box as Box, colour: colour(f.category), width: f === target ? 3 : 1.5 }));
    if (boxEdit) boxes.push({ box: boxEdit, colour: "#00bcd4", dashed: true, width: 2 });
    drawBoxes(canvas, info.image, model.get("display_size"), boxes);
  }

  function paintCategories(): void {
    categoryBar.replaceChildren(
      h("span", "hitl-muted", "tag:"),
      ...categories().map((c, n) => {
        const b = h("button", "hitl-button hitl-category");
        if (n < 9) b.append(h("span", "hitl-key", String(n + 1)));
        b.append(document.createTextNode(c));
        b.style.borderLeft = `4px solid ${colour(c)}`;
        b.addEventListener("click", () => tag(n));
        return b;
      }),
    );
  }

  function paintTexts(): void {
    const info = item();
    const list = texts(info);
    const all = flags(info);
    const target = targetFlag();
    panels.replaceChildren(
      ...list.map((t, k) => {
        const panel = h("div", "hitl-text-panel");
        panel.setAttribute("aria-current", String(k === textIdx));
        const head = h("div", "hitl-row");
        head.append(h("span", "hitl-model", t.model), h("span", "hitl-spacer"), h("span", "hitl-text-verdict", t.verdict ? `verdict: ${t.verdict}` : "no verdict"));
        const mine = all.filter((f) => f.model === t.model);
        const sel = selection();
        const body = h("div", "hitl-generated");
        body.dir = "auto";
        body.append(
          renderPieces(t.pieces, (n) => {
            const cls: string[] = [];
            const f = mine.find((x) => x.t0 <= n && n <= x.t1);
            if (f) cls.push("hitl-flagged", `hitl-cat-${Math.max(0, categories().indexOf(f.category)) % PALETTE.length}`);
            if (k === textIdx && n >= sel.t0 && n <= sel.t1) cls.push("hitl-selected");
            if (k === textIdx && n === cursor) cls.push("hitl-cursor");
            return cls;
          }),
        );
        body.addEventListener("mousedown", (e) => {
          const n = wordIndex(e.target);
          if (n < 0) return;
          e.preventDefault(); // no native text selection: words are the unit
          root.focus({ preventScroll: true });
          textIdx = k;
          anchor = cursor = n;
          selecting = true;
          paintTexts();
          paintImage();
        });
        body.addEventListener("mouseover", (e) => {
          const n = wordIndex(e.target);
          if (!selecting || k !== textIdx || n < 0 || n === cursor) return;
          cursor = n;
          paintTexts();
        });
        const list = h("ul", "hitl-flag-list");
        for (const f of mine) {
          const li = h("li", "hitl-flag");
          if (f === target) li.classList.add("hitl-flag-target");
          li.style.borderLeftColor = colour(f.category);
          const words = t.pieces.filter((p) => p[1]).slice(f.t0, f.t1 + 1).map((p) => p[0]).join(" ");
          li.append(
            h("span", "hitl-flag-category", f.category),
            h("span", "hitl-flag-span", words),
            h("span", "hitl-muted hitl-flag-evidence", evidenceText(f.evidence) + (typeof f.id === "string" ? " (unsaved)" : "")),
          );
          li.addEventListener("mousedown", (e) => {
            e.preventDefault();
            root.focus({ preventScroll: true });
            textIdx = k;
            anchor = f.t0;
            cursor = f.t1;
            activeFlag = f.id;
            paint();
          });
          list.append(li);
        }
        panel.append(head, body, list);
        return panel;
      }),
    );
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintProgress();
    const id = currentId();
    if (id === undefined) {
      canvas.hidden = true;
      setText(imageMessage, `All ${order().length} images reviewed. [ goes back.`);
      panels.replaceChildren();
      return;
    }
    stepper.prefetch(cache);
    if (!item()) {
      paintImage();
      panels.replaceChildren();
      stepper.paintWhenReady(cache, id);
      return;
    }
    textIdx = Math.max(0, Math.min(textIdx, texts().length - 1));
    paintTexts();
    paintImage();
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id, position: stepper.pos } }));
  }

  // ---------------------------------------------------------------- intents
  function track(
    id: ItemId,
    promise: Promise<Reply>,
    onAck?: (reply: Reply) => void,
    onFail?: () => void,
    undoable = true,
  ): Promise<Reply | null> {
    if (undoable) {
      // on the stack at once (in key order), resolved with the kernel's event id when acknowledged
      undoStack.push({ item: id, event: promise.then((r) => (r.type === "ack" && typeof r.event_id === "number" ? r.event_id : null), () => null) });
    }
    paintProgress();
    return promise.then(
      (reply) => {
        if (reply.type === "ack") {
          const info = cache.get(id);
          // the kernel's flags, plus the ones still on their way (their own ack replaces them)
          const pending = flags(info).filter((f) => typeof f.id === "string");
          const patch: Partial<ItemInfo> = { flags: [...((reply.flags as Flag[] | undefined) ?? []), ...pending] };
          const verdicts = reply.verdicts as Record<string, string | null> | undefined;
          if (info && verdicts) patch.texts = texts(info).map((t) => ({ ...t, verdict: verdicts[t.model] ?? null }));
          cache.update(id, patch);
          if (typeof reply.n_done === "number") model.set("n_done", reply.n_done);
          onAck?.(reply);
        } else {
          status.error(`refused: ${reply.message ?? "invalid"}`);
          onFail?.();
        }
        stepper.repaint(id);
        return reply;
      },
      (error: Error) => {
        status.error(`${error.message} (item ${JSON.stringify(id)})`);
        onFail?.();
        if (currentId() === id) paint();
        return null;
      },
    );
  }

  function tag(n: number): void {
    const id = currentId();
    const info = item();
    const t = activeText();
    const category = categories()[n];
    if (id === undefined || !info || !t || category === undefined || !wordCount(t.pieces)) return;
    const sel = selection();
    const same = flags(info).find((f) => f.model === t.model && f.t0 === sel.t0 && f.t1 === sel.t1);
    status.clear();
    if (same) {
      if (typeof same.id === "string" || same.category === category) return;
      same.category = category;
      activeFlag = same.id;
      const edited = same.id;
      track(id, channel.send("flag", { item_id: id, replaces: edited, category }), (r) => {
        if (activeFlag === edited) activeFlag = r.flag as number; // unless the user moved on
      });
      paint();
      return;
    }
    const temp: Flag = { id: `tmp${++tmp}`, model: t.model, t0: sel.t0, t1: sel.t1, category, evidence: null };
    cache.update(id, { flags: [...flags(info), temp] });
    activeFlag = temp.id;
    const done = track(
      id,
      channel.send("flag", { item_id: id, model: t.model, token_start: sel.t0, token_end: sel.t1, category }),
      (r) => {
        cache.update(id, { flags: flags(cache.get(id)).filter((f) => f !== temp) });
        if (activeFlag === temp.id) activeFlag = r.flag as number;
      },
      () => cache.update(id, { flags: flags(cache.get(id)).filter((f) => f !== temp) }),
    );
    waiting.set(temp.id as string, done.then((r) => (r && r.type === "ack" ? (r.flag as number) : null)));
    paint();
  }

  /** Run `fn` with the kernel's id of the target flag (waiting for its ack if it is new). */
  function withFlag(fn: (flagId: number, item: ItemId) => void): void {
    const id = currentId();
    const f = targetFlag();
    if (id === undefined || !f) {
      status.info("select words and tag them with a category first (1–9)");
      return;
    }
    if (typeof f.id === "number") fn(f.id, id);
    else waiting.get(f.id)?.then((real) => real !== null && fn(real, id));
  }

  function setEvidence(evidence: Evidence): void {
    withFlag((flagId, id) => {
      const f = flags(cache.get(id)).find((x) => x.id === flagId);
      if (f) f.evidence = evidence; // shown at once; the ack brings the kernel's state
      activeFlag = flagId;
      track(id, channel.send("flag", { item_id: id, replaces: flagId, evidence }), (r) => {
        if (activeFlag === flagId) activeFlag = r.flag as number; // unless the user moved on
      });
      paint();
    });
  }

  function removeFlag(): void {
    withFlag((flagId, id) => {
      cache.update(id, { flags: flags(cache.get(id)).filter((f) => f.id !== flagId) });
      track(id, channel.send("unflag", { item_id: id, flag: flagId }));
      paint();
    });
  }

  function verdict(v: Verdict): void {
    const id = currentId();
    const t = activeText();
    if (id === undefined || !t) return;
    t.verdict = v;
    track(id, channel.send("verdict", { item_id: id, model: t.model, verdict: v }));
    paint();
  }

  function undo(): void {
    const last = undoStack.pop();
    if (!last) {
      status.info("nothing to undo");
      return;
    }
    stepper.seek(last.item, false);
    status.info("undo");
    last.event.then((eventId) => {
      if (eventId === null) status.info("nothing to undo (that action was not saved)");
      else track(last.item, channel.send("undo", { item_id: last.item, event_id: eventId }), undefined, undefined, false);
    });
  }

  // ---------------------------------------------------------------- box drawing
  function imageSize(): [number, number] | null {
    const info = item();
    return info?.image ? [info.image.width, info.image.height] : null;
  }

  function startBox(): void {
    const size = imageSize();
    if (!size || !targetFlag()) {
      status.info(size ? "select words and tag them with a category first (1–9)" : "no image");
      return;
    }
    const f = targetFlag()!;
    boxEdit = f.evidence?.kind === "box" ? ([...f.evidence.box!] as Box) : centredBox(size[0], size[1]);
    status.info("box: arrows move it, Shift+arrows resize it, Enter keeps it, Esc cancels");
    paintImage();
  }

  function keepBox(): void {
    const box = boxEdit;
    boxEdit = null;
    if (box) setEvidence({ kind: "box", box });
    paintImage();
  }

  canvas.addEventListener("mousedown", (e) => {
    const size = imageSize();
    if (!size) return;
    e.preventDefault();
    root.focus({ preventScroll: true });
    if (!targetFlag()) {
      status.info("select words and tag them with a category first (1–9)");
      return;
    }
    dragFrom = canvasPoint(e, canvas, size[0], size[1]);
    boxEdit = clampBox([dragFrom[0], dragFrom[1], dragFrom[0] + 1, dragFrom[1] + 1], size[0], size[1]);
    paintImage();
  });
  const onMove = (e: MouseEvent) => {
    const size = imageSize();
    if (!dragFrom || !size) return;
    const [x, y] = canvasPoint(e, canvas, size[0], size[1]);
    boxEdit = clampBox([dragFrom[0], dragFrom[1], x, y], size[0], size[1]);
    paintImage();
  };
  const onUp = () => {
    selecting = false;
    if (!dragFrom) return;
    dragFrom = null;
    const b = boxEdit;
    if (b && b[2] - b[0] >= 2 && b[3] - b[1] >= 2) keepBox();
    else {
      boxEdit = null;
      paintImage();
    }
  };
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);

  // ---------------------------------------------------------------- keyboard
  function moveCursor(e: KeyboardEvent): void {
    const t = activeText();
    if (!t) return;
    const n = wordCount(t.pieces);
    const step = e.key === "ArrowLeft" ? -1 : 1;
    // in right-to-left text the arrow keys follow the visual direction
    const rtl = getComputedStyle(panels.children[textIdx]?.querySelector(".hitl-generated") ?? root).direction === "rtl";
    cursor = Math.max(0, Math.min(n - 1, cursor + (rtl ? -step : step)));
    if (!e.shiftKey) anchor = cursor;
    paintTexts();
    paintImage();
  }

  function switchText(step: number): void {
    const n = texts().length;
    if (!n) return;
    textIdx = (textIdx + step + n) % n;
    cursor = anchor = 0;
    paintTexts();
    paintImage();
  }

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  const boxing = () => boxEdit !== null && dragFrom === null;
  keymap.add(
    {
      keys: ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"],
      description: "while drawing a box: move it (Shift: resize)",
      when: boxing,
      run: (e) => {
        const size = imageSize();
        if (!size || !boxEdit) return;
        const step = Math.max(1, Math.round(Math.max(size[0], size[1]) / 32));
        boxEdit = nudgeBox(boxEdit, e.key, e.shiftKey, step, size[0], size[1]);
        paintImage();
      },
    },
    { keys: ["Enter"], description: "while drawing a box: keep it as the flag's evidence", when: boxing, run: keepBox },
    {
      keys: ["Escape"],
      description: "while drawing a box: cancel it",
      when: () => boxing() && !help.open,
      run: () => {
        boxEdit = null;
        status.clear();
        paintImage();
      },
    },
    { keys: ["ArrowLeft", "ArrowRight"], description: "move the word cursor (Shift: extend the selection)", run: moveCursor },
    { keys: ["ArrowDown"], description: "next model's text", run: () => switchText(1) },
    { keys: ["ArrowUp"], description: "previous model's text", run: () => switchText(-1) },
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d, n) => ({
      keys: [d],
      description: "tag the selected words with this category",
      when: () => n < categories().length,
      run: () => tag(n),
    })),
    { keys: ["b"], description: "evidence: draw a box on the image", run: startBox },
    { keys: ["n"], description: "evidence: not in the image", run: () => setEvidence({ kind: "not_in_image" }) },
    { keys: ["Delete"], description: "remove the flag under the cursor", run: removeFlag },
    { keys: ["a"], description: "verdict: the text is faithful", run: () => verdict("faithful") },
    { keys: ["h"], description: "verdict: the text hallucinates", run: () => verdict("hallucinated") },
    { keys: ["u"], description: "verdict: unsure", run: () => verdict("unsure") },
    ...stepKeys(stepper, ["Enter", "]"], ["["], "image"),
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last action", run: undo },
    { keys: ["?"], description: "show / hide these shortcuts", run: () => help.toggle() },
    {
      keys: ["Escape"],
      description: "close this help / clear the selection",
      run: () => {
        if (help.open) help.toggle(false);
        else {
          anchor = cursor;
          paintTexts();
        }
      },
    },
  );
  boxButton.addEventListener("click", startBox);
  absentButton.addEventListener("click", () => setEvidence({ kind: "not_in_image" }));
  removeButton.addEventListener("click", removeFlag);
  wireNav(root, buttons, { step: (delta) => stepper.step(delta), undo, help, channel });

  // ---------------------------------------------------------------- kernel messages
  channel.onChange = paintProgress;
  const onMessage = kernelMessages(channel, status, stepper.itemRoutes(cache));
  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:categories": paintCategories,
      "change:title change:display_size change:categories": paint,
    },
    paint: () => {
      paintCategories();
      paint();
    },
    dispose: [
      stepper,
      () => {
        window.removeEventListener("mousemove", onMove);
        window.removeEventListener("mouseup", onUp);
      },
      keymap,
      channel,
    ],
  });
}

export default { render };
