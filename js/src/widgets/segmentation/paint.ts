// SegmentationCanvas's texts: title, progress, class swatches, the tool row's state and the info
// line; paint() shows the item (or the end / loading screen) and sets it up the first time.
import type { AnyModel } from "@anywidget/types";
import { classSwatches } from "../../lib/canvas_stage";
import { data, setParts, setText } from "../../lib/dom";
import { itemKey, type ItemCache } from "../../lib/items";
import { clicksText } from "./assist";
import type { EditLedger } from "../../lib/ledger";
import { showProgress } from "../../lib/review";
import type { Stepper } from "../../lib/stepper";
import type { Viewport } from "../../lib/viewport";
import type { MaskLayers } from "./layers";
import type { SegLayout } from "./layout";
import type { SegModel, Tool } from "./model";
import type { SegState } from "./state";

/** The info line's name of a tool (else its own name). */
const TOOL_NAMES: Partial<Record<Tool, string>> = { assist: "click-to-segment", superpixel: "superpixel brush" };

export interface PainterParts {
  model: AnyModel<SegModel>;
  root: HTMLElement;
  ui: SegLayout;
  state: SegState;
  cache: ItemCache;
  viewport: Viewport;
  stepper: Stepper;
  ledger: EditLedger;
  layers: MaskLayers;
  /** a class swatch was clicked */
  pickClass: (k: number) => void;
}

export class SegPainter {
  constructor(private readonly p: PainterParts) {}

  /** Progress, tool state and the info line (what a stroke would paint, the model's mask). */
  info(): void {
    const { ui, state, stepper, ledger } = this.p;
    showProgress(ui, stepper, ledger, (done, total) => `masked ${done} of ${total}`);
    setText(ui.sizeText, `size ${state.brush * 2}`);
    for (const [name, b] of Object.entries(ui.toolButtons)) b.setAttribute("aria-pressed", String(name === state.tool));
    ui.instanceButton.hidden = !state.instanceMode();
    ui.toolButtons.assist.hidden = !state.assistOn();
    this.opacity();
    const best = state.openProposals()[0];
    ui.acceptButton.disabled = !best;
    const cls = state.classes()[state.currentClass];
    const what = state.instanceMode() ? [`instance ${state.currentInstance || "(new)"} of `, data(cls)] : [data(cls)];
    const id = state.current();
    let extra = "";
    if (state.tool === "assist") {
      // the region shown is ready only when it answers the newest clicks: after another click the
      // older region stays drawn until its answer comes, but Enter would not paint it
      const pv = state.preview;
      const ready = pv !== null && pv.req === state.assistReq;
      extra = !state.clicks.length ? " — click the object (Shift+click or right click: not this part)"
        : ` — ${clicksText(state.clicks)}, ${ready ? `region ${pv.area} px: Enter paints it, Esc drops the clicks` : "region on its way"}`;
    } else if (state.tool === "superpixel") {
      const sp = id === undefined ? undefined : state.superpixels.get(itemKey(id));
      extra = sp ? ` — ${sp.count} superpixels` : " — superpixels on their way";
    }
    setParts(ui.infoLine, [
      `${TOOL_NAMES[state.tool] ?? state.tool}: `, ...what, extra,
      state.polygon.length ? ` — ${state.polygon.length} vertices, Enter closes` : "",
      ...(best ? [" — model mask ", data(best.class), `${best.score === null ? "" : ` (${best.score.toFixed(2)})`}: Enter accepts`] : []),
    ]);
  }

  /** The opacity slider and its value ("60%"). */
  opacity(): void {
    const { model, ui } = this.p;
    const v = model.get("opacity");
    ui.opacityInput.value = String(v);
    setText(ui.opacityValue, `${Math.round(v * 100)}%`);
    ui.opacityInput.setAttribute("aria-valuetext", `${Math.round(v * 100)}%`);
  }

  classes(): void {
    const { ui, state, pickClass } = this.p;
    ui.classBar.replaceChildren(...classSwatches(state.classes(), state.currentClass, pickClass));
  }

  /** The whole view. */
  paint(): void {
    const { model, root, ui, state, cache, viewport, stepper, layers } = this.p;
    ui.status.showing(state.current()); // a message about another item goes
    setText(ui.title, model.get("title"));
    this.classes();
    this.info();
    const shown = ui.stage.showCurrent(stepper, cache, viewport, model.get("display_height"));
    if (!shown) return;
    if (shown.fresh) layers.setup(shown.item, state.enterItem(shown.item));
    layers.scheduler.flush();
    root.dispatchEvent(new CustomEvent("hitl:painted", { detail: { id: state.current(), position: stepper.pos } }));
  }
}
