// SensorFusionReview front-end: one camera / LiDAR disagreement at a time. The camera image with
// the LiDAR points projected onto it (fusion/image_view.ts) beside the point cloud (lib/point_scene
// .ts: the same WebGL renderer, orbit camera and screen-space selection as PointCloudAnnotator).
// Selection is linked: a box dragged on the image selects the points in its frustum (lit in the
// cloud), a box in the cloud lights its points in the image; each selection goes to the kernel
// (w.selection). Verdicts (c / l / w / a, with the reason typed in the box) go through the edit
// ledger; ← → step, Backspace / Ctrl+Z undo, Ctrl+Shift+Z / Ctrl+Y redo.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "../lib/point_stage.css";
import "./fusion.css";
import { OrbitCamera } from "../lib/camera3d";
import type { Reply } from "../lib/channel";
import type { ClassName } from "../lib/classes";
import { h, setParts, setText, data } from "../lib/dom";
import { HelpOverlay } from "../lib/help";
import { ItemCache, type ItemId, type ItemInfo } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import { decodeImage, toBytes, type Binary } from "../lib/media";
import { decodeFrame, type FrameInfo } from "../lib/point_frame";
import { PointerControl, type Tool } from "../lib/point_pointer";
import { PointScene } from "../lib/point_scene";
import { headerRow, helpKeys, kernelMessages, navButtons, type ReviewModel, showSaved, startView, wireNav } from "../lib/review";
import { encodeIndices, indicesOf, type Combine } from "../lib/selection";
import { saveSuffix, StatusLine } from "../lib/status";
import { Stepper, stepKeys } from "../lib/stepper";
import { mountRoot } from "../lib/widget";
import { drawImage, type FusionImage, imageBox, pointsInBox } from "./fusion/image_view";

export interface FusionModel extends ReviewModel {
  classes: ClassName[];
  colors: string[];
  n_frames: number;
  point_size: number;
  display_height: number;
}

type Verdict = "camera" | "lidar" | "both_wrong" | "ambiguous";
export const VERDICTS: Array<[Verdict, string, string]> = [
  ["camera", "c", "camera right"], ["lidar", "l", "LiDAR right"], ["both_wrong", "w", "both wrong"], ["ambiguous", "a", "ambiguous"],
];
const KIND_TEXT: Record<string, string> = {
  camera_only: "the camera sees an object the LiDAR has no cluster for",
  lidar_only: "the LiDAR has a cluster the camera has no box for",
  low_overlap: "both see it, but the boxes overlap little",
  class_conflict: "both see it, with different classes",
};

interface Loaded { image: FusionImage; scene: ReturnType<typeof decodeFrame> }

function f32(buf: Binary): Float32Array {
  const bytes = toBytes(buf).slice(); // aligned copy
  return new Float32Array(bytes.buffer, 0, bytes.byteLength >> 2);
}

