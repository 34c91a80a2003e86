"""Agreement metrics: published worked examples, reference packages, edge cases, properties."""

from __future__ import annotations

from fractions import Fraction
from itertools import permutations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hitl_widgets.metrics import agreement as ag
from hitl_widgets.metrics import (
    bootstrap_ci,
    box_set_agreement,
    cohen_kappa,
    dawid_skene,
    fleiss_kappa,
    krippendorff_alpha,
    majority_vote,
    mask_agreement,
    percent_agreement,
    span_agreement,
)

krippendorff = pytest.importorskip("krippendorff")
inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")
sk_metrics = pytest.importorskip("sklearn.metrics")

LEVELS = ("nominal", "ordinal", "interval", "ratio")
nan = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers x 12 units.
KRIPP_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
)
KRIPP_2011_PUBLISHED = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Fleiss (1971) style table from Wikipedia's "Fleiss' kappa" worked example:
# 10 subjects x 5 categories, 14 raters each; published kappa 0.210.
FLEISS_TABLE = np.array(
    [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ]
)


# --------------------------------------------------------------------------- exact references


def exact_alpha(data: np.ndarray, level: str) -> Fraction:
    """Krippendorff's alpha from its definition, in exact rational arithmetic (pairs enumerated)."""
    units = [[Fraction(v) for v in col if not np.isnan(v)] for col in data.T]
    units = [u for u in units if len(u) >= 2]
    values = sorted({v for u in units for v in u})
    o = {(c, k): Fraction(0) for c in values for k in values}
    for u in units:
        for i, c in enumerate(u):
            for j, k in enumerate(u):
                if i != j:
                    o[c, k] += Fraction(1, len(u) - 1)
    n_c = {c: sum(o[c, k] for k in values) for c in values}
    n = sum(n_c.values())

    def delta(c: Fraction, k: Fraction) -> Fraction:
        if level == "nominal":
            return Fraction(int(c != k))
        if level == "interval":
            return (c - k) ** 2
        if level == "ratio":
            return ((c - k) / (c + k)) ** 2 if c + k else Fraction(0)
        lo, hi = min(c, k), max(c, k)
        return (sum(n_c[g] for g in values if lo <= g <= hi) - (n_c[c] + n_c[k]) / 2) ** 2

    d_o = sum(o[c, k] * delta(c, k) for c in values for k in values)
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in values for k in values)
    return 1 - (n - 1) * d_o / d_e


def exact_fleiss(table: np.ndarray) -> Fraction:
    n_i = [int(r.sum()) for r in table]
    p_bar = sum(
        Fraction(int((r * (r - 1)).sum()), m * (m - 1)) for r, m in zip(table, n_i, strict=True)
    ) / len(table)
    p_j = [Fraction(int(c), sum(n_i)) for c in table.sum(axis=0)]
    p_e = sum(p * p for p in p_j)
    return (p_bar - p_e) / (1 - p_e)


def exact_cohen(table: list[list[int]], weights: str | None = None) -> Fraction:
    k = len(table)
    n = sum(map(sum, table))
    rows = [sum(r) for r in table]
    cols = [sum(table[i][j] for i in range(k)) for j in range(k)]
    w = {
        None: lambda i, j: int(i != j),
        "linear": lambda i, j: abs(i - j),
        "quadratic": lambda i, j: (i - j) ** 2,
    }[weights]
    obs = sum(w(i, j) * Fraction(table[i][j]) for i in range(k) for j in range(k))
    exp = sum(w(i, j) * Fraction(rows[i] * cols[j], n) for i in range(k) for j in range(k))
    return 1 - obs / exp


