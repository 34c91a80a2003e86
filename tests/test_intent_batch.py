"""Batched intents: ``{type: "batch", intents: [...]}`` from a view that coalesces (js/src/lib/channel.ts).

A batch must behave exactly like its intents sent one by one, in order: the same store, the same
answers, and the answers leave in the same order relative to everything else the kernel sends.
"""
from __future__ import annotations

import pytest

from hitl_widgets.widgets.base import MAX_BATCH
from test_classify_protocol import Browser, labels_of, make, state


def batch_of(b: Browser, *intents: dict) -> list[dict]:
    """Send intents ({type, **fields}; seq and client added unless given) as one batch; return what
    the kernel sent back."""
    content = []
    for it in intents:
        it = dict(it)
        it.setdefault("seq", next(b._seq))
        it.setdefault("client", b.client)
        content.append(it)
    before = len(b.sent)
    b.w._dispatch(b.w, {"type": "batch", "intents": content}, [])
    return [m for m, _ in b.sent[before:]]


STEPS = [
    {"type": "label", "item_id": 0, "label": "cat", "source": "human"},
    {"type": "label", "item_id": 1, "label": "dog", "source": "human"},
    {"type": "skip", "item_id": 2},
    {"type": "label", "item_id": 1, "label": "bird", "source": "human"},
    {"type": "undo", "item_id": 1},
]


def test_a_batch_does_what_its_intents_do_one_by_one():
    w1, b1 = make()
    singles = [b1.intent(s["type"], **{k: v for k, v in s.items() if k != "type"}) for s in STEPS]
    w2, b2 = make()
    replies = batch_of(b2, *STEPS)
    assert [r["seq"] for r in replies] == [1, 2, 3, 4, 5]
    strip = lambda r: {k: v for k, v in r.items() if k != "event_id"}  # noqa: E731
    assert [strip(r) for r in replies] == [strip(r) for r in singles]
    assert labels_of(w2) == labels_of(w1) == {0: "cat", 1: "dog"}
    assert w2.n_done == w1.n_done == 2
    assert list(w2.store.events()["kind"]) == list(w1.store.events()["kind"])


def test_each_answer_leaves_before_what_the_next_intent_changes():
    # an on_label callback that starts a new queue (as ActiveLearningLoop does when a batch is
    # complete) must not overtake the answers to the intents before it
    w, b = make()
    log = []
    w.send = lambda content, buffers=None: (b.sent.append((content, buffers)), log.append(("answer", content["seq"])))
    w.observe(lambda ch: log.append(("n_done", ch["new"])), names=["n_done"])
    w.on_label(lambda e: w.set_queue([3, 4, 5]) if e["item_id"] == 1 else None)
    batch_of(b, STEPS[0], STEPS[1], {"type": "label", "item_id": 3, "label": "cat", "source": "human"})
    assert log == [("n_done", 1), ("answer", 1), ("n_done", 2), ("n_done", 0), ("answer", 2),
                   ("n_done", 1), ("answer", 3)]


def test_retries_of_batched_intents_change_nothing():
    w, b = make()
    first = batch_of(b, *STEPS[:3])
    snapshot = state(w)
    # the view re-sends an unanswered intent alone, with its seq: the same answer, no change
    assert b.intent("label", seq=2, item_id=1, label="dog", source="human") == first[1]
    # the whole batch again (a lost message re-sent): the same answers, no change
    again = batch_of(b, *[{**s, "seq": n} for n, s in enumerate(STEPS[:3], 1)])
    assert again == first
    assert state(w) == snapshot


def test_the_newest_intent_wins_inside_a_batch_too():
    w, b = make()
    replies = batch_of(b, {"type": "label", "item_id": 2, "label": "dog", "source": "human", "seq": 6},
                       {"type": "label", "item_id": 2, "label": "cat", "source": "human", "seq": 5})
    assert replies[1]["stale"] is True and replies[1]["label"] == "dog"
    assert labels_of(w) == {2: "dog"}


def test_bad_entries_are_refused_one_by_one_and_the_others_applied():
    w, b = make()
    replies = batch_of(b, STEPS[0], {"type": "label", "item_id": 1, "label": "zebra", "source": "human"},
                       {"type": "fetch", "ids": [1]}, {"type": "batch", "intents": []}, STEPS[1])
    assert [r["type"] for r in replies] == ["ack", "refused", "refused", "refused", "ack"]
    assert "unknown class" in replies[1]["message"]
    assert labels_of(w) == {0: "cat", 1: "dog"}
    replies = b.w._dispatch(b.w, {"type": "batch", "intents": [STEPS[0] | {"client": b.client, "seq": 99}, 7, None]}, [])
    assert [m["type"] for m, _ in b.sent[-3:]] == ["ack", "refused", "refused"]


@pytest.mark.parametrize("intents", [None, [], "label", {"type": "label"}, [{"type": "skip"}] * (MAX_BATCH + 1)])
def test_a_malformed_batch_is_refused_and_changes_nothing(intents):
    w, b = make()
    snapshot = state(w)
    reply = b.raw({"type": "batch", "intents": intents})
    assert reply["type"] == "refused" and "malformed batch" in reply["message"]
    assert state(w) == snapshot
