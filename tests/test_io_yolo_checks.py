"""YOLO txt import / export: values are normalised (pixel coordinates are refused, in and out),
the class order is always explicit (two splits exported apart number their classes alike), a label
file is named after its image's stem (``c.png`` → ``c.txt``) and read back to the item as given."""
from __future__ import annotations

import doctest

import pandas as pd
import pytest

import hitl_widgets.io.yolo as yolo
from hitl_widgets.io import from_yolo, to_yolo

SIZES = {"a": (640, 480)}


def boxes(items, classes, x=0.0, w=5.0):
    return pd.DataFrame({"item": items, "x": x, "y": 0.0, "w": w, "h": 5.0, "class": classes})


# --------------------------------------------------------------------------- 1: normalised values only


def test_pixel_coordinates_are_refused_naming_the_item_and_line():
    with pytest.raises(ValueError, match=r"^item 'a' line 2: cx = 320 is outside \[0, 1\]: YOLO values are normalised"):
        from_yolo({"a": "0 0.5 0.5 0.1 0.1\n0 320 240 50 40\n"}, image_sizes=SIZES, classes=["car"])


def test_a_label_file_with_pixel_coordinates_is_named(tmp_path):
    (tmp_path / "a.txt").write_text("\n0 0.5 0.5 1.5 0.1\n")
    with pytest.raises(ValueError, match=r"a\.txt line 2: w = 1\.5 is outside \[0, 1\]"):
        from_yolo(tmp_path, image_sizes=SIZES, classes=["car"])


@pytest.mark.parametrize("line, problem", [
    ("0 -0.1 0.5 0.1 0.1", "cx = -0.1 is outside"),
    ("0 0.5 0.5 0.1 nan", "h = nan is outside"),
    ("0 0.5 0.5 0.1 x", "h must be a number, not 'x'"),
    ("0.0 0.5 0.5 0.1 0.1", "class index must be an int, not '0.0'"),
    ("0 0.5 0.5 0.1 0.1 1.5", "score must be a probability in"),
])
def test_a_line_out_of_format_is_refused(line, problem):
    with pytest.raises(ValueError, match=rf"^item 'a' line 1: {problem}"):
        from_yolo({"a": line}, image_sizes=SIZES, classes=["car"])


def test_float_rounding_past_an_end_is_taken():
    back = from_yolo({"a": "0 0.5 0.5 1.0000004 -0.0000004 0.9"}, image_sizes=SIZES, classes=["car"])
    assert back[["w", "score"]].values.tolist() == [[pytest.approx(640.0), 0.9]]


def test_a_box_off_the_image_is_refused_and_one_on_its_edge_written():
    df = boxes(["a"], ["car"], x=-50.0, w=20.0)
    with pytest.raises(ValueError, match=r"^item 'a': box \(-50\.0, 0\.0, 20\.0, 5\.0\) on a 640x480 image has cx = "
                                         r"-0\.0625 outside \[0, 1\]"):
        to_yolo(df, image_sizes=SIZES, classes=["car"])
    assert to_yolo(boxes(["a"], ["car"], x=0.0, w=640.0), image_sizes=SIZES, classes=["car"])["a"].startswith(
        "0 0.500000 0.005208 1.000000 ")


# --------------------------------------------------------------------------- 2: the class order is explicit


def test_a_dataframe_without_classes_is_refused_saying_why():
    with pytest.raises(ValueError, match=r"^to_yolo needs classes=\[\.\.\.\].*Give every split the same classes="):
        to_yolo(boxes(["c"], ["car"]), image_sizes={"c": (10, 10)})


def test_a_categorical_class_column_numbers_every_split_alike():
    kinds = pd.CategoricalDtype(["bus", "car"])
    train = boxes(["a", "b"], ["car", "bus"]).astype({"class": kinds})
    val = boxes(["c"], ["car"]).astype({"class": kinds})
    t = to_yolo(train, image_sizes={"a": (10, 10), "b": (10, 10)})
    v = to_yolo(val, image_sizes={"c": (10, 10)})
    assert t["a"][0] == v["c"][0] == "1" and t["b"][0] == "0"


def test_classes_are_told_apart_by_type_and_text():
    with pytest.raises(ValueError, match="class True of item 'a' is not one of"):
        to_yolo(boxes(["a"], [True]), image_sizes={"a": (10, 10)}, classes=[0, 1])
    with pytest.raises(ValueError, match="two classes have the same name as text"):
        to_yolo(boxes(["a"], [1]), image_sizes={"a": (10, 10)}, classes=[1, "1"])
    with pytest.raises(ValueError, match=r"class 'a\\nb' \(index 1\): a class name must be non-empty text on one line"):
        to_yolo(boxes(["a"], ["x"]), image_sizes={"a": (10, 10)}, classes=["x", "a\nb"])


# --------------------------------------------------------------------------- 3: label file names, round trip


