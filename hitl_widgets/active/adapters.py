"""Model adapters: one small interface over scikit-learn estimators, torch modules and any object
with ``fit`` / ``predict_proba``, so the active-learning loop never cares which it has.

The protocol (:class:`ModelAdapter`)::

    adapter.fit(X, y)              -> adapter     # all labels so far, in labelling order
    adapter.predict_proba(X)       -> (N, C) numpy float array, columns = adapter.classes_
    adapter.classes_               -> numpy array of the class labels (after fit)
    adapter.embed(X)               -> (N, D) numpy array          (optional)
    adapter.mc_predict_proba(X, T) -> (T, N, C) numpy float array  (optional, for BALD)

torch stays optional: it is imported only inside :class:`TorchAdapter`.

Example:
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> a = as_adapter(LogisticRegression())
    >>> type(a).__name__
    'SklearnAdapter'
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0, 0, 1, 1])
    >>> a.fit(X, y).predict_proba(X).shape
    (4, 2)
"""
from __future__ import annotations

import contextlib
import copy
import sys
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .pool import row_slice
from .strategies import as_numpy

__all__ = ["ModelAdapter", "SklearnAdapter", "TorchAdapter", "CallableAdapter", "as_adapter"]


@runtime_checkable
class ModelAdapter(Protocol):
    """What the loop needs from a model. ``embed`` and ``mc_predict_proba`` are optional."""

    def fit(self, X: Any, y: Any) -> ModelAdapter: ...

    def predict_proba(self, X: Any) -> np.ndarray: ...


