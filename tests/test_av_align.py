"""AVAlignReview (kernel side): the proposal from a synthetic clip with beeps at known frames, every
intent's ack, refusal, stale answer, undo / redo and reload; the offsets table and segments with
their frame ranges; the constructor's checks."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.demo import synthetic_clip
from hitl_widgets.demo.beeps import beep_track, with_soundtrack

RATE = 16000
FPS = 25
BEEP_FRAMES = [10, 24, 41]
SHIFT_FRAMES = 7  # the separate recording starts 7 frames (0.28 s) before the video


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 50-frame 25 fps clip whose soundtrack beeps at BEEP_FRAMES, and a recording of the same
    beeps SHIFT_FRAMES frames earlier (with noise)."""
    folder = tmp_path_factory.mktemp("avalign")
    c = synthetic_clip(folder / "c.mp4", n_frames=50, fps=FPS, size=(64, 48), seed=2)
    beeps = np.asarray(c.times)[BEEP_FRAMES]
    video = with_soundtrack(c.path, beep_track(beeps, duration_s=2.1), RATE, folder / "sound.mp4")
    recording = beep_track(beeps - SHIFT_FRAMES / FPS, duration_s=2.0, noise=0.01, seed=1)
    ticks = np.arange(0.1, 1.9, 0.2)  # a beep every 5 frames: any shift by 5 frames lines most of them up
    periodic = with_soundtrack(c.path, beep_track(ticks, duration_s=2.1), RATE, folder / "periodic.mp4")
    return {"video": str(video), "silent_video": str(c.path), "recording": recording, "times": np.asarray(c.times),
            "periodic": str(periodic), "periodic_recording": beep_track(ticks[:-1] + 0.1, duration_s=2.0)}


def make(clip, store=None, **kwargs):
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    kwargs.setdefault("audio", [(clip["recording"], RATE)])
    w = hw.AVAlignReview([clip["video"]], store=store, **kwargs)
    sent: list = []
    w.send = lambda msg, buffers=None: sent.append(msg)
    return w, sent


class Client:
    def __init__(self, w, client="c"):
        self.w, self.seq, self.client = w, 0, client

    def __call__(self, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"client": self.client, "seq": self.seq, "item_id": 0, **fields}, [])


def test_the_proposal_recovers_the_known_shift(clip):
    w, _ = make(clip)
    p = w.proposal(0)
    assert p["method"] == "cross-correlation" and not p["ambiguous"] and p["score"] > 0.5
    assert p["offset_s"] * FPS == pytest.approx(SHIFT_FRAMES, abs=0.25)  # to a quarter of a frame
    row = w.offsets.iloc[0]
    assert row["source"] == "proposed" and not row["confirmed"] and row["offset_s"] == p["offset_s"]
    # the recording's beeps, moved by the proposal, land on the beep frames
    beeps = pd.DataFrame({"item": 0, "start_s": clip["times"][BEEP_FRAMES] - SHIFT_FRAMES / FPS + 0.01, "end_s": np.nan})
    beeps["end_s"] = beeps["start_s"] + 0.001
    assert w.segments_to_frames(beeps, confirmed_only=False)["start_frame"].tolist() == BEEP_FRAMES


def test_a_periodic_sound_is_flagged_ambiguous(clip):
    w = hw.AVAlignReview([clip["periodic"]], audio=[(clip["periodic_recording"], RATE)], store=hw.AnnotationStore(":memory:"))
    p = w.proposal(0)
    assert p["ambiguous"] and p["margin"] < 0.15 and "ambiguous" in p["note"]
    assert bool(w.offsets["ambiguous"][0]) and w._item_info(0)["proposal"]["ambiguous"]


def test_without_a_soundtrack_there_is_no_proposal_to_compute():
    v = np.zeros((100, 16, 16), np.uint8)
    w = hw.AVAlignReview([v], audio=[(beep_track([0.2, 1.5], 4.0), RATE)], store=hw.AnnotationStore(":memory:"))
    p = w.proposal(0)
    assert p["method"] == "none" and p["offset_s"] == 0.0 and "no soundtrack" in p["note"] and w.offsets["score"][0] is None


