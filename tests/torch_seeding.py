"""A check shared by the torch adapters' tests: a seeded fit is repeatable, depends on its seed, and
leaves the session's own torch random state as it was.

    from torch_seeding import assert_seeded_fit
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


def assert_seeded_fit(fitted: Callable[[int], np.ndarray]) -> None:
    """``fitted(seed)`` fits a fresh model with ``seed`` and returns its predictions."""
    import torch

    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    a = fitted(3)
    assert torch.equal(torch.rand(3), expected), "a fit leaves the session's random state as it was"
    torch.manual_seed(99)  # another session state: a seeded fit does not depend on it
    np.testing.assert_array_equal(a, fitted(3))
    assert not np.array_equal(a, fitted(4))
