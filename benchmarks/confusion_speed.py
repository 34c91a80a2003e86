"""ConfusionDashboard speed: (1) 1,000,000 predictions -> confusion matrix, ours
(``hitl_widgets.metrics.confusion.confusion_matrix``, one np.bincount) vs
``sklearn.metrics.confusion_matrix`` in the same run; (2) in a real JupyterLab + headless Chromium,
click on a confusion cell -> its gallery of thumbnails painted (the view's ``hitl:painted`` event
once every tile in view has its image, then the end of the next frame: ``AFTER_FRAME_JS``), each click
on a different cell so the thumbnails come from the kernel. Also the rendering step of that frame:
from its requestAnimationFrame callback to the first task after it (style, layout, paint and the
commit to the compositor, on the main thread), and with ``--trace`` the main thread's
UpdateLayoutTree / Layout / PrePaint / Paint / Layerize / Commit durations in that frame from a
Chromium trace of a few more clicks.

``--before REF``: the same clicks, in the same run, with the front end built from git ``REF``
(``git archive REF js package.json``, built with this checkout's node_modules into a temp dir and
loaded as the dashboard's ``_esm`` / ``_css``); the kernel side is this checkout's. Each variant runs
in its own notebook and kernel, in the order given (``--rounds`` repeats the pair). Prints medians;
asserts nothing.

Run: .venv/bin/python benchmarks/confusion_speed.py [--n 1000000] [--clicks 12] [--no-browser]
         [--before REF] [--rounds 1] [--trace]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _timing import median_seconds  # noqa: E402  (beside this script: python benchmarks/<name>.py)

from hitl_widgets.metrics.confusion import confusion_matrix  # noqa: E402
from hitl_widgets.testing.jupyterlab import AFTER_FRAME_JS  # noqa: E402


def timed(fn, repeats: int = 7) -> float:
    return median_seconds(fn, repeats)


def matrix_speed(n: int) -> None:
    from sklearn.metrics import confusion_matrix as sk_confusion

    rng = np.random.default_rng(0)
    for name, t, p in [
        ("int labels, 10 classes", rng.integers(0, 10, n), rng.integers(0, 10, n)),
        ("str labels, 10 classes", *(np.array([f"class{k}" for k in range(10)])[rng.integers(0, 10, (2, n))])),
    ]:
        assert np.array_equal(confusion_matrix(t, p), sk_confusion(t, p))
        ours = timed(lambda t=t, p=p: confusion_matrix(t, p))
        theirs = timed(lambda t=t, p=p: sk_confusion(t, p))
        print(f"{n:,} predictions -> matrix ({name}): ours {ours * 1e3:.1f} ms, "
              f"sklearn {theirs * 1e3:.1f} ms, sklearn/ours {theirs / ours:.1f}x")


SETUP = """
import numpy as np, hitl_widgets as hw
rng = np.random.default_rng(0)
n = 5000
y = rng.integers(0, 10, n)
proba = rng.dirichlet(np.ones(10) * 0.3, n)
proba[np.arange(n), y] += 1.0
proba /= proba.sum(axis=1, keepdims=True)
yy, xx = np.mgrid[0:64, 0:64] / 63.0
images = np.clip(rng.normal(0.5, 0.2, (n, 64, 64)) * 0.3 + (xx * yy)[None], 0, 1).astype(np.float32)
dash = hw.ConfusionDashboard(y, proba, items=images, store=hw.AnnotationStore("bench-{variant}.db"))
dash
"""

# the front end of another commit: the dashboard class loads that bundle (set before it is built)
USE_BUNDLE = """
from pathlib import Path
import hitl_widgets as hw
hw.ConfusionDashboard._esm = Path({js!r}).read_text()
hw.ConfusionDashboard._css = Path({css!r}).read_text()
"""

PROBE = """(root) => {
""" + AFTER_FRAME_JS + """
  window.__bench = { clicks: [] };
  root.addEventListener("click", (e) => {
    if (e.target.closest(".hitl-heat-cell")) window.__bench.clicks.push({ t: performance.now(), paint: null, count: 0 });
  }, true);
  root.addEventListener("hitl:painted", (e) => {
    const c = window.__bench.clicks.at(-1);
    if (!c || c.paint !== null || c.pending || !e.detail || !e.detail.gallery) return;
    c.pending = true;
    c.count = e.detail.count;
    const k = window.__bench.clicks.length;
    c.js = performance.now();
    performance.mark(`hitl-bench-painted-${k}`);
    requestAnimationFrame(() => {
      c.raf = performance.now();
      const done = () => {
        c.paint = performance.now();
        performance.mark(`hitl-bench-frame-${k}`);
      };
      if (window.scheduler && scheduler.postTask) scheduler.postTask(done, { priority: "user-blocking" });
      else setTimeout(done, 0);
    });
  });
}"""

STEPS = ("UpdateLayoutTree", "Layout", "PrePaint", "Paint", "Layerize", "Commit")


def build_bundle(ref: str, tmp: Path) -> Path:
    """The front end at git ``ref``, built into ``tmp`` with this checkout's node_modules."""
    import subprocess

    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "js", "package.json"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    (tmp / "node_modules").symlink_to(ROOT / "node_modules")
    subprocess.run(["node", "js/build.mjs"], cwd=tmp, check=True, capture_output=True)
    return tmp / "hitl_widgets" / "static"


