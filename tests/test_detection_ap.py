"""mean_average_precision against pycocotools' COCOeval (AP at IoU 0.5, all areas, 100 detections)."""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.metrics import average_precision_per_class, mean_average_precision

pytest.importorskip("pycocotools")


def _coco_ap50(preds: list[pd.DataFrame], truths: list[pd.DataFrame], classes: list[str]) -> float:
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    cat = {c: k + 1 for k, c in enumerate(classes)}
    images = [{"id": n + 1, "width": 200, "height": 200} for n in range(len(truths))]
    anns, dets = [], []
    for n, t in enumerate(truths):
        for r in t.itertuples(index=False):
            anns.append({"id": len(anns) + 1, "image_id": n + 1, "category_id": cat[r[4]], "bbox": [r.x, r.y, r.w, r.h],
                         "area": r.w * r.h, "iscrowd": 0})
    for n, p in enumerate(preds):
        for r in p.itertuples(index=False):
            dets.append({"image_id": n + 1, "category_id": cat[r[4]], "bbox": [r.x, r.y, r.w, r.h], "score": r.score})
    gt = COCO()
    gt.dataset = {"images": images, "annotations": anns, "categories": [{"id": v, "name": k} for k, v in cat.items()]}
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
        dt = gt.loadRes(dets) if dets else COCO()
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return float(ev.stats[1])


def _random_case(rng: np.random.Generator, n_images: int, classes: list[str]) -> tuple[list, list]:
    truths, preds = [], []
    for _ in range(n_images):
        k = int(rng.integers(0, 5))
        t = pd.DataFrame({"x": rng.uniform(0, 150, k), "y": rng.uniform(0, 150, k), "w": rng.uniform(5, 50, k),
                          "h": rng.uniform(5, 50, k), "class": rng.choice(classes, k)})
        # predictions: jittered truths (some with the wrong class) and false alarms, distinct scores
        j = t.copy()
        j[["x", "y"]] += rng.normal(0, 4, (k, 2))
        flip = rng.random(k) < 0.2
        j.loc[flip, "class"] = rng.choice(classes, int(flip.sum()))
        m = int(rng.integers(0, 3))
        fa = pd.DataFrame({"x": rng.uniform(0, 150, m), "y": rng.uniform(0, 150, m), "w": rng.uniform(5, 50, m),
                           "h": rng.uniform(5, 50, m), "class": rng.choice(classes, m)})
        p = pd.concat([j, fa], ignore_index=True)
        p["score"] = rng.uniform(0, 1, len(p))
        truths.append(t)
        preds.append(p)
    return preds, truths


@pytest.mark.parametrize("seed", range(6))
def test_equals_pycocotools_on_random_detections(seed):
    classes = ["cat", "dog", "bird"]
    preds, truths = _random_case(np.random.default_rng(seed), 25, classes)
    ours = mean_average_precision(preds, truths)
    assert ours == pytest.approx(_coco_ap50(preds, truths, classes), abs=1e-9)


def test_hand_computed_ap():
    truth = [[(0, 0, 10, 10, "a"), (50, 50, 10, 10, "a")]]
    # the top-scoring prediction is a false alarm, then a hit: precision 1/2 at recall 1/2
    pred = [[(100, 100, 5, 5, "a", 0.9), (0, 0, 10, 10, "a", 0.8)]]
    # recall points 0 .. 0.5 (51 of 101) read precision 0.5, the rest 0
    assert mean_average_precision(pred, truth) == pytest.approx(51 * 0.5 / 101)
    table = average_precision_per_class(pred, truth)
    assert table.to_dict("records") == [{"class": "a", "ap": pytest.approx(51 * 0.5 / 101), "n_truth": 2}]


def test_a_class_without_truth_is_left_out_and_a_missed_class_scores_zero():
    truth = [[(0, 0, 10, 10, "a"), (20, 20, 10, 10, "b")]]
    pred = [[(0, 0, 10, 10, "a", 0.9), (40, 40, 5, 5, "c", 0.5)]]
    assert mean_average_precision(pred, truth) == pytest.approx(0.5)  # a: 1, b: 0, c: no truth


@pytest.mark.parametrize("bad, message", [
    ([[(0, 0, float("nan"), 1, "a", 0.5)]], "image 0"),
    ([[(0, 0, 1, 1, "a", float("nan"))]], "no finite score"),
    ([[(0, 0, 1, 1, "a")]], "must be"),
    ([pd.DataFrame({"x": [0.0]})], "lacks the columns"),
])
def test_bad_predictions_are_refused_naming_the_image(bad, message):
    with pytest.raises(ValueError, match=message):
        mean_average_precision(bad, [[(0, 0, 1, 1, "a")]])


