"""RetrievalVerifier, HallucinationFlagger and VQAReview in a real JupyterLab + kernel, driven by
keyboard and mouse in headless Chromium; every assertion on the result is made on the Python side.
The last test feeds XSS payloads and hostile strings through every text field of the widgets."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

RETRIEVAL_SETUP = """
import numpy as np, hitl_widgets as hw
store = hw.AnnotationStore("cross.db")
texts = ["a red circle", "a blue square", "red circle, blue square", "a green star", "nothing here", "a red star"]
items = hw.Items(texts, ids=["a", "b", "c", "d", "e", "f"])
results = {0: [("a", .9), ("c", .8), ("f", .7), ("d", .2)], 1: [("c", .95), ("e", .6), ("b", .5), ("a", .1)]}
w = hw.RetrievalVerifier(["red circle", "blue square"], results, items, store=store,
                         relevant={0: ["a", "c"], 1: ["b", "c"]}, columns=2, title="retrieval test")
w
"""


def kernel(lab, expr: str):
    return ast.literal_eval(lab.python(expr))


def focus(root) -> None:
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def open_cells(lab, name: str, cells: list[str], selector: str):
    lab.open(lab.new_notebook(name, cells))
    lab.run_all()
    root = lab.page.locator(selector)
    expect(root.locator(".hitl-position")).not_to_have_text("", timeout=60_000)
    lab.wait_idle()
    return root


def test_retrieval_by_keyboard_with_live_metrics(lab):
    root = open_cells(lab, "retrieval.ipynb", [RETRIEVAL_SETUP], ".hitl-retrieval")
    expect(root.locator(".hitl-query")).to_have_text("red circle")
    expect(root.locator(".hitl-result")).to_have_count(4)
    expect(root.locator(".hitl-result").nth(3)).to_contain_text("a green star")
    focus(root)
    keys = lab.page.keyboard
    # query 0 (grid 2 columns): a=R, c=R, f=N (focus moves on by itself), then ↓ is a no-op, d=unsure
    for k in ["1", "r", "2"]:
        keys.press(k)
    expect(root.locator(".hitl-result").nth(3)).to_have_attribute("aria-selected", "true")
    keys.press("3")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    # P@4 = 2/4, R@4 = 2/2, RR = 1, nDCG@4 = 1 (both relevant items on top)
    expect(root.locator(".hitl-query-metrics")).to_have_text("P@4 0.500 · R@4 1.000 · RR 1.000 · nDCG@4 1.000")
    keys.press("Enter")
    expect(root.locator(".hitl-position")).to_have_text("query 2 / 2")
    expect(root.locator(".hitl-query")).to_have_text("blue square")
    # query 1: move to "b" (rank 3 = row 2, col 1) with ↓, mark relevant; then ← ↑ to "c", relevant
    keys.press("ArrowDown")
    expect(root.locator(".hitl-result").nth(2)).to_have_attribute("aria-selected", "true")
    keys.press("1")
    keys.press("ArrowUp")
    keys.press("ArrowLeft")
    keys.press("ArrowUp")
    keys.press("n")  # c: not relevant by mistake...
    keys.press("Backspace")  # ...undone
    expect(root.locator(".hitl-result").nth(0).locator(".hitl-verdict")).to_have_text("—")
    keys.press("u")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python(
        "w.judgements[['query_id', 'item_id', 'judgement']].values.tolist()",
        [[0, "a", "relevant"], [0, "c", "relevant"], [0, "f", "not_relevant"], [0, "d", "unsure"],
         [1, "c", "unsure"], [1, "b", "relevant"]],
    )
    overall = kernel(lab, "{k: round(v, 4) if isinstance(v, float) else v for k, v in w.overall_metrics.items()}")
    # query 1: b relevant at rank 3 -> P 0.25, R 0.5, RR 1/3;  overall MRR = (1 + 1/3) / 2
    assert overall["mrr"] == round((1 + 1 / 3) / 2, 4) and overall["precision_at_k"] == 0.375
    assert overall["recall_at_k"] == 0.75 and overall["n_queries"] == 2
    expect(root.locator(".hitl-overall")).to_contain_text("MRR 0.667")
    # nDCG@4 = (1/log2 4) / (1 + 1/log2 3) = 0.5 / 1.6309 = 0.3066
    expect(root.locator(".hitl-query-metrics")).to_have_text("P@4 0.250 · R@4 0.500 · RR 0.333 · nDCG@4 0.307")
    # the undo was one store event; JupyterLab's own keys did not fire (cell count unchanged)
    assert kernel(lab, "store.events('retrieval')['kind'].tolist().count('undo')") == 1
    focus(root)  # running code in new cells moved the focus
    keys.press("?")
    expect(root.locator(".hitl-help")).to_contain_text("mark the result relevant")
    keys.press("Escape")
    expect(root.locator(".hitl-help")).to_be_hidden()


def test_retrieval_arrow_right_wraps_to_the_next_row(lab):
    """After the auto-advance to a row's end, → goes on to the next row, so "→ then 3" judges the next
    tile (it used to stay put and judge the tile the auto-advance had landed on)."""
    root = open_cells(lab, "retrieval.ipynb", [RETRIEVAL_SETUP], ".hitl-retrieval")
    expect(root.locator(".hitl-result")).to_have_count(4)
    focus(root)
    keys = lab.page.keyboard
    keys.press("1")  # a (rank 1) relevant; the focus moves on to c, the end of row 1 (2 columns)
    expect(root.locator(".hitl-result").nth(1)).to_have_attribute("aria-selected", "true")
    keys.press("ArrowRight")  # wraps: f, the first of row 2
    expect(root.locator(".hitl-result").nth(2)).to_have_attribute("aria-selected", "true")
    keys.press("3")
    keys.press("ArrowLeft")  # d -> f ...
    keys.press("ArrowLeft")  # ... -> c: ← at row 2's start goes to row 1's end
    expect(root.locator(".hitl-result").nth(1)).to_have_attribute("aria-selected", "true")
    keys.press("2")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python(
        "sorted(w.judgements[['query_id', 'item_id', 'judgement']].values.tolist())",
        [[0, "a", "relevant"], [0, "c", "not_relevant"], [0, "f", "unsure"]],
    )


def test_retrieval_image_results_by_mouse(lab):
    setup = """
