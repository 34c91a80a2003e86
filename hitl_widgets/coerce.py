"""Coercion of user values to the plain Python values that the package stores and compares.

Labels, classes and item ids arrive as Python values, numpy scalars (``np.int64``, ``np.str_``,
``np.bool_``), 0-d torch tensors or pandas values; arrays arrive as numpy, torch (any device),
pandas or lists. Every module turns them into one form here, so that ``np.int64(1)`` is class ``1``
everywhere and ``np.str_("cat")`` is ``"cat"`` everywhere.

Missing values, one rule: ``None`` and ``pd.NA`` are the missing value (``plain`` turns ``pd.NA``
into ``None``); a float NaN stays a float (``plain(np.float64("nan"))`` is ``float("nan")``);
:func:`is_missing` is true for all three (and ``pd.NaT``).

No torch import: a tensor is recognised only when torch is already imported.

Example:
    >>> import numpy as np
    >>> plain(np.int64(1)), plain(np.str_("cat")), same(np.int64(1), 1), same(True, 1)
    (1, 'cat', True, False)
"""
from __future__ import annotations

import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Container, Hashable, KeysView, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, overload

import numpy as np
import pandas as pd

__all__ = [
    "ScoreWords",
    "check_int",
    "check_item_id",
    "check_label_kinds",
    "check_number",
    "finite_number",
    "warn_user",
    "is_item_id",
    "is_missing",
    "is_tensor",
    "json_default",
    "label_array",
    "normalise_classes",
    "plain",
    "plain_array",
    "probabilities",
    "probability",
    "refuse_lookalikes",
    "refuse_non_str_keys",
    "unit_pixels",
    "same",
    "to_numpy",
    "whole_float_to_int",
]


def is_tensor(value: Any) -> bool:
    """True for a torch tensor (without importing torch: only when torch is already imported).

    Example:
        >>> is_tensor(np.zeros(2))
        False
    """
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def plain(value: Any) -> Any:
    """A scalar as a plain Python value: numpy scalars and 0-d arrays, 0-d torch tensors → ``int``,
    ``float``, ``bool``, ``str`` (``np.str_`` → ``str``); ``pd.NA`` → ``None``; anything else is
    returned as it is (lists, arrays of several values, Python values).

    Example:
        >>> [plain(v) for v in (np.int64(3), np.float64(0.5), np.bool_(True), np.str_("a"), pd.NA)]
        [3, 0.5, True, 'a', None]
    """
    if isinstance(value, str):
        return str(value)  # np.str_ (a str subclass) → str, so it matches the browser's strings
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else value
    if value is pd.NA:
        return None
    if is_tensor(value):
        return value.item() if value.ndim == 0 else value
    return value


