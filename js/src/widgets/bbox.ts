// BBoxAnnotator front-end: boxes drawn on a zoomable canvas, in image-pixel coordinates.
// Every change is applied at once in the view and travels to the kernel as an intent (add,
// update, delete, accept, adjust, reject, undo, redo); the kernel validates it, stores one event
// with the item's whole box list, and answers with that list, which then replaces the view's copy.
import type { RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import { CanvasStage, classSwatches, EditorModel, editorKeys, editorNav, editorRootClass, wireEditorNav } from "../lib/canvas_stage";
import "./bbox.css";
import { IntentChannel, Reply } from "../lib/channel";
import { h, setText, slider } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo, itemKey } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { StatusLine } from "../lib/status";
import { Stepper } from "../lib/stepper";
import { capturePointer, FrameScheduler, PanZoom, Point, Rect, Viewport } from "../lib/viewport";
import { mountRoot } from "../lib/widget";
import { headerRow, kernelMessages, showSaved, startView } from "../lib/review";
import { ClassName, classColour, classDigitKeys, classKeys } from "../lib/classes";


export interface BBoxModel extends EditorModel {
  threshold: number;
}

export interface Box extends Rect {
  id: string;
  class: ClassName;
  source: "human" | "proposal" | "adjusted";
  score: number | null;
  proposal: string | null;
}

export interface Proposal extends Rect {
  id: string;
  class: ClassName;
  score: number | null;
}

interface BoxItem extends ItemInfo {
  boxes?: Box[];
  rejected?: string[];
  proposals?: Proposal[];
}

type Selection = { kind: "box" | "proposal"; id: string } | null;

/** Handles of a box: corners tl, tr, br, bl, then edges top, right, bottom, left. */
export const HANDLES = 8;

export function handlePoints(b: Rect): Point[] {
  const { x, y, w, h: hh } = b;
  return [
    { x, y }, { x: x + w, y }, { x: x + w, y: y + hh }, { x, y: y + hh },
    { x: x + w / 2, y }, { x: x + w, y: y + hh / 2 }, { x: x + w / 2, y: y + hh }, { x, y: y + hh / 2 },
  ];
}

