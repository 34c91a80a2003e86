"""Append-only event log of everything a human does, through SQLAlchemy.

Each human action is one row in ``events``. Nothing is updated or deleted: an undo is a new
event (``kind="undo"``) that names the event it cancels in ``supersedes``. The current state of a
task is the latest event per (item, annotator) that no undo cancels.

Backends: a SQLite file (default; WAL, ``synchronous=FULL``, one transaction per event) or a
PostgreSQL database for a team (``AnnotationStore("postgresql://user@host/db")``, driver psycopg 3
from the ``postgres`` extra). Writers retry while another holds a lock (SQLite) or after PostgreSQL
rolled their transaction back (serialization failure, deadlock), so concurrent annotators never see
those errors. ``record`` returns only once the event is committed. An undo reads its target and
writes its undo event in one locked transaction, so concurrent undos never cancel the same event
twice. A SQLite file that this process cannot write is opened read-only (reads work, writes raise
``PermissionError``).

The audit log (table ``hitl_audit_log``) is a hash chain over the events and the certificates that
``hitl_widgets.certificates`` issues: ``seal_log()`` appends the events not yet in it,
``append_log()`` a certificate, ``verify_log()`` recomputes it. Each entry holds the hash of its
content and ``entry_hash = sha256(previous entry_hash | kind | ref | content_hash | created_at)``.
Every append also writes the chain's head (its last ``seq`` and ``entry_hash``) to ``hitl_meta``
(key ``audit_log_head``), in the same transaction, so entries cut from the end of the log are
reported. Whoever can write the database can still rewrite the chain and the head record with it;
only a copy kept outside the database catches that (see ``verify_log``).

Writing through the store: ``store.transaction(fn, lock=...)`` runs ``fn(conn)`` in one write
transaction (the write lock held, retried on lock contention) — what the audit log and the undo use.

Schema versions: ``hitl_meta.schema_version``; ``MIGRATIONS[n]`` turns version n into n + 1. Opening a
store runs the missing steps in one transaction under the write lock (all or nothing, once even when
several processes open it together); a store written by a newer release refuses to open.

Example:
    >>> store = AnnotationStore(":memory:", annotator="ada")
    >>> eid = store.record("digits", 7, {"label": 3})
    >>> store.labels("digits")[["item_id", "annotator", "label"]].values.tolist()
    [[7, 'ada', 3]]
    >>> _ = store.undo(eid)
    >>> len(store.labels("digits"))
    0
"""
from __future__ import annotations

import contextlib
import functools
import getpass
import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from .coerce import is_item_id, plain, refuse_non_str_keys

T = TypeVar("T")

LABEL_KINDS = ("label",)
MAX_LENGTHS = {"task": 200, "item_id": 500, "annotator": 200, "kind": 50}  # the column sizes
# SQLSTATEs after which PostgreSQL has rolled the transaction back, so a retry cannot duplicate
_PG_RETRY_STATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
_PG_LOCK_KEY = 0x68_69_74_6C  # "hitl": advisory lock that serialises schema creation and migrations
_PG_NAMED_LOCKS = 0x68_69_74_6D  # first key of the two-key advisory locks taken by transaction(lock=)
_IN_CHUNK = 500  # item ids per IN (...) list: well under every backend's bound-parameter limit
GENESIS = "0" * 64  # the audit log's "previous hash" before its first entry
LOG_HEAD_KEY = "audit_log_head"  # hitl_meta key: {"seq", "entry_hash"} of the log's last entry, kept by every append
MAX_EVENT_ID = 2**63 - 1  # no backend stores a larger id (SQLite INTEGER, PostgreSQL bigint)
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=timezone.utc)  # an event time given with ``at`` is not older
MAX_CLOCK_SKEW_S = 300  # ... nor later than now by more than this (a browser's clock vs the kernel's)

