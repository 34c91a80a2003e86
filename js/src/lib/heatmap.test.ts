import { describe, expect, it } from "vitest";
import { contrastRatio, parseColour } from "./contrast";
import { Heatmap, heatShares, MAX_TINT, MIN_OFF_TINT } from "./heatmap";

function make() {
  const opened: Array<[number, number]> = [];
  const hm = new Heatmap({ onOpen: (r, c) => opened.push([r, c]), corner: "t\\p" });
  document.body.append(hm.node);
  hm.set({ values: [[5, 1, 0], [2, 7, 0]], rowLabels: ["a", "b"], colLabels: ["a", "b", "<i>c</i>"], diagonal: true });
  return { hm, opened };
}

describe("Heatmap", () => {
  it("renders values as text with a share-based shade and labels as plain text", () => {
    const { hm } = make();
    expect(hm.node.querySelectorAll(".hitl-heat-cell")).toHaveLength(6);
    expect(hm.cell(1, 1)!.textContent).toBe("7");
    expect(hm.cell(1, 1)!.style.getPropertyValue("--hitl-heat")).toBe("85%");
    expect(hm.cell(0, 2)!.style.getPropertyValue("--hitl-heat")).toBe("0%");
    expect(hm.cell(0, 0)!.classList.contains("hitl-heat-diag")).toBe(true);
    expect(hm.cell(0, 1)!.classList.contains("hitl-heat-off")).toBe(true);
    const head = [...hm.node.querySelectorAll(".hitl-heat-colhead")].map((e) => e.textContent);
    expect(head).toEqual(["a", "b", "<i>c</i>"]);
    expect(hm.node.querySelector("i")).toBeNull();
  });

  it("moves the focus with arrows (no wrap), opens with Enter and on click", () => {
    const { hm, opened } = make();
    expect(hm.handleKey("ArrowRight")).toBe(true);
    hm.handleKey("ArrowRight");
    hm.handleKey("ArrowRight"); // stays at the edge
    expect([hm.row, hm.col]).toEqual([0, 2]);
    hm.handleKey("ArrowDown");
    hm.handleKey("ArrowDown");
    expect([hm.row, hm.col]).toEqual([1, 2]);
    expect(hm.cell(1, 2)!.getAttribute("aria-selected")).toBe("true");
    expect(hm.cell(0, 2)!.getAttribute("aria-selected")).toBe("false");
    hm.handleKey("Enter");
    (hm.cell(0, 1) as HTMLElement).click();
    expect(opened).toEqual([[1, 2], [0, 1]]);
    expect(hm.handleKey("x")).toBe(false);
  });

  it("keeps the focus across updates and skips disabled cells", () => {
    const { hm, opened } = make();
    hm.focus(1, 1);
    hm.set({ values: [[1, 2], [3, 4]], rowLabels: ["a", "b"], colLabels: ["a", "b"], disabled: (r, c) => r === c });
    expect([hm.row, hm.col]).toEqual([1, 1]);
    hm.open();
    expect(opened).toEqual([]);
  });

  it("scales off-diagonal cells apart from the diagonal: an error of 12 is far stronger than 1", () => {
    const values = [[500, 12, 1], [0, 400, 3], [1, 0, 300]];
    const rowShare = values.map((r) => r.map((v) => v / r.reduce((a, b) => a + b, 0)));
    const s = heatShares(values, rowShare, true);
    expect(s[0][0]).toBeCloseTo(500 / 513, 6); // the diagonal keeps the given scale
    expect(s[0][1]).toBe(1); // the largest error count gets the full tint
    expect(s[0][2]).toBeCloseTo(MIN_OFF_TINT / MAX_TINT + (1 - MIN_OFF_TINT / MAX_TINT) / 12, 6);
    expect(s[0][1] - s[0][2]).toBeGreaterThan(0.7);
    expect(s[1][0]).toBe(0); // no errors: no tint
    expect(s[0][2] * MAX_TINT).toBeGreaterThanOrEqual(MIN_OFF_TINT - 1e-9); // a single error is still visible
    // with the row shares alone (the old scale) the two errors were 0.023 and 0.002: both invisible
    expect(heatShares(values, rowShare, false)[0][1]).toBeLessThan(0.03);
    // without a diagonal: value / max, non-finite as 0
    expect(heatShares([[2, 4], [NaN, 0]])).toEqual([[0.5, 1], [0, 0]]);
  });

  it("paints every cell with a text colour that reads at >= 4.5:1 on its background", () => {
    const hm = new Heatmap({ onOpen: () => {} });
    document.body.append(hm.node);
    const values = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]];
    for (const diagonal of [false, true]) {
      hm.set({ values, rowLabels: ["a", "b", "c", "d"], colLabels: ["a", "b", "c", "d"], diagonal });
      for (const cell of hm.node.querySelectorAll<HTMLElement>(".hitl-heat-cell")) {
        const bg = parseColour(cell.style.backgroundColor)!;
        const fg = parseColour(cell.style.color)!;
        expect(bg).not.toBeNull();
        expect(contrastRatio(fg, bg)).toBeGreaterThanOrEqual(4.5);
      }
    }
    // the strongest diagonal cell is the ok colour mixed in: a different background from an empty cell
    expect(hm.cell(3, 3)!.style.backgroundColor).not.toBe(hm.cell(0, 0)!.style.backgroundColor);
    hm.dispose();
  });
});

