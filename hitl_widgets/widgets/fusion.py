"""SensorFusionReview: review where a camera and a LiDAR disagree, beside each other.

Each frame is a camera image, a point cloud, the calibration between them (``K``,
``T_cam_lidar``; conventions in ``hitl_widgets.fusion``) and each sensor's detections (camera 2D
boxes; LiDAR clusters as per-point instance ids and classes, or LiDAR 3D boxes). The detections are matched by
projection (``fusion.disagreements``) and every disagreement (camera only, LiDAR only, low
overlap, class conflict) is one item of the review queue; its verdict (camera right, LiDAR right,
both wrong, ambiguous) and a reason are one store event (``kind="verdict"``), so they survive a
kernel restart, and undo / redo are the store's.

Protocol (browser → kernel; each intent carries ``client``/``seq``):
    verdict {item_id, verdict, reason}     (last wins)
    undo / redo {item_id}
    select  {frame, box: [x0, y0, x1, y1] | null, encoding, count} + 1 buffer of point indices
            (``pointcloud_frames.decode_indices``): the view's linked selection, kept in ``selection``;
            the box is in image pixels, x0 <= x1, y0 <= y1, within the image (``BOX_SLACK``)
    fetch   {ids: [...]} → "items": each disagreement (small JSON, no media)
    frame   {frame} → "frame" + buffers: xyz (uint16 x 3, quantised as ``pointcloud_frames``),
            labels (class + 1: uint8, uint16 over 254 classes, as ``label_dtype`` says), instances (uint16), uv (float32 x 2, NaN: not in view, see
            ``fusion.view_uv``), depth (float32), edge flags (uint8: 1 an outline point on an image
            edge, 2 off it), the image (PNG) and its edges (PNG, RGBA)
"""
from __future__ import annotations

import io
import math
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import traitlets

from .. import fusion as F
from ..coerce import check_int, normalise_classes, to_numpy, unit_pixels, warn_user
from ..items import Items
from ..queue import QueueSpec
from ..store import AnnotationStore
from .base import DISPLAY_HEIGHTS, STATIC, BoundedInt, IntentError, ReviewWidget, intent, static_file
from .pointcloud import ClassColours, _check_colours
from .pointcloud_frames import check_frame, decode_indices, label_codes, label_dtype, quantise

VERDICTS = ("camera", "lidar", "both_wrong", "ambiguous")
MAX_REASON = 500
BOX_SLACK = 0.02  # a selected box may reach this share of the image (at least 1 px) past its edges: the pointer's rounding


@dataclass
class FusionFrame:
    """One validated frame (see ``SensorFusionReview``)."""

    xyz: np.ndarray
    image: np.ndarray
    K: np.ndarray
    T: np.ndarray
    camera: pd.DataFrame
    lidar: pd.DataFrame
    labels: np.ndarray
    instances: np.ndarray
    uv: np.ndarray
    depth: np.ndarray
    uv32: np.ndarray
    edges: F.EdgeCheck

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


def _field(frame: Any, name: str, default: Any = None) -> Any:
    if isinstance(frame, Mapping):
        return frame.get(name, default)
    return getattr(frame, name, default)


def _image(value: Any, where: str) -> np.ndarray:
    if value is None:
        raise ValueError(f"{where}: no image")
    img = to_numpy(value)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4) or img.shape[0] < 2 or img.shape[1] < 2:
        raise ValueError(f"{where}: image must be (H, W), (H, W, 3) or (H, W, 4), not {img.shape}")
    if img.dtype != np.uint8:  # scaled by the dtype, never by the values (coerce's rule); other ints are refused
        unit = unit_pixels(img, f"{where}: image")
        img = np.rint((img if img.dtype.kind == "f" else unit).astype(np.float64) * 255).astype(np.uint8)
    return np.ascontiguousarray(img[..., :3])


