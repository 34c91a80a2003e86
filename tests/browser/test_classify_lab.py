"""ClassifyWidget in a real JupyterLab + kernel, driven by keyboard and mouse in headless Chromium.

Each test opens notebooks/01_quickstart.ipynb (digits, LogisticRegression proposals, a SQLite store
in the test's folder), runs it, and asserts on the Python side (w.labels, the SQLite file).
"""
from __future__ import annotations

import ast
import sqlite3

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

NOTEBOOK = "01_quickstart.ipynb"


def start(lab):
    """Open and run the quickstart; return the widget's root locator, focused."""
    lab.open(NOTEBOOK)
    lab.run_all()
    root = lab.page.locator(".hitl-classify")
    expect(root.locator(".hitl-current")).to_have_text("unlabelled", timeout=60_000)
    expect(root.locator("canvas")).to_be_visible()
    lab.wait_idle()
    return root


def kernel_value(lab, expr: str):
    return ast.literal_eval(lab.python(expr))


def focus(root) -> None:
    """Give the widget the keyboard focus (as Tab would) without a mouse click."""
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def db_counts(path) -> dict:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT kind, count(*) FROM hitl_events GROUP BY kind").fetchall())


def test_label_five_digits_by_keyboard_then_undo(lab):
    root = start(lab)
    order = kernel_value(lab, "w.order[:5]")
    focus(root)
    keys = ["4", "2", "7", "1", "9"]  # classes 0-9 are picked by their own digit
    for n, key in enumerate(keys):
        expect(root.locator(".hitl-position")).to_have_text(f"item {n + 1} / 100")
        lab.page.keyboard.press(key)
    expect(root.locator(".hitl-position")).to_have_text("item 6 / 100")
    lab.page.keyboard.press("Backspace")  # undo the last label: back to item 5, unlabelled
    expect(root.locator(".hitl-position")).to_have_text("item 5 / 100")
    expect(root.locator(".hitl-current")).to_have_text("unlabelled")
    # the status line names the place the header shows (not the internal id) ...
    expect(root.locator(".hitl-status-message")).to_have_text("undo: item 5")
    # ... and the message belongs to that item: it goes on the next one
    lab.page.keyboard.press("ArrowRight")
    expect(root.locator(".hitl-status-message")).to_have_text("")
    lab.page.keyboard.press("ArrowLeft")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    expect(root.locator(".hitl-progress")).to_have_text("labelled 4 of 100")

    expected = {order[n]: int(keys[n]) for n in range(4)}
    lab.wait_for_python("w.labels.set_index('item_id')['label'].to_dict()", dict(sorted(expected.items())))
    # the SQLite file holds 5 labels and 1 undo, written by the kernel
    assert db_counts(lab.workdir / "quickstart.db") == {"label": 5, "undo": 1}
    # keys were ours: JupyterLab did not turn the widget's cell into a heading or add cells
    assert lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[3].model.type") == "code"
    lab.screenshot("classify-light.png")


def test_enter_accepts_proposal_arrows_and_help(lab):
    root = start(lab)
    first, proposal = kernel_value(lab, "(w.order[0], w.proposals[w.order[0]]['label'])")
    n_cells = lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length")
    focus(root)
    expect(root.locator(".hitl-proposal")).to_contain_text(f"model: {proposal}")
    # the proposed class is marked on its button, by text (a "model" badge), not colour alone
    expect(root.locator(".hitl-class.hitl-proposed")).to_have_count(1)
    expect(root.locator(".hitl-class.hitl-proposed")).to_contain_text(f"{proposal}model")
    lab.screenshot_element(root, "classify-widget.png")
    lab.page.keyboard.press("Enter")
    expect(root.locator(".hitl-position")).to_have_text("item 2 / 100")
    lab.page.keyboard.press("ArrowLeft")
    expect(root.locator(".hitl-current")).to_have_text(f"label: {proposal}")
    lab.page.keyboard.press("?")
    expect(root.locator(".hitl-help")).to_be_visible()
    expect(root.locator(".hitl-help")).to_contain_text("accept the proposal")
    lab.page.keyboard.press("Escape")
    expect(root.locator(".hitl-help")).to_be_hidden()
    lab.page.keyboard.press("a")  # not ours, and not JupyterLab's either while the widget has focus
    lab.page.keyboard.press("ArrowRight")
    lab.page.keyboard.press("Space")  # skip item 2
    expect(root.locator(".hitl-position")).to_have_text("item 3 / 100")
    assert lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.length") == n_cells
    second = kernel_value(lab, "w.order[1]")
    lab.wait_for_python(
        "[(e.item_id, e.kind, e.payload.get('source')) for e in store.events('digits').itertuples()]",
        [(first, "label", "proposal"), (second, "skip", None)],
    )
    focus(root)
    # the mouse works too: click the class button for digit 5
    root.locator(".hitl-class").nth(5).click()
    expect(root.locator(".hitl-position")).to_have_text("item 4 / 100")
    # ... and leaves no focus ring on that button for the next item: the focus is back on the root,
    # also once a key is pressed (after which Chromium shows :focus-visible on a focused button)
    assert root.evaluate("el => document.activeElement === el")
    lab.page.keyboard.press("ArrowLeft")
    lab.page.keyboard.press("ArrowRight")
    assert root.locator(".hitl-class:focus, .hitl-class:focus-visible").count() == 0
    lab.wait_for_python("w.labels.set_index('item_id')['label'].to_dict().get(w.order[2])", 5)