/** The box spanned by two points, clamped to the image. */
export function rectFromPoints(a: Point, b: Point, width: number, height: number): Rect {
  const cx = (v: number) => Math.min(width, Math.max(0, v));
  const cy = (v: number) => Math.min(height, Math.max(0, v));
  const x0 = cx(Math.min(a.x, b.x));
  const x1 = cx(Math.max(a.x, b.x));
  const y0 = cy(Math.min(a.y, b.y));
  const y1 = cy(Math.max(a.y, b.y));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** `box` with handle `handle` dragged to `p` (clamped to the image; dragging past flips). */
export function resizeBox(box: Rect, handle: number, p: Point, width: number, height: number): Rect {
  let x0 = box.x;
  let y0 = box.y;
  let x1 = box.x + box.w;
  let y1 = box.y + box.h;
  const left = handle === 0 || handle === 3 || handle === 7;
  const right = handle === 1 || handle === 2 || handle === 5;
  const top = handle === 0 || handle === 1 || handle === 4;
  const bottom = handle === 2 || handle === 3 || handle === 6;
  if (left) x0 = p.x;
  if (right) x1 = p.x;
  if (top) y0 = p.y;
  if (bottom) y1 = p.y;
  return rectFromPoints({ x: x0, y: y0 }, { x: x1, y: y1 }, width, height);
}

/** `box` moved by (dx, dy) image pixels, kept inside the image. */
export function moveBox(box: Rect, dx: number, dy: number, width: number, height: number): Rect {
  const w = Math.min(box.w, width);
  const h = Math.min(box.h, height);
  return {
    x: Math.min(width - w, Math.max(0, box.x + dx)),
    y: Math.min(height - h, Math.max(0, box.y + dy)),
    w,
    h,
  };
}

/** Round image coordinates to 1/100 px (plenty for pixels; keeps messages short). */
export function roundRect(r: Rect): Rect {
  const q = (v: number) => Math.round(v * 100) / 100;
  return { x: q(r.x), y: q(r.y), w: q(r.w), h: q(r.h) };
}

export { classColour, classKeys };

const AHEAD = 4;
const BEHIND = 2;
const HANDLE_PX = 7; // CSS px: grab distance of a handle
const MIN_DRAG_PX = 3; // a drag shorter than this (CSS px) is a click
const NUDGE_COMMIT_MS = 400;
const LABEL_LIMIT = 250; // draw class/score text only when at most this many boxes are in view

export function render({ model, el }: RenderProps<BBoxModel>) {
  const root = mountRoot(el, model, editorRootClass("bbox"));

  // ---------------------------------------------------------------- layout
  const { header, title, position, progress } = headerRow();

  const classBar = h("div", "hitl-row hitl-classes");
  const thresholdInput = slider("hitl-threshold", "proposal score threshold");
  const thresholdValue = h("span", "hitl-threshold-value");
  const acceptAll = h("button", "hitl-button hitl-accept-all", "accept all ≥ threshold (A)");
  const tools = h("div", "hitl-row hitl-tools");
  const zoomOut = h("button", "hitl-button", "−");
  const zoomIn = h("button", "hitl-button", "+");
  const zoomFit = h("button", "hitl-button", "fit (F)");
  const zoomText = h("span", "hitl-muted hitl-zoom");
  tools.append(h("span", "hitl-muted", "proposals ≥"), thresholdInput, thresholdValue, acceptAll,
    h("span", "hitl-spacer"), zoomOut, zoomText, zoomIn, zoomFit);

  const stageView = new CanvasStage();
  const { canvas, node: stage } = stageView;

  const selectionLine = h("span", "hitl-selection");
  const countLine = h("span", "hitl-muted hitl-counts");
  const info = h("div", "hitl-row");
  info.append(selectionLine, h("span", "hitl-spacer"), countLine);

  const navRow = editorNav();
  const { nav, retry } = navRow;

  const status = new StatusLine();
  root.append(header, classBar, tools, stage, info, nav, status.node);

  // ---------------------------------------------------------------- state
  const channel = new IntentChannel(model);
  const cache = new ItemCache(model, 24);
  const viewport = new Viewport();
  const pendingByItem = new Map<string, number>();
  const enter = () => {
    selection = null;
    stageView.forget();
  };
  const stepper = new Stepper(model, {
    behind: BEHIND, ahead: AHEAD, paint, paintProgress, enter,
    leave: flushDraft, // the box being edited belongs to the item left
    restart: () => {
      flushDraft(); // to the item it was made on, which the new order may no longer hold
      enter();
    },
  });
  let selection: Selection = null;
  let currentClass = 0;
  let draft: Box | null = null; // the box being edited (drawn over its stored version)
  let draftOp: "update" | "adjust" | "add" | null = null;
  let draftItem: ItemId | undefined; // the item it belongs to (a new order may come before it is sent)
  let drawing: Rect | null = null; // rubber band of a new box
  let nudgeTimer: ReturnType<typeof setTimeout> | null = null;
  let boxCounter = 0;

  const order = () => model.get("order");
  const classes = () => model.get("classes");
  const current = () => stepper.current();
  const item = (): BoxItem | undefined => {
    const id = current();
    return id === undefined ? undefined : (cache.get(id) as BoxItem | undefined);
  };
  const classIndex = (c: ClassName) => classes().findIndex((v) => v === c);
  const imageSize = () => ({ w: viewport.imageWidth, h: viewport.imageHeight });
  const newBoxId = () => `b${++boxCounter}-${channel.client}`.slice(0, 64);

  /** Pending proposals (not accepted, adjusted or rejected), best first. */
  function pendingProposals(it: BoxItem | undefined = item()): Proposal[] {
    if (!it) return [];
    const used = new Set<string>([...(it.rejected ?? []), ...(it.boxes ?? []).map((b) => b.proposal ?? "")]);
    if (draft && draftOp === "adjust") used.add(draft.id);
    return (it.proposals ?? []).filter((p) => !used.has(p.id));
  }

  function visibleProposals(it: BoxItem | undefined = item()): Proposal[] {
    const t = model.get("threshold");
    return pendingProposals(it).filter((p) => p.score === null || p.score >= t);
  }

  /** Boxes as shown: the stored ones, with the draft in place of its original. */
  function shownBoxes(it: BoxItem | undefined = item()): Box[] {
    const boxes = it?.boxes ?? [];
    if (!draft) return boxes;
    const out = boxes.map((b) => (b.id === draft!.id ? draft! : b));
    if (!boxes.some((b) => b.id === draft!.id)) out.push(draft);
    return out;
  }

  // ---------------------------------------------------------------- drawing
  const scheduler = new FrameScheduler(() => drawFrame());

  let zoomShown = "";
  function drawFrame(): void {
    const t0 = performance.now();
    stageView.fitWidth(viewport, model.get("display_height"));
    const zoom = `${Math.round(viewport.scale * 100)}%`;
    if (zoom !== zoomShown) setText(zoomText, (zoomShown = zoom));
    const ctx = canvas.getContext("2d");
    const it = item();
    if (!ctx) return;
    if (it?.image) stageView.drawImage(ctx, viewport, it.image, () => scheduler.request());
    else {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
    }
    viewport.screenTransform(ctx);
    let drawn = 0;
    if (it) {
      const v = viewport.visibleRect();
      const inView = (r: Rect) => r.x <= v.x + v.w && r.x + r.w >= v.x && r.y <= v.y + v.h && r.y + r.h >= v.y;
      const boxes = shownBoxes(it).filter(inView);
      const proposals = visibleProposals(it).filter(inView);
      drawn = boxes.length + proposals.length;
      const withText = drawn <= LABEL_LIMIT;
      strokeBatch(ctx, proposals, [6, 4], 1.5);
      strokeBatch(ctx, boxes, [], 2);
      if (withText) {
        ctx.font = "12px sans-serif";
        ctx.textBaseline = "bottom";
        for (const p of proposals) label(ctx, p, `${p.class}${p.score === null ? "" : ` ${p.score.toFixed(2)}`}`);
        for (const b of boxes) label(ctx, b, String(b.class));
      }
      const sel = selectedRect(it);
      if (sel) {
        const r = viewport.rectToScreen(sel);
        ctx.setLineDash([]);
        ctx.lineWidth = 3;
        ctx.strokeStyle = "#ffffff";
        ctx.strokeRect(r.x - 2, r.y - 2, r.w + 4, r.h + 4);
        if (selection?.kind === "box") {
          ctx.fillStyle = "#ffffff";
          ctx.strokeStyle = "#000000";
          ctx.lineWidth = 1;
          for (const p of handlePoints(r)) {
            ctx.fillRect(p.x - 4, p.y - 4, 8, 8);
            ctx.strokeRect(p.x - 4, p.y - 4, 8, 8);
          }
        }
      }
    }
    if (drawing) {
      const r = viewport.rectToScreen(drawing);
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = classColour(currentClass);
      ctx.strokeRect(r.x, r.y, r.w, r.h);
    }
    const { scale, tx, ty } = viewport;
    root.dispatchEvent(new CustomEvent("hitl:frame", { detail: { ms: performance.now() - t0, drawn, scale, tx, ty } }));
  }

  function strokeBatch(ctx: CanvasRenderingContext2D, rects: Array<Rect & { class: ClassName }>, dash: number[], width: number): void {
    ctx.setLineDash(dash);
    ctx.lineWidth = width;
    const byClass = new Map<number, Rect[]>();
    for (const r of rects) {
      const k = classIndex(r.class);
      (byClass.get(k) ?? byClass.set(k, []).get(k)!).push(r);
    }
    const { scale, tx, ty } = viewport;
    for (const [k, list] of byClass) {
      ctx.strokeStyle = classColour(k);
      ctx.beginPath();
      for (const r of list) ctx.rect(r.x * scale + tx, r.y * scale + ty, r.w * scale, r.h * scale);
      ctx.stroke();
    }
  }

  function label(ctx: CanvasRenderingContext2D, r: Rect & { class: ClassName }, text: string): void {
    const s = viewport.rectToScreen(r);
    if (s.w < 24) return;
    const tw = ctx.measureText(text).width + 6;
    const y = s.y > 16 ? s.y : s.y + 16;
    ctx.fillStyle = classColour(classIndex(r.class));
    ctx.fillRect(s.x, y - 15, tw, 15);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(text, s.x + 3, y - 2); // canvas text: never parsed as HTML
  }

  function selectedRect(it: BoxItem): Rect | null {
    if (!selection) return null;
    if (selection.kind === "box") return shownBoxes(it).find((b) => b.id === selection!.id) ?? null;
    return pendingProposals(it).find((p) => p.id === selection!.id) ?? null;
  }

  function describeSelection(): void {
    const it = item();
    const r = it ? selectedRect(it) : null;
    if (!r || !selection) {
      setText(selectionLine, `new boxes: ${classes()[currentClass] ?? ""} — drag to draw, B adds one`);
      return;
    }
    const b = r as Box & Proposal;
    const coords = `x ${b.x.toFixed(1)} y ${b.y.toFixed(1)} w ${b.w.toFixed(1)} h ${b.h.toFixed(1)}`;
    if (selection.kind === "proposal") {
      setText(selectionLine, `proposal ${b.class}${b.score === null ? "" : ` (${b.score.toFixed(2)})`} ${coords} — Enter accepts, Delete rejects`);
    } else {
      setText(selectionLine, `box ${b.class} [${b.source}] ${coords}`);
    }
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintProgress();
    paintClasses();
    const t = model.get("threshold");
    thresholdInput.value = String(t);
    setText(thresholdValue, t.toFixed(2));
    if (stepper.atEnd()) {
      setText(selectionLine, "");
      setText(countLine, "");
    }
    const end = `All ${order().length} items reviewed. PgUp goes back.`;
    const shown = stageView.showCurrent(stepper, cache, viewport, model.get("display_height"), end);
    if (!shown) return;
    const it = shown.item as BoxItem;
    const pending = pendingProposals(it);
    const hidden = pending.length - visibleProposals(it).length;
    setText(countLine, `${(it.boxes ?? []).length} boxes, ${pending.length} open proposals${hidden ? ` (${hidden} below threshold)` : ""}`);
    describeSelection();
    scheduler.flush();
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id: current(), position: stepper.pos } }));
  }

  function paintProgress(): void {
    setText(progress, `boxed ${model.get("n_done")} of ${order().length}`);
    setText(position, stepper.positionText());
    showSaved(status, channel, retry);
  }

  function paintClasses(): void {
    classBar.replaceChildren(...classSwatches(classes(), currentClass, pickClass));
  }

  // ---------------------------------------------------------------- intents
  /** Send an intent about item `id` (default: the one shown); `apply` changes the view's copy at once. */
  function send(type: string, fields: Record<string, unknown>, apply?: (it: BoxItem) => void, id = current()): void {
    const it = id === undefined ? undefined : (cache.get(id) as BoxItem | undefined);
    if (id === undefined || !it) return;
    if (apply) apply(it);
    const key = itemKey(id);
    pendingByItem.set(key, (pendingByItem.get(key) ?? 0) + 1);
    paintProgress();
    redraw();
    channel.send(type, { item_id: id, ...fields }).then(
      (reply) => settle(id, reply),
      (error: Error) => {
        pendingByItem.set(key, Math.max(0, (pendingByItem.get(key) ?? 1) - 1));
        status.error(`${error.message} (item ${JSON.stringify(id)})`);
        paintProgress();
      },
    );
  }

  function settle(id: ItemId, reply: Reply): void {
    const key = itemKey(id);
    const left = Math.max(0, (pendingByItem.get(key) ?? 1) - 1);
    pendingByItem.set(key, left);
    if (reply.type === "ack") {
      if (left === 0) cache.update(id, { boxes: reply.boxes as Box[], rejected: reply.rejected as string[] });
      if (typeof reply.n_done === "number") model.set("n_done", reply.n_done);
    } else {
      status.error(`refused: ${reply.message ?? "invalid"}`);
      // the view's copy may now differ from the kernel's: fetch the truth
      pendingByItem.set(key, left + 1);
      channel.send("sync", { item_id: id }).then((r) => settle(id, r), () => undefined);
    }
    if (current() === id) {
      const it = item();
      if (selection && it && !selectedRect(it)) selection = null;
      redraw();
    } else paintProgress();
  }

  function redraw(): void {
    paintProgress();
    const it = item();
    if (it) {
      const pending = pendingProposals(it);
      const hidden = pending.length - visibleProposals(it).length;
      setText(countLine, `${(it.boxes ?? []).length} boxes, ${pending.length} open proposals${hidden ? ` (${hidden} below threshold)` : ""}`);
    }
    describeSelection();
    scheduler.request();
  }

  function addBoxes(rects: Array<Rect & { class: ClassName }>): string[] {
    const boxes: Box[] = rects.map((r) => ({
      id: newBoxId(), ...roundRect(r), class: r.class, source: "human", score: null, proposal: null,
    }));
    send("add", { boxes: boxes.map(({ id, x, y, w, h: hh, class: c }) => ({ id, x, y, w, h: hh, class: c })) }, (it) => {
      it.boxes = [...(it.boxes ?? []), ...boxes];
    });
    return boxes.map((b) => b.id);
  }

  /** Send the draft (a moved / resized / nudged box) to the kernel. */
  function flushDraft(): void {
    if (nudgeTimer !== null) {
      clearTimeout(nudgeTimer);
      nudgeTimer = null;
    }
    const d = draft;
    const op = draftOp;
    const of = draftItem;
    draft = null;
    draftOp = null;
    draftItem = undefined;
    if (!d || !op || of === undefined) return;
    const geometry = roundRect(d);
    const done = { ...d, ...geometry };
    if (op === "adjust") {
      send("adjust", { proposal_id: d.id, ...geometry, class: d.class }, (it) => {
        it.boxes = [...(it.boxes ?? []), done];
      }, of);
    } else {
      const before = (cache.get(of) as BoxItem | undefined)?.boxes?.find((b) => b.id === d.id);
      if (before && before.x === done.x && before.y === done.y && before.w === done.w && before.h === done.h && before.class === done.class) {
        redraw();
        return;
      }
      send("update", { box_id: d.id, ...geometry, class: d.class }, (it) => {
        it.boxes = (it.boxes ?? []).map((b) =>
          b.id === d.id ? { ...done, source: b.source === "proposal" ? "adjusted" : b.source } : b,
        );
      }, of);
    }
  }

  /** Start (or continue) editing the selected box or proposal; returns the draft. */
  function beginEdit(): Box | null {
    const it = item();
    if (!it || !selection) return null;
    if (draft && draft.id === selection.id) return draft;
    flushDraft();
    draftItem = current();
    if (selection.kind === "box") {
      const b = (it.boxes ?? []).find((v) => v.id === selection!.id);
      if (!b) return null;
      draft = { ...b };
      draftOp = "update";
    } else {
      const p = pendingProposals(it).find((v) => v.id === selection!.id);
      if (!p) return null;
      draft = { id: p.id, x: p.x, y: p.y, w: p.w, h: p.h, class: p.class, source: "adjusted", score: p.score, proposal: p.id };
      draftOp = "adjust";
      selection = { kind: "box", id: p.id };
    }
    return draft;
  }

  function commitSoon(): void {
    if (nudgeTimer !== null) clearTimeout(nudgeTimer);
    nudgeTimer = setTimeout(flushDraft, NUDGE_COMMIT_MS);
    redraw();
  }

  // ---------------------------------------------------------------- actions
  function pickClass(k: number): void {
    if (k < 0 || k >= classes().length) return;
    const c = classes()[k];
    if (selection) {
      const d = beginEdit();
      if (d) {
        d.class = c;
        flushDraft();
      }
    } else {
      currentClass = k;
    }
    paintClasses();
    redraw();
  }

  function acceptProposal(): void {
    flushDraft();
    const it = item();
    if (!it) return;
    let target: Proposal | undefined;
    if (selection?.kind === "proposal") target = pendingProposals(it).find((p) => p.id === selection!.id);
    target ??= visibleProposals(it)[0];
    if (!target) return status.info("no open proposal above the threshold");
    const p = target;
    send("accept", { proposal_ids: [p.id] }, (item) => {
      item.boxes = [...(item.boxes ?? []), { ...p, source: "proposal", proposal: p.id } as Box];
    });
    const nextOne = visibleProposals(it)[0];
    selection = nextOne ? { kind: "proposal", id: nextOne.id } : null;
    redraw();
  }

  function acceptAllAbove(): void {
    flushDraft();
    const list = visibleProposals();
    if (!list.length) return status.info("no open proposal above the threshold");
    send("accept", { proposal_ids: list.map((p) => p.id) }, (it) => {
      it.boxes = [...(it.boxes ?? []), ...list.map((p) => ({ ...p, source: "proposal", proposal: p.id }) as Box)];
    });
    selection = null;
    status.info(`accepted ${list.length} proposals`);
  }

  function deleteSelected(): void {
    flushDraft();
    const sel = selection;
    if (!sel) return status.info("nothing selected: click a box or press Tab");
    if (sel.kind === "proposal") {
      send("reject", { proposal_ids: [sel.id] }, (it) => {
        it.rejected = [...(it.rejected ?? []), sel.id];
      });
      const nextOne = visibleProposals()[0];
      selection = nextOne ? { kind: "proposal", id: nextOne.id } : null;
    } else {
      send("delete", { box_ids: [sel.id] }, (it) => {
        it.boxes = (it.boxes ?? []).filter((b) => b.id !== sel.id);
      });
      selection = null;
    }
    redraw();
  }

  function undoRedo(kind: "undo" | "redo"): void {
    flushDraft();
    send(kind, {});
  }

  function cycle(step: number): void {
    flushDraft();
    const it = item();
    if (!it) return;
    const list: Selection[] = [
      ...(it.boxes ?? []).map((b) => ({ kind: "box" as const, id: b.id })),
      ...visibleProposals(it).map((p) => ({ kind: "proposal" as const, id: p.id })),
    ];
    if (!list.length) {
      selection = null;
      return;
    }
    const at = selection ? list.findIndex((s) => s!.kind === selection!.kind && s!.id === selection!.id) : -1;
    selection = list[(at + step + list.length * 2 + (at < 0 && step < 0 ? 1 : 0)) % list.length];
    const r = selectedRect(it);
    if (r && !viewport.isVisible(r)) viewport.centreOn(r.x + r.w / 2, r.y + r.h / 2);
    redraw();
  }

  function newBoxByKey(): void {
    flushDraft();
    if (!item()?.image) return;
    const v = viewport.visibleRect();
    const side = Math.max(1, Math.min(v.w, v.h) / 4);
    const ids = addBoxes([{ x: v.x + v.w / 2 - side / 2, y: v.y + v.h / 2 - side / 2, w: side, h: side, class: classes()[currentClass] }]);
    selection = { kind: "box", id: ids[0] };
    redraw();
  }

  function copyPrevious(): void {
    flushDraft();
    const prevId = order()[stepper.pos - 1];
    const id = current();
    if (prevId === undefined || id === undefined) return status.info("no previous item to copy from");
    cache.whenReady(prevId).then((p) => {
      const boxes = ((p as BoxItem).boxes ?? []);
      if (current() !== id) return;
      if (!boxes.length) return status.info("the previous item has no boxes");
      const { w, h: hh } = imageSize();
      const rects = boxes
        .map((b) => ({ ...rectFromPoints({ x: b.x, y: b.y }, { x: b.x + b.w, y: b.y + b.h }, w, hh), class: b.class }))
        .filter((r) => r.w > 0 && r.h > 0);
      if (!rects.length) return status.info("the previous item's boxes lie outside this image");
      addBoxes(rects);
      status.info(`copied ${rects.length} boxes from the previous item`);
    });
  }

  function arrow(dx: number, dy: number, e: KeyboardEvent): void {
    const step = e.shiftKey ? 10 : 1;
    if (!selection) {
      panZoom.pan(-dx * 40, -dy * 40);
      return;
    }
    const d = beginEdit();
    if (!d) return;
    const { w, h: hh } = imageSize();
    const r = e.altKey
      ? rectFromPoints({ x: d.x, y: d.y }, { x: d.x + Math.max(1, d.w + dx * step), y: d.y + Math.max(1, d.h + dy * step) }, w, hh)
      : moveBox(d, dx * step, dy * step, w, hh);
    Object.assign(d, r);
    commitSoon();
  }

  function setThreshold(t: number): void {
    const v = Math.round(Math.min(1, Math.max(0, t)) * 100) / 100;
    model.set("threshold", v);
    model.save_changes();
    if (selection?.kind === "proposal" && !visibleProposals().some((p) => p.id === selection!.id)) selection = null;
    thresholdInput.value = String(v);
    setText(thresholdValue, v.toFixed(2));
    redraw();
  }

  // ---------------------------------------------------------------- pointer
  const panZoom = new PanZoom(viewport, canvas, root, { onChange: () => redraw() });
  type Drag =
    | { mode: "draw"; start: Point; id: number }
    | { mode: "move" | "resize"; start: Point; orig: Rect; handle: number; id: number; moved: boolean; sx: number; sy: number };
  let drag: Drag | null = null;

  function canvasPoint(e: MouseEvent): Point {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  function hitTest(sp: Point): { kind: "handle"; handle: number } | { kind: "box" | "proposal"; id: string } | null {
    const it = item();
    if (!it) return null;
    if (selection?.kind === "box") {
      const b = shownBoxes(it).find((v) => v.id === selection!.id);
      if (b) {
        const pts = handlePoints(viewport.rectToScreen(b));
        for (let k = 0; k < HANDLES; k++) {
          if (Math.abs(pts[k].x - sp.x) <= HANDLE_PX && Math.abs(pts[k].y - sp.y) <= HANDLE_PX) return { kind: "handle", handle: k };
        }
      }
    }
    const p = viewport.toImage(sp.x, sp.y);
    const tol = 3 / viewport.scale;
    let best: { kind: "box" | "proposal"; id: string; area: number } | null = null;
    const consider = (kind: "box" | "proposal", r: Rect & { id: string }) => {
      if (p.x >= r.x - tol && p.x <= r.x + r.w + tol && p.y >= r.y - tol && p.y <= r.y + r.h + tol) {
        const area = r.w * r.h;
        if (!best || area < best.area) best = { kind, id: r.id, area };
      }
    };
    shownBoxes(it).forEach((b) => consider("box", b));
    visibleProposals(it).forEach((q) => consider("proposal", q));
    return best ? { kind: (best as { kind: "box" | "proposal" }).kind, id: (best as { id: string }).id } : null;
  }

  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0 || !item()?.image) return;
    root.focus({ preventScroll: true });
    const sp = canvasPoint(e);
    const ip = viewport.toImage(sp.x, sp.y);
    const hit = hitTest(sp);
    capturePointer(canvas, e.pointerId);
    if (hit?.kind === "handle") {
      const d = beginEdit();
      if (!d) return;
      drag = { mode: "resize", start: ip, orig: { ...d }, handle: hit.handle, id: e.pointerId, moved: false, sx: sp.x, sy: sp.y };
    } else if (hit) {
      if (!(selection && selection.kind === hit.kind && selection.id === hit.id)) flushDraft();
      selection = { kind: hit.kind, id: hit.id };
      drag = { mode: "move", start: ip, orig: { ...(selectedRect(item()!) as Rect) }, handle: -1, id: e.pointerId, moved: false, sx: sp.x, sy: sp.y };
    } else {
      flushDraft();
      selection = null;
      drag = { mode: "draw", start: viewport.clampToImage(ip), id: e.pointerId };
    }
    redraw();
  });

  canvas.addEventListener("pointermove", (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    const sp = canvasPoint(e);
    const ip = viewport.toImage(sp.x, sp.y);
    const { w, h: hh } = imageSize();
    if (drag.mode === "draw") {
      drawing = rectFromPoints(drag.start, ip, w, hh);
    } else {
      if (!drag.moved && Math.hypot(sp.x - drag.sx, sp.y - drag.sy) < MIN_DRAG_PX) return;
      drag.moved = true;
      const d = beginEdit();
      if (!d) return;
      const r = drag.mode === "resize"
        ? resizeBox(drag.orig, drag.handle, viewport.clampToImage(ip), w, hh)
        : moveBox(drag.orig, ip.x - drag.start.x, ip.y - drag.start.y, w, hh);
      Object.assign(d, r);
    }
    scheduler.request();
  });

  const endDrag = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id) return;
    const d = drag;
    drag = null;
    if (d.mode === "draw") {
      const r = drawing;
      drawing = null;
      if (r && r.w * viewport.scale >= MIN_DRAG_PX && r.h * viewport.scale >= MIN_DRAG_PX && r.w > 0 && r.h > 0) {
        const ids = addBoxes([{ ...r, class: classes()[currentClass] }]);
        selection = { kind: "box", id: ids[0] };
      }
    } else if (d.moved) {
      flushDraft();
    }
    redraw();
  };
  canvas.addEventListener("pointerup", endDrag);
  canvas.addEventListener("pointercancel", endDrag);
  canvas.addEventListener("pointermove", (e) => {
    if (drag) return;
    const hit = panZoom.spaceHeld ? null : hitTest(canvasPoint(e));
    canvas.style.cursor = panZoom.spaceHeld ? "grab" : hit?.kind === "handle" ? "nwse-resize" : hit ? "move" : "crosshair";
  });

  // ---------------------------------------------------------------- keyboard
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    ...classDigitKeys(classes, pickClass, "class of the selected box (or of new boxes)"),
    { keys: ["b"], description: "new box in the middle of the view", run: newBoxByKey },
    { keys: ["Tab"], description: "select the next box or proposal (Shift: previous)", run: (e) => cycle(e.shiftKey ? -1 : 1) },
    { keys: ["Enter"], description: "accept the selected (or best) proposal", run: acceptProposal },
    { keys: ["A"], description: "accept every proposal above the threshold (Shift+A)", run: acceptAllAbove },
    { keys: ["Delete", "Backspace"], description: "delete the selected box / reject the selected proposal", run: deleteSelected },
    { keys: ["ArrowLeft"], description: "nudge the selected box (Shift: 10 px); pan when none", run: (e) => arrow(-1, 0, e) },
    { keys: ["ArrowRight"], description: "nudge right", run: (e) => arrow(1, 0, e) },
    { keys: ["ArrowUp"], description: "nudge up", run: (e) => arrow(0, -1, e) },
    { keys: ["ArrowDown"], description: "nudge down", run: (e) => arrow(0, 1, e) },
    { keys: ["Alt+ArrowLeft", "Alt+ArrowRight", "Alt+ArrowUp", "Alt+ArrowDown"], description: "resize the selected box (Shift: 10 px)",
      run: (e) => arrow(e.key === "ArrowLeft" ? -1 : e.key === "ArrowRight" ? 1 : 0, e.key === "ArrowUp" ? -1 : e.key === "ArrowDown" ? 1 : 0, e) },
    { keys: ["c"], description: "copy the previous item's boxes", run: copyPrevious },
    { keys: [","], description: "lower the proposal threshold", run: () => setThreshold(model.get("threshold") - 0.05) },
    { keys: ["."], description: "raise the proposal threshold", run: () => setThreshold(model.get("threshold") + 0.05) },
    ...editorKeys(panZoom, undoRedo, (delta) => stepper.step(delta), help),
    { keys: ["Escape"], description: "cancel the drawing / clear the selection", run: () => {
      drawing = null;
      drag = null;
      flushDraft();
      selection = null;
      redraw();
    } },
  );
  thresholdInput.addEventListener("input", () => setThreshold(Number(thresholdInput.value)));
  acceptAll.addEventListener("click", acceptAllAbove);
  zoomIn.addEventListener("click", () => panZoom.zoomIn());
  zoomOut.addEventListener("click", () => panZoom.zoomOut());
  zoomFit.addEventListener("click", () => panZoom.fit());
  wireEditorNav(navRow, root, { step: (delta) => stepper.step(delta), undoRedo, help, channel });

  // ---------------------------------------------------------------- kernel messages
  channel.onChange = paintProgress;
  const onMessage = kernelMessages(channel, status, stepper.itemRoutes(cache, () => stageView.forget()));
  stageView.observeResize(() => scheduler.request());

  const stop = startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:threshold": () => redraw(),
      "change:classes change:title change:display_height": paint,
    },
    paint,
    dispose: [stepper, stageView, panZoom, keymap, channel],
  });
  return () => {
    flushDraft();
    stop();
  };
}

export default { render };
