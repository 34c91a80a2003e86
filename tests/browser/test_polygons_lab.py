"""PolygonAnnotator in a real JupyterLab + kernel, driven by mouse and keyboard in headless Chromium.

One notebook (a 640x400 gradient image, one proposed triangle on item 0, a SQLite store in the
test's folder); the test draws a polygon with the mouse and closes it on its first vertex, drags a
vertex, inserts one with a click on an edge, deletes one with Alt+click, draws a hole (H), changes
the class with a key, nudges a vertex by keys and undoes that once, accepts the proposal (Enter),
and asserts the vertices and classes on the Python side: in ``w.polygons``, in the store's events
(as vertices), and in a second widget made on the same store (the reload), shown in the page too;
then drags the whole polygon (holes and all) and nudges it by keys, and undoes the nudge; then
deletes and rejects the proposal from Python (``w.delete``, ``w.reject``), which the view shows.
Mouse-placed vertices are checked within 1 image px of where the mouse was (the expected image
coordinates come from the canvas box, independently of the widget's transform); keyboard changes
exactly.
"""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

from .test_bbox_lab import Transform, drag

pytestmark = [pytest.mark.browser, pytest.mark.lab]

TRIANGLE = [[450.0, 50.0], [600.0, 50.0], [525.0, 180.0]]
CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "yy, xx = np.mgrid[0:400, 0:640]\n"
    "img = np.dstack([xx * 255 // 640, yy * 255 // 400, np.full_like(xx, 128)]).astype(np.uint8)\n"
    "imgs = np.stack([img, img[::-1]])\n"
    "store = hw.AnnotationStore('polys.db')\n"
    f"props = {{0: [{{'class': 'dog', 'score': 0.9, 'polygon': {TRIANGLE!r}}}]}}\n"
    "w = hw.PolygonAnnotator(imgs, store=store, task='polys', classes=['cat', 'dog'], proposals=props, display_height=400)",
    "w",
]


def value(lab, expr: str):
    return ast.literal_eval(lab.python(expr))


def near(a, b, tol=1.0) -> bool:
    return len(a) == len(b) and all(abs(p - q) <= tol for u, v in zip(a, b) for p, q in zip(u, v))


def events(lab) -> int:
    return value(lab, "len(store.events('polys'))")


