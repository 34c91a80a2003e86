"""SegmentationCanvas: paint masks with a brush, an eraser and a polygon tool; accept model masks.

The browser sends each edit as a compact binary delta: the pixels a stroke (or a closed
polygon) covers, as row runs ``(y, x0, length)`` of little-endian uint16 (``runs="uint16"``; uint32
for images over 65535 px a side) in one message buffer —
never a whole image. The kernel validates the runs, applies them to the item's label map, and
stores one event per change (``kind="masks"``) holding the item's whole current state as COCO
compressed RLEs (one per segment), so undo is ``store.undo``. Kernel-side changes (undo, redo,
hole fill, an accepted proposal) come back as a ``mask`` message whose buffer holds the label map
as row-major runs ``(value, length)`` of uint32.

Protocol (browser → kernel; each intent carries ``client``/``seq`` and ``item_id``):
    paint      {value, erase, runs: "uint16"|"uint32", polygon?, assisted?} + buffer of runs
               brush, eraser, polygon; ``assisted``: "clicks" (an applied click-to-segment region) or
               "superpixels" (a superpixel-brush stroke)
    new_instance {value, class}                               instance mode: a new (empty) instance
    fill_holes {value}
    accept     {proposal_id}
    undo / redo / sync
Reads (no client/seq; answered with their own message and one buffer; nothing is stored):
    assist      {item_id, clicks: [{x, y, positive}], req?}  → {"type": "assist", item_id, req, width,
                height, area} + the region's row runs (y, x0, length) uint32: a preview the view
                shows; Enter sends it as a ``paint`` (``assisted="clicks"``)
    superpixels {item_id}  → {"type": "superpixels", item_id, width, height, count} + the SLIC label
                map as row-major runs (value, length) uint32
"""
from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets
from scipy import ndimage

from .. import assist as _assist
from ..coerce import check_item_id, normalise_classes, plain, same, to_numpy
from ..items import pil_array
from ..metrics.geometry import as_bool_mask, rle_decode, rle_encode, rle_from_string, rle_to_string
from ..queue import QueueSpec
from ..static import thumbnail_jpeg
from ..store import AnnotationStore
from .base import STATIC, BoundedFloat, Committed, IntentError, IntentWidget, intent, static_file
from .classify import check_score
from .image_editor import ImageEditor
from .shape_list import rank_proposals

KIND = "masks"
MAX_RUNS = 1_000_000
MAX_VALUE = 65535
ASSIST_CACHE = 4  # items whose image (and gradient, superpixels) the assist keeps
ASSISTED = ("clicks", "superpixels")


def mask_row_runs(mask: np.ndarray) -> bytes:
    """A bool mask as row runs ``(y, x0, length)``, uint32 little-endian (the ``paint`` form)."""
    m = np.asarray(mask, bool)
    padded = np.zeros((m.shape[0], m.shape[1] + 2), np.int8)
    padded[:, 1:-1] = m
    d = np.diff(padded, axis=1)
    ys, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)  # row-major order: the k-th end closes the k-th start
    return np.stack([ys, starts, ends - starts], axis=1).astype("<u4").tobytes()


def _encode_segment(mask: np.ndarray) -> str:
    return rle_to_string(rle_encode(mask)).decode("ascii")


def _mask_content(row: dict) -> dict:
    """What a mask proposal's default id hashes (``shape_list.content_id``): its class, its mask's
    size and a digest of its pixels."""
    mask = np.ascontiguousarray(row["mask"], bool)
    return {"class": row["class"], "size": list(mask.shape),
            "mask": hashlib.blake2b(np.packbits(mask).tobytes(), digest_size=16).hexdigest()}


def label_map_runs(labels: np.ndarray) -> bytes:
    """The label map as row-major runs ``(value, length)``, uint32 little-endian."""
    flat = labels.ravel()
    if flat.size == 0:
        return b""
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    starts = np.concatenate([[0], change])
    lengths = np.diff(np.concatenate([starts, [flat.size]]))
    return np.stack([flat[starts].astype("<u4"), lengths.astype("<u4")], axis=1).tobytes()


