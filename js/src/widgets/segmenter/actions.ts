// TemporalSegmenter's commands: marks, adding, editing and deleting segments, deciding proposals,
// undo / redo. Each edit is applied to the view's copy at once and sent through the EditLedger;
// the kernel's ack (the video's whole state) then replaces the copy, and a refusal asks for that
// state again (editorEdit's "sync").
import type { AnyModel } from "@anywidget/types";
import { editorEdit, sayAbout, undoText } from "../../lib/canvas_stage";
import type { Reply } from "../../lib/channel";
import type { ClassName } from "../../lib/classes";
import type { ItemCache, ItemId } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import type { StatusLine } from "../../lib/status";
import type { Stepper } from "../../lib/stepper";
import type { TimelineSegment } from "../../lib/timeline";
import type { Player } from "./player";
import { newSegmentId, nudged, openProposals, pendingRange, Proposal, proposalAt, Segment, SegmenterModel, VideoInfo } from "./model";

const CHANGES: Record<string, string> = {
  add: "new segment", update: "segment changed", delete: "segment deleted", accept: "proposal accepted",
  adjust: "proposal adjusted", reject: "proposal rejected", redo: "redo",
};

export interface Selection {
  kind: "segment" | "proposal";
  id: string;
}

export interface ActionParts {
  model: AnyModel<SegmenterModel>;
  cache: ItemCache;
  ledger: EditLedger;
  stepper: Stepper;
  status: StatusLine;
  player: Player;
  repaint: () => void;
}

export class SegmentActions {
  selection: Selection | null = null;
  mark: { start: number | null; end: number | null } = { start: null, end: null };
  currentClass = 0;

  constructor(private readonly p: ActionParts) {}

  private classes(): ClassName[] {
    return this.p.model.get("classes");
  }

  /** The video shown and its info, when it has arrived. */
  video(): { id: ItemId; info: VideoInfo } | undefined {
    const id = this.p.stepper.current();
    const info = id === undefined ? undefined : (this.p.cache.get(id) as VideoInfo | undefined);
    return id === undefined || !info || info.n_frames === undefined ? undefined : { id, info };
  }

  private place(id: ItemId): string {
    return this.p.stepper.placeOf(id, "video");
  }

  /** The frame the person sees (refused while none is painted). */
  private shown(): number | null {
    const f = this.p.player.painter.painted;
    if (f < 0) {
      this.p.status.error("no frame shown yet: wait for the video to load");
      return null;
    }
    return f;
  }

  private send(type: string, id: ItemId, fields: Record<string, unknown>, after?: (reply: Reply) => void): void {
    const ack = (reply: Reply) => {
      // an older ack must not undo newer edits of the video still on their way: their acks follow
      if (this.p.ledger.pending(id) === 0) {
        this.p.cache.update(id, { segments: reply.segments as Segment[], decided: reply.decided as VideoInfo["decided"] });
      }
      after?.(reply);
      this.p.repaint();
    };
    void this.p.ledger.send(type, { item_id: id, ...fields }, editorEdit(this.p.ledger, id, ack, this.place(id)));
  }

  private patch(id: ItemId, info: VideoInfo, segments: Segment[], decided = info.decided ?? {}): void {
    this.p.cache.update(id, { segments, decided });
    this.p.repaint();
  }

  // ------------------------------------------------------------------ marks and new segments
  setMark(which: "start" | "end"): void {
    const f = this.shown();
    if (f === null) return;
    this.mark = { ...this.mark, [which]: f };
    this.p.repaint();
  }

  clearMarks(): void {
    this.mark = { start: null, end: null };
    this.p.repaint();
  }

  /** Enter: the marked range becomes a segment of the current class, the child of the selected
   *  segment when it lies inside it (with a proposal selected: that proposal accepted with these
   *  edges). */
  commit(): void {
    const v = this.video();
    const f = this.shown();
    if (!v || f === null) return;
    if (this.mark.start === null && this.mark.end === null) {
      this.p.status.info("mark a start with [ and an end with ] first");
      return;
    }
    const [start, end] = pendingRange(this.mark, f);
    this.mark = { start: null, end: null };
    const cls = this.classes()[this.currentClass];
    const segment_id = newSegmentId();
    const sel = this.selection;
    if (sel?.kind === "proposal" && openProposals(v.info, this.p.model.get("threshold")).some((p) => p.id === sel.id)) {
      this.decide(v, sel.id, "adjust", { start_frame: start, end_frame: end, segment_id });
      return;
    }
    const outer = this.selectedSegment(v);
    const parent = outer && outer.start <= start && end <= outer.end ? outer.id : null; // inside the selected one: its child
    const seg: Segment = { id: segment_id, parent, class: cls, start, end, source: "human", score: null, proposal: null };
    this.selection = null; // a digit now picks the next segment's class, not this one's
    this.patch(v.id, v.info, [...(v.info.segments ?? []), seg]);
    this.send("add", v.id, { segment_id, class: cls, start_frame: start, end_frame: end, ...(parent ? { parent } : {}) });
    sayAbout(this.p.status, v.id, `segment ${start}–${end} added${parent ? " inside the selected one" : ""}`);
  }

  // ------------------------------------------------------------------ the selected segment
  private selectedSegment(v: { info: VideoInfo }): Segment | undefined {
    const sel = this.selection;
    return sel?.kind === "segment" ? (v.info.segments ?? []).find((s) => s.id === sel.id) : undefined;
  }

