"""Synthetic LiDAR scans (hitl_widgets.demo.lidar), the real stereo scan and the RANSAC/DBSCAN proposals."""
from __future__ import annotations

import numpy as np
import pytest

from hitl_widgets.demo.lidar import (
    CLASSES,
    MOTORCYCLE_BASELINE,
    MOTORCYCLE_DOFFS,
    MOTORCYCLE_FOCAL,
    SENSOR_HEIGHT,
    Faults,
    default_camera,
    make_objects,
    motorcycle_cloud,
    synthetic_scan,
)
from hitl_widgets.pointcloud import fit_ground_plane, propose


@pytest.fixture(scope="module")
def scan():
    return synthetic_scan(beams=32, azimuth_steps=1024, seed=3)


def test_scan_shapes_dtypes_and_exact_labels(scan):
    n = len(scan.points)
    assert scan.points.shape == (n, 4) and scan.points.dtype == np.float32
    assert scan.labels.shape == scan.instances.shape == (n,)
    assert set(np.unique(scan.labels)) == set(range(len(CLASSES)))
    ground = scan.labels == CLASSES.index("ground")
    assert np.abs(scan.points[ground, 2]).max() < 0.2  # on z = 0, up to the range noise
    assert (scan.instances[ground] == 0).all() and (scan.instances[~ground] > 0).all()
    # every object return lies inside its object's (slightly grown) volume
    objs = scan.objects.set_index("instance")
    for inst in np.unique(scan.instances[~ground])[:10]:
        o = objs.loc[inst]
        p = scan.points[scan.instances == inst, :3].astype(np.float64)
        assert CLASSES[scan.labels[scan.instances == inst][0]] == o["class"]
        assert p[:, 2].min() > -0.1 and p[:, 2].max() < o["height"] + 0.1
        reach = np.hypot(p[:, 0] - o["x"], p[:, 1] - o["y"])
        assert reach.max() < np.hypot(o["length"], o["width"]) / 2 + 0.1
    assert 0 <= scan.points[:, 3].min() and scan.points[:, 3].max() <= 1


def test_scan_sizes_span_100k_to_2m_rays_and_bad_arguments():
    assert len(synthetic_scan(beams=64, azimuth_steps=2048, seed=0).points) > 100_000
    with pytest.raises(ValueError, match="beams"):
        synthetic_scan(beams=16)
    with pytest.raises(ValueError, match="azimuth_steps"):
        synthetic_scan(azimuth_steps=10)


def test_a_known_projection_and_the_image_agrees_with_the_points(scan):
    cam = default_camera()
    # straight ahead at the camera's own height: the principal point; depth = 10 m + 0.3 m offset
    uv, depth = cam.project(np.array([[10.0, 0.0, SENSOR_HEIGHT - 0.2], [10.0, 1.0, SENSOR_HEIGHT - 0.2 - 0.5]]))
    assert np.allclose(uv[0], [320, 180]) and np.isclose(depth[0], 10.3)
    # 1 m left (+y) → left in the image (u smaller), 0.5 m down (-z) → lower (v larger), by f * offset / depth
    assert np.allclose(uv[1], [320 - 420 * 1 / 10.3, 180 + 420 * 0.5 / 10.3])
    assert np.allclose(cam.T_cam_lidar[:3, :3] @ [1, 0, 0], [0, 0, 1])  # LiDAR forward = camera z
    # points of each object project onto pixels the rendered image labels with the same class
    u, d = cam.project(scan.points[:, :3])
    inside = (d > 0) & (u[:, 0] >= 0) & (u[:, 0] < cam.width) & (u[:, 1] >= 0) & (u[:, 1] < cam.height)
    seen = scan.image_labels[u[inside, 1].astype(int), u[inside, 0].astype(int)]
    assert (seen == scan.labels[inside]).mean() > 0.97
    assert scan.image.shape == (cam.height, cam.width, 3) and scan.image.dtype == np.uint8


def test_faults_change_only_the_camera(scan):
    objs = scan.objects
    ped = int(objs.loc[objs["class"] == "pedestrian", "instance"].iloc[0])
    faulty = synthetic_scan(beams=32, azimuth_steps=1024, seed=3, faults=Faults(missed_pedestrian=ped, class_swap=(1, 4)))
    assert np.array_equal(faulty.labels, scan.labels) and np.array_equal(faulty.camera.K, scan.camera.K)
    car, wall = scan.image_labels == 1, scan.image_labels == 4
    assert (faulty.image_labels[car] != 1).all() and (faulty.image_labels[wall] != 4).all()
    shifted = synthetic_scan(beams=32, azimuth_steps=256, seed=3, faults=Faults(calibration_offset=(0, 0, 0, 2.0)))
    assert (shifted.image_labels != scan.image_labels).mean() > 0.01


def test_objects_are_seeded():
    assert make_objects(5).equals(make_objects(5)) and not make_objects(5).equals(make_objects(6))


def test_motorcycle_cloud_follows_the_documented_geometry():
    from skimage import data

    pts, pix = motorcycle_cloud(step=4)
    disparity = data.stereo_motorcycle()[2]
    r, c = pix[0]
    z = MOTORCYCLE_FOCAL * MOTORCYCLE_BASELINE / (disparity[r, c] + MOTORCYCLE_DOFFS)
    assert np.isclose(pts[0, 2], z, rtol=1e-6)
    assert np.isclose(pts[0, 0], (c + 0.5 - disparity.shape[1] / 2) * z / MOTORCYCLE_FOCAL, rtol=1e-5, atol=1e-6)
    assert pts.shape[1] == 6 and 0 <= pts[:, 3:].min() and pts[:, 3:].max() <= 1
    assert 1.5 < np.median(pts[:, 2]) < 5  # a motorcycle a few metres from the camera


def test_ransac_plane_and_proposals(scan):
    rng = np.random.default_rng(0)
    tilted = np.c_[rng.uniform(-5, 5, (2000, 2)), np.zeros(2000)]
    tilted[:, 2] = 0.1 * tilted[:, 0] + 0.3
    outliers = rng.uniform(-5, 5, (500, 3)) + [0, 0, 3]
    a, b, c, d = fit_ground_plane(np.r_[tilted, outliers])
    assert np.allclose([a / c, b / c, d / c], [-0.1, 0, -0.3], atol=2e-3)  # a few outliers sit within the threshold
    prop = propose(scan.points)
    assert prop.classes.shape == prop.scores.shape == (len(scan.points),)
    assert ((prop.scores >= 0) & (prop.scores <= 1)).all() and (prop.scores[prop.classes < 0] == 0).all()
    ground = scan.labels == 0
    assert (prop.classes[ground] == 0).mean() > 0.99
    assert (prop.classes == scan.labels).mean() > 0.9
    assert (prop.classes != scan.labels).sum() > 0  # a model with mistakes to fix


def test_doctests():
    import doctest

    from hitl_widgets import pointcloud
    from hitl_widgets.demo import lidar

    assert doctest.testmod(lidar).failed == 0 and doctest.testmod(pointcloud).failed == 0
