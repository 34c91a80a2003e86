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
    with pytest.raises(ValueError, match="row 0: .* inside the video \\(0..0.400 s\\)"):
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
