// Edits the kernel has not acknowledged, kept in the browser (IndexedDB) so that a kernel that
// dies loses none of them. The ledger (lib/ledger.ts) writes each edit here when it sends it and
// removes it once the kernel answers (ack or refusal); an edit never answered stays. Edits are
// kept per "scope": the store_key trait the kernel sends (a hash of its store, task and annotator,
// hitl_widgets/widgets/base.py). A widget on the same scope, rendered later (the cell re-run after
// a restart), finds them and offers them back: saved through the kernel's "replay" intent with
// the time each was made, or discarded.
//
// Each bundle is self-contained, so the pages' live ledgers are listed on globalThis (LIVE): the
// edits of a ledger that is still connected in this page are its own business, never offered.
import { h, setText } from "./dom";

/** One edit as kept: what the ledger sent, and when it was made. */
export interface KeptEdit {
  /** unique in its scope: `${client}:${n}` */
  id: string;
  /** the channel (one view's ledger) that sent it */
  client: string;
  type: string;
  fields: Record<string, unknown>;
  /** when it was made, ms since 1970 (Date.now()) */
  made_at: number;
}

/** Where edits are kept: IndexedDB in a page, a Map in tests. Writes of one scope apply in the
 *  order they were asked for. */
export interface EditStore {
  put(scope: string, edit: KeptEdit): Promise<void>;
  remove(scope: string, ids: string[]): Promise<void>;
  list(scope: string): Promise<KeptEdit[]>;
}

const DB_NAME = "hitl-widgets";
const DB_STORE = "unacknowledged-edits";

/** Promise of an IndexedDB request. */
function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error("IndexedDB request failed"));
  });
}

/** Promise of a transaction's completion. */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error ?? new Error("IndexedDB transaction failed"));
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

/** Edits in IndexedDB: one object store keyed by [scope, id]. Read-write transactions on one
 *  store run in the order they were created, so a removal made after a put follows it. */
export class IndexedDBEditStore implements EditStore {
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly factory: IDBFactory, private readonly name = DB_NAME) {}

  private open(): Promise<IDBDatabase> {
    if (!this.db) {
      const request = this.factory.open(this.name, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(DB_STORE, { keyPath: ["scope", "id"] });
      };
      this.db = done(request);
      this.db.catch(() => (this.db = undefined)); // try again on the next write
    }
    return this.db;
  }

  async put(scope: string, edit: KeptEdit): Promise<void> {
    const tx = (await this.open()).transaction(DB_STORE, "readwrite");
    tx.objectStore(DB_STORE).put({ ...edit, scope });
    return committed(tx);
  }

  async remove(scope: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const tx = (await this.open()).transaction(DB_STORE, "readwrite");
    const store = tx.objectStore(DB_STORE);
    for (const id of ids) store.delete([scope, id]);
    return committed(tx);
  }

  async list(scope: string): Promise<KeptEdit[]> {
    const tx = (await this.open()).transaction(DB_STORE, "readonly");
    const range = IDBKeyRange.bound([scope, ""], [scope, "\uffff"]);
    const rows = (await done(tx.objectStore(DB_STORE).getAll(range))) as Array<KeptEdit & { scope?: string }>;
    return rows.map(({ id, client, type, fields, made_at }) => ({ id, client, type, fields, made_at }));
  }
}

/** Edits in memory (tests; a page without IndexedDB keeps nothing across a reload). */
export class MemoryEditStore implements EditStore {
  readonly scopes = new Map<string, Map<string, KeptEdit>>();

  async put(scope: string, edit: KeptEdit): Promise<void> {
    if (!this.scopes.has(scope)) this.scopes.set(scope, new Map());
    this.scopes.get(scope)!.set(edit.id, structuredClone(edit));
  }

  async remove(scope: string, ids: string[]): Promise<void> {
    for (const id of ids) this.scopes.get(scope)?.delete(id);
  }

  async list(scope: string): Promise<KeptEdit[]> {
    return [...(this.scopes.get(scope)?.values() ?? [])].map((e) => structuredClone(e));
  }
}

let backend: EditStore | null | undefined;

/** The page's edit store: IndexedDB where there is one, else none (nothing is kept). */
export function editStore(): EditStore | null {
  if (backend === undefined) {
    const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    backend = factory ? new IndexedDBEditStore(factory) : null;
  }
  return backend;
}

