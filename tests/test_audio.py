"""AudioSource: files through soundfile and PyAV, arrays, windows, resampling, peaks, bad input."""
from __future__ import annotations

import io
import wave

import numpy as np
import pytest
import soundfile

from hitl_widgets.audio import AudioSource

SR = 16000


def tone(seconds: float = 1.0, freq: float = 440.0, sr: int = SR, amp: float = 0.5) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * np.arange(int(seconds * sr)) / sr)).astype(np.float32)


def test_array_mono_and_stereo():
    x = tone(2.0)
    a = AudioSource(x, sample_rate=SR)
    assert (a.n_samples, a.n_channels, a.duration_s) == (2 * SR, 1, 2.0)
    np.testing.assert_array_equal(a.samples(100, 200), x[100:200])
    st = AudioSource(np.stack([x, -x], axis=1), sample_rate=SR)
    assert st.n_channels == 2
    np.testing.assert_allclose(st.samples(0, 50), 0.0, atol=1e-7)  # the mix of x and -x
    assert st.samples(0, 50, mix=False).shape == (50, 2)
    i16 = AudioSource((x * 32767).astype(np.int16), sample_rate=SR)
    np.testing.assert_allclose(i16.samples(0, 100), x[:100], atol=1e-4)


@pytest.mark.parametrize("suffix,subtype", [(".wav", "PCM_16"), (".flac", "PCM_16"), (".ogg", "VORBIS")])
def test_files_through_soundfile(tmp_path, suffix, subtype):
    x = tone(1.5)
    path = tmp_path / f"t{suffix}"
    soundfile.write(path, x, SR, subtype=subtype)
    a = AudioSource(path)
    assert a.sample_rate == SR and a.n_channels == 1
    assert a.n_samples == pytest.approx(len(x), abs=0 if suffix != ".ogg" else 2048)
    tol = 1e-3 if suffix != ".ogg" else 0.1
    np.testing.assert_allclose(a.samples(1000, 1100), x[1000:1100], atol=tol)


def test_compressed_audio_through_pyav(tmp_path):
    av = pytest.importorskip("av")
    path = tmp_path / "t.m4a"
    x = tone(1.0)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=SR, layout="mono")
        frame = av.AudioFrame.from_ndarray((x * 32767).astype(np.int16)[None, :], format="s16", layout="mono")
        frame.sample_rate = SR
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    a = AudioSource(path)
    assert a.sample_rate == SR and abs(a.duration_s - 1.0) < 0.1
    y = a.samples()
    assert 0.4 < np.abs(y).max() <= 1.0  # the tone is there (lossy: not sample-exact)


def test_window_resample_and_wav_bytes():
    x = tone(2.0, sr=22050)
    a = AudioSource(x, sample_rate=22050)
    w = a.window(0.5, 1.0, rate=SR)
    assert len(w) == SR // 2
    data = a.wav_bytes(0.5, 1.0, rate=SR)
    with wave.open(io.BytesIO(data)) as f:
        assert (f.getframerate(), f.getnchannels(), f.getsampwidth(), f.getnframes()) == (SR, 1, 2, SR // 2)


def test_peaks_match_a_direct_computation():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 10_007).astype(np.float32)
    a = AudioSource(x, sample_rate=SR)
    p = a.peaks(100)
    assert p.shape == (101, 2)
    for k in (0, 50, 100):  # 100: the short last bucket (7 samples)
        chunk = x[k * 100:(k + 1) * 100]
        assert p[k].tolist() == [chunk.min(), chunk.max()]
    assert a.peaks(100) is p  # cached


