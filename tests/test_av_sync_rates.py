"""estimate_offset across sample rates whose 5 ms hop is not a whole number of samples (44.1 kHz:
220.5), and the hop itself checked where it enters."""
from __future__ import annotations

import doctest

import numpy as np
import pytest

from hitl_widgets import av_sync
from hitl_widgets.audio import AudioSource
from hitl_widgets.av_sync import estimate_offset, onset_envelope
from hitl_widgets.demo.beeps import beep_track

TOLERANCE_S = 0.01  # a quarter of a 25 fps frame


@pytest.mark.parametrize(("reference_rate", "other_rate", "shift"), [
    (48000, 44100, 0.5), (44100, 48000, 0.5), (48000, 22050, 0.5), (16000, 11025, 0.5),
    (44100, 44100, 9.0), (22050, 22050, 9.0), (48000, 44100, -7.3),
])
def test_offset_between_recordings_at_different_rates(reference_rate, other_rate, shift):
    onsets = np.sort(np.random.default_rng(0).uniform(1, 20, 20))
    reference = beep_track(onsets + max(shift, 0), 30.0, rate=reference_rate)
    other = beep_track(onsets - min(shift, 0), 30.0, rate=other_rate)
    est = estimate_offset((reference, reference_rate), (other, other_rate))
    assert est.offset_s == pytest.approx(shift, abs=TOLERANCE_S)
    assert est.score > 0.9


def test_a_long_recording_at_two_rates_does_not_drift():
    # 10 minutes: a hop rounded to whole samples at one rate would drift 1.4 s apart by the end
    onsets = np.sort(np.random.default_rng(1).uniform(1, 590, 300))
    reference = beep_track(onsets + 0.5, 600.0, rate=48000, noise=0.02)
    other = beep_track(onsets, 600.0, rate=44100, noise=0.02, seed=1)
    assert estimate_offset((reference, 48000), (other, 44100)).offset_s == pytest.approx(0.5, abs=TOLERANCE_S)


@pytest.mark.parametrize("rate", [44100, 48000, 22050, 11025, 16000])
def test_the_envelope_lies_on_the_exact_hop_grid(rate):
    env = onset_envelope(AudioSource(beep_track([0.5, 17.3], 20.0, rate=rate), rate))
    assert len(env) == 4000
    assert np.flatnonzero(env > env.max() / 2).tolist()[:1] == [100]
    assert np.flatnonzero(env > env.max() / 2)[-1] in (3460, 3461)  # 17.3 s / 5 ms, to one frame


@pytest.mark.parametrize("hop", [0.0, -0.005, float("nan"), float("inf"), True, "0.005", None])
def test_a_hop_that_is_not_a_positive_number_is_refused(hop):
    a = (beep_track([0.5, 1.3], 3.0), 16000)
    with pytest.raises(ValueError, match="hop_s must be a positive number of seconds"):
        estimate_offset(a, a, hop_s=hop)
    with pytest.raises(ValueError, match="hop_s must be a positive number of seconds"):
        onset_envelope(AudioSource(*a), hop)


def test_a_hop_shorter_than_a_sample_or_longer_than_the_search_is_refused():
    a, b = (beep_track([0.5, 1.3], 3.0), 16000), (beep_track([0.5, 1.3], 3.0, rate=8000), 8000)
    with pytest.raises(ValueError, match=r"hop_s=1e-05 is shorter than one sample of reference \(16000 Hz\)"):
        estimate_offset(a, a, hop_s=1e-5)
    with pytest.raises(ValueError, match=r"hop_s=0.0001 is shorter than one sample of other \(8000 Hz\)"):
        estimate_offset(a, b, hop_s=1e-4)
    with pytest.raises(ValueError, match="hop_s=0.5 is longer than max_offset_s=0.2"):
        estimate_offset(a, a, hop_s=0.5, max_offset_s=0.2)
    with pytest.raises(ValueError, match="max_offset_s must be a positive number of seconds, not True"):
        estimate_offset(a, a, max_offset_s=True)
    assert estimate_offset(a, b, hop_s=np.float32(0.01)).offset_s == 0.0  # a numpy number is its number


def test_the_doctests_pass():
    assert doctest.testmod(av_sync).failed == 0
