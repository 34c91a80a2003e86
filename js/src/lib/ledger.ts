// The edit ledger: every optimistic edit of a view, from the key that made it to the kernel's
// answer. The view changes its own copy at once and sends the intent through the ledger, which
// shows the change as unsaved until the kernel answers, then settles it:
//   ack (a "stale" ack too: it carries the item's current state) → the kernel's state is applied;
//   refused → the change is undone, leaves the undo stack, and the kernel's reason is shown;
//   no answer after every retry → "NOT saved" and the error shown (a late answer still settles it).
// It also keeps the undo stack and the items done optimistically, and is the one place the view
// reads n_done from (done()).
//
// A kernel that dies loses no edit: every edit is also kept in the browser (lib/offline.ts, under
// the model's store_key) from the moment it is sent until the kernel answers it. When the kernel
// is gone (lib/connection.ts) the status line says so and "retry unsaved" does not pretend; the
// next view on the same store, task and annotator (the cell re-run) offers the kept edits: save
// (one "replay" intent, each edit stored with the time it was made) or discard.
import { IntentChannel, Reply, UnsavedError } from "./channel";
import type { ChannelOptions, Sender } from "./channel";
import { watchConnection } from "./connection";
import { countOf } from "./dom";
import { ItemId, itemKey } from "./items";
import { editStore, KeptEdit, KeptEdits, offerBar, replayChunks } from "./offline";
import type { SaveState, StatusLine } from "./status";

/** What the ledger reads and writes of the model: the kernel's count of done items. */
export interface DoneModel extends Sender {
  get(key: "n_done"): number;
  set(key: "n_done", value: number): void;
}

/** What the status line says once the view's kernel is gone. */
export const DISCONNECTED = "not connected to a running kernel — re-run this cell";
export const KEPT_NOTE = "; unsaved edits are kept in this browser";

