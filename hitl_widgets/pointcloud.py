"""Per-point proposals from a simple model: the ground by a RANSAC plane fit (numpy), the rest by
DBSCAN clusters (scikit-learn) classed by their size.

Classes follow ``hitl_widgets.demo.lidar.CLASSES`` (ground, car, pedestrian, pole, wall); a point
the model cannot class is -1 with score 0.

Example:
    >>> from hitl_widgets.demo.lidar import synthetic_scan
    >>> scan = synthetic_scan(beams=32, azimuth_steps=1024, seed=0)
    >>> prop = propose(scan.points)
    >>> float((prop.classes == scan.labels).mean()) > 0.9
    True
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .coerce import check_int, check_number, to_numpy
from .widgets.pointcloud_frames import check_frame

GROUND, CAR, PEDESTRIAN, POLE, WALL = range(5)


def _xyz(points: object) -> np.ndarray:
    """The (N, 3) float64 coordinates of ``points`` (numpy, torch or a list): rows of x, y, z and any
    further columns (intensity, ring, time, ... as in nuScenes' (N, 5) scans), which are ignored; the
    coordinates checked as ``PointCloudAnnotator`` checks a frame's (numbers, finite: an error names
    the first bad point). Fewer rows than columns reads as a transposed array and is refused."""
    arr = to_numpy(points)
    if arr.ndim != 2 or arr.shape[1] < 3:
        raise ValueError(f"points must be rows of x, y, z (and any further columns), shape (N, >= 3), not {arr.shape}")
    if arr.shape[0] < arr.shape[1]:
        raise ValueError(f"points of shape {arr.shape} have fewer rows than columns: points are rows; is it transposed?")
    return check_frame(arr[:, :3], "points").xyz


class Proposals(NamedTuple):
    """``classes`` (N,) int (-1: none), ``scores`` (N,) float32 in [0, 1], ``clusters`` (N,) int
    (DBSCAN cluster of each point, -1: ground or noise), ``plane`` (a, b, c, d) with
    a x + b y + c z + d = 0 and (a, b, c) a unit normal pointing up."""

    classes: np.ndarray
    scores: np.ndarray
    clusters: np.ndarray
    plane: np.ndarray


def fit_ground_plane(xyz: np.ndarray, threshold: float = 0.15, iterations: int = 200, seed: int = 0,
                     max_tilt_deg: float = 20.0, sample: int = 50_000) -> np.ndarray:
    """RANSAC plane ``(a, b, c, d)`` (unit normal, c > 0) of the most points within ``threshold``
    metres, among planes tilted at most ``max_tilt_deg`` from horizontal; refined by least squares
    on its inliers. Scored on a random ``sample`` of the points (speed), refined on all. ``xyz``
    is checked as ``propose``'s points are.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> pts = np.c_[rng.uniform(-9, 9, (500, 2)), rng.normal(0, 0.01, 500)]
        >>> np.round(fit_ground_plane(pts)[:3], 2).tolist() == [0, 0, 1]
        True
    """
    xyz = _xyz(xyz)
    threshold = check_number("threshold", threshold, 0, math.inf, low_open=True, high_open=True)
    iterations, sample = check_int("iterations", iterations, 1), check_int("sample", sample, 3)
    max_tilt_deg = check_number("max_tilt_deg", max_tilt_deg, 0, 90)
    if len(xyz) < 3:
        raise ValueError(f"a plane needs at least 3 points, got {len(xyz)}")
    rng = np.random.default_rng(seed)
    pool = xyz[rng.choice(len(xyz), min(sample, len(xyz)), replace=False)]
    tri = pool[rng.integers(0, len(pool), (iterations, 3))]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    norm = np.linalg.norm(normals, axis=1)
    ok = norm > 1e-9
    normals = normals[ok] / norm[ok, None]
    normals *= np.sign(normals[:, 2:3]) + (normals[:, 2:3] == 0)
    d = -(normals * tri[ok, 0]).sum(1)
    upright = normals[:, 2] >= np.cos(np.deg2rad(max_tilt_deg))
    if not upright.any():
        raise ValueError("no plane close to horizontal found: is z up?")
    normals, d = normals[upright], d[upright]
    counts = (np.abs(pool @ normals.T + d) < threshold).sum(0)
    best = int(np.argmax(counts))
    inliers = xyz[np.abs(xyz @ normals[best] + d[best]) < threshold]
    centre = inliers.mean(0)
    normal = np.linalg.svd(inliers - centre, full_matrices=False)[2][-1]
    normal = normal if normal[2] >= 0 else -normal
    return np.array([*normal, -normal @ centre])


def class_of_cluster(extent: np.ndarray) -> tuple[int, float]:
    """A cluster's class and score from its oriented footprint (long, short) and height, metres."""
    long, short, height = (float(v) for v in extent)
    if height > 3.0 and long < 1.0:
        return POLE, 0.85
    if long > 6.0 and short < 1.5 and height > 1.5:
        return WALL, 0.8
    if 1.0 <= height <= 2.2 and long < 1.2:
        return PEDESTRIAN, 0.7
    if 0.9 <= height <= 2.2 and 1.5 <= long <= 6.0:
        return CAR, 0.75 if 3.0 <= long <= 5.5 else 0.5
    return -1, 0.0


