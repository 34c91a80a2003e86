"""Self-contained HTML audit reports for a reviewer: what was audited, the numbers with their
confidence intervals, the flags, the gate decisions with their reasons, and the certificate with
how to verify it — one file, figures embedded as PNG, no scripts, no network.

Every value that came from data or a model (class names, group names, reasons, notes) is escaped;
the page also forbids scripts and every remote load in its Content-Security-Policy, so a report
opened from an e-mail runs nothing.

Example:
    >>> import numpy as np, pandas as pd
    >>> from hitl_widgets import BiasAudit
    >>> y = np.array([0, 1] * 50); p = y.copy(); p[:10] = 1 - p[:10]
    >>> audit = BiasAudit(y, p, pd.DataFrame({"site": ["a"] * 50 + ["b"] * 50}), n_boot=50)
    >>> report = audit_report(audit, title="Release 3 audit")
    >>> html = report.to_html()
    >>> "<script" in html, "Release 3 audit" in html, "data:image/png;base64," in html
    (False, True, True)
"""
from __future__ import annotations

import base64
import html
import io
import math
import numbers
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__
from .coerce import plain, refuse_lookalikes

__all__ = ["AuditReport", "audit_report", "CSP", "format_number", "short_names"]

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:64em;margin:2em auto;padding:0 1em;color:#222;background:#fff}"
    "h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}"
    "table{border-collapse:collapse;margin:.6em 0}td,th{padding:3px 10px;border-bottom:1px solid #ddd;"
    "text-align:left;vertical-align:top}code{font-size:.85em;word-break:break-all}"
    ".pass{color:#2e7d32;font-weight:600}.fail{color:#c62828;font-weight:600}.muted{color:#666}"
    "img{max-width:100%}.flag{background:#fdecea}"
    "@media (prefers-color-scheme:dark){body{background:#1e1e1e;color:#ddd}td,th{border-color:#444}"
    ".muted{color:#aaa}.flag{background:#4a1f1f}}"
)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


_MORE_DIGITS = 6  # how many digits format_number adds, at most, before it writes "<1.000" / ">0.000"


def format_number(value: Any, digits: int = 3, *, percent: bool = False, significant: bool = False) -> str:
    """One number as report text (not escaped; "–" for NaN or inf), never shown as a whole number
    that it is not: ``digits`` decimals (``significant``: significant figures, for a small risk),
    and more where rounding would make a rate below 1 read as 1 (``0.9995`` → ``"0.9995"``, not
    ``"1.000"``; ``0.0004`` → ``"0.0004"``, not ``"0.000"``); beyond 6 more digits, ``"<1.000"`` /
    ``">0.000"``. ``percent``: ``value`` is a fraction, shown in percent with a ``%`` sign.

    Every number in a report and a certificate's HTML goes through this one function.

    Example:
        >>> format_number(0.5), format_number(2000 / 2001), format_number(0.0004, significant=True)
        ('0.500', '0.9995', '0.0004')
        >>> format_number(2000 / 2001, 1, percent=True), format_number(1.0, 1, percent=True)
        ('99.95%', '100.0%')
    """
    x = float(plain(value))
    if not math.isfinite(x):
        return "–"
    if percent:
        x *= 100
    suffix = "%" if percent else ""
    spec = "g" if significant else "f"
    digits = max(int(digits), 1 if significant else 0)
    for more in range(_MORE_DIGITS + 1):
        text = f"{x:.{digits + more}{spec}}"
        shown = float(text)
        if shown == x or shown != round(shown):  # exact, or not a whole number it is not
            return text + suffix
    whole = round(x)  # still rounds to a whole number: say on which side of it the value is
    return f"{'<' if x < whole else '>'}{abs(whole) if whole == 0 else whole:.{0 if significant else digits}f}{suffix}"


def _num(value: Any, digits: int = 3, **how: bool) -> str:
    """``format_number`` of a number, escaped text of anything else."""
    try:
        float(plain(value))
    except (TypeError, ValueError):
        return _e(value)
    return _e(format_number(value, digits, **how))


def _ci(estimate: Any, low: Any, high: Any, digits: int = 3, **how: bool) -> str:
    text = _num(estimate, digits, **how)
    if all(isinstance(v, (int, float, np.number)) and math.isfinite(float(v)) for v in (low, high)):
        text += f" <span class='muted'>({_num(low, digits, **how)}–{_num(high, digits, **how)})</span>"
    return text


