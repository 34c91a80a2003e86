"""TaskLoop: active learning for boxes and masks (query -> annotate -> retrain), headless."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.active.task_loop import TaskLoop
from hitl_widgets.active.tasks import BoxTask, MaskTask
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.demo.shape_models import NAMED_CLASSES, ShapeDetector, ShapeSegmenter, scene_boxes, scene_masks
from hitl_widgets.store import AnnotationStore
from hitl_widgets.widgets.bbox import BBoxAnnotator
from hitl_widgets.widgets.segmentation import SegmentationCanvas

MASK_CLASSES = ["background", "circle", "square", "triangle"]


@pytest.fixture(scope="module")
def scenes():
    images, scenes = make_scenes(90, seed=3)
    return images, scene_boxes(scenes, by="name"), scene_masks(images, scenes, MASK_CLASSES)


def box_loop(scenes, store=None, **kw):
    images, boxes, _ = scenes
    kw = {"batch_size": 5, "background": False, "progress": False, **kw}
    return TaskLoop(ShapeDetector(NAMED_CLASSES), images[:60], "boxes", NAMED_CLASSES, test=(images[60:], boxes[60:]),
                    store=store or AnnotationStore(":memory:"), **kw)


def test_simulated_boxes_loop_learns_and_stores_the_oracle_boxes(scenes):
    images, boxes, _ = scenes
    loop = box_loop(scenes)
    history = loop.simulate(boxes[:60], budget=20)
    assert history["n_labels"].tolist() == [5, 10, 15, 20]
    assert history["mAP@0.5"].iloc[-1] > history["mAP@0.5"].iloc[0]
    stored = loop.widget.boxes
    assert stored["item"].nunique() == 20
    for item_id, table in loop.annotations.items():  # the store holds exactly the oracle's boxes
        assert table["class"].tolist() == boxes[item_id]["class"].tolist()
        assert np.allclose(table[["x", "y", "w", "h"]].to_numpy(), boxes[item_id][["x", "y", "w", "h"]].to_numpy(), atol=0.01)
    assert not set(loop.batch) & set(loop.annotations)  # the next batch is unlabelled images
    assert loop.panel.metrics == [["mAP@0.5", "mAP@0.5"]]
    assert [r["n_labels"] for r in loop.panel.history] == [5, 10, 15, 20]


def test_a_human_batch_starts_the_round_and_the_model_proposes_the_next(scenes):
    images, boxes, _ = scenes
    loop = box_loop(scenes)
    first = loop.batch
    assert len(first) == 5 and loop.history.empty and "no model yet" in loop.panel.message
    for item_id in first[:-1]:
        loop.widget.set_boxes(item_id, boxes[item_id])
    assert loop.history.empty  # the batch is not finished
    loop.widget.set_boxes(first[-1], boxes[first[-1]])
    assert loop.history["n_labels"].tolist() == [5]
    second = loop.batch
    assert not set(second) & set(first)
    proposed = loop.widget.proposals
    assert set(proposed["item"]) <= set(second) and len(proposed)  # the model's boxes wait as proposals
    assert proposed["score"].between(0, 1).all()


def test_default_scores_pick_the_most_uncertain_images(scenes):
    loop = box_loop(scenes)
    loop.simulate(scenes[1][:60], budget=10)
    done = loop.annotations
    open_ids = [i for i in loop.items.ids if i not in done]
    preds = loop.task.predict(loop.model, loop._inputs(open_ids))
    scores = loop.task.score(preds, "default")
    top = {open_ids[i] for i in np.argsort(-scores, kind="stable")[:5]}
    assert set(loop.batch) == top


def _iou(a, b):
    """IoU of two (x, y, w, h) boxes."""
    w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return w * h / (a[2] * a[3] + b[2] * b[3] - w * h)


def _instability(a, b):
    """1 − the mean best IoU of each box of ``a`` with the boxes ``b`` (0 when both are empty, 1 when one is)."""
    if len(a) == 0 and len(b) == 0:
        return 0.0
    if len(a) == 0 or len(b) == 0:
        return 1.0
    return 1.0 - np.mean([max(_iou(box, other) for other in b) for box in a])


@pytest.mark.parametrize("strategy", ["mean", "stability"])
def test_mean_and_stability_pick_the_images_their_definitions_rank_first(scenes, strategy):
    """mean: per-box class entropy averaged over the image; stability: 1 − the mean best IoU of each
    box with the boxes predicted on the left–right mirror image, mapped back. Computed here from the
    model's own predictions."""
    images = scenes[0]
    loop = box_loop(scenes, strategy=strategy)
    assert loop.task.flip is (strategy == "stability")
    loop.simulate(scenes[1][:60], budget=10)
    open_ids = [i for i in loop.items.ids if i not in loop.annotations]
    tables = loop.model.predict([images[i] for i in open_ids])
    if strategy == "mean":
        def entropy(p):
            p = np.asarray(p, float)
            return float(-(p[p > 0] * np.log(p[p > 0])).sum())
        score = np.array([np.mean([entropy(p) for p in t["probs"]]) if len(t) else 0.0 for t in tables])
    else:
        mirrored = loop.model.predict([np.ascontiguousarray(images[i][:, ::-1]) for i in open_ids])
        score = []
        for i, t, m in zip(open_ids, tables, mirrored):
            width = images[i].shape[1]
            b = [(width - x - w, y, w, h) for x, y, w, h in m[["x", "y", "w", "h"]].to_numpy(float)]
            score.append(_instability(t[["x", "y", "w", "h"]].to_numpy(float), b))
        score = np.array(score)
    top = {open_ids[i] for i in np.argsort(-score, kind="stable")[:5]}
    assert set(loop.batch) == top
    assert box_loop(scenes, strategy="stability").simulate(scenes[1][:60], budget=15)["n_labels"].tolist() == [5, 10, 15]


