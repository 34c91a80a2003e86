"""Review of the review widgets' inputs: each value that was read as another one (True or 1.0 as item
1, a NaN or 7.5 as a score, a Series read by position, a set as a ranking, a bool mask as a label
map) is refused with an error naming the item, the query or the proposal, or read as it says."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import traitlets

import hitl_widgets as hw
from hitl_widgets.items import Items
from hitl_widgets.widgets import classify as classify_module
from hitl_widgets.widgets.classify import ClassifyWidget
from hitl_widgets.widgets.hallucination import HallucinationFlagger, normalise_texts
from hitl_widgets.widgets.retrieval import RetrievalVerifier
from hitl_widgets.widgets.scene_graph import SceneGraphAnnotator
from hitl_widgets.widgets.segmentation import SegmentationCanvas
from hitl_widgets.widgets.vqa import VQAReview

IMAGES = np.zeros((3, 20, 30), np.uint8)
BOOL_ID = "unknown item id True: item ids are ints or strs, this one is a bool"
FLOAT_ID = "unknown item id 1.0: item ids are ints or strs, this one is a float"


def store():
    return hw.AnnotationStore(":memory:")


def classify(proposals, **kw):
    return ClassifyWidget(IMAGES, ["cat", "dog"], store=store(), proposals=proposals, **kw)


def gallery():
    return Items(["x0", "x1", "x2", "x3"], ids=["a", "b", "c", "d"])


def retrieval(results, **kw):
    return RetrievalVerifier(["q0", "q1"], results, gallery(), store=store(), **kw)


def objects(**columns):
    d = {"item": [0, 0], "object_id": ["a", "b"], "x": [1, 15], "y": [1, 1], "w": [10, 10], "h": [10, 10],
         "class": ["cup", "table"]}
    return pd.DataFrame({**d, **columns})


def scene_graph(**kw):
    return SceneGraphAnnotator(IMAGES, ["cup", "table"], ["on", "near"], store=store(), **kw)


def segmentation(**kw):
    return SegmentationCanvas(IMAGES, ["sky", "sea"], store=store(), **kw)


MASK = np.zeros((20, 30), bool)
MASK[2:5, 2:5] = True


# --------------------------------------------------------------------------- 1: True / 1.0 are not item 1


@pytest.mark.parametrize("proposals", [
    pytest.param({True: "dog"}, id="dict-key-True"),
    pytest.param({1.0: "dog"}, id="dict-key-1.0"),
    pytest.param(pd.Series(["dog", "cat"], index=[True, False]), id="series-bool-index"),
    pytest.param(pd.DataFrame({"label": ["dog"], "score": [0.9]}, index=[1.0]), id="dataframe-float-index"),
])
def test_classify_proposals_refuse_bool_and_float_item_ids(proposals):
    with pytest.raises(ValueError, match=r"proposal for unknown item id (True|1\.0): item ids are ints or strs"):
        classify(proposals)


def test_classify_notes_refuse_a_bool_item_id():
    with pytest.raises(ValueError, match=f"note for {BOOL_ID}"):
        classify(None, notes={True: "seen twice"})


@pytest.mark.parametrize("key", [True, 1.0])
def test_retrieval_refuses_bool_and_float_query_ids(key):
    with pytest.raises(ValueError, match=rf"results: unknown query id {key!r}: query ids are ints or strs"):
        retrieval({key: ["a", "b"]})
    frame = pd.DataFrame({"query_id": [key], "item_id": ["a"]})
    with pytest.raises(ValueError, match=rf"unknown query id {key!r}"):
        retrieval(frame)


def test_retrieval_relevant_refuses_bool_ids():
    gal = Items(["x0", "x1", "x2"])  # ids 0, 1, 2: True would be item 1
    with pytest.raises(ValueError, match=rf"relevant\[0\]: {BOOL_ID}"):
        RetrievalVerifier(["q0"], {0: [0, 1]}, gal, store=store(), relevant={0: [True]})
    with pytest.raises(ValueError, match="relevant: unknown query id True"):
        RetrievalVerifier(["q0", "q1"], {0: [0, 1]}, gal, store=store(), relevant={True: [1]})


def test_scene_graph_refuses_bool_item_ids_in_objects_and_proposals():
    with pytest.raises(ValueError, match=f"objects row 0: {BOOL_ID}"):
        scene_graph(objects=objects(item=[True, True]))
    with pytest.raises(ValueError, match=f"object_proposals row 1: {FLOAT_ID}"):
        scene_graph(object_proposals=objects(item=pd.Series([0, 1.0], dtype=object), score=[0.5, 0.5]))
    rel = pd.DataFrame({"item": [True], "subject": ["a"], "predicate": ["on"], "object": ["b"]})
    with pytest.raises(ValueError, match=f"proposals row 0: {BOOL_ID}"):
        scene_graph(objects=objects(), proposals=rel)
    w = scene_graph(objects=objects(), object_proposals=objects(item=[1, 1], object_id=["m", "n"], score=[0.9, 0.9]))
    with pytest.raises(ValueError, match=BOOL_ID):
        w.accept_objects(True)
    assert w.objects["source"].tolist() == ["given", "given"]


def test_hallucination_long_frame_refuses_a_bool_item_id():
    long = pd.DataFrame({"item_id": [True], "model": ["m"], "text": ["a cat"]})
    with pytest.raises(ValueError, match=f"texts row 0: {BOOL_ID}"):
        HallucinationFlagger(IMAGES, long, store=store())


def test_segmentation_proposals_and_getters_refuse_bool_and_float_ids():
    with pytest.raises(ValueError, match=f"proposal for {BOOL_ID}"):
        segmentation(proposals={True: [{"mask": MASK, "class": "sky", "score": 0.9}]})
    with pytest.raises(ValueError, match=f"proposal for {FLOAT_ID}"):
        segmentation(proposals={1.0: [{"mask": MASK, "class": "sky", "score": 0.9}]})
    w = segmentation(assist="flood")
    with pytest.raises(KeyError, match=BOOL_ID):
        w.assist_region(True, [{"x": 3, "y": 3, "positive": True}])
    with pytest.raises(KeyError, match=FLOAT_ID):
        w.set_mask(1.0, np.zeros((20, 30), int))
    assert int(w.assist_region(1, [{"x": 3, "y": 3, "positive": True}]).sum()) == 600  # item 1 itself still works


# --------------------------------------------------------------------------- 2: scores are probabilities; NaN is not "no score"


@pytest.mark.parametrize("score, match", [
    (float("nan"), r"item 0: proposal score must be a finite number, not nan \(None: no score\)"),
    (7.5, r"item 0: proposal score 7.5 is not a probability in \[0, 1\] \(logits or scores\?"),
    (-1, r"item 0: proposal score -1 is not a probability in \[0, 1\]"),
])
def test_classify_refuses_nan_and_out_of_range_scores(score, match):
    with pytest.raises(ValueError, match=match):
        classify({0: ("dog", score)})
    with pytest.raises(ValueError, match=match):
        classify({0: {"label": "dog", "score": score}})


def test_classify_scores_kept_and_none_is_no_score():
    w = classify({0: ("dog", 0.75), 1: ("cat", None), 2: ("cat", 1)})
    assert w.proposals == {0: {"label": "dog", "score": 0.75}, 1: {"label": "cat", "score": None},
                           2: {"label": "cat", "score": 1.0}}
    with pytest.raises(ValueError, match=r"item 2: proposal score 3 is not a probability"):
        classify(pd.DataFrame({"label": ["dog"], "score": [3.0]}, index=[2]))


def test_check_score_shares_the_logits_hint_of_the_probability_path():
    with pytest.raises(ValueError, match="logits or scores"):
        classify_module.check_score(1.5, "x")
    with pytest.raises(ValueError, match="logits or scores"):
        classify(np.array([[2.0, -1.0]] * 3))


def test_segmentation_refuses_a_score_outside_0_1():
    with pytest.raises(ValueError, match=r"item 0 proposal 0: score 3 is not a probability in \[0, 1\]"):
        segmentation(proposals={0: [{"mask": MASK, "class": "sky", "score": 3.0}]})


@pytest.mark.parametrize("scores, match", [
    ([5.0, 0.5], r"item 0 proposed box 'a': score 5 is not a probability"),
    ([0.5, -2.0], r"item 0 proposed box 'b': score -2 is not a probability"),
])
def test_scene_graph_object_proposal_scores_are_probabilities(scores, match):
    with pytest.raises(ValueError, match=match):
        scene_graph(object_proposals=objects(score=scores))


def test_scene_graph_relation_scores_refuse_out_of_range_and_read_an_empty_cell_as_no_score():
    rel = pd.DataFrame({"item": [0, 0], "subject": ["a", "b"], "predicate": ["on", "on"], "object": ["b", "a"],
                        "score": [9.0, 0.5]})
    with pytest.raises(ValueError, match=r"item 0 proposal a -> on -> b: score 9 is not a probability"):
        scene_graph(objects=objects(), proposals=rel)
    for empty in (pd.Series([np.nan, 0.9]), pd.Series([None, 0.9], dtype=object)):  # as in bbox / polygons DataFrames
        rel["score"] = empty
        assert scene_graph(objects=objects(), proposals=rel).proposals["score"].isna().tolist() == [True, False]


# --------------------------------------------------------------------------- 3: a Series or dict of texts is read by item id


def test_vqa_series_with_str_index_for_int_ids_is_refused():
    questions = pd.Series(["q2", "q0", "q1"], index=["2", "0", "1"])
    with pytest.raises(ValueError, match=r"questions: unknown item id '2' \(an index entry of the Series"):
        VQAReview(IMAGES, questions, ["a", "b", "c"], store=store())


def test_vqa_series_index_shifted_by_one_is_refused():
    with pytest.raises(ValueError, match=r"questions: unknown item id 3 \(an index entry"):
        VQAReview(IMAGES, pd.Series(["q0", "q1", "q2"], index=[1, 2, 3]), ["a", "b", "c"], store=store())


def test_vqa_series_missing_an_item_is_refused():
    with pytest.raises(ValueError, match=r"answers: no entry for item 1"):
        VQAReview(IMAGES, ["q0", "q1", "q2"], pd.Series(["a", "c"], index=[0, 2]), store=store())


def test_vqa_dict_is_read_by_item_id():
    w = VQAReview(IMAGES, {2: "q2", 0: "q0", 1: "q1"}, ["a", "b", "c"], store=store())
    assert w.questions == {0: "q0", 1: "q1", 2: "q2"}
    with pytest.raises(ValueError, match=f"questions: {BOOL_ID}"):
        VQAReview(IMAGES, {0: "q0", True: "q1", 2: "q2"}, ["a", "b", "c"], store=store())


def test_hallucination_series_with_str_index_is_refused_and_id_index_is_read_by_id():
    with pytest.raises(ValueError, match=r"texts: unknown item id '1' \(an index entry of the Series"):
        HallucinationFlagger(IMAGES[:2], pd.Series(["text of 1", "text of 0"], index=["1", "0"]), store=store())
    w = HallucinationFlagger(IMAGES[:2], pd.Series(["text of 1", "text of 0"], index=[1, 0]), store=store())
    assert w.texts == {0: {"text": "text of 0"}, 1: {"text": "text of 1"}}


def test_hallucination_wide_frame_and_dict_values_are_read_by_item_id():
    items = Items(IMAGES[:2], ids=["p", "q"])
    wide = pd.DataFrame({"m": ["for p", "for q"]})  # a RangeIndex: not the items' ids
    with pytest.raises(ValueError, match=r"model 'm': texts: unknown item id 0"):
        normalise_texts(wide, items)
    assert normalise_texts(wide.set_axis(["q", "p"]), items)[1] == {"p": {"m": "for q"}, "q": {"m": "for p"}}
    assert normalise_texts({"m": {"q": "for q", "p": "for p"}}, items)[1] == {"p": {"m": "for p"}, "q": {"m": "for q"}}
    assert normalise_texts({"m": ["for p", "for q"]}, items)[1]["p"] == {"m": "for p"}  # a list: by position
    with pytest.raises(ValueError, match=r"unknown item id 'm' .*read as \{item_id: text\}"):  # single texts: by item id
        normalise_texts({"m": "pq"}, items)


# --------------------------------------------------------------------------- 4: one ranking per query


def test_retrieval_refuses_a_set_as_a_ranking():
    with pytest.raises(ValueError, match=r"query 0: results must be a list in rank order, not a set \(a set has no order\)"):
        retrieval({0: {"a", "b", "c"}})


def test_retrieval_refuses_scores_rising_down_the_ranking():
    with pytest.raises(ValueError, match=r"query 0: item 'b' \(score 0.5\) is ranked below item 'a' \(score 0.1\)"):
        retrieval({0: [("a", 0.1), ("b", 0.5), ("c", 0.9)]})
    gal = Items(["x0", "x1", "x2"])
    with pytest.raises(ValueError, match=r"query 0: item 1 \(score 0.5\) is ranked below item 0"):
        RetrievalVerifier(["q0"], (np.array([[0, 1, 2]]), np.array([[0.1, 0.5, 0.9]])), gal, store=store())
    rows = pd.DataFrame({"query_id": [0, 0], "item_id": ["a", "b"], "rank": [1, 2], "score": [0.1, 0.9]})
    with pytest.raises(ValueError, match=r"query 0: item 'b' \(score 0.9\) is ranked below item 'a'"):
        retrieval(rows)


def test_retrieval_dict_and_frame_of_the_same_rows_agree():
    as_dict = retrieval({0: [("c", 0.9), ("b", 0.5), ("a", 0.5)]}).results[0]
    frame = pd.DataFrame({"query_id": [0, 0, 0], "item_id": ["a", "b", "c"], "score": [0.5, 0.5, 0.9]})
    assert as_dict == [("c", 0.9), ("b", 0.5), ("a", 0.5)]
    assert retrieval(frame).results[0] == [("c", 0.9), ("a", 0.5), ("b", 0.5)]  # ties: row order


def test_retrieval_refuses_repeated_ranks():
    rows = pd.DataFrame({"query_id": [0, 0, 0], "item_id": ["c", "a", "b"], "rank": [1, 1, 2]})
    with pytest.raises(ValueError, match=r"query 0: rank 1 is given to items 'c' and 'a': ranks must be unique per query"):
        retrieval(rows)
    rows = pd.DataFrame({"query_id": [0, 1, 0], "item_id": ["c", "a", "b"], "rank": [1, 1, 2]})  # per query: fine
    assert retrieval(rows).results == {0: [("c", None), ("b", None)], 1: [("a", None)]}


def test_retrieval_frame_without_a_score_to_rank_by_is_refused():
    rows = pd.DataFrame({"query_id": [0, 0], "item_id": ["a", "b"], "score": [np.nan, 0.2]})
    with pytest.raises(ValueError, match=r"query 0, item 'a': no score to rank by"):
        retrieval(rows)


@pytest.mark.parametrize("score", ["0.9", True])
def test_retrieval_refuses_a_str_or_bool_score(score):
    with pytest.raises(ValueError, match=r"query 0, item 'a': score must be a finite number"):
        retrieval({0: [("a", score)]})


# --------------------------------------------------------------------------- 5: one text per item and model


def test_hallucination_refuses_a_repeated_item_and_model():
    long = pd.DataFrame({"item_id": [0, 0, 1], "model": ["m", "m", "m"], "text": ["first", "second", "x"]})
    with pytest.raises(ValueError, match=r"texts row 1: item 0, model 'm' has a text already"):
        HallucinationFlagger(IMAGES[:2], long, store=store())


@pytest.mark.parametrize("texts", [
    pytest.param(pd.DataFrame({"item_id": [0, 0], "model": [1, "1"], "text": ["a", "b"]}), id="long"),
    pytest.param(pd.DataFrame({1: ["a", "b"], "1": ["c", "d"]}), id="wide"),
    pytest.param({1: ["a", "b"], "1": ["c", "d"]}, id="dict"),
])
def test_hallucination_refuses_models_that_read_alike(texts):
    with pytest.raises(ValueError, match=r"models 1 and '1' both read as model '1'"):
        HallucinationFlagger(IMAGES[:2], texts, store=store())


# --------------------------------------------------------------------------- 6: settings checked after construction too


@pytest.mark.parametrize("value", [7.0, float("nan"), -0.1])
def test_scene_graph_object_threshold_is_checked_when_set(value):
    w = scene_graph(objects=objects())
    with pytest.raises(traitlets.TraitError, match="object_threshold must be a number in \\[0, 1\\]"):
        w.object_threshold = value
    assert w.object_threshold == 0.5
    w.object_threshold = 0.8
    assert w.object_threshold == 0.8


@pytest.mark.parametrize("min_score", [-1, 1.5, float("nan"), True])
def test_scene_graph_accept_objects_checks_min_score(min_score):
    w = scene_graph(objects=objects(), object_proposals=objects(object_id=["m", "n"], score=[0.3, 0.9]))
    with pytest.raises(ValueError, match="min_score must be a number in \\[0, 1\\]"):
        w.accept_objects(0, min_score=min_score)
    assert w.objects["source"].tolist() == ["given", "given"]


@pytest.mark.parametrize("k", [0, -3])
def test_retrieval_k_is_checked_when_set(k):
    w = retrieval({0: ["a", "b"]})
    with pytest.raises(traitlets.TraitError, match=f"k must be a positive int, not {k}"):
        w.k = k
    assert w.k == 2


@pytest.mark.parametrize("opacity", [float("nan"), 5, -0.5])
def test_segmentation_opacity_is_refused_not_clamped(opacity):
    with pytest.raises(ValueError, match="opacity must be a number in \\[0, 1\\]"):
        segmentation(opacity=opacity)
    w = segmentation(opacity=0.25)
    with pytest.raises(traitlets.TraitError, match="opacity must be a number in \\[0, 1\\]"):
        w.opacity = opacity
    assert w.opacity == 0.25


# --------------------------------------------------------------------------- 7: a bool mask is not a label map


def test_set_mask_refuses_a_bool_mask():
    w = segmentation()
    with pytest.raises(ValueError, match=r"item 0: a bool mask is not a label map"):
        w.set_mask(0, MASK)
    with pytest.raises(ValueError, match=r"item 2: a bool mask is not a label map"):
        w.set_mask(2, MASK.tolist())
    assert w.masks == {}
    w.set_mask(0, MASK.astype(np.uint8) * 2)  # class 2 ("sea"), said so
    assert np.unique(w.masks[0]).tolist() == [0, 2]
