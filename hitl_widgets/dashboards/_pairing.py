"""Pairing pandas inputs by item id: a Series or DataFrame whose index is not just 0..N-1 carries item
ids, and inputs (labels, predictions, groups, items) that carry ids are put in one order of ids, never
paired by position (``ConfusionDashboard``'s "Pairing by item id", which ``BiasAudit`` follows).
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import is_positions, label_array, plain, refuse_lookalikes
from ..items import Items, LazyRows, RangeIds


def _ids_of(value: Any) -> pd.Index | None:
    """The item ids a pandas Series or DataFrame carries: its index, unless that is only positions
    (:func:`is_positions`); None for anything else (arrays, lists, tensors: positions)."""
    if isinstance(value, (pd.Series, pd.DataFrame)) and not is_positions(value.index):
        return value.index
    return None


def _positions_by_id(index: pd.Index, ids: Sequence[Hashable], name: str, of: str) -> np.ndarray:
    """Where each of ``ids`` (``of``'s item ids) sits in ``index`` (``name``'s): both unique, the same
    ids, none a look-alike of another (``1`` and ``"1"``); else a ValueError naming the ids.

    Example:
        >>> _positions_by_id(pd.Index(["b", "a"]), ["a", "b"], "y_pred_or_proba", "y_true").tolist()
        [1, 0]
    """
    wanted = pd.Index(list(ids), dtype=object, tupleize_cols=False)
    for where, held in ((name, index), (of, wanted)):
        repeated = held[held.duplicated()]
        if len(repeated):
            raise ValueError(f"{where}: item id {plain(repeated[0])!r} appears twice: one row per item")
    refuse_lookalikes("item id", [(f"{name}'s index", index), (of, wanted)])
    at = index.get_indexer(wanted)
    missing, extra = wanted[at < 0], index[~index.isin(wanted)]
    if len(missing) or len(extra):
        parts = ([f"{name} has no row for item {plain(missing[0])!r} ({len(missing)} missing)"] if len(missing) else []) + (
            [f"{name} has item {plain(extra[0])!r}, not in {of} ({len(extra)} such)"] if len(extra) else [])
        raise ValueError(f"{name} is paired with {of} by item id (its index): {'; '.join(parts)}")
    return at


def _pair_by_id(**named: Any) -> tuple[list[Any], pd.Index | None]:
    """``([each input, paired], ids)`` for the ``named`` inputs (labels, predictions, groups): when two
    or more are pandas objects and one of them carries item ids (an index other than 0..N-1), each is
    put in the first pandas input's order of ids (the same ids, none repeated, no look-alike such as
    ``1`` and ``"1"``; else a ValueError naming them). A pandas input beside arrays, lists or tensors
    (``y_test`` beside ``model.predict(X_test)``) pairs with them by position, they having no ids.
    ``ids``: the item ids of the rows (the first pandas input's index when it carries ids, or a lone
    pandas input's), None when the rows are positions.

    Example:
        >>> (y, p, g), ids = _pair_by_id(y_true=pd.Series([0, 1], index=["a", "b"]), y_pred=[1, 1],
        ...                              groups=pd.Series(["x", "y"], index=["b", "a"]))
        >>> g.tolist(), list(ids)
        (['y', 'x'], ['a', 'b'])
    """
    frames = {k: v for k, v in named.items() if isinstance(v, (pd.Series, pd.DataFrame))}
    carried = [_ids_of(v) for v in frames.values()]
    if all(c is None for c in carried):
        return list(named.values()), None
    if len(frames) == 1:  # beside arrays: by position, its ids are the item ids
        return list(named.values()), carried[0]
    (first, ref), *others = frames.items()
    paired = dict(named)
    for name, v in others:
        paired[name] = v.iloc[_positions_by_id(v.index, ref.index, name, first)]
    return list(paired.values()), carried[0]


def _in_order(order: np.ndarray, **named: Any) -> list[Any]:
    """Each of the ``named`` inputs with its rows taken in ``order`` (the items' order of ids): pandas
    inputs by ``iloc``, the others (beside them by position) as label arrays, never stringified (a
    list ``["1", 1]`` stays a str and an int). Each must have one row per id (else a ValueError naming it).

    Example:
        >>> _in_order(np.array([1, 0]), y_true=["1", 1], y_pred=pd.Series([0, 1], index=["a", "b"]))[0].tolist()
        [1, '1']
    """
    out: list[Any] = []
    for name, v in named.items():
        if v is None:
            out.append(v)
            continue
        n = len(v) if hasattr(v, "__len__") else None
        if n != len(order):
            raise ValueError(f"{name} has {n} rows for {len(order)} item ids")
        out.append(v.iloc[order] if isinstance(v, (pd.Series, pd.DataFrame)) else label_array(v)[order])
    return out


def _items_by_id(items: Any, ids: pd.Index, n: int) -> tuple[Items, np.ndarray | None]:
    """``(items, order)`` for labels that carry item ids ``ids``: no items → placeholders named by the
    ids; items with their own ids → the labels' rows in the items' order (``order``; the same ids
    required); items without ids (0..N-1) → the same items, with the labels' ids."""
    if items is None:
        return _with_ids(_NamedPlaceholders(list(ids)), ids), None
    items = items if isinstance(items, Items) else Items(items)
    if len(items) != n:
        raise ValueError(f"items has {len(items)} entries for {n} labels")
    if isinstance(items.ids, RangeIds):
        return _with_ids(items, ids, image_format=items.image_format), None
    return items, _positions_by_id(ids, items.ids, "y_true", "items")


def _with_ids(data: Any, ids: pd.Index, **options: Any) -> Items:
    """``Items(data, ids=ids)``; an id ``Items`` refuses (a float, a repeat) is named as y_true's."""
    try:
        return Items(data, ids=list(ids), **options)
    except ValueError as exc:
        raise ValueError(f"y_true's index gives the item ids: {exc}") from None


class _NamedPlaceholders(LazyRows):
    """The text "item <id>" for each of ``ids`` when no media were given but the labels carry ids."""

    kind = "text"

    def __init__(self, ids: list[Hashable]):
        self._ids = ids

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, n: Any) -> Any:
        return f"item {self._ids[n]}"
