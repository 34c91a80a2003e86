"""Synthetic LiDAR scans with exact per-point labels, and a camera that sees the same scene.

A spinning sensor (32, 64 or 128 beams) at ``SENSOR_HEIGHT`` above a flat ground is ray-cast in
numpy (vectorised, a chunk of rays at a time) against cars (yawed boxes), pedestrians (vertical
cylinders), poles (thin cylinders) and walls (long thin boxes). Every return carries its class and
its object's instance id, exactly; ranges get Gaussian noise, intensities a value per material.

Frames and conventions
    LiDAR frame: x forward, y left, z up (metres); the sensor is at ``(0, 0, SENSOR_HEIGHT)``.
    Camera frame: x right, y down, z forward (OpenCV). ``T_cam_lidar`` (4x4) maps homogeneous
    LiDAR points into the camera frame; ``K`` (3x3) maps camera points to pixels:
    ``[u*w, v*w, w] = K @ (T_cam_lidar @ [x, y, z, 1])[:3]``, with pixel ``(col, row)`` covering
    ``[col, col+1) x [row, row+1)`` (the centre of pixel (0, 0) is (0.5, 0.5)).
    The camera image is rendered by ray-casting the same scene through the same ``K`` and
    ``T_cam_lidar``, so projected points land exactly where the image shows their surface.

Faults (``Faults``) are a hook for the sensor-fusion review: they change only what the *camera*
sees (its true pose offset from the reported calibration, a pedestrian it misses, two classes
swapped in its labels); the reported calibration stays the nominal one.

Example:
    >>> scan = synthetic_scan(beams=32, azimuth_steps=1024, seed=0)
    >>> scan.points.shape[1], scan.points.dtype.name, CLASSES[scan.labels[0]] in CLASSES
    (4, 'float32', True)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

CLASSES = ("ground", "car", "pedestrian", "pole", "wall")
GROUND, CAR, PEDESTRIAN, POLE, WALL = range(5)
SENSOR_HEIGHT = 1.8
MAX_RANGE = 100.0
ELEVATION = {32: (-25.0, 3.0), 64: (-25.0, 3.0), 128: (-25.0, 5.0)}  # degrees, lowest and highest beam
INTENSITY = np.array([0.15, 0.65, 0.35, 0.5, 0.3], np.float32)  # by class: asphalt, paint, cloth, metal, concrete
IMAGE_COLOURS = np.array([[90, 90, 95], [200, 40, 40], [240, 200, 40], [160, 160, 170], [120, 90, 70]], np.uint8)
SKY = np.array([150, 190, 235], np.uint8)
CHUNK = 1 << 17  # rays per vectorised step


@dataclass(frozen=True)
class Camera:
    """A pinhole camera: intrinsics ``K`` (3x3), extrinsics ``T_cam_lidar`` (4x4, LiDAR → camera),
    image ``width`` x ``height`` in pixels. See the module docstring for the conventions."""

    K: np.ndarray
    T_cam_lidar: np.ndarray
    width: int
    height: int

    def project(self, xyz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates ``(M, 2)`` (u, v) and depths ``(M,)`` of LiDAR-frame points ``(M, 3)``.

        Example:
            >>> cam = default_camera()
            >>> uv, depth = cam.project(np.array([[10.0, 0.0, SENSOR_HEIGHT - 0.2]]))
            >>> np.allclose(uv, [[cam.K[0, 2], cam.K[1, 2]]]), float(depth[0])
            (True, 10.3)
        """
        pts = np.asarray(xyz, np.float64)[:, :3]
        cam = pts @ self.T_cam_lidar[:3, :3].T + self.T_cam_lidar[:3, 3]
        pix = cam @ self.K.T
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = pix[:, :2] / pix[:, 2:3]
        return uv, cam[:, 2]


# LiDAR (x fwd, y left, z up) → camera (x right, y down, z fwd)
R_CAM_LIDAR = np.array([[0.0, -1.0, 0.0], [0.0, 0.0, -1.0], [1.0, 0.0, 0.0]])


def default_camera(width: int = 640, height: int = 360, focal: float = 420.0,
                   position: tuple[float, float, float] = (-0.3, 0.0, SENSOR_HEIGHT - 0.2)) -> Camera:
    """A forward-looking camera at ``position`` (LiDAR frame), principal point at the image centre."""
    K = np.array([[focal, 0.0, width / 2], [0.0, focal, height / 2], [0.0, 0.0, 1.0]])
    return Camera(K, _pose(R_CAM_LIDAR, np.asarray(position, np.float64)), width, height)


def _pose(R: np.ndarray, centre: np.ndarray) -> np.ndarray:
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = -R @ centre
    return T


