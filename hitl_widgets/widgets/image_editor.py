"""Kernel side shared by the image editors (``BBoxAnnotator``, ``SegmentationCanvas``).

Both edit images with a class list, keep each item's whole current state in ``self._state``
(rebuilt from the store: every change is one event of the editor's ``KIND`` whose payload is the
item's whole state), and offer per-item undo (the store's) and redo (a stack of the states undone,
dropped by the next change).

A subclass sets ``KIND``, implements ``_decode(item_id, payload)`` (a stored payload → the item's
state), calls ``_load_states()`` once its own attributes are set, and changes an item through
``_store_state`` / ``_undo_last`` / ``_pop_redo``.
"""
from __future__ import annotations

from typing import Any, Callable, Hashable

import traitlets

from ..items import Items
from .base import IntentError, ReviewWidget


class ImageEditor(ReviewWidget):
    """Base for the widgets that edit image items class by class, with undo and redo per item."""

    KIND = ""  # the store's event kind of this editor's changes
    classes = traitlets.List().tag(sync=True)
    display_height = traitlets.Int(480).tag(sync=True)

    def __init__(self, items: Any, **kwargs: Any):
        super().__init__(items, **kwargs)
        self._sizes: dict[Hashable, tuple[int, int]] = {}
        self._state: dict[Hashable, dict] = {}
        self._redo: dict[Hashable, list[dict]] = {}  # item -> states undone, newest last

    @classmethod
    def _image_items(cls, items: Any) -> Items:
        """``items`` as ``Items`` of images (texts are refused)."""
        items = items if isinstance(items, Items) else Items(items)
        if items.is_text:
            raise ValueError(f"{cls.__name__} needs images, not texts")
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

    def _load_states(self) -> None:
        """Every item's state from this annotator's current events of ``KIND`` in the task."""
        for row in self.store.current(self.task, kinds=(self.KIND,), annotator=self.annotator).itertuples():
            if row.item_id in self.items:
                self._state[row.item_id] = self._decode(row.item_id, row.payload)
        self._refresh_done()

    def _reload(self, item_id: Hashable) -> None:
        """Read one item's state from the store again (none once its events are all undone)."""
        rows = self.store.current(self.task, kinds=(self.KIND,), annotator=self.annotator, item_ids=[item_id])
        if len(rows):
            self._state[item_id] = self._decode(item_id, rows["payload"].iloc[0])
        else:
            self._state.pop(item_id, None)
        self._recount_item(item_id)

    def _store_state(self, item_id: Hashable, payload: dict, state: dict, op: str, label: Any, clear_redo: bool = True) -> int:
        """Record ``payload`` (the item's whole new state) as one event and make ``state`` the item's
        state; a change other than a redo drops the item's redo stack. Tells the ``on_label``
        listeners (kind ``op``, ``label``) and returns the event id."""
        event_id = self.store.record(self.task, item_id, payload, kind=self.KIND, annotator=self.annotator)
        self._state[item_id] = state
        if clear_redo:
            self._redo.pop(item_id, None)
        self._recount_item(item_id)
        self._emit({"item_id": item_id, "kind": op, "label": label, "event_id": event_id, "annotator": self.annotator})
        return event_id

    def _undo_last(self, item_id: Hashable, before: dict, label: Callable[[], Any] = lambda: None) -> int:
        """Undo the item's newest event in the store (refused when there is none), keep ``before``
        (the state it undoes) for redo, reload the item's state and tell the ``on_label``
        listeners (kind ``"undo"``, ``label()`` read after the reload). Returns the undo event's id."""
        event_id = self.store.undo(task=self.task, item_id=item_id, annotator=self.annotator)
        if event_id is None:
            raise IntentError(f"nothing to undo on item {item_id!r}")
        self._redo.setdefault(item_id, []).append(before)
        self._reload(item_id)
        self._emit({"item_id": item_id, "kind": "undo", "label": label(), "event_id": event_id, "annotator": self.annotator})
        return event_id

    def _pop_redo(self, item_id: Hashable) -> dict:
        """The item's most recently undone state (refused when there is none)."""
        stack = self._redo.get(item_id)
        if not stack:
            raise IntentError(f"nothing to redo on item {item_id!r}")
        return stack.pop()
