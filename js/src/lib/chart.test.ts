import { describe, expect, it } from "vitest";
import { barChart, lineChart, svg, ticks } from "./chart";

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
