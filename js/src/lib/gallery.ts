// A virtualised thumbnail grid over the ItemCache: only the rows in view (plus one above and
// below) are in the DOM, so a gallery of many thousands of items stays cheap. Tiles draw their
// image (drawFit) as soon as the cache has it; a caption per tile is plain text. The tiles grow
// (up to twice `thumb`) to fill the width, and a short list shrinks the viewport to its rows, so
// a gallery of a few items is not a field of empty grey.
import "./gallery.css";
import { h, Part, setParts, setText } from "./dom";
import { gridMove } from "./grid";
import { ItemCache, ItemId, ItemInfo, itemKey } from "./items";
import { Binary, drawFit, toBytes } from "./media";

export interface GalleryOptions {
  /** thumbnail size in CSS pixels */
  thumb: number;
  /** height of the scrolling viewport in CSS pixels */
  height: number;
  /** columns when the gallery has no layout width (e.g. in tests) */
  columns?: number;
  /** a tile's caption: plain text, or parts whose data pieces are isolated (setParts) */
  caption: (id: ItemId, item: ItemInfo | undefined) => string | Part[];
  /** extra classes per tile (e.g. "hitl-changed") */
  tileClass?: (id: ItemId, item: ItemInfo | undefined) => string;
  onSelect?: (index: number) => void;
  /** every tile in view has its image drawn (or its text / error shown) */
  onPainted?: (count: number) => void;
}

const GAP = 6;
const CAPTION = 18;
const PUSH_GRACE_MS = 3000;

/** Columns and tile size for `width` pixels: as many `thumb` columns as fit, each tile then
 *  widened to share the row (at most 2 x thumb); `fallbackColumns` when there is no width yet. */
export function tileLayout(width: number, thumb: number, fallbackColumns = 8): { columns: number; size: number } {
  if (!width) return { columns: Math.max(1, fallbackColumns), size: thumb };
  const columns = Math.max(1, Math.floor((width - GAP) / (thumb + GAP)));
  const size = Math.max(thumb, Math.min(2 * thumb, Math.floor((width - GAP) / columns) - GAP));
  return { columns, size };
}

export class Gallery {
  readonly node: HTMLDivElement;
  private readonly inner: HTMLDivElement;
  private ids: ItemId[] = [];
  private tiles = new Map<number, HTMLDivElement>();
  private spare: HTMLDivElement[] = []; // tiles out of view, refilled before any new one is built
  private pushed = new Map<string, number>(); // ids the kernel is sending unasked -> time
  private paintedFor = -1; // generation whose paint was reported
  private generation = 0;
  selected = 0;

  constructor(private readonly cache: ItemCache, private readonly options: GalleryOptions) {
    this.node = h("div", "hitl-gallery");
    this.node.style.height = `${options.height}px`;
    this.node.setAttribute("role", "listbox");
    this.inner = h("div", "hitl-gallery-inner");
    this.node.append(this.inner);
    this.node.addEventListener("scroll", () => this.render(), { passive: true });
    this.node.addEventListener("click", (e) => {
      const tile = (e.target as HTMLElement).closest(".hitl-tile") as HTMLElement | null;
      if (tile) this.select(Number(tile.dataset.index));
    });
  }

  get length(): number {
    return this.ids.length;
  }

  get selectedId(): ItemId | undefined {
    return this.ids[this.selected];
  }

  /** The item ids shown in the tiles now (the virtualised window). */
  visibleIds(): ItemId[] {
    return [...this.tiles.keys()].sort((a, b) => a - b).map((i) => this.ids[i]);
  }

  private get layout(): { columns: number; size: number } {
    return tileLayout(this.node.clientWidth, this.options.thumb, this.options.columns);
  }

  /** The tiles' image size now (thumb, widened to fill the row). */
  get size(): number {
    return this.layout.size;
  }

  private get cellW(): number {
    return this.size + GAP;
  }

  private get cellH(): number {
    return this.size + CAPTION + GAP;
  }

  get columns(): number {
    return this.layout.columns;
  }

  /** How many tiles the first screen holds (what to ask the kernel to push with a new gallery). */
  capacity(): number {
    return this.columns * (Math.ceil(this.options.height / this.cellH) + 1);
  }

  /** Show these ids from the top; `pushed` ids are on their way from the kernel unasked. */
  setIds(ids: ItemId[], pushed: ItemId[] = []): void {
    this.ids = ids;
    this.selected = 0;
    this.generation += 1;
    const now = Date.now();
    for (const id of pushed) this.pushed.set(itemKey(id), now);
    // the tiles stay in the page and are refilled for the new ids (render reuses them): building
    // a screen of new canvases costs far more than redrawing the ones there
    for (const tile of this.tiles.values()) this.spare.push(tile);
    this.tiles.clear();
    this.node.scrollTop = 0;
    this.render();
  }

  /** Redraw the tiles in view (after items arrived or labels changed). */
  refresh(ids?: ItemId[]): void {
    const only = ids ? new Set(ids.map(itemKey)) : null;
    for (const [index, tile] of this.tiles) {
      if (!only || only.has(itemKey(this.ids[index]))) this.fill(tile, index);
    }
    this.checkPainted();
  }

  select(index: number): void {
    if (!this.ids.length) return;
    this.selected = Math.max(0, Math.min(index, this.ids.length - 1));
    const cols = this.columns;
    const top = Math.floor(this.selected / cols) * this.cellH;
    if (top < this.node.scrollTop) this.node.scrollTop = top;
    else if (top + this.cellH > this.node.scrollTop + this.options.height) this.node.scrollTop = top + this.cellH - this.options.height;
    this.render();
    this.options.onSelect?.(this.selected);
  }