def test_label_files_are_named_after_the_image_stem_and_read_back_to_the_items(tmp_path):
    sizes = {0: (10, 10), "img/c.png": (10, 10)}
    to_yolo(boxes([0, "img/c.png"], [7, 3]), tmp_path, image_sizes=sizes, classes=[3, 7])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["0.txt", "c.txt", "classes.txt"]
    back = from_yolo(tmp_path, image_sizes=sizes)
    assert back[["item", "class"]].values.tolist() == [[0, "7"], ["img/c.png", "3"]]  # classes.txt: names, strs
    back = from_yolo(tmp_path, image_sizes=sizes, classes=[3, 7])
    assert back[["item", "class"]].values.tolist() == [[0, 7], ["img/c.png", 3]]


@pytest.mark.parametrize("sizes, stems, problem", [
    ({"a.png": (9, 9), "a.jpg": (9, 9)}, None, r"^items 'a\.png' and 'a\.jpg' would share the label file a\.txt"),
    ({"a": (9, 9), "b": (9, 9)}, {"b": "a"}, r"^items 'a' and 'b' would share the label file a\.txt"),
    ({0: (9, 9)}, {"0": "x"}, r"^item '0' \(a str\) in file_stems and 0 \(an int\) in the items read alike"),
    ({0: (9, 9)}, {1: "x"}, r"^file_stems names 1, which is not one of the items"),
    ({"classes.png": (9, 9)}, None, r"^item 'classes\.png': its label file would be classes\.txt"),
    ({0: (9, 9)}, {0: "../x"}, r"^item 0: label file stem '\.\./x' must be a plain file name"),
])
def test_two_items_with_one_label_file_are_refused(tmp_path, sizes, stems, problem):
    with pytest.raises(ValueError, match=problem):
        to_yolo(boxes([], []), tmp_path, image_sizes=sizes, classes=["car"], file_stems=stems)
    assert not list(tmp_path.iterdir())


def test_a_label_file_no_item_has_is_refused(tmp_path):
    to_yolo(boxes(["c.png"], ["car"]), tmp_path, image_sizes={"c.png": (10, 10)}, classes=["car"])
    (tmp_path / "c.png.txt").write_text("0 0.5 0.5 0.1 0.1\n")  # an old export's name
    with pytest.raises(ValueError, match=r"c\.png\.txt: no item of image_sizes has this label file"):
        from_yolo(tmp_path, image_sizes={"c.png": (10, 10)})


def test_file_stems_are_read_back(tmp_path):
    to_yolo(boxes(["c"], ["car"]), tmp_path, image_sizes={"c": (10, 10)}, classes=["car"], file_stems={"c": "frame_1"})
    assert (tmp_path / "frame_1.txt").is_file()
    assert from_yolo(tmp_path, image_sizes={"c": (10, 10)}, file_stems={"c": "frame_1"})["item"].tolist() == ["c"]


def test_a_blank_line_among_the_class_names_is_refused(tmp_path):
    (tmp_path / "classes.txt").write_text("car\n\nbus\n\n")
    (tmp_path / "a.txt").write_text("1 0.5 0.5 0.1 0.1\n")
    with pytest.raises(ValueError, match=r"classes\.txt line 2: a blank class name"):
        from_yolo(tmp_path, image_sizes=SIZES)


def test_docstring_examples_run():
    result = doctest.testmod(yolo)
    assert result.attempted > 0 and result.failed == 0


def test_yolo_files_are_utf8_whatever_the_locale(tmp_path):
    """The label files and classes.txt were written and read in the locale's encoding: under LC_ALL=C
    a class named "café" could not be written (or came back garbled on another machine)."""
    import subprocess
    import sys

    script = (
        "import pandas as pd, sys\n"
        "from hitl_widgets.io import from_yolo, to_yolo\n"
        "df = pd.DataFrame({'item': ['a.png'], 'x': [1.0], 'y': [1.0], 'w': [2.0], 'h': [2.0], 'class': ['caf\\u00e9']})\n"
        f"to_yolo(df, {str(tmp_path)!r}, image_sizes={{'a.png': (10, 10)}}, classes=['caf\\u00e9'])\n"
        f"back = from_yolo({str(tmp_path)!r}, image_sizes={{'a.png': (10, 10)}})\n"
        "print(ascii(list(back['class'])))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "['caf\\xe9']"
    assert (tmp_path / "classes.txt").read_bytes() == "café\n".encode()


def test_to_yolo_of_a_widget_can_leave_out_the_images_nobody_reviewed(caplog):
    """An item nobody opened got an empty label file, exactly like one reviewed as empty: a background
    image for training."""
    import numpy as np

    import hitl_widgets as hw
    from hitl_widgets.io import to_yolo
    from hitl_widgets.widgets.bbox import BBoxAnnotator

    w = BBoxAnnotator(np.zeros((3, 20, 30), np.uint8), ["cat"], store=hw.AnnotationStore(":memory:"))
    w.set_boxes(0, [(1, 1, 5, 5, "cat")])
    w.set_boxes(1, [])
    with caplog.at_level("WARNING", logger="hitl_widgets"):
        assert sorted(to_yolo(w)) == [0, 1, 2]
    assert "to_yolo: 1 of 3 images were never reviewed" in caplog.text
    texts = to_yolo(w, images="reviewed")
    assert sorted(texts) == [0, 1] and texts[1] == ""