  /** Digits: pick the class; a selected segment takes it too. */
  pickClass(k: number): void {
    if (k < 0 || k >= this.classes().length) return;
    this.currentClass = k;
    const v = this.video();
    const seg = v && this.selectedSegment(v);
    if (v && seg && seg.class !== this.classes()[k]) this.update(v, seg, { class: this.classes()[k] });
    this.p.repaint();
  }

  private update(v: { id: ItemId; info: VideoInfo }, seg: Segment, change: Partial<Pick<Segment, "start" | "end" | "class">>): void {
    const next = { ...seg, ...change };
    this.patch(v.id, v.info, (v.info.segments ?? []).map((s) => (s.id === seg.id ? next : s)));
    const fields: Record<string, unknown> = { segment_id: seg.id };
    if (change.start !== undefined) fields.start_frame = change.start;
    if (change.end !== undefined) fields.end_frame = change.end;
    if (change.class !== undefined) fields.class = change.class;
    this.send("update", v.id, fields);
  }

  /** Alt+arrows: move the selected segment's start (or, with Shift, end) by one frame. */
  nudge(edge: "start" | "end", delta: number): void {
    const v = this.video();
    const seg = v && this.selectedSegment(v);
    if (!v || !seg) {
      this.p.status.info("select a segment first (n / p, or click it)");
      return;
    }
    const to = nudged(seg, edge, delta, v.info.n_frames ?? 0);
    if (!to) return;
    this.update(v, seg, to);
    this.p.player.seek(edge === "start" ? to.start : to.end);
  }

  /** A timeline edge drag ended. */
  edgeDragged(t: TimelineSegment, start: number, end: number): void {
    const v = this.video();
    const seg = v && (v.info.segments ?? []).find((s) => s.id === t.id);
    if (v && seg) this.update(v, seg, { start, end });
  }

  deleteSelected(): void {
    const v = this.video();
    const seg = v && this.selectedSegment(v);
    if (!v || !seg) return;
    const decided = { ...(v.info.decided ?? {}) };
    if (seg.proposal) delete decided[seg.proposal];
    this.patch(v.id, v.info, (v.info.segments ?? []).filter((s) => s.id !== seg.id), decided);
    this.selection = null;
    this.send("delete", v.id, { segment_id: seg.id });
  }

  // ------------------------------------------------------------------ proposals
  /** a / r: accept or reject the selected proposal, else the one under the playhead. */
  decideHere(kind: "accept" | "reject"): void {
    const v = this.video();
    const f = this.shown();
    if (!v || f === null) return;
    const open = openProposals(v.info, this.p.model.get("threshold"));
    const sel = this.selection;
    const p = (sel?.kind === "proposal" ? open.find((q) => q.id === sel.id) : undefined) ?? proposalAt(open, f);
    if (!p) {
      this.p.status.info("no open proposal here");
      return;
    }
    this.decide(v, p.id, kind, kind === "accept" ? { segment_id: newSegmentId() } : {});
  }

  private decide(v: { id: ItemId; info: VideoInfo }, pid: string, kind: "accept" | "adjust" | "reject", fields: Record<string, unknown>): void {
    const p = (v.info.proposals ?? []).find((q) => q.id === pid) as Proposal;
    const decided = { ...(v.info.decided ?? {}), [pid]: kind === "reject" ? ("rejected" as const) : ("accepted" as const) };
    let segments = v.info.segments ?? [];
    if (kind !== "reject") {
      const start = (fields.start_frame as number | undefined) ?? p.start;
      const end = (fields.end_frame as number | undefined) ?? p.end;
      const id = fields.segment_id as string;
      segments = [...segments, { id, parent: null, class: p.class, start, end, source: "proposal", score: p.score, proposal: pid }];
      this.selection = { kind: "segment", id };
    } else {
      this.selection = null;
    }
    this.patch(v.id, v.info, segments, decided);
    this.send(kind, v.id, { proposal_id: pid, ...fields });
    sayAbout(this.p.status, v.id, `proposal ${kind === "reject" ? "rejected" : "accepted"}: ${p.start}–${p.end}`);
  }

  // ------------------------------------------------------------------ moving around, undo
  /** n / p: the next (previous) segment or open proposal by start frame: seek to it and select it. */
  jump(dir: 1 | -1, both: { sorted: TimelineSegment[]; neighbour(f: number, d: 1 | -1): TimelineSegment | undefined }): void {
    const f = this.p.player.shown();
    const sel = this.selection;
    const at = sel ? both.sorted.findIndex((s) => s.id === sel.id && !!s.proposal === (sel.kind === "proposal")) : -1;
    // from the selected one (those starting on the same frame are reached too), else from the frame shown
    const to = at >= 0 && both.sorted[at].start === f ? both.sorted[at + dir] : both.neighbour(f, dir);
    if (!to) {
      this.p.status.info(dir > 0 ? "no segment or proposal after this frame" : "no segment or proposal before this frame");
      return;
    }
    this.selection = { kind: to.proposal ? "proposal" : "segment", id: to.id };
    this.p.player.shuttle.pause();
    this.p.player.seek(to.start);
  }

  select(t: TimelineSegment | null): void {
    this.selection = t ? { kind: t.proposal ? "proposal" : "segment", id: t.id } : null;
    this.p.repaint();
  }

  undoRedo(kind: "undo" | "redo"): void {
    const v = this.video();
    if (!v) return;
    this.send(kind, v.id, {}, (reply) => {
      if (this.p.stepper.current() === v.id) sayAbout(this.p.status, v.id, undoText(kind, this.place(v.id), reply, CHANGES));
    });
  }
}