def trace_steps(trace: bytes, clicks: list[int]) -> dict[str, list[float]]:
    """Per traced click: the renderer main thread's rendering steps (ms) between the marks the probe
    set at the gallery's paint and after its frame."""
    import json

    events = json.loads(trace)
    events = events["traceEvents"] if isinstance(events, dict) else events
    marks = {e["name"]: (e["ts"], e["pid"], e["tid"]) for e in events if e.get("name", "").startswith("hitl-bench-")}
    out: dict[str, list[float]] = {name: [] for name in (*STEPS, "all")}
    for k in clicks:
        if f"hitl-bench-painted-{k}" not in marks or f"hitl-bench-frame-{k}" not in marks:
            continue
        a, pid, _ = marks[f"hitl-bench-painted-{k}"]
        b = marks[f"hitl-bench-frame-{k}"][0]
        sums = dict.fromkeys(STEPS, 0.0)
        for e in events:
            if e.get("ph") == "X" and e.get("name") in sums and e.get("pid") == pid and a <= e["ts"] <= b:
                sums[e["name"]] += e.get("dur", 0) / 1000
        for name, v in sums.items():
            out[name].append(v)
        out["all"].append(sum(sums.values()))
    return out


def run_variant(page, lab, variant: str, bundle: Path | None, cells_wanted: int, trace_clicks: int, browser):
    from playwright.sync_api import expect

    prelude = [USE_BUNDLE.format(js=str(bundle / "confusion.js"), css=str(bundle / "confusion.css"))] if bundle else []
    lab.server.shutdown_all_sessions()  # the other variant's kernel stops (and its CPU with it)
    lab.open(lab.new_notebook(f"bench-{variant}.ipynb", [*prelude, SETUP.format(variant=variant)]))
    lab.run_all()
    root = page.locator(".hitl-confusion")
    root.locator(".hitl-heat-cell").first.wait_for(state="visible", timeout=90_000)
    lab.wait_idle()
    matrix = eval(lab.python("dash.matrix"))  # noqa: S307 - our own kernel's repr of a list
    root.evaluate(PROBE)
    cells = [(r, r) for r in range(10)] + [(r, (r + 1) % 10) for r in range(10)] + [(r, (r + 2) % 10) for r in range(10)]
    cells = [rc for rc in cells if matrix[rc[0]][rc[1]] > 0]
    sizes = []

    def click(k: int, rc: tuple[int, int]) -> None:
        root.locator(f'.hitl-heat-cell[data-row="{rc[0]}"][data-col="{rc[1]}"]').click()
        page.wait_for_function("(n) => window.__bench.clicks.length >= n && window.__bench.clicks[n - 1].paint !== null",
                               arg=k + 1, timeout=30_000)
        sizes.append(matrix[rc[0]][rc[1]])

    timed = cells[:cells_wanted]
    for k, rc in enumerate(timed):
        click(k, rc)
    steps = None
    if trace_clicks:  # the same cells again, opened afresh (the kernel pushes the thumbnails again)
        traced = [cells[k % len(cells)] for k in range(len(timed), len(timed) + trace_clicks)]
        browser.start_tracing(page=page, categories=["devtools.timeline", "blink.user_timing", "disabled-by-default-devtools.timeline"])
        for k, rc in enumerate(traced, start=len(timed)):
            click(k, rc)
        steps = trace_steps(browser.stop_tracing(), [k + 1 for k in range(len(timed), len(timed) + len(traced))])
    expect(root.locator(".hitl-gallery")).to_be_visible()
    bench = page.evaluate("() => window.__bench")
    return bench["clicks"][:len(timed)], sizes[:len(timed)], steps


