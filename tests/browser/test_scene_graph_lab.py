"""SceneGraphAnnotator in a real JupyterLab + kernel, driven by mouse and keyboard in headless
Chromium; every assertion on the result is made on the Python side (``w.triples``, ``w.objects``).

The image is 60 x 40, shown 240 px wide: 4 screen pixels per image pixel. Given boxes: man
(5, 5, 10, 30), cup (25, 10, 8, 8), tbl (40, 20, 18, 15). Predicates: 1 holding, 2 on, 3 near,
4 next to. The model proposes man -> near -> tbl (0.9) and cup -> on -> tbl (0.7).
"""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

SETUP = """
import numpy as np, pandas as pd, hitl_widgets as hw
images = np.full((2, 40, 60, 3), 240, np.uint8)
objects = pd.DataFrame({"item": [0, 0, 0], "object_id": ["man", "cup", "tbl"], "x": [5, 25, 40], "y": [5, 10, 20],
                        "w": [10, 8, 18], "h": [30, 8, 15], "class": ["person", "cup", "table"]})
proposals = pd.DataFrame({"item": [0, 0], "subject": ["man", "cup"], "predicate": ["near", "on"], "object": ["tbl", "tbl"],
                          "score": [0.9, 0.7]})
store = hw.AnnotationStore("scene.db")
w = hw.SceneGraphAnnotator(images, ["person", "cup", "table"], ["holding", "on", "near", "next to"], store=store,
                           objects=objects, proposals=proposals, display_size=240)
w
"""
TRIPLES = "w.triples[['subject', 'predicate', 'object', 'source']].values.tolist()"


def kernel(lab, expr: str):
    return ast.literal_eval(lab.python(expr))