def pairs_from_table(table: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return np.array(a), np.array(b)


def random_reliability(seed: int, n_values: int = 6, missing: float = 0.35) -> np.ndarray:
    rng = np.random.default_rng(seed)
    raters, units = rng.integers(2, 9), rng.integers(8, 120)
    truth = rng.integers(0, n_values, units)
    data = np.where(rng.random((raters, units)) < 0.6, truth, rng.integers(0, n_values, (raters, units)))
    data = data.astype(float) + rng.integers(0, 2)  # sometimes 0-based, sometimes 1-based
    data[rng.random(data.shape) < missing] = nan
    return data


# --------------------------------------------------------------------------- Krippendorff


@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_2011_worked_example(level: str) -> None:
    ours = krippendorff_alpha(KRIPP_2011, level=level)
    assert ours == pytest.approx(float(exact_alpha(KRIPP_2011, level)), abs=1e-12)
    assert ours == pytest.approx(krippendorff.alpha(KRIPP_2011, level_of_measurement=level), abs=1e-9)
    assert round(ours, 3) == KRIPP_2011_PUBLISHED[level]
    if level == "nominal":
        assert ours == pytest.approx(113 / 152, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_matches_package_on_random_data(seed: int, level: str) -> None:
    data = random_reliability(seed)
    expected = krippendorff.alpha(data, level_of_measurement=level)
    assert krippendorff_alpha(data, level=level) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("level", LEVELS)
def test_krippendorff_general_and_sparse_paths(
    seed: int, level: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(100 + seed)
    data = np.round(rng.gamma(2.0, 3.0, size=(5, 60)), 1)  # many distinct non-integer values
    data[rng.random(data.shape) < 0.3] = nan
    expected = krippendorff.alpha(data, level_of_measurement=level)
    assert krippendorff_alpha(data, level=level) == pytest.approx(expected, abs=1e-9)
    wide = random_reliability(seed, n_values=30)  # integer values, too many for the comparison path
    wide_expected = krippendorff.alpha(wide, level_of_measurement=level)
    assert krippendorff_alpha(wide, level=level) == pytest.approx(wide_expected, abs=1e-9)
    monkeypatch.setattr(ag, "_DENSE_CELLS", 0)
    monkeypatch.setattr(ag, "_DENSE_CATEGORIES", 0)
    assert krippendorff_alpha(data, level=level) == pytest.approx(expected, abs=1e-9)
    assert krippendorff_alpha(wide, level=level) == pytest.approx(wide_expected, abs=1e-9)


def test_krippendorff_accepts_labels_and_none() -> None:
    names = np.array(["a", "b", "c", "d", "e"], dtype=object)
    as_labels = np.where(np.isnan(KRIPP_2011), None, names[np.nan_to_num(KRIPP_2011).astype(int) - 1])
    assert krippendorff_alpha(as_labels, "nominal") == pytest.approx(krippendorff_alpha(KRIPP_2011, "nominal"), abs=1e-12)
    assert krippendorff_alpha(as_labels, "ordinal", order=list("abcde")) == pytest.approx(
        krippendorff_alpha(KRIPP_2011, "ordinal"), abs=1e-12
    )
    with_none = np.where(np.isnan(KRIPP_2011), None, KRIPP_2011).astype(object)
    for level in LEVELS:
        assert krippendorff_alpha(with_none, level) == pytest.approx(
            krippendorff_alpha(KRIPP_2011, level), abs=1e-12
        )
    with pytest.raises(ValueError, match="numbers"):
        krippendorff_alpha(as_labels, "interval")
    unsortable = np.empty((2, 2), dtype=object)
    unsortable[:, 0], unsortable[:, 1] = [(1,), (1,)], ["a", "a"]  # a tuple and a str: no order
    with pytest.raises(ValueError, match="needs their order"):
        krippendorff_alpha(unsortable, "ordinal")
    unsortable[:, 1] = [("a",), ("a",)]  # (1,) and ("a",): no order either
    with pytest.raises(ValueError, match="sorted"):
        krippendorff_alpha(unsortable, "ordinal")
    with pytest.raises(ValueError, match="mix strs with ints"):  # "1" is not 1: refused, not sorted
        krippendorff_alpha(np.array([[1, "a"], [1, "a"]], dtype=object), "ordinal")


def test_krippendorff_edge_cases() -> None:
    with pytest.raises(ValueError, match="two or more values"):
        krippendorff_alpha([[1, 2, 3]])  # one rater
    with pytest.raises(ValueError, match="two or more values"):
        krippendorff_alpha(np.full((3, 4), nan))  # all missing
    with pytest.raises(ValueError, match="two or more values"):
        krippendorff_alpha([[1, nan], [nan, 2]])  # no unit with two values
    for level in LEVELS:
        for same in ([[2, 2, 2], [2, 2, nan]], [[0.1] * 7, [0.1] * 7], [[0.1, 0.1, 5.0], [0.1, 0.1, nan]]):
            with pytest.raises(ValueError, match="every pairable value is the same"):
                krippendorff_alpha(same, level)  # a single category (among pairable values)
    # A constant rater is fine when the others vary.
    assert krippendorff_alpha([[1, 1, 1, 1], [1, 2, 1, 2]]) == pytest.approx(
        krippendorff.alpha(np.array([[1, 1, 1, 1], [1, 2, 1, 2]], float), level_of_measurement="nominal")
    )
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], "interval") == 1.0
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([[-1, 2, 3], [1, 2, 3]], "ratio")
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha([[1, 2], [1, 2]], "cardinal")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2-D"):
        krippendorff_alpha([1, 2, 3])


# --------------------------------------------------------------------------- Fleiss, percent


def table_to_labels(table: np.ndarray) -> np.ndarray:
    return np.array([np.repeat(np.arange(table.shape[1]), row) for row in table])


def test_fleiss_wikipedia_worked_example() -> None:
    ours = fleiss_kappa(FLEISS_TABLE, table=True)
    assert ours == pytest.approx(float(exact_fleiss(FLEISS_TABLE)), abs=1e-12)
    assert ours == pytest.approx(inter_rater.fleiss_kappa(FLEISS_TABLE, method="fleiss"), abs=1e-9)
    assert round(ours, 3) == 0.210
    assert fleiss_kappa(table_to_labels(FLEISS_TABLE)) == pytest.approx(ours, abs=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_fleiss_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    items, raters, k = rng.integers(5, 80), rng.integers(2, 9), rng.integers(2, 7)
    truth = rng.integers(0, k, items)
    labels = np.where(rng.random((items, raters)) < 0.5, truth[:, None], rng.integers(0, k, (items, raters)))
    table, _ = inter_rater.aggregate_raters(labels)
    expected = inter_rater.fleiss_kappa(table, method="fleiss")
    assert fleiss_kappa(labels) == pytest.approx(expected, abs=1e-9)
    assert fleiss_kappa(table, table=True) == pytest.approx(expected, abs=1e-9)
    # Strings, and items that are entirely missing or have a single rating, change nothing.
    names = np.array(list("pqrstuvw"), dtype=object)[labels]
    extra = np.full((3, raters), None, dtype=object)
    extra[0, 0] = "p"
    assert fleiss_kappa(np.vstack([names, extra])) == pytest.approx(expected, abs=1e-9)


def test_fleiss_unequal_ratings_and_edges() -> None:
    labels = np.array([[1, 1, nan], [1, 2, 2], [2, 2, 2], [3, 3, 1]])
    # P_i: 1, 1/3, 1, 1/3 -> P_bar 2/3; p = (4, 5, 2)/11 -> P_e 45/121.
    assert fleiss_kappa(labels) == pytest.approx((2 / 3 - 45 / 121) / (1 - 45 / 121), abs=1e-12)
    with pytest.raises(ValueError, match="single category"):
        fleiss_kappa([[1, 1], [1, 1]])
    with pytest.raises(ValueError, match="two or more ratings"):
        fleiss_kappa([[1], [2]])  # one rater
    with pytest.raises(ValueError, match="two or more ratings"):
        fleiss_kappa(np.full((2, 3), nan))
    with pytest.raises(ValueError, match="non-negative"):
        fleiss_kappa([[1, -1]], table=True)


def test_percent_agreement() -> None:
    data = np.array([[1, 1, 1], [1, 1, 2], [1, 2, 3], [2, 2, nan], [3, nan, nan]])
    assert percent_agreement(data) == pytest.approx((1 + 1 / 3 + 0 + 1) / 4, abs=1e-12)
    assert percent_agreement([["a", "a"], ["a", "b"]]) == 0.5
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"r1": ["a", "a", "b"], "r2": ["a", pd.NA, "b"], "r3": [None, "b", "b"]})
    assert percent_agreement(frame.to_numpy()) == pytest.approx(2 / 3)  # NA / None are missing
    assert percent_agreement(np.array([["a", pd.NA, "a"], [pd.NaT, "b", "b"]], dtype=object)) == 1.0
    with pytest.raises(ValueError, match="two or more ratings"):
        percent_agreement([[1], [2]])


