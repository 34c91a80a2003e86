"""Stored decisions stay with what was judged: a retrieval judgement with its query and result, a
BiasAudit relabel with its row; and an annotator's agreement with the consensus is measured on the
items others labelled too. Each case once changed the figures quietly (positional ids moved a
decision to another item after the data were reordered or grew; an item labelled alone counted as
agreement)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.dashboards.agreement import AgreementDashboard
from hitl_widgets.dashboards.bias import BiasAudit
from hitl_widgets.items import Items
from hitl_widgets.widgets.retrieval import RetrievalVerifier, pair_key

# ---------------------------------------------------------------------------- RetrievalVerifier
GALLERY = ["a red circle", "a blue square", "a green triangle"]  # ids 0, 1, 2: positions
QV = np.array([[1.0, 0, 0], [0, 1.0, 0]])


def _verifier(db: str, gallery: list, vectors: np.ndarray, annotator: str = "ada") -> RetrievalVerifier:
    w = RetrievalVerifier.from_embeddings(["red circle", "blue square"], QV, gallery, vectors, k=2,
                                          store=hw.AnnotationStore(db, annotator=annotator))
    w.send = lambda msg, buffers=None: None  # no front-end
    return w


def _judged(w: RetrievalVerifier, gallery: list) -> list:
    return [(w.queries.raw(q), gallery[r], j) for q, r, j in w.judgements[["query_id", "item_id", "judgement"]].values.tolist()]


def _first_session(db: str) -> None:
    w = _verifier(db, GALLERY, np.eye(3))
    w.judge(0, w.results[0][0][0], "relevant")  # "a red circle" for "red circle"
    w.judge(0, w.results[0][1][0], "not_relevant")  # "a blue square"
    assert _judged(w, GALLERY) == [("red circle", "a red circle", "relevant"), ("red circle", "a blue square", "not_relevant")]


GROWN = ["a yellow star"] + GALLERY  # one image added at the front: every id moves by one
GROWN_VECTORS = np.vstack([[0.0, 0, 1.0], np.eye(3)])


def test_a_judgement_stays_with_its_image_after_an_image_is_added_at_the_front(tmp_path):
    db = str(tmp_path / "r.db")
    _first_session(db)
    with pytest.warns(UserWarning, match=r"2 stored judgements of task 'retrieval' were made on another query or result "
                                         r".*\(0, 0\), \(0, 1\)\. They stay in the store"):
        w = _verifier(db, GROWN, GROWN_VECTORS)
    assert [r for r, _ in w.results[0]] == [1, 0]  # the red circle (now id 1), then the yellow star (id 0)
    assert w.judgements.empty and w.hard_negatives().empty  # the red circle is not a hard negative
    m = w.query_metrics(0)
    assert (m["n_judged"], m["reciprocal_rank"]) == (0, 0.0)
    assert w.overall_metrics["n_queries"] == 0 and w.n_done == 0
    assert len(w.store.events("retrieval")) == 2  # they stay in the store
    # judging again on the grown gallery: stored with the new content, applied on reload without a warning
    w.judge(0, 1, "relevant")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="1 stored judgements")  # the first session's (0, 0), named again
        again = _verifier(db, GROWN, GROWN_VECTORS)
    assert _judged(again, GROWN) == [("red circle", "a red circle", "relevant")]
    assert again.query_metrics(0)["reciprocal_rank"] == 1.0


def test_judgements_on_the_same_gallery_are_applied_without_a_warning(tmp_path):
    db = str(tmp_path / "r.db")
    _first_session(db)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = _verifier(db, GALLERY, np.eye(3), annotator="ada")
    assert _judged(w, GALLERY) == [("red circle", "a red circle", "relevant"), ("red circle", "a blue square", "not_relevant")]
    assert w.query_metrics(0)["reciprocal_rank"] == 1.0
    payload = w.store.events("retrieval")["payload"][0]
    assert set(payload) == {"query_id", "item_id", "judgement", "rank", "score", "query_hash", "item_hash"}
    assert len(payload["query_hash"]) == len(payload["item_hash"]) == 16


def test_a_judgement_of_an_image_array_moved_to_another_image_is_not_applied(tmp_path):
    db = str(tmp_path / "r.db")
    images = [np.full((4, 4, 3), v, np.uint8) for v in (10, 20, 30)]
    first = RetrievalVerifier(["q"], {0: [0, 1]}, images, store=hw.AnnotationStore(db))
    first.judge(0, 1, "relevant")
    with pytest.warns(UserWarning, match=r"\(0, 1\)"):
        moved = RetrievalVerifier(["q"], {0: [0, 1]}, [images[0], images[2], images[1]], store=hw.AnnotationStore(db))
    assert moved.judgements.empty and moved.query_metrics(0)["n_judged"] == 0


def test_set_results_does_not_take_back_a_judgement_made_on_other_content(tmp_path):
    db = str(tmp_path / "r.db")
    _first_session(db)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the judged pairs are not listed yet: nothing to say
        w = RetrievalVerifier(["red circle", "blue square"], {0: [3], 1: [3]}, GROWN, k=2,
                              store=hw.AnnotationStore(db, annotator="ada"))
    w.send = lambda msg, buffers=None: None
    with pytest.warns(UserWarning, match=r"2 stored judgements .*\(0, 0\), \(0, 1\)"):
        w.set_results({0: [(1, 0.9), (0, 0.5)]})  # the red circle now id 1, the yellow star id 0
    assert w.judgements.empty and w.query_metrics(0)["n_judged"] == 0


def test_an_undo_back_to_a_judgement_made_on_other_content_shows_none(tmp_path):
    db = str(tmp_path / "r.db")
    _first_session(db)
    with pytest.warns(UserWarning, match="made on another query or result"):
        w = _verifier(db, GROWN, GROWN_VECTORS)
    w.judge(0, 0, "not_relevant")  # the yellow star, on the grown gallery
    assert w.query_metrics(0)["n_judged"] == 1
    w._dispatch(w, {"type": "undo", "client": "c", "seq": 1, "query_id": 0, "item_id": 0}, [])
    assert not w.refused
    # the store's current judgement of pair (0, 0) is again the first session's, made on the red circle
    assert w.store.current("retrieval", kinds=("judge",))["item_id"].tolist().count(pair_key(0, 0)) == 1
    assert w.judgements.empty and w.query_metrics(0)["n_judged"] == 0


def test_a_judgement_stored_without_hashes_is_taken_as_before():
    store = hw.AnnotationStore(":memory:")
    store.record("retrieval", pair_key(0, "b"), {"query_id": 0, "item_id": "b", "judgement": "relevant", "rank": 2, "score": None},
                 kind="judge")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = RetrievalVerifier(["q"], {0: ["a", "b"]}, Items(["x", "y"], ids=["a", "b"]), store=store)
    assert w.query_metrics(0)["reciprocal_rank"] == 0.5 and len(w.judgements) == 1


def test_only_judged_items_are_hashed(monkeypatch):
    import hitl_widgets.certificates as certificates

    hashed = []
    real = certificates.item_hash
    monkeypatch.setattr(certificates, "item_hash", lambda items, i: hashed.append(i) or real(items, i))
    gallery = [f"text {k}" for k in range(200)]
    w = RetrievalVerifier(["q"], {0: list(range(50))}, gallery, store=hw.AnnotationStore(":memory:"))
    w.judge(0, 3, "relevant")
    w.judge(0, 4, "unsure")
    assert sorted(hashed, key=str) == [0, 3, 4]  # the query once, each judged result once


# ---------------------------------------------------------------------------- BiasAudit
Y = np.array(["cat", "cat", "dog", "dog", "cat", "dog"])
P = np.array(["cat", "dog", "dog", "dog", "cat", "cat"])
G = np.array(["a", "a", "a", "b", "b", "b"])
IMAGES = [np.full((4, 4), k, np.uint8) for k in range(6)]
ORDER = [3, 4, 5, 0, 1, 2]  # row 1 is then image 4: given cat, predicted cat, never relabelled


def _relabel_row_1(db: str, annotator: str = "ada", label: str = "dog") -> BiasAudit:
    audit = BiasAudit(Y, P, G, metrics=("accuracy",), store=hw.AnnotationStore(db, annotator=annotator), items=IMAGES,
                      n_boot=0, min_group_size=1)
    w = audit.drill("a")  # the errors of group a: row 1 (given cat, predicted dog)
    assert w.order == [1]
    w.record_label(1, label)  # the reviewer: row 1 is a dog, the model was right
    assert audit.y_true.tolist() == ["cat", label, "dog", "dog", "cat", "dog"]
    return audit


def test_a_relabel_is_not_applied_to_another_row_after_the_rows_are_reordered(tmp_path):
    db = str(tmp_path / "b.db")
    _relabel_row_1(db)
    payload = hw.AnnotationStore(db).current("bias_audit")["payload"][0]
    assert (payload["label"], payload["given"], payload["predicted"]) == ("dog", "cat", "dog")
    with pytest.warns(UserWarning, match=r"1 items have stored labels of task 'bias_audit' made on other rows .* item ids 1\. They stay"):
        moved = BiasAudit(Y[ORDER], P[ORDER], G[ORDER], metrics=("accuracy",), store=hw.AnnotationStore(db, annotator="bob"),
                          n_boot=0, min_group_size=1)
    assert moved.y_true.tolist() == Y[ORDER].tolist()
    assert moved.by_group["accuracy"].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert len(hw.AnnotationStore(db).labels("bias_audit")) == 1  # it stays in the store
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = BiasAudit(Y, P, G, metrics=("accuracy",), store=hw.AnnotationStore(db), n_boot=0, min_group_size=1)
    assert same.y_true.tolist() == ["cat", "dog", "dog", "dog", "cat", "dog"]  # the same rows: applied
    assert same.by_group["accuracy"].tolist() == pytest.approx([1.0, 2 / 3])


def test_the_drill_down_does_not_show_a_label_made_on_another_row(tmp_path):
    db = str(tmp_path / "b.db")
    _relabel_row_1(db)
    y, p, g = Y[ORDER].copy(), P[ORDER].copy(), G[ORDER]
    y[1], p[1] = "dog", "cat"  # row 1 (image 4) is now an error of group b: given dog, predicted cat
    with pytest.warns(UserWarning, match="made on other rows"):
        moved = BiasAudit(y, p, g, metrics=("accuracy",), store=hw.AnnotationStore(db, annotator="ada"),
                          items=[IMAGES[k] for k in ORDER], n_boot=0, min_group_size=1)
    w = moved.drill("b")
    assert 1 in w.order and 1 not in w.current_labels  # open, not shown as labelled "dog"
    assert w.order[w.position] == 1


def test_disagreement_leaves_out_labels_made_on_other_rows(tmp_path):
    db = str(tmp_path / "b.db")
    _relabel_row_1(db, "ada", "cat")  # ada keeps the given label (row 1 stays an error) ...
    _relabel_row_1(db, "bob", "dog")  # ... bob does not: two reviewers differ on row 1 (group a)
    first = BiasAudit(Y, P, G, metrics=("accuracy",), store=hw.AnnotationStore(db), n_boot=0, min_group_size=1)
    assert first.by_group["disagreement"].tolist()[0] == 0.5 and math.isnan(first.by_group["disagreement"].tolist()[1])
    with pytest.warns(UserWarning, match="made on other rows"):
        moved = BiasAudit(Y[ORDER], P[ORDER], G[ORDER], metrics=("accuracy",), store=hw.AnnotationStore(db),
                          n_boot=0, min_group_size=1)
    assert moved.by_group["disagreement"].isna().all()  # row 1 is in group b now: its labels are not its


def test_a_relabel_stored_without_its_row_is_taken_as_before():
    store = hw.AnnotationStore(":memory:")
    store.record("bias_audit", 1, {"label": "dog", "source": "human"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        audit = BiasAudit(Y, P, G, metrics=("accuracy",), store=store, n_boot=0, min_group_size=1)
    assert audit.y_true.tolist() == ["cat", "dog", "dog", "dog", "cat", "dog"]


# ---------------------------------------------------------------------------- AgreementDashboard
def test_agreement_with_the_consensus_leaves_out_items_labelled_alone():
    rows = []
    for i in range(10):  # a and b agree on 10 items; c disagrees with both on all 10
        rows += [(i, "a", "x"), (i, "b", "x"), (i, "c", "y")]
    rows += [(i, "c", "x") for i in range(10, 100)]  # and labels 90 items alone
    rows += [(100, "d", "y")]  # d labels one item, alone
    df = pd.DataFrame(rows, columns=["item", "annotator", "label"])
    for consensus in ("majority", "dawid_skene"):
        per = AgreementDashboard(df, task="t", n_boot=10, consensus=consensus).per_annotator.set_index("annotator")
        assert per["n"].tolist() == [10, 10, 10, 0]
        assert per.loc["c", "agreement"] == 0.0 and bool(per.loc["c", "flagged"])
        assert per.loc["a", "agreement"] == per.loc["b", "agreement"] == 1.0
        assert math.isnan(per.loc["d", "agreement"]) and not per.loc["d", "flagged"]
