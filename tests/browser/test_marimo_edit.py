"""The four widgets of test_marimo.py in marimo's notebook editor (``marimo edit``, every cell run on
opening), where marimo's own keyboard shortcuts are live: one page, driven by keyboard and mouse,
checked through the widgets rebuilt on the app's store file (tests/browser/hosts.py)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hitl_widgets.testing.marimo import marimo_server

from . import hosts

pytestmark = [pytest.mark.browser, pytest.mark.marimo]


def test_widgets_in_the_marimo_editor(page, tmp_path, monkeypatch):
    db = tmp_path / "store.db"
    app = hosts.marimo_app(tmp_path / "widgets.py", db)
    monkeypatch.setenv("HITL_ANNOTATOR", "tester")
    check = hosts.store_check(db)
    with marimo_server(app, env={"HITL_ANNOTATOR": "tester"}, mode="edit") as url:
        page.goto(url)
        cells = page.locator(".cm-editor")
        expect(cells).to_have_count(5, timeout=60_000)  # the editor: each cell's code, editable
        hosts.classify_by_key(page, check)
        hosts.box_by_drag(page, check)
        hosts.mask_by_stroke(page, check)
        hosts.relabel_by_keyboard(page, check)
        # marimo's own keys did not act on the cells: no cell was added, deleted or moved
        expect(cells).to_have_count(5)
