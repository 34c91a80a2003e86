// SegmentationCanvas's data: the traits, a model's mask proposal, the view's copy of an item's
// label map, the tools, and the COCO RLE decoding of proposals.
import type { EditorModel } from "../../lib/canvas_stage";
import type { ClassName } from "../../lib/classes";

export interface SegModel extends EditorModel {
  mode: "semantic" | "instance";
  opacity: number;
  /** click-to-segment: "" (off), "watershed", "flood", "random_walker" or "model" (the user's callable) */
  assist: string;
}

export interface MaskProposal {
  id: string;
  class: ClassName;
  score: number | null;
  rle: { size: [number, number]; counts: number[] };
}

export interface MaskState {
  width: number;
  height: number;
  labels: Uint16Array;
  instances: Record<string, ClassName>; // value -> class
}

export type Tool = "brush" | "eraser" | "polygon" | "assist" | "superpixel";

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
