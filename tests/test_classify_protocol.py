"""ClassifyWidget's kernel side, driven with the messages the front end sends (no browser).

The browser sends ``{type: "fetch", ids}`` (js/src/lib/items.ts) and intents
``{...fields, type, client, seq}`` (js/src/lib/channel.ts) with fields ``{item_id, label, source}``
for "label" and ``{item_id}`` for "skip" / "undo" (js/src/widgets/classify.ts).
"""
from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from hitl_widgets import AnnotationStore, ClassifyWidget, Items
from hitl_widgets.widgets.base import MAX_FETCH, MAX_MESSAGE_BYTES

N = 6
rng = np.random.default_rng(1)
IMAGES = rng.integers(0, 256, size=(N, 5, 4, 1), dtype=np.uint8)  # grey, with its channel: (N, 5, 4) reads as one RGBA image


class Browser:
    """Plays the front end: sends messages to ``_dispatch`` and records what the kernel sends back."""

    def __init__(self, widget: ClassifyWidget, client: str = "client-1"):
        self.w = widget
        self.client = client
        self.sent: list[tuple[dict, list | None]] = []
        self._seq = itertools.count(1)
        widget.send = lambda content, buffers=None: self.sent.append((content, buffers))

    def raw(self, content) -> dict:
        """Deliver any content as is; return the one reply it caused."""
        before = len(self.sent)
        self.w._dispatch(self.w, content, [])
        assert len(self.sent) == before + 1, f"expected exactly one reply, got {self.sent[before:]}"
        return self.sent[-1][0]

    def intent(self, type_: str, seq: int | None = None, client: str | None = None, **fields) -> dict:
        seq = next(self._seq) if seq is None else seq
        return self.raw({**fields, "type": type_, "client": client or self.client, "seq": seq})

    def label(self, item_id, label, source="human", **kw) -> dict:
        return self.intent("label", item_id=item_id, label=label, source=source, **kw)

    def skip(self, item_id, **kw) -> dict:
        return self.intent("skip", item_id=item_id, **kw)

    def undo(self, item_id, **kw) -> dict:
        return self.intent("undo", item_id=item_id, **kw)

    def fetch(self, ids) -> tuple[dict, list]:
        before = len(self.sent)
        self.w._dispatch(self.w, {"type": "fetch", "ids": ids}, [])
        assert len(self.sent) == before + 1
        return self.sent[-1][0], self.sent[-1][1]


def make(items=None, classes=("cat", "dog", "bird"), store=None, **kwargs) -> tuple[ClassifyWidget, Browser]:
    store = store if store is not None else AnnotationStore(":memory:", annotator="ada")
    w = ClassifyWidget(IMAGES if items is None else items, classes=classes, store=store, **kwargs)
    return w, Browser(w)


def state(w: ClassifyWidget):
    """Everything an intent may change."""
    ev = w.store.events()
    return len(ev), dict(w._current), w.n_done, w.labels.to_dict("list")


def labels_of(w: ClassifyWidget) -> dict:
    df = w.labels
    return dict(zip(df["item_id"], df["label"]))


def decode(data) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(bytes(data))))


# ---------------------------------------------------------------------------- construction
def test_initial_state():
    w, _ = make()
    assert w.task == "classify"
    assert w.annotator == "ada"
    assert w.classes == ["cat", "dog", "bird"]
    assert w.order == list(range(N))
    assert w.position == 0 and w.n_done == 0
    assert w.labels.empty
    assert w.multi_label is False


def test_classes_are_normalised_and_checked():
    w, _ = make(classes=np.arange(3))
    assert w.classes == [0, 1, 2] and all(type(c) is int for c in w.classes)
    for bad in (["a", "a"], "ab", [1.5, 2], [True, False], []):
        with pytest.raises(ValueError):
            make(classes=bad)


def test_numpy_string_classes_accept_the_labels_the_browser_sends():
    """e.g. ``classes=clf.classes_`` (a numpy array of str): the browser gets JSON strings and sends them back."""
    w, b = make(classes=np.array(["cat", "dog", "bird"]))
    assert w.classes == ["cat", "dog", "bird"]
    assert all(type(c) is str for c in w.classes)
    reply = b.label(0, "dog")
    assert reply["type"] == "ack", reply
    assert labels_of(w) == {0: "dog"}


def test_widget_annotator_overrides_store():
    store = AnnotationStore(":memory:", annotator="ada")
    w, b = make(store=store, annotator="bo")
    assert w.annotator == "bo"
    b.label(0, "dog")
    assert store.labels("classify")["annotator"].tolist() == ["bo"]