def _per_point(value: Any, n: int, name: str, where: str, lo: int, hi: int, default: int) -> np.ndarray:
    if value is None:
        return np.full(n, default, np.int64)
    arr = to_numpy(value)
    if arr.shape != (n,) or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{where}: {name} must be {n} integers (one per point), not {arr.dtype} {arr.shape}")
    arr = arr.astype(np.int64)
    bad = (arr < lo) | (arr > hi)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{where}, point {k}: {name} {arr[k]} is outside {lo} .. {hi}")
    return arr


def _frame_classes(frame: Any, where: str) -> list | None:
    """The frame's own ``classes`` (normalised), None when it has none."""
    own = _field(frame, "classes")
    if own is None:
        return None
    try:
        return normalise_classes(own)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def check_fusion_frame(frame: Any, n: int, classes: list, min_points: int) -> FusionFrame:
    """A frame (a mapping, or an object such as ``demo.lidar.LidarScan``, with points, image, K,
    T_cam_lidar, camera_boxes, and lidar_labels + lidar_instances or lidar_boxes (3D); its own
    ``classes``, when it has them, must be ``classes``: its labels are indices into them), validated;
    ``ValueError`` naming it."""
    where = f"frame {n}"
    own = _frame_classes(frame, where)
    if own is not None and own != classes:
        raise ValueError(f"{where}: its classes {own[:20]} are not the classes in use {classes[:20]} (lidar_labels are "
                         f"indices into them): give every frame the same class list, in the same order")
    camera = _field(frame, "camera")  # a camera object with K and T_cam_lidar, or e.g. a channel name ("CAM_FRONT")
    K = _field(frame, "K")
    T = _field(frame, "T_cam_lidar")
    K = getattr(camera, "K", None) if K is None else K
    T = getattr(camera, "T_cam_lidar", None) if T is None else T
    if K is None or T is None:
        raise ValueError(f"{where}: needs K (3x3 intrinsics) and T_cam_lidar (4x4 extrinsics, LiDAR to camera)")
    img = _image(_field(frame, "image"), where)
    K, T = F.check_calibration(K, T, where=where)
    points = _field(frame, "points")
    fr = check_frame(points, where)
    labels = _per_point(_field(frame, "lidar_labels", _field(frame, "labels")), len(fr), "lidar_labels", where, -1, len(classes) - 1, -1)
    instances = _per_point(_field(frame, "lidar_instances", _field(frame, "instances")), len(fr), "lidar_instances", where, 0, 65535, 0)
    height, width = img.shape[:2]
    boxes = _field(frame, "camera_boxes")
    cam = F.check_camera_boxes(boxes, classes, width, height, where)
    uv, depth = F.project(fr.xyz, K, T)
    boxes3d = _field(frame, "lidar_boxes")
    if boxes3d is not None:  # 3D boxes: their points are the clusters, their corners the 2D box
        b3 = F.check_lidar_boxes(boxes3d, classes, where)
        instances = F.points_in_boxes3d(fr.xyz, b3)
        lidar = F.box3d_detections(b3, K, T, width, height, instances)
    else:
        lidar = F.lidar_detections(uv, depth, instances, labels, width, height, min_points)
    return FusionFrame(fr.xyz, img, K, T, cam, lidar, labels, instances, uv, depth, F.view_uv(uv, depth, width, height),
                       F.edge_check(img, uv, depth))


