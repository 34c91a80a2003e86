"""VideoWidget: the kernel side shared by every widget that shows videos whole, frame by frame.

A video widget steps through an ``Items`` of videos like any ``ReviewWidget``; what it adds:

* each item's info carries ``n_frames``, ``fps`` (nominal) and ``times`` (each frame's presentation
  time in seconds, from the file's timestamps: variable frame rate is exact), so the browser maps a
  frame index to a time and back without guessing;
* the ``frames`` intent (a read, like ``fetch``): the view asks for a few frames of one video,
  ``{"type": "frames", "item_id": id, "frames": [i, ...]}`` (at most ``MAX_FRAMES`` ints in range),
  and gets one ``{"type": "frames", "item_id": id, "frames": [{"index", "time", "buffer"}, ...]}``
  message whose JPEG frames travel as binary buffers (never base64); a frame that cannot be decoded
  comes back as ``{"index", "error"}``;
* frame-exact checks (``check_frame``, ``check_range``) whose errors name the item and the frame.

Example:
    >>> import numpy as np
    >>> from hitl_widgets.store import AnnotationStore
    >>> w = VideoWidget([np.zeros((5, 8, 8), np.uint8)], store=AnnotationStore(":memory:"))
    >>> w.check_range(0, 1, 4)
    (1, 4)
    >>> w.frame_times(0)[:2]
    [0.0, 0.04]
"""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

from ..items import Items
from .base import IntentError, ReviewWidget, intent

MAX_FRAMES = 32  # frames per ``frames`` request
JPEG_QUALITY = 90


def _as_index(value: Any) -> int | None:
    """An int frame index (numpy ints too), or None (bools, floats, strings are not indices)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        import numpy as np

        if isinstance(value, np.integer):
            return int(value)
    except ImportError:  # pragma: no cover
        pass
    return None


class VideoWidget(ReviewWidget):
    """Base of the video widgets: frame serving with presentation times, frame-exact checks.

    Subclasses extend ``_item_info`` with ``{**super()._item_info(item_id), ...}``.
    """

    _takes_video: ClassVar[bool] = True
    _jpeg_quality: ClassVar[int] = JPEG_QUALITY

    def __init__(self, items: Any, **kwargs: Any):
        items = items if isinstance(items, Items) else Items(items, kind="video")
        if not items.is_video:
            raise ValueError(f"{type(self).__name__} reviews videos: pass Items(..., kind='video') or a list of video paths/arrays")
        self._times: dict[Hashable, list[float]] = {}  # item id -> per-frame times (s), read once
        super().__init__(items, **kwargs)

    # ------------------------------------------------------------------ frame-exact helpers
    def n_frames(self, item_id: Hashable) -> int:
        """Number of frames of video ``item_id``."""
        return int(self.items.info(item_id)["n_frames"])

    def frame_times(self, item_id: Hashable) -> list[float]:
        """Each frame's presentation time in seconds (relative to the first frame)."""
        times = self._times.get(item_id)
        if times is None:
            times = [float(t) for t in self.items.video(item_id).times]
            self._times[item_id] = times
        return times

    def frame_end_time(self, item_id: Hashable, frame: int) -> float:
        """When frame ``frame`` stops being shown: the next frame's time; for the last frame, its time
        plus the mean frame duration (the nominal 1/fps for a one-frame video)."""
        times = self.frame_times(item_id)
        if frame + 1 < len(times):
            return times[frame + 1]
        if len(times) > 1:
            return times[-1] + (times[-1] - times[0]) / (len(times) - 1)
        return times[-1] + 1.0 / float(self.items.info(item_id)["fps"])

    def check_frame(self, item_id: Hashable, frame: Any, what: str = "frame", error: type[Exception] = IntentError) -> int:
        """``frame`` as an int index inside video ``item_id``, else ``error`` naming both."""
        i = _as_index(frame)
        n = self.n_frames(item_id)
        if i is None:
            raise error(f"item {item_id!r}: {what} must be an int frame index, not {str(frame)[:40]!r}")
        if not 0 <= i < n:
            raise error(f"item {item_id!r}: {what} {i} is outside the video (frames 0..{n - 1})")
        return i

    def check_range(self, item_id: Hashable, start: Any, end: Any, error: type[Exception] = IntentError) -> tuple[int, int]:
        """``(start, end)``, an inclusive frame range inside video ``item_id`` (end >= start), else
        ``error`` naming the item and the frames."""
        s = self.check_frame(item_id, start, "start frame", error)
        e = self.check_frame(item_id, end, "end frame", error)
        if e < s:
            raise error(f"item {item_id!r}: end frame {e} is before start frame {s}")
        return s, e

    # ------------------------------------------------------------------ what the view gets
    def _item_info(self, item_id: Hashable) -> dict:
        try:
            times = self.frame_times(item_id)
        except ValueError as exc:  # unreadable since Items was made: the media says why
            return {"video_error": str(exc)}
        info = self.items.info(item_id)
        return {"n_frames": len(times), "fps": float(info["fps"]), "times": times}

    @intent("frames", sequenced=False)
    def _on_frames(self, content: dict) -> None:
        """Serve up to ``MAX_FRAMES`` frames of one video as JPEG buffers, each with its index and time."""
        item_id = self._item_id(content)
        wanted = content.get("frames")
        if not isinstance(wanted, list) or not wanted or len(wanted) > MAX_FRAMES:
            raise IntentError(f"item {item_id!r}: frames needs a list of 1 to {MAX_FRAMES} frame indices")
        indices = [self.check_frame(item_id, f) for f in wanted]
        try:
            video = self.items.video(item_id)
        except ValueError as exc:
            raise IntentError(str(exc)) from None
        buffers: list[bytes] = []
        frames: list[dict] = []
        for i in sorted(set(indices)):  # each once, ascending: one seek, then decoding forward
            try:
                data = video.encoded_frame(i, "jpeg", self._jpeg_quality)
            except (ValueError, OSError) as exc:
                frames.append({"index": i, "error": str(exc)[:300]})
                continue
            frames.append({"index": i, "time": float(video.times[i]), "buffer": len(buffers)})
            buffers.append(data)
        self.send({"type": "frames", "item_id": item_id, "frames": frames}, buffers=buffers)
        return None


