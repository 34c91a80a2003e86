"""The scene-graph generator: boxes are the drawn pixels' boxes, every predicate follows its rule on
the boxes (checked here against a separate pixel-level reading), the model's noise is as documented."""
from __future__ import annotations

import numpy as np
import pytest

from hitl_widgets.demo import PREDICATES, Scene, Shape, model_scene_graphs, scene_graph, scene_graphs
from hitl_widgets.demo.scene_graphs import relations
from hitl_widgets.demo.scenes import COLOURS, render


def test_boxes_are_the_drawn_pixels():
    data = scene_graphs(30, seed=3)
    assert data.images.shape == (30, 96, 96, 3)
    for i, scene in enumerate(data.scenes):
        objs = data.objects[data.objects["item"] == i]
        assert objs["object"].tolist() == [f"o{k + 1}" for k in range(len(scene.objects))]
        for o, row in zip(scene.objects, objs.itertuples()):
            alone = render(Scene((o,), scene.size))  # this shape alone: its pixels
            ys, xs = np.nonzero((alone == COLOURS[o.colour]).all(axis=2))
            # pixel (row, col) covers [col, col + 1) and is drawn when its centre is in the shape: the
            # drawn extent [min, max + 1) is the box to within a pixel and a half (a triangle's apex)
            assert abs(xs.min() - row.x) <= 1.5 and abs(xs.max() + 1 - (row.x + row.w)) <= 1.5
            assert abs(ys.min() - row.y) <= 1.5 and abs(ys.max() + 1 - (row.y + row.h)) <= 1.5
            assert row._3 == f"{o.colour} {o.shape}" and row.attributes == {"colour": o.colour, "shape": o.shape}
            assert 0 <= row.x and row.x + row.w <= 96 and 0 <= row.y and row.y + row.h <= 96


def test_every_predicate_occurs_and_follows_its_rule():
    data = scene_graphs(120, seed=0)
    counts = data.triples["predicate"].value_counts()
    assert set(counts.index) == set(PREDICATES) and counts.min() >= 10
    boxes = {(r.item, r.object): (r.x, r.y, r.w, r.h) for r in data.objects.itertuples()}
    truth = set(data.triples.itertuples(index=False, name=None))
    for (i, s), a in boxes.items():
        for (j, o), b in boxes.items():
            if i != j or s == o:
                continue
            ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
            expect = {
                "left of": ax1 <= b[0] + 1, "right of": a[0] >= bx1 - 1, "above": ay1 <= b[1] + 1, "below": a[1] >= by1 - 1,
                "inside": a[0] >= b[0] - 1 and a[1] >= b[1] - 1 and ax1 <= bx1 + 1 and ay1 <= by1 + 1 and a[2] * a[3] < b[2] * b[3],
                "touching": abs(max(b[0] - ax1, a[0] - bx1, b[1] - ay1, a[1] - by1)) <= 1,
                "larger than": a[2] * a[3] >= 1.5 * b[2] * b[3],
            }
            for p, holds in expect.items():
                assert ((i, s, p, o) in truth) == holds, (i, s, p, o)
            # converses and symmetry
            assert ((i, s, "left of", o) in truth) == ((i, o, "right of", s) in truth)
            assert ((i, s, "touching", o) in truth) == ((i, o, "touching", s) in truth)


def test_inside_means_drawn_inside_and_touching_is_not_borderline():
    data = scene_graphs(120, seed=1)
    boxes = {(r.item, r.object): (r.x, r.y, r.w, r.h) for r in data.objects.itertuples()}
    inside = data.triples[data.triples["predicate"] == "inside"]
    assert len(inside) >= 10
    for r in inside.itertuples():
        scene = data.scenes[r.item]
        inner, outer = scene.objects[int(r.subject[1:]) - 1], scene.objects[int(r.object[1:]) - 1]
        host = (render(Scene((outer,), 96)) == COLOURS[outer.colour]).all(axis=2)
        x, y, w, h = boxes[(r.item, r.subject)]
        mine = (render(Scene((inner,), 96)) == COLOURS[inner.colour]).all(axis=2)
        assert host[mine].all()  # every pixel of the inner shape is on the host's pixels
        assert tuple(data.images[r.item][int(inner.y), int(inner.x)]) == COLOURS[inner.colour]  # drawn on top
    for (i, s), a in boxes.items():
        for (j, o), b in boxes.items():
            if i == j and s != o:
                gap = max(b[0] - a[0] - a[2], a[0] - b[0] - b[2], b[1] - a[1] - a[3], a[1] - b[1] - b[3])
                assert abs(gap) < 1e-6 or abs(gap) >= 3 or gap < -3  # 0 (placed touching), clear, or nested


