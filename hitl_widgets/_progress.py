"""The progress bar of long work (pool scoring, ``simulate``, ``certify``, COCO export).

``tqdm.auto`` renders as a widget in a notebook and as text elsewhere. Every function that shows
one takes ``progress=True``; ``progress=False`` shows nothing. tqdm is imported on first use, so
``import hitl_widgets`` stays as fast as it was.
"""
from __future__ import annotations

from typing import Any


def progress_bar(total: int | None, desc: str, enabled: bool = True, unit: str = "it") -> Any:
    """A ``tqdm.auto`` bar over ``total`` steps (a bar that shows nothing when not ``enabled``).

    Use it as a context manager, so that an interrupted bar is closed too::

        with progress_bar(n, "scoring the pool", progress) as bar:
            ...
            bar.update(1)
    """
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, unit=unit, leave=False, dynamic_ncols=True)
