"""One label-kind rule (``coerce.check_label_kinds``) at every entry point that takes labels: strs
never mix with numbers or bools ("1" is not the class 1), bools mix with numbers only when every
number is 0 or 1 (True is 1), within and across the inputs, missing values aside; the error names
which input holds which values, and no list is stringified by numpy first."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.metrics import agreement, confusion, fairness


def _store() -> hw.AnnotationStore:
    return hw.AnnotationStore(":memory:")


# ------------------------------------------------------------------------------ the rule itself
@pytest.mark.parametrize(("named", "kinds"), [
    ({"y_true": [0, 1, 1], "y_pred": np.array([0.2, 0.7, 0.9]) > 0.5}, {"bool", "number"}),  # proba > 0.5 against 0/1
    ({"y_true": np.array([1.0, 0.0, np.nan]), "y_pred": [True, False, None]}, {"bool", "number"}),
    ({"y_true": np.array(["a", np.nan, None], dtype=object), "y_pred": ["a", "b", "a"]}, {"str"}),  # missing aside
    ({"y_true": np.array([np.nan, np.nan], dtype=object), "y_pred": ["a", "b"]}, {"str"}),
    ({"y_true": [1, 2.5], "y_pred": None}, {"number"}),  # None: not given
])
def test_the_rule_accepts_one_kind_and_bools_beside_0_1(named, kinds):
    from hitl_widgets.coerce import check_label_kinds

    assert check_label_kinds(**named) == kinds


@pytest.mark.parametrize(("named", "message"), [
    ({"y_true": ["a", 1, "a"], "y_pred": ["a", "1", "a"]},
     "y_true holds 'a' and 1, y_pred holds 'a': the labels mix strs with ints"),
    ({"y_true": ["a", "b"], "y_pred": np.array([1.0, 2.0])}, "y_true holds 'a', y_pred holds 1.0: the labels mix strs with floats"),
    ({"y_true": np.array([True, False]), "y_pred": ["yes", "no"]}, "y_true holds True, y_pred holds 'yes': the labels mix strs with bools"),
    ({"y_true": np.array([0, 2, 1]), "y_pred": np.array([True, False, True])},
     "y_true holds 2, y_pred holds True: the labels mix booleans with numbers other than 0/1"),
    ({"y_true": np.array([np.bool_(True), 1, 3], dtype=object)}, "y_true holds True and 3: the labels mix booleans"),
    ({"y_true": ["1", "2"], "classes": [1, 2]}, "y_true holds '1', classes holds 1: the labels mix strs with ints"),
])
def test_the_rule_names_which_input_holds_which_values(named, message):
    from hitl_widgets.coerce import check_label_kinds

    with pytest.raises(ValueError, match=message):
        check_label_kinds(**named)


def test_label_array_never_stringifies_a_list():
    from hitl_widgets.coerce import label_array

    assert label_array(["a", 1]).tolist() == ["a", 1] and label_array(["a", 1]).dtype == object
    assert label_array(["a", np.nan])[1] != label_array(["a", np.nan])[1]  # NaN, not the str "nan"
    assert label_array([True, 2]).tolist() == [True, 2] and label_array([True, 2]).dtype == object
    assert label_array(["a", "b"]).dtype.kind == "U" and label_array([1, 2]).dtype.kind == "i"  # one kind: typed
    arr = np.arange(3)
    assert label_array(arr) is arr


# ------------------------------------------------------------------------------ confusion
def test_confusion_matrix_refuses_bools_beside_other_numbers_and_counts_bools_beside_0_1():
    with pytest.raises(ValueError, match="y_true holds True, y_pred holds 2: the labels mix booleans with numbers other than 0/1"):
        confusion.confusion_matrix([True, False, True], [2, 0, 0])  # True was counted as the class 1, a 3x3 matrix
    with pytest.raises(ValueError, match="y_true holds True, classes holds 2"):
        confusion.confusion_matrix(np.array([True, False]), np.array([1, 0]), classes=[0, 1, 2])
    y_pred = np.array([0.9, 0.2, 0.4, 0.7]) > 0.5
    assert confusion.confusion_matrix([1, 0, 1, 0], y_pred).tolist() == [[1, 1], [1, 1]]
    assert confusion.confusion_matrix([1, 0, 1, 0], y_pred, classes=[0, 1]).tolist() == [[1, 1], [1, 1]]


def test_confusion_matrix_names_the_input_holding_each_value():
    with pytest.raises(ValueError, match="y_true holds 'a' and 1, y_pred holds 'a': the labels mix strs with ints"):
        confusion.confusion_matrix(["a", 1, "a"], ["a", "1", "a"])
    with pytest.raises(ValueError, match="y_true holds 'a', y_pred holds 'a', classes holds 'a' and 1"):
        confusion.confusion_matrix(["a", "b"], ["a", "b"], classes=["a", "b", 1])


def test_confusion_dashboard_refuses_a_list_numpy_would_stringify():
    """numpy read ["a", 1, "a"] as "a", "1", "a": 1 silently matched y_pred's "1" (accuracy 1.0)."""
    with pytest.raises(ValueError, match="y_true holds 'a' and 1, y_pred holds 'a': the labels mix strs with ints"):
        hw.ConfusionDashboard(["a", 1, "a"], ["a", "1", "a"], store=_store())
    with pytest.raises(ValueError, match="y_true holds 'a' and True, y_pred holds 'a'"):  # True was "True"
        hw.ConfusionDashboard(["a", True, "a"], ["a", "True", "a"], classes=["a", "True"], store=_store())


