"""AVAlignReview: line a video up with its audio (its own soundtrack or a separate recording), frame by frame.

Each item is a video and a recording: a separate recording (``audio=``) or, without one, the video's own
soundtrack (whose offset from the picture is then what is reviewed). The offset ``offset_s`` is what
to add to a time in the recording to get the video's time of the same moment (``av_sync``'s
convention). It starts as a proposal: ``av_sync.estimate_offset(soundtrack, recording)`` when the
video has a soundtrack and a separate recording (with its score and margin; a margin under
``ambiguous_margin`` is flagged ambiguous), else 0 (nothing to correlate: the person marks an event).
A soundtrack's times count from its stream's first sample, which a container may start before or
after its first frame: the proposal adds that lead (``AudioSource.start_s - VideoSource.start_s``),
so a soundtrack alone starts at its lead, not 0.

Every change to an item is one store event (``kind="av_offset"``) whose payload is its whole state
(``offset_s``, ``source``, ``confirmed``, ``marks``), so undo is ``store.undo`` and redo re-applies
the state undone (``ImageEditor``'s).

Protocol (browser → kernel; each edit carries ``client``/``seq`` and ``item_id``):
    offset  {offset_s}                 set the offset (a nudge by frames, a drag): source "nudged"
    mark    {audio_s, frame}           an event heard at ``audio_s`` in the recording is seen on
                                       ``frame``: offset = the frame's time - audio_s, source "marked"
    confirm {offset_s?}                confirm the current offset (``offset_s``: the one the view shows;
                                       refused when it is not the current one)
    reset   {}                         back to the proposal, unconfirmed
    undo / redo / sync                 the last change / the item's state
Every ack carries the item's state: ``offset_s``, ``source``, ``confirmed``, ``marks``. An offset must
leave the recording overlapping the video (``-recording length < offset_s < video length``). Reads:
``frames`` (``VideoWidget``), ``peaks`` and ``audio`` of the recording (``AudioReads``).
"""
from __future__ import annotations

import math
import os
from collections.abc import Hashable, Mapping
from typing import Any, ClassVar

import pandas as pd

from ..audio import AudioSource
from ..av_sync import estimate_offset, to_frames
from ..coerce import is_item_id, is_missing, plain
from ..items import Items, _open_timed
from ..store import AnnotationStore
from .audio_reads import AudioReads
from .base import STATIC, Committed, IntentError, intent, static_file
from .image_editor import ImageEditor
from .video_base import VideoWidget
from .words import check_time, secs

KIND = "av_offset"
SOURCES = ("proposed", "nudged", "marked")
OFFSET_COLUMNS = ["item", "offset_s", "offset_frames", "source", "confirmed", "proposed_s", "score", "margin", "ambiguous"]


