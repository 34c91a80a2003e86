// Active-learning panel: retrain status (with a spinner while the model trains in the kernel's
// background thread), the live learning curve against baselines, and label counts per class/group.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./loop_panel.css";
import { barChart, lineChart, Series, svg } from "../lib/chart";
import { IntentChannel } from "../lib/channel";
import type { Binary } from "../lib/media";
import { h, setText } from "../lib/dom";
import { HelpOverlay, helpButton as newHelpButton } from "../lib/help";
import { Keymap } from "../lib/keyboard";
import { StatusLine } from "../lib/status";
import { mountRoot } from "../lib/widget";
import { helpKeys, startView } from "../lib/review";

/** One round: `n_labels` and a value (or null) per metric key. */
type HistoryRow = { n_labels: number } & Record<string, number | null>;

export interface LoopPanelModel {
  history: HistoryRow[];
  /** the curves to draw: [key in the history rows, its label] */
  metrics: Array<[string, string]>;
  baselines: Record<string, Array<[number, number]>>;
  state: "idle" | "training" | "error";
  message: string;
  class_counts: Array<[string, number]>;
  group_counts: Array<[string, number, number]>;
  version: string;
}

const num = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v);

function render({ model, el }: RenderProps<LoopPanelModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-loop-panel");

  const spinner = h("span", "hitl-spinner");
  const message = h("span", "hitl-loop-message");
  const retrain = h("button", "hitl-button hitl-retrain", "retrain now (r)");
  const helpButton = newHelpButton();
  // inside ActiveLearningLoop (a key scope with its ClassifyWidget) the labelling part's "?" lists
  // both widgets' keys: this one is hidden there (loop_panel.css) and its "?" key defers to that one
  helpButton.classList.add("hitl-loop-help");
  const header = h("div", "hitl-row");
  header.append(spinner, message, h("span", "hitl-spacer"), retrain, helpButton);
  const curve = svg("svg");
  const latest = h("div", "hitl-muted hitl-loop-latest");
  const classes = svg("svg");
  const groups = h("table", "hitl-loop-groups");
  const counts = h("div", "hitl-row hitl-loop-counts");
  const classBox = h("div");
  classBox.append(h("div", "hitl-muted", "labels per class"), classes);
  counts.append(classBox, groups);
  const status = new StatusLine();
  root.append(header, curve, latest, counts, status.node);

  const channel = new IntentChannel(model);
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  const askRetrain = () => {
    channel.send("retrain", {}).then((reply) => {
      if (reply.type === "refused") status.error(`refused: ${reply.message}`);
    }, (e: Error) => status.error(e.message));
  };
  keymap.add(
    { keys: ["r"], description: "retrain now on every label so far", run: askRetrain },
    ...helpKeys(help).map((b) => ({ ...b, when: () => !keymap.scoped() && (!b.when || b.when()) })),
  );
  retrain.addEventListener("click", askRetrain);
  helpButton.addEventListener("click", () => help.toggle());

  function paint(): void {
    const state = model.get("state");
    spinner.hidden = state !== "training";
    root.dataset.state = state;
    setText(message, model.get("message"));
    message.classList.toggle("hitl-error", state === "error");
    retrain.disabled = state === "training";
    const history = model.get("history");
    const metrics = model.get("metrics");
    const series: Series[] = metrics.map(([key, label]) => (
      { name: label, points: history.map((r) => [r.n_labels, num(r[key])] as [number, number]) }
    ));
    for (const [name, points] of Object.entries(model.get("baselines"))) {
      series.push({ name: `${name} (baseline)`, points, dashed: true });
    }
    lineChart(curve, series, { width: 460, height: 220, xLabel: "labels", yLabel: "test score" });
    const last = history[history.length - 1];
    setText(
      latest,
      last
        ? [`round ${history.length - 1}: ${last.n_labels} labels`, ...metrics.map(([key, label]) => `${label} ${num(last[key]).toFixed(3)}`)].join(", ")
        : "no model yet: label the first batch",
    );
    barChart(classes, model.get("class_counts"), { width: 260, height: 40 });
    const rows = model.get("group_counts");
    groups.hidden = rows.length === 0;
    const head = h("tr");
    head.append(h("th", "", "group"), h("th", "", "labelled"), h("th", "", "in pool"));
    groups.replaceChildren(
      head,
      ...rows.map(([g, n, pool]) => {
        const tr = h("tr");
        tr.append(h("td", "", g), h("td", "", n), h("td", "", pool));
        return tr;
      }),
    );
  }

  return startView(model, root, status, {
    on: {
      "change:history change:baselines change:state change:message change:class_counts change:group_counts": paint,
      "msg:custom": (msg: Record<string, unknown>, buffers?: Binary[]) => channel.handle(msg, buffers),
    },
    paint,
    dispose: [keymap, channel],
  });
}

// anywidget's current module form: a default export holding render (a direct `render` export is deprecated)
export default { render } satisfies AnyWidget<LoopPanelModel>;
