"""Camera / LiDAR fusion as pure functions: calibration checks, projection, frustum selection,
detections from both sensors matched by projection, their disagreements, and a calibration check
by edges. No widget imports (``SensorFusionReview`` is built on these).

Conventions (as ``hitl_widgets.demo.lidar``)
    ``T_cam_lidar`` (4x4) maps homogeneous LiDAR points into the camera frame (x right, y down,
    z forward, OpenCV); ``K`` (3x3) maps camera points to pixels: ``[u*w, v*w, w] = K @ p_cam``.
    Pixel ``(col, row)`` covers ``[col, col+1) x [row, row+1)``: the centre of pixel (0, 0) is
    (0.5, 0.5). A point is *in view* when its depth (camera z) is at least ``MIN_DEPTH`` and its
    (u, v) lies in ``[0, width) x [0, height)``.
    Boxes are ``(x0, y0, x1, y1)`` in pixels, x0 < x1, y0 < y1.

Detections
    camera: a DataFrame (or list of dicts) with x0, y0, x1, y1, class (a name of ``classes``),
    optionally score. LiDAR: clusters, given per point as ``lidar_instances`` (0: no cluster) and
    ``lidar_labels`` (class index, -1 none); a cluster's class is the most common label of its
    points and its 2D box the bounds of its points in view. Or 3D boxes (``BOX3D_COLUMNS``), whose
    2D box is the bounds of their projected corners (a box reaching behind the camera is cut at
    depth ``MIN_DEPTH`` first: its part in front is projected). Classes are matched by value and
    type (``coerce.same``: ``True`` and ``1.0`` are not class ``1``).

Example (a known projection: a point 10 m ahead at the camera's height lands on the principal point):
    >>> import numpy as np
    >>> K = np.array([[400.0, 0, 320], [0, 400.0, 180], [0, 0, 1]])
    >>> T = np.array([[0.0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
    >>> uv, depth = project(np.array([[10.0, 0.0, 0.0], [10.0, -1.0, 0.5]]), K, T)
    >>> uv.tolist(), depth.tolist()
    ([[320.0, 180.0], [360.0, 160.0]], [10.0, 10.0])
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .coerce import check_int, check_number, plain, same_label, unit_pixels

MIN_DEPTH = 0.1  # metres: nearer points (and those behind the camera) are not in view
KINDS = ("camera_only", "lidar_only", "low_overlap", "class_conflict")
DISAGREEMENT_COLUMNS = ["frame", "kind", "camera", "lidar", "camera_class", "lidar_class", "iou", "overlap",
                        "x0", "y0", "x1", "y1"]


# ---------------------------------------------------------------------------------- calibration
def check_calibration(K: Any, T_cam_lidar: Any, width: Any = None, height: Any = None, where: str = "calibration") -> tuple[np.ndarray, np.ndarray]:
    """``K`` (3x3) and ``T_cam_lidar`` (4x4) as float64, checked: shapes, finite values, K
    invertible with a positive focal length and K[2] = (0, 0, 1), T's last row (0, 0, 0, 1) and
    its rotation orthonormal with determinant +1. ``ValueError`` naming ``where`` otherwise.

    Example:
        >>> check_calibration(np.eye(2), np.eye(4))
        Traceback (most recent call last):
        ValueError: calibration: K must be a 3x3 matrix, not shape (2, 2)
    """
    Km = _matrix(K, (3, 3), "K", where)
    T = _matrix(T_cam_lidar, (4, 4), "T_cam_lidar", where)
    if abs(np.linalg.det(Km)) < 1e-12:
        raise ValueError(f"{where}: K is not invertible (determinant {np.linalg.det(Km):.3g})")
    if not (Km[0, 0] > 0 and Km[1, 1] > 0) or not np.allclose(Km[2], [0, 0, 1]):
        raise ValueError(f"{where}: K must be [[fx, s, cx], [0, fy, cy], [0, 0, 1]] with fx, fy > 0, got {Km.round(4).tolist()}")
    if not np.allclose(T[3], [0, 0, 0, 1]):
        raise ValueError(f"{where}: T_cam_lidar's last row must be (0, 0, 0, 1), not {T[3].tolist()}")
    R = T[:3, :3]
    if not np.allclose(R @ R.T, np.eye(3), atol=1e-6) or np.linalg.det(R) < 0:
        raise ValueError(f"{where}: T_cam_lidar's rotation (upper-left 3x3) is not a rotation (orthonormal, determinant +1)"
                         f": not invertible as a rigid transform")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0):
            raise ValueError(f"{where}: image {name} must be a positive int, not {value!r}")
    return Km, T


def _matrix(value: Any, shape: tuple[int, int], name: str, where: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {name} must be a {shape[0]}x{shape[1]} matrix of numbers") from None
    if arr.shape != shape:
        raise ValueError(f"{where}: {name} must be a {shape[0]}x{shape[1]} matrix, not shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{where}: {name} has NaN or inf entries")
    return arr


def project(xyz: np.ndarray, K: np.ndarray, T_cam_lidar: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates ``(N, 2)`` (u, v) and depths ``(N,)`` of LiDAR-frame points ``(N, 3+)``
    (NaN where the depth is 0)."""
    pts = np.asarray(xyz, np.float64)[:, :3]
    cam = pts @ T_cam_lidar[:3, :3].T + T_cam_lidar[:3, 3]
    pix = cam @ K.T
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = pix[:, :2] / pix[:, 2:3]
    return uv, cam[:, 2]


