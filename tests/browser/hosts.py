"""The widgets every non-JupyterLab host is tested with (tests/browser/test_notebook7.py and
test_marimo.py), how a person drives each in the page, and what Python must then hold.

The same code builds the widgets in every host (``SETUP`` with the store's path in ``DB``, then
``WIDGETS``); a ``check(expr, expected)`` callable polls a Python expression over those names
(the kernel in Notebook 7; the store file, reopened by the same constructors, in marimo).
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from hitl_widgets.testing.marimo import write_app

IW, IH = 320, 200  # the image's size, in pixels

SETUP = """
import numpy as np, hitl_widgets as hw
yy, xx = np.mgrid[0:200, 0:320]
img = np.dstack([xx * 255 // 320, yy * 255 // 200, np.full_like(xx, 128)]).astype(np.uint8)
imgs = np.stack([img, img[::-1], img[:, ::-1]])
store = hw.AnnotationStore(DB)
y = np.repeat([0, 1, 2], 10)
p = y.copy()
p[[10, 11]] = 2  # cell (true 1, predicted 2) holds items 10 and 11
p[0] = 1
thumbs = np.random.default_rng(0).integers(0, 255, (30, 24, 24), dtype=np.uint8)
"""
# name -> constructor (and the widget's root class in the page)
WIDGETS = {
    "classify": "hw.ClassifyWidget(imgs, classes=['cat', 'dog', 'bird'], store=store, task='classify')",
    "boxes": "hw.BBoxAnnotator(imgs, ['cat', 'dog'], store=store, task='boxes', display_height=300)",
    "masks": "hw.SegmentationCanvas(imgs, ['sky', 'sea'], store=store, task='masks', display_height=300)",
    "dash": "hw.ConfusionDashboard(y, p, items=thumbs, store=store, task='cm')",
}
ROOTS = {"classify": ".hitl-classify", "boxes": ".hitl-bbox", "masks": ".hitl-segmentation", "dash": ".hitl-confusion"}

Check = Callable[[str, Any], None]


def marimo_app(path: Path, db: Path) -> Path:
    """A marimo app of the setup and the widgets (one cell), then one cell showing each."""
    built = "".join(f"{name} = {code}\n" for name, code in WIDGETS.items())
    return write_app(path, [
        f"import marimo as mo\nDB = {str(db)!r}\n{SETUP}\n{built}",
        *(f"mo.ui.anywidget({name})" for name in WIDGETS),
    ])


def poll(build: Callable[[], dict], expr: str, expected: Any, timeout: float = 20.0) -> None:
    """Until ``repr(expr) == repr(expected)``, ``expr`` evaluated over the names ``build()`` makes."""
    deadline = time.monotonic() + timeout
    while True:
        value = eval(expr, build())
        if repr(value) == repr(expected):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"store: {expr} = {value!r}, expected {expected!r}")
        time.sleep(0.2)


def store_check(db: Path) -> Check:
    """A ``check`` for a host whose kernel the test cannot reach (marimo): the widgets an expression
    names, rebuilt in this process on the store file ``db`` (HITL_ANNOTATOR as the app's)."""
    def rebuilt(expr: str) -> dict:
        ns: dict = {"DB": str(db)}
        exec(SETUP, ns)
        for name, code in WIDGETS.items():
            if re.search(rf"\b{name}\b", expr):
                ns[name] = eval(code, ns)
        return ns

    return lambda expr, expected: poll(lambda: rebuilt(expr), expr, expected)


def focus(root) -> None:
    """The widget takes the keyboard, as a Tab to it would (inside a shadow root, as in marimo, the
    document's activeElement is the root's host: ask the root's own tree)."""
    root.focus()
    assert root.evaluate("el => el.getRootNode().activeElement === el")


def to_page(canvas, x: float, y: float) -> tuple[float, float]:
    """Page position of image pixel (x, y) in a canvas showing the image fitted (letterboxed)."""
    box = canvas.bounding_box()
    scale = min(box["width"] / IW, box["height"] / IH)
    tx, ty = (box["width"] - IW * scale) / 2, (box["height"] - IH * scale) / 2
    return box["x"] + tx + x * scale, box["y"] + ty + y * scale


def drag(page, canvas, a: tuple[float, float], b: tuple[float, float], steps: int = 8) -> None:
    page.mouse.move(*to_page(canvas, *a))
    page.mouse.down()
    page.mouse.move(*to_page(canvas, *b), steps=steps)
    page.mouse.up()


def ready(page, name: str):
    """The widget's root once its first item is on screen."""
    root = page.locator(ROOTS[name]).first
    if name == "dash":
        expect(root.locator(".hitl-heat-cell")).to_have_count(9, timeout=60_000)
    else:
        part, text = {"classify": (".hitl-current", "unlabelled"), "boxes": (".hitl-counts", "open proposals"),
                      "masks": (".hitl-info", "brush")}[name]
        expect(root.locator(part)).to_contain_text(text, timeout=60_000)
    root.scroll_into_view_if_needed()
    return root


def classify_by_key(page, check: Check) -> None:
    """Key "2" labels the first item "dog" (the second class) and steps on."""
    root = ready(page, "classify")
    focus(root)
    page.keyboard.press("2")
    expect(root.locator(".hitl-position")).to_have_text("item 2 / 3")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    check("classify.labels[['item_id', 'label']].values.tolist()", [[0, "dog"]])


def box_by_drag(page, check: Check) -> None:
    """A mouse drag draws one box of the current class on item 0."""
    root = ready(page, "boxes")
    canvas = root.locator("canvas").first
    focus(root)
    page.keyboard.press("2")  # new boxes are dogs
    drag(page, canvas, (40, 60), (140, 160))
    expect(root.locator(".hitl-counts")).to_contain_text("1 box,")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    # within 2 px of the drag (the canvas maps a CSS pixel to 320 / width image pixels)
    check("[[round(v / 4) for v in r] for r in boxes.boxes[['x', 'y', 'w', 'h']].values.tolist()]", [[10, 15, 25, 25]])
    check("boxes.boxes[['item', 'class']].values.tolist()", [[0, "dog"]])


def mask_by_stroke(page, check: Check) -> None:
    """Key "2" picks class "sea"; a mouse stroke paints its value 2 along the line, nowhere far off."""
    root = ready(page, "masks")
    canvas = root.locator("canvas").first
    focus(root)
    page.keyboard.press("2")
    drag(page, canvas, (60, 60), (200, 120), steps=14)
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    check("sorted(np.unique(masks.masks[0]).tolist()) if 0 in masks.masks else None", [0, 2])
    # on the stroke (x 130 -> y 90), and well away from it
    check("[int(masks.masks[0][90, 130]), int(masks.masks[0][180, 20]), int(masks.masks[0][20, 300])]", [2, 0, 0])


def gallery_tile(root, index: int) -> dict:
    """Where the gallery (lib/gallery.ts) paints tile ``index`` in its one canvas (CSS pixels from
    the canvas's top left, as its hidden option says) and the canvas's pixel at the tile's centre."""
    return root.locator(f'.hitl-tile-option[data-index="{index}"]').evaluate("""(o) => {
      const canvas = o.closest('.hitl-gallery').querySelector('.hitl-gallery-canvas');
      const x = Number(o.dataset.x), y = Number(o.dataset.y), size = Number(o.dataset.size);
      const ratio = canvas.width / canvas.clientWidth;
      const at = [Math.round((x + size / 2) * ratio), Math.round((y + size / 2) * ratio)];
      return {x, y, size, pixel: [...canvas.getContext('2d').getImageData(at[0], at[1], 1, 1).data]};
    }""")


def click_tile(root, index: int) -> None:
    """A mouse click on the centre of the painted tile ``index`` (painted: its pixel is opaque)."""
    tile = gallery_tile(root, index)
    assert tile["pixel"][3] == 255, tile
    root.locator(".hitl-gallery-canvas").click(position={"x": tile["x"] + tile["size"] / 2, "y": tile["y"] + tile["size"] / 2})


def relabel_by_keyboard(page, check: Check) -> None:
    """Arrows to cell (true 1, predicted 2), Enter opens its gallery, "2" relabels item 10 as 2."""
    root = ready(page, "dash")
    focus(root)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    cell = root.locator('.hitl-heat-cell[data-row="1"][data-col="2"]')
    expect(cell).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")
    expect(root.locator(".hitl-tile-option")).to_have_count(2)  # the gallery's tiles, listed as text
    expect(root.locator(".hitl-gallery-canvas")).to_be_visible()  # ... and painted in its one canvas
    assert gallery_tile(root, 0)["pixel"][3] == 255
    page.keyboard.press("2")
    expect(cell).to_have_text("1")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    check("dash.relabels.set_index('item_id')['label'].to_dict()", {10: 2})
    check("dash.matrix", [[9, 1, 0], [0, 8, 1], [0, 0, 11]])
