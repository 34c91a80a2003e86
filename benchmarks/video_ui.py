"""Video UI speed of TemporalSegmenter in a real JupyterLab + headless Chromium, one run.

Clips: H.264 from ``hitl_widgets.demo.synthetic_clip`` (250 frames, 25 fps) at 854x480 and
1920x1080, each in its own notebook and kernel on one JupyterLab server and one browser page
(Chromium's default 60 Hz frame clock). Every frame carries its index in its top-left corner
(synthetic_clip's marker); after each timed action the marker is read back from the canvas pixels
and compared with the frame the widget says it painted.

seek    The widget has no kernel-side seek API: a seek is a mouse click on the timeline's thumbnail
        strip at a random frame's x (the whole video in view). Timed from the pointerdown event's
        timeStamp to the end of the frame after the widget's own ``hitl:painted`` event (dispatched
        by lib/frames.ts FramePainter when it draws a frame on the canvas) for the frame the
        playhead landed on (``AFTER_FRAME_JS``). A frame not yet decoded is asked from the kernel,
        so a seek far from the cached frames includes a round trip, a JPEG encode and a decode.
step    "." (one frame on), from the keydown's timeStamp to the same marker; beside it the target,
        one frame period at 25 fps (40 ms).
bytes   Every message the page receives on the kernel websocket (Playwright's framereceived,
        Jupyter's v1 binary protocol parsed into JSON parts and buffers) that is a "frames" reply:
        its whole size (channel, header, parent header, metadata, content, buffers) per frame it
        carried, beside the mean JPEG size of those frames (the kernel's send, wrapped in the
        notebook, records each buffer's length). A JSON part holding base64 JPEG data ("/9j/") is
        reported.
cache   what the widget's frame cache held at the end (decoded frames kept / at most, the byte
        budget's limit for the clip's size; the canvas's data-cache, written by the view).
zoom    A 5,000-frame 160x120 clip with 10,000 segments on its timeline (given as proposals: the
        same SegmentIndex and lanes, drawn dashed): wheel events dispatched on the timeline canvas,
        one per animation frame (zoom in to the closest zoom, pan across, zoom out). Measured:
        the wheel handler's own time (zoom/pan + the timeline's draw, synchronous), and the
        requestAnimationFrame deltas while it runs, beside the 16.7 ms frame budget, and the long
        tasks (over 50 ms) the page had meanwhile. Each zoom or pan also asks the kernel for the
        thumbnail strip's frames, as a person's wheel does.

Prints medians and p90s; asserts nothing about time.

Run: .venv/bin/python benchmarks/video_ui.py [--quick]   (--quick: 480p only, fewer repeats)
"""
from __future__ import annotations

import argparse
import ast
import json
import random
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _wire import parse_v1, stats  # noqa: E402  (benchmarks/, the script's folder)

from hitl_widgets.testing.jupyterlab import AFTER_FRAME_JS, CHROMIUM, CHROMIUM_ARGS, Lab, lab_server  # noqa: E402

N_FRAMES, FPS = 250, 25
FRAME_BUDGET_MS = 1000 / 60
STEP_TARGET_MS = 1000 / FPS

SETUP = """
import json, hitl_widgets as hw
from hitl_widgets.demo.clips import synthetic_clip
synthetic_clip('{name}.mp4', n_frames={n}, fps={fps}, size=({w}, {h}), seed=3)
w = hw.TemporalSegmenter(['{name}.mp4'], ['a', 'b', 'c'], store=hw.AnnotationStore('{name}.db'), task='{name}')
_frames_sent = []   # (JSON length, [JPEG lengths]) of each "frames" reply, recorded at the kernel's send
_send = w.send
def _counting_send(content, buffers=None, _send=_send):
    if isinstance(content, dict) and content.get('type') == 'frames':
        _frames_sent.append((len(json.dumps(content)), [len(b) for b in buffers or []]))
    return _send(content, buffers)
w.send = _counting_send
w
"""

ZOOM_SETUP = """
import numpy as np, pandas as pd, hitl_widgets as hw
from hitl_widgets.demo.clips import synthetic_clip
synthetic_clip('long.mp4', n_frames={n}, fps=25, size=(160, 120), seed=4)
rng = np.random.default_rng(0)
starts = np.sort(rng.integers(0, {n} - 60, {k}))
props = pd.DataFrame({{'video': 0, 'class': rng.choice(['a', 'b', 'c'], {k}),
                      'start_frame': starts, 'end_frame': starts + rng.integers(0, 60, {k}), 'score': 0.5}})
w = hw.TemporalSegmenter(['long.mp4'], ['a', 'b', 'c'], proposals=props, store=hw.AnnotationStore('long.db'), task='long')
w
"""

