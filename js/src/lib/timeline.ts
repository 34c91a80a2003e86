// A canvas timeline over the frames of one video: zoom from the whole video down to single frames
// (wheel, + / -), pan (Shift+wheel, or drag on the ruler), a ruler in seconds, the playhead, one
// lane per class with segments as bars in the class colour and proposals dashed, a thumbnail strip
// of decoded frames, click to seek, drag a segment's edge by whole frames. Only the segments in view
// are drawn (SegmentIndex: sorted starts + binary search), so 10,000 segments stay fluid.
import { classColour } from "./classes";

export const MIN_SPAN = 4; // frames visible at the closest zoom (each ~1/4 of the width)
const RULER = 18; // px
const THUMBS = 36; // px
const LANE = 16; // px
const EDGE_PX = 5; // grab distance of a segment edge

export interface TimelineSegment {
  id: string;
  cls: number; // index into the class list (its lane and colour)
  start: number; // inclusive frames
  end: number;
  proposal?: boolean;
}

/** Frame ↔ x on a timeline of `count` frames, `width` px wide, showing frames [start, start + span). */
export class TimeScale {
  start = 0;
  span: number;
  constructor(public count: number, public width: number) {
    this.span = Math.max(1, count);
  }

  /** x (px) of the left boundary of frame `f` (fractional frames allowed). */
  frameToX(f: number): number {
    return ((f - this.start) * this.width) / this.span;
  }

  /** The frame under x (px), clamped to the video. */
  xToFrame(x: number): number {
    return clampInt(Math.floor(this.start + (x * this.span) / this.width), 0, this.count - 1);
  }

  /** The frame boundary nearest x: 0..count (boundary b is the left edge of frame b). */
  xToBoundary(x: number): number {
    return clampInt(Math.round(this.start + (x * this.span) / this.width), 0, this.count);
  }

  /** Zoom by `factor` (>1: in) keeping the frame under `anchorX` where it is. */
  zoom(factor: number, anchorX = this.width / 2): void {
    const at = this.start + (anchorX * this.span) / this.width;
    this.span = Math.min(Math.max(1, this.count), Math.max(Math.min(MIN_SPAN, this.count), this.span / factor));
    this.start = at - (anchorX * this.span) / this.width;
    this.clamp();
  }

  /** Pan by `dx` px (positive: later frames come into view). */
  pan(dx: number): void {
    this.start += (dx * this.span) / this.width;
    this.clamp();
  }

  /** Scroll so that frame `f` is in view (paging by half a view when it leaves it). */
  follow(f: number): void {
    if (f < this.start || f + 1 > this.start + this.span) {
      this.start = f - this.span / 2;
      this.clamp();
    }
  }

  /** The whole video in view. */
  fit(): void {
    this.start = 0;
    this.span = Math.max(1, this.count);
  }

  private clamp(): void {
    this.start = Math.min(Math.max(0, this.start), Math.max(0, this.count - this.span));
  }
}

const clampInt = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** The new inclusive [start, end] of `seg` with its `edge` dragged to the frame boundary nearest x:
 *  whole frames only, at least one frame long, inside the video. */
export function dragEdge(seg: { start: number; end: number }, edge: "start" | "end", x: number, scale: TimeScale): { start: number; end: number } {
  const b = scale.xToBoundary(x);
  if (edge === "start") return { start: clampInt(b, 0, seg.end), end: seg.end };
  return { start: seg.start, end: clampInt(b - 1, seg.start, scale.count - 1) };
}

/** The first index in sorted `a` whose value is >= v. */
export function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Segments sorted by start, for finding those that meet a frame range in O(log n + visible). */
export class SegmentIndex<S extends { start: number; end: number }> {
  readonly sorted: S[];
  private readonly starts: Float64Array;
  private readonly longest: number;

  constructor(segments: readonly S[]) {
    this.sorted = [...segments].sort((a, b) => a.start - b.start || a.end - b.end);
    this.starts = Float64Array.from(this.sorted, (s) => s.start);
    this.longest = this.sorted.reduce((m, s) => Math.max(m, s.end - s.start), 0);
  }

