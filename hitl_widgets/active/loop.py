"""ActiveLearningLoop: the model picks, the human labels, the model retrains — in one kernel.

Displaying the loop shows a ClassifyWidget over the queried batch (with the model's proposals)
above a LoopPanel (retrain status, live learning curve, label counts). When every item of the
batch has a label, the model retrains in a background thread — the widget and the kernel stay
usable — then the next batch is queried. The store holds every label; the same round runs
headless in ``simulate``. A round that fails (the model's fit or scores raise) says why in the panel
and in ``error``; the batch on screen stays (a first round's is a random batch of ``batch_size``,
not the whole pool) and the next round tries again (see :func:`failed_round_message`).
"""
from __future__ import annotations

import copy
import logging
import threading
import time
import traceback
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._progress import progress_bar
from ..coerce import check_int, is_missing, normalise_classes, plain, same
from ..items import Items
from ..static import with_static
from ..store import AnnotationStore
from .adapters import _is_torch_module, as_adapter
from .pool import PoolRows, PoolView, is_empty_pool, pool_kind, row_text
from .rounds import BackgroundRounds, refuse_other_annotations
from .simulate import ActiveSession
from .strategies import RandomStrategy, StratifiedStrategy, as_numpy

log = logging.getLogger("hitl_widgets")

#: what a round changes in an ActiveSession (besides its adapter): saved before a simulated batch
_SESSION_STATE = ("labelled_idx", "labels", "_position", "fitted", "_rows", "last_proba", "_embeddings",
                  "_query_seconds", "_fit_seconds")


def _shallow(value: Any) -> Any:
    """A copy of a list or dict (a round appends to them); anything else as it is (a round replaces it)."""
    return value.copy() if isinstance(value, (list, dict)) else value


