"""queue_positions refuses unordered queues: a set (hash order, which for str ids changes from run
to run) and a mapping (which would silently be its keys)."""
from __future__ import annotations

import pytest

from hitl_widgets.items import Items
from hitl_widgets.queue import resolve_queue

ITEMS = Items(["t1", "t2", "t3", "t4"], ids=["cat", "dog", "eel", "fox"])


@pytest.mark.parametrize("queue", [
    {"fox", "cat", "eel"},
    frozenset({"fox", "cat"}),
    {"fox": 1, "cat": 2},
    lambda: {"fox", "cat"},
])
def test_sets_and_mappings_are_refused(queue):
    with pytest.raises(ValueError, match=r"a queue is ordered: pass sorted\(\.\.\.\) or a list"):
        resolve_queue(queue, ITEMS)


def test_ordered_queues_still_pass():
    assert resolve_queue(sorted({"fox", "cat"}), ITEMS) == ["cat", "fox"]
    assert resolve_queue({"fox": 1, "cat": 2}.keys(), ITEMS) == ["fox", "cat"]  # a dict's keys keep their order
    assert resolve_queue(iter(["eel", "dog"]), ITEMS) == ["eel", "dog"]
