"""PolygonAnnotator: every input from code is checked where it enters, and a refusal names the item
(and the proposal or polygon). Each test here failed on the code before these checks: it accepted the
input and gave a wrong result without a word (a NaN score as "no score", a transposed ring as other
vertices, a bowtie whose area disagreed with its mask, a probability map as a whole-image polygon,
vertices clamped from far outside the image, one of two geometries silently dropped, ``True`` as
item 1)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

import hitl_widgets as hw
from hitl_widgets.metrics.geometry import mask_to_rings, rings_to_mask
from hitl_widgets.widgets.polygons import PolygonAnnotator

W, H = 80, 60
TRI = [(10, 10), (40, 10), (40, 30)]  # area 300
SQUARE = [[10, 10], [50, 10], [50, 40], [10, 40]]
HOLE = [[20, 20], [30, 20], [30, 30], [20, 30]]


def make(proposals=None, **kw):
    images = np.zeros((3, H, W), np.uint8)
    store = hw.AnnotationStore(":memory:", annotator="ann")
    return PolygonAnnotator(images, store=store, task="t", classes=["cat", "dog"], proposals=proposals, **kw)


def sent(w):
    """Plays the browser: returns a function sending an intent and giving the kernel's answer."""
    answers: list[dict] = []
    w.send = lambda content, buffers=None: answers.append(content)

    def send(type_: str, **fields):
        w._dispatch(w, {"type": type_, "client": "test", "seq": len(answers) + 1, **fields}, [])
        return answers[-1]
    return send


# ------------------------------------------------------------------ 1. scores are probabilities

@pytest.mark.parametrize("score, message", [
    (math.nan, r"item 0 proposal 1: score is missing \(nan\)"),
    (np.float32("nan"), r"item 0 proposal 1: score is missing"),
    (None, r"item 0 proposal 1: score is missing \(None\)"),
    (12, r"item 0 proposal 1: score must be a probability in \[0, 1\], not 12 \(logits\?"),
    (-0.5, r"item 0 proposal 1: score must be a probability in \[0, 1\]"),
    (math.inf, r"item 0 proposal 1: score must be a probability"),
    ("0.9", r"item 0 proposal 1: score must be a number in \[0, 1\], not '0.9' \(a str\)"),
    (True, r"item 0 proposal 1: score must be a number"),
])
def test_a_score_that_is_not_a_probability_is_refused_naming_the_proposal(score, message):
    with pytest.raises(ValueError, match=message):
        make({0: [{"class": "cat", "score": 0.5, "polygon": TRI}, {"class": "dog", "score": score, "polygon": TRI}]})


def test_scores_given_as_numbers_and_unscored_proposals():
    w = make({0: [{"class": "cat", "score": np.float32(0.25), "polygon": TRI}, {"class": "dog", "polygon": SQUARE}]})
    assert w.proposals["score"].fillna(-1).tolist() == [-1, 0.25]  # no score key: unscored (first)
    # in a DataFrame an empty cell (NaN, as io.from_coco_polygons writes for no score) is no score
    df = pd.DataFrame({"item": [0, 0], "class": ["cat", "dog"], "score": [np.nan, 0.5], "rings": [[TRI], [SQUARE]]})
    assert make(df).proposals["score"].fillna(-1).tolist() == [-1, 0.5]
    with pytest.raises(ValueError, match=r"item 0 proposal 1 \(DataFrame row 1\): score must be a probability"):
        make(df.assign(score=[0.5, 3.0]))


# ------------------------------------------------------------------ 2. ring shapes

