// SegmentationCanvas front-end: masks painted over the image on a zoomable canvas.
// A brush stroke, an eraser stroke or a closed polygon is applied at once in the view and sent as
// row runs (y, x0, length) of uint32 in one binary message buffer; the kernel validates and stores
// it. Kernel-side changes (undo, redo, hole fill, accepted model masks) arrive as "mask" messages
// holding the label map as row-major runs (value, length).
import type { RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import { CanvasStage, classSwatches, EditorModel, editorKeys, editorNav, editorRootClass, wireEditorNav } from "../lib/canvas_stage";
import "./segmentation.css";
import { IntentChannel, Reply } from "../lib/channel";
import { ClassName, classColour, classDigitKeys, rgb } from "../lib/classes";
import { h, setText, slider } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId, ItemInfo, itemKey } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { toBytes } from "../lib/media";
import { applyRuns, Box, clearBox, decodeLabelRuns, emptyBox, maskRuns, polygonRuns, stampLine } from "../lib/runs";
import { StatusLine } from "../lib/status";
import { Stepper } from "../lib/stepper";
import { capturePointer, drawLayer, FrameScheduler, PanZoom, Point, Viewport } from "../lib/viewport";
import { mountRoot } from "../lib/widget";
import { headerRow, kernelMessages, showSaved, startView } from "../lib/review";

export interface SegModel extends EditorModel {
  mode: "semantic" | "instance";
  opacity: number;
}

interface MaskProposal {
  id: string;
  class: ClassName;
  score: number | null;
  rle: { size: [number, number]; counts: number[] };
}

interface MaskState {
  width: number;
  height: number;
  labels: Uint16Array;
  instances: Record<string, ClassName>; // value -> class
}

type Tool = "brush" | "eraser" | "polygon";

/** Decode an uncompressed COCO RLE (column-major) into a row-major 0/1 mask. */
export function decodeCocoRle(rle: { size: [number, number]; counts: number[] }): Uint8Array {
  const [hgt, wid] = rle.size;
  const out = new Uint8Array(hgt * wid);
  let at = 0;
  let value = 0;
  for (const n of rle.counts) {
    if (value) for (let i = at; i < at + n; i++) out[(i % hgt) * wid + Math.floor(i / hgt)] = 1;
    at += n;
    value ^= 1;
  }
  return out;
}

const AHEAD = 3;
const BEHIND = 1;
const CLOSE_PX = 8; // CSS px: a click this close to the first vertex closes the polygon

