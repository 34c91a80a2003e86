"""hitl_widgets.coerce, and every public entry point that takes labels or ids treating numpy
scalars, ``np.str_``, 0-d torch tensors and ``pd.NA`` as the plain Python value they stand for."""
from __future__ import annotations

import doctest
import json
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
import hitl_widgets.coerce as coerce
from hitl_widgets import io as hio
from hitl_widgets import metrics as hm
from hitl_widgets.coerce import (
    check_item_id,
    is_item_id,
    is_missing,
    is_tensor,
    json_default,
    normalise_classes,
    plain,
    same,
    to_numpy,
    whole_float_to_int,
)

torch = pytest.importorskip("torch")


# ------------------------------------------------------------------------------ the module
def test_doctests_pass():
    result = doctest.testmod(coerce, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


@pytest.mark.parametrize(
    "value, expected",
    [
        (np.int64(3), 3), (np.int8(-2), -2), (np.uint16(7), 7), (np.float64(0.5), 0.5), (np.float32(0.25), 0.25),
        (np.bool_(True), True), (np.bool_(False), False), (np.str_("cat"), "cat"), (np.array(4), 4),
        (torch.tensor(2), 2), (torch.tensor(1.5), 1.5), (torch.tensor(True), True), (pd.NA, None),
        (3, 3), ("cat", "cat"), (True, True), (None, None), (2.5, 2.5),
    ],
    ids=repr,
)
def test_plain_gives_the_python_value_and_type(value, expected):
    got = plain(value)
    assert type(got) is type(expected) and (got == expected or got is expected)


def test_plain_leaves_containers_and_arrays_alone():
    arr, t, lst = np.arange(3), torch.arange(3), [np.int64(1)]
    assert plain(arr) is arr and plain(t) is t and plain(lst) is lst
    nan = plain(np.float64("nan"))
    assert type(nan) is float and nan != nan  # a NaN stays a float NaN (missing, see is_missing)


@pytest.mark.parametrize("value", [None, pd.NA, pd.NaT, float("nan"), np.float64("nan"), np.float32("nan"), torch.tensor(float("nan"))], ids=repr)
def test_is_missing_true(value):
    assert is_missing(value)


@pytest.mark.parametrize("value", [0, 0.0, "", "NA", False, np.int64(0), np.str_(""), [], np.array([np.nan, 1.0]), float("inf")], ids=repr)
def test_is_missing_false(value):
    assert not is_missing(value)


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (1, 1, True), (np.int64(1), 1, True), (torch.tensor(1), 1, True), (np.str_("a"), "a", True),
        (True, 1, False), (np.bool_(True), 1, False), ("3", 3, False), (1.0, 1, False), (np.float64(1.0), 1, False),
        (None, pd.NA, True), (np.bool_(True), True, True), ("a", "b", False),
    ],
    ids=repr,
)
def test_same(a, b, expected):
    assert same(a, b) is expected and same(b, a) is expected


