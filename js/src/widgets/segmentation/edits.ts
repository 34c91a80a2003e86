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
import { CanvasStage, editorEdit, placeOf, sayAbout, undoText } from "../../lib/canvas_stage";
import type { Reply } from "../../lib/channel";
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
  order: () => ItemId[];
}

/** What an undo / redo took back or did again, by the op the kernel names (hitl_widgets/widgets/segmentation.py). */
const CHANGES: Record<string, string> = {
  paint: "a brush stroke", erase: "an eraser stroke", polygon: "a polygon", new_instance: "a new instance",
  fill_holes: "filled holes", accept: "an accepted model mask", redo: "a redo",
};

export class SegEdits {
  constructor(private readonly p: EditParts) {}

  /** An edit of item `id`: the ack names the item's instances (then `acked` runs with it); a
   *  refusal fetches the kernel's mask (a "mask" message). */
  private edit(id: ItemId, acked?: (reply: Reply) => void): Edit {
    const { state, ledger, order } = this.p;
    return editorEdit(ledger, id, (reply) => {
      const m = state.masks.get(itemKey(id));
      if (m && reply.instances) m.instances = reply.instances as Record<string, ClassName>;
      acked?.(reply);
    }, placeOf(order(), id));
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
    const id = this.p.state.current();
    if (id === undefined) this.p.status.info(text);
    else sayAbout(this.p.status, id, text);
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
    const { state, painter } = this.p;
    if (k < 0 || k >= state.classes().length) return;
    state.currentClass = k;
    if (state.instanceMode()) state.currentInstance = 0; // the next stroke starts a new instance of this class
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

  /** Enter: close the polygon being drawn, else accept the best model mask. */
  acceptBest(): void {
    const { state, layers } = this.p;
    if (state.tool === "polygon" && state.polygon.length >= 3) return this.closePolygon();
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
    const { state, order } = this.p;
    const id = state.current();
    if (id === undefined) return;
    this.send(kind, {}, id, [], (reply) => {
      if (state.current() === id) this.say(undoText(kind, placeOf(order(), id), reply, CHANGES));
    });
  }

  setTool(t: Tool): void {
    const { state, painter, layers } = this.p;
    state.tool = t;
    if (t !== "polygon") state.polygon = [];
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
}
