"""HallucinationFlagger: mark the words of generated text (captions, answers) that the image does not support.

The image is shown beside one or several models' texts. A span of words is selected with the mouse
or the keyboard, tagged with a category, and linked to evidence: a box on the image, or "not in
image". Each text gets a verdict. Every action is one store event:

    kind="flag"     payload {model, start, end, span, category, evidence, token_start, token_end, text_hash};
                    an edit (new category or evidence) is a new "flag" event with ``supersedes`` =
                    the flag it replaces
    kind="unflag"   payload {model, flag, text_hash}; ``supersedes`` = the removed flag
    kind="verdict"  payload {model, verdict, text_hash}
    kind="undo"     cancels any of the above (the store's undo)

``start``/``end`` are character offsets into the text (Python string indices, end exclusive).
``text_hash`` is a short hash of the text the event was made on (``judged.judged_hash``): an event made
on another text of that item and model (the model run again) is left out when the widget loads, with
a warning naming the item and the model; it stays in the store. Events stored without it (by an
older version) count as before.
"""
from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pandas as pd
import traitlets

from ..coerce import check_item_id, finite_number, is_missing, plain, same
from ..items import Items
from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import STATIC, IntentError, ReviewWidget, intent, static_file
from .judged import judged_hash, warn_stale
from .vqa import per_item

CATEGORIES = ("object", "attribute", "count", "relation", "other")
VERDICTS = ("faithful", "hallucinated", "unsure")
_EXPECTED = "a list aligned with the items, a Series or a dict by item id"  # normalise_texts: the forms of one model's texts
_PUNCT = ".,;:!?\"'()[]{}«»“”‘’"


def tokenize(text: str) -> list[tuple[int, int]]:
    """Word spans ``(start, end)`` of ``text``: runs of non-space, without surrounding punctuation.

    Example:
        >>> t = "Two red (round) circles."
        >>> [t[s:e] for s, e in tokenize(t)]
        ['Two', 'red', 'round', 'circles']
    """
    spans = []
    for m in re.finditer(r"\S+", text):
        s, e = m.start(), m.end()
        while s < e and text[s] in _PUNCT:
            s += 1
        while e > s and text[e - 1] in _PUNCT:
            e -= 1
        spans.append((s, e) if s < e else (m.start(), m.end()))
    return spans


def pieces(text: str, tokens: list[tuple[int, int]]) -> list[list]:
    """The text cut into ``[substring, is_token]`` pieces (the view renders these, as text)."""
    out, at = [], 0
    for s, e in tokens:
        if s > at:
            out.append([text[at:s], 0])
        out.append([text[s:e], 1])
        at = e
    if at < len(text):
        out.append([text[at:], 0])
    return out


def _texts_by_item(texts: Mapping) -> bool:
    """Whether a dict of texts is ``{item_id: text}`` (every value a single text: a str, or missing,
    or another scalar that is refused later naming its item) rather than ``{model: texts}`` (every
    value a list, array, Series or dict). A dict that mixes the two is refused: a ValueError
    naming a key of each kind.

    Example:
        >>> _texts_by_item({"1": "a dog", "2": None}), _texts_by_item({"m1": ["a dog", "a cat"]})
        (True, False)
    """
    singles: list = []
    sequences: list = []
    for key, value in texts.items():
        (sequences if pd.api.types.is_list_like(value) else singles).append(key)
    if singles and sequences:
        raise ValueError(f"texts: a dict of texts by item id ({{item_id: text}}) or by model ({{model: texts}}), "
                         f"not both: key {plain(singles[0])!r} holds one text, key {plain(sequences[0])!r} "
                         "a sequence of texts")
    return bool(singles)


