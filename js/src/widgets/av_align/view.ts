// AVAlignReview's layout and its timeline canvas: one time axis (the video's seconds) with a ruler,
// the strip of the frames along the visible span, and under it the recording's waveform drawn at
// video time = recording time + offset. Wheel zooms (Shift+wheel pans), both lanes together; a
// click on the ruler moves the playhead (drag it: pan); a click on the strip marks a frame, a click
// on the waveform marks a sound; a drag on the waveform moves the recording by whole frames.
import { h } from "../../lib/dom";
import { editorNav } from "../../lib/canvas_stage";
import { FrameCache, indexAtTime } from "../../lib/frames";
import { headerRow } from "../../lib/review";
import { StatusLine } from "../../lib/status";
import { TimeCanvas } from "../../lib/time_canvas";
import { TimeScale } from "../../lib/timeline";
import { drawSecondsRuler, drawWaveform, PeakCache } from "../../lib/waveform";
import { dragFrames } from "./model";

const RULER = 16;
const THUMBS = 44;
const WAVE = 96;
export const CANVAS_HEIGHT = RULER + THUMBS + WAVE;
const THUMB_PX = 56; // about one thumbnail this wide
const DRAG_PX = 3; // a press that moves less is a click (a mark)

export function alignLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();
  const frameBox = h("div", "hitl-avalign-frame");
  const frame = h("canvas", "hitl-avalign-frame-canvas");
  const placeholder = h("div", "hitl-muted hitl-avalign-placeholder", "loading frame…");
  frameBox.append(frame, placeholder);
  const frameLabel = h("div", "hitl-muted hitl-avalign-readout");
  const box = h("div", "hitl-avalign-timeline");
  const canvas = h("canvas", "hitl-avalign-canvas");
  box.append(canvas);
  const offset = h("div", "hitl-current hitl-avalign-offset");
  const proposal = h("div", "hitl-muted hitl-avalign-proposal");
  proposal.dir = "auto";
  const marks = h("div", "hitl-muted hitl-avalign-marks");
  const nav = editorNav();
  const status = new StatusLine();
  root.append(header, frameBox, frameLabel, box, offset, proposal, marks, nav.nav, status.node);
  return { title, position, progress, frame, placeholder, frameLabel, box, canvas, offset, proposal, marks, nav, status };
}

export type AlignUI = ReturnType<typeof alignLayout>;

export interface TimelineHooks {
  /** a click on the ruler at video time `t` */
  seek: (t: number) => void;
  /** a click on the frame strip: frame `f` */
  markFrame: (f: number) => void;
  /** a click on the waveform: a sound at recording time `r` */
  markAudio: (r: number) => void;
  /** a drag on the waveform released: move the recording by `frames` frames */
  dragged: (frames: number) => void;
  /** repaint (zoom, pan, a drag under way) */
  changed: () => void;
}

export interface TimelineState {
  offset: number; // seconds: video time = recording time + offset
  playhead: number; // video seconds
  audioMark: number | null; // recording seconds (pending, or the stored mark)
  frameMark: number | null;
}

/** The shared timeline: a scale in samples (at the recording's rate) over the video's time. */
export class AlignTimeline extends TimeCanvas {
  fps = 25;
  times: number[] = [];
  end = 1; // video length (s)
  audioSamples = 0;
  state: TimelineState = { offset: 0, playhead: 0, audioMark: null, frameMark: null };
  private press: { x: number; dragging: boolean; frames: number } | null = null;
  private panFrom: number | null = null;

  constructor(canvas: HTMLCanvasElement, readonly peaks: PeakCache, readonly frames: FrameCache, private readonly hooks: TimelineHooks) {
    super(canvas, CANVAS_HEIGHT, () => hooks.changed());
  }

  /** A new video (`times`, `end` s) and recording (`samples` at `rate`): the whole video in view. */
  setItem(times: number[], fps: number, end: number, samples: number, rate: number): void {
    this.times = times;
    this.fps = fps;
    this.end = end;
    this.rate = rate;
    this.audioSamples = samples;
    this.scale.count = Math.max(1, Math.ceil(end * rate));
    this.scale.fit();
    this.press = null;
  }

  secondsPerPx(): number {
    return this.scale.span / Math.max(1, this.scale.width) / this.rate;
  }

  tOf(x: number): number {
    return (this.scale.start + (x * this.scale.span) / this.scale.width) / this.rate;
  }

  /** The offset drawn: during a drag, the dragged one. */
  shownOffset(): number {
    return this.state.offset + (this.press?.dragging ? this.press.frames / this.fps : 0);
  }

  /** Zoom by `factor` at `anchorX` (default: the playhead). */
  override zoom(factor: number, anchorX = this.xOf(this.state.playhead)): void {
    super.zoom(factor, anchorX);
  }