# ---------------------------------------------------------------------------- fetch
def test_fetch_returns_png_buffers_and_item_info():
    probs = np.tile([0.1, 0.7, 0.2], (N, 1))
    probs[2] = [0.8, 0.1, 0.1]
    w, b = make(proposals=probs)
    b.label(2, "bird")
    msg, buffers = b.fetch([2, 0, 5])
    assert msg["type"] == "items"
    assert [i["id"] for i in msg["items"]] == [2, 0, 5]
    assert len(buffers) == 3
    for info in msg["items"]:
        assert info["kind"] == "image" and info["mime"] == "image/png"
        assert (info["width"], info["height"]) == (4, 5)
        data = buffers[info["buffer"]]
        assert bytes(data[:4]) == b"\x89PNG"
        np.testing.assert_array_equal(decode(data), IMAGES[info["id"]][..., 0])
    by_id = {i["id"]: i for i in msg["items"]}
    assert by_id[2]["label"] == "bird"
    assert by_id[0]["label"] is None
    assert by_id[2]["proposal"] == {"label": "cat", "score": pytest.approx(0.8)}
    assert by_id[0]["proposal"] == {"label": "dog", "score": pytest.approx(0.7)}


def test_fetch_without_proposals_and_texts():
    w, b = make(items=Items(["first text", "second ✓"], ids=["a", "b"]))
    msg, buffers = b.fetch(["b", "a"])
    assert buffers == []
    assert msg["items"] == [
        {"id": "b", "kind": "text", "mime": "text/plain", "width": 0, "height": 0, "text": "second ✓",
         "label": None, "proposal": None, "notes": []},
        {"id": "a", "kind": "text", "mime": "text/plain", "width": 0, "height": 0, "text": "first text",
         "label": None, "proposal": None, "notes": []},
    ]


def test_fetch_reports_a_broken_item_and_serves_the_others(tmp_path):
    paths = []
    for k in range(3):
        p = tmp_path / f"{k}.png"
        Image.fromarray(np.full((3, 3), 50 * k, np.uint8)).save(p)
        paths.append(p)
    w, b = make(items=Items(paths, ids=["p0", "p1", "p2"]))
    paths[1].write_bytes(b"corrupt")
    msg, buffers = b.fetch(["p0", "p1", "p2"])
    assert msg["type"] == "items"
    kinds = {i["id"]: i["kind"] for i in msg["items"]}
    assert kinds == {"p0": "image", "p1": "error", "p2": "image"}
    assert "p1" in msg["items"][1]["error"]
    assert len(buffers) == 2
    assert decode(buffers[msg["items"][2]["buffer"]])[0, 0] == 100


@pytest.mark.parametrize(
    "ids",
    [[], None, "0", 3, [99], [0, 99], [True], [1.0], ["0"], [[0]], list(range(MAX_FETCH + 1))],
)
def test_bad_fetch_is_refused(ids):
    w, b = make(items=Items([f"t{i}" for i in range(MAX_FETCH + 2)]))
    reply = b.raw({"type": "fetch", "ids": ids})
    assert reply["type"] == "refused" and reply["intent"] == "fetch"
    assert reply["message"]
    assert w.refused[-1]["intent"] == "fetch"


def test_fetch_of_max_items_is_served():
    w, b = make(items=Items([f"t{i}" for i in range(MAX_FETCH + 2)]))
    msg, _ = b.fetch(list(range(MAX_FETCH)))
    assert msg["type"] == "items" and len(msg["items"]) == MAX_FETCH


def test_fetch_prefetches_the_next_items_in_queue_order():
    w, b = make(queue=[5, 1, 3, 0])
    b.fetch([5])
    w.items._pool.shutdown(wait=True)
    assert set(w.items._cache) == {5, 1, 3, 0}


# ---------------------------------------------------------------------------- label
def test_label_is_acked_and_stored():
    w, b = make()
    reply = b.label(3, "dog", seq=41)
    ev = w.store.events("classify")
    assert len(ev) == 1
    assert reply == {
        "type": "ack", "client": "client-1", "seq": 41, "intent": "label",
        "item_id": 3, "event_id": int(ev["event_id"].iloc[0]), "label": "dog", "n_done": 1,
    }
    row = ev.iloc[0]
    assert (row["task"], row["item_id"], row["annotator"], row["kind"]) == ("classify", 3, "ada", "label")
    assert row["payload"] == {"label": "dog", "source": "human"}
    assert labels_of(w) == {3: "dog"}
    assert w.n_done == 1


def test_relabel_keeps_latest_and_counts_once():
    w, b = make()
    b.label(0, "cat")
    b.label(1, "dog")
    reply = b.label(0, "bird")
    assert reply["n_done"] == 2 and w.n_done == 2
    assert labels_of(w) == {0: "bird", 1: "dog"}
    assert len(w.store.events()) == 3


def test_int_classes_and_int_vs_str_item_ids():
    items = Items(["seven (int)", "seven (str)"], ids=[7, "7"])
    w, b = make(items=items, classes=[0, 1, 2])
    assert b.label(7, 1)["type"] == "ack"
    assert b.label("7", 2)["type"] == "ack"
    df = w.labels
    assert sorted(zip(map(repr, df["item_id"]), df["label"])) == [("'7'", 2), ("7", 1)]
    assert all(type(v) is int for v in df["label"])
    reply = b.undo("7")
    assert reply["type"] == "ack" and reply["label"] is None
    assert labels_of(w) == {7: 1}
    assert dict(w._current) == {7: 1}


