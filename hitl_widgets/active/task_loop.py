"""TaskLoop: active learning for any annotation widget — the model picks, the human annotates, the model retrains.

One round for every task of ``hitl_widgets.active.tasks``: displaying the loop shows the batch in
the task's widget (``ClassifyWidget``, ``BBoxAnnotator``, ``SegmentationCanvas``,
``RetrievalVerifier``) with the model's output as proposals to accept or fix,
above the ``LoopPanel`` (status, the learning curve in the task's metric). When every image of the
batch is annotated (or on "retrain now", key r) the model retrains — in a background thread, so
the widget stays usable — on every annotation in the store, is evaluated on ``test``, and the next
batch is the most informative of the unlabelled images by the task's score. A round that fails
says why in the panel and in ``error``, and keeps the batch on screen (a first round: a random one).

``simulate(oracle, budget)`` runs the same rounds headless, the oracle's annotations going through
the widget's own checks into the store.

Example:
    >>> from hitl_widgets.demo.scenes import make_scenes
    >>> from hitl_widgets.demo.shape_models import NAMED_CLASSES, ShapeDetector, scene_boxes
    >>> from hitl_widgets.store import AnnotationStore
    >>> images, scenes = make_scenes(60, seed=0)
    >>> boxes = scene_boxes(scenes, by="name")
    >>> loop = TaskLoop(ShapeDetector(NAMED_CLASSES), images[:40], "boxes", NAMED_CLASSES, batch_size=5,
    ...                 test=(images[40:], boxes[40:]), store=AnnotationStore(":memory:"), background=False)
    >>> loop.simulate(boxes[:40], budget=15)["n_labels"].tolist()
    [5, 10, 15]
"""
from __future__ import annotations

import copy
import logging
import threading
import time
import traceback
from collections.abc import Hashable, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from .._progress import progress_bar
from ..coerce import check_int, plain
from ..items import Items
from ..static import with_static
from ..store import AnnotationStore
from .class_task import ClassTask
from .loop import failed_round_message
from .pool import is_empty_pool
from .rounds import BackgroundRounds, refuse_other_annotations
from .strategies import select, select_stratified
from .tasks import BoxTask, LoopTask, MaskTask

log = logging.getLogger("hitl_widgets")

_TASKS = {"boxes": BoxTask, "masks": MaskTask, "classes": ClassTask}


def as_task(task: Any, classes: Sequence[Any] | None) -> LoopTask:
    """A ``LoopTask`` from its name ("classes", "boxes", "masks") or a ``LoopTask`` itself."""
    if isinstance(task, LoopTask):
        return task
    if task == "pairs":
        raise ValueError('for image-text pairs pass task=PairTask(gallery_images, k=10): the loop needs the images to match')
    if task not in _TASKS:
        raise ValueError(f"task must be one of {sorted(_TASKS)} or a LoopTask, not {task!r}")
    if not classes:
        raise ValueError(f"task {task!r} needs classes=")
    return _TASKS[task](classes)


