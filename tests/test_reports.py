"""Audit reports: one self-contained HTML file with the numbers, figures, flags and decisions,
every text from data escaped, nothing that runs or loads."""
from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
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
    cert = hw.certify(np.zeros((5, 4, 4, 1), np.uint8), [0, 1, 2, 0, 1], store=a["store"], gates=[a["gate"]],
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
    cert = hw.certify(np.zeros((3, 4, 4, 1), np.uint8), [0, 1, 2], store=a["store"], signing_key=key, signer="QA lead", progress=False)
    text = cert.to_html()
    assert "<title>Dataset certificate: dataset</title>" in text and "QA lead (Ed25519 key, SHA-256 fingerprint" in text
    assert "hw.verify(certificate, items, labels, public_key='signer.pem.pub')" in text


def test_bad_parts_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        audit_report()
    with pytest.raises(ValueError, match="cannot report a ndarray"):
        audit_report(np.zeros(3))


# ---------------------------------------------------------------------------- numbers as text
def test_format_number_never_shows_a_rate_below_1_as_1():
    from hitl_widgets.reports import format_number

    assert format_number(0.5) == "0.500" and format_number(1.0) == "1.000" and format_number(0.0) == "0.000"
    assert format_number(2000 / 2001) == "0.9995" and format_number(1 - 1e-5) == "0.99999"
    assert format_number(1 - 1e-12) == "<1.000" and format_number(1e-12) == ">0.000"
    assert format_number(2000 / 2001, 1, percent=True) == "99.95%" and format_number(1.0, 1, percent=True) == "100.0%"
    assert format_number(0.0004, significant=True) == "0.0004" and format_number(0.05, significant=True) == "0.05"
    assert format_number(0.0004) == "0.0004" and format_number(float("nan")) == "–"
    assert format_number(np.float32(0.25), 2) == "0.25"


class _Gate:
    """What gate_section reads of a QualityGate: 2000 of 2001 accepted, risk 0.0004."""

    def __init__(self):
        self.report = {"name": "big", "status": "passed", "n": 2001, "c": 12, "threshold": 0.99, "risk": 0.0004,
                       "reviewed": 2001, "accepted": 2000, "rejected": 1, "acceptance_rate": 2000 / 2001,
                       "ci_low": 0.99721, "ci_high": 0.999987, "reasons": {"duplicate": 1}}
        self.decisions = pd.DataFrame({"item_id": [0], "verdict": ["reject"], "reason": ["duplicate"],
                                       "stratum": [None], "annotator": ["ada"], "event_id": [1]})

    def _report_section(self, light: bool = False):
        from hitl_widgets.reports import gate_section

        return gate_section(self, light)


def test_gate_section_shows_the_risk_and_a_rate_below_1_as_they_are():
    text = audit_report(_Gate()).to_html()
    assert "required acceptance</td><td>0.990 (risk 0.0004)" in text  # was "(risk 0.000)"
    assert "acceptance rate (95% CI)</td><td>0.9995 <span class='muted'>(0.997–0.99999)</span>" in text  # was 1.000


def test_confusion_share_is_not_rounded_up_to_100_percent():
    class Confusion:
        matrix_df = pd.DataFrame([[1999, 1], [0, 0]], index=["a", "b"], columns=["a", "b"])
        label_issues = relabels = per_class = pd.DataFrame({"x": []})

        def _report_section(self, light=False):
            from hitl_widgets.reports import confusion_section

            return confusion_section(self, light)

    text = audit_report(Confusion()).to_html()
    assert "2000 items, 1999 where prediction and label agree (99.95%)" in text


# ---------------------------------------------------------------------------- names on heatmaps
def test_short_names_cut_with_an_ellipsis_and_stay_apart():
    from hitl_widgets.reports import short_names

    names = ["annotator_team_alpha_1", "annotator_team_alpha_2", "bo"]
    assert short_names(names) == ["annotator_…m_alpha_1", "annotator_…m_alpha_2", "bo"]
    middle = ["abcdefghij_MIDDLE1_klmnopqrstuvw", "abcdefghij_MIDDLE2_klmnopqrstuvw"]
    cut = short_names(middle)
    assert len(set(cut)) == 2 and all("…" in c for c in cut) and all(len(c) < len(middle[0]) for c in cut)
    assert short_names(["1", "1", "x"]) == ["1", "1 (2)", "x"]  # 1 and "1" both read "1": told apart
    assert short_names(["a" * 30]) == ["a" * 10 + "…" + "a" * 9]


def test_both_heatmaps_keep_long_names_apart(monkeypatch):
    import hitl_widgets.reports as reports

    names = ["annotator_team_alpha_1", "annotator_team_alpha_2"]
    matrix = np.array([[1.0, 0.999], [0.999, 1.0]])
    html = reports._cell_heatmap(matrix, names, names, "kappa", digits=2)
    headers = re.findall(r"<th style='font-size:11px'>([^<]*)</th>", html)
    assert headers == ["annotator_…m_alpha_1", "annotator_…m_alpha_2"] * 2
    assert ">0.999<" in html and html.count(">1.00<") == 2  # 0.999 is not shown as 1.00
    drawn = {}

    def keep(fig):
        ax = fig.axes[0]
        drawn["x"] = [t.get_text() for t in ax.get_xticklabels()]
        drawn["y"] = [t.get_text() for t in ax.get_yticklabels()]
        drawn["cells"] = [t.get_text() for t in ax.texts]
        return ""

    monkeypatch.setattr(reports, "_figure_png", keep)
    reports._heatmap(matrix, names, names, "kappa", digits=2)
    assert drawn["x"] == drawn["y"] == ["annotator_…m_alpha_1", "annotator_…m_alpha_2"]
    assert drawn["cells"] == ["1.00", "0.999", "0.999", "1.00"]