def test_retry_of_same_client_seq_changes_nothing_and_resends_the_ack():
    calls = []
    w, b = make()
    w.on_label(calls.append)
    first = b.label(2, "cat", seq=5)
    snapshot = state(w)
    again = b.label(2, "cat", seq=5)
    assert again == first and again["type"] == "ack"
    # even a different body under the same (client, seq) is a retry: first answer, no change
    third = b.label(2, "dog", seq=5)
    assert third == first
    assert state(w) == snapshot
    assert len(calls) == 1
    # another client may use the same seq number
    other = b.label(2, "dog", seq=5, client="client-2")
    assert other["type"] == "ack" and other["event_id"] != first["event_id"]
    assert labels_of(w) == {2: "dog"}


def test_an_intent_overtaken_by_a_newer_one_for_the_same_item_changes_nothing():
    # the browser labelled item 2 "cat" (seq 5) then "dog" (seq 6); seq 5 was lost and re-sent late
    w, b = make()
    assert b.label(2, "dog", seq=6)["label"] == "dog"
    snapshot = state(w)
    late = b.label(2, "cat", seq=5)
    assert late["type"] == "ack" and late["stale"] is True
    assert late["label"] == "dog" and late["n_done"] == 1  # the view is told what the kernel holds
    assert state(w) == snapshot and labels_of(w) == {2: "dog"}
    assert b.label(2, "cat", seq=5) == late  # its own retry: the same answer
    assert b.skip(2, seq=4)["stale"] is True and b.undo(2, seq=3)["stale"] is True
    assert state(w) == snapshot
    # other items, other clients and newer intents are not held back
    assert "stale" not in b.label(3, "bird", seq=1)
    assert "stale" not in b.label(2, "bird", seq=1, client="client-2")
    assert "stale" not in b.undo(2, seq=7)
    # a refused newer intent does not make an older one stale
    w2, b2 = make()
    assert b2.label(1, "zebra", seq=9)["type"] == "refused"
    assert "stale" not in b2.label(1, "cat", seq=8) and labels_of(w2) == {1: "cat"}


def test_retry_of_a_refused_intent_is_refused_again():
    w, b = make()
    first = b.label(0, "zebra", seq=9)
    assert first["type"] == "refused"
    again = b.label(0, "zebra", seq=9)
    assert again == first
    assert w.store.events().empty


BIG = "x" * (MAX_MESSAGE_BYTES + 10)

FORGED_LABELS = [
    pytest.param({"item_id": 0, "label": "zebra", "source": "human"}, "unknown class", id="unknown-class"),
    pytest.param({"item_id": 0, "label": "Cat", "source": "human"}, "unknown class", id="wrong-case"),
    pytest.param({"item_id": 0, "label": None, "source": "human"}, "unknown class", id="null-label"),
    pytest.param({"item_id": 0, "source": "human"}, "unknown class", id="missing-label"),
    pytest.param({"item_id": 0, "label": ["cat"], "source": "human"}, "unknown class", id="list-in-single-mode"),
    pytest.param({"item_id": 0, "label": {"x": 1}, "source": "human"}, "unknown class", id="object-label"),
    pytest.param({"item_id": 99, "label": "cat", "source": "human"}, "unknown item id", id="unknown-item"),
    pytest.param({"item_id": 1.0, "label": "cat", "source": "human"}, "unknown item id", id="float-item"),
    pytest.param({"item_id": "1", "label": "cat", "source": "human"}, "unknown item id", id="str-item"),
    pytest.param({"item_id": True, "label": "cat", "source": "human"}, "unknown item id", id="bool-item"),
    pytest.param({"item_id": None, "label": "cat", "source": "human"}, "unknown item id", id="null-item"),
    pytest.param({"item_id": [0], "label": "cat", "source": "human"}, "unknown item id", id="list-item"),
    pytest.param({"label": "cat", "source": "human"}, "unknown item id", id="missing-item"),
    pytest.param({"item_id": 0, "label": "cat", "source": "robot"}, "source", id="unknown-source"),
    pytest.param({"item_id": 0, "label": "cat", "source": 1}, "source", id="numeric-source"),
    pytest.param({"item_id": 0, "label": "cat", "source": "oracle"}, "source", id="oracle-source-from-browser"),
    pytest.param({"item_id": 0, "label": "cat", "source": "proposal"}, "proposal", id="no-proposal"),
]


@pytest.mark.parametrize("fields, why", FORGED_LABELS)
def test_forged_label_is_refused_and_changes_nothing(fields, why):
    w, b = make()
    b.label(5, "bird")  # some prior state that must survive
    calls = []
    w.on_label(calls.append)
    snapshot = state(w)
    n_refused = len(w.refused)
    reply = b.intent("label", seq=77, **fields)
    assert reply["type"] == "refused"
    assert why in reply["message"]
    assert reply["client"] == "client-1" and reply["seq"] == 77 and reply["intent"] == "label"
    assert state(w) == snapshot
    assert calls == []
    assert len(w.refused) == n_refused + 1 and w.refused[-1]["message"] == reply["message"]


