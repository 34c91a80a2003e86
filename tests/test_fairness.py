"""hitl_widgets.metrics.fairness against fairlearn's MetricFrame and hand-computed examples."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate
from sklearn.metrics import accuracy_score, precision_score, recall_score

from hitl_widgets.metrics.fairness import (
    FAIRNESS_METRICS,
    bootstrap_counts,
    cell_counts,
    disparity_table,
    group_codes,
    group_metrics,
    label_distribution,
    metrics_from_counts,
    ratio_to_overall,
    representation,
)

FAIRLEARN = {
    "accuracy": accuracy_score,
    "precision": precision_score,
    "recall": recall_score,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "selection_rate": selection_rate,
}


def make(n=20_000, seed=0, labels=(0, 1)):
    rng = np.random.default_rng(seed)
    groups = pd.DataFrame(
        {
            "sex": rng.choice(["f", "m"], n),
            "age": rng.choice(["<30", "30-60", ">60"], n, p=[0.3, 0.5, 0.2]),
            "site": rng.integers(0, 4, n),
        }
    )
    y = rng.integers(0, 2, n)
    wrong = rng.random(n) < np.where(groups["age"] == ">60", 0.35, 0.12)
    pred = np.where(wrong, 1 - y, y)
    lab = np.array(labels, dtype=object if isinstance(labels[0], str) else None)
    return lab[y], lab[pred], groups


@pytest.mark.parametrize("columns", [["sex"], ["age"], ["site"], ["sex", "age"], ["sex", "age", "site"]])
def test_group_metrics_equal_fairlearn(columns):
    y, p, groups = make()
    ours = group_metrics(y, p, groups[columns])
    mf = MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=p, sensitive_features=groups[columns])
    theirs = mf.by_group.dropna(how="all")  # fairlearn lists empty intersections as NaN rows
    assert list(ours.index) == list(theirs.index)
    assert list(ours.index.names) == list(theirs.index.names)
    np.testing.assert_allclose(ours[list(FAIRLEARN)].to_numpy(), theirs.to_numpy(dtype=float), rtol=0, atol=1e-12)
    counts = groups[columns].value_counts().sort_index()
    assert ours["n"].tolist() == counts.tolist()
    overall = pd.Series({k: float(v) for k, v in metrics_from_counts(cell_counts(y, p, *_codes(groups[columns])).sum(0)).items()})
    np.testing.assert_allclose(overall.to_numpy(), mf.overall.to_numpy(dtype=float), atol=1e-12)


def _codes(groups):
    codes, index = group_codes(groups)
    return codes, len(index)


def test_string_labels_with_pos_label():
    y, p, groups = make(labels=("benign", "malignant"))
    ours = group_metrics(y, p, groups[["age"]], pos_label="malignant")
    metrics = {
        "precision": lambda t, q: precision_score(t, q, pos_label="malignant"),
        "recall": lambda t, q: recall_score(t, q, pos_label="malignant"),
        "fpr": lambda t, q: false_positive_rate(t, q, pos_label="malignant"),
        "selection_rate": lambda t, q: selection_rate(t, q, pos_label="malignant"),
    }
    mf = MetricFrame(metrics=metrics, y_true=y, y_pred=p, sensitive_features=groups[["age"]])
    np.testing.assert_allclose(ours[list(metrics)].to_numpy(), mf.by_group.to_numpy(dtype=float), atol=1e-12)


def test_multiclass_accuracy_and_one_vs_rest():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 5, 5000)
    p = np.where(rng.random(5000) < 0.7, y, rng.integers(0, 5, 5000))
    g = pd.Series(rng.choice(list("abc"), 5000), name="g")
    ours = group_metrics(y, p, g, pos_label=2)
    for name, frame in g.groupby(g):
        idx = frame.index
        assert ours.loc[name, "accuracy"] == pytest.approx(accuracy_score(y[idx], p[idx]))
        assert ours.loc[name, "recall"] == pytest.approx(recall_score(y[idx] == 2, p[idx] == 2))
        assert ours.loc[name, "precision"] == pytest.approx(precision_score(y[idx] == 2, p[idx] == 2))
        fp = np.sum((y[idx] != 2) & (p[idx] == 2))
        assert ours.loc[name, "fpr"] == pytest.approx(fp / np.sum(y[idx] != 2))


def test_disparities_equal_fairlearn():
    y, p, groups = make()
    g = groups[["sex", "age"]]
    ours = group_metrics(y, p, g)
    mf = MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=p, sensitive_features=g)
    overall = mf.overall.astype(float)
    table = disparity_table(ours[list(FAIRLEARN)], overall)
    np.testing.assert_allclose(table["difference"].to_numpy(float), mf.difference().to_numpy(float), atol=1e-12)
    np.testing.assert_allclose(table["ratio"].to_numpy(float), mf.ratio().to_numpy(float), atol=1e-12)
    np.testing.assert_allclose(
        table["difference_to_overall"].to_numpy(float), mf.difference(method="to_overall").to_numpy(float), atol=1e-12
    )
    np.testing.assert_allclose(
        table["ratio_to_overall"].to_numpy(float), mf.ratio(method="to_overall").to_numpy(float), atol=1e-12
    )
    assert all(w[1] == ">60" for w in table.loc[["accuracy", "fnr"], "worst_group"])


def test_disparity_respects_eligible_groups():
    values = pd.DataFrame({"accuracy": [0.9, 0.5, 0.8]}, index=pd.Index(list("abc"), name="g"))
    table = disparity_table(values, pd.Series({"accuracy": 0.88}), eligible=np.array([True, False, True]))
    assert table.loc["accuracy", "difference"] == pytest.approx(0.1)
    assert table.loc["accuracy", "worst_group"] == "c"
    assert table.loc["accuracy", "n_groups"] == 2


def test_undefined_rates_are_nan_not_zero():
    y = np.array([0, 0, 1, 1])
    p = np.array([0, 0, 1, 0])
    g = np.array(["a", "a", "b", "b"])
    out = group_metrics(y, p, g)
    assert np.isnan(out.loc["a", "recall"]) and np.isnan(out.loc["a", "precision"])  # no positives at all
    assert np.isnan(out.loc["b", "fpr"])  # no negatives
    assert out.loc["b", "fnr"] == 0.5 and out.loc["a", "fpr"] == 0.0


def test_group_codes_kinds():
    cat = pd.Series(pd.Categorical(["z", "x", "z"], categories=["x", "y", "z"]), name="c")
    codes, index = group_codes(cat)
    assert codes.tolist() == [2, 0, 2] and list(index) == ["x", "y", "z"]  # categories keep their order
    codes, index = group_codes(np.array([100, -3, 100, 7]))
    assert codes.tolist() == [2, 0, 2, 1] and list(index) == [-3, 7, 100]
    codes, index = group_codes(np.array([10**9, 0, 10**9]))  # a wide range takes the sort path
    assert codes.tolist() == [1, 0, 1] and list(index) == [0, 10**9]
    with pytest.raises(ValueError, match="missing"):
        group_codes(pd.DataFrame({"g": ["a", None, "b"]}))
    with pytest.raises(ValueError, match="no rows"):
        group_codes(pd.DataFrame({"g": []}))


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="differ in length"):
        group_metrics([0, 1, 1], [0, 1], ["a", "b", "c"])
    with pytest.raises(ValueError, match="unknown metric"):
        group_metrics([0, 1], [0, 1], ["a", "b"], metrics=("auc",))


def test_bootstrap_counts_match_row_resampling():
    """Multinomial count draws have the distribution of resampling the group's rows."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.where(rng.random(400) < 0.8, y, 1 - y)
    g = rng.integers(0, 2, 400)
    codes, index = group_codes(g)
    counts = cell_counts(y, p, codes, len(index))
    boot = bootstrap_counts(counts, 4000, seed=1)
    assert boot.shape == (4000, 2, 8)
    assert (boot.sum(axis=2) == counts.sum(axis=1)).all()  # group sizes are fixed (stratified)
    acc = metrics_from_counts(boot, ["accuracy"])["accuracy"][:, 0]
    rows = np.flatnonzero(g == 0)
    correct = (y == p)[rows]
    direct = np.array([correct[rng.integers(0, len(rows), len(rows))].mean() for _ in range(4000)])
    assert acc.mean() == pytest.approx(correct.mean(), abs=0.003)
    assert acc.std() == pytest.approx(direct.std(), rel=0.08)
    lo, hi = np.percentile(acc, [2.5, 97.5])
    dlo, dhi = np.percentile(direct, [2.5, 97.5])
    assert abs(lo - dlo) < 0.012 and abs(hi - dhi) < 0.012


