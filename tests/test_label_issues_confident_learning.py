"""find_label_issues' own backend flags what cleanlab's ``filter_by="confident_learning"`` flags.

cleanlab 2.x (``cleanlab.filter.find_label_issues`` with that filter, ``count.compute_confident_joint``):
per-class thresholds are the mean self-confidence of each class; a class is confident for an item
when ``p >= threshold - 1e-6``; one confident class is the item's guess, two or more give the
item's overall argmax; an item whose guess differs from its given label is flagged unless the
argmax of ``p + 1e-6 * onehot(given)`` is the given label. The expected sets below are worked out
by hand from that rule; cleanlab itself is not needed.
"""
from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.metrics.confusion import confident_joint, find_label_issues


def _positions(labels, probs, **kw):
    return find_label_issues(np.asarray(labels), np.asarray(probs, dtype=float), **kw)["position"].tolist()


def test_item_predicted_as_its_given_label_is_not_flagged():
    # thresholds: class 0 (2.7 + 0.4) / 4 = 0.775, class 1 = 0.3, class 2 = 0.9. Item 3 (given 0,
    # p = [.4, .35, .25]) is confident only in class 1 (0.35 >= 0.3): an off-diagonal of the
    # confident joint, but its most probable class is its given label, so it is no issue.
    labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    probs = [[.9, .05, .05]] * 3 + [[.4, .35, .25]] + [[.1, .3, .6]] * 3 + [[.05, .05, .9]] * 3
    cj = confident_joint(labels, probs)
    assert cj[0, 1] == 1  # counted in the confident joint ...
    assert _positions(labels, probs) == []  # ... but not flagged
    assert _positions(labels, probs, rank_by="normalized_margin") == []
    # a tie with another class counts as predicted as given (cleanlab adds 1e-6 to the given label)
    tie = [[.9, .05, .05]] * 3 + [[.4, .4, .2]] + [[.1, .3, .6]] * 3 + [[.05, .05, .9]] * 3
    assert _positions(labels, tie) == []


def test_threshold_compared_with_float_tolerance():
    # class 1's threshold is the mean of seven 0.7s = 0.7000000000000001; item 6 (given 0) has
    # p1 = 0.7, which reaches it within 1e-6, and class 1 is its argmax: a label issue.
    labels = np.array([1] * 6 + [0, 0, 0, 0])
    probs = np.array([[0.3, 0.7]] * 7 + [[0.9, 0.1], [0.9, 0.1], [0.8, 0.2]])
    mean = probs[labels == 1, 1].mean()
    assert mean > 0.7  # the float excess the tolerance is for
    assert _positions(labels, probs) == [6]
    assert confident_joint(labels, probs)[0, 1] == 1


def test_several_confident_classes_take_the_overall_argmax():
    # thresholds: class 0 (5 * .2 + .25) / 6 = 0.2083, class 1 = 0.15, class 2 = 0.9.
    # Item 15 (given 0, p = [.25, .2, .55]) is confident in classes 0 and 1; with two confident
    # classes cleanlab takes the overall argmax, class 2, which is not its given label: flagged.
    # (The argmax among the confident classes would be 0, its given label, and hide it.)
    labels = np.array([0] * 5 + [1] * 5 + [2] * 5 + [0])
    probs = np.array([[.2, .4, .4]] * 5 + [[.45, .15, .4]] * 5 + [[.05, .05, .9]] * 5 + [[.25, .2, .55]])
    issues = find_label_issues(labels, probs)
    assert sorted(issues["position"]) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15]
    assert issues["position"].tolist()[-1] == 15  # self-confidence .25, the highest of them
    assert confident_joint(labels, probs)[0, 2] == 1


def _reference_issues(y: np.ndarray, p: np.ndarray) -> set[int]:
    """The confident-learning rule written item by item, independently of the module."""
    n, k = p.shape
    thresholds = np.array([p[y == c, c].mean() if (y == c).any() else np.inf for c in range(k)])
    thresholds = np.maximum(thresholds, 2e-6)
    out = set()
    for i in range(n):
        confident = [c for c in range(k) if p[i, c] >= thresholds[c] - 1e-6]
        if not confident:
            continue
        guess = confident[0] if len(confident) == 1 else int(np.argmax(p[i]))
        nudged = p[i].copy()
        nudged[y[i]] += 1e-6
        if guess != y[i] and int(np.argmax(nudged)) != y[i]:
            out.add(i)
    return out


