"""Queues of millions: ClassifyWidget bound to 10,000,000 items, before and after the windowed order.

Items: ``N`` distinct 32x32 grey images from one buffer of N + 1,024 random bytes (a strided numpy
view: item i is the 1,024 bytes from byte i on), ids 0..N-1; nothing exists on disk and no image is
encoded until the view asks for it. "before" is the package at ``--before`` (default 9f25356, the
last commit before the windowed order: its ``order`` trait synced the whole queue as a JSON list; ``_order_index`` a dict and ``_done``
a set over it; Items checked every id and built a dict of them), unpacked with ``git archive`` into
a temporary folder with its own JavaScript built there; "after" is this tree. Both run here, now.

kernel   each size in a fresh Python process (a tiny widget built first, so imports are not
         counted): the time and the memory that building Items and the widget add (tracemalloc:
         Python and numpy allocations still held, in a second build; the RSS growth of the first,
         timed, build from /proc/self/status in parentheses); the widget's
         synced state (``get_state()`` as JSON: all of it, the view's code ``_esm``/``_css``
         included, and the queue's part alone: ``order`` before, ``order_window`` after); one
         ``record_label`` on a random item of the queue (an in-memory SQLite store), median and p90
         of 200.
lab      JupyterLab + headless Chromium (one server, one page, one kernel per version): a cell that
         builds a new ClassifyWidget over the items (built in an earlier cell) and displays it, from
         the run-cell command to the view's ``hitl:painted`` event for the first item (its image
         fetched from the kernel, decoded and drawn), median of several; each display is a new
         widget, so its state crosses the websocket each time.

urls     the same over N image URLs (``http://127.0.0.1:<port>/img/<n>.png``) served by a local HTTP
         server started here (a 32x32 PNG for any n): the list of N str is built before measuring
         (it is the user's data), Items keeps the names and fetches an image only when it is shown,
         so the lab figure includes one HTTP fetch through fsspec. This checkout only.

The old code's lab figure is measured at 1,000,000 items only (at 10,000,000 its state is ~79 MB of
JSON per display); its kernel figures are measured at every size.

Run: .venv/bin/python benchmarks/queue_scale.py [--quick]   (--quick: 1,000,000 items instead of 10,000,000, fewer displays)
"""
from __future__ import annotations

import argparse
import contextlib
import http.server
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SIDE = 32
CLASSES = ["cat", "dog", "bird"]

ITEMS_CODE = (
    "import numpy as np\n"
    "buf = np.random.default_rng(0).integers(0, 256, {n} + {side} * {side}, dtype=np.uint8)\n"
    "arr = np.lib.stride_tricks.as_strided(buf, shape=({n}, {side}, {side}), strides=(1, {side}, 1))\n"
)
# the URL rows: N image URLs on a local HTTP server (``serve_images``), as the user's list of str
URLS_CODE = "arr = [f'{base}/img/{{i:08d}}.png' for i in range({n})]\n"


