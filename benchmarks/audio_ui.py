"""TranscriptReview on a 1-hour 16 kHz recording in a real JupyterLab + headless Chromium: first paint, zoom/pan frames, overview bytes, play start.

The recording (generated here): a 16-bit mono WAV of a 220 Hz tone with noise bursts, 1 hour
(``--quick``: 10 minutes), and a hypotheses table of one word every 0.5 s (0.4 s long, random
confidences): 7,200 words for the hour, all given to the widget. Measured in one run, in the page
(``performance.now()``), against the issue's targets; medians and p90s, nothing asserted:

(a) first paint: from the widget's root element entering the page (anywidget's render: the view
    is displayed) to the end of the frame that first shows waveform columns drawn from the kernel's
    peaks (the first ``fillRect`` of a waveform column on the widget's canvas, then the end of the
    next frame: ``AFTER_FRAME_JS``). Includes the item fetch (the 7,200 words) and, where the view
    does not get the first screen's peaks with the item, a peaks request: one or two kernel round
    trips. Also printed: from the moment the display cell is run, and the item message's size
    (kernel side: JSON + buffers).
(b) zoom / pan: for wheel events on the waveform (real input from Playwright; wheel zooms by 1.25,
    Shift+wheel pans by a view), the view's own draw time per frame (from the draw's first canvas
    call to the end of its animation-frame callback: waveform, word lane, transcript text and
    readout), and wheel event → the frame that shows it (at Chromium's default 60 Hz).
(c) bytes to the browser: kernel side, the ``peaks`` replies' JSON plus binary buffers, and on the
    wire (Playwright's websocket frames that carry a peaks reply, envelope included), while zooming
    out by wheel from the first 12 s to the whole hour; and the whole-hour level alone (the overview
    a view jumping straight there needs); against the raw PCM (16-bit samples).
(d) play start: a click on a word of the transcript → the first ``playing`` event of an <audio>
    element of the view, and → the first frame whose playhead has moved past the word's start. The
    word is brought into view in the transcript text (the text box scrolled to it) READ_MS before the
    click, as a person finds a word before clicking it. "cold": a word 48.5 s past the last one
    played (outside the window played); "warm": a word 2 s after the one just played.
(e) one edit's answer: a ``text`` intent run through the widget's dispatch in the kernel; its ack's
    JSON bytes plus buffer bytes (the utterance's words travel packed: ``pack_words``). Also
    benchmarks/transcript_ack_size.py, without JupyterLab.

Run: .venv/bin/python benchmarks/audio_ui.py [--quick]
"""
from __future__ import annotations

import argparse
import ast
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hitl_widgets.testing.jupyterlab import AFTER_FRAME_JS, CHROMIUM, CHROMIUM_ARGS, Lab, lab_server  # noqa: E402

RATE = 16000
READ_MS = 500  # (d): a word is in view this long before the click on it

SETUP = """
import json, numpy as np, pandas as pd, hitl_widgets as hw
rng = np.random.default_rng(1)
n_words = int({duration} / 0.5)
starts = np.arange(n_words) * 0.5 + 0.05
hyp = pd.DataFrame({{'utterance': 0, 'index': np.arange(n_words), 'text': [f'w{{k}}' for k in range(n_words)],
                    'start_s': starts, 'end_s': starts + 0.4, 'confidence': rng.uniform(0.2, 1.0, n_words)}})
w = hw.TranscriptReview(hw.Items([{path!r}], kind='audio'), hyp, store=hw.AnnotationStore('audio_bench.db'))
sent = []  # (type, bucket, JSON bytes, buffer bytes) of each reply the kernel sends the view
_send = w.send
def _counting(content, buffers=None):
    if isinstance(content, dict):
        sent.append((content.get('type'), content.get('bucket'), len(json.dumps(content)),
                     sum(len(b) for b in (buffers or []))))
    return _send(content, buffers=buffers)
w.send = _counting
len(w.words)
"""

