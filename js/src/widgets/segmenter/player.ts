// The player of the video shown: its frames (lib/frames.ts), the playhead, the transport
// (lib/shuttle.ts) and the timeline (lib/timeline.ts), kept in step. The frame the view reports and
// edits at is `shown()`: the frame painted on the canvas, never one only asked for.
import { setText } from "../../lib/dom";
import { FrameCache, FrameMsg, FramePainter } from "../../lib/frames";
import type { ItemId } from "../../lib/items";
import type { Binary } from "../../lib/media";
import { Shuttle } from "../../lib/shuttle";
import { Timeline, TimelineSegment } from "../../lib/timeline";
import type { Sender } from "../../lib/channel";
import type { SegmenterUI } from "./layout";
import { setSpeed } from "./layout";
import { frameText } from "../../lib/frames";

export interface PlayerHooks {
  /** the playhead moved or a frame was painted: repaint what depends on it (list, pending) */
  moved: () => void;
  select: (seg: TimelineSegment | null) => void;
  edgeDragged: (seg: TimelineSegment, start: number, end: number) => void;
  error: (text: string) => void;
}

export class Player {
  playhead = 0;
  count = 0;
  times: number[] = [];
  readonly frames: FrameCache;
  readonly painter: FramePainter;
  readonly shuttle: Shuttle;
  readonly timeline: Timeline;
  private drawQueued = false;

  constructor(model: Sender, private readonly ui: SegmenterUI, private readonly hooks: PlayerHooks) {
    this.frames = new FrameCache(model, {
      capacity: 240,
      onFrame: (i) => this.arrived(i),
      onError: (i, message) => hooks.error(`frame ${i}: ${message}`),
    });
    this.painter = new FramePainter(ui.canvas, this.frames);
    this.shuttle = new Shuttle({
      count: () => this.count, times: () => this.times, current: () => this.shown(), seek: (i) => this.seek(i),
      ready: (i) => this.frames.has(i), onSpeed: (s) => setSpeed(ui, s),
    });
    this.timeline = new Timeline({
      seek: (f) => {
        this.shuttle.pause();
        this.seek(f);
      },
      select: (s) => hooks.select(s),
      edgeDragged: (s, a, b) => hooks.edgeDragged(s, a, b),
      thumbnail: (f) => this.frames.peek(f),
      changed: () => this.frames.ask(this.timeline.thumbnailFrames()),
    }, 0);
    ui.timelineBox.append(this.timeline.canvas);
  }

  /** The frame on the canvas (the playhead while none is painted yet). */
  shown(): number {
    return this.painter.painted >= 0 ? this.painter.painted : this.playhead;
  }

  /** Show video `id` of `count` frames with these times; a new video starts at frame 0. */
  setVideo(id: ItemId, count: number, times: number[], width = 0, height = 0): void {
    if (this.frames.video === id && this.count === count) return;
    this.shuttle.pause();
    this.frames.setVideo(id, count, width, height);
    this.painter.reset();
    this.count = count;
    this.times = times;
    this.playhead = 0;
    this.timeline.setVideo(count);
    this.seek(0);
    this.frames.ask(this.timeline.thumbnailFrames());
  }

  /** Move the playhead to frame `i`: painted at once when decoded, else when it arrives. */
  seek(i: number): void {
    if (!this.count) return;
    this.playhead = Math.max(0, Math.min(this.count - 1, i));
    this.frames.around(this.playhead, 8, this.shuttle.playing ? 32 : 16);
    this.painter.paint(this.playhead);
    this.timeline.scale.follow(this.playhead);
    this.refresh();
  }

  /** Take a "frames" message from the kernel. */
  receive(msg: FrameMsg, buffers: Binary[]): void {
    this.frames.receive(msg, buffers);
  }

  private arrived(i: number): void {
    if (i === this.playhead && this.painter.painted !== i) {
      this.painter.paint(i);
      this.refresh();
    } else {
      this.queueDraw(); // a thumbnail, or a frame ahead
    }
  }

  /** The readout, the timeline and the view's own parts, after the playhead or the data changed. */
  refresh(): void {
    this.ui.placeholder.hidden = this.painter.painted >= 0;
    this.ui.canvas.dataset.playhead = String(this.playhead);
    this.ui.canvas.dataset.cache = `${this.frames.size}/${this.frames.capacity}`; // decoded frames kept / at most (benchmarks)
    setText(this.ui.frameLabel, frameText(this.painter.painted, this.count, this.times));
    this.timeline.state.playhead = this.shown();
    this.timeline.draw();
    this.hooks.moved();
  }

  private queueDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      this.timeline.draw();
    });
  }

  dispose(): void {
    this.shuttle.dispose();
    this.timeline.dispose();
    this.frames.dispose();
  }
}
