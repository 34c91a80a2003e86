"""Confusion metrics (against scikit-learn) and ConfusionDashboard's intents, store and updates."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix as sk_confusion
from sklearn.metrics import precision_recall_fscore_support

import hitl_widgets as hw
from hitl_widgets.metrics.confusion import (
    _confident_class,
    confident_joint,
    confusion_matrix,
    find_label_issues,
    label_codes,
    per_class_metrics,
    row_normalise,
)


# ---------------------------------------------------------------- metrics
@pytest.mark.parametrize("kind", ["int", "str", "sparse_int"])
def test_confusion_matrix_matches_sklearn(kind):
    rng = np.random.default_rng(1)
    t, p = rng.integers(0, 7, 5000), rng.integers(0, 7, 5000)
    if kind == "str":
        names = np.array(["cat", "dog", "eel", "fox", "gnu", "hen", "ibis"])
        t, p = names[t], names[p]
    elif kind == "sparse_int":
        t, p = t * 100 - 50, p * 100 - 50
    assert np.array_equal(confusion_matrix(t, p), sk_confusion(t, p))


def test_confusion_matrix_class_order_and_unknown():
    m = confusion_matrix(["a", "b", "b", "c"], ["a", "a", "b", "c"], classes=["c", "b", "a"])
    assert m.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    with pytest.raises(ValueError, match="'z' is not one of"):
        confusion_matrix(["a", "z"], ["a", "a"], classes=["a", "b"])
    with pytest.raises(ValueError, match="is not one of the 2 classes"):
        confusion_matrix([0, 2], [0, 1], classes=[0, 1])
    with pytest.raises(ValueError, match="3 labels, y_pred 2"):
        confusion_matrix([0, 1, 1], [0, 1])


def test_label_codes_mixed_types():
    assert label_codes(np.array([3, "x", 3], dtype=object), ["x", 3]).tolist() == [1, 0, 1]
    with pytest.raises(ValueError):
        label_codes(np.array(["3"], dtype=object), [3])


@pytest.mark.parametrize("y_true, y_pred, classes, said", [
    (["1", "2", "2"], np.array([1, 2, 2], dtype=object), None, "y_true holds '1', y_pred holds 1: the labels mix strs with ints"),
    ([1, 2, 2], ["1", "2", "2"], None, "y_true holds 1, y_pred holds '1': the labels mix strs with ints"),
    (np.array(["1", "2"], dtype=object), np.array(["1", "2"], dtype=object), [1, 2], "classes holds 1: the labels mix strs with ints"),
    (np.array([1.0, 2.0]), np.array(["a", "b"]), None, "y_true holds 1.0, y_pred holds 'a': the labels mix strs with floats"),
])
def test_confusion_matrix_refuses_strs_mixed_with_numbers(y_true, y_pred, classes, said):
    """"1" and 1 were two classes: a 4x4 matrix with nothing on the diagonal, or "label 1 is
    not one of the classes [1, 2, '1', '2']"."""
    with pytest.raises(ValueError, match=said):
        confusion_matrix(y_true, y_pred, classes=classes)


def test_confusion_dashboard_refuses_strs_mixed_with_numbers():
    import pandas as pd

    y_true, y_pred = pd.Series(["1", "2", "2"]), pd.Series([1, 2, 2], dtype=object)
    with pytest.raises(ValueError, match="y_true holds '1', y_pred holds 1: the labels mix strs with ints"):
        hw.ConfusionDashboard(y_true, y_pred, store=hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError, match="y_true holds '1', classes holds 1: the labels mix strs with ints"):
        hw.ConfusionDashboard(y_true, np.full((3, 2), 0.5), classes=[1, 2], store=hw.AnnotationStore(":memory:"))
    d = hw.ConfusionDashboard(y_true, y_pred.astype(str), store=hw.AnnotationStore(":memory:"))
    assert d.classes == ["1", "2"] and d.matrix == [[1, 0], [0, 2]] and d.accuracy == 1.0


