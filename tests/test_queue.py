"""queue.resolve_queue: which items are reviewed, in which order."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.items import Items
from hitl_widgets.queue import resolve_queue


@pytest.fixture
def items():
    return Items(["t0", "t1", "t2", "t3", "t4"])


@pytest.fixture
def named():
    return Items(["x", "y", "z"], ids=["a", 7, "c"])


def test_none_is_all_items_in_order(items, named):
    assert resolve_queue(None, items) == [0, 1, 2, 3, 4]
    assert resolve_queue(None, named) == ["a", 7, "c"]
    q = resolve_queue(None, items)
    q.append(99)  # a copy: changing it does not change the items
    assert items.ids == [0, 1, 2, 3, 4]


def test_list_keeps_the_given_order(items, named):
    assert resolve_queue([3, 0, 4], items) == [3, 0, 4]
    assert resolve_queue(("c", 7), named) == ["c", 7]
    assert resolve_queue(range(4, -1, -1), items) == [4, 3, 2, 1, 0]
    assert resolve_queue((i for i in [2, 1]), items) == [2, 1]  # any iterable


def test_numpy_array_of_ids_becomes_python_ints(items):
    q = resolve_queue(np.array([4, 1, 2], dtype=np.int64), items)
    assert q == [4, 1, 2]
    assert all(type(i) is int for i in q)
    q = resolve_queue(np.argsort([0.9, 0.1, 0.5, 0.3, 0.7]), items)  # e.g. uncertainty order
    assert q == [1, 3, 2, 4, 0] and all(type(i) is int for i in q)


def test_numpy_str_ids_become_python_strs(named):
    q = resolve_queue(np.array(["c", "a"]), named)
    assert q == ["c", "a"] and all(type(i) is str for i in q)


def test_pandas_index_or_series(items):
    assert resolve_queue(pd.Index([2, 0]), items) == [2, 0]
    assert resolve_queue(pd.Series([3, 1], index=["p", "q"]), items) == [3, 1]


def test_callable_is_called_each_time(items):
    calls = []

    def pick():
        calls.append(1)
        return [len(calls), 0]

    assert resolve_queue(pick, items) == [1, 0]
    assert resolve_queue(pick, items) == [2, 0]
    assert resolve_queue(lambda: np.array([4, 3]), items) == [4, 3]


@pytest.mark.parametrize(
    "queue, position, bad",
    [
        ([0, 99], 1, "99"),
        ([0, "1"], 1, "'1'"),  # ids are ints: "1" is not 1
        ([1.0], 0, "1.0"),  # 1.0 == 1, but it is not an id
        ([True], 0, "True"),  # True == 1, but it is not an id
        ([None], 0, "None"),
        ([2, [3]], 1, r"\[3\]"),
        (np.array([0.0, 1.0]), 0, "0.0"),
    ],
)
def test_unknown_ids_raise_naming_the_position(items, queue, position, bad):
    with pytest.raises(ValueError, match=rf"queue position {position}: unknown item id {bad}"):
        resolve_queue(queue, items)


def test_unknown_id_from_callable_raises(items):
    with pytest.raises(ValueError, match="unknown item id 'z'"):
        resolve_queue(lambda: ["z"], items)


def test_mixed_int_str_ids_are_told_apart(named):
    with pytest.raises(ValueError, match="unknown item id '7'"):
        resolve_queue(["7"], named)
    with pytest.raises(ValueError, match="unknown item id 1"):
        resolve_queue(["a", 1], named)


@pytest.mark.parametrize("queue, position", [([1, 2, 1], 2), ([0, 0], 1), (np.array([3, 4, 3]), 2)])
def test_duplicates_raise(items, queue, position):
    with pytest.raises(ValueError, match=rf"queue position {position}: .* queued twice"):
        resolve_queue(queue, items)


@pytest.mark.parametrize("empty", [[], (), np.array([], dtype=int), lambda: [], range(0)])
def test_empty_raises(items, empty):
    with pytest.raises(ValueError, match="empty"):
        resolve_queue(empty, items)


@pytest.mark.parametrize("bad", ["01", b"01", 3, 2.5, lambda: "ab", lambda: None])
def test_not_a_sequence_raises(items, bad):
    with pytest.raises(ValueError, match="queue must be a sequence"):
        resolve_queue(bad, items)
