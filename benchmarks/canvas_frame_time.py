"""Pan/zoom frame time of BBoxAnnotator's canvas: 1,000 boxes on a 3840x2160 image, headless Chromium.

The built bundle (hitl_widgets/static/bbox.js) runs in a bare page with the test fake model
(js/testing/fake-model.js) standing in for the kernel, which serves one 3840x2160 JPEG with 500
boxes and 500 proposals. The script zooms in with wheel events (around moving points), pans with
space-drag pointer events, and zooms out again; for every frame it records the widget's own draw
time plus the time to flush the canvas (``getImageData`` of one pixel forces rasterisation), so
the figure is the whole cost of a frame on the main thread.

Peer, measured in the same page on the same states: a naive canvas redraw (the whole image scaled
each frame, then one strokeRect per box, all 1,000, no culling and no batching) — what a canvas
widget without a viewport does. Labels are the same work on both sides: the widget draws a label
(class, and score for a proposal, on a filled tab) only for boxes in view at least 24 px wide, and
none at all when more than 250 boxes are in view (``LABEL_LIMIT`` in js/src/widgets/bbox/draw.ts); the
peer draws exactly those labels, the same way, in the same frames. What differs is only the image
and box drawing: the widget draws the visible part of the image and the boxes in view, one stroke
per class; the peer the whole image and every box, one stroke each. Target: median <= 16 ms (one
60 Hz frame). Prints medians, p90s and the ratio.

Second part: SegmentationCanvas's bytes for one brush stroke, measured from the widget (the
messages it sends, on a photo: scikit-image's astronaut at 1920x1080). No peer segmentation widget
is measured (none is in the ``bench`` extra); beside it is what a widget that syncs the whole mask
as a base64 PNG after each edit would send, computed with Pillow for the same stroke on an empty
mask and on a mask already segmented (SLIC superpixels of that photo grouped into 2 classes by
brightness: regions with natural boundaries, as after accepting a model's mask).

    .venv/bin/python benchmarks/canvas_frame_time.py
"""
from __future__ import annotations

import functools
import http.server
import io
import json
import shutil
import statistics
import tempfile
import threading
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
W, H, N_BOXES = 3840, 2160, 1000
LABEL_LIMIT = 250  # js/src/widgets/bbox/draw.ts: no labels when more boxes than this are in view (checked below)
jpeg_1080 = b""  # the 1080p image of the brush-stroke measurement (set by make_assets)
WHEEL_STEPS, PAN_STEPS, FIT_STEPS, WARMUP = 8, 120, 40, 5  # 1.2 ** 8 = 4.3x zoom

PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="bbox.css"></head>
<body style="margin:0;width:1280px"><div id="host"></div>
<script type="module">
import { createFakeModel } from "./fake-model.js";
import widget from "./bbox.js";
const model = createFakeModel({classes: ["car", "person", "sign"], threshold: 0.0, display_height: 720,
  order: [0], position: 0, n_done: 0, title: "bench", task: "t", annotator: "a", autofocus: false, version: ""});