class ActiveLearningLoop(BackgroundRounds):
    """Active learning with a human in the loop, for scikit-learn, torch or any fit/predict_proba model.

    Args:
        model: a scikit-learn classifier, a torch ``nn.Module`` or an adapter
            (see ``hitl_widgets.active.as_adapter``).
        pool: the features the model sees, one row per item (array, tensor, DataFrame).
        items: what the human sees (``Items`` or anything it accepts); default: ``pool`` itself
            when it is an image array or a list of files, else each row's values as a short text
            ("row 3: 0.12, 4.5, ..."): a tabular pool (a headless ``simulate`` on it, say) needs no
            ``items``. A Dask pool's rows are computed one by one as they are shown.
        strategy: "default" (chosen per task by the number of classes C the model predicts:
            plain margin when C = 2; else the hybrid with its phases scaled with C, diversity
            until 3·C labels, then uncertainty + diversity, then uncertainty spread over class
            pairs from 8·C; see ``hitl_widgets.active.DefaultStrategy``), "hybrid" (the same
            phases at the fixed 30 and 80 labels tuned on digits), "margin", "entropy", "least_confident", "bald", "core_set", "density_weighted", "random",
            "stratified" (per-group quotas from ``groups``, then margin), or a callable.
        batch_size: items per round.
        initial: labels known up front, ``{pool index: label}`` or ``(indices, labels)``; they
            train the first model (without going to the store).
        test: ``(X_test, y_test)`` for the learning curve.
        groups: one group value per pool item (label counts per group are shown).
        store: where the human's labels go (default ``hitl.db``); labels already stored for
            ``task`` are picked up, so a restarted kernel resumes where it stopped. A resumed loop
            says so: a logged warning, the panel's message and ``resumed_from`` (the number of
            stored labels it started from; 0 for a fresh start). ``simulate`` never writes oracle
            labels into a store you did not give: a loop on the default store simulates in its own
            in-memory store (the history's ``attrs`` name the store and task); with a store you
            gave, it refuses a task that already holds labels it did not write itself.
        classes: the classes to choose from (default: the sorted classes of ``y_test`` and
            ``initial``).
        background: retrain in a background thread (False: in the calling thread).
        scheduler: score the pool on Dask instead of in this process: a ``dask.distributed``
            Client, a scheduler address (``"tcp://host:8786"``) or ``"local"`` (see
            ``hitl_widgets.active.distributed.score_pool``: each partition's top-k on its worker,
            the model sent once per worker). The pool is then a numpy or dask array, a Dask
            dataframe (the model gets pandas DataFrames) or a list of file paths/URLs (read by
            ``loader``), and ``strategy`` a score ("margin", "entropy", "least_confident", "bald";
            "default" and "hybrid" become "margin", since they need every item's probabilities in
            one process). Only the batch's and the labelled rows are computed in this process.
        loader: ``rows -> model input``: what the model is given of the pool's rows, to fit and to
            predict (e.g. paths -> an image stack), in this process and, with ``scheduler=``, on the
            workers (each partition's rows). Default: the rows as they are, except a list of
            files scored on Dask, which is read as ``score_pool`` reads it (``.npy`` files and images,
            URLs through fsspec). Without ``scheduler=`` the whole pool goes through it each round.
        progress: show a progress bar while the pool is scored on Dask and while ``simulate`` runs.

    Example:
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.linear_model import LogisticRegression
        >>> X, y = load_digits(return_X_y=True)
        >>> loop = ActiveLearningLoop(LogisticRegression(max_iter=500), X[:500], items=X[:500].reshape(-1, 8, 8) / 16,
        ...                           test=(X[500:800], y[500:800]), store=AnnotationStore(":memory:"), background=False)
        >>> history = loop.simulate(y[:500], budget=40)
        >>> history["n_labels"].tolist()
        [10, 20, 30, 40]
    """

    def __init__(
        self,
        model: Any,
        pool: Any,
        items: Any = None,
        strategy: Any = "default",
        batch_size: int = 10,
        initial: Any = None,
        test: tuple[Any, Any] | None = None,
        groups: Sequence[Any] | None = None,
        store: AnnotationStore | None = None,
        classes: Sequence[Any] | None = None,
        task: str = "active-learning",
        annotator: str | None = None,
        embeddings: Any = None,
        seed: int | None = 0,
        background: bool = True,
        scheduler: Any = None,
        loader: Callable[[Any], Any] | None = None,
        progress: bool = True,
    ):
        from ipywidgets import VBox

        from ..widgets.loop_panel import LoopPanel

        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if is_empty_pool(pool):
            raise ValueError("the pool is empty: nothing to query")
        if loader is None and scheduler is not None and pool_kind(pool) == "files":
            from .distributed import load_files

            loader = load_files  # as score_pool reads them on the workers
        rows = PoolRows(pool, loader, scheduler)
        n_pool = len(rows)
        if n_pool == 0:
            raise ValueError("the pool is empty: nothing to query")
        if items is None:
            items = _default_items(rows)
        self.items = items if isinstance(items, Items) else Items(items)
        if len(self.items) != n_pool:
            raise ValueError(f"items has {len(self.items)} entries but the pool has {n_pool} rows")
        X_test, y_test = test if test is not None else (None, None)
        self._initial = self._parse_initial(initial, n_pool)
        if classes is None:
            seen = list(as_numpy(y_test)) if y_test is not None else []
            seen += list(self._initial.values())
            if not seen:
                raise ValueError("pass classes= (no test labels or initial labels to learn them from)")
            classes = sorted({plain(c) for c in seen}, key=lambda c: (isinstance(c, str), c))
        self.groups = None if groups is None else np.asarray(groups)
        if self.groups is not None and len(self.groups) != n_pool:
            raise ValueError(f"groups has {len(self.groups)} entries but the pool has {n_pool} rows")
        if isinstance(strategy, str) and strategy == "stratified":
            if self.groups is None:
                raise ValueError('strategy="stratified" needs groups= (one group per pool item)')
            strategy = StratifiedStrategy(self.groups)
        if scheduler is not None:
            from .distributed import PoolScorer

            strategy = PoolScorer.from_strategy("margin" if strategy in ("default", "hybrid", None) else strategy, scheduler,
                                                loader=loader, progress=progress)
        self.progress = bool(progress)
        if _is_torch_module(model):  # its output units are the classes, in this order
            model = as_adapter(model, classes=list(classes))
        classes = normalise_classes(classes)
        for i, label in self._initial.items():
            if not any(same(c, label) for c in classes):
                raise ValueError(f"initial: pool index {i} has label {label!r}, which is not one of the classes {classes[:20]}")
        self._session_args = dict(model=model, X_pool=rows, strategy=strategy, X_test=X_test, y_test=y_test,
                                  embeddings=embeddings, batch_size=batch_size, seed=seed)
        self._classes, self._annotator = classes, annotator
        self.batch_size = int(batch_size)
        self._store_given = store is not None
        self._oracle_ids: set = set()  # items this loop's simulate labelled
        self.background = background
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

        self.panel = LoopPanel(on_retrain=self.retrain)
        # one key scope (js/src/lib/keyboard.ts, KEY_SCOPE_CLASS): r retrains and "?" shows every key
        # wherever the focus is in the loop, the labelling part included
        self.view = VBox([])
        self.view.add_class("hitl-key-scope")
        self._bind(store if store is not None else AnnotationStore(), task)

    def _bind(self, store: AnnotationStore, task: str) -> None:
        """A fresh session and labelling widget over ``store``/``task``; resume from its labels."""
        from ..widgets.classify import ClassifyWidget

        args = self._session_args
        self.session = ActiveSession(args["model"], args["X_pool"], args["strategy"], X_test=args["X_test"],
                                     y_test=args["y_test"], embeddings=args["embeddings"],
                                     batch_size=args["batch_size"], seed=args["seed"])
        self.store, self.task = store, task
        self.classify = ClassifyWidget(self.items, self._classes, store=store, task=task,
                                       annotator=self._annotator, title="Label this batch")
        refuse_other_annotations(store, task, ("label",), "task")
        self.classify.on_label(self._on_label)
        self.resumed_from = len(self.classify.current_labels)
        if self.resumed_from:
            log.warning("hitl_widgets: ActiveLearningLoop resumed from %d labels stored for task %r in %r",
                        self.resumed_from, task, store)
        self.view.children = (self.classify, self.panel)
        self._round(first=True)  # resume from the store, train on what is known, query a batch

    # ------------------------------------------------------------------ public API
    @property
    def history(self) -> pd.DataFrame:
        """One row per round: round, n_labels, accuracy, macro_f1, seconds, query_seconds, fit_seconds.

        ``history.attrs`` name where its labels are: ``store`` (its repr), ``task``,
        ``resumed_from`` (stored labels the loop started from) and ``simulated`` (oracle labels).
        """
        history = self.session.history
        history.attrs.update(store=getattr(self, "_store_name", None) or repr(self.store), task=self.task, resumed_from=self.resumed_from,
                             simulated=bool(self._oracle_ids))
        return history

    @property
    def batch(self) -> list[Hashable]:
        """Item ids of the batch on screen."""
        return list(self.classify.order)

    def add_baseline(self, name: str, history: pd.DataFrame, metric: str = "accuracy") -> None:
        """Draw another run's curve (e.g. ``hitl_widgets.active.simulate(..., "random")``) beside ours."""
        self._draw_baseline(name, history, metric)

    def simulate(self, oracle: Any, budget: int) -> pd.DataFrame:
        """Label batches from ``oracle`` until ``budget`` labels: the true label of every pool
        item (array, list, Series, tensor), or a function of the pool index.

        Labels go through the widget's own validation and the store, and each batch runs the same
        retrain round as a human's would (in this thread); the last batch is cut short at
        ``budget``. A round that fails raises here (with the panel's message).

        Oracle labels never mix with a human's or another run's: on a loop built without
        ``store=``, the first ``simulate`` moves the loop to its own in-memory store (a fresh
        session from the ``initial`` labels; ``hitl.db`` is not written); with a store you gave,
        a task that already holds labels this loop's ``simulate`` did not write is refused.

        A progress bar counts the labels (``progress=False`` on the loop hides it). Each batch is
        all or nothing: the oracle answers the whole batch before any label is stored, and when
        the batch's labels or its retrain are interrupted (``KeyboardInterrupt``, or an error) its
        labels are undone in the store (the log keeps the label and its undo, as for any undo), and
        the session, the model and the batch on screen are put back as they were before the batch:
        the rounds completed before it stay, and calling ``simulate`` again continues from there.
        """
        budget = check_int("budget", budget, 1)
        if isinstance(oracle, dict):
            raise TypeError("oracle must be the pool's labels in pool order (array, list, Series) or a function of "
                            "the pool position; for a dict keyed by pool position pass oracle.__getitem__")
        if callable(oracle):
            label_of = oracle
        else:
            truth = as_numpy(oracle)
            if len(truth) != self.session.n_pool:
                raise ValueError(f"oracle has {len(truth)} labels for a pool of {self.session.n_pool}")
            label_of = truth.__getitem__
        self.wait()  # a retrain the human started finishes first
        if not self._store_given and not self._oracle_ids:
            log.warning("hitl_widgets: ActiveLearningLoop.simulate runs in its own in-memory store "
                        "(the loop was built without store=, and oracle labels never go to hitl.db)")
            self._bind(AnnotationStore(":memory:"), self.task)
            self._store_given = True  # from now on this loop is the simulation's
            self._store_name = "in-memory store of this simulation"
        foreign = [i for i in self.classify.current_labels if i not in self._oracle_ids]
        if foreign:
            raise ValueError(
                f"simulate() would mix oracle labels with {len(foreign)} labels already stored for task "
                f"{self.task!r} in {self.store!r} (a human's, or another run's): use another task= or a "
                "fresh store, e.g. store=AnnotationStore(':memory:')"
            )
        background, self.background = self.background, False
        try:
            with progress_bar(budget, "simulating", self.progress, unit="label") as bar:
                bar.update(min(self._count_labels(), budget))
                while self.session.n_labels < budget and self.batch:
                    before, counted = self.session.n_labels, self._count_labels()
                    room = budget - counted
                    open_ = [i for i in self.batch if i not in self.classify.current_labels]
                    todo = open_[: max(room, 0)]
                    if self.error is not None and not open_:
                        # a failed round left nothing to label: try it again, as "retrain now" (r) would
                        self._start_round()
                        if self.error is not None:
                            raise RuntimeError(f"the active-learning round failed (tried again):\n{self.error}")
                        continue
                    # the oracle answers first: interrupting it stores nothing
                    answers = [(item_id, _oracle_label(label_of, self.items.position(item_id), item_id)) for item_id in todo]
                    self._label_batch(answers, cut=bool(todo) and len(todo) < len(open_))
                    bar.update(max(min(self._count_labels(), int(budget)) - counted, 0))
                    if self.error is not None:
                        raise RuntimeError(f"the active-learning round failed:\n{self.error}")
                    if self.session.n_labels == before:
                        break
        finally:
            self.background = background
        return self.history

    def _label_batch(self, answers: list[tuple[Hashable, Any]], cut: bool) -> None:
        """Store a batch of oracle labels and run its round (the last label starts it; ``cut``: the
        batch was cut at the budget, so start it here) — all or nothing (see ``simulate``)."""
        saved = (copy.deepcopy(self.session.adapter), {k: _shallow(getattr(self.session, k)) for k in _SESSION_STATE},
                 list(self.classify.order), dict(self.classify._proposals))
        try:
            for item_id, label in answers:  # the last label of a batch starts its round (in this thread)
                self._oracle_ids.add(item_id)
                self.classify.record_label(item_id, label, source="oracle")
            if cut:
                self._start_round()  # retrain on what there is
        except BaseException:
            # the batch's items had no label: those that have one now were stored (even when the
            # interrupt came after the store, in a listener) and are undone
            stored = [i for i, _ in answers if i in self.classify.current_labels]
            for item_id in reversed(stored):
                self.classify._undo(item_id)
            self._oracle_ids.difference_update(i for i, _ in answers)
            adapter, state, order, proposals = saved
            self.session.adapter = adapter
            for name, value in state.items():
                setattr(self.session, name, value)
            self.classify._proposals = proposals
            self.classify.send({"type": "invalidate"})
            if list(self.classify.order) != order:
                self.classify.set_queue(order)
            self._refresh_panel()
            raise

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return with_static(self.view._repr_mimebundle_(**kwargs), self)

    def _static_card(self) -> Any:
        """The panel's card: the learning curve so far and the last round's figures."""
        card = self.panel._static_card()
        card.title = type(self).__name__
        return card

    # ------------------------------------------------------------------ the round
    @staticmethod
    def _parse_initial(initial: Any, n: int) -> dict[int, Any]:
        if initial is None:
            return {}
        if isinstance(initial, pd.Series):
            pairs = list(initial.items())
        elif isinstance(initial, dict):
            pairs = list(initial.items())
        else:
            idx, labels = initial
            idx, labels = list(as_numpy(idx).ravel()), list(as_numpy(labels).ravel())
            if len(idx) != len(labels):
                raise ValueError(f"initial: {len(idx)} indices but {len(labels)} labels")
            pairs = list(zip(idx, labels))
        out = {}
        for i, label in pairs:
            i = int(i)
            if not 0 <= i < n:
                raise ValueError(f"initial: pool index {i} out of range (pool size {n})")
            out[i] = plain(label)
        return out

    def _on_label(self, event: dict) -> None:
        batch = self.batch
        if batch and all(i in self.classify.current_labels for i in batch) and not self.training:
            self._start_round()

    def _training_message(self) -> str:
        return f"retraining on {self._count_labels()} labels…"

    def _count_labels(self) -> int:
        return len(self._labels_by_position())

    def _labels_by_position(self) -> dict[int, Any]:
        """The initial labels, overridden by this annotator's current labels in the store."""
        labels = dict(self._initial)
        for item_id, label in self.classify.current_labels.items():
            labels[self.items.position(item_id)] = label
        return labels

    def _round(self, first: bool = False) -> None:
        """Teach every label, retrain, evaluate, query the next batch, update the view."""
        with self._lock:
            try:
                started = time.perf_counter()
                rows = len(self.session._rows)  # a round that fails after evaluating leaves no row
                labels = self._labels_by_position()
                self.panel.state = "training"
                if labels:
                    self.session.replace_labels(list(labels), list(labels.values()))
                    self.session.retrain()
                    self.session.evaluate()
                next_idx = self.session.query(self.batch_size)
                batch = [self.items.ids[int(i)] for i in next_idx]
                self._show_batch(batch, next_idx)
                self.panel.state = "idle"
                if not batch:
                    self.panel.message = f"pool exhausted: {self.session.n_labels} labels"
                elif labels:
                    self.panel.message = (
                        f"retrained on {self.session.n_labels} labels in {time.perf_counter() - started:.1f} s; "
                        f"label the next {len(batch)}"
                    )
                else:
                    self.panel.message = f"no model yet: label these {len(batch)} items to train the first one"
                if first and self.resumed_from:
                    self.panel.message = f"resumed from {self.resumed_from} stored labels of task {self.task!r}; {self.panel.message}"
                self.error = None
            except Exception as exc:  # shown in the panel; the labels are safe in the store
                self.error = traceback.format_exc()
                del self.session._rows[rows:]
                fallback = self._show_random_batch() if first else None
                self.panel.state, self.panel.message = "error", failed_round_message(exc, fallback, "item")
            finally:
                self._refresh_panel()

    def _show_random_batch(self) -> list[Hashable]:
        """Queue a random batch of unlabelled items: what a first round that failed shows (the new
        widget's queue would otherwise be the whole pool), to label while the model is fixed."""
        labelled = np.fromiter(self._labels_by_position(), dtype=np.int64)
        picked = RandomStrategy()(None, None, labelled, self.batch_size, self.session.rng, n=self.session.n_pool)
        batch = [self.items.ids[int(i)] for i in picked]
        if batch:  # (none open: nothing to queue)
            self.classify.set_queue(batch)
        return batch

    def _show_batch(self, batch: list, pool_idx: np.ndarray) -> None:
        proba = self.session.last_proba if self.session.fitted else None
        proposals = {}
        rows = None
        if proba is not None and len(batch):
            proba = np.asarray(proba)
            if proba.ndim == 3:  # Monte-Carlo samples (T, N, C): propose from their mean
                proba = proba.mean(axis=0)
            rows = proba[np.asarray(pool_idx, dtype=np.int64)]
        elif self.session.fitted and len(batch):  # scored on Dask: only the batch's own rows came back
            rows = getattr(self.session.strategy, "last_batch_proba", None)
        if rows is not None:
            classes = np.asarray(self.session.adapter.classes_)
            known = set(self.classify.classes)
            for item_id, row in zip(batch, rows):
                label = plain(classes[int(np.argmax(row))])
                if label in known:
                    proposals[item_id] = (label, float(np.max(row)))
        self.classify.set_proposals(proposals)
        if batch:
            self.classify.set_queue(batch)

    def _refresh_panel(self) -> None:
        history = self.session.history
        self.panel.history = [
            {"n_labels": int(r.n_labels),
             "accuracy": None if not np.isfinite(r.accuracy) else float(r.accuracy),
             "macro_f1": None if not np.isfinite(r.macro_f1) else float(r.macro_f1)}
            for r in history.itertuples()
        ]
        labels = self._labels_by_position()
        counts = pd.Series(list(labels.values()), dtype=object).value_counts() if labels else pd.Series(dtype=int)
        self.panel.class_counts = [[str(c), int(counts.get(c, 0))] for c in self.classify.classes]
        if self.groups is not None:
            pool_counts = pd.Series(self.groups).value_counts()
            labelled = pd.Series(self.groups[list(labels)]).value_counts() if labels else pd.Series(dtype=int)
            self.panel.group_counts = [[str(g), int(labelled.get(g, 0)), int(n)] for g, n in pool_counts.items()]


