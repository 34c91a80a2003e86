"""QualityGate: the sampling plan, stratified samples, validated decisions, pass / fail, require()."""
from __future__ import annotations

import math
import sqlite3

import numpy as np
import pytest
from scipy import stats

from hitl_widgets import AnnotationStore, QualityGate
from hitl_widgets.gates import GateNotPassed, acceptance_number, clopper_pearson, stratified_sample

REASONS = ("blurry", "wrong class", "artefact")


def batch(n=200):
    rng = np.random.default_rng(0)
    return rng.integers(0, 255, (n, 8, 8), dtype=np.uint8)


def make(store=None, **kwargs):
    kwargs = {"name": "aug", "sample": 40, "threshold": 0.9, "reasons": REASONS, "risk": 0.05, **kwargs}
    gate = QualityGate(batch(), store=store or AnnotationStore(":memory:", annotator="qa"), **kwargs)
    gate.sent = []
    gate.send = lambda content, buffers=None: gate.sent.append((content, buffers or []))
    return gate


def intent(gate, seq, **content):
    gate._dispatch(None, {"client": "test", "seq": seq, **content}, [])
    return gate.sent[-1][0]


@pytest.mark.parametrize("n,threshold,risk", [(40, 0.9, 0.05), (100, 0.95, 0.05), (200, 0.8, 0.1), (30, 0.9, 0.05)])
def test_acceptance_number_bounds_the_consumers_risk(n, threshold, risk):
    c = acceptance_number(n, threshold, risk)
    assert c >= 0
    # a batch exactly at the threshold passes with probability <= risk ...
    assert stats.binom.cdf(c, n, 1 - threshold) <= risk
    # ... and c is the largest such number
    assert stats.binom.cdf(c + 1, n, 1 - threshold) > risk
    # the same plan as "one-sided (1 - risk) Clopper-Pearson lower bound >= threshold"
    for rejects in (c, c + 1):
        accepted = n - rejects
        lower = stats.beta.ppf(risk, accepted, n - accepted + 1)
        assert (lower >= threshold) == (rejects <= c)


def test_simulated_batches_pass_as_the_plan_says():
    rng = np.random.default_rng(1)
    n, c = 60, acceptance_number(60, 0.9, 0.05)
    at_threshold = rng.binomial(n, 0.1, 20_000) <= c
    good = rng.binomial(n, 0.01, 20_000) <= c
    assert at_threshold.mean() <= 0.05 + 0.005
    assert good.mean() > 0.8


def test_too_small_a_sample_is_refused_with_the_size_needed():
    with pytest.raises(ValueError, match="review at least 29 items"):
        make(sample=20, threshold=0.9, risk=0.05)  # 0.9 ** 29 < 0.05 <= 0.9 ** 28
    with pytest.raises(ValueError, match="review at least 2 items"):  # 0.8 ** 2 == 0.64: logarithms said 3
        make(sample=1, threshold=0.8, risk=0.64)
    make(sample=2, threshold=0.8, risk=0.64)  # the size suggested is accepted
    with pytest.raises(ValueError, match="threshold"):
        make(threshold=1.2)
    with pytest.raises(ValueError, match="reasons"):
        make(reasons=[str(k) for k in range(10)])
    with pytest.raises(ValueError, match="sample"):
        make(sample=-3)


def test_stratified_sample_is_proportional_and_reproducible():
    ids = list(range(1000))
    strata = ["a"] * 700 + ["b"] * 250 + ["c"] * 50
    sample = stratified_sample(ids, 40, strata, seed=3)
    assert len(sample) == len(set(sample)) == 40
    got = {s: sum(strata[i] == s for i in sample) for s in "abc"}
    assert got == {"a": 28, "b": 10, "c": 2}
    assert sample == stratified_sample(ids, 40, strata, seed=3)
    assert sample != stratified_sample(ids, 40, strata, seed=4)
    tiny = stratified_sample(ids, 5, ["a"] * 990 + ["b"] * 5 + ["c"] * 5, seed=0)
    assert {("a" if i < 990 else "b" if i < 995 else "c") for i in tiny} == {"a", "b", "c"}  # every stratum


