// The gallery's one canvas in real Chromium at device pixel ratio 2: each tile's image is painted
// where tileRect says, the gaps stay clear, the selection's frame is drawn, a click at a painted
// tile selects that tile (and one in a gap selects nothing), hover and scroll redraw, nothing else does.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Gallery, GAP, rawThumbnail, rowHeight, tileLayout, tileRect } from "./gallery";
import { ItemCache, ItemInfo } from "./items";

const sender = { sent: [] as unknown[], send(m: unknown) { this.sent.push(m); } };

async function solid(colour: string): Promise<ImageBitmap> {
  const c = document.createElement("canvas");
  c.width = c.height = 32;
  const ctx = c.getContext("2d")!;
  ctx.fillStyle = colour;
  ctx.fillRect(0, 0, 32, 32);
  return createImageBitmap(c);
}

// item i: red when i % 3 == 0, green when 1, blue when 2
const COLOURS = ["#ff0000", "#00ff00", "#0000ff"];
const RGB = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];

async function make(n: number) {
  const cache = new ItemCache(sender, 1000);
  const images = await Promise.all(COLOURS.map(solid));
  const infos: ItemInfo[] = Array.from({ length: n }, (_, id) => ({ id, kind: "image", image: images[id % 3], label: `l${id}` }));
  infos[4] = { id: 4, kind: "text", text: "<img src=x onerror=\"window.__pwned=1\">", label: "t" };
  await cache.receive(infos, []);
  const selected: number[] = [];
  const g = new Gallery(cache, { thumb: 40, height: 200, caption: (id) => `#${id}`, onSelect: (i) => selected.push(i) });
  g.node.style.width = "300px"; // 6 columns
  document.body.append(g.node);
  g.setIds(Array.from({ length: n }, (_, i) => i));
  return { g, selected };
}

function pixel(g: Gallery, x: number, y: number): number[] {
  // (x, y) in CSS pixels of the canvas -> its device pixel at ratio 2
  const d = g.canvas.getContext("2d")!.getImageData(Math.round(x * 2), Math.round(y * 2), 1, 1).data;
  return [...d];
}

function at(g: Gallery, x: number, y: number, type: string): void {
  const box = g.canvas.getBoundingClientRect();
  g.canvas.dispatchEvent(new MouseEvent(type, { clientX: box.left + x, clientY: box.top + y, bubbles: true }));
}

