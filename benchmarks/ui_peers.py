"""UI speed against peer labelling widgets, in one real JupyterLab + headless Chromium, one run.

Every widget runs in its own notebook and kernel on the same JupyterLab server and browser page,
on the same files written once into a temporary folder, measured by the same page probes:

classification  keystroke -> next item painted, over ``--items`` items of 256x256 PNG files.
                "Painted" is detected identically for every widget: the first new image content
                inside the widget's cell output after the key (an <img> added or given a new src,
                waited on with img.decode(); or a canvas drawImage call, seen by wrapping
                CanvasRenderingContext2D.drawImage before any page script runs), then the end of
                the next frame (``AFTER_FRAME_JS``: a user-blocking task posted from its
                requestAnimationFrame callback). Measured twice: with Chromium's 60 Hz frame
                clock, and with frames on demand (``UNTHROTTLED_FRAMES``), which leaves out the
                wait for the next vsync tick that no widget controls. The clock starts at the
                keydown event's timeStamp. Each widget is driven its own way: a label key where the
                widget has label keys (ours: 1/2/3 with the widget focused; ipyannotations and
                superintendent: 1/2/3 with the pointer over the widget, as their docs say), and
                Enter on the focused first label button for pigeon, which has no label keys.
                A third pass at 60 Hz presses each key 150-400 ms (random) after the last paint,
                over ``--paced-items`` items: at that pace keys land anywhere in the frame cycle, as
                a person's do, instead of just after a frame as the fast driver's do. That pass is
                printed first: it is the one a person sees.
                Every row also gives its own floor, measured on the same key presses: from the
                keydown to the end of the first frame after it (the probe's keydown listener, which
                runs before the widget's, asks for that frame with the same afterFrame marker). No
                widget can paint a key's item before that frame ends, so a row's paint times are
                never below its floor, key by key; the floor shares the row's frame-phase alignment
                (where each key landed in the frame cycle), which a floor measured on another
                widget's keys would not.
boxes           mouse-up after drawing a box -> the box in the kernel's state: the page records
                performance.timeOrigin + the mouseup's timeStamp; the kernel records time.time()
                when it has the box (jupyter-bbox-widget: an observer on ``bboxes``; ours: a
                message callback registered after the widget's own, so it runs once the box is
                stored). Same machine, same wall clock.
bytes           kernel websocket bytes (frames sent + received, counted with Playwright) per
                1920x1080 JPEG shown, from running the widget's cell until the last of
                ``--bytes-items`` images is painted and the kernel is idle, divided by the number of
                images shown; beside it the mean JPEG file size, and whether any frame held a
                base64-encoded PNG/JPEG.
memory          kernel RSS (psutil, the kernel's pid read from the kernel) with 10,000 images bound:
                the dataset is 10,000 64x64 PNG *files* written once (every widget here takes paths;
                an in-memory array of 10,000 full-size images would measure numpy, not the
                widget); overhead = RSS after the widget is created and shown its first item - RSS
                after the path list exists.

Prints medians, p90s and ours/peer ratios. A peer that does not install, import or render is a row
with its error, never a dropped row. Nothing is installed here: ``pip install -e ".[bench]"``.

Run: .venv/bin/python benchmarks/ui_peers.py [--items 100] [--quick]
"""
from __future__ import annotations

import argparse
import importlib.metadata
import json
import random
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hitl_widgets.testing.jupyterlab import AFTER_FRAME_JS, CHROMIUM, CHROMIUM_ARGS, UNTHROTTLED_FRAMES, Lab, lab_server  # noqa: E402

CLASSES = ["cat", "dog", "bird"]
BOX_IMAGE = (640, 400)  # w, h of the image boxes are drawn on

# --------------------------------------------------------------------------- page probes
# Installed before any page script: canvas draws inside the probed cell count as new content.
INIT_SCRIPT = """(() => {
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (...args) {
    const out = draw.apply(this, args);
    try { if (window.__uiContent) window.__uiContent(this.canvas, 'canvas'); } catch (e) {}
    return out;
  };
})();"""

