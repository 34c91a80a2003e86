"""Group fairness metrics, vectorised over integer group codes (pure numpy + pandas).

Every classification metric here is a function of eight per-group counts, so one
``np.bincount`` over ``group_code * 8 + cell`` gives all of them for every group at once; the
bootstrap then resamples those counts (a multinomial draw per group — exactly the distribution of
resampling the group's rows with replacement) instead of the rows, so its cost does not grow with
the number of rows.

The cell of a row is ``correct * 4 + (y_true == pos_label) * 2 + (y_pred == pos_label)``:

====  ==========================================  =========================
cell  meaning                                     used by
====  ==========================================  =========================
7     true positive                               precision, recall, fnr
1     false positive                              precision, fpr
2     false negative                              recall, fnr
4, 0  true negative (0: both negative, classes    fpr
      differ — multiclass only)
====  ==========================================  =========================

Metrics (``METRICS``): ``accuracy`` (y_true == y_pred, any number of classes), ``precision``,
``recall``, ``fpr``, ``fnr`` and ``selection_rate`` (share of ``y_pred == pos_label``), the last
five for the positive class ``pos_label`` (one-vs-rest when there are more classes).

Labels are checked before counting (``check_labels``): missing values (NaN/None) are refused
naming the row; ``pos_label`` is inferred only when it is unambiguous (0/1 labels → 1, booleans
→ True), otherwise it must be given and must occur in ``y_true`` or ``y_pred``; probabilities or
scores where labels are expected are refused unless ``threshold=`` is given (then ``y_pred`` is
the positive class's score, predicted positive when ``score >= threshold``). They match
fairlearn's ``MetricFrame`` with sklearn's ``accuracy_score`` / ``precision_score`` /
``recall_score`` and fairlearn's ``false_positive_rate`` / ``false_negative_rate`` /
``selection_rate``. A rate whose denominator is 0 is ``NaN`` here (sklearn and fairlearn return 0).

Example:
    >>> import numpy as np, pandas as pd
    >>> y = np.array([1, 0, 1, 1, 0, 0]); p = np.array([1, 0, 0, 1, 1, 0])
    >>> g = pd.DataFrame({"sex": ["f", "f", "f", "m", "m", "m"]})
    >>> group_metrics(y, p, g, metrics=("accuracy", "recall")).round(3).to_dict("index")
    {'f': {'n': 3, 'accuracy': 0.667, 'recall': 0.5}, 'm': {'n': 3, 'accuracy': 0.667, 'recall': 1.0}}
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..coerce import check_label_kinds, label_array, plain, refuse_misaligned

__all__ = [
    "FAIRNESS_METRICS",
    "group_codes",
    "cell_counts",
    "metrics_from_counts",
    "group_metrics",
    "check_labels",
    "bootstrap_counts",
    "disparity_table",
    "ratio_to_overall",
    "label_distribution",
    "representation",
]

FAIRNESS_METRICS = ("accuracy", "precision", "recall", "fpr", "fnr", "selection_rate")
_ALIASES = {
    "false_positive_rate": "fpr",
    "false_negative_rate": "fnr",
    "true_positive_rate": "recall",
    "tpr": "recall",
}
N_CELLS = 8


def canonical_metric(name: str) -> str:
    """The canonical name of a metric (``false_positive_rate`` → ``fpr``); ValueError if unknown."""
    if not isinstance(name, str):
        raise ValueError(f"metric names are strs, not {type(name).__name__}")
    key = _ALIASES.get(name, name)
    if key not in FAIRNESS_METRICS:
        raise ValueError(f"unknown metric {name!r}: choose from {FAIRNESS_METRICS}")
    return key


def _check_one_kind(values: pd.Index, name: Any) -> None:
    """Refuse a column mixing strs with numbers/booleans (1 and "1" would be two groups both shown
    as "1")."""
    if values.dtype != object:
        return
    text = next((v for v in values if isinstance(v, str)), None)
    other = next((v for v in values if isinstance(v, (bool, int, float, np.number, np.bool_))), None)
    if text is not None and other is not None:
        raise ValueError(
            f"sensitive column {name!r} mixes strs with {type(plain(other)).__name__}s ({text!r} and {plain(other)!r}): "
            "give every value one type, e.g. column.astype(str)"
        )


def _column_codes(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        cats = col.cat.categories
        if (codes < 0).any():
            raise ValueError(f"sensitive column {col.name!r} has missing values")
        _check_one_kind(pd.Index(cats), col.name)
        return codes.astype(np.intp, copy=False), pd.Index(cats)
    values = col.to_numpy()
    if values.dtype.kind in "iu" and len(values):
        lo, hi = int(values.min()), int(values.max())
        if hi - lo < 1_000_000:  # small integer range: a bincount is faster than a sort
            shifted = values.astype(np.intp, copy=False) - lo
            present = np.flatnonzero(np.bincount(shifted, minlength=hi - lo + 1))
            remap = np.full(hi - lo + 1, -1, np.intp)
            remap[present] = np.arange(len(present))
            return remap[shifted], pd.Index(present + lo)
    codes, uniques = pd.factorize(col, sort=True)
    if (codes < 0).any():
        raise ValueError(f"sensitive column {col.name!r} has missing values")
    _check_one_kind(pd.Index(uniques), col.name)
    return codes.astype(np.intp, copy=False), pd.Index(uniques)


def group_codes(groups: Any) -> tuple[np.ndarray, pd.Index]:
    """Integer code per row (0..G-1) of the combination of sensitive columns, and the groups.

    ``groups`` is a DataFrame (one or more columns), a Series or a 1-D array. The groups come back
    sorted; a MultiIndex (one level per column) when there are several columns (only the
    combinations that occur). Missing values, and a column mixing strs with numbers (1 and "1"),
    are refused (ValueError naming the column).

    Example:
        >>> codes, index = group_codes(pd.DataFrame({"a": ["x", "y", "x"], "b": [1, 1, 2]}))
        >>> codes.tolist(), index.tolist()
        ([0, 2, 1], [('x', 1), ('x', 2), ('y', 1)])
    """
    frame = _as_frame(groups)
    parts = [_column_codes(frame[c]) for c in frame.columns]
    if len(parts) == 1:
        codes, index = parts[0]
        return codes, index.rename(frame.columns[0])
    sizes = [len(ix) for _, ix in parts]
    combined = np.ravel_multi_index(tuple(c for c, _ in parts), sizes)
    total = int(np.prod(sizes))
    present = np.flatnonzero(np.bincount(combined, minlength=total))
    remap = np.full(total, -1, np.intp)
    remap[present] = np.arange(len(present))
    levels = np.unravel_index(present, sizes)
    index = pd.MultiIndex.from_arrays(
        [ix[lv] for (_, ix), lv in zip(parts, levels)], names=list(frame.columns)
    )
    return remap[combined], index


def _as_frame(groups: Any) -> pd.DataFrame:
    if isinstance(groups, pd.DataFrame):
        frame = groups
    elif isinstance(groups, pd.Series):
        frame = groups.to_frame(name=groups.name if groups.name is not None else "group")
    else:
        arr = np.asarray(groups)
        if arr.ndim == 1:
            frame = pd.DataFrame({"group": arr})
        elif arr.ndim == 2:
            frame = pd.DataFrame(arr, columns=[f"group_{k}" for k in range(arr.shape[1])])
        else:
            raise ValueError(f"groups must be a DataFrame, a Series or a 1-D/2-D array, not {arr.ndim}-D")
    if frame.shape[1] == 0:
        raise ValueError("groups has no columns")
    if len(frame) == 0:
        raise ValueError("groups has no rows")
    return frame


def _labels(y: ArrayLike, name: str) -> np.ndarray:
    arr = label_array(y)  # never stringified: ["a", 1] stays a str and an int (refused by check_label_kinds)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    return arr


def _missing_rows(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "f":
        return np.flatnonzero(np.isnan(arr))
    if arr.dtype.kind == "O":
        return np.flatnonzero(pd.isna(arr))
    return np.zeros(0, np.intp)


def _is_scores(arr: np.ndarray) -> bool:
    """Float values that are not all whole numbers (probabilities, scores, logits)."""
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        return bool(len(finite) < len(arr) or (finite != np.round(finite)).any())
    if arr.dtype.kind == "O":
        return any(isinstance(v, (float, np.floating)) and not (np.isfinite(v) and float(v).is_integer()) for v in arr.tolist())
    return False


def _distinct(*arrays: np.ndarray) -> list:
    values: list = []
    for a in arrays:
        values.extend(pd.unique(a.astype(object) if a.dtype.kind in "OUS" else a).tolist())
    out: list = []
    for v in values:
        if not any(type(v) is type(w) and v == w for w in out):
            out.append(v)
    return out


_INFER = None  # pos_label=None: infer it when unambiguous (0/1 or booleans)


def check_labels(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    pos_label: Any = _INFER,
    *,
    threshold: float | None = None,
    need_pos_label: bool = True,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Validated ``(y_true, y_pred, pos_label)`` for the fairness metrics; ValueError naming the
    problem otherwise.

    - NaN/None in either array: refused, naming the row.
    - Probabilities or other non-whole numbers: refused in ``y_true`` always; in ``y_pred``
      unless ``threshold`` is given, which turns the positive class's scores into labels
      (``pos_label`` where ``score >= threshold``, else ``y_true``'s other class).
    - Strs mixed with numbers or booleans, and booleans mixed with numbers other than 0/1, are
      refused (is "1" the class 1?), also in a plain list (``coerce.check_label_kinds``).
    - ``pos_label=None`` is inferred when unambiguous: booleans → True, labels within {0, 1} → 1;
      any other label set (strings, {1, 2}, {-1, 1}, several classes) needs ``pos_label=``
      (only when ``need_pos_label``: accuracy alone needs none).
    - A given ``pos_label`` must occur in ``y_true`` or ``y_pred`` (else every rate would be 0).

    Example:
        >>> check_labels(["yes", "no"], ["yes", "yes"], "yes")[2]
        'yes'
        >>> check_labels([0, 1], [0.2, 0.9], threshold=0.5)[1].tolist()
        [0, 1]
    """
    t = _labels(y_true, "y_true")
    p = _labels(y_pred, "y_pred")
    if pos_label is not _INFER:
        pos_label = plain(pos_label)  # numpy scalars, np.str_, 0-d tensors: their plain value
    for arr, name in ((t, "y_true"), (p, "y_pred")):
        bad = _missing_rows(arr)
        if len(bad):
            raise ValueError(f"{name} has a missing value (NaN/None) at row {int(bad[0])}: every row needs a label")
    if _is_scores(t):
        k = next(n for n, v in enumerate(t.tolist()) if isinstance(v, float) and not (np.isfinite(v) and v.is_integer()))
        raise ValueError(f"y_true holds a non-label number ({t.tolist()[k]!r} at row {k}): y_true must be class labels")
    if threshold is not None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.number)) or not np.isfinite(threshold):
            raise ValueError(f"threshold must be a finite number, not {threshold!r}")
        if p.dtype.kind not in "iuf":
            raise ValueError(f"threshold= needs y_pred to be the positive class's scores (numbers), got {p.dtype} values")
        if not np.isfinite(p).all():
            raise ValueError(f"y_pred has a non-finite score at row {int(np.argmax(~np.isfinite(p)))}")
        classes = _distinct(t)
        inferred = pos_label is _INFER
        if inferred:
            pos_label = _inferred(classes, "y_true")
            if pos_label is None:
                raise ValueError(f"cannot tell the positive class among y_true's labels {classes[:10]}: pass pos_label=")
        if t.dtype.kind == "b" or all(isinstance(c, (bool, np.bool_)) for c in classes):
            negative = not pos_label
        elif all(not isinstance(c, (bool, np.bool_, str)) and c in (0, 1) for c in classes + [pos_label]):
            negative = type(pos_label)(1 - pos_label)
        else:
            others = [c for c in classes if not (type(c) is type(pos_label) and c == pos_label)]
            if len(others) != 1:
                raise ValueError(
                    f"threshold= makes binary predictions, but y_true has {len(others)} classes besides "
                    f"pos_label {pos_label!r}: {others[:10]}"
                )
            negative = others[0]
        out = np.empty(len(p), dtype=object if t.dtype.kind == "O" else t.dtype)
        out[...] = negative
        out[p >= threshold] = pos_label
        p = out
        check_label_kinds(y_true=t, y_pred=p)
        if inferred:
            return t, p, pos_label
    elif _is_scores(p):
        k = next(n for n, v in enumerate(p.tolist()) if isinstance(v, float) and not (np.isfinite(v) and v.is_integer()))
        raise ValueError(
            f"y_pred holds probabilities or scores ({p.tolist()[k]!r} at row {k}), not labels: pass threshold= "
            "(predicted positive when score >= threshold) or the predicted labels"
        )
    check_label_kinds(y_true=t, y_pred=p)
    if pos_label is _INFER:
        if need_pos_label:
            classes = _distinct(t, p)
            pos_label = _inferred(classes, "labels")
            if pos_label is None:
                raise ValueError(
                    f"cannot tell the positive class among the labels {classes[:10]} (it is inferred only "
                    "for 0/1 labels and booleans): pass pos_label=, e.g. pos_label="
                    f"{next((c for c in classes if c not in (0, False)), classes[0])!r}"
                )
        return t, p, pos_label
    hit = False
    for arr in (t, p):
        with np.errstate(all="ignore"):
            try:
                eq = arr == pos_label
            except (TypeError, ValueError):
                eq = np.zeros(len(arr), bool)
        if isinstance(eq, np.ndarray) and eq.any():
            if arr.dtype.kind == "O":  # "1" is never the label 1
                hit = any(_same_label(v, pos_label) for v in arr[eq].tolist()[:1])
            else:
                hit = _same_label(arr[np.argmax(eq)].item(), pos_label)
        if hit:
            break
    if not hit:
        raise ValueError(
            f"pos_label {pos_label!r} occurs in neither y_true nor y_pred (labels: {_distinct(t, p)[:10]}): "
            "every rate of the positive class would be 0; pass one of the labels"
        )
    return t, p, pos_label


