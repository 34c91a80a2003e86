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
