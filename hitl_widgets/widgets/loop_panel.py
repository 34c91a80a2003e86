"""LoopPanel: the active-learning loop's status, live learning curve and label counts."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets

from ..reports import format_number
from ..static import StaticCard, curve_svg
from .base import STATIC, IntentError, IntentWidget, intent, static_file


def _value_text(value: Any) -> str:
    """A value of a history row as the card shows it: a float through ``format_number`` (0.9996 is
    "0.9996", not "1.000"; NaN is "–"), an int as it is, anything else as ``str``.

    Example:
        >>> _value_text(0.9996), _value_text(0.5), _value_text(40), _value_text(float("nan"))
        ('0.9996', '0.500', '40', '–')
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    return format_number(value, 3 if isinstance(value, float) else 0)


class LoopPanel(IntentWidget):
    """Display of an active-learning run (used by ``ActiveLearningLoop``).

    ``history`` rows are ``{"n_labels", "accuracy", "macro_f1"}`` (or the keys ``metrics`` names); ``baselines`` maps a name to
    ``[[n_labels, accuracy], ...]``; ``state`` is "idle", "training" or "error". The "retrain now"
    button (key r) calls ``on_retrain``.

    Example:
        >>> panel = LoopPanel()
        >>> panel.history = [{"n_labels": 20, "accuracy": 0.8, "macro_f1": 0.79}]
    """

    _esm = STATIC / "loop_panel.js"
    _css = STATIC / "loop_panel.css"
    history: traitlets.List[Any] = traitlets.List().tag(sync=True)
    #: the curves drawn: ``[key in the history rows, label]``
    metrics: traitlets.List[Any] = traitlets.List([["accuracy", "accuracy"], ["macro_f1", "macro-F1"]]).tag(sync=True)
    baselines = traitlets.Dict().tag(sync=True)
    state = traitlets.Unicode("idle").tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    class_counts: traitlets.List[Any] = traitlets.List().tag(sync=True)
    group_counts: traitlets.List[Any] = traitlets.List().tag(sync=True)

    def __init__(self, on_retrain: Callable[[], Any] | None = None, **kwargs: Any):
        static_file("loop_panel.js")
        super().__init__(**kwargs)
        self._on_retrain = on_retrain

    def _static_card(self) -> StaticCard:
        """The learning curve so far and the baselines (an SVG picture), and the last round."""
        card = StaticCard("Active learning", [("state", self.state), ("rounds", len(self.history))])
        if self.message:
            card.rows.append(("message", self.message))
        if not self.history:
            return card
        series: dict[str, list[tuple[float, float]]] = {}
        for key, label in self.metrics:
            points = [(float(r["n_labels"]), float(r[key])) for r in self.history if isinstance(r.get(key), (int, float))]
            if points:
                series[str(label)] = points
        for name, points in self.baselines.items():
            series[str(name)] = [(float(x), float(y)) for x, y in points]
        card.picture = curve_svg(series, dashed=[str(n) for n in self.baselines]) or None
        last = self.history[-1]
        card.rows.append(("last round", ", ".join(f"{k} {_value_text(last[k])}"
                                                  for k in ["n_labels", *(m for m, _ in self.metrics)] if k in last)))
        return card

    @intent("retrain")
    def _retrain_intent(self, content: dict) -> dict:
        if self._on_retrain is None:
            raise IntentError("nothing to retrain")
        started = self._on_retrain()
        if started is False:
            raise IntentError("a retrain is already running, or there are no labels yet")
        return self._ack(content)
