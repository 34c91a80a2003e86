// SegmentationCanvas's intents and commands: a stroke or a closed polygon is applied to the view's
// label map at once and sent as row runs in one binary buffer; instances, hole filling, accepting
// a model mask, undo / redo are sent as they are. Each goes through the edit ledger; a refusal
// fetches the kernel's mask, and a "mask" message replaces the view's once nothing is on its way.
import type { ClassName } from "../../lib/classes";
import { ItemId, itemKey } from "../../lib/items";
import type { Edit, EditLedger } from "../../lib/ledger";
import { Binary, toBytes } from "../../lib/media";
import { applyRuns, decodeLabelRuns, polygonRuns } from "../../lib/runs";
import type { StatusLine } from "../../lib/status";
import { CanvasStage, editorEdit, sayAbout, undoText } from "../../lib/canvas_stage";
import type { Reply } from "../../lib/channel";
import { clickAt, decodeSuperpixels, runsArea, uint32s } from "./assist";
import type { MaskLayers } from "./layers";
import type { MaskState, Tool } from "./model";
import type { SegPainter } from "./paint";
import type { SegState } from "./state";

export interface EditParts {
  state: SegState;
  ledger: EditLedger;
  status: StatusLine;
  stage: CanvasStage;
  layers: MaskLayers;
  painter: SegPainter;
  /** the order of items, as the header counts them (for "item 4" in messages) */
  place: (id: ItemId) => string;
  /** send a read to the kernel (no client/seq: click-to-segment, superpixels) */
  read: (msg: Record<string, unknown>) => void;
}

/** The most clicks one click-to-segment region takes (hitl_widgets/assist.py MAX_CLICKS). */
export const MAX_CLICKS = 64;

/** What an undo / redo took back or did again, by the op the kernel names (hitl_widgets/widgets/segmentation.py). */
const CHANGES: Record<string, string> = {
  paint: "a brush stroke", erase: "an eraser stroke", polygon: "a polygon", new_instance: "a new instance",
  fill_holes: "filled holes", accept: "an accepted model mask", redo: "a redo",
  assist: "a click-to-segment region", superpixel: "a superpixel stroke",
};

export class SegEdits {
  constructor(private readonly p: EditParts) {}

  /** An edit of item `id`: the ack names the item's instances (then `acked` runs with it); a
   *  refusal fetches the kernel's mask (a "mask" message). */
  private edit(id: ItemId, acked?: (reply: Reply) => void): Edit {
    const { state, ledger, place } = this.p;
    return editorEdit(ledger, id, (reply) => {
      const m = state.masks.get(itemKey(id));
      if (m && reply.instances) m.instances = reply.instances as Record<string, ClassName>;
      acked?.(reply);
    }, place(id));
  }

  /** Send intent `type` about item `id` (default: the one shown). */
  private send(
    type: string, fields: Record<string, unknown>, id = this.p.state.current(), buffers: ArrayBuffer[] = [],
    acked?: (reply: Reply) => void,
  ): void {
    if (id === undefined) return;
    void this.p.ledger.send(type, { item_id: id, ...fields }, this.edit(id, acked), buffers);
  }

  /** Show `text` as a message about the item shown (cleared when another item is shown). */
  private say(text: string): void {
    sayAbout(this.p.status, this.p.state.current(), text);
  }

  /** Send painted (or erased) row runs (y, x0, length) of the item shown. */
  sendDelta(fields: Record<string, unknown>, runs: Uint32Array): void {
    if (!runs.length) return;
    // uint16 runs when every coordinate fits (any image up to 65535 px a side), else uint32
    const small = runs.every((v) => v < 65536);
    const packed = small ? Uint16Array.from(runs) : runs;
    const buffer = packed.buffer.slice(packed.byteOffset, packed.byteOffset + packed.byteLength) as ArrayBuffer;
    this.send("paint", { ...fields, runs: small ? "uint16" : "uint32" }, undefined, [buffer]);
  }

  /** Instance mode: make sure a stroke paints an instance of the current class (a new one if need be). */
  ensureInstance(): boolean {
    const { state } = this.p;
    if (!state.instanceMode()) return true;
    const m = state.mask();
    if (state.currentInstance && m?.instances[String(state.currentInstance)] === state.classes()[state.currentClass]) return true;
    this.newInstance();
    return state.currentInstance > 0;
  }

  newInstance(): void {
    const { state, painter } = this.p;
    const m = state.mask();
    const id = state.current();
    if (!state.instanceMode() || !m || id === undefined) return;
    const value = Math.max(0, ...Object.keys(m.instances).map(Number)) + 1;
    m.instances[String(value)] = state.classes()[state.currentClass];
    state.currentInstance = value;
    this.send("new_instance", { value, class: state.classes()[state.currentClass] }, id);
    painter.info();
  }

