"""Scene-graph metrics (hitl_widgets.metrics.relations): each against a hand computation, against its
definition on random data (brute force, networkx's maximum matching, the krippendorff package), and
bad input refused with the item named."""
from __future__ import annotations

import itertools

import krippendorff
import networkx as nx
import numpy as np
import pandas as pd
import pytest

from hitl_widgets.demo import model_scene_graphs, scene_graphs
from hitl_widgets.metrics import (
    krippendorff_alpha,
    triple_agreement,
    triple_agreement_table,
    triple_alpha,
    triple_precision,
    triple_recall_at_k,
    triple_units,
)
from hitl_widgets.metrics.agreement import set_distance

COLS = ["item", "subject", "predicate", "object"]


def T(rows, **extra):
    df = pd.DataFrame(rows, columns=COLS[: len(rows[0])] if rows else COLS)
    return df.assign(**extra)


def objs(rows):
    return pd.DataFrame(rows, columns=["item", "object", "class", "x", "y", "w", "h"])


# ---------------------------------------------------------------------------- by hand

def test_recall_at_k_by_hand():
    ref = T([(0, "o1", "left of", "o2"), (0, "o2", "right of", "o1"), (0, "o1", "above", "o3"), (1, "o1", "inside", "o2")])
    pred = T([(0, "o1", "left of", "o2"), (0, "o3", "below", "o1"), (0, "o1", "above", "o3"), (0, "o2", "right of", "o1"),
              (2, "o1", "above", "o2")]).assign(score=[0.9, 0.8, 0.8, 0.1, 1.0])
    # item 0, k=2: o1-left-o2 (0.9) and the tie at 0.8 goes to the earlier row (o3 below o1): 1 of 3
    # item 1: no prediction -> 0; item 2: no reference -> not counted
    assert triple_recall_at_k(pred, ref, k=2) == pytest.approx((1 / 3 + 0) / 2)
    assert triple_recall_at_k(pred, ref, k=3) == pytest.approx((2 / 3 + 0) / 2)
    per = triple_recall_at_k(pred, ref, k=4, per_item=True)
    assert per.to_dict() == {0: 1.0, 1: 0.0}
    # precision pools: 3 right of 5; the top 1 per item: o1-left-o2 (right) and item 2's (wrong)
    assert triple_precision(pred, ref) == pytest.approx(3 / 5)
    assert triple_precision(pred, ref, k=1) == pytest.approx(1 / 2)


def test_matching_by_boxes_by_hand():
    ref_objects = objs([(0, "o1", "red circle", 0, 0, 10, 10), (0, "o2", "blue square", 20, 0, 10, 10),
                        (0, "o3", "red circle", 40, 0, 10, 10)])
    # the other side drew its own boxes (its own ids): b1 ~ o1 (IoU 0.818), b2 ~ o2, b3 ~ o3 but called a square
    own = objs([(0, "b1", "red circle", 1, 0, 10, 10), (0, "b2", "blue square", 20, 1, 10, 10),
                (0, "b3", "blue square", 40, 0, 10, 10), (0, "b4", "red circle", 6, 0, 10, 10)])
    ref = T([(0, "o1", "left of", "o2"), (0, "o2", "left of", "o3"), (0, "o1", "left of", "o3")])
    pred = T([(0, "b1", "left of", "b2"),  # matches o1-o2
              (0, "b4", "left of", "b2"),  # b4 vs o1: IoU 4/16 = 0.25 < 0.5 -> no match
              (0, "b2", "left of", "b3"),  # b3's class differs from o3's -> no match
              (0, "b1", "above", "b2")]).assign(score=[0.9, 0.8, 0.7, 0.6])  # wrong predicate
    assert triple_recall_at_k(pred, ref, k=10, objects=own, reference_objects=ref_objects) == pytest.approx(1 / 3)
    assert triple_precision(pred, ref, objects=own, reference_objects=ref_objects) == pytest.approx(1 / 4)
    # with threshold 0.2, b4 ~ o1 too: but o1-left-o2 can be matched once only (one-to-one)
    r = triple_agreement(pred, ref, iou_threshold=0.2, objects_a=own, objects_b=ref_objects)
    assert (r.n_a, r.n_b, r.n_match) == (4, 3, 1)
    # by ids the two sides share nothing
    assert triple_agreement(pred, ref).n_match == 0