@pytest.mark.parametrize(
    "label, why",
    [("3", "unknown class"), (True, "unknown class"), (1.0, "unknown class"), (7, "unknown class"), ([1], "unknown class")],
)
def test_int_classes_refuse_lookalikes(label, why):
    w, b = make(classes=[0, 1, 2, 3])
    reply = b.label(0, label)
    assert reply["type"] == "refused" and why in reply["message"]
    assert w.store.events().empty and w._current == {}
    assert b.label(0, 3)["type"] == "ack"  # the real class is accepted
    assert labels_of(w) == {0: 3}


@pytest.mark.parametrize(
    "content, why",
    [
        pytest.param({"type": "label", "seq": 1, "item_id": 0, "label": "cat"}, "client", id="missing-client"),
        pytest.param({"type": "label", "client": "c", "item_id": 0, "label": "cat"}, "client", id="missing-seq"),
        pytest.param({"type": "label", "client": "c", "seq": "1", "item_id": 0, "label": "cat"}, "sequence", id="str-seq"),
        pytest.param({"type": "label", "client": "c", "seq": True, "item_id": 0, "label": "cat"}, "sequence", id="bool-seq"),
        pytest.param({"type": "label", "client": "c", "seq": 1.5, "item_id": 0, "label": "cat"}, "sequence", id="float-seq"),
        pytest.param({"type": "label", "client": "", "seq": 1, "item_id": 0, "label": "cat"}, "client", id="empty-client"),
        pytest.param({"type": "label", "client": 5, "seq": 1, "item_id": 0, "label": "cat"}, "client", id="int-client"),
        pytest.param({"type": "label", "client": "c" * 65, "seq": 1, "item_id": 0, "label": "cat"}, "client", id="long-client"),
        pytest.param({"type": "delete", "client": "c", "seq": 1, "item_id": 0}, "unknown command", id="unknown-type"),
        pytest.param({"type": "ack", "client": "c", "seq": 1, "item_id": 0}, "unknown command", id="reply-type"),
        pytest.param({"type": 5, "client": "c", "seq": 1, "item_id": 0}, "malformed", id="int-type"),
        pytest.param({"client": "c", "seq": 1, "item_id": 0, "label": "cat"}, "malformed", id="missing-type"),
        pytest.param({"type": "label", "client": "c", "seq": 1, "item_id": 0, "label": "cat", "pad": BIG}, "too large", id="oversized"),
        pytest.param({"type": "label", "client": "c", "seq": 1, "item_id": 0, "label": BIG}, "too large", id="oversized-label"),
        pytest.param(["label", 0, "cat"], "malformed", id="list-content"),
        pytest.param("label", "malformed", id="str-content"),
        pytest.param(None, "malformed", id="null-content"),
        pytest.param(42, "malformed", id="int-content"),
        pytest.param({"type": "skip", "client": "c", "seq": 1, "item_id": 99}, "unknown item id", id="skip-unknown-item"),
        pytest.param({"type": "undo", "client": "c", "seq": 1, "item_id": 1.0}, "unknown item id", id="undo-float-item"),
        pytest.param({"type": "undo", "client": "c", "seq": 1, "item_id": 1}, "nothing to undo", id="undo-nothing"),
    ],
)
def test_forged_messages_are_refused_and_change_nothing(content, why):
    w, b = make()
    b.label(0, "dog")
    calls = []
    w.on_label(calls.append)
    snapshot = state(w)
    reply = b.raw(content)
    assert reply["type"] == "refused"
    assert why in reply["message"]
    assert state(w) == snapshot
    assert calls == []
    assert len(str(reply)) < 2000  # an oversized message is not echoed back


def test_refused_messages_do_not_block_later_intents():
    w, b = make()
    b.raw(None)
    b.raw({"type": "label", "client": "c", "seq": 1, "item_id": 99, "label": "cat"})
    assert b.label(1, "cat")["type"] == "ack"
    assert labels_of(w) == {1: "cat"}
    assert len(w.refused) == 2


# ---------------------------------------------------------------------------- proposals
def test_source_proposal_only_when_it_matches():
    probs = np.array([[0.2, 0.7, 0.1]] * N)
    w, b = make(proposals=probs)
    wrong = b.label(0, "cat", source="proposal")
    assert wrong["type"] == "refused" and "proposal" in wrong["message"]
    assert w.store.events().empty
    ok = b.label(0, "dog", source="proposal")
    assert ok["type"] == "ack" and ok["label"] == "dog"
    payload = w.store.events()["payload"].iloc[0]
    assert payload == {"label": "dog", "source": "proposal", "score": pytest.approx(0.7)}
    b.label(1, "dog")  # a human may pick the proposed class: no score is claimed
    assert w.store.events()["payload"].iloc[1] == {"label": "dog", "source": "human"}