def test_labels_survive_kernel_restart(lab):
    root = start(lab)
    order = kernel_value(lab, "w.order[:3]")
    focus(root)
    for key in ["8", "6", "3"]:
        lab.page.keyboard.press(key)
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python("len(w.labels)", 3)

    lab.restart_kernel()
    lab.run_all()  # a new kernel builds a new widget on the same SQLite file
    root = lab.page.locator(".hitl-classify")
    expect(root.locator(".hitl-progress")).to_have_text("labelled 3 of 100", timeout=60_000)
    expect(root.locator(".hitl-position")).to_have_text("item 4 / 100")  # resumes at the first open item
    lab.wait_idle()
    assert kernel_value(lab, "w.labels.set_index('item_id')['label'].to_dict()") == dict(
        sorted({order[0]: 8, order[1]: 6, order[2]: 3}.items())
    )
    focus(root)
    for _ in range(3):
        lab.page.keyboard.press("ArrowLeft")
    expect(root.locator(".hitl-position")).to_have_text("item 1 / 100")
    expect(root.locator(".hitl-current")).to_have_text("label: 8")


def test_dark_theme(lab):
    lab.open(NOTEBOOK)
    lab.set_theme("JupyterLab Dark")
    lab.run_all()
    root = lab.page.locator(".hitl-classify")
    expect(root.locator(".hitl-current")).to_have_text("unlabelled", timeout=60_000)
    background = root.evaluate("el => getComputedStyle(el).backgroundColor")
    colour = root.evaluate("el => getComputedStyle(el).color")
    assert background != "rgb(255, 255, 255)", background  # not the light fallback
    channels = [int(v) for v in background[background.index("(") + 1 : background.index(")")].split(",")[:3]]
    assert sum(channels) / 3 < 100, background  # a dark background ...
    text = [int(v) for v in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]]
    assert sum(text) / 3 > 150, colour  # ... with light text
    lab.screenshot("classify-dark.png")


FORGED = [
    ({"type": "label", "item_id": "FIRST", "label": 42, "source": "human"}, "unknown class"),
    ({"type": "label", "item_id": 99999, "label": 1, "source": "human"}, "unknown item id"),
    ({"type": "label", "item_id": "FIRST", "label": "3", "source": "human"}, "unknown class"),
    ({"type": "label", "item_id": "FIRST", "label": 3, "source": "proposal"}, "no proposal"),
    ({"type": "label", "item_id": [1, 2], "label": 1}, "unknown item id"),
    ({"type": "drop_table", "item_id": "FIRST"}, "unknown command"),
]


def test_forged_messages_are_refused_visibly_and_store_nothing(lab):
    root = start(lab)
    first, proposal = kernel_value(lab, "(w.order[0], w.proposals[w.order[0]]['label'])")
    wrong = (proposal + 1) % 10
    for n, (message, expected) in enumerate(FORGED):
        content = {
            k: (first if v == "FIRST" else wrong if (k == "label" and v == 3) else v) for k, v in message.items()
        }
        content.update(client="forger", seq=n + 1)
        root.evaluate("(el, content) => el.hitlModel.send(content)", content)
        expect(root.locator(".hitl-status-message")).to_contain_text(expected)
        expect(root.locator(".hitl-status-message")).to_have_attribute("role", "alert")
    lab.wait_for_python("len(w.refused)", len(FORGED))
    assert kernel_value(lab, "len(store.events('digits'))") == 0
    assert db_counts(lab.workdir / "quickstart.db") == {}
