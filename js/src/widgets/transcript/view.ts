// TranscriptReview's layout and its canvas: a ruler in seconds, the waveform (lib/waveform.ts), and
// the words laid under it at their times (coloured by confidence, from the theme's colours), the
// playhead, the selected word and boundary. Mouse: drag a boundary (a word's edge, in the waveform
// or the word lane) to retime it; click a word to select it and play from it; click the waveform to
// move the playhead; wheel zooms, Shift+wheel pans. Text is drawn with fillText or set with
// textContent, never parsed as HTML.
import { h, setText } from "../../lib/dom";
import { editorNav } from "../../lib/canvas_stage";
import { headerRow } from "../../lib/review";
import { StatusLine } from "../../lib/status";
import { TimeCanvas } from "../../lib/time_canvas";
import { drawSecondsRuler, drawWaveform, PeakCache } from "../../lib/waveform";
import { WindowedList } from "../../lib/windowed";
import { boundaryNear, confidenceClass, Edge, movedEdge, Word } from "./model";

const RULER = 16;
const WAVE = 110;
const LANE = 30;
export const CANVAS_HEIGHT = RULER + WAVE + LANE;
const GRAB_PX = 5;
const MIN_LABEL_PX = 8; // narrower word boxes get no label on the canvas
const INITIAL_VIEW_S = 12;
const WORD_PAD_PX = 6; // .hitl-transcript-word's horizontal padding (transcript.css)

export function transcriptLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();
  const box = h("div", "hitl-transcript-wave");
  const canvas = h("canvas", "hitl-transcript-canvas");
  box.append(canvas);
  const readout = h("div", "hitl-muted hitl-transcript-readout");
  const text = h("div", "hitl-literal hitl-transcript-text");
  text.dir = "auto";
  const editor = h("div", "hitl-row hitl-transcript-editor");
  const input = h("input", "hitl-transcript-input");
  input.type = "text";
  input.spellcheck = false;
  editor.append(h("span", "hitl-muted", "word: "), input, h("span", "hitl-muted", " Enter saves, Escape cancels"));
  editor.hidden = true;
  const verdict = h("div", "hitl-current");
  const nav = editorNav();
  const status = new StatusLine();
  root.append(header, box, readout, text, editor, verdict, nav.nav, status.node);
  return { title, position, progress, box, canvas, readout, text, editor, input, verdict, nav, status };
}

export type TranscriptUI = ReturnType<typeof transcriptLayout>;

export interface WaveHooks {
  /** the word index under a click in the word lane (play from it) */
  clickWord: (k: number) => void;
  /** a click on the waveform at `t` seconds */
  seek: (t: number) => void;
  /** a boundary grabbed: its word and edge become the selection */
  grab: (k: number, edge: Edge) => void;
  /** a boundary dragged to a new place (released) */
  dragged: (k: number, edge: Edge, start: number, end: number) => void;
  /** the view changed (zoom / pan): repaint */
  changed: () => void;
}

export interface WaveState {
  words: Word[];
  selected: number; // word index, -1: none
  edge: Edge;
  playhead: number; // seconds
  playing: number; // word index playing, -1
}

/** The canvas: scale in samples, drawing, and the mouse. */
export class WaveView extends TimeCanvas {
  duration = 0;
  state: WaveState = { words: [], selected: -1, edge: "start", playhead: 0, playing: -1 };
  private drag: { k: number; edge: Edge; start: number; end: number } | null = null;

  constructor(canvas: HTMLCanvasElement, readonly peaks: PeakCache, private readonly hooks: WaveHooks) {
    super(canvas, CANVAS_HEIGHT, () => hooks.changed());
  }

  /** A new recording: the first INITIAL_VIEW_S seconds in view. */
  setRecording(n: number, rate: number, duration: number): void {
    this.rate = rate;
    this.duration = duration;
    this.scale.count = Math.max(1, n);
    this.scale.start = 0;
    this.scale.span = Math.max(1, Math.min(n, INITIAL_VIEW_S * rate));
    this.drag = null;
  }

