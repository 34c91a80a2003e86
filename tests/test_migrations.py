"""Schema versions and migrations: a store written by an older layout opens, upgraded in place.

The "version 0" fixture store is written here from SQL DDL (the layout before ``hitl_meta``
existed: no ``supersedes`` column, an undo named its target as ``{"undoes": id}`` in its payload),
on each backend, then opened with today's ``AnnotationStore``.
"""
from __future__ import annotations

import json
import threading

import pandas as pd
import pytest
import sqlalchemy as sa

import hitl_widgets.store as store_mod
from hitl_widgets.store import SCHEMA_VERSION, AnnotationStore, _to_url, stored_schema_version
from store_backends import backend  # noqa: F401  (fixture: every backend)

V0_DDL = {
    "sqlite": """CREATE TABLE hitl_events (
        event_id INTEGER NOT NULL PRIMARY KEY,
        task VARCHAR(200) NOT NULL, item_id VARCHAR(500) NOT NULL, annotator VARCHAR(200) NOT NULL,
        kind VARCHAR(50) NOT NULL, payload TEXT NOT NULL, created_at DATETIME NOT NULL)""",
    "postgresql": """CREATE TABLE hitl_events (
        event_id SERIAL PRIMARY KEY,
        task VARCHAR(200) NOT NULL, item_id VARCHAR(500) NOT NULL, annotator VARCHAR(200) NOT NULL,
        kind VARCHAR(50) NOT NULL, payload TEXT NOT NULL, created_at TIMESTAMP WITH TIME ZONE NOT NULL)""",
}
V0_ROWS = [  # (task, item_id JSON, annotator, kind, payload JSON)
    ("digits", "0", "ada", "label", {"label": 3}),
    ("digits", '"0"', "ada", "label", {"label": "str id"}),
    ("digits", "1", "ada", "label", {"label": 7}),
    ("digits", "1", "bo", "label", {"label": 1}),
    ("digits", "2", "ada", "label", {"label": 5}),
    ("digits", "2", "ada", "undo", {"undoes": 5}),  # cancels ada's label of item 2
    ("digits", "3", "ada", "skip", {}),
    ("boxes", "9", "ada", "label", {"label": ["a", "b"], "note": "café ✓"}),
]


def write_v0_store(location: str) -> None:
    engine = sa.create_engine(_to_url(location))
    with engine.begin() as conn:
        conn.exec_driver_sql(V0_DDL[engine.dialect.name])
        for n, (task, item, who, kind, payload) in enumerate(V0_ROWS):
            conn.execute(
                sa.text(
                    "INSERT INTO hitl_events (task, item_id, annotator, kind, payload, created_at) "
                    "VALUES (:t, :i, :a, :k, :p, :c)"
                ),
                {"t": task, "i": item, "a": who, "k": kind, "p": json.dumps(payload, ensure_ascii=False),
                 "c": f"2024-05-0{1 + n % 9} 12:00:00"},
            )
    engine.dispose()


def columns(location: str) -> set[str]:
    engine = sa.create_engine(_to_url(location))
    with engine.connect() as conn:
        names = {c["name"] for c in sa.inspect(conn).get_columns("hitl_events")}
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    return names | {f"table:{t}" for t in tables}