def test_lengths_must_match():
    with pytest.raises(ValueError, match="2 prediction tables for 1"):
        mean_average_precision([[], []], [[(0, 0, 1, 1, "a")]])


def _frame(rows: list[tuple], scored: bool) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["x", "y", "w", "h", "class"] + (["score"] if scored else []))


def test_an_iou_tie_between_two_truths_goes_to_the_later_one_as_in_pycocotools():
    # Both truths overlap the first prediction by 8 x 10 pixels: IoU 80 / 120 = 2/3 with each, a tie.
    # COCOeval.evaluateImg walks the truths in order and keeps a later one of equal IoU
    # (`if ious[dind, gind] < iou: continue`), so the first prediction takes B; the second prediction
    # (IoU 1 with B, 60 / 140 = 0.43 with A) is then a false alarm: precision 1 at recall 1/2, so the
    # 51 recall points 0 .. 0.5 of 101 read 1 and AP = 51 / 101. Taking the first of the tied truths
    # (A) would let the second prediction take B: AP 1.
    a, b = (0, 0, 10, 10, "a"), (4, 0, 10, 10, "a")
    pred = _frame([(2, 0, 10, 10, "a", 0.9), (4, 0, 10, 10, "a", 0.8)], scored=True)
    ours = mean_average_precision([pred], [_frame([a, b], scored=False)])
    assert ours == pytest.approx(51 / 101, abs=1e-12)
    assert ours == pytest.approx(_coco_ap50([pred], [_frame([a, b], scored=False)], ["a"]), abs=1e-12)
    # the truths the other way round: the tie goes to A, B stays free for the second prediction
    swapped = mean_average_precision([pred], [_frame([b, a], scored=False)])
    assert swapped == 1.0 == pytest.approx(_coco_ap50([pred], [_frame([b, a], scored=False)], ["a"]), abs=1e-12)


@pytest.mark.parametrize("truth, pred", [
    (_frame([(0, 0, 10, 10, 1.0), (20, 0, 10, 10, np.nan)], False), _frame([(0, 0, 10, 10, 1.0, 0.9)], True)),  # was mAP 1.0
    (_frame([(0, 0, 10, 10, "cat"), (20, 0, 10, 10, None)], False), _frame([(0, 0, 10, 10, "cat", 0.9)], True)),
    ([(0, 0, 10, 10, 1), (0, 0, 5, 5, None)], []),  # was a TypeError from sorting None with ints
    ([(0, 0, 10, 10, 1), (0, 0, 5, 5, 1)], [(0, 0, 10, 10, 1, 0.9), (0, 0, 5, 5, None, 0.8)]),  # a prediction
])
def test_a_box_without_class_is_refused_naming_the_image_and_box(truth, pred):
    with pytest.raises(ValueError, match=r"image 0: box 1 has no class"):
        mean_average_precision([pred], [truth])
    with pytest.raises(ValueError, match=r"image 'scan_7': box 1 has no class"):
        average_precision_per_class({"scan_7": pred}, {"scan_7": truth})


def test_images_keyed_by_id_are_paired_by_id_not_by_position():
    t_a, t_b = [(0, 0, 10, 10, "cat")], [(50, 50, 10, 10, "cat")]
    p_a, p_b = [(0, 0, 10, 10, "cat", 0.9)], [(50, 50, 10, 10, "cat", 0.8)]
    truths = pd.Series({"img_a": t_a, "img_b": t_b})
    assert mean_average_precision(pd.Series({"img_b": p_b, "img_a": p_a}), truths) == 1.0  # was 0.0, paired by position
    assert mean_average_precision({"img_b": p_b, "img_a": p_a}, {"img_a": t_a, "img_b": t_b}) == 1.0
    assert mean_average_precision({"img_b": p_b, "img_a": p_a}, truths) == 1.0  # a dict and a Series
    assert mean_average_precision({np.int64(3): p_a}, {3: t_a}) == 1.0  # numpy ids are plain ids
    with pytest.raises(ValueError, match=r"no prediction table for the image ids \['img_b'\].*tables for the image ids \['img_c'\]"):
        mean_average_precision({"img_a": p_a, "img_c": p_b}, truths)
    with pytest.raises(ValueError, match=r"no prediction table for the image ids \['1'\].*tables for the image ids \[1\]"):
        mean_average_precision({1: p_a}, {"1": t_a})  # 1 is not "1"
    with pytest.raises(ValueError, match="predictions is keyed by image id but truths is a list"):
        mean_average_precision(pd.Series({"img_a": p_a}), [t_a])
    with pytest.raises(ValueError, match="truths is keyed by image id but predictions is a list"):
        mean_average_precision([p_a, p_b], truths)
    with pytest.raises(ValueError, match="image id 'img_a' appears more than once"):
        mean_average_precision(pd.Series([p_a, p_b], index=["img_a", "img_a"]), truths)
    with pytest.raises(ValueError, match="truths is one DataFrame"):
        mean_average_precision([_frame(p_a, True)], _frame(t_a + t_b, False))


