// Binary media from the kernel (DataView / ArrayBuffer buffers, never base64) -> drawable images.
import { offThreadDecoder, WorkerUnavailable } from "./decoder";

export type Binary = DataView | ArrayBuffer | Uint8Array;

/** View any binary buffer as bytes without copying. */
export function toBytes(buf: Binary): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (buf instanceof ArrayBuffer) return new Uint8Array(buf);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Decode encoded image bytes (PNG/JPEG/...) into an ImageBitmap: in a worker where one can run
 *  (lib/decoder.ts), else on the page (createImageBitmap still decodes off the main thread, but
 *  the Blob around the bytes is built on it). */
export async function decodeImage(buf: Binary, mime: string): Promise<ImageBitmap> {
  const bytes = toBytes(buf);
  const worker = offThreadDecoder();
  if (worker) {
    try {
      return await worker.decode(bytes, mime);
    } catch (e) {
      if (!(e instanceof WorkerUnavailable)) throw e; // a real decoding error
    }
  }
  const blob = new Blob([bytes as BlobPart], { type: mime });
  return createImageBitmap(blob);
}

/** Size that fits (w, h) in a box of `max` pixels, keeping the aspect ratio (upscales too). */
export function fitSize(w: number, h: number, max: number): { width: number; height: number } {
  if (w <= 0 || h <= 0) return { width: max, height: max };
  const scale = max / Math.max(w, h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** Draw an image scaled to fit the canvas box; small images stay crisp (no smoothing). */
export function drawFit(canvas: HTMLCanvasElement, image: CanvasImageSource & { width: number; height: number }, max: number): void {
  const { width, height } = fitSize(image.width, image.height, max);
  const ratio = typeof devicePixelRatio === "number" && devicePixelRatio > 0 ? devicePixelRatio : 1;
  const w = Math.round(width * ratio);
  const hgt = Math.round(height * ratio);
  if (canvas.width !== w || canvas.height !== hgt) {
    // resizing clears and reallocates the canvas: only when the size really changes
    canvas.width = w;
    canvas.height = hgt;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.imageSmoothingEnabled = image.width * 2 > width; // pixelated when upscaled 2x or more
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
}
