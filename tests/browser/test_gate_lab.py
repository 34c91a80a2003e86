"""QualityGate in a real JupyterLab: approve / reject a sample by keyboard and mouse; the gate
fails or passes as its plan says and ``gate.require()`` stops the pipeline cell until it passes."""
from __future__ import annotations

import ast
import sqlite3

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "rng = np.random.default_rng(0)\n"
    "originals = rng.integers(0, 255, (60, 16, 16), dtype=np.uint8)\n"
    "batch = 255 - originals  # the 'augmentation'\n"
    "store = hw.AnnotationStore('gate.db')",
    "gate = hw.QualityGate(batch, name='aug', originals=originals, sample=6, plan=(6, 1),\n"
    "                      reasons=['blurry', 'wrong class', 'artefact'], store=store)\n"
    "gate",
]


def start(lab):
    lab.open(lab.new_notebook("gate.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-gate")
    expect(root.locator(".hitl-verdict")).to_have_text("undecided", timeout=60_000)
    expect(root.locator(".hitl-gate-banner")).to_contain_text("PENDING")
    lab.wait_idle()
    return root


def focus(root) -> None:
    """Give the widget the keyboard focus (as Tab would); after any lab.python(), which takes it."""
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def kernel(lab, expr):
    return ast.literal_eval(lab.python(expr))


def test_keyboard_rejects_fail_the_gate_and_require_stops(lab):
    root = start(lab)
    order = kernel(lab, "gate.order")
    focus(root)
    # side by side: the original and the item under review, both drawn
    expect(root.locator(".hitl-pane canvas")).to_have_count(2)
    expect(root.locator(".hitl-pane").first).to_be_visible()
    for _ in range(3):
        lab.page.keyboard.press("a")
    lab.page.keyboard.press("r")  # reject ... then the reason by its number
    expect(root.locator(".hitl-reasons")).to_have_class("hitl-row hitl-reasons hitl-choosing")
    lab.page.keyboard.press("2")
    expect(root.locator(".hitl-position")).to_have_text("item 5 / 6")
    expect(root.locator(".hitl-gate-banner")).to_contain_text("PENDING")
    lab.page.keyboard.press("3")  # a digit alone rejects with that reason: 2 rejects > c = 1
    expect(root.locator(".hitl-gate-banner")).to_contain_text("FAILED", timeout=20_000)
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python("gate.status", "failed")
    expected = [[order[k], "accept", None] for k in range(3)] + [[order[3], "reject", "wrong class"], [order[4], "reject", "artefact"]]
    assert kernel(lab, "gate.decisions[['item_id', 'verdict', 'reason']].values.tolist()") == expected
    out = lab.run_code("gate.require()\nwent_on = True")
    expect(out.first).to_contain_text("GateNotPassed", timeout=20_000)
    assert kernel(lab, "'went_on' in globals()") is False  # the cell stopped at require()
    with sqlite3.connect(lab.workdir / "gate.db") as conn:
        assert conn.execute("SELECT count(*) FROM hitl_events WHERE kind = 'gate'").fetchone()[0] == 5
    lab.screenshot("gate-failed.png")


def test_mouse_and_keyboard_pass_the_gate_after_undo(lab):
    root = start(lab)
    focus(root)
    for _ in range(5):
        lab.page.keyboard.press("A")
    root.locator(".hitl-reject").click()  # the mouse: reject ... with reason "blurry"
    expect(root.locator(".hitl-status-message")).to_have_text("reason? press 1–3")
    root.locator(".hitl-reason").first.click()
    # the mouse leaves no focus on the button it clicked (no ring on the next item), and the prompt
    # belonged to the item decided: gone
    assert root.evaluate("el => document.activeElement === el")
    assert root.locator("button:focus, button:focus-visible").count() == 0
    expect(root.locator(".hitl-status-message")).to_have_text("")
    expect(root.locator(".hitl-gate-banner")).to_contain_text("PASSED", timeout=20_000)  # 1 reject <= c
    lab.wait_for_python("(gate.status, gate.report['rejected'])", ("passed", 1))
    focus(root)
    lab.page.keyboard.press("Backspace")  # undo the reject: pending again
    expect(root.locator(".hitl-gate-banner")).to_contain_text("PENDING", timeout=20_000)
    expect(root.locator(".hitl-verdict")).to_have_text("undecided")
    expect(root.locator(".hitl-status-message")).to_have_text("undo: item 6")  # the place shown, not the id
    lab.page.keyboard.press("?")
    # each reason key with its reason
    for key, reason in [("1", "blurry"), ("2", "wrong class"), ("3", "artefact")]:
        expect(root.locator(".hitl-help tr", has_text=f"reject: {reason}").locator("td").first).to_have_text(key)
    lab.page.keyboard.press("Escape")
    expect(root.locator(".hitl-help")).to_be_hidden()
    root.locator(".hitl-accept").click()
    expect(root.locator(".hitl-gate-banner")).to_contain_text("PASSED · reviewed 6 of 6", timeout=20_000)
    lab.wait_for_python("(gate.status, gate.report['accepted'])", ("passed", 6))
    lab.run_code("gate.require()\nwent_on = True")
    lab.wait_for_python("'went_on' in globals()", True)
    lab.screenshot_element(root, "gate-widget.png")


def test_forged_decisions_are_refused_visibly(lab):
    root = start(lab)
    first = kernel(lab, "gate.order[0]")
    outside = kernel(lab, "next(i for i in range(60) if i not in gate.order)")
    forged = [
        ({"type": "decide", "item_id": first, "verdict": "reject", "reason": "ugly"}, "reason code"),
        ({"type": "decide", "item_id": outside, "verdict": "accept"}, "not in this gate's sample"),
        ({"type": "decide", "item_id": first, "verdict": "approve!"}, "verdict"),
    ]
    for n, (content, message) in enumerate(forged):
        root.evaluate("(el, c) => el.hitlModel.send(c)", {**content, "client": "forger", "seq": n + 1})
        expect(root.locator(".hitl-status-message")).to_contain_text(message)
    lab.wait_for_python("len(gate.refused)", 3)
    assert kernel(lab, "len(store.events())") == 0
