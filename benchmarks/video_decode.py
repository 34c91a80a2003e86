"""Kernel-side video decoding: VideoSource against PyAV decoding the same file alone, 480p and 1080p.

    python benchmarks/video_decode.py            # 240-frame clips
    python benchmarks/video_decode.py --quick    # 60-frame clips

The clips are generated (hitl_widgets.demo.synthetic_clip, H.264 at 25 fps, a keyframe every 12
frames as PyAV's default GOP gives). Timed, median of 5 runs each (peer and ours alternating), same file, same output (an RGB
uint8 array per frame):
* ``sequential``: every frame in order. Peer: ``container.decode(video=0)`` + ``to_ndarray("rgb24")``
  with nothing else. Ours: ``VideoSource(path, cache_size=0).frame(i)`` for i = 0..T-1 (its index
  lookup, bounds checks and the decoder it keeps open between calls).
* ``random``: 50 frame indices drawn uniformly (one seed), one open container on each side. Peer: for
  each, ``container.seek`` to the keyframe at or before it (by pts, backward) and decode forward to the
  frame, the way one would write it with PyAV alone. Ours: ``frame(i)`` with the cache off, which
  differs in one way: when the frame lies ahead of the decoder's position with no keyframe between,
  it decodes on without seeking.
* ``jpeg``: ``encoded_frame(i)`` (decode + JPEG at quality 90, what the browser is sent), per frame, and
  the encoded size against the raw RGB size.
Ratios are peer time / our time (>= 1: ours as fast or faster; the issue's target is >= 0.8). Every
frame compared is checked equal between the two paths before timing. Figures only: nothing asserts on time.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from _timing import median_seconds  # noqa: E402  (beside this script: python benchmarks/<name>.py)

from hitl_widgets.demo import synthetic_clip  # noqa: E402
from hitl_widgets.video import VideoSource  # noqa: E402

REPEATS = 5
N_RANDOM = 50


def pyav_sequential(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def pyav_frame(container, pts: np.ndarray, i: int) -> np.ndarray:
    """Frame i with PyAV alone, on an open container: seek backward to a keyframe at or before its pts,
    decode forward to it."""
    stream = container.streams.video[0]
    container.seek(int(pts[i]), stream=stream, backward=True, any_frame=False)
    for f in container.decode(stream):
        if f.pts is not None and f.pts >= pts[i]:
            return f.to_ndarray(format="rgb24")
    raise RuntimeError(f"frame {i} not reached")


def ours_sequential(path: Path) -> list[np.ndarray]:
    src = VideoSource(path, cache_size=0)
    try:
        return [src.frame(i) for i in range(src.n_frames)]
    finally:
        src.close()


def paired_medians(peer, ours, repeats: int = REPEATS) -> tuple[float, float]:
    """Median seconds of each, timed in alternation (peer, ours, peer, ...) so that load on a shared
    machine falls on both alike; one untimed call of each first."""
    peer(), ours()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for fn, out in ((peer, times[0]), (ours, times[1])):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def run(label: str, size: tuple[int, int], n_frames: int, folder: Path) -> None:
    clip = synthetic_clip(folder / f"{label}.mp4", n_frames=n_frames, size=size, seed=1)
    path = clip.path
    assert path is not None
    src = VideoSource(path, cache_size=0)
    rng = np.random.default_rng(0)
    picks = [int(i) for i in rng.integers(0, src.n_frames, N_RANDOM)]

    ref = pyav_sequential(path)
    mine = ours_sequential(path)
    assert len(ref) == len(mine) == src.n_frames and all(np.array_equal(a, b) for a, b in zip(ref, mine))
    import av

    peer_container = av.open(str(path))
    for i in picks[:10]:
        assert np.array_equal(pyav_frame(peer_container, src.pts, i), src.frame(i)), f"frame {i} differs"

    t_peer, t_ours = paired_medians(lambda: pyav_sequential(path), lambda: ours_sequential(path))
    fps_peer, fps_ours = n_frames / t_peer, n_frames / t_ours
    print(f"{label} ({size[0]}x{size[1]}, {n_frames} frames, {len(src.keyframes)} keyframes, codec {clip.codec})")
    print(f"  sequential: PyAV alone {fps_peer:7.1f} frames/s, VideoSource {fps_ours:7.1f} frames/s, ratio {fps_ours / fps_peer:.2f}")

    def peer_random() -> None:
        for i in picks:
            pyav_frame(peer_container, src.pts, i)

    def ours_random() -> None:
        for i in picks:
            src.frame(i)

    r_peer, r_ours = (t / N_RANDOM for t in paired_medians(peer_random, ours_random))
    print(f"  random access ({N_RANDOM} frames): PyAV seek+decode {r_peer * 1e3:6.2f} ms/frame, "
          f"VideoSource {r_ours * 1e3:6.2f} ms/frame, ratio {r_peer / r_ours:.2f}")

    sizes = [len(src.encoded_frame(i)) for i in picks]
    j_ours = median_seconds(lambda: [src.encoded_frame(i) for i in picks], REPEATS, warm_up=True) / N_RANDOM
    raw = src.width * src.height * 3
    print(f"  JPEG q90 per frame (random): {j_ours * 1e3:6.2f} ms, median {statistics.median(sizes) / 1e3:.1f} kB "
          f"against {raw / 1e3:.0f} kB raw RGB ({raw / statistics.median(sizes):.0f}x smaller)")
    src.close()
    peer_container.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="60-frame clips")
    args = parser.parse_args()
    n = 60 if args.quick else 240
    with tempfile.TemporaryDirectory() as tmp:
        for label, size in (("480p", (854, 480)), ("1080p", (1920, 1080))):
            run(label, size, n, Path(tmp))
    print("ratios: >= 1 means VideoSource is at least as fast as PyAV alone on the same work")


if __name__ == "__main__":
    main()
