// IngestionReview front-end: the flagged items of a new data source, grouped by check. A group's
// items fill a virtualised gallery (lib/gallery.ts); the selected item is shown beside its evidence
// (the near duplicate, the outlier's nearest existing items, the unreadable file's error). Keys decide
// the item (k / d / n / r + digit) or every undecided item of the group (K / D / N / R + digit); each
// decision travels through the edit ledger, unsaved until the kernel acknowledges it.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./ingestion.css";
import type { Reply } from "../lib/channel";
import { data, h, Part, setParts, setText } from "../lib/dom";
import { Gallery } from "../lib/gallery";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { DoneModel, EditLedger } from "../lib/ledger";
import { Binary, decodeImage, drawFit } from "../lib/media";
import { helpKeys, kernelMessages, navButtons, showSaved, startView, wireNav } from "../lib/review";
import { saveSuffix, StatusLine } from "../lib/status";
import { itemView } from "../lib/view";
import { mountRoot } from "../lib/widget";

export type Decision = "keep" | "drop" | "relabel" | "not_a_problem";

export interface GroupInfo {
  key: string;
  title: string;
  count: number;
  undecided: number;
  decision: Decision | null;
  label: unknown;
}

export interface IngestionSummary {
  status: "pending" | "passed" | "failed";
  n: number;
  reviewed: number;
  rejected: number;
  accepted: number;
  n_items: number;
}

export interface IngestionModel {
  groups: GroupInfo[];
  classes: unknown[];
  summary: IngestionSummary;
  n_done: number;
  thumb_size: number;
  title: string;
  autofocus: boolean;
  version: string;
  task: string;
  annotator: string;
  store_key: string;
}

interface Pane {
  caption: string;
  kind: string;
  mime?: string;
  buffer?: number;
  text?: string;
  error?: string;
  image?: ImageBitmap;
}

interface Finding {
  check: string;
  title: string;
  problem: string;
  detail: string;
  panes: Pane[];
}

/** What the undo stack holds: an item's decision ({}) or a group's ({group}). */
type UndoValue = { group?: string };

const DECISION_TEXT: Record<Decision, string> = { keep: "keep", drop: "drop", relabel: "relabel", not_a_problem: "not a problem" };

/** The gate line: status and counts. */
export function summaryText(s: IngestionSummary | undefined): string {
  if (!s || typeof s.n !== "number") return "";
  return `${s.status.toUpperCase()} · decided ${s.reviewed} of ${s.n} flagged · dropped ${s.rejected} · ${s.accepted} of ${s.n_items} to ingest`;
}

/** A decision as parts of a line (the label is data). */
export function decisionParts(decision: unknown, label: unknown, via: unknown): Part[] {
  if (decision === null || decision === undefined) return ["undecided"];
  const name = DECISION_TEXT[decision as Decision] ?? String(decision);
  const parts: Part[] = [name];
  if (decision === "relabel") parts.push(" → ", data(label));
  if (typeof via === "string" && via.startsWith("group:")) parts.push(" (by its group)");
  return parts;
}

/** A group button's text: title and how many are left. */
export function groupText(g: GroupInfo): string {
  const left = g.undecided ? `${g.undecided} undecided of ${g.count}` : `${g.count}, all decided`;
  return `${g.title} (${left})`;
}

