"""ActivityNet export and import: one segment check both ways, and videos that would share a key."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from hitl_widgets.io.activitynet import from_activitynet, to_activitynet


def segments(**columns) -> pd.DataFrame:
    base = {"video": ["v"], "class": ["a"], "start_s": [0.0], "end_s": [1.0]}
    return pd.DataFrame(base | columns)


def database(*annotations, **entry) -> dict:
    return {"database": {"v": {"annotations": list(annotations)} | entry}}


@pytest.mark.parametrize("videos, durations, message", [
    ([1, "1"], None, r"video '1' \(a str\) in segments and 1 \(an int\) in segments read alike"),
    ([1], {"1": 4.0}, r"video '1' \(a str\) in durations and 1 \(an int\) in segments read alike"),
    ([1, 1.0], None, "segments row 1: unknown item id 1.0: item ids are ints or strs"),
    ([True], None, "segments row 0: unknown item id True"),
])
def test_videos_that_would_share_a_database_key_are_refused(videos, durations, message):
    df = pd.DataFrame({"video": pd.Series(videos, dtype=object), "class": ["run"] * len(videos),
                       "start_s": [0.0] * len(videos), "end_s": [1.0] * len(videos)})
    with pytest.raises(ValueError, match=message):
        to_activitynet(df, durations=durations)


def test_int_and_str_videos_that_differ_round_trip():
    df = pd.DataFrame({"video": pd.Series([1, "2"], dtype=object), "class": ["run", "jump"],
                       "start_s": [0.0, 1.0], "end_s": [1.0, 2.0]})
    back = from_activitynet(to_activitynet(df))
    assert back["video"].tolist() == [1, "2"] and back["class"].tolist() == ["run", "jump"]


@pytest.mark.parametrize("bad, message", [
    ({"database": {"1": {"hitl_id": 2, "annotations": []}}}, "video '1': hitl_id 2 must be the int its key reads as"),
    ({"database": {"01": {"hitl_id": 1, "annotations": []}}}, "video '01': hitl_id 1"),
    ({"database": {"1": {"hitl_id": True, "annotations": []}}}, "hitl_id True"),
    ({"database": {1: {"annotations": []}}}, r"video key 1 \(int\): database keys must be strs"),
])
def test_import_refuses_keys_that_would_merge_videos(bad, message):
    with pytest.raises(ValueError, match=message):
        from_activitynet(bad)


@pytest.mark.parametrize("df, durations, message", [
    (segments(end_s=[9.0]), {"v": 3}, r"video 'v' row 0: segment \[0.0, 9.0\] ends after the video's duration 3.0 s"),
    (segments(start_s=[math.nan], end_s=[9.0]), None, r"video 'v' row 0: segment start must be a number in \[0, inf\), not nan"),
    (segments(start_s=[5.0]), None, r"video 'v' row 0: segment \[5.0, 1.0\] must have 0 <= start <= end"),
    (segments(start_s=[-1.0]), None, "segment start must be a number in"),
    (segments(end_s=[math.inf]), None, "segment end must be a number in"),
    (segments(**{"class": [math.nan]}), None, "video 'v' row 0: 'label' must be a string or int, not 'nan'"),
    (segments(**{"class": [None]}), None, "'label' must be a string or int, not 'None'"),
    (segments(segment_id=["s1"], start_frame=[2.5], end_frame=[5]), None, r"video 'v' segment 's1' \(row 0\): 'frames'"),
    (segments(start_frame=[3], end_frame=[math.nan]), None, r"'frames' must be \[start_frame, end_frame\] ints"),
    (segments(score=[math.inf]), None, "video 'v' row 0: score must be a number"),
    (segments(), {"v": -1}, r"durations\['v'\] must be a number in \[0, inf\)"),
])
def test_export_checks_each_segment_as_import_does(df, durations, message):
    with pytest.raises(ValueError, match=message):
        to_activitynet(df, durations=durations)


def test_segments_may_end_a_little_past_the_duration():
    ok = from_activitynet(database({"segment": [4.0, 5.05], "label": "run"}, duration=5.0))
    assert ok["end_s"].tolist() == [5.05]
    far = database({"segment": [4.0, 90.0], "label": "run"}, duration=5.0)
    with pytest.raises(ValueError, match=r"video 'v' annotation 0: segment \[4.0, 90.0\] ends after the video's duration 5.0 s"):
        from_activitynet(far)
    assert from_activitynet(far, duration_slack_s=100)["end_s"].tolist() == [90.0]
    with pytest.raises(ValueError, match="video 'v': duration must be a number"):
        from_activitynet(database(duration=-2.0))
    assert to_activitynet(segments(end_s=[3.05]), durations={"v": 3})["database"]["v"]["duration"] == 3.0
    with pytest.raises(ValueError, match="duration_slack_s must be a number"):
        from_activitynet(far, duration_slack_s=math.nan)


def test_frames_and_seconds_must_order_segments_alike_on_import():
    late_frames_early_seconds = database({"segment": [0.0, 1.0], "label": "a", "frames": [100, 200]},
                                         {"segment": [2.0, 3.0], "label": "a", "frames": [0, 50]})
    with pytest.raises(ValueError, match=r"video 'v' annotation 1 ends with frame 50 \(3.0 s\), but video 'v' annotation 0 "
                                         r"starts at frame 100 \(0.0 s\): frames and seconds order the segments differently"):
        from_activitynet(late_frames_early_seconds)


def test_frames_and_seconds_must_order_segments_alike_on_export():
    df = segments(video=["v", "v"], **{"class": ["a", "a"]}, start_s=[0.0, 2.0], end_s=[1.0, 3.0],
                  start_frame=[100, 0], end_frame=[200, 50])
    with pytest.raises(ValueError, match=r"video 'v' row 1 ends with frame 50 \(3.0 s\), but video 'v' row 0 starts at frame 100"):
        to_activitynet(df)


def test_adjacent_segments_and_frames_of_a_column_with_gaps_pass():
    df = segments(video=["v", "v", "v"], **{"class": ["a", "b", "c"]}, start_s=[0.0, 0.4, 1.0], end_s=[0.4, 1.0, 1.2],
                  start_frame=[0.0, 10.0, None], end_frame=[9.0, 24.0, None])
    ann = to_activitynet(df)["database"]["v"]["annotations"]
    assert [a.get("frames") for a in ann] == [[0, 9], [10, 24], None]
    assert from_activitynet(database(*ann))["end_s"].tolist() == [0.4, 1.0, 1.2]
