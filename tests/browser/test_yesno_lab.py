"""YesNoReview (the worked example of docs/architecture.md) in a real JupyterLab, by keyboard and
mouse in headless Chromium; asserts on the Python side."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "from sklearn.datasets import load_digits\n"
    "store = hw.AnnotationStore('yesno.db')\n"
    "w = hw.YesNoReview(load_digits().images[:6] / 16, question='Is this digit written clearly?', store=store)\n"
    "w",
]


def test_answer_by_keyboard_and_mouse_then_undo(lab):
    lab.open(lab.new_notebook("yesno.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-yesno")
    expect(root.locator(".hitl-current")).to_have_text("not answered", timeout=60_000)
    expect(root.locator(".hitl-yesno-question")).to_have_text("Is this digit written clearly?")
    lab.wait_idle()
    root.focus()
    lab.page.keyboard.press("y")
    lab.page.keyboard.press("n")
    expect(root.locator(".hitl-position")).to_have_text("item 3 / 6")
    root.locator(".hitl-answer-yes").click()  # the mouse answers too
    expect(root.locator(".hitl-position")).to_have_text("item 4 / 6")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    expect(root.locator(".hitl-progress")).to_have_text("answered 3 of 6")
    root.focus()
    lab.page.keyboard.press("Backspace")  # undo the last answer: back to item 3, unanswered
    expect(root.locator(".hitl-position")).to_have_text("item 3 / 6")
    expect(root.locator(".hitl-current")).to_have_text("not answered")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    lab.wait_for_python("w.n_done", 2)
    answers = ast.literal_eval(lab.python("w.answers[['item_id', 'answer']].values.tolist()"))
    assert answers == [[0, "yes"], [1, "no"]]
