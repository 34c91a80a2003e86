"""Kernel side shared by every widget that steps through items.

The browser renders and sends *intents* (``model.send({type, ...})``); this class validates each
one before anything reaches the store, answers with an ``ack`` (carrying the client's ``seq``) or a
``refused`` message that the view shows, and serves media on request as binary buffers.

Protocol (browser → kernel):
    {"type": "fetch", "ids": [...]}                 → {"type": "items", "items": [...]} + buffers
    {"type": <intent>, "client": str, "seq": int, ...} → {"type": "ack" | "refused", "seq", ...}
    {"type": "batch", "intents": [<intent>, ...]}  → one answer per intent, as above
A batch (intents made while an earlier one was unanswered, sent together by the view) is handled
intent by intent, in order, exactly as if each had come alone: each answer leaves as soon as its
intent is handled, so answers and trait changes reach the browser in the order they happened.
A repeated (client, seq) — a retry — gets the first answer again and changes nothing.
For the intents a widget lists in ``_last_wins`` (setting an item's label or verdict), an intent
that arrives after a newer one from the same client for the same item (a lost message re-sent
late) is answered ``stale`` with the item's current state and changes nothing: the user's last
action on an item wins whatever order the network delivers them in.
"""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Hashable

import anywidget
import traitlets

from .._version import __version__
from ..items import Items
from ..queue import QueueSpec, resolve_queue
from ..store import AnnotationStore

log = logging.getLogger("hitl_widgets")

STATIC = Path(__file__).resolve().parents[1] / "static"
MAX_FETCH = 64  # items per fetch request
MAX_MESSAGE_BYTES = 256 * 1024  # larger intents are refused
MAX_BUFFER_BYTES = 32 * 1024 * 1024  # binary buffers of one intent, in all
ACK_MEMORY = 10_000  # answers kept for retried intents
MAX_BATCH = 64  # intents in one batch message


def static_file(name: str) -> Path:
    """Path of a built front-end file, with a clear error when the JS was never built."""
    path = STATIC / name
    if not path.is_file():
        raise RuntimeError(
            f"hitl-widgets front-end not built ({path} missing): run `npm install && npm run build` "
            "in the source tree, or reinstall with `pip install .`"
        )
    return path


class IntentError(ValueError):
    """A message from the browser that is refused (shown in the view, nothing stored)."""


def is_item_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


