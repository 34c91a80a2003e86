"""Every widget in JupyterLab's dark theme: dark surfaces, light text, readable buttons.

The widgets take their colours from JupyterLab's --jp-* variables (js/src/lib/theme.css), with light
fallbacks for other hosts; this test fails if a widget's root, its buttons or its texts fall back to
the light colours (or to a contrast too low to read) under "JupyterLab Dark"."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SETUP = """
import numpy as np, pandas as pd, hitl_widgets as hw
rng = np.random.default_rng(0)
images = rng.integers(0, 255, (60, 24, 24), dtype=np.uint8)
store = hw.AnnotationStore(":memory:")
y = rng.integers(0, 3, 60)
p = np.where(rng.random(60) < 0.8, y, (y + 1) % 3)
rows = [(i, a, ["x", "y", "z"][int(v)]) for a in ("ann", "bob") for i, v in enumerate(np.where(rng.random(60) < 0.9, y, p))]
items = hw.Items(["a cat", "a dog", "a bird", "a fish"], ids=["t0", "t1", "t2", "t3"])
tone = (0.4 * np.sin(np.arange(16000) / 3)).astype(np.float32)
words = pd.DataFrame({"utterance": 0, "index": [0, 1], "text": ["a", "tone"], "start_s": [0.1, 0.5], "end_s": [0.4, 0.9], "confidence": [0.3, 0.9]})
"""
WIDGETS = {
    "hitl-classify": "hw.ClassifyWidget(images, classes=['x', 'y', 'z'], store=store, task='c')",
    "hitl-bbox": "hw.BBoxAnnotator(images, classes=['x', 'y'], store=store, task='b')",
    "hitl-segmentation": "hw.SegmentationCanvas(images, classes=['x', 'y'], store=store, task='s', assist='flood')",
    "hitl-polygons": "hw.PolygonAnnotator(images, store=store, task='poly', classes=['x', 'y'])",
    "hitl-retrieval": "hw.RetrievalVerifier(['pets'], {0: ['t0', 't1', 't2', 't3']}, items, store=store)",
    "hitl-hallucination": "hw.HallucinationFlagger(images[:4], ['a grey square'] * 4, store=store)",
    "hitl-coreference": "hw.CoreferenceLinker(images[:4], ['a grey square'] * 4, store=store, regions={0: [(2, 2, 10, 10, 'square')]})",
    "hitl-scene-graph": "hw.SceneGraphAnnotator(images[:4], ['x', 'y'], ['on', 'near'], store=store, task='sg', objects=pd.DataFrame("
                        "{'item': [0, 0], 'object_id': ['a', 'b'], 'x': [2, 12], 'y': 2, 'w': 8, 'h': 8, 'class': ['x', 'y']}))",
    "hitl-vqa": "hw.VQAReview(images[:4], ['what is it?'] * 4, ['a square'] * 4, store=store)",
    "hitl-reasoning": "hw.ReasoningChainReview(images[:4], [['a grey square', 'so one square']] * 4, questions=['how many?'] * 4, store=store, task='rc')",
    "hitl-confusion": "hw.ConfusionDashboard(y, p, items=images, store=store, task='cm')",
    "hitl-agreement": "hw.AgreementDashboard(pd.DataFrame(rows, columns=['item', 'annotator', 'label']), task='ag', store=store, n_boot=50)",
    "hitl-gate": "hw.QualityGate(images, name='g', sample=6, plan=(6, 1), reasons=['blurry'], store=store)",
    "hitl-segmenter": "hw.TemporalSegmenter([rng.integers(0, 255, (20, 24, 24), dtype=np.uint8)], classes=['x', 'y'], store=store, task='seg')",
    "hitl-transcript": "hw.TranscriptReview([(tone, 16000)], words, store=store, task='asr')",
    "hitl-avalign": "hw.AVAlignReview([rng.integers(0, 255, (20, 24, 24), dtype=np.uint8)], audio=[(tone, 16000)], store=store, task='av')",
    "hitl-tracks": "hw.TrackAnnotator([rng.integers(0, 255, (20, 24, 24), dtype=np.uint8)], classes=['x', 'y'], store=store, task='tr')",
    "hitl-ingestion": "hw.IngestionReview(images[:8], images[8:40], store=store, task='ing', classes=['x', 'y'], progress=False)",
    "hitl-fusion": "hw.SensorFusionReview(__import__('hitl_widgets.demo.fusion', fromlist=['tiny_frame']).tiny_frame(), store=store, task='fu')",
    "hitl-bias": "hw.BiasAudit(y, p, pd.DataFrame({'site': np.repeat(['a', 'b', 'c'], 20)}), metrics=('accuracy',), store=store, items=images, task='bias', min_group_size=5)",
}

COLOURS = """(root) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  // the colour actually behind an element: the first ancestor (or itself) with an opaque background
  const behind = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m); return (x + 0.05) / (y + 0.05); };
  const texts = [...root.querySelectorAll('button, .hitl-position, .hitl-progress, .hitl-title, .hitl-status-saved')]
    .filter((e) => e.offsetParent !== null && e.textContent.trim());
  return {
    background: behind(root),
    colour: rgb(getComputedStyle(root).color).slice(0, 3),
    worst: texts.length ? Math.min(...texts.map((e) => contrast(rgb(getComputedStyle(e).color).slice(0, 3), behind(e)))) : null,
    worstText: texts.map((e) => [e.className, contrast(rgb(getComputedStyle(e).color).slice(0, 3), behind(e))]).sort((a, b) => a[1] - b[1])[0] ?? null,
    count: texts.length,
  };
}"""


def test_every_widget_follows_the_dark_theme(lab):
    cells = [SETUP] + list(WIDGETS.values())
    lab.open(lab.new_notebook("dark.ipynb", cells))
    lab.set_theme("JupyterLab Dark")
    lab.run_all()
    for cls in WIDGETS:
        expect(lab.page.locator(f".hitl-root.{cls}").first).to_be_visible(timeout=60_000)
    lab.wait_idle()
    lab.page.wait_for_timeout(500)  # the widgets' first items and charts land
    for cls in WIDGETS:
        root = lab.page.locator(f".hitl-root.{cls}").first  # (the agreement dashboard holds a classify view too)
        c = root.evaluate(COLOURS)
        assert sum(c["background"]) / 3 < 100, (cls, c)  # a dark surface, not the light fallback
        assert sum(c["colour"]) / 3 > 150, (cls, c)  # light text on it
        assert c["count"] > 0, (cls, c)  # it has buttons or header texts to check
        assert c["worst"] >= 3.0, (cls, c)  # every button and header text readable (WCAG large-text 3:1)
    lab.screenshot("all-widgets-dark.png")
