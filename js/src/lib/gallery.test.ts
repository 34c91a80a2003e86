import { describe, expect, it } from "vitest";
import { captionText, fitText, Gallery, tileAt, tileLayout, tileRect, windowRows, wrapText } from "./gallery";
import { data } from "./dom";
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
  const selected: number[] = [];
  const g = new Gallery(cache, {
    thumb: 40, height: 128, columns: 5,
    caption: (id, item) => (item ? [`#${id}: `, data(item.label)] : ""),
    tileClass: (_id, item) => (item?.label === "b" ? "hitl-changed" : ""),
    onPainted: (count) => painted.push(count),
    onSelect: (i) => selected.push(i),
  });
  document.body.append(g.node);
  const ids = Array.from({ length: n }, (_, i) => i);
  return { model, cache, g, ids, painted, selected };
}

const options = (g: Gallery) => [...g.node.querySelectorAll<HTMLElement>(".hitl-tile-option")];

// a fixed-width font: every character 7 px
const mono = { measureText: (t: string) => ({ width: 7 * [...t].length }) };

describe("Gallery", () => {
  it("one canvas for the whole screen, no element per tile; lists and fetches only the window, for thousands of items", () => {
    const { g, ids, model } = make(5000);
    g.setIds(ids);
    expect(g.node.querySelectorAll("canvas")).toHaveLength(1);
    expect(g.canvas.getAttribute("aria-hidden")).toBe("true");
    // rows of 64 px in 128 px: rows 0..2 are in the window (one row of overscan)
    expect(options(g)).toHaveLength(15);
    expect(g.visibleIds()).toEqual(ids.slice(0, 15));
    // the canvas covers the viewport; the spacer makes up the content's 1000 rows of 64 px
    expect(g.node.querySelector<HTMLElement>(".hitl-gallery-inner")!.style.height).toBe(`${1000 * 64 - 128}px`);
    expect(g.canvas.style.height).toBe("128px");
    const asked = model.sentContents("fetch").flatMap((c: { ids: number[] }) => c.ids);
    expect(asked.slice(0, 15)).toEqual(ids.slice(0, 15));
    expect(asked.length).toBeLessThan(40); // the view and the next rows, not everything
    g.node.scrollTop = 64 * 500;
    g.render();
    const shown = options(g).map((t) => Number(t.dataset.index));
    expect(Math.min(...shown)).toBe(499 * 5);
    expect(shown.length).toBeLessThanOrEqual(20);
    expect(g.node.querySelectorAll("canvas")).toHaveLength(1);
  });

  it("a new set of ids reuses the options; the hidden list holds captions and texts as text", async () => {
    const { g, cache, painted } = make(0);
    const a = Array.from({ length: 12 }, (_, i) => i);
    const b = Array.from({ length: 7 }, (_, i) => 100 + i);
    await cache.receive([...a, ...b].map((id) => ({ id, kind: "text", text: `<b>t${id}</b>`, label: "a" })), []);
    g.setIds(a);
    const before = options(g);
    expect(before.length).toBe(12);
    g.setIds(b);
    const after = options(g);
    expect(after.length).toBe(7); // the 5 left over are out of the list
    expect(after.every((t) => before.includes(t))).toBe(true);
    expect(after.map((t) => t.querySelector(".hitl-tile-text")!.textContent)).toEqual(b.map((id) => `<b>t${id}</b>`));
    expect(g.node.querySelector("b:not(bdi)")).toBeNull();
    expect(after.map((t) => t.dataset.id)).toEqual(b.map(String));
    // the caption's data piece sits in its own <bdi>
    expect(after[0].querySelector(".hitl-tile-caption bdi")!.textContent).toBe("a");
    expect(after[0].querySelector(".hitl-tile-caption")!.textContent).toBe("#100: a");
    expect(painted).toEqual([12, 7]);
  });

  it("reports the paint once all of the window has arrived; a refresh of one item updates its option", async () => {
    const { g, ids, cache, painted } = make(12);
    g.setIds(ids, ids.slice(0, 15));
    expect(painted).toEqual([]);
    await cache.receive(ids.map((id) => ({ id, kind: "text", text: `x${id}`, label: "a" })), []);
    g.refresh();
    expect(painted).toEqual([12]);
    g.refresh();
    expect(painted).toEqual([12]);
    expect(options(g)[3].querySelector(".hitl-tile-caption")!.textContent).toBe("#3: a");
    cache.update(3, { label: "b" });
    g.refresh([3]);
    expect(options(g)[3].querySelector(".hitl-tile-caption")!.textContent).toBe("#3: b");
    expect(options(g)[3].className).toBe("hitl-tile-option hitl-changed");
    await flush();
  });

  it("keys move the selection over the grid; the listbox names the selected option; a live region says it", async () => {
    const { g, ids, cache, selected } = make(12);
    await cache.receive(ids.map((id) => ({ id, kind: "text", text: `x${id}`, label: "a" })), []);
    g.setIds(ids);
    const list = g.node.querySelector(".hitl-gallery-list")!;
    expect(list.getAttribute("role")).toBe("listbox");
    expect(list.getAttribute("aria-activedescendant")).toBe(options(g)[0].id);
    expect(g.handleKey("ArrowDown")).toBe(true);
    g.handleKey("ArrowRight");
    expect(g.selected).toBe(6);
    expect(g.selectedId).toBe(6);
    expect(selected).toEqual([5, 6]);
    expect(options(g).filter((o) => o.getAttribute("aria-selected") === "true").map((o) => o.dataset.index)).toEqual(["6"]);
    expect(list.getAttribute("aria-activedescendant")).toBe(options(g)[6].id);
    expect(g.node.querySelector("[aria-live]")!.textContent).toBe("item 7 / 12: #6: \u2068a\u2069");
    g.handleKey("End");
    expect(g.selected).toBe(11);
    g.handleKey("ArrowLeft");
    g.handleKey("Home");
    expect(g.selected).toBe(0);
    g.handleKey("PageDown"); // one screen: 2 rows of 5
    expect(g.selected).toBe(10);
    g.handleKey("PageUp");
    expect(g.selected).toBe(0);
    expect(g.handleKey("x")).toBe(false);
  });

  it("selecting a tile below the view scrolls it in, and the window follows", () => {
    const { g, ids } = make(100);
    g.setIds(ids);
    g.select(42); // row 8: top 512, bottom 576 -> scrolled to 576 - 128
    expect(g.node.scrollTop).toBe(576 - 128);
    expect(g.visibleIds()).toContain(42);
    // its option says where it is painted: column 2, 512 - 448 px below the canvas's top (+ the gap)
    const option = g.node.querySelector<HTMLElement>('.hitl-tile-option[data-index="42"]')!;
    expect([option.dataset.x, option.dataset.y, option.dataset.size]).toEqual(["98", String(512 + 6 - 448), "40"]);
    g.select(0);
    expect(g.node.scrollTop).toBe(0);
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
    expect(g.node.querySelector<HTMLElement>(".hitl-gallery-inner")!.style.height).toBe("0px");
    g.setIds(Array.from({ length: 100 }, (_, i) => i));
    expect(g.node.style.height).toBe("128px");
  });
});