def test_a_transposed_ring_is_refused_not_read_as_other_vertices():
    tri = np.array(TRI)
    with pytest.raises(ValueError, match=r"item 0 proposal 0 outer ring: an array of shape \(2, 3\): transposed\?"):
        make({0: [{"class": "cat", "score": 0.9, "polygon": tri.T}]})
    with pytest.raises(ValueError, match=r"item 0 proposal 0 hole 1: an array of shape \(2, 4\): transposed\?"):
        make({0: [{"class": "cat", "score": 0.9, "rings": [SQUARE, np.array(HOLE).T]}]})
    w = make()
    with pytest.raises(ValueError, match=r"item 2: polygon 0 outer ring: an array of shape \(2, 4\): transposed\?"):
        w.set_polygons(2, [{"class": "cat", "polygon": np.array(SQUARE).T}])
    with pytest.raises(ValueError, match=r"item 2: polygon 0 outer ring: 2 rows of 4 values: transposed\?"):
        w.set_polygons(2, [{"class": "cat", "polygon": np.array(SQUARE).T.tolist()}])
    assert w.polygons.empty
    # (K, 2) and flat, as arrays, lists or tuples: the same triangle
    for ring in (tri, tri.ravel(), TRI, [v for p in TRI for v in p], tuple(TRI), tri.astype(np.float32)):
        w = make({0: [{"class": "cat", "score": 0.9, "polygon": ring}]})
        assert w.proposals["area"].tolist() == [300.0]
        assert w.proposals["rings"].iloc[0] == [[[10.0, 10.0], [40.0, 10.0], [40.0, 30.0]]]


def test_a_flat_ring_of_odd_length_and_other_shapes_are_refused_naming_the_item():
    with pytest.raises(ValueError, match=r"item 1 proposal 0 outer ring: a flat ring \[x0, y0, x1, y1, ...\] needs an even count of numbers, got 5"):
        make({1: [{"class": "cat", "score": 0.9, "polygon": [10, 10, 40, 10, 40]}]})
    with pytest.raises(ValueError, match=r"item 1: polygon 0 outer ring: a flat ring .* got 7"):
        make().set_polygons(1, [{"class": "cat", "polygon": np.arange(7.0)}])
    with pytest.raises(ValueError, match=r"item 0 proposal 0: rings is a list of rings .* one ring of 3 vertices: pass \[ring\]"):
        make({0: [{"class": "cat", "score": 0.9, "rings": TRI}]})
    with pytest.raises(ValueError, match=r"item 0 proposal 0 outer ring vertex 1 must be \[x, y\], got 3 values"):
        make({0: [{"class": "cat", "score": 0.9, "polygon": [(1, 1), (5, 1, 0), (5, 5)]}]})
    with pytest.raises(ValueError, match=r"item 0 proposal 0 outer ring vertex 0 x must be a number, got bool"):
        make({0: [{"class": "cat", "score": 0.9, "polygon": [(True, 1), (5, 1), (5, 5)]}]})
    with pytest.raises(ValueError, match=r"item 0 proposal 0 outer ring: vertices must be numbers, not an array of <U"):
        make({0: [{"class": "cat", "score": 0.9, "polygon": np.array([["1", "1"], ["5", "1"], ["5", "5"]])}]})


# ------------------------------------------------------------------ 3. simple polygons

BOWTIE = [(0, 0), (40, 40), (40, 0), (0, 20)]  # lobes of 400 and 200 px²: shoelace 400, even-odd fill 660 px


def test_a_self_crossing_ring_is_refused_from_code_naming_the_item_and_edges():
    w = make()
    with pytest.raises(ValueError, match=r"item 1: polygon 0 outer ring crosses or touches itself: its edge 0 \(0, 0\) to "
                                         r"\(40, 40\) meets its edge 2 \(40, 0\) to \(0, 20\)"):
        w.set_polygons(1, [{"class": "cat", "polygon": BOWTIE}])
    assert w.polygons.empty
    # a symmetric bowtie (shoelace 0) is named for what it is, not "its vertices lie on one line"
    with pytest.raises(ValueError, match=r"item 0 proposal 0 outer ring crosses or touches itself"):
        make({0: [{"class": "cat", "score": 0.9, "polygon": [(10, 10), (40, 40), (40, 10), (10, 40)]}]})
    with pytest.raises(ValueError, match=r"outer ring doubles back on itself at vertex 1 \(30, 10\): its edge 0 "):
        w.set_polygons(1, [{"class": "cat", "polygon": [(10, 10), (30, 10), (20, 10), (20, 20)]}])
    with pytest.raises(ValueError, match=r"outer ring crosses or touches itself"):  # touches itself at a vertex
        w.set_polygons(1, [{"class": "cat", "polygon": [(0, 0), (20, 0), (10, 10), (20, 20), (0, 20), (10, 10)]}])


