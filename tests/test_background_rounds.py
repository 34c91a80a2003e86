"""BackgroundRounds: one retrain round at a time, in a thread or in the caller's."""
from __future__ import annotations

import doctest
import threading

import pandas as pd

from hitl_widgets.active import rounds
from hitl_widgets.active.loop import ActiveLearningLoop
from hitl_widgets.active.rounds import BackgroundRounds
from hitl_widgets.active.task_loop import TaskLoop


class _Panel:
    state, message, baselines = "idle", "", {}


class _Loop(BackgroundRounds):
    def __init__(self, background: bool) -> None:
        self.background, self.panel, self._thread = background, _Panel(), None
        self.release, self.started, self.rounds = threading.Event(), threading.Event(), 0

    def _round(self) -> None:
        self.started.set()
        self.release.wait(10)
        self.rounds += 1

    def _training_message(self) -> str:
        return f"retraining after {self.rounds} rounds…"


def test_the_doctest_passes():
    assert doctest.testmod(rounds).failed == 0


def test_a_background_round_runs_alone_and_wait_joins_it():
    loop = _Loop(background=True)
    assert loop.retrain() is True
    assert loop.started.wait(10)
    assert loop.training and loop.panel.state == "training" and loop.panel.message == "retraining after 0 rounds…"
    assert loop.retrain() is False  # one round at a time
    loop.release.set()
    loop.wait(10)
    assert not loop.training and loop.rounds == 1


def test_without_background_the_round_runs_in_the_callers_thread():
    loop = _Loop(background=False)
    loop.release.set()
    assert loop.retrain() is True and loop.rounds == 1 and loop._thread is None
    assert loop.panel.state == "idle"  # nothing said "training": it is over when retrain returns


def test_a_baseline_keeps_its_finite_points():
    loop = _Loop(background=False)
    loop._draw_baseline("random", pd.DataFrame({"n_labels": [10, 20, 30], "acc": [0.5, float("nan"), 0.7]}), "acc")
    assert loop.panel.baselines == {"random": [[10, 0.5], [30, 0.7]]}


def test_both_loops_share_it():
    assert issubclass(ActiveLearningLoop, BackgroundRounds) and issubclass(TaskLoop, BackgroundRounds)
    assert "retrain" not in vars(ActiveLearningLoop) and "retrain" not in vars(TaskLoop)
