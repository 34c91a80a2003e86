"""Dataset certificates and the store's hash-chained audit log.

``certify(items, labels, store=...)`` hashes every item and label (SHA-256, items in a canonical
order: ints by value, then strs), records the quality gates' decisions, an agreement summary from
the store, an error summary (a ``BiasAudit`` or a dict of numbers), the approver and the time, and
appends the certificate to the store's audit log. ``verify(certificate, items, labels)`` names
every item or label that changed since, and whether the certificate itself was edited.

The audit log (table ``hitl_audit_log``, on the store's own database) is a hash chain: each entry
holds the hash of its content and ``entry_hash = sha256(previous entry_hash | kind | ref |
content_hash | created_at)``. Entries are the store's annotation events (sealed in ``event_id``
order — ``seal_log(store)``, which ``certify`` calls first) and the certificates.
``verify_log(store)`` recomputes the chain and the hash of every sealed event: an edited, deleted
or inserted event, an edited certificate entry and a broken or cut chain are all reported. Events
recorded after the last seal are counted as ``unsealed``, not as problems.

What the chain cannot do on its own: someone who rewrites an event *and* recomputes every later
entry of the chain is caught only by comparing the head with a copy kept elsewhere — the exported
certificate holds its entry's hash (``certificate["log"]["entry_hash"]``), which ``verify(...,
store=store)`` checks against the log.

Example:
    >>> import numpy as np
    >>> from hitl_widgets import AnnotationStore
    >>> store = AnnotationStore(":memory:", annotator="ada")
    >>> images = np.zeros((3, 4, 4), np.uint8)
    >>> cert = certify(images, [0, 1, 1], store=store)
    >>> verify(cert, images, [0, 1, 1]).ok, verify(cert, images, [0, 1, 0]).problems
    (True, ['label of item 2 changed'])
    >>> verify_log(store).ok
    True
"""
from __future__ import annotations

import hashlib
import html
import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Hashable, Iterable, Mapping

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ._version import __version__
from .coerce import is_missing, is_tensor, json_default, plain, to_numpy
from .items import Items
from .store import AnnotationStore, encode_item_id, events_table

__all__ = ["Certificate", "VerifyReport", "LogReport", "certify", "verify", "verify_log", "seal_log", "log_table"]

CERTIFICATE_FORMAT = "hitl-widgets/certificate/1"
GENESIS = "0" * 64

_metadata = sa.MetaData()
log_table = sa.Table(
    "hitl_audit_log",
    _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entry_kind", sa.String(20), nullable=False),  # "event" | "certificate"
    sa.Column("ref", sa.String(200), nullable=False),  # the event id, or the certificate id
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the certificate JSON ("" for events)
)


def _sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _canonical(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the form every hash is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=json_default)


def _id_key(item_id: Hashable) -> tuple:
    return (isinstance(item_id, str), item_id if not isinstance(item_id, str) else 0, item_id if isinstance(item_id, str) else "")


# ---------------------------------------------------------------------------------- hashing
def item_hash(items: Items, item_id: Hashable) -> str:
    """SHA-256 of one item's content (array bytes with dtype and shape, file bytes, or text)."""
    raw = items.raw(item_id)
    if is_tensor(raw):
        raw = to_numpy(raw)
    if isinstance(raw, np.ndarray):
        arr = np.ascontiguousarray(raw)
        head = f"ndarray|{arr.dtype.str}|{arr.shape}|".encode()
        return _sha(head + arr.tobytes())
    if isinstance(raw, (str, os.PathLike)):
        path = Path(raw)
        if items.kind(item_id) == "image" and path.is_file():
            return _sha(b"file|" + path.read_bytes())
        return _sha("text|" + str(raw))
    if hasattr(raw, "tobytes") and hasattr(raw, "mode") and hasattr(raw, "size"):  # PIL image
        return _sha(f"pil|{raw.mode}|{raw.size}|".encode() + raw.tobytes())
    return _sha("repr|" + repr(raw))


