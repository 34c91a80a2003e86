"""Issue #15: each bad input found by the hostile review is refused with an error naming the
problem, or gives the correct result — never a silently wrong one."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.dashboards.bias import BiasAudit
from hitl_widgets.metrics.fairness import group_metrics

G = ["a", "a", "b", "b"]


# --------------------------------------------------------------------------- 1: fairness labels


def test_group_metrics_string_labels_need_pos_label():
    y, p = ["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"]
    with pytest.raises(ValueError, match="pos_label="):
        group_metrics(y, p, G)
    out = group_metrics(y, p, G, pos_label="yes")
    assert out.loc["a", "selection_rate"] == 1.0 and out.loc["a", "recall"] == 1.0
    assert out.loc["b", "selection_rate"] == 0.0 and out.loc["b", "fnr"] == 1.0


def test_group_metrics_pos_label_absent_is_refused():
    with pytest.raises(ValueError, match="occurs in neither"):
        group_metrics(["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"], G, pos_label=1)
    with pytest.raises(ValueError, match="occurs in neither"):  # "1" is not 1
        group_metrics([0, 1, 0, 1], [0, 1, 1, 1], G, pos_label="1")


def test_group_metrics_ambiguous_numeric_labels_need_pos_label():
    with pytest.raises(ValueError, match="pos_label="):
        group_metrics([1, 2, 1, 2], [1, 1, 2, 2], G)
    assert group_metrics([1, 2, 1, 2], [1, 1, 2, 2], G, metrics=("accuracy",))["accuracy"].tolist() == [0.5, 0.5]


def test_group_metrics_infers_only_01_and_booleans():
    a = group_metrics([1, 0, 1, 0], [1, 1, 0, 0], G)
    b = group_metrics([True, False, True, False], [True, True, False, False], G)
    np.testing.assert_array_equal(a.to_numpy(float), b.to_numpy(float))
    assert a.loc["a", "selection_rate"] == 1.0


def test_group_metrics_refuses_probabilities_unless_threshold():
    y, p = [1, 0, 1, 0], [0.9, 0.2, 0.4, 0.1]
    with pytest.raises(ValueError, match="threshold="):
        group_metrics(y, p, G)
    out = group_metrics(y, p, G, threshold=0.5)
    assert out["selection_rate"].tolist() == [0.5, 0.0] and out["accuracy"].tolist() == [1.0, 0.5]
    with pytest.raises(ValueError, match="y_true holds a non-label"):
        group_metrics([0.3, 0.7, 0.1, 0.9], [0, 1, 0, 1], G)


def test_bias_audit_string_labels_and_scores():
    y = np.array(["y", "n"] * 20, dtype=object)
    g = ["a", "b"] * 20
    with pytest.raises(ValueError, match="pos_label="):
        BiasAudit(y, ["y", "y"] * 20, g, n_boot=10)
    audit = BiasAudit(y, ["y", "y"] * 20, g, pos_label="y", n_boot=10)
    assert audit.by_group["selection_rate"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="pred_threshold|threshold="):
        BiasAudit(y, [0.7, 0.2] * 20, g, pos_label="y", n_boot=10)
    audit = BiasAudit(y, [0.7, 0.2] * 20, g, pos_label="y", pred_threshold=0.5, n_boot=10)
    assert audit.by_group["accuracy"].tolist() == [1.0, 1.0]
    assert audit.by_group["selection_rate"].tolist() == [1.0, 0.0]


def test_bias_audit_nan_y_true_names_y_true():
    with pytest.raises(ValueError, match="y_true has a missing value .* row 2"):
        BiasAudit([1, 0, np.nan, 0] * 10, [1, 0, 1, 0] * 10, ["a", "b"] * 20, n_boot=10)


# --------------------------------------------------------------------------- 4: agreement duplicates, multi-label


def _dash(df, **kw):
    from hitl_widgets.dashboards.agreement import AgreementDashboard

    return AgreementDashboard(df, n_boot=20, **kw)


def test_agreement_duplicates_without_time_are_refused():
    df = pd.DataFrame({"item": [1, 1, 2, 2, 1], "annotator": ["a", "b", "a", "b", "a"], "label": ["x", "y", "x", "x", "y"]})
    with pytest.raises(ValueError, match="2 labels for item 1, annotator 'a'.*time"):
        _dash(df)


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]])
def test_agreement_duplicates_latest_by_time_wins_whatever_the_row_order(order):
    df = pd.DataFrame({"item": [1, 1, 2, 2, 1], "annotator": ["a", "b", "a", "b", "a"],
                       "label": ["x", "y", "x", "x", "y"], "time": [1, 2, 3, 4, 5]}).iloc[order]
    dash = _dash(df)
    assert dash.overall.set_index("metric").loc["percent agreement", "estimate"] == 1.0  # a's latest is "y"


def test_agreement_duplicates_tied_at_latest_time_are_refused():
    df = pd.DataFrame({"item": [1, 1, 1], "annotator": ["a", "b", "a"], "label": ["x", "y", "y"], "time": [5, 2, 5]})
    with pytest.raises(ValueError, match="same latest time 5"):
        _dash(df)


def test_agreement_multi_label_by_set():
    df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3,
                       "label": [["x", "y"], ["y", "x"], ["x"], ["x", "y"], ["z"], ["z"]]})
    dash = _dash(df)
    overall = dash.overall.set_index("metric")["estimate"]
    assert overall["percent agreement"] == pytest.approx(2 / 3)  # equal sets on items 1 and 3
    # alpha with the Jaccard distance, by hand: categories {x}:1, {z}:2, {x,y}:3 values;
    # D_o sum = 2 * 0.5 (item 2); D_e sum = 2 * (1*2*1 + 1*3*0.5 + 2*3*1) = 19; n = 6
    assert overall["Krippendorff's alpha (jaccard distance)"] == pytest.approx(1 - 5 * 1.0 / 19)
    assert dash.queue["item_id"].tolist() == [2]
    assert dash.consensus[3] == ["z"]
    assert dash.per_class.set_index("class")["agreement"].to_dict() == pytest.approx({"x": 1.0, "y": 2 / 3, "z": 1.0})
    dash.adjudicate().record_label(2, ["x"])
    assert dash.consensus[2] == ["x"]


def test_krippendorff_alpha_masi_hand_computed():
    from hitl_widgets.metrics.agreement import krippendorff_alpha

    data = [[["a", "b"], ["a"], ["c"]], [["a", "b"], ["a", "b"], ["c"]]]
    assert krippendorff_alpha(data, "masi") == pytest.approx(2 / 3)  # 1 - 5 * (4/3) / 20


def test_agreement_mixed_single_and_set_labels_are_refused():
    df = pd.DataFrame({"item": [1, 1], "annotator": ["a", "b"], "label": [["x"], "x"]})
    with pytest.raises(ValueError, match="mixes single labels with label sets"):
        _dash(df)