def _same_label(a: Any, b: Any) -> bool:
    """Equal labels: numbers by value (1 == 1.0 == True, as numpy compares them), a str only a str."""
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _inferred(classes: list, what: str) -> Any:
    """True for booleans, 1 for labels within {0, 1}, else None (ambiguous)."""
    if classes and all(isinstance(c, (bool, np.bool_)) for c in classes):
        return True
    if classes and all(
        not isinstance(c, str) and isinstance(c, (bool, int, float, np.number, np.bool_)) and c in (0, 1) for c in classes
    ):
        return 1  # 0/1 labels (True / False among them count as 1 / 0)
    return None


def cell_counts(
    y_true: ArrayLike, y_pred: ArrayLike, codes: np.ndarray, n_groups: int, pos_label: Any = _INFER,
    *, threshold: float | None = None,
) -> np.ndarray:
    """``(n_groups, 8)`` counts of the eight cells (see the module docstring) per group.

    The labels go through ``check_labels`` first (``pos_label`` / ``threshold`` as there).
    """
    refuse_misaligned("cell_counts", y_true=y_true, y_pred=y_pred)
    t, p, pos_label = check_labels(y_true, y_pred, pos_label, threshold=threshold)
    return _cells(t, p, codes, n_groups, pos_label)


_NO_POSITIVE = object()  # accuracy alone: no row is of the positive class


