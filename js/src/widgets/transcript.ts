// TranscriptReview front-end: the utterance's waveform with its words laid under it at their times
// (coloured by the recogniser's confidence), the playing word highlighted, the transcript as text;
// play, step word by word, fix text, boundaries, splits, merges, flags, and judge the utterance.
// Parts: transcript/model.ts (data, pure helpers), view.ts (layout, canvas, mouse), actions.ts
// (edits through the EditLedger); lib/waveform.ts (peaks) and lib/player.ts (playback windows).
import type { AnyWidget, RenderProps } from "@anywidget/types";
import "../lib/theme.css";
import "./transcript.css";
import { wireEditorNav } from "../lib/canvas_stage";
import { setText } from "../lib/dom";
import { editStepper } from "../lib/edit_stepper";
import { HelpOverlay } from "../lib/help";
import type { Sender } from "../lib/channel";
import { ItemCache, ItemId, ItemInfo } from "../lib/items";
import { Binary, toBytes } from "../lib/media";
import { Binding, Keymap } from "../lib/keyboard";
import { helpKeys, kernelMessages, showProgress, startView } from "../lib/review";
import type { StatusLine } from "../lib/status";
import { paintCurrent, Stepper } from "../lib/stepper";
import { FrameScheduler } from "../lib/viewport";
import { mountRoot } from "../lib/widget";
import { AudioMsg, AudioPlayer, nextRate } from "../lib/player";
import { redrawOnResize } from "../lib/time_canvas";
import { PeakCache, PeaksMsg } from "../lib/waveform";
import { TranscriptActions } from "./transcript/actions";
import { WordEditor } from "./transcript/editor";
import { PackedWords, seconds, TranscriptModel, unpackWords, wordAt } from "./transcript/model";
import { TextView, transcriptLayout, WaveView } from "./transcript/view";

export { boundaryNear, confidenceClass, insertSpan, movedEdge, splitPoint, wordAt } from "./transcript/model";

const PREFETCH_DELAY_MS = 150; // after a scroll or a draw, then the windows in view are asked for
const PREFETCH_WAVE_S = 40; // the waveform's view is prefetched when it spans at most this