def test_resume_from_the_store_after_a_restart(scenes):
    store = AnnotationStore(":memory:")
    loop = box_loop(scenes, store=store)
    loop.simulate(scenes[1][:60], budget=10)
    again = box_loop(scenes, store=store)
    assert again.resumed_from == 10
    assert again.history["n_labels"].tolist() == [10]
    assert not set(again.batch) & set(again.annotations)
    with pytest.raises(ValueError, match="would mix oracle annotations with 10"):
        again.simulate(scenes[1][:60], budget=20)


def test_a_bad_oracle_answer_stores_nothing_of_its_batch(scenes):
    images, boxes, _ = scenes
    loop = box_loop(scenes)
    bad = list(boxes[:60])
    victim = loop.batch[2]
    bad[victim] = pd.DataFrame({"x": [1.0], "y": [1.0], "w": [5.0], "h": [5.0], "class": ["purple hexagon"]})
    with pytest.raises(ValueError, match=rf"oracle, image {victim}: class 'purple hexagon'"):
        loop.simulate(bad, budget=10)
    assert loop.annotations == {}
    outside = list(boxes[:60])
    victim = loop.batch[3]
    outside[victim] = pd.DataFrame({"x": [500.0], "y": [500.0], "w": [5.0], "h": [5.0], "class": [NAMED_CLASSES[0]]})
    with pytest.raises(ValueError, match=rf"item {victim}: .*outside"):
        loop.simulate(outside, budget=10)
    assert loop.annotations == {}  # the three stored before it were undone
    with pytest.raises(ValueError, match="oracle has 3 annotations for a pool of 60"):
        loop.simulate(boxes[:3], budget=10)


def test_an_empty_oracle_answer_is_refused_not_asked_for_forever(scenes):
    """An empty box table or an all-unlabelled mask is stored but is no annotation: the loop would
    ask for the image again and again. The batch is undone and the image named; a good oracle then runs."""
    images, boxes, masks = scenes
    loop = box_loop(scenes)
    empty = list(boxes[:60])
    victim = loop.batch[3]
    empty[victim] = pd.DataFrame(columns=["x", "y", "w", "h", "class"])
    with pytest.raises(ValueError, match=rf"oracle, image {victim}: its annotation is empty .*1 such in this batch"):
        loop.simulate(empty, budget=10)
    assert loop.annotations == {} and loop.history.empty
    assert loop.simulate(boxes[:60], budget=10)["n_labels"].tolist() == [5, 10]
    mask_loop = TaskLoop(ShapeSegmenter(MASK_CLASSES), images[:60], "masks", MASK_CLASSES, batch_size=4,
                         store=AnnotationStore(":memory:"), background=False, progress=False)
    blank = list(masks[:60])
    victim = mask_loop.batch[0]
    blank[victim] = np.zeros_like(masks[victim])
    with pytest.raises(ValueError, match=rf"oracle, image {victim}: its annotation is empty"):
        mask_loop.simulate(blank, budget=4)
    assert mask_loop.annotations == {}