def test_box_classes_compare_by_value_like_ids():
    """Class 1 of an int column is 1.0 of a float one (as item ids are); True and "1" never equal 1,
    so a class column with 1 on one side and True or "1" on the other is refused, not a miss."""
    tri = T([(0, "s", "on", "o")])
    oa = pd.DataFrame({"item": 0, "object": ["s", "o"], "class": [1, 2], "x": [0, 0], "y": [0, 10], "w": 5, "h": 5})
    ob = oa.assign(**{"class": [1.0, 2.0]})
    assert ob["class"].dtype == float
    assert triple_agreement(tri, tri, objects_a=oa, objects_b=ob).f1 == 1.0
    assert triple_recall_at_k(tri.assign(score=1.0), tri, k=1, objects=oa, reference_objects=ob) == 1.0
    both = pd.concat([tri.assign(annotator="a"), tri.assign(annotator="b")])
    boxes = pd.concat([oa.assign(annotator="a"), ob.assign(annotator="b")])
    assert triple_agreement_table(both, objects=boxes)["f1"].tolist() == [1.0]
    assert triple_agreement(tri, tri, objects_a=oa, objects_b=oa.assign(**{"class": [1.5, 2.0]})).n_match == 0
    for other, shown in (([True, 2], r"class True \(a bool\) in b objects and 1 \(an int\) in a objects"),
                         (["1", "2"], r"class '1' \(a str\) in b objects and 1 \(an int\) in a objects")):
        with pytest.raises(ValueError, match=shown):
            triple_agreement(tri, tri, objects_a=oa, objects_b=oa.assign(**{"class": other}))


def test_agreement_and_table_by_hand():
    a = T([(0, "o1", "left of", "o2"), (0, "o2", "right of", "o1"), (1, "o1", "above", "o2")])
    b = T([(0, "o1", "left of", "o2"), (1, "o1", "below", "o2"), (1, "o2", "above", "o1"), (2, "o1", "inside", "o2")])
    r = triple_agreement(a, b)
    assert r == (3, 4, 1, 1 / 3, 1 / 4, 2 / 7)
    df = pd.concat([a.assign(annotator="ann"), b.assign(annotator="bob"), T([(2, "o1", "inside", "o2")]).assign(annotator="cat")])
    table = triple_agreement_table(df)
    assert table[["annotator_a", "annotator_b"]].values.tolist() == [["ann", "bob"], ["ann", "cat"], ["bob", "cat"]]
    ab = table.iloc[0]  # items 0 and 1 in common: item 2 of bob's is left out
    assert (ab.n_items, ab.n_a, ab.n_b, ab.n_match, ab.f1) == (2, 3, 3, 1, pytest.approx(1 / 3))
    ac = table.iloc[1]
    assert ac.n_items == 0 and np.isnan(ac.f1)
    bc = table.iloc[2]
    assert (bc.n_items, bc.n_a, bc.n_b, bc.n_match, bc.precision, bc.recall) == (1, 1, 1, 1, 1.0, 1.0)


def test_alpha_by_hand_with_sets():
    df = pd.DataFrame([
        (0, "o1", "left of", "o2", "ann"), (0, "o1", "above", "o2", "ann"), (0, "o1", "left of", "o2", "bob"),
        (1, "o1", "below", "o2", "ann"), (1, "o1", "below", "o2", "bob"),
        (1, "o2", "above", "o1", "bob"),
    ], columns=[*COLS, "annotator"])
    units = triple_units(df)
    assert units.values.tolist() == [
        [0, "o1", "o2", "ann", ("above", "left of")], [0, "o1", "o2", "bob", ("left of",)],
        [1, "o1", "o2", "ann", ("below",)], [1, "o1", "o2", "bob", ("below",)],
        [1, "o2", "o1", "ann", ()], [1, "o2", "o1", "bob", ("above",)],
    ]
    # values: {A,L} {L} | {B} {B} | {} {A}; n = 6, each unit 2 values (weight 1 per ordered pair)
    # nominal: D_o = 2 + 0 + 2 = 4 ordered disagreeing pairs; n_c = {A,L}:1 {L}:1 {B}:2 {}:1 {A}:1
    # D_e = 36 - (1 + 1 + 4 + 1 + 1) = 28; alpha = 1 - 5 * 4 / 28
    assert triple_alpha(df) == pytest.approx(1 - 5 * 4 / 28)
    # jaccard: d({A,L},{L}) = 1/2, d({},{A}) = 1; D_o = 2 * (1/2 + 1) = 3
    sets = [frozenset(s) for s in [("above", "left of"), ("left of",), ("below",), ("below",), (), ("above",)]]
    d_e = sum(set_distance(x, y) for x, y in itertools.product(sets, sets))
    assert triple_alpha(df, level="jaccard") == pytest.approx(1 - 5 * 3 / d_e)
    # with the objects given, every ordered pair of item 0 and 1 is a unit: o2 -> o1 on item 0 is "none" for both
    objects = pd.DataFrame({"item": [0, 0, 1, 1], "object": ["o1", "o2", "o1", "o2"]})
    assert len(triple_units(df, objects=objects)) == 8
    # two more agreeing "none" values: n = 8, D_o = 4, n_c[{}] = 3: D_e = 64 - (1 + 1 + 4 + 9 + 1) = 48
    assert triple_alpha(df, objects=objects) == pytest.approx(1 - 7 * 4 / 48)


