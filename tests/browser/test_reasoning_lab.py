"""ReasoningChainReview in a real JupyterLab + kernel, driven by keyboard and mouse in headless
Chromium: verdicts by one key each, "first error here", a region box drawn by mouse, a step's text
corrected, undo / redo; every assertion on the result is made on the Python side (``w.steps``),
then again on a new widget over the same store (a kernel restart)."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SETUP = """
import numpy as np, pandas as pd, hitl_widgets as hw
images = np.full((2, 40, 60, 3), 240, np.uint8); images[:, 10:25, 10:20, 0] = 255
P, I, A = "perception", "inference", "answer"
chains = pd.DataFrame({
    "item_id": [0, 0, 1], "model": ["model-a", "model-b", "model-a"],
    "question": ["How many shapes are there?"] * 2 + ["Is there a square?"],
    "steps": [
        [{"text": "there is one red square", "kind": P}, {"text": "there is one blue circle", "kind": P},
         {"text": "so there are 1 + 1 = 3 shapes", "kind": I}, {"text": "the answer is three", "kind": A}],
        [{"text": "there are two red squares", "kind": P}, {"text": "so two shapes", "kind": I}, {"text": "two", "kind": A}],
        [{"text": "there is one red square", "kind": P}, {"text": "the answer is yes", "kind": A}],
    ],
})
w = hw.ReasoningChainReview(images, chains, store=hw.AnnotationStore("chains.db"), display_size=240)
w
"""

COLUMNS = "['item_id', 'model', 'step', 'verdict', 'first_error', 'corrected', 'reviewed']"


def kernel(lab, expr: str):
    return ast.literal_eval(lab.python(expr))


def test_reasoning_review_by_keyboard_and_mouse(lab):
    lab.open(lab.new_notebook("chains.ipynb", [SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-reasoning")
    expect(root.locator(".hitl-position")).to_have_text("image 1 / 2", timeout=60_000)
    lab.wait_idle()
    expect(root.locator(".hitl-chain")).to_have_count(2)
    expect(root.locator(".hitl-question")).to_have_text("How many shapes are there?")
    root.focus()
    keys = lab.page.keyboard
    # model-a: steps 1 and 2 correct (one key each, the cursor moves on), step 3 is the first error
    keys.press("1")
    keys.press("1")
    keys.press("x")  # an inference step: a reasoning error; on to model-b's chain
    expect(root.locator(".hitl-chain").nth(0).locator(".hitl-first")).to_have_count(1)
    expect(root.locator(".hitl-chain").nth(0).locator(".hitl-after-first")).to_have_count(1)
    keys.press("2")  # model-b step 1: a perception error (its first error)
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    # a region for model-a's first step, drawn by mouse (240 px view of a 60 px image: 4 px a pixel)
    root.locator(".hitl-chain").nth(0).locator(".hitl-step").nth(0).click()
    canvas = root.locator("canvas")
    bb = canvas.bounding_box()
    assert bb["width"] == pytest.approx(240, abs=1)
    lab.page.mouse.move(bb["x"] + 40, bb["y"] + 40)
    lab.page.mouse.down()
    lab.page.mouse.move(bb["x"] + 80, bb["y"] + 100, steps=4)
    lab.page.mouse.up()
    expect(root.locator(".hitl-step-region")).to_have_count(1)
    # correct the wrong step's text: select it with ↓ ↓, e, type, Enter
    keys.press("ArrowDown")
    keys.press("ArrowDown")
    keys.press("e")
    keys.type("so there are 1 + 1 = 2 shapes")
    keys.press("Enter")
    expect(root.locator(".hitl-step-fix")).to_have_count(1)
    # undo the correction, redo it
    keys.press("Control+z")
    expect(root.locator(".hitl-step-fix")).to_have_count(0)
    keys.press("Control+y")
    expect(root.locator(".hitl-step-fix")).to_have_count(1)
    # a verdict after the first error is refused in the view, nothing sent
    keys.press("ArrowDown")
    keys.press("1")
    expect(root.locator(".hitl-status-message")).to_contain_text("after the first error")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.screenshot_element(root, "reasoning-widget.png")
    # the next image: a one-key review of both steps
    keys.press("]")
    expect(root.locator(".hitl-position")).to_have_text("image 2 / 2")
    keys.press("1")
    keys.press("5")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")

    expected = [
        [0, "model-a", 0, "correct", False, None, True],
        [0, "model-a", 1, "correct", False, None, True],
        [0, "model-a", 2, "reasoning error", True, "so there are 1 + 1 = 2 shapes", True],
        [0, "model-a", 3, None, False, None, True],
        [0, "model-b", 0, "perception error", True, None, True],
        [0, "model-b", 1, None, False, None, True],
        [0, "model-b", 2, None, False, None, True],
        [1, "model-a", 0, "correct", False, None, True],
        [1, "model-a", 1, "not checkable", False, None, True],
    ]
    lab.wait_for_python(f"w.steps[{COLUMNS}].values.tolist()", expected)
    assert kernel(lab, "w.steps.box[0]") == pytest.approx((10, 10, 20, 25), abs=0.6)
    assert kernel(lab, "int(w.steps.box.notna().sum())") == 1
    assert kernel(lab, "w.n_done") == 2
    # a new widget over the same store (what a kernel restart gives) reads the same review
    again = "hw.ReasoningChainReview(images, chains, store=hw.AnnotationStore('chains.db'))"
    assert kernel(lab, f"{again}.steps.equals(w.steps)") is True
    acc = kernel(lab, "w.summary(n_boot=100).query('measure == \"step_accuracy\"').set_index('model').estimate.to_dict()")
    assert acc == {"model-a": pytest.approx(3 / 4), "model-b": 0.0}
    # a kernel restart and the notebook run again: the view shows the stored review
    lab.restart_kernel()
    lab.run_all()
    root = lab.page.locator(".hitl-reasoning")
    expect(root.locator(".hitl-position")).to_have_text("image 1 / 2", timeout=60_000)
    expect(root.locator(".hitl-first")).to_have_count(2)
    expect(root.locator(".hitl-step-region")).to_have_count(1)
    expect(root.locator(".hitl-step-fix")).to_contain_text("so there are 1 + 1 = 2 shapes")
    expect(root.locator(".hitl-progress")).to_have_text("reviewed 2 of 2")
