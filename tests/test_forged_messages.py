"""Forged and malformed messages, sent straight through the comm to every widget's handler.

``widget._dispatch(widget, content, [])`` is exactly what ipywidgets calls with a message from the
browser. Every message below must be refused — a ``refused`` reply through ``widget.send`` with a
message naming the problem, one entry more in ``widget.refused`` — and leave the store as it was.

The table ``SPECS`` has one entry per widget class that existed when this file was written:
ClassifyWidget, LoopPanel, BBoxAnnotator, SegmentationCanvas, HallucinationFlagger,
RetrievalVerifier, VQAReview, QualityGate, ConfusionDashboard and AgreementDashboard (its
``AgreementView``); TemporalSegmenter, TrackAnnotator, TranscriptReview, AVAlignReview, ReasoningChainReview, CoreferenceLinker, IngestionReview, SensorFusionReview, SceneGraphAnnotator, PointCloudAnnotator and PolygonAnnotator since. A new widget needs an entry here. An entry whose module does not import is
left out at collection, and ``test_every_table_entry_imports`` fails then, so nothing drops out
silently.
"""
from __future__ import annotations

import importlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hitl_widgets.items import Items
from hitl_widgets.store import AnnotationStore
from hitl_widgets.widgets.base import MAX_MESSAGE_BYTES

IMAGES = np.random.default_rng(0).integers(0, 256, size=(6, 60, 80), dtype=np.uint8)  # 80 wide, 60 high
HUGE = "x" * (MAX_MESSAGE_BYTES + 10)


@dataclass
class Spec:
    module: str
    cls: str
    make: Callable[[Any, AnnotationStore], Any]  # (class, store) -> widget
    valid: Callable[[Any], dict]  # a message the widget accepts (proves the harness sees a change)
    forged: Callable[[Any], list[tuple]]  # (message, text the refusal must contain[, buffers])
    valid_buffers: Callable[[Any], list] = lambda w: []


class Calls:
    """Counts calls of a widget's callback (widgets without a store: a call is their 'change')."""

    def __init__(self, fn: Callable = lambda *a: True):
        self.fn, self.calls = fn, 0

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args)


def _agreement_view(store: AnnotationStore):
    import pandas as pd

    from hitl_widgets.dashboards.agreement import AgreementDashboard

    df = pd.DataFrame({"item": [1, 1, 2, 2, 3, 3], "annotator": ["a", "b"] * 3, "label": ["x", "x", "y", "x", "y", "y"]})
    dash = AgreementDashboard(df, task="toy", n_boot=50, store=store)
    dash.view._on_adjudicate_cb = Calls(dash.view._on_adjudicate_cb)
    return dash.view


def _runs(*triples, dtype="<u4") -> list:
    return [np.array(triples, dtype=dtype).tobytes()]


def _item_forgeries(first, type_: str, extra: dict) -> list[tuple[dict, str]]:
    """Unknown and wrongly typed item ids for an intent that names an item."""
    return [
        ({"type": type_, "item_id": 10_000, **extra}, "unknown item id"),
        ({"type": type_, "item_id": str(first), **extra}, "unknown item id"),  # "0" is not 0
        ({"type": type_, "item_id": [first], **extra}, "unknown item id"),
        ({"type": type_, "item_id": {"$ne": None}, **extra}, "unknown item id"),
        ({"type": type_, "item_id": True, **extra}, "unknown item id"),
        ({"type": type_, "item_id": None, **extra}, "unknown item id"),
        ({"type": type_, **extra}, "unknown item id"),
    ]


# a window of the queue's ids (ReviewWidget's "order" read): every review widget takes it
ORDER_FORGERIES: list[tuple[dict, str]] = [
    ({"type": "order"}, "expected {start, count}"),
    ({"type": "order", "start": -1, "count": 10}, "start an int from 0"),
    ({"type": "order", "start": "0", "count": 10}, "start an int from 0"),
    ({"type": "order", "start": True, "count": 10}, "start an int from 0"),
    ({"type": "order", "start": 0.5, "count": 10}, "start an int from 0"),
    ({"type": "order", "start": 10**30, "count": 10}, "start an int from 0"),
    ({"type": "order", "start": [0], "count": 10}, "start an int from 0"),
    ({"type": "order", "start": 0, "count": 0}, "count must be an int from 1"),
    ({"type": "order", "start": 0, "count": 10**9}, "count must be an int from 1"),
    ({"type": "order", "start": 0, "count": 2.5}, "count must be an int from 1"),
    ({"type": "order", "start": 0, "count": "all"}, "count must be an int from 1"),
    ({"type": "order", "start": 0, "count": None}, "count must be an int from 1"),
    ({"type": "order", "start": 0, "find": 0}, "either start or find"),
    ({"type": "order", "find": [0]}, "find needs an item id"),
    ({"type": "order", "find": {"$ne": None}}, "find needs an item id"),
    ({"type": "order", "find": True}, "find needs an item id"),
    ({"type": "order", "find": None}, "find needs an item id"),
    ({"type": "order", "find": "x" * 5000}, "find needs an item id"),
    ({"type": "order", "find": HUGE}, "too large"),
]


