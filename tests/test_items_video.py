"""Items holding videos: file paths (through PyAV) and (T, H, W[, C]) arrays, checked where they enter."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from hitl_widgets.demo import read_frame_marker, synthetic_clip
from hitl_widgets.items import Items
from hitl_widgets.video import VideoSource
from hitl_widgets.widgets.base import media_info


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    pytest.importorskip("av")
    d = tmp_path_factory.mktemp("videos")
    a = synthetic_clip(d / "a.mp4", n_frames=24, size=(64, 48), seed=0)
    b = synthetic_clip(d / "b.mkv", n_frames=30, size=(96, 64), vfr=True, seed=1)
    return a, b


def _frames(n=20, size=(64, 48), seed=0):
    return synthetic_clip(n_frames=n, size=size, seed=seed).frames


def test_video_paths_are_videos_with_their_info(clips):
    a, b = clips
    items = Items([a.path, str(b.path)], ids=["a", "b"])
    assert items.kind("a") == "video" and items.is_video and not items.is_text
    assert repr(items).startswith("Items(2 videos")
    assert items.info("a") == {"kind": "video", "n_frames": 24, "fps": 25.0, "width": 64, "height": 48,
                               "duration_s": pytest.approx(24 / 25)}
    info = items.info("b")
    assert (info["n_frames"], info["width"], info["height"]) == (30, 96, 64)
    assert info["duration_s"] == pytest.approx(b.times[-1] + 1 / 25)
    assert items.raw("b") == b.path
    src = items.video("b")
    assert isinstance(src, VideoSource) and items.video("b") is src  # opened once, then kept
    for i in (0, 17, 29, 3):
        assert read_frame_marker(src.frame(i)) == i


def test_video_media_is_a_poster_and_media_info_carries_the_frame_count(clips):
    a, _ = clips
    items = Items([a.path])
    m = items.media(0)
    assert (m.kind, m.mime, m.width, m.height) == ("video", "image/jpeg", 64, 48)
    im = Image.open(io.BytesIO(m.data))
    assert im.format == "JPEG" and read_frame_marker(np.asarray(im.convert("RGB"))) == 0
    buffers: list = []
    info = media_info(items, 0, buffers)
    assert info == {"kind": "video", "mime": "image/jpeg", "width": 64, "height": 48, "n_frames": 24, "fps": 25.0,
                    "duration_s": pytest.approx(24 / 25), "buffer": 0}
    assert buffers == [m.data]


def test_video_arrays():
    clip4 = _frames()
    grey = clip4[..., 0]
    items = Items([clip4, clip4[:5]])  # a list of 4-D arrays: videos
    assert items.kind(1) == "video" and items.info(1)["n_frames"] == 5
    assert read_frame_marker(items.video(0).frame(13)) == 13
    assert Items([grey], kind="video", ids=["g"]).info("g")["n_frames"] == 20
    # a list of 3-D arrays stays a list of images unless told (kind="video")
    assert Items([clip4[0], clip4[1]]).kind(0) == "image"
    s = pd.Series([clip4, grey], index=["x", "y"])
    assert Items(s, kind="video").ids == ["x", "y"]


def test_items_of_items_and_kind_text_keep_their_meaning(clips):
    a, _ = clips
    items = Items([a.path])
    again = Items(items, ids=["only"])
    assert again.kind("only") == "video" and again.info("only")["n_frames"] == 24
    texts = Items(["clip.mp4", "other.webm"], kind="text")
    assert texts.is_text and texts.media(0).data == "clip.mp4"


def test_a_missing_video_file_fails_at_construction_naming_the_item(clips, tmp_path):
    a, _ = clips
    with pytest.raises(ValueError, match=r"item 1 \(.*nope\.mp4\): video file not found"):
        Items([a.path, tmp_path / "nope.mp4"])


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_corrupt_video_file_fails_at_construction_naming_the_item(clips, tmp_path, damage):
    a, b = clips
    data = b.path.read_bytes()
    bad = tmp_path / "bad.mkv"
    bad.write_bytes({"garbage": b"\x00not a video" * 100, "truncated": data[: len(data) // 3], "empty": b""}[damage])
    with pytest.raises(ValueError, match=r"item 2 \(.*bad\.mkv\)"):
        Items([a.path, b.path, bad])


@pytest.mark.parametrize("bad, match", [
    (np.zeros((0, 8, 8, 3), np.uint8), "item 1.*no frames"),
    (np.zeros((4, 8, 8, 5), np.uint8), "item 1.*shape"),
    (np.zeros((4, 8, 8, 3), np.int32), "item 1.*dtype"),
    (np.full((4, 8, 8, 3), 2.0), "item 1.*frame 0.*\\[0, 1\\]"),
    (42, "item 1: a video must be"),
])
def test_bad_video_arrays_fail_at_construction_naming_the_item(bad, match):
    with pytest.raises(ValueError, match=match):
        Items([_frames(), bad], kind="video")


def test_bad_video_containers_raise():
    with pytest.raises(ValueError, match="one array per video"):
        Items(_frames(), kind="video")  # one (T, H, W, 3) array is a stack of images, or must be a list
    with pytest.raises(ValueError, match="empty"):
        Items([], kind="video")


def test_video_and_image_accessors_refuse_the_other_kind(clips):
    a, _ = clips
    videos = Items([a.path])
    with pytest.raises(ValueError, match="item 0 is video, not an image"):
        videos.image(0)
    with pytest.raises(ValueError, match="not a video"):
        Items(np.zeros((2, 8, 8), np.uint8)).video(0)
    with pytest.raises(KeyError, match="unknown item id"):  # as for every accessor
        videos.video(5)


def test_a_video_deleted_after_binding_is_reported_on_use(tmp_path):
    pytest.importorskip("av")
    clip = synthetic_clip(tmp_path / "gone.mp4", n_frames=20, size=(64, 48))
    items = Items([clip.path], ids=["gone"])
    clip.path.unlink()
    with pytest.raises(ValueError, match="gone.*not found"):
        items.video("gone")
    assert media_info(items, "gone", [])["kind"] == "error"


def test_at_most_four_videos_stay_open():
    items = Items([_frames(n=20, seed=k) for k in range(6)])
    sources = [items.video(k) for k in range(6)]
    assert len(items._open) == 4 and list(items._open) == [2, 3, 4, 5]
    assert items.video(5) is sources[5] and items.video(0) is not sources[0]


def test_image_widgets_refuse_videos():
    from hitl_widgets.widgets.image_editor import ImageEditor

    with pytest.raises(ValueError, match="needs images, not videos"):
        ImageEditor._image_items(Items([_frames()]))


@pytest.mark.parametrize("make", ["ClassifyWidget", "YesNoReview", "QualityGate", "VQAReview"])
def test_review_widgets_refuse_videos_instead_of_judging_the_first_frame(make):
    import hitl_widgets as hw

    videos = Items([_frames(n=20, seed=k) for k in range(2)])
    build = {
        "ClassifyWidget": lambda: hw.ClassifyWidget(videos, classes=["a", "b"]),
        "YesNoReview": lambda: hw.YesNoReview(videos, question="ok?"),
        "QualityGate": lambda: hw.QualityGate(videos, reasons=["blurry"], plan=(2, 0)),
        "VQAReview": lambda: hw.VQAReview(videos, questions=["q"] * 2, answers=["a"] * 2),
    }[make]
    with pytest.raises(ValueError, match=f"{make} shows images and texts, not videos"):
        build()
