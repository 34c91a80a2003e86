"""Pool scoring past one machine, on Dask: each partition scored and cut to its own top-k where it lives.

    from hitl_widgets.active.distributed import score_pool
    idx, scores = score_pool(model, pool, k=100, scheduler="tcp://scheduler:8786")

The pool is one of

* a **dask array** (one item per row; rechunked so only the first axis is split);
* a **list of file paths or URLs** (one item per file; ``loader(paths) -> X`` reads a partition's
  files on the worker; the default reads ``.npy`` files and images, through fsspec for URLs);
* a **Dask dataframe** (one item per row; the model gets each partition as a pandas DataFrame);
* a numpy array (or anything array-like): split into partitions of ``partition_rows``; with a
  scheduler it travels with the task graph on every call (the loop's :class:`PoolScorer` sends it
  once, with ``client.persist``; do the same to score one numpy pool many times).

How: the fitted model is sent to every worker once (``client.scatter(..., broadcast=True)``), not
with every task; ``map_blocks`` / ``map_partitions`` predict, score (the functions of
``hitl_widgets.active.strategies``) and cut each partition to its own top ``k`` on the worker; only
those ``k`` (score, position) pairs per partition come back, and are merged here: the full score
vector is never gathered. The result equals the single-process
``select(score(model.predict_proba(pool)), k, exclude)`` exactly: best first, ties to the lower
position. ``scheduler=None`` runs the same code partition by partition in this process.

Reliability:

* **NaN scores** are refused by default (``nan="raise"``: ``ValueError`` naming how many and the
  first pool position), since they mean a broken model or broken inputs; ``nan="last"`` ranks them
  after every number instead, as ``select`` does.
* an **empty pool** and a **model that returns the wrong number of rows** (or a score function the
  wrong number of scores) raise ``ValueError`` naming the pool positions of the partition.
* a **worker that dies** mid-scoring (after Dask's own retries, ``distributed.scheduler.allowed-failures``)
  raises :class:`PoolScoringError`; the unfinished tasks are cancelled, nothing was stored (scoring
  writes nothing), and calling again retries the whole scoring. A ``KeyboardInterrupt`` cancels the
  tasks the same way. An error of the code a task runs (the loader's ``FileNotFoundError``, the
  model's) cancels them too and propagates as itself: it is not the cluster's.

Dask is an optional extra (``pip install "hitl-widgets[dask]"``): this module imports it only when
a pool is scored on it. The workers need ``hitl_widgets`` (and the model's packages) installed.
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._progress import progress_bar
from ..coerce import check_int
from .cluster import check_scheduler, get_client
from .pool import PoolRows, pool_kind, row_slice
from .strategies import (
    RandomStrategy,
    ScoreStrategy,
    as_numpy,
    bald,
    check_proba,
    checked_proba,
    entropy,
    index_mask,
    least_confident,
    margin,
    select,
)

__all__ = ["score_pool", "get_client", "PoolScorer", "PoolScoringError", "SCORES"]

#: the score functions ``score=`` names (any callable ``proba -> (N,) scores`` works too)
SCORES: dict[str, Callable[[Any], Any]] = {"margin": margin, "entropy": entropy, "least_confident": least_confident, "bald": bald}

#: rows per partition when a numpy pool or a list of files is split here
PARTITION_ROWS = 100_000


class PoolScoringError(RuntimeError):
    """The cluster failed while scoring the pool (a worker died, the scheduler went away).

    Nothing was stored: calling again scores the pool again."""


# --------------------------------------------------------------------------- one partition (runs on a worker)
def _score_rows(adapter: Any, X: Any, n: int, score: Callable, mc: bool, mc_samples: int, where: str,
                item: Callable[[int], str]) -> np.ndarray:
    if n == 0:  # an empty partition: nothing to ask the model
        return np.empty(0)
    proba = adapter.mc_predict_proba(X, mc_samples) if mc else adapter.predict_proba(X)
    shape = np.shape(proba)
    rows = shape[1] if mc and len(shape) == 3 else (shape[0] if shape else 0)
    if rows != n:
        raise ValueError(f"the model returned {rows} rows of probabilities for the {n} pool items {where}")
    proba = as_numpy(proba)
    checked = proba.ndim == (3 if mc else 2)  # another shape (a binary P(positive)): the score checks it
    if checked:  # probabilities, named by pool position (a NaN row scores NaN: the nan= policy decides)
        check_proba(proba, item, mc=mc)
    with checked_proba(proba) if checked else contextlib.nullcontext():  # only what was checked skips it
        s = as_numpy(score(proba)).astype(np.float64, copy=False).ravel()
    if s.shape[0] != n:
        raise ValueError(f"the score function returned {s.shape[0]} scores for the {n} pool items {where}")
    return s


def _part_topk(s: np.ndarray, k: int, exclude_local: np.ndarray | None, nan: str, span: str,
               where: Callable[[int], str]) -> np.ndarray:
    """The part's top ``k`` as rows (score, local position), best first."""
    bad = np.isnan(s)
    if nan == "raise" and bad.any():
        raise ValueError(f"the model gave NaN scores to {int(bad.sum())} of the {len(s)} pool items {span} "
                         f"(the first: {where(int(np.flatnonzero(bad)[0]))}); "
                         'fix the model or its inputs, or pass nan="last" to rank them last')
    chosen = select(s, k, exclude=exclude_local if exclude_local is not None and len(exclude_local) else None)
    return np.stack([s[chosen], chosen.astype(np.float64)], axis=1)


