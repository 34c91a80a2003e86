// Intents to the kernel with acknowledgement: each carries (client, seq); the kernel answers
// "ack" or "refused" with the same pair. An unanswered intent is re-sent (the kernel dedups by
// (client, seq)) and, after the last try, kept as failed and reported: never silently dropped.
//
// With `coalesce`, an intent leaves after the frame that shows its effect is painted (the key
// that made it is answered on screen first), and while an earlier one is still unanswered the
// new ones wait (at most holdMs) to leave together as one {type: "batch", intents} message (the
// kernel handles and answers them one by one). Each message to the kernel costs the page a
// busy and an idle status, which JupyterLab shows (its favicon and kernel indicator); under fast
// typing batching halves their number.

import type { Binary } from "./media";

export interface Sender {
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

export interface Reply {
  type: "ack" | "refused";
  client: string;
  seq: number;
  message?: string;
  /** the binary buffers the answer came with (its fields index them); absent when it came without */
  buffers?: Binary[];
  [key: string]: unknown;
}

export interface ChannelOptions {
  /** ms to wait for an answer before re-sending */
  retryMs: number;
  /** total sends before the intent counts as failed */
  maxTries: number;
  /** send after the next paint, and batch the intents made while one is unanswered */
  coalesce: boolean;
  /** with coalesce: the longest an intent waits for the unanswered one before it leaves anyway */
  holdMs: number;
}

/** The most intents in one batch message, and the most JSON characters (the kernel refuses a
 *  message over 256 KiB as a whole). */
export const MAX_BATCH = 32;
export const MAX_BATCH_CHARS = 128 * 1024;

const now = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

/** Run `fn` once the next frame is painted (a task after its requestAnimationFrame), or after
 *  `fallbackMs` if no frame comes (a hidden tab draws none). */
function afterPaint(fn: () => void, fallbackMs: number): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    fn();
  };
  const timer = setTimeout(once, fallbackMs);
  if (typeof requestAnimationFrame === "function") requestAnimationFrame(() => setTimeout(once, 0));
}

interface Pending {
  content: Record<string, unknown>;
  /** binary buffers sent with the intent (and with each retry) */
  buffers: ArrayBuffer[];
  tries: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
  /** the promise was already rejected (failed); a later answer goes to onLateReply */
  settled: boolean;
}

export class UnsavedError extends Error {
  constructor(readonly content: Record<string, unknown>) {
    super("no answer from the kernel: not saved (is the kernel running?)");
  }
}

function randomId(): string {
  const c = globalThis.crypto;
  if (c && "randomUUID" in c) return c.randomUUID().slice(0, 18);
  return Math.random().toString(36).slice(2, 14);
}

export class IntentChannel {
  /** Tests of the views set this to false: every intent then leaves at once, as without coalesce. */
  static coalescing = true;
  readonly client = randomId();
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  /** coalesce: intents not sent yet, oldest first */
  private readonly outbox: number[] = [];
  private flushScheduled = false;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;
  /** coalesce: since when the oldest intent in the outbox waits */
  private outboxSince = 0;
  /** coalesce: intents sent once and not answered yet */
  private readonly inFlight = new Set<number>();
  private readonly failed = new Map<number, Pending>();
  private readonly options: ChannelOptions;
  /** called whenever the pending / failed counts change */
  onChange: () => void = () => {};
  /** an answer to an intent whose promise had already failed (the kernel came back late) */
  onLateReply: (reply: Reply, content: Record<string, unknown>) => void = () => {};

  constructor(private readonly model: Sender, options: Partial<ChannelOptions> = {}) {
    this.options = { retryMs: 3000, maxTries: 4, coalesce: false, holdMs: 100, ...options };
  }

