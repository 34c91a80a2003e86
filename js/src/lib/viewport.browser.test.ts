// Viewport in real Chromium: a zoomed-in image stays pixel-crisp (no smoothing between image
// pixels), the image point under the cursor maps to the right canvas pixel, at device pixel ratio 2.
import { describe, expect, it } from "vitest";
import { ImagePyramid, Viewport } from "./viewport";

async function checkerboard(size: number): Promise<ImageBitmap> {
  const c = document.createElement("canvas");
  c.width = c.height = size;
  const ctx = c.getContext("2d")!;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    ctx.fillStyle = (x + y) % 2 ? "#ff0000" : "#0000ff";
    ctx.fillRect(x, y, 1, 1);
  }
  return createImageBitmap(c);
}

describe("Viewport in Chromium", () => {
  it("zoomed in 20x at dpr 2: every device pixel is exactly an image pixel's colour, at the mapped place", async () => {
    const img = await checkerboard(8);
    const v = new Viewport();
    v.setView(200, 100, 2);
    v.setImage(8, 8);
    v.zoomAt(20 / v.scale, 0, 0); // 20 CSS px (40 device px) per image pixel
    v.panBy(-30, -10);
    const canvas = document.createElement("canvas");
    v.sizeCanvas(canvas);
    expect([canvas.width, canvas.height]).toEqual([400, 200]);
    const ctx = canvas.getContext("2d")!;
    v.drawImage(ctx, img);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let mixed = 0;
    let empty = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a === 0) empty++; // left of the image
      else if (!(a === 255 && ((r === 255 && g === 0 && b === 0) || (r === 0 && g === 0 && b === 255)))) mixed++;
    }
    expect(mixed).toBe(0); // crisp: no blended colours at all
    // zoom about (0, 0) from the fit (12.5 px, centred at x 50) puts the image at x 80, the pan at 50
    expect([v.tx, v.ty]).toEqual([50, -10]);
    expect(empty).toBe(50 * 2 * 200); // the image (160 CSS px wide) starts 50 CSS px in
    // the device pixel at CSS (55, 33) shows image pixel toImage(55, 33)
    const p = v.toImage(55, 33);
    const expected = (Math.floor(p.x) + Math.floor(p.y)) % 2 ? 255 : 0;
    const at = (Math.round(33 * 2) * canvas.width + Math.round(55 * 2)) * 4;
    expect(data[at]).toBe(expected);
  });

  it("zoomed out, a pyramid level is drawn and the picture matches the full-resolution one", async () => {
    const c = document.createElement("canvas");
    c.width = 2048;
    c.height = 1024;
    const cctx = c.getContext("2d")!;
    const grad = cctx.createLinearGradient(0, 0, 2048, 0);
    grad.addColorStop(0, "#000000");
    grad.addColorStop(1, "#ffffff");
    cctx.fillStyle = grad;
    cctx.fillRect(0, 0, 2048, 1024);
    const img = await createImageBitmap(c);
    const pyramid = new ImagePyramid(img);
    await new Promise((r) => setTimeout(r, 200));
    expect(pyramid.levels.map((l) => l.factor)).toEqual([0.5, 0.25]);
    const v = new Viewport();
    v.setView(256, 128, 1);
    v.setImage(2048, 1024); // fit: 1/8
    const draw = (p?: ImagePyramid) => {
      const out = document.createElement("canvas");
      v.sizeCanvas(out);
      const ctx = out.getContext("2d")!;
      v.drawImage(ctx, img, p);
      return ctx.getImageData(0, 64, 256, 1).data;
    };
    const full = draw();
    const fast = draw(pyramid);
    let worst = 0;
    for (let i = 0; i < full.length; i += 4) worst = Math.max(worst, Math.abs(full[i] - fast[i]));
    expect(worst).toBeLessThanOrEqual(6); // the same gradient, read from a smaller copy
    expect(fast[4 * 128]).toBeGreaterThan(100);
    expect(fast[4 * 128]).toBeLessThan(156);
  });
});
