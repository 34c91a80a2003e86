import { describe, expect, it } from "vitest";
import { Gallery, tileLayout } from "./gallery";
import { ItemCache } from "./items";
// @ts-expect-error plain JS helper without type declarations
import { createFakeModel } from "../../testing/fake-model.js";

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function make(n: number) {
  const model = createFakeModel({});
  const cache = new ItemCache(model, 1000);
  const painted: number[] = [];
  const g = new Gallery(cache, {
    thumb: 40, height: 128, columns: 5,
    caption: (id, item) => (item ? `#${id}: ${String(item.label)}` : ""),
    onPainted: (count) => painted.push(count),
  });
  document.body.append(g.node);
  const ids = Array.from({ length: n }, (_, i) => i);
  return { model, cache, g, ids, painted };
}

describe("Gallery", () => {
  it("keeps only the rows in view in the DOM, for thousands of items", () => {
    const { g, ids, model } = make(5000);
    g.setIds(ids);
    const tiles = g.node.querySelectorAll(".hitl-tile");
    // rows of 64 px in 128 px: rows 0..2 are rendered (one row of overscan)
    expect(tiles.length).toBe(15);
    expect(g.node.querySelector(".hitl-gallery-inner")!.getAttribute("style")).toContain(`height: ${1000 * 64}px`);
    const asked = model.sentContents("fetch").flatMap((c: { ids: number[] }) => c.ids);
    expect(asked.slice(0, 15)).toEqual(ids.slice(0, 15));
    expect(asked.length).toBeLessThan(40); // the view and the next rows, not everything
    g.node.scrollTop = 64 * 500;
    g.render();
    const shown = [...g.node.querySelectorAll<HTMLElement>(".hitl-tile")].map((t) => Number(t.dataset.index));
    expect(Math.min(...shown)).toBe(499 * 5);
    expect(shown.length).toBeLessThanOrEqual(20);
  });

  it("a new set of ids refills the tiles already on screen instead of building new ones", async () => {
    const { g, cache, painted } = make(0);
    const a = Array.from({ length: 12 }, (_, i) => i);
    const b = Array.from({ length: 7 }, (_, i) => 100 + i);
    await cache.receive([...a, ...b].map((id) => ({ id, kind: "text", text: `t${id}`, label: "a" })), []);
    g.setIds(a);
    const before = [...g.node.querySelectorAll<HTMLElement>(".hitl-tile")];
    expect(before.length).toBe(12);
    g.setIds(b);
    const after = [...g.node.querySelectorAll<HTMLElement>(".hitl-tile")].sort((x, y) => Number(x.dataset.index) - Number(y.dataset.index));
    expect(after.length).toBe(7); // the 5 tiles left over are gone from the page
    expect(after.every((t) => before.includes(t))).toBe(true);
    expect(after.map((t) => t.querySelector(".hitl-tile-text")!.textContent)).toEqual(b.map((id) => `t${id}`));
    expect(after.map((t) => t.dataset.id)).toEqual(b.map(String));
    expect(painted).toEqual([12, 7]);
  });

  it("fills tiles as text when items arrive, reports the paint once, moves the selection", async () => {
    const { g, ids, cache, painted } = make(12);
    g.setIds(ids, ids.slice(0, 15));
    expect(painted).toEqual([]);
    await cache.receive(ids.map((id) => ({ id, kind: "text", text: `<b>${id}</b>`, label: "a" })), []);
    g.refresh();
    expect(painted).toEqual([12]);
    g.refresh();
    expect(painted).toEqual([12]);
    const first = g.node.querySelector(".hitl-tile")!;
    expect(first.querySelector(".hitl-tile-caption")!.textContent).toBe("#0: a");
    expect(first.querySelector(".hitl-tile-text")!.textContent).toBe("<b>0</b>");
    expect(g.node.querySelector("b")).toBeNull();
    g.handleKey("ArrowDown");
    g.handleKey("ArrowRight");
    expect(g.selected).toBe(6);
    expect(g.selectedId).toBe(6);
    g.handleKey("End");
    expect(g.selected).toBe(11);
    await flush();
  });

  it("does not ask for pushed ids it was told are on their way", () => {
    const { g, ids, model } = make(30);
    g.setIds(ids, ids.slice(0, 15));
    const asked = model.sentContents("fetch").flatMap((c: { ids: number[] }) => c.ids);
    expect(asked.some((id: number) => id < 15)).toBe(false);
  });

  it("a short list shrinks the viewport to its rows; a long one keeps the set height", () => {
    const { g } = make(0);
    g.setIds([1, 2, 3]);
    expect(g.node.style.height).toBe(`${64 + 6 + 4}px`); // one row of 40 px tiles + caption + gaps
    g.setIds(Array.from({ length: 100 }, (_, i) => i));
    expect(g.node.style.height).toBe("128px");
  });
});

describe("tileLayout", () => {
  it("widens the tiles to fill the row, at most twice the thumbnail", () => {
    // 1000 px of 72 px thumbs: 12 columns, each widened to (1000 - 6) / 12 - 6 = 76 px
    expect(tileLayout(1000, 72)).toEqual({ columns: 12, size: 76 });
    // 150 px: one column of 72 would leave half empty, so it grows to 138 (< 2 x 72)
    expect(tileLayout(150, 72)).toEqual({ columns: 1, size: 138 });
    expect(tileLayout(400, 72 * 4)).toEqual({ columns: 1, size: 388 });
    expect(tileLayout(0, 72, 5)).toEqual({ columns: 5, size: 72 }); // not laid out yet
  });
});

