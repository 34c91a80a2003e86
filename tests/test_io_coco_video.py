"""COCO-video JSON export / import: lossless round trips (ids, keyframes, sources, scores, int and
str classes, several videos), pycocotools loads the export, bad annotations refused by name."""
from __future__ import annotations

import contextlib
import copy
import doctest
import io
import json

import numpy as np
import pandas as pd
import pytest

import hitl_widgets.io.coco_video as coco_video
from hitl_widgets.demo.clips import synthetic_clip
from hitl_widgets.io import from_coco_video, to_coco_video
from hitl_widgets.tracks import interpolate, validate_tracks

TRACKS = interpolate(pd.DataFrame({
    "track": [1, 1, "b", "b"], "frame": [0, 3, 1, 2], "x": [0.5, 3.5, 10.0, 11.25], "y": [1.0, 1.0, 2.0, 2.0],
    "w": [4.0, 4.0, 5.0, 5.0], "h": [4.0, 4.0, 6.0, 6.0], "class": ["car", "car", "person", "person"],
    "source": ["human", "adjusted", "proposal", "proposal"],
}))


def test_round_trip_is_lossless(tmp_path):
    df = TRACKS.assign(score=[np.nan, np.nan, np.nan, 0.25, 0.5, 0.75])
    path = tmp_path / "tracks.json"
    ds = to_coco_video(df, size=(32, 24), n_frames=6, fps=25, path=path)
    back = from_coco_video(path)
    pd.testing.assert_frame_equal(back, df.assign(video="video")[["video", *df.columns]])
    assert [im["frame_id"] for im in ds["images"]] == list(range(6))  # every frame is an image, boxed or not
    assert ds["videos"] == [{"id": 1, "name": "video", "width": 32, "height": 24, "hitl_video": "video", "fps": 25.0}]
    assert {a["track_id"] for a in ds["annotations"]} == {1, 2} and len(ds["tracks"]) == 2


def test_round_trip_int_classes_and_several_videos():
    clip = synthetic_clip(n_frames=30, size=(96, 64), seed=2)
    gt = validate_tracks(clip.boxes.drop(columns=["time_s", "colour"]))
    gt["class"] = gt["class"].map({"circle": 0, "square": 1, "triangle": 2})
    both = pd.concat([gt.assign(video="a"), gt.assign(video=7)], ignore_index=True)
    ds = to_coco_video(both, size={"a": (96, 64), 7: (96, 64)}, n_frames=30)
    assert len(ds["images"]) == 60 and len(ds["tracks"]) == 6 and {a["video_id"] for a in ds["annotations"]} == {1, 2}
    assert ds["categories"][2] == {"id": 3, "name": "2", "supercategory": "", "hitl_class": 2}
    back = json.loads(json.dumps(ds))  # through JSON text
    out = from_coco_video(back)
    for name in ("a", 7):
        part = out[out["video"].map(lambda v, n=name: (type(v), v) == (type(n), n))].drop(columns="video")
        pd.testing.assert_frame_equal(part.reset_index(drop=True), gt)


def test_pycocotools_loads_the_export(tmp_path):
    from pycocotools.coco import COCO

    path = tmp_path / "v.json"
    to_coco_video(TRACKS, size=(32, 24), path=path)
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(path))
    frame2 = [im["id"] for im in coco.dataset["images"] if im["frame_id"] == 2][0]
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[frame2]))
    assert sorted(a["hitl_track"] for a in anns if isinstance(a["hitl_track"], int)) == [1]
    assert coco.loadCats(coco.getCatIds(catNms=["person"]))[0]["id"] == 2


def test_a_plain_coco_video_file_without_hitl_fields():
    ds = {"videos": [{"id": 3, "name": "seq", "width": 10, "height": 10}],
          "images": [{"id": 1, "video_id": 3, "frame_id": 0}, {"id": 2, "video_id": 3, "frame_id": 1}],
          "annotations": [{"id": 1, "image_id": 1, "instance_id": 5, "category_id": 1, "bbox": [0, 0, 2, 2]},
                          {"id": 2, "image_id": 2, "instance_id": 5, "category_id": 1, "bbox": [1, 0, 2, 2]}],
          "categories": [{"id": 1, "name": "dog"}]}
    out = from_coco_video(ds)
    assert out.values.tolist() == [["seq", 5, 0, 0.0, 0.0, 2.0, 2.0, "dog", True, "coco"],
                                   ["seq", 5, 1, 1.0, 0.0, 2.0, 2.0, "dog", True, "coco"]]


def _base() -> dict:
    return to_coco_video(TRACKS, size=(32, 24))


def _bad(change) -> dict:
    ds = copy.deepcopy(_base())
    change(ds)
    return ds


