// SegmentationCanvas's assisted segmentation, the pure parts: the clicks of click-to-segment and
// the preview region the kernel answers (row runs (y, x0, length), the form a stroke is sent in),
// and the superpixel map (SLIC labels from the kernel, grouped so that a stroke paints whole
// superpixels).
import type { Box } from "../../lib/runs";
import { countOf } from "../../lib/dom";

export interface AssistClick {
  x: number; // image pixels (integers)
  y: number;
  positive: boolean;
}

/** The region the kernel answered for the clicks of request `req` on item `key`. */
export interface AssistPreview {
  key: string;
  req: number;
  /** how many clicks the region answers */
  clicks: number;
  runs: Uint32Array;
  area: number;
}

/** A click's image point, rounded down to its pixel and kept inside a width x height image. */
export function clickAt(x: number, y: number, width: number, height: number, positive: boolean): AssistClick | null {
  if (!Number.isFinite(x) || !Number.isFinite(y) || x < 0 || y < 0 || x >= width || y >= height) return null;
  return { x: Math.floor(x), y: Math.floor(y), positive };
}

/** An aligned copy of `bytes` as uint32 (a message buffer may start at any offset). */
export function uint32s(bytes: Uint8Array): Uint32Array {
  const n = Math.floor(bytes.byteLength / 4);
  return new Uint32Array(bytes.slice(0, n * 4).buffer);
}

/** The pixel count of row runs (y, x0, length). */
export function runsArea(runs: Uint32Array): number {
  let n = 0;
  for (let i = 2; i < runs.length; i += 3) n += runs[i];
  return n;
}

/** The clicks' summary for the info line: "2 clicks (+1 −1)". */
export function clicksText(clicks: AssistClick[]): string {
  const pos = clicks.filter((c) => c.positive).length;
  return `${countOf(clicks.length, "click")} (+${pos} −${clicks.length - pos})`;
}

/** Superpixels of one image: the label of each pixel and, per label, its pixels (a counting sort:
 *  label k's pixels are pixels[starts[k] .. starts[k + 1])). */
export interface SuperpixelMap {
  width: number;
  height: number;
  count: number;
  labels: Uint32Array;
  starts: Uint32Array;
  pixels: Uint32Array;
}

/** Group a label map of `count` labels (0 .. count - 1) by label. */
export function groupLabels(labels: Uint32Array, width: number, height: number, count: number): SuperpixelMap {
  const starts = new Uint32Array(count + 1);
  for (let i = 0; i < labels.length; i++) starts[labels[i] + 1]++;
  for (let k = 0; k < count; k++) starts[k + 1] += starts[k];
  const fill = starts.slice(0, count);
  const pixels = new Uint32Array(labels.length);
  for (let i = 0; i < labels.length; i++) pixels[fill[labels[i]]++] = i;
  return { width, height, count, labels, starts, pixels };
}

/** Decode the kernel's label map runs (value, length) of uint32 into a `width` x `height` map;
 *  null when the runs do not cover the image exactly or a label is not below `count`. */
export function decodeSuperpixels(bytes: Uint8Array, width: number, height: number, count: number): SuperpixelMap | null {
  const runs = uint32s(bytes);
  const labels = new Uint32Array(width * height);
  let at = 0;
  for (let i = 0; i + 1 < runs.length; i += 2) {
    const v = runs[i], n = runs[i + 1];
    if (v >= count || at + n > labels.length) return null;
    labels.fill(v, at, at + n);
    at += n;
  }
  if (at !== labels.length) return null;
  return groupLabels(labels, width, height, count);
}

/**
 * Widen a stroke to whole superpixels: every superpixel with a pixel set in `mask` inside `box` and
 * not yet in `touched` is added to it, and all its pixels are set in `mask`; `grown` is grown to
 * cover them. Returns the superpixels newly added.
 */
export function touchSuperpixels(sp: SuperpixelMap, mask: Uint8Array, box: Box, touched: Set<number>, grown: Box): number[] {
  const added: number[] = [];
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = y * sp.width + x;
      if (!mask[i]) continue;
      const k = sp.labels[i];
      if (touched.has(k)) continue;
      touched.add(k);
      added.push(k);
      for (let j = sp.starts[k]; j < sp.starts[k + 1]; j++) {
        const p = sp.pixels[j];
        mask[p] = 1;
        const px = p % sp.width, py = (p - px) / sp.width;
        if (px < grown.x0) grown.x0 = px;
        if (px + 1 > grown.x1) grown.x1 = px + 1;
        if (py < grown.y0) grown.y0 = py;
        if (py + 1 > grown.y1) grown.y1 = py + 1;
      }
    }
  }
  return added;
}