def test_nudge_mark_confirm_reset_acks_and_state(clip):
    w, sent = make(clip)
    c = Client(w)
    p = w.proposal(0)["offset_s"]
    c(type="offset", offset_s=p + 3 / FPS)
    assert sent[-1]["type"] == "ack" and sent[-1]["offset_s"] == p + 3 / FPS and sent[-1]["source"] == "nudged"
    assert w.offsets["offset_frames"][0] == pytest.approx(p * FPS + 3, abs=1e-6)
    c(type="mark", audio_s=0.5, frame=20)
    assert sent[-1]["offset_s"] == pytest.approx(clip["times"][20] - 0.5) and sent[-1]["marks"] == {"audio_s": 0.5, "frame": 20}
    assert w.offsets["source"][0] == "marked" and w.n_done == 0
    c(type="confirm", offset_s=sent[-1]["offset_s"])
    assert sent[-1]["confirmed"] is True and w.n_done == 1 and w.offsets["confirmed"][0]
    c(type="reset")
    assert sent[-1]["offset_s"] == p and sent[-1]["source"] == "proposed" and not sent[-1]["confirmed"] and w.n_done == 0
    w.set_offset(0, p + 1 / FPS)
    assert w.reset(0) and w.offsets["source"][0] == "proposed" and w.offsets["offset_s"][0] == p
    c(type="sync")
    assert sent[-1]["type"] == "ack" and sent[-1]["offset_s"] == p


def test_refusals_name_the_item_and_store_nothing(clip):
    w, sent = make(clip)
    c = Client(w)
    bad = [
        ({"type": "offset", "offset_s": float("nan")}, "finite time"),
        ({"type": "offset", "offset_s": "1"}, "finite time"),
        ({"type": "offset", "offset_s": 5.0}, "off the video"),
        ({"type": "offset", "offset_s": -2.5}, "off the video"),
        ({"type": "mark", "audio_s": 0.5, "frame": 50}, "outside the video"),
        ({"type": "mark", "audio_s": 0.5, "frame": 1.5}, "int frame index"),
        ({"type": "mark", "audio_s": 9.0, "frame": 3}, "outside the recording"),
        ({"type": "mark", "audio_s": True, "frame": 3}, "finite time"),
        ({"type": "confirm", "offset_s": 1.234}, "not the current one"),
        ({"type": "undo"}, "nothing to undo"),
        ({"type": "redo"}, "nothing to redo"),
        ({"type": "offset", "item_id": 7, "offset_s": 0.1}, "7"),
    ]
    for fields, message in bad:
        c(**fields)
        assert sent[-1]["type"] == "refused", fields
        assert message in sent[-1]["message"], (fields, sent[-1]["message"])
        if fields.get("item_id") is None:
            assert "item 0" in sent[-1]["message"] or "undo" in sent[-1]["message"] or "redo" in sent[-1]["message"]
    assert w.store.current(w.task).empty and w.offsets["source"][0] == "proposed"


def test_stale_offset_is_answered_with_the_current_state(clip):
    w, sent = make(clip)
    w._dispatch(w, {"client": "c", "seq": 2, "type": "offset", "item_id": 0, "offset_s": 0.4}, [])
    w._dispatch(w, {"client": "c", "seq": 1, "type": "offset", "item_id": 0, "offset_s": 0.2}, [])
    assert sent[-1].get("stale") is True and sent[-1]["offset_s"] == 0.4
    assert w.offsets["offset_s"][0] == 0.4


def test_undo_redo_and_reload_on_the_same_store(clip, tmp_path):
    store = hw.AnnotationStore(f"sqlite:///{tmp_path / 's.db'}", annotator="ann")
    w, sent = make(clip, store)
    c = Client(w)
    c(type="offset", offset_s=0.2)
    c(type="offset", offset_s=0.24)
    c(type="confirm")
    c(type="undo")
    assert sent[-1]["undone"] == "confirm" and sent[-1]["offset_s"] == 0.24 and not sent[-1]["confirmed"]
    c(type="undo")
    assert sent[-1]["offset_s"] == 0.2
    c(type="redo")
    assert sent[-1]["redone"] == "offset" and sent[-1]["offset_s"] == 0.24
    c(type="confirm")
    w2, _ = make(clip, hw.AnnotationStore(f"sqlite:///{tmp_path / 's.db'}", annotator="ann"))
    row = w2.offsets.iloc[0]
    assert row["offset_s"] == 0.24 and row["confirmed"] and row["source"] == "nudged" and w2.n_done == 1
    assert w2._item_state(0)["offset_s"] == 0.24


