"""Temporal metrics (metrics.temporal): hand-computed cases (arithmetic in the comments), edge
cases, an independent mAP written here (exact fractions, explicit precision envelope) compared on
random data, frame alpha against the krippendorff package, and every validation error."""

from __future__ import annotations

import doctest
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hitl_widgets.metrics import (
    ACTIVITYNET_TIOU_THRESHOLDS,
    average_precision_at_tiou,
    box_iou,
    frame_alpha,
    match_segments,
    mean_average_precision_tiou,
    segment_agreement_f1,
    temporal_iou,
    track_iou_per_frame,
)
from hitl_widgets.metrics import temporal as tm

krippendorff = pytest.importorskip("krippendorff")


def test_doctests():
    assert doctest.testmod(tm, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_exported_from_metrics():
    import hitl_widgets.metrics as m

    assert set(tm.__all__) <= set(m.__all__)
    assert m.temporal_iou is tm.temporal_iou


# --------------------------------------------------------------------------- temporal IoU


def test_temporal_iou_hand_computed_frames():
    a = [[0, 9], [3, 3], [0, 5]]
    b = [[0, 9], [3, 4], [4, 10], [2, 4]]
    got = temporal_iou(a, b)
    assert got.shape == (3, 4)
    expected = np.array(
        [
            # [0,9] (10 frames): itself 1; [3,4] is 2 of 10; [4,10] shares [4,9] = 6 of 10 + 7 - 6 = 11; [2,4] 3 of 10
            [1.0, 2 / 10, 6 / 11, 3 / 10],
            # [3,3] is one frame: in [0,9] 1/10, in [3,4] 1/2, none of [4,10], in [2,4] 1/3
            [1 / 10, 1 / 2, 0.0, 1 / 3],
            # [0,5] (6 frames): [0,9] 6/10; [3,4] 2/6; [4,10] shares [4,5] = 2 of 6 + 7 - 2 = 11; [2,4] 3/6
            [6 / 10, 2 / 6, 2 / 11, 3 / 6],
        ]
    )
    np.testing.assert_allclose(got, expected)


def test_temporal_iou_edge_cases():
    assert temporal_iou([[5, 5]], [[5, 5]]).tolist() == [[1.0]]  # one frame, identical
    assert temporal_iou([[5, 5]], [[6, 6]]).tolist() == [[0.0]]  # adjacent single frames
    assert temporal_iou([[0, 4]], [[5, 9]]).tolist() == [[0.0]]  # touching inclusive: no shared frame
    assert temporal_iou([[0, 4]], [[4, 9]]).tolist() == [[1 / 10]]  # frame 4 shared, union [0, 9]
    assert temporal_iou([[0, 4]], [[20, 30]]).tolist() == [[0.0]]
    # seconds: [0, 5) and [5, 10) touch; as frames [0, 5] and [5, 10] they would share frame 5
    assert temporal_iou([[0, 5]], [[5, 10]], inclusive_frames=False).tolist() == [[0.0]]
    assert temporal_iou([[0, 5]], [[5, 10]]).tolist() == [[1 / 11]]
    # seconds [0, 5) and [4, 10): overlap 1 s of a 10 s union
    assert temporal_iou([[0.0, 5.0]], [[4.0, 10.0]], inclusive_frames=False).tolist() == [[0.1]]
    assert temporal_iou([[0.25, 0.5]], [[0.25, 0.5]], inclusive_frames=False).tolist() == [[1.0]]
    # zero-length intervals in seconds: 0/0 is 0, not NaN
    assert temporal_iou([[1.0, 1.0]], [[1.0, 1.0]], inclusive_frames=False).tolist() == [[0.0]]
    assert temporal_iou(np.zeros((0, 2)), [[0, 1], [2, 3]]).shape == (0, 2)
    assert temporal_iou([3, 7], [[3, 7]]).tolist() == [[1.0]]  # one segment as a flat pair


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 10)), min_size=1, max_size=6),
       st.lists(st.tuples(st.integers(0, 30), st.integers(0, 10)), min_size=1, max_size=6))
def test_inclusive_frames_equal_seconds_with_end_plus_one(a, b):
    fa = np.array([[s, s + n] for s, n in a])
    fb = np.array([[s, s + n] for s, n in b])
    frames = temporal_iou(fa, fb)
    seconds = temporal_iou(fa + [0, 1], fb + [0, 1], inclusive_frames=False)
    np.testing.assert_allclose(frames, seconds, rtol=0, atol=1e-12)
    # and the exact frame sets' Jaccard index
    for i, (s, e) in enumerate(fa):
        for j, (t, f) in enumerate(fb):
            x, y = set(range(s, e + 1)), set(range(t, f + 1))
            assert frames[i, j] == pytest.approx(len(x & y) / len(x | y), abs=1e-12)
    np.testing.assert_allclose(temporal_iou(fb, fa), frames.T)


