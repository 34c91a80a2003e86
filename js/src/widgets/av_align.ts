// AVAlignReview front-end: the frame at the playhead, and under it one timeline with the strip of
// the video's frames above the recording's waveform, the recording drawn shifted by the offset.
// Nudge the offset by frames (arrows; Shift: 10), drag the waveform, or mark one event on both (a
// click on the waveform where it is heard, a click on the strip where it is seen); Enter confirms,
// R goes back to the proposal; Space plays the recording from the playhead with the frames
// following. Parts: av_align/model.ts (data, pure helpers), av_align/view.ts (layout, timeline);
// lib/frames.ts, lib/waveform.ts, lib/player.ts.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./av_align.css";
import { editorEdit, sayAbout, undoText, wireEditorNav } from "../lib/canvas_stage";
import type { Reply } from "../lib/channel";
import { countOf, setText } from "../lib/dom";
import { FrameCache, FrameMsg, FramePainter, frameText, indexAtTime } from "../lib/frames";
import { editStepper } from "../lib/edit_stepper";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId } from "../lib/items";
import { Binding, Keymap } from "../lib/keyboard";
import { AudioMsg, AudioPlayer } from "../lib/player";
import { helpKeys, kernelMessages, showProgress, startView } from "../lib/review";
import { paintCurrent } from "../lib/stepper";
import { FrameScheduler } from "../lib/viewport";
import { redrawOnResize } from "../lib/time_canvas";
import { PeakCache, PeaksMsg } from "../lib/waveform";
import { mountRoot } from "../lib/widget";
import {
  AlignItem, AlignModel, isAlignItem, nudged, offsetFits, offsetFromMarks, offsetText, proposalText, Source, videoEnd,
} from "./av_align/model";
import { AlignTimeline, alignLayout } from "./av_align/view";

export { dragFrames, nudged, offsetFits, offsetFromMarks, offsetText, proposalText, videoEnd } from "./av_align/model";

const CHANGES: Record<string, string> = { offset: "offset", mark: "marks", confirm: "confirmed", reset: "back to the proposal", redo: "redo" };

