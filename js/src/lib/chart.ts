// Small SVG charts (line and bar) for dashboards and the learning curve. Labels go through
// textContent; colours come from the theme's CSS classes (hitl-series-N).
const SVG_NS = "http://www.w3.org/2000/svg";

export interface Series {
  name: string;
  points: Array<[number, number]>;
  /** dashed line (e.g. a baseline) */
  dashed?: boolean;
}

export interface ChartOptions {
  width: number;
  height: number;
  xLabel?: string;
  yLabel?: string;
  yMin?: number;
  yMax?: number;
}

const MARGIN = { left: 44, right: 12, top: 10, bottom: 34 };
/** Legend rows sit above the plot area (never on the curves): height of one row, swatch length. */
const LEGEND_ROW = 16;
const SWATCH = 16;
/** Rough width of a character of the 11px chart font (for laying out the legend and cutting labels). */
const CHAR_W = 6.4;

/** Where each legend entry goes: entries left to right, wrapping to a new row when the next one
 *  would pass `width` (swatch, gap, the name's estimated width, spacing). */
export function legendLayout(names: string[], width: number, left = MARGIN.left): Array<{ x: number; row: number }> {
  const out: Array<{ x: number; row: number }> = [];
  let x = left;
  let row = 0;
  for (const name of names) {
    const w = SWATCH + 4 + name.length * CHAR_W + 14;
    if (x > left && x + w > width) {
      row += 1;
      x = left;
    }
    out.push({ x, row });
    x += w;
  }
  return out;
}

/** `text` cut to about `px` pixels of chart font, with "…" when cut. */
export function clip(text: string, px: number): string {
  const n = Math.max(1, Math.floor(px / CHAR_W));
  return text.length <= n ? text : `${text.slice(0, n - 1)}…`;
}

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "Nice" tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

function frame(root: SVGSVGElement, o: ChartOptions, top = MARGIN.top) {
  root.replaceChildren();
  root.setAttribute("viewBox", `0 0 ${o.width} ${o.height}`);
  root.setAttribute("width", String(o.width));
  root.setAttribute("height", String(o.height));
  root.classList.add("hitl-chart");
  return { w: o.width - MARGIN.left - MARGIN.right, h: o.height - top - MARGIN.bottom };
}

/** Draw line series into `root` (replacing what was there), with a legend of swatches above the
 *  plot area (the plot shrinks by the legend's rows). */
export function lineChart(root: SVGSVGElement, series: Series[], o: ChartOptions): void {
  const legend = legendLayout(series.map((s) => s.name), o.width - MARGIN.right);
  const legendRows = series.length ? Math.max(...legend.map((e) => e.row)) + 1 : 0;
  const top = MARGIN.top + legendRows * LEGEND_ROW;
  const { w, h } = frame(root, o, top);
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter((v) => Number.isFinite(v));
  const x0 = xs.length ? Math.min(...xs) : 0;
  const x1 = xs.length ? Math.max(...xs) : 1;
  const y0 = o.yMin ?? (ys.length ? Math.min(...ys) : 0);
  const y1 = o.yMax ?? (ys.length ? Math.max(...ys) : 1);
  const sx = (x: number) => MARGIN.left + (x1 > x0 ? ((x - x0) / (x1 - x0)) * w : w / 2);
  const sy = (y: number) => top + h - (y1 > y0 ? ((y - y0) / (y1 - y0)) * h : h / 2);
  const axes = svg("g", { class: "hitl-axis" });
  axes.append(svg("line", { x1: MARGIN.left, y1: top + h, x2: MARGIN.left + w, y2: top + h }));
  axes.append(svg("line", { x1: MARGIN.left, y1: top, x2: MARGIN.left, y2: top + h }));
  for (const t of ticks(x0, x1)) {
    axes.append(svg("text", { x: sx(t), y: top + h + 14, "text-anchor": "middle" }, String(t)));
  }
  for (const t of ticks(y0, y1, 4)) {
    axes.append(svg("line", { class: "hitl-grid", x1: MARGIN.left, y1: sy(t), x2: MARGIN.left + w, y2: sy(t) }));
    axes.append(svg("text", { x: MARGIN.left - 4, y: sy(t) + 4, "text-anchor": "end" }, String(t)));
  }
  if (o.xLabel) axes.append(svg("text", { x: MARGIN.left + w / 2, y: o.height - 4, "text-anchor": "middle" }, o.xLabel));
  if (o.yLabel) axes.append(svg("text", { x: 4, y: top + 8 }, o.yLabel));
  root.append(axes);
  series.forEach((s, k) => {
    const g = svg("g", { class: `hitl-series hitl-series-${k % 6}`, "data-name": s.name });
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (pts.length > 1) {
      g.append(svg("polyline", {
        points: pts.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" "),
        fill: "none",
        ...(s.dashed ? { "stroke-dasharray": "4 3" } : {}),
      }));
    }
    for (const p of pts) {
      const dot = svg("circle", { cx: sx(p[0]).toFixed(1), cy: sy(p[1]).toFixed(1), r: 2.5 });
      dot.append(svg("title", {}, `${s.name}: ${p[1].toFixed(3)} at ${p[0]}`));
      g.append(dot);
    }
    root.append(g);
  });
  const box = svg("g", { class: "hitl-legend-box" });
  series.forEach((s, k) => {
    const { x, row } = legend[k];
    const y = 4 + row * LEGEND_ROW + LEGEND_ROW / 2;
    const item = svg("g", { class: `hitl-legend-item hitl-series-${k % 6}`, "data-name": s.name });
    item.append(svg("line", { class: "hitl-swatch", x1: x, y1: y, x2: x + SWATCH, y2: y, ...(s.dashed ? { "stroke-dasharray": "4 3" } : {}) }));
    item.append(svg("text", { class: "hitl-legend", x: x + SWATCH + 4, y: y + 4 }, s.name));
    box.append(item);
  });
  root.append(box);
}

/** Horizontal bars: one row per (label, value). */
export function barChart(root: SVGSVGElement, bars: Array<[string, number]>, o: ChartOptions): void {
  const height = Math.max(o.height, 16 * bars.length + 8);
  frame(root, { ...o, height });
  const max = Math.max(1, ...bars.map((b) => b[1]));
  const labelWidth = 60;
  const w = o.width - labelWidth - 40;
  bars.forEach(([label, value], k) => {
    const y = 4 + 16 * k;
    const g = svg("g", { class: "hitl-bar", "data-label": label });
    const name = svg("text", { x: labelWidth - 4, y: y + 11, "text-anchor": "end" }, clip(label, labelWidth - 6));
    name.append(svg("title", {}, label)); // the whole label on hover
    g.append(name);
    g.append(svg("rect", { x: labelWidth, y, width: Math.max(0, (value / max) * w).toFixed(1), height: 12 }));
    g.append(svg("text", { x: labelWidth + (value / max) * w + 4, y: y + 11 }, String(value)));
    root.append(g);
  });
}
