// A keyboard-navigable heatmap (confusion matrices, pairwise agreement): a CSS grid of cells whose
// values are text (textContent), coloured by a share in [0, 1] mixed from theme variables; the
// text colour is chosen from the cell's background luminance (lib/contrast.ts), so it stays
// readable (>= 4.5:1) in every theme and at every shade. Off-diagonal cells of a confusion matrix
// get their own scale (their count over the largest off-diagonal count), so an error cell of 12
// stands out from one of 1 even when the diagonal holds hundreds.
// Arrow keys / Home / End move the focused cell, Enter (or a click) opens it.
import "./heatmap.css";
import { hex, mix, onThemeChange, RGB, textOn, themeColour } from "./contrast";
import { h } from "./dom";
import { gridMove } from "./grid";

/** Strongest mix of the cell colour into the background (a full share). */
export const MAX_TINT = 0.85;
/** Weakest visible tint of a non-zero off-diagonal cell. */
export const MIN_OFF_TINT = 0.15;

/** Colour intensity of each cell in [0, 1]. Default: value / max. `shade` overrides it. With
 *  `diagonal` (confusion matrices) the diagonal keeps that scale, while off-diagonal cells are
 *  scaled to the largest off-diagonal value, any non-zero one at least MIN_OFF_TINT / MAX_TINT. */
export function heatShares(values: number[][], shade?: number[][], diagonal = false): number[][] {
  const finite = values.flat().filter((v) => Number.isFinite(v));
  const max = Math.max(0, ...finite);
  const off = diagonal ? Math.max(0, ...values.flatMap((row, r) => row.filter((v, c) => c !== r && Number.isFinite(v)))) : 0;
  const floor = MIN_OFF_TINT / MAX_TINT;
  return values.map((row, r) =>
    row.map((v, c) => {
      let share: number;
      if (diagonal && r !== c) share = off > 0 && v > 0 ? floor + (1 - floor) * (v / off) : 0;
      else share = shade ? shade[r]?.[c] : max > 0 ? v / max : 0;
      return Number.isFinite(share) ? Math.max(0, Math.min(1, share)) : 0;
    }),
  );
}

export interface HeatmapData {
  /** cell values, rows x cols */
  values: number[][];
  rowLabels: string[];
  colLabels: string[];
  /** colour intensity per cell in [0, 1] (default: value / max) */
  shade?: number[][];
  /** cell text (default: the value) */
  text?: (value: number, row: number, col: number) => string;
  /** colour the diagonal apart (confusion matrices) */
  diagonal?: boolean;
  /** cells that cannot be opened (e.g. a rater with itself) */
  disabled?: (row: number, col: number) => boolean;
}

export interface HeatmapOptions {
  onOpen: (row: number, col: number) => void;
  /** the axis names, shown in the corner (e.g. "true \\ predicted") */
  corner?: string;
  label?: string;
}

export class Heatmap {
  readonly node: HTMLDivElement;
  row = 0;
  col = 0;
  private data: HeatmapData = { values: [], rowLabels: [], colLabels: [] };
  private cells: HTMLDivElement[][] = [];
  private shares: number[][] = [];
  private retries = 0; // frames waited for the node to be in the page
  private themed = false; // coloured with the page's theme (not the fallbacks)
  private readonly stopTheme: () => void;

  constructor(private readonly options: HeatmapOptions) {
    this.node = h("div", "hitl-heatmap");
    this.stopTheme = onThemeChange(() => {
      if (this.node.isConnected) this.recolor();
      else if (this.themed) this.stopTheme(); // shown once and gone: stop listening
    });
    this.node.setAttribute("role", "grid");
    if (options.label) this.node.setAttribute("aria-label", options.label);
    this.node.addEventListener("click", (e) => {
      const cell = (e.target as HTMLElement).closest(".hitl-heat-cell") as HTMLElement | null;
      if (!cell || !this.node.contains(cell)) return;
      const r = Number(cell.dataset.row);
      const c = Number(cell.dataset.col);
      this.focus(r, c);
      this.open();
    });
  }

  get rows(): number {
    return this.data.values.length;
  }

  get cols(): number {
    return this.data.colLabels.length;
  }

