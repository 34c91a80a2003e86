"""RetrievalVerifier: judge a query's ranked results (relevant / not relevant / unsure) by keyboard.

A query (text or image) is shown above its ranked results in a grid. Each judgement is one store
event; precision@k, recall@k (when the relevant sets are known), reciprocal rank and nDCG@k are
recomputed in Python after each one and shown live, per query and overall.

Store layout: ``kind="judge"`` events whose ``item_id`` is the JSON text of ``[query_id, item_id]``
and whose payload is ``{query_id, item_id, judgement, rank, score, query_hash, item_hash}``; undo
cancels the latest one. ``query_hash`` / ``item_hash`` are short hashes of the query's and the
result's content (``certificates.item_hash``): a stored judgement whose query or result now holds
other content (the ids are positions and the data were reordered, or items were added) is left out,
with a warning, and stays in the store. Judgements stored without them are taken as before.
"""
from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
import traitlets

from ..coerce import _shown as shown_repr
from ..coerce import check_item_id, is_item_id, is_missing, plain, to_numpy, warn_user
from ..items import Items
from ..metrics.retrieval import ndcg_at_k, precision_at_k, recall_at_k, reciprocal_rank
from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import STATIC, Committed, IntentError, ReviewWidget, intent, media_info, static_file

JUDGEMENTS = ("relevant", "not_relevant", "unsure")
HASH_CHARS = 16  # the stored content hashes: the first 16 hex digits of item_hash's SHA-256
Results = dict  # {query_id: [(item_id, score | None), ...]} in rank order


def pair_key(query_id: Hashable, item_id: Hashable) -> str:
    """The store's item id for one (query, result) pair."""
    return json.dumps([query_id, item_id])


