"""The learning-curve SVG (``static.curve_svg``) and LoopPanel's static card: every number shown is
the data's (through ``reports.format_number``), a flat curve gets no made-up range, NaN is a gap."""
from __future__ import annotations

import re

from hitl_widgets.static import curve_svg
from hitl_widgets.widgets.loop_panel import LoopPanel


def labels(svg: bytes) -> list[str]:
    """The texts of the SVG's axis labels (the legend's last)."""
    return re.findall(r">([^<]+)</text>", svg.decode())


def test_a_flat_curve_is_labelled_with_its_value_not_value_plus_one():
    svg = curve_svg({"accuracy": [(100, 0.90), (200, 0.90)]})
    assert labels(svg) == ["100", "200 labels", "0.90", "accuracy"]
    line = re.search(r"points='([^']+)'", svg.decode())[1]
    y_pixels = {float(p.split(",")[1]) for p in line.split()}
    assert len(y_pixels) == 1 and 10 < y_pixels.pop() < 192  # drawn inside the plot, not on an axis end


def test_a_rate_below_one_never_reads_one():
    assert labels(curve_svg({"accuracy": [(100, 0.981), (200, 0.9996)]}))[2:4] == ["0.98", "0.9996"]


def test_large_x_values_are_plain_ints():
    assert labels(curve_svg({"loss": [(1_000_000, 0.5), (2_500_000, 0.25)]}))[:2] == ["1000000", "2500000 labels"]


def test_a_single_x_gets_one_centred_label():
    svg = curve_svg({"accuracy": [(20, 0.8)]}).decode()
    assert "text-anchor='middle'>20 labels<" in svg and "<circle" in svg  # a lone point is a dot


def test_nan_points_are_a_gap_not_a_blank_chart():
    svg = curve_svg({"acc": [(1, 0.5), (2, float("nan")), (3, 0.7), (4, 0.8)], "b": [(2, float("inf"))]})
    text = svg.decode().lower()
    assert "nan" not in text and "inf" not in text
    assert labels(svg)[:4] == ["1", "4 labels", "0.50", "0.80"]
    assert text.count("<circle") == 1 and len(re.findall(r"points='([^']+)'", text)) == 1  # (1) alone, then (3)-(4)


def test_nothing_finite_draws_nothing():
    assert curve_svg({"acc": [(1, float("nan"))]}) == b""


def test_a_wide_y_label_gets_room():
    svg = curve_svg({"loss": [(1, 123456.75), (2, 0.5)]}).decode()
    left = int(re.search(r"<line x1='(\d+)' y1='10'", svg)[1])
    assert ">123456.75<" in svg and left - 4 >= 7 * len("123456.75")


def test_loop_panel_card_shows_the_numbers_as_they_are():
    panel = LoopPanel()
    panel.history = [{"n_labels": 20, "accuracy": 0.9712, "macro_f1": 0.9441},
                     {"n_labels": 40, "accuracy": 0.9996, "macro_f1": 0.9995}]
    card = panel._static_card()
    assert dict(card.rows)["last round"] == "n_labels 40, accuracy 0.9996, macro_f1 0.9995"
    assert labels(card.picture)[:4] == ["20", "40 labels", "0.94", "0.9996"]


def test_loop_panel_card_with_a_nan_first_round():
    panel = LoopPanel()
    panel.history = [{"n_labels": 20, "accuracy": float("nan"), "macro_f1": 0.5},
                     {"n_labels": 40, "accuracy": 0.8, "macro_f1": float("nan")}]
    card = panel._static_card()
    assert dict(card.rows)["last round"] == "n_labels 40, accuracy 0.800, macro_f1 –"
    assert "nan" not in card.picture.decode().lower() and labels(card.picture)[2:4] == ["0.50", "0.80"]
