import { describe, expect, it } from "vitest";
import { arrowBetween, edgePoint, filterChoices } from "./arrows";

describe("edgePoint", () => {
  it("leaves the box on the side facing the target", () => {
    expect(edgePoint([0, 0, 10, 10], 100, 5)).toEqual([10, 5]);
    expect(edgePoint([0, 0, 10, 10], 5, -50)).toEqual([5, 0]);
    expect(edgePoint([0, 0, 10, 20], 25, 15)).toEqual([10, 11.25]); // the ray meets x = 10 first
  });
  it("stays at the centre when the target is inside the box", () => {
    expect(edgePoint([0, 0, 10, 10], 6, 5)).toEqual([5, 5]);
    expect(edgePoint([0, 0, 10, 10], 5, 5)).toEqual([5, 5]);
  });
});

describe("arrowBetween", () => {
  it("joins the facing borders and puts the label in the middle", () => {
    const a = arrowBetween([0, 0, 10, 10], [30, 0, 40, 10]);
    expect(a).toEqual({ x0: 10, y0: 5, x1: 30, y1: 5, mx: 20, my: 5 });
  });
  it("joins the centres of overlapping boxes", () => {
    const a = arrowBetween([0, 0, 20, 10], [15, 0, 40, 10]); // the borders cross: 20 > 15
    expect([a.x0, a.y0, a.x1, a.y1]).toEqual([10, 5, 27.5, 5]);
  });
});

describe("filterChoices", () => {
  const preds = ["on", "next to", "holding", "in front of"];
  it("keeps every choice for an empty query", () => expect(filterChoices(preds, " ")).toEqual([0, 1, 2, 3]));
  it("puts prefix matches before inner matches, ignoring case", () => {
    expect(filterChoices(preds, "O")).toEqual([0, 1, 2, 3].filter((k) => preds[k].includes("o")).sort((p, q) => Number(!preds[p].startsWith("o")) - Number(!preds[q].startsWith("o"))));
    expect(filterChoices(preds, "on")).toEqual([0, 3]);
    expect(filterChoices(preds, "xyz")).toEqual([]);
  });
});
