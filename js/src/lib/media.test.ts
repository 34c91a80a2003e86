import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeImage, fitSize, toBytes } from "./media";

describe("fitSize", () => {
  it("fits the longer side to the box, keeping the aspect ratio", () => {
    expect(fitSize(400, 200, 100)).toEqual({ width: 100, height: 50 });
    expect(fitSize(200, 400, 100)).toEqual({ width: 50, height: 100 });
    expect(fitSize(300, 300, 128)).toEqual({ width: 128, height: 128 });
  });

  it("upscales small images to the box", () => {
    expect(fitSize(28, 28, 280)).toEqual({ width: 280, height: 280 });
    expect(fitSize(2, 1, 64)).toEqual({ width: 64, height: 32 });
  });

  it("rounds to whole pixels and never gives a zero side", () => {
    expect(fitSize(3, 2, 100)).toEqual({ width: 100, height: 67 });
    expect(fitSize(1000, 1, 10)).toEqual({ width: 10, height: 1 });
    expect(fitSize(1, 1000, 10)).toEqual({ width: 1, height: 10 });
  });

  it("falls back to a square box for unknown or empty sizes", () => {
    expect(fitSize(0, 0, 64)).toEqual({ width: 64, height: 64 });
    expect(fitSize(0, 10, 64)).toEqual({ width: 64, height: 64 });
    expect(fitSize(-5, 10, 64)).toEqual({ width: 64, height: 64 });
  });
});

describe("toBytes", () => {
  it("views any buffer as bytes without copying", () => {
    const u8 = new Uint8Array([1, 2, 3, 4, 5]);
    expect(toBytes(u8)).toBe(u8);
    const ab = toBytes(u8.buffer);
    expect([...ab]).toEqual([1, 2, 3, 4, 5]);
    expect(ab.buffer).toBe(u8.buffer);
    const dv = toBytes(new DataView(u8.buffer, 1, 3));
    expect([...dv]).toEqual([2, 3, 4]);
    expect(dv.buffer).toBe(u8.buffer);
  });
});

describe("decodeImage", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("hands the bytes to createImageBitmap as a Blob of the given type", async () => {
    const bitmap = { width: 1, height: 1 };
    const spy = vi.fn(async (_blob: Blob) => bitmap);
    vi.stubGlobal("createImageBitmap", spy);
    const out = await decodeImage(new Uint8Array([1, 2, 3]), "image/png");
    expect(out).toBe(bitmap);
    const blob = spy.mock.calls[0][0];
    expect(blob.type).toBe("image/png");
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3]);
  });
});
