"""Point-cloud frames for ``PointCloudAnnotator``: input validation, the compact encodings sent to
the browser, and the codecs of the point indices an edit names.

To the browser (one ``items`` message per frame, binary buffers, never JSON numbers):
    xyz      uint16 x 3 per point, quantised per axis: ``value = offset + q * scale`` (offset and
             scale are float64 sent in the message; both sides compute it in float64 and round to
             float32, so the view's positions are exactly ``view_positions``): 6 bytes/point
    labels   uint8 ``label + 1`` (0: unlabelled), uint16 when there are over 254 classes
    colour   uint8 intensity (1 byte) and/or RGB (3 bytes), when the points have them
    proposal uint8 class + 1 and uint8 round(score * 255), when there are proposals
    instance uint16 per point, in instance mode
xyz + label + intensity is 8 bytes/point.

From the browser, an edit names its points in one buffer (``encoding``):
    "bitmask" ceil(N / 8) bytes, point i is bit i % 8 (LSB first) of byte i // 8; padding bits 0
    "delta"   uint32 little-endian: the first index, then the gaps to each next (each > 0)
    "varint"  the same numbers as unsigned LEB128 (7 bits a byte, low first; a set high bit: more
              bytes follow): 1 byte a point while the gaps are under 128
In the store, an edit's indices are kept as a zlib-compressed bitmask or delta-coded uint32,
whichever is smaller, in base64 (``pack``).
"""
from __future__ import annotations

import base64
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..coerce import is_tensor, to_numpy

MAX_INSTANCE = 65535  # SemanticKITTI keeps instance ids in 16 bits


@dataclass
class Frame:
    """One validated frame: ``xyz`` (N, 3) float64, ``intensity`` (N,) float64 as given (any
    range) or None, ``rgb`` (N, 3) in [0, 1] or None, proposals ``prop_classes`` (N,) int /
    ``prop_scores`` (N,); ``dtype``: the dtype the points came in (what exports keep)."""

    xyz: np.ndarray
    intensity: np.ndarray | None
    rgb: np.ndarray | None
    prop_classes: np.ndarray | None = None
    prop_scores: np.ndarray | None = None
    dtype: np.dtype = np.dtype(np.float64)

    def __len__(self) -> int:
        return len(self.xyz)

    def display_intensity(self) -> np.ndarray | None:
        """The intensity the view colours by, in [0, 1]: as given when it lies in [0, 1], else
        min-max scaled (a constant one: all 0). For display only: ``intensity`` and the exports
        keep the values given."""
        value = self.intensity
        if value is None or ((value >= 0) & (value <= 1)).all():
            return value
        lo, hi = value.min(), value.max()
        return (value - lo) / (hi - lo) if hi > lo else np.zeros_like(value)


def _first_bad(mask: Any) -> int:
    return int(np.flatnonzero(mask)[0])