  /** Replace the data (keeps the focused cell when it still exists). */
  set(data: HeatmapData): void {
    this.data = data;
    const rows = data.values.length;
    const cols = data.colLabels.length;
    this.shares = heatShares(data.values, data.shade, data.diagonal);
    this.node.style.gridTemplateColumns = `auto repeat(${cols}, minmax(2.6em, 1fr))`;
    const children: HTMLElement[] = [h("div", "hitl-heat-corner", this.options.corner ?? "")];
    const head = (label: string, cls: string) => {
      const node = h("div", `hitl-heat-head ${cls}`, label);
      node.title = label; // the whole name of a head cut with …
      return node;
    };
    data.colLabels.forEach((l) => children.push(head(l, "hitl-heat-colhead")));
    this.cells = [];
    for (let r = 0; r < rows; r++) {
      children.push(head(data.rowLabels[r] ?? "", "hitl-heat-rowhead"));
      const line: HTMLDivElement[] = [];
      for (let c = 0; c < cols; c++) {
        const v = data.values[r][c];
        const cell = h("div", "hitl-heat-cell", data.text ? data.text(v, r, c) : String(v));
        cell.setAttribute("role", "gridcell");
        cell.dataset.row = String(r);
        cell.dataset.col = String(c);
        const pct = Math.round(this.shares[r][c] * MAX_TINT * 100);
        cell.style.setProperty("--hitl-heat", `${pct}%`);
        if (data.diagonal) cell.classList.add(r === c ? "hitl-heat-diag" : "hitl-heat-off");
        if (data.disabled?.(r, c)) cell.classList.add("hitl-heat-disabled");
        cell.title = `${data.rowLabels[r]} / ${data.colLabels[c]}: ${cell.textContent}`;
        line.push(cell);
        children.push(cell);
      }
      this.cells.push(line);
    }
    this.node.replaceChildren(...children);
    this.recolor();
    this.focus(Math.min(this.row, Math.max(0, rows - 1)), Math.min(this.col, Math.max(0, cols - 1)));
  }

  /** Paint each cell's background (its share of the cell colour mixed into the theme's
   *  background) and a text colour chosen from that background's luminance. Called after set()
   *  and when the theme changes; before the node is in the page it uses the light fallbacks and
   *  retries on the next frames. */
  recolor(): void {
    const el = this.node;
    const base = themeColour(el, "--hitl-bg-alt", "#eeeeee");
    const colours: Record<string, RGB> = {
      plain: themeColour(el, "--hitl-accent", "#1976d2"),
      diag: themeColour(el, "--hitl-ok", "#388e3c"),
      off: themeColour(el, "--hitl-error", "#d32f2f"),
    };
    this.cells.forEach((line, r) =>
      line.forEach((cell, c) => {
        const kind = !this.data.diagonal ? "plain" : r === c ? "diag" : "off";
        const bg = mix(colours[kind], base, (this.shares[r]?.[c] ?? 0) * MAX_TINT);
        cell.style.backgroundColor = hex(bg);
        cell.style.color = hex(textOn(bg));
      }),
    );
    this.themed = el.isConnected;
    if (!this.themed && this.cells.length && typeof requestAnimationFrame === "function") {
      if (this.retries++ < 120) requestAnimationFrame(() => this.recolor());
    } else {
      this.retries = 0;
    }
  }

  /** Stop following theme changes (the widget is gone). */
  dispose(): void {
    this.stopTheme();
  }

  cell(row: number, col: number): HTMLDivElement | undefined {
    return this.cells[row]?.[col];
  }

  focus(row: number, col: number): void {
    this.cell(this.row, this.col)?.setAttribute("aria-selected", "false");
    this.row = row;
    this.col = col;
    const cell = this.cell(row, col);
    if (cell) {
      cell.setAttribute("aria-selected", "true");
      cell.scrollIntoView?.({ block: "nearest", inline: "nearest" });
    }
  }

  open(): void {
    if (this.cell(this.row, this.col) && !this.data.disabled?.(this.row, this.col)) this.options.onOpen(this.row, this.col);
  }

  /** Handle a key name (keyboard.ts keyName); returns whether it was ours. */
  handleKey(name: string): boolean {
    if (name === "Enter") {
      this.open();
      return true;
    }
    if (!["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End"].includes(name)) return false;
    const n = this.rows * this.cols;
    if (!n) return true;
    const next = gridMove(this.row * this.cols + this.col, n, this.cols, name);
    this.focus(Math.floor(next / this.cols), next % this.cols);
    return true;
  }
}
