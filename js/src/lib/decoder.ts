// Image decoding off the main thread. The encoded bytes go to one shared worker, which wraps them
// in a Blob and decodes it with createImageBitmap (the same rules as on the page: EXIF orientation
// applied); the ImageBitmap comes back transferred, without a copy. Building a Blob of a few hundred
// kB costs the page's main thread about 1 ms in Chromium (profiled in JupyterLab while labelling),
// time the next keystroke would otherwise wait for.
//
// Example: `const bitmap = await offThreadDecoder()?.decode(bytes, "image/png");`
// (null where workers cannot start: no Worker, or a page policy that refuses blob: workers.)

const WORKER_SOURCE = `self.onmessage = async (e) => {
  const { id, bytes, mime } = e.data;
  if (typeof createImageBitmap !== "function") return self.postMessage({ id, unavailable: true });
  try {
    const bitmap = await createImageBitmap(new Blob([bytes], { type: mime }));
    self.postMessage({ id, bitmap }, [bitmap]);
  } catch (err) {
    self.postMessage({ id, error: String(err && err.message || err) });
  }
};`;

/** The worker could not run: decode on the page instead. */
export class WorkerUnavailable extends Error {}

interface Waiter {
  resolve: (bitmap: ImageBitmap) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A decode unanswered this long means the worker is gone (it died without an error event). */
export const DECODE_TIMEOUT_MS = 20_000;

export class WorkerDecoder {
  private next = 0;
  private readonly waiting = new Map<number, Waiter>();
  broken = false;

  constructor(private readonly worker: Worker) {
    worker.onmessage = (e: MessageEvent) => {
      const { id, bitmap, error, unavailable } = e.data as { id: number; bitmap?: ImageBitmap; error?: string; unavailable?: boolean };
      if (unavailable) return this.fail(); // no createImageBitmap in workers here: the page decodes
      const w = this.waiting.get(id);
      if (!w) return;
      this.waiting.delete(id);
      clearTimeout(w.timer);
      if (bitmap) w.resolve(bitmap);
      else w.reject(new Error(error ?? "cannot decode image"));
    };
    worker.onerror = () => this.fail();
    worker.onmessageerror = () => this.fail();
  }

  /** Decode encoded image bytes (copied once, for the transfer). */
  decode(bytes: Uint8Array, mime: string): Promise<ImageBitmap> {
    if (this.broken) return Promise.reject(new WorkerUnavailable());
    const id = ++this.next;
    const copy = bytes.slice().buffer;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(), DECODE_TIMEOUT_MS);
      this.waiting.set(id, { resolve, reject, timer });
      try {
        this.worker.postMessage({ id, bytes: copy, mime }, [copy]);
      } catch {
        this.fail();
      }
    });
  }

  private fail(): void {
    this.broken = true;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new WorkerUnavailable()); // each caller decodes on the page instead
    }
    this.waiting.clear();
    this.worker.terminate();
  }
}

let shared: WorkerDecoder | null | undefined;

/** The page's one decoding worker, started on first use; null where none can start. */
export function offThreadDecoder(): WorkerDecoder | null {
  if (shared === undefined) {
    shared = null;
    if (typeof Worker === "function" && typeof URL.createObjectURL === "function") {
      try {
        const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
        shared = new WorkerDecoder(new Worker(url));
      } catch {
        shared = null; // e.g. a content security policy without blob: workers
      }
    }
  }
  return shared && !shared.broken ? shared : null;
}
