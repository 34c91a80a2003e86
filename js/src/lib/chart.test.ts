import { describe, expect, it } from "vitest";
import { barChart, clip, legendLayout, lineChart, svg, ticks } from "./chart";

const host = () => svg("svg");

describe("ticks", () => {
  it("covers the range with round steps", () => {
    expect(ticks(0, 1, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(ticks(10, 100)).toEqual([20, 40, 60, 80, 100]);
    expect(ticks(3, 3)).toEqual([3]);
  });
});

describe("lineChart", () => {
  it("draws one dot per finite point, a polyline per series, dashed baselines", () => {
    const root = host();
    lineChart(root, [
      { name: "accuracy", points: [[10, 0.5], [20, 0.7], [30, NaN]] },
      { name: "random", points: [[10, 0.4], [20, 0.5]], dashed: true },
    ], { width: 300, height: 200 });
    const series = root.querySelectorAll(".hitl-series");
    expect(series.length).toBe(2);
    expect(series[0].querySelectorAll("circle").length).toBe(2);
    expect(series[1].querySelector("polyline")?.getAttribute("stroke-dasharray")).toBe("4 3");
    expect(series[0].querySelector("polyline")?.getAttribute("stroke-dasharray")).toBeNull();
  });

  it("puts higher values higher on the chart", () => {
    const root = host();
    lineChart(root, [{ name: "s", points: [[0, 0], [1, 1]] }], { width: 300, height: 200 });
    const [low, high] = [...root.querySelectorAll("circle")].map((c) => Number(c.getAttribute("cy")));
    expect(high).toBeLessThan(low);
  });

  it("renders names as text, never markup", () => {
    const root = host();
    const name = "<img src=x onerror=alert(1)>";
    lineChart(root, [{ name, points: [[0, 1], [1, 2]] }], { width: 300, height: 200 });
    expect(root.querySelector(".hitl-legend")?.textContent).toBe(name);
    expect(root.querySelector("img")).toBeNull();
  });

  it("redraws from scratch", () => {
    const root = host();
    for (let i = 0; i < 3; i++) lineChart(root, [{ name: "s", points: [[0, 1], [1, 2]] }], { width: 300, height: 200 });
    expect(root.querySelectorAll(".hitl-series").length).toBe(1);
  });
});

describe("barChart", () => {
  it("one bar per row, widths proportional to values", () => {
    const root = host();
    barChart(root, [["a", 2], ["b", 4], ["c", 0]], { width: 300, height: 40 });
    const widths = [...root.querySelectorAll("rect")].map((r) => Number(r.getAttribute("width")));
    expect(widths.length).toBe(3);
    expect(widths[1]).toBeCloseTo(widths[0] * 2, 1);
    expect(widths[2]).toBe(0);
    expect([...root.querySelectorAll(".hitl-bar")].map((g) => g.getAttribute("data-label"))).toEqual(["a", "b", "c"]);
  });
});

describe("legend", () => {
  it("sits above the plot area with a swatch per series (dashed for baselines)", () => {
    const root = host();
    lineChart(root, [
      { name: "accuracy", points: [[10, 0.5], [20, 0.7]] },
      { name: "random (baseline)", points: [[10, 0.4], [20, 0.5]], dashed: true },
    ], { width: 460, height: 220 });
    const items = [...root.querySelectorAll(".hitl-legend-item")];
    expect(items.map((i) => i.textContent)).toEqual(["accuracy", "random (baseline)"]);
    expect(items[0].classList.contains("hitl-series-0")).toBe(true);
    expect(items[1].classList.contains("hitl-series-1")).toBe(true);
    expect(items[1].querySelector("line.hitl-swatch")?.getAttribute("stroke-dasharray")).toBe("4 3");
    expect(items[0].querySelector("line.hitl-swatch")?.getAttribute("stroke-dasharray")).toBeNull();
    // every legend entry is above the plot's top (the y axis' upper end), none on the curves
    const axisTop = Number(root.querySelectorAll(".hitl-axis line")[1].getAttribute("y1"));
    for (const t of root.querySelectorAll(".hitl-legend-item text")) expect(Number(t.getAttribute("y"))).toBeLessThan(axisTop);
    const dots = [...root.querySelectorAll(".hitl-series circle")].map((c) => Number(c.getAttribute("cy")));
    expect(Math.min(...dots)).toBeGreaterThanOrEqual(axisTop);
    // side by side in one row
    const xs = items.map((i) => Number(i.querySelector("line")!.getAttribute("x1")));
    expect(xs[1]).toBeGreaterThan(xs[0]);
  });

  it("wraps to more rows when the names do not fit, and cuts long bar labels", () => {
    const rows = legendLayout(["a".repeat(30), "b".repeat(30), "c"], 320);
    expect(rows.map((r) => r.row)).toEqual([0, 1, 1]);
    expect(rows[1].x).toBe(rows[0].x);
    expect(legendLayout(["a", "b"], 300).map((r) => r.row)).toEqual([0, 0]);
    expect(clip("short", 60)).toBe("short");
    const cut = clip("x".repeat(300), 60);
    expect(cut.endsWith("…")).toBe(true);
    expect(cut.length).toBeLessThan(12);
    const root = host();
    barChart(root, [["y".repeat(300), 3]], { width: 260, height: 40 });
    const label = root.querySelector(".hitl-bar text")!;
    expect(label.querySelector("title")!.textContent).toBe("y".repeat(300));
    expect(label.firstChild!.textContent!.length).toBeLessThan(12);
  });
});
