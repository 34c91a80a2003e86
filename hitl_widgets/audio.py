"""Random access to a recording's samples, waveform peaks at any zoom, and short WAV windows for playback.

wav / flac / ogg / opus are read through soundfile (libsndfile) a window at a time, so a long file is
never loaded whole; mp3 / m4a / aac, and the audio track of a video file, are decoded once through PyAV
into memory (float32: one hour of 16 kHz mono is 230 MB). Arrays are ``(n_samples,)`` or
``(n_samples, channels)``, float in [-1, 1] or int16 / int32, with their ``sample_rate``.

Example:
    >>> import numpy as np
    >>> a = AudioSource(np.zeros(16000, np.float32) + 0.5, sample_rate=16000)
    >>> a.duration_s, a.peaks(4000).tolist()
    (1.0, [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])
"""
from __future__ import annotations

import io
import os
import threading
import wave
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .remote import is_url

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac")
_SOUNDFILE_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus")
MAX_CHANNELS = 32
_BLOCK = 1 << 20  # samples read at a time when scanning a file


def _check_rate(sample_rate: Any, where: str) -> int:
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, np.integer, float, np.floating)):
        raise ValueError(f"{where}: sample_rate must be a positive int (samples per second), not {sample_rate!r}")
    if not np.isfinite(sample_rate) or sample_rate != int(sample_rate) or not 1 <= sample_rate <= 768_000:
        raise ValueError(f"{where}: sample_rate must be a positive int up to 768000, not {sample_rate!r}")
    return int(sample_rate)


def _as_float(arr: np.ndarray, where: str, offset: int = 0) -> np.ndarray:
    """float32 (n, C) samples in [-1, 1]; NaN / inf / out-of-range floats refused naming the sample."""
    if arr.dtype == np.int16:
        return arr.astype(np.float32) / 32768.0
    if arr.dtype == np.int32:
        return (arr / 2147483648.0).astype(np.float32)
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"{where}: samples must be float in [-1, 1], int16 or int32, not {arr.dtype}")
    bad = ~np.isfinite(arr)
    if bad.any():
        n, c = np.argwhere(bad)[0]
        raise ValueError(f"{where}: sample {offset + int(n)} (channel {int(c)}) is {arr[n, c]}: NaN or infinite")
    out = np.abs(arr) > 1.0
    if out.any():
        n, c = np.argwhere(out)[0]
        raise ValueError(f"{where}: sample {offset + int(n)} (channel {int(c)}) is {arr[n, c]:.4g}, outside [-1, 1]; "
                         "divide by the maximum (or pass int16)")
    return arr.astype(np.float32, copy=False)


