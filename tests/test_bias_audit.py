"""BiasAudit: numbers equal fairlearn's MetricFrame; flags, CIs, representation, drill-down."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate
from sklearn.metrics import accuracy_score, precision_score, recall_score

from hitl_widgets import AnnotationStore, BiasAudit, ClassifyWidget

FAIRLEARN = {
    "accuracy": accuracy_score,
    "precision": precision_score,
    "recall": recall_score,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "selection_rate": selection_rate,
}


def data(n=30_000, seed=0):
    rng = np.random.default_rng(seed)
    groups = pd.DataFrame(
        {"region": rng.choice(["north", "south", "east", "west"], n), "device": rng.choice(["phone", "tablet"], n)}
    )
    y = rng.integers(0, 2, n)
    bad = (groups["region"] == "east").to_numpy()
    wrong = rng.random(n) < np.where(bad, 0.30, 0.10)
    return y, np.where(wrong, 1 - y, y), groups


def test_by_group_and_disparities_equal_fairlearn():
    y, p, groups = data()
    audit = BiasAudit(y, p, groups)
    mf = MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=p, sensitive_features=groups)
    assert isinstance(audit.by_group.index, pd.MultiIndex)
    assert list(audit.by_group.columns) == ["n", *FAIRLEARN]
    np.testing.assert_allclose(audit.by_group[list(FAIRLEARN)].to_numpy(), mf.by_group.to_numpy(float), atol=1e-12)
    np.testing.assert_allclose(audit.overall.to_numpy(), mf.overall.to_numpy(float), atol=1e-12)
    d = audit.disparities
    np.testing.assert_allclose(d["difference"].to_numpy(float), mf.difference().to_numpy(float), atol=1e-12)
    np.testing.assert_allclose(d["ratio"].to_numpy(float), mf.ratio().to_numpy(float), atol=1e-12)
    np.testing.assert_allclose(
        d["difference_to_overall"].to_numpy(float), mf.difference(method="to_overall").to_numpy(float), atol=1e-12
    )


def test_marginal_of_one_column_equals_fairlearn():
    y, p, groups = data()
    audit = BiasAudit(y, p, groups)
    mf = MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=p, sensitive_features=groups["device"])
    np.testing.assert_allclose(audit.marginal("device")[list(FAIRLEARN)].to_numpy(), mf.by_group.to_numpy(float), atol=1e-12)
    with pytest.raises(ValueError, match="unknown sensitive column"):
        audit.marginal("age")


def test_single_column_equals_fairlearn():
    y, p, groups = data()
    audit = BiasAudit(y, p, groups["region"])
    mf = MetricFrame(metrics=FAIRLEARN, y_true=y, y_pred=p, sensitive_features=groups["region"])
    assert list(audit.by_group.index) == list(mf.by_group.index) == ["east", "north", "south", "west"]
    np.testing.assert_allclose(audit.by_group[list(FAIRLEARN)].to_numpy(), mf.by_group.to_numpy(float), atol=1e-12)


def test_flags_the_underperforming_group_only():
    y, p, groups = data()
    audit = BiasAudit(y, p, groups[["region"]], threshold=0.08)
    flagged = set(audit.flags["group"])
    assert flagged == {"east"}
    row = audit.flags[audit.flags["metric"] == "accuracy"].iloc[0]
    assert row["value"] == pytest.approx(0.70, abs=0.02) and row["significant"]
    assert audit.disparities.loc["accuracy", "flagged"]
    assert audit.disparities.loc["accuracy", "worst_group"] == "east"
    assert not audit.disparities.loc["selection_rate", "flagged"]


def test_small_groups_are_never_flagged():
    y, p, groups = data(2000)
    groups = groups[["region"]].copy()
    groups.loc[:9, "region"] = "tiny"
    p = p.copy()
    p[:10] = 1 - y[:10]  # tiny group: every prediction wrong
    audit = BiasAudit(y, p, groups, min_group_size=30, threshold=0.08)
    assert audit.by_group.loc["tiny", "accuracy"] == 0.0
    assert "tiny" not in set(audit.flags["group"])
    assert audit.disparities.loc["accuracy", "worst_group"] != "tiny"
    assert BiasAudit(y, p, groups, min_group_size=5, threshold=0.08).flags["group"].eq("tiny").any()


def test_bootstrap_intervals_cover_and_shrink():
    y, p, groups = data()
    audit = BiasAudit(y, p, groups[["region"]], n_boot=2000)
    lo, hi = audit.intervals[("accuracy", "low")], audit.intervals[("accuracy", "high")]
    acc = audit.by_group["accuracy"]
    assert ((lo < acc) & (acc < hi)).all()
    n = audit.by_group["n"]
    se = np.sqrt(acc * (1 - acc) / n)  # normal approximation of the same interval
    np.testing.assert_allclose(hi - lo, 2 * 1.96 * se, rtol=0.12)
    small = BiasAudit(y[:3000], p[:3000], groups[["region"]][:3000], n_boot=2000)
    assert ((small.intervals[("accuracy", "high")] - small.intervals[("accuracy", "low")]) > (hi - lo)).all()
    assert audit.overall_intervals.loc["accuracy", "low"] < audit.overall["accuracy"] < audit.overall_intervals.loc["accuracy", "high"]
    d = audit.disparities.loc["accuracy"]
    assert d["difference_low"] < d["difference"] < d["difference_high"]


def test_representation_of_labelled_set_against_pool():
    y, p, groups = data(1000)
    labelled = (groups["region"] != "west").to_numpy()  # nothing from the west was labelled
    audit = BiasAudit(y, p, groups[["region"]], labelled=labelled)
    rep = audit.representation
    assert rep.loc["west", "n_sample"] == 0 and rep.loc["west", "ratio"] == 0
    assert rep.loc["east", "ratio"] > 1
    pool = pd.DataFrame({"region": ["west"] * 90 + ["east"] * 10})
    rep2 = BiasAudit(y, p, groups[["region"]], pool=pool).representation
    assert rep2.loc["north", "n_population"] == 0 and rep2.loc["west", "share_population"] == 0.9
    assert BiasAudit(y, p, groups[["region"]]).representation is None


def test_bad_input_is_refused():
    y, p, groups = data(100)
    with pytest.raises(ValueError, match="rows"):
        BiasAudit(y[:50], p[:50], groups)
    with pytest.raises(ValueError, match="unknown metric"):
        BiasAudit(y, p, groups, metrics=("auc",))
    with pytest.raises(ValueError, match="labelled"):
        BiasAudit(y, p, groups, labelled=np.ones(5, bool))
    with pytest.raises(ValueError, match="drill-down needs items"):
        BiasAudit(y, p, groups).drill(("east", "phone"))


def images_audit(tmp_path, n=300):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (n, 8, 8), dtype=np.uint8)
    y = rng.integers(0, 3, n)
    groups = pd.DataFrame({"g": np.where(np.arange(n) < 100, "a", "b")})
    p = y.copy()
    p[:30] = (y[:30] + 1) % 3  # 30 errors in group a
    p[100:110] = (y[100:110] + 1) % 3  # 10 errors in group b
    store = AnnotationStore(tmp_path / "audit.db", annotator="ada")
    audit = BiasAudit(y, p, groups, metrics=("accuracy",), store=store, items=images, task="audit", threshold=0.05)
    return audit, y, p, store


def test_drill_opens_the_groups_errors_and_relabels_refresh(tmp_path):
    audit, y, p, store = images_audit(tmp_path)
    assert audit.by_group.loc["a", "accuracy"] == pytest.approx(0.7)
    assert audit.errors("a") == list(range(30))
    w = audit.drill("a")
    assert isinstance(w, ClassifyWidget)
    assert w.order == list(range(30)) and w.task == "audit"
    assert w.proposals[0]["label"] == int(p[0])
    w.send = lambda *a, **k: None
    # the human says the model was right on items 0..9 (the "truth" was wrong)
    for k in range(10):
        w._dispatch(None, {"type": "label", "client": "t", "seq": k + 1, "item_id": k, "label": int(p[k]), "source": "human"}, [])
    assert len(store.labels("audit")) == 10
    assert audit.by_group.loc["a", "accuracy"] == pytest.approx(0.8)  # refreshed after each label
    assert audit.errors("a") == list(range(10, 30))
    # a new audit over the same store starts from the relabelled truth
    again = BiasAudit(y, p, pd.DataFrame({"g": np.where(np.arange(300) < 100, "a", "b")}), metrics=("accuracy",),
                      store=store, items=np.zeros((300, 8, 8), np.uint8), task="audit")
    assert again.by_group.loc["a", "accuracy"] == pytest.approx(0.8)


def test_view_drill_intent_is_validated(tmp_path):
    audit, *_ = images_audit(tmp_path)
    box = audit.view
    view = box.children[0]
    sent = []
    view.send = lambda content, buffers=None: sent.append(content)
    rows = view.table["rows"]
    assert [r["key"] for r in rows] == [["a"], ["b"]]
    assert view.table["metrics"] == ["accuracy", "disagreement"]  # disagreement: a store was given
    assert rows[0]["flagged"] == [True, False] and rows[0]["errors"] == 30
    # which way each group lies from overall, and which way is better, for the ▲/▼ better/worse marks
    assert view.table["better"] == [1, -1]  # accuracy: higher is better; disagreement: lower
    assert rows[0]["direction"][0] == -1 and rows[1]["direction"][0] == 1  # a below overall, b above
    assert rows[0]["direction"][1] == 0  # no disagreement value: no direction
    for n, bad in enumerate([{"row": 5}, {"row": True}, {"row": "0"}, {}]):
        view._dispatch(None, {"type": "drill", "client": "c", "seq": n + 1, **bad}, [])
        assert sent[-1]["type"] == "refused" and "unknown group row" in sent[-1]["message"]
    view._dispatch(None, {"type": "evil", "client": "c", "seq": 10}, [])
    assert sent[-1]["type"] == "refused" and "unknown command" in sent[-1]["message"]
    assert len(box.children) == 1 and view.drilled == -1
    view._dispatch(None, {"type": "drill", "client": "c", "seq": 11, "row": 1}, [])
    assert sent[-1]["type"] == "ack" and "10 errors" in sent[-1]["message"]
    assert len(box.children) == 2 and isinstance(box.children[1], ClassifyWidget)
    assert box.children[1].order == list(range(100, 110)) and view.drilled == 1
    assert len(view.refused) == 5


def test_disagreement_per_group_from_the_store(tmp_path):
    audit, y, p, store = images_audit(tmp_path)
    store.record("audit", 150, {"label": 1}, annotator="x")
    store.record("audit", 150, {"label": 2}, annotator="y")
    store.record("audit", 151, {"label": 0}, annotator="x")
    store.record("audit", 151, {"label": 0}, annotator="y")
    audit.refresh()
    assert np.isnan(audit.by_group.loc["a", "disagreement"])  # no item with two annotators
    assert audit.by_group.loc["b", "disagreement"] == pytest.approx(0.25)  # (0.5 + 0) / 2


def test_relabel_longer_than_y_true_strs_is_used_exactly():
    y = np.array(["cat", "dog"] * 20)  # <U3
    p = np.array(["bird"] + list(y[1:]))  # the model says row 0 is a bird
    store = AnnotationStore(":memory:")
    audit = BiasAudit(y, p, ["a"] * 20 + ["b"] * 20, metrics=("accuracy",), store=store,
                      items=[f"t{i}" for i in range(40)], n_boot=10)
    assert audit.errors("a") == [0]
    w = audit.drill("a")
    w.record_label(w.order[0], "bird")  # the reviewer agrees with the model
    assert audit.y_true[0] == "bird" and audit.y_true.dtype == np.dtype("<U4")
    assert audit.errors("a") == [] and audit.by_group["accuracy"].tolist() == [1.0, 1.0]
    assert audit._y_true.dtype == np.dtype("<U3")  # the original is untouched


def test_ratio_to_overall_flags_a_group_at_zero():
    p = np.r_[np.zeros(10, int), np.ones(44, int), np.zeros(56, int), np.ones(46, int), np.zeros(54, int)]
    g = np.array(["a"] * 10 + ["b"] * 100 + ["c"] * 100)
    audit = BiasAudit(p, p, g, metrics=("selection_rate",), threshold=0.5, ratio_threshold=0.8, min_group_size=10, n_boot=10)
    mf = MetricFrame(metrics=selection_rate, y_true=p, y_pred=p, sensitive_features=g)
    d = audit.disparities.loc["selection_rate"]
    assert d["ratio_to_overall"] == 0.0 == mf.ratio(method="to_overall") and d["flagged"]
    assert audit.flags[["group", "ratio"]].values.tolist() == [["a", 0.0]]


def test_group_column_mixing_strs_and_numbers_is_refused():
    y = np.array([0, 1] * 50)
    site = pd.Series([1] * 25 + ["1"] * 25 + [2] * 50, dtype=object)
    with pytest.raises(ValueError, match="sensitive column 'site' mixes strs with ints"):
        BiasAudit(y, y, pd.DataFrame({"site": site}), metrics=("accuracy",), n_boot=10)


def test_labelled_ids_must_not_repeat():
    y = np.array([0, 1] * 50)
    groups = pd.DataFrame({"site": ["a"] * 50 + ["b"] * 50})
    flag = pd.Series([0] * 50 + [1] * 50)  # a 0/1 column is not a list of ids
    with pytest.raises(ValueError, match=r"item id 0 occurs more than once.*astype\(bool\)"):
        BiasAudit(y, y, groups, metrics=("accuracy",), labelled=flag, n_boot=10)
    rep = BiasAudit(y, y, groups, metrics=("accuracy",), labelled=flag.astype(bool), n_boot=10).representation
    assert rep["n_sample"].tolist() == [0, 50]
    rep = BiasAudit(y, y, groups, metrics=("accuracy",), labelled=pd.Series(flag.astype(bool), dtype="boolean"),
                    n_boot=10).representation
    assert rep["n_sample"].tolist() == [0, 50]
    rep = BiasAudit(y, y, groups, metrics=("accuracy",), labelled=[0, 1, 99], n_boot=10).representation
    assert rep["n_sample"].tolist() == [2, 1]


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_drill_down_of_bool_and_float_labels(kind):
    y = np.array([False, True] * 20) if kind == "bool" else np.array([0.0, 1.0] * 20)
    p = y.copy()
    p[0] = y[1]  # one error in group a
    store = AnnotationStore(":memory:")
    audit = BiasAudit(y, p, ["a"] * 20 + ["b"] * 20, store=store, items=[f"t{i}" for i in range(40)], n_boot=10)
    w = audit.drill("a")
    assert w.classes == [0, 1] and w.order == [0] and w.proposals[0]["label"] == 1
    w.record_label(0, 1)  # the model was right
    assert store.labels("bias_audit")["label"].tolist() == [1]
    assert audit.y_true.dtype == y.dtype and audit.y_true[0] == 1 and audit.errors("a") == []
    assert audit.by_group.loc["a", "accuracy"] == 1.0


def test_n_boot_zero_means_no_intervals():
    y, p, groups = data(1000)
    audit = BiasAudit(y, p, groups[["region"]], n_boot=0, threshold=0.01)
    assert audit.intervals.isna().all().all() and audit.overall_intervals.isna().all().all()
    assert audit.disparities[["difference_low", "difference_high"]].isna().all().all()
    assert len(audit.flags) and not audit.flags["significant"].any()
    assert audit.by_group["accuracy"].notna().all()
    audit.view  # noqa: B018 - the table builds with no intervals
    assert "<html" in audit.to_html().lower()
    for bad in (-1, 1.5, True, "10"):
        with pytest.raises(ValueError, match=r"n_boot must be an int >= 0"):
            BiasAudit(y, p, groups, n_boot=bad)
