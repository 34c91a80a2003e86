// PolygonAnnotator's data, in image pixels (hitl_widgets/widgets/polygons.py): a stored polygon, a
// model's proposal, the item's info, the selection and the ring being drawn.
import type { EditorModel } from "../../lib/canvas_stage";
import type { ClassName } from "../../lib/classes";
import type { ItemInfo } from "../../lib/items";
import type { Ring, VertexRef } from "../../lib/polygon_edit";

export type PolygonModel = EditorModel;

export interface Polygon {
  id: string;
  class: ClassName;
  /** the outer ring, then the holes */
  rings: Ring[];
  source: "human" | "proposal" | "adjusted";
  score: number | null;
  proposal: string | null;
}

export interface Proposal {
  id: string;
  class: ClassName;
  rings: Ring[];
  score: number | null;
}

export interface PolygonItem extends ItemInfo {
  polygons?: Polygon[];
  rejected?: string[];
  proposals?: Proposal[];
}

/** The selected polygon or proposal, and its selected vertex (if any). */
export type Selection = { kind: "polygon" | "proposal"; id: string; vertex: VertexRef | null } | null;

/** A ring being drawn: a new polygon's outer ring, or a hole of polygon `holeOf`. */
export interface Drawing {
  points: Ring;
  holeOf: string | null;
}

/** What a put intent's `edit` says the change was (the kernel's EDITS). */
export type EditKind = "draw" | "move_vertex" | "insert_vertex" | "delete_vertex" | "hole" | "class" | "nudge" | "move";
