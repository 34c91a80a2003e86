"""PointCloudAnnotator in a real JupyterLab (headless Chromium, software WebGL): the points are
drawn; a lasso drawn by mouse labels exactly the points whose projection falls inside the lasso
polygon — recomputed here from the view-projection matrix the view reports — no more, no fewer;
overwrite protection holds; undo restores."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "from hitl_widgets.demo.lidar import CLASSES, synthetic_scan\n"
    "scan = synthetic_scan(beams=32, azimuth_steps=256, seed=0)\n"
    "w = hw.PointCloudAnnotator(scan.points, list(CLASSES), store=hw.AnnotationStore('pc.db'))\n"
    "np.save('view_positions.npy', w.view_positions())\n"
    "w",
]

COUNT_DRAWN = """el => {
  const c = document.createElement('canvas');
  c.width = el.width; c.height = el.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(el, 0, 0);
  const d = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] !== 17 || d[i + 1] !== 17 || d[i + 2] !== 17) n++;
  return n;
}"""

# pixels of the selection's colour (yellow) on the point canvas
COUNT_YELLOW = COUNT_DRAWN.replace("d[i] !== 17 || d[i + 1] !== 17 || d[i + 2] !== 17", "d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 0")


def inside(px: np.ndarray, py: np.ndarray, poly: list[float]) -> np.ndarray:
    """Even-odd point in polygon, the same arithmetic as js/src/lib/selection.ts."""
    out = np.zeros(len(px), bool)
    n = len(poly) // 2
    j = n - 1
    for i in range(n):
        xi, yi, xj, yj = poly[2 * i], poly[2 * i + 1], poly[2 * j], poly[2 * j + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            crosses = ((yi > py) != (yj > py)) & (px < (xj - xi) * (py - yi) / (yj - yi) + xi)
        out ^= crosses
        j = i
    return out


def expected_selection(xyz: np.ndarray, m: list[float], size: list[float], poly: list[float]) -> set[int]:
    """The points whose projection with the reported matrix falls inside ``poly`` (CSS px)."""
    x, y, z = (xyz[:, a].astype(np.float64) for a in range(3))
    cw = m[3] * x + m[7] * y + m[11] * z + m[15]
    cz = m[2] * x + m[6] * y + m[10] * z + m[14]
    cx = m[0] * x + m[4] * y + m[8] * z + m[12]
    cy = m[1] * x + m[5] * y + m[9] * z + m[13]
    drawn = (cw > 0) & (cz >= -cw) & (cz <= cw)
    with np.errstate(divide="ignore", invalid="ignore"):
        sx = (cx / cw * 0.5 + 0.5) * size[0]
        sy = (0.5 - cy / cw * 0.5) * size[1]
    xs, ys = poly[0::2], poly[1::2]
    box = (sx >= min(xs)) & (sx <= max(xs)) & (sy >= min(ys)) & (sy <= max(ys))
    return set(np.flatnonzero(drawn & box & inside(sx, sy, poly)).tolist())


def lasso(lab, stage, offsets: list[tuple[int, int]]) -> list[float]:
    """Draw a lasso through points given as offsets from the stage's centre (whole page pixels:
    the page may have scrolled since the last one); returns its polygon in the stage's CSS px."""
    stage.scroll_into_view_if_needed()
    box = stage.bounding_box()
    cx, cy = int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2)
    vertices = [(cx + dx, cy + dy) for dx, dy in offsets]
    mouse = lab.page.mouse
    mouse.move(*vertices[0])
    mouse.down()
    for v in vertices[1:]:
        mouse.move(*v, steps=1)
    mouse.up()
    return [c for vx, vy in vertices for c in (vx - box["x"], vy - box["y"])]


def labels(lab) -> np.ndarray:
    lab.python("np.save('labels.npy', w.labels)")
    return np.load(lab.workdir / "labels.npy")


