"""AVAlignReview in a real JupyterLab, by keyboard and mouse in headless Chromium, on a synthetic clip
whose soundtrack beeps at known frames and a separate recording of the beeps 7 frames earlier; asserts
on the Python side, in frame units: the proposal, nudges by keyboard (arrows, Shift: 10 frames) and
undo, a drag of the waveform by whole frames, a sound and its frame marked by clicks, reset to the
proposal and undo, Enter confirms;
playing moves the playhead; the frame strip shows decoded frames."""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "from hitl_widgets.demo import synthetic_clip\n"
    "from hitl_widgets.demo.beeps import beep_track, with_soundtrack\n"
    "clip = synthetic_clip('av.mp4', n_frames=50, fps=25, size=(64, 48), seed=2)\n"
    "beeps = np.asarray(clip.times)[[10, 24, 41]]\n"
    "video = with_soundtrack(clip.path, beep_track(beeps, duration_s=2.1), 16000, 'av_sound.mp4')\n"
    "recording = beep_track(beeps - 7 / 25, duration_s=2.0, noise=0.01, seed=1)\n"
    "w = hw.AVAlignReview([str(video)], audio=[(recording, 16000)], store=hw.AnnotationStore('av.db'))\n"
    "w",
]

VIEW = "(() => { const d = document.querySelector('.hitl-avalign-canvas').dataset; return [+d.viewStartS, +d.secondsPerPx, +d.stripTop, +d.waveTop]; })()"


def frames_now(lab) -> float:
    return float(lab.python("float(w.offsets.offset_frames[0])"))


def offset_now(lab) -> float:
    return float(lab.python("float(w.offsets.offset_s[0])"))


def test_nudge_drag_mark_and_confirm_by_keyboard_and_mouse(lab):
    lab.open(lab.new_notebook("av.ipynb", CELLS))
    lab.run_all()
    page = lab.page
    root = page.locator(".hitl-avalign")
    expect(root.locator(".hitl-avalign-offset")).to_contain_text("offset", timeout=90_000)
    expect(root.locator(".hitl-avalign-proposal")).to_contain_text("cross-correlation score")
    lab.wait_idle()
    proposed = float(lab.python("w.proposal(0)['offset_s']")) * 25
    assert proposed == pytest.approx(7, abs=0.25)
    saved = root.locator(".hitl-status-saved")

    # three frames later, then ten earlier (Shift), by keyboard: -7 frames; undo the last: +3
    root.focus()
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "Shift+ArrowLeft"):
        page.keyboard.press(key)
    expect(saved).to_have_text("all saved", timeout=20_000)
    assert frames_now(lab) == pytest.approx(proposed - 7, abs=1e-6)
    assert lab.python("w.offsets.source[0]") == "'nudged'"
    root.focus()
    page.keyboard.press("Control+z")
    lab.wait_for_python("round(float(w.offsets.offset_frames[0]) - w.proposal(0)['offset_s'] * 25, 6)", 3.0)

    # drag the waveform 4 frames to the right with the mouse
    view_start, spp, _, wave_top = page.evaluate(VIEW)
    box = root.locator(".hitl-avalign-canvas").bounding_box()
    x = box["x"] + (1.0 - view_start) / spp
    y = box["y"] + wave_top + 30
    dx = 4 / 25 / spp
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y, steps=4)
    page.mouse.move(x + dx, y, steps=4)
    page.mouse.up()
    expect(saved).to_have_text("all saved", timeout=20_000)
    assert frames_now(lab) == pytest.approx(proposed + 3 + 4, abs=1e-6)

    # mark a sound on the waveform (recording time 0.5 s) and the frame it belongs to (frame 30)
    offset = float(lab.python("float(w.offsets.offset_s[0])"))
    times = ast.literal_eval(lab.python("w.frame_times(0)"))
    view_start, spp, strip_top, wave_top = page.evaluate(VIEW)
    box = root.locator(".hitl-avalign-canvas").bounding_box()  # (running code in the kernel may scroll the page)
    page.mouse.click(box["x"] + (0.5 + offset - view_start) / spp, box["y"] + wave_top + 30)
    expect(root.locator(".hitl-avalign-marks")).to_contain_text("now click the frame")
    page.mouse.click(box["x"] + ((times[30] + times[31]) / 2 - view_start) / spp, box["y"] + strip_top + 20)
    expect(saved).to_have_text("all saved", timeout=20_000)
    marks = ast.literal_eval(lab.python("w._current(0)['marks']"))
    assert marks["frame"] == 30 and abs(marks["audio_s"] - 0.5) <= 1.5 * spp
    assert float(lab.python("float(w.offsets.offset_s[0])")) == times[30] - marks["audio_s"]
    assert lab.python("w.offsets.source[0]") == "'marked'"

    # r: back to the proposal; Ctrl+Z: the marks again
    marked = offset_now(lab)
    root.focus()
    page.keyboard.press("r")
    lab.wait_for_python("w.offsets.source[0]", "proposed")
    assert frames_now(lab) == pytest.approx(proposed, abs=1e-6)
    root.focus()
    page.keyboard.press("Control+z")
    lab.wait_for_python("w.offsets.source[0]", "marked")
    assert offset_now(lab) == marked
    expect(root.locator(".hitl-status-message")).to_contain_text("undone on video 1")

    # play from the playhead: it moves; then Enter confirms (and the view moves on to the end)
    later = offset_now(lab) + 0.3
    root.focus()
    page.keyboard.press("Home")  # the playhead at 0 s: the recording plays from its start, at the offset
    page.keyboard.press("Space")
    page.wait_for_function(f"+document.querySelector('.hitl-avalign-canvas').dataset.playhead > {later}", timeout=20_000)
    page.keyboard.press("Space")
    expect(root.locator(".hitl-avalign-readout")).not_to_contain_text("playing")
    lab.screenshot_element(root, "av_align.png")
    before = frames_now(lab)
    root.focus()
    page.keyboard.press("Enter")
    lab.wait_for_python("bool(w.offsets.confirmed[0])", True)
    assert frames_now(lab) == before and lab.python("w.n_done") == "1"
    # thumbnails were drawn from decoded frames; no page errors
    assert not [m for m in lab.console if m.startswith("pageerror")]
