"""Kill the kernel with SIGKILL while labelling in a real JupyterLab: nothing typed is lost.

Labels the view showed as "all saved" before the kill are in the SQLite file; labels pressed after
it show as "not saved" in the view (after the front end's retries) and are not in the store; the
view says its kernel is gone and "retry unsaved" does not pretend. After a restart, re-running
the notebook shows the saved labels and offers the unanswered ones, kept in the browser's
IndexedDB: discarded in the first test, saved (with the times they were typed) in the second.
"""
from __future__ import annotations

import ast
import os
import re
import signal
import sqlite3
import time
from datetime import datetime, timezone

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


DISCONNECTED = "not connected to a running kernel — re-run this cell; unsaved edits are kept in this browser"


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
    expect(root.locator(".hitl-status-banner")).to_have_text(DISCONNECTED, timeout=10_000)

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
    # the two labels typed after the kill are offered back: this time the person discards them
    offer = root.locator(".hitl-offer")
    expect(offer.locator(".hitl-offer-text")).to_have_text("2 unsaved edits from before the restart:")
    offer.locator(".hitl-offer-discard").click()
    expect(root.locator(".hitl-status-message")).to_have_text("discarded 2 edits from before the restart")
    expect(offer).to_have_count(0)
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


SLOW_CELLS = [
    CELLS[0],
    'store = hw.AnnotationStore("lost.db")\n'
    'w = hw.ClassifyWidget(images, classes=list(range(10)), store=store, task="lost")\n'
    "import time\n"
    "# while the file 'slow' exists the kernel takes 6 s over each label (after storing it): the\n"
    "# test kills it there, so that labels typed just before are never answered\n"
    'w.on_label(lambda e: time.sleep(6) if os.path.exists("slow") else None)\n'
    "w",
]

COUNT_KEPT = """async () => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open("hitl-widgets"); r.onsuccess = () => ok(r.result); r.onerror = fail; });
    const tx = db.transaction("unacknowledged-edits", "readonly");
    const n = await new Promise((ok) => { const r = tx.objectStore("unacknowledged-edits").count(); r.onsuccess = () => ok(r.result); });
    db.close();
    return n;
}"""


def label_events(path) -> list[tuple]:
    """(item_id, label, created_at) of every label event in the SQLite file, in event order."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT item_id, kind, payload, created_at FROM hitl_events ORDER BY event_id").fetchall()
    return [
        (ast.literal_eval(i), ast.literal_eval(p.replace("null", "None"))["label"], datetime.fromisoformat(c).replace(tzinfo=timezone.utc))
        for i, k, p, c in rows
        if k == "label"
    ]


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    pytest.fail(f"kernel {pid} still alive after SIGKILL")


def test_labels_typed_as_the_kernel_dies_are_kept_in_the_browser_and_saved_after_the_restart(lab):
    lab.open(lab.new_notebook("lost.ipynb", SLOW_CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-classify")
    expect(root.locator(".hitl-current")).to_have_text("unlabelled", timeout=60_000)
    lab.wait_idle()
    db = lab.workdir / "lost.db"
    order = ast.literal_eval(lab.python("w.order[:8]"))
    pid = int(lab.python("os.getpid()"))
    badge = root.locator(".hitl-status-saved")

    root.focus()
    typed = ["4", "7"]
    for key in typed:
        lab.page.keyboard.press(key)
    expect(badge).to_have_text("all saved")
    assert [(i, v) for i, v, _ in label_events(db)] == [(order[0], 4), (order[1], 7)]

    (lab.workdir / "slow").touch()
    for key in ["1", "9", "2", "3"]:  # "1" is stored, then the kernel sleeps: none is answered
        lab.page.keyboard.press(key)
        typed.append(key)
    expect(root.locator(".hitl-position")).to_have_text("item 7 / 30")
    deadline = time.monotonic() + 5
    while (order[2], 1) not in [(i, v) for i, v, _ in label_events(db)]:  # stored, its ack not sent
        assert time.monotonic() < deadline, "the kernel never stored the label of item 3"
        time.sleep(0.05)
    expect(badge).to_have_text("4 unsaved")
    kill(pid)  # mid-typing: "1" stored but unanswered, "9 2 3" never read
    killed_at = datetime.now(timezone.utc)
    (lab.workdir / "slow").unlink()

    dialog = lab.page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("appears to have died", timeout=20_000)
    dialog.locator("button.jp-mod-accept").click()
    expect(dialog).to_have_count(0)

    # the view says its kernel is gone, and what to do
    banner = root.locator(".hitl-status-banner")
    expect(banner).to_have_text(DISCONNECTED, timeout=10_000)
    root.focus()
    lab.page.keyboard.press("8")  # a label typed after the death is kept too
    typed.append("8")
    expect(badge).to_have_text("5 not saved", timeout=30_000)
    retry = root.locator(".hitl-retry")
    expect(retry).to_be_visible()
    retry.click()
    # "retry unsaved" does not pretend: no "5 unsaved" again, the reason instead
    expect(root.locator(".hitl-status-message")).to_have_text(DISCONNECTED)
    expect(badge).to_have_text("5 not saved")
    assert lab.page.evaluate(COUNT_KEPT) == 5  # every unanswered label is in IndexedDB

    lab.restart_kernel()
    lab.run_all()
    root = lab.page.locator(".hitl-classify")
    expect(root.locator(".hitl-progress")).to_have_text("labelled 3 of 30", timeout=60_000)  # 4, 7 and 1
    offer = root.locator(".hitl-offer")
    expect(offer.locator(".hitl-offer-text")).to_have_text("5 unsaved edits from before the restart:")
    expect(root.locator(".hitl-status-banner")).to_be_hidden()  # a new view on a live kernel
    lab.wait_idle()
    lab.screenshot_element(root, "kernel-kill-offer.png")
    saved_at = datetime.now(timezone.utc)
    offer.locator(".hitl-offer-save").click()
    expect(root.locator(".hitl-status-message")).to_have_text(
        "saved 4 of 5 edits from before the restart, 1 already saved", timeout=20_000
    )
    expect(offer).to_have_count(0)
    expect(root.locator(".hitl-progress")).to_have_text("labelled 7 of 30")
    expect(badge).to_have_text("all saved")
    assert lab.page.evaluate(COUNT_KEPT) == 0  # forgotten once the kernel answered

    # every label typed is in the store, once, at the time it was typed
    events = label_events(db)
    assert [(i, v) for i, v, _ in events] == [(order[k], int(key)) for k, key in enumerate(typed)]
    times = [t for _, _, t in events]
    # the replayed labels (9 2 3 typed before the kill, 8 after it) carry the time each was typed,
    # in the order typed, not the time of the save; "1" was stored by the kernel that died (its
    # time is when that kernel committed it, like every label answered in time)
    assert times[0] < times[1] < times[3] < times[4] < times[5] < killed_at < times[6] < saved_at
    assert times[1] < times[2] < killed_at
    assert ast.literal_eval(lab.python("w.labels.set_index('item_id')['label'].to_dict()")) == {
        order[k]: int(key) for k, key in enumerate(typed)
    }
    # the view shows them: the replayed items were fetched again
    expect(root.locator(".hitl-position")).to_have_text("item 4 / 30")
    expect(root.locator(".hitl-current")).to_have_text("label: 9")
    root.focus()
    lab.page.keyboard.press("ArrowRight")
    expect(root.locator(".hitl-current")).to_have_text("label: 2")
    lab.screenshot("kernel-kill-replayed.png")