def check_frame(points: Any, where: str) -> Frame:
    """``points`` (N, 3) or (N, 3+k): k = 1 intensity, 3 RGB, 4 intensity + RGB (RGB in [0, 1], or
    0 .. 255 when any value is over 1 or the array is of ints); refused with an error naming
    ``where`` and the point.

    Points are rows. A transposed (3, N) or (4, N) array is refused by its shape unless N is 3, 4,
    6 or 7: such a small one ((3, 4), (4, 3), ...) has a valid shape, cannot be told apart, and is
    read as rows."""
    if not (isinstance(points, np.ndarray) or is_tensor(points)):
        raise ValueError(f"{where}: points must be a numpy array or a torch tensor, not {type(points).__name__}")
    arr = to_numpy(points)
    if arr.ndim != 2 or arr.shape[1] not in (3, 4, 6, 7):
        hint = " (points are rows: is it transposed?)" if arr.ndim == 2 and arr.shape[0] in (3, 4, 6, 7) else ""
        raise ValueError(f"{where}: points must have shape (N, 3), (N, 4) intensity, (N, 6) RGB or (N, 7) intensity + RGB, "
                         f"not {arr.shape}{hint}")
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{where}: points must be numbers, not {arr.dtype}")
    if len(arr) == 0:
        raise ValueError(f"{where}: no points")
    dtype, arr = arr.dtype, arr.astype(np.float64)
    bad = ~np.isfinite(arr[:, :3]).all(axis=1)
    if bad.any():
        n = _first_bad(bad)
        raise ValueError(f"{where}, point {n}: coordinates must be finite, got {arr[n, :3].tolist()} (NaN/inf)")
    k = arr.shape[1] - 3
    bad = ~np.isfinite(arr[:, 3:]).all(axis=1)
    if bad.any():
        n = _first_bad(bad)
        what = "intensity" if k == 1 else "RGB" if k == 3 else "intensity and RGB"
        raise ValueError(f"{where}, point {n}: {what} must be finite, got {arr[n, 3:].tolist()} (NaN/inf)")
    intensity = arr[:, 3] if k in (1, 4) else None
    rgb = arr[:, -3:] if k in (3, 4) else None
    if rgb is not None:
        if (rgb < 0).any():
            raise ValueError(f"{where}, point {_first_bad((rgb < 0).any(1))}: RGB must be >= 0")
        if rgb.max() > 1 or np.issubdtype(dtype, np.integer):
            if rgb.max() > 255:
                raise ValueError(f"{where}, point {_first_bad((rgb > 255).any(1))}: RGB must be in [0, 1] or 0 .. 255")
            rgb = rgb / 255.0  # integer points are always 0 .. 255 (a dark frame's 0s and 1s too)
    return Frame(arr[:, :3], intensity, rgb, dtype=dtype)


def check_proposal(proposal: Any, frame: Frame, n_classes: int, where: str) -> tuple[np.ndarray, np.ndarray]:
    """A frame's proposals: classes (N,), or (classes, scores), or an object with ``classes`` and
    ``scores`` (``hitl_widgets.pointcloud.Proposals``); classes in -1 .. n_classes-1 (-1: none),
    scores finite in [0, 1] (default 1)."""
    if hasattr(proposal, "classes") and hasattr(proposal, "scores"):
        classes, scores = proposal.classes, proposal.scores
    elif isinstance(proposal, tuple) and len(proposal) == 2:
        classes, scores = proposal
    else:
        classes, scores = proposal, None
    cls = to_numpy(classes)
    if cls.shape != (len(frame),):
        raise ValueError(f"{where}: proposals have shape {cls.shape}, expected ({len(frame)},): one class per point")
    if not np.issubdtype(cls.dtype, np.integer):
        raise ValueError(f"{where}: proposal classes must be integer class indices, not {cls.dtype}")
    cls = cls.astype(np.int64)
    bad = (cls < -1) | (cls >= n_classes)
    if bad.any():
        n = _first_bad(bad)
        raise ValueError(f"{where}, point {n}: proposal class {cls[n]} is not one of the {n_classes} classes (-1: none)")
    sc = np.ones(len(frame)) if scores is None else to_numpy(scores).astype(np.float64)
    if sc.shape != (len(frame),):
        raise ValueError(f"{where}: proposal scores have shape {sc.shape}, expected ({len(frame)},)")
    bad = ~np.isfinite(sc) | (sc < 0) | (sc > 1)
    if bad.any():
        n = _first_bad(bad)
        raise ValueError(f"{where}, point {n}: proposal score {sc[n]} is outside [0, 1]")
    return cls, sc


def as_frames(points: Any) -> tuple[list[Any], bool]:
    """``points`` as a list of frames, and whether it was given as several (a list or tuple)."""
    if isinstance(points, (list, tuple)):
        if not points:
            raise ValueError("points: an empty list of frames")
        return list(points), True
    return [points], False


# ---------------------------------------------------------------------------------- to the browser
def quantise(xyz: np.ndarray) -> tuple[np.ndarray, list[float], list[float]]:
    """uint16 (N, 3) codes with per-axis offset and scale: ``offset + q * scale`` ≈ xyz."""
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    scale = np.where(hi > lo, (hi - lo) / 65535.0, 1.0)
    q = np.clip(np.rint((xyz - lo) / scale), 0, 65535).astype("<u2")
    return q, lo.tolist(), scale.tolist()


