// SceneGraphAnnotator's intents: add / move / resize / reclass / retag / delete a box, relate /
// unrelate, accept (as proposed or with another predicate) or reject a proposal, accept / reject
// proposed boxes, undo / redo on the image shown. A box nudged with the arrows is sent once the
// keys rest (NUDGE_MS), or before any other edit, so a run of nudges is one change to undo.
// Each change is applied to the view's copy at once and sent through the edit ledger; the kernel
// answers with the item's objects, relations and rejected proposals, which replace the view's once
// nothing else about the item is on its way (a refusal fetches the kernel's state: editorEdit).
import type { Box } from "../../lib/boxes";
import { roundRect } from "../../lib/box_edit";
import { countOf, editorEdit, sayAbout, undoText } from "../../lib/canvas_stage";
import type { Reply } from "../../lib/channel";
import { ItemEdits } from "../../lib/item_edits";
import type { ItemCache, ItemId } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import type { StatusLine } from "../../lib/status";
import type { Stepper } from "../../lib/stepper";
import type { Rect } from "../../lib/viewport";
import { acceptedBox, nextBoxId, openBoxProposals, Relation, SceneItem, SceneState, SgObject, tripleKey } from "./state";

export interface ActionParts {
  state: SceneState;
  cache: ItemCache;
  ledger: EditLedger;
  stepper: Stepper;
  status: StatusLine;
  paint: () => void;
}

const CHANGES: Record<string, string> = {
  add_object: "a new box", update_object: "a box's change", delete_object: "a deleted box and its relations",
  relate: "a relation", unrelate: "a removed relation", accept: "an accepted proposal", reject: "a rejected proposal", redo: "a redo",
  accept_object: "an accepted proposed box", reject_object: "a rejected proposed box", accept_objects: "accepted proposed boxes",
};

/** A box's source once changed: the model's box becomes the person's (as the kernel does). */
const human = (o: SgObject): SgObject["source"] => (o.source === "model" ? "human" : o.source);

/** A run of arrow nudges is sent this long after the last key. */
const NUDGE_MS = 400;

export class SceneActions {
  /** a box nudged by keys and not yet sent: its item and id */
  private nudged: { item: ItemId; id: string } | null = null;
  private nudgeTimer: ReturnType<typeof setTimeout> | undefined;

  /** the edits' ledger side (lib/item_edits.ts): marked done, and no ack replaces the view's copy
   *  of an item whose nudged box is not yet sent */
  private readonly edits: ItemEdits<SceneItem>;

  constructor(private readonly p: ActionParts) {
    this.edits = new ItemEdits<SceneItem>(
      { cache: p.cache, ledger: p.ledger, current: () => p.state.current(), redraw: () => p.paint(), place: (id) => this.place(id) },
      ["objects", "relations", "rejected", "rejected_objects"], "o", { done: true, hold: (id) => this.nudged?.item === id },
    );
  }

  private place(id: ItemId): string {
    return this.p.stepper.placeOf(id, "image");
  }

  /** Send an intent about the image shown; `apply` changes the view's copy at once. */
  private send(type: string, fields: Record<string, unknown>, apply: (it: SceneItem) => void, acked?: (r: Reply) => void): void {
    const { state, status } = this.p;
    this.flush();
    const id = state.current();
    if (id === undefined || !state.item()) return;
    status.clear();
    this.edits.send(type, fields, apply, id, acked);
  }

  /** A box drawn ([x0, y0, x1, y1] image pixels) of the current class; it becomes the subject. */
  addBox(box: Box): void {
    const { state } = this.p;
    const classes = state.classes();
    if (!classes.length) return;
    const r = (v: number) => Math.round(v * 100) / 100;
    const obj: SgObject = {
      id: nextBoxId(state.item()), x: r(box[0]), y: r(box[1]), w: r(box[2] - box[0]), h: r(box[3] - box[1]),
      class: classes[state.classIndex] ?? classes[0], attributes: [], source: "human",
    };
    this.send("add_object", { object: { id: obj.id, x: obj.x, y: obj.y, w: obj.w, h: obj.h, class: obj.class, attributes: [] } },
      (it) => {
        it.objects = [...(it.objects ?? []), obj];
      });
    state.clear();
    state.subject = obj.id;
  }

  /** Change the class or attributes of box `id`. */
  updateBox(id: string, fields: { class?: unknown; attributes?: string[] }): void {
    this.send("update_object", { object_id: id, ...fields }, (it) => {
      it.objects = (it.objects ?? []).map((o) => (o.id === id ? { ...o, ...(fields as Partial<SgObject>), source: human(o) } : o));
    });
  }

  /** Box `id` moved / resized to `r` (image pixels): sent now. */
  placeBox(id: string, r: Rect): void {
    const q = roundRect(r);
    this.send("update_object", { object_id: id, ...q }, (it) => {
      it.objects = (it.objects ?? []).map((o) => (o.id === id ? { ...o, ...q, source: human(o) } : o));
    });
  }

  /** Box `id` nudged to `r`: shown at once, sent when the keys rest (or before another edit). */
  nudgeBox(id: string, r: Rect): void {
    const { state } = this.p;
    const item = state.current();
    const it = state.item();
    if (item === undefined || !it) return;
    if (this.nudged && (this.nudged.item !== item || this.nudged.id !== id)) this.flush();
    const q = roundRect(r);
    it.objects = (it.objects ?? []).map((o) => (o.id === id ? { ...o, ...q, source: human(o) } : o));
    this.nudged = { item, id };
    clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(() => this.flush(), NUDGE_MS);
    this.p.paint();
  }