  /** Arrow keys, Home / End, PageUp / PageDown; returns whether the key was ours. */
  handleKey(name: string): boolean {
    const cols = this.columns;
    const page = Math.max(1, Math.floor(this.options.height / this.cellH)) * cols;
    if (name === "PageDown") this.select(this.selected + page);
    else if (name === "PageUp") this.select(this.selected - page);
    else if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(name))
      this.select(gridMove(this.selected, this.ids.length, cols, name));
    else return false;
    return true;
  }

  render(): void {
    const { columns: cols, size } = this.layout;
    const rows = Math.ceil(this.ids.length / cols);
    this.inner.style.height = `${rows * this.cellH}px`;
    // a short list: the viewport ends below its last row (a scrollbar's worth of slack)
    const needed = Math.max(1, rows) * this.cellH + GAP + 4;
    this.node.style.height = `${Math.min(this.options.height, needed)}px`;
    const first = Math.max(0, Math.floor(this.node.scrollTop / this.cellH) - 1);
    const last = Math.min(rows - 1, Math.ceil((this.node.scrollTop + this.options.height) / this.cellH));
    const wanted = new Set<number>();
    for (let r = first; r <= last; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        if (i < this.ids.length) wanted.add(i);
      }
    }
    for (const [index, tile] of this.tiles) {
      if (!wanted.has(index)) {
        this.spare.push(tile);
        this.tiles.delete(index);
      }
    }
    for (const index of wanted) {
      let tile = this.tiles.get(index);
      if (!tile) {
        tile = this.spare.shift();
        if (tile) tile.dataset.index = String(index);
        else {
          tile = this.makeTile(index, cols);
          this.inner.append(tile);
        }
        this.tiles.set(index, tile);
      }
      this.resize(tile, size);
      tile.style.left = `${(index % cols) * this.cellW + GAP}px`;
      tile.style.top = `${Math.floor(index / cols) * this.cellH + GAP}px`;
      tile.setAttribute("aria-selected", String(index === this.selected));
      this.fill(tile, index);
    }
    for (const tile of this.spare.splice(0)) tile.remove(); // more tiles than this screen needs
    // ask for what is in view and the next page (not what the kernel is already pushing)
    const now = Date.now();
    const ahead = this.ids.slice((last + 1) * cols, (last + 3) * cols);
    const ask = [...wanted].map((i) => this.ids[i]).concat(ahead).filter((id) => {
      const t = this.pushed.get(itemKey(id));
      return t === undefined || now - t > PUSH_GRACE_MS;
    });
    this.cache.ensure(ask);
    this.checkPainted();
  }

  private makeTile(index: number, _cols: number): HTMLDivElement {
    const tile = h("div", "hitl-tile");
    tile.dataset.index = String(index);
    tile.setAttribute("role", "option");
    const canvas = h("canvas", "hitl-tile-image");
    const text = h("div", "hitl-tile-text");
    tile.append(canvas, text, h("div", "hitl-tile-caption"));
    this.resize(tile, this.size);
    return tile;
  }

  /** Size a tile for `size` pixel images (its image is redrawn at that size by fill). */
  private resize(tile: HTMLDivElement, size: number): void {
    if (tile.dataset.size === String(size)) return;
    tile.dataset.size = String(size);
    tile.style.width = `${size}px`;
    const canvas = tile.children[0] as HTMLCanvasElement;
    canvas.style.width = canvas.style.height = `${size}px`;
    (tile.children[1] as HTMLElement).style.height = `${size}px`;
    delete tile.dataset.drawn;
  }

  private fill(tile: HTMLDivElement, index: number): void {
    const id = this.ids[index];
    const item = this.cache.get(id);
    const canvas = tile.children[0] as HTMLCanvasElement;
    const text = tile.children[1] as HTMLDivElement;
    const caption = this.options.caption(id, item);
    if (typeof caption === "string") setText(tile.children[2], caption);
    else setParts(tile.children[2] as HTMLElement, caption);
    tile.className = `hitl-tile ${this.options.tileClass?.(id, item) ?? ""}`.trim();
    tile.dataset.id = JSON.stringify(id);
    const drawn = tile.dataset.drawn === itemKey(id);
    if (item?.kind === "image" && item.image) {
      if (!drawn) drawFit(canvas, item.image, Number(tile.dataset.size) || this.options.thumb);
      canvas.hidden = false;
      text.hidden = true;
      tile.dataset.drawn = itemKey(id);
    } else {
      canvas.hidden = true;
      text.hidden = false;
      setText(text, item ? (item.kind === "text" ? item.text : item.error ?? "") : "…");
      if (item) tile.dataset.drawn = itemKey(id);
      else delete tile.dataset.drawn;
    }
  }

  private checkPainted(): void {
    if (this.paintedFor === this.generation || !this.tiles.size) return;
    for (const [index] of this.tiles) {
      if (!this.cache.get(this.ids[index])) return;
    }
    this.paintedFor = this.generation;
    this.options.onPainted?.(this.tiles.size);
  }
}

/** A drawable image from raw uint8 pixels (rows of width x channels, channels 1, 3 or 4, starting
 *  at `offset`): the kernel sends small thumbnails this way, skipping PNG encoding and decoding.
 *  Synchronous (a small canvas), so a screen of thumbnails is ready in the same task. */
export function rawThumbnail(buf: Binary, offset: number, width: number, height: number, channels: number): HTMLCanvasElement {
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
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d")?.putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas;
}
