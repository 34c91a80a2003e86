"""VideoWidget (hitl_widgets/widgets/video_base.py): frames served as JPEG buffers with their times,
frame-exact checks naming the item and the frame."""
from __future__ import annotations

import numpy as np
import pytest

import hitl_widgets as hw
from hitl_widgets.demo.clips import read_frame_marker, synthetic_clip
from hitl_widgets.widgets.base import IntentError
from hitl_widgets.widgets.video_base import MAX_FRAMES, VideoWidget


@pytest.fixture(scope="module")
def vfr_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "vfr.mp4"
    return synthetic_clip(path, n_frames=40, fps=25, size=(96, 64), vfr=True, seed=1)


def make(videos):
    sent = []
    w = VideoWidget(videos, store=hw.AnnotationStore(":memory:"))
    w.send = lambda msg, buffers=None: sent.append((msg, buffers or []))
    return w, sent


def test_frames_come_as_jpeg_buffers_with_index_and_time(vfr_clip):
    import io

    from PIL import Image

    w, sent = make([str(vfr_clip.path)])
    w._dispatch(w, {"type": "frames", "item_id": 0, "frames": [7, 0, 39, 7]}, [])
    msg, buffers = sent[-1]
    assert msg["type"] == "frames" and msg["item_id"] == 0
    assert [f["index"] for f in msg["frames"]] == [0, 7, 39]  # once each, ascending (decoded forward)
    times = w.frame_times(0)
    for f in msg["frames"]:
        data = buffers[f["buffer"]]
        assert isinstance(data, bytes) and data[:2] == b"\xff\xd8"
        assert read_frame_marker(np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))) == f["index"]
        assert f["time"] == times[f["index"]]


def test_item_info_carries_vfr_times(vfr_clip):
    w, _ = make([str(vfr_clip.path)])
    info = w._item_info(0)
    assert info["n_frames"] == 40 and len(info["times"]) == 40 and info["times"][0] == 0.0
    gaps = np.diff(info["times"])
    assert (gaps > 0).all() and gaps.max() - gaps.min() > 1e-3  # variable frame rate, as the file says
    assert np.allclose(info["times"], vfr_clip.times, atol=1e-4)


@pytest.mark.parametrize("frames, why", [
    ([40], "frame 40 is outside"), ([-1], "frame -1 is outside"), (["3"], "must be an int"), ([1.0], "must be an int"),
    ([True], "must be an int"), ([], "1 to 32"), (list(range(MAX_FRAMES + 1)), "1 to 32"), ("0", "1 to 32"),
])
def test_bad_frame_requests_are_refused(frames, why):
    w, sent = make([np.zeros((40, 16, 16), np.uint8)])
    w._dispatch(w, {"type": "frames", "item_id": 0, "frames": frames}, [])
    assert sent[-1][0]["type"] == "refused" and why in sent[-1][0]["message"]
    assert "item 0" in sent[-1][0]["message"]


def test_unknown_item_is_refused():
    w, sent = make([np.zeros((4, 16, 16), np.uint8)])
    w._dispatch(w, {"type": "frames", "item_id": 3, "frames": [0]}, [])
    assert sent[-1][0]["type"] == "refused"


def test_check_range_and_end_time():
    w, _ = make([np.zeros((10, 16, 16), np.uint8)])
    assert w.check_range(0, 2, 2) == (2, 2)
    with pytest.raises(IntentError, match="item 0: end frame 1 is before start frame 2"):
        w.check_range(0, 2, 1)
    with pytest.raises(IntentError, match="item 0: end frame 10 is outside the video"):
        w.check_range(0, 2, 10)
    assert w.frame_end_time(0, 3) == pytest.approx(0.16) and w.frame_end_time(0, 9) == pytest.approx(0.4)


def test_image_items_are_refused():
    with pytest.raises(ValueError):
        VideoWidget(np.zeros((3, 8, 8), np.uint8))
