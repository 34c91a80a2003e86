// CoreferenceLinker's intents: link the selected mention to a region, a new box or no referent;
// unlink it; accept or reject its proposal; undo / redo on the item shown. Each change is applied
// to the view's copy at once and sent through the edit ledger; the kernel answers with the item's
// links, drawn boxes and rejected proposals, which replace the view's once nothing else about the
// item is on its way (a refusal fetches the kernel's state: editorEdit).
import type { Box } from "../../lib/boxes";
import { editorEdit, sayAbout, undoText } from "../../lib/canvas_stage";
import type { Reply } from "../../lib/channel";
import type { ItemCache, ItemId } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import { wordCount } from "../../lib/spans";
import type { StatusLine } from "../../lib/status";
import type { Stepper } from "../../lib/stepper";
import type { CorefItem, CorefState, Link, Region } from "./state";

export interface ActionParts {
  state: CorefState;
  cache: ItemCache;
  ledger: EditLedger;
  stepper: Stepper;
  status: StatusLine;
  paint: () => void;
}

const CHANGES: Record<string, string> = {
  link: "a link", unlink: "an unlink", accept: "an accepted proposal", reject: "a rejected proposal", redo: "a redo",
};

export class CorefActions {
  private drawn = 0;

  constructor(private readonly p: ActionParts) {}

  private place(id: ItemId): string {
    return this.p.stepper.placeOf(id, "image");
  }

  /** Send an intent about the image shown; `apply` changes the view's copy at once. */
  private send(type: string, fields: Record<string, unknown>, apply: (it: CorefItem) => void, acked?: (r: Reply) => void): void {
    const { state, cache, ledger, paint, status } = this.p;
    const id = state.current();
    const it = state.item();
    if (id === undefined || !it) return;
    const wasDone = (it.links ?? []).length > 0;
    apply(it);
    const nowDone = (it.links ?? []).length > 0;
    status.clear();
    const edit = editorEdit(ledger, id, (reply) => {
      if (ledger.pending(id) === 0) {
        cache.update(id, { links: reply.links as Link[], drawn: reply.drawn as Region[], rejected: reply.rejected as string[] });
      }
      acked?.(reply);
    }, this.place(id));
    if (wasDone !== nowDone) edit.done = nowDone;
    void ledger.send(type, { item_id: id, ...fields }, edit);
    paint();
  }

  /** Whether a mention is selected (else say how to select one). */
  private hasMention(): boolean {
    const { state, status } = this.p;
    if (wordCount(state.pieces())) return true;
    status.info("this caption has no words to link", { item: state.current() });
    return false;
  }

  private replace(it: CorefItem, link: Link): void {
    it.links = [...(it.links ?? []).filter((l) => l.t0 !== link.t0 || l.t1 !== link.t1), link];
    const used = new Set(it.links.map((l) => l.region));
    it.drawn = (it.drawn ?? []).filter((b) => used.has(b.id));
  }

  private newLink(region: string | null): Link {
    const { state } = this.p;
    const { t0, t1 } = state.selection();
    const old = state.selectedLink();
    const p = state.selectedProposal();
    const from = old?.proposal ? { score: old.score, proposal: old.proposal } : p ? { score: p.score, proposal: p.id } : null;
    const source = !from ? "human" : !old && p && p.region === region ? "proposal" : "adjusted";
    return { t0, t1, region, source, score: from?.score ?? null, proposal: from?.proposal ?? null };
  }

  /** Link the selected mention to region `region` (null: no visual referent). */
  link(region: string | null): void {
    if (!this.hasMention()) return;
    const { state, status } = this.p;
    const old = state.selectedLink();
    if (old && old.region === region) {
      status.info(region === null ? "already marked: no visual referent" : "already linked to that region", { item: state.current() });
      return;
    }
    const { t0, t1 } = state.selection();
    const link = this.newLink(region);
    this.send("link", { t0, t1, region }, (it) => this.replace(it, link));
  }

  /** Link the selected mention to a new region `box` ([x0, y0, x1, y1] in image pixels). */
  linkBox(box: Box): void {
    if (!this.hasMention()) return;
    const { t0, t1 } = this.p.state.selection();
    const r = (v: number) => Math.round(v * 100) / 100;
    const geometry = { x: r(box[0]), y: r(box[1]), w: r(box[2] - box[0]), h: r(box[3] - box[1]) };
    const temp = `new${++this.drawn}`; // shown at once; the ack names it (d1, d2, ...)
    const link = this.newLink(temp);
    this.send("link", { t0, t1, box: geometry }, (it) => {
      it.drawn = [...(it.drawn ?? []), { id: temp, ...geometry, label: null }];
      this.replace(it, link);
    });
  }

  unlink(): void {
    const { state, status } = this.p;
    const link = state.selectedLink();
    if (!link) {
      status.info("the selected words are not a linked mention", { item: state.current() });
      return;
    }
    this.send("unlink", { t0: link.t0, t1: link.t1 }, (it) => {
      it.links = (it.links ?? []).filter((l) => l !== link);
      const used = new Set(it.links.map((l) => l.region));
      it.drawn = (it.drawn ?? []).filter((b) => used.has(b.id));
    });
  }

  /** Accept (or reject) the selected mention's proposal. */
  proposal(verdict: "accept" | "reject"): void {
    const { state, status } = this.p;
    const p = state.selectedProposal();
    if (!p) {
      status.info("the selected mention has no open proposal", { item: state.current() });
      return;
    }
    if (verdict === "accept") {
      const link: Link = { t0: p.t0, t1: p.t1, region: p.region, source: "proposal", score: p.score, proposal: p.id };
      this.send("accept", { proposal_ids: [p.id] }, (it) => this.replace(it, link));
    } else {
      this.send("reject", { proposal_ids: [p.id] }, (it) => {
        it.rejected = [...(it.rejected ?? []), p.id];
      });
    }
  }

  /** Accept every open proposal of the image shown (one change, one undo). */
  acceptAll(): void {
    const { state, status } = this.p;
    const open = state.openProposals();
    if (!open.length) {
      status.info("no open proposals on this image", { item: state.current() });
      return;
    }
    const links: Link[] = open.map((p) => ({ t0: p.t0, t1: p.t1, region: p.region, source: "proposal", score: p.score, proposal: p.id }));
    this.send("accept", { proposal_ids: open.map((p) => p.id) }, (it) => links.forEach((l) => this.replace(it, l)));
  }

  /** The kernel undoes (redoes) the shown image's last change; the status line says what. */
  undoRedo(kind: "undo" | "redo"): void {
    const { state, cache, ledger, stepper, status, paint } = this.p;
    const id = state.current();
    if (id === undefined) return;
    const place = this.place(id);
    void ledger.send(kind, { item_id: id }, editorEdit(ledger, id, (reply) => {
      if (reply.type !== "ack") return;
      if (ledger.pending(id) === 0) {
        cache.update(id, { links: reply.links as Link[], drawn: reply.drawn as Region[], rejected: reply.rejected as string[] });
      }
      if (stepper.current() === id) sayAbout(status, id, undoText(kind, place, reply, CHANGES));
      paint();
    }, place));
  }
}