def normalise_results(results: Any, queries: Items, items: Items) -> Results:
    """Ranked results in any accepted shape → ``{query_id: [(item_id, score or None), ...]}``.

    Accepted: a dict ``{query_id: [item_id, ...] | [(item_id, score), ...]}`` (a list or tuple in
    rank order: a set has no order and is refused); a DataFrame with columns ``query_id, item_id``
    and optionally ``score`` / ``rank`` (sorted by rank, unique per query; else by score descending;
    else kept as given); or a tuple ``(indices, scores)`` of ``(n_queries, k)`` arrays aligned with
    the queries, holding positions into ``items``. Scores, when given, must not increase down a
    ranking (a higher score ranked lower contradicts the ranking: distances? give their negatives).
    Errors name the query.
    """
    out: Results = {}

    def query_id(raw: Any) -> Hashable:
        return check_item_id(raw, queries, error=lambda m: ValueError(f"results: {m.replace('item id', 'query id')}"))

    if isinstance(results, tuple) and len(results) == 2 and not isinstance(results[0], (str, int)):
        idx, scores = to_numpy(results[0]), to_numpy(results[1])
        if idx.ndim != 2 or idx.shape != scores.shape or idx.shape[0] != len(queries):
            raise ValueError(
                f"(indices, scores) must both be (n_queries={len(queries)}, k) arrays, got {idx.shape} and {scores.shape}"
            )
        if not np.issubdtype(idx.dtype, np.integer) or idx.min(initial=0) < 0 or idx.max(initial=0) >= len(items):
            raise ValueError(f"indices must be integer positions into items (0..{len(items) - 1})")
        if scores.dtype.kind not in "iuf":
            raise ValueError(f"scores must be numbers, not {scores.dtype}")
        for qid, row, srow in zip(queries.ids, idx, scores):
            out[qid] = [(items.ids[int(i)], float(s)) for i, s in zip(row, srow)]
    elif isinstance(results, pd.DataFrame):
        missing = {"query_id", "item_id"} - set(results.columns)
        if missing:
            raise ValueError(f"a results DataFrame needs columns query_id, item_id (missing {sorted(missing)})")
        qids = [query_id(q) for q in results["query_id"]]
        rids = [plain(r) for r in results["item_id"]]
        given = results["score"].tolist() if "score" in results.columns else [None] * len(results)
        given_scores = [None if is_missing(sc) else _score(sc, q, r) for q, r, sc in zip(qids, rids, given)]
        if "rank" in results.columns:
            ranks = [plain(v) for v in results["rank"]]
            first: dict[tuple, Hashable] = {}
            for q, r, rank in zip(qids, rids, ranks):
                if isinstance(rank, bool) or not isinstance(rank, (int, float)) or not math.isfinite(rank):
                    raise ValueError(f"query {q!r}, item {r!r}: rank must be a finite number, not {str(rank)[:30]!r}")
                if (q, rank) in first:
                    raise ValueError(f"query {q!r}: rank {rank!r} is given to items {first[(q, rank)]!r} and {r!r}: "
                                     "ranks must be unique per query")
                first[(q, rank)] = r
            order = sorted(range(len(results)), key=lambda n: ranks[n])
        elif "score" in results.columns:
            gap = next((n for n, sc in enumerate(given_scores) if sc is None), None)
            if gap is not None:
                raise ValueError(f"query {qids[gap]!r}, item {rids[gap]!r}: no score to rank by (NaN or None): "
                                 "give every row a score, or a rank column")
            order = sorted(range(len(results)), key=lambda n: -cast(float, given_scores[n]))
        else:
            order = list(range(len(results)))
        for n in order:  # stable: within a query, rank (or score, or row) order
            out.setdefault(qids[n], []).append((rids[n], given_scores[n]))
    elif isinstance(results, Mapping):
        for raw_qid, ranked in results.items():
            qid = query_id(raw_qid)
            if isinstance(ranked, (str, bytes)):
                raise ValueError(f"query {qid!r}: results must be a list of item ids, not a string")
            if isinstance(ranked, (set, frozenset, Mapping)) or not hasattr(ranked, "__iter__"):
                raise ValueError(f"query {qid!r}: results must be a list in rank order, not a {type(ranked).__name__} "
                                 + ("(a set has no order)" if isinstance(ranked, (set, frozenset)) else
                                    "(a dict {item: score}? give list(d.items()) in rank order)" if isinstance(ranked, Mapping) else ""))
            row = []
            for r in ranked:
                if isinstance(r, (tuple, list)) and len(r) == 2:
                    row.append((plain(r[0]), None if r[1] is None else _score(r[1], qid, r[0])))
                else:
                    row.append((plain(r), None))
            out[qid] = row
    else:
        raise ValueError("results must be a dict {query_id: ranked item ids}, a DataFrame or (indices, scores)")
    for qid, ranked in out.items():
        seen = set()
        last: tuple[Hashable, float] | None = None
        for rid, score in ranked:
            if not is_item_id(rid) or rid not in items:
                raise ValueError(f"query {qid!r}: unknown result item id {rid!r}")
            if rid in seen:
                raise ValueError(f"query {qid!r}: item {rid!r} is ranked twice")
            if score is not None and not math.isfinite(score):
                raise ValueError(f"query {qid!r}, item {rid!r}: score is not finite")
            if score is not None:
                if last is not None and score > last[1]:
                    raise ValueError(
                        f"query {qid!r}: item {rid!r} (score {score:g}) is ranked below item {last[0]!r} (score {last[1]:g}): "
                        "scores must not increase down a ranking (distances? rank by them ascending and give their "
                        "negatives as scores)")
                last = (rid, score)
            seen.add(rid)
    for qid in queries.ids:
        out.setdefault(qid, [])
    return out


def _score(value: Any, query_id: Hashable, item_id: Any) -> float:
    """A result's score as a float: a finite number, not a bool or a str (errors name the query)."""
    score = plain(value)
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        raise ValueError(f"query {query_id!r}, item {plain(item_id)!r}: score must be a finite number, not {repr(score)[:30]}")
    return float(score)