@pytest.mark.parametrize("where", ["oracle", "propose", "queue"])
def test_an_interrupted_batch_leaves_no_row_no_draw_and_no_batch_behind(scenes, where):
    """Interrupted while the oracle answers, or in the round its batch started (after the refit and
    the history row; "queue": after the next batch's proposals too): the store, the curve, the batch
    on screen, its proposals, the panel's message and the random draws are as before it, and simulate
    continues as an uninterrupted run."""
    images, boxes, _ = scenes
    reference = box_loop(scenes, strategy="random", seed=4)
    reference.simulate(boxes[:60], budget=20)
    loop = box_loop(scenes, strategy="random", seed=4)
    loop.simulate(boxes[:60], budget=10)
    before = (dict(loop.annotations).keys(), loop.history["n_labels"].tolist(), loop.batch, list(loop.panel.history),
              loop.panel.message, {i: loop.widget._proposals.get(i) for i in loop.batch})

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    if where == "oracle":
        oracle = lambda i: interrupt() if i == loop.batch[2] else boxes[i]  # noqa: E731
    else:
        oracle = boxes[:60]
        setattr(loop.task if where == "propose" else loop.widget, "propose" if where == "propose" else "set_queue", interrupt)
    with pytest.raises(KeyboardInterrupt):
        loop.simulate(oracle, budget=20)
    assert before[-1] and all(before[-1].values()), "the batch on screen has the model's proposals"
    assert (dict(loop.annotations).keys(), loop.history["n_labels"].tolist(), loop.batch, list(loop.panel.history),
            loop.panel.message, {i: loop.widget._proposals.get(i) for i in loop.batch}) == before
    if where == "propose":
        del loop.task.propose
    elif where == "queue":
        del loop.widget.set_queue
    history = loop.simulate(boxes[:60], budget=20)
    assert history["n_labels"].tolist() == reference.history["n_labels"].tolist() == [5, 10, 15, 20]
    np.testing.assert_allclose(history["mAP@0.5"], reference.history["mAP@0.5"])
    assert set(loop.annotations) == set(reference.annotations)


def test_an_empty_pool_is_refused_by_name():
    from sklearn.linear_model import LogisticRegression

    from hitl_widgets.active.loop import ActiveLearningLoop

    for images in (np.zeros((0, 64, 64, 3), np.uint8), []):
        with pytest.raises(ValueError, match="the pool is empty: nothing to query"):
            TaskLoop(ShapeDetector(NAMED_CLASSES), images, "boxes", NAMED_CLASSES, background=False, progress=False)
    for items in (None, np.zeros((0, 8, 8))):
        with pytest.raises(ValueError, match="the pool is empty: nothing to query"):
            ActiveLearningLoop(LogisticRegression(), np.zeros((0, 4)), items=items, classes=[0, 1], background=False)


def test_random_strategy_and_a_callable_strategy(scenes):
    a = box_loop(scenes, strategy="random", seed=5)
    b = box_loop(scenes, strategy="random", seed=5)
    assert a.batch == b.batch
    a.simulate(scenes[1][:60], budget=10)
    b.simulate(scenes[1][:60], budget=10)
    assert a.batch == b.batch
    last = box_loop(scenes, strategy=lambda preds: -np.arange(len(preds), dtype=float))
    last.simulate(scenes[1][:60], budget=5)
    open_ids = [i for i in last.items.ids if i not in last.annotations]
    assert last.batch == open_ids[:5]  # the callable's highest scores: the first open images
    with pytest.raises(ValueError, match="strategy for boxes must be one of"):
        box_loop(scenes, strategy="margin")


def test_a_model_that_breaks_its_contract_fails_the_round_clearly(scenes):
    class Short(ShapeDetector):
        def predict(self, images):
            return super().predict(images)[:-1]

    images, boxes, _ = scenes
    loop = TaskLoop(Short(NAMED_CLASSES), images[:30], "boxes", NAMED_CLASSES, batch_size=5, background=False,
                    progress=False, store=AnnotationStore(":memory:"))
    with pytest.raises(RuntimeError, match="box tables for"):
        loop.simulate(boxes[:30], budget=10)
    assert loop.panel.state == "error" and "retrain failed" in loop.panel.message
    assert len(loop.annotations) == 5  # the annotations are safe in the store