PROBE = """(root) => {
""" + AFTER_FRAME_JS + """
  const B = window.__vb = { actions: [] };
  const start = (e) => B.actions.push({ t0: e.timeStamp, paints: [] });
  root.addEventListener('pointerdown', start, true);
  root.addEventListener('keydown', start, true);
  root.addEventListener('hitl:painted', (e) => {
    const a = B.actions.at(-1);
    if (!a) return;
    const p = { frame: e.detail.frame, at: performance.now(), end: null };
    a.paints.push(p);
    afterFrame(() => { p.end = performance.now(); });
  });
}"""

# the last action's time to the end of the frame after the paint of `frame`, or null (not yet)
RESULT = """(frame) => {
  const a = window.__vb.actions.at(-1);
  const p = a && a.paints.find((p) => p.frame === frame);
  return p && p.end !== null ? p.end - a.t0 : null;
}"""

SETTLED = "(c) => c.dataset.frame !== undefined && c.dataset.frame === c.dataset.playhead"

# synthetic_clip's marker (hitl_widgets/demo/clips.py read_frame_marker): 4x4 blocks of b px in the
# top-left corner, 16 bits MSB first; only that corner is read back from the canvas
MARKER = """(c) => {
  const w = c.width, h = c.height;
  const b = 4 * Math.max(1, Math.floor(Math.min(w, h) / 96)), inset = Math.floor(b / 4);
  const d = c.getContext('2d').getImageData(0, 0, 4 * b, 4 * b).data, W = 4 * b;
  let v = 0;
  for (let bit = 0; bit < 16; bit++) {
    const r = bit >> 2, col = bit & 3;
    let s = 0, n = 0;
    for (let y = r * b + inset; y < (r + 1) * b - inset; y++)
      for (let x = col * b + inset; x < (col + 1) * b - inset; x++) { const k = (y * W + x) * 4; s += d[k] + d[k + 1] + d[k + 2]; n += 3; }
    v = (v << 1) | (s / n > 127.5 ? 1 : 0);
  }
  return [v, Number(c.dataset.frame), Number(c.dataset.playhead), c.dataset.cache || ''];
}"""

# one wheel event per animation frame on the timeline: its handler's time and the rAF deltas
WHEEL = """async ([canvas, plan]) => {
  const r = canvas.getBoundingClientRect();
  const handler = [], deltas = [], long = [];
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); });
  observer.observe({ type: 'longtask' });
  let last = null;
  for (const [dx, dy, shift, fx] of plan) {
    const t = await new Promise(requestAnimationFrame);
    if (last !== null) deltas.push(t - last);
    last = t;
    const e = new WheelEvent('wheel', { deltaX: dx, deltaY: dy, shiftKey: shift, bubbles: true, cancelable: true,
      clientX: r.left + fx * r.width, clientY: r.top + r.height / 2 });
    const t0 = performance.now();
    canvas.dispatchEvent(e);
    handler.push(performance.now() - t0);
  }
  last = await new Promise(requestAnimationFrame).then((t) => { deltas.push(t - last); return t; });
  await new Promise((done) => setTimeout(done, 100));
  observer.disconnect();
  return { handler, deltas, long };
}"""


class Wire:
    """The kernel websocket's received messages that are "frames" replies."""

    FRAMES = re.compile(rb'"type"\s*:\s*"frames"')

    def __init__(self, page: Any):
        self.on = False
        self.replies: list[dict] = []
        page.on("websocket", self._ws)

    def _ws(self, ws: Any) -> None:
        if "/api/kernels/" in ws.url:
            ws.on("framereceived", self._received)

    def _received(self, payload: Any) -> None:
        if not self.on:
            return
        data = payload.encode() if isinstance(payload, str) else bytes(payload)
        parsed = parse_v1(data) if not isinstance(payload, str) else None
        if parsed is None:  # a text message (no buffers) or another protocol: JSON only
            if self.FRAMES.search(data):
                self.replies.append({"size": len(data), "json": data, "buffers": []})
            return
        json_parts, buffers = parsed
        content = json_parts[3] if len(json_parts) > 3 else b""
        if self.FRAMES.search(content) and b'"comm_msg"' in json_parts[0]:
            self.replies.append({"size": len(data), "json": b"".join(json_parts), "buffers": [len(b) for b in buffers]})