# --------------------------------------------------------------------------- Cohen

WIKI_COHEN = [([[20, 5], [10, 15]], 0.4), ([[45, 15], [25, 15]], 0.1304), ([[25, 35], [5, 35]], 0.2593)]
WEIGHTED_TABLE = [[11, 3, 1, 0], [4, 14, 5, 1], [1, 3, 17, 4], [0, 1, 2, 9]]


@pytest.mark.parametrize(("table", "published"), WIKI_COHEN)
def test_cohen_wikipedia_examples(table: list[list[int]], published: float) -> None:
    a, b = pairs_from_table(table)
    ours = cohen_kappa(a, b)
    assert ours == pytest.approx(float(exact_cohen(table)), abs=1e-12)
    assert ours == pytest.approx(sk_metrics.cohen_kappa_score(a, b), abs=1e-9)
    assert round(ours, 4) == published


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_weighted_table(weights: str | None) -> None:
    a, b = pairs_from_table(WEIGHTED_TABLE)
    ours = cohen_kappa(a, b, weights=weights)
    assert ours == pytest.approx(float(exact_cohen(WEIGHTED_TABLE, weights)), abs=1e-12)
    assert ours == pytest.approx(sk_metrics.cohen_kappa_score(a, b, weights=weights), abs=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_matches_sklearn(seed: int, weights: str | None) -> None:
    rng = np.random.default_rng(seed)
    n, k = rng.integers(5, 300), rng.integers(2, 8)
    a = rng.integers(0, k, n)
    b = np.where(rng.random(n) < 0.6, a, rng.integers(0, k, n))
    assert cohen_kappa(a, b, weights) == pytest.approx(
        sk_metrics.cohen_kappa_score(a, b, weights=weights), abs=1e-9
    )
    labels = list(range(k + 2))[::-1]  # a superset, in a given order
    assert cohen_kappa(a, b, weights, labels=labels) == pytest.approx(
        sk_metrics.cohen_kappa_score(a, b, weights=weights, labels=labels), abs=1e-9
    )
    sub = [0, 1, 2]  # pairs with other labels are ignored, as in scikit-learn
    if len(set(a[np.isin(a, sub) & np.isin(b, sub)])) > 1:
        assert cohen_kappa(a, b, weights, labels=sub) == pytest.approx(
            sk_metrics.cohen_kappa_score(a, b, weights=weights, labels=sub), abs=1e-9
        )
    # Missing labels drop their pairs.
    a_missing = a.astype(float)
    a_missing[: n // 3] = nan
    keep = slice(n // 3, None)
    if len(set(a[keep]) | set(b[keep])) > 1:
        assert cohen_kappa(a_missing, b, weights) == pytest.approx(
            sk_metrics.cohen_kappa_score(a[keep], b[keep], weights=weights), abs=1e-9
        )


def test_cohen_edge_cases() -> None:
    assert cohen_kappa(["x", "x", "x"], ["x", "y", "x"]) == 0.0  # a constant rater: no better than chance
    with pytest.raises(ValueError, match="single, identical category"):
        cohen_kappa(["x", "x"], ["x", "x"])
    with pytest.raises(ValueError, match="at least one pair"):
        cohen_kappa([nan, 1.0], [1.0, nan])
    with pytest.raises(ValueError, match="same length"):
        cohen_kappa([1, 2], [1])
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([1, 2], [1, 2], weights="cubic")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- bootstrap


def test_bootstrap_ci() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 3, 200)
    b = np.where(rng.random(200) < 0.7, a, rng.integers(0, 3, 200))
    ci = bootstrap_ci(cohen_kappa, (a, b), n=300, seed=1)
    assert ci.estimate == cohen_kappa(a, b)
    assert ci.low < ci.estimate < ci.high and ci.n_resamples == 300 and ci.level == 0.95
    assert bootstrap_ci(cohen_kappa, (a, b), n=300, seed=1) == ci  # reproducible
    narrow = bootstrap_ci(cohen_kappa, (a, b), n=300, seed=1, level=0.5)
    assert ci.low < narrow.low < narrow.high < ci.high

    data = random_reliability(3)
    kci = bootstrap_ci(krippendorff_alpha, data, n=100, axis=1)  # raters x units: units on axis 1
    assert kci.low <= kci.estimate <= kci.high
    items = data.T
    fci = bootstrap_ci(fleiss_kappa, items, n=100)
    assert fci.low <= fci.estimate <= fci.high


def test_bootstrap_skips_undefined_resamples() -> None:
    a = np.array([0] * 19 + [1])
    ci = bootstrap_ci(percent_agreement, np.stack([a, a], axis=1), n=50)
    assert ci.estimate == 1.0 and ci.n_resamples == 50

    def picky(x: np.ndarray) -> float:  # undefined unless the one "1" is drawn once (~63% of resamples)
        if np.count_nonzero(x == 1) != 1:
            raise ValueError("undefined")
        return float(x.mean())

    with pytest.raises(ValueError, match="defined on only"):
        bootstrap_ci(picky, np.arange(1, 40), n=200, seed=0)
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(cohen_kappa, (a, a), level=1.0)
    with pytest.raises(ValueError, match="same number of units"):
        bootstrap_ci(cohen_kappa, (a, a[:5]))


# --------------------------------------------------------------------------- consensus


def test_majority_vote() -> None:
    labels = np.array([["a", "b", "b"], ["c", "a", None], ["b", "b", "b"], ["c", "b", "a"]], dtype=object)
    assert majority_vote(labels).tolist() == ["b", "a", "b", "a"]  # ties -> smallest label
    assert majority_vote(np.array([[1, nan, 3], [2, 2, 3]])).tolist() == [1.0, 2.0]
    drawn = {majority_vote(labels, ties="random", seed=s)[3] for s in range(40)}
    assert drawn == {"a", "b", "c"}
    drawn_tie = majority_vote(labels, ties="random", seed=5)
    assert drawn_tie[[0, 2]].tolist() == ["b", "b"] and drawn_tie[1] in {"a", "c"}
    with pytest.raises(ValueError, match="without any label"):
        majority_vote(np.array([[1, 2], [nan, nan]]))


def simulate_annotators(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_items, k = 600, 4
    accuracy = [0.95, 0.6, 0.55, 0.6, 0.3]  # rater 0 reliable, rater 4 poor
    truth = rng.integers(0, k, n_items)
    labels = np.empty((n_items, len(accuracy)))
    for r, acc in enumerate(accuracy):
        wrong = (truth + rng.integers(1, k, n_items)) % k
        labels[:, r] = np.where(rng.random(n_items) < acc, truth, wrong)
    labels[rng.random(labels.shape) < 0.1] = nan
    labels[np.isnan(labels).all(axis=1), 0] = truth[np.isnan(labels).all(axis=1)]
    return labels, truth


def test_dawid_skene_beats_majority_vote() -> None:
    labels, truth = simulate_annotators()
    res = dawid_skene(labels)
    assert res.converged and res.n_iter < 100
    mv_acc = np.mean(majority_vote(labels) == truth)
    ds_acc = np.mean(res.labels == truth)
    assert ds_acc > mv_acc + 0.03
    assert np.argmin(res.annotator_accuracy) == 4
    assert np.argmax(res.annotator_accuracy) == 0
    observed = [
        np.mean(labels[~np.isnan(labels[:, r]), r] == truth[~np.isnan(labels[:, r])]) for r in range(5)
    ]
    assert np.allclose(res.annotator_accuracy, observed, atol=0.05)
    assert res.posterior.shape == (600, 4) and np.allclose(res.posterior.sum(axis=1), 1)
    assert res.confusion.shape == (5, 4, 4) and np.allclose(res.confusion.sum(axis=2), 1)
    assert res.classes.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert np.isclose(res.priors.sum(), 1) and np.isfinite(res.log_likelihood)


def test_dawid_skene_edges() -> None:
    one = dawid_skene([["x"], ["y"], ["x"]])  # one rater: its labels
    assert one.labels.tolist() == ["x", "y", "x"]
    single = dawid_skene([[1, 1], [1, nan]])
    assert single.labels.tolist() == [1.0, 1.0] and np.allclose(single.posterior, 1)
    empty_item = dawid_skene(np.array([[0, 1, 1], [nan, nan, nan], [0, 0, 0]]), classes=[0, 1, 2])
    assert empty_item.posterior.shape == (3, 3)
    assert np.allclose(empty_item.posterior[1], empty_item.priors, atol=1e-3)
    with pytest.raises(ValueError, match="at least one label"):
        dawid_skene(np.full((2, 2), nan))
    with pytest.raises(ValueError, match="not among the categories"):
        dawid_skene([[0, 5]], classes=[0, 1])


# --------------------------------------------------------------------------- spans, boxes, masks


def test_span_agreement() -> None:
    gold = [(0, 5, "PER"), (10, 12, "LOC"), (20, 25, "ORG")]
    pred = [(0, 5, "PER"), (9, 12, "LOC"), (20, 25, "PER"), (30, 31, "LOC")]
    exact = span_agreement(gold, pred)
    assert exact == (0.25, 1 / 3, 2 / 7, 3, 4, 1)
    overlap = span_agreement(gold, pred, mode="overlap")
    assert (overlap.n_matched, overlap.precision, overlap.recall) == (2, 0.5, 2 / 3)
    assert overlap.f1 == pytest.approx(4 / 7)
    # One-to-one: two predicted spans inside one gold span count once; touching spans do not overlap.
    assert span_agreement([(0, 10, "A")], [(0, 4, "A"), (5, 9, "A"), (10, 12, "A")], "overlap").n_matched == 1
    # Maximum matching, not greedy: (0,10) could take either, (8,12) only the second.
    assert span_agreement([(0, 10, "A"), (8, 12, "A")], [(0, 9, "A"), (9, 12, "A")], "overlap").n_matched == 2
    assert span_agreement([(0, 3), (3, 6)], [(3, 6), (0, 3)]).f1 == 1.0  # unlabelled spans
    for mode in ("exact", "overlap"):
        assert span_agreement([], [], mode) == (1.0, 1.0, 1.0, 0, 0, 0)
        assert span_agreement(gold, [], mode)[:3] == (0.0, 0.0, 0.0)
        assert span_agreement(gold, pred, mode).f1 == span_agreement(pred, gold, mode).f1
    with pytest.raises(ValueError, match="end before start"):
        span_agreement([(5, 1, "A")], [])
    with pytest.raises(ValueError, match="mode"):
        span_agreement([], [], "fuzzy")  # type: ignore[arg-type]


def test_box_set_agreement() -> None:
    a = np.array([[0, 0, 10, 10], [20, 20, 10, 10], [50, 50, 4, 4]])
    b = np.array([[21, 20, 10, 10], [0, 1, 10, 10], [100, 100, 5, 5]])
    r = box_set_agreement(a, b)
    assert (r.n_a, r.n_b, r.n_matched) == (3, 3, 2)
    assert r.precision == r.recall == r.f1 == pytest.approx(2 / 3)
    assert sorted(map(tuple, r.matches.tolist())) == [(0, 1), (1, 0)]
    iou = 90 / 110
    assert r.mean_iou == pytest.approx(iou) and np.allclose(r.ious, iou)
    assert box_set_agreement(a, b, iou_threshold=0.9).n_matched == 0
    assert box_set_agreement(a, b, iou_threshold=0.9).mean_iou == 0.0
    labelled = box_set_agreement(a, b, labels_a=["cat", "dog", "cat"], labels_b=["cat", "cat", "dog"])
    assert labelled.n_matched == 1 and labelled.matches.tolist() == [[0, 1]]
    # One-to-one: a0 and a1 both fit b0 best, yet both get a partner.
    both = box_set_agreement(
        [[0, 0, 10, 10], [0, 0, 10, 12]], [[0, 0, 10, 11], [0, 0, 10, 9]], iou_threshold=0.8
    )
    assert both.n_matched == 2
    empty = box_set_agreement(np.zeros((0, 4)), [])
    assert empty[:7] == (1.0, 1.0, 1.0, 1.0, 0, 0, 0)
    assert box_set_agreement(a, [])[:4] == (0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="w, h >= 0"):
        box_set_agreement([[0, 0, -1, 2]], [])
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        box_set_agreement([[0, 0, 1]], [])
    with pytest.raises(ValueError, match="iou_threshold"):
        box_set_agreement(a, b, iou_threshold=0)


def test_box_iou_helper_matches_a_direct_computation() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.uniform(0, 20, (7, 4)), rng.uniform(0, 20, (5, 4))
    got = ag._pairwise_iou(a, b)
    for i in range(7):
        for j in range(5):
            ix = max(0, min(a[i, 0] + a[i, 2], b[j, 0] + b[j, 2]) - max(a[i, 0], b[j, 0]))
            iy = max(0, min(a[i, 1] + a[i, 3], b[j, 1] + b[j, 3]) - max(a[i, 1], b[j, 1]))
            union = a[i, 2] * a[i, 3] + b[j, 2] * b[j, 3] - ix * iy
            assert got[i, j] == pytest.approx(ix * iy / union, abs=1e-12)


def test_mask_agreement() -> None:
    a = np.zeros((4, 4), bool)
    b = np.zeros((4, 4), bool)
    a[:2, :2] = True
    b[1:3, :2] = True
    r = mask_agreement(a, b)
    assert r.iou == pytest.approx(2 / 6) and r.dice == pytest.approx(4 / 8)
    assert mask_agreement(a, a) == (1.0, 1.0)
    assert mask_agreement(np.zeros(3), np.zeros(3)) == (1.0, 1.0)
    assert mask_agreement(a, np.zeros_like(a)) == (0.0, 0.0)
    with pytest.raises(ValueError, match="same shape"):
        mask_agreement(a, a[:2])


# --------------------------------------------------------------------------- properties

labels_st = st.integers(min_value=0, max_value=3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(labels_st, labels_st), min_size=1, max_size=40),
    st.sampled_from([None, "linear", "quadratic"]),
)
def test_cohen_is_symmetric(pairs: list[tuple[int, int]], weights: str | None) -> None:
    a, b = np.array(pairs).T
    try:
        forward = cohen_kappa(a, b, weights)
    except ValueError:
        assume(False)
    assert forward == pytest.approx(cohen_kappa(b, a, weights), abs=1e-12)
    assert forward <= 1.0 + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda raters: st.lists(
            st.lists(st.one_of(st.none(), labels_st), min_size=raters, max_size=raters),
            min_size=1,
            max_size=15,
        )
    ),
    st.sampled_from(list(permutations(range(4)))),
)
def test_alpha_bounded_and_nominal_relabelling_invariant(
    units: list[list[int | None]], perm: tuple[int, ...]
) -> None:
    data = np.array([[nan if v is None else v for v in unit] for unit in units], float).T  # raters x units
    relabelled = np.where(np.isnan(data), nan, np.array(perm, float)[np.nan_to_num(data).astype(int)])
    for level in LEVELS:
        try:
            alpha = krippendorff_alpha(data, level)
        except ValueError:
            assume(False)
        assert alpha <= 1.0 + 1e-12
    nominal = krippendorff_alpha(data, "nominal")
    assert krippendorff_alpha(relabelled, "nominal") == pytest.approx(nominal, abs=1e-12)
    assert krippendorff_alpha(data + 10, "interval") == pytest.approx(
        krippendorff_alpha(data, "interval"), abs=1e-9
    )
    items = data.T
    try:
        kappa = fleiss_kappa(items)
    except ValueError:
        return
    assert fleiss_kappa(relabelled.T) == pytest.approx(kappa, abs=1e-12)
    a, b = np.array(perm)[[1, 2, 3, 0, 1]], np.array(perm)[[1, 2, 0, 0, 3]]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa([1, 2, 3, 0, 1], [1, 2, 0, 0, 3]), abs=1e-12)


