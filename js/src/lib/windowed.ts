// A long run of inline items (the words of a transcript) in a scrolling box, windowed: the items are
// laid into lines by their measured widths (wrapLines), and only the lines in view, plus a few
// above and below (visibleLines), are DOM nodes; a sizer gives the box the scroll height of all
// of them. 7,200 words cost ~15 line elements instead of 14,400 nodes to insert, style and lay out.
//
// Example:
//   const list = new WindowedList(box, { render: (k) => span(k), text: (k) => words[k].text, pad: 6 });
//   list.setItems(words.length);   // lays out, renders the lines in view
//   list.show(k);                  // scrolls the box (never the page) so that item k is in view
//   list.rendered(k);              // its element, when it is in the DOM

import "./windowed.css";

/** Start index of each line when items of `widths` (px, each with its own padding) are laid left
 *  to right with `gap` px between neighbours, wrapping before an item that would pass `maxWidth`;
 *  an item wider than a line gets a line of its own. Example: wrapLines([40, 40, 40], 10, 100) → [0, 2]. */
export function wrapLines(widths: ArrayLike<number>, gap: number, maxWidth: number): number[] {
  const starts: number[] = [];
  let x = 0;
  for (let k = 0; k < widths.length; k++) {
    const w = widths[k];
    if (k === 0 || x + gap + w > maxWidth) {
      starts.push(k);
      x = w;
    } else {
      x += gap + w;
    }
  }
  return starts;
}

/** The line holding item `k` (`starts` from wrapLines; 0 when there are none). */
export function lineOf(starts: readonly number[], k: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= k) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/** The lines [first, end) to render for a box scrolled to `scrollTop` showing `viewHeight` px of
 *  `nLines` lines `lineHeight` px tall, with `overscan` more lines either side. */
export function visibleLines(scrollTop: number, viewHeight: number, lineHeight: number, nLines: number, overscan = 3): [number, number] {
  if (nLines <= 0 || !(lineHeight > 0)) return [0, 0];
  const first = Math.max(0, Math.floor(scrollTop / lineHeight) - overscan);
  const end = Math.min(nLines, Math.ceil((scrollTop + Math.max(viewHeight, lineHeight)) / lineHeight) + overscan);
  return [Math.min(first, end), end];
}

/** The scrollTop that brings line `line` fully into a view `viewHeight` px tall scrolled to
 *  `scrollTop` (the least move), or null when it is in view already. */
export function scrollToShow(line: number, lineHeight: number, scrollTop: number, viewHeight: number): number | null {
  const top = line * lineHeight;
  const bottom = top + lineHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewHeight) return Math.max(0, bottom - viewHeight);
  return null;
}

export interface WindowedParts {
  /** the element of item `k` (made when its line comes into view) */
  render: (k: number) => HTMLElement;
  /** item `k`'s text, measured in the box's font to lay the lines */
  text: (k: number) => string;
  /** px each item's element adds to its text's width (padding, borders) */
  pad: number;
  /** called after lines were (re)rendered: new elements may need marks */
  rendered?: () => void;
}

/** The box's font for measuring: canvas measureText where there is a canvas, else ~0.6 em a character. */
function measurer(box: HTMLElement): (text: string) => number {
  const css = getComputedStyle(box);
  const size = parseFloat(css.fontSize) || 13;
  const ctx = typeof document !== "undefined" ? document.createElement("canvas").getContext?.("2d") : null;
  if (!ctx || typeof ctx.measureText !== "function") return (text) => text.length * size * 0.6;
  ctx.font = `${css.fontStyle || "normal"} ${css.fontWeight || "400"} ${css.fontSize || "13px"} ${css.fontFamily || "sans-serif"}`;
  const cache = new Map<string, number>();
  return (text) => {
    let w = cache.get(text);
    if (w === undefined) {
      w = ctx.measureText(text).width;
      cache.set(text, w);
    }
    return w;
  };
}

const SAFETY_PX = 8; // measured widths may fall short of the rendered ones by a little (rounding, kerning)

export class WindowedList {
  private n = 0;
  private starts: number[] = [];
  private lineHeight = 24;
  private laidWidth = -1;
  private first = 0;
  private end = 0;
  private readonly elements = new Map<number, HTMLElement>();
  private readonly sizer: HTMLDivElement;
  private readonly layer: HTMLDivElement;
  private measure: ((text: string) => number) | null = null;
  private queued = 0;
  private readonly onScroll = () => {
    if (this.queued) return;
    this.queued = requestAnimationFrame(() => {
      this.queued = 0;
      this.renderWindow();
    });
  };
  private readonly resize: ResizeObserver | null;

