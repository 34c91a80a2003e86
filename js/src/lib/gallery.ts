// A virtualised thumbnail grid over the ItemCache, painted into ONE canvas per screen: the tiles in
// view are drawn into a canvas that stays at the top of the scrolling box (position: sticky) while
// an empty spacer gives the box its scroll height. No element per tile: a gallery of thousands of
// items costs the page one canvas, and opening a new set of items repaints that canvas instead of
// building, laying out and compositing a screen of tile canvases. Clicks and hover are hit-tested
// from coordinates (tileAt); the selection moves by keys (handleKey). Images are the ItemCache's
// decoded images (ImageBitmaps: decoded once, kept in the cache), drawn at the device pixel ratio;
// a large image is scaled down once per tile size and kept. Redrawn on scroll, resize, theme,
// selection, hover and when items arrive, never otherwise.
//
// Accessibility: the canvas is aria-hidden; beside it a visually hidden listbox holds one option
// per tile in the window (caption and text via textContent / setParts, aria-selected, the
// selected one named by aria-activedescendant; data-x / data-y / data-size: where the tile is
// painted in the canvas now, for automation), and a polite live region says the selected tile
// ("item 3 / 40: cat · pred dog") when the selection moves. Captions and texts from data are drawn
// with fillText only; data pieces of a caption are wrapped in Unicode isolates (FSI … PDI), the
// canvas counterpart of setParts' <bdi>.
import "./gallery.css";
import { h, labelText, Part, setParts, setText } from "./dom";
import { hex, onThemeChange, themeColour } from "./contrast";
import { gridMove } from "./grid";
import { ItemCache, ItemId, ItemInfo, itemKey } from "./items";
import { Binary, fitSize, toBytes } from "./media";

export interface GalleryOptions {
  /** thumbnail size in CSS pixels */
  thumb: number;
  /** height of the scrolling viewport in CSS pixels */
  height: number;
  /** columns when the gallery has no layout width (e.g. in tests) */
  columns?: number;
  /** a tile's caption: plain text, or parts whose data pieces are isolated (setParts) */
  caption: (id: ItemId, item: ItemInfo | undefined) => string | Part[];
  /** extra classes per tile, among TILE_STYLES' (e.g. "hitl-changed"); also set on the tile's option */
  tileClass?: (id: ItemId, item: ItemInfo | undefined) => string;
  onSelect?: (index: number) => void;
  /** every tile in view has its image drawn (or its text / error shown) */
  onPainted?: (count: number) => void;
}

export const GAP = 6;
export const CAPTION = 18;
const BORDER = 2; // the selection / hover frame inside a tile's square
const PUSH_GRACE_MS = 3000;

/** How a tile class draws its caption: a theme colour, bold, struck through. */
export const TILE_STYLES: Record<string, { colour: string; bold?: boolean; strike?: boolean }> = {
  "hitl-changed": { colour: "--hitl-ok", bold: true },
  "hitl-pending": { colour: "--hitl-warn" },
  "hitl-dropped": { colour: "--hitl-error", strike: true },
};

export interface TileLayout {
  columns: number;
  size: number;
}

/** Columns and tile size for `width` pixels: as many `thumb` columns as fit, each tile then
 *  widened to share the row (at most 2 x thumb); `fallbackColumns` when there is no width yet. */
export function tileLayout(width: number, thumb: number, fallbackColumns = 8): TileLayout {
  if (!width) return { columns: Math.max(1, fallbackColumns), size: thumb };
  const columns = Math.max(1, Math.floor((width - GAP) / (thumb + GAP)));
  const size = Math.max(thumb, Math.min(2 * thumb, Math.floor((width - GAP) / columns) - GAP));
  return { columns, size };
}

/** A row's height: the tile's square, its caption and the gap. */
export const rowHeight = (layout: TileLayout): number => layout.size + CAPTION + GAP;

/** Where tile `index` lies in the gallery's content (CSS pixels from the top left of the whole
 *  scrolled content): its square of `size` at (x, y), its caption below, `h` in all. */
export function tileRect(index: number, layout: TileLayout): { x: number; y: number; w: number; h: number } {
  const col = index % layout.columns;
  const row = Math.floor(index / layout.columns);
  return { x: col * (layout.size + GAP) + GAP, y: row * rowHeight(layout) + GAP, w: layout.size, h: layout.size + CAPTION };
}