# --------------------------------------------------------------------------- matching


def test_match_segments_takes_the_best_free_gt_by_score_order():
    # pred [0,9]: gt 0 = [0,7] has tIoU 8/10, gt 1 = [0,9] has 1.0 -> gt 1, the best, not the first
    m = match_segments([[0, 9]], [[0, 7], [0, 9]], 0.5)
    assert m.gt_index.tolist() == [1] and m.tiou.tolist() == [1.0]
    # scores: pred 1 (0.9) goes first and takes gt 0; pred 0 (0.5) finds it taken
    m = match_segments([[0, 9], [0, 9]], [[0, 9]], 0.5, scores=[0.5, 0.9])
    assert m.gt_index.tolist() == [-1, 0] and m.order.tolist() == [1, 0]
    assert m.tiou.tolist() == [0.0, 1.0]
    # equal scores: the earlier prediction first (stable)
    m = match_segments([[0, 9], [0, 9]], [[0, 9]], 0.5, scores=[0.7, 0.7])
    assert m.gt_index.tolist() == [0, -1]
    # no scores: the order given
    assert match_segments([[0, 9], [0, 9]], [[0, 9]], 0.5).gt_index.tolist() == [0, -1]


def test_match_segments_ties_thresholds_and_greediness():
    # [5,14] against [0,9] and [10,19]: 5 frames of a 15-frame union each -> equal tIoU, lowest gt index
    m = match_segments([[5, 14]], [[0, 9], [10, 19]], 0.3)
    assert m.gt_index.tolist() == [0] and m.tiou[0] == pytest.approx(1 / 3)
    # a tIoU exactly at the threshold matches: [0,19] vs [0,9] = 10/20 = 0.5
    assert match_segments([[0, 19]], [[0, 9]], 0.5).gt_index.tolist() == [0]
    assert match_segments([[0, 19]], [[0, 9]], 0.55).gt_index.tolist() == [-1]
    # exactly 0.55 = 11/20 against the threshold 0.55 (a float just above 11/20): still a match
    assert match_segments([[0, 19]], [[0, 10]], 0.55).gt_index.tolist() == [0]
    # greedy, not maximal: A (0.9) = [0,9] ties [0,7] and [2,9] at 0.8 and takes gt 0 = [0,7];
    # B (0.8) = [0,6] then has [2,9] left: shares [2,6] = 5, union 7 + 8 - 5 = 10 -> 0.5 < 0.6
    m = match_segments([[0, 9], [0, 6]], [[0, 7], [2, 9]], 0.6, scores=[0.9, 0.8])
    assert m.gt_index.tolist() == [0, -1]
    # each gt matched at most once
    m = match_segments([[0, 9]] * 4, [[0, 9], [1, 9]], 0.5)
    assert m.gt_index.tolist() == [0, 1, -1, -1]
    assert match_segments([[0, 9]], np.zeros((0, 2)), 0.5).gt_index.tolist() == [-1]
    assert match_segments(np.zeros((0, 2)), [[0, 9]], 0.5).gt_index.tolist() == []
    # seconds
    m = match_segments([[0.0, 1.0]], [[0.5, 1.5]], 0.3, inclusive_frames=False)  # 0.5 / 1.5
    assert m.gt_index.tolist() == [0] and m.tiou[0] == pytest.approx(1 / 3)


# --------------------------------------------------------------------------- AP / mAP, hand-computed


