"""Confusion matrices, per-class precision / recall / F1, and likely label errors (pure numpy).

``confusion_matrix`` is one ``np.bincount`` over ``true * C + pred`` codes (a million predictions
in a few milliseconds). ``find_label_issues`` ranks likely label errors by confident learning
(Northcutt, Jiang & Chuang, 2021): per-class thresholds are the mean predicted probability of
each class over the items given that class; an item confidently predicted to be another class
(the off-diagonal of the *confident joint*) whose given label is not its most probable class is a
likely error, ranked by the probability of its given label (self-confidence) or by the normalised
margin — the same set as ``cleanlab.filter.find_label_issues(filter_by="confident_learning")``.
With ``backend="auto"`` the ranking comes from ``cleanlab`` (that filter) when it is installed.

>>> confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2]).tolist()
[[1, 0, 0], [0, 1, 1], [0, 0, 1]]
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..coerce import check_label_kinds, label_array, plain, refuse_misaligned

__all__ = [
    "label_codes",
    "confusion_matrix",
    "row_normalise",
    "per_class_metrics",
    "confident_joint",
    "find_label_issues",
]

RankBy = Literal["self_confidence", "normalized_margin"]
Backend = Literal["auto", "own", "cleanlab"]  # find_label_issues' ranker


def _as_array(values: ArrayLike, what: str) -> np.ndarray:
    arr = label_array(values)  # numpy would make ["a", 2, None] the strs "a", "2", "None"
    if arr.ndim != 1:
        raise ValueError(f"{what} must be 1-D, got shape {arr.shape}")
    return arr


def _refuse_missing(arr: np.ndarray, name: str) -> None:
    """None / NaN is not a label: refuse it naming the row (it gave TypeError '<' or 'class 0.0')."""
    if arr.dtype.kind == "f":
        bad = np.isnan(arr)
    elif arr.dtype.kind == "O":
        bad = pd.isna(arr)
    else:
        return
    if np.ndim(bad) == 1 and bad.any():
        raise ValueError(f"{name} has a missing label (None/NaN) at row {int(np.argmax(bad))}: every row needs a class")


def _classes_of(*arrays: np.ndarray) -> list:
    """The sorted classes present in the arrays (ints in a small range without sorting)."""
    if all(np.issubdtype(a.dtype, np.integer) for a in arrays) and all(a.size for a in arrays):
        lo = min(int(a.min()) for a in arrays)
        hi = max(int(a.max()) for a in arrays)
        if hi - lo < 1 << 20 and hi < 1 << 63:
            seen = np.zeros(hi - lo + 1, dtype=bool)
            for a in arrays:  # widened first: a - lo in int8 / uint8 would wrap around
                seen[a.astype(np.int64, copy=False) - lo if lo else a] = True
            return [int(v) + lo for v in np.flatnonzero(seen)]
    parts = []
    for a in arrays:
        found = _distinct(a) if a.dtype.kind in "US" and a.dtype.itemsize and a.size else None
        parts.append(found[0].astype(object) if found is not None else pd.unique(a.astype(object) if a.dtype.kind in "OUS" else a))
    seen = pd.unique(np.concatenate(parts)) if parts else []
    try:
        return [plain(v) for v in sorted(seen)]
    except TypeError:  # mixed types: ints first, then strs
        return [plain(v) for v in sorted(seen, key=lambda v: (isinstance(v, str), v if not isinstance(v, str) else 0, str(v)))]


_HASH_WEIGHTS = np.random.default_rng(12345).integers(1, 2**62, 4096, dtype=np.uint64) | np.uint64(1)


def _distinct(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct values of a fixed-width str/bytes array and each value's index into them, by
    hashing the raw characters to one integer (a vectorised O(n) pass, then an integer sort);
    None when the hash collides (checked) or the strings are too wide."""
    unit = 4 if arr.dtype.kind == "U" else 1
    width = arr.dtype.itemsize // unit
    if width > len(_HASH_WEIGHTS) or not arr.flags.c_contiguous:
        arr = np.ascontiguousarray(arr)
        if width > len(_HASH_WEIGHTS):
            return None
    chars = arr.view(np.uint32 if unit == 4 else np.uint8).reshape(len(arr), width)
    h = np.zeros(len(arr), dtype=np.uint64)
    for k in range(width):  # wrapping multiply-add: a polynomial hash of the characters
        h += chars[:, k].astype(np.uint64) * _HASH_WEIGHTS[k]
    inverse, keys = pd.factorize(h)  # a hash table over integers: O(n), no sort
    first = np.empty(len(keys), dtype=np.intp)
    first[inverse[::-1]] = np.arange(len(arr) - 1, -1, -1)  # the last write wins: first occurrences
    values = arr[first]
    if not np.array_equal(values[inverse], arr):
        return None  # two different strings hashed alike
    return values, inverse