def test_simulated_masks_loop(scenes):
    images, _, masks = scenes
    loop = TaskLoop(ShapeSegmenter(MASK_CLASSES), images[:60], "masks", MASK_CLASSES, batch_size=4,
                    test=(images[60:], masks[60:]), store=AnnotationStore(":memory:"), background=False, progress=False)
    history = loop.simulate(masks[:60], budget=8)
    assert history["n_labels"].tolist() == [4, 8]
    assert history["mIoU"].iloc[-1] > 0.5
    assert set(loop.widget.masks) == set(loop.annotations)
    assert all(len(loop.widget._proposals.get(i, [])) for i in loop.batch)
    with pytest.raises(ValueError, match="labels must be in 0 .. 4"):
        loop.simulate([np.full((64, 64), 9)] * 60, budget=12)


@pytest.mark.parametrize("strategy", ["default", "entropy", "boundary"])
def test_mask_strategies_pick_the_images_their_definitions_rank_first(scenes, strategy):
    """The batch after the first round: the top 4 open images by mean pixel entropy, by the mean
    entropy of the pixels on the predicted labels' boundaries (4-neighbours that differ), or by the
    mean of those two scores' ranks (the default), computed here from the model's maps."""
    from scipy.stats import rankdata

    images, _, masks = scenes
    loop = TaskLoop(ShapeSegmenter(MASK_CLASSES), images[:60], "masks", MASK_CLASSES, batch_size=4, strategy=strategy,
                    store=AnnotationStore(":memory:"), background=False, progress=False)
    loop.simulate(masks[:60], budget=4)
    open_ids = [i for i in loop.items.ids if i not in loop.annotations]
    maps = [np.asarray(p, float) for p in loop.model.predict_proba([images[i] for i in open_ids])]
    entropy = [-(p * np.log(np.clip(p, 1e-12, 1))).sum(axis=0) for p in maps]
    mean_entropy = np.array([e.mean() for e in entropy])
    boundary = []
    for p, e in zip(maps, entropy):
        label = p.argmax(axis=0)
        padded = np.pad(label, 1, mode="edge")
        centre = padded[1:-1, 1:-1]
        edge = ((padded[:-2, 1:-1] != centre) | (padded[2:, 1:-1] != centre) | (padded[1:-1, :-2] != centre)
                | (padded[1:-1, 2:] != centre))
        boundary.append(e[edge].mean() if edge.any() else 0.0)
    boundary = np.array(boundary)
    n = len(open_ids)
    score = {"entropy": mean_entropy, "boundary": boundary,
             "default": ((rankdata(mean_entropy) - 1) + (rankdata(boundary) - 1)) / (2 * (n - 1))}[strategy]
    top = [open_ids[i] for i in np.argsort(-score, kind="stable")[:4]]
    assert set(loop.batch) == set(top)


def test_the_masks_default_draws_at_random_while_a_class_has_no_labelled_pixel(scenes):
    # the first model knows no triangle (3 of the 4 classes painted): the default's whole batch is a
    # random draw from the open images (the loop's generator, unused before), and the panel says why;
    # an explicit score does not explore; once every class has a pixel the default scores again
    images, _, masks = scenes
    no_triangle = {i: np.where(masks[i] == 4, 0, masks[i]) for i in range(6)}
    assert not any((m == 4).any() for m in no_triangle.values()) and any((m == 3).any() for m in no_triangle.values())

    def loop_with(strategy, initial):
        return TaskLoop(ShapeSegmenter(MASK_CLASSES), images[:60], "masks", MASK_CLASSES, batch_size=4, strategy=strategy,
                        initial=initial, store=AnnotationStore(":memory:"), background=False, progress=False, seed=7)

    exploring = loop_with("default", no_triangle)
    assert exploring.unseen == ["triangle"]
    open_ids = [i for i in exploring.items.ids if i not in no_triangle]
    drawn = np.random.default_rng(7).choice(np.arange(len(open_ids)), size=4, replace=False)
    assert exploring.batch == [open_ids[int(i)] for i in drawn]
    assert "exploring: 4 of them drawn at random, since no annotation shows triangle yet" in exploring.panel.message
    scored = loop_with("entropy", no_triangle)
    maps = scored.model.predict_proba([images[i] for i in open_ids])
    entropy = MaskTask(MASK_CLASSES).score(maps, "entropy")
    assert set(scored.batch) == {open_ids[i] for i in np.argsort(-entropy, kind="stable")[:4]}
    assert "exploring" not in scored.panel.message
    every = loop_with("default", {i: masks[i] for i in range(6)})
    assert every.unseen == [] and "exploring" not in every.panel.message
    rest = [i for i in every.items.ids if i >= 6]
    default = MaskTask(MASK_CLASSES).score(every.model.predict_proba([images[i] for i in rest]), "default")
    assert set(every.batch) == {rest[i] for i in np.argsort(-default, kind="stable")[:4]}


