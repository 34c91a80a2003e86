"""Pool scoring on Dask: a 10M x 64 pool, 1 vs 2 local workers, against the single-process numpy path.

    python benchmarks/dask_pool.py [--quick] [--rows N] [--repeats 3]

The pool (float32, 64 features; --quick: 1M rows) is generated block by block from fixed seeds,
once in this process (for the numpy paths) and once on the workers (``persist``: the data lives
on the cluster before the clock starts, as a pool read from storage by the workers would). The
model is a multinomial LogisticRegression over 10 classes fitted on 2,000 rows. Timed (median of
--repeats after one untimed warm-up call each, the paths timed in turn, round after round): ``select(margin(predict_proba(pool)))`` in one process; ``score_pool(scheduler=None)``
(the same, partition by partition); ``score_pool`` on a LocalCluster of 1 and of 2 worker
processes (one thread each; spilling to disk off). Every path's top-k (k = 100, 1,000 labelled positions excluded) is
checked equal to the first's. Prints the times, the scaling ratio (1 worker / 2 workers) and how
many bytes come back from the workers (each partition's top-k) against the full score vector's.
OMP_NUM_THREADS=1 is set so that every path uses one core per process.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

D, CLASSES, K, BLOCK = 64, 10, 100, 250_000


def _block(block: np.ndarray, block_info=None) -> np.ndarray:
    """The pool's rows of this block: standard normal from a seed fixed by the block's start."""
    start = block_info[0]["array-location"][0][0] if block_info else 0
    return np.random.default_rng([7, start]).standard_normal(block.shape, dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1M rows instead of 10M")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    n = args.rows or (1_000_000 if args.quick else 10_000_000)

    import dask
    import dask.array as da
    from distributed import Client, LocalCluster, get_task_stream, wait
    from sklearn.linear_model import LogisticRegression

    from hitl_widgets.active import margin, select
    from hitl_widgets.active.adapters import SklearnAdapter
    from hitl_widgets.active.distributed import score_pool

    lazy = da.zeros((n, D), chunks=(BLOCK, D), dtype=np.float32).map_blocks(_block, dtype=np.float32)
    t0 = time.perf_counter()
    pool = lazy.compute(scheduler="sync")
    made = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    teacher = rng.normal(size=(D, CLASSES)).astype(np.float32)
    train = pool[:2000]
    y = (train @ teacher + rng.gumbel(size=(2000, CLASSES))).argmax(axis=1)
    model = SklearnAdapter(LogisticRegression(max_iter=300)).fit(train, y)
    exclude = np.arange(0, 2000, 2)
    print(f"pool {n:,} x {D} float32 ({pool.nbytes / 2**30:.2f} GiB, generated in {made:.1f} s), {len(lazy.chunks[0])} partitions "
          f"of {BLOCK:,} rows; model: LogisticRegression, {CLASSES} classes; k = {K}, {len(exclude)} labelled excluded; "
          f"{os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} at the start; median of {args.repeats}")

    paths = {
        "numpy, one process: select(margin(proba))": lambda: select(margin(model.predict_proba(pool)), K, exclude=exclude),
        "score_pool(scheduler=None), one process": lambda: score_pool(model, pool, K, exclude=exclude, partition_rows=BLOCK,
                                                                      progress=False)[0],
    }
    clients: dict[str, Any] = {}
    busy: dict[str, str] = {}
    config = {"distributed.worker.memory.spill": False, "distributed.worker.memory.target": False}
    with contextlib.ExitStack() as stack:
        stack.enter_context(dask.config.set(config))
        for workers in (1, 2):  # both clusters up at once, so that the paths can be timed in alternation
            cluster = stack.enter_context(LocalCluster(processes=True, n_workers=workers, threads_per_worker=1,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster, set_as_default=False))
            on_cluster = client.persist(lazy)
            with client.as_current():
                wait(on_cluster)  # generated on the workers before the clock starts
            name = f"score_pool on Dask, {workers} worker{'s' if workers > 1 else ''}"
            clients[name] = client
            paths[name] = lambda c=client, x=on_cluster: score_pool(model, x, K, exclude=exclude, scheduler=c, progress=False)[0]
        # each round times every path once, in turn: the load of a shared machine falls on all alike
        times: dict[str, list[float]] = {name: [] for name in paths}
        outputs: dict[str, np.ndarray] = {}
        for fn in paths.values():  # warm-up, untimed: the workers import scikit-learn and hitl_widgets
            fn()
        for _ in range(args.repeats):
            for name, fn in paths.items():
                with contextlib.ExitStack() as watch:
                    stream = watch.enter_context(get_task_stream(clients[name])) if name in clients else None
                    t0 = time.perf_counter()
                    outputs[name] = np.asarray(fn())
                    times[name].append(time.perf_counter() - t0)
                if stream is not None:  # how the last run's partitions were spread, and how busy each worker was
                    per: dict[str, list[float]] = {}
                    for task in stream.data:
                        per.setdefault(task["worker"], []).append(
                            sum(s["stop"] - s["start"] for s in task["startstops"] if s["action"] == "compute"))
                    busy[name] = "; ".join(f"worker {n}: {len(v)} partitions, computing {sum(v):.2f} s"
                                           for n, v in enumerate(per.values()))
    results = {name: (statistics.median(times[name]), outputs[name]) for name in paths}
    for name, (seconds, _) in results.items():
        print(f"  {name:<42} {seconds:7.2f} s   (each run: {', '.join(f'{t:.2f}' for t in times[name])})")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    for name, line in busy.items():
        print(f"  {name}, last run: {line}")

    reference = results["numpy, one process: select(margin(proba))"][1]
    for name, (_, idx) in results.items():
        if idx.tolist() != reference.tolist():
            raise SystemExit(f"top-k of {name!r} differs from the numpy path's")
    print(f"top-{K} equal on all {len(results)} paths")
    one, two = results["score_pool on Dask, 1 worker"][0], results["score_pool on Dask, 2 workers"][0]
    numpy_s = results["numpy, one process: select(margin(proba))"][0]
    print(f"scaling 1 -> 2 workers: {one / two:.2f}x (ideal 2.00x); 2 workers vs the numpy path: {numpy_s / two:.2f}x")
    parts = len(lazy.chunks[0])
    print(f"gathered from the workers: {parts} partitions x {K} x (score, position) = {parts * K * 16 / 1e3:.0f} kB; "
          f"the full score vector would be {n * 8 / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
