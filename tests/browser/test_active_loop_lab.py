"""ActiveLearningLoop in a real JupyterLab: label a batch by keyboard, the model retrains in the
background while the kernel keeps answering, then the curve gains a point and a new batch comes."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SETUP = '''
import threading
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
import hitl_widgets as hw

X, y = load_digits(return_X_y=True)
release = threading.Event()

class HeldFit(LogisticRegression):
    """Fits only once the test releases it, so the test sees the retrain in progress."""
    def fit(self, X, y, sample_weight=None):
        release.wait(60)
        return super().fit(X, y)

loop = hw.ActiveLearningLoop(HeldFit(max_iter=500), X[:400], items=X[:400].reshape(-1, 8, 8) / 16,
                             test=(X[1000:], y[1000:]), batch_size=5, store=hw.AnnotationStore("al.db"))
loop
'''


def test_label_a_batch_retrain_in_background_and_the_curve_gains_a_point(lab):
    lab.open(lab.new_notebook("loop.ipynb", [SETUP]))
    lab.run_all()
    classify = lab.page.locator(".hitl-classify")
    panel = lab.page.locator(".hitl-loop-panel")
    expect(classify.locator(".hitl-progress")).to_have_text("labelled 0 of 5", timeout=60_000)
    expect(panel.locator(".hitl-loop-latest")).to_have_text("no model yet: label the first batch")
    lab.wait_idle()
    batch = ast.literal_eval(lab.python("loop.batch"))
    truth = ast.literal_eval(lab.python("[int(y[i]) for i in loop.batch]"))
    assert panel.locator(".hitl-series-0 circle").count() == 0

    classify.focus()
    for digit in truth:
        lab.page.keyboard.press(str(digit))
    # the batch is complete: the model retrains in a background thread ...
    expect(panel).to_have_attribute("data-state", "training", timeout=20_000)
    expect(panel.locator(".hitl-loop-message")).to_contain_text("retraining on 5 labels")
    # ... while the kernel keeps answering
    assert lab.python("(loop.training, 6 * 7)") == "(True, 42)"
    lab.run_code("release.set()")
    expect(panel).to_have_attribute("data-state", "idle", timeout=30_000)
    expect(panel.locator(".hitl-series-0 circle")).to_have_count(1)  # the curve gained a point
    expect(panel.locator(".hitl-loop-latest")).to_contain_text("round 0: 5 labels")
    # a new batch, with the new model's proposals
    expect(classify.locator(".hitl-progress")).to_have_text("labelled 0 of 5")
    expect(classify.locator(".hitl-proposal")).to_contain_text("model:")
    assert not set(ast.literal_eval(lab.python("loop.batch"))) & set(batch)
    stored = ast.literal_eval(lab.python("sorted(loop.store.labels('active-learning')['label'].tolist())"))
    assert stored == sorted(truth)
    assert ast.literal_eval(lab.python("loop.history['n_labels'].tolist()")) == [5]


def test_retrain_now_by_key(lab):
    lab.open(lab.new_notebook("loop.ipynb", [SETUP.replace("\nloop\n", "\nrelease.set()\nloop\n")]))
    lab.run_all()
    classify = lab.page.locator(".hitl-classify")
    panel = lab.page.locator(".hitl-loop-panel")
    expect(classify.locator(".hitl-progress")).to_have_text("labelled 0 of 5", timeout=60_000)
    lab.wait_idle()
    truth = ast.literal_eval(lab.python("[int(y[i]) for i in loop.batch[:2]]"))
    classify.focus()
    for digit in truth:
        lab.page.keyboard.press(str(digit))
    lab.wait_for_python("len(loop.classify.current_labels)", 2)
    assert lab.python("len(loop.history)") == "0"
    # one focus scope: r retrains with the focus in the labelling part (lab.python took the focus)
    classify.focus()
    assert lab.page.evaluate("document.activeElement.closest('.hitl-classify') !== null")
    lab.page.keyboard.press("r")  # retrain now, on the 2 labels so far
    expect(panel.locator(".hitl-loop-latest")).to_contain_text("round 0: 2 labels", timeout=30_000)
    # one help: a single visible "?", and it lists the labelling keys and the loop's
    loop_box = lab.page.locator(".hitl-key-scope")
    expect(loop_box.locator("button:visible", has_text="?")).to_have_count(1)
    lab.page.keyboard.press("?")
    help_ = loop_box.locator(".hitl-help:visible")
    expect(help_).to_have_count(1)
    expect(help_).to_contain_text("retrain now on every label so far")
    expect(help_).to_contain_text("accept the proposal")
    lab.page.keyboard.press("Escape")
    expect(loop_box.locator(".hitl-help:visible")).to_have_count(0)
    lab.wait_for_python("loop.history['n_labels'].tolist()", [2])
    # and the other way round: with the focus in the panel, a digit labels the batch's item
    new_batch = ast.literal_eval(lab.python("loop.batch"))
    first = ast.literal_eval(lab.python("int(y[loop.batch[0]])"))
    # the page shows the new batch before the key (else the key labels the old batch's open item)
    expect(classify.locator(".hitl-progress")).to_have_text("labelled 0 of 5", timeout=30_000)
    panel.focus()
    lab.page.keyboard.press(str(first))
    lab.wait_for_python(f"loop.classify.current_labels.get({new_batch[0]!r})", first)
