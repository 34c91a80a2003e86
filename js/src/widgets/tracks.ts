// TrackAnnotator front-end: a video frame by frame (lib/frames.ts, lib/shuttle.ts), the boxes of its
// tracks on the frame shown (keyframes solid, interpolated boxes dashed: tracks/stage.ts), the tracks
// as bars on a timeline (lib/timeline.ts). Drawing a box starts a track; moving or resizing a box
// sets a keyframe on the frame painted (an interpolated box becomes a keyframe). Every change goes
// to the kernel as an intent (key, delete_key, delete_track, set_class, split, merge, accept, reject,
// undo, redo); the kernel validates it, stores the video's whole state, and its ack replaces the
// view's copy.
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./tracks.css";
import { nudgeBox } from "../lib/boxes";
import { classSwatches, editorEdit, editorNav, editorRootClass, sayAbout, undoText, wireEditorNav } from "../lib/canvas_stage";
import type { Reply } from "../lib/channel";
import { classDigitKeys } from "../lib/classes";
import { h, setText } from "../lib/dom";
import { FrameCache, FrameMsg, FramePainter } from "../lib/frames";
import { HelpOverlay } from "../lib/help";
import { ItemCache, ItemId } from "../lib/items";
import { Keymap } from "../lib/keyboard";
import { EditLedger } from "../lib/ledger";
import type { Binary } from "../lib/media";
import { headerRow, helpKeys, kernelMessages, showSaved, startView } from "../lib/review";
import { Shuttle } from "../lib/shuttle";
import { StatusLine } from "../lib/status";
import { Stepper } from "../lib/stepper";
import { SegmentIndex, Timeline, TimelineSegment } from "../lib/timeline";
import { FrameScheduler, Rect } from "../lib/viewport";
import { mountRoot } from "../lib/widget";
import { boxesOn, FrameBox, openProposals, round2, span, TrackItem, TrackModel, withKey } from "./tracks/geometry";
import { TrackStage } from "./tracks/stage";

export { boxAt, boxesOn, boxUnder, keyBefore, openProposals, withKey } from "./tracks/geometry";

const CHANGES: Record<string, string> = {
  key: "a keyframe", delete_key: "a keyframe deleted", delete_track: "a track deleted", set_class: "a class change",
  split: "a split", merge: "a merge", accept: "a proposal accepted", reject: "a proposal rejected", redo: "a redo",
};

