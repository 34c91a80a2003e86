"""AgreementDashboard: metrics from a store or a DataFrame, the poor annotator flagged, the
disagreement queue, and adjudication stored as its own task."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

import hitl_widgets as hw
from hitl_widgets.metrics.agreement import fleiss_kappa, percent_agreement


def simulated(n=150, seed=0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    rows = []
    for name, acc in [("ann", 0.95), ("bob", 0.9), ("cat", 0.88), ("poor", 0.35)]:
        lab = np.where(rng.random(n) < acc, truth, rng.integers(0, 3, n))
        rows += [(i, name, ["x", "y", "z"][k]) for i, k in enumerate(lab)]
    return pd.DataFrame(rows, columns=["item", "annotator", "label"]), truth


def test_metrics_match_the_references():
    df, _ = simulated()
    dash = hw.AgreementDashboard(df, task="t", n_boot=100)
    wide = df.pivot(index="item", columns="annotator", values="label")
    assert dash.pairwise.loc["ann", "bob"] == pytest.approx(cohen_kappa_score(wide["ann"], wide["bob"]))
    assert dash.pairwise.loc["poor", "cat"] == pytest.approx(cohen_kappa_score(wide["poor"], wide["cat"]))
    overall = dash.overall.set_index("metric")
    assert overall.loc["Fleiss' kappa", "estimate"] == pytest.approx(fleiss_kappa(wide.to_numpy()))
    assert overall.loc["percent agreement", "estimate"] == pytest.approx(percent_agreement(wide.to_numpy()))
    assert (overall["low"] <= overall["estimate"]).all() and (overall["estimate"] <= overall["high"]).all()


def test_poor_annotator_is_flagged_and_queue_sorted():
    df, truth = simulated()
    dash = hw.AgreementDashboard(df, task="t", n_boot=50)
    per = dash.per_annotator.set_index("annotator")
    assert per["flagged"].tolist() == [False, False, False, True]
    assert per.loc["poor", "agreement"] < per.loc["cat", "agreement"] - 0.3
    assert per.loc["poor", "accuracy"] < 0.6 < per.loc["ann", "accuracy"]
    q = dash.queue
    assert (np.diff(q["disagreement"]) <= 0).all() and (q["disagreement"] > 0).all()
    unanimous = df.groupby("item")["label"].nunique() == 1
    assert set(q["item_id"]) == set(unanimous.index[~unanimous])
    assert set(dash.per_class["class"]) == {"x", "y", "z"} and dash.per_class["agreement"].between(0, 1).all()
    assert (dash.consensus.loc[unanimous.index[unanimous]] == np.array(["x", "y", "z"])[truth[unanimous.to_numpy()]]).mean() > 0.95


def test_from_store_and_adjudication_event():
    store = hw.AnnotationStore(":memory:")
    df, _ = simulated(n=40, seed=1)
    for r in df.itertuples():
        store.record("pets", r.item, {"label": r.label}, annotator=r.annotator)
    dash = hw.AgreementDashboard(store, task="pets", n_boot=50)
    assert dash.annotators == ["ann", "bob", "cat", "poor"] and len(dash.item_ids) == 40
    first = dash.queue["item_id"].iloc[0]
    w = dash.adjudicate(first)
    assert isinstance(w, hw.ClassifyWidget) and w.order[w.position] == first and w.task == "pets/adjudicated"
    assert dash.view.adjudicating and w.layout.display is None
    # the proposal is the annotators' consensus: the view calls it that, not "model"
    assert w.proposal_label == "consensus" and hw.ClassifyWidget(["a"], ["x", "y"], store=store).proposal_label == "model"
    info = w._item_info(first)
    assert info["notes"] == [f"{a}: {v}" for a, v in dash.queue["labels"].iloc[0].items()]
    w.record_label(first, "z")
    adj = dash.adjudicated
    assert adj[["item_id", "annotator", "label"]].values.tolist() == [[first, "adjudicator", "z"]]
    assert dash.queue["adjudicated"].iloc[0] == "z" and dash.view.queue[0]["adjudicated"] == "z"
    assert dash.queue["adjudicated"].iloc[1:].isna().all()
    assert [q["adjudicated"] for q in dash.view.queue[1:]] == [None] * (len(dash.view.queue) - 1)
    assert dash.consensus[first] == "z"
    assert len(store.labels("pets")) == len(df)  # the annotators' labels are untouched


def test_adjudicate_intent_validated():
    df, _ = simulated(n=30)
    dash = hw.AgreementDashboard(df, task="t", n_boot=20)
    sent = []
    dash.view.send = lambda content, buffers=None: sent.append(content)
    unanimous = next(i for i in dash.item_ids if i not in set(dash.queue["item_id"]))
    for seq, bad in enumerate([unanimous, [1], 10_000], start=1):
        dash.view._dispatch(dash.view, {"type": "adjudicate", "client": "c", "seq": seq, "item_id": bad}, [])
        assert sent[-1]["type"] == "refused"
    assert not dash.view.adjudicating and len(dash.view.refused) == 3
    dash.view._dispatch(dash.view, {"type": "adjudicate", "client": "c", "seq": 9, "item_id": None}, [])
    assert sent[-1]["type"] == "ack" and dash.view.adjudicating


def test_bad_sources():
    with pytest.raises(ValueError, match="missing"):
        hw.AgreementDashboard(pd.DataFrame({"item": [1], "label": ["x"]}))
    with pytest.raises(ValueError, match="task is required"):
        hw.AgreementDashboard(hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError, match="no labels"):
        hw.AgreementDashboard(hw.AnnotationStore(":memory:"), task="empty")


def test_annotators_or_items_that_read_alike_are_refused_not_merged():
    """Annotators 1 and "1" were merged into one annotator "1" (one's labels overwriting the other's)."""
    df = pd.DataFrame({"item": [0, 0, 1, 1, 2, 2], "annotator": [1, "1"] * 3, "label": ["a", "b", "a", "a", "b", "b"]})
    with pytest.raises(ValueError, match=r"annotator '1' \(a str\) in the annotator column and 1 \(an int\)"):
        hw.AgreementDashboard(df)
    with pytest.raises(ValueError, match=r"item_id '0' \(a str\)"):
        hw.AgreementDashboard(df.assign(annotator=["x", "y"] * 3, item=[0, "0", 1, 1, 2, 2]))
    assert hw.AgreementDashboard(df.assign(annotator=df["annotator"].astype(str) + ["", "b"] * 3)).annotators == ["1", "1b"]