def test_accepting_the_proposal_the_front_end_was_given():
    """The view sends back ``proposal.label`` from the fetched item info, as it is."""
    w, b = make(proposals={0: ("bird", 0.9), 3: "cat"})
    msg, _ = b.fetch([0, 3, 4])
    infos = {i["id"]: i for i in msg["items"]}
    assert infos[4]["proposal"] is None
    for item_id in (0, 3):
        reply = b.label(item_id, infos[item_id]["proposal"]["label"], source="proposal")
        assert reply["type"] == "ack"
    assert labels_of(w) == {0: "bird", 3: "cat"}
    assert list(w.store.events()["payload"]) == [
        {"label": "bird", "source": "proposal", "score": 0.9},
        {"label": "cat", "source": "proposal", "score": None},
    ]


def test_proposals_from_probabilities():
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.0, 0.0, 1.0], [0.3, 0.3, 0.4], [0.9, 0.05, 0.05], [0.2, 0.3, 0.5]])
    w, _ = make(proposals=probs)
    assert w.proposals == {
        0: {"label": "dog", "score": pytest.approx(0.6)},
        1: {"label": "cat", "score": pytest.approx(0.5)},
        2: {"label": "bird", "score": pytest.approx(1.0)},
        3: {"label": "bird", "score": pytest.approx(0.4)},
        4: {"label": "cat", "score": pytest.approx(0.9)},
        5: {"label": "bird", "score": pytest.approx(0.5)},
    }
    assert all(type(p["score"]) is float for p in w.proposals.values())


def test_proposals_align_with_item_ids_not_positions():
    items = Items(["a", "b", "c"], ids=["x", "y", "z"])
    w, _ = make(items=items, classes=[10, 20], proposals=np.array([[1, 0], [0, 1], [1, 0]], dtype=float))
    assert {k: v["label"] for k, v in w.proposals.items()} == {"x": 10, "y": 20, "z": 10}
    assert all(type(v["label"]) is int for v in w.proposals.values())


def test_proposals_from_label_arrays_and_lists():
    w, _ = make(proposals=np.array(["dog", "cat", "cat", "bird", "dog", "cat"]))
    assert {k: v["label"] for k, v in w.proposals.items()} == dict(enumerate(["dog", "cat", "cat", "bird", "dog", "cat"]))
    assert all(type(v["label"]) is str and v["score"] is None for v in w.proposals.values())
    w, _ = make(classes=[0, 1, 2], proposals=np.array([2, 1, 0, 0, 1, 2], dtype=np.int64))
    assert [w.proposals[i]["label"] for i in range(N)] == [2, 1, 0, 0, 1, 2]
    assert all(type(v["label"]) is int for v in w.proposals.values())


def test_proposals_from_dict_series_dataframe():
    w, _ = make(proposals={1: "dog", 2: ("cat", 0.25), 3: {"label": "bird", "score": 0.5}, np.int64(4): "cat"})
    assert w.proposals == {
        1: {"label": "dog", "score": None},
        2: {"label": "cat", "score": 0.25},
        3: {"label": "bird", "score": 0.5},
        4: {"label": "cat", "score": None},
    }
    w, _ = make(proposals=pd.Series(["bird", "cat"], index=[5, 0]))
    assert w.proposals == {5: {"label": "bird", "score": None}, 0: {"label": "cat", "score": None}}
    df = pd.DataFrame({"label": ["dog", "cat", "bird"], "score": [0.9, np.nan, 0.1]}, index=[0, 2, 4])
    w, _ = make(proposals=df)
    assert w.proposals == {
        0: {"label": "dog", "score": pytest.approx(0.9)},
        2: {"label": "cat", "score": None},
        4: {"label": "bird", "score": pytest.approx(0.1)},
    }
    w, _ = make(proposals=pd.DataFrame({"label": ["dog"]}, index=[3]))
    assert w.proposals == {3: {"label": "dog", "score": None}}


@pytest.mark.parametrize(
    "proposals, match",
    [
        pytest.param(np.full((N, 4), 0.25), "columns", id="wrong-class-count"),
        pytest.param(np.full((N - 1, 3), 0.3), "rows", id="wrong-row-count"),
        pytest.param(np.full((N + 1,), "cat"), "rows", id="too-many-labels"),
        pytest.param(np.full((N, 3, 2), 0.3), "shape", id="3-d"),
        pytest.param(["cat"] * (N - 1) + ["zebra"], "zebra", id="unknown-class-in-list"),
        pytest.param({0: "zebra"}, "zebra", id="unknown-class-in-dict"),
        pytest.param({99: "cat"}, "unknown item id 99", id="unknown-item-in-dict"),
        pytest.param({"0": "cat"}, "unknown item id '0'", id="str-id-for-int-item"),
        pytest.param(pd.Series(["cat", "zebra"], index=[0, 1]), "zebra", id="unknown-class-in-series"),
        pytest.param(pd.Series(["cat"], index=[42]), "unknown item id 42", id="unknown-item-in-series"),
        pytest.param(pd.DataFrame({"cls": ["cat"]}, index=[0]), "'label' column", id="dataframe-no-label"),
        pytest.param(pd.DataFrame({"label": ["zebra"]}, index=[0]), "zebra", id="unknown-class-in-dataframe"),
    ],
)
def test_bad_proposals_raise(proposals, match):
    with pytest.raises(ValueError, match=match):
        make(proposals=proposals)