def in_view(uv: np.ndarray, depth: np.ndarray, width: int, height: int) -> np.ndarray:
    """Whether each projected point is in view (see the module docstring)."""
    u, v = uv[:, 0], uv[:, 1]
    return (depth >= MIN_DEPTH) & (u >= 0) & (u < width) & (v >= 0) & (v < height)


def view_uv(uv: np.ndarray, depth: np.ndarray, width: int, height: int) -> np.ndarray:
    """The float32 (N, 2) pixel positions the view draws and selects on: NaN for points not in view."""
    out = uv.astype(np.float32)
    out[~in_view(uv, depth, width, height)] = np.nan
    return out


def points_in_box(uv32: np.ndarray, box: Any) -> np.ndarray:
    """Indices of the points whose view position (``view_uv``) is inside ``box`` (x0, y0, x1, y1),
    edges included: the frustum of the box, in front of the camera. The same comparisons as the
    view's (float32 positions compared as float64)."""
    x0, y0, x1, y1 = (float(b) for b in box)
    u, v = uv32[:, 0].astype(np.float64), uv32[:, 1].astype(np.float64)
    return np.flatnonzero((u >= x0) & (u <= x1) & (v >= y0) & (v <= y1))


# ---------------------------------------------------------------------------------- detections
def check_thresholds(min_score: Any = 0.1, low_overlap: Any = 0.6) -> tuple[float, float]:
    """``min_score`` in (0, 1] (a score of 0 is two boxes that do not overlap: never a pair) and
    ``low_overlap`` in [0, 1], as floats; ``ValueError`` naming the argument otherwise
    (``coerce.check_number``).

    Example:
        >>> check_thresholds(0, 0.6)
        Traceback (most recent call last):
        ValueError: min_score must be a number in (0, 1] (0 would pair boxes that do not overlap), not 0
    """
    return (check_number("min_score", min_score, 0, 1, low_open=True, why=" (0 would pair boxes that do not overlap)"),
            check_number("low_overlap", low_overlap, 0, 1))


def class_index(value: Any, classes: list, where: str) -> int:
    """The index of ``value`` in ``classes``, matched as labels (``coerce.same_label``: numbers by
    value, so ``1.0`` of a float column and ``np.int64(1)`` are class ``1``; ``True`` and ``"1"``
    are not); ``ValueError`` naming ``where`` otherwise."""
    value = plain(value)
    for k, c in enumerate(classes):
        if same_label(value, c):
            return k
    v = plain(value)
    kind = "" if type(v) in (int, str) else f" (a {type(v).__name__})"
    raise ValueError(f"{where}: class {str(value)[:40]!r}{kind} is not one of {classes}")


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU matrix (len(a), len(b)) of boxes (M, 4) and (K, 4)."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    area = lambda x: (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])  # noqa: E731
    union = area(a)[:, None] + area(b)[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)