/** Use `store` from now on (tests); null: keep nothing; undefined: the default again. */
export function setEditStore(store: EditStore | null | undefined): void {
  backend = store;
}

/** The page's ledgers, by client: whether each is still connected to its kernel. */
const LIVE_KEY = Symbol.for("hitl-widgets.live-clients");
type Live = Map<string, () => boolean>;
function live(): Live {
  const g = globalThis as unknown as Record<symbol, Live | undefined>;
  return (g[LIVE_KEY] ??= new Map());
}

/** The most edits one replay message carries, and the most JSON characters (the kernel takes
 *  200 edits and 256 KiB per message: hitl_widgets/widgets/base.py MAX_REPLAY, MAX_MESSAGE_BYTES). */
export const REPLAY_EDITS = 100;
export const REPLAY_CHARS = 32 * 1024; // the kernel measures JSON with \uXXXX escapes: up to 6x

/** Split edits into the replay messages that carry them. */
export function replayChunks(edits: KeptEdit[]): KeptEdit[][] {
  const chunks: KeptEdit[][] = [];
  let chunk: KeptEdit[] = [];
  let chars = 0;
  for (const edit of edits) {
    const size = JSON.stringify(edit).length;
    if (chunk.length && (chunk.length === REPLAY_EDITS || chars + size > REPLAY_CHARS)) {
      chunks.push(chunk);
      chunk = [];
      chars = 0;
    }
    chunk.push(edit);
    chars += size;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

/** One ledger's kept edits: written when sent, removed when answered. A failure to write is
 *  reported once (`onError`), never thrown at the view. */
export class KeptEdits {
  private n = 0;
  private warned = false;

  constructor(
    private readonly store: EditStore,
    readonly scope: string,
    readonly client: string,
    /** whether the ledger still has a kernel (false: its edits are offered to the next view) */
    connected: () => boolean,
    private readonly onError: (error: unknown) => void = () => {},
  ) {
    live().set(client, connected);
  }

  /** Keep an edit being sent; returns its id (for settled). */
  keep(type: string, fields: Record<string, unknown>): string {
    const id = `${this.client}:${++this.n}`;
    const edit: KeptEdit = { id, client: this.client, type, fields, made_at: Date.now() };
    this.store.put(this.scope, edit).catch((e) => this.failed(e));
    return id;
  }

  /** The kernel answered the edit: it is no longer ours to keep. */
  settled(id: string): void {
    this.forget([id]);
  }

  forget(ids: string[]): Promise<void> {
    return this.store.remove(this.scope, ids).catch((e) => this.failed(e));
  }

  /** The edits of this scope that no connected view in this page is waiting for (a dead
   *  kernel's, a closed page's), oldest first. */
  async previous(): Promise<KeptEdit[]> {
    const pages = live();
    const edits = await this.store.list(this.scope);
    return edits
      .filter((e) => e.client !== this.client && !(pages.get(e.client)?.() ?? false))
      .sort((a, b) => a.made_at - b.made_at || (a.id < b.id ? -1 : 1));
  }

  /** The view is gone: its unanswered edits may be offered to another. */
  dispose(): void {
    live().delete(this.client);
  }

  private failed(error: unknown): void {
    if (this.warned) return;
    this.warned = true;
    this.onError(error);
  }
}

/** What the offer bar does with the edits it shows. */
export interface OfferActions {
  save: () => void;
  discard: () => void;
}

/** "N unsaved edits from before the restart: save / discard" — the person's choice about the
 *  edits a dead kernel never stored. Its buttons take Enter and Space themselves (the widget's
 *  keys, e.g. Space to skip, are not run from them). */
export function offerBar(count: number, actions: OfferActions): { node: HTMLDivElement; busy: (text: string) => void } {
  const node = h("div", "hitl-offer");
  node.setAttribute("role", "group");
  const text = h("span", "hitl-offer-text", `${count} unsaved ${count === 1 ? "edit" : "edits"} from before the restart:`);
  const save = h("button", "hitl-button hitl-offer-save", "save");
  const discard = h("button", "hitl-button hitl-offer-discard", "discard");
  node.setAttribute("aria-label", text.textContent ?? "");
  save.addEventListener("click", () => actions.save());
  discard.addEventListener("click", () => actions.discard());
  node.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") e.stopPropagation(); // the focused button's own click
  });
  node.append(text, save, discard);
  return {
    node,
    busy: (message: string) => {
      setText(text, message);
      save.disabled = discard.disabled = true;
    },
  };
}
