"""Retrieval metrics against hand-computed values (and scikit-learn), and RetrievalVerifier's
kernel side: result shapes, validated intents, judgements, live metrics, hard negatives."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

import hitl_widgets as hw
from hitl_widgets.metrics.retrieval import dcg_at_k, mrr, ndcg_at_k, precision_at_k, recall_at_k, reciprocal_rank
from hitl_widgets.widgets.retrieval import RetrievalVerifier, normalise_results, pair_key

# ---------------------------------------------------------------------------------------- metrics
# One query, ranked results judged  R N R N N R  (R = relevant), 4 relevant items in the collection.
REL = [1, 0, 1, 0, 0, 1]


def test_precision_at_k_by_hand():
    assert precision_at_k(REL, 1) == 1.0
    assert precision_at_k(REL, 2) == 0.5
    assert precision_at_k(REL, 3) == pytest.approx(2 / 3)
    assert precision_at_k(REL, 6) == 0.5
    assert precision_at_k(REL, 10) == pytest.approx(3 / 10)  # missing results count as not relevant
    assert precision_at_k([0, 0, 0], 3) == 0.0


def test_recall_at_k_by_hand():
    assert recall_at_k(REL, 1, n_relevant=4) == 0.25
    assert recall_at_k(REL, 3, n_relevant=4) == 0.5
    assert recall_at_k(REL, 6, n_relevant=4) == 0.75
    assert math.isnan(recall_at_k([0, 0], 2, n_relevant=0))
    with pytest.raises(ValueError, match="n_relevant"):
        recall_at_k(REL, 6, n_relevant=2)  # more found than exist
    with pytest.raises(ValueError, match="3 relevant results in the ranked list but n_relevant=1"):
        recall_at_k([1, 0, 1, 1], 2, n_relevant=1)  # past the top k too: recall 1.0 would be a wrong n_relevant's


def test_reciprocal_rank_and_mrr_by_hand():
    assert reciprocal_rank([0, 0, 1]) == pytest.approx(1 / 3)
    assert reciprocal_rank([0, 0, 1], k=2) == 0.0
    assert reciprocal_rank([]) == 0.0
    # (1/1 + 1/2 + 0 + 1/4) / 4 = 0.4375
    assert mrr([[1, 0], [0, 1, 1], [0, 0, 0], [0, 0, 0, 1]]) == pytest.approx(0.4375)
    assert math.isnan(mrr([]))


def test_dcg_and_ndcg_by_hand():
    # DCG@6 of R N R N N R = 1/log2(2) + 1/log2(4) + 1/log2(7) = 1 + 0.5 + 0.356207...
    dcg = 1 + 0.5 + 1 / math.log2(7)
    assert dcg_at_k(REL, 6) == pytest.approx(dcg)
    # ideal with 4 relevant items: 1 + 1/log2(3) + 1/log2(4) + 1/log2(5)
    idcg4 = 1 + 1 / math.log2(3) + 0.5 + 1 / math.log2(5)
    assert ndcg_at_k(REL, 6, ideal=[1, 1, 1, 1]) == pytest.approx(dcg / idcg4)
    assert ndcg_at_k(REL, 6, ideal=[1, 1, 1, 1]) == pytest.approx(1.85621 / 2.56161, abs=1e-4)  # = 0.7246
    # default ideal: the retrieved results re-sorted (3 relevant)
    idcg3 = 1 + 1 / math.log2(3) + 0.5
    assert ndcg_at_k(REL, 6) == pytest.approx(dcg / idcg3)
    # @2: DCG = 1, IDCG = 1 + 1/log2(3)
    assert ndcg_at_k(REL, 2, ideal=[1] * 4) == pytest.approx(1 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([0, 0], 2) == 0.0
    assert ndcg_at_k([1, 0, 0], 3) == 1.0


def test_graded_ndcg_matches_scikit_learn():
    rng = np.random.default_rng(0)
    for _ in range(20):
        n = 8
        true = rng.integers(0, 4, n).astype(float)
        scores = rng.permutation(n).astype(float)  # no ties: one ranking
        order = np.argsort(-scores)
        for k in (1, 3, 8):
            ours = ndcg_at_k(true[order], k, ideal=true)
            if true.sum() == 0:
                continue
            assert ours == pytest.approx(ndcg_score([true], [scores], k=k))


def test_metric_input_validation():
    with pytest.raises(ValueError, match="k must be"):
        precision_at_k(REL, 0)
    with pytest.raises(ValueError, match="1-D"):
        precision_at_k([[1, 0]], 1)
    with pytest.raises(ValueError, match="non-negative"):
        ndcg_at_k([1, -1], 2)


@pytest.mark.parametrize("relevance, k, ideal", [
    ([1, 1], 2, [1]),               # two relevant results, one relevant item: was nDCG 1.63
    ([3, 0], 2, [1, 1]),            # a grade-3 result, no grade above 1 in the collection: was 1.84
    ([0, 0, 2], 3, [1, 1, 1]),      # nDCG 0.47 before, within [0, 1] but against a too-small ideal
    ([1, 0, 1], 1, [1]),            # beyond k too: the 2nd relevant result is an item `ideal` lacks
])
def test_ndcg_refuses_results_more_relevant_than_ideal_allows(relevance, k, ideal):
    with pytest.raises(ValueError, match="more relevant than `ideal` allows"):
        ndcg_at_k(relevance, k, ideal=ideal)


def test_ndcg_accepts_every_ideal_that_allows_the_results():
    assert ndcg_at_k([2, 1], 2, ideal=[1, 2]) == 1.0
    assert ndcg_at_k([1, 1], 2, ideal=[1, 1, 1]) == pytest.approx((1 + 1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([1, 0], 2, ideal=[3]) == pytest.approx(1 / 3)  # a less relevant result than the best item
    rng = np.random.default_rng(1)
    for _ in range(200):  # results drawn from a collection, ideal = the whole collection: always allowed, <= 1
        collection = rng.integers(0, 4, 12).astype(float)
        shown = collection[rng.permutation(12)[: int(rng.integers(1, 12))]]
        assert 0.0 <= ndcg_at_k(shown, int(rng.integers(1, 13)), ideal=collection[collection > 0]) <= 1.0


# ---------------------------------------------------------------------------------------- widget
QUERIES = ["red circle", "blue square"]
ITEMS = hw.Items(["a red circle", "a blue square", "red circle and blue square", "green star", "nothing"],
                 ids=["a", "b", "c", "d", "e"])
RESULTS = {0: [("a", 0.9), ("d", 0.8), ("c", 0.7), ("e", 0.1)], 1: [("c", 0.95), ("b", 0.5), ("a", 0.4), ("d", 0.2)]}
RELEVANT = {0: ["a", "c"], 1: ["b", "c"]}


class Recorder:
    """Stands in for the comm: collects what the widget sends, feeds it intents."""

    def __init__(self, w):
        self.w, self.sent, self.seq = w, [], 0
        w.send = lambda content, buffers=None: self.sent.append((content, buffers or []))

    def intent(self, type_, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "test", "seq": self.seq, **fields}, [])
        return self.sent[-1][0]


def make(store=None, **kwargs):
    w = RetrievalVerifier(QUERIES, RESULTS, ITEMS, store=store or hw.AnnotationStore(":memory:"), relevant=RELEVANT, **kwargs)
    return w, Recorder(w)


def test_results_shapes_agree():
    queries = hw.Items(QUERIES)
    as_dict = normalise_results(RESULTS, queries, ITEMS)
    rows = [(q, r, s) for q, lst in RESULTS.items() for r, s in lst]
    df = pd.DataFrame(rows, columns=["query_id", "item_id", "score"]).sample(frac=1, random_state=1)
    assert normalise_results(df, queries, ITEMS) == as_dict
    idx = np.array([[0, 3, 2, 4], [2, 1, 0, 3]])
    scores = np.array([[0.9, 0.8, 0.7, 0.1], [0.95, 0.5, 0.4, 0.2]])
    assert normalise_results((idx, scores), queries, ITEMS) == as_dict
    assert normalise_results({0: ["a", "b"]}, queries, ITEMS)[0] == [("a", None), ("b", None)]
    with pytest.raises(ValueError, match="unknown result item id 'zz'"):
        normalise_results({0: ["zz"]}, queries, ITEMS)
    with pytest.raises(ValueError, match="ranked twice"):
        normalise_results({0: ["a", "a"]}, queries, ITEMS)
    with pytest.raises(ValueError, match="unknown query id 7"):
        normalise_results({7: ["a"]}, queries, ITEMS)


def test_judge_updates_store_metrics_and_judgements():
    w, rec = make()
    assert w.overall_metrics["n_queries"] == 0
    # query 0: a=R, d=N, c=R, e=N  -> P@4 = 0.5, R@4 = 2/2, RR = 1, nDCG@4 = (1 + 1/log2 4) / (1 + 1/log2 3)
    for item, j in [("a", "relevant"), ("d", "not_relevant"), ("c", "relevant"), ("e", "not_relevant")]:
        reply = rec.intent("judge", query_id=0, item_id=item, judgement=j)
        assert reply["type"] == "ack" and reply["judgement"] == j
    m = w.query_metrics(0)
    assert m["precision_at_k"] == 0.5 and m["recall_at_k"] == 1.0 and m["reciprocal_rank"] == 1.0
    assert m["ndcg_at_k"] == pytest.approx((1 + 0.5) / (1 + 1 / math.log2(3)))
    assert reply["metrics"]["precision_at_k"] == 0.5 and w.n_done == 1
    # query 1: c=unsure, b=R -> relevant only at rank 2: RR 0.5, P@4 0.25, R@4 = 1/2
    rec.intent("judge", query_id=1, item_id="c", judgement="unsure")
    rec.intent("judge", query_id=1, item_id="b", judgement="relevant")
    m1 = w.query_metrics(1)
    assert (m1["precision_at_k"], m1["recall_at_k"], m1["reciprocal_rank"]) == (0.25, 0.5, 0.5)
    assert m1["ndcg_at_k"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    overall = w.overall_metrics
    assert overall["n_queries"] == 2 and overall["n_judged"] == 6
    assert overall["mrr"] == pytest.approx(0.75) and overall["precision_at_k"] == pytest.approx(0.375)
    assert overall["recall_at_k"] == pytest.approx(0.75)
    assert w.overall == overall  # the synced trait the view shows
    df = w.judgements
    assert list(df.columns) == ["query_id", "item_id", "rank", "score", "judgement", "annotator", "event_id", "created_at"]
    assert df[["query_id", "item_id", "rank", "judgement"]].values.tolist() == [
        [0, "a", 1, "relevant"], [0, "d", 2, "not_relevant"], [0, "c", 3, "relevant"], [0, "e", 4, "not_relevant"],
        [1, "c", 1, "unsure"], [1, "b", 2, "relevant"],
    ]
    events = w.store.events("retrieval")
    assert list(events["kind"]) == ["judge"] * 6
    assert events["item_id"][0] == pair_key(0, "a")
    p = events["payload"][1]  # with the hashes of what was judged (a judgement is shown only on that content)
    assert {k: v for k, v in p.items() if not k.endswith("_hash")} == {"query_id": 0, "item_id": "d", "judgement": "not_relevant",
                                                                      "rank": 2, "score": 0.8}
    assert len(p["query_hash"]) == len(p["item_hash"]) == 16


def test_metrics_table_and_recall_without_relevant_sets():
    w = RetrievalVerifier(QUERIES, RESULTS, ITEMS, store=hw.AnnotationStore(":memory:"), k=2)
    rec = Recorder(w)
    rec.intent("judge", query_id=0, item_id="d", judgement="relevant")
    table = w.metrics
    assert list(table.index) == [0, 1]
    assert table.loc[0, "precision_at_k"] == 0.5 and table.loc[0, "reciprocal_rank"] == 0.5
    assert math.isnan(table.loc[0, "recall_at_k"])
    assert table.loc[0, "ndcg_at_k"] == pytest.approx((1 / math.log2(3)) / 1.0)  # ideal: judged re-sorted
    assert w.overall_metrics["recall_at_k"] is None
    # k=2: the item ranked 3rd is not shown, so it cannot be judged
    reply = rec.intent("judge", query_id=0, item_id="c", judgement="relevant")
    assert reply["type"] == "refused" and "below k=2" in reply["message"]


def test_undo_restores_the_previous_judgement():
    w, rec = make()
    rec.intent("judge", query_id=0, item_id="d", judgement="relevant")
    rec.intent("judge", query_id=0, item_id="d", judgement="not_relevant")
    reply = rec.intent("undo", query_id=0, item_id="d")
    assert reply["type"] == "ack" and reply["judgement"] == "relevant"
    reply = rec.intent("undo", query_id=0, item_id="d")
    assert reply["judgement"] is None and w.judgements.empty
    assert rec.intent("undo", query_id=0, item_id="d")["type"] == "refused"
    for r in ("a", "d", "c", "e"):  # every shown result of query 0 judged: one query done
        rec.intent("judge", query_id=0, item_id=r, judgement="unsure")
    assert w.n_done == 1
    assert rec.intent("undo", query_id=0, item_id="c")["n_done"] == 0


BAD = [
    ({"query_id": 5, "item_id": "a", "judgement": "relevant"}, "unknown query id"),
    ({"query_id": 0, "item_id": "b", "judgement": "relevant"}, "is not a result of query"),
    ({"query_id": 0, "item_id": "a", "judgement": "yes"}, "unknown judgement"),
    ({"query_id": "0", "item_id": "a", "judgement": "relevant"}, "unknown query id"),
    ({"query_id": 0, "item_id": ["a"], "judgement": "relevant"}, "is not a result"),
    ({"query_id": True, "item_id": "a", "judgement": "relevant"}, "unknown query id"),
]


@pytest.mark.parametrize("fields,message", BAD)
def test_bad_intents_are_refused_and_store_nothing(fields, message):
    w, rec = make()
    reply = rec.intent("judge", **fields)
    assert reply["type"] == "refused" and message in reply["message"]
    assert w.store.events("retrieval").empty and w.refused


def test_fetch_serves_queries_and_results_by_key():
    w, rec = make()
    rec.intent("judge", query_id=1, item_id="b", judgement="relevant")
    w._dispatch(w, {"type": "fetch", "ids": ["q:1", 'r:"c"']}, [])
    msg, buffers = rec.sent[-1]
    q, r = msg["items"]
    assert q["id"] == "q:1" and q["text"] == "blue square" and q["kind"] == "text"
    assert [x["id"] for x in q["results"]] == ["c", "b", "a", "d"]
    assert q["results"][1]["judgement"] == "relevant" and q["results"][1]["key"] == 'r:"b"'
    assert q["metrics"]["precision_at_k"] == 0.25
    assert r["id"] == 'r:"c"' and r["text"] == "red circle and blue square"
    for bad in (["x:1"], ["q:nope"], ["r:\"zz\""], ["q:[1]"], []):
        w._dispatch(w, {"type": "fetch", "ids": bad}, [])
        assert rec.sent[-1][0]["type"] == "refused"


def test_image_results_travel_as_binary():
    images = np.zeros((3, 8, 8, 3), np.uint8)
    w = RetrievalVerifier(["q"], {0: [2, 0]}, images, store=hw.AnnotationStore(":memory:"))
    rec = Recorder(w)
    w._dispatch(w, {"type": "fetch", "ids": ["r:2"]}, [])
    msg, buffers = rec.sent[-1]
    assert msg["items"][0]["kind"] == "image" and buffers[0][:4] == b"\x89PNG"


def test_hard_negatives_sorted_by_score():
    w, rec = make()
    rec.intent("judge", query_id=0, item_id="e", judgement="not_relevant")   # score 0.1
    rec.intent("judge", query_id=0, item_id="d", judgement="not_relevant")   # score 0.8
    rec.intent("judge", query_id=1, item_id="a", judgement="not_relevant")   # score 0.4
    rec.intent("judge", query_id=1, item_id="c", judgement="relevant")
    hn = w.hard_negatives()
    assert hn[["query_id", "item_id", "score"]].values.tolist() == [[0, "d", 0.8], [1, "a", 0.4], [0, "e", 0.1]]
    assert w.hard_negatives(min_score=0.3)["item_id"].tolist() == ["d", "a"]
    assert w.hard_negatives(max_rank=2)["item_id"].tolist() == ["d"]


def test_judgements_survive_a_new_widget_on_the_same_store(tmp_path):
    store = hw.AnnotationStore(tmp_path / "r.db")
    w, rec = make(store)
    rec.intent("judge", query_id=0, item_id="a", judgement="relevant")
    w2, _ = make(hw.AnnotationStore(tmp_path / "r.db"))
    assert w2.query_metrics(0)["precision_at_k"] == 0.25
    assert w2.judgements["item_id"].tolist() == ["a"]


def test_from_embeddings_numpy_and_torch():
    text = np.array([[1.0, 0.0], [0.0, 2.0]])
    items = np.array([[0.0, 1.0], [3.0, 0.1], [1.0, 1.0]])
    w = RetrievalVerifier.from_embeddings(["x", "y"], text, ["p", "q", "r"], items, k=2,
                                          store=hw.AnnotationStore(":memory:"))
    assert [r for r, _ in w.results[0]] == [1, 2] and [r for r, _ in w.results[1]] == [0, 2]
    assert w.results[1][0][1] == pytest.approx(1.0) and w.k == 2
    import torch
    w2 = RetrievalVerifier.from_embeddings(["x", "y"], torch.tensor(text), ["p", "q", "r"], torch.tensor(items, requires_grad=True),
                                           k=2, store=hw.AnnotationStore(":memory:"))
    assert w2.results == w.results
    with pytest.raises(ValueError, match="share D"):
        RetrievalVerifier.from_embeddings(["x"], np.ones((1, 3)), ["p"], np.ones((1, 2)))


def test_widgets_do_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, numpy as np, hitl_widgets as hw; hw.RetrievalVerifier; hw.HallucinationFlagger; hw.VQAReview;"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_judge_from_code_is_validated_and_refreshes_the_view():
    w, rec = make()
    event = w.judge(1, "b", "relevant")
    assert w.judgements[["query_id", "item_id", "judgement"]].values.tolist() == [[1, "b", "relevant"]]
    assert rec.sent[-1][0] == {"type": "invalidate"} and w.overall["n_queries"] == 1
    assert w.store.events("retrieval")["event_id"].tolist() == [event]
    with pytest.raises(ValueError, match="not a result of query"):
        w.judge(1, "f", "relevant")
    with pytest.raises(ValueError, match="unknown judgement"):
        w.judge(1, "b", "maybe")
    assert len(w.store.events("retrieval")) == 1


def test_resumes_at_the_first_incomplete_query(tmp_path):
    w, rec = make(hw.AnnotationStore(tmp_path / "p.db"))
    assert w.position == 0
    for item, _ in RESULTS[0]:
        rec.intent("judge", query_id=0, item_id=item, judgement="unsure")
    assert w.n_done == 1
    w2, _ = make(hw.AnnotationStore(tmp_path / "p.db"))
    assert w2.position == 1 and w2.n_done == 1


def test_metrics_follow_a_new_k():
    w, rec = make()
    rec.intent("judge", query_id=0, item_id="a", judgement="relevant")
    assert w.query_metrics(0)["precision_at_k"] == 0.25
    w.k = 1
    assert w.query_metrics(0)["precision_at_k"] == 1.0 and w.overall["precision_at_k"] == 1.0
    assert rec.sent[-1][0] == {"type": "invalidate"}
    assert w.n_done == 1  # query 0's one shown result is judged: a new k recounts every query
    w.k = 4
    assert w.n_done == 0
    rec.intent("undo", query_id=0, item_id="a")
    w.k = 1
    assert w.n_done == 0


def test_a_refusal_shows_ids_as_typed():
    """The query id 0 was shown as '0' (str() then repr), pointing at the int/str mix-up that was not there."""
    w, _ = make()
    with pytest.raises(ValueError, match=r"item 'zz' is not a result of query 0$"):
        w.judge(0, "zz", "relevant")
