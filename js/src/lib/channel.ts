// Intents to the kernel with acknowledgement: each carries (client, seq); the kernel answers
// "ack" or "refused" with the same pair. An unanswered intent is re-sent (the kernel dedups by
// (client, seq)) and, after the last try, kept as failed and reported: never silently dropped.

export interface Sender {
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

export interface Reply {
  type: "ack" | "refused";
  client: string;
  seq: number;
  message?: string;
  [key: string]: unknown;
}

export interface ChannelOptions {
  /** ms to wait for an answer before re-sending */
  retryMs: number;
  /** total sends before the intent counts as failed */
  maxTries: number;
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
  readonly client = randomId();
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly failed = new Map<number, Pending>();
  private readonly options: ChannelOptions;
  /** called whenever the pending / failed counts change */
  onChange: () => void = () => {};
  /** an answer to an intent whose promise had already failed (the kernel came back late) */
  onLateReply: (reply: Reply, content: Record<string, unknown>) => void = () => {};

  constructor(private readonly model: Sender, options: Partial<ChannelOptions> = {}) {
    this.options = { retryMs: 3000, maxTries: 4, ...options };
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
      this.transmit(seq, entry);
      this.onChange();
    });
  }

  private transmit(seq: number, entry: Pending): void {
    entry.tries += 1;
    try {
      if (entry.buffers.length) this.model.send(entry.content, undefined, entry.buffers);
      else this.model.send(entry.content);
    } catch {
      // a closed comm throws: treated like a lost message, the retry timer handles it
    }
    entry.timer = setTimeout(() => {
      if (!this.pending.has(seq)) return;
      if (entry.tries < this.options.maxTries) {
        this.transmit(seq, entry);
      } else {
        this.pending.delete(seq);
        this.failed.set(seq, entry);
        this.onChange();
        entry.settled = true;
        entry.reject(new UnsavedError(entry.content));
      }
    }, this.options.retryMs);
  }

  /** Feed a kernel message; returns true when it answered one of our intents. */
  handle(msg: Partial<Reply>): boolean {
    if ((msg.type !== "ack" && msg.type !== "refused") || msg.client !== this.client) return false;
    const seq = msg.seq as number;
    const entry = this.pending.get(seq) ?? this.failed.get(seq);
    if (!entry) return true; // a late duplicate answer
    clearTimeout(entry.timer);
    this.pending.delete(seq);
    this.failed.delete(seq);
    this.onChange();
    if (entry.settled) this.onLateReply(msg as Reply, entry.content);
    else entry.resolve(msg as Reply);
    return true;
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

  dispose(): void {
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
  }
}
