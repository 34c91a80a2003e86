"""AnnotationStore inputs checked where they enter, with an error naming the value: an event id
that is not an int, a single id where a collection of item ids is expected; and the audit log's
head record, which reports entries cut from the log's end. Every backend (``store`` fixture)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

import hitl_widgets.store as store_mod
from hitl_widgets.certificates import certify, verify, verify_log
from hitl_widgets.store import AnnotationStore, audit_log_table, events_table, meta_table
from store_backends import backend, store  # noqa: F401  (fixtures: every backend)

LOG_HEAD_KEY = "audit_log_head"  # part of the stored format: hitl_meta's key for the log's head


def _four(store: AnnotationStore) -> list[int]:
    return [store.record("t", i, {"label": "x"}) for i in range(4)]


# ---------------------------------------------------------------------------- undo(event_id)
@pytest.mark.parametrize("bad", [True, False, 2.9, 1.0, "3", np.float64(2.0), np.bool_(True), [1]])
def test_undo_refuses_an_event_id_that_is_not_an_int(store, bad):
    _four(store)
    with pytest.raises(ValueError, match=r"event_id must be an int \(an event id\), not "):
        store.undo(bad)
    assert len(store.labels("t")) == 4 and not (store.events("t")["kind"] == "undo").any()  # nothing cancelled


def test_undo_takes_a_numpy_int_and_refuses_ids_beyond_any_event(store):
    ids = _four(store)
    assert store.undo(np.int64(ids[1])) is not None
    assert store.labels("t")["item_id"].tolist() == [0, 2, 3]
    for bad in (0, -1, 2**63, 2**70):
        with pytest.raises(ValueError, match=rf"no event {bad} in"):
            store.undo(bad)


@pytest.mark.parametrize("bad", [True, 2.9, "1", np.float32(1.0)])
def test_record_refuses_a_supersedes_that_is_not_an_int(store, bad):
    ids = _four(store)
    for kind in ("label", "undo"):
        with pytest.raises(ValueError, match=r"supersedes must be an int \(an event id\), not "):
            store.record("t", 0, {"label": "y"} if kind == "label" else None, kind=kind, supersedes=bad)
    assert len(store.events()) == len(ids)  # nothing stored
    store.events()  # and the store still reads (a float supersedes broke events() for good)


# ---------------------------------------------------------------------------- item_ids
@pytest.mark.parametrize("single", ["abc", b"abc", np.str_("abc"), 1, np.int64(1)])
def test_a_single_id_where_item_ids_are_expected_is_refused(store, single):
    for item_id in ("abc", "a", "b", "c", 1):
        store.record("t", item_id, {"label": str(item_id)})
    shown = repr(single.item() if isinstance(single, np.generic) else single)
    reads = (lambda: store.latest("t", single), lambda: store.labels("t", item_ids=single),
             lambda: store.current("t", item_ids=single))
    for read in reads:
        with pytest.raises(ValueError, match=rf"item_ids must be a collection of item ids, not a single .*pass \[{shown}\]"):
            read()


def test_item_ids_of_every_collection_kind_read_the_same(store):
    for i in range(3):
        store.record("t", i, {"label": f"l{i}"})
    undone = store.record("t", 1, {"label": "later"})
    store.undo(undone)
    want = [[0, "l0"], [1, "l1"]]
    for ids in ([0, 1], (0, 1), np.array([0, 1]), pd.Series([0, 1]), pd.Index([0, 1]), (i for i in (0, 1)), range(2)):
        got = store.labels("t", item_ids=ids)[["item_id", "label"]].values.tolist()
        assert got == want, type(ids)  # a generator read once: the undo of item 1 still counts
    assert list(store.latest("t", (i for i in (0, 1)))) == [0, 1]
    assert store.latest("t", (i for i in (1,)))[1]["payload"] == {"label": "l1"}
    assert store.current("t", kinds="label", item_ids=[2])["payload"].tolist() == [{"label": "l2"}]
    with pytest.raises(ValueError, match="not a DataFrame"):
        store.labels("t", item_ids=pd.DataFrame({"item_id": [0]}))
    with pytest.raises(ValueError, match="not a float"):
        store.latest("t", 1.5)


# ---------------------------------------------------------------------------- the log's head record
def _delete_log_from(store: AnnotationStore, seq: int) -> None:
    store.transaction(lambda conn: conn.execute(audit_log_table.delete().where(audit_log_table.c.seq >= seq)))


def test_entries_cut_from_the_end_of_the_log_are_reported(store):
    ids = _four(store)
    assert store.seal_log() == 4 and store.verify_log().ok
    _delete_log_from(store, 4)
    report = store.verify_log()
    assert not report.ok
    assert report.problems == ["the audit log ends at entry 3, but entry 4 was written: entries were cut from its end"]
    # the event itself deleted too (a saved label gone): still reported
    store.transaction(lambda conn: conn.execute(events_table.delete().where(events_table.c.event_id == ids[-1])))
    assert store.verify_log().problems == report.problems
    # the whole log gone
    _delete_log_from(store, 1)
    assert store.verify_log().problems == ["the audit log ends at entry 0, but entry 4 was written: entries were cut from its end"]


def test_the_head_record_follows_every_append(store):
    _four(store)
    store.seal_log()
    certify(np.zeros((2, 4, 4, 1), np.uint8), ["a", "b"], store=store, progress=False)
    store.record("t", 9, {"label": "y"})
    store.seal_log()
    last = store.log_entries()[-1]
    assert store_mod.LOG_HEAD_KEY == LOG_HEAD_KEY
    with store.connect() as conn:
        head = json.loads(conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == LOG_HEAD_KEY)).scalar())
    assert head == {"seq": last["seq"], "entry_hash": last["entry_hash"]}
    assert store.verify_log().ok
    # an older release appends without moving the head record: not a problem (the named entry is there)
    store.transaction(lambda conn: conn.execute(meta_table.update().where(meta_table.c.key == LOG_HEAD_KEY).values(
        value=json.dumps({"seq": last["seq"] - 2, "entry_hash": store.log_entry(last["seq"] - 2)["entry_hash"]}))))
    assert store.verify_log().ok


def test_a_rewritten_head_entry_and_an_edited_head_record_are_reported(store):
    _four(store)
    store.seal_log()
    store.transaction(lambda conn: conn.execute(
        audit_log_table.update().where(audit_log_table.c.seq == 4).values(entry_hash="f" * 64)))
    assert "audit log entry 4 is not the one written there (its hash differs from the head record): the log was rewritten" \
        in store.verify_log().problems
    store.transaction(lambda conn: conn.execute(
        meta_table.update().where(meta_table.c.key == LOG_HEAD_KEY).values(value="not json")))
    assert any(p.startswith(f"the audit log's head record (hitl_meta.{LOG_HEAD_KEY}) is unreadable") for p in store.verify_log().problems)


def test_what_the_head_record_cannot_catch_is_caught_by_the_certificate(store):
    """Cutting the log's end *and* rewriting the head record: the database alone cannot tell (as
    its docstring says); the certificate's log.entry_hash can."""
    _four(store)
    images, labels = np.zeros((2, 4, 4, 1), np.uint8), ["a", "b"]
    cert = certify(images, labels, store=store, progress=False)
    seq = cert["log"]["seq"]
    _delete_log_from(store, seq)
    prev = store.log_entry(seq - 1)
    store.transaction(lambda conn: conn.execute(meta_table.update().where(meta_table.c.key == LOG_HEAD_KEY).values(
        value=json.dumps({"seq": seq - 1, "entry_hash": prev["entry_hash"]}))))
    assert store.verify_log().ok and verify_log(store).ok
    assert "the certificate is not in the store's audit log (or the log was rewritten)" in verify(cert, images, labels, store=store).problems


def test_a_log_without_a_head_record_verifies_as_before(store):
    """A log sealed by a release before the head record: no record, nothing to compare, no problem."""
    _four(store)
    store.seal_log()
    store.transaction(lambda conn: conn.execute(meta_table.delete().where(meta_table.c.key == LOG_HEAD_KEY)))
    assert store.verify_log().ok
    store.record("t", 5, {"label": "x"})
    store.seal_log()  # the next append writes it
    _delete_log_from(store, 5)
    assert not store.verify_log().ok
