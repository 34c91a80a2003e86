// Decoding in a worker, in real Chromium: the bitmap that comes back has the image's pixels, a
// corrupt image is a decoding error (not a fallback), and the page path still works.
import { describe, expect, it, vi } from "vitest";
import { DECODE_TIMEOUT_MS, offThreadDecoder, WorkerDecoder, WorkerUnavailable } from "./decoder";
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

  it("a worker that stops answering gives its images back to the page", async () => {
    vi.useFakeTimers();
    try {
      const posted: unknown[] = [];
      const fake = { postMessage: (m: unknown) => posted.push(m), terminate: vi.fn() } as unknown as Worker;
      const decoder = new WorkerDecoder(fake);
      const pending = decoder.decode(new Uint8Array([1, 2, 3]), "image/png");
      const outcome = pending.then(() => "resolved", (e) => e);
      vi.advanceTimersByTime(DECODE_TIMEOUT_MS);
      expect(await outcome).toBeInstanceOf(WorkerUnavailable);
      expect(decoder.broken).toBe(true);
      expect((fake.terminate as any).mock.calls.length).toBe(1);
      expect(posted.length).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("a worker without createImageBitmap says so, and the caller falls back to the page", async () => {
    const fake = { postMessage: vi.fn(), terminate: vi.fn() } as unknown as Worker;
    const decoder = new WorkerDecoder(fake);
    const outcome = decoder.decode(new Uint8Array([1]), "image/png").then(() => "resolved", (e) => e);
    (fake as any).onmessage({ data: { id: 1, unavailable: true } });
    expect(await outcome).toBeInstanceOf(WorkerUnavailable);
    expect(decoder.broken).toBe(true);
  });
});