import numpy as np, hitl_widgets as hw
rng = np.random.default_rng(0)
images = rng.integers(0, 255, (6, 24, 24, 3), dtype=np.uint8)
w = hw.RetrievalVerifier.from_embeddings(["q0", "q1"], np.eye(2), images, rng.normal(size=(6, 2)), k=3,
                                         store=hw.AnnotationStore(":memory:"))
w
"""
    root = open_cells(lab, "retrieval_mouse.ipynb", [setup], ".hitl-retrieval")
    expect(root.locator(".hitl-result canvas")).to_have_count(3, timeout=30_000)
    ranked = kernel(lab, "[[r for r, _ in w.results[q]] for q in (0, 1)]")
    root.locator(".hitl-result").nth(1).click()
    root.locator(".hitl-judge-not_relevant").click()
    root.locator(".hitl-result").nth(0).click()
    root.locator(".hitl-judge-relevant").click()
    root.locator(".hitl-next").click()
    expect(root.locator(".hitl-position")).to_have_text("query 2 / 2")
    root.locator(".hitl-result").nth(2).click()
    root.locator(".hitl-judge-not_relevant").click()
    lab.wait_for_python(
        "w.judgements[['query_id', 'item_id', 'judgement']].values.tolist()",
        [[0, ranked[0][0], "relevant"], [0, ranked[0][1], "not_relevant"], [1, ranked[1][2], "not_relevant"]],
    )
    hard = kernel(lab, "w.hard_negatives()[['query_id', 'item_id']].values.tolist()")
    assert sorted(map(tuple, hard)) == sorted([(0, ranked[0][1]), (1, ranked[1][2])])
    lab.screenshot_element(root, "retrieval-widget.png")


FLAGGER_SETUP = """
import numpy as np, pandas as pd, hitl_widgets as hw
images = np.zeros((2, 40, 60, 3), np.uint8); images[:, 10:30, 10:30, 0] = 255
texts = pd.DataFrame({"model-a": ["two red circles above a square", "a blue star"],
                      "model-b": ["a red circle and a cat", "one blue star"]})
