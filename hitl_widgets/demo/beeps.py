"""Beeps at known times, and a video file given a soundtrack: test data for audio ↔ video alignment.

Example:
    >>> x = beep_track([0.5], duration_s=1.0)
    >>> x.shape, bool(abs(x[8100]) > 0.1), float(abs(x[:7900]).max())
    ((16000,), True, 0.0)
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def beep_track(onsets_s: Any, duration_s: float, rate: int = 16000, freq: float = 1000.0,
               length_s: float = 0.05, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """float32 mono: a ``length_s`` sine beep (``freq`` Hz, amplitude 0.5, 5 ms fades) starting at each
    onset, plus white noise of standard deviation ``noise``."""
    n = int(round(duration_s * rate))
    x = np.zeros(n, np.float32)
    k = np.arange(int(length_s * rate))
    beep = 0.5 * np.sin(2 * np.pi * freq * k / rate)
    fade = np.minimum(1.0, np.minimum(k, len(k) - 1 - k) / (0.005 * rate))
    beep = (beep * fade).astype(np.float32)
    for t in np.asarray(onsets_s, dtype=float):
        a = int(round(t * rate))
        if not 0 <= a < n:
            raise ValueError(f"onset {t} s is outside the track (0..{duration_s} s)")
        b = min(n, a + len(beep))
        x[a:b] += beep[: b - a]
    if noise:
        x += np.random.default_rng(seed).normal(0, noise, n).astype(np.float32)
    return np.clip(x, -1.0, 1.0)


def with_soundtrack(video: str | Path, audio: np.ndarray, rate: int, out: str | Path) -> Path:
    """Copy ``video``'s video packets into ``out`` (mp4 or mkv) with ``audio`` (mono float32) encoded as
    AAC beside them, both starting at time 0."""
    from ..video import _import_av

    av = _import_av()
    out = Path(out)
    with av.open(str(video)) as src, av.open(str(out), "w") as dst:
        vin = src.streams.video[0]
        vout = dst.add_stream_from_template(vin)
        aout = dst.add_stream("aac", rate=rate, layout="mono")
        for packet in src.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = vout
            dst.mux(packet)
        pcm = np.clip(np.round(audio * 32767), -32768, 32767).astype(np.int16)
        step = 1024
        for start in range(0, len(pcm), step):
            frame = av.AudioFrame.from_ndarray(pcm[None, start:start + step], format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for p in aout.encode(frame):
                dst.mux(p)
        for p in aout.encode(None):
            dst.mux(p)
    return out
