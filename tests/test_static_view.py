"""Static cards in the widgets' MIME bundles: what nbconvert, GitHub and a PDF show where the live
view cannot run. The live view is always there; the card is escaped text and pictures."""
from __future__ import annotations

import base64
import io
import logging
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

import hitl_widgets as hw
from hitl_widgets.widgets.loop_panel import LoopPanel

IMG = '<img src=x onerror="window.__xss=1">'
VIEW = "application/vnd.jupyter.widget-view+json"


def bundle_of(widget) -> dict:
    bundle = widget._repr_mimebundle_()
    return bundle[0] if isinstance(bundle, tuple) else bundle


def pictures(html: str) -> list[np.ndarray]:
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(b))).convert("RGB"))
            for b in re.findall(r"src='data:image/(?:png|jpeg);base64,([^']+)'", html)]


@pytest.fixture
def store():
    return hw.AnnotationStore(":memory:", annotator="ada")


def test_classify_card_counts_labels_and_escapes(store):
    w = hw.ClassifyWidget(["first text", "second text", "third"], [IMG, "dog"], store=store, task="t")
    w.record_label(0, IMG)
    w.record_label(1, "dog")
    html = bundle_of(w)["text/html"]
    assert VIEW in bundle_of(w)  # the live view stays first
    assert IMG not in html and "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt; 1" in html
    assert "2 items" in html and "done</th><td style='padding:1px 0'>2 of 3" in html
    assert "first text" in html  # the current item's text


def test_bbox_card_draws_the_current_boxes(store):
    image = np.full((60, 80, 3), 128, np.uint8)
    w = hw.BBoxAnnotator([image, image], ["cat", "dog"], store=store, task="b")
    plain = pictures(bundle_of(w)["text/html"])[0]
    w.set_boxes(0, [(10, 10, 30, 20, "cat")])
    html = bundle_of(w)["text/html"]
    assert "1 on 1 items" in html
    drawn = pictures(html)[0]
    assert plain.shape == drawn.shape and drawn.shape[1] == 240  # scaled up to the thumbnail size
    edge = drawn[30, 30:150].astype(int)  # the box's top edge (y=10 → 30 at scale 3)
    assert np.abs(edge - 128).max() > 60 and np.abs(plain[30, 30:150].astype(int) - 128).max() < 10


def test_segmentation_card_tints_the_mask(store):
    image = np.full((20, 20, 3), 200, np.uint8)
    w = hw.SegmentationCanvas([image], ["sky", "sea"], store=store, task="s")
    mask = np.zeros((20, 20), np.int64)
    mask[:10] = 1
    w.set_mask(0, mask)
    picture = pictures(bundle_of(w)["text/html"])[0].astype(int)
    assert "1 items painted" in bundle_of(w)["text/html"]
    top, bottom = picture[:100].mean(axis=(0, 1)), picture[140:].mean(axis=(0, 1))
    assert np.abs(bottom - 200).max() < 8 and np.abs(top - bottom).max() > 40


def test_dashboard_cards_hold_their_numbers():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.where(rng.random(200) < 0.8, y, 1 - y)
    confusion = hw.ConfusionDashboard(np.array(["no", IMG])[y], np.array(["no", IMG])[p], store=hw.AnnotationStore(":memory:"))
    html = bundle_of(confusion)["text/html"]
    m = confusion.matrix_df.to_numpy()
    assert IMG not in html and all(f">{int(v)}</td>" in html for v in m.ravel())
    audit = hw.BiasAudit(y, p, pd.DataFrame({"site": np.where(rng.random(200) < 0.5, "a", IMG)}), n_boot=50)
    html = bundle_of(audit)["text/html"]
    assert IMG not in html and f"{audit.by_group['accuracy'].iloc[0]:.3f}" in html
    labels = pd.DataFrame({"item": np.repeat(np.arange(20), 2), "annotator": ["x", "y"] * 20,
                           "label": [str(v) for v in rng.integers(0, 2, 40)]})
    agreement = hw.AgreementDashboard(labels, task="a", n_boot=50)
    html = bundle_of(agreement)["text/html"]
    assert f"{agreement.overall['estimate'].iloc[0]:.3f}" in html and "Cohen&#x27;s kappa" in html


def test_learning_curve_card_is_an_svg_picture():
    panel = LoopPanel()
    assert "rounds</th><td style='padding:1px 0'>0" in bundle_of(panel)["text/html"]
    panel.history = [{"n_labels": 20, "accuracy": 0.5, "macro_f1": 0.4}, {"n_labels": 30, "accuracy": 0.7, "macro_f1": 0.6}]
    panel.baselines = {IMG: [[20, 0.5], [30, 0.55]]}
    html = bundle_of(panel)["text/html"]
    svg = base64.b64decode(re.search(r"data:image/svg\+xml;base64,([^']+)", html)[1]).decode()
    assert svg.count("<polyline") == 3 and "stroke-dasharray" in svg and IMG not in svg and "<script" not in svg
    assert "n_labels 30, accuracy 0.700, macro_f1 0.600" in html


def test_a_failing_card_leaves_the_live_view(store, monkeypatch, caplog):
    w = hw.ClassifyWidget(["a"], ["x"], store=store)
    monkeypatch.setattr(type(w), "_static_card", lambda self: 1 / 0)
    with caplog.at_level(logging.WARNING, logger="hitl_widgets.static"):
        bundle = bundle_of(w)
    assert VIEW in bundle and "text/html" not in bundle and "no static view for ClassifyWidget" in caplog.text