  private get coalesce(): boolean {
    return this.options.coalesce && IntentChannel.coalescing;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get failedCount(): number {
    return this.failed.size;
  }

  /** Send an intent (with optional binary buffers); resolves with the kernel's ack or refusal,
   *  rejects with UnsavedError. */
  send(type: string, fields: Record<string, unknown>, buffers: ArrayBuffer[] = []): Promise<Reply> {
    const seq = ++this.seq;
    const content = { ...fields, type, client: this.client, seq };
    return new Promise<Reply>((resolve, reject) => {
      const entry: Pending = { content, buffers, tries: 0, timer: undefined, resolve, reject, settled: false };
      this.pending.set(seq, entry);
      if (this.coalesce) {
        if (!this.outbox.length) this.outboxSince = now();
        this.outbox.push(seq);
        this.scheduleFlush();
      } else {
        this.transmit(seq, entry);
      }
      this.onChange();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    afterPaint(() => {
      this.flushScheduled = false;
      this.flush(false);
    }, this.options.holdMs);
  }

  /** Send what waits in the outbox, batched. Unless `force`, it keeps waiting while an earlier
   *  intent is unanswered (its answer sends it), but no intent waits more than holdMs. */
  flush(force = true): void {
    if (!this.outbox.length) return;
    const waited = now() - this.outboxSince;
    if (!force && this.inFlight.size > 0 && waited < this.options.holdMs) {
      if (this.holdTimer === undefined) {
        this.holdTimer = setTimeout(() => {
          this.holdTimer = undefined;
          this.flush(true);
        }, this.options.holdMs - waited);
      }
      return;
    }
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const ready = this.outbox.splice(0); // all pending: nothing unsent can be answered or fail
    let batch: number[] = [];
    let chars = 0;
    const sendBatch = () => {
      if (batch.length === 1) this.transmit(batch[0], this.pending.get(batch[0])!);
      else if (batch.length) this.transmitBatch(batch);
      batch = [];
      chars = 0;
    };
    for (const seq of ready) {
      const entry = this.pending.get(seq)!;
      if (entry.buffers.length) {
        sendBatch(); // binary intents travel alone, in order
        this.transmit(seq, entry);
        continue;
      }
      const size = ready.length > 1 ? JSON.stringify(entry.content).length : 0; // alone: no batch to cap
      if (batch.length && chars + size > MAX_BATCH_CHARS) sendBatch();
      batch.push(seq);
      chars += size;
      if (batch.length === MAX_BATCH) sendBatch();
    }
    sendBatch();
  }

  private transmitBatch(seqs: number[]): void {
    const entries = seqs.map((seq) => this.pending.get(seq)!);
    try {
      this.model.send({ type: "batch", intents: entries.map((e) => e.content) });
    } catch {
      // lost like any send: each intent's retry timer re-sends it alone
    }
    seqs.forEach((seq, k) => this.arm(seq, entries[k]));
  }

  private transmit(seq: number, entry: Pending): void {
    try {
      if (entry.buffers.length) this.model.send(entry.content, undefined, entry.buffers);
      else this.model.send(entry.content);
    } catch {
      // a closed comm throws: treated like a lost message, the retry timer handles it
    }
    this.arm(seq, entry);
  }

  /** Count one send of the intent and start its retry timer. */
  private arm(seq: number, entry: Pending): void {
    entry.tries += 1;
    if (this.coalesce && entry.tries === 1) this.inFlight.add(seq);
    entry.timer = setTimeout(() => {
      if (!this.pending.has(seq)) return;
      if (entry.tries < this.options.maxTries) {
        this.transmit(seq, entry);
      } else {
        this.pending.delete(seq);
        this.inFlight.delete(seq);
        this.afterAnswers(); // given up on: it holds nothing back any more
        this.failed.set(seq, entry);
        this.onChange();
        entry.settled = true;
        entry.reject(new UnsavedError(entry.content));
      }
    }, this.options.retryMs);
  }

  /** Feed a kernel message and the buffers that came with it (they reach the intent's promise as
   *  `reply.buffers`); returns true when it answered one of our intents. */
  handle(msg: Partial<Reply>, buffers: readonly Binary[] = []): boolean {
    if ((msg.type !== "ack" && msg.type !== "refused") || msg.client !== this.client) return false;
    this.answer((buffers.length ? { ...msg, buffers: [...buffers] } : msg) as Reply);
    this.afterAnswers();
    return true;
  }

  /** An answer may free the way for the held intents. */
  private afterAnswers(): void {
    if (this.outbox.length && this.inFlight.size === 0) this.flush(true);
  }

  private answer(msg: Reply): void {
    const seq = msg.seq as number;
    this.inFlight.delete(seq);
    const entry = this.pending.get(seq) ?? this.failed.get(seq);
    if (!entry) return; // a late duplicate answer
    clearTimeout(entry.timer);
    this.pending.delete(seq);
    this.failed.delete(seq);
    this.onChange();
    if (entry.settled) this.onLateReply(msg, entry.content);
    else entry.resolve(msg);
  }

  /** Send the failed intents again (after the kernel came back). */
  retryFailed(): void {
    for (const [seq, entry] of [...this.failed]) {
      this.failed.delete(seq);
      entry.tries = 0;
      this.pending.set(seq, entry);
      this.transmit(seq, entry);
    }
    this.onChange();
  }

  /** Sends what still waits (the view is closing: nothing made in it may be lost), then stops
   *  the retry timers. */
  dispose(): void {
    this.flush(true);
    clearTimeout(this.holdTimer);
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
  }
}
