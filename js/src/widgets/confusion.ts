// ConfusionDashboard front-end: the heatmap (counts or row shares), per-class precision / recall /
// F1, and a virtualised gallery of the items of the opened cell (or of the likely label errors),
// where an item is relabelled in place. Python validates every intent and answers with the cell's
// ids; thumbnails come through the shared ItemCache (binary buffers).
import type { AnyModel, AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import { takeFocusWhenShown } from "../lib/focus";
import "./confusion.css";
import type { Reply } from "../lib/channel";
import { data, h, Part, countOf, setParts, setText } from "../lib/dom";
import { Gallery, rawThumbnail } from "../lib/gallery";
import { Heatmap } from "../lib/heatmap";
import { HelpOverlay, helpButton as newHelpButton } from "../lib/help";
import { ItemCache, ItemId, ItemInfo } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { DoneModel, EditLedger } from "../lib/ledger";
import { Binary } from "../lib/media";
import { StatusLine } from "../lib/status";
import { listen } from "../lib/review";
import { checkVersion, mountRoot } from "../lib/widget";
import { classKeys } from "../lib/classes";

type Cls = string | number;

export interface ClassMetric {
  class: Cls;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number;
}

export interface ConfusionModel {
  classes: Cls[];
  matrix: number[][];
  normalize: boolean;
  class_metrics: ClassMetric[];
  accuracy: number;
  n_items: number;
  cell: number[];
  n_issues: number;
  has_proba: boolean;
  n_relabelled: number;
  thumb_size: number;
  title: string;
  autofocus: boolean;
  version: string;
}

/** Row shares of a count matrix (empty rows stay 0). */
export function rowShares(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (sum > 0 ? v / sum : 0));
  });
}

const fmt = (v: number | null) => (v === null || v === undefined ? "–" : v.toFixed(2));
const DIGITS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"];

