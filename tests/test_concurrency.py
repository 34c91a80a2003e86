"""Four annotators label 500 items each into one store at the same time (SQLite file, PostgreSQL).

Every acknowledged event is there exactly once, no writer sees an error, and a reader watching
``store.labels()`` meanwhile sees every annotator's work grow while it happens; so does an
``AgreementDashboard`` built on the store in the middle of it.
"""
from __future__ import annotations

import multiprocessing
import time

from hitl_widgets.store import AnnotationStore
from store_backends import backend  # noqa: F401  (fixture: every backend)

N_PROC, N_ITEMS = 4, 500


def _annotator(location: str, k: int, n: int, barrier, results) -> None:
    """One notebook: opens the (brand-new) store and labels items 0..n-1 as fast as it can."""
    try:
        barrier.wait(timeout=60)
        store = AnnotationStore(location, annotator=f"annotator{k}")
        ids = [store.record("shared", i, {"label": (i * (k + 1)) % 10, "by": k}) for i in range(n)]
        results.put((k, ids, None))
    except Exception as exc:  # the test reports it: a surfaced error is a failure
        results.put((k, [], repr(exc)))


def test_four_annotators_at_once_lose_nothing(backend):
    # imported here: the worker processes import this module, and need only the store
    from hitl_widgets.dashboards.agreement import AgreementDashboard

    ctx = multiprocessing.get_context("forkserver")  # no fork of the threaded pytest process
    ctx.set_forkserver_preload(["hitl_widgets.store"])
    barrier, results = ctx.Barrier(N_PROC + 1), ctx.Queue()
    procs = [ctx.Process(target=_annotator, args=(backend, k, N_ITEMS, barrier, results)) for k in range(N_PROC)]
    for p in procs:
        p.start()
    barrier.wait(timeout=60)  # the store does not exist yet: the writers race to create it

    # watch the shared store while they write, as a dashboard would
    seen: list[dict] = []
    dashboard_counts: dict | None = None
    watcher = None
    deadline = time.monotonic() + 120
    while any(p.is_alive() for p in procs) and time.monotonic() < deadline:
        try:
            watcher = watcher or AnnotationStore(backend, annotator="watcher")
            lab = watcher.labels("shared")
            seen.append(lab.groupby("annotator").size().to_dict() if len(lab) else {})
            # mid-way, as a lead would: at the first partial snapshot (under a loaded CI machine the
            # watcher's first read can come after half the writes; any partial state will do)
            if dashboard_counts is None and len(seen[-1]) >= 2 and sum(seen[-1].values()) < N_PROC * N_ITEMS:
                dash = AgreementDashboard(watcher, task="shared", n_boot=10)
                dashboard_counts = dict(zip(dash.per_annotator["annotator"], dash.per_annotator["n"]))
        except Exception as exc:  # the schema may not exist for the first few ms only
            if seen:
                raise
            assert "no such table" in str(exc) or "does not exist" in str(exc), exc
        time.sleep(0.05)
    for p in procs:
        p.join(timeout=30)
    assert [p.exitcode for p in procs] == [0] * N_PROC
    answers = sorted(results.get(timeout=10) for _ in range(N_PROC))
    assert [err for _, _, err in answers] == [None] * N_PROC  # no error surfaced to any annotator

    store = AnnotationStore(backend)
    ev = store.events("shared")
    assert len(ev) == N_PROC * N_ITEMS and ev["event_id"].is_unique
    keys = list(zip(ev["annotator"], ev["item_id"]))
    assert len(set(keys)) == len(keys)  # each event exactly once ...
    assert set(keys) == {(f"annotator{k}", i) for k in range(N_PROC) for i in range(N_ITEMS)}  # ... and all there
    by_id = ev.set_index("event_id")
    for k, ids, _ in answers:  # every acknowledged id is the row that annotator wrote
        assert len(ids) == N_ITEMS
        assert by_id.loc[ids, "item_id"].tolist() == list(range(N_ITEMS))
        assert by_id.loc[ids, "payload"].tolist() == [{"label": (i * (k + 1)) % 10, "by": k} for i in range(N_ITEMS)]
    lab = store.labels("shared")
    assert len(lab) == N_PROC * N_ITEMS
    assert lab.groupby("annotator").size().to_dict() == {f"annotator{k}": N_ITEMS for k in range(N_PROC)}

    # the writes overlapped: the watcher saw several annotators' partial work at one moment
    partial = [s for s in seen if len(s) >= 2 and sum(s.values()) < N_PROC * N_ITEMS]
    assert partial, seen[-5:]
    # the dashboard built mid-way showed several annotators' partial work
    assert dashboard_counts is not None, seen[:5]
    assert len(dashboard_counts) >= 2 and 0 < sum(dashboard_counts.values()) < N_PROC * N_ITEMS, dashboard_counts
    totals = [sum(s.values()) for s in seen]
    assert totals == sorted(totals)  # what a reader sees only grows: nothing acknowledged vanishes