def test_a_self_crossing_ring_from_the_browser_is_refused_and_nothing_stored():
    w = make()
    send = sent(w)
    r = send("put", item_id=1, polygon={"id": "g1", "class": "cat", "rings": [BOWTIE]}, edit="draw")
    assert r["type"] == "refused" and "polygon g1 outer ring crosses or touches itself" in r["message"], r
    assert w.polygons.empty and w.store.events("t").empty
    # a vertex dragged across an edge of a drawn polygon: refused, the polygon stays as it was
    assert send("put", item_id=1, polygon={"id": "g1", "class": "cat", "rings": [SQUARE]}, edit="draw")["type"] == "ack"
    r = send("put", item_id=1, polygon={"id": "g1", "class": "cat", "rings": [[[10, 10], [50, 10], [10, 40], [50, 40]]]},
             edit="move_vertex")
    assert r["type"] == "refused" and "crosses or touches itself" in r["message"]
    assert w.polygons_of(1)[0]["rings"] == [[[float(x), float(y)] for x, y in SQUARE]]


@pytest.mark.parametrize("rings, message", [
    ([SQUARE, [[20, 20], [45, 20], [55, 12], [55, 30]]], r"hole 1 vertex 2 \(55, 12\) lies outside the outer ring"),
    ([SQUARE, HOLE, HOLE], r"holes 1 and 2 touch or overlap"),
    ([SQUARE, HOLE, [[22, 22], [28, 22], [28, 28]]], r"hole 2 lies inside hole 1"),
    ([SQUARE, HOLE, [[25, 25], [35, 25], [35, 35]]], r"holes 1 and 2 touch or overlap"),
    ([[[0, 0], [40, 0], [40, 10], [10, 10], [10, 40], [0, 40]], [[2, 2], [38, 2], [38, 8], [2, 38]]],
     r"hole 1 crosses the outer ring: its edge 2 \(38, 8\) to \(2, 38\)"),
    ([[[0, 0], [40, 0], [40, 10], [10, 10], [10, 40], [0, 40]], [[40, 10], [10, 40], [5, 5]]],
     r"hole 1 edge 0 \(40, 10\) to \(10, 40\) runs outside the outer ring"),  # a chord across the notch
])
def test_holes_lie_inside_the_outer_ring_and_apart(rings, message):
    with pytest.raises(ValueError, match="item 0: polygon 0 " + message):
        make().set_polygons(0, [{"class": "cat", "rings": rings}])


def test_the_area_of_a_polygon_agrees_with_its_mask():
    w = make()
    # two holes; consecutive collinear vertices are fine
    w.set_polygons(0, [{"class": "cat", "rings": [SQUARE, HOLE, [[35, 20], [45, 20], [45, 30], [35, 30]]]},
                       {"class": "dog", "polygon": [(55, 5), (65, 5), (75, 5), (75, 25), (55, 25)]}])
    masks = w.masks(0)
    for row in w.polygons.to_dict("records"):
        assert row["area"] == masks[row["polygon_id"]].sum()  # axis-aligned, integer vertices: exact


def test_a_mask_whose_simplified_trace_would_cross_itself_is_traced_finer():
    rng = np.random.default_rng(10)
    mask = ndimage.gaussian_filter(rng.random((H, W)), 0.7) > 0.5
    w = make({0: [{"class": "cat", "score": 0.5, "mask": mask}]}, tolerance=1.0)
    union = np.zeros_like(mask)
    for rings in w.proposals["rings"]:
        union |= rings_to_mask(rings, H, W)
    simplified = np.zeros_like(mask)  # the trace at tolerance 1, unchecked
    for rings in mask_to_rings(mask, tolerance=1.0, min_area=1.0):
        simplified |= rings_to_mask(rings, H, W)
    assert len(w.proposals) > 10 and (union != mask).mean() <= (simplified != mask).mean() + 0.01
    with pytest.raises(ValueError, match="tolerance must be a finite number >= 0"):
        make(tolerance=-1)


# ------------------------------------------------------------------ 4. masks are bool