def _label_map(labels: Any, items: Items) -> dict[Hashable, Any]:
    """labels as {item_id: label}: a store.labels() DataFrame, a Series / dict by item id, or a
    sequence aligned with items."""
    if isinstance(labels, pd.DataFrame):
        if not {"item_id", "label"} <= set(labels.columns):
            raise ValueError("a labels DataFrame needs 'item_id' and 'label' columns (as store.labels() gives)")
        dup = labels["item_id"].map(lambda v: (type(v).__name__, v)).duplicated()
        if dup.any():
            raise ValueError(
                f"item {labels['item_id'][dup].iloc[0]!r} has several labels (several annotators?): "
                "certify one label per item, e.g. a majority vote"
            )
        pairs = zip(labels["item_id"], labels["label"])
    elif isinstance(labels, pd.Series):
        pairs = labels.items()
    elif isinstance(labels, Mapping):
        pairs = labels.items()
    else:
        seq = list(labels.tolist() if hasattr(labels, "tolist") else labels)
        if len(seq) != len(items):
            raise ValueError(f"labels has {len(seq)} entries for {len(items)} items")
        pairs = zip(items.ids, seq)
    out = {}
    for item_id, label in pairs:
        item_id = plain(item_id)
        label = None if is_missing(label) else plain(label)
        out[item_id] = json_default(label) if isinstance(label, np.ndarray) or is_tensor(label) else label
    return out


def _content_hashes(items: Any, labels: Any) -> tuple[dict[str, str], dict[str, str]]:
    items = items if isinstance(items, Items) else Items(items)
    label_map = _label_map(labels, items)
    unknown = [i for i in label_map if i not in items]
    if unknown:
        raise ValueError(f"label for unknown item id {unknown[0]!r}")
    ids = sorted(items.ids, key=_id_key)
    item_hashes = {encode_item_id(i): item_hash(items, i) for i in ids}
    label_hashes = {encode_item_id(i): _sha(_canonical(label_map.get(i))) for i in ids}
    return item_hashes, label_hashes


def _digest(hashes: dict[str, str]) -> str:
    ordered = sorted(hashes.items(), key=lambda kv: _id_key(json.loads(kv[0])))
    return _sha("".join(f"{k}:{v}\n" for k, v in ordered))


# ---------------------------------------------------------------------------------- the log
def _ensure_table(store: AnnotationStore) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.schema.CreateTable(log_table, if_not_exists=True))


def _event_content(row: Any) -> str:
    """Canonical text of one event row, as stored (every column)."""
    created = row.created_at
    created = created.isoformat() if hasattr(created, "isoformat") else str(created)
    return _canonical(
        [row.event_id, row.task, row.item_id, row.annotator, row.kind, row.payload, created, row.supersedes]
    )


def _entry_hash(prev: str, kind: str, ref: str, content_hash: str, created_at: str) -> str:
    return _sha(f"{prev}|{kind}|{ref}|{content_hash}|{created_at}")


def _append(conn: Any, kind: str, ref: str, content_hash: str, body: str = "") -> dict:
    last = conn.execute(sa.select(log_table).order_by(log_table.c.seq.desc()).limit(1)).first()
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.entry_hash
    created = datetime.now(timezone.utc).isoformat()
    entry = {
        "seq": seq,
        "entry_kind": kind,
        "ref": ref,
        "content_hash": content_hash,
        "prev_hash": prev,
        "entry_hash": _entry_hash(prev, kind, ref, content_hash, created),
        "created_at": created,
        "body": body,
    }
    conn.execute(log_table.insert().values(**entry))
    return entry


def _sealed_max(conn: Any) -> int:
    refs = conn.execute(sa.select(log_table.c.ref).where(log_table.c.entry_kind == "event")).fetchall()
    return max((int(r[0]) for r in refs), default=0)


def _chained(store: AnnotationStore, fn: Any) -> Any:
    """Run a log append; two writers racing for the same ``seq`` retry (the loser re-reads)."""
    for attempt in range(20):
        try:
            return store._retry(fn)
        except sa.exc.IntegrityError:
            if attempt == 19:
                raise


def seal_log(store: AnnotationStore) -> int:
    """Append every event not yet in the audit log to the hash chain; return how many."""
    _ensure_table(store)

    def run() -> int:
        with store.engine.begin() as conn:
            after = _sealed_max(conn)
            rows = conn.execute(
                sa.select(events_table).where(events_table.c.event_id > after).order_by(events_table.c.event_id)
            ).fetchall()
            for row in rows:
                _append(conn, "event", str(row.event_id), _sha(_event_content(row)))
            return len(rows)

    return _chained(store, run)