w = hw.HallucinationFlagger(images, texts, store=hw.AnnotationStore("flags.db"), display_size=240)
w
"""


def test_hallucination_flagger_by_keyboard(lab):
    root = open_cells(lab, "flagger.ipynb", [FLAGGER_SETUP], ".hitl-hallucination")
    expect(root.locator(".hitl-text-panel")).to_have_count(2)
    expect(root.locator(".hitl-text-panel").nth(1).locator(".hitl-model")).to_have_text("model-b")
    focus(root)
    keys = lab.page.keyboard
    # model-a: "two" -> count, not in image
    keys.press("3")
    keys.press("n")
    expect(root.locator(".hitl-flag")).to_have_count(1)
    expect(root.locator(".hitl-flag").first).to_contain_text("not in image")
    # "red circles" (words 1-2) -> attribute, with a box drawn by keyboard
    keys.press("ArrowRight")
    keys.press("Shift+ArrowRight")
    expect(root.locator(".hitl-selected")).to_have_count(2)
    keys.press("2")
    keys.press("b")
    for k in ["ArrowLeft", "ArrowLeft", "Shift+ArrowDown", "Shift+ArrowRight"]:
        keys.press(k)
    keys.press("Enter")  # keeps the box (does not leave the image)
    expect(root.locator(".hitl-position")).to_have_text("image 1 / 2")
    keys.press("h")
    # model-b: "cat" (word 5) -> object, then a verdict; then the next image
    keys.press("ArrowDown")
    for _ in range(5):
        keys.press("ArrowRight")
    keys.press("1")
    keys.press("h")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    keys.press("Enter")
    expect(root.locator(".hitl-position")).to_have_text("image 2 / 2")
    keys.press("a")
    keys.press("ArrowDown")
    keys.press("a")
    keys.press("Backspace")  # undo the last verdict
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    # box: centred in the 60x40 image -> [round(22.5), 15, round(37.5), 25] = [23, 15, 38, 25];
    # step = round(60/32) = 2 px: two moves left -> [19, 15, 34, 25]; Shift+↓ -> y1 27; Shift+→ -> x1 36
    # (sorted: a flag's evidence may reach the kernel after a later flag, when it waited for its ack)
    lab.wait_for_python(
        "sorted(w.flags[['item_id', 'model', 'span', 'category', 'evidence', 'box']].values.tolist())",
        sorted([[0, "model-a", "two", "count", "not_in_image", None],
                [0, "model-a", "red circles", "attribute", "box", (19.0, 15.0, 36.0, 27.0)],
                [0, "model-b", "cat", "object", None, None]]),
    )
    assert kernel(lab, "sorted(map(tuple, w.verdicts[['item_id', 'model', 'verdict']].values.tolist()))") == [
        (0, "model-a", "hallucinated"), (0, "model-b", "hallucinated"), (1, "model-a", "faithful")]
    summary = kernel(lab, "w.summary().set_index(['model', 'category'])['rate'].to_dict()")
    assert summary[("model-a", "any")] == 0.5 and summary[("model-a", "count")] == 0.5
    assert summary[("model-b", "object")] == 1.0
    lab.screenshot_element(root, "hallucination-widget.png")


def test_hallucination_flagger_by_mouse(lab):
    root = open_cells(lab, "flagger_mouse.ipynb", [FLAGGER_SETUP], ".hitl-hallucination")
    words = root.locator(".hitl-text-panel").nth(0).locator(".hitl-word")
    expect(words).to_have_count(6)
    # drag over "red circles" with the mouse
    words.nth(1).hover()
    lab.page.mouse.down()
    words.nth(2).hover()
    lab.page.mouse.up()
    expect(root.locator(".hitl-selected")).to_have_count(2)
    root.locator(".hitl-category").nth(1).click()  # attribute
    expect(root.locator(".hitl-flag")).to_have_count(1)
    # drag a box on the image (240 px wide view of a 60 px image: 4 screen px per image px)
    canvas = root.locator("canvas")
    bb = canvas.bounding_box()
    assert bb["width"] == pytest.approx(240, abs=1)
    lab.page.mouse.move(bb["x"] + 40, bb["y"] + 40)
    lab.page.mouse.down()
    lab.page.mouse.move(bb["x"] + 80, bb["y"] + 100, steps=4)
    lab.page.mouse.up()
    root.locator(".hitl-verdict-hallucinated").click()
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python("w.flags[['span', 'category', 'evidence']].values.tolist()", [["red circles", "attribute", "box"]])
    box = kernel(lab, "w.flags['box'][0]")
    assert box == pytest.approx((10, 10, 20, 25), abs=0.6)
    assert kernel(lab, "w.verdicts['verdict'].tolist()") == ["hallucinated"]
    # click the flag in the list, remove it with the button
    root.locator(".hitl-flag").first.click()
    root.get_by_role("button", name="remove flag (Del)").click()
    lab.wait_for_python("len(w.flags)", 0)


VQA_SETUP = """
import numpy as np, hitl_widgets as hw
images = np.zeros((3, 16, 16), np.uint8)
w = hw.VQAReview(images, ["How many circles?", "What colour?", "Is there a star?"], ["two", "blue", "yes"],
                 store=hw.AnnotationStore(":memory:"))
