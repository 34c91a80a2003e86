"""hitl_widgets.tracks with a ``video`` column (TrackAnnotator.tracks, io.from_coco_video): a track is a
(video, track) pair, so each video's track 0 is its own track in validation, interpolation, the
summary, split / merge and the tracker."""
from __future__ import annotations

import pandas as pd
import pytest

from hitl_widgets.tracks import interpolate, merge_tracks, propagate_detections, split_track, tracks_summary, validate_tracks


def two_videos(**cols) -> pd.DataFrame:
    """Track 0 of a.mp4 (frames 0..4) and track 0 of b.mp4 (frames 10..12), far apart."""
    base = {"video": ["a.mp4", "a.mp4", "b.mp4", "b.mp4"], "track": 0, "frame": [0, 4, 10, 12],
            "x": [0.0, 4.0, 500.0, 502.0], "y": 0.0, "w": 10.0, "h": 10.0, "class": "car"}
    base.update(cols)
    return pd.DataFrame(base)


def rows(df: pd.DataFrame, *cols: str) -> list:
    return df[list(cols)].values.tolist()


def test_interpolate_stays_within_each_video_and_copies_the_video():
    out = interpolate(two_videos())
    assert rows(out, "video", "frame", "x") == [
        ["a.mp4", 0, 0.0], ["a.mp4", 1, 1.0], ["a.mp4", 2, 2.0], ["a.mp4", 3, 3.0], ["a.mp4", 4, 4.0],
        ["b.mp4", 10, 500.0], ["b.mp4", 11, 501.0], ["b.mp4", 12, 502.0]]
    assert len(out[out["video"] == "a.mp4"]) == 5  # interpolated rows keep their video
    assert out["keyframe"].tolist() == [True, False, False, False, True, True, False, True]


def test_interpolate_with_video_column_sorts_by_video_then_track():
    df = pd.concat([two_videos(), two_videos(track=1, x=[50.0, 50.0, 60.0, 64.0])], ignore_index=True)
    out = interpolate(df)
    assert rows(out, "video", "track")[:10] == [["a.mp4", 0]] * 5 + [["a.mp4", 1]] * 5
    assert out[(out["video"] == "b.mp4") & (out["track"] == 1)]["x"].tolist() == [60.0, 62.0, 64.0]


def test_tracks_summary_one_row_per_track_of_each_video():
    s = tracks_summary(interpolate(two_videos()))
    assert s.to_dict("records") == [
        {"video": "a.mp4", "track": 0, "class": "car", "first_frame": 0, "last_frame": 4, "n_boxes": 5, "n_keyframes": 2},
        {"video": "b.mp4", "track": 0, "class": "car", "first_frame": 10, "last_frame": 12, "n_boxes": 3, "n_keyframes": 2}]


def test_validate_keys_by_video_and_track():
    v = validate_tracks(two_videos(frame=[0, 4, 0, 4], **{"class": ["car", "car", "bus", "bus"]}))
    assert rows(v, "video", "track", "frame", "class") == [
        ["a.mp4", 0, 0, "car"], ["a.mp4", 0, 4, "car"], ["b.mp4", 0, 0, "bus"], ["b.mp4", 0, 4, "bus"]]
    ints_and_strs = validate_tracks(two_videos(video=[1, 1, "1", "1"], frame=[0, 4, 0, 4]))
    assert rows(ints_and_strs, "video", "frame") == [[1, 0], [1, 4], ["1", 0], ["1", 4]]  # video 1 is not video "1"


@pytest.mark.parametrize("change, message", [
    (dict(frame=[0, 4, 10, 10]), r"track 0 of video 'b.mp4' has two rows for frame 10 \(rows 2 and 3\)"),
    (dict(**{"class": ["car", "bus", "car", "car"]}), "track 0 of video 'a.mp4' has class 'car' at frame 0 and 'bus'"),
    (dict(w=[10.0, 10.0, 0.0, 10.0]), "track 0 of video 'b.mp4', frame 10: box .* w > 0"),
    (dict(video=["a.mp4", None, "b.mp4", "b.mp4"]), "row 1: video is missing"),
    (dict(video=["a.mp4", "a.mp4", 2.5, 2.5]), "row 2: video 2.5 is a float"),
    (dict(keyframe=[True, True, True, False]), "track 0 of video 'b.mp4', frame 12: a track starts and ends on keyframes"),
])
def test_validate_refusals_name_the_video(change, message):
    with pytest.raises(ValueError, match=message):
        validate_tracks(two_videos(**change))