def test_to_numpy_does_not_copy_numpy_and_converts_the_rest():
    a = np.arange(6, dtype=np.int32)
    assert to_numpy(a) is a
    assert to_numpy(a, dtype=np.float64).dtype == np.float64
    t = torch.arange(4.0, requires_grad=True)
    out = to_numpy(t)
    assert isinstance(out, np.ndarray) and out.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert to_numpy(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32
    assert to_numpy(pd.Series([1, 2], index=[7, 9])).tolist() == [1, 2]
    assert to_numpy(pd.DataFrame({"a": [1], "b": [2]})).tolist() == [[1, 2]]
    assert to_numpy([torch.tensor(1), torch.tensor(0)]).tolist() == [1, 0]
    assert to_numpy([1, 2]).tolist() == [1, 2] and to_numpy((1.5,)).dtype == np.float64


def test_to_numpy_moves_a_tensor_off_another_device():
    if not torch.cuda.is_available():  # the CPU build: a meta tensor cannot be moved, so check the call path
        t = torch.arange(3)
        assert is_tensor(t) and not is_tensor(np.arange(3)) and not is_tensor([t])
        return
    t = torch.arange(3, device="cuda")  # pragma: no cover - only where a GPU is present
    assert to_numpy(t).tolist() == [0, 1, 2]  # pragma: no cover


def test_item_ids():
    assert is_item_id(0) and is_item_id("x")
    assert not any(is_item_id(v) for v in (True, np.int64(1), 1.0, None, [1], b"x"))
    assert check_item_id(np.int64(2), [1, 2]) == 2 and type(check_item_id(np.int64(2))) is int
    assert check_item_id(np.str_("b"), ["a", "b"]) == "b" and type(check_item_id(np.str_("b"))) is str
    assert check_item_id(torch.tensor(1), range(3)) == 1
    with pytest.raises(ValueError, match=r"^unknown item id 9$"):
        check_item_id(9, [1, 2])
    with pytest.raises(ValueError, match=r"^unknown item id '9'$"):
        check_item_id("9", [9])  # "9" is not 9
    with pytest.raises(ValueError, match=r"unknown item id True: .*a bool, not an int or a str"):
        check_item_id(True, [1])
    with pytest.raises(ValueError, match=r"unknown item id None: .* is missing"):
        check_item_id(pd.NA)

    class Refused(Exception):
        pass

    with pytest.raises(Refused, match=r"^unknown item id 'x{58}…$"):
        check_item_id("x" * 500, [], error=Refused)


@pytest.mark.parametrize(
    "value, expected",
    [
        (3.0, 3), (np.float64(-2.0), -2), (np.float32(7.0), 7), (torch.tensor(4.0), 4), (np.int64(5), 5), (0, 0),
        (2.5, 2.5), (True, True), (np.bool_(False), False), ("1.0", "1.0"), (None, None), (pd.NA, None),
        (float("inf"), float("inf")),
    ],
    ids=repr,
)
def test_whole_float_to_int_turns_only_whole_floats_into_ints(value, expected):
    got = whole_float_to_int(value)
    assert type(got) is type(expected) and (got == expected or got is expected)


def test_whole_float_to_int_leaves_nan_a_float():
    got = whole_float_to_int(np.float64("nan"))
    assert type(got) is float and got != got


def test_normalise_classes():
    assert normalise_classes([np.str_("a"), "b"]) == ["a", "b"]
    assert [type(c) for c in normalise_classes(np.arange(2))] == [int, int]
    assert normalise_classes(torch.tensor([2, 5])) == [2, 5]
    assert normalise_classes(pd.Series(["x", "y"])) == ["x", "y"]
    for bad, message in [
        ("ab", "not a single string"), ([], "at least one class"), ([True, 1], "class True: classes must be ints or strs"),
        ([1.5], "class 1.5"), ([pd.NA], "class None"), ([1, np.int64(1)], "must be unique"),
    ]:
        with pytest.raises(ValueError, match=message):
            normalise_classes(bad)


def test_json_default():
    text = json.dumps(
        {"i": np.int64(2), "f": np.float32(0.5), "s": np.str_("a"), "a": np.arange(2), "t": torch.tensor([1, 2]),
         "when": pd.Timestamp("2026-01-02T03:04:05Z"), "tup": (1, 2)},
        default=json_default, sort_keys=True,
    )
    assert json.loads(text) == {"a": [0, 1], "f": 0.5, "i": 2, "s": "a", "t": [1, 2], "tup": [1, 2], "when": "2026-01-02T03:04:05+00:00"}
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        json_default(object())


def test_no_private_coercion_helper_left_in_the_package():
    """No module defines its own copy or imports a sibling's: the names live in coerce only."""
    import pathlib
    import re

    root = pathlib.Path(hw.__file__).parent
    pattern = re.compile(r"def (_plain|_same|_numpy|is_item_id|normalise_classes|as_numpy)\(|import .*\b_(plain|same)\b|\.detach\(\)\.cpu\(\)\.numpy\(\)")
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py") if path.name != "coerce.py"
        for n, line in enumerate(path.read_text().splitlines(), 1) if pattern.search(line)
    ]
    assert offenders == []


