"""PointCloudAnnotator: paint classes (and instances) on LiDAR / RGB point clouds in WebGL.

The kernel holds the truth: an int array of labels (-1: unlabelled) and of instance ids (0: none)
per frame. The browser renders the points (compact binary buffers, see ``pointcloud_frames``),
selects in screen space (lasso, box, brush) and sends each edit as the selected point indices in
one binary buffer (a bitmask, or delta-coded as uint32 or LEB128 varints) with the class. Every edit is one store event
(``kind="points"``) holding the indices it changed, zlib-compressed, and the value(s) it set; a
frame's state is its events replayed in order, so undo is the store's undo (and a redo stack), and
the labels come back after a kernel restart.

Protocol (browser → kernel; each intent carries ``client``/``seq`` and ``item_id`` = the frame):
    paint   {class, encoding, count, instance?, only_unlabelled?, only_classes?} + 1 buffer
    accept  {scope: "all" | "selection", min_score?, only_unlabelled?, encoding?, count?} (+ buffer)
    undo / redo {}
    fetch   {ids: [frame]} → "items" with the frame's buffers (the kit's fetch)
Kernel → browser: "labels" {item_id, dtype} + buffers [label codes, instance ids] after a change
the view cannot know (undo, redo, an edit the kernel narrowed), then the ack.
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import traitlets

from ..coerce import normalise_classes, plain, same
from ..items import Items
from ..store import AnnotationStore
from .base import DISPLAY_HEIGHTS, STATIC, BoundedInt, Committed, IntentError, IntentWidget, ItemsWidget, intent, static_file
from .pointcloud_frames import (
    MAX_INSTANCE,
    Frame,
    as_frames,
    check_frame,
    check_proposal,
    decode_indices,
    dequantise,
    label_codes,
    label_dtype,
    pack,
    pack_values,
    point_indices,
    quantise,
    unit_bytes,
    unpack,
    unpack_values,
)

KIND = "points"
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45", "#9a6324", "#469990"]


_NO_CLASS: Any = object()  # paint() without a class name


def _check_colours(colors: Any, n: int) -> list[str]:
    if colors is None:
        return [PALETTE[k % len(PALETTE)] for k in range(n)]
    out = [str(c) for c in colors]
    if len(out) != n:
        raise ValueError(f"colors has {len(out)} entries for {n} classes")
    for c in out:
        if len(c) != 7 or c[0] != "#" or any(ch not in "0123456789abcdefABCDEF" for ch in c[1:]):
            raise ValueError(f"colour {c[:20]!r}: colours must be '#rrggbb'")
    return out


class ClassColours(traitlets.HasTraits):
    """``classes`` and their ``colors`` (one '#rrggbb' per class), synced to the view and checked
    whenever set: from code or from the view, as at construction (a value such as "url(https://…)"
    would reach a swatch's style)."""

    classes: traitlets.List[Any] = traitlets.List().tag(sync=True)
    colors: traitlets.List[Any] = traitlets.List().tag(sync=True)

    @traitlets.validate("colors")
    def _valid_colors(self, proposal: dict) -> list[str]:
        try:
            return _check_colours(proposal["value"], len(self.classes))
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None


class PointCloudAnnotator(ClassColours, ItemsWidget):
    """Label every point of a scan (or of each scan of a sequence) with a class, in WebGL.

    Mouse: drag orbits, right-drag (or Shift+drag in orbit mode) pans, the wheel zooms; L lasso,
    B box, R brush, O orbit; in a selection tool Shift adds, Alt subtracts. Digit keys paint the
    selection with a class, ``?`` lists every key.

    Example:
        >>> import numpy as np
        >>> pts = np.random.default_rng(0).normal(size=(100, 3)).astype(np.float32)
        >>> w = PointCloudAnnotator(pts, ["ground", "car"], store=AnnotationStore(":memory:"))
        >>> w.paint(np.arange(10), "car")
        1
        >>> int((w.labels == 1).sum()), w.summary["points"].tolist()
        (10, [0, 10])
    """

    _esm = STATIC / "pointcloud.js"
    _css = STATIC / "pointcloud.css"
    mode = traitlets.Unicode("semantic").tag(sync=True)
    frame = traitlets.Int(0).tag(sync=True)  # the frame shown
    n_frames = traitlets.Int(1).tag(sync=True)
    n_done = traitlets.Int(0).tag(sync=True)  # labelled points, all frames
    point_size = traitlets.Float(2.0).tag(sync=True)
    _view_writable = IntentWidget._view_writable | {"frame", "point_size"}  # the view's own settings
    display_height = BoundedInt(480, *DISPLAY_HEIGHTS).tag(sync=True)
    _state_kinds: ClassVar[tuple[str, ...]] = (KIND,)
    _fetch_noun: ClassVar[str] = "frames"

    def __init__(
        self,
        points: Any,
        classes: Sequence[Any],
        store: AnnotationStore | None = None,
        task: str = "points",
        colors: Sequence[str] | None = None,
        proposals: Any = None,
        mode: str = "semantic",
        annotator: str | None = None,
    ):
        static_file("pointcloud.js")
        if mode not in ("semantic", "instance"):
            raise ValueError(f"mode must be 'semantic' or 'instance', not {mode!r}")
        class_list = normalise_classes(classes)
        raw, self._several = as_frames(points)
        self._frames: list[Frame] = [check_frame(p, f"frame {n}") for n, p in enumerate(raw)]
        if proposals is not None:
            props, _ = as_frames(proposals) if self._several else ([proposals], False)
            if len(props) != len(self._frames):
                raise ValueError(f"proposals for {len(props)} frames, points for {len(self._frames)}")
            for n, (frame, prop) in enumerate(zip(self._frames, props)):
                if prop is not None:
                    frame.prop_classes, frame.prop_scores = check_proposal(prop, frame, len(class_list), f"frame {n}")
        self._labels = [np.full(len(f), -1, np.int64) for f in self._frames]
        self._instances = [np.zeros(len(f), np.int64) for f in self._frames]
        self._edits: dict[int, dict[int, dict]] = {}  # frame -> {event id: payload} of its current edits, in order
        self._clouds: dict[int, str] = {}  # frame -> its fingerprint (_cloud)
        self._redo: dict[int, list[dict]] = {}
        self._last_changed = 0  # points the last paint changed
        super().__init__(
            Items([f"frame {n}" for n in range(len(self._frames))]), store=store, task=task, annotator=annotator,
            classes=class_list, colors=_check_colours(colors, len(class_list)), mode=mode, n_frames=len(self._frames),
        )
        self._recount_item(0)

    # ------------------------------------------------------------------ public API
    @property
    def labels(self) -> np.ndarray | list[np.ndarray]:
        """Class index per point (-1: unlabelled): an int array (N,), a list of them for several frames."""
        out = [lab.copy() for lab in self._labels]
        return out if self._several else out[0]

    @property
    def instances(self) -> np.ndarray | list[np.ndarray]:
        """Instance id per point (0: none), as ``labels``."""
        out = [inst.copy() for inst in self._instances]
        return out if self._several else out[0]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per class: class, points (over all frames), share (of all points), instances
        (distinct instance ids among its points, counted per frame)."""
        total = sum(len(f) for f in self._frames)
        rows = []
        for k, name in enumerate(self.classes):
            n = sum(int((lab == k).sum()) for lab in self._labels)
            inst = sum(len(np.setdiff1d(np.unique(i[lab == k]), [0])) for lab, i in zip(self._labels, self._instances))
            rows.append({"class": name, "points": n, "share": n / total, "instances": inst})
        return pd.DataFrame(rows, columns=["class", "points", "share", "instances"])

    def view_positions(self, frame: int = 0) -> np.ndarray:
        """The float32 (N, 3) positions the view draws and selects on (xyz quantised to 16 bits
        per axis, see ``pointcloud_frames``)."""
        q, offset, scale = quantise(self._frames[self._frame_index(frame)].xyz)
        return dequantise(q, offset, scale)

    def paint(self, indices: Any, cls: Any = _NO_CLASS, frame: int = 0, instance: int | None = None,
              only_unlabelled: bool = False, *, class_index: int | None = None) -> int:
        """Give points ``indices`` of ``frame`` a class, validated as the view's edits are; returns
        the event id. Every argument is checked before anything is stored (``IntentError``, a
        ``ValueError``, naming the frame and the value).

        ``indices``: point indices (integers, or floats that are whole numbers) in 0 .. N-1, or a
        bool mask of the frame's N points (its True positions).
        ``cls``: a class NAME, one of ``classes`` (``np.int64(2)`` is class ``2``, ``True`` is not
        ``1``), or None to unlabel. It is never read as an index, even when the classes are ints:
        for an index (as in ``labels``; -1 unlabels) give ``class_index=`` instead of ``cls``.
        ``instance``: an instance id in 0 .. 65535, or None to leave the instances as they are.
        """
        f = self._frame_index(frame)
        where = f"frame {f}"
        k = self._class_arg(cls, class_index, where)
        try:
            inst = self._instance(instance)
        except IntentError as exc:
            raise IntentError(f"{where}: {exc}") from None
        idx = point_indices(indices, len(self._frames[f]), where, IntentError)
        return self._paint(f, idx, k, inst, only_unlabelled, None).event_id

    def to_semantickitti(self, path: str | os.PathLike, frame: int = 0, codes: Any = None) -> None:
        """Write a frame's labels and instances as a SemanticKITTI ``.label`` file (io.pointcloud).
        ``codes``: one semantic code per class, in the order of ``classes`` (a list or an integer
        array; default: class index + 1); another number of codes is refused."""
        from ..io.pointcloud import write_label

        f = self._frame_index(frame)
        if codes is not None and len(codes) != len(self.classes):
            raise ValueError(f"frame {f}: codes has {len(codes)} entries for {len(self.classes)} classes: one code per class")
        write_label(path, self._labels[f], self._instances[f], codes=list(range(1, len(self.classes) + 1)) if codes is None else codes)

    def to_ply(self, path: str | os.PathLike, frame: int = 0) -> None:
        """Write a frame's points with ``label`` and ``instance`` properties as binary PLY: x, y, z
        and intensity as given (``float`` when the points came as float32 or a narrower type,
        else ``double``; intensity is never the view's rescaled one), RGB as uchar 0 .. 255."""
        from ..io.pointcloud import write_ply

        f = self._frame_index(frame)
        fr = self._frames[f]
        extra = [c for c in (fr.intensity[:, None] if fr.intensity is not None else None, fr.rgb) if c is not None]
        names = (["intensity"] if fr.intensity is not None else []) + (["red", "green", "blue"] if fr.rgb is not None else [])
        columns = np.concatenate([fr.xyz, *extra], axis=1)
        if np.can_cast(fr.dtype, np.float32):  # float32 holds every value exactly: write 'float'
            columns = columns.astype(np.float32)
        write_ply(path, columns, self._labels[f], self._instances[f], extra=names)

    @traitlets.validate("frame")
    def _valid_frame(self, proposal: dict) -> int:
        value = proposal["value"]
        if not 0 <= value < len(self._frames):
            raise traitlets.TraitError(f"frame {value} does not exist (there are {len(self._frames)})")
        return value

    # ------------------------------------------------------------------ state
    def _frame_index(self, frame: Any) -> int:
        if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)) or not 0 <= frame < len(self._frames):
            raise IntentError(f"unknown frame {str(frame)[:40]!r} (there are {len(self._frames)})")
        return int(frame)

    @staticmethod
    def _apply(labels: np.ndarray, instances: np.ndarray, payload: dict, idx: np.ndarray | None = None) -> None:
        """Replay one stored edit (``idx``: its indices, when the caller has them decoded)."""
        idx = unpack(payload["indices"]) if idx is None else idx
        labels[idx] = unpack_values(payload["classes"]) if "classes" in payload else payload["class"]
        if payload.get("instance") is not None:
            instances[idx] = payload["instance"]

    def _rebuild(self, frame: int) -> None:
        """A frame's labels from scratch: its current edits replayed in order."""
        labels, instances = self._labels[frame], self._instances[frame]
        labels.fill(-1)
        instances.fill(0)
        for payload in self._edits.get(frame, {}).values():
            self._apply(labels, instances, payload)

    def _cloud(self, frame: int) -> str:
        """A frame's fingerprint (its point count and a hash of its coordinates), stored with each
        edit: the edits of one cloud are never replayed on another."""
        if frame not in self._clouds:
            xyz = np.ascontiguousarray(self._frames[frame].xyz)
            self._clouds[frame] = f"{len(xyz)}:{hashlib.blake2b(xyz.tobytes(), digest_size=8).hexdigest()}"
        return self._clouds[frame]

    def _check_stored(self, frame: int, event_id: int, payload: dict) -> None:
        """Refuse a stored edit that is not of this frame's points or classes (``ValueError`` naming both)."""
        where = f"task {self.task!r}, frame {frame}: stored edit {event_id}"
        cloud = payload.get("cloud")
        if cloud is not None and cloud != self._cloud(frame):
            n, had = len(self._frames[frame]), str(cloud).split(":")[0]
            other = f"of {had} points; this frame has {n}" if had != str(n) else f"{n} points, at other places"
            raise ValueError(f"{where} was made on another point cloud ({other}): label this cloud under another "
                             "task= (or in another store)")
        idx = unpack(payload["indices"])
        if len(idx) and idx[-1] >= len(self._frames[frame]):
            raise ValueError(f"{where} labels point {int(idx[-1])}, but the frame has {len(self._frames[frame])} points: "
                             "label this cloud under another task=")
        codes = unpack_values(payload["classes"]) if "classes" in payload else np.array([payload["class"]])
        if len(codes) and (codes.min() < -1 or codes.max() >= len(self.classes)):
            raise ValueError(f"{where} uses class {int(codes.max() if codes.max() >= len(self.classes) else codes.min())}, "
                             f"but there are {len(self.classes)} classes ({list(self.classes)[:10]}): give the classes "
                             "it was labelled with, in the same order")

    def _load(self) -> None:
        """Every frame's labels: this annotator's current edits (no undo cancels them), oldest first;
        an edit of another cloud, or of classes beyond ``classes``, is refused (``ValueError``)."""
        events = self.store.events(self.task)
        mine = events[(events["kind"] == KIND) & (events["annotator"] == self.annotator) & ~events["undone"]]
        for row in mine.itertuples():
            if row.item_id in self.items:
                self._check_stored(int(row.item_id), int(row.event_id), row.payload)
                self._edits.setdefault(row.item_id, {})[int(row.event_id)] = row.payload
        for frame in self._edits:
            self._rebuild(frame)

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is not None:
            frame = int(key)  # type: ignore[call-overload]
            self._edits.setdefault(frame, {})[event["event_id"]] = event["payload"]
            self._apply(self._labels[frame], self._instances[frame], event["payload"], state)

    def _mirror_undo(self, key: Hashable, target: int | None) -> None:
        frame = int(key)  # type: ignore[call-overload]
        self._edits.get(frame, {}).pop(target, None)  # type: ignore[arg-type]
        self._rebuild(frame)

    def _recount_item(self, item_id: Hashable) -> None:
        self.n_done = int(sum((lab >= 0).sum() for lab in self._labels))

    def _label(self, key: Hashable) -> Any:
        return int((self._labels[int(key)] >= 0).sum())  # type: ignore[call-overload]

    def _item_state(self, item_id: Any) -> dict:
        if isinstance(item_id, int) and 0 <= item_id < len(self._frames):
            return {"labelled": int((self._labels[item_id] >= 0).sum())}
        return {}

    # ------------------------------------------------------------------ the frame, to the browser
    def _media(self, key: Any, buffers: list) -> dict:
        """A frame as binary buffers (module docstring of pointcloud_frames): 6 bytes of xyz, 1 of
        label, then intensity / RGB / proposals / instances when present."""
        f = int(key)
        fr = self._frames[f]
        q, offset, scale = quantise(fr.xyz)
        info: dict[str, Any] = {"kind": "points", "n": len(fr), "offset": offset, "scale": scale,
                                "label_dtype": label_dtype(len(self.classes))}

        def put(name: str, arr: np.ndarray) -> None:
            info[f"{name}_buffer"] = len(buffers)
            buffers.append(np.ascontiguousarray(arr).tobytes())

        put("xyz", q)
        put("labels", label_codes(self._labels[f], len(self.classes)))
        intensity = fr.display_intensity()
        if intensity is not None:
            put("intensity", unit_bytes(intensity))
        if fr.rgb is not None:
            put("rgb", unit_bytes(fr.rgb))
        if fr.prop_classes is not None and fr.prop_scores is not None:
            put("proposal", label_codes(fr.prop_classes, len(self.classes)))
            put("score", unit_bytes(fr.prop_scores))
        if self.mode == "instance":
            put("instances", self._instances[f].astype("<u2"))
        return info

    def _send_labels(self, frame: int) -> None:
        buffers = [label_codes(self._labels[frame], len(self.classes)).tobytes(), self._instances[frame].astype("<u2").tobytes()]
        self.send({"type": "labels", "item_id": frame, "labelled": int((self._labels[frame] >= 0).sum())}, buffers=buffers)

    # ------------------------------------------------------------------ validation
    def _class_arg(self, cls: Any, class_index: Any, where: str) -> int:
        """``paint``'s class: the index of the name ``cls`` (None: -1), or ``class_index``."""
        if class_index is not None:
            if cls is not _NO_CLASS:
                raise IntentError(f"{where}: give the class as a name (cls) or as class_index, not both")
            try:
                return self._class(class_index)
            except IntentError as exc:
                raise IntentError(f"{where}: class_index: {exc}") from None
        if cls is _NO_CLASS:
            raise IntentError(f"{where}: no class: give a class name (None unlabels) or class_index=")
        if cls is None:
            return -1
        value = plain(cls)
        for k, name in enumerate(self.classes):
            if same(name, value):
                return k
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:39] + "…"
        hint = "; a class is named, never indexed: for an index give class_index=" if type(value) is int else ""
        raise IntentError(f"{where}: class {shown} is not one of {list(self.classes)[:20]}{hint}")

    def _class(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not -1 <= value < len(self.classes):
            raise IntentError(f"class must be an index in -1 .. {len(self.classes) - 1} (-1 unlabels), not {str(value)[:40]!r}")
        return int(value)

    def _instance(self, value: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= MAX_INSTANCE:
            raise IntentError(f"instance must be an id in 0 .. {MAX_INSTANCE}, not {str(value)[:40]!r}")
        return int(value)

    def _selection(self, content: dict, frame: int) -> np.ndarray:
        if len(self.intent_buffers) != 1:
            raise IntentError(f"frame {frame}: a selection needs exactly one binary buffer of point indices")
        try:
            return decode_indices(self.intent_buffers[0], content.get("encoding"), len(self._frames[frame]), content.get("count"))
        except ValueError as exc:
            raise IntentError(f"frame {frame}: {exc}") from None

    def _narrow(self, frame: int, idx: np.ndarray, only_unlabelled: Any, only_classes: Any) -> tuple[np.ndarray, np.ndarray]:
        """The selection less the points that overwrite protection or the class filter keep out,
        and those points' current labels (one gather, shared with the caller)."""
        if not isinstance(only_unlabelled, bool):
            raise IntentError("only_unlabelled must be true or false")
        keep = None
        if only_classes is not None:
            if not isinstance(only_classes, list) or len(only_classes) > len(self.classes) + 1:
                raise IntentError("only_classes must be a list of class indices (-1: unlabelled)")
            keep = np.zeros(len(self.classes) + 1, bool)  # label + 1 -> kept (a table, not np.isin: one gather)
            keep[np.array([self._class(c) for c in only_classes], np.int64) + 1] = True
        current = self._labels[frame][idx]
        if only_unlabelled:
            keep = np.r_[True, np.zeros(len(self.classes), bool)] if keep is None else keep & np.r_[True, np.zeros(len(self.classes), bool)]
        if keep is None or keep.all():
            return idx, current
        ok = keep[current + 1]
        return idx[ok], current[ok]

    def _paint(self, frame: int, idx: np.ndarray, cls: int, instance: int | None, only_unlabelled: Any, only_classes: Any,
               bitmask: bytes | memoryview | None = None) -> Committed:
        """``bitmask``: the same indices as the view's bitmask, stored as it is when every one of
        them changes (no second bitmask built)."""
        n = len(idx)
        idx, current = self._narrow(frame, idx, only_unlabelled, only_classes)
        changed = current != cls
        if instance is not None:
            changed |= self._instances[frame][idx] != instance
        if not changed.all():
            idx = idx[changed]
        if len(idx) == 0:
            raise IntentError(f"frame {frame}: no point changes (selection empty, already so, or protected)")
        self._last_changed = len(idx)
        payload: dict[str, Any] = {"op": "paint", "indices": pack(idx, bitmask if len(idx) == n else None), "class": cls, "n": len(idx)}
        if instance is not None:
            payload["instance"] = instance
        return self._store(frame, payload, idx=idx)

    def _store(self, frame: int, payload: dict, clear_redo: bool = True, idx: np.ndarray | None = None) -> Committed:
        done = self._commit(frame, KIND, {**payload, "cloud": self._cloud(frame)}, op=payload["op"], state=idx)
        if clear_redo:
            self._redo.pop(frame, None)
        return done

    # ------------------------------------------------------------------ intents
    @intent("paint")
    def _on_paint(self, content: dict) -> dict:
        frame = self._frame_index(content.get("item_id"))
        idx = self._selection(content, frame)
        cls, instance = self._class(content.get("class")), self._instance(content.get("instance"))
        bitmask = self.intent_buffers[0] if content.get("encoding") == "bitmask" else None
        done = self._paint(frame, idx, cls, instance, content.get("only_unlabelled", False), content.get("only_classes"), bitmask)
        changed = self._last_changed
        if changed != len(idx):  # the kernel narrowed it: the view's optimistic copy is wrong
            self._send_labels(frame)
        return self._answer(content, done, changed=changed)

    @intent("accept")
    def _on_accept(self, content: dict) -> dict:
        frame = self._frame_index(content.get("item_id"))
        fr = self._frames[frame]
        if fr.prop_classes is None or fr.prop_scores is None:
            raise IntentError(f"frame {frame} has no proposals")
        scope = content.get("scope")
        if scope == "all":
            idx = np.arange(len(fr))
        elif scope == "selection":
            idx = self._selection(content, frame)
        else:
            raise IntentError(f"scope must be 'all' or 'selection', not {str(scope)[:20]!r}")
        min_score = content.get("min_score", 0.0)
        if isinstance(min_score, bool) or not isinstance(min_score, (int, float)) or not 0 <= min_score <= 1:
            raise IntentError("min_score must be a number in [0, 1]")
        idx = idx[(fr.prop_classes[idx] >= 0) & (fr.prop_scores[idx] >= min_score)]
        idx, _ = self._narrow(frame, idx, content.get("only_unlabelled", False), content.get("only_classes"))
        idx = idx[self._labels[frame][idx] != fr.prop_classes[idx]]
        if len(idx) == 0:
            raise IntentError(f"frame {frame}: no proposal changes any point")
        done = self._store(frame, {"op": "accept", "indices": pack(idx), "classes": pack_values(fr.prop_classes[idx]), "n": len(idx)}, idx=idx)
        self._send_labels(frame)
        return self._answer(content, done, changed=len(idx))

    @intent("undo")
    def _on_undo(self, content: dict) -> dict:
        frame = self._frame_index(content.get("item_id"))
        event = self.store.latest(self.task, [frame], kinds=self._state_kinds, annotator=self.annotator).get(frame)
        if event is None:
            raise IntentError(f"frame {frame}: nothing to undo")
        done = self._undo(frame, target=event["event_id"])
        self._redo.setdefault(frame, []).append(event["payload"])
        self._send_labels(frame)
        return self._answer(content, done, undone=event["payload"].get("op"))

    @intent("redo")
    def _on_redo(self, content: dict) -> dict:
        frame = self._frame_index(content.get("item_id"))
        stack = self._redo.get(frame)
        if not stack:
            raise IntentError(f"frame {frame}: nothing to redo")
        payload = stack.pop()
        done = self._store(frame, {**payload, "op": "redo"}, clear_redo=False)
        self._send_labels(frame)
        return self._answer(content, done, redone=payload.get("op"))