/** The tile under the content point (x, y) of a gallery of `n` items, or -1 (a gap between
 *  tiles, the margin, the empty end of the last row). */
export function tileAt(x: number, y: number, layout: TileLayout, n: number): number {
  const cellW = layout.size + GAP;
  const cellH = rowHeight(layout);
  if (x < GAP || y < GAP) return -1;
  const col = Math.floor((x - GAP) / cellW);
  const row = Math.floor((y - GAP) / cellH);
  if (col >= layout.columns) return -1;
  if (x - GAP - col * cellW >= layout.size || y - GAP - row * cellH >= layout.size + CAPTION) return -1;
  const index = row * layout.columns + col;
  return index < n ? index : -1;
}

/** The rows that hold the tiles of a window: those in view at `scrollTop`, plus one above and one
 *  below (what the gallery keeps fetched and lists for assistive technology). */
export function windowRows(scrollTop: number, viewHeight: number, layout: TileLayout, n: number): { first: number; last: number } {
  const cellH = rowHeight(layout);
  const rows = Math.ceil(n / layout.columns);
  const first = Math.max(0, Math.floor(scrollTop / cellH) - 1);
  const last = Math.min(rows - 1, Math.ceil((scrollTop + viewHeight) / cellH));
  return { first, last };
}

const FSI = "\u2068";
const PDI = "\u2069";

/** A caption as one line of canvas text: each data piece between Unicode isolates (what setParts'
 *  <bdi> does in the DOM), so a right-to-left label cannot reorder the words around it. */
export function captionText(caption: string | Part[]): string {
  if (typeof caption === "string") return caption;
  return caption.map((p) => (typeof p === "string" ? p : `${FSI}${labelText(p.data)}${PDI}`)).join("");
}

interface Measure {
  measureText(text: string): { width: number };
}

/** `text` cut to fit `width` with an ellipsis (longest prefix that fits, by bisection). */
export function fitText(ctx: Measure, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return lo ? `${text.slice(0, lo)}…` : "";
}

/** `text` broken into at most `maxLines` lines of `width` (at spaces, else anywhere), the last
 *  one cut with an ellipsis when text is left over. */