def short_names(names: Sequence[Any], width: int = 20, *, what: str = "the names") -> list[str]:
    """Names for a figure's axis or a table's header, at most ``width`` characters where that
    keeps them apart: a longer name keeps its start and its end around "…"
    (``annotator_team_alpha_1`` → ``annotator_…m_alpha_1``); names that would still read the same
    are cut less, and names that are the same to begin with get " (2)", " (3)"... Never two
    equal names for two rows. Names that read alike but differ in type (the class ``1`` and the
    class ``"1"``, ``True`` and ``1``) are refused, ``what`` naming them in the ``ValueError``
    (``coerce.refuse_lookalikes``): shown as "1" and "1 (2)", one would pass for a copy of the other.

    Example:
        >>> short_names(["annotator_team_alpha_1", "annotator_team_alpha_2", "bo"])
        ['annotator_…m_alpha_1', 'annotator_…m_alpha_2', 'bo']
        >>> short_names([1, "1"], what="the classes")
        Traceback (most recent call last):
        ...
        ValueError: name '1' (a str) in the classes and 1 (an int) in the classes read alike but never match: give them one type (e.g. .astype(str) on both)
    """
    refuse_lookalikes("name", [(what, list(names))])
    names = [str(n) for n in names]

    def cut(name: str, w: int) -> str:
        if len(name) <= w:
            return name
        tail = (w - 1) // 2
        return name[: w - 1 - tail] + "…" + (name[-tail:] if tail else "")

    def repeated(labels: list[str]) -> set[int]:
        seen: dict[str, list[int]] = {}
        for n, label in enumerate(labels):
            seen.setdefault(label, []).append(n)
        return {n for group in seen.values() if len(group) > 1 for n in group}

    out = [cut(n, width) for n in names]
    w = width
    longest = max((len(n) for n in names), default=0)
    while (clash := repeated(out)) and w < longest:
        w += 1
        for n in clash:
            out[n] = cut(names[n], w)
    taken = set(out)
    counts: dict[str, int] = {}
    for n, label in enumerate(out):
        counts[label] = counts.get(label, 0) + 1
        if counts[label] > 1:  # the same name twice: number the later ones
            k = counts[label]
            while f"{label} ({k})" in taken:
                k += 1
            out[n] = f"{label} ({k})"
            taken.add(out[n])
    return out


def _table(header: list[str], rows: list[list[str]], flagged: list[bool] | None = None) -> str:
    """An HTML table of cells that are already escaped."""
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        f"<tr{' class=flag' if flagged and flagged[n] else ''}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for n, row in enumerate(rows)
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _refuse_lookalike_cells(df: pd.DataFrame, what: str) -> None:
    """Refuse a table (``what`` names it) with two column names, or two values of one column, that
    read alike as text but differ in type (``1`` and ``"1"``, ``True`` and ``1``): the reader could not
    tell them apart (``coerce.refuse_lookalikes``, naming the column)."""
    refuse_lookalikes("column name", [(what, list(df.columns))])
    for n, name in enumerate(df.columns):
        if df.dtypes.iloc[n].kind == "O":  # a typed column holds one kind
            scalars = [v for v in df.iloc[:, n].tolist() if isinstance(v, (str, numbers.Number, np.generic))]
            refuse_lookalikes("value", [(f"{what}, column {name!r}", scalars)])


def _frame(df: pd.DataFrame, max_rows: int = 50, what: str = "a table") -> str:
    """A DataFrame as an escaped table (its first ``max_rows`` rows, and how many were left out);
    values that would read alike but differ in type are refused (``what`` names the table)."""
    shown = df.head(max_rows)
    _refuse_lookalike_cells(shown, what)
    rows = [[_num(v) if isinstance(v, (float, np.floating)) else _e(v) for v in r] for r in shown.itertuples(index=False)]
    text = _table([str(c) for c in shown.columns], rows)
    if len(df) > max_rows:
        text += f"<p class='muted'>{len(df) - max_rows} more rows not shown.</p>"
    return text


def _figure_png(fig: Any) -> str:
    from matplotlib.text import Text

    for text in fig.findobj(Text):  # names are data: "$x^2$" is drawn as typed, and "$\\foo$" cannot break the report
        text.set_parse_math(False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "<img alt='figure' src='data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii") + "'>"


def _new_figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI backend

    return Figure(figsize=(width, height), layout="constrained")