def test_mask_task_metric_is_mean_iou_over_labelled_pixels():
    task = MaskTask(["a", "b"])
    p = np.zeros((2, 1, 4))
    p[0, 0, :2] = p[1, 0, 2:] = 1  # predicts a a b b
    truth = np.array([[1, 2, 2, 0]])  # a b b (unlabelled)
    # a: inter 1, union 2; b: inter 1 (pixel 2; pixel 3 unlabelled), union 2
    assert task.evaluate([p], [truth]) == pytest.approx(0.5)


def test_box_task_scores_follow_their_definitions():
    task = BoxTask(["a", "b"])
    certain = pd.DataFrame({"x": [0.0], "y": [0.0], "w": [1.0], "h": [1.0], "class": ["a"], "score": [0.99],
                            "probs": [np.array([0.99, 0.01])]})
    unsure = certain.assign(score=[0.5], probs=[np.array([0.5, 0.5])])
    busy = pd.concat([unsure, unsure.assign(probs=[np.array([0.4, 0.6])])], ignore_index=True)
    scores = task.score([certain, unsure, busy], "uncertainty")
    assert scores[0] < scores[1] < scores[2]
    assert scores[1] == pytest.approx(np.log(2))
    assert task.score([certain, unsure, busy], "max")[2] == pytest.approx(np.log(2))
    np.testing.assert_array_equal(task.score([certain, unsure, busy], "default"), scores)  # default = uncertainty
    hybrid = task.score([certain, unsure, busy], "hybrid")  # mean of the uncertainty and complexity ranks
    assert hybrid.argmax() == 2 and hybrid[0] == 0.0


def test_set_boxes_and_set_mask_are_checked_and_undoable():
    store = AnnotationStore(":memory:")
    w = BBoxAnnotator(np.zeros((2, 40, 50), np.uint8), ["cat"], store=store)
    w.set_boxes(0, [(1, 2, 10, 5, "cat")])
    w.set_boxes(0, [(3, 3, 4, 4, "cat"), (20, 20, 5, 5, "cat")])
    assert len(w.boxes_of(0)) == 2
    w._undo(0)
    assert [(b["x"], b["w"]) for b in w.boxes_of(0)] == [(1.0, 10.0)]
    with pytest.raises(ValueError, match="item 1: unknown class 'dog'"):
        w.set_boxes(1, [(1, 2, 10, 5, "dog")])
    with pytest.raises(KeyError):
        w.set_boxes(7, [])
    assert w.boxes_of(1) == []
    s = SegmentationCanvas(np.zeros((1, 3, 4, 1), np.uint8), ["sky", "sea"], store=store)
    s.set_mask(0, np.array([[1, 1, 2, 2]] * 3))
    assert s.masks[0].tolist() == [[1, 1, 2, 2]] * 3
    with pytest.raises(ValueError, match="the label map is"):
        s.set_mask(0, np.zeros((2, 2), int))
    with pytest.raises(ValueError, match="labels must be integers in 0 .. 2"):
        s.set_mask(0, np.full((3, 4), 3))


# --------------------------------------------------------------------------- image-text pairs
from hitl_widgets.active.tasks import PairTask  # noqa: E402
from hitl_widgets.demo.shape_models import ShapeTextMatcher  # noqa: E402


@pytest.fixture(scope="module")
def captions():
    images, scenes = make_scenes(160, seed=2, n_objects=(2, 4))
    return images, [s.description() for s in scenes]


def pair_loop(captions, store=None, **kw):
    images, texts = captions
    kw = {"batch_size": 8, "background": False, "progress": False, **kw}
    return TaskLoop(ShapeTextMatcher(), texts[:120], PairTask(images, k=10), initial={i: i for i in range(10)},
                    test=(texts[120:], list(range(120, 160))), store=store or AnnotationStore(":memory:"), **kw)


