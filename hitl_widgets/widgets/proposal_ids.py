"""Default ids of model proposals, from their content: the same proposal gets the same id in every run
of the model, so a stored accept or reject keeps its meaning when the model is run again (a
position in a ranked list would move with one extra detection or another score cutoff).

Example:
    >>> content_id({"class": "cat", "x": 10.0}) == content_id({"class": "cat", "x": 10.04})
    True
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["ID_DECIMALS", "content_id", "unique_id"]

#: a default proposal id hashes the proposal's geometry rounded to this many decimals (0.1 px), so
#: that a re-run's float noise keeps the id
ID_DECIMALS = 1


def _canonical(value: Any) -> Any:
    """``value`` with every float rounded to ``ID_DECIMALS`` (``-0.0`` as ``0.0``), tuples as lists."""
    if isinstance(value, float):
        return round(value, ID_DECIMALS) + 0.0
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    return value


def content_id(content: dict) -> str:
    """A proposal's default id from its content (its class and geometry; floats rounded to 0.1 px):
    ``p`` and 12 hex digits of a hash, the same for the same proposal in every run of the model.

    Example:
        >>> content_id({"class": "cat", "x": 10.0}) == content_id({"class": "cat", "x": 10.001})
        True
        >>> content_id({"class": "cat", "x": 10.0}) == content_id({"class": "dog", "x": 10.0})
        False
    """
    text = json.dumps(_canonical(content), sort_keys=True, separators=(",", ":"), default=repr)
    return "p" + hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def unique_id(base: str, taken: set) -> str:
    """``base``, or ``base-1``, ``base-2``, ... (the first not in ``taken``), added to ``taken``."""
    candidate, k = base, 0
    while candidate in taken:
        k += 1
        candidate = f"{base}-{k}"
    taken.add(candidate)
    return candidate
