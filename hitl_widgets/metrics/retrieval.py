"""Ranked-retrieval metrics for one query (pure numpy): precision@k, recall@k, MRR, nDCG@k.

``relevance`` is always the relevance of the returned results **in rank order** (rank 1 first):
0/1 (or booleans) for binary judgements, non-negative numbers for graded ones. A result counts as
relevant when its relevance is > 0. Missing results (a list shorter than ``k``) count as not
relevant, so precision@k divides by ``k`` (the convention of trec_eval).

Example:
    >>> rel = [1, 0, 1, 0, 0]                     # ranks 1 and 3 are relevant
    >>> precision_at_k(rel, 3)                    # 2 of the top 3
    0.6666666666666666
    >>> recall_at_k(rel, 3, n_relevant=4)         # 2 of the 4 relevant items in the collection
    0.5
    >>> mrr([rel, [0, 0, 1]])                     # (1/1 + 1/3) / 2
    0.6666666666666666
    >>> round(ndcg_at_k(rel, 3), 4)               # (1 + 1/log2(4)) / (1 + 1/log2(3))
    0.9197
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["precision_at_k", "recall_at_k", "reciprocal_rank", "mrr", "dcg_at_k", "ndcg_at_k"]


def _relevance(relevance: Sequence[float] | np.ndarray) -> np.ndarray:
    rel = np.asarray(relevance, dtype=float)
    if rel.ndim != 1:
        raise ValueError(f"relevance must be 1-D (one query's results in rank order), got shape {rel.shape}")
    if rel.size and (not np.isfinite(rel).all() or (rel < 0).any()):
        raise ValueError("relevance must be finite and non-negative")
    return rel


def _k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive int, not {k!r}")
    return int(k)


def precision_at_k(relevance: Sequence[float] | np.ndarray, k: int) -> float:
    """Fraction of the top ``k`` results that are relevant (missing results count as not relevant).

    Example:
        >>> precision_at_k([0, 1, 1, 0], 2)
        0.5
    """
    rel, k = _relevance(relevance), _k(k)
    return float(np.count_nonzero(rel[:k] > 0) / k)


def recall_at_k(relevance: Sequence[float] | np.ndarray, k: int, n_relevant: int) -> float:
    """Fraction of the ``n_relevant`` relevant items of the collection found in the top ``k``
    (``relevance`` ranks part of the collection: more relevant results in it than ``n_relevant``
    is refused, past the top ``k`` too).

    ``nan`` when the query has no relevant item (recall is undefined there).

    Example:
        >>> recall_at_k([1, 0, 1], 2, n_relevant=2)
        0.5
    """
    rel, k = _relevance(relevance), _k(k)
    if isinstance(n_relevant, bool) or int(n_relevant) != n_relevant or n_relevant < 0:
        raise ValueError(f"n_relevant must be a non-negative int, not {n_relevant!r}")
    listed = int(np.count_nonzero(rel > 0))  # the ranked list is part of the collection: all of it counts
    if listed > n_relevant:
        raise ValueError(f"{listed} relevant results in the ranked list but n_relevant={n_relevant}")
    found = int(np.count_nonzero(rel[:k] > 0))
    if n_relevant == 0:
        return float("nan")
    return float(found / n_relevant)


def reciprocal_rank(relevance: Sequence[float] | np.ndarray, k: int | None = None) -> float:
    """1 / rank of the first relevant result (0 when none is relevant, within the top ``k`` if given).

    Example:
        >>> reciprocal_rank([0, 0, 1, 1])
        0.3333333333333333
    """
    rel = _relevance(relevance)
    if k is not None:
        rel = rel[: _k(k)]
    hits = np.flatnonzero(rel > 0)
    return float(1.0 / (hits[0] + 1)) if hits.size else 0.0


def mrr(relevances: Iterable[Sequence[float] | np.ndarray], k: int | None = None) -> float:
    """Mean reciprocal rank over queries (``nan`` for no queries).

    Example:
        >>> mrr([[1, 0], [0, 1], [0, 0]])             # (1 + 1/2 + 0) / 3
        0.5
    """
    rr = [reciprocal_rank(r, k) for r in relevances]
    return float(np.mean(rr)) if rr else float("nan")


def dcg_at_k(relevance: Sequence[float] | np.ndarray, k: int) -> float:
    """Discounted cumulative gain of the top ``k``: sum of rel_i / log2(i + 1), ranks i from 1.

    Example:
        >>> round(dcg_at_k([3, 2, 3], 3), 6)          # 3 + 2/log2(3) + 3/2
        5.76186
    """
    rel, k = _relevance(relevance), _k(k)
    top = rel[:k]
    return float(np.sum(top / np.log2(np.arange(2, top.size + 2))))


def ndcg_at_k(
    relevance: Sequence[float] | np.ndarray,
    k: int,
    ideal: Sequence[float] | np.ndarray | None = None,
) -> float:
    """DCG@k divided by the DCG@k of the ideal ranking (linear gain, log2 discount).

    ``ideal``: the relevance of **every** relevant item in the collection (e.g. ``[1] * n_relevant``
    for binary judgements); by default the returned results themselves, re-sorted (which
    overestimates nDCG when relevant items were not retrieved). ``0.0`` when nothing is relevant.
    The returned results are items of the collection, so ``ideal`` must allow them: a ``ValueError``
    when the n-th most relevant returned result (any rank, not only the top ``k``) is more relevant
    than the n-th largest value of ``ideal`` (e.g. two relevant results with ``ideal=[1]``) — nDCG
    would exceed 1 or be too high (as ``recall_at_k`` refuses more found than ``n_relevant``).

    Example:
        >>> round(ndcg_at_k([0, 1], 2), 4)            # (1/log2(3)) / 1
        0.6309
        >>> round(ndcg_at_k([0, 1], 2, ideal=[1, 1]), 4)   # (1/log2(3)) / (1 + 1/log2(3))
        0.3869
    """
    rel, k = _relevance(relevance), _k(k)
    best = np.sort(_relevance(rel if ideal is None else ideal))[::-1]
    if ideal is not None:
        found = np.sort(rel[rel > 0])[::-1]
        allowed = np.concatenate([best, np.zeros(max(found.size - best.size, 0))])[: found.size]
        over = np.flatnonzero(found > allowed)
        if over.size:  # exact comparisons: no rounding decides
            n, value = int(over[0]) + 1, float(found[over[0]])
            raise ValueError(
                f"the returned results are more relevant than `ideal` allows: {n} returned result(s) have relevance >= {value:g}, "
                f"but `ideal` has only {int(np.count_nonzero(best >= value))} such item(s); `ideal` must list the "
                "relevance of every relevant item in the collection, the returned ones included"
            )
    idcg = dcg_at_k(best, k)
    if idcg == 0:
        return 0.0
    return float(dcg_at_k(rel, k) / idcg)