_metadata = sa.MetaData()
events_table = sa.Table(
    "hitl_events",
    _metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("task", sa.String(200), nullable=False),
    sa.Column("item_id", sa.String(500), nullable=False),  # JSON text: keeps int vs str
    sa.Column("annotator", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON text
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("supersedes", sa.Integer, nullable=True),  # the event an undo cancels
    sa.Index("ix_hitl_events_task_item", "task", "item_id", "annotator"),
)
meta_table = sa.Table(
    "hitl_meta",
    _metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
# The hash-chained audit log (see the module docstring). Its layout is the one certificates.py
# created on first use before schema version 2, so such a table is adopted as it is.
audit_log_table = sa.Table(
    "hitl_audit_log",
    _metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entry_kind", sa.String(20), nullable=False),  # "event" | "certificate" | "signature"
    sa.Column("ref", sa.String(200), nullable=False),  # the event id, or the certificate id
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the certificate JSON ("" for events)
)


# ---------------------------------------------------------------------------- migrations
# Version 0 (the pre-release layout): no ``hitl_meta`` table and no ``supersedes`` column; an undo
# named its target in its payload, ``{"undoes": <event_id>}``.
# Version 1: ``supersedes`` column + index, undo payload ``{"undone_kind": <kind>}``, ``hitl_meta``.
# Version 2: the audit log table ``hitl_audit_log`` (before, certificates.py created it on first use).
def _migrate_0_to_1(conn: sa.Connection) -> None:
    conn.execute(sa.text("ALTER TABLE hitl_events ADD COLUMN supersedes INTEGER"))
    kinds: dict[int, str] = {
        event_id: kind for event_id, kind in conn.execute(sa.select(events_table.c.event_id, events_table.c.kind)).fetchall()
    }
    undos = conn.execute(
        sa.select(events_table.c.event_id, events_table.c.payload).where(events_table.c.kind == "undo")
    ).fetchall()
    for event_id, payload in undos:
        target = json.loads(payload).get("undoes")
        target = int(target) if isinstance(target, int) and not isinstance(target, bool) else None
        conn.execute(
            events_table.update()
            .where(events_table.c.event_id == event_id)
            .values(supersedes=target, payload=json.dumps({"undone_kind": "label" if target is None else kinds.get(target, "label")}))
        )
    for index in events_table.indexes:
        index.create(conn, checkfirst=True)
    meta_table.create(conn)
    conn.execute(meta_table.insert().values(key="schema_version", value="0"))


def _migrate_1_to_2(conn: sa.Connection) -> None:
    """The audit log joins the schema. A store that certificates.py already gave the table (the
    same layout, created on first use) keeps it and its chain as they are."""
    inspector = sa.inspect(conn)
    if audit_log_table.name not in inspector.get_table_names():
        audit_log_table.create(conn)
        return
    have = {c["name"] for c in inspector.get_columns(audit_log_table.name)}
    missing = sorted(set(audit_log_table.c.keys()) - have)
    if missing:
        raise RuntimeError(
            f"the store's table {audit_log_table.name} lacks the columns {', '.join(missing)}: it was not "
            "written by hitl-widgets; rename or drop that table, then open the store again"
        )


# MIGRATIONS[n] turns a version-n store into version n+1; each runs inside the opening transaction.
MIGRATIONS: list = [_migrate_0_to_1, _migrate_1_to_2]
SCHEMA_VERSION = len(MIGRATIONS)


def stored_schema_version(conn: sa.Connection) -> int | None:
    """The schema version of the store behind ``conn`` (``None``: no store there yet).

    Raises ``RuntimeError`` naming the problem when ``hitl_meta`` holds something that no
    hitl-widgets wrote (not a whole number, below 1) or when ``hitl_events`` is gone.
    """
    tables = set(sa.inspect(conn).get_table_names())
    if "hitl_meta" in tables:
        value = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")).scalar()
        if value is None:
            version = 1  # version 1 was the first to write hitl_meta
        elif isinstance(value, str) and value.strip().isdigit() and value.strip().isascii() and int(value) >= 1:
            version = int(value)
        else:
            raise RuntimeError(
                f"hitl_meta.schema_version is {value!r}, which no hitl-widgets writes (a whole number, "
                "1 or more): the store was edited by hand or by another program; restore it from a "
                "backup, or set schema_version back to the version it was written with"
            )
        if "hitl_events" not in tables:
            raise RuntimeError(
                "the store has hitl_meta but no hitl_events table: its events were dropped; "
                "restore it from a backup"
            )
        return version
    if "hitl_events" in tables:
        return 0
    return None


def migrate(conn: sa.Connection, version: int, target: int | None = None) -> int:
    """Run the migrations from ``version`` up to ``target`` (default: the newest) on ``conn``.

    The caller owns the transaction: a failing step leaves the store as it was.
    """
    target = len(MIGRATIONS) if target is None else target
    for step in range(version, target):
        MIGRATIONS[step](conn)
        conn.execute(
            meta_table.update().where(meta_table.c.key == "schema_version").values(value=str(step + 1))
        )
    return target


def default_annotator() -> str:
    """The OS user name (``HITL_ANNOTATOR`` overrides it)."""
    env = os.environ.get("HITL_ANNOTATOR")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # no user database (some containers)
        return "anonymous"


def encode_item_id(item_id: Hashable) -> str:
    """Item ids are stored as JSON so that ``7`` and ``"7"`` stay different."""
    item_id = plain(item_id)
    if not is_item_id(item_id):
        raise ValueError(f"item id must be an int or a str, not {type(item_id).__name__}: {item_id!r}")
    return json.dumps(item_id)


def decode_item_id(text: str) -> Hashable:
    return json.loads(text)


def check_event_id(value: Any, name: str = "event_id") -> int:
    """``value`` as an event id: an ``int`` (a numpy int too), not a bool, a float or a str (``True``
    would name event 1, ``2.9`` event 2). Raises ``ValueError`` naming the value."""
    event_id = plain(value)
    if not isinstance(event_id, int) or isinstance(event_id, bool):
        raise ValueError(f"{name} must be an int (an event id), not {type(event_id).__name__}: {event_id!r}")
    return event_id


def item_id_list(item_ids: Any, name: str = "item_ids") -> list:
    """``item_ids`` as a list (read once: a generator is not consumed twice). Raises ``ValueError``
    for a single id where a collection is expected (a str or bytes would be read as its
    characters, ``"abc"`` as ``"a"``, ``"b"``, ``"c"``) and for a DataFrame (its column names)."""
    single = plain(item_ids)
    if isinstance(single, (str, bytes)) or is_item_id(single):
        raise ValueError(
            f"{name} must be a collection of item ids, not a single {type(single).__name__} {single!r}"
            + (" (it would be read as its characters)" if isinstance(single, (str, bytes)) else "")
            + f": pass [{single!r}]"
        )
    if isinstance(item_ids, pd.DataFrame) or not isinstance(item_ids, Iterable):
        raise ValueError(f"{name} must be a collection of item ids (a list, an array), not a {type(item_ids).__name__}")
    return list(item_ids)


def _to_url(location: str | os.PathLike | None) -> str:
    if location is None:
        location = "hitl.db"
    location = os.fspath(location)
    if location == ":memory:":
        return "sqlite://"
    if "://" in location:
        return _with_driver(location)
    return f"sqlite:///{Path(location).expanduser().resolve()}"


def _with_driver(url: str) -> str:
    """``postgresql://`` / ``postgres://`` → ``postgresql+psycopg://`` (psycopg 3, the ``postgres`` extra)."""
    scheme, sep, rest = url.partition("://")
    if scheme in ("postgresql", "postgres"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            if scheme == "postgres":  # SQLAlchemy does not know this spelling at all
                return f"postgresql://{rest}"
            return url  # let SQLAlchemy try its default driver (psycopg2), with its own error
        return f"postgresql+psycopg://{rest}"
    return url


def _sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL (None: in memory, or a ``file:`` URI)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    if parsed.database.startswith("file:") or parsed.query.get("uri"):
        return None
    return Path(parsed.database)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _sqlite_access(path: Path) -> str:
    """How this process can open the SQLite store at ``path``: ``"rw"``, or ``"ro"`` / ``"immutable"``
    (an existing store it cannot write; ``"immutable"`` when not even SQLite's shared-memory file can
    be made beside it). Raises an ``OSError`` that names the path and the fix when it cannot open
    it at all."""
    if path.is_dir():
        raise IsADirectoryError(
            f"the store path {path} is a folder, not a file: give a file inside it, e.g. {path / 'hitl.db'}"
        )
    folder = path.parent
    if not folder.exists():
        raise FileNotFoundError(
            f"cannot create the store {path}: the folder {folder} does not exist (create it first, "
            "or give a path in an existing folder)"
        )
    if not folder.is_dir():
        raise NotADirectoryError(f"cannot create the store {path}: {folder} is a file, not a folder")
    if not path.exists():
        if not _writable(folder):
            raise PermissionError(
                f"cannot create the store {path}: the folder {folder} is not writable (give a path in "
                "a folder you can write to)"
            )
        return "rw"
    side_files = [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]
    if _writable(path) and (_writable(folder) or all(f.exists() and _writable(f) for f in side_files)):
        return "rw"
    if _writable(folder) or all(f.exists() for f in side_files):
        return "ro"
    return "immutable"  # SQLite cannot make its -shm file here: read the file as it is


class StoreReadOnlyError(PermissionError):
    """A write to a store that was opened read-only (its file or folder is not writable)."""


@dataclass
class LogReport:
    """What ``verify_log`` found: ``ok`` is False when anything was changed, deleted or inserted."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    entries: int = 0
    sealed_events: int = 0
    unsealed_events: int = 0
    head: str = GENESIS
    signed_through: int | None = None  # set by certificates.verify_log: the last entry a signature covers

    def __bool__(self) -> bool:
        return self.ok


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _event_content(row: Any) -> str:
    """Canonical text of one event row, as stored (every column): what a sealed entry hashes."""
    created = row.created_at
    created = created.isoformat() if hasattr(created, "isoformat") else str(created)
    values = [row.event_id, row.task, row.item_id, row.annotator, row.kind, row.payload, created, row.supersedes]
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _entry_hash(prev: str, kind: str, ref: str, content_hash: str, created_at: str) -> str:
    return _sha(f"{prev}|{kind}|{ref}|{content_hash}|{created_at}")


def _log_append(conn: sa.Connection, kind: str, ref: str, content_hash: str, body: str = "") -> dict:
    """Append one entry after the chain's head (the caller holds the log's lock)."""
    last = conn.execute(sa.select(audit_log_table).order_by(audit_log_table.c.seq.desc()).limit(1)).first()
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
    conn.execute(audit_log_table.insert().values(**entry))
    return entry


def _log_seal(conn: sa.Connection) -> int:
    """Append every event not yet in the log, in event id order; return how many."""
    if conn.dialect.name == "postgresql":
        # wait for the inserts in flight, and hold new ones back until the seal commits: else an
        # event whose id was drawn earlier but committed later would look inserted after the seal
        conn.execute(sa.text(f"LOCK TABLE {events_table.name} IN SHARE MODE"))
    refs = conn.execute(sa.select(audit_log_table.c.ref).where(audit_log_table.c.entry_kind == "event")).fetchall()
    after = max((int(r[0]) for r in refs), default=0)
    rows = conn.execute(
        sa.select(events_table).where(events_table.c.event_id > after).order_by(events_table.c.event_id)
    ).fetchall()
    entry = None
    for row in rows:
        entry = _log_append(conn, "event", str(row.event_id), _sha(_event_content(row)))
    if entry is not None:
        _log_write_head(conn, entry)
    return len(rows)


def _log_write_head(conn: sa.Connection, entry: Mapping[str, Any]) -> None:
    """Record the chain's head in ``hitl_meta`` (the caller holds the log's lock, in the transaction
    that appended ``entry``): ``verify_log`` then reports entries cut from the log's end."""
    value = json.dumps({"seq": int(entry["seq"]), "entry_hash": str(entry["entry_hash"])}, sort_keys=True)
    done = conn.execute(meta_table.update().where(meta_table.c.key == LOG_HEAD_KEY).values(value=value)).rowcount
    if not done:
        conn.execute(meta_table.insert().values(key=LOG_HEAD_KEY, value=value))


def _log_read_head(conn: sa.Connection) -> str | None:
    """The head record's text (None: no append wrote one yet, e.g. a log sealed by an older release)."""
    return conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == LOG_HEAD_KEY)).scalar()


