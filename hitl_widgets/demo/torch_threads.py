"""Run a block of torch work on a set number of CPU threads, then restore torch's setting: the demo
models are tiny, and one thread is fastest for them (and leaves the other cores to the kernel).

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

__all__ = ["torch_threads"]


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
