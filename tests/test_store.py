"""AnnotationStore: the append-only event log, on SQLite and on PostgreSQL.

Tests taking the ``store`` or ``backend`` fixture (tests/store_backends.py) run once per backend;
the others are about SQLite files and locations.
"""
from __future__ import annotations

import json
import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import hitl_widgets.store as store_mod
from hitl_widgets.store import SCHEMA_VERSION, AnnotationStore, _to_url, default_annotator, meta_table
from store_backends import backend, store  # noqa: F401  (fixtures: every backend)


def pragma(store: AnnotationStore, name: str):
    with store.engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def label_map(store: AnnotationStore, task: str, annotator: str | None = None) -> dict:
    """{(item_id, type name, annotator): label} of the current labels."""
    df = store.labels(task, annotator=annotator)
    return {(i, type(i).__name__, a): lab for i, a, lab in zip(df["item_id"], df["annotator"], df["label"])}


# ---------------------------------------------------------------------------- locations
def test_default_location_is_hitl_db_in_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert not (tmp_path / "hitl.db").exists()
    store = AnnotationStore()
    eid = store.record("t", 1, {"label": "x"})
    assert (tmp_path / "hitl.db").is_file()
    assert store.url == f"sqlite:///{(tmp_path / 'hitl.db').resolve()}"
    # the file really holds the event: read it with the sqlite3 module, not through the store
    import sqlite3

    with sqlite3.connect(tmp_path / "hitl.db") as conn:
        rows = conn.execute("SELECT event_id, task, item_id, payload FROM hitl_events").fetchall()
    assert rows == [(eid, "t", "1", json.dumps({"label": "x"}))]


def test_memory_store_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = AnnotationStore(":memory:")
    store.record("t", 0, {"label": 1})
    store.record("t", 1, {"label": 2})
    assert store.url == "sqlite://"
    assert list(tmp_path.iterdir()) == []
    # the same in-memory database is seen by every read (one shared connection)
    assert len(store.events()) == 2
    assert label_map(store, "t") == {(0, "int", store.annotator): 1, (1, "int", store.annotator): 2}


def test_memory_stores_are_independent():
    a, b = AnnotationStore(":memory:"), AnnotationStore(":memory:")
    a.record("t", 0, {"label": 1})
    assert len(a.events()) == 1
    assert len(b.events()) == 0


def test_file_path_str_and_pathlike(tmp_path):
    p = tmp_path / "sub dir" / "labels.db"
    p.parent.mkdir()
    s1 = AnnotationStore(p)  # os.PathLike
    s1.record("t", "a", {"label": "cat"})
    assert p.is_file()
    s2 = AnnotationStore(str(p))  # str
    assert label_map(s2, "t") == {("a", "str", s1.annotator): "cat"}


def test_sqlalchemy_url_is_used_as_is(tmp_path):
    url = f"sqlite:///{tmp_path / 'u.db'}"
    store = AnnotationStore(url)
    assert store.url == url
    store.record("t", 0, {})
    assert (tmp_path / "u.db").is_file()


def test_wal_journal_and_full_sync_on_file(tmp_path):
    store = AnnotationStore(tmp_path / "w.db")
    store.record("t", 0, {"label": 1})
    assert pragma(store, "journal_mode").lower() == "wal"
    assert pragma(store, "synchronous") == 2  # FULL: an acknowledged event survives a crash
    assert pragma(store, "busy_timeout") >= 1000
    # WAL is a property of the file: a plain sqlite3 connection sees it too
    import sqlite3

    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


def test_schema_version(backend):
    store = AnnotationStore(backend)
    assert store.schema_version == SCHEMA_VERSION == 2
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(meta_table.c.key, meta_table.c.value)).fetchall()
    assert [tuple(r) for r in rows] == [("schema_version", str(SCHEMA_VERSION))]
    # reopening keeps one row, does not reset anything
    again = AnnotationStore(backend)
    assert again.schema_version == SCHEMA_VERSION
    with again.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(meta_table)).scalar() == 1


def test_newer_schema_refuses_to_open(backend):
    store = AnnotationStore(backend)
    store.record("t", 0, {"label": 1})
    with store.engine.begin() as conn:
        conn.execute(meta_table.update().where(meta_table.c.key == "schema_version").values(value="99"))
    store.engine.dispose()
    with pytest.raises(RuntimeError, match=rf"newer hitl-widgets \(schema 99 > {SCHEMA_VERSION}\)"):
        AnnotationStore(backend)
    with store.engine.connect() as conn:  # and it changed nothing
        assert conn.execute(sa.select(meta_table.c.value)).scalar() == "99"
    assert len(store.events()) == 1


# ---------------------------------------------------------------------------- record
def test_record_returns_increasing_committed_ids(store):
    ids = [store.record("t", i, {"label": i % 2}) for i in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    ev = store.events()
    assert ev["event_id"].tolist() == ids
    assert ev["item_id"].tolist() == [0, 1, 2, 3, 4]
    assert [p["label"] for p in ev["payload"]] == [0, 1, 0, 1, 0]
    assert set(ev["kind"]) == {"label"}
    assert set(ev["annotator"]) == {"ada"}
    assert ev["supersedes"].isna().all()
    assert not ev["undone"].any()


def test_events_columns_and_types(store):
    before = datetime.now(timezone.utc)
    store.record("t", 3, {"label": "x"})
    after = datetime.now(timezone.utc)
    ev = store.events()
    assert list(ev.columns) == [
        "event_id", "task", "item_id", "annotator", "kind", "payload", "created_at", "supersedes", "undone",
    ]
    created = ev["created_at"].iloc[0]
    assert str(ev["created_at"].dtype).startswith("datetime64") and "UTC" in str(ev["created_at"].dtype)
    assert before - timedelta(seconds=1) <= created.to_pydatetime() <= after + timedelta(seconds=1)
    assert str(ev["supersedes"].dtype) == "Int64"
    assert ev["undone"].dtype == bool


def test_item_ids_keep_int_vs_str(store):
    store.record("t", 7, {"label": "int"})
    store.record("t", "7", {"label": "str"})
    store.record("t", np.int64(8), {"label": "numpy"})
    assert label_map(store, "t") == {
        (7, "int", "ada"): "int",
        (8, "int", "ada"): "numpy",
        ("7", "str", "ada"): "str",
    }
    ev = store.events()
    assert [type(i) for i in ev["item_id"]] == [int, str, int]
    # labels sort mixed ids without TypeError: ints first by value, then strs
    assert store.labels("t")["item_id"].tolist() == [7, 8, "7"]


def test_undo_by_place_distinguishes_int_and_str_ids(store):
    store.record("t", 7, {"label": "int"})
    store.record("t", "7", {"label": "str"})
    store.undo(task="t", item_id="7")
    assert label_map(store, "t") == {(7, "int", "ada"): "int"}


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"label": "chat 🐱", "note": "naïve café — ünïcödé ✓", "中文": "标签"},
        {"label": [1, "b", None], "nested": {"a": {"b": [True, False, 1.5, -2, 1e300]}}},
        {"boxes": [[0.1, 0.2, 0.3, 0.4]], "empty": [], "null": None, "zero": 0, "big": 2**62},
        {"quote": 'he said "hi"\n\ttab\\backslash', "\u0000nul": "\u0000"},
    ],
)
def test_json_payload_round_trips(store, payload):
    eid = store.record("t", "x", payload)
    ev = store.events("t")
    assert ev["payload"].iloc[0] == payload
    assert ev["event_id"].iloc[0] == eid
    cur = store.current("t")
    assert cur["payload"].iloc[0] == payload


def test_none_payload_is_empty_dict(store):
    store.record("t", 0)
    assert store.events()["payload"].iloc[0] == {}


def test_unicode_task_annotator_and_item_id(store):
    store.record("tâche ✓", "élément-😀", {"label": "é"}, annotator="zoë")
    assert store.tasks() == ["tâche ✓"]
    assert label_map(store, "tâche ✓") == {("élément-😀", "str", "zoë"): "é"}


@pytest.mark.parametrize("task", ["", None, 5, b"t", ["t"]])
def test_bad_task_raises(store, task):
    with pytest.raises(ValueError, match="task"):
        store.record(task, 0, {"label": 1})
    assert store.events().empty


@pytest.mark.parametrize("kind", ["", None, 3])
def test_bad_kind_raises(store, kind):
    with pytest.raises(ValueError, match="kind"):
        store.record("t", 0, {"label": 1}, kind=kind)
    assert store.events().empty


@pytest.mark.parametrize("item_id", [1.5, 1.0, True, False, None, (1, 2), b"x", [1], np.float32(2)])
def test_bad_item_id_raises(store, item_id):
    with pytest.raises(ValueError, match="item id"):
        store.record("t", item_id, {"label": 1})
    assert store.events().empty


@pytest.mark.parametrize("payload", [[1, 2], "label", 3, {"x": float("nan")}, {"x": float("inf")}, {"x": {1, 2}}])
def test_bad_payload_raises_and_stores_nothing(store, payload):
    with pytest.raises(ValueError):
        store.record("t", 0, payload)
    assert store.events().empty
    assert store.labels("t").empty  # reads still work


# ---------------------------------------------------------------------------- annotator
def test_annotator_from_env(monkeypatch):
    monkeypatch.setenv("HITL_ANNOTATOR", "zed-from-env")
    assert default_annotator() == "zed-from-env"
    store = AnnotationStore(":memory:")
    assert store.annotator == "zed-from-env"
    store.record("t", 0, {"label": 1})
    assert store.events()["annotator"].tolist() == ["zed-from-env"]


def test_annotator_defaults_to_os_user(monkeypatch):
    import getpass

    monkeypatch.delenv("HITL_ANNOTATOR", raising=False)
    # getpass.getuser() reads LOGNAME first: set it so that the expected value is known
    monkeypatch.setenv("LOGNAME", "os-user-for-test")
    assert getpass.getuser() == "os-user-for-test"
    assert default_annotator() == "os-user-for-test"
    assert AnnotationStore(":memory:").annotator == "os-user-for-test"


def test_annotator_falls_back_when_no_user(monkeypatch):
    import getpass

    monkeypatch.delenv("HITL_ANNOTATOR", raising=False)

    def no_user():
        raise OSError("no user database")

    monkeypatch.setattr(getpass, "getuser", no_user)
    assert default_annotator() == "anonymous"


def test_annotator_argument_and_per_record_override(monkeypatch):
    monkeypatch.setenv("HITL_ANNOTATOR", "env-user")
    store = AnnotationStore(":memory:", annotator="ada")
    assert store.annotator == "ada"
    store.record("t", 0, {"label": 1})
    store.record("t", 0, {"label": 2}, annotator="bo")
    assert label_map(store, "t") == {(0, "int", "ada"): 1, (0, "int", "bo"): 2}
    assert label_map(store, "t", annotator="bo") == {(0, "int", "bo"): 2}


# ---------------------------------------------------------------------------- current state
def test_labels_after_relabel_is_latest(store):
    store.record("t", 0, {"label": "a"})
    store.record("t", 1, {"label": "b"})
    last = store.record("t", 0, {"label": "c"})
    lab = store.labels("t")
    assert list(lab.columns) == ["item_id", "annotator", "label", "event_id", "created_at"]
    assert lab["item_id"].tolist() == [0, 1]
    assert lab["label"].tolist() == ["c", "b"]
    assert lab["event_id"].iloc[0] == last
    assert lab["event_id"].dtype == np.int64
    assert len(store.events("t")) == 3  # nothing was overwritten


def test_labels_per_annotator_and_multilabel(store):
    store.record("t", 0, {"label": ["a", "b"]}, annotator="x")
    store.record("t", 0, {"label": ["b"]}, annotator="y")
    assert label_map(store, "t") == {(0, "int", "x"): ["a", "b"], (0, "int", "y"): ["b"]}


def test_labels_ignore_other_kinds_but_current_keeps_them(store):
    store.record("t", 0, {"label": "a"})
    store.record("t", 0, {}, kind="skip")
    store.record("t", 1, {}, kind="skip")
    assert label_map(store, "t") == {(0, "int", "ada"): "a"}
    cur = store.current("t")
    assert list(cur.columns) == ["item_id", "annotator", "kind", "payload", "event_id", "created_at"]
    assert dict(zip(cur["item_id"], cur["kind"])) == {0: "skip", 1: "skip"}
    only_labels = store.current("t", kinds=("label",))
    assert only_labels["item_id"].tolist() == [0]
    assert only_labels["payload"].iloc[0] == {"label": "a"}


def test_tasks_and_events_filter(store):
    assert store.tasks() == []
    store.record("zeta", 0, {"label": 1})
    store.record("alpha", 0, {"label": 2})
    store.record("zeta", 1, {"label": 3})
    assert store.tasks() == ["alpha", "zeta"]
    assert store.events("zeta")["item_id"].tolist() == [0, 1]
    assert store.events("alpha")["payload"].tolist() == [{"label": 2}]
    assert store.events("nope").empty
    assert len(store.events()) == 3
    assert label_map(store, "alpha") == {(0, "int", "ada"): 2}
    assert store.labels("nope").empty


# ---------------------------------------------------------------------------- undo
def test_undo_by_event_id(store):
    e0 = store.record("t", 0, {"label": "a"})
    e1 = store.record("t", 1, {"label": "b"})
    u = store.undo(e0)
    assert isinstance(u, int) and u > e1
    assert label_map(store, "t") == {(1, "int", "ada"): "b"}
    ev = store.events("t").set_index("event_id")
    assert ev.loc[u, "kind"] == "undo"
    assert ev.loc[u, "supersedes"] == e0
    assert ev.loc[u, "item_id"] == 0
    assert ev.loc[u, "payload"] == {"undone_kind": "label"}
    assert bool(ev.loc[e0, "undone"]) is True
    assert bool(ev.loc[e1, "undone"]) is False
    assert len(ev) == 3  # append-only: the label is still there


def test_undo_restores_previous_label(store):
    store.record("t", 0, {"label": "a"})
    store.record("t", 0, {"label": "b"})
    store.undo(task="t", item_id=0)
    assert label_map(store, "t") == {(0, "int", "ada"): "a"}
    store.undo(task="t", item_id=0)
    assert store.labels("t").empty
    assert store.undo(task="t", item_id=0) is None


def test_undo_by_place_only_touches_that_annotator(store):
    store.record("t", 0, {"label": "mine"})
    store.record("t", 0, {"label": "theirs"}, annotator="bo")
    store.undo(task="t", item_id=0)  # the store's annotator: ada
    assert label_map(store, "t") == {(0, "int", "bo"): "theirs"}
    store.record("t", 0, {"label": "mine again"})
    store.undo(task="t", item_id=0, annotator="bo")
    assert label_map(store, "t") == {(0, "int", "ada"): "mine again"}


def test_undo_by_another_annotator_cancels_the_event(store):
    e = store.record("t", 0, {"label": "a"}, annotator="bo")
    u = store.undo(e, annotator="adjudicator")
    assert store.labels("t").empty
    row = store.events("t").set_index("event_id").loc[u]
    assert row["annotator"] == "adjudicator" and row["supersedes"] == e


def test_current_of_some_items_equals_the_whole_task_narrowed(store):
    """current(item_ids=...) reads only those items yet sees what a full read sees: relabels,
    undos by any annotator, int and str ids kept apart, other kinds."""
    store.record("t", 1, {"label": "a"}, annotator="ann")
    store.record("t", "1", {"label": "s"}, annotator="ann")
    e = store.record("t", 2, {"label": "b"}, annotator="ann")
    store.record("t", 2, {"label": "c"}, annotator="bob")
    store.record("t", 3, {"label": "d"}, annotator="ann")
    store.record("t", 3, {}, kind="skip", annotator="ann")
    store.undo(e, annotator="adjudicator")  # cancels ann's label of 2
    store.record("t", 1, {"label": "a2"}, annotator="ann")
    whole = store.current("t")
    for ids in ([1], ["1"], [2], [3], [1, 3], [7], []):
        part = store.current("t", item_ids=ids)
        keep = [any(v == i and type(v) is type(i) for i in ids) for v in whole["item_id"]]
        expected = whole[keep].reset_index(drop=True)
        assert part[["item_id", "annotator", "kind", "event_id"]].values.tolist() == \
            expected[["item_id", "annotator", "kind", "event_id"]].values.tolist(), ids
    assert store.current("t", item_ids=[2])["annotator"].tolist() == ["bob"]  # ann's was undone
    assert store.labels("t", annotator="ann", item_ids=[1])["label"].tolist() == ["a2"]
    assert store.labels("t", item_ids=["1"])["label"].tolist() == ["s"]


def test_a_hand_written_undo_must_name_its_targets_task_and_item(store):
    e = store.record("t", 1, {"label": "a"})
    with pytest.raises(ValueError, match="task and item of the event it cancels"):
        store.record("t", 2, {}, kind="undo", supersedes=e)
    with pytest.raises(ValueError, match="task and item"):
        store.record("other", 1, {}, kind="undo", supersedes=e)
    with pytest.raises(ValueError, match="needs supersedes"):
        store.record("t", 1, {}, kind="undo")
    assert len(store.events("t")) == 1  # nothing stored
    store.record("t", 1, {}, kind="undo", supersedes=e)  # the right one is taken
    assert store.labels("t").empty


def test_undo_of_nothing_returns_none(store):
    assert store.undo(task="t", item_id=0) is None
    store.record("t", 1, {"label": "a"})
    assert store.undo(task="t", item_id=0) is None
    assert store.undo(task="other", item_id=1) is None
    assert len(store.events()) == 1  # no undo event was written


def test_undo_errors(store):
    with pytest.raises(ValueError):
        store.undo()
    with pytest.raises(ValueError):
        store.undo(task="t")
    with pytest.raises(ValueError, match="no event"):
        store.undo(12345)
    e = store.record("t", 0, {"label": "a"})
    u = store.undo(e)
    with pytest.raises(ValueError, match="undo"):
        store.undo(u)
    assert len(store.events()) == 2


def test_undo_skip_then_label(store):
    store.record("t", 0, {"label": "a"})
    store.record("t", 0, {}, kind="skip")
    store.undo(task="t", item_id=0)  # cancels the skip, the latest event
    assert store.current("t")["kind"].tolist() == ["label"]
    assert label_map(store, "t") == {(0, "int", "ada"): "a"}


# ---------------------------------------------------------------------------- persistence
def test_reopened_store_sees_everything(backend):
    path = backend
    s1 = AnnotationStore(path, annotator="ada")
    s1.record("t", 0, {"label": "a"})
    e1 = s1.record("t", "b", {"label": ["x", "y"]})
    s1.record("t", 0, {"label": "c"})
    s1.undo(task="t", item_id=0)
    s1.record("u", 5, {}, kind="skip")
    before = s1.events()
    s1.engine.dispose()  # the kernel dies
    del s1

    s2 = AnnotationStore(path, annotator="ada")
    after = s2.events()
    pd.testing.assert_frame_equal(before, after)
    assert s2.tasks() == ["t", "u"]
    assert label_map(s2, "t") == {(0, "int", "ada"): "a", ("b", "str", "ada"): ["x", "y"]}
    assert s2.labels("t").set_index("item_id").loc["b", "event_id"] == e1
    # new events continue the numbering, and undo still works across the restart
    e_new = s2.record("t", 0, {"label": "d"})
    assert e_new > after["event_id"].max()
    s2.undo(task="t", item_id=0)
    assert label_map(s2, "t")[(0, "int", "ada")] == "a"


def test_two_open_stores_see_each_others_writes(backend):
    path = backend
    a, b = AnnotationStore(path, annotator="a"), AnnotationStore(path, annotator="b")
    a.record("t", 0, {"label": 1})
    b.record("t", 0, {"label": 2})
    assert label_map(a, "t") == label_map(b, "t") == {(0, "int", "a"): 1, (0, "int", "b"): 2}


def test_retry_on_locked_database(tmp_path):
    """A write waits for another connection's write lock instead of failing."""
    import sqlite3
    import threading

    path = tmp_path / "lock.db"
    store = AnnotationStore(path)
    store.record("t", 0, {"label": 0})
    blocker = sqlite3.connect(path, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # hold the write lock
    blocker.execute("INSERT INTO hitl_meta (key, value) VALUES ('x', 'y')")
    timer = threading.Timer(0.5, blocker.commit)
    timer.start()
    try:
        eid = store.record("t", 1, {"label": 1})
    finally:
        timer.join()
        blocker.close()
    assert store.events()["event_id"].tolist() == [1, eid]
    assert eid == 2


def test_repr_names_url_and_annotator():
    assert repr(AnnotationStore(":memory:", annotator="ada")) == "AnnotationStore('sqlite://', annotator='ada')"


def test_postgres_urls_use_psycopg_3():
    import psycopg  # noqa: F401

    assert _to_url("postgresql://u@h:5/db") == "postgresql+psycopg://u@h:5/db"
    assert _to_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert _to_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert _to_url("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(
    "field, kwargs",
    [
        ("task", {"task": "t" * 201}),
        ("task", {"task": "a\x00b"}),
        ("annotator", {"annotator": "x" * 201}),
        ("annotator", {"annotator": "\ud800"}),
        ("item_id", {"item_id": "i" * 600}),
        ("kind", {"kind": "k" * 51}),
        ("payload", {"payload": {"s": "\udfff"}}),
    ],
)
def test_text_the_backends_disagree_on_is_refused_everywhere(store, field, kwargs):
    """NUL, lone surrogates and over-long names: one rule on every backend, nothing stored."""
    args = {"task": "t", "item_id": 0, "payload": {"label": 1}, **kwargs}
    with pytest.raises(ValueError, match=field):
        store.record(args.pop("task"), args.pop("item_id"), args.pop("payload"), **args)
    assert store.events().empty


def test_postgres_repr_hides_the_password():
    from store_backends import fresh_postgres_url

    with fresh_postgres_url() as url:
        secret = url.replace("postgresql://postgres@", "postgresql://postgres:s3cret@", 1)
        assert "s3cret" in secret  # the test server trusts local connections: any password opens it
        store = AnnotationStore(secret, annotator="ada")
        try:
            store.record("t", 0, {"label": 1})
            assert store.url.startswith("postgresql+psycopg://postgres:s3cret@")
            assert "s3cret" not in repr(store) and "***" in repr(store)
            assert repr(store).startswith("AnnotationStore('postgresql+psycopg://postgres:***@127.0.0.1:")
        finally:
            store.engine.dispose()


def test_retries_only_errors_that_rolled_back(store, monkeypatch):
    """Serialization failures / deadlocks (PostgreSQL) and locks (SQLite) are retried until the
    write commits once; any other database error reaches the caller at once."""
    import sqlite3

    import psycopg.errors

    real_insert = store._insert
    failures = [
        sa.exc.OperationalError("INSERT", {}, psycopg.errors.SerializationFailure("could not serialize")),
        sa.exc.OperationalError("INSERT", {}, psycopg.errors.DeadlockDetected("deadlock detected")),
        sa.exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")),
    ]
    calls = []

    def flaky(row):
        calls.append(row["item_id"])
        if failures:
            raise failures.pop(0)
        return real_insert(row)

    monkeypatch.setattr(store, "_insert", flaky)
    eid = store.record("t", 0, {"label": 1})
    assert len(calls) == 4  # three failures, then the commit
    ev = store.events()
    assert ev["event_id"].tolist() == [eid] and ev["payload"].tolist() == [{"label": 1}]

    unique = sa.exc.IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key"))
    monkeypatch.setattr(store, "_insert", lambda row: (_ for _ in ()).throw(unique))
    with pytest.raises(sa.exc.IntegrityError):
        store.record("t", 1, {"label": 1})
    assert len(store.events()) == 1


def test_postgres_write_waits_for_a_table_lock():
    """Another session holds an exclusive lock on the events table: the write waits, then commits."""
    import threading

    import psycopg

    from store_backends import fresh_postgres_url

    with fresh_postgres_url() as url:
        store = AnnotationStore(url, annotator="ada")
        try:
            store.record("t", 0, {"label": 0})
            blocker = psycopg.connect(store.engine.url.render_as_string(hide_password=False).replace("+psycopg", ""))
            blocker.execute("LOCK TABLE hitl_events IN ACCESS EXCLUSIVE MODE")
            timer = threading.Timer(0.5, blocker.commit)
            timer.start()
            t0 = time.monotonic()
            try:
                eid = store.record("t", 1, {"label": 1})
            finally:
                timer.join()
                blocker.close()
            assert time.monotonic() - t0 >= 0.4  # it did wait for the lock
            assert store.events()["event_id"].tolist() == [1, eid] and eid == 2
        finally:
            store.engine.dispose()


def test_store_imports_only_the_coercion_module_of_the_package():
    """The store is the bottom layer: certificates (and every widget) import it, never the reverse,
    so the package's imports have no circle through it (verify_log lives with the store). It uses
    only hitl_widgets.coerce, which imports nothing of the package (tests/test_imports.py)."""
    import ast
    from pathlib import Path

    import hitl_widgets.store as store_mod

    tree = ast.parse(Path(store_mod.__file__).read_text())
    inner = [
        ast.unparse(node) for node in ast.walk(tree)
        if (isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("hitl_widgets")))
        or (isinstance(node, ast.Import) and any(a.name.startswith("hitl_widgets") for a in node.names))
    ]
    assert len(inner) == 1 and inner[0].startswith("from .coerce import "), inner