  /** Seconds per CSS pixel at the current zoom (one waveform pixel). */
  secondsPerPx(): number {
    return this.scale.span / this.scale.width / this.rate;
  }

  tOf(x: number): number {
    return Math.max(0, Math.min(this.duration, (this.scale.start + (x * this.scale.span) / this.scale.width) / this.rate));
  }

  /** The words as drawn: a word being dragged at its dragged place. */
  private words(): Word[] {
    const d = this.drag;
    if (!d) return this.state.words;
    return this.state.words.map((w, i) => (i === d.k ? { ...w, start: d.start, end: d.end } : w));
  }

  draw(): void {
    const frame = this.begin();
    if (!frame) return;
    const { ctx, width, colour } = frame;
    const fg = colour("--hitl-fg", "#222");
    const muted = colour("--hitl-fg-muted", "#888");
    const accent = colour("--hitl-accent", "#1a73e8");
    this.ruler(ctx, width, muted);
    drawWaveform(ctx, this.scale, this.peaks, RULER, WAVE, muted);
    const fills = { low: colour("--hitl-error", "#c62828"), mid: colour("--hitl-warn", "#b26a00"),
      high: colour("--hitl-ok", "#2e7d32"), human: accent };
    this.lane(ctx, width, fills, fg, accent);
    const x = this.xOf(this.state.playhead);
    ctx.fillStyle = fg;
    ctx.fillRect(Math.round(x), 0, 1.5, CANVAS_HEIGHT);
  }

  private ruler(ctx: CanvasRenderingContext2D, width: number, muted: string): void {
    drawSecondsRuler(ctx, (t) => this.xOf(t), this.tOf(0), this.secondsPerPx(), width, RULER, muted);
  }

  private lane(ctx: CanvasRenderingContext2D, width: number, fills: Record<string, string>, fg: string, accent: string): void {
    const top = RULER + WAVE;
    const words = this.words();
    ctx.font = "12px sans-serif";
    ctx.textBaseline = "middle";
    // words are in time order and never overlap: start at the first one that ends in view, stop after the view
    let lo = 0;
    let hi = words.length;
    const t0 = this.tOf(0);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (words[mid].end < t0) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < words.length; k++) {
      const w = words[k];
      const x0 = this.xOf(w.start);
      const x1 = this.xOf(w.end);
      if (x0 > width) break;
      ctx.globalAlpha = k === this.state.playing ? 0.55 : 0.25;
      ctx.fillStyle = fills[confidenceClass(w)];
      ctx.fillRect(x0, top + 2, Math.max(1, x1 - x0), LANE - 4);
      ctx.globalAlpha = 0.12;
      ctx.fillRect(x0, RULER, Math.max(1, x1 - x0), WAVE); // the word's span over the waveform
      ctx.globalAlpha = 1;
      if (x1 - x0 >= MIN_LABEL_PX) { // no legible label fits a narrower box: the text under the canvas has it
        ctx.save();
        ctx.beginPath();
        ctx.rect(x0, top, Math.max(0, x1 - x0), LANE);
        ctx.clip();
        ctx.fillStyle = fg;
        ctx.fillText(w.flag ? `${w.text} (${w.flag})` : w.text, x0 + 3, top + LANE / 2);
        ctx.restore();
      }
      if (k === this.state.selected) {
        ctx.strokeStyle = accent;
        ctx.lineWidth = 2;
        ctx.strokeRect(x0, top + 1, Math.max(1, x1 - x0), LANE - 2);
        ctx.fillStyle = accent;
        ctx.fillRect((this.state.edge === "start" ? x0 : x1) - 1.5, RULER, 3, WAVE + LANE); // the boundary Alt+arrows move
      }
    }
  }

  /** What the browser tests read: the view in seconds and pixels. */
  protected expose(): void {
    const d = this.canvas.dataset;
    d.viewStartS = String(this.scale.start / this.rate);
    d.secondsPerPx = String(this.secondsPerPx());
    d.playhead = String(this.state.playhead);
    d.laneTop = String(RULER + WAVE);
  }

  // ------------------------------------------------------------------ mouse
  protected down(e: MouseEvent): void {
    if (e.button !== 0) return;
    const { x, y } = this.pos(e);
    const t = this.tOf(x);
    const near = boundaryNear(this.state.words, t, GRAB_PX * this.secondsPerPx());
    if (near && y >= RULER) {
      const w = this.state.words[near.index];
      this.drag = { k: near.index, edge: near.edge, start: w.start, end: w.end };
      this.state.selected = near.index;
      this.state.edge = near.edge;
      this.hooks.grab(near.index, near.edge);
      e.preventDefault();
      this.hooks.changed();
      return;
    }
    if (y >= RULER + WAVE) {
      const k = this.state.words.findIndex((w) => w.start <= t && t < w.end);
      if (k >= 0) this.hooks.clickWord(k);
      return;
    }
    this.hooks.seek(t);
  }

  protected move(e: MouseEvent): void {
    const d = this.drag;
    if (!d) return;
    const moved = movedEdge(this.state.words, d.k, d.edge, this.tOf(this.pos(e).x), this.duration);
    d.start = moved.start;
    d.end = moved.end;
    this.hooks.changed();
  }

  protected up(): void {
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    const w = this.state.words[d.k];
    if (w && (w.start !== d.start || w.end !== d.end)) this.hooks.dragged(d.k, d.edge, d.start, d.end);
    else this.hooks.changed();
  }
}