def test_nan_in_probabilities_names_the_item():
    probs = np.full((N, 3), 1 / 3)
    probs[4, 1] = np.nan
    items = Items(IMAGES, ids=[f"img{i}" for i in range(N)])
    with pytest.raises(ValueError, match="'img4'.*NaN"):
        make(items=items, proposals=probs)


def test_int_classes_refuse_lookalike_proposals():
    with pytest.raises(ValueError, match="not one of"):
        make(classes=[0, 1], proposals={0: "1"})
    with pytest.raises(ValueError, match="not one of"):
        make(classes=[0, 1], proposals={0: True})


def test_set_proposals_replaces_and_invalidates():
    w, b = make(proposals={0: "cat"})
    w.set_proposals({0: ("dog", 0.6), 1: "bird"})
    assert b.sent[-1] == ({"type": "invalidate"}, None)
    assert w.proposals == {0: {"label": "dog", "score": 0.6}, 1: {"label": "bird", "score": None}}
    assert b.label(0, "cat", source="proposal")["type"] == "refused"
    assert b.label(0, "dog", source="proposal")["type"] == "ack"
    with pytest.raises(ValueError):
        w.set_proposals({0: "zebra"})
    assert w.proposals[0]["label"] == "dog"  # unchanged after a bad replacement


# ---------------------------------------------------------------------------- multi-label
def test_multi_label_lists_are_stored_in_class_order():
    w, b = make(multi_label=True)
    reply = b.label(0, ["bird", "cat"])
    assert reply["type"] == "ack" and reply["label"] == ["cat", "bird"]
    assert b.label(1, [])["type"] == "ack"  # "none of these" is a label
    assert labels_of(w) == {0: ["cat", "bird"], 1: []}
    assert w.n_done == 2
    msg, _ = b.fetch([0])
    assert msg["items"][0]["label"] == ["cat", "bird"]


@pytest.mark.parametrize(
    "label, why",
    [("cat", "list"), (["cat", "cat"], "twice"), (["cat", "zebra"], "unknown class"), (None, "list"), ([["cat"]], "unknown class")],
)
def test_multi_label_refusals(label, why):
    w, b = make(multi_label=True)
    reply = b.label(0, label)
    assert reply["type"] == "refused" and why in reply["message"]
    assert w.store.events().empty


def test_multi_label_proposals_from_probabilities():
    probs = np.array([[0.9, 0.6, 0.1]] + [[0.1, 0.2, 0.3]] * (N - 1))
    w, b = make(multi_label=True, proposals=probs)
    assert w.proposals[0] == {"label": ["cat", "dog"], "score": pytest.approx(0.9)}
    assert w.proposals[1]["label"] == []
    assert b.label(0, ["dog", "cat"], source="proposal")["type"] == "ack"
    assert b.label(2, ["cat"], source="proposal")["type"] == "refused"
    assert labels_of(w) == {0: ["cat", "dog"]}


def test_multi_label_dict_proposal_in_any_order_can_be_accepted():
    """The front end accepts by sending back the proposal's label list as it received it."""
    w, b = make(multi_label=True, proposals={0: ["dog", "cat"]})
    msg, _ = b.fetch([0])
    proposed = msg["items"][0]["proposal"]["label"]
    reply = b.label(0, proposed, source="proposal")
    assert reply["type"] == "ack", reply
    assert labels_of(w) == {0: ["cat", "dog"]}


def test_multi_label_list_of_lists_proposals_of_different_lengths():
    w, _ = make(multi_label=True, proposals=[["cat"], ["cat", "dog"], [], ["bird"], ["dog", "bird"], ["cat"]])
    assert [w.proposals[i]["label"] for i in range(3)] == [["cat"], ["cat", "dog"], []]


# ---------------------------------------------------------------------------- skip / undo
def test_skip_is_stored_and_counts_as_nothing_done():
    w, b = make()
    reply = b.skip(2)
    assert reply["type"] == "ack" and reply["intent"] == "skip"
    assert reply["label"] is None and reply["n_done"] == 0
    ev = w.store.events()
    assert ev["kind"].tolist() == ["skip"] and ev["item_id"].tolist() == [2]
    assert w.labels.empty
    b.label(3, "cat")
    reply = b.skip(3)
    assert reply["label"] == "cat" and reply["n_done"] == 1  # a skip keeps the label