@dataclass(frozen=True)
class Faults:
    """What the camera gets wrong (a hook for sensor-fusion review; all off by default).

    ``calibration_offset``: (dx, dy, dz metres, yaw degrees) of the camera's *true* pose from the
    reported one; ``missed_pedestrian``: the instance id of a pedestrian the camera image does not
    show (-1: none); ``class_swap``: two class indices swapped in the camera's label image."""

    calibration_offset: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    missed_pedestrian: int = -1
    class_swap: tuple[int, int] | None = None


@dataclass
class LidarScan:
    """One synthetic scan: ``points`` (N, 4) float32 x, y, z, intensity; ``labels`` (N,) int class
    index into ``classes``; ``instances`` (N,) int (0: ground; objects from 1, as ``objects``);
    ``camera``; ``image`` (H, W, 3) uint8 and ``image_labels`` (H, W) int16 (-1: sky) rendered from
    the same scene through ``camera``; ``faults`` applied to the camera."""

    points: np.ndarray
    labels: np.ndarray
    instances: np.ndarray
    objects: pd.DataFrame
    camera: Camera
    image: np.ndarray
    image_labels: np.ndarray
    classes: tuple[str, ...] = CLASSES
    faults: Faults = field(default_factory=Faults)


# ---------------------------------------------------------------------------------- the scene
def make_objects(seed: int = 0, n_cars: int = 10, n_pedestrians: int = 8, n_poles: int = 8, n_walls: int = 3) -> pd.DataFrame:
    """A random street: one row per object (instance from 1) with class, centre x, y, yaw
    (radians), length, width, height (boxes) or radius (cylinders; length = width = 2 radius).

    Example:
        >>> int(make_objects(0)["class"].value_counts()["car"])
        10
    """
    rng = np.random.default_rng(seed)
    rows: list[dict] = []

    def place(kind: str, near: float, far: float, **dims: float) -> None:
        for _ in range(200):  # rejection-sample a spot clear of the sensor and the others
            r, a = rng.uniform(near, far), rng.uniform(-np.pi, np.pi)
            x, y = r * np.cos(a), r * np.sin(a)
            size = max(dims.get("length", 0.0), 2 * dims.get("radius", 0.0))
            if all(np.hypot(x - o["x"], y - o["y"]) > (size + o["length"]) / 2 + 0.5 for o in rows):
                break
        radius = dims.get("radius", 0.0)
        rows.append({"instance": len(rows) + 1, "class": kind, "x": x, "y": y, "yaw": float(rng.uniform(-np.pi, np.pi)),
                     "length": dims.get("length", 2 * radius), "width": dims.get("width", 2 * radius),
                     "height": dims["height"], "radius": radius})

    for _ in range(n_walls):
        place("wall", 25, 45, length=float(rng.uniform(15, 30)), width=0.4, height=float(rng.uniform(2.5, 4)))
    for _ in range(n_cars):
        place("car", 5, 35, length=float(rng.uniform(3.8, 5.0)), width=float(rng.uniform(1.7, 2.0)), height=float(rng.uniform(1.4, 1.7)))
    for _ in range(n_pedestrians):
        place("pedestrian", 4, 25, radius=float(rng.uniform(0.25, 0.35)), height=float(rng.uniform(1.55, 1.9)))
    for _ in range(n_poles):
        place("pole", 4, 30, radius=0.12, height=float(rng.uniform(4, 7)))
    return pd.DataFrame(rows, columns=["instance", "class", "x", "y", "yaw", "length", "width", "height", "radius"])


# ---------------------------------------------------------------------------------- ray casting
def _hit_box(o: np.ndarray, d: np.ndarray, obj: pd.Series) -> np.ndarray:
    """Ray parameter of the first hit on a yawed box standing on the ground (inf: a miss)."""
    c, s = np.cos(obj.yaw), np.sin(obj.yaw)
    rel = o - np.array([obj.x, obj.y, 0.0])
    # into the box frame: rotate by -yaw about z
    ol = np.stack([c * rel[..., 0] + s * rel[..., 1], -s * rel[..., 0] + c * rel[..., 1], rel[..., 2]], -1)
    dl = np.stack([c * d[:, 0] + s * d[:, 1], -s * d[:, 0] + c * d[:, 1], d[:, 2]], -1)
    lo = np.array([-obj.length / 2, -obj.width / 2, 0.0])
    hi = np.array([obj.length / 2, obj.width / 2, obj.height])
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lo - ol) / dl, (hi - ol) / dl
    near = np.nanmax(np.minimum(t1, t2), axis=1)
    far = np.nanmin(np.maximum(t1, t2), axis=1)
    return np.where((far >= near) & (near > 1e-6), near, np.inf)