def hand_tables(seconds: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    gt = pd.DataFrame(
        [("v1", "a", 0, 9), ("v1", "a", 20, 29), ("v2", "a", 0, 9), ("v1", "b", 40, 49)],
        columns=["video", "class", "start_frame", "end_frame"],
    )
    pred = pd.DataFrame(
        [
            ("v1", "a", 0, 9, 0.9),  # rank 1: TP (tIoU 1)
            ("v1", "a", 0, 9, 0.8),  # rank 2: duplicate, its gt taken: FP
            ("v2", "a", 0, 19, 0.7),  # rank 3: tIoU 10/20 = 0.5: TP at 0.5, FP above
            ("v1", "a", 20, 29, 0.6),  # rank 4: TP
            ("v3", "a", 0, 9, 0.5),  # rank 5: a video without ground truth: FP
            ("v1", "b", 0, 9, 1.0),  # class b rank 1: lies on a class-a gt, not on b's: FP
            ("v1", "b", 40, 49, 0.1),  # class b rank 2: TP
            ("v1", "c", 0, 9, 1.0),  # class c has no ground truth: ignored
        ],
        columns=["video", "class", "start_frame", "end_frame", "score"],
    )
    if seconds:  # the same segments in seconds at 10 fps, half-open: [s / 10, (e + 1) / 10)
        for df in (gt, pred):
            df["start_s"] = df.pop("start_frame") / 10
            df["end_s"] = (df.pop("end_frame") + 1) / 10
    return pred, gt


@pytest.mark.parametrize("seconds", [False, True])
def test_average_precision_hand_computed(seconds):
    pred, gt = hand_tables(seconds)
    kw = {"inclusive_frames": not seconds}
    ap = average_precision_at_tiou(pred, gt, 0.5, **kw)
    assert ap.index.tolist() == ["a", "b"]
    # class a at 0.5: hits T F T T F over 3 gt; precision 1, 1/2, 2/3, 3/4, 3/5; envelope at the
    # TPs (ranks 1, 3, 4): 1, max(2/3, 3/4, 3/5) = 3/4, 3/4 -> AP = (1 + 3/4 + 3/4) / 3 = 5/6
    # (without the envelope it would be (1 + 2/3 + 3/4) / 3 = 29/36)
    # class b: hits F T over 1 gt -> precision 1/2 at the TP -> AP 1/2
    assert ap.tolist() == pytest.approx([5 / 6, 1 / 2])
    # class a at 0.6: hits T F F T F: precision 1, 1/2, 1/3, 1/2, 2/5 -> (1 + 1/2) / 3 = 1/2
    assert average_precision_at_tiou(pred, gt, 0.6, **kw).tolist() == pytest.approx([1 / 2, 1 / 2])
    r = mean_average_precision_tiou(pred, gt, **kw)
    assert r.per_class.index.tolist() == ["a", "b"]
    assert list(r.per_class.columns) == list(ACTIVITYNET_TIOU_THRESHOLDS)
    # mAP at 0.5: (5/6 + 1/2) / 2 = 2/3; at 0.55 ... 0.95 rank 3 is an FP: (1/2 + 1/2) / 2 = 1/2
    assert r.per_threshold.tolist() == pytest.approx([2 / 3] + [1 / 2] * 9)
    assert r.mean == pytest.approx((2 / 3 + 9 * 1 / 2) / 10)  # 0.51667


def test_average_precision_edge_cases():
    pred, gt = hand_tables()
    # perfect predictions -> AP 1 at every threshold
    perfect = gt.assign(score=1.0)
    assert mean_average_precision_tiou(perfect, gt).mean == 1.0
    # a class with no predictions -> AP 0 (it still counts in the mean)
    only_a = pred[pred["class"] == "a"]
    assert average_precision_at_tiou(only_a, gt, 0.5).tolist() == pytest.approx([5 / 6, 0.0])
    # no predictions at all
    assert average_precision_at_tiou(pred.iloc[:0], gt, 0.5).tolist() == [0.0, 0.0]
    # equal scores: the earlier row ranks first. gt one segment; an FP then a TP -> 1/2, TP then FP -> 1
    g = pd.DataFrame({"video": ["v"], "class": ["a"], "start_frame": [0], "end_frame": [9]})
    fp_tp = pd.DataFrame({"video": "v", "class": "a", "start_frame": [50, 0], "end_frame": [59, 9], "score": 0.5})
    assert average_precision_at_tiou(fp_tp, g, 0.5).tolist() == [0.5]
    assert average_precision_at_tiou(fp_tp.iloc[::-1], g, 0.5).tolist() == [1.0]
    # a tIoU tie between two gt decides a later match: A = [5,14] (0.9) has 5/15 with [0,9] and with
    # [10,19] and takes [0,9] (the lower index); B = [0,9] (0.8) is then an FP: hits T F -> AP 1/2
    # (had A taken [10,19], B would match [0,9] and AP would be 1)
    g2 = pd.DataFrame({"video": "v", "class": "a", "start_frame": [0, 10], "end_frame": [9, 19]})
    ab = pd.DataFrame({"video": "v", "class": "a", "start_frame": [5, 0], "end_frame": [14, 9], "score": [0.9, 0.8]})
    assert average_precision_at_tiou(ab, g2, 0.3).tolist() == [0.5]
    # custom thresholds keep their order
    r = mean_average_precision_tiou(pred, gt, thresholds=[0.6, 0.5])
    assert r.per_threshold.tolist() == pytest.approx([1 / 2, 2 / 3])


# --------------------------------------------------------------------------- AP / mAP, independent


def ref_tiou(p: tuple, g: tuple, inclusive: bool) -> Fraction:
    one = 1 if inclusive else 0
    (s, e), (t, f) = (Fraction(p[0]), Fraction(p[1])), (Fraction(g[0]), Fraction(g[1]))
    inter = max(Fraction(0), min(e, f) - max(s, t) + one)
    union = (e - s + one) + (f - t + one) - inter
    return inter / union if union > 0 else Fraction(0)


def reference_map(pred: list[tuple], gt: list[tuple], thresholds, inclusive: bool) -> dict:
    """Written apart from the module: rows (video, class, start, end[, score]) in plain Python,
    exact fractions, a gt found by scanning all of the class's gt, and AP as the sum over the
    true positives of the explicit precision envelope max(precision at this rank and below)."""
    out = {}
    for thr in thresholds:
        t = Fraction(str(thr))  # the decimal the user wrote
        for c in sorted({g[1] for g in gt}):
            gts = [g for g in gt if g[1] == c]
            preds = sorted((p for p in pred if p[1] == c), key=lambda p: -p[4])  # stable: ties keep row order
            used: set[int] = set()
            hits = []
            for p in preds:
                best = None
                for gi, g in enumerate(gts):
                    if g[0] != p[0] or gi in used:
                        continue
                    iou = ref_tiou(p[2:4], g[2:4], inclusive)
                    if iou >= t and (best is None or iou > best[0]):
                        best = (iou, gi)
                if best is not None:
                    used.add(best[1])
                hits.append(best is not None)
            precisions = [Fraction(sum(hits[: k + 1]), k + 1) for k in range(len(hits))]
            ap = sum((max(precisions[k:]) for k, hit in enumerate(hits) if hit), Fraction(0)) / len(gts)
            out[(c, thr)] = ap
    return out


segment_rows = st.tuples(
    st.sampled_from(["v1", "v2", "v3"]), st.sampled_from(["a", "b"]), st.integers(0, 12), st.integers(0, 8)
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(segment_rows, min_size=1, max_size=8),
    st.lists(st.tuples(segment_rows, st.sampled_from([0.1, 0.5, 0.9, 0.3])), min_size=0, max_size=12),
    st.booleans(),
)
def test_map_matches_an_independent_implementation(gt_rows, pred_rows, seconds):
    # frames: [s, s + n] inclusive; seconds: [s / 4, (s + n) / 4) (quarters are exact in binary)
    def row(v, c, s, n):
        return (v, c, s, s + n) if not seconds else (v, c, s / 4, (s + n) / 4)

    gt = [row(*r) for r in gt_rows]
    pred = [(*row(*r), score) for r, score in pred_rows]
    cols = ["start_frame", "end_frame"] if not seconds else ["start_s", "end_s"]
    gdf = pd.DataFrame(gt, columns=["video", "class", *cols])
    pdf = pd.DataFrame(pred, columns=["video", "class", *cols, "score"])
    r = mean_average_precision_tiou(pdf, gdf, inclusive_frames=not seconds)
    ref = reference_map(pred, gt, ACTIVITYNET_TIOU_THRESHOLDS, not seconds)
    for (c, thr), ap in ref.items():
        assert r.per_class.loc[c, thr] == pytest.approx(float(ap), abs=1e-12), (c, thr)
    assert r.per_class.shape == (len({g[1] for g in gt}), 10)
    expected_map = [np.mean([float(ref[(c, t)]) for c in r.per_class.index]) for t in ACTIVITYNET_TIOU_THRESHOLDS]
    assert r.per_threshold.tolist() == pytest.approx(expected_map, abs=1e-12)
    assert r.mean == pytest.approx(np.mean(expected_map), abs=1e-12)


def activitynet_interpolated_prec_rec(prec, rec):
    """ActivityNet's Evaluation/utils.py interpolated_prec_rec (VOC 2011), transcribed."""
    mprec = np.hstack([[0], prec, [0]])
    mrec = np.hstack([[0], rec, [1]])
    for i in range(len(mprec) - 1)[::-1]:
        mprec[i] = max(mprec[i], mprec[i + 1])
    idx = np.where(mrec[1::] != mrec[0:-1])[0] + 1
    return np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=30), st.integers(0, 5))
