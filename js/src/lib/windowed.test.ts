import { describe, expect, it } from "vitest";
import { lineOf, scrollToShow, visibleLines, WindowedList, wrapLines } from "./windowed";

describe("windowed layout", () => {
  it("wraps items into lines by width, gap included; a too-wide item gets a line of its own", () => {
    expect(wrapLines([40, 40, 40], 10, 100)).toEqual([0, 2]);
    expect(wrapLines([40, 40, 40], 10, 140)).toEqual([0]);
    expect(wrapLines([40, 40, 40], 11, 140)).toEqual([0, 2]);
    expect(wrapLines([10, 500, 10, 10], 5, 100)).toEqual([0, 1, 2]);
    expect(wrapLines([], 5, 100)).toEqual([]);
  });

  it("finds the line of an item", () => {
    const starts = [0, 3, 7, 8];
    expect([0, 2, 3, 6, 7, 8, 20].map((k) => lineOf(starts, k))).toEqual([0, 0, 1, 1, 2, 3, 3]);
    expect(lineOf([], 5)).toBe(0);
  });

  it("renders the lines in view and an overscan, clipped to the lines there are", () => {
    expect(visibleLines(0, 100, 20, 1000, 2)).toEqual([0, 7]);
    expect(visibleLines(400, 100, 20, 1000, 2)).toEqual([18, 27]);
    expect(visibleLines(19_900, 100, 20, 1000, 2)).toEqual([993, 1000]);
    expect(visibleLines(0, 0, 20, 3, 0)).toEqual([0, 1]); // an unlaid box still shows its first line
    expect(visibleLines(0, 100, 20, 0)).toEqual([0, 0]);
  });

  it("scrolls the least to show a line, not at all when it is in view", () => {
    expect(scrollToShow(5, 20, 0, 100)).toBe(20); // line 5 is 100..120: its bottom at the view's bottom
    expect(scrollToShow(2, 20, 100, 100)).toBe(40); // above the view: its top at the view's top
    expect(scrollToShow(3, 20, 40, 100)).toBeNull();
  });
});

/** A box of `width` x `height` px (happy-dom lays nothing out: sizes are given). */
function box(width: number, height: number): HTMLElement {
  const el = document.createElement("div");
  el.style.lineHeight = "20px";
  el.style.fontSize = "10px";
  Object.defineProperty(el, "clientWidth", { get: () => width });
  Object.defineProperty(el, "clientHeight", { get: () => height });
  document.body.append(el);
  return el;
}

describe("WindowedList", () => {
  const texts = Array.from({ length: 10_000 }, (_, k) => `w${k}`);
  const make = (el: HTMLElement) => new WindowedList(el, {
    render: (k) => {
      const s = document.createElement("span");
      s.textContent = texts[k];
      s.dataset.index = String(k);
      return s;
    },
    text: (k) => texts[k],
    pad: 6,
  });

  it("makes elements only for the lines in view, and the sizer as tall as every line", () => {
    const el = box(400, 100);
    const list = make(el);
    list.setItems(texts.length);
    const spans = el.querySelectorAll("span");
    expect(spans.length).toBeGreaterThan(10);
    expect(spans.length).toBeLessThan(200); // of 10,000
    const first = [...spans].map((s) => Number(s.dataset.index));
    expect(first[0]).toBe(0);
    expect(first).toEqual(first.map((_, k) => k)); // in order, none skipped
    const sizer = el.querySelector<HTMLElement>(".hitl-windowed-sizer")!;
    const lines = parseFloat(sizer.style.height) / 20;
    expect(lines).toBeGreaterThan(10_000 / 60); // every line counted, not only the rendered ones
    expect(list.rendered(0)).toBe(spans[0]);
    expect(list.inView()[0]).toBe(0);
  });

  it("scrolls the box to an item far down and renders it; the first lines go", () => {
    const el = box(400, 100);
    const list = make(el);
    list.setItems(texts.length);
    list.show(9_000);
    expect(el.scrollTop).toBeGreaterThan(0);
    expect(list.rendered(9_000)?.textContent).toBe("w9000");
    expect(list.rendered(0)).toBeUndefined();
    expect(el.querySelector('[data-index="0"]')).toBeNull();
    const [a, b] = list.inView();
    expect(a).toBeLessThanOrEqual(9_000);
    expect(b).toBeGreaterThan(9_000);
  });

  it("shows a message instead, then items again", () => {
    const el = box(400, 100);
    const list = make(el);
    list.setItems(50);
    list.showInstead("loading…");
    expect(el.textContent).toBe("loading…");
    expect(list.rendered(0)).toBeUndefined();
    list.setItems(3);
    expect(el.querySelectorAll("span").length).toBe(3);
  });
});
