"""Hostile text through the text fields of the image, gate and dashboard widgets, in a real
JupyterLab + kernel (headless Chromium): class names in ClassifyWidget, BBoxAnnotator,
SegmentationCanvas, PolygonAnnotator, TemporalSegmenter, TrackAnnotator, PointCloudAnnotator and ConfusionDashboard, AVAlignReview's title,
ReasoningChainReview's questions, model names and steps (and a corrected step typed in), CoreferenceLinker's captions and
region labels, SceneGraphAnnotator's object classes, predicates and attributes, a gate's name and reject reasons, BiasAudit's sensitive
column and group names, AgreementDashboard's annotators and labels, IngestionReview's classes and file
names (in its findings), SensorFusionReview's classes. (RetrievalVerifier, HallucinationFlagger and VQAReview get the same in
tests/browser/test_cross_modal_lab.py.)

Each field gets markup that runs script when parsed as HTML, and a right-to-left override. What
must hold: no handler, script or link runs, no element is created from the text, every payload is
shown literally (as the text it is), and a right-to-left override stays inside the text it came in:
the widget's own words beside it are not reordered.
"""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
SCRIPT = "<script>window.__xss=(window.__xss||0)+1</script>"
RTL = "\u202eLTR"  # RIGHT-TO-LEFT OVERRIDE, then letters: shown reversed, as "RTL"
SVG = '<svg onload="window.__xss=(window.__xss||0)+1"></svg>'
PAYLOADS = [IMG, SCRIPT, RTL]

