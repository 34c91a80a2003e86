"""TemporalSegmenter: every intent (ack, refusal naming item/segment/frame, undo/redo), reload from
the same store file, proposals checked at construction, the segments DataFrame, ActivityNet JSON."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.demo.clips import synthetic_clip
from hitl_widgets.io.activitynet import from_activitynet, to_activitynet
from hitl_widgets.widgets.proposal_ids import content_id
from hitl_widgets.widgets.segmenter import SEGMENT_COLUMNS

CLASSES = ["run", "jump", "spin"]


def videos():
    return [np.zeros((50, 16, 16), np.uint8), np.zeros((20, 16, 16), np.uint8)]


PROPOSALS = pd.DataFrame({"video": [0, 0, 1], "class": ["run", "jump", "spin"], "start_frame": [5, 30, 2],
                          "end_frame": [12, 40, 9], "score": [0.9, 0.4, 0.7]})


def make(store=None, **kw):
    store = store or hw.AnnotationStore(":memory:", annotator="ann")
    sent = []
    w = hw.TemporalSegmenter(videos(), CLASSES, store=store, **kw)
    w.send = lambda msg, buffers=None: sent.append(msg)
    return w, sent


class Client:
    def __init__(self, w, sent):
        self.w, self.sent, self.seq = w, sent, 0

    def __call__(self, kind, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"client": "c", "seq": self.seq, "type": kind, **fields}, [])
        return self.sent[-1]


def test_add_update_delete_with_acks_carrying_the_state():
    w, sent = make()
    c = Client(w, sent)
    r = c("add", item_id=0, segment_id="a", **{"class": "run"}, start_frame=3, end_frame=10)
    assert r["type"] == "ack" and r["segment_id"] == "a" and r["segments"][0]["start"] == 3
    assert c("add", item_id=0, segment_id="b", **{"class": "jump"}, start_frame=4, end_frame=6, parent="a")["type"] == "ack"
    assert c("add", item_id=0, segment_id="c", **{"class": "spin"}, start_frame=5, end_frame=20)["type"] == "ack"  # overlap ok
    r = c("update", item_id=0, segment_id="c", start_frame=8, **{"class": "run"})
    assert r["type"] == "ack" and {s["id"]: (s["start"], s["end"], s["class"]) for s in r["segments"]}["c"] == (8, 20, "run")
    assert c("delete", item_id=0, segment_id="c")["type"] == "ack"
    df = w.segments
    assert list(df.columns) == SEGMENT_COLUMNS
    assert df[["segment_id", "parent", "class", "start_frame", "end_frame", "source"]].values.tolist() == [
        ["a", None, "run", 3, 10, "human"], ["b", "a", "jump", 4, 6, "human"]]
    assert df["start_s"].tolist() == pytest.approx([0.12, 0.16]) and df["end_s"].tolist() == pytest.approx([0.44, 0.28])
    assert (df["annotator"] == "ann").all() and w.n_done == 1


@pytest.mark.parametrize("fields, why", [
    ({"class": "run", "start_frame": 10, "end_frame": 3}, "item 0: end frame 3 is before start frame 10"),
    ({"class": "run", "start_frame": 10, "end_frame": 50}, "item 0: end frame 50 is outside the video (frames 0..49)"),
    ({"class": "run", "start_frame": -1, "end_frame": 5}, "start frame -1 is outside"),
    ({"class": "run", "start_frame": 1.5, "end_frame": 5}, "start frame must be an int"),
    ({"class": "fly", "start_frame": 1, "end_frame": 5}, "class 'fly' is not one of"),
    ({"class": "run", "start_frame": 1, "end_frame": 5, "parent": "zz"}, "parent segment 'zz' does not exist"),
    ({"class": "run", "start_frame": 1, "end_frame": 30, "parent": "a"}, "is not inside its parent 'a' (frames 3..10)"),
    ({"class": "run", "start_frame": 1, "end_frame": 5, "segment_id": "a"}, "segment 'a' already exists"),
    ({"class": "run", "start_frame": 1, "end_frame": 5, "segment_id": "<b>"}, "segment id must be"),
])
def test_bad_adds_are_refused_naming_item_and_frame(fields, why):
    w, sent = make()
    c = Client(w, sent)
    c("add", item_id=0, segment_id="a", **{"class": "run"}, start_frame=3, end_frame=10)
    r = c("add", item_id=0, **fields)
    assert r["type"] == "refused" and why in r["message"], r
    assert len(w.segments) == 1


def test_bad_updates_and_deletes_are_refused():
    w, sent = make()
    c = Client(w, sent)
    c("add", item_id=0, segment_id="a", **{"class": "run"}, start_frame=3, end_frame=10)
    c("add", item_id=0, segment_id="b", **{"class": "jump"}, start_frame=4, end_frame=6, parent="a")
    assert "would no longer contain its child 'b'" in c("update", item_id=0, segment_id="a", end_frame=5)["message"]
    assert "no segment 'x'" in c("update", item_id=0, segment_id="x", end_frame=5)["message"]
    assert "update needs" in c("update", item_id=0, segment_id="a")["message"]
    assert "is not inside its parent 'b'" in c("update", item_id=0, segment_id="a", parent="b")["message"]
    assert "has children" in c("delete", item_id=0, segment_id="a")["message"]
    assert c("add", item_id=9, **{"class": "run"}, start_frame=1, end_frame=2)["type"] == "refused"
    assert "item 1: end frame 25 is outside" in c("add", item_id=1, **{"class": "run"}, start_frame=1, end_frame=25)["message"]
    assert w.segments["segment_id"].tolist() == ["a", "b"]


def test_cycles_are_refused():
    w, sent = make()
    c = Client(w, sent)
    c("add", item_id=0, segment_id="a", **{"class": "run"}, start_frame=3, end_frame=10)
    c("add", item_id=0, segment_id="b", **{"class": "jump"}, start_frame=3, end_frame=10, parent="a")
    r = c("update", item_id=0, segment_id="a", parent="b")
    assert r["type"] == "refused" and "cycle" in r["message"]
    assert "own parent" in c("update", item_id=0, segment_id="a", parent="a")["message"]


def test_undo_redo_per_video():
    w, sent = make()
    c = Client(w, sent)
    c("add", item_id=0, segment_id="a", **{"class": "run"}, start_frame=3, end_frame=10)
    c("update", item_id=0, segment_id="a", end_frame=12)
    r = c("undo", item_id=0)
    assert r["type"] == "ack" and r["undone"] == "update" and r["segments"][0]["end"] == 10
    r = c("redo", item_id=0)
    assert r["type"] == "ack" and r["segments"][0]["end"] == 12
    c("undo", item_id=0)
    c("undo", item_id=0)
    assert w.segments.empty and w.n_done == 0
    assert c("undo", item_id=0)["type"] == "refused"
    c("redo", item_id=0)
    assert w.segments["end_frame"].tolist() == [10]


def test_proposals_accept_adjust_reject_and_threshold():
    w, sent = make(proposals=PROPOSALS, threshold=0.5)
    c = Client(w, sent)
    info = w._item_info(0)
    run, jump = (p["id"] for p in info["proposals"])  # ids from the content (class, frames): the same in every run
    assert [(p["class"], p["start"], p["end"], p["score"]) for p in info["proposals"]] == [("run", 5, 12, 0.9), ("jump", 30, 40, 0.4)]
    assert run == content_id({"class": "run", "start": 5, "end": 12}) != jump
    assert w.threshold == 0.5
    r = c("accept", item_id=0, proposal_id=run, segment_id="x")
    assert r["type"] == "ack" and r["decided"] == {run: "accepted"}
    assert "already accepted" in c("accept", item_id=0, proposal_id=run)["message"]
    spin = w._item_info(1)["proposals"][0]["id"]
    assert c("adjust", item_id=1, proposal_id=spin, start_frame=3, end_frame=8)["type"] == "ack"
    assert "end frame 99 is outside" in c("adjust", item_id=0, proposal_id=jump, start_frame=3, end_frame=99)["message"]
    assert c("reject", item_id=0, proposal_id=jump)["type"] == "ack"
    assert "no proposal 'p7'" in c("reject", item_id=0, proposal_id="p7")["message"]
    df = w.segments
    assert df[["video", "class", "start_frame", "end_frame", "source", "score"]].values.tolist() == [
        [0, "run", 5, 12, "proposal", 0.9], [1, "spin", 3, 8, "proposal", 0.7]]
    assert w.proposals["status"].tolist() == ["accepted", "rejected", "accepted"]
    c("undo", item_id=0)  # the reject
    assert w.proposals["status"].tolist() == ["accepted", "open", "accepted"]
    c("delete", item_id=0, segment_id="x")  # the proposal is open again
    assert w.proposals["status"].tolist()[0] == "open"


@pytest.mark.parametrize("rows, why", [
    ([{"video": 0, "class": "run", "start_frame": 5, "end_frame": 60, "score": 0.5}], "end frame 60 is outside"),
    ([{"video": 0, "class": "run", "start_frame": 5, "end_frame": 4, "score": 0.5}], "before start frame"),
    ([{"video": 0, "class": "run", "start_frame": 5, "end_frame": 6, "score": float("nan")}], "score must be a"),
    ([{"video": 0, "class": "run", "start_frame": 5, "end_frame": 6, "score": 1.5}], "score must be a finite"),
    ([{"video": 0, "class": "run", "start_frame": 5, "end_frame": 6, "score": None}], "score must be a number"),
    ([{"video": 7, "class": "run", "start_frame": 5, "end_frame": 6, "score": 0.1}], "proposal 0: unknown video 7"),
    ([{"video": 0, "class": "fly", "start_frame": 5, "end_frame": 6, "score": 0.1}], "class 'fly'"),
    ([{"video": 0, "class": "run", "start_frame": 5}], "expected a dict with"),
    ("nope", "proposals must be"),
])
def test_proposals_are_checked_at_construction(rows, why):
    with pytest.raises(ValueError) as exc:
        make(proposals=rows)
    assert why in str(exc.value)


def test_reload_from_the_same_store_file(tmp_path):
    url = tmp_path / "s.db"
    w, sent = make(hw.AnnotationStore(url, annotator="ann"), proposals=PROPOSALS)
    c = Client(w, sent)
    c("add", item_id=0, segment_id="a", **{"class": "run"}, start_frame=3, end_frame=10)
    c("add", item_id=0, segment_id="b", **{"class": "jump"}, start_frame=4, end_frame=6, parent="a")
    c("reject", item_id=0, proposal_id=w._item_info(0)["proposals"][1]["id"])
    before = w.segments
    w2, _ = make(hw.AnnotationStore(url, annotator="ann"), proposals=PROPOSALS)
    pd.testing.assert_frame_equal(w2.segments, before)
    assert w2.proposals["status"].tolist() == ["open", "rejected", "open"] and w2.n_done == 1


def test_vfr_times_and_activitynet_round_trip(tmp_path):
    clip = synthetic_clip(tmp_path / "v.mp4", n_frames=30, fps=25, size=(64, 48), vfr=True, seed=3)
    w = hw.TemporalSegmenter([str(clip.path)], CLASSES, store=hw.AnnotationStore(":memory:"))
    w.add_segment(0, "spin", 4, 9)
    sid = w.add_segment(0, "run", 0, 29)
    df = w.segments
    assert df["start_s"].tolist() == pytest.approx([clip.times[0], clip.times[4]], abs=1e-4)
    assert df.loc[df["segment_id"] != sid, "end_s"].item() == pytest.approx(clip.times[10], abs=1e-4)
    js = to_activitynet(w)
    text = json.dumps(js)
    assert set(js["database"]["0"]) >= {"duration", "annotations"} and js["database"]["0"]["hitl_id"] == 0
    back = from_activitynet(json.loads(text))
    pd.testing.assert_frame_equal(back, df)
    path = tmp_path / "a.json"
    path.write_text(text)
    pd.testing.assert_frame_equal(from_activitynet(path), df)


@pytest.mark.parametrize("bad, why", [
    ({"database": {"v": {"annotations": [{"segment": [3, 1], "label": "a"}]}}}, "video 'v' annotation 0"),
    ({"database": {"v": {"annotations": [{"segment": [0, "x"], "label": "a"}]}}}, "segment end"),
    ({"database": {"v": {"annotations": [{"segment": [0, 1], "label": None}]}}}, "'label'"),
    ({"database": {"v": {"annotations": [{"segment": [0, 1], "label": "a", "frames": [5, 2]}]}}}, "'frames'"),
    ({"database": {"v": {"annotations": [{"label": "a"}]}}}, "'segment'"),
    ({"db": {}}, "'database'"),
])
def test_activitynet_import_names_bad_entries(bad, why):
    with pytest.raises(ValueError) as exc:
        from_activitynet(bad)
    assert why in str(exc.value)


def test_frames_and_info_for_the_view():
    w, sent = make()
    info = w._item_info(1)
    assert info["n_frames"] == 20 and len(info["times"]) == 20 and info["segments"] == [] and info["proposals"] == []
    w._dispatch(w, {"type": "frames", "item_id": 1, "frames": [0, 19]}, [])
    assert sent[-1]["type"] == "frames" and [f["index"] for f in sent[-1]["frames"]] == [0, 19]


def test_snap_to_shots_moves_proposal_edges_to_cuts():
    frames = np.zeros((40, 32, 32, 3), np.uint8)
    frames[20:] = 255  # one hard cut at frame 20
    props = [{"video": 0, "class": "run", "start_frame": 18, "end_frame": 30, "score": 0.5},
             {"video": 0, "class": "jump", "start_frame": 2, "end_frame": 21, "score": 0.4}]
    w = hw.TemporalSegmenter([frames], CLASSES, store=hw.AnnotationStore(":memory:"), proposals=props, snap_to_shots=True)
    assert w.shots(0) == [20]
    info = w._item_info(0)
    assert info["shots"] == [20]
    assert [(p["start"], p["end"]) for p in info["proposals"]] == [(20, 30), (2, 19)]


def test_replayed_edits_are_stored_with_their_time():
    import time

    w, sent = make()
    made = time.time() * 1000 - 60_000
    edits = [{"type": "add", "fields": {"item_id": 0, "segment_id": "k", "class": "run", "start_frame": 1, "end_frame": 4},
              "made_at": made},
             {"type": "add", "fields": {"item_id": 0, "class": "run", "start_frame": 9, "end_frame": 4}, "made_at": made + 1}]
    w._dispatch(w, {"type": "replay", "client": "c", "seq": 1, "edits": edits}, [])
    results = sent[-1]["results"]
    assert results[0] == {"ok": True} and results[1]["ok"] is False and "before start frame" in results[1]["message"]
    assert w.segments["segment_id"].tolist() == ["k"]


def test_refusals_never_store_and_sync_answers_the_state():
    w, sent = make()
    c = Client(w, sent)
    n = len(w.store.events("segments"))
    c("add", item_id=0, **{"class": "run"}, start_frame=10, end_frame=3)
    assert len(w.store.events("segments")) == n
    r = c("sync", item_id=0)
    assert r["type"] == "ack" and r["segments"] == [] and r["decided"] == {}