def whole_float_to_int(value: Any) -> Any:
    """``value`` as :func:`plain`, a float that is a whole number turned into an int (an int column
    read back as floats: a CSV, a column with gaps); anything else (2.5, NaN, a bool, a str) as it is.

    Example:
        >>> [whole_float_to_int(v) for v in (np.float64(3.0), 2.5, np.int64(4), True, "1")]
        [3, 2.5, 4, True, '1']
    """
    value = plain(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def is_missing(value: Any) -> bool:
    """True for ``None``, ``pd.NA``, ``pd.NaT`` and a float NaN (Python, numpy or 0-d torch).

    Example:
        >>> [is_missing(v) for v in (None, pd.NA, float("nan"), np.float32("nan"), 0.0, "")]
        [True, True, True, True, False, False]
    """
    value = plain(value)
    if value is None or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def same(a: Any, b: Any) -> bool:
    """Equal and of the same type after :func:`plain` (so ``True`` is not class ``1`` and ``"3"``
    is not ``3``, but ``np.int64(1)`` is ``1``).

    Example:
        >>> same(np.int64(1), 1), same(True, 1), same("3", 3), same(np.str_("a"), "a")
        (True, False, False, True)
    """
    a, b = plain(a), plain(b)
    return type(a) is type(b) and a == b


def same_label(a: Any, b: Any) -> bool:
    """Equal as labels of plain values: numbers by value (``1`` of an int column is ``1.0`` of a
    float one), but a bool only equals a bool and a str only a str (``True`` is not ``1``, ``"1"`` is
    not ``1``).

    Example:
        >>> same_label(1, 1.0), same_label(True, 1), same_label("1", 1)
        (True, False, False)
    """
    return isinstance(a, bool) == isinstance(b, bool) and bool(a == b)


def to_numpy(x: Any, dtype: Any = None) -> np.ndarray:
    """``x`` as a numpy array: a torch tensor on any device is detached and moved to the CPU
    (bfloat16 → float32), a pandas object gives its values, a list is converted; a numpy array
    of the right dtype is returned as it is (no copy).

    Example:
        >>> a = np.arange(3)
        >>> to_numpy(a) is a, to_numpy(pd.Series([1, 2])).tolist()
        (True, [1, 2])
    """
    if is_tensor(x):
        x = x.detach()
        if str(x.dtype) == "torch.bfloat16":  # numpy has no bfloat16
            x = x.float()
        x = x.cpu().numpy()
    elif isinstance(x, (pd.Series, pd.Index, pd.DataFrame)):
        x = x.to_numpy()
    elif isinstance(x, (list, tuple)) and any(is_tensor(v) for v in x):
        x = [plain(v) for v in x]  # a list of 0-d tensors (e.g. from iterating a tensor)
    return np.asarray(x, dtype=dtype)


_PLAIN_TYPES = frozenset({int, float, str, bool, type(None)})


def plain_array(arr: np.ndarray) -> np.ndarray:
    """An object array with :func:`plain` applied to each element (``np.str_`` → ``str``, 0-d
    tensors → numbers, ``pd.NA`` → ``None``); any other array, or one already plain, as it is.

    Example:
        >>> plain_array(np.array([np.str_("a"), np.int64(1), pd.NA], dtype=object)).tolist()
        ['a', 1, None]
    """
    if arr.dtype != object or not arr.size or set(map(type, arr.flat)) <= _PLAIN_TYPES:
        return arr
    return np.fromiter((plain(v) for v in arr.flat), dtype=object, count=arr.size).reshape(arr.shape)


def _shown(value: Any, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters (…) for a message."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _kind_of_type(t: type) -> str | None:
    """The label kind of values of type ``t``: "str", "bytes" (``b"cat"`` never equals ``"cat"``),
    "bool" (bool, np.bool_), "number" (any other number: int, float, numpy numbers), or None (None,
    pd.NA, anything else)."""
    if issubclass(t, str):
        return "str"
    if issubclass(t, bytes):
        return "bytes"
    if issubclass(t, (bool, np.bool_)):
        return "bool"
    return "number" if issubclass(t, numbers.Number) else None


def _kinds_of_types(types: set[type]) -> set[str]:
    """The label kinds of values of these types."""
    return {k for t in types if (k := _kind_of_type(t)) is not None}


def _kind_of(value: Any) -> str | None:
    """The label kind of one value; a missing one (None, NaN, pd.NA) has none."""
    kind = _kind_of_type(type(value))
    return None if kind == "number" and is_missing(value) else kind


_DTYPE_KINDS = {"b": "bool", "i": "number", "u": "number", "f": "number", "c": "number", "U": "str", "S": "bytes"}


def label_array(values: Any) -> np.ndarray:
    """``values`` as a numpy array of labels that numpy never converted to another kind: a list or
    tuple that numpy would turn into strs (``["a", 1]`` → ``'<U21'``, ``["a", nan]`` → ``"nan"``) or
    ints (``[True, 2]``) becomes an object array instead; arrays, tensors and pandas objects keep their
    dtype. Object arrays hold plain values (:func:`plain_array`).

    Example:
        >>> label_array(["a", 1]).tolist(), label_array(["a", "b"]).dtype.kind, label_array([True, 2]).dtype
        (['a', 1], 'U', dtype('O'))
    """
    arr = to_numpy(values)
    if isinstance(values, (list, tuple)) and arr.dtype.kind in _DTYPE_KINDS:
        # the values' types: read off a flat list directly (one C-level pass), else off an object copy
        types = set(map(type, values)) if arr.ndim == 1 else set(map(type, to_numpy(values, dtype=object).flat))
        if _kinds_of_types(types) - {_DTYPE_KINDS[arr.dtype.kind]}:
            arr = to_numpy(values, dtype=object)
    return plain_array(arr)


def _kinds(arr: np.ndarray) -> set[str]:
    """The label kinds ``arr`` holds (missing values aside): from its dtype, or for an object array
    from one pass over its values' types (and one over those not missing when some are floats)."""
    if not arr.size:
        return set()
    if arr.dtype.kind != "O":
        kind = _DTYPE_KINDS.get(arr.dtype.kind)
        if kind is None or (arr.dtype.kind in "fc" and np.isnan(arr).all()):
            return set()
        return {kind}
    flat = arr.ravel()
    types = set(map(type, flat))  # one pass, in C
    if any(issubclass(t, (float, complex, np.inexact)) for t in types):  # NaN is missing: no kind
        types = set(map(type, flat[~pd.isna(flat)]))
    return _kinds_of_types(types)


def _first_of(arr: np.ndarray, kind: str, outside_01: bool = False) -> Any:
    """The first value of ``kind`` in ``arr`` (with ``outside_01``: the first number neither 0 nor 1),
    as a plain value; None when there is none. For messages: object arrays are read value by value."""
    flat = arr.ravel()
    if flat.dtype.kind == "O":
        return next((plain(v) for v in flat if _kind_of(v) == kind and not (outside_01 and v in (0, 1))), None)
    if _DTYPE_KINDS.get(flat.dtype.kind) != kind:
        return None
    hit = np.flatnonzero(_outside_01(flat) if outside_01 else ~pd.isna(flat))
    return plain(flat[hit[0]]) if hit.size else None


def _outside_01(arr: np.ndarray) -> np.ndarray:
    """Mask of the numbers of a numeric array that are neither 0 nor 1 (NaN aside)."""
    bad = (arr != 0) & (arr != 1)
    return bad & ~np.isnan(arr) if arr.dtype.kind in "fc" else bad


def check_label_kinds(**named: Any) -> set[str]:
    """Refuse labels that mix kinds, within or across the ``named`` inputs (arrays, lists, Series,
    tensors; None: not given); return the kinds found ("str", "bytes", "bool", "number").

    The rule: strs never mix with numbers or bools (is "1" the class 1?), bytes with nothing else; bools mix with numbers only
    when every number is 0 or 1 (numpy and Python read True as 1: y_true as 0/1 ints against
    ``y_pred = proba > 0.5``). Missing values (None, NaN, pd.NA) have no kind: each caller keeps its
    own policy for them. The ``ValueError`` names which input holds which offending values. Lists are
    read with :func:`label_array` (never stringified); typed arrays cost O(1) (bools beside numbers: one
    vectorised look at the numbers), object arrays one pass over their values' types.

    Example:
        >>> sorted(check_label_kinds(y_true=[0, 1, 1], y_pred=np.array([0.2, 0.7, 0.9]) > 0.5))
        ['bool', 'number']
        >>> check_label_kinds(y_true=["a", "b"], y_pred=[1, 2])
        Traceback (most recent call last):
        ...
        ValueError: y_true holds 'a', y_pred holds 1: the labels mix strs with ints (is '1' the class 1?): give every label of y_true and y_pred one kind, e.g. .astype(str)
    """
    arrays = {name: v if isinstance(v, np.ndarray) else label_array(v) for name, v in named.items() if v is not None}
    found = {name: _kinds(arr) for name, arr in arrays.items()}
    kinds: set[str] = set().union(*found.values())
    if "bytes" in kinds and len(kinds) > 1:  # bytes from HDF5 or np.loadtxt beside strs: never equal
        other = next(k for k in ("str", "number", "bool") if k in kinds)
        culprits = {name: [_first_of(arrays[name], k) for k in ("bytes", other) if k in found[name]] for name in arrays}
        problem = f"the labels mix bytes with {other}s (b'cat' never equals 'cat')"
        hint = "decode the bytes (np.char.decode(a) or a.astype(str))"
    elif "str" in kinds and len(kinds) > 1:
        other = "number" if "number" in kinds else "bool"
        culprits = {name: [_first_of(arrays[name], k) for k in ("str", other) if k in found[name]] for name in arrays}
        example = next(v for vs in culprits.values() for v in vs if _kind_of(v) == other)
        problem = f"the labels mix strs with {type(example).__name__}s (is {str(example)!r} the class {example!r}?)"
        hint = ".astype(str)"
    elif kinds == {"bool", "number"}:
        bad = {name: _first_of(arrays[name], "number", outside_01=True) for name in arrays if "number" in found[name]}
        if all(v is None for v in bad.values()):
            return kinds
        culprits = {name: [v for v in (_first_of(arrays[name], "bool"), bad.get(name)) if v is not None] for name in arrays}
        problem = "the labels mix booleans with numbers other than 0/1 (True counts as 1, False as 0)"
        hint = ".astype(int), or booleans only"
    else:
        return kinds
    held = ", ".join(f"{name} holds {' and '.join(_shown(v, 40) for v in vs)}" for name, vs in culprits.items() if vs)
    names = list(arrays)
    given = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
    raise ValueError(f"{held}: {problem}: give every label of {given} one kind, e.g. {hint}")


def _a(value: Any) -> str:
    name = type(value).__name__
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


_CLASHES = ({"bool", "number"}, {"str", "number"}, {"str", "bool"})
_PLAIN_TYPES = frozenset({bool, int, float, str, type(None)})


_NUMBER_STARTS = frozenset("0123456789+-.iInN")  # the first characters of strs float() can read


def refuse_lookalikes(column: str, pools: Sequence[tuple[str, Any]]) -> None:
    """Refuse values of ``column`` that read alike but never compare equal: ``1`` and ``"1"`` (or
    ``"1.0"``), ``True`` and ``1`` (``False`` and ``0``), ``True`` and ``"True"``, in one table or
    across the tables compared. ``pools``: ``(name, values)`` of each table (a Series, an array or
    a list). Numbers compare by value (``1`` is ``1.0``), a bool only equals a bool and a str only a
    str (:func:`same_label`), so such a pair is a type problem (one side read from a CSV, a
    column turned bool), never a disagreement: ValueError naming both values and their tables.
    Costs one pass over the types when the values are of one kind.

    Example:
        >>> refuse_lookalikes("item", [("predicted", [1, 2]), ("reference", ["1", "x"])])
        Traceback (most recent call last):
        ...
        ValueError: item '1' (a str) in reference and 1 (an int) in predicted read alike but never match: give them one type (e.g. .astype(str) on both)
    """
    arrays: list[tuple[str, np.ndarray]] = []
    kinds: set[str | None] = set()
    for name, values in pools:
        if isinstance(values, (pd.Series, pd.Index)):
            arr = values.to_numpy()
        elif isinstance(values, np.ndarray):
            arr = values
        else:  # a list: as objects (np.asarray would turn [0, "a"] into two strs)
            arr = np.fromiter(values, dtype=object)
        if arr.dtype == object:
            types = set(map(type, arr.ravel().tolist()))
            if not types <= _PLAIN_TYPES:  # numpy scalars, pd.NA, 0-d tensors
                arr = plain_array(arr)
                types = set(map(type, arr.ravel().tolist()))
            kinds |= {_kind_of_type(t) for t in types}
        elif arr.size:
            kinds.add(_DTYPE_KINDS.get(arr.dtype.kind))
        arrays.append((name, arr))
    if not any(clash <= kinds for clash in _CLASHES):
        return
    seen: dict[str, dict[Any, tuple[Any, str]]] = {"bool": {}, "number": {}, "str": {}}
    kind_of = {t: _kind_of_type(t) for _, arr in arrays for t in set(map(type, arr.ravel().tolist()))}
    for name, arr in arrays:
        values = arr.ravel().tolist()
        for t, v in dict.fromkeys(zip(map(type, values), values)):  # distinct (type, value) pairs, first seen first
            k = kind_of[t]
            if k is not None and not (k == "number" and v != v):  # NaN is missing, not a number
                seen[k].setdefault(v, (v, name))  # bools and numbers apart: True and 1 stay two keys

    def refuse(a: tuple[Any, str], b: tuple[Any, str]) -> None:
        (x, wx), (y, wy) = a, b
        hint = "e.g. .astype(str) on both" if isinstance(x, str) or isinstance(y, str) else "a bool is not a number here"
        raise ValueError(f"{column} {x!r} ({_a(x)}) in {wx} and {y!r} ({_a(y)}) in {wy} "
                         f"read alike but never match: give them one type ({hint})")

    numbers, bools = seen["number"], seen["bool"]
    for b, where in bools.items():
        if b in numbers:  # True == 1, False == 0.0
            refuse(where, numbers[b])
    strs = list(seen["str"].items())
    if bools:
        for s, where in strs:
            text = s.strip().lower()
            if text in ("true", "false") and (text == "true") in bools:
                refuse(where, bools[text == "true"])
    if numbers and strs:
        # the strs that parse as numbers, parsed in one vectorised pass; only those are compared
        strs = [(s, where) for s, where in strs if s.lstrip()[:1] in _NUMBER_STARTS]  # cheap pre-filter
        parsed = pd.to_numeric(pd.Series([s for s, _ in strs], dtype=object).str.strip(), errors="coerce").to_numpy()
        for at in np.flatnonzero(~pd.isna(parsed)):
            s, where = strs[at]
            try:
                x: Any = int(s.strip())
            except ValueError:
                x = float(s.strip())
            if x in numbers:
                refuse(where, numbers[x])


def check_pixel_stack(arr: np.ndarray, name: Callable[[int], str], what: str = "image array") -> None:
    """Refuse a stack of images or frames ``(N, H, W[, C])`` that is neither uint8 nor float in [0, 1],
    naming the first bad one with ``name(n)`` ("item 3", "clip.mp4: frame 3") and the whole stack
    with ``what``.

    Example:
        >>> check_pixel_stack(np.full((2, 4, 4), 1.5), lambda n: f"item {n}")
        Traceback (most recent call last):
        ValueError: item 0: float pixels must lie in [0, 1] (found 1.5..1.5); divide by the maximum or pass uint8
    """
    if arr.dtype == np.uint8:
        return
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(f"{what} dtype must be uint8 or float in [0, 1], got {arr.dtype}")
    flat = arr.reshape(len(arr), -1)
    bad = ~np.isfinite(flat).all(axis=1)
    if bad.any():
        raise ValueError(f"{name(int(np.argmax(bad)))}: NaN or infinite pixel values")
    out = (flat.min(axis=1) < 0) | (flat.max(axis=1) > 1)
    if out.any():
        n = int(np.argmax(out))
        raise ValueError(
            f"{name(n)}: float pixels must lie in [0, 1] (found {flat[n].min():.3g}..{flat[n].max():.3g}); "
            "divide by the maximum or pass uint8"
        )


def unit_pixels(arr: np.ndarray, where: str) -> np.ndarray:
    """Pixels as float32 in [0, 1], scaled by their dtype, never by their values: uint8 / 255,
    uint16 / 65535, bool as 0 / 1, floats kept (they must be finite and in [0, 1]). Other integer
    types are refused (their range is a guess), naming ``where``.

    Example:
        >>> unit_pixels(np.array([0, 51, 255], dtype=np.uint8), "image 0").tolist()
        [0.0, 0.20000000298023224, 1.0]
        >>> unit_pixels(np.array([0, 1]), "image 3")
        Traceback (most recent call last):
        ValueError: image 3: int64 pixels have no known range: pass uint8 (0..255), uint16 (0..65535) or floats in [0, 1]
    """
    arr = np.asarray(arr)
    if arr.dtype == np.bool_:
        return arr.astype(np.float32)
    if arr.dtype.kind == "u" and arr.dtype.itemsize in (1, 2):  # uint8, uint16 (either byte order)
        return arr.astype(np.float32) / np.float32(np.iinfo(arr.dtype).max)
    if arr.dtype.kind != "f":
        raise ValueError(f"{where}: {arr.dtype} pixels have no known range: pass uint8 (0..255), uint16 (0..65535) "
                         "or floats in [0, 1]")
    if arr.size:
        check_pixel_stack(arr[np.newaxis], lambda _: where)  # finite, in [0, 1]
    return arr.astype(np.float32, copy=False)


# --------------------------------------------------------------------------- numbers: settings and model scores


#: frames from these packages are skipped when a warning names the user's line (``warn_user``)
_INTERNAL = os.path.dirname(os.path.abspath(__file__)) + os.sep
_CALLBACK_PACKAGES = (os.sep + "traitlets" + os.sep, os.sep + "ipywidgets" + os.sep, os.sep + "anywidget" + os.sep)


def warn_user(message: str) -> None:
    """A ``UserWarning`` that names the first line outside hitl_widgets (and the widget frameworks
    that call back into it): the user's, however deep inside the package it was raised. A fixed
    ``stacklevel`` named a line of the package whenever a widget's load was reached another way.

    Example: ``warn_user("3 stored verdicts ... are not shown")``
    """
    frame, level = sys._getframe(1), 2
    while frame.f_back is not None and (frame.f_code.co_filename.startswith(_INTERNAL)
                                        or any(p in frame.f_code.co_filename for p in _CALLBACK_PACKAGES)):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, UserWarning, stacklevel=level)


def finite_number(value: Any) -> float | None:
    """``value`` as a finite float, or None when it is none: an int or a float (numpy numbers and
    0-d tensors made plain) is taken; a bool, a str, NaN, an infinity and an int too large for a
    float (``10**400``, on which ``math.isfinite`` raises OverflowError) are None.

    Example:
        >>> finite_number(np.int64(3)), finite_number(2.5), finite_number(True), finite_number(10**400)
        (3.0, 2.5, None, None)
    """
    v = plain(value)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        number = float(v)
    except OverflowError:  # an int beyond the largest float
        return None
    return number if math.isfinite(number) else None


def check_number(name: str, value: Any, low: float, high: float, *, low_open: bool = False, high_open: bool = False,
                 why: str = "") -> float:
    """``value`` as a float in ``[low, high]`` (an open end with ``low_open`` / ``high_open``), else
    ``ValueError`` naming ``name`` (then ``why``, e.g. why an end is open): a bool, a str, NaN and a
    number outside are refused, never parsed or clamped; numpy numbers and 0-d tensors are taken.

    Example:
        >>> check_number("min_area", 2.0, 0, 1)
        Traceback (most recent call last):
        ...
        ValueError: min_area must be a number in [0, 1], not 2.0
    """
    v = plain(value)
    inside = (not isinstance(v, bool) and isinstance(v, (int, float))
              and (low < v if low_open else low <= v) and (v < high if high_open else v <= high))
    if not inside:
        ends = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be a number in {ends}{why}, not {_shown(v, 40)}")
    return float(v)


def check_int(name: str, value: Any, low: int, high: int | None = None) -> int:
    """``value`` as an int >= ``low`` (and <= ``high`` when given), else ``ValueError`` naming
    ``name``: a bool, a float such as 2.9 (never truncated) and a str are refused; numpy ints are taken.

    Example:
        >>> check_int("within", 2.9, 0)
        Traceback (most recent call last):
        ...
        ValueError: within must be an int >= 0, not 2.9
    """
    v = plain(value)
    if isinstance(v, bool) or not isinstance(v, int) or v < low or (high is not None and v > high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(f"{name} must be an int {bounds}, not {_shown(v, 40)}")
    return v


@dataclass(frozen=True)
class ScoreWords:
    """How :func:`probability` words a refused score (after ``"{where}: "``), one format string per
    fault: ``missing`` (None, NaN, pd.NA), ``not_number`` (a bool, a str, ...), ``outside`` (a number
    outside [0, 1]) and ``infinite`` (None: as ``outside``). Fields: ``what`` (the value's name),
    ``value`` (the plain value), ``number`` (the number as ``%g``, an int whole), ``shown`` (its
    text, cut and quoted) and ``type`` (its type's name). Callers keep their own words; the rule is one.
    """

    missing: str = "{what} is missing ({value!r})"
    not_number: str = "{what} must be a number in [0, 1], not {shown} (a {type})"
    outside: str = "{what} must be a probability in [0, 1], not {value!r} (logits? apply a sigmoid/softmax)"
    infinite: str | None = None


@overload
def probability(value: Any, where: str, *, what: str = ..., missing_ok: Literal[False] = ...,
                words: ScoreWords = ...) -> float: ...
@overload
def probability(value: Any, where: str, *, what: str = ..., missing_ok: bool, words: ScoreWords = ...) -> float | None: ...
def probability(value: Any, where: str, *, what: str = "score", missing_ok: bool = False,
                words: ScoreWords = ScoreWords()) -> float | None:
    """A model's score or probability as a float in [0, 1]: an int or a float (numpy numbers and 0-d
    tensors made plain), finite, in [0, 1]. A bool, a str (even ``"0.5"``), NaN, an infinity and a
    number outside [0, 1] (a logit) raise ``ValueError`` naming ``where`` and ``what``, worded by
    ``words``; ``None`` (and ``pd.NA``) is returned as None with ``missing_ok``, refused otherwise
    (NaN is never "no score": it is a broken model's output).

    Example:
        >>> probability(np.float32(0.25), "item 0"), probability(None, "item 0", missing_ok=True)
        (0.25, None)
        >>> probability(7.5, "item 0 proposal 1")
        Traceback (most recent call last):
        ...
        ValueError: item 0 proposal 1: score must be a probability in [0, 1], not 7.5 (logits? apply a sigmoid/softmax)
    """
    v = plain(value)
    if v is None and missing_ok:
        return None
    if is_missing(v):
        template = words.missing
    elif isinstance(v, bool) or not isinstance(v, (int, float)):
        template = words.not_number
    elif 0 <= v <= 1:
        return float(v)
    else:
        infinite = isinstance(v, float) and math.isinf(v)
        template = words.infinite if infinite and words.infinite is not None else words.outside
    number = f"{v:g}" if isinstance(v, float) else _shown(v, 40)
    raise ValueError(f"{where}: " + template.format(what=what, value=v, number=number, shown=repr(str(v)[:40]),
                                                    type=type(v).__name__))


def probabilities(values: Any, where: Callable[[int], str], *, what: str = "score",
                  words: ScoreWords = ScoreWords()) -> np.ndarray:
    """:func:`probability` of each value (a Series, an array, a tensor or a list; none missing) as
    float64, ``where(k)`` naming value ``k``: a numeric array is checked at once and the first bad
    value named; other values one by one (a list is never stringified: ``[0.5, "0.5"]`` is refused).

    Example:
        >>> probabilities(np.array([0.5, 1.0]), lambda k: f"row {k}").tolist()
        [0.5, 1.0]
        >>> probabilities([0.5, True], lambda k: f"row {k}")
        Traceback (most recent call last):
        ...
        ValueError: row 1: score must be a number in [0, 1], not 'True' (a bool)
    """
    arr = label_array(values)
    if arr.ndim != 1:
        raise ValueError(f"{what}s must be one value each (a 1-D column), not an array of shape {arr.shape}")
    if arr.dtype.kind in "iuf":
        scores = arr.astype(np.float64)
        bad = ~((scores >= 0) & (scores <= 1))  # NaN and infinities too
        if not bad.any():
            return scores
        k = int(np.argmax(bad))
        probability(arr[k], where(k), what=what, words=words)
    return np.array([probability(v, where(k), what=what, words=words) for k, v in enumerate(arr)], dtype=np.float64)


def is_positions(index: pd.Index) -> bool:
    """True for an index that says nothing but positions: the default RangeIndex, ints 0..N-1 in
    order, or no entry at all.

    Example:
        >>> is_positions(pd.RangeIndex(3)), is_positions(pd.Index([0, 1, 2])), is_positions(pd.Index([2, 0, 1]))
        (True, True, False)
    """
    if not len(index):
        return True
    if isinstance(index, pd.RangeIndex):
        return index.start == 0 and index.step == 1
    return index.dtype.kind in "iu" and bool((index.to_numpy() == np.arange(len(index))).all())


def refuse_misaligned(function: str, **named: Any) -> None:
    """Refuse pandas inputs (Series, DataFrames) indexed by different ids, or by the same ids in
    another order: ``function`` pairs its inputs by position, so ``pred.sort_values()`` beside
    ``truth`` would be compared row by row without a word. An index that is only positions
    (:func:`is_positions`) pairs with anything, as arrays and lists do.

    Example:
        >>> refuse_misaligned("cohen_kappa", a=pd.Series([1, 0], index=["u1", "u2"]), b=pd.Series([0, 1], index=["u2", "u1"]))
        Traceback (most recent call last):
        ...
        ValueError: a and b are indexed by different ids (or the same ids in another order): cohen_kappa pairs them by position, so align them first, e.g. b.loc[a.index]
    """
    indexed = [(name, v.index) for name, v in named.items()
               if isinstance(v, (pd.Series, pd.DataFrame)) and not is_positions(v.index)]
    for (first, a), (other, b) in zip(indexed, indexed[1:]):
        if not a.equals(b):
            raise ValueError(f"{first} and {other} are indexed by different ids (or the same ids in another order): "
                             f"{function} pairs them by position, so align them first, e.g. {other}.loc[{first}.index]")


def refuse_unordered(value: Any, name: str) -> None:
    """Refuse a set (its order is its hashes': a str's changes from run to run, so ids would pair with
    other items in the next session), a mapping (read as its keys, silently) and one str (read as
    its characters) where an ordered sequence is needed. A dict's ``keys()`` keep their order and pass.

    Example:
        >>> refuse_unordered({"b", "a"}, "ids")
        Traceback (most recent call last):
        ...
        ValueError: ids is a set, which has no order, and ids are in order: pass sorted(...) or a list
    """
    what = "a queue is ordered" if name == "queue" else f"{name} are in order"
    if isinstance(value, Set) and not isinstance(value, KeysView):
        raise ValueError(f"{name} is a {type(value).__name__}, which has no order, and {what}: pass sorted(...) or a list")
    if isinstance(value, Mapping):
        raise ValueError(f"{name} is a {type(value).__name__} (a mapping), and {what}: pass sorted(...) or a list of "
                         "item ids (e.g. list(d) for its keys in order)")
    if isinstance(value, (str, bytes)):
        raise ValueError(f"{name} is one {type(value).__name__} ({_shown(value, 40)}), not a sequence: pass a list")


def refuse_non_str_keys(value: Any, where: str) -> None:
    """Refuse a dict with a key that is not a str anywhere in ``value`` (dicts, lists and tuples
    inside it too): JSON writes the key ``1`` as ``"1"``, so ``{1: "cat"}`` would be stored as (and
    hash the same as) ``{"1": "cat"}``. ``ValueError`` naming ``where`` and the path to the key.

    Example:
        >>> refuse_non_str_keys({"boxes": [{2: "car"}]}, "item 0: label")
        Traceback (most recent call last):
        ...
        ValueError: item 0: label['boxes'][0]: the key 2 (int) is not a str: dict keys must be str (JSON writes every key as a str, so {1: ...} and {'1': ...} would read the same): convert them, e.g. {str(k): v for k, v in d.items()}
    """
    if isinstance(value, Mapping):
        for key, part in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: the key {key!r} ({type(key).__name__}) is not a str: dict keys must be str "
                                 "(JSON writes every key as a str, so {1: ...} and {'1': ...} would read the same): "
                                 "convert them, e.g. {str(k): v for k, v in d.items()}")
            refuse_non_str_keys(part, f"{where}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for n, part in enumerate(value):
            refuse_non_str_keys(part, f"{where}[{n}]")


def is_item_id(value: Any) -> bool:
    """True for a valid item id as stored: a plain ``int`` (not ``bool``) or ``str``.

    Example:
        >>> is_item_id(3), is_item_id("a"), is_item_id(True), is_item_id(np.int64(3))
        (True, True, False, False)
    """
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def check_item_id(value: Any, items: Container | None = None, *, error: Callable[[str], Exception] = ValueError,
                  where: str = "") -> Hashable:
    """``value`` as a plain item id (``np.int64(3)`` → ``3``), checked to be an ``int`` or ``str``
    and, when ``items`` is given, one of them; else raise ``error`` with a message naming the item
    (after ``where``, e.g. "proposals row 3", when given).

    Example:
        >>> check_item_id(np.int64(3), [1, 2, 3])
        3
        >>> check_item_id(9, [1, 2, 3])
        Traceback (most recent call last):
        ...
        ValueError: unknown item id 9
    """
    item_id = plain(value)
    shown, at = _shown(item_id), f"{where}: " if where else ""
    if not is_item_id(item_id):
        what = "missing" if is_missing(item_id) else f"a {type(item_id).__name__}, not an int or a str"
        raise error(f"{at}unknown item id {shown}: item ids are ints or strs, this one is {what}")
    if items is not None and item_id not in items:
        raise error(f"{at}unknown item id {shown}")
    return item_id


def normalise_classes(classes: Sequence[Any]) -> list:
    """Classes as plain ints or strs, unique, at least one (a clear error otherwise).

    Example:
        >>> normalise_classes([np.str_("cat"), "dog"]), normalise_classes(np.arange(2))
        (['cat', 'dog'], [0, 1])
    """
    if isinstance(classes, (str, bytes)):
        raise ValueError("classes must be a sequence of class names, not a single string")
    out = [plain(c) for c in (to_numpy(classes).tolist() if is_tensor(classes) else classes)]
    if len(out) < 1:
        raise ValueError("classes is empty: give at least one class")
    for c in out:
        if isinstance(c, bool) or not isinstance(c, (int, str)):
            raise ValueError(f"class {c!r}: classes must be ints or strs")
    if len(set(out)) != len(out):
        raise ValueError(f"classes must be unique: {out[:20]}")
    return out


def json_default(value: Any) -> Any:
    """``default=`` for ``json.dumps``: numpy scalars and arrays, torch tensors, timestamps and
    sets / tuples; anything else raises ``TypeError``.

    Example:
        >>> import json
        >>> json.dumps({"n": np.int64(2), "v": np.arange(2)}, default=json_default)
        '{"n": 2, "v": [0, 1]}'
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) or is_tensor(value):
        return to_numpy(value).tolist()
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