function render({ model, el }: RenderProps<ConfusionModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-confusion");

  // ---------------------------------------------------------------- layout
  const title = h("span", "hitl-title");
  const summary = h("span", "hitl-muted hitl-summary");
  const modeButton = h("button", "hitl-button hitl-mode");
  const issuesButton = h("button", "hitl-button hitl-issues");
  const helpButton = newHelpButton();
  const header = h("div", "hitl-row");
  header.append(title, summary, h("span", "hitl-spacer"), modeButton, issuesButton, helpButton);

  const status = new StatusLine();
  const saved = () => status.setSaved(ledger.pendingCount, ledger.failedCount);
  // the dashboard shows no n_done (done() is never asked) and a relabel's ack carries none
  const ledger: EditLedger = new EditLedger(model as unknown as DoneModel, {
    status,
    repaint: (id) => {
      gallery.refresh([id]);
      paintSelection();
    },
    progress: saved,
  });
  const channel = ledger.channel; // the requests that are no edits (open a cell, the issues) go as they are
  const cache = new ItemCache(model, 400);
  const classes = () => model.get("classes");
  const heatmap = new Heatmap({ onOpen: (r, c) => openCell(r, c), corner: "true \\ pred", label: "confusion matrix" });
  const metricsTable = h("table", "hitl-metrics");
  const top = h("div", "hitl-confusion-top");
  top.append(heatmap.node, metricsTable);

  const galleryTitle = h("div", "hitl-gallery-title");
  const gallery = new Gallery(cache, {
    thumb: model.get("thumb_size"),
    height: 300,
    caption: (_id, item) => (item ? [item.relabelled ? "✎ " : "", data(item.label), " · pred ", data(item.pred)] : ""),
    tileClass: (_id, item) => (item?.pending ? "hitl-pending" : item?.relabelled ? "hitl-changed" : ""),
    onSelect: () => paintSelection(),
    onPainted: (count) => root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { gallery: true, count } })),
  });
  const selectionLine = h("div", "hitl-row hitl-selection");
  const classBar = h("div", "hitl-row hitl-classes");
  const panel = h("div", "hitl-gallery-panel");
  panel.append(galleryTitle, gallery.node, selectionLine, classBar);
  panel.hidden = true;
  root.append(header, top, panel, status.node);

  let mode: "matrix" | "gallery" = "matrix";
  let openRequest = 0;

  // ---------------------------------------------------------------- painting
  function paintMatrix(): void {
    const matrix = model.get("matrix");
    const names = classes().map(String);
    const shares = rowShares(matrix);
    const normalize = model.get("normalize");
    heatmap.set({
      values: matrix,
      rowLabels: names,
      colLabels: names,
      shade: shares,
      diagonal: true,
      text: (v, r, c) => (normalize ? shares[r][c].toFixed(2) : String(v)),
    });
    setText(modeButton, normalize ? "row shares (n)" : "counts (n)");
    setText(title, model.get("title"));
    setText(
      summary,
      `${model.get("n_items")} items · accuracy ${model.get("accuracy").toFixed(3)} · ${model.get("n_relabelled")} relabelled`,
    );
    issuesButton.hidden = !model.get("has_proba");
    setText(issuesButton, `likely label errors: ${model.get("n_issues")} (e)`);
    const head = h("tr");
    for (const name of ["class", "precision", "recall", "F1", "support"]) head.append(h("th", "", name));
    const rows = model.get("class_metrics").map((m) => {
      const tr = h("tr");
      tr.dataset.class = String(m.class);
      tr.append(h("td", "", m.class), h("td", "hitl-num", fmt(m.precision)), h("td", "hitl-num", fmt(m.recall)),
        h("td", "hitl-num", fmt(m.f1)), h("td", "hitl-num", m.support));
      return tr;
    });
    metricsTable.replaceChildren(head, ...rows);
    heatmap.node.classList.toggle("hitl-active", mode === "matrix");
  }

  function paintSelection(): void {
    const id = gallery.selectedId;
    const item = id === undefined ? undefined : cache.get(id);
    status.showing(panel.hidden ? undefined : id); // a message about another item goes
    selectionLine.title = id === undefined ? "" : `item id ${JSON.stringify(id)}`;
    setParts(
      selectionLine,
      id === undefined
        ? ["no items"]
        : [`item ${gallery.selected + 1} / ${gallery.length}`,
          ...(item ? [" — label ", data(item.label), ", predicted ", data(item.pred),
            typeof item.score === "number" ? `, p(label) ${item.score.toFixed(2)}` : ""] : [])],
    );
    const keys = classKeys(classes());
    classBar.replaceChildren(
      h("span", "hitl-muted", "relabel:"),
      ...classes().map((c, k) => {
        const b = h("button", "hitl-button hitl-class");
        if (keys[k]) b.append(h("span", "hitl-key", keys[k]));
        b.append(document.createTextNode(String(c)));
        b.setAttribute("aria-pressed", String(item !== undefined && item.label === c));
        b.addEventListener("click", () => relabel(k));
        return b;
      }),
    );
  }

  function setMode(next: "matrix" | "gallery"): void {
    mode = next;
    heatmap.node.classList.toggle("hitl-active", mode === "matrix");
    gallery.node.classList.toggle("hitl-active", mode === "gallery");
  }

  // ---------------------------------------------------------------- intents
  function showIds(reply: Reply, heading: Part[]): void {
    const ids = (reply.ids as ItemId[]) ?? [];
    const total = Number(reply.total ?? ids.length);
    setParts(galleryTitle, [...heading, `: ${countOf(total, "item")}${ids.length < total ? ` (first ${ids.length} shown)` : ""} — Esc back to the matrix`]);
    panel.hidden = false;
    gallery.setIds(ids, ids.slice(0, Number(reply.first ?? 0)));
    setMode(ids.length ? "gallery" : "matrix");
    paintSelection();
  }

  /** Tiles on the gallery's first screen: the kernel pushes these with its answer. */
  function firstScreen(): number {
    panel.hidden = false; // laid out, so the gallery knows its width
    return Math.min(160, gallery.capacity());
  }

  function openCell(row: number, col: number): void {
    const ask = ++openRequest;
    const names = classes().map(String);
    status.info(`opening ${names[row]} → ${names[col]}…`);
    const first = firstScreen();
    channel.send("open_cell", { row, col, first }).then(
      (reply) => {
        if (ask !== openRequest) return;
        if (reply.type !== "ack") return status.error(`refused: ${reply.message ?? "invalid"}`);
        status.clear();
        showIds({ ...reply, first }, ["true ", data(names[row]), ", predicted ", data(names[col])]);
      },
      (e: Error) => status.error(e.message),
    );
  }

  function openIssues(): void {
    if (!model.get("has_proba")) return status.info("no probabilities: the label-error ranking needs predict_proba output");
    const ask = ++openRequest;
    const first = firstScreen();
    channel.send("open_issues", { first }).then(
      (reply) => {
        if (ask !== openRequest) return;
        if (reply.type !== "ack") return status.error(`refused: ${reply.message ?? "invalid"}`);
        status.clear();
        showIds({ ...reply, first }, ["likely label errors, most likely first"]);
      },
      (e: Error) => status.error(e.message),
    );
  }

  function relabel(k: number): void {
    const id = gallery.selectedId;
    const c = classes()[k];
    if (id === undefined || c === undefined || panel.hidden) return;
    const item = cache.get(id);
    if (!item) return status.info("still loading this item: look before you relabel", { item: id });
    // the place the person sees in the gallery (the id in the tooltip)
    const place = `item ${gallery.selected + 1} / ${gallery.length}`;
    const about = { item: id, title: `item id ${JSON.stringify(id)}` };
    const same = item.label === c; // its label already: not a change, nothing is sent (the kernel would store nothing either)
    if (!same) {
      const before = { label: item.label, relabelled: item.relabelled };
      cache.update(id, { label: c, pending: true });
      gallery.refresh([id]);
      void ledger.send("relabel", { item_id: id, label: c }, {
        item: id, describe: place,
        ack: (reply) => {
          const changed = !reply.unchanged;
          cache.update(id, { label: reply.label as Cls, relabelled: changed || before.relabelled, pending: false });
          status.info(changed ? `${place} relabelled ${String(reply.label)}` : `${place} is already labelled ${String(reply.label)}: nothing changed`, about);
        },
        refused: () => cache.update(id, { ...before, pending: false }),
      });
    }
    if (gallery.selected < gallery.length - 1) gallery.select(gallery.selected + 1);
    else paintSelection();
    // said once the selection moved on: it stays until the person moves again
    if (same) status.info(`${place} is already labelled ${String(c)}: nothing changed`, about);
  }

  function toggleNormalize(): void {
    model.set("normalize", !model.get("normalize"));
    model.save_changes();
    paintMatrix();
  }

  // ---------------------------------------------------------------- keyboard
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  const inGallery = () => mode === "gallery" && !panel.hidden;
  keymap.add(
    { keys: ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"], description: "move in the matrix (or in the gallery once open)",
      run: (e) => (inGallery() ? gallery.handleKey(e.key) : heatmap.handleKey(e.key)) },
    { keys: ["Enter"], description: "open the focused cell's items", run: () => heatmap.open(), when: () => !inGallery() },
    { keys: ["PageUp", "PageDown"], description: "page through the gallery", run: (e) => gallery.handleKey(e.key), when: inGallery },
    ...DIGITS.map((d) => ({
      keys: [d],
      description: () => `relabel the selected item ${String(classes()[classKeys(classes()).indexOf(d)])}`,
      run: () => relabel(classKeys(classes()).indexOf(d)),
      when: () => inGallery() && classKeys(classes()).includes(d),
    })),
    { keys: ["n"], description: "counts / row shares", run: toggleNormalize },
    { keys: ["e"], description: "open the likely label errors", run: openIssues, when: () => model.get("has_proba") },
    { keys: ["?"], description: "show / hide these shortcuts", run: () => help.toggle() },
    { keys: ["Escape"], description: "close the help, or go back from the gallery to the matrix",
      run: () => (help.open ? help.toggle(false) : setMode("matrix")), when: () => help.open || inGallery() },
  );
  modeButton.addEventListener("click", toggleNormalize);
  issuesButton.addEventListener("click", openIssues);
  helpButton.addEventListener("click", () => help.toggle());
  heatmap.node.addEventListener("click", () => setMode("matrix"), true);
  gallery.node.addEventListener("click", () => setMode("gallery"));
  root.addEventListener("mousedown", (e) => {
    if (!(e.target as HTMLElement).closest("button")) root.focus({ preventScroll: true });
  });

  // ---------------------------------------------------------------- kernel messages
  const onMessage = (msg: Record<string, unknown>, buffers: Binary[] = []) => {
    if (channel.handle(msg, buffers)) return;
    if (msg.type === "items") {
      const infos = msg.items as ItemInfo[];
      cache.receive(infos, buffers, gallery.visibleIds()).then(() => {
        gallery.refresh(infos.map((i) => i.id));
        paintSelection();
      });
    } else if (msg.type === "thumbs") {
      const infos = msg.items as ItemInfo[];
      // each thumbnail decoded once into an ImageBitmap, then cached (the gallery draws those)
      void Promise.all(infos.map(async (info) => {
        try {
          info.image = await rawThumbnail(buffers[0], Number(info.offset), Number(info.width), Number(info.height), Number(info.channels));
        } catch (e) {
          info.kind = "error";
          info.error = `cannot show thumbnail: ${e}`;
        }
      })).then(() => cache.receive(infos, [], gallery.visibleIds())).then(() => {
        gallery.refresh(infos.map((i) => i.id));
        paintSelection();
      });
    } else if (msg.type === "show") {
      const names = classes().map(String);
      heatmap.focus(Number(msg.row), Number(msg.col));
      showIds({ type: "ack", client: "", seq: 0, ids: msg.ids, total: msg.total },
        ["true ", data(names[Number(msg.row)]), ", predicted ", data(names[Number(msg.col)])]);
    } else if (msg.type === "refused") {
      status.error(`refused: ${String(msg.message ?? "invalid message")}`);
    } else if (msg.type === "invalidate") {
      cache.invalidate();
      gallery.refresh();
    }
  };
  const watched = "change:matrix change:normalize change:class_metrics change:accuracy change:n_issues change:n_relabelled change:title change:classes";
  const unlisten = listen(model, { "msg:custom": onMessage, [watched]: paintMatrix });

  checkVersion(model as unknown as AnyModel, status);
  status.setSaved(0, 0);
  paintMatrix();
  setMode("matrix");
  if (model.get("autofocus")) takeFocusWhenShown(root);

  return () => {
    unlisten();
    keymap.dispose();
    ledger.dispose();
    gallery.dispose();
  };
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<ConfusionModel>;
