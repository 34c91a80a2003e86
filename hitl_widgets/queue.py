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

from typing import Callable, Hashable, Iterable, Sequence, Union

import numpy as np

from .items import Items

QueueSpec = Union[None, Sequence[Hashable], np.ndarray, Callable[[], Sequence[Hashable]]]


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
    ids = [q.item() if hasattr(q, "item") and not isinstance(q, (str, bytes)) else q for q in queue]
    ids = [str(i) if isinstance(i, str) else i for i in ids]  # numpy.str_ -> str
    seen: set = set()
    for n, i in enumerate(ids):
        if isinstance(i, bool) or not isinstance(i, (int, str)) or i not in items:
            raise ValueError(f"queue position {n}: unknown item id {i!r}")
        if i in seen:
            raise ValueError(f"queue position {n}: item id {i!r} is queued twice")
        seen.add(i)
    if not ids:
        raise ValueError("the queue is empty: nothing to review")
    return ids