# Attach to one cell: key presses, mouse-ups and "new content painted" times.
PROBE = """(scope) => {
""" + AFTER_FRAME_JS + """
  const S = window.__ui = { presses: [], painted: [], ups: [] };
  let lastSrc = null;
  window.__uiContent = (el, how) => {
    if (!scope.contains(el)) return;
    let ready = Promise.resolve();
    if (el.tagName === 'IMG') {
      const src = el.currentSrc || el.src;
      if (!src || src === lastSrc) return;
      lastSrc = src;
      ready = el.decode().catch(() => undefined);
    }
    const press = S.presses.at(-1);
    const target = press && press.paint === null && !press.pending ? press : null;
    if (target) { target.pending = true; target.content = performance.now(); }
    ready.then(() => afterFrame(() => {
      const now = performance.now();
      if (target) { target.paint = now; target.how = how; }
      S.painted.push(now);
    }));
  };
  const imgs = (node) => node.tagName === 'IMG' ? [node] : (node.querySelectorAll ? [...node.querySelectorAll('img')] : []);
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'attributes') window.__uiContent(r.target, 'img');
      else for (const n of r.addedNodes) for (const img of imgs(n)) window.__uiContent(img, 'img');
    }
  }).observe(scope, { subtree: true, childList: true, attributes: true, attributeFilter: ['src'] });
  // the floor of this key: the end of the first frame after it (no paint can come earlier)
  window.addEventListener('keydown', (e) => {
    const press = { key: e.timeStamp, handled: performance.now(), paint: null, frame: null };
    S.presses.push(press);
    afterFrame(() => { press.frame = performance.now(); });
  }, true);
  window.addEventListener('mouseup', (e) => S.ups.push(performance.timeOrigin + e.timeStamp), true);
}"""

ADD_CELL = """async (code) => {
  const app = window.jupyterapp, nb = app.shell.currentWidget.content;
  nb.activeCellIndex = nb.widgets.length - 1;
  await app.commands.execute('notebook:insert-cell-below');
  nb.activeCell.model.sharedModel.setSource(code);
  return nb.activeCellIndex;
}"""
RUN_CELL = """async (index) => {
  const app = window.jupyterapp, nb = app.shell.currentWidget.content;
  nb.activeCellIndex = index;
  await app.commands.execute('notebook:run-cell');
}"""
CLEAR_CELL = """(index) => { window.jupyterapp.shell.currentWidget.content.widgets[index].model.outputs.clear(); }"""

# --------------------------------------------------------------------------- the widgets
# Kernel code: {paths} is a Python list expression of image paths (str); {tag} a unique name.
# "make" creates the widget as ``w`` and leaves it as the cell's last expression (or displays it);
# "count" is the number of labels the widget holds; "close" frees it.


@dataclass
class Classifier:
    name: str
    package: str  # distribution name, for the version column
    imports: str
    make: str
    count: str
    close: str
    drive: str  # "ours" | "ipyevents" | "button"


CLASSIFIERS = [
    Classifier(
        "hitl-widgets ClassifyWidget", "hitl-widgets",
        "import hitl_widgets as hw\nhw.ClassifyWidget, hw.AnnotationStore  # import now: not binding cost",
        "w = hw.ClassifyWidget([Path(p) for p in {paths}], classes=CLASSES, "
        "store=hw.AnnotationStore('{tag}.db'), task='{tag}')\nw",
        "len(w.labels)", "w.close()", "ours",
    ),
    Classifier(
        "ipyannotations ClassLabeller", "ipyannotations",
        "from ipyannotations.images import ClassLabeller",
        # the documented loop: on submit, keep the label and display the next item
        "_items = list({paths}); labels = []\n"
        "w = ClassLabeller(options=CLASSES, allow_freetext=False)\n"
        "def _next(value, w=w, items=_items, labels=labels):\n"
        "    labels.append((items[len(labels)], value))\n"
        "    if len(labels) < len(items):\n"
        "        w.display(items[len(labels)])\n"
        "w.on_submit(_next)\nw.display(_items[0])\nw",
        "len(labels)", "w.close()", "ipyevents",
    ),
    Classifier(
        "superintendent + ipyannotations", "superintendent",
        "import warnings; from superintendent import Superintendent\n"
        "from ipyannotations.images import ClassLabeller",
        "w = Superintendent(features=list({paths}), database_url='sqlite:///{tag}.db',\n"
        "    labelling_widget=ClassLabeller(options=CLASSES, allow_freetext=False))\nw",
        "w.queue._labelled_count()", "w.close()", "ipyevents",
    ),
    Classifier(
        "pigeon annotate", "pigeon-jupyter",
        "from pigeon import annotate\nfrom IPython.display import display, Image",
        "w = annotate(list({paths}), options=CLASSES, display_fn=lambda p: display(Image(filename=p)))",
        "len(w)", "pass", "button",
    ),
]


PACE_MS = (150, 400)  # the wait before each key at a person's pace (random, uniform)


@dataclass
class BoxWidget:
    name: str
    package: str
    imports: str
    make: str  # {path}: the image; {paths}: a list expression (memory); records kernel times in _kt
    make_many: str
    close: str
    surface: str  # CSS selector of the element to drag on, inside the cell output


