// SceneGraphAnnotator's data and tool state: the item's objects, relations and proposals as the
// kernel sends them (hitl_widgets/widgets/scene_graph.py), and what is selected: the subject and
// object of a relation being made, the Tab cursor, the selected relation or proposal, the
// predicate filter typed, the box under the pointer, whether the arrows are shown; the model's
// proposed boxes and relations still open, in the order p / P walks them.
import type { AnyModel } from "@anywidget/types";
import { filterChoices } from "../../lib/arrows";
import type { Box } from "../../lib/boxes";
import type { EditorModel } from "../../lib/canvas_stage";
import type { ClassName } from "../../lib/classes";
import type { ItemCache, ItemId, ItemInfo } from "../../lib/items";

export interface SceneModel extends EditorModel {
  predicates: string[];
  attribute_choices: string[];
  display_size: number;
  object_threshold: number;
}

export interface SgObject {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  class: ClassName;
  attributes: string[];
  source: "given" | "human" | "model";
  /** a proposed box accepted: its score */
  score?: number | null;
}

/** A model's proposed box: an object once accepted. */
export interface BoxProposal {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  class: ClassName;
  attributes: string[];
  score: number | null;
}

export interface Relation {
  subject: string;
  predicate: string;
  object: string;
  source: "human" | "model";
  score: number | null;
  proposal: string | null;
}

export interface Proposal {
  id: string;
  subject: string;
  predicate: string;
  object: string;
  score: number | null;
}

export type SceneItem = ItemInfo & {
  objects?: SgObject[];
  relations?: Relation[];
  proposals?: Proposal[];
  rejected?: string[];
  object_proposals?: BoxProposal[];
  rejected_objects?: string[];
  /** the ids of the item's given objects, deleted ones included (never reused) */
  given_ids?: string[];
};

/** Proposed boxes neither accepted (an object of that id) nor rejected, best score first. */
export function openBoxProposals(it: SceneItem | undefined): BoxProposal[] {
  const ids = new Set((it?.objects ?? []).map((o) => o.id));
  const rejected = new Set(it?.rejected_objects ?? []);
  return (it?.object_proposals ?? []).filter((p) => !ids.has(p.id) && !rejected.has(p.id));
}

/** A proposed box as the object it becomes when accepted (as the kernel makes it). */
export const acceptedBox = (p: BoxProposal): SgObject => ({
  id: p.id, x: p.x, y: p.y, w: p.w, h: p.h, class: p.class, attributes: [...p.attributes], source: "model", score: p.score,
});

/** What p / P walks: the open proposed boxes, then the open proposed relations. */
export type ProposalRef = { kind: "box" | "proposal"; id: string };
export function proposalOrder(it: SceneItem | undefined): ProposalRef[] {
  return [...openBoxProposals(it).map((p) => ({ kind: "box" as const, id: p.id })),
    ...openProposals(it).map((p) => ({ kind: "proposal" as const, id: p.id }))];
}

export const asBox = (o: { x: number; y: number; w: number; h: number }): Box => [o.x, o.y, o.x + o.w, o.y + o.h];

/** The key of a triple (a relation is identified by it). */
export const tripleKey = (r: { subject: string; predicate: string; object: string }): string =>
  JSON.stringify([r.subject, r.predicate, r.object]);

/** Proposals not rejected, not accepted, whose boxes exist (or are open proposed boxes: accepting
 *  the relation accepts them) and whose triple is not stored. */
export function openProposals(it: SceneItem | undefined): Proposal[] {
  const rejected = new Set(it?.rejected ?? []);
  const used = new Set((it?.relations ?? []).map((r) => r.proposal));
  const triples = new Set((it?.relations ?? []).map(tripleKey));
  const ids = new Set([...(it?.objects ?? []), ...openBoxProposals(it)].map((o) => o.id));
  return (it?.proposals ?? []).filter((p) => !rejected.has(p.id) && !used.has(p.id) && !triples.has(tripleKey(p))
    && ids.has(p.subject) && ids.has(p.object));
}