def test_a_soft_or_labelled_mask_is_refused_naming_the_proposal():
    soft = np.full((H, W), 0.02)
    soft[10:20, 10:30] = 0.95
    with pytest.raises(ValueError, match=r"item 0 proposal 0: mask holds 0.02 at \(0, 0\).*probability map\?"):
        make({0: [{"class": "cat", "score": 0.9, "mask": soft}]})
    nan = np.where(soft > 0.5, 1.0, np.nan)
    with pytest.raises(ValueError, match=r"item 0 proposal 0: mask holds nan"):
        make({0: [{"class": "cat", "score": 0.9, "mask": nan}]})
    labels = np.zeros((H, W), np.int64)
    labels[10:20, 10:20], labels[10:20, 20:30] = 1, 2
    with pytest.raises(ValueError, match=r"item 0 proposal 0: mask holds the labels 1 and 2: a label map\?"):
        make({0: [{"class": "cat", "score": 0.9, "mask": labels}]})
    # bool, 0/1 floats and 0/255 images are masks
    for m in (soft > 0.5, (soft > 0.5).astype(float), (soft > 0.5).astype(np.uint8) * 255):
        assert make({0: [{"class": "cat", "score": 0.9, "mask": m}]}, tolerance=0).proposals["area"].tolist() == [199.5]


# ------------------------------------------------------------------ 5. vertices inside the image

def test_vertices_far_outside_the_image_are_refused_from_code_and_clamped_in_the_browser():
    far = [(10, 10), (400, 10), (400, 300), (10, 300)]
    with pytest.raises(ValueError, match=r"item 0 proposal 0 outer ring vertex 1 \(400, 10\) lies 320 px outside the 80x60 image"):
        make({0: [{"class": "cat", "score": 0.9, "polygon": far}]})
    w = make()
    with pytest.raises(ValueError, match=r"item 1: polygon 0 outer ring vertex 0 \(-3, 5\) lies 3 px outside"):
        w.set_polygons(1, [{"class": "cat", "polygon": [(-3, 5), (20, 5), (20, 20)]}])
    # up to 1 px beyond is clamped (round-off, a vertex on a pixel's far edge)
    w.set_polygons(1, [{"class": "cat", "polygon": [(-0.5, 0), (80.75, 0), (80.75, 61)]}])
    assert w.polygons_of(1)[0]["rings"] == [[[0.0, 0.0], [80.0, 0.0], [80.0, 60.0]]]
    # the browser's drag past the border still lies on it
    r = sent(w)("put", item_id=2, polygon={"id": "g1", "class": "cat", "rings": [far]}, edit="draw")
    assert r["type"] == "ack" and r["polygons"][0]["rings"] == [[[10.0, 10.0], [80.0, 10.0], [80.0, 60.0], [10.0, 60.0]]]


# ------------------------------------------------------------------ 6. keys and ids

@pytest.mark.parametrize("proposal, message", [
    ({"class": "cat", "score": 0.9, "rings": [TRI], "polygon": [(0, 0), (5, 0), (5, 5)]}, "both rings and polygon: give one"),
    ({"class": "cat", "score": 0.9, "mask": np.ones((H, W), bool), "polygon": TRI}, "both polygon and mask: give one"),
    ({"class": "cat", "score": 0.9}, "no rings, polygon or mask"),
    ({"class": "cat", "scores": 0.9, "polygon": TRI}, r"unknown key 'scores' \(a misspelled one\?\): a proposal dict has the keys class"),
    ({"class": "cat", "label": "dog", "score": 0.9, "polygon": TRI}, "both class 'cat' and label 'dog': give one"),
    ({"class": "cat", "score": 0.9, "polygon": TRI, "id": "<b>"}, "id '<b>' must be a str of 1 to 64"),
])
def test_a_proposal_with_conflicting_or_unknown_keys_is_refused(proposal, message):
    with pytest.raises(ValueError, match="item 0 proposal 0: " + message):
        make({0: [proposal]})