def _array_block(block: np.ndarray, adapter: Any, k: int, exclude: np.ndarray, nan: str, score: Callable, mc: bool,
                 mc_samples: int, loader: Callable | None, files: bool, block_info: Any = None) -> np.ndarray:
    start = int(block_info[0]["array-location"][0][0]) if block_info else 0
    n = block.shape[0]
    X = block if loader is None or n == 0 else loader(list(block) if files else block)
    span = f"at positions {start}..{start + n - 1}"
    s = _score_rows(adapter, X, n, score, mc, mc_samples, span, lambda i: f"pool position {start + i}")
    out = _part_topk(s, k, _local(exclude, start, start + n), nan, span, lambda i: f"position {start + i}")
    out[:, 1] += start
    return out


def _frame_part(part: Any, adapter: Any, k: int, nan: str, score: Callable, mc: bool, mc_samples: int,
                loader: Callable | None, number: int, exclude_local: np.ndarray | None = None) -> Any:
    n = len(part)
    X = part if loader is None or n == 0 else loader(part)
    s = _score_rows(adapter, X, n, score, mc, mc_samples, f"of partition {number}",
                    lambda i: f"partition {number}, its row {i}, index {part.index[i]!r}")
    top = _part_topk(s, k, exclude_local, nan, f"of partition {number}", lambda i: f"its row {i}, index {part.index[i]!r}")
    # one extra row (local = -1) carries the partition's length, so positions follow without a second pass
    return pd.DataFrame({"score": np.append(top[:, 0], np.nan), "local": np.append(top[:, 1].astype(np.int64), -1),
                         "part": np.full(top.shape[0] + 1, number, dtype=np.int64), "n": np.full(top.shape[0] + 1, n, dtype=np.int64)})


def load_files(paths: Sequence[str]) -> np.ndarray:
    """The default ``loader``: each file one row, stacked (``.npy`` arrays, or images through PIL).

    Local paths are opened directly, URLs (``s3://``, ``gs://``, ``https://``…) through fsspec; a
    URL's query (a presigned one's signature) neither decides how it is read nor reaches an error.
    A missing object, one that cannot be read, and rows of different shapes are refused naming the file."""
    import io

    from PIL import Image

    from ..items import name_suffix
    from ..remote import Fetcher, is_url, redact_urls

    fetcher = Fetcher(concurrency=1, cache_bytes=0)
    rows, shown = [], []
    for path in paths:
        path = os.fspath(path)
        shown.append(redact_urls(path))
        if is_url(path):
            data = fetcher.get(path)  # ObjectNotFound / ValueError naming the URL, redacted
        else:
            with open(path, "rb") as f:
                data = f.read()
        npy = name_suffix(path) == ".npy"
        try:
            if npy:
                rows.append(np.load(io.BytesIO(data), allow_pickle=False))
            else:
                with Image.open(io.BytesIO(data)) as im:
                    rows.append(np.asarray(im.convert("RGB")))
        except Exception as exc:
            raise ValueError(f"pool file {shown[-1]}: cannot read it as {'a .npy array' if npy else 'an image'} "
                             f"({type(exc).__name__}: {redact_urls(str(exc))})") from None
        if rows[-1].shape != rows[0].shape:
            raise ValueError(f"pool file {shown[-1]} holds shape {rows[-1].shape}, {shown[0]} shape {rows[0].shape}: "
                             "the rows of a pool must have one shape (pass a loader= that resizes them)")
    return np.stack(rows) if rows else np.empty((0,))