def _fixed_width_codes(arr: np.ndarray, classes: list) -> np.ndarray | None:
    found = _distinct(arr)
    if found is None:
        return None
    values, inverse = found
    lut = label_codes(np.asarray([plain(v) for v in values], dtype=object), classes)
    return lut[inverse]


def label_codes(values: ArrayLike, classes: Sequence[Any]) -> np.ndarray:
    """Codes ``0..C-1`` of ``values`` in ``classes`` (``ValueError`` naming a value not in classes).

    >>> label_codes(["b", "a", "b"], ["a", "b"]).tolist()
    [1, 0, 1]
    """
    arr = _as_array(values, "labels")
    classes = [plain(c) for c in classes]
    n = len(classes)
    if arr.size == 0:
        return np.zeros(0, dtype=np.intp)
    if np.issubdtype(arr.dtype, np.integer) and classes == list(range(n)):
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise ValueError(f"label {bad!r} is not one of the {n} classes")
        return arr.astype(np.intp, copy=False)
    if arr.dtype.kind in "US" and arr.dtype.itemsize:
        fast = _fixed_width_codes(arr, classes)
        if fast is not None:
            return fast
    if arr.dtype.kind in "iufUS" and all(isinstance(c, (int, float, str)) and not isinstance(c, bool) for c in classes):
        try:
            cls = np.asarray(classes)
            order = np.argsort(cls, kind="stable")
            sorted_cls = cls[order]
            pos = np.searchsorted(sorted_cls, arr)
            pos = np.minimum(pos, n - 1)
            ok = sorted_cls[pos] == arr
            if ok.all():
                return order[pos].astype(np.intp)
            bad = arr[np.argmin(ok)]
            raise ValueError(f"label {plain(bad)!r} is not one of the classes {classes[:20]}")
        except TypeError:
            pass  # mixed types: the dict path below
    index = {c: k for k, c in enumerate(classes)}
    out = np.empty(arr.size, dtype=np.intp)
    for k, v in enumerate(arr.tolist()):
        code = index.get(v)
        if code is None or type(classes[code]) is not type(v) and not (isinstance(v, (int, float)) and isinstance(classes[code], (int, float))):
            raise ValueError(f"label {v!r} is not one of the classes {classes[:20]}")
        out[k] = code
    return out


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, classes: Sequence[Any] | None = None) -> np.ndarray:
    """Counts ``(C, C)``: row = true class, column = predicted class (as scikit-learn's).

    ``classes`` fixes the order (default: the sorted classes present in either array). Labels
    that mix kinds (``coerce.check_label_kinds``: "1" and 1, also in a plain list; True beside a
    number other than 0/1) are refused (``ValueError``), not counted apart, and so is a missing
    label (None/NaN), naming its row. Rows pair by position: pandas inputs indexed by different
    ids are refused (``coerce.refuse_misaligned``).

    >>> confusion_matrix(["a", "b", "b"], ["a", "a", "b"], classes=["b", "a"]).tolist()
    [[1, 1], [0, 1]]
    """
    refuse_misaligned("confusion_matrix", y_true=y_true, y_pred=y_pred)
    t = _as_array(y_true, "y_true")
    p = _as_array(y_pred, "y_pred")
    if len(t) != len(p):
        raise ValueError(f"y_true has {len(t)} labels, y_pred {len(p)}")
    _refuse_missing(t, "y_true")
    _refuse_missing(p, "y_pred")
    check_label_kinds(y_true=t, y_pred=p, classes=classes)
    if all(a.dtype.kind in "US" and a.dtype.itemsize and a.size for a in (t, p)):
        ft, fp = _distinct(t), _distinct(p)
        if ft is not None and fp is not None:  # strings: hash once, then work on the few distinct
            if classes is None:
                classes = _classes_of(ft[0].astype(object), fp[0].astype(object))
            classes = [plain(c) for c in classes]
            ct = label_codes(ft[0].astype(object), classes)[ft[1]]
            cp = label_codes(fp[0].astype(object), classes)[fp[1]]
            return _bincount(ct, cp, len(classes))
    if classes is None:
        classes = _classes_of(t, p)
    n = len(classes)
    if n == 0:
        return np.zeros((0, 0), dtype=np.int64)
    ct = label_codes(t, classes)
    cp = label_codes(p, classes)
    return _bincount(ct, cp, n)


def _bincount(ct: np.ndarray, cp: np.ndarray, n: int) -> np.ndarray:
    if n == 0:
        return np.zeros((0, 0), dtype=np.int64)
    flat = ct * n + cp if n * n < 2**31 else ct.astype(np.int64) * n + cp
    return np.bincount(flat, minlength=n * n).reshape(n, n).astype(np.int64, copy=False)