def _cells(t: np.ndarray, p: np.ndarray, codes: np.ndarray, n_groups: int, pos_label: Any) -> np.ndarray:
    if not (len(t) == len(p) == len(codes)):
        raise ValueError(f"y_true ({len(t)}), y_pred ({len(p)}) and groups ({len(codes)}) differ in length")
    pos_label = plain(pos_label)
    cell = (t == p).astype(np.intp) * 4
    if pos_label is not _NO_POSITIVE:
        cell += (t == pos_label) * 2
        cell += p == pos_label
    flat = np.bincount(codes * N_CELLS + cell, minlength=n_groups * N_CELLS)
    return flat.reshape(n_groups, N_CELLS)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def metrics_from_counts(counts: np.ndarray, metrics: Sequence[str] = FAIRNESS_METRICS) -> dict[str, np.ndarray]:
    """Each metric from ``(..., 8)`` cell counts, as an array of shape ``counts.shape[:-1]``."""
    c = np.asarray(counts)
    n = c.sum(axis=-1)
    tp, fp, fn = c[..., 7], c[..., 1], c[..., 2]
    tn = c[..., 0] + c[..., 4]
    out: dict[str, np.ndarray] = {}
    for name in metrics:
        key = canonical_metric(name)
        if key == "accuracy":
            out[name] = _ratio(c[..., 4:].sum(axis=-1), n)
        elif key == "precision":
            out[name] = _ratio(tp, tp + fp)
        elif key == "recall":
            out[name] = _ratio(tp, tp + fn)
        elif key == "fpr":
            out[name] = _ratio(fp, fp + tn)
        elif key == "fnr":
            out[name] = _ratio(fn, tp + fn)
        elif key == "selection_rate":
            out[name] = _ratio(tp + fp, n)
    return out


