"""RLE encode/decode speed: hitl_widgets.metrics.geometry vs pycocotools, same run, same masks.

    python benchmarks/rle_speed.py [--repeats 15]

Prints median milliseconds and the ratio ours/peer (< 1 means we are faster) for 1920x1080
masks that are smooth (a few blobs) and noisy (each pixel set with p = 0.5), then the size of
one brush-stroke delta as RLE counts vs PNG. Informational: nothing is asserted.

Every ratio compares the same work: the same input to the same output. pycocotools has no encoder
to uncompressed (list) counts, so "encode -> list" is ours alone (no peer, no ratio); timing the
peer's compressed encode plus our own ``rle_from_string`` would charge pycocotools for our code.
"""

from __future__ import annotations

import argparse
import base64
import io
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image
from pycocotools import mask as coco

from hitl_widgets.metrics.geometry import (
    polygon_to_mask,
    rle_decode,
    rle_encode,
    rle_from_string,
    rle_to_string,
)

H, W = 1080, 1920


def masks() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:H, :W]
    smooth = np.zeros((H, W), bool)
    for _ in range(5):
        cy, cx, r = rng.integers(100, H - 100), rng.integers(100, W - 100), rng.integers(40, 250)
        smooth |= (yy - cy) ** 2 + ((xx - cx) * 0.7) ** 2 < r**2
    return {"smooth": smooth, "noisy": rng.random((H, W)) < 0.5}


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def cases(m: np.ndarray) -> list[tuple[str, Callable[[], Any], Callable[[], Any] | None]]:
    """(operation, ours, peer) on one mask; both sides return the same RLE or mask; peer None: the
    peer has no function doing that work."""
    ours, comp = rle_encode(m), coco.encode(np.asfortranarray(m.view(np.uint8)))
    assert ours == rle_from_string(comp["counts"], comp["size"])  # same results, or no race
    assert rle_to_string(ours) == comp["counts"]

    def fortran():
        return np.asfortranarray(m.view(np.uint8))

    return [
        # mask -> RLE. Peer: pycocotools.mask.encode, which makes compressed counts only (and
        # needs a Fortran-ordered uint8 array: that copy is part of its cost, as the user pays it).
        ("encode -> bytes", lambda: rle_encode(m, compress=True), lambda: coco.encode(fortran())),
        ("encode -> list", lambda: rle_encode(m), None),  # pycocotools: no such encoder
        # RLE -> mask. Peer: decode; for list counts via frPyObjects (its uncompressed path).
        ("decode bytes", lambda: rle_decode(comp), lambda: coco.decode(comp)),
        (
            "decode list",
            lambda: rle_decode(ours),
            lambda: coco.decode(coco.frPyObjects(ours, H, W)),
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    repeats = ap.parse_args().repeats

    rows = [
        (name, case, median_ms(ours, repeats), None if peer is None else median_ms(peer, repeats))
        for name, m in masks().items()
        for case, ours, peer in cases(m)
    ]
    print(f"RLE speed, {W}x{H} masks, median of {repeats} repeats (ms); ratio = ours / pycocotools, same input, same output")
    print(f"{'mask':<7} {'operation':<22} {'ours':>8} {'pycocotools':>12} {'ratio':>6}")
    for name, case, o, p in rows:
        if p is None:
            print(f"{name:<7} {case:<22} {o:8.2f} {'-':>12} {'-':>6}   (pycocotools has no encoder to list counts)")
        else:
            print(f"{name:<7} {case:<22} {o:8.2f} {p:12.2f} {o / p:6.2f}")
    print("decode list: ours from list counts; pycocotools from the same list through frPyObjects, its own path")

    # One brush stroke (30 px wide, across the image) as the delta sent to the kernel.
    t = np.linspace(0, 1, 50)
    xs, ys = 40 + t * (W - 80), H / 2 + 300 * np.sin(2 * np.pi * t)
    nx, ny = np.gradient(ys), -np.gradient(xs)
    norm = np.hypot(nx, ny)
    nx, ny = 15 * nx / norm, 15 * ny / norm
    ring = np.concatenate(
        [np.column_stack([xs + nx, ys + ny]), np.column_stack([xs - nx, ys - ny])[::-1]]
    )
    stroke = polygon_to_mask(ring.ravel(), H, W)
    counts = np.asarray(rle_encode(stroke)["counts"], np.int32)
    png = io.BytesIO()
    Image.fromarray(stroke.view(np.uint8) * 255).save(png, format="PNG", optimize=True)
    print(f"\nBrush stroke 30 px wide across a {W}x{H} mask ({int(stroke.sum())} px):")
    print(f"  RLE counts as int32      {counts.nbytes:>9,} bytes ({counts.size} runs)")
    print(f"  RLE compressed string    {len(rle_to_string(rle_encode(stroke))):>9,} bytes")
    print(f"  PNG (Pillow, optimize)   {png.getbuffer().nbytes:>9,} bytes")
    print(f"  PNG as base64            {len(base64.b64encode(png.getvalue())):>9,} bytes")


if __name__ == "__main__":
    main()
