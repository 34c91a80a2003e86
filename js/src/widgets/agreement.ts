// AgreementDashboard front-end: overall metrics with CIs, the pairwise Cohen's kappa heatmap,
// per-annotator and per-class agreement, and the disagreement queue; "a" (or a click on a queue
// row) asks Python to open adjudication (a ClassifyWidget below), which then takes the focus.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./agreement.css";
import { IntentChannel } from "../lib/channel";
import { data, h, Part, setParts, setText } from "../lib/dom";
import { Heatmap } from "../lib/heatmap";
import { outputMates } from "../lib/focus";
import { HelpOverlay, helpButton as newHelpButton } from "../lib/help";
import { Keymap } from "../lib/keyboard";
import { StatusLine } from "../lib/status";
import { mountRoot } from "../lib/widget";
import { helpKeys, kernelMessages, startView } from "../lib/review";

type Num = number | null;
interface QueueRow { item_id: string | number; disagreement: number; labels: string[]; pairs?: Array<[string, unknown]>; adjudicated: unknown }

export interface AgreementModel {
  title: string;
  overall: Array<{ metric: string; estimate: Num; low: Num; high: Num }>;
  annotators: string[];
  pairwise: Num[][];
  pair_counts: number[][];
  per_annotator: Array<{ annotator: string; n: number; agreement: Num; accuracy: Num; flagged: boolean }>;
  per_class: Array<{ class: string | number; agreement: Num; n: number }>;
  queue: QueueRow[];
  n_queue: number;
  n_items: number;
  adjudicating: boolean;
  autofocus: boolean;
  version: string;
}

const fmt = (v: Num) => (v === null || v === undefined ? "–" : v.toFixed(2));

function table(head: string[], rows: HTMLTableRowElement[]): HTMLTableElement {
  const t = h("table", "hitl-table");
  const tr = h("tr");
  head.forEach((name) => tr.append(h("th", "", name)));
  t.append(tr, ...rows);
  return t;
}

function row(cells: unknown[], className = ""): HTMLTableRowElement {
  const tr = h("tr", className);
  cells.forEach((c, k) => tr.append(h("td", k > 0 && typeof c !== "string" ? "hitl-num" : "", c)));
  return tr;
}

/** "a: x · b: y", each annotator and label isolated (a right-to-left name cannot reorder the rest). */
function labelParts(r: QueueRow): Part[] {
  if (!r.pairs) return [r.labels.join(" · ")];
  return r.pairs.flatMap(([annotator, label], k) => [k ? " · " : "", data(annotator), ": ", data(label)]);
}

