"""The active-learning round (query → label → retrain → evaluate) and a headless simulation.

:class:`ActiveSession` holds the pool, the labels so far and the model adapter; the widget loop
drives it with a human as the oracle, :func:`simulate` with the known labels::

    session = ActiveSession(model, X_pool, strategy="default", X_test=X_test, y_test=y_test)
    idx = session.query(10)          # which items to show next
    session.teach(idx, labels)       # what the human (or oracle) said, in any number of calls
    session.retrain()                # refit the model on every label so far
    session.evaluate()               # {"n_labels", "accuracy", "macro_f1"} on the test set
    session.history                  # one row per round (a DataFrame)

Example:
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> X, y = load_digits(return_X_y=True)
    >>> h = simulate(LogisticRegression(max_iter=500), X[:600], y[:600], X[600:900], y[600:900],
    ...              "margin", initial=20, batch_size=20, budget=60, seed=0)
    >>> h["n_labels"].tolist()
    [20, 40, 60]
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .adapters import as_adapter
from .pool import PoolRows
from .strategies import RandomStrategy, ScoreStrategy, _labelled_mask, _rng, as_numpy, check_proba, checked_proba, get_strategy

__all__ = ["ActiveSession", "simulate", "query", "HISTORY_COLUMNS"]

#: columns of :attr:`ActiveSession.history` and of :func:`simulate`'s result:
#: round (0 = the initial labels), n_labels, accuracy and macro_f1 on the test set (NaN without
#: one), seconds (wall time of that round's query + retrain, evaluation excluded), and
#: query_seconds / fit_seconds (its two parts).
HISTORY_COLUMNS = ["round", "n_labels", "accuracy", "macro_f1", "seconds", "query_seconds", "fit_seconds"]


class ActiveSession:
    """One active-learning run over a fixed pool: the shared code path of the widget loop and
    :func:`simulate`.

    ``model`` is anything :func:`~hitl_widgets.active.as_adapter` accepts; ``strategy`` anything
    :func:`~hitl_widgets.active.get_strategy` accepts. ``embeddings`` are used by diversity-aware
    strategies: an array ``(N, D)``, ``"model"`` (ask ``adapter.embed`` after each retrain), or
    ``None`` (default: ``adapter.embed`` when the adapter has one, else the pool as the model reads
    it (through the ``loader`` when there is one) when that is a numeric array). ``mc_samples`` is
    T for strategies that need Monte-Carlo samples (BALD).
    ``X_pool`` may be a :class:`~hitl_widgets.active.pool.PoolRows` (a Dask pool's rows computed
    a few at a time; a ``loader`` between the pool's rows and the model); ``loader`` makes one.
    """

    def __init__(self, model: Any, X_pool: Any, strategy: Any = "default", *, X_test: Any = None,
                 y_test: Any = None, embeddings: Any = None, batch_size: int = 10, seed: Any = None,
                 mc_samples: int = 20, loader: Callable[[Any], Any] | None = None):
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.adapter = as_adapter(model)
        self.rows = X_pool if isinstance(X_pool, PoolRows) else PoolRows(X_pool, loader)
        self.X_pool = self.rows.pool
        self.n_pool = len(self.rows)
        self.strategy = get_strategy(strategy)
        _check_mc(self.strategy, self.adapter)
        self.X_test, self.y_test = X_test, (None if y_test is None else as_numpy(y_test))
        self.batch_size = int(batch_size)
        self.rng = _rng(seed)
        self.mc_samples = int(mc_samples)
        self._embeddings_spec = embeddings
        self._embeddings: np.ndarray | None = None  # the model's, computed once per fit
        self._loaded_pool: Any = None  # the pool through the loader, for embeddings
        self.labelled_idx: list[int] = []
        self.labels: list[Any] = []
        self._position: dict[int, int] = {}
        self.fitted = False
        self._rows: list[dict] = []
        self._query_seconds = 0.0
        self._fit_seconds = 0.0
        self.last_proba: np.ndarray | None = None

    # state --------------------------------------------------------------------------------------
    @property
    def n_labels(self) -> int:
        return len(self.labelled_idx)

    @property
    def labelled_mask(self) -> np.ndarray:
        """``(n_pool,)`` bool: True for the labelled items."""
        mask = np.zeros(self.n_pool, dtype=bool)
        mask[self.labelled_idx] = True
        return mask

    @property
    def unlabelled_idx(self) -> np.ndarray:
        return np.flatnonzero(~self.labelled_mask)

    @property
    def history(self) -> pd.DataFrame:
        """One row per evaluated round; columns :data:`HISTORY_COLUMNS`."""
        return pd.DataFrame(self._rows, columns=HISTORY_COLUMNS)

    def embeddings(self, from_model: bool = True) -> np.ndarray | None:
        """The embeddings that strategies see now (see the class docstring).

        ``from_model=False`` skips computing model embeddings (the raw pool, or ``None``)."""
        spec = self._embeddings_spec
        if spec is not None and not isinstance(spec, str):
            return as_numpy(spec)
        use_model = spec == "model" or (spec is None and getattr(self.adapter, "has_embed", False))
        use_model = use_model and from_model
        if use_model and self.fitted:
            if self._embeddings is None:
                self._embeddings = as_numpy(self.adapter.embed(self.rows.whole()))
            return self._embeddings
        if use_model and spec == "model":
            return None
        if self.rows.loader is not None:
            if self._loaded_pool is None:  # read through the loader once (the pool does not change)
                self._loaded_pool = self.rows.whole()
            source = self._loaded_pool
        else:
            source = self.X_pool
        if isinstance(source, (list, tuple)):
            return None  # (a list may hold paths or images: never densify it here)
        try:
            x = as_numpy(source)
        except Exception:
            return None
        if x.dtype.kind not in "fiub" or x.ndim < 1:
            return None
        return x.reshape(x.shape[0], -1)

    # the round ----------------------------------------------------------------------------------
    def query(self, k: int | None = None) -> np.ndarray:
        """Pool indices of the next ``k`` (default ``batch_size``) items to label.

        What the strategy returns is checked (:func:`checked_batch`): at most ``k`` distinct pool
        indices, none of them labelled; anything else is refused naming the index and the strategy."""
        k = self.batch_size if k is None else int(k)
        if k < 0:
            raise ValueError(f"k must be >= 0, not {k}")
        t0 = time.perf_counter()
        if getattr(self.strategy, "scores_pool", False):  # scored where the pool lives (distributed.PoolScorer)
            self.last_proba = None
            labelled = np.asarray(self.labelled_idx, dtype=np.int64)
            pool_query: Any = getattr(self.strategy, "query")  # noqa: B009 (a PoolScorer's; strategy is typed Callable)
            idx = checked_batch(pool_query(self.adapter if self.fitted else None, self.rows, labelled, k, self.rng,
                                           n=self.n_pool), k, self.labelled_mask, self.strategy)
            self._query_seconds += time.perf_counter() - t0
            return idx
        proba = None
        if self.fitted:
            if getattr(self.strategy, "needs_mc", False):
                proba = _rows_checked(self.adapter.mc_predict_proba(self.rows.whole(), self.mc_samples), self.n_pool, mc=True)
            else:
                proba = _rows_checked(self.adapter.predict_proba(self.rows.whole()), self.n_pool)
            self.last_proba = proba
        needs = getattr(self.strategy, "needs_embeddings", True)
        # a strategy that reads no embeddings is not given a pool read through the loader for them, nor,
        # once the model scores the pool, the pool itself (a DataFrame's would be converted every round)
        emb = self.embeddings(from_model=needs) if needs or (proba is None and self.rows.loader is None) else None
        labelled = np.asarray(self.labelled_idx, dtype=np.int64)
        if proba is None and emb is None:  # nothing to go on yet: random
            strategy: Any = RandomStrategy()
            idx = strategy(None, None, labelled, k, self.rng, n=self.n_pool)
        else:
            strategy = self.strategy
            with checked_proba(proba):  # checked above: the score functions need not read it again
                idx = strategy(proba, emb, labelled, k, self.rng)
        idx = checked_batch(idx, k, self.labelled_mask, strategy)
        self._query_seconds += time.perf_counter() - t0
        return idx

    def teach(self, idx: Any, labels: Any) -> None:
        """Record labels for pool indices; a label given again for an item replaces the old one."""
        idx = np.atleast_1d(as_numpy(idx, dtype=np.int64))
        labels = list(np.atleast_1d(as_numpy(labels)).tolist()) if not isinstance(labels, list) else labels
        if len(idx) != len(labels):
            raise ValueError(f"{len(idx)} indices but {len(labels)} labels")
        for i, lab in zip(idx.tolist(), labels):
            if not 0 <= i < self.n_pool:
                raise IndexError(f"pool index {i} out of range (pool size {self.n_pool})")
            if i in self._position:
                self.labels[self._position[i]] = lab
            else:
                self._position[i] = len(self.labelled_idx)
                self.labelled_idx.append(i)
                self.labels.append(lab)

    def replace_labels(self, idx: Any, labels: Any) -> None:
        """Forget every label and record these, in this order (e.g. the store's current labels
        after an undo: the store is the truth, labels can be removed or changed)."""
        idx = np.atleast_1d(as_numpy(idx, dtype=np.int64))
        labels = list(labels) if not hasattr(labels, "tolist") else list(np.atleast_1d(as_numpy(labels)).tolist())
        if len(idx) != len(labels):
            raise ValueError(f"{len(idx)} indices but {len(labels)} labels")
        self.labelled_idx, self.labels, self._position = [], [], {}
        if len(idx):
            self.teach(idx, labels)

    def retrain(self) -> None:
        """Fit the adapter on every label so far (in labelling order)."""
        if not self.labelled_idx:
            return
        t0 = time.perf_counter()
        idx = np.asarray(self.labelled_idx, dtype=np.int64)
        self.adapter.fit(self.rows.take(idx), np.asarray(self.labels))
        self.fitted = True
        self._embeddings = None
        self._fit_seconds += time.perf_counter() - t0

    def evaluate(self) -> dict:
        """Accuracy and macro-F1 on the test set (NaN without one); appends a history row."""
        from sklearn.metrics import accuracy_score, f1_score

        acc = f1 = float("nan")
        if self.fitted and self.X_test is not None and self.y_test is not None:
            p = _rows_checked(self.adapter.predict_proba(self.X_test), len(self.y_test), what="test set")
            pred = np.asarray(self.adapter.classes_)[np.asarray(p).argmax(axis=1)]
            acc = float(accuracy_score(self.y_test, pred))
            f1 = float(f1_score(self.y_test, pred, average="macro", zero_division=0))
        row = {
            "round": len(self._rows),
            "n_labels": self.n_labels,
            "accuracy": acc,
            "macro_f1": f1,
            "seconds": self._query_seconds + self._fit_seconds,
            "query_seconds": self._query_seconds,
            "fit_seconds": self._fit_seconds,
        }
        self._query_seconds = self._fit_seconds = 0.0
        self._rows.append(row)
        return row

    def step(self, oracle: Callable[[np.ndarray], Any], k: int | None = None) -> dict:
        """One full round: query ``k`` items, label them with ``oracle(indices)``, retrain,
        evaluate. Returns the new history row."""
        idx = self.query(k)
        if idx.shape[0]:
            self.teach(idx, oracle(idx))
            self.retrain()
        return self.evaluate()


def query(model: Any, X_pool: Any, strategy: Any = "default", k: int = 10, labelled_idx: Any = None,
          embeddings: Any = None, rng: Any = None, mc_samples: int = 20) -> np.ndarray:
    """One query step with an already-fitted model: predict the pool, score, pick ``k``.

    ``model`` is a fitted adapter, or a fitted estimator / object with ``predict_proba``.
    ``labelled_idx`` are never returned.
    """
    adapter = model if getattr(model, "_hitl_adapter", False) else as_adapter(model)
    if getattr(adapter, "model_", False) is None and hasattr(adapter, "estimator"):
        adapter.use_fitted(adapter.estimator)
    strat = get_strategy(strategy)
    _check_mc(strat, adapter)
    if getattr(strat, "needs_mc", False):
        proba = _rows_checked(adapter.mc_predict_proba(X_pool, mc_samples), len(X_pool), mc=True)
    else:
        proba = _rows_checked(adapter.predict_proba(X_pool), len(X_pool))
    if embeddings is None and (not isinstance(strat, ScoreStrategy) or strat.density_beta):
        if getattr(adapter, "has_embed", False):
            embeddings = adapter.embed(X_pool)
        else:
            x = as_numpy(X_pool)
            embeddings = x.reshape(x.shape[0], -1)
    k = int(k)
    if k < 0:
        raise ValueError(f"k must be >= 0, not {k}")
    labelled = _labelled_mask(len(X_pool), labelled_idx)  # checked: integer indices in 0..n-1, or an (n,) mask
    with checked_proba(proba):
        idx = strat(proba, embeddings, np.flatnonzero(labelled), k, _rng(rng))
    return checked_batch(idx, k, labelled, strat)


def _strategy_name(strategy: Any) -> str:
    """A strategy as an error message names it: a function by its qualified name, else its repr."""
    return getattr(strategy, "__qualname__", None) or repr(strategy)


def checked_batch(idx: Any, k: int, labelled: np.ndarray, strategy: Any) -> np.ndarray:
    """What a strategy returned, as int64 pool indices, refused (``RuntimeError`` naming the index and
    the strategy) unless it is at most ``k`` distinct integer indices in ``0..n-1``, none of them
    labelled (``labelled``: the pool's ``(n,)`` bool mask). A custom strategy's ``-1`` would otherwise
    show the last item again, a repeat would show one item twice, and an over-long batch would put
    more on screen than asked. Vectorised over the batch.

    >>> checked_batch([4, 2], 3, np.arange(10) < 2, "s").tolist()
    [4, 2]
    """
    name, n = _strategy_name(strategy), labelled.shape[0]
    raw = as_numpy(idx)
    if raw.size == 0:
        return np.empty(0, dtype=np.int64)
    if raw.dtype.kind not in "iu":
        first = raw.ravel()[0]
        raise RuntimeError(f"strategy {name} returned {raw.dtype} values such as {first!r}, not pool indices: a strategy "
                           f"returns integer positions 0..{n - 1} (an index is never rounded)")
    out = raw.ravel().astype(np.int64, copy=False)
    if out.shape[0] > k:
        raise RuntimeError(f"strategy {name} returned {out.shape[0]} pool indices for a batch of {k}")
    outside = (out < 0) | (out >= n)
    if outside.any():
        raise RuntimeError(f"strategy {name} returned pool index {int(out[outside][0])}, outside 0..{n - 1} (a pool of "
                           f"{n} items; a negative index is not read from the end)")
    values, counts = np.unique(out, return_counts=True)
    if (counts > 1).any():
        j = int(np.argmax(counts > 1))
        raise RuntimeError(f"strategy {name} returned pool index {int(values[j])} {int(counts[j])} times: a batch holds "
                           "each item once")
    hit = out[labelled[out]]
    if hit.size:
        raise RuntimeError(f"strategy {name} returned pool index {int(hit[0])}, which is already labelled"
                           + (f" ({hit.size} of its {out.shape[0]} are)" if hit.size > 1 else ""))
    return out


def _rows_checked(proba: Any, n: int, mc: bool = False, what: str = "pool") -> np.ndarray:
    """The model's class probabilities, refused unless they hold one row per pool item (a wrong
    count would score the wrong items), each a probability distribution (values in [0, 1]
    summing to 1 within 1e-3: logits would be ranked quietly wrong; NaN or infinite: nothing can
    rank them), naming the item. One vectorised pass (:func:`~.strategies.check_proba`)."""
    p = as_numpy(proba)
    want = 3 if mc else 2
    rows = p.shape[1] if mc and p.ndim == 3 else p.shape[0] if p.ndim == want else None
    if rows != n:
        method = "mc_predict_proba" if mc else "predict_proba"
        got = f"{rows} rows" if rows is not None else f"shape {p.shape}"
        raise ValueError(f"the model's {method} gave {got} for a {what} of {n} items: it must give one row of class "
                         f"probabilities per item ({'(T, N, C)' if mc else '(N, C)'})")
    try:
        check_proba(p, lambda i: f"{what} item {i}", nan_ok=False, mc=mc)
    except ValueError:
        if p.dtype.kind in "fc" and not np.isfinite(p).all():
            item_axis = 1 if mc else 0
            bad = np.flatnonzero(~np.isfinite(p).all(axis=tuple(a for a in range(p.ndim) if a != item_axis)))
            raise ValueError(f"the model's class probabilities are NaN or infinite for {len(bad)} {what} item(s) at "
                             f"position(s) {bad[:10].tolist()}: nothing can rank them") from None
        raise
    return p


def _check_mc(strategy: Any, adapter: Any) -> None:
    """A strategy that needs Monte-Carlo samples (BALD) gets a model that can give them."""
    if getattr(strategy, "needs_mc", False) and not hasattr(adapter, "mc_predict_proba"):
        raise ValueError(
            f"strategy {getattr(strategy, 'name', strategy)!r} needs Monte-Carlo samples: use a torch "
            f"module with dropout (TorchAdapter) or an adapter with mc_predict_proba(X, T); "
            f"{type(adapter).__name__} has none"
        )


def simulate(adapter_or_model: Any, X_pool: Any, y_oracle: Any, X_test: Any, y_test: Any,
             strategy: Any = "default", initial: int = 20, batch_size: int = 10, budget: int = 200,
             seed: Any = None, embeddings: Any = None, initial_idx: Sequence[int] | None = None,
             mc_samples: int = 20) -> pd.DataFrame:
    """Run active learning with known labels (``y_oracle``) until ``budget`` labels.

    ``initial`` items drawn at random (by ``seed``, or ``initial_idx`` when given) are labelled
    first; then rounds of ``batch_size`` follow (the last one shortened to end at ``budget``).
    Returns the history DataFrame (columns :data:`HISTORY_COLUMNS`), one row per round including
    the initial one, so ``n_labels`` increases from ``initial`` to ``budget``.
    """
    rng = _rng(seed)
    y_all = as_numpy(y_oracle)
    n = len(X_pool)
    budget = int(min(budget, n))
    session = ActiveSession(adapter_or_model, X_pool, strategy, X_test=X_test, y_test=y_test,
                            embeddings=embeddings, batch_size=batch_size, seed=rng,
                            mc_samples=mc_samples)
    first = np.asarray(
        rng.choice(n, size=min(int(initial), budget), replace=False) if initial_idx is None else initial_idx, dtype=np.int64
    )
    session.teach(first, y_all[first])
    session.retrain()
    session.evaluate()
    oracle = lambda idx: y_all[idx]  # noqa: E731
    while session.n_labels < budget:
        before = session.n_labels
        session.step(oracle, min(int(batch_size), budget - session.n_labels))
        if session.n_labels == before:
            break
    return session.history
