"""BiasAudit pairs y_true, y_pred and groups by item id when two or more are pandas objects and one
carries ids (ConfusionDashboard's rule), by position beside a plain array."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.items import Items

IDS = [10, 11, 12, 13, 14, 15, 16, 17]


@pytest.fixture
def df():
    return pd.DataFrame({"y": [1, 1, 0, 0, 1, 1, 0, 0], "pred": [1, 1, 0, 0, 0, 0, 1, 1],
                         "site": ["a"] * 4 + ["b"] * 4}, index=IDS)


def _audit(y, p, g, **kw):
    return hw.BiasAudit(y, p, g, metrics=("accuracy",), n_boot=0, min_group_size=1, **kw)


def test_groups_in_another_row_order_pair_by_id(df):
    g = df[["site"]].sort_values("site", ascending=False)  # same ids, rows reversed by site
    a = _audit(df["y"], df["pred"], g)
    assert a.by_group["accuracy"].to_dict() == {"a": 1.0, "b": 0.0}
    assert list(a.item_ids) == IDS


def test_predictions_in_another_row_order_pair_by_id(df):
    p = df["pred"].iloc[[2, 3, 4, 5, 6, 7, 0, 1]]
    a = _audit(df["y"], p, df["site"])
    assert a.by_group["accuracy"].to_dict() == {"a": 1.0, "b": 0.0}


def test_string_ids_shuffled_everywhere(df):
    d = df.set_axis([f"i{k}" for k in range(8)])
    order = np.random.default_rng(1).permutation(8)
    a = _audit(d["y"].iloc[order], d["pred"].iloc[order[::-1]], d[["site"]])
    assert a.by_group["accuracy"].to_dict() == {"a": 1.0, "b": 0.0}
    assert list(a.item_ids) == [f"i{k}" for k in order]


def test_pandas_beside_array_pairs_by_position(df):
    g = df[["site"]].sort_values("site", ascending=False)
    a = _audit(df["y"].to_numpy(), df["pred"].to_numpy(), g)  # arrays carry no ids: positions
    assert a.by_group["accuracy"].to_dict() == {"a": 0.0, "b": 1.0}


def test_lone_indexed_series_gives_the_item_ids(df):
    a = _audit(df["y"], df["pred"].to_numpy(), df["site"].to_numpy(), labelled=[10, 11])
    assert list(a.item_ids) == IDS
    assert a.representation is not None


@pytest.mark.parametrize("groups, message", [
    (pd.Series(["a"] * 8, index=range(20, 28)), "groups is paired with y_true by item id"),
    (pd.Series(["a"] * 8, index=[str(i) for i in IDS]), "item id"),
    (pd.Series(["a"] * 8, index=[10] * 8), "appears twice"),
])
def test_ids_that_do_not_match_are_refused(df, groups, message):
    with pytest.raises(ValueError, match=message):
        _audit(df["y"], df["pred"], groups)


def test_rows_follow_the_items_ids(df):
    items = Items(np.zeros((8, 6, 6), np.uint8), ids=IDS[::-1])
    a = _audit(df["y"], df["pred"], df["site"], items=items)
    assert a.by_group["accuracy"].to_dict() == {"a": 1.0, "b": 0.0}
    assert list(a.item_ids) == IDS[::-1]
    assert a.y_true.tolist() == df["y"].tolist()[::-1]


def test_lone_series_beside_arrays_follows_the_items_ids(df):
    items = Items(np.zeros((8, 6, 6), np.uint8), ids=IDS[::-1])
    a = _audit(df["y"], df["pred"].to_numpy(), df["site"].to_numpy(), items=items)
    assert a.by_group["accuracy"].to_dict() == {"a": 1.0, "b": 0.0}
    assert a.y_true.tolist() == df["y"].tolist()[::-1]


def _items_with_ids(ids):
    return Items([np.zeros((4, 4, 3), np.uint8)] * len(ids), ids=ids)


def test_lists_beside_an_indexed_series_follow_it_into_the_items_order(df):
    """Lists pair with the Series by position, then all go to the items' order of ids; a list of
    another length is refused by name (was a bare IndexError) and ["1", 1] stays a str and an int."""
    shuffled = df.iloc[[7, 6, 5, 4, 3, 2, 1, 0]]
    a = _audit(shuffled["y"].tolist(), shuffled["pred"], shuffled["site"].tolist(), items=_items_with_ids(IDS))
    assert a.by_group["accuracy"].to_dict() == {"a": 1.0, "b": 0.0}
    assert list(a.item_ids) == IDS
    with pytest.raises(ValueError, match="^y_true has 3 rows for 8 item ids$"):
        _audit([1, 0, 1], shuffled["pred"], shuffled["site"].tolist(), items=_items_with_ids(IDS))
    with pytest.raises(ValueError, match=r"y_true holds '1' and 1"):  # was "holds '1' and '0'": stringified
        _audit(["1", 1] * 4, shuffled["pred"], shuffled["site"].tolist(), items=_items_with_ids(IDS))
