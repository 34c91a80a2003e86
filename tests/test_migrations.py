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
    assert store.schema_version == SCHEMA_VERSION == 2
    assert {"supersedes", "table:hitl_meta", "table:hitl_audit_log"} <= columns(backend)
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
    assert again.schema_version == SCHEMA_VERSION and len(again.events()) == 10


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
    assert AnnotationStore(backend).schema_version == SCHEMA_VERSION


def test_migrations_run_in_order_once(backend, monkeypatch):
    write_v0_store(backend)
    ran: list[int] = []

    def add_note_column(conn):
        ran.append(stored_schema_version(conn))
        conn.execute(sa.text("ALTER TABLE hitl_events ADD COLUMN note TEXT"))

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, add_note_column])
    store = AnnotationStore(backend)
    newest = SCHEMA_VERSION + 1
    assert store.schema_version == newest and ran == [SCHEMA_VERSION]  # the real steps first, then the new one
    assert "note" in columns(backend)
    AnnotationStore(backend)
    assert ran == [SCHEMA_VERSION]
    store.record("t", 0, {"label": 1})  # today's code writes into the wider table
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match=rf"newer hitl-widgets \(schema {newest} > {SCHEMA_VERSION}\)"):
        AnnotationStore(backend)


def test_new_store_starts_at_the_newest_version(backend):
    store = AnnotationStore(backend)
    assert store.schema_version == len(store_mod.MIGRATIONS) == SCHEMA_VERSION
    with store.engine.connect() as conn:
        assert stored_schema_version(conn) == SCHEMA_VERSION


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
    assert errors == [] and versions == [SCHEMA_VERSION] * 4
    ev = AnnotationStore(backend).events()
    assert len(ev) == len(V0_ROWS) and ev.loc[ev["kind"] == "undo", "supersedes"].tolist() == [5]


# ---------------------------------------------------------------------------- version 1 -> 2: the audit log
# Until schema 2, certificates.py created hitl_audit_log itself on first use (outside the migrations),
# with this layout, and chained its entries with this formula: a store made then is rebuilt here.
_V1_LOG = sa.Table(
    "hitl_audit_log",
    sa.MetaData(),
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("entry_kind", sa.String(20), nullable=False),
    sa.Column("ref", sa.String(200), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("entry_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)


def _v1_sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _v1_event_content(row) -> str:
    created = row.created_at.isoformat() if hasattr(row.created_at, "isoformat") else str(row.created_at)
    values = [row.event_id, row.task, row.item_id, row.annotator, row.kind, row.payload, created, row.supersedes]
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def write_v1_store(location: str, monkeypatch, with_log: bool) -> list[dict]:
    """A schema-1 store (the v0 fixture, upgraded by the real 0 -> 1 step); ``with_log``: plus the
    audit log as certificates.py wrote it then (every event sealed, then one certificate)."""
    write_v0_store(location)
    with monkeypatch.context() as m:
        m.setattr(store_mod, "MIGRATIONS", [store_mod._migrate_0_to_1])
        AnnotationStore(location).engine.dispose()
    engine = sa.create_engine(_to_url(location))
    entries: list[dict] = []
    with engine.begin() as conn:
        assert stored_schema_version(conn) == 1
        assert "hitl_audit_log" not in sa.inspect(conn).get_table_names()
        if with_log:
            conn.execute(sa.schema.CreateTable(_V1_LOG, if_not_exists=True))
            events = conn.execute(sa.select(store_mod.events_table).order_by(store_mod.events_table.c.event_id))
            items = [("event", str(r.event_id), _v1_sha(_v1_event_content(r)), "") for r in events]
            body = json.dumps({"format": "hitl-widgets/certificate/1", "name": "v1 cert"}, sort_keys=True)
            items.append(("certificate", "c0ffee", _v1_sha(body), body))
            prev = "0" * 64
            for seq, (kind, ref, content, text) in enumerate(items, start=1):
                created = f"2024-06-01T12:00:{seq:02d}+00:00"
                entry_hash = _v1_sha(f"{prev}|{kind}|{ref}|{content}|{created}")
                entry = {"seq": seq, "entry_kind": kind, "ref": ref, "content_hash": content,
                         "prev_hash": prev, "entry_hash": entry_hash, "created_at": created, "body": text}
                conn.execute(_V1_LOG.insert().values(**entry))
                entries.append(entry)
                prev = entry_hash
    engine.dispose()
    return entries


def log_rows(location: str) -> list[dict]:
    engine = sa.create_engine(_to_url(location))
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(_V1_LOG).order_by(_V1_LOG.c.seq))]
    engine.dispose()
    return rows


def test_version_1_store_with_the_certificates_log_keeps_its_chain(backend, monkeypatch):
    entries = write_v1_store(backend, monkeypatch, with_log=True)
    store = AnnotationStore(backend, annotator="ada")
    assert store.schema_version == SCHEMA_VERSION == 2
    assert log_rows(backend) == entries  # adopted as it is: nothing rewritten
    report = store.verify_log()
    assert report.ok, report.problems
    assert (report.entries, report.sealed_events, report.unsealed_events) == (len(V0_ROWS) + 1, len(V0_ROWS), 0)
    assert report.head == entries[-1]["entry_hash"]
    assert store.log_entry(len(entries))["body"] == entries[-1]["body"]
    # the chain goes on from its old head, and the old hashes still catch an edited event
    store.record("digits", 5, {"label": 1})
    entry = store.append_log("certificate", "beef", "{}")
    assert entry["seq"] == len(entries) + 2 and store.log_entry(len(entries) + 1)["ref"] == str(len(V0_ROWS) + 1)
    assert store.verify_log().ok
    store.engine.dispose()
    engine = sa.create_engine(_to_url(backend))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE hitl_events SET payload = :p WHERE event_id = 3"), {"p": '{"label": 0}'})
    engine.dispose()
    assert AnnotationStore(backend).verify_log().problems == ["event 3 was changed"]


def test_version_1_store_without_a_log_gets_an_empty_one(backend, monkeypatch):
    write_v1_store(backend, monkeypatch, with_log=False)
    store = AnnotationStore(backend, annotator="ada")
    assert store.schema_version == SCHEMA_VERSION
    assert "table:hitl_audit_log" in columns(backend) and log_rows(backend) == []
    assert store.verify_log().ok and store.verify_log().unsealed_events == len(V0_ROWS)
    assert store.seal_log() == len(V0_ROWS)
    report = store.verify_log()
    assert report.ok and report.sealed_events == len(V0_ROWS) and report.unsealed_events == 0


def test_a_foreign_audit_log_table_is_named_not_overwritten(backend, monkeypatch):
    write_v1_store(backend, monkeypatch, with_log=False)
    engine = sa.create_engine(_to_url(backend))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE hitl_audit_log (seq INTEGER PRIMARY KEY, note TEXT)"))
    engine.dispose()
    with pytest.raises(RuntimeError, match=r"hitl_audit_log lacks the columns body, content_hash.*rename or drop"):
        AnnotationStore(backend)
    engine = sa.create_engine(_to_url(backend))
    with engine.connect() as conn:
        assert stored_schema_version(conn) == 1  # the failed step changed nothing
    engine.dispose()