def test_pairs_loop_shows_each_text_with_the_models_top_k_and_learns_from_found_pairs(captions):
    images, texts = captions
    loop = pair_loop(captions)
    assert loop.history["n_labels"].tolist() == [10]  # the initial pairs trained the first model
    w = loop.widget
    for q in loop.batch:  # each shown text lists the model's 10 best images, best first
        sim = loop.model.similarity(loop.task._images(), [texts[q]])[0]
        assert [r for r, _ in w.results[q]] == [int(i) for i in np.argsort(-sim, kind="stable")[:10]]
    history = loop.simulate(list(range(120)), budget=42)
    assert history["n_labels"].tolist() == [10, 18, 26, 34, 42]
    found = {q: a for q, a in loop.annotations.items()}
    assert len(found) == 32 and set(found) & set(range(10)) == set()
    for q, a in found.items():  # a found pair is the text's own image; otherwise every shown image is "not relevant"
        shown = [r for r, _ in w.results[q]]
        if a is None:
            assert q not in shown and all(w._current[(q, r)] == "not_relevant" for r in shown)
        else:
            assert a == q and w._current[(q, q)] == "relevant"
    assert history["recall@1"].iloc[-1] > history["recall@1"].iloc[0]


def test_pairs_margin_scores_follow_the_definition():
    task = PairTask(["a", "b", "c"], k=2)
    S = [np.array([0.9, 0.5, 0.1]), np.array([0.8, 0.7, 0.0])]
    # text 0: best image 0, row margin .4, column rival (text 1 on image 0) .8 -> margin .1 -> 0.9
    # text 1: best image 0, row margin .1, column rival .9 -> margin -.1 -> 1.1
    assert task.score(S, "margin").tolist() == pytest.approx([0.9, 1.1])
    assert task.evaluate(S, [0, 1]) == pytest.approx(0.5)


def test_pairs_default_asks_the_most_uncertain_of_the_texts_likely_to_find_their_image(captions):
    from hitl_widgets.active import select, shown_margin, shown_random, text_margin_uncertainty

    images, texts = captions
    assert PairTask(images).default == "shown_margin" and "shown_margin" in PairTask(images).strategies
    loop, margin_loop = pair_loop(captions), pair_loop(captions, strategy="margin")
    open_ids = list(range(10, 120))  # the ten initial pairs trained the first model
    S = loop.model.similarity(loop.task._images(), [texts[i] for i in open_ids])
    assert loop.batch == [open_ids[i] for i in shown_margin(S, 8, candidates=5)]
    assert margin_loop.batch == [open_ids[i] for i in select(text_margin_uncertainty(S), 8)]
    assert pair_loop(captions, strategy="shown_margin").batch == loop.batch
    narrow = TaskLoop(ShapeTextMatcher(), texts[:120], PairTask(images, k=10, candidates=1), initial={i: i for i in range(10)},
                      batch_size=8, store=AnnotationStore(":memory:"), background=False, progress=False)
    assert narrow.batch == [open_ids[i] for i in shown_margin(S, 8, candidates=1)]
    drawn = TaskLoop(ShapeTextMatcher(), texts[:120], PairTask(images, k=10, seed=5), strategy="shown_random",
                     initial={i: i for i in range(10)}, batch_size=8, store=AnnotationStore(":memory:"), background=False,
                     progress=False)
    assert drawn.batch == [open_ids[i] for i in shown_random(S, 8, candidates=5, rng=np.random.default_rng(5))]
    # why: the plain margin's texts seldom have their image among the 10 shown; the default's mostly do
    loop.simulate(list(range(120)), budget=42)
    margin_loop.simulate(list(range(120)), budget=42)
    found = [sum(a is not None for a in run.annotations.values()) for run in (loop, margin_loop)]
    assert found[0] > found[1] + 5, found
    with pytest.raises(ValueError, match="candidates must be a positive int"):
        PairTask(images, candidates=0)


def test_a_model_may_name_what_default_means_for_it_and_a_bad_name_is_refused(captions):
    from hitl_widgets.active import shown_margin, shown_random

    images, texts = captions

    class Tuned(ShapeTextMatcher):
        default_strategy = "shown_random"

    def loop_of(model, **kw):
        return TaskLoop(model, texts[:120], PairTask(images, k=10, seed=5), initial={i: i for i in range(10)}, batch_size=8,
                        store=AnnotationStore(":memory:"), background=False, progress=False, **kw)

    open_ids = list(range(10, 120))
    plain = loop_of(ShapeTextMatcher())  # no default_strategy: the task's own default
    S = plain.model.similarity(plain.task._images(), [texts[i] for i in open_ids])
    tuned = loop_of(Tuned())
    assert (tuned.strategy, tuned.strategy_used) == ("default", "shown_random")
    assert tuned.batch == [open_ids[i] for i in shown_random(S, 8, candidates=5, rng=np.random.default_rng(5))]
    assert tuned.batch != [open_ids[i] for i in shown_margin(S, 8, candidates=5)]
    assert plain.strategy_used == "default" and plain.batch == [open_ids[i] for i in shown_margin(S, 8, candidates=5)]
    asked = loop_of(Tuned(), strategy="shown_margin")  # a strategy asked for by name wins over the model's
    assert asked.strategy_used == "shown_margin" and asked.batch == plain.batch
    for bad in ["uncertainty", "default", 3]:
        Bad = type("Bad", (ShapeTextMatcher,), {"default_strategy": bad})
        with pytest.raises(ValueError, match=r"Bad.default_strategy must be None or one of \['shown_margin', 'shown_random', 'margin', 'random'\] for the pairs task"):
            loop_of(Bad())


