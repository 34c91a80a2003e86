"""IngestionReview: triage a new data source before it joins a dataset. The checks of
``hitl_widgets.ingestion.scan`` flag items; a person decides each flagged item (or a whole group of
them) beside its evidence; ``review.accepted`` are the ids to ingest and ``review.require()`` stops a
pipeline until every flagged item has a decision.

Decisions: ``keep`` (ingest it as it is), ``drop`` (do not ingest), ``relabel`` (ingest it with
another class), ``not_a_problem`` (the finding is wrong: ingest it). An item's decision is one event
of kind ``ingest`` in ``task``; a decision on a whole group is one event of kind ``ingest_group`` in
``task + ":groups"`` (item id: the check's name) and applies to the group's items that have no decision
of their own. An item in several groups with group decisions: ``drop`` wins, else the first group's in
the order of ``CHECKS``. Items with no finding are accepted unless dropped (``review_clean=True``: they
need a decision too).

An item's decision stores the item's content digest (``content``: SHA-256, ``ingestion.Digest``), a
group's the ``[id, digest]`` of its members (``members``). Read back, a decision applies only to items
that hold the content it was made on: a new delivery under the same task does not inherit the last
one's decisions by position or check (a ``UserWarning`` names what is left out; the events stay in the
store). A decision stored without digests (older versions) applies as before.

Intents (browser -> kernel):

    {"type": "decide", "item_id", "decision", "label"?}       -> ack {decision, label, via}
    {"type": "undo", "item_id"}                               -> ack (the item's own decision undone)
    {"type": "decide_group", "group", "decision", "label"?}   -> ack {group, items: {id: state}}
    {"type": "undo_group", "group"}                           -> ack {group, items}
    {"type": "open_group", "group"}                           -> ack {group, ids}
    {"type": "evidence", "item_id"}   (unsequenced)           -> {"type": "evidence", item_id, findings, panes}
"""
from __future__ import annotations

import math
import os
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
import traitlets

from .. import remote
from ..coerce import plain, warn_user
from ..gates import GateNotPassed, clopper_pearson
from ..ingestion import CHECKS, TITLES, scan
from ..items import IMAGE_SUFFIXES, Items, _row_name, name_suffix
from ..store import AnnotationStore
from .base import STATIC, Committed, IntentError, ItemsWidget, intent, media_info, static_file
from .vqa import per_item

DECISIONS = ("keep", "drop", "relabel", "not_a_problem")
INGESTED = ("keep", "relabel", "not_a_problem")
CLEAN = "clean"  # the group of the items with no finding
MAX_GROUP_IDS = 200_000


class _Delivery(Items):
    """Items over file paths some of which may be missing: a missing file becomes a finding (and an
    item that shows its error), not an error of the constructor."""

    def _bind_strings(self, seq: list, kind: str, pathlike: bool, row: Callable[[int], str] = _row_name) -> list:
        names = [os.fspath(x) for x in seq]
        paths = kind == "image" or pathlike or any(
            name_suffix(x) in IMAGE_SUFFIXES for x in names)
        missing = [n for n, x in enumerate(names) if not remote.is_url(x) and not os.path.isfile(x)]
        if not missing or kind == "text" or not paths:  # texts, or every file there
            return super()._bind_strings(seq, kind, pathlike, row)
        present = next((x for x in names if x not in {names[m] for m in missing}), None)
        if present is None:  # every file is missing: checked against a file that exists
            present, kind = os.path.abspath(__file__), "image"
        stand_in = [present if n in set(missing) else x for n, x in enumerate(names)]
        bound = super()._bind_strings(stand_in, kind, pathlike, row)
        if self._texts:
            return bound
        for n in missing:
            bound[n] = names[n]
        return bound


def _named(ids: Sequence[Hashable], shown: int = 10) -> str:
    """Ids for a message: the first ``shown``, and how many more."""
    more = len(ids) - shown
    return f"{list(ids[:shown])}" + (f" and {more} more" if more > 0 else "")


def _as_items(data: Any, what: str) -> Items:
    if isinstance(data, Items):
        items = data
    else:
        try:
            items = _Delivery(data)
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from None
    if items.is_text:
        raise ValueError(
            f"{what} holds texts: the checks of IngestionReview are for images (a list of strings is read "
            "as texts when none has an image suffix and no file exists; image paths: "
            "Items(paths, kind='image'))")
    return items


