"""PointCloudAnnotator beside k3d and pythreejs in a real JupyterLab + headless Chromium: orbit frame time, bytes per point, lasso -> kernel.

The points: ``hitl_widgets.demo.lidar.synthetic_scan`` at 64 x 2048 (about 116k returns),
128 x 9216 (about 1M) and 128 x 18432 (about 2M) beams x azimuth steps, xyz only, written once
as .npy files that every tool's kernel loads; each point coloured by its true class with the same
five colours in every tool (ours: the classes painted with ``w.paint`` before display; k3d:
``colors``, packed RGB, one uint32 a point; pythreejs: a float32 RGB ``color`` BufferAttribute,
as their docs show). Each (tool, size) is its own notebook and kernel on one JupyterLab server,
each opened in a fresh page (one WebGL context at a time), 1280 x 900, Chromium's 60 Hz frame
clock, software WebGL (SwiftShader: no GPU here, so compare the tools, not the absolute times).

What is drawn, and what differs:
    ours        our WebGL2 ``gl.POINTS``, 2 CSS px squares, flat colour (discard for hidden
                classes), depth test; float32 positions decoded from 16-bit integers per axis.
    k3d         ``k3d.points(shader="dot", point_size=2)``: its pixel-size point shader (three.js
                Points, its own shaders), ``camera_mode="orbit"``, no grid or axes; k3d renders
                with three.js (and, in the orbit, whatever else its plot draws per frame).
    pythreejs   ``Points`` + ``PointsMaterial(size=2, sizeAttenuation=False, vertexColors)``
                (three.js' points shader, 2 px squares), ``OrbitControls``, antialias off.
    The cameras differ (each tool frames the scene its own way; pythreejs' is placed by hand at
    a similar distance), so the share of the canvas the points cover differs; the canvas sizes
    are printed. One draw is counted when a WebGL draw call draws at least N vertices (all the
    points): every ``drawArrays`` / ``drawElements`` (and their instanced forms) is wrapped
    before any page script runs, for all three alike.

orbit   the same mouse drag (Playwright's real mouse: 300 px to the right and 40 px down in 10
        moves (--quick: 6), left button, across the canvas centre) in each tool; every move is
        drawn before the next is sent; a requestAnimationFrame loop records every frame's start
        meanwhile; frame time = from the start of a frame that drew the points to the next frame's
        start (median, p90), and how many frames drew them.
first   ("first display") bytes: every comm_open / comm_msg / comm_close frame on the kernel
        websocket (Playwright), both ways, envelope included, from making the widget (the peers
        send their arrays then) to its first draw of all the points, per point; the bytes of JSON
        arrays of floats in them; then the bytes per point at the margin between the smallest
        and the largest size (what does not grow with the points, such as a widget's own code
        sent as its state, left out). Time: the display cell run -> the first draw of all the
        points (not comparable across tools: the peers' arrays were sent in the cell before).
edit    a label edit of K points: ours, the lasso below (its intent to the kernel and the
        kernel's answer); peers, the colours of the same K points changed from Python as their
        docs do it (k3d: ``pts.colors = new``; pythreejs: ``geometry.attributes['color'].array =
        new``), until their next draw of all the points. Bytes per changed point.
lasso   ours only (the peers have no selection): the lasso tool, a 6-vertex lasso drawn by
        mouse on the 1M-point scan, then the class key; from the mouse-up's timeStamp to the
        kernel having the labels (an ``on_label`` listener's ``time.time()``, after the event is
        stored; the page's ``performance.timeOrigin + timeStamp``: same machine, same clock).
        The key is pressed by Playwright after the mouse-up: its own gap (from the end of the
        mouse-up's handling to the keydown's timeStamp) is printed apart and taken out. Our view
        draws a recolour (the selection's, the paint's) off screen and shows it once the GPU is
        done (js/src/lib/point_renderer.ts): software WebGL's raster no longer holds up the key,
        but it still runs on the same CPUs as the kernel meanwhile. The breakdown's buffer
        uploads are bufferData and bufferSubData calls.

Prints medians, p90s and ours / peer ratios; asserts nothing about time.

Run: .venv/bin/python benchmarks/pointcloud_ui.py [--quick]   (--quick: 100k and 1M only, fewer repeats)
"""
from __future__ import annotations

