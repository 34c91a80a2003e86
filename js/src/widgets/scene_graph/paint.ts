// SceneGraphAnnotator's drawing: the image with its boxes (class colours; the subject, the object,
// the Tab cursor and the box under the pointer stand out) and the relations as labelled arrows
// (those of the focused box highlighted, the others dimmed; proposals dashed); the relation being
// made and the predicate list; the selected box's class and attributes (and its eight handles);
// the model's proposed boxes dashed with their score; the triples and open proposals. Ids, classes,
// predicates and attributes go in as text only.
import type { AnyModel } from "@anywidget/types";
import { DrawnArrow, drawArrows } from "../../lib/arrows";
import type { BoxDraft } from "../../lib/box_draft";
import type { BoxGrab } from "../../lib/box_edit";
import { DrawnBox, drawBoxes } from "../../lib/boxes";
import { classColour } from "../../lib/classes";
import { data, h, labelText, Part, countOf, setParts, setText } from "../../lib/dom";
import type { ItemCache } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import { paintImageStep, showItemImage } from "../../lib/image_panel";
import { showProgress } from "../../lib/review";
import type { Stepper } from "../../lib/stepper";
import type { SceneLayout } from "./layout";
import { asBox, openBoxProposals, openProposals, SceneModel, SceneState, SgObject, tripleKey } from "./state";

export interface PaintParts {
  model: AnyModel<SceneModel>;
  root: HTMLElement;
  ui: SceneLayout;
  state: SceneState;
  cache: ItemCache;
  stepper: Stepper;
  ledger: EditLedger;
  draft: () => BoxDraft;
  grab: () => BoxGrab;
  /** a relation (tripleKey), proposal or proposed box (id) in the side list was clicked */
  select: (kind: "relation" | "proposal" | "box", key: string) => void;
}

const RELATION = "#00bcd4";
const PROPOSED = "#ff9800";
const SELECTED = "#ffeb3b";
/** Up to this many arrows, each has its label; beyond, only the focused box's and the selected one. */
const LABEL_ALL = 40;

/** "h1 (cup)": an object's id and class, each isolated in its own element (setParts). */
export const nameParts = (o: SgObject | undefined, id: string): Part[] => (o ? [data(id), " (", data(labelText(o.class)), ")"] : [data(id)]);

export class ScenePainter {
  /** what the triples list was built from: rebuilt only when one of these changes */
  private listed: unknown[] = [];
  private listedSelection: string | null = null;

  constructor(private readonly p: PaintParts) {}

  progress(): void {
    const { ui, stepper, ledger } = this.p;
    showProgress(ui, stepper, ledger, (done, total) => `annotated ${done} of ${total}`, "image");
  }

  /** The canvas: image, boxes, arrows (all this runs on a hover: nothing else). */
  image(): void {
    const { ui, state } = this.p;
    const it = showItemImage(ui, state.item());
    if (!it) return;
    const classes = state.classes();
    const grabbed = this.p.grab().box;
    const edited = state.editable(it);
    const objects = state.objects(it).map((o) => (grabbed && o.id === edited?.id ? { ...o, ...grabbed } : o));
    const proposed = openBoxProposals(it);
    const boxProp = state.selectedBoxProposal(it);
    const byId = new Map<string, { x: number; y: number; w: number; h: number }>([...proposed, ...objects].map((o) => [o.id, o]));
    const focus = state.focus();
    const rel = state.selectedRelation(it);
    const prop = state.selectedProposal(it);
    const marked = new Set([state.subject, state.object, state.hover, rel?.subject, rel?.object, prop?.subject, prop?.object]);
    const boxes: DrawnBox[] = objects.map((o, k) => ({
      box: asBox(o),
      colour: o.id === state.subject || o.id === state.object ? SELECTED : classColour(classes.findIndex((c) => c === o.class)),
      width: marked.has(o.id) || k === state.cursor ? 3.5 : 1.5,
      dashed: k === state.cursor && !marked.has(o.id),
      handles: o.id === edited?.id,
    }));
    for (const p of proposed) {
      const on = p.id === boxProp?.id;
      boxes.push({ box: asBox(p), colour: on ? SELECTED : PROPOSED, dashed: true, width: on ? 3 : 1.5,
        label: p.score === null ? "?" : p.score.toFixed(2) });
    }
    const draft = this.p.draft().box;
    if (draft) boxes.push({ box: draft, colour: SELECTED, dashed: true, width: 2 });
    drawBoxes(ui.canvas, it.image, state.displaySize(), boxes);
    if (!state.showArrows) return;
    const dim = focus !== null || rel !== undefined || prop !== undefined || boxProp !== undefined;
    // every arrow's label while there are few; with many, only those of the focused box, the selection
    const labelAll = state.relations(it).length + openProposals(it).length <= LABEL_ALL;
    const arrows: DrawnArrow[] = [];
    for (const r of state.relations(it)) {
      const s = byId.get(r.subject);
      const o = byId.get(r.object);
      if (!s || !o) continue;
      const selected = rel !== undefined && tripleKey(r) === tripleKey(rel);
      const touches = focus !== null && (r.subject === focus || r.object === focus);
      arrows.push({
        from: asBox(s), to: asBox(o), label: labelAll || selected || touches ? r.predicate : undefined, colour: selected ? SELECTED : RELATION,
        width: selected ? 3.5 : touches ? 2.5 : 1.5, alpha: !dim || selected || touches ? 1 : 0.2,
      });
    }
    for (const p of openProposals(it)) {
      const s = byId.get(p.subject);
      const o = byId.get(p.object);
      if (!s || !o) continue;
      const selected = p.id === prop?.id;
      const touches = focus !== null && (p.subject === focus || p.object === focus);
      arrows.push({
        from: asBox(s), to: asBox(o), label: labelAll || selected || touches ? p.predicate : undefined, colour: selected ? SELECTED : PROPOSED, dashed: true,
        width: selected ? 3.5 : 1.5, alpha: !dim || selected || touches ? 1 : 0.2,
      });
    }
    drawArrows(ui.canvas, it.image.width, it.image.height, arrows);
  }

