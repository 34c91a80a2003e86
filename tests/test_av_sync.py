"""Audio <-> video alignment: offsets from beeps at known frames (through a real muxed soundtrack),
and times mapped to frames with a variable frame rate."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.audio import AudioSource
from hitl_widgets.av_sync import estimate_offset, to_frames
from hitl_widgets.demo import synthetic_clip
from hitl_widgets.demo.beeps import beep_track, with_soundtrack
from hitl_widgets.video import VideoSource

BEEP_FRAMES = [10, 37, 52, 80]


@pytest.fixture(scope="module")
def clip_with_sound(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync")
    clip = synthetic_clip(folder / "c.mp4", n_frames=100, fps=25, vfr=True, seed=3)
    track = beep_track(clip.times[BEEP_FRAMES], duration_s=float(clip.times[-1]) + 0.5)
    return clip, with_soundtrack(clip.path, track, 16000, folder / "with_sound.mp4")


@pytest.mark.parametrize("shift", [1.234, -0.4, 0.0])
def test_offset_of_a_separate_recording_within_a_frame(clip_with_sound, shift):
    clip, path = clip_with_sound
    own = AudioSource(path)  # the video's soundtrack, decoded through PyAV (AAC)
    recording = beep_track(clip.times[BEEP_FRAMES] + 2.0 + shift, duration_s=8.0, noise=0.02, seed=1)
    est = estimate_offset(own, (recording, 16000))
    assert est.offset_s == pytest.approx(-(2.0 + shift), abs=0.01)  # within a quarter of a 25 fps frame
    assert est.score > 0.5 and est.margin > 0.2
    # the recording's beeps, moved by the offset, land on the beep frames of the video (10 ms into each
    # beep: the estimate is good to one 5 ms hop, and every frame here lasts 20 ms or more)
    video = VideoSource(path)
    onsets = clip.times[BEEP_FRAMES] + 2.0 + shift + 0.01
    words = pd.DataFrame({"start_s": onsets, "end_s": onsets + 0.001})
    assert to_frames(words, video.times, offset_s=est.offset_s)["start_frame"].tolist() == BEEP_FRAMES


def test_periodic_sound_is_ambiguous():
    beeps = np.arange(0.2, 5.0, 0.5)
    est = estimate_offset((beep_track(beeps, 6.0), 16000), (beep_track(beeps + 0.1, 6.0), 16000))
    # a shift by one period lines up 9 of the 10 beeps: the margin over that says it is ambiguous
    assert est.margin < 0.15


def test_to_frames_follows_a_variable_frame_rate():
    times = np.array([0.0, 0.04, 0.06, 0.14, 0.18, 0.2])  # frame periods 40, 20, 80, 40, 20 ms
    table = pd.DataFrame({"text": ["a", "b", "c"], "start_s": [0.0, 0.05, 0.139], "end_s": [0.04, 0.15, 0.2]})
    got = to_frames(table, times)
    # a: frame 0 only (ends as frame 1 starts); b: from frame 1 (on screen at 0.05) to frame 3 (on screen until 0.18)
    assert got["start_frame"].tolist() == [0, 1, 2] and got["end_frame"].tolist() == [0, 3, 4]
    assert got["text"].tolist() == ["a", "b", "c"]  # other columns kept


def test_bad_input_is_refused():
    times = np.arange(10) / 25
    with pytest.raises(ValueError, match="row 1: .* not a time span inside the video"):
        to_frames(pd.DataFrame({"start_s": [0.0, 0.3], "end_s": [0.1, 0.2]}), times)
    with pytest.raises(ValueError, match="row 0: .* inside the video \\(0.000..0.400 s\\)"):
        to_frames(pd.DataFrame({"start_s": [0.3], "end_s": [0.5]}), times)
    with pytest.raises(ValueError, match="strictly increasing frame times"):
        to_frames(pd.DataFrame({"start_s": [0.0], "end_s": [0.1]}), [0.0, 0.0])
    quiet = (np.zeros(16000, np.float32), 16000)
    with pytest.raises(ValueError, match="reference is silent"):
        estimate_offset(quiet, (beep_track([0.5], 1.0), 16000))
    with pytest.raises(ValueError, match="max_offset_s must be a positive number"):
        estimate_offset((beep_track([0.5], 1.0), 16000), (beep_track([0.5], 1.0), 16000), max_offset_s=0)
    with pytest.raises(ValueError, match="reference must be an AudioSource or a \\(samples, sample_rate\\) pair"):
        estimate_offset([1, 2, 3], quiet)


@pytest.fixture(scope="module")
def cfr_file(tmp_path_factory):
    """A 25 fps file: its 1/12800 time base puts frames 35, 41, 47... a hair after k/25 (1.4000000000000001)."""
    clip = synthetic_clip(tmp_path_factory.mktemp("cfr") / "c.mp4", n_frames=100, fps=25, seed=0)
    return VideoSource(clip.path)


def test_a_span_from_frame_k_to_k_plus_1_is_frame_k_despite_float_rounding(cfr_file):
    times = cfr_file.times
    assert float(times[35]) > 35 / 25  # the rounding this is about (10 of the 100 frames)
    k = np.arange(100)
    got = to_frames(pd.DataFrame({"start_s": k / 25, "end_s": (k + 1) / 25}), times)
    assert got["start_frame"].tolist() == k.tolist() and got["end_frame"].tolist() == k.tolist()
    # the end: k/25 + 0.04 is a hair past frame k + 1's time for 6 frames; still the end of frame k
    got = to_frames(pd.DataFrame({"start_s": k / 25, "end_s": k / 25 + 0.04}), times)
    assert got["end_frame"].tolist() == k.tolist()
    # the same arithmetic as VideoSource on another time base: 29.97 fps in 1/30000 s
    t = (np.arange(100) * 1001) * float(1 / 30000)
    got = to_frames(pd.DataFrame({"start_s": k * 1001 / 30000, "end_s": (k + 1) * 1001 / 30000}), t)
    assert got["start_frame"].tolist() == k.tolist() and got["end_frame"].tolist() == k.tolist()


def test_to_frames_and_video_source_index_at_share_one_rule(cfr_file):
    from hitl_widgets.av_sync import frame_at  # the rule, public

    grid = np.concatenate([np.arange(100) / 25, np.arange(100) / 25 - 1e-10, np.arange(100) / 25 + 0.013])
    grid = grid[(grid >= 0) & (grid < 4.0)]
    ours = to_frames(pd.DataFrame({"start_s": grid, "end_s": grid}), cfr_file.times)["start_frame"].tolist()
    assert ours == [cfr_file.index_at(x) for x in grid] == frame_at(cfr_file.times, grid).tolist()


def test_times_not_starting_at_zero_refuse_a_span_before_the_first_frame():
    times = 1.0 + np.arange(10) * 0.04
    with pytest.raises(ValueError, match=r"row 'w7': 0.200..0.500 s .* inside the video \(1.000..1.400 s\)"):
        to_frames(pd.DataFrame({"start_s": [0.2], "end_s": [0.5]}, index=["w7"]), times)
    with pytest.raises(ValueError, match="row 1: "):
        to_frames(pd.DataFrame({"start_s": [1.0, 0.99], "end_s": [1.1, 1.1]}), times)
    got = to_frames(pd.DataFrame({"start_s": [1.0 - 1e-12, 1.04], "end_s": [1.04, 1.4]}), times)
    assert got[["start_frame", "end_frame"]].values.tolist() == [[0, 0], [1, 9]]


@pytest.mark.parametrize("offset", [float("nan"), float("inf"), True, "0.1", None])
def test_an_offset_that_is_not_a_finite_number_is_refused_as_the_offset(offset):
    with pytest.raises(ValueError, match="offset_s must be a finite number of seconds"):
        to_frames(pd.DataFrame({"start_s": [0.2], "end_s": [0.5]}, index=["w7"]), np.arange(10) / 25, offset_s=offset)


def test_an_offset_given_as_a_numpy_scalar_or_0d_array_is_its_number():
    table, times = pd.DataFrame({"start_s": [0.21], "end_s": [0.51]}), np.arange(30) / 25  # away from frame edges (float32)
    expected = to_frames(table, times, offset_s=0.08)
    for offset in (np.float32(0.08), np.array(0.08), np.float64(0.08)):
        assert to_frames(table, times, offset_s=offset)[["start_frame", "end_frame"]].equals(expected[["start_frame", "end_frame"]])


def test_a_constant_signal_has_no_onset_to_align_on():
    """A DC signal is not silent, and estimate_offset answered offset 0.0 with score 0 (which the review
    then called "ambiguous: the sound repeats") instead of refusing as it does silence."""
    from hitl_widgets.av_sync import estimate_offset
    from hitl_widgets.demo.beeps import beep_track

    dc = np.full(16000, 0.5, np.float32)
    beeps = beep_track([0.3, 0.7], duration_s=1.0)
    with pytest.raises(ValueError, match="other has no onset .* nothing to align on"):
        estimate_offset((beeps, 16000), (dc, 16000))
    with pytest.raises(ValueError, match="reference has no onset"):
        estimate_offset((dc, 16000), (beeps, 16000))