def _check_log(log: Sequence[Any], events: dict[int, Any], head: str | None = None) -> LogReport:
    """Recompute the chain of ``log`` (entries in seq order) against ``events`` (rows by id) and
    ``head``, the head record that the last append wrote (``hitl_meta.audit_log_head``)."""
    problems: list[str] = _head_problems(log, head)
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
        elif entry.entry_kind in ("certificate", "signature"):
            if _sha(entry.body) != entry.content_hash:
                problems.append(f"{entry.entry_kind} {entry.ref} (log entry {entry.seq}) was changed")
        else:
            problems.append(f"audit log entry {entry.seq}: unknown kind {entry.entry_kind!r}")
    top = max(sealed, default=0)
    for e in sorted(e for e in events if e <= top and e not in sealed):
        problems.append(f"event {e} was inserted after the log was sealed")
    unsealed = sum(1 for e in events if e > top)
    return LogReport(
        ok=not problems, problems=problems, entries=len(log), sealed_events=len(sealed),
        unsealed_events=unsealed, head=prev,
    )


def _head_problems(log: Sequence[Any], head: str | None) -> list[str]:
    """The log against its head record: the entry it names must still be there, unchanged (the
    log may go on after it: an older release appends without updating the record)."""
    if head is None:
        return []
    try:
        recorded = json.loads(head)
        seq, entry_hash = recorded["seq"], recorded["entry_hash"]
        if not isinstance(seq, int) or isinstance(seq, bool) or not isinstance(entry_hash, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return [f"the audit log's head record (hitl_meta.{LOG_HEAD_KEY}) is unreadable: {head[:80]!r} (edited)"]
    entry = next((e for e in reversed(log) if e.seq == seq), None)
    last = log[-1].seq if log else 0
    if entry is None and last < seq:
        return [f"the audit log ends at entry {last}, but entry {seq} was written: entries were cut from its end"]
    if entry is None or entry.entry_hash != entry_hash:
        return [f"audit log entry {seq} is not the one written there (its hash differs from the head record): "
                "the log was rewritten"]
    return []


class AnnotationStore:
    """The event log behind every widget.

    Args:
        location: ``None`` → ``hitl.db`` in the working directory; ``":memory:"`` for a throw-away
            store; a file path (SQLite) or any SQLAlchemy URL. ``postgresql://user:pw@host:5432/db``
            (or ``postgres://``) uses psycopg 3 (``pip install "hitl-widgets[postgres]"``); the
            tables are created in the connection's schema (its ``search_path``). A SQLite file that
            exists but that this process cannot write (the file or its folder) is opened read-only:
            reads work, writes raise ``StoreReadOnlyError`` (a ``PermissionError``).
        annotator: who records events by default (the OS user when ``None``); at most 200
            characters.

    Raises ``RuntimeError`` when the store was written by a newer hitl-widgets (a newer schema) or
    its ``hitl_meta`` holds something no hitl-widgets writes; ``FileNotFoundError`` /
    ``IsADirectoryError`` / ``PermissionError`` naming the path when a SQLite path's folder is
    missing, the path is a folder, or a new file cannot be created there; ``ValueError`` for an
    annotator that no backend could keep.

    A ``":memory:"`` store is one connection shared by every thread: its reads and writes take
    turns (a lock), so threads may share it.

    Example:
        >>> store = AnnotationStore(":memory:")
        >>> store.record("t", "a.png", {"label": "cat"}, annotator="bo")
        1
    """

    def __init__(self, location: str | os.PathLike | None = None, annotator: str | None = None):
        annotator = annotator or default_annotator()
        try:
            _check_text("annotator", annotator)  # refused now, not at the first save
        except ValueError as exc:
            shown = annotator[:40] + "…" if isinstance(annotator, str) and len(annotator) > 40 else annotator
            raise ValueError(f"AnnotationStore(annotator={shown!r}): {exc}") from None
        self.url = _to_url(location)
        self.annotator = annotator
        self._is_sqlite = self.url.startswith("sqlite")
        self.read_only = False
        self._log_missing = False  # a read-only store of schema 1 has no audit log table
        # ":memory:" is one shared connection: one thread at a time may use it
        self._lock: Any = threading.RLock() if self.url == "sqlite://" else contextlib.nullcontext()
        if self._is_sqlite:
            path = _sqlite_file(self.url)
            access = _sqlite_access(path) if path is not None else "rw"
            self.read_only = access != "rw"
            kwargs: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
            if self.url == "sqlite://":  # one shared connection, else each one is a new empty db
                kwargs["poolclass"] = sa.pool.StaticPool
            if self.read_only:
                import sqlite3
                from urllib.parse import quote

                uri = f"file:{quote(str(path))}?{'mode=ro' if access == 'ro' else 'immutable=1'}"
                kwargs = {
                    "creator": lambda: sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False),
                    "poolclass": sa.pool.QueuePool,
                }
            self.engine = sa.create_engine(self.url, **kwargs)
            sa.event.listen(self.engine, "connect", _sqlite_read_pragmas if self.read_only else _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        try:
            if self.read_only:
                self._open_read_only()
            else:
                self._retry(self._open_schema)
        except DBAPIError as exc:
            self.engine.dispose()
            explained = self._explain(exc)
            if explained is exc:
                raise
            raise explained from exc
        except BaseException:
            self.engine.dispose()
            raise

    # ------------------------------------------------------------------ schema
    def _where(self) -> str:
        """The store's file, or its URL without the password."""
        path = _sqlite_file(self.url) if self._is_sqlite else None
        if path is not None:
            return str(path)
        return self.url if self._is_sqlite else sa.engine.make_url(self.url).render_as_string(hide_password=True)

    def _explain(self, exc: DBAPIError) -> Exception:
        """SQLite's bare open errors, said with the path and what to do."""
        text = str(exc.orig) if exc.orig is not None else str(exc)
        if not self._is_sqlite:
            return exc
        if "file is not a database" in text:
            return RuntimeError(
                f"{self._where()} is not a SQLite database ({text}): give the path of a hitl-widgets "
                "store, or of a file that does not exist yet"
            )
        if "unable to open database file" in text:
            return OSError(
                f"cannot open the store {self._where()} ({text}): check that the file and its folder "
                "exist and that this process may read them"
            )
        if "readonly database" in text:
            return PermissionError(
                f"cannot write the store {self._where()} ({text}): make the file and its folder writable, "
                "or copy the store somewhere writable"
            )
        return exc

    def _version(self, conn: sa.Connection) -> int | None:
        try:
            return stored_schema_version(conn)
        except RuntimeError as exc:
            raise RuntimeError(f"{self._where()}: {exc}") from None

    def _newer(self, version: int) -> RuntimeError:
        return RuntimeError(
            f"{self._where()} was written by a newer hitl-widgets (schema {version} > {len(MIGRATIONS)}): "
            "upgrade hitl-widgets to open it"
        )

    def _open_schema(self) -> None:
        """Create a new store, or bring an older one up to ``SCHEMA_VERSION``, in one transaction.

        The transaction holds the write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory
        lock), so processes opening the same store at once create or migrate it exactly once.
        """
        with self._lock, self.engine.connect() as conn:
            if self._is_sqlite:
                conn.execution_options(hitl_begin="IMMEDIATE")
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                version = self._version(conn)
                if version is None:  # a new store: today's layout at once
                    for table in _metadata.sorted_tables:
                        table.create(conn)
                    conn.execute(meta_table.insert().values(key="schema_version", value=str(len(MIGRATIONS))))
                    return
                if version > len(MIGRATIONS):
                    raise self._newer(version)
                migrate(conn, version)

    def _open_read_only(self) -> None:
        """Check that a store this process cannot write can be read as it is (nothing is migrated)."""
        with self.connect() as conn:
            version = self._version(conn)
            if version is None:
                raise RuntimeError(
                    f"{self._where()} holds no hitl-widgets store, and this process cannot write it to "
                    "make one (the file or its folder is read-only): give another path"
                )
            if version > len(MIGRATIONS):
                raise self._newer(version)
            if version < 1:
                raise RuntimeError(
                    f"{self._where()} has the layout of an early release (schema 0), which must be upgraded "
                    "before it can be read, and this process cannot write it: open it once where the file "
                    "and its folder are writable"
                )
            self._log_missing = audit_log_table.name not in sa.inspect(conn).get_table_names()

    @property
    def schema_version(self) -> int:
        with self.connect() as conn:
            return int(conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")).scalar_one())

    def _retry(self, fn, *args, **kwargs):
        """Run a write, retrying while another writer holds a lock (SQLite) or after PostgreSQL
        rolled the transaction back because of a serialization failure or deadlock."""
        delay = 0.01
        for attempt in range(60):
            try:
                return fn(*args, **kwargs)
            except DBAPIError as exc:
                if not _retryable(exc) or attempt == 59:
                    raise
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)

    # ------------------------------------------------------------------ connections
    @contextlib.contextmanager
    def connect(self) -> Iterator[sa.Connection]:
        """A connection to read through (what it began is rolled back when the block ends).

        On a ``":memory:"`` store the one shared connection is lent to one thread at a time. Write
        with ``transaction`` (or ``record``), not through this connection.

        Example:
            >>> store = AnnotationStore(":memory:")
            >>> with store.connect() as conn:
            ...     conn.execute(sa.select(sa.func.count()).select_from(events_table)).scalar()
            0
        """
        with self._lock, self.engine.connect() as conn:
            yield conn

    def transaction(self, fn: Callable[[sa.Connection], T], *, lock: str | None = None) -> T:
        """Run ``fn(conn)`` in one write transaction; return what it returns.

        Committed when ``fn`` returns, rolled back when it raises (the exception reaches the
        caller). The transaction holds the write lock from its start: on SQLite the database's
        (``BEGIN IMMEDIATE``), so nothing ``fn`` reads changes before it commits; on PostgreSQL the
        transactions that name the same ``lock`` (any string, e.g. ``"audit_log"``) run one at a
        time. ``fn`` may run more than once: while another process holds a SQLite lock, or after
        PostgreSQL rolled the transaction back (serialization failure, deadlock), it is retried
        from the start, so it must touch the database only through ``conn`` and must not call the
        store's own methods.

        Raises ``StoreReadOnlyError`` (nothing runs) on a store opened read-only.

        Example:
            >>> store = AnnotationStore(":memory:")
            >>> store.transaction(lambda conn: conn.execute(
            ...     meta_table.insert().values(key="note", value="hello")).rowcount, lock="note")
            1
        """
        return self._retry(self._run_transaction, fn, lock)

    def _run_transaction(self, fn: Callable[[sa.Connection], T], lock: str | None = None) -> T:
        if self.read_only:
            raise StoreReadOnlyError(
                f"{self._where()} is open read-only (this process cannot write the file or its folder), "
                "so nothing was written: make them writable, or copy the store somewhere writable"
            )
        with self._lock, self.engine.connect() as conn:
            if self._is_sqlite:
                conn.execution_options(hitl_begin="IMMEDIATE")
            with conn.begin():
                if lock is not None and conn.dialect.name == "postgresql":
                    conn.execute(
                        sa.text("SELECT pg_advisory_xact_lock(:space, :key)"),
                        {"space": _PG_NAMED_LOCKS, "key": _lock_key(lock)},
                    )
                return fn(conn)

    # ------------------------------------------------------------------ writes
    def record(
        self,
        task: str,
        item_id: Hashable,
        payload: dict | None = None,
        kind: str = "label",
        annotator: str | None = None,
        supersedes: int | None = None,
        at: datetime | None = None,
    ) -> int:
        """Append one event; return its id once it is committed (durable).

        ``at``: when the change was made, if not now (a timezone-aware datetime; an edit kept in
        the browser while the kernel was down and saved later keeps its original time). It must
        not be before 2000-01-01 nor in the future by more than ``MAX_CLOCK_SKEW_S`` (a time
        within that skew is stored as now). The event's place in the log (its id) is still the
        order of recording: the current state is the newest *recorded* event.

        Raises ``ValueError`` (and stores nothing) for a payload that is not a JSON object (a dict
        key in it that is not a str too: JSON would bring ``{1: "cat"}`` back as ``{"1": "cat"}``), and
        for text that some backend could not keep: NUL characters, lone surrogates, a task or
        annotator over 200 characters, a kind over 50, an item id over 500 once JSON-encoded.
        ``supersedes``, when given, must be an int event id (not a bool, a float or a str). A
        hand-written undo (``kind="undo"``) must name, in ``supersedes``, an event of the same
        task and item that no undo cancels yet.

        Example:
            >>> AnnotationStore(":memory:").record("t", 0, {"label": "dog"})
            1
        """
        if not isinstance(task, str) or not task:
            raise ValueError(f"task must be a non-empty str, not {task!r}")
        if not isinstance(kind, str) or not kind:
            raise ValueError(f"kind must be a non-empty str, not {kind!r}")
        if payload is not None and not isinstance(payload, dict):  # a list would break labels() for good
            raise ValueError(f"payload must be a dict, not {type(payload).__name__}")
        created = event_time(at)
        refuse_non_str_keys(payload, "payload")  # {1: "cat"} would come back as {"1": "cat"}
        try:
            payload_json = json.dumps(payload if payload is not None else {}, allow_nan=False, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"payload is not JSON (no NaN/inf): {exc}") from None
        row = {
            "task": task,
            "item_id": encode_item_id(item_id),
            "annotator": annotator or self.annotator,
            "kind": kind,
            "payload": payload_json,
        }
        for field_name, value in row.items():  # the same rules on every backend
            _check_text(field_name, value)
        if supersedes is not None:  # a float or a bool would be stored as it is and break events()
            supersedes = check_event_id(supersedes, "supersedes")
            if not 1 <= supersedes <= MAX_EVENT_ID:
                raise ValueError(f"supersedes={supersedes} names no event (event ids are 1 or more)")
        if kind == "undo":  # reads by item find an undo by its target's task and item id
            target = self._check_undo_target(task, row["item_id"], supersedes)
            return self._write_undo(target, row["annotator"], payload_json, at=created)
        return self._append(row, supersedes, created)

    def _append(self, row: dict, supersedes: int | None, created: datetime | None = None) -> int:
        """Insert a checked row (task, item_id, annotator, kind, payload); return its id."""
        created = created or datetime.now(timezone.utc)
        return self._retry(self._insert, {**row, "created_at": created, "supersedes": supersedes})

    def _event(self, event_id: int) -> Any:
        """One event's row (None when there is none); ``event_id`` an int (``check_event_id``)."""
        if not 1 <= event_id <= MAX_EVENT_ID:  # no such event (and beyond what a backend can compare)
            return None
        with self.connect() as conn:
            return conn.execute(sa.select(events_table).where(events_table.c.event_id == event_id)).first()

    def _check_undo_target(self, task: str, encoded_item_id: str, supersedes: Any) -> Any:
        if supersedes is None:
            raise ValueError("an undo event needs supersedes=<the event id it cancels> (or use undo())")
        supersedes = check_event_id(supersedes, "supersedes")
        target = self._event(supersedes)
        if target is None or target.task != task or target.item_id != encoded_item_id:
            raise ValueError(f"an undo must name the task and item of the event it cancels ({supersedes}); use undo()")
        if target.kind == "undo":
            raise ValueError(f"event {supersedes} is itself an undo; record the label again instead")
        return target

    def _insert(self, row: dict) -> int:
        return self._run_transaction(lambda conn: _insert_event(conn, row))  # one transaction per event

    def _write_undo(self, target: Any, annotator: str, payload_json: str | None = None, at: datetime | None = None) -> int:
        """Cancel ``target`` (an event row) unless an undo already cancels it: the check and the
        write are one locked transaction, so two concurrent undos of one event write one undo."""
        row = {  # the target's own task and item id, as stored
            "task": target.task,
            "item_id": target.item_id,
            "annotator": annotator,
            "kind": "undo",
            "payload": payload_json if payload_json is not None else json.dumps({"undone_kind": target.kind}, ensure_ascii=False),
            "supersedes": int(target.event_id),
        }

        def cancel(conn: sa.Connection) -> int:
            done = conn.execute(
                sa.select(events_table.c.event_id).where(
                    (events_table.c.task == target.task)
                    & (events_table.c.item_id == target.item_id)
                    & (events_table.c.kind == "undo")
                    & (events_table.c.supersedes == int(target.event_id))
                ).limit(1)
            ).scalar()
            if done is not None:
                raise ValueError(
                    f"event {target.event_id} is already undone (by event {done}): there is nothing left to "
                    "cancel; to change the label, record a new one"
                )
            return _insert_event(conn, {**row, "created_at": at or datetime.now(timezone.utc)})

        return self.transaction(cancel, lock=_undo_lock(target.task, target.item_id))

    def undo(
        self,
        event_id: int | None = None,
        *,
        task: str | None = None,
        item_id: Hashable | None = None,
        annotator: str | None = None,
        at: datetime | None = None,
    ) -> int | None:
        """Cancel one event; return the undo event's id (``None`` if there was nothing to undo).

        Either name the event (``undo(17)``) or the place (``undo(task="t", item_id=3)``): the
        latest still-active event of that item by that annotator is cancelled. Reading the target
        and writing the undo are one locked transaction, so concurrent undos of one place cancel
        one event each, newest first. Raises ``ValueError`` for an event that an undo already
        cancels (an event is undone once), for an undo event, and for an ``event_id`` that is not
        an int (a bool, a float, a str: ``check_event_id``). ``at``: when the undo was made,
        checked as in ``record``.
        """
        if event_id is not None:
            event_id = check_event_id(event_id)
        annotator = annotator or self.annotator
        _check_text("annotator", annotator)
        created = event_time(at)
        if event_id is None:
            if task is None or item_id is None:
                raise ValueError("undo() needs an event_id, or task= and item_id=")
            encoded = encode_item_id(item_id)

            def cancel_latest(conn: sa.Connection) -> int | None:
                rows = _latest_rows(conn, task, [encoded], None, annotator)
                if not rows:
                    return None
                target = rows[0]
                row = {
                    "task": target.task,
                    "item_id": target.item_id,
                    "annotator": annotator,
                    "kind": "undo",
                    "payload": json.dumps({"undone_kind": target.kind}, ensure_ascii=False),
                    "created_at": created,
                    "supersedes": int(target.event_id),
                }
                return _insert_event(conn, row)

            return self.transaction(cancel_latest, lock=_undo_lock(task, encoded))
        target = self._event(event_id)
        if target is None:
            raise ValueError(f"no event {event_id} in {self._where()}")
        if target.kind == "undo":
            raise ValueError(f"event {event_id} is itself an undo; record the label again instead")
        return self._write_undo(target, annotator, at=created)

    # ------------------------------------------------------------------ reads
    def newest_time(self, task: str, item_id: Hashable, annotator: str | None = None) -> datetime | None:
        """When the newest event (an undo included) of ``annotator`` on one item was made (UTC),
        or None when there is none: whether a change made at some time is still the newest."""
        annotator = annotator or self.annotator
        e = events_table.c
        query = sa.select(sa.func.max(e.created_at)).where(
            (e.task == task) & (e.item_id == encode_item_id(item_id)) & (e.annotator == annotator)
        )
        with self.connect() as conn:
            newest = conn.execute(query).scalar()
        if newest is None:
            return None
        newest = pd.Timestamp(newest).to_pydatetime()  # SQLite gives text or a naive datetime
        return newest.replace(tzinfo=timezone.utc) if newest.tzinfo is None else newest.astimezone(timezone.utc)

    def tasks(self) -> list[str]:
        """Names of the tasks that have at least one event."""
        with self.connect() as conn:
            rows = conn.execute(sa.select(events_table.c.task).distinct())
            return sorted(r[0] for r in rows)  # code-point order on every backend (not a collation)

    def events(self, task: str | None = None) -> pd.DataFrame:
        """Every event (of one task, or all), oldest first.

        Columns: event_id, task, item_id, annotator, kind, payload (dict), created_at (UTC),
        supersedes (event id or <NA>), undone (bool: a later undo cancels it).
        """
        query = sa.select(events_table).order_by(events_table.c.event_id)
        if task is not None:
            query = query.where(events_table.c.task == task)
        with self.connect() as conn:
            rows = conn.execute(query).fetchall()
        columns = ["event_id", "task", "item_id", "annotator", "kind", "payload", "created_at", "supersedes"]
        df = pd.DataFrame([tuple(r) for r in rows], columns=columns)
        df["item_id"] = [decode_item_id(v) for v in df["item_id"]]
        df["payload"] = [json.loads(v) for v in df["payload"]]
        df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
        df["supersedes"] = df["supersedes"].astype("Int64")
        cancelled = set(df.loc[df["kind"] == "undo", "supersedes"].dropna().astype(int))
        df["undone"] = df["event_id"].isin(cancelled)
        return df

    def _active(self, task: str, item_ids=None, annotator: str | None = None) -> pd.DataFrame:
        """Non-undo events of a task that no undo cancels (optionally narrowed)."""
        query = sa.select(events_table).where(events_table.c.task == task).order_by(events_table.c.event_id)
        if annotator is not None:
            query = query.where(events_table.c.annotator == annotator)
        if item_ids is not None:
            query = query.where(events_table.c.item_id.in_([encode_item_id(i) for i in item_ids]))
        with self.connect() as conn:
            rows = conn.execute(query).fetchall()
        # an undo may be recorded by someone else (an adjudicator): every annotator's undos count
        cancelled = self._cancelled_ids(task, item_ids)
        kept = [r for r in rows if r.kind != "undo" and r.event_id not in cancelled]
        return pd.DataFrame(
            [(r.event_id, decode_item_id(r.item_id), r.annotator, r.kind, r.payload, r.created_at) for r in kept],
            columns=["event_id", "item_id", "annotator", "kind", "payload", "created_at"],
        )

    def _cancelled_ids(self, task: str, item_ids=None) -> set[int]:
        """Ids of the events an undo cancels (an undo carries its target's item id)."""
        query = sa.select(events_table.c.supersedes).where(
            (events_table.c.task == task) & (events_table.c.kind == "undo")
        )
        if item_ids is not None:
            query = query.where(events_table.c.item_id.in_([encode_item_id(i) for i in item_ids]))
        with self.connect() as conn:
            return {r[0] for r in conn.execute(query)}

    def current(
        self,
        task: str,
        kinds: tuple[str, ...] | None = None,
        annotator: str | None = None,
        item_ids: Sequence[Hashable] | None = None,
    ) -> pd.DataFrame:
        """The latest active event per (item, annotator) among ``kinds`` (all kinds when None),
        for every item or only ``item_ids`` (read through the (task, item) index: an undo in a
        widget reads one item, not the whole task).

        Columns: item_id, annotator, kind, payload (dict), event_id, created_at.

        ``item_ids`` is a collection of ids (``[3]``; a str is refused, not read as its characters).

        Example: ``store.current("classify", kinds=("label",), item_ids=[3])``
        """
        if item_ids is not None:
            item_ids = item_id_list(item_ids)
        if isinstance(kinds, str):
            kinds = (kinds,)
        df = self._active(task, item_ids=item_ids, annotator=annotator)
        if kinds is not None:
            df = df[df["kind"].isin(kinds)]
        df = df.drop_duplicates(subset=["item_id", "annotator"], keep="last") if len(df) else df
        df = df.assign(payload=[json.loads(p) for p in df["payload"]])
        df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
        return df[["item_id", "annotator", "kind", "payload", "event_id", "created_at"]].reset_index(drop=True)

    def latest(
        self,
        task: str,
        item_ids: Sequence[Hashable],
        kinds: tuple[str, ...] | None = None,
        annotator: str | None = None,
    ) -> dict[Hashable, dict]:
        """The latest active event among ``kinds`` for each of ``item_ids`` (by any annotator, or
        only ``annotator``): ``{item_id: {"event_id", "annotator", "kind", "payload", "created_at"}}``.
        Items with no active event are absent. This is the read a widget makes after an undo.

        One SQL query (per 500 item ids) through the (task, item) index: the newest event per item
        that no undo cancels (an undo by anyone counts), whatever the size of the task.

        ``item_ids`` is a collection of ids (``[3]``; a str is refused, not read as its characters).

        Example: ``store.latest("classify", [3], kinds=("label",), annotator="bo").get(3)``
        """
        if isinstance(kinds, str):
            kinds = (kinds,)
        encoded = list(dict.fromkeys(encode_item_id(i) for i in item_id_list(item_ids)))
        found: dict[str, Any] = {}
        with self.connect() as conn:
            for start in range(0, len(encoded), _IN_CHUNK):
                for row in _latest_rows(conn, task, encoded[start : start + _IN_CHUNK], kinds, annotator):
                    found[row.item_id] = row
        out: dict[Hashable, dict] = {}
        for key in encoded:  # in the order asked
            row = found.get(key)
            if row is None:
                continue
            created = pd.Timestamp(row.created_at)
            out[decode_item_id(key)] = {
                "event_id": int(row.event_id),
                "annotator": row.annotator,
                "kind": row.kind,
                "payload": json.loads(row.payload),
                "created_at": created.tz_localize("UTC") if created.tzinfo is None else created.tz_convert("UTC"),
            }
        return out

    def labels(self, task: str, annotator: str | None = None, item_ids: Sequence[Hashable] | None = None) -> pd.DataFrame:
        """Current label per item and annotator (of every item, or only ``item_ids``).

        Columns: item_id, annotator, label (the class, or a list for multi-label), event_id,
        created_at. ``item_ids`` is a collection of ids (``[3]``; a str is refused).
        """
        if item_ids is not None:
            item_ids = item_id_list(item_ids)
        df = self.current(task, kinds=LABEL_KINDS, annotator=annotator, item_ids=item_ids)
        out = pd.DataFrame(
            {
                "item_id": df["item_id"],
                "annotator": df["annotator"],
                "label": [p.get("label") for p in df["payload"]],
                "event_id": df["event_id"].astype("int64"),
                "created_at": df["created_at"],
            }
        )
        return out.sort_values(["item_id", "annotator"], key=_sort_key).reset_index(drop=True) if len(out) else out

    # ------------------------------------------------------------------ the audit log
    def seal_log(self) -> int:
        """Append every event not yet in the audit log to its hash chain (in event id order);
        return how many were appended."""
        return self.transaction(_log_seal, lock=_AUDIT_LOCK)

    def append_log(self, entry_kind: str, ref: str, body: str) -> dict:
        """Seal the events not yet in the audit log, then append one entry whose content is
        ``body`` (e.g. ``"certificate"``, its id, its canonical JSON), in one transaction.

        Returns the entry: seq, entry_kind, ref, content_hash (SHA-256 of ``body``), prev_hash,
        entry_hash, created_at, body.
        """
        if entry_kind == "event":
            raise ValueError('events enter the audit log through seal_log(), not append_log("event", ...)')
        if entry_kind not in ("certificate", "signature"):
            raise ValueError(f'entry_kind must be "certificate" or "signature", not {entry_kind!r}')
        for name, value, limit in (("entry_kind", entry_kind, 20), ("ref", ref, 200)):
            if not isinstance(value, str) or not value or len(value) > limit:
                raise ValueError(f"{name} must be a non-empty str of at most {limit} characters, not {value!r}")
        if not isinstance(body, str):
            raise ValueError(f"body must be a str, not {type(body).__name__}")
        _check_text("body", body)

        def run(conn: sa.Connection) -> dict:
            _log_seal(conn)
            entry = _log_append(conn, entry_kind, ref, _sha(body), body)
            _log_write_head(conn, entry)
            return entry

        return self.transaction(run, lock=_AUDIT_LOCK)

    def log_entry(self, seq: int) -> dict | None:
        """One audit log entry by its sequence number (None when there is none)."""
        if self._log_missing or not isinstance(seq, int) or isinstance(seq, bool):
            return None
        with self.connect() as conn:
            row = conn.execute(sa.select(audit_log_table).where(audit_log_table.c.seq == seq)).first()
        return None if row is None else dict(row._mapping)

    def log_entries(self, entry_kind: str | None = None) -> list[dict]:
        """The audit log's entries in order (of one ``entry_kind`` when given: "event",
        "certificate", "signature"), each a dict as ``log_entry`` returns it."""
        if self._log_missing:
            return []
        query = sa.select(audit_log_table).order_by(audit_log_table.c.seq)
        if entry_kind is not None:
            query = query.where(audit_log_table.c.entry_kind == entry_kind)
        with self.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def verify_log(self) -> LogReport:
        """Recompute the audit log's hash chain and the hash of every sealed event.

        Reported in ``problems``: a sealed event edited or deleted, an event inserted among the
        sealed ones, an edited certificate or signature entry, an entry edited, deleted or
        inserted inside the chain, and entries cut from its end (against the head record that
        every append writes to ``hitl_meta``). Events recorded after the last seal are counted as
        ``unsealed_events``, not as problems.

        Not detectable from the database alone (whoever can write it can do these): a chain
        rewritten with every later hash recomputed; a cut of the log's end whose head record was
        rewritten or deleted too; a cut of entries that a release without the head record
        appended after the entry the record names (a store whose log has no record yet is not
        checked for cuts until its next append). Only a copy kept elsewhere catches them: a
        certificate's ``log.entry_hash`` (``certificates.verify(cert, ..., store=store)`` finds its
        entry gone or changed), a signature (``certificates.verify_log(store, public_key=...)``
        finds a signed entry changed; a cut back past the newest signature shows only as a smaller
        ``report.signed_through`` than the ``seq`` that ``sign_log`` returned), or this report's
        ``head`` and ``entries`` noted down and compared later.

        Example:
            >>> store = AnnotationStore(":memory:")
            >>> _ = store.record("t", 1, {"label": "a"}); _ = store.seal_log()
            >>> store.verify_log().ok
            True
        """
        with self.connect() as conn:
            log = [] if self._log_missing else conn.execute(sa.select(audit_log_table).order_by(audit_log_table.c.seq)).fetchall()
            events = {r.event_id: r for r in conn.execute(sa.select(events_table).order_by(events_table.c.event_id))}
            head = None if self._log_missing else _log_read_head(conn)
        return _check_log(log, events, head)

    def __repr__(self) -> str:
        url = self.url if self._is_sqlite else sa.engine.make_url(self.url).render_as_string(hide_password=True)
        return f"AnnotationStore({url!r}, annotator={self.annotator!r})"


_AUDIT_LOCK = "hitl_audit_log"


def _lock_key(name: str) -> int:
    """A PostgreSQL advisory lock key (int4) for a lock name."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "big", signed=True)


def _undo_lock(task: str, encoded_item_id: str) -> str:
    return f"undo\x1f{task}\x1f{encoded_item_id}"


def _insert_event(conn: sa.Connection, row: dict) -> int:
    key = conn.execute(events_table.insert().values(**row)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _latest_rows(
    conn: sa.Connection, task: str, encoded_ids: Sequence[str], kinds: Sequence[str] | None, annotator: str | None
) -> list[Any]:
    """The newest event per item among ``encoded_ids`` (of ``kinds``, by ``annotator``) that is not
    an undo and that no undo cancels: one query, a window over the (task, item) index."""
    if not encoded_ids or (kinds is not None and not len(kinds)):
        return []
    params: dict[str, Any] = {"task": task, "ids": list(encoded_ids)}
    if kinds is not None:
        params["kinds"] = list(kinds)
    if annotator is not None:
        params["annotator"] = annotator
    return list(conn.execute(_latest_query(kinds is not None, annotator is not None), params).fetchall())


@functools.cache
def _latest_query(by_kind: bool, by_annotator: bool) -> sa.Select:
    """latest()'s statement, built once per shape (its parameters: task, ids, kinds, annotator)."""
    e, u = events_table.alias("e"), events_table.alias("u")
    cancelled = (
        sa.select(u.c.event_id)
        .where(
            (u.c.task == e.c.task)
            & (u.c.item_id == e.c.item_id)
            & (u.c.kind == "undo")
            & (u.c.supersedes == e.c.event_id)
        )
        .exists()
    )
    where = [
        e.c.task == sa.bindparam("task"),
        e.c.item_id.in_(sa.bindparam("ids", expanding=True)),
        e.c.kind != "undo",
        ~cancelled,
    ]
    if by_kind:
        where.append(e.c.kind.in_(sa.bindparam("kinds", expanding=True)))
    if by_annotator:
        where.append(e.c.annotator == sa.bindparam("annotator"))
    newest_first = sa.func.row_number().over(partition_by=e.c.item_id, order_by=e.c.event_id.desc())
    ranked = sa.select(e, newest_first.label("rank")).where(*where).subquery("ranked")
    columns = [ranked.c[name] for name in events_table.c.keys()]
    return sa.select(*columns).where(ranked.c.rank == 1)


def event_time(at: datetime | None) -> datetime:
    """The time an event is stored with: now, or ``at`` checked (timezone-aware, not before
    ``EARLIEST_EVENT``, not later than now by more than ``MAX_CLOCK_SKEW_S``; a time within the
    skew is now)."""
    now = datetime.now(timezone.utc)
    if at is None:
        return now
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"at must be a timezone-aware datetime, not {at!r}")
    at = at.astimezone(timezone.utc)
    if at < EARLIEST_EVENT:
        raise ValueError(f"at {at.isoformat()} is before {EARLIEST_EVENT.date()}")
    if (at - now).total_seconds() > MAX_CLOCK_SKEW_S:
        raise ValueError(f"at {at.isoformat()} is in the future (now {now.isoformat()})")
    return min(at, now)