# ---------------------------------------------------------------------------- latest()
def brute_latest(events: pd.DataFrame, task, item_ids, kinds=None, annotator=None) -> dict:
    """latest() read off store.events() by hand: oldest first, the last match per item wins."""
    wanted = {(type(i), i) for i in item_ids}
    out = {}
    for row in events[events["task"] == task].itertuples(index=False):
        if row.kind == "undo" or row.undone or (type(row.item_id), row.item_id) not in wanted:
            continue
        if (kinds is not None and row.kind not in kinds) or (annotator is not None and row.annotator != annotator):
            continue
        out[row.item_id] = {"event_id": int(row.event_id), "annotator": row.annotator, "kind": row.kind,
                            "payload": row.payload, "created_at": row.created_at}
    return out


def random_history(store: AnnotationStore, rng: np.random.Generator, n: int) -> None:
    """Labels, relabels, other kinds, undos by place and by id, by several annotators, two tasks,
    int and str ids that print alike."""
    items, people, kinds = [0, 1, 2, "1", "a"], ["ada", "bo", "cy"], ["label", "label", "skip", "flag"]
    for _ in range(n):
        task = "t" if rng.random() < 0.8 else "u"
        item, who = items[rng.integers(len(items))], people[rng.integers(len(people))]
        roll = rng.random()
        if roll < 0.65:
            kind = kinds[rng.integers(len(kinds))]
            store.record(task, item, {"label": int(rng.integers(5))} if kind == "label" else {}, kind=kind, annotator=who)
        elif roll < 0.85:
            store.undo(task=task, item_id=item, annotator=who)
        else:
            ev = store.events(task)
            live = ev[(ev["kind"] != "undo") & ~ev["undone"]]
            if len(live):  # an adjudicator undoes someone's event by id
                store.undo(int(live["event_id"].iloc[rng.integers(len(live))]), annotator="adjudicator")


@pytest.mark.parametrize("seed", range(2))
def test_latest_equals_a_brute_force_reading_of_the_events(store, seed):
    rng = np.random.default_rng(seed)
    random_history(store, rng, 60)
    events = store.events()
    asks = [[1], ["1"], [0, 1, 2, "1", "a"], ["a", 2, 7], [], [1, 1, "1"]]
    for item_ids in asks:
        for kinds in (None, ("label",), ("label", "skip"), ("flag",), ()):
            for annotator in (None, "ada", "nobody"):
                for task in ("t", "u"):
                    got = store.latest(task, item_ids, kinds=kinds, annotator=annotator)
                    want = brute_latest(events, task, item_ids, kinds, annotator)
                    assert got == want, (seed, task, item_ids, kinds, annotator)
                    assert {(type(k), k) for k in got} == {(type(k), k) for k in want}  # 1 and "1" apart