  /** The relation being made ("subject → ? → object") and the predicates to pick from. */
  pending(): void {
    const { ui, state } = this.p;
    const it = state.item();
    const name = (id: string | null): Part[] => (id === null ? ["?"]
      : nameParts(state.object_(id, it) ?? openBoxProposals(it).find((b) => b.id === id) as SgObject | undefined, id));
    const preds = state.predicates();
    const prop = state.selectedProposal(it);
    const rel = state.selectedRelation(it);
    const box = state.selectedBoxProposal(it);
    if (box) {
      setParts(ui.pending, ["proposed box: ", data(box.id), " (", data(labelText(box.class)), ")",
        box.score === null ? "" : ` ${box.score.toFixed(2)}`, "  Enter accepts, x rejects"]);
    } else if (state.subject !== null) {
      setParts(ui.pending, ["relation: ", ...name(state.subject), " → ", state.filter ? data(`${state.filter}…`) : "?", " → ",
        ...name(state.object), state.awaiting() ? "" : "  (click the object box)"]);
    } else if (prop) {
      setParts(ui.pending, ["proposal: ", ...name(prop.subject), " → ", data(prop.predicate), " → ", ...name(prop.object),
        prop.score === null ? "" : ` (${prop.score.toFixed(2)})`, "  Enter accepts, x rejects, a digit changes the predicate"]);
    } else if (rel) {
      setParts(ui.pending, ["selected: ", ...name(rel.subject), " → ", data(rel.predicate), " → ", ...name(rel.object),
        "  (Delete removes it)"]);
    } else setText(ui.pending, "click a box (the subject), then another (the object), then a predicate");
    const choosing = state.awaiting() || prop !== undefined;
    const shown = choosing ? state.choices() : preds.map((_, k) => k);
    ui.predicateList.classList.toggle("hitl-sg-choosing", choosing);
    ui.predicateList.replaceChildren(...shown.map((k, n) => {
      const li = h("li", "hitl-sg-predicate");
      if (n < 9) li.append(h("span", "hitl-key", String(n + 1)));
      li.append(h("bdi", "", preds[k]));
      li.dataset.predicate = preds[k];
      if (choosing && n === 0 && state.filter) li.classList.add("hitl-sg-first");
      return li;
    }));
  }