def test_label_distribution_equals_crosstab():
    y, _, groups = make(2000)
    ours = label_distribution(y, groups[["age"]])
    expected = pd.crosstab(groups["age"], y, normalize="index")
    np.testing.assert_allclose(ours.to_numpy(), expected.to_numpy())
    counts = label_distribution(y, groups[["age"]], normalize=False)
    assert counts.to_numpy().sum() == 2000


def test_representation_hand_computed():
    sample = pd.DataFrame({"g": ["a"] * 8 + ["b"] * 2})
    population = pd.DataFrame({"g": ["a"] * 50 + ["b"] * 40 + ["c"] * 10})
    rep = representation(sample, population)
    assert list(rep.index) == ["a", "b", "c"]
    assert rep["n_sample"].tolist() == [8, 2, 0]
    assert rep["share_population"].tolist() == [0.5, 0.4, 0.1]
    np.testing.assert_allclose(rep["ratio"], [1.6, 0.5, 0.0])
    with pytest.raises(ValueError, match="columns"):
        representation(sample, pd.DataFrame({"h": ["a"]}))


def test_metric_names_and_aliases():
    assert FAIRNESS_METRICS == ("accuracy", "precision", "recall", "fpr", "fnr", "selection_rate")
    out = group_metrics([0, 1, 1], [1, 1, 0], ["a", "a", "a"], metrics=("false_positive_rate", "tpr"))
    assert list(out.columns) == ["n", "false_positive_rate", "tpr"]
    assert out["false_positive_rate"].iloc[0] == 1.0 and out["tpr"].iloc[0] == 0.5