SETUP = """
import numpy as np, pandas as pd, hitl_widgets as hw
P = {payloads!r}
SVG = {column!r}
rng = np.random.default_rng(0)
store = hw.AnnotationStore("hostile.db")
imgs = rng.integers(0, 255, (3, 120, 160, 3), dtype=np.uint8)
"""
CELLS = {
    "classify": "cw = hw.ClassifyWidget(imgs, P, store=store, task='classify')\ncw",
    "confusion": "yt = rng.integers(0, 3, 60); yp = yt.copy(); yp[:15] = (yt[:15] + 1) % 3\n"
                 "cd = hw.ConfusionDashboard(np.array(P, dtype=object)[yt], np.array(P, dtype=object)[yp],\n"
                 "                           items=rng.integers(0, 255, (60, 8, 8), dtype=np.uint8))\ncd",
    "bbox": "bb = hw.BBoxAnnotator(imgs, P, store=store, task='boxes', display_height=240,\n"
            "                      proposals={0: [(10, 5, 60, 30, P[0], 0.9), (90, 5, 60, 30, P[2], 0.8)]})\nbb",
    "segmentation": "sg = hw.SegmentationCanvas(imgs, P, store=store, task='masks', display_height=240)\nsg",
    "poly": "po = hw.PolygonAnnotator(imgs, store=store, task='polys', classes=P, display_height=240,\n"
            "                         proposals={0: [{'class': P[0], 'score': 0.9, 'polygon': [(10, 10), (60, 10), (40, 50)]}]})\npo",
    "segmenter": "from hitl_widgets.demo.clips import synthetic_clip\n"
                 "tsg = hw.TemporalSegmenter([synthetic_clip(n_frames=20, size=(64, 48), seed=0).frames], P, store=store,\n"
                 "                            task='segments', proposals=[dict(video=0, start_frame=2, end_frame=9, score=0.9, **{'class': P[0]})])\n"
                 "for k, c in enumerate(P): tsg.add_segment(0, c, 3 * k, 3 * k + 2)\n"
                 "tsg",
    "tracks": "from hitl_widgets.demo.clips import synthetic_clip\n"
              "tra = hw.TrackAnnotator([synthetic_clip(n_frames=20, size=(64, 48), seed=1).frames], P, store=store, task='tracks',\n"
              "                        display_height=240, proposals=pd.DataFrame({'video': 0, 'track': 0, 'frame': [0, 8], 'x': 2.0,\n"
              "                        'y': 2.0, 'w': 12.0, 'h': 10.0, 'class': P[0], 'keyframe': True, 'source': 'proposal', 'score': 0.8}))\n"
              "for k, c in enumerate(P): tra.add_keyframe(0, 0, (20 + 12 * k, 20, 10, 10), c)\n"
              "tra",
    "avalign": "from hitl_widgets.demo.clips import synthetic_clip\n"
               "from hitl_widgets.demo.beeps import beep_track\n"
               "ava = hw.AVAlignReview([synthetic_clip(n_frames=20, size=(64, 48), seed=2).frames], audio=[(beep_track([0.2], 1.0), 16000)],\n"
               "                       store=store, task='av', title=P[0])\n"
               "ava",
    "pointcloud": "pc = hw.PointCloudAnnotator(rng.normal(size=(500, 3)).astype(np.float32), P, store=store, task='points')\n"
                  "pc.display_height = 200\npc",
    "reasoning": "rc = hw.ReasoningChainReview(imgs, {P[0]: [[{'text': p, 'kind': 'perception'} for p in P]] * 3, P[1]: [P] * 3},\n"
                 "                             questions=P, store=store, task='chains')\nrc",
    "coref": "co = hw.CoreferenceLinker(imgs, P, store=store, task='coref', display_size=200,\n"
             "                          regions={0: [(5, 5, 30, 30, P[0]), (50, 5, 30, 30, P[1]), (95, 5, 30, 30, P[2])]})\nco",
    "scene": "sgo = pd.DataFrame({'item': 0, 'object_id': ['a', 'b', 'c'], 'x': [5, 50, 95], 'y': 5, 'w': 30, 'h': 30,\n"
             "                    'class': P, 'attributes': [[p] for p in P]})\n"
             "sgw = hw.SceneGraphAnnotator(imgs, P, P, store=store, task='scene', objects=sgo, attributes=P, display_size=200,\n"
             "                             proposals=pd.DataFrame({'item': [0], 'subject': ['a'], 'predicate': [P[0]], 'object': ['b']}),\n"
             "                             object_proposals=pd.DataFrame({'item': [0], 'object_id': ['m'], 'x': [5], 'y': [40], 'w': [20],\n"
             "                                                            'h': [10], 'class': [P[2]], 'score': [0.5]}))\n"
             "sgw",
    "fusion": "from hitl_widgets.demo.fusion import tiny_frame\n"
              "fu = hw.SensorFusionReview(tiny_frame(classes=P), store=store, task='fusion')\nfu",
    "gate": "gate = hw.QualityGate(imgs, name=P[0], reasons=P, sample=3, plan=(3, 1), store=store)\ngate",
    "ingestion": "import os\nfrom PIL import Image\nos.makedirs('ing', exist_ok=True)\nImage.fromarray(imgs[0]).save('ing/ok.png')\n"
                 "ing = hw.IngestionReview(['ing/ok.png'] + [f'missing/{p}' for p in P[1:]], store=store, task='ingest',\n"
                 "                         classes=P, progress=False)\ning",
    "bias": "y = rng.integers(0, 2, 300); p = y.copy(); p[:40] = 1 - p[:40]\n"
            "groups = pd.DataFrame({SVG: np.repeat(P, 100)})\n"
            "audit = hw.BiasAudit(y, p, groups, metrics=('accuracy',), threshold=0.1, min_group_size=10)\naudit",
    "agreement": "truth = rng.integers(0, 3, 40)\n"
                 "rows = [(i, name, P[(t + (k == 2 and i % 3 == 0)) % 3]) for k, name in enumerate(P) for i, t in enumerate(truth)]\n"
                 "dash = hw.AgreementDashboard(pd.DataFrame(rows, columns=['item', 'annotator', 'label']), task='pets',\n"
                 "                             store=store, n_boot=50)\ndash",
}
# the first ClassifyWidget in the page is ours (its cell comes first): ConfusionDashboard relabels
# in a ClassifyWidget of its own, shown below its heatmap
CLASSIFY = ".hitl-classify"
ROOTS = {"classify": CLASSIFY, "confusion": ".hitl-confusion", "bbox": ".hitl-bbox", "segmentation": ".hitl-segmentation", "poly": ".hitl-polygons", "segmenter": ".hitl-segmenter", "tracks": ".hitl-tracks", "avalign": ".hitl-avalign", "pointcloud": ".hitl-pointcloud", "gate": ".hitl-gate", "bias": ".hitl-bias", "reasoning": ".hitl-reasoning", "coref": ".hitl-coreference",
         "scene": ".hitl-scene-graph", "ingestion": ".hitl-ingestion", "fusion": ".hitl-fusion",
         "agreement": ".hitl-agreement"}