def check_camera_boxes(boxes: Any, classes: list, width: int, height: int, where: str) -> pd.DataFrame:
    """Camera detections as a DataFrame x0, y0, x1, y1, class (index), checked (finite, ordered,
    overlapping the image, a known class); ``ValueError`` naming ``where`` and the box."""
    df = pd.DataFrame(boxes if boxes is not None else [], columns=None)
    if df.empty:
        return pd.DataFrame({"x0": [], "y0": [], "x1": [], "y1": [], "class": pd.Series([], dtype=np.int64)})
    missing = {"x0", "y0", "x1", "y1", "class"} - set(df.columns)
    if missing:
        raise ValueError(f"{where}: camera boxes need columns x0, y0, x1, y1, class (missing {sorted(missing)})")
    xy = df[["x0", "y0", "x1", "y1"]].to_numpy(np.float64)
    for n, (x0, y0, x1, y1) in enumerate(xy):
        if not np.isfinite([x0, y0, x1, y1]).all() or not (x0 < x1 and y0 < y1):
            raise ValueError(f"{where}, camera box {n}: needs finite x0 < x1 and y0 < y1, got {[x0, y0, x1, y1]}")
        if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
            raise ValueError(f"{where}, camera box {n}: {[x0, y0, x1, y1]} is outside the {width}x{height} image")
    cls = [class_index(c, classes, f"{where}, camera box {n}") for n, c in enumerate(df["class"])]
    return pd.DataFrame({"x0": xy[:, 0], "y0": xy[:, 1], "x1": xy[:, 2], "y1": xy[:, 3], "class": np.array(cls, np.int64)})


def lidar_detections(uv: np.ndarray, depth: np.ndarray, instances: np.ndarray, labels: np.ndarray, width: int, height: int,
                     min_points: int = 3) -> pd.DataFrame:
    """One row per LiDAR cluster with at least ``min_points`` points in view: instance, class
    (its points' most common label), points (in view), and the 2D box x0, y0, x1, y1 of those
    points (their pixels, whole: floor / floor + 1)."""
    min_points = check_int("min_points", min_points, 1)
    seen = in_view(uv, depth, width, height) & (instances > 0)
    rows = []
    for inst in np.unique(instances[seen]):
        m = seen & (instances == inst)
        if m.sum() < min_points:
            continue
        lab = labels[m]
        lab = lab[lab >= 0]
        cls = int(np.bincount(lab).argmax()) if len(lab) else -1
        u, v = uv[m, 0], uv[m, 1]
        rows.append({"instance": int(inst), "class": cls, "points": int(m.sum()), "x0": float(np.floor(u.min())),
                     "y0": float(np.floor(v.min())), "x1": float(np.floor(u.max()) + 1), "y1": float(np.floor(v.max()) + 1)})
    return pd.DataFrame(rows, columns=["instance", "class", "points", "x0", "y0", "x1", "y1"])


BOX3D_COLUMNS = ["x", "y", "z", "length", "width", "height", "yaw", "class"]


def check_lidar_boxes(boxes: Any, classes: list, where: str) -> pd.DataFrame:
    """LiDAR 3D boxes (``BOX3D_COLUMNS``: centre x, y, z of the box's base, length along the yaw,
    width, height, yaw in radians about z, class name) as a DataFrame with class indices, checked."""
    df = pd.DataFrame(boxes if boxes is not None else [])
    if df.empty and not len(df.columns):  # no boxes: a frame where the LiDAR detected nothing
        df = pd.DataFrame({c: pd.Series([], dtype=np.float64) for c in BOX3D_COLUMNS})
    missing = set(BOX3D_COLUMNS) - set(df.columns)
    if missing:
        raise ValueError(f"{where}: LiDAR boxes need columns {BOX3D_COLUMNS} (missing {sorted(missing)})")
    num = df[BOX3D_COLUMNS[:-1]].to_numpy(np.float64)
    for n, row in enumerate(num):
        if not np.isfinite(row).all() or (row[3:6] <= 0).any():
            raise ValueError(f"{where}, LiDAR box {n}: needs finite values and positive sizes, got {row.tolist()}")
    cls = [class_index(c, classes, f"{where}, LiDAR box {n}") for n, c in enumerate(df["class"])]
    out = pd.DataFrame(num, columns=BOX3D_COLUMNS[:-1])
    out["class"] = np.array(cls, np.int64)
    return out


