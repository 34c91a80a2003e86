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


def test_deleting_the_track_of_an_accepted_proposal_opens_the_proposal_again():
    from hitl_widgets.store import AnnotationStore
    from hitl_widgets.widgets.tracks import TrackAnnotator

    proposals = pd.DataFrame([{"video": 0, "track": 0, "frame": f, "x": 0.0, "y": 0.0, "w": 4.0, "h": 4.0, "class": "car"}
                              for f in (0, 4, 8)])
    w = TrackAnnotator([np.zeros((10, 32, 32), np.uint8)], ["car"], store=AnnotationStore(":memory:"), proposals=proposals)
    sent: list = []
    w.send = lambda m, buffers=None: sent.append(m)
    pid = w.proposals["proposal_id"].iloc[0]

    def intent(seq, **fields):
        w._dispatch(w, {"client": "c", "seq": seq, "item_id": 0, **fields}, [])
        assert sent[-1]["type"] == "ack", sent[-1]

    intent(1, type="accept", proposal_id=pid)
    intent(2, type="split", track=0, frame=4)  # two parts of one proposal
    intent(3, type="delete_track", track=0)
    assert w.proposals["status"].tolist() == ["accepted"]  # the other part still comes from it
    intent(4, type="delete_track", track=1)
    assert w.proposals["status"].tolist() == ["open"] and w.tracks.empty
    intent(5, type="accept", proposal_id=pid)  # it can be reviewed again
    intent(6, type="delete_key", track=2, frame=0)
    intent(7, type="delete_key", track=2, frame=4)
    intent(8, type="delete_key", track=2, frame=8)  # its last keyframe: the track goes, the proposal opens
    assert w.proposals["status"].tolist() == ["open"]


def test_a_video_array_given_with_its_frame_rate_keeps_its_seconds():
    import hitl_widgets as hw
    from hitl_widgets.widgets.segmenter import TemporalSegmenter

    frames = np.zeros((30, 16, 16, 3), np.uint8)
    items = hw.Items([(frames, 10), frames])  # (frames, fps); a bare array is 25 fps
    assert [items.info(i)["fps"] for i in items.ids] == [10.0, 25.0]
    w = TemporalSegmenter([(frames, 10)], ["run"], store=hw.AnnotationStore(":memory:"))
    w.add_segment(0, "run", 10, 19)
    assert w.segments[["start_s", "end_s"]].values.tolist() == [[1.0, 2.0]]  # frame 10 shows at 1 s, not 0.4 s
    for bad in (0, -5.0, float("nan")):
        with pytest.raises(ValueError, match=r"item 0: fps must be a number in \(0, inf\)"):
            hw.Items([(frames, bad)], kind="video")


def test_a_videos_stored_tracks_are_not_shown_on_another_video(tmp_path):
    import warnings

    import hitl_widgets as hw
    from hitl_widgets.widgets.tracks import TrackAnnotator

    db = str(tmp_path / "t.db")
    long, short = np.zeros((60, 64, 64), np.uint8), np.zeros((10, 32, 32), np.uint8)
    w = TrackAnnotator([long, short], ["car"], store=hw.AnnotationStore(db))
    w.add_keyframe(0, 50, (40.0, 40.0, 20.0, 20.0), "car")
    with pytest.warns(UserWarning, match=r"1 stored states of task 'tracks' were made on other media .* item ids 0\."):
        moved = TrackAnnotator([short, long], ["car"], store=hw.AnnotationStore(db))  # the list reordered
    assert moved.tracks.empty and moved.n_done == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = TrackAnnotator([long, short], ["car"], store=hw.AnnotationStore(db))
    assert again.tracks[["video", "frame", "x"]].values.tolist()[0] == [0, 50, 40.0]


def test_a_decision_stays_with_its_proposal_when_the_model_is_run_again(tmp_path):
    import hitl_widgets as hw
    from hitl_widgets.widgets.segmenter import TemporalSegmenter

    db = str(tmp_path / "s.db")
    video = [np.zeros((30, 8, 8), np.uint8)]
    first = [{"video": 0, "class": "run", "start_frame": 2, "end_frame": 5, "score": 0.9},
             {"video": 0, "class": "jump", "start_frame": 10, "end_frame": 20, "score": 0.5}]
    w = TemporalSegmenter(video, ["run", "jump"], store=hw.AnnotationStore(db), proposals=first)
    jump = w.proposals.set_index("class").at["jump", "proposal_id"]
    w.send = lambda m, buffers=None: None
    w._dispatch(w, {"type": "reject", "client": "c", "seq": 1, "item_id": 0, "proposal_id": jump}, [])
    rerun = first + [{"video": 0, "class": "run", "start_frame": 22, "end_frame": 25, "score": 0.7}]  # one more, ranked between
    w2 = TemporalSegmenter(video, ["run", "jump"], store=hw.AnnotationStore(db), proposals=rerun)
    assert w2.proposals[["class", "start_frame", "status"]].values.tolist() == [
        ["run", 2, "open"], ["run", 22, "open"], ["jump", 10, "rejected"]]  # was: the new one rejected, jump open


def test_an_accepted_track_proposal_stays_accepted_when_the_tracker_is_run_again(tmp_path):
    import hitl_widgets as hw
    from hitl_widgets.widgets.tracks import TrackAnnotator

    def props(tracks):
        return pd.DataFrame([{"video": 0, "track": t, "frame": f, "x": x, "y": 0.0, "w": 4.0, "h": 4.0, "class": "car"}
                             for t, (x, frames) in enumerate(tracks) for f in frames])

    db = str(tmp_path / "t.db")
    video = [np.zeros((10, 32, 32), np.uint8)]
    w = TrackAnnotator(video, ["car"], store=hw.AnnotationStore(db), proposals=props([(0.0, (0, 4)), (20.0, (3, 6))]))
    second = w.proposals["proposal_id"].iloc[1]
    w.send = lambda m, buffers=None: None
    w._dispatch(w, {"type": "accept", "client": "c", "seq": 1, "item_id": 0, "proposal_id": second}, [])
    again = TrackAnnotator(video, ["car"], store=hw.AnnotationStore(db),
                           proposals=props([(10.0, (1, 2)), (0.0, (0, 4)), (20.0, (3, 6))]))  # one more, first
    assert again.proposals[["first_frame", "status"]].values.tolist() == [[1, "open"], [0, "open"], [3, "accepted"]]
