"""IngestionReview in a real JupyterLab: decide flagged items and whole groups by keyboard and mouse,
beside their evidence; the decisions reach Python (accepted ids, require())."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

from .hosts import click_tile

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "from PIL import Image\n"
    "from sklearn.datasets import load_digits\n"
    "d = load_digits()\n"
    "imgs = [np.kron(d.images[k] / 16 * 255, np.ones((4, 4))).astype(np.uint8) for k in range(50)]\n"
    "existing = []\n"
    "for k in range(40):\n"
    "    Image.fromarray(imgs[k]).save(f'old_{k}.png'); existing.append(f'old_{k}.png')\n"
    "new = []\n"
    "for k in range(40, 44):\n"
    "    Image.fromarray(imgs[k]).save(f'new_{k}.png'); new.append(f'new_{k}.png')\n"
    "open('cut.png', 'wb').write(open(new[0], 'rb').read()[:60])\n"
    "new += [existing[3], existing[5], 'gone.png', 'cut.png']  # 4, 5 exact duplicates; 6 missing, 7 truncated\n"
    "store = hw.AnnotationStore('ingest.db')",
    "review = hw.IngestionReview(new, existing, store=store, classes=[0, 1, 2], progress=False)\nreview",
]


def start(lab):
    lab.open(lab.new_notebook("ingest.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-ingestion")
    expect(root.locator(".hitl-ingestion-banner")).to_contain_text("PENDING", timeout=60_000)
    expect(root.locator(".hitl-group[aria-pressed=true]")).to_contain_text("unreadable files (2 undecided of 2)")
    expect(root.locator(".hitl-finding-head").first).to_contain_text("unreadable files", timeout=20_000)
    lab.wait_idle()
    return root


def focus(root) -> None:
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def kernel(lab, expr):
    return ast.literal_eval(lab.python(expr))


def test_keyboard_and_mouse_decide_items_and_groups(lab):
    root = start(lab)
    assert {4, 5, 6, 7} <= set(kernel(lab, "sorted(set(review.findings.item))"))
    focus(root)
    # the missing file: its error is the evidence
    expect(root.locator(".hitl-finding-detail").first).to_contain_text("gone.png")
    # the mouse picks a tile painted in the gallery's canvas: the truncated file, then back
    click_tile(root, 1)
    expect(root.locator(".hitl-decision")).to_contain_text("item 2 / 2")
    click_tile(root, 0)
    expect(root.locator(".hitl-decision")).to_contain_text("item 1 / 2")
    expect(root.locator(".hitl-finding-detail").first).to_contain_text("gone.png")
    focus(root)
    lab.page.keyboard.press("d")  # drop the missing file, and on to the truncated one
    expect(root.locator(".hitl-decision")).to_contain_text("item 2 / 2")
    lab.page.keyboard.press("r")
    lab.page.keyboard.press("2")  # relabel the truncated file as class 1 (a wrong call, undone next)
    lab.wait_for_python("(review.decision_of(6)['decision'], review.decision_of(7)['label'])", ("drop", 1))
    focus(root)  # lab.python took the focus
    lab.page.keyboard.press("Backspace")
    lab.wait_for_python("review.decision_of(7)", None)
    # the exact duplicates by the mouse: open the group, see the duplicate beside it, drop the group
    root.locator(".hitl-group", has_text="exact duplicates").click()
    expect(root.locator(".hitl-evidence figcaption").first).to_have_text("existing item 3", timeout=20_000)
    expect(root.locator(".hitl-evidence canvas")).to_have_count(1)
    root.locator(".hitl-group-actions .hitl-drop").click()
    lab.wait_for_python("[review.decision_of(i)['via'] for i in (4, 5)]", ["group:exact_duplicate"] * 2)
    expect(root.locator(".hitl-group", has_text="exact duplicates")).to_contain_text("2, all decided", timeout=20_000)
    expect(root.locator(".hitl-decision")).to_contain_text("drop (by its group)", timeout=20_000)
    # the keyboard for a whole group: back to the files, K keeps the undecided one (7)
    focus(root)
    lab.page.keyboard.press("[")
    expect(root.locator(".hitl-group[aria-pressed=true]")).to_contain_text("unreadable files")
    lab.page.keyboard.press("K")
    lab.wait_for_python("(review.decision_of(6)['decision'], review.decision_of(7)['via'])", ("drop", "group:file"))
    # what the other checks flagged among the digits (if anything) is kept from Python; then the gate passes
    lab.run_code("[review.decide(i, 'keep') for i in review.undecided]\nreview.require()\nwent_on = True")
    lab.wait_for_python("'went_on' in globals()", True)
    assert kernel(lab, "review.accepted") == [0, 1, 2, 3, 7]
    expect(root.locator(".hitl-ingestion-banner")).to_contain_text("PASSED", timeout=20_000)
    lab.screenshot_element(root, "ingestion-widget.png")
    focus(root)
    lab.page.keyboard.press("?")
    expect(root.locator(".hitl-help tr", has_text="relabel as 2").locator("td").first).to_have_text("3")


def test_decisions_survive_a_kernel_restart(lab):
    root = start(lab)
    focus(root)
    lab.page.keyboard.press("d")
    lab.wait_for_python("review.decision_of(6)['decision']", "drop")
    lab.run_code("again = hw.IngestionReview(new, existing, store=hw.AnnotationStore('ingest.db'), progress=False)\n"
                 "again_decisions = again.decisions[['item_id', 'decision']].values.tolist()")
    assert kernel(lab, "again_decisions") == [[6, "drop"]]
    assert root.locator(".hitl-status-saved").text_content() == "all saved"
