"""Declared intents (``@intent``): collection from the class, overrides, refusals, last-wins, the
shared commit and undo paths. Toy widgets keep each rule visible; the real widgets' protocols are
tested in test_classify_protocol.py, test_forged_messages.py and test_intent_batch.py."""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pytest

from hitl_widgets.store import AnnotationStore
from hitl_widgets.widgets.base import IntentWidget, ReviewWidget, intent


class Lamp(IntentWidget):
    """A lamp per item id: ``set`` (last wins) and ``toggle`` (every one counts)."""

    def __init__(self) -> None:
        self.state: dict[Any, str] = {}
        self.calls: list[str] = []
        super().__init__()

    @intent("set", last_wins=True)
    def _on_set(self, content: dict) -> dict:
        self.calls.append("set")
        self.state[content["item_id"]] = content["value"]
        return self._ack(content, item_id=content["item_id"], **self._item_state(content["item_id"]))

    @intent("toggle")
    def _on_toggle(self, content: dict) -> dict:
        self.calls.append("toggle")
        item = content["item_id"]
        self.state[item] = "off" if self.state.get(item) == "on" else "on"
        return self._ack(content, item_id=item, **self._item_state(item))

    @intent("peek", sequenced=False)
    def _on_peek(self, content: dict) -> None:
        self.send({"type": "state", "state": dict(self.state)})

    def _on_secret(self, content: dict) -> dict:  # not declared: no message reaches it
        self.calls.append("secret")
        return self._ack(content)

    def _item_state(self, item_id: Any) -> dict:
        return {"value": self.state.get(item_id)}


class QuietLamp(Lamp):
    """Overrides ``set`` without re-declaring it."""

    def _on_set(self, content: dict) -> dict:
        self.calls.append("quiet set")
        return super()._on_set(content)


class Dimmer(Lamp):
    """Declares ``set`` again on another method, and turns ``toggle``'s method into ``dim``."""

    @intent("set")  # no longer last-wins
    def _on_set_level(self, content: dict) -> dict:
        self.calls.append("level")
        self.state[content["item_id"]] = content["value"]
        return self._ack(content, item_id=content["item_id"])

    @intent("dim")
    def _on_toggle(self, content: dict) -> dict:
        self.calls.append("dim")
        return self._ack(content)


def talk(widget: IntentWidget):
    sent: list[dict] = []
    widget.send = lambda content, buffers=None: sent.append(content)

    def say(type_: str, seq: int | None = None, **fields: Any) -> dict:
        envelope = {} if seq is None else {"client": "c", "seq": seq}
        widget._dispatch(widget, {"type": type_, **envelope, **fields}, [])
        return sent[-1]

    return sent, say


def test_intents_are_collected_from_the_class_and_its_bases():
    assert dict(Lamp._intents).keys() == {"set", "toggle", "peek"}
    assert Lamp._intents["set"].last_wins and not Lamp._intents["toggle"].last_wins
    assert not Lamp._intents["peek"].sequenced and Lamp._intents["set"].sequenced
    assert QuietLamp._intents == Lamp._intents  # an override keeps the declaration
    assert Dimmer._intents.keys() == {"set", "dim", "peek"}
    assert Dimmer._intents["set"].method == "_on_set_level" and not Dimmer._intents["set"].last_wins
    assert IntentWidget._intents == {}


def test_the_real_widgets_declare_their_intents():
    from hitl_widgets.dashboards.confusion import ConfusionDashboard
    from hitl_widgets.gates import QualityGate
    from hitl_widgets.widgets.bbox import BBoxAnnotator
    from hitl_widgets.widgets.classify import ClassifyWidget
    from hitl_widgets.widgets.retrieval import RetrievalVerifier

    assert {n: s.last_wins for n, s in ClassifyWidget._intents.items()} == {
        "fetch": False, "order": False, "label": True, "skip": True, "undo": True, "replay": False}
    assert not ClassifyWidget._intents["order"].sequenced  # a read, as fetch: answered by its own message
    assert QualityGate._intents.keys() == {"fetch", "order", "decide", "undo", "replay"} and QualityGate._intents["decide"].last_wins
    assert BBoxAnnotator._intents.keys() == {"fetch", "order", "add", "update", "delete", "accept", "adjust", "reject", "undo", "redo", "sync", "replay"}
    assert RetrievalVerifier._intents["fetch"].method == "_on_fetch"  # the one media server, its keys parsed by a hook
    assert ConfusionDashboard._intents.keys() == {"fetch", "open_cell", "open_issues", "relabel", "replay"}  # no queue: no undo


def test_an_override_without_the_decorator_handles_the_intent():
    lamp = QuietLamp()
    _, say = talk(lamp)
    assert say("set", 1, item_id=1, value="on")["value"] == "on"
    assert lamp.calls == ["quiet set", "set"]


def test_a_redeclared_intent_goes_to_its_new_method_and_the_old_name_is_gone():
    dimmer = Dimmer()
    _, say = talk(dimmer)
    say("set", 1, item_id=1, value="on")
    reply = say("toggle", 2, item_id=1)
    assert reply["type"] == "refused" and "unknown command 'toggle'" in reply["message"]
    assert say("dim", 3)["type"] == "ack"
    assert dimmer.calls == ["level", "dim"]


@pytest.mark.parametrize("name", ["_on_secret", "_on_set", "secret", "_dispatch", "fetch", "SET"])
def test_undeclared_intents_are_refused_and_reach_no_method(name):
    lamp = Lamp()
    _, say = talk(lamp)
    reply = say(name, 1, item_id=1)
    assert reply["type"] == "refused" and "unknown command" in reply["message"]
    assert lamp.calls == [] and lamp.refused[-1]["intent"] == name


