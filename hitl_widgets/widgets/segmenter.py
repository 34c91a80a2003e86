"""TemporalSegmenter: mark action segments in videos, frame-exact; review proposed segments.

Every change to a video's segments is one store event (``kind="segments"``) whose payload is the
video's whole current state (its segments, and the proposals decided), so undo is ``store.undo`` of
the latest event and redo re-applies the state undone (shared with the image editors:
``ImageEditor``). Frames are served by ``VideoWidget`` (``video_base.py``).

Frames are inclusive: a segment ``start_frame=10, end_frame=12`` covers frames 10, 11 and 12.

Protocol (browser → kernel; each intent carries ``client``/``seq`` and ``item_id``, the video):
    add     {class, start_frame, end_frame, parent?, segment_id?}       a new human segment
    update  {segment_id, start_frame?, end_frame?, class?, parent?}      edges / class / parent
    delete  {segment_id}                                                 (refused while it has children)
    accept  {proposal_id, segment_id?}                                   a proposal becomes a segment
    adjust  {proposal_id, start_frame, end_frame, class?, segment_id?}   accepted with new edges
    reject  {proposal_id}
    undo / redo / sync                                                   the last change / the state
Every ack carries the video's state after the change: ``segments`` and ``decided``.
"""
from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..coerce import check_int, normalise_classes, plain
from ..queue import QueueSpec
from ..store import AnnotationStore
from ..video_analysis import shot_changes, snap_to
from .base import DISPLAY_HEIGHTS, STATIC, BoundedFloat, BoundedInt, Committed, IntentError, intent, static_file
from .image_editor import ImageEditor
from .segments import check_class, check_segment_id, check_tree, normalise_proposals
from .video_base import VideoCollectionEditor

KIND = "segments"
SEGMENT_COLUMNS = ["video", "segment_id", "parent", "class", "start_frame", "end_frame", "start_s", "end_s",
                   "source", "score", "annotator"]
_DECISIONS = ("accepted", "rejected")


