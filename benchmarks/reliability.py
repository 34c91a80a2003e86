"""Reliability report of the AnnotationStore: write rate, lost events, refused forgeries.

    python benchmarks/reliability.py [--quick]

For each backend (SQLite file; PostgreSQL at ``HITL_TEST_POSTGRES_URL``, else one started with
``scripts/postgres.sh``, else reported missing) it prints:
* events written per second through ``AnnotationStore.record`` (one committed transaction per
  event) with 1 and with 4 writer processes at once, median of the repeats, and the same through
  the raw driver (sqlite3 / psycopg, one INSERT + COMMIT each, same durability settings) as the
  peer, with the ratio ours / raw;
* events lost: acknowledged ids missing from the store, or present more than once (must be 0);
then how many forged and malformed browser messages were sent to the widgets' handlers, how many
were refused, and how many changed the store (must be 0). Figures only: no assertion on time.
"""
from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import queue
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hitl_widgets.store import AnnotationStore, _to_url  # noqa: E402


# ---------------------------------------------------------------------------- locations
def postgres_base() -> tuple[str | None, str]:
    url = os.environ.get("HITL_TEST_POSTGRES_URL")
    if url:
        return url, "HITL_TEST_POSTGRES_URL"
    try:
        out = subprocess.run(["bash", str(ROOT / "scripts/postgres.sh")], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"scripts/postgres.sh failed: {exc}"
    line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
    if out.returncode != 0 or "HITL_TEST_POSTGRES_URL=" not in line:
        return None, f"scripts/postgres.sh failed ({out.returncode}): {out.stderr.strip()[-300:]}"
    return line.split("=", 1)[1], "started by scripts/postgres.sh"


class Location:
    """A new, empty store per measurement: a SQLite file, or a PostgreSQL schema."""

    def __init__(self, backend: str, pg_base: str | None, tmp: Path):
        self.backend, self.pg_base, self.tmp = backend, pg_base, tmp
        self.schemas: list[str] = []

    def new(self) -> str:
        if self.backend == "sqlite":
            return str(self.tmp / f"{uuid.uuid4().hex[:8]}.db")
        import psycopg

        name = f"bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.pg_base, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        self.schemas.append(name)
        return f"{self.pg_base}{'&' if '?' in self.pg_base else '?'}options={quote(f'-csearch_path={name}')}"

    def cleanup(self) -> None:
        if self.schemas:
            import psycopg

            with psycopg.connect(self.pg_base, autocommit=True) as conn:
                for name in self.schemas:
                    conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


# ---------------------------------------------------------------------------- writers
def _store_writer(location: str, k: int, n: int, barrier, results) -> None:
    store = AnnotationStore(location, annotator=f"w{k}")
    store.record("warmup", k, {})  # connect and create the schema before the clock starts
    barrier.wait(120)
    t0 = time.perf_counter()
    ids = [store.record("bench", i, {"label": i % 10, "writer": k}) for i in range(n)]
    results.put((k, ids, t0, time.perf_counter()))


def _raw_writer(location: str, k: int, n: int, barrier, results) -> None:
    """The peer: the bare driver, one INSERT + COMMIT per event, the same durability settings."""
    if location.startswith("postgresql"):
        import psycopg

        conn = psycopg.connect(_to_url(location).replace("postgresql+psycopg://", "postgresql://"))
        sql = "INSERT INTO raw_events (item, payload) VALUES (%s, %s) RETURNING id"
    else:
        import sqlite3

        conn = sqlite3.connect(location, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        sql = "INSERT INTO raw_events (item, payload) VALUES (?, ?) RETURNING id"
    barrier.wait(120)
    t0 = time.perf_counter()
    ids = []
    for i in range(n):
        if location.startswith("postgresql"):
            ids.append(conn.execute(sql, (str(i), '{"label": 1}')).fetchone()[0])
            conn.commit()
        else:
            conn.execute("BEGIN")
            ids.append(conn.execute(sql, (str(i), '{"label": 1}')).fetchone()[0])
            conn.execute("COMMIT")
    results.put((k, ids, t0, time.perf_counter()))
    conn.close()


def create_raw_table(location: str) -> str:
    """The peer's table, created once before its writers start (concurrent CREATE TABLE IF NOT
    EXISTS races on PostgreSQL; the store serialises its own schema creation with a lock)."""
    if location.startswith("postgresql"):
        import psycopg

        with psycopg.connect(_to_url(location).replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute("CREATE TABLE raw_events (id SERIAL PRIMARY KEY, item TEXT, payload TEXT)")
    else:
        import sqlite3

        with sqlite3.connect(location) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE raw_events (id INTEGER PRIMARY KEY, item TEXT, payload TEXT)")
    return location


def run_writers(target, location: str, writers: int, n: int) -> tuple[float, list]:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["hitl_widgets.store", "psycopg", "sqlite3"])  # imports paid once
    barrier, results = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=target, args=(location, k, n, barrier, results)) for k in range(writers)]
    for p in procs:
        p.start()
    answers: list = []
    deadline = time.monotonic() + 600
    while len(answers) < writers:  # stop at once when a writer dies, instead of waiting out the barrier
        try:
            answers.append(results.get(timeout=0.5))
        except queue.Empty:
            failed = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if failed or time.monotonic() > deadline:
                for p in procs:
                    p.terminate()
                raise RuntimeError(f"a writer failed (exit codes {[p.exitcode for p in procs]})") from None
    for p in procs:
        p.join(60)
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError(f"a writer failed: exit codes {[p.exitcode for p in procs]}")
    start, end = min(a[2] for a in answers), max(a[3] for a in answers)
    return writers * n / (end - start), answers