def test_ratio_to_overall_is_zero_for_a_group_at_zero():
    # group a never selected (0.0), b and c about the overall rate: the ratio is 0, as fairlearn's
    p = np.r_[np.zeros(10, int), np.ones(44, int), np.zeros(56, int), np.ones(46, int), np.zeros(54, int)]
    g = np.array(["a"] * 10 + ["b"] * 100 + ["c"] * 100)
    ours = group_metrics(p, p, g, metrics=("selection_rate",))
    mf = MetricFrame(metrics=selection_rate, y_true=p, y_pred=p, sensitive_features=g)
    table = disparity_table(ours[["selection_rate"]], pd.Series({"selection_rate": float(mf.overall)}))
    assert table.loc["selection_rate", "ratio_to_overall"] == 0.0 == mf.ratio(method="to_overall")
    assert ratio_to_overall([0.0, 0.5, np.nan], 0.4).tolist()[:2] == [0.0, 0.8]
    assert np.isnan(ratio_to_overall([0.0, 0.5, np.nan], 0.4)).tolist() == [False, False, True]
    assert np.isnan(ratio_to_overall([0.0, 0.0], 0.0)).all()  # 0/0: undefined


def test_group_column_mixing_strs_and_numbers_is_refused():
    site = pd.Series([1, "1", 2, 2], dtype=object, name="site")
    with pytest.raises(ValueError, match=r"sensitive column 'site' mixes strs with ints \('1' and 1\)"):
        group_codes(site)
    with pytest.raises(ValueError, match="'site' mixes strs"):
        group_codes(pd.Series(pd.Categorical([1, "1"]), name="site"))
    with pytest.raises(ValueError, match="'site' mixes strs"):
        group_metrics([0, 1, 0, 1], [0, 1, 1, 1], pd.DataFrame({"sex": list("fmfm"), "site": site}))
    with pytest.raises(ValueError, match="'site' mixes strs"):  # sample and pool coded differently
        representation(pd.DataFrame({"site": [1, 2]}), pd.DataFrame({"site": ["1", "2"]}))
    codes, index = group_codes(pd.Series(["1", "2", "1"], dtype=object))  # one type: fine
    assert codes.tolist() == [0, 1, 0] and list(index) == ["1", "2"]