class SegmentationCanvas(ImageEditor):
    """Paint segmentation masks on images: brush, eraser, polygon, hole fill; model masks as proposals.

    Keys (``?`` lists them): 1–9, 0 pick the class, B brush, E eraser, P polygon (click vertices;
    Enter or a click on the first vertex closes it; Backspace drops the last vertex), [ and ]
    brush size, H fill the holes of the current segment, N new instance (instance mode), Enter
    accept the best model mask, Ctrl+Z / Ctrl+Y undo / redo (the status line says what was undone),
    wheel / + / - / F zoom, space-drag pan, PageDown / PageUp next / previous item.
    With ``assist``: A click-to-segment (a click adds a positive point, Shift+click or a right
    click a negative one; the kernel answers the region as a preview; Enter paints it as one
    undoable stroke; Esc drops the clicks). S the superpixel brush (paints whole SLIC superpixels
    under the stroke; needs scikit-image).

    Args:
        items: image items (``Items`` or anything it accepts).
        classes: class names.
        store: the ``AnnotationStore``.
        task: the task name in the store.
        proposals: model masks ``{item_id: [{"mask": bool (H, W) array or COCO RLE, "class": c,
            "score": s}, ...]}``; a score is a probability in [0, 1] (None: no score). Each gets the
            id ``p`` and 12 hex digits of a hash of its class and mask (``shape_list.content_id``;
            an identical one ranked after it gets ``-1``, ...), so a stored accept keeps its
            meaning when the model is run again.
        mode: "semantic" (one label per pixel: a class) or "instance" (separate objects).
        opacity: mask opacity in the view: a number in [0, 1] (refused outside it, also when set
            later; never clamped).
        assist: click-to-segment: None (off), "watershed" (on the Sobel gradient), "flood"
            (colour tolerance; numpy/scipy only), "random_walker", or your own model, a callable
            ``assist(image, clicks) -> (H, W) bool mask`` given the item's image as a numpy array
            and ``[{"x", "y", "positive"}, ...]`` (e.g. a SAM checkpoint you have). See
            ``hitl_widgets.assist``.
        tolerance: the flood fill's colour tolerance (0-255 scale).
        superpixels: about how many SLIC superpixels the superpixel brush divides an image into.
        display_height: the image's height on screen in pixels, an int in [32, 8192] (``DISPLAY_HEIGHTS``;
            a bool, a float, a str or an int outside is refused, also when set later).

    Example:
        >>> import numpy as np
        >>> w = SegmentationCanvas(np.zeros((1, 20, 30), np.uint8), ["sky", "sea"], store=AnnotationStore(":memory:"))
        >>> w.masks
        {}
    """

    _esm = STATIC / "segmentation.js"
    _css = STATIC / "segmentation.css"
    KIND = KIND
    _state_kinds = (KIND,)
    mode = traitlets.Unicode("semantic").tag(sync=True)
    opacity = BoundedFloat(0.5, 0, 1).tag(sync=True)  # refused outside, never clamped
    _view_writable = IntentWidget._view_writable | {"opacity"}  # the view's own settings
    # "" (off), a method of hitl_widgets.assist, or "model" (a callable): the view offers the tool
    assist = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        items: Any,
        classes: Sequence[Any],
        store: AnnotationStore | None = None,
        task: str = "segmentation",
        proposals: Any = None,
        mode: str = "semantic",
        opacity: float = 0.5,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_height: int = 480,
        title: str = "",
        assist: str | Callable[[np.ndarray, list[dict]], Any] | None = None,
        tolerance: float = _assist.DEFAULT_TOLERANCE,
        superpixels: int = 300,
    ):
        static_file("segmentation.js")
        if mode not in ("semantic", "instance"):
            raise ValueError(f"mode must be 'semantic' or 'instance', not {mode!r}")
        if assist is not None and not callable(assist) and assist not in _assist.METHODS:
            raise ValueError(f"assist must be None, one of {_assist.METHODS} or a callable(image, clicks) -> mask, not {assist!r}")
        if assist in ("watershed", "random_walker"):
            _assist._need_skimage(f"assist={assist!r}")
        if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not math.isfinite(tolerance) or tolerance < 0:
            raise ValueError(f"tolerance must be a finite number >= 0, not {tolerance!r}")
        if isinstance(superpixels, bool) or not isinstance(superpixels, int) or not 1 <= superpixels <= 65535:
            raise ValueError(f"superpixels must be an int from 1 to 65535, not {superpixels!r}")
        opacity = type(self).opacity.check(opacity)
        self._assist_fn = assist
        self._tolerance = float(tolerance)
        self._n_superpixels = superpixels
        self._assist_cache: OrderedDict[Hashable, dict] = OrderedDict()
        items = self._image_items(items)
        classes = normalise_classes(classes)
        if mode == "semantic" and len(classes) > 255:
            raise ValueError("semantic mode takes at most 255 classes")
        super().__init__(
            items, store=store, task=task, queue=queue, annotator=annotator, classes=classes, mode=mode,
            opacity=opacity, display_height=type(self).display_height.check(display_height), title=title,
            assist="" if assist is None else ("model" if callable(assist) else assist),
        )
        # self._state: item -> {"labels": uint16 (H, W), "classes": {value: class}, "accepted": [ids]}
        self._proposals = self._normalise_proposals(proposals)

    # ------------------------------------------------------------------ static view
    def _static_rows(self) -> list[tuple[str, Any]]:
        return [("masks", f"{sum(1 for s in self._state.values() if s['labels'].any())} items painted")]

    def _static_picture(self, item_id: Hashable) -> bytes | None:
        state = self._state.get(item_id)
        mask = None if state is None else np.asarray(state["labels"])
        return thumbnail_jpeg(self.items.image(item_id), mask=mask)

    # ------------------------------------------------------------------ public API
    @property
    def masks(self) -> dict:
        """Current masks per item (items with something painted).

        Semantic mode: ``{item_id: uint8 (H, W) label map}`` where 0 is unlabelled and ``k`` is
        ``classes[k - 1]`` (of this canvas's ``classes``: the stored masks are read by their class
        names, so reopening with the classes reordered keeps each pixel's class). Instance mode:
        ``{item_id: [(bool (H, W) mask, class), ...]}``.
        """
        out: dict = {}
        for item_id, state in self._state.items():
            labels = state["labels"]
            if not labels.any():
                continue
            if self.mode == "semantic":
                out[item_id] = labels.astype(np.uint8)
            else:
                out[item_id] = [(labels == v, c) for v, c in sorted(state["classes"].items()) if (labels == v).any()]
        return out

    def set_proposals(self, proposals: Any) -> None:
        """Replace the model masks (the form of ``proposals=``; e.g. after retraining); the view refetches."""
        self._proposals = self._normalise_proposals(proposals)
        self.send({"type": "invalidate"})

    def set_mask(self, item_id: Hashable, labels: Any) -> int:
        """Make ``labels`` the item's mask (one undoable change, as if painted), for a script or an
        oracle (semantic mode): an integer ``(H, W)`` label map of the image's size where 0 is
        unlabelled and ``k`` is ``classes[k - 1]`` (the form of ``w.masks``); a bool mask is refused
        (which class would it be? give ``mask.astype(np.uint8) * k``). Returns the event id.

        Example:
            >>> import numpy as np
            >>> w = SegmentationCanvas(np.zeros((1, 2, 3, 1), np.uint8), ["sky", "sea"], store=AnnotationStore(":memory:"))
            >>> _ = w.set_mask(0, [[1, 1, 2], [0, 2, 2]])
            >>> w.masks[0].tolist()
            [[1, 1, 2], [0, 2, 2]]
        """
        item_id = check_item_id(item_id, self.items, error=KeyError)
        if self.mode != "semantic":
            raise ValueError("set_mask takes a semantic label map: this canvas is in instance mode")
        arr = to_numpy(labels)
        w, h = self.image_size(item_id)
        if arr.shape != (h, w):
            raise ValueError(f"item {item_id!r}: the label map is {arr.shape}, the image is {(h, w)}")
        if arr.dtype == np.bool_:
            raise ValueError(f"item {item_id!r}: a bool mask is not a label map (it holds class indices: 0 unlabelled, "
                             f"k for classes[k - 1]): for class k give mask.astype(np.uint8) * k")
        if arr.dtype.kind not in "iu" or (arr.size and (arr.min() < 0 or arr.max() > len(self.classes))):
            raise ValueError(f"item {item_id!r}: labels must be integers in 0 .. {len(self.classes)} (0: unlabelled)")
        state = self._get(item_id)
        state["labels"] = arr.astype(np.uint16)
        done = self._change(item_id, state, "set")
        self._send_mask(item_id)
        return done.event_id

    @property
    def segments(self) -> pd.DataFrame:
        """One row per segment: item, value, class, area, rle (COCO compressed counts), x, y, w, h."""
        from ..metrics.geometry import box_from_mask

        rows = []
        for item_id, state in self._state.items():
            h, w = state["labels"].shape
            for value, cls in sorted(state["classes"].items()):
                m = state["labels"] == value
                if m.any():
                    x, y, bw, bh = box_from_mask(m).tolist()
                    rows.append((item_id, value, cls, int(m.sum()), {"size": [h, w], "counts": _encode_segment(m)}, x, y, bw, bh))
        return pd.DataFrame(rows, columns=["item", "value", "class", "area", "rle", "x", "y", "w", "h"])

    # ------------------------------------------------------------------ state
    def _empty(self, item_id: Hashable) -> dict:
        w, h = self.image_size(item_id)
        classes = {k + 1: c for k, c in enumerate(self.classes)} if self.mode == "semantic" else {}
        return {"labels": np.zeros((h, w), np.uint16), "classes": classes, "accepted": []}

    def _get(self, item_id: Hashable) -> dict:
        state = self._state.get(item_id) or self._empty(item_id)
        return {"labels": state["labels"].copy(), "classes": dict(state["classes"]), "accepted": list(state["accepted"])}

    def _payload(self, state: dict, op: str) -> dict:
        labels = state["labels"]
        segments = [
            {"value": int(v), "class": c, "rle": _encode_segment(labels == v)}
            for v, c in sorted(state["classes"].items()) if (labels == v).any() or self.mode == "instance"
        ]
        return {"mode": self.mode, "size": list(labels.shape), "segments": segments, "accepted": state["accepted"], "op": op}

    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        """An item's state from a stored payload; in semantic mode each segment painted with its
        class's value now (``_class_value``), whatever position the class had when it was stored."""
        state = self._empty(item_id)
        h, w = state["labels"].shape
        for seg in payload.get("segments", []):
            mask = rle_decode(rle_from_string(seg["rle"], [h, w]))
            if self.mode == "semantic":
                state["labels"][mask] = self._class_value(item_id, seg["class"])
            else:
                state["labels"][mask] = int(seg["value"])
                state["classes"][int(seg["value"])] = seg["class"]
        state["accepted"] = list(payload.get("accepted", []))
        return state

    def _class_value(self, item_id: Hashable, cls: Any) -> int:
        """A stored semantic segment's pixel value now: its class's position in ``classes`` plus one;
        ``ValueError`` naming the task, the item and the class when the class is not in the list."""
        for k, c in enumerate(self.classes):
            if same(c, cls):
                return k + 1
        raise ValueError(f"task {self.task!r}: item {item_id!r} has a stored mask of class {str(cls)[:60]!r}, which is not "
                         f"one of the classes {self.classes[:20]}: add it to classes (the stored masks are read by "
                         "class name), or use another task")

    def _normalise_proposals(self, proposals: Any) -> dict[Hashable, list[dict]]:
        if proposals is None:
            return {}
        if not isinstance(proposals, dict):
            raise ValueError("proposals must be a dict {item_id: [{'mask', 'class', 'score'}, ...]}")
        out: dict[Hashable, list[dict]] = {}
        for raw_id, masks in proposals.items():
            item_id = check_item_id(raw_id, self.items, error=lambda m: ValueError(f"proposal for {m}"))
            w, h = self.image_size(item_id)
            rows = []
            if isinstance(masks, (str, bytes, dict)) or not hasattr(masks, "__iter__"):
                raise ValueError(f"item {item_id!r}: proposals must be a list of {{'mask', 'class', 'score'}} dicts")
            for n, p in enumerate(masks):
                where = f"item {item_id!r} proposal {n}"
                if not isinstance(p, dict):
                    raise ValueError(f"{where}: expected a dict {{'mask', 'class', 'score'}}, got {type(p).__name__}")
                raw = p.get("mask")
                m = rle_decode(raw) if isinstance(raw, dict) else as_bool_mask(np.asarray(raw), f"{where}: mask")
                if m.shape != (h, w):
                    raise ValueError(f"item {item_id!r} proposal {n}: mask shape {m.shape} != image ({h}, {w})")
                cls = plain(p.get("class"))
                if not any(same(c, cls) for c in self.classes):
                    raise ValueError(f"item {item_id!r} proposal {n}: class {cls!r} is not one of {self.classes}")
                score = check_score(p.get("score"), where)  # None: no score
                rows.append({"id": None, "mask": m, "class": cls, "score": score})
            out[item_id] = rank_proposals(rows, _mask_content)  # best first; ids: a hash of class and mask
        return out

    # ------------------------------------------------------------------ hooks
    def _item_info(self, item_id: Hashable) -> dict:
        state = self._state.get(item_id)
        done = set(state["accepted"]) if state else set()
        props = [
            {"id": p["id"], "class": p["class"], "score": p["score"], "rle": rle_encode(p["mask"])}
            for p in self._proposals.get(item_id, []) if p["id"] not in done
        ]
        info: dict[str, Any] = {"proposals": props, "instances": {}}
        if state is not None:
            info["instances"] = {str(v): c for v, c in state["classes"].items()}
        return info

    def _on_fetch(self, content: dict) -> None:
        super()._on_fetch(content)
        for item_id in content.get("ids", []):  # the current masks of those items, as binary runs
            if item_id in self._state:
                self._send_mask(item_id)
        return None

    def _is_done(self, item_id: Hashable) -> bool:
        state = self._state.get(item_id)
        return state is not None and bool(state["labels"].any())

    def _done_candidates(self) -> list[Hashable]:
        return list(self._state)  # a recount looks at the items with a state only

    def _snapshot(self, item_id: Hashable) -> dict:
        return self._get(item_id)

    def _item_state(self, item_id: Any) -> dict:
        state = self._state.get(item_id)
        classes = state["classes"] if state else self._empty(item_id)["classes"]
        return {"n_done": self.n_done, "instances": {str(v): c for v, c in classes.items()}}

    _SENDS_MASK = frozenset({"fill_holes", "accept", "undo", "redo"})  # changes the view cannot draw itself

    def _answer(self, content: dict, done: Committed, **fields: Any) -> dict:
        reply = super()._answer(content, done, **fields)
        if done.op in self._SENDS_MASK:
            self._send_mask(done.item_id)
        return reply

    # ------------------------------------------------------------------ validation
    def _value(self, content: dict, state: dict) -> int:
        value = content.get("value")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VALUE:
            raise IntentError(f"invalid segment value {str(value)[:40]!r}")
        if value not in state["classes"]:
            raise IntentError(f"unknown segment {value}" + (" (start an instance first)" if self.mode == "instance" else ""))
        return value

    def _runs(self, item_id: Hashable, dtype: Any = "uint32") -> np.ndarray:
        if dtype not in ("uint16", "uint32"):
            raise IntentError(f"runs must be 'uint16' or 'uint32', not {str(dtype)[:20]!r}")
        if len(self.intent_buffers) != 1:
            raise IntentError("a paint needs exactly one binary buffer of runs")
        raw = self.intent_buffers[0]
        size = 6 if dtype == "uint16" else 12
        if not raw or len(raw) % size or len(raw) // size > MAX_RUNS:
            raise IntentError(f"runs buffer must hold 1 to {MAX_RUNS} (y, x, length) {dtype} triples, got {len(raw)} bytes")
        runs = np.frombuffer(raw, "<u2" if dtype == "uint16" else "<u4").reshape(-1, 3).astype(np.int64)
        w, h = self.image_size(item_id)
        y, x, n = runs[:, 0], runs[:, 1], runs[:, 2]
        if (y >= h).any() or (n == 0).any() or (x + n > w).any():
            raise IntentError(f"runs outside the {w}x{h} image (or of length 0)")
        if int(n.sum()) > w * h:  # overlapping runs: a million full rows would cost gigabytes to index
            raise IntentError(f"runs cover {int(n.sum())} pixels, more than the {w}x{h} image holds (runs overlap)")
        return runs

    # ------------------------------------------------------------------ intents
    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        return self._store_state(item_id, self._payload(state, op), state, op, clear_redo)

    def _send_mask(self, item_id: Hashable) -> None:
        state = self._state.get(item_id) or self._empty(item_id)
        h, w = state["labels"].shape
        self.send(
            {"type": "mask", "item_id": item_id, "width": w, "height": h, "accepted": state["accepted"],
             "instances": {str(v): c for v, c in state["classes"].items()}},
            buffers=[label_map_runs(state["labels"])],
        )

    @intent("paint")
    def _on_paint(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._get(item_id)
        erase = content.get("erase", False)
        if not isinstance(erase, bool):
            raise IntentError("erase must be true or false")
        value = 0 if erase else self._value(content, state)
        runs = self._runs(item_id, content.get("runs", "uint32"))
        labels = state["labels"]
        flat = labels.reshape(-1)
        w = labels.shape[1]
        starts = runs[:, 0] * w + runs[:, 1]
        idx = np.repeat(starts - np.concatenate([[0], np.cumsum(runs[:-1, 2])]), runs[:, 2]) + np.arange(int(runs[:, 2].sum()))
        flat[idx] = value
        assisted = content.get("assisted")
        if assisted is not None and (assisted not in ASSISTED or erase):
            raise IntentError(f"item {item_id!r}: assisted must be one of {ASSISTED} (and not an erase), not {str(assisted)[:40]!r}")
        op = "erase" if erase else ("polygon" if content.get("polygon") else ("superpixel" if assisted == "superpixels" else ("assist" if assisted else "paint")))
        return self._answer(content, self._change(item_id, state, op))

    @intent("new_instance")
    def _on_new_instance(self, content: dict) -> dict:
        if self.mode != "instance":
            raise IntentError("new instances exist only in instance mode")
        item_id = self._item_id(content)
        state = self._get(item_id)
        value = content.get("value")
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VALUE or value in state["classes"]:
            raise IntentError(f"instance id {str(value)[:40]!r} is invalid or taken")
        cls = next((c for c in self.classes if same(c, content.get("class"))), None)
        if cls is None:
            raise IntentError(f"unknown class {str(content.get('class'))[:60]!r}")
        state["classes"][value] = cls
        return self._answer(content, self._change(item_id, state, "new_instance"))

    @intent("fill_holes")
    def _on_fill_holes(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._get(item_id)
        value = self._value(content, state)
        mask = state["labels"] == value
        filled = ndimage.binary_fill_holes(mask) & (state["labels"] == 0)
        if not filled.any():
            raise IntentError("no holes to fill")
        state["labels"][filled] = value
        return self._answer(content, self._change(item_id, state, "fill_holes"))

    @intent("accept")
    def _on_accept(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._get(item_id)
        pid = content.get("proposal_id")
        prop = next((p for p in self._proposals.get(item_id, []) if p["id"] == pid), None)
        if prop is None or pid in state["accepted"]:
            raise IntentError(f"no open proposal {str(pid)[:40]!r} on this item")
        state["accepted"].append(pid)
        if self.mode == "semantic":
            value = self.classes.index(prop["class"]) + 1
        else:
            value = max(state["classes"], default=0) + 1
            state["classes"][value] = prop["class"]
        state["labels"][prop["mask"]] = value
        return self._answer(content, self._change(item_id, state, "accept"))

    @intent("sync")
    def _on_sync(self, content: dict) -> dict:
        item_id = self._item_id(content)
        reply = self._ack(content, item_id=item_id, event_id=None, n_done=self.n_done)
        self._send_mask(item_id)
        return reply

    # ------------------------------------------------------------------ assisted segmentation
    def _assist_entry(self, item_id: Hashable) -> dict:
        """The item's image as 8-bit grey or RGB numpy (a palette image's colours, not its indices; what
        a callable ``assist`` gets), and once computed its gradient and superpixels, for the last
        ASSIST_CACHE items."""
        entry = self._assist_cache.get(item_id)
        if entry is None:
            entry = {"image": pil_array(self.items.image(item_id), f"item {item_id!r}")}  # palette: RGB, not indices
            self._assist_cache[item_id] = entry
            while len(self._assist_cache) > ASSIST_CACHE:
                self._assist_cache.popitem(last=False)
        self._assist_cache.move_to_end(item_id)
        return entry

    def assist_region(self, item_id: Hashable, clicks: Any) -> np.ndarray:
        """The region (bool ``(H, W)``) the assist gives for ``clicks`` on an item (what the view
        previews; nothing is stored). Raises ValueError naming the item for bad clicks or a bad
        mask from a callable ``assist``.

        Example:
            >>> import numpy as np
            >>> img = np.zeros((1, 20, 20), np.uint8); img[0, 5:15, 5:15] = 200
            >>> w = SegmentationCanvas(img, ["box"], store=AnnotationStore(":memory:"), assist="flood")
            >>> int(w.assist_region(0, [{"x": 9, "y": 9, "positive": True}]).sum())
            100
        """
        item_id = check_item_id(item_id, self.items, error=KeyError)
        where = f"item {item_id!r}"
        fn = self._assist_fn
        if fn is None:
            raise ValueError(f"{where}: click-to-segment is off (SegmentationCanvas(assist=...))")
        w, h = self.image_size(item_id)
        cl = _assist.check_clicks(clicks, (h, w), f"{where}: clicks")
        entry = self._assist_entry(item_id)
        if callable(fn):
            try:
                out = fn(entry["image"].copy(), [dict(c) for c in cl])
            except Exception as exc:
                raise ValueError(f"{where}: the assist model failed: {type(exc).__name__}: {str(exc)[:200]}") from exc
            return _assist.check_mask(out, (h, w), f"{where}: the assist model's mask")
        if fn == "watershed" and "gradient" not in entry:
            entry["gradient"] = _assist.gradient(entry["image"])
        return _assist.click_region(entry["image"], cl, fn, tolerance=self._tolerance, grad=entry.get("gradient"))

    def superpixel_labels(self, item_id: Hashable) -> np.ndarray:
        """The item's SLIC superpixels (int32 ``(H, W)``, labels 0..n-1) that the superpixel brush paints."""
        item_id = check_item_id(item_id, self.items, error=KeyError)
        entry = self._assist_entry(item_id)
        if "superpixels" not in entry:
            entry["superpixels"] = _assist.superpixels(entry["image"], self._n_superpixels)
        return entry["superpixels"]

    @staticmethod
    def _req(content: dict) -> int | None:
        req = content.get("req")
        return req if isinstance(req, int) and not isinstance(req, bool) and 0 <= req < 2**53 else None

    @intent("assist", sequenced=False)
    def _on_assist(self, content: dict) -> None:
        item_id = self._item_id(content)
        try:
            region = self.assist_region(item_id, content.get("clicks"))
        except (ValueError, ImportError) as exc:
            raise IntentError(str(exc)) from exc
        w, h = self.image_size(item_id)
        self.send({"type": "assist", "item_id": item_id, "req": self._req(content), "width": w, "height": h,
                   "area": int(region.sum())}, buffers=[mask_row_runs(region)])
        return None

    @intent("superpixels", sequenced=False)
    def _on_superpixels(self, content: dict) -> None:
        item_id = self._item_id(content)
        try:
            labels = self.superpixel_labels(item_id)
        except (ValueError, ImportError) as exc:
            raise IntentError(f"item {item_id!r}: superpixels: {exc}") from exc
        w, h = self.image_size(item_id)
        self.send({"type": "superpixels", "item_id": item_id, "width": w, "height": h, "count": int(labels.max()) + 1},
                  buffers=[label_map_runs(labels)])
        return None