class IntentWidget(anywidget.AnyWidget):
    """Base of every widget: validated, acknowledged intents from the browser.

    Subclasses register handlers in ``self._handlers`` (intent type → method returning the reply
    sent with ``_ack``); a handler raises ``IntentError`` to refuse. The binary buffers that came
    with the intent are in ``self.intent_buffers`` while its handler runs.
    """

    version = traitlets.Unicode(__version__).tag(sync=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.refused: list[dict] = []  # every refused intent, newest last
        self._handlers: dict[str, Callable[[dict], dict | None]] = {}
        self._answers: OrderedDict[tuple[str, int], dict] = OrderedDict()
        self._applied: dict[tuple[str, Any], int] = {}  # (client, item id) -> newest seq applied
        self.intent_buffers: list[bytes] = []
        self.on_msg(self._dispatch)

    # ------------------------------------------------------------------ dispatch
    def _dispatch(self, _widget: Any, content: Any, buffers: list) -> None:
        try:
            size = len(json.dumps(content, default=str))
        except (TypeError, ValueError):
            size = MAX_MESSAGE_BYTES + 1
        if size > MAX_MESSAGE_BYTES:
            self._refuse(content if isinstance(content, dict) else {}, f"message too large ({size} bytes)")
            return
        buffer_bytes = sum(len(memoryview(b).cast("B")) for b in buffers or [])
        if buffer_bytes > MAX_BUFFER_BYTES:
            self._refuse(content if isinstance(content, dict) else {}, f"binary data too large ({buffer_bytes} bytes)")
            return
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            self._refuse({}, f"malformed message: expected an object with a 'type', got {type(content).__name__}")
            return
        if content["type"] == "batch":
            self._dispatch_batch(content.get("intents"))
            return
        self._dispatch_one(content, buffers)

    def _dispatch_batch(self, intents: Any) -> None:
        if not isinstance(intents, list) or not intents or len(intents) > MAX_BATCH:
            self._refuse({}, f"malformed batch: expected a list of 1 to {MAX_BATCH} intents")
            return
        for intent in intents:
            if isinstance(intent, dict) and intent.get("type") in ("batch", "fetch"):
                self._refuse(intent, f"a batch holds intents, not {intent['type']!r}")
            elif not isinstance(intent, dict) or not isinstance(intent.get("type"), str):
                self._refuse({}, "malformed intent in a batch: expected an object with a 'type'")
            else:
                self._dispatch_one(intent, [])

    def _dispatch_one(self, content: dict, buffers: list) -> None:
        kind = content["type"]
        handler = self._handlers.get(kind)
        if handler is None:
            self._refuse(content, f"unknown command {kind[:40]!r}")
            return
        key = slot = None
        if kind != "fetch":
            client, seq = content.get("client"), content.get("seq")
            if not isinstance(client, str) or not (1 <= len(client) <= 64) or not isinstance(seq, int) or isinstance(seq, bool):
                self._refuse(content, "intent without a valid client id and sequence number")
                return
            key = (client, seq)
            if key in self._answers:  # a retry: answer the same, change nothing
                self.send(self._answers[key])
                return
            slot = self._slot(kind, content, client)
            if slot is not None and self._applied.get(slot, -1) > seq:  # overtaken by a newer intent
                self._remember(key, self._stale_reply(content))
                return
        self.intent_buffers = [bytes(b) for b in buffers or []]
        try:
            reply = handler(content)
        except IntentError as exc:
            reply = self._refuse(content, str(exc))
        except Exception as exc:  # a bug or a store failure: report, never pretend it was saved
            log.exception("hitl_widgets: %s failed", kind)
            reply = self._refuse(content, f"could not save: {type(exc).__name__}: {exc}")
            key = None  # a retry may succeed
        finally:
            self.intent_buffers = []
        if key is not None and reply is not None:
            self._remember(key, reply)
            if reply.get("type") == "ack" and slot is not None:
                self._applied[slot] = max(self._applied.get(slot, -1), seq)

    def _remember(self, key: tuple[str, int], reply: dict) -> None:
        """Keep the answer to (client, seq) for its retries (the newest ACK_MEMORY answers)."""
        self._answers[key] = reply
        while len(self._answers) > ACK_MEMORY:
            self._answers.popitem(last=False)

    _last_wins: frozenset[str] = frozenset()  # intents that set an item's state: the newest wins

    def _slot(self, kind: str, content: dict, client: str) -> tuple[str, Any] | None:
        """(client, item id) for a last-wins intent naming a valid item id, else None."""
        item_id = content.get("item_id")
        if kind not in self._last_wins or not is_item_id(item_id):
            return None
        return (client, (type(item_id).__name__, item_id))

    def _stale_reply(self, content: dict) -> dict:
        """Answer an overtaken intent: an ack marked stale with the item's current state."""
        return self._ack(content, item_id=content.get("item_id"), stale=True, **self._item_state(content.get("item_id")))

    def _item_state(self, item_id: Any) -> dict:
        """What the view shows of an item's state (its label, its verdict...), for stale answers."""
        return {}

    def _refuse(self, content: dict, message: str) -> dict:
        """Send a refusal (the caller decides whether a retry gets the same answer: _dispatch_one
        remembers a refused intent, not a failed save)."""
        reply = {"type": "refused", "message": message}
        for k in ("client", "seq", "item_id", "type"):
            if k in content and isinstance(content[k], (int, str)) and len(str(content[k])) < 200:
                reply["intent" if k == "type" else k] = content[k]
        self.refused.append({"message": message, "intent": reply.get("intent")})
        log.warning("hitl_widgets refused an intent: %s", message)
        self.send(reply)
        return reply

    def _ack(self, content: dict, **fields: Any) -> dict:
        reply = {"type": "ack", "client": content["client"], "seq": content["seq"], "intent": content["type"], **fields}
        self.send(reply)
        return reply

class ReviewWidget(IntentWidget):
    """Base for widgets that step through ``Items`` with a queue and a store."""

    task = traitlets.Unicode("default").tag(sync=True)
    annotator = traitlets.Unicode("").tag(sync=True)
    order = traitlets.List().tag(sync=True)  # item ids, in review order
    position = traitlets.Int(0).tag(sync=True)
    n_done = traitlets.Int(0).tag(sync=True)  # items of the queue with a current label
    title = traitlets.Unicode("").tag(sync=True)
    autofocus = traitlets.Bool(True).tag(sync=True)

    def __init__(
        self,
        items: Any,
        store: AnnotationStore | None = None,
        task: str = "default",
        queue: QueueSpec = None,
        annotator: str | None = None,
        **kwargs: Any,
    ):
        items = items if isinstance(items, Items) else Items(items)
        store = store if store is not None else AnnotationStore()
        if not isinstance(task, str) or not task:
            raise ValueError(f"task must be a non-empty str, not {task!r}")
        super().__init__(task=task, annotator=annotator or store.annotator, **kwargs)
        self.items = items
        self.store = store
        self._handlers["fetch"] = self._on_fetch
        self._listeners: list[Callable[[dict], None]] = []
        self._done_lock = threading.RLock()  # n_done's count, shared with a background set_queue
        self.order = resolve_queue(queue, items)

    # ------------------------------------------------------------------ public API
    def set_queue(self, queue: QueueSpec, position: int = 0) -> None:
        """Review these item ids next (a sequence, or a callable returning one)."""
        order = resolve_queue(queue, self.items)
        self.order = order  # counts n_done again (the order observer)
        self.position = max(0, min(position, len(order) - 1))

    def on_label(self, callback: Callable[[dict], None]) -> None:
        """Call ``callback(event)`` after each stored change.

        ``event`` has keys item_id, kind ("label", "skip" or "undo"), label (the current label
        after the change, or None), event_id, annotator.
        """
        self._listeners.append(callback)

    # ------------------------------------------------------------------ subclass hooks
    def _item_info(self, item_id: Hashable) -> dict:
        """Extra per-item fields sent with the media (current label, proposal, ...)."""
        return {}

    def _is_done(self, item_id: Hashable) -> bool:
        """Whether one item counts towards ``n_done`` (labelled, reviewed, boxed, ...)."""
        return False

    def _refresh_done(self) -> None:
        """Recount ``n_done`` over the whole queue (a new queue, state loaded in bulk)."""
        with self._done_lock:  # a background thread (the active-learning loop) may set the queue
            self._done = {i for i in self.order if self._is_done(i)}
            self.n_done = len(self._done)

    def _recount_item(self, item_id: Hashable) -> None:
        """One item changed: update ``n_done`` by that item alone (O(1), where a recount is
        O(queue): 2 ms per label on a 100,000-item queue)."""
        with self._done_lock:
            if item_id not in self._order_index:
                return
            now, done = self._is_done(item_id), self._done
            if now != (item_id in done):
                (done.add if now else done.discard)(item_id)
                self.n_done = len(done)

    def _emit(self, event: dict) -> None:
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:  # a user's callback must not break labelling
                log.exception("hitl_widgets: on_label callback failed")

    # ------------------------------------------------------------------ validation helpers
    def _item_id(self, content: dict, key: str = "item_id") -> Hashable:
        item_id = content.get(key)
        if not is_item_id(item_id) or item_id not in self.items:
            raise IntentError(f"unknown item id {str(item_id)[:60]!r}")
        return item_id

    # ------------------------------------------------------------------ media
    def _on_fetch(self, content: dict) -> None:
        ids = content.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_FETCH:
            raise IntentError(f"fetch needs a list of 1 to {MAX_FETCH} item ids")
        for i in ids:
            if not is_item_id(i) or i not in self.items:
                raise IntentError(f"unknown item id {str(i)[:60]!r}")
        infos, buffers = [], []
        for item_id in ids:
            info: dict[str, Any] = {"id": item_id}
            try:
                media = self.items.media(item_id)
                info.update(kind=media.kind, mime=media.mime, width=media.width, height=media.height)
                if media.kind == "text":
                    info["text"] = media.data
                else:
                    info["buffer"] = len(buffers)
                    buffers.append(media.data)
            except ValueError as exc:
                info.update(kind="error", error=str(exc))
            info.update(self._item_info(item_id))
            infos.append(info)
        self.send({"type": "items", "items": infos}, buffers=buffers)
        self._prefetch_after(ids[-1])
        return None

    @traitlets.observe("order")
    def _index_order(self, change: dict) -> None:
        with self._done_lock:
            self._order_index = {item_id: n for n, item_id in enumerate(change["new"])}
            self._refresh_done()  # by set_queue, or ``w.order`` assigned directly

    def _prefetch_after(self, item_id: Hashable, count: int = 8) -> None:
        """Warm the kernel-side cache for the items after ``item_id`` in the queue."""
        start = getattr(self, "_order_index", {}).get(item_id)
        if start is not None:
            self.items.prefetch(self.order[start + 1 : start + 1 + count])