# --------------------------------------------------------------------------- no silent conversion of labels


@pytest.mark.parametrize("missing", [nan, None, np.float64("nan")])
def test_nan_among_string_labels_is_missing_not_the_label_nan(missing: object) -> None:
    pd = pytest.importorskip("pandas")
    ann1, ann2 = ["a", "b", "a", missing], ["a", "b", "b", "c"]
    expected = krippendorff.alpha(reliability_data=[[0, 1, 0, nan], [0, 1, 1, 2]], level_of_measurement="nominal")
    assert krippendorff_alpha([ann1, ann2]) == pytest.approx(expected, abs=1e-12)  # 0.4444, was 0.3636
    for na in (pd.NA, pd.NaT):
        assert krippendorff_alpha([["a", "b", "a", na], ann2]) == pytest.approx(expected, abs=1e-12)
    assert majority_vote([["a", missing, missing], ["b", "b", "c"]]).tolist() == ["a", "b"]  # was ['nan', 'b']
    assert percent_agreement([["a", missing], ["b", "b"], [missing, missing]]) == 1.0
    with_none = [["a", None, "a"], ["b", "b", "a"], ["b", "b", "b"]]
    assert fleiss_kappa([["a", missing, "a"], ["b", "b", "a"], ["b", "b", "b"]]) == pytest.approx(
        fleiss_kappa(with_none), abs=1e-12
    )
    kept = [0, 1, 3]  # sklearn on the pairs where both labels are present
    a, b = ["y", "n", missing, "y"], ["y", "n", "n", "n"]
    assert cohen_kappa(a, b) == pytest.approx(
        sk_metrics.cohen_kappa_score([a[i] for i in kept], [b[i] for i in kept]), abs=1e-12
    )