def test_gate_passes_when_all_accepted_and_require_unblocks():
    gate = make()
    assert gate.plan == {"n": 40, "c": 0, "threshold": 0.9, "risk": 0.05}
    with pytest.raises(GateNotPassed, match="pending"):
        gate.require()
    for k, item_id in enumerate(gate.order):
        reply = intent(gate, k + 1, type="decide", item_id=item_id, verdict="accept")
        assert reply["type"] == "ack"
    assert gate.status == "passed" and gate.passed
    gate.require()  # no exception
    report = gate.report
    assert report["accepted"] == 40 and report["acceptance_rate"] == 1.0
    assert report["ci_low"] == pytest.approx(stats.binomtest(40, 40).proportion_ci(0.95, "exact").low)
    assert gate.summary["status"] == "passed"


def test_gate_fails_as_soon_as_rejects_exceed_c():
    gate = make(plan=(40, 2))
    order = gate.order
    for k in range(3):
        intent(gate, k + 1, type="decide", item_id=order[k], verdict="reject", reason=REASONS[k])
        assert gate.status == ("failed" if k == 2 else "pending")
    with pytest.raises(GateNotPassed, match="failed: 3 of 40 reviewed, 3 rejected"):
        gate.require()
    assert gate.report["reasons"] == {"blurry": 1, "wrong class": 1, "artefact": 1}
    low, high = clopper_pearson(0, 3)
    assert (gate.report["ci_low"], gate.report["ci_high"]) == (low, high)
    assert gate.decisions["verdict"].tolist() == ["reject"] * 3


@pytest.mark.parametrize(
    "content,message",
    [
        ({"verdict": "reject"}, "reason code"),
        ({"verdict": "reject", "reason": "ugly"}, "reason code"),
        ({"verdict": "maybe"}, "verdict"),
        ({"verdict": "accept", "reason": "blurry"}, "no reason"),
        ({"verdict": "accept", "item_id": 10_000}, "unknown item id"),
        ({"verdict": "accept", "item_id": "NOT_SAMPLED"}, "not in this gate's sample"),
        ({"verdict": "accept", "item_id": [1]}, "unknown item id"),
    ],
)
def test_bad_decisions_are_refused_and_store_nothing(content, message):
    gate = make()
    first = gate.order[0]
    outside = next(i for i in range(200) if i not in gate.order)
    item_id = content.pop("item_id", first)
    item_id = outside if item_id == "NOT_SAMPLED" else item_id
    reply = intent(gate, 1, type="decide", item_id=item_id, **content)
    assert reply["type"] == "refused" and message in reply["message"]
    assert gate.store.events().empty
    assert gate.refused and gate.status == "pending"


def test_undo_and_restart_keep_the_sample_and_decisions(tmp_path):
    path = tmp_path / "gate.db"
    gate = make(store=AnnotationStore(path, annotator="qa"))
    a, b = gate.order[:2]
    intent(gate, 1, type="decide", item_id=a, verdict="reject", reason="blurry")
    intent(gate, 2, type="decide", item_id=b, verdict="accept")
    assert gate.status == "failed"
    reply = intent(gate, 3, type="undo", item_id=a)
    assert reply["type"] == "ack" and reply["verdict"] is None
    assert gate.status == "pending" and gate.report["reviewed"] == 1
    again = make(store=AnnotationStore(path, annotator="qa"))  # a new kernel
    assert again.order == gate.order
    assert again.decisions[["item_id", "verdict"]].values.tolist() == [[b, "accept"]]
    assert again.position == 0  # the first undecided item
    with sqlite3.connect(path) as conn:
        kinds = dict(conn.execute("SELECT kind, count(*) FROM hitl_events GROUP BY kind").fetchall())
    assert kinds == {"gate": 2, "undo": 1}


def test_side_by_side_fetch_sends_item_and_original_as_binary():
    items = batch(50)
    originals = 255 - items
    gate = QualityGate(items, name="flip", originals=originals, sample=30, plan=(30, 1), store=AnnotationStore(":memory:"))
    sent = []
    gate.send = lambda content, buffers=None: sent.append((content, buffers or []))
    ids = gate.order[:3]
    gate._dispatch(None, {"type": "fetch", "ids": ids}, [])
    content, buffers = sent[-1]
    assert content["type"] == "items" and len(buffers) == 6
    for info in content["items"]:
        assert info["kind"] == "image" and info["original_kind"] == "image"
        assert isinstance(buffers[info["buffer"]], bytes) and buffers[info["buffer"]][:4] == b"\x89PNG"
        assert buffers[info["buffer"]] != buffers[info["original_buffer"]]
    assert gate.side_by_side


