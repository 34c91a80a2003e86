// AVAlignReview's data in the view (hitl_widgets/widgets/av_align.py) and the pure helpers over it.
// The offset is what to add to a time in the recording to get the video's time of the same moment:
// the recording is drawn (and played) at video time = recording time + offset.
import type { ItemInfo } from "../../lib/items";
import type { ReviewModel } from "../../lib/review";

export type Source = "proposed" | "nudged" | "marked";

export interface Proposal {
  offset_s: number;
  score: number | null;
  margin: number | null;
  ambiguous: boolean;
  method: "cross-correlation" | "none";
  note: string;
}

/** One video and its recording, as the kernel sends it (video_base.py + av_align.py's _item_info). */
export interface AlignItem extends ItemInfo {
  n_frames: number;
  fps: number;
  times: number[];
  sample_rate: number;
  n_samples: number;
  audio_duration_s: number;
  separate: boolean;
  proposal: Proposal;
  offset_s: number;
  source: Source;
  confirmed: boolean;
  marks: { audio_s: number; frame: number } | null;
}

export type AlignModel = ReviewModel;

/** Whether a fetched item is a video with its recording (else it is still loading, or an error). */
export function isAlignItem(v: unknown): v is AlignItem {
  const a = v as AlignItem | undefined;
  return !!a && Array.isArray(a.times) && a.times.length > 0 && typeof a.offset_s === "number" && typeof a.sample_rate === "number";
}

/** When the video ends: its last frame's time plus the mean frame period (the kernel's frame_end_time). */
export function videoEnd(times: readonly number[], fps: number): number {
  const n = times.length;
  if (n > 1) return times[n - 1] + (times[n - 1] - times[0]) / (n - 1);
  return (times[0] ?? 0) + 1 / fps;
}

/** The offset moved by `frames` frames of the nominal rate. Example: nudged(0.2, 1, 25) === 0.24. */
export function nudged(offset: number, frames: number, fps: number): number {
  return offset + frames / fps;
}

/** Whether `offset` leaves the recording (`audio` s long) overlapping the video (`end` s long): the
 *  kernel refuses any other. */
export function offsetFits(offset: number, audio: number, end: number): boolean {
  return Number.isFinite(offset) && -audio < offset && offset < end;
}

/** The offset that puts an event heard at `audioS` in the recording on frame `frame`. */
export function offsetFromMarks(times: readonly number[], frame: number, audioS: number): number {
  return times[frame] - audioS;
}

/** Whole frames a drag of `dx` px moves the recording by (at `secondsPerPx`). */
export function dragFrames(dx: number, secondsPerPx: number, fps: number): number {
  return Math.round(dx * secondsPerPx * fps) || 0; // never -0
}

const signed = (v: number, digits: number) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(digits)}`;

/** "+0.280 s (+7.00 frames)". */
export function offsetText(offset: number, fps: number): string {
  return `${signed(offset, 3)} s (${signed(offset * fps, 2)} frames)`;
}

/** What the readout says of the proposal: "proposed +0.280 s (+7.00 frames) · cross-correlation
 *  score 0.83, margin 0.61" (and the kernel's note: ambiguous, no soundtrack). */
export function proposalText(p: Proposal, fps: number): string {
  const how = p.method === "cross-correlation" && p.score !== null
    ? ` · cross-correlation score ${p.score.toFixed(2)}, margin ${(p.margin ?? 0).toFixed(2)}`
    : "";
  return `proposed ${offsetText(p.offset_s, fps)}${how}${p.note ? ` · ${p.note}` : ""}`;
}