def _png(rgb: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG", compress_level=1)
    return out.getvalue()


class SensorFusionReview(ClassColours, ReviewWidget):
    """Review camera / LiDAR disagreements: the image with the projected points beside the cloud.

    Keys: ``c`` camera right, ``l`` LiDAR right, ``w`` both wrong, ``a`` ambiguous (each with the
    reason typed in the reason box, then the next disagreement); drag in the image to select the
    points in the box's frustum, ``b`` then drag in the cloud to box-select points (they light up
    in the image); ``d`` colour by depth / label, ``e`` the calibration check by edges; ``?``.

    Example:
        >>> from hitl_widgets.demo.lidar import synthetic_scan, Faults
        >>> scan = synthetic_scan(beams=32, azimuth_steps=256, seed=0, faults=Faults(missed_pedestrian=17))
        >>> w = SensorFusionReview([F.frame_from_scan(scan)], store=AnnotationStore(":memory:"))
        >>> w.verdict(0, "lidar", "the camera missed it")
        1
        >>> w.verdicts[["item_id", "verdict"]].values.tolist()
        [[0, 'lidar']]
    """

    _esm = STATIC / "fusion.js"
    _css = STATIC / "fusion.css"
    n_frames = traitlets.Int(1).tag(sync=True)
    point_size = traitlets.Float(2.0).tag(sync=True)
    display_height = BoundedInt(360, *DISPLAY_HEIGHTS).tag(sync=True)
    _state_kinds: ClassVar[tuple[str, ...]] = ("verdict",)

    def __init__(
        self,
        frames: Any,
        store: AnnotationStore | None = None,
        classes: Sequence[Any] | None = None,
        task: str = "fusion",
        queue: QueueSpec = None,
        min_score: float = 0.1,
        low_overlap: float = 0.6,
        min_points: int = 3,
        colors: Sequence[str] | None = None,
        annotator: str | None = None,
    ):
        static_file("fusion.js")
        several = isinstance(frames, (list, tuple))
        raw = list(frames) if several else [frames]
        if not raw:
            raise ValueError("frames: an empty list")
        if classes is None:
            classes = _frame_classes(raw[0], "frame 0")
            if classes is None:
                raise ValueError("classes: give the class names (frame 0 has no 'classes')")
        class_list = normalise_classes(classes)
        min_score, low_overlap = F.check_thresholds(min_score, low_overlap)
        min_points = check_int("min_points", min_points, 1)
        self._frames = [check_fusion_frame(f, n, class_list, min_points) for n, f in enumerate(raw)]
        table = pd.concat([F.disagreements(f.camera, f.lidar, n, min_score, low_overlap) for n, f in enumerate(self._frames)],
                          ignore_index=True)
        if table.empty:
            raise ValueError("no disagreements: every camera box matches a LiDAR cluster of its class (nothing to review)")
        self._table = table
        self._current: dict[Hashable, dict] = {}  # item id -> {"verdict", "reason"}
        self._redo: dict[Hashable, list[dict]] = {}
        self._selection: tuple[int, np.ndarray, list[float] | None] = (0, np.zeros(0, np.int64), None)
        names = [f"frame {r.frame}: {r.kind}" for r in table.itertuples()]
        super().__init__(Items(names), store=store, task=task, queue=queue, annotator=annotator, classes=class_list,
                         colors=_check_colours(colors, len(class_list)), n_frames=len(self._frames))
        self.position = self._first_open()

    # ------------------------------------------------------------------ public API
    @property
    def disagreements(self) -> pd.DataFrame:
        """One row per queue item (item_id = row): frame, kind, camera / lidar (the detection's row
        in ``detections(frame)``, -1 none), camera_class / lidar_class (names, None), iou, overlap (the share of the LiDAR box inside the
        camera box), and the
        box x0, y0, x1, y1 (pixels) covering both."""
        df = self._table.copy()
        for col in ("camera_class", "lidar_class"):  # names as given (an int class stays an int), None for none
            df[col] = pd.Series([self.classes[k] if k >= 0 else None for k in df[col]], index=df.index, dtype=object)
        return df.rename_axis("item_id").reset_index()

    def detections(self, frame: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(camera boxes, LiDAR clusters) of a frame, classes as indices, boxes in pixels."""
        f = self._frames[self._frame_index(frame)]
        return f.camera.copy(), f.lidar.copy()

    @property
    def verdicts(self) -> pd.DataFrame:
        """Current verdicts, one row per reviewed disagreement: item_id, frame, kind, camera_class,
        lidar_class, iou, overlap, verdict (camera / lidar / both_wrong / ambiguous), reason, annotator,
        event_id, created_at."""
        with warnings.catch_warnings():  # said when the widget was made
            warnings.simplefilter("ignore")
            cur = self._stored()
        dis = self.disagreements.set_index("item_id")
        ids = cur["item_id"].tolist()
        df = pd.DataFrame({
            "item_id": ids, "frame": [int(dis.at[i, "frame"]) for i in ids], "kind": [dis.at[i, "kind"] for i in ids],
            "camera_class": [dis.at[i, "camera_class"] for i in ids], "lidar_class": [dis.at[i, "lidar_class"] for i in ids],
            "iou": [float(dis.at[i, "iou"]) for i in ids], "overlap": [float(dis.at[i, "overlap"]) for i in ids],
            "verdict": [p["verdict"] for p in cur["payload"]], "reason": [p.get("reason", "") for p in cur["payload"]],
            "annotator": cur["annotator"].tolist(), "event_id": cur["event_id"].tolist(), "created_at": cur["created_at"].tolist(),
        })
        return df.sort_values("item_id").reset_index(drop=True)

    @property
    def edge_checks(self) -> pd.DataFrame:
        """The calibration check by edges per frame: frame, score (share of outline points on an
        image edge), outline_points."""
        return pd.DataFrame([{"frame": n, "score": f.edges.score, "outline_points": len(f.edges.edge_points)}
                             for n, f in enumerate(self._frames)])

    @property
    def selection(self) -> tuple[int, np.ndarray, list[float] | None]:
        """The view's linked selection: (frame, point indices, the image box that made it or None)."""
        frame, idx, box = self._selection
        return frame, idx.copy(), box

    def view_uv(self, frame: int = 0) -> np.ndarray:
        """The float32 (N, 2) pixel positions the view draws and selects on (NaN: not in view)."""
        return self._frames[self._frame_index(frame)].uv32.copy()

    def verdict(self, item_id: Hashable, verdict: str, reason: str = "") -> int:
        """Store a verdict from code, validated as the view's are; returns the event id."""
        key = self._item_id({"item_id": item_id})
        self._redo.pop(key, None)
        return self._commit(key, "verdict", self._payload(key, verdict, reason)).event_id

    # ------------------------------------------------------------------ state
    def _about(self, item_id: Hashable) -> dict:
        """What the disagreement ``item_id`` (a row of the table) is: frame, kind, the camera box's
        and the LiDAR cluster's rows and class names. Stored with its verdict, so that a verdict is
        shown only on the disagreement it was given to (the rows move with the thresholds, the
        detections and the classes)."""
        r = self._table.iloc[int(item_id)]  # type: ignore[call-overload]
        name = lambda k: self.classes[int(k)] if k >= 0 else None  # noqa: E731
        return {"frame": int(r.frame), "kind": str(r.kind), "camera": int(r.camera), "lidar": int(r.lidar),
                "camera_class": name(r.camera_class), "lidar_class": name(r.lidar_class)}

    def _payload(self, item_id: Hashable, verdict: Any, reason: Any) -> dict:
        return {"verdict": self._check(verdict), "reason": self._reason(reason), "disagreement": self._about(item_id)}

    def _fits(self, item_id: Hashable, payload: dict) -> bool:
        """Whether a stored verdict was given to this disagreement (one stored without its
        description, by an older version, is taken as given)."""
        about = payload.get("disagreement")
        return item_id in self.items and (about is None or about == self._about(item_id))

    def _stored(self) -> pd.DataFrame:
        """The current verdicts in the store that belong to this table's disagreements; the others
        (given with other thresholds, detections or classes) stay in the store, unshown, with a warning."""
        cur = self.store.current(self.task, kinds=self._state_kinds, annotator=self.annotator)
        fits = [self._fits(i, p) for i, p in zip(cur["item_id"], cur["payload"])]
        other = cur[[not f for f in fits]]
        if len(other):
            shown = ", ".join(f"{i} ({(p.get('disagreement') or {}).get('kind')}, frame {(p.get('disagreement') or {}).get('frame')})"
                              for i, p in zip(other["item_id"][:5], other["payload"][:5]))
            warn_user(f"{len(other)} stored verdicts of task {self.task!r} were given to disagreements that are not "
                          f"this table's (other thresholds, detections or classes): item ids {shown}"
                          f"{' …' if len(other) > 5 else ''}. They stay in the store and are not shown")
        return cur[fits]

    def _load(self) -> None:
        for row in self._stored().itertuples():
            self._current[row.item_id] = dict(row.payload)

    def _mirror(self, key: Hashable, event: dict | None, state: Any = None) -> None:
        if event is None or not self._fits(key, event["payload"]):  # an undo back to another table's verdict: none here
            self._current.pop(key, None)
        else:
            self._current[key] = dict(event["payload"])

    def _label(self, key: Hashable) -> Any:
        return (self._current.get(key) or {}).get("verdict")

    def _is_done(self, item_id: Hashable) -> bool:
        return item_id in self._current

    def _done_candidates(self) -> list[Hashable]:
        return list(self._current)  # a recount looks at the items with a state only

    def _item_state(self, item_id: Any) -> dict:
        cur = self._current.get(item_id) if isinstance(item_id, int) else None
        return {"verdict": cur["verdict"] if cur else None, "reason": cur.get("reason", "") if cur else ""}

    def _media(self, key: Any, buffers: list) -> dict:
        r = self._table.iloc[int(key)]
        f = self._frames[int(r.frame)]
        cam = f.camera.iloc[int(r.camera)] if r.camera >= 0 else None
        lid = f.lidar.iloc[int(r.lidar)] if r.lidar >= 0 else None
        box = lambda row: [float(row.x0), float(row.y0), float(row.x1), float(row.y1)]  # noqa: E731
        return {"kind": "disagreement", "frame": int(r.frame), "what": r.kind, "iou": float(r.iou), "overlap": float(r.overlap),
                "camera_box": box(cam) if cam is not None else None, "camera_class": int(r.camera_class),
                "lidar_box": box(lid) if lid is not None else None, "lidar_class": int(r.lidar_class),
                "lidar_instance": int(lid.instance) if lid is not None else 0, "lidar_points": int(lid.points) if lid is not None else 0,
                **self._item_state(int(key))}

    # ------------------------------------------------------------------ validation
    def _frame_index(self, frame: Any) -> int:
        if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)) or not 0 <= frame < len(self._frames):
            raise IntentError(f"unknown frame {str(frame)[:40]!r} (there are {len(self._frames)})")
        return int(frame)

    def _image_box(self, box: Any, frame: int) -> list[float] | None:
        """A selection's image box: None, or four finite numbers x0 <= x1, y0 <= y1 (a drag of no
        height selects the points on its line), within the image but for ``BOX_SLACK``."""
        if box is None:
            return None
        if (not isinstance(box, list) or len(box) != 4  # an int of any size is finite (compared exactly below)
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and (isinstance(v, int) or math.isfinite(v))
                           for v in box)):
            raise IntentError(f"frame {frame}: box must be [x0, y0, x1, y1], four finite numbers")
        x0, y0, x1, y1 = box
        if x0 > x1 or y0 > y1:
            raise IntentError(f"frame {frame}: box {str(box)[:80]} is reversed (needs x0 <= x1 and y0 <= y1)")
        f = self._frames[frame]
        sx, sy = max(1.0, BOX_SLACK * f.width), max(1.0, BOX_SLACK * f.height)
        if x0 < -sx or y0 < -sy or x1 > f.width + sx or y1 > f.height + sy:
            raise IntentError(f"frame {frame}: box {str(box)[:80]} reaches outside the {f.width}x{f.height} image")
        return [float(v) for v in box]

    @staticmethod
    def _check(verdict: Any) -> str:
        if verdict not in VERDICTS:
            raise IntentError(f"verdict must be one of {list(VERDICTS)}, not {str(verdict)[:40]!r}")
        return verdict

    @staticmethod
    def _reason(reason: Any) -> str:
        if reason is None:
            return ""
        if not isinstance(reason, str) or len(reason) > MAX_REASON:
            raise IntentError(f"reason must be text of at most {MAX_REASON} characters")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
            raise IntentError("reason must not hold control characters")
        return reason

    # ------------------------------------------------------------------ intents
    @intent("verdict", last_wins=True)
    def _on_verdict(self, content: dict) -> dict:
        item_id = self._item_id(content)
        done = self._commit(item_id, "verdict", self._payload(item_id, content.get("verdict"), content.get("reason")))
        self._redo.pop(item_id, None)
        return self._answer(content, done)

    @intent("undo", last_wins=True)
    def _on_undo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        before = self._current.get(item_id)
        done = self._undo(item_id, missing=f"disagreement {item_id}: no verdict to undo")
        if before is not None:
            self._redo.setdefault(item_id, []).append(before)
        return self._answer(content, done)

    @intent("redo", last_wins=True)
    def _on_redo(self, content: dict) -> dict:
        item_id = self._item_id(content)
        stack = self._redo.get(item_id)
        if not stack:
            raise IntentError(f"disagreement {item_id}: nothing to redo")
        done = self._commit(item_id, "verdict", stack[-1])
        stack.pop()
        return self._answer(content, done)

    @intent("select")
    def _on_select(self, content: dict) -> dict:
        frame = self._frame_index(content.get("frame"))
        f = self._frames[frame]
        box = self._image_box(content.get("box"), frame)
        if len(self.intent_buffers) != 1:
            raise IntentError(f"frame {frame}: a selection needs exactly one binary buffer of point indices")
        try:
            idx = decode_indices(self.intent_buffers[0], content.get("encoding"), len(f.xyz), content.get("count"))
        except ValueError as exc:
            raise IntentError(f"frame {frame}: {exc}") from None
        self._selection = (frame, idx, box)
        return self._ack(content, count=len(idx))

    @intent("frame", sequenced=False)
    def _on_frame(self, content: dict) -> None:
        frame = self._frame_index(content.get("frame"))
        f = self._frames[frame]
        q, offset, scale = quantise(f.xyz)
        flags = np.zeros(len(f.xyz), np.uint8)
        flags[f.edges.edge_points] = np.where(f.edges.aligned, 1, 2)
        edges = np.zeros((f.height, f.width, 4), np.uint8)
        edges[f.edges.image_edges] = (0, 255, 255, 200)
        codes = label_codes(f.labels, len(self.classes))  # uint16 over 254 classes: said in label_dtype
        buffers = [q.tobytes(), codes.tobytes(),
                   f.instances.astype("<u2").tobytes(), f.uv32.astype("<f4").tobytes(),
                   np.where(np.isfinite(f.depth), f.depth, 0).astype("<f4").tobytes(), flags.tobytes(), _png(f.image), _png(edges)]
        self.send({
            "type": "frame", "frame": frame, "n": len(f.xyz), "label_dtype": label_dtype(len(self.classes)), "offset": offset, "scale": scale, "width": f.width, "height": f.height,
            "camera": f.camera[["x0", "y0", "x1", "y1", "class"]].values.tolist(),
            "lidar": f.lidar[["x0", "y0", "x1", "y1", "class"]].values.tolist(),
            "edge_score": None if np.isnan(f.edges.score) else f.edges.score, "edge_points": len(f.edges.edge_points),
        }, buffers=buffers)
        return None