def _classify_forged(w) -> list:
    first = w.order[0]
    return [
        *ORDER_FORGERIES,
        *_item_forgeries(first, "label", {"label": 1}),
        ({"type": "label", "item_id": first, "label": 10}, "unknown class"),
        ({"type": "label", "item_id": first, "label": "1"}, "unknown class"),
        ({"type": "label", "item_id": first, "label": True}, "unknown class"),
        ({"type": "label", "item_id": first, "label": [1, 2]}, "unknown class"),
        ({"type": "label", "item_id": first, "label": None}, "unknown class"),
        ({"type": "label", "item_id": first, "label": 1, "source": "oracle"}, "unknown label source"),
        ({"type": "label", "item_id": first, "label": 1, "source": "proposal"}, "no proposal"),
        ({"type": "label", "item_id": first, "label": HUGE}, "too large"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        *_item_forgeries(first, "skip", {}),
        ({"type": "fetch", "ids": [10_000]}, "unknown item id"),
        ({"type": "fetch", "ids": "0"}, "fetch needs a list"),
        ({"type": "fetch", "ids": list(range(1000))}, "fetch needs a list"),
    ]


def _segmenter_forged(w) -> list:
    first = w.order[0]
    proposal = w.proposals["proposal_id"].iloc[0]  # a real proposal (its id from its content)
    seg = {"class": "run", "start_frame": 2, "end_frame": 5}
    return [
        *_item_forgeries(first, "add", seg),
        ({"type": "add", "item_id": first, **seg, "end_frame": 12}, "end frame 12 is outside the video"),
        ({"type": "add", "item_id": first, **seg, "start_frame": -1}, "start frame -1 is outside"),
        ({"type": "add", "item_id": first, **seg, "start_frame": 6}, "end frame 5 is before start frame 6"),
        ({"type": "add", "item_id": first, **seg, "start_frame": 2.0}, "must be an int"),
        ({"type": "add", "item_id": first, **seg, "start_frame": True}, "must be an int"),
        ({"type": "add", "item_id": first, **seg, "start_frame": "2"}, "must be an int"),
        ({"type": "add", "item_id": first, **seg, "class": "fly"}, "is not one of"),
        ({"type": "add", "item_id": first, **seg, "class": ["run"]}, "is not one of"),
        ({"type": "add", "item_id": first, **seg, "segment_id": "<img>"}, "segment id must be"),
        ({"type": "add", "item_id": first, **seg, "segment_id": "x" * 65}, "segment id must be"),
        ({"type": "add", "item_id": first, **seg, "parent": "nope"}, "does not exist"),
        ({"type": "add", "item_id": first, **seg, "parent": {"$ne": 1}}, "segment id must be"),
        ({"type": "update", "item_id": first, "segment_id": "nope", "end_frame": 3}, "no segment 'nope'"),
        ({"type": "delete", "item_id": first, "segment_id": None}, "segment id must be"),
        ({"type": "accept", "item_id": first, "proposal_id": "p9"}, "no proposal"),
        ({"type": "adjust", "item_id": first, "proposal_id": proposal, "start_frame": 0, "end_frame": 99}, "outside the video"),
        ({"type": "reject", "item_id": first, "proposal_id": [proposal]}, "no proposal"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
        ({"type": "frames", "item_id": first, "frames": [10]}, "frame 10 is outside"),
        ({"type": "frames", "item_id": first, "frames": list(range(10)) * 4}, "1 to 32"),
        ({"type": "frames", "item_id": 10_000, "frames": [0]}, "unknown item id"),
    ]


def _tracks_forged(w) -> list:
    """TrackAnnotator on two 10-frame 32x24 videos, the first holding track 0 (class "car", a
    keyframe at frame 2) and one proposal."""
    first = w.order[0]
    proposal = w.proposals["proposal_id"].iloc[0]
    key = {"frame": 3, "x": 2, "y": 2, "w": 8, "h": 6}
    return [
        *_item_forgeries(first, "key", {**key, "class": "car"}),
        ({"type": "key", "item_id": first, **key, "frame": 10}, "frame 10 is outside the video"),
        ({"type": "key", "item_id": first, **key, "frame": -1}, "frame -1 is outside"),
        ({"type": "key", "item_id": first, **key, "frame": 3.0}, "must be an int"),
        ({"type": "key", "item_id": first, **key, "frame": True}, "must be an int"),
        ({"type": "key", "item_id": first, **key, "frame": "3"}, "must be an int"),
        ({"type": "key", "item_id": first, **key, "x": "2"}, "x must be a finite number"),
        ({"type": "key", "item_id": first, **key, "y": float("nan")}, "y must be a finite number"),
        ({"type": "key", "item_id": first, **key, "w": float("inf")}, "w must be a finite number"),
        ({"type": "key", "item_id": first, **key, "h": True}, "h must be a finite number"),
        ({"type": "key", "item_id": first, **key, "x": [2]}, "x must be a finite number"),
        ({"type": "key", "item_id": first, **key, "w": 0}, "w > 0 and h > 0"),
        ({"type": "key", "item_id": first, **key, "h": -6}, "w > 0 and h > 0"),
        ({"type": "key", "item_id": first, **key, "x": 30}, "leaves the 32 x 24 frame"),
        ({"type": "key", "item_id": first, **key, "y": -5}, "leaves the 32 x 24 frame"),
        ({"type": "key", "item_id": first, **key, "class": "plane"}, "is not one of"),
        ({"type": "key", "item_id": first, **key, "class": ["car"]}, "is not one of"),
        ({"type": "key", "item_id": first, **key, "class": {"$ne": 1}}, "is not one of"),
        ({"type": "key", "item_id": first, **key, "class": HUGE}, "too large"),
        ({"type": "key", "item_id": first, **key, "track": 7}, "no track 7"),
        ({"type": "key", "item_id": first, **key, "track": "0"}, "no track 0"),
        ({"type": "key", "item_id": first, **key, "track": True}, "no track True"),
        ({"type": "key", "item_id": first, **key, "track": 0.0}, "no track 0.0"),
        ({"type": "delete_key", "item_id": first, "track": 0, "frame": 5}, "has no keyframe at frame 5"),
        ({"type": "delete_key", "item_id": first, "track": [0], "frame": 2}, "no track [0]"),
        ({"type": "delete_track", "item_id": first, "track": None}, "no track None"),
        ({"type": "delete_track", "item_id": first, "track": "<img src=x onerror=alert(1)>"}, "no track <img"),
        ({"type": "set_class", "item_id": first, "track": 0, "class": "plane"}, "is not one of"),
        ({"type": "set_class", "item_id": first, "track": 9, "class": "person"}, "no track 9"),
        ({"type": "split", "item_id": first, "track": 0, "frame": 99}, "outside the video"),
        ({"type": "split", "item_id": first, "track": 0, "frame": 2.5}, "must be an int"),
        ({"type": "merge", "item_id": first, "keep": 0, "absorb": 0}, "cannot merge track 0 with itself"),
        ({"type": "merge", "item_id": first, "keep": 0, "absorb": 5}, "no track to absorb 5"),
        ({"type": "accept", "item_id": first, "proposal_id": "p9"}, "no proposal"),
        ({"type": "accept", "item_id": first, "proposal_id": [proposal]}, "no proposal"),
        ({"type": "reject", "item_id": first, "proposal_id": None}, "no proposal"),
        ({"type": "undo", "item_id": w.order[1]}, "nothing to undo"),  # the second video has no change
        ({"type": "redo", "item_id": first}, "nothing to redo"),
        ({"type": "frames", "item_id": first, "frames": [10]}, "frame 10 is outside"),
        ({"type": "frames", "item_id": first, "frames": ["0"]}, "must be an int"),
        ({"type": "frames", "item_id": first, "frames": []}, "1 to 32"),
        ({"type": "frames", "item_id": first, "frames": list(range(10)) * 4}, "1 to 32"),
        ({"type": "frames", "item_id": 10_000, "frames": [0]}, "unknown item id"),
    ]


def _tracks_widget(C, store: AnnotationStore):
    """A TrackAnnotator with track 0 (made before the harness counts the store's events) and a proposal."""
    import pandas as pd

    proposal = pd.DataFrame({"video": 0, "track": 0, "frame": [0, 4], "x": 1.0, "y": 1.0, "w": 5.0, "h": 5.0,
                             "class": "person", "keyframe": True, "source": "proposal", "score": 0.7})
    w = C([np.zeros((10, 24, 32), np.uint8)] * 2, ["car", "person"], store=store, proposals=proposal)
    w.add_keyframe(0, 2, (4, 4, 8, 6), "car")
    return w


def _bbox_forged(w) -> list:
    first = w.order[0]
    box = {"id": "b1", "x": 10, "y": 10, "w": 20, "h": 15, "class": "cat"}
    return [
        *_item_forgeries(first, "add", {"boxes": [box]}),
        ({"type": "add", "item_id": first, "boxes": [{**box, "x": 500, "y": 500}]}, "outside"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "x": -90}]}, "outside"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "w": -5}]}, "must be positive"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "w": 0}]}, "must be positive"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "x": "10"}]}, "must be a number"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "x": None}]}, "must be a number"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "x": True}]}, "must be a number"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "x": float("inf")}]}, "box 0 x"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "class": "cow"}]}, "unknown class"),
        ({"type": "add", "item_id": first, "boxes": [{**box, "id": "<script>"}]}, "invalid box id"),
        ({"type": "add", "item_id": first, "boxes": [box, box]}, "already used"),
        ({"type": "add", "item_id": first, "boxes": box}, "list of 1 to"),
        ({"type": "add", "item_id": first, "boxes": []}, "list of 1 to"),
        ({"type": "add", "item_id": first, "boxes": [box] * 6000}, "too large"),
        ({"type": "update", "item_id": first, "box_id": "nope", **{k: box[k] for k in "xywh"}, "class": "cat"}, "unknown box id"),
        ({"type": "delete", "item_id": first, "box_ids": ["nope"]}, "unknown box id"),
        ({"type": "accept", "item_id": first, "proposal_ids": ["p-none"]}, "no open proposal"),
        ({"type": "reject", "item_id": first, "proposal_ids": "p"}, "list of 1 to"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
    ]