export function wrapText(ctx: Measure, text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = text.replace(/\s+/g, " ").trim();
  while (rest && lines.length < maxLines) {
    if (lines.length === maxLines - 1 || ctx.measureText(rest).width <= width) {
      lines.push(fitText(ctx, rest, width));
      break;
    }
    let end = rest.length;
    while (end > 1 && ctx.measureText(rest.slice(0, end)).width > width) end = Math.floor(end * 0.8);
    while (end < rest.length && ctx.measureText(rest.slice(0, end + 1)).width <= width) end++;
    const space = rest.lastIndexOf(" ", end);
    const cut = space > 0 && end < rest.length ? space : end;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  return lines;
}

type Drawable = CanvasImageSource & { width: number; height: number };

interface Colours {
  fg: string;
  muted: string;
  bg: string;
  border: string;
  accent: string;
  vars: Record<string, string>;
  font: string;
  fontPx: number;
}

let galleries = 0;

export class Gallery {
  readonly node: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly spacer: HTMLDivElement;
  private readonly list: HTMLDivElement; // the visually hidden listbox of the window's tiles
  private readonly live: HTMLDivElement;
  private readonly uid = `hitl-gallery-${++galleries}`;
  private ids: ItemId[] = [];
  private window: number[] = []; // indices of the tiles fetched and listed now (rows in view ± 1)
  private options: HTMLDivElement[] = []; // one per tile of the window, reused
  private pushed = new Map<string, number>(); // ids the kernel is sending unasked -> time
  private paintedFor = -1; // generation whose paint was reported
  private generation = 0;
  private hover = -1;
  private colours: Colours | null = null;
  private scaled = new WeakMap<object, { key: string; image: HTMLCanvasElement }>();
  private readonly cleanup: Array<() => void> = [];
  /** canvas draws so far (a test can see that a change redrew, or did not) */
  draws = 0;
  selected = 0;

  constructor(private readonly cache: ItemCache, private readonly opts: GalleryOptions) {
    this.node = h("div", "hitl-gallery");
    this.node.style.height = `${opts.height}px`;
    this.canvas = h("canvas", "hitl-gallery-canvas");
    this.canvas.setAttribute("aria-hidden", "true");
    this.spacer = h("div", "hitl-gallery-inner");
    this.list = h("div", "hitl-gallery-list");
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", "items");
    this.live = h("div", "hitl-gallery-live");
    this.live.setAttribute("aria-live", "polite");
    this.node.append(this.canvas, this.spacer, this.list, this.live);
    this.node.addEventListener("scroll", () => this.render(), { passive: true });
    this.canvas.addEventListener("click", (e) => {
      const index = this.indexAt(e.clientX, e.clientY);
      if (index >= 0) this.select(index);
    });
    this.canvas.addEventListener("mousemove", (e) => this.setHover(this.indexAt(e.clientX, e.clientY)));
    this.canvas.addEventListener("mouseleave", () => this.setHover(-1));
    if (typeof ResizeObserver === "function") {
      let width = -1;
      const observer = new ResizeObserver(() => {
        if (this.node.clientWidth === width) return;
        width = this.node.clientWidth;
        this.render();
      });
      observer.observe(this.node);
      this.cleanup.push(() => observer.disconnect());
    }
    this.cleanup.push(onThemeChange(() => {
      this.colours = null;
      this.draw();
    }));
  }

  get length(): number {
    return this.ids.length;
  }

  get selectedId(): ItemId | undefined {
    return this.ids[this.selected];
  }

  /** The item ids of the window now (the tiles in view, and a row above and below). */
  visibleIds(): ItemId[] {
    return this.window.map((i) => this.ids[i]);
  }

  get layout(): TileLayout {
    return tileLayout(this.node.clientWidth, this.opts.thumb, this.opts.columns);
  }

  /** The tiles' image size now (thumb, widened to fill the row). */
  get size(): number {
    return this.layout.size;
  }

  get columns(): number {
    return this.layout.columns;
  }

  /** The scrolling box's height now (its set height, or less for a short list). */
  private get viewHeight(): number {
    return this.node.clientHeight || parseFloat(this.node.style.height) || this.opts.height;
  }

  /** How many tiles the first screen holds (what to ask the kernel to push with a new gallery). */
  capacity(): number {
    return this.columns * (Math.ceil(this.opts.height / rowHeight(this.layout)) + 1);
  }

  /** Where tile `index` is on the page now (client coordinates), or null when it is not in view. */
  tileBox(index: number): DOMRect | null {
    if (index < 0 || index >= this.ids.length) return null;
    const r = tileRect(index, this.layout);
    const box = this.canvas.getBoundingClientRect();
    const top = r.y - this.node.scrollTop;
    if (top + r.h <= 0 || top >= box.height) return null;
    return new DOMRect(box.left + r.x, box.top + top, r.w, r.h);
  }

  /** The tile under a client point, or -1. */
  indexAt(clientX: number, clientY: number): number {
    const box = this.canvas.getBoundingClientRect();
    const y = clientY - box.top;
    if (y < 0 || y >= box.height) return -1;
    return tileAt(clientX - box.left, y + this.node.scrollTop, this.layout, this.ids.length);
  }

  /** Show these ids from the top; `pushed` ids are on their way from the kernel unasked. */
  setIds(ids: ItemId[], pushed: ItemId[] = []): void {
    this.ids = ids;
    this.selected = 0;
    this.hover = -1;
    this.generation += 1;
    const now = Date.now();
    for (const id of pushed) this.pushed.set(itemKey(id), now);
    this.node.scrollTop = 0;
    this.render();
  }

  /** Redraw after items arrived or labels changed (`ids`: only if one of them is in the window). */
  refresh(ids?: ItemId[]): void {
    const only = ids ? new Set(ids.map(itemKey)) : null;
    if (!only || this.window.some((i) => only.has(itemKey(this.ids[i])))) {
      this.describe();
      this.draw();
    }
    this.checkPainted();
  }

  select(index: number): void {
    if (!this.ids.length) return;
    this.selected = Math.max(0, Math.min(index, this.ids.length - 1));
    const cellH = rowHeight(this.layout);
    const top = Math.floor(this.selected / this.columns) * cellH;
    const view = this.viewHeight;
    if (top < this.node.scrollTop) this.node.scrollTop = top;
    else if (top + cellH > this.node.scrollTop + view) this.node.scrollTop = top + cellH - view;
    this.render();
    const id = this.ids[this.selected];
    setText(this.live, `item ${this.selected + 1} / ${this.ids.length}: ${captionText(this.opts.caption(id, this.cache.get(id)))}`);
    this.opts.onSelect?.(this.selected);
  }

  /** Arrow keys, Home / End, PageUp / PageDown; returns whether the key was ours. */
  handleKey(name: string): boolean {
    const cols = this.columns;
    const page = Math.max(1, Math.floor(this.opts.height / rowHeight(this.layout))) * cols;
    if (name === "PageDown") this.select(this.selected + page);
    else if (name === "PageUp") this.select(this.selected - page);
    else if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(name))
      this.select(gridMove(this.selected, this.ids.length, cols, name));
    else return false;
    return true;
  }

  /** Lay out for the current width and scroll position, list and draw the tiles, fetch the window. */
  render(): void {
    const layout = this.layout;
    const cols = layout.columns;
    const cellH = rowHeight(layout);
    const rows = Math.ceil(this.ids.length / cols);
    // a short list: the viewport ends below its last row (a scrollbar's worth of slack)
    const needed = Math.max(1, rows) * cellH + GAP + 4;
    const height = `${Math.min(this.opts.height, needed)}px`;
    if (this.node.style.height !== height) this.node.style.height = height;
    const view = this.viewHeight;
    // the canvas covers the viewport; the spacer below it makes up the content's height
    const spacer = `${Math.max(0, rows * cellH - view)}px`;
    if (this.spacer.style.height !== spacer) this.spacer.style.height = spacer;
    const { first, last } = windowRows(this.node.scrollTop, view, layout, this.ids.length);
    this.window = [];
    for (let i = first * cols; i < Math.min(this.ids.length, (last + 1) * cols); i++) this.window.push(i);
    if (this.hover >= this.ids.length) this.hover = -1;
    this.describe();
    this.draw();
    // ask for what is in view and the next page (not what the kernel is already pushing)
    const now = Date.now();
    const ahead = this.ids.slice((last + 1) * cols, (last + 3) * cols);
    const ask = this.window.map((i) => this.ids[i]).concat(ahead).filter((id) => {
      const t = this.pushed.get(itemKey(id));
      return t === undefined || now - t > PUSH_GRACE_MS;
    });
    this.cache.ensure(ask);
    this.checkPainted();
  }

  /** The hidden listbox: one option per tile of the window (text only, never HTML). */
  private describe(): void {
    while (this.options.length < this.window.length) {
      const option = h("div", "hitl-tile-option");
      option.setAttribute("role", "option");
      option.append(h("span", "hitl-tile-caption"), h("span", "hitl-tile-text"));
      this.options.push(option);
    }
    const used = this.options.slice(0, this.window.length);
    if (this.list.childElementCount !== used.length || used.some((o, k) => this.list.children[k] !== o)) this.list.replaceChildren(...used);
    let active = "";
    const layout = this.layout;
    const scrollTop = this.node.scrollTop;
    this.window.forEach((index, k) => {
      const option = used[k];
      const id = this.ids[index];
      const item = this.cache.get(id);
      const caption = this.opts.caption(id, item);
      if (typeof caption === "string") setText(option.children[0], caption);
      else setParts(option.children[0] as HTMLElement, caption);
      setText(option.children[1], item && item.kind !== "image" ? (item.kind === "text" ? item.text : item.error) : "");
      const cls = `hitl-tile-option ${this.opts.tileClass?.(id, item) ?? ""}`.trim();
      if (option.className !== cls) option.className = cls;
      option.id = `${this.uid}-${index}`;
      option.dataset.index = String(index);
      option.dataset.id = JSON.stringify(id);
      // where the tile is painted in the canvas now (CSS pixels from its top left): for automation
      const r = tileRect(index, layout);
      option.dataset.x = String(r.x);
      option.dataset.y = String(r.y - scrollTop);
      option.dataset.size = String(layout.size);
      option.setAttribute("aria-selected", String(index === this.selected));
      if (index === this.selected) active = option.id;
    });
    if (active) this.list.setAttribute("aria-activedescendant", active);
    else this.list.removeAttribute("aria-activedescendant");
  }

  private setHover(index: number): void {
    if (index === this.hover) return;
    this.hover = index;
    this.canvas.style.cursor = index >= 0 ? "pointer" : "";
    this.draw();
  }

  private theme(): Colours {
    if (this.colours) return this.colours;
    const el = this.node;
    const colour = (name: string, fallback: string) => hex(themeColour(el, name, fallback));
    const vars: Record<string, string> = {};
    for (const style of Object.values(TILE_STYLES)) vars[style.colour] = colour(style.colour, "#888888");
    const cs = el.isConnected ? getComputedStyle(el) : null;
    const fontPx = Math.max(8, Math.round((parseFloat(cs?.fontSize ?? "") || 13) * 0.85));
    this.colours = {
      fg: colour("--hitl-fg", "#1f1f1f"),
      muted: colour("--hitl-fg-muted", "#616161"),
      bg: colour("--hitl-bg", "#ffffff"),
      border: colour("--hitl-border", "#bdbdbd"),
      accent: colour("--hitl-accent", "#1976d2"),
      vars,
      font: `${fontPx}px ${cs?.fontFamily || "sans-serif"}`,
      fontPx,
    };
    return this.colours;
  }

  /** Paint the tiles in view into the canvas (sized to the viewport at the device pixel ratio). */
  private draw(): void {
    const width = this.node.clientWidth || this.columns * (this.size + GAP) + GAP;
    const height = this.viewHeight;
    const ratio = typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1;
    const w = Math.max(1, Math.round(width * ratio));
    const hgt = Math.max(1, Math.round(height * ratio));
    if (this.canvas.width !== w || this.canvas.height !== hgt) {
      this.canvas.width = w; // (resizing reallocates and clears: only on a real change)
      this.canvas.height = hgt;
    }
    const cssW = `${width}px`;
    const cssH = `${height}px`;
    if (this.canvas.style.width !== cssW) this.canvas.style.width = cssW;
    if (this.canvas.style.height !== cssH) this.canvas.style.height = cssH;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    this.draws += 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, w, hgt); // the box's own background shows between tiles
    const scrollTop = this.node.scrollTop;
    ctx.setTransform(ratio, 0, 0, ratio, 0, -scrollTop * ratio);
    const colours = this.theme();
    ctx.font = colours.font;
    ctx.textBaseline = "middle";
    ctx.direction = "ltr";
    const layout = this.layout;
    for (const index of this.window) {
      const r = tileRect(index, layout);
      if (r.y + r.h < scrollTop || r.y > scrollTop + height) continue; // the window's rows beyond the view
      this.drawTile(ctx, index, r, layout.size, colours, ratio);
    }
  }

  private drawTile(ctx: CanvasRenderingContext2D, index: number, r: { x: number; y: number }, size: number, c: Colours, ratio: number): void {
    const id = this.ids[index];
    const item = this.cache.get(id);
    ctx.fillStyle = c.bg;
    ctx.fillRect(r.x, r.y, size, size);
    const inner = size - 2 * BORDER;
    if (item?.kind === "image" && item.image) {
      const image = item.image as Drawable;
      const fit = fitSize(image.width, image.height, inner);
      const x = r.x + BORDER + (inner - fit.width) / 2;
      const y = r.y + BORDER + (inner - fit.height) / 2;
      ctx.imageSmoothingEnabled = image.width * 2 > fit.width; // pixelated when upscaled 2x or more
      ctx.drawImage(this.scaledImage(image, fit.width, fit.height, ratio), x, y, fit.width, fit.height);
    } else {
      const text = item ? (item.kind === "text" ? item.text ?? "" : item.error ?? "") : "…";
      ctx.fillStyle = item?.kind === "error" ? c.vars["--hitl-error"] : item ? c.fg : c.muted;
      const lineH = c.fontPx + 3;
      const lines = wrapText(ctx, String(text), inner - 4, Math.max(1, Math.floor((inner - 4) / lineH)));
      ctx.textAlign = "left";
      lines.forEach((line, k) => ctx.fillText(line, r.x + BORDER + 2, r.y + BORDER + 2 + lineH * (k + 0.5)));
    }
    if (index === this.selected || index === this.hover) {
      ctx.strokeStyle = index === this.selected ? c.accent : c.border;
      ctx.lineWidth = BORDER;
      ctx.strokeRect(r.x + BORDER / 2, r.y + BORDER / 2, size - BORDER, size - BORDER);
    }
    // the caption: the tile class's colour and weight (TILE_STYLES), cut to the tile's width
    const classes = (this.opts.tileClass?.(id, item) ?? "").split(/\s+/);
    const style = classes.map((k) => TILE_STYLES[k]).find(Boolean);
    ctx.font = style?.bold ? `600 ${c.font}` : c.font;
    ctx.fillStyle = style ? c.vars[style.colour] : c.fg;
    ctx.textAlign = "left";
    const text = fitText(ctx, captionText(this.opts.caption(id, item)), size);
    const y = r.y + size + CAPTION / 2;
    ctx.fillText(text, r.x, y);
    if (style?.strike && text) {
      ctx.fillRect(r.x, Math.round(y), ctx.measureText(text).width, 1);
    }
    ctx.font = c.font;
  }

  /** An image much larger than its tile is scaled down once per tile size (kept while the image
   *  is), so a scroll redraws 40 small pictures, not 40 full-size ones. */
  private scaledImage(image: Drawable, width: number, height: number, ratio: number): Drawable {
    const w = Math.round(width * ratio);
    const hgt = Math.round(height * ratio);
    if (image.width <= 2 * w || typeof document === "undefined") return image;
    const key = `${w}x${hgt}`;
    const kept = this.scaled.get(image);
    if (kept?.key === key) return kept.image;
    const small = document.createElement("canvas");
    small.width = w;
    small.height = hgt;
    const ctx = small.getContext("2d");
    if (!ctx) return image;
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(image, 0, 0, w, hgt);
    this.scaled.set(image, { key, image: small });
    return small;
  }

  private checkPainted(): void {
    if (this.paintedFor === this.generation || !this.window.length) return;
    for (const index of this.window) {
      if (!this.cache.get(this.ids[index])) return;
    }
    this.paintedFor = this.generation;
    this.opts.onPainted?.(this.window.length);
  }

  dispose(): void {
    for (const stop of this.cleanup.splice(0)) stop();
  }
}

