"""What the loops read of a pool in this process: its kind, its length and a few rows by position.

A Dask collection is never computed whole here. A dask array's length comes from its chunks and a
Dask dataframe's from one pass of partition lengths (kept); rows are computed from the partitions
that hold them, only those rows coming back (on the cluster when a scheduler is given). A list of
file paths or URLs reaches the model through ``loader`` (``paths -> model input``).

Example:
    >>> import numpy as np
    >>> rows = PoolRows(np.arange(12).reshape(6, 2))
    >>> len(rows), rows.take([4, 1]).tolist()
    (6, [[8, 9], [2, 3]])
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import to_numpy
from ..items import LazyRows

__all__ = ["PoolRows", "is_empty_pool", "pool_kind", "row_slice", "take_rows"]


def pool_kind(pool: Any) -> str:
    """"frame" (a Dask dataframe), "array" (a dask array), "files" (a list of paths/URLs) or "numpy"
    (anything else: arrays, tensors, pandas).

    Example:
        >>> pool_kind(["a.png", "b.png"]), pool_kind(np.zeros((2, 3)))
        ('files', 'numpy')
    """
    mod = type(pool).__module__.split(".")[0]
    if mod in ("dask", "dask_expr") and hasattr(pool, "map_partitions") and hasattr(pool, "columns"):
        return "frame"
    if mod == "dask" and hasattr(pool, "map_blocks"):
        return "array"
    if isinstance(pool, (list, tuple)) and pool and all(isinstance(p, (str, os.PathLike)) for p in pool):
        return "files"
    return "numpy"


def is_empty_pool(pool: Any) -> bool:
    """Whether a pool has no rows, read without computing it (a Dask collection is never read here).

    Example:
        >>> is_empty_pool(np.zeros((0, 4))), is_empty_pool([]), is_empty_pool([[1.0]])
        (True, True, False)
    """
    if hasattr(pool, "dask"):
        return False
    shape = getattr(pool, "shape", None)
    if shape is not None and len(shape):
        return shape[0] == 0
    return hasattr(pool, "__len__") and len(pool) == 0


def take_rows(X: Any, idx: np.ndarray) -> Any:
    """Rows ``idx`` of an array, tensor, DataFrame or list (in memory).

    Example:
        >>> take_rows(["a", "b", "c"], np.array([2, 0]))
        ['c', 'a']
    """
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[idx]
    if isinstance(X, (list, tuple)):
        return [X[i] for i in idx.tolist()]
    if type(X).__module__.split(".")[0] == "torch":
        import torch

        return X[torch.as_tensor(idx, dtype=torch.long)]
    return X[idx]


def row_slice(X: Any, start: int, stop: int) -> Any:
    """Rows ``start:stop`` of an array, tensor, list or pandas object, by position: a pandas object's
    ``X[start:stop]`` slices by label under pandas 2 when its index holds floats.

    Example:
        >>> row_slice(pd.DataFrame({"a": [1, 2, 3]}, index=[0.5, 1.0, 1.5]), 0, 2)["a"].tolist()
        [1, 2]
    """
    if isinstance(X, (pd.DataFrame, pd.Series)):
        return X.iloc[start:stop]
    return X[start:stop]


def _local_rows(part: pd.DataFrame, local: np.ndarray) -> pd.DataFrame:
    """Rows ``local`` of one partition (runs where the partition lives)."""
    return part.iloc[local]


class PoolRows:
    """A pool as the loop reads it: ``len``, ``take(positions)`` (what the model is given) and
    ``row(n)`` (one row as it is, for showing it).

    Args:
        pool: an array, tensor, pandas or Dask dataframe, dask array, or a list of file paths/URLs.
        loader: ``rows -> model input``, applied to what ``take`` gives the model (for a list of
            files: the default of ``score_pool`` reads ``.npy`` files and images).
        scheduler: where a Dask collection's rows are computed (a Client, an address, "local");
            None: dask's default scheduler in this process.

    Example:
        >>> rows = PoolRows(["x.npy", "y.npy"], loader=lambda paths: [p.upper() for p in paths])
        >>> rows.take([1]), rows.row(1)
        (['Y.NPY'], 'y.npy')
    """

    def __init__(self, pool: Any, loader: Callable[[Any], Any] | None = None, scheduler: Any = None):
        if loader is not None and not callable(loader):
            raise TypeError(f"loader must be a function rows -> model input, not {type(loader).__name__}")
        self.pool, self.loader, self.scheduler = pool, loader, scheduler
        self.kind = pool_kind(pool)
        self._starts: np.ndarray | None = None  # a Dask dataframe's partition starts, and its length last
        self._parts: list[Any] | None = None  # a Dask dataframe's partitions, frozen once

    def __len__(self) -> int:
        if self.kind == "frame":
            return int(self.starts()[-1])
        if self.kind == "array":
            n = self.pool.shape[0]
            if np.isnan(n):
                raise ValueError("the dask array's length is unknown (chunks of unknown size): call "
                                 "pool.compute_chunk_sizes() first")
            return int(n)
        return len(self.pool)

    def parts(self) -> list[Any]:
        """A Dask dataframe's partitions as ``dask.delayed`` objects, made once: its lengths, the rows
        taken from it and its scores all read these, so they agree on where each row is (dask's
        optimiser may split or fuse the partitions of different computations on one dataframe
        differently: a column selection of ``read_parquet`` fuses files)."""
        if self._parts is None:
            self._parts = list(self.pool.to_delayed())
        return self._parts

    def starts(self) -> np.ndarray:
        """A Dask dataframe's partition starts, then its length (one pass over it, kept)."""
        if self._starts is None:
            from dask import delayed

            lengths = np.asarray(self.compute_all([delayed(len)(p) for p in self.parts()]), dtype=np.int64)
            self._starts = np.concatenate([[0], np.cumsum(lengths)])
        return self._starts

    def raw(self, idx: Any) -> Any:
        """Rows ``idx`` as they are in the pool (for a Dask collection: computed, in ``idx`` order)."""
        idx = np.asarray(idx, dtype=np.int64).ravel()
        if self.kind == "array":
            return np.asarray(self.compute_all([self.pool[idx]])[0])
        if self.kind == "frame":
            return self._frame_rows(idx)
        return take_rows(self.pool, idx)

    def take(self, idx: Any) -> Any:
        """Rows ``idx`` as the model reads them (through ``loader`` when there is one)."""
        rows = self.raw(idx)
        return self.loader(rows) if self.loader is not None else rows

    def whole(self) -> Any:
        """The whole pool as the model reads it (a file list through ``loader``): for a model that
        predicts every row in this process."""
        if self.loader is None:
            return self.pool
        return self.loader(list(self.pool) if self.kind == "files" else self.pool)

    def row(self, n: int) -> Any:
        """Row ``n`` as it is (a DataFrame row as a Series)."""
        rows = self.raw([n])
        return rows.iloc[0] if isinstance(rows, pd.DataFrame) else rows[0]

    def _frame_rows(self, idx: np.ndarray) -> pd.DataFrame:
        starts = self.starts()
        n = int(starts[-1])
        if len(idx) and (idx.min() < 0 or idx.max() >= n):
            bad = int(idx[(idx < 0) | (idx >= n)][0])
            raise IndexError(f"pool index {bad} out of range (pool size {n})")
        if not len(idx):
            return self.pool._meta
        from dask import delayed

        part = np.searchsorted(starts, idx, side="right") - 1
        numbers = np.unique(part)
        order = np.argsort(part, kind="stable")  # the rows come back partition by partition
        parts = self.parts()
        picked = pd.concat(self.compute_all([delayed(_local_rows)(parts[p], idx[part == p] - starts[p]) for p in numbers]))
        return picked.iloc[np.argsort(order, kind="stable")]

    def compute_all(self, tasks: list[Any]) -> list[Any]:
        """Compute dask collections or ``dask.delayed`` tasks together, on ``scheduler`` when there is one."""
        if self.scheduler is None:
            import dask

            return list(dask.compute(*tasks))
        from .cluster import get_client

        client = get_client(self.scheduler)
        return list(client.gather(client.compute(tasks)))