class _Base:
    """Shared helpers: chunked prediction and the one-class case."""

    _hitl_adapter = True
    classes_: np.ndarray | None = None
    chunk_size: int = 16384
    predict_proba: Callable[[Any], np.ndarray]  # each adapter's own

    def _single_class(self, y: np.ndarray) -> bool:
        """With one class seen so far nothing can be fitted: predict it with certainty."""
        cls = np.unique(y)
        self._constant = cls if cls.shape[0] == 1 else None
        if self._constant is not None:
            self.classes_ = cls
        return self._constant is not None

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (labels from ``classes_``)."""
        p = self.predict_proba(X)
        return np.asarray(self.classes_)[p.argmax(axis=1)]

    def _chunked(self, fn: Callable[[Any], Any], X: Any) -> np.ndarray:
        n = len(X)
        if n <= self.chunk_size:
            return as_numpy(fn(X))
        first = as_numpy(fn(row_slice(X, 0, self.chunk_size)))
        out = np.empty((n,) + first.shape[1:], dtype=first.dtype)
        out[: first.shape[0]] = first
        for s in range(self.chunk_size, n, self.chunk_size):
            part = as_numpy(fn(row_slice(X, s, s + self.chunk_size)))
            out[s : s + part.shape[0]] = part
        return out


def _softmax_logreg(model: Any) -> bool:
    """Whether ``model.predict_proba`` is softmax(X @ coef_.T + intercept_): a fitted multinomial
    scikit-learn LogisticRegression (more than two classes, not liblinear, not one-vs-rest)."""
    from sklearn.linear_model import LogisticRegression

    if type(model) is not LogisticRegression or not hasattr(model, "coef_"):
        return False
    multi = getattr(model, "multi_class", "auto")
    return (len(model.classes_) > 2 and model.solver != "liblinear"
            and multi in ("auto", "deprecated", "multinomial"))


def linear_proba_float32(model: Any, X: np.ndarray, chunk_size: int = 16384) -> np.ndarray | None:
    """``model.predict_proba(X)`` for a float32 pool and a multinomial LogisticRegression,
    computed in float32 (scikit-learn casts the pool to float64 first: twice the memory traffic
    and a float64 matrix product). None when it does not apply, or when it disagrees with
    scikit-learn by more than 1e-4 on 64 rows spread over the pool (then scikit-learn is used).

    Example: ``p = linear_proba_float32(LogisticRegression().fit(X, y), pool.astype("float32"))``
    """
    if not isinstance(X, np.ndarray) or X.dtype != np.float32 or X.ndim != 2 or not _softmax_logreg(model):
        return None
    if X.shape[1] != model.coef_.shape[1]:
        return None  # scikit-learn raises its own clear error
    w = np.ascontiguousarray(model.coef_.T, dtype=np.float32)
    b = np.asarray(model.intercept_, dtype=np.float32)
    out = np.empty((X.shape[0], w.shape[1]), dtype=np.float32)
    for s in range(0, X.shape[0], chunk_size):
        z = X[s : s + chunk_size] @ w
        z += b
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        out[s : s + z.shape[0]] = z
    rows = np.unique(np.linspace(0, X.shape[0] - 1, num=min(64, X.shape[0])).astype(np.intp))
    if rows.size and not np.allclose(out[rows], model.predict_proba(X[rows]), atol=1e-4, rtol=0):
        return None
    return out


class SklearnAdapter(_Base):
    """A scikit-learn classifier.

    Each :meth:`fit` clones the estimator and fits it on all labels so far (no state leaks between
    rounds). That is the default because with the few hundred labels of active learning a refit
    is cheap and gives the best model (one ``partial_fit`` pass over the new rows does not).
    With ``partial_fit=True`` and an estimator that has ``partial_fit`` (for models too slow to
    refit), the same estimator is updated instead, with only the rows it has not seen yet; when
    those rows changed (a relabel, an undo) or a new class appears, it starts over from a clone.
    Pass ``classes`` then, so that the first batch need not hold every class.

    ``predict_proba`` runs in chunks of ``chunk_size`` rows: the same result, but the
    temporaries stay in cache, which is faster on large pools. For a float32 pool and a
    multinomial LogisticRegression it is computed in float32 (``linear_proba_float32``; checked
    against scikit-learn on 64 rows of every call, to 1e-4). ``embed`` is a callable
    ``X -> (N, D)`` (default: none; the loop then uses the inputs themselves).
    """

    def __init__(self, estimator: Any, *, partial_fit: bool = False, classes: Any = None,
                 embed: Callable[[Any], Any] | None = None, chunk_size: int = 16384):
        self.estimator = estimator
        self.partial_fit = bool(partial_fit)
        self.classes = None if classes is None else np.asarray(classes)
        self._embed = embed
        self.chunk_size = int(chunk_size)
        self.model_: Any = None  # the fitted sklearn estimator
        self._seen_X = self._seen_y = np.empty(0)  # partial_fit: the rows the model has seen
        self._constant = None

    def __repr__(self) -> str:
        return f"SklearnAdapter({self.estimator!r}, partial_fit={self.partial_fit})"

    def use_fitted(self, model: Any) -> SklearnAdapter:
        """Adopt an already-fitted estimator (used as is, until the next :meth:`fit`)."""
        self.model_ = model
        self.classes_ = np.asarray(model.classes_)
        self._constant = None
        return self

    def fit(self, X: Any, y: Any) -> SklearnAdapter:
        y = as_numpy(y)
        if self.partial_fit and hasattr(self.estimator, "partial_fit"):
            return self._partial_fit(X, y)
        if self._single_class(y):
            return self
        from sklearn.base import clone

        self.model_ = clone(self.estimator).fit(X, y)
        self.classes_ = np.asarray(self.model_.classes_)
        return self

    @property
    def _seen(self) -> int:
        """How many rows the partially fitted model has seen."""
        return len(self._seen_y)

    def _partial_fit(self, X: Any, y: np.ndarray) -> SklearnAdapter:
        """Update the estimator with the rows it has not seen; start over (a fresh clone fed every
        row) when the rows it saw changed (a relabel, an undo) or a class it was not told of
        appears."""
        from sklearn.base import clone

        x = as_numpy(X)  # to compare the rows seen; the estimator gets X as given (feature names kept)
        seen = self._seen
        same_start = (self.model_ is not None and seen <= len(y)
                      and np.array_equal(y[:seen], self._seen_y) and np.array_equal(x[:seen], self._seen_X))
        classes = self.classes if self.classes is not None else np.unique(y)
        if same_start and not np.isin(y[seen:], self.model_.classes_).all():
            same_start = False  # a class the model was not told of: the classes must be given again
        if not same_start:
            self.model_, seen = clone(self.estimator), 0
        if len(y) > seen:
            rows = X.iloc[seen:] if hasattr(X, "iloc") else X[seen:]
            self.model_.partial_fit(rows, y[seen:], classes=None if seen else classes)
        self._seen_X, self._seen_y = x.copy(), y.copy()
        self._constant = None
        self.classes_ = np.asarray(self.model_.classes_)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        if self._constant is not None:
            return np.ones((len(X), 1))
        if self.model_ is None:
            raise RuntimeError("fit the adapter before predict_proba")
        fast = linear_proba_float32(self.model_, X, self.chunk_size)
        return fast if fast is not None else self._chunked(self.model_.predict_proba, X)

    @property
    def has_embed(self) -> bool:
        return self._embed is not None

    def embed(self, X: Any) -> np.ndarray:
        if self._embed is None:
            raise NotImplementedError("this SklearnAdapter has no embed function")
        return self._chunked(self._embed, X)


class CallableAdapter(_Base):
    """Any object with ``fit(X, y)`` and ``predict_proba(X)`` (and optionally ``embed`` /
    ``mc_predict_proba`` / ``classes_``), used as it is: fitted in place every round."""

    def __init__(self, model: Any):
        if not (hasattr(model, "fit") and hasattr(model, "predict_proba")):
            raise TypeError("the model needs fit(X, y) and predict_proba(X) methods")
        self.model = model
        self._constant = None

    def __repr__(self) -> str:
        return f"CallableAdapter({self.model!r})"

    def fit(self, X: Any, y: Any) -> CallableAdapter:
        y = as_numpy(y)
        self.model.fit(X, y)
        cls = getattr(self.model, "classes_", None)
        self.classes_ = np.asarray(cls) if cls is not None else np.unique(y)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        p = as_numpy(self.model.predict_proba(X))
        if p.ndim == 1:
            p = np.stack([1.0 - p, p], axis=1)
        return p

    @property
    def has_embed(self) -> bool:
        return hasattr(self.model, "embed")

    def embed(self, X: Any) -> np.ndarray:
        if not hasattr(self.model, "embed"):
            raise NotImplementedError("the wrapped model has no embed method")
        return as_numpy(self.model.embed(X))

    def mc_predict_proba(self, X: Any, T: int = 20) -> np.ndarray:
        if not hasattr(self.model, "mc_predict_proba"):
            raise NotImplementedError("the wrapped model has no mc_predict_proba method")
        return as_numpy(self.model.mc_predict_proba(X, T))


def default_train(module: Any, X: Any, y: Any, *, epochs: int = 20, batch_size: int = 64,
                  lr: float = 1e-3, weight_decay: float = 0.0, device: Any = "cpu",
                  generator: Any = None, min_steps: int = 300) -> Any:
    """Adam + cross-entropy over shuffled mini-batches (``X`` float, ``y`` class indices):
    ``epochs`` passes, more when needed to make at least ``min_steps`` optimiser steps (with the
    few labels of active learning, 20 epochs would be 20 steps: an untrained model).

    Example: ``default_train(net, torch.randn(40, 64), torch.randint(0, 10, (40,)))``
    """
    import torch

    module.train()
    opt = torch.optim.Adam(module.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = X.shape[0]
    steps_per_epoch = max(1, -(-n // int(batch_size)))
    for _ in range(max(int(epochs), -(-int(min_steps) // steps_per_epoch))):
        perm = torch.randperm(n, generator=generator)
        for s in range(0, n, batch_size):
            idx = perm[s : s + batch_size]
            xb = X[idx].to(device, non_blocking=True)
            yb = y[idx].to(device, non_blocking=True)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(module(xb), yb)
            loss.backward()
            opt.step()
    module.eval()
    return module


class TorchAdapter(_Base):
    """A torch ``nn.Module`` classifier that outputs logits ``(N, C)``.

    * ``train_fn(module, X, y)`` trains it (``X`` a float tensor, ``y`` a long tensor of class
      indices, both on ``device``, where the module is); the default is :func:`default_train` —
      Adam, cross-entropy, ``epochs`` epochs of mini-batches of ``batch_size`` and at least
      ``min_steps`` steps.
    * Each fit starts from the initial weights (``warm_start=False``) so rounds are comparable;
      ``warm_start=True`` continues from the previous round.
    * ``classes``: the label of each output unit (default ``0..C-1``, labels must then be ints).
    * ``embed(X)``: the input of the last ``nn.Linear`` layer (penultimate features), or
      ``embed_fn(module, x_tensor)`` when given.
    * ``mc_predict_proba(X, T)``: ``T`` passes with dropout layers active (MC dropout, for BALD);
      batch-norm stays in eval mode.
    * ``num_threads``: torch CPU threads while fitting / predicting (restored afterwards); ``1``
      is much faster for small models on a busy machine. ``None`` leaves torch's setting alone.
    """

    def __init__(self, module: Any, train_fn: Callable | None = None, *, classes: Any = None,
                 epochs: int = 20, batch_size: int = 64, lr: float = 1e-3, weight_decay: float = 0.0,
                 min_steps: int = 300, device: Any = "cpu", warm_start: bool = False, seed: int | None = 0,
                 embed_fn: Callable | None = None, chunk_size: int = 4096, num_threads: int | None = None):
        import torch

        self.num_threads = num_threads
        self.module = module
        self.train_fn = train_fn
        self.classes = None if classes is None else np.asarray(classes)
        self.epochs, self.batch_size, self.lr = int(epochs), int(batch_size), float(lr)
        self.weight_decay = float(weight_decay)
        self.min_steps = int(min_steps)
        self.device = torch.device(device)
        self.warm_start = bool(warm_start)
        self.seed = seed
        self.embed_fn = embed_fn
        self.chunk_size = int(chunk_size)
        self._init_state = copy.deepcopy({k: v.detach().cpu() for k, v in module.state_dict().items()})
        self._constant = None
        self._fitted = False
        self.module.to(self.device)

    def __repr__(self) -> str:
        return f"TorchAdapter({type(self.module).__name__}, device={str(self.device)!r})"

    @contextlib.contextmanager
    def _threads(self):
        import torch

        if self.num_threads is None:
            yield
            return
        before = torch.get_num_threads()
        torch.set_num_threads(int(self.num_threads))
        try:
            yield
        finally:
            torch.set_num_threads(before)

    # conversions ------------------------------------------------------------------------------
    def _x(self, X: Any):
        import torch

        if isinstance(X, torch.Tensor):
            return X.detach().float()  # left where it is: a pool on the GPU is not copied back
        return torch.as_tensor(np.asarray(X), dtype=torch.float32)

    def _y(self, y: Any):
        import torch

        y = as_numpy(y)
        if self.classes is not None:
            lookup = {c: i for i, c in enumerate(self.classes.tolist())}
            try:
                codes = np.array([lookup[v] for v in y.tolist()], dtype=np.int64)
            except KeyError as exc:
                raise ValueError(f"label {exc.args[0]!r} is not one of classes={self.classes.tolist()}") from None
        else:
            codes = y.astype(np.int64)
        return torch.as_tensor(codes)

    # protocol ---------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> TorchAdapter:
        with self._threads():
            return self._fit(X, y)

    def _fit(self, X: Any, y: Any) -> TorchAdapter:
        import torch

        from ..demo.torch_threads import seeded_torch

        if not self.warm_start or not self._fitted:
            self.module.load_state_dict(self._init_state)
        xt, yt = self._x(X), self._y(y)
        gen = None
        if self.seed is not None:
            gen = torch.Generator().manual_seed(int(self.seed))
        # dropout draws from the global generator: seeded on a fork, a seeded fit is repeatable
        # without disturbing the user's random state
        with seeded_torch(self.seed, self._devices()):
            if self.train_fn is not None:
                self.train_fn(self.module, xt.to(self.device), yt.to(self.device))
            else:
                default_train(self.module, xt, yt, epochs=self.epochs, batch_size=self.batch_size,
                              lr=self.lr, weight_decay=self.weight_decay, device=self.device,
                              generator=gen, min_steps=self.min_steps)
        self.module.eval()
        self._fitted = True
        if self.classes is not None:
            self.classes_ = self.classes
        return self

    def _forward_proba(self, X: Any, mc: bool = False):
        import torch

        xt = self._x(X)
        out = []
        with torch.no_grad():
            for s in range(0, xt.shape[0], self.chunk_size):
                logits = self.module(xt[s : s + self.chunk_size].to(self.device))
                out.append(torch.softmax(logits.float(), dim=1).cpu())
        return torch.cat(out).numpy()

    def predict_proba(self, X: Any) -> np.ndarray:
        with self._threads():
            return self._predict_proba(X)

    def _predict_proba(self, X: Any) -> np.ndarray:
        self.module.eval()
        p = self._forward_proba(X)
        if self.classes_ is None:
            self.classes_ = np.arange(p.shape[1])
        return p

    def mc_predict_proba(self, X: Any, T: int = 20) -> np.ndarray:
        with self._threads():
            return self._mc_predict_proba(X, T)

    def _mc_predict_proba(self, X: Any, T: int = 20) -> np.ndarray:
        import torch

        from ..demo.torch_threads import seeded_torch

        self.module.eval()
        dropouts = [m for m in self.module.modules() if isinstance(m, torch.nn.modules.dropout._DropoutNd)]
        if not dropouts:
            raise NotImplementedError("MC dropout needs at least one dropout layer in the module")
        for m in dropouts:
            m.train()
        try:
            with seeded_torch(self.seed, self._devices()):
                return np.stack([self._forward_proba(X) for _ in range(int(T))])
        finally:
            self.module.eval()

    def _devices(self) -> tuple[int, ...]:
        """The CUDA devices whose generator a seeded block forks (none on the CPU)."""
        return (self.device.index or 0,) if self.device.type == "cuda" else ()

    @property
    def has_embed(self) -> bool:
        import torch

        return self.embed_fn is not None or any(isinstance(m, torch.nn.Linear) for m in self.module.modules())

    def embed(self, X: Any) -> np.ndarray:
        with self._threads():
            return self._embed(X)

    def _embed(self, X: Any) -> np.ndarray:
        import torch

        self.module.eval()
        xt = self._x(X)
        out = []
        if self.embed_fn is not None:
            with torch.no_grad():
                for s in range(0, xt.shape[0], self.chunk_size):
                    out.append(as_numpy(self.embed_fn(self.module, xt[s : s + self.chunk_size].to(self.device))))
            return np.concatenate(out)
        linears = [m for m in self.module.modules() if isinstance(m, torch.nn.Linear)]
        if not linears:
            raise NotImplementedError("no nn.Linear layer to take embeddings from; pass embed_fn")
        captured: list = []
        handle = linears[-1].register_forward_hook(lambda m, inp, o: captured.append(inp[0].detach().float().cpu()))
        try:
            with torch.no_grad():
                for s in range(0, xt.shape[0], self.chunk_size):
                    self.module(xt[s : s + self.chunk_size].to(self.device))
        finally:
            handle.remove()
        return torch.cat(captured).reshape(xt.shape[0], -1).numpy()


def _is_torch_module(model: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def as_adapter(model: Any, **kwargs: Any) -> Any:
    """Wrap ``model`` in the right adapter (an adapter is returned unchanged).

    torch ``nn.Module`` → :class:`TorchAdapter`; scikit-learn estimator → :class:`SklearnAdapter`;
    anything else with ``fit`` and ``predict_proba`` → :class:`CallableAdapter`. Keyword arguments
    go to the adapter.
    """
    if getattr(model, "_hitl_adapter", False):
        return model
    if _is_torch_module(model):
        return TorchAdapter(model, **kwargs)
    if hasattr(model, "get_params") and hasattr(model, "fit") and hasattr(model, "predict_proba"):
        return SklearnAdapter(model, **kwargs)
    if hasattr(model, "fit") and hasattr(model, "predict_proba"):
        return CallableAdapter(model, **kwargs)
    raise TypeError(f"cannot adapt {type(model).__name__}: it needs fit(X, y) and predict_proba(X), "
                    "or must be a torch nn.Module")
