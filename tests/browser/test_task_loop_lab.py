"""TaskLoop for boxes in a real JupyterLab: draw a box on each image of the batch with the mouse, the
detector retrains in the background, the curve gains a point (mAP), and the next batch comes with
the detector's boxes as proposals, accepted by key."""
from __future__ import annotations

import ast
import json

import pytest
from playwright.sync_api import expect

from .test_bbox_lab import drag

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SIZE = 64
SETUP = '''
import numpy as np
import hitl_widgets as hw
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.demo.shape_models import SHAPE_CLASSES, ShapeDetector, scene_boxes

images, scenes = make_scenes(40, seed=1)
truth = scene_boxes(scenes)
loop = hw.TaskLoop(ShapeDetector(SHAPE_CLASSES), images[:30], "boxes", SHAPE_CLASSES, batch_size=2,
                   test=(images[30:], truth[30:]), store=hw.AnnotationStore("loop.db"))
loop
'''


def kernel_value(lab, expr: str):
    """A kernel value through JSON (numpy numbers become plain ones; dict keys become strings)."""
    return json.loads(ast.literal_eval(lab.python(f"__import__('json').dumps({expr}, default=lambda v: v.item())")))


def page_point(canvas, x: float, y: float) -> tuple[float, float]:
    """Image pixel (x, y) on the page: the image is fitted and centred in the canvas."""
    box = canvas.bounding_box()
    scale = min(box["width"] / SIZE, box["height"] / SIZE)
    return (box["x"] + (box["width"] - SIZE * scale) / 2 + x * scale, box["y"] + (box["height"] - SIZE * scale) / 2 + y * scale)