def row_normalise(matrix: ArrayLike) -> np.ndarray:
    """Each row divided by its sum (recall on the diagonal); empty rows stay 0."""
    m = np.asarray(matrix, dtype=float)
    sums = m.sum(axis=1, keepdims=True)
    return np.divide(m, sums, out=np.zeros_like(m), where=sums > 0)


def per_class_metrics(matrix: ArrayLike, classes: Sequence[Any] | None = None) -> pd.DataFrame:
    """Precision, recall and F1 per class from a confusion matrix (rows true, columns predicted).

    Columns: class, precision, recall, f1, support (true count), predicted (predicted count).
    An undefined ratio (no prediction / no support) is NaN.

    >>> per_class_metrics([[3, 1], [0, 4]], ["a", "b"])["recall"].tolist()
    [0.75, 1.0]
    """
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"a confusion matrix must be square, got shape {m.shape}")
    tp = np.diag(m)
    support = m.sum(axis=1)
    predicted = m.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, np.nan)
        recall = np.where(support > 0, tp / support, np.nan)
        f1 = np.where(predicted + support > 0, 2 * tp / (predicted + support), np.nan)
    return pd.DataFrame({
        "class": [plain(c) for c in classes] if classes is not None else list(range(len(m))),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support.astype(np.int64),
        "predicted": predicted.astype(np.int64),
    })


_FLOAT_TOL = 1e-6  # cleanlab's FLOATING_POINT_COMPARISON


def _refuse_named_frames(labels: ArrayLike, pred_probs: ArrayLike) -> None:
    """Column ``k`` of ``pred_probs`` is class code ``k`` and rows pair by position: a DataFrame whose
    columns are not 0..C-1 (class names, in some order), or pandas inputs indexed by different ids,
    would be read wrongly without a word, so they are refused."""
    if isinstance(pred_probs, pd.DataFrame) and not pred_probs.columns.equals(pd.RangeIndex(pred_probs.shape[1])):
        raise ValueError(
            f"pred_probs's columns {list(pred_probs.columns)[:10]} are not 0..C-1: find_label_issues reads column k "
            "as class code k, so give pred_probs.to_numpy() with its columns in the order of the codes (label_codes)")
    refuse_misaligned("find_label_issues", labels=labels, pred_probs=pred_probs)