def test_interpolation_is_activitynets(hits, extra_gt):
    tp = np.array(hits)
    n_gt = int(tp.sum()) + extra_gt
    if n_gt == 0:
        n_gt = 1
    ctp = np.cumsum(tp)
    prec = ctp / np.arange(1, tp.size + 1)
    expected = activitynet_interpolated_prec_rec(prec, ctp / n_gt)
    assert tm._interpolated_ap(tp, n_gt) == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- segment agreement


def seg(starts, ends, **cols):
    return pd.DataFrame({"start_frame": starts, "end_frame": ends, **cols})


def test_segment_agreement_hand_computed():
    a = seg([0, 20], [9, 29])
    r = segment_agreement_f1(a, a)
    assert (r.precision, r.recall, r.f1, r.mean_tiou, r.n_matched) == (1.0, 1.0, 1.0, 1.0, 2)
    # b: [2,11] matches [0,9] (8/12), [40,49] matches nothing; 3 segments in b
    b = seg([2, 40, 100], [11, 49, 100])
    r = segment_agreement_f1(a, b)
    assert (r.n_a, r.n_b, r.n_matched) == (2, 3, 1)
    assert (r.precision, r.recall) == pytest.approx((1 / 3, 1 / 2))
    assert r.f1 == pytest.approx(2 * 1 / 5) and r.mean_tiou == pytest.approx(8 / 12)
    assert segment_agreement_f1(a, b, threshold=0.7).n_matched == 0  # 8/12 < 0.7
    # one-to-one and maximal: a1 [0,9] ties [0,7] and [2,9] at 0.8; a2 [0,6]: [0,7] 7/8, [2,9] 5/10.
    # At 0.6 the only full matching is a1-[2,9], a2-[0,7]: 2 matches, mean (0.8 + 0.875) / 2
    r = segment_agreement_f1(seg([0, 0], [9, 6]), seg([0, 2], [7, 9]), threshold=0.6)
    assert r.n_matched == 2 and r.mean_tiou == pytest.approx((0.8 + 0.875) / 2)
    # seconds
    r = segment_agreement_f1(pd.DataFrame({"start_s": [0.0], "end_s": [1.0]}),
                             pd.DataFrame({"start_s": [0.5], "end_s": [1.5]}), threshold=0.3, inclusive_frames=False)
    assert r.n_matched == 1 and r.mean_tiou == pytest.approx(1 / 3)