def test_confusion_dashboard_takes_bools_beside_0_1_only():
    with pytest.raises(ValueError, match="y_true holds True, y_pred holds 2, classes holds 2: the labels mix booleans"):
        hw.ConfusionDashboard(np.array([True, False, True]), np.array([2, 0, 1]), classes=[0, 1, 2], store=_store())
    d = hw.ConfusionDashboard(np.array([True, False, True]), np.array([1, 0, 0]), classes=[0, 1], store=_store())
    assert d.matrix == [[1, 0], [1, 1]] and d.accuracy == pytest.approx(2 / 3)


def test_confusion_dashboard_relabel_says_why_a_str_is_not_the_int_class():
    d = hw.ConfusionDashboard([0, 1, 2], [0, 1, 1], store=_store())
    with pytest.raises(ValueError, match=r"unknown class '1': label holds '1', classes holds 0: the labels mix strs with ints"):
        d.relabel(0, "1")
    with pytest.raises(ValueError, match="unknown class 'True': label holds True, classes holds 2: the labels mix booleans"):
        d.relabel(0, True)
    assert d.relabel(0, 2)["event_id"] is not None and d.matrix == [[0, 0, 0], [0, 1, 0], [1, 1, 0]]


# ------------------------------------------------------------------------------ fairness, BiasAudit
def test_check_labels_refuses_a_list_numpy_would_stringify():
    """check_labels(["a", 1], ...) read 1 as the str "1"."""
    with pytest.raises(ValueError, match="y_true holds 'a' and 1, y_pred holds 'a': the labels mix strs with ints"):
        fairness.check_labels(["a", 1], ["a", "1"], pos_label="a")
    with pytest.raises(ValueError, match="y_true holds 'a' and True"):
        fairness.check_labels(["a", True], ["a", "b"], pos_label="a")
    with pytest.raises(ValueError, match="y_true holds True and 2: the labels mix booleans with numbers other than 0/1"):
        fairness.check_labels([True, 2, 0], [1, 0, 0], pos_label=1)  # numpy made [True, 2, 0] the ints 1, 2, 0
    t, p, pos = fairness.check_labels([1, 0, 1], np.array([True, False, False]))  # bools beside 0/1: True is 1
    assert pos == 1 and (t == p).tolist() == [True, True, False]


def test_label_distribution_refuses_mixed_labels():
    with pytest.raises(ValueError, match="y holds 'a' and 1: the labels mix strs with ints"):
        fairness.label_distribution(["a", 1, "a"], pd.DataFrame({"g": ["x", "x", "y"]}))


def test_bias_audit_refuses_mixed_labels_naming_the_input():
    groups = pd.DataFrame({"site": ["x", "x", "y", "y"]})
    with pytest.raises(ValueError, match="y_true holds 'a' and 1, y_pred holds 'a': the labels mix strs with ints"):
        hw.BiasAudit(["a", 1, "a", "b"], ["a", "1", "a", "b"], groups, metrics=("accuracy",), n_boot=0)
    with pytest.raises(ValueError, match="y_true holds True, y_pred holds 2: the labels mix booleans"):
        hw.BiasAudit([True, False, True, False], [2, 0, 1, 0], groups, metrics=("accuracy",), n_boot=0)
    audit = hw.BiasAudit([1, 0, 1, 0], np.array([True, False, False, False]), groups, metrics=("accuracy", "recall"), n_boot=0)
    assert audit.by_group["accuracy"].tolist() == [1.0, 0.5] and audit.by_group["recall"].tolist() == [1.0, 0.0]