def normalise_texts(texts: Any, items: Items) -> tuple[list[str], dict[Hashable, dict[str, str]]]:
    """Texts in any accepted shape → (model names, ``{item_id: {model: text}}``).

    Accepted: a list / tuple / array of strs aligned with the items by position, or a Series (by its
    index) or dict keyed by item id (one model, named "text"; every value one text); a dict
    ``{model: texts}`` whose values take those forms (every value a list, Series or dict; a dict
    that mixes single texts and sequences is refused); a wide DataFrame (one column per model)
    indexed by item id; a long DataFrame with columns ``item_id, model, text`` (one row per item
    and model). A Series, a dict of texts and a wide DataFrame are read by item id, never by
    position: every index entry or key must be an item id and every item present. Missing texts
    (None / NaN) are allowed. Model names are strs (``str(name)``): two names that read alike
    (``1`` and ``"1"``) are refused.
    """
    def aligned(name: str | None, values: Any) -> dict:
        """One model's texts (``name``; None: the only texts) as ``{item_id: text}`` (``vqa.per_item``)."""
        if name is None:
            return per_item("texts", values, items, count="{name}: {n} {name} for {total} items", expected=_EXPECTED)
        return per_item("texts", values, items, where=f"model {name!r}: ", expected=_EXPECTED)

    columns: dict[str, dict] = {}
    named: dict[str, Any] = {}  # model name -> the name as given (to refuse 1 and "1")

    def model_name(raw: Any) -> str:
        raw = plain(raw)
        if is_missing(raw):
            raise ValueError("a model name is missing (None / NaN)")
        name = str(raw)
        if name in named and not same(named[name], raw):
            raise ValueError(f"models {named[name]!r} and {raw!r} both read as model {name!r}: give them distinct names")
        named[name] = raw
        return name

    if isinstance(texts, pd.DataFrame):
        if {"item_id", "model", "text"} <= set(texts.columns):
            for n, row in enumerate(texts[["item_id", "model", "text"]].itertuples(index=False)):
                item_id = check_item_id(row.item_id, items, where=f"texts row {n}")
                model = model_name(row.model)
                found = columns.setdefault(model, {})
                if item_id in found:
                    raise ValueError(f"texts row {n}: item {item_id!r}, model {model!r} has a text already "
                                     "(one row per item and model)")
                found[item_id] = row.text
        else:
            if not texts.columns.is_unique:
                raise ValueError(f"texts: column {plain(texts.columns[texts.columns.duplicated()][0])!r} appears twice")
            for col in texts.columns:
                columns[model_name(col)] = aligned(str(plain(col)), texts[col])
    elif isinstance(texts, Mapping) and _texts_by_item(texts):
        try:
            columns["text"] = aligned(None, texts)
        except ValueError as exc:  # perhaps meant as {model: text}: say how the dict was read
            raise ValueError(f"{exc}; a dict of single texts is read as {{item_id: text}} "
                             "(for {model: texts}, give each model a list, Series or dict of texts)") from None
    elif isinstance(texts, Mapping):
        for raw, values in texts.items():
            name = model_name(raw)
            columns[name] = aligned(name, values)
    elif isinstance(texts, (str, bytes)):
        raise ValueError("texts must be a sequence of texts (one per item), not a single string")
    else:
        columns["text"] = aligned(None, texts)
    if not columns:
        raise ValueError("no texts given")
    out: dict[Hashable, dict[str, str]] = {i: {} for i in items.ids}
    for model, values in columns.items():
        if not model or len(model) > 200:
            raise ValueError(f"model names must be 1-200 characters, got {model[:40]!r}")
        for item_id, text in values.items():
            if is_missing(text):
                continue
            if not isinstance(text, str):
                raise ValueError(f"item {item_id!r}, model {model!r}: text must be a str, not {type(text).__name__}")
            out[item_id][model] = text
    return list(columns), out


