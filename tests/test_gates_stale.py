"""QualityGate decisions belong to what was judged and are read as stored now: a batch re-generated
under the same gate name does not pass on the old batch's decisions, certify refuses a gate built on
other items, and another reviewer's reject counts for every gate object on the store."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from hitl_widgets import AnnotationStore, QualityGate
from hitl_widgets.certificates import certify, item_hash
from hitl_widgets.gates import GateNotPassed


def batch(seed=0, n=40):
    return np.random.default_rng(seed).integers(0, 255, (n, 8, 8), dtype=np.uint8)


def gate(items, path, annotator="ada", **kwargs):
    kwargs = {"name": "aug-v1", "sample": 10, "plan": (10, 0), **kwargs}
    return QualityGate(items, store=AnnotationStore(path, annotator=annotator), **kwargs)


def accept_all(g):
    for i in g.order:
        g.decide(i, "accept")


def test_a_regenerated_batch_under_the_same_name_does_not_pass_on_the_old_decisions(tmp_path):
    path = tmp_path / "gate.db"
    v1 = gate(batch(), path)
    accept_all(v1)
    assert v1.status == "passed"
    v2_items = batch()
    v2_items[v1.order[3]] = 0  # one sampled image re-generated blank; the rest unchanged
    with pytest.warns(UserWarning, match=rf"1 stored decisions of quality gate 'aug-v1' .*item ids {v1.order[3]}\b"):
        v2 = gate(v2_items, path, annotator="bob")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once, not at every read
        assert v2.status == "pending" and v2.report["reviewed"] == 9
    assert v1.order[3] not in v2.decisions["item_id"].tolist()
    with pytest.raises(GateNotPassed, match="9 of 10 reviewed"):
        v2.require()
    assert len(v2.store.events()) == 10  # the old decision stays in the store
    v2.decide(v1.order[3], "accept")  # judged again, on the new content
    assert v2.passed
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every current decision is about this content: no warning
        assert gate(v2_items, path, annotator="cy").passed


def test_an_all_new_batch_starts_pending_and_warns_naming_the_items(tmp_path):
    path = tmp_path / "gate.db"
    accept_all(gate(batch(), path))
    with pytest.warns(UserWarning, match=r"10 stored decisions .*They stay in the store"):
        v2 = gate(np.zeros((40, 8, 8), np.uint8), path, annotator="bob")
    assert (v2.status, v2.report["reviewed"]) == ("pending", 0)
    with pytest.raises(GateNotPassed):
        certify(np.zeros((40, 8, 8), np.uint8), [0] * 40, store=v2.store, gates=[v2], progress=False)


def test_decisions_stored_without_a_hash_are_taken_as_before(tmp_path):
    path = tmp_path / "gate.db"
    old = gate(batch(), path)
    for i in old.order:  # as an older version stored them
        old.store.record(old.task, i, {"verdict": "accept", "reason": None}, kind="gate")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gate(np.zeros((40, 8, 8), np.uint8), path).passed


def test_a_stored_decision_holds_the_items_hash(tmp_path):
    g = gate(batch(), tmp_path / "gate.db")
    g.decide(g.order[0], "reject", g.reasons[0])
    payload = g.store.current(g.task)["payload"].iloc[0]
    assert payload["item_hash"] == item_hash(g.items, g.order[0])


def test_certify_refuses_a_gate_built_on_another_batch(tmp_path):
    path = tmp_path / "gate.db"
    v1 = gate(batch(), path)
    accept_all(v1)
    v2_items = batch()
    v2_items[v1.order[5]] = 0
    with pytest.raises(ValueError, match=rf"quality gate 'aug-v1' was built on other items.*sampled item {v1.order[5]} "):
        certify(v2_items, [0] * 40, store=v1.store, gates=[v1], progress=False)
    with pytest.raises(ValueError, match=r"quality gate 'aug-v1' .*is not among them"):
        certify(batch()[:2], [0, 0], store=v1.store, gates=[v1], progress=False)
    assert v1.store.log_entries("certificate") == []  # nothing recorded
    cert = certify(batch(), [0] * 40, store=v1.store, gates=[v1], progress=False)  # the batch it judged
    assert cert["gates"][0]["status"] == "passed" and "other_items" not in cert["gates"][0]


def test_without_require_gates_a_gate_on_other_items_goes_in_marked(tmp_path):
    v1 = gate(batch(), tmp_path / "gate.db")
    accept_all(v1)
    with pytest.warns(UserWarning, match="other_items"):
        cert = certify(np.zeros((40, 8, 8), np.uint8), [0] * 40, store=v1.store, gates=[v1], require_gates=False, progress=False)
    entry = cert["gates"][0]
    assert entry["status"] == "passed" and "other content" in entry["other_items"]
    assert "on other items" in cert.html_body()


def test_another_reviewers_reject_counts_for_every_gate_object(tmp_path):
    path = tmp_path / "gate.db"
    items = batch()
    ada = gate(items, path)
    accept_all(ada)
    assert ada.passed
    bob = gate(items, path, annotator="bob")  # another kernel, same store file
    bob.decide(bob.order[0], "reject", bob.reasons[1])
    assert ada.status == "failed" and ada.report["rejected"] == 1  # every reviewer's latest decision counts
    assert ada.decisions.set_index("item_id").loc[bob.order[0], "annotator"] == "bob"
    with pytest.raises(GateNotPassed, match="1 rejected"):
        ada.require()
    with pytest.raises(GateNotPassed):
        certify(items, [0] * 40, store=ada.store, gates=[ada], progress=False)
    cert = certify(items, [0] * 40, store=ada.store, gates=[ada], require_gates=False, progress=False)
    assert (cert["gates"][0]["status"], cert["gates"][0]["rejected"]) == ("failed", 1)


def test_an_undo_by_another_reviewer_is_read_back_too(tmp_path):
    path = tmp_path / "gate.db"
    items = batch()
    ada = gate(items, path)
    accept_all(ada)
    bob = gate(items, path, annotator="bob")
    bob.decide(bob.order[0], "reject", bob.reasons[0])
    assert ada.status == "failed"
    bob.store.undo(task=bob.task, item_id=bob.order[0], annotator="bob")
    assert ada.status == "passed" and ada.report["reviewed"] == 10  # ada's accept is current again
    ada.require()


def test_an_item_whose_file_vanished_can_still_be_rejected_as_unreadable(tmp_path):
    from PIL import Image

    paths = []
    for k in range(12):
        paths.append(tmp_path / f"{k}.png")
        Image.fromarray(np.full((8, 8), k * 10, np.uint8)).save(paths[-1])
    g = QualityGate([str(p) for p in paths], name="files", sample=10, plan=(10, 0), store=AnnotationStore(tmp_path / "g.db"))
    victim = g.order[0]
    paths[victim].unlink()
    g.decide(victim, "reject", "corrupted / unreadable")
    assert g.store.current(g.task)["payload"].iloc[0]["item_hash"] == "unreadable"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert g.status == "failed" and g.report["rejected"] == 1