function render({ model, el }: RenderProps<AgreementModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-agreement");

  const title = h("span", "hitl-title");
  const summary = h("span", "hitl-muted");
  const adjudicateButton = h("button", "hitl-button hitl-adjudicate", "adjudicate (a)");
  const helpButton = newHelpButton();
  const header = h("div", "hitl-row");
  header.append(title, summary, h("span", "hitl-spacer"), adjudicateButton, helpButton);
  const overall = h("div", "hitl-overall");
  const heatmap = new Heatmap({ onOpen: (r, c) => showPair(r, c), corner: "Cohen's κ", label: "pairwise agreement" });
  const annotators = h("div", "hitl-annotators");
  const classes = h("div", "hitl-per-class");
  const grid = h("div", "hitl-agreement-grid");
  const pairSection = h("div");
  pairSection.append(h("div", "hitl-section", "pairwise (Cohen's kappa)"), heatmap.node);
  grid.append(overall, pairSection, annotators, classes);
  const queueTitle = h("div", "hitl-section");
  const queue = h("div", "hitl-queue");
  const status = new StatusLine();
  root.append(header, grid, queueTitle, queue, status.node);

  const channel = new IntentChannel(model);
  let selected = 0;

  function paint(): void {
    setText(title, model.get("title"));
    setText(summary, `${model.get("n_items")} items · ${model.get("annotators").length} annotators`);
    overall.replaceChildren(
      h("div", "hitl-section", "overall (95% CI)"),
      table(["metric", "estimate", "CI"], model.get("overall").map((m) =>
        row([m.metric, fmt(m.estimate), m.low === null ? "–" : `${fmt(m.low)} – ${fmt(m.high)}`]))),
    );
    const names = model.get("annotators");
    const kappa = model.get("pairwise");
    heatmap.set({
      values: kappa.map((r) => r.map((v) => (v === null ? NaN : v))),
      rowLabels: names,
      colLabels: names,
      shade: kappa.map((r) => r.map((v) => (v === null ? 0 : Math.max(0, v)))),
      text: (v) => (Number.isFinite(v) ? v.toFixed(2) : "–"),
      disabled: (r, c) => r === c,
    });
    annotators.replaceChildren(
      h("div", "hitl-section", "annotators vs consensus"),
      table(["annotator", "items", "agreement", "accuracy (D-S)", ""], model.get("per_annotator").map((a) => {
        const tr = row([a.annotator, a.n, fmt(a.agreement), fmt(a.accuracy), a.flagged ? "⚠ low" : ""], a.flagged ? "hitl-flagged" : "");
        tr.dataset.annotator = a.annotator;
        return tr;
      })),
    );
    classes.replaceChildren(
      h("div", "hitl-section", "per class (specific agreement)"),
      table(["class", "agreement", "labels"], model.get("per_class").map((c) => row([String(c.class), fmt(c.agreement), c.n]))),
    );
    paintQueue();
  }

  function paintQueue(): void {
    const rows = model.get("queue");
    selected = Math.min(selected, Math.max(0, rows.length - 1));
    const done = rows.filter((r) => r.adjudicated !== null && r.adjudicated !== undefined).length;
    setText(queueTitle, `disagreement queue: ${model.get("n_queue")} items (${done} adjudicated) — j/k select, a adjudicates`);
    queue.replaceChildren(
      table(["item", "disagreement", "labels", "adjudicated"], rows.map((r, k) => {
        const tr = row([JSON.stringify(r.item_id), fmt(r.disagreement), "",
          r.adjudicated === null || r.adjudicated === undefined ? "" : String(r.adjudicated)], "hitl-queue-row");
        setParts(tr.children[2] as HTMLElement, labelParts(r));
        tr.setAttribute("aria-selected", String(k === selected));
        tr.addEventListener("click", () => {
          selected = k;
          adjudicate();
        });
        return tr;
      })),
    );
    adjudicateButton.disabled = rows.length === 0;
  }

  function showPair(r: number, c: number): void {
    const names = model.get("annotators");
    const v = model.get("pairwise")[r][c];
    status.info(`${names[r]} vs ${names[c]}: kappa ${fmt(v)} over ${model.get("pair_counts")[r][c]} items labelled by both`);
  }

  function moveQueue(step: number): void {
    const n = model.get("queue").length;
    if (!n) return;
    selected = Math.max(0, Math.min(n - 1, selected + step));
    paintQueue();
    queue.querySelectorAll(".hitl-queue-row")[selected]?.scrollIntoView?.({ block: "nearest" });
  }

  function adjudicate(): void {
    const rows = model.get("queue");
    if (!rows.length) return status.info("no disagreements to adjudicate");
    const id = rows[selected]?.item_id ?? null;
    channel.send("adjudicate", { item_id: id }).then(
      (reply) => {
        if (reply.type !== "ack") return status.error(`refused: ${reply.message ?? "invalid"}`);
        // the place the adjudicator's header shows (the id in the tooltip); the message is about
        // this item and goes once the adjudicator moves on
        const place = typeof reply.position === "number" ? `item ${reply.position + 1} / ${model.get("n_queue")}` : "the queue";
        status.info(`adjudicating below: ${place}`, { item: id, title: `item id ${JSON.stringify(id)}` });
        status.showing(id);
        // the adjudication widget sits below this view in the same output: give it the keys
        const target = outputMates(root, ".hitl-classify").pop();
        if (target) follow(target);
        setTimeout(() => target?.focus({ preventScroll: false }), 50);
      },
      (e: Error) => status.error(e.message),
    );
  }

  /** Follow the adjudicator's steps (its "hitl:painted" events): what it shows is what our message
   *  is about. */
  let followed: HTMLElement | null = null;
  const onPainted = (e: Event) => status.showing((e as CustomEvent<{ id: unknown }>).detail.id);
  function follow(target: HTMLElement): void {
    if (followed === target) return;
    followed?.removeEventListener("hitl:painted", onPainted);
    followed = target;
    target.addEventListener("hitl:painted", onPainted);
  }

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    { keys: ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"], description: "move in the pairwise heatmap", run: (e) => heatmap.handleKey(e.key) },
    { keys: ["Enter"], description: "show the focused pair's kappa", run: () => heatmap.open() },
    { keys: ["j"], description: "next item in the disagreement queue", run: () => moveQueue(1) },
    { keys: ["k"], description: "previous item in the disagreement queue", run: () => moveQueue(-1) },
    { keys: ["a"], description: "adjudicate the selected item (opens the widget below and focuses it)", run: adjudicate },
    ...helpKeys(help),
  );
  adjudicateButton.addEventListener("click", adjudicate);
  helpButton.addEventListener("click", () => help.toggle());

  return startView(model, root, status, {
    on: {
      "msg:custom": kernelMessages(channel, status, {}),
      "change:overall change:pairwise change:per_annotator change:per_class change:n_items change:title": paint,
      "change:queue change:n_queue": paintQueue,
    },
    paint,
    dispose: [keymap, channel, () => followed?.removeEventListener("hitl:painted", onPainted)],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<AgreementModel>;