# Per widget root: markup made from text (an element only a payload could have made), whether each
# payload is in the text, and every text holding the RTL override with the widget's own text after
# it in the override's reach (the rest of its paragraph, or of the inline element isolating it):
# that text is shown reordered.
CHECK = """([roots, payloads, rtl, rtlPayload]) => {
  const out = { xss: window.__xss ?? null, widgets: {} };
  for (const [name, selector] of Object.entries(roots)) {
    const root = document.querySelector(selector);
    if (!root) { out.widgets[name] = null; continue; }
    const made = root.querySelectorAll('script, img[src="x"], svg[onload], [onerror], [onload], a[href^="javascript"]');
    const text = root.textContent;
    const leaks = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.includes(rtl)) continue;
      // the override holds to the end of its paragraph: the nearest ancestor that is not inline
      // (a block, an inline-block such as a button, a table cell), or an inline one that isolates
      // (bdi, unicode-bidi isolate / plaintext), whichever comes first. Block elements are
      // unicode-bidi: isolate in Chromium's own style sheet: that does not stop it inside them.
      let scope = node.parentElement;
      for (; scope; scope = scope.parentElement) {
        const style = getComputedStyle(scope);
        if (style.display !== 'inline') break;
        if (scope.tagName === 'BDI' || style.unicodeBidi.includes('isolate') || style.unicodeBidi === 'plaintext') break;
      }
      const at = node.data.indexOf(rtlPayload);
      const after = at < 0 ? node.data.slice(node.data.indexOf(rtl) + 1) : node.data.slice(at + rtlPayload.length);
      const range = document.createRange();
      range.setStartAfter(node);
      range.setEnd(scope, scope.childNodes.length);
      const following = (after + range.toString()).trim();
      if (following) leaks.push({ text: node.data, following: following.slice(0, 80), where: node.parentElement.className });
    }
    out.widgets[name] = { made: made.length, shown: payloads.map((p) => text.includes(p)), leaks };
  }
  return out;
}"""


def start(lab, payloads=PAYLOADS, column=SVG):
    """The widgets with ``payloads`` as their texts (the first: gate name, first proposal's class)
    and ``column`` as the bias audit's sensitive column."""
    setup = SETUP.format(payloads=payloads, column=column)
    lab.open(lab.new_notebook("hostile.ipynb", [setup, *CELLS.values()]))
    lab.run_all()
    page = lab.page
    expect(page.locator(CLASSIFY).first.locator(".hitl-current")).to_have_text("unlabelled", timeout=90_000)
    expect(page.locator(".hitl-confusion .hitl-heat-cell")).to_have_count(9, timeout=60_000)
    expect(page.locator(".hitl-bbox .hitl-position")).not_to_have_text("", timeout=60_000)
    expect(page.locator(".hitl-segmentation .hitl-info")).to_contain_text("brush", timeout=60_000)
    expect(page.locator(".hitl-polygons .hitl-counts")).to_have_text("0 polygons, 1 open proposal", timeout=60_000)
    expect(page.locator(".hitl-pointcloud")).to_have_attribute("data-frame-loaded", "0", timeout=60_000)
    expect(page.locator(".hitl-fusion")).to_have_attribute("data-frame-loaded", "0", timeout=60_000)
    expect(page.locator(".hitl-gate .hitl-verdict")).to_have_text("undecided", timeout=60_000)
    expect(page.locator(".hitl-reasoning .hitl-step")).to_have_count(6, timeout=60_000)
    expect(page.locator(".hitl-coreference .hitl-region")).to_have_count(3, timeout=60_000)
    expect(page.locator(".hitl-scene-graph .hitl-sg-predicate")).to_have_count(3, timeout=60_000)
    expect(page.locator(".hitl-segmenter .hitl-seg-row")).to_have_count(3, timeout=60_000)
    expect(page.locator(".hitl-tracks .hitl-track-frame")).to_contain_text("frame 1 /", timeout=60_000)
    expect(page.locator(".hitl-avalign .hitl-avalign-offset")).to_contain_text("offset", timeout=60_000)
    expect(page.locator(".hitl-bias tr.hitl-bias-row")).to_have_count(3, timeout=60_000)
    expect(page.locator(".hitl-ingestion .hitl-finding-head").first).to_contain_text("unreadable files", timeout=60_000)
    expect(page.locator(".hitl-agreement .hitl-annotators tr[data-annotator]")).to_have_count(3, timeout=90_000)
    lab.wait_idle()
    return page


