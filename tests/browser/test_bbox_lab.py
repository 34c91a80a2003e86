"""BBoxAnnotator in a real JupyterLab + kernel, driven by mouse and keyboard in headless Chromium.

Each test writes a small notebook (a 640x400 gradient image, three proposals on item 0, a SQLite
store in the test's folder), runs it, drives the canvas, and asserts on the Python side
(w.boxes, the store's events). Expected image coordinates are computed here from the drag's
screen positions and the zoom/pan steps taken, independently of the widget's own transform.
"""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

IW, IH = 640, 400
CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "yy, xx = np.mgrid[0:400, 0:640]\n"
    "img = np.dstack([xx * 255 // 640, yy * 255 // 400, np.full_like(xx, 128)]).astype(np.uint8)\n"
    "imgs = np.stack([img, img[::-1], img[:, ::-1]])\n"
    "store = hw.AnnotationStore('boxes.db')\n"
    "props = {0: [(100, 80, 120, 90, 'dog', 0.92), (300, 200, 80, 60, 'cat', 0.55), (500, 50, 60, 60, 'cat', 0.3)]}\n"
    "w = hw.BBoxAnnotator(imgs, ['cat', 'dog'], store=store, task='boxes', proposals=props, display_height=400)",
    "w",
]


def start(lab):
    lab.open(lab.new_notebook("boxes.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-bbox")
    expect(root.locator(".hitl-counts")).to_contain_text("3 open proposals", timeout=60_000)
    lab.wait_idle()
    canvas = root.locator("canvas")
    expect(canvas).to_be_visible()
    root.scroll_into_view_if_needed()
    return root, canvas


def focus(root) -> None:
    """Give the widget the keyboard focus (running a cell moves it to the notebook)."""
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def kernel_value(lab, expr: str):
    return ast.literal_eval(lab.python(expr))


def proposal_ids(lab) -> list[str]:
    """The ids of item 0's three proposals, best first (dog 0.92, cat 0.55, cat 0.3), from the kernel:
    a default id is a hash of the proposal's class and box, not its position."""
    rows = kernel_value(lab, "w.proposals[['item', 'score', 'proposal_id']].values.tolist()")
    assert [(item, score) for item, score, _ in rows] == [(0, 0.92), (0, 0.55), (0, 0.3)], rows
    return [pid for _, _, pid in rows]


class Transform:
    """The expected image <-> page mapping, from the canvas box and the zoom/pan steps taken."""

    def __init__(self, canvas):
        self.canvas = canvas
        box = canvas.bounding_box()
        self.vw, self.vh = box["width"], box["height"]
        self.scale = min(self.vw / IW, self.vh / IH)
        self.tx = (self.vw - IW * self.scale) / 2
        self.ty = (self.vh - IH * self.scale) / 2

    @property
    def left(self) -> float:  # read each time: focusing the widget may scroll the page
        return self.canvas.bounding_box()["x"]

    @property
    def top(self) -> float:
        return self.canvas.bounding_box()["y"]

    def page(self, x: float, y: float) -> tuple[float, float]:
        return self.left + self.tx + x * self.scale, self.top + self.ty + y * self.scale

    def image(self, px: float, py: float) -> tuple[float, float]:
        return (px - self.left - self.tx) / self.scale, (py - self.top - self.ty) / self.scale

    def zoom(self, factor: float, px: float, py: float) -> None:
        sx, sy = px - self.left, py - self.top
        self.tx = sx - (sx - self.tx) * factor
        self.ty = sy - (sy - self.ty) * factor
        self.scale *= factor

    def pan(self, dx: float, dy: float) -> None:
        self.tx += dx
        self.ty += dy


def drag(page, a, b, steps=6):
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=steps)
    page.mouse.up()


def boxes(lab):
    return kernel_value(lab, "w.boxes[['item', 'x', 'y', 'w', 'h', 'class', 'source']].values.tolist()")


def close(a, b, tol=1.0):
    return all(abs(p - q) <= tol for p, q in zip(a, b))


def test_draw_box_with_mouse_at_fit_and_zoomed_panned(lab):
    root, canvas = start(lab)
    page = lab.page
    t = Transform(canvas)
    a, b = t.page(40, 300), t.page(90, 380)  # clear of the proposals
    drag(page, a, b)
    lab.wait_for_python("len(w.boxes)", 1)
    (row,) = boxes(lab)
    assert row[0] == 0 and row[5] == "cat" and row[6] == "human"
    assert close(row[1:5], [40, 300, 50, 80]), row  # within 1 image px of the drag

    # zoom with the wheel around a point, pan with space-drag, then draw again
    focus(root)
    anchor = t.page(200, 150)
    page.mouse.move(*anchor)
    page.mouse.wheel(0, -300)  # three notches in: 1.2 ** 3
    t.zoom(1.2**3, *anchor)
    expect(root.locator(".hitl-zoom")).to_have_text(f"{round(t.scale * 100)}%")
    grab = t.page(200, 150)
    page.keyboard.down("Space")
    drag(page, grab, (grab[0] - 60, grab[1] - 40), steps=4)
    page.keyboard.up("Space")
    t.pan(-60, -40)
    a, b = t.page(230, 170), t.page(260, 190)
    drag(page, a, b)
    lab.wait_for_python("len(w.boxes)", 2)  # panning drew nothing, the drag one box
    row = boxes(lab)[1]
    assert close(row[1:5], [230, 170, 30, 20]), row
    # the box's stored coordinates lie within 1 px of the drag, and the status says saved
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.screenshot_element(root, "bbox-zoomed.png")


