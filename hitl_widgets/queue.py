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
"""
from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence

import numpy as np

from .coerce import is_item_id, plain
from .items import Items

QueueSpec = None | Sequence[Hashable] | np.ndarray | Callable[[], Sequence[Hashable]]


def resolve_queue(queue: QueueSpec, items: Items) -> list[Hashable]:
    """Turn a queue spec into a validated list of item ids (all known, no repeats)."""
    if queue is None:
        return list(items.ids)
    if callable(queue):
        queue = queue()
    if isinstance(queue, (str, bytes)) or not isinstance(queue, Iterable):
        raise ValueError(
            f"queue must be a sequence of item ids (or a callable returning one), not {type(queue).__name__}"
        )
    ids = [plain(q) for q in queue]
    seen: set = set()
    for n, i in enumerate(ids):
        if not is_item_id(i) or i not in items:
            raise ValueError(f"queue position {n}: unknown item id {i!r}")
        if i in seen:
            raise ValueError(f"queue position {n}: item id {i!r} is queued twice")
        seen.add(i)
    if not ids:
        raise ValueError("the queue is empty: nothing to review")
    return ids