def test_split_and_merge_act_on_one_video():
    full = interpolate(two_videos())
    parts = split_track(full, 0, at_frame=2, video="a.mp4")
    assert rows(parts, "video", "track", "frame") == [
        ["a.mp4", 0, 0], ["a.mp4", 0, 1], ["a.mp4", 1, 2], ["a.mp4", 1, 3], ["a.mp4", 1, 4],
        ["b.mp4", 0, 10], ["b.mp4", 0, 11], ["b.mp4", 0, 12]]  # b.mp4's track 0 untouched
    assert rows(split_track(full, 0, 11, video="b.mp4"), "video", "track")[-2:] == [["b.mp4", 1], ["b.mp4", 1]]
    merged = merge_tracks(parts, keep=0, absorb=1, video="a.mp4")
    assert rows(merged, "video", "track", "frame") == rows(full, "video", "track", "frame")
    one_video = full[full["video"] == "b.mp4"]
    assert set(split_track(one_video, 0, 11)["track"]) == {0, 1}  # one video: video= may be left out


def test_split_new_id_is_new_within_its_video():
    df = pd.concat([two_videos(), two_videos(track=3)[lambda d: d["video"] == "b.mp4"]], ignore_index=True)
    assert set(split_track(df, 0, 2, video="a.mp4").query("video == 'a.mp4'")["track"]) == {0, 1}  # not 4
    assert set(split_track(df, 0, 11, video="b.mp4").query("video == 'b.mp4'")["track"]) == {0, 3, 4}
    with pytest.raises(ValueError, match="track id 3 is already used in video 'b.mp4'"):
        split_track(df, 0, 11, new_id=3, video="b.mp4")
    assert set(split_track(df, 0, 2, new_id=3, video="a.mp4")["track"]) == {0, 3}  # 3 is free in a.mp4


@pytest.mark.parametrize("call, message", [
    (lambda df: split_track(df, 0, 2), r"split track 0: the tracks are from 2 videos \('a.mp4', 'b.mp4'\).* video="),
    (lambda df: merge_tracks(df, 0, 1), r"merge tracks 0 and 1: the tracks are from 2 videos"),
    (lambda df: split_track(df, 0, 2, video="c.mp4"), "split track 0: no video 'c.mp4' in the tracks"),
    (lambda df: split_track(df, 0, 11, video="a.mp4"), "track 0 of video 'a.mp4' spans frames 0..4"),
    (lambda df: merge_tracks(df, 0, 1, video="a.mp4"), "no track 1 of video 'a.mp4' to merge"),
    (lambda df: split_track(df.drop(columns="video"), 0, 2, video="a.mp4"), "the tracks have no video column"),
])
def test_split_merge_refusals_name_the_video(call, message):
    with pytest.raises(ValueError, match=message):
        call(two_videos())


def test_propagate_links_each_video_on_its_own():
    det = pd.DataFrame({"video": ["a", "a", "b", "b"], "frame": [0, 1, 1, 2], "x": [0.0, 1.0, 0.5, 1.5], "y": 0.0,
                        "w": 10.0, "h": 10.0, "class": "car"})
    out = propagate_detections(det)
    assert rows(out, "video", "track", "frame") == [["a", 0, 0], ["a", 0, 1], ["b", 0, 1], ["b", 0, 2]]
    assert list(out.columns)[0] == "video" and list(propagate_detections(det.iloc[:0]).columns)[0] == "video"
    with pytest.raises(ValueError, match=r"video 'b': detection row 0 \(label 2\) \(frame 1\): box .* w > 0"):
        propagate_detections(det.assign(w=[10.0, 10.0, -1.0, 10.0]))


def test_without_a_video_column_nothing_changes():
    df = two_videos().drop(columns="video").assign(track=[0, 0, 1, 1])
    out = interpolate(df)
    assert "video" not in out.columns and rows(out, "track", "frame")[4:6] == [[0, 4], [1, 10]]
    assert "video" not in tracks_summary(out).columns
