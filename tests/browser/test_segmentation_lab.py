"""SegmentationCanvas in a real JupyterLab + kernel: a brush stroke and a polygon drawn with the
mouse, checked pixel by pixel in Python; undo by keyboard."""
from __future__ import annotations

import ast

import numpy as np
import pytest
from playwright.sync_api import expect

from hitl_widgets.metrics.geometry import polygon_to_mask

pytestmark = [pytest.mark.browser, pytest.mark.lab]

IW, IH = 640, 400
CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "yy, xx = np.mgrid[0:400, 0:640]\n"
    "img = np.dstack([xx * 255 // 640, yy * 255 // 400, np.full_like(xx, 128)]).astype(np.uint8)\n"
    "store = hw.AnnotationStore('masks.db')\n"
    "w = hw.SegmentationCanvas(np.stack([img, img[::-1]]), ['sky', 'sea'], store=store, task='masks', display_height=400)",
    "w",
]


def start(lab):
    lab.open(lab.new_notebook("masks.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-segmentation")
    expect(root.locator(".hitl-info")).to_contain_text("brush", timeout=60_000)
    lab.wait_idle()
    canvas = root.locator("canvas")
    expect(canvas).to_be_visible()
    return root, canvas


def focus(root) -> None:
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def to_page(canvas, x: float, y: float) -> tuple[float, float]:
    """Page position of image pixel coordinate (x, y) at the fitted view."""
    box = canvas.bounding_box()
    scale = min(box["width"] / IW, box["height"] / IH)
    tx, ty = (box["width"] - IW * scale) / 2, (box["height"] - IH * scale) / 2
    return box["x"] + tx + x * scale, box["y"] + ty + y * scale


def mask_of(lab, item: int = 0) -> np.ndarray:
    text = lab.python(f"np.flatnonzero(w.masks[{item}].ravel()).tolist() if {item} in w.masks else []")
    flat = np.zeros(IW * IH, np.uint8)
    flat[ast.literal_eval(text)] = 1
    return flat.reshape(IH, IW)


def test_brush_stroke_pixels_in_python_then_undo(lab):
    root, canvas = start(lab)
    page = lab.page
    focus(root)
    page.keyboard.press("2")  # class "sea" (label value 2)
    a, b = to_page(canvas, 100, 100), to_page(canvas, 300, 200)
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=12)
    page.mouse.up()
    lab.wait_for_python("sorted(np.unique(w.masks[0]).tolist()) if 0 in w.masks else None", [0, 2])
    m = mask_of(lab) > 0
    # every pixel whose centre lies within 6 px of the stroke is painted; none beyond 9 px (radius 8)
    yy, xx = np.mgrid[0:IH, 0:IW] + 0.5
    px, py = xx - 100, yy - 100
    t = np.clip((px * 200 + py * 100) / (200**2 + 100**2), 0, 1)
    dist = np.hypot(px - t * 200, py - t * 100)
    assert m[dist <= 6].all()
    assert not m[dist > 9].any()
    # the stroke travelled as a binary delta: the stored event came from one paint intent
    ev = ast.literal_eval(lab.python("[(e.kind, e.payload['op']) for e in store.events('masks').itertuples()]"))
    assert ev == [("masks", "paint")]
    focus(root)
    page.keyboard.press("Control+z")
    lab.wait_for_python("0 in w.masks", False)
    message = root.locator(".hitl-status-message")
    expect(message).to_have_text("undone on item 1: a brush stroke")  # the undo says what it undid
    expect(root.locator(".hitl-opacity-value")).to_have_text(f"{round(float(lab.python('w.opacity')) * 100)}%")
    lab.screenshot_element(root, "segmentation-brush.png")
    focus(root)  # running Python in the kernel moved the focus to the notebook
    page.keyboard.press("PageDown")  # the message belongs to the first image
    expect(root.locator(".hitl-position")).to_have_text("item 2 / 2")
    expect(message).to_have_text("")


def test_polygon_by_clicks_matches_polygon_to_mask(lab):
    root, canvas = start(lab)
    page = lab.page
    focus(root)
    page.keyboard.press("p")
    vertices = [(50, 40), (400, 60), (350, 300), (120, 250)]
    for x, y in vertices:
        page.mouse.click(*to_page(canvas, x, y))
    expect(root.locator(".hitl-info")).to_contain_text("4 vertices")
    page.keyboard.press("Enter")
    lab.wait_for_python("len(store.events('masks'))", 1)
    assert ast.literal_eval(lab.python("store.events('masks')['payload'].iloc[0]['op']")) == "polygon"
    m = mask_of(lab) > 0
    expected = polygon_to_mask([v for xy in vertices for v in xy], IH, IW)
    # the clicks land within a pixel of the vertices: the masks differ only along the edges
    assert abs(int(m.sum()) - int(expected.sum())) < 0.01 * expected.sum()
    assert (m ^ expected).sum() < 0.02 * expected.sum()
    assert m[150, 200] and not m[10, 10]
    # the hole fill key: nothing to fill in a convex polygon, refused visibly, nothing stored
    focus(root)
    page.keyboard.press("h")
    expect(root.locator(".hitl-status-message")).to_contain_text("no holes to fill")
    assert ast.literal_eval(lab.python("len(store.events('masks'))")) == 1
