"""Point-cloud labels out and in: SemanticKITTI ``.label`` files and PLY (binary little endian).

SemanticKITTI ``.label``: one little-endian uint32 per point, the instance id in the upper 16 bits
and the semantic code in the lower 16. Our labels are class indices (``-1``: unlabelled); ``codes``
maps class index → semantic code (default: index + 1, so 0 is "unlabeled" as in SemanticKITTI).

PLY: ``format binary_little_endian 1.0``, one ``vertex`` element with x, y, z and any extra
columns (intensity, or RGB in [0, 1] written as uchar ``red``, ``green``, ``blue`` when so named) as
``float`` when the points are float32 (or a type float32 holds exactly), else ``double``, so the
values written are the values given; and int ``label`` (and ``instance``) properties. ``read_ply`` reads any binary little-endian PLY whose
first element is ``vertex`` with scalar properties.

Example:
    >>> import io, numpy as np
    >>> buf = io.BytesIO()
    >>> write_label(buf, np.array([0, 2, -1]), instances=np.array([1, 0, 0]))
    >>> _ = buf.seek(0)
    >>> [a.tolist() for a in read_label(buf)]
    [[0, 2, -1], [1, 0, 0]]
"""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["write_label", "read_label", "write_ply", "read_ply"]

Target = str | os.PathLike | IO[bytes]
RGB = ("red", "green", "blue")
_PROPERTY_NAME = re.compile(r"[A-Za-z0-9_]+")  # one word of the header: no spaces, newlines or other bytes


def _integers(values: ArrayLike, name: str) -> np.ndarray:
    """``values`` as an int64 array, refused (naming ``name``) unless of an integer dtype whose
    values int64 holds (a uint64 above 2**63 - 1 would wrap to a negative number)."""
    arr = np.asarray(values)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be integers, not {arr.dtype}")
    big = np.flatnonzero(arr.ravel() > np.iinfo(np.int64).max) if arr.dtype == np.uint64 else np.empty(0, np.intp)
    if big.size:
        raise ValueError(f"{name}: entry {big[0]} is {arr.ravel()[big[0]]}, too large for int64")
    return arr.astype(np.int64)


def _codes(codes: Sequence[int] | None, n: int) -> np.ndarray:
    table = np.arange(1, n + 1, dtype=np.int64) if codes is None else _integers(codes, "codes")
    if table.ndim != 1 or ((table < 1) | (table > 0xFFFF)).any() or len(np.unique(table)) != len(table):
        raise ValueError("codes must be distinct semantic codes in 1 .. 65535 (0 is unlabelled)")
    return table


def _write(target: Target, data: bytes) -> None:
    if hasattr(target, "write"):
        target.write(data)
    else:
        with open(target, "wb") as f:
            f.write(data)


def _read(source: Target) -> bytes:
    if hasattr(source, "read"):
        return source.read()
    with open(source, "rb") as f:
        return f.read()


def write_label(target: Target, labels: ArrayLike, instances: ArrayLike | None = None, codes: Sequence[int] | None = None) -> None:
    """Write a SemanticKITTI ``.label`` file (``target``: a path or a binary file object).

    ``labels`` (N,) class indices (-1 unlabelled → code 0); ``instances`` (N,) ids in 0 .. 65535;
    ``codes``: see the module docstring.
    """
    lab = _integers(labels, "labels")  # int64, so -1 and the codes' range compare with any integer dtype
    if lab.ndim != 1:
        raise ValueError(f"labels must be a 1-D integer array, not of shape {lab.shape}")
    n_classes = int(lab.max(initial=-1)) + 1 if codes is None else len(codes)
    table = _codes(codes, max(n_classes, 0))
    bad = np.flatnonzero((lab < -1) | (lab >= len(table)))
    if bad.size:
        raise ValueError(f"point {bad[0]}: label {lab[bad[0]]} has no code (classes 0 .. {len(table) - 1}, -1 unlabelled)")
    sem = np.where(lab < 0, 0, table[np.maximum(lab, 0)] if len(table) else 0).astype(np.uint32)
    inst = np.zeros(len(lab), np.int64) if instances is None else _integers(instances, "instances")
    if inst.shape != lab.shape:
        raise ValueError(f"instances has shape {inst.shape}, labels {lab.shape}: one per point")
    bad = np.flatnonzero((inst < 0) | (inst > 0xFFFF))
    if bad.size:
        raise ValueError(f"point {bad[0]}: instance {inst[bad[0]]} outside 0 .. 65535")
    _write(target, ((inst.astype(np.uint32) << 16) | sem).astype("<u4").tobytes())