BOX_WIDGETS = [
    BoxWidget(
        "hitl-widgets BBoxAnnotator", "hitl-widgets",
        "import time, hitl_widgets as hw\nhw.BBoxAnnotator, hw.AnnotationStore  # import now: not binding cost",
        "w = hw.BBoxAnnotator([Path('{path}')], CLASSES, store=hw.AnnotationStore('{tag}.db'), task='{tag}',\n"
        "                     display_height=" + str(BOX_IMAGE[1]) + ")\n"
        "_kt = []\n"
        "w.on_msg(lambda _w, c, b: _kt.append((time.time() * 1000, len(_kt) + 1)) if c.get('type') == 'add' else None)\n"
        # and the message's arrival, before the widget validates and stores it
        "_ka = []\n"
        "w._msg_callbacks.callbacks.insert(0, lambda _w, c, b: _ka.append((time.time() * 1000, len(_ka) + 1)) if c.get('type') == 'add' else None)\nw",
        "w = hw.BBoxAnnotator([Path(p) for p in {paths}], CLASSES, store=hw.AnnotationStore('{tag}.db'), task='{tag}')\nw",
        "w.close()", ".hitl-bbox canvas",
    ),
    BoxWidget(
        "jupyter-bbox-widget BBoxWidget", "jupyter-bbox-widget",
        "import time\nfrom jupyter_bbox_widget import BBoxWidget",
        "w = BBoxWidget(image='{path}', classes=CLASSES)\n"
        "_kt = []\n"
        "w.observe(lambda ch: _kt.append((time.time() * 1000, len(ch['new']))), names=['bboxes'])\nw",
        # the widget shows one image; stepping is the user's loop over the list
        "_items = list({paths})\nw = BBoxWidget(image=_items[0], classes=CLASSES)\nw",
        "w.close()", "img",
    ),
]