class TemporalSegmenter(VideoCollectionEditor, ImageEditor):
    """Mark temporal segments (action, event, shot...) in videos, frame-exact, and review proposals.

    Args:
        videos: an ``Items`` of videos, or a list of video paths / ``(T, H, W[, C])`` arrays.
        classes: the segment classes (keys 1-9 pick the first nine).
        store, task, queue, annotator: as every widget.
        proposals: a DataFrame or list of dicts with video (an item id: an int or a str),
            class, start_frame, end_frame (inclusive), score (finite, in [0, 1]); those at or above
            ``threshold`` (in [0, 1]; outside it is refused, never clamped) are offered.
        snap_to_shots: snap the proposals' edges to the shot changes found in each video
            (``video_analysis.shot_changes``, at most ``snap_within`` frames away, an int >= 0) and
            show the cuts.
        display_height: the frame's height on screen in pixels, an int in [32, 8192] (``DISPLAY_HEIGHTS``;
            a bool, a float, a str or an int outside is refused).

    Example:
        >>> import numpy as np
        >>> w = TemporalSegmenter([np.zeros((20, 8, 8), np.uint8)], classes=["run", "jump"],
        ...                       store=AnnotationStore(":memory:"))
        >>> sid = w.add_segment(0, "jump", 3, 7)
        >>> w.segments[["class", "start_frame", "end_frame", "start_s", "end_s"]].values.tolist()
        [['jump', 3, 7, 0.12, 0.32]]
    """

    _esm = STATIC / "segmenter.js"
    _css = STATIC / "segmenter.css"
    KIND = KIND
    _collection: ClassVar[str] = "segments"
    _state_kinds: ClassVar[tuple[str, ...]] = (KIND,)
    threshold = BoundedFloat(0.0, 0, 1).tag(sync=True)  # scores lie in [0, 1]: refused, not clamped
    display_height = BoundedInt(360, *DISPLAY_HEIGHTS).tag(sync=True)

    def __init__(
        self,
        videos: Any,
        classes: Sequence[Any],
        store: AnnotationStore | None = None,
        task: str = "segments",
        proposals: Any = None,
        threshold: float = 0.0,
        snap_to_shots: bool = False,
        snap_within: int = 3,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_height: int = 360,
        title: str = "",
    ):
        static_file("segmenter.js")
        classes = normalise_classes(classes)
        self._proposals: dict[Hashable, list[dict]] = {}
        if not isinstance(plain(snap_to_shots), bool):
            raise ValueError(f"snap_to_shots must be True or False, not {str(snap_to_shots)[:40]!r}")
        self._snap = bool(snap_to_shots)
        self._snap_within = check_int("snap_within", snap_within, 0)
        self._shots: dict[Hashable, list[int]] = {}
        self._raw_proposals = proposals
        super().__init__(
            videos, store=store, task=task, queue=queue, annotator=annotator, classes=classes,
            threshold=type(self).threshold.check(threshold),
            display_height=type(self).display_height.check(display_height), title=title,
        )
        self._proposals = normalise_proposals(
            proposals, lambda v: v in self.items, lambda v, s, e: self.check_range(v, s, e, ValueError), classes
        )
        self._snapped: set[Hashable] = set()
        self.position = self._first_open()

    # ------------------------------------------------------------------ public API
    @property
    def segments(self) -> pd.DataFrame:
        """Current segments, one row each: video, segment_id, parent, class, start_frame, end_frame
        (both inclusive), start_s (when the start frame is first shown), end_s (when the end frame
        stops being shown: the next frame's time), source ("human" / "proposal"), score (the
        proposal's, else None), annotator."""
        rows = []
        for video in self.items.ids:
            state = self._state.get(video)
            if not state:
                continue
            for seg in sorted(state["segments"].values(), key=lambda s: (s["start"], s["end"], s["id"])):
                rows.append({
                    "video": video, "segment_id": seg["id"], "parent": seg["parent"], "class": seg["class"],
                    "start_frame": seg["start"], "end_frame": seg["end"],
                    "start_s": self.frame_times(video)[seg["start"]], "end_s": self.frame_end_time(video, seg["end"]),
                    "source": seg["source"], "score": seg["score"], "annotator": self.annotator,
                })
        df = pd.DataFrame(rows, columns=SEGMENT_COLUMNS)
        for col in ("parent", "score"):  # None stays None (not NaN) in these
            df[col] = pd.Series([r[col] for r in rows], dtype=object, index=df.index)
        return df

    @property
    def proposals(self) -> pd.DataFrame:
        """Every proposal: video, proposal_id, class, start_frame, end_frame, score, status
        ("open", "accepted", "rejected")."""
        rows = []
        for video in self.items.ids:
            decided = self._current(video)["decided"]
            for p in self.proposals_of(video):
                rows.append({"video": video, "proposal_id": p["id"], "class": p["class"], "start_frame": p["start"],
                             "end_frame": p["end"], "score": p["score"], "status": decided.get(p["id"], "open")})
        return pd.DataFrame(rows, columns=["video", "proposal_id", "class", "start_frame", "end_frame", "score", "status"])

    def proposals_of(self, video: Hashable) -> list[dict]:
        """The proposals of one video (edges snapped to its shot changes with ``snap_to_shots``)."""
        props = self._proposals.get(video, [])
        if self._snap and props and video not in self._snapped:
            cuts = self.shots(video)
            n = self.n_frames(video)
            starts = snap_to(np.array([p["start"] for p in props]), cuts, self._snap_within)
            ends = snap_to(np.array([p["end"] + 1 for p in props]), cuts, self._snap_within) - 1  # an end is the frame before a cut
            for p, s, e in zip(props, starts.tolist(), ends.tolist()):
                s, e = max(0, min(n - 1, s)), max(0, min(n - 1, e))
                if s <= e:
                    p["start"], p["end"] = s, e
            self._snapped.add(video)
        return props

    def shots(self, video: Hashable) -> list[int]:
        """The frames where a new shot starts in ``video`` (``video_analysis.shot_changes``, cached)."""
        if video not in self._shots:
            self._shots[video] = [int(c) for c in shot_changes(self.items.video(video))]
        return self._shots[video]

    def add_segment(self, video: Hashable, cls: Any, start_frame: int, end_frame: int, parent: str | None = None) -> str:
        """Add a human segment from code, validated as the view's are; returns its segment id."""
        video = self._item_id({"item_id": video})
        seg = self._new_segment(video, {"class": cls, "start_frame": start_frame, "end_frame": end_frame, "parent": parent})
        state = self._copy(video)
        state["segments"][seg["id"]] = seg
        self._change(video, state, "add")
        return seg["id"]

    # ------------------------------------------------------------------ state (ImageEditor's hooks)
    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        segs = {s["id"]: dict(s) for s in payload.get("segments", [])}
        return {"segments": segs, "decided": dict(payload.get("decided", {}))}

    def _current(self, item_id: Hashable) -> dict:
        return self._state.get(item_id) or {"segments": {}, "decided": {}}

    def _copy(self, item_id: Hashable) -> dict:
        cur = self._current(item_id)
        return {"segments": {k: dict(v) for k, v in cur["segments"].items()}, "decided": dict(cur["decided"])}

    def _snapshot(self, item_id: Hashable) -> dict:
        return self._copy(item_id)

    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        payload = {"op": op, "segments": list(state["segments"].values()), "decided": state["decided"]}
        return self._store_state(item_id, payload, state, op, clear_redo)

    def _item_info(self, item_id: Hashable) -> dict:
        info = {**super()._item_info(item_id), **self._item_state(item_id)}
        info["proposals"] = [dict(p) for p in self.proposals_of(item_id)]
        if self._snap:
            info["shots"] = self.shots(item_id)
        return info

    # ------------------------------------------------------------------ validation
    def _new_segment(self, video: Hashable, content: dict, source: str = "human", score: float | None = None,
                     proposal: str | None = None) -> dict:
        where = f"item {video!r}"
        sid = content.get("segment_id")
        sid = f"s{uuid.uuid4().hex[:12]}" if sid is None else check_segment_id(sid, IntentError, where)
        segs = self._current(video)["segments"]
        if sid in segs:
            raise IntentError(f"{where}: segment {sid!r} already exists")
        cls = check_class(content.get("class"), self.classes, IntentError, f"{where} segment {sid!r}")
        start, end = self.check_range(video, content.get("start_frame"), content.get("end_frame"))
        parent = content.get("parent")
        if parent is not None:
            parent = check_segment_id(parent, IntentError, where)
        seg = {"id": sid, "parent": parent, "class": cls, "start": start, "end": end, "source": source,
               "score": score, "proposal": proposal}
        check_tree(segs, seg, where, IntentError)
        return seg

    def _segment(self, video: Hashable, content: dict) -> dict:
        sid = check_segment_id(content.get("segment_id"), IntentError, f"item {video!r}")
        seg = self._current(video)["segments"].get(sid)
        if seg is None:
            raise IntentError(f"item {video!r}: no segment {sid!r}")
        return seg

    # ------------------------------------------------------------------ intents
    @intent("add")
    def _on_add(self, content: dict) -> dict:
        video = self._item_id(content)
        seg = self._new_segment(video, content)
        state = self._copy(video)
        state["segments"][seg["id"]] = seg
        return self._answer(content, self._change(video, state, "add"), segment_id=seg["id"])

    @intent("update")
    def _on_update(self, content: dict) -> dict:
        video = self._item_id(content)
        old = self._segment(video, content)
        where = f"item {video!r} segment {old['id']!r}"
        fields = set(content) & {"start_frame", "end_frame", "class", "parent"}
        if not fields:
            raise IntentError(f"{where}: update needs start_frame, end_frame, class or parent")
        seg = dict(old)
        if "class" in fields:
            seg["class"] = check_class(content["class"], self.classes, IntentError, where)
        start = content.get("start_frame", old["start"])
        end = content.get("end_frame", old["end"])
        seg["start"], seg["end"] = self.check_range(video, start, end)
        if "parent" in fields:
            parent = content["parent"]
            seg["parent"] = None if parent is None else check_segment_id(parent, IntentError, where)
        state = self._copy(video)
        check_tree(state["segments"], seg, f"item {video!r}", IntentError)
        state["segments"][seg["id"]] = seg
        return self._answer(content, self._change(video, state, "update"), segment_id=seg["id"])

    @intent("delete")
    def _on_delete(self, content: dict) -> dict:
        video = self._item_id(content)
        seg = self._segment(video, content)
        state = self._copy(video)
        children = [s["id"] for s in state["segments"].values() if s["parent"] == seg["id"]]
        if children:
            raise IntentError(f"item {video!r}: segment {seg['id']!r} has children {children[:5]}: delete or move them first")
        del state["segments"][seg["id"]]
        if seg.get("proposal") is not None:  # the proposal is open again
            state["decided"].pop(seg["proposal"], None)
        return self._answer(content, self._change(video, state, "delete"), segment_id=seg["id"])

    def _take_proposal(self, content: dict, adjusted: bool) -> dict:
        video = self._item_id(content)
        p = self._proposal(video, content)
        fields = {"class": content.get("class", p["class"]), "segment_id": content.get("segment_id"),
                  "start_frame": content.get("start_frame") if adjusted else p["start"],
                  "end_frame": content.get("end_frame") if adjusted else p["end"], "parent": content.get("parent")}
        seg = self._new_segment(video, fields, "proposal", p["score"], p["id"])
        state = self._copy(video)
        state["segments"][seg["id"]] = seg
        state["decided"][p["id"]] = "accepted"
        done = self._change(video, state, "adjust" if adjusted else "accept")
        return self._answer(content, done, segment_id=seg["id"], proposal_id=p["id"])

    @intent("accept")
    def _on_accept(self, content: dict) -> dict:
        return self._take_proposal(content, adjusted=False)

    @intent("adjust")
    def _on_adjust(self, content: dict) -> dict:
        return self._take_proposal(content, adjusted=True)