import argparse
import ast
import importlib.metadata
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _wire import KernelWire, pct, stats  # noqa: E402  (benchmarks/, the script's folder)

from hitl_widgets.testing.jupyterlab import CHROMIUM, CHROMIUM_ARGS, Lab, lab_server  # noqa: E402

SIZES = {"100k": (64, 2048), "1M": (128, 9216), "2M": (128, 18432)}
TOOLS = ("ours", "k3d", "pythreejs")
HEIGHT = 480
LASSO = [(-120, -40), (-20, -90), (110, -60), (140, 30), (30, 80), (-100, 50)]  # offsets from the canvas centre
LASSO_TARGET_MS = 150

LOAD = """
import time, numpy as np
from hitl_widgets.demo.lidar import CLASSES
from hitl_widgets.widgets.pointcloud import PALETTE
xyz = np.load('{name}_xyz.npy'); truth = np.load('{name}_labels.npy')
hexes = [int(c[1:], 16) for c in PALETTE[:len(CLASSES)]]
"""

SETUP = {
    "ours": LOAD + """
import hitl_widgets as hw
w = hw.PointCloudAnnotator(xyz, list(CLASSES), store=hw.AnnotationStore('{name}.db'), task='{name}')
for k in range(len(CLASSES)):
    w.paint(np.flatnonzero(truth == k), class_index=k)
_stored = []  # time.time() of each stored change (after the widget's own handling)
w.on_label(lambda e: _stored.append(time.time()))
_handled = []  # time.time() when the paint intent's handler starts and ends
def _timed_paint(content, _paint=w._on_paint):
    start = time.time()
    try:
        return _paint(content)
    finally:
        _handled.append((start, time.time()))
w._on_paint = _timed_paint  # the dispatcher looks the handler up on the instance
""",
    "k3d": LOAD + """
import k3d
colors = np.array(hexes, np.uint32)[truth]
plot = k3d.plot(height={height}, camera_mode='orbit', grid_visible=False, axes_helper=0, menu_visibility=False,
                background_color=0x111111)
pts = k3d.points(xyz, colors=colors, point_size=2, shader='dot')
plot += pts
""",
    "pythreejs": LOAD + """
import pythreejs as p3
rgb = (np.array([[(h >> 16) & 255, (h >> 8) & 255, h & 255] for h in hexes], np.float32) / 255)[truth]
geometry = p3.BufferGeometry(attributes={{'position': p3.BufferAttribute(xyz), 'color': p3.BufferAttribute(rgb)}})
cloud = p3.Points(geometry=geometry, material=p3.PointsMaterial(size=2, sizeAttenuation=False, vertexColors='VertexColors'))
camera = p3.PerspectiveCamera(position=[-45, -45, 35], up=[0, 0, 1], fov=50, aspect={width} / {height}, near=0.1, far=1000)
scene = p3.Scene(children=[cloud, camera], background='#111111')
view = p3.Renderer(camera=camera, scene=scene, controls=[p3.OrbitControls(controlling=camera)],
                   width={width}, height={height}, antialias=False)
""",
}
SHOW = {"ours": "w", "k3d": "plot", "pythreejs": "view"}
# a label edit of the points in edit_<name>.npy to class `cls`, from Python, as each peer's docs do it
EDIT = {
    "k3d": "idx = np.load('edit_{name}.npy'); new = colors.copy(); new[idx] = hexes[{cls}]; pts.colors = new",
    "pythreejs": "idx = np.load('edit_{name}.npy'); new = rgb.copy(); c = hexes[{cls}]\n"
                 "new[idx] = [((c >> 16) & 255) / 255, ((c >> 8) & 255) / 255, (c & 255) / 255]\n"
                 "geometry.attributes['color'].array = new",
}

