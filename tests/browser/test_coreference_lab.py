"""CoreferenceLinker in a real JupyterLab + kernel, driven by keyboard and mouse in headless
Chromium; every assertion on the result is made on the Python side (``w.links``).

The image is 60 x 40 with a red square (region r1) and a blue square (r2), shown 240 px wide: 4
screen pixels per image pixel. Caption words: 0 A, 1 red, 2 square, 3 is, 4 left, 5 of, 6 a, 7 blue,
8 square, 9 It, 10 is, 11 small. The model proposes "a blue square" -> r2 (right) and "It" -> r2 (wrong).
"""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SETUP = """
import numpy as np, hitl_widgets as hw
images = np.full((2, 40, 60, 3), 240, np.uint8)
images[:, 10:25, 5:20] = (220, 40, 40); images[:, 10:25, 35:50] = (40, 80, 220)
texts = ["A red square is left of a blue square. It is small.", "The sky."]
regions = {0: [(5, 10, 15, 15, "red square"), (35, 10, 15, 15, "blue square")]}
proposals = {0: [(24, 37, "r2", 0.9), (39, 41, "r2", 0.6)]}
store = hw.AnnotationStore("coref.db")
w = hw.CoreferenceLinker(images, texts, store=store, regions=regions, proposals=proposals, display_size=240)
w
"""
COLUMNS = "w.links[['item', 'text', 'region', 'box', 'entity', 'source']].values.tolist()"


def kernel(lab, expr: str):
    return ast.literal_eval(lab.python(expr))


def start(lab, name: str):
    lab.open(lab.new_notebook(name, [SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-coreference")
    expect(root.locator(".hitl-word")).to_have_count(12, timeout=60_000)
    lab.wait_idle()
    root.scroll_into_view_if_needed()
    return root


def focus(root) -> None:
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def test_link_by_keyboard(lab):
    root = start(lab, "coref_keys.ipynb")
    focus(root)
    keys = lab.page.keyboard
    # "A red square": select it word by word, link it to region 1 (the keys say it: 2 actions)
    keys.press("Shift+ArrowRight")
    keys.press("Shift+ArrowRight")
    expect(root.locator(".hitl-selected")).to_have_count(3)
    keys.press("1")
    # "a blue square" has a proposal: the cursor on it selects the mention; a accepts it
    for _ in range(4):
        keys.press("ArrowRight")
    expect(root.locator(".hitl-proposal")).to_contain_text("0.90")
    keys.press("a")
    # "It": the model says r2; fix it with region 1 (one key once the mention is selected)
    keys.press("ArrowRight")
    expect(root.locator(".hitl-selected")).to_have_text("It")
    keys.press("1")
    # "small": a new box drawn by keyboard (centred [23, 15, 38, 25]; step 2 px: two ↓ -> y + 4)
    keys.press("ArrowRight")
    keys.press("ArrowRight")
    keys.press("b")
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    keys.press("Enter")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python(COLUMNS, [
        [0, "A red square", "r1", (5.0, 10.0, 15.0, 15.0), "e1", "human"],
        [0, "a blue square", "r2", (35.0, 10.0, 15.0, 15.0), "e2", "proposal"],
        [0, "It", "r1", (5.0, 10.0, 15.0, 15.0), "e1", "adjusted"],
        [0, "small", "d1", (23.0, 19.0, 15.0, 10.0), "e3", "human"],
    ])
    # undo the box, redo it: the status line says what
    focus(root)  # (running code in a cell moved the focus to the notebook)
    keys.press("Control+z")
    expect(root.locator(".hitl-status-message")).to_contain_text("undone on image 1: a link")
    lab.wait_for_python("len(w.links)", 3)
    focus(root)
    keys.press("Control+y")
    lab.wait_for_python("w.links['region'].tolist()", ["r1", "r2", "r1", "d1"])
    # "small" again: it has no visual referent after all (the drawn box goes with its link)
    focus(root)
    keys.press("n")
    lab.wait_for_python("w.links['region'].tolist()", ["r1", "r2", "r1", None])
    assert kernel(lab, "w.regions['source'].tolist()") == ["given", "given"]
    # the next image: "The sky" has no visual referent
    focus(root)
    keys.press("]")
    expect(root.locator(".hitl-position")).to_have_text("image 2 / 2")
    keys.press("Shift+ArrowRight")
    keys.press("n")
    lab.wait_for_python("w.links[w.links['item'] == 1][['text', 'region', 'entity']].values.tolist()", [["The sky", None, None]])
    assert kernel(lab, "w.n_done") == 2
    lab.screenshot_element(root, "coreference-widget.png")


def test_link_by_mouse_and_survive_a_restart(lab):
    root = start(lab, "coref_mouse.ipynb")
    words = root.locator(".hitl-word")
    canvas = root.locator("canvas")
    bb = canvas.bounding_box()
    assert bb["width"] == pytest.approx(240, abs=1)

    def at(x: float, y: float) -> tuple[float, float]:  # image pixels -> page
        b = canvas.bounding_box()
        return b["x"] + 4 * x, b["y"] + 4 * y

    # "It" (a proposal's mention): click the word, click the red square on the image: 2 actions
    words.nth(9).click()
    expect(root.locator(".hitl-selected")).to_have_text("It")
    lab.page.mouse.click(*at(12, 17))
    # "A red square": drag over the words, click the red square: 2 actions
    words.nth(0).hover()
    lab.page.mouse.down()
    words.nth(2).hover()
    lab.page.mouse.up()
    expect(root.locator(".hitl-selected")).to_have_count(3)
    lab.page.mouse.click(*at(10, 20))
    # "a blue square": click a word of it, accept its proposal with the button: 2 actions
    words.nth(7).click()
    root.locator(".hitl-accept").click()
    # "small": click it, drag a new box on the image: 2 actions
    words.nth(11).click()
    x0, y0 = at(22, 28)
    x1, y1 = at(32, 36)
    lab.page.mouse.move(x0, y0)
    lab.page.mouse.down()
    lab.page.mouse.move(x1, y1, steps=4)
    lab.page.mouse.up()
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    expect(root.locator(".hitl-chain")).to_have_count(3)
    lab.wait_for_python("w.links[['text', 'region', 'entity', 'source']].values.tolist()", [
        ["A red square", "r1", "e1", "human"],
        ["a blue square", "r2", "e2", "proposal"],
        ["It", "r1", "e1", "adjusted"],
        ["small", "d1", "e3", "human"],
    ])
    assert kernel(lab, "w.links['box'][3]") == pytest.approx((22, 28, 10, 8), abs=0.6)
    # a region button links too: "It" -> the blue square
    words.nth(9).click()
    root.locator(".hitl-region").nth(1).click()
    lab.wait_for_python("w.links['region'].tolist()", ["r1", "r2", "r2", "d1"])
    before = kernel(lab, "w.links.drop(columns=['event_id', 'score']).values.tolist()")
    # a new kernel, the same store: the same links
    lab.restart_kernel()
    lab.run_code(SETUP.replace("\nw\n", "\n"))
    assert kernel(lab, "w.links.drop(columns=['event_id', 'score']).values.tolist()") == before