const send = model.send;
model.send = (content, callbacks, buffers) => {
  send(content, callbacks, buffers);
  if (content.type !== "fetch") return;
  Promise.all([fetch("image.jpg").then((r) => r.arrayBuffer()), fetch("boxes.json").then((r) => r.json())])
    .then(([jpg, info]) => model.kernelSend({type: "items", items: [{id: 0, kind: "image", mime: "image/jpeg",
      width: %(W)d, height: %(H)d, buffer: 0, ...info}]}, [new DataView(jpg)]));
};
widget.render({ model, el: document.getElementById("host") });
window.benchReady = new Promise((resolve) => {
  const root = document.querySelector(".hitl-bbox");
  root.addEventListener("hitl:painted", () => resolve(true), { once: true });
});
</script></body></html>
"""

# Runs in the page: drive the widget, time every frame (draw + flush).
DRIVE = """async ([wheelSteps, panSteps, fitSteps, warmup]) => {
  const root = document.querySelector(".hitl-bbox");
  const canvas = root.querySelector("canvas");
  const ctx = canvas.getContext("2d");
  const rect = canvas.getBoundingClientRect();
  const frames = [];
  let waiting = null;
  root.addEventListener("hitl:frame", (e) => {
    const t0 = performance.now();
    ctx.getImageData(0, 0, 1, 1); // flush: the raster work of this frame happens now
    frames.push({ ms: e.detail.ms + performance.now() - t0, drawn: e.detail.drawn, view: [e.detail.scale, e.detail.tx, e.detail.ty] });
    if (waiting) { const w = waiting; waiting = null; w(); }
  });
  const frame = () => new Promise((resolve) => { waiting = resolve; });
  const states = [];
  const phases = [];
  let px = rect.left + rect.width / 2, py = rect.top + rect.height / 2;
  const pan = async (i, phase) => {
    const dx = 25 * Math.cos(i / 9), dy = 18 * Math.sin(i / 13);
    px += dx; py += dy;
    const done = frame();
    canvas.dispatchEvent(new PointerEvent("pointermove", { clientX: px, clientY: py, pointerId: 7, bubbles: true }));
    await done;
    states.push(["pan", dx, dy]);
    phases.push(phase);
  };
  root.dispatchEvent(new KeyboardEvent("keydown", { key: " ", bubbles: true }));
  canvas.dispatchEvent(new PointerEvent("pointerdown", { button: 0, clientX: px, clientY: py, pointerId: 7, bubbles: true }));
  for (let i = 0; i < warmup + fitSteps; i++) await pan(i, i < warmup ? "warmup" : "pan at fit");
  canvas.dispatchEvent(new PointerEvent("pointerup", { clientX: px, clientY: py, pointerId: 7, bubbles: true }));
  for (let i = 0; i < wheelSteps; i++) {
    const x = rect.left + rect.width * (0.35 + 0.3 * (i / wheelSteps)), y = rect.top + rect.height * 0.5;
    const done = frame();
    canvas.dispatchEvent(new WheelEvent("wheel", { deltaY: -100, clientX: x, clientY: y, bubbles: true, cancelable: true }));
    await done;
    states.push(["zoom", 1.2, x - rect.left, y - rect.top]);
    phases.push("wheel zoom in");
  }
  canvas.dispatchEvent(new PointerEvent("pointerdown", { button: 0, clientX: px, clientY: py, pointerId: 7, bubbles: true }));
  for (let i = 0; i < panSteps; i++) await pan(i, "pan zoomed in");
  canvas.dispatchEvent(new PointerEvent("pointerup", { clientX: px, clientY: py, pointerId: 7, bubbles: true }));
  root.dispatchEvent(new KeyboardEvent("keyup", { key: " ", bubbles: true }));
  for (let i = 0; i < wheelSteps; i++) {
    const done = frame();
    canvas.dispatchEvent(new WheelEvent("wheel", { deltaY: 100, clientX: rect.left + rect.width / 2, clientY: rect.top + rect.height / 2, bubbles: true, cancelable: true }));
    await done;
    states.push(["zoom", 1 / 1.2, rect.width / 2, rect.height / 2]);
    phases.push("wheel zoom out");
  }
  return { frames, states, phases, width: rect.width, height: rect.height };
}"""

# The peer: the same views (scale, offset of each of the widget's frames), drawn naively (whole image, every box with its own stroke and label).
NAIVE = """async ([states, width, height, labelLimit]) => {
  const info = await (await fetch("boxes.json")).json();
  const img = await createImageBitmap(await (await fetch("image.jpg")).blob());
  const canvas = document.createElement("canvas");
  canvas.width = width; canvas.height = height;
  // on screen, over the widget, as a widget's canvas would be (a displayed canvas costs more)
  canvas.style.cssText = `position:fixed;left:0;top:0;width:${width}px;height:${height}px;z-index:10`;
  document.body.append(canvas);
  const ctx = canvas.getContext("2d");
  const colours = ["#e6194b", "#3cb44b", "#4363d8"];
  const classes = ["car", "person", "sign"];
  const all = [...info.boxes.map((b) => ({ ...b, dashed: false })), ...info.proposals.map((p) => ({ ...p, dashed: true }))];
  // labels: the widget's rule (bbox/draw.ts: LABEL_LIMIT and the label text), the same text and drawing
  const text = (b) => b.dashed ? `${b.class}${b.score === null ? "" : ` ${b.score.toFixed(2)}`}` : String(b.class);
  const times = [], inView = [], labelled = [];
  for (const [scale, tx, ty] of states) {  // the widget's own view of each frame
    const t0 = performance.now();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(img, tx, ty, img.width * scale, img.height * scale);
    for (const b of all) {
      ctx.setLineDash(b.dashed ? [6, 4] : []);
      ctx.strokeStyle = colours[classes.indexOf(b.class)];
      ctx.lineWidth = b.dashed ? 1.5 : 2;
      ctx.strokeRect(b.x * scale + tx, b.y * scale + ty, b.w * scale, b.h * scale);
    }
    const v = { x: -tx / scale, y: -ty / scale, w: width / scale, h: height / scale };
    const shown = all.filter((r) => r.x <= v.x + v.w && r.x + r.w >= v.x && r.y <= v.y + v.h && r.y + r.h >= v.y);
    let n = 0;
    if (shown.length <= labelLimit) {
      ctx.setLineDash([]);
      ctx.font = "12px sans-serif";
      ctx.textBaseline = "bottom";
      for (const b of [...shown.filter((r) => r.dashed), ...shown.filter((r) => !r.dashed)]) {
        const s = { x: b.x * scale + tx, y: b.y * scale + ty, w: b.w * scale };
        if (s.w < 24) continue;
        const t = text(b), tw = ctx.measureText(t).width + 6, y = s.y > 16 ? s.y : s.y + 16;
        ctx.fillStyle = colours[classes.indexOf(b.class)];
        ctx.fillRect(s.x, y - 15, tw, 15);
        ctx.fillStyle = "#ffffff";
        ctx.fillText(t, s.x + 3, y - 2);
        n += 1;
      }
    }
    ctx.getImageData(0, 0, 1, 1);
    times.push(performance.now() - t0);
    inView.push(shown.length);
    labelled.push(n);
    await new Promise((r) => requestAnimationFrame(r));
  }
  return { times, inView, labelled };
}"""


SEG_PAGE = """<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="segmentation.css"></head>
<body style="margin:0;width:1280px"><div id="host"></div>
<script type="module">
import { createFakeModel } from "./fake-model.js";
import widget from "./segmentation.js";
const model = createFakeModel({classes: ["road", "car"], mode: "semantic", opacity: 0.5, display_height: 720,
  order: [0], position: 0, n_done: 0, title: "bench", task: "t", annotator: "a", autofocus: false, version: ""});