# --------------------------------------------------------------------------- the pool
def _merge(parts: list[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.concatenate(parts) if parts else np.empty((0, 2))
    s, pos = rows[:, 0], rows[:, 1].astype(np.int64)
    nan = np.isnan(s)
    order = np.lexsort((pos, -np.where(nan, 0.0, s), nan))[:k]  # the numbers (-inf included), then NaN, each by position
    return pos[order], s[order]


def _fitted_adapter(model: Any) -> Any:
    from .adapters import as_adapter

    adapter = model if getattr(model, "_hitl_adapter", False) else as_adapter(model)
    if getattr(adapter, "model_", False) is None and hasattr(adapter, "estimator"):
        adapter.use_fitted(adapter.estimator)  # a fitted scikit-learn estimator given as it is
    return adapter


def score_pool(model: Any, pool: Any, k: int, *, score: str | Callable[[Any], Any] = "margin", exclude: Any = None,
               scheduler: Any = None, nan: str = "raise", loader: Callable[[list], Any] | None = None,
               partition_rows: int = PARTITION_ROWS, mc_samples: int = 20, progress: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most informative pool items: their positions (best first) and their scores.

    Args:
        model: a fitted adapter, or a fitted estimator / object with ``predict_proba``.
        pool: a dask array, a list of file paths/URLs, a Dask dataframe, or a numpy array (or its
            :class:`~hitl_widgets.active.pool.PoolRows`, whose frozen partitions a Dask dataframe's
            positions then follow).
        k: how many to return (fewer when fewer are left).
        score: "margin", "entropy", "least_confident", "bald" (``mc_predict_proba``), or a
            function ``proba -> scores`` (higher = more informative).
        exclude: pool positions never returned (the labelled items).
        scheduler: a ``dask.distributed`` Client, a scheduler address, "local", or None (this
            process, partition by partition).
        nan: "raise" (NaN scores are refused) or "last" (ranked after every number).
        loader: ``rows -> model input``, applied to each partition's rows before the model sees
            them (a list of files: ``paths -> model input``, default :func:`load_files`; a Dask
            dataframe: ``DataFrame -> model input``; an array: ``block -> model input``).
        partition_rows: rows per partition for a numpy pool or a list of files.
        progress: show a progress bar over the partitions.

    Raises ``ValueError`` for an empty pool, NaN scores (``nan="raise"``) and a model or score
    function that returns the wrong number of rows; :class:`PoolScoringError` when the cluster
    fails (see the module docstring).
    """
    if nan not in ("raise", "last"):
        raise ValueError(f'nan must be "raise" or "last", not {nan!r}')
    if isinstance(score, str):
        if score not in SCORES:
            raise ValueError(f"unknown score {score!r}; try one of {', '.join(SCORES)} or pass a function")
        score = SCORES[score]
    if not callable(score):
        raise TypeError(f"score must be a name or a function, not {type(score).__name__}")
    k, partition_rows = check_int("k", k, 0), check_int("partition_rows", partition_rows, 1)
    check_scheduler(scheduler)
    mc = score is bald
    rows = pool if isinstance(pool, PoolRows) else None
    pool = rows.pool if rows is not None else pool
    _refuse_pool_type(pool)
    loader = loader or (rows.loader if rows is not None else None)
    if isinstance(pool, pd.DataFrame) and scheduler is not None and len(pool):  # the model gets DataFrames, as here
        pool = _dask_frame(pool, partition_rows)
    kind = pool_kind(pool)
    if kind != "frame" and len(pool) == 0:
        raise ValueError("the pool is empty: nothing to score")
    if kind == "frame" and rows is None:
        rows = PoolRows(pool, scheduler=scheduler)
    adapter = _fitted_adapter(model)
    if mc and not hasattr(adapter, "mc_predict_proba"):
        raise ValueError(f'score="bald" needs Monte-Carlo samples: {type(adapter).__name__} has no mc_predict_proba')
    ex = _excluded(exclude, rows if rows is not None else PoolRows(pool))
    if k == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    if kind == "numpy" and scheduler is None:
        return _score_local(adapter, pool, k, ex, nan, score, mc, mc_samples, partition_rows, progress, loader)
    if kind == "files":
        loader = loader or load_files
    if kind == "frame":
        assert rows is not None
        return _score_frame(adapter, rows, k, ex, nan, score, mc, mc_samples, scheduler, progress, loader)
    import dask.array as da

    if kind == "array":
        x = pool.rechunk({i: -1 for i in range(1, pool.ndim)}) if pool.ndim > 1 else pool
    elif kind == "files":
        x = da.from_array(np.asarray([os.fspath(p) for p in pool], dtype=object), chunks=partition_rows)
    else:
        arr = as_numpy(pool)
        x = da.from_array(arr, chunks=(partition_rows,) + arr.shape[1:])
    if x.shape[0] == 0:
        raise ValueError("the pool is empty: nothing to score")
    starts = np.concatenate([[0], np.cumsum(x.chunks[0])])
    out_rows = tuple(int(min(k, b - len(_local(ex, s, e))))
                     for s, e, b in zip(starts[:-1], starts[1:], x.chunks[0]))
    axes: dict[str, Any] = {"new_axis": [1]} if x.ndim == 1 else ({"drop_axis": list(range(2, x.ndim))} if x.ndim > 2 else {})
    return _run(scheduler, adapter, progress, "scoring the pool", lambda model_ref: list(x.map_blocks(
        _array_block, model_ref, k, ex, nan, score, mc, mc_samples, loader, kind == "files",
        dtype=np.float64, chunks=(out_rows, (2,)), **axes).to_delayed().ravel()), k)


def _dask_frame(frame: pd.DataFrame, partition_rows: int) -> Any:
    """A pandas pool as a Dask dataframe, its rows in pool order, its column types kept."""
    import dask
    import dask.dataframe as dd

    plain_index = frame.reset_index(drop=True) if isinstance(frame.index, pd.MultiIndex) else frame
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(plain_index, chunksize=partition_rows, sort=False)


def _refuse_pool_type(pool: Any) -> None:
    """A pool given as one name or as a mapping: refused (it would be scored as something else)."""
    if isinstance(pool, (str, bytes, os.PathLike)):
        raise TypeError(f"pool is one name ({str(pool)[:80]!r}): pass a list of file paths or URLs (a glob's: "
                        "hitl_widgets.remote.expand([pattern]))")
    if isinstance(pool, Mapping):
        raise TypeError("pool is a mapping: pass an array, a list of file paths or URLs, or a Dask dataframe or array")


def _excluded(exclude: Any, rows: PoolRows) -> np.ndarray:
    """``exclude`` (pool positions, or a boolean mask of the pool) as sorted positions, checked as
    ``select`` checks it: a negative, out-of-range or fractional position is refused, never
    read as another item (a Dask dataframe's length is read for it, once)."""
    if exclude is None:
        return np.empty(0, dtype=np.int64)
    if not len(as_numpy(exclude).ravel()):
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(index_mask(len(rows), exclude, "exclude")).astype(np.int64)


def _score_frame(adapter: Any, rows: PoolRows, k: int, ex: np.ndarray, nan: str, score: Callable, mc: bool, mc_samples: int,
                 scheduler: Any, progress: bool, loader: Callable | None) -> tuple[np.ndarray, np.ndarray]:
    from dask import delayed

    starts = rows.starts() if len(ex) else None  # read for the check of ex (_excluded): each partition drops its own
    meta = pd.DataFrame({"score": pd.Series(dtype="f8"), "local": pd.Series(dtype="i8"), "part": pd.Series(dtype="i8"),
                         "n": pd.Series(dtype="i8")})

    def parts(model_ref: Any) -> list:  # the partitions the pool's rows are read from (PoolRows.parts)
        return [delayed(_frame_part)(part, model_ref, k, nan, score, mc, mc_samples, loader, number,
                                     None if starts is None else _local(ex, starts[number], starts[number + 1]))
                for number, part in enumerate(rows.parts())]

    frames: list[Any] = []
    _run(scheduler, adapter, progress, "scoring the pool", parts, k, collect=frames)
    tops = pd.concat(frames, ignore_index=True) if frames else meta
    lengths = tops[tops["local"] < 0].set_index("part")["n"].sort_index()
    if int(lengths.sum()) == 0:
        raise ValueError("the pool is empty: nothing to score")
    offsets = pd.Series(np.concatenate([[0], np.cumsum(lengths.to_numpy())[:-1]]), index=lengths.index)
    tops = tops[tops["local"] >= 0]
    pos = offsets.reindex(tops["part"]).to_numpy() + tops["local"].to_numpy()
    return _merge([np.stack([tops["score"].to_numpy(), pos.astype(np.float64)], axis=1)], k)  # each part dropped its own ex


def _local(ex: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The sorted positions ``ex`` in ``start .. stop - 1``, from ``start``."""
    lo, hi = np.searchsorted(ex, [start, stop])
    return ex[lo:hi] - start


def _run(scheduler: Any, adapter: Any, progress: bool, desc: str, build: Callable[[Any], list], k: int,
         collect: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Compute the per-partition top-k tasks ``build(model)`` makes; merge them (or hand the parts
    to ``collect``). The model goes to every worker once; tasks are cancelled on any failure."""
    parts: list[Any] = []
    if scheduler is None:  # this process, one partition at a time (dask's synchronous scheduler)
        import dask

        tasks = build(adapter)
        with progress_bar(len(tasks), desc, progress, unit="part") as bar:
            for task in tasks:
                parts.append(dask.compute(task, scheduler="sync")[0])
                bar.update(1)
    else:
        from distributed import as_completed

        client = get_client(scheduler)
        futures: list[Any] = []
        future = None
        try:
            model_ref = client.scatter(adapter, broadcast=True, hash=False)
            futures = client.compute(build(model_ref))
            with progress_bar(len(futures), desc, progress, unit="part") as bar:
                for future in as_completed(futures, loop=client.loop):
                    parts.append(future.result())
                    bar.update(1)
        except BaseException as exc:
            raised_by_task = future is not None and future.status == "error"  # before the cancel changes it
            client.cancel(futures)
            if _cluster_failure(exc, raised_by_task):
                raise PoolScoringError(
                    f"the Dask cluster failed while scoring the pool ({type(exc).__name__}: {exc}); "
                    "nothing was stored: call again to retry") from exc
            raise
    if collect is not None:
        collect.extend(parts)
        return np.empty(0, dtype=np.int64), np.empty(0)
    return _merge(parts, k)


def _cluster_failure(exc: BaseException, raised_by_task: bool) -> bool:
    """Whether ``exc`` means the cluster failed (retrying may work), not the scoring code.

    A task's own error (the loader's ``FileNotFoundError``, a model's ``ConnectionError``) is the
    user's: only ``KilledWorker`` among them is the cluster's. Raised outside a task (scatter, the
    scheduler's comms, gathering a result), ``CommClosedError`` and ``OSError`` (``ConnectionError``,
    ``TimeoutError``, "timed out trying to connect") are."""
    from distributed import KilledWorker
    from distributed.comm import CommClosedError

    if isinstance(exc, KilledWorker):
        return True
    return not raised_by_task and isinstance(exc, (CommClosedError, OSError))


def _score_local(adapter: Any, pool: Any, k: int, ex: np.ndarray, nan: str, score: Callable, mc: bool, mc_samples: int,
                 partition_rows: int, progress: bool, loader: Callable | None) -> tuple[np.ndarray, np.ndarray]:
    """The single-process path: the same partition code over slices, no dask needed."""
    n = len(pool)
    parts = []
    with progress_bar(-(-n // partition_rows), "scoring the pool", progress, unit="part") as bar:
        for start in range(0, n, partition_rows):
            block = row_slice(pool, start, start + partition_rows)
            parts.append(_array_block(block, adapter, k, ex, nan, score, mc, mc_samples, loader, False,
                                      block_info={0: {"array-location": [(start, start + len(block))]}}))
            bar.update(1)
    return _merge(parts, k)


# --------------------------------------------------------------------------- the loop's strategy
class PoolScorer:
    """The strategy of ``ActiveLearningLoop(..., scheduler=...)``: query by :func:`score_pool` on
    Dask instead of predicting the whole pool in this process (random before the first model).

    ``score`` is a score name or function; the loop builds one from its ``strategy`` (a score
    strategy: "margin", "entropy", "least_confident", "bald" or ``ScoreStrategy`` without density).
    A numpy pool is sent to the cluster once (``persist``) and reused every round; a pandas one as a
    Dask dataframe in pool order (so a ``loader`` gets DataFrames on the workers as in the kernel;
    a MultiIndex becomes a plain one there). A pool changed in place is not sent again: make a new one.
    ``last_batch_proba`` holds the probabilities of the last batch (the loop's proposals).
    """

    scores_pool = True
    needs_embeddings = False

    def __init__(self, score: Any = "margin", scheduler: Any = "local", *, nan: str = "raise", loader: Callable | None = None,
                 partition_rows: int = PARTITION_ROWS, progress: bool = True):
        self.score = score
        self.name = score if isinstance(score, str) else getattr(score, "__name__", "score")
        self.needs_mc = score in ("bald", bald)
        self.scheduler, self.nan, self.loader = scheduler, nan, loader
        self.partition_rows, self.progress = int(partition_rows), progress
        self.last_batch_proba: np.ndarray | None = None
        self._persisted: tuple[Any, Any] | None = None

    @classmethod
    def from_strategy(cls, strategy: Any, scheduler: Any, **kwargs: Any) -> PoolScorer:
        if isinstance(strategy, PoolScorer):
            return strategy
        if isinstance(strategy, str) and strategy in SCORES:
            return cls(strategy, scheduler, **kwargs)
        if isinstance(strategy, ScoreStrategy) and not strategy.density_beta:
            return cls(strategy.score, scheduler, **kwargs)
        raise ValueError(f"scheduler= scores the pool on Dask with a score strategy ({', '.join(SCORES)}, or "
                         f"ScoreStrategy(fn)); {strategy!r} needs the whole pool's probabilities in one process")

    def __repr__(self) -> str:
        return f"PoolScorer({self.name!r}, scheduler={self.scheduler!r})"

    def __call__(self, model_proba: Any, embeddings: Any, labelled_idx: Any, k: int, rng: Any = None) -> np.ndarray:
        """In this process, from probabilities already computed (as ``ScoreStrategy``)."""
        return ScoreStrategy(SCORES.get(self.score, self.score) if isinstance(self.score, str) else self.score)(
            model_proba, embeddings, labelled_idx, k, rng)

    def _pool(self, pool: Any) -> Any:
        if pool_kind(pool) != "numpy" or self.scheduler is None:
            return pool
        if self._persisted is None or self._persisted[0] is not pool:  # (held, so its id is never reused)
            client = get_client(self.scheduler)
            if isinstance(pool, pd.DataFrame):  # as a Dask dataframe, rows in pool order: the model gets DataFrames
                self._persisted = (pool, PoolRows(client.persist(_dask_frame(pool, self.partition_rows)), scheduler=self.scheduler))
            else:
                import dask.array as da

                arr = as_numpy(pool)
                self._persisted = (pool, client.persist(da.from_array(arr, chunks=(self.partition_rows,) + arr.shape[1:])))
        return self._persisted[1]

    def query(self, adapter: Any, pool: Any, labelled_idx: Any, k: int, rng: Any = None, *, n: int | None = None) -> np.ndarray:
        """Positions of the next ``k`` items (``adapter`` None: no model yet, so random). ``pool`` is
        the pool or its :class:`~hitl_widgets.active.pool.PoolRows` (which reads the batch's rows)."""
        self.last_batch_proba = None
        rows = pool if isinstance(pool, PoolRows) else PoolRows(pool, self._loader_for(pool), self.scheduler)
        if adapter is None:
            return RandomStrategy()(None, None, labelled_idx, k, rng, n=len(rows) if n is None else n)
        idx, _ = score_pool(adapter, rows if rows.kind == "frame" else self._pool(rows.pool), k, score=self.score, exclude=labelled_idx, scheduler=self.scheduler,
                            nan=self.nan, loader=rows.loader or self.loader, partition_rows=self.partition_rows,
                            progress=self.progress)
        if len(idx):
            self.last_batch_proba = as_numpy(adapter.predict_proba(rows.take(idx)))
        return idx

    def _loader_for(self, pool: Any) -> Callable | None:
        return self.loader or (load_files if pool_kind(pool) == "files" else None)