def test_a_task_batch_that_is_not_k_distinct_open_positions_fails_the_round(captions):
    class Twice(PairTask):
        def choose(self, predictions, k, strategy):
            return [0] * k

    images, texts = captions
    loop = TaskLoop(ShapeTextMatcher(), texts[:40], Twice(images, k=5), initial={i: i for i in range(10)}, batch_size=4,
                    store=AnnotationStore(":memory:"), background=False, progress=False)
    assert loop.error is not None and "batch must be 4 distinct positions among 30 open items" in loop.error
    assert loop.panel.state == "error"


def test_pairs_resume_rebuilds_the_judged_lists_and_bad_input_is_refused(captions):
    images, texts = captions
    store = AnnotationStore(":memory:")
    loop = pair_loop(captions, store=store, strategy="margin")
    loop.simulate(list(range(120)), budget=18)
    judged = dict(loop.annotations)
    again = pair_loop(captions, store=store, strategy="margin")
    assert again.annotations == judged and again.resumed_from == len(judged)
    with pytest.raises(ValueError, match=r"oracle, text \d+: 'nope' is not an image id of the gallery"):
        pair_loop(captions).simulate(["nope"] * 120, budget=18)
    with pytest.raises(ValueError, match="initial, item 3: 999 is not an image id"):
        TaskLoop(ShapeTextMatcher(), texts[:20], PairTask(images), initial={3: 999})
    with pytest.raises(ValueError, match="PairTask"):
        TaskLoop(ShapeTextMatcher(), texts[:20], "pairs")


def test_retrieval_set_results_replaces_the_lists_given_and_keeps_stored_judgements():
    from hitl_widgets.items import Items
    from hitl_widgets.widgets.retrieval import RetrievalVerifier

    store = AnnotationStore(":memory:")
    w = RetrievalVerifier(["q0", "q1"], {0: ["a", "b"], 1: ["b"]}, Items(["x", "y", "z"], ids=["a", "b", "c"]), k=2, store=store)
    w.judge(0, "b", "relevant")
    w.set_results({0: [("c", 0.9), ("a", 0.5)]})
    assert [r for r, _ in w.results[0]] == ["c", "a"] and w.results[1] == [("b", None)]
    assert w.query_metrics(0)["n_judged"] == 0  # "b" left the list, and its judgement the metrics
    w.set_results({0: [("b", 0.9)]})
    assert w._current[(0, "b")] == "relevant"  # back in the list: its stored judgement too
    with pytest.raises(ValueError, match="unknown result item id 'zz'"):
        w.set_results({0: ["zz"]})


def test_the_task_modules_doctests_pass():
    import doctest

    from hitl_widgets.active import task_loop, tasks

    assert doctest.testmod(tasks).failed == 0
    assert doctest.testmod(task_loop).failed == 0


def test_shift_picks_the_images_whose_boxes_move_least_with_the_image(scenes):
    """shift: 1 − the mean best IoU of each box with the boxes predicted on the image moved 3 pixels
    right and down (edges repeated), moved back. Computed here from the model's own predictions."""
    images, boxes, _ = scenes

    class GridDetector(ShapeDetector):
        """Boxes snapped to a 4-pixel grid, as a grid-based detector's are: not shift-equivariant
        (ShapeDetector's connected regions move exactly with the image, and would all score 0)."""

        def predict(self, images):
            tables = super().predict(images)
            for t in tables:
                t[["x", "y", "w", "h"]] = (t[["x", "y", "w", "h"]].to_numpy(float) / 4).round() * 4
            return tables

    loop = TaskLoop(GridDetector(NAMED_CLASSES), images[:60], "boxes", NAMED_CLASSES, strategy="shift", batch_size=5,
                    test=(images[60:], boxes[60:]), store=AnnotationStore(":memory:"), background=False, progress=False)
    assert loop.task.shift and not loop.task.flip
    loop.simulate(scenes[1][:60], budget=10)
    open_ids = [i for i in loop.items.ids if i not in loop.annotations]
    tables = loop.model.predict([images[i] for i in open_ids])
    moved = []
    for i in open_ids:
        im = images[i]
        out = np.empty_like(im)
        out[3:, 3:] = im[:-3, :-3]
        out[:3, 3:] = im[0:1, :-3]
        out[:, :3] = out[:, 3:4]
        moved.append(out)
    shifted = loop.model.predict(moved)
    score = np.array([_instability(t[["x", "y", "w", "h"]].to_numpy(float),
                                   [(x - 3, y - 3, w, h) for x, y, w, h in m[["x", "y", "w", "h"]].to_numpy(float)])
                      for t, m in zip(tables, shifted)])
    assert score.max() > score.min(), "the shift moves some boxes more than others"
    assert set(loop.batch) == {open_ids[i] for i in np.argsort(-score, kind="stable")[:5]}