  pickClass(k: number): void {
    const { state, painter, layers } = this.p;
    if (k < 0 || k >= state.classes().length) return;
    state.currentClass = k;
    if (state.instanceMode()) state.currentInstance = 0; // the next stroke starts a new instance of this class
    const m = state.mask();
    if (m && state.preview) layers.preview(m); // the region in the new class's colour
    painter.classes();
    painter.info();
  }

  closePolygon(): void {
    const { state, layers } = this.p;
    const m = state.mask();
    if (!m || state.polygon.length < 3) return this.say("a polygon needs at least 3 vertices");
    if (!this.ensureInstance()) return;
    const flat = state.polygon.flatMap((p) => [Math.round(p.x * 100) / 100, Math.round(p.y * 100) / 100]);
    const runs = polygonRuns(flat, m.width, m.height);
    const value = state.paintValue();
    const box = applyRuns(m.labels, m.width, runs, value);
    layers.rebuild(m, box);
    state.polygon = [];
    this.sendDelta({ value, erase: false, polygon: flat }, runs);
    layers.scheduler.request();
  }

  fillHoles(): void {
    this.send("fill_holes", { value: this.p.state.paintValue() || 1 });
  }

  /** Enter: close the polygon being drawn, else paint the click-to-segment region, else accept
   *  the best model mask. */
  acceptBest(): void {
    const { state, layers } = this.p;
    if (state.tool === "polygon" && state.polygon.length >= 3) return this.closePolygon();
    if (state.tool === "assist" && state.clicks.length) return this.applyAssist();
    const id = state.current();
    const best = state.openProposals()[0];
    if (id === undefined || !best) return this.say("no model mask to accept");
    const key = itemKey(id);
    state.accepted.set(key, new Set([...(state.accepted.get(key) ?? []), best.id]));
    this.send("accept", { proposal_id: best.id }, id);
    const it = state.item();
    const m = state.mask();
    if (it && m) layers.proposals(it, m);
    layers.scheduler.request();
  }

  /** The kernel undoes (redoes) the item's last change and sends its mask; what it undid is said
   *  on the status line while the item is shown ("undone on item 4: a brush stroke"). */
  undoRedo(kind: "undo" | "redo"): void {
    const { state, place } = this.p;
    const id = state.current();
    if (id === undefined) return;
    this.send(kind, {}, id, [], (reply) => {
      if (state.current() === id) this.say(undoText(kind, place(id), reply, CHANGES));
    });
  }

  setTool(t: Tool): void {
    const { state, painter, layers } = this.p;
    if (t === "assist" && !state.assistOn()) return this.say("click-to-segment is off: SegmentationCanvas(assist=...)");
    state.tool = t;
    if (t !== "polygon") state.polygon = [];
    if (t !== "assist") this.clearClicks();
    this.ensureSuperpixels();
    painter.info();
    layers.scheduler.request();
  }

  /** A "mask" message: the kernel's label map of an item (after undo, redo, fill, accept, sync). */
  receiveMask(msg: Record<string, unknown>, buffers: Binary[]): void {
    const { state, ledger, stage, layers } = this.p;
    const id = msg.item_id as ItemId;
    const key = itemKey(id);
    const w = msg.width as number;
    const hh = msg.height as number;
    const m: MaskState = { width: w, height: hh, labels: new Uint16Array(w * hh), instances: (msg.instances as Record<string, ClassName>) ?? {} };
    if (buffers[0]) decodeLabelRuns(toBytes(buffers[0]), m.labels);
    if (ledger.pending(id) > 0) return; // local edits still on their way: a newer answer follows
    state.masks.set(key, m);
    state.accepted.set(key, new Set((msg.accepted as string[] | undefined) ?? []));
    if (stage.shows(key)) {
      const it = state.item();
      if (it) layers.proposals(it, m);
      layers.rebuild(m);
      layers.scheduler.request();
    }
  }

  // ---------------------------------------------------------------- assisted segmentation

  /** Click-to-segment: a click at image point (x, y) (positive: on the object; else not this part);
   *  the kernel answers the region for all the clicks so far (an "assist" message). */
  addClick(x: number, y: number, positive: boolean): void {
    const { state, painter, layers } = this.p;
    const m = state.mask();
    const id = state.current();
    if (!m || id === undefined) return;
    const c = clickAt(x, y, m.width, m.height, positive);
    if (!c) return;
    if (!state.clicks.length && !positive) return this.say("click-to-segment: the first click marks the object (a plain click)");
    if (state.clicks.length >= MAX_CLICKS) return this.say(`at most ${MAX_CLICKS} clicks: Enter paints the region, Esc drops the clicks`);
    state.clicks.push(c);
    this.askAssist(id);
    painter.info();
    layers.scheduler.request();
  }

