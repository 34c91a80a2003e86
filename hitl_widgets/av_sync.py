"""Audio ↔ video alignment: the offset between two recordings of one event from the cross-correlation
of their onset envelopes, and word (or segment) times turned into the video's frame ranges.

``estimate_offset(reference, other)`` answers: how many seconds to add to a time in ``other`` to get
the time of the same sound in ``reference`` (the video's own soundtrack, say). ``to_frames`` then
maps times (plus that offset) to frames with the video's own presentation times, so a variable frame
rate is followed exactly: a time belongs to the frame on screen at that time.

Example:
    >>> import numpy as np
    >>> from hitl_widgets.demo.beeps import beep_track
    >>> a = beep_track([0.5, 1.3, 2.0], duration_s=3.0)
    >>> b = beep_track([0.25, 1.05, 1.75], duration_s=3.0)   # the same, 0.25 s earlier
    >>> round(estimate_offset((a, 16000), (b, 16000)).offset_s, 3)
    0.25
"""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .audio import AudioSource
from .coerce import plain
from .video import TIME_SLACK_S, frame_at

HOP_S = 0.005  # the envelope's resolution: 5 ms, an eighth of a 25 fps frame


class OffsetEstimate(NamedTuple):
    """``offset_s``: add it to a time in ``other`` to get the time in ``reference``. ``score``: the
    normalised correlation at the peak (1: identical envelopes); ``margin``: how far the peak stands
    above the best peak at least 0.1 s away from it (a small margin: a repetitive sound, ambiguous)."""

    offset_s: float
    score: float
    margin: float


def _source(x: Any, what: str) -> AudioSource:
    if isinstance(x, AudioSource):
        return x
    if isinstance(x, tuple) and len(x) == 2 and isinstance(x[0], np.ndarray):
        return AudioSource(x[0], sample_rate=x[1], name=what)
    raise ValueError(f"{what} must be an AudioSource or a (samples, sample_rate) pair, not {type(x).__name__}")


