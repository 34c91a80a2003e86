// PointCloudAnnotator front-end: a WebGL2 point view (pointcloud/scene.ts, renderer.ts) with orbit /
// pan / zoom and top / side / perspective views, screen-space selection (lasso, box, brush; Shift
// adds, Alt subtracts; pointer.ts, lib/selection.ts), digit keys paint the selection through the
// edit ledger (edits.ts), keys in keys.ts. The view-projection matrix and the canvas size are on the
// canvas (data-view-projection, data-view-size) so a test can recompute a selection independently.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "../lib/point_stage.css";
import "./pointcloud.css";
import type { ViewName } from "../lib/camera3d";
import type { ClassName } from "../lib/classes";
import { setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import type { ItemInfo } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import type { Binary } from "../lib/media";
import { helpKeys, kernelMessages, showSaved, startView, wireNav } from "../lib/review";
import { StatusLine } from "../lib/status";
import { mountRoot } from "../lib/widget";
import { COLOUR_MODES, type ColourMode } from "../lib/point_colours";
import { PointEdits, editable, selectInstances } from "./pointcloud/edits";
import { pointKeys } from "./pointcloud/keys";
import { decodeFrame, decodeLabels, uint16s, type FrameInfo } from "../lib/point_frame";
import { buildLayout, classButtons } from "./pointcloud/layout";
import { PointerControl, type Tool } from "../lib/point_pointer";
import { PointScene } from "../lib/point_scene";

export interface PointCloudModel {
  classes: ClassName[];
  colors: string[];
  mode: "semantic" | "instance";
  frame: number;
  n_frames: number;
  n_done: number;
  point_size: number;
  display_height: number;
  title: string;
  autofocus: boolean;
  version: string;
  task: string;
  annotator: string;
}

function render({ model, el }: RenderProps<PointCloudModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-pointcloud");
  const ui = buildLayout(root);
  const status = new StatusLine();
  root.append(status.node);
  const scene = new PointScene({
    stage: ui.stage, canvas: ui.canvas, overlay: ui.overlay, height: () => model.get("display_height"),
    pointSize: () => model.get("point_size"), colours: () => model.get("colors"),
  });
  if (scene.error) status.error(`cannot draw points: ${scene.error} (selection still works)`);
  let tool: Tool = "orbit";
  let instance = 1;
  const classes = () => model.get("classes");

  const ledger = new EditLedger(model, { status, repaint: () => undefined, progress: paintProgress });
  const edits = new PointEdits(ledger, status, {
    frame: () => scene.frame, selected: () => scene.selected, hidden: () => scene.hidden, nClasses: () => classes().length,
    onlyUnlabelled: () => ui.onlyUnlabelled.checked, onlyVisible: () => ui.onlyVisible.checked,
    instanceMode: () => model.get("mode") === "instance", instance: () => instance,
    changed: recolour, clearSelection: () => scene.selected.fill(0),
    paintedSelection: () => { scene.deselect(); showSelection(); paintProgress(); },
  });
  ui.onlyVisible.checked = true;
  ui.size.value = String(model.get("point_size"));

  // ---------------------------------------------------------------- drawing
  function recolour(): void {
    scene.recolour();
    showSelection();
    paintProgress();
  }

  /** The selection's count and the tool (the scene recoloured what a selection changed). */
  function showSelection(): void {
    const n = scene.selectedCount();
    root.dataset.selected = String(n);
    setText(ui.info, `${n} selected · ${tool} · colour: ${scene.mode}${model.get("mode") === "instance" ? ` · instance ${instance}` : ""}`);
  }

  function paintProgress(): void {
    const f = scene.frame;
    let labelled = 0;
    if (f) for (let i = 0; i < f.n; i++) labelled += f.labels[i] >= 0 ? 1 : 0;
    setText(ui.title, model.get("title"));
    setText(ui.position, model.get("n_frames") > 1 ? `frame ${model.get("frame") + 1} of ${model.get("n_frames")}` : "");
    setText(ui.progress, f ? `labelled ${labelled} of ${f.n} points` : "loading…");
    showSaved(status, ledger.channel, ui.buttons.retry);
  }

  const brushRadius = () => 12;
  const pointer = new PointerControl(ui.stage, ui.overlay, {
    camera: scene.camera, tool: () => tool, brushRadius, moved: () => scene.draw(),
    polygon: (polygon, how) => {
      root.dataset.lastPolygon = JSON.stringify(polygon);
      scene.selectPolygon(polygon, how);
      showSelection();
    },
    brush: (x, y, how, first) => {
      scene.brush(x, y, brushRadius(), how, first);
      showSelection();
    },
  });

  // ---------------------------------------------------------------- the kernel's messages
  function takeFrame(items: ItemInfo[], buffers: Binary[]): void {
    const info = (items as unknown as FrameInfo[]).find((i) => i.id === model.get("frame"));
    if (!info || info.kind !== "points") return;
    const frame = decodeFrame(info, buffers);
    scene.setFrame(frame, !scene.frame);
    let max = 0;
    for (const v of frame.instances) max = Math.max(max, v);
    instance = max + 1;
    root.dataset.frameLoaded = String(frame.id);
    recolour();
  }

  function takeLabels(msg: Record<string, unknown>, buffers: Binary[]): void {
    const frame = scene.frame;
    if (msg.type !== "labels" || !frame || msg.item_id !== frame.id) return;
    frame.labels = decodeLabels(buffers[0], classes().length > 254 ? "u2" : "u1");
    frame.instances = uint16s(buffers[1]);
    recolour();
  }

  const fetchFrame = () => model.send({ type: "fetch", ids: [model.get("frame")] });
  const onMessage = kernelMessages(ledger.channel, status, { items: takeFrame, other: takeLabels });

  // ---------------------------------------------------------------- controls
  function setTool(t: Tool): void {
    tool = t;
    pointer.cancel();
    ui.toolButtons.forEach((b, name) => b.setAttribute("aria-pressed", String(name === t)));
    showSelection(); // the info line names the tool; no point changes colour
  }
  ui.toolButtons.forEach((b, name) => b.addEventListener("click", () => setTool(name)));
  const setView = (v: ViewName) => scene.setView(v);
  const setMode = (m: ColourMode) => {
    scene.mode = m;
    ui.colour.value = m;
    recolour();
  };
  ui.colour.addEventListener("change", () => setMode(ui.colour.value as ColourMode));
  ui.size.addEventListener("input", () => model.set("point_size", Number(ui.size.value)));
  ui.acceptAll.addEventListener("click", () => edits.accept("all"));
  ui.acceptSel.addEventListener("click", () => edits.accept("selection"));
  ui.redo.addEventListener("click", () => edits.undoRedo("redo"));
  const eyes = () => classButtons(ui.classRow, classes(), model.get("colors"), (k) => edits.paint(k), (k, on) => {
    if (on) scene.hidden.delete(k);
    else scene.hidden.add(k);
    recolour();
  });
  let eyeBoxes = eyes();
  const stepFrame = (delta: number) => {
    const next = model.get("frame") + delta;
    if (next < 0 || next >= model.get("n_frames")) return;
    model.set("frame", next);
    model.save_changes();
  };

  // ---------------------------------------------------------------- keys
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    ...pointKeys({
      classes, paint: (k) => edits.paint(k), setTool, setView, disagreement: () => setMode(scene.mode === "disagreement" ? "label" : "disagreement"),
      nextColour: () => setMode(COLOUR_MODES[(COLOUR_MODES.indexOf(scene.mode) + 1) % COLOUR_MODES.length]),
      toggleUnlabelled: () => { ui.onlyUnlabelled.checked = !ui.onlyUnlabelled.checked; },
      toggleVisible: () => { ui.onlyVisible.checked = !ui.onlyVisible.checked; },
      showAll: () => { scene.hidden.clear(); eyeBoxes.forEach((e) => (e.checked = true)); recolour(); },
      accept: (scope) => edits.accept(scope),
      newInstance: () => { instance += 1; showSelection(); },
      selectInstances: () => {
        const f = scene.frame;
        if (f) selectInstances(f, scene.selected, editable(f, { onlyUnlabelled: () => false, onlyVisible: () => ui.onlyVisible.checked, hidden: () => scene.hidden }));
        recolour();
      },
      pointSize: (d) => model.set("point_size", Math.max(1, Math.min(10, model.get("point_size") + d))),
      step: stepFrame, severalFrames: () => model.get("n_frames") > 1, instanceMode: () => model.get("mode") === "instance",
      undoRedo: (which) => edits.undoRedo(which),
      clear: () => { pointer.cancel(); scene.selected.fill(0); recolour(); }, clearable: () => pointer.busy || scene.selected.includes(1),
    }),
    ...helpKeys(help),
  );
  wireNav(root, ui.buttons, { step: stepFrame, undo: () => edits.undoRedo("undo"), help, channel: ledger });

  const observer = new ResizeObserver(() => scene.draw());
  observer.observe(ui.stage);
  setTool("orbit");
  fetchFrame();
  return startView(model, root, status, {
    on: {
      "msg:custom": onMessage,
      "change:frame": () => { fetchFrame(); paintProgress(); },
      "change:point_size": () => { ui.size.value = String(model.get("point_size")); scene.draw(); },
      "change:classes change:colors": () => { eyeBoxes = eyes(); recolour(); },
      "change:n_done change:title": paintProgress,
    },
    paint: () => { paintProgress(); scene.draw(); },
    dispose: [pointer, keymap, ledger, () => observer.disconnect(), scene],
  });
}

export default { render } satisfies AnyWidget<PointCloudModel>;
