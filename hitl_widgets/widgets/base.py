"""Kernel side shared by every widget: declared intents, one commit path, media on request.

The browser renders and sends *intents* (``model.send({type, ...})``); a widget declares the
handler of each where it is defined, with ``@intent("label", last_wins=True)``, and
``IntentWidget`` validates the envelope before any handler runs, answers with an ``ack``
(carrying the client's ``seq``) or a ``refused`` message that the view shows, and serves media on
request as binary buffers.

Protocol (browser → kernel):
    {"type": "fetch", "ids": [...]}                 → {"type": "items", "items": [...]} + buffers
    {"type": <intent>, "client": str, "seq": int, ...} → {"type": "ack" | "refused", "seq", ...}
    {"type": "batch", "intents": [<intent>, ...]}  → one answer per intent, as above
    {"type": "replay", "edits": [{"type", "fields", "made_at"}, ...], "client", "seq"}
                                                   → one ack with a result per edit (ItemsWidget)
A batch (intents made while an earlier one was unanswered, sent together by the view) is handled
intent by intent, in order, exactly as if each had come alone: each answer leaves as soon as its
intent is handled, so answers and trait changes reach the browser in the order they happened.
A repeated (client, seq) — a retry — gets the first answer again and changes nothing.
For an intent declared ``last_wins`` (setting an item's label or verdict), an intent that arrives
after a newer one from the same client for the same item (a lost message re-sent late) is
answered ``stale`` with the item's current state and changes nothing: the user's last action on
an item wins whatever order the network delivers them in.

A change goes through one path (``ItemsWidget._commit`` / ``_undo``): record the event in the
store → mirror it into the widget's state (``_mirror``) → recount (``_recount_item``: ``n_done``,
which reaches the view by trait sync) → tell the ``on_label`` listeners → the handler
acknowledges it (``_answer``).

Edits the kernel never acknowledged (it died) are kept in the browser (js/src/lib/offline.ts) under
the widget's ``store_key`` (a hash of the store, task and annotator); a new widget on the same
store, task and annotator offers them, and those the person keeps come back as one ``replay``
intent: each edit runs through its own intent's handler, validated as if it came alone, and is
stored with the time it was made (``made_at``), unless the item has a change made after it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import anywidget
import numpy as np
import sqlalchemy as sa
import traitlets

from .._version import __version__
from ..coerce import check_int, check_item_id, check_number, finite_number, is_item_id, plain
from ..items import MAX_ID_CHARS, Items
from ..queue import QueueSpec, queue_positions
from ..static import StaticCard, thumbnail_jpeg, with_static
from ..store import AnnotationStore, event_time

log = logging.getLogger("hitl_widgets")

STATIC = Path(__file__).resolve().parents[1] / "static"
MAX_FETCH = 64  # items per fetch request
MAX_MESSAGE_BYTES = 256 * 1024  # larger intents are refused
MAX_BUFFER_BYTES = 32 * 1024 * 1024  # binary buffers of one intent, in all
ACK_MEMORY = 10_000  # answers kept for retried intents
ACK_BUFFER_MEMORY = 64 * 1024 * 1024  # bytes of binary buffers kept with those answers (the oldest shed theirs)
MAX_BATCH = 64  # intents in one batch message
MAX_REPLAY = 200  # edits in one replay message (the view sends more in several)
REPLAY_EXCLUDED = frozenset({"replay", "batch", "fetch"})  # intents a replay cannot hold


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


def browser_number(value: Any, name: str) -> float:
    """A finite number from the browser (``coerce.finite_number``: not a bool, a str, NaN, an
    infinity or an int too large for a float), else an ``IntentError`` naming ``name``."""
    number = finite_number(value)
    if number is None:
        got = "an int too large for a float" if isinstance(value, int) and not isinstance(value, bool) else repr(str(value)[:30])
        raise IntentError(f"{name} must be a finite number, got {got}")
    return number


class AlreadySaved(IntentError):
    """A replayed edit the store already holds (its answer was lost with the kernel, not the edit)."""


DISPLAY_HEIGHTS = (32, 8192)  # a widget's display_height: pixels, from a strip to a very tall screen


class _Bounded(traitlets.TraitType):
    """A trait whose values are checked by ``check`` (a ``coerce`` check raising ``ValueError``, its
    message naming the trait), refused with ``TraitError``; the bounds are ``low`` and ``high``."""

    def __init__(self, default_value: Any, low: Any, high: Any, **kwargs: Any) -> None:
        self.low, self.high = low, high
        super().__init__(default_value, **kwargs)

    def check(self, value: Any) -> Any:
        raise NotImplementedError

    def validate(self, obj: Any, value: Any) -> Any:
        try:
            return self.check(value)
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None


class BoundedFloat(_Bounded, traitlets.Float):
    """A Float trait in ``[low, high]``, checked as ``coerce.check_number`` checks a setting: a bool
    (``traitlets.Float`` reads ``True`` as 1.0), a str, NaN or a number outside is refused (never
    clamped) with ``TraitError`` naming the trait; numpy numbers are stored as plain floats.
    ``check(value)`` is the same check raising ``ValueError``, for a constructor's arguments.

    Example:
        >>> class W(traitlets.HasTraits):
        ...     threshold = BoundedFloat(0.5, 0, 1)
        >>> W(threshold=True)
        Traceback (most recent call last):
        ...
        traitlets.traitlets.TraitError: threshold must be a number in [0, 1], not True
    """

    def check(self, value: Any) -> float:
        return check_number(str(self.name), value, self.low, self.high)


class BoundedInt(_Bounded, traitlets.Int):
    """An Int trait in ``[low, high]``, checked as ``coerce.check_int`` checks a setting: a bool
    (``traitlets.Int`` takes ``True`` as 1), a float, a str or an int outside is refused with
    ``TraitError`` naming the trait; numpy ints are stored as plain ints. ``check(value)`` raises
    ``ValueError`` instead, for a constructor's arguments.

    Example:
        >>> class W(traitlets.HasTraits):
        ...     display_height = BoundedInt(480, *DISPLAY_HEIGHTS)
        >>> W(display_height=0)
        Traceback (most recent call last):
        ...
        traitlets.traitlets.TraitError: display_height must be an int in [32, 8192], not 0
    """

    def check(self, value: Any) -> int:
        return check_int(str(self.name), value, self.low, self.high)


@dataclass(frozen=True)
class IntentSpec:
    """What ``@intent`` declares about a handler."""

    name: str  # the message's "type"
    method: str  # the handler's attribute name (an override without ``@intent`` keeps the declaration)
    last_wins: bool = False  # sets an item's state: an intent overtaken by a newer one is answered stale
    sequenced: bool = True  # carries client/seq: remembered for retries, answered ack / refused


_Handler = TypeVar("_Handler", bound=Callable[..., Any])


def intent(name: str, *, last_wins: bool = False, sequenced: bool = True) -> Callable[[_Handler], _Handler]:
    """Declare the decorated method the handler of the browser's intent ``name``.

    The handler takes the message (a dict) and returns the reply it sent: ``self._answer(content,
    self._commit(...))`` for a change, ``self._ack(...)`` otherwise, or None (``sequenced=False``: a
    read such as ``fetch``, which answers with its own message). It raises ``IntentError`` to
    refuse.
    ``last_wins``: the intent sets the state of the item it names (``item_id``).

    Example:
        >>> class Bell(IntentWidget):
        ...     @intent("ring")
        ...     def _on_ring(self, content):
        ...         return self._ack(content)
        >>> sorted(Bell._intents)
        ['ring']
    """

    def declare(method: _Handler) -> _Handler:
        method.__hitl_intent__ = IntentSpec(name, method.__name__, last_wins, sequenced)  # type: ignore[attr-defined]  # read back by IntentWidget
        return method

    return declare


class Reply(dict):
    """An answer to an intent as it is sent: its JSON fields (the dict) and the binary buffers that
    travel with it (``buffers``; a field such as ``{"buffer": 0}`` indexes them), kept together so
    that a retry gets both again. ``binary``: the fields that index the buffers; ``shed()`` drops
    them with the buffers (an old answer kept for retries, ``ACK_BUFFER_MEMORY``).

    Example:
        >>> r = Reply({"type": "ack", "client": "c", "seq": 1, "packed": {"buffer": 0}}, [b"ab"], binary=("packed",))
        >>> r["type"], r.nbytes, sorted(r.shed())
        ('ack', 2, ['client', 'seq', 'type'])
    """

    def __init__(self, fields: Mapping[str, Any] | None = None, buffers: list | None = None, binary: tuple[str, ...] = ()):
        super().__init__(fields or {})
        self.buffers: list = list(buffers or [])
        self.binary = binary

    @property
    def nbytes(self) -> int:
        return sum(len(memoryview(b).cast("B")) for b in self.buffers)

    def shed(self) -> Reply:
        """This answer without its buffers and the fields that index them."""
        return Reply({k: v for k, v in self.items() if k not in self.binary})


@dataclass(frozen=True)
class Committed:
    """A change the commit path stored: event ``event_id`` (an ``op``) on ``item_id``; a handler
    answers it with ``_answer``."""

    item_id: Hashable
    event_id: int
    op: str


def _travels(value: int | str) -> bool:
    """Whether a reply can carry ``value`` back: not a str holding a lone surrogate (valid JSON, not UTF-8)."""
    return not isinstance(value, str) or value.isascii() or not any(0xD800 <= ord(c) <= 0xDFFF for c in value)


class IntentWidget(anywidget.AnyWidget):
    """Base of every widget: declared, validated, acknowledged intents from the browser.

    A subclass declares each handler with ``@intent`` (collected from the class and its bases when
    the class is made: ``cls._intents``, name → ``IntentSpec``); a handler raises ``IntentError``
    to refuse. The binary buffers that came with the intent are in ``self.intent_buffers`` while
    its handler runs.
    """

    version = traitlets.Unicode(__version__).tag(sync=True)
    _intents: ClassVar[Mapping[str, IntentSpec]] = MappingProxyType({})
    #: the synced traits the view may write (each checked by its own validator); a browser's update of
    #: any other (task, annotator, classes, mode, ...) is dropped: the kernel's state is the kernel's
    _view_writable: ClassVar[frozenset[str]] = frozenset({"position", "_position_order"})
    #: traits the view mirrors from the kernel's replies and may send back: dropped without a word
    _view_mirrors: ClassVar[frozenset[str]] = frozenset({"n_done"})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        intents: dict[str, IntentSpec] = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                spec = getattr(value, "__hitl_intent__", None)
                if not isinstance(spec, IntentSpec):
                    continue
                for name, old in list(intents.items()):  # a method re-declared for another intent
                    if old.method == attr and name != spec.name:
                        del intents[name]
                intents[spec.name] = IntentSpec(spec.name, attr, spec.last_wins, spec.sequenced)
        cls._intents = MappingProxyType(intents)

    def __init__(self, **kwargs: Any):
        self.refused: list[dict] = []  # every refused intent, newest last
        self._answers: OrderedDict[tuple[str, int], dict] = OrderedDict()
        self._answer_bytes = 0  # bytes of the buffers kept with self._answers
        self._buffered: deque[tuple[str, int]] = deque()  # keys of the answers kept with buffers, oldest first
        self._applied: dict[tuple[str, Any], int] = {}  # (client, item id) -> newest seq applied
        self.intent_buffers: list[bytes] = []
        super().__init__(**kwargs)
        self.on_msg(self._dispatch)

    def set_state(self, sync_data: dict) -> None:
        """State from the browser: only the traits of ``_view_writable``; the others are dropped and
        listed in ``refused`` (a forged ``{"task": …, "annotator": …, "classes": …}`` would have
        changed where and as whom the next label is stored, and which classes are allowed).

        Example: ``w.set_state({"annotator": "mallory"})`` changes nothing."""
        dropped = sorted(str(k)[:40] for k in sync_data if k not in self._view_writable and k not in self._view_mirrors)
        if dropped:
            message = f"the view may not set {', '.join(dropped[:10])}: dropped"
            self.refused.append({"message": message, "intent": "update"})
            log.warning("hitl_widgets refused a state update: %s", message)
        sync_data = {k: v for k, v in sync_data.items() if k in self._view_writable}
        if sync_data:
            super().set_state(sync_data)

    # ------------------------------------------------------------------ static view
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The live view, and a static card (``text/html``) for where no JavaScript runs."""
        return with_static(super()._repr_mimebundle_(**kwargs), self)

    def _static_card(self) -> StaticCard | None:
        """What this widget shows without JavaScript (``hitl_widgets.static``); None: nothing."""
        return None

    # ------------------------------------------------------------------ dispatch
    def _dispatch(self, _widget: Any, content: Any, buffers: list) -> None:
        try:
            size = len(json.dumps(content, default=str, ensure_ascii=False).encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate ("\ud800" is valid JSON): no reply could carry it back
            self._refuse(content if isinstance(content, dict) else {}, "message holds text that is not valid Unicode (a lone surrogate)")
            return
        except (TypeError, ValueError, RecursionError):  # nested too deep to measure
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
        for one in intents:
            kind = one.get("type") if isinstance(one, dict) else None
            spec = self._intents.get(kind) if isinstance(kind, str) else None
            if kind == "batch" or (spec is not None and not spec.sequenced):
                self._refuse(one, f"a batch holds intents, not {kind!r}")
            elif not isinstance(kind, str):
                self._refuse({}, "malformed intent in a batch: expected an object with a 'type'")
            else:
                self._dispatch_one(one, [])

    def _dispatch_one(self, content: dict, buffers: list) -> None:
        kind = content["type"]
        spec = self._intents.get(kind)
        if spec is None:
            self._refuse(content, f"unknown command {kind[:40]!r}")
            return
        key = slot = None
        if spec.sequenced:
            client, seq = content.get("client"), content.get("seq")
            if not isinstance(client, str) or not (1 <= len(client) <= 64) or not isinstance(seq, int) or isinstance(seq, bool):
                self._refuse(content, "intent without a valid client id and sequence number")
                return
            key = (client, seq)
            if key in self._answers:  # a retry: answer the same, change nothing
                self._send_reply(self._answers[key])
                return
            slot = self._slot(content, client) if spec.last_wins else None
            if slot is not None and self._applied.get(slot, -1) > seq:  # overtaken by a newer intent
                self._remember(key, self._stale_reply(content))
                return
        self.intent_buffers = [bytes(b) for b in buffers or []]
        try:
            reply = getattr(self, spec.method)(content)
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
                self._applied[slot] = max(self._applied.get(slot, -1), content["seq"])

    def _remember(self, key: tuple[str, int], reply: dict) -> None:
        """Keep the answer to (client, seq) for its retries (the newest ACK_MEMORY answers; past
        ACK_BUFFER_MEMORY bytes of buffers, the oldest answers keep only their JSON fields: a late
        retry of one is still acknowledged, without the state that travelled in binary)."""
        self._forget(key)
        self._answers[key] = reply
        if _nbytes(reply):
            self._answer_bytes += _nbytes(reply)
            self._buffered.append(key)
        while len(self._answers) > ACK_MEMORY:
            self._forget(next(iter(self._answers)))
        while self._answer_bytes > ACK_BUFFER_MEMORY and len(self._buffered) > 1:
            old = self._buffered.popleft()
            kept = self._answers.get(old)
            if isinstance(kept, Reply) and kept.buffers:
                self._answer_bytes -= kept.nbytes
                self._answers[old] = kept.shed()

    def _forget(self, key: tuple[str, int]) -> None:
        reply = self._answers.pop(key, None)
        if _nbytes(reply):
            self._answer_bytes -= _nbytes(reply)
            self._buffered.remove(key)

    def _slot(self, content: dict, client: str) -> tuple[str, Any] | None:
        """(client, item id) for a last-wins intent naming a valid item id, else None."""
        item_id = content.get("item_id")
        if not is_item_id(item_id):
            return None
        return (client, (type(item_id).__name__, item_id))

    def _stale_reply(self, content: dict) -> dict:
        """Answer an overtaken intent: an ack marked stale with the item's current state."""
        return self._state_ack(content, content.get("item_id"), stale=True)

    def _item_state(self, item_id: Any) -> dict:
        """What the view is told of an item's state (its label, its verdict...) in every answer
        about it: a change's ack, a stale answer."""
        return {}

    _binary_state: ClassVar[tuple[str, ...]] = ()  # the fields of _reply_state that index buffers

    def _reply_state(self, item_id: Any, buffers: list) -> dict:
        """``_item_state`` as the answers carry it; a widget whose state is large overrides it to
        send part of it as binary buffers (appended to ``buffers``, named in ``_binary_state``)."""
        return self._item_state(item_id)

    def _state_ack(self, content: dict, item_id: Any, **fields: Any) -> dict:
        """Acknowledge ``content`` with the item's state (``_reply_state``: its buffers go too)."""
        buffers: list = []
        state = self._reply_state(item_id, buffers)
        return self._ack(content, buffers, item_id=item_id, **fields, **state)

    def _answer(self, content: dict, done: Committed, **fields: Any) -> dict:
        """The last step of the commit path: acknowledge a committed change with its item, its
        event and the item's state after it (``fields``: more)."""
        return self._state_ack(content, done.item_id, event_id=done.event_id, **fields)

    def _refuse(self, content: dict, message: str) -> dict:
        """Send a refusal (the caller decides whether a retry gets the same answer: _dispatch_one
        remembers a refused intent, not a failed save)."""
        reply: dict[str, Any] = {"type": "refused", "message": message}
        for k in ("client", "seq", "item_id", "type"):
            v = content.get(k)
            if isinstance(v, (int, str)) and len(str(v)) < 200 and _travels(v):
                reply["intent" if k == "type" else k] = v
        self.refused.append({"message": message, "intent": reply.get("intent")})
        log.warning("hitl_widgets refused an intent: %s", message)
        return self._reply(reply)

    def _intent_from_code(self, kind: str, /, **fields: Any) -> dict:
        """Run the declared handler of intent ``kind`` for a call from Python, as if the view had
        sent it (one commit path: the same validation, store event and ack); a refusal becomes a
        ``ValueError`` and stores nothing. The view refetches its items. Returns the ack. (``kind`` is
        positional-only: an intent may have a field named ``kind``.)"""
        spec = self._intents[kind]
        try:
            reply = getattr(self, spec.method)({"type": kind, "client": "python", "seq": 0, **fields})
        except IntentError as exc:
            raise ValueError(str(exc)) from None
        self.send({"type": "invalidate"})
        return reply

    def _ack(self, content: dict, buffers: list | None = None, **fields: Any) -> Reply:
        """Acknowledge ``content`` with ``fields`` (and binary ``buffers``, which its fields index)."""
        reply = {"type": "ack", "client": content["client"], "seq": content["seq"], "intent": content["type"], **fields}
        return self._reply(reply, buffers)

    _muted: list[Reply] | None = None  # while replaying: the edits' own answers (with their buffers), kept instead of sent

    def _reply(self, reply: dict, buffers: list | None = None) -> Reply:
        """Send an answer with its buffers (kept instead while muted); returns it as a ``Reply``."""
        out = Reply(reply, buffers, self._binary_state if buffers else ())
        if self._muted is not None:
            self._muted.append(out)
        else:
            self._send_reply(out)
        return out

    def _send_reply(self, reply: dict) -> None:
        buffers = getattr(reply, "buffers", None)
        if buffers:
            self.send(reply, buffers=buffers)
        else:
            self.send(reply)


def _nbytes(reply: Any) -> int:
    return reply.nbytes if isinstance(reply, Reply) else 0


def _same_json(a: Any, b: Any) -> bool:
    try:
        return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return False


def store_identity(store: AnnotationStore, task: str, annotator: str) -> str:
    """What names a widget's store, task and annotator in the browser (where it keeps the edits
    the kernel has not acknowledged): a hash, so no path or URL reaches the page; "" for an
    in-memory store, which does not outlive its kernel."""
    if store.url == "sqlite://":
        return ""
    url = sa.engine.make_url(store.url).render_as_string(hide_password=True)
    return hashlib.sha256(json.dumps([url, task, annotator]).encode("utf-8")).hexdigest()[:32]


def media_info(source: Items, item_id: Hashable, buffers: list, prefix: str = "", size: bool = True) -> dict:
    """One item's media as fields of an ``items`` message: kind, mime (and, with ``size``, width
    and height), then its text, or the index of its binary buffer (appended to ``buffers``; a video's
    is its first frame, with n_frames, fps and duration_s beside it); kind "error" with the reason
    when it cannot be read. ``prefix`` names a second medium ("original_")."""
    try:
        media = source.media(item_id)
    except ValueError as exc:
        return {f"{prefix}kind": "error", f"{prefix}error": str(exc)}
    info: dict[str, Any] = {f"{prefix}kind": media.kind, f"{prefix}mime": media.mime}
    if size:
        info.update(width=media.width, height=media.height)
    if media.kind == "video":  # its poster is the buffer; frame count, rate and duration come along
        video = source.info(item_id)
        info.update({f"{prefix}{k}": video[k] for k in ("n_frames", "fps", "duration_s")})
    if media.kind == "text":
        info[f"{prefix}text"] = media.data
    else:
        info[f"{prefix}buffer"] = len(buffers)
        buffers.append(media.data)
    return info


class ItemsWidget(IntentWidget):
    """Base for widgets over ``Items`` and a store: media on request, the commit path, ``on_label``.

    A subclass sets its own attributes before calling ``__init__`` and reads its state from the
    store in ``_load`` (called here, before anything counts or shows an item); it mirrors one
    event into that state in ``_mirror`` and changes an item only through ``_commit`` / ``_undo``.
    """

    task = traitlets.Unicode("default").tag(sync=True)
    annotator = traitlets.Unicode("").tag(sync=True)
    # where the view keeps unacknowledged edits (js/src/lib/offline.ts): store + task + annotator
    store_key = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    autofocus = traitlets.Bool(True).tag(sync=True)
    _state_kinds: ClassVar[tuple[str, ...]] = ()  # the kinds whose latest event per item is its state
    _own_state: ClassVar[bool] = True  # the state is this annotator's events (False: everyone's)
    # a widget that shows a video whole (not only its first frame as a poster) sets this; one that
    # plays and shows recordings sets _takes_audio
    _takes_video: ClassVar[bool] = False
    _takes_audio: ClassVar[bool] = False

    def __init__(
        self,
        items: Any,
        store: AnnotationStore | None = None,
        task: str = "default",
        annotator: str | None = None,
        **kwargs: Any,
    ):
        items = items if isinstance(items, Items) else Items(items)
        if items.is_video and not self._takes_video:
            # it would show each video's first frame only: a label judged on one frame, silently
            raise ValueError(f"{type(self).__name__} shows images and texts, not videos: "
                             f"review videos with a video widget (frame-exact review of videos is issue 17)")
        if items.is_audio and not self._takes_audio:
            raise ValueError(f"{type(self).__name__} shows images and texts, not audio: "
                             f"review recordings with an audio widget (speech review is issue 18)")
        store = store if store is not None else AnnotationStore()
        if not isinstance(task, str) or not task:
            raise ValueError(f"task must be a non-empty str, not {task!r}")
        self.items = items
        self.store = store
        self._listeners: list[Callable[[dict], None]] = []
        annotator = annotator or store.annotator
        super().__init__(task=task, annotator=annotator, store_key=store_identity(store, task, annotator), **kwargs)
        self._load()

    # ------------------------------------------------------------------ public API
    def on_label(self, callback: Callable[[dict], None]) -> None:
        """Call ``callback(event)`` after each stored change.

        ``event`` has keys item_id, kind ("label", "skip" or "undo"), label (the current label
        after the change, or None), event_id, annotator.
        """
        self._listeners.append(callback)

    # ------------------------------------------------------------------ static view
    def _static_card(self) -> StaticCard | None:
        title = type(self).__name__ + (f": {self.title}" if self.title else "")
        rows: list[tuple[str, Any]] = [("task", self.task), ("annotator", self.annotator), ("items", len(self.items))]
        return StaticCard(title, rows + self._static_rows())

    def _static_rows(self) -> list[tuple[str, Any]]:
        """Rows a subclass adds to its static card (counts of what was done)."""
        return []

    def _static_picture(self, item_id: Hashable) -> bytes | None:
        """A thumbnail of one item as the widget shows it (PNG bytes), or None (not an image)."""
        if self.items.kind(item_id) != "image":
            return None
        return thumbnail_jpeg(self.items.image(item_id))

    # ------------------------------------------------------------------ subclass hooks
    def _load(self) -> None:
        """Read the widget's state from the store (once, before the queue is set)."""

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        """Make ``event`` (event_id, annotator, kind, payload) the state of the item the store calls
        ``key``; None: the item has no current event. ``state``: that state, when the handler
        already holds it (so it need not be decoded from the payload again)."""

    def _label(self, key: Hashable) -> Any:
        """What ``on_label`` listeners are told is the item's label after a change."""
        return None

    def _recount_item(self, item_id: Hashable) -> None:
        """One item changed: bring what is counted over the items up to date."""

    def _item_info(self, item_id: Hashable) -> dict:
        """Extra per-item fields sent with the media (current label, proposal, ...)."""
        return {}

    # ------------------------------------------------------------------ edits from before a restart
    _replay_at: datetime | None = None  # while replaying one edit: when it was made

    @intent("replay")
    def _on_replay(self, content: dict) -> dict:
        """Edits kept in the browser while the kernel was down, that the person chose to save.

        ``edits``: a list of ``{"type", "fields", "made_at"}`` (the intent, its fields, when it was
        made in ms since 1970), all checked before any runs. Each runs through its own intent's
        handler, as if it came alone, and is stored with the time it was made; an edit on an item
        that has a change made after it is not stored (the newer one stands). The ack holds one
        result per edit: ``{"ok": True}`` or ``{"ok": False, "message", "retry"}`` (``retry``: a
        failure to save, not a refusal).
        """
        edits = content.get("edits")
        if not isinstance(edits, list) or not edits or len(edits) > MAX_REPLAY:
            raise IntentError(f"replay needs a list of 1 to {MAX_REPLAY} edits")
        checked = [self._replay_edit(n, edit) for n, edit in enumerate(edits)]
        results = [self._replay_one(kind, fields, at, content) for kind, fields, at in checked]
        stored = sum(r["ok"] and not r.get("already", False) for r in results)
        if stored:
            self.send({"type": "invalidate"})  # the view's copies of those items are out of date
        return self._ack(content, results=results, stored=stored, **self._replay_counts())

    def _replay_counts(self) -> dict:
        n_done = getattr(self, "n_done", None)
        return {} if n_done is None else {"n_done": n_done}

    def _replay_edit(self, n: int, edit: Any) -> tuple[str, dict, datetime]:
        """One replayed edit, checked: (its intent, its fields, when it was made)."""
        if not isinstance(edit, dict) or set(edit) != {"type", "fields", "made_at"}:
            raise IntentError(f"replay edit {n}: expected an object with type, fields and made_at")
        kind, fields, made_at = edit["type"], edit["fields"], edit["made_at"]
        spec = self._intents.get(kind) if isinstance(kind, str) else None
        if spec is None or not spec.sequenced or kind in REPLAY_EXCLUDED:
            shown = kind[:40] if isinstance(kind, str) else type(kind).__name__
            raise IntentError(f"replay edit {n}: {shown!r} is not an edit this widget takes")
        if not isinstance(fields, dict) or {"type", "client", "seq"} & set(fields):
            raise IntentError(f"replay edit {n}: fields must be an object without type, client or seq")
        if not isinstance(made_at, (int, float)) or isinstance(made_at, bool) or not math.isfinite(made_at):
            raise IntentError(f"replay edit {n}: made_at must be a finite number (ms since 1970)")
        try:
            at = event_time(datetime.fromtimestamp(made_at / 1000, tz=timezone.utc))
        except (ValueError, OverflowError, OSError) as exc:
            raise IntentError(f"replay edit {n}: made_at {made_at!r}: {exc}") from None
        return kind, fields, at

    def _replay_one(self, kind: str, fields: dict, at: datetime, content: dict) -> dict:
        """Run one checked edit through its handler with its time; its own answer is not sent."""
        one = {**fields, "type": kind, "client": content["client"], "seq": content["seq"]}
        self._replay_at, self._muted = at, []
        try:
            reply = getattr(self, self._intents[kind].method)(one)
        except AlreadySaved:
            return {"ok": True, "already": True}
        except IntentError as exc:
            return {"ok": False, "message": str(exc), "retry": False}
        except Exception as exc:  # a store failure: not saved, the view keeps it
            log.exception("hitl_widgets: replaying %s failed", kind)
            return {"ok": False, "message": f"could not save: {type(exc).__name__}: {exc}", "retry": True}
        finally:
            self._replay_at, self._muted = None, None
        if not isinstance(reply, dict) or reply.get("type") != "ack":
            return {"ok": False, "message": str((reply or {}).get("message", "not saved")), "retry": False}
        return {"ok": True}

    def _check_newest(self, item_id: Hashable, key: Hashable, kind: str | None = None, payload: dict | None = None) -> datetime | None:
        """While replaying: the edit's time, refused when the item has a change made at or after
        it (``AlreadySaved`` when that change is this very edit, of ``kind`` with ``payload``)."""
        at = self._replay_at
        if at is None:
            return None
        newest = self.store.newest_time(self.task, key, self.annotator)
        if newest is None or newest < at:
            return at
        if kind is not None:
            latest = self.store.latest(self.task, [key], annotator=self.annotator).get(key)
            if latest is not None and latest["kind"] == kind and latest["created_at"] >= at and _same_json(latest["payload"], payload):
                raise AlreadySaved(f"item {item_id!r}: already saved")
        raise IntentError(f"item {item_id!r} was changed after this edit was made: the newer change stands")

    # ------------------------------------------------------------------ the commit path
    def _commit(
        self,
        item_id: Hashable,
        kind: str,
        payload: dict,
        *,
        op: str | None = None,
        key: Hashable | None = None,
        supersedes: int | None = None,
        state: Any = None,
        **told: Any,
    ) -> Committed:
        """Record ``payload`` as one event of ``kind`` → mirror it → recount → tell the ``on_label``
        listeners (``op``, default ``kind``; ``told``: more fields for them); the handler then
        answers (``_answer``). ``key``: the store's item id when it is not ``item_id`` (a query's
        result)."""
        key = item_id if key is None else key
        at = self._check_newest(item_id, key, kind, payload)
        event_id = self.store.record(self.task, key, payload, kind=kind, annotator=self.annotator, supersedes=supersedes, at=at)
        event = {"event_id": event_id, "annotator": self.annotator, "kind": kind, "payload": payload, "supersedes": supersedes}
        self._mirror(key, event, state)
        return self._settle(item_id, key, op or kind, event_id, told)

    def _undo(
        self, item_id: Hashable, *, key: Hashable | None = None, target: int | None = None, missing: str | None = None, **told: Any
    ) -> Committed:
        """Undo the item's newest event by this annotator (or event ``target``) → mirror what is
        current now (``_mirror_undo``) → recount → tell the listeners. Refused (``missing``) when
        there is nothing to undo."""
        key = item_id if key is None else key
        at = self._check_newest(item_id, key)
        if target is None:
            event_id = self.store.undo(task=self.task, item_id=key, annotator=self.annotator, at=at)
        else:
            event_id = self.store.undo(target, annotator=self.annotator, at=at)
        if event_id is None:
            raise IntentError(missing or f"nothing to undo for item {item_id!r}")
        self._mirror_undo(key, target)
        return self._settle(item_id, key, "undo", event_id, told)

    def _mirror_undo(self, key: Hashable, target: int | None) -> None:
        """After an undo: the item's state is its latest event still current (one store read)."""
        latest = self.store.latest(
            self.task, [key], kinds=self._state_kinds or None, annotator=self.annotator if self._own_state else None
        )
        self._mirror(key, latest.get(key))

    def _settle(self, item_id: Hashable, key: Hashable, op: str, event_id: int, told: dict) -> Committed:
        self._recount_item(item_id)
        self._emit({"item_id": item_id, "kind": op, "label": self._label(key), "event_id": event_id, "annotator": self.annotator, **told})
        return Committed(item_id, event_id, op)

    def _emit(self, event: dict) -> None:
        for callback in list(self._listeners):
            try:
                callback(event)
            except Exception:  # a user's callback must not break labelling
                log.exception("hitl_widgets: on_label callback failed")

    # ------------------------------------------------------------------ validation helpers
    def _item_id(self, content: dict, key: str = "item_id") -> Hashable:
        return check_item_id(content.get(key), self.items, error=IntentError)

    # ------------------------------------------------------------------ media
    @intent("fetch", sequenced=False)
    def _on_fetch(self, content: dict) -> None:
        """Serve media: every id is checked first (``_fetch_key``), then one ``items`` message
        carries them all (``_media``), binary media as its buffers."""
        ids = content.get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_FETCH:
            raise IntentError(f"fetch needs a list of 1 to {MAX_FETCH} {self._fetch_noun}")
        keys = [self._fetch_key(i) for i in ids]
        buffers: list = []
        infos = [{"id": i, **self._media(k, buffers)} for i, k in zip(ids, keys)]
        self.send({"type": "items", "items": infos}, buffers=buffers)
        self._prefetch_after(keys[-1])
        return None

    _fetch_noun: ClassVar[str] = "item ids"

    def _fetch_key(self, value: Any) -> Any:
        """A requested id, checked (refused when unknown)."""
        return check_item_id(value, self.items, error=IntentError)

    def _media(self, key: Any, buffers: list) -> dict:
        """What the view gets of one requested item: its media and ``_item_info``."""
        return {**media_info(self.items, key, buffers), **self._item_info(key)}

    def _prefetch_after(self, item_id: Hashable, count: int = 8) -> None:
        """Warm the kernel-side cache for the items the view will ask for after ``item_id``."""


class QueueOrder(Sequence):
    """A review widget's queue: its item ids in review order, as a read-only sequence over a compact
    array (the ids' positions in ``Items``, 4 bytes an item) instead of a list of N Python objects.

    It compares equal to a list or tuple of the same ids, indexes, slices (a list), iterates, and
    answers ``id in order`` and ``order.index(id)`` in O(1). It is a snapshot: a new queue makes a
    new one. Assign a list (or another order) to ``widget.order``, or call ``set_queue``, to change it.

    Example:
        >>> from hitl_widgets import ClassifyWidget
        >>> w = ClassifyWidget(["a", "b", "c"], classes=["x", "y"], queue=[2, 0])
        >>> w.order == [2, 0], w.order[0], len(w.order), w.order.index(0), 1 in w.order
        (True, 2, 2, 1, False)
    """

    __slots__ = ("_ids", "_positions", "_where", "_index")

    def __init__(self, ids: Sequence[Hashable], positions: np.ndarray, where: np.ndarray, index: Any):
        self._ids, self._positions, self._where = ids, positions, where
        self._index = index  # Items' id -> position

    def __len__(self) -> int:
        return len(self._positions)

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self._ids[p] for p in self._positions[k].tolist()]
        return self._ids[int(self._positions[k])]

    def __iter__(self) -> Iterator[Hashable]:
        ids = self._ids
        for a in range(0, len(self._positions), 65536):  # in chunks: never N Python ints at once
            yield from (ids[p] for p in self._positions[a : a + 65536].tolist())

    def position_of(self, item_id: Any) -> int:
        """Where ``item_id`` stands in the queue (from 0), -1 when it is not queued (``np.int64(3)`` is id 3)."""
        item_id = plain(item_id)
        try:
            p = self._index.get(item_id) if is_item_id(item_id) else None
        except TypeError:
            p = None
        return -1 if p is None else int(self._where[p])

    def __contains__(self, item_id: object) -> bool:
        return self.position_of(item_id) >= 0

    def index(self, item_id: Any, start: int = 0, stop: int | None = None) -> int:
        at = self.position_of(item_id)
        if at < 0 or at < start or (stop is not None and at >= stop):
            raise ValueError(f"{item_id!r} is not in the queue")
        return at

    def count(self, item_id: Any) -> int:
        return int(item_id in self)

    def _positions_in(self, items: Items) -> np.ndarray | None:
        """Its positions, when ``items`` holds the same ids (so a queue passes on without a lookup)."""
        return self._positions if items.ids is self._ids else None

    def __eq__(self, other: object) -> bool:
        if isinstance(other, QueueOrder):
            return len(self) == len(other) and (
                bool(np.array_equal(self._positions, other._positions)) if self._ids is other._ids else list(self) == list(other)
            )
        if isinstance(other, (list, tuple)):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compares by value, like the list it stands for

    def __repr__(self) -> str:
        """As the list of its ids (up to 1,000 of them); a longer queue shows its ends and its length."""
        n = len(self)
        if n <= 1000:
            return repr(list(self))
        return "[" + ", ".join(repr(i) for i in self[:5]) + f", ..., {self[-1]!r}]  (a queue of {n} ids)"


