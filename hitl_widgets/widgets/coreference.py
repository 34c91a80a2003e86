"""CoreferenceLinker: link the mentions of a caption to regions of its image.

The caption is shown beside the image. A mention (a span of words, selected with the mouse or word
by word with the keyboard) is linked to an existing region (click it), to a new box drawn for it,
or marked "no visual referent". Mentions linked to the same region form one entity (one colour in
the text and on the image). Model proposals (mention -> region, with a score) are accepted, fixed
(link the mention elsewhere) or rejected.

Every change of an item is one store event (``kind="links"``) whose payload is the item's whole
state, so undo / redo are those of ``ImageEditor``:

    {"links": [{"start", "end", "t0", "t1", "region", "source", "score", "proposal"}, ...],
     "boxes": [{"id", "x", "y", "w", "h"}, ...],   # regions drawn by the annotator ("d1", "d2", ...)
     "rejected": [proposal ids], "op": str}

``start``/``end`` are character offsets (Python string indices, end exclusive); ``t0``/``t1`` the
first and last word; ``region`` a region id, or None for "no visual referent"; ``source`` is
"human", "proposal" (accepted as proposed) or "adjusted" (a proposal's mention linked elsewhere).

Protocol (browser -> kernel; each intent carries ``client``/``seq`` and ``item_id``):
    link     {t0, t1, region: id | null}            link a mention (a new one, or relink it)
    link     {t0, t1, box: {x, y, w, h}}            draw a new region for the mention
    unlink   {t0, t1}
    accept   {proposal_ids: [...]}                   proposals become links (source "proposal")
    reject   {proposal_ids: [...]}
    undo / redo / sync
"""
from __future__ import annotations

import math
import re
from collections.abc import Hashable
from typing import Any

import pandas as pd
import traitlets

from ..coerce import finite_number, is_missing, plain
from ..metrics.geometry import clip_box
from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import STATIC, Committed, IntentError, browser_number, intent, static_file
from .hallucination import normalise_texts, pieces, tokenize
from .image_editor import ImageEditor
from .scene_graph import _id_text

KIND = "links"
MAX_LINKS = 2000  # per item
REGION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SOURCES = ("human", "proposal", "adjusted")
LINK_COLUMNS = ["item", "start", "end", "text", "region", "box", "entity", "source", "score", "proposal_id", "annotator", "event_id"]
PROPOSAL_COLUMNS = ["item", "start", "end", "text", "region", "score", "proposal_id"]
REGION_COLUMNS = ["item", "region", "x", "y", "w", "h", "label", "source"]


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def entities(links: list[dict]) -> dict[str, str]:
    """Entity id of each linked region: "e1", "e2", ... in the order the regions are first
    mentioned in the text (mentions with no visual referent have none).

    Example:
        >>> entities([{"t0": 4, "region": "r1"}, {"t0": 0, "region": "r2"}, {"t0": 6, "region": "r1"}])
        {'r2': 'e1', 'r1': 'e2'}
    """
    out: dict[str, str] = {}
    for link in sorted(links, key=lambda x: (x["t0"], x["t1"] if "t1" in x else 0)):
        if link["region"] is not None and link["region"] not in out:
            out[link["region"]] = f"e{len(out) + 1}"
    return out