class IngestionReview(ItemsWidget):
    """Review what the checks flag in a new data source; decide what is ingested.

    Keys: ``k`` keep, ``d`` drop, ``n`` not a problem, ``r`` then 1-9 relabel (the first nine classes; the others by their buttons);
    ``K`` ``D`` ``N`` ``R`` the same for every undecided item of the group; ``[`` / ``]`` previous /
    next group; arrows move; ``Backspace`` undo (the last decision, an item's or a group's); ``?`` help.

    Args:
        new: the new images (anything ``Items`` takes; missing files in a list of paths are findings).
            Texts are refused (ValueError): the checks are for images.
        existing: the dataset they join (anything ``Items`` takes), for duplicates, outliers, metadata.
        embed: a function (list of uint8 image arrays -> one vector per item) or a model with
            ``transform`` / ``encode`` / ``predict``; default the small offline feature
            (``checks.embed_images``).
        schema: ``checks.schema_violations``' schema (classes, channels, min_size, shape).
        store: the ``AnnotationStore``; task: its task.
        labels: the delivered labels of ``new`` (checked against ``schema["classes"]``): a list or
            array by position, or a Series (by its index) or dict keyed by item id (every item, no
            other id; never read by position).
        classes: the classes a relabel may pick (default ``schema["classes"]``).
        embeddings / existing_embeddings: precomputed vectors (DataFrame by item id, or an array by position).
        review_clean: items with no finding need a decision too.
        max_drop: the gate fails when more than this fraction of the new items is dropped.
        progress: progress bars while the items are read.
        Check parameters: k, quantile (outliers), max_hamming, min_cosine (near duplicates), max_z (metadata).

    Results: ``findings`` (item, check, problem, detail, evidence), ``decisions`` (item_id,
    decision, label, via, annotator, event_id), ``accepted`` (ids to ingest, in order), ``labels``
    (the label of each accepted item, relabels applied), ``status``, ``report``, ``require()``.
    """

    _esm = STATIC / "ingestion.js"
    _css = STATIC / "ingestion.css"
    groups: traitlets.List[Any] = traitlets.List().tag(sync=True)  # [{key, title, count, undecided}]
    classes: traitlets.List[Any] = traitlets.List().tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)
    n_done = traitlets.Int(0).tag(sync=True)  # flagged items with a decision
    thumb_size = traitlets.Int(96).tag(sync=True)
    _state_kinds: ClassVar[tuple[str, ...]] = ("ingest",)
    _own_state = False  # anyone's latest decision counts (as QualityGate's)

    def __init__(
        self,
        new: Any,
        existing: Any = None,
        embed: Any = None,
        schema: dict | None = None,
        store: AnnotationStore | None = None,
        task: str = "ingestion",
        *,
        labels: Sequence[Any] | pd.Series | Mapping[Hashable, Any] | None = None,
        classes: Sequence[Any] | None = None,
        embeddings: Any = None,
        existing_embeddings: Any = None,
        review_clean: bool = False,
        max_drop: float | None = None,
        k: int = 5,
        quantile: float = 0.99,
        max_hamming: int | None = 2,
        min_cosine: float = 0.97,
        max_z: float = 4.0,
        progress: bool = True,
        annotator: str | None = None,
        thumb_size: int = 96,
        title: str = "",
    ):
        static_file("ingestion.js")
        items = _as_items(new, "new")
        self.existing = None if existing is None else _as_items(existing, "existing")
        if labels is not None:  # a Series or dict by item id, never by position
            by_id = per_item("labels", labels, items, count="got {n} {name} for {total} new items")
            labels = [plain(v) for v in by_id.values()]
        if schema is not None and not isinstance(schema, dict):
            raise ValueError(f"schema must be a dict, not {type(schema).__name__}")
        if classes is None and schema and "classes" in schema:
            classes = list(schema["classes"])
        class_list = [plain(c) for c in classes] if classes is not None else []
        if len(set(map(repr, class_list))) != len(class_list):
            raise ValueError(f"classes must be distinct, got {class_list[:12]}")
        if max_drop is not None and not (isinstance(max_drop, (int, float)) and 0 <= max_drop <= 1):
            raise ValueError(f"max_drop must be a fraction in [0, 1], not {max_drop!r}")
        self._labels = None if labels is None else dict(zip(items.ids, labels))
        self.review_clean = bool(review_clean)
        self.max_drop = None if max_drop is None else float(max_drop)
        self.findings, self._digest, self._existing_digest = scan(
            items, self.existing, embed=embed, schema=schema, labels=labels, embeddings=embeddings,
            existing_embeddings=existing_embeddings, k=k, quantile=quantile, max_hamming=max_hamming,
            min_cosine=min_cosine, max_z=max_z, progress=progress,
        )
        self._content = self._digest.contents()  # item -> content digest, checked against stored decisions
        self._members: dict[str, list[Hashable]] = {}
        by_item: dict[Hashable, list[int]] = {}
        for n, (item, check) in enumerate(zip(self.findings["item"], self.findings["check"])):
            members = self._members.setdefault(check, [])
            if not members or members[-1] != item:
                members.append(item)
            by_item.setdefault(item, []).append(n)
        self._rows_of = by_item
        self._member_sets = {g: set(m) for g, m in self._members.items()}
        self._flagged = [i for i in items.ids if i in by_item]
        self._members[CLEAN] = [i for i in items.ids if i not in by_item]
        self._member_sets[CLEAN] = set(self._members[CLEAN])
        self._own: dict[Hashable, dict] = {}  # item -> its own decision (payload + event_id, annotator)
        self._group: dict[str, dict] = {}  # group -> its decision (covers: the members it applies to; None: all)
        super().__init__(items, store=store, task=task, annotator=annotator, classes=class_list,
                         thumb_size=int(thumb_size),
                         title=title or f"Ingestion review: {len(items)} new items, {len(self._flagged)} flagged")
        self._refresh()

    @property
    def group_task(self) -> str:
        return f"{self.task}:groups"

    def _load(self) -> None:
        stale: list[Hashable] = []
        for row in self.store.current(self.task, kinds=self._state_kinds).sort_values("event_id").itertuples():
            if row.item_id not in self.items:
                continue
            if self._fresh(row.item_id, row.payload):
                self._own[row.item_id] = {**row.payload, "event_id": row.event_id, "annotator": row.annotator}
            else:
                stale.append(row.item_id)
        if stale:
            self._warn(f"the stored decisions of items {_named(stale)} were made on other content than these "
                       "items hold (another delivery?): not applied")
        for row in self.store.current(self.group_task, kinds=("ingest_group",)).sort_values("event_id").itertuples():
            if row.item_id in self._members:
                event = {"payload": row.payload, "event_id": row.event_id, "annotator": row.annotator}
                self._set_group(row.item_id, event, warn=True)

    # ------------------------------------------------------------------ stored decisions vs content
    def _fresh(self, item_id: Hashable, payload: dict) -> bool:
        """Whether a stored item decision was made on the content the item holds (no digest: yes)."""
        content = payload.get("content")
        return content is None or content == self._content.get(item_id)

    def _covered(self, group: str, payload: dict) -> set[Hashable] | None:
        """The members a stored group decision applies to: those it recorded with the content they
        hold now (None: every member, a decision stored without digests)."""
        members = payload.get("members")
        if not isinstance(members, list):
            return None
        was = {m[0]: m[1] for m in members if isinstance(m, list) and len(m) == 2 and isinstance(m[0], (int, str))}
        return {i for i in self._members[group] if i in was and was[i] == self._content.get(i)}

    def _set_group(self, group: str, event: dict | None, warn: bool = False) -> None:
        """Make ``event`` (payload, event_id, annotator) the group's decision, for the members whose
        content it covered; none covered (or no event): the group has no decision."""
        if event is None:
            self._group.pop(group, None)
            return
        payload = event["payload"]
        covers = self._covered(group, payload)
        left = [] if covers is None else [i for i in self._members[group] if i not in covers]
        if left and warn:
            self._warn(f"the stored {payload.get('decision')!r} decision on group {group!r} (event {event['event_id']}) "
                       f"was made on other content than items {_named(left)} hold (another delivery?): not applied to them")
        if covers is not None and not covers:
            self._group.pop(group, None)
            return
        self._group[group] = {"decision": payload.get("decision"), "label": payload.get("label"), "covers": covers,
                              "event_id": event["event_id"], "annotator": event["annotator"]}

    def _warn(self, message: str) -> None:
        """A UserWarning at the user's line (``coerce.warn_user``)."""
        warn_user(f"ingestion review {self.task!r}: {message}; the decisions stay in the store")

    # ------------------------------------------------------------------ results
    def _checks_of(self, item_id: Hashable) -> list[str]:
        return list(dict.fromkeys(self.findings["check"].iat[n] for n in self._rows_of.get(item_id, [])))

    def decision_of(self, item_id: Hashable) -> dict | None:
        """The item's effective decision: {decision, label, via ("item" or "group:<check>")}, or None."""
        own = self._own.get(item_id)
        if own is not None:
            return {"decision": own["decision"], "label": own.get("label"), "via": "item",
                    "event_id": own["event_id"], "annotator": own["annotator"]}
        groups = self._checks_of(item_id) or [CLEAN]
        decided = [(g, d) for g in groups if (d := self._group.get(g)) is not None
                   and (d["covers"] is None or item_id in d["covers"])]
        if not decided:
            return None
        g, d = next(((g, d) for g, d in decided if d["decision"] == "drop"), decided[0])
        return {"decision": d["decision"], "label": d.get("label"), "via": f"group:{g}",
                "event_id": d["event_id"], "annotator": d["annotator"]}

    def _needs_decision(self, item_id: Hashable) -> bool:
        return item_id in self._rows_of or self.review_clean

    @property
    def decisions(self) -> pd.DataFrame:
        """One row per new item with a decision, in item order: item_id, decision, label, via,
        checks (the groups it is in), annotator, event_id."""
        rows = []
        for i in self.items.ids:
            d = self.decision_of(i)
            if d is not None:
                rows.append({"item_id": i, "decision": d["decision"], "label": d["label"], "via": d["via"],
                             "checks": self._checks_of(i), "annotator": d["annotator"], "event_id": d["event_id"]})
        df = pd.DataFrame(rows, columns=["item_id", "decision", "label", "via", "checks", "annotator", "event_id"])
        df["label"] = pd.Series([r["label"] for r in rows], dtype=object)  # None where no relabel, not NaN
        return df

    @property
    def undecided(self) -> list[Hashable]:
        """Items that need a decision and have none (flagged ones; every item with ``review_clean``)."""
        return [i for i in self.items.ids if self._needs_decision(i) and self.decision_of(i) is None]

    @property
    def accepted(self) -> list[Hashable]:
        """The ids to ingest, in item order: decided keep / relabel / not a problem, and the items with
        no finding that were not dropped (unless ``review_clean``). Undecided and dropped items never."""
        out = []
        for i in self.items.ids:
            d = self.decision_of(i)
            if d is None:
                if not self._needs_decision(i):
                    out.append(i)
            elif d["decision"] in INGESTED:
                out.append(i)
        return out

    @property
    def labels(self) -> pd.Series:
        """The label of each accepted item (a relabel's, else the delivered one; None without labels)."""
        out = {}
        for i in self.accepted:
            d = self.decision_of(i)
            out[i] = d["label"] if d is not None and d["decision"] == "relabel" else (self._labels or {}).get(i)
        return pd.Series(out, dtype=object, name="label")

    @property
    def status(self) -> str:
        """"pending" (an item needs a decision), "failed" (more dropped than ``max_drop``) or "passed"."""
        dropped = sum(1 for i in self.items.ids if (d := self.decision_of(i)) is not None and d["decision"] == "drop")
        if self.max_drop is not None and dropped > self.max_drop * len(self.items):
            return "failed"
        return "pending" if self.undecided else "passed"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def report(self) -> dict:
        """For a certificate (``certify(gates=[review])``): name, status, n (items needing a
        decision), reviewed, rejected (dropped), c (drops allowed), accepted, acceptance_rate (kept
        among the decided; 95% Clopper-Pearson ci_low / ci_high), n_items, findings per check,
        decisions per kind."""
        need = [i for i in self.items.ids if self._needs_decision(i)]
        decided = [d for i in need if (d := self.decision_of(i)) is not None]
        kinds = {k: 0 for k in DECISIONS}
        for i in self.items.ids:
            d = self.decision_of(i)
            if d is not None:
                kinds[d["decision"]] += 1
        kept = sum(1 for d in decided if d["decision"] in INGESTED)
        low, high = clopper_pearson(kept, len(decided))
        cap = len(self.items) if self.max_drop is None else math.floor(self.max_drop * len(self.items))
        return {
            "name": f"ingestion:{self.task}", "status": self.status, "n": len(need), "reviewed": len(decided),
            "rejected": kinds["drop"], "c": cap, "accepted": len(self.accepted), "n_items": len(self.items),
            "acceptance_rate": kept / len(decided) if decided else None,
            "ci_low": None if math.isnan(low) else low, "ci_high": None if math.isnan(high) else high,
            "findings": {c: len(self._members.get(c, [])) for c in CHECKS}, "decisions": kinds,
        }

    def require(self) -> None:
        """Raise ``GateNotPassed`` unless every item that needs a decision has one (and no more than
        ``max_drop`` were dropped)."""
        if not self.passed:
            r = self.report
            left = self.undecided
            raise GateNotPassed(
                f"ingestion review {self.task!r} is {r['status']}: {r['reviewed']} of {r['n']} flagged items decided"
                + (f" (undecided e.g. {left[:5]})" if left else "")
                + (f"; {r['rejected']} dropped, at most {r['c']} allowed" if r["status"] == "failed" else "")
            )

    def decide(self, item_id: Hashable, decision: str, label: Any = None) -> int:
        """Decide one item from Python (as the keys do); returns the event id."""
        try:
            return self._decide(self._item_id({"item_id": item_id}), decision, label).event_id
        except IntentError as exc:
            raise ValueError(str(exc)) from None

    def decide_group(self, group: str, decision: str, label: Any = None) -> int:
        """Decide a whole group (its items without a decision of their own); returns the event id."""
        try:
            return self._decide_group(group, decision, label)
        except IntentError as exc:
            raise ValueError(str(exc)) from None

    # ------------------------------------------------------------------ state
    def _refresh(self) -> None:
        groups = []
        for g in (*CHECKS, CLEAN):
            members = self._members.get(g, [])
            if not members:
                continue
            undecided = sum(1 for i in members if self.decision_of(i) is None)
            decided = self._group.get(g)
            groups.append({"key": g, "title": TITLES.get(g, "no finding"), "count": len(members),
                           "undecided": undecided, "decision": decided and decided["decision"],
                           "label": decided and decided.get("label")})
        self.groups = groups
        need = [i for i in self.items.ids if self._needs_decision(i)]
        self.n_done = sum(1 for i in need if self.decision_of(i) is not None)
        r = self.report
        self.summary = {k: r[k] for k in ("status", "n", "reviewed", "rejected", "accepted", "n_items", "decisions")}

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is None or not self._fresh(key, event["payload"]):  # an undo may bring back another delivery's
            self._own.pop(key, None)
        else:
            self._own[key] = {**event["payload"], "event_id": event["event_id"], "annotator": event["annotator"]}

    def _label(self, key: Hashable) -> Any:
        d = self.decision_of(key)
        return d and d["decision"]

    def _recount_item(self, item_id: Hashable) -> None:
        self._refresh()

    def _item_state(self, item_id: Any) -> dict:
        try:
            d = self.decision_of(item_id)
        except TypeError:  # an unhashable id in a stale reply
            d = None
        return {"decision": d and d["decision"], "label": d and d["label"], "via": d and d["via"]}

    def _item_info(self, item_id: Hashable) -> dict:
        rows = self._rows_of.get(item_id, [])
        first = self.findings.iloc[rows[0]] if rows else None
        return {**self._item_state(item_id), "checks": self._checks_of(item_id),
                "problem": None if first is None else str(first["problem"]),
                "given": None if self._labels is None else self._labels.get(item_id)}

    # ------------------------------------------------------------------ intents
    def _check_decision(self, decision: Any, label: Any, where: str) -> tuple[str, Any]:
        if decision not in DECISIONS:
            raise IntentError(f"{where}: decision must be one of {list(DECISIONS)}, not {str(decision)[:40]!r}")
        if decision == "relabel":
            label = plain(label)
            if not self.classes:
                raise IntentError(f"{where}: relabel needs classes (give classes= or schema={{'classes': ...}})")
            if label not in self.classes:
                raise IntentError(f"{where}: relabel: {str(label)[:60]!r} is not one of the classes")
            return decision, label
        if label is not None:
            raise IntentError(f"{where}: a {decision} decision takes no label")
        return decision, None

    def _decide(self, item_id: Hashable, decision: Any, label: Any) -> Committed:
        decision, label = self._check_decision(decision, label, f"item {item_id!r}")
        return self._commit(item_id, "ingest", {"decision": decision, "label": label,
                                                "content": self._content.get(item_id)})

    def _group_key(self, content: dict) -> str:
        g = content.get("group")
        if not isinstance(g, str) or g not in self._members or not self._members[g]:
            raise IntentError(f"unknown group {str(g)[:60]!r}: the groups are {[x['key'] for x in self.groups]}")
        return g

    def _decide_group(self, group: Any, decision: Any, label: Any) -> int:
        group = self._group_key({"group": group})
        decision, label = self._check_decision(decision, label, f"group {group!r}")
        members = [[i, self._content.get(i)] for i in self._members[group]]
        payload = {"decision": decision, "label": label, "members": members}
        event_id = self.store.record(self.group_task, group, payload, kind="ingest_group", annotator=self.annotator,
                                     at=self._replay_at)
        self._group[group] = {"decision": decision, "label": label, "covers": None, "event_id": event_id,
                              "annotator": self.annotator}
        self._refresh()
        self._emit({"item_id": None, "kind": "ingest_group", "group": group, "label": decision, "event_id": event_id,
                    "annotator": self.annotator})
        return event_id

    def _group_reply(self, content: dict, group: str, event_id: int) -> dict:
        d = self._group.get(group) or {}
        return self._ack(content, group=group, event_id=event_id, decision=d.get("decision"), label=d.get("label"),
                         n_done=self.n_done)

    @intent("decide", last_wins=True)
    def _on_decide(self, content: dict) -> dict:
        item_id = self._item_id(content)
        return self._answer(content, self._decide(item_id, content.get("decision"), content.get("label")))

    @intent("undo", last_wins=True)
    def _on_undo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        if item_id not in self._own:
            raise IntentError(f"nothing to undo for item {item_id!r}")
        return self._answer(content, self._undo(item_id, missing=f"nothing of yours to undo for item {item_id!r}"))

    @intent("decide_group")
    def _on_decide_group(self, content: dict) -> dict:
        group = self._group_key(content)
        event_id = self._decide_group(group, content.get("decision"), content.get("label"))
        return self._group_reply(content, group, event_id)

    @intent("undo_group")
    def _on_undo_group(self, content: dict) -> dict:
        group = self._group_key(content)
        if group not in self._group:
            raise IntentError(f"nothing to undo for group {group!r}")
        event_id = self.store.undo(task=self.group_task, item_id=group, annotator=self.annotator, at=self._replay_at)
        if event_id is None:
            raise IntentError(f"nothing of yours to undo for group {group!r}")
        self._set_group(group, self.store.latest(self.group_task, [group], kinds=("ingest_group",)).get(group))
        self._refresh()
        self._emit({"item_id": None, "kind": "undo", "group": group, "label": None, "event_id": event_id,
                    "annotator": self.annotator})
        return self._group_reply(content, group, event_id)

    @intent("open_group")
    def _on_open_group(self, content: dict) -> dict:
        group = self._group_key(content)
        ids = self._members[group]
        return self._ack(content, group=group, ids=ids[:MAX_GROUP_IDS], total=len(ids))

    @intent("evidence", sequenced=False)
    def _on_evidence(self, content: dict) -> None:
        item_id = self._item_id(content)
        buffers: list = []
        findings = []
        for n in self._rows_of.get(item_id, []):
            row = self.findings.iloc[n]
            panes = []
            for where, ref in row["evidence"][:3]:
                source = self.items if where == "new" else self.existing
                if source is None:
                    continue
                panes.append({"caption": f"{where} item {ref!r}", "ref": [where, plain(ref)],
                              **media_info(source, ref, buffers, size=False)})
            findings.append({"check": row["check"], "title": TITLES[row["check"]], "problem": str(row["problem"]),
                             "detail": str(row["detail"]), "panes": panes})
        self.send({"type": "evidence", "item_id": item_id, "findings": findings}, buffers=buffers)
        return None