def test_undo_restores_the_previous_label():
    w, b = make()
    b.label(1, "cat")
    b.label(1, "dog")
    b.label(2, "bird")
    reply = b.undo(1)
    assert reply["type"] == "ack" and reply["intent"] == "undo"
    assert reply["label"] == "cat" and reply["n_done"] == 2
    assert labels_of(w) == {1: "cat", 2: "bird"}
    ev = w.store.events().set_index("event_id")
    assert ev.loc[reply["event_id"], "kind"] == "undo"
    reply = b.undo(1)
    assert reply["label"] is None and reply["n_done"] == 1
    assert labels_of(w) == {2: "bird"}
    assert 1 not in w._current
    msg, _ = b.fetch([1, 2])
    assert [i["label"] for i in msg["items"]] == [None, "bird"]
    assert b.undo(1)["type"] == "refused"


def test_undo_after_skip_cancels_the_skip_first():
    w, b = make()
    b.label(0, "dog")
    b.skip(0)
    assert b.undo(0)["label"] == "dog"
    assert labels_of(w) == {0: "dog"}
    assert b.undo(0)["label"] is None
    assert w.labels.empty


def test_undo_only_touches_this_annotator():
    store = AnnotationStore(":memory:", annotator="ada")
    store.record("classify", 0, {"label": "cat"}, annotator="bo")
    w, b = make(store=store)
    assert b.undo(0)["type"] == "refused"
    assert store.labels("classify")["annotator"].tolist() == ["bo"]


# ---------------------------------------------------------------------------- callbacks
def test_on_label_callbacks_fire():
    w, b = make()
    seen, seen2 = [], []
    w.on_label(seen.append)
    w.on_label(lambda e: seen2.append(e["kind"]))
    a = b.label(4, "cat")
    s = b.skip(4)
    u = b.undo(4)
    u2 = b.undo(4)
    assert seen == [
        {"item_id": 4, "kind": "label", "label": "cat", "event_id": a["event_id"], "annotator": "ada"},
        {"item_id": 4, "kind": "skip", "label": "cat", "event_id": s["event_id"], "annotator": "ada"},
        {"item_id": 4, "kind": "undo", "label": "cat", "event_id": u["event_id"], "annotator": "ada"},
        {"item_id": 4, "kind": "undo", "label": None, "event_id": u2["event_id"], "annotator": "ada"},
    ]
    assert seen2 == ["label", "skip", "undo", "undo"]


def test_failing_callback_does_not_break_labelling():
    w, b = make()
    later = []

    def boom(event):
        raise RuntimeError("user bug")

    w.on_label(boom)
    w.on_label(later.append)
    reply = b.label(0, "cat")
    assert reply["type"] == "ack"
    assert labels_of(w) == {0: "cat"}
    assert [e["item_id"] for e in later] == [0]


# ---------------------------------------------------------------------------- persistence
def test_labels_survive_a_kernel_restart(tmp_path):
    path = tmp_path / "labels.db"
    w1, b1 = make(store=AnnotationStore(path, annotator="ada"), queue=[0, 1, 4, 2, 3, 5])
    b1.label(0, "cat")
    b1.label(1, "dog")
    b1.label(4, "bird")
    b1.label(1, "bird")
    b1.label(3, "cat")
    b1.undo(3)
    w1.store.engine.dispose()
    del w1, b1

    w2, b2 = make(store=AnnotationStore(path, annotator="ada"), queue=[0, 1, 4, 2, 3, 5])
    assert labels_of(w2) == {0: "cat", 1: "bird", 4: "bird"}
    assert w2.n_done == 3
    assert w2.position == 3  # item 2: the first unlabelled one in the queue
    msg, _ = b2.fetch([1, 3])
    assert [i["label"] for i in msg["items"]] == ["bird", None]
    assert b2.undo(1)["label"] == "dog"  # history from before the restart
    # another annotator on the same file starts from the beginning
    w3, _ = make(store=AnnotationStore(path, annotator="bo"))
    assert w3.position == 0 and w3.n_done == 0 and w3.labels.empty


def test_position_resumes_at_first_unlabelled_in_default_order(tmp_path):
    store = AnnotationStore(tmp_path / "p.db", annotator="ada")
    for i in (0, 1, 2, 4):
        store.record("classify", i, {"label": "cat"})
    store.record("other-task", 3, {"label": "cat"})  # another task does not count
    w, _ = make(store=store)
    assert w.position == 3 and w.n_done == 4
    store.record("classify", 3, {"label": "dog"})
    store.record("classify", 5, {"label": "dog"})
    w, _ = make(store=store)
    assert w.n_done == N and w.position == 0  # all done: back to the start


def test_labels_of_items_no_longer_bound_are_ignored():
    store = AnnotationStore(":memory:", annotator="ada")
    store.record("classify", 999, {"label": "cat"})
    store.record("classify", 1, {"label": "dog"})
    w, _ = make(store=store)
    assert w.n_done == 1 and w.position == 0
    assert dict(w._current) == {1: "dog"}