function render({ model, el }: RenderProps<FusionModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-fusion");

  // ---------------------------------------------------------------- layout
  const { header, title, position, progress } = headerRow();
  const what = h("div", "hitl-fusion-what");
  const verdictButtons = VERDICTS.map(([v, key, text]) => {
    const b = h("button", `hitl-button hitl-fusion-verdict hitl-verdict-${v}`);
    b.append(h("span", "hitl-key", key), document.createTextNode(text));
    b.addEventListener("click", () => verdict(v));
    return b;
  });
  const reason = Object.assign(h("input", "hitl-input hitl-fusion-reason"), { type: "text", placeholder: "reason (r to type, Enter to leave)", maxLength: 500 });
  reason.setAttribute("aria-label", "reason");
  reason.dir = "auto";
  const current = h("span", "hitl-current hitl-muted");
  const verdictRow = h("div", "hitl-row hitl-fusion-verdicts");
  verdictRow.append(...verdictButtons, reason, current);
  const imageStage = h("div", "hitl-fusion-image");
  const imageCanvas = h("canvas", "hitl-fusion-image-canvas");
  const imageOverlay = h("canvas", "hitl-fusion-image-overlay");
  imageStage.append(imageCanvas, imageOverlay);
  const cloudStage = h("div", "hitl-pc-stage hitl-fusion-cloud");
  const cloudCanvas = h("canvas", "hitl-pc-canvas");
  const cloudOverlay = h("canvas", "hitl-pc-overlay");
  cloudStage.append(cloudCanvas, cloudOverlay);
  const panels = h("div", "hitl-fusion-panels");
  panels.append(imageStage, cloudStage);
  const info = h("div", "hitl-muted hitl-fusion-info");
  const legend = h("div", "hitl-row hitl-fusion-legend");
  const buttons = navButtons("← prev", "next →", "undo (⌫)");
  const redoButton = h("button", "hitl-button", "redo (Ctrl+Shift+Z)");
  const bar = h("div", "hitl-row hitl-nav");
  bar.append(buttons.prev, buttons.next, buttons.undoButton, redoButton, h("span", "hitl-spacer"), buttons.retry, buttons.helpButton);
  const status = new StatusLine();
  root.append(header, what, verdictRow, panels, info, legend, bar, status.node);

  // ---------------------------------------------------------------- state
  const cache = new ItemCache(model);
  const ledger = new EditLedger(model, { status, repaint: (id) => stepper.repaint(id), progress: paintProgress }, { coalesce: true });
  const stepper = new Stepper(model, { behind: 2, ahead: 8, paint, paintProgress, restart: () => ledger.restart(), status });
  const frames = new Map<number, Loaded>();
  const asked = new Set<number>();
  let shownFrame = -1;
  let mode: "depth" | "label" = "depth";
  let edges = false;
  let tool: Tool = "orbit";
  let scale = 1;
  const scene = new PointScene({
    stage: cloudStage, canvas: cloudCanvas, overlay: cloudOverlay, height: () => model.get("display_height"),
    pointSize: () => model.get("point_size"), colours: () => model.get("colors"),
  });
  if (scene.error) status.error(`cannot draw points: ${scene.error} (the image still works)`);

  // ---------------------------------------------------------------- drawing
  function paintProgress(): void {
    const total = stepper.total;
    setText(progress, `reviewed ${ledger.done(total)} of ${total}`);
    setText(position, stepper.positionText("disagreement"));
    showSaved(status, ledger, buttons.retry);
  }

  const className = (k: unknown) => (typeof k === "number" && k >= 0 ? model.get("classes")[k] : undefined);

  /** One swatch and name per class (the label colours of the points). */
  function paintLegend(): void {
    const colours = model.get("colors");
    legend.replaceChildren(...model.get("classes").map((name, k) => {
      const cell = h("span", "hitl-fusion-class");
      const swatch = h("span", "hitl-fusion-swatch");
      swatch.style.background = colours[k] ?? "#888";
      const text = h("bdi", "");
      setText(text, name);
      cell.append(swatch, text);
      return cell;
    }));
  }

  function paint(): void {
    setText(title, model.get("title"));
    paintProgress();
    const id = stepper.current();
    if (id === undefined) {
      what.replaceChildren(h("span", "hitl-done", `All ${stepper.total} disagreements reviewed. ← goes back.`));
      setText(current, "");
      return;
    }
    stepper.prefetch(cache);
    const item = cache.get(id);
    if (!item) {
      setText(what, "loading…");
      stepper.paintWhenReady(cache, id);
      return;
    }
    const frame = item.frame as number;
    const cam = className(item.camera_class), lid = className(item.lidar_class);
    const parts: Parameters<typeof setParts>[1] = [`frame ${frame + 1}: ${KIND_TEXT[String(item.what)] ?? String(item.what)}`];
    if (cam !== undefined) parts.push(" · camera: ", data(cam));
    if (lid !== undefined) parts.push(" · LiDAR: ", data(lid), ` (${String(item.lidar_points)} points)`);
    if (item.camera_box && item.lidar_box) parts.push(` · IoU ${(item.iou as number).toFixed(2)}`);
    setParts(what, parts);
    const given = (item.verdict as Verdict | null) ?? null;
    setText(current, given ? `verdict: ${VERDICTS.find((v) => v[0] === given)?.[2] ?? given}${saveSuffix(ledger.stateOf(id))}` : "no verdict");
    verdictButtons.forEach((b, n) => b.setAttribute("aria-pressed", String(VERDICTS[n][0] === given)));
    if (document.activeElement !== reason) reason.value = String(item.reason ?? "");
    const loaded = frames.get(frame);
    if (!loaded) {
      if (!asked.has(frame)) {
        asked.add(frame);
        model.send({ type: "frame", frame });
      }
      return;
    }
    if (shownFrame !== frame) {
      scene.setFrame(loaded.scene, true);
      shownFrame = frame;
      root.dataset.frameLoaded = String(frame);
    }
    const inst = item.lidar_instance as number;
    scene.selected.fill(0);
    if (inst > 0) for (let i = 0; i < loaded.scene.n; i++) if (loaded.scene.instances[i] === inst) scene.selected[i] = 1;
    scene.recolour();
    drawAll();
  }

  function drawAll(): void {
    const id = stepper.current();
    const item = id === undefined ? undefined : cache.get(id);
    const loaded = frames.get(shownFrame);
    if (!loaded) return;
    scale = drawImage(imageCanvas, loaded.image, {
      mode, edges, colours: model.get("colors"), selected: scene.selected, pointSize: model.get("point_size"),
      highlight: { camera: item?.camera_box as number[] | null, lidar: item?.lidar_box as number[] | null },
    });
    imageCanvas.dataset.scale = String(scale);
    [imageOverlay.width, imageOverlay.height] = [imageCanvas.width, imageCanvas.height];
    imageOverlay.style.height = imageCanvas.style.height;
    const n = scene.selectedCount();
    root.dataset.selected = String(n);
    const e = (loaded.image as FusionImage & { score?: number | null; outline?: number }).score;
    setText(info, `${n} points selected · colour: ${mode} · ${tool} tool · calibration check (e): ${
      e === null || e === undefined ? "no outline points" : `${Math.round(100 * e)}% of ${(loaded.image as { outline?: number }).outline ?? 0} outline points on an image edge`}`);
  }

  // ---------------------------------------------------------------- the kernel's messages
  function takeFrame(msg: Record<string, unknown>, buffers: Binary[]): void {
    if (msg.type !== "frame") return;
    const info = msg as unknown as FrameInfo & Record<string, unknown>;
    const frame = info.frame as number;
    const pointsInfo = { ...info, id: frame, kind: "points", label_dtype: info.label_dtype === "u2" ? "u2" as const : "u1" as const, xyz_buffer: 0, labels_buffer: 1, instances_buffer: 2 };
    const image: FusionImage & { score?: number | null; outline?: number } = {
      width: info.width as number, height: info.height as number, uv: f32(buffers[3]), depth: f32(buffers[4]),
      labels: new Int16Array(0), flags: toBytes(buffers[5]).slice(), camera: info.camera as number[][], lidar: info.lidar as number[][],
      score: info.edge_score as number | null, outline: info.edge_points as number,
    };
    const points = decodeFrame(pointsInfo, buffers);
    image.labels = points.labels;
    frames.set(frame, { image, scene: points });
    void Promise.all([decodeImage(buffers[6], "image/png"), decodeImage(buffers[7], "image/png")]).then(([bitmap, edgeMap]) => {
      image.bitmap = bitmap;
      image.edges = edgeMap;
      if (shownFrame === frame) drawAll();
    }, (e) => status.error(`cannot show the image: ${String(e)}`));
    paint();
  }

  // ---------------------------------------------------------------- selection (linked)
  function sendSelection(box: number[] | null): void {
    const loaded = frames.get(shownFrame);
    if (!loaded) return;
    const idx = indicesOf(scene.selected);
    const { encoding, buffer } = encodeIndices(idx, loaded.scene.n);
    void ledger.channel.send("select", { frame: shownFrame, box, encoding, count: idx.length }, [buffer]);
  }

  const imagePointer = new PointerControl(imageStage, imageOverlay, {
    camera: new OrbitCamera(), tool: () => "box", brushRadius: () => 0, moved: () => undefined, brush: () => undefined,
    polygon: (poly, how) => {
      const loaded = frames.get(shownFrame);
      if (!loaded) return;
      const box = imageBox(poly[0], poly[1], poly[4], poly[5], scale);
      root.dataset.lastBox = JSON.stringify(box);
      combineInto(pointsInBox(loaded.image.uv, box), how);
      sendSelection(box);
    },
  });
  const cloudPointer = new PointerControl(cloudStage, cloudOverlay, {
    camera: scene.camera, tool: () => tool, brushRadius: () => 12, moved: () => scene.draw(), brush: () => undefined,
    polygon: (poly, how) => {
      scene.selectPolygon(poly, how);
      drawAll();
      sendSelection(null);
    },
  });

  function combineInto(fresh: Uint8Array, how: Combine): void {
    const sel = scene.selected;
    for (let i = 0; i < sel.length; i++) sel[i] = how === "replace" ? fresh[i] : how === "add" ? sel[i] | fresh[i] : fresh[i] ? 0 : sel[i];
    scene.recolour();
    drawAll();
  }

  function setTool(t: Tool): void {
    tool = t;
    cloudPointer.cancel();
    drawAll();
  }

  // ---------------------------------------------------------------- verdicts, through the ledger
  const takeVerdict = (id: ItemId) => (reply: Reply) => cache.update(id, { verdict: reply.verdict ?? null, reason: reply.reason ?? "" });

  function verdict(value: Verdict): void {
    const id = stepper.current();
    const item = id === undefined ? undefined : cache.get(id);
    if (id === undefined || !item) return;
    const before = { verdict: item.verdict ?? null, reason: item.reason ?? "" };
    const text = reason.value;
    cache.update(id, { verdict: value, reason: text });
    status.clear();
    ledger.send("verdict", { item_id: id, verdict: value, reason: text }, {
      item: id, describe: stepper.placeText(id, "disagreement"), undo: true, done: before.verdict === null ? true : undefined,
      ack: takeVerdict(id), refused: () => cache.update(id, before),
    });
    reason.value = "";
    stepper.step(1);
  }

  function undoRedo(which: "undo" | "redo"): void {
    const id = which === "undo" ? ledger.popUndo()?.item ?? stepper.current() : stepper.current();
    if (id === undefined) return;
    stepper.seek(id);
    // a redo goes on the undo stack: the next undo takes it back
    ledger.send(which, { item_id: id }, { item: id, describe: stepper.placeText(id, "disagreement"), ack: takeVerdict(id), undo: which === "redo" ? true : undefined });
    status.info(`${which}: ${stepper.placeText(id, "disagreement")}`, { item: id, title: `item id ${JSON.stringify(id)}` });
  }

  // ---------------------------------------------------------------- keys
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    ...VERDICTS.map(([v, key, text]) => ({ keys: [key], description: `${text} (with the reason typed; then the next)`, run: () => verdict(v) })),
    { keys: ["r"], description: "type the reason (Enter: back to the keys)", run: () => reason.focus() },
    ...stepKeys(stepper, ["ArrowRight", "Space"], ["ArrowLeft"], "disagreement"),
    { keys: ["b"], description: "box tool in the cloud (a drag in the image always selects a box)", run: () => setTool("box") },
    { keys: ["o"], description: "orbit tool in the cloud (right-drag orbits in both)", run: () => setTool("orbit") },
    { keys: ["d"], description: "colour the projected points by depth / by label", run: () => { mode = mode === "depth" ? "label" : "depth"; drawAll(); } },
    { keys: ["e"], description: "calibration check: image edges and the cloud's outline points (green on an edge, red off)", run: () => { edges = !edges; drawAll(); } },
    { keys: ["Backspace", "Ctrl+Z"], description: "undo the last verdict (Ctrl+Shift+Z: redo)", run: (e) => undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => undoRedo("redo") },
    {
      keys: ["Escape"], description: "clear the selection", when: () => scene.selectedCount() > 0,
      run: () => { scene.selected.fill(0); scene.recolour(); drawAll(); sendSelection(null); },
    },
    ...helpKeys(help),
  );
  reason.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.ctrlKey && !e.altKey) {
      e.preventDefault();
      root.focus();
    }
  });
  wireNav(root, buttons, { step: (delta) => stepper.step(delta), undo: () => undoRedo("undo"), help, channel: ledger });
  redoButton.addEventListener("click", () => undoRedo("redo"));

  paintLegend();
  const observer = new ResizeObserver(() => { scene.draw(); drawAll(); });
  observer.observe(panels);
  const routes = stepper.itemRoutes(cache);
  const onMessage = kernelMessages(ledger.channel, status, {
    ...routes, items: (infos: ItemInfo[], buffers: Binary[]) => routes.items?.(infos, buffers), other: takeFrame,
  });
  return startView(model, root, status, {
    on: { ...stepper.listeners(onMessage), "change:title": paint, "change:classes change:colors": () => { paintLegend(); drawAll(); }, "change:point_size": () => { scene.draw(); drawAll(); } },
    paint,
    dispose: [stepper, keymap, ledger, imagePointer, cloudPointer, () => observer.disconnect(), scene],
  });
}

export default { render } satisfies AnyWidget<FusionModel>;