def test_lasso_labels_exactly_the_points_inside_then_protection_and_undo(lab):
    lab.open(lab.new_notebook("pointcloud.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-pointcloud")
    expect(root).to_have_attribute("data-frame-loaded", "0", timeout=60_000)
    lab.wait_idle()
    canvas = root.locator(".hitl-pc-canvas")
    expect(canvas).to_have_attribute("data-drawn", re.compile(r"\d+"))
    assert "cannot draw" not in root.locator(".hitl-status").inner_text()
    assert canvas.evaluate(COUNT_DRAWN) > 500  # WebGL2 (software) drew the points
    xyz = np.load(lab.workdir / "view_positions.npy")
    n = len(xyz)

    stage = root.locator(".hitl-pc-stage")
    root.focus()
    lab.page.keyboard.press("l")  # lasso tool
    poly = lasso(lab, stage, [(-60, -25), (15, -35), (50, 10), (-10, 45), (-50, 15)])
    assert json.loads(root.get_attribute("data-last-polygon")) == poly
    m = json.loads(canvas.get_attribute("data-view-projection"))
    size = json.loads(canvas.get_attribute("data-view-size"))
    want = expected_selection(xyz, m, size, poly)
    assert 0 < len(want) < 0.9 * n  # most returns are the rings near the sensor
    expect(root).to_have_attribute("data-selected", str(len(want)))
    # the selection's colours are drawn off screen, then shown on the canvas once drawn
    lab.page.wait_for_function(f"() => ({COUNT_YELLOW})(document.querySelector('.hitl-pc-canvas')) > 200", timeout=20_000)
    lab.page.keyboard.press("2")  # paint: car
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    # painted and deselected: no yellow left once the new colours are shown
    lab.page.wait_for_function(f"() => ({COUNT_YELLOW})(document.querySelector('.hitl-pc-canvas')) === 0", timeout=20_000)
    lab.wait_for_python("int((w.labels >= 0).sum())", len(want))
    first = labels(lab)
    assert set(np.flatnonzero(first == 1).tolist()) == want and (first[first != 1] == -1).all()

    # overwrite protection: a second, overlapping lasso with "only unlabelled" paints only new points
    root.focus()  # lab.python ran a cell: the focus went to the notebook
    lab.page.keyboard.press("u")
    assert root.locator(".hitl-pc-toggle input").first.is_checked()
    poly2 = lasso(lab, stage, [(-70, -50), (130, -40), (120, 60), (-60, 50)])
    m2 = json.loads(canvas.get_attribute("data-view-projection"))
    want2 = expected_selection(xyz, m2, size, poly2)
    assert want2 & want and want2 - want  # it overlaps the first and reaches new points
    lab.page.keyboard.press("3")  # pedestrian
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    lab.wait_for_python("int((w.labels >= 0).sum())", len(want | want2))
    second = labels(lab)
    assert set(np.flatnonzero(second == 1).tolist()) == want  # the car points kept their class
    assert set(np.flatnonzero(second == 2).tolist()) == want2 - want

    root.focus()
    lab.page.keyboard.press("Control+z")  # undo restores the first paint exactly
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    lab.wait_for_python("int((w.labels >= 0).sum())", len(want))
    assert np.array_equal(labels(lab), first)
    expect(root.locator(".hitl-progress")).to_have_text(f"labelled {len(want)} of {n} points")
    lab.screenshot_element(root, "pointcloud_lasso.png")


PROPOSAL_CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "from hitl_widgets.demo.lidar import CLASSES, synthetic_scan\n"
    "from hitl_widgets.pointcloud import propose\n"
    "scan = synthetic_scan(beams=32, azimuth_steps=256, seed=1)\n"
    "prop = propose(scan.points)\n"
    "w = hw.PointCloudAnnotator(scan.points, list(CLASSES), store=hw.AnnotationStore('pc.db'), proposals=prop)\n"
    "np.save('view_positions.npy', w.view_positions())\n"
    "w",
]


def drag(lab, stage, a: tuple[int, int], b: tuple[int, int], steps: int = 1) -> tuple[float, float, float, float]:
    """Drag from offset a to offset b of the stage's centre; returns (ax, ay, bx, by) in stage px."""
    stage.scroll_into_view_if_needed()
    box = stage.bounding_box()
    cx, cy = int(box["x"] + box["width"] / 2), int(box["y"] + box["height"] / 2)
    mouse = lab.page.mouse
    mouse.move(cx + a[0], cy + a[1])
    mouse.down()
    mouse.move(cx + b[0], cy + b[1], steps=steps)
    mouse.up()
    return (cx + a[0] - box["x"], cy + a[1] - box["y"], cx + b[0] - box["x"], cy + b[1] - box["y"])


def test_box_brush_proposals_help_and_a_kernel_restart(lab):
    lab.open(lab.new_notebook("proposals.ipynb", PROPOSAL_CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-pointcloud")
    expect(root).to_have_attribute("data-frame-loaded", "0", timeout=60_000)
    lab.wait_idle()
    canvas, stage = root.locator(".hitl-pc-canvas"), root.locator(".hitl-pc-stage")
    xyz = np.load(lab.workdir / "view_positions.npy")

    root.focus()
    lab.page.keyboard.press("?")
    expect(root.locator(".hitl-help")).to_contain_text("lasso tool")
    lab.page.keyboard.press("?")
    lab.page.keyboard.press("a")  # accept every proposal
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    lab.wait_for_python("bool((w.labels == prop.classes).all())", True)
    accepted = labels(lab)

    root.focus()
    lab.page.keyboard.press("b")  # box select, then paint "wall" (5)
    ax, ay, bx, by = drag(lab, stage, (-40, -30), (30, 25))
    m = json.loads(canvas.get_attribute("data-view-projection"))
    size = json.loads(canvas.get_attribute("data-view-size"))
    want = expected_selection(xyz, m, size, [ax, ay, bx, ay, bx, by, ax, by])
    expect(root).to_have_attribute("data-selected", str(len(want)))
    lab.page.keyboard.press("5")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    got = labels(lab)
    boxed = np.zeros(len(got), bool)
    boxed[list(want)] = True
    assert np.array_equal(got, np.where(boxed, 4, accepted))  # exactly the boxed points changed

    root.focus()
    lab.page.keyboard.press("r")  # brush: a stroke selects points near the path
    drag(lab, stage, (60, 0), (120, 0), steps=6)
    assert int(root.get_attribute("data-selected")) > 0
    lab.page.keyboard.press("Escape")  # clears the selection (not idle: the widget keeps the key)
    expect(root).to_have_attribute("data-selected", "0")

    lab.restart_kernel()
    lab.run_all()
    root = lab.page.locator(".hitl-pointcloud")
    expect(root).to_have_attribute("data-frame-loaded", "0", timeout=60_000)
    lab.wait_idle()
    assert np.array_equal(labels(lab), got)  # replayed from the store
    expect(root.locator(".hitl-progress")).to_have_text(f"labelled {int((got >= 0).sum())} of {len(got)} points")
