// RetrievalVerifier front-end: a query above its ranked results in a grid; arrow keys move the
// focus, 1/2/3 judge the focused result, Enter goes to the next query. Judgements show at once
// and travel to Python in the background; the metrics shown are the ones Python computed.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./retrieval.css";
import { h, setText } from "../lib/dom";
import { gridMove, nextOpen } from "../lib/grid";
import { fillColumns } from "../lib/grid";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo } from "../lib/items";
import { Edit, EditLedger } from "../lib/ledger";
import { Keymap } from "../lib/keyboard";
import { saveSuffix, StatusLine } from "../lib/status";
import { Stepper, stepKeys } from "../lib/stepper";
import { fmt, itemView } from "../lib/view";
import { mountRoot } from "../lib/widget";
import { headerRow, helpKeys, kernelMessages, navButtons, ReviewModel, showSaved, startView, wireNav } from "../lib/review";

export type Judgement = "relevant" | "not_relevant" | "unsure";
export const JUDGEMENT_TEXT: Record<Judgement, string> = {
  relevant: "relevant",
  not_relevant: "not relevant",
  unsure: "unsure",
};

export interface RetrievalModel extends ReviewModel {
  k: number;
  columns: number;
  thumb_size: number;
  query_size: number;
  overall: Record<string, number | null>;
  relevant_known: boolean;
}

interface Result {
  id: ItemId;
  key: string;
  rank: number;
  score: number | null;
  judgement: Judgement | null;
}

type Metrics = Record<string, number | null>;

export const queryKey = (id: ItemId): string => `q:${JSON.stringify(id)}`;
/** The key a judgement's saved state is shown on: query `q`'s result `r`. */
const resultKey = (q: ItemId, r: Result): string => `${queryKey(q)} ${r.key}`;

/** "P@5 0.600 · R@5 0.750 · RR 1.000 · nDCG@5 0.812" (recall only when relevant sets are known). */
export function metricsText(m: Metrics | undefined, k: number, recall: boolean): string {
  if (!m) return "";
  const parts = [`P@${k} ${fmt(m.precision_at_k)}`];
  if (recall) parts.push(`R@${k} ${fmt(m.recall_at_k)}`);
  parts.push(`${"mrr" in m ? "MRR" : "RR"} ${fmt("mrr" in m ? m.mrr : m.reciprocal_rank)}`, `nDCG@${k} ${fmt(m.ndcg_at_k)}`);
  return parts.join(" · ");
}

const AHEAD = 3; // queries (with their results) prefetched ahead