def _polygons_forged(w) -> list:
    first = w.order[0]
    square = [[10, 10], [40, 10], [40, 30], [10, 30]]
    poly = {"id": "g1", "class": "cat", "rings": [square]}

    def put(**change):
        return {"type": "put", "item_id": first, "edit": "draw", "polygon": {**poly, **change}}

    return [
        *_item_forgeries(first, "put", {"polygon": poly, "edit": "draw"}),
        (put(rings=[[[500, 500], [600, 500], [600, 600]]]), "at least 3 distinct vertices"),
        (put(rings=[[[0, 0], [5, 5]]]), "at least 3"),
        (put(rings=[[[0, 0], [5, 5], [10, 10]]]), "no area"),
        (put(rings=[[[0, float("inf")], [5, 0], [5, 5]]]), "must be finite"),
        (put(rings=[[[0, None], [5, 0], [5, 5]]]), "must be a number"),
        (put(rings=[[[0, "1"], [5, 0], [5, 5]]]), "must be a number"),
        (put(rings=[[{"x": 0, "y": 0}, [5, 0], [5, 5]]]), "must be [x, y]"),
        (put(rings="all"), "rings must be a list"),
        (put(rings=[square, [[0, 0], [3, 0], [3, 3]]]), "outside the outer ring"),
        (put(rings=[[[k % 50, k // 50] for k in range(4001)]]), "at most 4000 vertices"),
        (put(**{"class": "cow"}), "unknown class"),
        (put(**{"class": {"$ne": 1}}), "unknown class"),
        (put(id="<script>"), "invalid polygon id"),
        (put(id=7), "invalid polygon id"),
        ({"type": "put", "item_id": first, "edit": "move_vertex", "polygon": poly}, "unknown polygon id"),
        ({"type": "put", "item_id": first, "edit": "<b>", "polygon": poly}, "edit must be one of"),
        ({"type": "put", "item_id": first, "polygon": [poly]}, "polygon object"),
        ({"type": "delete", "item_id": first, "polygon_ids": ["nope"]}, "unknown polygon id"),
        ({"type": "delete", "item_id": first, "polygon_ids": "g1"}, "list of 1 to"),
        ({"type": "accept", "item_id": first, "proposal_ids": ["p-none"]}, "no open proposal"),
        ({"type": "accept", "item_id": first, "proposal_ids": ["p0", "p0"]}, "appears twice"),
        ({"type": "reject", "item_id": first, "proposal_ids": []}, "list of 1 to"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
    ]


def _segmentation_forged(w) -> list:
    first = w.order[0]  # a 30 x 20 image, semantic classes 1 "sky", 2 "sea"
    paint = {"type": "paint", "item_id": first, "value": 1, "runs": "uint32"}
    one_run = _runs((0, 0, 3))
    click = {"x": 2, "y": 3, "positive": True}
    assist = {"type": "assist", "item_id": first}
    return [
        *[(m, e, one_run) for m, e in _item_forgeries(first, "paint", {"value": 1, "runs": "uint32"})],
        (paint, "exactly one binary buffer", []),
        (paint, "exactly one binary buffer", one_run * 2),
        (paint, "runs outside", _runs((20, 0, 3))),  # row 20 of a 20-row image
        (paint, "runs outside", _runs((0, 28, 3))),  # past the right edge
        (paint, "runs outside", _runs((0, 0, 0))),  # empty run
        (paint, "runs outside", _runs((2**31, 0, 1))),
        (paint, "more than the 30x20 image holds", _runs(*[(0, 0, 30)] * 21)),  # overlapping: 630 of 600 pixels
        (paint, "runs buffer must hold", [b"\x00" * 5]),
        (paint, "runs buffer must hold", [b""]),
        ({**paint, "runs": "float64"}, "runs must be", one_run),
        ({**paint, "value": 0}, "invalid segment value", one_run),
        ({**paint, "value": 3}, "unknown segment", one_run),
        ({**paint, "value": "1"}, "invalid segment value", one_run),
        ({**paint, "value": True}, "invalid segment value", one_run),
        ({**paint, "erase": "yes"}, "erase must be", one_run),
        ({"type": "new_instance", "item_id": first, "value": 5, "class": "sky"}, "only in instance mode"),
        ({"type": "fill_holes", "item_id": first, "value": 1}, "no holes"),
        ({"type": "accept", "item_id": first, "proposal_id": "p9"}, "proposal 'p9'"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
        ({**paint, "assisted": "magic"}, "assisted must be", one_run),
        ({**paint, "assisted": ["clicks"]}, "assisted must be", one_run),
        ({**paint, "erase": True, "assisted": "clicks"}, "assisted must be", one_run),
        # click-to-segment reads (assist="flood" here): every field checked, nothing stored
        *_item_forgeries(first, "assist", {"clicks": [click]}),
        ({**assist, "clicks": []}, "1 to 64 clicks"),
        ({**assist, "clicks": "x"}, "1 to 64 clicks"),
        ({**assist, "clicks": {"x": 1, "y": 1, "positive": True}}, "1 to 64 clicks"),
        ({**assist, "clicks": [click] * 65}, "1 to 64 clicks"),
        ({**assist, "clicks": [[1, 1, True]]}, "must be an object"),
        ({**assist, "clicks": [{**click, "x": "1"}]}, "x must be a finite number"),
        ({**assist, "clicks": [{**click, "y": 1e400}]}, "y must be a finite number"),
        ({**assist, "clicks": [{**click, "x": True}]}, "x must be a finite number"),
        ({**assist, "clicks": [{**click, "x": 30}]}, "outside the 30x20 image"),
        ({**assist, "clicks": [{**click, "y": -0.5}]}, "outside the 30x20 image"),
        ({**assist, "clicks": [{**click, "positive": "yes"}]}, "positive must be true or false"),
        ({**assist, "clicks": [{**click, "positive": False}]}, "at least one positive"),
        *_item_forgeries(first, "superpixels", {}),
    ]


POINTS = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32)


def _bits(*idx: int, n: int = 20) -> list:
    """A bitmask (LSB first) of the point indices, as the view sends a selection."""
    bits = np.zeros(n, np.uint8)
    bits[list(idx)] = 1
    return [np.packbits(bits, bitorder="little").tobytes()]


def _pointcloud_forged(w) -> list:
    paint = {"type": "paint", "item_id": 0, "class": 1, "encoding": "bitmask", "count": 3}
    three = _bits(0, 5, 19)
    varint = {**paint, "encoding": "varint"}
    delta = {**paint, "encoding": "delta"}
    return [
        (paint, "exactly one binary buffer", []),
        (paint, "exactly one binary buffer", three * 2),
        ({**paint, "item_id": 1}, "unknown frame", three),
        ({**paint, "item_id": "0"}, "unknown frame", three),
        ({**paint, "item_id": True}, "unknown frame", three),
        (paint, "a bitmask of 20 points is 3 bytes, not 2", [b"\x01\x00"]),
        (paint, "a bitmask of 20 points is 3 bytes, not 4", [b"\x01\x00\x00\x00"]),
        (paint, "bits past point 19", [bytes([1, 0, 0b10000])]),  # bit 20 of 24
        ({**paint, "count": 2}, "count 2 does not match the 3 points", three),
        ({**paint, "count": "3"}, "does not match", three),
        ({**paint, "count": True}, "does not match", three),
        ({**paint, "count": 3.0}, "does not match", three),
        ({**paint, "encoding": "json"}, "encoding must be", three),
        ({**paint, "encoding": None}, "encoding must be", three),
        ({**delta, "count": 2}, "multiple of 4", [b"\x00" * 7]),
        ({**delta, "count": 2}, "must increase", [np.array([3, 0], "<u4").tobytes()]),
        ({**delta, "count": 2}, "outside the frame's 20 points", [np.array([3, 17], "<u4").tobytes()]),
        ({**delta, "count": 1}, "outside the frame's 20 points", [np.array([2**32 - 1], "<u4").tobytes()]),
        ({**varint, "count": 1}, "ends inside a number", [b"\x85"]),
        ({**varint, "count": 1}, "longer than 5 bytes", [b"\x80\x80\x80\x80\x80\x01"]),
        ({**varint, "count": 1}, "over 32 bits", [b"\xff\xff\xff\xff\x7f"]),
        ({**varint, "count": 2}, "must increase", [b"\x03\x00"]),
        ({**varint, "count": 2}, "outside the frame's 20 points", [b"\x03\x11"]),
        ({**paint, "class": 5}, "class must be an index in -1 .. 1", three),
        ({**paint, "class": -2}, "class must be", three),
        ({**paint, "class": "car"}, "class must be", three),
        ({**paint, "class": True}, "class must be", three),
        ({**paint, "instance": -1}, "instance must be", three),
        ({**paint, "instance": 1.5}, "instance must be", three),
        ({**paint, "only_unlabelled": "yes"}, "only_unlabelled must be", three),
        ({**paint, "only_classes": "all"}, "only_classes must be", three),
        ({**paint, "only_classes": [0, 9]}, "class must be", three),
        ({**paint, "only_classes": [0] * 10}, "only_classes must be", three),
        ({**paint, "count": 0}, "no point changes", [bytes(3)]),
        ({"type": "accept", "item_id": 0, "scope": "all"}, "has no proposals"),
        ({"type": "undo", "item_id": 0}, "nothing to undo"),
        ({"type": "redo", "item_id": 0}, "nothing to redo"),
    ]


def _confusion_forged(w) -> list:
    return [
        *_item_forgeries(0, "relabel", {"label": 1}),
        ({"type": "relabel", "item_id": 2, "label": 5}, "unknown class"),
        ({"type": "relabel", "item_id": 2, "label": "0"}, "unknown class"),
        ({"type": "relabel", "item_id": 2, "label": None}, "unknown class"),
        ({"type": "open_cell", "row": 2, "col": 0}, "class index"),
        ({"type": "open_cell", "row": -1, "col": 0}, "class index"),
        ({"type": "open_cell", "row": "0", "col": 0}, "class index"),
        ({"type": "open_cell", "row": 0, "col": True}, "class index"),
        ({"type": "open_cell", "row": 0, "col": 0, "first": -1}, "first must be"),
        ({"type": "open_cell", "row": 0, "col": 0, "first": 10**9}, "first must be"),
        ({"type": "open_issues"}, "no probabilities"),
    ]


def _agreement_forged(w) -> list:
    return [
        ({"type": "adjudicate", "item_id": [2]}, "unknown item id"),
        ({"type": "adjudicate", "item_id": {"id": 2}}, "unknown item id"),
        ({"type": "adjudicate", "item_id": True}, "unknown item id"),
        ({"type": "adjudicate", "item_id": 2.5}, "unknown item id"),
    ]


def _hallucination_forged(w) -> list:
    first = w.order[0]
    span = {"model": "text", "token_start": 0, "token_end": 1, "category": "object"}
    return [
        *_item_forgeries(first, "flag", span),
        ({"type": "flag", "item_id": first, **span, "model": "gpt-9"}, "no text from model"),
        ({"type": "flag", "item_id": first, **span, "token_end": 99}, "not a span"),
        ({"type": "flag", "item_id": first, **span, "token_start": 2, "token_end": 1}, "not a span"),
        ({"type": "flag", "item_id": first, **span, "token_start": -1}, "not a span"),
        ({"type": "flag", "item_id": first, **span, "token_start": "0"}, "not a span"),
        ({"type": "flag", "item_id": first, **span, "category": "vibes"}, "unknown category"),
        ({"type": "flag", "item_id": first, **span, "evidence": {"kind": "box", "box": [0, 0, 999, 5]}}, "not inside"),
        ({"type": "flag", "item_id": first, **span, "evidence": {"kind": "box", "box": [5, 5, 1, 1]}}, "not inside"),
        ({"type": "flag", "item_id": first, **span, "evidence": {"kind": "box", "box": ["0", 0, 1, 1]}}, "finite numbers"),
        ({"type": "flag", "item_id": first, **span, "evidence": "here"}, "evidence must be"),
        ({"type": "unflag", "item_id": first, "flag": 12345}, "no current flag"),
        ({"type": "verdict", "item_id": first, "model": "text", "verdict": "fine"}, "unknown verdict"),
        ({"type": "undo", "item_id": first, "event_id": 1}, "nothing to undo"),
    ]


def _coreference_forged(w) -> list:
    first = w.order[0]  # "a red cat" (words 0-2) over an 80 x 60 image, region r1
    link = {"t0": 1, "t1": 2, "region": "r1"}
    return [
        *_item_forgeries(first, "link", link),
        ({"type": "link", "item_id": first, **link, "t1": 3}, "not a span"),
        ({"type": "link", "item_id": first, **link, "t0": 2, "t1": 1}, "not a span"),
        ({"type": "link", "item_id": first, **link, "t0": "0"}, "not a span"),
        ({"type": "link", "item_id": first, **link, "region": "r9"}, "has no region"),
        ({"type": "link", "item_id": first, **link, "region": ["r1"]}, "has no region"),
        ({"type": "link", "item_id": first, "t0": 0, "t1": 0}, "either a region"),
        ({"type": "link", "item_id": first, "t0": 0, "t1": 0, "box": {"x": 500, "y": 5, "w": 5, "h": 5}}, "outside"),
        ({"type": "link", "item_id": first, "t0": 0, "t1": 0, "box": {"x": 5, "y": 5, "w": -5, "h": 5}}, "positive width"),
        ({"type": "link", "item_id": first, "t0": 0, "t1": 0, "box": {"x": None, "y": 5, "w": 5, "h": 5}}, "finite number"),
        ({"type": "link", "item_id": first, "t0": 0, "t1": 0, "box": {"x": 1, "y": 5, "w": 5, "h": 5, "js": 1}}, "box must be"),
        ({"type": "unlink", "item_id": first, "t0": 0, "t1": 0}, "not a linked mention"),
        ({"type": "accept", "item_id": first, "proposal_ids": ["p9"]}, "no open proposal"),
        ({"type": "reject", "item_id": first, "proposal_ids": "p0"}, "list of 1 to"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
    ]


def _scene_graph_forged(w) -> list:
    first = w.order[0]  # boxes a, b over an 80 x 60 image; predicates on, near; proposal p0: a -> on -> b
    rel = {"subject": "a", "predicate": "near", "object": "b"}
    box = {"id": "h1", "x": 1, "y": 1, "w": 5, "h": 5, "class": "cup", "attributes": []}
    return [
        *_item_forgeries(first, "relate", rel),
        ({"type": "relate", "item_id": first, **rel, "object": "ghost"}, "is not a box of this image"),
        ({"type": "relate", "item_id": first, **rel, "subject": ["a"]}, "is not a box of this image"),
        ({"type": "relate", "item_id": first, **rel, "predicate": "eats"}, "not in the list of predicates"),
        ({"type": "relate", "item_id": first, **rel, "predicate": None}, "not in the list of predicates"),
        ({"type": "relate", "item_id": first, **rel, "object": "a"}, "related to itself"),
        ({"type": "unrelate", "item_id": first, **rel}, "has no relation"),
        ({"type": "add_object", "item_id": first, "object": {**box, "id": "a"}}, "already has a box"),
        ({"type": "add_object", "item_id": first, "object": {**box, "id": "<b>"}}, "object id"),
        ({"type": "add_object", "item_id": first, "object": {**box, "class": "dog"}}, "unknown object class"),
        ({"type": "add_object", "item_id": first, "object": {**box, "x": 500}}, "outside"),
        ({"type": "add_object", "item_id": first, "object": {**box, "w": float("nan")}}, "finite number"),
        ({"type": "add_object", "item_id": first, "object": {**box, "attributes": "red"}}, "attributes must be a list"),
        ({"type": "add_object", "item_id": first, "object": {**box, "attributes": ["x" * 65]}}, "at most 64"),
        ({"type": "add_object", "item_id": first, "object": {**box, "js": 1}}, "object must be"),
        ({"type": "update_object", "item_id": first, "object_id": "zz", "class": "cup"}, "is not a box"),
        ({"type": "update_object", "item_id": first, "object_id": "a"}, "nothing to change"),
        ({"type": "update_object", "item_id": first, "object_id": "a", "x": 1}, "give all of"),
        ({"type": "delete_object", "item_id": first, "object_id": "zz"}, "is not a box"),
        ({"type": "accept", "item_id": first, "proposal_id": "p9"}, "has no proposal"),
        ({"type": "accept", "item_id": first, "proposal_id": "p0", "predicate": "eats"}, "not in the list of predicates"),
        ({"type": "reject", "item_id": first, "proposal_id": ["p0"]}, "has no proposal"),
        ({"type": "accept_object", "item_id": first, "object_id": "ghost"}, "has no proposed box 'ghost'"),
        ({"type": "accept_object", "item_id": first, "object_id": ["m1"]}, "has no proposed box"),
        ({"type": "accept_object", "item_id": first, "object_id": "a"}, "has no proposed box 'a'"),  # a given object
        ({"type": "accept_object", "item_id": w.order[1], "object_id": "m1"}, "has no proposed box 'm1'"),  # item 0's
        ({"type": "reject_object", "item_id": first, "object_id": None}, "has no proposed box"),
        ({"type": "accept_objects", "item_id": first, "object_ids": "m1"}, "object_ids must be a list"),
        ({"type": "accept_objects", "item_id": first, "object_ids": []}, "object_ids must be a list"),
        ({"type": "accept_objects", "item_id": first, "object_ids": ["m1", "m1"]}, "twice"),
        ({"type": "accept_objects", "item_id": first, "object_ids": ["m1", "zz"]}, "has no proposed box 'zz'"),
        ({"type": "add_object", "item_id": first, "object": {**box, "id": "m1"}}, "already has a proposed box"),
        ({"type": "update_object", "item_id": first, "object_id": "a", "x": 1, "y": 1, "w": 5, "h": -5}, "positive width"),
        ({"type": "update_object", "item_id": first, "object_id": "a", "x": 900, "y": 1, "w": 5, "h": 5}, "outside"),
        ({"type": "update_object", "item_id": first, "object_id": "m1", "x": 1, "y": 1, "w": 5, "h": 5}, "is not a box"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
    ]


def _retrieval_forged(w) -> list:
    return [
        ({"type": "judge", "query_id": 7, "item_id": "a", "judgement": "relevant"}, "unknown query id"),
        ({"type": "judge", "query_id": "0", "item_id": "a", "judgement": "relevant"}, "unknown query id"),
        ({"type": "judge", "query_id": 0, "item_id": "zz", "judgement": "relevant"}, "is not a result"),
        ({"type": "judge", "query_id": 0, "item_id": ["a"], "judgement": "relevant"}, "is not a result"),
        ({"type": "judge", "query_id": 0, "item_id": "c", "judgement": "relevant"}, "ranked below k"),
        ({"type": "judge", "query_id": 0, "item_id": "a", "judgement": "yes"}, "unknown judgement"),
        ({"type": "judge", "query_id": 0, "item_id": "a", "judgement": 1}, "unknown judgement"),
        ({"type": "undo", "query_id": 0, "item_id": "a"}, "nothing to undo"),
    ]


def _vqa_forged(w) -> list:
    first = w.order[0]
    return [
        *_item_forgeries(first, "verdict", {"verdict": "wrong"}),
        ({"type": "verdict", "item_id": first, "verdict": "meh"}, "unknown verdict"),
        ({"type": "verdict", "item_id": first, "verdict": "wrong", "corrected": 5}, "must be text"),
        ({"type": "verdict", "item_id": first, "verdict": "wrong", "corrected": "y" * 2001}, "too long"),
        ({"type": "verdict", "item_id": first, "verdict": "correct", "corrected": "blue"}, "needs no correction"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
    ]


def _reasoning_forged(w) -> list:
    first = w.order[0]
    step = {"item_id": first, "model": "model", "step": 0}
    return [
        *_item_forgeries(first, "verdict", {"model": "model", "step": 0, "verdict": "correct"}),
        ({"type": "verdict", **step, "verdict": "meh"}, "unknown verdict"),
        ({"type": "verdict", **step, "model": "other"}, "no chain from model"),
        ({"type": "verdict", **step, "step": 9, "verdict": "correct"}, "no step 9"),
        ({"type": "verdict", **step, "step": "0", "verdict": "correct"}, "no step 0"),
        ({"type": "first_error", **step, "kind": "correct"}, "a first error is one of"),
        ({"type": "box", **step, "box": [0, 0, 81, 10]}, "not inside the 80×60 image"),
        ({"type": "box", **step, "box": [0, 0, "1", 10]}, "finite numbers"),
        ({"type": "box", **step, "step": 1, "box": [0, 0, 5, 5]}, "not a perception step"),
        ({"type": "fix", **step, "text": ["x"]}, "is text"),
        ({"type": "fix", **step, "text": "y" * 5001}, "at most 5000 characters"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
    ]


def _gate_forged(w) -> list:
    first = w.order[0]
    outside = next(i for i in range(40) if i not in w.order)
    return [
        *_item_forgeries(first, "decide", {"verdict": "accept"})[:-1],
        ({"type": "decide", "item_id": outside, "verdict": "accept"}, "not in this gate's sample"),
        ({"type": "decide", "item_id": first, "verdict": "maybe"}, "verdict must be"),
        ({"type": "decide", "item_id": first, "verdict": "reject"}, "needs one of the reason codes"),
        ({"type": "decide", "item_id": first, "verdict": "reject", "reason": "vibes"}, "needs one of the reason codes"),
        ({"type": "decide", "item_id": first, "verdict": "accept", "reason": "duplicate"}, "takes no reason"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
    ]


def _transcript_widget(C, store: AnnotationStore):
    import pandas as pd

    tone = (0.4 * np.sin(np.arange(16000) / 3)).astype(np.float32)
    hyp = pd.DataFrame({"utterance": 0, "index": [0, 1], "text": ["hi", "there"], "start_s": [0.1, 0.5],
                        "end_s": [0.4, 0.9], "confidence": [0.4, 0.8]})
    return C([(tone, 16000)], hyp, store=store)


def _transcript_forged(w) -> list:
    first = w.order[0]
    return [
        *_item_forgeries(first, "text", {"word": "m0", "text": "hey"}),
        ({"type": "text", "item_id": first, "word": {"$ne": None}, "text": "x"}, "no word"),
        ({"type": "text", "item_id": first, "word": "m0", "text": "<b> </b>"}, "space"),
        ({"type": "text", "item_id": first, "word": "m0", "text": "x" * 201}, "longer than"),
        ({"type": "text", "item_id": first, "word": "m0", "text": "a\x00b"}, "control"),
        ({"type": "time", "item_id": first, "word": "m0", "start_s": "0.2"}, "finite time"),
        ({"type": "time", "item_id": first, "word": "m0", "start_s": -1}, "outside the audio"),
        ({"type": "time", "item_id": first, "word": "m0", "end_s": 1e308}, "outside the audio"),
        ({"type": "time", "item_id": first, "word": "m1", "end_s": float("inf")}, "finite time"),
        ({"type": "split", "item_id": first, "word": "m0", "at_s": 0.2, "texts": "ab"}, "texts"),
        ({"type": "split", "item_id": first, "word": "m0", "at_s": 0.2, "new_word": "m1"}, "new_word must be"),
        ({"type": "insert", "item_id": first, "after": "m1", "text": "x", "start_s": 0.95, "end_s": 2.0}, "outside the audio"),
        ({"type": "flag", "item_id": first, "word": "m0", "flag": ["unclear"]}, "flag must be"),
        ({"type": "verdict", "item_id": first, "verdict": "ACCEPT"}, "verdict must be"),
        ({"type": "peaks", "item_id": first, "bucket": 2**21, "start": 0, "count": 1}, "power of two"),
        ({"type": "peaks", "item_id": first, "bucket": 16, "start": 0, "count": 10**6}, "count must be"),
        ({"type": "audio", "item_id": first, "start_s": 0, "end_s": 10**9}, "at most"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
    ]


def _ingestion_widget(C, store):
    items = np.zeros((6, 8, 8), np.uint8)
    items[5] = 255  # unlike the existing items: an outlier
    existing = np.random.default_rng(1).integers(0, 40, (20, 8, 8), dtype=np.uint8)
    return C(items, existing, store=store, classes=["a", "b"], progress=False)


def _ingestion_forged(w) -> list:
    first = w.findings["item"].iloc[0]
    group = w.groups[0]["key"]
    return [
        *_item_forgeries(first, "decide", {"decision": "keep"}),
        ({"type": "decide", "item_id": first, "decision": "maybe"}, "decision must be one of"),
        ({"type": "decide", "item_id": first, "decision": ["keep"]}, "decision must be one of"),
        ({"type": "decide", "item_id": first, "decision": "relabel"}, "is not one of the classes"),
        ({"type": "decide", "item_id": first, "decision": "relabel", "label": "<script>"}, "is not one of the classes"),
        ({"type": "decide", "item_id": first, "decision": "drop", "label": "a"}, "takes no label"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "decide_group", "group": "nope", "decision": "drop"}, "unknown group"),
        ({"type": "decide_group", "group": ["file"], "decision": "drop"}, "unknown group"),
        ({"type": "decide_group", "group": group, "decision": "burn"}, "decision must be one of"),
        ({"type": "undo_group", "group": group}, "nothing to undo"),
        ({"type": "open_group", "group": {"$ne": 1}}, "unknown group"),
        ({"type": "evidence", "item_id": 10_000}, "unknown item id"),
    ]


def _av_align_widget(C, store: AnnotationStore):
    from hitl_widgets.demo.beeps import beep_track

    video = np.zeros((25, 16, 16), np.uint8)  # 1 s at 25 fps, no soundtrack: the recording is given
    return C([video], audio=[(beep_track([0.2, 0.7], 1.0), 16000)], store=store)


def _av_align_forged(w) -> list:
    first = w.order[0]
    return [
        *_item_forgeries(first, "offset", {"offset_s": 0.1}),
        ({"type": "offset", "item_id": first, "offset_s": "0.1"}, "finite time"),
        ({"type": "offset", "item_id": first, "offset_s": float("nan")}, "finite time"),
        ({"type": "offset", "item_id": first, "offset_s": None}, "finite time"),
        ({"type": "offset", "item_id": first, "offset_s": 1e308}, "off the video"),
        ({"type": "offset", "item_id": first, "offset_s": -1.0}, "off the video"),
        ({"type": "mark", "item_id": first, "audio_s": 0.2, "frame": 25}, "outside the video"),
        ({"type": "mark", "item_id": first, "audio_s": 0.2, "frame": "3"}, "int frame index"),
        ({"type": "mark", "item_id": first, "audio_s": 0.2, "frame": True}, "int frame index"),
        ({"type": "mark", "item_id": first, "audio_s": -0.1, "frame": 3}, "outside the recording"),
        ({"type": "mark", "item_id": first, "audio_s": [0.2], "frame": 3}, "finite time"),
        ({"type": "confirm", "item_id": first, "offset_s": 0.5}, "not the current one"),
        ({"type": "confirm", "item_id": first, "offset_s": {"$ne": 0}}, "finite time"),
        ({"type": "peaks", "item_id": first, "bucket": 3, "start": 0, "count": 1}, "power of two"),
        ({"type": "audio", "item_id": first, "start_s": 0, "end_s": 10**9}, "at most"),
        ({"type": "frames", "item_id": first, "frames": [25]}, "outside the video"),
        ({"type": "undo", "item_id": first}, "nothing to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
    ]


def _fusion_forged(w) -> list:
    first = w.order[0]
    gaps = [np.array([3, 1], "<u4").tobytes()]
    return [
        *_item_forgeries(first, "verdict", {"verdict": "camera"}),
        ({"type": "verdict", "item_id": first, "verdict": "CAMERA"}, "verdict must be one of"),
        ({"type": "verdict", "item_id": first, "verdict": ["camera"]}, "verdict must be one of"),
        ({"type": "verdict", "item_id": first, "verdict": "camera", "reason": "x" * 501}, "at most 500"),
        ({"type": "verdict", "item_id": first, "verdict": "camera", "reason": {"$ne": 1}}, "reason must be text"),
        ({"type": "verdict", "item_id": first, "verdict": "camera", "reason": "a\x00b"}, "control characters"),
        ({"type": "undo", "item_id": first}, "no verdict to undo"),
        ({"type": "redo", "item_id": first}, "nothing to redo"),
        ({"type": "select", "frame": 1, "encoding": "delta", "count": 2}, "unknown frame", gaps),
        ({"type": "select", "frame": True, "encoding": "delta", "count": 2}, "unknown frame", gaps),
        ({"type": "select", "frame": 0, "encoding": "delta", "count": 2}, "exactly one binary buffer"),
        ({"type": "select", "frame": 0, "encoding": "rle", "count": 2}, "encoding must be", gaps),
        ({"type": "select", "frame": 0, "encoding": "delta", "count": 3}, "count", gaps),
        ({"type": "select", "frame": 0, "box": [0, 0, float("nan"), 1], "encoding": "delta", "count": 2}, "four finite", gaps),
        ({"type": "select", "frame": 0, "box": "all", "encoding": "delta", "count": 2}, "four finite", gaps),
        ({"type": "select", "frame": 0, "encoding": "delta", "count": 1}, "outside", [np.array([10**6], "<u4").tobytes()]),
    ]


SPECS: dict[str, Spec] = {
    "ClassifyWidget": Spec(
        "hitl_widgets.widgets.classify", "ClassifyWidget",
        lambda C, s: C(IMAGES, classes=list(range(10)), store=s, proposals=[3, 1, 4, 1, 5, 9]),
        lambda w: {"type": "label", "item_id": w.order[0], "label": 1},
        _classify_forged,
    ),
    "LoopPanel": Spec(
        "hitl_widgets.widgets.loop_panel", "LoopPanel",
        lambda C, s: C(on_retrain=Calls()),
        lambda w: {"type": "retrain"},
        lambda w: [({"type": "retrain", "item_id": 0, "client": "c" * 65}, "valid client id")],
    ),
    "TemporalSegmenter": Spec(
        "hitl_widgets.widgets.segmenter", "TemporalSegmenter",
        lambda C, s: C([np.zeros((10, 16, 16), np.uint8)], ["run", "jump"], store=s,
                       proposals=[{"video": 0, "class": "jump", "start_frame": 1, "end_frame": 4, "score": 0.8}]),
        lambda w: {"type": "add", "item_id": w.order[0], "class": "jump", "start_frame": 0, "end_frame": 9},
        _segmenter_forged,
    ),
    "TrackAnnotator": Spec(
        "hitl_widgets.widgets.tracks", "TrackAnnotator",
        _tracks_widget,
        lambda w: {"type": "key", "item_id": w.order[0], "frame": 6, "track": 0, "x": 10, "y": 8, "w": 8, "h": 6},
        _tracks_forged,
    ),
    "BBoxAnnotator": Spec(
        "hitl_widgets.widgets.bbox", "BBoxAnnotator",
        lambda C, s: C(IMAGES, ["cat", "dog"], store=s, proposals={0: [(10, 10, 20, 15, "cat", 0.9)]}),
        lambda w: {"type": "add", "item_id": w.order[0], "boxes": [{"id": "h1", "x": 1, "y": 2, "w": 30, "h": 20, "class": "dog"}]},
        _bbox_forged,
    ),
    "PolygonAnnotator": Spec(
        "hitl_widgets.widgets.polygons", "PolygonAnnotator",
        lambda C, s: C(IMAGES, store=s, classes=["cat", "dog"],
                       proposals={0: [{"class": "cat", "score": 0.9, "polygon": [[5, 5], [30, 5], [20, 25]]}]}),
        lambda w: {"type": "put", "item_id": w.order[0], "edit": "draw",
                   "polygon": {"id": "h1", "class": "dog", "rings": [[[1, 2], [30, 2], [30, 20], [1, 20]]]}},
        _polygons_forged,
    ),
    "SegmentationCanvas": Spec(
        "hitl_widgets.widgets.segmentation", "SegmentationCanvas",
        lambda C, s: C(np.zeros((1, 20, 30), np.uint8), ["sky", "sea"], store=s, assist="flood"),
        lambda w: {"type": "paint", "item_id": w.order[0], "value": 2, "runs": "uint32"},
        _segmentation_forged,
        valid_buffers=lambda w: _runs((1, 2, 5), (3, 0, 30)),
    ),
    "ConfusionDashboard": Spec(
        "hitl_widgets.dashboards.confusion", "ConfusionDashboard",
        lambda C, s: C([0, 1, 1, 0], [0, 1, 0, 0], store=s),
        lambda w: {"type": "relabel", "item_id": 2, "label": 0},
        _confusion_forged,
    ),
    "AgreementDashboard": Spec(
        "hitl_widgets.dashboards.agreement", "AgreementDashboard",
        lambda C, s: _agreement_view(s),
        lambda w: {"type": "adjudicate", "item_id": 2},
        _agreement_forged,
    ),
    "HallucinationFlagger": Spec(
        "hitl_widgets.widgets.hallucination", "HallucinationFlagger",
        lambda C, s: C(IMAGES[:2], ["a red cat", "two dogs"], store=s),
        lambda w: {"type": "flag", "item_id": w.order[0], "model": "text", "token_start": 1, "token_end": 2, "category": "attribute"},
        _hallucination_forged,
    ),
    "CoreferenceLinker": Spec(
        "hitl_widgets.widgets.coreference", "CoreferenceLinker",
        lambda C, s: C(IMAGES[:2], ["a red cat", "two dogs"], store=s, regions={0: [(2, 2, 20, 20, "cat")]},
                       proposals={0: [(2, 9, "r1", 0.8)]}),
        lambda w: {"type": "link", "item_id": w.order[0], "t0": 0, "t1": 2, "region": "r1"},
        _coreference_forged,
    ),
    "SceneGraphAnnotator": Spec(
        "hitl_widgets.widgets.scene_graph", "SceneGraphAnnotator",
        lambda C, s: C(IMAGES[:2], ["cup", "table"], ["on", "near"], store=s, objects=pd.DataFrame(
            {"item": [0, 0], "object_id": ["a", "b"], "x": [2, 30], "y": [2, 2], "w": [20, 20], "h": [20, 20], "class": ["cup", "table"]}),
            proposals=pd.DataFrame({"item": [0], "subject": ["a"], "predicate": ["on"], "object": ["b"], "score": [0.7]}),
            object_proposals=pd.DataFrame({"item": [0], "object_id": ["m1"], "x": [40], "y": [30], "w": [10], "h": [10],
                                           "class": ["cup"], "score": [0.8]})),
        lambda w: {"type": "relate", "item_id": w.order[0], "subject": "a", "predicate": "near", "object": "b"},
        _scene_graph_forged,
    ),
    "RetrievalVerifier": Spec(
        "hitl_widgets.widgets.retrieval", "RetrievalVerifier",
        lambda C, s: C(["a red circle"], {0: ["a", "b", "c"]}, Items(["x", "y", "z"], ids=["a", "b", "c"]), store=s, k=2),
        lambda w: {"type": "judge", "query_id": 0, "item_id": "b", "judgement": "relevant"},
        _retrieval_forged,
    ),
    "VQAReview": Spec(
        "hitl_widgets.widgets.vqa", "VQAReview",
        lambda C, s: C(IMAGES[:2], ["What colour?", "How many?"], ["red", "two"], store=s),
        lambda w: {"type": "verdict", "item_id": w.order[0], "verdict": "wrong", "corrected": "blue"},
        _vqa_forged,
    ),
    "ReasoningChainReview": Spec(
        "hitl_widgets.widgets.reasoning", "ReasoningChainReview",
        lambda C, s: C(IMAGES[:2], [[{"text": "a red cat", "kind": "perception"}, {"text": "so one cat", "kind": "inference"}], ["x"]], store=s),
        lambda w: {"type": "verdict", "item_id": w.order[0], "model": "model", "step": 0, "verdict": "correct"},
        _reasoning_forged,
    ),
    "QualityGate": Spec(
        "hitl_widgets.gates", "QualityGate",
        lambda C, s: C(np.zeros((40, 8, 8), np.uint8), name="b1", sample=10, plan=(10, 1), store=s),
        lambda w: {"type": "decide", "item_id": w.order[0], "verdict": "reject", "reason": "duplicate"},
        _gate_forged,
    ),
    "IngestionReview": Spec(
        "hitl_widgets.widgets.ingestion", "IngestionReview",
        _ingestion_widget,
        lambda w: {"type": "decide", "item_id": w.findings["item"].iloc[0], "decision": "drop"},
        _ingestion_forged,
    ),
    "TranscriptReview": Spec(
        "hitl_widgets.widgets.transcript", "TranscriptReview",
        _transcript_widget,
        lambda w: {"type": "text", "item_id": w.order[0], "word": "m1", "text": "where"},
        _transcript_forged,
    ),
    "AVAlignReview": Spec(
        "hitl_widgets.widgets.av_align", "AVAlignReview",
        _av_align_widget,
        lambda w: {"type": "offset", "item_id": w.order[0], "offset_s": 0.12},
        _av_align_forged,
    ),
    "PointCloudAnnotator": Spec(
        "hitl_widgets.widgets.pointcloud", "PointCloudAnnotator",
        lambda C, s: C(POINTS, ["ground", "car"], store=s),
        lambda w: {"type": "paint", "item_id": 0, "class": 1, "encoding": "bitmask", "count": 3},
        _pointcloud_forged,
        valid_buffers=lambda w: _bits(0, 5, 19),
    ),
    "SensorFusionReview": Spec(
        "hitl_widgets.widgets.fusion", "SensorFusionReview",
        lambda C, s: C(__import__("hitl_widgets.demo.fusion", fromlist=["tiny_frame"]).tiny_frame(), store=s),
        lambda w: {"type": "verdict", "item_id": w.order[0], "verdict": "lidar", "reason": "a pedestrian"},
        _fusion_forged,
    ),
}


def _importable() -> dict[str, Any]:
    out = {}
    for name, spec in SPECS.items():
        try:
            out[name] = getattr(importlib.import_module(spec.module), spec.cls)
        except (ImportError, AttributeError):
            pass
    return out


CLASSES = _importable()

# wrong envelope / unknown commands / sizes: the same for every widget
def _nested(depth: int) -> list:
    out: list = []
    for _ in range(depth):
        out = [out]
    return out


COMMON: list[tuple[Any, str]] = [
    (["label", 0], "malformed message"),
    ("label", "malformed message"),
    (None, "malformed message"),
    (42, "malformed message"),
    ({}, "malformed message"),
    ({"type": 5}, "malformed message"),
    ({"type": None, "item_id": 0}, "malformed message"),
    ({"type": "drop_table"}, "unknown command"),
    ({"type": "__init__"}, "unknown command"),
    ({"type": "_dispatch"}, "unknown command"),
    ({"type": "eval", "code": "import os; os.remove('hitl.db')"}, "unknown command"),
    ({"type": "x" * 10_000}, "unknown command"),
    ({"type": "retrain", "payload": HUGE}, "too large"),
    ({"type": "label", "blob": ["y" * 1000] * 300}, "too large"),
    # a lone surrogate is valid JSON but no reply could carry it: the ack failed after the store wrote
    ({"type": "label", "item_id": "\ud800", "client": "c", "seq": 1}, "not valid Unicode"),
    ({"type": "\udfff"}, "not valid Unicode"),
    ({"type": "label", "client": "\ud800", "seq": 1, "label": "x"}, "not valid Unicode"),
    ({"type": "label", "deep": _nested(5000)}, "too large"),  # too deep to measure: RecursionError escaped
]


class Harness:
    def __init__(self, name: str, store: AnnotationStore):
        spec = SPECS[name]
        self.spec, self.store = spec, store
        self.w = spec.make(CLASSES[name], store)
        self.sent: list[dict] = []
        self.w.send = lambda content, buffers=None: self.sent.append(content)
        self._seq = itertools.count(1)

    def changes(self) -> int:
        """What a message could have changed: the store's events, and callback calls (LoopPanel's
        retrain, the agreement view's adjudication)."""
        calls = sum(
            cb.calls for cb in (getattr(self.w, "_on_retrain", None), getattr(self.w, "_on_adjudicate_cb", None))
            if isinstance(cb, Calls)
        )
        return len(self.store.events()) + calls

    def deliver(self, content: Any, envelope: bool = True, buffers: list | None = None) -> dict:
        if envelope and isinstance(content, dict) and isinstance(content.get("type"), str) and content["type"] != "fetch":
            content = {"client": "forger", "seq": next(self._seq), **content}
        before = len(self.sent)
        self.w._dispatch(self.w, content, list(buffers or []))
        answers = [r for r in self.sent[before:] if r.get("type") in ("ack", "refused")]  # not pushed media
        assert len(answers) == 1, self.sent[before:]
        return answers[0]

    def deliver_valid(self) -> dict:
        return self.deliver(self.spec.valid(self.w), buffers=self.spec.valid_buffers(self.w))


@pytest.fixture
def memory_store():
    return AnnotationStore(":memory:", annotator="ada")


def test_every_table_entry_imports():
    assert sorted(CLASSES) == sorted(SPECS), f"not importable: {sorted(set(SPECS) - set(CLASSES))}"


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_valid_message_is_acknowledged_and_stored(name, memory_store):
    """The control: the harness does see an accepted message change the store."""
    h = Harness(name, memory_store)
    before = h.changes()
    reply = h.deliver_valid()
    assert reply["type"] == "ack", reply
    assert h.changes() == before + 1
    assert h.w.refused == []


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_common_forgeries_are_refused(name, memory_store):
    h = Harness(name, memory_store)
    before = h.changes()
    for n, (content, expected) in enumerate(COMMON):
        reply = h.deliver(content, envelope=False)
        assert reply["type"] == "refused", (content, reply)
        assert expected in reply["message"], (content, reply["message"])
        assert len(h.w.refused) == n + 1 and h.w.refused[-1]["message"] == reply["message"]
        assert h.changes() == before, content
    # an intent without a valid client id / sequence number (the retry key) is refused too
    valid = h.spec.valid(h.w)
    for envelope in ({}, {"client": "c"}, {"client": "c", "seq": "1"}, {"client": "c", "seq": True},
                     {"client": "", "seq": 1}, {"client": 7, "seq": 1}, {"client": "c" * 65, "seq": 1}):
        reply = h.deliver({**valid, **envelope}, envelope=False, buffers=h.spec.valid_buffers(h.w))
        assert reply["type"] == "refused" and "valid client id" in reply["message"], (envelope, reply)
    assert h.changes() == before


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_widget_specific_forgeries_are_refused(name, memory_store):
    """Wrong types, unknown ids, out-of-range coordinates, oversized fields."""
    h = Harness(name, memory_store)
    before = h.changes()
    forged = h.spec.forged(h.w)
    assert forged
    for content, expected, *buffers in forged:
        n_refused = len(h.w.refused)
        reply = h.deliver(content, buffers=buffers[0] if buffers else None)
        assert reply["type"] == "refused", (content, reply)
        assert expected in reply["message"], (str(content)[:200], reply["message"])
        assert len(h.w.refused) == n_refused + 1
        assert h.changes() == before, str(content)[:200]
    # after all that the widget still works
    assert h.deliver_valid()["type"] == "ack"
    assert h.changes() == before + 1


@pytest.mark.parametrize("name", sorted(n for n, C in CLASSES.items() if "order" in getattr(C, "_intents", {})))
def test_forged_order_windows_are_refused(name, memory_store):
    """Every review widget refuses a malformed window request (nothing sent but the refusal, nothing
    stored), and answers a well-formed one with ids of its queue."""
    h = Harness(name, memory_store)
    before = h.changes()
    for content, expected in ORDER_FORGERIES:
        n_sent = len(h.sent)
        reply = h.deliver(content, envelope=False)
        assert reply["type"] == "refused" and expected in reply["message"], (str(content)[:100], reply)
        assert [m["type"] for m in h.sent[n_sent:]] == ["refused"]  # no window went out
    assert h.changes() == before
    h.w._dispatch(h.w, {"type": "order", "start": 0, "count": 2}, [])
    assert h.sent[-1]["type"] == "order" and h.sent[-1]["ids"] == list(h.w.order[:2])
    h.w._dispatch(h.w, {"type": "order", "find": h.w.order[-1]}, [])
    assert h.sent[-1]["position"] == len(h.w.order) - 1 and h.sent[-1]["find"] == h.w.order[-1]


def test_forged_messages_change_nothing_on_postgresql(request):
    """The same refusals on a PostgreSQL store (nothing written, the table stays empty)."""
    from store_backends import fresh_postgres_url

    with fresh_postgres_url() as url:
        store = AnnotationStore(url, annotator="ada")
        try:
            h = Harness("ClassifyWidget", store)
            for content, _ in COMMON + _classify_forged(h.w):
                assert h.deliver(content, envelope=isinstance(content, dict))["type"] == "refused"
            assert store.events().empty
            assert h.deliver(h.spec.valid(h.w))["type"] == "ack"
            assert len(store.events()) == 1
        finally:
            store.engine.dispose()


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_the_view_cannot_set_the_kernels_traits(name, memory_store):
    """A browser's "update" of a synced trait other than the view's own settings (position, ...) was
    applied: {"task", "annotator", "classes"} changed where and as whom the next label was stored,
    and which classes it might be. They are dropped now, and listed in ``refused``."""
    h = Harness(name, memory_store)
    w = h.w
    forged = {k: v for k, v in {"task": "somebody_elses", "annotator": "mallory", "classes": ["<img>"], "k": 99,
                                "mode": "instance", "n_done": 10**6, "version": "0"}.items() if w.has_trait(k)}
    before, n_changes = {k: getattr(w, k) for k in forged}, h.changes()
    w.set_state(forged)
    assert {k: getattr(w, k) for k in forged} == before
    assert w.refused[-1]["intent"] == "update" and "the view may not set" in w.refused[-1]["message"]
    reply = h.deliver_valid()
    assert reply["type"] == "ack", reply
    assert h.changes() == n_changes + 1
    if w.has_trait("task"):
        events = memory_store.events()
        assert (events["task"] == w.task).all() and (events["annotator"] == "ada").all()
    if w.has_trait("position") and len(getattr(w, "order", [])) > 1:
        w.set_state({"position": 1, "_position_order": w.order_window["version"]})
        assert w.position == 1  # the view's own trait still applies
