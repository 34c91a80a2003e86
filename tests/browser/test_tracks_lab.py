"""TrackAnnotator in a real JupyterLab + kernel, driven by mouse and keyboard in headless Chromium.

The notebook shows a 30-frame synthetic clip (160 x 120, frames in memory); the test draws a box on
frame 0, steps 10 frames forward with ">", moves the box there (the selected track's box is held
after its last keyframe), and checks on the Python side that frame 10 is a keyframe and frames 1-9
are interpolated; then undo / redo, and a split with the keyboard.
"""
from __future__ import annotations

import ast

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

IW, IH = 160, 120
CELLS = [
    "import hitl_widgets as hw\n"
    "from hitl_widgets.demo.clips import synthetic_clip\n"
    "clip = synthetic_clip(n_frames=30, size=(160, 120), seed=0)\n"
    "store = hw.AnnotationStore('tracks.db')\n"
    "w = hw.TrackAnnotator([clip.frames], ['car', 'person'], store=store, task='tracks', display_height=360)",
    "w",
]


def start(lab):
    lab.open(lab.new_notebook("tracks.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-tracks")
    expect(root.locator(".hitl-track-frame")).to_have_text("frame 1 / 30 (index 0)", timeout=60_000)
    lab.wait_idle()
    canvas = root.locator("canvas.hitl-track-canvas")
    expect(canvas).to_be_visible()
    root.scroll_into_view_if_needed()
    return root, canvas


def page_point(canvas, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of image pixel (x, y): the canvas holds the frame scaled to its box."""
    box = canvas.bounding_box()
    return box["x"] + x * box["width"] / IW, box["y"] + y * box["height"] / IH


def drag(page, a, b, steps=6):
    page.mouse.move(*a)
    page.mouse.down()
    page.mouse.move(*b, steps=steps)
    page.mouse.up()


def focus(root) -> None:
    root.focus()
    assert root.evaluate("el => document.activeElement === el")


def tracks(lab):
    return ast.literal_eval(lab.python("w.tracks[['track', 'frame', 'x', 'y', 'w', 'h', 'class', 'keyframe', 'source']]"
                                       ".round(1).values.tolist()"))


def test_draw_step_move_makes_a_keyframe_and_interpolates(lab):
    root, canvas = start(lab)
    page = lab.page
    drag(page, page_point(canvas, 20, 30), page_point(canvas, 50, 60))
    lab.wait_for_python("len(w.tracks)", 1)
    ((track, frame, x, y, w, h, cls, key, source),) = tracks(lab)
    assert (track, frame, cls, key, source) == (0, 0, "car", True, "human")
    assert abs(x - 20) <= 1 and abs(y - 30) <= 1 and abs(w - 30) <= 1 and abs(h - 30) <= 1
    expect(root.locator(".hitl-selection")).to_have_text("track 0 — keyframe")

    focus(root)
    page.keyboard.press(">")  # 10 frames forward
    expect(root.locator(".hitl-track-frame")).to_have_text("frame 11 / 30 (index 10)", timeout=20_000)
    assert canvas.get_attribute("data-frame") == "10"
    expect(root.locator(".hitl-selection")).to_have_text("track 0 — after its last keyframe")
    # move the held box by (+40, +20) image px: a keyframe on frame 10
    drag(page, page_point(canvas, 35, 45), page_point(canvas, 75, 65))
    lab.wait_for_python("len(w.tracks)", 11)
    rows = tracks(lab)
    assert [r[1] for r in rows] == list(range(11))
    assert [r[7] for r in rows] == [True] + [False] * 9 + [True]  # frames 1-9 interpolated
    x0, x10 = rows[0][2], rows[10][2]
    assert abs(x10 - x0 - 40) <= 1 and abs(rows[10][3] - rows[0][3] - 20) <= 1
    assert abs(rows[5][2] - (x0 + x10) / 2) <= 0.1  # halfway, linearly
    expect(root.locator(".hitl-selection")).to_have_text("track 0 — keyframe")

    focus(root)
    page.keyboard.press(",")  # one frame back: an interpolated box, shown dashed
    expect(root.locator(".hitl-selection")).to_have_text("track 0 — interpolated", timeout=20_000)

    focus(root)
    page.keyboard.press("Control+z")  # undo the move: the track is one keyframe again
    lab.wait_for_python("len(w.tracks)", 1)
    focus(root)
    page.keyboard.press("Control+y")
    lab.wait_for_python("len(w.tracks)", 11)
    x9 = tracks(lab)[9][2]
    focus(root)
    page.keyboard.press("Shift+ArrowRight")  # nudge the interpolated box of frame 9 by 10 px: a keyframe
    page.keyboard.press("ArrowRight")  # and 1 more (one keyframe once the keys pause)
    lab.wait_for_python("w.tracks['keyframe'].tolist()", [True] + [False] * 8 + [True, True])
    assert abs(tracks(lab)[9][2] - (x9 + 11)) <= 0.11
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved")
    lab.screenshot_element(root, "tracks.png")


def test_split_with_the_keyboard_and_survive_a_new_widget(lab):
    root, canvas = start(lab)
    page = lab.page
    drag(page, page_point(canvas, 20, 30), page_point(canvas, 50, 60))
    lab.wait_for_python("len(w.tracks)", 1)
    focus(root)
    page.keyboard.press(">")
    expect(root.locator(".hitl-track-frame")).to_have_text("frame 11 / 30 (index 10)", timeout=20_000)
    drag(page, page_point(canvas, 35, 45), page_point(canvas, 75, 65))
    lab.wait_for_python("len(w.tracks)", 11)
    focus(root)
    for _ in range(4):
        page.keyboard.press(",")  # back to frame 6
    expect(root.locator(".hitl-track-frame")).to_have_text("frame 7 / 30 (index 6)", timeout=20_000)
    page.keyboard.press("s")
    lab.wait_for_python("w.tracks.groupby('track')['frame'].agg(['min', 'max']).values.tolist()", [[0, 5], [6, 10]])
    # a new widget on the same store (as after a kernel restart) has the same tracks
    lab.wait_for_python("hw.TrackAnnotator([clip.frames], ['car', 'person'], store=hw.AnnotationStore('tracks.db'),"
                        " task='tracks').tracks.equals(w.tracks)", True)


def test_accept_and_reject_proposals_from_the_tracker(lab):
    cells = [
        CELLS[0].replace("w = hw.TrackAnnotator(", "from hitl_widgets.tracks import propagate_detections\n"
                         "det = clip.boxes[['frame', 'x', 'y', 'w', 'h', 'class']].assign(score=0.9)\n"
                         "props = propagate_detections(det, iou_threshold=0.1).assign(video=0)\n"
                         "w = hw.TrackAnnotator(").replace("['car', 'person']", "['circle', 'square', 'triangle']")
        .replace("display_height=360)", "display_height=360, proposals=props)"),
        "w",
    ]
    lab.open(lab.new_notebook("proposals.ipynb", cells))
    lab.run_all()
    root = lab.page.locator(".hitl-tracks")
    expect(root.locator(".hitl-track-frame")).to_have_text("frame 1 / 30 (index 0)", timeout=60_000)
    lab.wait_idle()
    n = int(lab.python("len(w.proposals)"))
    assert n >= 3
    ids = ast.literal_eval(lab.python("w.proposals['proposal_id'].tolist()"))  # best first; ids from the content
    focus(root)
    page = lab.page
    page.keyboard.press("a")  # selects the first open proposal
    expect(root.locator(".hitl-selection")).to_contain_text(f"proposal {ids[0]}")
    page.keyboard.press("a")  # accepts it: a track of the proposal's keyframes
    lab.wait_for_python("w.proposals['status'].tolist()[0]", "accepted")
    expect(root.locator(".hitl-selection")).to_contain_text("track 0")
    focus(root)  # running Python in the page took the focus
    page.keyboard.press("Escape")
    page.keyboard.press("r")  # selects the next open one
    expect(root.locator(".hitl-selection")).to_contain_text(f"proposal {ids[1]}")
    page.keyboard.press("r")
    lab.wait_for_python("w.proposals['status'].tolist()[:2]", ["accepted", "rejected"])
    assert lab.python("sorted(set(w.tracks['source']))") == "['proposal']"
    assert lab.python("bool((w.tracks['track'] == 0).all())") == "True"