class RetrievalVerifier(ReviewWidget):
    """Judge ranked retrieval results per query, with live precision@k, recall@k, MRR and nDCG@k.

    Keys (while the widget has focus): arrows move between results, 1 / r marks relevant,
    2 / n not relevant, 3 / u unsure (the focus then moves on), Enter or ] goes to the next query,
    [ to the previous one, Backspace or Ctrl+Z undoes, ? lists the keys. The mouse picks a result;
    the buttons judge it.

    Metrics use the human judgements: a result counts as relevant only when judged relevant
    (unsure and unjudged count as not relevant). With ``relevant`` given, recall@k and the ideal
    ranking of nDCG@k use the known relevant set (plus any result judged relevant outside it);
    without it, recall is ``nan`` and nDCG's ideal is the judged results re-sorted. Overall figures
    are means over the queries with at least one judgement.

    Each judgement is stored with short hashes of its query's and its result's content: a stored
    judgement made on other content (ids are positions: the gallery or the queries were reordered,
    or items added) is left out of the view, the metrics and ``judgements``, with a warning naming
    it, and stays in the store.

    Args:
        queries: the queries: texts, images, or anything ``Items`` accepts (ids = query ids).
        results: ranked results: ``{query_id: [(item_id, score), ...]}``, a DataFrame
            (query_id, item_id[, score][, rank]) or ``(indices, scores)`` arrays — see
            ``normalise_results``.
        items: the retrievable items (images or texts), ``Items`` or anything it accepts.
        store: the ``AnnotationStore``; task: its task name.
        relevant: optional ground truth ``{query_id: iterable of relevant item ids}``.
        k: the cut-off of the metrics and the number of results shown (default: the longest list).
        columns: results per grid row.

    Example:
        >>> w = RetrievalVerifier(["a red circle"], {0: [("x", 0.9), ("y", 0.4)]},
        ...                       Items(["red circle", "blue square"], ids=["x", "y"]),
        ...                       store=AnnotationStore(":memory:"), relevant={0: ["x"]})
        >>> w.judgements.empty, w.overall_metrics["n_queries"]
        (True, 0)
    """

    _esm = STATIC / "retrieval.js"
    _css = STATIC / "retrieval.css"
    k = traitlets.Int(10).tag(sync=True)
    columns = traitlets.Int(5).tag(sync=True)
    thumb_size = traitlets.Int(120).tag(sync=True)
    query_size = traitlets.Int(200).tag(sync=True)
    overall = traitlets.Dict().tag(sync=True)  # the overall metrics, live
    relevant_known = traitlets.Bool(False).tag(sync=True)

    def __init__(
        self,
        queries: Any,
        results: Any,
        items: Any,
        store: AnnotationStore | None = None,
        task: str = "retrieval",
        relevant: Mapping[Hashable, Any] | None = None,
        k: int | None = None,
        queue: QueueSpec = None,
        annotator: str | None = None,
        columns: int = 5,
        thumb_size: int = 120,
        query_size: int = 200,
        title: str = "",
    ):
        static_file("retrieval.js")
        queries = queries if isinstance(queries, Items) else Items(queries)
        result_items = items if isinstance(items, Items) else Items(items)
        self.results: Results = normalise_results(results, queries, result_items)
        longest = max((len(r) for r in self.results.values()), default=0)
        if k is None:
            k = max(1, longest)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive int, not {k!r}")
        self.relevant: dict[Hashable, set] | None = None
        if relevant is not None:
            self.relevant = {}
            for raw_qid, ids in relevant.items():
                qid = check_item_id(raw_qid, queries, error=lambda m: ValueError(f"relevant: {m.replace('item id', 'query id')}"))
                if isinstance(ids, Mapping):
                    raise ValueError(f"relevant[{qid!r}]: give the relevant item ids (a list or set), not a dict")
                try:
                    self.relevant[qid] = {check_item_id(i, result_items)
                                          for i in ([ids] if isinstance(plain(ids), (str, int)) else ids)}
                except ValueError as exc:
                    raise ValueError(f"relevant[{qid!r}]: {exc}") from None
            for qid in queries.ids:
                self.relevant.setdefault(qid, set())
        for name, value, low in (("columns", columns, 1), ("thumb_size", thumb_size, 16), ("query_size", query_size, 16)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, not {value!r}")
        self.queries = queries
        self.result_items = result_items
        self._rank = {qid: {rid: (n + 1, s) for n, (rid, s) in enumerate(r)} for qid, r in self.results.items()}
        self._current: dict[tuple, str] = {}
        self._metrics_cache: dict[Hashable, dict] = {}  # per query, dropped when its judgements change
        self._hashes: dict[tuple[str, Hashable], str | None] = {}  # ("q"/"r", id) -> short content hash (judged ones only)
        self._warned: set[tuple] = set()  # stored judgements already named in a warning
        super().__init__(
            queries, store=store, task=task, queue=queue, annotator=annotator, k=int(k), columns=columns,
            thumb_size=thumb_size, query_size=query_size, title=title, relevant_known=relevant is not None,
        )
        self.overall = self.overall_metrics
        self.position = self._first_open()  # resume

    def _load(self) -> None:
        self._current.update(self._stored())

    def _stored(self, queries: Any = None) -> dict[tuple, str]:
        """This annotator's stored judgements of the results now listed (of ``queries`` only, when
        given): ``{(query_id, item_id): judgement}``. One made on other content — its query's or its
        result's hash differs from the item's now — is left out, with a warning naming it (once)."""
        out: dict[tuple, str] = {}
        elsewhere = []
        for p in self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator)["payload"]:
            q, r, j = p.get("query_id"), p.get("item_id"), p.get("judgement")
            if (queries is None or q in queries) and q in self._rank and r in self._rank[q] and j in JUDGEMENTS:
                if self._same_pair(p):
                    out[(q, r)] = j
                elif (q, r) not in self._warned:
                    self._warned.add((q, r))
                    elsewhere.append((q, r))
        if elsewhere:
            shown = ", ".join(f"({shown_repr(q)}, {shown_repr(r)})" for q, r in elsewhere[:5])
            warn_user(
                f"{len(elsewhere)} stored judgements of task {self.task!r} were made on another query or result "
                f"(its content differs: the ids are positions and the data were reordered, or items were added): "
                f"(query id, item id) {shown}{' …' if len(elsewhere) > 5 else ''}. They stay in the store and are not "
                "applied: give the queries and items ids to keep them")
        return out

    def _hash(self, which: str, item_id: Hashable) -> str | None:
        """A short hash of a query's (``which="q"``) or a result's (``"r"``) content, computed once;
        None when it cannot be read (a missing file)."""
        key = (which, item_id)
        if key not in self._hashes:
            from ..certificates import item_hash

            try:
                self._hashes[key] = item_hash(self.queries if which == "q" else self.result_items, item_id)[:HASH_CHARS]
            except (ValueError, OSError):
                self._hashes[key] = None
        return self._hashes[key]

    def _same_pair(self, payload: dict) -> bool:
        """Whether a stored judgement was made on this query and this result: their content hashes
        (a judgement stored without them, or an item that cannot be read now, is taken as it is)."""
        for which, id_field, hash_field in (("q", "query_id", "query_hash"), ("r", "item_id", "item_hash")):
            stored = payload.get(hash_field)
            if stored is None:
                continue
            now = self._hash(which, payload.get(id_field))
            if now is not None and stored != now:
                return False
        return True

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_embeddings(
        cls,
        query_texts: Any,
        text_vectors: Any,
        items: Any,
        item_vectors: Any,
        k: int = 10,
        **kwargs: Any,
    ) -> RetrievalVerifier:
        """Rank ``items`` for each query by cosine similarity of embeddings (numpy or torch).

        Example:
            >>> import numpy as np
            >>> w = RetrievalVerifier.from_embeddings(["red", "blue"], np.eye(2), ["r", "b", "rb"],
            ...     np.array([[1, 0], [0, 1], [1, 1]]), k=2, store=AnnotationStore(":memory:"))
            >>> [r for r, _ in w.results[0]]
            [0, 2]
        """
        queries = query_texts if isinstance(query_texts, Items) else Items(query_texts)
        result_items = items if isinstance(items, Items) else Items(items)
        q, v = to_numpy(text_vectors).astype(np.float64), to_numpy(item_vectors).astype(np.float64)
        if q.ndim != 2 or v.ndim != 2 or q.shape[1] != v.shape[1]:
            raise ValueError(f"text_vectors (Q, D) and item_vectors (N, D) must share D: got {q.shape} and {v.shape}")
        if len(q) != len(queries) or len(v) != len(result_items):
            raise ValueError(f"{len(q)} text vectors for {len(queries)} queries, {len(v)} item vectors for {len(result_items)} items")
        if not (np.isfinite(q).all() and np.isfinite(v).all()):
            raise ValueError("embeddings contain NaN or inf")
        q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
        v = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        sim = q @ v.T
        k = max(1, min(int(k), len(result_items)))
        order = np.argsort(-sim, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(sim, order, axis=1)
        return cls(queries, (order, scores), result_items, k=k, **kwargs)

    # ------------------------------------------------------------------ public API
    @property
    def judgements(self) -> pd.DataFrame:
        """Current judgements: query_id, item_id, rank, score, judgement, annotator, event_id, created_at."""
        cur = self.store.current(self.task, kinds=("judge",), annotator=self.annotator)
        rows = []
        for p, a, e, t in zip(cur["payload"], cur["annotator"], cur["event_id"], cur["created_at"]):
            q, r = p.get("query_id"), p.get("item_id")
            if q in self._rank and r in self._rank[q] and self._same_pair(p):  # not one made on other content
                rank, score = self._rank[q][r]
                rows.append((q, r, rank, score, p.get("judgement"), a, int(e), t))
        cols = ["query_id", "item_id", "rank", "score", "judgement", "annotator", "event_id", "created_at"]
        df = pd.DataFrame(rows, columns=cols)
        if len(df):
            qpos = {q: n for n, q in enumerate(self.queries.ids)}
            df = df.assign(_q=df["query_id"].map(qpos)).sort_values(["_q", "rank"]).drop(columns="_q")
        return df.reset_index(drop=True)

    def hard_negatives(self, min_score: float | None = None, max_rank: int | None = None) -> pd.DataFrame:
        """Results judged not relevant, highest score first: query_id, item_id, rank, score.

        These are the model's confident mistakes, ready to feed back into training as negatives.
        ``min_score`` / ``max_rank`` keep only the confident ones.
        """
        df = self.judgements
        df = df[df["judgement"] == "not_relevant"]
        if min_score is not None:
            df = df[df["score"].astype(float) >= min_score]
        if max_rank is not None:
            df = df[df["rank"] <= max_rank]
        df = df.assign(_s=df["score"].astype(float).fillna(-np.inf)).sort_values(["_s", "rank"], ascending=[False, True])
        return df[["query_id", "item_id", "rank", "score"]].reset_index(drop=True)

    def query_metrics(self, query_id: Hashable) -> dict:
        """Metrics of one query from the current judgements (see the class docstring)."""
        if query_id not in self._rank:
            raise KeyError(f"unknown query id {query_id!r}")
        cached = self._metrics_cache.get(query_id)
        if cached is None:
            cached = self._metrics_cache[query_id] = self._compute_metrics(query_id)
        return dict(cached)

    def _compute_metrics(self, query_id: Hashable) -> dict:
        k = self.k
        ranked = self.results[query_id]
        judged = {r: self._current[(query_id, r)] for r, _ in ranked if (query_id, r) in self._current}
        rel = [1 if judged.get(r) == "relevant" else 0 for r, _ in ranked]
        out: dict[str, Any] = {
            "n_results": len(ranked),
            "n_judged": sum(1 for r, _ in ranked[:k] if r in judged),
            "n_relevant_judged": sum(1 for j in judged.values() if j == "relevant"),
            "precision_at_k": precision_at_k(rel, k),
            "reciprocal_rank": reciprocal_rank(rel, k),
        }
        if self.relevant is not None:
            found = {r for r, j in judged.items() if j == "relevant"}
            n_rel = len(self.relevant[query_id] | found)
            out["recall_at_k"] = recall_at_k(rel, k, n_rel)
            out["ndcg_at_k"] = ndcg_at_k(rel, k, ideal=[1] * n_rel)
        else:
            out["recall_at_k"] = float("nan")
            out["ndcg_at_k"] = ndcg_at_k(rel, k)
        return out

    @property
    def metrics(self) -> pd.DataFrame:
        """Per-query metrics, indexed by query_id: n_results, n_judged, n_relevant_judged,
        precision_at_k, recall_at_k, reciprocal_rank, ndcg_at_k."""
        rows = [{"query_id": q, **self.query_metrics(q)} for q in self.order]
        return pd.DataFrame(rows).set_index("query_id")

    @property
    def overall_metrics(self) -> dict:
        """Means over the queries with at least one judgement: n_queries, precision_at_k,
        recall_at_k (``nan`` without relevant sets), mrr, ndcg_at_k, n_judged."""
        per = [self.query_metrics(q) for q in self.order if any((q, r) in self._current for r, _ in self.results[q])]

        def mean(key: str) -> float | None:
            vals = [m[key] for m in per if not math.isnan(m[key])]
            return float(np.mean(vals)) if vals else None

        return {
            "k": self.k,
            "n_queries": len(per),
            "n_judged": int(sum(m["n_judged"] for m in per)),
            "precision_at_k": mean("precision_at_k"),
            "recall_at_k": mean("recall_at_k"),
            "mrr": mean("reciprocal_rank"),
            "ndcg_at_k": mean("ndcg_at_k"),
        }

    @traitlets.validate("k")
    def _valid_k(self, proposal: dict) -> int:
        value = proposal["value"]
        if isinstance(value, bool) or value < 1:
            raise traitlets.TraitError(f"k must be a positive int, not {value!r}")
        return value

    @traitlets.observe("k")
    def _k_changed(self, change: dict) -> None:
        self._metrics_cache.clear()
        self._refresh_done()
        self.overall = self.overall_metrics
        self.send({"type": "invalidate"})

    # ------------------------------------------------------------------ hooks
    def _complete(self, query_id: Hashable) -> bool:
        """Every shown result of the query has a judgement."""
        ranked = self.results[query_id][: self.k]
        return bool(ranked) and all((query_id, r) in self._current for r, _ in ranked)

    def _is_done(self, query_id: Hashable) -> bool:
        return self._complete(query_id)

    _state_kinds = ("judge",)

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        q, r = _pair_of(key)
        if event is None or not self._same_pair(event["payload"]):  # an undo back to one made on other content: none
            self._current.pop((q, r), None)
        else:
            self._current[(q, r)] = event["payload"]["judgement"]
        self._metrics_cache.pop(q, None)

    def _label(self, key: Hashable) -> Any:
        return self._current.get(_pair_of(key))

    def _recount_item(self, item_id: Hashable) -> None:
        super()._recount_item(item_id)
        self.overall = self.overall_metrics

    def _answer(self, content: dict, done: Committed, **fields: Any) -> dict:
        q, r = done.item_id, content["item_id"]
        return self._ack(
            content, query_id=q, item_id=r, judgement=self._current.get((q, r)), event_id=done.event_id,
            metrics=self._json_metrics(q), n_done=self.n_done,
        )

    def _json_metrics(self, query_id: Hashable) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in self.query_metrics(query_id).items()}

    # ------------------------------------------------------------------ fetch: "q:<json id>" / "r:<json id>"
    def _fetch_key(self, key: Any) -> tuple[str, Hashable]:
        if not isinstance(key, str) or len(key) > 400 or key[:2] not in ("q:", "r:"):
            raise IntentError(f"bad media key {str(key)[:60]!r}")
        try:
            value = json.loads(key[2:])
        except ValueError:
            raise IntentError(f"bad media key {key[:60]!r}") from None
        source = self.queries if key[0] == "q" else self.result_items
        if not is_item_id(value) or value not in source:
            raise IntentError(f"unknown {'query' if key[0] == 'q' else 'item'} id {str(value)[:60]!r}")
        return key[0], value

    _fetch_noun = "keys"

    def _media(self, key: Any, buffers: list) -> dict:
        which, value = key
        if which == "r":
            return media_info(self.result_items, value, buffers)
        results = [
            {"id": r, "key": "r:" + json.dumps(r), "rank": n + 1, "score": s, "judgement": self._current.get((value, r))}
            for n, (r, s) in enumerate(self.results[value][: self.k])
        ]
        return {**media_info(self.queries, value, buffers), "query_id": value, "results": results, "metrics": self._json_metrics(value)}

    # ------------------------------------------------------------------ intents
    def _pair(self, content: dict) -> tuple[Hashable, Hashable]:
        q = content.get("query_id")
        if not is_item_id(q) or q not in self._rank:
            raise IntentError(f"unknown query id {shown_repr(q)}")
        r = content.get("item_id")
        if not is_item_id(r) or r not in self._rank[q]:  # ids as typed: 0 and '0' are two ids
            raise IntentError(f"item {shown_repr(r)} is not a result of query {shown_repr(q)}")
        if self._rank[q][r][0] > self.k:
            raise IntentError(f"item {shown_repr(r)} is ranked below k={self.k}")
        return q, r

    def _record_judgement(self, q: Hashable, r: Hashable, judgement: Any) -> Committed:
        if judgement not in JUDGEMENTS:
            raise IntentError(f"unknown judgement {str(judgement)[:40]!r} (expected one of {', '.join(JUDGEMENTS)})")
        rank, score = self._rank[q][r]
        payload = {"query_id": q, "item_id": r, "judgement": judgement, "rank": rank, "score": score,
                   "query_hash": self._hash("q", q), "item_hash": self._hash("r", r)}
        return self._commit(q, "judge", payload, key=pair_key(q, r), result_id=r)

    @intent("judge")
    def _on_judge(self, content: dict) -> dict:
        q, r = self._pair(content)
        return self._answer(content, self._record_judgement(q, r, content.get("judgement")))

    def set_results(self, results: Mapping[Hashable, Any]) -> None:
        """Replace the ranked results of the queries given (``{query_id: [(item_id, score), ...]}``, e.g.
        a retrained model's), keeping the others; the view refetches. A judgement of a result no
        longer in a query's list stays in the store but leaves the view and the metrics; one made on
        other content (see the module docstring) is not taken back.

        Example:
            >>> w = RetrievalVerifier(["q"], {0: ["a"]}, Items(["x", "y"], ids=["a", "b"]), k=2,
            ...                       store=AnnotationStore(":memory:"))
            >>> w.set_results({0: [("b", 0.9), ("a", 0.2)]})
            >>> [r for r, _ in w.results[0]]
            ['b', 'a']
        """
        if not isinstance(results, Mapping):
            raise ValueError("set_results takes a dict {query_id: ranked item ids or (item id, score) pairs}")
        new = normalise_results(results, self.queries, self.result_items)
        given = {plain(raw) for raw in results}
        for q in given:
            self.results[q] = new[q]
            self._rank[q] = {rid: (n + 1, s) for n, (rid, s) in enumerate(new[q])}
            for pair in [p for p in self._current if p[0] == q]:
                del self._current[pair]
            self._metrics_cache.pop(q, None)
        # the stored judgements of the results now shown (a result may come back into a list), but
        # not one made on other content
        self._current.update(self._stored(given))
        self._refresh_done()
        self.overall = self.overall_metrics
        self.send({"type": "invalidate"})

    def judge(self, query_id: Hashable, item_id: Hashable, judgement: str) -> int:
        """Record a judgement from code (an import, or a simulated reviewer), validated as the
        view's are; returns the event id. The view refreshes.

        Example:
            >>> w = RetrievalVerifier(["q"], {0: ["a", "b"]}, Items(["x", "y"], ids=["a", "b"]),
            ...                       store=AnnotationStore(":memory:"))
            >>> _ = w.judge(0, "b", "relevant")
            >>> w.query_metrics(0)["reciprocal_rank"]
            0.5
        """
        q, r = self._pair({"query_id": plain(query_id), "item_id": plain(item_id)})  # numpy scalars too
        event_id = self._record_judgement(q, r, judgement).event_id
        self.send({"type": "invalidate"})
        return event_id

    @intent("undo")
    def _on_undo(self, content: dict) -> dict:
        q, r = self._pair(content)
        missing = f"nothing to undo for item {str(r)[:60]!r} of query {str(q)[:60]!r}"
        return self._answer(content, self._undo(q, key=pair_key(q, r), missing=missing, result_id=r))


def _pair_of(key: Hashable) -> tuple[Hashable, Hashable]:
    """(query id, item id) of the store's item id of a pair (``pair_key``: a JSON string)."""
    q, r = json.loads(cast(str, key))
    return q, r