# ------------------------------------------------------------------------------ agreement
def test_agreement_reads_bools_beside_0_1_as_those_numbers():
    """True is 1 (as numpy reads it): kappa, alpha and the vote equal those of the 0/1 labels."""
    assert agreement.cohen_kappa([True, False], [1, 0]) == 1.0
    assert agreement.cohen_kappa(np.array([True, False, True, False]), np.array([1, 0, 0, 0])) == pytest.approx(
        agreement.cohen_kappa([1, 0, 1, 0], [1, 0, 0, 0]), abs=1e-12)
    data = np.array([[True, 0, 1, None, 1], [1, False, 1, 0, 0]], dtype=object)
    ints = np.array([[1, 0, 1, None, 1], [1, 0, 1, 0, 0]], dtype=object)
    assert agreement.krippendorff_alpha(data) == pytest.approx(agreement.krippendorff_alpha(ints), abs=1e-12)
    assert agreement.krippendorff_alpha([[True, False, True, True], [1, 0, 1, 0]]) == pytest.approx(
        agreement.krippendorff_alpha([[1, 0, 1, 1], [1, 0, 1, 0]]), abs=1e-12)
    assert agreement.majority_vote([[True, 1, 0], [False, 0, 1]]).tolist() == [1, 0]
    assert agreement.fleiss_kappa([[True, 1, 0], [False, 0, 0]]) == pytest.approx(agreement.fleiss_kappa([[1, 1, 0], [0, 0, 0]]))
    assert agreement.dawid_skene([[True, 1, 0], [False, 0, 0]]).labels.tolist() == [1, 0]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: agreement.cohen_kappa([True, False, True], [2, 0, 1]), "a holds True, b holds 2: the labels mix booleans with numbers other than 0/1"),
    (lambda: agreement.cohen_kappa([1, 2, 1], ["1", "2", "1"]), "a holds 1, b holds '1': the labels mix strs with ints"),
    (lambda: agreement.cohen_kappa([1, 2, 1], [1, 2, 2], labels=[1, "2"]), "labels holds '2' and 1: the labels mix strs with ints"),
    (lambda: agreement.krippendorff_alpha([[1, "a", 2], ["1", "a", 2]]), "data holds 'a' and 1: the labels mix strs with ints"),
    (lambda: agreement.krippendorff_alpha([[True, 2, 0], [1, 2, 0]]), "data holds True and 2: the labels mix booleans"),
    (lambda: agreement.majority_vote([[True, "x", "x"]]), "labels holds 'x' and True: the labels mix strs with bools"),
    (lambda: agreement.majority_vote(np.array([[True, 3, 3]], dtype=object)), "labels holds True and 3: the labels mix booleans"),
    (lambda: agreement.dawid_skene([["a", "b"], ["a", "a"]], classes=["a", "b", 1]), "classes holds 'a' and 1"),
    (lambda: agreement.bootstrap_ci(agreement.cohen_kappa, (["a", 1, "a", "b"], ["a", "1", "a", "b"]), n=10),
     "a holds 'a' and 1, b holds 'a': the labels mix strs with ints"),
])
def test_agreement_refuses_mixed_labels_naming_the_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def _labels(values: list) -> pd.DataFrame:
    return pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3, "label": pd.Series(values, dtype=object)})


def test_agreement_dashboard_refuses_mixed_labels():
    """"1" and 1 were two classes (four classes for two, kappa -0.385 instead of 0.333)."""
    with pytest.raises(ValueError, match="the label column holds '1' and 1: the labels mix strs with ints"):
        hw.AgreementDashboard(_labels(["1", 1, "0", 1, 0, "0"]), task="t", n_boot=10)
    with pytest.raises(ValueError, match="the label column holds 'a', classes holds 'a' and 1"):
        hw.AgreementDashboard(_labels(["a", "b", "a", "a", "b", "b"]), task="t", classes=["a", "b", 1], n_boot=10)
    with pytest.raises(ValueError, match="the multi-label column holds 'a' and 1"):
        hw.AgreementDashboard(_labels([["a"], [1], ["a"], ["a"], [1], [1]]), task="t", n_boot=10)
    with pytest.raises(ValueError, match="the label column holds True and 2: the labels mix booleans"):
        hw.AgreementDashboard(_labels([True, 2, False, 2, 0, False]), task="t", n_boot=10)


def test_agreement_dashboard_reads_bools_beside_0_1_as_those_numbers():
    bools = hw.AgreementDashboard(_labels([True, 1, False, 1, 0, False]), task="t", n_boot=10)
    ints = hw.AgreementDashboard(_labels([1, 1, 0, 1, 0, 0]), task="t", n_boot=10)
    assert bools.classes == ints.classes == [0, 1]
    pd.testing.assert_frame_equal(bools.overall, ints.overall)
    assert bools.queue["item_id"].tolist() == ints.queue["item_id"].tolist() == [2]