# before any page script: every WebGL draw call is recorded (time, vertices); a frame recorder
INIT_JS = """
window.__pc = { draws: [], frames: [], on: false, uploads: [] };
for (const C of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
  if (!C) continue;
  const P = C.prototype;
  const wrap = (name, count) => {
    const f = P[name];
    if (!f) return;
    P[name] = function (...a) {  // (start, vertices, ms the call blocked the page)
      const t = performance.now();
      const out = f.apply(this, a);
      window.__pc.draws.push([t, count(a), performance.now() - t]);
      return out;
    };
  };
  wrap('drawArrays', (a) => a[2]);
  wrap('drawElements', (a) => a[1]);
  wrap('drawArraysInstanced', (a) => a[2] * a[3]);
  wrap('drawElementsInstanced', (a) => a[1] * a[4]);
  const upload = P.bufferData;  // how long each buffer upload blocks the page (time, ms, bytes)
  P.bufferData = function (...a) {
    const t = performance.now();
    const out = upload.apply(this, a);
    window.__pc.uploads.push([t, performance.now() - t, a[1] && a[1].byteLength || 0]);
    return out;
  };
  const subUpload = P.bufferSubData;  // a range: (target, offset, data[, srcOffset, length])
  P.bufferSubData = function (...a) {
    const t = performance.now();
    const out = subUpload.apply(this, a);
    const bytes = a[4] !== undefined ? a[4] * (a[2].BYTES_PER_ELEMENT || 1) : (a[2] && a[2].byteLength) || 0;
    window.__pc.uploads.push([t, performance.now() - t, bytes]);
    return out;
  };
}
window.__pcRecord = () => {
  const R = window.__pc;
  R.draws = []; R.frames = []; R.on = true;
  const loop = (t) => { R.frames.push(t); if (R.on) requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
};
"""

FULL_DRAWS = "(n) => window.__pc.draws.filter((d) => d[1] >= n).length"

# the largest canvas in the notebook's outputs: its size in device pixels
CANVAS = """() => {
  const cs = [...document.querySelectorAll('.jp-OutputArea-output canvas')];
  const c = cs.sort((a, b) => b.width * b.height - a.width * a.height)[0];
  return c ? [c.width, c.height] : [0, 0];
}"""

# lasso probes on our view: mouse-up (end of its handling), keydown, "n unsaved" -> "all saved"
LASSO_PROBE = """(root) => {
  const B = window.__lasso = [];
  root.addEventListener('mouseup', (e) => {
    B.push({ up: e.timeStamp, upEpoch: performance.timeOrigin + e.timeStamp, handled: null, key: null, unsaved: false, saved: null });
  }, true);
  window.addEventListener('mouseup', () => {  // after the view's own handler (the selection)
    const a = B.at(-1);
    if (a) { a.handled = performance.now(); a.selected = Number(root.dataset.selected); }
  });
  root.addEventListener('keydown', (e) => { const a = B.at(-1); if (a && a.key === null) { a.key = e.timeStamp; a.keySeen = performance.now(); } }, true);
  const send = WebSocket.prototype.send;  // the first message the page sends after the key: the paint
  WebSocket.prototype.send = function (data) {
    const a = B.at(-1);
    if (a && a.key !== null && a.sent === undefined) a.sentEpoch = performance.timeOrigin + (a.sent = performance.now());
    return send.call(this, data);
  };
  const saved = root.querySelector('.hitl-status-saved');
  new MutationObserver(() => {
    const a = B.at(-1);
    if (!a || a.key === null || a.saved !== null) return;
    if (saved.textContent === 'all saved') { if (a.unsaved) a.saved = performance.now(); }
    else a.unsaved = true;
  }).observe(saved, { childList: true, characterData: true, subtree: true });
}"""


