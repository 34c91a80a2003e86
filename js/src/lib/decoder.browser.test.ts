// Decoding in a worker, in real Chromium: the bitmap that comes back has the image's pixels, a
// corrupt image is a decoding error (not a fallback), and the page path still works.
import { describe, expect, it } from "vitest";
import { offThreadDecoder } from "./decoder";
import { decodeImage } from "./media";

async function png(w: number, h: number): Promise<Uint8Array> {
  const c = document.createElement("canvas");
  c.width = w;
  c.height = h;
  const ctx = c.getContext("2d")!;
  ctx.fillStyle = "#ff0000";
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = "#0000ff";
  ctx.fillRect(0, 0, 1, 1);
  const blob: Blob = await new Promise((r) => c.toBlob((b) => r(b!), "image/png"));
  return new Uint8Array(await blob.arrayBuffer());
}

function pixels(bitmap: ImageBitmap): number[][] {
  const c = document.createElement("canvas");
  c.width = bitmap.width;
  c.height = bitmap.height;
  const ctx = c.getContext("2d")!;
  ctx.drawImage(bitmap, 0, 0);
  const d = ctx.getImageData(0, 0, 2, 1).data;
  return [[...d.slice(0, 3)], [...d.slice(4, 7)]];
}

describe("off-thread image decoding", () => {
  it("decodes PNG bytes in a worker into a bitmap with the image's size and pixels", async () => {
    const decoder = offThreadDecoder();
    expect(decoder).not.toBeNull();
    const bytes = await png(5, 3);
    const framed = new Uint8Array(bytes.length + 8); // bytes inside a larger buffer, as in a websocket message
    framed.set(bytes, 4);
    const bitmap = await decoder!.decode(framed.subarray(4, 4 + bytes.length), "image/png");
    expect([bitmap.width, bitmap.height]).toEqual([5, 3]);
    expect(pixels(bitmap)).toEqual([[0, 0, 255], [255, 0, 0]]);
    expect(framed.subarray(4, 4 + bytes.length)).toEqual(bytes); // the caller's bytes are untouched
  });

  it("a corrupt image is a decoding error, and the worker keeps serving", async () => {
    await expect(decodeImage(new Uint8Array([1, 2, 3, 4]), "image/png")).rejects.toThrow();
    expect(offThreadDecoder()).not.toBeNull();
    const bitmap = await decodeImage(await png(2, 2), "image/png");
    expect([bitmap.width, bitmap.height]).toEqual([2, 2]);
  });
});
