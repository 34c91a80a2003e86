// BiasAudit front-end: the groups × metrics table (value and bootstrap CI per cell), flagged
// gaps, the disparities, and a "drill" intent that opens a group's errors in a ClassifyWidget
// below (the kernel validates the row and builds the widget). ↑/↓ select a group, Enter drills.
// The table fits a notebook cell: the errors column (what people drill into) comes right after
// n, each CI goes under its value, and a flagged cell says which way it lies from overall
// (▲/▼) and whether that is better or worse, in text and colour.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./bias.css";
import { IntentChannel } from "../lib/channel";
import { h, setText } from "../lib/dom";
import { HelpOverlay, helpButton as newHelpButton } from "../lib/help";
import { Keymap } from "../lib/keyboard";
import { StatusLine } from "../lib/status";
import { mountRoot } from "../lib/widget";
import { helpKeys, kernelMessages, startView } from "../lib/review";

export interface BiasRow {
  key: string[];
  n: number;
  values: Array<number | null>;
  low: Array<number | null>;
  high: Array<number | null>;
  flagged: boolean[];
  /** per metric: +1 above overall, -1 below, 0 equal or unknown */
  direction?: number[];
  small: boolean;
  errors: number;
}

export interface BiasTable {
  columns: string[];
  metrics: string[];
  /** per metric: +1 higher is better, -1 lower is better, 0 neither (e.g. selection rate) */
  better?: number[];
  rows: BiasRow[];
  overall: Array<number | null>;
  threshold: number;
  min_group_size: number;
  n_groups: number;
  can_drill: boolean;
}

export interface Disparity {
  metric: string;
  difference: number | null;
  ratio: number | null;
  difference_to_overall: number | null;
  worst: string;
  flagged: boolean;
}

export interface BiasModel {
  table: BiasTable;
  disparities: Disparity[];
  drilled: number;
  title: string;
  autofocus: boolean;
  version: string;
}

/** A metric value as text: three decimals, "–" when undefined. */
export function fmt(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(3);
}

export interface FlagDirection {
  /** ▲ above overall, ▼ below */
  arrow: string;
  /** "better", "worse", or "higher"/"lower" where neither way is better */
  word: string;
  kind: "better" | "worse" | "differs";
}

/** How a flagged value lies from overall: `direction` +1 above / -1 below, `better` +1 when higher
 *  is better, -1 when lower is, 0 when neither. */
export function flagDirection(direction: number, better: number): FlagDirection {
  const arrow = direction > 0 ? "▲" : direction < 0 ? "▼" : "⚑";
  if (!direction) return { arrow, word: "differs", kind: "differs" };
  if (!better) return { arrow, word: direction > 0 ? "higher" : "lower", kind: "differs" };
  return direction === better ? { arrow, word: "better", kind: "better" } : { arrow, word: "worse", kind: "worse" };
}

/** A metric's column heading: words split at "_" and a soft hyphen in "disagreement", so a narrow
 *  table breaks its headings between words instead of mid-word ("selection_rat|e"). */
export function metricHeading(metric: string): string {
  return metric.replace(/_/g, " ").replace("disagreement", "disagree\u00adment");
}