def test_segment_agreement_classes_videos_and_empty():
    a = seg([0], [9], **{"class": ["run"], "video": ["v1"]})
    b = seg([0], [9], **{"class": ["walk"], "video": ["v1"]})
    assert segment_agreement_f1(a, b).f1 == 1.0  # classes ignored by default
    assert segment_agreement_f1(a, b, same_class=True).f1 == 0.0
    assert segment_agreement_f1(a, a, same_class=True).f1 == 1.0
    assert segment_agreement_f1(a, a.assign(video="v2")).f1 == 0.0  # other video
    empty = seg([], [])
    r = segment_agreement_f1(empty, empty)
    assert (r.precision, r.recall, r.f1, r.mean_tiou) == (1.0, 1.0, 1.0, 1.0)
    r = segment_agreement_f1(seg([0], [9]), empty)
    assert (r.recall, r.f1, r.mean_tiou) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="both have a video column, or neither"):
        segment_agreement_f1(a, seg([0], [9]))
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['class'\]"):
        segment_agreement_f1(seg([0], [9]), seg([0], [9]), same_class=True)


# --------------------------------------------------------------------------- frame alpha


def test_frame_alpha_hand_computed_and_reliability_matrix():
    segs = {
        "ann1": pd.DataFrame({"class": ["a", "b"], "start_frame": [0, 6], "end_frame": [2, 7]}),
        "ann2": pd.DataFrame({"class": ["a", "b"], "start_frame": [0, 5], "end_frame": [2, 7]}),
    }
    # frames 0-2 a/a, 3-4 none/none, 5 none/b, 6-7 b/b, 8-9 none/none: 10 frames, 20 values
    # n_none = 9, n_a = 6, n_b = 5; disagreement only at frame 5 (o_none,b = o_b,none = 1)
    # alpha = 1 - (n - 1) * 2 / (n^2 - sum n_c^2) = 1 - 19 * 2 / (400 - 81 - 36 - 25) = 1 - 38 / 258
    assert frame_alpha(segs, 10) == pytest.approx(1 - 38 / 258)
    matrix = [[1, 1, 1, 0, 0, 0, 2, 2, 0, 0], [1, 1, 1, 0, 0, 2, 2, 2, 0, 0]]
    assert frame_alpha(segs, 10) == pytest.approx(krippendorff.alpha(matrix, level_of_measurement="nominal"))
    # the same as one table with an annotator column
    long = pd.concat([t.assign(annotator=k) for k, t in segs.items()], ignore_index=True)
    assert frame_alpha(long, 10) == pytest.approx(1 - 38 / 258)
    # identical annotators -> 1; a same-class overlap is the union, not a clash
    twice = pd.DataFrame({"class": ["a", "a"], "start_frame": [0, 2], "end_frame": [3, 5]})
    once = pd.DataFrame({"class": ["a"], "start_frame": [0], "end_frame": [5]})
    assert frame_alpha({"x": twice, "y": once}, 8) == 1.0


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 4), st.integers(5, 30), st.data())
def test_frame_alpha_matches_the_krippendorff_package(n_ann, n_frames, data):
    segs, matrix = {}, np.zeros((n_ann, n_frames))
    for k in range(n_ann):
        # non-overlapping segments: cut points, each piece labelled a, b, c or left as none
        cuts = sorted(data.draw(st.sets(st.integers(1, n_frames - 1), max_size=5)))
        bounds = [0, *cuts, n_frames]
        rows = []
        for s, e in zip(bounds[:-1], bounds[1:]):
            label = data.draw(st.sampled_from(["a", "b", "c", None]))
            if label is not None:
                rows.append((label, s, e - 1))
                matrix[k, s:e] = "abc".index(label) + 1
        segs[f"ann{k}"] = pd.DataFrame(rows, columns=["class", "start_frame", "end_frame"])
    if len(np.unique(matrix)) < 2:
        with pytest.raises(ValueError, match="undefined"):
            frame_alpha(segs, n_frames)
        return
    expected = krippendorff.alpha(matrix, level_of_measurement="nominal")
    assert frame_alpha(segs, n_frames) == pytest.approx(expected, abs=1e-9)