/** The RGBA pixels of raw uint8 pixels (rows of width x channels, channels 1, 3 or 4, starting at
 *  `offset`): the kernel sends small thumbnails this way, skipping PNG encoding and decoding. */
export function rawPixels(buf: Binary, offset: number, width: number, height: number, channels: number): ImageData {
  const bytes = toBytes(buf);
  const n = width * height;
  if (![1, 3, 4].includes(channels) || offset < 0 || bytes.length < offset + n * channels) throw new Error("bad raw thumbnail");
  const src = bytes.subarray(offset, offset + n * channels);
  const rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0, q = 0; p < n; p++, q += channels) {
    const o = p * 4;
    if (channels === 1) {
      rgba[o] = rgba[o + 1] = rgba[o + 2] = src[q];
      rgba[o + 3] = 255;
    } else {
      rgba[o] = src[q];
      rgba[o + 1] = src[q + 1];
      rgba[o + 2] = src[q + 2];
      rgba[o + 3] = channels === 4 ? src[q + 3] : 255;
    }
  }
  return new ImageData(rgba, width, height);
}

/** A raw thumbnail (see rawPixels) decoded once into an ImageBitmap (what the gallery draws at
 *  every redraw: a bitmap draws several times faster than a canvas). Where the page has no
 *  createImageBitmap, a small canvas (never in the page) instead. */
export async function rawThumbnail(buf: Binary, offset: number, width: number, height: number, channels: number): Promise<ImageBitmap> {
  const pixels = rawPixels(buf, offset, width, height, channels);
  if (typeof createImageBitmap === "function") return createImageBitmap(pixels);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d")?.putImageData(pixels, 0, 0);
  return canvas as unknown as ImageBitmap; // drawn through drawImage like a bitmap
}
