"""YesNoReview: one yes / no answer per item — the smallest complete widget, and the worked
example of docs/architecture.md (its front end is js/src/widgets/yesno.ts).

Everything it does not declare comes from the kit: media serving, the queue, retries and stale
answers (IntentWidget), the commit path and undo (ItemsWidget), n_done (ReviewWidget).
"""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

import pandas as pd
import traitlets

from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import STATIC, IntentError, ReviewWidget, intent, static_file

ANSWERS = ("yes", "no")


class YesNoReview(ReviewWidget):
    """Answer one question about every item: ``y`` yes, ``n`` no, ``Backspace`` undo.

    Example:
        >>> import numpy as np
        >>> w = YesNoReview(np.zeros((3, 8, 8), np.uint8), question="Sharp enough?",
        ...                 store=AnnotationStore(":memory:"))
        >>> w.answer(0, "yes")
        1
        >>> w.answers[["item_id", "answer"]].values.tolist()
        [[0, 'yes']]
    """

    _esm = STATIC / "yesno.js"
    _css = STATIC / "yesno.css"
    question = traitlets.Unicode("Keep this item?").tag(sync=True)
    _state_kinds: ClassVar[tuple[str, ...]] = ("answer",)  # an undo re-reads these (store.latest)

    def __init__(
        self,
        items: Any,
        question: str = "Keep this item?",
        store: AnnotationStore | None = None,
        task: str = "yesno",
        queue: QueueSpec = None,
        annotator: str | None = None,
    ):
        static_file("yesno.js")
        if not isinstance(question, str) or not question.strip():
            raise ValueError(f"question must be a non-empty str, not {question!r}")
        self._current: dict[Hashable, str] = {}  # item id -> "yes" / "no": state before the queue
        super().__init__(items, store=store, task=task, queue=queue, annotator=annotator, question=question)
        self.position = self._first_open()

    # ------------------------------------------------------------------ public API
    @property
    def answers(self) -> pd.DataFrame:
        """Current answers: item_id, answer ("yes" / "no"), annotator, event_id, created_at."""
        cur = self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator)
        df = pd.DataFrame({
            "item_id": cur["item_id"], "answer": [p["answer"] for p in cur["payload"]],
            "annotator": cur["annotator"], "event_id": cur["event_id"], "created_at": cur["created_at"],
        })
        return df[df["item_id"].map(lambda i: i in self.items)].reset_index(drop=True)

    def answer(self, item_id: Hashable, answer: str) -> int:
        """Store an answer from code, validated as the view's are (the same intent: the view is told);
        returns the event id."""
        item_id, answer = self._item_id({"item_id": item_id}), self._check(answer)  # refused as IntentError, as before
        return int(self._intent_from_code("answer", item_id=item_id, answer=answer)["event_id"])

    # ------------------------------------------------------------------ state (the kit's hooks)
    def _load(self) -> None:
        for row in self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator).itertuples():
            if row.item_id in self.items:
                self._current[row.item_id] = row.payload["answer"]

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is None:
            self._current.pop(key, None)
        else:
            self._current[key] = event["payload"]["answer"]

    def _label(self, key: Hashable) -> Any:
        return self._current.get(key)

    def _is_done(self, item_id: Hashable) -> bool:
        return item_id in self._current

    def _done_candidates(self) -> list[Hashable]:
        return list(self._current)  # a recount looks at the items with a state only

    def _item_info(self, item_id: Hashable) -> dict:
        return {"answer": self._current.get(item_id)}

    def _item_state(self, item_id: Any) -> dict:
        return {"answer": self._current.get(item_id)}

    # ------------------------------------------------------------------ intents (browser → kernel)
    @staticmethod
    def _check(answer: Any) -> str:
        if answer not in ANSWERS:
            raise IntentError(f"answer must be 'yes' or 'no', not {str(answer)[:40]!r}")
        return answer

    @intent("answer", last_wins=True)
    def _on_answer(self, content: dict) -> dict:
        item_id = self._item_id(content)
        return self._answer(content, self._commit(item_id, "answer", {"answer": self._check(content.get("answer"))}))

    @intent("undo", last_wins=True)
    def _on_undo(self, content: dict) -> dict:
        return self._answer(content, self._undo(self._item_id(content)))
