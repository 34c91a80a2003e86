"""JupyterLab's own keys with a widget focused, in a real JupyterLab (issue #16, keys and focus).

A notebook of four cells: a ClassifyWidget, then three plain cells. Stepping through it with
Shift+Enter runs every cell even though the widget takes the focus when its cell runs; Esc gives
the focus back to the notebook (command mode); Ctrl+S saves the notebook; Run All does not let a
widget in an earlier cell take the focus.
"""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "store = hw.AnnotationStore('keys.db')\n"
    "w = hw.ClassifyWidget(np.random.default_rng(0).random((6, 8, 8)), classes=['cat', 'dog'], store=store, task='keys')\n"
    "w",
    "after_1 = 'ran'",
    "after_2 = 'ran'",
    "after_3 = 'ran'",
]

ACTIVE_INDEX = "() => window.jupyterapp.shell.currentWidget.content.activeCellIndex"
MODE = "() => window.jupyterapp.shell.currentWidget.content.mode"
FOCUSED_WIDGET = "() => !!document.activeElement?.closest('.hitl-classify')"


def open_at_first_cell(lab):
    lab.open(lab.new_notebook("keys.ipynb", CELLS))
    page = lab.page
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")  # command mode on cell 0
    page.wait_for_function(f"() => ({MODE})() === 'command' && ({ACTIVE_INDEX})() === 0")
    return page


def test_shift_enter_steps_through_the_notebook_past_a_focused_widget(lab):
    page = open_at_first_cell(lab)
    page.keyboard.press("Shift+Enter")  # runs the widget's cell
    root = page.locator(".hitl-classify")
    expect(root.locator(".hitl-current")).to_have_text("unlabelled", timeout=60_000)
    page.wait_for_function(FOCUSED_WIDGET, timeout=10_000)  # the cell the person ran: it takes the focus
    page.keyboard.press("1")  # the widget has the keys: a label
    expect(root.locator(".hitl-position")).to_have_text("item 2 / 6")
    page.keyboard.press("Shift+Enter")  # ... and Shift+Enter continues with the next cell
    page.wait_for_function(f"() => ({ACTIVE_INDEX})() === 2", timeout=20_000)
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    lab.wait_for_python("(after_1, after_2, after_3)", ("ran", "ran", "ran"))
    lab.wait_for_python("len(w.labels)", 1)
    assert lab.python("len(w.order)") == "6"


def test_escape_leaves_the_widget_and_ctrl_s_saves(lab):
    page = open_at_first_cell(lab)
    page.keyboard.press("Shift+Enter")
    root = page.locator(".hitl-classify")
    expect(root.locator(".hitl-current")).to_have_text("unlabelled", timeout=60_000)
    page.wait_for_function(FOCUSED_WIDGET, timeout=10_000)
    page.keyboard.press("?")  # the help opens; the first Escape closes it and keeps the focus
    expect(root.locator(".hitl-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(root.locator(".hitl-help")).to_be_hidden()
    assert page.evaluate(FOCUSED_WIDGET)
    page.keyboard.press("Escape")  # the second leaves the widget: the notebook, in command mode
    page.wait_for_function(f"() => !({FOCUSED_WIDGET})() && ({MODE})() === 'command'", timeout=10_000)
    page.keyboard.press("b")  # a notebook command-mode key now: insert a cell below
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.content.widgets.length === 5", timeout=10_000)

    # Ctrl+S with the widget focused saves the notebook (the new cell lands on disk)
    root.focus()
    page.keyboard.press("Control+s")
    path = lab.workdir / "keys.ipynb"
    page.wait_for_function(
        "() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=20_000
    )
    assert len(json.loads(path.read_text())["cells"]) == 5


def test_run_all_leaves_the_focus_alone(lab):
    cells = CELLS[:1] + ["w2 = hw.ClassifyWidget(np.zeros((3, 8, 8)), classes=['a', 'b'], store=store, task='k2')\nw2"] + CELLS[1:]
    lab.open(lab.new_notebook("runall.ipynb", cells))
    page = lab.page
    page.locator(".jp-Notebook .jp-Cell").nth(4).locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    # count every time a widget gets the focus (JupyterLab may move it again after Run All)
    page.evaluate("""() => { window.__hitlFocused = 0; document.addEventListener('focusin',
        (e) => { if (e.target.closest && e.target.closest('.hitl-root')) window.__hitlFocused++; }); }""")
    lab.run_all()
    expect(page.locator(".hitl-classify")).to_have_count(2, timeout=60_000)
    lab.wait_for_python("after_3", "ran")
    page.wait_for_timeout(500)  # a focus would be taken on the next frame
    assert page.evaluate("() => window.__hitlFocused") == 0



def test_host_keys_in_a_widgets_text_box_are_jupyterlabs(lab):
    """Typing a correction in VQAReview's answer box: Ctrl+S saves the notebook, Shift+Enter is not
    taken as the box's Enter (JupyterLab binds it to no command there: nothing is saved)."""
    cells = ["import numpy as np, hitl_widgets as hw\n"
             "store = hw.AnnotationStore('box.db')\n"
             "v = hw.VQAReview(np.zeros((2, 8, 8)), ['how many?', 'what colour?'], ['two', 'blue'], store=store, task='box')\n"
             "v"]
    lab.open(lab.new_notebook("box.ipynb", cells))
    page = lab.page
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Enter")
    root = page.locator(".hitl-vqa")
    expect(root.locator(".hitl-position")).to_have_text("item 1 / 2", timeout=60_000)
    root.focus()
    page.keyboard.press("w")  # wrong: the answer box takes the focus
    box = root.locator(".hitl-corrected")
    expect(box).to_be_focused()
    page.keyboard.type("three")
    page.keyboard.press("Shift+Enter")
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=10_000)  # the run's output
    saved_at = (lab.workdir / "box.ipynb").stat().st_mtime_ns
    page.keyboard.press("Control+s")  # saves the notebook, from inside the box
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=20_000)
    assert (lab.workdir / "box.ipynb").stat().st_mtime_ns > saved_at
    assert lab.python("v.results[['verdict', 'corrected']].values.tolist()") == "[['wrong', None]]"  # no correction saved