function render({ model, el }: RenderProps<RetrievalModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-retrieval");

  // ---------------------------------------------------------------- layout
  const { header, title, position, progress } = headerRow();

  const queryBox = h("div", "hitl-query");
  const queryMetrics = h("div", "hitl-query-metrics");
  const queryPanel = h("div", "hitl-row hitl-query-panel");
  queryPanel.append(h("span", "hitl-muted", "query"), queryBox, h("span", "hitl-spacer"), queryMetrics);

  const grid = h("div", "hitl-grid");
  grid.setAttribute("role", "grid");

  const buttons = {
    relevant: h("button", "hitl-button hitl-judge-relevant"),
    not_relevant: h("button", "hitl-button hitl-judge-not_relevant"),
    unsure: h("button", "hitl-button hitl-judge-unsure"),
  };
  (["relevant", "not_relevant", "unsure"] as Judgement[]).forEach((j, n) => {
    buttons[j].append(h("span", "hitl-key", String(n + 1)), document.createTextNode(JUDGEMENT_TEXT[j]));
  });
  const navRow = navButtons("← query ([)", "next query (Enter)");
  const { prev, next, undoButton, helpButton, retry } = navRow;
  next.classList.add("hitl-next");
  const bar = h("div", "hitl-row hitl-nav");
  bar.append(buttons.relevant, buttons.not_relevant, buttons.unsure, h("span", "hitl-spacer"), prev, next, undoButton, retry, helpButton);

  const overallLine = h("div", "hitl-overall");
  const status = new StatusLine();
  root.append(header, queryPanel, grid, bar, overallLine, status.node);

  // ---------------------------------------------------------------- state
  // a judgement's saved state is shown on its result ("<qkey> <rkey>"); undo names the result's item
  const repaint = (q: ItemId) => stepper.repaint(q);
  // keys come fast: intents are coalesced (see lib/channel.ts)
  const ledger = new EditLedger<ItemId>(model, { status, repaint, progress: paintProgress }, { coalesce: true });
  const cache = new ItemCache(model, 256);
  // the queries kept and read ahead (with the results of those cached): one back, AHEAD + 1 on
  const stepper = new Stepper(model, {
    behind: 1, ahead: AHEAD + 1, paint, paintProgress,
    enter: () => {
      focus = firstOpen(queryInfo());
    },
    restart: () => ledger.restart(),
    status,
  });
  let focus = 0;
  const current = () => stepper.current();
  const queryInfo = (): ItemInfo | undefined => {
    const q = current();
    return q === undefined ? undefined : cache.get(queryKey(q));
  };
  const results = (info = queryInfo()): Result[] => (info?.results as Result[] | undefined) ?? [];

  // ---------------------------------------------------------------- drawing
  function paintProgress(): void {
    const total = stepper.total;
    setText(progress, `complete ${ledger.done(total)} of ${total}`);
    setText(position, stepper.positionText("query"));
    showSaved(status, ledger, retry);
    const overall = model.get("overall") ?? {};
    setText(
      overallLine,
      overall.n_queries
        ? `overall (${overall.n_queries} ${overall.n_queries === 1 ? "query" : "queries"}): ${metricsText(overall, model.get("k"), model.get("relevant_known"))}`
        : "overall: no judgements yet",
    );
  }

  function paintGrid(info: ItemInfo | undefined): void {
    const list = results(info);
    const size = model.get("thumb_size");
    fillColumns(grid, model.get("columns"), size); // tiles share the width (lib/grid.ts)
    const q = current();
    grid.replaceChildren(
      ...list.map((r, n) => {
        const cell = h("div", "hitl-result");
        cell.setAttribute("role", "gridcell");
        cell.setAttribute("aria-selected", String(n === focus));
        cell.dataset.rank = String(r.rank);
        if (r.judgement) cell.classList.add(`hitl-is-${r.judgement}`);
        const head = h("div", "hitl-result-head");
        head.append(h("span", "hitl-rank", `#${r.rank}`), h("span", "hitl-spacer"), h("span", "hitl-score", r.score === null ? "" : fmt(r.score)));
        const state = q === undefined ? undefined : ledger.state(resultKey(q, r));
        const verdict = h(
          "div",
          "hitl-verdict",
          (r.judgement ? JUDGEMENT_TEXT[r.judgement] : "—") + saveSuffix(state),
        );
        cell.append(head, itemView(cache.get(r.key), size), verdict);
        cell.addEventListener("mousedown", () => {
          focus = n;
          paintGrid(queryInfo());
        });
        return cell;
      }),
    );
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintProgress();
    const q = current();
    if (q === undefined) {
      queryBox.replaceChildren(h("span", "hitl-done", `All ${stepper.total} queries reviewed. [ goes back.`));
      setText(queryMetrics, "");
      grid.replaceChildren();
      return;
    }
    cache.ensure(nearbyKeys());
    const info = queryInfo();
    if (!info) {
      queryBox.replaceChildren(itemView(undefined, model.get("query_size")));
      setText(queryMetrics, "");
      grid.replaceChildren();
      cache.whenReady(queryKey(q)).then(() => {
        if (current() === q) paint();
      });
      return;
    }
    queryBox.replaceChildren(itemView(info, model.get("query_size"), "hitl-query-media"));
    const pending = ledger.pending(q) > 0;
    setText(
      queryMetrics,
      metricsText(info.metrics as Metrics, model.get("k"), model.get("relevant_known")) + (pending ? " (updating…)" : ""),
    );
    focus = Math.max(0, Math.min(focus, results(info).length - 1));
    paintGrid(info);
    const missing = results(info).filter((r) => !cache.has(r.key));
    if (missing.length) {
      Promise.all(missing.map((r) => cache.whenReady(r.key))).then(() => {
        if (current() === q) paintGrid(queryInfo());
      });
    }
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id: q, position: stepper.pos } }));
  }

  /** Keys of the queries near the view and of the results of those already cached. */
  function nearbyKeys(): string[] {
    const keys: string[] = [];
    for (const q of stepper.nearby()) {
      keys.push(queryKey(q));
      const info = cache.get(queryKey(q));
      if (info) keys.push(...results(info).map((r) => r.key));
    }
    return keys;
  }

  function firstOpen(info: ItemInfo | undefined): number {
    const list = results(info);
    const n = list.findIndex((r) => !r.judgement);
    return n < 0 ? 0 : n;
  }

  // ---------------------------------------------------------------- intents
  function setJudgement(q: ItemId, item: ItemId, value: Judgement | null): void {
    const info = cache.get(queryKey(q));
    const r = results(info).find((x) => x.id === item);
    if (r) r.judgement = value;
  }

  /** An edit of result `r` of query `q`: the kernel's judgement and the query's metrics replace the
   *  view's; a refusal restores `revert` (when given). */
  function edit(q: ItemId, r: Result, revert?: Judgement | null): Edit<ItemId> {
    return {
      item: q, key: resultKey(q, r), describe: `${stepper.placeText(q, "query")}, rank ${r.rank}`,
      ack: (reply) => {
        setJudgement(q, r.id, (reply.judgement ?? null) as Judgement | null);
        cache.update(queryKey(q), { metrics: reply.metrics });
      },
      refused: () => {
        if (revert !== undefined) setJudgement(q, r.id, revert);
      },
    };
  }

  function judge(value: Judgement): void {
    const q = current();
    const info = queryInfo();
    const r = results(info)[focus];
    if (q === undefined || !r) return;
    const before = r.judgement;
    r.judgement = value;
    status.clear();
    ledger.send("judge", { query_id: q, item_id: r.id, judgement: value }, { ...edit(q, r, before), undo: r.id });
    const list = results(info);
    focus = nextOpen(focus, list.length, (i) => !list[i].judgement);
    paint();
  }

  function undo(): void {
    const last = ledger.popUndo();
    const q = last?.item ?? current();
    if (q === undefined) return;
    stepper.seek(q, false);
    const list = results(queryInfo());
    const n = last ? list.findIndex((r) => r.id === last.value) : focus;
    const r = list[n];
    if (!r) return;
    focus = n;
    ledger.send("undo", { query_id: q, item_id: r.id }, edit(q, r));
    // the places the person sees (the header's query number, the tile's rank); the ids in the tooltip
    status.info(`undo: ${stepper.placeText(q, "query")}, rank ${r.rank}`, {
      item: q, title: `query id ${JSON.stringify(q)}, item id ${JSON.stringify(r.id)}`,
    });
    paint();
  }

  function move(key: string): void {
    // results are read in rank order: ← / → wrap between rows, as the auto-advance after a judgement does
    focus = gridMove(focus, results().length, model.get("columns"), key, true);
    paintGrid(queryInfo());
  }

  // ---------------------------------------------------------------- keyboard
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    { keys: ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"], description: "move between results", run: (e) => move(e.key) },
    { keys: ["1", "r"], description: "mark the result relevant", run: () => judge("relevant") },
    { keys: ["2", "n"], description: "mark the result not relevant", run: () => judge("not_relevant") },
    { keys: ["3", "u"], description: "mark the result unsure", run: () => judge("unsure") },
    ...stepKeys(stepper, ["Enter", "]", "PageDown"], ["[", "PageUp"], "query"),
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last judgement", run: undo },
    ...helpKeys(help),
  );
  buttons.relevant.addEventListener("click", () => judge("relevant"));
  buttons.not_relevant.addEventListener("click", () => judge("not_relevant"));
  buttons.unsure.addEventListener("click", () => judge("unsure"));
  wireNav(root, navRow, { step: (delta) => stepper.step(delta), undo, help, channel: ledger });

  // ---------------------------------------------------------------- kernel messages
  const onMessage = kernelMessages(ledger.channel, status, {
    invalidate: stepper.itemRoutes(cache).invalidate,
    // a query's item holds its results: they are fetched once it is here
    items: (infos, buffers) => {
      const shown = current();
      const known = shown !== undefined && cache.has(queryKey(shown));
      cache.receive(infos, buffers, nearbyKeys()).then(() => {
        const q = current();
        if (q === undefined) return;
        const own = queryKey(q);
        if (infos.some((i) => i.id === own)) {
          // the query's first arrival starts at its first open result; a later copy of the query
          // shown keeps the focus where the person moved it (the tile judged next is the one outlined)
          if (!(known && q === shown)) focus = firstOpen(queryInfo());
          paint();
        } else {
          cache.ensure(nearbyKeys());
        }
      });
    },
  });
  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:overall": paintProgress,
      "change:title change:columns change:thumb_size change:query_size": paint,
    },
    paint,
    dispose: [stepper, keymap, ledger],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<RetrievalModel>;