def test_latest_return_shape(store):
    store.record("t", 3, {"label": "a"}, annotator="bo")
    e = store.record("t", 3, {"label": "b"}, annotator="bo")
    store.record("t", "3", {"label": "s"}, annotator="ada")
    got = store.latest("t", [3, "3", 4], kinds=("label",))
    assert list(got) == [3, "3"]
    row = got[3]
    assert set(row) == {"event_id", "annotator", "kind", "payload", "created_at"}
    assert (row["event_id"], row["annotator"], row["kind"], row["payload"]) == (e, "bo", "label", {"label": "b"})
    assert isinstance(row["created_at"], pd.Timestamp) and str(row["created_at"].tz) == "UTC"
    store.undo(e, annotator="adjudicator")  # an undo by anyone counts
    assert store.latest("t", [3], kinds=("label",))[3]["payload"] == {"label": "a"}
    assert store.latest("t", [3], kinds=("label",), annotator="ada") == {}
    assert store.latest("t", np.array([3]), kinds="label")[3]["payload"] == {"label": "a"}  # numpy ids, one kind


def test_latest_of_many_items_reads_them_all(store):
    """More ids than one IN list holds (the query runs per 500 ids)."""
    ids = list(range(1203))
    store.transaction(lambda conn: conn.execute(
        store_mod.events_table.insert(),
        [{"task": "t", "item_id": str(i), "annotator": "ada", "kind": "label", "payload": json.dumps({"label": i % 3}),
          "created_at": datetime.now(timezone.utc), "supersedes": None} for i in ids],
    ))
    got = store.latest("t", ids[::-1])
    assert list(got) == ids[::-1] and all(got[i]["payload"] == {"label": i % 3} for i in ids)


# ---------------------------------------------------------------------------- #15: threads, undo, errors
def test_memory_store_shared_by_threads_acknowledges_only_its_own_rows():
    """The active-learning loop writes from a thread: 4 threads x 100 writes (and reads between
    them) on one ':memory:' store give no error, and every acknowledged id is the caller's row."""
    import threading

    store = AnnotationStore(":memory:", annotator="ada")
    barrier, errors, acks = threading.Barrier(4), [], {}

    def writer(k: int) -> None:
        try:
            barrier.wait(10)
            mine = []
            for n in range(100):
                mine.append(store.record("t", k * 1000 + n, {"label": n % 7, "by": k, "n": n}, annotator=f"w{k}"))
                if n % 10 == 0:
                    store.labels("t")
                    store.latest("t", [k * 1000 + n])
            acks[k] = mine
        except Exception as exc:  # collected: an exception in a thread would otherwise vanish
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    ev = store.events("t").set_index("event_id")
    assert len(ev) == 400 and ev.index.is_unique
    for k, ids in acks.items():
        assert len(set(ids)) == 100
        assert ev.loc[ids, "payload"].tolist() == [{"label": n % 7, "by": k, "n": n} for n in range(100)]
        assert ev.loc[ids, "annotator"].tolist() == [f"w{k}"] * 100


def test_a_second_undo_of_one_event_is_refused(store):
    e = store.record("t", 0, {"label": "a"})
    u = store.undo(e)
    with pytest.raises(ValueError, match=rf"event {e} is already undone \(by event {u}\)"):
        store.undo(e)
    with pytest.raises(ValueError, match="already undone"):
        store.undo(e, annotator="adjudicator")
    with pytest.raises(ValueError, match="already undone"):
        store.record("t", 0, {}, kind="undo", supersedes=e)
    with pytest.raises(ValueError, match="itself an undo"):
        store.record("t", 0, {}, kind="undo", supersedes=u)
    assert len(store.events()) == 2  # nothing added
    store.record("t", 0, {"label": "b"})  # relabelling is the way back
    assert store.labels("t")["label"].tolist() == ["b"]


@pytest.mark.parametrize("annotator", ["x" * 201, "bad\ud800", "nul\x00"])
def test_an_annotator_no_backend_keeps_is_refused_by_the_constructor(tmp_path, annotator):
    with pytest.raises(ValueError, match=r"AnnotationStore\(annotator=.*annotator (is too long|must not|is not valid)"):
        AnnotationStore(tmp_path / "a.db", annotator=annotator)
    assert list(tmp_path.iterdir()) == []  # refused before anything was created


def test_an_annotator_from_the_environment_is_checked_too(tmp_path, monkeypatch):
    monkeypatch.setenv("HITL_ANNOTATOR", "y" * 250)
    with pytest.raises(ValueError, match=r"annotator is too long \(250 > 200"):
        AnnotationStore(":memory:")


def test_a_path_in_a_missing_folder_names_it(tmp_path):
    path = tmp_path / "nope" / "labels.db"
    with pytest.raises(FileNotFoundError, match=rf"cannot create the store {path}: the folder {path.parent} does not exist"):
        AnnotationStore(path)
    assert not path.parent.exists()


def test_a_folder_given_as_the_path_is_named(tmp_path):
    with pytest.raises(IsADirectoryError, match=rf"the store path {tmp_path} is a folder.*{tmp_path / 'hitl.db'}"):
        AnnotationStore(tmp_path)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        AnnotationStore(f"sqlite:///{tmp_path}")  # a SQLAlchemy URL is checked the same way


