"""SensorFusionReview in a real JupyterLab (headless Chromium, software WebGL): a box dragged on the
camera image selects exactly the points whose projection falls inside it (recomputed here with
hitl_widgets.fusion from the kernel's pixel positions), and the kernel gets that selection; a
box in the cloud lights its points up in the image;
verdicts by keyboard (with a typed reason) and by mouse, undo, and the verdicts after a kernel
restart."""
from __future__ import annotations

import json

import numpy as np
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.lab]

CELLS = [
    "import numpy as np, hitl_widgets as hw\n"
    "from hitl_widgets.demo.lidar import Faults, synthetic_scan\n"
    "from hitl_widgets.fusion import frame_from_scan, points_in_box\n"
    "scan = synthetic_scan(beams=32, azimuth_steps=512, seed=0, faults=Faults(missed_pedestrian=17, class_swap=(1, 2)))\n"
    "w = hw.SensorFusionReview(frame_from_scan(scan), store=hw.AnnotationStore('fusion.db'))\n"
    "np.save('uv.npy', w.view_uv())\n"
    "w",
]

COUNT_PAINTED = """el => {
  const d = el.getContext('2d').getImageData(0, 0, el.width, el.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


def drag(lab, locator, a: tuple[float, float], b: tuple[float, float]) -> None:
    """Drag from a to b, in CSS px from the element's top-left corner."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    mouse = lab.page.mouse
    mouse.move(box["x"] + a[0], box["y"] + a[1])
    mouse.down()
    mouse.move(box["x"] + b[0], box["y"] + b[1], steps=3)
    mouse.up()


def test_a_box_on_the_image_selects_its_frustum_and_verdicts_by_key_and_mouse(lab):
    lab.open(lab.new_notebook("fusion.ipynb", CELLS))
    lab.run_all()
    root = lab.page.locator(".hitl-fusion")
    expect(root).to_have_attribute("data-frame-loaded", "0", timeout=60_000)
    lab.wait_idle()
    n_items = int(lab.python("len(w.order)"))
    assert n_items >= 3
    image = root.locator(".hitl-fusion-image-canvas")
    assert image.evaluate(COUNT_PAINTED) > 1000  # the camera image was drawn
    expect(root.locator(".hitl-fusion-what")).to_contain_text("frame 1:")
    assert "cannot draw" not in root.locator(".hitl-status").inner_text()

    # a box in the image: exactly the points projecting inside it are selected, in the view and in the kernel
    scale = float(image.get_attribute("data-scale"))
    drag(lab, root.locator(".hitl-fusion-image"), (60 * scale, 150 * scale), (330 * scale, 240 * scale))
    box = json.loads(root.get_attribute("data-last-box"))
    assert np.allclose(box, [60, 150, 330, 240], atol=1.5 / scale)
    uv = np.load(lab.workdir / "uv.npy")
    u, v = uv[:, 0].astype(np.float64), uv[:, 1].astype(np.float64)
    want = np.flatnonzero((u >= box[0]) & (u <= box[2]) & (v >= box[1]) & (v <= box[3]))
    assert 20 < len(want) < 0.5 * len(uv)
    expect(root).to_have_attribute("data-selected", str(len(want)))
    lab.wait_for_python("len(w.selection[1])", len(want))
    lab.python("np.save('selection.npy', w.selection[1])")
    assert np.load(lab.workdir / "selection.npy").tolist() == want.tolist()
    lab.wait_for_python(f"points_in_box(w.view_uv(), {box!r}).tolist() == w.selection[1].tolist()", True)

    # keyboard: type a reason, Enter back to the keys, "l" = LiDAR right (and on to the next)
    root.focus()
    lab.page.keyboard.press("r")
    lab.page.keyboard.type("the camera labels a car as a pedestrian")
    lab.page.keyboard.press("Enter")
    lab.page.keyboard.press("l")
    first = lab.python("w.order[0]")
    lab.wait_for_python(f"w.verdicts.set_index('item_id').loc[{first}, 'verdict']", "lidar")
    lab.wait_for_python(f"w.verdicts.set_index('item_id').loc[{first}, 'reason']", "the camera labels a car as a pedestrian")
    expect(root.locator(".hitl-position")).to_contain_text("disagreement 2 /")

    # mouse: "both wrong" on the second, then "ambiguous" on the third
    root.locator(".hitl-verdict-both_wrong").click()
    root.locator(".hitl-verdict-ambiguous").click()
    lab.wait_for_python("w.verdicts['verdict'].tolist()", ["lidar", "both_wrong", "ambiguous"])
    # undo takes back the last (Backspace), redo (Ctrl+Shift+Z) brings it back, undo again
    root.focus()
    lab.page.keyboard.press("Backspace")
    lab.wait_for_python("w.verdicts['verdict'].tolist()", ["lidar", "both_wrong"])
    root.focus()
    lab.page.keyboard.press("Control+Shift+z")
    lab.wait_for_python("w.verdicts['verdict'].tolist()", ["lidar", "both_wrong", "ambiguous"])
    root.focus()
    lab.page.keyboard.press("Control+z")
    lab.wait_for_python("w.verdicts['verdict'].tolist()", ["lidar", "both_wrong"])
    expect(root.locator(".hitl-status-saved")).to_have_text("all saved", timeout=20_000)
    expect(root.locator(".hitl-progress")).to_have_text(f"reviewed 2 of {n_items}")
    # a box in the cloud ("b"): the kernel gets the view's selection, and its points in view light up in the image
    root.focus()
    lab.page.keyboard.press("b")
    cloud = root.locator(".hitl-fusion-cloud")
    cb = cloud.bounding_box()
    drag(lab, cloud, (cb["width"] / 2 - 90, cb["height"] / 2 - 60), (cb["width"] / 2 + 90, cb["height"] / 2 + 60))
    n_cloud = int(root.get_attribute("data-selected"))
    assert n_cloud > 0
    lab.wait_for_python("len(w.selection[1])", n_cloud)
    lab.wait_for_python("w.selection[2] is None", True)
    lab.python("np.save('selection.npy', w.selection[1])")
    seen = np.isfinite(uv[np.load(lab.workdir / "selection.npy"), 0]).sum()
    yellow = image.evaluate("""el => { const d = el.getContext('2d').getImageData(0, 0, el.width, el.height).data;
      let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] === 255 && d[i + 1] === 255 && d[i + 2] === 0) n++; return n; }""")
    assert seen > 0 and yellow > 0, (yellow, seen)

    # keys are in the help; Escape clears the selection
    root.focus()
    lab.page.keyboard.press("?")
    expect(root.locator(".hitl-help")).to_contain_text("calibration check")
    lab.page.keyboard.press("?")
    lab.page.keyboard.press("e")
    expect(root.locator(".hitl-fusion-info")).to_contain_text("outline points")
    lab.page.keyboard.press("Escape")
    expect(root).to_have_attribute("data-selected", "0")
    lab.screenshot_element(root, "fusion_review.png")

    lab.restart_kernel()
    lab.run_all()
    root = lab.page.locator(".hitl-fusion")
    expect(root).to_have_attribute("data-frame-loaded", "0", timeout=60_000)
    lab.wait_idle()
    lab.wait_for_python("w.verdicts['verdict'].tolist()", ["lidar", "both_wrong"])
    expect(root.locator(".hitl-progress")).to_have_text(f"reviewed 2 of {n_items}")