# ------------------------------------------------------------------------------ every entry point
class Variant(NamedTuple):
    name: str
    value: Any  # what the user passes
    plain: Any  # the Python value it stands for


VARIANTS = [
    Variant("np.str_", np.str_("b"), "b"),
    Variant("np.int64", np.int64(1), 1),
    Variant("np.float64", np.float64(1.0), 1.0),
    Variant("np.bool_", np.bool_(True), True),
    Variant("torch", torch.tensor(1), 1),
    Variant("pd.NA", pd.NA, None),
]
VALID = {"np.str_", "np.int64", "torch"}  # a class / id that exists: the entry point must accept it


def universe(p: Any) -> list:
    """The classes (or item ids) an entry point is given: the plain value's kind, with the plain
    value at position 1 when it is a valid class or id."""
    return ["a", "b", "c"] if isinstance(p, str) else [0, 1, 2]


def others(p: Any) -> tuple:
    u = universe(p)
    return u[0], u[2]


IMAGES = np.zeros((3, 8, 8), np.uint8)


def store() -> hw.AnnotationStore:
    return hw.AnnotationStore(":memory:")


def items_for(v: Any, p: Any) -> hw.Items:
    return hw.Items(IMAGES, ids=universe(p))


def labels_of(s: hw.AnnotationStore, task: str) -> list:
    df = s.labels(task)
    return [(repr(r.item_id), repr(r.label)) for r in df.itertuples()]


