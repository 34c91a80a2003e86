// HallucinationFlagger's intents: tag words with a category, give a flag its evidence, remove it,
// judge a text, undo. Each goes through the edit ledger; a new flag is shown at once under a
// temporary id until the kernel's ack names it.
import type { Reply } from "../../lib/channel";
import type { ItemCache, ItemId, ItemInfo } from "../../lib/items";
import type { Edit, EditLedger } from "../../lib/ledger";
import { wordCount } from "../../lib/spans";
import type { StatusLine } from "../../lib/status";
import type { Stepper } from "../../lib/stepper";
import type { Evidence, Flag, Verdict } from "./model";
import type { FlaggerState } from "./state";

export interface IntentParts {
  state: FlaggerState;
  cache: ItemCache;
  stepper: Stepper;
  ledger: EditLedger;
  status: StatusLine;
  paint: () => void;
}

export class FlaggerIntents {
  private tmp = 0;
  private readonly waiting = new Map<string, Promise<number | null>>(); // tmp flag id -> its kernel id

  constructor(private readonly p: IntentParts) {}

  /** An edit of item `id`: the ack's flags (plus the new ones still on their way) and verdicts
   *  replace the view's; `onAck` runs after, `onFail` when refused or never answered. */
  private edit(id: ItemId, onAck?: (reply: Reply) => void, onFail?: () => void, undoable = true): Edit {
    const { cache, state, stepper } = this.p;
    return {
      item: id,
      describe: stepper.placeText(id, "image"), // the place the header shows, not the internal id
      undo: undoable ? true : undefined,
      ack: (reply) => {
        const info = cache.get(id);
        const pending = state.flags(info).filter((f) => typeof f.id === "string");
        const patch: Partial<ItemInfo> = { flags: [...((reply.flags as Flag[] | undefined) ?? []), ...pending] };
        const verdicts = reply.verdicts as Record<string, string | null> | undefined;
        if (info && verdicts) patch.texts = state.texts(info).map((t) => ({ ...t, verdict: verdicts[t.model] ?? null }));
        cache.update(id, patch);
        onAck?.(reply);
      },
      refused: onFail,
      failed: onFail,
    };
  }

  /** Tag the selected words with category `n` (or re-tag the flag on exactly those words). */
  tag(n: number): void {
    const { state, cache, ledger, status, paint } = this.p;
    const id = state.currentId();
    const info = state.item();
    const t = state.activeText();
    const category = state.categories()[n];
    if (id === undefined || !info || !t || category === undefined || !wordCount(t.pieces)) return;
    const sel = state.selection();
    const same = state.flags(info).find((f) => f.model === t.model && f.t0 === sel.t0 && f.t1 === sel.t1);
    status.clear();
    if (same) {
      if (typeof same.id === "string" || same.category === category) return;
      same.category = category;
      state.activeFlag = same.id;
      const edited = same.id;
      ledger.send("flag", { item_id: id, replaces: edited, category }, this.edit(id, (r) => {
        if (state.activeFlag === edited) state.activeFlag = r.flag as number; // unless the user moved on
      }));
      paint();
      return;
    }
    const temp: Flag = { id: `tmp${++this.tmp}`, model: t.model, t0: sel.t0, t1: sel.t1, category, evidence: null };
    cache.update(id, { flags: [...state.flags(info), temp] });
    state.activeFlag = temp.id;
    const dropTemp = () => cache.update(id, { flags: state.flags(cache.get(id)).filter((f) => f !== temp) });
    const done = ledger.send(
      "flag",
      { item_id: id, model: t.model, token_start: sel.t0, token_end: sel.t1, category },
      this.edit(id, (r) => {
        dropTemp();
        if (state.activeFlag === temp.id) state.activeFlag = r.flag as number;
      }, dropTemp),
    );
    this.waiting.set(temp.id as string, done.then((r) => (r && r.type === "ack" ? (r.flag as number) : null)));
    paint();
  }

  /** Run `fn` with the kernel's id of the target flag (waiting for its ack if it is new). */
  private withFlag(fn: (flagId: number, item: ItemId) => void): void {
    const { state, status } = this.p;
    const id = state.currentId();
    const f = state.targetFlag();
    if (id === undefined || !f) {
      status.info("select words and tag them with a category first (1–9)", { item: id });
      return;
    }
    if (typeof f.id === "number") fn(f.id, id);
    else this.waiting.get(f.id)?.then((real) => real !== null && fn(real, id));
  }

  setEvidence(evidence: Evidence): void {
    const { state, cache, ledger, paint } = this.p;
    this.withFlag((flagId, id) => {
      const f = state.flags(cache.get(id)).find((x) => x.id === flagId);
      if (f) f.evidence = evidence; // shown at once; the ack brings the kernel's state
      state.activeFlag = flagId;
      ledger.send("flag", { item_id: id, replaces: flagId, evidence }, this.edit(id, (r) => {
        if (state.activeFlag === flagId) state.activeFlag = r.flag as number; // unless the user moved on
      }));
      paint();
    });
  }

  removeFlag(): void {
    const { state, cache, ledger, paint } = this.p;
    this.withFlag((flagId, id) => {
      cache.update(id, { flags: state.flags(cache.get(id)).filter((f) => f.id !== flagId) });
      ledger.send("unflag", { item_id: id, flag: flagId }, this.edit(id));
      paint();
    });
  }

  verdict(v: Verdict): void {
    const { state, ledger, paint } = this.p;
    const id = state.currentId();
    const t = state.activeText();
    if (id === undefined || !t) return;
    t.verdict = v;
    ledger.send("verdict", { item_id: id, model: t.model, verdict: v }, this.edit(id));
    paint();
  }

  /** Undo the newest action (by its event id, once the kernel has given it one). */
  undo(): void {
    const { stepper, ledger, status } = this.p;
    const last = ledger.popUndo();
    if (!last) {
      status.info("nothing to undo");
      return;
    }
    stepper.seek(last.item, false);
    status.info(`undo: ${stepper.placeText(last.item, "image")}`, { item: last.item, title: `item id ${JSON.stringify(last.item)}` });
    last.reply.then((r) => {
      const eventId = r?.type === "ack" && typeof r.event_id === "number" ? r.event_id : null;
      if (eventId === null) status.info("nothing to undo (that action was not saved)", { item: last.item });
      else ledger.send("undo", { item_id: last.item, event_id: eventId }, this.edit(last.item, undefined, undefined, false));
    });
  }
}