@pytest.mark.parametrize("y_true, y_pred, classes, expected", [
    (np.array([-100, 100, 100], np.int8), np.array([-100, 100, -100], np.int8), [-100, 100], [[1, 0], [1, 1]]),
    (np.array([0, 3, 3], np.uint8), np.array([-1, 3, 0]), [-1, 0, 3], [[0, 0, 0], [1, 0, 0], [0, 1, 1]]),
    (np.array([250, 5], np.uint8), np.array([5, 5], np.int16), [5, 250], [[1, 0], [1, 0]]),
])
def test_confusion_matrix_small_integer_dtypes(y_true, y_pred, classes, expected):
    """The classes were found by ``a - lo`` in the array's own dtype: int8 -100/100 gave the
    classes [-100, 45]; uint8 against -1 raised OverflowError."""
    assert confusion_matrix(y_true, y_pred).tolist() == expected
    d = hw.ConfusionDashboard(y_true, y_pred, store=hw.AnnotationStore(":memory:"))
    assert d.classes == classes and d.matrix == expected


def test_per_class_metrics_match_sklearn():
    rng = np.random.default_rng(2)
    t = rng.integers(0, 4, 800)
    p = np.where(rng.random(800) < 0.7, t, rng.integers(0, 4, 800))
    df = per_class_metrics(confusion_matrix(t, p), [0, 1, 2, 3])
    pr, rc, f1, sup = precision_recall_fscore_support(t, p, labels=[0, 1, 2, 3], zero_division=0)
    assert np.allclose(df["precision"], pr) and np.allclose(df["recall"], rc) and np.allclose(df["f1"], f1)
    assert df["support"].tolist() == sup.tolist()
    empty = per_class_metrics([[2, 0], [0, 0]], ["a", "b"])
    assert np.isnan(empty.loc[1, "precision"]) and np.isnan(empty.loc[1, "recall"])
    assert row_normalise([[1, 3], [0, 0]]).tolist() == [[0.25, 0.75], [0.0, 0.0]]


def noisy_problem(seed=0, n=3000, n_classes=4, noise=0.1):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n)
    logits = rng.normal(0, 1, (n, n_classes))
    logits[np.arange(n), truth] += 3.0
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    given = truth.copy()
    flipped = rng.choice(n, int(noise * n), replace=False)
    given[flipped] = (truth[flipped] + rng.integers(1, n_classes, len(flipped))) % n_classes
    return truth, given, probs, flipped


def test_find_label_issues_finds_injected_noise():
    truth, given, probs, flipped = noisy_problem()
    issues = find_label_issues(given, probs)
    assert issues.attrs["backend"] == "own"
    found = set(issues["position"])
    precision = len(found & set(flipped)) / len(found)
    recall = len(found & set(flipped)) / len(flipped)
    assert precision > 0.8 and recall > 0.6, (precision, recall)
    assert np.all(np.diff(issues["self_confidence"]) >= 0)  # ranked, least self-confident first
    assert (issues["suggested"].to_numpy() != issues["given"].to_numpy()).all()
    top = issues["position"].to_numpy()[:100]
    assert np.mean(truth[top] != given[top]) > 0.9  # the top of the ranking is nearly all noise
    margin = find_label_issues(given, probs, rank_by="normalized_margin")
    assert set(margin["position"]) == found and np.all(np.diff(margin["margin"]) >= 0)


def test_confident_joint_off_diagonal_is_the_issue_set():
    _, given, probs, _ = noisy_problem(seed=3)
    cj = confident_joint(given, probs)
    assert cj.sum() <= len(given)
    # the issues are the off-diagonal items less those the model predicts as their given label
    guess = _confident_class(given, probs)
    off = np.flatnonzero((guess >= 0) & (guess != given))
    assert cj.sum() - np.trace(cj) == len(off)
    expected = off[probs[off].argmax(axis=1) != given[off]]
    assert set(find_label_issues(given, probs)["position"]) == set(expected.tolist())