def check(lab, dialogs, expect_shown: dict[str, list[bool]]) -> None:
    state = lab.page.evaluate(CHECK, [ROOTS, PAYLOADS, RTL[0], RTL])
    assert state["xss"] is None, state  # no handler, script or link ran
    assert dialogs == []
    for name, want in expect_shown.items():
        got = state["widgets"][name]
        assert got is not None, f"{name}: no widget root"
        assert got["made"] == 0, (name, got)  # no element was made from text
        assert got["shown"] == want, (name, got)  # each payload shown literally, as text


def rtl_leaks(lab) -> dict[str, list]:
    state = lab.page.evaluate(CHECK, [ROOTS, PAYLOADS, RTL[0], RTL])
    return {name: w["leaks"] for name, w in state["widgets"].items() if w and w["leaks"]}


def test_hostile_text_renders_literally_and_runs_nothing(lab):
    dialogs: list[str] = []
    lab.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page = start(lab)
    every = [True, True, True]
    shown = {name: every for name in ROOTS} | {"avalign": [True, False, False]}  # AVAlignReview: its title only
    # at rest: class bars, gate name and reason buttons, bias group rows, agreement tables, titles
    check(lab, dialogs, shown)

    bb = page.locator(".hitl-bbox")
    for payload in PAYLOADS:
        expect(bb.locator(".hitl-classes")).to_contain_text(payload)
        expect(page.locator(".hitl-segmentation .hitl-classes")).to_contain_text(payload)
        expect(page.locator(".hitl-gate .hitl-reasons")).to_contain_text(payload)
        expect(page.locator(".hitl-segmenter .hitl-classes")).to_contain_text(payload)
        expect(page.locator(".hitl-segmenter .hitl-seg-list")).to_contain_text(payload)
        expect(page.locator(".hitl-tracks .hitl-classes")).to_contain_text(payload)
    expect(page.locator(".hitl-gate .hitl-title")).to_contain_text(f"'{IMG}'")
    groups = page.locator(".hitl-bias tr.hitl-bias-row .hitl-group").all_text_contents()
    assert sorted(groups) == sorted(PAYLOADS), groups
    annotators = page.locator(".hitl-agreement .hitl-annotators tr[data-annotator]")
    assert sorted(annotators.evaluate_all("rows => rows.map((r) => r.dataset.annotator)")) == sorted(PAYLOADS)

    # BBoxAnnotator: pick each class by key, draw a box with it; the kernel has the names as given
    canvas = bb.locator("canvas")
    canvas.scroll_into_view_if_needed()
    rect = canvas.bounding_box()
    scale = min(rect["width"] / 160, rect["height"] / 120)  # the 160x120 image fitted in the canvas
    left, top = rect["x"] + (rect["width"] - 160 * scale) / 2, rect["y"] + (rect["height"] - 120 * scale) / 2
    for k in range(3):
        bb.focus()
        page.keyboard.press("Escape")  # no box selected: the digit picks the class to draw with
        bb.focus()  # (an Escape with nothing to clear leaves the widget)
        page.keyboard.press(str(k + 1))
        x, y = left + scale * (15 + 45 * k), top + scale * 80
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 25 * scale, y + 20 * scale, steps=3)
        page.mouse.up()
    lab.wait_for_python("len(bb.boxes)", 3)
    assert sorted(ast.literal_eval(lab.python("bb.boxes['class'].tolist()"))) == sorted(PAYLOADS)

    # PolygonAnnotator: class names in the class bar, the selected proposal's class in the
    # selection line, as text; accepted by Enter, the kernel has the class as given
    po = page.locator(".hitl-polygons")
    for payload in PAYLOADS:
        expect(po.locator(".hitl-classes")).to_contain_text(payload)
    po.focus()
    page.keyboard.press("Tab")
    expect(po.locator(".hitl-selection")).to_contain_text(f"proposal {PAYLOADS[0]} (0.90)")
    page.keyboard.press("Enter")
    lab.wait_for_python("po.polygons['class'].tolist()", [PAYLOADS[0]])

    # ReasoningChainReview: question, model names and steps as text; a payload typed as a corrected step
    rc = page.locator(".hitl-reasoning")
    expect(rc.locator(".hitl-question")).to_have_text(PAYLOADS[0])
    assert rc.locator(".hitl-model").all_text_contents() == PAYLOADS[:2]
    assert rc.locator(".hitl-step-text").all_text_contents() == PAYLOADS * 2
    rc.focus()
    page.keyboard.press("1")  # step 1 correct: acks and repaints with the texts
    page.keyboard.press("ArrowUp")
    page.keyboard.press("e")
    page.keyboard.type(IMG)
    page.keyboard.press("Enter")
    expect(rc.locator(".hitl-step-fix")).to_contain_text(IMG)
    lab.wait_for_python("rc.steps.corrected.dropna().tolist()", [IMG])
    # CoreferenceLinker: the caption (the first payload) and the region labels stay text; a link
    # to each region by its digit (the first word of the caption, relinked) reaches the kernel
    co = page.locator(".hitl-coreference")
    for payload in PAYLOADS:
        expect(co.locator(".hitl-regions")).to_contain_text(payload)
    for k in "123":
        co.focus()
        page.keyboard.press(k)
        expect(co.locator(".hitl-chains")).to_contain_text(PAYLOADS[int(k) - 1])
    lab.wait_for_python("co.links['region'].tolist()", ["r3"])
    assert ast.literal_eval(lab.python("co.regions['label'].tolist()")) == PAYLOADS
    # SceneGraphAnnotator: predicates and classes (in the proposals' rows) stay text; the proposed box
    # accepted (p, Enter), the proposal accepted with predicate 3 (3) and a relation made by keys (Tab
    # Enter, Tab Enter, 1) reach the kernel
    sg = page.locator(".hitl-scene-graph")
    for payload in PAYLOADS:
        expect(sg.locator(".hitl-sg-predicates")).to_contain_text(payload)
    expect(sg.locator(".hitl-sg-proposal:not(.hitl-sg-box-proposal)")).to_contain_text(f"a ({PAYLOADS[0]})")
    expect(sg.locator(".hitl-sg-box-proposal")).to_contain_text(f"m ({PAYLOADS[2]})")
    sg.focus()
    page.keyboard.press("p")
    expect(sg.locator(".hitl-sg-pending")).to_contain_text(f"proposed box: m ({PAYLOADS[2]}) 0.50")
    for key in ("Enter", "3", "Tab", "Enter", "Tab", "Enter"):
        page.keyboard.press(key)
    expect(sg.locator(".hitl-sg-pending")).to_contain_text(f"b ({PAYLOADS[1]})")
    page.keyboard.press("1")
    expect(sg.locator(".hitl-sg-triple")).to_have_count(2)
    lab.wait_for_python("sgw.triples[['predicate', 'subject_class']].values.tolist()", [[PAYLOADS[2], PAYLOADS[0]], [PAYLOADS[0], PAYLOADS[0]]])
    assert ast.literal_eval(lab.python("sgw.objects['attributes'].tolist()")) == [[p] for p in PAYLOADS] + [[]]
    assert ast.literal_eval(lab.python("sgw.objects['class'].tolist()[-1]")) == PAYLOADS[2]

    # QualityGate: reject each sampled item with one of the reasons; the verdict line shows it
    gate = page.locator(".hitl-gate")
    gate.focus()
    page.keyboard.press("r")
    page.keyboard.press("1")  # rejects with reason 1 and steps on
    page.keyboard.press("ArrowLeft")
    expect(gate.locator(".hitl-verdict")).to_contain_text(f"rejected: {IMG}")
    page.keyboard.press("ArrowRight")
    for key in "23":
        page.keyboard.press("r")
        page.keyboard.press(key)
    lab.wait_for_python("sorted(gate.decisions['reason'].tolist())", sorted(PAYLOADS))

    # TrackAnnotator: accept the proposal (class P[0]) by key; the kernel has the track's class as given
    tracks = page.locator(".hitl-tracks")
    tracks.focus()
    page.keyboard.press("a")  # selects the first open proposal
    page.keyboard.press("a")  # accepts it
    lab.wait_for_python("sorted(tra.tracks.drop_duplicates('track')['class'].tolist())", sorted([*PAYLOADS, IMG]))
    # undo / redo name the video, as the header counts it ("video 1 / 1"), not "item 1"
    tracks.focus()
    page.keyboard.press("Control+z")
    expect(tracks.locator(".hitl-status-message")).to_contain_text("undone on video 1")
    lab.wait_for_python("len(tra.tracks.drop_duplicates('track'))", 3)
    tracks.focus()
    page.keyboard.press("Control+y")
    expect(tracks.locator(".hitl-status-message")).to_contain_text("redone on video 1")
    lab.wait_for_python("sorted(tra.tracks.drop_duplicates('track')['class'].tolist())", sorted([*PAYLOADS, IMG]))

    expect(page.locator(".hitl-avalign .hitl-title")).to_have_text(IMG)
    # IngestionReview: the file name of a missing file is its finding's text; relabel it with class 1 by key
    ingest = page.locator(".hitl-ingestion")
    expect(ingest.locator(".hitl-finding-detail").first).to_contain_text(f"missing/{PAYLOADS[1]}")
    ingest.focus()
    page.keyboard.press("r")
    page.keyboard.press("1")
    lab.wait_for_python("ing.decisions['label'].tolist()", [PAYLOADS[0]])
    ingest.focus()
    page.keyboard.press("ArrowLeft")
    expect(ingest.locator(".hitl-decision")).to_contain_text(f"relabel → {PAYLOADS[0]}")

    check(lab, dialogs, shown)
    # control: the same payload parsed as HTML (what innerHTML would do) does run: the probe works
    page.evaluate("(p) => { const d = document.createElement('div'); d.innerHTML = p; document.body.append(d); }", IMG)
    page.wait_for_function("() => window.__xss === 1", timeout=10_000)