# --------------------------------------------------------------------------- helpers


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def short_error(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().replace("\n", " ")
    return text[:300]


def write_data(base: Path, n_small: int, n_hd: int, n_mem: int) -> dict[str, list[str]]:
    """PNG 256x256 (latency), JPEG 1920x1080 (bytes), PNG 64x64 (memory), one JPEG for boxes."""
    from PIL import Image

    rng = np.random.default_rng(0)

    def picture(h: int, w: int, i: int) -> np.ndarray:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        base = np.stack([xx / w * ((i % 7) + 1) / 7, yy / h, (xx / w + yy / h) / 2], -1)
        noise = rng.normal(0, 0.04, (h, w, 1)).astype(np.float32)
        return (np.clip(base + noise, 0, 1) * 255).astype(np.uint8)

    out: dict[str, list[str]] = {"small": [], "hd": [], "mem": [], "box": []}
    for kind, n, (h, w), ext in (("small", n_small, (256, 256), "png"), ("hd", n_hd, (1080, 1920), "jpg")):
        folder = base / kind
        folder.mkdir(parents=True)
        for i in range(n):
            path = folder / f"{i:05d}.{ext}"
            Image.fromarray(picture(h, w, i)).save(path, **({"quality": 90} if ext == "jpg" else {}))
            out[kind].append(str(path))
    folder = base / "mem"
    folder.mkdir()
    tile = picture(64, 64, 3)
    for i in range(n_mem):
        path = folder / f"{i:05d}.png"
        Image.fromarray(np.roll(tile, i % 64, axis=1)).save(path, compress_level=1)
        out["mem"].append(str(path))
    path = base / "box.jpg"
    Image.fromarray(picture(BOX_IMAGE[1], BOX_IMAGE[0], 2)).save(path, quality=90)
    out["box"].append(str(path))
    return out


class Bench:
    """One JupyterLab server and one page; each widget gets its own notebook and kernel."""

    def __init__(self, page: Any, server: Any, data_dir: Path, lists: dict[str, list[str]]):
        self.page, self.server, self.data_dir, self.lists = page, server, data_dir, lists
        self.ws_sent = self.ws_received = 0
        self.frames: list[bytes] = []
        self.keep_frames = False
        page.on("websocket", self._on_ws)
        self.lab: Lab | None = None
        self.count = 0

    # websocket byte counting (kernel channels only)
    def _on_ws(self, ws: Any) -> None:
        if "/api/kernels/" not in ws.url:
            return

        def size(payload: Any) -> int:
            return len(payload.encode() if isinstance(payload, str) else payload)

        def received(payload: Any) -> None:
            self.ws_received += size(payload)
            if self.keep_frames:
                self.frames.append(payload.encode() if isinstance(payload, str) else bytes(payload))

        def sent(payload: Any) -> None:
            self.ws_sent += size(payload)

        ws.on("framereceived", received)
        ws.on("framesent", sent)

    def open(self, name: str, imports: str) -> None:
        """A new notebook (and kernel) with the common setup cell run."""
        self.server.shutdown_all_sessions()
        self.count += 1
        workdir = self.server.root / f"w{self.count}"
        workdir.mkdir()
        self.lab = Lab(self.page, self.server, workdir)
        setup = (
            "import gc, json, os\nfrom pathlib import Path\n"
            f"CLASSES = {CLASSES!r}\nDATA = {json.dumps({k: v for k, v in self.lists.items() if k != 'mem'})}\n"
            + imports
        )
        notebook = self.lab.new_notebook(f"{name}.ipynb", [setup])
        self.lab.open(notebook)
        self.lab.run_all()
        self.lab.wait_idle()
        out = self.lab.python("'ok'")
        if out != "'ok'":
            raise RuntimeError(f"setup cell failed: {self.last_error() or out}")
        err = self.last_error()
        if err:
            raise RuntimeError(f"import failed: {err}")

    def last_error(self, index: int | None = None) -> str:
        """The first error output in the notebook (or in cell ``index``)."""
        return self.page.evaluate("""(index) => {
          const nb = window.jupyterapp.shell.currentWidget.content;
          for (const cell of index === null ? nb.widgets : [nb.widgets[index]]) {
            const outs = cell.model.outputs ? cell.model.outputs.toJSON() : [];
            for (const o of outs) if (o.output_type === 'error') return o.ename + ': ' + o.evalue;
          }
          return '';
        }""", index)

    def cell(self, code: str) -> tuple[int, Any]:
        """Insert a cell, attach the probe to it, return (index, locator)."""
        index = self.page.evaluate(ADD_CELL, code)
        locator = self.page.locator(".jp-Notebook .jp-Cell").nth(index)
        locator.evaluate(PROBE)
        return index, locator

    def run(self, index: int) -> None:
        self.page.evaluate(RUN_CELL, index)

    def wait_painted(self, n: int, timeout: float = 60_000) -> None:
        self.page.wait_for_function("(n) => window.__ui.painted.length >= n", arg=n, timeout=timeout)

    def show(self, code: str, timeout: float = 90_000) -> tuple[int, Any]:
        """Run a widget cell and wait for its first image painted (an error cell raises)."""
        index, locator = self.cell(code)
        self.run(index)
        deadline = time.monotonic() + timeout / 1000
        while not self.page.evaluate("() => window.__ui.painted.length >= 1"):
            err = self.last_error(index)
            if err:
                raise RuntimeError(err)
            if time.monotonic() > deadline:
                raise RuntimeError(f"no image painted in {timeout / 1000:.0f} s")
            self.page.wait_for_timeout(200)
        return index, locator

    def pid(self) -> int:
        return int(self.lab.python("os.getpid()"))

    def rss_mb(self, pid: int) -> float:
        import psutil

        self.lab.python("gc.collect()")
        time.sleep(0.3)
        return psutil.Process(pid).memory_info().rss / 2**20

    # ---------------------------------------------------------------- driving
    def focus(self, spec: Classifier, locator: Any) -> Callable[[int], None]:
        """Give the widget the keyboard; return press(n) that labels the current item."""
        keys = ["1", "2", "3"]
        if spec.drive == "ours":
            root = locator.locator(".hitl-classify")
            root.scroll_into_view_if_needed()
            root.focus()
            return lambda n: self.page.keyboard.press(keys[n % 3])
        if spec.drive == "ipyevents":
            # ipyevents takes keys while the pointer is over the labeller: keep it on the image,
            # moved by a pixel before each key (a re-rendered view gets its pointer events again)
            image = locator.locator("img").last
            image.scroll_into_view_if_needed()
            bb = image.bounding_box()
            cx, cy = bb["x"] + bb["width"] / 2, bb["y"] + bb["height"] / 2

            def press(n: int) -> None:
                self.page.mouse.move(cx + n % 2, cy)
                self.page.keyboard.press(keys[n % 3])
            return press
        button = locator.locator("button", has_text=CLASSES[0]).first
        button.scroll_into_view_if_needed()
        button.focus()
        return lambda n: self.page.keyboard.press("Enter")

    def step(self, press: Callable[[int], None], n: int, timeout: float = 30_000) -> None:
        """Press for item n and wait until the next item is painted."""
        press(n)
        self.page.wait_for_function(
            "(n) => window.__ui.presses.length >= n && window.__ui.presses[n - 1].paint !== null",
            arg=n + 1, timeout=timeout,
        )


# --------------------------------------------------------------------------- measurements


@dataclass
class Row:
    widget: str
    version: str
    values: dict = field(default_factory=dict)
    error: str = ""


def log(message: str) -> None:
    print(f"[ui_peers {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def code_writer() -> Callable[[str, str], str]:
    """Fills a widget's code template with a data expression and a fresh tag per call."""
    tag = 0

    def code(template: str, paths: str) -> str:
        nonlocal tag
        tag += 1
        return template.replace("{paths}", paths).replace("{tag}", f"t{tag}")

    return code


def measure_latency(bench: Bench, spec: Classifier, args: argparse.Namespace, code: Callable[[str, str], str],
                    paced: bool = False) -> Row:
    """Keystroke -> next item painted over ``args.items`` items, in the kernel ``bench`` has open.
    ``paced``: ``args.paced_items`` items, each key PACE_MS after the last paint (a random wait, so
    keys land at any moment of the 60 Hz frame cycle, as a person's do)."""
    log("  keystroke latency" + (" at a person's pace" if paced else ""))
    row = Row(spec.name, version(spec.package))
    lab = bench.lab
    pace = random.Random(0)
    try:
        n = args.paced_items if paced else args.items
        index, locator = bench.show(code(spec.make, "DATA['small']"))
        lab.wait_idle()
        bench.page.wait_for_timeout(1000)  # the first prefetch lands (peers: nothing to wait for)
        press = bench.focus(spec, locator)
        for i in range(n):
            if paced:
                bench.page.wait_for_timeout(pace.uniform(*PACE_MS))
            bench.step(press, i)
        ui = bench.page.evaluate("() => window.__ui")
        lab.wait_idle()
        bench.page.wait_for_timeout(1000)
        stored = int(lab.python(spec.count))
        presses = ui["presses"][:n]
        times = [p["paint"] - p["key"] for p in presses]
        floors = [p["frame"] - p["key"] for p in presses]
        parts = {  # where the time goes
            "input": statistics.median(p["handled"] - p["key"] for p in presses),
            "content": statistics.median(p["content"] - p["handled"] for p in presses),
            "frame": statistics.median(p["paint"] - p["content"] for p in presses),
            "floor": statistics.median(floors),
            "above": statistics.median(t - f for t, f in zip(times, floors)),
            "below": sum(t < f - 1e-6 for t, f in zip(times, floors)),  # must be 0: a floor is one
        }
        row.values = {"times": times, "stored": stored, "n": n, "parts": parts}
        lab.run_code(spec.close)
        bench.page.evaluate(CLEAR_CELL, index)
    except Exception as exc:
        row.error = f"does not run: {short_error(exc)}"
    return row


def measure_classifier(bench: Bench, spec: Classifier, args: argparse.Namespace) -> dict[str, Row]:
    """memory, keystroke latency, bytes per HD image, in one kernel (in that order)."""
    log(spec.name)
    ver = version(spec.package)
    rows = {k: Row(spec.name, ver) for k in ("latency", "paced", "bytes", "memory")}
    try:
        bench.open(spec.name.split()[0], spec.imports)
    except Exception as exc:
        for row in rows.values():
            row.error = f"does not import: {short_error(exc)}"
        return rows
    lab = bench.lab
    pid = bench.pid()
    code = code_writer()

    # memory: 10,000 image files bound
    try:
        lab.python("None")
        before = bench.rss_mb(pid)
        lab.run_code(f"paths = sorted(str(p) for p in Path({str(bench.data_dir / 'mem')!r}).glob('*.png')); len(paths)")
        lab.wait_idle()
        data = bench.rss_mb(pid)
        index, _ = bench.show(code(spec.make, "paths"))
        lab.wait_idle()
        bench.page.wait_for_timeout(1500)  # prefetches land
        after = bench.rss_mb(pid)
        rows["memory"].values = {"n": int(lab.python("len(paths)")), "data_mb": data - before, "widget_mb": after - data}
        lab.run_code(spec.close + "\ndel w, paths; gc.collect()")
        bench.page.evaluate(CLEAR_CELL, index)
    except Exception as exc:
        rows["memory"].error = f"does not render: {short_error(exc)}"

    # keystroke -> next item painted, keys as fast as the widget paints, then at a person's pace
    rows["latency"] = measure_latency(bench, spec, args, code)
    rows["paced"] = measure_latency(bench, spec, args, code, paced=True)

    # websocket bytes per 1920x1080 image shown
    log("  websocket bytes")
    try:
        m = args.bytes_items
        lab.wait_idle()
        bench.page.wait_for_timeout(500)
        sent0, recv0 = bench.ws_sent, bench.ws_received
        bench.frames, bench.keep_frames = [], True
        index, locator = bench.show(code(spec.make, "DATA['hd']"))
        lab.wait_idle()
        press = bench.focus(spec, locator)
        for i in range(m - 1):
            bench.step(press, i, timeout=60_000)
        lab.wait_idle()
        bench.page.wait_for_timeout(1500)
        total = bench.ws_sent - sent0 + bench.ws_received - recv0
        bench.keep_frames = False
        b64 = any(b"iVBORw0KGgo" in f or b"/9j/" in f for f in bench.frames)
        bench.frames = []
        file_size = statistics.mean(Path(p).stat().st_size for p in bench.lists["hd"][:m])
        rows["bytes"].values = {"per_image": total / m, "file": file_size, "base64": b64, "n": m}
        lab.run_code(spec.close)
    except Exception as exc:
        bench.keep_frames = False
        rows["bytes"].error = f"does not run: {short_error(exc)}"
    return rows


def box_grid(rect: dict, n: int) -> list[tuple[float, float, float, float]]:
    """n small non-overlapping drags inside the central 80% of rect."""
    side = int(np.ceil(np.sqrt(n)))
    x0, y0 = rect["x"] + rect["width"] * 0.1, rect["y"] + rect["height"] * 0.1
    cw, ch = rect["width"] * 0.8 / side, rect["height"] * 0.8 / side
    out = []
    for k in range(n):
        r, c = divmod(k, side)
        out.append((x0 + c * cw + cw * 0.2, y0 + r * ch + ch * 0.2, x0 + c * cw + cw * 0.8, y0 + r * ch + ch * 0.8))
    return out


def measure_boxes(bench: Bench, spec: BoxWidget, args: argparse.Namespace) -> dict[str, Row]:
    log(spec.name)
    ver = version(spec.package)
    rows = {k: Row(spec.name, ver) for k in ("boxes", "memory")}
    try:
        bench.open("boxes_" + spec.name.split()[0], spec.imports)
    except Exception as exc:
        for row in rows.values():
            row.error = f"does not import: {short_error(exc)}"
        return rows
    lab = bench.lab
    pid = bench.pid()
    try:
        before = bench.rss_mb(pid)
        lab.run_code(f"paths = sorted(str(p) for p in Path({str(bench.data_dir / 'mem')!r}).glob('*.png')); len(paths)")
        lab.wait_idle()
        data = bench.rss_mb(pid)
        index, _ = bench.show(spec.make_many.replace("{paths}", "paths").replace("{tag}", "mem"))
        lab.wait_idle()
        bench.page.wait_for_timeout(1500)
        after = bench.rss_mb(pid)
        rows["memory"].values = {"n": int(lab.python("len(paths)")), "data_mb": data - before, "widget_mb": after - data}
        lab.run_code(spec.close + "\ndel w, paths; gc.collect()")
        bench.page.evaluate(CLEAR_CELL, index)
    except Exception as exc:
        rows["memory"].error = f"does not render: {short_error(exc)}"
    try:
        n = args.boxes
        index, locator = bench.show(spec.make.replace("{path}", bench.lists["box"][0]).replace("{tag}", "boxes"))
        lab.wait_idle()
        surface = locator.locator(spec.surface).first
        surface.scroll_into_view_if_needed()
        bench.page.wait_for_timeout(500)
        rect = surface.bounding_box()
        if spec.surface.endswith("canvas"):  # ours: the image is fitted into the canvas
            scale = min(rect["width"] / BOX_IMAGE[0], rect["height"] / BOX_IMAGE[1])
            w, h = BOX_IMAGE[0] * scale, BOX_IMAGE[1] * scale
            rect = {"x": rect["x"] + (rect["width"] - w) / 2, "y": rect["y"] + (rect["height"] - h) / 2, "width": w, "height": h}
        mouse = bench.page.mouse
        for x1, y1, x2, y2 in box_grid(rect, n):
            mouse.move(x1, y1)
            mouse.down()
            mouse.move((x1 + x2) / 2, (y1 + y2) / 2, steps=2)
            mouse.move(x2, y2, steps=2)
            mouse.up()
            bench.page.wait_for_timeout(args.box_gap)
        lab.wait_idle()
        bench.page.wait_for_timeout(1000)
        ups = bench.page.evaluate("() => window.__ui.ups")
        kernel = json.loads(lab.python("json.dumps(_kt)").strip("'"))
        times, missing = [], 0
        for k, up in enumerate(ups[:n], start=1):
            # the last kernel change with k boxes: the box's final state (a widget may also sync
            # the box while it is being drawn, before the mouse-up)
            hit = max((t for t, count in kernel if count == k), default=None)
            if hit is None:
                missing += 1
            else:
                times.append(hit - up)
        rows["boxes"].values = {"times": times, "n": n, "missing": missing}
        if lab.python("'_ka' in globals()") == "True":  # ours: also when the message arrived
            arrived = json.loads(lab.python("json.dumps(_ka)").strip("'"))
            early = [max(t for t, c in arrived if c == k) - up
                     for k, up in enumerate(ups[:n], start=1) if any(c == k for _, c in arrived)]
            rows["boxes"].values["arrived"] = early
        lab.run_code(spec.close)
    except Exception as exc:
        rows["boxes"].error = f"does not run: {short_error(exc)}"
    return rows


# --------------------------------------------------------------------------- report


def fmt_latency(row: Row) -> tuple[str, float | None]:
    if row.error:
        return row.error, None
    t = row.values["times"]
    if not t:
        return "no sample", None
    med = statistics.median(t)
    extra = ""
    if "parts" in row.values:
        p = row.values["parts"]
        held = f"({row.values['stored']}/{row.values['n']} labels held by the kernel)"
        below = f"; {p['below']} keys painted BEFORE their floor: the probe is wrong" if p["below"] else ""
        extra = (f"  {held}\n"
                 f"      floor (these keys: keydown -> end of the first frame after it) median {p['floor']:.1f} ms; "
                 f"paint - floor, key by key: median {p['above']:.1f} ms{below}\n"
                 f"      medians: key event -> page handler {p['input']:.1f} ms, handler -> new image content "
                 f"{p['content']:.1f} ms, content -> frame on screen (decode + frame) {p['frame']:.1f} ms")
    if row.values.get("arrived"):
        extra = (f"  (stored durably; the message reaches the kernel after median "
                 f"{statistics.median(row.values['arrived']):.1f} ms)")
    if row.values.get("missing"):
        extra = f"  ({row.values['missing']} of {row.values['n']} boxes never reached the kernel)"
    return f"median {med:7.1f} ms   p90 {pct(t, 90):7.1f} ms{extra}", med


def print_table(title: str, rows: list[Row], cell: Callable[[Row], tuple[str, float | None]], unit: str) -> None:
    if not rows:
        return
    print(f"\n{title}")
    width = max(len(f"{r.widget} {r.version}") for r in rows) + 2
    ours = rows[0]
    _, base = cell(ours)
    for row in rows:
        text, value = cell(row)
        ratio = ""
        if row is not ours:
            if base and value:
                r = base / value
                who = f"ours {1 / r:.1f}x {unit}" if r <= 1 else f"peer {r:.1f}x {unit}"
                ratio = f"   ours/peer {r:.3f} ({who})"
            else:
                ratio = "   ours/peer n/a"
        print(f"  {(row.widget + ' ' + row.version).ljust(width)} {text}{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100, help="items labelled per classification widget")
    parser.add_argument("--boxes", type=int, default=100, help="boxes drawn per box widget")
    parser.add_argument("--bytes-items", type=int, default=5, help="1920x1080 images shown per widget")
    parser.add_argument("--memory-items", type=int, default=10_000, help="image files bound for the memory row")
    parser.add_argument("--box-gap", type=int, default=150, help="ms between two box drags")
    parser.add_argument("--paced-items", type=int, default=50, help="items labelled at a person's pace per widget")
    parser.add_argument("--quick", action="store_true", help="30 items, 30 boxes, 3 HD images, 20 paced items")
    parser.add_argument("--no-on-demand", action="store_true", help="skip the second keystroke pass with frames on demand")
    parser.add_argument("--widgets", default="", help="comma-separated name parts: measure only these widgets")
    args = parser.parse_args()
    if args.quick:
        args.items, args.boxes, args.bytes_items = min(args.items, 30), min(args.boxes, 30), min(args.bytes_items, 3)
        args.paced_items = min(args.paced_items, 20)
    args.paced_items = min(args.paced_items, args.items)
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, lab_server(Path(tmp)) as server, sync_playwright() as pw:
        data_dir = server.root / "data"
        lists = write_data(data_dir, args.items + 1, args.bytes_items, args.memory_items)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(INIT_SCRIPT)
        page = context.new_page()
        bench = Bench(page, server, data_dir, lists)
        wanted = [w.strip().lower() for w in args.widgets.split(",") if w.strip()]

        def chosen(name: str) -> bool:
            return not wanted or any(w in name.lower() for w in wanted)

        results = []
        for spec in filter(lambda c: chosen(c.name), CLASSIFIERS):
            try:
                results.append(measure_classifier(bench, spec, args))
            except Exception as exc:  # a crash in one widget must not lose the others' rows
                traceback.print_exc(file=sys.stderr)
                results.append({k: Row(spec.name, version(spec.package), error=f"failed: {short_error(exc)}")
                                for k in ("latency", "paced", "bytes", "memory")})
        box_results = []
        for spec in filter(lambda c: chosen(c.name), BOX_WIDGETS):
            try:
                box_results.append(measure_boxes(bench, spec, args))
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                box_results.append({k: Row(spec.name, version(spec.package), error=f"failed: {short_error(exc)}")
                                    for k in ("boxes", "memory")})
        chromium = browser.version
        browser.close()

        # the same keystroke rows again with frames on demand: no wait for the next 60 Hz tick
        on_demand = []
        if not args.no_on_demand:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + UNTHROTTLED_FRAMES, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(INIT_SCRIPT)
            bench = Bench(context.new_page(), server, data_dir, lists)
            bench.count = 1000  # its own work folders
            for spec in filter(lambda c: chosen(c.name), CLASSIFIERS):
                log(f"{spec.name} (frames on demand)")
                try:
                    bench.open(spec.name.split()[0] + "_on_demand", spec.imports)
                    on_demand.append(measure_latency(bench, spec, args, code_writer()))
                except Exception as exc:
                    traceback.print_exc(file=sys.stderr)
                    on_demand.append(Row(spec.name, version(spec.package), error=f"failed: {short_error(exc)}"))
            browser.close()

    print(f"UI speed against peers: JupyterLab {version('jupyterlab')}, ipywidgets {version('ipywidgets')}, "
          f"anywidget {version('anywidget')}, headless Chromium {chromium}; every widget in its own kernel, "
          f"same server, same page, same run ({time.monotonic() - started:.0f} s)")
    print_table(
        f"Classification at a person's pace, 60 Hz ({args.paced_items} items, each key {PACE_MS[0]}-{PACE_MS[1]} ms "
        "(random) after the last paint, so keys land anywhere in the frame cycle, as a person's do)",
        [r["paced"] for r in results], fmt_latency, "faster",
    )
    print_table(
        f"Classification, keys as fast as the widget paints, 60 Hz ({args.items} items, 256x256 PNG files; each key "
        "is pressed just after the last paint's frame, so a paint then waits for the next 60 Hz tick: compare each "
        "row with its own floor)",
        [r["latency"] for r in results], fmt_latency, "faster",
    )
    print_table(
        f"Classification again, frames on demand (Chromium {' '.join(UNTHROTTLED_FRAMES)}: a frame is drawn as "
        "soon as something changed, so the figure leaves out the wait for the next 60 Hz tick, up to 16.7 ms)",
        on_demand, fmt_latency, "faster",
    )
    print("  (pigeon has no label keys: Enter on its focused label button; floor: see the script's docstring)")
    print_table(
        f"Boxes: mouse-up after drawing a box -> the box in the kernel ({args.boxes} boxes on a "
        f"{BOX_IMAGE[0]}x{BOX_IMAGE[1]} JPEG)",
        [r["boxes"] for r in box_results], fmt_latency, "faster",
    )

    def fmt_bytes(row: Row) -> tuple[str, float | None]:
        if row.error:
            return row.error, None
        v = row.values
        b64 = "base64 image data in frames" if v["base64"] else "no base64"
        return (f"{v['per_image'] / 1e3:9.1f} kB per image  ({v['per_image'] / v['file']:.2f}x the "
                f"{v['file'] / 1e3:.1f} kB JPEG; {b64})", v["per_image"])

    print_table(
        f"Websocket bytes per 1920x1080 JPEG shown (sent + received on the kernel websocket, "
        f"{args.bytes_items} images, widget code and messages included)",
        [r["bytes"] for r in results], fmt_bytes, "smaller",
    )

    def fmt_memory(row: Row) -> tuple[str, float | None]:
        if row.error:
            return row.error, None
        v = row.values
        return f"widget overhead {v['widget_mb']:7.1f} MB  (the {v['n']} paths themselves: {v['data_mb']:.1f} MB)", max(v["widget_mb"], 0.1)

    print_table(
        f"Kernel memory with {args.memory_items} 64x64 PNG files bound (RSS after the widget shows its first "
        "item - RSS with the path list)",
        [r["memory"] for r in results], fmt_memory, "smaller",
    )
    print_table(
        "Kernel memory, box widgets, same data (jupyter-bbox-widget holds one image: the list is the user's loop)",
        [r["memory"] for r in box_results], fmt_memory, "smaller",
    )
    print("\n(ours/peer < 1: ours is faster / smaller)")


if __name__ == "__main__":
    main()