export function render({ model, el }: RenderProps<SegModel>) {
  const root = mountRoot(el, model, editorRootClass("segmentation"));

  // ---------------------------------------------------------------- layout
  const { header, title, position, progress } = headerRow();
  const classBar = h("div", "hitl-row hitl-classes");
  const toolButtons: Record<Tool, HTMLButtonElement> = {
    brush: h("button", "hitl-button hitl-tool", "brush (B)"),
    eraser: h("button", "hitl-button hitl-tool", "eraser (E)"),
    polygon: h("button", "hitl-button hitl-tool", "polygon (P)"),
  };
  const sizeText = h("span", "hitl-muted hitl-size");
  const opacityInput = slider("hitl-opacity", "mask opacity");
  const fillButton = h("button", "hitl-button", "fill holes (H)");
  const instanceButton = h("button", "hitl-button hitl-new-instance", "new instance (N)");
  const acceptButton = h("button", "hitl-button hitl-accept", "accept model mask (Enter)");
  const tools = h("div", "hitl-row hitl-tools");
  tools.append(toolButtons.brush, toolButtons.eraser, toolButtons.polygon, sizeText, h("span", "hitl-muted", "opacity"),
    opacityInput, fillButton, instanceButton, acceptButton);
  const stageView = new CanvasStage();
  const { canvas, node: stage } = stageView;
  const infoLine = h("span", "hitl-info");
  const zoomText = h("span", "hitl-muted hitl-zoom");
  const info = h("div", "hitl-row");
  info.append(infoLine, h("span", "hitl-spacer"), zoomText);
  const navRow = editorNav();
  const { nav, retry } = navRow;
  const status = new StatusLine();
  root.append(header, classBar, tools, stage, info, nav, status.node);

  // ---------------------------------------------------------------- state
  const channel = new IntentChannel(model);
  const cache = new ItemCache(model, 12);
  const viewport = new Viewport();
  const masks = new Map<string, MaskState>();
  const pendingByItem = new Map<string, number>();
  const accepted = new Map<string, Set<string>>(); // proposals accepted in this view, per item
  const stepper = new Stepper(model, {
    behind: BEHIND, ahead: AHEAD, paint, paintProgress: paintInfo,
    enter: () => stageView.forget(),
    restart: () => stageView.forget(),
  });
  let tool: Tool = "brush";
  let brush = 8; // radius, image pixels
  let currentClass = 0;
  let currentInstance = 0; // instance mode: the value painted
  let polygon: Point[] = [];
  let overlay: HTMLCanvasElement | null = null;
  let overlayData: ImageData | null = null;
  let proposalLayer: HTMLCanvasElement | null = null;
  let stroke: { mask: Uint8Array; box: Box; last: Point; erase: boolean; value: number; id: number } | null = null;
  let strokeBuffer: Uint8Array | null = null;

  const order = () => model.get("order");
  const classes = () => model.get("classes");
  const current = () => stepper.current();
  const item = () => {
    const id = current();
    return id === undefined ? undefined : cache.get(id);
  };
  const mask = (): MaskState | undefined => {
    const id = current();
    return id === undefined ? undefined : masks.get(itemKey(id));
  };
  const instanceMode = () => model.get("mode") === "instance";
  const paintValue = () => (instanceMode() ? currentInstance : currentClass + 1);

  function colourOf(value: number, m: MaskState): [number, number, number] {
    if (!instanceMode()) return rgb(classColour(value - 1));
    return rgb(classColour(value - 1 + classes().findIndex((c) => c === m.instances[String(value)])));
  }

  function ensureMask(it: ItemInfo): MaskState {
    const key = itemKey(it.id);
    let m = masks.get(key);
    const w = it.width || it.image?.width || 1;
    const hh = it.height || it.image?.height || 1;
    if (!m || m.width !== w || m.height !== hh) {
      m = { width: w, height: hh, labels: new Uint16Array(w * hh), instances: m?.instances ?? {} };
      masks.set(key, m);
    }
    return m;
  }

  // ---------------------------------------------------------------- overlay
  function rebuildOverlay(m: MaskState, box?: Box): void {
    if (!overlay || !overlayData) return;
    const { width, labels } = m;
    const data = overlayData.data;
    const b = box ?? { x0: 0, y0: 0, x1: m.width, y1: m.height };
    const cache = new Map<number, [number, number, number]>();
    for (let y = b.y0; y < b.y1; y++) {
      for (let x = b.x0; x < b.x1; x++) {
        const i = y * width + x;
        const v = labels[i];
        const o = i * 4;
        if (!v) {
          data[o + 3] = 0;
          continue;
        }
        let c = cache.get(v);
        if (!c) cache.set(v, (c = colourOf(v, m)));
        data[o] = c[0];
        data[o + 1] = c[1];
        data[o + 2] = c[2];
        data[o + 3] = 255;
      }
    }
    overlay.getContext("2d")?.putImageData(overlayData, 0, 0, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
  }

  function setupItem(it: ItemInfo): void {
    const m = ensureMask(it);
    overlay = document.createElement("canvas");
    overlay.width = m.width;
    overlay.height = m.height;
    const octx = overlay.getContext("2d");
    overlayData = octx ? octx.createImageData(m.width, m.height) : null;
    rebuildOverlay(m);
    strokeBuffer = new Uint8Array(m.width * m.height);
    buildProposalLayer(it, m);
    polygon = [];
    currentInstance = Math.max(0, ...Object.keys(m.instances).map(Number));
  }

  function openProposals(it = item()): MaskProposal[] {
    if (!it) return [];
    const done = accepted.get(itemKey(it.id)) ?? new Set();
    return ((it.proposals as MaskProposal[] | undefined) ?? []).filter((p) => !done.has(p.id));
  }

  function buildProposalLayer(it: ItemInfo, m: MaskState): void {
    const best = openProposals(it)[0];
    proposalLayer = null;
    if (!best) return;
    proposalLayer = document.createElement("canvas");
    proposalLayer.width = m.width;
    proposalLayer.height = m.height;
    const pctx = proposalLayer.getContext("2d");
    if (!pctx) return;
    const img = pctx.createImageData(m.width, m.height);
    const bits = decodeCocoRle(best.rle);
    for (let i = 0; i < bits.length; i++) {
      if (!bits[i]) continue;
      const stripe = ((i % m.width) + Math.floor(i / m.width)) % 8 < 4; // hatched: reads as "not yet yours"
      img.data[i * 4] = img.data[i * 4 + 1] = img.data[i * 4 + 2] = stripe ? 255 : 40;
      img.data[i * 4 + 3] = 255;
    }
    pctx.putImageData(img, 0, 0);
  }

  // ---------------------------------------------------------------- drawing
  const scheduler = new FrameScheduler(() => drawFrame());

  function drawFrame(): void {
    const t0 = performance.now();
    stageView.fitWidth(viewport, model.get("display_height"));
    setText(zoomText, `${Math.round(viewport.scale * 100)}%`);
    const ctx = canvas.getContext("2d");
    const it = item();
    if (!ctx || !it?.image) return;
    stageView.drawImage(ctx, viewport, it.image, () => scheduler.request());
    if (proposalLayer) drawLayer(viewport, ctx, proposalLayer, 0.35);
    if (overlay) drawLayer(viewport, ctx, overlay, model.get("opacity"));
    viewport.screenTransform(ctx);
    if (polygon.length) {
      ctx.setLineDash([]);
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#ffffff";
      ctx.beginPath();
      polygon.forEach((p, k) => {
        const s = viewport.toScreen(p.x, p.y);
        if (k) ctx.lineTo(s.x, s.y);
        else ctx.moveTo(s.x, s.y);
      });
      ctx.stroke();
      ctx.fillStyle = classColour(currentClass);
      for (const p of polygon) {
        const s = viewport.toScreen(p.x, p.y);
        ctx.fillRect(s.x - 3, s.y - 3, 6, 6);
      }
    }
    root.dispatchEvent(new CustomEvent("hitl:frame", { detail: { ms: performance.now() - t0 } }));
  }

  function paintInfo(): void {
    setText(progress, `masked ${model.get("n_done")} of ${order().length}`);
    setText(position, stepper.positionText());
    showSaved(status, channel, retry);
    setText(sizeText, `size ${brush * 2}`);
    for (const [name, b] of Object.entries(toolButtons)) b.setAttribute("aria-pressed", String(name === tool));
    instanceButton.hidden = !instanceMode();
    opacityInput.value = String(model.get("opacity"));
    const best = openProposals()[0];
    acceptButton.disabled = !best;
    const what = instanceMode() ? `instance ${currentInstance || "(new)"} of ${classes()[currentClass]}` : String(classes()[currentClass]);
    setText(infoLine, `${tool}: ${what}${polygon.length ? ` — ${polygon.length} vertices, Enter closes` : ""}` +
      (best ? ` — model mask ${best.class}${best.score === null ? "" : ` (${best.score.toFixed(2)})`}: Enter accepts` : ""));
  }

  function paintClasses(): void {
    classBar.replaceChildren(...classSwatches(classes(), currentClass, pickClass));
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintClasses();
    paintInfo();
    const end = `All ${order().length} items reviewed. PgUp goes back.`;
    const shown = stageView.showCurrent(stepper, cache, viewport, model.get("display_height"), end);
    if (!shown) return;
    if (shown.fresh) setupItem(shown.item);
    scheduler.flush();
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id: current(), position: stepper.pos } }));
  }

  // ---------------------------------------------------------------- intents
  function track(id: ItemId, promise: Promise<Reply>): void {
    const key = itemKey(id);
    pendingByItem.set(key, (pendingByItem.get(key) ?? 0) + 1);
    paintInfo();
    promise.then(
      (reply) => {
        pendingByItem.set(key, Math.max(0, (pendingByItem.get(key) ?? 1) - 1));
        if (reply.type === "ack") {
          if (typeof reply.n_done === "number") model.set("n_done", reply.n_done);
          const m = masks.get(key);
          if (m && reply.instances) m.instances = reply.instances as Record<string, ClassName>;
        } else {
          status.error(`refused: ${reply.message ?? "invalid"}`);
          track(id, channel.send("sync", { item_id: id })); // the kernel's mask replaces the view's
        }
        paintInfo();
      },
      (error: Error) => {
        pendingByItem.set(key, Math.max(0, (pendingByItem.get(key) ?? 1) - 1));
        status.error(`${error.message} (item ${JSON.stringify(id)})`);
        paintInfo();
      },
    );
  }

  function sendDelta(fields: Record<string, unknown>, runs: Uint32Array): void {
    const id = current();
    if (id === undefined || !runs.length) return;
    // uint16 runs when every coordinate fits (any image up to 65535 px a side), else uint32
    const small = runs.every((v) => v < 65536);
    const packed = small ? Uint16Array.from(runs) : runs;
    const buffer = packed.buffer.slice(packed.byteOffset, packed.byteOffset + packed.byteLength) as ArrayBuffer;
    track(id, channel.send("paint", { item_id: id, ...fields, runs: small ? "uint16" : "uint32" }, [buffer]));
  }

  function ensureInstance(): boolean {
    if (!instanceMode()) return true;
    const m = mask();
    if (currentInstance && m?.instances[String(currentInstance)] === classes()[currentClass]) return true;
    newInstance();
    return currentInstance > 0;
  }

  function newInstance(): void {
    const m = mask();
    const id = current();
    if (!instanceMode() || !m || id === undefined) return;
    const value = Math.max(0, ...Object.keys(m.instances).map(Number)) + 1;
    m.instances[String(value)] = classes()[currentClass];
    currentInstance = value;
    track(id, channel.send("new_instance", { item_id: id, value, class: classes()[currentClass] }));
    paintInfo();
  }

  function pickClass(k: number): void {
    if (k < 0 || k >= classes().length) return;
    currentClass = k;
    if (instanceMode()) currentInstance = 0; // the next stroke starts a new instance of this class
    paintClasses();
    paintInfo();
  }

  function closePolygon(): void {
    const m = mask();
    if (!m || polygon.length < 3) return status.info("a polygon needs at least 3 vertices");
    if (!ensureInstance()) return;
    const flat = polygon.flatMap((p) => [Math.round(p.x * 100) / 100, Math.round(p.y * 100) / 100]);
    const runs = polygonRuns(flat, m.width, m.height);
    const value = paintValue();
    const box = applyRuns(m.labels, m.width, runs, value);
    rebuildOverlay(m, box);
    polygon = [];
    sendDelta({ value, erase: false, polygon: flat }, runs);
    scheduler.request();
  }

  function fillHoles(): void {
    const id = current();
    if (id === undefined) return;
    track(id, channel.send("fill_holes", { item_id: id, value: paintValue() || 1 }));
  }

  function acceptBest(): void {
    if (tool === "polygon" && polygon.length >= 3) return closePolygon();
    const id = current();
    const best = openProposals()[0];
    if (id === undefined || !best) return status.info("no model mask to accept");
    const key = itemKey(id);
    accepted.set(key, new Set([...(accepted.get(key) ?? []), best.id]));
    track(id, channel.send("accept", { item_id: id, proposal_id: best.id }));
    const it = item();
    const m = mask();
    if (it && m) buildProposalLayer(it, m);
    scheduler.request();
  }

  function undoRedo(kind: "undo" | "redo"): void {
    const id = current();
    if (id !== undefined) track(id, channel.send(kind, { item_id: id }));
  }

  function setTool(t: Tool): void {
    tool = t;
    if (t !== "polygon") polygon = [];
    paintInfo();
    scheduler.request();
  }

  // ---------------------------------------------------------------- pointer
  const panZoom = new PanZoom(viewport, canvas, root, { onChange: () => scheduler.request() });
  const canvasPoint = (e: MouseEvent): Point => {
    const r = canvas.getBoundingClientRect();
    return viewport.toImage(e.clientX - r.left, e.clientY - r.top);
  };

  canvas.addEventListener("pointerdown", (e) => {
    const m = mask();
    if (e.button !== 0 || !m || !strokeBuffer) return;
    root.focus({ preventScroll: true });
    const p = canvasPoint(e);
    if (tool === "polygon") {
      const sp = viewport.toScreen(p.x, p.y);
      const hit = polygonHit(polygon, sp);
      if (hit.vertex >= 0) {
        vertexDrag = { index: hit.vertex, moved: false, id: e.pointerId, alt: e.altKey };
        capturePointer(canvas, e.pointerId);
      } else if (hit.edge >= 0) {
        polygon.splice(hit.edge + 1, 0, viewport.clampToImage(p)); // insert a vertex on the edge
        vertexDrag = { index: hit.edge + 1, moved: true, id: e.pointerId, alt: false };
        capturePointer(canvas, e.pointerId);
      } else {
        polygon.push(viewport.clampToImage(p));
      }
      paintInfo();
      scheduler.request();
      return;
    }
    const erase = tool === "eraser";
    if (!erase && !ensureInstance()) return;
    capturePointer(canvas, e.pointerId);
    stroke = { mask: strokeBuffer, box: emptyBox(), last: p, erase, value: erase ? 0 : paintValue(), id: e.pointerId };
    extendStroke(p);
  });

  function extendStroke(p: Point): void {
    const m = mask();
    if (!stroke || !m) return;
    const before = { ...stroke.box };
    const seg = emptyBox();
    stampLine(stroke.mask, m.width, m.height, stroke.last.x, stroke.last.y, p.x, p.y, brush, seg);
    stroke.last = p;
    if (seg.x1 <= seg.x0) return;
    for (let y = seg.y0; y < seg.y1; y++) {
      for (let x = seg.x0; x < seg.x1; x++) {
        const i = y * m.width + x;
        if (stroke.mask[i] && (!stroke.erase || m.labels[i])) m.labels[i] = stroke.value;
      }
    }
    stroke.box = {
      x0: Math.min(before.x0, seg.x0), y0: Math.min(before.y0, seg.y0),
      x1: Math.max(before.x1, seg.x1), y1: Math.max(before.y1, seg.y1),
    };
    rebuildOverlay(m, seg);
    scheduler.request();
  }

  /** The vertex (or else the edge) of the polygon being drawn within CLOSE_PX of a CSS point. */
  function polygonHit(points: Point[], sp: Point): { vertex: number; edge: number } {
    const screen = points.map((q) => viewport.toScreen(q.x, q.y));
    const vertex = screen.findIndex((q) => Math.hypot(q.x - sp.x, q.y - sp.y) <= CLOSE_PX);
    if (vertex >= 0) return { vertex, edge: -1 };
    for (let k = 0; k + 1 < screen.length; k++) {
      const a = screen[k], b = screen[k + 1];
      const len2 = (b.x - a.x) ** 2 + (b.y - a.y) ** 2;
      const t = len2 ? Math.max(0, Math.min(1, ((sp.x - a.x) * (b.x - a.x) + (sp.y - a.y) * (b.y - a.y)) / len2)) : 0;
      if (t > 0 && t < 1 && Math.hypot(a.x + t * (b.x - a.x) - sp.x, a.y + t * (b.y - a.y) - sp.y) <= CLOSE_PX / 2) return { vertex: -1, edge: k };
    }
    return { vertex: -1, edge: -1 };
  }

  let vertexDrag: { index: number; moved: boolean; id: number; alt: boolean } | null = null;

  canvas.addEventListener("pointermove", (e) => {
    if (stroke && e.pointerId === stroke.id) extendStroke(canvasPoint(e));
    if (vertexDrag && e.pointerId === vertexDrag.id) {
      vertexDrag.moved = true;
      polygon[vertexDrag.index] = viewport.clampToImage(canvasPoint(e));
      scheduler.request();
    }
  });
  canvas.addEventListener("pointerup", (e) => {
    const d = vertexDrag;
    if (!d || e.pointerId !== d.id) return;
    vertexDrag = null;
    if (d.moved) return;
    if (d.alt) polygon.splice(d.index, 1); // Alt+click deletes a vertex
    else if (d.index === 0 && polygon.length >= 3) return closePolygon(); // a click on the first closes
    paintInfo();
    scheduler.request();
  });
  const endStroke = (e: PointerEvent) => {
    const m = mask();
    if (!stroke || e.pointerId !== stroke.id || !m) return;
    const s = stroke;
    stroke = null;
    const runs = maskRuns(s.mask, m.width, s.box);
    clearBox(s.mask, m.width, s.box);
    sendDelta({ value: s.erase ? 0 : s.value, erase: s.erase }, runs);
  };
  canvas.addEventListener("pointerup", endStroke);
  canvas.addEventListener("pointercancel", endStroke);

  // ---------------------------------------------------------------- keyboard
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    ...classDigitKeys(classes, pickClass, "pick the class with this key"),
    { keys: ["b"], description: "brush", run: () => setTool("brush") },
    { keys: ["e"], description: "eraser", run: () => setTool("eraser") },
    { keys: ["p"], description: "polygon: click vertices (drag one to move it, click an edge to insert one, Alt+click deletes); Enter or a click on the first closes", run: () => setTool("polygon") },
    { keys: ["["], description: "smaller brush", run: () => { brush = Math.max(1, Math.round(brush / 1.25)); paintInfo(); } },
    { keys: ["]"], description: "larger brush", run: () => { brush = Math.min(500, Math.round(brush * 1.25) + 1); paintInfo(); } },
    { keys: ["h"], description: "fill the holes of the current class / instance", run: fillHoles },
    { keys: ["n"], description: "new instance (instance mode)", run: newInstance, when: instanceMode },
    { keys: ["Enter"], description: "close the polygon, or accept the model's mask", run: acceptBest },
    { keys: ["Backspace"], description: "drop the polygon's last vertex", run: () => { polygon.pop(); paintInfo(); scheduler.request(); } },
    ...editorKeys(panZoom, undoRedo, (delta) => stepper.step(delta), help),
    { keys: ["Escape"], description: "drop the polygon being drawn", run: () => { polygon = []; paintInfo(); scheduler.request(); } },
  );
  (Object.keys(toolButtons) as Tool[]).forEach((t) => toolButtons[t].addEventListener("click", () => setTool(t)));
  opacityInput.addEventListener("input", () => {
    model.set("opacity", Number(opacityInput.value));
    model.save_changes();
    scheduler.request();
  });
  fillButton.addEventListener("click", fillHoles);
  instanceButton.addEventListener("click", newInstance);
  acceptButton.addEventListener("click", acceptBest);
  wireEditorNav(navRow, root, { step: (delta) => stepper.step(delta), undoRedo, help, channel });

  // ---------------------------------------------------------------- kernel messages
  channel.onChange = paintInfo;
  const onMessage = kernelMessages(channel, status, {
    ...stepper.itemRoutes(cache, () => stageView.forget()),
    other: (msg, buffers) => {
      if (msg.type !== "mask") return;
      const key = itemKey(msg.item_id as ItemId);
      const w = msg.width as number;
      const hh = msg.height as number;
      const m: MaskState = { width: w, height: hh, labels: new Uint16Array(w * hh), instances: (msg.instances as Record<string, ClassName>) ?? {} };
      if (buffers[0]) decodeLabelRuns(toBytes(buffers[0]), m.labels);
      if ((pendingByItem.get(key) ?? 0) > 0) return; // local edits still on their way: a newer answer follows
      masks.set(key, m);
      accepted.set(key, new Set((msg.accepted as string[] | undefined) ?? []));
      if (stageView.shows(key)) {
        const it = item();
        if (it) buildProposalLayer(it, m);
        rebuildOverlay(m);
        scheduler.request();
      }
    },
  });
  const onOpacity = () => {
    opacityInput.value = String(model.get("opacity"));
    scheduler.request();
  };
  stageView.observeResize(() => scheduler.request());

  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:opacity": onOpacity,
      "change:classes change:title change:display_height change:mode": paint,
    },
    paint,
    dispose: [stepper, stageView, panZoom, keymap, channel],
  });
}

export default { render };