class AudioSource:
    """One recording: a file path (see the module) or an array with its ``sample_rate``.

    Attributes:
        sample_rate, n_samples, n_channels, duration_s; path (None for an array); name (used in errors);
        start_s: when the first sample plays in its file (a container's audio stream may start after
        its video, or before it; 0 for an array and a plain audio file). Sample times count from it.
    """

    start_s = 0.0

    def __init__(self, source: Any, sample_rate: int | None = None, *, name: str | None = None):
        self._lock = threading.RLock()
        self._file: Any = None
        self._int16 = False
        self._data: np.ndarray | None = None
        self._peaks: dict[int, np.ndarray] = {}
        self.path: Path | None = None
        if isinstance(source, (str, os.PathLike)):
            if is_url(source):
                raise ValueError(f"{name or source}: audio is read from local files, not URLs: copy it here first "
                                 "(e.g. fsspec.get(url, path))")
            self.path = Path(source)
            self.name = name or str(self.path)
            if sample_rate is not None:
                raise ValueError(f"{self.name}: a file has its own sample rate; resample with window(..., rate=)")
            self._open_file()
        elif isinstance(source, np.ndarray):
            self.name = name or "audio array"
            if sample_rate is None:
                raise ValueError(f"{self.name}: an array needs its sample_rate (e.g. AudioSource(x, sample_rate=16000))")
            self.sample_rate = _check_rate(sample_rate, self.name)
            self._open_array(source)
        else:
            raise ValueError(f"{name or 'audio'}: AudioSource takes a file path or a numpy array of samples, "
                             f"not {type(source).__name__}")
        if self.n_samples == 0:
            raise ValueError(f"{self.name}: the recording is empty (no samples)")
        self.duration_s = self.n_samples / self.sample_rate

    # -- opening ---------------------------------------------------------------------------------------

    def _open_array(self, arr: np.ndarray) -> None:
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"{self.name}: samples must be (n_samples,) or (n_samples, channels), got shape {arr.shape}")
        if arr.shape[1] > MAX_CHANNELS:
            raise ValueError(f"{self.name}: {arr.shape[1]} channels (shape {arr.shape}): samples go down the first axis, "
                             "channels along the second; transpose it (x.T)")
        self._data = _as_float(arr, self.name)
        self.n_samples, self.n_channels = int(arr.shape[0]), int(arr.shape[1])

    def _open_file(self) -> None:
        if not self.path or not self.path.is_file():
            raise ValueError(f"{self.name}: no such audio file")
        if self.path.suffix.lower() in _SOUNDFILE_SUFFIXES:
            import soundfile

            try:
                self._file = soundfile.SoundFile(str(self.path))
            except Exception as exc:
                raise ValueError(f"{self.name}: cannot open audio (corrupt, truncated or not an audio file): {exc}") from exc
            self._int16 = self._file.subtype in ("PCM_16", "PCM_S8", "PCM_U8")  # read exactly as int16
            self.sample_rate = int(self._file.samplerate)
            self.n_samples, self.n_channels = int(self._file.frames), int(self._file.channels)
            return
        self._decode_with_av()

    def _decode_with_av(self) -> None:
        from .video import _import_av

        av = _import_av()
        try:
            with av.open(str(self.path)) as container:
                if not container.streams.audio:
                    raise ValueError(f"{self.name}: the file has no audio stream")
                stream = container.streams.audio[0]
                rate = int(stream.rate or stream.codec_context.sample_rate)
                channels = int(stream.codec_context.channels or 1)
                resampler = av.AudioResampler(format="flt", layout=stream.layout.name, rate=rate)
                parts: list[np.ndarray] = []
                for frame in container.decode(stream):
                    if not parts and frame.time is not None:  # the stream's first sample, in the file's time
                        self.start_s = float(frame.time)
                    parts += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(frame)]
                parts += [f.to_ndarray().reshape(-1, channels) for f in resampler.resample(None)]
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError(f"{self.name}: cannot decode audio (corrupt, truncated or not an audio file): {exc}") from exc
        data = np.concatenate(parts) if parts else np.zeros((0, channels), np.float32)
        self.sample_rate = _check_rate(rate, self.name)
        self._data = _as_float(np.clip(data, -1.0, 1.0), self.name)  # lossy decoders overshoot slightly
        self.n_samples, self.n_channels = int(data.shape[0]), channels

    # -- access ----------------------------------------------------------------------------------------

    def samples(self, start: int = 0, stop: int | None = None, *, mix: bool = True) -> np.ndarray:
        """Samples ``start..stop-1`` as float32: the mean of the channels ``(n,)`` when ``mix``, else
        ``(n, channels)``."""
        stop = self.n_samples if stop is None else stop
        for what, v in (("start", start), ("stop", stop)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                raise ValueError(f"{self.name}: {what} must be a sample index (int), not {v!r}")
        if not 0 <= start <= stop <= self.n_samples:
            raise ValueError(f"{self.name}: samples {start}..{stop} outside 0..{self.n_samples}")
        if self._data is not None:
            block = self._data[start:stop]
        elif self._int16:  # integer PCM: no NaN or out-of-range sample can be stored, nothing to check
            block = self._read(start, stop, "int16").astype(np.float32) / 32768.0
        else:
            block = _as_float(self._read(start, stop, "float32"), self.name, offset=int(start))
        return block.mean(axis=1) if mix else block

    def _read(self, start: int, stop: int, dtype: str) -> np.ndarray:
        with self._lock:
            self._file.seek(int(start))
            return self._file.read(int(stop - start), dtype=dtype, always_2d=True)

    def _index(self, seconds: Any, what: str) -> int:
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float, np.integer, np.floating)) or not np.isfinite(seconds):
            raise ValueError(f"{self.name}: {what} must be a time in seconds, not {seconds!r}")
        if not 0 <= seconds <= self.duration_s + 1e-9:
            raise ValueError(f"{self.name}: {what} {seconds} s is outside the recording (0..{self.duration_s:.3f} s)")
        return min(self.n_samples, int(round(float(seconds) * self.sample_rate)))

    def window(self, start_s: float, end_s: float, *, rate: int | None = None, mix: bool = True) -> np.ndarray:
        """The samples from ``start_s`` to ``end_s`` (seconds), resampled to ``rate`` when given
        (polyphase, scipy.signal.resample_poly)."""
        a, b = self._index(start_s, "start_s"), self._index(end_s, "end_s")
        if b < a:
            raise ValueError(f"{self.name}: end_s {end_s} is before start_s {start_s}")
        x = self.samples(a, b, mix=mix)
        if rate is None or int(rate) == self.sample_rate or len(x) == 0:
            return x
        ratio = Fraction(_check_rate(rate, self.name), self.sample_rate)
        from scipy.signal import resample_poly

        return resample_poly(x, ratio.numerator, ratio.denominator, axis=0).astype(np.float32)

    def wav_bytes(self, start_s: float, end_s: float, *, rate: int | None = None) -> bytes:
        """A 16-bit PCM WAV of the mono mix from ``start_s`` to ``end_s``: what the browser plays.
        Samples are scaled as they are read (int16 / 32768), so a mono int16 clip comes back exact."""
        x = self.window(start_s, end_s, rate=rate)
        pcm = np.clip(np.round(x * 32768.0), -32768, 32767).astype("<i2")
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(int(rate or self.sample_rate))
            w.writeframes(pcm.tobytes())
        return buf.getvalue()

    def peaks(self, bucket: int) -> np.ndarray:
        """``(ceil(n_samples / bucket), 2)`` float32: min and max of the mono mix over each ``bucket``
        samples (a waveform at that zoom). Computed once per bucket size, a block at a time."""
        if isinstance(bucket, bool) or not isinstance(bucket, (int, np.integer)) or bucket < 1:
            raise ValueError(f"bucket must be an int >= 1 (samples per peak), not {bucket!r}")
        bucket = int(bucket)
        with self._lock:
            hit = self._peaks.get(bucket)
        if hit is not None:
            return hit
        step = max(bucket, (_BLOCK // bucket) * bucket)  # whole buckets per block
        parts = []
        for start in range(0, self.n_samples, step):
            stop = min(self.n_samples, start + step)
            if self._int16 and self.n_channels == 1:  # min/max of the int16 samples, scaled after
                x = self._read(start, stop, "int16")[:, 0]
            else:
                x = self.samples(start, stop)
            pad = (-len(x)) % bucket
            if pad:  # the last bucket is short: pad with its own last value (changes neither min nor max)
                x = np.concatenate([x, np.full(pad, x[-1], x.dtype)])
            x = x.reshape(-1, bucket)
            part = np.stack([x.min(axis=1), x.max(axis=1)], axis=1)
            parts.append(part.astype(np.float32) / 32768.0 if part.dtype == np.int16 else part)
        out = np.concatenate(parts).astype(np.float32)
        with self._lock:
            self._peaks[bucket] = out
        return out

    def silent(self, level: float = 1e-4) -> bool:
        """Whether no sample's magnitude (mono mix) exceeds ``level`` (about -80 dBFS)."""
        p = self.peaks(max(1, self.n_samples // 4096))
        return bool(np.abs(p).max() <= level)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None

    def __enter__(self) -> AudioSource:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
