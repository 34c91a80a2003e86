"""Kill the kernel with SIGKILL while labelling in a real JupyterLab: nothing shown as saved is lost.

Labels the view showed as "all saved" before the kill are in the SQLite file; labels pressed after
it show as "not saved" in the view (after the front end's retries) and are not in the store;
after a restart, re-running the notebook shows the saved labels.
"""
from __future__ import annotations

import ast
import os
import re
import signal
import sqlite3
import time

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import os\n"
    "import numpy as np\n"
    "import hitl_widgets as hw\n"
    "images = np.random.default_rng(0).integers(0, 256, size=(30, 16, 16), dtype=np.uint8)",
    'store = hw.AnnotationStore("kill.db")\n'
    'w = hw.ClassifyWidget(images, classes=list(range(10)), store=store, task="kill")\n'
    "w",
]


def stored_labels(path) -> list[tuple]:
    """(item_id, label) of every label event in the SQLite file, read without the package
    (in commit order; the view sends in the background, so compare them sorted)."""
    if not path.exists():
        return []
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT item_id, kind, payload FROM hitl_events ORDER BY event_id").fetchall()
    return [(ast.literal_eval(i), ast.literal_eval(p.replace("null", "None"))["label"]) for i, k, p in rows if k == "label"]


def open_widget(lab):
    lab.run_all()
    root = lab.page.locator(".hitl-classify")
    expect(root.locator(".hitl-current")).to_have_text("unlabelled", timeout=60_000)
    lab.wait_idle()
    return root


def test_sigkill_loses_no_saved_label_and_shows_the_unsaved_ones(lab):
    lab.open(lab.new_notebook("kill.ipynb", CELLS))
    root = open_widget(lab)
    db = lab.workdir / "kill.db"
    order = ast.literal_eval(lab.python("w.order[:6]"))
    pid = int(lab.python("os.getpid()"))
    assert pid != os.getpid()

    root.focus()
    for key in ["4", "7", "1"]:
        lab.page.keyboard.press(key)
    expect(root.locator(".hitl-position")).to_have_text("item 4 / 30")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    saved = [(order[0], 4), (order[1], 7), (order[2], 1)]
    assert sorted(stored_labels(db)) == saved  # "all saved" means committed to the file

    os.kill(pid, signal.SIGKILL)  # no chance to flush or say goodbye
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # wait until it is really gone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"kernel {pid} still alive after SIGKILL")

    # JupyterLab notices and says so in a modal dialog (which takes the keyboard): dismiss it
    dialog = lab.page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("appears to have died", timeout=20_000)
    dialog.locator("button.jp-mod-accept").click()
    expect(dialog).to_have_count(0)

    root.focus()
    for key in ["9", "2"]:  # the view advances at once; the labels cannot be saved
        lab.page.keyboard.press(key)
    badge = root.locator(".hitl-status-saved")
    # first pending, then (after the channel's 4 tries x 3 s) reported as not saved: never dropped
    expect(badge).to_have_text("2 unsaved", timeout=5_000)
    expect(badge).to_have_class(re.compile(r"\bhitl-unsaved\b"))
    expect(badge).to_have_text("2 not saved", timeout=30_000)
    expect(badge).to_have_class(re.compile(r"\bhitl-error\b"))
    assert sorted(stored_labels(db)) == saved  # nothing half-written, nothing pretended

    expect(root.locator(".hitl-position")).to_have_text("item 6 / 30")  # the view did take the keys

    lab.restart_kernel()
    assert int(lab.python("__import__('os').getpid()")) != pid  # a new kernel
    root = lab.page.locator(".hitl-classify")
    lab.run_all()
    expect(root.locator(".hitl-progress")).to_have_text("labelled 3 of 30", timeout=60_000)
    expect(root.locator(".hitl-position")).to_have_text("item 4 / 30")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_idle()
    assert ast.literal_eval(lab.python("w.labels.set_index('item_id')['label'].to_dict()")) == dict(sorted(saved))
    # the saved labels are shown: step back to the first item
    root.focus()
    for _ in range(3):
        lab.page.keyboard.press("ArrowLeft")
    expect(root.locator(".hitl-position")).to_have_text("item 1 / 30")
    expect(root.locator(".hitl-current")).to_have_text("label: 4")
    # and labelling goes on, saved, in the new kernel
    lab.page.keyboard.press("5")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    assert sorted(stored_labels(db)) == sorted([*saved, (order[0], 5)])
    lab.screenshot("kernel-kill-after-restart.png")
