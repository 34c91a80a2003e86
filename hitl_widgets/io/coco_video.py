"""COCO-video JSON export / import of tracks (the layout of TAO and mmtracking's CocoVID).

``videos`` (id, name, width, height), ``images`` (one per frame: id, video_id, frame_id — 0-based,
as our ``frame`` —, file_name, width, height), ``annotations`` (id, image_id, video_id, track_id,
category_id, bbox ``[x, y, w, h]``, area, iscrowd), ``tracks`` (id, video_id, category_id) and
``categories``. ``track_id`` numbers the (video, track) pairs 1, 2, ... over the whole file; the
original ids, keyframe flags and sources ride along (``hitl_video``, ``hitl_track``,
``hitl_keyframe``, ``hitl_source``, ``hitl_class`` for a class that is not a str), so
``from_coco_video(to_coco_video(df))`` gives the tracks back exactly.

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"track": [5], "frame": [2], "x": [1.0], "y": [2.0], "w": [3.0], "h": [4.0], "class": ["car"]})
    >>> ds = to_coco_video(df, size=(64, 48), n_frames=3)
    >>> [(im["frame_id"], im["file_name"]) for im in ds["images"]][-1], ds["annotations"][0]["bbox"]
    ((2, 'video/000002.jpg'), [1.0, 2.0, 3.0, 4.0])
    >>> from_coco_video(ds)[["video", "track", "frame", "x", "class"]].values.tolist()
    [['video', 5, 2, 1.0, 'car']]
"""
from __future__ import annotations

import json
import math
import os
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import plain
from ..tracks import TRACK_COLUMNS, validate_tracks
from .coco import category_classes, category_entries, category_ids, class_key


def _per_video(value: Any, video: Any, what: str) -> Any:
    if isinstance(value, Mapping):
        if video not in value:
            raise ValueError(f"no {what} for video {video!r}")
        return value[video]
    return value


def _videos(tracks: pd.DataFrame, video: Hashable) -> list[tuple[Any, pd.DataFrame]]:
    if not isinstance(tracks, pd.DataFrame):
        raise TypeError(f"to_coco_video needs a tracks DataFrame, not {type(tracks).__name__}")
    if "video" not in tracks.columns:
        return [(plain(video), tracks)]
    names = [plain(v) for v in tracks["video"]]
    order = list(dict.fromkeys(names))
    for v in order:
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise ValueError(f"video {v!r}: video names are ints or strs")
    col = np.array(names, dtype=object)
    return [(v, tracks[col == v].drop(columns="video")) for v in order]


def to_coco_video(
    tracks: pd.DataFrame,
    *,
    size: tuple[int, int] | Mapping[Hashable, tuple[int, int]],
    n_frames: int | Mapping[Hashable, int] | None = None,
    classes: Sequence | None = None,
    fps: float | Mapping[Hashable, float] | None = None,
    video: Hashable = "video",
    file_name: str = "{video}/{frame:06d}.jpg",
    path: str | os.PathLike | None = None,
) -> dict:
    """A COCO-video dataset dict of the tracks; with ``path``, also written as JSON.

    Args:
        tracks: a tracks DataFrame; with a ``video`` column, one video per value (else one video
            named ``video``). ``score`` is kept; other extra columns are not.
        size: ``(width, height)``, or ``{video: (width, height)}``.
        n_frames: frames of each video (an image entry each); default: the last boxed frame + 1.
        classes: category order (ids 1..K); default: sorted classes (first-seen order if unsortable).
        fps: recorded on the video entries when given.
        file_name: each frame image's name, formatted with ``video`` and ``frame``.

    Example:
        >>> df = pd.DataFrame({"track": 0, "frame": [0, 1], "x": 0.0, "y": 0.0, "w": 2.0, "h": 2.0, "class": 7})
        >>> ds = to_coco_video(df, size=(4, 4))
        >>> ds["categories"], [a["track_id"] for a in ds["annotations"]]
        ([{'id': 1, 'name': '7', 'supercategory': '', 'hitl_class': 7}], [1, 1])
    """
    groups = []
    for name, part in _videos(tracks, video):
        w, h = (int(s) for s in _per_video(size, name, "size"))
        n = _per_video(n_frames, name, "n_frames")
        try:
            v = validate_tracks(part, n_frames=n, width=w, height=h)
        except ValueError as e:
            raise ValueError(f"video {name!r}: {e}") from None
        n = int(n) if n is not None else int(v["frame"].max()) + 1 if len(v) else 0
        groups.append((name, v, w, h, n))
    if classes is None:
        seen = list(dict.fromkeys(plain(c) for _, v, *_ in groups for c in v["class"]))
        try:
            classes = sorted(seen)
        except TypeError:
            classes = seen
    cats = category_ids(classes)
    out: dict[str, list] = {"videos": [], "images": [], "annotations": [], "tracks": []}
    for vid, (name, v, w, h, n) in enumerate(groups, start=1):
        entry: dict[str, Any] = {"id": vid, "name": str(name), "width": w, "height": h, "hitl_video": name}
        rate = _per_video(fps, name, "fps")
        if rate is not None:
            entry["fps"] = float(rate)
        out["videos"].append(entry)
        first = len(out["images"]) + 1
        out["images"] += [{"id": first + f, "video_id": vid, "frame_id": f, "file_name": file_name.format(video=name, frame=f),
                           "width": w, "height": h} for f in range(n)]
        track_ids: dict[tuple[str, Any], int] = {}
        scores = v["score"].to_numpy(dtype=np.float64) if "score" in v.columns else np.full(len(v), np.nan)
        for k, rec in enumerate(v[TRACK_COLUMNS].to_dict("records")):
            t, cls = plain(rec["track"]), plain(rec["class"])
            key = class_key(cls)
            if key not in cats:
                raise ValueError(f"video {name!r}, track {t!r}, frame {rec['frame']}: class {cls!r} is not one of {list(classes)}")
            tkey = (type(t).__name__, t)
            if tkey not in track_ids:
                track_ids[tkey] = len(out["tracks"]) + 1
                out["tracks"].append({"id": track_ids[tkey], "video_id": vid, "category_id": cats[key], "hitl_track": t})
            bbox = [float(rec[c]) for c in ("x", "y", "w", "h")]
            ann: dict[str, Any] = {
                "id": len(out["annotations"]) + 1, "image_id": first + int(rec["frame"]), "video_id": vid,
                "track_id": track_ids[tkey], "category_id": cats[key], "bbox": bbox, "area": bbox[2] * bbox[3],
                "iscrowd": 0, "hitl_track": t, "hitl_keyframe": bool(rec["keyframe"]), "hitl_source": str(rec["source"]),
            }
            if math.isfinite(scores[k]):
                ann["score"] = float(scores[k])
            out["annotations"].append(ann)
    categories = category_entries(cats)
    dataset = {"info": {"description": "hitl-widgets tracks export", "date_created": datetime.now(timezone.utc).isoformat()},
               **out, "categories": categories}
    if path is not None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(dataset, f)
    return dataset


