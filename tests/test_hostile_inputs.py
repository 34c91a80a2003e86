"""Issue #15: each bad input found by the hostile review is refused with an error naming the
problem, or gives the correct result — never a silently wrong one."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.dashboards.bias import BiasAudit
from hitl_widgets.metrics.fairness import group_metrics

G = ["a", "a", "b", "b"]


# --------------------------------------------------------------------------- 1: fairness labels


def test_group_metrics_string_labels_need_pos_label():
    y, p = ["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"]
    with pytest.raises(ValueError, match="pos_label="):
        group_metrics(y, p, G)
    out = group_metrics(y, p, G, pos_label="yes")
    assert out.loc["a", "selection_rate"] == 1.0 and out.loc["a", "recall"] == 1.0
    assert out.loc["b", "selection_rate"] == 0.0 and out.loc["b", "fnr"] == 1.0


def test_group_metrics_pos_label_absent_is_refused():
    with pytest.raises(ValueError, match="occurs in neither"):
        group_metrics(["yes", "no", "yes", "no"], ["yes", "yes", "no", "no"], G, pos_label=1)
    with pytest.raises(ValueError, match="occurs in neither"):  # "1" is not 1
        group_metrics([0, 1, 0, 1], [0, 1, 1, 1], G, pos_label="1")


def test_group_metrics_ambiguous_numeric_labels_need_pos_label():
    with pytest.raises(ValueError, match="pos_label="):
        group_metrics([1, 2, 1, 2], [1, 1, 2, 2], G)
    assert group_metrics([1, 2, 1, 2], [1, 1, 2, 2], G, metrics=("accuracy",))["accuracy"].tolist() == [0.5, 0.5]


def test_group_metrics_infers_only_01_and_booleans():
    a = group_metrics([1, 0, 1, 0], [1, 1, 0, 0], G)
    b = group_metrics([True, False, True, False], [True, True, False, False], G)
    np.testing.assert_array_equal(a.to_numpy(float), b.to_numpy(float))
    assert a.loc["a", "selection_rate"] == 1.0


def test_group_metrics_refuses_probabilities_unless_threshold():
    y, p = [1, 0, 1, 0], [0.9, 0.2, 0.4, 0.1]
    with pytest.raises(ValueError, match="threshold="):
        group_metrics(y, p, G)
    out = group_metrics(y, p, G, threshold=0.5)
    assert out["selection_rate"].tolist() == [0.5, 0.0] and out["accuracy"].tolist() == [1.0, 0.5]
    with pytest.raises(ValueError, match="y_true holds a non-label"):
        group_metrics([0.3, 0.7, 0.1, 0.9], [0, 1, 0, 1], G)


def test_bias_audit_string_labels_and_scores():
    y = np.array(["y", "n"] * 20, dtype=object)
    g = ["a", "b"] * 20
    with pytest.raises(ValueError, match="pos_label="):
        BiasAudit(y, ["y", "y"] * 20, g, n_boot=10)
    audit = BiasAudit(y, ["y", "y"] * 20, g, pos_label="y", n_boot=10)
    assert audit.by_group["selection_rate"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="pred_threshold|threshold="):
        BiasAudit(y, [0.7, 0.2] * 20, g, pos_label="y", n_boot=10)
    audit = BiasAudit(y, [0.7, 0.2] * 20, g, pos_label="y", pred_threshold=0.5, n_boot=10)
    assert audit.by_group["accuracy"].tolist() == [1.0, 1.0]
    assert audit.by_group["selection_rate"].tolist() == [1.0, 0.0]


def test_bias_audit_nan_y_true_names_y_true():
    with pytest.raises(ValueError, match="y_true has a missing value .* row 2"):
        BiasAudit([1, 0, np.nan, 0] * 10, [1, 0, 1, 0] * 10, ["a", "b"] * 20, n_boot=10)


# --------------------------------------------------------------------------- 4: agreement duplicates, multi-label


def _dash(df, **kw):
    from hitl_widgets.dashboards.agreement import AgreementDashboard

    return AgreementDashboard(df, n_boot=20, **kw)


def test_agreement_duplicates_without_time_are_refused():
    df = pd.DataFrame({"item": [1, 1, 2, 2, 1], "annotator": ["a", "b", "a", "b", "a"], "label": ["x", "y", "x", "x", "y"]})
    with pytest.raises(ValueError, match="2 labels for item 1, annotator 'a'.*time"):
        _dash(df)


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]])
def test_agreement_duplicates_latest_by_time_wins_whatever_the_row_order(order):
    df = pd.DataFrame({"item": [1, 1, 2, 2, 1], "annotator": ["a", "b", "a", "b", "a"],
                       "label": ["x", "y", "x", "x", "y"], "time": [1, 2, 3, 4, 5]}).iloc[order]
    dash = _dash(df)
    assert dash.overall.set_index("metric").loc["percent agreement", "estimate"] == 1.0  # a's latest is "y"


def test_agreement_duplicates_tied_at_latest_time_are_refused():
    df = pd.DataFrame({"item": [1, 1, 1], "annotator": ["a", "b", "a"], "label": ["x", "y", "y"], "time": [5, 2, 5]})
    with pytest.raises(ValueError, match="same latest time 5"):
        _dash(df)


def test_agreement_multi_label_by_set():
    df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3,
                       "label": [["x", "y"], ["y", "x"], ["x"], ["x", "y"], ["z"], ["z"]]})
    dash = _dash(df)
    overall = dash.overall.set_index("metric")["estimate"]
    assert overall["percent agreement"] == pytest.approx(2 / 3)  # equal sets on items 1 and 3
    # alpha with the Jaccard distance, by hand: categories {x}:1, {z}:2, {x,y}:3 values;
    # D_o sum = 2 * 0.5 (item 2); D_e sum = 2 * (1*2*1 + 1*3*0.5 + 2*3*1) = 19; n = 6
    assert overall["Krippendorff's alpha (jaccard distance)"] == pytest.approx(1 - 5 * 1.0 / 19)
    assert dash.queue["item_id"].tolist() == [2]
    assert dash.consensus[3] == ["z"]
    assert dash.per_class.set_index("class")["agreement"].to_dict() == pytest.approx({"x": 1.0, "y": 2 / 3, "z": 1.0})
    dash.adjudicate().record_label(2, ["x"])
    assert dash.consensus[2] == ["x"]


def test_krippendorff_alpha_masi_hand_computed():
    from hitl_widgets.metrics.agreement import krippendorff_alpha

    data = [[["a", "b"], ["a"], ["c"]], [["a", "b"], ["a", "b"], ["c"]]]
    assert krippendorff_alpha(data, "masi") == pytest.approx(2 / 3)  # 1 - 5 * (4/3) / 20


def test_agreement_mixed_single_and_set_labels_are_refused():
    df = pd.DataFrame({"item": [1, 1], "annotator": ["a", "b"], "label": [["x"], "x"]})
    with pytest.raises(ValueError, match="mixes single labels with label sets"):
        _dash(df)


# --------------------------------------------------------------------------- 5: proposals are checked when given


def _store():
    from hitl_widgets.store import AnnotationStore

    return AnnotationStore(":memory:")


IMAGES = np.zeros((3, 8, 10), dtype=np.uint8)


def test_segmentation_refuses_probability_map_and_nan_mask():
    from hitl_widgets.widgets.segmentation import SegmentationCanvas

    for mask, word in ((np.full((8, 10), 0.01), "0.01"), (np.full((8, 10), np.nan), "nan")):
        with pytest.raises(ValueError, match=f"item 0 proposal 0: mask holds {word}"):
            SegmentationCanvas(IMAGES, classes=["a"], store=_store(), proposals={0: [{"mask": mask, "class": "a"}]})
    ok = SegmentationCanvas(IMAGES, classes=["a"], store=_store(),
                            proposals={0: [{"mask": np.eye(8, 10), "class": "a", "score": 0.5}]})
    assert ok._proposals[0][0]["mask"].sum() == 8


@pytest.mark.parametrize("score", [float("nan"), float("inf"), "high"])
def test_segmentation_refuses_non_finite_scores(score):
    from hitl_widgets.widgets.segmentation import SegmentationCanvas

    with pytest.raises(ValueError, match="item 0 proposal 0: score must be a finite number"):
        SegmentationCanvas(IMAGES, classes=["a"], store=_store(),
                           proposals={0: [{"mask": np.eye(8, 10, dtype=bool), "class": "a", "score": score}]})


def test_classify_refuses_inf_score_logits_and_unnormalised_rows():
    from hitl_widgets.widgets.classify import ClassifyWidget

    with pytest.raises(ValueError, match="item 1: proposal score must be a finite number"):
        ClassifyWidget(IMAGES, classes=["a", "b"], store=_store(), proposals={1: ("a", float("inf"))})
    logits = np.array([[2.0, -1.0], [0.5, 0.2], [-3.0, 4.0]])
    with pytest.raises(ValueError, match="item 0: proposals must be probabilities in \\[0, 1\\].*softmax"):
        ClassifyWidget(IMAGES, classes=["a", "b"], store=_store(), proposals=logits)
    with pytest.raises(ValueError, match="item 2: a row of class probabilities must sum to 1"):
        ClassifyWidget(IMAGES, classes=["a", "b"], store=_store(), proposals=np.array([[0.5, 0.5], [0.2, 0.8], [0.3, 0.3]]))
    w = ClassifyWidget(IMAGES, classes=["a", "b"], store=_store(), multi_label=True,
                       proposals=np.array([[0.9, 0.8], [0.1, 0.2], [0.6, 0.3]]))  # independent: no sum rule
    assert w.proposals[0]["label"] == ["a", "b"]


def test_classify_refuses_duplicated_series_index_and_string_multi_label():
    from hitl_widgets.widgets.classify import ClassifyWidget

    with pytest.raises(ValueError, match="item 1 more than once"):
        ClassifyWidget(IMAGES, classes=["a", "b"], store=_store(), proposals=pd.Series(["a", "b"], index=[1, 1]))
    with pytest.raises(ValueError, match="item 0: a multi-label proposal is a list of classes, not 'ab'"):
        ClassifyWidget(IMAGES, classes=["a", "b"], store=_store(), multi_label=True, proposals={0: "ab"})


def test_bbox_refuses_a_proposal_wholly_outside_the_image():
    from hitl_widgets.widgets.bbox import BBoxAnnotator

    with pytest.raises(ValueError, match="item 0 proposal 0: box .* lies wholly outside the 10x8 image"):
        BBoxAnnotator(IMAGES, classes=["a"], store=_store(), proposals={0: [(20, 20, 5, 5, "a", 0.9)]})
    with pytest.raises(ValueError, match="outside"):
        BBoxAnnotator(IMAGES, classes=["a"], store=_store(), proposals={0: [(-9, 0, 5, 5, "a")]})
    with pytest.raises(ValueError, match=r"item 0 proposal 0: \(x, y, w, h\) = \(8, 6, 5, 5\) reaches 3 pixels outside the 10x8 image"):
        BBoxAnnotator(IMAGES, classes=["a"], store=_store(), proposals={0: [(8, 6, 5, 5, "a", 0.9)]})  # partly outside: refused
    w = BBoxAnnotator(IMAGES, classes=["a"], store=_store(), proposals={0: [(8, 6, 2.5, 2, "a", 0.9)]})  # 0.5 px beyond: clipped
    assert w.proposals[["w", "h"]].values.tolist() == [[2.0, 2.0]]


# --------------------------------------------------------------------------- 6: numpy scalars, record_label(score=)


def test_classify_record_label_takes_numpy_scalars():
    from hitl_widgets.widgets.classify import ClassifyWidget

    w = ClassifyWidget(IMAGES, classes=[0, 1, 2], store=_store())
    w.record_label(np.int64(2), np.int64(1))
    assert w.current_labels == {2: 1} and type(w.current_labels[2]) is int
    m = ClassifyWidget(IMAGES, classes=["a", "b"], store=_store(), multi_label=True)
    m.record_label(0, [np.str_("b"), np.str_("a")])
    assert m.current_labels == {0: ["a", "b"]}


def test_classify_record_label_stores_the_score():
    from hitl_widgets.widgets.classify import ClassifyWidget

    w = ClassifyWidget(IMAGES, classes=["a", "b"], store=_store(), proposals={0: ("a", 0.75)})
    w.record_label(1, "b", source="oracle", score=np.float32(0.5))
    w.record_label(0, "a", source="proposal")
    payloads = w.store.events(w.task)["payload"].tolist() if hasattr(w.store, "events") else None
    current = w.store.current(w.task, kinds=("label",))
    scores = {i: p.get("score") for i, p in zip(current["item_id"], current["payload"])}
    assert scores == {1: 0.5, 0: 0.75}, payloads
    with pytest.raises(ValueError, match="score must be a finite number"):
        w.record_label(2, "a", score=float("nan"))
    with pytest.raises(ValueError, match="not the proposal's"):
        w.record_label(0, "a", source="proposal", score=0.1)


# --------------------------------------------------------------------------- 7 + unclear errors: geometry


def test_rle_encode_refuses_float_probability_map_and_nan():
    from hitl_widgets.metrics.geometry import rle_encode

    with pytest.raises(ValueError, match="holds 0.3 at \\(0, 0\\).*threshold"):
        rle_encode(np.full((2, 3), 0.3))
    with pytest.raises(ValueError, match="holds nan"):
        rle_encode(np.array([[0.0, np.nan]]))
    assert rle_encode(np.array([[0.0, 1.0]])) == rle_encode(np.array([[False, True]]))
    assert rle_encode(np.array([[0, 255]], np.uint8)) == rle_encode(np.array([[False, True]]))  # integers: non-zero


@pytest.mark.parametrize("box", [[0, 0, -2, 2], [0, 0, np.nan, 2], [np.inf, 0, 1, 1]])
def test_box_iou_refuses_negative_or_non_finite_boxes(box):
    from hitl_widgets.metrics.geometry import box_iou

    with pytest.raises(ValueError, match="box 0 has a (negative width|NaN)"):
        box_iou([box], [[0, 0, 2, 2]])
    with pytest.raises(ValueError, match="^b: box 0"):
        box_iou([[0, 0, 2, 2]], [box])


def test_polygon_to_mask_with_nan_names_the_vertex():
    from hitl_widgets.metrics.geometry import polygon_to_mask

    with pytest.raises(ValueError, match="polygon 0 has a NaN or infinite vertex"):
        polygon_to_mask([0, 0, 3, np.nan, 3, 2], 4, 4)


def test_rle_decode_of_non_ascii_string_is_a_value_error():
    from hitl_widgets.metrics.geometry import rle_decode

    with pytest.raises(ValueError, match="non-ASCII character 'é'"):
        rle_decode({"size": [2, 2], "counts": "1é"})


def test_krippendorff_alpha_refuses_infinity():
    from hitl_widgets.metrics.agreement import krippendorff_alpha

    for level in ("nominal", "interval", "ratio", "ordinal"):
        with pytest.raises(ValueError, match="infinite value at \\(0, 1\\)"):
            krippendorff_alpha([[1.0, np.inf, 2.0], [1.0, 2.0, 2.0]], level=level)


# --------------------------------------------------------------------------- 7 + unclear errors: confusion


@pytest.mark.parametrize("proba", [[[0.9, 0.2], [0.5, 0.5]], [[-0.1, 1.1], [0.5, 0.5]], [[2.0, 1.0], [0.5, 0.5]]])
def test_confusion_refuses_negative_or_unnormalised_probabilities(proba):
    from hitl_widgets.dashboards.confusion import ConfusionDashboard
    from hitl_widgets.metrics.confusion import find_label_issues

    with pytest.raises(ValueError, match="row 0: probabilities must lie in \\[0, 1\\] and sum to 1"):
        ConfusionDashboard([0, 1], proba, store=_store())
    with pytest.raises(ValueError, match="row 0 is not a probability distribution"):
        find_label_issues(np.array([0, 1]), np.array(proba))


@pytest.mark.parametrize("y", [["a", None, "b"], [0.0, np.nan, 1.0]])
def test_confusion_missing_labels_name_the_row(y):
    from hitl_widgets.dashboards.confusion import ConfusionDashboard

    with pytest.raises(ValueError, match="y_true has a missing label \\(None/NaN\\) at row 1"):
        ConfusionDashboard(np.array(y, dtype=object), ["a", "b", "b"], store=_store())


def test_confusion_float_labels_say_so():
    from hitl_widgets.dashboards.confusion import ConfusionDashboard

    with pytest.raises(ValueError, match="y_true holds floats .*astype\\(int\\)"):
        ConfusionDashboard([0.0, 1.0, 1.0], [0, 1, 1], store=_store())


# --------------------------------------------------------------------------- 7 + 8: the active-learning loop


def _digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X[:150], y[:150], (X[300:400], y[300:400])


def _loop(**kw):
    from sklearn.linear_model import LogisticRegression

    from hitl_widgets.active.loop import ActiveLearningLoop

    X, _, test = _digits()
    return ActiveLearningLoop(LogisticRegression(max_iter=300), X, items=X.reshape(-1, 8, 8) / 16, test=test,
                              batch_size=10, background=False, **kw)


def test_loop_refuses_an_initial_label_that_is_not_a_class():
    with pytest.raises(ValueError, match="initial: pool index 3 has label 'seven', which is not one of the classes"):
        _loop(initial={0: 1, 3: "seven"}, classes=list(range(10)), store=_store())
    with pytest.raises(ValueError, match="initial: pool index 0 has label 1.5"):
        _loop(initial={0: 1.5}, classes=list(range(10)), store=_store())


def test_simulations_without_store_never_mix_and_never_touch_hitl_db(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _, y, _ = _digits()
    first = _loop(strategy="margin")
    h1 = first.simulate(y, budget=40)
    assert h1["n_labels"].tolist() == [10, 20, 30, 40]
    assert "memory" in h1.attrs["store"] and h1.attrs["simulated"] and h1.attrs["resumed_from"] == 0
    second = _loop(strategy="random", seed=1)
    assert second.resumed_from == 0  # the first run's labels are not in hitl.db
    h2 = second.simulate(y, budget=30)
    assert h2["n_labels"].tolist() == [10, 20, 30]  # a fresh start, not a row at 40
    from hitl_widgets.store import AnnotationStore

    assert AnnotationStore("hitl.db").labels("active-learning").empty


def test_a_resumed_loop_says_so(tmp_path, caplog):
    from hitl_widgets.store import AnnotationStore

    store = AnnotationStore(str(tmp_path / "h.db"))
    human = _loop(store=store)
    for item_id in human.batch[:4]:
        human.classify.record_label(item_id, 3)
    with caplog.at_level("WARNING", logger="hitl_widgets"):
        again = _loop(store=AnnotationStore(str(tmp_path / "h.db")))
    assert again.resumed_from == 4 and again.history.attrs["resumed_from"] == 4
    assert "resumed from 4 labels" in caplog.text and "resumed from 4 stored labels" in again.panel.message
    _, y, _ = _digits()
    with pytest.raises(ValueError, match="would mix oracle labels with 4 labels already stored"):
        again.simulate(y, budget=20)


# --------------------------------------------------------------------------- 7: VQA; unclear errors: gate originals


def test_vqa_wrong_with_an_empty_correction_is_refused():
    from hitl_widgets.widgets.vqa import VQAReview

    w = VQAReview(IMAGES, ["q0", "q1", "q2"], ["a0", "a1", "a2"], store=_store())
    sent = []
    w.send = lambda content, buffers=None: sent.append(content)
    for n, (verdict, corrected) in enumerate([("wrong", ""), ("partly", "   "), ("wrong", None), ("wrong", "b0")]):
        w._dispatch(w, {"type": "verdict", "client": "t", "seq": n, "item_id": 0, "verdict": verdict, "corrected": corrected}, [])
    assert [m["type"] for m in sent] == ["refused", "refused", "ack", "ack"]
    assert "empty correction" in sent[0]["message"]
    assert w.results.set_index("item_id").loc[0, "corrected"] == "b0"


def test_gate_originals_of_the_wrong_count_say_so():
    from hitl_widgets.gates import QualityGate

    items = np.zeros((40, 8, 8), np.uint8)
    with pytest.raises(ValueError, match="originals has 2 items for the 40 items under review"):
        QualityGate(items, name="g", originals=np.zeros((2, 8, 8), np.uint8), sample=30, plan=(30, 1), store=_store())


# --------------------------------------------------------------------------- unclear errors: Items


def test_items_of_bytes_say_what_to_do():
    from hitl_widgets.items import Items

    with pytest.raises(ValueError, match="Items cannot show bytes items.*decode"):
        Items([b"abc", b"def"])
    with pytest.raises(ValueError, match="Items cannot show int items"):
        Items([1, 2])


def test_items_refuse_ids_the_store_cannot_keep():
    from hitl_widgets.items import Items
    from hitl_widgets.store import AnnotationStore

    with pytest.raises(ValueError, match="id 1 .* too long: 503 characters"):
        Items(["a", "b"], ids=["ok", "x" * 501])
    with pytest.raises(ValueError, match="id 0 .* too long"):
        Items(["a"], ids=["é" * 100])  # 600 characters as the store writes it
    with pytest.raises(ValueError, match="id 0 .*lone surrogate"):
        Items(["a"], ids=["bad\ud800"])
    longest = "x" * 498  # 500 with its quotes: the store keeps it
    items = Items(["a"], ids=[longest])
    AnnotationStore(":memory:").record("t", items.ids[0], {"label": 1})


def test_many_ids_are_checked_in_bulk_and_the_first_bad_one_is_named():
    """Ids checked in bulk (a list of plain strs / ints) give the error the one-by-one checks give:
    the first bad id, by position, whatever the mix."""
    import json

    import numpy as np

    from hitl_widgets.items import MAX_ID_CHARS, Items

    def first_bad(ids):  # the rules, one id at a time
        for k, i in enumerate(ids):
            if "\x00" in str(i):
                return k, "NUL"
            try:
                str(i).encode("utf-8")
            except UnicodeEncodeError:
                return k, "lone surrogate"
            if len(json.dumps(i)) > MAX_ID_CHARS:
                return k, "too long"
        return None

    images = np.zeros((2000, 2, 2), np.uint8)
    fine = [f"img_{n:05d}" for n in range(2000)]
    cases = {
        "a long ASCII id": {700: "x" * 499},
        "quotes that double": {5: '"' * 250},  # 250 characters, 502 once escaped
        "a control character": {1999: "\x01" * 84},  # 6 characters each once escaped
        "emoji, 12 characters each": {3: "\U0001f600" * 42},
        "NUL after a long one": {900: "é" * 100, 10: "a\x00b"},
        "a lone surrogate": {1500: "ok\udc80"},
        "an int of 600 digits": {42: 10**600},
        "a long one among ints": {0: 7, 1: "x" * 600},
    }
    for name, bad in cases.items():
        ids = list(fine)
        for k, v in bad.items():
            ids[k] = v
        expected = first_bad(ids)
        assert expected is not None, name
        with pytest.raises(ValueError, match=f"^id {expected[0]} .*{expected[1]}"):
            Items(images, ids=ids)
    edge = list(fine)
    edge[0], edge[1], edge[2] = "x" * 498, "\U0001f600" * 41, 10**400  # 500, 494 and 401 characters: kept
    assert Items(images, ids=edge).ids[:3] == edge[:3]
    mixed = [n if n % 2 else f"s{n}" for n in range(2000)]
    assert Items(images, ids=mixed).position(1999) == 1999 and Items(images, ids=mixed).position("s0") == 0


def test_items_refuse_texts_with_lone_surrogates():
    from hitl_widgets.items import Items
    from hitl_widgets.widgets.classify import ClassifyWidget

    with pytest.raises(ValueError, match="item 1: text is not valid unicode \\(a lone surrogate"):
        Items(["fine", "bro\udc80ken"])
    with pytest.raises(ValueError, match="item 1: text is not valid unicode"):
        ClassifyWidget(["fine", "bro\udc80ken"], classes=["a"], store=_store())


def test_no_dead_parameters_left():
    import inspect

    from hitl_widgets.widgets.base import IntentWidget

    assert "remember" not in inspect.signature(IntentWidget._refuse).parameters  # it was ignored


def test_group_metrics_refuses_labels_of_mixed_kinds():
    """Found by the property pass: False was silently the class 0, "1" silently not the class 1."""
    with pytest.raises(ValueError, match="mix booleans with numbers other than 0/1"):
        group_metrics(np.array([0, 2, 0, 2], dtype=object), np.array([False, 2, 0, 2], dtype=object), G, pos_label=2)
    with pytest.raises(ValueError, match="mix strs with ints"):
        group_metrics(np.array(["1", 0, 1, 0], dtype=object), np.array([1, 0, 1, 0], dtype=object), G)
    # y_pred = score > 0.5 (booleans) against 0/1 labels: False is 0, True is 1
    out = group_metrics([1, 0, 1, 0], np.array([True, False, False, False]), G)
    assert out["accuracy"].tolist() == [1.0, 0.5] and out.loc["a", "recall"] == 1.0


def test_python_apis_take_numpy_item_ids():
    """#15 item 6: numpy scalars were refused as 'unknown item id' throughout."""
    from hitl_widgets.dashboards.confusion import ConfusionDashboard
    from hitl_widgets.gates import QualityGate

    dash = ConfusionDashboard([0, 1, 1], [0, 1, 0], store=_store())
    assert dash.relabel(np.int64(2), np.int64(0))["row"] == 0
    gate = QualityGate(np.zeros((40, 8, 8), np.uint8), name="g", sample=30, plan=(30, 1), store=_store())
    gate.send = lambda *a, **k: None
    assert gate.decide(np.int64(gate.order[0]), "accept") > 0