def test_frame_alpha_errors():
    a = pd.DataFrame({"class": ["a"], "start_frame": [0], "end_frame": [3]})
    with pytest.raises(ValueError, match="at least two annotators, got 1"):
        frame_alpha({"x": a}, 5)
    with pytest.raises(ValueError, match=r"annotator 'y': segment 0 \(row 0\) \[0, 5\] ends past the last frame 4"):
        frame_alpha({"x": a, "y": a.assign(end_frame=5)}, 5)
    clash = pd.DataFrame({"class": ["a", "b"], "start_frame": [0, 3], "end_frame": [3, 4]}, index=["p", "q"])
    with pytest.raises(ValueError, match=r"annotator 'y': segment 1 \(row 'q'\) \(class 'b'\) and segment 0 \(row 'p'\).*frame 3"):
        frame_alpha({"x": a, "y": clash}, 5)
    with pytest.raises(ValueError, match="n_frames must be a positive int"):
        frame_alpha({"x": a, "y": a}, 0)
    with pytest.raises(ValueError, match="n_frames must be a positive int"):
        frame_alpha({"x": a, "y": a}, 5.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one video at a time, got 2"):
        frame_alpha({"x": a.assign(video="v1"), "y": a.assign(video="v2")}, 5)
    with pytest.raises(ValueError, match="needs an annotator column"):
        frame_alpha(a, 5)
    with pytest.raises(ValueError, match="must be a mapping annotator"):
        frame_alpha([a, a], 5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"annotator 'x': segment 0 \(row 0\) has no class"):
        frame_alpha({"x": a.assign(**{"class": [None]}), "y": a}, 5)


# --------------------------------------------------------------------------- tracks


def box_track(frames, boxes):
    b = np.asarray(boxes, float).reshape(-1, 4)
    return pd.DataFrame({"frame": frames, "x": b[:, 0], "y": b[:, 1], "w": b[:, 2], "h": b[:, 3]})


def test_track_iou_per_frame_hand_computed():
    a = box_track([0, 1, 2], [[0, 0, 4, 4], [0, 0, 4, 4], [0, 0, 2, 2]])
    b = box_track([1, 2, 5], [[2, 0, 4, 4], [0, 0, 2, 2], [0, 0, 1, 1]])
    r = track_iou_per_frame(a, b)
    assert r.index.tolist() == [0, 1, 2, 5] and r.index.name == "frame"
    # frame 0: only a -> 0; frame 1: overlap 2 x 4 = 8, union 16 + 16 - 8 = 24 -> 1/3;
    # frame 2: identical -> 1; frame 5: only b -> 0
    assert r.tolist() == pytest.approx([0.0, 1 / 3, 1.0, 0.0])
    # touching boxes and empty boxes give 0
    r = track_iou_per_frame(box_track([0, 1], [[0, 0, 2, 2], [0, 0, 0, 0]]), box_track([0, 1], [[2, 0, 2, 2], [0, 0, 0, 0]]))
    assert r.tolist() == [0.0, 0.0]
    assert track_iou_per_frame(box_track([], []), box_track([], [])).empty


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 6), st.integers(0, 6)), min_size=1, max_size=10))
def test_track_iou_agrees_with_box_iou(boxes):
    n = len(boxes)
    a = box_track(range(n), boxes)
    b = box_track(range(n), [(x + 1, y, w, h + 1) for x, y, w, h in boxes])
    expected = np.diag(box_iou(a[["x", "y", "w", "h"]].to_numpy(), b[["x", "y", "w", "h"]].to_numpy()))
    np.testing.assert_allclose(track_iou_per_frame(a, b).to_numpy(), expected, atol=1e-12)