def test_version_0_store_opens_upgraded(backend):
    write_v0_store(backend)
    assert "supersedes" not in columns(backend) and "table:hitl_meta" not in columns(backend)

    store = AnnotationStore(backend, annotator="ada")
    assert store.schema_version == SCHEMA_VERSION == 1
    assert {"supersedes", "table:hitl_meta"} <= columns(backend)
    ev = store.events("digits").set_index("event_id")
    assert len(ev) == 7 and len(store.events()) == 8  # nothing lost, nothing added
    assert ev.loc[6, "kind"] == "undo" and ev.loc[6, "supersedes"] == 5
    assert ev.loc[6, "payload"] == {"undone_kind": "label"}  # today's undo payload
    assert bool(ev.loc[5, "undone"]) and not ev.loc[[1, 2, 3, 4, 7], "undone"].any()
    assert ev.loc[1, "created_at"] == pd.Timestamp("2024-05-01 12:00", tz="UTC")
    assert ev.loc[8 - 1, "created_at"] == pd.Timestamp("2024-05-07 12:00", tz="UTC")
    lab = store.labels("digits")
    assert list(zip(lab["item_id"], lab["annotator"], lab["label"])) == [
        (0, "ada", 3), (1, "ada", 7), (1, "bo", 1), ("0", "ada", "str id"),
    ]  # item 2's label was undone; int and str ids stay apart
    assert store.labels("boxes")["label"].tolist() == [["a", "b"]]
    assert store.events("boxes")["payload"].iloc[0]["note"] == "café ✓"
    # the upgraded store works as a new one: numbering continues, undo by place works
    e = store.record("digits", 2, {"label": 8})
    assert e == 9
    assert store.undo(task="digits", item_id=1) == 10
    assert store.labels("digits", annotator="ada")["label"].tolist() == [3, 8, "str id"]
    store.engine.dispose()
    # reopening runs nothing again
    again = AnnotationStore(backend)
    assert again.schema_version == 1 and len(again.events()) == 10


def test_failing_migration_leaves_the_store_as_it_was(backend, monkeypatch):
    write_v0_store(backend)

    def broken(conn):
        store_mod._migrate_0_to_1(conn)  # the real step runs (DDL included) ...
        raise RuntimeError("disk on fire")  # ... then the migration fails

    monkeypatch.setattr(store_mod, "MIGRATIONS", [broken])
    with pytest.raises(RuntimeError, match="disk on fire"):
        AnnotationStore(backend)
    # one transaction: the column, the index, hitl_meta and the rewritten undo are all rolled back
    assert "supersedes" not in columns(backend) and "table:hitl_meta" not in columns(backend)
    engine = sa.create_engine(_to_url(backend))
    with engine.connect() as conn:
        payloads = [json.loads(p) for (p,) in conn.execute(sa.text("SELECT payload FROM hitl_events ORDER BY event_id"))]
        assert stored_schema_version(conn) == 0
    engine.dispose()
    assert payloads == [row[4] for row in V0_ROWS]

    monkeypatch.undo()  # the fixed release opens it
    assert AnnotationStore(backend).schema_version == 1


def test_migrations_run_in_order_once(backend, monkeypatch):
    write_v0_store(backend)
    ran: list[int] = []

    def add_note_column(conn):
        ran.append(stored_schema_version(conn))
        conn.execute(sa.text("ALTER TABLE hitl_events ADD COLUMN note TEXT"))

    monkeypatch.setattr(store_mod, "MIGRATIONS", [store_mod._migrate_0_to_1, add_note_column])
    store = AnnotationStore(backend)
    assert store.schema_version == 2 and ran == [1]  # 0 -> 1 first, then 1 -> 2 saw version 1
    assert "note" in columns(backend)
    AnnotationStore(backend)
    assert ran == [1]
    store.record("t", 0, {"label": 1})  # today's code writes into the wider table
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match=r"newer hitl-widgets \(schema 2 > 1\)"):
        AnnotationStore(backend)


def test_new_store_starts_at_the_newest_version(backend):
    store = AnnotationStore(backend)
    assert store.schema_version == len(store_mod.MIGRATIONS) == 1
    with store.engine.connect() as conn:
        assert stored_schema_version(conn) == 1


def test_concurrent_opens_migrate_once(backend):
    """Four notebooks open the same old store at the same moment: one migrates, none fails."""
    write_v0_store(backend)
    barrier, errors, versions = threading.Barrier(4), [], []

    def open_it():
        try:
            barrier.wait(10)
            s = AnnotationStore(backend)
            versions.append(s.schema_version)
            s.engine.dispose()
        except Exception as exc:  # collected: an exception in a thread would otherwise vanish
            errors.append(repr(exc))

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and versions == [1, 1, 1, 1]
    ev = AnnotationStore(backend).events()
    assert len(ev) == len(V0_ROWS) and ev.loc[ev["kind"] == "undo", "supersedes"].tolist() == [5]
