"""YesNoReview: one yes / no answer per item — the smallest complete widget, and the worked
example of docs/architecture.md (its front end is js/src/widgets/yesno.ts).

Everything it does not declare comes from the kit: media serving, the queue, retries and stale
answers (IntentWidget), the commit path and undo (ItemsWidget), n_done (ReviewWidget).

Each answer is one store event ``kind="answer"`` with payload ``{answer, judged}``: ``judged`` is a
short hash of the question it answers (``judged.judged_hash``), so that answers to one question never
show as answers to another one under the same task.
"""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import traitlets

from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import STATIC, IntentError, ReviewWidget, intent, static_file
from .judged import judged_hash, warn_stale

ANSWERS = ("yes", "no")


class YesNoReview(ReviewWidget):
    """Answer one question about every item: ``y`` yes, ``n`` no, ``Backspace`` undo.

    Each answer is stored with a hash of the question: stored answers to another question (the
    task ``"yesno"`` is shared by default) are left out of ``answers``, ``n_done`` and the view, with
    a warning naming the items (they stay in the store). Setting ``question`` later shows that
    question's answers. Answers stored without the hash (by an older version) count as before.

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
        self._ready = False  # the question set by the constructor is loaded by the constructor
        self._hashed: tuple[str | None, str] = (None, "")  # (question, its hash)
        super().__init__(items, store=store, task=task, queue=queue, annotator=annotator, question=question)
        self._ready = True
        self.position = self._first_open()

    # ------------------------------------------------------------------ public API
    @property
    def answers(self) -> pd.DataFrame:
        """Current answers: item_id, answer ("yes" / "no"), annotator, event_id, created_at."""
        cur = self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator)
        keep = np.array([i in self.items and self._fits(p) for i, p in zip(cur["item_id"], cur["payload"])], dtype=bool)
        cur = cur[keep].reset_index(drop=True)  # a mask, so that none kept still has the columns
        return pd.DataFrame({
            "item_id": cur["item_id"], "answer": [p["answer"] for p in cur["payload"]],
            "annotator": cur["annotator"], "event_id": cur["event_id"], "created_at": cur["created_at"],
        })

    def answer(self, item_id: Hashable, answer: str) -> int:
        """Store an answer from code, validated as the view's are (the same intent: the view is told);
        returns the event id."""
        item_id, answer = self._item_id({"item_id": item_id}), self._check(answer)  # refused as IntentError, as before
        return int(self._intent_from_code("answer", item_id=item_id, answer=answer)["event_id"])

    # ------------------------------------------------------------------ state (the kit's hooks)
    def _judged(self) -> str:
        """The hash of the question (what an answer answers), kept while the question stays."""
        question = self.question
        if self._hashed[0] != question:
            self._hashed = (question, judged_hash(question))
        return self._hashed[1]

    def _fits(self, payload: Any) -> bool:
        """Whether a stored answer answers the current question (one stored without the hash fits)."""
        judged = payload.get("judged") if isinstance(payload, dict) else None
        return judged is None or judged == self._judged()

    def _load(self) -> None:
        stale = []
        for row in self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator).itertuples():
            if row.item_id in self.items:
                if not self._fits(row.payload):
                    stale.append(row.item_id)
                    continue
                self._current[row.item_id] = row.payload["answer"]
        if stale:
            warn_stale(f"{len(stale)} stored answers of task {self.task!r} answer another question than "
                       f"{self.question[:60]!r}: item ids", stale)

    @traitlets.observe("question")
    def _question_changed(self, change: dict) -> None:
        """A new question: its answers are the ones shown and counted (the view refetches)."""
        if not self._ready:
            return
        self._current.clear()
        self._load()
        self._refresh_done()
        self.send({"type": "invalidate"})

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is None or not self._fits(event["payload"]):  # an undo back to another question's answer: none
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
        payload = {"answer": self._check(content.get("answer")), "judged": self._judged()}
        return self._answer(content, self._commit(item_id, "answer", payload))

    @intent("undo", last_wins=True)
    def _on_undo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        if item_id not in self._current:  # the item shows no answer: never cancel another question's unseen
            latest = self.store.latest(self.task, [item_id], kinds=self._state_kinds, annotator=self.annotator).get(item_id)
            if latest is not None and not self._fits(latest["payload"]):
                raise IntentError(f"nothing to undo for item {item_id!r}: its stored answer answers another question "
                                  "(it is not shown)")
        return self._answer(content, self._undo(item_id))
