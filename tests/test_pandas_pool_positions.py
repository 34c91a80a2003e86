"""A pandas pool is read by position wherever it is cut into parts (score_pool's single-process
partitions, an adapter's prediction chunks): under pandas 2, ``frame[i:j]`` slices by label when the
index holds floats, which scored the wrong rows under the wrong positions. And a strategy that reads
no embeddings does not make ActiveSession convert the pool again once the model scores it."""
from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from hitl_widgets.active import ScoreStrategy, as_adapter
from hitl_widgets.active.distributed import score_pool
from hitl_widgets.active.simulate import ActiveSession

simulate_module = importlib.import_module("hitl_widgets.active.simulate")  # (the package's `simulate` is the function)
RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


class LabelSlicedFrame(pd.DataFrame):
    """A DataFrame as pandas 2 slices it: ``frame[i:j]`` by label when its index holds floats."""

    @property
    def _constructor(self):
        return LabelSlicedFrame

    def __getitem__(self, key):
        if isinstance(key, slice) and self.index.dtype.kind == "f":
            return self.loc[key]
        return super().__getitem__(key)


@pytest.mark.filterwarnings("ignore:X has feature names")
@pytest.mark.parametrize("frame_type", [pd.DataFrame, LabelSlicedFrame])
def test_a_float_indexed_frame_pool_scores_as_its_array(frame_type):
    model = LogisticRegression().fit(X, Y)
    frame = frame_type(X, columns=["a", "b", "c"], index=np.arange(len(X)) * 0.5)
    reference = score_pool(model, X, 6, partition_rows=8, progress=False)
    got = score_pool(model, frame, 6, partition_rows=8, progress=False)
    assert got[0].tolist() == reference[0].tolist()
    np.testing.assert_allclose(got[1], reference[1])
    adapter = as_adapter(LogisticRegression()).fit(frame, Y)
    adapter.chunk_size = 8  # predicted 8 rows at a time
    np.testing.assert_allclose(adapter.predict_proba(frame), adapter.model_.predict_proba(frame))


def test_a_score_strategy_does_not_convert_the_pool_again_once_the_model_scores_it(monkeypatch):
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(n=np.arange(len(X)))  # mixed dtypes: a copy each time
    converted = []
    as_numpy = simulate_module.as_numpy

    def counting(x, *args, **kwargs):
        if x is frame:
            converted.append(1)
        return as_numpy(x, *args, **kwargs)

    monkeypatch.setattr(simulate_module, "as_numpy", counting)
    session = ActiveSession(LogisticRegression(), frame, ScoreStrategy("margin"), batch_size=5, seed=0)
    session.teach(np.arange(10), Y[:10])
    session.retrain()
    picked = session.query()
    assert not converted, "the pool is read once a round, by the model"
    proba = session.adapter.predict_proba(frame)
    margins = np.abs(proba[:, 0] - proba[:, 1])
    margins[session.labelled_idx] = np.inf
    assert picked.tolist() == np.argsort(margins, kind="stable")[:5].tolist()
