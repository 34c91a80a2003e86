"""TemporalSegmenter in a real JupyterLab, frame-exact: after random seeks (timeline clicks), "," /
"." steps and a J/L playback stopped by K, the frame index drawn in the painted frame's corner
(synthetic_clip's marker, read back from the canvas pixels) equals the frame the widget reports and
the frame stored with the edit made there ("[" / "]" / Enter)."""
from __future__ import annotations

import ast
import random
import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

N_FRAMES = 60

# read_frame_marker (hitl_widgets/demo/clips.py) on the canvas's pixels: 4x4 blocks, 16 bits, MSB first
READ = """(c) => {
  const w = c.width, h = c.height;
  if (!w || !h || c.dataset.frame === undefined) return null;
  const d = c.getContext('2d').getImageData(0, 0, w, h).data;
  const b = 4 * Math.max(1, Math.floor(Math.min(w, h) / 96)), inset = Math.floor(b / 4);
  let v = 0;
  for (let bit = 0; bit < 16; bit++) {
    const r = bit >> 2, col = bit & 3;
    let s = 0, n = 0;
    for (let y = r * b + inset; y < (r + 1) * b - inset; y++)
      for (let x = col * b + inset; x < (col + 1) * b - inset; x++) { const k = (y * w + x) * 4; s += d[k] + d[k + 1] + d[k + 2]; n += 3; }
    v = (v << 1) | (s / n > 127.5 ? 1 : 0);
  }
  return [v, Number(c.dataset.frame), Number(c.dataset.playhead)];
}"""
SETTLED = "(c) => c.dataset.frame !== undefined && c.dataset.frame === c.dataset.playhead"


def cells(vfr: bool) -> list[str]:
    return [
        "import hitl_widgets as hw\n"
        "from hitl_widgets.demo.clips import synthetic_clip\n"
        f"clip = synthetic_clip('clip.mp4', n_frames={N_FRAMES}, fps=25, size=(128, 96), vfr={vfr}, seed=2)\n"
        "w = hw.TemporalSegmenter(['clip.mp4'], ['appear', 'jump', 'spin'], store=hw.AnnotationStore('seg.db'))\n"
        "w",
    ]


def shown(lab, root) -> int:
    """Wait until the painted frame is the playhead; check marker == painted == readout; return it."""
    canvas = root.locator(".hitl-seg-video")
    lab.page.wait_for_function(SETTLED, arg=canvas.element_handle(), timeout=20_000)
    marker, painted, _ = canvas.evaluate(READ)
    text = root.locator(".hitl-seg-frame").text_content() or ""
    m = re.match(r"frame (\d+) / (\d+)", text)
    assert m, text
    assert marker == painted == int(m.group(1)), (marker, painted, text)
    return painted


@pytest.mark.parametrize("vfr", [False, True], ids=["cfr", "vfr"])
def test_frame_exact_seek_step_play_and_marks(lab, vfr):
    lab.open(lab.new_notebook("seg.ipynb", cells(vfr)))
    lab.run_all()
    root = lab.page.locator(".hitl-segmenter")
    expect(root.locator(".hitl-seg-frame")).to_have_text(re.compile(rf"frame 0 / {N_FRAMES - 1}"), timeout=60_000)
    lab.wait_idle()
    assert shown(lab, root) == 0
    root.focus()
    keys = lab.page.keyboard

    for _ in range(3):
        keys.press(".")
    assert shown(lab, root) == 3
    keys.press(",")
    assert shown(lab, root) == 2
    keys.press(">")
    assert shown(lab, root) == 12
    keys.press("<")
    assert shown(lab, root) == 2

    # random seeks: clicks on the timeline's thumbnail strip
    timeline = root.locator(".hitl-timeline")
    box = timeline.bounding_box()
    rng = random.Random(7)
    seen = set()
    for _ in range(5):
        timeline.click(position={"x": rng.uniform(2, box["width"] - 2), "y": 30})
        seen.add(shown(lab, root))
    assert len(seen) >= 3
    root.focus()

    # an edit made by keys: [ here, ten frames on, ] there, Enter
    keys.press("Home")
    for _ in range(5):
        keys.press(".")
    start = shown(lab, root)
    keys.press("[")
    keys.press(">")
    keys.press(".")
    end = shown(lab, root)
    keys.press("]")
    keys.press("Enter")
    lab.wait_for_python("len(w.segments)", 1)
    seg = ast.literal_eval(lab.python("w.segments[['start_frame', 'end_frame', 'class']].values.tolist()"))
    assert seg == [[start, end, "appear"]] and (start, end) == (5, 16)

    # J/L playback then K stop: the frame shown is where the mark lands
    root.focus()  # running a cell took the focus
    keys.press("l")
    lab.page.wait_for_timeout(600)
    keys.press("k")
    stopped = shown(lab, root)
    assert stopped > end
    keys.press("2")
    keys.press("[")
    keys.press("l")
    keys.press("l")  # 2x
    lab.page.wait_for_timeout(300)
    keys.press("k")
    later = shown(lab, root)
    assert later > stopped
    keys.press("j")
    lab.page.wait_for_timeout(200)
    keys.press("k")
    back = shown(lab, root)
    assert back < later
    keys.press("]")
    keys.press("Enter")
    lab.wait_for_python("len(w.segments)", 2)
    rows = ast.literal_eval(lab.python("w.segments[['start_frame', 'end_frame', 'class']].values.tolist()"))
    assert sorted(rows) == sorted([[start, end, "appear"], [min(stopped, back), max(stopped, back), "jump"]])
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    # the stored times are the video's own (VFR included)
    times = ast.literal_eval(lab.python("[round(float(t), 6) for t in clip.times]"))
    got = ast.literal_eval(lab.python("w.segments.sort_values('start_frame')['start_s'].round(6).tolist()"))
    assert got[0] == times[start]