function render({ model, el }: RenderProps<TrackModel>) {
  const root = mountRoot(el, model, editorRootClass("tracks"));

  // ---------------------------------------------------------------- layout
  const { header, title, position, progress } = headerRow();
  const classBar = h("div", "hitl-row hitl-classes");
  const stageNode = h("div", "hitl-track-stage");
  const canvas = h("canvas", "hitl-track-canvas");
  const placeholder = h("div", "hitl-muted hitl-placeholder");
  stageNode.append(canvas, placeholder);
  const frameLine = h("span", "hitl-track-frame");
  const selectionLine = h("span", "hitl-selection");
  const info = h("div", "hitl-row");
  info.append(frameLine, h("span", "hitl-spacer"), selectionLine);
  const nav = editorNav();
  const status = new StatusLine();

  // ---------------------------------------------------------------- state
  const cache = new ItemCache(model, 8);
  let playhead = 0;
  let selected: number | string | null = null; // a track id, or a proposal id
  let previous: number | null = null; // the track selected before (merge takes it)
  let currentClass = 0;
  const item = () => {
    const id = stepper.current();
    return id === undefined ? undefined : (cache.get(id) as TrackItem | undefined);
  };
  const classes = () => model.get("classes");
  const classIndex = (c: unknown) => classes().findIndex((v) => v === c);
  const scheduler = new FrameScheduler(() => redraw());
  const frames = new FrameCache(model, {
    capacity: 240,
    onFrame: (i) => {
      if (i === playhead || timeline.thumbnailFrames().includes(i)) scheduler.request();
    },
    onError: (i, message) => status.error(`frame ${i}: ${message}`),
  });
  const painter = new FramePainter(canvas, frames);
  const painted = () => (painter.painted >= 0 ? painter.painted : playhead);
  const boxes = () => boxesOn(item(), painted(), typeof selected === "number" ? selected : null);
  const stage = new TrackStage(canvas, painter, {
    boxes, selected: () => selected, classIndex, drawingClass: () => currentClass,
    select: (b) => choose(b ? b.track : null),
    done: (b, r) => boxDone(b, r),
  });
  stage.onDraft = () => scheduler.request();
  canvas.addEventListener("pointerdown", () => root.focus({ preventScroll: true })); // keys work after a drag
  const timeline = new Timeline({
    seek: (f) => shuttle.go(f),
    select: (seg) => choose(seg ? (seg.proposal ? seg.id : Number(seg.id)) : null),
    edgeDragged: () => {
      status.info("a track's ends are its first and last keyframes: move its box on that frame instead");
      scheduler.request();
    },
    thumbnail: (f) => frames.peek(f),
    changed: () => {
      frames.ask(timeline.thumbnailFrames());
      scheduler.request();
    },
  }, 1);
  const shuttle = new Shuttle({
    count: () => item()?.n_frames ?? 0,
    times: () => item()?.times ?? [],
    current: () => playhead, // steps count from the frame asked for: quick presses are not lost while one decodes
    seek: (i) => seek(i),
    ready: (i) => frames.has(i),
  });
  root.append(header, classBar, stageNode, timeline.canvas, info, nav.nav, status.node);

  const ledger = new EditLedger(model, { status, repaint: (id) => stepper.repaint(id), progress: paintProgress });
  const stepper: Stepper = new Stepper(model, {
    behind: 1, ahead: 2, paint, paintProgress, status,
    leave: () => flushNudge(),
    enter: () => {
      selected = previous = null;
      stage.cancel();
      shuttle.pause();
      playhead = 0;
      painter.reset();
    },
    restart: () => ledger.restart(),
  });

  // ---------------------------------------------------------------- drawing
  function paintProgress(): void {
    const total = stepper.total;
    setText(progress, `${ledger.done(total)} of ${total} videos with tracks`);
    setText(position, stepper.positionText("video"));
    showSaved(status, ledger, nav.retry);
  }

  function paint(): void {
    setText(title, model.get("title"));
    classBar.replaceChildren(...classSwatches(classes(), currentClass, (k) => pickClass(k)));
    paintProgress();
    const id = stepper.current();
    if (id === undefined) return message(`All ${stepper.total} videos seen. ← goes back.`);
    stepper.prefetch(cache);
    const it = item();
    if (!it) {
      message("loading…");
      return stepper.paintWhenReady(cache, id);
    }
    if (typeof it.video_error === "string" || !it.n_frames) return message(String(it.video_error ?? it.error ?? "cannot show this video"));
    placeholder.hidden = true;
    canvas.hidden = false;
    if (frames.video !== id) {
      frames.setVideo(id, it.n_frames, it.width ?? 0, it.height ?? 0); // fewer frames kept of a large video
      timeline.setVideo(it.n_frames);
      requestAnimationFrame(() => frames.ask(timeline.thumbnailFrames())); // once the timeline has its width
    }
    seek(playhead);
  }

  /** Scale the canvas (the frame at its own size) by CSS to fit the stage's width and display_height,
   *  keeping its aspect ratio (the mouse maps through its box: lib/boxes.ts canvasPoint). */
  function fitCanvas(): void {
    const room = stageNode.clientWidth || 640;
    const scale = Math.min(room / canvas.width, model.get("display_height") / canvas.height);
    const w = `${Math.max(1, Math.floor(canvas.width * scale))}px`;
    const hgt = `${Math.max(1, Math.floor(canvas.height * scale))}px`;
    if (canvas.style.width !== w) canvas.style.width = w;
    if (canvas.style.height !== hgt) canvas.style.height = hgt;
  }

  function message(text: string): void {
    placeholder.hidden = false;
    canvas.hidden = true;
    setText(placeholder, text);
    setText(frameLine, "");
    setText(selectionLine, "");
  }

  function seek(i: number): void {
    flushNudge(); // a nudged box belongs to the frame it was nudged on
    playhead = i;
    frames.around(i);
    timeline.scale.follow(i);
    scheduler.request();
  }

  function redraw(): void {
    const it = item();
    if (!it || canvas.hidden) return;
    const shown = stage.draw(playhead);
    if (shown >= 0) fitCanvas();
    const n = it.n_frames ?? 0;
    canvas.dataset.frame = String(shown);
    setText(frameLine, shown < 0 ? "loading frame…" : `frame ${shown + 1} / ${n} (index ${shown})${shown !== playhead ? " — loading…" : ""}`);
    const tracks = (it.tracks ?? []).map((t): TimelineSegment => ({ id: String(t.id), cls: Math.max(0, classIndex(t.class)), ...span(t.keys) }));
    const props = openProposals(it).map((p): TimelineSegment => ({ id: p.id, cls: Math.max(0, classIndex(p.class)), proposal: true, ...span(p.keys) }));
    timeline.state = { ...timeline.state, playhead: painted(), segments: new SegmentIndex(tracks), proposals: new SegmentIndex(props),
      lanes: classes().length, selected: selected === null ? null : String(selected) };
    timeline.draw();
    const b = boxes().find((v) => v.track === selected);
    const what = selected === null ? "" : typeof selected === "string" ? `proposal ${selected}` : `track ${selected}`;
    setText(selectionLine, !what ? "" : `${what}${b ? ` — ${b.kind === "key" ? "keyframe" : b.kind === "held" ? "after its last keyframe" : "interpolated"}` : ""}`);
  }

  // ---------------------------------------------------------------- edits, through the ledger
  /** The kernel's state of video `id` replaces the view's copy. */
  const take = (id: ItemId) => (reply: Reply) => {
    // an older ack must not undo newer edits of the video still on their way: their acks follow
    if (reply.tracks !== undefined && ledger.pending(id) === 0) cache.update(id, { tracks: reply.tracks, decided: reply.decided ?? {} });
    if (stepper.current() === id) scheduler.request();
  };

  function send(type: string, fields: Record<string, unknown>, after?: (reply: Reply) => void): void {
    const id = stepper.current();
    if (id === undefined) return;
    void ledger.send(type, { item_id: id, ...fields }, editorEdit(ledger, id, (reply) => {
      take(id)(reply);
      after?.(reply);
    }, stepper.placeOf(id, "video")));
  }

  function choose(track: number | string | null): void {
    if (typeof selected === "number" && track !== selected) previous = selected;
    selected = track;
    scheduler.request();
  }

  function boxDone(b: FrameBox | null, r: Rect): void {
    const it = item();
    const id = stepper.current();
    if (!it || id === undefined) return;
    const frame = painted();
    const geometry = round2(r);
    if (b?.proposal) {
      status.info("accept the proposal first (a), then move its boxes");
      return scheduler.request();
    }
    const target = b ? Number(b.track) : null;
    if (target === null) {
      send("key", { frame, ...geometry, class: classes()[currentClass] }, (reply) => {
        if (typeof reply.track === "number") choose(reply.track);
      });
      return;
    }
    const tracks = (it.tracks ?? []).map((t) => (t.id === target ? withKey(t, frame, geometry, "human") : t));
    cache.update(id, { tracks }); // optimistic: shown at once, replaced by the ack
    send("key", { frame, track: target, ...geometry });
    scheduler.request();
  }

  /** Arrow keys: move the selected track's box on this frame (Alt: resize it; Shift: 10 px); sent
   *  as one keyframe once the keys pause. */
  let nudgeTimer: ReturnType<typeof setTimeout> | null = null;
  function nudge(e: KeyboardEvent): void {
    const b = boxes().find((v) => v.track === selected && !v.proposal);
    if (!b || painter.painted < 0) return status.info("select a track's box on this frame first (click it)");
    const r = stage.draft?.box?.track === b.track ? stage.draft.rect : b;
    const [x0, y0, x1, y1] = nudgeBox([r.x, r.y, r.x + r.w, r.y + r.h], e.key, e.altKey, e.shiftKey ? 10 : 1, canvas.width, canvas.height);
    stage.draft = { box: b, rect: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 } };
    if (nudgeTimer !== null) clearTimeout(nudgeTimer);
    nudgeTimer = setTimeout(flushNudge, 400);
    scheduler.request();
  }

  function flushNudge(): void {
    if (nudgeTimer === null) return;
    clearTimeout(nudgeTimer);
    nudgeTimer = null;
    const d = stage.draft;
    stage.draft = null;
    if (d?.box) boxDone(d.box, d.rect);
  }

  function pickClass(k: number): void {
    if (k < 0 || k >= classes().length) return;
    if (typeof selected === "number") {
      send("set_class", { track: selected, class: classes()[k] });
      return;
    }
    currentClass = k;
    classBar.replaceChildren(...classSwatches(classes(), currentClass, (j) => pickClass(j)));
  }

  const need = (what: string) => {
    if (typeof selected === "number") return selected;
    status.info(`select a track first (click its box) to ${what}`);
    return null;
  };

  function deleteKey(): void {
    const t = need("delete a keyframe");
    if (t === null) return;
    const b = boxes().find((v) => v.track === t);
    if (!b || b.kind !== "key") return status.info(`track ${t} has no keyframe on this frame`);
    send("delete_key", { track: t, frame: painted() });
  }

  function deleteTrack(): void {
    const t = need("delete it");
    if (t === null) return;
    send("delete_track", { track: t });
    selected = null;
  }

  function split(): void {
    const t = need("split it");
    if (t !== null) send("split", { track: t, frame: painted() }, (reply) => {
      if (typeof reply.track === "number") status.info(`split: frames from ${painted()} on are track ${reply.track}`);
    });
  }

  function merge(): void {
    const t = need("merge it");
    if (t === null) return;
    if (previous === null || previous === t) return status.info("merge joins the selected track into the one selected before it: select that one first");
    const keep = previous;
    send("merge", { keep, absorb: t }, () => choose(keep));
  }

  function decide(kind: "accept" | "reject"): void {
    if (typeof selected !== "string") {
      const open = openProposals(item());
      if (!open.length) return status.info("no open proposal on this video");
      choose(open[0].id);
      return status.info(`proposal ${open[0].id} selected: a accepts, r rejects`);
    }
    send(kind, { proposal_id: selected }, (reply) => choose(typeof reply.track === "number" ? reply.track : null));
  }

  function undoRedo(kind: "undo" | "redo"): void {
    const id = stepper.current();
    if (id === undefined) return;
    flushNudge();
    stage.cancel();
    send(kind, {}, (reply) => {
      if (stepper.current() === id) sayAbout(status, id, undoText(kind, stepper.placeOf(id, "video"), reply, CHANGES));
    });
  }

  // ---------------------------------------------------------------- keys
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(
    ...shuttle.bindings(),
    ...classDigitKeys(classes, pickClass, (c) => `class ${String(c)}: new tracks, or the selected track's`),
    { keys: ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown"], description: "nudge the selected box: a keyframe (Shift: 10 px)",
      run: nudge, when: () => typeof selected === "number" },
    { keys: ["Alt+ArrowLeft", "Alt+ArrowRight", "Alt+ArrowUp", "Alt+ArrowDown"], description: "resize the selected box (Shift: 10 px)",
      run: nudge, when: () => typeof selected === "number" },
    { keys: ["Delete"], description: "delete the selected track's keyframe on this frame (Shift: the whole track)",
      run: (e) => (e.shiftKey ? deleteTrack() : deleteKey()) },
    { keys: ["x"], description: "delete the selected track", run: deleteTrack },
    { keys: ["s"], description: "split the selected track: from this frame on it is a new track", run: split },
    { keys: ["m"], description: "merge the selected track into the track selected before it", run: merge },
    { keys: ["a"], description: "accept the selected proposal (or select the first open one)", run: () => decide("accept") },
    { keys: ["r"], description: "reject the selected proposal", run: () => decide("reject") },
    { keys: ["Escape"], description: "deselect", run: () => choose(null), when: () => selected !== null },
    { keys: ["Ctrl+Z"], description: "undo the last change on this video (Ctrl+Shift+Z: redo)", run: (e) => undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => undoRedo("redo") },
    { keys: ["PageDown"], description: "next video", run: () => stepper.step(1) },
    { keys: ["PageUp"], description: "previous video", run: () => stepper.step(-1) },
    ...helpKeys(help),
  );
  wireEditorNav(nav, root, { step: (d) => stepper.step(d), undoRedo, help, channel: ledger });

  const routes = stepper.itemRoutes(cache, () => frames.setVideo("", 0));
  const onMessage = kernelMessages(ledger.channel, status, {
    ...routes,
    other: (msg, buffers: Binary[]) => {
      if (msg.type === "frames") frames.receive(msg as unknown as FrameMsg, buffers);
    },
  });
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => scheduler.request()) : null;
  resize?.observe(stageNode);
  return startView(model, root, status, {
    on: { ...stepper.listeners(onMessage), "change:classes change:title change:display_height": paint },
    paint,
    dispose: [flushNudge, stepper, keymap, ledger, shuttle, frames, timeline, () => resize?.disconnect()],
  });
}

export default { render } satisfies AnyWidget<TrackModel>;
