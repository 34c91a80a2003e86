"""Inter-annotator agreement and consensus (pure numpy + scipy, no widget imports).

Layouts:

* ``cohen_kappa`` takes two 1-D label arrays of the same length (one per rater).
* ``fleiss_kappa``, ``percent_agreement``, ``majority_vote`` and ``dawid_skene`` take
  **items x raters** label arrays.
* ``krippendorff_alpha`` takes **raters x units**, the layout of the ``krippendorff`` package.

Labels may be numbers, strings, booleans or any hashable, sortable values. A missing label is
``None``, a float ``NaN``, ``pd.NA`` or ``pd.NaT``, also among strings in a list or object array
(``["a", nan]`` is "a" and a missing label, never the label "nan"); only a ``str`` "nan" is a
label (as is every value of a numpy str array, which cannot hold a missing one). Labels are
never converted to strs: labels that mix kinds are refused with a ``ValueError`` naming the input
(``coerce.check_label_kinds``: strings beside numbers or booleans, "1" is not the class 1; booleans
beside numbers other than 0/1). Booleans beside 0/1 numbers are those numbers (True is 1, as numpy
reads it: ``cohen_kappa([True, False], [1, 0])`` is 1.0). Numbers compare by value (1 and 1.0 are
one category). Categories are ordered by sorting their values (that order is the one used by
weights, ties and result columns).

Undefined results never come back as a silent ``NaN``: they raise ``ValueError`` with the
reason (e.g. every label is the same category, so chance agreement is 1 and kappa is 0/0).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from ..coerce import check_label_kinds, is_missing, label_array, plain, plain_array, refuse_misaligned, to_numpy
from .geometry import as_bool_mask

__all__ = [
    "BootstrapCI",
    "BoxSetAgreement",
    "DawidSkeneResult",
    "MaskAgreement",
    "SpanAgreement",
    "bootstrap_ci",
    "box_set_agreement",
    "cohen_kappa",
    "dawid_skene",
    "fleiss_kappa",
    "krippendorff_alpha",
    "alpha_from_codes",
    "encode_label_sets",
    "set_distance",
    "set_distances",
    "majority_vote",
    "mask_agreement",
    "percent_agreement",
    "span_agreement",
]

SetLevel = Literal["jaccard", "masi"]
Level = Literal["nominal", "ordinal", "interval", "ratio", SetLevel]
SET_LEVELS: tuple[SetLevel, ...] = ("jaccard", "masi")

# A dense categories x units count matrix is used up to this many cells, a sparse one beyond.
_DENSE_CELLS = 10_000_000
# A dense categories x categories distance matrix is used up to this many categories.
_DENSE_CATEGORIES = 2048


# --------------------------------------------------------------------------- label encoding


def _factorize(arr: np.ndarray, ordered: bool = False) -> tuple[NDArray[np.intp], np.ndarray]:
    """Codes (same shape, -1 = missing) and the sorted categories present in ``arr``."""
    kind = arr.dtype.kind
    if kind in "iuf":
        if kind == "f":
            mask = ~np.isnan(arr)
            vals = arr[mask]
        else:
            mask = None
            vals = arr.ravel()
        if vals.size == 0:
            return np.full(arr.shape, -1, dtype=np.intp), np.zeros(0, arr.dtype)
        lo, hi = vals.min(), vals.max()
        span = float(hi) - float(lo)
        # Fast path: integer values over a modest range -> bincount instead of a sort.
        if (
            np.isfinite(span)
            and span <= max(65_536, vals.size)
            and (kind != "f" or np.array_equal(vals, np.rint(vals)))
        ):
            offsets = (vals - lo).astype(np.intp)
            present = np.bincount(offsets, minlength=int(span) + 1) > 0
            lut = np.cumsum(present, dtype=np.intp) - 1
            cats = (np.flatnonzero(present) + lo).astype(arr.dtype)
            inner = lut[offsets]
        else:
            cats, inner = np.unique(vals, return_inverse=True)
            inner = inner.reshape(-1).astype(np.intp)
        if mask is None:
            return inner.reshape(arr.shape), cats
        codes = np.full(arr.shape, -1, dtype=np.intp)
        codes[mask] = inner
        return codes, cats
    if kind in "bUSMm":
        cats, inner = np.unique(arr, return_inverse=True)
        return inner.reshape(arr.shape).astype(np.intp), cats
    # Object (or other) arrays: a Python pass over the values.
    flat = arr.ravel()
    lookup: dict[Any, int] = {}
    first = np.empty(flat.size, dtype=np.intp)  # codes in order of first appearance
    for i, value in enumerate(flat):
        if is_missing(value):
            first[i] = -1
        else:
            first[i] = lookup.setdefault(value, len(lookup))
    found = list(lookup)
    try:
        order = sorted(range(len(found)), key=found.__getitem__)
    except TypeError:
        if ordered:
            raise ValueError("ordinal data needs labels that can be sorted") from None
        order = list(range(len(found)))  # unsortable mix: order of first appearance
    rank = np.empty(len(found), dtype=np.intp)
    rank[order] = np.arange(len(found))
    codes = np.where(first >= 0, rank[np.maximum(first, 0)], -1)
    ordered_found = [found[i] for i in order]
    types = {type(v) for v in ordered_found}
    if len(types) == 1 and (issubclass(next(iter(types)), (int, float, str, np.number))):
        cats = np.asarray(ordered_found)
    else:
        cats = np.empty(len(ordered_found), dtype=object)
        cats[:] = ordered_found
    return codes.reshape(arr.shape), cats


def _label_arrays(**named: Any) -> dict[str, np.ndarray]:
    """Each given input (None: not given) as a label array with no silent conversion
    (``coerce.label_array``: ``["a", nan]`` stays "a" and NaN, ``[1, "1"]`` an int and a str),
    checked together by ``coerce.check_label_kinds``; where booleans sit beside 0/1 numbers,
    each boolean becomes its number (True is 1), so the two are one category."""
    arrays = {name: label_array(v) for name, v in named.items() if v is not None}
    if {"bool", "number"} <= check_label_kinds(**arrays):
        arrays = {name: _bools_as_ints(arr) for name, arr in arrays.items()}
    return arrays


def _bools_as_ints(arr: np.ndarray) -> np.ndarray:
    """``arr`` with True as 1 and False as 0 (plain numbers: a numeric array, as numpy makes of a list)."""
    if arr.dtype.kind == "b":
        return arr.astype(np.intp)
    if arr.dtype.kind != "O":
        return arr
    values = [int(v) if isinstance(v, (bool, np.bool_)) else v for v in arr.flat]
    out = np.array(values) if set(map(type, values)) <= {int, float} else np.fromiter(values, dtype=object, count=arr.size)
    return out.reshape(arr.shape)


def _label_array(values: Any, name: str = "labels") -> np.ndarray:
    """``values`` as a label array (see ``_label_arrays``), named ``name`` in errors."""
    return _label_arrays(**{name: values})[name]


def _declared_order(*inputs: Any) -> list | None:
    """The order an input declares for its labels: the categories of an ordered pandas categorical
    (a ``pd.Categorical``, a Series, a DataFrame's columns, or a list of those); None when none
    declares one; ``ValueError`` when two declare different orders.

    Example:
        >>> import pandas as pd
        >>> _declared_order(pd.Categorical(["low", "high"], categories=["low", "mid", "high"], ordered=True))
        ['low', 'mid', 'high']
    """
    orders: list[list] = []

    def visit(value: Any) -> None:  # duck-typed: pandas is not imported here
        if hasattr(value, "columns") and hasattr(value, "items"):  # a DataFrame: its columns
            for _, column in value.items():
                visit(column)
        elif getattr(getattr(value, "dtype", None), "ordered", None) is True:  # an ordered CategoricalDtype
            orders.append([plain(c) for c in value.dtype.categories])
        elif isinstance(value, (list, tuple)):
            for v in value:
                if hasattr(v, "dtype"):
                    visit(v)

    for value in inputs:
        visit(value)
    if not orders:
        return None
    if any(o != orders[0] for o in orders):
        other = next(o for o in orders if o != orders[0])
        raise ValueError(f"the inputs declare different orders of their categories ({orders[0][:10]} and {other[:10]}): "
                         "give them one CategoricalDtype")
    return orders[0]


def _refuse_unordered_text(what: str, given: str, *arrays: np.ndarray) -> None:
    """Positions of str (or bytes) labels would be their alphabetical order ("high" < "low" < "mid"),
    rarely the scale's: refuse them unless the order is given (typed arrays: O(1))."""
    if {"str", "bytes"} & check_label_kinds(**{f"labels {k}": arr for k, arr in enumerate(arrays)}):
        first = plain(next(v for arr in arrays for v in arr.ravel() if isinstance(v, (str, bytes, np.str_, np.bytes_))))
        raise ValueError(f"{what} over str labels ({first!r}, …) needs their order, lowest first: pass {given}, or an "
                         "ordered pandas Categorical (sorted as text, 'high' < 'low' < 'mid')")


#: the largest int a float holds exactly (2**53): larger ints stay objects, never merged by rounding
_EXACT_INT = 2**53


def _encode(
    values: ArrayLike,
    categories: ArrayLike | None = None,
    unknown: Literal["raise", "missing"] = "raise",
    ordered: bool = False,
) -> tuple[NDArray[np.intp], np.ndarray]:
    """Integer codes (-1 = missing) into ``categories`` (given, or the sorted values present) of a
    label array (``_label_arrays``: already checked)."""
    arr = np.asarray(values)
    if (
        arr.dtype.kind == "O"
        and arr.size
        and all(
            v is None
            or (isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                and (not isinstance(v, (int, np.integer)) or abs(int(v)) <= _EXACT_INT))
            for v in arr.flat
        )
    ):
        arr = arr.astype(float)  # numbers with None for missing -> the fast numeric path
    codes, found = _factorize(arr, ordered=ordered)
    if categories is None:
        return codes, found
    cats = np.asarray(categories)
    if cats.ndim != 1:
        raise ValueError("categories must be 1-D")
    index: dict[Any, int] = {}
    for i, c in enumerate(cats.tolist()):
        if index.setdefault(c, i) != i:
            raise ValueError(f"duplicate category {c!r}")
    lut = np.array([index.get(v, -1) for v in found.tolist()], dtype=np.intp)
    if unknown == "raise" and (lut < 0).any():
        raise ValueError(f"labels not among the categories: {found[lut < 0].tolist()}")
    lut = np.append(lut, -1)  # code -1 (missing) stays -1
    return lut[codes], cats


def _counts(codes: NDArray[np.intp], n_categories: int, axis: int) -> np.ndarray | sparse.csr_array:
    """Categories x units counts of ``codes`` (a 2-D array whose units run along ``axis``).

    Dense up to ``_DENSE_CELLS`` cells, else a scipy sparse array.
    """
    n_units = codes.shape[axis]
    flat_idx = np.flatnonzero(codes >= 0)
    cat = codes.ravel()[flat_idx]
    unit = flat_idx % n_units if axis == 1 else flat_idx // codes.shape[1]
    if n_units * n_categories <= _DENSE_CELLS:
        return np.bincount(cat * n_units + unit, minlength=n_units * n_categories).reshape(
            n_categories, n_units
        )
    return sparse.csr_array((np.ones(cat.size, dtype=np.int64), (cat, unit)), shape=(n_categories, n_units))


def _small_int_counts(arr: np.ndarray, axis: int, max_span: int = 16) -> tuple[np.ndarray, np.ndarray] | None:
    """Categories x units counts when ``arr`` holds a few integer values (NaN = missing).

    One comparison pass per value and no codes array: the fast path for typical class ids.
    Returns None (use the general path) for anything else.
    """
    kind = arr.dtype.kind
    if kind not in "iuf" or arr.size == 0:
        return None
    if kind == "f":
        lo, hi = np.fmin.reduce(arr, axis=None), np.fmax.reduce(arr, axis=None)
        if not (np.isfinite(lo) and np.isfinite(hi)) or hi - lo >= max_span:
            return None  # all NaN, infinities, or a wide range
        head = arr.ravel()[:4096]
        head = head[~np.isnan(head)]
        if not np.array_equal(head, np.floor(head)):
            return None
        n_values = arr.size - int(np.count_nonzero(np.isnan(arr)))
    else:
        lo, hi = arr.min(), arr.max()
        if int(hi) - int(lo) >= max_span:
            return None
        n_values = arr.size
    rows, cats, total = [], [], 0
    for v in range(math.floor(lo), math.floor(hi) + 1):
        row = (arr == v).view(np.int8).sum(axis=1 - axis, dtype=np.intp)
        found = int(row.sum())
        if found:
            rows.append(row)
            cats.append(v)
            total += found
    if total != n_values:  # some values were not integers
        return None
    return np.stack(rows), np.array(cats, dtype=arr.dtype)


def _category_counts(
    arr: np.ndarray, axis: int, ordered: bool = False
) -> tuple[np.ndarray | sparse.csr_array, np.ndarray]:
    """Categories x units counts of a 2-D label array whose units run along ``axis``."""
    small = _small_int_counts(arr, axis)
    if small is not None:
        return small
    codes, cats = _encode(arr, ordered=ordered)
    return _counts(codes, len(cats), axis), cats


def _unit_sum_squares(counts: np.ndarray | sparse.csr_array) -> np.ndarray:
    """Per unit (column), the sum over categories of squared counts."""
    if isinstance(counts, np.ndarray):
        c = counts.astype(np.float64)
        return np.einsum("ku,ku->u", c, c)
    return np.asarray(counts.multiply(counts).sum(axis=0), dtype=np.float64).ravel()


def _unit_totals(counts: np.ndarray | sparse.csr_array) -> np.ndarray:
    return np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()


def _2d(data: ArrayLike, what: str, labels: bool = True) -> np.ndarray:
    """A 2-D array: of labels (see ``_label_array``), or as given (``labels=False``)."""
    arr = _label_array(data, what) if labels else plain_array(to_numpy(data))
    if arr.ndim != 2:
        raise ValueError(f"{what} must be 2-D, got shape {arr.shape}")
    return arr


# --------------------------------------------------------------------------- kappas


def cohen_kappa(
    a: ArrayLike,
    b: ArrayLike,
    weights: Literal["linear", "quadratic"] | None = None,
    labels: ArrayLike | None = None,
) -> float:
    """Cohen's kappa between two raters' labels of the same items.

    ``weights`` ``"linear"`` / ``"quadratic"`` give weighted kappa with disagreement weights
    ``|i - j|`` / ``(i - j)**2`` over the category *positions* (sorted labels, or the order
    of ``labels``), as scikit-learn does. With ``labels``, pairs holding any other label are
    ignored. Pairs where either label is missing (NaN/None) are dropped, as if never given (without
    ``labels``, the positions are those of the labels the kept pairs hold).

    Raises ``ValueError`` when no pair is left, when chance agreement is perfect (both
    raters used one and the same category only), where kappa is 0/0, or when the labels of
    ``a``, ``b`` and ``labels`` mix kinds (``[1, 2]`` and ``["1", "2"]``: nothing is converted;
    booleans beside 0/1 numbers are those numbers), or when ``a`` and ``b`` are pandas objects
    indexed by different ids (pairs are by position: ``coerce.refuse_misaligned``).

    Weighted kappa over str labels needs their order: ``labels`` (lowest first), or ``a`` and ``b``
    as ordered pandas Categoricals, whose categories are then ``labels``; without either it is
    refused (their alphabetical order, "high" < "low" < "mid", is rarely the scale's).

    >>> cohen_kappa(["y", "y", "n", "n"], ["y", "n", "n", "n"])
    0.5
    """
    refuse_misaligned("cohen_kappa", a=a, b=b)
    declared = _declared_order(a, b) if labels is None else None
    arrays = _label_arrays(a=a, b=b, labels=labels if declared is None else declared)
    a_arr, b_arr = arrays["a"], arrays["b"]
    if a_arr.ndim != 1 or a_arr.shape != b_arr.shape:
        raise ValueError(f"a and b must be 1-D of the same length, got {a_arr.shape}, {b_arr.shape}")
    if weights not in (None, "linear", "quadratic"):
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    if weights is not None and labels is None and declared is None:
        _refuse_unordered_text("weighted kappa", "labels=[...]", a_arr, b_arr)
    ka, kb = a_arr.dtype.kind, b_arr.dtype.kind
    if (ka in "iuf" and kb in "iuf") or (ka == kb and ka in "bUS"):
        joined = np.concatenate([a_arr, b_arr])
    else:  # np.concatenate would turn numbers into strs: join as objects, then check the mix
        joined = np.concatenate([a_arr.astype(object), b_arr.astype(object)])
    codes, cats = _encode(joined, arrays.get("labels"), unknown="missing" if declared is None else "raise")
    ca, cb = codes[: a_arr.size], codes[a_arr.size :]
    keep = (ca >= 0) & (cb >= 0)
    k = len(cats)
    if not keep.all():
        ca, cb = ca[keep], cb[keep]
        if labels is None and declared is None:  # the positions are those of the labels the kept pairs hold
            present = np.flatnonzero(np.bincount(np.concatenate([ca, cb]), minlength=k))
            position = np.full(k, -1, dtype=np.intp)
            position[present] = np.arange(len(present))
            ca, cb, k = position[ca], position[cb], len(present)
    if ca.size == 0:
        raise ValueError("cohen_kappa needs at least one pair with both labels present")
    observed = np.bincount(ca * k + cb, minlength=k * k).reshape(k, k).astype(np.float64)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / ca.size
    dist = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(np.float64)
    w = (dist > 0).astype(np.float64) if weights is None else dist if weights == "linear" else dist**2
    chance = float((w * expected).sum())
    if chance == 0.0:
        raise ValueError("cohen_kappa is undefined: both raters used a single, identical category")
    return 1.0 - float((w * observed).sum()) / chance


def _item_counts(ratings: ArrayLike, table: bool) -> np.ndarray | sparse.csr_array:
    """Categories x items counts from items x raters labels, or from an items x categories table."""
    arr = _2d(ratings, "ratings")
    if table:
        if arr.dtype.kind not in "iuf" or not np.isfinite(arr).all() or (arr < 0).any():
            raise ValueError("a count table must hold finite, non-negative numbers")
        return arr.T.astype(np.float64)
    return _category_counts(arr, axis=0)[0]


def _pairwise_item_agreement(
    counts: np.ndarray | sparse.csr_array, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Per-item share of agreeing rater pairs (items with >= 2 ratings), and which items those are."""
    n_i = _unit_totals(counts)
    keep = n_i >= 2
    if not keep.any():
        raise ValueError(f"{name} needs at least one item with two or more ratings")
    p_i = (_unit_sum_squares(counts)[keep] - n_i[keep]) / (n_i[keep] * (n_i[keep] - 1))
    return p_i, keep


def fleiss_kappa(ratings: ArrayLike, *, table: bool = False) -> float:
    """Fleiss' kappa for several raters assigning categories to items.

    ``ratings`` is **items x raters** labels (NaN/None = missing) by default. With
    ``table=True`` it is an **items x categories** table of counts (how many raters put item
    *i* in category *j*), as in Fleiss (1971) and ``statsmodels``; the flag is the only rule
    telling the two apart (nothing is guessed from the values).

    Items may have different numbers of ratings: items with fewer than two are skipped,
    ``P_bar`` is the mean over the remaining items of the share of agreeing rater pairs, and
    the category shares ``p_j`` pool all their ratings. With the same number of ratings per
    item this is exactly Fleiss' kappa.

    Raises ``ValueError`` if no item has two ratings, or if a single category is used
    (chance agreement 1, kappa 0/0).

    >>> round(fleiss_kappa([[1, 1, 1], [2, 2, 1], [2, 2, 2]]), 6)
    0.55
    >>> round(fleiss_kappa([[3, 0], [1, 2], [0, 3]], table=True), 6)
    0.55
    """
    counts = _item_counts(ratings, table)
    p_i, keep = _pairwise_item_agreement(counts, "fleiss_kappa")
    col = np.asarray(counts @ keep.astype(np.float64), dtype=np.float64).ravel()
    if np.count_nonzero(col) < 2:
        raise ValueError("fleiss_kappa is undefined when a single category is used")
    p_j = col / col.sum()
    p_e = float(p_j @ p_j)
    return (float(p_i.mean()) - p_e) / (1.0 - p_e)


def percent_agreement(data: ArrayLike) -> float:
    """Mean share of agreeing rater pairs per item, for **items x raters** labels.

    For each item with at least two labels (NaN/None = missing), the fraction of pairs of its
    raters that gave the same label; then the mean over those items. With two raters this is
    the share of items labelled identically. Raises ``ValueError`` if no item has two labels.

    >>> percent_agreement([[1, 1], [1, 2], [2, 2], [3, float("nan")]])
    0.6666666666666666
    """
    counts, _ = _category_counts(_2d(data, "data"), axis=0)
    p_i, _ = _pairwise_item_agreement(counts, "percent_agreement")
    return float(p_i.mean())


# --------------------------------------------------------------------------- Krippendorff


def _alpha_from_moments(m: np.ndarray, s1: np.ndarray, s2: np.ndarray, keep: np.ndarray) -> float:
    """Alpha for the squared-difference metric from per-unit count, sum and sum of squares.

    Summing the coincidence matrix against ``(v_c - v_k)**2`` gives, per unit,
    ``sum_{i != j} (x_i - x_j)**2 / (m - 1) = 2 (m S2 - S1**2) / (m - 1)``; over all pairable
    values the expected disagreement is ``2 (n T2 - T1**2)``. Values should be centred.
    """
    m, s1, s2 = m[keep].astype(np.float64), s1[keep], s2[keep]
    n = float(m.sum())
    d_o = float(((m * s2 - s1 * s1) / (m - 1.0)).sum())
    d_e = n * float(s2.sum()) - float(s1.sum()) ** 2
    if d_e <= 0.0:
        raise ValueError("krippendorff_alpha is undefined: every pairable value is the same")
    return 1.0 - (n - 1.0) * d_o / d_e


def _refuse_infinite(arr: np.ndarray) -> None:
    """Infinity is not a rating: refuse it (it made alpha NaN) instead of computing with it."""
    if arr.dtype.kind == "f":
        bad = np.isinf(arr)
    elif arr.dtype.kind == "O":
        bad = np.array([isinstance(v, (float, np.floating)) and math.isinf(v) for v in arr.flat]).reshape(arr.shape)
    else:
        return
    if bad.any():
        where = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), arr.shape))
        raise ValueError(f"data holds an infinite value at {where}: ratings must be finite (NaN/None = missing)")


def _pairable(m: np.ndarray) -> np.ndarray:
    keep = m >= 2
    if not keep.any():
        raise ValueError(
            "krippendorff_alpha needs a unit with two or more values (one rater, or all missing?)"
        )
    return keep


def _ratio_delta(vc: np.ndarray, vk: np.ndarray) -> np.ndarray:
    """Ratio metric ((c - k) / (c + k))**2, broadcasting; 0 where c + k = 0 (both zero)."""
    total = vc + vk
    d = (vc - vk) / np.where(total == 0, 1.0, total)
    return d * d


def _as_label_set(value: Any, where: str) -> frozenset:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        raise ValueError(f"{where}: {value!r} is not a set of labels (multi-label data needs a list/set per rating)")
    out = []
    for v in (value.tolist() if isinstance(value, np.ndarray) else value):
        v = v.item() if isinstance(v, np.generic) else v
        try:
            hash(v)
        except TypeError:
            raise ValueError(f"{where}: label {v!r} in a label set is not hashable") from None
        out.append(v)
    return frozenset(out)


def set_distance(a: Any, b: Any, kind: SetLevel = "jaccard") -> float:
    """Distance between two label sets: ``jaccard`` = 1 - |A ∩ B| / |A ∪ B|; ``masi``
    (Passonneau 2006) = 1 - J * M with M = 1 (equal), 2/3 (one contains the other), 1/3 (they
    overlap), 0 (disjoint). Two empty sets are at distance 0.

    >>> set_distance({"a", "b"}, {"a"}), round(set_distance({"a", "b"}, {"a"}, "masi"), 4)
    (0.5, 0.6667)
    """
    a, b = frozenset(a), frozenset(b)
    if a == b:
        return 0.0
    jaccard = len(a & b) / len(a | b)
    if kind == "jaccard":
        return 1.0 - jaccard
    if kind != "masi":
        raise ValueError(f"set distance must be 'jaccard' or 'masi', not {kind!r}")
    m = 2 / 3 if (a <= b or b <= a) else (1 / 3 if a & b else 0.0)
    return 1.0 - jaccard * m


def encode_label_sets(data: ArrayLike) -> tuple[NDArray[np.intp], list[frozenset]]:
    """Codes (-1 = missing) of a 2-D array of label sets (lists, tuples, sets; None/NaN missing)
    and the distinct sets (sorted by size, then by their sorted labels' text)."""
    arr = _2d(data if isinstance(data, np.ndarray) else _object_2d(data), "data", labels=False)
    flat = arr.ravel()
    sets: list = [None] * flat.size
    for i, v in enumerate(flat):
        if not (v is None or (not isinstance(v, (list, tuple, set, frozenset, np.ndarray)) and is_missing(v))):
            sets[i] = _as_label_set(v, f"rating {np.unravel_index(i, arr.shape)}")
    found = sorted({s for s in sets if s is not None}, key=lambda s: (len(s), sorted(map(repr, s))))
    index = {s: k for k, s in enumerate(found)}
    codes = np.array([-1 if s is None else index[s] for s in sets], dtype=np.intp).reshape(arr.shape)
    return codes, found


def _object_2d(data: Any) -> np.ndarray:
    rows = list(data)
    out = np.empty((len(rows), len(rows[0]) if rows else 0), dtype=object)
    for i, row in enumerate(rows):
        row = list(row)
        if len(row) != out.shape[1]:
            raise ValueError("data must be 2-D (rows of equal length)")
        for j, v in enumerate(row):
            out[i, j] = v
    return out


def set_distances(sets: Sequence[frozenset], kind: SetLevel = "jaccard") -> np.ndarray:
    """The ``K x K`` distance matrix between distinct label sets (see ``set_distance``)."""
    k = len(sets)
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            out[i, j] = out[j, i] = set_distance(sets[i], sets[j], kind)
    return out


def alpha_from_codes(codes: ArrayLike, delta: np.ndarray, *, no_variation: Literal["raise", "nan"] = "raise") -> float:
    """Krippendorff's alpha of **raters x units** integer codes (-1 = missing) under any
    distance ``delta[c, k]`` between categories (zero diagonal): 1 - (n - 1) sum o_ck d_ck /
    sum n_c n_k d_ck from the coincidence matrix o of the pairable values.

    Pairable values without variation (sum n_c n_k d_ck = 0: alpha is 0/0) raise ``ValueError``, or
    with ``no_variation="nan"`` give NaN (what the ``krippendorff`` package returns). No unit with
    two values always raises."""
    codes = np.asarray(codes, dtype=np.intp)
    k = len(delta)
    unit_counts = _counts(codes, k, axis=1)  # dense or sparse by size
    counts = np.asarray(unit_counts if isinstance(unit_counts, np.ndarray) else unit_counts.todense(), dtype=np.float64)
    m = counts.sum(axis=0)
    keep = _pairable(m)
    n_c = counts @ keep.astype(np.float64)
    n = float(n_c.sum())
    w = np.where(keep, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    o = counts @ (counts * w).T
    d_o = float((o * delta).sum())
    d_e = float(n_c @ delta @ n_c)
    if d_e == 0.0:
        if no_variation == "nan":
            return math.nan
        raise ValueError("krippendorff_alpha is undefined: every pairable value is the same")
    return 1.0 - (n - 1.0) * d_o / d_e


def krippendorff_alpha(data: ArrayLike, level: Level = "nominal", order: Sequence[Any] | None = None) -> float:
    """Krippendorff's alpha for **raters x units** data (NaN/None = missing).

    Same layout and definitions as the ``krippendorff`` package and Krippendorff (2011),
    "Computing Krippendorff's Alpha-Reliability": alpha = 1 - D_o / D_e from the coincidence
    matrix of pairable values (units with at least two values). ``level`` picks the squared
    distance: ``nominal`` (0/1), ``ordinal`` (rank mass between the two values), ``interval``
    (squared difference), ``ratio`` (((c - k) / (c + k))**2, values must be >= 0).
    Nominal and ordinal accept any sortable labels; interval and ratio need numbers.
    Multi-label data (each rating a set of labels: a list, tuple or set) takes ``jaccard``
    (1 - |A ∩ B| / |A ∪ B|) or ``masi`` (Passonneau's MASI distance); see ``set_distance``.
    Infinite values are refused (use NaN/None for a missing rating). Ordinal ranks follow
    ``order`` (the labels, lowest first; a label outside it is refused), else the order an ordered
    pandas Categorical declares (``data`` a DataFrame of such columns, or a list of such rows), else
    the sorted values; ordinal str labels without an order are refused (their alphabetical order,
    "high" < "low" < "mid", is rarely the scale's).

    Vectorised: the coincidence matrix is summed from a units x values count matrix
    (nominal: its diagonal; ratio: ``N.T @ diag(1 / (m_u - 1)) @ N``). Interval and ordinal
    (an interval metric on the values' mid-ranks in the coincidence marginals) use its closed
    form from per-unit sums, so their cost does not grow with the number of distinct values.

    Raises ``ValueError`` when no unit has two values (a single rater, or all missing), or
    when all pairable values are equal (D_e = 0, alpha 0/0).

    >>> round(krippendorff_alpha([[1, 2, 3, 3], [1, 2, 3, 4]], level="nominal"), 6)  # 1 - 7 * 2 / 46
    0.695652
    """
    if level in SET_LEVELS:
        codes, sets = encode_label_sets(data)
        return alpha_from_codes(codes, set_distances(sets, level))
    arr = _2d(data, "data")
    if level not in ("nominal", "ordinal", "interval", "ratio"):
        raise ValueError(f"level must be nominal, ordinal, interval, ratio, jaccard or masi, got {level!r}")
    if order is not None and level != "ordinal":
        raise ValueError(f"order= is for level='ordinal', not {level!r}")
    _refuse_infinite(arr)
    if level == "ordinal":
        declared = list(order) if order is not None else _declared_order(data)
        if declared is None:
            _refuse_unordered_text("ordinal alpha", "order=[...]", arr)
        else:  # each label's position in the order (NaN: missing): ranked as numbers from here on
            codes, _ = _encode(arr, _label_array(declared, "order"), unknown="raise")
            arr = np.where(codes >= 0, codes, -1).astype(np.float64)
            arr[codes < 0] = np.nan
    if level in ("interval", "ratio") and arr.dtype.kind not in "iuf":
        try:
            arr = arr.astype(np.float64)  # None -> NaN
        except (TypeError, ValueError):
            raise ValueError(f"{level} alpha needs numbers (NaN/None for missing)") from None

    small = _small_int_counts(arr, axis=1)
    if level == "interval" and small is None:  # many values: moments straight from x
        x = arr.astype(np.float64, copy=False)
        valid = ~np.isnan(x)
        m = valid.sum(axis=0)
        keep = _pairable(m)
        valid &= keep
        pairable = np.where(valid, x, np.nan)
        if np.fmin.reduce(pairable, axis=None) == np.fmax.reduce(pairable, axis=None):
            raise ValueError("krippendorff_alpha is undefined: every pairable value is the same")
        xz = np.where(valid, x, 0.0)
        xz = np.where(valid, x - xz.sum() / valid.sum(), 0.0)  # centring keeps m*S2 - S1**2 exact
        return _alpha_from_moments(m, xz.sum(axis=0), np.einsum("ij,ij->j", xz, xz), keep)

    if small is not None:
        counts, cats = small
    else:
        codes, cats = _encode(arr, ordered=level == "ordinal")
        counts = _counts(codes, len(cats), axis=1)
    m = _unit_totals(counts)
    keep = _pairable(m)
    n_c = np.asarray(counts @ keep.astype(np.float64), dtype=np.float64).ravel()
    n = float(n_c.sum())
    if np.count_nonzero(n_c) < 2:
        raise ValueError("krippendorff_alpha is undefined: every pairable value is the same")

    if level == "nominal":
        d_e = n * n - float(n_c @ n_c)
        if d_e == 0.0:
            raise ValueError("krippendorff_alpha is undefined: every pairable value is the same")
        diagonal = float(((_unit_sum_squares(counts) - m)[keep] / (m[keep] - 1.0)).sum())  # sum o_cc
        return 1.0 - (n - 1.0) * (n - diagonal) / d_e

    if level in ("ordinal", "interval"):
        v = np.cumsum(n_c) - n_c / 2.0 if level == "ordinal" else cats.astype(np.float64)
        v = v - (n_c @ v) / n
        return _alpha_from_moments(m, counts.T @ v, counts.T @ (v * v), keep)

    values = cats.astype(np.float64)
    if (values < 0).any():
        raise ValueError("ratio alpha needs non-negative values")
    w = np.where(keep, 1.0 / np.maximum(m - 1.0, 1.0), 0.0)
    k = len(values)
    if isinstance(counts, np.ndarray) and k <= _DENSE_CATEGORIES:
        c = counts.astype(np.float64)
        o = c @ (c * w).T  # the coincidence matrix off its diagonal (delta_cc = 0)
        delta = _ratio_delta(values[:, None], values[None, :])
        d_o, d_e = float((o * delta).sum()), float(n_c @ delta @ n_c)
    else:
        c = sparse.csr_array(counts, dtype=np.float64)
        o = sparse.coo_array(c @ sparse.diags_array(w) @ c.T)
        d_o, d_e = float((o.data * _ratio_delta(values[o.row], values[o.col])).sum()), 0.0
        step = max(1, 4_000_000 // k)
        for start in range(0, k, step):
            block = _ratio_delta(values[start : start + step, None], values[None, :])
            d_e += float(n_c[start : start + step] @ block @ n_c)
    if d_e == 0.0:
        raise ValueError("krippendorff_alpha is undefined: every pairable value is the same")
    return 1.0 - (n - 1.0) * d_o / d_e


# --------------------------------------------------------------------------- bootstrap


class BootstrapCI(NamedTuple):
    """Percentile bootstrap interval: ``estimate`` on the full data, ``low``/``high`` bounds."""

    estimate: float
    low: float
    high: float
    level: float
    n_resamples: int  # resamples where the metric was defined (others are skipped)


def bootstrap_ci(
    metric_fn: Callable[..., float],
    data: ArrayLike | tuple[ArrayLike, ...],
    n: int = 1000,
    level: float = 0.95,
    seed: int | None = 0,
    axis: int = 0,
) -> BootstrapCI:
    """Percentile bootstrap confidence interval of ``metric_fn(data)``, resampling units.

    Units (items) are drawn with replacement along ``axis``: 0 for items x raters arrays and
    paired 1-D arrays, 1 for ``krippendorff_alpha``'s raters x units. ``data`` may be a tuple
    of arrays (e.g. ``(a, b)`` for ``cohen_kappa``), resampled with the same indices and
    passed as separate arguments. A resample where the metric raises ``ValueError`` or is not
    finite (e.g. it drew a single category) is skipped and not counted in ``n_resamples``;
    if fewer than half are defined a ``ValueError`` is raised (as it is when the metric is
    undefined on the full data).

    >>> a, b = [0, 1, 1, 0, 1, 0, 1, 1], [0, 1, 0, 0, 1, 0, 1, 1]
    >>> ci = bootstrap_ci(cohen_kappa, (a, b), n=200, seed=1)
    >>> ci.low <= ci.estimate <= ci.high
    True
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    arrays = [label_array(d) for d in data] if isinstance(data, tuple) else [label_array(data)]  # ["a", 1]: not strs
    sizes = {arr.shape[axis] for arr in arrays}
    if len(sizes) != 1:
        raise ValueError(f"all arrays must have the same number of units along axis {axis}")
    n_units = sizes.pop()
    if n_units == 0:
        raise ValueError("bootstrap_ci needs at least one unit")
    estimate = float(metric_fn(*arrays))
    rng = np.random.default_rng(seed)
    stats = []
    for _ in range(n):
        idx = rng.integers(0, n_units, n_units)
        try:
            value = float(metric_fn(*(np.take(arr, idx, axis=axis) for arr in arrays)))
        except ValueError:
            continue
        if math.isfinite(value):
            stats.append(value)
    if 2 * len(stats) < n:
        raise ValueError(f"the metric was defined on only {len(stats)} of {n} resamples")
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(np.asarray(stats), [tail, 1.0 - tail])
    return BootstrapCI(estimate, float(low), float(high), level, len(stats))


# --------------------------------------------------------------------------- consensus


def majority_vote(
    labels: ArrayLike, ties: Literal["smallest", "random"] = "smallest", seed: int | None = 0
) -> np.ndarray:
    """Most frequent label per item of an **items x raters** array (NaN/None = missing).

    Ties go to the smallest tied label in sort order (``ties="smallest"``, deterministic), or
    to a tied label drawn at random with ``seed`` (``ties="random"``). Raises ``ValueError``
    if an item has no label at all. No items (shape ``(0, n)``): an empty array.

    >>> majority_vote([["a", "b", "b"], ["c", "a", None], ["b", "b", "b"]]).tolist()
    ['b', 'a', 'b']
    """
    counts, cats = _category_counts(_2d(labels, "labels"), axis=0)
    counts = counts.toarray() if not isinstance(counts, np.ndarray) else counts
    if counts.shape[1] == 0:
        return cats[:0]
    empty = np.flatnonzero(counts.sum(axis=0) == 0)
    if empty.size:
        raise ValueError(f"items without any label: {empty[:10].tolist()}")
    if ties == "random":
        scores = counts + np.random.default_rng(seed).random(counts.shape) * 0.5
    elif ties == "smallest":
        scores = counts
    else:
        raise ValueError(f"ties must be 'smallest' or 'random', got {ties!r}")
    return cats[np.argmax(scores, axis=0)]


class DawidSkeneResult(NamedTuple):
    """Dawid-Skene consensus.

    ``labels``: most probable class per item; ``posterior``: items x classes; ``confusion``:
    raters x true class x given label, rows sum to 1; ``priors``: class shares;
    ``classes``: the class of each column; ``annotator_accuracy``: per rater,
    ``sum_k priors[k] * confusion[r, k, k]``; ``log_likelihood`` of the final parameters.
    """

    labels: np.ndarray
    posterior: np.ndarray
    confusion: np.ndarray
    priors: np.ndarray
    classes: np.ndarray
    annotator_accuracy: np.ndarray
    n_iter: int
    converged: bool
    log_likelihood: float


def dawid_skene(
    labels: ArrayLike,
    n_iter: int = 100,
    tol: float = 1e-6,
    smoothing: float = 0.01,
    classes: ArrayLike | None = None,
) -> DawidSkeneResult:
    """Dawid & Skene (1979) EM consensus for **items x raters** labels (NaN/None = missing).

    Starts from the vote shares, then alternates class priors + per-rater confusion matrices
    (M step, each count plus ``smoothing`` so no probability is exactly 0) and item
    posteriors (E step), until the log-likelihood changes by at most ``tol`` relative to
    its size, or after ``n_iter`` rounds. ``classes`` fixes the class set and order
    (default: the sorted labels present). Items without labels get the prior as posterior.
    Ties in ``labels`` go to the smallest class. Raises ``ValueError`` when there are no
    labels at all.

    >>> res = dawid_skene([[0, 0, 1], [1, 1, 1], [0, 0, 0], [1, 1, 0]])
    >>> res.labels.tolist(), res.confusion.shape
    ([0, 1, 0, 1], (3, 2, 2))
    """
    if n_iter < 1 or tol < 0 or smoothing < 0:
        raise ValueError("need n_iter >= 1, tol >= 0 and smoothing >= 0")
    arrays = _label_arrays(labels=labels, classes=classes)
    codes, cats = _encode(_2d(arrays["labels"], "labels", labels=False), arrays.get("classes"))
    n_items, n_raters = codes.shape
    k = len(cats)
    obs = np.flatnonzero(codes >= 0)
    if obs.size == 0 or k == 0:
        raise ValueError("dawid_skene needs at least one label")
    item, rater = np.divmod(obs, n_raters)
    given = codes.ravel()[obs]
    cell = rater * k + given  # (rater, given label) bin of each label

    votes = np.bincount(item * k + given, minlength=n_items * k).reshape(n_items, k).astype(float)
    totals = votes.sum(axis=1, keepdims=True)
    post = np.where(totals > 0, votes / np.maximum(totals, 1), 1.0 / k)

    converged, rounds, loglik = False, 0, -np.inf
    while rounds < n_iter:
        rounds += 1
        # M step
        priors = post.sum(axis=0) + smoothing
        priors /= priors.sum()
        conf = (
            np.stack([np.bincount(cell, weights=post[item, t], minlength=n_raters * k) for t in range(k)])
            .reshape(k, n_raters, k)
            .transpose(1, 0, 2)
            + smoothing
        )
        conf /= np.maximum(conf.sum(axis=2, keepdims=True), np.finfo(float).tiny)
        # E step
        log_conf = np.log(np.maximum(conf, np.finfo(float).tiny))
        gathered = log_conf[rater, :, given]  # labels x true class
        log_post = np.log(priors) + np.stack(
            [np.bincount(item, weights=gathered[:, t], minlength=n_items) for t in range(k)], axis=1
        )
        top = log_post.max(axis=1, keepdims=True)
        unnorm = np.exp(log_post - top)
        norm = unnorm.sum(axis=1, keepdims=True)
        new_post = unnorm / norm
        new_loglik = float((top + np.log(norm)).sum())
        post = new_post
        if abs(new_loglik - loglik) <= tol * abs(new_loglik):
            loglik, converged = new_loglik, True
            break
        loglik = new_loglik
    accuracy = np.einsum("k,rkk->r", priors, conf)
    return DawidSkeneResult(
        labels=cats[np.argmax(post, axis=1)],
        posterior=post,
        confusion=conf,
        priors=priors,
        classes=cats,
        annotator_accuracy=accuracy,
        n_iter=rounds,
        converged=converged,
        log_likelihood=loglik,
    )


# --------------------------------------------------------------------------- spans, boxes, masks


class SpanAgreement(NamedTuple):
    """Span agreement of ``b`` against ``a``: precision = matched / n_b, recall = matched / n_a."""

    precision: float
    recall: float
    f1: float
    n_a: int
    n_b: int
    n_matched: int


def _prf(n_matched: int, n_a: int, n_b: int) -> tuple[float, float, float]:
    """Precision, recall, F1; an empty side counts as perfect only if the other is empty too."""
    precision = n_matched / n_b if n_b else float(n_a == 0)
    recall = n_matched / n_a if n_a else float(n_b == 0)
    f1 = 2.0 * n_matched / (n_a + n_b) if n_a + n_b else 1.0
    return precision, recall, f1


def _max_matching(allowed: np.ndarray, quality: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs maximising the number of allowed matches, then the summed quality (in [0, 1])."""
    if allowed.size == 0 or not allowed.any():
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    bonus = quality / (min(allowed.shape) + 1.0)  # total bonus < 1: never trades away a match
    rows, cols = linear_sum_assignment(np.where(allowed, 1.0 + bonus, 0.0), maximize=True)
    hit = allowed[rows, cols]
    return rows[hit], cols[hit]


def _spans(spans: Sequence[Sequence[Any]], name: str) -> list[tuple[Any, Any, Any]]:
    out = []
    for i, s in enumerate(spans):
        if len(s) not in (2, 3):
            raise ValueError(f"{name}: a span is (start, end) or (start, end, label), got {s!r}")
        start, end = s[0], s[1]
        for bound in (start, end):
            bound = plain(bound)
            if is_missing(bound) or (isinstance(bound, float) and not math.isfinite(bound)):
                raise ValueError(f"{name}: span {i} has a NaN, missing or infinite bound {tuple(s)!r}")
        if end < start:
            raise ValueError(f"{name}: span end before start: {s!r}")
        out.append((start, end, s[2] if len(s) == 3 else None))
    return out


def span_agreement(
    spans_a: Sequence[Sequence[Any]],
    spans_b: Sequence[Sequence[Any]],
    mode: Literal["exact", "overlap"] = "exact",
) -> SpanAgreement:
    """Precision / recall / F1 of ``spans_b`` against ``spans_a``.

    Spans are ``(start, end, label)`` with ``end`` exclusive (``(start, end)`` = no label);
    a NaN, None or infinite bound is refused.
    ``exact``: a match is an identical span (duplicates matched once each). ``overlap``: a
    match is a pair with the same label sharing at least one position; pairs are one-to-one,
    chosen to maximise the number of matches (ties: larger overlap IoU). F1 is symmetric in
    a and b. Both empty: precision = recall = F1 = 1; one empty: the undefined ratio is 0.

    >>> span_agreement([(0, 5, "PER"), (10, 12, "LOC")], [(0, 5, "PER"), (9, 12, "LOC")])
    SpanAgreement(precision=0.5, recall=0.5, f1=0.5, n_a=2, n_b=2, n_matched=1)
    >>> span_agreement([(0, 5, "PER"), (10, 12, "LOC")], [(0, 5, "PER"), (9, 12, "LOC")], "overlap").f1
    1.0
    """
    a, b = _spans(spans_a, "spans_a"), _spans(spans_b, "spans_b")
    if mode not in ("exact", "overlap"):
        raise ValueError(f"mode must be 'exact' or 'overlap', got {mode!r}")
    matched = 0
    if a and b:  # labels checked and coded as every label is: "1" beside 1 refused, NaN and None one missing label
        codes, _ = _encode(_label_array(np.array([s[2] for s in a + b] + [None], dtype=object)[:-1], "span labels"))
        if mode == "exact":
            coded = [(s[0], s[1], int(c)) for s, c in zip(a + b, codes)]
            matched = sum((Counter(coded[: len(a)]) & Counter(coded[len(a) :])).values())
        else:
            sa, ea = np.array([s[0] for s in a], float), np.array([s[1] for s in a], float)
            sb, eb = np.array([s[0] for s in b], float), np.array([s[1] for s in b], float)
            same = codes[: len(a), None] == codes[None, len(a) :]
            inter = np.minimum(ea[:, None], eb[None, :]) - np.maximum(sa[:, None], sb[None, :])
            union = np.maximum(ea[:, None], eb[None, :]) - np.minimum(sa[:, None], sb[None, :])
            allowed = same & (inter > 0)
            quality = np.where(allowed, inter / np.where(union > 0, union, 1.0), 0.0)
            matched = len(_max_matching(allowed, quality)[0])
    return SpanAgreement(*_prf(matched, len(a), len(b)), len(a), len(b), matched)


class BoxSetAgreement(NamedTuple):
    """Matching of two box sets: ``matches`` holds (index in a, index in b) rows, ``ious`` theirs."""

    precision: float
    recall: float
    f1: float
    mean_iou: float
    n_a: int
    n_b: int
    n_matched: int
    matches: np.ndarray
    ious: np.ndarray


def _boxes(boxes: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.size == 0:
        return np.zeros((0, 4))
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"{name} must be an (N, 4) array of (x, y, w, h), got shape {arr.shape}")
    if not np.isfinite(arr).all() or (arr[:, 2:] < 0).any():
        raise ValueError(f"{name}: boxes need finite coordinates and w, h >= 0")
    return arr


def _pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every (x, y, w, h) box in ``a`` with every one in ``b``; 0 where the union is 0."""
    lo = np.maximum(a[:, None, :2], b[None, :, :2])
    hi = np.minimum(a[:, None, :2] + a[:, None, 2:], b[None, :, :2] + b[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=2)
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def box_set_agreement(
    boxes_a: ArrayLike,
    boxes_b: ArrayLike,
    iou_threshold: float = 0.5,
    labels_a: ArrayLike | None = None,
    labels_b: ArrayLike | None = None,
) -> BoxSetAgreement:
    """Agreement of two sets of ``(x, y, w, h)`` boxes on one image.

    Boxes are matched one-to-one with the Hungarian algorithm
    (``scipy.optimize.linear_sum_assignment``): the most pairs with IoU >= ``iou_threshold``
    (and the same label, when labels are given), ties broken by total IoU. Precision =
    matched / n_b, recall = matched / n_a, F1 = 2 matched / (n_a + n_b); ``mean_iou`` is the
    mean IoU of the matched pairs. Both sets empty: all four are 1.0; no match otherwise:
    ``mean_iou`` is 0.0.

    >>> r = box_set_agreement([[0, 0, 10, 10], [20, 20, 5, 5]], [[1, 0, 10, 10]])
    >>> round(r.f1, 3), round(r.mean_iou, 3), r.matches.tolist()
    (0.667, 0.818, [[0, 0]])
    """
    if not 0.0 < iou_threshold <= 1.0:
        raise ValueError(f"iou_threshold must be in (0, 1], got {iou_threshold}")
    a, b = _boxes(boxes_a, "boxes_a"), _boxes(boxes_b, "boxes_b")
    iou = _pairwise_iou(a, b)
    allowed = iou >= iou_threshold
    if (labels_a is None) != (labels_b is None):
        raise ValueError("give labels for both box sets or for neither")
    if labels_a is not None and labels_b is not None:
        la, lb = np.asarray(labels_a, dtype=object).ravel(), np.asarray(labels_b, dtype=object).ravel()
        if la.size != len(a) or lb.size != len(b):
            raise ValueError("one label per box is needed")
        checked = _label_arrays(labels_a=la, labels_b=lb)
        codes, _ = _encode(np.concatenate([checked["labels_a"], checked["labels_b"]]))
        allowed &= codes[: len(a), None] == codes[None, len(a) :]
    rows, cols = _max_matching(allowed, iou)
    matched_iou = iou[rows, cols]
    n_a, n_b, m = len(a), len(b), len(rows)
    mean_iou = float(matched_iou.mean()) if m else float(n_a + n_b == 0)
    return BoxSetAgreement(
        *_prf(m, n_a, n_b), mean_iou, n_a, n_b, m, np.stack([rows, cols], axis=1), matched_iou
    )


class MaskAgreement(NamedTuple):
    """IoU (Jaccard) and Dice (F1) of two binary masks."""

    iou: float
    dice: float


def _bool_mask(mask: ArrayLike, what: str) -> np.ndarray:
    """``as_bool_mask`` for masks of any shape (not 2-D: checked flattened)."""
    m = np.asarray(mask)
    if m.ndim == 2:
        return as_bool_mask(m, what)
    return as_bool_mask(m.reshape(1, -1), f"{what} (flattened)").reshape(m.shape)


def mask_agreement(mask_a: ArrayLike, mask_b: ArrayLike) -> MaskAgreement:
    """IoU and Dice of two same-shape masks: bool, integers (non-zero = inside) or floats
    that are all 0 or 1; a probability map or NaN is refused (threshold it first), see
    ``geometry.as_bool_mask``.

    Both masks empty: IoU = Dice = 1.0 (they agree on "nothing").

    >>> mask_agreement([[1, 1, 0, 0]], [[0, 1, 1, 0]])
    MaskAgreement(iou=0.3333333333333333, dice=0.5)
    """
    a, b = _bool_mask(mask_a, "mask_a"), _bool_mask(mask_b, "mask_b")
    if a.shape != b.shape:
        raise ValueError(f"masks must have the same shape, got {a.shape} and {b.shape}")
    inter = int(np.count_nonzero(a & b))
    size_a, size_b = int(np.count_nonzero(a)), int(np.count_nonzero(b))
    union = size_a + size_b - inter
    if union == 0:
        return MaskAgreement(1.0, 1.0)
    return MaskAgreement(inter / union, 2.0 * inter / (size_a + size_b))