/** One replayed edit's result, as the kernel's replay ack lists them. */
interface ReplayResult {
  ok: boolean;
  /** the store held it already (the kernel died after storing it, before answering) */
  already?: boolean;
  message?: string;
  /** not saved for a reason that may pass (the store failed): kept for another try */
  retry?: boolean;
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
  kept?: string; // its id in the browser's kept edits
  binary?: boolean; // sent with buffers: not kept, nor are the item's later edits while it is unanswered
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
  private readonly binaryOpen = new Map<string, number>(); // item key -> unanswered binary edits
  private live = true;
  private readonly unwatch: () => void;
  /** the edits kept in the browser until answered (none without a store_key or IndexedDB) */
  readonly kept: KeptEdits | undefined;
  /** the offer of a dead kernel's edits, while shown */
  private offer: HTMLElement | undefined;

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
    this.unwatch = watchConnection(model, () => this.disconnected());
    const scope = (model as unknown as { get(key: string): unknown }).get("store_key");
    const store = typeof scope === "string" && scope ? editStore() : null;
    if (store) {
      this.kept = new KeptEdits(store, scope as string, this.channel.client, () => this.live, (e) =>
        hooks.status.error(`unsaved edits cannot be kept in this browser: ${String(e)}`),
      );
      void this.offerPrevious();
    }
  }

  /** Whether the view's kernel is still there (false once it died or restarted). */
  get connected(): boolean {
    return this.live;
  }

  /** Send an intent and track it as `edit`; resolves once it settled (null: never answered). */
  send(type: string, fields: Record<string, unknown>, edit: Edit<U>, buffers: ArrayBuffer[] = []): Promise<Reply | null> {
    const promise = this.channel.send(type, fields, buffers);
    const t: Tracked<U> = { n: ++this.sent, key: edit.key ?? itemKey(edit.item), edit };
    // binary edits (mask strokes) are not kept, nor what follows them on the item until answered:
    // replayed without the stroke, a later edit would not mean what it meant
    const item = itemKey(edit.item);
    if (buffers.length) {
      t.binary = true;
      this.binaryOpen.set(item, (this.binaryOpen.get(item) ?? 0) + 1);
    } else if (!this.binaryOpen.has(item)) {
      t.kept = this.kept?.keep(type, fields);
    }
    this.keyState(t.key).pending += 1;
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

  /** Send the failed intents again ("retry unsaved"); without a kernel, say so instead. */
  retryFailed(): void {
    if (!this.live) {
      this.hooks.status.error(this.disconnectedText());
      return;
    }
    this.channel.retryFailed();
  }

  dispose(): void {
    this.unwatch();
    this.kept?.dispose();
    this.channel.dispose();
  }

  private disconnectedText(): string {
    return DISCONNECTED + (this.kept ? KEPT_NOTE : "");
  }

  /** The kernel is gone: say so (a new kernel means a new view: re-run the cell). */
  private disconnected(): void {
    if (!this.live) return;
    this.live = false;
    this.hooks.status.warn(this.disconnectedText());
    this.hooks.progress();
  }

  /** Offer the edits a dead kernel (or a closed page) never answered, if there are any. */
  private async offerPrevious(): Promise<void> {
    let edits: KeptEdit[];
    try {
      edits = await this.kept!.previous();
    } catch (e) {
      this.hooks.status.error(`could not read the edits kept in this browser: ${String(e)}`);
      return;
    }
    if (!edits.length || !this.live) return;
    const bar = offerBar(edits.length, {
      save: () => void this.replay(edits, bar.busy),
      discard: () => {
        bar.busy("discarding…");
        void this.kept!.forget(edits.map((e) => e.id)).then(() => {
          this.closeOffer();
          this.hooks.status.info(`discarded ${countOf(edits.length, "edit")} from before the restart`);
        });
      },
    });
    this.offer = bar.node;
    const status = this.hooks.status.node;
    if (status.parentNode) status.before(bar.node);
    else status.append(bar.node);
  }

  private closeOffer(): void {
    this.offer?.remove();
    this.offer = undefined;
  }

  /** Save the kept edits: replay intents of at most REPLAY_EDITS each, in the order they were
   *  made. An edit leaves the browser once the kernel answered it: stored, or refused (said
   *  here); a failure to save and an unanswered replay keep it for the next offer. */
  private async replay(edits: KeptEdit[], busy: (text: string) => void): Promise<void> {
    busy(`saving ${countOf(edits.length, "edit")} from before the restart…`);
    let stored = 0;
    let already = 0;
    let answered = 0; // stored or refused: gone from the browser
    const refused: string[] = [];
    let stopped = ""; // why the rest was not sent
    for (const chunk of replayChunks(edits)) {
      let reply: Reply;
      try {
        reply = await this.channel.send("replay", { edits: chunk.map(({ type, fields, made_at }) => ({ type, fields, made_at })) });
      } catch (e) {
        stopped = String((e as Error).message ?? e);
        break;
      }
      if (reply.type !== "ack") {
        stopped = `refused: ${String(reply.message ?? "invalid")}`;
        break;
      }
      const results = (Array.isArray(reply.results) ? reply.results : []) as ReplayResult[];
      const gone = chunk.filter((_, k) => results[k] && !results[k].retry);
      chunk.forEach((_, k) => {
        const r = results[k];
        if (r?.ok && r.already) already += 1;
        else if (r?.ok) stored += 1;
        else if (r && !r.retry) refused.push(r.message ?? "refused");
      });
      answered += gone.length;
      await this.kept!.forget(gone.map((e) => e.id));
      if (typeof reply.n_done === "number") this.model.set("n_done", reply.n_done);
    }
    this.closeOffer();
    const left = edits.length - answered;
    let text = `saved ${stored} of ${countOf(edits.length, "edit")} from before the restart`;
    if (already) text += `, ${already} already saved`;
    if (refused.length) text += `; ${refused.length} not stored: ${refused[0]}`;
    if (left) text += `; ${left} kept in this browser, not saved${stopped ? ` (${stopped})` : ""}`;
    if (refused.length || left) this.hooks.status.error(text);
    else this.hooks.status.info(text);
    this.hooks.progress();
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
    if (!this.live) {
      // an answer after a signal of loss (a host's false alarm): the kernel is there after all
      this.live = true;
      this.hooks.status.warn("");
    }
    if (t.kept) this.kept?.settled(t.kept); // answered: stored or refused on purpose
    if (t.binary) {
      const item = itemKey(t.edit.item);
      const left = (this.binaryOpen.get(item) ?? 1) - 1;
      if (left > 0) this.binaryOpen.set(item, left);
      else this.binaryOpen.delete(item);
    }
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
      this.hooks.status.error(`refused: ${reply.message ?? "invalid"}`, { item: t.edit.item, title: t.edit.describe }); // goes with its item
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
