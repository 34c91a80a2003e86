"""SceneGraphAnnotator's kernel side: validated objects and relations (unknown / deleted box,
predicate not in the list, self-relation, duplicate triple), proposals accepted / changed /
rejected, deleting a box deletes its relations (one undo restores both), redo, reload from the
store (a kernel restart), the triples and objects frames, the Visual Genome export."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.io import to_visual_genome
from hitl_widgets.widgets.scene_graph import SceneGraphAnnotator

IMAGES = np.zeros((2, 40, 60, 3), np.uint8)  # 60 wide, 40 high
CLASSES = ["person", "cup", "table"]
PREDICATES = ["holding", "on", "next to"]
OBJECTS = pd.DataFrame({
    "item": [0, 0, 0, 1], "object_id": ["man", "cup", "tbl", "x"], "x": [2, 20, 30, 1], "y": [2, 5, 20, 1],
    "w": [10, 5, 25, 5], "h": [30, 5, 15, 5], "class": ["person", "cup", "table", "cup"],
    "attributes": [["tall"], "red, small", None, []],
})
PROPOSALS = pd.DataFrame({"item": [0, 0], "subject": ["cup", "man"], "predicate": ["on", "holding"], "object": ["tbl", "cup"],
                          "score": [0.6, 0.9]})


class Recorder:
    def __init__(self, w):
        self.w, self.sent, self.seq = w, [], 0
        w.send = lambda content, buffers=None: self.sent.append((content, buffers or []))

    def intent(self, type_, **fields):
        self.seq += 1
        self.w._dispatch(self.w, {"type": type_, "client": "t", "seq": self.seq, **fields}, [])
        return self.sent[-1][0]


def make(store=None, **kw):
    kw.setdefault("objects", OBJECTS)
    kw.setdefault("proposals", PROPOSALS)
    w = SceneGraphAnnotator(IMAGES, CLASSES, PREDICATES, store=store or hw.AnnotationStore(":memory:"), **kw)
    return w, Recorder(w)


def test_construction_lazy_name_and_given_objects():
    w, _ = make()
    assert hw.SceneGraphAnnotator is SceneGraphAnnotator
    o = w.objects
    assert o[["item", "object_id", "class", "source"]].values.tolist() == [
        [0, "man", "person", "given"], [0, "cup", "cup", "given"], [0, "tbl", "table", "given"], [1, "x", "cup", "given"]]
    assert o["attributes"].tolist() == [["tall"], ["red", "small"], [], []]
    assert w.proposals[["subject", "predicate", "object", "proposal_id"]].values.tolist() == [
        ["man", "holding", "cup", "p0"], ["cup", "on", "tbl", "p1"]]
    assert w.triples.empty and list(w.triples.columns) == ["item", "subject", "subject_class", "predicate", "object",
                                                          "object_class", "subject_box", "object_box", "source", "score"]
    assert w.predicates == PREDICATES and w.classes == CLASSES


@pytest.mark.parametrize("kw, message", [
    ({"proposals": PROPOSALS.assign(predicate=["on", "eats"])}, r"item 0 proposal man -> eats -> cup: unknown predicate 'eats'"),
    ({"proposals": PROPOSALS.assign(object=["tbl", "ghost"])}, r"item 0 .*unknown object id 'ghost'"),
    ({"proposals": PROPOSALS.assign(subject=["x", "man"])}, r"item 0 .*unknown object id 'x'"),  # x is item 1's
    ({"proposals": PROPOSALS.assign(object=["cup", "cup"])}, r"item 0 .*related to itself"),
    ({"proposals": pd.concat([PROPOSALS, PROPOSALS.iloc[:1]])}, r"item 0 .*proposed twice"),
    ({"proposals": PROPOSALS.assign(item=[0, 7])}, r"unknown item id 7"),
    ({"proposals": PROPOSALS.assign(score=[0.5, math.inf])}, r"item 0 .*finite"),
    ({"proposals": PROPOSALS.drop(columns="predicate")}, r"missing \['predicate'\]"),
    ({"objects": OBJECTS.assign(**{"class": ["person", "dog", "table", "cup"]}), "proposals": None}, r"item 0 object 'cup': unknown class 'dog'"),
    ({"objects": OBJECTS.assign(x=[2, 20, 300, 1]), "proposals": None}, r"item 0 object 'tbl'.*wholly outside"),
    ({"objects": OBJECTS.assign(w=[0, 5, 25, 5]), "proposals": None}, r"item 0 object 'man'.*positive width"),
    ({"objects": OBJECTS.assign(object_id=["man", "man", "tbl", "x"]), "proposals": None}, r"item 0 object 'man' appears twice"),
    ({"objects": OBJECTS.assign(object_id=["<b>", "cup", "tbl", "x"]), "proposals": None}, r"item 0: object id '<b>'"),
    ({"objects": OBJECTS, "attributes": ["red"], "proposals": None}, r"item 0 object 'man'.*'tall' is not in the list"),
])
def test_bad_constructor_input_names_the_item(kw, message):
    with pytest.raises(ValueError, match=message):
        make(**kw)


def test_bad_classes_and_predicates():
    with pytest.raises(ValueError, match="predicates must be unique"):
        SceneGraphAnnotator(IMAGES, CLASSES, ["on", "on"], store=hw.AnnotationStore(":memory:"))
    with pytest.raises(ValueError, match="needs images"):
        SceneGraphAnnotator(["a", "b"], CLASSES, PREDICATES, store=hw.AnnotationStore(":memory:"))


def test_relate_three_fields_and_the_triples_frame():
    w, r = make()
    a = r.intent("relate", item_id=0, subject="man", predicate="next to", object="tbl")
    assert a["type"] == "ack" and a["relations"] == [
        {"subject": "man", "predicate": "next to", "object": "tbl", "source": "human", "score": None, "proposal": None}]
    t = w.triples
    assert t.iloc[0].to_dict() | {"score": 0} == {
        "item": 0, "subject": "man", "subject_class": "person", "predicate": "next to", "object": "tbl",
        "object_class": "table", "subject_box": (2.0, 2.0, 10.0, 30.0), "object_box": (30.0, 20.0, 25.0, 15.0),
        "source": "human", "score": 0}
    assert math.isnan(t["score"].iloc[0])
    assert w.n_done == 1


@pytest.mark.parametrize("fields, message", [
    ({"subject": "man", "predicate": "on", "object": "ghost"}, "item 0: object 'ghost' is not a box of this image"),
    ({"subject": "x", "predicate": "on", "object": "cup"}, "item 0: subject 'x' is not a box"),
    ({"subject": "man", "predicate": "eats", "object": "cup"}, "item 0: predicate 'eats' is not in the list"),
    ({"subject": "man", "predicate": ["on"], "object": "cup"}, "item 0: predicate"),
    ({"subject": "cup", "predicate": "on", "object": "cup"}, "item 0: a box cannot be related to itself"),
])
def test_bad_relations_are_refused_and_nothing_is_stored(fields, message):
    w, r = make()
    reply = r.intent("relate", item_id=0, **fields)
    assert reply["type"] == "refused" and message in reply["message"]
    assert w.triples.empty and w.store.current(w.task).empty


def test_duplicate_triple_and_relation_to_a_deleted_box_are_refused():
    w, r = make()
    r.intent("relate", item_id=0, subject="man", predicate="on", object="tbl")
    dup = r.intent("relate", item_id=0, subject="man", predicate="on", object="tbl")
    assert dup["type"] == "refused" and "item 0: the relation man -> on -> tbl is already there" in dup["message"]
    assert r.intent("relate", item_id=0, subject="man", predicate="next to", object="tbl")["type"] == "ack"  # another predicate
    r.intent("delete_object", item_id=0, object_id="cup")
    gone = r.intent("relate", item_id=0, subject="man", predicate="holding", object="cup")
    assert gone["type"] == "refused" and "'cup' is not a box of this image (unknown or deleted)" in gone["message"]
    assert w.triples["predicate"].tolist() == ["on", "next to"]  # neither names the deleted cup


def test_delete_box_deletes_its_relations_and_undo_redo_restore_both():
    w, r = make(proposals=None)
    r.intent("relate", item_id=0, subject="man", predicate="holding", object="cup")
    r.intent("relate", item_id=0, subject="cup", predicate="on", object="tbl")
    r.intent("relate", item_id=0, subject="man", predicate="next to", object="tbl")
    d = r.intent("delete_object", item_id=0, object_id="cup")
    assert d["type"] == "ack" and d["removed_relations"] == 2
    assert "cup" not in [o["id"] for o in d["objects"]]
    assert w.triples[["subject", "object"]].values.tolist() == [["man", "tbl"]]
    u = r.intent("undo", item_id=0)
    assert u["type"] == "ack" and u["undone"] == "delete_object" and len(u["relations"]) == 3
    assert "cup" in w.objects["object_id"].tolist() and len(w.triples) == 3
    rd = r.intent("redo", item_id=0)
    assert rd["type"] == "ack" and rd["redone"] == "delete_object" and len(w.triples) == 1 and "cup" not in w.objects["object_id"].tolist()
    assert r.intent("redo", item_id=0)["type"] == "refused"


def test_python_api_delete_object():
    w, _ = make(proposals=None)
    w.relate(0, "man", "holding", "cup")
    w.delete_object(0, "man")
    assert w.triples.empty and "man" not in w.objects["object_id"].tolist()
    with pytest.raises(ValueError, match="item 0: subject 'man' is not a box"):
        w.relate(0, "man", "holding", "cup")


def test_add_update_objects_and_attributes():
    w, r = make(proposals=None, attributes=["red", "small", "tall", "blue"])
    a = r.intent("add_object", item_id=0, object={"id": "h1", "x": 50, "y": 30, "w": 20, "h": 20, "class": "cup", "attributes": ["blue"]})
    assert a["type"] == "ack"
    new = next(o for o in a["objects"] if o["id"] == "h1")
    assert new == {"id": "h1", "x": 50.0, "y": 30.0, "w": 10.0, "h": 10.0, "class": "cup", "attributes": ["blue"], "source": "human"}
    for obj, message in [
        ({"id": "h1", "x": 1, "y": 1, "w": 2, "h": 2, "class": "cup"}, "already has a box 'h1'"),
        ({"id": "h2", "x": 1, "y": 1, "w": 2, "h": 2, "class": "dog"}, "unknown object class 'dog'"),
        ({"id": "h2", "x": 100, "y": 1, "w": 2, "h": 2, "class": "cup"}, "outside the 60x40 image"),
        ({"id": "h2", "x": 1, "y": 1, "w": 2, "h": 2, "class": "cup", "attributes": ["green"]}, "'green' is not in the list"),
        ({"id": "<script>", "x": 1, "y": 1, "w": 2, "h": 2, "class": "cup"}, "object id"),
        ({"id": "h2", "x": 1, "y": 1, "w": 2, "h": 2, "class": "cup", "js": 1}, "object must be"),
    ]:
        reply = r.intent("add_object", item_id=0, object=obj)
        assert reply["type"] == "refused" and message in reply["message"], (obj, reply)
    u = r.intent("update_object", item_id=0, object_id="h1", **{"class": "table", "attributes": ["red", "small", "red"]})
    assert u["type"] == "ack"
    row = w.objects.set_index("object_id").loc["h1"]
    assert row["class"] == "table" and row["attributes"] == ["red", "small"]
    assert r.intent("update_object", item_id=0, object_id="h1", x=1)["message"].startswith("update_object: give all")
    assert w.add_object(0, (1, 1, 3, 3), "cup") == "h2"


def test_proposals_accept_change_predicate_reject():
    w, r = make()
    a = r.intent("accept", item_id=0, proposal_id="p0")
    assert a["type"] == "ack" and a["relations"][0] == {"subject": "man", "predicate": "holding", "object": "cup",
                                                        "source": "model", "score": 0.9, "proposal": "p0"}
    again = r.intent("accept", item_id=0, proposal_id="p0")
    assert again["type"] == "refused" and "already accepted or rejected" in again["message"]
    c = r.intent("accept", item_id=0, proposal_id="p1", predicate="next to")
    assert c["type"] == "ack"
    t = w.triples
    assert t[["subject", "predicate", "object", "source"]].values.tolist() == [
        ["man", "holding", "cup", "model"], ["cup", "next to", "tbl", "human"]]
    assert t["score"].tolist() == [0.9, 0.6]
    r.intent("undo", item_id=0)
    rej = r.intent("reject", item_id=0, proposal_id="p1")
    assert rej["type"] == "ack" and rej["rejected"] == ["p1"]
    assert r.intent("accept", item_id=0, proposal_id="p1")["type"] == "refused"
    bad = r.intent("accept", item_id=0, proposal_id="p9")
    assert bad["type"] == "refused" and "item 0 has no proposal 'p9'" in bad["message"]
    bad = r.intent("accept", item_id=0, proposal_id="p1", predicate="flies")
    assert bad["type"] == "refused"


def test_removing_an_accepted_proposal_rejects_it():
    w, r = make()
    r.intent("accept", item_id=0, proposal_id="p0")
    u = r.intent("unrelate", item_id=0, subject="man", predicate="holding", object="cup")
    assert u["type"] == "ack" and u["relations"] == [] and u["rejected"] == ["p0"]
    assert r.intent("accept", item_id=0, proposal_id="p0")["type"] == "refused"
    r.intent("undo", item_id=0)
    assert w.triples["source"].tolist() == ["model"] and w._item_info(0)["rejected"] == []


def test_proposal_of_a_deleted_box_is_refused():
    w, r = make()
    r.intent("delete_object", item_id=0, object_id="tbl")
    reply = r.intent("accept", item_id=0, proposal_id="p1")
    assert reply["type"] == "refused" and "names a deleted or rejected box" in reply["message"]


def test_state_survives_a_restart(tmp_path):
    store = hw.AnnotationStore(tmp_path / "sg.db")
    w, r = make(store)
    r.intent("accept", item_id=0, proposal_id="p0")
    r.intent("add_object", item_id=1, object={"id": "h1", "x": 10, "y": 10, "w": 10, "h": 10, "class": "table", "attributes": ["old"]})
    r.intent("relate", item_id=1, subject="x", predicate="on", object="h1")
    r.intent("reject", item_id=0, proposal_id="p1")
    r.intent("delete_object", item_id=0, object_id="tbl")
    triples, objects = w.triples, w.objects
    w2, r2 = make(hw.AnnotationStore(tmp_path / "sg.db"))
    pd.testing.assert_frame_equal(w2.triples, triples)
    pd.testing.assert_frame_equal(w2.objects, objects)
    assert w2._item_info(0)["rejected"] == ["p1"]
    assert r2.intent("accept", item_id=0, proposal_id="p1")["type"] == "refused"
    u = r2.intent("undo", item_id=0)  # the new widget undoes the stored delete
    assert u["type"] == "ack" and "tbl" in w2.objects["object_id"].tolist()


def test_visual_genome_export():
    w, r = make(proposals=None)
    r.intent("relate", item_id=0, subject="man", predicate="holding", object="cup")
    r.intent("relate", item_id=0, subject="cup", predicate="on", object="tbl")
    vg = w.to_visual_genome()
    assert [g["image_id"] for g in vg] == [0, 1]
    assert vg[0]["objects"][1] == {"object_id": 2, "x": 20.0, "y": 5.0, "w": 5.0, "h": 5.0, "names": ["cup"],
                                   "attributes": ["red", "small"], "name_id": "cup"}
    assert vg[0]["relationships"] == [
        {"relationship_id": 1, "predicate": "holding", "subject_id": 1, "object_id": 2},
        {"relationship_id": 2, "predicate": "on", "subject_id": 2, "object_id": 3}]
    assert vg[1]["objects"][0]["object_id"] == 4 and vg[1]["relationships"] == []
    with pytest.raises(ValueError, match="names an object not in objects"):
        to_visual_genome(w.objects[w.objects["object_id"] != "tbl"], w.triples)


def test_docstring_examples_run():
    import doctest

    import hitl_widgets.io.visual_genome as vg
    import hitl_widgets.widgets.scene_graph as sg

    for module in (sg, vg):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


def test_edits_kept_in_the_browser_are_replayed_after_a_restart(tmp_path):
    """The kernel died with edits unanswered: a new widget on the same store stores them with the
    time they were made; a relation the store already has (its ack was lost) is answered 'already'."""
    import time

    w, r = make(hw.AnnotationStore(tmp_path / "sg.db"))
    made = time.time() * 1000 - 60_000
    edits = [
        {"type": "relate", "fields": {"item_id": 0, "subject": "man", "predicate": "holding", "object": "cup"}, "made_at": made},
        {"type": "accept", "fields": {"item_id": 0, "proposal_id": "p1"}, "made_at": made + 1000},
        {"type": "relate", "fields": {"item_id": 0, "subject": "man", "predicate": "eats", "object": "cup"}, "made_at": made + 2000},
    ]
    reply = r.intent("replay", edits=edits)
    assert reply["type"] == "ack" and reply["stored"] == 2
    assert [x["ok"] for x in reply["results"]] == [True, True, False]
    assert "not in the list of predicates" in reply["results"][2]["message"]
    assert w.triples[["subject", "predicate", "object", "source"]].values.tolist() == [
        ["man", "holding", "cup", "human"], ["cup", "on", "tbl", "model"]]
    w2, r2 = make(hw.AnnotationStore(tmp_path / "sg.db"))
    again = r2.intent("replay", edits=[{"type": "relate", "fields": {"item_id": 1, "subject": "x", "predicate": "on", "object": "x"},
                                        "made_at": made}])
    assert again["results"][0]["ok"] is False  # a self-relation: refused on replay too
    assert len(w2.triples) == 2
    # stored, then its answer lost: the replay of the same relation is 'already', stored once
    made = time.time() * 1000 - 50
    r2.intent("relate", item_id=0, subject="tbl", predicate="next to", object="man")
    before = len(w2.store.events(w2.task))
    dup = r2.intent("replay", edits=[{"type": "relate", "fields": {"item_id": 0, "subject": "tbl", "predicate": "next to", "object": "man"},
                                      "made_at": made}])
    assert dup["results"] == [{"ok": True, "already": True}] and len(w2.store.events(w2.task)) == before
    assert len(w2.triples) == 3


def test_accept_and_reject_from_code_and_the_static_card():
    import base64
    import io
    import re

    from PIL import Image

    objs = pd.DataFrame({"item": [0, 0, 0], "object_id": ["a", "b", "c"], "x": [2, 20, 2], "y": [2, 2, 20],
                         "w": [10, 10, 10], "h": [10, 10, 10], "class": ["cup", "table", "cup"]})
    props = pd.DataFrame({"item": [0, 0, 0], "subject": ["a", "a", "c"], "predicate": ["on", "near", "near"],
                          "object": ["b", "c", "b"], "score": [0.9, 0.4, 0.7]})
    w = SceneGraphAnnotator(np.full((1, 40, 40, 3), 200, np.uint8), ["cup", "table"], ["on", "near"], objects=objs,
                            proposals=props, store=hw.AnnotationStore(":memory:"))
    pid = {(r.subject, r.object): r.proposal_id for r in w.proposals.itertuples()}
    ids = [pid["a", "b"], pid["a", "c"], pid["c", "b"]]
    w.accept(0, ids[0])
    w.accept(0, ids[2], predicate="on")
    w.reject(0, ids[1])
    got = w.triples[["subject", "predicate", "object", "source"]].values.tolist()
    assert sorted(got) == [["a", "on", "b", "model"], ["c", "on", "b", "human"]]
    with pytest.raises(ValueError, match="proposal"):
        w.accept(0, ids[1])  # rejected: no longer open
    bundle = w._repr_mimebundle_()
    html = (bundle[0] if isinstance(bundle, tuple) else bundle)["text/html"]
    assert "3 objects, 2 relations on 1 images" in html
    thumb = np.asarray(Image.open(io.BytesIO(base64.b64decode(re.search(r"base64,([^']+)'", html)[1]))).convert("RGB")).astype(int)
    assert np.abs(thumb - 200).max() > 60  # the boxes are drawn on the plain image


# ---------------------------------------------------------------- proposed boxes
BOXES = pd.DataFrame({"item": [0, 0, 0], "object_id": ["m1", "m2", "m3"], "x": [40, 5, 50], "y": [2, 34, 30],
                      "w": [10, 4, 8], "h": [10, 4, 8], "class": ["cup", "cup", "table"], "score": [0.4, 0.95, 0.7],
                      "attributes": [None, "red", []]})
REL_ON_BOX = pd.DataFrame({"item": [0, 0], "subject": ["m1", "man"], "predicate": ["on", "next to"], "object": ["tbl", "m3"],
                           "score": [0.8, 0.5]})


def make_boxes(store=None, **kw):
    kw.setdefault("object_proposals", BOXES)
    kw.setdefault("proposals", REL_ON_BOX)
    return make(store, **kw)


def test_proposed_boxes_accept_reject_and_the_frames():
    w, r = make_boxes()
    assert w.object_proposals[["object_id", "score"]].values.tolist() == [["m2", 0.95], ["m3", 0.7], ["m1", 0.4]]
    info = w._item_info(0)
    assert [p["id"] for p in info["object_proposals"]] == ["m2", "m3", "m1"] and info["rejected_objects"] == []
    a = r.intent("accept_object", item_id=0, object_id="m2")
    assert a["type"] == "ack" and a["objects"][-1] == {"id": "m2", "x": 5, "y": 34, "w": 4, "h": 4, "class": "cup",
                                                       "attributes": ["red"], "source": "model", "score": 0.95}
    o = w.objects.set_index("object_id")
    assert o.loc["m2", "source"] == "model" and o.loc["m2", "score"] == 0.95 and math.isnan(o.loc["man", "score"])
    again = r.intent("accept_object", item_id=0, object_id="m2")
    assert again["type"] == "refused" and again["message"] == "item 0: proposed box m2 was already accepted or rejected"
    # an accepted box is an object relations can use
    assert r.intent("relate", item_id=0, subject="m2", predicate="on", object="tbl")["type"] == "ack"
    rej = r.intent("reject_object", item_id=0, object_id="m3")
    assert rej["type"] == "ack" and rej["rejected_objects"] == ["m3"] and "m3" not in w.objects["object_id"].tolist()
    # the relation proposed on a rejected box is no longer open
    p1 = r.intent("accept", item_id=0, proposal_id="p1")
    assert p1["type"] == "refused" and "names a deleted or rejected box" in p1["message"]
    before = w._current(0)
    bad = r.intent("reject_object", item_id=0, object_id="m3")
    assert bad["type"] == "refused" and "item 0" in bad["message"]
    bad = r.intent("accept_object", item_id=0, object_id="ghost")
    assert bad["type"] == "refused" and bad["message"] == "item 0 has no proposed box 'ghost'"
    assert r.intent("accept_object", item_id=1, object_id="m1")["type"] == "refused"  # m1 is item 0's
    assert w._current(0) == before  # nothing stored by a refusal
    # undo / redo, one event per change
    r.intent("undo", item_id=0)
    assert w._item_info(0)["rejected_objects"] == []
    r.intent("redo", item_id=0)
    assert w._item_info(0)["rejected_objects"] == ["m3"]


def test_accepting_a_relation_accepts_its_proposed_boxes_in_one_event():
    w, r = make_boxes()
    a = r.intent("accept", item_id=0, proposal_id="p0")  # m1 -> on -> tbl, m1 proposed
    assert a["type"] == "ack"
    assert [o["id"] for o in a["objects"]][-1] == "m1" and a["objects"][-1]["source"] == "model"
    assert w.triples[["subject", "predicate", "object", "source"]].values.tolist() == [["m1", "on", "tbl", "model"]]
    assert r.intent("accept_object", item_id=0, object_id="m1")["type"] == "refused"
    r.intent("undo", item_id=0)  # one undo takes back both
    assert w.triples.empty and "m1" not in w.objects["object_id"].tolist()
    # deleting an accepted proposed box rejects it
    r.intent("accept_object", item_id=0, object_id="m1")
    d = r.intent("delete_object", item_id=0, object_id="m1")
    assert d["type"] == "ack" and d["rejected_objects"] == ["m1"]
    assert r.intent("accept_object", item_id=0, object_id="m1")["type"] == "refused"


def test_accept_every_proposed_box_above_the_threshold():
    w, r = make_boxes(object_threshold=0.6)
    assert w.object_threshold == 0.6
    event = w.accept_objects(0)
    assert isinstance(event, int)
    assert sorted(w.objects.query("source == 'model'")["object_id"]) == ["m2", "m3"]
    with pytest.raises(ValueError, match="item 0: object_ids must be a list of 1"):
        w.accept_objects(0)  # none left above 0.6
    w.accept_objects(0, min_score=0.0)
    assert "m1" in w.objects["object_id"].tolist()
    bad = r.intent("accept_objects", item_id=1, object_ids=["m1", "m1"])
    assert bad["type"] == "refused" and "twice" in bad["message"]
    with pytest.raises(ValueError, match="object_threshold"):
        make_boxes(object_threshold=2)


def test_python_api_accept_reject_object_and_add_object_ids():
    w, _ = make_boxes()
    assert isinstance(w.accept_object(0, "m2"), int) and isinstance(w.reject_object(0, "m1"), int)
    with pytest.raises(ValueError, match="item 0: proposed box m1 was already accepted or rejected"):
        w.accept_object(0, "m1")
    with pytest.raises(ValueError, match="unknown item id 9"):
        w.accept_object(9, "m1")
    with pytest.raises(ValueError, match="item 0 already has a proposed box 'm3'"):
        w.add_object(0, (1, 1, 5, 5), "cup", object_id="m3")
    assert w.add_object(0, (1, 1, 5, 5), "cup") == "h1"


@pytest.mark.parametrize("boxes, message", [
    (BOXES.assign(**{"class": ["cup", "dog", "table"]}), r"item 0 proposed box 'm2': unknown class 'dog'"),
    (BOXES.assign(x=[40, 500, 50]), r"item 0 proposed box 'm2'.*wholly outside the 60x40 image"),
    (BOXES.assign(object_id=["m1", "cup", "m3"]), r"item 0 proposed box 'cup': the item already has a given object 'cup'"),
    (BOXES.assign(object_id=["m1", "m1", "m3"]), r"item 0 proposed box 'm1' appears twice"),
    (BOXES.assign(score=[0.4, None, 0.7]), r"item 0 proposed box 'm2': score must be a finite number"),
    (BOXES.assign(item=[0, 5, 0]), r"object_proposals row 1: unknown item id 5"),
    (BOXES.drop(columns="x"), r"object_proposals DataFrame needs columns .*missing \['x'\]"),
])
def test_bad_proposed_boxes_name_the_item(boxes, message):
    with pytest.raises(ValueError, match=message):
        make_boxes(object_proposals=boxes)


def test_proposed_boxes_survive_a_restart(tmp_path):
    w, r = make_boxes(hw.AnnotationStore(tmp_path / "b.db"))
    r.intent("accept_object", item_id=0, object_id="m2")
    r.intent("reject_object", item_id=0, object_id="m3")
    objects = w.objects
    w2, r2 = make_boxes(hw.AnnotationStore(tmp_path / "b.db"))
    pd.testing.assert_frame_equal(w2.objects, objects)
    assert w2._item_info(0)["rejected_objects"] == ["m3"]
    assert r2.intent("accept_object", item_id=0, object_id="m3")["type"] == "refused"
    r2.intent("undo", item_id=0)
    assert r2.intent("accept_object", item_id=0, object_id="m3")["type"] == "ack"


def test_a_box_moved_and_resized_relations_follow():
    w, r = make_boxes()
    r.intent("relate", item_id=0, subject="man", predicate="holding", object="cup")
    m = r.intent("update_object", item_id=0, object_id="cup", x=22.5, y=6, w=7, h=9)
    assert m["type"] == "ack"
    assert w.triples["object_box"].tolist() == [(22.5, 6.0, 7.0, 9.0)]
    off = r.intent("update_object", item_id=0, object_id="cup", x=200, y=6, w=7, h=9)
    assert off["type"] == "refused" and "item 0: box (200, 6, 7, 9) lies outside the 60x40 image" in off["message"]
    assert w.objects.set_index("object_id").loc["cup", "x"] == 22.5
    # the model's box moved: the person's now, its score kept; deleting it still rejects the proposal
    r.intent("accept_object", item_id=0, object_id="m2")
    r.intent("update_object", item_id=0, object_id="m2", x=6, y=34, w=4, h=4)
    assert w.objects.set_index("object_id").loc["m2", ["source", "score"]].tolist() == ["human", 0.95]
    d = r.intent("delete_object", item_id=0, object_id="m2")
    assert d["type"] == "ack" and d["rejected_objects"] == ["m2"]


def test_a_replayed_verdict_on_a_proposed_box_is_stored_once(tmp_path):
    import time

    w, r = make_boxes(hw.AnnotationStore(tmp_path / "r.db"))
    made = time.time() * 1000 - 50
    r.intent("accept_object", item_id=0, object_id="m2")  # stored, its answer lost
    before = len(w.store.events(w.task))
    dup = r.intent("replay", edits=[{"type": "accept_object", "fields": {"item_id": 0, "object_id": "m2"}, "made_at": made}])
    assert dup["results"] == [{"ok": True, "already": True}] and len(w.store.events(w.task)) == before
    old = r.intent("replay", edits=[{"type": "reject_object", "fields": {"item_id": 0, "object_id": "m2"}, "made_at": made}])
    assert old["results"][0]["ok"] is False and "newer change stands" in old["results"][0]["message"]
    later = r.intent("replay", edits=[{"type": "reject_object", "fields": {"item_id": 0, "object_id": "m3"},
                                       "made_at": time.time() * 1000}])
    assert later["results"][0]["ok"] is True
    assert w._item_info(0)["rejected_objects"] == ["m3"]