function render({ model, el }: RenderProps<TranscriptModel>) {
  const root = mountRoot(el, model, "hitl-root hitl-transcript");
  const ui = transcriptLayout(root);
  const { status } = ui;
  const cache = new ItemCache(model, 16);
  const { ledger, stepper } = editStepper(model, {
    status, behind: 1, ahead: 3, paint, paintProgress: () => paintProgress(), repaint: () => repaint(),
    enter: () => {
      actions.selected = null;
      editor.close(null);
      player.stop();
    },
  });
  const drawing = new FrameScheduler(() => draw());
  const queueDraw = () => drawing.request();
  const peaks = new PeakCache((m) => model.send(m), queueDraw);
  const wave = new WaveView(ui.canvas, peaks, {
    clickWord: (k) => playWord(k),
    seek: (t) => player.seek(t),
    grab: (k, edge) => {
      actions.edge = edge;
      actions.select(k);
    },
    dragged: (k, _edge, start, end) => actions.retime(k, start, end),
    changed: () => queueDraw(),
  });
  let shown: unknown = undefined; // the utterance the waveform and player are set to
  const player = makePlayer(model, () => stepper.current(), wave, status, queueDraw);
  root.append(player.node);
  const text = new TextView(ui.text, (k) => playWord(k), () => prefetchSoon());
  // the playback windows of what is on the screen (the words in the text box, the waveform when it
  // shows at most PREFETCH_WAVE_S) are fetched ahead, so a click plays from a buffer already here
  let prefetchTimer = 0;
  const prefetchSoon = () => {
    if (prefetchTimer) return;
    prefetchTimer = window.setTimeout(() => {
      prefetchTimer = 0;
      prefetchVisible();
    }, PREFETCH_DELAY_MS);
  };
  const editor = new WordEditor(ui.editor, ui.input, root, (value) => actions.editorDone(value));
  const actions = new TranscriptActions({
    cache, ledger, stepper, status, playhead: () => player.time, pixel: () => wave.secondsPerPx(), edit: openEditor, repaint: () => repaint(),
  });

  // ---------------------------------------------------------------- drawing
  function paintProgress(): void {
    showProgress(ui, stepper, ledger, (done, total) => `judged ${done} of ${total} utterances`, "utterance");
  }

  /** What depends on the playhead or the words: the canvas, the text, the readout. */
  function draw(): void {
    const v = actions.utterance();
    if (!v) return;
    const words = v.u.words;
    const playing = wordAt(words, player.time);
    Object.assign(wave.state, { words, selected: actions.index(words), edge: actions.edge, playhead: player.time, playing });
    wave.draw();
    text.paint(words, wave.state.selected, playing);
    prefetchSoon();
    const sel = words[wave.state.selected];
    setText(ui.readout, `${seconds(player.time)} / ${seconds(v.u.duration_s)} · ${player.speed}x${player.playing ? " · playing" : ""}`
      + (sel ? ` · “${sel.text}” ${sel.start.toFixed(2)}–${sel.end.toFixed(2)} s (${actions.edge} boundary)` : ""));
  }

  function prefetchVisible(): void {
    const v = actions.utterance();
    if (!v || v.id !== shown) return;
    const words = v.u.words;
    const [a, b] = text.inView();
    if (b > a) player.prefetch(words[a].start, words[b - 1].end);
    const [t0, t1] = [wave.tOf(0), wave.tOf(wave.scale.width)];
    if (t1 - t0 <= PREFETCH_WAVE_S) player.prefetch(t0, t1);
  }

  function repaint(): void {
    const v = actions.utterance();
    setText(ui.verdict, v ? `verdict: ${v.u.verdict ?? "none yet"}` : "");
    draw();
    paintProgress();
  }

  function paint(): void {
    setText(ui.title, model.get("title"));
    paintProgress();
    paintCurrent(stepper, cache, {
      item: () => actions.utterance(),
      end: () => {
        text.say(`All ${stepper.total} utterances seen. ← goes back.`);
        setText(ui.verdict, "");
      },
      wait: (message) => text.say(message),
      show: (id, { u }) => {
        if (shown !== id) {
          shown = id;
          peaks.setItem(id, u.n_samples);
          peaks.preload(u.first_peaks ?? []);
          wave.setRecording(u.n_samples, u.sample_rate, u.duration_s);
          player.reset(u.duration_s);
        }
        repaint();
      },
    });
  }

  function playWord(k: number): void {
    const w = actions.utterance()?.u.words[k];
    if (!w) return;
    actions.select(k);
    player.play(w.start);
  }

  function stepWord(dir: 1 | -1): void {
    const words = actions.utterance()?.u.words ?? [];
    if (!words.length) return;
    const at = actions.index(words);
    const k = at < 0 ? (dir > 0 ? Math.max(0, wordAt(words, player.time)) : words.length - 1) : Math.max(0, Math.min(words.length - 1, at + dir));
    actions.select(k);
    if (!player.playing) player.seek(words[k].start);
    wave.follow(words[k].start);
    queueDraw();
  }

  function openEditor(): void {
    const v = actions.utterance();
    const k = actions.index();
    if (!v || k < 0) {
      status.info("select a word first (Tab, or click it)");
      return;
    }
    player.stop();
    editor.show(actions.pendingInsert ? "" : v.u.words[k].text);
  }

  // ---------------------------------------------------------------- keys
  const keymap = new Keymap(root);
  const help = new HelpOverlay(keymap);
  root.append(help.node);
  keymap.add(...transcriptKeys(actions, player, stepper, help, { stepWord, openEditor, zoom: (f) => wave.zoom(f), redraw: queueDraw }));
  wireEditorNav(ui.nav, root, { step: (d) => stepper.step(d), undoRedo: (k) => actions.undoRedo(k), help, channel: ledger });
  const routes = stepper.itemRoutes(cache);
  const onMessage = kernelMessages(ledger.channel, status, {
    ...routes,
    items: (infos, buffers) => routes.items?.(infos.map((info) => unpackItem(info, buffers)), buffers),
    other: (msg, buffers) => {
      if (msg.type === "peaks") peaks.receive(msg as unknown as PeaksMsg, buffers[0]);
      else if (msg.type === "audio" && msg.item_id === stepper.current()) player.receive(msg as unknown as AudioMsg, buffers[0]);
    },
  });
  const stopRedrawing = redrawOnResize(ui.box, queueDraw); // the canvas takes the theme's colours when it draws
  return startView(model, root, status, {
    on: { ...stepper.listeners(onMessage), "change:title": () => paint() },
    paint,
    dispose: [stopRedrawing, () => clearTimeout(prefetchTimer), player, wave, text, stepper, keymap, ledger],
  });
}

/** An utterance as a fetch sends it, made whole: its words unpacked (an error item when they are
 *  misshapen), its first screen's peaks as float32 values for PeakCache.preload. */