def test_the_string_nan_is_a_label() -> None:
    # a str "nan" (in a list or a numpy str array) is a label like any other, as before
    assert majority_vote([["nan", "nan", "a"]]).tolist() == ["nan"]
    as_codes = krippendorff.alpha(reliability_data=[[0, 1, 2], [0, 1, 1]], level_of_measurement="nominal")
    assert krippendorff_alpha([["nan", "a", "b"], ["nan", "a", "a"]]) == pytest.approx(as_codes, abs=1e-12)
    assert krippendorff_alpha(np.array([["nan", "a", "b"], ["nan", "a", "a"]])) == pytest.approx(as_codes, abs=1e-12)


def test_cohen_kappa_refuses_raters_with_different_label_types() -> None:
    for a, b in (
        ([1, 2, 1, 2], ["1", "2", "1", "1"]),  # was 0.5, with 1 read as "1"
        ([1, 2, nan, 1], ["1", "2", "1", "2"]),  # was 0.0
        (np.array([1, 2, 1, 2]), np.array(["1", "2", "1", "1"])),
    ):
        with pytest.raises(ValueError, match="the labels mix strs with (ints|floats)"):
            cohen_kappa(a, b)
    # booleans beside 0/1 numbers are those numbers (True is 1); beside any other number, refused
    assert cohen_kappa(np.array([True, False, True]), np.array([1, 0, 0])) == pytest.approx(
        sk_metrics.cohen_kappa_score([1, 0, 1], [1, 0, 0]), abs=1e-12
    )
    with pytest.raises(ValueError, match="a holds True, b holds 2: the labels mix booleans with numbers other than 0/1"):
        cohen_kappa(np.array([True, False, True]), np.array([2, 0, 0]))
    # numbers of different dtypes still compare by value
    assert cohen_kappa(np.array([1, 2, 1, 2]), np.array([1.0, 2.0, 1.0, 1.0])) == pytest.approx(
        sk_metrics.cohen_kappa_score([1, 2, 1, 2], [1, 2, 1, 1]), abs=1e-12
    )