def _int(value: Any, where: str, what: str, low: int | None = None) -> int:
    v = plain(value)
    if isinstance(v, bool) or not isinstance(v, int) or (low is not None and v < low):
        raise ValueError(f"{where}: {what} {v!r} is not an int" + (f" >= {low}" if low is not None else ""))
    return v


def _index(entries: Any, what: str) -> dict[int, dict]:
    if not isinstance(entries, list):
        raise ValueError(f"the dataset's {what} must be a list")
    out: dict[int, dict] = {}
    for k, e in enumerate(entries):
        if not isinstance(e, Mapping):
            raise ValueError(f"{what}[{k}] is not an object")
        i = _int(e.get("id"), f"{what}[{k}]", "id")
        if i in out:
            raise ValueError(f"{what}[{k}]: id {i} is used twice")
        out[i] = dict(e)
    return out


def _annotation_row(k: int, ann: Any, images: dict, cats: dict, videos: dict) -> tuple:
    if not isinstance(ann, Mapping):
        raise ValueError(f"annotations[{k}] is not an object")
    where = f"annotation {ann.get('id')!r} (annotations[{k}])"
    img = images.get(plain(ann.get("image_id")))
    if img is None:
        raise ValueError(f"{where}: unknown image_id {ann.get('image_id')!r}")
    vid = plain(ann.get("video_id", img["video_id"]))
    if vid != img["video_id"]:
        raise ValueError(f"{where}: video_id {vid!r}, but its image {img['id']} is in video {img['video_id']!r}")
    cat = cats.get(plain(ann.get("category_id")))
    if cat is None:
        raise ValueError(f"{where}: unknown category_id {ann.get('category_id')!r}")
    track = plain(ann.get("hitl_track", ann.get("track_id", ann.get("instance_id"))))
    if isinstance(track, bool) or not isinstance(track, (int, str)):
        raise ValueError(f"{where}: no track_id (or it is not an int: {track!r})")
    where = f"{where}, track {track!r}, frame {img['frame_id']}"
    bbox = ann.get("bbox")
    if (not isinstance(bbox, (list, tuple)) or len(bbox) != 4
            or not all(isinstance(b, (int, float)) and not isinstance(b, bool) and math.isfinite(b) for b in bbox)):
        raise ValueError(f"{where}: bbox {bbox!r} is not four finite numbers [x, y, w, h]")
    if bbox[2] <= 0 or bbox[3] <= 0:
        raise ValueError(f"{where}: bbox {list(bbox)} must have width and height > 0")
    keyframe, source = ann.get("hitl_keyframe", True), ann.get("hitl_source", "coco")
    if not isinstance(keyframe, bool) or not isinstance(source, str):
        raise ValueError(f"{where}: hitl_keyframe must be true/false and hitl_source a string")
    score = ann.get("score", np.nan)
    if isinstance(score, bool) or not isinstance(score, (int, float)):
        raise ValueError(f"{where}: score {score!r} is not a number")
    return (videos[vid]["hitl_video"], track, img["frame_id"], *map(float, bbox), cat, keyframe, source, float(score), where)


