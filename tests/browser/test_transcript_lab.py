"""TranscriptReview in a real JupyterLab, by keyboard and mouse in headless Chromium, on synthetic
speech (espeak-ng) with hypotheses made from its exact word times, perturbed; asserts on the Python
side: playing moves the view's playhead, a word's text edited by keyboard, a boundary moved by
keyboard (Alt+arrows, one waveform pixel a press) and by a mouse drag (new times to within one
waveform pixel of where they were put), Escape cancels an edit and, idle, leaves the widget, and
Shift+Enter still runs the next cell."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "from hitl_widgets.demo.speech import synthetic_speech\n"
    "sp = synthetic_speech(n_sentences=1, voices=('en-us',))\n"
    "hyp = sp.words.assign(utterance=0, confidence=np.linspace(0.3, 0.95, len(sp.words)))\n"
    "hyp['start_s'] += 0.01; hyp['end_s'] -= 0.01  # the recogniser's boundaries are a little off\n"
    "hyp.loc[1, 'text'] = hyp.loc[1, 'text'] + 'z'  # and it got a word wrong\n"
    "w = hw.TranscriptReview(sp.audio, hyp, store=hw.AnnotationStore('transcript.db'), order='sequential')\n"
    "w",
    "after = 'ran'",
]

VIEW = "(() => { const d = document.querySelector('.hitl-transcript-canvas').dataset; return [+d.viewStartS, +d.secondsPerPx, +d.laneTop]; })()"


RAN_CELL_1 = "() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.executionCount !== null"


def times(lab, k):
    return ast.literal_eval(lab.python(f"w.words.loc[{k}, ['start_s', 'end_s']].tolist()"))


def test_play_edit_and_retime_by_keyboard_and_mouse(lab):
    lab.open(lab.new_notebook("transcript.ipynb", CELLS))
    page = lab.page
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Shift+Enter")  # runs the widget's cell: the widget takes the focus
    root = page.locator(".hitl-transcript")
    expect(root.locator(".hitl-transcript-word").first).to_be_visible(timeout=90_000)
    lab.wait_idle()
    words = ast.literal_eval(lab.python("w.words.text.tolist()"))
    assert words[1].endswith("z")
    root.focus()

    # edit word 1's text: Tab, Tab, Enter, type, Enter
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(root.locator(".hitl-transcript-word.hitl-selected")).to_have_text(words[1])
    page.keyboard.press("Enter")
    editor = root.locator(".hitl-transcript-input")
    expect(editor).to_be_focused()
    editor.fill(words[1][:-1])
    page.keyboard.press("Enter")
    lab.wait_for_python("w.words.loc[1, 'text']", words[1][:-1])
    root.focus()  # (running code in the kernel from the test moved the focus to a new cell)
    page.keyboard.press("Enter")  # Escape in the editor cancels
    editor.fill("junk")
    page.keyboard.press("Escape")
    expect(root.locator(".hitl-transcript-word.hitl-selected")).to_have_text(words[1][:-1])
    expect(root).to_be_focused()

    # move word 1's start 3 pixels later and its end 2 pixels earlier, by keyboard
    (start, end), (_, spp, lane_top) = times(lab, 1), page.evaluate(VIEW)
    root.focus()
    for _ in range(3):
        page.keyboard.press("Alt+ArrowRight")
    for _ in range(2):
        page.keyboard.press("Alt+Shift+ArrowLeft")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    new_start, new_end = times(lab, 1)
    assert abs(new_start - (start + 3 * spp)) <= spp, (start, new_start, spp)
    assert abs(new_end - (end - 2 * spp)) <= spp, (end, new_end, spp)

    # drag word 2's end 12 pixels to the left with the mouse
    (start2, end2), (view_start, spp, lane_top) = times(lab, 2), page.evaluate(VIEW)
    box = root.locator(".hitl-transcript-canvas").bounding_box()
    x = box["x"] + (end2 - view_start) / spp
    y = box["y"] + lane_top + 10
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 6, y, steps=3)
    page.mouse.move(x - 12, y, steps=3)
    page.mouse.up()
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    got_start, got_end = times(lab, 2)
    assert got_start == pytest.approx(start2)
    assert abs(got_end - (end2 - 12 * spp)) <= spp, (end2, got_end, spp)

    # play: the view's playhead advances
    root.focus()
    page.keyboard.press("Space")
    page.wait_for_function("+document.querySelector('.hitl-transcript-canvas').dataset.playhead > 0.3", timeout=20_000)
    expect(root.locator(".hitl-transcript-word.hitl-playing")).to_have_count(1, timeout=10_000)
    page.keyboard.press("Space")
    expect(root.locator(".hitl-transcript-readout")).not_to_contain_text("playing")

    lab.screenshot_element(root, "transcript.png")
    page.keyboard.press("Escape")  # idle: Escape leaves the widget to JupyterLab
    page.wait_for_function("() => !document.activeElement?.closest('.hitl-transcript')", timeout=5_000)

    # Shift+Enter is the notebook's: it runs the next cell
    root.focus()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(RAN_CELL_1, timeout=20_000)  # before another cell is added and run
    lab.wait_for_python("after", "ran")
    assert not [m for m in lab.console if m.startswith("pageerror")]


SCRIPT = "<script>window.__xss=(window.__xss||0)+1</script>"
IMG = '<img src=x onerror="window.__xss=(window.__xss||0)+1">'
RTL = "\u202eLTR"
HOSTILE = [
    "import numpy as np, pandas as pd, hitl_widgets as hw\n"
    "tone = (0.4 * np.sin(np.arange(32000) / 3)).astype(np.float32)\n"
    f"texts = [{SCRIPT!r}, {RTL!r}, '<b>bold</b>', '&amp;']\n"
    "hyp = pd.DataFrame({'utterance': 0, 'index': range(4), 'text': texts, 'start_s': [0.1, 0.5, 0.9, 1.3],\n"
    "                    'end_s': [0.4, 0.8, 1.2, 1.6], 'confidence': [0.2, 0.5, 0.9, 0.99]})\n"
    f"h = hw.TranscriptReview([(tone, 16000)], hyp, store=hw.AnnotationStore('hostile.db'), title={IMG!r})\n"
    "h",
]


def test_word_texts_and_title_are_shown_literally(lab):
    lab.open(lab.new_notebook("hostile.ipynb", HOSTILE))
    lab.run_all()
    root = lab.page.locator(".hitl-transcript")
    words = root.locator(".hitl-transcript-word")
    expect(words).to_have_count(4, timeout=60_000)
    assert words.all_text_contents() == [SCRIPT, RTL, "<b>bold</b>", "&amp;"]
    expect(root.locator(".hitl-title")).to_have_text(IMG)
    assert root.locator("script, img, b").count() == 0
    assert lab.page.evaluate("window.__xss") is None


EDITS = [
    "import numpy as np, pandas as pd, hitl_widgets as hw\n"
    "tone = (0.4 * np.sin(np.arange(40000) / 3)).astype(np.float32)\n"
    "hyp = pd.DataFrame({'utterance': 0, 'index': range(4), 'text': ['one', 'two', 'three', 'four'],\n"
    "                    'start_s': [0.1, 0.6, 1.1, 1.6], 'end_s': [0.5, 1.0, 1.5, 2.0], 'confidence': 0.5})\n"
    "e = hw.TranscriptReview([(tone, 16000)], hyp, store=hw.AnnotationStore('edits.db'))\n"
    "e",
]


def test_split_merge_insert_delete_flag_undo_and_verdict_keys(lab):
    lab.open(lab.new_notebook("edits.ipynb", EDITS))
    lab.run_all()
    page = lab.page
    root = page.locator(".hitl-transcript")
    expect(root.locator(".hitl-transcript-word")).to_have_count(4, timeout=60_000)
    lab.wait_idle()
    shown = lambda: root.locator(".hitl-transcript-word").all_text_contents()  # noqa: E731
    texts = "e.words.text.tolist()"

    def keys(*names):
        root.focus()
        for name in names:
            page.keyboard.press(name)

    keys("Tab", "Tab", "s")  # split "two" in its middle: the new word is selected
    lab.wait_for_python(texts, ["one", "two", "two", "three", "four"])
    assert ast.literal_eval(lab.python("e.words.loc[2, ['start_s', 'end_s']].tolist()")) == [0.8, 1.0]
    keys("Shift+Tab", "m")  # merge them again
    lab.wait_for_python(texts, ["one", "twotwo", "three", "four"])
    keys("i")  # insert after "twotwo", in the gap: the editor opens for its text
    expect(root.locator(".hitl-transcript-input")).to_be_focused()
    page.keyboard.type("and")
    page.keyboard.press("Enter")
    lab.wait_for_python(texts, ["one", "twotwo", "and", "three", "four"])
    keys("Tab", "Delete")  # delete "three"
    lab.wait_for_python(texts, ["one", "twotwo", "and", "four"])
    keys("j")  # the selection moved to "four": jargon
    lab.wait_for_python("e.words.flag.tolist()", [None, None, None, "jargon"])
    keys("Control+z")
    lab.wait_for_python("e.words.flag.tolist()", [None, None, None, None])
    keys("Control+Shift+z")
    lab.wait_for_python("e.words.flag.tolist()", [None, None, None, "jargon"])
    expect(root.locator(".hitl-transcript-word")).to_have_count(4)
    assert shown() == ["one", "twotwo", "and", "four"]
    # the kernel's ack carries the whole utterance (packed, in binary buffers) and replaces the view's
    # copy: a change made in Python behind the view's back shows once the view's next edit is answered
    lab.python("e.edit(0, 0, 'ONE')")
    keys("u")  # "four": unclear
    lab.wait_for_python("e.words.flag.tolist()", [None, None, None, "unclear"])
    expect(root.locator(".hitl-transcript-word").first).to_have_text("ONE", timeout=10_000)
    assert shown() == ["ONE", "twotwo", "and", "four"]
    expect(root.locator(".hitl-status-message")).not_to_contain_text("misshapen")
    keys("c")  # verdict: corrected (and on to the end screen)
    lab.wait_for_python("e.transcripts.verdict.tolist()", ["corrected"])
    expect(root.locator(".hitl-progress")).to_have_text("judged 1 of 1 utterances")


LONG = [
    "import numpy as np, pandas as pd, hitl_widgets as hw\n"
    "tone = (0.3 * np.sin(np.arange(16000 * 600) / 3)).astype(np.float32)  # 10 minutes\n"
    "n = 1200\n"
    "hyp = pd.DataFrame({'utterance': 0, 'index': range(n), 'text': [f'w{k}' for k in range(n)],\n"
    "                    'start_s': np.arange(n) * 0.5 + 0.05, 'end_s': np.arange(n) * 0.5 + 0.45, 'confidence': 0.5})\n"
    "audio_asks = []\n"
    "L = hw.TranscriptReview([(tone, 16000)], hyp, store=hw.AnnotationStore('long.db'))\n"
    "_on_audio = L._on_audio\n"
    "L._on_audio = lambda content: (audio_asks.append(content.get('start_s')), _on_audio(content))[1]\n"
    "L",
]


def test_a_long_transcript_renders_only_the_lines_in_view_and_a_word_far_down_is_edited_by_mouse(lab):
    lab.open(lab.new_notebook("long.ipynb", LONG))
    lab.run_all()
    page = lab.page
    root = page.locator(".hitl-transcript")
    text = root.locator(".hitl-transcript-text")
    expect(root.locator(".hitl-transcript-word").first).to_have_text("w0", timeout=60_000)
    lab.wait_idle()
    assert 10 < root.locator(".hitl-transcript-word").count() < 200  # of 1,200 words
    # the mouse wheel scrolls the text box far down: the lines there are made, the first ones go
    text.hover()
    for _ in range(30):
        page.mouse.wheel(0, 600)
    page.wait_for_function("() => !document.querySelector('.hitl-transcript-word[data-index=\"0\"]')", timeout=10_000)
    spans = root.locator(".hitl-transcript-word")
    word = spans.nth(spans.count() // 2)  # the lines made reach a few beyond the box: the middle one is in view
    k = int(word.get_attribute("data-index"))
    assert k > 300, k
    page.wait_for_timeout(1000)  # the playback windows of the words in view are fetched ahead
    asked = ast.literal_eval(lab.python("audio_asks"))
    assert any(s <= k * 0.5 + 0.05 < s + 20 for s in asked), (k, asked)
    word.click()  # plays from it, from the window already there: no new request
    page.wait_for_function(f"+document.querySelector('.hitl-transcript-canvas').dataset.playhead > {k * 0.5 + 0.1}", timeout=20_000)
    assert ast.literal_eval(lab.python("len(audio_asks)")) == len(asked)
    expect(root.locator(".hitl-transcript-word.hitl-selected")).to_have_text(f"w{k}")
    root.focus()
    page.keyboard.press("Space")  # pause
    page.keyboard.press("Enter")
    root.locator(".hitl-transcript-input").fill("far")
    page.keyboard.press("Enter")
    lab.wait_for_python(f"L.words.loc[{k}, 'text']", "far")
    expect(root.locator(f'.hitl-transcript-word[data-index="{k}"]')).to_have_text("far")
    assert not [m for m in lab.console if m.startswith("pageerror")]
