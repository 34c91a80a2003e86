// BBoxAnnotator's data and box geometry, in image pixels: a stored box, a model's proposal, the
// box maths (lib/box_edit.ts) re-exported.
import type { ClassName } from "../../lib/classes";
import type { EditorModel } from "../../lib/canvas_stage";
import type { ItemInfo } from "../../lib/items";
import type { Rect } from "../../lib/viewport";

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

export interface BoxItem extends ItemInfo {
  boxes?: Box[];
  rejected?: string[];
  proposals?: Proposal[];
}

export type Selection = { kind: "box" | "proposal"; id: string } | null;

// The box maths moved to lib/box_edit.ts (SceneGraphAnnotator edits boxes the same way).
export { HANDLES, handlePoints, moveBox, rectFromPoints, resizeBox, roundRect } from "../../lib/box_edit";