def test_last_wins_answers_an_overtaken_intent_stale_and_changes_nothing():
    lamp = Lamp()
    _, say = talk(lamp)
    assert say("set", 5, item_id=1, value="on")["value"] == "on"
    late = say("set", 4, item_id=1, value="off")  # sent before seq 5, delivered after it
    assert late["type"] == "ack" and late["stale"] is True and late["value"] == "on"
    assert lamp.state == {1: "on"} and lamp.calls == ["set"]
    assert say("set", 3, item_id=2, value="off")["value"] == "off"  # another item: its own slot
    assert say("set", 6, item_id="1", value="off").get("stale") is None  # "1" is not 1


def test_an_intent_not_declared_last_wins_is_applied_in_arrival_order():
    lamp = Lamp()
    _, say = talk(lamp)
    say("toggle", 5, item_id=1)
    reply = say("toggle", 4, item_id=1)
    assert reply.get("stale") is None and reply["value"] == "off"
    assert lamp.calls == ["toggle", "toggle"]


def test_an_unsequenced_intent_needs_no_envelope_and_is_refused_in_a_batch():
    lamp = Lamp()
    sent, say = talk(lamp)
    say("set", 1, item_id=1, value="on")
    assert say("peek") == {"type": "state", "state": {1: "on"}}
    lamp._dispatch(lamp, {"type": "batch", "intents": [{"type": "peek"}, {"type": "toggle", "client": "c", "seq": 2, "item_id": 1}]}, [])
    assert sent[-2]["type"] == "refused" and "a batch holds intents, not 'peek'" in sent[-2]["message"]
    assert sent[-1]["type"] == "ack" and lamp.state == {1: "off"}


# ------------------------------------------------------------------ the shared commit and undo paths
class Notes(ReviewWidget):
    """Each item holds its latest note; everything goes through the base class's paths."""

    _state_kinds = ("note",)

    def __init__(self, store: AnnotationStore, log: list):
        self.notes: dict[Hashable, str] = {}
        self.trace = log
        super().__init__(np.zeros((3, 4, 4, 1), np.uint8), store=store, task="notes")

    def _load(self) -> None:
        self.trace.append(("load", self.order))  # before the queue: the order is still empty
        for row in self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator).itertuples():
            self.notes[row.item_id] = row.payload["text"]

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        self.trace.append(("mirror", key, None if event is None else event["payload"]["text"], len(self.store.events("notes"))))
        if event is None:
            self.notes.pop(key, None)
        else:
            self.notes[key] = event["payload"]["text"]

    def _label(self, key: Hashable) -> Any:
        return self.notes.get(key)

    def _is_done(self, item_id: Hashable) -> bool:
        return item_id in self.notes

    def _item_state(self, item_id: Any) -> dict:
        return {"text": self.notes.get(item_id), "n_done": self.n_done}

    @intent("note", last_wins=True)
    def _on_note(self, content: dict) -> dict:
        return self._answer(content, self._commit(self._item_id(content), "note", {"text": str(content["text"])}))

    @intent("undo", last_wins=True)
    def _on_undo(self, content: dict) -> dict:
        return self._answer(content, self._undo(self._item_id(content)))


def test_commit_path_order_record_mirror_recount_emit_ack():
    store = AnnotationStore(":memory:", annotator="ada")
    log: list = []
    w = Notes(store, log)
    assert log == [("load", [])] and w.n_done == 0
    w.observe(lambda ch: log.append(("n_done", ch["new"])), names=["n_done"])
    w.on_label(lambda e: log.append(("told", e["kind"], e["label"], e["event_id"])))
    w.send = lambda content, buffers=None: log.append(("answer", content["type"], content.get("text"), content.get("n_done")))
    w._dispatch(w, {"type": "note", "client": "c", "seq": 1, "item_id": 2, "text": "hi"}, [])
    assert log[1:] == [("mirror", 2, "hi", 1), ("n_done", 1), ("told", "note", "hi", 1), ("answer", "ack", "hi", 1)]


def test_the_shared_undo_mirrors_the_latest_event_left_then_nothing():
    store = AnnotationStore(":memory:", annotator="ada")
    w = Notes(store, [])
    sent: list = []
    w.send = lambda content, buffers=None: sent.append(content)
    for seq, text in enumerate(["a", "b"], 1):
        w._dispatch(w, {"type": "note", "client": "c", "seq": seq, "item_id": 0, "text": text}, [])
    store.record("notes", 0, {"text": "bo's"}, kind="note", annotator="bo")  # another annotator's: not ours
    del w.trace[:]
    w._dispatch(w, {"type": "undo", "client": "c", "seq": 3, "item_id": 0}, [])
    assert w.trace == [("mirror", 0, "a", 4)] and sent[-1]["text"] == "a" and w.n_done == 1
    w._dispatch(w, {"type": "undo", "client": "c", "seq": 4, "item_id": 0}, [])
    assert w.trace[-1] == ("mirror", 0, None, 5) and sent[-1]["text"] is None and w.n_done == 0
    w._dispatch(w, {"type": "undo", "client": "c", "seq": 5, "item_id": 0}, [])
    assert sent[-1]["type"] == "refused" and sent[-1]["message"] == "nothing to undo for item 0"
    again = Notes(store, [])  # the state loads from the store before the queue counts it
    assert again.notes == {} and again.n_done == 0