def test_a_file_that_is_not_a_database_is_named(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a database at all, but long enough to have a header " * 20)
    with pytest.raises(RuntimeError, match=rf"{path} is not a SQLite database"):
        AnnotationStore(path)


def _read_only(monkeypatch, *paths):
    """Make the store see ``paths`` as not writable (tests run as root, which writes anything)."""
    blocked = {str(p) for p in paths}
    real = store_mod._writable
    monkeypatch.setattr(store_mod, "_writable", lambda p: str(p) not in blocked and real(p))


def test_a_new_store_in_a_read_only_folder_is_refused_with_its_path(tmp_path, monkeypatch):
    _read_only(monkeypatch, tmp_path)
    with pytest.raises(PermissionError, match=rf"cannot create the store {tmp_path / 'x.db'}: the folder {tmp_path} is not writable"):
        AnnotationStore(tmp_path / "x.db")


def _filled(path) -> pd.DataFrame:
    s = AnnotationStore(path, annotator="ada")
    e = s.record("t", 0, {"label": "a"})
    s.record("t", 1, {"label": "b"})
    s.undo(e)
    s.seal_log()
    before = s.events()
    s.engine.dispose()
    return before


@pytest.mark.parametrize("blocked", ["file", "file and folder"])
def test_a_store_this_process_cannot_write_opens_read_only(tmp_path, monkeypatch, blocked):
    path = tmp_path / "ro.db"
    before = _filled(path)
    _read_only(monkeypatch, path, *([tmp_path] if blocked == "file and folder" else []))
    store = AnnotationStore(path, annotator="bo")
    assert store.read_only
    pd.testing.assert_frame_equal(store.events(), before)
    assert store.labels("t")["label"].tolist() == ["b"] and store.latest("t", [1])[1]["payload"] == {"label": "b"}
    assert store.verify_log().ok and store.schema_version == SCHEMA_VERSION
    for write in (lambda: store.record("t", 2, {"label": "c"}), lambda: store.undo(task="t", item_id=1),
                  store.seal_log, lambda: store.transaction(lambda conn: None)):
        with pytest.raises(store_mod.StoreReadOnlyError, match=rf"{path} is open read-only"):
            write()
    assert isinstance(store_mod.StoreReadOnlyError("x"), PermissionError)
    monkeypatch.undo()
    assert len(AnnotationStore(path).events()) == len(before)  # nothing was written


def test_a_read_only_store_of_an_early_layout_says_so(tmp_path, monkeypatch):
    from test_migrations import write_v0_store

    path = tmp_path / "v0.db"
    write_v0_store(str(path))
    _read_only(monkeypatch, path)
    with pytest.raises(RuntimeError, match=r"early release \(schema 0\).*open it once where the file and its folder are writable"):
        AnnotationStore(path)


def test_a_really_read_only_store_opens_for_reading(tmp_path):
    """Without the stand-in above: the file and its folder made read-only for real (as a user
    other than root when the tests run as root, since root writes anything)."""
    import shutil
    import subprocess
    import sys
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="hitl-ro-"))
    try:
        path = folder / "ro.db"
        before = _filled(path)
        path.chmod(0o444)
        folder.chmod(0o555)
        script = (
            "import sys; from hitl_widgets.store import AnnotationStore\n"
            "s = AnnotationStore(sys.argv[1]); print(s.read_only, len(s.events()), s.labels('t')['label'].tolist())\n"
            "try:\n    s.record('t', 5, {})\nexcept PermissionError as e:\n    print('refused', 'read-only' in str(e))\n"
        )
        command = [sys.executable, "-c", script, str(path)]
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                (pytest.fail if os.environ.get("CI") else pytest.skip)("running as root without setpriv: cannot drop the rights to test this")
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        root = Path(__file__).resolve().parent.parent
        out = subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
        if os.geteuid() == 0 and "Permission denied" in out.stderr and "hitl_widgets" not in out.stderr:
            (pytest.fail if os.environ.get("CI") else pytest.skip)(  # never skipped in CI (it runs there as root, with setpriv)
                f"the unprivileged user cannot read the checkout or the interpreter: {out.stderr[-300:]}")
        assert out.returncode == 0, out.stderr
        assert out.stdout.split("\n")[:2] == [f"True {len(before)} ['b']", "refused True"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "", " 2x", "٣"])
def test_a_bad_stored_schema_version_is_named(backend, value):
    store = AnnotationStore(backend)
    with store.engine.begin() as conn:
        conn.execute(meta_table.update().where(meta_table.c.key == "schema_version").values(value=value))
    store.engine.dispose()
    with pytest.raises(RuntimeError, match=rf"hitl_meta.schema_version is {value!r}, which no hitl-widgets writes.*restore it from a backup"):
        AnnotationStore(backend)


def test_a_store_whose_events_table_is_gone_is_named(backend):
    store = AnnotationStore(backend)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE hitl_events"))
    store.engine.dispose()
    with pytest.raises(RuntimeError, match="has hitl_meta but no hitl_events table"):
        AnnotationStore(backend)