def test_relations_rules_by_hand():
    assert relations((0, 0, 10, 10), (20, 30, 10, 10)) == ["left of", "above"]
    assert relations((20, 30, 10, 10), (0, 0, 10, 10)) == ["right of", "below"]
    assert relations((0, 0, 10, 10), (11, 0, 10, 10)) == ["left of", "touching"]  # a 1 px gap is within tol
    assert relations((0, 0, 10, 10), (11.5, 0, 10, 10)) == ["left of"]
    assert relations((0, 0, 10, 10), (9.5, 0, 10, 10)) == ["left of", "touching"]  # 0.5 px overlap
    assert relations((0, 0, 10, 10), (8, 0, 10, 10)) == []  # overlapping by 2 px: none of them
    assert relations((0, 0, 12.3, 10), (20, 0, 10, 10)) == ["left of"]  # area 123 < 1.5 * 100
    assert relations((0, 0, 15, 10), (20, 0, 10, 10), ratio=1.5) == ["left of", "larger than"]
    assert relations((0, 0, 14.9, 10), (20, 0, 10, 10)) == ["left of"]
    assert relations((0, 0, 10, 10), (0, 0, 10, 10)) == []  # the same box: not inside (area not smaller)
    g = scene_graph(Scene((Shape("circle", "red", 30, 30, 20), Shape("square", "blue", 30, 30, 5)), 96))
    assert g.triples.values.tolist() == [["o1", "larger than", "o2"], ["o2", "inside", "o1"]]
    with pytest.raises(ValueError, match="ratio"):
        scene_graph(Scene((), 96), ratio=1.0)


def test_deterministic_and_bad_arguments():
    a, b = scene_graphs(5, seed=7), scene_graphs(5, seed=7)
    assert np.array_equal(a.images, b.images) and a.triples.equals(b.triples)
    assert not np.array_equal(a.images, scene_graphs(5, seed=8).images)
    with pytest.raises(ValueError, match="n >= 1"):
        scene_graphs(0)
    with pytest.raises(ValueError, match="noise"):
        model_scene_graphs(a, noise=1.5)


def test_model_noise_is_as_documented():
    data = scene_graphs(150, seed=2)
    clean = model_scene_graphs(data, noise=0.0, seed=1)
    assert clean[["item", "subject", "predicate", "object"]].sort_values(["item", "subject", "object", "predicate"]).values.tolist() == \
        data.triples.sort_values(["item", "subject", "object", "predicate"]).values.tolist()
    noisy = model_scene_graphs(data, noise=0.3, seed=1)
    truth = set(data.triples.itertuples(index=False, name=None))
    assert noisy["correct"].tolist() == [t in truth for t in noisy[["item", "subject", "predicate", "object"]].itertuples(index=False, name=None)]
    assert not noisy.duplicated(["item", "subject", "predicate", "object"]).any()
    found = noisy["correct"].sum() / len(truth)
    # kept with probability (1 - 0.15) * (1 - 0.3) = 0.595
    assert found == pytest.approx(0.595, abs=0.04)
    assert (~noisy["correct"]).sum() > 0.2 * len(noisy)
    # informative scores: a right triple outscores a wrong one most of the time (AUC well above 0.5)
    right, wrong = noisy.loc[noisy["correct"], "score"].to_numpy(), noisy.loc[~noisy["correct"], "score"].to_numpy()
    auc = (right[:, None] > wrong[None, :]).mean() + 0.5 * (right[:, None] == wrong[None, :]).mean()
    assert 0.75 < auc < 0.99
    # every object named is one of the item's objects; subject and object differ
    ids = set(data.objects[["item", "object"]].itertuples(index=False, name=None))
    assert all((r.item, r.subject) in ids and (r.item, r.object) in ids and r.subject != r.object for r in noisy.itertuples())