def test_track_errors():
    good = box_track([0], [[0, 0, 1, 1]])
    cases = [
        (box_track([0, 0], [[0, 0, 1, 1]] * 2), "frame 0 has 2 boxes"),
        (box_track([0, 1], [[0, 0, 1, 1], [0, 0, -1, 1]]), r"box 1 \(row 1\) has a negative width or height"),
        (box_track([3], [[np.nan, 0, 1, 1]]), r"box 0 \(row 0\) has a NaN or infinite coordinate"),
        (box_track([1.5], [[0, 0, 1, 1]]), "a frame that is not an int >= 0"),
        (box_track([-1], [[0, 0, 1, 1]]), "a frame that is not an int >= 0"),
        (good.drop(columns="h"), r"lacks the column\(s\) \['h'\]"),
        (good.to_numpy(), "must be a pandas DataFrame"),
    ]
    for bad, message in cases:
        with pytest.raises(ValueError, match=message):
            track_iou_per_frame(good, bad)
    with pytest.raises(ValueError, match="track_a: box 0"):
        track_iou_per_frame(box_track([0], [[0, 0, -1, 1]]), good)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "segments, kw, message",
    [
        ([[0, 4], [1, np.nan]], {}, r"a: segment 1 has a NaN or infinite value"),
        ([[0, 4], [1, 3], [0, np.inf]], {}, r"a: segment 2 has a NaN or infinite value"),
        ([[0, 4], [5, 3]], {}, r"a: segment 1 ends before it starts \[5.0, 3.0\]"),
        ([[0.5, 0.25]], {"inclusive_frames": False}, r"a: segment 0 ends before it starts"),
        ([[0, 4], [-2, 3]], {}, r"a: segment 1 is negative"),
        ([[-0.5, 1.0]], {"inclusive_frames": False}, r"a: segment 0 is negative"),
        ([[0, 4], [1.5, 3]], {}, r"a: segment 1 \[1.5, 3.0\] is not whole frames \(seconds\? pass inclusive_frames=False\)"),
        ([[0, 4, 5]], {}, r"a must be \(N, 2\) as \[start, end\], got shape \(1, 3\)"),
        ([0, 1, 2], {}, r"got shape \(3,\)"),
        ([["x", 1]], {}, "a must be numbers"),
    ],
)
def test_segment_validation(segments, kw, message):
    with pytest.raises(ValueError, match=message):
        temporal_iou(segments, [[0, 1]], **kw)
    # the same segment as "b", and through match_segments as "pred"
    with pytest.raises(ValueError, match=message.replace("a", "b", 1) if message.startswith("a") else message):
        temporal_iou([[0, 1]], segments, **kw)


def test_seconds_may_be_fractional_but_frames_may_not():
    assert temporal_iou([[0.5, 1.5]], [[0.5, 1.5]], inclusive_frames=False).tolist() == [[1.0]]
    with pytest.raises(ValueError, match="not whole frames"):
        temporal_iou([[0.5, 1.5]], [[0.5, 1.5]])


def test_match_validation():
    with pytest.raises(ValueError, match=r"scores must have one value per prediction \(2\), got shape \(3,\)"):
        match_segments([[0, 1], [2, 3]], [[0, 1]], 0.5, scores=[1, 2, 3])
    with pytest.raises(ValueError, match="the score of prediction 1 is nan"):
        match_segments([[0, 1], [2, 3]], [[0, 1]], 0.5, scores=[1, np.nan])
    for bad in (0, -0.1, 1.5, np.nan):
        with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\]"):
            match_segments([[0, 1]], [[0, 1]], bad)
    with pytest.raises(ValueError, match="pred: segment 0 ends before it starts"):
        match_segments([[3, 1]], [[0, 1]], 0.5)
    with pytest.raises(ValueError, match="gt: segment 1 is negative"):
        match_segments([[0, 1]], [[0, 1], [-1, 1]], 0.5)