class AVAlignReview(AudioReads, ImageEditor, VideoWidget):
    """Align each video with its recording: the frame strip above the recording's waveform on one
    timeline, the recording shifted by the offset; nudge it by frames, or mark one event on both, and
    confirm.

    Args:
        videos: what ``Items(..., kind="video")`` takes (paths, arrays), or such an ``Items``; or a list
            of ``(video, recording)`` pairs (then no ``audio=``).
        audio: a separate recording per video: a list in item order, or a dict / Series by item id (a
            video left out, or None, uses its own soundtrack); each a file path, an ``AudioSource``
            or a ``(samples, sample_rate)`` pair. None: every video's own soundtrack.
        max_offset_s: how far the proposal searches (seconds, either way).
        ambiguous_margin: a proposal whose margin is under this is flagged ambiguous (a periodic sound).

    Example:
        >>> import numpy as np
        >>> from hitl_widgets.demo.beeps import beep_track
        >>> video = np.zeros((50, 16, 16), np.uint8)                    # 2 s at 25 fps, no soundtrack
        >>> w = AVAlignReview([video], audio=[(beep_track([0.5], 2.0), 16000)], store=AnnotationStore(":memory:"))
        >>> _ = w.mark(0, audio_s=0.5, frame=25)                          # the beep is seen on frame 25
        >>> _ = w.confirm(0)
        >>> w.offsets[["offset_s", "offset_frames", "source", "confirmed"]].values.tolist()
        [[0.5, 12.5, 'marked', True]]
    """

    _esm = STATIC / "av_align.js"
    _css = STATIC / "av_align.css"
    KIND = KIND
    _state_kinds: ClassVar[tuple[str, ...]] = (KIND,)

    def __init__(
        self,
        videos: Any,
        audio: Any = None,
        store: AnnotationStore | None = None,
        task: str = "av_align",
        annotator: str | None = None,
        max_offset_s: float = 10.0,
        ambiguous_margin: float = 0.15,
        title: str = "",
    ):
        static_file("av_align.js")
        if audio is None and _are_pairs(videos):  # [(video, recording), ...]
            videos, audio = [v for v, _ in videos], [a for _, a in videos]
        items = videos if isinstance(videos, Items) else Items(videos, kind="video")
        if not items.is_video:
            raise ValueError(f"AVAlignReview aligns videos: pass Items(..., kind='video') or video paths / arrays, not {items.kind_of_all}s")
        for name, v in (("max_offset_s", max_offset_s), ("ambiguous_margin", ambiguous_margin)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0 or (name == "max_offset_s" and v == 0):
                raise ValueError(f"{name} must be a positive number, not {v!r}")
        separate = _recordings(audio, items)
        self._separate: dict[Hashable, AudioSource] = separate
        self._soundtracks: dict[Hashable, AudioSource | None] = {}  # decoded when first needed
        for i in items.ids:
            if i not in separate and _soundtrack_path(items, i) is None:
                raise ValueError(f"item {i!r}: the video has no soundtrack and no recording was given for it (audio=)")
        self._max_offset_s = float(max_offset_s)
        self._ambiguous_margin = float(ambiguous_margin)
        self._proposals: dict[Hashable, dict] = {}
        super().__init__(items, store=store, task=task, queue=list(items.ids), annotator=annotator, title=title)
        self.position = self._first_open()

    # ------------------------------------------------------------------ public API
    def proposal(self, item_id: Hashable) -> dict:
        """The proposed offset of a video: offset_s, score, margin (None without a proposal from
        cross-correlation), ambiguous, method ("cross-correlation", or "none": the person marks), note."""
        item_id = self._known(item_id)
        hit = self._proposals.get(item_id)
        if hit is None:
            track, separate = self._soundtrack(item_id), self._separate.get(item_id)
            # the soundtrack's time t is the picture's t + lead: in the file its stream may start before or after the frames
            lead = 0.0 if track is None else track.start_s - self.items.video(item_id).start_s
            hit = {"offset_s": lead if separate is None else 0.0, "score": None, "margin": None, "ambiguous": False, "method": "none",
                   "note": "no separate recording: mark an event heard and seen" if separate is None else
                   "the video has no soundtrack: mark an event heard and seen"}
            if track is not None and separate is not None:
                try:
                    est = estimate_offset(track, separate, max_offset_s=self._max_offset_s)
                except ValueError as exc:
                    hit["note"] = f"no proposal: {exc}"
                else:
                    hit = {"offset_s": est.offset_s + lead, "score": est.score, "margin": est.margin,
                           "ambiguous": bool(est.margin < self._ambiguous_margin), "method": "cross-correlation",
                           "note": "ambiguous: the sound repeats; check it" if est.margin < self._ambiguous_margin else ""}
            self._proposals[item_id] = hit
        return dict(hit)

    @property
    def offsets(self) -> pd.DataFrame:
        """One row per video: item, offset_s (current), offset_frames (offset_s × the nominal fps),
        source ("proposed", "nudged", "marked": where the current offset came from), confirmed (bool),
        proposed_s, score and margin (None without cross-correlation), ambiguous."""
        rows = []
        for i in self.items.ids:
            cur, prop = self._current(i), self.proposal(i)
            fps = float(self.items.info(i)["fps"])
            rows.append({"item": i, "offset_s": cur["offset_s"], "offset_frames": round(cur["offset_s"] * fps, 6),
                         "source": cur["source"], "confirmed": cur["confirmed"], "proposed_s": prop["offset_s"],
                         "score": prop["score"], "margin": prop["margin"], "ambiguous": prop["ambiguous"]})
        df = pd.DataFrame(rows, columns=OFFSET_COLUMNS)
        for col in ("score", "margin"):
            df[col] = pd.Series([r[col] for r in rows], dtype=object, index=df.index)
        return df

    def segments_to_frames(self, table: pd.DataFrame, item: str | None = None, confirmed_only: bool = True) -> pd.DataFrame:
        """``table`` (rows with an item column, start_s and end_s: times in the recording, such as
        ``TranscriptReview.words`` or segments) with start_frame and end_frame (inclusive) added: the
        video's frames on screen while each row lasts, moved by its video's offset
        (``av_sync.to_frames``, VFR-exact). ``item``: the column naming the video (default "item",
        else "utterance"). ``confirmed_only``: refuse a video whose offset is not confirmed."""
        if not isinstance(table, pd.DataFrame):
            raise ValueError(f"segments_to_frames needs a DataFrame, not {type(table).__name__}")
        col = item or ("item" if "item" in table.columns else "utterance")
        missing = [c for c in (col, "start_s", "end_s") if c not in table.columns]
        if missing:
            raise ValueError(f"segments_to_frames: the table has no column {missing[0]!r} (it needs {col!r}, start_s, end_s)")
        index = table.index
        gone = table[col].map(is_missing).to_numpy(dtype=bool)  # first: a missing id turns a column of ints to floats
        if gone.any():
            raise ValueError(f"row {index[int(gone.argmax())]!r}: the video id ({col}) is missing")
        for row, vid in zip(index, table[col]):  # before grouping, which would file True under video 1
            vid = plain(vid)
            if not is_item_id(vid) or vid not in self.items:
                why = "" if is_item_id(vid) else " (video ids are ints or strs)"
                raise ValueError(f"row {row!r}: no video {vid!r} in this widget{why}")
        if not index.is_unique:  # rows are put back in order by position
            table = table.reset_index(drop=True)
        parts = []
        for vid, rows in table.groupby(col, sort=False, dropna=False):
            cur = self._current(vid)
            if confirmed_only and not cur["confirmed"]:
                raise ValueError(f"item {vid!r}: its offset is not confirmed yet (confirm it, or pass confirmed_only=False)")
            try:
                parts.append(to_frames(rows, self.frame_times(vid), offset_s=cur["offset_s"]))
            except ValueError as exc:
                raise ValueError(f"item {vid!r}: {exc}") from None
        if not parts:
            return table.assign(start_frame=pd.Series(dtype=int), end_frame=pd.Series(dtype=int))
        out = pd.concat(parts).loc[table.index]
        out.index = index
        return out

    def set_offset(self, item_id: Hashable, offset_s: float) -> int:
        """Set a video's offset from code (checked as the view's are); returns the event id."""
        i = self._known(item_id)
        return self._code_change(self._set(i, check_time(offset_s, "offset_s", f"item {i!r}", IntentError), "offset"))

    def mark(self, item_id: Hashable, audio_s: float, frame: int) -> int:
        """An event heard at ``audio_s`` in the recording is seen on ``frame``; returns the event id."""
        i = self._known(item_id)
        return self._code_change(self._mark(i, {"audio_s": audio_s, "frame": frame}))

    def confirm(self, item_id: Hashable) -> int:
        """Confirm a video's current offset; returns the event id."""
        i = self._known(item_id)
        return self._code_change(self._confirm(i, {}))

    def reset(self, item_id: Hashable) -> int:
        """Put a video's offset back to the proposal, unconfirmed; returns the event id."""
        return self._code_change(self._reset(self._known(item_id)))

    def _media_print(self, item_id: Hashable) -> dict | None:
        """The video (frames, size) and its separate recording (samples, rate; "soundtrack" for its
        own): a stored offset is shown only on the same pair."""
        info = self.items.info(item_id)
        rec = self._separate.get(item_id)
        return {"frames": int(info["n_frames"]), "width": int(info["width"]), "height": int(info["height"]),
                "audio": "soundtrack" if rec is None else [int(rec.n_samples), int(rec.sample_rate)]}

    def recording(self, item_id: Hashable) -> AudioSource:
        """The recording aligned with a video (its separate recording, else its soundtrack)."""
        return self._recording(self._known(item_id))

    # ------------------------------------------------------------------ state (ImageEditor's hooks)
    def _known(self, item_id: Hashable) -> Hashable:
        return self._item_id({"item_id": item_id})

    def _soundtrack(self, item_id: Hashable) -> AudioSource | None:
        """The video file's own audio track (decoded once, when first needed), or None."""
        if item_id not in self._soundtracks:
            path = _soundtrack_path(self.items, item_id)
            self._soundtracks[item_id] = None if path is None else AudioSource(path, name=f"item {item_id!r} soundtrack")
        return self._soundtracks[item_id]

    def _recording(self, item_id: Hashable) -> AudioSource:
        track = self._separate.get(item_id) or self._soundtrack(item_id)
        if track is None:  # pragma: no cover - refused in __init__
            raise IntentError(f"item {item_id!r} has no recording")
        return track

    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        return {"offset_s": float(payload["offset_s"]), "source": payload.get("source", "nudged"),
                "confirmed": bool(payload.get("confirmed")), "marks": payload.get("marks")}

    def _current(self, item_id: Hashable) -> dict:
        state = self._state.get(item_id)
        if state is not None:
            return state
        return {"offset_s": self.proposal(item_id)["offset_s"], "source": "proposed", "confirmed": False, "marks": None}

    def _snapshot(self, item_id: Hashable) -> dict:
        cur = self._current(item_id)
        return {**cur, "marks": dict(cur["marks"]) if cur["marks"] else None}

    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        payload = {"op": op, **state}
        return self._store_state(item_id, payload, state, op, clear_redo)

    def _is_done(self, item_id: Hashable) -> bool:
        state = self._state.get(item_id)  # no state: the proposal, unconfirmed (not computed for this)
        return bool(state and state["confirmed"])

    def _done_candidates(self) -> list[Hashable]:
        return list(self._state)  # a recount looks at the items with a state only

    def _label(self, key: Hashable) -> Any:
        return self._current(key)["offset_s"]

    def _item_state(self, item_id: Any) -> dict:
        if item_id not in self.items:
            return {}
        cur = self._current(item_id)
        return {"offset_s": cur["offset_s"], "source": cur["source"], "confirmed": cur["confirmed"], "marks": cur["marks"]}

    def _item_info(self, item_id: Hashable) -> dict:
        rec = self._recording(item_id)
        return {**super()._item_info(item_id), "sample_rate": rec.sample_rate, "n_samples": rec.n_samples,
                "audio_duration_s": rec.duration_s, "separate": item_id in self._separate,
                "proposal": self.proposal(item_id), **self._item_state(item_id)}

    # ------------------------------------------------------------------ checks and changes
    def _check_offset(self, item_id: Hashable, offset: float) -> float:
        """An offset that leaves the recording overlapping the video, else refused naming the item."""
        times = self.frame_times(item_id)
        video_end = self.frame_end_time(item_id, len(times) - 1)
        rec = self._recording(item_id).duration_s
        if not -rec < offset < video_end:
            raise IntentError(f"item {item_id!r}: offset {secs(offset)} s moves the recording ({rec:.3f} s) off the video "
                              f"(0..{video_end:.3f} s): it must be between {-rec:.3f} and {video_end:.3f} s")
        return offset

    def _set(self, item_id: Hashable, offset: float, op: str, source: str = "nudged", marks: dict | None = None) -> Committed:
        state = {"offset_s": self._check_offset(item_id, offset), "source": source, "confirmed": False, "marks": marks}
        return self._change(item_id, state, op)

    def _mark(self, item_id: Hashable, content: dict) -> Committed:
        where = f"item {item_id!r} mark"
        audio_s = check_time(content.get("audio_s"), "audio_s", where, IntentError)
        rec = self._recording(item_id).duration_s
        if not 0 <= audio_s <= rec:
            raise IntentError(f"{where}: audio_s {secs(audio_s)} s is outside the recording (0..{rec:.3f} s)")
        frame = self.check_frame(item_id, content.get("frame"), "marked frame")
        offset = self.frame_times(item_id)[frame] - audio_s
        return self._set(item_id, offset, "mark", "marked", {"audio_s": audio_s, "frame": frame})

    def _confirm(self, item_id: Hashable, content: dict) -> Committed:
        cur = self._snapshot(item_id)
        if "offset_s" in content:
            shown = check_time(content.get("offset_s"), "offset_s", f"item {item_id!r} confirm", IntentError)
            if abs(shown - cur["offset_s"]) > 1e-9:
                raise IntentError(f"item {item_id!r}: the offset confirmed ({secs(shown)} s) is not the current one "
                                  f"({secs(cur['offset_s'])} s)")
        self._check_offset(item_id, cur["offset_s"])
        cur["confirmed"] = True
        return self._change(item_id, cur, "confirm")

    # ------------------------------------------------------------------ intents
    @intent("offset", last_wins=True)
    def _on_offset(self, content: dict) -> dict:
        i = self._item_id(content)
        offset = check_time(content.get("offset_s"), "offset_s", f"item {i!r}", IntentError)
        return self._answer(content, self._set(i, offset, "offset"))

    @intent("mark")
    def _on_mark(self, content: dict) -> dict:
        i = self._item_id(content)
        return self._answer(content, self._mark(i, content))

    @intent("confirm")
    def _on_confirm(self, content: dict) -> dict:
        i = self._item_id(content)
        return self._answer(content, self._confirm(i, content))

    def _reset(self, item_id: Hashable) -> Committed:
        state = {"offset_s": self.proposal(item_id)["offset_s"], "source": "proposed", "confirmed": False, "marks": None}
        return self._change(item_id, state, "reset")

    @intent("reset")
    def _on_reset(self, content: dict) -> dict:
        return self._answer(content, self._reset(self._item_id(content)))

    @intent("sync")
    def _on_sync(self, content: dict) -> dict:
        """Answer with the item's current state (the view asks after a refusal)."""
        i = self._item_id(content)
        return self._ack(content, item_id=i, event_id=None, **self._item_state(i))


def _are_pairs(videos: Any) -> bool:
    """Whether ``videos`` is a list of ``(video, recording)`` pairs: a path or a frames array first."""
    import numpy as np

    if not isinstance(videos, (list, tuple)) or not videos:
        return False
    return all(isinstance(v, tuple) and len(v) == 2 and (isinstance(v[0], (str, os.PathLike))
               or (isinstance(v[0], np.ndarray) and v[0].ndim >= 3)) for v in videos)


def _soundtrack_path(items: Items, item_id: Hashable) -> str | None:
    """The video's file when it has an audio stream (probed, not decoded), else None (an array, or a
    file without one)."""
    path = getattr(items.video(item_id), "path", None)
    if path is None:
        return None
    from ..video import _import_av

    try:
        with _import_av().open(str(path)) as container:
            return str(path) if container.streams.audio else None
    except Exception as exc:  # unreadable since Items was made
        raise ValueError(f"item {item_id!r}: cannot open the video to find its soundtrack: {exc}") from exc


def _recordings(audio: Any, items: Items) -> dict[Hashable, AudioSource]:
    """``audio=`` as a recording per item id (those given), each opened and checked, naming the item."""
    if audio is None:
        return {}
    if isinstance(audio, pd.Series):
        audio = audio.to_dict()
    if isinstance(audio, Mapping):
        pairs = list(audio.items())
        for k, _ in pairs:
            if k not in items:
                raise ValueError(f"audio: no video {k!r} among the items (ids {items.ids[0]!r}..{items.ids[-1]!r})")
    else:
        if isinstance(audio, (str, tuple)) or not hasattr(audio, "__len__"):
            raise ValueError(f"audio must be a list (one recording per video) or a dict by item id, not {type(audio).__name__}")
        if len(audio) != len(items):
            raise ValueError(f"audio: got {len(audio)} recordings for {len(items)} videos (use a dict by item id for some only)")
        pairs = list(zip(items.ids, audio))
    out: dict[Hashable, AudioSource] = {}
    for k, value in pairs:
        if value is None:
            continue
        where = f"item {k!r} recording"
        try:
            src = value if isinstance(value, AudioSource) else _open_timed("audio", str(value) if hasattr(value, "__fspath__") else value, where)
        except ValueError as exc:
            msg = str(exc)
            raise ValueError(msg if msg.startswith(f"item {k!r}") else f"{where}: {msg}") from None
        out[k] = src
    return out


__all__ = ["AVAlignReview", "SOURCES", "OFFSET_COLUMNS"]
