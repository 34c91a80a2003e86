"""ConfusionDashboard pairs pandas labels and predictions by item id (their index), never by
position, and speaks of those ids (cells, relabels, placeholders); plain arrays pair by position."""
from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.dashboards import _pairing, confusion


def dash(y_true, y_pred, **kwargs):
    return hw.ConfusionDashboard(y_true, y_pred, store=kwargs.pop("store", None) or hw.AnnotationStore(":memory:"), **kwargs)


def test_two_series_holding_the_same_ids_in_other_orders_are_paired_by_id():
    y_true = pd.Series(["cat", "cat", "dog", "dog", "bird", "bird"], index=list("abcdef"))
    y_pred = pd.Series({"f": "bird", "e": "bird", "d": "dog", "c": "dog", "b": "cat", "a": "cat"})  # a perfect model
    d = dash(y_true, y_pred)
    assert d.accuracy == 1.0 and d.matrix == [[2, 0, 0], [0, 2, 0], [0, 0, 2]]
    proba = pd.DataFrame([[0.1, 0.9], [0.8, 0.2]], index=["y", "x"])  # x: class 0, y: class 1
    assert dash(pd.Series([0, 1], index=["x", "y"]), proba).matrix == [[1, 0], [0, 1]]


def test_the_index_of_y_true_gives_the_item_ids_of_cells_and_relabels():
    df = pd.DataFrame({"label": ["cat", "dog", "dog", "cat"], "pred": ["cat", "dog", "cat", "cat"]}, index=[3, 2, 0, 1])
    store = hw.AnnotationStore(":memory:")
    d = dash(df["label"], df["pred"], store=store)
    assert d.cell_items("dog", "cat") == [0]  # the row labelled dog, predicted cat
    assert d.items.media(0).data == "item 0"
    d.relabel(2, "cat")
    assert d.relabels.item_id.tolist() == [2] and d.y_true.tolist() == ["cat", "cat", "dog", "cat"]
    again = dash(df["label"], df["pred"], store=store)  # the stored relabel comes back on the same row
    assert again.y_true.tolist() == ["cat", "cat", "dog", "cat"]
    with pytest.raises(ValueError, match="unknown item id 4"):
        d.relabel(4, "cat")


def test_a_series_with_ids_beside_a_plain_array_pairs_by_position_and_keeps_the_ids():
    """y_test (indexed after train_test_split) beside model.predict(X_test): the array has no ids, so
    the rows pair by position, and the Series' ids name the items (cells, relabels)."""
    y_test = pd.Series(["a", "b", "b"], index=[17, 4, 9])
    d = dash(y_test, np.array(["a", "b", "a"]))
    assert d.matrix == [[1, 0], [1, 1]] and d.cell_items("b", "a") == [9]
    assert list(dash(["a", "b", "b"], pd.Series(["a", "b", "a"], index=["x", "y", "z"])).items.ids) == ["x", "y", "z"]
    d = dash(pd.Series(["a", "b", "b"]), ["a", "b", "a"])  # the default index: positions
    assert d.matrix == [[1, 0], [1, 1]] and list(d.items.ids) == [0, 1, 2]


def test_ids_that_differ_repeat_or_look_alike_are_refused():
    y_true = pd.Series(["a", "b"], index=["x", "y"])
    with pytest.raises(ValueError, match="y_pred_or_proba has no row for item 'y' .*has item 'z', not in y_true"):
        dash(y_true, pd.Series(["a", "b"], index=["x", "z"]))
    with pytest.raises(ValueError, match="y_pred_or_proba: item id 'x' appears twice"):
        dash(y_true, pd.Series(["a", "b"], index=["x", "x"]))
    with pytest.raises(ValueError, match=r"item id '1' \(a str\) in y_pred_or_proba's index and 1 \(an int\)"):
        dash(pd.Series(["a", "b"], index=[1, 2]), pd.Series(["a", "b"], index=["1", "2"]))
    with pytest.raises(ValueError, match="y_pred_or_proba has no row for item 'x'"):
        dash(y_true, pd.Series(["a", "b"]))  # ids beside positions
    with pytest.raises(ValueError, match="y_true's index gives the item ids: .*not float"):
        dash(pd.Series(["a", "b"], index=[0.5, 1.5]), pd.Series(["a", "b"], index=[0.5, 1.5]))


def test_items_take_the_ids_of_y_true_or_are_paired_with_them_by_id():
    y_true = pd.Series(["a", "b", "b"], index=["x", "y", "z"])
    y_pred = pd.Series(["a", "a", "b"], index=["x", "y", "z"])
    d = dash(y_true, y_pred, items=["text x", "text y", "text z"])  # no ids of their own: y_true's
    assert list(d.items.ids) == ["x", "y", "z"] and d.items.raw("y") == "text y"
    texts = hw.Items(pd.Series(["text z", "text x", "text y"], index=["z", "x", "y"]))
    d = dash(y_true, y_pred, items=texts)
    assert d.cell_items("b", "a") == ["y"] and d._item_info("z") == {"label": "b", "pred": "b", "relabelled": False}
    with pytest.raises(ValueError, match="y_true is paired with items by item id .*no row for item 'z'"):
        dash(y_true.set_axis(["x", "y", "q"]), y_pred.set_axis(["x", "y", "q"]), items=texts)


def test_the_helpers_doctests_pass():
    assert doctest.testmod(confusion).failed == 0
    result = doctest.testmod(_pairing)
    assert result.attempted > 0 and result.failed == 0
