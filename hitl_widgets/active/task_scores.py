"""Informativeness scores for boxes, masks and image–text pairs: one score per item, higher = ask first,
to hand to ``select`` / ``select_stratified`` like the classification scores.

Detection (per image, from the model's boxes):
* ``box_uncertainty`` — each box's entropy (its class distribution, or the binary entropy of its one
  confidence), aggregated per image by mean, max or sum. An image with no box scores 0.
* ``localisation_stability`` — 1 − the mean, over the boxes predicted on the image, of their best IoU
  with the boxes predicted on a flipped or shifted copy (mapped back): boxes that move score high. No
  box on either side: 0; boxes on one side only: 1.
* ``scene_complexity`` — expected objects (the sum of box confidences) × the entropy of the image's
  mean class distribution: many objects of mixed classes ("complex scenes") score high.
Segmentation (per image, from class-probability maps ``(C, H, W)``):
* ``mean_pixel_entropy`` — the mean of the per-pixel entropies.
* ``boundary_uncertainty`` — the mean entropy over the pixels on a boundary of the predicted labels
  (a pixel whose arg-max differs from a 4-neighbour's); 0 for an image with one predicted class.
Image–text alignment (per pair, from a similarity matrix whose diagonal holds the pairs):
* ``alignment_uncertainty`` — 1 − the smaller of the two margins of the pair's match: best minus
  second-best similarity along its row (image → texts) and along its column (text → images), where
  "best" is the pair's own similarity when it is the best, and the margin is negative when another text
  (image) beats it. Low confidence in either direction scores high.
Image–text retrieval (per text, from a ``(texts, images)`` similarity over a gallery, the texts' matches
unknown, each text shown with its ``k`` best images):
* ``text_margin_uncertainty`` — 1 − the smaller margin of the text's best image: against the text's
  second-best image, and against the best similarity of any other text with that image.
* ``shown_margin`` — a batch, not a score: of the ``candidates · k`` texts with the highest best
  similarity (those whose match is most likely among the images shown), the ``k`` with the highest
  ``text_margin_uncertainty``.
* ``shown_random`` — a batch: ``k`` texts drawn at random from the same shortlist.

Entropies are in nats (0 log 0 = 0). Every function validates its input and names the image.

Example:
    >>> import numpy as np
    >>> box_uncertainty([np.array([0.5, 0.99]), np.array([])], aggregate="max").round(3).tolist()
    [0.693, 0.0]
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..coerce import to_numpy
from ..metrics.geometry import box_iou

__all__ = ["box_uncertainty", "localisation_stability", "scene_complexity", "mean_pixel_entropy",
           "boundary_uncertainty", "alignment_uncertainty", "text_margin_uncertainty", "shown_margin",
           "shown_random"]


def _entropy_rows(p: np.ndarray) -> np.ndarray:
    logs = np.zeros_like(p)
    np.log(p, out=logs, where=p > 0)
    return -(p * logs).sum(axis=-1)


def _box_probs(scores: Any, image: int, classes_needed: bool = False) -> np.ndarray:
    """(B, C) class distributions of one image's boxes: a 1-D confidence becomes (p, 1 - p), or with
    ``classes_needed`` (scene_complexity) is refused: read as (p, 1 - p), a scene of boxes at 0.1 and
    one at 0.9 would get the same complexity."""
    p = np.asarray(to_numpy(scores), dtype=np.float64)
    if classes_needed and p.ndim == 1 and p.size:
        raise ValueError(f"image {image}: scene_complexity needs each box's class probabilities, (boxes, classes), "
                         f"not 1-D confidences (shape {p.shape}): a confidence alone has no class "
                         "distribution (give (probs, confidences) pairs, or a detector's 'probs' column)")
    if p.ndim == 1:
        p = np.stack([p, 1.0 - p], axis=1) if p.size else np.zeros((0, 2))
    if p.ndim != 2:
        raise ValueError(f"image {image}: box scores must be (boxes,) confidences or (boxes, classes) probabilities, "
                         f"got shape {p.shape}")
    if p.size and (not np.isfinite(p).all() or (p < 0).any() or (p > 1).any()):
        raise ValueError(f"image {image}: box scores must be probabilities in [0, 1] (found NaN, inf or a value outside)")
    if p.size and p.shape[1] > 1 and not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(f"image {image}: each box's class probabilities must sum to 1")
    return p


def box_uncertainty(box_scores: Sequence[Any], aggregate: str = "mean") -> np.ndarray:
    """Per-image aggregate of per-box entropy (see the module).

    Example:
        >>> box_uncertainty([np.array([[0.5, 0.5], [1.0, 0.0]])], aggregate="sum").round(3).tolist()
        [0.693]
    """
    reducers: dict[str, Callable[[np.ndarray], Any]] = {"mean": np.mean, "max": np.max, "sum": np.sum}
    reduce = reducers.get(aggregate)
    if reduce is None:
        raise ValueError(f"aggregate must be 'mean', 'max' or 'sum', not {aggregate!r}")
    out = np.zeros(len(box_scores))
    for n, scores in enumerate(box_scores):
        p = _box_probs(scores, n)
        if len(p):
            out[n] = reduce(_entropy_rows(p))
    return out


def _boxes(boxes: Any, image: int, what: str) -> np.ndarray:
    """One image's ``(boxes, 4)`` (x, y, w, h) array; no box: any empty input. Any other shape is
    refused naming the image: reshaping a detector's ``(boxes, 6)`` output to rows of 4 would read
    its scores and classes as coordinates."""
    if not np.size(boxes):
        return np.zeros((0, 4))
    b = np.asarray(to_numpy(boxes), dtype=np.float64)
    if b.ndim != 2 or b.shape[1] != 4:
        raise ValueError(f"image {image}: {what} boxes must be a (boxes, 4) array of (x, y, w, h), got shape {b.shape}"
                         + (f" (a detector's (boxes, {b.shape[1]}) output? give its 4 box columns)"
                            if b.ndim == 2 and b.shape[1] > 4 else ""))
    if not np.isfinite(b).all() or (b[:, 2:] < 0).any():
        raise ValueError(f"image {image}: {what} boxes must be finite (x, y, w, h) with w, h >= 0")
    return b


def localisation_stability(boxes: Sequence[Any], boxes_augmented: Sequence[Any]) -> np.ndarray:
    """1 − mean best IoU of each image's boxes with its augmented copy's boxes, mapped back.

    Example:
        >>> localisation_stability([[[0, 0, 2, 2]]], [[[1, 0, 2, 2]]]).round(3).tolist()
        [0.667]
    """
    if len(boxes) != len(boxes_augmented):
        raise ValueError(f"got boxes for {len(boxes)} images and augmented boxes for {len(boxes_augmented)}")
    out = np.zeros(len(boxes))
    for n, (a, b) in enumerate(zip(boxes, boxes_augmented)):
        a, b = _boxes(a, n, "predicted"), _boxes(b, n, "augmented")
        if len(a) == 0 and len(b) == 0:
            continue
        if len(a) == 0 or len(b) == 0:
            out[n] = 1.0
            continue
        out[n] = 1.0 - box_iou(a, b).max(axis=1).mean()
    return out


def scene_complexity(box_scores: Sequence[Any]) -> np.ndarray:
    """Expected number of objects × entropy of the mean class distribution, per image. Boxes come as
    ``(boxes, classes)`` probabilities with a confidence each: give ``(probs, confidences)`` pairs, or
    probabilities alone (confidence = the top probability). 1-D confidences alone are refused (they
    hold no class distribution); an image with no box (an empty array) scores 0.

    Example:
        >>> scene_complexity([np.array([[1.0, 0.0], [0.0, 1.0]])]).round(3).tolist()
        [1.386]
    """
    out = np.zeros(len(box_scores))
    for n, scores in enumerate(box_scores):
        pair = isinstance(scores, tuple)
        probs = _box_probs(scores[0] if pair else scores, n, classes_needed=True)
        if pair:
            conf = np.asarray(to_numpy(scores[1]), dtype=np.float64)
            if conf.shape != (len(probs),) or not np.isfinite(conf).all() or (conf < 0).any() or (conf > 1).any():
                raise ValueError(f"image {n}: give one confidence in [0, 1] per box ({len(probs)} boxes)")
        else:
            conf = probs.max(axis=1) if len(probs) else np.zeros(0)
        if len(probs):
            out[n] = conf.sum() * _entropy_rows(probs.mean(axis=0, keepdims=True))[0]
    return out


def _maps(prob_maps: Any) -> list[np.ndarray]:
    maps = list(prob_maps) if not isinstance(prob_maps, np.ndarray) or prob_maps.ndim == 4 else [prob_maps]
    out = []
    for n, m in enumerate(maps):
        p = np.asarray(to_numpy(m), dtype=np.float64)
        if p.ndim != 3:
            raise ValueError(f"image {n}: a probability map must be (classes, H, W), got shape {p.shape}")
        if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any() or not np.allclose(p.sum(axis=0), 1.0, atol=1e-3):
            raise ValueError(f"image {n}: each pixel's class probabilities must lie in [0, 1] and sum to 1")
        out.append(p)
    return out


def mean_pixel_entropy(prob_maps: Any) -> np.ndarray:
    """Mean per-pixel entropy of each ``(C, H, W)`` map (a list, or an ``(N, C, H, W)`` array).

    Example:
        >>> mean_pixel_entropy(np.full((1, 2, 2, 2), 0.5)).round(3).tolist()
        [0.693]
    """
    return np.array([_entropy_rows(np.moveaxis(p, 0, -1)).mean() for p in _maps(prob_maps)])


def boundary_uncertainty(prob_maps: Any) -> np.ndarray:
    """Mean entropy over each map's predicted-label boundary pixels (0 when there is no boundary)."""
    out = []
    for p in _maps(prob_maps):
        label = p.argmax(axis=0)
        edge = np.zeros(label.shape, dtype=bool)
        dy = label[1:, :] != label[:-1, :]
        dx = label[:, 1:] != label[:, :-1]
        edge[1:, :] |= dy
        edge[:-1, :] |= dy
        edge[:, 1:] |= dx
        edge[:, :-1] |= dx
        ent = _entropy_rows(np.moveaxis(p, 0, -1))
        out.append(float(ent[edge].mean()) if edge.any() else 0.0)
    return np.array(out)