def test_booleans_mixed_with_numbers_other_than_0_1_or_strings_are_refused() -> None:
    # beside 0/1 numbers a boolean is that number (True is 1, as numpy reads it)
    data = np.array([[True, 0, 1, None], [1, False, 1, 0]], dtype=object)
    assert krippendorff_alpha(data) == krippendorff_alpha(np.array([[1, 0, 1, None], [1, 0, 1, 0]], dtype=object)) == 1.0
    assert krippendorff_alpha([[True, False, True, True], [1, 0, 1, 0]]) == pytest.approx(
        krippendorff_alpha([[1, 0, 1, 1], [1, 0, 1, 0]]), abs=1e-12
    )
    with pytest.raises(ValueError, match="mix booleans with numbers other than 0/1"):
        krippendorff_alpha([[True, False, True], [2, 0, 1]])  # a list: np.asarray would make True the int 1
    with pytest.raises(ValueError, match="the labels mix"):
        majority_vote(np.array([[True, 1, "x"]], dtype=object))  # was [True]
    with pytest.raises(ValueError, match="mix strs with bools"):
        majority_vote([[True, "x", "x"]])
    with pytest.raises(ValueError, match="mix strs with ints"):
        krippendorff_alpha([[1, "a", 2], ["1", "a", 2]])  # a list: np.asarray would make 1 the str "1"
    # booleans alone (with missing values) are fine
    assert majority_vote([[True, None, True], [False, False, True]]).tolist() == [True, False]
    assert krippendorff_alpha([[True, False, None, True], [True, False, False, False]]) == pytest.approx(
        krippendorff.alpha(reliability_data=[[1, 0, nan, 1], [1, 0, 0, 0]], level_of_measurement="nominal"),
        abs=1e-12,
    )