def log(message: str) -> None:
    print(f"[pointcloud_ui {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def write_points(folder: Path, sizes: list[str]) -> dict[str, int]:
    from hitl_widgets.demo.lidar import synthetic_scan

    counts = {}
    for name in sizes:
        beams, steps = SIZES[name]
        scan = synthetic_scan(beams=beams, azimuth_steps=steps, seed=0)
        np.save(folder / f"{name}_xyz.npy", np.ascontiguousarray(scan.points[:, :3], np.float32))
        np.save(folder / f"{name}_labels.npy", scan.labels.astype(np.int64))
        counts[name] = len(scan.points)
    return counts


def wait_drawn(lab: Lab, n: int, at_least: int, timeout: float = 180_000) -> None:
    lab.page.wait_for_function(f"() => ({FULL_DRAWS})({n}) >= {at_least}", timeout=timeout)


def canvas_centre(lab: Lab) -> tuple[float, float]:
    box = lab.page.evaluate("""() => {
      const cs = [...document.querySelectorAll('.jp-OutputArea-output canvas')];
      const c = cs.sort((a, b) => b.width * b.height - a.width * a.height)[0];
      c.scrollIntoView({ block: 'center' });
      const r = c.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    }""")
    return box[0], box[1]


def orbit(lab: Lab, n: int, moves: int) -> dict:
    """The same drag in every tool; frame times of the frames that drew all the points."""
    page = lab.page
    cx, cy = canvas_centre(lab)
    page.mouse.move(cx - 150, cy - 20)
    page.wait_for_timeout(300)
    page.evaluate("() => window.__pcRecord()")
    page.wait_for_timeout(100)
    page.mouse.down()
    page.mouse.move(cx + 150, cy + 20, steps=moves)
    page.mouse.up()
    page.wait_for_timeout(1500)  # the last frames
    rec = page.evaluate("() => { window.__pc.on = false; return { frames: window.__pc.frames, draws: window.__pc.draws }; }")
    frames, draws = rec["frames"], [d for d in rec["draws"] if d[1] >= n]
    times, drawn = [], 0
    j = 0
    for a, b in zip(frames, frames[1:]):
        k = 0
        while j < len(draws) and draws[j][0] < b:
            if draws[j][0] >= a:
                k += 1
            j += 1
        if k:
            drawn += 1
            times.append(b - a)
    return {"times": times, "frames": drawn, "draws": len(draws)}


def open_tool(lab: Lab, wire: KernelWire, tool: str, name: str, n: int, width: int) -> dict:
    setup = SETUP[tool].format(name=name, height=HEIGHT, width=width)
    lab.open(lab.new_notebook(f"{tool}_{name}.ipynb", [setup, SHOW[tool]]), timeout=180_000)
    wire.start()  # a widget's comm_open (k3d and pythreejs: with its arrays) is sent when it is made
    lab.run_code(setup, index=0, timeout=300_000)
    lab.wait_idle()
    t0 = lab.page.evaluate("() => { window.__pc.draws = []; return performance.now(); }")
    lab.run_code(SHOW[tool], index=1, timeout=300_000)
    wait_drawn(lab, n, 1)
    first_ms = lab.page.evaluate(f"() => window.__pc.draws.find((d) => d[1] >= {n})[0]") - t0
    lab.wait_idle()
    lab.page.wait_for_timeout(1000)
    first = wire.stop()
    return {"first_ms": first_ms, "first": first, "canvas": lab.page.evaluate(CANVAS)}


def lasso_edits(lab: Lab, wire: KernelWire, name: str, repeats: int) -> dict:
    """Lassos then a class key on our view; times and the first edit's bytes; saves its points."""
    page = lab.page
    root = page.locator(".hitl-pointcloud")
    root.evaluate(LASSO_PROBE)
    lab.python(f"np.save('edit_{name}.npy', np.array([], np.int64))")
    times, gaps, saw, first_bytes, changed = [], [], [], None, 0
    for r in range(repeats):
        root.focus()
        page.keyboard.press("l")
        cx, cy = canvas_centre(lab)
        page.mouse.move(cx + LASSO[0][0], cy + LASSO[0][1])
        page.mouse.down()
        for dx, dy in LASSO[1:]:
            page.mouse.move(cx + dx, cy + dy, steps=2)
        if r == 0:
            wire.start()
        page.mouse.up()
        page.keyboard.press("4" if r % 2 == 0 else "5")  # pole, wall: every lasso changes its points
        page.wait_for_function("() => { const a = window.__lasso.at(-1); return a && a.saved !== null; }", timeout=60_000)
        if r == 0:
            page.wait_for_timeout(500)
            first_bytes = wire.stop()
            lab.python(f"np.save('edit_{name}.npy', np.flatnonzero(w.labels != truth))")
            changed = int(lab.python("int((w.labels != truth).sum())"))
    stored = ast.literal_eval(lab.python(f"_stored[-{repeats}:]"))
    handled = ast.literal_eval(lab.python(f"_handled[-{repeats}:]"))
    probes = page.evaluate("() => window.__lasso")[-repeats:]
    uploads = page.evaluate("() => window.__pc.uploads")
    parts: dict[str, list[float]] = {"select": [], "paint": [], "wire": [], "kernel": [], "queued": [], "upload_select": [], "uploads_select": [], "upload_paint": []}
    for a, kernel_t, (k0, _) in zip(probes, stored, handled):
        times.append(kernel_t * 1000 - a["upEpoch"])
        gaps.append(max(0.0, a["key"] - a["handled"]))
        saw.append(a["saved"] - a["up"])
        parts["select"].append(a["handled"] - a["up"])
        parts["paint"].append(a["sent"] - a["keySeen"])
        parts["queued"].append(a["keySeen"] - a["key"])
        parts["wire"].append(k0 * 1000 - a["sentEpoch"])
        parts["kernel"].append((kernel_t - k0) * 1000)
        parts["upload_select"].append(sum(d for t, d, _ in uploads if a["up"] <= t <= a["handled"]))
        parts["uploads_select"].append(sum(1 for t, _, b in uploads if a["up"] <= t <= a["handled"] and b >= 4 * a["selected"]))
        parts["upload_paint"].append(sum(d for t, d, _ in uploads if a["key"] <= t <= a["sent"]))
    return {"times": times, "gaps": gaps, "saved": saw, "bytes": first_bytes, "changed": changed,
            "selected": int(statistics.median(a["selected"] for a in probes)), "parts": parts}


def peer_edit(lab: Lab, wire: KernelWire, tool: str, name: str, n: int) -> dict:
    drawn = lab.page.evaluate(f"() => ({FULL_DRAWS})({n})")
    wire.start()
    lab.run_code(EDIT[tool].format(name=name, cls=3), timeout=120_000)
    try:
        wait_drawn(lab, n, drawn + 1, timeout=60_000)
        redrawn = True
    except Exception:  # noqa: BLE001 - reported, not fatal
        redrawn = False
    lab.wait_idle()
    lab.page.wait_for_timeout(1000)
    return {"bytes": wire.stop(), "redrawn": redrawn}


def fmt_bytes(b: dict, per: int) -> str:
    total = b["in"] + b["out"]
    floats = f"; JSON float arrays {b['json_floats']:,} B" if b["json_floats"] else "; no JSON float arrays"
    return (f"{total / per:7.2f} B/point ({total:,} B: {b['in']:,} to the page, {b['out']:,} to the kernel, "
            f"{b['frames']} frames, {b['buffers']:,} B binary{floats})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100k and 1M only, fewer repeats")
    parser.add_argument("--sizes", default="", help="comma-separated sizes to run (of 100k, 1M, 2M; default: all)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools (ours first; default: all)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    sizes = args.sizes.split(",") if args.sizes else ["100k", "1M"] if args.quick else list(SIZES)
    tools = [t for t in TOOLS if t in args.tools.split(",")]
    moves = 6 if args.quick else 10  # software WebGL: seconds a frame for k3d at 2M
    lassos = 3 if args.quick else 5
    started = time.perf_counter()
    results: dict[str, dict[str, dict]] = {}
    with tempfile.TemporaryDirectory() as tmp, lab_server(Path(tmp)) as server, sync_playwright() as pw:
        counts = write_points(server.root, sizes)
        print(f"PointCloudAnnotator vs k3d {version('k3d')} and pythreejs {version('pythreejs')}, JupyterLab + headless "
              f"Chromium (software WebGL, 60 Hz frame clock), synthetic_scan xyz: "
              + ", ".join(f"{k} = {v:,} points" for k, v in counts.items()) + ("  [--quick]" if args.quick else ""))
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script(INIT_JS)
        lab = Lab(page, server, server.root)
        wire = KernelWire(page)
        width = 0
        for name in sizes:
            n = counts[name]
            for tool in tools:
                log(f"{tool}, {name}")
                r: dict[str, Any] = {}
                if tool != "ours" and version(tool) == "not installed":  # a row that says so, not a 3-minute wait
                    results.setdefault(name, {})[tool] = {"error": f"{tool} is not installed (pip install -e '.[bench]')"}
                    continue
                try:
                    r.update(open_tool(lab, wire, tool, name, n, width or 1000))
                    if tool == "ours":
                        width = r["canvas"][0] or width
                    r["orbit"] = orbit(lab, n, moves)
                    if tool == "ours":
                        r["edit"] = lasso_edits(lab, wire, name, lassos if name == "1M" else 1)
                    else:
                        r["edit"] = peer_edit(lab, wire, tool, name, n)
                except Exception as exc:  # noqa: BLE001 - a row with its error, never a dropped row
                    r["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
                results.setdefault(name, {})[tool] = r
                server.shutdown_all_sessions()
        errors = [m for m in lab.console if m.startswith("pageerror")]
        browser.close()

    for name in sizes:
        n = counts[name]
        rows = results[name]
        print(f"\n  {name}: {n:,} points")
        ours = rows["ours"]
        for tool in tools:
            r = rows[tool]
            if "error" in r:
                print(f"    {tool:10s} FAILED: {r['error']}")
                continue
            o = r["orbit"]
            w, h = r["canvas"]
            line = (f"    {tool:10s} orbit frame {stats(o['times']) if o['times'] else 'no frame drew the points'}; "
                    f"{o['frames']} frames drew them ({o['draws']} draws) for {moves} moves; canvas {w}x{h}")
            if tool != "ours" and "orbit" in ours and ours["orbit"]["times"] and o["times"]:
                line += (f"; ours/{tool} median {statistics.median(ours['orbit']['times']) / statistics.median(o['times']):.2f}x, "
                         f"p90 {pct(ours['orbit']['times'], 90) / pct(o['times'], 90):.2f}x")
            print(line)
        for tool in tools:
            r = rows[tool]
            if "error" in r:
                continue
            line = f"    {tool:10s} first display: {fmt_bytes(r['first'], n)}"
            if tool != "ours" and "first" in ours:
                mine, theirs = ours["first"]["in"] + ours["first"]["out"], r["first"]["in"] + r["first"]["out"]
                line += f"; ours/{tool} {mine / theirs:.2f}x"
            print(line)
        for tool in tools:
            r = rows[tool]
            if "error" in r:
                continue
            line = f"    {tool:10s} display cell run -> all points drawn: {r['first_ms']:6.0f} ms"
            if tool != "ours":
                line += " (its arrays went to the page when it was made, in the cell before)"
            print(line)
        k = ours.get("edit", {}).get("changed", 0) if "error" not in ours else 0
        for tool in tools:
            r = rows[tool]
            if "error" in r or "edit" not in r or not k:
                continue
            e = r["edit"]
            b = e["bytes"]
            what = "lasso + key" if tool == "ours" else "colours set from Python" + ("" if e["redrawn"] else " (NO redraw seen)")
            line = f"    {tool:10s} label edit of K={k:,} points ({what}): {fmt_bytes(b, k)}"
            if tool != "ours" and "edit" in ours:
                ob = ours["edit"]["bytes"]
                line += f"; ours/{tool} {(ob['in'] + ob['out']) / max(1, b['in'] + b['out']):.3f}x"
            print(line)
        if name == "1M" and "error" not in ours:
            e = ours["edit"]
            net = [t - g for t, g in zip(e["times"], e["gaps"])]
            print(f"    lasso (6 vertices, {e['selected']:,} points selected) + class key -> labels in the kernel:")
            print(f"      mouse-up -> stored in the kernel:                     {stats(e['times'])}")
            print(f"      the same less Playwright's gap before the key:       {stats(net)}; target <= {LASSO_TARGET_MS} ms median: "
                  f"{'met' if statistics.median(net) <= LASSO_TARGET_MS else 'NOT met'}")
            print(f"      of which Playwright's gap (mouse-up handled -> key): {stats(e['gaps'])}")
            print(f"      mouse-up -> the view shows 'all saved' (the ack):    {stats(e['saved'])}")
            p = e["parts"]
            own = [a + b + c + d for a, b, c, d in zip(p["select"], p["paint"], p["wire"], p["kernel"])]
            print(f"      the same less the wait for the selection's frame:   {stats(own)}  (the view's two handlers, "
                  "the websocket and the kernel: what a GPU would leave; the frame's wait is software WebGL's raster)")
            print("      where the time goes (medians): the view's mouse-up handler (selection, recolour) "
                  f"{statistics.median(p['select']):.0f} ms (of which WebGL buffer uploads {statistics.median(p['upload_select']):.0f} ms; "
                  f"colour uploads {statistics.median(p['uploads_select']):.0f}); key -> its handler starts (the page busy) {statistics.median(p['queued']):.0f} ms; "
                  f"handler -> the paint sent (the view's handler: recolour, encode) "
                  f"{statistics.median(p['paint']):.0f} ms (of which WebGL buffer uploads {statistics.median(p['upload_paint']):.0f} ms); sent -> the kernel's paint handler starts "
                  f"{statistics.median(p['wire']):.0f} ms; that handler -> stored {statistics.median(p['kernel']):.0f} ms")
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        print(f"\n  first display, bytes per point at the margin (({b} bytes - {a} bytes) / ({b} points - {a} points): "
              "without what does not grow with the points, such as the widget's own code sent as its state):")
        slopes = {}
        for tool in tools:
            ra, rb = results[a][tool], results[b][tool]
            if "first" in ra and "first" in rb:
                grow = rb["first"]["in"] + rb["first"]["out"] - ra["first"]["in"] - ra["first"]["out"]
                slopes[tool] = grow / (counts[b] - counts[a])
                fixed = ra["first"]["in"] + ra["first"]["out"] - slopes[tool] * counts[a]
                print(f"    {tool:10s} {slopes[tool]:6.2f} B/point, plus {fixed / 1e3:,.0f} kB whatever the size"
                      + (f"; ours/{tool} {slopes['ours'] / slopes[tool]:.2f}x" if tool != "ours" and "ours" in slopes else ""))
    print("\n  targets (issue 19): first display <= 12 B/point for xyz + label; a label edit <= 1 B per changed point; "
          "never JSON arrays of floats")
    if errors:
        print(f"  page errors: {errors[:3]}")
    print(f"  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