def test_peaks_of_a_long_file_read_in_blocks(tmp_path):
    x = tone(80.0, amp=0.25)  # 1.28 M samples: more than one read block
    x[-1] = 0.9
    path = tmp_path / "long.wav"
    soundfile.write(path, x, SR, subtype="FLOAT")
    p = AudioSource(path).peaks(4096)
    assert p.shape == (-(-len(x) // 4096), 2)
    assert p[-1, 1] == pytest.approx(0.9) and p[:-1, 1].max() == pytest.approx(0.25, abs=1e-3)


def test_silent_is_told():
    assert AudioSource(np.zeros(SR, np.float32), sample_rate=SR).silent()
    assert not AudioSource(tone(), sample_rate=SR).silent()


@pytest.mark.parametrize("data,rate,message", [
    (np.zeros(0, np.float32), SR, "the recording is empty"),
    (np.array([0.1, np.nan, 0.2], np.float32), SR, "sample 1 \\(channel 0\\) is nan"),
    (np.array([0.1, 1.5], np.float32), SR, "sample 1 \\(channel 0\\) is 1.5, outside \\[-1, 1\\]"),
    (np.zeros((2, 48000), np.float32), SR, "48000 channels .* transpose"),
    (np.zeros(10, np.uint8), SR, "must be float in \\[-1, 1\\], int16 or int32"),
    (tone(), 0, "sample_rate must be a positive int"),
    (tone(), 16000.5, "sample_rate must be a positive int"),
    (tone(), None, "needs its sample_rate"),
])
def test_bad_arrays_are_refused(data, rate, message):
    with pytest.raises(ValueError, match=message):
        AudioSource(data, sample_rate=rate, name="utt 3")


def test_bad_files_and_ranges(tmp_path):
    with pytest.raises(ValueError, match="no such audio file"):
        AudioSource(tmp_path / "missing.wav")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF....not audio")
    with pytest.raises(ValueError, match="junk.wav: cannot open audio"):
        AudioSource(junk)
    a = AudioSource(tone(1.0), sample_rate=SR)
    with pytest.raises(ValueError, match="end_s 2 s is outside the recording"):
        a.window(0, 2)
    with pytest.raises(ValueError, match="end_s 0.1 is before start_s 0.5"):
        a.window(0.5, 0.1)
    with pytest.raises(ValueError, match="samples 0..99999 outside"):
        a.samples(0, 99999)


# -- Items of recordings -------------------------------------------------------------------------------

def test_items_of_audio_files_and_arrays(tmp_path):
    from hitl_widgets import Items

    path = tmp_path / "a.wav"
    soundfile.write(path, tone(1.0), SR)
    items = Items([str(path), tmp_path / "a.wav"])
    assert items.is_audio and items.kind_of_all == "audio"
    assert items.info(0) == {"kind": "audio", "sample_rate": SR, "n_samples": SR, "n_channels": 1, "duration_s": 1.0}
    assert items.audio(1).n_samples == SR
    assert items.media(0).mime == "audio/wav"
    arrays = Items([(tone(0.5), SR), (tone(2.0, sr=8000), 8000)], ids=["u1", "u2"])
    assert arrays.is_audio and arrays.info("u2")["duration_s"] == 2.0
    np.testing.assert_array_equal(arrays.audio("u1").samples(0, 10), tone(0.5)[:10])
    with pytest.raises(ValueError, match="item 'u1' is audio, not a video"):
        arrays.video("u1")


def test_items_refuse_bad_recordings_naming_the_item(tmp_path):
    from hitl_widgets import Items

    with pytest.raises(ValueError, match="item 1: sample 2 \\(channel 0\\) is nan"):
        Items([(tone(0.1), SR), (np.array([0, 0, np.nan], np.float32), SR)])
    with pytest.raises(ValueError, match="item 0: the recording is empty"):
        Items([(np.zeros(0, np.float32), SR)])
    with pytest.raises(ValueError, match="item 0 .*missing.wav.*: no such audio file"):
        Items([str(tmp_path / "missing.wav")])
    with pytest.raises(ValueError, match="item 0: audio must be a file path or a \\(samples, sample_rate\\) pair"):
        Items([tone()], kind="audio")


def test_widgets_refuse_recordings():
    import hitl_widgets as hw
    from hitl_widgets.widgets.image_editor import ImageEditor

    items = hw.Items([(tone(0.5), SR)] * 2)
    with pytest.raises(ValueError, match="ClassifyWidget shows images and texts, not audio"):
        hw.ClassifyWidget(items, classes=["a", "b"])
    with pytest.raises(ValueError, match="needs images, not audio"):
        ImageEditor._image_items(items)


def test_peaks_of_16_bit_pcm_equal_the_float_samples(tmp_path):
    rng = np.random.default_rng(1)
    x = (rng.integers(-32768, 32767, 50_001)).astype(np.int16)
    path = tmp_path / "pcm16.wav"
    soundfile.write(path, x, SR, subtype="PCM_16")
    a = AudioSource(path)
    y = a.samples()
    np.testing.assert_array_equal(y, x.astype(np.float32) / 32768.0)
    p = a.peaks(1000)  # read as int16 and scaled after
    assert p.shape == (51, 2)
    for k in (0, 25, 50):
        chunk = y[k * 1000:(k + 1) * 1000]
        assert p[k].tolist() == [chunk.min(), chunk.max()]
