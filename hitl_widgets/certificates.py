"""Dataset certificates and the store's hash-chained audit log.

``certify(items, labels, store=...)`` hashes every item and label (SHA-256, items in a canonical
order: ints by value, then strs), records the quality gates' decisions, an agreement summary from
the store, an error summary (a ``BiasAudit`` or a dict of numbers), the approver and the time, and
appends the certificate to the store's audit log. ``verify(certificate, items, labels)`` names
every item or label that changed since, and whether the certificate itself was edited.

The audit log (table ``hitl_audit_log``, part of the store's schema; ``hitl_widgets.store`` owns
it) is a hash chain: each entry holds the hash of its content and ``entry_hash = sha256(previous
entry_hash | kind | ref | content_hash | created_at)``. Entries are the store's annotation events
(sealed in ``event_id`` order — ``store.seal_log()``, which ``certify`` runs in the transaction that
appends the certificate) and the certificates. ``verify_log(store)`` (the same as
``store.verify_log()``, plus the signatures) recomputes the chain and the hash of every sealed
event: an edited, deleted or inserted event, an edited certificate entry, an entry edited, deleted
or inserted inside the chain, and entries cut from its end (against the head record that every
append writes to ``hitl_meta``) are reported. Events recorded after the last seal are counted as
``unsealed``, not as problems.

What the database cannot show on its own: someone who rewrites an event *and* recomputes every
later entry of the chain, or who cuts the log's end *and* rewrites the head record, is caught only
against a copy kept elsewhere — the exported certificate holds its entry's hash
(``certificate["log"]["entry_hash"]``), which ``verify(..., store=store)`` checks against the log;
``sign_log`` signs the head, and ``verify_log(store, public_key=...)`` finds a signed entry changed
(a cut back past the newest signature shows only as a smaller ``report.signed_through`` than the
``seq`` that ``sign_log`` returned: compare the two).

Example:
    >>> import numpy as np
    >>> from hitl_widgets import AnnotationStore
    >>> store = AnnotationStore(":memory:", annotator="ada")
    >>> images = np.zeros((3, 4, 5), np.uint8)
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
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._progress import progress_bar
from ._version import __version__
from .coerce import is_missing, is_tensor, json_default, plain, refuse_non_str_keys, to_numpy
from .items import Items
from .remote import is_url
from .reports import format_number
from .signing import ALGORITHM, PublicKey, SigningKey, as_public_key
from .store import GENESIS, AnnotationStore, LogReport, encode_item_id  # noqa: F401  (GENESIS: kept importable here)
from .store import audit_log_table as log_table

__all__ = ["Certificate", "VerifyReport", "LogReport", "certify", "verify", "verify_log", "seal_log", "sign_log", "log_table"]

CERTIFICATE_FORMAT = "hitl-widgets/certificate/1"


def _sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _canonical(value: Any) -> str:
    """JSON with sorted keys and no whitespace: the form every hash is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=json_default)


