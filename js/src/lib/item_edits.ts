// The optimistic edits of an editor whose item's state is a few lists the kernel answers with whole
// (BBoxAnnotator: boxes, rejected; PolygonAnnotator: polygons, rejected): `send` changes the view's
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

export class ItemEdits<I extends ItemInfo> {
  private counter = 0;

  /** `fields`: the item's lists an ack carries whole; `idPrefix`: the first letter of new ids. */
  constructor(
    private readonly parts: ItemEditParts,
    private readonly fields: readonly string[],
    private readonly idPrefix: string,
  ) {}

  /** An edit of item `id`: its ack's lists replace the view's once nothing else is on its way
   *  (then `acked` runs with the reply). */
  private edit(id: ItemId, acked?: (reply: Reply) => void): Edit {
    const { cache, ledger, place } = this.parts;
    return editorEdit(ledger, id, (reply) => {
      if (ledger.pending(id) === 0) cache.update(id, Object.fromEntries(this.fields.map((f) => [f, reply[f]])));
      acked?.(reply);
    }, place(id));
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

  /** A new id for a shape drawn here (unique to this client; at most 64 characters). */
  newId(): string {
    return `${this.idPrefix}${++this.counter}-${this.parts.ledger.channel.client}`.slice(0, 64);
  }
}
