"""IngestionReview reads back a stored decision only for the content it was made on: item decisions
carry the item's content digest, group decisions their members'. A new delivery reviewed under the
same task (ids are positions by default) does not inherit the last one's decisions; a UserWarning names
what is left out, the events stay in the store, and decisions stored without digests apply as before."""
from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pytest
from PIL import Image

import hitl_widgets as hw
from hitl_widgets.gates import GateNotPassed
from hitl_widgets.widgets.ingestion import IngestionReview

RNG = np.random.default_rng(1)
EXISTING = [RNG.integers(0, 255, (32, 32, 3), dtype=np.uint8) for _ in range(8)]


def images(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (32, 32, 3), dtype=np.uint8) for _ in range(n)]


def review(new, path, annotator="ada", **kw) -> IngestionReview:
    store = hw.AnnotationStore(path, annotator=annotator)
    # k = len(EXISTING): no outlier check (random images would be flagged by chance), duplicates only
    w = IngestionReview(new, EXISTING, store=store, progress=False, max_hamming=None, k=len(EXISTING), **kw)
    w.sent = []
    w.send = lambda msg, buffers=None: w.sent.append(msg)
    return w


def fresh(new, path, annotator="bob", **kw) -> IngestionReview:
    """A review that must read the store back without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return review(new, path, annotator, **kw)


def intent(w, n, **fields) -> dict:
    w._dispatch(w, {"client": "c", "seq": n, **fields}, [])
    return w.sent[-1]


def sha(img: np.ndarray) -> str:
    arr = np.ascontiguousarray(img)
    return hashlib.sha256(f"{arr.dtype.str}{arr.shape}".encode() + arr.tobytes()).hexdigest()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "ingest.db"


def week1_with_a_copy() -> list[np.ndarray]:
    week1 = images(6, seed=10)
    week1[3] = week1[0].copy()  # an exact duplicate inside the delivery
    return week1


def test_an_item_decision_on_last_deliverys_content_is_not_applied(db):
    w1 = review(week1_with_a_copy(), db)
    assert w1.findings[["item", "check"]].values.tolist() == [[3, "exact_duplicate"]]
    w1.decide(3, "drop")
    assert w1.accepted == [0, 1, 2, 4, 5]
    week2 = images(6, seed=20)  # item 3 is now a clean new image
    with pytest.warns(UserWarning, match=r"'ingestion'.*decisions of items \[3\].*other content.*stay in the store"):
        w2 = review(week2, db, "bob")
    assert w2.findings.empty and w2.decision_of(3) is None
    assert w2.decisions.empty and w2.accepted == [0, 1, 2, 3, 4, 5] and w2.status == "passed"
    assert w2.report["decisions"]["drop"] == 0 and w2.report["accepted"] == 6
    assert 3 in w2.store.current("ingestion")["item_id"].tolist()  # the event stays in the store


def test_a_group_decision_on_last_deliverys_members_is_not_applied(db):
    w1 = review(week1_with_a_copy(), db)
    ack = intent(w1, 1, type="decide_group", group="exact_duplicate", decision="keep")
    assert ack["type"] == "ack" and w1.status == "passed"
    week2 = images(6, seed=20)
    week2[1], week2[4] = EXISTING[2].copy(), EXISTING[5].copy()  # two leaks of existing (test-set) items
    with pytest.warns(UserWarning, match=r"'keep' decision on group 'exact_duplicate'.*items \[1, 4\]"):
        w2 = review(week2, db, "bob")
    assert w2.findings["item"].tolist() == [1, 4]
    assert w2.decisions.empty and w2.undecided == [1, 4] and w2.status == "pending"
    assert w2.accepted == [0, 2, 3, 5] and w2.report["reviewed"] == 0
    assert next(g for g in w2.groups if g["key"] == "exact_duplicate")["decision"] is None
    with pytest.raises(GateNotPassed, match=r"0 of 2 flagged items decided \(undecided e\.g\. \[1, 4\]\)"):
        w2.require()
    with pytest.raises(GateNotPassed):
        hw.certify([week2[i] for i in w2.accepted], list(w2.labels), store=w2.store, gates=[w2], progress=False)
    assert "exact_duplicate" in w2.store.current("ingestion:groups")["item_id"].tolist()


def test_a_group_decision_applies_to_the_members_it_covered_only(db):
    week1 = images(6, seed=10)
    week1[2], week1[4] = EXISTING[0].copy(), EXISTING[1].copy()
    w1 = review(week1, db)
    w1.decide_group("exact_duplicate", "drop")
    week2 = [img.copy() for img in week1]
    week2[4] = EXISTING[3].copy()  # item 4 now leaks another existing item
    with pytest.warns(UserWarning, match=r"group 'exact_duplicate'.*items \[4\] hold") as caught:
        w2 = review(week2, db, "bob")
    assert not any("[2" in str(c.message) for c in caught)
    assert w2.decision_of(2)["via"] == "group:exact_duplicate" and w2.decision_of(4) is None
    assert w2.decisions[["item_id", "decision"]].values.tolist() == [[2, "drop"]]
    assert w2.undecided == [4] and w2.accepted == [0, 1, 3, 5]
    w2.decide(4, "drop")
    assert w2.status == "passed" and w2.report["rejected"] == 2


def test_the_same_delivery_reads_its_decisions_back_without_a_warning(db):
    week1 = week1_with_a_copy()
    w1 = review(week1, db)
    w1.decide(3, "drop")
    w1.decide_group("clean", "keep")
    again = fresh([img.copy() for img in week1], db, review_clean=True)
    assert again.decisions[["item_id", "decision", "via"]].values.tolist() == [
        [0, "keep", "group:clean"], [1, "keep", "group:clean"], [2, "keep", "group:clean"], [3, "drop", "item"],
        [4, "keep", "group:clean"], [5, "keep", "group:clean"]]
    assert again.status == "passed" and again.accepted == [0, 1, 2, 4, 5]


def test_decisions_record_the_content_they_were_made_on(db):
    week1 = week1_with_a_copy()
    w1 = review(week1, db)
    w1.decide(3, "drop")
    w1.decide_group("clean", "keep")
    item = w1.store.current("ingestion").set_index("item_id").loc[3, "payload"]
    assert item == {"decision": "drop", "label": None, "content": sha(week1[3])}
    group = w1.store.current("ingestion:groups").set_index("item_id").loc["clean", "payload"]
    assert group["members"] == [[i, sha(week1[i])] for i in (0, 1, 2, 4, 5)]


def test_decisions_stored_without_digests_apply_as_before(db):
    week1 = week1_with_a_copy()
    store = hw.AnnotationStore(db, annotator="old")
    store.record("ingestion", 3, {"decision": "drop", "label": None}, kind="ingest")
    store.record("ingestion:groups", "clean", {"decision": "keep", "label": None}, kind="ingest_group")
    w = fresh(week1, db, review_clean=True)
    assert w.decision_of(3)["decision"] == "drop" and w.decision_of(0)["via"] == "group:clean"
    assert w.status == "passed" and w.accepted == [0, 1, 2, 4, 5]


def test_an_undo_does_not_bring_back_last_deliverys_decision(db):
    w1 = review(week1_with_a_copy(), db)
    w1.decide(3, "drop")
    w1.decide_group("clean", "drop")
    week2 = images(6, seed=20)
    week2[3] = week2[1].copy()
    with pytest.warns(UserWarning, match="other content"):
        w2 = review(week2, db, "ada")  # the same annotator: the undo reaches the week-1 events
    assert w2.decision_of(3) is None and w2.decision_of(0) is None
    w2.decide(3, "keep")
    assert intent(w2, 1, type="undo", item_id=3)["type"] == "ack"
    assert w2.decision_of(3) is None and w2.undecided == [3]
    w2.decide_group("clean", "keep")
    assert intent(w2, 2, type="undo_group", group="clean")["type"] == "ack"
    assert w2.decision_of(0) is None and w2.accepted == [0, 1, 2, 4, 5]


def test_unreadable_files_are_known_by_their_bytes_or_path(tmp_path, db):
    good = tmp_path / "good.png"
    Image.fromarray(images(1, seed=3)[0]).save(good)
    raw = good.read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(raw[: len(raw) // 2])
    paths = [str(good), str(cut), str(tmp_path / "gone.png")]
    w1 = review(paths, db)
    assert w1.findings.loc[w1.findings.check == "file", "item"].tolist() == [1, 2]
    w1.decide_group("file", "drop")
    assert fresh(paths, db).decisions["item_id"].tolist() == [1, 2]  # the same bytes, the same missing path
    cut.write_bytes(raw[: len(raw) // 3])  # another truncated file at the same path
    with pytest.warns(UserWarning, match=r"group 'file'.*items \[1\] hold"):
        w2 = review(paths, db, "bob")
    assert w2.decisions["item_id"].tolist() == [2] and w2.undecided == [1]
