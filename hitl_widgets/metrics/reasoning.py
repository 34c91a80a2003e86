"""Metrics of step-by-step reasoning chains judged step by step (PRM800K style): step accuracy, where
the first error falls, which kind it is, and how far annotators agree on the first-error position.

A chain's *first error* is the position (0-based step index) of its first step judged wrong; a
chain with no wrong step has none (``None``). Pure functions over numpy / pandas: no widget imports.

A steps table (``ReasoningChainReview.steps``, or several concatenated) has one row per step;
a *chain* is one annotator's review of one model's chain on one item: the rows sharing item_id,
model and, when the table has one, annotator. Bad input raises ``ValueError`` naming the row or the
chain: a missing item_id / model / annotator, a step that is not a whole number >= 0, a step
number twice in one chain (two annotators' tables concatenated without an annotator column), a
verdict not in ``STEP_VERDICTS`` (or None), a ``reviewed`` that is not a bool (or 0 / 1) or differs within a
chain, ids that read alike but never match (``1`` and ``"1"``: ``coerce.refuse_lookalikes``).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..coerce import is_missing, plain, refuse_lookalikes
from .agreement import BootstrapCI, bootstrap_ci

__all__ = [
    "STEP_VERDICTS",
    "ERROR_VERDICTS",
    "FirstErrorAgreement",
    "first_error_agreement",
    "first_error_positions",
    "first_error_table",
    "chain_summary",
]

STEP_VERDICTS = ("correct", "perception error", "reasoning error", "unsupported", "not checkable")
ERROR_VERDICTS = ("perception error", "reasoning error", "unsupported")
NO_ERROR = -1  # the code of "no error in the chain" in the arrays below


class FirstErrorAgreement(NamedTuple):
    """Agreement on first-error positions: the share of annotator pairs (averaged per chain, then
    over chains) that name the same position (``exact``) or positions at most one step apart
    (``within_one``); "no error" agrees only with "no error". CIs: bootstrap over chains (None
    when not asked for)."""

    n_chains: int
    exact: float
    within_one: float
    exact_ci: BootstrapCI | None
    within_one_ci: BootstrapCI | None


def _whole(value: Any) -> int | None:
    """``value`` as an int when it is a whole number >= 0 (not a bool), else None."""
    v = plain(value)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v != int(v) or v < 0:
        return None
    return int(v)


def _position(value: Any, where: str) -> int:
    if value is not pd.NaT and is_missing(value):  # None, NaN of any float type, pd.NA: no error
        return NO_ERROR
    position = _whole(value)
    if position is None:
        raise ValueError(f"{where}: a first-error position is a step index (int >= 0) or None / NaN / <NA> "
                         f"(no error), not {plain(value)!r}")
    return position


def first_error_positions(ratings: Any) -> np.ndarray:
    """A chains x annotators table of first-error positions (ints >= 0; None, NaN or ``pd.NA``: no
    error) as an int array with ``-1`` for "no error". A bad entry is named by its chain and
    annotator (a DataFrame's labels, else positions).

    >>> first_error_positions([[2, 2], [None, 0]]).tolist()
    [[2, 2], [-1, 0]]
    """
    chains: list[Any] | None = None
    annotators: list[Any] | None = None
    if isinstance(ratings, pd.DataFrame):
        chains, annotators = ratings.index.tolist(), ratings.columns.tolist()
        ratings = ratings.to_numpy(dtype=object)
    rows = [list(r) for r in ratings]
    if not rows:
        raise ValueError("no chains given")
    width = {len(r) for r in rows}
    if len(width) != 1 or width.pop() < 2:
        raise ValueError("ratings must be a chains x annotators table with at least two annotators")

    def where(i: int, j: int) -> str:
        if chains is None or annotators is None:
            return f"chain {i}, annotator {j}"
        return f"chain {chains[i]!r}, annotator {annotators[j]!r}"

    return np.array([[_position(v, where(i, j)) for j, v in enumerate(r)] for i, r in enumerate(rows)], dtype=np.int64)


def _pair_scores(codes: np.ndarray, tolerance: int) -> np.ndarray:
    """Per chain: the share of annotator pairs that agree within ``tolerance`` steps."""
    k = codes.shape[1]
    agree = np.zeros(codes.shape[0])
    for a in range(k):
        for b in range(a + 1, k):
            x, y = codes[:, a], codes[:, b]
            none = (x == NO_ERROR) | (y == NO_ERROR)
            agree += np.where(none, x == y, np.abs(x - y) <= tolerance)
    return agree / (k * (k - 1) / 2)


def first_error_agreement(ratings: Any, n_boot: int = 1000, level: float = 0.95, seed: int | None = 0) -> FirstErrorAgreement:
    """How far annotators agree on where each chain's first error is: exact, and within one step.

    ``ratings``: chains x annotators (a list of rows, an array or a DataFrame), each entry a step
    index (0-based) or None / NaN for "no error in this chain". Every annotator judged every chain.
    ``n_boot`` > 0 adds percentile bootstrap CIs over chains (``metrics.bootstrap_ci``).

    >>> r = first_error_agreement([[1, 1], [2, 3], [None, None], [0, None]], n_boot=0)
    >>> r.exact, r.within_one
    (0.5, 0.75)
    """
    codes = first_error_positions(ratings)
    exact = _pair_scores(codes, 0)
    near = _pair_scores(codes, 1)
    exact_ci = near_ci = None
    if n_boot > 0:
        exact_ci = bootstrap_ci(np.mean, exact, n=n_boot, level=level, seed=seed)
        near_ci = bootstrap_ci(np.mean, near, n=n_boot, level=level, seed=seed)
    return FirstErrorAgreement(len(codes), float(exact.mean()), float(near.mean()), exact_ci, near_ci)


def _row(steps: pd.DataFrame, n: int) -> str:
    return f"steps: row {n} (label {steps.index[n]!r})"


def _chains(steps: Any, keys: list[str]) -> pd.DataFrame:
    """One row per chain (the steps sharing ``keys``), in order of first appearance, checked (see
    the module): the keys, reviewed, n_ok and n_judged (correct / correct-or-wrong steps up to the
    first error), first (the first error's step number, ``NO_ERROR`` for none) and kind (its
    verdict; missing for none)."""
    if not isinstance(steps, pd.DataFrame):
        raise ValueError(f"steps must be a DataFrame, not {type(steps).__name__}")
    missing = {*keys, "step", "verdict", "reviewed"} - set(steps.columns)
    if missing:
        raise ValueError(f"steps needs the columns {sorted(missing)}")
    for key in keys:
        gone = steps[key].isna().to_numpy()
        if gone.any():
            raise ValueError(f"{_row(steps, int(gone.argmax()))} has no {key}")
        refuse_lookalikes(key, [("steps", steps[key])])
    step = steps["step"]
    if step.dtype.kind in "iu":
        bad = (step < 0).to_numpy()
    else:
        bad = np.array([_whole(v) is None for v in step.tolist()], dtype=bool)
    if bad.any():
        n = int(bad.argmax())
        raise ValueError(f"{_row(steps, n)}: step {plain(step.iloc[n])!r} is not a step index (an int >= 0)")
    verdict = steps["verdict"].astype(object)
    bad = ~(verdict.isin(STEP_VERDICTS) | verdict.map(is_missing)).to_numpy(dtype=bool)
    if bad.any():
        n = int(bad.argmax())
        raise ValueError(f"{_row(steps, n)}: verdict {plain(verdict.iloc[n])!r} is not one of {STEP_VERDICTS} or None")
    reviewed = steps["reviewed"]
    if reviewed.dtype != bool:
        # a bool, or 0 / 1 (a store or CSV round trip gives ints); "False" or 2 is refused
        bad = np.array([not (isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, np.integer)) and v in (0, 1)))
                        for v in reviewed.tolist()], dtype=bool)
        if bad.any():
            n = int(bad.argmax())
            raise ValueError(f"{_row(steps, n)}: reviewed {plain(reviewed.iloc[n])!r} is not a bool (True / False, or 1 / 0)")
    if steps.empty:
        return pd.DataFrame({**{k: [] for k in keys}, "reviewed": np.zeros(0, bool), "n_ok": np.zeros(0, np.int64),
                             "n_judged": np.zeros(0, np.int64), "first": np.zeros(0, np.int64), "kind": []})
    codes = steps.groupby(keys, sort=False).ngroup().to_numpy()
    step_no = step.to_numpy(dtype=np.int64)
    order = np.lexsort((step_no, codes))  # by chain (first appearance), then step
    c, st = codes[order], step_no[order]
    same = (c[1:] == c[:-1]) & (st[1:] == st[:-1])
    if same.any():
        k = int(same.argmax()) + 1
        n = int(order[k])
        chain = ", ".join(f"{key} {plain(steps[key].iloc[n])!r}" for key in keys)
        why = "is the annotator column right?" if "annotator" in keys else "several annotators' steps? add an annotator column"
        raise ValueError(f"{_row(steps, n)}: {chain} has step {int(st[k])} twice ({why})")
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    chain_of_row = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(c)]))
    v = verdict.to_numpy(dtype=object)[order]
    ok = v == "correct"
    wrong = np.isin(v, ERROR_VERDICTS)
    done = reviewed.to_numpy(dtype=bool)[order]
    errors_before: np.ndarray = np.cumsum(wrong) - wrong  # in the sorted table, then within the chain
    errors_before -= errors_before[starts][chain_of_row]
    upto = errors_before == 0  # the steps up to and including the first error
    first_row = wrong & upto
    all_done = np.logical_and.reduceat(done, starts)
    any_done = np.logical_or.reduceat(done, starts)
    if (all_done != any_done).any():
        n = int(order[starts[int((all_done != any_done).argmax())]])
        chain = ", ".join(f"{k} {plain(steps[k].iloc[n])!r}" for k in keys)
        raise ValueError(f"{_row(steps, n)}: {chain} is reviewed on some steps and not others (reviewed is per chain)")
    first = np.full(len(starts), NO_ERROR, dtype=np.int64)
    kind = np.full(len(starts), None, dtype=object)
    first[chain_of_row[first_row]] = st[first_row]
    kind[chain_of_row[first_row]] = v[first_row]
    head = steps.iloc[order[starts]]
    return pd.DataFrame({
        **{k: head[k].map(plain).tolist() for k in keys},
        "reviewed": all_done,
        "n_ok": np.add.reduceat((ok & upto).astype(np.int64), starts),
        "n_judged": np.add.reduceat(((ok | wrong) & upto).astype(np.int64), starts),
        "first": first,
        "kind": kind,
    })


def first_error_table(steps: pd.DataFrame) -> pd.DataFrame:
    """Several annotators' step verdicts (``ReasoningChainReview.steps`` of each, concatenated:
    columns item_id, model, step, verdict, reviewed, annotator) as a chains x annotators table of
    first-error positions (None: no error), for ``first_error_agreement``. Only the chains every
    annotator reviewed (judged up to its first error) are kept. Bad input is refused as the module
    says.

    >>> a = pd.DataFrame({"item_id": 0, "model": "m", "step": [0, 1], "reviewed": True,
    ...                   "verdict": ["correct", "unsupported"], "annotator": "ann"})
    >>> b = a.assign(verdict=["perception error", None], annotator="bob")
    >>> first_error_table(pd.concat([a, b])).values.tolist()
    [[1, 0]]
    """
    missing = {"item_id", "model", "step", "verdict", "reviewed", "annotator"} - set(steps.columns)
    if missing:
        raise ValueError(f"steps needs the columns {sorted(missing)}")
    chains = _chains(steps, ["item_id", "model", "annotator"])
    annotators = list(dict.fromkeys(chains["annotator"].tolist()))
    out: dict[tuple, dict] = {}
    for item_id, model, annotator, reviewed, first in chains[["item_id", "model", "annotator", "reviewed", "first"]].itertuples(
            index=False, name=None):
        if reviewed:
            out.setdefault((item_id, model), {})[annotator] = None if first == NO_ERROR else int(first)
    keys = [k for k, v in out.items() if len(v) == len(annotators)]
    index = pd.MultiIndex.from_tuples(keys, names=["item_id", "model"])
    table = pd.DataFrame([[out[k][a] for a in annotators] for k in keys], index=index, columns=annotators, dtype=object)
    return table


def _ci(values: np.ndarray, fn: Any, n_boot: int, level: float, seed: int | None) -> tuple[float, float]:
    if n_boot <= 0 or len(values) == 0:
        return (math.nan, math.nan)
    try:
        ci = bootstrap_ci(fn, values, n=n_boot, level=level, seed=seed)
    except ValueError:  # undefined on too many resamples (e.g. no judged step at all)
        return (math.nan, math.nan)
    return (ci.low, ci.high)


def _ratio(pairs: np.ndarray) -> float:
    """sum of column 0 / sum of column 1 (NaN when the denominator is 0)."""
    den = pairs[:, 1].sum()
    return float(pairs[:, 0].sum() / den) if den else math.nan


def _item_codes(items: pd.Series) -> tuple[NDArray[np.intp], int]:
    """``(codes, n)``: each chain's item as a code ``0..n-1``, first appearance first; computed once
    per set of chains and shared by the measures over them."""
    codes, uniques = pd.factorize(items, sort=False)
    return codes, len(uniques)


def _per_item(items: tuple[NDArray[np.intp], int], num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """(numerator, denominator) summed per item (``items``: :func:`_item_codes`), one row per item: the
    bootstrap resamples items, so that several annotators' reviews of one chain move together (they
    are not independent)."""
    codes, n = items
    out = np.zeros((n, 2), dtype=float)
    np.add.at(out[:, 0], codes, num)  # views: summed into out
    np.add.at(out[:, 1], codes, den)
    return out


SUMMARY_COLUMNS = ["model", "measure", "value", "n", "estimate", "low", "high"]


def chain_summary(
    steps: pd.DataFrame, n_boot: int = 1000, level: float = 0.95, seed: int | None = 0, max_position: int | None = None
) -> pd.DataFrame:
    """Per model: step accuracy, the first-error position distribution and the error kinds, with
    percentile bootstrap CIs over items.

    ``steps``: one row per step with columns item_id, model, step (0-based), verdict (one of
    ``STEP_VERDICTS`` or None), reviewed (a bool per chain: whether it is fully judged: every step
    up to its first error, or every step, has a verdict) and optionally annotator. Only reviewed
    chains count. With an annotator column (several annotators' ``ReasoningChainReview.steps``
    concatenated) each annotator's review of a chain is one chain: the measures pool them, and the
    bootstrap resamples items (an item's reviews by several annotators are drawn together: they
    are not independent, and resampling them one by one would narrow the CIs). Bad input is
    refused as the module says.

    Rows (long form, columns model, measure, value, n, estimate, low, high):
      - measure "step_accuracy": correct steps / steps judged correct or wrong ("not checkable" and
        the steps after the first error are left out); n = those steps.
      - measure "first_error_at", value k (1-based step) or "none": the share of the model's
        reviewed chains whose first error is step k (n = reviewed chains). Positions past
        ``max_position`` are pooled as ``f">{max_position}"``.
      - measure "error_kind", value a verdict of ``ERROR_VERDICTS``: the share of the chains with
        an error whose first error is of that kind (n = chains with an error).

    >>> df = pd.DataFrame({"item_id": [0, 0, 1, 1], "model": "m", "step": [0, 1, 0, 1],
    ...     "verdict": ["correct", "reasoning error", "correct", "correct"], "reviewed": True})
    >>> s = chain_summary(df, n_boot=0)
    >>> s[s.measure == "step_accuracy"].estimate.item()
    0.75
    """
    if not isinstance(steps, pd.DataFrame):
        raise ValueError(f"steps must be a DataFrame, not {type(steps).__name__}")
    keys = ["model", "item_id", *(["annotator"] if "annotator" in steps.columns else [])]
    all_chains = _chains(steps, keys)
    rows: list[tuple] = []
    for model in list(dict.fromkeys(all_chains["model"].tolist())):
        chains = all_chains[(all_chains["model"] == model) & all_chains["reviewed"]]
        items = _item_codes(chains["item_id"])
        pairs = _per_item(items, chains["n_ok"].to_numpy(dtype=float), chains["n_judged"].to_numpy(dtype=float))
        est = _ratio(pairs) if len(pairs) else math.nan
        low, high = _ci(pairs, _ratio, n_boot, level, seed)
        rows.append((model, "step_accuracy", "", int(pairs[:, 1].sum()), est, low, high))
        firsts = chains["first"].to_numpy(dtype=np.int64)

        def label(p: int) -> str:
            if p == NO_ERROR:
                return "none"
            if max_position is not None and p + 1 > max_position:
                return f">{max_position}"
            return str(p + 1)

        labels = [label(int(p)) for p in firsts]
        values = sorted({v for v in labels if v != "none"}, key=lambda v: (v.startswith(">"), int(v.lstrip(">"))))
        for v in [*values, "none"]:
            hit = np.array([x == v for x in labels], dtype=float)
            est = float(hit.mean()) if len(hit) else math.nan
            low, high = _ci(_per_item(items, hit, np.ones_like(hit)), _ratio, n_boot, level, seed)
            rows.append((model, "first_error_at", v, len(hit), est, low, high))
        with_error = chains[chains["first"] != NO_ERROR]
        error_items = _item_codes(with_error["item_id"])
        for kind in ERROR_VERDICTS:
            hit = np.array([k == kind for k in with_error["kind"].tolist()], dtype=float)
            est = float(hit.mean()) if len(hit) else math.nan
            low, high = _ci(_per_item(error_items, hit, np.ones_like(hit)), _ratio, n_boot, level, seed)
            rows.append((model, "error_kind", kind, len(hit), est, low, high))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