w
"""


def test_vqa_review_keyboard_and_mouse(lab):
    root = open_cells(lab, "vqa.ipynb", [VQA_SETUP], ".hitl-vqa")
    expect(root.locator(".hitl-question")).to_have_text("How many circles?")
    focus(root)
    keys = lab.page.keyboard
    keys.press("3")  # wrong: the cursor goes to the corrected-answer box
    expect(root.locator(".hitl-corrected")).to_be_focused()
    keys.type("three")
    keys.press("Enter")  # saves and moves on
    expect(root.locator(".hitl-position")).to_have_text("item 2 / 3")
    keys.press("c")  # correct, next
    expect(root.locator(".hitl-position")).to_have_text("item 3 / 3")
    # the mouse: "partly", type, Enter
    root.locator(".hitl-verdict-partly").click()
    root.locator(".hitl-corrected").fill("yes, a small one")
    root.locator(".hitl-corrected").press("Enter")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.wait_for_python(
        "w.results[['item_id', 'verdict', 'corrected']].values.tolist()",
        [[0, "wrong", "three"], [1, "correct", None], [2, "partly", "yes, a small one"]],
    )
    focus(root)
    keys.press("ArrowLeft")
    expect(root.locator(".hitl-current")).to_have_text("verdict: partly — corrected: yes, a small one")
    # the cells were not touched by the widget's keys
    assert lab.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[0].model.type") == "code"


# Every text field of the widgets gets these (they come from models and data: untrusted).
PAYLOADS = [
    '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
    "<script>window.__xss=(window.__xss||0)+1</script>",
    '<a href="javascript:window.__xss=(window.__xss||0)+1">click me</a>',
    '<svg onload="window.__xss=(window.__xss||0)+1"><circle r=5></circle></svg>',
    "a " + "very" * 1500 + " long caption",
    "مرحبا بالعالم \u202eexe.txt\u202c and עברית",
    "Z\u0334\u0361\u0307a\u0338\u0349l\u0337\u0322g\u0335o\u0336 combining",
    "👩\u200d👩\u200d👧\u200d👦 families 🏳️\u200d🌈 and 🙂",
]
XSS_SETUP = f"""
import numpy as np, pandas as pd, hitl_widgets as hw
P = {PAYLOADS!r}
store = hw.AnnotationStore(":memory:")
items = hw.Items(P, ids=[f"id{{n}}" for n in range(len(P))])
rv = hw.RetrievalVerifier(P, {{n: [f"id{{m}}" for m in range(len(P))] for n in range(len(P))}}, items,
                          store=store, title=P[0], columns=4)