def _hit_cylinder(o: np.ndarray, d: np.ndarray, obj: pd.Series) -> np.ndarray:
    """Ray parameter of the first hit on the side of a vertical cylinder on the ground."""
    ox, oy = o[..., 0] - obj.x, o[..., 1] - obj.y
    a = d[:, 0] ** 2 + d[:, 1] ** 2
    b = 2 * (ox * d[:, 0] + oy * d[:, 1])
    cc = ox * ox + oy * oy - obj.radius**2
    disc = b * b - 4 * a * cc
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (-b - np.sqrt(np.maximum(disc, 0))) / (2 * a)
    z = o[..., 2] + t * d[:, 2]
    ok = (disc >= 0) & (a > 1e-12) & (t > 1e-6) & (z >= 0) & (z <= obj.height)
    return np.where(ok, t, np.inf)


def cast(origin: np.ndarray, dirs: np.ndarray, objects: pd.DataFrame, skip: frozenset[int] = frozenset()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First hits of rays from ``origin`` (3,) along unit ``dirs`` (M, 3): distance (inf: none within
    ``MAX_RANGE``), class (-1: none) and instance (0: ground or none). ``skip``: instances to ignore."""
    t = np.full(len(dirs), np.inf)
    cls = np.full(len(dirs), -1, np.int16)
    inst = np.zeros(len(dirs), np.int32)
    with np.errstate(divide="ignore", invalid="ignore"):
        tg = np.where(dirs[:, 2] < -1e-9, -origin[2] / dirs[:, 2], np.inf)
    t, cls = np.where(tg < t, tg, t), np.where(tg < t, GROUND, cls)
    for obj in objects.itertuples():
        if obj.instance in skip:
            continue
        hit = _hit_cylinder(origin, dirs, obj) if obj.radius > 0 else _hit_box(origin, dirs, obj)
        closer = hit < t
        t = np.where(closer, hit, t)
        cls = np.where(closer, CLASSES.index(obj[2]), cls)  # obj[2]: the class column
        inst = np.where(closer, obj.instance, inst)
    far = t > MAX_RANGE
    t[far], cls[far], inst[far] = np.inf, -1, 0
    return t, cls.astype(np.int16), inst


def _beam_dirs(beams: int, azimuth_steps: int) -> np.ndarray:
    lo, hi = ELEVATION[beams]
    el = np.deg2rad(np.linspace(lo, hi, beams))
    az = np.linspace(-np.pi, np.pi, azimuth_steps, endpoint=False)
    E, A = np.meshgrid(el, az, indexing="ij")
    return np.stack([np.cos(E) * np.cos(A), np.cos(E) * np.sin(A), np.sin(E)], -1).reshape(-1, 3)


def synthetic_scan(beams: int = 64, azimuth_steps: int = 2048, seed: int = 0, objects: pd.DataFrame | None = None,
                   range_noise: float = 0.02, camera: Camera | None = None, faults: Faults | None = None) -> LidarScan:
    """Ray-cast one spin of a ``beams``-beam sensor (``azimuth_steps`` columns) over a random street.

    ``beams`` x ``azimuth_steps`` rays: 64 x 2048 gives about 100k returns, 128 x 16384 about 2M
    (upward beams that hit nothing return no point). ``range_noise``: sigma of the range in metres
    (labels stay exact: the noise moves a return along its ray). See ``LidarScan``.

    Example:
        >>> scan = synthetic_scan(beams=32, azimuth_steps=512, seed=1)
        >>> len(scan.points) == len(scan.labels) == len(scan.instances)
        True
    """
    if beams not in ELEVATION:
        raise ValueError(f"beams must be 32, 64 or 128, not {beams!r}")
    if not isinstance(azimuth_steps, (int, np.integer)) or not 64 <= azimuth_steps <= 1 << 16:
        raise ValueError(f"azimuth_steps must be an int in [64, 65536], not {azimuth_steps!r}")
    rng = np.random.default_rng(seed)
    objects = make_objects(seed) if objects is None else objects
    origin = np.array([0.0, 0.0, SENSOR_HEIGHT])
    dirs = _beam_dirs(beams, int(azimuth_steps))
    out_pts, out_cls, out_inst = [], [], []
    for start in range(0, len(dirs), CHUNK):
        d = dirs[start : start + CHUNK]
        t, cls, inst = cast(origin, d, objects)
        hit = np.isfinite(t)
        r = t[hit] + rng.normal(0.0, range_noise, hit.sum())
        out_pts.append(origin + d[hit] * r[:, None])
        out_cls.append(cls[hit])
        out_inst.append(inst[hit])
    xyz = np.concatenate(out_pts)
    labels = np.concatenate(out_cls).astype(np.int64)
    intensity = np.clip(INTENSITY[labels] + rng.normal(0, 0.05, len(labels)), 0, 1)
    points = np.concatenate([xyz, intensity[:, None]], axis=1).astype(np.float32)
    camera = camera or default_camera()
    faults = faults or Faults()
    image, image_labels = render_camera(camera, objects, faults)
    return LidarScan(points, labels, np.concatenate(out_inst).astype(np.int64), objects, camera, image, image_labels, CLASSES, faults)


def render_camera(camera: Camera, objects: pd.DataFrame, faults: Faults | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The camera's image (H, W, 3) uint8 and per-pixel class (H, W) int16 (-1: sky), ray-cast
    through pixel centres with ``K`` and ``T_cam_lidar`` (and the ``faults``' true pose)."""
    faults = faults or Faults()
    T = camera.T_cam_lidar
    dx, dy, dz, yaw = faults.calibration_offset
    if any((dx, dy, dz, yaw)):  # the camera's true pose: offset from the reported one
        cy, sy = np.cos(np.deg2rad(yaw)), np.sin(np.deg2rad(yaw))
        Rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
        centre = -T[:3, :3].T @ T[:3, 3] + np.array([dx, dy, dz])
        T = _pose(T[:3, :3] @ Rz.T, centre)
    R, centre = T[:3, :3], -T[:3, :3].T @ T[:3, 3]
    cols, rows = np.meshgrid(np.arange(camera.width) + 0.5, np.arange(camera.height) + 0.5)
    pix = np.stack([cols.ravel(), rows.ravel(), np.ones(cols.size)], -1)
    d = (pix @ np.linalg.inv(camera.K).T) @ R  # camera rays into the LiDAR frame (R^T d)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    skip = frozenset({faults.missed_pedestrian}) if faults.missed_pedestrian > 0 else frozenset()
    ts, cls = [], []
    for start in range(0, len(d), CHUNK):
        t, c, _ = cast(centre, d[start : start + CHUNK], objects, skip)
        ts.append(t)
        cls.append(c)
    t, c = np.concatenate(ts), np.concatenate(cls)
    if faults.class_swap is not None:
        a, b = faults.class_swap
        c = np.where(c == a, b, np.where(c == b, a, c)).astype(np.int16)
    shade = np.where(np.isfinite(t), np.clip(1.1 - t / 120.0, 0.35, 1.0), 1.0)
    rgb = np.where((c >= 0)[:, None], IMAGE_COLOURS[np.maximum(c, 0)] * shade[:, None], SKY)
    return rgb.reshape(camera.height, camera.width, 3).astype(np.uint8), c.reshape(camera.height, camera.width)


# ---------------------------------------------------------------------------------- a real scan
# skimage's stereo_motorcycle is Middlebury 2014 "Motorcycle" (perfect rectification) reduced to
# 741 px wide from 2964 (a factor 4). Its calib.txt at full size: f = 3979.911 px, baseline
# 193.001 mm, doffs = 124.343 px (the x-difference of the principal points). Assumed here, scaled
# by 1/4: f = 994.978 px, doffs = 31.086 px, baseline 0.193001 m; depth Z = f B / (d + doffs).
MOTORCYCLE_FOCAL = 3979.911 / 4
MOTORCYCLE_DOFFS = 124.343 / 4
MOTORCYCLE_BASELINE = 0.193001


def motorcycle_cloud(step: int = 1, max_depth: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """The real stereo scan bundled with scikit-image as an RGB point cloud.

    Returns ``points`` (N, 6) float32 x, y, z (metres, camera frame: x right, y down, z forward)
    and r, g, b in [0, 1], and ``pixels`` (N, 2) int (row, col) of each point in the left image.
    Pixels with no disparity (inf) or deeper than ``max_depth`` are dropped; ``step`` subsamples
    the image grid. Focal length, baseline and doffs: see ``MOTORCYCLE_*`` (Middlebury's, scaled).

    Example:
        >>> pts, pix = motorcycle_cloud(step=8)
        >>> pts.shape[1], bool((pts[:, 2] > 0).all())
        (6, True)
    """
    from skimage import data

    left, _right, disparity = data.stereo_motorcycle()
    rows, cols = np.mgrid[0 : disparity.shape[0] : step, 0 : disparity.shape[1] : step]
    d = disparity[rows, cols].astype(np.float64)
    ok = np.isfinite(d) & (d > 0)
    z = np.where(ok, MOTORCYCLE_FOCAL * MOTORCYCLE_BASELINE / (d + MOTORCYCLE_DOFFS), np.inf)
    ok &= z <= max_depth
    r, c, z = rows[ok], cols[ok], z[ok]
    cx, cy = disparity.shape[1] / 2, disparity.shape[0] / 2
    x = (c + 0.5 - cx) * z / MOTORCYCLE_FOCAL
    y = (r + 0.5 - cy) * z / MOTORCYCLE_FOCAL
    rgb = left[r, c].astype(np.float64) / 255.0
    points = np.concatenate([np.stack([x, y, z], -1), rgb], axis=1).astype(np.float32)
    return points, np.stack([r, c], -1)