function render({ model, el }: RenderProps<BiasModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-bias");

  const title = h("span", "hitl-title");
  const summary = h("span", "hitl-muted hitl-summary");
  const header = h("div", "hitl-row");
  const helpButton = newHelpButton();
  header.append(title, h("span", "hitl-spacer"), summary, helpButton);
  const table = h("table", "hitl-bias-table");
  const tableBox = h("div", "hitl-bias-scroll");
  tableBox.append(table);
  const legend = h("div", "hitl-muted hitl-bias-legend");
  const disparities = h("ul", "hitl-disparities");
  const status = new StatusLine();
  root.append(header, tableBox, legend, disparities, status.node);

  const channel = new IntentChannel(model);
  let selected = 0;

  const rows = (): BiasRow[] => model.get("table")?.rows ?? [];

  function paint(): void {
    const t = model.get("table");
    setText(title, model.get("title"));
    if (!t || !t.rows) {
      table.replaceChildren();
      return;
    }
    const better = t.metrics.map((_, m) => t.better?.[m] ?? 0);
    const kinds = (r: BiasRow) =>
      r.flagged.map((f, m) => (f ? flagDirection(r.direction?.[m] ?? 0, better[m]).kind : null));
    const nFlagged = t.rows.filter((r) => r.flagged.some(Boolean)).length;
    const nWorse = t.rows.filter((r) => kinds(r).includes("worse")).length;
    const nBetter = t.rows.filter((r) => kinds(r).includes("better")).length;
    setText(
      summary,
      `${t.n_groups} groups · ${nFlagged} flagged (${nWorse} worse, ${nBetter} better; gap > ${t.threshold} from overall, n ≥ ${t.min_group_size})`,
    );
    setText(
      legend,
      "flagged: ▼ worse / ▲ better than overall (▲ higher / ▼ lower where neither way is better); " +
        "its bootstrap CI under each value" + (t.can_drill ? "; click a group (or Enter) to relabel its errors" : ""),
    );
    const head = h("tr");
    for (const c of t.columns) head.append(h("th", "", c));
    head.append(h("th", "hitl-num", "n"), h("th", "hitl-num hitl-errors", "errors"));
    t.metrics.forEach((m, k) => {
      const th = h("th", "hitl-num", metricHeading(m));
      th.title = better[k] > 0 ? "higher is better" : better[k] < 0 ? "lower is better" : "neither higher nor lower is better";
      head.append(th);
    });
    const body: HTMLTableRowElement[] = [];
    t.rows.forEach((r, k) => {
      const tr = h("tr", "hitl-bias-row");
      tr.dataset.row = String(k);
      tr.setAttribute("aria-selected", String(k === selected));
      if (k === model.get("drilled")) tr.classList.add("hitl-drilled");
      if (r.small) tr.classList.add("hitl-small");
      if (r.flagged.some(Boolean)) tr.classList.add("hitl-row-flagged");
      for (const part of r.key) tr.append(h("td", "hitl-group", part));
      const n = h("td", "hitl-num", String(r.n));
      if (r.small) n.append(h("span", "hitl-ci", "(small)"));
      tr.append(n);
      tr.append(h("td", "hitl-num hitl-errors", String(r.errors)));
      r.values.forEach((v, m) => {
        const td = h("td", "hitl-num");
        const lo = r.low[m];
        const hi = r.high[m];
        td.append(document.createTextNode(fmt(v)));
        if (lo !== null && hi !== null) td.append(h("span", "hitl-ci", `${fmt(lo)}–${fmt(hi)}`));
        if (r.flagged[m]) {
          const dir = flagDirection(r.direction?.[m] ?? 0, better[m]);
          td.classList.add("hitl-flagged", `hitl-${dir.kind}`);
          const o = t.overall[m];
          const gap = v !== null && o !== null ? Math.abs(v - o) : null;
          td.title = `${dir.word}: ${dir.arrow === "▲" ? "above" : "below"} overall (${fmt(o)}) by ${fmt(gap)}, beyond the threshold ${t.threshold}`;
          td.prepend(h("span", "hitl-flag", `${dir.arrow} ${dir.word} `)); // its own line, above the value
        }
        tr.append(td);
      });
      tr.addEventListener("click", () => {
        select(k);
        drill();
      });
      body.push(tr);
    });
    const overall = h("tr", "hitl-overall");
    overall.append(h("td", "", "overall"));
    for (let c = 1; c < t.columns.length; c++) overall.append(h("td"));
    overall.append(h("td", "hitl-num", String(t.rows.reduce((s, r) => s + r.n, 0))));
    overall.append(h("td", "hitl-num hitl-errors", String(t.rows.reduce((s, r) => s + r.errors, 0))));
    for (const v of t.overall) overall.append(h("td", "hitl-num", fmt(v)));
    table.replaceChildren(head, ...body, overall);

    disparities.replaceChildren(
      ...model.get("disparities").map((d) => {
        const li = h("li", d.flagged ? "hitl-flagged" : "");
        setText(
          li,
          `${d.flagged ? "⚑ " : ""}${d.metric}: between groups ${fmt(d.difference)} (ratio ${fmt(d.ratio)}), ` +
            `largest gap to overall ${fmt(d.difference_to_overall)} — ${d.worst}`,
        );
        return li;
      }),
    );
  }

  function select(k: number): void {
    const n = rows().length;
    if (!n) return;
    selected = Math.max(0, Math.min(n - 1, k));
    table.querySelectorAll<HTMLTableRowElement>("tr.hitl-bias-row").forEach((tr) => {
      const on = tr.dataset.row === String(selected);
      tr.setAttribute("aria-selected", String(on));
      if (on) tr.scrollIntoView?.({ block: "nearest" });
    });
  }

  function drill(): void {
    const t = model.get("table");
    if (!t?.can_drill) {
      status.info("drill-down needs items= and store= in BiasAudit(...)");
      return;
    }
    const row = rows()[selected];
    if (!row) return;
    status.info(`opening the errors of ${row.key.join(" × ")}…`);
    channel.send("drill", { row: selected }).then(
      (reply) => {
        if (reply.type === "ack") status.info(String(reply.message ?? "opened below"));
        else status.error(`refused: ${reply.message ?? "invalid"}`);
      },
      (error: Error) => status.error(error.message),
    );
  }

  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    { keys: ["ArrowDown", "j"], description: "next group", run: () => select(selected + 1) },
    { keys: ["ArrowUp", "k"], description: "previous group", run: () => select(selected - 1) },
    { keys: ["Enter"], description: "open this group's errors for relabelling (below)", run: drill },
    ...helpKeys(help),
  );
  helpButton.addEventListener("click", () => help.toggle());
  root.addEventListener("mousedown", (e) => {
    if (!(e.target as HTMLElement).closest("button")) root.focus({ preventScroll: true });
  });

  channel.onChange = () => status.setSaved(channel.pendingCount, channel.failedCount);
  return startView(model, root, status, {
    on: {
      "msg:custom": kernelMessages(channel, status, {}),
      "change:table change:disparities change:drilled change:title": paint,
    },
    paint,
    dispose: [keymap, channel],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<BiasModel>;
