"""A widget driven through its message dispatch, as a browser would: each intent gets the next seq,
and the widget's answer is returned (the test files' shared ``Recorder``)."""
from __future__ import annotations

from typing import Any


class Recorder:
    """``Recorder(w).intent("label", item_id=0, label="cat")`` → the widget's reply; ``sent``: every message."""

    def __init__(self, w: Any):
        self.w, self.sent, self.seq = w, [], 0
        w.send = lambda content, buffers=None: self.sent.append(content)

    def intent(self, type_: str, **fields: Any) -> dict:
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "t", "seq": self.seq, **fields}, [])
        return self.sent[-1]
