"""Metrics of step-by-step reasoning chains judged step by step (PRM800K style): step accuracy, where
the first error falls, which kind it is, and how far annotators agree on the first-error position.

A chain's *first error* is the position (0-based step index) of its first step judged wrong; a
chain with no wrong step has none (``None``). Pure functions over numpy / pandas: no widget imports.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

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


def _position(value: Any) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_ERROR
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise ValueError(f"a first-error position is a step index (int >= 0) or None, not {value!r}")
    if float(value) != int(value) or int(value) < 0:
        raise ValueError(f"a first-error position is a step index (int >= 0) or None, not {value!r}")
    return int(value)


def first_error_positions(ratings: Any) -> np.ndarray:
    """A chains x annotators table of first-error positions (ints >= 0; None or NaN: no error) as
    an int array with ``-1`` for "no error".

    >>> first_error_positions([[2, 2], [None, 0]]).tolist()
    [[2, 2], [-1, 0]]
    """
    if isinstance(ratings, pd.DataFrame):
        ratings = ratings.to_numpy(dtype=object)
    rows = [list(r) for r in ratings]
    if not rows:
        raise ValueError("no chains given")
    width = {len(r) for r in rows}
    if len(width) != 1 or width.pop() < 2:
        raise ValueError("ratings must be a chains x annotators table with at least two annotators")
    return np.array([[_position(v) for v in r] for r in rows], dtype=np.int64)


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


def first_error_table(steps: pd.DataFrame) -> pd.DataFrame:
    """Several annotators' step verdicts (``ReasoningChainReview.steps`` of each, concatenated:
    columns item_id, model, step, verdict, reviewed, annotator) as a chains x annotators table of
    first-error positions (None: no error), for ``first_error_agreement``. Only the chains every
    annotator reviewed (judged up to its first error) are kept.

    >>> a = pd.DataFrame({"item_id": 0, "model": "m", "step": [0, 1], "reviewed": True,
    ...                   "verdict": ["correct", "unsupported"], "annotator": "ann"})
    >>> b = a.assign(verdict=["perception error", None], annotator="bob")
    >>> first_error_table(pd.concat([a, b])).values.tolist()
    [[1, 0]]
    """
    missing = {"item_id", "model", "step", "verdict", "reviewed", "annotator"} - set(steps.columns)
    if missing:
        raise ValueError(f"steps needs the columns {sorted(missing)}")
    annotators = list(dict.fromkeys(steps["annotator"].tolist()))
    out: dict[tuple, dict] = {}
    for (item_id, model, annotator), chain in steps.groupby(["item_id", "model", "annotator"], sort=False):
        if not chain["reviewed"].astype(bool).all():
            continue
        chain = chain.sort_values("step")
        wrong = [int(s) for s, v in zip(chain["step"], chain["verdict"]) if v in ERROR_VERDICTS]
        out.setdefault((item_id, model), {})[annotator] = wrong[0] if wrong else None
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


SUMMARY_COLUMNS = ["model", "measure", "value", "n", "estimate", "low", "high"]


def chain_summary(
    steps: pd.DataFrame, n_boot: int = 1000, level: float = 0.95, seed: int | None = 0, max_position: int | None = None
) -> pd.DataFrame:
    """Per model: step accuracy, the first-error position distribution and the error kinds, with
    percentile bootstrap CIs over chains.

    ``steps``: one row per step with columns item_id, model, step (0-based), verdict (one of
    ``STEP_VERDICTS`` or None) and reviewed (whether the step's chain is fully judged: every step
    up to its first error, or every step, has a verdict). Only reviewed chains count.

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
    missing = {"item_id", "model", "step", "verdict", "reviewed"} - set(steps.columns)
    if missing:
        raise ValueError(f"steps needs the columns {sorted(missing)}")
    rows: list[tuple] = []
    done = steps[steps["reviewed"].astype(bool)]
    for model in list(dict.fromkeys(steps["model"].tolist())):
        mine = done[done["model"] == model]
        chains = []  # per chain: (n correct, n judged correct-or-wrong, first error or -1, its kind)
        for _, chain in mine.groupby("item_id", sort=False):
            chain = chain.sort_values("step")
            verdicts = chain["verdict"].tolist()
            first = next((n for n, v in enumerate(verdicts) if v in ERROR_VERDICTS), NO_ERROR)
            upto = verdicts if first == NO_ERROR else verdicts[: first + 1]
            n_ok = sum(v == "correct" for v in upto)
            n_judged = sum(v in ("correct", *ERROR_VERDICTS) for v in upto)
            kind = verdicts[first] if first != NO_ERROR else None
            chains.append((n_ok, n_judged, int(chain["step"].iloc[first]) if first != NO_ERROR else NO_ERROR, kind))
        pairs = np.array([[c[0], c[1]] for c in chains], dtype=float).reshape(-1, 2)
        est = _ratio(pairs) if len(pairs) else math.nan
        low, high = _ci(pairs, lambda p: _ratio(p), n_boot, level, seed)
        rows.append((model, "step_accuracy", "", int(pairs[:, 1].sum()), est, low, high))
        firsts = np.array([c[2] for c in chains], dtype=np.int64)

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
            low, high = _ci(hit, np.mean, n_boot, level, seed)
            rows.append((model, "first_error_at", v, len(hit), est, low, high))
        kinds = [c[3] for c in chains if c[3] is not None]
        for kind in ERROR_VERDICTS:
            hit = np.array([k == kind for k in kinds], dtype=float)
            est = float(hit.mean()) if len(hit) else math.nan
            low, high = _ci(hit, np.mean, n_boot, level, seed)
            rows.append((model, "error_kind", kind, len(hit), est, low, high))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
