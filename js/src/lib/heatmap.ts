// A keyboard-navigable heatmap (confusion matrices, pairwise agreement): a CSS grid of cells whose
// values are text (textContent), coloured by a share in [0, 1] mixed from theme variables.
// Arrow keys / Home / End move the focused cell, Enter (or a click) opens it.
import "./heatmap.css";
import { h } from "./dom";
import { gridMove } from "./grid";

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

  constructor(private readonly options: HeatmapOptions) {
    this.node = h("div", "hitl-heatmap");
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
    const max = Math.max(0, ...data.values.flat().filter((v) => Number.isFinite(v)));
    this.node.style.gridTemplateColumns = `auto repeat(${cols}, minmax(2.6em, 1fr))`;
    const children: HTMLElement[] = [h("div", "hitl-heat-corner", this.options.corner ?? "")];
    data.colLabels.forEach((l) => children.push(h("div", "hitl-heat-head hitl-heat-colhead", l)));
    this.cells = [];
    for (let r = 0; r < rows; r++) {
      children.push(h("div", "hitl-heat-head hitl-heat-rowhead", data.rowLabels[r] ?? ""));
      const line: HTMLDivElement[] = [];
      for (let c = 0; c < cols; c++) {
        const v = data.values[r][c];
        const cell = h("div", "hitl-heat-cell", data.text ? data.text(v, r, c) : String(v));
        cell.setAttribute("role", "gridcell");
        cell.dataset.row = String(r);
        cell.dataset.col = String(c);
        const share = data.shade ? data.shade[r][c] : max > 0 ? v / max : 0;
        const pct = Number.isFinite(share) ? Math.round(Math.max(0, Math.min(1, share)) * 85) : 0;
        cell.style.setProperty("--hitl-heat", `${pct}%`);
        if (pct > 45) cell.classList.add("hitl-heat-strong");
        if (data.diagonal) cell.classList.add(r === c ? "hitl-heat-diag" : "hitl-heat-off");
        if (data.disabled?.(r, c)) cell.classList.add("hitl-heat-disabled");
        cell.title = `${data.rowLabels[r]} / ${data.colLabels[c]}: ${cell.textContent}`;
        line.push(cell);
        children.push(cell);
      }
      this.cells.push(line);
    }
    this.node.replaceChildren(...children);
    this.focus(Math.min(this.row, Math.max(0, rows - 1)), Math.min(this.col, Math.max(0, cols - 1)));
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