function render({ model, el }: RenderProps<IngestionModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-ingestion");

  // ---------------------------------------------------------------- layout
  const title = h("span", "hitl-title");
  const header = h("div", "hitl-row");
  header.append(title);
  const banner = h("div", "hitl-ingestion-banner");
  const groupBar = h("div", "hitl-row hitl-groups");
  const groupTitle = h("div", "hitl-muted hitl-group-title");
  const detail = h("div", "hitl-ingestion-detail");
  const itemBox = h("div", "hitl-ingestion-item");
  const decisionLine = h("div", "hitl-decision");
  const findingsBox = h("div", "hitl-findings");
  detail.append(itemBox, decisionLine, findingsBox);

  const status = new StatusLine();
  const repaint = (id: ItemId) => {
    gallery.refresh([id]);
    if (id === gallery.selectedId) paintDetail();
  };
  const ledger = new EditLedger<UndoValue>(model as unknown as DoneModel, { status, repaint, progress: paintSummary }, { coalesce: true });
  const cache = new ItemCache(model, 400);
  const gallery = new Gallery(cache, {
    thumb: model.get("thumb_size"),
    height: 320,
    caption: (_id, item) => (item ? decisionCaption(item) : ""),
    tileClass: (id, item) =>
      ledger.stateOf(id) ? "hitl-pending" : item?.decision === "drop" ? "hitl-dropped" : item?.decision ? "hitl-changed" : "",
    onSelect: () => paintDetail(),
    onPainted: (count) => root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { gallery: true, count } })),
  });
  const body = h("div", "hitl-row hitl-ingestion-body");
  body.append(gallery.node, detail);

  const button = (key: string, text: string, run: () => void, cls = "") => {
    const b = h("button", `hitl-button ${cls}`.trim());
    b.append(h("span", "hitl-key", key), document.createTextNode(text));
    b.addEventListener("click", run);
    return b;
  };
  const itemActions = h("div", "hitl-row hitl-item-actions");
  itemActions.append(
    h("span", "hitl-muted", "item:"),
    button("k", "keep", () => decide("keep"), "hitl-keep"),
    button("d", "drop", () => decide("drop"), "hitl-drop"),
    button("n", "not a problem", () => decide("not_a_problem"), "hitl-fine"),
    button("r", "relabel…", () => startRelabel("item"), "hitl-relabel"),
  );
  const groupActions = h("div", "hitl-row hitl-group-actions");
  groupActions.append(
    h("span", "hitl-muted", "whole group (undecided items):"),
    button("K", "keep", () => decideGroup("keep"), "hitl-keep"),
    button("D", "drop", () => decideGroup("drop"), "hitl-drop"),
    button("N", "not a problem", () => decideGroup("not_a_problem"), "hitl-fine"),
    button("R", "relabel…", () => startRelabel("group"), "hitl-relabel"),
  );
  const classBar = h("div", "hitl-row hitl-classes");
  const buttons = navButtons("← prev", "next →");
  const { prev, next, undoButton, helpButton, retry } = buttons;
  const nav = h("div", "hitl-row hitl-nav");
  nav.append(prev, next, undoButton, h("span", "hitl-spacer"), retry, helpButton);
  root.append(header, banner, groupBar, groupTitle, body, itemActions, groupActions, classBar, nav, status.node);

  // ---------------------------------------------------------------- state
  let group: string | undefined; // the open group
  let relabelling: "item" | "group" | null = null;
  let openRequest = 0;
  const evidence = new Map<string, Finding[]>(); // item key -> its findings with decoded panes
  const asked = new Set<string>();
  const classes = () => model.get("classes");
  const groups = () => model.get("groups");
  const key = (id: ItemId) => JSON.stringify(id);

  function decisionCaption(item: ItemInfo): Part[] {
    if (item.decision) return decisionParts(item.decision, item.label, null);
    return [data(item.problem ?? (item.kind === "error" ? "unreadable" : "no finding"))];
  }

  // ---------------------------------------------------------------- painting
  function paintSummary(): void {
    const s = model.get("summary");
    setText(banner, summaryText(s));
    banner.className = `hitl-ingestion-banner hitl-gate-${s?.status ?? "pending"}`;
    showSaved(status, ledger, retry);
  }

  function paintGroups(): void {
    groupBar.replaceChildren(
      ...groups().map((g) => {
        const b = h("button", "hitl-button hitl-group");
        b.dataset.group = g.key;
        setText(b, groupText(g));
        b.setAttribute("aria-pressed", String(g.key === group));
        b.addEventListener("click", () => openGroup(g.key));
        return b;
      }),
    );
    const g = groups().find((x) => x.key === group);
    if (g) setParts(groupTitle, [g.title, g.decision ? ": group decision " : "", ...(g.decision ? decisionParts(g.decision, g.label, null) : [])]);
  }

  function paintClasses(): void {
    classBar.replaceChildren(
      ...classes().map((c, k) => {
        const b = h("button", "hitl-button hitl-class");
        b.append(h("span", "hitl-key", String(k + 1)), h("bdi", "", String(c)));
        b.addEventListener("click", () => pickClass(k));
        return b;
      }),
    );
    classBar.classList.toggle("hitl-choosing", relabelling !== null);
    classBar.hidden = !classes().length;
  }

  function paintDetail(): void {
    const id = gallery.selectedId;
    if (id === undefined) {
      itemBox.replaceChildren(h("span", "hitl-muted", group ? "this group is empty" : "no group open"));
      setText(decisionLine, "");
      findingsBox.replaceChildren();
      return;
    }
    const item = cache.get(id);
    itemBox.replaceChildren(itemView(item, 2 * model.get("thumb_size")));
    const place = `item ${gallery.selected + 1} / ${gallery.length}`;
    setParts(decisionLine, item ? [place, ": ", ...decisionParts(item.decision, item.label, item.via), saveSuffix(ledger.stateOf(id))] : [place]);
    decisionLine.className = `hitl-decision${item?.decision ? ` hitl-decided-${String(item.decision)}` : ""}`;
    const found = evidence.get(key(id));
    if (!found) {
      findingsBox.replaceChildren(h("span", "hitl-muted", "loading the evidence…"));
      askEvidence(id);
      return;
    }
    findingsBox.replaceChildren(...(found.length ? found.map(findingNode) : [h("span", "hitl-muted", "no finding")]));
  }

  function findingNode(f: Finding): HTMLElement {
    const box = h("div", "hitl-finding");
    box.dataset.check = f.check;
    const head = h("div", "hitl-finding-head");
    setParts(head, [f.title, ": ", data(f.problem)]);
    const text = h("div", "hitl-finding-detail hitl-literal", f.detail);
    text.dir = "auto";
    const panes = h("div", "hitl-row hitl-evidence");
    for (const p of f.panes) {
      const fig = h("figure", "hitl-pane");
      if (p.image) {
        const canvas = h("canvas");
        drawFit(canvas, p.image, model.get("thumb_size") * 2);
        fig.append(canvas);
      } else {
        fig.append(h("div", p.kind === "text" ? "hitl-literal" : "hitl-error", p.kind === "text" ? p.text : p.error ?? "cannot show"));
      }
      fig.append(h("figcaption", "hitl-muted", p.caption));
      panes.append(fig);
    }
    box.append(head, text, panes);
    return box;
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintSummary();
    paintGroups();
    paintClasses();
    paintDetail();
  }

  // ---------------------------------------------------------------- kernel requests
  function askEvidence(id: ItemId): void {
    if (asked.has(key(id))) return;
    asked.add(key(id));
    model.send({ type: "evidence", item_id: id });
  }

  async function receiveEvidence(msg: Record<string, unknown>, buffers: Binary[]): Promise<void> {
    const findings = (msg.findings as Finding[]) ?? [];
    await Promise.all(
      findings.flatMap((f) =>
        f.panes.map(async (p) => {
          if (p.kind === "image" && typeof p.buffer === "number" && buffers[p.buffer]) {
            try {
              p.image = await decodeImage(buffers[p.buffer], p.mime ?? "image/png");
            } catch (e) {
              p.kind = "error";
              p.error = `cannot decode image: ${e}`;
            }
          }
        }),
      ),
    );
    const id = msg.item_id as ItemId;
    evidence.set(key(id), findings);
    asked.delete(key(id));
    if (gallery.selectedId !== undefined && key(gallery.selectedId) === key(id)) paintDetail();
  }

  function openGroup(g: string): void {
    const ask = ++openRequest;
    group = g;
    relabelling = null;
    paintGroups();
    status.info(`opening ${groups().find((x) => x.key === g)?.title ?? g}…`);
    ledger.channel.send("open_group", { group: g }).then(
      (reply) => {
        if (ask !== openRequest) return;
        if (reply.type !== "ack") return status.error(`refused: ${reply.message ?? "invalid"}`);
        status.clear();
        gallery.setIds((reply.ids as ItemId[]) ?? []);
        paint();
        root.dispatchEvent(new CustomEvent("hitl:group", { detail: { group: g, count: gallery.length } }));
      },
      (e: Error) => status.error(e.message),
    );
  }

  function stepGroup(delta: number): void {
    const list = groups();
    if (!list.length) return;
    const at = list.findIndex((x) => x.key === group);
    openGroup(list[(at + delta + list.length) % list.length].key);
  }

  // ---------------------------------------------------------------- decisions
  const takeState = (id: ItemId) => (reply: Reply) =>
    cache.update(id, { decision: reply.decision ?? null, label: reply.label ?? null, via: reply.via ?? null });

  function decide(decision: Decision, label: unknown = null): void {
    const id = gallery.selectedId;
    if (id === undefined) return;
    const item = cache.get(id);
    if (!item) return status.info("still loading this item: look before you decide", { item: id });
    const before = { decision: item.decision ?? null, label: item.label ?? null, via: item.via ?? null };
    cache.update(id, { decision, label, via: "item" });
    status.clear();
    void ledger.send("decide", { item_id: id, decision, label }, {
      item: id, describe: `item ${gallery.selected + 1} / ${gallery.length}`, undo: {},
      ack: takeState(id), refused: () => cache.update(id, before),
    });
    gallery.refresh([id]);
    if (gallery.selected < gallery.length - 1) gallery.select(gallery.selected + 1);
    else paintDetail();
  }

  /** After a group's decision (or its undo) is answered: the view's copies of its items are out of date. */
  function groupSettled(g: string): void {
    if (g !== group) return;
    cache.invalidate();
    gallery.render();
    paintDetail();
  }

  function decideGroup(decision: Decision, label: unknown = null): void {
    const g = group;
    if (g === undefined) return;
    const info = groups().find((x) => x.key === g);
    void ledger.send("decide_group", { group: g, decision, label }, {
      item: `group:${g}`, key: `\u0000group ${g}`, describe: `group ${info?.title ?? g}`, undo: { group: g },
      ack: () => groupSettled(g),
    });
    status.info(`${info?.title ?? g}: every undecided item → ${DECISION_TEXT[decision]}`);
  }

  function startRelabel(target: "item" | "group"): void {
    if (!classes().length) return status.info("no classes to relabel with (give classes= or a schema with classes)");
    relabelling = relabelling === target ? null : target;
    paintClasses();
    if (relabelling) status.info(`${target === "group" ? "relabel the group's undecided items" : "relabel"}: press 1–${classes().length}`);
    else status.clear();
  }

  function pickClass(k: number): void {
    const c = classes()[k];
    if (c === undefined) return;
    const target = relabelling ?? "item";
    relabelling = null;
    paintClasses();
    if (target === "group") decideGroup("relabel", c);
    else decide("relabel", c);
  }

  function undo(): void {
    const entry = ledger.popUndo();
    if (entry?.value.group !== undefined) {
      const g = entry.value.group;
      void ledger.send("undo_group", { group: g }, { item: `group:${g}`, key: `\u0000group ${g}`, describe: `group ${g}`, ack: () => groupSettled(g) });
      status.info(`undo: the decision on group ${groups().find((x) => x.key === g)?.title ?? g}`);
      return;
    }
    const id = entry?.item ?? gallery.selectedId;
    if (id === undefined) return;
    const at = gallery.selected;
    void ledger.send("undo", { item_id: id }, { item: id, describe: `item ${at + 1} / ${gallery.length}`, ack: takeState(id) });
    status.info(`undo: item ${JSON.stringify(id)}`, { item: id });
  }

  // ---------------------------------------------------------------- keys
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    { keys: ["k"], description: "keep this item (and next)", run: () => decide("keep") },
    { keys: ["d"], description: "drop this item (and next)", run: () => decide("drop") },
    { keys: ["n"], description: "not a problem: ingest it (and next)", run: () => decide("not_a_problem") },
    { keys: ["r"], description: "relabel this item: then its class number", run: () => startRelabel("item") },
    { keys: ["K"], description: "keep every undecided item of this group", run: () => decideGroup("keep") },
    { keys: ["D"], description: "drop every undecided item of this group", run: () => decideGroup("drop") },
    { keys: ["N"], description: "not a problem: every undecided item of this group", run: () => decideGroup("not_a_problem") },
    { keys: ["R"], description: "relabel every undecided item of this group: then the class number", run: () => startRelabel("group") },
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => ({
      keys: [d],
      description: () => `relabel as ${String(classes()[Number(d) - 1])}`,
      run: () => pickClass(Number(d) - 1),
      when: () => Number(d) <= classes().length,
    })),
    { keys: ["]"], description: "next group", run: () => stepGroup(1) },
    { keys: ["["], description: "previous group", run: () => stepGroup(-1) },
    { keys: ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"], description: "move in the group's items",
      run: (e) => gallery.handleKey(e.key) },
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last decision (an item's or a group's)", run: undo },
    { keys: ["Escape"], description: "cancel a relabel", when: () => relabelling !== null && !help.open,
      run: () => { relabelling = null; paintClasses(); status.clear(); } },
    ...helpKeys(help),
  );
  wireNav(root, buttons, { step: (delta) => gallery.select(gallery.selected + delta), undo, help, channel: ledger });

  const onMessage = kernelMessages(ledger.channel, status, {
    items: (infos, buffers) => {
      void cache.receive(infos, buffers, gallery.visibleIds()).then(() => {
        gallery.refresh(infos.map((i) => i.id));
        const id = gallery.selectedId;
        if (id !== undefined && infos.some((i) => key(i.id) === key(id))) paintDetail();
      });
    },
    other: (msg, buffers) => {
      if (msg.type === "evidence") void receiveEvidence(msg, buffers);
    },
  });
  const first = groups().find((g) => g.undecided > 0) ?? groups()[0];
  if (first) openGroup(first.key);
  return startView(model as never, root, status, {
    on: {
      "msg:custom": onMessage,
      "change:summary change:n_done": paintSummary,
      "change:groups": paintGroups,
      "change:classes": paintClasses,
      "change:title": paint,
    },
    paint,
    dispose: [keymap, ledger, gallery],
  });
}

export default { render } satisfies AnyWidget<IngestionModel>;