def test_groups_split_every_batch_by_quota_and_the_strategy_picks_within_each(scenes):
    from hitl_widgets.active import select_stratified, stratified_quota

    images = scenes[0]
    groups = np.array(["site A"] * 45 + ["site B"] * 15, dtype=object)  # B under-represented in the pool
    loop = box_loop(scenes, groups=groups)
    first = loop.batch  # no model yet: random within the quotas, 3 from A and 2 from B
    assert sorted(groups[first].tolist()) == ["site A"] * 3 + ["site B"] * 2
    loop.simulate(scenes[1][:60], budget=10)
    done = loop.annotations
    open_ids = [i for i in loop.items.ids if i not in done]
    scores = loop.task.score(loop.task.predict(loop.model, [images[i] for i in open_ids]), "default")
    labelled_groups = groups[list(done)]
    quota = stratified_quota(groups[open_ids], 5, labelled_groups)
    assert quota == {"site A": 3, "site B": 2}
    expected = select_stratified(scores, groups[open_ids], 5, labelled_groups=labelled_groups)
    assert loop.batch == [open_ids[i] for i in expected]
    # within site B, its best two by the default score; not the pool's top five
    in_b = [i for i in open_ids if groups[i] == "site B"]
    top_b = {in_b[j] for j in np.argsort(-scores[[open_ids.index(i) for i in in_b]], kind="stable")[:2]}
    assert {i for i in loop.batch if groups[i] == "site B"} == top_b
    assert loop.panel.group_counts == [["site A", int((groups[list(done)] == "site A").sum()), 45],
                                       ["site B", int((groups[list(done)] == "site B").sum()), 15]]


def test_groups_are_checked(scenes, captions):
    with pytest.raises(ValueError, match="groups has 3 entries but the pool has 60 images"):
        box_loop(scenes, groups=["a", "b", "c"])
    with pytest.raises(ValueError, match="groups: pool position 4 has no group"):
        box_loop(scenes, groups=["a"] * 4 + [None] + ["b"] * 55)
    with pytest.raises(ValueError, match=r"groups mixes kinds of value: pool position 0 is a str \('a'\), position 7 a number \(2\)"):
        box_loop(scenes, groups=["a"] * 7 + [2] + ["b"] * 52)
    with pytest.raises(ValueError, match="strategy 'default' picks the batch as a whole"):
        pair_loop(captions, groups=["a"] * 120)
    assert pair_loop(captions, groups=["a"] * 60 + ["b"] * 60, strategy="margin").batch


def test_exploring_with_groups_draws_at_random_within_each_quota(scenes):
    images, _, masks = scenes
    no_triangle = {i: np.where(masks[i] == 4, 0, masks[i]) for i in range(6)}
    groups = np.array(["a", "b"] * 30, dtype=object)
    loop = TaskLoop(ShapeSegmenter(MASK_CLASSES), images[:60], "masks", MASK_CLASSES, batch_size=4, initial=no_triangle,
                    groups=groups, store=AnnotationStore(":memory:"), background=False, progress=False, seed=7)
    assert loop.unseen == ["triangle"] and "exploring" in loop.panel.message
    open_ids = [i for i in loop.items.ids if i not in no_triangle]
    # the same quota split, ranked by the loop's random draw (its generator, unused before)
    from hitl_widgets.active.strategies import select_stratified

    draw = np.random.default_rng(7).random(len(open_ids))
    expected = select_stratified(draw, groups[open_ids], 4, labelled_groups=groups[list(no_triangle)])
    assert loop.batch == [open_ids[int(i)] for i in expected]