def from_coco_video(dataset: Mapping | str | os.PathLike) -> pd.DataFrame:
    """Tracks of a COCO-video dataset (a dict or a JSON file) as a DataFrame.

    Columns: video (``hitl_video``, else the video's name), then ``TRACK_COLUMNS`` (track is
    ``hitl_track``, else ``track_id`` or mmtracking's ``instance_id``; keyframe True and source
    "coco" unless the file says otherwise), and ``score`` when an annotation has one. Each video
    is checked as :func:`~hitl_widgets.tracks.validate_tracks` checks tracks (frames in range,
    boxes inside the frame, one box per track and frame, one class per track); errors name the
    annotation, the track and the frame.

    Example:
        >>> ds = {"videos": [{"id": 1, "name": "v", "width": 9, "height": 9}],
        ...       "images": [{"id": 1, "video_id": 1, "frame_id": 0}, {"id": 2, "video_id": 1, "frame_id": 1}],
        ...       "annotations": [{"id": 1, "image_id": 2, "track_id": 4, "category_id": 1, "bbox": [1, 1, 2, 2]}],
        ...       "categories": [{"id": 1, "name": "dog"}]}
        >>> from_coco_video(ds)[["video", "track", "frame", "w", "class", "source"]].values.tolist()
        [['v', 4, 1, 2.0, 'dog', 'coco']]
    """
    if isinstance(dataset, Mapping):
        data = dataset
    else:
        with open(dataset, encoding="utf-8") as f:
            data = json.load(f)
    videos = _index(data.get("videos", []), "videos")
    named: dict[tuple, Any] = {}
    for k, v in videos.items():
        v.setdefault("hitl_video", v.get("name", v["id"]))
        other = named.setdefault((type(v["hitl_video"]), v["hitl_video"]), k)
        if other != k:
            raise ValueError(f"videos {other} and {k} are both named {v['hitl_video']!r}: a video's boxes are read by "
                             "its name, so each needs its own (set 'name' or 'hitl_video')")
    images = _index(data.get("images", []), "images")
    frame_of: dict[tuple[int, int], Any] = {}  # (video, frame) -> the image that is that frame
    for i, img in images.items():
        where = f"image {i}"
        img["video_id"] = _int(img.get("video_id"), where, "video_id")
        img["frame_id"] = _int(img.get("frame_id"), where, "frame_id", low=0)
        if img["video_id"] not in videos:
            raise ValueError(f"{where}: unknown video_id {img['video_id']}")
        other = frame_of.setdefault((img["video_id"], img["frame_id"]), i)
        if other != i:
            raise ValueError(f"images {other} and {i} are both frame {img['frame_id']} of video {img['video_id']}: their "
                             "boxes would be merged into one frame")
    cats = category_classes(list(_index(data.get("categories", []), "categories").values()))
    anns = data.get("annotations", [])
    if not isinstance(anns, list):
        raise ValueError("the dataset's annotations must be a list")
    rows = [_annotation_row(k, a, images, cats, videos) for k, a in enumerate(anns)]
    first: dict[tuple, str] = {}
    class_of: dict[tuple, tuple[Any, str]] = {}
    for video, track, frame, *_, cls, _k, _s, _score, where in rows:
        t = (type(video), video, type(track), track)
        key = (*t, frame)
        name = where.rsplit(", track ", 1)[0]
        if key in first:
            raise ValueError(f"{where}: a second box for this track and frame (the first is {first[key]})")
        first[key] = name
        seen, seen_name = class_of.setdefault(t, (cls, name))
        if (type(seen), seen) != (type(cls), cls):
            raise ValueError(f"{where}: class {cls!r}, but {seen_name} gives this track class {seen!r}: a track keeps one class")
    columns = ["video", *TRACK_COLUMNS, "score", "where"]
    df = pd.DataFrame(rows, columns=columns)
    parts = []
    for vid, video in videos.items():
        mine = np.array([(type(v), v) == (type(video["hitl_video"]), video["hitl_video"]) for v in df["video"]], dtype=bool)
        part = df[mine]  # a bool mask even when there are no rows (an empty Series would be read as columns)
        frames = [img["frame_id"] for img in images.values() if img["video_id"] == vid]
        size = {k: video.get(k) for k in ("width", "height")}
        try:
            checked = validate_tracks(part.drop(columns=["video", "where"]), n_frames=max(frames) + 1 if frames else None,
                                      width=size["width"], height=size["height"])
        except ValueError as e:
            raise ValueError(f"video {video['hitl_video']!r}: {e}") from None
        checked.insert(0, "video", [video["hitl_video"]] * len(checked))
        if len(checked):
            parts.append(checked)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns[:-1])
    if out["score"].isna().all():
        out = out.drop(columns="score")
    return out
