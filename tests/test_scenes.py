"""The synthetic scene generator: images agree with their descriptions, injected caption errors
are real errors at the exact spans reported, VQA truths and retrieval relevant sets are exact."""
from __future__ import annotations

import re

import numpy as np
import pytest

from hitl_widgets.demo import (
    COLOURS,
    ERROR_KINDS,
    SHAPES,
    Scene,
    Shape,
    caption,
    make_scenes,
    model_captions,
    render,
    retrieval_queries,
    vqa_pairs,
)
from hitl_widgets.demo.scenes import NUMBERS


def test_images_show_the_objects_in_their_colours():
    images, scenes = make_scenes(40, seed=1, size=48)
    assert images.shape == (40, 48, 48, 3) and images.dtype == np.uint8
    for img, scene in zip(images, scenes):
        assert 1 <= len(scene.objects) <= 3
        for o in scene.objects:
            assert tuple(img[int(o.y), int(o.x)]) == COLOURS[o.colour]  # the centre has the object's colour
            x0, y0, x1, y1 = o.box
            assert 0 <= x0 and x1 <= 48 and 0 <= y0 and y1 <= 48
        # the number of distinct colours in the image = background + object colours
        colours = {tuple(c) for c in img.reshape(-1, 3)}
        assert colours == {(245, 245, 240)} | {COLOURS[o.colour] for o in scene.objects}
    again, _ = make_scenes(40, seed=1, size=48)
    assert np.array_equal(images, again)  # deterministic


def test_shapes_have_their_expected_areas():
    r = 20.0
    areas = {}
    for shape in SHAPES:
        img = render(Scene((Shape(shape, "red", 32, 32, r),), 64))  # discrete: edges add ~1 px
        areas[shape] = int((img == COLOURS["red"]).all(axis=2).sum())
    assert areas["circle"] == pytest.approx(np.pi * r**2, rel=0.05)
    assert areas["square"] == pytest.approx((2 * 0.85 * r) ** 2, rel=0.1)
    assert areas["triangle"] == pytest.approx(r * 2 * r, rel=0.1)  # base 2r, height 2r


def parse(text: str) -> dict[tuple[str, str], int]:
    """Counts per (colour, shape) named in the first sentence of a caption."""
    first = text.split(".")[0]
    found = {}
    for n, c, s in re.findall(r"(\w+) (\w+) (circle|square|triangle)s?", first):
        found[(c, s)] = NUMBERS.index(n)
    return found


def test_exact_description_matches_the_scene():
    _, scenes = make_scenes(60, seed=2)
    for scene in scenes:
        truth = {(c, s): n for c, s, n in scene.groups()}
        assert parse(scene.description()) == truth
        assert caption(scene).errors == []
        rel = scene.relation()
        if rel:
            a = next(o for o in scene.objects if o.name == rel[0])
            b = next(o for o in scene.objects if o.name == rel[2])
            expected = {"left of": b.x > a.x, "right of": b.x < a.x, "above": b.y > a.y, "below": b.y < a.y}[rel[1]]
            assert expected and f"The {rel[0]} is {rel[1]} the {rel[2]}." in scene.description()


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_injected_errors_are_wrong_at_the_reported_span(kind):
    _, scenes = make_scenes(60, seed=3)
    for n, scene in enumerate(scenes):
        cap = caption(scene, kind, seed=n)
        assert len(cap.errors) == 1
        e = cap.errors[0]
        assert cap.text[e.start:e.end] == e.span
        truth = {(c, s): k for c, s, k in scene.groups()}
        said = parse(cap.text)
        if e.kind == "colour":
            assert e.category == "attribute" and e.span in COLOURS and said != truth
            assert any(c == e.span and (c, s) not in truth for c, s in said)  # a colour the scene lacks
        elif e.kind == "count":
            assert e.category == "count" and said.keys() == truth.keys() and said != truth
        elif e.kind == "relation":
            assert e.category == "relation" and e.span in ("left of", "right of", "above", "below")
            assert e.span != scene.relation()[1] and said == truth
        else:
            assert e.category == "object" and re.fullmatch(r"one \w+ \w+", e.span)
            _, c, s = e.span.split()
            assert not scene.contains(c, s) and set(said) == set(truth) | {(c, s)}
        if kind == "relation" and scene.relation() is None:
            assert e.kind == "colour"  # no relation to get wrong: falls back


def test_model_captions_error_rates_and_truth_table():
    _, scenes = make_scenes(300, seed=4)
    captions, truth = model_captions(scenes, {"good": 0.1, "bad": 0.6}, seed=0)
    assert list(captions.columns) == ["good", "bad"] and len(captions) == 300
    rate = truth.groupby("model")["item_id"].nunique() / 300
    assert rate["good"] == pytest.approx(0.1, abs=0.05) and rate["bad"] == pytest.approx(0.6, abs=0.07)
    for row in truth.itertuples():
        assert captions.loc[row.item_id, row.model][row.start:row.end] == row.span
    clean = set(range(300)) - set(truth.loc[truth["model"] == "good", "item_id"])
    assert all(captions.loc[i, "good"] == scenes[i].description() for i in clean)


def test_vqa_truths_are_exact():
    _, scenes = make_scenes(200, seed=5)
    pairs = vqa_pairs(scenes, error_rate=0.25, seed=1)
    assert pairs["correct"].mean() == pytest.approx(0.75, abs=0.08)
    assert (pairs["answer"] == pairs["truth"]).tolist() == pairs["correct"].tolist()
    for scene, row in zip(scenes, pairs.itertuples()):
        m = re.fullmatch(r"How many (\w+)s are there\?", row.question)
        if m:
            assert row.truth == NUMBERS[sum(o.shape == m.group(1) for o in scene.objects)]
        m = re.fullmatch(r"Is there a (\w+) (\w+)\?", row.question)
        if m:
            assert row.truth == ("yes" if scene.contains(*m.groups()) else "no")
        m = re.fullmatch(r"What colour is the (\w+)\?", row.question)
        if m:
            assert {o.colour for o in scene.objects if o.shape == m.group(1)} == {row.truth}


def test_retrieval_queries_relevant_sets():
    _, scenes = make_scenes(50, seed=6)
    queries, relevant = retrieval_queries(scenes)
    assert len(queries) == len(relevant) and len(queries) <= len(COLOURS) * len(SHAPES)
    for q, text in enumerate(queries):
        _, c, s = text.split()
        assert relevant[q] == {i for i, sc in enumerate(scenes) if any(o.colour == c and o.shape == s for o in sc.objects)}
        assert relevant[q]


def test_bad_arguments():
    with pytest.raises(ValueError, match="error must be"):
        caption(make_scenes(1)[1][0], "weather")
    with pytest.raises(ValueError):
        make_scenes(0)