const send = model.send;
model.send = (content, callbacks, buffers) => {
  send(content, callbacks, buffers);
  if (content.type !== "fetch") return;
  fetch("image1080.jpg").then((r) => r.arrayBuffer()).then((jpg) => model.kernelSend({type: "items", items: [{id: 0,
    kind: "image", mime: "image/jpeg", width: 1920, height: 1080, buffer: 0, proposals: [], instances: {}}]}, [new DataView(jpg)]));
};
window.model = model;
widget.render({ model, el: document.getElementById("host") });
window.benchReady = new Promise((resolve) => {
  document.querySelector(".hitl-segmentation").addEventListener("hitl:painted", () => resolve(true), { once: true });
});
</script></body></html>
"""

# Runs in the page: one brush stroke across the 1080p image; what went to the kernel, in bytes.
STROKE = """async ([x0, y0, x1, y1, sizeUps]) => {
  const root = document.querySelector(".hitl-segmentation");
  const canvas = root.querySelector("canvas");
  const r = canvas.getBoundingClientRect();
  for (let i = 0; i < sizeUps; i++) root.dispatchEvent(new KeyboardEvent("keydown", { key: "]", bubbles: true }));
  const before = window.model.sent.length;
  const ev = (type, t) => canvas.dispatchEvent(new PointerEvent(type, { button: 0, pointerId: 3, bubbles: true,
    clientX: r.left + x0 + (x1 - x0) * t, clientY: r.top + y0 + (y1 - y0) * t }));
  ev("pointerdown", 0);
  for (let i = 1; i <= 40; i++) ev("pointermove", i / 40);
  ev("pointerup", 1);
  const msgs = window.model.sent.slice(before).filter((m) => m.content.type === "paint");
  return msgs.map((m) => ({ json: JSON.stringify(m.content).length,
    buffers: (m.buffers || []).reduce((n, b) => n + b.byteLength, 0), size: root.querySelector(".hitl-size").textContent,
    runs: Array.from(m.content.runs === "uint16" ? new Uint16Array(m.buffers[0]) : new Uint32Array(m.buffers[0])) }));
}"""


def make_assets(folder: Path) -> None:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    img = np.stack([
        127 + 60 * np.sin(xx / 37.0) + 40 * np.cos(yy / 23.0),
        127 + 70 * np.sin((xx + yy) / 51.0),
        127 + 50 * np.cos(xx / 13.0) * np.sin(yy / 17.0),
    ], axis=-1)
    img += rng.normal(0, 12, img.shape).astype(np.float32)  # texture: JPEG cannot flatten it
    buf = io.BytesIO()
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=88)
    (folder / "image.jpg").write_bytes(buf.getvalue())
    classes = ["car", "person", "sign"]

    def box(k: int) -> dict:
        w, h = rng.uniform(20, 220, 2)
        return {"x": round(float(rng.uniform(0, W - w)), 2), "y": round(float(rng.uniform(0, H - h)), 2),
                "w": round(float(w), 2), "h": round(float(h), 2), "class": classes[k % 3]}

    boxes = [{"id": f"b{k}", **box(k), "source": "human", "score": None, "proposal": None} for k in range(N_BOXES // 2)]
    proposals = [{"id": f"p{k}", **box(k), "score": round(float(rng.uniform(0.05, 1)), 3)} for k in range(N_BOXES // 2)]
    (folder / "boxes.json").write_text(json.dumps({"boxes": boxes, "proposals": proposals, "rejected": []}))
    (folder / "index.html").write_text(PAGE % {"W": W, "H": H})
    (folder / "seg.html").write_text(SEG_PAGE)
    from skimage import data as samples

    photo = Image.fromarray(samples.astronaut()).resize((1920, 1080), Image.Resampling.LANCZOS)
    buf2 = io.BytesIO()
    photo.save(buf2, format="JPEG", quality=88)
    (folder / "image1080.jpg").write_bytes(buf2.getvalue())
    global jpeg_1080
    jpeg_1080 = buf2.getvalue()
    for name in ("bbox.js", "bbox.css", "segmentation.js", "segmentation.css"):
        shutil.copy(ROOT / "hitl_widgets" / "static" / name, folder / name)
    shutil.copy(ROOT / "js" / "testing" / "fake-model.js", folder / "fake-model.js")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no request log on stderr
        pass


def summary(name: str, values: list[float]) -> tuple[float, float]:
    med = statistics.median(values)
    p90 = float(np.percentile(values, 90))
    print(f"  {name:<44} median {med:7.2f} ms   p90 {p90:7.2f} ms   max {max(values):7.2f} ms   ({len(values)} frames)")
    return med, p90


def main() -> None:
    from playwright.sync_api import sync_playwright

    from hitl_widgets.testing.jupyterlab import CHROMIUM, CHROMIUM_ARGS

    if not (ROOT / "hitl_widgets" / "static" / "bbox.js").is_file():
        raise SystemExit("build the front-end first: npm run build")
    source = (ROOT / "js" / "src" / "widgets" / "bbox" / "draw.ts").read_text()
    if f"const LABEL_LIMIT = {LABEL_LIMIT};" not in source:
        raise SystemExit(f"bbox/draw.ts no longer has LABEL_LIMIT = {LABEL_LIMIT}: update the peer's label rule here")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_assets(folder)
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
                page.wait_for_function("() => window.benchReady", timeout=60_000)
                page.evaluate("() => window.benchReady")
                ours = page.evaluate(DRIVE, [WHEEL_STEPS, PAN_STEPS, FIT_STEPS, WARMUP])
                views = [f["view"] for f in ours["frames"]]
                naive = page.evaluate(NAIVE, [views, ours["width"], ours["height"], LABEL_LIMIT])
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/seg.html")
                page.wait_for_function("() => window.benchReady", timeout=60_000)
                page.evaluate("() => window.benchReady")
                strokes = [page.evaluate(STROKE, [100, 100, 1100, 600, ups]) for ups in (0, 3)]
                browser.close()
        finally:
            server.shutdown()
    keep = [n for n, phase in enumerate(ours["phases"]) if phase != "warmup"]
    frames = [ours["frames"][n]["ms"] for n in keep]
    naive_frames = [naive["times"][n] for n in keep]
    # the peer labels the boxes the widget counted in view: the two counts must agree frame by frame
    disagree = sum(ours["frames"][n]["drawn"] != naive["inView"][n] for n in keep)
    print(f"BBoxAnnotator canvas: {N_BOXES} boxes ({N_BOXES // 2} dashed proposals) on a {W}x{H} JPEG, "
          f"view {ours['width']:.0f}x{ours['height']:.0f} CSS px, headless Chromium (software raster, dpr 1)")
    print("frame = the draw + canvas flush; the first frames (image upload) are a warm-up, not counted")
    print(f"same labels on both sides: class (+ score on proposals) on boxes in view >= 24 px wide, none when more "
          f"than {LABEL_LIMIT} boxes are in view; differs: hitl draws the visible part of the image and the boxes in "
          "view, one stroke per class; the peer the whole image and all 1,000 boxes, one stroke each")
    if disagree:
        print(f"  WARNING: boxes in view differ between the widget and the peer in {disagree} frames: labels not equal")
    for phase in ("pan at fit", "wheel zoom in", "pan zoomed in", "wheel zoom out"):
        idx = [n for n in keep if ours["phases"][n] == phase]
        drawn = [ours["frames"][n]["drawn"] for n in idx]
        with_labels = sum(d <= LABEL_LIMIT for d in drawn)
        labels = [naive["labelled"][n] for n in idx if drawn[idx.index(n)] <= LABEL_LIMIT]
        print(f"{phase} (boxes in view: median {statistics.median(drawn):.0f}, max {max(drawn)}; frames with labels "
              f"{with_labels} of {len(idx)}" + (f", labels per such frame: median {statistics.median(labels):.0f}" if labels else "")
              + "):")
        a, _ = summary("hitl viewport (visible part, batched strokes)", [ours["frames"][n]["ms"] for n in idx])
        b, _ = summary("naive redraw (whole image, every box) [peer]", [naive["times"][n] for n in idx])
        print(f"  {'ratio naive / hitl (median)':<44} {b / a:.1f}x")
    print("all frames:")
    med, _ = summary("hitl viewport", frames)
    peer, _ = summary("naive redraw [peer]", naive_frames)
    print(f"  ratio naive / hitl (median): {peer / med:.1f}x   target median <= 16 ms: {'met' if med <= 16 else 'NOT met'}")
    print()
    print("SegmentationCanvas: bytes sent from the browser for one brush stroke on a 1920x1080 mask (measured from")
    print("  the widget's messages; a diagonal stroke across ~60% of the view, on scikit-image's astronaut photo).")
    print("  No peer widget measured (none in the bench extra). Computed beside it, not measured: what a widget")
    print("  that syncs the whole mask as a base64 PNG after each edit would send (Pillow, optimize=True), for the")
    print("  same stroke on an empty mask and on a segmented one (SLIC superpixels of the photo, 2 classes by")
    print("  brightness, as after accepting a model's mask)")
    import base64

    from skimage.segmentation import slic

    rgb = np.asarray(Image.open(io.BytesIO(jpeg_1080)).convert("RGB"))
    regions = slic(rgb, n_segments=60, compactness=10, start_label=0)
    gray = rgb.mean(axis=-1)
    brightness = np.bincount(regions.ravel(), gray.ravel()) / np.maximum(np.bincount(regions.ravel()), 1)
    base = (brightness[regions] > np.median(brightness)).astype(np.uint8) + 1  # classes 1 and 2, region by region
    print(f"  segmented mask: {regions.max() + 1} regions, class 2 on {np.mean(base == 2):.0%} of the pixels")

    def b64_png(labels: np.ndarray) -> int:
        png = io.BytesIO()
        Image.fromarray(labels).save(png, format="PNG", optimize=True)
        return len(base64.b64encode(png.getvalue()))

    for stroke in strokes:
        (msg,) = stroke
        painted = np.zeros((1080, 1920), bool)
        for y, x, n in np.array(msg["runs"], np.int64).reshape(-1, 3):
            painted[y, x : x + n] = True
        total = msg["json"] + msg["buffers"]
        empty = b64_png(painted.astype(np.uint8))
        full = b64_png(np.where(painted, 2, base).astype(np.uint8))
        print(f"  brush {msg['size']:<8} ({int(painted.sum()):>6} px): hitl {total:>5} bytes measured "
              f"({msg['buffers']} binary runs + {msg['json']} JSON)   whole-mask base64 PNG, computed: {empty:>6} bytes "
              f"on an empty mask ({empty / total:.1f}x), {full:>7} bytes on a segmented one ({full / total:.0f}x)")


if __name__ == "__main__":
    main()
