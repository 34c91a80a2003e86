"""CoreferenceLinker's kernel side: validated links (existing region, new box, no referent),
proposals accepted / fixed / rejected, entities, undo / redo, stale intents, reload from the store;
the demo's linked captions; the link-agreement metric against hand-computed values."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.demo import coreference_scenes, linked_caption
from hitl_widgets.metrics import link_agreement, link_agreement_table
from hitl_widgets.widgets.coreference import CoreferenceLinker, entities

IMAGES = np.zeros((2, 40, 60, 3), np.uint8)  # 60 wide, 40 high
#         0         1         2         3
#         0123456789012345678901234567890123456
TEXTS = ["A red circle. It is left of the square.", "The sky."]
# words: 0 A, 1 red, 2 circle, 3 It, 4 is, 5 left, 6 of, 7 the, 8 square
REGIONS = {0: [(2, 2, 10, 10, "circle"), {"id": "sq", "x": 30, "y": 5, "w": 12, "h": 12, "label": "square"}]}
PROPOSALS = pd.DataFrame({"item": [0, 0], "start": [0, 14], "end": [12, 16], "region": ["r1", "sq"], "score": [0.9, 0.4]})


class Recorder:
    def __init__(self, w):
        self.w, self.sent, self.seq = w, [], 0
        w.send = lambda content, buffers=None: self.sent.append((content, buffers or []))

    def intent(self, type_, seq=None, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "t", "seq": self.seq if seq is None else seq, **fields}, [])
        return self.sent[-1][0]


def make(store=None, **kw):
    kw.setdefault("regions", REGIONS)
    kw.setdefault("proposals", PROPOSALS)
    w = CoreferenceLinker(IMAGES, TEXTS, store=store or hw.AnnotationStore(":memory:"), **kw)
    return w, Recorder(w)


def test_construction_and_lazy_name():
    w, _ = make()
    assert hw.CoreferenceLinker is CoreferenceLinker
    assert w.regions[["item", "region", "label"]].values.tolist() == [[0, "r1", "circle"], [0, "sq", "square"]]
    p = w.proposals
    assert p[["text", "region", "proposal_id"]].values.tolist() == [["A red circle", "r1", "p0"], ["It", "sq", "p1"]]
    assert w.links.empty and list(w.links.columns)[:8] == ["item", "start", "end", "text", "region", "box", "entity", "source"]


@pytest.mark.parametrize("kw, message", [
    ({"proposals": {0: [(0, 40, "r1", 0.5)]}}, "outside its caption"),
    ({"proposals": {0: [(1, 12, "r1", 0.5)]}}, "word boundaries"),
    ({"proposals": {0: [(0, 12, "nope", 0.5)]}}, "has no region 'nope'"),
    ({"proposals": {5: [(0, 12, "r1", 0.5)]}}, "unknown item id 5"),
    ({"proposals": {0: [(0, 12, "r1", math.inf)]}}, "finite"),
    ({"proposals": {0: [(0, 12, "r1", 0.5), (0, 12, "sq", 0.4)]}}, "same mention"),
    ({"regions": {0: [(100, 100, 5, 5)]}, "proposals": None}, "wholly outside"),
    ({"regions": {0: [(1, 1, 0, 5)]}, "proposals": None}, "positive width"),
    ({"regions": {0: [{"id": "<b>", "x": 1, "y": 1, "w": 5, "h": 5}]}, "proposals": None}, "region id"),
    ({"regions": {0: [{"id": "d1", "x": 1, "y": 1, "w": 5, "h": 5}]}, "proposals": None}, "drawn boxes"),
    ({"regions": {0: [(1, 1, 5, 5), {"id": "r1", "x": 1, "y": 1, "w": 5, "h": 5}]}, "proposals": None}, "appears twice"),
])
def test_bad_constructor_input_names_the_item(kw, message):
    with pytest.raises(ValueError, match=message):
        make(**kw)


def test_texts_must_be_one_caption_per_image():
    with pytest.raises(ValueError, match="one caption per image"):
        CoreferenceLinker(IMAGES, pd.DataFrame({"a": TEXTS, "b": TEXTS}), store=hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError, match="needs images"):
        CoreferenceLinker(["a", "b"], TEXTS, store=hw.AnnotationStore(":memory:"))


def test_link_existing_region_new_box_and_no_referent():
    w, r = make(proposals=None)
    a = r.intent("link", item_id=0, t0=0, t1=2, region="r1")
    assert a["type"] == "ack" and a["links"][0]["region"] == "r1" and a["n_done"] == 1
    r.intent("link", item_id=0, t0=3, t1=3, region="r1")  # "It": the same entity
    b = r.intent("link", item_id=0, t0=7, t1=8, box={"x": 28, "y": 4, "w": 14, "h": 14})
    assert b["type"] == "ack" and b["drawn"] == [{"id": "d1", "x": 28.0, "y": 4.0, "w": 14.0, "h": 14.0}]
    assert r.intent("link", item_id=1, t0=0, t1=1, region=None)["type"] == "ack"
    df = w.links
    assert df[["item", "start", "end", "text", "region", "entity", "source"]].values.tolist() == [
        [0, 0, 12, "A red circle", "r1", "e1", "human"],
        [0, 14, 16, "It", "r1", "e1", "human"],
        [0, 28, 38, "the square", "d1", "e2", "human"],
        [1, 0, 7, "The sky", None, None, "human"],
    ]
    assert df["box"].tolist()[0] == (2.0, 2.0, 10.0, 10.0) and df["box"].tolist()[3] is None
    assert w.n_done == 2
    assert w.regions["source"].tolist() == ["given", "given", "drawn"]
    # relink "the square" to the given square: the drawn box, linked no more, goes
    c = r.intent("link", item_id=0, t0=7, t1=8, region="sq")
    assert c["drawn"] == [] and w.links["region"].tolist()[2] == "sq"


@pytest.mark.parametrize("fields, message", [
    ({"t0": 0, "t1": 9, "region": "r1"}, "not a span"),
    ({"t0": 3, "t1": 2, "region": "r1"}, "not a span"),
    ({"t0": -1, "t1": 2, "region": "r1"}, "not a span"),
    ({"t0": "0", "t1": 2, "region": "r1"}, "not a span"),
    ({"t0": True, "t1": 2, "region": "r1"}, "not a span"),
    ({"t0": 0, "t1": 2, "region": "r9"}, "has no region 'r9'"),
    ({"t0": 0, "t1": 2, "region": 1}, "has no region"),
    ({"t0": 0, "t1": 2}, "either a region"),
    ({"t0": 0, "t1": 2, "region": "r1", "box": {"x": 1, "y": 1, "w": 5, "h": 5}}, "either a region"),
    ({"t0": 0, "t1": 2, "box": {"x": 100, "y": 1, "w": 5, "h": 5}}, "outside"),
    ({"t0": 0, "t1": 2, "box": {"x": 1, "y": 1, "w": 0, "h": 5}}, "positive width"),
    ({"t0": 0, "t1": 2, "box": {"x": "1", "y": 1, "w": 5, "h": 5}}, "finite number"),
    ({"t0": 0, "t1": 2, "box": [1, 1, 5, 5]}, "box must be an object"),
])
def test_bad_links_are_refused_and_store_nothing(fields, message):
    w, r = make()
    reply = r.intent("link", item_id=0, **fields)
    assert reply["type"] == "refused" and message in reply["message"], reply
    assert len(w.store.events()) == 0 and w.links.empty


def test_python_link_checks_character_spans():
    w, _ = make(proposals=None)
    with pytest.raises(ValueError, match="outside its caption"):
        w.link(0, 0, 99, "r1")
    with pytest.raises(ValueError, match="word boundaries"):
        w.link(0, 3, 12, "r1")  # "red circle" starts at 2: "ed circle" does not
    with pytest.raises(ValueError, match="has no region"):
        w.link(0, 0, 12, "zz")
    assert len(w.store.events()) == 0
    w.link(0, 0, 12, "r1")
    w.link(0, 28, 38, box=(28, 4, 14, 14))
    assert w.links["region"].tolist() == ["r1", "d1"]


def test_unlink_and_relink_same_refused():
    w, r = make(proposals=None)
    r.intent("link", item_id=0, t0=0, t1=2, region="r1")
    again = r.intent("link", item_id=0, t0=0, t1=2, region="r1")
    assert again["type"] == "refused" and "already linked there" in again["message"]
    bad = r.intent("unlink", item_id=0, t0=3, t1=3)
    assert bad["type"] == "refused" and "not a linked mention" in bad["message"]
    assert r.intent("unlink", item_id=0, t0=0, t1=2)["links"] == []
    assert w.links.empty and w.n_done == 0


def test_proposals_accept_fix_reject():
    w, r = make()
    acc = r.intent("accept", item_id=0, proposal_ids=["p0"])
    assert acc["links"][0] | {} == {"start": 0, "end": 12, "t0": 0, "t1": 2, "region": "r1", "source": "proposal", "score": 0.9, "proposal": "p0"}
    again = r.intent("accept", item_id=0, proposal_ids=["p0"])
    assert again["type"] == "refused" and "no open proposal" in again["message"]
    # fix p1 ("It" -> sq) by linking "It" to the circle: source adjusted, the score kept
    r.intent("link", item_id=0, t0=3, t1=3, region="r1")
    df = w.links
    assert df[["text", "region", "entity", "source", "proposal_id"]].values.tolist() == [
        ["A red circle", "r1", "e1", "proposal", "p0"], ["It", "r1", "e1", "adjusted", "p1"]]
    assert df["score"].tolist() == [0.9, 0.4]
    # reject: undo the fix first so p1 is open again
    r.intent("undo", item_id=0)
    rej = r.intent("reject", item_id=0, proposal_ids=["p1"])
    assert rej["type"] == "ack" and rej["rejected"] == ["p1"]
    assert r.intent("reject", item_id=0, proposal_ids="p1")["type"] == "refused"
    assert r.intent("accept", item_id=0, proposal_ids=["p1"])["type"] == "refused"


def test_undo_redo_and_stale():
    w, r = make()
    r.intent("link", item_id=0, t0=0, t1=2, region="r1")
    r.intent("link", item_id=0, t0=3, t1=3, box={"x": 30, "y": 5, "w": 10, "h": 10})
    u = r.intent("undo", item_id=0)
    assert u["type"] == "ack" and u["undone"] == "link" and len(u["links"]) == 1 and u["can_redo"]
    assert w.links["text"].tolist() == ["A red circle"]
    d = r.intent("redo", item_id=0)
    assert d["redone"] == "link" and w.links["region"].tolist() == ["r1", "d1"]
    assert r.intent("redo", item_id=0)["type"] == "refused"
    r.intent("undo", item_id=0)
    r.intent("undo", item_id=0)
    assert w.links.empty and r.intent("undo", item_id=0)["type"] == "refused"
    # a retried intent gets the same answer and changes nothing
    first = r.intent("link", seq=100, item_id=1, t0=0, t1=1, region=None)
    n = len(w.store.events())
    assert r.intent("link", seq=100, item_id=1, t0=0, t1=1, region=None) == first and len(w.store.events()) == n
    s = r.intent("sync", item_id=1)
    assert s["type"] == "ack" and s["links"][0]["region"] is None


def test_reload_from_the_same_store(tmp_path):
    store = hw.AnnotationStore(str(tmp_path / "coref.db"))
    w, r = make(store)
    r.intent("accept", item_id=0, proposal_ids=["p0"])
    r.intent("link", item_id=0, t0=7, t1=8, box={"x": 30, "y": 5, "w": 10, "h": 10})
    r.intent("reject", item_id=0, proposal_ids=["p1"])
    before = w.links.drop(columns="event_id")
    w2, r2 = make(hw.AnnotationStore(str(tmp_path / "coref.db")))
    pd.testing.assert_frame_equal(w2.links.drop(columns="event_id"), before)
    assert w2.n_done == 1
    info = w2._item_info(0)
    assert info["rejected"] == ["p1"] and info["drawn"][0]["id"] == "d1"
    assert r2.intent("undo", item_id=0)["rejected"] == []


def test_item_info_has_pieces_regions_and_proposals():
    w, _ = make()
    info = w._item_info(0)
    assert "".join(p for p, _ in info["pieces"]) == TEXTS[0]
    assert [x["id"] for x in info["regions"]] == ["r1", "sq"]
    assert info["proposals"][0] == {"id": "p0", "t0": 0, "t1": 2, "region": "r1", "score": 0.9}


def test_no_visual_referent_and_no_label_read_none_not_nan():
    """A None among strs is NaN to pandas: the tables give None for no referent (and no label), as the
    view gets it, whether the proposals came as a DataFrame with an empty cell or as a dict."""
    frame = PROPOSALS.assign(region=["r1", np.nan])  # "It": no visual referent
    for proposals in (frame, {0: [(0, 12, "r1", 0.9), (14, 16, None, 0.4)]}):
        w, r = make(proposals=proposals)
        assert w.proposals["region"].tolist() == ["r1", None]
        assert [p["region"] for p in w._item_info(0)["proposals"]] == ["r1", None]
        r.intent("accept", item_id=0, proposal_ids=["p0", "p1"])
        assert w.links["region"].tolist() == ["r1", None]
        r.intent("link", item_id=0, t0=7, t1=8, box={"x": 28, "y": 4, "w": 14, "h": 14})  # a drawn region: no label
        assert w.regions["label"].tolist() == ["circle", "square", None]


def test_doctests():
    import doctest

    from hitl_widgets.demo import captions
    from hitl_widgets.metrics import coreference as metric
    from hitl_widgets.widgets import coreference as widget

    for module in (widget, metric, captions):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_entities_follow_first_mention():
    assert entities([{"t0": 5, "t1": 5, "region": "a"}, {"t0": 1, "t1": 2, "region": "b"}, {"t0": 0, "t1": 0, "region": None}]) == {"b": "e1", "a": "e2"}


# ---------------------------------------------------------------------------- demo data
def test_linked_captions_are_exact_and_noise_is_controlled():
    data = coreference_scenes(30, seed=3, noise=0.0)
    for row in data.truth.itertuples():
        assert data.texts[row.item][row.start:row.end] == row.text
    assert data.proposals["correct"].all() and len(data.proposals) == len(data.truth)
    noisy = coreference_scenes(200, seed=3, noise=0.4)
    wrong = 1 - noisy.proposals["correct"].mean()
    missed = 1 - len(noisy.proposals) / len(noisy.truth)
    assert 0.3 < wrong < 0.5 and 0.12 < missed < 0.28
    # the demo feeds the widget as is, and its truth scores F1 = 1 against itself
    w = CoreferenceLinker(noisy.images, noisy.texts, store=hw.AnnotationStore(":memory:"), regions=noisy.regions, proposals=noisy.proposals)
    assert len(w.proposals) == len(noisy.proposals)
    assert link_agreement(noisy.truth, noisy.truth).f1 == 1.0
    text, mentions = linked_caption(noisy.scenes[0])
    assert mentions[-1][2] is None and text[mentions[-1][0]:mentions[-1][1]] == "The background"


# ---------------------------------------------------------------------------- metrics
def test_link_agreement_hand_computed():
    a = [(0, 0, 5, "r1"), (0, 6, 8, "r1"), (0, 10, 14, None), (1, 0, 3, "d1", (0, 0, 10, 10)), (1, 5, 9, "r2")]
    b = [(0, 0, 5, "r1"), (0, 6, 8, "r2"), (0, 10, 14, None), (1, 0, 3, "d7", (1, 0, 10, 10)), (1, 20, 22, "r2")]
    r = link_agreement(a, b)
    # matches: (0,0,5) same id, (0,10,14) both none, (1,0,3) IoU 90/110 = 0.818 >= 0.5; (0,6,8) differs
    assert (r.n_a, r.n_b, r.n_match, r.n_mention) == (5, 5, 3, 4)
    assert r.precision == 3 / 5 and r.recall == 3 / 5 and r.f1 == 6 / 10 and r.mention_f1 == 8 / 10
    strict = link_agreement(a, b, iou_threshold=0.9)
    assert strict.n_match == 2 and strict.f1 == 4 / 10
    r2 = link_agreement(a[:2], b[:1])  # 1 match; P = 1/2, R = 1/1, F1 = 2/3
    assert (r2.precision, r2.recall, r2.f1) == (0.5, 1.0, 2 / 3)
    assert math.isnan(link_agreement([], []).f1)
    assert link_agreement([(0, 0, 5, None)], [(0, 0, 5, "r1")]).n_match == 0
    with pytest.raises(ValueError, match="linked twice"):
        link_agreement([(0, 0, 5, "r1"), (0, 0, 5, "r2")], [])


def test_link_agreement_table_over_annotators_from_widgets(tmp_path):
    store = hw.AnnotationStore(str(tmp_path / "two.db"))
    ann = CoreferenceLinker(IMAGES, TEXTS, store=store, regions=REGIONS, annotator="ann")
    bob = CoreferenceLinker(IMAGES, TEXTS, store=store, regions=REGIONS, annotator="bob")
    for start, end, region in ((0, 12, "r1"), (14, 16, "r1")):
        ann.link(0, start, end, region)
    ann.link(0, 28, 38, box=(30, 5, 12, 12))
    for start, end, region in ((0, 12, "r1"), (14, 16, "sq"), (28, 38, "sq")):
        bob.link(0, start, end, region)
    links = ann.all_links()
    pd.testing.assert_frame_equal(links.reset_index(drop=True), pd.concat([ann.links, bob.links]).reset_index(drop=True))
    t = link_agreement_table(links)
    # the drawn d1 (30, 5, 12, 12) is the given sq (30, 5, 12, 12): IoU 1; "It" differs: 2 of 3
    assert t[["annotator_a", "annotator_b", "n_items", "n_match"]].values.tolist() == [["ann", "bob", 1, 2]]
    assert t["f1"].tolist() == [2 / 3] and t["mention_f1"].tolist() == [1.0]


def test_drawn_regions_compare_by_box_not_by_their_per_annotator_ids():
    """Each annotator's drawn boxes are "d1", "d2", ...: two "d1" may be two regions. With both boxes
    the IoU decides; the id only where a box is missing."""
    r = link_agreement([(0, 0, 12, "d1", (2, 2, 10, 10))], [(0, 0, 12, "d1", (45, 25, 10, 10))])  # IoU 0
    assert (r.n_match, r.f1, r.mention_f1) == (0, 0.0, 1.0)
    # IoU 90/110 >= 0.5, whatever the ids; a missing box falls back to the id
    assert link_agreement([(0, 0, 5, "d1", (0, 0, 10, 10))], [(0, 0, 5, "d1", (1, 0, 10, 10))]).n_match == 1
    assert link_agreement([(0, 0, 5, "d1", (0, 0, 10, 10))], [(0, 0, 5, "d1")]).n_match == 1
    assert link_agreement([(0, 0, 5, "d1", (0, 0, 10, 10))], [(0, 0, 5, "d2")]).n_match == 0
    # end to end: two widgets each draw their own "d1" for the same mention, in opposite corners
    store = hw.AnnotationStore(":memory:")
    ann = CoreferenceLinker(IMAGES, TEXTS, store=store, annotator="ann")
    bob = CoreferenceLinker(IMAGES, TEXTS, store=store, annotator="bob")
    ann.link(0, 0, 12, box=(2, 2, 10, 10))
    bob.link(0, 0, 12, box=(45, 25, 10, 10))
    links = ann.all_links()
    assert links["region"].tolist() == ["d1", "d1"]
    t = link_agreement_table(links)
    assert t[["n_match", "f1", "mention_f1"]].values.tolist() == [[0, 0.0, 1.0]]
    bob.link(0, 0, 12, box=(3, 2, 10, 10))  # relinked to a box over ann's: IoU 90/110
    assert link_agreement_table(ann.all_links())["f1"].tolist() == [1.0]


@pytest.mark.parametrize("row, message", [
    ((0, 0.9, 12, None), r"a: row 0: start 0.9 is not a character offset"),
    ((0, np.nan, 12, None), r"a: row 0: start nan is not a character offset"),
    ((0, 0, None, None), r"a: row 0: end None is not a character offset"),
    ((0, True, 12, None), r"a: row 0: start True is not a character offset"),
    ((0, "0", 12, None), r"a: row 0: start '0' is not a character offset"),
    ((0, 12, 12, None), r"a: item 0, row 0: the mention \[12, 12\) is empty or negative"),
    ((0, -2, 12, None), r"a: item 0, row 0: the mention \[-2, 12\) is empty or negative"),
    ((None, 0, 12, None), r"a: row 0 has no item"),
    ((0, 0, 12, "d1", (0, 0, np.nan, 1)), r"a: row 0: box \(0, 0, nan, 1\) is not \(x, y, w, h\)"),
    ((0, 0, 12, "d1", (0, 0, 5)), r"a: row 0: box \(0, 0, 5\) is not \(x, y, w, h\)"),
    ((0, 0, 12, "d1", (0, 0, -1, 5)), r"a: row 0: box \(0, 0, -1, 5\) is not \(x, y, w, h\)"),
    ((0, 0, 12), r"a: row 0 is not \(item, start, end, region\[, box\]\)"),
])
def test_link_offsets_and_boxes_are_checked_naming_the_row(row, message):
    """0.9 is not character 0 (it used to be truncated to it), NaN is not an offset (it raised numpy's
    message), and a NaN box is not "no overlap"."""
    with pytest.raises(ValueError, match=message):
        link_agreement([row], [(0, 0, 12, None)])
    # whole numbers of any numeric type are offsets; a DataFrame is named by its row the same way
    ok = link_agreement([(0, np.int64(0), 12.0, None)], [(0, 0, np.float32(12), None)])
    assert ok.n_match == 1
    df = pd.DataFrame({"item": [0, 0], "start": [0, 0.5], "end": [5, 9], "region": [None, None]})
    with pytest.raises(ValueError, match=r"b: row 1: start 0.5 is not a character offset"):
        link_agreement([], df)


def test_link_agreement_table_refuses_a_link_without_annotator():
    df = pd.DataFrame({"item": [0, 0], "start": [0, 0], "end": [5, 5], "region": ["r1", "r1"], "annotator": ["ann", None]})
    with pytest.raises(ValueError, match=r"links: row 1 \(label 1\) has no annotator"):
        link_agreement_table(df)


def test_links_kept_in_the_browser_are_replayed_with_their_times(tmp_path):
    """Edits made while the kernel was down come back as one replay: each runs through its own
    handler (validated as if it came alone) and is stored with the time it was made."""
    import time

    w, r = make(hw.AnnotationStore(str(tmp_path / "replay.db")))
    made = time.time() * 1000 - 60_000
    edits = [
        {"type": "link", "fields": {"item_id": 0, "t0": 0, "t1": 2, "region": "r1"}, "made_at": made},
        {"type": "link", "fields": {"item_id": 0, "t0": 3, "t1": 3, "region": "r9"}, "made_at": made + 1},  # refused
        {"type": "link", "fields": {"item_id": 1, "t0": 0, "t1": 1, "region": None}, "made_at": made + 2},
    ]
    reply = r.intent("replay", edits=edits)
    assert reply["type"] == "ack" and reply["stored"] == 2
    assert [x["ok"] for x in reply["results"]] == [True, False, True] and "no region" in reply["results"][1]["message"]
    assert w.links["text"].tolist() == ["A red circle", "The sky"]
    times = w.store.events("coreference")["created_at"]
    assert abs(times.iloc[0].timestamp() * 1000 - made) < 5
    # the same replay again (its answer was lost): nothing is stored twice
    again = r.intent("replay", edits=[edits[0]])
    assert again["results"][0]["ok"] and len(w.store.events("coreference")) == 2


def test_accept_several_proposals_at_once_is_one_change():
    w, r = make()
    a = r.intent("accept", item_id=0, proposal_ids=["p0", "p1"])
    assert a["type"] == "ack" and [x["proposal"] for x in a["links"]] == ["p0", "p1"]
    assert w.links[["text", "region", "entity", "source"]].values.tolist() == [
        ["A red circle", "r1", "e1", "proposal"], ["It", "sq", "e2", "proposal"]]
    assert r.intent("accept", item_id=0, proposal_ids=["p0", "p0"])["type"] == "refused"
    assert r.intent("undo", item_id=0)["links"] == [] and w.links.empty
