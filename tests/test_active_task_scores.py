"""Scores for boxes, masks and image-text pairs (hitl_widgets.active.task_scores), each against its
definition written out with plain loops here, and against hand-computed cases."""
from __future__ import annotations

import math

import numpy as np
import pytest

from hitl_widgets.active import (
    alignment_uncertainty,
    boundary_uncertainty,
    box_uncertainty,
    localisation_stability,
    mean_pixel_entropy,
    scene_complexity,
    select,
    shown_margin,
    shown_random,
    text_margin_uncertainty,
)


def H(ps):
    return -sum(p * math.log(p) for p in ps if p > 0)


def iou(a, b):
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def random_boxes(rng, n):
    return np.column_stack([rng.uniform(0, 50, (n, 2)), rng.uniform(1, 20, (n, 2))])


@pytest.mark.parametrize("seed", range(5))
def test_box_uncertainty_matches_its_definition(seed):
    rng = np.random.default_rng(seed)
    images = [rng.dirichlet(np.ones(4), size=int(rng.integers(0, 6))) for _ in range(8)]
    for agg, f in (("mean", lambda v: sum(v) / len(v)), ("max", max), ("sum", sum)):
        want = [f([H(row) for row in img]) if len(img) else 0.0 for img in images]
        np.testing.assert_allclose(box_uncertainty(images, aggregate=agg), want)
    conf = [rng.uniform(0, 1, 3) for _ in range(4)]  # one confidence a box: binary entropy
    np.testing.assert_allclose(box_uncertainty(conf), [np.mean([H([p, 1 - p]) for p in c]) for c in conf])


@pytest.mark.parametrize("seed", range(5))
def test_localisation_stability_matches_its_definition(seed):
    rng = np.random.default_rng(seed)
    a = [random_boxes(rng, int(rng.integers(1, 5))) for _ in range(6)]
    b = [x + rng.normal(0, 2, x.shape).clip(-0.5, 0.5) * [1, 1, 0, 0] for x in a]
    want = [1 - np.mean([max(iou(p, q) for q in bb) for p in aa]) for aa, bb in zip(a, b)]
    np.testing.assert_allclose(localisation_stability(a, b), want)
    assert localisation_stability([[], [[0, 0, 1, 1]]], [[], []]).tolist() == [0.0, 1.0]


def test_scene_complexity_counts_objects_and_mixes_classes():
    one_class = np.array([[0.9, 0.1]] * 4)
    mixed = np.array([[0.9, 0.1], [0.1, 0.9], [0.9, 0.1], [0.1, 0.9]])
    few_mixed = mixed[:2]
    s = scene_complexity([one_class, mixed, few_mixed, np.zeros((0, 2))])
    assert s[1] > s[0] and s[1] > s[2] > 0 and s[3] == 0
    assert s[1] == pytest.approx(4 * 0.9 * H([0.5, 0.5]))
    # explicit confidences
    assert scene_complexity([(mixed, np.full(4, 0.5))])[0] == pytest.approx(2 * H([0.5, 0.5]))


def test_pixel_entropy_and_boundaries():
    p = np.zeros((2, 4, 4))
    p[0, :, :2], p[1, :, 2:] = 0.8, 0.8
    p[1, :, :2], p[0, :, 2:] = 0.2, 0.2
    p[:, 0, 0] = 0.5  # one uncertain pixel away from the boundary (column 0; its tie goes to class 0)
    want_mean = (15 * H([0.8, 0.2]) + H([0.5, 0.5])) / 16
    assert mean_pixel_entropy([p])[0] == pytest.approx(want_mean)
    # boundary pixels: columns 1 and 2 (the label changes between them); pixel (0,0) ties -> argmax 0, same class
    assert boundary_uncertainty([p])[0] == pytest.approx(H([0.8, 0.2]))
    flat = np.zeros((2, 3, 3))
    flat[0] = 1.0
    assert boundary_uncertainty(np.stack([flat]))[0] == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_alignment_uncertainty_matches_its_definition(seed):
    rng = np.random.default_rng(seed)
    s = rng.normal(size=(7, 7))
    want = []
    for i in range(7):
        row = s[i, i] - max(s[i, j] for j in range(7) if j != i)
        col = s[i, i] - max(s[j, i] for j in range(7) if j != i)
        want.append(1 - min(row, col))
    np.testing.assert_allclose(alignment_uncertainty(s), want)
    assert select(alignment_uncertainty(s), 2).tolist() == list(np.argsort(want)[::-1][:2])