  constructor(private readonly box: HTMLElement, private readonly parts: WindowedParts) {
    this.box.style.position = "relative";
    this.sizer = document.createElement("div");
    this.sizer.className = "hitl-windowed-sizer";
    this.layer = document.createElement("div");
    this.layer.className = "hitl-windowed-layer";
    this.box.addEventListener("scroll", this.onScroll);
    this.resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => {
      if (this.n && this.box.clientWidth > 0 && this.box.clientWidth !== this.laidWidth) {
        this.measure = null; // laid out before the box was in the page: its font may not have been known
        this.layout();
      }
    });
    this.resize?.observe(this.box);
  }

  /** Show items 0..n-1 (their texts may have changed: measured again), keeping the scroll position. */
  setItems(n: number): void {
    this.n = n;
    if (this.sizer.parentNode !== this.box || this.layer.parentNode !== this.box) this.box.replaceChildren(this.sizer, this.layer);
    this.measure = null; // the font may have changed with the theme
    this.layout();
  }

  /** Show `nodes` instead of the items (a message). */
  showInstead(...nodes: Array<Node | string>): void {
    this.n = 0;
    this.starts = [];
    this.elements.clear();
    this.first = this.end = 0;
    this.box.replaceChildren(...nodes);
  }

  /** Item `k`'s element when its line is rendered. */
  rendered(k: number): HTMLElement | undefined {
    return this.elements.get(k);
  }

  /** Every rendered item: [index, element]. */
  each(): IterableIterator<[number, HTMLElement]> {
    return this.elements.entries();
  }

  /** Scroll the box (not the page) so that item `k` is in view, and render it. */
  show(k: number): void {
    if (k < 0 || k >= this.n) return;
    const to = scrollToShow(lineOf(this.starts, k), this.lineHeight, this.box.scrollTop, this.box.clientHeight || this.lineHeight);
    if (to !== null) this.box.scrollTop = to;
    this.renderWindow();
  }

  /** The items on the lines in view now: [first, end). */
  inView(): [number, number] {
    const [a, b] = visibleLines(this.box.scrollTop, this.box.clientHeight, this.lineHeight, this.starts.length, 0);
    return a >= b ? [0, 0] : [this.starts[a], b < this.starts.length ? this.starts[b] : this.n];
  }

  private layout(): void {
    const css = getComputedStyle(this.box);
    this.lineHeight = parseFloat(css.lineHeight) || (parseFloat(css.fontSize) || 13) * 1.9;
    const measure = this.measure ?? measurer(this.box);
    if (this.box.isConnected) this.measure = measure; // a box out of the page has no font yet: measured again
    const width = this.box.clientWidth;
    this.laidWidth = width;
    const widths = new Float64Array(this.n);
    for (let k = 0; k < this.n; k++) widths[k] = measure(this.parts.text(k)) + this.parts.pad;
    this.starts = wrapLines(widths, measure(" "), Math.max(100, (width || 600) - SAFETY_PX));
    this.sizer.style.height = `${this.starts.length * this.lineHeight}px`;
    this.first = this.end = 0; // every line is made again
    this.renderWindow();
  }

  private renderWindow(): void {
    const [first, end] = visibleLines(this.box.scrollTop, this.box.clientHeight, this.lineHeight, this.starts.length);
    if (first === this.first && end === this.end && this.layer.childNodes.length) return;
    this.first = first;
    this.end = end;
    this.elements.clear();
    const lines: HTMLElement[] = [];
    for (let line = first; line < end; line++) {
      const div = document.createElement("div");
      div.className = "hitl-windowed-line";
      div.style.top = `${line * this.lineHeight}px`;
      div.style.height = `${this.lineHeight}px`;
      const last = line + 1 < this.starts.length ? this.starts[line + 1] : this.n;
      for (let k = this.starts[line]; k < last; k++) {
        const el = this.parts.render(k);
        this.elements.set(k, el);
        if (k > this.starts[line]) div.append(" ");
        div.append(el);
      }
      lines.push(div);
    }
    this.layer.replaceChildren(...lines);
    this.parts.rendered?.();
  }

  dispose(): void {
    this.box.removeEventListener("scroll", this.onScroll);
    cancelAnimationFrame(this.queued);
    this.resize?.disconnect();
  }
}