SYNC_WINDOW = 512  # ids of the queue synced with the widget's state (around its position)
SYNC_WINDOW_BYTES = 32 * 1024  # ... at most this much JSON (long ids: fewer)
MAX_ORDER_WINDOW = 1024  # ids one "order" request may ask for


class ReviewWidget(ItemsWidget):
    """Base for widgets that step through ``Items`` with a queue and a store.

    The queue (``order``) stays in the kernel as compact arrays: the positions of its ids in
    ``Items``, the inverse (item → place in the queue, -1 when not queued) and a done flag per place,
    a few bytes an item. The browser gets a window of ids (``order_window``: the ids around the
    position, the total, a version that changes with the queue) and asks for others with the ``order``
    read (``{"type": "order", "start", "count"}`` or ``{"type": "order", "find": item_id}``).
    """

    position = traitlets.Int(0).tag(sync=True)
    n_done = traitlets.Int(0).tag(sync=True)  # items of the queue with a current label
    # {"version", "total", "start", "ids"}: the queue's ids around the position when the queue was set
    order_window = traitlets.Dict().tag(sync=True)
    # written by the browser only, saved with each position: the version of the queue it is a place in
    _position_order = traitlets.Int(0).tag(sync=True)

    def __init__(
        self,
        items: Any,
        store: AnnotationStore | None = None,
        task: str = "default",
        queue: QueueSpec = None,
        annotator: str | None = None,
        **kwargs: Any,
    ):
        self._done_lock = threading.RLock()  # n_done's count, shared with a background set_queue
        self._queue = np.zeros(0, dtype=np.int32)  # positions in Items of the queue's ids, in order
        self._where = np.zeros(0, dtype=np.int32)  # Items position -> place in the queue (-1: not queued)
        self._done_at = np.zeros(0, dtype=bool)  # place in the queue -> done
        self._order_version = 0
        super().__init__(items, store=store, task=task, annotator=annotator, **kwargs)  # loads the state
        self._set_order(queue_positions(queue, self.items))  # counts n_done

    # ------------------------------------------------------------------ public API
    @property
    def order(self) -> QueueOrder:
        """The queue's item ids, in review order (a ``QueueOrder``: compares equal to a list of
        them). Assigning a sequence of ids replaces the queue (as ``set_queue``, keeping the position,
        or the last item when the new queue is shorter)."""
        return QueueOrder(self.items.ids, self._queue, self._where, self.items._index)

    @order.setter
    def order(self, queue: QueueSpec) -> None:
        self.set_queue(queue, position=self.position)

    def set_queue(self, queue: QueueSpec, position: int = 0) -> None:
        """Review these item ids next (a sequence, or a callable returning one), from ``position``
        (clamped to the queue; an int >= 0)."""
        position = check_int("position", position, 0)
        positions = queue_positions(queue, self.items)
        with self.hold_sync():
            self._set_order(positions, max(0, min(position, len(positions) - 1)))

    # ------------------------------------------------------------------ the queue, kept compact
    def _set_order(self, positions: np.ndarray, position: int | None = None) -> None:
        with self._done_lock:
            same = len(positions) == len(self._queue) and bool(np.array_equal(positions, self._queue))
            where = np.full(len(self.items), -1, dtype=positions.dtype)
            where[positions] = np.arange(len(positions), dtype=positions.dtype)
            self._queue, self._where = positions, where
            if not same:
                self._order_version += 1
            self._refresh_done()
            if position is not None:
                self.position = position
            self.order_window = self._window_state()

    def _place(self, item_id: Any) -> int:
        """Where ``item_id`` stands in the queue (from 0); -1 when it is not queued (or not an id)."""
        item_id = plain(item_id)
        try:
            p = self.items._index.get(item_id) if is_item_id(item_id) else None
        except TypeError:
            return -1
        return -1 if p is None else int(self._where[p])

    def _ids_at(self, start: int, stop: int) -> list[Hashable]:
        """The ids at queue places start..stop-1 (clamped)."""
        ids = self.items.ids
        return [ids[p] for p in self._queue[max(0, start) : max(0, stop)].tolist()]

    def _window_state(self) -> dict:
        """The synced window: SYNC_WINDOW ids around the position (all of a short queue), at most
        SYNC_WINDOW_BYTES of JSON."""
        total = len(self._queue)
        at = min(max(self.position, 0), max(total - 1, 0))
        size = SYNC_WINDOW
        while True:
            start = min(max(0, at - size // 4), max(0, total - size))
            ids = self._ids_at(start, start + size)
            if size <= 16 or len(json.dumps(ids)) <= SYNC_WINDOW_BYTES:
                return {"version": self._order_version, "total": total, "start": start, "ids": ids}
            size //= 2

    @intent("order", sequenced=False)
    def _on_order(self, content: dict) -> None:
        """A window of the queue's ids: ``{"start", "count"}`` (count 1..MAX_ORDER_WINDOW; a start at
        or past the end gets no ids), or ``{"find": item_id, "count"?}``: the item's place
        (``position``, -1 when it is not queued) and the window that holds it (starting at a
        multiple of ``count``). Answered
        ``{"type": "order", "version", "total", "start", "ids"[, "find", "position"]}``."""
        count = content.get("count", MAX_ORDER_WINDOW // 4)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_ORDER_WINDOW:
            raise IntentError(f"order window: count must be an int from 1 to {MAX_ORDER_WINDOW}")
        reply: dict[str, Any] = {"type": "order", "version": self._order_version, "total": len(self._queue)}
        if "find" in content:
            if "start" in content:
                raise IntentError("order window: either start or find, not both")
            item_id = content["find"]
            if not is_item_id(item_id) or (isinstance(item_id, str) and len(item_id) > 4 * MAX_ID_CHARS):
                raise IntentError(f"order window: find needs an item id, not {type(item_id).__name__}")
            at = self._place(item_id)
            start = at - at % count if at >= 0 else 0  # the window of `count` (aligned) that holds it
            reply.update(find=item_id, position=at, start=start, ids=self._ids_at(start, start + count) if at >= 0 else [])
        else:
            first = content.get("start")
            if not isinstance(first, int) or isinstance(first, bool) or not 0 <= first <= 2**53:
                raise IntentError("order window: expected {start, count} with start an int from 0 to 2**53, or {find}")
            reply.update(start=first, ids=self._ids_at(first, first + count))
        self.send(reply)
        return None

    def set_state(self, sync_data: dict) -> None:
        """State from the browser. A position taken in a queue the kernel has since replaced (it
        crossed a new batch's ``set_queue`` on its way) is dropped, and the kernel's position sent
        back: applied to the new queue it would move the view off the item the kernel chose.

        Example: ``w.set_state({"position": 2, "_position_order": w.order_window["version"]})``"""
        if "position" not in sync_data:
            super().set_state(sync_data)
            return
        with self._done_lock:  # a background set_queue waits: the version checked is the one applied
            order = sync_data.get("_position_order", self._position_order)
            if type(order) is int and order == self._order_version:
                super().set_state(sync_data)
                return
            super().set_state({k: v for k, v in sync_data.items() if k not in ("position", "_position_order")})
        self.send_state("position")

    @traitlets.validate("position")
    def _valid_position(self, proposal: dict) -> int:
        """A position in the queue, or its length (the end screen); one outside is clamped to them (a
        browser's position sent before it had a shorter queue, or a forged one)."""
        value = proposal["value"]
        if isinstance(value, bool):
            raise traitlets.TraitError(f"position must be an int, not {value!r}")
        return max(0, min(int(value), len(self._queue)))

    @traitlets.observe("position")
    def _window_follows(self, change: dict) -> None:
        """The position left the synced window (set from Python, or the person went far): sync the
        window around it, so that a view shown now paints without asking first."""
        window = self.order_window
        if window and not window["start"] <= change["new"] < window["start"] + len(window["ids"]):
            with self._done_lock:
                self.order_window = self._window_state()

    # ------------------------------------------------------------------ static view
    def _static_card(self) -> StaticCard | None:
        card = super()._static_card()
        assert card is not None
        n = len(self._queue)
        card.rows += [("done", f"{self.n_done} of {n}")]
        if n:
            at = min(max(self.position, 0), n - 1)
            item_id = self._ids_at(at, at + 1)[0]
            card.rows.append(("current item", f"{item_id!r} ({self.position + 1} of {n})"))
            if self.items.kind(item_id) == "text":
                text = str(self.items.raw(item_id))
                card.rows.append(("text", text if len(text) <= 300 else text[:300] + "…"))
            else:
                card.picture = self._static_picture(item_id)
        return card

    # ------------------------------------------------------------------ subclass hooks
    def _is_done(self, item_id: Hashable) -> bool:
        """Whether one item counts towards ``n_done`` (labelled, reviewed, boxed, ...)."""
        return False

    def _done_candidates(self) -> Iterable[Hashable] | None:
        """The items that may be done (a superset: e.g. those with a label), so that a recount
        looks at them only; None (the default): every item of the queue is asked ``_is_done``."""
        return None

    def _first_open(self) -> int:
        """Position of the first item of the queue not done (0 when all are): where to resume."""
        open_ = np.flatnonzero(~self._done_at[: len(self._queue)])
        return int(open_[0]) if len(open_) else 0

    def _refresh_done(self) -> None:
        """Recount ``n_done`` over the whole queue (a new queue, state loaded in bulk)."""
        with self._done_lock:  # a background thread (the active-learning loop) may set the queue
            done = np.zeros(len(self._queue), dtype=bool)
            candidates = self._done_candidates()
            if candidates is None:
                for n, item_id in enumerate(self.order):
                    done[n] = self._is_done(item_id)
            else:
                for item_id in candidates:
                    at = self._place(item_id)
                    if at >= 0 and self._is_done(item_id):
                        done[at] = True
            self._done_at = done
            self.n_done = int(done.sum())

    def _recount_item(self, item_id: Hashable) -> None:
        """One item changed: update ``n_done`` by that item alone (O(1), where a recount is
        O(queue): 2 ms per label on a 100,000-item queue)."""
        with self._done_lock:
            at = self._place(item_id)
            if at < 0:
                return
            now = bool(self._is_done(item_id))
            if now != self._done_at[at]:
                self._done_at[at] = now
                self.n_done += 1 if now else -1

    def _prefetch_after(self, item_id: Hashable, count: int = 8) -> None:
        """Warm the kernel-side cache for the items after ``item_id`` in the queue."""
        at = self._place(item_id)
        if at >= 0:
            self.items.prefetch(self._ids_at(at + 1, at + 1 + count))