def group_metrics(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    groups: Any,
    metrics: Sequence[str] = FAIRNESS_METRICS,
    pos_label: Any = _INFER,
    *,
    threshold: float | None = None,
) -> pd.DataFrame:
    """One row per group (MultiIndex for several sensitive columns): ``n`` and each metric.

    ``pos_label``: the positive class (inferred only for 0/1 labels and booleans; required
    otherwise when a metric other than accuracy is asked for). ``threshold``: ``y_pred`` holds
    the positive class's scores, predicted positive when ``score >= threshold``. See
    ``check_labels`` for what is refused.
    """
    keys = [canonical_metric(m) for m in metrics]
    refuse_misaligned("group_metrics", y_true=y_true, y_pred=y_pred, groups=groups)
    t, p, pos_label = check_labels(
        y_true, y_pred, pos_label, threshold=threshold, need_pos_label=any(k != "accuracy" for k in keys)
    )
    codes, index = group_codes(groups)
    counts = _cells(t, p, codes, len(index), _NO_POSITIVE if pos_label is _INFER else pos_label)
    values = metrics_from_counts(counts, metrics)
    frame = pd.DataFrame({"n": counts.sum(axis=1), **values}, index=index)
    return frame


def bootstrap_counts(counts: np.ndarray, n_boot: int = 1000, seed: int | None = 0) -> np.ndarray:
    """``(n_boot, G, 8)`` resampled cell counts: each group's rows resampled with replacement.

    Drawing the counts from Multinomial(n_g, observed cell shares) has exactly the distribution of
    the counts of a resample of the group's n_g rows, at a cost independent of n_g. Summing over
    groups gives the stratified bootstrap of the whole data set.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = counts.sum(axis=1)
    shares = _ratio(counts, n[:, None])
    shares = np.where(np.isnan(shares), 0.0, shares)
    shares[n == 0, 0] = 1.0  # empty group: any valid pvals (n is 0 anyway)
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, shares, size=(int(n_boot), len(n)))


def ratio_to_overall(values: ArrayLike, overall: float) -> np.ndarray:
    """``min(value / overall, overall / value)`` per group, as fairlearn's ``MetricFrame.ratio(method=
    "to_overall")``: 0 for a group whose metric is 0 (overall > 0); NaN where the metric is NaN or
    overall is 0 or NaN (0/0).

    Example:
        >>> ratio_to_overall([0.0, 0.5, 0.8, np.nan], 0.4).tolist()
        [0.0, 0.8, 0.5, nan]
    """
    v = np.asarray(values, dtype=float)
    o = float(overall)
    if not o or np.isnan(o):
        return np.full(v.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isnan(v), np.nan, np.minimum(v / o, o / v))  # v = 0: min(0, inf) = 0


def disparity_table(
    values: pd.DataFrame,
    overall: pd.Series,
    eligible: np.ndarray | None = None,
) -> pd.DataFrame:
    """Between-group and to-overall disparity of each metric column.

    Columns: ``difference`` (max − min over groups), ``ratio`` (min / max),
    ``difference_to_overall`` (max |group − overall|), ``ratio_to_overall``
    (min over groups of ``ratio_to_overall``: 0 when a group's metric is 0), ``worst_group`` (the
    group farthest from overall), ``n_groups``. ``eligible`` (bool per row) restricts the groups considered.
    Definitions match fairlearn's ``MetricFrame.difference`` / ``ratio`` (methods
    ``between_groups`` and ``to_overall``).
    """
    rows = {}
    mask = np.ones(len(values), bool) if eligible is None else np.asarray(eligible, bool)
    sub = values[mask]
    for metric in overall.index:
        col = sub[metric].to_numpy(dtype=float)
        ok = ~np.isnan(col)
        o = float(overall[metric])
        if not ok.any():
            rows[metric] = dict(difference=np.nan, ratio=np.nan, difference_to_overall=np.nan,
                                ratio_to_overall=np.nan, worst_group=None, n_groups=0)
            continue
        v = col[ok]
        hi, lo = v.max(), v.min()
        gaps = np.abs(v - o)
        r_over = ratio_to_overall(v, o)
        worst = sub.index[np.flatnonzero(ok)[int(np.argmax(gaps))]]
        rows[metric] = dict(
            difference=hi - lo,
            ratio=float(_ratio(lo, hi)),
            difference_to_overall=gaps.max(),
            ratio_to_overall=float(np.nanmin(r_over)) if not np.isnan(r_over).all() else np.nan,
            worst_group=worst,
            n_groups=int(ok.sum()),
        )
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "metric"
    return out


def label_distribution(
    y: ArrayLike, groups: Any, normalize: bool = True, *, codes: np.ndarray | None = None, index: pd.Index | None = None
) -> pd.DataFrame:
    """Share (or count) of each label per group: rows = groups, columns = labels (sorted).

    ``codes`` / ``index``: the output of ``group_codes(groups)`` when already computed.
    """
    refuse_misaligned("label_distribution", y=y, groups=groups)
    if codes is None or index is None:
        codes, index = group_codes(groups)
    arr = _labels(y, "y")
    bad = _missing_rows(arr)
    if len(bad):
        raise ValueError(f"y has a missing value (NaN/None) at row {int(bad[0])}: every row needs a label")
    check_label_kinds(y=arr)
    if len(arr) != len(codes):
        raise ValueError(f"y ({len(arr)}) and groups ({len(codes)}) differ in length")
    ycodes, classes = _column_codes(pd.Series(arr, name="y", copy=False))
    k = len(classes)
    table = np.bincount(codes * k + ycodes, minlength=len(index) * k).reshape(len(index), k)
    values = _ratio(table, table.sum(axis=1, keepdims=True)) if normalize else table
    return pd.DataFrame(values, index=index, columns=pd.Index(classes, name="label"))


def representation(sample: Any, population: Any) -> pd.DataFrame:
    """Each group's share of ``sample`` (e.g. the labelled set) against ``population`` (the pool).

    Both are DataFrames with the same sensitive columns. Columns: ``n_sample``, ``share_sample``,
    ``n_population``, ``share_population``, ``ratio`` (share_sample / share_population; < 1 means
    under-represented), ``difference``.

    Example:
        >>> s = pd.DataFrame({"g": ["a", "a", "b"]}); p = pd.DataFrame({"g": ["a", "b", "b", "b"]})
        >>> representation(s, p)["ratio"].round(3).tolist()
        [2.667, 0.444]
    """
    s, p = _as_frame(sample), _as_frame(population)
    if list(s.columns) != list(p.columns):
        raise ValueError(f"sample columns {list(s.columns)} differ from population columns {list(p.columns)}")
    both = pd.concat([s, p], ignore_index=True)
    codes, index = group_codes(both)
    n_s = np.bincount(codes[: len(s)], minlength=len(index))
    n_p = np.bincount(codes[len(s):], minlength=len(index))
    share_s = n_s / max(len(s), 1)
    share_p = n_p / max(len(p), 1)
    return pd.DataFrame(
        {
            "n_sample": n_s,
            "share_sample": share_s,
            "n_population": n_p,
            "share_population": share_p,
            "ratio": _ratio(share_s, share_p),
            "difference": share_s - share_p,
        },
        index=index,
    )