# ---------------------------------------------------------------------------- queue
def test_set_queue():
    w, b = make()
    b.label(2, "cat")
    b.label(5, "dog")
    w.set_queue([5, 3, 2])
    assert w.order == [5, 3, 2]
    assert w.position == 0
    assert w.n_done == 2
    w.set_queue(np.array([1, 3]), position=1)
    assert w.order == [1, 3] and all(type(i) is int for i in w.order)
    assert w.position == 1 and w.n_done == 0
    w.set_queue(lambda: [0, 4, 1], position=10)
    assert w.order == [0, 4, 1] and w.position == 2
    b.label(4, "bird")
    assert w.n_done == 1
    w.set_queue(None)
    assert w.order == list(range(N)) and w.n_done == 3


@pytest.mark.parametrize("bad", [[0, 99], [1, 1], [], "12"])
def test_bad_set_queue_raises_and_keeps_the_old_queue(bad):
    w, _ = make(queue=[3, 4])
    w.position = 1
    with pytest.raises(ValueError):
        w.set_queue(bad)
    assert w.order == [3, 4] and w.position == 1


def test_queue_limits_n_done_but_not_labelling():
    w, b = make(queue=[0, 1])
    assert b.label(5, "cat")["type"] == "ack"  # any bound item may be labelled
    assert w.n_done == 0
    assert b.label(1, "cat")["n_done"] == 1


# ---------------------------------------------------------------------------- store failures
def test_failing_store_write_is_refused_then_retry_succeeds(monkeypatch):
    w, b = make()
    calls = []
    w.on_label(calls.append)
    real = w.store.record
    failures = iter([True])

    def flaky(*args, **kwargs):
        if next(failures, False):
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(w.store, "record", flaky)
    reply = b.label(3, "dog", seq=12)
    assert reply["type"] == "refused"
    assert reply["message"].startswith("could not save")
    assert "disk full" in reply["message"]
    assert (reply["client"], reply["seq"]) == ("client-1", 12)
    assert w.store.events().empty and w._current == {} and w.n_done == 0 and calls == []
    msg, _ = b.fetch([3])
    assert msg["items"][0]["label"] is None  # the view is not told it was saved
    again = b.label(3, "dog", seq=12)  # the front end re-sends the same intent
    assert again["type"] == "ack" and again["seq"] == 12
    assert labels_of(w) == {3: "dog"} and len(w.store.events()) == 1
    assert [e["label"] for e in calls] == ["dog"]
    assert b.label(3, "dog", seq=12) == again  # and now it is remembered


def test_failing_undo_write_is_refused(monkeypatch):
    w, b = make()
    b.label(0, "cat")
    snapshot = state(w)

    def broken(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(w.store, "undo", broken)
    reply = b.undo(0)
    assert reply["type"] == "refused" and reply["message"].startswith("could not save")
    assert state(w) == snapshot


def test_notes_travel_with_the_item_and_refuse_unknown_ids():
    import hitl_widgets as hw_

    store = hw_.AnnotationStore(":memory:")
    w = hw_.ClassifyWidget(np.zeros((3, 4, 4, 1), np.uint8), ["a", "b"], store=store, notes={0: ["ann1: a", "ann2: b"], 2: "one line"})
    sent = []
    w.send = lambda content, buffers=None: sent.append(content)
    w._dispatch(w, {"type": "fetch", "ids": [0, 1, 2]}, [])
    notes = {i["id"]: i["notes"] for i in sent[-1]["items"]}
    assert notes == {0: ["ann1: a", "ann2: b"], 1: [], 2: ["one line"]}
    w.set_notes({1: ["later"]})
    assert sent[-1] == {"type": "invalidate"}
    assert w._item_info(1)["notes"] == ["later"] and w._item_info(0)["notes"] == []
    with pytest.raises(ValueError, match="unknown item id 9"):
        w.set_notes({9: "x"})


def test_n_done_kept_by_each_change_equals_a_full_recount():
    """n_done moves by the one item changed (not a recount of the queue per label); after any mix
    of labels, relabels, skips, undos and new queues it equals a count from scratch."""
    w, b = make(items=np.zeros((40, 2, 2), np.uint8), queue=list(range(0, 40, 2)))
    ops = np.random.default_rng(7)
    partly_done = 0
    for step in range(300):
        item = int(ops.integers(0, 40))  # half of them outside the queue at first
        kind = ops.choice(["label", "label", "skip", "undo", "queue"])
        if kind == "label":
            b.label(item, ["cat", "dog", "bird"][int(ops.integers(0, 3))])
        elif kind == "skip":
            b.skip(item)
        elif kind == "undo":
            b.undo(item)  # refused when the item has nothing to undo: n_done unchanged
        elif step % 7 == 0:
            w.set_queue([int(i) for i in ops.permutation(40)[: int(ops.integers(1, 40))]])
        elif step % 7 == 1:  # assigned directly, not through set_queue
            w.order = [int(i) for i in ops.permutation(40)[: int(ops.integers(1, 40))]]
        expected = sum(1 for i in w.order if i in w.current_labels)
        assert w.n_done == expected, f"step {step} ({kind} {item})"
        partly_done += 0 < w.n_done < len(w.order)
    assert partly_done > 100  # the walk spent most steps with both kinds of item in the queue
