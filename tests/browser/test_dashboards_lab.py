"""ConfusionDashboard and AgreementDashboard in a real JupyterLab + kernel (headless Chromium).

Mouse and keyboard in the page; every assertion that matters is on the Python side (the
dashboard's matrix, the SQLite store).
"""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

from .hosts import click_tile

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CONFUSION_SETUP = """
import numpy as np, hitl_widgets as hw
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
d = load_digits()
X, y = d.data[:600], d.target[:600]
proba = cross_val_predict(LogisticRegression(max_iter=300), X / 16, y, cv=3, method="predict_proba")
store = hw.AnnotationStore("cm.db")
dash = hw.ConfusionDashboard(y, proba, items=d.images[:600] / 16, store=store, task="digits-cm")
dash
"""

# the off-diagonal cell with the most items: (true, predicted, count)
BUSIEST = "max(((r, c, dash.matrix[r][c]) for r in range(10) for c in range(10) if r != c), key=lambda t: t[2])"


def value(lab, expr):
    return ast.literal_eval(lab.python(expr))


def start_confusion(lab):
    lab.open(lab.new_notebook("confusion.ipynb", [CONFUSION_SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-confusion")
    expect(root.locator(".hitl-heat-cell")).to_have_count(100, timeout=90_000)
    lab.wait_idle()
    return root


def cell(root, r, c):
    return root.locator(f'.hitl-heat-cell[data-row="{r}"][data-col="{c}"]')


def test_click_cell_relabel_counts_move_and_store_holds_event(lab):
    root = start_confusion(lab)
    r, c, n = value(lab, BUSIEST)
    assert n >= 1
    expect(cell(root, r, c)).to_have_text(str(n))
    diagonal = value(lab, f"dash.matrix[{c}][{c}]")
    cell(root, r, c).click()
    tiles = root.locator(".hitl-tile-option")  # the tiles listed as text; painted in one canvas
    expect(tiles).to_have_count(n)
    expect(root.locator(".hitl-gallery canvas")).to_have_count(1)
    expect(root.locator(".hitl-gallery-title")).to_contain_text(f"true {r}, predicted {c}: {n} item")
    assert n >= 2
    second = value(lab, f"dash.cell_items({r}, {c})[1]")
    click_tile(root, 1)  # the second tile, by the mouse in the canvas (the first is selected at first)
    expect(root.locator(".hitl-selection")).to_contain_text(f"item 2 / {n}")
    expect(tiles.nth(1)).to_have_attribute("aria-selected", "true")
    root.locator(".hitl-class").nth(c).click()  # relabel: the model was right
    expect(cell(root, r, c)).to_have_text(str(n - 1))
    expect(cell(root, c, c)).to_have_text(str(diagonal + 1))
    expect(tiles.nth(1).locator(".hitl-tile-caption")).to_have_text(f"✎ {c} · pred {c}")
    expect(tiles.nth(0).locator(".hitl-tile-caption")).to_have_text(f"{r} · pred {c}")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python("dash.relabels.set_index('item_id')['label'].to_dict()", {second: c})
    assert value(lab, f"dash.matrix[{r}][{c}]") == n - 1
    assert value(lab, "[(e.item_id, e.kind, e.payload['previous']) for e in store.events('digits-cm').itertuples()]") == [(second, "label", r)]
    lab.screenshot_element(root, "confusion-dashboard.png")


def test_keyboard_navigation_opens_cell_and_relabels(lab):
    root = start_confusion(lab)
    r, c, n = value(lab, BUSIEST)
    ids = value(lab, f"dash.cell_items({r}, {c})")
    root.focus()  # (a kernel call runs in a new notebook cell: focus the widget after it)
    for _ in range(r):
        lab.page.keyboard.press("ArrowDown")
    for _ in range(c):
        lab.page.keyboard.press("ArrowRight")
    expect(cell(root, r, c)).to_have_attribute("aria-selected", "true")
    lab.page.keyboard.press("Enter")
    expect(root.locator(".hitl-tile-option")).to_have_count(n)
    second = ids[1] if n > 1 else None
    if second is not None:
        lab.page.keyboard.press("ArrowRight")
        # the place in the gallery the person sees; the internal id only in the tooltip
        expect(root.locator(".hitl-selection")).to_contain_text(f"item 2 / {n}")
        expect(root.locator(".hitl-selection")).to_have_attribute("title", f"item id {second}")
    target = second if second is not None else ids[0]
    lab.page.keyboard.press(str(c))  # digit classes are picked by their own digit
    lab.wait_for_python("dash.relabels.set_index('item_id')['label'].to_dict()", {target: c})
    expect(cell(root, r, c)).to_have_text(str(n - 1))
    share = value(lab, f"dash.matrix[{c}][{c}] / sum(dash.matrix[{c}])")
    root.focus()
    lab.page.keyboard.press("Escape")  # back to the matrix
    lab.page.keyboard.press("n")
    expect(cell(root, c, c)).to_have_text(f"{share:.2f}")
    assert value(lab, "dash.normalize") is True
    root.focus()
    lab.page.keyboard.press("?")
    expect(root.locator(".hitl-help")).to_contain_text("counts / row shares")
    lab.page.keyboard.press("Escape")
    lab.page.keyboard.press("e")  # the likely label errors
    expect(root.locator(".hitl-gallery-title")).to_contain_text("likely label errors")
    assert value(lab, "len(store.events('digits-cm'))") == 1


def test_forged_intents_are_refused(lab):
    root = start_confusion(lab)
    root.evaluate("""el => {
      const m = el.hitlModel;
      m.send({type: 'open_cell', client: 'forger', seq: 1, row: 10, col: 0});
      m.send({type: 'relabel', client: 'forger', seq: 2, item_id: 0, label: 'eleven'});
      m.send({type: 'relabel', client: 'forger', seq: 3, item_id: 99999, label: 1});
    }""")
    expect(root.locator(".hitl-status-message")).to_contain_text("refused")
    lab.wait_for_python("len(dash.refused)", 3)
    assert value(lab, "len(store.events('digits-cm'))") == 0


AGREEMENT_SETUP = """
import numpy as np, pandas as pd, hitl_widgets as hw
rng = np.random.default_rng(0)
truth = rng.integers(0, 3, 60)
rows = []
for name, acc in [("ann", 0.95), ("bob", 0.9), ("poor", 0.4)]:
    lab = np.where(rng.random(60) < acc, truth, rng.integers(0, 3, 60))
    rows += [(i, name, ["x", "y", "z"][l]) for i, l in enumerate(lab)]
store = hw.AnnotationStore("agree.db")
dash = hw.AgreementDashboard(pd.DataFrame(rows, columns=["item", "annotator", "label"]), task="pets", store=store, n_boot=100)
dash
"""


def test_adjudicate_a_disagreement_by_keyboard(lab):
    lab.open(lab.new_notebook("agreement.ipynb", [AGREEMENT_SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-agreement")
    expect(root.locator(".hitl-queue-row").first).to_be_visible(timeout=90_000)
    lab.wait_idle()
    second, labels = ast.literal_eval(lab.python("(dash.queue['item_id'].iloc[1], dash.queue['labels'].iloc[1])"))
    n_queue = value(lab, "len(dash.queue)")
    expect(root.locator(".hitl-flagged")).to_contain_text("poor")  # the poor annotator is exposed
    expect(root.locator(".hitl-heat-cell")).to_have_count(9)
    root.focus()
    lab.page.keyboard.press("j")  # the second most disputed item
    expect(root.locator(".hitl-queue-row").nth(1)).to_have_attribute("aria-selected", "true")
    lab.page.keyboard.press("a")
    classify = lab.page.locator(".hitl-classify")
    expect(classify).to_be_visible()
    lab.page.wait_for_function("() => document.activeElement?.classList.contains('hitl-classify')")
    expect(classify.locator(".hitl-notes")).to_contain_text(f"poor: {labels['poor']}")
    expect(classify.locator(".hitl-position")).to_have_text(f"item 2 / {n_queue}")
    lab.page.keyboard.press("2")  # class "y" (the second class)
    lab.wait_for_python("dash.adjudicated[['item_id', 'annotator', 'label']].values.tolist()", [[second, "adjudicator", "y"]])
    expect(root.locator(".hitl-queue-row").nth(1).locator("td").nth(3)).to_have_text("y")
    expect(root.locator(".hitl-queue-row").nth(0).locator("td").nth(3)).to_have_text("")
    expect(root).to_contain_text(f"disagreement queue: {n_queue} items (1 adjudicated)")
    assert value(lab, "len(store.labels('pets/adjudicated'))") == 1
    lab.screenshot_element(root, "agreement-dashboard.png")


def test_adjudicate_by_mouse_accepting_the_consensus(lab):
    lab.open(lab.new_notebook("agreement.ipynb", [AGREEMENT_SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-agreement")
    expect(root.locator(".hitl-queue-row").first).to_be_visible(timeout=90_000)
    lab.wait_idle()
    third, consensus, n_queue = ast.literal_eval(
        lab.python("(dash.queue['item_id'].iloc[2], dash.consensus[dash.queue['item_id'].iloc[2]], len(dash.queue))"))
    expect(lab.page.locator(".hitl-classify")).to_be_hidden()  # adjudication opens on demand
    root.locator(".hitl-queue-row").nth(2).click()
    classify = lab.page.locator(".hitl-classify")
    expect(classify).to_be_visible()
    # the proposal is the annotators' consensus, named so (not "model"), also on its class button
    expect(classify.locator(".hitl-proposal")).to_contain_text(f"consensus: {consensus}")
    expect(classify.locator(".hitl-class.hitl-proposed")).to_have_count(1)
    expect(classify.locator(".hitl-class.hitl-proposed .hitl-model-badge")).to_have_text("consensus")
    expect(root.locator(".hitl-status-message")).to_have_text(f"adjudicating below: item 3 / {n_queue}")
    lab.page.wait_for_function("() => document.activeElement?.classList.contains('hitl-classify')")
    lab.page.keyboard.press("Enter")  # accept the consensus shown as the proposal
    lab.wait_for_python("dash.adjudicated[['item_id', 'label']].values.tolist()", [[third, consensus]])
    expect(root.locator(".hitl-queue-row").nth(2).locator("td").nth(3)).to_have_text(consensus)
    expect(root.locator(".hitl-status-message")).to_have_text("")  # the adjudicator moved on: the message went
    assert value(lab, "store.events('pets/adjudicated')['payload'].iloc[0]['source']") == "proposal"
