"""What a stored decision was made on: a short hash of it, stored with the decision and compared
when it is read back, and the warning that names the decisions left out because theirs differs
(VQAReview, YesNoReview, HallucinationFlagger, TranscriptReview).

Example:
    >>> judged_hash("What colour?", "red") == judged_hash("What colour?", "red")
    True
"""
from __future__ import annotations

import hashlib
import json

from ..coerce import _shown as shown_repr
from ..coerce import warn_user

__all__ = ["judged_hash", "warn_stale"]


def judged_hash(*parts: str) -> str:
    """A short hash (16 hex digits of SHA-256) of what a decision was made on (a question and an
    answer, a text), stored with the decision and compared when it is read back.

    Example:
        >>> judged_hash("What colour?", "red") == judged_hash("What colour?", "red") != judged_hash("What colour?", "blue")
        True
    """
    return hashlib.sha256(json.dumps(list(parts), separators=(",", ":")).encode("utf-8")).hexdigest()[:16]


def warn_stale(what: str, where: list) -> None:
    """Warn that ``what`` (e.g. "3 stored verdicts of task 'vqa' were given on another question or
    answer") is left out, naming the first items of ``where`` (item ids, or (item, model) pairs)."""
    shown = ", ".join(shown_repr(i) for i in where[:5]) + (" …" if len(where) > 5 else "")
    warn_user(f"{what}: {shown}. They stay in the store and are not shown (nor counted): review these again, "
              "or use another task=")
