"""Which item comes next: a fixed order of ids, or a callable that returns one.

Strategies (active learning, disagreement, a confusion-matrix cell, a subgroup) all end up
here as an ordered list of item ids.

Example:
    >>> from hitl_widgets.items import Items
    >>> items = Items(["a", "b", "c"])
    >>> resolve_queue([2, 0], items)
    [2, 0]
    >>> resolve_queue(lambda: [1], items)
    [1]
    >>> queue_positions(["c", "a"], Items(["a", "b", "c"], ids=["a", "b", "c"])).tolist()
    [2, 0]
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence

import numpy as np

from .coerce import is_item_id, plain, refuse_unordered
from .items import Items

QueueSpec = None | Sequence[Hashable] | np.ndarray | Callable[[], Sequence[Hashable]]


def position_dtype(n: int) -> type[np.signedinteger]:
    """The integer type that holds positions 0..n (and -1): 4 bytes each below 2**31 items."""
    return np.int32 if n < 2**31 - 1 else np.int64


def resolve_queue(queue: QueueSpec, items: Items) -> list[Hashable]:
    """Turn a queue spec into a validated list of item ids (all known, no repeats)."""
    return [items.ids[p] for p in queue_positions(queue, items).tolist()]


def queue_positions(queue: QueueSpec, items: Items) -> np.ndarray:
    """A queue spec as the positions of its ids in ``items`` (a compact integer array, 4 bytes an
    item), validated as ``resolve_queue`` does: every id known, none twice, at least one. ``None``
    is every item in order; an integer array over the default ids 0..N-1 is checked without a
    Python object per item."""
    dtype = position_dtype(len(items))
    if queue is None:
        return np.arange(len(items), dtype=dtype)
    if callable(queue):
        queue = queue()
    if hasattr(queue, "_positions_in") and queue._positions_in(items) is not None:  # a widget's own order
        return np.array(queue._positions_in(items), dtype=dtype)
    if isinstance(queue, (str, bytes)) or not isinstance(queue, Iterable):
        raise ValueError(
            f"queue must be a sequence of item ids (or a callable returning one), not {type(queue).__name__}"
        )
    refuse_unordered(queue, "queue")
    from .items import RangeIds, _RangeIndex

    if isinstance(queue, RangeIds) and isinstance(items._index, _RangeIndex):  # items.ids itself, or a prefix
        if len(queue) > len(items):
            raise ValueError(f"queue position {len(items)}: unknown item id {len(items)!r}")
        positions = np.arange(len(queue), dtype=dtype)
    elif isinstance(queue, np.ndarray) and queue.ndim == 1 and queue.dtype.kind in "iu" and isinstance(items._index, _RangeIndex):
        positions = queue.astype(dtype, copy=True)
        bad = (positions < 0) | (positions >= len(items)) | (queue < 0) | (queue >= len(items))
        if bad.any():
            n = int(np.argmax(bad))
            raise ValueError(f"queue position {n}: unknown item id {plain(queue[n])!r}")
    else:
        queue = list(queue) if not isinstance(queue, Sequence) else queue
        positions = np.empty(len(queue), dtype=dtype)
        index = items._index
        for n, q in enumerate(queue):
            i = plain(q)
            p = index.get(i) if is_item_id(i) else None
            if p is None:
                raise ValueError(f"queue position {n}: unknown item id {i!r}")
            positions[n] = p
    if not len(positions):
        raise ValueError("the queue is empty: nothing to review")
    _refuse_repeats(positions, items)
    return positions


def _refuse_repeats(positions: np.ndarray, items: Items) -> None:
    """Raise naming the first queue position whose id came before (vectorised: no set of ids)."""
    by_item = np.argsort(positions, kind="stable")
    repeat = positions[by_item[1:]] == positions[by_item[:-1]]
    if repeat.any():
        n = int(by_item[1:][repeat].min())
        raise ValueError(f"queue position {n}: item id {items.ids[int(positions[n])]!r} is queued twice")
