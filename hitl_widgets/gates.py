"""QualityGate: a human accepts or rejects a (stratified) sample of a batch; the batch passes or
fails by an acceptance-sampling plan, and ``gate.require()`` stops a pipeline until it passes.

Acceptance-sampling plan (single sampling, ``n`` items, acceptance number ``c``): the batch
passes when every sampled item has a decision and at most ``c`` were rejected; it fails as soon
as more than ``c`` are rejected. ``c`` is the largest number with

    P(at most c rejects in n | the batch's true acceptance rate is exactly ``threshold``) <= risk

so a batch whose acceptance rate is below ``threshold`` passes with probability at most ``risk``
(the consumer's risk; a worse batch passes even less often). Equivalently: the batch passes only
if the one-sided (1 − risk) Clopper-Pearson lower bound of its acceptance rate is at least
``threshold``. A sample too small to ever pass (``threshold ** n > risk``) is refused up front,
naming the smallest ``n`` that can. The reported interval is the two-sided 95% Clopper-Pearson
interval of the acceptance rate among the decided items.

Decisions: every reviewer's count, an item's latest decision by anyone (an undo by anyone cancels
one). Each is stored with the SHA-256 of the item's content (``certificates.item_hash``); a stored
decision made on other content (a batch re-generated under the same gate name) does not count, and
a warning names its items (it stays in the store; one stored by an older version, without the hash,
counts). The results (``status``, ``passed``, ``report``, ``decisions``, ``require()``) read the
sample's decisions from the store as they are now, another reviewer's or kernel's included.

Example:
    >>> import numpy as np
    >>> from hitl_widgets import AnnotationStore
    >>> gate = QualityGate(np.zeros((100, 8, 8), np.uint8), name="aug-v1", sample=30,
    ...                    threshold=0.9, store=AnnotationStore(":memory:"), risk=0.05)
    >>> gate.plan
    {'n': 30, 'c': 0, 'threshold': 0.9, 'risk': 0.05}
    >>> gate.status
    'pending'
"""
from __future__ import annotations

import math
import os
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import traitlets
from scipy import stats

from .certificates import item_hash
from .coerce import _shown as shown_repr
from .coerce import check_item_id, plain, warn_user
from .items import Items
from .reports import format_number
from .static import StaticCard, section_card
from .store import AnnotationStore
from .widgets.base import STATIC, Committed, IntentError, ReviewWidget, intent, media_info, static_file

DEFAULT_REASONS = ("wrong label", "corrupted / unreadable", "off-distribution", "duplicate", "artefact")
UNREADABLE = "unreadable"  # the content hash stored for an item whose file or object cannot be read


class GateNotPassed(RuntimeError):
    """Raised by ``QualityGate.require()`` while the gate has not passed."""


def acceptance_number(n: int, threshold: float, risk: float) -> int:
    """Largest ``c`` with P(≤ c rejects in ``n`` | acceptance rate = threshold) ≤ risk; −1: none.

    Example:
        >>> acceptance_number(50, 0.9, 0.05), acceptance_number(10, 0.9, 0.05)
        (1, -1)
    """
    c = -1
    while c + 1 <= n and stats.binom.cdf(c + 1, n, 1 - threshold) <= risk:
        c += 1
    return c