def alignment_uncertainty(similarity: Any) -> np.ndarray:
    """Per pair ``i`` (row i = image i, column i = its text): 1 − min(row margin, column margin).

    Example:
        >>> alignment_uncertainty(np.array([[0.9, 0.1], [0.5, 0.6]])).round(2).tolist()
        [0.6, 0.9]
    """
    s = np.asarray(to_numpy(similarity), dtype=np.float64)
    if s.ndim != 2 or s.shape[0] != s.shape[1] or s.shape[0] < 2:
        raise ValueError(f"similarity must be a square (pairs, pairs) matrix with the pairs on its diagonal "
                         f"and at least 2 pairs, got shape {s.shape}")
    if not np.isfinite(s).all():
        k = int(np.argwhere(~np.isfinite(s))[0][0])
        raise ValueError(f"pair {k}: similarity is NaN or infinite")
    own = np.diag(s)
    others = s.copy()
    np.fill_diagonal(others, -np.inf)
    row = own - others.max(axis=1)
    col = own - others.max(axis=0)
    return 1.0 - np.minimum(row, col)


def _similarity_rows(similarity: Any) -> np.ndarray:
    s = np.asarray(to_numpy(similarity), dtype=np.float64)
    if s.ndim != 2 or s.shape[1] < 1:
        raise ValueError(f"similarity must be a (texts, images) matrix, got shape {s.shape}")
    if not np.isfinite(s).all():
        raise ValueError(f"text {int(np.argwhere(~np.isfinite(s))[0][0])}: similarity is NaN or infinite")
    return s