def test_strata_and_python_decide():
    strata = ["flip"] * 100 + ["noise"] * 100
    gate = make(strata=strata, sample=60, plan=(60, 3))
    assert set(gate.decisions.columns) >= {"item_id", "verdict", "reason", "stratum"}
    counts = {s: sum(strata[i] == s for i in gate.order) for s in ("flip", "noise")}
    assert counts == {"flip": 30, "noise": 30}
    gate.decide(gate.order[0], "reject", "artefact")
    assert gate.decisions["stratum"].tolist() == [strata[gate.order[0]]]
    with pytest.raises(ValueError, match="reason code"):
        gate.decide(gate.order[1], "reject", "nope")
    assert math.isclose(gate.report["acceptance_rate"], 0.0)


def test_decisions_are_listed_in_sample_order_whatever_order_they_arrived_in():
    gate = make()
    picked = [gate.order[3], gate.order[0], gate.order[7]]  # decided out of sample order
    for seq, item_id in enumerate(picked, start=1):
        assert intent(gate, seq, type="decide", item_id=item_id, verdict="accept")["type"] == "ack"
    assert gate.decisions["item_id"].tolist() == [gate.order[0], gate.order[3], gate.order[7]]


def test_a_decision_overtaken_by_a_newer_one_for_the_same_item_changes_nothing():
    gate = make()
    item = gate.order[0]
    assert intent(gate, 8, type="decide", item_id=item, verdict="reject", reason=REASONS[0])["type"] == "ack"
    late = intent(gate, 7, type="decide", item_id=item, verdict="accept")  # sent first, arrived last
    assert late["type"] == "ack" and late["stale"] is True
    assert (late["verdict"], late["reason"], late["status"]) == ("reject", REASONS[0], gate.status)
    assert gate.decisions[["item_id", "verdict"]].values.tolist() == [[item, "reject"]]
    assert len(gate.store.events()) == 1


@pytest.mark.parametrize("fraction, n_items, expected", [(0.07, 100, 7), (0.14, 100, 14), (0.29, 100, 29),
                                                         (0.1, 30, 3), (0.071, 100, 8), (0.5, 3, 2), (1.0, 7, 7)])
def test_a_fraction_samples_its_exact_share(fraction, n_items, expected):
    """0.07 * 100 is 7.000000000000001 in floating point: math.ceil made it a sample of 8."""
    gate = QualityGate(batch(n_items), name="f", sample=fraction, threshold=0.1,
                       store=AnnotationStore(":memory:"))
    assert gate.plan["n"] == expected and len(gate.order) == expected


def test_require_never_rounds_a_failed_gates_acceptance_up_to_100_percent():
    """1 rejected of 2001: the message says 99.95%, not 100.0%."""
    gate = QualityGate(batch(2001), store=AnnotationStore(":memory:", annotator="qa"), name="big", sample=2001,
                       threshold=0.99, reasons=REASONS, risk=0.05, plan=(2001, 0))
    order = gate.order
    for item_id in order[:2000]:
        gate.decide(item_id, "accept")
    gate.decide(order[2000], "reject", REASONS[0])
    with pytest.raises(GateNotPassed, match=r"acceptance 99\.95%$"):
        gate.require()


def test_numpy_numbers_are_numbers_for_the_gates_settings():
    """threshold=np.float32(0.9) was refused as "not in (0, 1)" and plan=(np.int64(50), 1) as out of range."""
    images = np.zeros((100, 5, 6), np.uint8)
    g = QualityGate(images, name="a", sample=50, threshold=np.float64(0.9), risk=np.float32(0.05), store=AnnotationStore(":memory:"))
    assert (g.plan["n"], g.plan["c"]) == (50, 1)
    g = QualityGate(images, name="b", plan=(np.int64(50), np.int64(1)), store=AnnotationStore(":memory:"))
    assert (g.plan["n"], g.plan["c"]) == (50, 1)
    for bad in ({"threshold": True}, {"threshold": np.float64(1.5)}, {"plan": (True, 0)}, {"plan": (50.0, 1)}):
        with pytest.raises(ValueError, match="threshold must be in|plan must be"):
            QualityGate(images, name="c", store=AnnotationStore(":memory:"), **bad)