def dequantise(q: np.ndarray, offset: Sequence[float], scale: Sequence[float]) -> np.ndarray:
    """The float32 positions the view computes from the codes (float64 arithmetic, then rounded)."""
    return (np.asarray(offset, np.float64) + q.astype(np.float64) * np.asarray(scale, np.float64)).astype(np.float32)


def label_dtype(n_classes: int) -> str:
    """The view's label buffer type (``label_dtype`` of a frame message): "u1", "u2" over 254 classes."""
    return "u2" if n_classes > 254 else "u1"


def label_codes(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """``label + 1`` as uint8 (uint16 over 254 classes, ``label_dtype``): 0 is unlabelled."""
    return (labels + 1).astype("<u2" if label_dtype(n_classes) == "u2" else "u1")


def unit_bytes(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] as uint8 0 .. 255."""
    return np.clip(np.rint(values * 255), 0, 255).astype("u1")


# ---------------------------------------------------------------------------------- from Python
def point_indices(indices: Any, n: int, where: str, error: type[Exception] = ValueError) -> np.ndarray:
    """The sorted, distinct point indices that ``indices`` names among ``n`` points: integers (or
    floats that are whole numbers) in 0 .. n-1, or a bool mask of length ``n`` (its True
    positions). Anything else (floats with a fraction, NaN, a bool mask of another length, a list
    mixing bools and numbers, strings, ...) raises ``error`` naming ``where`` and the value.

    Example:
        >>> point_indices([3, 1, 3.0], 5, "frame 0").tolist(), point_indices(np.arange(5) > 2, 5, "frame 0").tolist()
        ([1, 3], [3, 4])
    """
    if isinstance(indices, (list, tuple)) and len({isinstance(v, (bool, np.bool_)) for v in indices}) > 1:
        raise error(f"{where}: point indices mix bools and numbers: give indices, or a bool mask of all {n} points")
    arr = to_numpy(indices)
    if arr.ndim == 0 and np.issubdtype(arr.dtype, np.integer):
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise error(f"{where}: point indices must be a 1-D array of indices or a bool mask of {n} points, not shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, np.int64)
    if arr.dtype == np.bool_:
        if len(arr) != n:
            raise error(f"{where}: a bool mask needs one entry per point ({n}), not {len(arr)}")
        return np.flatnonzero(arr)
    if np.issubdtype(arr.dtype, np.floating):
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            at = _first_bad(bad)
            raise error(f"{where}: point index {arr[at]} (position {at}) is not a whole number")
    elif not np.issubdtype(arr.dtype, np.integer):
        raise error(f"{where}: point indices must be integers or a bool mask, not {arr.dtype}")
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        at = _first_bad(bad)
        raise error(f"{where}: point index {arr[at]} (position {at}) is outside 0 .. {n - 1}")
    return np.unique(arr.astype(np.int64))


# ---------------------------------------------------------------------------------- from the browser
def decode_indices(raw: bytes, encoding: Any, n: int, count: Any) -> np.ndarray:
    """The sorted point indices a buffer names (see the module docstring); ``ValueError`` with
    the reason when it is malformed, out of range or not ``count`` points."""
    if encoding == "bitmask":
        if len(raw) != (n + 7) // 8:
            raise ValueError(f"a bitmask of {n} points is {(n + 7) // 8} bytes, not {len(raw)}")
        bits = np.unpackbits(np.frombuffer(raw, np.uint8), bitorder="little")
        if bits[n:].any():
            raise ValueError(f"bitmask bits past point {n - 1} are set")
        idx = np.flatnonzero(bits[:n])
    elif encoding == "delta":
        if len(raw) % 4:
            raise ValueError(f"delta-coded indices are uint32: {len(raw)} bytes is not a multiple of 4")
        gaps = np.frombuffer(raw, "<u4").astype(np.int64)
        if len(gaps) > 1 and (gaps[1:] == 0).any():
            raise ValueError("delta-coded indices must increase (a gap of 0)")
        idx = np.cumsum(gaps)
        if len(idx) and idx[-1] >= n:
            raise ValueError(f"point index {int(idx[-1])} is outside the frame's {n} points")
    elif encoding == "varint":
        gaps = _leb128(raw)
        if len(gaps) > 1 and (gaps[1:] == 0).any():
            raise ValueError("delta-coded indices must increase (a gap of 0)")
        idx = np.cumsum(gaps)
        if len(idx) and idx[-1] >= n:
            raise ValueError(f"point index {int(idx[-1])} is outside the frame's {n} points")
    else:
        raise ValueError(f"encoding must be 'bitmask', 'delta' or 'varint', not {str(encoding)[:20]!r}")
    if not isinstance(count, int) or isinstance(count, bool) or count != len(idx):
        raise ValueError(f"count {str(count)[:20]} does not match the {len(idx)} points in the buffer")
    return idx


def _leb128(raw: bytes) -> np.ndarray:
    """Unsigned LEB128 numbers (each at most 5 bytes, below 2**32), vectorised."""
    b = np.frombuffer(raw, np.uint8).astype(np.int64)
    if len(b) == 0:
        return b
    if b[-1] >= 128:
        raise ValueError("varint buffer ends inside a number")
    ends = np.flatnonzero(b < 128)
    starts = np.concatenate([[0], ends[:-1] + 1])
    lengths = ends - starts + 1
    if lengths.max() > 5:
        raise ValueError("varint number longer than 5 bytes")
    position = np.arange(len(b)) - np.repeat(starts, lengths)
    values = np.add.reduceat((b & 0x7F) << (7 * position), starts)
    if values.max() >= 1 << 32:
        raise ValueError("varint number over 32 bits")
    return values


def pack(indices: np.ndarray, bitmask: bytes | memoryview | None = None) -> str:
    """Increasing point indices as text for the store: ``"b:"`` + base64 of a zlib-compressed
    bitmask (LSB first) when that is smaller than 4 bytes an index, else ``"d:"`` + base64 of
    zlib-compressed delta-coded uint32. Level 1 zlib: 300k of a 1M-point scan in a few ms.
    ``bitmask``: these very indices as a bitmask already (the view's, validated by
    ``decode_indices``): its first bytes are the stored bitmask, none is built.

    Example:
        >>> unpack(pack(np.array([0, 3, 4]))).tolist()
        [0, 3, 4]
    """
    idx = np.asarray(indices, np.int64)
    n = int(idx[-1]) + 1 if len(idx) else 0
    if (n + 7) // 8 < 4 * len(idx):
        if bitmask is not None and len(bitmask) >= (n + 7) // 8:
            return "b:" + base64.b64encode(zlib.compress(bytes(bitmask[: (n + 7) // 8]), 1)).decode("ascii")
        bits = np.zeros(n, np.uint8)
        bits[idx] = 1
        return "b:" + base64.b64encode(zlib.compress(np.packbits(bits, bitorder="little").tobytes(), 1)).decode("ascii")
    return "d:" + base64.b64encode(zlib.compress(np.diff(idx, prepend=0).astype("<u4").tobytes(), 1)).decode("ascii")


def unpack(text: str) -> np.ndarray:
    """The inverse of ``pack``."""
    raw = zlib.decompress(base64.b64decode(text[2:]))
    if text.startswith("b:"):
        return np.flatnonzero(np.unpackbits(np.frombuffer(raw, np.uint8), bitorder="little"))
    return np.cumsum(np.frombuffer(raw, "<u4").astype(np.int64))


def pack_values(values: np.ndarray) -> str:
    """Class indices (-1 .. 32767) as base64 of zlib-compressed int16."""
    return base64.b64encode(zlib.compress(np.asarray(values).astype("<i2").tobytes(), 1)).decode("ascii")


def unpack_values(text: str) -> np.ndarray:
    """The inverse of ``pack_values``."""
    return np.frombuffer(zlib.decompress(base64.b64decode(text)), "<i2").astype(np.int64)
