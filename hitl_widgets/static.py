"""What a widget shows where no JavaScript runs: a static card (``text/html``) in its MIME bundle,
next to the live view.

JupyterLab, Notebook 7, VS Code and Colab render the live view and ignore the card. Where the
widget cannot run — ``jupyter nbconvert --to html`` of a notebook saved without widget state
(JupyterLab's default), GitHub's viewer, a PDF — nbconvert and the viewers fall back to the card:
the widget's name, counts and progress, a thumbnail of the current item with its annotations, or
the dashboard's figure. Every text in it is escaped; it holds no script and no link.

A widget class gives its card by overriding ``_static_card()`` (title, rows, picture, more html);
``with_static(bundle, widget)`` adds it to a bundle. A card that fails to build is left out (and
logged): the live view never depends on it.

Example:
    >>> card = StaticCard("ClassifyWidget", [("items", 3), ("labelled", "1 of 3")])
    >>> html = card.to_html()
    >>> "ClassifyWidget" in html and "1 of 3" in html and "<script" not in html
    True
"""
from __future__ import annotations

import base64
import html
import io
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from .reports import format_number

__all__ = ["StaticCard", "with_static", "thumbnail_jpeg", "curve_svg", "section_card"]

log = logging.getLogger(__name__)

THUMBNAIL_SIDE = 240
_PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
            (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def thumbnail_jpeg(image: Image.Image, boxes: Sequence[tuple[float, float, float, float, int]] = (),
                  mask: np.ndarray | None = None, side: int = THUMBNAIL_SIDE,
                  polygons: Sequence[tuple[Sequence[Sequence[float]], int]] = ()) -> bytes:
    """A JPEG thumbnail (small in a saved notebook; longest side ``side``) of ``image`` with ``boxes`` (x, y, w, h, colour index)
    and ``polygons`` (a ring of ``[x, y]`` vertices, colour index) outlined and ``mask`` (integer labels, 0 = none) tinted over it."""
    rgb = image.convert("RGB")
    if mask is not None and mask.shape == (rgb.height, rgb.width) and mask.any():
        base = np.asarray(rgb, dtype=np.float32)
        colours = np.array([(0, 0, 0)] + _PALETTE * (int(mask.max()) // len(_PALETTE) + 1), dtype=np.float32)
        tint = colours[mask.astype(np.intp)]
        painted = (mask > 0)[..., None]
        rgb = Image.fromarray(np.where(painted, 0.45 * base + 0.55 * tint, base).astype(np.uint8))
    scale = min(1.0, side / max(rgb.width, rgb.height)) if max(rgb.width, rgb.height) > side else side / max(rgb.width, rgb.height)
    size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    rgb = rgb.resize(size, Image.Resampling.NEAREST if scale > 1 else Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(rgb)
    for x, y, w, h, colour in boxes:
        draw.rectangle([x * scale, y * scale, (x + w) * scale, (y + h) * scale], outline=_PALETTE[colour % len(_PALETTE)], width=2)
    for ring, colour in polygons:
        points = [(float(x) * scale, float(y) * scale) for x, y in ring]
        if len(points) >= 3:
            draw.line([*points, points[0]], fill=_PALETTE[colour % len(_PALETTE)], width=2)
    buffer = io.BytesIO()
    rgb.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _img(picture: bytes, alt: str) -> str:
    mime = "image/png" if picture[:8] == b"\x89PNG\r\n\x1a\n" else "image/svg+xml" if picture[:4] == b"<svg" else "image/jpeg"
    return (f"<img alt='{_e(alt)}' style='max-width:100%;display:block;margin-top:6px' "
            f"src='data:{mime};base64,{base64.b64encode(picture).decode('ascii')}'>")


@dataclass
class StaticCard:
    """A widget's static summary: a title, (name, value) rows, an optional picture (PNG bytes) and
    optional extra HTML that the caller has already escaped."""

    title: str
    rows: list[tuple[str, Any]] = field(default_factory=list)
    picture: bytes | None = None
    extra_html: str = ""

    def to_html(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left;padding:1px 10px 1px 0;font-weight:600'>{_e(k)}</th>"
                       f"<td style='padding:1px 0'>{_e(v)}</td></tr>" for k, v in self.rows)
        picture = _img(self.picture, f"{self.title}: current state") if self.picture else ""
        return (
            "<div class='hitl-static' style='border:1px solid #bbb;border-radius:4px;padding:8px 10px;"
            "font-family:system-ui,sans-serif;font-size:13px;max-width:60em'>"
            f"<div style='font-weight:600;margin-bottom:4px'>{_e(self.title)}</div>"
            f"<table style='border-collapse:collapse'>{rows}</table>{picture}{self.extra_html}"
            "<div style='color:#777;font-size:11px;margin-top:4px'>static view: run the notebook for the live widget</div></div>"
        )


def with_static(bundle: Any, widget: Any) -> Any:
    """``bundle`` (a widget's MIME bundle) with the widget's static card added, when it has one."""
    if isinstance(bundle, tuple) and len(bundle) == 2 and isinstance(bundle[0], dict):  # (data, metadata)
        return (with_static(bundle[0], widget), bundle[1])
    if not isinstance(bundle, dict):
        return bundle
    try:
        card = widget._static_card()
    except Exception:  # the live view must not depend on the card
        log.warning("no static view for %s", type(widget).__name__, exc_info=True)
        return bundle
    if card is None:
        return bundle
    return {**bundle, "text/html": card.to_html()}


def section_card(part: Any) -> StaticCard:
    """A dashboard's card: its audit-report section (numbers with CIs, flags), drawn without
    matplotlib so that showing the live widget stays quick: heatmaps as shaded tables, and the
    bias audit's table (it has the CIs) without its per-group plot."""
    from .reports import _section

    title, body = _section(part, light=True)
    return StaticCard(title, extra_html=body)


def _runs(points: Sequence[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """The drawable stretches of one series: its points sorted by x, split where y is not finite
    (NaN, inf: a gap in the line); a point whose x is not finite has no place and is left out.

    Example:
        >>> _runs([(3, 0.7), (1, 0.5), (2, float("nan")), (4, 0.8)])
        [[(1.0, 0.5)], [(3.0, 0.7), (4.0, 0.8)]]
    """
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in sorted((float(x), float(y)) for x, y in points if math.isfinite(float(x))):
        if math.isfinite(y):
            runs[-1].append((x, y))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _span(low: float, high: float) -> tuple[float, float]:
    """The range an axis spans for data from ``low`` to ``high``: the data's own range, or a small
    pad around a single value (so that a flat curve is drawn mid-axis, not at ``low + 1``)."""
    if high > low:
        return low, high
    pad = 0.05 * max(abs(low), 1.0)
    return low - pad, high + pad


def _run_svg(pixels: list[tuple[float, float]], colour: str, dash: str) -> str:
    """One unbroken stretch of a curve (pixel coordinates) as SVG: a line, or a dot for a lone point."""
    if len(pixels) == 1:
        return f"<circle cx='{pixels[0][0]:.1f}' cy='{pixels[0][1]:.1f}' r='2.5' fill='{colour}'/>"
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in pixels)
    return f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2'{dash}/>"


def curve_svg(series: dict[str, list[tuple[float, float]]], dashed: Sequence[str] = (), width: int = 420, height: int = 220) -> bytes:
    """Line plot of ``series`` (name → [(x, y), ...]) as SVG bytes, with a legend and axis labels
    at the data's smallest and largest x and y (through ``reports.format_number``: a rate below 1
    never reads "1.00"); names in ``dashed`` are drawn dashed. A point that is not finite (NaN,
    inf) is left out, a gap in its line; a lone point is a dot. No script, text escaped. Empty
    bytes when no point is finite.

    Example:
        >>> svg = curve_svg({"accuracy": [(100, 0.95), (200, 0.9996)]}).decode()
        >>> ">0.95<" in svg and ">0.9996<" in svg and ">200 labels<" in svg
        True
    """
    runs = {name: _runs(pts) for name, pts in series.items()}
    finite = [p for name_runs in runs.values() for run in name_runs for p in run]
    if not finite:
        return b""
    xs, ys = [p[0] for p in finite], [p[1] for p in finite]
    (x0, x1), (y0, y1) = _span(min(xs), max(xs)), _span(min(ys), max(ys))
    x_labels = sorted({min(xs), max(xs)})  # one label when every point has one x
    y_labels = [(format_number(y, 2), y) for y in sorted({min(ys), max(ys)})]  # one when the curve is flat
    left = max(44, 8 + 7 * max(len(text) for text, _ in y_labels))  # room for the widest y label
    right, top, bottom = 10, 10, 28
    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)
    def sy(y: float) -> float:
        return height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height + 18 * len(series)}' font-family='sans-serif' font-size='11'>",
             "<rect width='100%' height='100%' fill='white'/>",
             f"<line x1='{left}' y1='{height - bottom}' x2='{width - right}' y2='{height - bottom}' stroke='#444'/>",
             f"<line x1='{left}' y1='{top}' x2='{left}' y2='{height - bottom}' stroke='#444'/>"]
    anchors = ["start", "end"] if len(x_labels) == 2 else ["middle"]
    for x, anchor in zip(x_labels, anchors):  # a whole x as a plain int: 1000000, not 1e+06
        suffix = " labels" if x == x_labels[-1] else ""
        parts.append(f"<text x='{sx(x):.1f}' y='{height - 10}' text-anchor='{anchor}'>{_e(format_number(x, 0))}{suffix}</text>")
    parts += [f"<text x='{left - 4}' y='{sy(y) + 4:.1f}' text-anchor='end'>{_e(text)}</text>" for text, y in y_labels]
    for n, (name, name_runs) in enumerate(runs.items()):
        colour = "rgb({},{},{})".format(*_PALETTE[n % len(_PALETTE)])
        dash = " stroke-dasharray='5 3'" if name in dashed else ""
        parts += [_run_svg([(sx(x), sy(y)) for x, y in run], colour, dash) for run in name_runs]
        y = height + 14 + 18 * n
        parts.append(f"<line x1='{left}' y1='{y - 4}' x2='{left + 24}' y2='{y - 4}' stroke='{colour}' stroke-width='2'{dash}/>")
        parts.append(f"<text x='{left + 30}' y='{y}'>{_e(name)}</text>")
    parts.append("</svg>")
    return "".join(parts).encode("utf-8")