# ---------------------------------------------------------------------------- concurrent undos (#15)
N_UNDO_PROC, UNDOS_EACH = 4, 5


def _undoer(location: str, k: int, n: int, event_id, barrier, results) -> None:
    """One notebook pressing undo ``n`` times on item 0 (or undoing ``event_id`` once)."""
    try:
        store = AnnotationStore(location, annotator="ada")
        barrier.wait(timeout=60)
        if event_id is None:
            results.put((k, [store.undo(task="t", item_id=0) for _ in range(n)], None))
        else:
            try:
                results.put((k, [store.undo(event_id, annotator=f"adj{k}")], None))
            except ValueError as exc:
                results.put((k, [], str(exc)))
        store.engine.dispose()
    except Exception as exc:  # the test reports it
        results.put((k, [], repr(exc)))


def _run(location: str, event_id=None) -> list:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["hitl_widgets.store"])  # (when this test starts the fork server)
    barrier, results = ctx.Barrier(N_UNDO_PROC), ctx.Queue()
    procs = [ctx.Process(target=_undoer, args=(location, k, UNDOS_EACH, event_id, barrier, results))
             for k in range(N_UNDO_PROC)]
    for p in procs:
        p.start()
    answers = sorted(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=30)
    assert [p.exitcode for p in procs] == [0] * N_UNDO_PROC
    return answers


def test_concurrent_undos_by_place_cancel_one_label_each(backend):
    """20 labels stacked on one item, 4 processes press undo 5 times each: every undo that returned
    an id cancelled a different label, newest first, and all 20 are gone."""
    store = AnnotationStore(backend, annotator="ada")
    labels = [store.record("t", 0, {"label": n}) for n in range(N_UNDO_PROC * UNDOS_EACH)]
    store.record("t", 0, {"label": "bo's"}, annotator="bo")  # another annotator's label stays
    answers = _run(backend)
    assert [err for _, _, err in answers] == [None] * N_UNDO_PROC
    acked = [u for _, ids, _ in answers for u in ids]
    assert None not in acked and len(set(acked)) == len(labels)
    ev = store.events("t").set_index("event_id")
    undos = ev[ev["kind"] == "undo"]
    assert sorted(undos.index) == sorted(acked)  # no undo written that was not acknowledged
    assert sorted(undos["supersedes"].astype(int)) == labels  # each label cancelled exactly once
    for _, ids, _ in answers:  # each process cancelled newer labels before older ones
        cancelled = [int(ev.loc[u, "supersedes"]) for u in ids]
        assert cancelled == sorted(cancelled, reverse=True)
    assert store.labels("t")["label"].tolist() == ["bo's"]
    assert store.undo(task="t", item_id=0) is None


def test_concurrent_undos_of_one_event_write_one_undo(backend):
    store = AnnotationStore(backend, annotator="ada")
    e = store.record("t", 0, {"label": "a"})
    answers = _run(backend, event_id=e)
    acked = [u for _, ids, _ in answers for u in ids]
    refused = [err for _, _, err in answers if err is not None]
    assert len(acked) == 1 and len(refused) == N_UNDO_PROC - 1
    assert all(f"event {e} is already undone (by event {acked[0]})" in err for err in refused), refused
    ev = store.events("t")
    assert ev["event_id"].tolist() == [e, acked[0]] and ev["supersedes"].tolist()[1] == e
