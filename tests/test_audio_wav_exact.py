"""AudioSource.wav_bytes writes samples back on the scale it reads them (int16 / 32768): an int16
clip comes back exactly."""
from __future__ import annotations

import io
import wave

import numpy as np
import soundfile

from hitl_widgets.audio import AudioSource

SR = 8000


def wav_samples(data: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(data)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2")


def full_range_clip() -> np.ndarray:
    x = (np.sin(np.arange(SR) * 2 * np.pi * 440 / SR) * 20000).astype(np.int16)
    x[:4] = (-32768, 32767, 16385, -16385)  # the ends of the range, and where 32767 vs 32768 first differs
    return x


def test_int16_array_round_trips_exactly():
    x = full_range_clip()
    np.testing.assert_array_equal(wav_samples(AudioSource(x, sample_rate=SR).wav_bytes(0, 1.0)), x)


def test_int16_file_round_trips_exactly(tmp_path):
    x = full_range_clip()
    soundfile.write(tmp_path / "m16.wav", x, SR, subtype="PCM_16")
    with AudioSource(tmp_path / "m16.wav") as a:
        np.testing.assert_array_equal(wav_samples(a.wav_bytes(0, 1.0)), x)


def test_float_full_scale_is_clipped_not_wrapped():
    x = np.array([1.0, -1.0, 0.5, -0.5] * 100, np.float32)
    assert wav_samples(AudioSource(x, sample_rate=SR).wav_bytes(0, len(x) / SR))[:4].tolist() == [32767, -32768, 16384, -16384]