class VideoCollectionEditor(VideoWidget):
    """What the whole-state video editors share (mixed with ``ImageEditor``): a video's state is a
    collection of elements (``_collection``: "segments", "tracks") keyed by id, plus the proposals
    decided. A video is done once it has an element; its label is how many it has. The "reject"
    (a proposal) and "sync" (the video's state, asked after a refusal) intents live here; a
    subclass gives ``_copy`` (a deep copy of the state), ``_change`` (store a new state) and its
    proposals by video (``_proposals``, read through ``proposals_of``)."""

    _collection: ClassVar[str] = ""
    _proposals: dict[Hashable, list[dict]]

    def proposals_of(self, video: Hashable) -> list[dict]:
        """The proposals of one video."""
        return self._proposals.get(video, [])

    def _proposal(self, video: Hashable, content: dict) -> dict:
        """The open proposal a message names (an IntentError if it names none, or a decided one)."""
        pid = content.get("proposal_id")
        for p in self.proposals_of(video):
            if p["id"] == pid:
                decided = self._current(video)["decided"].get(pid)
                if decided is not None:
                    raise IntentError(f"item {video!r}: proposal {pid!r} was already {decided}")
                return p
        raise IntentError(f"item {video!r}: no proposal {str(pid)[:40]!r}")

    def _media_print(self, item_id: Hashable) -> dict | None:
        """A video's frame count and size: its stored state is shown only on a video like it."""
        info = self.items.info(item_id)
        return {"frames": int(info["n_frames"]), "width": int(info["width"]), "height": int(info["height"])}

    def _is_done(self, item_id: Hashable) -> bool:
        return bool(self._current(item_id)[self._collection])

    def _label(self, key: Hashable) -> Any:
        return len(self._current(key)[self._collection])

    def _item_state(self, item_id: Any) -> dict:
        if item_id not in self.items:
            return {}
        cur = self._current(item_id)
        return {self._collection: list(cur[self._collection].values()), "decided": cur["decided"]}

    @intent("reject")
    def _on_reject(self, content: dict) -> dict:
        video = self._item_id(content)
        p = self._proposal(video, content)
        state = self._copy(video)
        state["decided"][p["id"]] = "rejected"
        return self._answer(content, self._change(video, state, "reject"), proposal_id=p["id"])

    @intent("sync")
    def _on_sync(self, content: dict) -> dict:
        """Answer with the video's current state (the view asks after a refusal)."""
        video = self._item_id(content)
        return self._ack(content, item_id=video, event_id=None, **self._item_state(video))
