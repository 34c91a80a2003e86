// SceneGraphAnnotator's intents: add / reclass / retag / delete a box, relate / unrelate, accept
// (as proposed or with another predicate) or reject a proposal, undo / redo on the image shown.
// Each change is applied to the view's copy at once and sent through the edit ledger; the kernel
// answers with the item's objects, relations and rejected proposals, which replace the view's once
// nothing else about the item is on its way (a refusal fetches the kernel's state: editorEdit).
import type { Box } from "../../lib/boxes";
import { countOf, editorEdit, placeOf, sayAbout, undoText } from "../../lib/canvas_stage";
import type { Reply } from "../../lib/channel";
import type { ItemCache, ItemId } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import type { StatusLine } from "../../lib/status";
import type { Stepper } from "../../lib/stepper";
import { nextObjectId, Relation, SceneItem, SceneState, SgObject, tripleKey } from "./state";

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
};

export class SceneActions {
  constructor(private readonly p: ActionParts) {}

  private place(id: ItemId): string {
    return placeOf(this.p.stepper.order(), id, "image");
  }

  private settle(id: ItemId, reply: Reply): void {
    const { cache, ledger } = this.p;
    if (ledger.pending(id) === 0 && reply.type === "ack") {
      cache.update(id, { objects: reply.objects as SgObject[], relations: reply.relations as Relation[], rejected: reply.rejected as string[] });
    }
  }

  /** Send an intent about the image shown; `apply` changes the view's copy at once. */
  private send(type: string, fields: Record<string, unknown>, apply: (it: SceneItem) => void, acked?: (r: Reply) => void): void {
    const { state, ledger, paint, status } = this.p;
    const id = state.current();
    const it = state.item();
    if (id === undefined || !it) return;
    apply(it);
    status.clear();
    const edit = editorEdit(ledger, id, (reply) => {
      this.settle(id, reply);
      acked?.(reply);
    }, this.place(id));
    edit.done = true;
    void ledger.send(type, { item_id: id, ...fields }, edit);
    paint();
  }

  /** A box drawn ([x0, y0, x1, y1] image pixels) of the current class; it becomes the subject. */
  addBox(box: Box): void {
    const { state } = this.p;
    const classes = state.classes();
    if (!classes.length) return;
    const r = (v: number) => Math.round(v * 100) / 100;
    const obj: SgObject = {
      id: nextObjectId(state.objects()), x: r(box[0]), y: r(box[1]), w: r(box[2] - box[0]), h: r(box[3] - box[1]),
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
      it.objects = (it.objects ?? []).map((o) => (o.id === id ? { ...o, ...(fields as Partial<SgObject>) } : o));
    });
  }

  /** Delete box `id` and its relations; the status line says how many. */
  deleteBox(id: string): void {
    const { state, status } = this.p;
    const item = state.current();
    const n = state.relations().filter((r) => r.subject === id || r.object === id).length;
    this.send("delete_object", { object_id: id }, (it) => {
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
      it.relations = [...(it.relations ?? []), rel];
    });
  }

  /** The kernel undoes (redoes) the shown image's last change; the status line says what. */
  undoRedo(kind: "undo" | "redo"): void {
    const { state, ledger, stepper, status, paint } = this.p;
    const id = state.current();
    if (id === undefined) return;
    const place = this.place(id);
    void ledger.send(kind, { item_id: id }, editorEdit(ledger, id, (reply) => {
      if (reply.type !== "ack") return;
      this.settle(id, reply);
      if (stepper.current() === id) sayAbout(status, id, undoText(kind, place, reply, CHANGES));
      paint();
    }, place));
  }
}