# Installed before the page loads: the first waveform paint of each newly displayed view.
FIRST_PAINT_JS = AFTER_FRAME_JS + """
window.__fp = { root: null, drawn: null, painted: null };
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) {
    if (!(n instanceof Element) || window.__fp.root !== null) continue;
    if (n.matches('.hitl-transcript') || n.querySelector('.hitl-transcript')) window.__fp.root = performance.now();
  }
}).observe(document, { childList: true, subtree: true });
const fillRect = CanvasRenderingContext2D.prototype.fillRect;
CanvasRenderingContext2D.prototype.fillRect = function (x, y, w, h) {
  const fp = window.__fp;
  // a waveform column: 1 px wide, below the 16 px ruler, on the transcript's canvas
  if (fp.root !== null && fp.drawn === null && w === 1 && y >= 16 && y < 126 && this.canvas.classList.contains('hitl-transcript-canvas')) {
    fp.drawn = -1;
    queueMicrotask(() => { fp.drawn = performance.now(); afterFrame(() => { fp.painted = performance.now(); }); });
  }
  return fillRect.call(this, x, y, w, h);
};
// where the time goes: main-thread long tasks (> 50 ms) and the kernel's messages (arrival, size)
window.__lt = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__lt.push([e.startTime, e.duration]); })
  .observe({ type: "longtask", buffered: true });
window.__ws = [];
const PageSocket = window.WebSocket;
window.WebSocket = class extends PageSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (e) => {
      const size = typeof e.data === "string" ? e.data.length : (e.data.byteLength ?? e.data.size);
      window.__ws.push([performance.now(), size]);
    });
  }
};
"""

PROBE = """(root) => {
""" + AFTER_FRAME_JS + """
  const canvas = root.querySelector('.hitl-transcript-canvas');
  const B = window.__bench = { draws: [], wheels: [], plays: [] };
  let drawStart = null;
  const setTransform = CanvasRenderingContext2D.prototype.setTransform;
  CanvasRenderingContext2D.prototype.setTransform = function (...args) {
    if (this.canvas === canvas) drawStart = performance.now();  // the first canvas call of WaveView.draw
    return setTransform.apply(this, args);
  };
  // WaveView.draw sets the canvas's data-* (a mutation record each draw); this callback runs as a
  // microtask after the animation-frame callback that drew (waveform, words, text, readout)
  new MutationObserver(() => {
    const end = performance.now();
    if (drawStart !== null) { B.draws.push([drawStart, end]); drawStart = null; }
    const w = B.wheels.at(-1);
    if (w && w.drawn === null) { w.drawn = end; afterFrame(() => { w.painted = performance.now(); }); }
    const p = B.plays.at(-1);
    if (p && p.moving === null && +canvas.dataset.playhead > p.from + 1e-4) {
      p.moving = -1; afterFrame(() => { p.moving = performance.now(); });
    }
  }).observe(canvas, { attributes: true });
  canvas.addEventListener('wheel', (e) => B.wheels.push({ t: e.timeStamp, seen: performance.now(), drawn: null, painted: null }), true);
  root.addEventListener('click', (e) => {
    const word = e.target.closest && e.target.closest('.hitl-transcript-word');
    // the word's start: marked by SHOW_WORD (on the element, or on the page where the view made the element again)
    if (word) B.plays.push({ t: e.timeStamp, from: +(word.dataset.benchStart ?? window.__benchFrom), playing: null, moving: null });
  }, true);
  // 'playing' of any <audio> of the view (capture: the event does not bubble)
  root.addEventListener('playing', () => { const p = B.plays.at(-1); if (p && p.playing === null) p.playing = performance.now(); }, true);
}"""