def test_draw_edit_hole_class_undo_accept_then_reload(lab):
    lab.open(lab.new_notebook("polys.ipynb", CELLS))
    lab.run_all()
    page = lab.page
    root = page.locator(".hitl-polygons").first
    expect(root.locator(".hitl-counts")).to_have_text("0 polygons, 1 open proposal", timeout=60_000)
    lab.wait_idle()
    canvas = root.locator("canvas")
    root.scroll_into_view_if_needed()
    t = Transform(canvas)

    # draw: four clicks, then a click on the first vertex closes the ring
    for x, y in [(100, 100), (300, 100), (300, 300), (100, 300)]:
        page.mouse.click(*t.page(x, y))
    expect(root.locator(".hitl-selection")).to_contain_text("drawing a polygon (4 vertices)")
    page.mouse.click(*t.page(101, 101))
    lab.wait_for_python("len(w.polygons)", 1)
    (pid, cls, rings, source) = value(lab, "w.polygons[['polygon_id', 'class', 'rings', 'source']].values.tolist()")[0]
    assert (cls, source, len(rings)) == ("cat", "human", 1)
    assert near(rings[0], [(100, 100), (300, 100), (300, 300), (100, 300)]), rings

    # drag a vertex; click on an edge inserts one there; Alt+click deletes one
    drag(page, t.page(300, 100), t.page(340, 80))
    lab.wait_for_python("len(store.events('polys'))", 2)
    page.mouse.click(*t.page(220, 90))  # the middle of the top edge, (100, 100) to (340, 80)
    lab.wait_for_python("len(store.events('polys'))", 3)
    page.keyboard.down("Alt")
    page.mouse.click(*t.page(100, 300))
    page.keyboard.up("Alt")
    lab.wait_for_python("len(store.events('polys'))", 4)
    rings = value(lab, "w.polygons['rings'].iloc[0]")
    assert near(rings[0], [(100, 100), (220, 90), (340, 80), (300, 300)]), rings

    # a hole: H, three clicks inside, Enter; then the class by its key
    root.focus()
    page.keyboard.press("h")
    for x, y in [(200, 150), (280, 150), (270, 230)]:  # inside the outer ring (right of its diagonal)
        page.mouse.click(*t.page(x, y))
    page.keyboard.press("Enter")

    lab.wait_for_python("w.polygons['n_holes'].tolist()", [1])
    root.focus()  # running a cell (the kernel checks above) takes the focus to the notebook
    page.keyboard.press("2")
    lab.wait_for_python("w.polygons['class'].tolist()", ["dog"])

    # nudge the first vertex 10 px right (Shift+→) and 1 down (↓), then undo that once
    before = value(lab, "w.polygons['rings'].iloc[0]")
    root.focus()
    page.keyboard.press(".")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("ArrowDown")
    lab.wait_for_python("len(store.events('polys'))", 7)
    nudged = value(lab, "w.polygons['rings'].iloc[0]")
    x0, y0 = before[0][0]
    assert nudged[0][0] == [round(x0 + 10, 3), round(y0 + 1, 3)] and nudged[0][1:] == before[0][1:]
    root.focus()
    page.keyboard.press("Control+z")
    lab.wait_for_python("w.polygons['rings'].iloc[0] == " + repr(before), True)
    expect(root.locator(".hitl-status")).to_contain_text("undone on item 1: a vertex nudged")

    # accept the proposal (Enter: the best open one); its id, a hash of its class and rings, from the kernel
    (proposal,) = value(lab, "w.proposals['polygon_id'].tolist()")
    root.focus()
    page.keyboard.press("Enter")
    lab.wait_for_python("w.polygons['polygon_id'].tolist()", [pid, proposal])
    expect(root.locator(".hitl-counts")).to_have_text("2 polygons, 0 open proposals")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")

    # the kernel: exact vertices and classes; the store holds them as vertices, op by op
    table = value(lab, "w.polygons.fillna({'score': -1})[['polygon_id', 'class', 'rings', 'source', 'score']].values.tolist()")
    (g, p) = table
    assert g[0] == pid and g[1] == "dog" and g[3] == "human" and g[4] == -1 and g[2] == before
    assert near(g[2][0], [(100, 100), (220, 90), (340, 80), (300, 300)])
    assert near(g[2][1], [(200, 150), (280, 150), (270, 230)])
    assert p == [proposal, "dog", [TRIANGLE], "proposal", 0.9]
    ops = value(lab, "store.events('polys').apply(lambda r: r['payload'].get('op', r['kind']), axis=1).tolist()")
    assert ops == ["draw", "move_vertex", "insert_vertex", "delete_vertex", "hole", "class", "nudge", "undo", "accept"], ops
    stored = value(lab, "store.current('polys', kinds=('polygons',))['payload'].iloc[0]['polygons']")
    assert [s["rings"] for s in stored] == [g[2], [TRIANGLE]]
    # the masks: outer ring minus the hole, as COCO rasterises them
    assert value(lab, f"[bool(w.masks(0)[{pid!r}][r, c]) for r, c in [(120, 200), (176, 250), (250, 150)]]") == [True, False, False]

    # reload: a new widget on the same store shows and returns the same polygons
    out = lab.run_code("w2 = hw.PolygonAnnotator(imgs, store=hw.AnnotationStore('polys.db'), task='polys', classes=['cat', 'dog'],\n"
                       "                         proposals=props, display_height=300)\nw2")
    expect(out.locator(".hitl-polygons .hitl-counts")).to_have_text("2 polygons, 0 open proposals", timeout=60_000)
    again = value(lab, "w2.polygons.fillna({'score': -1})[['polygon_id', 'class', 'rings', 'source', 'score']].values.tolist()")
    assert again == table

    # move the whole polygon: a click inside selects it, a drag inside moves every ring by one offset
    # (one put, edit "move"); then arrows nudge it as a whole (Shift: 10 px), exactly
    root.scroll_into_view_if_needed()
    page.mouse.click(*t.page(150, 130))  # inside the outer ring, away from its edges and the hole
    expect(root.locator(".hitl-selection")).to_contain_text("polygon dog [human] 7 vertices, 1 holes")
    drag(page, t.page(150, 130), t.page(190, 170))
    lab.wait_for_python("len(store.events('polys'))", 10)
    dragged = value(lab, f"w.polygons.set_index('polygon_id').loc[{pid!r}, 'rings']")
    offsets = {(round(b[0] - a[0], 3), round(b[1] - a[1], 3)) for ra, rb in zip(g[2], dragged) for a, b in zip(ra, rb)}
    assert len(offsets) == 1, offsets  # every vertex of both rings by the same offset
    ((tx, ty),) = offsets
    assert abs(tx - 40) <= 1 and abs(ty - 40) <= 1, offsets
    root.focus()
    page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.press("ArrowUp")
    lab.wait_for_python("len(store.events('polys'))", 11)
    nudged = value(lab, f"w.polygons.set_index('polygon_id').loc[{pid!r}, 'rings']")
    assert nudged == [[[round(x - 10, 3), round(y - 1, 3)] for x, y in ring] for ring in dragged], nudged
    assert value(lab, "[e.get('op') for e in store.events('polys')['payload']][-2:]") == ["move", "move"]
    assert value(lab, f"w.polygons.set_index('polygon_id').loc[{proposal!r}, 'rings']") == [TRIANGLE]  # the other one untouched
    root.focus()
    page.keyboard.press("Control+z")
    lab.wait_for_python(f"w.polygons.set_index('polygon_id').loc[{pid!r}, 'rings'] == " + repr(dragged), True)
    expect(root.locator(".hitl-status")).to_contain_text("undone on item 1: a polygon moved")

    # from code, through the same intents: the view refetches and shows the change
    lab.run_code(f"w.delete(0, {proposal!r})")  # the accepted proposal deleted: open again
    expect(root.locator(".hitl-counts")).to_have_text("1 polygon, 1 open proposal", timeout=30_000)
    lab.run_code(f"w.reject(0, {proposal!r})")
    expect(root.locator(".hitl-counts")).to_have_text("1 polygon, 0 open proposals", timeout=30_000)
    assert value(lab, "[e.get('op') for e in store.events('polys')['payload']][-2:]") == ["delete", "reject"]
    assert value(lab, "w.proposals_of(0)") == []
    lab.screenshot_element(root, "polygons.png")