def test_move_and_resize_with_mouse_then_undo(lab):
    root, canvas = start(lab)
    page = lab.page
    t = Transform(canvas)
    drag(page, t.page(20, 250), t.page(120, 330))
    lab.wait_for_python("len(w.boxes)", 1)
    (before,) = boxes(lab)
    # move: drag from inside the box by (+40, -30) image px
    drag(page, t.page(70, 290), t.page(110, 260))
    lab.wait_for_python("w.boxes[['x', 'y']].round().astype(int).values.tolist()", [[round(before[1] + 40), round(before[2] - 30)]])
    moved = boxes(lab)[0]
    assert close(moved[3:5], before[3:5])  # same size
    # resize: the bottom-right handle to (200, 320)
    corner = (moved[1] + moved[3], moved[2] + moved[4])
    drag(page, t.page(*corner), t.page(200, 320))
    lab.wait_for_python("w.boxes[['x', 'y', 'w', 'h']].round().astype(int).values.tolist()",
                        [[round(moved[1]), round(moved[2]), round(200 - moved[1]), round(320 - moved[2])]])
    focus(root)
    page.keyboard.press("Control+z")  # undo the resize
    lab.wait_for_python("w.boxes[['w', 'h']].round().astype(int).values.tolist()", [[round(moved[3]), round(moved[4])]])
    focus(root)
    page.keyboard.press("Control+y")  # redo it
    lab.wait_for_python("w.boxes[['w', 'h']].round().astype(int).values.tolist()", [[round(200 - moved[1]), round(320 - moved[2])]])
    kinds = kernel_value(lab, "store.events('boxes')['kind'].tolist()")
    assert kinds == ["boxes", "boxes", "boxes", "undo", "boxes"]


def test_accept_and_reject_proposals(lab):
    root, canvas = start(lab)
    page = lab.page
    focus(root)
    page.keyboard.press("Enter")  # accept the best proposal (dog 0.92)
    expect(root.locator(".hitl-selection")).to_contain_text("proposal cat (0.55)")
    page.keyboard.press("Delete")  # reject the next one
    expect(root.locator(".hitl-counts")).to_have_text("1 box, 1 open proposal (1 below threshold)")
    for _ in range(6):
        page.keyboard.press(",")  # threshold 0.5 -> 0.2
    expect(root.locator(".hitl-threshold-value")).to_have_text("0.20")
    root.locator(".hitl-accept-all").click()  # and the mouse: accept all above the threshold
    expect(root.locator(".hitl-counts")).to_have_text("2 boxes, 0 open proposals")
    lab.wait_for_python("w.boxes[['class', 'source', 'score']].values.tolist()", [["dog", "proposal", 0.92], ["cat", "proposal", 0.3]])
    assert kernel_value(lab, "w.threshold") == 0.2
    events = kernel_value(lab, "[(e.payload['op'], e.payload['rejected']) for e in store.events('boxes').itertuples()]")
    p0, p1, p2 = proposal_ids(lab)
    assert events == [("accept", []), ("reject", [p1]), ("accept", [p1])]
    # adjust a proposal by dragging it: it becomes a human-adjusted box that remembers its proposal
    focus(root)
    page.keyboard.press("Control+z")
    lab.wait_for_python("len(w.boxes)", 1)
    t = Transform(canvas)
    drag(page, t.page(530, 80), t.page(540, 90))
    lab.wait_for_python("w.boxes[['source', 'proposal_id', 'score', 'x', 'y']].round(2).values.tolist()",
                        [["proposal", p0, 0.92, 100.0, 80.0], ["adjusted", p2, 0.3, 510.0, 60.0]])