def _text_margin_by_definition(S):
    """1 - min(best - second best of the row, best - the best other text on the best image), by loops."""
    n, m = len(S), len(S[0])
    out = []
    for t in range(n):
        b = max(range(m), key=lambda j: (S[t][j], -j))  # the first best image
        margins = []
        if m > 1:
            margins.append(S[t][b] - sorted(S[t])[-2])
        if n > 1:
            margins.append(S[t][b] - max(S[u][b] for u in range(n) if u != t))
        out.append(1 - min(margins) if margins else 0.0)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_text_margin_uncertainty_matches_its_definition(seed):
    rng = np.random.default_rng(seed)
    S = rng.uniform(size=(9, 12))
    np.testing.assert_allclose(text_margin_uncertainty(S), _text_margin_by_definition(S.tolist()))
    assert text_margin_uncertainty(S[:1, :1]).tolist() == [0.0]  # no margin to form
    assert text_margin_uncertainty(S[:1]).tolist() == pytest.approx(_text_margin_by_definition(S[:1].tolist()))


@pytest.mark.parametrize("seed", range(5))
def test_shown_margin_is_the_most_uncertain_of_the_likeliest_shown(seed):
    rng = np.random.default_rng(seed)
    S = rng.uniform(size=(30, 8))
    for k, candidates in [(4, 3), (2, 5), (10, 3), (30, 5)]:
        best = S.max(axis=1)
        shortlist = sorted(range(30), key=lambda t: (-best[t], t))[: candidates * k]
        u = _text_margin_by_definition(S.tolist())
        want = sorted(shortlist, key=lambda t: (-u[t], t))[:k]
        assert shown_margin(S, k, candidates=candidates).tolist() == want
    # a shortlisted text is never passed over for a more uncertain one outside the shortlist
    S = np.array([[0.9, 0.1], [0.3, 0.29], [0.8, 0.7], [0.85, 0.2]])
    # best similarities .9, .3, .8, .85; uncertainties .95, 1.6, 1.1, 1.05 (every best image is image 0)
    assert [shown_margin(S, 1, candidates=c).tolist() for c in (1, 2, 3, 4)] == [[0], [3], [2], [1]]
    assert shown_margin(S, 0).tolist() == [] and len(shown_margin(S, 9)) == 4


def test_shown_random_draws_from_the_likeliest_shown_without_repeats():
    S = np.random.default_rng(3).uniform(size=(40, 8))
    best = S.max(axis=1)
    shortlist = set(sorted(range(40), key=lambda t: (-best[t], t))[:15])
    draws = [shown_random(S, 5, candidates=3, rng=seed).tolist() for seed in range(30)]
    assert all(len(set(d)) == 5 and set(d) <= shortlist for d in draws)
    assert len({t for d in draws for t in d}) == 15  # every shortlisted text is drawn some time
    assert shown_random(S, 5, candidates=3, rng=7).tolist() == shown_random(S, 5, candidates=3, rng=7).tolist()
    assert shown_random(S, 0).tolist() == [] and sorted(shown_random(S[:4], 9).tolist()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="candidates >= 1"):
        shown_random(S, 2, candidates=0)


@pytest.mark.parametrize("call,message", [
    (lambda: text_margin_uncertainty(np.ones(3)), "similarity must be a \\(texts, images\\) matrix"),
    (lambda: shown_margin(np.array([[0.1, np.inf]]), 1), "text 0: similarity is NaN or infinite"),
    (lambda: shown_margin(np.ones((2, 2)), 1, candidates=0), "candidates >= 1"),
    (lambda: box_uncertainty([np.array([0.5, np.nan])]), "image 0: box scores must be probabilities"),
    (lambda: box_uncertainty([np.array([[0.5, 0.6]])]), "image 0: each box's class probabilities must sum to 1"),
    (lambda: box_uncertainty([np.array([0.5])], aggregate="median"), "aggregate must be"),
    (lambda: localisation_stability([[[0, 0, -1, 1]]], [[]]), "image 0: predicted boxes must be finite"),
    (lambda: localisation_stability([[]], []), "boxes for 1 images and augmented boxes for 0"),
    (lambda: mean_pixel_entropy([np.full((2, 2, 2), 0.7)]), "image 0: each pixel's class probabilities"),
    (lambda: mean_pixel_entropy([np.ones((2, 2))]), "image 0: a probability map must be \\(classes, H, W\\)"),
    (lambda: alignment_uncertainty(np.ones((2, 3))), "square"),
    (lambda: alignment_uncertainty(np.array([[1.0, np.nan], [0.0, 1.0]])), "pair 0: similarity is NaN"),
    (lambda: scene_complexity([(np.array([[1.0, 0.0]]), np.array([0.5, 0.5]))]), "image 0: give one confidence"),
])
def test_bad_input_is_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
