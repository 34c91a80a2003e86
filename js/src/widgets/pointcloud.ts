// PointCloudAnnotator front-end: a WebGL2 point view (pointcloud/renderer.ts) with orbit / pan /
// zoom and top / side / perspective views, screen-space selection (lasso, box, brush; Shift adds,
// Alt subtracts; lib/selection.ts), digit keys paint the selection through the edit ledger
// (pointcloud/edits.ts). The view-projection matrix and the canvas size are on the canvas
// (data-view-projection, data-view-size) so a test can recompute a selection independently.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./pointcloud.css";
import { OrbitCamera, type Mat4, type ViewName } from "../lib/camera3d";
import { classDigitKeys, type ClassName } from "../lib/classes";
import { setText } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import type { ItemInfo } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import type { Binary } from "../lib/media";
import { helpKeys, kernelMessages, showSaved, startView, wireNav } from "../lib/review";
import { brushAt, combine, type Combine, projectPoints, selectPolygon } from "../lib/selection";
import { StatusLine } from "../lib/status";
import { mountRoot } from "../lib/widget";
import { pointColours, COLOUR_MODES, type ColourMode } from "./pointcloud/colours";
import { PointEdits, editable } from "./pointcloud/edits";
import { decodeFrame, decodeLabels, robustBounds, uint16s, type FrameData, type FrameInfo } from "./pointcloud/frame";
import { buildLayout, classButtons, TOOLS } from "./pointcloud/layout";
import { PointerControl, type Tool } from "./pointcloud/pointer";
import { PointRenderer } from "./pointcloud/renderer";

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
  const camera = new OrbitCamera();
  let frame: FrameData | undefined;
  let selected = new Uint8Array(0);
  let screen: Float64Array | undefined; // projected positions for the current camera (lazy)
  let vp: Mat4 | undefined;
  let tool: Tool = "orbit";
  let mode: ColourMode = "label";
  let instance = 1;
  const hidden = new Set<number>();
  const classes = () => model.get("classes");
  let renderer: PointRenderer | undefined;
  try {
    renderer = new PointRenderer(ui.canvas);
  } catch (e) {
    status.error(`cannot draw points: ${String(e)} (selection still works)`);
  }

  const ledger = new EditLedger(model, { status, repaint: () => undefined, progress: paintProgress });
  const edits = new PointEdits(ledger, status, {
    frame: () => frame, selected: () => selected, hidden: () => hidden, nClasses: () => classes().length,
    onlyUnlabelled: () => ui.onlyUnlabelled.checked, onlyVisible: () => ui.onlyVisible.checked,
    instanceMode: () => model.get("mode") === "instance", instance: () => instance,
    changed: recolour, clearSelection: () => selected.fill(0),
  });
  ui.onlyVisible.checked = true;
  ui.size.value = String(model.get("point_size"));

  // ---------------------------------------------------------------- drawing
  function size(): [number, number] {
    return [ui.stage.clientWidth || 800, model.get("display_height")];
  }

  let drawPending = false;
  let draws = 0;

  /** Bring the view-projection matrix (and its data attributes) up to date now; draw the points
   *  on the next animation frame (several changes in one frame draw once: a software renderer
   *  takes a while over a million points). */
  function draw(): void {
    const [w, h] = size();
    ui.stage.style.height = `${h}px`;
    const dpr = window.devicePixelRatio || 1;
    for (const c of [ui.canvas, ui.overlay]) {
      if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) [c.width, c.height] = [Math.round(w * dpr), Math.round(h * dpr)];
    }
    vp = camera.viewProjection(w / h);
    screen = undefined;
    ui.canvas.dataset.viewProjection = JSON.stringify(Array.from(vp));
    ui.canvas.dataset.viewSize = JSON.stringify([w, h]);
    if (drawPending) return;
    drawPending = true;
    requestAnimationFrame(() => {
      drawPending = false;
      if (!frame || !renderer || !vp) return;
      renderer.draw(vp, model.get("point_size"), [17, 17, 17]);
      ui.canvas.dataset.drawn = String(++draws);
    });
  }

  function recolour(): void {
    if (!frame) return;
    renderer?.setColours(pointColours(frame, { mode, colours: model.get("colors"), hidden, selected }));
    let n = 0;
    for (let i = 0; i < selected.length; i++) n += selected[i];
    root.dataset.selected = String(n);
    setText(ui.info, `${n} selected · ${tool} · colour: ${mode}${model.get("mode") === "instance" ? ` · instance ${instance}` : ""}`);
    paintProgress();
    draw();
  }

  function paintProgress(): void {
    const f = frame;
    let labelled = 0;
    if (f) for (let i = 0; i < f.n; i++) labelled += f.labels[i] >= 0 ? 1 : 0;
    setText(ui.title, model.get("title"));
    setText(ui.position, model.get("n_frames") > 1 ? `frame ${model.get("frame") + 1} of ${model.get("n_frames")}` : "");
    setText(ui.progress, f ? `labelled ${labelled} of ${f.n} points` : "loading…");
    showSaved(status, ledger.channel, ui.buttons.retry);
  }

  // ---------------------------------------------------------------- selection
  function projected(): Float64Array {
    if (!frame || !vp) return new Float64Array(0);
    if (!screen) {
      const [w, h] = size();
      screen = projectPoints(frame.xyz, vp, w, h);
    }
    return screen;
  }

  /** Points a selection may take: drawn ones (a hidden class is not drawn). */
  const drawn = (i: number) => !!frame && !hidden.has(frame.labels[i]);

  function selectPolygonNow(polygon: number[], how: Combine): void {
    if (!frame) return;
    root.dataset.lastPolygon = JSON.stringify(polygon);
    combine(selected, selectPolygon(projected(), polygon, drawn), how);
    recolour();
  }

  function brush(x: number, y: number, how: Combine, first: boolean): void {
    if (!frame) return;
    if (first && how === "replace") selected.fill(0);
    const fresh = new Uint8Array(frame.n);
    brushAt(projected(), x, y, brushRadius(), fresh, drawn);
    combine(selected, fresh, how === "subtract" ? "subtract" : "add");
    recolour();
  }
  const brushRadius = () => 12;

  const pointer = new PointerControl(ui.stage, ui.overlay, {
    camera, tool: () => tool, brushRadius, moved: draw, polygon: selectPolygonNow, brush,
  });

  // ---------------------------------------------------------------- the kernel's messages
  function takeFrame(items: ItemInfo[], buffers: Binary[]): void {
    const info = (items as unknown as FrameInfo[]).find((i) => i.id === model.get("frame"));
    if (!info || info.kind !== "points") return;
    const first = !frame;
    frame = decodeFrame(info, buffers);
    selected = new Uint8Array(frame.n);
    renderer?.setPositions(frame.xyz);
    if (first) camera.fit(...robustBounds(frame.xyz));
    let max = 0;
    for (const v of frame.instances) max = Math.max(max, v);
    instance = max + 1;
    root.dataset.frameLoaded = String(frame.id);
    recolour();
  }

  function takeLabels(msg: Record<string, unknown>, buffers: Binary[]): void {
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
    recolour();
  }
  ui.toolButtons.forEach((b, name) => b.addEventListener("click", () => setTool(name)));
  const setView = (v: ViewName) => {
    if (frame) camera.fit(...robustBounds(frame.xyz), v);
    draw();
  };
  const setMode = (m: ColourMode) => {
    mode = m;
    ui.colour.value = m;
    recolour();
  };
  ui.colour.addEventListener("change", () => setMode(ui.colour.value as ColourMode));
  ui.size.addEventListener("input", () => model.set("point_size", Number(ui.size.value)));
  ui.acceptAll.addEventListener("click", () => edits.accept("all"));
  ui.acceptSel.addEventListener("click", () => edits.accept("selection"));
  ui.redo.addEventListener("click", () => edits.undoRedo("redo"));
  const eyes = () => classButtons(ui.classRow, classes(), model.get("colors"), (k) => edits.paint(k), (k, on) => {
    if (on) hidden.delete(k);
    else hidden.add(k);
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
    ...classDigitKeys(classes, (k) => edits.paint(k), (c) => `paint the selection: ${String(c)}`),
    ...TOOLS.map(([t, key, name]) => ({ keys: [key], description: `${name} tool`, run: () => setTool(t) })),
    { keys: ["t"], description: "top view", run: () => setView("top") },
    { keys: ["s"], description: "side view", run: () => setView("side") },
    { keys: ["p"], description: "perspective view", run: () => setView("perspective") },
    { keys: ["c"], description: "next colour mode (label, height, intensity, RGB, disagreement)", run: () => setMode(COLOUR_MODES[(COLOUR_MODES.indexOf(mode) + 1) % COLOUR_MODES.length]) },
    { keys: ["d"], description: "show where the proposals disagree", run: () => setMode(mode === "disagreement" ? "label" : "disagreement") },
    { keys: ["u"], description: "only unlabelled points change (overwrite protection)", run: () => { ui.onlyUnlabelled.checked = !ui.onlyUnlabelled.checked; } },
    { keys: ["v"], description: "only visible classes are selected and changed", run: () => { ui.onlyVisible.checked = !ui.onlyVisible.checked; } },
    { keys: ["h"], description: "show every class", run: () => { hidden.clear(); eyeBoxes.forEach((e) => (e.checked = true)); recolour(); } },
    { keys: ["Backspace", "Delete"], description: "unlabel the selection", run: () => edits.paint(-1) },
    { keys: ["a"], description: "accept all proposals", run: () => edits.accept("all") },
    { keys: ["A"], description: "accept the proposals in the selection", run: () => edits.accept("selection") },
    { keys: ["n"], description: "new instance id (instance mode)", run: () => { instance += 1; recolour(); }, when: () => model.get("mode") === "instance" },
    { keys: ["i"], description: "select the instances of the selection", run: selectInstances, when: () => model.get("mode") === "instance" },
    { keys: ["+", "="], description: "bigger points", run: () => model.set("point_size", Math.min(10, model.get("point_size") + 0.5)) },
    { keys: ["-"], description: "smaller points", run: () => model.set("point_size", Math.max(1, model.get("point_size") - 0.5)) },
    { keys: ["ArrowRight"], description: "next frame", run: () => stepFrame(1), when: () => model.get("n_frames") > 1 },
    { keys: ["ArrowLeft"], description: "previous frame", run: () => stepFrame(-1), when: () => model.get("n_frames") > 1 },
    { keys: ["Ctrl+Z"], description: "undo (Ctrl+Shift+Z: redo)", run: (e) => edits.undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => edits.undoRedo("redo") },
    { keys: ["Escape"], description: "cancel the gesture / clear the selection", run: () => { pointer.cancel(); selected.fill(0); recolour(); }, when: () => pointer.busy || selected.some((v) => v === 1) },
    ...helpKeys(help),
  );
  wireNav(root, ui.buttons, { step: stepFrame, undo: () => edits.undoRedo("undo"), help, channel: ledger });

  function selectInstances(): void {
    if (!frame) return;
    const ids = new Set<number>();
    const ok = editable(frame, { onlyUnlabelled: () => false, onlyVisible: () => ui.onlyVisible.checked, hidden: () => hidden });
    selected.forEach((v, i) => { if (v && frame!.instances[i]) ids.add(frame!.instances[i]); });
    for (let i = 0; i < frame.n; i++) if (ids.has(frame.instances[i]) && ok(i)) selected[i] = 1;
    recolour();
  }

  const observer = new ResizeObserver(() => draw());
  observer.observe(ui.stage);
  setTool("orbit");
  fetchFrame();
  return startView(model, root, status, {
    on: {
      "msg:custom": onMessage,
      "change:frame": () => { frame = undefined; fetchFrame(); paintProgress(); },
      "change:point_size": () => { ui.size.value = String(model.get("point_size")); draw(); },
      "change:classes change:colors": () => { eyeBoxes = eyes(); recolour(); },
      "change:n_done change:title": paintProgress,
    },
    paint: () => { paintProgress(); draw(); },
    dispose: [pointer, keymap, ledger, () => observer.disconnect(), () => renderer?.dispose()],
  });
}

export default { render } satisfies AnyWidget<PointCloudModel>;
