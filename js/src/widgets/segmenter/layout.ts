// TemporalSegmenter's DOM: header, the video canvas, the readout of the frame shown, class
// buttons, the timeline, the segment list, the nav row and the status line. Every piece of data
// goes in through textContent (h, setText, setParts).
import { classColour, ClassName } from "../../lib/classes";
import { classSwatches, editorNav } from "../../lib/canvas_stage";
import { data, h, setParts, setText } from "../../lib/dom";
import { headerRow } from "../../lib/review";
import { StatusLine } from "../../lib/status";
import type { Segment } from "./model";
import { classIndex } from "./model";

export const LIST_ROWS = 60; // segment rows shown at once (those nearest the playhead)

export function segmenterLayout(root: HTMLElement) {
  const { header, title, position, progress } = headerRow();
  const stage = h("div", "hitl-seg-stage");
  const canvas = h("canvas", "hitl-seg-video");
  const placeholder = h("div", "hitl-placeholder hitl-muted", "loading…");
  stage.append(canvas, placeholder);
  const readout = h("div", "hitl-row hitl-seg-readout");
  const frameLabel = h("span", "hitl-seg-frame");
  frameLabel.setAttribute("aria-live", "polite");
  const speed = h("span", "hitl-muted hitl-seg-speed");
  const pending = h("span", "hitl-muted hitl-seg-pending");
  readout.append(frameLabel, speed, pending);
  const classes = h("div", "hitl-row hitl-classes");
  const timelineBox = h("div", "hitl-seg-timeline");
  const list = h("div", "hitl-seg-list");
  list.setAttribute("role", "list");
  const nav = editorNav();
  const status = new StatusLine();
  root.append(header, stage, readout, classes, timelineBox, list, nav.nav, status.node);
  return { header, title, position, progress, stage, canvas, placeholder, readout, frameLabel, speed, pending, classes, timelineBox, list, nav, status };
}

export type SegmenterUI = ReturnType<typeof segmenterLayout>;

/** The class buttons, the current class pressed. */
export function paintClasses(ui: SegmenterUI, classes: ClassName[], current: number, pick: (k: number) => void): void {
  ui.classes.replaceChildren(...classSwatches(classes, current, pick));
}

/** The segment list: the LIST_ROWS segments nearest `frame`, in start order; a click selects. */
export function paintList(
  ui: SegmenterUI, segments: Segment[], classes: ClassName[], frame: number, selected: string | null, select: (s: Segment) => void,
): void {
  const sorted = [...segments].sort((a, b) => a.start - b.start || a.end - b.end);
  let at = sorted.findIndex((s) => s.end >= frame);
  if (at < 0) at = sorted.length;
  const from = Math.max(0, Math.min(at - LIST_ROWS / 2, sorted.length - LIST_ROWS));
  const rows: HTMLElement[] = sorted.slice(from, from + LIST_ROWS).map((s) => {
    const row = h("button", "hitl-button hitl-seg-row");
    row.setAttribute("role", "listitem");
    row.dataset.segment = s.id;
    row.setAttribute("aria-pressed", String(s.id === selected));
    const swatch = h("span", "hitl-swatch");
    swatch.style.background = classColour(Math.max(0, classIndex(classes, s.class)));
    const text = h("span");
    setParts(text, [data(s.class), ` ${s.start}–${s.end}`, s.source === "proposal" ? " (proposal)" : "", s.parent ? " in " : "", ...(s.parent ? [data(s.parent)] : [])]);
    row.append(swatch, text);
    row.addEventListener("click", () => select(s));
    return row;
  });
  if (!rows.length) rows.push(h("span", "hitl-muted", "no segments yet: [ and ] mark a start and an end, Enter adds it"));
  if (sorted.length > LIST_ROWS) rows.push(h("span", "hitl-muted", `${sorted.length} segments in all; the list shows those near the playhead`));
  ui.list.replaceChildren(...rows);
}

export function setSpeed(ui: SegmenterUI, speed: number): void {
  setText(ui.speed, speed ? `${speed > 0 ? "▶" : "◀"} ${Math.abs(speed)}x` : "");
}
