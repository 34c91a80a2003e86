"""The reads every widget that draws and plays a recording answers: waveform peaks and WAV windows.

A widget mixes in ``AudioReads`` and says which recording an item has (``_recording(item_id)``: an
``AudioSource``; by default ``items.audio(item_id)``). Both reads carry no client/seq and answer with
their own message and one binary buffer (js/src/lib/waveform.ts, js/src/lib/player.ts ask for them):

    peaks {item_id, bucket, start, count, req?}  → {"type": "peaks", item_id, bucket, start, count, req}
        min/max of the mono mix over ``count`` (<= MAX_PEAKS) buckets of ``bucket`` samples (a power
        of two) from bucket ``start``: float32 pairs
    audio {item_id, start_s, end_s, req?}         → {"type": "audio", item_id, start_s, end_s, rate, req}
        a 16-bit WAV of at most MAX_PLAY_S seconds (a window may run past the end: it stops there)
"""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any, TypeGuard

import numpy as np

from ..audio import AudioSource
from .base import IntentError, ItemsWidget, intent
from .words import check_time, secs

MAX_PEAKS = 4096  # buckets per peaks request
MIN_BUCKET, MAX_BUCKET = 1, 1 << 20
DIRECT_BUCKET = 256  # buckets smaller than this are computed from the samples of the range alone
MAX_PLAY_S = 30.0  # seconds per audio request
MAX_PLAY_RATE = 48000
CHUNK = 1024  # buckets per peaks request the views make (js/src/lib/waveform.ts CHUNK)
FIRST_VIEW_S = 12.0  # seconds a view shows of a recording first (js/src/widgets/transcript/view.ts INITIAL_VIEW_S)
FIRST_WIDTHS = (200, 3000)  # px: the canvas widths the first screen's peaks serve (narrower / wider: coarser levels)


class AudioReads(ItemsWidget):
    """The ``peaks`` and ``audio`` reads over each item's recording (``_recording``); mixed in before
    the widget's own base (``class W(AudioReads, ImageEditor)``)."""

    def _recording(self, item_id: Hashable) -> AudioSource:
        """The recording drawn and played for ``item_id``."""
        return self.items.audio(item_id)

    @intent("peaks", sequenced=False)
    def _on_peaks(self, content: dict) -> None:
        """Min/max peaks of ``count`` buckets of ``bucket`` samples from bucket ``start``."""
        u = self._item_id(content)
        bucket, start, count = content.get("bucket"), content.get("start"), content.get("count")
        if not _int(bucket) or not MIN_BUCKET <= bucket <= MAX_BUCKET or bucket & (bucket - 1):
            raise IntentError(f"item {u!r}: bucket must be a power of two from {MIN_BUCKET} to {MAX_BUCKET}, not {str(bucket)[:40]!r}")
        source = self._recording(u)
        n = source.n_samples
        total = -(-n // bucket)
        if not _int(start) or not 0 <= start < total:
            raise IntentError(f"item {u!r}: start must be a bucket index in 0..{total - 1}, not {str(start)[:40]!r}")
        if not _int(count) or not 1 <= count <= MAX_PEAKS:
            raise IntentError(f"item {u!r}: count must be an int from 1 to {MAX_PEAKS}, not {str(count)[:40]!r}")
        count = min(count, total - start)
        if bucket >= DIRECT_BUCKET:
            peaks = source.peaks(bucket)[start:start + count]
        else:  # small buckets: reduce the samples of this range only (bounded by MAX_PEAKS * DIRECT_BUCKET)
            peaks = _reduce(source.samples(start * bucket, min(n, (start + count) * bucket)), bucket)
        data = np.ascontiguousarray(peaks, dtype="<f4").tobytes()
        self.send({"type": "peaks", "item_id": u, "bucket": bucket, "start": start, "count": count,
                   "req": _req(content)}, buffers=[data])
        return None

    def _first_peaks(self, item_id: Hashable, buffers: list) -> list[dict]:
        """The peaks the view draws its first screen from (the first FIRST_VIEW_S seconds), sent with
        the item so that the waveform needs no ``peaks`` round trip before it is painted: the chunks
        (CHUNK buckets, as ``peaks`` replies are asked for) covering them at every zoom level a canvas
        FIRST_WIDTHS px wide picks, each ``{bucket, start, count, buffer}`` (float32 min/max pairs in
        ``buffers[buffer]``, the values a ``peaks`` reply gives). Read from the first samples only."""
        source = self._recording(item_id)
        n = source.n_samples
        span = min(n, int(FIRST_VIEW_S * source.sample_rate))
        levels = [b for b in (1 << k for k in range(21)) if choose_bucket(span / FIRST_WIDTHS[1]) <= b <= choose_bucket(span / FIRST_WIDTHS[0])]
        chunks = [(b, c) for b in levels for c in range(-(-span // (b * CHUNK)))]
        if not chunks:
            return []
        x = source.samples(0, min(n, max((c + 1) * CHUNK * b for b, c in chunks)))
        out = []
        for b, c in chunks:
            lo, hi = c * CHUNK * b, min(len(x), (c + 1) * CHUNK * b)
            peaks = _reduce(x[lo:hi], b)
            out.append({"bucket": b, "start": c * CHUNK, "count": len(peaks), "buffer": len(buffers)})
            buffers.append(np.ascontiguousarray(peaks, dtype="<f4").tobytes())
        return out

    @intent("audio", sequenced=False)
    def _on_audio(self, content: dict) -> None:
        """A WAV window (at most MAX_PLAY_S seconds) for playback."""
        u = self._item_id(content)
        where = f"item {u!r} audio"
        start = check_time(content.get("start_s"), "start_s", where, IntentError)
        end = check_time(content.get("end_s"), "end_s", where, IntentError)
        if end - start > MAX_PLAY_S + 1e-9:
            raise IntentError(f"{where}: at most {MAX_PLAY_S:g} s at a time, not {secs(end - start)} s")
        source = self._recording(u)
        end = min(end, source.duration_s)  # a window may run past the end: it stops there
        if not 0 <= start < end:
            raise IntentError(f"{where}: {secs(start)}..{secs(end)} s is not a range inside the audio (0..{source.duration_s:.3f} s)")
        rate = min(source.sample_rate, MAX_PLAY_RATE)
        wav = source.wav_bytes(start, end, rate=rate)
        self.send({"type": "audio", "item_id": u, "start_s": start, "end_s": end, "rate": rate, "req": _req(content)},
                  buffers=[wav])
        return None


def choose_bucket(samples_per_px: float) -> int:
    """The zoom level a view draws ``samples_per_px`` at (js/src/lib/waveform.ts chooseBucket): the
    largest power of two <= it, 1..MAX_BUCKET."""
    if not samples_per_px >= 2:
        return 1
    return min(MAX_BUCKET, 1 << int(np.floor(np.log2(samples_per_px))))


def _reduce(x: np.ndarray, bucket: int) -> np.ndarray:
    """Min/max pairs of ``x`` over each ``bucket`` samples (the last bucket may be short)."""
    pad = (-len(x)) % bucket
    if pad:  # pad with the last value: changes neither min nor max
        x = np.concatenate([x, np.full(pad, x[-1], np.float32)])
    x = x.reshape(-1, bucket)
    return np.stack([x.min(axis=1), x.max(axis=1)], axis=1)


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _req(content: dict) -> int | None:
    req = content.get("req")
    return req if _int(req) and abs(req) < 2**53 else None