class HallucinationFlagger(ReviewWidget):
    """Flag hallucinated spans of generated text against the image, with categories and evidence.

    Keys (while the widget has focus): ←/→ move the word cursor, Shift+←/→ extend the selection,
    ↑/↓ switch between the models' texts, 1–9 tag the selection with a category, b draws an
    evidence box (arrows move it, Shift+arrows resize, Enter keeps it, Esc cancels), n marks the
    flag "not in image", Delete removes the flag under the cursor, a / h / u give the text's verdict
    (faithful / hallucinated / unsure), Enter or ] goes to the next image, [ back, Backspace or
    Ctrl+Z undoes, ? lists the keys. With the mouse: drag over words, click a category, drag a box
    on the image.

    Args:
        items: the images (``Items`` or anything it accepts).
        texts: the generated texts — see ``normalise_texts`` (a DataFrame with one column per model
            shows the models side by side).
        store: the ``AnnotationStore``; task: its task name.
        categories: the hallucination categories (keys 1–9 pick the first nine).

    Each flag, removal and verdict is stored with a hash of the text it was made on: stored ones made
    on another text of the item and model (a caption generated again) are left out of ``flags``,
    ``verdicts``, ``summary()``, ``n_done`` and the view, with a warning naming the item and the model
    (they stay in the store), and an undo never brings one back. Ones stored without the hash (by an
    older version) count as before.

    Example:
        >>> import numpy as np
        >>> w = HallucinationFlagger(np.zeros((2, 8, 8), np.uint8), ["a red cat", "two dogs"],
        ...                          store=AnnotationStore(":memory:"))
        >>> w.flags.empty, list(w.summary().columns)
        (True, ['model', 'category', 'n_reviewed', 'n_flagged', 'rate'])
    """

    _esm = STATIC / "hallucination.js"
    _css = STATIC / "hallucination.css"
    categories: traitlets.List[Any] = traitlets.List().tag(sync=True)
    models: traitlets.List[Any] = traitlets.List().tag(sync=True)
    display_size = traitlets.Int(320).tag(sync=True)

    def __init__(
        self,
        items: Any,
        texts: Any,
        store: AnnotationStore | None = None,
        task: str = "hallucination",
        categories: Sequence[str] = CATEGORIES,
        queue: QueueSpec = None,
        annotator: str | None = None,
        display_size: int = 320,
        title: str = "",
    ):
        static_file("hallucination.js")
        items = items if isinstance(items, Items) else Items(items)
        if items.is_text or items.is_video:
            raise ValueError("HallucinationFlagger needs images as items (the texts go in `texts`)")
        if isinstance(categories, str) or not categories:
            raise ValueError("categories must be a non-empty sequence of strs")
        categories = [str(c) for c in categories]
        if len(set(categories)) != len(categories) or any(not c or len(c) > 100 for c in categories):
            raise ValueError(f"categories must be unique, 1-100 characters: {categories}")
        models, self.texts = normalise_texts(texts, items)
        self._tokens = {(i, m): tokenize(t) for i, d in self.texts.items() for m, t in d.items()}
        self._hashes: dict[tuple[Hashable, str], str] = {}  # (item id, model) -> judged_hash(text), made when asked
        self._events: dict[int, dict] = {}  # event_id -> {kind, item_id, payload, supersedes}
        self._by_item: dict[Hashable, list[int]] = {}  # item id (an int or a str) -> its event ids, oldest first
        self._undone: set[int] = set()
        super().__init__(
            items, store=store, task=task, queue=queue, annotator=annotator,
            categories=categories, models=models, display_size=display_size, title=title,
        )
        # resume at the first image with a text still without a verdict
        self.position = next((n for n, i in enumerate(self.order) if self.texts[i] and not self._done_at[n]), 0)

    # ------------------------------------------------------------------ state
    def _text_hash(self, item_id: Hashable, model: Any) -> str | None:
        """The hash of the item's text from ``model`` (None: the item has no such text)."""
        if not isinstance(model, str):
            return None
        key = (item_id, model)
        found = self._hashes.get(key)
        if found is None:
            text = self.texts[item_id].get(model)
            if text is None:
                return None
            found = self._hashes[key] = judged_hash(text)
        return found

    def _fits(self, item_id: Hashable, payload: Any) -> bool:
        """Whether a stored flag, removal or verdict was made on the item's current text of its model
        (one stored without the hash, by an older version, fits)."""
        made_on = payload.get("text_hash") if isinstance(payload, dict) else None
        return made_on is None or made_on == self._text_hash(item_id, payload.get("model"))

    def _load(self) -> None:
        """This annotator's events of the task; those made on another text of their item and model
        are left out (with a warning), and so is a flag that such an event edited or removed (it was
        on that text too, even when it was stored without a hash)."""
        rows: list[tuple[int, str, Hashable, dict, int | None]] = []
        for row in self.store.events(self.task).itertuples():
            if row.annotator != self.annotator:
                continue
            if row.kind == "undo":
                self._undone.add(int(row.supersedes))
            elif row.kind in ("flag", "unflag", "verdict") and row.item_id in self.items:
                sup = None if pd.isna(row.supersedes) else int(row.supersedes)
                rows.append((int(row.event_id), row.kind, row.item_id, row.payload, sup))
        stale = {e for e, _, item_id, payload, _ in rows if not self._fits(item_id, payload)}
        for e, _, _, _, sup in reversed(rows):  # newest first: an edit's target is older than the edit
            if e in stale and sup is not None:
                stale.add(sup)
        shown: dict[tuple, None] = {}  # the (item, model) pairs left out, in the store's order
        for e, kind, item_id, payload, sup in rows:
            if e not in stale:
                self._keep(e, kind, item_id, payload, sup)
            elif e not in self._undone:
                shown[(item_id, payload.get("model") if isinstance(payload, dict) else None)] = None
        if shown:
            warn_stale(f"stored flags or verdicts of task {self.task!r} were made on another text of {len(shown)} "
                       "(item, model) pairs (the texts generated again, or other items under the task)",
                       list(shown))

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is not None:
            self._keep(event["event_id"], event["kind"], key, event["payload"], event["supersedes"])

    def _mirror_undo(self, key: Hashable, target: int | None) -> None:
        if target is not None:  # always: _on_undo names the flag's event
            self._undone.add(target)  # the log is kept whole: the undone event drops out of every read

    def _keep(self, event_id: int, kind: str, item_id: Hashable, payload: dict, supersedes: int | None) -> None:
        self._events[event_id] = {"kind": kind, "item_id": item_id, "payload": payload, "supersedes": supersedes}
        self._by_item.setdefault(item_id, []).append(event_id)

    def _active(self, item_id: Hashable | None = None) -> list[tuple[int, dict]]:
        """The events no undo cancels, oldest first: all, or one item's (read from its own list)."""
        ids = sorted(self._events) if item_id is None else self._by_item.get(item_id, [])
        return [(e, self._events[e]) for e in ids if e not in self._undone]

    @staticmethod
    def _superseded(active: list[tuple[int, dict]]) -> set[int]:
        """The flags that an edit or a removal among the ``active`` events replaced (same item)."""
        return {ev["supersedes"] for _, ev in active if ev["kind"] in ("flag", "unflag") and ev["supersedes"] is not None}

    def _replaced(self, item_id: Hashable) -> set[int]:
        """The item's events that are no longer current actions: flags an edit or a removal replaced,
        and verdicts a newer verdict on the same text replaced."""
        active = self._active(item_id)
        newest = {ev["payload"]["model"]: e for e, ev in active if ev["kind"] == "verdict"}  # oldest first: the last wins
        older = {e for e, ev in active if ev["kind"] == "verdict" and newest[ev["payload"]["model"]] != e}
        return self._superseded(active) | older

    def _live_flags(self, item_id: Hashable | None = None) -> list[tuple[int, dict]]:
        active = self._active(item_id)
        replaced = self._superseded(active)
        return [(e, ev) for e, ev in active if ev["kind"] == "flag" and e not in replaced]

    def _verdicts(self, item_id: Hashable | None = None) -> dict[tuple, str]:
        out = {}
        for _, ev in self._active(item_id):
            if ev["kind"] == "verdict":
                out[(ev["item_id"], ev["payload"]["model"])] = ev["payload"]["verdict"]
        return out

    def _is_done(self, item_id: Hashable) -> bool:
        """Every text of the item has a verdict."""
        if not self.texts[item_id]:
            return False
        verdicts = self._verdicts(item_id)
        return all((item_id, m) in verdicts for m in self.texts[item_id])

    # ------------------------------------------------------------------ public API
    @property
    def flags(self) -> pd.DataFrame:
        """Current flags: item_id, model, start, end, span, category, evidence ("box", "not_in_image"
        or None), box ((x0, y0, x1, y1) in image pixels, or None), annotator, event_id."""
        rows = []
        for e, ev in self._live_flags():
            p = ev["payload"]
            evidence = p.get("evidence") or {}
            box = tuple(evidence["box"]) if evidence.get("kind") == "box" else None
            rows.append((ev["item_id"], p["model"], p["start"], p["end"], p["span"], p["category"],
                         evidence.get("kind"), box, self.annotator, e))
        cols = ["item_id", "model", "start", "end", "span", "category", "evidence", "box", "annotator", "event_id"]
        df = pd.DataFrame(rows, columns=cols)
        df["evidence"] = df["evidence"].astype(object).where(df["evidence"].notna(), None)  # None, not NaN
        return df

    @property
    def verdicts(self) -> pd.DataFrame:
        """Current verdict per text: item_id, model, verdict ("faithful", "hallucinated", "unsure"), n_flags."""
        flags = self.flags
        counts = flags.groupby(["item_id", "model"]).size().to_dict() if len(flags) else {}
        rows = [(i, m, v, int(counts.get((i, m), 0))) for (i, m), v in self._verdicts().items()]
        return pd.DataFrame(rows, columns=["item_id", "model", "verdict", "n_flags"])

    def summary(self) -> pd.DataFrame:
        """Hallucination rate per model, overall (category "any") and per category, over every item
        (not only the queue's: ``set_queue`` changes what is shown, not what was reviewed).

        A text counts as reviewed when it has a flag or a verdict other than "unsure"; it counts as
        hallucinated ("any") when it has at least one flag or the verdict "hallucinated", and in a
        category when it has a flag of that category. Columns: model, category, n_reviewed,
        n_flagged, rate (n_flagged / n_reviewed, NaN when nothing was reviewed).
        """
        verdicts = self._verdicts()
        flagged: dict[tuple, set] = {}
        for _, ev in self._live_flags():
            flagged.setdefault((ev["item_id"], ev["payload"]["model"]), set()).add(ev["payload"]["category"])
        rows = []
        for model in self.models:
            texts = [i for i in self.items.ids if model in self.texts[i]]
            reviewed = [i for i in texts if (i, model) in flagged or verdicts.get((i, model)) in ("faithful", "hallucinated")]
            n = len(reviewed)
            any_ = sum(1 for i in reviewed if (i, model) in flagged or verdicts.get((i, model)) == "hallucinated")
            rows.append((model, "any", n, any_, any_ / n if n else float("nan")))
            for c in self.categories:
                k = sum(1 for i in reviewed if c in flagged.get((i, model), ()))
                rows.append((model, c, n, k, k / n if n else float("nan")))
        return pd.DataFrame(rows, columns=["model", "category", "n_reviewed", "n_flagged", "rate"])

    def flag(
        self, item_id: Hashable, model: str, start: int, end: int, category: str, evidence: dict | None = None
    ) -> int:
        """Flag the characters ``[start, end)`` of a text from code (an import, or a simulated
        reviewer); the span must start and end on word boundaries. Validated as the view's flags
        are; returns the event id.

        Example:
            >>> import numpy as np
            >>> w = HallucinationFlagger(np.zeros((1, 8, 8), np.uint8), ["two red cats"],
            ...                          store=AnnotationStore(":memory:"))
            >>> _ = w.flag(0, "text", 4, 12, "object", {"kind": "not_in_image"})
            >>> w.flags["span"].tolist()
            ['red cats']
        """
        if item_id not in self.items:
            raise ValueError(f"unknown item id {item_id!r}")
        if (item_id, model) not in self._tokens:
            known = sorted({str(m) for i, m in self._tokens if i == item_id})
            raise ValueError(f"item {item_id!r} has no text of model {model!r} (its models: {known[:10]})")
        if isinstance(start, int) and isinstance(end, int) and start >= end:
            raise ValueError(f"[{start}, {end}) is empty or reversed: a flag spans characters start..end-1, start < end")
        tokens = self._tokens[(item_id, model)]
        starts = [n for n, (s, _) in enumerate(tokens) if s == start]
        ends = [n for n, (_, e) in enumerate(tokens) if e == end]
        if not starts or not ends:
            raise ValueError(f"[{start}, {end}) does not start and end on word boundaries of item {item_id!r}, model {model!r}")
        reply = self._intent_from_code("flag", item_id=item_id, model=model, token_start=starts[0], token_end=ends[0],
                                       category=category, evidence=evidence)
        return reply["flag"]

    def verdict(self, item_id: Hashable, model: str, verdict: str) -> int:
        """Give a text its verdict ("faithful", "hallucinated" or "unsure") from code; returns the event id."""
        return int(self._intent_from_code("verdict", item_id=plain(item_id), model=model, verdict=verdict)["event_id"])

    # ------------------------------------------------------------------ hooks
    def _flag_info(self, event_id: int, ev: dict) -> dict:
        p = ev["payload"]
        return {"id": event_id, "model": p["model"], "t0": p["token_start"], "t1": p["token_end"],
                "category": p["category"], "evidence": p.get("evidence"), "span": p["span"]}

    def _item_info(self, item_id: Hashable) -> dict:
        verdicts = self._verdicts(item_id)
        return {
            "texts": [
                {"model": m, "pieces": pieces(t, self._tokens[(item_id, m)]), "verdict": verdicts.get((item_id, m))}
                for m, t in self.texts[item_id].items()
            ],
            "flags": [self._flag_info(e, ev) for e, ev in self._live_flags(item_id)],
        }

    def _item_state(self, item_id: Any) -> dict:
        info = self._item_info(item_id)
        return {"flags": info["flags"], "verdicts": {t["model"]: t["verdict"] for t in info["texts"]}, "n_done": self.n_done}

    # ------------------------------------------------------------------ validation
    def _model(self, content: dict, item_id: Hashable) -> str:
        model = content.get("model")
        if not isinstance(model, str) or model not in self.texts[item_id]:
            raise IntentError(f"item {item_id!r} has no text from model {str(model)[:60]!r}")
        return model

    def _flag_ref(self, content: dict, item_id: Hashable, key: str) -> tuple[int, dict]:
        ref = content.get(key)
        live = dict(self._live_flags(item_id))
        if isinstance(ref, bool) or not isinstance(ref, int) or ref not in live:
            raise IntentError(f"no current flag {str(ref)[:30]!r} on item {item_id!r}")
        return ref, live[ref]

    def _evidence(self, value: Any, item_id: Hashable) -> dict | None:
        if value is None:
            return None
        if not isinstance(value, dict) or value.get("kind") not in ("box", "not_in_image"):
            raise IntentError('evidence must be null, {"kind": "not_in_image"} or {"kind": "box", "box": [x0, y0, x1, y1]}')
        if value["kind"] == "not_in_image":
            if set(value) != {"kind"}:
                raise IntentError("not_in_image evidence takes no other fields")
            return {"kind": "not_in_image"}
        box = value.get("box")
        if set(value) != {"kind", "box"} or not isinstance(box, list) or len(box) != 4:
            raise IntentError("a box is [x0, y0, x1, y1] in image pixels")
        coords = [c for v in box if (c := finite_number(v)) is not None]
        if len(coords) != 4:
            raise IntentError(f"item {item_id!r}: box coordinates must be finite numbers")
        media = self.items.media(item_id)
        w, h = media.width, media.height
        x0, y0, x1, y1 = coords
        if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
            raise IntentError(f"box {[round(v, 1) for v in box]} is not inside the {w}×{h} image (or is empty)")
        return {"kind": "box", "box": [round(x0, 2), round(y0, 2), round(x1, 2), round(y1, 2)]}

    def _category(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.categories:
            raise IntentError(f"unknown category {str(value)[:60]!r}")
        return value

    # ------------------------------------------------------------------ intents
    @intent("flag")
    def _on_flag(self, content: dict) -> dict:
        """New flag {item_id, model, token_start, token_end, category, evidence?}, or an edit of
        one {item_id, replaces, category?, evidence?}."""
        item_id = self._item_id(content)
        if "replaces" in content:
            old_id, old = self._flag_ref(content, item_id, "replaces")
            payload = dict(old["payload"])
            if "category" in content:
                payload["category"] = self._category(content["category"])
            if "evidence" in content:
                payload["evidence"] = self._evidence(content["evidence"], item_id)
            if payload == old["payload"]:
                raise IntentError("the edit changes nothing")
            # made on the current text (the flag is live: on this text, or stored without a hash)
            payload["text_hash"] = self._text_hash(item_id, payload["model"])
            done = self._commit(item_id, "flag", payload, supersedes=old_id)
            return self._answer(content, done, flag=done.event_id)
        model = self._model(content, item_id)
        tokens = self._tokens[(item_id, model)]
        t0, t1 = content.get("token_start"), content.get("token_end")
        if not (
            isinstance(t0, int) and not isinstance(t0, bool) and isinstance(t1, int) and not isinstance(t1, bool)
            and 0 <= t0 <= t1 < len(tokens)
        ):
            raise IntentError(f"words {str(t0)[:20]}..{str(t1)[:20]} are not a span of this text ({len(tokens)} words)")
        category = self._category(content.get("category"))
        evidence = self._evidence(content.get("evidence"), item_id)
        start, end = tokens[t0][0], tokens[t1][1]
        text = self.texts[item_id][model]
        for _, ev in self._live_flags(item_id):
            p = ev["payload"]
            if p["model"] == model and p["start"] == start and p["end"] == end:
                raise IntentError(f"this span is already flagged ({p['category']}): edit or remove that flag")
        payload = {"model": model, "start": start, "end": end, "span": text[start:end], "category": category,
                   "evidence": evidence, "token_start": t0, "token_end": t1, "text_hash": self._text_hash(item_id, model)}
        done = self._commit(item_id, "flag", payload)
        return self._answer(content, done, flag=done.event_id)

    @intent("unflag")
    def _on_unflag(self, content: dict) -> dict:
        item_id = self._item_id(content)
        flag_id, flag = self._flag_ref(content, item_id, "flag")
        model = flag["payload"]["model"]
        payload = {"model": model, "flag": flag_id, "text_hash": self._text_hash(item_id, model)}
        return self._answer(content, self._commit(item_id, "unflag", payload, supersedes=flag_id))

    @intent("verdict")
    def _on_verdict(self, content: dict) -> dict:
        item_id = self._item_id(content)
        model = self._model(content, item_id)
        verdict = content.get("verdict")
        if verdict not in VERDICTS:
            raise IntentError(f"unknown verdict {str(verdict)[:40]!r} (expected one of {', '.join(VERDICTS)})")
        payload = {"model": model, "verdict": verdict, "text_hash": self._text_hash(item_id, model)}
        return self._answer(content, self._commit(item_id, "verdict", payload))

    @intent("undo")
    def _on_undo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        target = content.get("event_id")
        ev = self._events.get(target) if isinstance(target, int) and not isinstance(target, bool) else None
        if (ev is None or target in self._undone or not same(ev["item_id"], item_id)
                or target in self._replaced(item_id)):  # a flag edited or removed since, a verdict given again
            raise IntentError(f"nothing to undo: event {str(target)[:30]!r} is not a current action on item {item_id!r}")
        return self._answer(content, self._undo(item_id, target=target))