def test_majority_vote_with_no_items_is_empty() -> None:
    for dtype in (float, int, object):
        out = majority_vote(np.zeros((0, 3), dtype=dtype))
        assert isinstance(out, np.ndarray) and out.shape == (0,)
    with pytest.raises(ValueError, match="without any label"):
        majority_vote(np.zeros((2, 0)))  # items, but no labels


def test_span_agreement_refuses_nan_or_infinite_bounds() -> None:
    for mode in ("exact", "overlap"):
        with pytest.raises(ValueError, match=r"spans_a: span 1 has a NaN"):
            span_agreement([(0, 5, "A"), (nan, 5, "A")], [(0, 5, "A")], mode)
        with pytest.raises(ValueError, match=r"spans_b: span 0 has a NaN"):
            span_agreement([(0, 5, "A")], [(0, np.float32("nan"), "A")], mode)
        with pytest.raises(ValueError, match="infinite"):
            span_agreement([(0, float("inf"))], [(0, 5)], mode)
        with pytest.raises(ValueError, match="missing"):
            span_agreement([(None, 5)], [(0, 5)], mode)


def test_mask_agreement_refuses_probability_maps_and_nan() -> None:
    hard = np.array([[0, 1], [0, 0]], dtype=bool)
    with pytest.raises(ValueError, match=r"mask_a holds 0\.1 .*probability map"):
        mask_agreement(np.array([[0.1, 0.9], [0.0, 0.2]]), hard)  # was IoU 1/3: 0.1 and 0.2 counted as inside
    with pytest.raises(ValueError, match="mask_b holds nan"):
        mask_agreement(hard, np.array([[nan, 1.0], [0.0, 0.0]]))
    # bool, 0/1 floats, 0/255 integers and masks that are not 2-D still work
    assert mask_agreement(hard.astype(float), hard.astype(np.uint8) * 255) == (1.0, 1.0)
    volume = np.zeros((2, 2, 2), bool)
    volume[0, 0, 0] = True
    assert mask_agreement(volume, volume.astype(float)) == (1.0, 1.0)
    with pytest.raises(ValueError, match="flattened"):
        mask_agreement(volume * 0.5, volume)


def test_weighted_kappa_is_unchanged_by_a_pair_dropped_for_a_missing_label():
    """Category 3 appears only in the pair dropped for a's NaN: it shifted the positions the weights
    are computed over (-0.200 against scikit-learn's -0.2857 on the kept pairs)."""
    from sklearn.metrics import cohen_kappa_score

    a, b = [2, np.nan, 0, 5], [2, 3, 2, 0]
    for weights in ("linear", "quadratic"):
        expected = cohen_kappa_score([2, 0, 5], [2, 2, 0], weights=weights)
        assert cohen_kappa(a, b, weights=weights) == pytest.approx(expected)
        assert cohen_kappa([2, None, 0, 5], [2, 3, 2, 0], weights=weights) == pytest.approx(expected)
    # with labels= the positions are the given order, whatever is dropped
    given = [0, 2, 3, 5]
    assert cohen_kappa(a, b, weights="linear", labels=given) == pytest.approx(
        cohen_kappa_score([2, 0, 5], [2, 2, 0], weights="linear", labels=given))