def test_table_validation():
    pred, gt = hand_tables()
    with pytest.raises(ValueError, match=r"pred lacks the column\(s\) \['score'\]"):
        average_precision_at_tiou(pred.drop(columns="score"), gt, 0.5)
    with pytest.raises(ValueError, match=r"gt lacks the column\(s\) \['video'\]"):
        average_precision_at_tiou(pred, gt.drop(columns="video"), 0.5)
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['start_s', 'end_s'\]"):
        average_precision_at_tiou(pred, gt, 0.5, inclusive_frames=False)
    with pytest.raises(ValueError, match="pred must be a pandas DataFrame, not ndarray"):
        average_precision_at_tiou(pred.to_numpy(), gt, 0.5)
    bad = pred.copy()
    bad.loc[3, "score"] = np.nan
    with pytest.raises(ValueError, match=r"pred: segment 3 \(row 3\) has a NaN or infinite score"):
        average_precision_at_tiou(bad, gt, 0.5)
    bad = gt.copy()
    bad.index = ["g0", "g1", "g2", "g3"]
    bad.loc["g2", "end_frame"] = -5
    with pytest.raises(ValueError, match=r"gt: segment 2 \(row 'g2'\) is negative"):
        average_precision_at_tiou(pred, bad, 0.5)
    bad = gt.copy()
    bad.loc[1, "start_frame"] = 40  # end 29
    with pytest.raises(ValueError, match=r"gt: segment 1 \(row 1\) ends before it starts"):
        mean_average_precision_tiou(pred, bad)
    bad = gt.astype({"class": object})
    bad.loc[0, "class"] = None
    with pytest.raises(ValueError, match=r"gt: segment 0 \(row 0\) has no class"):
        average_precision_at_tiou(pred, bad, 0.5)
    with pytest.raises(ValueError, match=r"pred: the score column must hold numbers"):
        average_precision_at_tiou(pred.assign(score="high"), gt, 0.5)
    for thresholds, message in (([], "non-empty 1-D"), ([[0.5]], "non-empty 1-D"), ([0.5, 0], r"thresholds\[1\] must be in")):
        with pytest.raises(ValueError, match=message):
            mean_average_precision_tiou(pred, gt, thresholds=thresholds)
    with pytest.raises(ValueError, match=r"threshold must be in \(0, 1\]"):
        average_precision_at_tiou(pred, gt, 1.01)
    with pytest.raises(ValueError, match="gt has no segments: average precision is undefined"):
        mean_average_precision_tiou(pred, gt.iloc[:0])


def test_videos_and_classes_that_read_alike_are_refused_not_scored_as_misses():
    """Video 1 in gt and "1" in pred never match (it gave AP 0); class True and 1 are not one class
    (they merged): both are refused naming the values. 1 and 1.0 are one value."""
    gt = pd.DataFrame({"video": [1], "class": ["run"], "start_frame": [0], "end_frame": [9]})
    pred = gt.assign(video=["1"], score=[0.9])
    with pytest.raises(ValueError, match=r"video '1' \(a str\) in pred and 1 \(an int\) in gt read alike but never match"):
        average_precision_at_tiou(pred, gt, 0.5)
    with pytest.raises(ValueError, match=r"video '1' \(a str\) in pred"):
        mean_average_precision_tiou(pred, gt)
    assert average_precision_at_tiou(gt.assign(video=[1.0], score=[0.9]), gt, 0.5).tolist() == [1.0]
    two = pd.DataFrame({"video": "v", "class": [True, 1], "start_frame": [0, 20], "end_frame": [9, 29]})
    with pytest.raises(ValueError, match=r"class True \(a bool\) in pred and 1 \(an int\) in pred .*\(a bool is not a number here\)"):
        average_precision_at_tiou(two.assign(score=[0.9, 0.8]), two, 0.5)
    with pytest.raises(ValueError, match=r"class 'True' \(a str\) in pred and True \(a bool\) in gt"):
        average_precision_at_tiou(two.iloc[:1].assign(score=[0.9], **{"class": ["True"]}), two.iloc[:1], 0.5)
    a = pd.DataFrame({"video": [0], "class": [1], "start_frame": [0], "end_frame": [9]})
    with pytest.raises(ValueError, match=r"video '0' \(a str\) in b and 0 \(an int\) in a"):
        segment_agreement_f1(a, a.assign(video=["0"]))
    with pytest.raises(ValueError, match=r"class True \(a bool\) in b and 1 \(an int\) in a"):
        segment_agreement_f1(a, a.assign(**{"class": [True]}), same_class=True)
    assert segment_agreement_f1(a, a.assign(**{"class": [True]})).f1 == 1.0  # classes not compared
    b = a.assign(**{"class": [True]})
    with pytest.raises(ValueError, match=r"class True \(a bool\) in annotator 'y' and 1 \(an int\) in annotator 'x'"):
        frame_alpha({"x": a.drop(columns="video"), "y": b.drop(columns="video")}, 10)
    long = pd.DataFrame({"annotator": [1, True], "class": 1, "start_frame": [0, 0], "end_frame": [9, 9]}, dtype=object)
    with pytest.raises(ValueError, match=r"annotator True \(a bool\) in segments and 1 \(an int\) in segments"):
        frame_alpha(long, 10)