def points_in_boxes3d(xyz: np.ndarray, boxes: pd.DataFrame) -> np.ndarray:
    """Per point, 1 + the row of the first 3D box holding it (0: none): the boxes as clusters."""
    out = np.zeros(len(xyz), np.int64)
    for n, b in enumerate(boxes.itertuples()):
        c, s = np.cos(b.yaw), np.sin(b.yaw)
        dx, dy = xyz[:, 0] - b.x, xyz[:, 1] - b.y
        inside = ((np.abs(c * dx + s * dy) <= b.length / 2) & (np.abs(-s * dx + c * dy) <= b.width / 2)
                  & (xyz[:, 2] >= b.z) & (xyz[:, 2] <= b.z + b.height) & (out == 0))
        out[inside] = n + 1
    return out


def box3d_detections(boxes: pd.DataFrame, K: np.ndarray, T_cam_lidar: np.ndarray, width: int, height: int,
                     instances: np.ndarray) -> pd.DataFrame:
    """The 2D boxes of LiDAR 3D boxes: the bounds of the projection of their part in front of the
    camera (the box cut at depth ``MIN_DEPTH``: its corners there and the points where its edges
    cross that plane), clipped to the image; a box wholly behind the camera or outside the image is
    not in view and left out. Columns as ``lidar_detections`` (instance: 1 + the row; points: the
    points inside it).

    Example (a box around the camera: its front part fills the view):
        >>> K = np.array([[100.0, 0, 50], [0, 100.0, 50], [0, 0, 1]])
        >>> T = np.array([[0.0, -1, 0, 0], [0, 0, -1, 0], [1, 0, 0, 0], [0, 0, 0, 1]])
        >>> b = pd.DataFrame({"x": [1.0], "y": [0.0], "z": [-0.6], "length": [3.0], "width": [1.5], "height": [1.2],
        ...                   "yaw": [0.0], "class": [1]})
        >>> box3d_detections(b, K, T, 100, 100, np.zeros(0))[["x0", "y0", "x1", "y1"]].values.tolist()
        [[0.0, 0.0, 100.0, 100.0]]
    """
    rows = []
    for n, b in enumerate(boxes.itertuples()):
        c, s = np.cos(b.yaw), np.sin(b.yaw)
        lx, ly = np.array([1, 1, -1, -1]) * b.length / 2, np.array([1, -1, -1, 1]) * b.width / 2
        xs, ys = b.x + c * lx - s * ly, b.y + s * lx + c * ly
        corners = np.c_[np.r_[xs, xs], np.r_[ys, ys], np.r_[[b.z] * 4, [b.z + b.height] * 4]]
        uv = _visible_box_uv(corners, K, T_cam_lidar)
        if uv is None:
            continue
        x0, y0 = max(0.0, float(uv[:, 0].min())), max(0.0, float(uv[:, 1].min()))
        x1, y1 = min(float(width), float(uv[:, 0].max())), min(float(height), float(uv[:, 1].max()))
        if x0 >= x1 or y0 >= y1:
            continue
        rows.append({"instance": n + 1, "class": int(boxes["class"].iloc[n]), "points": int((instances == n + 1).sum()), "x0": x0, "y0": y0, "x1": x1, "y1": y1})
    return pd.DataFrame(rows, columns=["instance", "class", "points", "x0", "y0", "x1", "y1"])


_BOX_EDGES = [(k, (k + 1) % 4) for k in range(4)] + [(k + 4, (k + 1) % 4 + 4) for k in range(4)] + [(k, k + 4) for k in range(4)]


def _visible_box_uv(corners: np.ndarray, K: np.ndarray, T_cam_lidar: np.ndarray) -> np.ndarray | None:
    """The pixels of the vertices of a 3D box's part at depth >= ``MIN_DEPTH`` (``corners``: 0-3
    the base in order round it, 4-7 the top above them), None when none of it is. The projection
    of a convex solid in front of the camera is the convex hull of its vertices' projections."""
    _, depth = project(corners, K, T_cam_lidar)
    front = depth >= MIN_DEPTH
    if not front.any():
        return None
    cuts = [corners[i] + (MIN_DEPTH - depth[i]) / (depth[j] - depth[i]) * (corners[j] - corners[i])
            for i, j in _BOX_EDGES if front[i] != front[j]]  # depth is linear along an edge
    uv, _ = project(np.vstack([corners[front], *cuts]), K, T_cam_lidar)
    return uv