function render({ model, el }: RenderProps<AlignModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-avalign");
  const ui = alignLayout(root);
  const { status } = ui;
  const cache = new ItemCache(model, 8);
  const { ledger, stepper } = editStepper(model, {
    status, behind: 1, ahead: 2, paint, paintProgress: () => paintProgress(), repaint: () => repaint(),
    enter: () => {
      pending = { audio: null, frame: null };
      player.stop();
    },
  });
  const drawing = new FrameScheduler(() => draw());
  const queueDraw = () => drawing.request();
  const frames = new FrameCache(model, {
    capacity: 240,
    onFrame: (i) => {
      if (i === frameAt(playhead) && painter.painted !== i) paintFrame();
      queueDraw();
    },
    onError: (i, message) => status.error(`frame ${i}: ${message}`),
  });
  const painter = new FramePainter(ui.frame, frames);
  const peaks = new PeakCache((m) => model.send(m), queueDraw);
  const timeline = new AlignTimeline(ui.canvas, peaks, frames, {
    seek: (t) => seek(t),
    markFrame: (f) => mark({ frame: f }),
    markAudio: (r) => mark({ audio: r }),
    dragged: (k) => nudge(k, "dragged"),
    changed: () => queueDraw(),
  });
  let shown: ItemId | undefined = undefined;
  let playhead = 0; // video seconds
  let pending: { audio: number | null; frame: number | null } = { audio: null, frame: null };
  const player = new AudioPlayer({
    ask: (start_s, end_s, req) => model.send({ type: "audio", item_id: stepper.current(), start_s, end_s, req }),
    time: (r) => {
      const v = item();
      if (!v) return;
      playhead = Math.max(0, Math.min(videoEnd(v.v.times, v.v.fps), r + v.v.offset_s));
      timeline.follow(playhead);
      paintFrame();
    },
    playing: () => queueDraw(),
    error: (text) => status.error(text),
  });
  root.append(player.node);

  // ---------------------------------------------------------------- the item shown
  function item(): { id: ItemId; v: AlignItem } | undefined {
    const id = stepper.current();
    const v = id === undefined ? undefined : cache.get(id);
    return id !== undefined && isAlignItem(v) ? { id, v } : undefined;
  }

  function frameAt(t: number): number {
    return indexAtTime(item()?.v.times ?? [], t);
  }

  const place = (id: ItemId) => stepper.placeOf(id, "video");

  // ---------------------------------------------------------------- drawing
  function paintProgress(): void {
    showProgress(ui, stepper, ledger, (done, total) => `confirmed ${done} of ${total} videos`, "video");
  }

  function paintFrame(): void {
    const i = frameAt(playhead);
    frames.around(i, 4, player.playing ? 24 : 8);
    painter.paint(i);
    ui.placeholder.hidden = painter.painted >= 0;
    queueDraw();
  }

  function draw(): void {
    const cur = item();
    if (!cur) return;
    const { v } = cur;
    Object.assign(timeline.state, {
      offset: v.offset_s, playhead,
      audioMark: pending.audio ?? (pending.frame === null ? v.marks?.audio_s ?? null : null),
      frameMark: pending.frame ?? (pending.audio === null ? v.marks?.frame ?? null : null),
    });
    timeline.draw();
    const shownOffset = timeline.shownOffset();
    setText(ui.frameLabel, `${frameText(painter.painted, v.n_frames, v.times)} · recording ${(playhead - shownOffset).toFixed(3)} s${player.playing ? " · playing" : ""}`);
    const state = v.confirmed ? "confirmed" : v.source === "proposed" ? "proposed, not confirmed (Enter confirms)" : `${v.source}, not confirmed (Enter confirms)`;
    setText(ui.offset, `offset ${offsetText(shownOffset, v.fps)} · ${state}`);
    ui.offset.dataset.offset = String(v.offset_s);
    ui.offset.classList.toggle("hitl-avalign-confirmed", v.confirmed);
    setText(ui.proposal, proposalText(v.proposal, v.fps));
    ui.proposal.classList.toggle("hitl-avalign-ambiguous", v.proposal.ambiguous);
    setText(ui.marks, pending.audio !== null ? `sound marked at ${pending.audio.toFixed(3)} s: now click the frame where it is seen`
      : pending.frame !== null ? `frame ${pending.frame} marked: now click the waveform where it is heard`
        : v.marks ? `marks: sound at ${v.marks.audio_s.toFixed(3)} s ↔ frame ${v.marks.frame}` : "mark a sound on the waveform and the frame it belongs to (clicks)");
  }

  function repaint(): void {
    draw();
    paintProgress();
  }

  function paint(): void {
    setText(ui.title, model.get("title"));
    paintProgress();
    paintCurrent(stepper, cache, {
      item,
      end: () => setText(ui.offset, `All ${stepper.total} videos seen. ← goes back.`),
      wait: (message) => setText(ui.offset, message),
      show: (id, { v }) => {
        if (shown !== id) {
          shown = id;
          frames.setVideo(id, v.n_frames, v.width ?? 0, v.height ?? 0);
          painter.reset();
          peaks.setItem(id, v.n_samples);
          player.reset(v.audio_duration_s);
          timeline.setItem(v.times, v.fps, videoEnd(v.times, v.fps), v.n_samples, v.sample_rate);
          playhead = 0;
          paintFrame();
        }
        repaint();
      },
    });
  }

  function seek(t: number): void {
    const cur = item();
    if (!cur) return;
    playhead = Math.max(0, Math.min(videoEnd(cur.v.times, cur.v.fps), t));
    if (player.playing) player.play(Math.max(0, playhead - cur.v.offset_s));
    paintFrame();
  }

  function stepFrame(delta: number): void {
    const cur = item();
    if (!cur) return;
    player.stop();
    const i = Math.max(0, Math.min(cur.v.n_frames - 1, frameAt(playhead) + delta));
    seek(cur.v.times[i]);
    timeline.follow(playhead);
  }

  // ---------------------------------------------------------------- edits
  function send(type: string, id: ItemId, fields: Record<string, unknown>, extra: { done?: boolean; after?: (reply: Reply) => void } = {}): void {
    const ack = (reply: Reply) => {
      // the kernel's state replaces the view's only when no later edit of this video is on its way
      if (typeof reply.offset_s === "number" && ledger.pending(id) === 0) {
        cache.update(id, { offset_s: reply.offset_s, source: reply.source as Source, confirmed: reply.confirmed === true, marks: (reply.marks ?? null) as AlignItem["marks"] });
      }
      extra.after?.(reply);
      repaint();
    };
    void ledger.send(type, { item_id: id, ...fields }, { ...editorEdit(ledger, id, ack, place(id)), done: extra.done });
  }

  /** Set the offset shown to `offset` (optimistic), if the kernel would take it. */
  function setOffset(cur: { id: ItemId; v: AlignItem }, offset: number, patch: Partial<AlignItem>): boolean {
    if (!offsetFits(offset, cur.v.audio_duration_s, videoEnd(cur.v.times, cur.v.fps))) {
      status.error(`offset ${offset.toFixed(3)} s would move the recording off the video`);
      repaint();
      return false;
    }
    cache.update(cur.id, { offset_s: offset, confirmed: false, ...patch });
    return true;
  }

  function nudge(frames: number, how = "nudged"): void {
    const cur = item();
    if (!cur) return;
    const offset = nudged(cur.v.offset_s, frames, cur.v.fps);
    if (!setOffset(cur, offset, { source: "nudged", marks: null })) return;
    send("offset", cur.id, { offset_s: offset }, { done: cur.v.confirmed ? false : undefined });
    sayAbout(status, cur.id, `${how} ${frames > 0 ? "+" : "−"}${countOf(Math.abs(frames), "frame")}`);
    repaint();
  }

  function mark(m: { audio?: number; frame?: number }): void {
    const cur = item();
    if (!cur) return;
    if (m.frame !== undefined) {
      pending.frame = m.frame;
      seek(cur.v.times[m.frame]);
    }
    if (m.audio !== undefined) pending.audio = m.audio;
    const { audio, frame } = pending;
    if (audio !== null && frame !== null) {
      pending = { audio: null, frame: null };
      const offset = offsetFromMarks(cur.v.times, frame, audio);
      if (setOffset(cur, offset, { source: "marked", marks: { audio_s: audio, frame } })) {
        send("mark", cur.id, { audio_s: audio, frame }, { done: cur.v.confirmed ? false : undefined });
        sayAbout(status, cur.id, `marked: the sound at ${audio.toFixed(3)} s is on frame ${frame}`);
      }
    }
    repaint();
  }

  function confirm(): void {
    const cur = item();
    if (!cur) return;
    const before = cur.v.confirmed;
    cache.update(cur.id, { confirmed: true });
    send("confirm", cur.id, { offset_s: cur.v.offset_s }, { done: before ? undefined : true });
    player.stop();
    stepper.step(1);
  }

  function reset(): void {
    const cur = item();
    if (!cur) return;
    pending = { audio: null, frame: null };
    cache.update(cur.id, { offset_s: cur.v.proposal.offset_s, source: "proposed", confirmed: false, marks: null });
    send("reset", cur.id, {}, { done: cur.v.confirmed ? false : undefined });
    repaint();
  }

  function undoRedo(kind: "undo" | "redo"): void {
    const cur = item();
    if (!cur) return;
    send(kind, cur.id, {}, { after: (reply) => sayAbout(status, cur.id, undoText(kind, place(cur.id), reply, CHANGES)) });
  }

  function togglePlay(): void {
    const cur = item();
    if (!cur) return;
    if (player.playing) player.stop();
    else player.play(Math.max(0, Math.min(cur.v.audio_duration_s, playhead - cur.v.offset_s)));
  }

  // ---------------------------------------------------------------- keys
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  const keys: Binding[] = [
    { keys: ["ArrowLeft"], description: "move the recording one frame earlier (Shift: 10 frames)", run: (e) => nudge(e.shiftKey ? -10 : -1) },
    { keys: ["ArrowRight"], description: "move the recording one frame later (Shift: 10 frames)", run: (e) => nudge(e.shiftKey ? 10 : 1) },
    { keys: ["Enter"], description: "confirm the offset (and next video)", run: () => confirm() },
    { keys: ["r"], description: "reset the offset to the proposal", run: () => reset() },
    { keys: ["Escape"], description: "forget a half-made mark", when: () => pending.audio !== null || pending.frame !== null, run: () => {
      pending = { audio: null, frame: null };
      repaint();
    } },
    { keys: ["Space"], description: "play / pause the recording from the playhead (frames follow)", run: () => togglePlay() },
    { keys: [","], description: "playhead: previous frame", run: () => stepFrame(-1) },
    { keys: ["."], description: "playhead: next frame", run: () => stepFrame(1) },
    { keys: ["Home"], description: "playhead: first frame", run: () => stepFrame(-1e9) },
    { keys: ["End"], description: "playhead: last frame", run: () => stepFrame(1e9) },
    { keys: ["+", "="], description: "zoom in (wheel too; Shift+wheel or a drag on the ruler pans)", run: () => timeline.zoom(2) },
    { keys: ["-"], description: "zoom out", run: () => timeline.zoom(0.5) },
    { keys: ["Ctrl+Z"], description: "undo the last change on this video (Ctrl+Shift+Z: redo)", run: (e) => undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => undoRedo("redo") },
    { keys: ["n", "PageDown"], description: "next video", run: () => stepper.step(1) },
    { keys: ["p", "PageUp"], description: "previous video", run: () => stepper.step(-1) },
    ...helpKeys(help),
  ];
  keymap.add(...keys);
  wireEditorNav(ui.nav, root, { step: (d) => stepper.step(d), undoRedo, help, channel: ledger });
  const onMessage = kernelMessages(ledger.channel, status, {
    ...stepper.itemRoutes(cache),
    other: (msg, buffers) => {
      if (msg.type === "frames") frames.receive(msg as unknown as FrameMsg, buffers);
      else if (msg.type === "peaks") peaks.receive(msg as unknown as PeaksMsg, buffers[0]);
      else if (msg.type === "audio" && msg.item_id === stepper.current()) player.receive(msg as unknown as AudioMsg, buffers[0]);
    },
  });
  const stopRedrawing = redrawOnResize(ui.box, queueDraw);
  return startView(model, root, status, {
    on: { ...stepper.listeners(onMessage), "change:title": () => paint() },
    paint,
    dispose: [stopRedrawing, player, timeline, frames, stepper, keymap, ledger],
  });
}

export default { render } satisfies AnyWidget<AlignModel>;
