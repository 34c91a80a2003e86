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
            x = source.samples(start * bucket, min(n, (start + count) * bucket))
            pad = (-len(x)) % bucket
            if pad:
                x = np.concatenate([x, np.full(pad, x[-1], np.float32)])
            x = x.reshape(-1, bucket)
            peaks = np.stack([x.min(axis=1), x.max(axis=1)], axis=1)
        data = np.ascontiguousarray(peaks, dtype="<f4").tobytes()
        self.send({"type": "peaks", "item_id": u, "bucket": bucket, "start": start, "count": count,
                   "req": _req(content)}, buffers=[data])
        return None

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


def _int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _req(content: dict) -> int | None:
    req = content.get("req")
    return req if _int(req) and abs(req) < 2**53 else None