def test_auto_backend_falls_back_without_cleanlab(monkeypatch):
    monkeypatch.setitem(sys.modules, "cleanlab", None)  # import cleanlab -> ImportError
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    _, given, probs, _ = noisy_problem(seed=4, n=500)
    auto = find_label_issues(given, probs, backend="auto")
    assert auto.attrs["backend"] == "own"
    assert auto.equals(find_label_issues(given, probs, backend="own"))
    with pytest.raises(ImportError):
        find_label_issues(given, probs, backend="cleanlab")


def test_find_label_issues_validates():
    with pytest.raises(ValueError, match="integer class codes"):
        find_label_issues(["a", "b"], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="in 0..1"):
        find_label_issues([0, 2], [[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="NaN"):
        find_label_issues([0, 1], [[np.nan, 0.5], [0.5, 0.5]])


# ---------------------------------------------------------------- dashboard
class Recorder:
    def __init__(self, widget):
        self.sent = []
        widget.send = lambda content, buffers=None: self.sent.append(content)

    def last(self):
        return self.sent[-1]


def intent(widget, seq, **content):
    widget._dispatch(widget, {"client": "c1", "seq": seq, **content}, [])


@pytest.fixture
def dash():
    truth, given, probs, flipped = noisy_problem(seed=5, n=400, n_classes=3)
    images = np.random.default_rng(0).random((400, 8, 8))
    store = hw.AnnotationStore(":memory:", annotator="me")
    names = np.array(["a", "b", "c"])[given]
    d = hw.ConfusionDashboard(names, probs, items=images, classes=["a", "b", "c"], store=store, task="cm")
    d._truth, d._flipped, d._names = truth, flipped, names
    return d


def test_dashboard_matrix_and_metrics(dash):
    pred = dash._proba.argmax(axis=1)
    given = dash._given
    assert dash.matrix == sk_confusion(given, pred, labels=[0, 1, 2]).tolist()
    assert dash.matrix_df.loc["b", "c"] == dash.matrix[1][2]
    assert dash.accuracy == pytest.approx(np.mean(given == pred))
    assert [m["class"] for m in dash.class_metrics] == ["a", "b", "c"]
    assert dash.per_class["support"].tolist() == np.bincount(given, minlength=3).tolist()
    issues = dash.label_issues
    assert dash.n_issues == len(issues) > 0
    assert set(issues["given"]) <= {"a", "b", "c"} and issues["item_id"].iloc[0] in dash.items


def test_open_cell_intent_and_refusals(dash):
    rec = Recorder(dash)
    intent(dash, 1, type="open_cell", row=1, col=2)
    reply = rec.last()
    assert reply["type"] == "ack" and reply["total"] == dash.matrix[1][2] == len(reply["ids"])
    assert all(dash._true[dash.items.position(i)] == 1 and dash._pred[dash.items.position(i)] == 2 for i in reply["ids"])
    assert dash.cell == [1, 2]
    for seq, bad in enumerate([{"row": 3, "col": 0}, {"row": -1, "col": 0}, {"row": "1", "col": 0}, {"row": True, "col": 0}, {"row": 0}], start=2):
        intent(dash, seq, type="open_cell", **bad)
        assert rec.last()["type"] == "refused" and "class index" in rec.last()["message"]
    assert len(dash.refused) == 5


def test_relabel_moves_counts_and_records_one_event(dash):
    rec = Recorder(dash)
    item = dash.cell_items("b", "c")[0]
    before = [row[:] for row in dash.matrix]
    issues_before = dash.n_issues
    intent(dash, 1, type="relabel", item_id=item, label="c")
    reply = rec.last()
    assert reply["type"] == "ack" and reply["row"] == 2 and reply["col"] == 2 and reply["label"] == "c"
    assert dash.matrix[1][2] == before[1][2] - 1 and dash.matrix[2][2] == before[2][2] + 1
    assert sum(map(sum, dash.matrix)) == 400
    events = dash.store.events("cm")
    assert len(events) == 1 and events["payload"].iloc[0]["label"] == "c" and events["payload"].iloc[0]["previous"] == "b"
    assert dash.relabels.set_index("item_id")["label"].to_dict() == {item: "c"}
    assert dash.per_class.loc[2, "support"] == before[2][0] + before[2][1] + before[2][2] + 1
    assert dash.n_relabelled == 1 and dash.n_issues <= issues_before + 1
    intent(dash, 1, type="relabel", item_id=item, label="a")  # a retry of seq 1: same answer, nothing stored
    assert rec.last() == reply and len(dash.store.events("cm")) == 1
    for seq, (bad, message) in enumerate(
        [({"item_id": item, "label": "zebra"}, "unknown class"), ({"item_id": 10_000, "label": "a"}, "unknown item"),
         ({"item_id": item, "label": 0}, "unknown class"), ({"item_id": [item], "label": "a"}, "unknown item")], start=2):
        intent(dash, seq, type="relabel", **bad)
        assert rec.last()["type"] == "refused" and message in rec.last()["message"]
    assert len(dash.store.events("cm")) == 1


def test_relabel_to_the_same_label_is_not_a_change(dash):
    rec = Recorder(dash)
    item = dash.cell_items("b", "c")[0]
    before = [row[:] for row in dash.matrix]
    intent(dash, 1, type="relabel", item_id=item, label="b")  # its label already
    reply = rec.last()
    assert reply["type"] == "ack" and reply["unchanged"] is True and reply["event_id"] is None
    assert reply["label"] == "b" and reply["row"] == 1 and reply["col"] == 2
    assert dash.matrix == before and dash.n_relabelled == 0
    assert dash.store.events("cm").empty and dash.relabels.empty
    assert dash.relabel(item, "b") == {"item_id": item, "event_id": None, "unchanged": True, "label": "b", "row": 1, "col": 2}
    assert dash.store.events("cm").empty and dash.n_relabelled == 0
    # a real change still counts, and changing it back is a change too (one event each)
    dash.relabel(item, "c")
    dash.relabel(item, "b")
    assert len(dash.store.events("cm")) == 2 and dash.n_relabelled == 1 and dash.matrix == before


def test_relabels_persist_into_a_new_dashboard(dash):
    item = dash.cell_items("a", "b")[0]
    dash.relabel(item, "b")
    again = hw.ConfusionDashboard(dash._names, dash._proba, items=dash.items, classes=["a", "b", "c"], store=dash.store, task="cm")
    assert again.matrix == dash.matrix and again.n_relabelled == 1
    assert again.y_true[again.items.position(item)] == "b"


def test_fetch_serves_thumbnails_with_labels(dash):
    sent = []
    dash.send = lambda content, buffers=None: sent.append((content, buffers))
    ids = dash.cell_items("a", "a")[:3]
    dash._dispatch(dash, {"type": "fetch", "ids": ids}, [])
    content, buffers = sent[-1]
    assert [i["id"] for i in content["items"]] == ids and len(buffers) == 3
    assert buffers[0][:8] == b"\x89PNG\r\n\x1a\n"
    assert all(i["label"] == "a" and i["pred"] == "a" and 0 <= i["score"] <= 1 for i in content["items"])


def test_open_issues_and_python_open_cell(dash):
    rec = Recorder(dash)
    intent(dash, 1, type="open_issues")
    assert rec.last()["ids"] == dash.label_issues["item_id"].tolist()[:5000]
    ids = dash.open_cell("c", "a")
    assert rec.last()["type"] == "show" and rec.last()["ids"] == ids and dash.cell == [2, 0]
    with pytest.raises(ValueError):
        dash.open_cell("q", "a")


def test_dashboard_with_predicted_classes_only():
    store = hw.AnnotationStore(":memory:")
    d = hw.ConfusionDashboard(["x", "y", "y", "x"], ["x", "x", "y", "x"], store=store)
    assert d.classes == ["x", "y"] and d.matrix == [[2, 0], [1, 1]] and not d.has_proba
    assert d.label_issues.empty
    sent = []
    d.send = lambda content, buffers=None: sent.append(content)
    d._dispatch(d, {"type": "fetch", "ids": [2]}, [])  # no media given: placeholders, as text
    assert sent[-1]["items"][0] | {} == {**sent[-1]["items"][0], "text": "item 2", "label": "y", "pred": "y"}
    d._dispatch(d, {"type": "fetch", "ids": [4]}, [])
    assert sent[-1]["type"] == "refused" and "unknown item id" in sent[-1]["message"]
    rec = Recorder(d)
    intent(d, 1, type="open_issues")
    assert rec.last()["type"] == "refused"
    with pytest.raises(ValueError, match="3 rows for 4 labels"):
        hw.ConfusionDashboard([0, 1, 1, 0], [0, 1, 1], store=store)
    with pytest.raises(ValueError, match="columns for 3 classes"):
        hw.ConfusionDashboard([0, 1], np.full((2, 2), 0.5), classes=["a", "b", "c"], store=store)


def test_open_cell_pushes_raw_thumbnails_before_the_ack(dash):
    sent = []
    dash.send = lambda content, buffers=None: sent.append((content, buffers))
    intent(dash, 1, type="open_cell", row=0, col=0, first=5)
    (thumbs, buffers), (ack, _) = sent[-2], sent[-1]
    assert thumbs["type"] == "thumbs" and ack["type"] == "ack"
    assert [i["id"] for i in thumbs["items"]] == ack["ids"][:5]
    assert len(buffers) == 1 and len(buffers[0]) == 5 * 8 * 8  # 8x8 grey, uint8
    k = dash.items.position(ack["ids"][2])
    expected = (dash.items.raw(ack["ids"][2]) * 255 + 0.5).astype(np.uint8).tobytes()
    assert buffers[0][2 * 64 : 3 * 64] == expected and thumbs["items"][2]["offset"] == 128 and k >= 0
    assert thumbs["items"][0]["label"] == "a" and thumbs["items"][0]["channels"] == 1
    for seq, first in enumerate([161, -1, "3", True], start=2):
        intent(dash, seq, type="open_cell", row=0, col=0, first=first)
        assert sent[-1][0]["type"] == "refused" and "first must be" in sent[-1][0]["message"]


def test_doctests():
    import doctest

    from hitl_widgets.dashboards import agreement, confusion
    from hitl_widgets.metrics import confusion as metrics_confusion

    for module in (metrics_confusion, confusion, agreement):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, module.__name__


@pytest.mark.parametrize(("y_true", "y_pred", "message"), [
    (["a", 2, "a"], ["a", "a", "a"], r"y_true holds 'a' and 2, y_pred holds 'a': the labels mix strs with ints"),
    (["a", "b"], ["a", 1], r"y_true holds 'a', y_pred holds 'a' and 1: the labels mix strs with ints"),
    (["a", None, "b"], ["a", "a", "b"], r"y_true has a missing label \(None/NaN\) at row 1"),
    ([1.0, 2.0], [1.0, np.nan], r"y_pred has a missing label \(None/NaN\) at row 1"),
])
def test_plain_lists_are_not_stringified_and_missing_labels_are_refused(y_true, y_pred, message):
    """numpy makes ["a", 2, None] the strs "a", "2", "None": a plain list's mix and its None were
    counted as classes."""
    with pytest.raises(ValueError, match=message):
        hw.metrics.confusion_matrix(y_true, y_pred)


# ---------------------------------------------------------------- probabilities in a DataFrame
def _proba_dash(y_true, proba, **kwargs):
    return hw.ConfusionDashboard(y_true, proba, store=hw.AnnotationStore(":memory:"), **kwargs)


def test_a_list_beside_an_indexed_series_follows_it_into_the_items_order():
    """y_true a list, y_pred a Series with ids, items with their own ids: an AttributeError before."""
    items = hw.Items([np.zeros((4, 4, 3), np.uint8)] * 3, ids=["a", "b", "c"])
    d = hw.ConfusionDashboard([0, 1, 1], pd.Series([0, 1, 0], index=["c", "b", "a"]), items=items,
                              store=hw.AnnotationStore(":memory:"))
    assert d.matrix == [[1, 0], [1, 1]]
    assert (d._item_info("c")["label"], d._item_info("a")["label"], d._item_info("a")["pred"]) == (0, 1, 0)
    with pytest.raises(ValueError, match="^items has 3 entries for 2 labels$"):
        hw.ConfusionDashboard([0, 1], pd.Series([0, 1, 0], index=["c", "b", "a"]), items=items,
                              store=hw.AnnotationStore(":memory:"))


def test_a_dataframe_of_probabilities_is_read_by_class_name_not_by_position():
    """Columns ["dog", "cat"] beside classes=["cat", "dog"] were read by position: the classes swapped."""
    proba = pd.DataFrame([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]], columns=["dog", "cat"])
    d = _proba_dash(["dog", "cat", "cat"], proba, classes=["cat", "dog"])
    assert d.matrix_df.loc["cat"].tolist() == [1, 1] and d.matrix_df.loc["dog"].tolist() == [0, 1]
    assert d._item_info(2) == {"label": "cat", "pred": "dog", "relabelled": False, "score": 0.3}
    assert d.cell_items("cat", "dog") == [2]
    no_classes = _proba_dash(["dog", "cat", "cat"], proba)  # the columns are the classes, in their order
    assert no_classes.classes == ["dog", "cat"] and no_classes.matrix == [[1, 0], [1, 1]]


def test_label_issues_rank_the_columns_aligned_by_class_name():
    _, given, probs, _ = noisy_problem(seed=3, n=600, n_classes=3)
    names = np.array(["a", "b", "c"])[given]
    ids = [f"x{n}" for n in range(600)]
    frame = pd.DataFrame(probs[:, [2, 0, 1]], columns=["c", "a", "b"], index=ids)[::-1]  # rows and columns shuffled
    by_name = _proba_dash(pd.Series(names, index=ids), frame, classes=["a", "b", "c"])
    by_position = _proba_dash(pd.Series(names, index=ids), pd.DataFrame(probs, index=ids), classes=["a", "b", "c"])
    assert by_name.matrix == by_position.matrix
    assert len(by_name.label_issues) > 0
    pd.testing.assert_frame_equal(by_name.label_issues, by_position.label_issues)


@pytest.mark.parametrize(("columns", "classes", "message"), [
    (["dog", "cow"], ["cat", "dog"], r"no column for the classes \['cat'\]; the columns \['cow'\] are not in classes"),
    (["dog", "cat", "cow"], ["cat", "dog"], r"the columns \['cow'\] are not in classes \(give .to_numpy\(\)"),
    (["dog"], ["cat", "dog"], r"no column for the classes \['cat'\]"),
    (["1", "0"], [0, 1], r"classes holds 0, y_pred_or_proba's columns holds '1': the labels mix strs with ints"),
    (["1", "0"], None, r"y_true holds 0, y_pred_or_proba's columns holds '1': the labels mix strs with ints"
                       r".*; or give .to_numpy\(\) to read the columns by position"),  # read_csv's columns
    ([0.0, 1.0], None, r"y_pred_or_proba's columns name the classes unless they are 0..C-1: class 0.0"),
    (["cat", "cat"], None, r"y_pred_or_proba's columns name the classes .*classes must be unique"),
])
def test_dataframe_columns_that_are_not_the_classes_are_refused(columns, classes, message):
    y_true = ["cat", "dog"] if isinstance(columns[0], str) and columns[0].isalpha() else [0, 1]
    proba = pd.DataFrame(np.full((2, len(columns)), 1 / len(columns)), columns=columns)
    with pytest.raises(ValueError, match=message):
        _proba_dash(y_true, proba, classes=classes)


def test_a_dataframe_of_one_column_is_refused_as_neither_classes_nor_probabilities():
    """It was read as (N, 1) probabilities, or its column name as the one class."""
    with pytest.raises(ValueError, match=r"DataFrame of one column \('pred'\): pass predicted classes as that column"):
        _proba_dash([1, 2, 2], pd.DataFrame({"pred": [1, 2, 1]}))


def test_an_array_or_a_dataframe_with_columns_0_to_c_is_read_by_position():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]])
    for given in (proba, pd.DataFrame(proba)):
        d = _proba_dash(["dog", "cat", "cat"], given, classes=["dog", "cat"])
        assert d.matrix == [[1, 0], [1, 1]] and d._item_info(2)["score"] == 0.3
