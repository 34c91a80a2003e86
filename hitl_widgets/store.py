"""Append-only event log of everything a human does, through SQLAlchemy.

Each human action is one row in ``events``. Nothing is updated or deleted: an undo is a new
event (``kind="undo"``) that names the event it cancels in ``supersedes``. The current state of a
task is the latest event per (item, annotator) that no undo cancels.

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
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Hashable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

SCHEMA_VERSION = 1
LABEL_KINDS = ("label",)

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
    if hasattr(item_id, "item") and not isinstance(item_id, (str, bytes)):
        item_id = item_id.item()  # numpy scalar -> Python scalar
    if isinstance(item_id, bool) or not isinstance(item_id, (int, str)):
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
        return location
    return f"sqlite:///{Path(location).expanduser().resolve()}"


class AnnotationStore:
    """The event log behind every widget.

    Args:
        location: ``None`` → ``hitl.db`` in the working directory; ``":memory:"`` for a throw-away
            store; a file path (SQLite) or any SQLAlchemy URL (``postgresql://…``).
        annotator: who records events by default (the OS user when ``None``).

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
        else:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        self._retry(self._create_schema)

    # ------------------------------------------------------------------ schema
    def _create_schema(self) -> None:
        with self.engine.begin() as conn:
            # IF NOT EXISTS, not create_all's check-then-create: two processes opening a new file
            # at once would both see no table and one would fail with "table already exists"
            for table in _metadata.sorted_tables:
                conn.execute(sa.schema.CreateTable(table, if_not_exists=True))
                for index in sorted(table.indexes, key=lambda ix: ix.name):
                    conn.execute(sa.schema.CreateIndex(index, if_not_exists=True))
            row = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
            ).first()
            if row is None:
                try:
                    with conn.begin_nested():
                        conn.execute(meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                except sa.exc.IntegrityError:  # another process created it first
                    pass
            elif int(row[0]) > SCHEMA_VERSION:
                raise RuntimeError(
                    f"{self.url} was written by a newer hitl-widgets (schema {row[0]} > {SCHEMA_VERSION}): upgrade"
                )

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")).scalar_one())

    def _retry(self, fn, *args, **kwargs):
        """Run a write, retrying while another process holds the SQLite write lock."""
        delay = 0.01
        for attempt in range(60):
            try:
                return fn(*args, **kwargs)
            except OperationalError as exc:
                locked = "locked" in str(exc).lower() or "busy" in str(exc).lower()
                if not locked or attempt == 59:
                    raise
                time.sleep(delay)
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
            "created_at": datetime.now(timezone.utc),
            "supersedes": supersedes,
        }
        return self._retry(self._insert, row)

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
        with self.engine.connect() as conn:
            target = conn.execute(sa.select(events_table).where(events_table.c.event_id == int(event_id))).first()
        if target is None:
            raise ValueError(f"no event {event_id} in {self.url}")
        if target.kind == "undo":
            raise ValueError(f"event {event_id} is itself an undo; record the label again instead")
        return self.record(
            target.task,
            decode_item_id(target.item_id),
            {"undone_kind": target.kind},
            kind="undo",
            annotator=annotator or self.annotator,
            supersedes=int(event_id),
        )

    # ------------------------------------------------------------------ reads
    def tasks(self) -> list[str]:
        """Names of the tasks that have at least one event."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(events_table.c.task).distinct().order_by(events_table.c.task))
            return [r[0] for r in rows]

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
        # an undo may be recorded by someone else (an adjudicator), so look at the whole task
        cancelled = self._cancelled_ids(task)
        kept = [r for r in rows if r.kind != "undo" and r.event_id not in cancelled]
        return pd.DataFrame(
            [(r.event_id, decode_item_id(r.item_id), r.annotator, r.kind, r.payload, r.created_at) for r in kept],
            columns=["event_id", "item_id", "annotator", "kind", "payload", "created_at"],
        )

    def _cancelled_ids(self, task: str) -> set[int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(events_table.c.supersedes).where(
                    (events_table.c.task == task) & (events_table.c.kind == "undo")
                )
            )
            return {r[0] for r in rows}

    def current(self, task: str, kinds: tuple[str, ...] | None = None, annotator: str | None = None) -> pd.DataFrame:
        """The latest active event per (item, annotator) among ``kinds`` (all kinds when None).

        Columns: item_id, annotator, kind, payload (dict), event_id, created_at.
        """
        df = self._active(task, annotator=annotator)
        if kinds is not None:
            df = df[df["kind"].isin(kinds)]
        df = df.drop_duplicates(subset=["item_id", "annotator"], keep="last") if len(df) else df
        df = df.assign(payload=[json.loads(p) for p in df["payload"]])
        df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
        return df[["item_id", "annotator", "kind", "payload", "event_id", "created_at"]].reset_index(drop=True)

    def labels(self, task: str, annotator: str | None = None) -> pd.DataFrame:
        """Current label per item and annotator.

        Columns: item_id, annotator, label (the class, or a list for multi-label), event_id,
        created_at.
        """
        df = self.current(task, kinds=LABEL_KINDS, annotator=annotator)
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

    def __repr__(self) -> str:
        return f"AnnotationStore({self.url!r}, annotator={self.annotator!r})"


def _sort_key(col: pd.Series) -> pd.Series:
    """Sort mixed int/str ids without TypeError: ints first, by value, then strs."""
    return col.map(lambda v: (isinstance(v, str), v if not isinstance(v, str) else 0, v if isinstance(v, str) else ""))


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cur.execute("PRAGMA synchronous=FULL")  # an acknowledged event survives a crash
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
