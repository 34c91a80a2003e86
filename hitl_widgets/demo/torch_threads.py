"""Run a block of torch work on a set number of CPU threads, then restore torch's setting: the demo
models are tiny, and one thread is fastest for them (and leaves the other cores to the kernel).
``seeded_torch``: a block seeded on its own fork of torch's global generator.

Example:
    >>> import torch
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    >>> torch.get_num_threads() == before
    True
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["torch_threads", "seeded_torch"]


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Within the block, torch uses ``threads`` CPU threads (``None`` or 0: torch's setting, unchanged)."""
    import torch

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def seeded_torch(seed: int | None, devices: tuple[int, ...] = ()) -> Iterator[None]:
    """Within the block, torch's global generator (CPU, and the CUDA ``devices``) is seeded with
    ``seed`` on a fork, restored after it: what draws from it in the block (a network's initial
    weights, dropout) is repeatable, and the session's own random state is left as it was.
    ``None``: the block draws from the session's generator, unseeded. Draws another thread makes
    from the global generator during the block are undone with the fork.

    Example:
        >>> import torch
        >>> _ = torch.manual_seed(5); after = torch.rand(1)
        >>> _ = torch.manual_seed(5)
        >>> with seeded_torch(0):
        ...     a = torch.rand(1)
        >>> with seeded_torch(0):
        ...     torch.equal(torch.rand(1), a)
        True
        >>> torch.equal(torch.rand(1), after)
        True
    """
    import torch

    with torch.random.fork_rng(devices=list(devices), enabled=seed is not None):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield
