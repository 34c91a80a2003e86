"""An executed notebook converted to HTML (`jupyter nbconvert --to html`) and opened in headless
Chromium with JavaScript off: every widget shows its static card (counts, the current item with its
annotations, the dashboards' numbers and the learning curve) where the live view cannot run.

The notebook is saved without widget state, as JupyterLab saves it by default; nbconvert then
falls back from the widget view to the card. (With the widget state stored, nbconvert renders the
live view instead, which needs JavaScript and the network.)"""
from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

pytestmark = [pytest.mark.browser, pytest.mark.notebook]

CELLS = [
    """import numpy as np, pandas as pd
import hitl_widgets as hw
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
store = hw.AnnotationStore("static.db")
image = np.full((60, 80, 3), 128, np.uint8)""",
    """boxes = hw.BBoxAnnotator([image, image], ["cat", "dog"], store=store, task="boxes")
boxes.set_boxes(0, [(10, 10, 30, 20, "cat")])
boxes""",
    """classify = hw.ClassifyWidget(["a first text", "a second text"], ["yes", "no"], store=store, task="texts")
classify.record_label(0, "yes")
classify""",
    """mask = np.zeros((60, 80), np.int64); mask[:30] = 1
canvas = hw.SegmentationCanvas([image], ["sky", "sea"], store=store, task="masks")
canvas.set_mask(0, mask)
canvas""",
    """rng = np.random.default_rng(0); y = rng.integers(0, 3, 200); p = np.where(rng.random(200) < 0.8, y, (y + 1) % 3)
names = np.array(["cat", "dog", "<b>bird</b>"])
hw.ConfusionDashboard(names[y], names[p], store=store, task="confusion")""",
    """hw.BiasAudit(y == 1, p == 1, pd.DataFrame({"site": np.where(rng.random(200) < 0.5, "north", "south")}), n_boot=100)""",
    """X, t = load_digits(return_X_y=True)
loop = hw.ActiveLearningLoop(LogisticRegression(max_iter=300), X[:300] / 16, strategy="margin", batch_size=10,
                             initial=(list(range(20)), t[:20]), test=(X[1000:1300] / 16, t[1000:1300]), store=hw.AnnotationStore(":memory:"),
                             background=False)
loop.simulate(t[:300], budget=50)
loop""",
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("static")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=False,
                   resources={"metadata": {"path": str(folder)}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    body, _ = HTMLExporter().from_notebook_node(nb)
    path = folder / "executed.html"
    path.write_text(body, encoding="utf-8")
    return path


def test_cards_show_with_javascript_off(browser, exported):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(exported.as_uri())
    cards = page.locator(".hitl-static")
    titles = [cards.nth(n).locator("div").first.inner_text() for n in range(cards.count())]
    assert titles == ["BBoxAnnotator", "ClassifyWidget", "SegmentationCanvas", "Confusion", "Bias audit", "ActiveLearningLoop"]
    text = page.locator("body").inner_text()
    assert "1 on 1 items" in text and "yes 1" in text and "1 items painted" in text
    assert "<b>bird</b>" in text  # a class name shown as the text it is
    assert "n_labels 50" in text  # the learning curve's last round
    pictures = cards.locator("img")
    assert pictures.count() == 3  # the boxes' and the mask's thumbnails, the learning curve
    for n in range(pictures.count()):
        assert pictures.nth(n).evaluate("i => i.complete && i.naturalWidth") > 100
    context.close()