def test_proposal_ids_are_kept_and_checked():
    dog = {"class": "dog", "score": 0.9, "polygon": SQUARE}
    (default,) = make({0: [dog]}).proposals["polygon_id"]  # the id the dog gets when the user names none
    w = make({0: [{"class": "cat", "score": 0.2, "polygon": TRI, "id": "det-7"}, dog]})
    assert w.proposals["polygon_id"].tolist() == [default, "det-7"]  # best first; the unnamed one gets its default
    w.accept(0, "det-7")
    assert w.polygons["polygon_id"].tolist() == ["det-7"]
    with pytest.raises(ValueError, match="item 0 proposal 1: id 'a' is used by another proposal of the item"):
        make({0: [{"class": "cat", "polygon": TRI, "id": "a"}, {"class": "dog", "polygon": SQUARE, "id": "a"}]})
    # a DataFrame: polygon_id is the id (as w.proposals names it); an unknown column is refused
    df = pd.DataFrame({"item": [1], "class": ["cat"], "score": [0.5], "rings": [[SQUARE]], "polygon_id": ["m3"]})
    assert make(df).proposals["polygon_id"].tolist() == ["m3"]
    with pytest.raises(ValueError, match=r"unknown column 'scor' \(a misspelled one\?\)"):
        make(df.rename(columns={"score": "scor"}))
    with pytest.raises(ValueError, match=r"item 1 proposal 0 \(DataFrame row 0\): image_width 640 but the item's image is 80x60"):
        make(df.assign(image_width=640, image_height=480))
    # a True row is not item 1's: refused before grouping
    two = pd.concat([df, df.assign(polygon_id="m4")], ignore_index=True).assign(item=pd.Series([1, True], dtype=object))
    with pytest.raises(ValueError, match=r"proposals row 1: unknown item id True"):
        make(two)


def test_set_polygons_keys_and_ids():
    w = make({0: [{"class": "cat", "score": 0.9, "polygon": TRI}]})
    (pid,) = w.proposals["polygon_id"]  # item 0's proposal
    with pytest.raises(ValueError, match=r"item 1: polygon 0: both rings and polygon: give one of rings or polygon"):
        w.set_polygons(1, [{"class": "cat", "rings": [SQUARE], "polygon": TRI}])
    with pytest.raises(ValueError, match=r"item 1: polygon 0: unknown key 'mask'"):
        w.set_polygons(1, [{"class": "cat", "mask": np.ones((H, W), bool)}])
    with pytest.raises(ValueError, match=r"item 1: polygon 0: unknown key 'score'.*no score, source or proposal"):
        w.set_polygons(1, [{"class": "cat", "polygon": TRI, "score": 0.9}])
    with pytest.raises(ValueError, match=r"item 1: polygon 1: id 'a' is used by another polygon"):
        w.set_polygons(1, [{"class": "cat", "polygon": TRI, "id": "a"}, {"class": "dog", "polygon": SQUARE, "id": "a"}])
    with pytest.raises(ValueError, match=rf"item 0: polygon 0: id '{pid}' is the id of a proposal of the item"):
        w.set_polygons(0, [{"class": "cat", "polygon": TRI, "id": pid}])
    with pytest.raises(ValueError, match=r"item 1: polygon 0: id 'x y' must be a str"):
        w.set_polygons(1, [{"class": "cat", "polygon": TRI, "id": "x y"}])
    with pytest.raises(ValueError, match=r"item 1: polygon 0: both id 'a' and polygon_id 'b': give one"):
        w.set_polygons(1, [{"class": "cat", "polygon": TRI, "id": "a", "polygon_id": "b"}])
    assert w.polygons.empty
    # a valid id is kept (a person's polygon); one left out is made up
    w.set_polygons(1, [{"class": "cat", "polygon": TRI, "id": "a"}, {"class": "dog", "rings": [SQUARE]}])
    (a, b) = w.polygons_of(1)
    assert a["id"] == "a" and a["source"] == "human" and b["id"].startswith("g")
    # a DataFrame with the columns of w.polygons that a person's polygon has
    w.set_polygons(2, w.polygons[["polygon_id", "class", "rings"]])
    assert [p["id"] for p in w.polygons_of(2)] == ["a", b["id"]]


# ------------------------------------------------------------------ 7. item ids

def test_item_ids_are_checked_true_is_not_item_1():
    w = make({1: [{"class": "cat", "score": 0.9, "polygon": TRI}]})
    (pid,) = w.proposals["polygon_id"]  # item 1's proposal
    w.set_polygons(1, [{"class": "cat", "polygon": SQUARE}])
    for call in (lambda: w.polygons_of(True), lambda: w.masks(True), lambda: w.proposals_of(True),
                 lambda: w.set_polygons(True, [{"class": "cat", "polygon": TRI}]), lambda: w.polygons_of(1.0)):
        with pytest.raises(KeyError, match="unknown item id"):
            call()
    with pytest.raises(ValueError, match="unknown item id True"):
        w.accept_all(True)
    assert len(w.polygons_of(np.int64(1))) == 1 and w.proposals_of(1) == [pid]