def test_ints_past_two_to_the_53_beside_a_missing_label_stay_distinct():
    """2**53 and 2**53 + 1 are one float: with a None beside them they were merged (kappa 1.0)."""
    from sklearn.metrics import cohen_kappa_score

    A, B = 2**53, 2**53 + 1
    a, b = [A, B, A, B, 7, None], [B, A, A, B, 7, 7]
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a[:5], b[:5])) == pytest.approx(0.375)
    assert krippendorff_alpha([a, b]) == pytest.approx(krippendorff_alpha([a[:5], b[:5]])) == pytest.approx(0.4375)


def test_bytes_labels_beside_str_labels_are_refused_not_counted_as_other_classes():
    """b"cat" (HDF5, np.loadtxt) never equals "cat": kappa was 0.0 and the confusion matrix 4 x 4
    with an empty diagonal, without a word; bytes alone are labels like any other."""
    from hitl_widgets.metrics import confusion_matrix

    a, b = np.array([b"cat", b"dog", b"cat", b"dog"]), np.array(["cat", "dog", "cat", "dog"])
    with pytest.raises(ValueError, match=r"a holds b'cat', b holds 'cat': the labels mix bytes with strs"):
        cohen_kappa(a, b)
    with pytest.raises(ValueError, match="the labels mix bytes with strs"):
        confusion_matrix(list(a), list(b))
    with pytest.raises(ValueError, match="the labels mix bytes with strs"):
        krippendorff_alpha([list(a), list(b)])
    assert cohen_kappa(a, a) == 1.0 and cohen_kappa(a, np.char.decode(a).astype(bytes)) == 1.0


def test_exact_span_agreement_checks_labels_as_overlap_does():
    """Identical spans whose missing labels are two NaN objects matched once of two (F1 0.5), and 1
    against "1" scored 0 where overlap mode refuses the mix."""
    a = [(0, 5, "PER"), (10, 12, None)]
    b = [(0, 5, "PER"), (10, 12, float("nan"))]
    assert span_agreement(a, b).f1 == 1.0 == span_agreement(a, b, "overlap").f1
    assert span_agreement([(0, 5, float("nan"))], [(0, 5, float("nan"))]).f1 == 1.0
    for mode in ("exact", "overlap"):
        with pytest.raises(ValueError, match="the labels mix strs with ints"):
            span_agreement([(0, 5, 1)], [(0, 5, "1")], mode)
    assert span_agreement([(0, 5, "PER")], [(0, 5, "LOC")]).f1 == 0.0
    assert span_agreement([(0, 5), (5, 9)], [(0, 5), (5, 9), (0, 5)]).n_matched == 2


def test_ordered_categoricals_give_their_order_and_str_scales_without_one_are_refused():
    """An ordered pandas Categorical (low < mid < high) was ranked alphabetically (high < low < mid):
    quadratic kappa 0.0 where scikit-learn on the codes gives 0.571, ordinal alpha 0.065 against the
    krippendorff package's 0.589. Str labels with no order are refused where positions matter."""
    import krippendorff
    import pandas as pd
    from sklearn.metrics import cohen_kappa_score

    order = ["low", "mid", "high"]
    scale = pd.CategoricalDtype(order, ordered=True)
    a = pd.Series(["low", "mid", "high", "high", "low", "mid"], dtype=scale)
    b = pd.Series(["low", "high", "high", "mid", "mid", "mid"], dtype=scale)
    codes = np.vstack([a.cat.codes, b.cat.codes]).astype(float)
    for weights in ("linear", "quadratic"):
        expected = cohen_kappa_score(a.cat.codes, b.cat.codes, weights=weights)
        assert cohen_kappa(a, b, weights=weights) == pytest.approx(expected)
        assert cohen_kappa(list(a), list(b), weights=weights, labels=order) == pytest.approx(expected)
        with pytest.raises(ValueError, match=r"weighted kappa over str labels \('low', …\) needs their order"):
            cohen_kappa(list(a), list(b), weights=weights)
    assert cohen_kappa(list(a), list(b)) == pytest.approx(cohen_kappa_score(list(a), list(b)))  # unweighted: no order needed
    expected = krippendorff.alpha(reliability_data=codes, level_of_measurement="ordinal")
    assert krippendorff_alpha([a, b], "ordinal") == pytest.approx(expected)
    assert krippendorff_alpha(pd.DataFrame([a, b]).astype(scale), "ordinal") == pytest.approx(expected)
    assert krippendorff_alpha(np.vstack([a.to_numpy(), b.to_numpy()]), "ordinal", order=order) == pytest.approx(expected)
    with pytest.raises(ValueError, match=r"ordinal alpha over str labels .* needs their order"):
        krippendorff_alpha(np.vstack([a.to_numpy(), b.to_numpy()]), "ordinal")
    with pytest.raises(ValueError, match=r"labels not among the categories: \['mid'\]"):
        krippendorff_alpha([list(a), list(b)], "ordinal", order=["low", "high"])
    with pytest.raises(ValueError, match="order= is for level='ordinal'"):
        krippendorff_alpha(codes, "interval", order=[0, 1, 2])
    with pytest.raises(ValueError, match="declare different orders"):
        cohen_kappa(a, b.astype(pd.CategoricalDtype(order[::-1], ordered=True)), weights="linear")
    assert krippendorff_alpha(codes, "ordinal") == pytest.approx(expected)  # numbers: their own order