def test_keyboard_only_flow(lab):
    root, canvas = start(lab)
    page = lab.page
    focus(root)
    page.keyboard.press("2")  # new boxes are dogs
    page.keyboard.press("b")  # a box in the middle of the view
    lab.wait_for_python("len(w.boxes)", 1)
    (first,) = boxes(lab)
    assert first[5] == "dog" and close(first[1:5], [IW / 2 - IH / 8, IH / 2 - IH / 8, IH / 4, IH / 4], 1.5)
    focus(root)
    page.keyboard.press("Shift+ArrowRight")  # nudge 10 px right
    page.keyboard.press("ArrowDown")  # and 1 px down
    page.keyboard.press("Alt+ArrowRight")  # 1 px wider
    lab.wait_for_python("w.boxes[['x', 'y', 'w']].values.tolist()", [[first[1] + 10, first[2] + 1, first[3] + 1]])
    focus(root)
    page.keyboard.press("Escape")  # the box b added is selected, but not chosen: a class key would set new boxes' class
    page.keyboard.press("Tab")  # choose it (boxes come first)
    expect(root.locator(".hitl-selection")).to_contain_text("a class key re-classes it")
    page.keyboard.press("1")  # reclass the chosen box
    lab.wait_for_python("w.boxes['class'].tolist()", ["cat"])
    focus(root)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")  # accept the best proposal
    lab.wait_for_python("len(w.boxes)", 2)
    focus(root)
    page.keyboard.press("Control+z")
    lab.wait_for_python("len(w.boxes)", 1)
    focus(root)
    page.keyboard.press("PageDown")  # next item, then copy the previous item's box
    expect(root.locator(".hitl-position")).to_have_text("item 2 / 3")
    page.keyboard.press("c")
    lab.wait_for_python("w.boxes['item'].tolist()", [0, 1])
    focus(root)
    n_cells = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
    page.keyboard.press("?")
    expect(root.locator(".hitl-help")).to_contain_text("copy the previous item's boxes")
    page.keyboard.press("Escape")
    expect(root.locator(".hitl-help")).to_be_hidden()
    for key in ["a", "m", "b"]:  # JupyterLab's "insert above", "to markdown", "insert below"; a and b are ours
        page.keyboard.press(key)
    # the keys were ours: JupyterLab added no cells and left the widget's cell a code cell
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length") == n_cells
    assert page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.type") == "code"
    lab.wait_for_python("len(w.boxes)", 3)
    rows = boxes(lab)
    assert close(rows[1][1:5], rows[0][1:5], 1e-6) and rows[1][5] == "cat"  # the copy


def ops(lab):
    return kernel_value(lab, "[e.payload['op'] for e in store.events('boxes').itertuples()]")


def test_class_key_after_enter_sets_the_class_of_new_boxes(lab):
    """#16 item 2: after Enter the next proposal is selected automatically; "2" then means "the
    next box is a dog", never "re-class and accept that proposal"."""
    root, canvas = start(lab)
    page = lab.page
    focus(root)
    page.keyboard.press("Enter")  # accept the best proposal (dog 0.92); the next (cat 0.55) is selected
    expect(root.locator(".hitl-selection")).to_contain_text("proposal cat (0.55)")
    page.keyboard.press("2")
    expect(root.locator(".hitl-classes .hitl-button[aria-pressed=true]")).to_contain_text("dog")
    expect(root.locator(".hitl-counts")).to_have_text("1 box, 2 open proposals (1 below threshold)")
    t = Transform(canvas)
    drag(page, t.page(40, 300), t.page(90, 380))  # clear of the proposals
    lab.wait_for_python("len(store.events('boxes'))", 2)
    assert ops(lab) == ["accept", "add"]  # nothing adjusted or accepted by the key
    rows = kernel_value(lab, "[[c, s, p if isinstance(p, str) else None] for c, s, p in w.boxes[['class', 'source', 'proposal_id']].values.tolist()]")
    p0 = proposal_ids(lab)[0]  # the best: the dog (0.92)
    assert rows == [["dog", "proposal", p0], ["dog", "human", None]]
    # the proposal the key would have taken is still open, with its own class
    expect(root.locator(".hitl-counts")).to_have_text("2 boxes, 2 open proposals (1 below threshold)")
    # a mouse click on a class button leaves the focus on the widget (no focus ring on the button)
    root.locator(".hitl-classes .hitl-button").first.click()
    assert root.evaluate("el => document.activeElement === el")


def test_a_accepts_all_and_its_message_goes_with_the_item(lab):
    """#16 items 2 and 7: plain `a` accepts all (as the button's "(A)" says); "accepted 2 proposals"
    belongs to the first image and is gone on the second."""
    root, canvas = start(lab)
    page = lab.page
    focus(root)
    page.keyboard.press("a")
    p0, p1, _ = proposal_ids(lab)
    lab.wait_for_python("w.boxes[['class', 'source', 'proposal_id']].values.tolist()",
                        [["dog", "proposal", p0], ["cat", "proposal", p1]])
    assert ops(lab) == ["accept"]
    message = root.locator(".hitl-status-message")
    expect(message).to_have_text("accepted 2 proposals")
    focus(root)  # running Python in the kernel (wait_for_python) moved the focus to the notebook
    page.keyboard.press("PageDown")
    expect(root.locator(".hitl-position")).to_have_text("item 2 / 3")
    expect(message).to_have_text("")
    page.keyboard.press("PageUp")  # nor does it come back: it was said once, about that action
    expect(root.locator(".hitl-position")).to_have_text("item 1 / 3")
    expect(message).to_have_text("")
    focus(root)
    page.keyboard.press("Control+z")  # undo: said by the item's place, its id in the tooltip
    lab.wait_for_python("len(w.boxes)", 0)
    expect(message).to_have_text("undone on item 1: accepted proposals")
    expect(message).to_have_attribute("title", "item id 0")