def _smallest_sample(threshold: float, risk: float) -> int:
    """The smallest ``n`` whose ``acceptance_number`` is >= 0 (``threshold ** n <= risk``), by the same
    binomial test, so a suggested sample size is never refused again (the logarithms' estimate can
    be one off at exact boundaries: 0.8 ** 2 == 0.64)."""
    n = max(1, math.ceil(math.log(risk) / math.log(threshold)) - 1)
    while acceptance_number(n, threshold, risk) < 0:
        n += 1
    return n


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact two-sided interval for a binomial proportion ``k / n`` (NaNs when n = 0)."""
    if n == 0:
        return (math.nan, math.nan)
    a = (1 - level) / 2
    low = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k))
    return (low, high)


def stratified_sample(ids: Sequence[Hashable], n: int, strata: Sequence[Any] | None, seed: int | None) -> list[Hashable]:
    """``n`` ids drawn without replacement; with strata, allocated in proportion (largest
    remainder, at least one per stratum when n allows), in a shuffled review order."""
    rng = np.random.default_rng(seed)
    ids = list(ids)
    if strata is None:
        pick = rng.choice(len(ids), size=n, replace=False)
        return [ids[k] for k in pick]
    codes, uniques = pd.factorize(pd.Series(list(strata)), sort=True)
    if (codes < 0).any():
        raise ValueError("strata has missing values")
    sizes = np.bincount(codes, minlength=len(uniques))
    quota = sizes * n / len(ids)
    alloc = np.floor(quota).astype(int)
    if n >= len(uniques):
        alloc = np.maximum(alloc, 1)
    alloc = np.minimum(alloc, sizes)
    while alloc.sum() < n:  # largest remainders first, where room is left
        room = alloc < sizes
        k = int(np.argmax(np.where(room, quota - alloc, -np.inf)))
        alloc[k] += 1
    while alloc.sum() > n:  # the minimum of one per stratum overshot: trim where most over quota
        can = alloc > 1 if (alloc > 1).any() else alloc > 0
        k = int(np.argmax(np.where(can, alloc - quota, -np.inf)))
        alloc[k] -= 1
    chosen: list[int] = []
    for s, size in enumerate(alloc):
        members = np.flatnonzero(codes == s)
        chosen.extend(rng.choice(members, size=int(size), replace=False).tolist())
    chosen = [chosen[k] for k in rng.permutation(len(chosen))]
    return [ids[k] for k in chosen]


class QualityGate(ReviewWidget):
    """Accept or reject a sample of a batch by keyboard; pass / fail by an acceptance-sampling plan.

    Keys: A accept, R reject (then 1–9 for the reason), 1–9 reject with that reason at once,
    ←/→ move, Backspace undo, ? help.

    Args:
        items: the batch (``Items`` or anything it accepts).
        name: the gate's name; its decisions are stored under task ``gate:<name>``.
        store: the ``AnnotationStore``.
        sample: items to review: a count, or a fraction of the batch in (0, 1] (rounded up;
            0.07 of 100 is 7).
        threshold: the acceptance rate the batch must have.
        reasons: reject reason codes (1 to 9 of them), shown with keys 1–9.
        strata: one value per item (source, class, augmentation, ...): the sample is stratified.
        originals: the items before augmentation (same ids), shown side by side.
        risk: the consumer's risk of the plan (see the module docstring).
        plan: ``(n, c)`` to set the sampling plan by hand instead.
        seed: the sample's seed (the same sample after a kernel restart).

    Results: ``gate.status`` ("pending", "passed", "failed"), ``gate.passed``, ``gate.report``
    (dict), ``gate.decisions`` (DataFrame: item_id, verdict, reason, stratum, annotator, event_id,
    created_at), ``gate.require()``: each reads the sample's decisions from the store as they are
    now (every reviewer's: an item's latest decision by anyone, made on this item's content; see
    the module docstring).

    Example:
        >>> import numpy as np
        >>> from hitl_widgets import AnnotationStore
        >>> g = QualityGate(np.zeros((40, 8, 8), np.uint8), name="b1", sample=10, plan=(10, 1),
        ...                 store=AnnotationStore(":memory:"))
        >>> for i in g.order: _ = g.decide(i, "accept")
        >>> g.passed, g.report["acceptance_rate"]
        (True, 1.0)
    """

    _esm = STATIC / "gate.js"
    _css = STATIC / "gate.css"
    reasons: traitlets.List[Any] = traitlets.List().tag(sync=True)
    summary = traitlets.Dict().tag(sync=True)
    side_by_side = traitlets.Bool(False).tag(sync=True)
    display_size = traitlets.Int(256).tag(sync=True)

    def __init__(
        self,
        items: Any,
        name: str = "gate",
        store: AnnotationStore | None = None,
        sample: int | float = 50,
        threshold: float = 0.9,
        reasons: Sequence[str] = DEFAULT_REASONS,
        strata: Sequence[Any] | None = None,
        *,
        originals: Any = None,
        risk: float = 0.05,
        plan: tuple[int, int] | None = None,
        seed: int | None = 0,
        annotator: str | None = None,
        display_size: int = 256,
        title: str = "",
    ):
        static_file("gate.js")
        items = items if isinstance(items, Items) else Items(items)
        if not isinstance(name, str) or not name.strip() or len(name) > 150:
            raise ValueError(f"name must be a non-empty str (at most 150 characters), not {name!r}")
        threshold, risk = plain(threshold), plain(risk)  # np.float32(0.9) is 0.9
        if isinstance(threshold, bool) or not (isinstance(threshold, (int, float)) and 0 < threshold < 1):
            raise ValueError(f"threshold must be in (0, 1), not {threshold!r}")
        if isinstance(risk, bool) or not (isinstance(risk, (int, float)) and 0 < risk < 1):
            raise ValueError(f"risk must be in (0, 1), not {risk!r}")
        reasons = [str(r) for r in reasons]
        if not 1 <= len(reasons) <= 9 or len(set(reasons)) != len(reasons):
            raise ValueError(f"reasons must be 1 to 9 distinct reason codes, got {reasons}")
        n_items = len(items)
        if isinstance(sample, bool) or not isinstance(sample, (int, float, np.integer, np.floating)):
            raise ValueError(f"sample must be a count or a fraction, not {sample!r}")
        if isinstance(sample, (float, np.floating)) and 0 < sample <= 1:
            n = max(1, math.ceil(round(float(sample) * n_items, 9)))  # 0.07 * 100 is 7.000000000000001
        elif float(sample) >= 1 and float(sample) == int(sample):
            n = min(int(sample), n_items)
        else:
            raise ValueError(f"sample must be a count >= 1 or a fraction in (0, 1], not {sample!r}")
        if plan is not None:
            pn, pc = (plain(v) for v in plan)  # np.int64(50) is 50
            if not (type(pn) is int and type(pc) is int and 1 <= pn <= n_items and 0 <= pc < pn):
                raise ValueError(f"plan must be (n, c) with 1 <= n <= {n_items} and 0 <= c < n, not {plan!r}")
            n, c = pn, pc
        else:
            c = acceptance_number(n, float(threshold), float(risk))
            if c < 0:
                need = _smallest_sample(float(threshold), float(risk))
                raise ValueError(
                    f"a sample of {n} can never show an acceptance rate of {threshold} at risk {risk}: "
                    f"review at least {need} items (sample={need}), lower the threshold, or raise the risk"
                    + (f" (the batch has only {n_items} items)" if need > n_items else "")
                )
        self._strata = None
        if strata is not None:
            strata = list(strata.to_numpy() if hasattr(strata, "to_numpy") else strata)
            if len(strata) != n_items:
                raise ValueError(f"strata has {len(strata)} values for {n_items} items")
            self._strata = {i: plain(s) for i, s in zip(items.ids, strata)}
        self.originals = None
        if originals is not None:
            if not isinstance(originals, Items):
                originals = Items(originals)  # its own length first: a clear count mismatch below
                if len(originals) != len(items):
                    raise ValueError(
                        f"originals has {len(originals)} items for the {len(items)} items under review: "
                        "give one original per item, in the same order (or Items with the same ids)"
                    )
                originals = Items(originals, ids=list(items.ids))
            if set(originals.ids) != set(items.ids):
                missing = [i for i in items.ids if i not in originals][:3]
                raise ValueError(f"originals must have the same item ids as items (missing e.g. {missing})")
            self.originals = originals
        self.name = name
        self.threshold, self.risk = float(threshold), float(risk)
        self.plan = {"n": n, "c": c, "threshold": self.threshold, "risk": self.risk}
        self._sample = stratified_sample(items.ids, n, strata, seed)
        self._decisions: dict[Hashable, dict] = {}
        self._hashes: dict[Hashable, str] = {}  # item id -> its content's hash, computed once
        self._warned: set[int] = set()  # event ids of decisions on other content already warned about
        super().__init__(
            items, store=store, task=f"gate:{name}", queue=self._sample, annotator=annotator,
            reasons=reasons, side_by_side=self.originals is not None, display_size=display_size,
            title=title or f"Quality gate {name!r}: sample of {n} from {n_items}",
        )
        self.position = self._first_open()

    def _load(self) -> None:
        self._decisions = self._stored()

    # ------------------------------------------------------------------ what was judged
    def _content_hash(self, item_id: Hashable) -> str:
        """SHA-256 of the item's content (``certificates.item_hash``), or ``UNREADABLE``; once per item."""
        known = self._hashes.get(item_id)
        if known is None:
            try:
                known = item_hash(self.items, item_id)
            except ValueError:  # a missing file or object: it can still be rejected as unreadable
                known = UNREADABLE
            self._hashes[item_id] = known
        return known

    def _fits(self, item_id: Hashable, payload: dict) -> bool:
        """Whether a stored decision was made on this item's content (one stored without its hash,
        by an older version, is taken as made on it)."""
        judged = payload.get("item_hash")
        return judged is None or judged == self._content_hash(item_id)

    def _stored(self) -> dict[Hashable, dict]:
        """The sample's decisions as stored now: each item's latest by anyone, when made on this
        content; the others stay in the store and are left out, with a warning."""
        sampled = set(self._sample)
        latest: dict[Hashable, dict] = {}
        for row in self.store.current(self.task, kinds=self._state_kinds).sort_values("event_id").itertuples():
            if row.item_id in sampled:
                latest[row.item_id] = {**row.payload, "event_id": int(row.event_id), "annotator": row.annotator}
        other = {i: d for i, d in latest.items() if not self._fits(i, d)}
        self._warn_other(other)
        return {i: d for i, d in latest.items() if i not in other}

    def _warn_other(self, other: dict[Hashable, dict]) -> None:
        """Warn once per stored decision about decisions made on other content, naming their items."""
        new = [i for i, d in other.items() if d["event_id"] not in self._warned]
        if not new:
            return
        self._warned.update(other[i]["event_id"] for i in new)
        shown = ", ".join(shown_repr(i) for i in new[:5]) + (f" and {len(new) - 5} more" if len(new) > 5 else "")
        warn_user(
            f"{len(new)} stored decisions of quality gate {self.name!r} were made on other content than these items "
            f"(the batch re-generated under the same gate name?): item ids {shown}. They stay in the store and do "
            "not count: review these items again, or give the gate another name",
        )

    def refresh(self) -> None:
        """Read the sample's decisions from the store again (another reviewer's or kernel's
        decisions since): every result (``status``, ``report``, ``decisions``, ``require()``) does."""
        stored = self._stored()
        if stored != self._decisions:
            self._decisions = stored
            self._refresh_done()

    def _other_items(self, items: Items) -> str | None:
        """The first sampled item whose content in ``items`` is not the one this gate judges,
        described; None when every sampled item is there with the same content."""
        for i in self._sample:
            if i not in items:
                return f"its sampled item {shown_repr(i)} is not among them"
            if item_hash(items, i) != self._content_hash(i):
                return f"its sampled item {shown_repr(i)} has other content there"
        return None

    def _for_certificate(self, items: Items, require: bool) -> dict:
        """The report ``certify`` records, from one read of the store. A gate that judged other
        content than ``items`` is refused (``ValueError`` naming it and the first such item); with
        ``require`` False its report goes in with ``other_items`` saying so, and a warning."""
        self.refresh()
        other = self._other_items(items)
        message = f"quality gate {self.name!r} was built on other items than the certified ones: {other}"
        if other is not None and require:
            raise ValueError(message + ": review these items with a gate of their own")
        if require:
            self._require()
        report = self._report()
        if other is not None:
            warn_user(message + ": its report goes in marked other_items")
            report["other_items"] = other
        return report

    # ------------------------------------------------------------------ results
    @property
    def status(self) -> str:
        """"pending", "passed" or "failed" (by the plan in ``gate.plan``), on the decisions as stored now."""
        self.refresh()
        return self._status()

    def _status(self) -> str:
        """``status`` on the decisions read last."""
        rejected = sum(1 for d in self._decisions.values() if d["verdict"] == "reject")
        if rejected > self.plan["c"]:
            return "failed"
        if len(self._decisions) >= len(self.order):
            return "passed"
        return "pending"

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def report(self) -> dict:
        """n, c, reviewed, accepted, rejected, acceptance_rate, ci_low, ci_high (95%
        Clopper-Pearson), status, reasons (reject counts per reason code), threshold, risk; on the
        decisions as stored now."""
        self.refresh()
        return self._report()

    def _report(self) -> dict:
        """``report`` on the decisions read last."""
        accepted = sum(1 for d in self._decisions.values() if d["verdict"] == "accept")
        rejected = len(self._decisions) - accepted
        reviewed = len(self._decisions)
        low, high = clopper_pearson(accepted, reviewed)
        reasons: dict[str, int] = {r: 0 for r in self.reasons}
        for d in self._decisions.values():
            if d["verdict"] == "reject":
                reasons[d["reason"]] = reasons.get(d["reason"], 0) + 1
        return {
            "name": self.name,
            "status": self._status(),
            "n": self.plan["n"],
            "c": self.plan["c"],
            "threshold": self.threshold,
            "risk": self.risk,
            "reviewed": reviewed,
            "accepted": accepted,
            "rejected": rejected,
            "acceptance_rate": accepted / reviewed if reviewed else math.nan,
            "ci_low": low,
            "ci_high": high,
            "reasons": reasons,
        }

    def to_html(self, path: str | os.PathLike | None = None, title: str | None = None) -> str:
        """A self-contained HTML report of the current state for a reviewer (figures embedded, every
        value escaped, no scripts): ``hitl_widgets.reports.audit_report`` with this QualityGate alone;
        written to ``path`` when given."""
        from .reports import to_html

        return to_html(self, path, title)

    def _report_section(self, light: bool = False) -> tuple[str, str]:
        """This object's section of an audit report (``hitl_widgets.reports``)."""
        from .reports import gate_section

        return gate_section(self, light)

    def _static_card(self) -> StaticCard | None:
        return section_card(self)

    @property
    def decisions(self) -> pd.DataFrame:
        """One row per decided sample item, in sample order: item_id, verdict, reason, stratum,
        annotator, event_id; as stored now."""
        self.refresh()
        n = len(self.order)
        rows = [
            {
                "item_id": i,
                "verdict": d["verdict"],
                "reason": d.get("reason"),
                "stratum": None if self._strata is None else self._strata[i],
                "annotator": d.get("annotator"),
                "event_id": d.get("event_id"),
            }
            for i, d in sorted(self._decisions.items(), key=lambda kv: self._place(kv[0]) % (n + 1))
        ]
        df = pd.DataFrame(rows, columns=["item_id", "verdict", "reason", "stratum", "annotator", "event_id"])
        df["reason"] = pd.Series([r["reason"] for r in rows], dtype=object)  # None for accepts, not NaN
        return df

    def require(self) -> None:
        """Raise ``GateNotPassed`` unless the gate has passed, by the decisions as stored now (put it
        in a pipeline cell)."""
        self.refresh()
        self._require()

    def _require(self) -> None:
        """``require`` on the decisions read last."""
        if self._status() != "passed":
            r = self._report()
            raise GateNotPassed(
                f"quality gate {self.name!r} is {r['status']}: {r['reviewed']} of {r['n']} reviewed, "
                f"{r['rejected']} rejected (at most {r['c']} allowed), acceptance "
                f"{'n/a' if not r['reviewed'] else format_number(r['acceptance_rate'], 1, percent=True)}"
            )

    def decide(self, item_id: Hashable, verdict: str, reason: str | None = None) -> int:
        """Record a decision from Python (as the keys do); returns the event id."""
        try:
            return self._store_decision(item_id, verdict, reason).event_id
        except IntentError as exc:
            raise ValueError(str(exc)) from None

    # ------------------------------------------------------------------ hooks
    _state_kinds = ("gate",)
    _own_state = False  # a decision by anyone counts: the latest one

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is None or not self._fits(key, event["payload"]):  # an undo back to a decision on other content: none
            self._decisions.pop(key, None)
        else:
            self._decisions[key] = {**event["payload"], "event_id": event["event_id"], "annotator": event["annotator"]}

    def _label(self, key: Hashable) -> Any:
        d = self._decisions.get(key)
        return d and d["verdict"]

    def _item_state(self, item_id: Any) -> dict:
        d = self._decisions.get(item_id)
        return {"verdict": d and d["verdict"], "reason": d and d.get("reason"), "status": self._status()}

    def _item_info(self, item_id: Hashable) -> dict:
        d = self._decisions.get(item_id)
        return {
            "verdict": None if d is None else d["verdict"],
            "reason": None if d is None else d.get("reason"),
            "stratum": None if self._strata is None else str(self._strata[item_id]),
        }

    def _is_done(self, item_id: Hashable) -> bool:
        return item_id in self._decisions

    def _done_candidates(self) -> list[Hashable]:
        return list(self._decisions)  # a recount looks at the items with a state only

    def _refresh_done(self) -> None:
        super()._refresh_done()
        self._summarise()

    def _recount_item(self, item_id: Hashable) -> None:
        super()._recount_item(item_id)
        self._summarise()

    def _summarise(self) -> None:
        self.summary = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self._report().items()}

    # ------------------------------------------------------------------ intents
    def _store_decision(self, item_id: Any, verdict: Any, reason: Any) -> Committed:
        item_id = check_item_id(item_id, self.items, error=IntentError)
        if item_id not in self.order:
            raise IntentError(f"item {item_id!r} is not in this gate's sample")
        if verdict not in ("accept", "reject"):
            raise IntentError(f"verdict must be 'accept' or 'reject', not {str(verdict)[:40]!r}")
        if verdict == "reject":
            if not isinstance(reason, str) or reason not in self.reasons:
                raise IntentError(f"a reject needs one of the reason codes {self.reasons}, not {str(reason)[:60]!r}")
        elif reason is not None:
            raise IntentError("an accept takes no reason")
        return self._commit(item_id, "gate", {"verdict": verdict, "reason": reason, "item_hash": self._content_hash(item_id)})

    @intent("decide", last_wins=True)
    def _on_decide(self, content: dict) -> dict:
        return self._answer(content, self._store_decision(content.get("item_id"), content.get("verdict"), content.get("reason")))

    @intent("undo", last_wins=True)
    def _on_undo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        if item_id not in self._decisions:
            raise IntentError(f"nothing to undo for item {item_id!r}")
        return self._answer(content, self._undo(item_id, missing=f"nothing of yours to undo for item {item_id!r}"))

    # ------------------------------------------------------------------ media (+ the original)
    def _media(self, key: Any, buffers: list) -> dict:
        info = media_info(self.items, key, buffers)
        if self.originals is not None:
            info.update(media_info(self.originals, key, buffers, prefix="original_", size=False))
        return {**info, **self._item_info(key)}
