// CoreferenceLinker's drawing: the image with its regions (each entity's colour; the picked region
// and the selected mention's proposal stand out), the caption (mentions underlined in their
// entity's colour, the selection), the selected mention and its proposal, the region buttons, and
// the chains. Captions, labels and ids go in as text only.
import type { AnyModel } from "@anywidget/types";
import type { BoxDraft } from "../../lib/box_draft";
import { DrawnBox, drawBoxes } from "../../lib/boxes";
import { data, h, setParts, setText } from "../../lib/dom";
import type { EditLedger } from "../../lib/ledger";
import { paintImageStep, showItemImage } from "../../lib/image_panel";
import { showProgress } from "../../lib/review";
import { listenWordDrag, Piece, renderPieces } from "../../lib/spans";
import type { Stepper } from "../../lib/stepper";
import type { ItemCache } from "../../lib/items";
import type { CorefLayout } from "./layout";
import { asBox, CorefModel, CorefState, Link, Region } from "./state";

export interface PaintParts {
  model: AnyModel<CorefModel>;
  root: HTMLElement;
  ui: CorefLayout;
  state: CorefState;
  cache: ItemCache;
  stepper: Stepper;
  ledger: EditLedger;
  draft: () => BoxDraft;
  /** a region button was clicked */
  pick: (region: string) => void;
}

/** The words `t0..t1` of the pieces, joined by spaces. */
export const wordsOf = (pieces: Piece[], t0: number, t1: number): string =>
  pieces.filter((p) => p[1]).slice(t0, t1 + 1).map((p) => p[0]).join(" ");

/** A region's name: "2 circle" (its key and label), or "2 d1" for a drawn box. */
export function regionName(regions: Region[], id: string | null): string {
  if (id === null) return "no visual referent";
  const k = regions.findIndex((r) => r.id === id);
  const r = regions[k];
  return r ? `${k + 1} ${r.label ?? r.id}` : id;
}

export class CorefPainter {
  constructor(private readonly p: PaintParts) {}

  progress(): void {
    const { ui, stepper, ledger } = this.p;
    showProgress(ui, stepper, ledger, (done, total) => `linked ${done} of ${total}`, "image");
  }

  image(): void {
    const { ui, state } = this.p;
    const it = showItemImage(ui, state.item());
    if (!it) return;
    const ents = state.entities(it);
    const regions = state.regions(it);
    const sel = state.selectedLink(it);
    const proposed = state.selectedProposal(it);
    const boxes: DrawnBox[] = regions.map((r, k) => ({
      box: asBox(r),
      colour: state.colour(ents.get(r.id)),
      width: k === state.picked || sel?.region === r.id ? 3.5 : 1.5,
    }));
    const p = proposed && regions.find((r) => r.id === proposed.region);
    if (p) boxes.push({ box: asBox(p), colour: "#00bcd4", dashed: true, width: 3 });
    const draft = this.p.draft().box;
    if (draft) boxes.push({ box: draft, colour: "#00bcd4", dashed: true, width: 2 });
    drawBoxes(ui.canvas, it.image, state.displaySize(), boxes);
  }

  caption(): void {
    const { ui, state } = this.p;
    const it = state.item();
    const links = state.links(it);
    const ents = state.entities(it);
    const proposals = state.openProposals(it);
    const sel = state.selection();
    ui.caption.replaceChildren(renderPieces(state.pieces(it), (n) => {
      const cls: string[] = [];
      const l = links.find((x) => x.t0 <= n && n <= x.t1);
      if (l) cls.push("hitl-mention-linked", l.region === null ? "hitl-no-ref" : `hitl-ent-${(ents.get(l.region) ?? 0) % 9}`);
      else if (proposals.some((x) => x.t0 <= n && n <= x.t1)) cls.push("hitl-mention-proposed");
      if (n >= sel.t0 && n <= sel.t1) cls.push("hitl-selected");
      if (n === state.cursor) cls.push("hitl-cursor");
      return cls;
    }));
  }

  /** Mouse selection on the caption (once: the caption element stays, its words are redrawn). */
  listen(): void {
    const { ui, state, root } = this.p;
    listenWordDrag(ui.caption, root, (n) => {
      state.selectWord(n);
      state.picked = -1;
      state.selecting = true;
      state.pressed = n;
      this.paint();
    }, (n) => {
      // the word pressed (the caption is redrawn under the pointer) keeps the mention it selected
      if (!state.selecting || n === state.cursor || n === state.pressed) return;
      state.pressed = -1;
      state.cursor = n;
      this.paint();
    });
  }

