"""TrackAnnotator (kernel side): keyframes and interpolation, editing an interpolated box makes it a
keyframe, split / merge (refusals from hitl_widgets.tracks), proposals accepted / rejected, undo /
redo, refusals naming item / track / frame, and the tracks surviving a restart through the store."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.demo.clips import synthetic_clip
from hitl_widgets.metrics.temporal import track_iou_per_frame
from hitl_widgets.tracks import TRACK_COLUMNS, propagate_detections

CLASSES = ["car", "person"]


def videos():
    return [np.zeros((30, 48, 64), np.uint8), np.zeros((12, 48, 64), np.uint8)]


def make(store=None, items=None, classes=CLASSES, **kw):
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    sent: list = []
    w = hw.TrackAnnotator(items if items is not None else videos(), classes, store=store, **kw)
    w.send = lambda msg, buffers=None: sent.append(msg)
    return w, sent


class Client:
    def __init__(self, w, sent):
        self.w, self.sent, self.seq = w, sent, 0

    def __call__(self, kind, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"client": "c", "seq": self.seq, "type": kind, **fields}, [])
        return self.sent[-1]


def box(x, y=0.0, w=10.0, h=10.0):
    return {"x": x, "y": y, "w": w, "h": h}


def test_keyframes_interpolate_and_an_edited_interpolated_box_becomes_a_keyframe():
    w, sent = make()
    c = Client(w, sent)
    r = c("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})
    assert r["type"] == "ack" and r["track"] == 0 and r["tracks"][0]["keys"] == [[0, 0.0, 0.0, 10.0, 10.0, "human"]]
    assert c("key", item_id=0, frame=10, track=0, **box(20.0))["type"] == "ack"
    df = w.tracks
    assert list(df.columns) == ["video", *TRACK_COLUMNS]
    assert df["frame"].tolist() == list(range(11)) and df.loc[5, "x"] == 10.0
    assert df["keyframe"].sum() == 2 and df.loc[1:9, "keyframe"].eq(False).all()
    # frame 5 was interpolated (x 10): moving it makes it a keyframe and bends the path
    assert c("key", item_id=0, frame=5, track=0, **box(16.0, 4.0))["type"] == "ack"
    df = w.tracks
    assert df["keyframe"].sum() == 3 and df.loc[5, ["x", "y", "keyframe"]].tolist() == [16.0, 4.0, True]
    assert df.loc[4, "x"] == pytest.approx(12.8) and w.n_done == 1


def test_delete_key_delete_track_set_class():
    w, sent = make()
    c = Client(w, sent)
    c("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})
    c("key", item_id=0, frame=4, track=0, **box(8.0))
    assert c("set_class", item_id=0, track=0, **{"class": "person"})["type"] == "ack"
    assert set(w.tracks["class"]) == {"person"}
    r = c("delete_key", item_id=0, track=0, frame=4)
    assert r["type"] == "ack" and len(w.tracks) == 1
    assert c("delete_key", item_id=0, track=0, frame=0)["type"] == "ack" and w.tracks.empty  # the last one: the track goes
    c("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})
    assert w.tracks["track"].tolist() == [1]  # ids are not reused
    assert c("delete_track", item_id=0, track=1)["type"] == "ack" and w.tracks.empty and w.n_done == 0


def test_split_and_merge_reuse_the_tracks_module():
    w, sent = make()
    c = Client(w, sent)
    c("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})
    c("key", item_id=0, frame=10, track=0, **box(20.0))
    before = w.tracks
    r = c("split", item_id=0, track=0, frame=6)
    assert r["type"] == "ack" and r["track"] == 1
    df = w.tracks
    assert df[df["track"] == 0]["frame"].tolist() == list(range(6)) and df[df["track"] == 1]["frame"].tolist() == list(range(6, 11))
    np.testing.assert_allclose(df[["x", "y", "w", "h"]], before[["x", "y", "w", "h"]])  # boxes unchanged
    c("key", item_id=0, frame=8, **box(40.0), **{"class": "person"})
    r = c("merge", item_id=0, keep=0, absorb=2)
    assert r["type"] == "refused" and "tracks 0 (class 'car') and 2 (class 'person') have different classes" in r["message"]
    r = c("merge", item_id=0, keep=0, absorb=1)
    assert r["type"] == "ack"
    np.testing.assert_allclose(w.tracks[w.tracks["track"] == 0][["x", "y", "w", "h"]], before[["x", "y", "w", "h"]])
    c("key", item_id=0, frame=12, **box(0.0), **{"class": "person"})  # track 3: 12 only
    c("key", item_id=0, frame=20, track=3, **box(0.0))
    r = c("merge", item_id=0, keep=2, absorb=3)
    assert r["type"] == "ack"
    c("key", item_id=0, frame=9, **box(1.0), **{"class": "person"})  # track 4 at 9, overlapping track 2 (8..20)
    r = c("merge", item_id=0, keep=2, absorb=4)
    assert r["type"] == "refused" and "both have boxes on 1 frame(s) (9)" in r["message"] and "item 0" in r["message"]
    assert c("split", item_id=0, track=2, frame=8)["type"] == "refused"


def test_refusals_name_item_track_and_frame():
    w, sent = make()
    c = Client(w, sent)
    cases = [
        (dict(frame=0, **box(0.0), **{"class": "bus"}), "class 'bus' is not one of"),
        (dict(frame=30, **box(0.0), **{"class": "car"}), "item 0: frame 30 is outside the video (frames 0..29)"),
        (dict(frame=1.5, **box(0.0), **{"class": "car"}), "item 0: frame must be an int"),
        (dict(frame=0, **box(0.0, w=0.0), **{"class": "car"}), "item 0 frame 0: the box must have w > 0"),
        (dict(frame=0, **box(60.0), **{"class": "car"}), "item 0 frame 0: box [60.0, 0.0, 10.0, 10.0] leaves the 64 x 48 frame"),
        (dict(frame=0, x="1", y=0, w=1, h=1, **{"class": "car"}), "item 0 frame 0: x must be a finite number"),
        (dict(frame=0, track=7, **box(0.0)), "item 0: no track 7"),
    ]
    for fields, message in cases:
        r = c("key", item_id=0, **fields)
        assert r["type"] == "refused" and message in r["message"], (fields, r)
    assert c("delete_key", item_id=0, track=0, frame=0)["message"] == "item 0: no track 0"
    c("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})
    assert "track 0 has no keyframe at frame 3" in c("delete_key", item_id=0, track=0, frame=3)["message"]
    assert "unknown item id 9" in c("key", item_id=9, frame=0, **box(0.0), **{"class": "car"})["message"]
    assert len(w.tracks) == 1


def test_undo_redo_and_reload_from_the_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'hitl.db'}"
    w, sent = make(hw.AnnotationStore(url, annotator="ann"))
    c = Client(w, sent)
    c("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})
    c("key", item_id=0, frame=10, track=0, **box(20.0))
    r = c("undo", item_id=0)
    assert r["type"] == "ack" and r["undone"] == "key" and len(w.tracks) == 1
    r = c("redo", item_id=0)
    assert r["type"] == "ack" and len(w.tracks) == 11
    c("split", item_id=0, track=0, frame=4)
    expected = w.tracks
    # a new kernel: the same store file, a new widget
    w2, sent2 = make(hw.AnnotationStore(url, annotator="ann"))
    pd.testing.assert_frame_equal(w2.tracks, expected)
    c2 = Client(w2, sent2)
    assert c2("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})["track"] == 2  # ids go on after a restart
    assert c2("undo", item_id=0)["type"] == "ack" and c2("undo", item_id=0)["undone"] == "split"


def test_proposals_from_the_tracker_accepted_adjusted_and_rejected():
    clip = synthetic_clip(n_frames=40, size=(96, 64), seed=1)
    det = clip.boxes[["frame", "x", "y", "w", "h", "class"]].assign(score=0.8)
    props = propagate_detections(det).assign(video=0)
    w, sent = make(items=[clip.frames], proposals=props, classes=["circle", "square", "triangle"])
    c = Client(w, sent)
    p = w.proposals
    n = props["track"].nunique()  # the fast jump of the small triangle breaks its track: 5 proposals
    assert len(p) == n >= 3 and set(p["status"]) == {"open"} and p["score"].tolist() == pytest.approx([0.8] * n)
    info = w._item_info(0)
    assert [len(q["keys"]) for q in info["proposals"]] == p["n_keyframes"].tolist()
    first, second = p["proposal_id"].iloc[0], p["proposal_id"].iloc[1]
    r = c("accept", item_id=0, proposal_id=first)
    assert r["type"] == "ack" and r["track"] == 0
    assert c("accept", item_id=0, proposal_id=first)["message"] == f"item 0: proposal '{first}' was already accepted"
    assert c("reject", item_id=0, proposal_id=second)["type"] == "ack"
    assert w.proposals["status"].tolist() == ["accepted", "rejected"] + ["open"] * (n - 2)
    t = w.tracks
    assert set(t["source"]) == {"proposal"}
    truth = clip.boxes[clip.boxes["class"] == t["class"].iat[0]]
    assert track_iou_per_frame(t, truth).min() > 0.999  # the accepted track is the ground truth
    frame = int(t["frame"].iat[3])
    c("key", item_id=0, frame=frame, track=0, **box(1.0, 1.0, 5.0, 5.0))
    assert w.tracks.set_index("frame").loc[frame, "source"] == "adjusted"


def test_proposals_checked_at_construction():
    bad = pd.DataFrame({"video": [0], "track": [0], "frame": [40], "x": 0.0, "y": 0.0, "w": 1.0, "h": 1.0, "class": "car"})
    with pytest.raises(ValueError, match="proposals of item 0: track 0, row 0: frame 40 is past the video's last frame 29"):
        make(proposals=bad)
    with pytest.raises(ValueError, match="unknown video 5"):
        make(proposals=bad.assign(video=5))
    with pytest.raises(ValueError, match="class 'bus' is not one of"):
        make(proposals=bad.assign(frame=0, **{"class": "bus"}))
    with pytest.raises(ValueError, match="video column"):
        make(proposals=bad.drop(columns="video"))


def test_item_info_carries_frames_times_and_state():
    w, sent = make()
    c = Client(w, sent)
    c("key", item_id=1, frame=2, **box(0.0), **{"class": "person"})
    info = w._item_info(1)
    assert info["n_frames"] == 12 and len(info["times"]) == 12 and info["tracks"][0]["class"] == "person"
    assert info["proposals"] == [] and info["decided"] == {}
    assert w.position == 0  # video 0 still has no track: the first open one


def test_doctests():
    import doctest

    import hitl_widgets.widgets.tracks as module

    result = doctest.testmod(module)
    assert result.attempted >= 3 and result.failed == 0


@pytest.mark.parametrize("kind, fields", [
    ("key", dict(frame="0", **box(0.0), **{"class": "car"})),
    ("key", dict(frame=True, **box(0.0), **{"class": "car"})),
    ("key", dict(frame=0, x=None, y=0, w=1, h=1, **{"class": "car"})),
    ("key", dict(frame=0, x=float("nan"), y=0, w=1, h=1, **{"class": "car"})),
    ("key", dict(frame=0, x=0, y=0, w=float("inf"), h=1, **{"class": "car"})),
    ("key", dict(frame=0, track="0", **box(0.0))),
    ("key", dict(frame=0, track=True, **box(0.0))),
    ("key", dict(frame=0, track=[0], **box(0.0))),
    ("key", dict(frame=0, **box(0.0), **{"class": ["car"]})),
    ("delete_key", dict(track=0.0, frame=0)),
    ("delete_track", dict(track=None)),
    ("set_class", dict(track=0, **{"class": None})),
    ("split", dict(track=0, frame=-1)),
    ("merge", dict(keep=0)),
    ("accept", dict(proposal_id=0)),
    ("reject", dict(proposal_id={"id": "p0"})),
])
def test_forged_fields_are_refused_and_nothing_is_stored(kind, fields):
    w, sent = make()
    c = Client(w, sent)
    c("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})
    before = w.tracks
    n_events = len(w.store.events("tracks"))
    r = c(kind, item_id=0, **fields)
    assert r["type"] == "refused" and r["message"].startswith("item 0"), r
    pd.testing.assert_frame_equal(w.tracks, before)
    assert len(w.store.events("tracks")) == n_events


def test_export_the_widgets_tracks_to_coco_video_and_mot():
    from hitl_widgets.io import from_coco_video, from_mot, to_coco_video, to_mot

    w, sent = make()
    c = Client(w, sent)
    c("key", item_id=0, frame=0, **box(0.0), **{"class": "car"})
    c("key", item_id=0, frame=6, track=0, **box(12.0))
    c("key", item_id=1, frame=2, **box(5.0, 5.0), **{"class": "person"})
    tracks = w.tracks
    back = from_coco_video(to_coco_video(tracks, size=(64, 48), n_frames={0: 30, 1: 12}))
    pd.testing.assert_frame_equal(back, tracks)
    one = tracks[tracks["video"] == 0]
    mot = from_mot(to_mot(one, classes=CLASSES), classes=CLASSES)
    np.testing.assert_allclose(mot[["frame", "x", "y", "w", "h"]], one[["frame", "x", "y", "w", "h"]])


def test_a_box_within_the_rounding_allowed_is_clipped_so_the_exports_take_it():
    """The widget kept a box 0.4 px past the frame's edge (it allows 0.5 px of rounding), which its own
    exports then refused: to_coco_video raised "leaves the frame … clip it first"."""
    from hitl_widgets.io.coco_video import to_coco_video

    w = hw.TrackAnnotator([np.zeros((10, 16, 16), np.uint8)], classes=["car"], store=hw.AnnotationStore(":memory:"))
    t = w.add_keyframe(0, 0, (0, 0, 4, 4), "car")
    w.add_keyframe(0, 6, (12.4, -0.3, 4, 4), track=t)
    row = w.tracks.query("frame == 6").iloc[0]
    assert (row.x, row.y) == (12.4, 0.0) and row.x + row.w == pytest.approx(16.0) and row.h == pytest.approx(3.7)
    boxes = [a["bbox"] for a in to_coco_video(w.tracks, size=(16, 16))["annotations"]]
    assert len(boxes) == 7 and all(b[0] + b[2] <= 16 + 1e-6 for b in boxes)  # keyframes 0 and 6 and the frames between
    with pytest.raises(ValueError, match="leaves the 16 x 16 frame"):
        w.add_keyframe(0, 8, (12.6, 0, 4, 4), track=t)