@pytest.mark.parametrize("change, message", [
    (lambda d: d["annotations"][1].update(image_id=99), r"annotation 2 \(annotations\[1\]\): unknown image_id 99"),
    (lambda d: d["annotations"][1].update(category_id=9), r"annotation 2 \(annotations\[1\]\): unknown category_id 9"),
    (lambda d: d["annotations"][1].update(bbox=[0, 0, 1]), r"annotation 2 \(annotations\[1\]\), track 1, frame 1: bbox .* four"),
    (lambda d: d["annotations"][1].update(bbox=[0, 0, 0, 1]), r"annotation 2 .*, track 1, frame 1: bbox \[0, 0, 0, 1\] must have"),
    (lambda d: d["annotations"][1].update(bbox=[0, "1", 1, 1]), r"annotation 2 .* four finite numbers"),
    (lambda d: [d["annotations"][1].pop(k) for k in ("hitl_track", "track_id")], r"annotation 2 .*: no track_id"),
    (lambda d: d["annotations"][1].update(video_id=5), r"annotation 2 .*: video_id 5, but its image 2 is in video 1"),
    (lambda d: d["annotations"][1].update(image_id=1), r"annotation 2 .*, track 1, frame 0: a second box .* \(the first is annotation 1"),
    (lambda d: d["annotations"][1].update(category_id=2), r"annotation 2 .*, track 1, frame 1: class 'person', but annotation 1"),
    (lambda d: d["annotations"][1].update(hitl_keyframe="yes"), r"annotation 2 .*: hitl_keyframe must be true/false"),
    (lambda d: d["annotations"][1].update(score="high"), r"annotation 2 .*: score 'high' is not a number"),
    (lambda d: d["annotations"][0].update(hitl_keyframe=False), r"video 'video': track 1, frame 0: a track starts and ends on keyframes"),
    (lambda d: d["annotations"][1].update(bbox=[30, 0, 4, 4]), r"video 'video': track 1, frame 1: box .* leaves the frame \(width 32\)"),
    (lambda d: d["images"][1].update(frame_id=-1), r"image 2: frame_id -1 is not an int >= 0"),
    (lambda d: d["images"][1].update(video_id=4), r"image 2: unknown video_id 4"),
    (lambda d: d["images"].append(dict(d["images"][0])), r"images\[4\]: id 1 is used twice"),
    (lambda d: d.update(annotations={}), "annotations must be a list"),
])
def test_bad_annotations_are_named(change, message):
    with pytest.raises(ValueError, match=message):
        from_coco_video(_bad(change))


def test_export_refusals():
    with pytest.raises(ValueError, match="video 'video': track 1, row 3: frame 3 is past the video's last frame 2"):
        to_coco_video(TRACKS, size=(32, 24), n_frames=3)
    with pytest.raises(ValueError, match="no size for video 'x'"):
        to_coco_video(TRACKS.assign(video="x"), size={"y": (4, 4)})
    with pytest.raises(ValueError, match=r"track 'b', frame 1: class 'person' is not one of \['car'\]"):
        to_coco_video(TRACKS, size=(32, 24), classes=["car"])
    with pytest.raises(ValueError, match="same name as text"):
        to_coco_video(TRACKS.assign(**{"class": [1, 1, 1, 1, "1", "1"]}), size=(32, 24))


def test_doctests():
    result = doctest.testmod(coco_video)
    assert result.attempted >= 4 and result.failed == 0


def test_two_videos_of_one_name_are_refused_not_read_twice():
    """Boxes are grouped by a video's name: two videos named alike gave every box twice."""
    ext = {"videos": [{"id": 1, "name": "clip", "width": 10, "height": 10}, {"id": 2, "name": "clip", "width": 10, "height": 10}],
           "images": [{"id": 1, "video_id": 1, "frame_id": 0}, {"id": 2, "video_id": 2, "frame_id": 0}],
           "annotations": [{"id": 1, "image_id": 1, "track_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2]},
                           {"id": 2, "image_id": 2, "track_id": 2, "category_id": 1, "bbox": [5, 5, 2, 2]}],
           "categories": [{"id": 1, "name": "x"}]}
    with pytest.raises(ValueError, match=r"videos 1 and 2 are both named 'clip'"):
        from_coco_video(ext)
    ext["videos"][1]["name"] = "clip2"
    assert from_coco_video(ext)["video"].tolist() == ["clip", "clip2"]


def test_two_images_that_are_one_frame_of_a_video_are_refused():
    """Two images with one (video_id, frame_id) were read as one frame, their boxes merged."""
    ext = {"videos": [{"id": 1, "name": "v", "width": 10, "height": 10}],
           "images": [{"id": 10, "video_id": 1, "frame_id": 1, "file_name": "v/1.jpg"},
                      {"id": 11, "video_id": 1, "frame_id": 1, "file_name": "v/2.jpg"}],
           "annotations": [{"id": 1, "image_id": 10, "track_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2]},
                           {"id": 2, "image_id": 11, "track_id": 2, "category_id": 1, "bbox": [5, 5, 2, 2]}],
           "categories": [{"id": 1, "name": "x"}]}
    with pytest.raises(ValueError, match="images 10 and 11 are both frame 1 of video 1"):
        from_coco_video(ext)
    ext["images"][1]["frame_id"] = 2
    assert sorted(from_coco_video(ext)["frame"]) == [1, 2]
