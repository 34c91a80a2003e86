"""An audit report opened in headless Chromium: with JavaScript off (as a mail client or a PDF
printer shows it) every section, table and figure is there; with JavaScript on, nothing from the
data runs (every payload is text) and the page loads nothing from outside."""
from __future__ import annotations

import numpy as np
import pytest

import hitl_widgets as hw
from report_fixtures import IMG, PAYLOADS, SCRIPT, audits

pytestmark = [pytest.mark.browser]


@pytest.fixture
def report_file(tmp_path):
    a = audits(tmp_path)
    cert = hw.certify(np.zeros((5, 4, 4, 1), np.uint8), [0, 1, 2, 0, 1], store=a["store"], note=SCRIPT,
                      signing_key=hw.generate_key(), signer=IMG, progress=False)
    path = tmp_path / "audit.html"
    hw.audit_report(a["bias"], a["agreement"], a["confusion"], a["gate"], cert, title="Audit " + SCRIPT,
                    note=IMG).to_html(path)
    return path


def test_report_reads_with_javascript_off(browser, report_file):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(report_file.as_uri())
    assert page.locator("h2").all_inner_texts() == [
        "Bias audit", "Inter-annotator agreement", "Confusion", f"Quality gate: {SCRIPT}", "Certificate: dataset"]
    images = page.locator("img")
    assert images.count() == 3
    for n in range(3):  # each figure decoded and laid out at a readable size
        assert images.nth(n).evaluate("i => i.complete && i.naturalWidth") > 300
        assert images.nth(n).bounding_box()["height"] > 100
    body = page.locator("body").inner_text()
    assert "failed" in body and "3 rejected" in body and "Ed25519 key" in body
    for payload in PAYLOADS:
        assert payload in body  # shown as the text it is
    assert requests == [report_file.as_uri()]  # nothing else fetched
    context.close()


def test_report_runs_nothing_with_javascript_on(browser, report_file):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(report_file.as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator("script, svg, iframe, [onerror], [onload]").count() == 0
    assert page.locator("img").count() == 3  # the figures, not the payloads
    context.close()