class TaskLoop(BackgroundRounds):
    """Active learning with a human in the loop for classes, boxes, masks or image–text pairs.

    Args:
        model: the task's model (see ``hitl_widgets.active.tasks`` for the methods each task calls:
            classes ``fit(X, labels)`` / ``predict_proba(X)``, a scikit-learn classifier or a torch
            module; boxes ``fit(images, box_tables)`` / ``predict(images)``; masks
            ``fit(images, label_maps)`` / ``predict_proba(images)``; pairs ``fit(images, texts)`` /
            ``similarity(images, texts)``).
        images: the pool (``Items`` or anything it accepts: an image array, paths, texts, ...).
        task: "classes", "boxes", "masks", or a ``LoopTask`` (``ClassTask(classes, features=X)``,
            ``PairTask(gallery)``).
        classes: the classes (masks: a semantic canvas's classes; label ``k`` is ``classes[k - 1]``).
        strategy: one of the task's ``strategies`` ("default", "random", and the task's single
            scores) or a callable ``predictions -> one score per image`` (higher: asked first).
            "default" is the task's rule, unless the model names its own in ``default_strategy``
            (the demo ``DualEncoder``: "shown_random"); ``strategy_used`` says which.
        batch_size: images per round.
        test: ``(test_images, test_annotations)`` for the learning curve (the task's metric).
        store: where the annotations go (default ``hitl.db``); annotations already stored for
            ``task_name`` are picked up, so a restarted kernel resumes.
        task_name: the task's name in the store.
        background: retrain in a background thread (False: in the calling thread).
        seed: the random order of the first batch (before there is a model) and of "random".
        groups: one group per pool item (a stratum: site, device, subgroup): every batch is then
            split by per-group quotas (``stratified_quota``: the groups with the fewest labels so far
            get the most), the strategy's best items within each (random ones before the first
            model); the panel shows labelled / pool per group. Not with a strategy that picks a
            batch as a whole (the pairs' "shown_margin" and "shown_random").
    """

    def __init__(
        self,
        model: Any,
        images: Any,
        task: Any,
        classes: Sequence[Any] | None = None,
        strategy: Any = "default",
        batch_size: int = 5,
        test: tuple[Any, Any] | None = None,
        initial: dict[Hashable, Any] | None = None,
        store: AnnotationStore | None = None,
        task_name: str | None = None,
        annotator: str | None = None,
        background: bool = True,
        seed: int | None = 0,
        progress: bool = True,
        groups: Sequence[Any] | None = None,
    ):
        from ipywidgets import VBox

        from ..widgets.loop_panel import LoopPanel

        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.task: LoopTask = as_task(task, classes)
        self.strategy = self.task.check_strategy(strategy)
        #: the strategy the rounds use: "default" resolved by the model's own ``default_strategy``
        self.strategy_used = self.task.default_for(model) if self.strategy == "default" else self.strategy
        self.task.prepare(self.strategy_used)
        self.model = model
        if is_empty_pool(images):
            raise ValueError("the pool is empty: nothing to query")
        self.items = images if isinstance(images, Items) else Items(images)
        self.groups = self._check_groups(groups)
        self.batch_size = int(batch_size)
        self.test = self._check_test(test)
        self.initial = self._check_initial(initial)
        self.rng = np.random.default_rng(seed)
        self.progress = bool(progress)
        self.background = background
        self.fitted = False
        #: the classes no annotation showed when the batch on screen was chosen (the default explores for them)
        self.unseen: list[Any] = []
        self._explored = 0  # how many of the batch on screen were drawn at random to explore
        self._proposed: tuple[list[Hashable], list[Any]] | None = None  # the batch on screen's proposals
        self.error: str | None = None
        self._rows: list[dict] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._oracle_ids: set = set()
        self.store = store if store is not None else AnnotationStore()
        self.task_name = task_name or f"active-{self.task.name}"
        self.widget = self.task.make_widget(self.items, self.store, self.task_name, annotator)
        refuse_other_annotations(self.store, self.task_name, tuple(self.widget._state_kinds), "task_name")
        self.widget.on_label(self._on_label)
        self.panel = LoopPanel(on_retrain=self.retrain)
        self.panel.metrics = [[self.task.metric, self.task.metric]]
        self.view = VBox([self.widget, self.panel])
        self.view.add_class("hitl-key-scope")
        self.resumed_from = len(self.annotations)
        if self.resumed_from:
            log.warning("hitl_widgets: TaskLoop resumed from %d annotated images of task %r", self.resumed_from, self.task_name)
        self._round(first=True)

    # ------------------------------------------------------------------ public API
    @property
    def annotations(self) -> dict[Hashable, Any]:
        """The annotated images of the pool: ``{item_id: annotation}`` (the form the model's ``fit`` takes)."""
        return self.task.annotations(self.widget)

    @property
    def history(self) -> pd.DataFrame:
        """One row per round: round, n_labels (annotated images), the task's metric on ``test`` (NaN
        without one), seconds (fit + scoring)."""
        return pd.DataFrame(self._rows, columns=["round", "n_labels", self.task.metric, "seconds"])

    @property
    def batch(self) -> list[Hashable]:
        """Item ids of the batch on screen."""
        return list(self.widget.order)

    def add_baseline(self, name: str, history: pd.DataFrame) -> None:
        """Draw another run's curve (e.g. a ``strategy="random"`` loop's ``history``) beside ours."""
        self._draw_baseline(name, history, self.task.metric)

    def simulate(self, oracle: Any, budget: int) -> pd.DataFrame:
        """Annotate batches from ``oracle`` (one annotation per pool image, in pool order, or a function
        of the pool position) until ``budget`` images are annotated; each batch runs the round a
        human's would (in this thread). Every oracle answer of a batch is checked before any is
        stored; an interrupted batch is undone in the store. Refuses a task already holding
        annotations this loop's ``simulate`` did not write."""
        budget = check_int("budget", budget, 1)
        if callable(oracle):
            answer = oracle
        else:
            truth = list(oracle)
            if len(truth) != len(self.items):
                raise ValueError(f"oracle has {len(truth)} annotations for a pool of {len(self.items)} {self.task.noun}s")
            answer = truth.__getitem__
        self.wait()
        foreign = [i for i in self.annotations if i not in self._oracle_ids]
        if foreign:
            raise ValueError(f"simulate() would mix oracle annotations with {len(foreign)} already stored for task "
                             f"{self.task_name!r} (a human's, or another run's): use another task_name= or a fresh store")
        background, self.background = self.background, False
        try:
            with progress_bar(budget, "simulating", self.progress, unit="label") as bar:
                bar.update(min(len(self._known()), budget))
                while len(self._known()) < budget and self.batch:
                    done = self._known()
                    before = len(done)
                    todo = [i for i in self.batch if i not in done][: budget - before]
                    if self.error is not None and (not todo or (self.task.needs_proposals and self._proposed is None)):
                        # a failed round left nothing to annotate: try it again, as "retrain now" (r) would
                        self._start_round()
                        if self.error is not None:
                            raise RuntimeError(f"the active-learning round failed (tried again):\n{self.error}")
                        continue
                    if not todo:
                        break
                    answers = [(i, self.task.check(answer(self.items.position(i)), f"oracle, {self.task.noun} {i!r}")) for i in todo]
                    self._store_batch(answers)
                    bar.update(len(self._known()) - before)
                    if self.error is not None:
                        raise RuntimeError(f"the active-learning round failed:\n{self.error}")
        finally:
            self.background = background
        return self.history

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return with_static(self.view._repr_mimebundle_(**kwargs), self)

    def _static_card(self) -> Any:
        """The panel's card: the learning curve so far and the last round's figures."""
        card = self.panel._static_card()
        card.title = type(self).__name__
        return card

    # ------------------------------------------------------------------ the round
    def _check_test(self, test: Any) -> tuple[list, list] | None:
        if test is None:
            return None
        data, truths = test
        inputs, truths = self.task.test_inputs(data), list(truths)
        if len(truths) != len(inputs):
            raise ValueError(f"test has {len(inputs)} inputs but {len(truths)} annotations")
        return inputs, [self.task.check(t, f"test item {n}") for n, t in enumerate(truths)]

    def _store_batch(self, answers: list[tuple[Hashable, Any]]) -> None:
        """Store a batch's oracle annotations (the last of a whole batch starts its round; a batch cut
        at the budget starts it here) — all or nothing."""
        stored: list[Hashable] = []
        done, answered = self.annotations, {i for i, _ in answers}
        cut = any(i not in done and i not in answered for i in self.batch)
        task_rng = getattr(self.task, "rng", None)
        saved = (len(self._rows), self.fitted, self.batch, copy.deepcopy(self.rng), copy.deepcopy(task_rng))
        shown = (self._proposed, self.unseen, self._explored, self.panel.state, self.panel.message)
        try:
            for item_id, annotation in answers:
                self._oracle_ids.add(item_id)
                stored.append(item_id)
                self.task.record(self.widget, item_id, annotation)
            self._refuse_uncounted([i for i, _ in answers])
            if cut:
                self._start_round()
        except BaseException:
            for item_id in reversed(stored):
                self.task.undo(self.widget, item_id)
            self._oracle_ids.difference_update(stored)
            # the round it started, if any: its history row, its draws, its next batch and that batch's
            # proposals and message go too (the model is refit from every annotation by the next round)
            n_rows, self.fitted, batch, self.rng, rng = saved
            proposed, self.unseen, self._explored, self.panel.state, self.panel.message = shown
            del self._rows[n_rows:]
            if task_rng is not None:
                cast(Any, self.task).rng = rng
            if batch and self.batch != batch:
                self.widget.set_queue(batch)
            self._show_history()
            if proposed is not None and self._proposed is not proposed:
                self._proposed = proposed
                self.task.propose(self.widget, *proposed)
            raise

    def _refuse_uncounted(self, todo: list[Hashable]) -> None:
        """An oracle answer stored but not counted as an annotation (an empty box table, a mask with
        no labelled pixel) would be asked for again forever: say which (``_store_batch`` undoes the
        batch before its round starts)."""
        known = self._known()
        uncounted = [i for i in todo if i not in known]
        if not uncounted:
            return
        raise ValueError(
            f"oracle, {self.task.noun} {uncounted[0]!r}: its annotation is empty (no box, or no labelled pixel), "
            f"which this task does not count as an annotation ({len(uncounted)} such in this batch; the "
            f"batch is undone): give every {self.task.noun} the loop queries a non-empty annotation"
        )

    def _on_label(self, event: dict) -> None:
        batch = self.batch
        done = self.annotations
        if batch and all(i in done for i in batch) and not self.training:
            self._start_round()

    def _training_message(self) -> str:
        return f"retraining on {len(self._known())} {self.task.noun}s…"

    def _inputs(self, ids: Sequence[Hashable]) -> list[Any]:
        return self.task.inputs(self.items, ids)

    def _check_groups(self, groups: Any) -> np.ndarray | None:
        if groups is None:
            return None
        values = np.asarray([plain(g) for g in groups], dtype=object)
        if len(values) != len(self.items):
            raise ValueError(f"groups has {len(values)} entries but the pool has {len(self.items)} {self.task.noun}s")
        missing = [n for n, g in enumerate(values) if g is None or (isinstance(g, float) and np.isnan(g))]
        if missing:
            raise ValueError(f"groups: pool position {missing[0]} has no group ({len(missing)} such)")
        kinds = ["number" if isinstance(g, (int, float)) else type(g).__name__ for g in values]
        odd = [n for n, k in enumerate(kinds) if k != kinds[0]]
        if odd:
            raise ValueError(f"groups mixes kinds of value: pool position 0 is a {kinds[0]} ({values[0]!r}), position "
                             f"{odd[0]} a {kinds[odd[0]]} ({values[odd[0]]!r}); give every item's group as one kind")
        if not callable(self.strategy_used) and self.strategy_used in self.task.whole_batch:
            raise ValueError(f"strategy {self.strategy_used!r} picks the batch as a whole, so it cannot take per-group "
                             f"quotas: with groups= use one of the task's scores or 'random'")
        return values

    def _check_initial(self, initial: Any) -> dict[Hashable, Any]:
        if initial is None:
            return {}
        if not isinstance(initial, dict):
            raise ValueError("initial must be a dict {item_id: annotation}")
        out = {}
        for raw, annotation in initial.items():
            item_id = plain(raw)
            if item_id not in self.items:
                raise ValueError(f"initial: unknown item id {item_id!r}")
            out[item_id] = self.task.check(annotation, f"initial, item {item_id!r}")
        return out

    def _known(self) -> dict[Hashable, Any]:
        """What the model learns from: the initial annotations, overridden by the stored ones."""
        return {**self.initial, **self.annotations}

    def _round(self, first: bool = False) -> None:
        """Fit on every annotation, evaluate, score the unlabelled images, show the next batch (a
        ``first`` round that fails shows a random batch: the new widget's queue is the whole pool)."""
        with self._lock:
            try:
                started = time.perf_counter()
                rows = len(self._rows)  # a round that fails after evaluating leaves no row
                self.panel.state = "training"
                done = self._known()
                if done:
                    ids = list(done)
                    self.task.fit(self.model, self._inputs(ids), [done[i] for i in ids])
                    self.fitted = True
                open_ids = [i for i in self.items.ids if i not in done]
                self.unseen = self._unseen(done)
                predictions = self.task.predict(self.model, self._inputs(open_ids)) if self.fitted and open_ids else None
                batch = self._choose(open_ids, predictions)
                seconds = time.perf_counter() - started
                if done:
                    score = float("nan")
                    if self.test is not None:
                        score = self.task.evaluate(self.task.predict(self.model, self.test[0]), self.test[1])
                    self._rows.append({"round": len(self._rows), "n_labels": len(done), self.task.metric: score, "seconds": seconds})
                if predictions is not None and batch:
                    at = {i: n for n, i in enumerate(open_ids)}
                    proposed = (batch, [predictions[at[i]] for i in batch])
                    self.task.propose(self.widget, *proposed)
                    self._proposed = proposed
                if batch:
                    self.widget.set_queue(batch)
                self.panel.state = "idle"
                noun = self.task.noun
                self.panel.message = (f"pool exhausted: {len(done)} {noun}s labelled" if not batch else
                                      f"retrained on {len(done)} {noun}s in {seconds:.1f} s; label the next {len(batch)}" if done else
                                      f"no model yet: label these {len(batch)} {noun}s to train the first one")
                if batch and self._explored:
                    names = ", ".join(str(c) for c in self.unseen[:5]) + (", …" if len(self.unseen) > 5 else "")
                    self.panel.message += (f" (exploring: {self._explored} of them drawn at random, since no "
                                           f"annotation shows {names} yet)")
                self.error = None
            except Exception as exc:  # shown in the panel; the annotations are safe in the store
                self.error = traceback.format_exc()
                del self._rows[rows:]
                nothing_to_judge = self.task.needs_proposals and self._proposed is None
                fallback = self._show_random_batch() if first and not nothing_to_judge else None
                self.panel.state, self.panel.message = "error", failed_round_message(
                    exc, fallback, self.task.noun, needs_proposals=nothing_to_judge)
            finally:
                self._show_history()

    def _show_random_batch(self) -> list[Hashable]:
        """Queue a random batch of the open items (within each group's quota): what a first round that
        failed shows, to annotate while the model is fixed."""
        done = self._known()
        batch = self._choose([i for i in self.items.ids if i not in done], None)
        if batch:  # (none open: nothing to queue)
            self.widget.set_queue(batch)
        return batch

    def _show_history(self) -> None:
        """The panel's curve: the rows so far (NaN scores as gaps)."""
        metric = self.task.metric
        self.panel.history = [{"n_labels": r["n_labels"], metric: None if not np.isfinite(r[metric]) else r[metric]}
                              for r in self._rows]
        if self.groups is not None:  # labelled / pool per group, as ActiveLearningLoop shows them
            known = self._known()
            labelled = pd.Series([self.groups[self.items.position(i)] for i in known], dtype=object).value_counts()
            self.panel.group_counts = [[str(g), int(labelled.get(g, 0)), int(n)]
                                       for g, n in pd.Series(self.groups, dtype=object).value_counts().items()]

    def _choose(self, open_ids: list[Hashable], predictions: list[Any] | None) -> list[Hashable]:
        """The next batch: random before the first model (and for "random"), else the top scores."""
        k = min(self.batch_size, len(open_ids))
        if k == 0:
            return []
        strategy = self.strategy_used
        self._explored = self._exploring(k) if predictions is not None else 0
        if (predictions is None or strategy == "random" or (strategy == "default" and self.task.default == "random")
                or self._explored == k):
            if self.groups is not None:  # random within each group's quota
                return self._by_quota(open_ids, self.rng.random(len(open_ids)), k)
            return [open_ids[int(i)] for i in self.rng.choice(len(open_ids), size=k, replace=False)]
        chosen = None if callable(strategy) else self.task.choose(predictions, k, strategy)
        if chosen is not None:
            picked = [int(i) for i in chosen]
            if len(picked) != k or len(set(picked)) != k or not all(0 <= i < len(open_ids) for i in picked):
                raise ValueError(f"the task's {strategy!r} batch must be {k} distinct positions among {len(open_ids)} open items, got {picked}")
            return [open_ids[i] for i in picked]
        if callable(strategy):
            scores = np.asarray(strategy(predictions), dtype=np.float64)
        else:
            scores = np.asarray(self.task.score(predictions, strategy), dtype=np.float64)
        if scores.shape != (len(open_ids),):
            raise ValueError(f"the strategy gave {scores.shape} scores for {len(open_ids)} images")
        if not np.isfinite(scores).all():
            raise ValueError(f"the strategy gave a NaN or infinite score for image {open_ids[int(np.argmax(~np.isfinite(scores)))]!r}")
        if self.groups is not None:
            return self._by_quota(open_ids, scores, k)
        picked = [int(i) for i in select(scores, k - self._explored)]
        if self._explored:  # a share of the batch random among the rest (see LoopTask.explores_unseen)
            rest = np.setdiff1d(np.arange(len(open_ids)), picked)
            picked += [int(i) for i in self.rng.choice(rest, size=self._explored, replace=False)]
        return [open_ids[i] for i in picked]

    def _exploring(self, k: int) -> int:
        """How many of a batch of ``k`` the default draws at random while a class has no annotation
        yet, for a task that explores so (``LoopTask.explores_unseen``: the share of the batch); else 0.
        With ``groups=`` an exploring batch is random within each group's quota."""
        share = float(self.task.explores_unseen)
        if not (share and self.unseen):
            return 0
        return k if self.groups is not None else min(k, max(1, round(k * share)))

    def _unseen(self, done: dict[Hashable, Any]) -> list[Any]:
        """The classes none of the round's annotations shows, when the default explores for them."""
        if self.strategy != "default" or self.strategy_used != "default" or not self.task.explores_unseen:
            return []
        return self.task.unseen_classes(list(done.values()))

    def _by_quota(self, open_ids: list[Hashable], scores: np.ndarray, k: int) -> list[Hashable]:
        """The top scores within each group's quota (``stratified_quota``: the groups with the fewest
        labels so far first), best first."""
        assert self.groups is not None
        is_open = np.zeros(len(self.items), dtype=bool)
        is_open[[self.items.position(i) for i in open_ids]] = True
        open_groups = self.groups[[self.items.position(i) for i in open_ids]]
        picked = select_stratified(scores, open_groups, k, labelled_groups=self.groups[~is_open])
        return [open_ids[int(i)] for i in picked]
