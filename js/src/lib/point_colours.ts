// The colour of every point (RGBA bytes; alpha 0: not drawn) by the view's colour mode.
import { rgb } from "./classes";
import type { FrameData } from "./point_frame";

export type ColourMode = "label" | "height" | "intensity" | "rgb" | "disagreement";
export const COLOUR_MODES: ColourMode[] = ["label", "height", "intensity", "rgb", "disagreement"];

export interface ColourOptions {
  mode: ColourMode;
  colours: string[]; // per class, #rrggbb
  hidden: Set<number>; // class indices not drawn (-1: unlabelled)
  selected: Uint8Array;
}

const UNLABELLED: [number, number, number] = [150, 150, 150];
const SELECTED: [number, number, number] = [255, 255, 0];
const DISAGREE: [number, number, number] = [255, 0, 200];

/** A blue → yellow ramp for t in [0, 1]. */
function ramp(t: number): [number, number, number] {
  const u = Math.max(0, Math.min(1, t));
  return [Math.round(40 + 215 * u), Math.round(60 + 160 * u), Math.round(200 - 160 * u)];
}

export function pointColours(frame: FrameData, o: ColourOptions, out = new Uint8Array(frame.n * 4)): Uint8Array {
  const write = colourWriter(frame, o);
  for (let i = 0; i < frame.n; i++) write(i, out);
  return out;
}

/** Writes point i's RGBA into `out` (at 4 i): the colour of one point, for a recolour of the
 *  points whose selection changed (a lasso) without a pass over every point. */
export function colourWriter(frame: FrameData, o: ColourOptions): (i: number, out: Uint8Array) => void {
  const table = o.colours.map(rgb);
  const span = frame.hi[2] - frame.lo[2] || 1;
  const hiddenOf = new Uint8Array(table.length + 1); // label + 1 -> 1 when the class is hidden
  for (const k of o.hidden) if (k >= -1 && k < table.length) hiddenOf[k + 1] = 1;
  return (i, out) => {
    const label = frame.labels[i];
    const selected = o.selected[i];
    let c: [number, number, number];
    if (selected) c = SELECTED;
    else if (o.mode === "label") c = label >= 0 ? table[label] : UNLABELLED;
    else if (o.mode === "height") c = ramp((frame.xyz[3 * i + 2] - frame.lo[2]) / span);
    else if (o.mode === "intensity" && frame.intensity) c = ramp(frame.intensity[i] / 255);
    else if (o.mode === "rgb" && frame.rgb) c = [frame.rgb[3 * i], frame.rgb[3 * i + 1], frame.rgb[3 * i + 2]];
    else if (o.mode === "disagreement" && frame.proposal) {
      const p = frame.proposal[i];
      c = p >= 0 && p !== label ? DISAGREE : label >= 0 ? dim(table[label]) : dim(UNLABELLED);
    } else c = label >= 0 ? table[label] : UNLABELLED;
    out[4 * i] = c[0];
    out[4 * i + 1] = c[1];
    out[4 * i + 2] = c[2];
    out[4 * i + 3] = hiddenOf[label + 1] && !selected ? 0 : 255;
  };
}

const dim = (c: [number, number, number]): [number, number, number] => [c[0] >> 2, c[1] >> 2, c[2] >> 2];