def _check_probs(labels: ArrayLike, pred_probs: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    _refuse_named_frames(labels, pred_probs)
    y = _as_array(labels, "labels")
    p = np.asarray(pred_probs, dtype=float)
    if p.ndim != 2:
        raise ValueError(f"pred_probs must be (N, C), got shape {p.shape}")
    if len(y) != len(p):
        raise ValueError(f"labels has {len(y)} entries, pred_probs {len(p)} rows")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError("labels must be integer class codes 0..C-1 (see label_codes)")
    if y.size and (y.min() < 0 or y.max() >= p.shape[1]):
        raise ValueError(f"labels must be in 0..{p.shape[1] - 1}")
    if not np.isfinite(p).all():
        raise ValueError("pred_probs holds NaN or infinite values")
    bad = (p < 0).any(axis=1) | (p > 1).any(axis=1) | (np.abs(p.sum(axis=1) - 1.0) > 1e-3)
    if bad.any():
        n = int(np.argmax(bad))
        raise ValueError(
            f"pred_probs row {n} is not a probability distribution ({p[n].tolist()[:10]}, sum {p[n].sum():.4g}): "
            "each row must lie in [0, 1] and sum to 1 (logits? apply a softmax first)"
        )
    return y.astype(np.intp, copy=False), p


def _thresholds(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per class: mean predicted probability of that class over the items labelled with it."""
    n_classes = p.shape[1]
    counts = np.bincount(y, minlength=n_classes).astype(float)
    sums = np.bincount(y, weights=p[np.arange(len(y)), y], minlength=n_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = sums / counts
    # a class nobody was given can never be confident; like cleanlab, a threshold is at least 2e-6
    return np.where(counts > 0, np.maximum(t, 2 * _FLOAT_TOL), np.inf)


def _confident_class(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per item, the class it is confidently predicted to be (-1: none), as cleanlab counts it.

    A class is confident when its probability reaches its threshold less ``1e-6`` (a mean such as
    0.7000000000000001 must not miss items at 0.7). One confident class: that class; two or more:
    the item's most probable class overall (cleanlab's ``compute_confident_joint``).
    """
    above = p >= _thresholds(y, p)[None, :] - _FLOAT_TOL
    n_above = above.sum(axis=1)
    best = np.where(n_above > 1, np.argmax(p, axis=1), np.argmax(above, axis=1))
    best[n_above == 0] = -1
    return best


def confident_joint(labels: ArrayLike, pred_probs: ArrayLike) -> np.ndarray:
    """``(C, C)`` counts of (given label, confidently predicted class) — confident learning's C.

    >>> confident_joint([0, 0, 1, 1], [[.9, .1], [.2, .8], [.1, .9], [.3, .7]]).tolist()
    [[1, 1], [0, 1]]
    """
    y, p = _check_probs(labels, pred_probs)
    n = p.shape[1]
    best = _confident_class(y, p)
    keep = best >= 0
    return np.bincount(y[keep] * n + best[keep], minlength=n * n).reshape(n, n)


def _margin(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    given = p[np.arange(len(y)), y]
    others = p.copy()
    others[np.arange(len(y)), y] = -np.inf
    return given - others.max(axis=1) if p.shape[1] > 1 else given


def _cleanlab_issues(y: np.ndarray, p: np.ndarray, rank_by: RankBy) -> np.ndarray:
    from cleanlab.filter import find_label_issues as cl_find  # optional dependency

    # filter_by="confident_learning": the off-diagonals of the confident joint, the rule the own
    # backend implements (cleanlab's default, "prune_by_noise_rate", flags a different set)
    found = cl_find(labels=y, pred_probs=p, filter_by="confident_learning", return_indices_ranked_by=rank_by)
    return np.asarray(found, dtype=np.intp)


def find_label_issues(
    labels: ArrayLike,
    pred_probs: ArrayLike,
    rank_by: RankBy = "self_confidence",
    backend: Backend = "own",
) -> pd.DataFrame:
    """Likely label errors, most likely first, by confident learning.

    ``labels``: given class codes ``0..C-1`` (see ``label_codes``); ``pred_probs``: ``(N, C)``
    out-of-sample probabilities. An item is flagged when it is confidently predicted to be
    another class than its given label and that label is not its most probable class — cleanlab's
    ``filter_by="confident_learning"``, which both backends use, so they flag the same items. A
    class is confident when its probability reaches its per-class threshold (less ``1e-6``); with
    two or more confident classes the item's most probable class is the one counted.
    Ranked by ``rank_by``: "self_confidence" (probability of the given label, lowest first) or
    "normalized_margin" (given minus best other, lowest first). ``backend``: "own" (this
    implementation), "cleanlab" (``cleanlab.filter.find_label_issues``), "auto" (cleanlab when
    importable, else own).

    Columns: position (row in the inputs), given, suggested (the most probable other class),
    self_confidence, margin, rank; ``df.attrs["backend"]`` says which backend ranked.

    >>> probs = [[.9, .1], [.8, .2], [.15, .85], [.2, .8], [.95, .05]]
    >>> find_label_issues([0, 0, 1, 1, 1], probs)["position"].tolist()
    [4]
    """
    if rank_by not in ("self_confidence", "normalized_margin"):
        raise ValueError(f"rank_by must be 'self_confidence' or 'normalized_margin', not {rank_by!r}")
    if backend not in ("auto", "own", "cleanlab"):
        raise ValueError(f"backend must be 'auto', 'own' or 'cleanlab', not {backend!r}")
    y, p = _check_probs(labels, pred_probs)
    used = "own"
    if backend in ("auto", "cleanlab"):
        try:
            idx = _cleanlab_issues(y, p, rank_by)
            used = "cleanlab"
        except ImportError:
            if backend == "cleanlab":
                raise
    rows = np.arange(len(y))
    self_conf = p[rows, y] if len(y) else np.zeros(0)
    margin = _margin(y, p) if len(y) else np.zeros(0)
    if used == "own":
        best = _confident_class(y, p)
        flagged = np.flatnonzero((best >= 0) & (best != y))
        # as cleanlab does: not an issue when the given label is (within 1e-6) the most probable
        nudged = p[flagged].copy()
        nudged[np.arange(len(flagged)), y[flagged]] += _FLOAT_TOL
        flagged = flagged[nudged.argmax(axis=1) != y[flagged]]
        key = self_conf[flagged] if rank_by == "self_confidence" else margin[flagged]
        idx = flagged[np.lexsort((flagged, key))]
    others = p.copy()
    others[rows, y] = -np.inf
    suggested = others.argmax(axis=1) if len(y) else np.zeros(0, dtype=np.intp)
    out = pd.DataFrame({
        "position": idx.astype(np.int64),
        "given": y[idx].astype(np.int64),
        "suggested": suggested[idx].astype(np.int64),
        "self_confidence": self_conf[idx],
        "margin": margin[idx],
        "rank": np.arange(len(idx), dtype=np.int64),
    })
    out.attrs["backend"] = used
    return out
