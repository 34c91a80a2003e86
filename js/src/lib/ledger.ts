// The edit ledger: every optimistic edit of a view, from the key that made it to the kernel's
// answer. The view changes its own copy at once and sends the intent through the ledger, which
// shows the change as unsaved until the kernel answers, then settles it:
//   ack (a "stale" ack too: it carries the item's current state) → the kernel's state is applied;
//   refused → the change is undone, leaves the undo stack, and the kernel's reason is shown;
//   no answer after every retry → "NOT saved" and the error shown (a late answer still settles it).
// It also keeps the undo stack and the items done optimistically, and is the one place the view
// reads n_done from (done()).
import { IntentChannel, Reply, UnsavedError } from "./channel";
import type { ChannelOptions, Sender } from "./channel";
import { ItemId, itemKey } from "./items";
import type { SaveState, StatusLine } from "./status";

/** What the ledger reads and writes of the model: the kernel's count of done items. */
export interface DoneModel extends Sender {
  get(key: "n_done"): number;
  set(key: "n_done", value: number): void;
}

/** How a view shows what the ledger settles. */
export interface LedgerHooks {
  status: StatusLine;
  /** something about item `id` settled: repaint what shows it (e.g. Stepper.repaint) */
  repaint: (id: ItemId) => void;
  /** the unsaved / failed counts or the done count changed: repaint the progress */
  progress: () => void;
}

/** One edit: what it is about and how it settles. */
export interface Edit<U = true> {
  /** the item it changes */
  item: ItemId;
  /** what its saved state is shown on (default: the item's key; e.g. one result of a query) */
  key?: string;
  /** names it in the error shown when it is never answered (default `item <id>`) */
  describe?: string;
  /** true: the item was not done and counts as done until the edit settles; false: it no longer does */
  done?: boolean;
  /** put on the undo stack now (with this value), taken off if the kernel refuses the edit */
  undo?: U;
  /** the kernel acknowledged it: apply the state the reply carries to the view's copy */
  ack?: (reply: Reply) => void;
  /** the kernel refused it: undo the change in the view's copy */
  refused?: (reply: Reply) => void;
  /** no answer after every retry */
  failed?: () => void;
}

/** An undoable edit on the stack; `reply` settles with the kernel's answer (null: never answered). */
export interface UndoEntry<U> {
  item: ItemId;
  value: U;
  reply: Promise<Reply | null>;
}

interface Tracked<U> {
  n: number; // order of sending, in this ledger
  key: string;
  edit: Edit<U>;
  entry?: UndoEntry<U>;
}

/** Edits shown on one key: how many are unanswered, and which failed (by order of sending). */
interface KeyState {
  pending: number;
  failed: Set<number>;
}

export class EditLedger<U = true> {
  readonly channel: IntentChannel;
  private sent = 0;
  private readonly keys = new Map<string, KeyState>();
  private readonly open = new Map<string, number>(); // item key -> unanswered edits
  private readonly doneSoon = new Set<string>(); // item keys done by an unsettled edit
  private readonly lost = new Map<number, Tracked<U>>(); // channel seq -> edit never answered
  private readonly stack: UndoEntry<U>[] = [];

  constructor(
    private readonly model: DoneModel,
    private readonly hooks: LedgerHooks,
    options: Partial<ChannelOptions> = {},
  ) {
    this.channel = new IntentChannel(model, options);
    this.channel.onChange = hooks.progress;
    this.channel.onLateReply = (reply, content) => {
      const t = this.lost.get(content.seq as number);
      if (!t) return;
      this.lost.delete(content.seq as number);
      this.settle(t, reply);
    };
  }

