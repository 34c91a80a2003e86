"""Video sources, frame-exact: a video file (through PyAV) or a ``(T, H, W[, C])`` array.

A frame has an index (0 .. n_frames-1, in presentation order) and a presentation time; both are kept.
For a file, one demux pass over its packets (no decoding) builds the table of presentation timestamps
and the keyframe index, so variable frame rate is exact. ``frame(i)`` seeks to the keyframe at or before
frame ``i`` and decodes forward until the decoded frame's timestamp *is* frame ``i``'s (it never counts
frames from a seek, which FFmpeg may land inaccurately); stepping forward reuses the open decoder
without seeking again. Decoded frames are kept in a bounded LRU cache.

PyAV is optional (``pip install hitl-widgets[video]``): it is imported when a file is opened, never by
``import hitl_widgets``.

Example:
    >>> import numpy as np
    >>> src = VideoSource(np.zeros((10, 48, 64), np.uint8), fps=25)
    >>> src.n_frames, src.width, src.height, src.frame(3).shape
    (10, 64, 48, (48, 64, 3))
    >>> float(src.times[2])
    0.08
"""
from __future__ import annotations

import io
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .coerce import check_pixel_stack, plain
from .remote import is_url

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi")


def _import_av() -> Any:
    try:
        import av
    except ImportError:  # pragma: no cover - depends on the install
        raise ImportError("reading video files needs PyAV: pip install 'hitl-widgets[video]' (or pip install av)") from None
    return av


TIME_SLACK_S = 1e-9  # a time this close to a frame's is that frame's (float rounding of pts x time base)


def frame_at(times: Any, seconds: Any) -> np.ndarray:
    """The frame on screen at each time in ``seconds``: the last frame whose presentation time is at
    most that time plus ``TIME_SLACK_S`` (-1 before the first frame). The slack absorbs float
    rounding: with a 1/12800 time base frame 35 of a 25 fps file is at 1.4000000000000001 s, and 1.4 s
    is frame 35. ``VideoSource.index_at``, ``av_sync.to_frames`` and the views (``indexAtTime``, js/src/lib/frames.ts) use
    the same rule.

    Example:
        >>> frame_at(np.arange(100) * 512 * float(1 / 12800), [1.4, 1.39]).tolist()
        [35, 34]
    """
    return np.searchsorted(np.asarray(times, dtype=float), np.asarray(seconds, dtype=float) + TIME_SLACK_S, side="right") - 1