def text_margin_uncertainty(similarity: Any) -> np.ndarray:
    """Per text (row): 1 − min(best − second best of its row, best − the best other text's similarity
    with its best image). A margin that cannot be formed (one image; one text) does not count; with
    neither, the text scores 0.

    Example:
        >>> text_margin_uncertainty(np.array([[0.9, 0.5, 0.1], [0.8, 0.7, 0.0]])).round(2).tolist()
        [0.9, 1.1]
    """
    S = _similarity_rows(similarity)
    n = len(S)
    if n == 0:
        return np.zeros(0)
    best = S.argmax(axis=1)
    own = S[np.arange(n), best]
    second = np.sort(S, axis=1)[:, -2] if S.shape[1] > 1 else np.full(n, -np.inf)
    column = S[:, best]  # (texts, texts): every text's similarity with each text's best image
    np.fill_diagonal(column, -np.inf)
    rival = column.max(axis=0) if n > 1 else np.full(n, -np.inf)
    margin = np.minimum(own - second, own - rival)
    return 1.0 - np.where(np.isfinite(margin), margin, 1.0)


def _shortlist(S: np.ndarray, k: int, candidates: int) -> tuple[int, np.ndarray]:
    """``k`` (checked, at most the number of texts) and the ``candidates * k`` texts whose best
    similarity is highest (ties to the lower index): the shortlist of ``shown_margin`` / ``shown_random``."""
    if isinstance(k, bool) or int(k) < 0 or isinstance(candidates, bool) or int(candidates) < 1:
        raise ValueError(f"k must be >= 0 and candidates >= 1, not k={k!r}, candidates={candidates!r}")
    k = min(int(k), len(S))
    return k, np.lexsort((np.arange(len(S)), -S.max(axis=1)))[: int(candidates) * k]