def gallery_speed(clicks: int, before: str | None = None, rounds: int = 1, trace: bool = False) -> None:
    from playwright.sync_api import sync_playwright

    from hitl_widgets.testing.jupyterlab import CHROMIUM, CHROMIUM_ARGS, Lab, lab_server

    with tempfile.TemporaryDirectory() as tmp, lab_server(Path(tmp)) as server, sync_playwright() as pw:
        variants: list[tuple[str, Path | None]] = []
        if before:
            build = Path(tmp) / "before"
            build.mkdir()
            variants.append((f"before ({before})", build_bundle(before, build)))
        variants.append(("this checkout" if before else "", None))
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        lab = Lab(page, server, server.root)
        results: dict[str, dict[str, list]] = {name: {"clicks": [], "sizes": [], "steps": []} for name, _ in variants}
        for _ in range(rounds):
            for k, (name, bundle) in enumerate(variants):
                got, sizes, steps = run_variant(page, lab, f"v{k}", bundle, clicks, 6 if trace else 0, browser)
                results[name]["clicks"] += got
                results[name]["sizes"] += sizes
                if steps:
                    results[name]["steps"].append(steps)
        browser.close()
    for name, _ in variants:
        got, sizes = results[name]["clicks"], results[name]["sizes"]
        ms = [c["paint"] - c["t"] for c in got]
        frame = [c["paint"] - c["raf"] for c in got]
        tiles = [c["count"] for c in got]
        print(f"cell click -> gallery painted{f' [{name}]' if name else ''} (5,000 items of 64x64, JupyterLab + headless Chromium, "
              f"{len(ms)} cells of {min(sizes)}-{max(sizes)} items, {min(tiles)}-{max(tiles)} tiles in view): "
              f"median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms (target <= 100 ms)")
        js = [c["js"] - c["t"] for c in got]
        print(f"  of which click -> the view's paint event (kernel round trip, decoding, drawing): median {statistics.median(js):.1f} ms")
        print(f"  rendering step of that frame (requestAnimationFrame -> next task): median {statistics.median(frame):.1f} ms, "
              f"max {max(frame):.1f} ms")
        if results[name]["steps"]:
            merged: dict[str, list[float]] = {}
            for steps in results[name]["steps"]:
                for step, values in steps.items():
                    merged.setdefault(step, []).extend(values)
            n = len(merged["all"])
            if not n:
                print("  traced: no marks found in the trace")
                continue
            parts = ", ".join(f"{step} {statistics.median(merged[step]):.1f}" for step in STEPS)
            print(f"  traced, {n} more clicks, main thread in that frame, median ms: {parts}; "
                  f"all {statistics.median(merged['all']):.1f} (max {max(merged['all']):.1f})")
    print("  (no peer widget measured: scikit-learn's ConfusionMatrixDisplay is a static image with no drill-down)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--clicks", type=int, default=12)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--before", help="git ref whose front end is measured too, first, in the same run")
    parser.add_argument("--rounds", type=int, default=1, help="times the variants run, in turn (each in a new kernel)")
    parser.add_argument("--trace", action="store_true", help="also a Chromium trace of 6 more clicks per variant: the frame's steps")
    args = parser.parse_args()
    if args.n:
        matrix_speed(args.n)
    if not args.no_browser:
        gallery_speed(args.clicks, args.before, args.rounds, args.trace)


if __name__ == "__main__":
    main()