/** The utterance's words as text, each in its own span (textContent), the selected and the playing
 *  one marked; a click selects a word and plays from it. Windowed (lib/windowed.ts): only the lines
 *  in view of the text box are DOM nodes; the box scrolls to the selected word and to the playing
 *  one when they change. The lines are laid out again only when the words change. */
export class TextView {
  private words: readonly Word[] | null = null;
  private selected = -1;
  private playing = -1;
  private readonly list: WindowedList;

  /** `viewed`: the words in view changed (scrolled, laid out again). */
  constructor(private readonly node: HTMLElement, private readonly click: (k: number) => void, private readonly viewed: () => void = () => {}) {
    this.list = new WindowedList(node, {
      render: (k) => this.span(k),
      text: (k) => this.words?.[k]?.text ?? "",
      pad: WORD_PAD_PX,
      rendered: () => {
        this.mark();
        this.viewed();
      },
    });
    node.addEventListener("click", (e) => {
      const span = e.target instanceof Element ? e.target.closest<HTMLElement>(".hitl-transcript-word") : null;
      if (span && node.contains(span) && span.dataset.index !== undefined) this.click(Number(span.dataset.index));
    });
  }

  paint(words: readonly Word[], selected: number, playing: number): void {
    const changed = words !== this.words;
    if (changed) {
      this.words = words;
      this.list.setItems(words.length);
    }
    const moved = selected !== this.selected || playing !== this.playing;
    if (selected !== this.selected && selected >= 0) this.list.show(selected);
    if (playing !== this.playing && playing >= 0) this.list.show(playing);
    this.selected = selected;
    this.playing = playing;
    if (moved || changed) this.mark();
  }

  /** The words [first, end) on the lines in view. */
  inView(): [number, number] {
    return this.words ? this.list.inView() : [0, 0];
  }

  private span(k: number): HTMLElement {
    const w = (this.words ?? [])[k];
    const s = h("span", `hitl-transcript-word hitl-conf-${confidenceClass(w)}`);
    setText(s, w.text);
    s.dataset.index = String(k);
    if (w.flag) s.dataset.flag = w.flag;
    return s;
  }

  /** The selected and playing marks on the rendered words. */
  private mark(): void {
    for (const [k, s] of this.list.each()) {
      s.classList.toggle("hitl-selected", k === this.selected);
      s.classList.toggle("hitl-playing", k === this.playing);
    }
  }

  /** Show `message` instead of words (loading, the end). */
  say(message: string): void {
    this.words = null;
    this.selected = this.playing = -1;
    this.list.showInstead(message);
  }

  dispose(): void {
    this.list.dispose();
  }
}