def settle(lab: Lab, canvas: Any) -> list:
    lab.page.wait_for_function(SETTLED, arg=canvas.element_handle(), timeout=30_000)
    return canvas.evaluate(MARKER)


def timed(lab: Lab, canvas: Any) -> tuple[float, bool]:
    """Wait for the action to settle; (its time to painted, marker == painted frame)."""
    marker, painted, playhead, _ = settle(lab, canvas)
    lab.page.wait_for_function(f"() => ({RESULT})({painted}) !== null", timeout=30_000)
    return float(lab.page.evaluate(RESULT, painted)), marker == painted == playhead


def clip_run(lab: Lab, wire: Wire, name: str, size: tuple[int, int], seeks: int, steps: int, rng: random.Random) -> dict:
    setup = SETUP.format(name=name, n=N_FRAMES, fps=FPS, w=size[0], h=size[1])
    lab.open(lab.new_notebook(f"{name}.ipynb", [setup]), timeout=180_000)
    wire.on, wire.replies = True, []
    lab.run_all(timeout=300_000)
    root = lab.page.locator(".hitl-segmenter")
    canvas = root.locator(".hitl-seg-video")
    canvas.wait_for(state="visible", timeout=120_000)
    settle(lab, canvas)
    lab.wait_idle()
    lab.page.wait_for_timeout(1500)  # the first frames and thumbnails land
    root.evaluate(PROBE)
    timeline = root.locator(".hitl-timeline")
    box = timeline.bounding_box()
    assert box is not None
    seek_ms, seek_ok = [], 0
    for _ in range(seeks):
        shown = int(canvas.evaluate("(c) => c.dataset.frame"))
        target = rng.choice([f for f in range(N_FRAMES) if f != shown])
        x = (target + 0.5) * box["width"] / N_FRAMES
        timeline.click(position={"x": x, "y": 30})
        ms, ok = timed(lab, canvas)
        seek_ms.append(ms)
        seek_ok += ok
    root.focus()
    lab.page.keyboard.press("Home")
    settle(lab, canvas)
    lab.page.wait_for_timeout(500)
    step_ms, step_ok = [], 0
    for _ in range(steps):
        lab.page.keyboard.press(".")
        ms, ok = timed(lab, canvas)
        step_ms.append(ms)
        step_ok += ok
    lab.wait_idle()
    lab.page.wait_for_timeout(500)
    wire.on = False
    _, painted, _, cache = settle(lab, canvas)
    kernel = json.loads(ast.literal_eval(lab.python("json.dumps(_frames_sent)")))
    jpeg_sizes = [n for _, sizes in kernel for n in sizes]
    replies = wire.replies
    wire_bytes = sum(r["size"] for r in replies)
    wire_frames = sum(len(r["buffers"]) for r in replies)
    base64 = sum(b"/9j/" in r["json"] for r in replies)
    lab.server.shutdown_all_sessions()
    return {
        "name": name, "size": size, "seek": seek_ms, "seek_ok": seek_ok, "step": step_ms, "step_ok": step_ok,
        "cache": cache, "replies": len(replies), "kernel_replies": len(kernel), "wire_bytes": wire_bytes,
        "wire_frames": wire_frames, "jpeg_frames": len(jpeg_sizes), "jpeg_bytes": sum(jpeg_sizes),
        "base64": base64, "painted": painted,
    }