@pytest.mark.parametrize("max_detections", [0, -1, True, 2.0, "3"])
def test_max_detections_must_be_a_positive_int(max_detections):
    truth, pred = [[(0, 0, 10, 10, "a"), (20, 0, 10, 10, "a")]], [[(0, 0, 10, 10, "a", 0.9), (20, 0, 10, 10, "a", 0.8)]]
    assert mean_average_precision(pred, truth, max_detections=np.int64(1)) == pytest.approx(51 / 101)
    with pytest.raises(ValueError, match="max_detections must be an int >= 1"):
        mean_average_precision(pred, truth, max_detections=max_detections)  # -1 was [:-1], one dropped


@pytest.mark.parametrize("truth_class, pred_class, kinds", [
    (1, "1", "number and str"),   # was mAP 0.0: never matched
    ("1", 1, "str and number"),
    (True, 1, "bool and number"),  # was merged: True == 1
    (1, True, "number and bool"),
])
def test_classes_of_different_kinds_are_refused_naming_both(truth_class, pred_class, kinds):
    truth, pred = [[(0, 0, 10, 10, truth_class)]], [[(0, 0, 10, 10, pred_class, 0.9)]]
    with pytest.raises(ValueError, match=rf"classes of different kinds \({kinds}\) never match: truths, image 0, box 0: "
                                         rf"class {truth_class!r}; predictions, image 0, box 0: class {pred_class!r}"):
        mean_average_precision(pred, truth)


def test_classes_mixed_within_the_truths_are_refused_and_numbers_match_by_value():
    with pytest.raises(ValueError, match=r"\(bool and number\).*image 0, box 0: class True; truths, image 1, box 0: class 1"):
        mean_average_precision([[], []], [[(0, 0, 10, 10, True)], [(20, 0, 10, 10, 1)]])
    # 1 of an int column is 1.0 of a float one (numbers compare by value), np.str_ is a str
    ints = _frame([(0, 0, 10, 10, 1), (20, 0, 10, 10, 2)], False)
    floats = _frame([(0, 0, 10, 10, 1.0, 0.9), (20, 0, 10, 10, 2.0, 0.8)], True)
    assert mean_average_precision([floats], [ints]) == 1.0
    assert mean_average_precision([[(0, 0, 1, 1, np.str_("a"), 0.5)]], [[(0, 0, 1, 1, "a")]]) == 1.0
    with pytest.raises(ValueError, match=r"image 0: box 0 has class \['a'\], a list"):
        mean_average_precision([[]], [[(0, 0, 1, 1, ["a"])]])


def test_doctests():
    import doctest

    from hitl_widgets.metrics import detection

    result = doctest.testmod(detection)
    assert result.attempted > 0 and result.failed == 0


def test_tied_scores_across_images_rank_in_image_id_order_whatever_the_dicts_order():
    """One annotator's boxes as predictions all score 1.0: the ranking of tied detections followed the
    truths' key order ({2, 1}: 0.2525, {1, 2}: 0.505); COCOeval visits images in sorted id order."""
    truths = {10: [(0, 0, 10, 10, "cat")], 2: [(0, 0, 10, 10, "cat")]}
    preds = {10: [(50, 50, 10, 10, "cat", 1.0)], 2: [(0, 0, 10, 10, "cat", 1.0)]}  # image 10's is a false positive
    coco = _coco_ap50([_frame(preds[k], True) for k in (2, 10)], [_frame(truths[k], False) for k in (2, 10)], ["cat"])
    assert coco == pytest.approx(0.505, abs=1e-3)  # image 2 before image 10 (as numbers, not as text)
    assert mean_average_precision(preds, truths) == pytest.approx(coco)
    assert mean_average_precision(dict(reversed(list(preds.items()))), dict(sorted(truths.items()))) == pytest.approx(coco)
    assert mean_average_precision(pd.Series(preds), pd.Series(truths)) == pytest.approx(coco)
