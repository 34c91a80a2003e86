"""Four annotators label 500 items each into one store at the same time (SQLite file, PostgreSQL).

Every acknowledged event is there exactly once, no writer sees an error, and a reader watching
``store.labels()`` meanwhile sees every annotator's work grow while it happens; so does an
``AgreementDashboard`` built on the store in the middle of it.
"""
from __future__ import annotations

import multiprocessing
import time

from hitl_widgets.dashboards.agreement import AgreementDashboard
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
            if dashboard_counts is None and len(seen[-1]) >= 2 and sum(seen[-1].values()) < N_PROC * N_ITEMS // 2:
                dash = AgreementDashboard(watcher, task="shared", n_boot=10)  # mid-way, as a lead would
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