# ---------------------------------------------------------------------------- definitions, random data

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recall_and_precision_match_their_definition(seed):
    data = scene_graphs(40, seed=seed)
    pred = model_scene_graphs(data, noise=0.4, seed=seed)
    pred = pred.sample(frac=1, random_state=seed).reset_index(drop=True)  # the order must not matter but for ties
    truth = set(data.triples.itertuples(index=False, name=None))
    for k in (1, 5, 20):
        recalls, hits, n_top = [], 0, 0
        for item, ref in data.triples.groupby("item"):
            mine = pred[pred["item"] == item]
            order = sorted(range(len(mine)), key=lambda n: (-mine["score"].iloc[n], n))[:k]
            top = {tuple(mine[COLS].iloc[n]) for n in order}
            recalls.append(len(top & truth) / len(ref))
        for _, mine in pred.groupby("item"):
            order = sorted(range(len(mine)), key=lambda n: (-mine["score"].iloc[n], n))[:k]
            top = [tuple(mine[COLS].iloc[n]) for n in order]
            hits += sum(t in truth for t in top)
            n_top += len(top)
        assert triple_recall_at_k(pred, data.triples, k) == pytest.approx(np.mean(recalls))
        assert triple_precision(pred, data.triples, k) == pytest.approx(hits / n_top)
    assert triple_precision(pred, data.triples) == pytest.approx(pred["correct"].mean())


def _max_matching(a: pd.DataFrame, b: pd.DataFrame, oa: dict, ob: dict, thr: float) -> int:
    """Maximum one-to-one matching by boxes (networkx Hopcroft-Karp over the allowed pairs)."""
    def iou(p, q):
        ix = max(0.0, min(p[0] + p[2], q[0] + q[2]) - max(p[0], q[0]))
        iy = max(0.0, min(p[1] + p[3], q[1] + q[3]) - max(p[1], q[1]))
        inter = ix * iy
        return inter / (p[2] * p[3] + q[2] * q[3] - inter)

    g = nx.Graph()
    left = [("a", n) for n in range(len(a))]
    g.add_nodes_from(left)
    g.add_nodes_from(("b", n) for n in range(len(b)))
    for (i, x), (j, y) in itertools.product(enumerate(a.itertuples()), enumerate(b.itertuples())):
        if x.item != y.item or x.predicate != y.predicate:
            continue
        (cs, bs), (co, bo) = oa[(x.item, x.subject)], oa[(x.item, x.object)]
        (ds, es), (do, eo) = ob[(y.item, y.subject)], ob[(y.item, y.object)]
        if cs == ds and co == do and iou(bs, es) >= thr and iou(bo, eo) >= thr:
            g.add_edge(("a", i), ("b", j))
    return len(nx.bipartite.hopcroft_karp_matching(g, top_nodes=left)) // 2


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_box_agreement_is_a_maximum_matching(seed):
    rng = np.random.default_rng(seed)
    data = scene_graphs(25, seed=seed, n_objects=(3, 4))

    def redraw(prefix, spread):  # an annotator who drew every box again, with its own ids
        o = data.objects.copy()
        o["object"] = prefix + o["object"].str[1:]
        for c in ("x", "y"):
            o[c] = o[c] + rng.normal(0, spread, len(o))
        o["w"], o["h"] = o["w"] * rng.uniform(0.7, 1.3, len(o)), o["h"] * rng.uniform(0.7, 1.3, len(o))
        return o

    def triples(prefix):  # the true triples with some dropped and some predicates changed
        t = data.triples.sample(frac=0.8, random_state=int(rng.integers(1 << 30))).copy()
        swap = rng.random(len(t)) < 0.2
        t.loc[swap, "predicate"] = rng.choice(["left of", "above", "touching"], int(swap.sum()))
        t = t.drop_duplicates(COLS)
        for c in ("subject", "object"):
            t[c] = prefix + t[c].str[1:]
        return t.reset_index(drop=True)

    oa, ob = redraw("a", 3.0), redraw("b", 3.0)
    ta, tb = triples("a"), triples("b")
    r = triple_agreement(ta, tb, iou_threshold=0.5, objects_a=oa[["item", "object", "class", "x", "y", "w", "h"]], objects_b=ob)
    lookup = lambda o: {(i, n): (c, (x, y, w, h)) for i, n, c, x, y, w, h in o[["item", "object", "class", "x", "y", "w", "h"]].itertuples(index=False, name=None)}  # noqa: E731
    expect = _max_matching(ta, tb, lookup(oa), lookup(ob), 0.5)
    assert 0 < r.n_match == expect < min(len(ta), len(tb))
    assert r.f1 == pytest.approx(2 * expect / (len(ta) + len(tb)))
    # per-annotator objects in the table give the same count
    both = pd.concat([ta.assign(annotator="a"), tb.assign(annotator="b")])
    table = triple_agreement_table(both, objects=pd.concat([oa.assign(annotator="a"), ob.assign(annotator="b")]))
    assert table["n_match"].tolist() == [expect]