class _ImageHandler(http.server.BaseHTTPRequestHandler):
    """Any ``/img/<n>.png``: a 32x32 grey PNG whose shade follows n (HEAD and GET, as fsspec asks)."""

    def _png(self) -> bytes | None:
        name = self.path.rsplit("/", 1)[-1]
        if not (self.path.startswith("/img/") and name.endswith(".png") and name[:-4].isdigit()):
            return None
        buf = io.BytesIO()
        Image.new("L", (SIDE, SIDE), int(name[:-4]) % 256).save(buf, format="PNG")
        return buf.getvalue()

    def _answer(self, body: bool) -> None:
        data = self._png()
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._answer(True)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
        self._answer(False)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_images():
    """A local HTTP server of ``_ImageHandler`` in a thread; yields its base URL."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ImageHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def items_code(n: int, base: str | None) -> str:
    """The cell that makes ``arr``: strided images, or (with ``base``) N image URLs."""
    return ITEMS_CODE.format(n=n, side=SIDE) if base is None else URLS_CODE.format(n=n, base=base)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(package_root: str, n: int, base: str | None = None) -> None:
    """One size, one version, in this (fresh) process: print its figures as JSON."""
    sys.path.insert(0, package_root)
    import numpy as np

    import hitl_widgets as hw
    from hitl_widgets.store import AnnotationStore

    assert Path(hw.__file__).resolve().is_relative_to(Path(package_root).resolve()), hw.__file__
    import gc
    import tracemalloc

    scope: dict = {}
    exec(items_code(n, base), scope)
    hw.ClassifyWidget(["a", "b"], classes=CLASSES, store=AnnotationStore(":memory:"), queue=[0])  # imports done, not counted
    base = rss_mb()
    t0 = time.perf_counter()  # pass 1: times and RSS
    items = hw.Items(scope["arr"])
    t1 = time.perf_counter()
    after_items = rss_mb()
    w = hw.ClassifyWidget(items, classes=CLASSES, store=AnnotationStore(":memory:", annotator="bench"))
    t2 = time.perf_counter()
    after_widget = rss_mb()
    del w, items
    gc.collect()
    tracemalloc.start()  # pass 2: what is allocated and held
    items = hw.Items(scope["arr"])
    items_mb = tracemalloc.get_traced_memory()[0] / 2**20
    w = hw.ClassifyWidget(items, classes=CLASSES, store=AnnotationStore(":memory:", annotator="bench"))
    widget_mb = tracemalloc.get_traced_memory()[0] / 2**20 - items_mb
    tracemalloc.stop()
    state = w.get_state()
    queue_part = {k: state[k] for k in ("order", "order_window") if k in state}
    rng = np.random.default_rng(1)
    times = []
    for k, i in enumerate(rng.integers(0, n, 200).tolist()):
        s = time.perf_counter()
        w.record_label(int(i), CLASSES[k % 3])
        times.append((time.perf_counter() - s) * 1e3)
    print(json.dumps({
        "items_s": t1 - t0, "widget_s": t2 - t1, "items_mb": items_mb, "widget_mb": widget_mb,
        "items_rss_mb": after_items - base, "widget_rss_mb": after_widget - after_items,
        "state_bytes": len(json.dumps(state, default=str)), "queue_bytes": len(json.dumps(queue_part)),
        "label_ms": statistics.median(times), "label_p90_ms": statistics.quantiles(times, n=10)[-1],
    }))


def measure(package_root: Path, n: int, base: str | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(package_root), str(n)] + ([base] if base else []),
        capture_output=True, text=True, timeout=1800, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    if out.returncode:
        raise RuntimeError(f"child {package_root} {n} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


BEFORE = "9f25356"  # main's last commit before the windowed order


def old_tree(tmp: Path, base: str = BEFORE) -> Path:
    """The package at commit ``base``, with its own built JavaScript."""
    target = tmp / "before"
    target.mkdir()
    archive = subprocess.run(["git", "archive", base], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    (target / "node_modules").symlink_to(ROOT / "node_modules")
    subprocess.run(["node", "js/build.mjs"], cwd=target, capture_output=True, check=True)
    return target


PAINT_JS = """async ([code, ms]) => {
    const app = window.jupyterapp;
    const nb = app.shell.currentWidget.content;
    nb.activeCellIndex = nb.widgets.length - 1;
    await app.commands.execute('notebook:insert-cell-below');
    nb.activeCell.model.sharedModel.setSource(code);
    const node = nb.activeCell.node;
    const painted = new Promise((resolve, reject) => {
        node.addEventListener('hitl:painted', () => resolve(performance.now()), { capture: true, once: true });
        setTimeout(() => reject(new Error('no hitl:painted in ' + ms + ' ms')), ms);
    });
    const t0 = performance.now();
    app.commands.execute('notebook:run-cell');
    const t1 = await painted;
    return t1 - t0;
}"""


def lab_first_paint(lab, package_root: Path, n: int, displays: int, base: str | None = None) -> list[float]:
    setup = (
        f"import sys; sys.path.insert(0, {str(package_root)!r})\n"
        "import hitl_widgets as hw\n"
        f"assert hw.__file__.startswith({str(package_root)!r}), hw.__file__\n"
        + items_code(n, base)
        + "items = hw.Items(arr)\n"
    )
    lab.open(lab.new_notebook(f"queue_{package_root.name}_{n}{'_urls' if base else ''}.ipynb", [setup]), timeout=120_000)
    lab.run_all(timeout=900_000)
    lab.wait_idle(timeout=900_000)
    code = (
        f"w = hw.ClassifyWidget(items, classes={CLASSES!r}, store=hw.AnnotationStore(':memory:', annotator='bench'))\nw"
    )
    times = []
    for _ in range(displays):
        times.append(lab.page.evaluate(PAINT_JS, [code, 600_000]))
        lab.wait_idle(timeout=600_000)
    lab.server.shutdown_all_sessions()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000,000 items instead of 10,000,000; fewer displays")
    parser.add_argument("--child", nargs="+", metavar="PACKAGE_ROOT N [BASE_URL]", help=argparse.SUPPRESS)
    parser.add_argument("--no-lab", action="store_true", help="kernel figures only")
    parser.add_argument("--before", default=BEFORE, help=f"the git ref measured as 'before' (default {BEFORE}, the last commit before the windowed order)")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), *args.child[2:3])
        return
    big = 1_000_000 if args.quick else 10_000_000
    displays = 3 if args.quick else 5
    print(f"ClassifyWidget over N strided {SIDE}x{SIDE} images (ids 0..N-1, nothing on disk)" + ("  [--quick]" if args.quick else ""))
    with tempfile.TemporaryDirectory() as tmp_name, serve_images() as base:
        tmp = Path(tmp_name)
        before = old_tree(tmp, args.before)
        print(f"  before = commit {args.before}; after = this checkout")
        rows = [("before", 1_000, before), ("before", 1_000_000, before), ("after", 1_000, ROOT), ("after", 1_000_000, ROOT)]
        if big > 1_000_000:
            rows += [("before", big, before), ("after", big, ROOT)]
        print("\n  kernel (a fresh process each)     Items: time, memory (RSS)    widget: time, memory (RSS)"
              "   state JSON: all / queue part      record_label")
        figures = {}
        for name, n, root in rows:
            f = measure(root, n)
            figures[name, n] = f
            print(f"    {name:6s} N={n:>10,}  {f['items_s']:6.2f} s {f['items_mb']:6.0f} MB ({f['items_rss_mb']:.0f})"
                  f"  {f['widget_s']:6.2f} s {f['widget_mb']:6.0f} MB ({f['widget_rss_mb']:.0f})"
                  f"  {f['state_bytes']:>11,} B / {f['queue_bytes']:>11,} B   median {f['label_ms']:.2f} ms, p90 {f['label_p90_ms']:.2f} ms")
        a1, ab = figures["after", 1_000], figures["after", big]
        print(f"\n  after, N={big:,}: state {ab['state_bytes']:,} B (target <= 100,000; {ab['queue_bytes']:,} B of it the queue's window); "
              f"kernel memory added by the widget {ab['widget_mb']:.0f} MB ({ab['widget_mb'] * 2**20 / big:.1f} B an item), "
              f"by Items {ab['items_mb']:.0f} MB ({ab['items_mb'] * 2**20 / big:.1f} B an item)")
        print(f"  record_label median at N={big:,} / at N=1,000: {ab['label_ms']:.2f} / {a1['label_ms']:.2f} ms = {ab['label_ms'] / a1['label_ms']:.2f}x")
        print(f"\n  ClassifyWidget over N image URLs ({base}/img/00000000.png ..., a local HTTP server; the user's list of str "
              "made before measuring; nothing fetched until shown), this checkout")
        for n in (1_000, 1_000_000) + ((big,) if big > 1_000_000 else ()):
            f = measure(ROOT, n, base)
            figures["urls", n] = f
            print(f"    urls   N={n:>10,}  {f['items_s']:6.2f} s {f['items_mb']:6.0f} MB ({f['items_rss_mb']:.0f})"
                  f"  {f['widget_s']:6.2f} s {f['widget_mb']:6.0f} MB ({f['widget_rss_mb']:.0f})"
                  f"  {f['state_bytes']:>11,} B / {f['queue_bytes']:>11,} B   median {f['label_ms']:.2f} ms, p90 {f['label_p90_ms']:.2f} ms")
        ub = figures["urls", big]
        print(f"  urls, N={big:,}: Items adds {ub['items_mb'] * 2**20 / big:.1f} B an item (its list of the names), "
              f"the widget {ub['widget_mb'] * 2**20 / big:.1f} B an item; state {ub['state_bytes']:,} B")
        if args.no_lab:
            return
        from playwright.sync_api import sync_playwright

        from hitl_widgets.testing.jupyterlab import CHROMIUM, CHROMIUM_ARGS, Lab, lab_server

        print(f"\n  JupyterLab + headless Chromium: a cell that builds a new widget over the items and shows it -> first item painted "
              f"(median of {displays}, each value in ms)")
        with lab_server(tmp) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            lab = Lab(page, server, server.root)
            runs = [("after", big, ROOT, None), ("urls", big, ROOT, base)] + (
                [("after", 1_000_000, ROOT, None)] if big > 1_000_000 else []) + [("before", 1_000_000, before, None)]
            for name, n, root, url_base in runs:
                t = lab_first_paint(lab, root, n, displays, url_base)
                print(f"    {name:6s} N={n:>10,}: median {statistics.median(t):7.0f} ms  ({', '.join(f'{x:.0f}' for x in t)})"
                      + ("  (target <= 1000 ms)" if name != "before" else ""))
            browser.close()


if __name__ == "__main__":
    main()