@dataclass
class LogReport:
    """What ``verify_log`` found: ``ok`` is False when anything was changed, deleted or inserted."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    entries: int = 0
    sealed_events: int = 0
    unsealed_events: int = 0
    head: str = GENESIS

    def __bool__(self) -> bool:
        return self.ok


def verify_log(store: AnnotationStore) -> LogReport:
    """Recompute the audit log's hash chain and every sealed event's hash.

    Example:
        >>> store = AnnotationStore(":memory:")
        >>> _ = store.record("t", 1, {"label": "a"}); _ = seal_log(store)
        >>> verify_log(store).ok
        True
    """
    _ensure_table(store)
    problems: list[str] = []
    with store.engine.connect() as conn:
        log = conn.execute(sa.select(log_table).order_by(log_table.c.seq)).fetchall()
        events = {r.event_id: r for r in conn.execute(sa.select(events_table).order_by(events_table.c.event_id))}
    prev = GENESIS
    sealed: set[int] = set()
    for n, entry in enumerate(log, start=1):
        if entry.seq != n:
            problems.append(f"audit log entry {n} is missing (the next is {entry.seq}): entries were deleted")
        if entry.prev_hash != prev:
            problems.append(f"audit log entry {entry.seq}: chain broken (previous hash does not match)")
        if _entry_hash(entry.prev_hash, entry.entry_kind, entry.ref, entry.content_hash, entry.created_at) != entry.entry_hash:
            problems.append(f"audit log entry {entry.seq}: entry hash does not match its content (edited)")
        prev = entry.entry_hash
        if entry.entry_kind == "event":
            try:
                event_id = int(entry.ref)
            except ValueError:
                problems.append(f"audit log entry {entry.seq}: bad event reference {entry.ref!r}")
                continue
            sealed.add(event_id)
            row = events.get(event_id)
            if row is None:
                problems.append(f"event {event_id} was deleted")
            elif _sha(_event_content(row)) != entry.content_hash:
                problems.append(f"event {event_id} was changed")
        elif entry.entry_kind == "certificate":
            if _sha(entry.body) != entry.content_hash:
                problems.append(f"certificate {entry.ref} (log entry {entry.seq}) was changed")
        else:
            problems.append(f"audit log entry {entry.seq}: unknown kind {entry.entry_kind!r}")
    top = max(sealed, default=0)
    inserted = sorted(e for e in events if e <= top and e not in sealed)
    for e in inserted:
        problems.append(f"event {e} was inserted after the log was sealed")
    unsealed = sum(1 for e in events if e > top)
    return LogReport(
        ok=not problems, problems=problems, entries=len(log), sealed_events=len(sealed),
        unsealed_events=unsealed, head=prev,
    )


# ---------------------------------------------------------------------------------- certificates
class Certificate(dict):
    """A dataset certificate (a dict, JSON-ready). ``to_json()``, ``to_html()``, ``from_json()``.

    Keys: format, id, name, created_at, approver, hitl_widgets_version, n_items, content_hash,
    items_hash, labels_hash, item_hashes, label_hashes, gates, agreement, errors, note,
    certificate_hash (over everything above), log (seq, prev_hash, entry_hash in the store's log).
    """

    def to_json(self, path: str | os.PathLike | None = None, indent: int | None = 1) -> str:
        text = json.dumps(self, indent=indent, sort_keys=True, ensure_ascii=False, default=json_default)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, source: str | os.PathLike) -> "Certificate":
        """From JSON text or a file path."""
        text = str(source)
        if not text.lstrip().startswith("{"):
            text = Path(source).read_text(encoding="utf-8")
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != CERTIFICATE_FORMAT:
            raise ValueError(f"not a hitl-widgets certificate (format {data.get('format') if isinstance(data, dict) else None!r})")
        return cls(data)

    def body(self) -> dict:
        """The certified content: everything but ``certificate_hash`` and ``log``."""
        return {k: v for k, v in self.items() if k not in ("certificate_hash", "log")}

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """A readable, self-contained HTML report (every value escaped)."""
        e = lambda v: html.escape(str(v))  # noqa: E731
        rows = [
            ("name", self.get("name")), ("certificate id", self.get("id")), ("created (UTC)", self.get("created_at")),
            ("approver", self.get("approver")), ("items", self.get("n_items")),
            ("content hash (SHA-256)", self.get("content_hash")), ("items hash", self.get("items_hash")),
            ("labels hash", self.get("labels_hash")), ("certificate hash", self.get("certificate_hash")),
            ("audit log entry", f"#{self.get('log', {}).get('seq')} {self.get('log', {}).get('entry_hash')}"),
            ("hitl-widgets", self.get("hitl_widgets_version")),
        ]
        parts = [
            "<!doctype html><html><head><meta charset='utf-8'><title>Dataset certificate: ",
            e(self.get("name")),
            "</title><style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;}"
            "td,th{padding:3px 10px;border-bottom:1px solid #ccc;text-align:left;vertical-align:top}"
            "code{font-size:.85em;word-break:break-all}.pass{color:#2e7d32}.fail{color:#c62828}</style></head><body>",
            f"<h1>Dataset certificate: {e(self.get('name'))}</h1><table>",
        ]
        parts += [f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>" for k, v in rows]
        parts.append("</table><h2>Quality gates</h2>")
        gates = self.get("gates") or []
        if gates:
            parts.append("<table><tr><th>gate</th><th>status</th><th>reviewed</th><th>rejected (max)</th><th>acceptance (95% CI)</th></tr>")
            for g in gates:
                cls = "pass" if g.get("status") == "passed" else "fail"
                rate = g.get("acceptance_rate")
                rate_text = "n/a" if rate is None else f"{rate:.1%} ({g.get('ci_low', 0):.1%}–{g.get('ci_high', 1):.1%})"
                parts.append(
                    f"<tr><td>{e(g.get('name'))}</td><td class='{cls}'>{e(g.get('status'))}</td>"
                    f"<td>{e(g.get('reviewed'))} of {e(g.get('n'))}</td><td>{e(g.get('rejected'))} ({e(g.get('c'))})</td>"
                    f"<td>{e(rate_text)}</td></tr>"
                )
            parts.append("</table>")
        else:
            parts.append("<p>none</p>")
        for title, key in (("Agreement", "agreement"), ("Errors", "errors")):
            parts.append(f"<h2>{title}</h2>")
            value = self.get(key)
            if not value:
                parts.append("<p>none</p>")
                continue
            parts.append("<table>")
            parts += [f"<tr><th>{e(k)}</th><td>{e(_short(v))}</td></tr>" for k, v in value.items()]
            parts.append("</table>")
        if self.get("note"):
            parts.append(f"<h2>Note</h2><p>{e(self['note'])}</p>")
        parts.append("</body></html>")
        text = "".join(parts)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        return self.to_html()


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_short(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_short(v) for v in value)
    return str(value)


def _agreement(store: AnnotationStore, task: str | None) -> dict:
    if task is None:
        return {}
    labels = store.labels(task)
    if labels.empty:
        return {"task": task, "labelled_items": 0}
    per_item = labels.groupby(labels["item_id"].map(encode_item_id))["label"].agg(lambda s: [_canonical(v) for v in s])
    multi = per_item[per_item.map(len) >= 2]
    agree = multi.map(lambda v: len(set(v)) == 1)
    return {
        "task": task,
        "labelled_items": int(len(per_item)),
        "annotators": int(labels["annotator"].nunique()),
        "items_with_2_or_more_labels": int(len(multi)),
        "unanimous_share": float(agree.mean()) if len(multi) else None,
    }


def _errors(metrics: Any) -> dict:
    if metrics is None:
        return {}
    if hasattr(metrics, "by_group") and hasattr(metrics, "flags") and hasattr(metrics, "overall"):  # a BiasAudit
        return {
            "overall": {k: _finite(v) for k, v in metrics.overall.items()},
            "flags": int(len(metrics.flags)),
            "flagged_groups": sorted({" × ".join(map(str, g)) if isinstance(g, tuple) else str(g) for g in metrics.flags["group"]}),
            "largest_gap_to_overall": {k: _finite(v) for k, v in metrics.disparities["difference_to_overall"].items()},
        }
    if isinstance(metrics, pd.Series):
        metrics = metrics.to_dict()
    if isinstance(metrics, Mapping):
        return {str(k): (_finite(v) if isinstance(v, (int, float, np.number)) else json.loads(_canonical(v))) for k, v in metrics.items()}
    raise ValueError("metrics must be a BiasAudit, a dict or a Series of numbers")


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def certify(
    items: Any,
    labels: Any,
    store: AnnotationStore,
    gates: Iterable[Any] = (),
    metrics: Any = None,
    *,
    name: str = "dataset",
    task: str | None = None,
    approver: str | None = None,
    note: str = "",
    require_gates: bool = True,
) -> Certificate:
    """Certify a dataset version: content hashes, gate decisions, summaries; logged in ``store``.

    Args:
        items: the items (``Items`` or anything it accepts).
        labels: one label per item: ``store.labels(task)`` (one annotator), a Series or dict by
            item id, or a sequence aligned with items.
        store: the ``AnnotationStore`` whose audit log receives the certificate.
        gates: ``QualityGate`` objects (their reports go in); with ``require_gates`` each must
            have passed (``GateNotPassed`` otherwise).
        metrics: a ``BiasAudit`` or a dict of numbers (error summary).
        task: the store task whose labels give the agreement summary.
        approver: who approves (default ``store.annotator``).
    """
    if not isinstance(store, AnnotationStore):
        raise ValueError("certify needs store= (an AnnotationStore) for its audit log")
    items = items if isinstance(items, Items) else Items(items)
    gate_reports = []
    for gate in gates:
        if require_gates:
            gate.require()
        report = dict(gate.report)
        gate_reports.append(json.loads(_canonical({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in report.items()})))
    item_hashes, label_hashes = _content_hashes(items, labels)
    items_hash, labels_hash = _digest(item_hashes), _digest(label_hashes)
    created = datetime.now(timezone.utc).isoformat()
    cert = Certificate(
        format=CERTIFICATE_FORMAT,
        name=str(name),
        created_at=created,
        approver=approver or store.annotator,
        hitl_widgets_version=__version__,
        n_items=len(items),
        items_hash=items_hash,
        labels_hash=labels_hash,
        content_hash=_sha(f"{items_hash}|{labels_hash}"),
        item_hashes=item_hashes,
        label_hashes=label_hashes,
        gates=gate_reports,
        agreement=_agreement(store, task),
        errors=_errors(metrics),
        note=str(note),
    )
    cert["id"] = _sha(_canonical(cert.body()))[:16]
    body = _canonical(cert.body())
    cert["certificate_hash"] = _sha(body)
    seal_log(store)

    def run() -> dict:
        with store.engine.begin() as conn:
            return _append(conn, "certificate", cert["id"], _sha(body), body)

    entry = _chained(store, run)
    cert["log"] = {"seq": entry["seq"], "prev_hash": entry["prev_hash"], "entry_hash": entry["entry_hash"]}
    return cert


@dataclass
class VerifyReport:
    """What ``verify`` found: ``ok`` is False when any item, label or the certificate changed."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    changed_items: list[Hashable] = field(default_factory=list)
    changed_labels: list[Hashable] = field(default_factory=list)
    missing_items: list[Hashable] = field(default_factory=list)
    extra_items: list[Hashable] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def verify(certificate: Mapping | str | os.PathLike, items: Any, labels: Any, store: AnnotationStore | None = None) -> VerifyReport:
    """Check items and labels against a certificate (a ``Certificate``, its JSON, or a path).

    With ``store``, also check that the certificate is the one in the store's audit log and that
    the log verifies.
    """
    cert = certificate if isinstance(certificate, Certificate) else (
        Certificate(certificate) if isinstance(certificate, Mapping) else Certificate.from_json(certificate)
    )
    problems: list[str] = []
    body = _canonical(cert.body())
    if _sha(body) != cert.get("certificate_hash"):
        problems.append("the certificate itself was edited (its hash does not match its content)")
    item_hashes, label_hashes = _content_hashes(items, labels)
    old_items, old_labels = cert.get("item_hashes", {}), cert.get("label_hashes", {})
    decode = json.loads
    changed = sorted((k for k in item_hashes if k in old_items and item_hashes[k] != old_items[k]), key=lambda k: _id_key(decode(k)))
    relabelled = sorted((k for k in label_hashes if k in old_labels and label_hashes[k] != old_labels[k]), key=lambda k: _id_key(decode(k)))
    missing = sorted((k for k in old_items if k not in item_hashes), key=lambda k: _id_key(decode(k)))
    extra = sorted((k for k in item_hashes if k not in old_items), key=lambda k: _id_key(decode(k)))
    problems += [f"item {decode(k)!r} changed" for k in changed]
    problems += [f"label of item {decode(k)!r} changed" for k in relabelled]
    problems += [f"item {decode(k)!r} is missing" for k in missing]
    problems += [f"item {decode(k)!r} was added" for k in extra]
    if not (changed or relabelled or missing or extra):
        items_hash, labels_hash = _digest(item_hashes), _digest(label_hashes)
        if _sha(f"{items_hash}|{labels_hash}") != cert.get("content_hash"):
            problems.append("content hash does not match")
    if store is not None:
        _ensure_table(store)
        log = cert.get("log") or {}
        with store.engine.connect() as conn:
            entry = conn.execute(sa.select(log_table).where(log_table.c.seq == log.get("seq"))).first()
        if entry is None or entry.entry_hash != log.get("entry_hash") or entry.ref != cert.get("id"):
            problems.append("the certificate is not in the store's audit log (or the log was rewritten)")
        elif entry.body != body:
            problems.append("the certificate differs from the one in the store's audit log")
        problems += [f"audit log: {p}" for p in verify_log(store).problems]
    return VerifyReport(
        ok=not problems,
        problems=problems,
        changed_items=[decode(k) for k in changed],
        changed_labels=[decode(k) for k in relabelled],
        missing_items=[decode(k) for k in missing],
        extra_items=[decode(k) for k in extra],
    )