def _check_text(field: str, value: str) -> None:
    """Refuse what one backend would store and another would not (NUL, lone surrogates, length)."""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a str, not {type(value).__name__}")
    limit = MAX_LENGTHS.get(field)
    if limit is not None and len(value) > limit:
        raise ValueError(f"{field} is too long ({len(value)} > {limit} characters)")
    if "\x00" in value:
        raise ValueError(f"{field} must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{field} is not valid unicode (lone surrogate)") from None


def _sort_key(col: pd.Series) -> pd.Series:
    """Sort mixed int/str ids without TypeError: ints first, by value, then strs."""
    return col.map(lambda v: (isinstance(v, str), v if not isinstance(v, str) else 0, v if isinstance(v, str) else ""))


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_begin
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cur.execute("PRAGMA synchronous=FULL")  # an acknowledged event survives a crash
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_read_pragmas(dbapi_conn, _record) -> None:
    """A read-only connection: no journal-mode change (that would write), the same lock wait."""
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_begin
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    """Real transactions on SQLite (the driver's own handling leaves DDL outside them), so a
    migration is all or nothing; ``hitl_begin="IMMEDIATE"`` takes the write lock at once."""
    conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('hitl_begin', '')}".strip())


def _retryable(exc: DBAPIError) -> bool:
    """True when the failed transaction certainly did not commit and a retry may succeed."""
    text = str(exc.orig).lower() if exc.orig is not None else str(exc).lower()
    if "database is locked" in text or "database table is locked" in text or "busy" in text:
        return True
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state in _PG_RETRY_STATES
