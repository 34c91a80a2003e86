"""AgreementDashboard over relations: scene-graph triples, mention-region links and first-error
positions. The metrics equal the pure functions', the disagreement queue names the item and what
differs, and adjudicating a disputed unit stores the adjudicated answer under the adjudication task."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import hitl_widgets as hw
from hitl_widgets.dashboards.agreement import AgreementDashboard
from hitl_widgets.demo import coreference_scenes, make_scenes, model_chains, model_scene_graphs, scene_graphs
from hitl_widgets.demo.reasoning import reasoning_chain  # noqa: F401  (the chains' generator)
from hitl_widgets.metrics import (
    first_error_agreement,
    first_error_table,
    link_agreement_table,
    percent_agreement,
    triple_agreement_table,
    triple_alpha,
)

COLS = ["item", "subject", "predicate", "object"]


def annotators_triples(n=15, seed=0):
    data = scene_graphs(n, seed=seed)
    frames = []
    for k, noise in enumerate([0.05, 0.15, 0.3]):
        m = model_scene_graphs(data, noise=noise, seed=100 + k)
        frames.append(m[COLS].assign(annotator=f"r{k}"))
    return data, pd.concat(frames, ignore_index=True)


def dispatch(widget, content, sent):
    widget.send = lambda msg, buffers=None: sent.append(msg)
    widget._dispatch(widget, {"client": "t", "seq": len(sent) + 1, **content}, [])
    return sent[-1]


# ---------------------------------------------------------------------------- triples

def test_triples_metrics_are_the_pure_functions():
    data, df = annotators_triples()
    dash = AgreementDashboard.for_triples(df, data.objects, n_boot=30)
    overall = dash.overall.set_index("metric")["estimate"]
    assert dash.kind == "triples" and dash.multi_label
    assert overall["Krippendorff's alpha (jaccard distance)"] == pytest.approx(triple_alpha(df, objects=data.objects, level="jaccard"))
    assert overall["Krippendorff's alpha (nominal: the same predicates)"] == pytest.approx(triple_alpha(df, objects=data.objects))
    table = triple_agreement_table(df)
    pd.testing.assert_frame_equal(dash.pair_agreement, table)
    assert overall["triple F1 (mean over annotator pairs)"] == pytest.approx(table["f1"].mean())
    assert 0.3 < overall["triple F1 (mean over annotator pairs)"] < 0.95
    # one unit per ordered pair of objects of each item, each annotator's label its predicate set
    n_pairs = sum(k * (k - 1) for k in data.objects.groupby("item").size())
    assert len(dash.item_ids) == n_pairs and dash.annotators == ["r0", "r1", "r2"]
    assert set(dash.classes) == {*df["predicate"], "none"} and dash.classes[-1] == "none"


def test_triples_queue_names_the_pair_and_what_differs():
    data, df = annotators_triples()
    dash = AgreementDashboard.for_triples(df, data.objects, n_boot=20)
    given = {}
    for (item, s, o, a), g in df.groupby(["item", "subject", "object", "annotator"]):
        given[(item, s, o, a)] = sorted(g["predicate"])
    disputed = set()
    for item, g in data.objects.groupby("item"):
        for s in g["object"]:
            for o in g["object"]:
                if s != o and len({tuple(given.get((item, s, o, a), [])) for a in ["r0", "r1", "r2"]}) > 1:
                    disputed.add(f"{item}: {s} → {o}")
    assert set(dash.queue["item_id"]) == disputed and len(disputed) > 10
    row = dash.queue.iloc[0]
    item, pair = row["item_id"].split(": ")
    s, o = pair.split(" → ")
    assert row["labels"] == {a: given.get((int(item), s, o, a), ["none"]) for a in ["r0", "r1", "r2"]}
    cls = dict(zip(zip(data.objects["item"], data.objects["object"]), data.objects["class"]))
    assert row["description"].startswith(f"item {item}: is {cls[(int(item), s)]} {s} (subject) related to {cls[(int(item), o)]} {o}")
    shown = dash.view.queue[0]
    assert shown["item_id"] == row["item_id"] and [p[0] for p in shown["pairs"]] == ["r0", "r1", "r2"]


def test_adjudicating_a_disputed_pair_stores_the_predicates():
    data, df = annotators_triples(n=8, seed=3)
    store = hw.AnnotationStore(":memory:")
    dash = AgreementDashboard.for_triples(df, data.objects, store=store, n_boot=20, task="sg")
    first, second = dash.queue["item_id"].iloc[:2]
    sent: list = []
    reply = dispatch(dash.view, {"type": "adjudicate", "item_id": first}, sent)
    assert reply["type"] == "ack" and dash.view.adjudicating
    w = dash.adjudicator
    assert w.task == "sg/adjudicated" and w.multi_label and w.order[w.position] == first
    notes = w._item_info(first)["notes"]
    assert notes[0] == dash.queue["description"].iloc[0]
    assert notes[1:] == [f"{a}: {', '.join(v)}" for a, v in dash.queue["labels"].iloc[0].items()]
    # the adjudicator answers in the view: a label intent with the pair's predicates, and none for the next
    reply = dispatch(w, {"type": "label", "item_id": first, "label": ["left of", "above"]}, sent)
    assert reply["type"] == "ack"
    w.record_label(second, ["none"])
    adj = store.labels("sg/adjudicated")
    assert adj[["item_id", "annotator"]].values.tolist() == [[first, "adjudicator"], [second, "adjudicator"]]
    assert adj["label"].tolist() == [["left of", "above"] if dash.classes.index("left of") < dash.classes.index("above") else ["above", "left of"], ["none"]]
    units = dash.adjudicated_units.set_index("item_id")
    item, pair = first.split(": ")
    assert units.loc[first, ["item", "subject", "object"]].tolist() == [int(item), *pair.split(" → ")]
    assert sorted(units.loc[first, "predicates"]) == ["above", "left of"] and units.loc[second, "predicates"] == []
    assert dash.queue.set_index("item_id").loc[second, "adjudicated"] == ["none"]
    assert dash.consensus[first] == units.loc[first, "label"]
    assert len(store.labels("sg")) == 0  # the annotators' triples came from the DataFrame: nothing else stored


def test_triples_images_outline_the_disputed_pair():
    data, df = annotators_triples(n=6, seed=4)
    dash = AgreementDashboard.for_triples(df, data.objects, data.images, n_boot=20)
    first = dash.queue["item_id"].iloc[0]
    item, pair = first.split(": ")
    s, o = pair.split(" → ")
    img = np.asarray(dash.items._source[dash.items._index[first]])
    assert img.shape == data.images[int(item)].shape
    boxes = data.objects.set_index(["item", "object"])
    for obj, colour in ((s, (0, 0, 0)), (o, (230, 0, 230))):
        x, y = boxes.loc[(int(item), obj), ["x", "y"]]
        assert tuple(img[max(0, int(np.floor(y)) - 1), max(0, int(np.floor(x)) - 1)]) == colour  # its top-left corner
    assert "black box" in dash.queue["description"].iloc[0]
    agreed = next(i for i in dash.item_ids if i not in set(dash.queue["item_id"]))
    same = np.asarray(dash.items._source[dash.items._index[agreed]])
    assert np.array_equal(same, data.images[int(agreed.split(":")[0])])  # not drawn on


# ---------------------------------------------------------------------------- links

def annotators_links(seed=0):
    data = coreference_scenes(10, seed=seed, noise=0.3)
    truth = data.truth[["item", "start", "end", "text", "region"]]
    a = truth.assign(annotator="ann")
    b = data.proposals[["item", "start", "end", "text", "region"]].assign(annotator="bob")
    # cat draws her own box for o1 of item 0 (id "d1", IoU ~0.9 with o1): the same region
    boxes = {(r.item, r.region): (r.x, r.y, r.w, r.h) for r in data.regions.itertuples()}
    c = truth.assign(annotator="cat").copy()
    c["box"] = [boxes.get((i, r)) for i, r in zip(c["item"], c["region"])]
    own = (c["item"] == 0) & (c["region"] == "o1")
    x, y, w, h = boxes[(0, "o1")]
    c.loc[own, "region"] = "d1"
    c["box"] = [(x + 1, y, w, h) if m else bx for m, bx in zip(own, c["box"])]
    a["box"] = [boxes.get((i, r)) for i, r in zip(a["item"], a["region"])]
    b["box"] = [boxes.get((i, r)) for i, r in zip(b["item"], b["region"])]
    return data, pd.concat([a, b, c], ignore_index=True)


def test_links_metrics_queue_and_adjudication():
    data, df = annotators_links()
    dash = AgreementDashboard.for_links(df, n_boot=20, task="coref")
    pd.testing.assert_frame_equal(dash.pair_agreement, link_agreement_table(df))
    overall = dash.overall.set_index("metric")["estimate"]
    assert overall["link F1 (mean over annotator pairs)"] == pytest.approx(link_agreement_table(df)["f1"].mean())
    # ann and cat agree everywhere (cat's own box for o1 is o1): the queue is where bob's proposal differs or is missing
    ok = data.proposals.set_index(["item", "start", "end"])["correct"]
    wrong = {k for k, v in ok.items() if not v}
    queued = {(r.item, r.start, r.end) for r in dash.units.itertuples() if r.item_id in set(dash.queue["item_id"])}
    assert queued == wrong and wrong
    cat = dash.wide["cat"]
    assert "d1" not in set(cat) and (cat == dash.wide["ann"]).all()
    # percent agreement by hand: share of agreeing annotator pairs per mention
    codes = dash.wide.to_numpy(dtype=object)
    assert overall["percent agreement"] == pytest.approx(percent_agreement(codes))
    row = dash.queue.iloc[0]
    unit = dash.units.set_index("item_id").loc[row["item_id"]]
    text = data.texts[unit["item"]][unit["start"]:unit["end"]]
    assert row["item_id"] == f"{unit['item']}: “{text}” [{unit['start']}, {unit['end']})"
    assert len(set(row["labels"].values())) == 2
    w = dash.adjudicate(row["item_id"])
    w.record_label(row["item_id"], "none")
    second = dash.queue["item_id"].iloc[1]
    w.record_label(second, "o1")
    got = dash.adjudicated_units.set_index("item_id")
    assert got.loc[row["item_id"], "region"] is None and got.loc[second, "region"] == "o1"
    assert dash.adjudicated["label"].tolist() == ["none", "o1"] and dash.adjudication_task == "coref/adjudicated"


def test_links_drawn_regions_with_the_same_id_but_far_apart_differ():
    df = pd.DataFrame({"item": 0, "start": [0, 0], "end": [5, 5], "region": ["d1", "d1"], "annotator": ["a", "b"],
                       "box": [(0, 0, 10, 10), (50, 50, 10, 10)]})
    dash = AgreementDashboard.for_links(df, n_boot=10)
    assert dash.queue["labels"].iloc[0] == {"a": "d1", "b": "d1 #2"}


# ---------------------------------------------------------------------------- first errors

def annotators_steps(seed=0):
    _, scenes = make_scenes(20, seed=seed)
    chains, truth = model_chains(scenes, {"m1": 0.5, "m2": 0.5}, seed=seed)
    rng = np.random.default_rng(seed)
    frames = []
    for name, slip in (("ann", 0.0), ("bob", 0.3), ("cat", 0.5)):
        t = truth.copy()
        t["verdict"] = t["verdict"].astype(object)
        for _, g in t.groupby(["item_id", "model"]):
            if rng.random() < slip:  # this annotator puts the first error one step later, or finds none
                first = g["first_error"].iloc[0]
                idx = g.index
                t.loc[idx, "verdict"] = "correct"
                if first is not None and first + 1 < len(g) and rng.random() < 0.6:
                    t.loc[idx[first + 1], "verdict"] = "reasoning error"
        frames.append(t.assign(reviewed=True, annotator=name)[["item_id", "model", "step", "text", "verdict", "reviewed", "annotator"]])
    return pd.concat(frames, ignore_index=True)


def test_first_errors_metrics_queue_and_adjudication():
    steps = annotators_steps()
    dash = AgreementDashboard.for_first_errors(steps, n_boot=50, task="chains")
    table = first_error_table(steps)
    ref = first_error_agreement(table, n_boot=50)
    overall = dash.overall.set_index("metric")
    assert overall.loc["first error: same step", "estimate"] == pytest.approx(ref.exact)
    assert overall.loc["first error: within one step", "estimate"] == pytest.approx(ref.within_one)
    assert overall.loc["first error: same step", "low"] == pytest.approx(ref.exact_ci.low)
    # the dashboard's percent agreement is the same share of agreeing pairs per chain
    assert overall.loc["percent agreement", "estimate"] == pytest.approx(ref.exact)
    assert dash.pair_agreement["annotator_a"].tolist() == ["ann", "ann", "bob"]
    disputed = {f"{i} / {m}" for (i, m), row in zip(table.index, table.to_numpy(dtype=object)) if len({str(v) for v in row}) > 1}
    assert set(dash.queue["item_id"]) == disputed and disputed
    row = dash.queue.iloc[0]
    item_id, model = row["item_id"].split(" / ")
    expect = table.loc[(int(item_id), model)]
    assert row["labels"] == {a: "no error" if p is None else f"step {p + 1}" for a, p in expect.items()}
    notes = dash.adjudicate(row["item_id"])._item_info(row["item_id"])["notes"]
    first_text = steps[(steps["item_id"] == int(item_id)) & (steps["model"] == model) & (steps["step"] == 0)]["text"].iloc[0]
    assert notes[0].startswith(f"item {item_id}, model {model}") and notes[1] == f"step 1: {first_text}"
    sent: list = []
    assert dispatch(dash.adjudicator, {"type": "label", "item_id": row["item_id"], "label": "step 2"}, sent)["type"] == "ack"
    got = dash.adjudicated_units
    assert got[["item", "model", "label", "first_error"]].values.tolist() == [[int(item_id), model, "step 2", 1]]
    # a label that is no step of the classes is refused and nothing is stored
    assert dispatch(dash.adjudicator, {"type": "label", "item_id": row["item_id"], "label": "step 99"}, sent)["type"] == "refused"
    assert len(dash.adjudicated) == 1


def test_view_state_travels_as_json():
    data, df = annotators_triples(n=4)
    _, links = annotators_links()
    for dash in (AgreementDashboard.for_triples(df, data.objects, n_boot=10), AgreementDashboard.for_links(links, n_boot=10),
                 AgreementDashboard.for_first_errors(annotators_steps(), n_boot=10)):
        dash.adjudicate().record_label(dash.queue["item_id"].iloc[0], dash.consensus[dash.queue["item_id"].iloc[0]])
        state = dash.view.get_state()
        text = json.dumps({k: state[k] for k in ("overall", "queue", "per_class", "pairwise", "title")}, allow_nan=False, ensure_ascii=False)
        assert dash.queue["item_id"].iloc[0] in text and dash.view.queue[0]["adjudicated"] is not None
        assert [r["metric"] for r in state["overall"]][-1] == dash.overall["metric"].iloc[-1]


# ---------------------------------------------------------------------------- bad input

def test_bad_input_is_refused_naming_the_item():
    data, df = annotators_triples(n=3)
    with pytest.raises(ValueError, match=r"missing \['annotator'\]"):
        AgreementDashboard.for_triples(df.drop(columns="annotator"))
    with pytest.raises(ValueError, match=r"item 2: object 'o9' is not among its objects"):
        AgreementDashboard.for_triples(pd.concat([df, pd.DataFrame([(2, "o9", "above", "o1", "r0")], columns=[*COLS, "annotator"])]), data.objects)
    with pytest.raises(ValueError, match="'above' is not one of the predicates"):
        AgreementDashboard.for_triples(df, predicates=["left of", "right of"])
    with pytest.raises(ValueError, match="'none' cannot be a predicate"):
        AgreementDashboard.for_triples(df.assign(predicate=np.where(df.index == 0, "none", df["predicate"])))
    with pytest.raises(ValueError, match="classes is set by triples"):
        AgreementDashboard.for_triples(df, classes=["x"])
    with pytest.raises(ValueError, match="item 7 has no image"):
        AgreementDashboard.for_triples(df[df["item"] == 0].assign(item=7), data.objects[data.objects["item"] == 0].assign(item=7), data.images)
    with pytest.raises(ValueError, match="links has no links"):
        AgreementDashboard.for_links(pd.DataFrame(columns=["item", "start", "end", "region", "annotator"]))
    links = pd.DataFrame({"item": [4, 4], "start": [0, 0], "end": [3, 3], "region": ["o1", "o2"], "annotator": ["a", "a"]})
    with pytest.raises(ValueError, match=r"item 4, annotator 'a' links the mention \[0, 3\) twice"):
        AgreementDashboard.for_links(links)
    with pytest.raises(ValueError, match=r"item 4, row 1: start 1.5"):
        AgreementDashboard.for_links(links.assign(start=[0, 1.5], annotator=["a", "b"]))
    with pytest.raises(ValueError, match="steps needs the columns"):
        AgreementDashboard.for_first_errors(pd.DataFrame({"item_id": [1], "annotator": ["a"]}))
    with pytest.raises(ValueError, match="descriptions: item 99 has no label"):
        AgreementDashboard(pd.DataFrame({"item": [1, 1], "annotator": ["a", "b"], "label": ["x", "y"]}), descriptions={99: "?"}, n_boot=5)
    plain = AgreementDashboard(pd.DataFrame({"item": [1, 1], "annotator": ["a", "b"], "label": ["x", "y"]}), n_boot=5)
    with pytest.raises(ValueError, match="adjudicated_units is for dashboards made by"):
        _ = plain.adjudicated_units
