"""Queues of millions: the order stays in the kernel (compact arrays), the view gets windows of it.

ReviewWidget keeps the queue as the positions of its ids in Items (``_queue``), the inverse
(``_where``) and a done flag per place (``_done_at``); ``w.order`` is a ``QueueOrder`` over them;
the synced state holds only ``order_window`` (the ids around the position, the total, a version)
and the browser asks for other windows with ``{"type": "order", "start", "count"}`` or
``{"type": "order", "find": id}``.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from hitl_widgets import ClassifyWidget
from hitl_widgets.items import Items, RangeIds, _RangeIndex
from hitl_widgets.queue import queue_positions, resolve_queue
from hitl_widgets.store import AnnotationStore
from hitl_widgets.widgets.base import MAX_ORDER_WINDOW, SYNC_WINDOW, QueueOrder


def mem() -> AnnotationStore:
    return AnnotationStore(":memory:", annotator="ada")


def _strided(n: int) -> np.ndarray:
    """n distinct 4x4 grey images in n + 16 bytes (item i is the bytes from i on)."""
    buf = np.random.default_rng(0).integers(0, 256, n + 16, dtype=np.uint8)
    return np.lib.stride_tricks.as_strided(buf, shape=(n, 4, 4, 1), strides=(1, 4, 1, 1))


def _wire(w):
    sent: list[dict] = []
    w.send = lambda content, buffers=None: sent.append(content)

    def ask(**fields):
        w._dispatch(w, {"type": "order", **fields}, [])
        return sent[-1]

    return ask


@pytest.fixture
def big():
    return ClassifyWidget(_strided(100_000), classes=["a", "b"], store=mem())


def test_the_synced_state_holds_a_window_not_the_order(big):
    state = big.get_state()
    assert "order" not in state
    window = state["order_window"]
    assert window["total"] == 100_000 and window["start"] == 0 and window["ids"] == list(range(SYNC_WINDOW))
    assert len(json.dumps(window)) < 4_000  # the old `order` trait: ~590 kB of JSON
    assert len(json.dumps(state, default=str)) < 100_000  # the whole state, the view's code (_esm, _css) included


def test_a_short_queue_is_synced_whole():
    w = ClassifyWidget(["x", "y", "z"], classes=["a"], store=mem(), queue=[2, 0])
    assert w.order_window == {"version": w.order_window["version"], "total": 2, "start": 0, "ids": [2, 0]}


def test_long_ids_make_the_synced_window_shorter():
    ids = [f"{n:04d}-" + "x" * 400 for n in range(2000)]
    w = ClassifyWidget(Items(_strided(2000), ids=ids), classes=["a"], store=mem())
    window = w.order_window
    assert 16 <= len(window["ids"]) < SYNC_WINDOW and len(json.dumps(window)) <= 32 * 1024
    assert window["ids"] == ids[: len(window["ids"])]


def test_windows_at_the_edges(big):
    ask = _wire(big)
    first = ask(start=0, count=256)
    assert first["ids"] == list(range(256)) and first["total"] == 100_000 and first["version"] == big.order_window["version"]
    assert ask(start=99_900, count=256)["ids"] == list(range(99_900, 100_000))  # the last window is short
    assert ask(start=99_999, count=1)["ids"] == [99_999]
    assert ask(start=100_000, count=10)["ids"] == []  # at or past the end: no ids, not a refusal
    assert ask(start=2**53, count=MAX_ORDER_WINDOW)["ids"] == []
    assert big.refused == []


def test_windows_follow_a_reordered_queue_of_named_items():
    ids = [f"img-{n}" for n in range(3000)]
    w = ClassifyWidget(Items(_strided(3000), ids=ids), classes=["a"], store=mem(), queue=ids[::-1])
    ask = _wire(w)
    assert ask(start=2990, count=256)["ids"] == [f"img-{n}" for n in range(9, -1, -1)]
    found = ask(find="img-0")
    assert found["position"] == 2999 and found["start"] == 2999 - 2999 % 256
    assert found["ids"][found["position"] - found["start"]] == "img-0"


def test_jump_to_an_id_far_away(big):
    ask = _wire(big)
    found = ask(find=77_777, count=256)
    assert found["find"] == 77_777 and found["position"] == 77_777
    assert found["start"] == 77_777 - 77_777 % 256 and found["ids"] == list(range(found["start"], found["start"] + 256))
    missing = ask(find="nope")
    assert missing["position"] == -1 and missing["ids"] == []
    big.set_queue([5, 7, 9])
    assert ask(find=77_777)["position"] == -1  # no longer queued


def test_set_queue_replaces_the_order_and_its_window(big):
    version = big.order_window["version"]
    big.record_label(50_000, "a")
    new = list(range(99_999, 49_999, -1))  # 50,000 ids, reversed
    big.set_queue(new, position=30_000)
    assert big.order == new and len(big.order) == 50_000 and big.position == 30_000
    window = big.order_window
    assert window["version"] == version + 1 and window["total"] == 50_000
    assert window["start"] <= 30_000 < window["start"] + len(window["ids"])
    assert window["ids"][30_000 - window["start"]] == new[30_000]
    assert big.n_done == 1  # 50,000 is in the new queue (its last)
    assert _wire(big)(start=49_990, count=256)["ids"] == new[49_990:]
    big.set_queue(new, position=30_000)  # the same queue again: same version, no restart in the view
    assert big.order_window["version"] == version + 1


def test_assigning_the_order_keeps_the_position_and_validates(big):
    big.position = 10
    big.order = [3, 1, 4, 15, 9, 2, 6, 5, 35, 8, 97, 93]
    assert big.position == 10 and big.order[10] == 97 and big.order_window["total"] == 12
    with pytest.raises(ValueError, match="queue position 1: unknown item id 100000"):
        big.order = [0, 100_000]
    with pytest.raises(ValueError, match="queue position 2: item id 3 is queued twice"):
        big.order = [3, 1, 3]
    with pytest.raises(ValueError, match="queue position 1: item id 7 is queued twice"):
        big.order = np.array([7, 7, 7])
    assert big.order == [3, 1, 4, 15, 9, 2, 6, 5, 35, 8, 97, 93]  # unchanged by the refusals


def test_assigning_a_shorter_order_moves_the_position_to_its_last_item(big):
    big.position = 2
    big.order = [5]  # a position past the end would show the view's "done" screen with 5 unlabelled
    assert big.position == 0 and big.order_window["total"] == 1
    assert ("current item", "5 (1 of 1)") in big._static_card().rows
    big.order = list(range(10))
    big.position = 3
    big.order = [7, 8]
    assert big.position == 1  # the last item, as set_queue clamps


@pytest.mark.parametrize("position, clamped", [(-1, 0), (3, 2), (10**9, 2), (1, 1)])
def test_a_position_outside_the_queue_is_clamped_from_the_browser_too(position, clamped):
    """A browser's position is clamped to 0..len(queue) (the end screen): one sent before the browser
    had a shorter queue, or a forged one, never points past the end."""
    import traitlets

    w = ClassifyWidget(Items(_strided(10)), ["a", "b"], store=AnnotationStore(":memory:"))
    w.order = [4, 5]
    version = w.order_window["version"]
    w.set_state({"position": position, "_position_order": version})  # what a browser's state message does
    assert w.position == clamped and w._static_card() is not None
    w.position = 2
    with pytest.raises(traitlets.TraitError, match="position must be an int"):
        w.set_state({"position": True, "_position_order": version})


def test_a_browser_position_taken_in_a_replaced_queue_is_dropped_and_the_kernels_sent_back(monkeypatch):
    """A save of the position that crossed a new queue on its way (a retrain's next batch) would move
    the view off the item the kernel chose; it is dropped and the kernel's position sent back."""
    w = ClassifyWidget(Items(_strided(10)), ["a", "b"], store=AnnotationStore(":memory:"))
    old = w.order_window["version"]
    w.set_state({"position": 3, "_position_order": old})
    assert w.position == 3
    sent = []
    monkeypatch.setattr(w, "send_state", lambda key=None: sent.append(key) if key == "position" else None)
    w.set_queue([5, 6, 7, 8, 9])  # the next batch, from its first item
    assert w.position == 0 and w.order_window["version"] == old + 1
    w.set_state({"position": 4})  # the browser's last save, still in the old queue (its version unchanged)
    assert w.position == 0 and sent == ["position"]
    w.set_state({"position": 2, "_position_order": old})
    w.set_state({"position": 2, "_position_order": str(old + 1)})  # a forged version
    assert w.position == 0 and sent == ["position"] * 3
    w.set_state({"position": 2, "_position_order": old + 1})  # a step in the new queue
    assert w.position == 2 and w._position_order == old + 1 and sent == ["position"] * 3
    w.set_state({"position": 1})  # the next step (the version is sent only when it changes)
    assert w.position == 1


def test_a_position_set_far_away_moves_the_synced_window(big):
    big.position = 60_000
    window = big.order_window
    assert window["start"] <= 60_000 < window["start"] + len(window["ids"])
    big.position = 60_001  # inside it: left alone (no state traffic per step)
    assert big.order_window is window


def test_the_order_reads_like_the_list_it_stands_for():
    w = ClassifyWidget(Items(_strided(6), ids=list("abcdef")), classes=["x"], store=mem(), queue=["e", "a", "c"])
    order = w.order
    assert isinstance(order, QueueOrder)
    assert order == ["e", "a", "c"] and order == ("e", "a", "c") and order != ["e", "a"] and order != ["a", "e", "c"]
    assert list(order) == ["e", "a", "c"] and order[1] == "a" and order[-1] == "c" and order[1:] == ["a", "c"]
    assert order.index("c") == 2 and "a" in order and "b" not in order and [1] not in order
    with pytest.raises(ValueError):
        order.index("b")
    assert order == w.order and repr(order) == "['e', 'a', 'c']"  # as the list it stands for
    w.set_queue(order[::-1])
    assert w.order == ["c", "a", "e"] and order == ["e", "a", "c"]  # a snapshot
    w.set_queue(order)  # a widget's own order passes on as its positions
    assert w.order == ["e", "a", "c"]


def test_a_long_order_shows_its_ends_and_length(big):
    assert repr(big.order) == "[0, 1, 2, 3, 4, ..., 99999]  (a queue of 100000 ids)"


def test_the_static_card_names_the_current_item_of_a_long_queue(big):
    big.position = 77_777
    card = big._static_card()
    assert ("current item", "77777 (77778 of 100000)") in card.rows and ("done", "0 of 100000") in card.rows


def test_the_kernel_keeps_a_few_bytes_an_item(big):
    n = len(big.order)
    assert big._queue.nbytes + big._where.nbytes + big._done_at.nbytes <= 9 * n
    assert isinstance(big.items._index, _RangeIndex)  # ids 0..N-1: no dict of N entries


def test_a_label_looks_at_one_item_whatever_the_queue(big, monkeypatch):
    """record_label's cost does not grow with the queue: one item's done-ness is asked, no recount."""
    calls = []
    real = ClassifyWidget._is_done
    monkeypatch.setattr(ClassifyWidget, "_is_done", lambda self, i: calls.append(i) or real(self, i))
    big.record_label(99_000, "a")
    big.record_label(99_000, "b")
    big.record_label(5, "b")
    assert calls == [99_000, 99_000, 5] and big.n_done == 2
    calls.clear()
    big.set_queue(list(range(0, 100_000, 2)))  # a new queue looks at its labelled items, not at 50,000
    assert calls == [99_000] and big.n_done == 1


def test_done_flags_follow_labels_and_resume_at_the_first_open():
    w = ClassifyWidget(_strided(1000), classes=["a"], store=mem(), queue=list(range(999, -1, -1)))
    for i in (999, 998, 997):
        w.record_label(i, "a")
    assert w.n_done == 3 and w._first_open() == 3 and w._done_at[:4].tolist() == [True, True, True, False]
    again = ClassifyWidget(w.items, classes=["a"], store=w.store, queue=list(range(999, -1, -1)))
    assert again.position == 3 and again.n_done == 3
    assert again.order_window["start"] <= 3 < again.order_window["start"] + len(again.order_window["ids"])


def test_items_over_ids_0_to_n_minus_1_answer_like_a_dict():
    items = Items(_strided(5))
    assert isinstance(items._index, _RangeIndex) and items.ids == [0, 1, 2, 3, 4]
    for key, found in ((0, True), (4, True), (5, False), (-1, False), (np.int64(3), True), (3.0, True), (3.5, False),
                       (True, True), ("3", False), (None, False), ((1,), False)):
        assert (key in items._index) is found, key
        assert (key in {i: i for i in range(5)}) is found, key  # as the dict it replaces
    assert items.position(np.int64(2)) == 2
    with pytest.raises(KeyError, match="unknown item id 9"):
        items.position(9)
    named = Items(_strided(3), ids=["a", 1, "c"])
    assert isinstance(named._index, dict)
    assert not isinstance(Items(_strided(3), ids=[2, 1, 0])._index, _RangeIndex)


def test_ids_0_to_n_minus_1_hold_no_python_object_per_item():
    """Items over a million images keeps no list of a million ints: its ids are a RangeIds."""
    import tracemalloc

    arr = _strided(1_000_000)
    tracemalloc.start()
    items = Items(arr)
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert isinstance(items.ids, RangeIds) and held < 100_000, held  # a list of the ids: ~36 MB
    assert Items(items).ids is items.ids  # passed on, not copied


def test_range_ids_behave_as_the_list_of_them():
    ids = Items(_strided(5)).ids
    assert ids == [0, 1, 2, 3, 4] and ids == (0, 1, 2, 3, 4) and ids == range(5) and ids == RangeIds(5)
    assert ids != [0, 1, 2, 3] and ids != [0, 1, 2, 3, 5] and ids != RangeIds(4) and ids != "01234"
    assert ids[1:3] == [1, 2] and ids[-1] == 4 and ids[np.int64(2)] == 2 and ids[::-2] == [4, 2, 0]
    with pytest.raises(IndexError):
        ids[5]
    assert list(ids) == [0, 1, 2, 3, 4] and list(reversed(ids)) == [4, 3, 2, 1, 0]
    assert 4 in ids and 5 not in ids and "1" not in ids and ids.index(3) == 3 and ids.count(3) == 1 and ids.count(7) == 0
    with pytest.raises(ValueError, match="7 is not among the ids"):
        ids.index(7)
    with pytest.raises(ValueError, match="3 is not among the ids"):
        ids.index(3, 0, 3)
    assert ids.index(4, -2) == [0, 1, 2, 3, 4].index(4, -2) == 4 and ids.index(1, -9, -3) == 1
    with pytest.raises(ValueError):
        ids.index(1, -2)  # as [0, 1, 2, 3, 4].index(1, -2)
    assert ids + ["x"] == [0, 1, 2, 3, 4, "x"] and ["x"] + ids == ["x", 0, 1, 2, 3, 4]
    assert np.asarray(ids).tolist() == [0, 1, 2, 3, 4] and np.asarray(ids, dtype=np.int32).dtype == np.int32
    assert repr(ids) == "[0, 1, 2, 3, 4]" and repr(RangeIds(10**7)) == "[0, 1, 2, 3, 4, ..., 9999999]  (10000000 ids)"
    import pickle

    assert pickle.loads(pickle.dumps(ids)) == [0, 1, 2, 3, 4]
    with pytest.raises(TypeError):
        hash(ids)


def test_ids_given_as_0_to_n_minus_1_are_not_the_callers_list():
    """A list of 0..N-1 passed as ids= is not kept (it was: appending to it changed the items' ids)."""
    given = [0, 1, 2]
    items = Items(_strided(3), ids=given)
    given.append(3)
    assert isinstance(items.ids, RangeIds) and items.ids == [0, 1, 2] and len(items) == 3
    assert isinstance(Items(_strided(3), ids=range(3)).ids, RangeIds)
    assert isinstance(Items(_strided(3), ids=np.arange(3)).ids, RangeIds)  # numpy ints: their plain values
    import pandas as pd

    assert isinstance(Items(pd.Series(["a", "b", "c"])).ids, RangeIds)  # a RangeIndex
    assert not isinstance(Items(pd.Series(["a", "b", "c"], index=[0, 2, 1])).ids, RangeIds)
    assert Items(_strided(3), ids=range(1, 4)).ids == [1, 2, 3]  # other ranges: ids as given
    with pytest.raises(ValueError, match="got 4 ids for 3 items"):
        Items(_strided(3), ids=range(4))


def test_a_queue_of_range_ids_is_taken_whole_without_a_lookup_per_id():
    items = Items(_strided(10))
    assert queue_positions(items.ids, items).tolist() == list(range(10))
    assert queue_positions(RangeIds(4), items).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="queue position 10: unknown item id 10"):
        queue_positions(RangeIds(11), items)
    w = ClassifyWidget(items, classes=["a"], store=mem(), queue=items.ids)
    assert w.order == list(range(10))
    assert w.order == items.ids and items.ids == w.order and not items.ids != w.order  # both sides list-like
    w.set_queue([3, 2])
    assert w.order != items.ids and items.ids != w.order


