// TrackAnnotator's data and maths, no DOM: a track's keyframes, the box it has on a frame (a keyframe,
// or linearly interpolated between two, as hitl_widgets/tracks.py interpolate() computes it), the
// box held after its last keyframe (shown for the selected track, so it can be moved on), a keyframe
// set in a track, and which box lies under a point.
import type { ClassName } from "../../lib/classes";
import type { EditorModel } from "../../lib/canvas_stage";
import type { ItemInfo } from "../../lib/items";
import type { Rect } from "../../lib/viewport";

export type TrackModel = EditorModel;

/** [frame, x, y, w, h, source] as the kernel sends it. */
export type Key = [number, number, number, number, number, string];

export interface Track {
  id: number;
  class: ClassName;
  source?: string;
  keys: Key[];
}

export interface ProposalTrack {
  id: string;
  class: ClassName;
  score: number | null;
  keys: Array<[number, number, number, number, number]>;
}

export interface TrackItem extends ItemInfo {
  n_frames?: number;
  times?: number[];
  tracks?: Track[];
  proposals?: ProposalTrack[];
  decided?: Record<string, string>;
}

/** How a box is on a frame: a keyframe, interpolated between two, or held after the last one. */
export type BoxKind = "key" | "interpolated" | "held";

export interface FrameBox extends Rect {
  track: number | string; // a track id, or a proposal id
  class: ClassName;
  kind: BoxKind;
  proposal: boolean;
}

/** Index of the last key at or before `frame` (-1: none), keys sorted by frame. */
export function keyBefore(keys: ReadonlyArray<ReadonlyArray<number | string>>, frame: number): number {
  let lo = 0;
  let hi = keys.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((keys[mid][0] as number) <= frame) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The box of a track (its sorted `keys`) on `frame`, or null outside it; `hold`: after the last
 *  keyframe, that keyframe's box (kind "held").
 *
 *  Example: keys at frame 0 (x 0) and 4 (x 8) give x 4 on frame 2, kind "interpolated". */
export function boxAt(keys: ReadonlyArray<ReadonlyArray<number | string>>, frame: number, hold = false): (Rect & { kind: BoxKind }) | null {
  const k = keyBefore(keys, frame);
  if (k < 0) return null;
  const a = keys[k] as number[];
  const rect = (v: number[]) => ({ x: v[1], y: v[2], w: v[3], h: v[4] });
  if (a[0] === frame) return { ...rect(a), kind: "key" };
  if (k + 1 >= keys.length) return hold ? { ...rect(a), kind: "held" } : null;
  const b = keys[k + 1] as number[];
  const t = (frame - a[0]) / (b[0] - a[0]);
  const mix = (i: number) => a[i] + t * (b[i] - a[i]);
  return { x: mix(1), y: mix(2), w: mix(3), h: mix(4), kind: "interpolated" };
}

/** The open proposals of an item (neither accepted nor rejected). */
export function openProposals(it: TrackItem | undefined): ProposalTrack[] {
  const decided = it?.decided ?? {};
  return (it?.proposals ?? []).filter((p) => !(p.id in decided));
}

/** Every box on `frame`: the tracks' (the `held` track also after its last keyframe) and the open
 *  proposals'. */
export function boxesOn(it: TrackItem | undefined, frame: number, held: number | null): FrameBox[] {
  const out: FrameBox[] = [];
  for (const t of it?.tracks ?? []) {
    const b = boxAt(t.keys, frame, t.id === held);
    if (b) out.push({ ...b, track: t.id, class: t.class, proposal: false });
  }
  for (const p of openProposals(it)) {
    const b = boxAt(p.keys, frame);
    if (b) out.push({ ...b, track: p.id, class: p.class, proposal: true });
  }
  return out;
}

/** The smallest box containing image point (x, y), within `tol` image px. */
export function boxUnder(boxes: FrameBox[], x: number, y: number, tol: number): FrameBox | null {
  let best: FrameBox | null = null;
  for (const b of boxes) {
    if (x >= b.x - tol && x <= b.x + b.w + tol && y >= b.y - tol && y <= b.y + b.h + tol) {
      if (!best || b.w * b.h < best.w * best.h) best = b;
    }
  }
  return best;
}

/** `track` with its keyframe on `frame` set to `r` (the view's copy, before the kernel's ack). */
export function withKey(track: Track, frame: number, r: Rect, source: string): Track {
  const keys = track.keys.filter((k) => k[0] !== frame);
  keys.push([frame, r.x, r.y, r.w, r.h, source]);
  keys.sort((a, b) => a[0] - b[0]);
  return { ...track, keys };
}

/** First and last keyframe of a track: its span on the timeline. */
export function span(keys: ReadonlyArray<ReadonlyArray<number | string>>): { start: number; end: number } {
  return { start: keys[0][0] as number, end: keys[keys.length - 1][0] as number };
}

/** Round image coordinates to 1/100 px (plenty for pixels; keeps messages short). */
export function round2(r: Rect): Rect {
  const q = (v: number) => Math.round(v * 100) / 100;
  return { x: q(r.x), y: q(r.y), w: q(r.w), h: q(r.h) };
}
