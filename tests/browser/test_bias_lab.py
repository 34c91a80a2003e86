"""BiasAudit in a real JupyterLab: the flagged group is marked; drilling into a group (keyboard
or mouse) opens its errors in a ClassifyWidget below, relabels go to the store, and the audit's
numbers refresh."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, pandas as pd, hitl_widgets as hw\n"
    "rng = np.random.default_rng(0)\n"
    "images = rng.integers(0, 255, (300, 8, 8), dtype=np.uint8)\n"
    "y = rng.integers(0, 3, 300)\n"
    "p = y.copy(); p[:30] = (y[:30] + 1) % 3; p[100:105] = (y[100:105] + 1) % 3; p[200:205] = (y[200:205] + 1) % 3\n"
    "groups = pd.DataFrame({'site': np.repeat(['a', 'b', 'c'], 100)})\n"
    "store = hw.AnnotationStore('bias.db')",
    "audit = hw.BiasAudit(y, p, groups, metrics=('accuracy',), store=store, items=images,\n"
    "                     task='audit', threshold=0.1, min_group_size=10)\n"
    "audit",
]


def start(lab):
    lab.open(lab.new_notebook("bias.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-bias")
    expect(root.locator("tr.hitl-bias-row")).to_have_count(3, timeout=60_000)
    lab.wait_idle()
    return root


def kernel(lab, expr):
    return ast.literal_eval(lab.python(expr))


def test_keyboard_drill_into_flagged_group_and_relabel(lab):
    root = start(lab)
    rows = root.locator("tr.hitl-bias-row")
    # group a (70% accurate vs 86.7% overall) is flagged on accuracy; b and c (95%) are not
    expect(rows.nth(0).locator("td.hitl-flagged")).to_have_count(1)
    expect(rows.nth(0).locator("td.hitl-flagged")).to_contain_text("0.700")
    expect(rows.nth(0).locator("td.hitl-flagged .hitl-flag")).to_have_text("▼ worse ")  # below overall
    expect(rows.nth(1).locator("td.hitl-flagged")).to_have_count(0)
    expect(rows.nth(2).locator("td.hitl-flagged")).to_have_count(0)
    expect(root.locator(".hitl-summary")).to_contain_text("3 groups · 1 flagged")
    lab.screenshot_element(root, "bias-audit.png")
    root.focus()
    lab.page.keyboard.press("ArrowDown")
    lab.page.keyboard.press("ArrowUp")
    expect(rows.nth(0)).to_have_attribute("aria-selected", "true")
    lab.page.keyboard.press("Enter")  # drill into group a
    classify = lab.page.locator(".hitl-classify")
    expect(classify.locator(".hitl-position")).to_have_text("item 1 / 30", timeout=30_000)
    expect(root.locator(".hitl-status-message")).to_contain_text("30 errors of a below")
    first = kernel(lab, "audit.drill_widget.order[:3]")
    model_says = kernel(lab, "[int(p[i]) for i in audit.drill_widget.order[:3]]")
    classify.focus()
    for n in range(3):  # the model was right after all: accept its proposal
        expect(classify.locator(".hitl-position")).to_have_text(f"item {n + 1} / 30")
        lab.page.keyboard.press("Enter")
    expect(classify.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    lab.wait_for_python("store.labels('audit')['label'].tolist()", model_says)
    assert kernel(lab, "store.labels('audit')['item_id'].tolist()") == first
    # the audit refreshed: 73 of 100 right in group a, shown in the table
    lab.wait_for_python("round(float(audit.by_group.loc['a', 'accuracy']), 3)", 0.73)
    expect(rows.nth(0).locator("td").nth(3)).to_contain_text("0.730")
    expect(rows.nth(0).locator("td.hitl-errors")).to_have_text("27")  # errors left


def test_mouse_drill_into_other_group_and_relabel_by_digit(lab):
    root = start(lab)
    root.locator("tr.hitl-bias-row").nth(1).click()  # group b
    classify = lab.page.locator(".hitl-classify")
    expect(classify.locator(".hitl-position")).to_have_text("item 1 / 5", timeout=30_000)
    assert kernel(lab, "audit.drill_widget.order") == [100, 101, 102, 103, 104]
    truth = kernel(lab, "int(y[100])")
    classify.focus()
    lab.page.keyboard.press(str(truth))  # ClassifyWidget picks classes 0-9 by their own digit
    expect(classify.locator(".hitl-position")).to_have_text("item 2 / 5")
    lab.wait_for_python("store.labels('audit')[['item_id', 'label']].values.tolist()", [[100, truth]])
    lab.wait_for_python("int(audit.by_group.loc['b', 'n'])", 100)
    assert kernel(lab, "float(audit.by_group.loc['b', 'accuracy'])") == 0.95  # the label equals y: unchanged
    # a forged drill intent is refused and shown
    root.evaluate("(el) => el.hitlModel.send({type: 'drill', row: 99, client: 'x', seq: 1})")
    expect(root.locator(".hitl-status-message")).to_contain_text("unknown group row")
    lab.wait_for_python("len(audit.view.children[0].refused)", 1)
