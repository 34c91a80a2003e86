"""Speed of hitl_widgets.metrics agreement functions against reference packages, same run.

    python benchmarks/agreement_speed.py

Prints median wall times over several repeats and the ratio ours / peer (< 1: ours is faster):
* ``krippendorff_alpha`` vs ``krippendorff.alpha`` on 20 raters x 200,000 units, integer
  values 0..4 with 30% missing, at all four levels of measurement;
* ``cohen_kappa`` vs ``sklearn.metrics.cohen_kappa_score`` on 1,000,000 pairs (5 labels).
Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from hitl_widgets.metrics import cohen_kappa, krippendorff_alpha

REPEATS = 7


def median_times(ours: Callable[[], float], peer: Callable[[], float]) -> tuple[tuple[float, float], ...]:
    """Median seconds of each, repeats interleaved so both see the same machine load; and values."""
    values = (ours(), peer())  # warm-up (imports, caches); also the values compared below
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(REPEATS):
        for fn, bucket in ((ours, times[0]), (peer, times[1])):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return (statistics.median(times[0]), values[0]), (statistics.median(times[1]), values[1])


def row(name: str, ours: tuple[float, float], peer: tuple[float, float], peer_name: str) -> None:
    print(
        f"{name:<28} ours {ours[0]:8.4f} s   {peer_name} {peer[0]:8.4f} s   "
        f"ours/peer {ours[0] / peer[0]:6.3f}   |diff| {abs(ours[1] - peer[1]):.1e}"
    )


def main() -> None:
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(0)
    data = rng.integers(0, 5, size=(20, 200_000)).astype(np.float64)
    data[rng.random(data.shape) < 0.3] = np.nan
    print(f"krippendorff alpha: 20 raters x 200,000 units, 30% missing, values 0..4; median of {REPEATS}")
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ours, peer = median_times(
            partial(krippendorff_alpha, data, level=level),
            partial(krippendorff.alpha, data, level_of_measurement=level),
        )
        row(f"krippendorff_alpha {level}", ours, peer, "krippendorff")

    a = rng.integers(0, 5, size=1_000_000)
    b = np.where(rng.random(a.size) < 0.7, a, rng.integers(0, 5, size=a.size))
    print(f"\ncohen kappa: 1,000,000 pairs, 5 labels; median of {REPEATS}")
    for weights in (None, "quadratic"):
        ours, peer = median_times(
            partial(cohen_kappa, a, b, weights=weights), partial(cohen_kappa_score, a, b, weights=weights)
        )
        row(f"cohen_kappa weights={weights}", ours, peer, "sklearn")


if __name__ == "__main__":
    main()