def test_segments_to_frames_with_the_confirmed_offset(clip):
    w, _ = make(clip)
    w.mark(0, audio_s=0.1, frame=12)  # offset = times[12] - 0.1
    words = pd.DataFrame({"utterance": [0, 0], "text": ["a", "b"], "start_s": [0.1, 0.5], "end_s": [0.3, 0.6]})
    with pytest.raises(ValueError, match="item 0: its offset is not confirmed"):
        w.segments_to_frames(words)
    w.confirm(0)
    got = w.segments_to_frames(words)
    assert got["text"].tolist() == ["a", "b"] and got["start_frame"][0] == 12
    t = clip["times"]
    off = t[12] - 0.1
    assert got["start_frame"][1] == np.searchsorted(t, 0.5 + off, side="right") - 1
    twice = pd.concat([words, words])  # a repeated index: rows kept in order, by position
    assert w.segments_to_frames(twice)["start_frame"].tolist() == got["start_frame"].tolist() * 2
    with pytest.raises(ValueError, match=r"row 1: the video id \(utterance\) is missing"):
        w.segments_to_frames(words.assign(utterance=[0, None]))
    with pytest.raises(ValueError, match="row 0: no video 5"):
        w.segments_to_frames(words.assign(utterance=5))
    with pytest.raises(ValueError, match="item 0: row 0: .* not a time span inside the video"):
        w.segments_to_frames(words.assign(start_s=[1.9, 0.5], end_s=[2.0, 0.6]))
    with pytest.raises(ValueError, match="no column 'start_s'"):
        w.segments_to_frames(words.drop(columns="start_s"))


def test_segments_to_frames_refuse_a_video_id_of_another_type(clip):
    w, _ = make(clip)
    w.set_offset(0, 0.0)
    w.confirm(0)
    words = pd.DataFrame({"utterance": [0, 0], "start_s": [0.1, 0.5], "end_s": [0.3, 0.6]})
    for other in (False, 0.0, "0"):  # grouping would file False and 0.0 under video 0
        with pytest.raises(ValueError, match=f"row 1: no video {other!r} in this widget"):
            w.segments_to_frames(words.assign(utterance=pd.Series([0, other], dtype=object)))


def test_segments_to_frames_maps_a_span_from_frame_k_to_k_plus_1_to_frame_k(clip):
    """The clip's 1/12800 time base puts frames 35, 41, 47 a hair after k/25: still frame k."""
    w, _ = make(clip)
    w.set_offset(0, 0.0)
    w.confirm(0)
    k = np.arange(50)
    got = w.segments_to_frames(pd.DataFrame({"item": 0, "start_s": k / FPS, "end_s": (k + 1) / FPS}))
    assert got["start_frame"].tolist() == k.tolist() and got["end_frame"].tolist() == k.tolist()


def test_reads_serve_the_recording_and_frames(clip):
    w, sent = make(clip)
    w._dispatch(w, {"type": "peaks", "item_id": 0, "bucket": 256, "start": 0, "count": 8}, [])
    assert sent[-1]["type"] == "peaks" and sent[-1]["count"] == 8
    w._dispatch(w, {"type": "audio", "item_id": 0, "start_s": 0.0, "end_s": 1.0, "req": 3}, [])
    assert sent[-1]["type"] == "audio" and sent[-1]["req"] == 3
    w._dispatch(w, {"type": "frames", "item_id": 0, "frames": [0, 49]}, [])
    assert sent[-1]["type"] == "frames" and [f["index"] for f in sent[-1]["frames"]] == [0, 49]
    info = w._item_info(0)
    assert info["n_frames"] == 50 and info["separate"] and info["proposal"]["method"] == "cross-correlation"
    assert info["audio_duration_s"] == pytest.approx(2.0)


