"""hitl_widgets.tracks: validation naming track and frame, interpolation, split / merge, and the greedy
IoU tracker measured against synthetic_clip's exact ground truth."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.demo.clips import synthetic_clip
from hitl_widgets.metrics.temporal import track_iou_per_frame
from hitl_widgets.tracks import (
    TRACK_COLUMNS,
    interpolate,
    merge_tracks,
    propagate_detections,
    split_track,
    tracks_summary,
    validate_tracks,
)


def kf(**cols) -> pd.DataFrame:
    base = {"track": 0, "frame": [0, 10], "x": [0.0, 10.0], "y": 5.0, "w": 4.0, "h": 4.0, "class": "car"}
    base.update(cols)
    return pd.DataFrame(base)


@pytest.fixture(scope="module")
def clip():
    return synthetic_clip(n_frames=80, size=(160, 120), seed=3)


# --------------------------------------------------------------------------- validate_tracks


def test_validate_fills_defaults_sorts_and_keeps_extra_columns():
    df = pd.DataFrame({"track": [1, "b", 1], "frame": [4.0, 0, 0], "x": [1, 2, 3], "y": 0, "w": 1, "h": 1,
                       "class": ["a", "b", "a"], "score": [0.1, 0.2, 0.3]}, index=[7, 8, 9])
    v = validate_tracks(df)
    assert list(v.columns) == TRACK_COLUMNS + ["score"]
    assert v[["track", "frame", "x", "score"]].values.tolist() == [[1, 0, 3.0, 0.3], [1, 4, 1.0, 0.1], ["b", 0, 2.0, 0.2]]
    assert v["frame"].dtype == np.int64 and v["keyframe"].all() and (v["source"] == "human").all()
    assert list(v.index) == [0, 1, 2]


def test_validate_int_and_str_track_ids_stay_apart():
    df = pd.DataFrame({"track": [1, "1"], "frame": [0, 0], "x": 0, "y": 0, "w": 1, "h": 1, "class": ["a", "b"]})
    assert len(validate_tracks(df)) == 2  # track 1 and track "1": two tracks, two classes


def test_validate_empty():
    empty = pd.DataFrame({c: [] for c in TRACK_COLUMNS})
    assert validate_tracks(empty).empty and interpolate(empty).empty


@pytest.mark.parametrize("change, message", [
    (dict(x=[0.0, np.nan]), "track 0, frame 10: box .* NaN or infinite"),
    (dict(w=[4.0, 0.0]), "track 0, frame 10: box .* w > 0 and h > 0"),
    (dict(h=[-1.0, 4.0]), "track 0, frame 0: box .* w > 0 and h > 0"),
    (dict(frame=[0, 2.5]), "track 0, row 1: frame 2.5 is not a whole number"),
    (dict(frame=[-1, 3]), "track 0, row 0: frame -1 is negative"),
    (dict(frame=[0, "3"]), "track 0, row 1: frame '3' is not a number"),
    (dict(frame=[0, 0]), "track 0 has two rows for frame 0"),
    (dict(track=[0, True]), r"row 1: track id True is a bool"),
    (dict(track=[0, None]), r"row 1: track id is missing"),
    (dict(**{"class": ["car", "bus"]}), "track 0 has class 'car' at frame 0 and 'bus' at frame 10"),
    (dict(**{"class": ["car", None]}), "track 0, frame 10: class is missing"),
    (dict(keyframe=[True, False]), "track 0, frame 10: a track starts and ends on keyframes"),
    (dict(keyframe=[True, "yes"]), "track 0, frame 10: keyframe 'yes' is not True or False"),
    (dict(source=["human", 3]), "track 0, frame 10: source 3 is not a str"),
    (dict(y=[5.0, "a"]), "track 0, frame 10: y 'a' is not a number"),
])
def test_validate_refusals_name_track_and_frame(change, message):
    with pytest.raises(ValueError, match=message):
        validate_tracks(kf(**change))


def test_validate_frame_range_and_image_bounds():
    with pytest.raises(ValueError, match="track 0, row 1: frame 10 is past the video's last frame 9"):
        validate_tracks(kf(), n_frames=10)
    with pytest.raises(ValueError, match=r"track 0, frame 10: box \[10.0, 5.0, 4.0, 4.0\] leaves the frame \(width 12\)"):
        validate_tracks(kf(), width=12)
    with pytest.raises(ValueError, match="leaves the frame .height 8"):
        validate_tracks(kf(), height=8)
    assert len(validate_tracks(kf(), n_frames=11, width=14, height=9)) == 2  # touching the edge is inside
    with pytest.raises(ValueError, match="lack the column"):
        validate_tracks(kf().drop(columns="class"))
    with pytest.raises(TypeError):
        validate_tracks([1, 2])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- interpolate


def test_interpolate_linear_between_keyframes():
    df = kf(w=[4.0, 14.0], source=["human", "adjusted"], score=[0.5, 0.7])
    out = interpolate(df)
    assert out["frame"].tolist() == list(range(11))
    np.testing.assert_allclose(out["x"], np.arange(11.0))
    np.testing.assert_allclose(out["w"], 4.0 + np.arange(11.0))
    assert out["keyframe"].tolist() == [True] + [False] * 9 + [True]
    assert out["source"].tolist() == ["human"] * 10 + ["adjusted"]  # the source of the keyframe before
    assert out["score"].iloc[[0, 10]].tolist() == [0.5, 0.7] and out["score"].iloc[1:10].isna().all()
    assert (out["class"] == "car").all()


def test_interpolate_recomputes_stale_rows_and_is_idempotent():
    once = interpolate(kf())
    stale = once.copy()
    stale.loc[3, "x"] = 99.0  # an interpolated row that no longer fits its keyframes
    again = interpolate(stale)
    pd.testing.assert_frame_equal(again, once)
    pd.testing.assert_frame_equal(interpolate(once), once)


def test_interpolate_several_tracks_and_max_gap():
    df = pd.concat([kf(), kf(track="b", frame=[2, 4, 20], x=[0.0, 2.0, 4.0], **{"class": "bus"})], ignore_index=True)
    out = interpolate(df, max_gap=9)
    assert out[out["track"] == 0]["frame"].tolist() == list(range(11))
    # track 0's 9 missing frames filled; track b: 2..4 filled, the 15-frame gap 5..19 left empty (out of view)
    assert out[out["track"] == "b"]["frame"].tolist() == [2, 3, 4, 20]
    with pytest.raises(ValueError, match="max_gap"):
        interpolate(df, max_gap=-1)


def test_interpolate_reproduces_synthetic_linear_motion(clip):
    """The circle moves linearly in x at constant y and size outside its jump: its two ends as
    keyframes reproduce every ground-truth box in between."""
    gt = clip.boxes[clip.boxes["class"] == "circle"]
    jump = clip.segments[(clip.segments["track"] == gt["track"].iat[0]) & (clip.segments["action"] == "jump")].iloc[0]
    linear = gt[gt["frame"] > jump["end_frame"]]
    assert len(linear) >= 5
    keys = linear.iloc[[0, -1]][["track", "frame", "x", "y", "w", "h", "class"]]
    out = interpolate(keys)
    assert out["frame"].tolist() == linear["frame"].tolist()
    np.testing.assert_allclose(out[["x", "y", "w", "h"]].to_numpy(), linear[["x", "y", "w", "h"]].to_numpy(), atol=1e-9)
    assert track_iou_per_frame(out, linear).min() > 0.999999


# --------------------------------------------------------------------------- split / merge


def test_split_then_merge_gives_the_boxes_back():
    full = interpolate(kf())
    parts = split_track(full, 0, at_frame=4)
    assert parts[parts["track"] == 0]["frame"].tolist() == [0, 1, 2, 3]
    assert parts[parts["track"] == 1]["frame"].tolist() == list(range(4, 11))
    assert parts.set_index("frame").loc[[3, 4], "keyframe"].tolist() == [True, True]  # the cut's two sides
    np.testing.assert_allclose(interpolate(parts)[["x", "y", "w", "h"]], full[["x", "y", "w", "h"]])
    merged = merge_tracks(parts, keep=0, absorb=1)
    assert (merged["track"] == 0).all()
    np.testing.assert_allclose(interpolate(merged)[["x", "y", "w", "h"]], full[["x", "y", "w", "h"]])


def test_split_new_id_and_refusals():
    full = interpolate(pd.concat([kf(), kf(track="z", **{"class": "bus"})], ignore_index=True))
    assert set(split_track(full, "z", 5, new_id="z2")["track"]) == {0, "z", "z2"}
    assert set(split_track(full, "z", 5)["track"]) == {0, 1, "z"}  # default: largest int id + 1
    with pytest.raises(ValueError, match="no track 7 to split"):
        split_track(full, 7, 5)
    with pytest.raises(ValueError, match="track 0 spans frames 0..10: split it at a frame after its first"):
        split_track(full, 0, 0)
    with pytest.raises(ValueError, match="spans frames 0..10"):
        split_track(full, 0, 11)
    with pytest.raises(ValueError, match="track id 'z' is already used"):
        split_track(full, 0, 5, new_id="z")


def test_merge_refusals():
    df = pd.DataFrame({"track": [0, 0, 1, 1, 2], "frame": [0, 5, 5, 9, 20], "x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0,
                       "class": ["a", "a", "a", "a", "b"]})
    with pytest.raises(ValueError, match=r"tracks 0 and 1 both have boxes on 1 frame\(s\) \(5\)"):
        merge_tracks(df, 0, 1)
    with pytest.raises(ValueError, match=r"tracks 0 \(class 'a'\) and 2 \(class 'b'\) have different classes"):
        merge_tracks(df, 0, 2)
    with pytest.raises(ValueError, match="no track 4 to merge"):
        merge_tracks(df, 0, 4)
    with pytest.raises(ValueError, match="with itself"):
        merge_tracks(df, 1, 1)
    joined = interpolate(merge_tracks(df[df["track"] != 2].assign(frame=[0, 4, 5, 9]), 1, 0))
    assert joined["frame"].tolist() == list(range(10)) and (joined["track"] == 1).all()


def test_tracks_summary():
    s = tracks_summary(interpolate(kf()))
    assert s.to_dict("records") == [{"track": 0, "class": "car", "first_frame": 0, "last_frame": 10, "n_boxes": 11,
                                     "n_keyframes": 2}]


# --------------------------------------------------------------------------- propagate_detections


def det(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["frame", "x", "y", "w", "h", "class", "score"])


def test_propagate_two_objects_classes_gap_and_min_length():
    rows = []
    for f in range(6):
        if f != 3:  # one missed frame
            rows.append((f, 10.0 + f, 10.0, 20.0, 20.0, "car", 0.9))
        rows.append((f, 12.0 + f, 12.0, 20.0, 20.0, "person", 0.8))  # overlaps the car: another class
    rows.append((2, 100.0, 100.0, 5.0, 5.0, "car", 0.4))  # a one-frame false positive
    d = det(rows)
    out = propagate_detections(d, max_gap=1, min_length=2)
    assert set(out["source"]) == {"proposal"}
    assert tracks_summary(out)[["track", "class", "first_frame", "last_frame", "n_keyframes"]].values.tolist() == [
        [0, "car", 0, 5, 5], [1, "person", 0, 5, 6]]
    gap_row = out[(out["track"] == 0) & (out["frame"] == 3)].iloc[0]
    assert not gap_row["keyframe"] and gap_row["x"] == 13.0 and np.isnan(gap_row["score"])
    # without max_gap the car breaks in two; min_length=1 keeps the false positive
    assert propagate_detections(d)["track"].nunique() == 4
    assert propagate_detections(d, max_gap=1)["track"].nunique() == 3


def test_propagate_greedy_prefers_the_higher_iou():
    d = det([(0, 0.0, 0.0, 10.0, 10.0, "a", 1.0), (0, 6.0, 0.0, 10.0, 10.0, "a", 1.0),
             (1, 5.0, 0.0, 10.0, 10.0, "a", 0.5), (1, 1.0, 0.0, 10.0, 10.0, "a", 0.9)])
    out = propagate_detections(d)
    assert out[out["frame"] == 1].sort_values("track")["x"].tolist() == [1.0, 5.0]


def test_propagate_motion_follows_a_fast_object():
    """10 px boxes, 2 px apart, then moving 6 px a frame: consecutive boxes overlap by IoU 0.25."""
    d = det([(f, x, 0.0, 10.0, 10.0, "a", 1.0) for f, x in enumerate([0.0, 2.0, 8.0, 14.0, 20.0, 26.0, 32.0, 38.0])])
    assert propagate_detections(d)["track"].nunique() == 1  # the velocity of its last detections
    assert propagate_detections(d, motion=False)["track"].nunique() == 7


def test_propagate_refusals():
    with pytest.raises(ValueError, match=r"detection row 1 \(frame 0\): box .* w > 0"):
        propagate_detections(det([(0, 0, 0, 1, 1, "a", 1), (0, 0, 0, 0, 1, "a", 1)]))
    with pytest.raises(ValueError, match="iou_threshold"):
        propagate_detections(det([]), iou_threshold=0)
    with pytest.raises(ValueError, match="min_length"):
        propagate_detections(det([]), min_length=0)
    with pytest.raises(ValueError, match="score nan is not finite|score"):
        propagate_detections(det([(0, 0, 0, 1, 1, "a", np.nan)]))
    assert propagate_detections(det([])).empty


def test_propagate_recovers_synthetic_ground_truth(clip):
    """Ground-truth boxes with 0.5 px noise, 8% of them dropped, and one-frame false positives:
    the tracker finds the three tracks, each with mean per-frame IoU >= 0.85 against its truth."""
    rng = np.random.default_rng(0)
    gt = clip.boxes
    noisy = gt[["frame", "x", "y", "w", "h", "class"]].copy()
    noisy[["x", "y"]] += rng.normal(0, 0.5, size=(len(gt), 2))
    noisy[["w", "h"]] = np.maximum(noisy[["w", "h"]] + rng.normal(0, 0.5, size=(len(gt), 2)), 2.0)
    noisy["score"] = rng.uniform(0.5, 1.0, len(gt))
    keep = rng.uniform(size=len(gt)) > 0.08
    keep[noisy.groupby("class")["frame"].idxmin().to_numpy()] = True
    fp = pd.DataFrame({"frame": rng.integers(0, clip.n_frames, 12), "x": rng.uniform(0, 140, 12),
                       "y": rng.uniform(0, 100, 12), "w": 10.0, "h": 10.0,
                       "class": rng.choice(["circle", "square", "triangle"], 12), "score": 0.3})
    detections = pd.concat([noisy[keep], fp], ignore_index=True).sample(frac=1.0, random_state=1)
    # 0.2: at the end of its jump the triangle falls 5 px a frame, so across a missed frame (and
    # the noise) the predicted box overlaps the next detection by IoU 0.26 only
    out = propagate_detections(detections, iou_threshold=0.2, max_gap=3, min_length=3)
    assert out["track"].nunique() == 3
    for t, truth in gt.groupby("track"):
        found = out[out["class"] == truth["class"].iat[0]]
        assert found["track"].nunique() == 1
        iou = track_iou_per_frame(found, truth)
        assert iou.mean() >= 0.85, (t, iou.describe())
        assert (iou > 0).mean() >= 0.97  # covers (nearly) every frame of the truth


def test_doctests():
    import doctest

    import hitl_widgets.tracks as module

    result = doctest.testmod(module)
    assert result.attempted >= 7 and result.failed == 0
