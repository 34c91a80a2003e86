"""Print the figures of hitl_widgets.video_analysis: mAP@[0.5:0.95] of motion_proposals against a
synthetic clip's ground truth (beside a trivial baseline), shot-change exactness on two concatenated
clips, and frames/s at 160x120 and 640x480 (frames in memory, and an H.264 file when PyAV is there).

    PYTHONPATH=. OMP_NUM_THREADS=1 python scripts/video_proposals_figures.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from hitl_widgets.demo import synthetic_clip
from hitl_widgets.demo.clips import MARKER_GRID, marker_block
from hitl_widgets.metrics.temporal import mean_average_precision_tiou
from hitl_widgets.video import VideoSource
from hitl_widgets.video_analysis import motion_proposals, shot_changes


def truth(clip, video="clip"):
    g = clip.segments.rename(columns={"action": "class"})
    g.insert(0, "video", video)
    return g


def marker(clip):
    m = MARKER_GRID * marker_block(clip.width, clip.height)
    return [(0, 0, m, m)]


def baseline(clip, video="clip"):
    """One segment per class spanning the whole clip, score 1."""
    return pd.DataFrame([{"video": video, "class": c, "start_frame": 0, "end_frame": clip.n_frames - 1, "score": 1.0}
                         for c in ("appear", "jump", "spin", "leave")])


def main() -> None:
    print("mAP@[0.5:0.95] of motion_proposals vs ground truth (synthetic_clip, 120 frames, 160x120):")
    for seed in range(5):
        clip = synthetic_clip(n_frames=120, size=(160, 120), seed=seed)
        src = VideoSource(clip.frames, fps=clip.fps, name="clip")
        props = motion_proposals(src, video="clip", ignore=marker(clip))
        m = mean_average_precision_tiou(props, truth(clip))
        b = mean_average_precision_tiou(baseline(clip), truth(clip))
        print(f"  seed {seed}: proposals mAP {m.mean:.3f} ({len(props)} proposals)   whole-clip baseline {b.mean:.3f}")
        if seed == 0:
            print("    per class (mean over tIoU):", {k: round(float(v), 3) for k, v in m.per_class.mean(axis=1).items()})
    try:
        import av  # noqa: F401
        have_av = True
    except ImportError:
        have_av = False
    for size in ((160, 120), (640, 480)):
        clip = synthetic_clip(n_frames=120, size=size, seed=0)
        src = VideoSource(clip.frames, fps=clip.fps, cache_size=0)
        t = time.perf_counter()
        shot_changes(src)
        a = time.perf_counter() - t
        t = time.perf_counter()
        motion_proposals(src, ignore=marker(clip))
        b = time.perf_counter() - t
        print(f"{size[0]}x{size[1]} array: shot_changes {clip.n_frames / a:.0f} frames/s, motion_proposals {clip.n_frames / b:.0f} frames/s")
        if have_av:
            with tempfile.TemporaryDirectory() as d:
                fclip = synthetic_clip(Path(d) / "c.mp4", n_frames=120, size=size, seed=0)
                with VideoSource(fclip.path, cache_size=0) as fsrc:
                    t = time.perf_counter()
                    for i in range(fsrc.n_frames):
                        fsrc.frame(i)
                    dec = time.perf_counter() - t
                with VideoSource(fclip.path, cache_size=0) as fsrc:
                    t = time.perf_counter()
                    shot_changes(fsrc)
                    a = time.perf_counter() - t
                with VideoSource(fclip.path, cache_size=0) as fsrc:
                    t = time.perf_counter()
                    props = motion_proposals(fsrc, video="clip", ignore=marker(fclip))
                    b = time.perf_counter() - t
                    seeks = fsrc.seeks
                m = mean_average_precision_tiou(props, truth(fclip))
                print(f"{size[0]}x{size[1]} {fclip.codec} file: decode alone {fclip.n_frames / dec:.0f} frames/s, "
                      f"shot_changes {fclip.n_frames / a:.0f} frames/s, motion_proposals {fclip.n_frames / b:.0f} frames/s "
                      f"({seeks} seek), mAP {m.mean:.3f}")
    a = synthetic_clip(n_frames=60, size=(160, 120), seed=1).frames
    b = synthetic_clip(n_frames=60, size=(160, 120), seed=2).frames
    for label, second in (("seeds 1|2, same background", b), ("seeds 1|2, second clip inverted (255 - frames)", 255 - b)):
        cuts = shot_changes(VideoSource(np.concatenate([a, second]), fps=25))
        print(f"shot_changes on {label} (cut at 60): {cuts.tolist()}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