class CoreferenceLinker(ImageEditor):
    """Link the mentions of each image's caption to regions of the image; chains are entities.

    Keys (``?`` lists them): ←/→ move the word cursor, Shift+←/→ extend the mention; Tab /
    Shift+Tab pick the next / previous region, Enter links the mention to it (or accepts the
    mention's proposal when no region is picked); 1–9 link the mention to region 1–9 at once;
    b draws a new box for it (arrows move it, Shift+arrows resize, Enter keeps it, Esc cancels);
    n marks it "no visual referent"; a accepts the mention's proposal, x rejects it, A accepts every
    open proposal of the image; Delete unlinks
    it; ] / PageDown next image, [ / PageUp previous; Ctrl+Z undo, Ctrl+Y redo. Mouse: drag over
    words (or click one) to select a mention, then click a region, or drag a new box on the image.

    Args:
        items: the images (``Items`` or anything it accepts).
        texts: one caption per image (a list / Series aligned with the items, a dict / DataFrame
            with one column: see ``hallucination.normalise_texts``).
        store: the ``AnnotationStore``; task: its task name.
        regions: the regions to link to: a DataFrame with columns item, x, y, w, h (and region /
            box_id, label / class: ``BBoxAnnotator.boxes`` works), or a dict ``{item_id: [{"id",
            "x", "y", "w", "h", "label"}, ...]}`` (tuples ``(x, y, w, h[, label])`` work too; ids
            default to r1, r2, ...). Boxes in image pixels, top-left origin.
        proposals: model links: a DataFrame with columns item, start, end, region (None: no visual
            referent), score, or a dict ``{item_id: [(start, end, region, score), ...]}``.

    Example:
        >>> import numpy as np
        >>> w = CoreferenceLinker(np.zeros((1, 40, 40), np.uint8), ["A red circle. It is small."],
        ...                       regions={0: [(2, 2, 10, 10, "circle")]}, store=AnnotationStore(":memory:"))
        >>> _ = w.link(0, 0, 12, "r1"); _ = w.link(0, 14, 16, "r1")
        >>> w.links[["text", "region", "entity"]].values.tolist()
        [['A red circle', 'r1', 'e1'], ['It', 'r1', 'e1']]
    """

    _esm = STATIC / "coreference.js"
    _css = STATIC / "coreference.css"
    KIND = KIND
    _state_kinds = (KIND,)
    display_size = traitlets.Int(360).tag(sync=True)

    def __init__(
        self,
        items: Any,
        texts: Any,
        store: AnnotationStore | None = None,
        task: str = "coreference",
        regions: Any = None,
        proposals: Any = None,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_size: int = 360,
        title: str = "",
    ):
        static_file("coreference.js")
        items = self._image_items(items)
        models, by_item = normalise_texts(texts, items)
        if len(models) != 1:
            raise ValueError(f"CoreferenceLinker takes one caption per image, got texts from {len(models)} models: {models[:5]}")
        self.texts: dict[Hashable, str] = {i: d.get(models[0], "") for i, d in by_item.items()}
        self._tokens = {i: tokenize(t) for i, t in self.texts.items()}
        self._regions = _normalise_regions(regions, items)
        self._proposals = self._normalise_proposals(proposals, items)
        super().__init__(items, store=store, task=task, queue=queue, annotator=annotator,
                         display_size=int(display_size), title=title)

    # ------------------------------------------------------------------ public API
    @property
    def links(self) -> pd.DataFrame:
        """This annotator's current links, one row per mention.

        Columns: item, start, end (character offsets, end exclusive), text (the mention), region
        (a region id, or None: no visual referent), box ((x, y, w, h) of the region in image
        pixels, or None), entity ("e1", "e2", ... per item: the mentions of one region; None with
        no referent), source ("human", "proposal", "adjusted"), score (the proposal's, NaN for a
        human link), proposal_id, annotator, event_id.
        """
        return self._links_frame(self.annotator)

    def all_links(self) -> pd.DataFrame:
        """Every annotator's current links in this task (the columns of ``links``): what
        ``metrics.link_agreement_table`` compares."""
        return self._links_frame(None)

    def _links_frame(self, annotator: str | None) -> pd.DataFrame:
        rows = []
        current = self.store.current(self.task, kinds=(KIND,), annotator=annotator)
        for rec in current.itertuples():
            if rec.item_id not in self.items:
                continue
            state = _state_of(rec.payload)
            boxes = self._boxes(rec.item_id, state)
            ents = entities(state["links"])
            for link in sorted(state["links"], key=lambda x: (x["t0"], x["t1"])):
                r = link["region"]
                b = boxes.get(r) if r is not None else None
                rows.append((
                    rec.item_id, link["start"], link["end"], self.texts[rec.item_id][link["start"]:link["end"]], r,
                    None if b is None else (b["x"], b["y"], b["w"], b["h"]), ents.get(r) if r is not None else None,
                    link["source"], math.nan if link.get("score") is None else float(link["score"]),
                    link.get("proposal"), rec.annotator, int(rec.event_id),
                ))
        where = {i: n for n, i in enumerate(self.items.ids)}
        rows.sort(key=lambda row: (where[row[0]], str(row[10]), row[1], row[2]))
        df = pd.DataFrame(rows, columns=LINK_COLUMNS).astype({"score": float})
        return _with_none(df, ("region", "box", "entity", "proposal_id"))  # None (no referent, no proposal), not NaN

    @property
    def regions(self) -> pd.DataFrame:
        """Every region: the given ones (source "given") and those drawn by this annotator
        (source "drawn"). Columns: item, region, x, y, w, h, label, source."""
        rows = [(i, r["id"], r["x"], r["y"], r["w"], r["h"], r["label"], "given") for i, rs in self._regions.items() for r in rs]
        for i, state in self._state.items():
            rows += [(i, b["id"], b["x"], b["y"], b["w"], b["h"], None, "drawn") for b in state["boxes"]]
        return _with_none(pd.DataFrame(rows, columns=REGION_COLUMNS), ("label",))  # None: no label, not NaN

    @property
    def proposals(self) -> pd.DataFrame:
        """The model's proposals: item, start, end, text, region (None: no visual referent), score (NaN:
        none), proposal_id."""
        rows = [(i, p["start"], p["end"], self.texts[i][p["start"]:p["end"]], p["region"], p["score"], p["id"])
                for i, ps in self._proposals.items() for p in ps]
        return _with_none(pd.DataFrame(rows, columns=PROPOSAL_COLUMNS).astype({"score": float}), ("region",))

    def link(self, item_id: Hashable, start: int, end: int, region: str | None = None, box: tuple | None = None) -> int:
        """Link the characters ``[start, end)`` of an item's caption (on word boundaries) to
        ``region`` (None: no visual referent), or to a new region ``box`` = (x, y, w, h); validated
        as the view's links are. Returns the event id."""
        t0, t1 = self._span_words(item_id, start, end)
        fields: dict[str, Any] = {"t0": t0, "t1": t1}
        if box is not None:
            fields["box"] = dict(zip("xywh", (plain(v) for v in box)))
        else:
            fields["region"] = region
        return int(self._intent_from_code("link", item_id=item_id, **fields)["event_id"])

    def _span_words(self, item_id: Hashable, start: Any, end: Any) -> tuple[int, int]:
        if item_id not in self.texts:
            raise ValueError(f"unknown item id {item_id!r}")
        text = self.texts[item_id]
        if not (_int(start) and _int(end) and 0 <= start < end <= len(text)):
            raise ValueError(f"item {item_id!r}: mention [{start}, {end}) is outside its caption ({len(text)} characters)")
        tokens = self._tokens[item_id]
        starts = [n for n, (s, _) in enumerate(tokens) if s == start]
        ends = [n for n, (_, e) in enumerate(tokens) if e == end]
        if not starts or not ends or starts[0] > ends[0]:
            raise ValueError(f"item {item_id!r}: mention [{start}, {end}) {text[start:end][:40]!r} does not start and end on word boundaries")
        return starts[0], ends[0]

    # ------------------------------------------------------------------ hooks
    def _decode(self, item_id: Hashable, payload: dict) -> dict:
        return _state_of(payload)

    def _current(self, item_id: Hashable) -> dict:
        return _state_of(self._state.get(item_id, {}))

    def _snapshot(self, item_id: Hashable) -> dict:
        return self._current(item_id)

    def _label(self, key: Hashable) -> Any:
        return self._current(key)["links"]

    def _is_done(self, item_id: Hashable) -> bool:
        return bool(self._state.get(item_id, {}).get("links"))

    def _done_candidates(self) -> list[Hashable]:
        return list(self._state)  # a recount looks at the items with a state only

    def _item_info(self, item_id: Hashable) -> dict:
        return {
            "pieces": pieces(self.texts[item_id], self._tokens[item_id]),
            "regions": self._regions.get(item_id, []),
            "proposals": [{k: p[k] for k in ("id", "t0", "t1", "region", "score")} for p in self._proposals.get(item_id, [])],
            **self._view_state(item_id),
        }

    def _view_state(self, item_id: Hashable) -> dict:
        state = self._current(item_id)
        return {"links": state["links"], "drawn": state["boxes"], "rejected": state["rejected"]}

    def _item_state(self, item_id: Any) -> dict:
        return {**self._view_state(item_id), "n_done": self.n_done, "can_redo": bool(self._redo.get(item_id))}

    # ------------------------------------------------------------------ validation
    def _boxes(self, item_id: Hashable, state: dict) -> dict[str, dict]:
        """Region id -> region (given and drawn) of an item."""
        out = {r["id"]: r for r in self._regions.get(item_id, [])}
        out.update({b["id"]: b for b in state["boxes"]})
        return out

    def _words(self, item_id: Hashable, content: dict) -> tuple[int, int]:
        t0, t1 = content.get("t0"), content.get("t1")
        n = len(self._tokens[item_id])
        if not (isinstance(t0, int) and isinstance(t1, int) and _int(t0) and _int(t1) and 0 <= t0 <= t1 < n):
            raise IntentError(f"item {item_id!r}: words {str(t0)[:20]}..{str(t1)[:20]} are not a span of its caption ({n} words)")
        return t0, t1

    def _region(self, item_id: Hashable, state: dict, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or value not in self._boxes(item_id, state):
            raise IntentError(f"item {item_id!r} has no region {str(value)[:60]!r}")
        return value

    def _new_box(self, item_id: Hashable, value: Any) -> dict:
        if not isinstance(value, dict) or set(value) != {"x", "y", "w", "h"}:
            raise IntentError("box must be an object {x, y, w, h} in image pixels")
        x, y, w, h = (browser_number(value[k], f"item {item_id!r}: box {k}") for k in "xywh")
        if w <= 0 or h <= 0:
            raise IntentError(f"item {item_id!r}: a box needs a positive width and height, got {w:g} x {h:g}")
        width, height = self.image_size(item_id)
        cx, cy, cw, ch = clip_box([x, y, w, h], width, height).tolist()
        if cw <= 0 or ch <= 0:
            raise IntentError(f"item {item_id!r}: box ({x:g}, {y:g}, {w:g}, {h:g}) lies outside the {width}x{height} image")
        return {"x": round(cx, 2), "y": round(cy, 2), "w": round(cw, 2), "h": round(ch, 2)}

    def _pending(self, item_id: Hashable, state: dict) -> dict[str, dict]:
        """Proposals of the item whose mention has no link and that are not rejected."""
        linked = {(x["t0"], x["t1"]) for x in state["links"]}
        return {p["id"]: p for p in self._proposals.get(item_id, [])
                if p["id"] not in state["rejected"] and (p["t0"], p["t1"]) not in linked}

    def _proposal_ids(self, item_id: Hashable, state: dict, content: dict) -> list[dict]:
        ids = content.get("proposal_ids")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_LINKS:
            raise IntentError(f"proposal_ids must be a list of 1 to {MAX_LINKS} ids")
        pending = self._pending(item_id, state)
        out = []
        for pid in ids:
            if not isinstance(pid, str) or pid not in pending:
                raise IntentError(f"item {item_id!r} has no open proposal {str(pid)[:60]!r}")
            out.append(pending[pid])
        if len({p["id"] for p in out}) != len(out) or len({(p["t0"], p["t1"]) for p in out}) != len(out):
            raise IntentError("proposal_ids: a mention appears twice")
        return out

    # ------------------------------------------------------------------ intents
    def _change(self, item_id: Hashable, state: dict, op: str, clear_redo: bool = True) -> Committed:
        if len(state["links"]) > MAX_LINKS:
            raise IntentError(f"more than {MAX_LINKS} links on item {item_id!r}")
        used = {x["region"] for x in state["links"]}
        state["boxes"] = [b for b in state["boxes"] if b["id"] in used]  # a drawn region lives while linked
        payload = {"links": state["links"], "boxes": state["boxes"], "rejected": state["rejected"], "op": op}
        return self._store_state(item_id, payload, _state_of(payload), op, clear_redo)

    @intent("link")
    def _on_link(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        t0, t1 = self._words(item_id, content)
        if ("box" in content) == ("region" in content):
            raise IntentError("link needs either a region (an id, or null: no visual referent) or a new box")
        if "box" in content:
            box = self._new_box(item_id, content["box"])
            n = 1 + max((int(b["id"][1:]) for b in state["boxes"] if b["id"][1:].isdigit()), default=0)
            taken = set(self._boxes(item_id, state))
            while f"d{n}" in taken:
                n += 1
            region: str | None = f"d{n}"
            state["boxes"].append({"id": region, **box})
        else:
            region = self._region(item_id, state, content["region"])
        tokens = self._tokens[item_id]
        old = next((x for x in state["links"] if (x["t0"], x["t1"]) == (t0, t1)), None)
        if old is not None and old["region"] == region and "box" not in content:
            if self._replay_at is not None:  # a replayed link the store may already hold (its answer was lost)
                self._check_newest(item_id, item_id, KIND, {**state, "op": "link"})
            raise IntentError(f"item {item_id!r}: this mention is already linked there")
        link = {"start": tokens[t0][0], "end": tokens[t1][1], "t0": t0, "t1": t1, "region": region,
                "source": "human", "score": None, "proposal": None}
        proposal = next((p for p in self._pending(item_id, state).values() if (p["t0"], p["t1"]) == (t0, t1)), None)
        if old is not None and old.get("proposal"):
            link.update(score=old["score"], proposal=old["proposal"], source="adjusted")
        elif proposal is not None:  # the mention had an open proposal: this link fixes it
            same_region = proposal["region"] == region
            link.update(score=proposal["score"], proposal=proposal["id"], source="proposal" if same_region else "adjusted")
        state["links"] = [x for x in state["links"] if x is not old] + [link]
        return self._answer(content, self._change(item_id, state, "link"))

    @intent("unlink")
    def _on_unlink(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        t0, t1 = self._words(item_id, content)
        kept = [x for x in state["links"] if (x["t0"], x["t1"]) != (t0, t1)]
        if len(kept) == len(state["links"]):
            raise IntentError(f"item {item_id!r}: words {t0}..{t1} are not a linked mention")
        state["links"] = kept
        return self._answer(content, self._change(item_id, state, "unlink"))

    @intent("accept")
    def _on_accept(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        tokens = self._tokens[item_id]
        for p in self._proposal_ids(item_id, state, content):
            state["links"].append({"start": tokens[p["t0"]][0], "end": tokens[p["t1"]][1], "t0": p["t0"], "t1": p["t1"],
                                   "region": p["region"], "source": "proposal", "score": p["score"], "proposal": p["id"]})
        return self._answer(content, self._change(item_id, state, "accept"))

    @intent("reject")
    def _on_reject(self, content: dict) -> dict:
        item_id = self._item_id(content)
        state = self._current(item_id)
        state["rejected"] += [p["id"] for p in self._proposal_ids(item_id, state, content)]
        return self._answer(content, self._change(item_id, state, "reject"))

    @intent("sync")
    def _on_sync(self, content: dict) -> dict:
        item_id = self._item_id(content)
        return self._ack(content, item_id=item_id, event_id=None, **self._item_state(item_id))

    # ------------------------------------------------------------------ construction
    def _normalise_proposals(self, proposals: Any, items: Any) -> dict[Hashable, list[dict]]:
        """Proposals as ``{item_id: [{"id", "start", "end", "t0", "t1", "region", "score"}]}``, ids
        p0, p1, ... by descending score; spans and regions checked (errors name the item)."""
        if proposals is None:
            return {}
        if isinstance(proposals, pd.DataFrame):
            missing = {"item", "start", "end", "region"} - set(proposals.columns)
            if missing:
                raise ValueError(f"a proposals DataFrame needs columns item, start, end, region (and score); missing {sorted(missing)}")
            grouped: dict[Hashable, list] = {}
            for rec in proposals.to_dict("records"):
                grouped.setdefault(plain(rec["item"]), []).append((rec["start"], rec["end"], rec["region"], rec.get("score")))
            proposals = grouped
        if not isinstance(proposals, dict):
            raise ValueError("proposals must be a DataFrame (item, start, end, region, score) or a dict {item_id: [(start, end, region, score)]}")
        out: dict[Hashable, list[dict]] = {}
        for raw_id, rows in proposals.items():
            item_id = plain(raw_id)
            if item_id not in items:
                raise ValueError(f"proposal for unknown item id {item_id!r}")
            regions = {r["id"] for r in self._regions.get(item_id, [])}
            found = []
            for n, row in enumerate(rows):
                where = f"item {item_id!r} proposal {n}"
                if isinstance(row, dict):
                    row = (row.get("start"), row.get("end"), row.get("region"), row.get("score"))
                if not isinstance(row, (tuple, list)) or len(row) not in (3, 4):
                    raise ValueError(f"{where}: expected (start, end, region[, score])")
                start, end, region = plain(row[0]), plain(row[1]), plain(row[2])
                try:
                    t0, t1 = self._span_words(item_id, start, end)
                except ValueError as exc:
                    raise ValueError(f"{where}: {exc}") from None
                region = _region_id(region, where)
                if region is not None and region not in regions:
                    raise ValueError(f"{where}: item {item_id!r} has no region {region!r} (regions: {sorted(regions)[:10]})")
                score = plain(row[3]) if len(row) == 4 else None
                if score is not None and is_missing(score):
                    score = None
                if score is not None:
                    score = finite_number(score)
                    if score is None:
                        raise ValueError(f"{where}: score must be a finite number")
                found.append({"start": start, "end": end, "t0": t0, "t1": t1, "region": region, "score": score})
            found.sort(key=lambda r: -(r["score"] if r["score"] is not None else math.inf))
            spans = [(p["t0"], p["t1"]) for p in found]
            if len(set(spans)) != len(spans):
                raise ValueError(f"item {item_id!r}: two proposals for the same mention")
            out[item_id] = [{"id": f"p{k}", **r} for k, r in enumerate(found)]
        return out


def _with_none(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``df`` with ``columns`` as object columns whose missing values are None, not NaN (pandas reads
    a None among strs as NaN)."""
    for c in columns:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


def _state_of(payload: dict) -> dict:
    return {
        "links": [dict(x) for x in payload.get("links", [])],
        "boxes": [dict(b) for b in payload.get("boxes", [])],
        "rejected": list(payload.get("rejected", [])),
    }


def _region_id(value: Any, where: str) -> str | None:
    """A region id as the str that links and tables use, None when missing (None / NaN): a str as
    it is, a number by value (``_id_text``: ``1``, ``1.0`` and ``np.int64(1)`` are ``"1"``, as a
    region column that pandas made float holds them). A float that is not whole is refused.

    Example:
        >>> _region_id(1.0, "item 'a' region 0"), _region_id("r2", ""), _region_id(float("nan"), "")
        ('1', 'r2', None)
    """
    value = plain(value)
    if is_missing(value):
        return None
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{where}: region id {value!r} is a float that is not a whole number (give a str or an int)")
    return _id_text(value)


def _normalise_regions(regions: Any, items: Any) -> dict[Hashable, list[dict]]:
    """Regions as ``{item_id: [{"id", "x", "y", "w", "h", "label"}]}`` (errors name the item)."""
    from .bbox import _image_size

    if regions is None:
        return {}
    if isinstance(regions, pd.DataFrame):
        missing = {"item", "x", "y", "w", "h"} - set(regions.columns)
        if missing:
            raise ValueError(f"a regions DataFrame needs columns item, x, y, w, h (and region, label); missing {sorted(missing)}")
        id_col = next((c for c in ("region", "box_id", "id") if c in regions.columns), None)
        label_col = next((c for c in ("label", "class") if c in regions.columns), None)
        grouped: dict[Hashable, list] = {}
        for rec in regions.to_dict("records"):
            grouped.setdefault(plain(rec["item"]), []).append({
                "x": rec["x"], "y": rec["y"], "w": rec["w"], "h": rec["h"],
                "id": rec[id_col] if id_col else None, "label": rec[label_col] if label_col else None,
            })
        regions = grouped
    if not isinstance(regions, dict):
        raise ValueError("regions must be a DataFrame (item, x, y, w, h[, region, label]) or a dict {item_id: [boxes]}")
    out: dict[Hashable, list[dict]] = {}
    for raw_id, boxes in regions.items():
        item_id = plain(raw_id)
        if item_id not in items:
            raise ValueError(f"regions for unknown item id {item_id!r}")
        if isinstance(boxes, (str, bytes, dict)) or not hasattr(boxes, "__iter__"):
            raise ValueError(f"item {item_id!r}: regions must be a list of boxes")
        rows: list[dict] = []
        for n, box in enumerate(boxes):
            where = f"item {item_id!r} region {n}"
            if isinstance(box, dict):
                rid, label = box.get("id"), box.get("label")
                nums = [box.get(k) for k in "xywh"]
            elif isinstance(box, (tuple, list)) and len(box) in (4, 5):
                rid, label, nums = None, (box[4] if len(box) == 5 else None), list(box[:4])
            else:
                raise ValueError(f"{where}: expected a dict or (x, y, w, h[, label])")
            try:
                x, y, w, h = (float(plain(v)) for v in nums)
            except (TypeError, ValueError):
                raise ValueError(f"{where}: x, y, w, h must be numbers") from None
            if not all(math.isfinite(v) for v in (x, y, w, h)) or w <= 0 or h <= 0:
                raise ValueError(f"{where}: x, y, w, h must be finite with a positive width and height")
            width, height = _image_size(items, item_id)
            cx, cy, cw, ch = clip_box([x, y, w, h], width, height).tolist()
            if cw <= 0 or ch <= 0:
                raise ValueError(f"{where}: box {[x, y, w, h]} lies wholly outside the {width}x{height} image")
            given_id = _region_id(rid, where)
            rid = f"r{n + 1}" if given_id is None else given_id
            if not REGION_ID.match(rid) or re.fullmatch(r"d\d+", rid):
                raise ValueError(f"{where}: region id {rid[:60]!r} must be 1-64 letters, digits or _.:- (and not d1, d2, ...: drawn boxes take those)")
            if any(r["id"] == rid for r in rows):
                raise ValueError(f"{where}: region id {rid!r} appears twice")
            label = None if label is None or is_missing(label) else str(plain(label))
            rows.append({"id": rid, "x": round(cx, 2), "y": round(cy, 2), "w": round(cw, 2), "h": round(ch, 2), "label": label})
        out[item_id] = rows
    return out