def camera_boxes_from_labels(image_labels: np.ndarray, classes: Any, keep: Any = ("car", "pedestrian"), min_area: int = 30) -> pd.DataFrame:
    """A stand-in camera detector for the demo: one box per connected region of each class in
    ``keep`` of a per-pixel class image (-1: none), regions under ``min_area`` pixels dropped."""
    from scipy import ndimage

    classes = list(classes)
    rows = []
    for name in keep:
        k = classes.index(name)
        regions, n = ndimage.label(image_labels == k)
        for sl, area in zip(ndimage.find_objects(regions), np.bincount(regions.ravel())[1:]):
            if sl is not None and area >= min_area:
                rows.append({"x0": float(sl[1].start), "y0": float(sl[0].start), "x1": float(sl[1].stop), "y1": float(sl[0].stop), "class": name})
    return pd.DataFrame(rows, columns=["x0", "y0", "x1", "y1", "class"])


def overlap(camera_boxes: np.ndarray, lidar_boxes: np.ndarray) -> np.ndarray:
    """The share of each LiDAR box (K, 4) inside each camera box (M, 4): (M, K). A cluster's box
    is sparser than the camera's (beams and columns leave gaps), so it is judged by how much of it
    the camera box covers, 1 when it lies inside."""
    a, b = np.asarray(camera_boxes, np.float64).reshape(-1, 4), np.asarray(lidar_boxes, np.float64).reshape(-1, 4)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(area[None, :] > 0, ix * iy / area[None, :], 0.0)


def match(camera: pd.DataFrame, lidar: pd.DataFrame, min_score: float = 0.1) -> list[tuple[int, int, float, float]]:
    """Pairs (camera row, lidar row, IoU, overlap) matched one to one by the largest total score
    (the mean of IoU and ``overlap``; Hungarian), keeping pairs scoring at least ``min_score``
    (in (0, 1]: boxes that do not overlap are never a pair)."""
    from scipy.optimize import linear_sum_assignment

    min_score, _ = check_thresholds(min_score)
    if camera.empty or lidar.empty:
        return []
    a, b = camera[["x0", "y0", "x1", "y1"]].to_numpy(), lidar[["x0", "y0", "x1", "y1"]].to_numpy()
    iou, cover = box_iou(a, b), overlap(a, b)
    score = (iou + cover) / 2
    rows, cols = linear_sum_assignment(-score)
    return [(int(r), int(c), float(iou[r, c]), float(cover[r, c])) for r, c in zip(rows, cols) if score[r, c] >= min_score]


def disagreements(camera: pd.DataFrame, lidar: pd.DataFrame, frame: int = 0, min_score: float = 0.1, low_overlap: float = 0.6) -> pd.DataFrame:
    """Where the two sensors disagree, one row each (``DISAGREEMENT_COLUMNS``): ``camera_only`` (a
    camera box no cluster matches), ``lidar_only`` (a cluster in view no box matches),
    ``class_conflict`` (a matched pair of different classes; a cluster with no class, -1, has no
    conflict), ``low_overlap`` (a matched pair of
    the same class whose LiDAR box is less than ``low_overlap`` inside the camera box: ``overlap``).
    camera / lidar: the row of each (-1: none); x0..y1: the union of both boxes (where to look).

    Example:
        >>> cam = pd.DataFrame({"x0": [0.0, 50], "y0": [0.0, 0], "x1": [10.0, 60], "y1": [10.0, 10], "class": [1, 1]})
        >>> lid = pd.DataFrame({"instance": [4], "class": [2], "points": [9], "x0": [1.0], "y0": [0.0], "x1": [10.0], "y1": [10.0]})
        >>> disagreements(cam, lid)["kind"].tolist()
        ['class_conflict', 'camera_only']
    """
    min_score, low_overlap = check_thresholds(min_score, low_overlap)
    pairs = match(camera, lidar, min_score)
    rows = []
    box = lambda df, i: df[["x0", "y0", "x1", "y1"]].iloc[i].to_numpy(np.float64)  # noqa: E731
    for c, ldr, iou, cover in pairs:
        cc, lc = int(camera["class"].iloc[c]), int(lidar["class"].iloc[ldr])
        kind = "class_conflict" if cc != lc and lc >= 0 else "low_overlap" if cover < low_overlap else None  # -1: no class
        if kind:
            a, b = box(camera, c), box(lidar, ldr)
            rows.append((frame, kind, c, ldr, cc, lc, iou, cover, *np.minimum(a, b)[:2], *np.maximum(a, b)[2:]))
    matched_c, matched_l = {p[0] for p in pairs}, {p[1] for p in pairs}
    for c in range(len(camera)):
        if c not in matched_c:
            rows.append((frame, "camera_only", c, -1, int(camera["class"].iloc[c]), -1, 0.0, 0.0, *box(camera, c)))
    for ldr in range(len(lidar)):
        if ldr not in matched_l:
            rows.append((frame, "lidar_only", -1, ldr, -1, int(lidar["class"].iloc[ldr]), 0.0, 0.0, *box(lidar, ldr)))
    df = pd.DataFrame(rows, columns=DISAGREEMENT_COLUMNS)
    return df.astype({"frame": np.int64, "camera": np.int64, "lidar": np.int64, "camera_class": np.int64, "lidar_class": np.int64,
                      "iou": np.float64, "overlap": np.float64})