  /** Send an intent and track it as `edit`; resolves once it settled (null: never answered). */
  send(type: string, fields: Record<string, unknown>, edit: Edit<U>, buffers: ArrayBuffer[] = []): Promise<Reply | null> {
    const promise = this.channel.send(type, fields, buffers);
    const t: Tracked<U> = { n: ++this.sent, key: edit.key ?? itemKey(edit.item), edit };
    this.keyState(t.key).pending += 1;
    const item = itemKey(edit.item);
    this.open.set(item, (this.open.get(item) ?? 0) + 1);
    if (edit.done === true) this.doneSoon.add(item);
    else if (edit.done === false) this.doneSoon.delete(item);
    const settled = promise.then(
      (reply) => {
        this.answered(t);
        this.settle(t, reply);
        return reply;
      },
      (error: Error) => {
        this.answered(t, true);
        this.fail(t, error);
        return null;
      },
    );
    if (edit.undo !== undefined) {
      t.entry = { item: edit.item, value: edit.undo, reply: settled };
      this.stack.push(t.entry);
    }
    this.hooks.progress();
    return settled;
  }

  /** Where the change shown on `key` stands ("pending", "failed", or undefined once saved). */
  state(key: string): SaveState | undefined {
    const s = this.keys.get(key);
    if (!s) return undefined;
    return s.pending > 0 ? "pending" : s.failed.size > 0 ? "failed" : undefined;
  }

  /** The save state of item `id`'s own key. */
  stateOf(id: ItemId): SaveState | undefined {
    return this.state(itemKey(id));
  }

  /** Edits on item `id` not answered yet (failed ones excluded). */
  pending(id: ItemId): number {
    return this.open.get(itemKey(id)) ?? 0;
  }

  /** n_done as the view shows it: the kernel's count plus the items done by edits on their way,
   *  at most `total`. */
  done(total: number): number {
    return Math.min(total, this.model.get("n_done") + this.doneSoon.size);
  }

  /** Take the newest undoable edit off the stack. */
  popUndo(): UndoEntry<U> | undefined {
    return this.stack.pop();
  }

  /** A new order: its edits are not undone from here, and nothing counts as done ahead of the kernel. */
  restart(): void {
    this.stack.length = 0;
    this.doneSoon.clear();
  }

  get pendingCount(): number {
    return this.channel.pendingCount;
  }

  get failedCount(): number {
    return this.channel.failedCount;
  }

  /** Send the failed intents again ("retry unsaved"). */
  retryFailed(): void {
    this.channel.retryFailed();
  }

  dispose(): void {
    this.channel.dispose();
  }

  private keyState(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) this.keys.set(key, (s = { pending: 0, failed: new Set() }));
    return s;
  }

  /** The channel stopped waiting for `t` (answered, or given up on when `failed`). */
  private answered(t: Tracked<U>, failed = false): void {
    const s = this.keyState(t.key);
    s.pending -= 1;
    if (failed) s.failed.add(t.n);
    const item = itemKey(t.edit.item);
    const left = (this.open.get(item) ?? 1) - 1;
    if (left > 0) this.open.set(item, left);
    else this.open.delete(item);
  }

  /** The kernel answered `t` (in time or late). An answer also settles the failures shown on
   *  its key that came before it: the kernel's state now stands for them. */
  private settle(t: Tracked<U>, reply: Reply): void {
    const s = this.keyState(t.key);
    for (const n of s.failed) if (n <= t.n) s.failed.delete(n);
    if (s.pending === 0 && s.failed.size === 0) this.keys.delete(t.key);
    this.doneSoon.delete(itemKey(t.edit.item));
    if (reply.type === "ack") {
      t.edit.ack?.(reply);
      if (typeof reply.n_done === "number") this.model.set("n_done", reply.n_done); // may overtake the trait's own update
    } else {
      if (t.entry) {
        const at = this.stack.lastIndexOf(t.entry); // a refused change must not be undone later
        if (at >= 0) this.stack.splice(at, 1);
      }
      this.hooks.status.error(`refused: ${reply.message ?? "invalid"}`);
      t.edit.refused?.(reply);
    }
    this.hooks.repaint(t.edit.item);
  }

  private fail(t: Tracked<U>, error: Error): void {
    if (error instanceof UnsavedError) this.lost.set(error.content.seq as number, t);
    this.hooks.status.error(`${error.message} (${t.edit.describe ?? `item ${JSON.stringify(t.edit.item)}`})`);
    t.edit.failed?.();
    this.hooks.repaint(t.edit.item);
  }
}
