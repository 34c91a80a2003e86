"""Kernel side shared by the image editors (``BBoxAnnotator``, ``SegmentationCanvas``).

Both edit images with a class list, keep each item's whole current state in ``self._state``
(rebuilt from the store: every change is one event of the editor's ``KIND`` whose payload is the
item's whole state), and offer per-item undo (the store's) and redo (a stack of the states undone,
dropped by the next change).

A subclass sets ``KIND``, implements ``_decode(item_id, payload)`` (a stored payload → the item's
state), ``_snapshot(item_id)`` (a copy of the item's state, kept for redo) and ``_change`` (a new
state → its payload → ``_store_state``); undo and redo are shared. Their acks name the change
undone or redone (``undone`` / ``redone``: the ``op`` of its payload, e.g. "paint"), so the view can
say what the key did.

``TemporalSegmenter`` (a video widget) mixes this class in for the same whole-state undo / redo: nothing
here is about images but ``image_size`` and ``_image_items``.
"""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import traitlets

from ..coerce import _shown as shown_repr
from ..coerce import warn_user
from ..items import Items
from .base import DISPLAY_HEIGHTS, BoundedInt, Committed, IntentError, ReviewWidget, intent


class ImageEditor(ReviewWidget):
    """Base for the widgets that edit image items class by class, with undo and redo per item."""

    KIND = ""  # the store's event kind of this editor's changes (a subclass sets _state_kinds = (KIND,))
    classes: traitlets.List[Any] = traitlets.List().tag(sync=True)
    display_height = BoundedInt(480, *DISPLAY_HEIGHTS).tag(sync=True)  # pixels; a subclass checks its argument with .check

    def __init__(self, items: Any, **kwargs: Any):
        self._sizes: dict[Hashable, tuple[int, int]] = {}
        self._state: dict[Hashable, dict] = {}
        self._read_at: dict[Hashable, int] = {}  # item -> the stored event its state is (none: no event)
        self._redo: dict[Hashable, list[dict]] = {}  # item -> states undone, newest last
        self._redo_ops: dict[Hashable, list[str | None]] = {}  # item -> the op of each change undone (as _redo)
        super().__init__(items, **kwargs)

    @classmethod
    def _image_items(cls, items: Any) -> Items:
        """``items`` as ``Items`` of images (texts are refused)."""
        items = items if isinstance(items, Items) else Items(items)
        if items.kind_of_all != "image":
            raise ValueError(f"{cls.__name__} needs images, not {'audio' if items.is_audio else items.kind_of_all + 's'}")
        return items

    def image_size(self, item_id: Hashable) -> tuple[int, int]:
        """``(width, height)`` of an item's image in pixels."""
        if item_id not in self._sizes:
            media = self.items.media(item_id)
            self._sizes[item_id] = (int(media.width), int(media.height))
        return self._sizes[item_id]

    # ------------------------------------------------------------------ state
    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        """An item's state from the payload of its current event."""
        raise NotImplementedError

    def _snapshot(self, item_id: Hashable) -> dict:
        """A copy of the item's current state (what an undo keeps for redo)."""
        raise NotImplementedError

    def _media_print(self, item_id: Hashable) -> dict | None:
        """What the item's media is (a video's frame count and size), stored with each state and
        checked when it is read back; None: not checked (an image: checking would read every image)."""
        return None

    def _fits_media(self, item_id: Hashable, payload: dict) -> bool:
        """Whether a stored state was made on this item's media (one stored without a print fits)."""
        made_on = payload.get("media")
        return made_on is None or made_on == self._media_print(item_id)

    def _load(self) -> None:
        """Every item's state from this annotator's current events of ``KIND`` in the task; a state
        made on other media (the items reordered, or other videos under the task) is left out, with a
        warning: it stays in the store."""
        elsewhere = []
        for row in self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator).itertuples():
            if row.item_id in self.items:
                self._read_at[row.item_id] = int(row.event_id)  # a state of other media is replaced by the next change
                if not self._fits_media(row.item_id, row.payload):
                    elsewhere.append(row.item_id)
                    continue
                self._state[row.item_id] = self._decode(row.item_id, row.payload)
        if elsewhere:
            warn_user(f"{len(elsewhere)} stored states of task {self.task!r} were made on other media (another video, "
                          f"recording or hypothesis: the items reordered, or other ones): item ids "
                          f"{', '.join(shown_repr(i) for i in elsewhere[:5])}{' …' if len(elsewhere) > 5 else ''}. They stay "
                          "in the store and are not shown: give the items ids, or use another task=")

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is None:
            self._read_at.pop(key, None)
        else:
            self._read_at[key] = int(event["event_id"])
        if event is None or not self._fits_media(key, event["payload"]):  # an undo back to another media's state: none
            self._state.pop(key, None)
        else:
            self._state[key] = state if state is not None else self._decode(key, event["payload"])

    def _mirror_undo(self, key: Hashable, target: int | None) -> None:
        self._redo.setdefault(key, []).append(self._snapshot(key))  # the state the undo leaves
        super()._mirror_undo(key, target)

    def _store_state(self, item_id: Hashable, payload: dict, state: dict, op: str, clear_redo: bool = True) -> Committed:
        """Record ``payload`` (the item's whole new state) as one event and make ``state`` the item's
        state; a change other than a redo drops the item's redo stack (``op`` names the change to
        the ``on_label`` listeners)."""
        self._refuse_stale(item_id)
        media = self._media_print(item_id)
        done = self._commit(item_id, self.KIND, payload if media is None else {**payload, "media": media}, op=op, state=state)
        if clear_redo:
            self._redo.pop(item_id, None)
            self._redo_ops.pop(item_id, None)
        return done

    def _code_change(self, done: Committed) -> int:
        """A change made from Python: the view refetches the item (it did not make the change); the event id."""
        self.send({"type": "invalidate"})
        return done.event_id

    def _refuse_stale(self, item_id: Hashable) -> None:
        """Refuse a change made on a state that is no longer the item's in the store (another widget
        or kernel on the same store, task and annotator changed it since): each event holds the item's
        whole state, so it would drop that change. The widget takes the stored state (the view
        refetches it), and the person makes the change again on it."""
        latest = self.store.latest(self.task, [item_id], kinds=self._state_kinds, annotator=self.annotator).get(item_id)
        if (None if latest is None else int(latest["event_id"])) == self._read_at.get(item_id):
            return
        self._mirror(item_id, latest)
        self._redo.pop(item_id, None)
        self._redo_ops.pop(item_id, None)
        self._recount_item(item_id)
        self.send({"type": "invalidate"})
        raise IntentError(f"item {item_id!r} was changed elsewhere (another widget or kernel on this store) since this one "
                          "read it: it now shows that change; make yours again")

    def _newest_op(self, item_id: Hashable) -> str | None:
        """The ``op`` of the change an undo of the item would cancel (this annotator's newest)."""
        event = self.store.latest(self.task, [item_id], annotator=self.annotator).get(item_id)
        op = event["payload"].get("op") if event and isinstance(event.get("payload"), dict) else None
        return op if isinstance(op, str) else None

    @intent("undo")
    def _on_undo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        self._refuse_stale(item_id)  # the store's newest change may be another widget's: never undo that unseen
        op = self._newest_op(item_id)
        done = self._undo(item_id, missing="nothing to undo on this item")
        self._redo_ops.setdefault(item_id, []).append(op)
        return self._answer(content, done, undone=op)

    @intent("redo")
    def _on_redo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._pop_redo(item_id)
        ops = self._redo_ops.get(item_id)
        op = ops.pop() if ops else None
        return self._answer(content, self._change(item_id, state, "redo", clear_redo=False), redone=op)

    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        """Make ``state`` the item's new state (its payload built by the subclass, then
        ``_store_state``)."""
        raise NotImplementedError

    def _pop_redo(self, item_id: Hashable) -> dict:
        """The item's most recently undone state (refused when there is none)."""
        stack = self._redo.get(item_id)
        if not stack:
            raise IntentError("nothing to redo on this item")
        return stack.pop()
