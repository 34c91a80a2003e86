"""TrackAnnotator: boxes that follow objects through a video, on keyframes, interpolated in between.

A track is a class and its keyframes (frame → box, each with its source); the boxes between two
keyframes are interpolated linearly (``hitl_widgets.tracks.interpolate``), shown dashed, and become a
keyframe when edited. Every change to a video's tracks is one store event (``kind="tracks"``) whose
payload is the video's whole state, so undo is ``store.undo`` and redo re-applies the state undone
(``ImageEditor``); frames are served by ``VideoWidget`` (``video_base.py``).

Protocol (browser → kernel; each intent carries ``client``/``seq`` and ``item_id``, the video):
    key           {frame, x, y, w, h, track?, class?}  set a keyframe (no track: a new track of class;
                                                        with track, a class other than its own is refused)
    delete_key    {track, frame}                        (the last keyframe deletes the track)
    delete_track  {track}
    set_class     {track, class}
    split         {track, frame}                        frames from ``frame`` on become a new track
    merge         {keep, absorb}                        refused when they overlap or differ in class
    accept        {proposal_id}                         a proposed track becomes a track
    reject        {proposal_id}
    undo / redo / sync
Every ack carries the video's state after the change: ``tracks`` (``[{id, class, keys: [[frame, x,
y, w, h, source], ...]}]``), ``decided`` (``{proposal_id: "accepted" | "rejected"}``) and ``track``
(the track changed or made).
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..coerce import normalise_classes, plain, same
from ..queue import QueueSpec
from ..store import AnnotationStore
from ..tracks import TRACK_COLUMNS, _row, interpolate, merge_tracks, split_track, validate_tracks
from .base import STATIC, Committed, IntentError, intent, static_file
from .image_editor import ImageEditor
from .proposal_ids import content_id, unique_id
from .segments import check_class, check_scores, check_video
from .video_base import VideoCollectionEditor

KIND = "tracks"
_EDGE = 0.5  # px a box may pass the frame's edge by (the view clamps; this is rounding)


def _track_rows(video: Any, state: dict) -> list[tuple]:
    """One row per keyframe: track, frame, x, y, w, h, class, keyframe, source."""
    return [(t["id"], k[0], *k[1:5], t["class"], True, k[5]) for t in state["tracks"].values() for k in t["keys"]]


def _scores(tracks: pd.DataFrame, where: str) -> np.ndarray:
    """Each row's score of a validated tracks DataFrame (index 0..N-1), checked as
    ``TemporalSegmenter``'s (``check_scores``: a finite number in [0, 1]) naming ``where``, the track
    and the frame; NaN where none is given (an interpolated row, an unscored proposal)."""
    out = np.full(len(tracks), np.nan)
    if "score" in tracks.columns:
        given = np.flatnonzero(tracks["score"].notna().to_numpy())
        out[given] = check_scores(tracks["score"].iloc[given], lambda k: (
            f"{where}: track {plain(tracks['track'].iat[given[k]])!r}, frame {tracks['frame'].iat[given[k]]}"))
    return out


def _drop_track(state: dict, track: dict) -> None:
    """Delete a track; the proposal it was accepted from (if any) is open again, as a deleted segment's is."""
    del state["tracks"][track["id"]]
    p = track.get("proposal")
    if p is not None and not any(t.get("proposal") == p for t in state["tracks"].values()):  # a split's other part keeps it
        state["decided"].pop(p, None)


