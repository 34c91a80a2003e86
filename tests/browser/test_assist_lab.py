"""SegmentationCanvas's assisted segmentation in a real JupyterLab + kernel: click-to-segment with
the mouse (a click on a shape, the kernel's region previewed, Enter paints it) checked against the
shape's exact mask in Python, undone with Ctrl+Z; a negative click; the superpixel brush painting
whole SLIC superpixels."""
from __future__ import annotations

import ast
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SIZE = 400
CELLS = [  # {assist}: the assist arguments
    "import numpy as np, hitl_widgets as hw\n"
    "from hitl_widgets.demo.scenes import Scene, Shape, render, object_masks\n"
    "scene = Scene((Shape('circle', 'red', 120, 140, 60), Shape('square', 'blue', 290, 270, 60)), 400)\n"
    "gt = object_masks(scene)\n"
    "store = hw.AnnotationStore('assist.db')\n"
    "w = hw.SegmentationCanvas(render(scene)[None], ['shape'], store=store, task='masks', display_height=400,"
    " {assist})\n"
    "iou = lambda a, b: float((a & b).sum() / (a | b).sum())",
    "w",
]


def start(lab, assist: str = "assist='watershed'"):
    lab.open(lab.new_notebook("assist.ipynb", [c.replace("{assist}", assist) for c in CELLS]))
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
    """Page position of image pixel (x, y) at the fitted view."""
    box = canvas.bounding_box()
    scale = min(box["width"] / SIZE, box["height"] / SIZE)
    tx, ty = (box["width"] - SIZE * scale) / 2, (box["height"] - SIZE * scale) / 2
    return box["x"] + tx + x * scale, box["y"] + ty + y * scale


def test_click_to_segment_with_the_mouse_enter_then_undo(lab):
    root, canvas = start(lab)
    page = lab.page
    info = root.locator(".hitl-info")
    focus(root)
    page.keyboard.press("a")
    expect(info).to_contain_text("click the object")
    page.mouse.click(*to_page(canvas, 120, 140))  # the circle's centre
    expect(info).to_contain_text("1 click (+1 −0), region")
    expect(info).to_contain_text("Enter paints it")
    assert lab.python("len(store.events('masks'))") == "0"  # a preview: nothing stored
    focus(root)
    page.keyboard.press("Enter")
    lab.wait_for_python("len(store.events('masks'))", 1)
    assert ast.literal_eval(lab.python("store.events('masks')['payload'].iloc[0]['op']")) == "assist"
    assert float(lab.python("iou(w.masks[0] == 1, gt[0])")) >= 0.9
    assert lab.python("bool((w.masks[0][gt[1]] == 0).all())") == "True"  # the square untouched
    focus(root)
    page.keyboard.press("Control+z")
    lab.wait_for_python("0 in w.masks", False)
    expect(root.locator(".hitl-status-message")).to_have_text("undone on item 1: a click-to-segment region")


def test_negative_click_and_escape(lab):
    root, canvas = start(lab, "assist='flood', tolerance=400")  # a flood that takes everything
    page = lab.page
    info = root.locator(".hitl-info")
    focus(root)
    page.keyboard.press("a")
    page.mouse.click(*to_page(canvas, 120, 140))
    expect(info).to_contain_text(f"1 click (+1 −0), region {SIZE * SIZE} px")  # all of the image
    page.keyboard.down("Shift")
    page.mouse.click(*to_page(canvas, 20, 20))  # the background: not this
    page.keyboard.up("Shift")
    page.mouse.click(*to_page(canvas, 290, 270), button="right")  # the square: not this either
    expect(info).to_contain_text("3 clicks (+1 −2), region 11")  # the circle: about pi * 60^2 px
    focus(root)
    page.keyboard.press("Enter")
    lab.wait_for_python("len(store.events('masks'))", 1)
    assert lab.python("iou(w.masks[0] == 1, gt[0])") == "1.0"
    # Esc drops clicks made since; an idle Esc leaves the widget for the notebook
    focus(root)
    page.mouse.click(*to_page(canvas, 20, 20))
    expect(info).to_contain_text("1 click (+1 −0)")
    page.keyboard.press("Escape")
    expect(info).to_contain_text("click the object")
    assert root.evaluate("el => document.activeElement === el")
    page.keyboard.press("Escape")
    assert not root.evaluate("el => el.contains(document.activeElement)")
    assert lab.python("len(store.events('masks'))") == "1"


def test_superpixel_brush_paints_whole_superpixels(lab):
    root, canvas = start(lab)
    page = lab.page
    info = root.locator(".hitl-info")
    focus(root)
    page.keyboard.press("s")
    expect(info).to_contain_text("superpixel brush: shape")
    expect(info).to_contain_text(re.compile(r"\d+ superpixels"), timeout=30_000)
    page.mouse.click(*to_page(canvas, 120, 140))  # one dab of the brush (radius 8)
    lab.wait_for_python("len(store.events('masks'))", 1)
    assert ast.literal_eval(lab.python("store.events('masks')['payload'].iloc[0]['op']")) == "superpixel"
    painted, sp = "(w.masks[0] == 1)", "w.superpixel_labels(0)"  # lab.python evaluates one expression
    # exactly the union of the superpixels the dab touched, more than the dab's own disc
    assert lab.python(f"bool(({painted} == np.isin({sp}, np.unique({sp}[{painted}]))).all())") == "True"
    assert int(lab.python(f"int({painted}.sum())")) > 3.15 * 8 * 8
    assert lab.python(f"bool({painted}[140, 120]) and not {painted}[gt[1]].any()") == "True"