def canon(x: Any) -> str:
    """A comparable form that keeps types (np.int64(1) and 1 differ, 1 and True differ)."""
    if isinstance(x, pd.DataFrame):
        return repr(x.reset_index().to_dict("records")) + repr(list(x.columns))
    if isinstance(x, pd.Series):
        return repr(x.to_dict()) + repr(x.dtype)
    if isinstance(x, np.ndarray):
        return f"ndarray[{x.dtype.kind}]{x.tolist()!r}"
    if isinstance(x, (list, tuple)):
        return type(x).__name__ + "[" + ", ".join(canon(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{canon(k)}: {canon(v)}" for k, v in x.items()) + "}"
    if isinstance(x, float) and x != x:
        return "nan"
    return repr(x)


def outcome(fn: Callable[[], Any]) -> tuple:
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - the error is the outcome compared
        return ("error", type(exc).__name__, str(exc))
    return ("ok", canon(result))


# -- label / class slots: fn(v, p) uses v where the user gives a label or class; p is its plain value
def classify_classes(v, p):
    a, c = others(p)
    return hw.ClassifyWidget(IMAGES, [a, v, c], store=store()).classes


def classify_record_label(v, p):
    s = store()
    w = hw.ClassifyWidget(IMAGES, universe(p), store=s)
    w.record_label(0, v)
    return w.current_labels, labels_of(s, "classify")


def classify_record_multi_label(v, p):
    s = store()
    w = hw.ClassifyWidget(IMAGES, universe(p), store=s, multi_label=True)
    w.record_label(0, [v, universe(p)[0]])
    return w.current_labels, labels_of(s, "classify")


def classify_proposals_dict(v, p):
    return hw.ClassifyWidget(IMAGES, universe(p), store=store(), proposals={0: (v, 0.75)}).proposals


def classify_proposals_list(v, p):
    a, c = others(p)
    return hw.ClassifyWidget(IMAGES, universe(p), store=store(), proposals=[v, a, c]).proposals


def classify_proposals_series(v, p):
    a, c = others(p)
    props = pd.Series([v, a, c], index=[0, 1, 2], dtype=object)
    return hw.ClassifyWidget(IMAGES, universe(p), store=store(), proposals=props).proposals


def classify_accept_proposal(v, p):
    s = store()
    w = hw.ClassifyWidget(IMAGES, universe(p), store=s, proposals={0: universe(p)[1]})
    w.record_label(0, v, source="proposal")
    return labels_of(s, "classify")


def bbox_classes(v, p):
    a, c = others(p)
    return hw.BBoxAnnotator(IMAGES, [a, v, c], store=store()).classes


def bbox_proposals(v, p):
    w = hw.BBoxAnnotator(IMAGES, universe(p), store=store(), proposals={0: [(1, 1, 3, 3, v, 0.9)]})
    return w.proposals


def bbox_proposals_frame(v, p):
    df = pd.DataFrame({"item": [0], "x": [1.0], "y": [1.0], "w": [3.0], "h": [3.0], "class": pd.Series([v], dtype=object), "score": [0.9]})
    return hw.BBoxAnnotator(IMAGES, universe(p), store=store(), proposals=df).proposals


def segmentation_classes(v, p):
    a, c = others(p)
    return hw.SegmentationCanvas(IMAGES, [a, v, c], store=store()).classes


def confusion_dashboard_labels(v, p):
    a, c = others(p)
    d = hw.ConfusionDashboard(np.array([v, a, c, v], dtype=object), np.array([a, a, c, v], dtype=object), classes=universe(p), store=store())
    return d.matrix_df, d.per_class


def confusion_dashboard_classes(v, p):
    a, c = others(p)
    d = hw.ConfusionDashboard([a, c, a], [c, c, a], classes=[a, v, c], store=store())
    return d.matrix_df


def confusion_dashboard_relabel(v, p):
    a, c = others(p)
    s = store()
    d = hw.ConfusionDashboard([a, c, a], [c, c, a], classes=universe(p), store=s)
    d.relabel(0, v)
    return d.matrix_df, labels_of(s, "confusion")


def confusion_dashboard_cell(v, p):
    a, c = others(p)
    d = hw.ConfusionDashboard([a, universe(p)[1], a], [c, c, a], classes=universe(p), store=store())
    return d.cell_items(v, c)


def bias_audit(v, p):
    a, _ = others(p)
    rng = np.random.default_rng(0)
    y_true = np.array([v if t else a for t in rng.integers(0, 2, 80)], dtype=object)
    y_pred = np.array([v if t else a for t in rng.integers(0, 2, 80)], dtype=object)
    groups = rng.choice(["x", "y"], 80)
    audit = hw.BiasAudit(y_true, y_pred, groups, pos_label=v, store=store(), n_boot=20, min_group_size=5)
    return audit.by_group, audit.overall


def agreement_dashboard(v, p):
    a, c = others(p)
    df = pd.DataFrame({
        "item_id": [0, 0, 1, 1, 2, 2], "annotator": ["ann1", "ann2"] * 3,
        "label": pd.Series([v, v, a, v, c, c], dtype=object),
    })
    d = hw.AgreementDashboard(df, classes=universe(p), n_boot=20)
    return d.classes, d.overall, d.per_annotator


def agreement_dashboard_classes(v, p):
    a, c = others(p)
    df = pd.DataFrame({"item_id": [0, 0, 1, 1], "annotator": ["ann1", "ann2"] * 2, "label": [a, a, c, a]})
    return hw.AgreementDashboard(df, classes=[a, v, c], n_boot=20).classes


def metrics_confusion_matrix(v, p):
    a, c = others(p)
    return hm.confusion_matrix([v, a, c], np.array([v, v, c], dtype=object), classes=universe(p))


def metrics_confusion_matrix_classes(v, p):
    a, c = others(p)
    return hm.confusion_matrix([a, c], [c, c], classes=[a, v, c])


def metrics_label_codes(v, p):
    a, c = others(p)
    return hm.label_codes(np.array([v, a, c], dtype=object), universe(p))


def metrics_per_class(v, p):
    a, c = others(p)
    return hm.per_class_metrics(np.eye(3, dtype=int), classes=[a, v, c])


def metrics_cohen_kappa(v, p):
    a, c = others(p)
    return hm.cohen_kappa([v, a, c, v], np.array([v, a, a, v], dtype=object))


def metrics_percent_agreement(v, p):
    a, c = others(p)
    return hm.percent_agreement(np.array([[v, v], [a, c], [c, c]], dtype=object))


def metrics_majority_vote(v, p):
    a, c = others(p)
    return hm.majority_vote([[v, v, a], [a, c, c]])


def metrics_group_metrics(v, p):
    a, _ = others(p)
    y_true = np.array([v, a, v, a, v, a], dtype=object)
    y_pred = np.array([v, v, a, a, v, a], dtype=object)
    return hm.group_metrics(y_true, y_pred, np.array(["x", "x", "x", "y", "y", "y"]), pos_label=v)


def metrics_find_label_issues(v, p):
    probs = np.array([[0.1, 0.8, 0.1], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    a, _ = others(p)
    labels = hm.label_codes([v, a, a], universe(p)) if isinstance(p, str) else [v, 0, 0]  # codes, as documented
    return hm.find_label_issues(labels, probs)


def io_to_coco(v, p):
    df = pd.DataFrame({"item": [0, 1], "x": [1.0, 2.0], "y": [1.0, 2.0], "w": [3.0, 3.0], "h": [3.0, 3.0],
                       "class": pd.Series([v, universe(p)[0]], dtype=object)})
    out = hio.to_coco(df, image_sizes={0: (8, 8), 1: (8, 8)}, classes=universe(p))
    return [(c["id"], c["name"]) for c in out["categories"]], [(a["image_id"], a["category_id"]) for a in out["annotations"]]


def io_to_yolo(v, p):
    df = pd.DataFrame({"item": [0], "x": [1.0], "y": [1.0], "w": [3.0], "h": [3.0], "class": pd.Series([v], dtype=object)})
    return hio.to_yolo(df, image_sizes={0: (8, 8)}, classes=universe(p))


def certify_labels(v, p):
    a, c = others(p)
    s = store()
    cert = hw.certify(IMAGES, {0: v, 1: a, 2: c}, s, require_gates=False)
    return cert["labels_hash"] if "labels_hash" in cert else {k: cert[k] for k in sorted(cert) if "label" in k}


def certify_label_list(v, p):
    a, c = others(p)
    cert = hw.certify(IMAGES, [v, a, c], store(), require_gates=False)
    return {k: cert[k] for k in sorted(cert) if "label" in k}


def gate_strata(v, p):
    a, c = others(p)
    g = hw.QualityGate(IMAGES, store=store(), plan=(3, 0), strata=[v, a, c])
    return sorted((repr(k), repr(s)) for k, s in g._strata.items())


# -- item id slots: v is an item id (ids are universe(p), v stands for the one at position 1)
def items_ids(v, p):
    a, c = others(p)
    return hw.Items(IMAGES, ids=[a, v, c]).ids


def classify_queue(v, p):
    return hw.ClassifyWidget(items_for(v, p), ["x", "y"], store=store(), queue=[v]).order


def classify_record_label_id(v, p):
    s = store()
    w = hw.ClassifyWidget(items_for(v, p), ["x", "y"], store=s)
    w.record_label(v, "y")
    return w.current_labels, labels_of(s, "classify")


def classify_proposals_id(v, p):
    return hw.ClassifyWidget(items_for(v, p), ["x", "y"], store=store(), proposals={v: "y"}).proposals


def classify_proposals_series_id(v, p):
    props = pd.Series(["y"], index=pd.Index([v], dtype=object))
    return hw.ClassifyWidget(items_for(v, p), ["x", "y"], store=store(), proposals=props).proposals


def classify_notes_id(v, p):
    w = hw.ClassifyWidget(items_for(v, p), ["x", "y"], store=store(), notes={v: "seen"})
    return [w._item_info(i)["notes"] for i in universe(p)]


def store_record_id(v, p):
    s = store()
    s.record("t", v, {"label": "y"})
    return labels_of(s, "t")


def gate_decide_id(v, p):
    s = store()
    g = hw.QualityGate(items_for(v, p), store=s, plan=(3, 0))
    g.decide(v, "reject", "wrong label")
    return g.report["rejected"], [(repr(r.item_id), r.verdict) for r in g.decisions.itertuples()] if hasattr(g, "decisions") else None


def confusion_relabel_id(v, p):
    s = store()
    d = hw.ConfusionDashboard(["x", "y", "x"], ["y", "y", "x"], items=items_for(v, p), classes=["x", "y"], store=s)
    d.relabel(v, "y")
    return d.matrix_df, labels_of(s, "confusion")


def certify_id(v, p):
    a, c = others(p)
    cert = hw.certify(items_for(v, p), {a: "x", v: "y", c: "x"}, store(), require_gates=False)
    return {k: cert[k] for k in sorted(cert) if "label" in k}


def bbox_proposals_id(v, p):
    w = hw.BBoxAnnotator(items_for(v, p), ["x"], store=store(), proposals={v: [(1, 1, 3, 3, "x", 0.9)]})
    return w.proposals


def hallucination_verdict_id(v, p):
    s = store()
    w = hw.HallucinationFlagger(items_for(v, p), {"m": ["one two", "three four", "five"]}, store=s)
    w.verdict(v, "m", "faithful")
    return [(repr(r.item_id), r.kind) for r in s.events("hallucination").itertuples()]


def retrieval_judge_id(v, p):
    s = store()
    queries = hw.Items(["q"], ids=["q0"])
    w = hw.RetrievalVerifier(queries, {"q0": [universe(p)[0], universe(p)[1]]}, items_for(v, p), store=s)
    w.judge("q0", v, "relevant")
    return w.query_metrics("q0")


def retrieval_results_id(v, p):
    queries = hw.Items(["q"], ids=["q0"])
    w = hw.RetrievalVerifier(queries, {"q0": [universe(p)[0], v]}, items_for(v, p), store=store())
    return w.results if hasattr(w, "results") else w._rank


def to_coco_item_id(v, p):
    df = pd.DataFrame({"item": pd.Series([v], dtype=object), "x": [1.0], "y": [1.0], "w": [3.0], "h": [3.0], "class": ["x"]})
    out = hio.to_coco(df, image_sizes={universe(p)[1]: (8, 8)}, classes=["x"])
    return [(i["id"], i["file_name"]) for i in out["images"]], len(out["annotations"])


ENTRY_POINTS: list[Callable] = [
    classify_classes, classify_record_label, classify_record_multi_label, classify_proposals_dict,
    classify_proposals_list, classify_proposals_series, classify_accept_proposal,
    bbox_classes, bbox_proposals, bbox_proposals_frame, segmentation_classes,
    confusion_dashboard_labels, confusion_dashboard_classes, confusion_dashboard_relabel, confusion_dashboard_cell,
    bias_audit, agreement_dashboard, agreement_dashboard_classes,
    metrics_confusion_matrix, metrics_confusion_matrix_classes, metrics_label_codes, metrics_per_class,
    metrics_cohen_kappa, metrics_percent_agreement, metrics_majority_vote, metrics_group_metrics, metrics_find_label_issues,
    io_to_coco, io_to_yolo, certify_labels, certify_label_list, gate_strata,
    items_ids, classify_queue, classify_record_label_id, classify_proposals_id, classify_proposals_series_id,
    classify_notes_id, store_record_id, gate_decide_id, confusion_relabel_id, certify_id, bbox_proposals_id,
    hallucination_verdict_id, retrieval_judge_id, retrieval_results_id, to_coco_item_id,
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda f: f.__name__)
def test_entry_point_treats_a_value_as_its_plain_python_value(entry, variant):
    got = outcome(lambda: entry(variant.value, variant.plain))
    want = outcome(lambda: entry(variant.plain, variant.plain))
    assert got == want
    if variant.name in VALID:
        assert want[0] == "ok", want  # np.int64(1) / np.str_("b") / tensor(1) where 1 / "b" is a class or id
    if got[0] == "error":  # an error names the plain value, never numpy's or pandas' spelling of it
        assert not any(s in got[2] for s in ("np.", "tensor(", "<NA>", "NAType")), got


def test_unit_pixels_scale_by_dtype_in_either_byte_order():
    from hitl_widgets.coerce import unit_pixels

    big = np.array([0, 65535, 32768], dtype=">u2")
    np.testing.assert_allclose(unit_pixels(big, "image 0"), [0.0, 1.0, 32768 / 65535], rtol=1e-6)
    with pytest.raises(ValueError, match="image 2: uint32 pixels have no known range"):
        unit_pixels(np.zeros(3, dtype=np.uint32), "image 2")