  /** The segments with a frame in [lo, hi] (inclusive), in start order. */
  visible(lo: number, hi: number): S[] {
    const out: S[] = [];
    const from = lowerBound(this.starts, lo - this.longest);
    const to = lowerBound(this.starts, hi + 1);
    for (let k = from; k < to; k++) if (this.sorted[k].end >= lo) out.push(this.sorted[k]);
    return out;
  }

  /** The first segment starting after frame `f` (dir 1), or the last starting before it (-1). */
  neighbour(f: number, dir: 1 | -1): S | undefined {
    const k = dir > 0 ? lowerBound(this.starts, f + 1) : lowerBound(this.starts, f) - 1;
    return this.sorted[k];
  }
}

export interface TimelineHooks {
  seek: (frame: number) => void;
  select: (seg: TimelineSegment | null) => void;
  /** an edge drag ended: the segment's new inclusive edges */
  edgeDragged: (seg: TimelineSegment, start: number, end: number) => void;
  /** a frame's thumbnail, when decoded */
  thumbnail: (frame: number) => CanvasImageSource | undefined;
  /** the view changed (zoom / pan): e.g. ask for the thumbnails now in view */
  changed?: () => void;
}

export interface TimelineState {
  playhead: number;
  segments: SegmentIndex<TimelineSegment>;
  proposals: SegmentIndex<TimelineSegment>;
  lanes: number; // classes
  selected: string | null;
  pending: { start: number | null; end: number | null };
  shots: number[];
}

/** The timeline canvas and its pointer handling. */
export class Timeline {
  readonly canvas = document.createElement("canvas");
  readonly scale: TimeScale;
  state: TimelineState;
  private drag: { seg: TimelineSegment; edge: "start" | "end"; start: number; end: number } | null = null;
  private panFrom: number | null = null;
  private readonly off: Array<() => void> = [];

  constructor(private readonly hooks: TimelineHooks, count: number, width = 640) {
    this.canvas.className = "hitl-timeline";
    this.scale = new TimeScale(count, width);
    const empty = new SegmentIndex<TimelineSegment>([]);
    this.state = { playhead: 0, segments: empty, proposals: empty, lanes: 1, selected: null, pending: { start: null, end: null }, shots: [] };
    const on = <K extends keyof HTMLElementEventMap>(type: K, f: (e: HTMLElementEventMap[K]) => void, opts?: AddEventListenerOptions) => {
      this.canvas.addEventListener(type, f as EventListener, opts);
      this.off.push(() => this.canvas.removeEventListener(type, f as EventListener));
    };
    on("wheel", (e) => this.wheel(e), { passive: false });
    on("pointerdown", (e) => this.down(e));
    on("pointermove", (e) => this.move(e));
    on("pointerup", (e) => this.up(e));
  }

  /** Height in CSS px for `lanes` classes. */
  height(): number {
    return RULER + THUMBS + LANE * Math.max(1, this.state.lanes) + 4;
  }

  setVideo(count: number): void {
    this.scale.count = count;
    this.scale.fit();
  }

  zoom(factor: number): void {
    this.scale.zoom(factor, this.scale.frameToX(this.state.playhead + 0.5));
    this.hooks.changed?.();
  }

  private x(e: MouseEvent): number {
    const r = this.canvas.getBoundingClientRect();
    return ((e.clientX - r.left) * this.scale.width) / Math.max(1, r.width);
  }

