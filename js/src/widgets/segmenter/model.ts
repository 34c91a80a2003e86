// TemporalSegmenter's data in the view (hitl_widgets/widgets/segmenter.py): segments, proposals and
// decisions of the video shown, as the kernel sends them, and the pure helpers the view needs.
import type { ClassName } from "../../lib/classes";
import type { ItemInfo } from "../../lib/items";
import type { EditorModel } from "../../lib/canvas_stage";
import { SegmentIndex, TimelineSegment } from "../../lib/timeline";

export { frameText } from "../../lib/frames";

export interface SegmenterModel extends EditorModel {
  threshold: number;
}

/** A segment as the kernel keeps it (start / end: inclusive frames). */
export interface Segment {
  id: string;
  parent: string | null;
  class: ClassName;
  start: number;
  end: number;
  source: "human" | "proposal";
  score: number | null;
  proposal: string | null;
}

export interface Proposal {
  id: string;
  class: ClassName;
  start: number;
  end: number;
  score: number;
}

/** A video item's info (video_base.py + segmenter.py's _item_info). */
export interface VideoInfo extends ItemInfo {
  n_frames?: number;
  fps?: number;
  times?: number[];
  segments?: Segment[];
  proposals?: Proposal[];
  decided?: Record<string, "accepted" | "rejected">;
  shots?: number[];
  video_error?: string;
}

/** A new segment id, unique enough within one video. */
export const newSegmentId = (): string => `s${Math.random().toString(36).slice(2, 10)}${Date.now().toString(36).slice(-4)}`;

/** The index of class `c` in `classes` (-1 when unknown). */
export const classIndex = (classes: ClassName[], c: ClassName): number => classes.findIndex((k) => k === c);

/** Proposals still to decide: at or above `threshold`, neither accepted nor rejected. */
export function openProposals(info: VideoInfo, threshold: number): Proposal[] {
  const decided = info.decided ?? {};
  return (info.proposals ?? []).filter((p) => p.score >= threshold && decided[p.id] === undefined);
}

/** The open proposal that covers `frame` with the highest score (proposals come best first). */
export function proposalAt(open: Proposal[], frame: number): Proposal | undefined {
  return open.find((p) => p.start <= frame && frame <= p.end);
}

/** The timeline's view of the video: segments and open proposals in class lanes, and the segments
 *  in start order (for the list). Built once per change of the data, not per frame shown. */
export function timelineIndices(info: VideoInfo, classes: ClassName[], threshold: number) {
  const lane = (c: ClassName) => Math.max(0, classIndex(classes, c));
  const segs: TimelineSegment[] = (info.segments ?? []).map((s) => ({ id: s.id, cls: lane(s.class), start: s.start, end: s.end }));
  const props: TimelineSegment[] = openProposals(info, threshold).map((p) => ({ id: p.id, cls: lane(p.class), start: p.start, end: p.end, proposal: true }));
  const sorted = [...(info.segments ?? [])].sort((a, b) => a.start - b.start || a.end - b.end);
  return { segments: new SegmentIndex(segs), proposals: new SegmentIndex(props), both: new SegmentIndex([...segs, ...props]), sorted };
}

export type Indices = ReturnType<typeof timelineIndices>;

/** timelineIndices, remembered while the segments, decisions, classes and threshold stay the same
 *  objects (every edit and every ack replaces them), so playback does not re-sort 10,000 segments
 *  on every frame. */
export function indexCache(): (info: VideoInfo, classes: ClassName[], threshold: number) => Indices {
  let key: unknown[] = [];
  let value: Indices | undefined;
  return (info, classes, threshold) => {
    const now = [info, info.segments, info.decided, info.proposals, classes, threshold];
    if (!value || now.some((v, k) => v !== key[k])) {
      value = timelineIndices(info, classes, threshold);
      key = now;
    }
    return value;
  };
}

/** The pending segment of `[` / `]` marks as an inclusive range: a missing mark is the frame shown;
 *  the marks in either order. */
export function pendingRange(mark: { start: number | null; end: number | null }, shown: number): [number, number] {
  const a = mark.start ?? shown;
  const b = mark.end ?? shown;
  return [Math.min(a, b), Math.max(a, b)];
}

/** Edges of `seg` after nudging `edge` by `delta` frames, or null when that would leave the video
 *  or make the segment empty. */
export function nudged(seg: { start: number; end: number }, edge: "start" | "end", delta: number, count: number): { start: number; end: number } | null {
  const start = edge === "start" ? seg.start + delta : seg.start;
  const end = edge === "end" ? seg.end + delta : seg.end;
  if (start < 0 || end > count - 1 || end < start) return null;
  return { start, end };
}

