"""One rule for ids and classes across the metrics that compare two tables (coreference links,
reasoning steps, temporal segments, relation triples): numbers compare by value (1 is 1.0); values
that read alike but are of other types (1 and "1", True and 1, True and "True") never match, so
they are refused naming both, in one table or across the two, never scored as a miss or a hit."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets import coerce
from hitl_widgets.metrics import (
    average_precision_at_tiou,
    chain_summary,
    first_error_table,
    link_agreement,
    segment_agreement_f1,
    triple_agreement,
    triple_recall_at_k,
)

LOOKALIKES = [
    (1, "1"), (1, "1.0"), (1, " 1"), (1.0, "1"), (np.int64(1), np.str_("1")), (True, 1), (False, 0.0),
    (np.bool_(True), 1), (True, "True"), (False, "false"),
]
APART = [(0, "a"), (1, "v1"), (True, 2), (1, 1.0), (np.int64(1), 1.0), ("1", "1"), ("True", "true")]


@pytest.mark.parametrize("x, y", LOOKALIKES)
def test_lookalikes_are_refused_naming_both_values_and_tables(x, y):
    with pytest.raises(ValueError, match=r"read alike but never match") as caught:
        coerce.refuse_lookalikes("item", [("left", [x, "other"]), ("right", [y])])
    message = str(caught.value)
    assert "in left" in message and "in right" in message
    assert repr(x.item() if isinstance(x, np.generic) else x) in message
    with pytest.raises(ValueError, match=r"in left and .* in left"):  # within one table too
        coerce.refuse_lookalikes("item", [("left", pd.Series([x, y], dtype=object)), ("right", [])])


@pytest.mark.parametrize("x, y", APART)
def test_values_that_do_not_read_alike_pass(x, y):
    coerce.refuse_lookalikes("item", [("left", [x, "other", None]), ("right", pd.Series([y, pd.NA], dtype=object))])
    coerce.refuse_lookalikes("item", [("left", pd.Series([1, None], dtype="Int64")), ("right", np.array([2.0, np.nan]))])


def _link(item):
    return [(item, 0, 5, "r1")]


def _segments(video):
    return pd.DataFrame({"video": [video], "class": ["run"], "start_frame": [0], "end_frame": [9]})


def _triples(item):
    return pd.DataFrame({"item": [item], "subject": ["o1"], "predicate": ["on"], "object": ["o2"]})


def _steps(item_ids, steps, annotators):
    """(pd.concat of an int column and a bool one gives ints: True becomes 1 before any metric sees it)"""
    return pd.DataFrame({"item_id": pd.Series(item_ids, dtype=object), "model": "m", "step": steps, "verdict": "correct",
                         "reviewed": True, "annotator": annotators})


def _chains(summary):
    return summary[summary.measure == "first_error_at"].n.iloc[0]


SCORES = {  # each metric on two tables whose only id is x on one side and y on the other: its score
    "link_agreement": lambda x, y: link_agreement(_link(x), _link(y)).f1,
    "average_precision_at_tiou": lambda x, y: average_precision_at_tiou(_segments(x).assign(score=1.0), _segments(y), 0.5).item(),
    "segment_agreement_f1": lambda x, y: segment_agreement_f1(_segments(x), _segments(y)).f1,
    "triple_recall_at_k": lambda x, y: triple_recall_at_k(_triples(x).assign(score=1.0), _triples(y), 1),
    "triple_agreement": lambda x, y: triple_agreement(_triples(x), _triples(y)).f1,
    "chain_summary": lambda x, y: 1 / _chains(chain_summary(_steps([x, y], [0, 1], "ann"), n_boot=0)),  # one chain?
    "first_error_table": lambda x, y: len(first_error_table(_steps([x, y], 0, ["ann", "bob"]))),
}


@pytest.mark.parametrize("metric", sorted(SCORES))
@pytest.mark.parametrize("x, y", [(1, "1"), (1, True), ("True", True)])
def test_every_metric_refuses_lookalike_ids(metric, x, y):
    with pytest.raises(ValueError, match=r"read alike but never match"):
        SCORES[metric](x, y)


@pytest.mark.parametrize("metric", sorted(SCORES))
def test_every_metric_takes_1_and_1_0_as_one_id(metric):
    assert SCORES[metric](1, 1.0) == 1.0
    assert SCORES[metric](np.int64(3), 3) == 1.0


def test_metrics_refuse_pandas_inputs_indexed_by_different_ids():
    """cohen_kappa, confusion_matrix, group_metrics and label_distribution pair rows by position: a
    prediction Series sorted by value beside the truth (same ids, other order) was compared row by
    row without a word (recall per group {f: 0, m: 1} where aligned by id it is {f: 1, m: 0})."""
    import pandas as pd

    from hitl_widgets.metrics import cohen_kappa, confusion_matrix, find_label_issues, group_metrics
    from hitl_widgets.metrics.fairness import label_distribution

    ids = ["u1", "u2", "u3", "u4", "u5", "u6"]
    truth = pd.Series([1, 1, 0, 1, 0, 0], index=ids)
    pred = pd.Series([1, 1, 0, 0, 0, 1], index=ids).sort_values()
    groups = pd.Series(["f", "f", "f", "m", "m", "m"], index=ids, name="sex")
    message = r"indexed by different ids \(or the same ids in another order\): {} pairs them by position"
    with pytest.raises(ValueError, match=message.format("group_metrics")):
        group_metrics(truth, pred, groups, metrics=("recall",))
    aligned = group_metrics(truth, pred.loc[ids], groups, metrics=("recall",))["recall"].to_dict()
    assert aligned == {"f": 1.0, "m": 0.0}
    with pytest.raises(ValueError, match=message.format("cohen_kappa") + r", so align them first, e\.g\. b\.loc\[a\.index\]"):
        cohen_kappa(truth, pred)
    with pytest.raises(ValueError, match=message.format("confusion_matrix")):
        confusion_matrix(truth, pred)
    with pytest.raises(ValueError, match=message.format("label_distribution")):
        label_distribution(truth, groups.sort_values(ascending=False))
    proba = pd.DataFrame({0: 1.0 - truth, 1: truth.astype(float)}).iloc[::-1]
    with pytest.raises(ValueError, match=message.format("find_label_issues")):
        find_label_issues(truth, proba)
    # positions pair with anything; equal indexes are fine
    assert cohen_kappa(truth, pred.loc[ids]) == cohen_kappa(truth.to_numpy(), pred.loc[ids].to_numpy())
    assert cohen_kappa(truth.reset_index(drop=True), pred.to_numpy()) == cohen_kappa(truth.to_numpy(), pred.to_numpy())
    assert confusion_matrix(truth, list(pred)).sum() == 6