def test_constructor_checks_name_the_item(clip):
    silent = clip["silent_video"]
    with pytest.raises(ValueError, match="item 0: the video has no soundtrack and no recording"):
        hw.AVAlignReview([silent])
    with pytest.raises(ValueError, match="item 1: the video has no soundtrack"):
        hw.AVAlignReview([clip["video"], silent], audio={0: (clip["recording"], RATE)})
    with pytest.raises(ValueError, match="audio: got 2 recordings for 1 videos"):
        hw.AVAlignReview([silent], audio=[None, None])
    with pytest.raises(ValueError, match="audio: no video 'x'"):
        hw.AVAlignReview([silent], audio={"x": (clip["recording"], RATE)})
    nan = clip["recording"].copy()
    nan[100] = np.nan
    with pytest.raises(ValueError, match="item 0 recording: sample 100 .* NaN"):
        hw.AVAlignReview([silent], audio=[(nan, RATE)])
    with pytest.raises(ValueError, match="item 0 recording: no such audio file"):
        hw.AVAlignReview([silent], audio=["/nope.wav"])
    with pytest.raises(ValueError, match="max_offset_s must be a positive number"):
        hw.AVAlignReview([silent], audio=[(clip["recording"], RATE)], max_offset_s=float("nan"))
    with pytest.raises(ValueError, match="aligns videos"):
        hw.AVAlignReview(hw.Items([(clip["recording"], RATE)], kind="audio"))
    # (video, recording) pairs
    w = hw.AVAlignReview([(silent, (clip["recording"], RATE))], store=hw.AnnotationStore(":memory:"))
    assert w.recording(0).duration_s == pytest.approx(2.0) and w._item_info(0)["separate"]
    with pytest.raises(ValueError, match="item 0 recording: audio must be a file path or a \\(samples, sample_rate\\) pair"):
        hw.AVAlignReview([(silent, 3)])
    # its own soundtrack only: proposal 0, the person marks
    w = hw.AVAlignReview([clip["video"]], store=hw.AnnotationStore(":memory:"))
    assert w.proposal(0)["method"] == "none" and not w._item_info(0)["separate"]


def _delayed_video(path) -> str:
    """An mkv whose first frame shows at 0.52 s while its soundtrack starts at 0 s and beeps at 1.0 s
    (a camera's or an edited file's layout): the beep is on screen on frame 12 (0.48 s after frame 0)."""
    from fractions import Fraction

    import av

    with av.open(str(path), "w") as out:
        vs = out.add_stream("mpeg4", rate=FPS)
        vs.width = vs.height = 32
        vs.pix_fmt = "yuv420p"
        vs.time_base = Fraction(1, FPS)
        audio = out.add_stream("aac", rate=RATE)
        audio.layout = "mono"
        for i in range(50):
            frame = av.VideoFrame.from_ndarray(np.zeros((32, 32, 3), np.uint8), format="rgb24")
            frame.pts = i + 13  # the first frame at 13/25 = 0.52 s
            for packet in vs.encode(frame):
                out.mux(packet)
        for packet in vs.encode():
            out.mux(packet)
        beep = beep_track([1.0], duration_s=3.0, rate=RATE).astype(np.float32)
        for k in range(0, len(beep), 1024):
            frame = av.AudioFrame.from_ndarray(beep[None, k : k + 1024], format="flt", layout="mono")
            frame.sample_rate, frame.pts = RATE, k
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    return str(path)


def test_a_soundtrack_that_starts_before_the_first_frame_is_lined_up_by_the_files_times(tmp_path):
    """The soundtrack was read as if it started with the first frame: the proposal was 0 and the beep
    at 1.0 s went to frame 25 instead of 12 (13 frames late)."""
    video = _delayed_video(tmp_path / "delayed.mkv")
    w = hw.AVAlignReview([video], store=hw.AnnotationStore(":memory:"))
    assert w.proposal(0)["offset_s"] == pytest.approx(-0.52, abs=1e-3)
    w.confirm(0)
    frames = w.segments_to_frames(pd.DataFrame({"item": [0], "start_s": [1.0], "end_s": [1.2]}))
    assert frames["start_frame"].tolist() == [12]
