"""Audit reports: one self-contained HTML file with the numbers, figures, flags and decisions,
every text from data escaped, nothing that runs or loads."""
from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

import hitl_widgets as hw
from hitl_widgets.reports import CSP, audit_report
from report_fixtures import PAYLOADS, SCRIPT, audits


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(text: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(text)
    return parser.tags


@pytest.fixture
def full(tmp_path):
    a = audits(tmp_path)
    cert = hw.certify(np.zeros((5, 4, 4), np.uint8), [0, 1, 2, 0, 1], store=a["store"], gates=[a["gate"]],
                      require_gates=False, note=SCRIPT, progress=False)
    a["cert"] = cert
    report = audit_report(a["bias"], a["agreement"], a["confusion"], a["gate"], cert, ("Scope", SCRIPT),
                          title="Release " + SCRIPT, note=PAYLOADS[0])
    return a, report, report.to_html(tmp_path / "report.html")


def test_report_is_one_inert_file(full, tmp_path):
    _, _, text = full
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == text
    tags = parse(text)
    names = [t for t, _ in tags]
    assert "script" not in names and "svg" not in names and "link" not in names and "iframe" not in names
    assert not any(k.startswith("on") for _, attrs in tags for k in attrs)  # no handler anywhere
    images = [attrs["src"] for t, attrs in tags if t == "img"]
    assert images and all(src.startswith("data:image/png;base64,") for src in images)  # nothing remote
    csp = [attrs for t, attrs in tags if t == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"]
    assert csp and csp[0]["content"] == CSP and "script-src" not in CSP and "default-src 'none'" in CSP


def test_every_payload_is_shown_as_text(full):
    _, _, text = full
    for payload in PAYLOADS:
        assert payload not in text
    assert "&lt;img src=x onerror=&quot;window.__xss" in text  # a class name, a reason, the note
    assert "&lt;script&gt;window.__xss" in text  # group, gate name, certificate note, title
    assert "&lt;svg onload=" in text  # an annotator


def test_figures_are_real_pictures(full):
    _, _, text = full
    sources = re.findall(r"src='data:image/png;base64,([^']+)'", text)
    assert len(sources) == 3  # bias dots, agreement kappa heatmap, confusion heatmap
    for source in sources:
        image = np.asarray(Image.open(io.BytesIO(base64.b64decode(source))).convert("L"))
        assert image.shape[0] > 100 and image.shape[1] > 100 and image.std() > 10  # drawn, not blank


def test_numbers_come_from_the_audits(full):
    a, report, text = full
    titles = [t for t, _ in report.sections]
    assert titles == ["Bias audit", "Inter-annotator agreement", "Confusion", f"Quality gate: {SCRIPT}",
                      f"Certificate: {a['cert']['name']}", "Scope"]
    bias = a["bias"]
    m = bias.by_group.columns[1]
    g = bias.by_group.index[0]
    low, high = bias.intervals.loc[g, (m, "low")], bias.intervals.loc[g, (m, "high")]
    assert f"{bias.by_group.loc[g, m]:.3f} <span class='muted'>({low:.3f}–{high:.3f})</span>" in report.sections[0][1]
    assert ("No group is flagged." in report.sections[0][1]) == bias.flags.empty
    agreement = a["agreement"].overall.iloc[0]
    assert f"{agreement['estimate']:.3f} <span class='muted'>({agreement['low']:.3f}–{agreement['high']:.3f})</span>" in text
    matrix = a["confusion"].matrix_df.to_numpy()
    assert f"{int(matrix.sum())} items, {int(np.trace(matrix))} where prediction and label agree" in text
    gate = a["gate"].report
    assert gate["status"] == "failed" and "class='fail'>failed<" in report.sections[3][1]
    assert f"{gate['reviewed']} of {gate['n']}: {gate['accepted']} accepted, {gate['rejected']} rejected" in text
    assert report.sections[3][1].count("<tr>") == 5 + 1 + 1 + 1 + 3 + 1  # plan rows+header, reasons+header, 3 rejected+header
    assert a["cert"]["content_hash"] in text and "hw.verify(certificate, items, labels)" in text


def test_to_html_on_each_audit_and_the_certificate(tmp_path):
    a = audits(tmp_path, hostile=False)
    for key, title in (("bias", "Bias audit"), ("agreement", "Inter-annotator agreement"), ("confusion", "Confusion"),
                       ("gate", "Quality gate: batch 7")):
        text = a[key].to_html(tmp_path / f"{key}.html")
        assert f"<title>{title}</title>" in text and (tmp_path / f"{key}.html").exists()
    key = hw.generate_key()
    cert = hw.certify(np.zeros((3, 4, 4), np.uint8), [0, 1, 2], store=a["store"], signing_key=key, signer="QA lead", progress=False)
    text = cert.to_html()
    assert "<title>Dataset certificate: dataset</title>" in text and "QA lead (Ed25519 key, SHA-256 fingerprint" in text
    assert "hw.verify(certificate, items, labels, public_key='signer.pem.pub')" in text


def test_bad_parts_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        audit_report()
    with pytest.raises(ValueError, match="cannot report a ndarray"):
        audit_report(np.zeros(3))