def lost_events(location: str, answers: list, n: int) -> int:
    """Acknowledged events not in the store exactly once, with the payload written."""
    ev = AnnotationStore(location).events("bench")
    counts = ev["event_id"].value_counts()
    by_id = ev.drop_duplicates("event_id").set_index("event_id")
    lost = 0
    for k, ids, _, _ in answers:
        for i, eid in enumerate(ids):
            if counts.get(eid, 0) != 1 or by_id.loc[eid, "payload"] != {"label": i % 10, "writer": k}:
                lost += 1
    return lost + abs(len(ev) - sum(len(a[1]) for a in answers))


# ---------------------------------------------------------------------------- forgeries
def forged_messages(seed: int = 0, count: int = 2000):
    """Invalid-by-construction messages for ClassifyWidget and (if present) BBoxAnnotator."""
    import numpy as np

    from hitl_widgets.widgets.base import MAX_MESSAGE_BYTES
    from hitl_widgets.widgets.classify import ClassifyWidget

    logging.getLogger("hitl_widgets").setLevel(logging.ERROR)  # one warning per refusal otherwise
    rng = random.Random(seed)
    images = np.zeros((20, 40, 60), np.uint8)
    bad_ids = [10_000, -1, "0", "1", [0], {"id": 0}, None, True, 1.5, "x" * 300]
    bad_labels = [10, -1, "3", None, True, [1], {"l": 1}, 2.5, "x" * 5000]
    widgets = []
    store = AnnotationStore(":memory:", annotator="forger")
    widgets.append(("ClassifyWidget", ClassifyWidget(images, classes=list(range(10)), store=store)))
    try:
        from hitl_widgets.widgets.bbox import BBoxAnnotator

        widgets.append(("BBoxAnnotator", BBoxAnnotator(images, ["a", "b"], store=store)))
    except ImportError:
        pass

    def one(name: str) -> object:
        kind = rng.randrange(8)
        env = {"client": "forger", "seq": rng.randrange(1, 10**9)}
        if kind == 0:
            return rng.choice([None, 5, "label", ["label", 0], {}, {"type": rng.choice([1, None, [], {}])}])
        if kind == 1:
            return {**env, "type": rng.choice(["drop", "eval", "__init__", "_dispatch", "x" * 500, "LABEL"])}
        if kind == 2:
            return {**env, "type": "label", "item_id": 0, "label": 1, "blob": "y" * (MAX_MESSAGE_BYTES + rng.randrange(1, 10_000))}
        if kind == 3:
            bad_env = rng.choice([{}, {"client": "c"}, {"client": "", "seq": 1}, {"client": "c", "seq": "1"},
                                  {"client": "c", "seq": True}, {"client": "c" * 65, "seq": 1}])
            return {**bad_env, "type": "label" if name == "ClassifyWidget" else "add", "item_id": 0, "label": 1}
        if name == "ClassifyWidget":
            if kind in (4, 5):
                return {**env, "type": rng.choice(["label", "skip", "undo"]), "item_id": rng.choice(bad_ids), "label": 1}
            if kind == 6:
                return {**env, "type": "label", "item_id": rng.randrange(20), "label": rng.choice(bad_labels)}
            return {**env, "type": "label", "item_id": rng.randrange(20), "label": 1, "source": rng.choice(["oracle", "proposal", 3, None])}
        box = {"id": f"b{rng.randrange(10**6)}", "x": 1, "y": 1, "w": 5, "h": 5, "class": "a"}
        if kind in (4, 5):
            # a box wholly outside the image, of no size, or with a non-number (a box that only
            # sticks out of the image is clipped to it, and valid: not a forgery)
            field = rng.choice(["x", "y", "w", "h"])
            bad = [1e9, -1e9] if field in ("x", "y") else [-5, 0, -1e9]
            box[field] = rng.choice([*bad, "1", None, True, [1]])
            return {**env, "type": "add", "item_id": rng.randrange(20), "boxes": [box]}
        if kind == 6:
            return {**env, "type": "add", "item_id": rng.choice(bad_ids), "boxes": [box]}
        return {**env, "type": "add", "item_id": rng.randrange(20), "boxes": [{**box, "class": rng.choice(["z", 1, None])}]}

    tried = refused = 0
    for n in range(count):
        name, w = widgets[n % len(widgets)]
        replies: list = []
        w.send = lambda content, buffers=None, _r=replies: _r.append(content)
        w._dispatch(w, one(name), [])
        tried += 1
        refused += sum(1 for r in replies if r.get("type") == "refused")
    return tried, refused, len(store.events()), [name for name, _ in widgets]


