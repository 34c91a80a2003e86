"""Edits kept in the browser while the kernel was down, saved later: the ``replay`` intent.

The view (js/src/lib/offline.ts, js/src/lib/ledger.ts) sends
``{type: "replay", edits: [{type, fields, made_at}], client, seq}``; every edit runs through its
own intent's handler and is stored with the time it was made.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from hitl_widgets import AnnotationStore, ClassifyWidget
from hitl_widgets.store import MAX_CLOCK_SKEW_S, event_time
from hitl_widgets.widgets.base import MAX_MESSAGE_BYTES, MAX_REPLAY, store_identity
from store_backends import backend  # noqa: F401  (fixture: every backend)
from tests.test_classify_protocol import Browser

IMAGES = np.random.default_rng(2).integers(0, 256, size=(6, 5, 4, 1), dtype=np.uint8)
MINUTE_MS = 60_000


class Replayer(Browser):
    """A replay that stored something is answered by an ``invalidate`` (the view refetches the
    items) and then its ack: raw() returns the ack, and checks that nothing else was sent."""

    def raw(self, content) -> dict:
        before = len(self.sent)
        self.w._dispatch(self.w, content, [])
        got = [m for m, _ in self.sent[before:]]
        assert [m["type"] for m in got] in (["invalidate", "ack"], ["ack"], ["refused"]), got
        return got[-1]


def make(where, annotator="ada", task="t"):
    """A widget on a store in the folder ``where`` (tmp_path), or at the location ``where`` (the
    ``backend`` fixture: SQLite and PostgreSQL)."""
    location = where / "replay.db" if isinstance(where, Path) else where
    store = AnnotationStore(location, annotator=annotator)
    w = ClassifyWidget(IMAGES, classes=["cat", "dog", "bird"], store=store, task=task)
    return w, Replayer(w)


def edit(item_id, label, made_at, kind="label"):
    fields = {"item_id": item_id} if kind != "label" else {"item_id": item_id, "label": label, "source": "human"}
    return {"type": kind, "fields": fields, "made_at": made_at}


def now_ms() -> float:
    return time.time() * 1000


def created(w, item_id) -> datetime:
    ev = w.store.events("t")
    row = ev[(ev["item_id"] == item_id) & (ev["kind"] != "undo")].iloc[-1]
    return row["created_at"].to_pydatetime()


def test_replayed_edits_are_stored_with_their_original_times(backend):
    w, b = make(backend)
    t0 = now_ms() - 10 * MINUTE_MS
    reply = b.intent("replay", edits=[edit(0, "dog", t0), edit(1, "cat", t0 + 1000), edit(2, "bird", t0 + 2000)])
    assert reply["type"] == "ack"
    assert reply["results"] == [{"ok": True}] * 3
    assert reply["stored"] == 3
    assert reply["n_done"] == 3 == w.n_done
    assert dict(zip(w.labels["item_id"], w.labels["label"])) == {0: "dog", 1: "cat", 2: "bird"}
    for k in range(3):  # the time each was made, not the time of the replay (to the millisecond)
        expected = datetime.fromtimestamp((t0 + 1000 * k) / 1000, tz=timezone.utc)
        assert abs(created(w, k) - expected) < timedelta(milliseconds=2)
    # only an invalidate (the view refetches) and the replay's own ack were sent: no per-edit acks
    assert [m["type"] for m, _ in b.sent] == ["invalidate", "ack"]


def test_an_undo_is_replayed_in_order_and_the_audit_log_seals_the_original_times(backend):
    w, b = make(backend)
    t0 = now_ms() - 5 * MINUTE_MS
    reply = b.intent("replay", edits=[edit(3, "dog", t0), edit(3, None, t0 + 500, kind="undo"), edit(4, "cat", t0 + 900)])
    assert reply["results"] == [{"ok": True}] * 3
    assert 3 not in set(w.labels["item_id"]) and 4 in set(w.labels["item_id"])
    undo = w.store.events("t").query("kind == 'undo'").iloc[0]
    assert abs(undo["created_at"].to_pydatetime() - datetime.fromtimestamp((t0 + 500) / 1000, tz=timezone.utc)) < timedelta(milliseconds=2)
    assert w.store.seal_log() == 3
    report = w.store.verify_log()
    assert report.ok, report.problems
    assert report.sealed_events == 3


def test_an_edit_older_than_the_items_newest_change_is_not_stored(backend):
    w, b = make(backend)
    t0 = now_ms() - 5 * MINUTE_MS
    b.label(0, "bird")  # made now: newer than what the browser kept
    reply = b.intent("replay", edits=[edit(0, "dog", t0), edit(1, "cat", t0)])
    assert reply["results"][0]["ok"] is False and "changed after this edit was made" in reply["results"][0]["message"]
    assert reply["results"][0]["retry"] is False
    assert reply["results"][1] == {"ok": True}
    assert reply["stored"] == 1
    assert dict(zip(w.labels["item_id"], w.labels["label"])) == {0: "bird", 1: "cat"}


def test_an_edit_already_saved_before_the_kill_is_not_stored_twice(backend):
    """The ack was lost, not the edit: the store has it with a time after made_at."""
    w, b = make(backend)
    made = now_ms() - 50
    b.label(5, "cat")
    before = len(w.store.events("t"))
    reply = b.intent("replay", edits=[edit(5, "cat", made)])
    assert reply["results"] == [{"ok": True, "already": True}]
    assert reply["stored"] == 0
    assert len(w.store.events("t")) == before
    # a different label made before the stored one is not "already saved": the newer one stands
    reply = b.intent("replay", edits=[edit(5, "dog", made)])
    assert reply["results"][0]["ok"] is False
    assert len(w.store.events("t")) == before


def test_a_refused_edit_is_reported_and_the_others_stored(tmp_path):
    w, b = make(tmp_path)
    t0 = now_ms() - MINUTE_MS
    reply = b.intent("replay", edits=[edit(0, "horse", t0), edit(99, "cat", t0), edit(1, "dog", t0)])
    assert reply["type"] == "ack"
    assert [r["ok"] for r in reply["results"]] == [False, False, True]
    assert "horse" in reply["results"][0]["message"]
    assert dict(zip(w.labels["item_id"], w.labels["label"])) == {1: "dog"}


@pytest.mark.parametrize(
    ("edits", "error"),
    [
        (None, "list of 1 to"),
        ([], "list of 1 to"),
        ("label", "list of 1 to"),
        ([["label", {}, 1]], "expected an object"),
        ([{"type": "label", "fields": {}}], "expected an object"),
        ([{"type": "label", "fields": {}, "made_at": 1, "extra": 1}], "expected an object"),
        ([{"type": "replay", "fields": {}, "made_at": 1}], "not an edit"),
        ([{"type": "batch", "fields": {}, "made_at": 1}], "not an edit"),
        ([{"type": "fetch", "fields": {"ids": [0]}, "made_at": 1}], "not an edit"),
        ([{"type": "nope", "fields": {}, "made_at": 1}], "not an edit"),
        ([{"type": 3, "fields": {}, "made_at": 1}], "not an edit"),
        ([{"type": "label", "fields": [], "made_at": 1}], "fields must be an object"),
        ([{"type": "label", "fields": {"item_id": 0, "seq": 4}, "made_at": 1}], "fields must be an object"),
        ([{"type": "label", "fields": {"item_id": 0, "client": "x"}, "made_at": 1}], "fields must be an object"),
        ([{"type": "label", "fields": {"item_id": 0}, "made_at": "yesterday"}], "finite number"),
        ([{"type": "label", "fields": {"item_id": 0}, "made_at": True}], "finite number"),
        ([{"type": "label", "fields": {"item_id": 0}, "made_at": float("nan")}], "finite number"),
        ([{"type": "label", "fields": {"item_id": 0}, "made_at": float("inf")}], "finite number"),
        ([{"type": "label", "fields": {"item_id": 0}, "made_at": 1e30}], "made_at"),
        ([{"type": "label", "fields": {"item_id": 0}, "made_at": 0}], "before 2000"),
        ([{"type": "label", "fields": {"item_id": 0}, "made_at": -1e12}], "made_at"),
    ],
)
def test_a_malformed_replay_is_refused_whole_and_stores_nothing(tmp_path, edits, error):
    w, b = make(tmp_path)
    good = [edit(1, "cat", now_ms() - 1000)]
    reply = b.intent("replay", edits=edits if not isinstance(edits, list) or not edits else [*good, *edits])
    assert reply["type"] == "refused"
    assert error in reply["message"]
    assert len(w.store.events("t")) == 0


def test_a_time_in_the_future_beyond_the_skew_is_refused(tmp_path):
    w, b = make(tmp_path)
    reply = b.intent("replay", edits=[edit(0, "cat", now_ms() + (MAX_CLOCK_SKEW_S + 60) * 1000)])
    assert reply["type"] == "refused" and "future" in reply["message"]
    assert len(w.store.events("t")) == 0
    # within the skew: stored, as now (never a time in the future)
    reply = b.intent("replay", edits=[edit(0, "cat", now_ms() + 30_000)])
    assert reply["results"] == [{"ok": True}]
    assert created(w, 0) <= datetime.now(timezone.utc)


def test_too_many_edits_are_refused(tmp_path):
    w, b = make(tmp_path)
    t0 = now_ms() - MINUTE_MS
    reply = b.intent("replay", edits=[edit(k % 6, "cat", t0 + k) for k in range(MAX_REPLAY + 1)])
    assert reply["type"] == "refused" and f"1 to {MAX_REPLAY}" in reply["message"]
    assert len(w.store.events("t")) == 0
    big = [edit(0, "cat" * 1, t0)] * 1 + [{"type": "label", "fields": {"item_id": 0, "label": "x" * (MAX_MESSAGE_BYTES)}, "made_at": t0}]
    reply = b.intent("replay", edits=big)
    assert reply["type"] == "refused" and "too large" in reply["message"]
    assert len(w.store.events("t")) == 0


def test_a_retried_replay_is_answered_again_and_stores_nothing_twice(tmp_path):
    w, b = make(tmp_path)
    edits = [edit(0, "cat", now_ms() - 1000)]
    first = b.intent("replay", seq=7, edits=edits)
    again = b.intent("replay", seq=7, edits=edits)
    assert first == again
    assert len(w.store.events("t")) == 1


def test_the_store_key_names_store_task_and_annotator_and_hides_the_url(tmp_path):
    w, _ = make(tmp_path)
    assert len(w.store_key) == 32 and "replay" not in w.store_key
    assert make(tmp_path)[0].store_key == w.store_key  # the re-run widget finds the kept edits
    assert make(tmp_path, task="u")[0].store_key != w.store_key
    assert make(tmp_path, annotator="bo")[0].store_key != w.store_key
    other = AnnotationStore(tmp_path / "other.db", annotator="ada")
    assert store_identity(other, "t", "ada") != w.store_key
    memory = ClassifyWidget(IMAGES, classes=["cat"], store=AnnotationStore(":memory:"))
    assert memory.store_key == ""  # an in-memory store does not outlive its kernel: nothing to keep


def test_store_record_checks_at(backend):
    store = AnnotationStore(backend, annotator="ada")
    then = datetime.now(timezone.utc) - timedelta(hours=1)
    eid = store.record("t", 1, {"label": "a"}, at=then)
    assert store.events("t").set_index("event_id").loc[eid, "created_at"].to_pydatetime() == then
    assert store.newest_time("t", 1) == then
    assert store.newest_time("t", 2) is None
    with pytest.raises(ValueError, match="timezone-aware"):
        store.record("t", 1, {"label": "a"}, at=datetime(2020, 1, 1))
    with pytest.raises(ValueError, match="before 2000"):
        store.record("t", 1, {"label": "a"}, at=datetime(1999, 12, 31, tzinfo=timezone.utc))
    with pytest.raises(ValueError, match="future"):
        store.record("t", 1, {"label": "a"}, at=datetime.now(timezone.utc) + timedelta(hours=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        store.undo(task="t", item_id=1, at="2020-01-01")  # type: ignore[arg-type]
    assert len(store.events("t")) == 1
    undo = store.undo(task="t", item_id=1, at=then + timedelta(seconds=1))
    assert store.newest_time("t", 1) == then + timedelta(seconds=1)
    assert undo is not None
    assert event_time(None) <= datetime.now(timezone.utc)
