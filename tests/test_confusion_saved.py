"""ConfusionDashboard's stored relabels: each annotator's are their own, and a relabel is applied
only to the row it was made on. Both cases once changed the matrix quietly."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import hitl_widgets as hw
from hitl_widgets.dashboards.confusion import ConfusionDashboard

Y, P = [0, 1, 1, 0], [0, 1, 0, 0]


def test_an_annotators_dashboard_shows_their_own_relabels():
    store = hw.AnnotationStore(":memory:")
    alice = ConfusionDashboard(Y, P, store=store, annotator="alice")
    alice.relabel(2, 0)
    bob = ConfusionDashboard(Y, P, store=store, annotator="bob")
    assert bob.matrix == [[2, 0], [1, 1]] and bob.n_relabelled == 0 and bob.relabels.empty
    done = bob.relabel(2, 0)  # bob's own judgement is stored, not taken as already made
    assert done["event_id"] is not None
    bob.relabel(2, 1)
    again = ConfusionDashboard(Y, P, store=store, annotator="alice")
    assert again.matrix == [[3, 0], [0, 1]] and again.y_true.tolist() == [0, 1, 0, 0]
    assert again.relabels[["item_id", "annotator", "label"]].values.tolist() == [[2, "alice", 0]]
    assert len(store.labels("confusion")) == 2  # both annotators' labels stay in the store


def test_a_relabel_is_not_applied_to_another_row_after_the_data_are_reordered(tmp_path):
    db = str(tmp_path / "c.db")
    y = np.array(["cat", "dog", "dog", "cat", "dog"])
    p = np.array(["cat", "dog", "cat", "cat", "dog"])
    first = ConfusionDashboard(y, p, store=hw.AnnotationStore(db))
    first.relabel(2, "cat")  # row 2: given dog, predicted cat
    order = np.array([2, 0, 1, 3, 4])
    swapped = np.array([1, 0, 2, 3, 4])  # row 2 now holds (dog, dog): another sample
    with pytest.warns(UserWarning, match=r"1 stored relabels of task 'confusion' were made on other rows .* item ids 2\. They stay"):
        moved = ConfusionDashboard(y[order][swapped], p[order][swapped], store=hw.AnnotationStore(db))
    assert moved.y_true.tolist() == y[order][swapped].tolist() and moved.n_relabelled == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = ConfusionDashboard(y, p, store=hw.AnnotationStore(db))  # the same rows: applied
    assert same.y_true.tolist() == ["cat", "dog", "cat", "cat", "dog"] and same.n_relabelled == 1


def test_a_relabel_whose_given_label_differs_is_not_applied(tmp_path):
    db = str(tmp_path / "c.db")
    ConfusionDashboard([0, 1, 1, 0], [0, 1, 0, 0], store=hw.AnnotationStore(db)).relabel(2, 0)  # given 1, predicted 0
    with pytest.warns(UserWarning, match="made on other rows"):
        other = ConfusionDashboard([0, 1, 0, 0], [0, 1, 0, 0], store=hw.AnnotationStore(db))  # row 2: given 0, predicted 0
    assert other.n_relabelled == 0
