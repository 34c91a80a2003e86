"""The retrain round both active-learning loops share: one at a time, on a background thread or not.

A loop that mixes in :class:`BackgroundRounds` provides ``_round()`` (fit, score, query the next
batch), ``_training_message()`` (what the panel says while it runs), a ``panel`` (a ``LoopPanel``)
and a ``background`` flag. It gets ``training``, ``wait()``, ``retrain()`` and ``_start_round()``.

Example:
    >>> class Loop(BackgroundRounds):
    ...     background, rounds = False, 0
    ...     def __init__(self): self._thread = None
    ...     def _round(self): self.rounds += 1
    ...     def _training_message(self): return "retraining…"
    >>> loop = Loop(); loop.retrain(), loop.rounds
    (True, 1)
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd

#: the kinds of annotation the loops' widgets keep: ClassifyWidget, BBoxAnnotator, SegmentationCanvas, RetrievalVerifier
LOOP_KINDS = ("label", "boxes", "masks", "judge")


def refuse_other_annotations(store: Any, task: str, own: tuple[str, ...], option: str) -> None:
    """A loop resumes from its task's annotations: a task holding another loop's kind of annotation
    (boxes where this loop keeps class labels) would be ignored, then mixed with this loop's; refuse
    it, naming the kinds and the ``option`` that picks another task.

    Example:
        >>> from hitl_widgets.store import AnnotationStore
        >>> store = AnnotationStore(":memory:")
        >>> _ = store.record(task="t", item_id=0, kind="boxes", payload={"boxes": []})
        >>> refuse_other_annotations(store, "t", ("label",), "task")
        Traceback (most recent call last):
        ...
        ValueError: task 't' holds 1 annotation of another kind (boxes), not this loop's (label): give this loop another task=
    """
    held = store.current(task, kinds=tuple(k for k in LOOP_KINDS if k not in own))
    if len(held):
        kinds = ", ".join(sorted(set(held["kind"])))
        raise ValueError(f"task {task!r} holds {len(held)} annotation{'s' if len(held) > 1 else ''} of another kind ({kinds}), "
                         f"not this loop's ({', '.join(own)}): give this loop another {option}=")


class BackgroundRounds:
    """Runs a loop's retrain rounds, one at a time (see the module docstring)."""

    background: bool
    panel: Any
    _thread: threading.Thread | None

    def _round(self) -> None:  # pragma: no cover - every loop defines its own
        raise NotImplementedError

    def _training_message(self) -> str:  # pragma: no cover - every loop defines its own
        raise NotImplementedError

    @property
    def training(self) -> bool:
        """True while a background retrain runs."""
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Block until a background retrain finishes."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def retrain(self) -> bool:
        """Retrain now on every annotation so far and query the next batch (False while one runs)."""
        if self.training:
            return False
        self._start_round()
        return True

    def _start_round(self) -> None:
        if self.background:
            self.panel.state, self.panel.message = "training", self._training_message()
            self._thread = threading.Thread(target=self._round, name="hitl-retrain", daemon=True)
            self._thread.start()
        else:
            self._round()

    def _draw_baseline(self, name: str, history: pd.DataFrame, metric: str) -> None:
        """Draw another run's curve (its ``n_labels`` against ``metric``) beside this loop's."""
        points = [[int(n), float(v)] for n, v in zip(history["n_labels"], history[metric]) if np.isfinite(v)]
        self.panel.baselines = {**self.panel.baselines, name: points}
