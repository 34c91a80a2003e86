"""Append-only event log of everything a human does, through SQLAlchemy.

Each human action is one row in ``events``. Nothing is updated or deleted: an undo is a new
event (``kind="undo"``) that names the event it cancels in ``supersedes``. The current state of a
task is the latest event per (item, annotator) that no undo cancels.

Backends: a SQLite file (default; WAL, ``synchronous=FULL``, one transaction per event) or a
PostgreSQL database for a team (``AnnotationStore("postgresql://user@host/db")``, driver psycopg 3
from the ``postgres`` extra). Writers retry while another holds a lock (SQLite) or after PostgreSQL
rolled their transaction back (serialization failure, deadlock), so concurrent annotators never see
those errors. ``record`` returns only once the event is committed.

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

import getpass
import json
import os
import random
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Hashable, Sequence

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from .coerce import is_item_id, plain

LABEL_KINDS = ("label",)
MAX_LENGTHS = {"task": 200, "item_id": 500, "annotator": 200, "kind": 50}  # the column sizes
# SQLSTATEs after which PostgreSQL has rolled the transaction back, so a retry cannot duplicate
_PG_RETRY_STATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available
_PG_LOCK_KEY = 0x68_69_74_6C  # "hitl": advisory lock that serialises schema creation and migrations

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


# ---------------------------------------------------------------------------- migrations
# Version 0 (the pre-release layout): no ``hitl_meta`` table and no ``supersedes`` column; an undo
# named its target in its payload, ``{"undoes": <event_id>}``.
# Version 1: ``supersedes`` column + index, undo payload ``{"undone_kind": <kind>}``, ``hitl_meta``.
def _migrate_0_to_1(conn: sa.Connection) -> None:
    conn.execute(sa.text("ALTER TABLE hitl_events ADD COLUMN supersedes INTEGER"))
    kinds = dict(conn.execute(sa.select(events_table.c.event_id, events_table.c.kind)).fetchall())
    undos = conn.execute(
        sa.select(events_table.c.event_id, events_table.c.payload).where(events_table.c.kind == "undo")
    ).fetchall()
    for event_id, payload in undos:
        target = json.loads(payload).get("undoes")
        target = int(target) if isinstance(target, int) and not isinstance(target, bool) else None
        conn.execute(
            events_table.update()
            .where(events_table.c.event_id == event_id)
            .values(supersedes=target, payload=json.dumps({"undone_kind": kinds.get(target, "label")}))
        )
    for index in events_table.indexes:
        index.create(conn, checkfirst=True)
    meta_table.create(conn)
    conn.execute(meta_table.insert().values(key="schema_version", value="0"))


# MIGRATIONS[n] turns a version-n store into version n+1; each runs inside the opening transaction.
MIGRATIONS: list = [_migrate_0_to_1]
SCHEMA_VERSION = len(MIGRATIONS)


def stored_schema_version(conn: sa.Connection) -> int | None:
    """The schema version of the store behind ``conn`` (``None``: no store there yet)."""
    tables = set(sa.inspect(conn).get_table_names())
    if "hitl_meta" in tables:
        value = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")).scalar()
        return 1 if value is None else int(value)  # version 1 was the first to write hitl_meta
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


class AnnotationStore:
    """The event log behind every widget.

    Args:
        location: ``None`` → ``hitl.db`` in the working directory; ``":memory:"`` for a throw-away
            store; a file path (SQLite) or any SQLAlchemy URL. ``postgresql://user:pw@host:5432/db``
            (or ``postgres://``) uses psycopg 3 (``pip install "hitl-widgets[postgres]"``); the
            tables are created in the connection's schema (its ``search_path``).
        annotator: who records events by default (the OS user when ``None``).

    Raises ``RuntimeError`` when the store was written by a newer hitl-widgets (a newer schema).

    Example:
        >>> store = AnnotationStore(":memory:")
        >>> store.record("t", "a.png", {"label": "cat"}, annotator="bo")
        1
    """

    def __init__(self, location: str | os.PathLike | None = None, annotator: str | None = None):
        self.url = _to_url(location)
        self.annotator = annotator or default_annotator()
        self._is_sqlite = self.url.startswith("sqlite")
        if self._is_sqlite:
            kwargs: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
            if self.url == "sqlite://":  # one shared connection, else each one is a new empty db
                kwargs["poolclass"] = sa.pool.StaticPool
            self.engine = sa.create_engine(self.url, **kwargs)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.engine, "begin", _sqlite_begin)
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        self._retry(self._open_schema)

    # ------------------------------------------------------------------ schema
    def _open_schema(self) -> None:
        """Create a new store, or bring an older one up to ``SCHEMA_VERSION``, in one transaction.

        The transaction holds the write lock (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL advisory
        lock), so processes opening the same store at once create or migrate it exactly once.
        """
        with self.engine.connect() as conn:
            if self._is_sqlite:
                conn.execution_options(hitl_begin="IMMEDIATE")
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                version = stored_schema_version(conn)
                if version is None:  # a new store: today's layout at once
                    for table in _metadata.sorted_tables:
                        table.create(conn)
                    conn.execute(meta_table.insert().values(key="schema_version", value=str(len(MIGRATIONS))))
                    return
                if version > len(MIGRATIONS):
                    raise RuntimeError(
                        f"{self.url} was written by a newer hitl-widgets (schema {version} > {len(MIGRATIONS)}): "
                        "upgrade hitl-widgets to open it"
                    )
                migrate(conn, version)

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
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

    # ------------------------------------------------------------------ writes
    def record(
        self,
        task: str,
        item_id: Hashable,
        payload: dict | None = None,
        kind: str = "label",
        annotator: str | None = None,
        supersedes: int | None = None,
    ) -> int:
        """Append one event; return its id once it is committed (durable).

        Raises ``ValueError`` (and stores nothing) for a payload that is not a JSON object, and
        for text that some backend could not keep: NUL characters, lone surrogates, a task or
        annotator over 200 characters, a kind over 50, an item id over 500 once JSON-encoded.

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
        for field, value in row.items():  # the same rules on every backend
            _check_text(field, value)
        if kind == "undo":  # reads by item find an undo by its target's task and item id
            self._check_undo_target(task, row["item_id"], supersedes)
        return self._append(row, supersedes)

    def _append(self, row: dict, supersedes: int | None) -> int:
        """Insert a checked row (task, item_id, annotator, kind, payload); return its id."""
        return self._retry(self._insert, {**row, "created_at": datetime.now(timezone.utc), "supersedes": supersedes})

    def _event(self, event_id: int) -> Any:
        """One event's row (None when there is none)."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(events_table).where(events_table.c.event_id == int(event_id))).first()

    def _check_undo_target(self, task: str, encoded_item_id: str, supersedes: Any) -> None:
        if not isinstance(supersedes, int) or isinstance(supersedes, bool):
            raise ValueError("an undo event needs supersedes=<the event id it cancels> (or use undo())")
        target = self._event(supersedes)
        if target is None or target.task != task or target.item_id != encoded_item_id:
            raise ValueError(f"an undo must name the task and item of the event it cancels ({supersedes}); use undo()")

    def _insert(self, row: dict) -> int:
        with self.engine.begin() as conn:  # one transaction per event
            result = conn.execute(events_table.insert().values(**row))
            return int(result.inserted_primary_key[0])

    def undo(
        self,
        event_id: int | None = None,
        *,
        task: str | None = None,
        item_id: Hashable | None = None,
        annotator: str | None = None,
    ) -> int | None:
        """Cancel one event; return the undo event's id (``None`` if there was nothing to undo).

        Either name the event (``undo(17)``) or the place (``undo(task="t", item_id=3)``): the
        latest still-active event of that item by that annotator is cancelled.
        """
        if event_id is None:
            if task is None or item_id is None:
                raise ValueError("undo() needs an event_id, or task= and item_id=")
            active = self._active(task, item_ids=[item_id], annotator=annotator or self.annotator)
            if active.empty:
                return None
            event_id = int(active["event_id"].max())
        target = self._event(event_id)
        if target is None:
            raise ValueError(f"no event {event_id} in {self.url}")
        if target.kind == "undo":
            raise ValueError(f"event {event_id} is itself an undo; record the label again instead")
        annotator = annotator or self.annotator
        _check_text("annotator", annotator)
        row = {  # the target's own task and item id, as stored
            "task": target.task,
            "item_id": target.item_id,
            "annotator": annotator,
            "kind": "undo",
            "payload": json.dumps({"undone_kind": target.kind}, ensure_ascii=False),
        }
        return self._append(row, int(event_id))

    # ------------------------------------------------------------------ reads
    def tasks(self) -> list[str]:
        """Names of the tasks that have at least one event."""
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
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
        with self.engine.connect() as conn:
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

        Example: ``store.current("classify", kinds=("label",), item_ids=[3])``
        """
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

        Example: ``store.latest("classify", [3], kinds=("label",), annotator="bo").get(3)``
        """
        df = self._active(task, item_ids=item_ids, annotator=annotator)
        if kinds is not None:
            df = df[df["kind"].isin(kinds)]
        out: dict[Hashable, dict] = {}
        for row in df.itertuples(index=False):  # oldest first: the last one per item wins
            out[row.item_id] = {
                "event_id": int(row.event_id),
                "annotator": row.annotator,
                "kind": row.kind,
                "payload": json.loads(row.payload),
                "created_at": pd.Timestamp(row.created_at, tz="UTC") if pd.Timestamp(row.created_at).tzinfo is None else pd.Timestamp(row.created_at),
            }
        return out

    def labels(self, task: str, annotator: str | None = None, item_ids: Sequence[Hashable] | None = None) -> pd.DataFrame:
        """Current label per item and annotator (of every item, or only ``item_ids``).

        Columns: item_id, annotator, label (the class, or a list for multi-label), event_id,
        created_at.
        """
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

    def verify_log(self) -> Any:
        """Check the hash-chained audit log (see ``hitl_widgets.certificates.verify_log``)."""
        from .certificates import verify_log

        return verify_log(self)

    def __repr__(self) -> str:
        url = self.url if self._is_sqlite else sa.engine.make_url(self.url).render_as_string(hide_password=True)
        return f"AnnotationStore({url!r}, annotator={self.annotator!r})"


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