@pytest.fixture(scope="module")
def noisy_digits():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    noisy = y.copy()
    idx = rng.choice(len(y), 180, replace=False)
    noisy[idx] = (y[idx] + rng.integers(1, 10, len(idx))) % 10
    # a weak model, so that many items are predicted with low confidence
    p = cross_val_predict(LogisticRegression(max_iter=300, C=0.01), X / 16, noisy, cv=5, method="predict_proba")
    return y, noisy, p


@pytest.mark.parametrize("rank_by", ["self_confidence", "normalized_margin"])
def test_digits_with_noise_follow_confident_learning(noisy_digits, rank_by):
    truth, noisy, p = noisy_digits
    issues = find_label_issues(noisy, p, rank_by=rank_by, backend="own")
    pos = issues["position"].to_numpy()
    assert len(pos) > 50
    assert not (p[pos].argmax(axis=1) == noisy[pos]).any()  # none predicted as its given label
    assert set(pos.tolist()) == _reference_issues(noisy, p)
    assert np.mean(truth[pos] != noisy[pos]) > 0.7  # mostly the injected noise


class _FakeFilter:
    def __init__(self):
        self.calls: list[dict] = []

    def find_label_issues(self, **kwargs):
        self.calls.append(kwargs)
        return np.array([2, 0])


@pytest.mark.parametrize("rank_by", ["self_confidence", "normalized_margin"])
def test_cleanlab_backend_uses_the_confident_learning_filter(monkeypatch, rank_by):
    fake = _FakeFilter()
    package = types.ModuleType("cleanlab")
    module = types.ModuleType("cleanlab.filter")
    module.find_label_issues = fake.find_label_issues  # type: ignore[attr-defined]
    package.filter = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "cleanlab", package)
    monkeypatch.setitem(sys.modules, "cleanlab.filter", module)
    labels = [0, 1, 1, 0]
    probs = [[.2, .8], [.1, .9], [.9, .1], [.7, .3]]
    for backend in ("cleanlab", "auto"):
        issues = find_label_issues(labels, probs, rank_by=rank_by, backend=backend)
        assert issues.attrs["backend"] == "cleanlab"
        assert issues["position"].tolist() == [2, 0]
    assert len(fake.calls) == 2
    for call in fake.calls:
        assert call["filter_by"] == "confident_learning"
        assert call["return_indices_ranked_by"] == rank_by


PROBS = [[0.9, 0.1], [0.8, 0.2], [0.15, 0.85], [0.2, 0.8], [0.95, 0.05]]


def test_dataframe_columns_that_name_classes_are_refused_not_read_by_position():
    """Columns [dog, cat] were read as codes 0, 1 in that order: with cat = 0 the flags were wrong."""
    named = pd.DataFrame(PROBS, columns=["dog", "cat"])
    with pytest.raises(ValueError, match=r"pred_probs's columns \['dog', 'cat'\] are not 0..C-1: .*\.to_numpy\(\)"):
        find_label_issues([0, 0, 1, 1, 1], named, backend="own")
    with pytest.raises(ValueError, match="are not 0..C-1"):
        confident_joint([0, 0, 1, 1, 1], named)
    by_position = find_label_issues([0, 0, 1, 1, 1], pd.DataFrame(PROBS), backend="own")
    assert by_position["position"].tolist() == find_label_issues([0, 0, 1, 1, 1], PROBS, backend="own")["position"].tolist() == [4]


def test_pandas_inputs_indexed_by_different_ids_are_refused():
    ids = ["a", "b", "c", "d", "e"]
    labels = pd.Series([0, 0, 1, 1, 1], index=ids)
    with pytest.raises(ValueError, match=r"indexed by different ids \(or the same ids in another order\): .*pred_probs.loc\[labels.index\]"):
        find_label_issues(labels, pd.DataFrame(PROBS, index=ids[::-1]), backend="own")
    same = find_label_issues(labels, pd.DataFrame(PROBS, index=ids), backend="own")
    beside_positions = find_label_issues(labels, pd.DataFrame(PROBS), backend="own")  # a default index: positions
    assert same["position"].tolist() == beside_positions["position"].tolist() == [4]