def _default_items(rows: PoolRows) -> Any:
    """What the human sees when ``items`` is not given: an image pool itself, a table's rows as texts
    (a Dask pool's rows each computed when shown)."""
    pool = rows.pool
    if rows.kind in ("array", "frame"):
        if rows.kind == "array" and pool.ndim not in (2, 3, 4):
            raise ValueError(f"pass items= (what the human sees): the pool has shape {pool.shape}, neither images "
                             "(N, H, W[, C]) nor a table (N, features)")
        return PoolView(rows)
    if rows.kind == "files":
        return list(pool)
    arr = as_numpy(pool)
    if arr.ndim in (3, 4):
        return arr
    if arr.ndim != 2:
        raise ValueError(f"pass items= (what the human sees): the pool has shape {arr.shape}, neither images "
                         "(N, H, W[, C]) nor a table (N, features)")
    names = [str(c) for c in pool.columns] if isinstance(pool, pd.DataFrame) else None
    return [row_text(n, row, names) for n, row in enumerate(arr)]


def failed_round_message(exc: BaseException, fallback: Sequence[Any] | None, noun: str, *,
                         needs_proposals: bool = False) -> str:
    """What the panel says when a round failed: the error, and what is on screen meanwhile: the batch
    that was there (``fallback`` None), or ``fallback``, a random batch that replaced a first round's;
    ``needs_proposals``: a first round failed for a task whose items are judged on the model's
    proposals (``LoopTask.needs_proposals``), so there is nothing to label until a round works.

    Example:
        >>> failed_round_message(RuntimeError("fit failed"), [3, 7], "item")
        'retrain failed: RuntimeError: fit failed. Label these 2 items (drawn at random) meanwhile: the next round tries again'
    """
    said = f"retrain failed: {type(exc).__name__}: {exc}. "
    if needs_proposals:
        return said + f"A {noun} is judged on the model's proposals, so there is nothing to label until a round works: retrain now (r) to try again"
    if fallback is None:
        return said + "The batch on screen stays: the next round (r, or the batch's last label) tries again"
    if not fallback:
        return said + f"Every {noun} is labelled: the next round (r) tries again"
    return said + f"Label these {len(fallback)} {noun}s (drawn at random) meanwhile: the next round tries again"


def _oracle_label(label_of: Any, position: int, item_id: Hashable) -> Any:
    """The oracle's label for one pool position, or a ValueError naming it when it has none."""
    try:
        label = plain(label_of(position))
    except (KeyError, IndexError) as exc:
        raise ValueError(f"oracle has no label for pool position {position} (item {item_id!r}): {exc!r}") from None
    if not isinstance(label, (list, tuple, set, frozenset)) and is_missing(label):
        raise ValueError(f"oracle has no label for pool position {position} (item {item_id!r}): it gave {label!r}")
    return label