def _alpha_by_definition(units: list[dict], distance) -> float:
    """Krippendorff (2011): coincidences o_ck = sum_u (pairs c-k in u) / (m_u - 1) over units with m_u >= 2;
    alpha = 1 - (n - 1) sum o_ck d_ck / sum_c sum_k n_c n_k d_ck."""
    pairable = [list(u.values()) for u in units if len(u) >= 2]
    values = [v for u in pairable for v in u]
    n = len(values)
    d_o = sum(distance(x, y) / (len(u) - 1) for u in pairable for i, x in enumerate(u) for j, y in enumerate(u) if i != j)
    d_e = sum(distance(x, y) for x in values for y in values)
    return 1 - (n - 1) * d_o / d_e


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alpha_matches_its_definition(seed):
    data = scene_graphs(30, seed=seed)
    rng = np.random.default_rng(seed)
    frames = []
    for k, noise in enumerate([0.1, 0.3, 0.5]):
        m = model_scene_graphs(data, noise=noise, seed=seed * 10 + k)
        keep = rng.random(len(m)) < 0.9  # and an annotator skips some items
        m = m[keep & m["item"].isin(rng.choice(30, 25, replace=False))]
        frames.append(m.assign(annotator=f"r{k}"))
    df = pd.concat(frames)
    units: dict[tuple, dict] = {}
    rated = set(df[["item", "annotator"]].itertuples(index=False, name=None))
    for (item, a) in rated:
        ids = data.objects.loc[data.objects["item"] == item, "object"]
        for s, o in itertools.permutations(ids, 2):
            mine = df[(df["item"] == item) & (df["annotator"] == a) & (df["subject"] == s) & (df["object"] == o)]
            units.setdefault((item, s, o), {})[a] = frozenset(mine["predicate"])
    for level in ("nominal", "jaccard", "masi"):
        dist = (lambda x, y: float(x != y)) if level == "nominal" else (lambda x, y, lv=level: set_distance(x, y, lv))
        got = triple_alpha(df, objects=data.objects, level=level)
        assert got == pytest.approx(_alpha_by_definition(list(units.values()), dist))
    # nominal with one predicate per pair: the krippendorff package, "none" as a value
    single = df.drop_duplicates(["item", "subject", "object", "annotator"])
    names = sorted(single["annotator"].unique())
    table = triple_units(single, objects=data.objects)
    keys = list(dict.fromkeys(zip(table["item"], table["subject"], table["object"])))
    values = {"none": 0}
    grid = np.full((len(names), len(keys)), np.nan)
    col = {k: n for n, k in enumerate(keys)}
    for item, s, o, a, preds in table.itertuples(index=False, name=None):
        grid[names.index(a), col[(item, s, o)]] = values.setdefault(preds[0] if preds else "none", len(values))
    assert triple_alpha(single, objects=data.objects) == pytest.approx(krippendorff.alpha(reliability_data=grid, level_of_measurement="nominal"))
    assert triple_alpha(single, objects=data.objects) == pytest.approx(krippendorff_alpha(grid))