# ---------------------------------------------------------------------------- report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer events and repeats")
    args = parser.parse_args()
    n_each, repeats = (100, 1) if args.quick else (200, 3)

    tmp = Path(tempfile.mkdtemp(prefix="hitl-reliability-"))
    pg_base, pg_note = postgres_base()
    backends = [("sqlite", "SQLite file (WAL, synchronous=FULL)")]
    if pg_base:
        backends.append(("postgresql", f"PostgreSQL ({pg_note})"))
    print(f"events per writer: {n_each}, repeats: {repeats} (median shown); one committed transaction per event")
    print()
    print(f"{'backend':<12} {'writers':>7} {'store ev/s':>11} {'raw driver ev/s':>16} {'ratio':>6} {'lost':>5}")
    total_lost = 0
    try:
        for backend, _ in backends:
            loc = Location(backend, pg_base, tmp)
            try:
                for writers in (1, 4):
                    ours, raw, lost = [], [], 0
                    for _ in range(repeats):
                        location = loc.new()
                        rate, answers = run_writers(_store_writer, location, writers, n_each)
                        ours.append(rate)
                        lost += lost_events(location, answers, n_each)
                        raw.append(run_writers(_raw_writer, create_raw_table(loc.new()), writers, n_each)[0])
                    total_lost += lost
                    o, r = statistics.median(ours), statistics.median(raw)
                    print(f"{backend:<12} {writers:>7} {o:>11.0f} {r:>16.0f} {o / r:>6.2f} {lost:>5}")
            finally:
                loc.cleanup()
        if not pg_base:
            print(f"{'postgresql':<12} missing: {pg_note}")
        print()
        for backend, what in backends:
            print(f"{backend}: {what}")
        print("ratio = store / raw driver (the peer: bare INSERT + COMMIT, same durability); < 1: the store is slower")
        print(f"events lost (all runs, all backends): {total_lost}  (must be 0)")
        tried, refused, stored, names = forged_messages(count=400 if args.quick else 2000)
        print(f"forged messages tried: {tried}, refused: {refused}, events they stored: {stored}  "
              f"(widgets: {', '.join(names)}; must be {tried} refused and 0 stored)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