def shown_margin(similarity: Any, k: int, candidates: int = 5) -> np.ndarray:
    """The ``k`` texts to ask next (indices, most uncertain first): of the ``candidates * k`` texts whose
    best similarity is highest, the ``k`` with the highest ``text_margin_uncertainty`` (computed over
    all the texts). Ties go to the lower index.

    Why: a reviewer sees each text with the model's ``k`` best images, and a text whose match is not
    among them is labelled "no match" and trains nothing, so the expected use of a label is the
    chance that its match is shown times what the pair would teach. The most uncertain texts alone
    are the ones whose match is least often shown; a high best similarity is the sign that it is
    (on the demo matcher, tuning scenes: ROC AUC 0.85 for "the match is among the 6 shown"; the
    softmax mass of the top k, 0.55). The ``candidates * k`` shortlist is ``HybridStrategy``'s.

    Example:
        >>> S = np.array([[0.9, 0.1], [0.2, 0.19], [0.8, 0.75], [0.1, 0.0]])
        >>> shown_margin(S, 1, candidates=2).tolist()  # texts 0 and 2 are shortlisted; 2 is less sure
        [2]
    """
    S = _similarity_rows(similarity)
    k, shortlist = _shortlist(S, k, candidates)
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    u = text_margin_uncertainty(S)[shortlist]
    return shortlist[np.lexsort((shortlist, -u))[:k]].astype(np.int64)


def shown_random(similarity: Any, k: int, candidates: int = 5, rng: Any = None) -> np.ndarray:
    """``k`` texts (indices) drawn at random, without replacement, from the ``candidates * k`` texts whose
    best similarity is highest (``shown_margin``'s shortlist); ``rng`` a numpy ``Generator`` or a seed.

    Why: with a model trained from the labelled pairs alone (the demo's ``DualEncoder``), the most
    confident or most uncertain texts are an unrepresentative sample of the pairs and teach less than
    random ones; the shortlist keeps most of the texts whose match will be among the images shown, and
    the random draw keeps the pairs representative (see ``PairTask``).

    Example:
        >>> S = np.array([[0.9, 0.1], [0.2, 0.19], [0.8, 0.75], [0.1, 0.0]])
        >>> sorted(shown_random(S, 1, candidates=2, rng=0).tolist()) in ([0], [2])
        True
    """
    k, shortlist = _shortlist(_similarity_rows(similarity), k, candidates)
    return np.random.default_rng(rng).choice(shortlist, size=k, replace=False).astype(np.int64)