def read_label(source: Target, codes: Sequence[int] | None = None, raw: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Read a SemanticKITTI ``.label`` file → (labels, instances), int64 arrays.

    Codes are mapped back to class indices through ``codes`` (default: code - 1; 0 → -1); with
    ``raw=True`` the semantic codes come back as stored. An unknown code raises ``ValueError``.
    """
    data = _read(source)
    if len(data) % 4:
        raise ValueError(f"a .label file holds uint32 values: {len(data)} bytes is not a multiple of 4")
    values = np.frombuffer(data, "<u4")
    sem, inst = (values & 0xFFFF).astype(np.int64), (values >> 16).astype(np.int64)
    if raw:
        return sem, inst
    if codes is None:
        return sem - 1, inst
    table = _codes(codes, len(codes))
    lookup = np.full(0x10000, -2, np.int64)
    lookup[0] = -1
    lookup[table] = np.arange(len(table))
    labels = lookup[sem]
    bad = np.flatnonzero(labels == -2)
    if bad.size:
        raise ValueError(f"point {bad[0]}: semantic code {sem[bad[0]]} is not in codes")
    return labels, inst


_PLY_TYPES = {"char": "i1", "uchar": "u1", "short": "<i2", "ushort": "<u2", "int": "<i4", "uint": "<u4",
              "float": "<f4", "double": "<f8", "int8": "i1", "uint8": "u1", "int16": "<i2", "uint16": "<u2",
              "int32": "<i4", "uint32": "<u4", "float32": "<f4", "float64": "<f8"}


def _extra_names(extra: Sequence[str], k: int) -> tuple[str, ...]:
    """The PLY property names of ``k`` extra columns: ``extra`` checked, else the defaults of
    :func:`write_ply` (three unnamed columns are refused: RGB or not is the caller's to say)."""
    if isinstance(extra, str):
        raise ValueError(f"extra must be a sequence of names, e.g. ({extra!r},), not one str")
    names = tuple(extra)
    if not names and k == 3:
        raise ValueError("points have 3 extra columns: name them, extra=('red', 'green', 'blue') for RGB in [0, 1] "
                         "(written as uchar 0 .. 255) or e.g. extra=('intensity', 'ring', 'time') (written as given)")
    if not names:
        names = ("intensity",) if k == 1 else tuple(f"f{i}" for i in range(k))
    if len(names) != k:
        raise ValueError(f"points have {k} extra columns but extra names {len(names)}")
    for name in names:
        if not isinstance(name, str) or not _PROPERTY_NAME.fullmatch(name):
            raise ValueError(f"extra name {name!r}: a PLY property name here is letters, digits and underscores")
    return names


def _refuse_repeated(names: list[str]) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"PLY property {repeated[0]!r} would be written twice (x, y, z, extra, label, instance): "
                         "rename it in extra=")


def write_ply(target: Target, points: ArrayLike, labels: ArrayLike | None = None, instances: ArrayLike | None = None,
              extra: Sequence[str] = ()) -> None:
    """Write a binary little-endian PLY of ``points`` (N, 3+k) with int ``label`` (and ``instance``).

    ``extra`` names the k extra columns (letters, digits and underscores): e.g. ``("intensity",)``
    or ``("red", "green", "blue")`` (RGB in [0, 1], stored as uchar; outside [0, 1] refused). Without
    ``extra``: ``intensity`` for k = 1, ``f0`` .. for k = 2 or k > 3; k = 3 must be named, as RGB
    (colours, rounded to 1/255) or not, since three columns in [0, 1] may as well be intensity, ring
    and time. x, y, z and the non-RGB columns are written as ``float`` when ``points`` is float32 (or
    a type float32 holds exactly: float16, (u)int8, (u)int16), else as ``double``.

    Example:
        >>> import io
        >>> buf = io.BytesIO()
        >>> write_ply(buf, np.zeros((2, 3)), labels=[1, -1])
        >>> _ = buf.seek(0)
        >>> read_ply(buf)["label"].tolist()
        [1, -1]
    """
    given = np.asarray(points)
    if not (np.issubdtype(given.dtype, np.floating) or np.issubdtype(given.dtype, np.integer)):
        raise ValueError(f"points must be numbers, not {given.dtype}")
    pts = given.astype(np.float64)
    if pts.ndim != 2 or pts.shape[1] < 3:
        raise ValueError(f"points must be (N, 3+k), not shape {pts.shape}")
    names = _extra_names(extra, pts.shape[1] - 3)
    real = "<f4" if np.can_cast(given.dtype, np.float32) else "<f8"
    fields: list[tuple[str, str, np.ndarray]] = [(n, real, pts[:, i]) for i, n in enumerate("xyz")]
    for i, name in enumerate(names):
        col = pts[:, 3 + i]
        if name in RGB:
            bad = np.flatnonzero(~((col >= 0) & (col <= 1)))
            if bad.size:
                raise ValueError(f"point {bad[0]}: {name} {col[bad[0]]} is outside [0, 1] (RGB is written as uchar 0 .. 255)")
            fields.append((name, "u1", np.round(col * 255)))
        else:
            fields.append((name, real, col))
    for name, values in (("label", labels), ("instance", instances)):
        if values is not None:
            arr = np.asarray(values)
            if arr.shape != (len(pts),) or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
                raise ValueError(f"{name} must be {len(pts)} integers (one per point), not {arr.dtype} of shape {arr.shape}")
            bad = np.flatnonzero((arr < -(2**31)) | (arr >= 2**31))
            if bad.size:
                raise ValueError(f"point {bad[0]}: {name} {arr[bad[0]]} does not fit a PLY int (32 bits)")
            fields.append((name, "<i4", arr))
    _refuse_repeated([n for n, _, _ in fields])
    table = np.empty(len(pts), dtype=[(n, t) for n, t, _ in fields])
    for name, _t, values in fields:
        table[name] = values
    ply_name = {"i1": "char", "u1": "uchar", "<i4": "int", "<f4": "float", "<f8": "double"}
    header = ["ply", "format binary_little_endian 1.0", "comment hitl-widgets point cloud", f"element vertex {len(pts)}"]
    header += [f"property {ply_name[t]} {n}" for n, t, _ in fields] + ["end_header"]
    _write(target, ("\n".join(header) + "\n").encode("ascii") + table.tobytes())


def read_ply(source: Target) -> dict[str, Any]:
    """Read a binary little-endian PLY's vertices → ``{property name: array}`` (x, y, z, label, ...)."""
    data = _read(source)
    end = data.find(b"\nend_header\n")  # the line, never a property or comment that ends in the word
    if not data.startswith(b"ply") or end < 0:
        raise ValueError("not a PLY file (no 'ply' magic or no end_header)")
    lines = data[:end].decode("ascii", "replace").splitlines()
    if "format binary_little_endian 1.0" not in lines:
        raise ValueError("only binary_little_endian PLY is read")
    count, in_vertex = 0, False
    dtype: list[tuple[str, str]] = []
    for line in lines:
        words = line.split()
        if words[:1] == ["element"]:
            if in_vertex or dtype:
                break
            in_vertex = words[1] == "vertex"
            count = int(words[2]) if in_vertex else 0
            if not in_vertex:
                raise ValueError("the first element of the PLY must be 'vertex'")
        elif words[:1] == ["property"] and in_vertex:
            if words[1] == "list" or words[1] not in _PLY_TYPES:
                raise ValueError(f"unsupported PLY property {line!r}")
            dtype.append((words[2], _PLY_TYPES[words[1]]))
    body = data[end + len(b"\nend_header\n"):]
    table = np.frombuffer(body, dtype=dtype, count=count)
    return {name: table[name].copy() for name, _ in dtype}