def test_queue_positions_is_compact_and_checked():
    items = Items(_strided(10))
    q = queue_positions(np.array([9, 0, 3]), items)
    assert q.dtype == np.int32 and q.tolist() == [9, 0, 3]
    assert queue_positions(None, items).tolist() == list(range(10))
    assert resolve_queue(np.array([2, 1]), items) == [2, 1]
    with pytest.raises(ValueError, match="queue position 1: unknown item id -1"):
        queue_positions(np.array([0, -1]), items)
    with pytest.raises(ValueError, match="queue position 0: unknown item id 10"):
        queue_positions(np.array([10]), items)
    with pytest.raises(ValueError, match="the queue is empty"):
        queue_positions(np.array([], dtype=np.int64), items)
    with pytest.raises(ValueError, match="queue position 3: item id 1 is queued twice"):
        queue_positions([0, 1, 2, 1, 0], items)


def test_the_examples_of_items_and_queue_run():
    import doctest

    from hitl_widgets import items, queue

    for module in (items, queue):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted >= 5, (module.__name__, result)


def test_numpy_integer_ids_are_found_in_the_queue():
    """np.int64(1) in items was True but np.int64(1) in w.order False, and w.order.index(np.int64(1))
    said "is not in the queue": ids from np.argsort were not found where they stood."""
    w = ClassifyWidget(["a", "b", "c", "d"], ["x", "y"], store=AnnotationStore(":memory:"))
    assert np.int64(1) in w.order and w.order.index(np.int64(1)) == 1 and w.order.position_of(np.int32(3)) == 3
    w.set_queue(np.argsort([3, 2, 1, 0]))
    assert list(w.order) == [3, 2, 1, 0] and np.int64(3) in w.order and w.order.index(np.int64(0)) == 3
    assert np.float64(1.0) not in w.order and True not in w.order  # only ints and strs are ids


def test_set_queue_refuses_a_position_that_is_not_an_int():
    """set_queue(..., position="2") raised a raw TypeError from a comparison."""
    w = ClassifyWidget(["a", "b", "c"], ["x"], store=AnnotationStore(":memory:"))
    for bad in ("2", 1.5, True, -1, None):
        with pytest.raises(ValueError, match="position must be an int >= 0"):
            w.set_queue([2, 1, 0], position=bad)
    w.set_queue([2, 1, 0], position=np.int64(1))
    assert w.position == 1 and list(w.order) == [2, 1, 0]