def test_a_right_to_left_override_stays_inside_its_text(lab):
    """A class name, gate name or reason, group, column or annotator that holds U+202E must not
    reorder the widget's own text after it (a count, a score, "sample of 3"): the element showing
    it isolates it (bdi or unicode-bidi: isolate), or nothing of the widget's follows it in its
    paragraph. Here the override is the first text of each widget (gate name, first class, column)."""
    page = start(lab, [RTL, IMG, SCRIPT], column=RTL)
    gate = page.locator(".hitl-gate")
    gate.focus()
    page.keyboard.press("r")
    page.keyboard.press("1")  # rejected: <RTL>: the verdict line has the reason
    page.keyboard.press("ArrowLeft")
    expect(gate.locator(".hitl-verdict")).to_contain_text("rejected: ")
    page.locator(".hitl-confusion .hitl-heat-cell").last.click()  # (RTL, RTL): the gallery title names them
    expect(page.locator(".hitl-confusion .hitl-gallery-title")).to_contain_text(RTL)
    classify = page.locator(CLASSIFY).first
    classify.focus()
    page.keyboard.press("1")  # labelled with the first class, then back to it
    page.keyboard.press("ArrowLeft")
    expect(classify.locator(".hitl-current")).to_contain_text(RTL)
    lab.wait_idle()
    leaks = rtl_leaks(lab)
    # control: an override with text after it, not isolated, is found (the probe works)
    page.locator(".hitl-bbox").evaluate("(el, t) => { const d = document.createElement('div'); d.className = 'probe';"
                                        " d.textContent = t + ' (3 items)'; el.append(d); }", RTL)
    assert any(x["following"] == "(3 items)" for x in rtl_leaks(lab).get("bbox", [])), rtl_leaks(lab)
    page.locator(".hitl-bbox .probe").evaluate("el => el.remove()")
    assert leaks == {}, "the override reorders the widget's text after it:\n" + "\n".join(sorted({
        f"  {name} .{x['where'] or '?'}: {x['text'][:100]!r}, then {x['following'][:60]!r}"
        for name, found in leaks.items() for x in found}))