# Bring word `j` of the transcript text into view (the text box scrolls; where the view renders only
# the lines in view, step the box towards the word's line until it is there) and mark its start
# for the probe; returns the selector that finds it.
SHOW_WORD = """async ([j, start]) => {
  const root = [...document.querySelectorAll('.hitl-transcript')].at(-1);
  const box = root.querySelector('.hitl-transcript-text');
  const indexed = () => box.querySelector('.hitl-transcript-word[data-index]') !== null;
  const find = () => indexed() ? box.querySelector(`.hitl-transcript-word[data-index="${j}"]`) : box.querySelectorAll('.hitl-transcript-word')[j];
  for (let i = 0; i < 30 && !find(); i++) {
    const spans = [...box.querySelectorAll('.hitl-transcript-word')];
    const s = spans[Math.floor(spans.length / 2)];
    const line = s.parentElement;
    const perLine = line.querySelectorAll('.hitl-transcript-word').length;
    const to = line.offsetTop + ((j - +s.dataset.index) / perLine) * line.offsetHeight;
    box.scrollTop = to - box.clientHeight / 2;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }
  const word = find();
  word.scrollIntoView({ block: 'nearest' });
  word.dataset.benchStart = String(start);
  window.__benchFrom = start;
  return indexed() ? `.hitl-transcript-word[data-index="${j}"]` : null;
}"""

VIEW = "() => { const d = document.querySelector('.hitl-transcript-canvas').dataset; return [+d.viewStartS, +d.secondsPerPx]; }"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def line(name: str, values: list[float], target: str, unit: str = "ms") -> str:
    if not values:
        return f"  {name}: no samples ({target})"
    return (f"  {name}: median {statistics.median(values):.1f} {unit}, p90 {pct(values, 90):.1f} {unit} "
            f"(n={len(values)}; target {target})")


def make_recording(path: Path, seconds: int) -> int:
    """A 16-bit WAV: a 220 Hz tone at -12 dBFS, a noise burst of 0.3 s every 2 s; its sample count."""
    import soundfile as sf

    n = seconds * RATE
    rng = np.random.default_rng(0)
    with sf.SoundFile(path, "w", samplerate=RATE, channels=1, subtype="PCM_16") as f:
        block = 60 * RATE
        for start in range(0, n, block):
            t = np.arange(start, min(n, start + block)) / RATE
            x = 0.25 * np.sin(2 * np.pi * 220 * t)
            burst = (t % 2.0) < 0.3
            x[burst] += rng.normal(0, 0.3, int(burst.sum()))
            f.write(np.clip(x, -1, 1).astype(np.float32))
    return n