  /** The selected mention, what it is linked to, and its proposal. */
  mention(): void {
    const { ui, state } = this.p;
    const it = state.item();
    const pieces = state.pieces(it);
    const sel = state.selection();
    const regions = state.regions(it);
    const link = state.selectedLink(it);
    const words = wordsOf(pieces, sel.t0, sel.t1);
    if (!words) {
      setText(ui.mention, "no words in this caption");
      ui.proposal.replaceChildren();
      return;
    }
    setParts(ui.mention, [
      "mention: ", data(words), " → ",
      link ? data(regionName(regions, link.region)) : "not linked",
      link && link.source !== "human" ? ` (${link.source})` : "",
    ]);
    const p = state.selectedProposal(it);
    if (!p) {
      ui.proposal.replaceChildren();
      return;
    }
    const line = h("span", "hitl-proposal-text");
    setParts(line, ["model: ", data(regionName(regions, p.region)), p.score === null ? "" : ` (${p.score.toFixed(2)})`]);
    const accept = h("button", "hitl-button hitl-accept");
    accept.append(h("span", "hitl-key", "a"), document.createTextNode("accept"));
    const reject = h("button", "hitl-button hitl-reject");
    reject.append(h("span", "hitl-key", "x"), document.createTextNode("reject"));
    accept.dataset.action = "accept";
    reject.dataset.action = "reject";
    ui.proposal.replaceChildren(line, accept, reject);
  }

  regionButtons(): void {
    const { ui, state, pick } = this.p;
    const it = state.item();
    const ents = state.entities(it);
    const regions = state.regions(it);
    ui.regionBar.replaceChildren(
      h("span", "hitl-muted", "regions:"),
      ...regions.map((r, k) => {
        const b = h("button", "hitl-button hitl-region");
        if (k < 9) b.append(h("span", "hitl-key", String(k + 1)));
        b.append(h("bdi", "", r.label ?? r.id));
        b.title = r.label ?? r.id;
        b.dataset.region = r.id;
        b.style.borderLeft = `4px solid ${state.colour(ents.get(r.id))}`;
        b.setAttribute("aria-pressed", String(k === state.picked));
        b.addEventListener("click", () => pick(r.id));
        return b;
      }),
    );
  }

  /** One row per entity (its colour, its mentions, its region), then the mentions with no referent. */
  chains(): void {
    const { ui, state } = this.p;
    const it = state.item();
    const pieces = state.pieces(it);
    const regions = state.regions(it);
    const ents = state.entities(it);
    const links = [...state.links(it)].sort((a, b) => a.t0 - b.t0);
    const groups = new Map<string | null, Link[]>();
    for (const l of links) groups.set(l.region, [...(groups.get(l.region) ?? []), l]);
    ui.chains.replaceChildren(...[...groups].map(([region, ls]) => {
      const li = h("li", "hitl-chain");
      li.style.borderLeftColor = region === null ? "var(--hitl-border)" : state.colour(ents.get(region));
      const label = region === null ? "no referent" : `e${(ents.get(region) ?? 0) + 1}`;
      li.append(h("span", "hitl-chain-entity", label));
      const mentions = h("span", "hitl-chain-mentions");
      ls.forEach((l, k) => mentions.append(...(k ? [", "] : []), h("bdi", "hitl-chain-mention", wordsOf(pieces, l.t0, l.t1))));
      li.append(mentions);
      if (region !== null) li.append(h("span", "hitl-muted", "→"), h("bdi", "hitl-chain-region", regionName(regions, region)));
      return li;
    }));
  }

  paint(): void {
    const { model, root, ui, state, cache, stepper } = this.p;
    setText(ui.title, model.get("title"));
    this.progress();
    paintImageStep({
      root, panel: ui, stepper, cache, done: "linked", item: () => state.item(),
      clear: (atEnd) => {
        for (const n of [ui.caption, ui.proposal, ui.regionBar, ui.chains]) n.replaceChildren();
        if (atEnd) setText(ui.mention, "");
      },
      side: () => {
        this.caption();
        this.mention();
        this.regionButtons();
        this.chains();
      },
      image: () => this.image(),
    });
  }
}