# ---------------------------------------------------------------------------- bad input

def test_bad_input_names_the_item():
    ref = T([(3, "o1", "left of", "o2")])
    pred = T([(3, "o1", "left of", "o2")]).assign(score=[0.5])
    with pytest.raises(ValueError, match=r"needs columns .*missing \['score'\]"):
        triple_recall_at_k(ref, ref, k=1)
    with pytest.raises(ValueError, match=r"missing \['predicate'\]"):
        triple_agreement(ref.drop(columns="predicate"), ref)
    with pytest.raises(ValueError, match="no triples"):
        triple_precision(pred.iloc[:0], ref)
    with pytest.raises(ValueError, match="must be a DataFrame"):
        triple_agreement([(3, "o1", "left of", "o2")], ref)
    with pytest.raises(ValueError, match=r"item 3, row 0: the predicate is missing"):
        triple_agreement(T([(3, "o1", None, "o2")]), ref)
    with pytest.raises(ValueError, match=r"item 3: .*score nan"):
        triple_recall_at_k(pred.assign(score=[np.nan]), ref, k=1)
    with pytest.raises(ValueError, match=r"item 3: triple \('o1', 'left of', 'o1'\) relates an object to itself"):
        triple_agreement(T([(3, "o1", "left of", "o1")]), ref)
    with pytest.raises(ValueError, match=r"item 3 states triple .* twice"):
        triple_agreement(pd.concat([ref, ref]), ref)
    with pytest.raises(ValueError, match=r"item 3, annotator 'ann' states"):
        triple_alpha(pd.concat([ref, ref]).assign(annotator="ann"))
    with pytest.raises(ValueError, match="k must be"):
        triple_recall_at_k(pred, ref, k=0)
    with pytest.raises(ValueError, match="both sides"):
        triple_recall_at_k(pred, ref, k=1, objects=objs([(3, "o1", "c", 0, 0, 1, 1)]))
    good = objs([(3, "o1", "red circle", 0, 0, 5, 5), (3, "o2", "red circle", 9, 0, 5, 5)])
    with pytest.raises(ValueError, match=r"item 3, object 'o2': box .* needs finite"):
        triple_agreement(ref, ref, objects_a=good, objects_b=good.assign(w=[5, np.nan]))
    with pytest.raises(ValueError, match=r"item 3, object 'o1': box"):
        triple_agreement(ref, ref, objects_a=good.assign(h=[-1, 5]), objects_b=good)
    with pytest.raises(ValueError, match=r"item 3: object 'o2' is not among its objects"):
        triple_agreement(ref, ref, objects_a=good.iloc[:1], objects_b=good)
    with pytest.raises(ValueError, match=r"objects needs columns .*missing \['class'\]"):
        triple_agreement(ref, ref, objects_a=good.drop(columns="class"), objects_b=good)
    with pytest.raises(ValueError, match="annotator"):
        triple_agreement_table(ref)  # no annotator column
    with pytest.raises(ValueError, match="two or more values"):
        triple_alpha(ref.assign(annotator="solo"))
    with pytest.raises(ValueError, match="object ids shared by the annotators"):
        triple_alpha(ref.assign(annotator="a"), objects=good.assign(annotator="a"))
    with pytest.raises(ValueError, match=r"item 3: object 'o2' is not among its objects"):
        triple_units(ref.assign(annotator="a"), objects=good.iloc[:1])
    with pytest.raises(ValueError, match="level"):
        triple_alpha(ref.assign(annotator="a"), level="ordinal")
    with pytest.raises(ValueError, match="iou_threshold"):
        triple_agreement(ref, ref, iou_threshold=0)