class TrackAnnotator(VideoCollectionEditor, ImageEditor):
    """Annotate object tracks in videos: boxes on keyframes, interpolated between them; split, merge,
    and review tracks proposed by a detector (``hitl_widgets.tracks.propagate_detections``).

    Args:
        videos: an ``Items`` of videos, or a list of video paths / ``(T, H, W[, C])`` arrays.
        classes: the track classes (keys 1-9 pick the first nine).
        store, task, queue, annotator: as every widget.
        proposals: a tracks DataFrame with a ``video`` column (``propagate_detections(...)`` with
            ``video`` added): each (video, track) is one proposal; its keyframe rows are kept.
        display_height: the frame's height on screen in pixels, an int in [32, 8192] (``DISPLAY_HEIGHTS``;
            a bool, a float, a str or an int outside is refused, also when set later).

    Example:
        >>> import numpy as np
        >>> w = TrackAnnotator([np.zeros((10, 16, 16), np.uint8)], classes=["car"], store=AnnotationStore(":memory:"))
        >>> t = w.add_keyframe(0, 0, (0, 0, 4, 4), "car")
        >>> _ = w.add_keyframe(0, 4, (8, 0, 4, 4), track=t)
        >>> w.tracks[["track", "frame", "x", "keyframe"]].values.tolist()[:3]
        [[0, 0, 0.0, True], [0, 1, 2.0, False], [0, 2, 4.0, False]]
    """

    _esm = STATIC / "tracks.js"
    _css = STATIC / "tracks.css"
    KIND = KIND
    _collection: ClassVar[str] = "tracks"
    _state_kinds: ClassVar[tuple[str, ...]] = (KIND,)

    def __init__(
        self,
        videos: Any,
        classes: Sequence[Any],
        store: AnnotationStore | None = None,
        task: str = "tracks",
        proposals: pd.DataFrame | None = None,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_height: int = 360,
        title: str = "",
    ):
        static_file("tracks.js")
        classes = normalise_classes(classes)
        self._proposals: dict[Hashable, list[dict]] = {}
        super().__init__(videos, store=store, task=task, queue=queue, annotator=annotator, classes=classes,
                         display_height=type(self).display_height.check(display_height), title=title)
        self._proposals = self._normalise_proposals(proposals)
        self.position = self._first_open()

    # ------------------------------------------------------------------ public API
    @property
    def tracks(self) -> pd.DataFrame:
        """Every box of every track, one row per track per frame: video, track, frame, x, y, w, h (pixels,
        top-left corner and size), class, keyframe (False: interpolated between two keyframes), source
        ("human"; "proposal" for an accepted proposal's keyframes; "adjusted" for one edited)."""
        parts = []
        for video in self.items.ids:
            rows = _track_rows(video, self._current(video))
            if rows:
                df = interpolate(pd.DataFrame(rows, columns=TRACK_COLUMNS))
                df.insert(0, "video", [video] * len(df))
                parts.append(df)
        if not parts:
            return pd.DataFrame(columns=["video", *TRACK_COLUMNS])
        return pd.concat(parts, ignore_index=True)

    @property
    def proposals(self) -> pd.DataFrame:
        """Every proposed track: video, proposal_id, class, first_frame, last_frame, n_keyframes, score,
        status ("open", "accepted", "rejected")."""
        rows = []
        for video in self.items.ids:
            decided = self._current(video)["decided"]
            for p in self.proposals_of(video):
                rows.append((video, p["id"], p["class"], p["keys"][0][0], p["keys"][-1][0], len(p["keys"]), p["score"],
                             decided.get(p["id"], "open")))
        return pd.DataFrame(rows, columns=["video", "proposal_id", "class", "first_frame", "last_frame", "n_keyframes",
                                           "score", "status"])

    def add_keyframe(self, video: Hashable, frame: int, box: Sequence[float], cls: Any = None, track: int | None = None) -> int:
        """Set a keyframe from code, validated as the view's are (no ``track``: a new track of
        ``cls``; with ``track``, ``cls`` may be left out, and if given must be the track's class, else
        ValueError naming the track); returns the track id."""
        x, y, w, h = box
        content = {"item_id": video, "frame": frame, "x": x, "y": y, "w": w, "h": h, "track": track, "class": cls}
        video = self._item_id(content)
        state, tid = self._keyframe(video, content)
        self._change(video, state, "key")
        return tid

    # ------------------------------------------------------------------ state (ImageEditor's hooks)
    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        tracks = {int(t["id"]): {"id": int(t["id"]), "class": t["class"], "source": t.get("source", "human"),
                                 "keys": [list(k) for k in t["keys"]],
                                 **({"proposal": t["proposal"]} if t.get("proposal") is not None else {})}
                  for t in payload.get("tracks", [])}
        return {"tracks": tracks, "decided": dict(payload.get("decided", {})), "next": int(payload.get("next", 0))}

    def _current(self, item_id: Hashable) -> dict:
        return self._state.get(item_id) or {"tracks": {}, "decided": {}, "next": 0}

    def _copy(self, item_id: Hashable) -> dict:
        cur = self._current(item_id)
        tracks = {k: {**t, "keys": [list(key) for key in t["keys"]]} for k, t in cur["tracks"].items()}
        return {"tracks": tracks, "decided": dict(cur["decided"]), "next": cur["next"]}

    def _snapshot(self, item_id: Hashable) -> dict:
        return self._copy(item_id)

    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        payload = {"op": op, "tracks": list(state["tracks"].values()), "decided": state["decided"], "next": state["next"]}
        return self._store_state(item_id, payload, state, op, clear_redo)

    def _item_info(self, item_id: Hashable) -> dict:
        info = {**super()._item_info(item_id), **self._item_state(item_id)}
        info["proposals"] = self.proposals_of(item_id)
        return info

    # ------------------------------------------------------------------ validation
    def _normalise_proposals(self, proposals: pd.DataFrame | None) -> dict[Hashable, list[dict]]:
        if proposals is None:
            return {}
        if not isinstance(proposals, pd.DataFrame) or "video" not in proposals.columns:
            raise ValueError("proposals must be a tracks DataFrame with a video column (propagate_detections(...) plus video)")
        taken_ids: dict[Hashable, set] = {}  # per video, the proposal ids given so far
        out: dict[Hashable, list[dict]] = {}
        videos = [check_video(v, f"proposals, {_row(proposals, k)}") for k, v in enumerate(proposals["video"])]
        for video in dict.fromkeys(videos):
            if video not in self.items:
                raise ValueError(f"proposals: unknown video {video!r}")
            info = self.items.info(video)
            part = proposals[[same(v, video) for v in videos]].drop(columns="video")
            try:
                v = validate_tracks(part, n_frames=self.n_frames(video), width=info["width"], height=info["height"])
            except ValueError as e:
                raise ValueError(f"proposals of item {video!r}: {e}") from None
            scores = _scores(v, f"proposals of item {video!r}")
            for track, g in v.groupby(v["track"].map(repr), sort=False):
                cls = check_class(g["class"].iat[0], self.classes, ValueError, f"proposals of item {video!r} track {track}")
                keys = g[g["keyframe"]]
                given = scores[keys.index]  # v's index is 0..N-1
                score = float(np.nanmean(given)) if not np.isnan(given).all() else None
                key_list = [[int(f), *map(float, b)] for f, b in zip(keys["frame"], keys[["x", "y", "w", "h"]].to_numpy())]
                taken = taken_ids.setdefault(video, set())  # an id from the content: a stored decision keeps its track
                out.setdefault(video, []).append({"id": unique_id(content_id({"class": cls, "keys": key_list}), taken),
                                                  "class": cls, "score": score, "keys": key_list})
        return out

    def _track(self, video: Hashable, state: dict, value: Any, what: str = "track") -> dict:
        tid = plain(value)
        if isinstance(tid, bool) or not isinstance(tid, int) or tid not in state["tracks"]:
            raise IntentError(f"item {video!r}: no {what} {str(value)[:40]}")
        return state["tracks"][tid]

    def _box(self, video: Hashable, content: dict, frame: int) -> list[float]:
        info = self.items.info(video)
        where = f"item {video!r} frame {frame}"
        box = []
        for k in ("x", "y", "w", "h"):
            v = plain(content.get(k))
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise IntentError(f"{where}: {k} must be a finite number, not {str(v)[:40]!r}")
            box.append(float(v))
        x, y, w, h = box
        if w <= 0 or h <= 0:
            raise IntentError(f"{where}: the box must have w > 0 and h > 0, not {w} x {h}")
        if x < -_EDGE or y < -_EDGE or x + w > info["width"] + _EDGE or y + h > info["height"] + _EDGE:
            raise IntentError(f"{where}: box {box} leaves the {info['width']} x {info['height']} frame")
        # within the rounding allowed: clipped to the frame, so that the exports (which allow none) take it
        x0, y0 = min(max(x, 0.0), info["width"]), min(max(y, 0.0), info["height"])
        x1, y1 = min(x + w, info["width"]), min(y + h, info["height"])
        if x1 <= x0 or y1 <= y0:
            raise IntentError(f"{where}: box {box} has no area inside the {info['width']} x {info['height']} frame")
        return [x0, y0, x1 - x0, y1 - y0]

    def _keyframe(self, video: Hashable, content: dict) -> tuple[dict, int]:
        """The state with the keyframe of ``content`` set, and the track's id."""
        frame = self.check_frame(video, content.get("frame"))
        box = self._box(video, content, frame)
        state = self._copy(video)
        if content.get("track") is None:
            cls = check_class(content.get("class"), self.classes, IntentError, f"item {video!r} new track")
            tid = state["next"]
            state["next"] += 1
            state["tracks"][tid] = {"id": tid, "class": cls, "source": "human", "keys": [[frame, *box, "human"]]}
            return state, tid
        track = self._track(video, state, content["track"])
        if content.get("class") is not None:  # a class given with a track must be the track's own
            where = f"item {video!r} track {track['id']}"
            cls = check_class(content["class"], self.classes, IntentError, where)
            if not same(cls, track["class"]):
                raise IntentError(f"{where} is of class {track['class']!r}, not {cls!r}: a keyframe keeps its track's "
                                  "class (change it with set_class, or start a new track)")
        source = "adjusted" if track["source"] == "proposal" else "human"
        track["keys"] = sorted([k for k in track["keys"] if k[0] != frame] + [[frame, *box, source]], key=lambda k: k[0])
        return state, track["id"]

    def _from_frame(self, state: dict, df: pd.DataFrame) -> None:
        """Replace ``state``'s tracks by the keyframes of a tracks DataFrame (after split / merge)."""
        old = state["tracks"]
        tracks: dict[int, dict] = {}
        for rec in df[df["keyframe"]].to_dict("records"):
            tid = int(rec["track"])
            was = old.get(tid, {})
            t = tracks.setdefault(tid, {"id": tid, "class": rec["class"], "source": was.get("source", "human"), "keys": [],
                                        **({"proposal": was["proposal"]} if was.get("proposal") is not None else {})})
            t["keys"].append([int(rec["frame"]), *(float(rec[c]) for c in ("x", "y", "w", "h")), rec["source"]])
        state["tracks"] = tracks

    # ------------------------------------------------------------------ intents
    @intent("key")
    def _on_key(self, content: dict) -> dict:
        video = self._item_id(content)
        state, tid = self._keyframe(video, content)
        return self._answer(content, self._change(video, state, "key"), track=tid)

    @intent("delete_key")
    def _on_delete_key(self, content: dict) -> dict:
        video = self._item_id(content)
        state = self._copy(video)
        track = self._track(video, state, content.get("track"))
        frame = self.check_frame(video, content.get("frame"))
        keys = [k for k in track["keys"] if k[0] != frame]
        if len(keys) == len(track["keys"]):
            raise IntentError(f"item {video!r}: track {track['id']} has no keyframe at frame {frame}")
        if keys:
            track["keys"] = keys
        else:
            _drop_track(state, track)
        return self._answer(content, self._change(video, state, "delete_key"), track=track["id"])

    @intent("delete_track")
    def _on_delete_track(self, content: dict) -> dict:
        video = self._item_id(content)
        state = self._copy(video)
        track = self._track(video, state, content.get("track"))
        _drop_track(state, track)
        return self._answer(content, self._change(video, state, "delete_track"), track=track["id"])

    @intent("set_class")
    def _on_set_class(self, content: dict) -> dict:
        video = self._item_id(content)
        state = self._copy(video)
        track = self._track(video, state, content.get("track"))
        track["class"] = check_class(content.get("class"), self.classes, IntentError, f"item {video!r} track {track['id']}")
        return self._answer(content, self._change(video, state, "set_class"), track=track["id"])

    def _keyframes_frame(self, video: Hashable, state: dict) -> pd.DataFrame:
        return interpolate(pd.DataFrame(_track_rows(video, state), columns=TRACK_COLUMNS))

    @intent("split")
    def _on_split(self, content: dict) -> dict:
        video = self._item_id(content)
        state = self._copy(video)
        track = self._track(video, state, content.get("track"))
        frame = self.check_frame(video, content.get("frame"))
        new = state["next"]
        try:
            df = split_track(self._keyframes_frame(video, state), track["id"], frame, new_id=new)
        except ValueError as e:
            raise IntentError(f"item {video!r}: {e}") from None
        state["next"] += 1
        source = track["source"]
        self._from_frame(state, df)
        state["tracks"][new]["source"] = source
        if track.get("proposal") is not None:  # both parts come from it
            state["tracks"][new]["proposal"] = track["proposal"]
        return self._answer(content, self._change(video, state, "split"), track=new)

    @intent("merge")
    def _on_merge(self, content: dict) -> dict:
        video = self._item_id(content)
        state = self._copy(video)
        keep = self._track(video, state, content.get("keep"), "track to keep")
        absorb = self._track(video, state, content.get("absorb"), "track to absorb")
        try:
            df = merge_tracks(self._keyframes_frame(video, state), keep["id"], absorb["id"])
        except ValueError as e:
            raise IntentError(f"item {video!r}: {e}") from None
        self._from_frame(state, df)
        return self._answer(content, self._change(video, state, "merge"), track=keep["id"])

    @intent("accept")
    def _on_accept(self, content: dict) -> dict:
        video = self._item_id(content)
        p = self._proposal(video, content)
        state = self._copy(video)
        tid = state["next"]
        state["next"] += 1
        state["tracks"][tid] = {"id": tid, "class": p["class"], "source": "proposal", "proposal": p["id"],
                                "keys": [[*k, "proposal"] for k in p["keys"]]}
        state["decided"][p["id"]] = "accepted"
        return self._answer(content, self._change(video, state, "accept"), track=tid, proposal_id=p["id"])