  /** Send the nudged box, if any (its place is already in the view's copy). */
  flush(): void {
    clearTimeout(this.nudgeTimer);
    const n = this.nudged;
    this.nudged = null;
    if (!n) return;
    const { cache, ledger } = this.p;
    const o = ((cache.get(n.item) as SceneItem | undefined)?.objects ?? []).find((v) => v.id === n.id);
    if (!o) return;
    void ledger.send("update_object", { item_id: n.item, object_id: o.id, x: o.x, y: o.y, w: o.w, h: o.h }, this.edits.edit(n.item));
  }

  /** Accept the proposed box `id` (an object, source "model") or reject it. */
  boxProposal(id: string, verdict: "accept" | "reject"): void {
    const p = (this.p.state.item()?.object_proposals ?? []).find((q) => q.id === id);
    if (!p) return;
    if (verdict === "reject") {
      this.send("reject_object", { object_id: id }, (it) => {
        it.rejected_objects = [...(it.rejected_objects ?? []), id];
      });
    } else {
      this.send("accept_object", { object_id: id }, (it) => {
        it.objects = [...(it.objects ?? []), acceptedBox(p)];
      });
    }
  }

  /** Accept every open proposed box scored at least `threshold` (one change); returns how many. */
  acceptBoxesAbove(threshold: number): number {
    const boxes = openBoxProposals(this.p.state.item()).filter((p) => p.score !== null && p.score >= threshold);
    if (!boxes.length) return 0;
    this.send("accept_objects", { object_ids: boxes.map((p) => p.id) }, (it) => {
      it.objects = [...(it.objects ?? []), ...boxes.map(acceptedBox)];
    });
    return boxes.length;
  }

  /** Delete box `id` and its relations; the status line says how many. */
  deleteBox(id: string): void {
    const { state, status } = this.p;
    const item = state.current();
    const n = state.relations().filter((r) => r.subject === id || r.object === id).length;
    this.send("delete_object", { object_id: id }, (it) => {
      if ((it.object_proposals ?? []).some((p) => p.id === id)) it.rejected_objects = [...(it.rejected_objects ?? []), id]; // as the kernel does
      it.objects = (it.objects ?? []).filter((o) => o.id !== id);
      it.relations = (it.relations ?? []).filter((r) => r.subject !== id && r.object !== id);
    }, (reply) => {
      if (reply.type === "ack" && item !== undefined && state.current() === item) {
        sayAbout(status, item, `deleted box ${id} and its ${countOf(Number(reply.removed_relations ?? n), "relation")}`);
      }
    });
    if (item !== undefined) sayAbout(status, item, `deleted box ${id} and its ${countOf(n, "relation")}`);
    state.clear();
  }

  /** The relation subject → predicate → object (the view refuses a duplicate at once). */
  relate(subject: string, predicate: string, object: string): void {
    const { state, status } = this.p;
    const rel: Relation = { subject, predicate, object, source: "human", score: null, proposal: null };
    if (state.relations().some((r) => tripleKey(r) === tripleKey(rel))) {
      status.info(`${subject} → ${predicate} → ${object} is already there`, { item: state.current() });
      return;
    }
    this.send("relate", { subject, predicate, object }, (it) => {
      it.relations = [...(it.relations ?? []), rel];
    });
  }

  unrelate(rel: Relation): void {
    this.send("unrelate", { subject: rel.subject, predicate: rel.predicate, object: rel.object }, (it) => {
      it.relations = (it.relations ?? []).filter((r) => tripleKey(r) !== tripleKey(rel));
      if (rel.proposal && !(it.rejected ?? []).includes(rel.proposal)) it.rejected = [...(it.rejected ?? []), rel.proposal]; // as the kernel does
    });
  }

  /** Accept the proposal `id` (with `predicate`: changed to it), or reject it. */
  proposal(id: string, verdict: "accept" | "reject", predicate?: string): void {
    const { state } = this.p;
    const p = (state.item()?.proposals ?? []).find((q) => q.id === id);
    if (!p) return;
    if (verdict === "reject") {
      this.send("reject", { proposal_id: id }, (it) => {
        it.rejected = [...(it.rejected ?? []), id];
      });
      return;
    }
    const pred = predicate ?? p.predicate;
    const rel: Relation = { subject: p.subject, predicate: pred, object: p.object, source: pred === p.predicate ? "model" : "human",
      score: p.score, proposal: p.id };
    this.send("accept", predicate === undefined ? { proposal_id: id } : { proposal_id: id, predicate }, (it) => {
      const named = openBoxProposals(it).filter((b) => b.id === p.subject || b.id === p.object); // accepted with it
      it.objects = [...(it.objects ?? []), ...named.map(acceptedBox)];
      it.relations = [...(it.relations ?? []), rel];
    });
  }

  /** The kernel undoes (redoes) the shown image's last change; the status line says what. */
  undoRedo(kind: "undo" | "redo"): void {
    const { state, ledger, stepper, status, paint } = this.p;
    this.flush();
    const id = state.current();
    if (id === undefined) return;
    const place = this.place(id);
    void ledger.send(kind, { item_id: id }, editorEdit(ledger, id, (reply) => {
      if (reply.type !== "ack") return;
      this.edits.settle(id, reply);
      if (stepper.current() === id) sayAbout(status, id, undoText(kind, place, reply, CHANGES));
      paint();
    }, place));
  }
}
