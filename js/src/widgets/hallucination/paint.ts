// HallucinationFlagger's drawing: progress, the image with its evidence boxes, the category
// buttons, and each model's text with its flags. Texts, names and categories go in as text only.
import type { AnyModel } from "@anywidget/types";
import { Box, DrawnBox, drawBoxes } from "../../lib/boxes";
import { h, setText } from "../../lib/dom";
import type { ItemCache } from "../../lib/items";
import type { EditLedger } from "../../lib/ledger";
import { paintImageStep, showItemImage } from "../../lib/image_panel";
import { showProgress } from "../../lib/review";
import { renderPieces, wordIndex } from "../../lib/spans";
import type { Stepper } from "../../lib/stepper";
import type { FlaggerLayout } from "./layout";
import { evidenceText, Flag, FlaggerModel, TextInfo } from "./model";
import type { FlaggerState } from "./state";

export interface PainterParts {
  model: AnyModel<FlaggerModel>;
  root: HTMLElement;
  ui: FlaggerLayout;
  state: FlaggerState;
  cache: ItemCache;
  stepper: Stepper;
  ledger: EditLedger;
  /** a category button was clicked */
  tag: (n: number) => void;
}

export class FlaggerPainter {
  constructor(private readonly p: PainterParts) {}

  progress(): void {
    const { ui, stepper, ledger } = this.p;
    showProgress(ui, stepper, ledger, (done, total) => `done ${done} of ${total}`, "image");
  }

  image(): void {
    const { ui, state, model } = this.p;
    const info = showItemImage(ui, state.item());
    if (!info) return;
    const target = state.targetFlag();
    const boxes: DrawnBox[] = state.flags()
      .filter((f) => f.evidence?.kind === "box")
      .map((f) => ({ box: f.evidence!.box as Box, colour: state.colour(f.category), width: f === target ? 3 : 1.5 }));
    if (state.boxEdit) boxes.push({ box: state.boxEdit, colour: "#00bcd4", dashed: true, width: 2 });
    drawBoxes(ui.canvas, info.image, model.get("display_size"), boxes);
  }

  categories(): void {
    const { ui, state, tag } = this.p;
    ui.categoryBar.replaceChildren(
      h("span", "hitl-muted", "tag:"),
      ...state.categories().map((c, n) => {
        const b = h("button", "hitl-button hitl-category");
        if (n < 9) b.append(h("span", "hitl-key", String(n + 1)));
        b.append(document.createTextNode(c));
        b.title = c; // the whole category when a long one is cut with … (issue 16)
        b.style.borderLeft = `4px solid ${state.colour(c)}`;
        b.addEventListener("click", () => tag(n));
        return b;
      }),
    );
  }

  texts(): void {
    const { ui, state } = this.p;
    const info = state.item();
    const all = state.flags(info);
    ui.panels.replaceChildren(...state.texts(info).map((t, k) => this.panel(t, k, all.filter((f) => f.model === t.model))));
  }

  /** One model's text panel: its name and verdict, the words (selectable), its flags. */
  private panel(t: TextInfo, k: number, mine: Flag[]): HTMLElement {
    const { root, state } = this.p;
    const panel = h("div", "hitl-text-panel");
    panel.setAttribute("aria-current", String(k === state.textIdx));
    const head = h("div", "hitl-row");
    head.append(h("span", "hitl-model", t.model), h("span", "hitl-spacer"), h("span", "hitl-text-verdict", t.verdict ? `verdict: ${t.verdict}` : "no verdict"));
    const sel = state.selection();
    const body = h("div", "hitl-generated");
    body.dir = "auto";
    body.append(
      renderPieces(t.pieces, (n) => {
        const cls: string[] = [];
        const f = mine.find((x) => x.t0 <= n && n <= x.t1);
        if (f) cls.push("hitl-flagged", `hitl-cat-${state.colourIndex(f.category)}`);
        if (k === state.textIdx && n >= sel.t0 && n <= sel.t1) cls.push("hitl-selected");
        if (k === state.textIdx && n === state.cursor) cls.push("hitl-cursor");
        return cls;
      }),
    );
    body.addEventListener("mousedown", (e) => {
      const n = wordIndex(e.target);
      if (n < 0) return;
      e.preventDefault(); // no native text selection: words are the unit
      root.focus({ preventScroll: true });
      state.textIdx = k;
      state.anchor = state.cursor = n;
      state.selecting = true;
      this.texts();
      this.image();
    });
    body.addEventListener("mouseover", (e) => {
      const n = wordIndex(e.target);
      if (!state.selecting || k !== state.textIdx || n < 0 || n === state.cursor) return;
      state.cursor = n;
      this.texts();
    });
    panel.append(head, body, this.flagList(t, k, mine));
    return panel;
  }

  /** The flags of one text: category, words, evidence; a click makes one the target. */
  private flagList(t: TextInfo, k: number, mine: Flag[]): HTMLElement {
    const { root, state } = this.p;
    const target = state.targetFlag();
    const list = h("ul", "hitl-flag-list");
    for (const f of mine) {
      const li = h("li", "hitl-flag");
      if (f === target) li.classList.add("hitl-flag-target");
      li.style.borderLeftColor = state.colour(f.category);
      const words = t.pieces.filter((p) => p[1]).slice(f.t0, f.t1 + 1).map((p) => p[0]).join(" ");
      li.append(
        h("span", "hitl-flag-category", f.category),
        h("span", "hitl-flag-span", words),
        h("span", "hitl-muted hitl-flag-evidence", evidenceText(f.evidence) + (typeof f.id === "string" ? " (unsaved)" : "")),
      );
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        root.focus({ preventScroll: true });
        state.textIdx = k;
        state.anchor = f.t0;
        state.cursor = f.t1;
        state.activeFlag = f.id;
        this.paint();
      });
      list.append(li);
    }
    return list;
  }

  /** The whole view. */
  paint(): void {
    const { model, root, ui, state, cache, stepper } = this.p;
    setText(ui.title, model.get("title"));
    this.progress();
    paintImageStep({
      root, panel: ui, stepper, cache, done: "reviewed", item: () => state.item(),
      clear: () => ui.panels.replaceChildren(),
      side: () => {
        state.textIdx = Math.max(0, Math.min(state.textIdx, state.texts().length - 1));
        this.texts();
      },
      image: () => this.image(),
    });
  }
}