def display(lab: Lab, page, timeout_ms: float = 120_000) -> tuple[float, float, float, float, int]:
    """Run the display cell (cell 1) again: a new view. (cell run → root, root → painted, root →
    drawn, main-thread long tasks between root and painted, the largest kernel message then)."""
    page.evaluate("() => { window.__fp = { root: null, drawn: null, painted: null }; window.__lt = []; window.__ws = []; }")
    ran = page.evaluate("performance.now()")
    lab.run_code("w", index=1)
    page.wait_for_function("() => window.__fp.painted !== null", timeout=timeout_ms)
    fp = page.evaluate("() => window.__fp")
    r, end = fp["root"], fp["painted"]
    busy = sum(max(0.0, min(s + d, end) - max(s, r)) for s, d in page.evaluate("() => window.__lt"))
    biggest = max((size for t, size in page.evaluate("() => window.__ws") if r <= t <= end), default=0)
    return r - ran, end - r, fp["drawn"] - r, busy, int(biggest)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 10-minute recording, fewer repeats")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    seconds = 600 if args.quick else 3600
    displays = 3 if args.quick else 8
    cycles = 1 if args.quick else 3
    pans = 20 if args.quick else 60
    plays = 4 if args.quick else 10
    with tempfile.TemporaryDirectory() as tmp, lab_server(Path(tmp)) as server, sync_playwright() as pw:
        wav = Path(tmp) / "hour.wav"
        t0 = time.perf_counter()
        n = make_recording(wav, seconds)
        raw = 2 * n
        print(f"TranscriptReview, a {seconds // 60}-minute 16 kHz mono recording ({n:,} samples, raw PCM "
              f"{raw / 1e6:.1f} MB; WAV written in {time.perf_counter() - t0:.1f} s), JupyterLab + headless Chromium (60 Hz frames)")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(FIRST_PAINT_JS)
        wire = {"on": False, "frames": 0, "bytes": 0}
        peaks_frame = re.compile(rb'"type":\s*"peaks"')

        def on_frame(payload) -> None:
            data = payload.encode() if isinstance(payload, str) else payload
            if wire["on"] and peaks_frame.search(data):
                wire["frames"] += 1
                wire["bytes"] += len(data)

        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
        lab = Lab(page, server, server.root)
        setup = SETUP.format(duration=seconds, path=str(wav))
        lab.open(lab.new_notebook("audio_bench.ipynb", [setup, "w"]))
        t0 = time.perf_counter()
        words = lab.run_code(setup, index=0, timeout=600_000).inner_text()
        print(f"  hypotheses: {words.strip()} words (one every 0.5 s), all accepted; widget built in "
              f"{time.perf_counter() - t0:.1f} s (checks, the silence test's peaks over the whole file)")

        # (a) first paint, one new view per repeat
        firsts = [display(lab, page) for _ in range(displays)]
        print("(a) first painted waveform")
        print(line("view displayed (root in the page) -> first waveform frame painted", [f[1] for f in firsts], "<= 300 ms"))
        print(line("  of which: root -> first waveform drawn (before its frame)", [f[2] for f in firsts], "-"))
        print(line("  of which: main-thread long tasks (> 50 ms each)", [f[3] for f in firsts], "-"))
        item = ast.literal_eval(lab.python("[s for s in sent if s[0] == 'items'][-1]"))
        print(f"    each view, in order: {', '.join(f'{f[1]:.0f}' for f in firsts)} ms; the item message (its {words.strip()} words): "
              f"{item[2]:,} B JSON + {item[3]:,} B buffers; largest kernel message meanwhile: {max(f[4] for f in firsts):,} B")
        print(line("display cell run -> root in the page (kernel executes `w`, JupyterLab renders)", [f[0] for f in firsts], "-"))
        print(line("display cell run -> first waveform frame painted", [f[0] + f[1] for f in firsts], "-"))

        # (b) + (c): zoom out to the whole recording and back, then pan, by wheel
        root = page.locator(".hitl-transcript")
        root.evaluate(PROBE)
        canvas = root.locator(".hitl-transcript-canvas")
        box = canvas.bounding_box()
        steps = int(np.ceil(np.log(seconds / 12) / np.log(1.25))) + 1

        def aim() -> None:
            """Point the mouse at the waveform (running code in the kernel adds cells: the page moves)."""
            nonlocal box
            canvas.scroll_into_view_if_needed()
            box = canvas.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60)

        def wheel(dy: float, shift: bool = False) -> None:
            if shift:
                page.keyboard.down("Shift")
            page.mouse.wheel(0, dy)
            if shift:
                page.keyboard.up("Shift")
            page.wait_for_function("() => { const w = window.__bench.wheels.at(-1); return w && w.painted !== null; }", timeout=30_000)

        overview = None
        for cycle in range(cycles):
            if cycle == 0:
                lab.python("sent.clear()")
                wire.update(on=True, frames=0, bytes=0)
            aim()
            for _ in range(steps):
                wheel(100)
            view_s = page.evaluate(VIEW)[1] * box["width"]
            if cycle == 0:
                page.wait_for_timeout(3000)  # the last peaks replies (each level is computed once over the whole file)
                sent = ast.literal_eval(lab.python("sent"))
                wire["on"] = False
                peaks = [s for s in sent if s[0] == "peaks"]
                top = max(s[1] for s in peaks)
                overview = (peaks, top, view_s, dict(wire))
                aim()
            for _ in range(steps):
                wheel(-100)
        zoom_draws = [b - a for a, b in page.evaluate("() => window.__bench.draws")]
        zoom_wheels = page.evaluate("() => window.__bench.wheels")
        page.evaluate("() => { window.__bench.draws = []; window.__bench.wheels = []; }")
        aim()
        for k in range(pans):
            wheel(box["width"] * (1 if k % 4 < 3 else -1), shift=True)
        pan_draws = [b - a for a, b in page.evaluate("() => window.__bench.draws")]
        pan_wheels = page.evaluate("() => window.__bench.wheels")
        print("(b) zoom / pan by wheel on the waveform (12 s view <-> the whole recording, 1.25x a wheel step; pan: a view a step)")
        print(line("zoom: the view's draw per frame", zoom_draws, "<= 16 ms median"))
        print(line("zoom: wheel event (its timeStamp) -> its frame painted", [w["painted"] - w["t"] for w in zoom_wheels], "-"))
        print(line("zoom: wheel event handled -> its frame painted", [w["painted"] - w["seen"] for w in zoom_wheels], "-"))
        print(line("pan: the view's draw per frame", pan_draws, "<= 16 ms median"))
        print(line("pan: wheel event (its timeStamp) -> its frame painted", [w["painted"] - w["t"] for w in pan_wheels], "-"))
        print(line("pan: wheel event handled -> its frame painted", [w["painted"] - w["seen"] for w in pan_wheels], "-"))

        peaks, top, view_s, wired = overview
        json_b, buf_b = sum(s[2] for s in peaks), sum(s[3] for s in peaks)
        top_b = sum(s[2] + s[3] for s in peaks if s[1] == top)
        print(f"(c) bytes to the browser for the overview (raw PCM {raw:,} B; target <= 5%)")
        print(f"  zooming out by wheel from 12 s to the whole recording ({view_s:.0f} s in view): {len(peaks)} peaks replies, "
              f"{json_b:,} B JSON + {buf_b:,} B buffers = {json_b + buf_b:,} B = {100 * (json_b + buf_b) / raw:.3f}% of the raw PCM")
        print(f"    on the wire (websocket frames with a peaks reply, envelope included): {wired['frames']} frames, "
              f"{wired['bytes']:,} B = {100 * wired['bytes'] / raw:.3f}%")
        print(f"  the whole-recording level alone (bucket {top} samples): {top_b:,} B = {100 * top_b / raw:.4f}% of the raw PCM")

        # (d) play start: a click on a word of the transcript text
        display(lab, page)
        root.evaluate(PROBE)
        spans = root.locator(".hitl-transcript-word")
        n_words = int(words)
        results: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": []}
        for k in range(plays):
            for kind, word in (("cold", (k * 97 + 40) % (n_words - 10)), ("warm", (k * 97 + 40) % (n_words - 10) + 4)):
                selector = page.evaluate(SHOW_WORD, [word, word * 0.5 + 0.05])
                page.wait_for_timeout(READ_MS)  # the person finds the word on the screen, then clicks
                (root.locator(selector) if selector else spans.nth(word)).click()
                page.wait_for_function("() => { const p = window.__bench.plays.at(-1); return p && p.playing !== null && p.moving > 0; }", timeout=30_000)
                p = page.evaluate("() => window.__bench.plays.at(-1)")
                results[kind].append((p["playing"] - p["t"], p["moving"] - p["t"]))
                root.focus()
                page.keyboard.press("Space")  # pause
                page.wait_for_function("() => !document.querySelector('.hitl-transcript-readout').textContent.includes('playing')", timeout=10_000)
        print(f"(d) play start after a click on a word of the transcript text, in view {READ_MS} ms before the click (\"cold\": 48.5 s from the last word played; \"warm\": 2 s after it)")
        for kind in ("cold", "warm"):
            print(line(f"{kind}: click -> <audio> 'playing'", [r[0] for r in results[kind]], "<= 50 ms"))
            print(line(f"{kind}: click -> playhead moving (its frame painted)", [r[1] for r in results[kind]], "<= 50 ms"))
        # (e) one edit's answer: a text intent run through the widget's dispatch in the kernel (as the view's arrives)
        edit = ("w._dispatch(w, {'type': 'text', 'client': 'bench', 'seq': 1, 'item_id': 0, 'text': 'edited', "
                "'word': w._current(0)['words'][len(w._current(0)['words']) // 2]['id']}, [])")
        ack = ast.literal_eval(lab.python(f"({edit}, [s for s in sent if s[0] == 'ack'][-1])[1]"))
        print(f"(e) one text edit's ack (the utterance's {words.strip()} words packed, kernel side): "
              f"{ack[2]:,} B JSON + {ack[3]:,} B buffers = {ack[2] + ack[3]:,} B")
        errors = [m for m in lab.console if m.startswith("pageerror")]
        if errors:
            print(f"  page errors: {errors[:3]}")
        browser.close()
        server.shutdown_all_sessions()


if __name__ == "__main__":
    main()
