"""MOT-challenge text export / import: 1-based frames in the file, the class through a class map,
exact round trips (synthetic_clip's ground truth), and bad lines refused by line number."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import hitl_widgets.io.mot as mot
from hitl_widgets.demo.clips import synthetic_clip
from hitl_widgets.io import from_mot, to_mot
from hitl_widgets.tracks import interpolate, validate_tracks

TRACKS = interpolate(pd.DataFrame({
    "track": [1, 1, 2, 2], "frame": [0, 3, 1, 2], "x": [0.5, 3.5, 10.0, 11.25], "y": [1.0, 1.0, 2.0, 2.0],
    "w": [4.0, 4.0, 5.0, 5.0], "h": [4.0, 4.0, 6.0, 6.0], "class": ["car", "car", "person", "person"],
    "source": ["human", "adjusted", "proposal", "proposal"],
}))


def test_frames_are_one_based_in_the_file_and_lines_sorted_by_frame_then_id():
    text = to_mot(TRACKS, classes=["person", "car"])
    lines = text.splitlines()
    assert lines[0] == "1,1,0.5,1,4,4,1,2,-1,-1"  # frame 0 -> 1; car is class 2 of the list
    assert [tuple(map(int, line.split(",")[:2])) for line in lines] == [(1, 1), (2, 1), (2, 2), (3, 1), (3, 2), (4, 1)]
    assert to_mot(TRACKS).splitlines()[0] == "1,1,0.5,1,4,4,1,-1,-1,-1"  # without classes: x, y, z = -1


def test_round_trip_with_a_class_map():
    classes = {"car": 3, "person": 1}
    back = from_mot(to_mot(TRACKS, classes=classes), classes=classes)
    expected = TRACKS.assign(keyframe=True, source="mot", score=1.0)
    pd.testing.assert_frame_equal(back, expected)


def test_round_trip_synthetic_ground_truth_and_scores(tmp_path):
    clip = synthetic_clip(n_frames=40, size=(96, 64), seed=5)
    gt = validate_tracks(clip.boxes.drop(columns=["time_s", "colour"]), n_frames=40, width=96, height=64)
    gt["score"] = np.linspace(0.1, 1.0, len(gt))
    path = tmp_path / "gt.txt"
    to_mot(gt, path, classes=["circle", "square", "triangle"])
    back = from_mot(path, classes=["circle", "square", "triangle"], n_frames=40, width=96, height=64)
    pd.testing.assert_frame_equal(back, gt.assign(source="mot"))  # floats written exactly (repr)


def test_mot17_ground_truth_lines_and_no_class_map():
    text = "1,1,912,484,97,109,0,7,1\n2,1,912,484,97,109,1,7,0.8\n1,2,1338,418,167,379,1,1,1\n"
    df = from_mot(text)
    assert df[["track", "frame", "x", "class", "score"]].values.tolist() == [
        [1, 0, 912.0, 7, 0.0], [1, 1, 912.0, 7, 1.0], [2, 0, 1338.0, 1, 1.0]]
    named = from_mot(text, classes={"pedestrian": 1, "static_person": 7})
    assert named["class"].tolist() == ["static_person", "static_person", "pedestrian"]
    assert from_mot("1,4,0,0,1,1", default_class="thing")["class"].tolist() == ["thing"]  # six fields: no class


def test_keyframes_only():
    assert len(to_mot(TRACKS, keyframes_only=True).splitlines()) == int(TRACKS["keyframe"].sum())


@pytest.mark.parametrize("text, message", [
    ("1,1,0,0,1", "MOT text line 1: 5 fields"),
    ("1,1,0,0,1,1\n1,1,a,0,1,1", "MOT text line 2: .* not a number"),
    ("0,1,0,0,1,1", "line 1: frame '0' must be a whole number >= 1"),
    ("1.5,1,0,0,1,1", "line 1: frame '1.5' must be a whole number"),
    ("1,1.5,0,0,1,1", "line 1: id '1.5' must be a whole number"),
    ("3,1,0,0,0,1", r"line 1 \(track 1, frame 2\): box .* width and height > 0"),
    ("3,1,0,0,nan,1", r"line 1 \(track 1, frame 2\): box .* finite"),
    ("1,1,0,0,1,1\n\n1,1,2,2,1,1", r"line 3 \(track 1, frame 0\): a second box for this track and frame \(the first is on line 1\)"),
    ("1,1,0,0,1,1,1,1\n2,1,0,0,1,1,1,2", r"line 2 \(track 1, frame 1\): class 2, but line 1 gives this track class 1"),
])
def test_bad_lines_are_named(text, message):
    with pytest.raises(ValueError, match=message):
        from_mot(text)


def test_refusals_with_a_class_map_and_the_video():
    with pytest.raises(ValueError, match=r"line 1 \(track 1, frame 0\): class id '9' is not in classes"):
        from_mot("1,1,0,0,1,1,1,9,-1,-1", classes=["a"])
    with pytest.raises(ValueError, match="MOT text: track 1, row 0: frame 5 is past the video's last frame 4"):
        from_mot("6,1,0,0,1,1", n_frames=5)
    with pytest.raises(ValueError, match="track 1, frame 0: box .* leaves the frame"):
        from_mot("1,1,0,0,10,1", width=5)
    with pytest.raises(ValueError, match="track 'a', frame 0: MOT track ids are ints"):
        to_mot(TRACKS[TRACKS["track"] == 1].assign(track="a"))
    with pytest.raises(ValueError, match="track 2, frame 1: class 'person' is not in classes"):
        to_mot(TRACKS, classes={"car": 1})
    with pytest.raises(ValueError, match="map two classes to one id"):
        to_mot(TRACKS, classes={"car": 1, "person": 1})
    with pytest.raises(ValueError, match="MOT text holds one video and these tracks have 2"):
        to_mot(pd.concat([TRACKS.assign(video="a"), TRACKS.assign(video="b")]))
    assert to_mot(TRACKS.assign(video="a")) == to_mot(TRACKS)  # one video: its column is ignored
    with pytest.raises(ValueError, match="default_class"):
        from_mot("1,1,0,0,1,1", default_class=None)  # type: ignore[arg-type]


def test_a_file_name_names_the_file_in_errors(tmp_path):
    path = tmp_path / "seq.txt"
    path.write_text("1,1,0,0,1,1\nbad\n")
    with pytest.raises(ValueError, match="seq.txt line 2: 1 fields"):
        from_mot(path)
    (tmp_path / "ok.txt").write_text("1,1,0,0,1,1\n")
    assert len(from_mot(str(tmp_path / "ok.txt"))) == 1  # a str path without a comma is a file too


def test_doctests():
    result = doctest.testmod(mot)
    assert result.attempted >= 4 and result.failed == 0


def test_ground_truth_flags_leave_out_the_boxes_to_ignore():
    """A MOT17 gt.txt's 7th column is a flag (0: ignore the box), which came in as a score of 0 and 1,
    with the boxes to ignore as tracks; ground_truth=True reads it as the flag it is."""
    text = "1,1,912,484,97,109,0,7,1\n2,1,912,484,97,109,1,7,0.8\n1,2,1338,418,167,379,1,1,1\n"
    df = from_mot(text, ground_truth=True)
    assert df[["track", "frame", "class"]].values.tolist() == [[1, 1, 7], [2, 0, 1]]
    assert df["score"].isna().all()
    with pytest.raises(ValueError, match=r"line 1 .*a ground-truth flag must be 0 or 1, not '0.7'"):
        from_mot("1,1,0,0,5,5,0.7,1,1\n", ground_truth=True)
    with pytest.raises(ValueError, match="ground_truth must be True or False"):
        from_mot(text, ground_truth=1)
