// TemporalSegmenter front-end: the video frame by frame on a canvas, a timeline of segments and
// proposals in class lanes, and the segment list. The frame the readout shows, and that `[` / `]`
// mark, is the frame painted on the canvas (lib/frames.ts FramePainter), never one only asked for.
// Parts: segmenter/model.ts (data, pure helpers), layout.ts (DOM), player.ts (frames, transport,
// timeline), actions.ts (edits through the EditLedger).
import type { AnyModel, AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "../lib/canvas_stage.css";
import "./segmenter.css";
import { wireEditorNav } from "../lib/canvas_stage";
import { classDigitKeys } from "../lib/classes";
import { setText } from "../lib/dom";
import type { FrameMsg } from "../lib/frames";
import { editStepper } from "../lib/edit_stepper";
import { HelpOverlay } from "../lib/help";
import { ItemCache } from "../lib/items";
import { Binding, Keymap } from "../lib/keyboard";
import { helpKeys, kernelMessages, showProgress, startView } from "../lib/review";
import { paintCurrent, Stepper } from "../lib/stepper";
import { SegmentIndex, TimelineSegment } from "../lib/timeline";
import { mountRoot } from "../lib/widget";
import { SegmentActions } from "./segmenter/actions";
import { paintClasses, paintList, segmenterLayout } from "./segmenter/layout";
import { indexCache, SegmenterModel } from "./segmenter/model";
import { Player } from "./segmenter/player";

export { frameText, nudged, openProposals, pendingRange, proposalAt } from "./segmenter/model";

function render({ model, el }: RenderProps<SegmenterModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-segmenter");
  const ui = segmenterLayout(root);
  const { status } = ui;
  const cache = new ItemCache(model, 8);
  const { ledger, stepper } = editStepper(model, {
    status, behind: 1, ahead: 2, paint, paintProgress: () => paintProgress(), repaint: () => repaint(),
    enter: () => {
      actions.selection = null;
      actions.mark = { start: null, end: null };
    },
  });
  let both = new SegmentIndex<TimelineSegment>([]);
  const indices = indexCache();
  const player: Player = new Player(model, ui, {
    moved: () => paintParts(),
    select: (s) => actions.select(s),
    edgeDragged: (s, a, b) => actions.edgeDragged(s, a, b),
    error: (text) => status.error(text),
  });
  const actions = new SegmentActions({ model, cache, ledger, stepper, status, player, repaint: () => repaint() });

  function paintProgress(): void {
    showProgress(ui, stepper, ledger, (done, total) => `${done} of ${total} videos with segments`, "video");
  }

  /** What depends on the data or the playhead: the timeline's data, the list, the marks. */
  function paintParts(): void {
    const v = actions.video();
    if (!v) return;
    const classes = model.get("classes");
    const tl = player.timeline;
    const idx = indices(v.info, classes, model.get("threshold"));
    both = idx.both;
    Object.assign(tl.state, { segments: idx.segments, proposals: idx.proposals, lanes: classes.length, shots: v.info.shots ?? [],
      selected: actions.selection?.id ?? null, pending: actions.mark });
    paintList(ui, idx.sorted, classes, player.shown(), actions.selection?.id ?? null, (s) => {
      actions.select({ id: s.id, cls: 0, start: s.start, end: s.end });
      player.seek(s.start);
    });
    const { start, end } = actions.mark;
    setText(ui.pending, start === null && end === null ? "" : `marked ${start ?? "…"}–${end ?? "…"} (Enter adds)`);
  }

  function repaint(): void {
    paintParts();
    player.timeline.draw();
    paintProgress();
  }

  function paint(): void {
    setText(ui.title, model.get("title"));
    paintProgress();
    paintClasses(ui, model.get("classes"), actions.currentClass, (k) => actions.pickClass(k));
    ui.canvas.style.height = `${model.get("display_height")}px`; // the frame fitted in it (object-fit: contain)
    const say = (text: string) => {
      ui.placeholder.hidden = false;
      setText(ui.placeholder, text);
    };
    paintCurrent(stepper, cache, {
      item: () => actions.video(),
      end: () => say(`All ${stepper.total} videos seen. ← goes back.`),
      wait: say,
      show: (id, { info }) => {
        if (info.video_error) status.error(`${stepper.placeOf(id, "video")}: ${info.video_error}`);
        player.setVideo(id, info.n_frames ?? 0, info.times ?? [], info.width ?? 0, info.height ?? 0);
        repaint();
      },
    });
  }

  // ---------------------------------------------------------------- keys
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(...segmenterKeys(model, actions, player, stepper, help, () => both));
  wireEditorNav(ui.nav, root, { step: (d) => stepper.step(d), undoRedo: (k) => actions.undoRedo(k), help, channel: ledger });
  const routes = stepper.itemRoutes(cache);
  const onMessage = kernelMessages(ledger.channel, status, {
    ...routes,
    other: (msg, buffers) => {
      if (msg.type === "frames") player.receive(msg as unknown as FrameMsg, buffers);
    },
  });
  const resize = new ResizeObserver(() => player.timeline.draw());
  resize.observe(ui.timelineBox);
  return startView(model, root, status, {
    on: {
      ...stepper.listeners(onMessage),
      "change:threshold": () => repaint(),
      "change:classes change:title change:display_height": () => paint(),
    },
    paint,
    dispose: [() => resize.disconnect(), player, stepper, keymap, ledger],
  });
}

/** The keys, in the order the "?" overlay lists them. */
function segmenterKeys(
  model: AnyModel<SegmenterModel>, a: SegmentActions, player: Player, stepper: Stepper, help: HelpOverlay,
  both: () => SegmentIndex<TimelineSegment>,
): Binding[] {
  return [
    ...player.shuttle.bindings(),
    { keys: ["["], description: "mark the start at the frame shown", run: () => a.setMark("start") },
    { keys: ["]"], description: "mark the end at the frame shown", run: () => a.setMark("end") },
    { keys: ["Enter"], description: "add the marked segment (inside the selected segment: as its child; with a proposal selected: accept it with these edges)", run: () => a.commit() },
    ...classDigitKeys(() => model.get("classes"), (k) => a.pickClass(k), (c) => `class ${String(c)} for new segments (and the selected one)`),
    { keys: ["a"], description: "accept the selected proposal, else the one under the playhead", run: () => a.decideHere("accept") },
    { keys: ["r"], description: "reject the selected proposal, else the one under the playhead", run: () => a.decideHere("reject") },
    { keys: ["n"], description: "next segment or proposal", run: () => a.jump(1, both()) },
    { keys: ["p"], description: "previous segment or proposal", run: () => a.jump(-1, both()) },
    { keys: ["Alt+ArrowLeft"], description: "selected segment: start one frame earlier (Shift: the end)", run: (e) => a.nudge(e.shiftKey ? "end" : "start", -1) },
    { keys: ["Alt+ArrowRight"], description: "selected segment: start one frame later (Shift: the end)", run: (e) => a.nudge(e.shiftKey ? "end" : "start", 1) },
    { keys: ["Delete", "Backspace"], description: "delete the selected segment", run: () => a.deleteSelected() },
    { keys: ["+", "="], description: "zoom the timeline in (wheel too; Shift+wheel pans)", run: () => { player.timeline.zoom(2); player.refresh(); } },
    { keys: ["-"], description: "zoom the timeline out", run: () => { player.timeline.zoom(0.5); player.refresh(); } },
    { keys: ["Ctrl+Z"], description: "undo the last change on this video (Ctrl+Shift+Z: redo)", run: (e) => a.undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => a.undoRedo("redo") },
    { keys: ["PageDown"], description: "next video", run: () => stepper.step(1) },
    { keys: ["PageUp"], description: "previous video", run: () => stepper.step(-1) },
    ...helpKeys(help),
    {
      keys: ["Escape"], description: "clear the marks and the selection",
      run: () => { a.selection = null; a.clearMarks(); },
      when: () => a.selection !== null || a.mark.start !== null || a.mark.end !== null,
    },
  ];
}

export default { render } satisfies AnyWidget<SegmenterModel>;