def _sorted_sets(value: Any) -> Any:
    """``value`` with every set (and frozenset) in it, nested ones too, as a list in ``_element_key``
    order: a set's own order of strs changes with ``PYTHONHASHSEED``. Anything else keeps its JSON."""
    if isinstance(value, (set, frozenset)):
        return sorted((_sorted_sets(v) for v in value), key=_element_key)
    if isinstance(value, dict):
        return {k: _sorted_sets(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sorted_sets(v) for v in value]
    return value


def _element_key(value: Any) -> tuple:
    """Sort key for a set's elements: numbers by value, then strs, then anything else by its JSON."""
    value = plain(value)
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return _id_key(value)
    return (2, 0, _canonical(value))


def _id_key(item_id: Hashable) -> tuple:
    return (isinstance(item_id, str), item_id if not isinstance(item_id, str) else 0, item_id if isinstance(item_id, str) else "")


# ---------------------------------------------------------------------------------- hashing
def item_hash(items: Items, item_id: Hashable) -> str:
    """SHA-256 of one item's content: array bytes with dtype and shape, file bytes, or text. A file
    item (image, video or audio) is hashed by its bytes, an object at a URL too (read again, not from
    the cache); a missing file or object raises ``ValueError`` naming the item. A ``(samples,
    sample_rate)`` recording is hashed by its parts' contents."""
    return _sha(_content(items, item_id, items.raw(item_id)))


def _content(items: Items, item_id: Hashable, raw: Any) -> bytes:
    """The bytes ``item_hash`` hashes (see it)."""
    if is_tensor(raw):
        raw = to_numpy(raw)
    if isinstance(raw, np.ndarray):
        arr = np.ascontiguousarray(raw)
        return f"ndarray|{arr.dtype.str}|{arr.shape}|".encode() + arr.tobytes()
    if isinstance(raw, (str, os.PathLike)):
        if items.kind(item_id) == "text":
            return ("text|" + str(raw)).encode("utf-8")
        if isinstance(raw, str) and is_url(raw):
            return b"file|" + items._fetch(item_id, raw, cached=False)
        path = Path(raw)
        try:
            return b"file|" + path.read_bytes()
        except OSError as exc:
            raise ValueError(f"item {item_id!r} (position {items.position(item_id)}): cannot read {items.kind(item_id)} "
                             f"file {path} ({'missing or deleted' if isinstance(exc, FileNotFoundError) else exc})") from None
    if hasattr(raw, "tobytes") and hasattr(raw, "mode") and hasattr(raw, "size"):  # PIL image
        return f"pil|{raw.mode}|{raw.size}|".encode() + raw.tobytes()
    if isinstance(raw, (tuple, list)):  # a (samples, rate) recording: repr would elide the samples
        return f"seq|{len(raw)}|".encode() + b"".join(bytes.fromhex(_sha(_content(items, item_id, part))) for part in raw)
    return ("repr|" + repr(raw)).encode("utf-8")


def _label_map(labels: Any, items: Items) -> dict[Hashable, Any]:
    """labels as {item_id: label}: a store.labels() DataFrame, a Series / dict by item id, or a
    sequence aligned with items. Each label is made canonical: arrays as lists, sets as sorted lists."""
    if isinstance(labels, pd.DataFrame):
        if not {"item_id", "label"} <= set(labels.columns):
            raise ValueError("a labels DataFrame needs 'item_id' and 'label' columns (as store.labels() gives)")
        dup = labels["item_id"].map(lambda v: (type(v).__name__, v)).duplicated()
        if dup.any():
            raise ValueError(
                f"item {labels['item_id'][dup].iloc[0]!r} has several labels (several annotators?): "
                "certify one label per item, e.g. a majority vote"
            )
        pairs: Iterable[tuple[Any, Any]] = zip(labels["item_id"], labels["label"])
    elif isinstance(labels, pd.Series):
        pairs = labels.items()
    elif isinstance(labels, Mapping):
        pairs = labels.items()
    else:
        seq = list(labels.tolist() if hasattr(labels, "tolist") else labels)
        if len(seq) != len(items):
            raise ValueError(f"labels has {len(seq)} entries for {len(items)} items")
        pairs = zip(items.ids, seq)
    out: dict[Hashable, Any] = {}
    for item_id, label in pairs:
        item_id = plain(item_id)
        if item_id in out:  # a Series index may repeat an id: keeping one label would hide the other
            raise ValueError(
                f"item {item_id!r} has several labels (its id appears twice in labels): certify one label "
                "per item, e.g. a majority vote"
            )
        label = None if is_missing(label) else plain(label)
        out[item_id] = _sorted_sets(json_default(label) if isinstance(label, np.ndarray) or is_tensor(label) else label)
        refuse_non_str_keys(out[item_id], f"item {item_id!r}: label")
    return out


def _content_hashes(
    items: Any, labels: Any, complete: bool = False, progress: bool = False, unreadable: dict[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Item and label hashes by encoded item id. ``complete``: every item must have a label (an
    explicit ``None`` counts), else ``ValueError`` names the items without one. ``progress``: a
    progress bar over the items (hashing reads every item: minutes for large datasets).
    ``unreadable``: collects {encoded id: why} for items whose file or object cannot be read (they get
    no hash) instead of raising at the first."""
    items = items if isinstance(items, Items) else Items(items)
    label_map = _label_map(labels, items)
    unknown = [i for i in label_map if i not in items]
    if unknown:
        raise ValueError(f"label for unknown item id {unknown[0]!r}")
    if complete:
        missing = sorted((i for i in items.ids if i not in label_map), key=_id_key)
        if missing:
            shown = ", ".join(repr(i) for i in missing[:10]) + (f", … ({len(missing) - 10} more)" if len(missing) > 10 else "")
            raise ValueError(
                f"labels has no label for {len(missing)} of {len(items)} items: {shown}. A certificate "
                "certifies one label per item: give the missing labels (None for an item certified as "
                "unlabelled), or certify only the labelled items"
            )
    ids = sorted(items.ids, key=_id_key)
    item_hashes = {}
    with progress_bar(len(ids), "hashing items", progress, unit="item") as bar:
        for i in ids:
            try:
                item_hashes[encode_item_id(i)] = item_hash(items, i)
            except ValueError as exc:
                if unreadable is None:
                    raise
                unreadable[encode_item_id(i)] = str(exc)
            bar.update(1)
    label_hashes = {encode_item_id(i): _label_hash(i, label_map.get(i)) for i in ids}
    return item_hashes, label_hashes


def _label_hash(item_id: Hashable, label: Any) -> str:
    """The hash of one item's label; a label JSON cannot hold (NaN inside a list) is a ValueError naming the item."""
    try:
        return _sha(_canonical(label))
    except (ValueError, TypeError) as exc:  # NaN inside a list; bytes or another type JSON cannot hold
        raise ValueError(f"item {item_id!r}: its label {label!r} cannot be certified ({exc}: a label is JSON — "
                         "strs, numbers, bools, lists or dicts of them, without NaN or infinity; None certifies an "
                         "item as unlabelled)") from None


def _digest(hashes: dict[str, str]) -> str:
    ordered = sorted(hashes.items(), key=lambda kv: _id_key(json.loads(kv[0])))
    return _sha("".join(f"{k}:{v}\n" for k, v in ordered))


# ---------------------------------------------------------------------------------- the log
def seal_log(store: AnnotationStore) -> int:
    """Append every event not yet in the store's audit log to the hash chain; return how many
    (``store.seal_log()``)."""
    return store.seal_log()


def verify_log(store: AnnotationStore, public_key: Any = None) -> LogReport:
    """Recompute the audit log's hash chain and every sealed event's hash (``store.verify_log()``),
    and check every signature in it (``sign_log``); with ``public_key`` the log must carry a valid
    signature by that key. ``report.signed_through`` is the last log entry a valid signature (by
    that key) covers: entries after it are hash-chained only. A cut of the log back past its newest
    signature, with the head record in ``hitl_meta`` rewritten too, leaves an older signature valid
    and the report ok: compare ``signed_through`` with the ``seq`` that ``sign_log`` returned.

    Example:
        >>> store = AnnotationStore(":memory:")
        >>> _ = store.record("t", 1, {"label": "a"}); _ = seal_log(store)
        >>> verify_log(store).ok
        True
    """
    report = store.verify_log()
    problems, report.signed_through = _log_signature_problems(store, public_key)
    report.problems += problems
    report.ok = report.ok and not problems
    return report


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
    def from_json(cls, source: str | os.PathLike) -> Certificate:
        """From JSON text or a file path."""
        text = str(source)
        if not text.lstrip().startswith("{"):
            text = Path(source).read_text(encoding="utf-8")
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != CERTIFICATE_FORMAT:
            raise ValueError(f"not a hitl-widgets certificate (format {data.get('format') if isinstance(data, dict) else None!r})")
        return cls(data)

    def body(self) -> dict:
        """The certified content: everything but ``certificate_hash``, ``log`` and ``signature``
        (the signer's name and public key are part of it)."""
        return {k: v for k, v in self.items() if k not in ("certificate_hash", "log", "signature")}

    def html_body(self, level: int = 2) -> str:
        """The certificate's content as escaped HTML (no document around it), headings at ``level``."""
        e = lambda v: html.escape(str(v))  # noqa: E731
        h = f"h{int(level)}"
        rows = [
            ("name", self.get("name")), ("certificate id", self.get("id")), ("created (UTC)", self.get("created_at")),
            ("approver", self.get("approver")), ("items", self.get("n_items")),
            ("content hash (SHA-256)", self.get("content_hash")), ("items hash", self.get("items_hash")),
            ("labels hash", self.get("labels_hash")), ("certificate hash", self.get("certificate_hash")),
            ("audit log entry", f"#{self.get('log', {}).get('seq')} {self.get('log', {}).get('entry_hash')}"),
            ("signed by", _signer_text(self.get("signer"))),
            ("hitl-widgets", self.get("hitl_widgets_version")),
        ]
        parts = ["<table>"]
        parts += [f"<tr><th>{e(k)}</th><td><code>{e(v)}</code></td></tr>" for k, v in rows]
        parts.append(f"</table><{h}>Quality gates</{h}>")
        gates = self.get("gates") or []
        if gates:
            parts.append("<table><tr><th>gate</th><th>status</th><th>reviewed</th><th>rejected (max)</th><th>acceptance (95% CI)</th></tr>")
            for g in gates:
                cls = "pass" if g.get("status") == "passed" and not g.get("other_items") else "fail"
                rate = g.get("acceptance_rate")
                rate_text = "n/a" if rate is None else (
                    f"{_percent(rate)} ({_percent(g.get('ci_low', 0))}–{_percent(g.get('ci_high', 1))})")
                status = g.get("status") if not g.get("other_items") else f"{g.get('status')} (on other items: {g['other_items']})"
                parts.append(
                    f"<tr><td>{e(g.get('name'))}</td><td class='{cls}'>{e(status)}</td>"
                    f"<td>{e(g.get('reviewed'))} of {e(g.get('n'))}</td><td>{e(g.get('rejected'))} ({e(g.get('c'))})</td>"
                    f"<td>{e(rate_text)}</td></tr>"
                )
            parts.append("</table>")
        else:
            parts.append("<p>none</p>")
        for title, key in (("Agreement", "agreement"), ("Errors", "errors")):
            parts.append(f"<{h}>{title}</{h}>")
            value = self.get(key)
            if not value:
                parts.append("<p>none</p>")
                continue
            parts.append("<table>")
            parts += [f"<tr><th>{e(k)}</th><td>{e(_short(v))}</td></tr>" for k, v in value.items()]
            parts.append("</table>")
        if self.get("note"):
            parts.append(f"<{h}>Note</{h}><p>{e(self['note'])}</p>")
        return "".join(parts)

    def to_html(self, path: str | os.PathLike | None = None) -> str:
        """A readable, self-contained HTML report (every value escaped; no scripts, no network:
        ``hitl_widgets.reports.audit_report`` with this certificate alone)."""
        from .reports import audit_report

        return audit_report(self, title=f"Dataset certificate: {self.get('name')}").to_html(path)

    def _report_section(self, light: bool = False) -> tuple[str, str]:
        """This object's section of an audit report (``hitl_widgets.reports``)."""
        from .reports import certificate_section

        return certificate_section(self, light)

    def _repr_html_(self) -> str:
        return self.to_html()


def _signer_text(signer: Any) -> str:
    if not isinstance(signer, Mapping):
        return "not signed (hash-chained only)"
    return f"{signer.get('name')} ({signer.get('algorithm')} key, SHA-256 fingerprint {signer.get('fingerprint')})"


def _percent(value: Any) -> str:
    """A fraction as a percentage, never 100.0% for less than 1 (``reports.format_number``)."""
    return "n/a" if value is None else format_number(value, 1, percent=True)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return format_number(value, 4, significant=True)
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
    progress: bool = True,
    signing_key: SigningKey | None = None,
    signer: str | None = None,
) -> Certificate:
    """Certify a dataset version: content hashes, gate decisions, summaries; logged in ``store``.

    Args:
        items: the items (``Items`` or anything it accepts).
        labels: one label per item: ``store.labels(task)`` (one annotator), a Series or dict by
            item id, or a sequence aligned with items. Every item needs a label (``None`` for one
            certified as unlabelled): ``ValueError`` names the items that have none.
        store: the ``AnnotationStore`` whose audit log receives the certificate.
        gates: ``QualityGate`` objects (their reports go in); with ``require_gates`` each must
            have passed (``GateNotPassed`` otherwise). A ``QualityGate`` reports its decisions as
            stored now (every reviewer's, another kernel's included), and one whose sampled items
            are missing from ``items`` or have other content there (a gate built on another batch)
            is a ``ValueError`` naming it and the first such item; with ``require_gates=False`` it
            goes in with ``other_items`` saying so, and a warning.
        metrics: a ``BiasAudit`` or a dict of numbers (error summary).
        task: the store task whose labels give the agreement summary.
        approver: who approves (default ``store.annotator``).
        progress: show a progress bar while the items are hashed (every item is read).
        signing_key: a ``hitl_widgets.signing.SigningKey``: the certificate is signed (Ed25519,
            over its content) and names its signer (``signer``, default the approver) and the
            signer's public key; check it with ``verify(..., public_key=...)``.

    Nothing is written before the certificate is complete: it enters the audit log in one
    transaction at the end, so an interrupted ``certify`` (``KeyboardInterrupt``) leaves the store
    as it was.
    """
    if not isinstance(store, AnnotationStore):
        raise ValueError("certify needs store= (an AnnotationStore) for its audit log")
    items = items if isinstance(items, Items) else Items(items)
    gate_reports = []
    for gate in gates:  # a loop, not a comprehension: a gate's warning points at the caller of certify
        gate_reports.append(_gate_report(gate, items, require_gates))
    item_hashes, label_hashes = _content_hashes(items, labels, complete=True, progress=progress)
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
    if signing_key is not None:
        if not isinstance(signing_key, SigningKey):
            raise ValueError(f"signing_key must be a hitl_widgets.signing.SigningKey, not {type(signing_key).__name__}")
        public = signing_key.public_key
        cert["signer"] = {"name": str(signer or cert["approver"]), "algorithm": ALGORITHM,
                          "public_key": public.to_base64(), "fingerprint": public.fingerprint}
    elif signer is not None:
        raise ValueError("signer= names who signs: it needs signing_key=")
    cert["id"] = _sha(_canonical(cert.body()))[:16]
    body = _canonical(cert.body())
    cert["certificate_hash"] = _sha(body)
    if signing_key is not None:
        cert["signature"] = signing_key.sign(body.encode("utf-8"))
    entry = store.append_log("certificate", cert["id"], body)  # seals the events first, one transaction
    cert["log"] = {"seq": entry["seq"], "prev_hash": entry["prev_hash"], "entry_hash": entry["entry_hash"]}
    return cert


def _gate_report(gate: Any, items: Items, require: bool) -> dict:
    """One gate's entry of a certificate, JSON-ready. A ``QualityGate`` reports its decisions as
    stored now and is refused when its sample's content is not the certified items' (see
    ``QualityGate._for_certificate``); any other gate (``IngestionReview``) by ``require()`` and
    ``report``."""
    own = getattr(gate, "_for_certificate", None)
    if callable(own):
        report = dict(own(items, require))
    else:
        if require:
            gate.require()
        report = dict(gate.report)
    return json.loads(_canonical({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in report.items()}))


def _check_signature(cert: Mapping, body: str, public_key: Any) -> tuple[list[str], str | None]:
    """Problems with a certificate's signature, and the signer's name when it verified."""
    expected = None if public_key is None else as_public_key(public_key)
    signer, signature = cert.get("signer"), cert.get("signature")
    if signer is None and signature is None:
        return (["the certificate is not signed (a public key was given to check it)"] if expected else []), None
    if not isinstance(signer, Mapping) or signer.get("algorithm") != ALGORITHM:
        return ["the certificate's signer entry is missing or not an Ed25519 key (edited)"], None
    if not isinstance(signature, str):
        return ["the certificate names a signer but its signature is missing (removed)"], None
    try:
        carried = PublicKey.from_base64(str(signer.get("public_key")))
    except ValueError:
        return ["the certificate's signer public key is not a valid Ed25519 key (edited)"], None
    problems = []
    if expected is not None and carried != expected:
        problems.append(f"the certificate is signed by key {carried.fingerprint[:16]}…, not by the given key {expected.fingerprint[:16]}…")
    if not carried.verify(body.encode("utf-8"), signature):
        problems.append("the signature does not match the certificate's content (the certificate or its signature was changed)")
    return problems, (None if problems else str(signer.get("name")))


# ---------------------------------------------------------------------------------- signed log
def _head_message(seq: int, entry_hash: str) -> bytes:
    return f"hitl-widgets/audit-log-head/1|{seq}|{entry_hash}".encode()


def sign_log(store: AnnotationStore, signing_key: SigningKey, signer: str | None = None) -> dict:
    """Seal the audit log and sign its head with an Ed25519 key: the signature (with the signer's
    name and public key) enters the log as a ``"signature"`` entry. Whoever rewrites an event and
    recomputes every later hash cannot remake the signature: ``verify_log(store, public_key=...)``
    finds that the signed entry changed.

    Returns the signature entry's content: ``seq`` and ``entry_hash`` of the head it signs,
    ``signer``, ``algorithm``, ``public_key``, ``fingerprint``, ``signature``.

    Example:
        >>> from hitl_widgets.signing import generate_key
        >>> key, store = generate_key(), AnnotationStore(":memory:")
        >>> _ = store.record("t", 1, {"label": "a"})
        >>> sign_log(store, key)["seq"], verify_log(store, public_key=key.public_key).ok
        (1, True)
    """
    if not isinstance(signing_key, SigningKey):
        raise ValueError(f"signing_key must be a hitl_widgets.signing.SigningKey, not {type(signing_key).__name__}")
    store.seal_log()
    entries = store.log_entries()
    if not entries:
        raise ValueError("the audit log is empty: nothing to sign (record or certify something first)")
    head = entries[-1]
    public = signing_key.public_key
    content = {
        "seq": int(head["seq"]), "entry_hash": head["entry_hash"], "signer": str(signer or store.annotator),
        "algorithm": ALGORITHM, "public_key": public.to_base64(), "fingerprint": public.fingerprint,
        "signature": signing_key.sign(_head_message(int(head["seq"]), head["entry_hash"])),
    }
    store.append_log("signature", f"head {head['seq']}", _canonical(content))
    return content


def _log_signature_problems(store: AnnotationStore, public_key: Any) -> tuple[list[str], int | None]:
    """Check every signature entry of the log; return the problems and the last entry a valid
    signature (by ``public_key`` when given) covers."""
    expected = None if public_key is None else as_public_key(public_key)
    entries = {e["seq"]: e for e in store.log_entries()}
    problems: list[str] = []
    signed_through: int | None = None
    for entry in (e for e in entries.values() if e["entry_kind"] == "signature"):
        where = f"signature in log entry {entry['seq']}"
        try:
            content = json.loads(entry["body"])
            key = PublicKey.from_base64(content["public_key"])
            seq, entry_hash = int(content["seq"]), str(content["entry_hash"])
        except (ValueError, KeyError, TypeError):
            problems.append(f"{where}: unreadable (edited)")
            continue
        if not key.verify(_head_message(seq, entry_hash), str(content.get("signature"))):
            problems.append(f"{where}: the signature does not verify (the signature or what it names was edited)")
            continue
        signed = entries.get(seq)
        if signed is None or signed["entry_hash"] != entry_hash:
            problems.append(f"{where}: log entry {seq}, signed by {content.get('signer')!r}, changed after it was signed "
                            "(the log was rewritten)")
            continue
        if expected is None or key == expected:
            signed_through = seq if signed_through is None else max(signed_through, seq)
    if expected is not None and signed_through is None and not problems:
        problems.append(f"the audit log has no signature by key {expected.fingerprint[:16]}…")
    return problems, signed_through


@dataclass
class VerifyReport:
    """What ``verify`` found: ``ok`` is False when any item, label or the certificate changed."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    changed_items: list[Hashable] = field(default_factory=list)
    changed_labels: list[Hashable] = field(default_factory=list)
    missing_items: list[Hashable] = field(default_factory=list)
    extra_items: list[Hashable] = field(default_factory=list)
    unreadable_items: list[Hashable] = field(default_factory=list)  # its file or object is gone or unreadable
    signed_by: str | None = None  # the signer's name, when the signature verified

    def __bool__(self) -> bool:
        return self.ok


def verify(
    certificate: Mapping | str | os.PathLike,
    items: Any,
    labels: Any,
    store: AnnotationStore | None = None,
    public_key: Any = None,
) -> VerifyReport:
    """Check items and labels against a certificate (a ``Certificate``, its JSON, or a path).

    With ``store``, also check that the certificate is the one in the store's audit log and that
    the log verifies. A signed certificate's signature is always checked against the public key it
    carries; with ``public_key`` (a ``PublicKey``, PEM text or a ``.pem`` path) the certificate must
    also be signed by that key. An item whose file or object is gone or unreadable is a problem of
    the report (``unreadable_items``, with the reason), like a changed one: every such item is listed.

    Example:
        >>> from hitl_widgets.signing import generate_key
        >>> key, store = generate_key(), AnnotationStore(":memory:", annotator="ada")
        >>> cert = certify(["x", "y"], ["a", "b"], store=store, signing_key=key, progress=False)
        >>> verify(cert, ["x", "y"], ["a", "b"], public_key=key.public_key).ok
        True
        >>> verify(cert, ["x", "y"], ["a", "b"], public_key=generate_key().public_key).problems[0][:33]
        'the certificate is signed by key '
    """
    cert = certificate if isinstance(certificate, Certificate) else (
        Certificate(certificate) if isinstance(certificate, Mapping) else Certificate.from_json(certificate)
    )
    problems: list[str] = []
    body = _canonical(cert.body())
    if _sha(body) != cert.get("certificate_hash"):
        problems.append("the certificate itself was edited (its hash does not match its content)")
    signature_problems, signed_by = _check_signature(cert, body, public_key)
    problems += signature_problems
    unreadable: dict[str, str] = {}
    item_hashes, label_hashes = _content_hashes(items, labels, unreadable=unreadable)
    old_items, old_labels = cert.get("item_hashes", {}), cert.get("label_hashes", {})
    decode = json.loads

    def in_order(keys: Iterable[str]) -> list[str]:
        return sorted(keys, key=lambda k: _id_key(decode(k)))

    present = item_hashes.keys() | unreadable.keys()  # an unreadable item is there, just not hashed
    changed = in_order(k for k in item_hashes if k in old_items and item_hashes[k] != old_items[k])
    relabelled = in_order(k for k in label_hashes if k in old_labels and label_hashes[k] != old_labels[k])
    missing = in_order(k for k in old_items if k not in present)
    extra = in_order(k for k in present if k not in old_items)
    gone = in_order(k for k in unreadable if k in old_items)
    problems += [f"item {decode(k)!r} changed" for k in changed]
    problems += [f"label of item {decode(k)!r} changed" for k in relabelled]
    problems += [f"item {decode(k)!r} is missing" for k in missing]
    problems += [f"item {decode(k)!r} was added" for k in extra]
    problems += [unreadable[k] for k in gone]
    if not (changed or relabelled or missing or extra or gone):
        items_hash, labels_hash = _digest(item_hashes), _digest(label_hashes)
        if _sha(f"{items_hash}|{labels_hash}") != cert.get("content_hash"):
            problems.append("content hash does not match")
    if store is not None:
        log = cert.get("log") or {}
        seq = log.get("seq")
        entry = store.log_entry(seq) if isinstance(seq, int) else None
        if entry is None or entry["entry_hash"] != log.get("entry_hash") or entry["ref"] != cert.get("id"):
            problems.append("the certificate is not in the store's audit log (or the log was rewritten)")
        elif entry["body"] != body:
            problems.append("the certificate differs from the one in the store's audit log")
        problems += [f"audit log: {p}" for p in verify_log(store).problems]
    return VerifyReport(
        ok=not problems,
        problems=problems,
        signed_by=signed_by,
        changed_items=[decode(k) for k in changed],
        changed_labels=[decode(k) for k in relabelled],
        missing_items=[decode(k) for k in missing],
        extra_items=[decode(k) for k in extra],
        unreadable_items=[decode(k) for k in gone],
    )