def test_ids_that_read_alike_are_refused_not_scored_as_misses():
    """Item 1 and "1" never match (recall was 0), subject True matched 1 (recall was 1): both are
    refused naming the values, across the two tables or within one. 1 and 1.0 are one id."""
    ref = T([(1, "o1", "on", "o2")])
    pred = ref.assign(item=["1"], score=[0.9])
    with pytest.raises(ValueError, match=r"item '1' \(a str\) in predicted and 1 \(an int\) in reference read alike"):
        triple_recall_at_k(pred, ref, 1)
    with pytest.raises(ValueError, match=r"item '1' \(a str\) in predicted"):
        triple_precision(pred, ref)
    assert triple_recall_at_k(ref.assign(item=[1.0], score=[0.9]), ref, 1) == 1.0
    ref = T([(0, 1, "on", 2)])
    pred = T([(0, True, "on", 2)]).assign(score=[1.0])
    with pytest.raises(ValueError, match=r"object id True \(a bool\) in predicted and 1 \(an int\) in reference"):
        triple_recall_at_k(pred, ref, 1)
    with pytest.raises(ValueError, match=r"object id True \(a bool\) in b and 1 \(an int\) in a"):
        triple_agreement(ref, pred.drop(columns="score"))
    with pytest.raises(ValueError, match=r"predicate 1 \(an int\) in b and '1' \(a str\) in a|predicate '1' \(a str\) in a"):
        triple_agreement(T([(0, "o1", "1", "o2")]), T([(0, "o1", 1, "o2")]))
    both = T([(0, 1, "on", 2), (0, True, "on", 2)]).assign(annotator=["a", "b"])  # (pd.concat would make True 1)
    for f in (triple_agreement_table, triple_units, triple_alpha):
        with pytest.raises(ValueError, match=r"object id True \(a bool\) in triples and 1 \(an int\) in triples"):
            f(both)
    # by boxes: each side's ids name its own objects, so "1" on one side and 1 on the other is fine ...
    ta, tb = T([(0, "1", "on", "2")]), T([(0, 1, "on", 2)])
    box = {"x": [0, 20], "y": 0, "w": 10, "h": 10}
    oa = pd.DataFrame({"item": 0, "object": ["1", "2"], "class": ["cup", "table"], **box})
    ob = pd.DataFrame({"item": 0, "object": [1, 2], "class": ["cup", "table"], **box})
    assert triple_agreement(ta, tb, objects_a=oa, objects_b=ob).f1 == 1.0
    # ... but a side's triples and its own objects must agree, and items are compared across
    with pytest.raises(ValueError, match=r"object id '1' \(a str\) in a and 1 \(an int\) in a objects"):
        triple_agreement(ta, tb, objects_a=ob, objects_b=ob)
    with pytest.raises(ValueError, match=r"item '0' \(a str\) in b objects and 0 \(an int\) in a"):
        triple_agreement(ta, tb, objects_a=oa, objects_b=ob.assign(item="0"))


def test_missing_annotators_duplicate_objects_and_empty_object_tables_are_refused_naming_them():
    """A missing annotator (NaN never equals itself) made its pair's shared items vanish (n_items 0);
    an object listed twice doubled every unit of triple_units; an empty objects table raised KeyError."""
    def triples(rows, extra=()):
        return pd.DataFrame(rows, columns=["item", "subject", "predicate", "object", *extra])

    with pytest.raises(ValueError, match=r"triples: item 0, row 0: the annotator is missing"):
        triple_agreement_table(triples([(0, "a", "on", "b", None), (0, "a", "on", "b", "x")], ["annotator"]))
    objs = pd.DataFrame({"item": [0, 0, 0], "object": ["a", "b", "a"]})
    with pytest.raises(ValueError, match="objects: item 0 has object 'a' twice"):
        triple_units(triples([(0, "a", "on", "b", "ann"), (0, "a", "on", "b", "bob")], ["annotator"]), objects=objs)
    assert len(triple_units(triples([(0, "a", "on", "b", "ann"), (0, "a", "on", "b", "bob")], ["annotator"]),
                            objects=objs.iloc[:2])) == 4  # (a, b) and (b, a), for ann and bob
    boxes = pd.DataFrame([(0, "x", "cat", 0, 0, 10, 10), (0, "y", "dog", 20, 0, 10, 10)],
                         columns=["item", "object", "class", "x", "y", "w", "h"])
    with pytest.raises(ValueError, match="object 'a' is not among its objects"):
        triple_agreement(triples([(0, "a", "on", "b")]), triples([(0, "x", "on", "y")]), objects_a=boxes.iloc[:0], objects_b=boxes)