function unpackItem(info: ItemInfo, buffers: Binary[]): ItemInfo {
  const { packed_words: packed, first_peaks: first, ...rest } = info;
  if (!packed) return info;
  const words = unpackWords(packed as PackedWords, buffers);
  if (typeof words === "string") return { id: info.id, kind: "error", error: `utterance ${JSON.stringify(info.id)}: ${words}` };
  const chunks = Array.isArray(first) ? (first as FirstPeaks[]) : [];
  const first_peaks = chunks.flatMap((c) => {
    const buffer = buffers[c.buffer];
    if (!buffer) return [];
    const bytes = toBytes(buffer);
    if (bytes.byteLength % 8) return [];
    return [{ type: "peaks" as const, item_id: info.id, bucket: c.bucket, start: c.start, count: c.count, values: new Float32Array(bytes.slice().buffer) }];
  });
  return { ...rest, words, first_peaks };
}

interface FirstPeaks {
  bucket: number;
  start: number;
  count: number;
  buffer: number;
}

/** The player of the utterance shown (`current`): windows asked for by "audio" intents, the
 *  waveform following the playhead. */
function makePlayer(model: Sender, current: () => ItemId | undefined, wave: WaveView, status: StatusLine, redraw: () => void): AudioPlayer {
  return new AudioPlayer({
    ask: (start_s, end_s, req) => model.send({ type: "audio", item_id: current(), start_s, end_s, req }),
    time: (t) => {
      wave.follow(t);
      redraw();
    },
    playing: () => redraw(),
    error: (text) => status.error(text),
  });
}

interface ViewKeys {
  stepWord: (dir: 1 | -1) => void;
  openEditor: () => void;
  zoom: (factor: number) => void;
  redraw: () => void;
}

/** The keys, in the order the "?" overlay lists them. */
function transcriptKeys(a: TranscriptActions, player: AudioPlayer, stepper: Stepper, help: HelpOverlay, v: ViewKeys): Binding[] {
  const speed = (dir: 1 | -1) => {
    player.setSpeed(nextRate(player.speed, dir));
    v.redraw();
  };
  return [
    { keys: ["Space"], description: "play / pause", run: () => player.toggle() },
    { keys: ["Tab"], description: "next word (Shift+Tab: previous)", run: (e) => v.stepWord(e.shiftKey ? -1 : 1) },
    { keys: ["Enter"], description: "edit the selected word's text (Enter saves, Escape cancels)", run: () => v.openEditor() },
    { keys: ["Alt+ArrowLeft"], description: "selected word: start one waveform pixel earlier (Alt+Shift: its end)", run: (e) => a.nudge(e.shiftKey ? "end" : "start", -1) },
    { keys: ["Alt+ArrowRight"], description: "selected word: start one waveform pixel later (Alt+Shift: its end)", run: (e) => a.nudge(e.shiftKey ? "end" : "start", 1) },
    { keys: ["s"], description: "split the selected word (at the playhead when inside it, else in the middle)", run: () => a.split() },
    { keys: ["m"], description: "merge the selected word with the next", run: () => a.merge() },
    { keys: ["i"], description: "insert a word after the selected one (in the gap)", run: () => a.insert() },
    { keys: ["Delete"], description: "delete the selected word", run: () => a.remove() },
    { keys: ["u"], description: "flag the selected word unclear (again: unflag)", run: () => a.flag("unclear") },
    { keys: ["j"], description: "flag the selected word jargon (again: unflag)", run: () => a.flag("jargon") },
    { keys: ["a"], description: "verdict: accept (and next utterance)", run: () => a.verdict("accept") },
    { keys: ["c"], description: "verdict: corrected (and next utterance)", run: () => a.verdict("corrected") },
    { keys: ["x"], description: "verdict: unusable (and next utterance)", run: () => a.verdict("unusable") },
    { keys: ["["], description: "slower playback", run: () => speed(-1) },
    { keys: ["]"], description: "faster playback", run: () => speed(1) },
    { keys: ["+", "="], description: "zoom the waveform in (wheel too; Shift+wheel pans)", run: () => v.zoom(2) },
    { keys: ["-"], description: "zoom the waveform out", run: () => v.zoom(0.5) },
    { keys: ["Ctrl+Z"], description: "undo the last change on this utterance (Ctrl+Shift+Z: redo)", run: (e) => a.undoRedo(e.shiftKey ? "redo" : "undo") },
    { keys: ["Ctrl+Y"], description: "redo", run: () => a.undoRedo("redo") },
    { keys: ["n", "PageDown"], description: "next utterance", run: () => stepper.step(1) },
    { keys: ["p", "PageUp"], description: "previous utterance", run: () => stepper.step(-1) },
    ...helpKeys(help),
  ];
}

export default { render } satisfies AnyWidget<TranscriptModel>;