def test_draw_a_batch_retrain_and_accept_the_next_batchs_proposals(lab):
    lab.open(lab.new_notebook("task_loop.ipynb", [SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-bbox")
    panel = lab.page.locator(".hitl-loop-panel")
    expect(panel.locator(".hitl-loop-latest")).to_have_text("no model yet: label the first batch", timeout=60_000)
    lab.wait_idle()
    batch = kernel_value(lab, "loop.batch")
    assert len(batch) == 2
    canvas = root.locator("canvas")
    root.scroll_into_view_if_needed()
    drawn = {}
    for n, item_id in enumerate(batch):
        x, y, w, h, cls = kernel_value(lab, f"truth[{item_id}].iloc[0][['x', 'y', 'w', 'h', 'class']].tolist()")
        root.focus()
        lab.page.keyboard.press(str(["circle", "square", "triangle"].index(cls) + 1))  # the class of the next box
        drag(lab.page, page_point(canvas, x, y), page_point(canvas, x + w, y + h))
        drawn[item_id] = (x, y, w, h, cls)
        if n == 0:
            lab.wait_for_python("len(loop.annotations)", 1)
            root.focus()
            lab.page.keyboard.press("PageDown")
    # the batch is complete: the detector retrains (in the background) and the curve gains a point
    expect(panel.locator(".hitl-series-0 circle")).to_have_count(1, timeout=30_000)
    expect(panel.locator(".hitl-loop-latest")).to_contain_text("round 0: 2 labels, mAP@0.5")
    assert kernel_value(lab, "loop.history['n_labels'].tolist()") == [2]
    stored = {int(k): v for k, v in kernel_value(lab, "{i: t.iloc[0].tolist() for i, t in loop.annotations.items()}").items()}
    scale = canvas.bounding_box()["height"] / SIZE
    for item_id, (x, y, w, h, cls) in drawn.items():  # within one screen pixel of the drag
        got = stored[item_id]
        assert got[4] == cls
        assert all(abs(a - b) <= 1.5 / scale + 0.01 for a, b in zip(got[:4], (x, y, w, h))), (got, drawn[item_id])
    # the next batch: new images, the detector's boxes waiting as proposals; "a" accepts them
    second = kernel_value(lab, "loop.batch")
    assert not set(second) & set(batch)
    first_shown = second[0]
    n_proposed = int(lab.python(f"int((loop.widget.proposals['item'] == {first_shown}).sum())"))
    assert n_proposed >= 1
    expect(root.locator(".hitl-counts")).to_contain_text("open proposal", timeout=20_000)
    root.focus()
    lab.page.keyboard.press("a")
    lab.wait_for_python(f"len(loop.annotations.get({first_shown}, []))", n_proposed)
    sources = kernel_value(lab, f"loop.widget.boxes.query('item == {first_shown}')['source'].unique().tolist()")
    assert sources == ["proposal"]
    # "r" with the focus in the annotator retrains now (one key scope with the panel), on 3 images
    root.focus()
    lab.page.keyboard.press("r")
    expect(panel.locator(".hitl-series-0 circle")).to_have_count(2, timeout=30_000)
    assert kernel_value(lab, "loop.history['n_labels'].tolist()") == [2, 3]


PAIRS = '''
import hitl_widgets as hw
from hitl_widgets.active import PairTask
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.demo.shape_models import ShapeTextMatcher

images, scenes = make_scenes(80, seed=2, n_objects=(2, 4))
texts = [s.description() for s in scenes]
loop = hw.TaskLoop(ShapeTextMatcher(), texts[:60], PairTask(images, k=6), strategy="margin", batch_size=2,
                   initial={i: i for i in range(10)}, test=(texts[60:], list(range(60, 80))),
                   store=hw.AnnotationStore("pairs.db"))
loop
'''


def test_pairs_mark_the_matching_image_by_keyboard_and_the_matcher_retrains(lab):
    lab.open(lab.new_notebook("pairs.ipynb", [PAIRS]))
    lab.run_all()
    root = lab.page.locator(".hitl-retrieval")
    panel = lab.page.locator(".hitl-loop-panel")
    expect(panel.locator(".hitl-series-0 circle")).to_have_count(1, timeout=60_000)  # the initial pairs' model
    expect(root.locator(".hitl-result")).to_have_count(6)
    lab.wait_idle()
    batch = kernel_value(lab, "loop.batch")
    expected = {}
    for q in batch:
        shown = kernel_value(lab, f"[r for r, _ in loop.widget.results[{q}]]")
        expect(root.locator(".hitl-query")).to_have_text(kernel_value(lab, f"texts[{q}]"))
        root.focus()
        if q in shown:  # the text's own image is among the six: go to it and mark it relevant
            for _ in range(shown.index(q)):
                lab.page.keyboard.press("ArrowRight")
            lab.page.keyboard.press("1")
            expected[str(q)] = q
        else:  # none of the six: each is not relevant
            for _ in shown:
                lab.page.keyboard.press("2")
            expected[str(q)] = None
        lab.wait_for_python(f"{q} in loop.annotations", True)
        if q != batch[-1]:
            root.focus()
            lab.page.keyboard.press("Enter")  # the next text
    expect(panel.locator(".hitl-series-0 circle")).to_have_count(2, timeout=30_000)
    assert kernel_value(lab, "loop.history['n_labels'].tolist()") == [10, 12]
    assert kernel_value(lab, "{q: a for q, a in loop.annotations.items()}") == expected
    nxt = kernel_value(lab, "loop.batch")
    assert not set(nxt) & set(batch)
    expect(root.locator(".hitl-query")).to_have_text(kernel_value(lab, f"texts[{nxt[0]}]"), timeout=20_000)


CLASSES_SETUP = '''
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
import hitl_widgets as hw
from hitl_widgets.active import ClassTask

X, y = load_digits(return_X_y=True)
loop = hw.TaskLoop(LogisticRegression(max_iter=500), X[:300].reshape(-1, 8, 8) / 16,
                   ClassTask(list(range(10)), features=X[:300]), batch_size=4,
                   test=(X[1000:], y[1000:]), store=hw.AnnotationStore("classes.db"))
loop
'''


def test_classes_label_a_batch_by_key_retrain_and_accept_a_proposal_with_enter(lab):
    lab.open(lab.new_notebook("class_loop.ipynb", [CLASSES_SETUP]))
    lab.run_all()
    classify = lab.page.locator(".hitl-classify")
    panel = lab.page.locator(".hitl-loop-panel")
    expect(classify.locator(".hitl-progress")).to_have_text("labelled 0 of 4", timeout=60_000)
    lab.wait_idle()
    batch = kernel_value(lab, "loop.batch")
    truth = kernel_value(lab, "[int(y[i]) for i in loop.batch]")
    classify.focus()
    for digit in truth:
        lab.page.keyboard.press(str(digit))
    # the batch is complete: the classifier retrains and the curve gains a point (accuracy)
    expect(panel.locator(".hitl-series-0 circle")).to_have_count(1, timeout=30_000)
    expect(panel.locator(".hitl-loop-latest")).to_contain_text("round 0: 4 labels, accuracy")
    assert kernel_value(lab, "loop.history['n_labels'].tolist()") == [4]
    assert {int(k): v for k, v in kernel_value(lab, "loop.annotations").items()} == dict(zip(batch, truth))
    # the next batch comes with the model's proposals: Enter accepts the first one
    second = kernel_value(lab, "loop.batch")
    assert not set(second) & set(batch)
    expect(classify.locator(".hitl-proposal")).to_contain_text("model:")
    proposed = kernel_value(lab, f"loop.widget.proposals[{second[0]}]['label']")
    classify.focus()
    lab.page.keyboard.press("Enter")
    lab.wait_for_python("len(loop.annotations)", 5)
    assert kernel_value(lab, f"loop.annotations[{second[0]}]") == proposed
    assert kernel_value(lab, f"loop.store.labels(loop.task_name).set_index('item_id').loc[{second[0]}, 'label']") == proposed


MASKS = '''
import numpy as np
import hitl_widgets as hw
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.demo.shape_models import ShapeSegmenter, scene_masks

classes = ["background", "circle", "square", "triangle"]
images, scenes = make_scenes(40, seed=3)
masks = scene_masks(images, scenes, classes)
no_triangle = {i: np.where(masks[i] == 4, 0, masks[i]) for i in range(4)}  # labels that never show a triangle
loop = hw.TaskLoop(ShapeSegmenter(classes), images[:30], "masks", classes, batch_size=2, initial=no_triangle,
                   test=(images[30:], masks[30:]), store=hw.AnnotationStore("masks_loop.db"), seed=0)
loop
'''


def test_masks_explore_for_an_unseen_class_until_a_stroke_paints_it(lab):
    lab.open(lab.new_notebook("masks_loop.ipynb", [MASKS]))
    lab.run_all()
    root = lab.page.locator(".hitl-segmentation")
    panel = lab.page.locator(".hitl-loop-panel")
    # no label shows a triangle: the whole batch is drawn at random, and the panel says why
    expect(panel.locator(".hitl-series-0 circle")).to_have_count(1, timeout=60_000)
    expect(panel.locator(".hitl-loop-message")).to_contain_text(
        "exploring: 2 of them drawn at random, since no annotation shows triangle yet", timeout=60_000)
    lab.wait_idle()
    assert kernel_value(lab, "loop.unseen") == ["triangle"]
    batch = kernel_value(lab, "loop.batch")
    assert len(batch) == 2
    canvas = root.locator("canvas")
    root.scroll_into_view_if_needed()
    for n, item_id in enumerate(batch):
        root.focus()
        lab.page.keyboard.press("4")  # class "triangle" (label value 4)
        lab.page.mouse.move(*page_point(canvas, 20, 32))
        lab.page.mouse.down()
        lab.page.mouse.move(*page_point(canvas, 44, 32), steps=8)
        lab.page.mouse.up()
        lab.wait_for_python(f"int((loop.annotations.get({item_id}, np.zeros(1)) == 4).sum() > 0)", 1)
        if n == 0:
            root.focus()
            lab.page.keyboard.press("PageDown")
    # the batch is painted: the segmenter retrains, the triangle is seen, the default scores again
    expect(panel.locator(".hitl-series-0 circle")).to_have_count(2, timeout=30_000)  # the 4 initial, then 6
    expect(panel.locator(".hitl-loop-message")).not_to_contain_text("exploring")
    assert kernel_value(lab, "loop.unseen") == []
    assert kernel_value(lab, "loop.history['n_labels'].tolist()") == [4, 6]
    assert not set(kernel_value(lab, "loop.batch")) & set(batch)