describe("Gallery canvas in Chromium", () => {
  const ratio = window.devicePixelRatio;
  beforeEach(() => Object.defineProperty(window, "devicePixelRatio", { value: 2, configurable: true }));
  afterEach(() => {
    Object.defineProperty(window, "devicePixelRatio", { value: ratio, configurable: true });
    document.body.replaceChildren();
  });

  it("paints every tile in view into one canvas at device pixel ratio 2, where tileRect says", async () => {
    const { g } = await make(60);
    expect(g.layout).toEqual(tileLayout(g.node.clientWidth, 40));
    expect(g.layout.columns).toBe(6);
    expect(document.querySelectorAll("canvas")).toHaveLength(1);
    expect(g.canvas.clientHeight).toBe(g.node.clientHeight);
    expect(g.canvas.clientWidth).toBe(g.node.clientWidth);
    expect([g.canvas.width, g.canvas.height]).toEqual([2 * g.node.clientWidth, 2 * g.node.clientHeight]);
    const rows = Math.floor(g.node.clientHeight / rowHeight(g.layout)); // the rows wholly in view
    expect(rows).toBeGreaterThanOrEqual(2);
    for (let i = 0; i < rows * 6; i++) {
      if (i === 4) continue; // the text item
      const r = tileRect(i, g.layout);
      expect(pixel(g, r.x + r.w / 2, r.y + r.w / 2)).toEqual([...RGB[i % 3], 255]);
    }
    const r0 = tileRect(0, g.layout);
    expect(pixel(g, r0.x + r0.w + GAP / 2, r0.y + 10)[3]).toBe(0); // the gap: the box's own background
    expect(pixel(g, 1, 1)[3]).toBe(0);
    // the selected tile (0) has its frame, in the accent colour; tile 1's edge is its image
    expect(pixel(g, r0.x + 0.5, r0.y + 20)).toEqual([0x19, 0x76, 0xd2, 255]);
    const r1 = tileRect(1, g.layout);
    expect(pixel(g, r1.x + 0.5, r1.y + 20)).not.toEqual([0x19, 0x76, 0xd2, 255]);
    // a text item's text is drawn, never parsed: no element came of it
    expect(document.querySelector("img")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    expect(g.node.querySelector('.hitl-tile-option[data-index="4"] .hitl-tile-text')!.textContent).toBe("<img src=x onerror=\"window.__pwned=1\">");
  });

  it("a click selects the painted tile under it; a click in a gap selects nothing", async () => {
    const { g, selected } = await make(60);
    const r = tileRect(9, g.layout); // row 1, column 3
    at(g, r.x + 5, r.y + r.h - 3, "click"); // on its caption
    expect(selected).toEqual([9]);
    expect(g.selected).toBe(9);
    expect(pixel(g, r.x + 0.5, r.y + 20)).toEqual([0x19, 0x76, 0xd2, 255]); // the frame moved
    at(g, r.x - GAP / 2, r.y + 5, "click");
    expect(selected).toEqual([9]);
    // tileBox names where the tile is on the page: a click there hits it
    const box = g.tileBox(13)!;
    g.canvas.dispatchEvent(new MouseEvent("click", { clientX: box.x + box.width / 2, clientY: box.y + box.height / 2, bubbles: true }));
    expect(g.selected).toBe(13);
  });

  it("scrolling paints the rows scrolled to, and clicks hit them; hover redraws only when the tile under the mouse changes", async () => {
    const { g, selected } = await make(60);
    const top = 3 * rowHeight(g.layout); // row 3 at the top
    g.node.scrollTop = top;
    await new Promise((resolve) => g.node.addEventListener("scroll", resolve, { once: true }));
    expect(g.node.scrollTop).toBe(top);
    const r = tileRect(19, g.layout); // row 3, column 1: 6 px below the canvas top now
    expect(pixel(g, r.x + 20, r.y - top + 20)).toEqual([...RGB[19 % 3], 255]);
    at(g, r.x + 20, r.y - top + 20, "click");
    expect(selected).toEqual([19]);
    const draws = g.draws;
    at(g, r.x + 20, r.y - top + 20, "mousemove");
    expect(g.draws).toBe(draws + 1);
    expect(g.canvas.style.cursor).toBe("pointer");
    at(g, r.x + 22, r.y - top + 25, "mousemove"); // the same tile
    expect(g.draws).toBe(draws + 1);
    at(g, r.x - 3, r.y - top + 25, "mousemove"); // a gap
    expect(g.draws).toBe(draws + 2);
    expect(g.canvas.style.cursor).toBe("");
    g.refresh([0]); // an item far above the window: nothing to redraw
    expect(g.draws).toBe(draws + 2);
    g.refresh([20]);
    expect(g.draws).toBe(draws + 3);
  });

  it("rawThumbnail decodes raw grey / RGB pixels once into an ImageBitmap; bad input is an error", async () => {
    const buf = new Uint8Array([9, 9, 10, 20, 30, 40, 1, 2, 3, 4, 5, 6, 200, 100, 50, 7, 7]); // 2 of junk, then 2x2 grey, 2x1 RGB
    const grey = await rawThumbnail(buf, 2, 2, 2, 1);
    const rgb = await rawThumbnail(buf, 6, 2, 1, 3);
    expect(grey).toBeInstanceOf(ImageBitmap);
    const read = (image: ImageBitmap) => {
      const c = document.createElement("canvas");
      c.width = image.width;
      c.height = image.height;
      const ctx = c.getContext("2d")!;
      ctx.drawImage(image, 0, 0);
      return [...ctx.getImageData(0, 0, c.width, c.height).data];
    };
    expect(read(grey)).toEqual([10, 10, 10, 255, 20, 20, 20, 255, 30, 30, 30, 255, 40, 40, 40, 255]);
    expect(read(rgb)).toEqual([1, 2, 3, 255, 4, 5, 6, 255]);
    await expect(rawThumbnail(buf, 10, 4, 4, 1)).rejects.toThrow("bad raw thumbnail");
    await expect(rawThumbnail(buf, 0, 1, 1, 2)).rejects.toThrow("bad raw thumbnail");
  });
});
