"""Video and tracks at their edges: a file whose last frame is held is read whole, a MOT/COCO-video
round trip of no tracks gives no tracks, and propagate_detections' motion is a bool. Each case once
refused valid input or quietly read "no" as yes."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

av = pytest.importorskip("av")

from hitl_widgets.io.coco_video import from_coco_video, to_coco_video  # noqa: E402
from hitl_widgets.tracks import TRACK_COLUMNS, propagate_detections  # noqa: E402
from hitl_widgets.video import VideoSource  # noqa: E402


def held_last_frame(path, frames=10, period_ms=40, held_ms=10_000):
    """An mp4 of ``frames`` frames ``period_ms`` apart, the last one shown for ``held_ms`` (a slideshow)."""
    tb = Fraction(1, 1000)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        stream.time_base = stream.codec_context.time_base = tb
        stream.codec_context.options = {"bf": "0"}
        packets = []
        for k in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 20 * k, np.uint8), format="rgb24")
            frame.pts, frame.time_base = k * period_ms, tb
            packets += list(stream.encode(frame))
        packets += list(stream.encode())
        for p in packets:
            p.duration = period_ms
        packets[-1].duration = held_ms
        for p in packets:
            out.mux(p)
    return path


def test_a_video_whose_last_frame_is_held_is_read_whole(tmp_path):
    clip = VideoSource(held_last_frame(tmp_path / "still.mp4"))
    assert clip.n_frames == 10 and clip.times[-1] == pytest.approx(0.36)
    assert clip.frame(9).shape == (32, 32, 3)


def test_a_round_trip_of_no_tracks_gives_no_tracks():
    empty = pd.DataFrame({c: [] for c in TRACK_COLUMNS})
    back = from_coco_video(to_coco_video(empty, size=(4, 4)))
    assert back.empty and list(back.columns[:len(TRACK_COLUMNS) + 1]) == ["video", *TRACK_COLUMNS]


@pytest.mark.parametrize("motion", ["no", "False", 0, 1, None])
def test_motion_must_be_a_bool(motion):
    dets = pd.DataFrame({"frame": [0, 1], "x": [0.0, 1.0], "y": [0.0, 0.0], "w": [5.0, 5.0], "h": [5.0, 5.0], "class": ["a", "a"]})
    with pytest.raises(ValueError, match="motion must be True or False"):
        propagate_detections(dets, motion=motion)
    assert len(propagate_detections(dets, motion=np.bool_(False))) == 2
