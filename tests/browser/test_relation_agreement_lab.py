"""Agreement on relations in a real JupyterLab + kernel (headless Chromium): a disputed scene-graph
pair and a disputed first error adjudicated with the keyboard and the mouse, checked in Python."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SETUP = """
import pandas as pd, hitl_widgets as hw
rows = [(0, "o1", "left of", "o2", "ann"), (0, "o1", "above", "o2", "bob"),
        (1, "o1", "inside", "o2", "ann"), (1, "o1", "inside", "o2", "bob"), (1, "o2", "larger than", "o1", "ann")]
triples = pd.DataFrame(rows, columns=["item", "subject", "predicate", "object", "annotator"])
store = hw.AnnotationStore("relations.db")
dash = hw.AgreementDashboard.for_triples(triples, store=store, task="sg", n_boot=50)
dash
"""

CHAINS = """
steps = pd.DataFrame([(item, "m", s, v, True, a) for item, a, verdicts in [
        (0, "ann", ["correct", "reasoning error", None]), (0, "bob", ["correct", "correct", "perception error"]),
        (1, "ann", ["correct", "correct", "correct"]), (1, "bob", ["correct", "correct", "correct"])]
    for s, v in enumerate(verdicts)], columns=["item_id", "model", "step", "verdict", "reviewed", "annotator"])
chains = hw.AgreementDashboard.for_first_errors(steps, store=store, task="chains", n_boot=50)
chains
"""


def test_a_disputed_triple_is_adjudicated_by_keyboard(lab):
    lab.open(lab.new_notebook("relations.ipynb", [SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-agreement")
    expect(root.locator(".hitl-queue-row").first).to_be_visible(timeout=90_000)
    lab.wait_idle()
    queue = ast.literal_eval(lab.python("dash.queue['item_id'].tolist()"))
    assert queue[0] == "0: o1 → o2" and "1: o2 → o1" in queue  # the pair they labelled differently, the one only ann related
    classes = ast.literal_eval(lab.python("dash.classes"))
    expect(root.locator(".hitl-queue-row").first).to_contain_text("0: o1 → o2")
    root.focus()
    lab.page.keyboard.press("a")  # adjudicate the selected (first) disputed pair
    classify = lab.page.locator(".hitl-classify")
    expect(classify).to_be_visible()
    lab.page.wait_for_function("() => document.activeElement?.classList.contains('hitl-classify')")
    lab.page.keyboard.press(str(classes.index("left of") + 1))  # toggle "left of"
    lab.page.keyboard.press("Enter")  # confirm the set
    lab.wait_for_python("dash.adjudicated_units[['item', 'subject', 'object', 'predicates']].values.tolist()",
                        [[0, "o1", "o2", ["left of"]]])
    assert ast.literal_eval(lab.python("len(store.labels('sg/adjudicated'))")) == 1


def test_a_disputed_first_error_is_adjudicated_by_mouse(lab):
    lab.open(lab.new_notebook("chains.ipynb", [SETUP, CHAINS]))
    lab.run_all()
    root = lab.page.locator(".hitl-agreement").nth(1)
    expect(root.locator(".hitl-queue-row")).to_have_count(1, timeout=90_000)  # only chain 0 is disputed
    lab.wait_idle()
    expect(root.locator(".hitl-queue-row").first).to_contain_text("0 / m")
    root.locator(".hitl-queue-row").first.click()
    classify = lab.page.locator(".hitl-classify:visible")  # the second dashboard's adjudicator
    expect(classify).to_have_count(1)
    expect(classify.locator(".hitl-notes")).to_contain_text("step 2")  # each reviewer's answer beside the unit
    classify.locator(".hitl-class", has_text="step 2").click()
    lab.wait_for_python("chains.adjudicated_units[['item', 'model', 'first_error']].values.tolist()", [[0, "m", 1]])