def _heatmap(matrix: np.ndarray, rows: Sequence[Any], cols: Sequence[Any], title: str, digits: int = 0, cmap: str = "Blues") -> str:
    n_rows, n_cols = matrix.shape
    fig = _new_figure(min(1.2 + 0.55 * n_cols, 12), min(1.0 + 0.45 * n_rows, 12))
    ax = fig.subplots()
    finite = matrix[np.isfinite(matrix)]
    image = ax.imshow(matrix, cmap=cmap, vmin=float(finite.min()) if finite.size else 0, vmax=float(finite.max()) if finite.size else 1)
    ax.set_xticks(range(n_cols), short_names(cols, what=f"the columns of {title!r}"), rotation=45, ha="right")
    ax.set_yticks(range(n_rows), short_names(rows, what=f"the rows of {title!r}"))
    ax.set_title(title)
    if n_rows * n_cols <= 400:
        for (i, j), v in np.ndenumerate(matrix):
            if np.isfinite(v):
                r, g, b, _ = image.cmap(image.norm(v))  # dark text on light cells, light on dark
                ax.text(j, i, format_number(v, digits), ha="center", va="center", fontsize=8,
                        color="black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _figure_png(fig)


def _cell_heatmap(matrix: np.ndarray, rows: Sequence[Any], cols: Sequence[Any], title: str, digits: int = 0) -> str:
    """A heatmap as an HTML table with shaded cells: no figure to draw (quick enough for a widget's
    static card), readable with images off."""
    finite = matrix[np.isfinite(matrix)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = (high - low) or 1.0
    header = "<tr><th></th>" + "".join(f"<th style='font-size:11px'>{_e(c)}</th>" for c in short_names(cols, what=f"the columns of {title!r}")) + "</tr>"
    body = []
    for name, values in zip(short_names(rows, what=f"the rows of {title!r}"), matrix):
        cells = []
        for v in values:
            if not np.isfinite(v):
                cells.append("<td>–</td>")
                continue
            t = (float(v) - low) / span  # white → dark blue
            r, g, b = (round(255 - t * (255 - 21)), round(255 - t * (255 - 101)), round(255 - t * (255 - 192)))
            ink = "#fff" if t > 0.55 else "#000"
            cells.append(f"<td style='background:rgb({r},{g},{b});color:{ink};text-align:center'>{_e(format_number(v, digits))}</td>")
        body.append(f"<tr><th style='font-size:11px'>{_e(name)}</th>{''.join(cells)}</tr>")
    return f"<p><b>{_e(title)}</b></p><table>{header}{''.join(body)}</table>"


# ------------------------------------------------------------------------------- sections
def bias_section(audit: Any, light: bool = False) -> tuple[str, str]:
    metrics = [c for c in audit.by_group.columns if c in audit.overall.index]  # not n, not the error counts
    groups = [" × ".join(map(str, g)) if isinstance(g, tuple) else str(g) for g in audit.by_group.index]
    flagged_pairs = {(str(g), str(m)) for g, m in zip(audit.flags["group"].map(
        lambda g: " × ".join(map(str, g)) if isinstance(g, tuple) else str(g)), audit.flags["metric"])}
    counts = [c for c in ("n", "errors") if c in audit.by_group.columns]
    header = ["group", *counts, *metrics]
    rows, flags = [], []
    for group, (_, row) in zip(groups, audit.by_group.iterrows()):
        cells = [_e(group), *(_e(int(row[c])) for c in counts)]
        for m in metrics:
            low = audit.intervals.loc[row.name, (m, "low")] if (m, "low") in audit.intervals.columns else math.nan
            high = audit.intervals.loc[row.name, (m, "high")] if (m, "high") in audit.intervals.columns else math.nan
            cell = _ci(row[m], low, high)
            cells.append(f"<b>{cell} ⚑</b>" if (group, m) in flagged_pairs else cell)
        rows.append(cells)
        flags.append(any((group, m) in flagged_pairs for m in metrics))
    overall = _table(["metric", "overall"], [[_e(m), _num(v)] for m, v in audit.overall.items()])
    figure = "" if light else _bias_figure(audit, metrics, groups)
    flags_html = (
        "<p>No group is flagged.</p>" if audit.flags.empty else _frame(audit.flags.assign(
            group=audit.flags["group"].map(lambda g: " × ".join(map(str, g)) if isinstance(g, tuple) else str(g))))
    )
    body = (
        f"<p>{len(audit.by_group)} groups over {int(audit.by_group['n'].sum())} rows; a group is flagged when a metric "
        f"differs from overall by more than {_e(getattr(audit, 'threshold', '?'))} (⚑, shaded rows).</p>"
        + overall + _table(header, rows, flags) + figure + "<h3>Flags</h3>" + flags_html
    )
    return "Bias audit", body


def _bias_figure(audit: Any, metrics: list[str], groups: list[str]) -> str:
    """A dot per group with its CI, per metric, the overall value as a line."""
    fig = _new_figure(min(2.5 * len(metrics), 15), 1.6 + 0.3 * len(groups))
    axes = np.atleast_1d(fig.subplots(1, len(metrics), sharey=True))
    ys = np.arange(len(groups))
    for ax, m in zip(axes, metrics):
        values = audit.by_group[m].to_numpy(float)
        low = audit.intervals[(m, "low")].to_numpy(float) if (m, "low") in audit.intervals.columns else values
        high = audit.intervals[(m, "high")].to_numpy(float) if (m, "high") in audit.intervals.columns else values
        err = np.vstack([np.clip(values - low, 0, None), np.clip(high - values, 0, None)])
        err = np.nan_to_num(err)
        ax.errorbar(values, ys, xerr=err, fmt="o", color="#1565c0", ecolor="#90caf9", capsize=3)
        ax.axvline(float(audit.overall[m]), color="#c62828", lw=1, ls="--")
        ax.set_title(m, fontsize=9)
        ax.set_xlim(-0.02, 1.02)
    axes[0].set_yticks(ys, short_names(groups, 24))
    axes[0].invert_yaxis()
    fig.suptitle("per group, with the bootstrap CI; dashed: overall", fontsize=9)
    return _figure_png(fig)


def agreement_section(dash: Any, light: bool = False) -> tuple[str, str]:
    overall = _table(["metric", "estimate (CI)"], [[_e(r["metric"]), _ci(r["estimate"], r["low"], r["high"])] for _, r in dash.overall.iterrows()])
    annotators = dash.per_annotator
    per_annotator = _table(
        list(annotators.columns), [[_num(v) if isinstance(v, (float, np.floating)) else _e(v) for v in r] for r in annotators.itertuples(index=False)],
        [bool(f) for f in annotators.get("flagged", pd.Series(False, index=annotators.index))],
    )
    pairwise = dash.pairwise
    figure = (_cell_heatmap if light else _heatmap)(pairwise.to_numpy(float), list(pairwise.index), list(pairwise.columns),
                      "Cohen's kappa between annotators", digits=2, **({} if light else {"cmap": "viridis"})) if len(pairwise) > 1 else ""
    queue = dash.queue
    adjudicated = int(queue["adjudicated"].notna().sum()) if "adjudicated" in queue else 0
    body = (
        f"<p>Task <code>{_e(dash.task)}</code>: {len(dash.item_ids)} items, {len(dash.annotators)} annotators; "
        f"{len(queue)} items with disagreement, {adjudicated} adjudicated.</p>"
        + overall + "<h3>Annotators</h3>" + per_annotator + figure
        + "<h3>Per class</h3>" + _frame(dash.per_class) + "<h3>Disagreements</h3>" + _frame(queue.assign(labels=queue["labels"].map(str)))
    )
    return "Inter-annotator agreement", body


def confusion_section(dash: Any, light: bool = False) -> tuple[str, str]:
    matrix = dash.matrix_df
    figure = (_cell_heatmap if light else _heatmap)(matrix.to_numpy(float), list(matrix.index), list(matrix.columns),
                      "confusion (rows: given label, columns: predicted)")
    total = int(matrix.to_numpy().sum())
    correct = int(np.trace(matrix.to_numpy()))
    issues = dash.label_issues
    body = (
        f"<p>{total} items, {correct} where prediction and label agree ({format_number(correct / total, 1, percent=True)}); "
        f"{len(issues)} likely label errors, {len(dash.relabels)} relabelled.</p>" if total else "<p>no items</p>"
    ) + figure + "<h3>Per class</h3>" + _frame(dash.per_class) + "<h3>Likely label errors</h3>" + (
        _frame(issues) if len(issues) else "<p>none found</p>")
    return "Confusion", body


def gate_section(gate: Any, light: bool = False) -> tuple[str, str]:
    r = gate.report
    status = str(r["status"])
    rows = [
        ["status", f"<span class='{'pass' if status == 'passed' else 'fail'}'>{_e(status)}</span>"],
        ["sampling plan", f"inspect {_e(r['n'])}, accept the batch with at most {_e(r['c'])} rejected"],
        ["reviewed", f"{_e(r['reviewed'])} of {_e(r['n'])}: {_e(r['accepted'])} accepted, {_e(r['rejected'])} rejected"],
        ["acceptance rate (95% CI)", _ci(r["acceptance_rate"], r["ci_low"], r["ci_high"])],
        ["required acceptance", f"{_num(r['threshold'])} (risk {_num(r['risk'], significant=True)})"],
    ]
    reasons = [[_e(k), _e(v)] for k, v in (r.get("reasons") or {}).items() if v]
    rejected = gate.decisions[gate.decisions["verdict"] == "reject"]
    body = (
        _table(["", ""], rows) + "<h3>Rejections by reason</h3>" + (_table(["reason", "items"], reasons) if reasons else "<p>none</p>")
        + "<h3>Rejected items</h3>" + (_frame(rejected[["item_id", "reason", "stratum", "annotator"]]) if len(rejected) else "<p>none</p>")
    )
    return f"Quality gate: {r['name']}", body


def certificate_section(cert: Any, light: bool = False) -> tuple[str, str]:
    body = cert.html_body(level=3)
    body += (
        "<h3>How to verify</h3><p>With the items and labels at hand: <code>hw.verify(certificate, items, labels"
        + (", public_key='signer.pem.pub'" if cert.get("signer") else "")
        + ")</code> rehashes them and names every item or label that changed"
        + ("; the public key must match the fingerprint above" if cert.get("signer") else "")
        + ". With the store: <code>store=</code> also checks that this certificate is the one in its audit log.</p>"
    )
    return f"Certificate: {cert.get('name')}", body


def _section(part: Any, light: bool = False) -> tuple[str, str]:
    """(title, escaped HTML) of one part; ``light``: leave out the figures that are slow to draw.

    A part reports itself (``part._report_section(light)``: BiasAudit, AgreementDashboard,
    ConfusionDashboard, QualityGate and certificates call the builders above), so this module
    imports none of them."""
    own = getattr(part, "_report_section", None)
    if callable(own):
        return own(light)
    if isinstance(part, tuple) and len(part) == 2 and isinstance(part[0], str) and isinstance(part[1], (pd.DataFrame, str)):
        title, content = part
        return title, (_frame(content, what=f"section {title!r}") if isinstance(content, pd.DataFrame) else f"<p>{_e(content)}</p>")
    raise ValueError(
        f"audit_report cannot report a {type(part).__name__}: give BiasAudit, AgreementDashboard, ConfusionDashboard, "
        "QualityGate, Certificate, or a (title, DataFrame or text) pair"
    )


@dataclass
class AuditReport:
    """An audit report: sections of escaped HTML. ``to_html(path)`` writes one self-contained file."""

    title: str
    sections: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    author: str | None = None
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """The report as one HTML document (written to ``path`` when given)."""
        contents = "".join(f"<li>{_e(t)}</li>" for t, _ in self.sections)
        parts = [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
            "<meta name='referrer' content='no-referrer'>",
            f"<title>{_e(self.title)}</title><style>{_STYLE}</style></head><body>",
            f"<h1>{_e(self.title)}</h1><p class='muted'>written {_e(self.created_at)}"
            + (f" by {_e(self.author)}" if self.author else "") + f" with hitl-widgets {_e(__version__)}</p>",
        ]
        if self.note:
            parts.append(f"<p>{_e(self.note)}</p>")
        parts.append(f"<ol>{contents}</ol>")
        parts += [f"<section><h2>{_e(t)}</h2>{body}</section>" for t, body in self.sections]
        parts.append("</body></html>")
        text = "".join(parts)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        return self.to_html()


def audit_report(*parts: Any, title: str = "Audit report", note: str = "", author: str | None = None) -> AuditReport:
    """One report over any of: ``BiasAudit``, ``AgreementDashboard``, ``ConfusionDashboard``,
    ``QualityGate``, a certificate, or ``(title, DataFrame or text)`` pairs — each a section with
    its numbers (CIs where the audit has them), figures, flags and decisions.

    Example:
        >>> audit_report(("Scope", "digits v3, 1,797 images"), title="t").sections[0][0]
        'Scope'
    """
    if not parts:
        raise ValueError("audit_report needs at least one thing to report")
    return AuditReport(str(title), [_section(p) for p in parts], note=str(note), author=author)


def to_html(part: Any, path: str | os.PathLike | None = None, title: str | None = None) -> str:
    """One object's report as HTML (what the dashboards' and the gate's ``to_html`` call)."""
    section_title, _ = _section(part)
    return audit_report(part, title=title or section_title).to_html(path)