/** The next id for a drawn box: h<n>, n one more than the largest h<n> of the item's boxes and
 *  proposed boxes. */
export function nextObjectId(objects: Array<{ id: string }>): string {
  const n = objects.reduce((m, o) => Math.max(m, /^h\d+$/.test(o.id) ? Number(o.id.slice(1)) : 0), 0);
  return `h${n + 1}`;
}

/** The id for a box drawn on `it`: after its boxes, its proposed boxes and its given objects' ids
 *  (a deleted given object's id stays taken: a proposal naming it names the given box). */
export function nextBoxId(it: SceneItem | undefined): string {
  const given = (it?.given_ids ?? []).map((id) => ({ id }));
  return nextObjectId([...(it?.objects ?? []), ...(it?.object_proposals ?? []), ...given]);
}

export class SceneState {
  /** the subject and object of the relation being made */
  subject: string | null = null;
  object: string | null = null;
  /** the box reached with Tab (index into objects()), or -1 */
  cursor = -1;
  /** the selected relation (tripleKey) or proposal (id) */
  relation: string | null = null;
  proposal: string | null = null;
  /** the selected proposed box (id) */
  boxProposal: string | null = null;
  /** the predicate filter typed while choosing a predicate */
  filter = "";
  hover: string | null = null;
  showArrows = true;
  /** the class of the next boxes drawn (index into classes) */
  classIndex = 0;

  constructor(
    private readonly model: AnyModel<SceneModel>,
    private readonly cache: ItemCache,
    readonly current: () => ItemId | undefined,
  ) {}

  /** A step to another image: the selection starts over. */
  enter(): void {
    this.clear();
    this.cursor = -1;
    this.hover = null;
  }

  clear(): void {
    this.subject = this.object = this.relation = this.proposal = this.boxProposal = null;
    this.filter = "";
  }

  item(): SceneItem | undefined {
    const id = this.current();
    return id === undefined ? undefined : (this.cache.get(id) as SceneItem | undefined);
  }

  objects(it = this.item()): SgObject[] {
    return it?.objects ?? [];
  }

  relations(it = this.item()): Relation[] {
    return it?.relations ?? [];
  }

  object_(id: string | null, it = this.item()): SgObject | undefined {
    return id === null ? undefined : this.objects(it).find((o) => o.id === id);
  }

  predicates(): string[] {
    return this.model.get("predicates") ?? [];
  }

  classes(): ClassName[] {
    return this.model.get("classes") ?? [];
  }

  /** Subject and object chosen: the next action is the predicate. */
  awaiting(): boolean {
    return this.subject !== null && this.object !== null;
  }

  /** The predicates the filter keeps (indices into predicates()), in the order digits pick them. */
  choices(): number[] {
    return filterChoices(this.predicates(), this.filter);
  }

  selectedRelation(it = this.item()): Relation | undefined {
    return this.relation === null ? undefined : this.relations(it).find((r) => tripleKey(r) === this.relation);
  }

  selectedProposal(it = this.item()): Proposal | undefined {
    return this.proposal === null ? undefined : openProposals(it).find((p) => p.id === this.proposal);
  }

  selectedBoxProposal(it = this.item()): BoxProposal | undefined {
    return this.boxProposal === null ? undefined : openBoxProposals(it).find((p) => p.id === this.boxProposal);
  }

  /** The box that arrows and a drag move: the subject, while no object is picked. */
  editable(it = this.item()): SgObject | undefined {
    return this.awaiting() ? undefined : this.object_(this.subject, it);
  }

  /** The box whose relations stand out: the one under the pointer, else the subject. */
  focus(): string | null {
    return this.hover ?? this.subject;
  }

  imageSize(): [number, number] | null {
    const it = this.item();
    return it?.image ? [it.image.width, it.image.height] : null;
  }

  displaySize(): number {
    return this.model.get("display_size");
  }
}