  /** Ask the kernel for the region of all the clicks so far (a new request number). */
  private askAssist(id: ItemId): void {
    const { state } = this.p;
    state.assistReq += 1;
    this.p.read({ type: "assist", item_id: id, clicks: state.clicks, req: state.assistReq });
  }

  /** An "assist" message: the region for the newest clicks (an older answer, or one about another
   *  item, is dropped). */
  receiveAssist(msg: Record<string, unknown>, buffers: Binary[]): void {
    const { state, painter, layers } = this.p;
    const id = state.current();
    const m = state.mask();
    if (id === undefined || !m || msg.item_id !== id || msg.req !== state.assistReq || !state.clicks.length) return;
    if (msg.width !== m.width || msg.height !== m.height) return;
    const runs = buffers[0] ? uint32s(toBytes(buffers[0])) : new Uint32Array(0);
    for (let i = 0; i + 2 < runs.length; i += 3) {
      if (runs[i] >= m.height || runs[i + 2] === 0 || runs[i + 1] + runs[i + 2] > m.width) return; // misshapen
    }
    state.preview = { key: itemKey(id), req: state.assistReq, clicks: state.clicks.length, runs, area: runsArea(runs) };
    layers.preview(m);
    painter.info();
    layers.scheduler.request();
  }

  /** The kernel refused an assist request (bad clicks, or the user's model failed): the newest
   *  click goes. The region shown, when it answers the clicks left, is theirs again (Enter paints
   *  it); otherwise (its answer was dropped as older) the region of the clicks left is asked again. */
  assistRefused(): void {
    const { state, painter, layers } = this.p;
    state.clicks.pop();
    const pv = state.preview;
    const id = state.current();
    if (!state.clicks.length) state.preview = null;
    else if (pv && pv.clicks === state.clicks.length) pv.req = state.assistReq;
    else if (id !== undefined) this.askAssist(id);
    painter.info();
    layers.scheduler.request();
  }

  /** Enter: paint the region as one stroke of the current class (the normal paint path: one
   *  undoable stored change), then drop the clicks. */
  applyAssist(): void {
    const { state, layers } = this.p;
    const m = state.mask();
    const id = state.current();
    const pv = state.preview;
    if (!m || id === undefined) return;
    if (!pv || pv.key !== itemKey(id) || pv.req !== state.assistReq) return this.say("click-to-segment: the region is on its way");
    if (!pv.runs.length) return this.say("click-to-segment: the region is empty");
    if (!this.ensureInstance()) return;
    const value = state.paintValue();
    const box = applyRuns(m.labels, m.width, pv.runs, value);
    layers.rebuild(m, box);
    this.sendDelta({ value, erase: false, assisted: "clicks" }, pv.runs);
    this.clearClicks();
  }

  /** Drop the click-to-segment clicks and the region (an answer on its way is dropped too). */
  clearClicks(): void {
    const { state, painter, layers } = this.p;
    state.clicks = [];
    state.preview = null;
    state.assistReq += 1;
    painter.info();
    layers.scheduler.request();
  }

  /** With the superpixel brush on, ask for the shown item's superpixels (once). */
  ensureSuperpixels(): void {
    const { state } = this.p;
    const id = state.current();
    if (state.tool !== "superpixel" || id === undefined) return;
    const key = itemKey(id);
    if (state.superpixels.has(key) || state.superpixelsAsked.has(key)) return;
    state.superpixelsAsked.add(key);
    this.p.read({ type: "superpixels", item_id: id });
  }

  /** A "superpixels" message: an item's SLIC label map. */
  receiveSuperpixels(msg: Record<string, unknown>, buffers: Binary[]): void {
    const { state, painter, layers } = this.p;
    const w = msg.width as number, hh = msg.height as number, count = msg.count as number;
    if (!buffers[0] || !Number.isInteger(w) || !Number.isInteger(hh) || !Number.isInteger(count) || count < 1) return;
    const sp = decodeSuperpixels(toBytes(buffers[0]), w, hh, count);
    if (!sp) return;
    const key = itemKey(msg.item_id as ItemId);
    state.superpixels.set(key, sp);
    if (state.current() !== undefined && itemKey(state.current() as ItemId) === key) layers.superpixelEdges(sp);
    painter.info();
    layers.scheduler.request();
  }

  /** The kernel refused the superpixels (no scikit-image, ...): ask again on the next use. */
  superpixelsRefused(id: unknown): void {
    this.p.state.superpixelsAsked.delete(itemKey(id as ItemId));
  }
}
