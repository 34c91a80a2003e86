"""Timing shared by the benchmark scripts (a file starting with _ is no benchmark of its own).

    from _timing import median_seconds   # scripts run as `python benchmarks/<name>.py`
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(fn: Callable[[], object], repeats: int, warm_up: bool = False) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` (one untimed call first when ``warm_up``).

    Example: ``median_seconds(lambda: sorted(range(1000)), repeats=5)``
    """
    if warm_up:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