# ---------------------------------------------------------------------------------- calibration by edges
@dataclass
class EdgeCheck:
    """The calibration check by edges: ``score`` the share of depth-edge points (a point in view
    with a much deeper point within ``radius`` px: the near side of an object's outline) that lie
    on an image edge (within ``tolerance`` px); ``edge_points`` their indices, ``aligned`` whether
    each is on an image edge, ``image_edges`` (H, W) bool."""

    score: float
    edge_points: np.ndarray
    aligned: np.ndarray
    image_edges: np.ndarray


def image_edges(image: np.ndarray, threshold: float = 0.1) -> np.ndarray:
    """Edges of an image (H, W[, C]) as a bool mask: the largest Sobel gradient magnitude over
    the channels (scaled to [0, 1] by their dtype, ``coerce.unit_pixels``: uint8 / 255, floats in
    [0, 1]) above ``threshold`` (colour edges count: a red car on grey asphalt can have the
    asphalt's brightness)."""
    from scipy import ndimage

    img = unit_pixels(np.asarray(image), "image").astype(np.float64)
    img = img[..., None] if img.ndim == 2 else img
    mag = np.zeros(img.shape[:2])
    for ch in range(img.shape[2]):
        mag = np.maximum(mag, np.hypot(ndimage.sobel(img[..., ch], 1), ndimage.sobel(img[..., ch], 0)) / 8.0)
    return mag > threshold


def edge_check(image: np.ndarray, uv: np.ndarray, depth: np.ndarray, radius: int = 3, jump: float = 0.3,
               tolerance: int = 2, threshold: float = 0.1) -> EdgeCheck:
    """Check a calibration by edges (``EdgeCheck``): a right calibration puts the outlines of
    objects in the point cloud on the outlines in the image; an offset one moves them off.

    ``jump``: a relative depth difference that makes an outline (0.3: 30 %)."""
    from scipy import ndimage

    height, width = image.shape[:2]
    edges = image_edges(image, threshold)
    seen = np.flatnonzero(in_view(uv, depth, width, height))
    col = np.floor(uv[seen, 0]).astype(np.int64)
    row = np.floor(uv[seen, 1]).astype(np.int64)
    far = np.zeros((height, width))
    np.maximum.at(far, (row, col), depth[seen])
    farthest = ndimage.maximum_filter(far, size=(3, 2 * radius + 1))  # beside it: rings are far apart vertically
    is_edge = farthest[row, col] > depth[seen] * (1 + jump)
    near = ndimage.binary_dilation(edges, iterations=tolerance) if tolerance > 0 else edges
    points = seen[is_edge]
    aligned = near[row[is_edge], col[is_edge]]
    score = float(aligned.mean()) if len(points) else float("nan")
    return EdgeCheck(score, points, aligned, edges)


def frame_from_scan(scan: Any, keep: Sequence[str] = ("car", "pedestrian"), min_area: int = 30) -> dict:
    """A ``SensorFusionReview`` frame from a ``demo.lidar.LidarScan``: the camera's detections are
    the regions of its rendered label image (``camera_boxes_from_labels``, so the scan's
    ``Faults`` show), the LiDAR's its instances of the ``keep`` classes."""
    classes = list(scan.classes)
    keep_idx = [classes.index(k) for k in keep]
    mask = np.isin(scan.labels, keep_idx)
    return {"points": scan.points, "image": scan.image, "K": scan.camera.K, "T_cam_lidar": scan.camera.T_cam_lidar,
            "camera_boxes": camera_boxes_from_labels(scan.image_labels, classes, keep, min_area),
            "lidar_labels": scan.labels, "lidar_instances": np.where(mask, scan.instances, 0), "classes": classes}