def start(lab, name: str):
    lab.open(lab.new_notebook(name, [SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-scene-graph")
    expect(root.locator(".hitl-sg-proposal")).to_have_count(2, timeout=60_000)
    lab.wait_idle()
    root.scroll_into_view_if_needed()
    return root


def focus(root) -> None:
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def test_relations_by_mouse_and_keys_proposals_and_delete(lab):
    root = start(lab, "scene_graph.ipynb")
    canvas = root.locator("canvas")
    assert canvas.bounding_box()["width"] == pytest.approx(240, abs=1)
    keys = lab.page.keyboard

    def at(x: float, y: float) -> tuple[float, float]:  # image pixels -> page
        canvas.scroll_into_view_if_needed()  # (a cell run below may have scrolled the notebook)
        b = canvas.bounding_box()
        return b["x"] + 4 * x, b["y"] + 4 * y

    # three actions: click the subject, click the object, press the predicate's digit
    actions = 0
    lab.page.mouse.click(*at(10, 20))  # man
    actions += 1
    lab.page.mouse.click(*at(29, 14))  # cup
    actions += 1
    expect(root.locator(".hitl-sg-pending")).to_contain_text("man (person) → ? → cup (cup)")
    keys.press("1")  # holding
    actions += 1
    lab.wait_for_python(TRIPLES, [["man", "holding", "cup", "human"]])
    assert actions == 3
    # by keys: Tab Tab reaches the cup, Enter picks it; Tab reaches the table, Enter; type "ne", Enter: near
    focus(root)
    for key in ("Tab", "Tab", "Enter", "Tab", "Enter", "n", "e"):
        keys.press(key)
    expect(root.locator(".hitl-sg-first")).to_have_text("1near")  # the digits number the filtered list
    keys.press("Enter")
    lab.wait_for_python(TRIPLES, [["man", "holding", "cup", "human"], ["cup", "near", "tbl", "human"]])
    # a proposal: p selects the first (man near tbl, 0.9), Enter accepts it; the next is selected: x rejects it
    focus(root)  # (running code in a cell moved the focus to the notebook)
    keys.press("p")
    expect(root.locator(".hitl-sg-pending")).to_contain_text("0.90")
    keys.press("Enter")
    expect(root.locator(".hitl-sg-pending")).to_contain_text("0.70")
    keys.press("x")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python(TRIPLES, [["man", "holding", "cup", "human"], ["cup", "near", "tbl", "human"], ["man", "near", "tbl", "model"]])
    assert kernel(lab, "w._item_info(0)['rejected']") == ["p1"]
    expect(root.locator(".hitl-sg-proposal")).to_have_count(0)
    # draw a box with the mouse (class 1: person); it is the subject: click the cup, press 2 (on)
    x0, y0 = at(20, 25)
    x1, y1 = at(30, 38)
    lab.page.mouse.move(x0, y0)
    lab.page.mouse.down()
    lab.page.mouse.move(x1, y1, steps=4)
    lab.page.mouse.up()
    lab.page.mouse.click(*at(29, 12))
    keys.press("2")
    lab.wait_for_python("w.triples[['subject', 'predicate', 'object']].values.tolist()[-1]", ["h1", "on", "cup"])
    assert kernel(lab, "w.objects.set_index('object_id').loc['h1', ['class', 'source']].tolist()") == ["person", "human"]
    assert kernel(lab, "[round(v) for v in w.objects.set_index('object_id').loc['h1', ['x', 'y', 'w', 'h']]]") == [20, 25, 10, 13]
    # delete the cup: its 3 relations go too, and the status line says so
    lab.page.mouse.click(*at(27, 11))
    keys.press("Delete")
    expect(root.locator(".hitl-status-message")).to_contain_text("deleted box cup and its 3 relations")
    lab.wait_for_python(TRIPLES, [["man", "near", "tbl", "model"]])
    assert "cup" not in kernel(lab, "w.objects['object_id'].tolist()")
    # undo restores the box and its relations; Ctrl+Shift+Z deletes them again
    focus(root)
    keys.press("Control+z")
    lab.wait_for_python("len(w.triples)", 4)
    assert "cup" in kernel(lab, "w.objects['object_id'].tolist()")
    focus(root)
    keys.press("Control+Shift+z")
    lab.wait_for_python("len(w.triples)", 1)
    # attributes of the man: click it, t, type, Enter
    lab.page.mouse.click(*at(10, 30))
    expect(root.locator(".hitl-sg-pending")).to_contain_text("relation: man (person)")
    focus(root)
    keys.press("t")
    keys.type("tall, red")
    keys.press("Enter")
    lab.wait_for_python("w.objects.set_index('object_id').loc['man', 'attributes']", ["tall", "red"])
    # h hides the arrows; a click in the side list selects the relation, Delete removes it
    focus(root)
    keys.press("h")
    expect(root.locator(".hitl-sg-count")).to_contain_text("arrows hidden")
    root.locator(".hitl-sg-triple").first.click()
    expect(root.locator(".hitl-sg-triple[aria-selected=true]")).to_have_count(1)
    focus(root)
    keys.press("Delete")  # the model's relation, removed: its proposal is rejected, not offered again
    lab.wait_for_python("len(w.triples)", 0)
    assert kernel(lab, "w._item_info(0)['rejected']") == ["p1", "p0"]
    expect(root.locator(".hitl-sg-proposal")).to_have_count(0)
    lab.screenshot_element(root, "scene-graph-widget.png")


HOST_KEYS_SEEN = """(root) => {
  window.__hostKeys = [];
  root.parentElement.addEventListener("keydown", (e) => {
    const name = [e.ctrlKey ? "Ctrl" : "", e.shiftKey ? "Shift" : "", e.key].filter(Boolean).join("+");
    window.__hostKeys.push(name + (e.defaultPrevented ? " prevented" : ""));
  });
}"""


def test_host_keys_pass_while_choosing_a_predicate_and_typing_attributes(lab):
    root = start(lab, "scene_graph_keys.ipynb")
    canvas = root.locator("canvas")
    b = canvas.bounding_box()
    root.evaluate(HOST_KEYS_SEEN)
    lab.page.mouse.click(b["x"] + 40, b["y"] + 80)  # man
    lab.page.mouse.click(b["x"] + 116, b["y"] + 56)  # cup: the predicate is next, letters filter it
    expect(root.locator(".hitl-sg-pending")).to_contain_text("cup (cup)")
    root.focus()
    lab.page.keyboard.press("Control+s")
    expect(root.locator(".hitl-sg-pending")).to_contain_text("cup (cup)")  # still choosing: Ctrl+S changed nothing here
    lab.page.mouse.click(b["x"] + 40, b["y"] + 80)  # man again: a new subject
    root.focus()
    lab.page.keyboard.press("t")  # into the attributes field
    expect(root.locator(".hitl-sg-attributes")).to_be_focused()
    lab.page.keyboard.press("Control+s")
    assert kernel(lab, "len(w.triples)") == 0  # nothing was related by these keys
    root.evaluate("el => el.querySelector('.hitl-sg-attributes').focus()")
    lab.page.keyboard.press("Shift+Enter")  # (runs the cell again: last)
    seen = lab.page.evaluate("() => window.__hostKeys")
    # each host key reached the notebook around the widget, its default not prevented
    assert [k for k in seen if k.startswith(("Ctrl+s", "Ctrl+S", "Shift+Enter"))] == ["Ctrl+s", "Ctrl+s", "Shift+Enter"], seen


def test_state_survives_a_kernel_restart(lab):
    root = start(lab, "scene_graph_restart.ipynb")
    canvas = root.locator("canvas")

    def at(x: float, y: float) -> tuple[float, float]:
        canvas.scroll_into_view_if_needed()  # (a cell run below may have scrolled the notebook)
        b = canvas.bounding_box()
        return b["x"] + 4 * x, b["y"] + 4 * y

    lab.page.mouse.click(*at(45, 30))  # tbl
    lab.page.mouse.click(*at(10, 20))  # man
    lab.page.keyboard.press("4")  # next to
    root.locator(".hitl-sg-proposal").first.click()
    lab.page.keyboard.press("2")  # man near tbl, its predicate changed to "on"
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python(TRIPLES, [["tbl", "next to", "man", "human"], ["man", "on", "tbl", "human"]])
    before = kernel(lab, "w.triples.drop(columns='score').values.tolist()")
    lab.restart_kernel()
    lab.run_code(SETUP.replace("\nw\n", "\n"))
    assert kernel(lab, "w.triples.drop(columns='score').values.tolist()") == before
    assert kernel(lab, "w.triples['score'].tolist()[1]") == 0.9


# proposed boxes: m1 (cup, 0.8) at (45, 3, 8, 8), m2 (table, 0.3) at (2, 36, 10, 3); the model also
# proposes m1 -> on -> tbl (0.6), a relation on a proposed box
BOX_SETUP = SETUP.replace("\nw\n", """
boxes = pd.DataFrame({"item": [0, 0], "object_id": ["m1", "m2"], "x": [45, 2], "y": [3, 36], "w": [8, 10], "h": [8, 3],
                      "class": ["cup", "table"], "score": [0.8, 0.3]})
w = hw.SceneGraphAnnotator(images, ["person", "cup", "table"], ["holding", "on", "near", "next to"], store=store,
                           objects=objects, object_proposals=boxes, display_size=240,
                           proposals=pd.DataFrame({"item": [0], "subject": ["m1"], "predicate": ["on"], "object": ["tbl"], "score": [0.6]}))
w
""")
M1 = "[float(v) for v in w.objects.set_index('object_id').loc['m1', ['x', 'y', 'w', 'h']]]"


def test_proposed_box_accepted_by_key_related_moved_resized_and_nudged(lab):
    lab.open(lab.new_notebook("scene_graph_boxes.ipynb", [BOX_SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-scene-graph")
    expect(root.locator(".hitl-sg-box-proposal")).to_have_count(2, timeout=60_000)
    lab.wait_idle()
    root.scroll_into_view_if_needed()
    canvas = root.locator("canvas")
    keys = lab.page.keyboard

    def at(x: float, y: float) -> tuple[float, float]:  # image pixels -> page (4 screen px each)
        canvas.scroll_into_view_if_needed()
        b = canvas.bounding_box()
        return b["x"] + 4 * x, b["y"] + 4 * y

    def drag(a: tuple[float, float], b: tuple[float, float]) -> None:
        lab.page.mouse.move(*at(*a))
        lab.page.mouse.down()
        lab.page.mouse.move(*at(*b), steps=5)
        lab.page.mouse.up()

    def near(expected: list[float]) -> None:  # within one screen pixel at the display scale (1/4 image px)
        lab.wait_for_python(f"all(abs(a - b) <= 0.25 for a, b in zip({M1}, {expected}))", True)

    # p selects the best proposed box (m1, 0.80), Enter accepts it; the next (m2) is selected: x rejects it
    focus(root)
    keys.press("p")
    expect(root.locator(".hitl-sg-pending")).to_contain_text("proposed box: m1 (cup) 0.80")
    keys.press("Enter")
    expect(root.locator(".hitl-sg-pending")).to_contain_text("proposed box: m2 (table) 0.30")
    keys.press("x")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python("[str(v) for v in w.objects.set_index('object_id').loc['m1', ['source', 'score']]]", ["model", "0.8"])
    assert kernel(lab, "w._item_info(0)['rejected_objects']") == ["m2"]
    assert "m2" not in kernel(lab, "w.objects['object_id'].tolist()")
    # the accepted box takes relations: click the man, click m1, 2 (on)
    lab.page.mouse.click(*at(10, 20))
    lab.page.mouse.click(*at(49, 7))
    keys.press("2")
    lab.wait_for_python(TRIPLES, [["man", "on", "m1", "human"]])
    # select m1 (a click), drag it by (-6, +6) image pixels: moved to (39, 9)
    lab.page.mouse.click(*at(49, 7))
    expect(root.locator(".hitl-sg-pending")).to_contain_text("relation: m1 (cup)")
    drag((49, 7), (43, 13))
    near([39, 9, 8, 8])
    assert kernel(lab, "[str(v) for v in w.objects.set_index('object_id').loc['m1', ['source', 'score']]]") == ["human", "0.8"]
    # its bottom-right handle (47, 17) dragged to (50, 19): resized to 11 x 10
    drag((47, 17), (50, 19))
    near([39, 9, 11, 10])
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    # arrows nudge it: 2 x left (1 px), Shift+Down (10 px), Alt+Right (1 px wider): one change
    focus(root)
    for key in ("ArrowLeft", "ArrowLeft", "Shift+ArrowDown", "Alt+ArrowRight"):
        keys.press(key)
    near([37, 19, 12, 10])
    # the relation follows the box
    assert kernel(lab, "[float(v) for v in w.triples['object_box'][0]]") == kernel(lab, M1)
    # one undo takes back the run of nudges
    focus(root)
    keys.press("Control+z")
    near([39, 9, 11, 10])


def test_accepting_a_relation_on_a_proposed_box_accepts_the_box_and_A_takes_those_above_the_threshold(lab):
    lab.open(lab.new_notebook("scene_graph_boxes_bulk.ipynb", [BOX_SETUP]))
    lab.run_all()
    root = lab.page.locator(".hitl-scene-graph")
    expect(root.locator(".hitl-sg-box-proposal")).to_have_count(2, timeout=60_000)
    lab.wait_idle()
    root.scroll_into_view_if_needed()
    keys = lab.page.keyboard
    # P goes back from the start: the last open proposal, the relation m1 -> on -> tbl; Enter accepts it and m1
    focus(root)
    keys.press("P")
    expect(root.locator(".hitl-sg-pending")).to_contain_text("proposal: m1 (cup) → on → tbl (table)")
    keys.press("Enter")
    lab.wait_for_python(TRIPLES, [["m1", "on", "tbl", "model"]])
    assert kernel(lab, "w.objects.set_index('object_id').loc['m1', 'source']") == "model"
    expect(root.locator(".hitl-sg-box-proposal")).to_have_count(1)
    # A: no open box scores 0.5 or more (m2 is 0.3); with the threshold at 0.2, A accepts m2
    focus(root)
    keys.press("A")
    expect(root.locator(".hitl-status-message")).to_contain_text("no open proposed box scored 0.50 or more")
    lab.run_code("w.object_threshold = 0.2")
    focus(root)
    keys.press("A")
    lab.wait_for_python("sorted(w.objects.query('source == \"model\"')['object_id'])", ["m1", "m2"])
    expect(root.locator(".hitl-sg-box-proposal")).to_have_count(0)