  private y(e: MouseEvent): number {
    const r = this.canvas.getBoundingClientRect();
    return ((e.clientY - r.top) * this.height()) / Math.max(1, r.height);
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) this.scale.pan(e.shiftKey ? e.deltaY : e.deltaX);
    else this.scale.zoom(e.deltaY < 0 ? 1.25 : 0.8, this.x(e));
    this.hooks.changed?.();
    this.draw();
  }

  /** The segment (or proposal) bar under (x, y), and which edge is within reach. */
  hit(x: number, y: number): { seg: TimelineSegment; edge: "start" | "end" | null } | null {
    if (y < RULER + THUMBS) return null;
    const lane = Math.floor((y - RULER - THUMBS) / LANE);
    const f = this.scale.start + (x * this.scale.span) / this.scale.width;
    const near = (seg: TimelineSegment) => {
      const xs = this.scale.frameToX(seg.start);
      const xe = this.scale.frameToX(seg.end + 1);
      if (Math.abs(x - xs) <= EDGE_PX) return "start" as const;
      if (Math.abs(x - xe) <= EDGE_PX) return "end" as const;
      return null;
    };
    const slack = (EDGE_PX * this.scale.span) / this.scale.width;
    for (const index of [this.state.segments, this.state.proposals]) {
      for (const seg of index.visible(Math.floor(f - slack), Math.ceil(f + slack))) {
        if (seg.cls !== lane) continue;
        const edge = near(seg);
        if (edge || (f >= seg.start && f < seg.end + 1)) return { seg, edge };
      }
    }
    return null;
  }

  private down(e: PointerEvent): void {
    const x = this.x(e);
    const y = this.y(e);
    if (y < RULER) {
      this.panFrom = x;
      this.canvas.setPointerCapture?.(e.pointerId);
      return;
    }
    const hit = this.hit(x, y);
    if (hit && hit.edge && !hit.seg.proposal) {
      this.drag = { seg: hit.seg, edge: hit.edge, start: hit.seg.start, end: hit.seg.end };
      this.hooks.select(hit.seg);
      this.canvas.setPointerCapture?.(e.pointerId);
      return;
    }
    this.hooks.select(hit ? hit.seg : null);
    this.hooks.seek(this.scale.xToFrame(x));
  }

  private move(e: PointerEvent): void {
    const x = this.x(e);
    if (this.panFrom !== null) {
      this.scale.pan(this.panFrom - x);
      this.panFrom = x;
      this.hooks.changed?.();
      this.draw();
      return;
    }
    if (this.drag) {
      Object.assign(this.drag, dragEdge(this.drag.seg, this.drag.edge, x, this.scale));
      this.draw();
      return;
    }
    const hit = this.hit(x, this.y(e));
    this.canvas.style.cursor = hit?.edge && !hit.seg.proposal ? "ew-resize" : "pointer";
  }

  private up(e: PointerEvent): void {
    this.panFrom = null;
    const d = this.drag;
    this.drag = null;
    this.canvas.releasePointerCapture?.(e.pointerId);
    if (d && (d.start !== d.seg.start || d.end !== d.seg.end)) this.hooks.edgeDragged(d.seg, d.start, d.end);
    this.draw();
  }

  /** Frames whose thumbnails the strip shows now (about one per 48 px). */
  thumbnailFrames(): number[] {
    const n = Math.max(1, Math.floor(this.scale.width / 48));
    const out = new Set<number>();
    for (let k = 0; k < n; k++) out.add(this.scale.xToFrame(((k + 0.5) * this.scale.width) / n));
    return [...out];
  }

  /** Paint the whole timeline (cheap: only what is in view). */
  draw(): void {
    const dpr = typeof window !== "undefined" ? window.devicePixelRatio || 1 : 1;
    const cssW = this.canvas.clientWidth || this.scale.width;
    if (cssW !== this.scale.width) this.scale.width = cssW;
    const w = this.scale.width;
    const hgt = this.height();
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(hgt * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(hgt * dpr);
      this.canvas.style.height = `${hgt}px`;
    }
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const style = getComputedStyle(this.canvas);
    const fg = style.getPropertyValue("--hitl-fg").trim() || "#222";
    const muted = style.getPropertyValue("--hitl-fg-muted").trim() || "#888";
    ctx.clearRect(0, 0, w, hgt);
    this.drawRuler(ctx, fg, muted);
    this.drawThumbs(ctx);
    this.drawLanes(ctx, fg);
    const px = this.scale.frameToX(this.state.playhead);
    const pw = Math.max(1, this.scale.frameToX(this.state.playhead + 1) - px);
    ctx.fillStyle = "rgba(255, 0, 0, 0.25)";
    ctx.fillRect(px, 0, pw, hgt);
    ctx.fillStyle = "#d00";
    ctx.fillRect(px, 0, 1.5, hgt);
  }

  private drawRuler(ctx: CanvasRenderingContext2D, fg: string, muted: string): void {
    const { start, span, width } = this.scale;
    const perTick = niceStep(span / Math.max(1, width / 80));
    ctx.fillStyle = muted;
    ctx.font = "10px sans-serif";
    ctx.textBaseline = "top";
    for (let f = Math.ceil(start / perTick) * perTick; f <= start + span; f += perTick) {
      const x = this.scale.frameToX(f);
      ctx.fillRect(x, 10, 1, RULER - 10);
      ctx.fillText(String(f), x + 2, 0);
    }
    ctx.fillStyle = fg;
    for (const cut of this.state.shots) {
      const x = this.scale.frameToX(cut);
      if (x >= 0 && x <= width) ctx.fillRect(x, RULER, 1, THUMBS);
    }
  }

  private drawThumbs(ctx: CanvasRenderingContext2D): void {
    const frames = this.thumbnailFrames();
    const slot = this.scale.width / Math.max(1, frames.length);
    frames.forEach((f, k) => {
      const img = this.hooks.thumbnail(f);
      if (img) ctx.drawImage(img, k * slot + 1, RULER + 2, slot - 2, THUMBS - 4);
    });
  }

  private drawLanes(ctx: CanvasRenderingContext2D, fg: string): void {
    const lo = Math.floor(this.scale.start);
    const hi = Math.ceil(this.scale.start + this.scale.span);
    const top = RULER + THUMBS;
    const bar = (seg: TimelineSegment, s: number, e: number) => {
      const x0 = Math.max(-2, this.scale.frameToX(s));
      const x1 = Math.min(this.scale.width + 2, this.scale.frameToX(e + 1));
      const y = top + seg.cls * LANE + 2;
      ctx.fillStyle = classColour(seg.cls);
      if (seg.proposal) {
        ctx.globalAlpha = 0.25;
        ctx.fillRect(x0, y, Math.max(1, x1 - x0), LANE - 4);
        ctx.globalAlpha = 1;
        ctx.setLineDash([4, 3]);
        ctx.strokeStyle = classColour(seg.cls);
        ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(1, x1 - x0 - 1), LANE - 5);
        ctx.setLineDash([]);
      } else {
        ctx.fillRect(x0, y, Math.max(1, x1 - x0), LANE - 4);
      }
      if (seg.id === this.state.selected) {
        ctx.strokeStyle = fg;
        ctx.lineWidth = 2;
        ctx.strokeRect(x0 + 1, y - 1, Math.max(1, x1 - x0 - 2), LANE - 2);
        ctx.lineWidth = 1;
      }
    };
    for (const p of this.state.proposals.visible(lo, hi)) bar(p, p.start, p.end);
    for (const s of this.state.segments.visible(lo, hi)) {
      const d = this.drag && this.drag.seg.id === s.id ? this.drag : s;
      bar(s, d.start, d.end);
    }
    const { start, end } = this.state.pending;
    if (start !== null || end !== null) {
      ctx.fillStyle = fg;
      for (const f of [start, end]) if (f !== null) ctx.fillRect(this.scale.frameToX(f === end ? f + 1 : f) - 1, top, 2, hgt(this.state.lanes));
    }
  }

  dispose(): void {
    for (const off of this.off) off();
  }
}

const hgt = (lanes: number) => LANE * Math.max(1, lanes);

/** A tick step of 1, 2 or 5 × 10^k frames, at least `raw`. */
export function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