  /** The selected box's class and attributes. */
  objectPanel(): void {
    const { ui, state } = this.p;
    const o = state.object_(state.subject);
    const classes = state.classes();
    if (ui.classSelect.options.length !== classes.length) {
      ui.classSelect.replaceChildren(...classes.map((c, k) => {
        const opt = h("option", "", labelText(c));
        opt.value = String(k);
        return opt;
      }));
      ui.attrList.replaceChildren(...(this.p.model.get("attribute_choices") ?? []).map((a) => {
        const opt = h("option");
        opt.value = a;
        return opt;
      }));
    }
    setText(ui.objectName, o ? `box ${o.id}:` : "next boxes:");
    ui.classSelect.value = String(o ? classes.findIndex((c) => c === o.class) : state.classIndex);
    ui.attrInput.disabled = !o;
    if (document.activeElement !== ui.attrInput) ui.attrInput.value = o ? o.attributes.join(", ") : "";
  }

  /** The triples, then the open proposals (dashed); a click selects one. The rows are rebuilt only
   *  when the item's objects, relations or proposals change (a selection only marks its row). */
  triples(): void {
    const { ui, state } = this.p;
    const it = state.item();
    const sources = [it, it?.objects, it?.relations, it?.proposals, it?.rejected, it?.object_proposals, it?.rejected_objects, state.showArrows];
    if (sources.length !== this.listed.length || sources.some((v, k) => v !== this.listed[k])) {
      this.listed = sources;
      this.buildTriples();
    }
    const selected = state.relation ?? state.proposal ?? state.boxProposal;
    for (const li of ui.triples.children) {
      const el = li as HTMLElement;
      const on = el.dataset.key === (el.dataset.kind === "relation" ? state.relation : el.dataset.kind === "box" ? state.boxProposal : state.proposal);
      if ((el.getAttribute("aria-selected") === "true") !== on) el.setAttribute("aria-selected", String(on));
    }
    if (selected !== null && selected !== this.listedSelection) {
      ui.triples.querySelector("[aria-selected=true]")?.scrollIntoView?.({ block: "nearest" });
    }
    this.listedSelection = selected;
  }

  private buildTriples(): void {
    const { ui, state, select } = this.p;
    const it = state.item();
    const rels = state.relations(it);
    const props = openProposals(it);
    const boxes = openBoxProposals(it);
    const name = (cls: string, id: string) => {
      const span = h("span", cls);
      setParts(span, nameParts(state.object_(id, it) ?? boxes.find((b) => b.id === id) as SgObject | undefined, id));
      return span;
    };
    setText(ui.triplesHead, `${countOf(rels.length, "relation")}, ${countOf(props.length, "open proposal")}`
      + `, ${state.objects(it).length} boxes${boxes.length ? ` (+${boxes.length} proposed)` : ""}${state.showArrows ? "" : " (arrows hidden)"}`);
    const boxRow = (b: (typeof boxes)[number]) => {
      const li = h("li", "hitl-sg-triple hitl-sg-proposal hitl-sg-box-proposal");
      li.dataset.key = b.id;
      li.dataset.kind = "box";
      li.append("box ", name("hitl-sg-s", b.id), h("span", "hitl-muted", ` proposed${b.score === null ? "" : ` ${b.score.toFixed(2)}`}`));
      li.addEventListener("click", () => select("box", b.id));
      return li;
    };
    const row = (kind: "relation" | "proposal", key: string, t: { subject: string; predicate: string; object: string }, extra: string) => {
      const li = h("li", `hitl-sg-triple${kind === "proposal" ? " hitl-sg-proposal" : ""}`);
      li.dataset.key = key;
      li.dataset.kind = kind;
      li.append(name("hitl-sg-s", t.subject), " → ", h("bdi", "hitl-sg-p", t.predicate), " → ", name("hitl-sg-o", t.object));
      if (extra) li.append(h("span", "hitl-muted", extra));
      li.addEventListener("click", () => select(kind, key));
      return li;
    };
    ui.triples.replaceChildren(
      ...boxes.map(boxRow),
      ...rels.map((r) => row("relation", tripleKey(r), r,
        r.source === "model" ? " (model)" : "")),
      ...props.map((p) => row("proposal", p.id, p,
        ` proposed${p.score === null ? "" : ` ${p.score.toFixed(2)}`}`)),
    );
  }

  paint(): void {
    const { model, root, ui, state, cache, stepper } = this.p;
    setText(ui.title, model.get("title"));
    this.progress();
    paintImageStep({
      root, panel: ui, stepper, cache, done: "shown", item: () => state.item(),
      clear: (atEnd) => {
        for (const n of [ui.triples, ui.predicateList]) n.replaceChildren();
        if (atEnd) setText(ui.pending, "");
      },
      side: () => {
        this.pending();
        this.objectPanel();
        this.triples();
      },
      image: () => this.image(),
    });
  }
}