def _footprint(xy: np.ndarray) -> tuple[float, float]:
    centred = xy - xy.mean(0)
    if len(xy) < 3:
        return 0.0, 0.0
    axes = np.linalg.svd(centred, full_matrices=False)[2]
    spans = np.ptp(centred @ axes.T, axis=0)
    return float(spans.max()), float(spans.min())


def propose(points: np.ndarray, ground_threshold: float = 0.2, voxel: float = 0.25, eps: float = 0.6,
            min_samples: int = 3, seed: int = 0) -> Proposals:
    """Ground by RANSAC, then DBSCAN over the remaining points (voxel-downsampled to ``voxel``
    metres for speed: each point takes its voxel's cluster), each cluster classed by its size.

    Scores: ground points 1 - distance / threshold (at least 0.5); a cluster's points its class's
    score (``class_of_cluster``); unclassed points 0.

    ``points``: rows of x, y, z (and intensity / RGB), checked as ``PointCloudAnnotator`` checks a
    frame: another shape, or a NaN / inf coordinate, is refused naming the first bad point. A
    transposed array of 3 to 7 points cannot be told apart from rows and is read as rows.
    """
    from sklearn.cluster import DBSCAN

    xyz = _xyz(points)
    for name, value in (("ground_threshold", ground_threshold), ("voxel", voxel), ("eps", eps)):
        check_number(name, value, 0, math.inf, low_open=True, high_open=True)
    min_samples = check_int("min_samples", min_samples, 1)
    n = len(xyz)
    plane = fit_ground_plane(xyz, threshold=ground_threshold, seed=seed)
    dist = xyz @ plane[:3] + plane[3]
    classes = np.full(n, -1, np.int64)
    scores = np.zeros(n, np.float32)
    clusters = np.full(n, -1, np.int64)
    ground = np.abs(dist) < ground_threshold
    classes[ground] = GROUND
    scores[ground] = np.maximum(0.5, 1 - np.abs(dist[ground]) / ground_threshold)
    rest = np.flatnonzero(~ground & (dist > 0))
    if len(rest) == 0:
        return Proposals(classes, scores, clusters, plane)
    cells = np.floor(xyz[rest] / voxel).astype(np.int64)
    uniq, inverse = np.unique(cells, axis=0, return_inverse=True)
    centres = (uniq + 0.5) * voxel
    voxel_cluster = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(centres)
    point_cluster = voxel_cluster[inverse.ravel()]
    clusters[rest] = point_cluster
    order = np.argsort(point_cluster, kind="stable")
    bounds = np.flatnonzero(np.diff(point_cluster[order])) + 1
    for group in np.split(order, bounds):
        label = point_cluster[group[0]]
        if label < 0:
            continue
        idx = rest[group]
        long, short = _footprint(xyz[idx, :2])
        height = float((dist[idx]).max())
        cls, score = class_of_cluster(np.array([long, short, height]))
        classes[idx], scores[idx] = cls, score
    return Proposals(classes, scores, clusters, plane)