PROPOSAL_CELLS = [
    "import hitl_widgets as hw\n"
    "from hitl_widgets.demo.clips import synthetic_clip\n"
    f"clip = synthetic_clip('clip.mp4', n_frames={N_FRAMES}, fps=25, size=(128, 96), seed=4)\n"
    "props = [dict(video=0, start_frame=10, end_frame=20, score=0.9, **{'class': 'jump'}),\n"
    "         dict(video=0, start_frame=30, end_frame=40, score=0.8, **{'class': 'spin'})]\n"
    "w = hw.TemporalSegmenter(['clip.mp4'], ['appear', 'jump', 'spin'], store=hw.AnnotationStore('seg.db'), proposals=props)\n"
    "w",
]
SEGS = "w.segments[['start_frame', 'end_frame', 'class', 'source']].values.tolist()"


def test_proposals_edge_drag_nudge_undo_and_reload(lab):
    lab.open(lab.new_notebook("props.ipynb", PROPOSAL_CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-segmenter")
    expect(root.locator(".hitl-seg-frame")).to_have_text(re.compile(r"frame 0 / "), timeout=60_000)
    lab.wait_idle()
    root.focus()
    keys = lab.page.keyboard
    keys.press("n")  # the first proposal
    assert shown(lab, root) == 10
    keys.press("a")
    keys.press("n")  # the next one
    assert shown(lab, root) == 30
    keys.press("r")
    lab.wait_for_python(SEGS, [[10, 20, "jump", "proposal"]])
    assert ast.literal_eval(lab.python("w.proposals['status'].tolist()")) == ["accepted", "rejected"]

    # drag the accepted segment's end edge (lane 1: 'jump') from boundary 21 to 25 with the mouse
    timeline = root.locator(".hitl-timeline")
    box = timeline.bounding_box()
    x = lambda b: box["x"] + b * box["width"] / N_FRAMES  # noqa: E731 - the whole video is in view
    y = box["y"] + 18 + 36 + 16 + 8
    lab.page.mouse.move(x(21), y)
    lab.page.mouse.down()
    lab.page.mouse.move(x(23), y, steps=3)
    lab.page.mouse.move(x(25), y, steps=3)
    lab.page.mouse.up()
    lab.wait_for_python(SEGS, [[10, 24, "jump", "proposal"]])
    root.focus()
    keys.press("Alt+ArrowRight")  # the selected (dragged) segment's start, one frame later
    lab.wait_for_python(SEGS, [[11, 24, "jump", "proposal"]])
    root.focus()
    keys.press("Alt+Shift+ArrowLeft")  # its end, one frame earlier
    lab.wait_for_python(SEGS, [[11, 23, "jump", "proposal"]])
    root.focus()
    keys.press("Control+z")
    lab.wait_for_python(SEGS, [[11, 24, "jump", "proposal"]])
    root.focus()
    keys.press("Control+Shift+z")
    lab.wait_for_python(SEGS, [[11, 23, "jump", "proposal"]])
    # marks inside the selected segment: Enter adds its child
    root.focus()
    keys.press("Home")
    keys.press(">")
    for _ in range(4):
        keys.press(".")
    assert shown(lab, root) == 14
    keys.press("[")
    keys.press(".")
    keys.press(".")
    keys.press("]")
    keys.press("Enter")
    lab.wait_for_python("len(w.segments)", 2)
    rows = ast.literal_eval(lab.python("w.segments[['segment_id', 'parent', 'start_frame', 'end_frame', 'class']].values.tolist()"))
    (outer_id, _, *_), (_, parent, start, end, cls) = rows
    assert (parent, start, end, cls) == (outer_id, 14, 16, "appear")
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)

    # everything is in the store: a new kernel, the same cells, the same segments
    lab.restart_kernel()
    lab.run_all()
    lab.wait_for_python(SEGS, [[11, 23, "jump", "proposal"], [14, 16, "appear", "human"]])
    assert ast.literal_eval(lab.python("w.proposals['status'].tolist()")) == ["accepted", "rejected"]
