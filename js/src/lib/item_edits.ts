// The optimistic edits of an editor whose item's state is a few lists the kernel answers with whole
// (BBoxAnnotator: boxes, rejected; PolygonAnnotator: polygons, rejected; SceneGraphAnnotator: objects,
// relations, rejected, rejected_objects): `send` changes the view's
// copy of the item at once and sends the intent through the edit ledger; the ack's lists (the
// `fields` named) replace the view's copy once no other edit of that item is on its way (a refusal
// fetches the kernel's state: editorEdit). `newId` names a shape drawn here, unique to this client.
import { editorEdit } from "./canvas_stage";
import type { Reply } from "./channel";
import type { ItemCache, ItemId, ItemInfo } from "./items";
import type { Edit, EditLedger } from "./ledger";

export interface ItemEditParts {
  cache: ItemCache;
  ledger: EditLedger;
  /** the item shown (what `send` changes by default) */
  current: () => ItemId | undefined;
  /** repaint after a change to the item shown */
  redraw: () => void;
  /** where item `id` stands, as the person counts ("item 4"), for messages */
  place: (id: ItemId) => string;
}

export interface ItemEditOptions {
  /** every edit makes its item count as done until it settles (Edit.done) */
  done?: boolean;
  /** while true for an item, acks leave the view's copy as it is (a change of it not yet sent) */
  hold?: (id: ItemId) => boolean;
}

export class ItemEdits<I extends ItemInfo> {
  private counter = 0;

  /** `fields`: the item's lists an ack carries whole; `idPrefix`: the first letter of new ids. */
  constructor(
    private readonly parts: ItemEditParts,
    private readonly fields: readonly string[],
    private readonly idPrefix: string,
    private readonly options: ItemEditOptions = {},
  ) {}

  /** The lists of the kernel's `reply` about item `id` replace the view's, unless another edit of
   *  the item is on its way (or the item is held). */
  settle(id: ItemId, reply: Reply): void {
    const { cache, ledger } = this.parts;
    if (ledger.pending(id) === 0 && !this.options.hold?.(id)) {
      cache.update(id, Object.fromEntries(this.fields.map((f) => [f, reply[f]])));
    }
  }

  /** An edit of item `id` for the ledger: its ack settles (then `acked` runs with the reply). */
  edit(id: ItemId, acked?: (reply: Reply) => void): Edit {
    const { ledger, place } = this.parts;
    const edit = editorEdit(ledger, id, (reply) => {
      this.settle(id, reply);
      acked?.(reply);
    }, place(id));
    if (this.options.done) edit.done = true;
    return edit;
  }

  /** Send an intent about item `id` (default: the one shown); `apply` changes the view's copy at
   *  once; `acked` runs with the kernel's acknowledgement. Nothing is sent for an item not cached. */
  send(
    type: string, fields: Record<string, unknown>, apply?: (it: I) => void, id = this.parts.current(),
    acked?: (reply: Reply) => void,
  ): void {
    const { cache, ledger, redraw } = this.parts;
    const it = id === undefined ? undefined : (cache.get(id) as I | undefined);
    if (id === undefined || !it) return;
    if (apply) apply(it);
    void ledger.send(type, { item_id: id, ...fields }, this.edit(id, acked));
    redraw();
  }

  /** Accept `proposals` of the item shown as proposed: at once each joins the item's first list
   *  (`fields[0]`) as itself with source "proposal" and `proposal` its id; sent as one "accept". */
  accept(proposals: ReadonlyArray<{ id: string }>): void {
    const list = this.fields[0];
    this.send("accept", { proposal_ids: proposals.map((p) => p.id) }, (it) => {
      const lists = it as unknown as Record<string, unknown[] | undefined>;
      lists[list] = [...(lists[list] ?? []), ...proposals.map((p) => ({ ...p, source: "proposal", proposal: p.id }))];
    });
  }

  /** Reject proposal `id` of the item shown: at once it joins the item's `rejected` list; sent as "reject". */
  reject(id: string): void {
    this.send("reject", { proposal_ids: [id] }, (it) => {
      const item = it as unknown as { rejected?: string[] };
      item.rejected = [...(item.rejected ?? []), id];
    });
  }

  /** A new id for a shape drawn here (unique to this client; at most 64 characters). */
  newId(): string {
    return `${this.idPrefix}${++this.counter}-${this.parts.ledger.channel.client}`.slice(0, 64);
  }
}
