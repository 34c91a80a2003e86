"""The video tools' inputs are checked where they enter, with an error naming the item: a class given
with a track, proposal scores (TrackAnnotator, TemporalSegmenter and propagate_detections refuse them
the same way), proposal video ids (coerce.check_item_id: True and 1.0 are not video 1), the
segmenter's threshold and snap_within, motion_proposals' parameters. Nothing is clamped, truncated or
dropped quietly."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
import traitlets

import hitl_widgets as hw
from hitl_widgets.tracks import propagate_detections, validate_tracks
from hitl_widgets.video import VideoSource
from hitl_widgets.video_analysis import motion_proposals, snap_to
from hitl_widgets.widgets import segments

CLASSES = ["car", "person"]


def videos():
    return [np.zeros((10, 16, 16), np.uint8), np.zeros((10, 16, 16), np.uint8)]


def tracker(**kw):
    sent: list = []
    w = hw.TrackAnnotator(videos(), CLASSES, store=hw.AnnotationStore(":memory:", annotator="ann"), **kw)
    w.send = lambda msg, buffers=None: sent.append(msg)
    return w, sent


def segmenter(**kw):
    return hw.TemporalSegmenter(videos(), ["run", "jump"], store=hw.AnnotationStore(":memory:", annotator="ann"), **kw)


def track_proposals(**cols):
    base = {"video": 0, "track": 0, "frame": [0, 3], "x": [0.0, 3.0], "y": 0.0, "w": 4.0, "h": 4.0, "class": "car",
            "score": [0.5, 0.5]}
    base.update(cols)
    return pd.DataFrame(base)


def segment_proposal(**fields):
    return [{"video": 0, "class": "run", "start_frame": 2, "end_frame": 5, "score": 0.5, **fields}]


def detections(scores):
    return pd.DataFrame({"frame": range(len(scores)), "x": 0.0, "y": 0.0, "w": 4.0, "h": 4.0, "class": "car",
                         "score": pd.Series(scores, dtype=object)})


# --------------------------------------------------------------------------- T1: a class given with a track


def test_add_keyframe_refuses_a_class_other_than_its_tracks():
    w, _ = tracker()
    t = w.add_keyframe(0, 0, (0, 0, 4, 4), "car")
    n = len(w.store.events())
    with pytest.raises(ValueError, match=r"item 0 track 0 is of class 'car', not 'person'"):
        w.add_keyframe(0, 4, (8, 0, 4, 4), "person", track=t)
    with pytest.raises(ValueError, match=r"item 0 track 0: class 'no-such-class' is not one of"):
        w.add_keyframe(0, 5, (8, 0, 4, 4), "no-such-class", track=t)
    assert len(w.store.events()) == n and w.tracks["frame"].tolist() == [0]  # nothing stored
    assert w.add_keyframe(0, 4, (8, 0, 4, 4), np.str_("car"), track=t) == t  # its own class, as numpy gives it
    assert w.add_keyframe(0, 2, (4, 0, 4, 4), track=t) == t  # or none
    assert set(w.tracks["class"]) == {"car"} and w.tracks["keyframe"].sum() == 3


@pytest.mark.parametrize("cls, why", [
    ("truck", "item 0 track 0: class 'truck' is not one of"),
    ("person", "item 0 track 0 is of class 'car', not 'person'"),
])
def test_key_intent_with_a_track_refuses_another_class(cls, why):
    w, sent = tracker()
    t = w.add_keyframe(0, 0, (0, 0, 4, 4), "car")
    n = len(w.store.events())
    w._dispatch(w, {"client": "c", "seq": 1, "type": "key", "item_id": 0, "frame": 6, "x": 1, "y": 1, "w": 2, "h": 2,
                    "track": t, "class": cls}, [])
    assert sent[-1]["type"] == "refused" and why in sent[-1]["message"]
    assert len(w.store.events()) == n
    w._dispatch(w, {"client": "c", "seq": 2, "type": "key", "item_id": 0, "frame": 6, "x": 1, "y": 1, "w": 2, "h": 2,
                    "track": t, "class": "car"}, [])
    assert sent[-1]["type"] == "ack" and sent[-1]["track"] == t


# --------------------------------------------------------------------------- T2: proposal scores, one check


@pytest.mark.parametrize("scores, shown", [
    ([7.0, 50.0], "score must be a finite number in [0, 1], not 7.0"),
    ([0.5, np.inf], "frame 3: score must be a finite number in [0, 1], not inf"),
    ([0.5, -0.25], "frame 3: score must be a finite number in [0, 1], not -0.25"),
    (["high", "low"], "frame 0: score must be a number in [0, 1], not 'high' (a str)"),
    (["0.5", "0.5"], "frame 0: score must be a number in [0, 1], not '0.5' (a str)"),
    ([True, True], "frame 0: score must be a number in [0, 1], not 'True' (a bool)"),
])
def test_track_proposal_scores_are_range_checked_naming_the_proposal(scores, shown):
    with pytest.raises(ValueError) as exc:
        tracker(proposals=track_proposals(score=pd.Series(scores, dtype=object)))
    assert str(exc.value).startswith("proposals of item 0: track 0, frame ") and shown in str(exc.value)


def test_track_proposal_scores_in_range_or_missing_are_taken():
    w, _ = tracker(proposals=track_proposals(score=[0, 1]))
    assert w.proposals["score"].tolist() == [0.5]
    w, _ = tracker(proposals=track_proposals(score=[np.nan, np.nan]))
    assert w.proposals["score"].tolist() == [None]  # unscored
    inter = track_proposals(frame=[0, 1, 3], x=[0.0, 1.0, 3.0], keyframe=[True, False, True], score=[0.2, np.nan, 0.4])
    w, _ = tracker(proposals=inter)
    assert w.proposals["score"].tolist() == pytest.approx([0.3])  # the mean of its keyframes' scores


@pytest.mark.parametrize("score", [7.0, -3.0, 1.5, float("inf"), "0.5", True])
def test_propagate_detections_refuses_scores_as_the_widgets_do(score):
    with pytest.raises(ValueError, match=r"detection row 1 \(frame 1\): score must be a"):
        propagate_detections(detections([0.5, score, 0.5]))
    with pytest.raises(ValueError) as seg:
        segmenter(proposals=segment_proposal(score=score))
    with pytest.raises(ValueError) as trk:
        tracker(proposals=track_proposals(score=pd.Series([score, 0.5], dtype=object)))
    with pytest.raises(ValueError) as det:
        propagate_detections(detections([score]))
    # one check, one wording: the three differ only in how they name the proposal
    assert len({str(e.value)[str(e.value).index(": score must be"):] for e in (seg, trk, det)}) == 1


def test_propagate_detections_refuses_a_missing_score():
    with pytest.raises(ValueError, match=r"detection row 0 \(frame 0\): score must be a number in \[0, 1\], not missing"):
        propagate_detections(detections([None]))


def test_propagate_detections_takes_scores_in_range():
    assert propagate_detections(detections([0, 1, 0.5]))["score"].tolist() == [0.0, 1.0, 0.5]
    assert propagate_detections(detections([0.5, 0.5]).assign(score=[1, 0]))["score"].tolist() == [1.0, 0.0]


def test_segmenter_refuses_a_str_score():
    with pytest.raises(ValueError, match=r"proposal 0 \(video 0\): score must be a number in \[0, 1\], not '0.5'"):
        segmenter(proposals=segment_proposal(score="0.5"))


# --------------------------------------------------------------------------- T3 / G3: proposal video ids


@pytest.mark.parametrize("video, kind", [(True, "bool"), (1.0, "float"), (np.float64(1.0), "float"), (np.bool_(True), "bool")])
def test_track_proposals_video_true_or_float_is_not_video_1(video, kind):
    with pytest.raises(ValueError, match=rf"proposals, row 0: unknown item id {video!s}: .* this one is a {kind}"):
        tracker(proposals=track_proposals(score=0.5, video=pd.Series([video, video], dtype=object)))
    w, _ = tracker(proposals=track_proposals(video=np.int64(1)))
    assert w.proposals["video"].tolist() == [1] and w.proposals["proposal_id"].iloc[0].startswith("p")


@pytest.mark.parametrize("video, kind", [(True, "bool"), (1.0, "float"), (np.float64(1.0), "float")])
def test_segment_proposals_video_true_or_float_is_not_video_1(video, kind):
    with pytest.raises(ValueError, match=rf"proposal 0: unknown item id {video!s}: .* this one is a {kind}"):
        segmenter(proposals=segment_proposal(video=video))
    with pytest.raises(ValueError, match=r"proposal 0: unknown item id None: .* this one is missing"):
        segmenter(proposals=segment_proposal(video=None))
    props = segmenter(proposals=segment_proposal(video=np.int64(1))).proposals
    assert props["video"].tolist() == [1] and props["proposal_id"].iloc[0].startswith("p")


# --------------------------------------------------------------------------- G1 / G2: threshold, snap_within


@pytest.mark.parametrize("threshold", [50, -3, 1.5, float("nan"), float("inf"), True, "0.5", None])
def test_segmenter_threshold_outside_0_1_is_refused_not_clamped(threshold):
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, 1\], not"):
        segmenter(threshold=threshold)


def test_segmenter_threshold_set_later_is_refused_not_clamped():
    w = segmenter(threshold=np.float64(0.25))
    assert w.threshold == 0.25 and segmenter(threshold=0).threshold == 0.0 and segmenter(threshold=1).threshold == 1.0
    for bad in (75, -0.5, float("nan")):
        with pytest.raises(traitlets.TraitError, match=r"threshold must be a number in \[0, 1\]"):
            w.threshold = bad
    assert w.threshold == 0.25


@pytest.mark.parametrize("snap_within", [2.9, -1, True, "3", None])
@pytest.mark.parametrize("snap_to_shots", [True, False])
def test_segmenter_snap_within_is_checked_at_construction(snap_within, snap_to_shots):
    with pytest.raises(ValueError, match="snap_within must be an int >= 0, not"):
        segmenter(snap_within=snap_within, snap_to_shots=snap_to_shots, proposals=segment_proposal())


def test_segmenter_snap_settings_taken():
    w = segmenter(snap_within=np.int64(2), snap_to_shots=np.bool_(True), proposals=segment_proposal())
    assert w._snap_within == 2 and w.proposals["start_frame"].tolist() == [2]
    with pytest.raises(ValueError, match="snap_to_shots must be True or False, not 'no'"):
        segmenter(snap_to_shots="no")
    with pytest.raises(ValueError, match="within must be an int >= 0, not 2.9"):
        snap_to([1], [2], within=2.9)


# --------------------------------------------------------------------------- motion_proposals' parameters


@pytest.mark.parametrize("kwargs, match", [
    ({"fg_threshold": float("nan")}, r"fg_threshold must be a number in \[0, 255\), not nan"),
    ({"fg_threshold": -5.0}, r"fg_threshold must be a number in \[0, 255\), not -5.0"),
    ({"fg_threshold": 255}, r"fg_threshold must be a number in \[0, 255\), not 255"),
    ({"fg_threshold": "40"}, r"fg_threshold must be a number in \[0, 255\), not '40'"),
    ({"fg_threshold": True}, r"fg_threshold must be a number"),
    ({"min_area": 2.0}, r"min_area must be a number in \[0, 1\], not 2.0"),
    ({"min_area": -1.0}, r"min_area must be a number in \[0, 1\], not -1.0"),
    ({"min_area": float("nan")}, r"min_area must be a number in \[0, 1\], not nan"),
    ({"min_track": -3}, "min_track must be an int >= 1, not -3"),
    ({"min_track": 0}, "min_track must be an int >= 1, not 0"),
    ({"min_track": 2.5}, "min_track must be an int >= 1, not 2.5"),
    ({"min_track": True}, "min_track must be an int >= 1, not True"),
])
def test_motion_proposals_refuses_out_of_range_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        motion_proposals(VideoSource(np.zeros((4, 16, 16, 3), np.uint8)), **kwargs)


def test_motion_proposals_takes_parameters_at_their_bounds():
    src = VideoSource(np.full((6, 16, 16, 3), 200, np.uint8))
    for kwargs in ({"fg_threshold": 0}, {"fg_threshold": np.float32(254.5)}, {"min_area": 0}, {"min_area": 1},
                   {"min_track": np.int64(1)}):
        assert motion_proposals(src, **kwargs).empty  # nothing moves


# --------------------------------------------------------------------------- tracks' own parameters


@pytest.mark.parametrize("iou_threshold", ["0.5", True, float("nan"), 0, 1.5])
def test_propagate_iou_threshold_must_be_a_number_in_0_1(iou_threshold):
    with pytest.raises(ValueError, match=r"iou_threshold must be a number in \(0, 1\], not"):
        propagate_detections(detections([0.5]), iou_threshold=iou_threshold)


def test_validate_tracks_n_frames_must_be_an_int():
    df = pd.DataFrame({"track": 0, "frame": [0, 10], "x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0, "class": "a"})
    with pytest.raises(ValueError, match="n_frames must be a positive int, not 10.5"):
        validate_tracks(df, n_frames=10.5)
    assert len(validate_tracks(df, n_frames=np.int64(11))) == 2


def test_doctests():
    import hitl_widgets.video_analysis as video_analysis

    for module in (segments, video_analysis):
        result = doctest.testmod(module)
        assert result.attempted >= 3 and result.failed == 0, module.__name__
