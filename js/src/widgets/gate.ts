// QualityGate front-end: one sampled item at a time (beside its original for augmentation
// audits); A accepts, R then 1-9 (or 1-9 at once) rejects with a reason code. Like the classify
// view it never waits for the kernel: the decision travels in the background, unsaved until acked.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./gate.css";
import { data, h, setParts, setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo } from "../lib/items";
import { Edit, EditLedger } from "../lib/ledger";
import { Keymap } from "../lib/keyboard";
import { Binary, decodeImage, drawFit } from "../lib/media";
import { saveSuffix, StatusLine } from "../lib/status";
import { Stepper, stepKeys } from "../lib/stepper";
import { mountRoot } from "../lib/widget";
import { kernelMessages, navButtons, ReviewModel, showSaved, startView, wireNav } from "../lib/review";

export interface GateSummary {
  status: "pending" | "passed" | "failed";
  n: number;
  c: number;
  threshold: number;
  reviewed: number;
  accepted: number;
  rejected: number;
  acceptance_rate: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

export interface GateModel extends ReviewModel {
  reasons: string[];
  summary: GateSummary;
  side_by_side: boolean;
  display_size: number;
}

type Verdict = "accept" | "reject" | null;

/** The line describing the gate's state. */
export function summaryText(s: GateSummary | undefined): string {
  if (!s || typeof s.n !== "number") return "";
  const rate =
    s.acceptance_rate === null || s.acceptance_rate === undefined
      ? "no decisions yet"
      : `acceptance ${(100 * s.acceptance_rate).toFixed(1)}% (95% CI ${(100 * (s.ci_low ?? 0)).toFixed(1)}–${(100 * (s.ci_high ?? 1)).toFixed(1)}%)`;
  return `${s.status.toUpperCase()} · reviewed ${s.reviewed} of ${s.n} · rejected ${s.rejected} (max ${s.c}) · ${rate}`;
}

/** Decode the original (pre-augmentation) image carried beside an item, if any. */
async function decodeOriginal(info: ItemInfo, buffers: Binary[]): Promise<void> {
  const k = info.original_buffer;
  if (info.original_kind === "image" && typeof k === "number" && buffers[k]) {
    try {
      info.original_image = await decodeImage(buffers[k], String(info.original_mime ?? "image/png"));
    } catch (e) {
      info.original_kind = "error";
      info.original_error = `cannot decode image: ${e}`;
    }
  }
}

const AHEAD = 10;
const BEHIND = 2;

function render({ model, el }: RenderProps<GateModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-gate");

  const title = h("span", "hitl-title");
  const position = h("span", "hitl-muted hitl-position");
  const header = h("div", "hitl-row");
  header.append(title, h("span", "hitl-spacer"), position);
  const banner = h("div", "hitl-gate-banner");

  const panes = h("div", "hitl-row hitl-panes");
  const makePane = (caption: string) => {
    const pane = h("figure", "hitl-pane");
    const canvas = h("canvas");
    const text = h("div", "hitl-text");
    const placeholder = h("div", "hitl-muted");
    pane.append(canvas, text, placeholder, h("figcaption", "hitl-muted", caption));
    panes.append(pane);
    return { pane, canvas, text, placeholder };
  };
  const original = makePane("original");
  const item = makePane("item under review");

  const verdictLine = h("span", "hitl-verdict");
  const stratum = h("span", "hitl-muted hitl-stratum");
  const info = h("div", "hitl-row");
  info.append(verdictLine, h("span", "hitl-spacer"), stratum);

  const acceptButton = h("button", "hitl-button hitl-accept");
  acceptButton.append(h("span", "hitl-key", "A"), document.createTextNode("accept"));
  const rejectButton = h("button", "hitl-button hitl-reject");
  rejectButton.append(h("span", "hitl-key", "R"), document.createTextNode("reject…"));
  const actions = h("div", "hitl-row");
  actions.append(acceptButton, rejectButton);
  const reasonBar = h("div", "hitl-row hitl-reasons");
  const buttons = navButtons("← prev", "next →");
  const { prev, next, undoButton, helpButton, retry } = buttons;
  const nav = h("div", "hitl-row hitl-nav");
  nav.append(prev, next, undoButton, h("span", "hitl-spacer"), retry, helpButton);
  const status = new StatusLine();
  root.append(header, banner, panes, info, actions, reasonBar, nav, status.node);

  const repaint = (id: ItemId) => stepper.repaint(id);
  // keys come fast: intents are coalesced (see lib/channel.ts)
  const ledger = new EditLedger(model, { status, repaint, progress: paintSummary }, { coalesce: true });
  const cache = new ItemCache(model);
  const stepper = new Stepper(model, {
    behind: BEHIND, ahead: AHEAD, paint, paintProgress: paintSummary,
    enter: () => {
      rejecting = false;
    },
    restart: () => {
      ledger.restart(); // the decisions of an earlier order are not undone from this one
      rejecting = false;
    },
    status,
  });
  let rejecting = false; // R pressed: the next digit picks the reason
  const current = () => stepper.current();

  function paintSummary(): void {
    const s = model.get("summary");
    setText(banner, summaryText(s));
    banner.className = `hitl-gate-banner hitl-gate-${s?.status ?? "pending"}`;
    setText(position, stepper.positionText());
    showSaved(status, ledger, retry);
  }

  function paintReasons(): void {
    reasonBar.replaceChildren(
      ...model.get("reasons").map((r, k) => {
        const b = h("button", "hitl-button hitl-reason");
        b.append(h("span", "hitl-key", String(k + 1)), document.createTextNode(r));
        b.title = r; // the whole reason when a long one is cut with … (issue 16)
        b.addEventListener("click", () => decide("reject", r));
        return b;
      }),
    );
    reasonBar.classList.toggle("hitl-choosing", rejecting);
    rejectButton.setAttribute("aria-pressed", String(rejecting));
  }

  function showPane(p: ReturnType<typeof makePane>, kind: unknown, image: unknown, text: unknown, error: unknown): void {
    p.canvas.hidden = p.text.hidden = true;
    p.placeholder.hidden = false;
    if (kind === "image" && image) {
      drawFit(p.canvas, image as ImageBitmap, model.get("display_size"));
      p.canvas.hidden = false;
      p.placeholder.hidden = true;
    } else if (kind === "text") {
      setText(p.text, text);
      p.text.hidden = false;
      p.placeholder.hidden = true;
    } else {
      setText(p.placeholder, error ?? "loading…");
    }
  }

  function paint(): void {
    setText(title, model.get("title"));
    original.pane.hidden = !model.get("side_by_side");
    paintSummary();
    paintReasons();
    const id = current();
    if (id === undefined) {
      showPane(item, "none", null, null, `All ${stepper.total} sampled items reviewed. ← goes back.`);
      original.pane.hidden = true;
      setText(verdictLine, "");
      setText(stratum, "");
      return;
    }
    const info = cache.get(id);
    stepper.prefetch(cache);
    if (!info) {
      showPane(item, "none", null, null, "loading…");
      showPane(original, "none", null, null, "loading…");
      setText(verdictLine, "");
      stepper.paintWhenReady(cache, id);
      return;
    }
    showPane(item, info.kind, info.image, info.text, info.error);
    if (model.get("side_by_side")) showPane(original, info.original_kind, info.original_image, info.original_text, info.original_error);
    const verdict = (info.verdict ?? null) as Verdict;
    const suffix = saveSuffix(ledger.stateOf(id));
    setParts(
      verdictLine,
      verdict === null ? ["undecided"] : verdict === "accept" ? [`accepted${suffix}`] : ["rejected: ", data(info.reason), suffix],
    );
    verdictLine.className = `hitl-verdict${verdict ? ` hitl-${verdict}ed` : ""}`;
    setText(stratum, info.stratum ? `stratum: ${String(info.stratum)}` : "");
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id, position: stepper.pos } }));
  }

  /** An edit of `id`'s verdict: the kernel's verdict and reason replace the view's; a refusal restores `revert`. */
  function edit(id: ItemId, revert: Partial<ItemInfo>, undo?: true): Edit {
    return {
      item: id, undo, describe: stepper.placeText(id),
      ack: (reply) => cache.update(id, { verdict: reply.verdict ?? null, reason: reply.reason ?? null }),
      refused: () => cache.update(id, revert),
    };
  }

  function decide(verdict: "accept" | "reject", reason: string | null = null): void {
    const id = current();
    if (id === undefined) return;
    const info = cache.get(id);
    const revert = { verdict: info?.verdict ?? null, reason: info?.reason ?? null };
    cache.update(id, { verdict, reason });
    status.clear();
    ledger.send("decide", { item_id: id, verdict, reason }, edit(id, revert, true));
    stepper.step(1);
  }

  function reasonKey(k: number): void {
    const reason = model.get("reasons")[k];
    if (reason === undefined || current() === undefined) return;
    decide("reject", reason);
  }

  function undo(): void {
    const id = ledger.popUndo()?.item ?? current();
    if (id === undefined) return;
    stepper.seek(id);
    const info = cache.get(id);
    ledger.send("undo", { item_id: id }, edit(id, { verdict: info?.verdict ?? null, reason: info?.reason ?? null }));
    status.info(`undo: ${stepper.placeText(id)}`, { item: id, title: `item id ${JSON.stringify(id)}` }); // the place the header shows
  }

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    { keys: ["a", "A"], description: "accept this item", run: () => decide("accept") },
    {
      keys: ["r", "R"],
      description: "reject: then pick the reason with its number",
      run: () => toggleReject(),
    },
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => ({
      keys: [d],
      description: () => `reject: ${String(model.get("reasons")[Number(d) - 1])}`, // each key with its reason
      run: () => reasonKey(Number(d) - 1),
      when: () => Number(d) <= model.get("reasons").length,
    })),
    ...stepKeys(stepper, ["ArrowRight"], ["ArrowLeft"]),
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last decision", run: undo },
    { keys: ["?"], description: "show / hide these shortcuts", run: () => help.toggle() },
    {
      keys: ["Escape"],
      description: "close this help / cancel a reject (else: leave the widget)",
      when: () => help.open || rejecting,
      run: () => {
        help.toggle(false);
        if (rejecting) toggleReject();
      },
    },
  );
  /** R (or the reject button): choose a reason next, or stop choosing; the prompt goes with it. */
  function toggleReject(): void {
    rejecting = !rejecting;
    paintReasons();
    if (rejecting) status.info("reason? press 1–" + model.get("reasons").length, { item: current() });
    else status.clear();
  }
  acceptButton.addEventListener("click", () => decide("accept"));
  rejectButton.addEventListener("click", () => toggleReject());
  wireNav(root, buttons, { step: (delta) => stepper.step(delta), undo, help, channel: ledger });

  const receive = stepper.itemRoutes(cache).items!; // the usual items route, once the originals are decoded
  const onMessage = kernelMessages(ledger.channel, status, {
    items: (infos, buffers) => {
      Promise.all(infos.map((i) => decodeOriginal(i, buffers))).then(() => receive(infos, buffers));
    },
  });
  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:summary": paintSummary,
      "change:reasons change:title change:side_by_side": paint,
    },
    paint,
    dispose: [stepper, keymap, ledger],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<GateModel>;