def _positive_seconds(value: Any, what: str) -> float:
    """``value`` as a float, refused unless it is a positive finite number (a 0-d array is its number)."""
    value = plain(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{what} must be a positive number of seconds, not {value!r}")
    return float(value)


def _check_hop(hop_s: Any, source: AudioSource) -> float:
    """``hop_s`` as a float, refused unless it is a positive number of seconds of at least one sample."""
    hop_s = _positive_seconds(hop_s, "hop_s")
    if hop_s * source.sample_rate < 1:
        raise ValueError(f"hop_s={hop_s!r} is shorter than one sample of {source.name} ({source.sample_rate} Hz): "
                         f"give at least {1 / source.sample_rate:.3g} s (default {HOP_S})")
    return hop_s


def _frame_bounds(n_samples: int, rate: int, hop_s: float) -> np.ndarray:
    """The samples where frames ``k * hop_s`` begin (and the last ends): each the sample nearest its
    time, so the frames lie on the exact time grid whatever the rate (220 or 221 samples for 5 ms at
    44.1 kHz)."""
    per_frame = rate * hop_s
    n = int(n_samples / per_frame)
    return np.minimum(np.floor(np.arange(n + 1) * per_frame + 0.5).astype(np.int64), n_samples)


def onset_envelope(source: AudioSource, hop_s: float = HOP_S) -> np.ndarray:
    """Half-wave rectified rise of the log energy per frame of ``hop_s``: large where a sound starts.
    Frame ``k`` starts at ``k * hop_s`` seconds exactly (to the nearest sample), so the envelopes of two
    recordings at different sample rates share one time grid.

    Example:
        >>> from hitl_widgets.demo.beeps import beep_track
        >>> env = onset_envelope(AudioSource(beep_track([0.5], 1.0, rate=44100), 44100))
        >>> len(env), int(env.argmax())   # 200 frames of 5 ms; the beep starts in frame 100 (0.5 s)
        (200, 100)
    """
    hop_s = _check_hop(hop_s, source)
    x = source.samples()
    bounds = _frame_bounds(len(x), source.sample_rate, hop_s)
    if len(bounds) < 3:
        raise ValueError(f"{source.name}: too short to align ({source.duration_s:.3f} s)")
    power = np.add.reduceat(x[: bounds[-1]] ** 2, bounds[:-1]) / np.diff(bounds)
    energy = np.log1p(1e4 * power)
    rise = np.maximum(np.diff(energy, prepend=energy[0]), 0.0)
    return rise - rise.mean()


def estimate_offset(reference: Any, other: Any, *, max_offset_s: float = 10.0, hop_s: float = HOP_S) -> OffsetEstimate:
    """The offset that best lines ``other`` up with ``reference`` (within ±``max_offset_s``), to the
    nearest ``hop_s``; the two may have different sample rates (both envelopes on one grid of ``hop_s``).
    ``hop_s`` must be at least one sample of each and at most ``max_offset_s``."""
    ref, oth = _source(reference, "reference"), _source(other, "other")
    max_offset_s = _positive_seconds(max_offset_s, "max_offset_s")
    hop_s = _positive_seconds(hop_s, "hop_s")  # at least one sample of each: onset_envelope checks
    if hop_s > max_offset_s:
        raise ValueError(f"hop_s={hop_s!r} is longer than max_offset_s={max_offset_s!r}: only a zero offset could be found")
    if ref.silent() or oth.silent():
        raise ValueError(f"{(ref if ref.silent() else oth).name} is silent: there is nothing to align on")
    a, b = onset_envelope(ref, hop_s), onset_envelope(oth, hop_s)
    for source, envelope in ((ref, a), (oth, b)):
        if not np.any(envelope):  # a constant (DC) signal: not silent, yet no onset to line up
            raise ValueError(f"{source.name} has no onset (its level never rises): there is nothing to align on")
    size = 1 << int(np.ceil(np.log2(len(a) + len(b))))
    corr = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    lags = np.concatenate([np.arange(0, len(a)), np.arange(-len(b) + 1, 0)])
    values = np.concatenate([corr[: len(a)], corr[size - len(b) + 1:]])
    keep = np.abs(lags) * hop_s <= max_offset_s
    lags, values = lags[keep], values[keep]
    best = int(np.argmax(values))
    norm = float(np.sqrt((a ** 2).sum() * (b ** 2).sum())) or 1.0
    away = np.abs(lags - lags[best]) * hop_s >= 0.1
    runner_up = float(values[away].max()) if away.any() else 0.0
    return OffsetEstimate(float(lags[best] * hop_s), float(values[best] / norm), float((values[best] - runner_up) / norm))


def to_frames(table: pd.DataFrame, times: Any, *, offset_s: float = 0.0) -> pd.DataFrame:
    """``table`` (with start_s, end_s) with start_frame and end_frame (inclusive) added: the frames on
    screen from ``start_s + offset_s`` until just before ``end_s + offset_s`` (``frame_at``'s rule,
    the same slack at both ends: a span ending within ``TIME_SLACK_S`` of a frame's time ends before
    that frame). ``times`` are the video's presentation times (``VideoSource.times``); a row outside
    the video (before its first frame, or past its last frame's end) is refused, naming it."""
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or not len(t) or not np.all(np.isfinite(t)) or not np.all(np.diff(t) > 0):
        raise ValueError("times must be the video's strictly increasing frame times (VideoSource.times)")
    offset_s = plain(offset_s)  # a 0-d array or tensor is its number
    if isinstance(offset_s, bool) or not isinstance(offset_s, (int, float)) or not np.isfinite(offset_s):
        raise ValueError(f"offset_s must be a finite number of seconds, not {offset_s!r}")
    period = float(t[-1] - t[-2]) if len(t) > 1 else 1.0
    end_of_video = float(t[-1]) + period
    start = table["start_s"].to_numpy(dtype=float) + offset_s
    end = table["end_s"].to_numpy(dtype=float) + offset_s
    bad = (~np.isfinite(start) | ~np.isfinite(end) | (end < start) | (start < t[0] - TIME_SLACK_S)
           | (end > end_of_video + TIME_SLACK_S))
    if bad.any():
        k = int(np.argmax(bad))
        raise ValueError(f"row {table.index[k]!r}: {start[k]:.3f}..{end[k]:.3f} s (offset included) is not a time span "
                         f"inside the video ({t[0]:.3f}..{end_of_video:.3f} s)")
    out = table.copy()
    out["start_frame"] = frame_at(t, start)
    last = np.searchsorted(t, end - TIME_SLACK_S, side="left") - 1  # the frame on screen just before end
    out["end_frame"] = np.maximum(last, out["start_frame"])
    return out
