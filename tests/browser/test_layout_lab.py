"""Every widget with awkward real data, at 1400×900, in the light and the dark theme: nothing runs out
of its widget, the specific layout fixes of issue 16 hold, and a screenshot of each widget per theme is
saved under test-artifacts/screenshots/ (git-ignored) for a person to look at.

Awkward data: a 10,000-character text item, 300-character class / reason names, a long VQA question,
a bias audit of 40 intersectional groups × every metric in a 950 px box, long annotator and class names
in the dashboards. One JupyterLab, one notebook with all the widgets, the theme switched once."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

SETUP = r'''
import numpy as np, pandas as pd, ipywidgets, hitl_widgets as hw
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
rng = np.random.default_rng(0)
LONG_TEXT = " ".join(f"word{k} lorem ipsum dolor sit amet" for k in range(360))[:10_000]
LONG_CLASS = "a class name that goes on and on " * 9 + "end"   # 300 characters
LONG_CLASS = LONG_CLASS[:300]
LONG_QUESTION = ("Looking closely at the left half of the picture, ignoring the frame and the shadow, "
                 "what colour is the object that is partly hidden behind the larger square, and is it "
                 "the same colour as the one in the top right corner of the picture? ") * 3
yy, xx = np.mgrid[0:120, 0:180]
photos = np.stack([np.stack([(xx * 1.4 + k * 20) % 255, (yy * 2 + k * 9) % 255, np.full_like(xx, 40 * k % 255)], -1)
                   for k in range(8)]).astype(np.uint8)  # 8 images 180 wide, 120 high
store = hw.AnnotationStore(":memory:")
texts = hw.Items([LONG_TEXT, "a short one", "another"], ids=["long", "short", "other"])
y = rng.integers(0, 4, 400)
p = np.where(rng.random(400) < 0.75, y, (y + rng.integers(1, 4, 400)) % 4)
p[:40] = (y[:40] + 1) % 4   # one error cell of 12+ next to cells of 1
names = np.array(["cat", "dog", "bird", "a rather long class name for the confusion matrix"])
'''

WIDGETS = {
    "hitl-classify": "hw.ClassifyWidget(texts, classes=[LONG_CLASS, 'b', 'c'], store=store, task='c')",
    "hitl-bbox": "hw.BBoxAnnotator(photos, classes=[LONG_CLASS, 'cup', 'face'], store=store, task='b')",
    "hitl-segmentation": "hw.SegmentationCanvas(photos, classes=[LONG_CLASS, 'sky'], store=store, task='s')",
    "hitl-gate": "hw.QualityGate(photos, name='g', sample=6, plan=(6, 1), reasons=[LONG_CLASS, 'blurry'], store=store)",
    "hitl-vqa": "hw.VQAReview(photos[:4], [LONG_QUESTION] * 4, ['red'] * 4, store=store)",
    "hitl-retrieval": (
        "hw.RetrievalVerifier(['a query ' + LONG_TEXT[:400]], {0: [f'i{k}' for k in range(8)]},"
        " hw.Items(list(photos), ids=[f'i{k}' for k in range(8)]), store=store)"
    ),
    "hitl-hallucination": "hw.HallucinationFlagger(photos[:4], [LONG_TEXT[:3000]] * 4, store=store, categories=[LONG_CLASS[:100], 'object'])",
    "hitl-coreference": "hw.CoreferenceLinker(photos[:4], [LONG_TEXT[:3000]] * 4, store=store, regions={0: [(5, 5, 60, 40, LONG_CLASS)]})",
    "hitl-scene-graph": (
        "hw.SceneGraphAnnotator(photos[:4], [LONG_CLASS, 'cup'], [LONG_CLASS[:64], 'on'], store=store, task='sg',"
        " objects=pd.DataFrame({'item': [0, 0], 'object_id': ['a', 'b'], 'x': [5, 80], 'y': 5, 'w': 60, 'h': 40,"
        " 'class': [LONG_CLASS, 'cup'], 'attributes': [[LONG_CLASS[:64]], []]}),"
        " proposals=pd.DataFrame({'item': [0], 'subject': ['a'], 'predicate': [LONG_CLASS[:64]], 'object': ['b']}))"
    ),
    "hitl-confusion": "hw.ConfusionDashboard(names[y], names[p], items=np.repeat(photos, 50, 0), store=store, task='cm')",
    "hitl-agreement": (
        "hw.AgreementDashboard(pd.DataFrame([(i, a, ['x', 'y', LONG_CLASS][int(v)]) for a in"
        " ('ann', 'bob', 'a very long annotator name, really quite long') for i, v in"
        " enumerate(np.where(rng.random(60) < 0.8, y[:60] % 3, p[:60] % 3))], columns=['item', 'annotator', 'label']),"
        " task='ag', store=store, n_boot=50)"
    ),
    "hitl-bias": (
        "audit = hw.BiasAudit(y % 2, p % 2, pd.DataFrame({'site': rng.choice(['north', 'south', 'east', 'west'], 400),"
        " 'sex': rng.choice(['f', 'm'], 400), 'age': rng.choice(['18-29', '30-44', '45-59', '60-74', '75+'], 400)}),"
        " store=store, items=np.repeat(photos, 50, 0), task='bias', min_group_size=5, n_boot=200)\n"
        "audit.layout.width = '950px'  # the box of the report\n"
        "audit"
    ),
    "hitl-loop-panel": (
        "X, t = load_digits(return_X_y=True)\n"
        "loop = hw.ActiveLearningLoop(LogisticRegression(max_iter=300), X[:300], items=X[:300].reshape(-1, 8, 8) / 16,"
        " test=(X[1000:1300], t[1000:1300]), batch_size=20)\n"
        "history = loop.simulate(t[:300], 100)\n"
        "loop.add_baseline('random sampling', history.assign(accuracy=history['accuracy'] - 0.05))\n"
        "loop"
    ),
    "hitl-yesno": "hw.YesNoReview(photos[:4], question=LONG_QUESTION, store=store)",
}

# Descendants whose visible part (after clipping by scrolling/clipping boxes inside the root) lies
# outside the root; and the root against its cell's output area.
OVERFLOW = """(root) => {
  const r = root.getBoundingClientRect();
  const out = root.closest('.jp-OutputArea-output').getBoundingClientRect();
  const bad = [];
  for (const el of root.querySelectorAll('*')) {
    const b = el.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) continue;
    let [x0, y0, x1, y1] = [b.left, b.top, b.right, b.bottom];
    for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
      const cs = getComputedStyle(a);
      const c = a.getBoundingClientRect();
      if (cs.overflowX !== 'visible') { x0 = Math.max(x0, c.left); x1 = Math.min(x1, c.right); }
      if (cs.overflowY !== 'visible') { y0 = Math.max(y0, c.top); y1 = Math.min(y1, c.bottom); }
    }
    if (x1 <= x0 || y1 <= y0) continue;  // scrolled out of sight inside a box of the widget
    if (x0 < r.left - 1 || y0 < r.top - 1 || x1 > r.right + 1 || y1 > r.bottom + 1) {
      bad.push(`${el.tagName}.${String(el.className.baseVal ?? el.className).slice(0, 40)} ` +
               `[${x0 | 0}, ${y0 | 0}, ${x1 | 0}, ${y1 | 0}] outside [${r.left | 0}, ${r.top | 0}, ${r.right | 0}, ${r.bottom | 0}]`);
    }
  }
  return {
    bad: bad.slice(0, 8), nBad: bad.length,
    width: r.width, outWidth: out.width, right: r.right, outRight: out.right,
    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, count: root.querySelectorAll('*').length,
  };
}"""

# WCAG contrast of the text of every coloured cell (heatmaps, flagged bias cells) on its background
CONTRAST = """(root) => {
  // a computed colour as [[r, g, b], alpha]: rgb(), rgba(), color(srgb r g b / a) (Chromium's color-mix)
  const parse = (s) => {
    const m = (s.match(/[\\d.]+/g) || []).map(Number);
    if (s.startsWith('color(srgb')) return [m.slice(0, 3).map((v) => v * 255), s.includes('/') ? m[3] : 1];
    return [m.slice(0, 3), s.startsWith('rgba') ? m[3] : 1];
  };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m); return (x + 0.05) / (y + 0.05); };
  // the colour behind an element: its own and its ancestors' backgrounds composited down to an opaque one
  const behind = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const [c, a] = parse(getComputedStyle(e).backgroundColor);
      if (a > 0) { layers.push([c, a]); if (a >= 1) break; }
    }
    let out = [255, 255, 255];
    for (const [c, a] of layers.reverse()) out = out.map((v, k) => c[k] * a + v * (1 - a));
    return out;
  };
  const cells = [...root.querySelectorAll('.hitl-heat-cell, td.hitl-flagged, td.hitl-flagged .hitl-ci')]
    .filter((e) => e.textContent.trim());
  const all = cells.map((e) => [e.textContent.trim().slice(0, 20), ratio(parse(getComputedStyle(e).color)[0], behind(e))]);
  all.sort((a, b) => a[1] - b[1]);
  return { n: all.length, worst: all[0] ?? null };
}"""


def check_layout(root, cls):
    root.scroll_into_view_if_needed()
    o = root.evaluate(OVERFLOW)
    assert o["count"] > 5, (cls, o)  # the widget rendered its parts
    assert o["nBad"] == 0, (cls, o["bad"])  # nothing runs out of the widget
    assert o["width"] <= o["outWidth"] + 1 and o["right"] <= o["outRight"] + 1, (cls, o)  # inside its cell
    assert o["scrollWidth"] <= o["clientWidth"] + 1, (cls, o)  # no horizontal overflow in the root


def check_specifics(page, theme):
    """The fixes of issue 16 items 10, 11 and 13, measured in the page."""
    classify = page.locator(".hitl-root.hitl-classify").first
    # 11: a 10,000-character item scrolls in a capped box (it made the widget ~2,800 px tall)
    text = classify.locator(".hitl-text")
    expect(text).to_contain_text("word0 lorem ipsum")
    box = classify.bounding_box()
    assert box["height"] < 700, box
    assert text.evaluate("(e) => e.scrollHeight > e.clientHeight + 100"), "the long text scrolls in its box"
    # 11: a 300-character class button ends in … inside the widget, its whole name in the title
    button = classify.locator("button.hitl-class").first
    assert button.get_attribute("title") == LONG_CLASS
    b = button.evaluate("(e) => ({over: e.scrollWidth > e.clientWidth, ellipsis: getComputedStyle(e).textOverflow,"
                        " w: e.getBoundingClientRect().width})")
    assert b["over"] and b["ellipsis"] == "ellipsis" and b["w"] < 400, b
    for cls in ("hitl-bbox", "hitl-segmentation"):  # the class bars of the canvas editors
        eb = page.locator(f".hitl-root.{cls} button.hitl-class").first
        assert eb.get_attribute("title") == LONG_CLASS
        assert eb.evaluate("(e) => e.scrollWidth > e.clientWidth && e.getBoundingClientRect().width < 400")
    reason = page.locator(".hitl-root.hitl-gate button.hitl-reason").first
    assert reason.get_attribute("title") == LONG_CLASS
    # 11: the VQA image beside a long question keeps a minimum size and its aspect ratio (was a 105 px strip)
    vqa = page.locator(".hitl-root.hitl-vqa").first
    expect(vqa.locator(".hitl-question")).to_contain_text("Looking closely")
    img = vqa.locator(".hitl-vqa-image canvas").evaluate(
        "(c) => { const r = c.getBoundingClientRect(); return {w: r.width, h: r.height, aspect: c.width / c.height}; }")
    assert img["w"] >= 200, img
    assert abs(img["w"] / img["h"] - img["aspect"]) < 0.03 * img["aspect"], img
    assert abs(img["aspect"] - 1.5) < 0.02, img  # the 180×120 photo
    # 10: the bias table fits its 950 px box; the errors column is in sight without scrolling
    bias = page.locator(".hitl-root.hitl-bias").first
    fit = bias.evaluate("""(root) => {
      const box = root.querySelector('.hitl-bias-scroll').getBoundingClientRect();
      const th = [...root.querySelectorAll('th')].find((e) => e.textContent === 'errors').getBoundingClientRect();
      const td = root.querySelector('tr.hitl-bias-row td.hitl-errors').getBoundingClientRect();
      const table = root.querySelector('table');
      return {root: root.getBoundingClientRect().width, boxLeft: box.left, boxRight: box.right,
              th: [th.left, th.right], td: [td.left, td.right], table: table.scrollWidth,
              client: root.querySelector('.hitl-bias-scroll').clientWidth,
              rows: root.querySelectorAll('tr.hitl-bias-row').length,
              metrics: root.querySelectorAll('th').length};
    }""")
    assert fit["root"] <= 951, fit
    assert fit["rows"] >= 30 and fit["metrics"] >= 3 + 2 + 7, fit  # many groups, every metric and disagreement
    assert fit["table"] <= fit["client"] + 1, fit  # no horizontal scrolling needed
    assert fit["boxLeft"] - 1 <= fit["th"][0] and fit["th"][1] <= fit["boxRight"] + 1, fit
    assert fit["boxLeft"] - 1 <= fit["td"][0] and fit["td"][1] <= fit["boxRight"] + 1, fit
    # 10: a group doing better than overall is marked apart from one doing worse
    flags = bias.locator("td.hitl-flagged .hitl-flag").all_text_contents()
    assert flags and all(f.strip().split(" ")[0] in "▲▼" for f in flags), flags
    # 13: every text on a coloured cell reads at >= 4.5:1 (confusion, kappa heatmap, bias flags)
    for cls in ("hitl-confusion", "hitl-agreement", "hitl-bias"):
        c = page.locator(f".hitl-root.{cls}").first.evaluate(CONTRAST)
        assert c["n"] > 0 and c["worst"][1] >= 4.5, (theme, cls, c)
    # 13: the learning curve's legend has swatches and sits above the plot area
    panel = page.locator(".hitl-root.hitl-loop-panel").first
    legend = panel.evaluate("""(p) => {
      const svg = p.querySelector('svg.hitl-chart');
      const axis = svg.querySelectorAll('.hitl-axis line')[1].getBoundingClientRect();
      return [...svg.querySelectorAll('.hitl-legend-item')].map((g) => ({
        text: g.textContent, bottom: g.getBoundingClientRect().bottom, top: axis.top,
        swatch: g.querySelector('line.hitl-swatch').getBoundingClientRect().width,
        stroke: getComputedStyle(g.querySelector('line.hitl-swatch')).stroke}));
    }""")
    assert [e["text"] for e in legend] == ["accuracy", "macro-F1", "random sampling (baseline)"], legend
    assert all(e["bottom"] <= e["top"] + 1 and e["swatch"] >= 10 for e in legend), legend
    assert len({e["stroke"] for e in legend}) == 3, legend  # three different colours
    # 13: retrieval tiles fill the widget's width (small thumbnails left half of it empty)
    retrieval = page.locator(".hitl-root.hitl-retrieval").first
    fill = retrieval.evaluate("""(r) => ({grid: r.querySelector('.hitl-grid').getBoundingClientRect().width,
      inner: r.clientWidth - 16, img: r.querySelector('.hitl-result canvas').getBoundingClientRect().width})""")
    assert fill["grid"] >= 0.9 * fill["inner"], fill
    assert fill["img"] > 150, fill  # the 120 px thumbnails grew with their tiles


def open_confusion_gallery(page):
    """Open the off-diagonal cell cat → dog (the error cell of 12+) so its gallery is in the screenshot."""
    confusion = page.locator(".hitl-root.hitl-confusion").first
    confusion.locator('.hitl-heat-cell[data-row="0"][data-col="1"]').click()
    gallery = confusion.locator(".hitl-gallery")
    expect(gallery).to_be_visible(timeout=30_000)
    expect(gallery.locator(".hitl-tile-option").first).to_be_attached(timeout=30_000)
    page.wait_for_timeout(300)
    # the tiles as painted in the gallery's canvas (each option says where: lib/gallery.ts)
    g = gallery.evaluate("""(g) => { const canvas = g.querySelector('.hitl-gallery-canvas').getBoundingClientRect();
      const box = g.getBoundingClientRect();
      const tiles = [...g.querySelectorAll('.hitl-tile-option')].map((o) => {
        const x = canvas.left + Number(o.dataset.x), y = canvas.top + Number(o.dataset.y), s = Number(o.dataset.size);
        return {top: y, right: x + s, bottom: y + s + 18}; });
      return {n: tiles.length, height: box.height, bottom: Math.max(...tiles.map((t) => t.bottom)) - box.top,
              right: Math.max(...tiles.map((t) => t.right)) - box.left, width: box.width,
              rows: new Set(tiles.map((t) => Math.round(t.top))).size}; }""")
    # the gallery ends just below its last row of tiles (it was a 300 px box of grey for one row)
    assert g["n"] >= 8 and g["height"] - g["bottom"] < 40, g
    if g["rows"] > 1:  # a full row: the tiles span the width
        assert g["right"] > 0.85 * g["width"], g
    # the off-diagonal cells are tinted on their own scale: the big error cell is far from the background
    tint = confusion.evaluate("""(c) => {
      const bg = (r, k) => getComputedStyle(c.querySelector(`.hitl-heat-cell[data-row="${r}"][data-col="${k}"]`)).backgroundColor;
      return [bg(0, 1), bg(1, 0), getComputedStyle(c).getPropertyValue('--hitl-bg-alt')]; }""")
    assert tint[0] != tint[1], tint


LONG_CLASS = ("a class name that goes on and on " * 9 + "end")[:300]


def test_every_widget_fits_with_awkward_data_in_light_and_dark(lab):
    lab.page.set_viewport_size({"width": 1400, "height": 900})
    cells = [SETUP] + list(WIDGETS.values())
    lab.open(lab.new_notebook("layout.ipynb", cells))
    lab.set_theme("JupyterLab Light")
    lab.run_all(timeout=240_000)
    for cls in WIDGETS:
        expect(lab.page.locator(f".hitl-root.{cls}").first).to_be_visible(timeout=90_000)
    lab.wait_idle(timeout=120_000)
    expect(lab.page.locator(".hitl-root.hitl-bias tr.hitl-bias-row").first).to_be_visible(timeout=30_000)
    expect(lab.page.locator(".hitl-root.hitl-vqa .hitl-vqa-image canvas")).to_be_visible(timeout=30_000)
    expect(lab.page.locator(".hitl-root.hitl-retrieval .hitl-result canvas").first).to_be_visible(timeout=30_000)
    open_confusion_gallery(lab.page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for theme, tag in (("JupyterLab Light", "light"), ("JupyterLab Dark", "dark")):
        if tag == "dark":
            lab.set_theme(theme)
            lab.page.wait_for_timeout(500)  # the heatmaps repaint for the new theme
        for cls in WIDGETS:
            root = lab.page.locator(f".hitl-root.{cls}").first
            check_layout(root, f"{tag} {cls}")
            root.screenshot(path=str(SHOTS / f"{tag}-{cls.removeprefix('hitl-')}.png"))
        check_specifics(lab.page, tag)
    assert not [m for m in lab.console if m.startswith("pageerror")], lab.console