describe("layout and hit-testing", () => {
  it("tileLayout widens the tiles to fill the row, at most twice the thumbnail", () => {
    // 1000 px of 72 px thumbs: 12 columns, each widened to (1000 - 6) / 12 - 6 = 76 px
    expect(tileLayout(1000, 72)).toEqual({ columns: 12, size: 76 });
    // 150 px: one column of 72 would leave half empty, so it grows to 138 (< 2 x 72)
    expect(tileLayout(150, 72)).toEqual({ columns: 1, size: 138 });
    expect(tileLayout(400, 72 * 4)).toEqual({ columns: 1, size: 388 });
    expect(tileLayout(0, 72, 5)).toEqual({ columns: 5, size: 72 }); // not laid out yet
  });

  it("tileRect and tileAt agree: every tile's corners hit it, the gaps and the empty end hit nothing", () => {
    const layout = { columns: 4, size: 50 };
    const n = 10; // rows of 4, 4, 2
    expect(tileRect(0, layout)).toEqual({ x: 6, y: 6, w: 50, h: 68 });
    expect(tileRect(5, layout)).toEqual({ x: 62, y: 80, w: 50, h: 68 });
    for (let i = 0; i < n; i++) {
      const r = tileRect(i, layout);
      expect([tileAt(r.x, r.y, layout, n), tileAt(r.x + r.w - 0.5, r.y + r.h - 0.5, layout, n)]).toEqual([i, i]);
      expect(tileAt(r.x - 1, r.y + 10, layout, n)).toBe(-1); // the gap to its left
      expect(tileAt(r.x + 10, r.y + r.h + 1, layout, n)).toBe(-1); // the gap below its caption
    }
    expect(tileAt(0, 0, layout, n)).toBe(-1); // the margin
    expect(tileAt(tileRect(2, layout).x + 5, tileRect(10, layout).y + 5, layout, n)).toBe(-1); // row 3 ends at item 9
    expect(tileAt(4 * 56 + 6 + 3, 20, layout, n)).toBe(-1); // right of the last column
  });

  it("windowRows: the rows in view and one either side, within the list", () => {
    const layout = { columns: 5, size: 40 }; // rows of 64 px
    expect(windowRows(0, 128, layout, 5000)).toEqual({ first: 0, last: 2 });
    expect(windowRows(64 * 10 + 3, 128, layout, 5000)).toEqual({ first: 9, last: 13 });
    expect(windowRows(0, 128, layout, 7)).toEqual({ first: 0, last: 1 });
  });

  it("captions: data pieces between isolates; cut with an ellipsis; texts wrapped", () => {
    expect(captionText(["✎ ", data("\u202egnp.exe"), " · pred ", data(3)])).toBe("✎ \u2068\u202egnp.exe\u2069 · pred \u20683\u2069");
    expect(captionText("plain")).toBe("plain");
    expect(fitText(mono, "abcdef", 42)).toBe("abcdef");
    expect(fitText(mono, "abcdefgh", 42)).toBe("abcde…");
    expect(fitText(mono, "abcdefgh", 5)).toBe("");
    expect(wrapText(mono, "one two three four", 56, 3)).toEqual(["one two", "three", "four"]);
    expect(wrapText(mono, "one two three four five six", 56, 2)).toEqual(["one two", "three f…"]);
    expect(wrapText(mono, "abcdefghijklmnop", 35, 4)).toEqual(["abcde", "fghij", "klmno", "p"]);
  });
});
