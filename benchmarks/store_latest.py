"""store.latest (one SQL query) against the reads it replaces, on one task of 100,000 events.

    python benchmarks/store_latest.py            # SQLite file, 100,000 events
    python benchmarks/store_latest.py --quick    # 20,000 events
    python benchmarks/store_latest.py --postgres postgresql://user@host/db   # also PostgreSQL

The task: 10,000 items labelled by 3 annotators (relabels, skips, undos of labels: the counts are
printed), written straight into the store in bulk. Timed, median of several repeats, each path answering the same
question ("the latest active label of these items by this annotator"):
* ``latest``: ``store.latest(task, ids, kinds=("label",), annotator=a)``;
* ``current narrowed``: ``store.current(task, kinds=("label",), annotator=a, item_ids=ids)`` (the
  read the widgets made after an undo until now);
* ``labels (whole task)``: ``store.labels(task, annotator=a)`` then the rows of ``ids``.
for 1 item (a widget's read after an undo) and for 1,000 items; medians of 15 repeats after a warm-up
(3 repeats for the whole-task read, timed once: the check above warmed it). Every path's answer is checked equal to latest's before timing.
Figures only: nothing here asserts on time.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from _timing import median_seconds  # noqa: E402  (beside this script: python benchmarks/<name>.py)

from hitl_widgets.store import AnnotationStore, events_table  # noqa: E402

TASK, N_ITEMS, PEOPLE = "big", 10_000, ("ada", "bo", "cy")
REPEATS = 15


def fill(store: AnnotationStore, n_events: int, seed: int = 0) -> dict:
    """Write ``n_events`` events of one task in bulk (ids, undos and item ids as record/undo write them)."""
    rng = np.random.default_rng(seed)
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows, live, next_id, counts = [], {}, 1, {"label": 0, "skip": 0, "undo": 0}
    with store.connect() as conn:  # ids continue after what is there (nothing, in a new store)
        next_id += conn.execute(events_table.select().with_only_columns(events_table.c.event_id).order_by(
            events_table.c.event_id.desc()).limit(1)).scalar() or 0
    while len(rows) < n_events:
        item, who = int(rng.integers(N_ITEMS)), PEOPLE[int(rng.integers(len(PEOPLE)))]
        key = (item, who)
        roll = rng.random()
        if roll < 0.12 and live.get(key):
            target, kind = live[key].pop(), "undo"
            payload, supersedes = {"undone_kind": "label"}, target
        else:
            kind = "skip" if roll > 0.95 else "label"
            payload, supersedes = ({"label": int(rng.integers(10))} if kind == "label" else {}), None
            if kind == "label":
                live.setdefault(key, []).append(next_id)
        rows.append({"event_id": next_id, "task": TASK, "item_id": json.dumps(item), "annotator": who, "kind": kind,
                     "payload": json.dumps(payload), "created_at": t0 + timedelta(seconds=next_id),
                     "supersedes": supersedes})
        counts[kind] += 1
        next_id += 1
    for start in range(0, len(rows), 20_000):
        chunk = rows[start:start + 20_000]
        store.transaction(lambda conn, chunk=chunk: conn.execute(events_table.insert(), chunk))
    if store.engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them
        store.transaction(lambda conn: conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('hitl_events', 'event_id'), (SELECT max(event_id) FROM hitl_events))"))
    return counts


def median_s(fn, repeats: int = REPEATS, warm_up: bool = True) -> float:
    return median_seconds(fn, repeats, warm_up)


def bench(store: AnnotationStore, name: str) -> None:
    rng = np.random.default_rng(1)
    who = "ada"
    t_labels = None
    for n in (1, 1000):
        ids = [int(i) for i in rng.choice(N_ITEMS, size=n, replace=False)]
        want = {i: v["event_id"] for i, v in store.latest(TASK, ids, kinds=("label",), annotator=who).items()}
        cur = store.current(TASK, kinds=("label",), annotator=who, item_ids=ids)
        assert dict(zip(cur["item_id"], cur["event_id"])) == want, "current() disagrees with latest()"
        lab = store.labels(TASK, annotator=who)
        lab = lab[lab["item_id"].isin(ids)]
        assert dict(zip(lab["item_id"], lab["event_id"])) == want, "labels() disagrees with latest()"

        def whole_task(ids=ids):
            d = store.labels(TASK, annotator=who)
            return d[d["item_id"].isin(ids)]

        t_latest = median_s(lambda ids=ids: store.latest(TASK, ids, kinds=("label",), annotator=who))
        t_current = median_s(lambda ids=ids: store.current(TASK, kinds=("label",), annotator=who, item_ids=ids))
        if t_labels is None:  # reads the whole task whatever the ids: timed once, 3 repeats
            t_labels = median_s(whole_task, 3, False)
        print(f"{name:<10} {n:>5} item{'s' if n > 1 else ' '}  latest {t_latest * 1e3:8.2f} ms   "
              f"current narrowed {t_current * 1e3:8.2f} ms ({t_current / t_latest:6.1f}x latest)   "
              f"labels (whole task) {t_labels * 1e3:8.1f} ms ({t_labels / t_latest:7.1f}x latest)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 events instead of 100,000")
    parser.add_argument("--postgres", metavar="URL", help="also time a PostgreSQL store (a new schema there, dropped after)")
    args = parser.parse_args()
    n_events = 20_000 if args.quick else 100_000
    print(f"one task of {n_events:,} events over {N_ITEMS:,} items, 3 annotators; x: times latest's median")
    with tempfile.TemporaryDirectory() as tmp:
        store = AnnotationStore(Path(tmp) / "bench.db", annotator="ada")
        t0 = time.perf_counter()
        counts = fill(store, n_events)
        print(f"sqlite: wrote {counts} in {time.perf_counter() - t0:.1f} s")
        bench(store, "sqlite")
        store.engine.dispose()
    if args.postgres:
        import psycopg

        base = args.postgres.replace("postgresql+psycopg://", "postgresql://")
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
        try:
            sep = "&" if "?" in base else "?"
            store = AnnotationStore(f"{base}{sep}options=-csearch_path%3D{schema}", annotator="ada")
            t0 = time.perf_counter()
            counts = fill(store, n_events)
            print(f"postgres: wrote {counts} in {time.perf_counter() - t0:.1f} s")
            bench(store, "postgresql")
            store.engine.dispose()
        finally:
            with psycopg.connect(base, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