  /** The frames whose thumbnails the strip shows: the frame on screen at each slot's middle. */
  thumbnailFrames(): number[] {
    const n = Math.max(1, Math.round(this.scale.width / THUMB_PX));
    const out: number[] = [];
    for (let k = 0; k < n; k++) out.push(indexAtTime(this.times, Math.max(0, this.tOf(((k + 0.5) * this.scale.width) / n))));
    return out;
  }

  draw(): void {
    const frame = this.begin();
    if (!frame) return;
    const { ctx, width, colour } = frame;
    const fg = colour("--hitl-fg", "#222");
    const muted = colour("--hitl-fg-muted", "#888");
    const accent = colour("--hitl-accent", "#1a73e8");
    const warn = colour("--hitl-warn", "#b26a00");
    drawSecondsRuler(ctx, (t) => this.xOf(t), this.tOf(0), this.secondsPerPx(), width, RULER, muted);
    this.strip(ctx, width, accent);
    // the recording, shifted: its sample s sits at video time s / rate + offset
    const offset = this.shownOffset();
    const wave = new TimeScale(Math.max(1, this.audioSamples), width);
    wave.start = this.scale.start - offset * this.rate;
    wave.span = this.scale.span;
    const x0 = this.xOf(offset);
    const x1 = this.xOf(offset + this.audioSamples / this.rate);
    ctx.fillStyle = colour("--hitl-bg", "#fff");
    ctx.fillRect(Math.max(0, x0), RULER + THUMBS, Math.min(width, x1) - Math.max(0, x0), WAVE);
    drawWaveform(ctx, wave, this.peaks, RULER + THUMBS, WAVE, this.press?.dragging ? accent : muted);
    if (this.state.audioMark !== null) {
      ctx.fillStyle = warn;
      ctx.fillRect(Math.round(this.xOf(this.state.audioMark + offset)) - 1, RULER + THUMBS, 2, WAVE);
    }
    ctx.fillStyle = fg;
    ctx.fillRect(Math.round(this.xOf(this.state.playhead)), 0, 1.5, CANVAS_HEIGHT);
  }

  private strip(ctx: CanvasRenderingContext2D, width: number, accent: string): void {
    const frames = this.thumbnailFrames();
    this.frames.ask(frames);
    const slot = width / frames.length;
    frames.forEach((f, k) => {
      const img = this.frames.peek(f);
      if (img) ctx.drawImage(img, k * slot + 1, RULER + 2, slot - 2, THUMBS - 4);
    });
    const m = this.state.frameMark;
    if (m !== null && this.times[m] !== undefined) {
      const a = this.xOf(this.times[m]);
      const b = this.xOf(this.times[m + 1] ?? this.end);
      ctx.strokeStyle = accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(a, RULER + 1, Math.max(2, b - a), THUMBS - 2);
      ctx.lineWidth = 1;
    }
  }

  /** What the browser tests read: the view in seconds and pixels, the lanes' tops. */
  protected expose(): void {
    const d = this.canvas.dataset;
    d.viewStartS = String(this.tOf(0));
    d.secondsPerPx = String(this.secondsPerPx());
    d.offset = String(this.shownOffset());
    d.playhead = String(this.state.playhead);
    d.stripTop = String(RULER);
    d.waveTop = String(RULER + THUMBS);
  }

  // ------------------------------------------------------------------ mouse
  protected down(e: MouseEvent): void {
    if (e.button !== 0) return;
    const { x, y } = this.pos(e);
    e.preventDefault();
    if (y < RULER) {
      this.panFrom = x;
      this.hooks.seek(Math.max(0, Math.min(this.end, this.tOf(x))));
    } else if (y < RULER + THUMBS) {
      this.hooks.markFrame(indexAtTime(this.times, Math.max(0, this.tOf(x))));
    } else {
      this.press = { x, dragging: false, frames: 0 };
    }
  }

  protected move(e: MouseEvent): void {
    const { x } = this.pos(e);
    if (this.panFrom !== null) {
      if (Math.abs(x - this.panFrom) > DRAG_PX) {
        this.scale.pan(this.panFrom - x);
        this.panFrom = x;
        this.hooks.changed();
      }
      return;
    }
    const p = this.press;
    if (!p) return;
    if (Math.abs(x - p.x) > DRAG_PX) p.dragging = true;
    if (p.dragging) {
      const frames = dragFrames(x - p.x, this.secondsPerPx(), this.fps);
      if (frames !== p.frames) {
        p.frames = frames;
        this.hooks.changed();
      }
    }
  }

  protected up(e: MouseEvent): void {
    this.panFrom = null;
    const p = this.press;
    if (!p) return;
    this.press = null;
    if (p.dragging) {
      if (p.frames) this.hooks.dragged(p.frames);
      else this.hooks.changed();
      return;
    }
    const r = this.tOf(this.pos(e).x) - this.state.offset;
    if (r >= 0 && r <= this.audioSamples / this.rate) this.hooks.markAudio(r);
  }
}
