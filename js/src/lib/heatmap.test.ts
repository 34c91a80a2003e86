import { describe, expect, it } from "vitest";
import { Heatmap } from "./heatmap";

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
});