class PoolView(LazyRows):
    """What the human sees of a Dask pool when no ``items=`` is given: its rows, each computed when it
    is shown (images for a dask array of images, else each row's values as a short text).

    Example:
        >>> import dask.array as da
        >>> view = PoolView(PoolRows(da.from_array(np.eye(3), chunks=2)))
        >>> len(view), view.kind, view[1]
        (3, 'text', 'row 1: 0, 1, 0')
    """

    def __init__(self, rows: PoolRows):
        self.rows = rows
        self.kind = "image" if rows.kind == "array" and rows.pool.ndim in (3, 4) else "text"
        self._names = [str(c) for c in rows.pool.columns] if rows.kind == "frame" else None
        self._n = len(rows)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, n: int) -> Any:  # type: ignore[override]
        row = self.rows.row(int(n))
        if self.kind == "image":
            return np.asarray(row)
        return row_text(int(n), to_numpy(row) if not isinstance(row, pd.Series) else row.to_numpy(), self._names)


def row_text(n: int, row: np.ndarray, names: Sequence[str] | None = None) -> str:
    """A pool row as a short text: its first 12 values (named when the pool has columns).

    Example:
        >>> row_text(3, np.array([0.125, 4.5]), ["a", "b"])
        'row 3: a=0.125, b=4.5'
    """
    values = [f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v) for v in row[:12]]
    if names is not None:
        values = [f"{k}={v}" for k, v in zip(names, values)]
    more = f", ... ({len(row) - 12} more)" if len(row) > 12 else ""
    return f"row {n}: " + ", ".join(values) + more