class VideoSource:
    """Frame-exact random access to one video: a file path or a ``(T, H, W[, C])`` array.

    Args:
        source: path to a video file (mp4, webm, mkv, avi, ... anything FFmpeg demuxes), or an array of
            frames ``(T, H, W)`` (grey), ``(T, H, W, 1|3|4)``, uint8 or float in [0, 1] (alpha is dropped:
            video frames are opaque).
        fps: frame rate of an array (default 25); for a file, overrides the *nominal* ``fps`` only
            (frame times always come from the file's timestamps).
        cache_size: how many decoded frames the LRU cache keeps (0: none).
        name: how errors name this video (default: the path, or "video array").

    Attributes:
        n_frames, fps (nominal), width, height.
        pts: each frame's presentation timestamp in ``time_base`` units (int64, strictly increasing).
        times: each frame's presentation time in seconds, relative to the first frame (``times[0] == 0``).
        start_s: when the first frame shows in its file (0 for an array): with ``AudioSource.start_s``,
            how a container's soundtrack lines up with its frames.
        keyframes: indices of the frames a decoder can start from.
        seeks, decoded: counters (seeks done; frames decoded), for tests and benchmarks.
    """

    start_s = 0.0

    def __init__(self, source: Any, *, fps: float | None = None, cache_size: int = 64, name: str | None = None):
        if isinstance(cache_size, bool) or not isinstance(cache_size, (int, np.integer)) or cache_size < 0:
            raise ValueError(f"cache_size must be an int >= 0, not {cache_size!r}")
        if fps is not None and (isinstance(fps, bool) or not np.isfinite(fps) or fps <= 0):
            raise ValueError(f"fps must be a positive number, not {fps!r}")
        self.cache_size = int(cache_size)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.RLock()
        self.seeks = 0
        self.decoded = 0
        self._array: np.ndarray | None = None
        self._container: Any = None
        self._frames: Iterator[Any] | None = None  # the open decoder's output, positioned after frame _at
        self._at = -1
        self.path: Path | None = None
        if isinstance(source, (str, os.PathLike)):
            if is_url(source):
                raise ValueError(f"{name if name is not None else source}: video is read from local files, not URLs: "
                                 "copy it here first (e.g. fsspec.get(url, path))")
            self.path = Path(source)
            self.name = name if name is not None else str(self.path)
            self._open_file(fps)
        elif isinstance(source, np.ndarray):
            self.name = name if name is not None else "video array"
            self._open_array(source, 25.0 if fps is None else float(fps))
        else:
            raise ValueError(
                f"{name or 'video'}: VideoSource takes a file path or a (T, H, W[, C]) numpy array, not {type(source).__name__}"
            )

    # -- opening ---------------------------------------------------------------------------------------

    def _open_array(self, arr: np.ndarray, fps: float) -> None:
        where = self.name
        if arr.ndim == 4 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim not in (3, 4) or (arr.ndim == 4 and arr.shape[-1] not in (3, 4)):
            raise ValueError(f"{where}: a video array must be (T, H, W) or (T, H, W, 1|3|4), got shape {arr.shape}")
        if arr.shape[0] == 0:
            raise ValueError(f"{where}: the video has no frames (empty array, shape {arr.shape})")
        if arr.shape[1] == 0 or arr.shape[2] == 0:
            raise ValueError(f"{where}: frames have no pixels (shape {arr.shape})")
        check_pixel_stack(arr, lambda n: f"{where}: frame {n}", what=f"{where}:")
        self._array = arr
        self.n_frames = int(arr.shape[0])
        self.height, self.width = int(arr.shape[1]), int(arr.shape[2])
        self.fps = fps
        self.time_base = Fraction(1, 1) / Fraction(fps).limit_denominator(1_000_000)
        self.pts = np.arange(self.n_frames, dtype=np.int64)
        self.times = self.pts / fps
        self.keyframes = np.arange(self.n_frames, dtype=np.int64)

    def _open_file(self, fps: float | None) -> None:
        assert self.path is not None
        where = self.name
        if not self.path.exists():
            raise FileNotFoundError(f"{where}: video file not found")
        if self.path.is_dir():
            raise ValueError(f"{where}: is a directory, not a video file")
        av = _import_av()
        try:
            container = av.open(str(self.path))
        except Exception as exc:  # av.error.InvalidDataError and kin: not a video FFmpeg can read
            raise ValueError(f"{where}: cannot open video (corrupt, truncated or not a video file): {exc}") from exc
        try:
            if not container.streams.video:
                raise ValueError(f"{where}: the file has no video stream (or a video stream with no frames)")
            stream = container.streams.video[0]
            stamps: list[int] = []
            key: list[int] = []
            shown_until = None  # the latest pts + duration: a last frame held for 10 s ends 10 s after it shows
            for packet in container.demux(stream):
                ts = packet.pts if packet.pts is not None else packet.dts
                if ts is None or packet.size == 0:  # the flush packet at the end
                    continue
                if packet.is_discard:  # before an edit list's start (a trimmed mp4): decoded, never shown
                    continue
                stamps.append(int(ts))
                if packet.duration:
                    shown_until = max(shown_until or 0, int(ts) + int(packet.duration))
                if packet.is_keyframe:
                    key.append(int(ts))
        except ValueError:
            container.close()
            raise
        except Exception as exc:
            container.close()
            raise ValueError(f"{where}: cannot read video packets (corrupt or truncated file): {exc}") from exc
        if not stamps:
            container.close()
            raise ValueError(f"{where}: the video has no frames")
        pts = np.unique(np.asarray(stamps, dtype=np.int64))  # presentation order; B-frames arrive out of it
        if len(pts) != len(stamps):
            container.close()
            raise ValueError(f"{where}: {len(stamps) - len(pts)} video packets repeat another's timestamp; cannot index frames")
        self._container = container
        self._stream = stream
        self.time_base = Fraction(stream.time_base)
        self.pts = pts
        self.n_frames = len(pts)
        self._index = {int(p): i for i, p in enumerate(pts)}
        self.keyframes = np.unique(np.searchsorted(pts, np.asarray(key, dtype=np.int64)))
        if len(self.keyframes) == 0 or self.keyframes[0] != 0:  # no keyframe flag: start from the beginning
            self.keyframes = np.union1d([0], self.keyframes).astype(np.int64)
        self.times = (pts - pts[0]) * float(self.time_base)
        self.start_s = float(pts[0] * self.time_base)  # when the first frame shows, in the file's time
        self._check_duration(container, stream, None if shown_until is None else float((shown_until - pts[0]) * self.time_base))
        self.width = int(stream.codec_context.width)
        self.height = int(stream.codec_context.height)
        rate = stream.average_rate or stream.guessed_rate
        if fps is not None:
            self.fps = float(fps)
        elif rate:
            self.fps = float(rate)
        elif self.n_frames > 1:
            self.fps = (self.n_frames - 1) / float(self.times[-1])
        else:
            self.fps = 25.0
        if self.width <= 0 or self.height <= 0:
            container.close()
            raise ValueError(f"{where}: the video stream has no frame size (corrupt header)")

    def _check_duration(self, container: Any, stream: Any, shown_until: float | None = None) -> None:
        """A streamable file (mkv, webm) cut short still demuxes; its header's duration tells. The
        frames end where the last packet's duration says (``shown_until``, from the first frame), or,
        without durations, a mean frame period after the last frame."""
        if stream.duration:
            declared = float(stream.duration * self.time_base)
        elif container.duration and len(container.streams) == 1:
            declared = container.duration / 1_000_000  # AV_TIME_BASE
        else:
            return
        period = float(self.times[-1]) / (self.n_frames - 1) if self.n_frames > 1 else 0.0
        found = max(float(self.times[-1]) + period, shown_until or 0.0)
        if found < declared - max(0.5, 0.1 * declared):
            container.close()
            raise ValueError(
                f"{self.name}: truncated or corrupt: the header says {declared:.3f} s, its frames end at {found:.3f} s"
            )

    # -- access ----------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.n_frames

    def __repr__(self) -> str:
        return f"VideoSource({self.name!r}, {self.n_frames} frames, {self.width}x{self.height}, {self.fps:.3g} fps)"

    def _check_index(self, i: Any) -> int:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
            raise ValueError(f"{self.name}: frame index must be an int, not {type(i).__name__} ({i!r})")
        if not 0 <= i < self.n_frames:
            raise ValueError(f"{self.name}: frame {i} out of range: the video has {self.n_frames} frames (0..{self.n_frames - 1})")
        return int(i)

    def time(self, i: int) -> float:
        """Frame ``i``'s presentation time in seconds (relative to the first frame)."""
        return float(self.times[self._check_index(i)])

    def index_at(self, seconds: float) -> int:
        """The frame on screen at ``seconds`` (relative to the first frame): the last one shown at or before it
        (a time before the first frame is frame 0, one past the last the last frame). NaN, an infinity and
        anything but a number are refused."""
        value = plain(seconds)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{self.name}: a time in seconds must be a finite number, not {value!r}")
        return int(np.clip(frame_at(self.times, value), 0, self.n_frames - 1))

    def keyframe_before(self, i: int) -> int:
        """The index of the keyframe at or before frame ``i`` (where decoding frame ``i`` starts)."""
        i = self._check_index(i)
        return int(self.keyframes[np.searchsorted(self.keyframes, i, side="right") - 1])

    def frame(self, i: int) -> np.ndarray:
        """Frame ``i`` as an ``(H, W, 3)`` uint8 RGB array (read-only; copy it to draw on it)."""
        i = self._check_index(i)
        with self._lock:
            hit = self._cache.get(i)
            if hit is not None:
                self._cache.move_to_end(i)
                return hit
            if self._array is not None:
                rgb = _rgb(self._array[i])
            else:
                rgb = self._decode(i)
            rgb.setflags(write=False)
            if self.cache_size:
                self._cache[i] = rgb
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            return rgb

    def encoded_frame(self, i: int, format: str = "jpeg", quality: int = 90) -> bytes:
        """Frame ``i`` encoded as JPEG (``quality`` 1..95) or PNG, for sending to a browser."""
        if format not in ("jpeg", "png"):
            raise ValueError(f"format must be 'jpeg' or 'png', not {format!r}")
        if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= 95:
            raise ValueError(f"quality must be an int in 1..95, not {quality!r}")
        im = Image.fromarray(self.frame(i))
        buf = io.BytesIO()
        if format == "jpeg":
            im.save(buf, format="JPEG", quality=int(quality))
        else:
            im.save(buf, format="PNG", compress_level=1)
        return buf.getvalue()

    def cached(self) -> list[int]:
        """The indices in the frame cache, least recently used first."""
        with self._lock:
            return list(self._cache)

    def close(self) -> None:
        with self._lock:
            self._frames = None
            self._at = -1
            self._cache.clear()
            if self._container is not None:
                self._container.close()
                self._container = None

    def __enter__(self) -> VideoSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- decoding --------------------------------------------------------------------------------------

    def _decoded_frames(self) -> Iterator[Any]:
        for packet in self._container.demux(self._stream):
            yield from packet.decode()  # the last (empty) packet flushes the decoder's delayed frames

    def _seek(self, i: int) -> None:
        """Position the decoder at the keyframe at or before frame ``i``."""
        self.seeks += 1
        self._container.seek(int(self.pts[i]), stream=self._stream, backward=True, any_frame=False)
        self._stream.codec_context.flush_buffers()
        self._frames = self._decoded_frames()
        self._at = -1

    def _decode(self, i: int) -> np.ndarray:
        if self._container is None:
            raise ValueError(f"{self.name}: the video is closed")
        # keep decoding forward from where the decoder is when no keyframe lies between it and frame i
        forward = self._frames is not None and self._at < i and self.keyframe_before(i) <= self._at + 1
        starts = [int(k) for k in self.keyframes[self.keyframes <= i][::-1]]
        if forward:
            starts.insert(0, -1)
        for start in starts[:3]:  # open GOPs: a keyframe whose leading frames need the previous one
            if start >= 0:
                self._seek(start)
            rgb = self._decode_forward(i)
            if rgb is not None:
                return rgb
        raise ValueError(f"{self.name}: frame {i} (pts {int(self.pts[i])}) could not be decoded (corrupt or truncated file)")

    def _decode_forward(self, i: int) -> np.ndarray | None:
        """Decode until frame ``i`` (identified by its timestamp, ``pts[i]``); None if the decoder passed it or ended."""
        assert self._frames is not None
        try:
            for frame in self._frames:
                self.decoded += 1
                ts = frame.pts if frame.pts is not None else frame.dts
                n = self._index.get(int(ts)) if ts is not None else None
                if n is None:
                    continue
                self._at = n
                if n == i:
                    return frame.to_ndarray(format="rgb24")
                if n > i:  # passed frame i without seeing it (an open GOP's leading frames)
                    return None
        except Exception as exc:
            self._frames = None
            self._at = -1
            raise ValueError(f"{self.name}: cannot decode frame {i} (corrupt or truncated file): {exc}") from exc
        self._frames = None  # the stream ended
        self._at = -1
        return None


def _rgb(frame: np.ndarray) -> np.ndarray:
    if frame.dtype != np.uint8:
        frame = np.round(frame * 255).astype(np.uint8)
    if frame.ndim == 2:
        return np.repeat(frame[:, :, None], 3, axis=2)
    return np.ascontiguousarray(frame[:, :, :3])