def zoom_run(lab: Lab, n_frames: int, n_segments: int, rounds: int) -> dict:
    lab.open(lab.new_notebook("long.ipynb", [ZOOM_SETUP.format(n=n_frames, k=n_segments)]), timeout=180_000)
    lab.run_all(timeout=300_000)
    root = lab.page.locator(".hitl-segmenter")
    canvas = root.locator(".hitl-seg-video")
    canvas.wait_for(state="visible", timeout=120_000)
    settle(lab, canvas)
    lab.wait_idle()
    lab.page.wait_for_timeout(1000)
    timeline = root.locator(".hitl-timeline")
    plan: list[tuple[float, float, bool, float]] = []
    for r in range(rounds):
        anchor = 0.2 + 0.6 * ((r * 0.37) % 1)
        plan += [(0, -100, False, anchor)] * 34  # zoom in to the closest zoom (5000 -> 4 frames: 32 steps)
        plan += [(0, 300, True, 0.5)] * 20  # pan later
        plan += [(0, 100, False, anchor)] * 16  # zoom out half way
        plan += [(-300, 0, False, 0.5)] * 20  # pan back (horizontal wheel)
        plan += [(0, 100, False, anchor)] * 20  # out to the whole video
    result = lab.page.evaluate(WHEEL, [timeline.element_handle(), plan])
    lab.server.shutdown_all_sessions()
    return {"events": len(plan), **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="480p only, fewer repeats")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    clips = [("clip480", (854, 480))] + ([] if args.quick else [("clip1080", (1920, 1080))])
    seeks, steps = (10, 20) if args.quick else (30, 50)
    zoom_frames, zoom_rounds = (5000, 1) if args.quick else (5000, 3)
    rng = random.Random(17)
    print(f"TemporalSegmenter, JupyterLab + headless Chromium (60 Hz frame clock), H.264 clips of {N_FRAMES} frames at {FPS} fps"
          + ("  [--quick]" if args.quick else ""))
    with tempfile.TemporaryDirectory() as tmp, lab_server(Path(tmp)) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        lab = Lab(page, server, server.root)
        wire = Wire(page)
        for name, size in clips:
            r = clip_run(lab, wire, name, size, seeks, steps, rng)
            w, h = size
            print(f"\n  {w}x{h}")
            print(f"    seek (click on the timeline) -> that frame painted: {stats(r['seek'])}; "
                  f"marker == painted frame in {r['seek_ok']}/{len(r['seek'])}")
            print(f"    one-frame step ('.') -> painted:                    {stats(r['step'])}; "
                  f"target <= {STEP_TARGET_MS:.0f} ms median (one frame at {FPS} fps): "
                  f"{'met' if statistics.median(r['step']) <= STEP_TARGET_MS else 'NOT met'}; "
                  f"marker == painted frame in {r['step_ok']}/{len(r['step'])}")
            if r["wire_frames"]:
                per = r["wire_bytes"] / r["wire_frames"]
                jpeg = r["jpeg_bytes"] / max(1, r["jpeg_frames"])
                print(f"    websocket bytes per frame delivered: {per / 1e3:7.1f} kB vs the JPEG's own {jpeg / 1e3:7.1f} kB "
                      f"({per / jpeg:.3f}x; {r['wire_frames']} frames in {r['replies']} 'frames' replies, "
                      f"{(r['wire_bytes'] - r['jpeg_bytes']) / max(1, r['replies']):.0f} B of JSON and framing per reply; "
                      f"kernel sent {r['jpeg_frames']} JPEGs in {r['kernel_replies']} replies; "
                      + ("NO base64" if not r["base64"] else f"base64 JPEG in {r['base64']} replies") + ")")
                shown_n = 1 + len(r["seek"]) + len(r["step"])
                print(f"    all 'frames' reply bytes / frames the person was shown ({shown_n}, prefetch and thumbnails included): "
                      f"{r['wire_bytes'] / shown_n / 1e3:.1f} kB")
            else:
                print("    websocket: no 'frames' reply seen (protocol not parsed)")
            held, _, most = r["cache"].partition("/")
            print(f"    frame cache at the end: {held} decoded frames kept, at most {most} for this size "
                  f"({int(most or 0) * w * h * 4 / 2**20:.0f} MB of RGBA at most)")
        z = zoom_run(lab, zoom_frames, 10_000, zoom_rounds)
        browser.close()
    print(f"\n  timeline with 10,000 segments (proposals) on a {zoom_frames}-frame clip: {z['events']} wheel events, "
          "one per animation frame (zoom in to 4 frames, pan, zoom out)")
    print(f"    wheel handler (zoom/pan + timeline draw): {stats(z['handler'])}  (frame budget {FRAME_BUDGET_MS:.1f} ms)")
    print(f"    requestAnimationFrame deltas meanwhile:   {stats(z['deltas'])}  (frame budget {FRAME_BUDGET_MS:.1f} ms; "
          f"{sum(d > FRAME_BUDGET_MS * 1.5 for d in z['deltas'])} frames over 1.5x the budget)")
    print(f"    long tasks (> 50 ms, PerformanceObserver) meanwhile: {len(z['long'])}"
          + (f", median {statistics.median(z['long']):.0f} ms, longest {max(z['long']):.0f} ms" if z["long"] else "")
          + "  (tasks of the page's thread: the wheel's own frames, the thumbnails' 'frames' replies and their "
          "decoding, rendering; not told apart here)")


if __name__ == "__main__":
    main()