images = np.full((len(P), 16, 16, 3), 90, np.uint8)
texts = pd.DataFrame({{P[0]: P, P[1]: P[1:] + P[:1]}})
hf = hw.HallucinationFlagger(images, texts, store=store, title=P[1], categories=[P[2], P[3], P[6]])
vq = hw.VQAReview(images, P, P[::-1], reference=P, store=store, title=P[3])
"""
SCRIPT_CHECK = """() => {
  const roots = [...document.querySelectorAll('.hitl-root')];
  return {
    xss: window.__xss ?? null,
    roots: roots.length,
    elements: roots.map((r) => r.querySelectorAll('img, script, a, svg, iframe, object, embed, circle').length),
    widest: Math.max(...roots.map((r) => r.getBoundingClientRect().width)),
  };
}"""


def assert_no_script(lab, dialogs) -> None:
    state = lab.page.evaluate(SCRIPT_CHECK)
    assert state["xss"] is None, state  # no handler, script or link ran
    assert state["roots"] == 3 and state["elements"] == [0, 0, 0], state  # no markup was created from text
    assert state["widest"] < 1280, state  # a long string wraps instead of widening the page
    assert dialogs == []


def test_untrusted_text_renders_literally_and_runs_nothing(lab):
    dialogs: list[str] = []
    lab.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    lab.open(lab.new_notebook("xss.ipynb", [XSS_SETUP, "rv", "hf", "vq"]))
    lab.run_all()
    page = lab.page
    rv, hf, vq = (page.locator(s) for s in (".hitl-retrieval", ".hitl-hallucination", ".hitl-vqa"))
    for root in (rv, hf, vq):
        expect(root.locator(".hitl-position")).not_to_have_text("", timeout=60_000)
    lab.wait_idle()
    expect(rv.locator(".hitl-title")).to_have_text(PAYLOADS[0])
    expect(hf.locator(".hitl-title")).to_have_text(PAYLOADS[1])
    expect(vq.locator(".hitl-title")).to_have_text(PAYLOADS[3])

    # RetrievalVerifier: every query (Enter steps through them) and every result text
    cells = rv.locator(".hitl-result .hitl-media-text")
    expect(cells).to_have_count(len(PAYLOADS))
    assert cells.all_text_contents() == PAYLOADS
    focus(rv)
    for n, text in enumerate(PAYLOADS):
        expect(rv.locator(".hitl-query")).to_have_text(text)
        page.keyboard.press("1" if n % 2 else "2")  # a judgement on each: acks and repaints with the text
        page.keyboard.press("Enter")
    expect(rv.locator(".hitl-position")).to_have_text("end")
    assert_no_script(lab, dialogs)

    # HallucinationFlagger: model names, categories, both texts of every image, a flagged span
    assert hf.locator(".hitl-model").all_text_contents() == PAYLOADS[:2]
    assert [c.removeprefix(k) for c, k in zip(hf.locator(".hitl-category").all_text_contents(), "123")] == [
        PAYLOADS[2], PAYLOADS[3], PAYLOADS[6]]
    focus(hf)
    for n in range(len(PAYLOADS)):
        bodies = hf.locator(".hitl-generated")
        expect(bodies.nth(0)).to_have_text(PAYLOADS[n])
        expect(bodies.nth(1)).to_have_text(PAYLOADS[(n + 1) % len(PAYLOADS)])
        page.keyboard.press("Shift+ArrowRight")
        page.keyboard.press("1")  # flag the first two words with category P[2]
        expect(hf.locator(".hitl-flag-category")).to_have_text(PAYLOADS[2])
        page.keyboard.press("Enter")
    assert_no_script(lab, dialogs)
    lab.wait_for_python("len(hf.flags)", len(PAYLOADS))  # the last intents may still be on their way
    spans = ast.literal_eval(lab.python("hf.flags['span'].tolist()"))
    first_two = [" ".join(p.split()[:2]).strip(".,;:!?\"'()[]{}") for p in PAYLOADS]
    assert len(spans) == len(PAYLOADS) and all(s.split()[0] in p for s, p in zip(spans, PAYLOADS))
    assert spans[4] == first_two[4]  # "a veryvery…": plain words, cut exactly

    # VQAReview: question, answer, reference of every item; a typed payload as the correction
    focus(vq)
    for n in range(len(PAYLOADS)):
        expect(vq.locator(".hitl-question")).to_have_text(PAYLOADS[n])
        expect(vq.locator(".hitl-answer")).to_have_text(PAYLOADS[::-1][n])
        expect(vq.locator(".hitl-reference")).to_have_text(PAYLOADS[n])
        if n == 0:
            page.keyboard.press("w")
            page.keyboard.type(PAYLOADS[1])
            page.keyboard.press("Enter")
        else:
            page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    for _ in range(len(PAYLOADS) - 1):
        page.keyboard.press("ArrowLeft")
    expect(vq.locator(".hitl-current")).to_have_text(f"verdict: wrong — corrected: {PAYLOADS[1]}")
    lab.wait_for_python("vq.results['corrected'].tolist()", [PAYLOADS[1]])

    # a forged message with a hostile id: refused, and the refusal shows the id as text
    vq.evaluate("(el, p) => el.hitlModel.send({type: 'verdict', item_id: p, verdict: 'wrong', client: 'x', seq: 1})",
                PAYLOADS[0])
    expect(vq.locator(".hitl-status-message")).to_contain_text(PAYLOADS[0][:30])
    assert_no_script(lab, dialogs)
    lab.screenshot_element(hf, "hallucination-payloads.png")
    # control: the same payload parsed as HTML (what innerHTML would do) does run: the probe works
    page.evaluate("(p) => { const d = document.createElement('div'); d.innerHTML = p; document.body.append(d); }", PAYLOADS[0])
    page.wait_for_function("() => window.__xss === 1", timeout=10_000)


def test_tutorial_notebook_in_jupyterlab(lab):
    """notebooks/04 runs in JupyterLab; its verifier continues where the simulated reviewer stopped."""
    lab.open("04_cross_modal_review.ipynb")
    lab.run_all()
    rv = lab.page.locator(".hitl-retrieval")
    expect(rv.locator(".hitl-overall")).to_contain_text("overall (3 queries)", timeout=120_000)
    lab.wait_idle(120_000)
    hf, vq = lab.page.locator(".hitl-hallucination"), lab.page.locator(".hitl-vqa")
    expect(hf.locator(".hitl-flag").first).to_be_visible()  # the simulated reviewer's flags are shown
    expect(vq.locator(".hitl-question")).to_have_text(ast.literal_eval(lab.python("qa['question'][0]")))
    expect(rv.locator(".hitl-result canvas")).to_have_count(8)
    focus(rv)
    for _ in range(3):
        lab.page.keyboard.press("Enter")  # to the first query nobody has judged
    expect(rv.locator(".hitl-position")).to_contain_text("query 4 /")
    first = ast.literal_eval(lab.python("verifier.results[3][0][0]"))
    truth = "relevant" if ast.literal_eval(lab.python(f"{first} in relevant[3]")) else "not_relevant"
    focus(rv)
    lab.page.keyboard.press("1" if truth == "relevant" else "2")
    expect(rv.locator(".hitl-overall")).to_contain_text("overall (4 queries)")
    assert ast.literal_eval(lab.python("verifier.overall_metrics['n_queries']")) == 4
    lab.screenshot_element(rv, "retrieval-notebook.png")
    lab.screenshot_element(hf, "hallucination-notebook.png")
    lab.screenshot_element(vq, "vqa-notebook.png")
