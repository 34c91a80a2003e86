"""Scene graphs of synthetic scenes: exact objects and the spatial relations between them, computed
from geometry, and a simulated scene-graph model's proposals with controlled noise.

The scenes are the coloured shapes of ``demo.scenes``, placed so that every predicate occurs: shapes of
different sizes, some drawn inside a larger one, some touching another. Each object has an id ("o1",
"o2", ... in drawing order), a class ("red circle"), the tight box ``(x, y, w, h)`` of its drawn pixels
and attributes (colour, shape). Relations are triples ``(subject, predicate, object)`` between two
different objects, computed from their boxes (``x0, y0, x1, y1`` = ``x, y, x + w, y + h``) with a
tolerance ``tol`` (pixels, default 1):

    "left of"      S.x1 <= O.x0 + tol          (S's box ends before O's begins, left to right)
    "right of"     S.x0 >= O.x1 - tol          (the converse of "left of")
    "above"        S.y1 <= O.y0 + tol          (image rows grow downwards)
    "below"        S.y0 >= O.y1 - tol
    "inside"       S.x0 >= O.x0 - tol, S.y0 >= O.y0 - tol, S.x1 <= O.x1 + tol, S.y1 <= O.y1 + tol,
                   and area(S) < area(O)
    "touching"     |gap| <= tol, where gap = max(O.x0 - S.x1, S.x0 - O.x1, O.y0 - S.y1, S.y0 - O.y1)
                   (the boxes' separation: negative when they overlap); symmetric
    "larger than"  area(S) >= ratio * area(O) (``ratio``, default 1.5), area = w * h

A pair can hold several predicates ("left of" and "above" and "larger than"); every ordered pair is
checked, so "S left of O" comes with "O right of S". The generator keeps unrelated boxes at least
``3 * tol`` apart, so "touching" is never borderline.

Example:
    >>> data = scene_graphs(2, seed=0)
    >>> data.images.shape
    (2, 96, 96, 3)
    >>> sorted(data.objects.columns)
    ['attributes', 'class', 'h', 'item', 'object', 'w', 'x', 'y']
    >>> list(data.triples.columns)
    ['item', 'subject', 'predicate', 'object']
    >>> proposals = model_scene_graphs(data, noise=0.0, seed=0)
    >>> bool(proposals["correct"].all()) and len(proposals) == len(data.triples)
    True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .scenes import COLOURS, SHAPES, Scene, Shape, render

PREDICATES = ("left of", "right of", "above", "below", "inside", "touching", "larger than")
OBJECT_COLUMNS = ["item", "object", "class", "x", "y", "w", "h", "attributes"]
TRIPLE_COLUMNS = ["item", "subject", "predicate", "object"]

__all__ = [
    "PREDICATES", "SceneGraph", "SceneGraphs", "graph_scene", "model_scene_graphs", "object_box", "relations",
    "scene_graph", "scene_graphs",
]


def object_box(o: Shape) -> tuple[float, float, float, float]:
    """The tight box ``(x, y, w, h)`` of a shape as ``demo.scenes.render`` draws it: a circle and a
    triangle span centre +- r, a square centre +- 0.85 r.

    >>> object_box(Shape("square", "red", 20, 20, 10))
    (11.5, 11.5, 17.0, 17.0)
    """
    half = 0.85 * o.r if o.shape == "square" else o.r
    return (o.x - half, o.y - half, 2 * half, 2 * half)


def relations(a: tuple[float, float, float, float], b: tuple[float, float, float, float],
              tol: float = 1.0, ratio: float = 1.5) -> list[str]:
    """The predicates (in ``PREDICATES`` order) that hold for subject box ``a`` and object box ``b``
    (each ``(x, y, w, h)``), by the rules in the module's docstring.

    >>> relations((0, 0, 10, 10), (10.5, 0, 4, 4))
    ['left of', 'touching', 'larger than']
    >>> relations((2, 2, 3, 3), (0, 0, 10, 10))
    ['inside']
    """
    ax0, ay0, aw, ah = (float(v) for v in a)
    bx0, by0, bw, bh = (float(v) for v in b)
    ax1, ay1, bx1, by1 = ax0 + aw, ay0 + ah, bx0 + bw, by0 + bh
    area_a, area_b = aw * ah, bw * bh
    gap = max(bx0 - ax1, ax0 - bx1, by0 - ay1, ay0 - by1)
    holds = {
        "left of": ax1 <= bx0 + tol,
        "right of": ax0 >= bx1 - tol,
        "above": ay1 <= by0 + tol,
        "below": ay0 >= by1 - tol,
        "inside": ax0 >= bx0 - tol and ay0 >= by0 - tol and ax1 <= bx1 + tol and ay1 <= by1 + tol and area_a < area_b,
        "touching": abs(gap) <= tol,
        "larger than": area_a >= ratio * area_b,
    }
    return [p for p in PREDICATES if holds[p]]


@dataclass
class SceneGraph:
    """One scene's graph: ``objects`` (object, class, x, y, w, h, attributes: ``{"colour", "shape"}``)
    and ``triples`` (subject, predicate, object), both DataFrames."""

    objects: pd.DataFrame
    triples: pd.DataFrame


def scene_graph(scene: Scene, tol: float = 1.0, ratio: float = 1.5) -> SceneGraph:
    """The exact scene graph of ``scene``: its objects ("o1", "o2", ... in drawing order) and every
    triple ``relations`` finds between two different objects (subject order, then object order,
    then ``PREDICATES`` order).

    Example:
        >>> g = scene_graph(Scene((Shape("circle", "red", 20, 40, 12), Shape("square", "blue", 60, 40, 8)), 96))
        >>> g.triples.values.tolist()
        [['o1', 'left of', 'o2'], ['o1', 'larger than', 'o2'], ['o2', 'right of', 'o1']]
    """
    if tol < 0 or ratio <= 1:
        raise ValueError(f"need tol >= 0 and ratio > 1, got tol={tol}, ratio={ratio}")
    ids = [f"o{k + 1}" for k in range(len(scene.objects))]
    boxes = [object_box(o) for o in scene.objects]
    objects = [
        (i, o.name, *box, {"colour": o.colour, "shape": o.shape}) for i, o, box in zip(ids, scene.objects, boxes)
    ]
    triples = [
        (ids[s], p, ids[t])
        for s in range(len(ids)) for t in range(len(ids)) if s != t
        for p in relations(boxes[s], boxes[t], tol, ratio)
    ]
    return SceneGraph(pd.DataFrame(objects, columns=OBJECT_COLUMNS[1:]), pd.DataFrame(triples, columns=TRIPLE_COLUMNS[1:]))


def _gap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The separation of two (x, y, w, h) boxes (negative when they overlap)."""
    return max(b[0] - (a[0] + a[2]), a[0] - (b[0] + b[2]), b[1] - (a[1] + a[3]), a[1] - (b[1] + b[3]))


def graph_scene(rng: np.random.Generator, size: int = 96, n_objects: tuple[int, int] = (2, 4),
                p_inside: float = 0.3, p_touching: float = 0.3, tol: float = 1.0) -> Scene:
    """A random scene whose graph has every kind of predicate: shapes of radius size/16 to size/6;
    each new shape is, with probability ``p_inside``, drawn inside a larger one (near its centre,
    another colour), with probability ``p_touching`` placed so that its box touches another's
    (gap 0), else placed at least ``3 * tol`` from every other box. Shapes stay in the image."""
    lo, hi = size / 16, size / 6
    n = int(rng.integers(n_objects[0], n_objects[1] + 1))
    objects: list[Shape] = []
    parents: set[int] = set()  # shapes that already hold one
    inner: set[int] = set()  # shapes drawn inside another

    def fits(o: Shape, ignore: set[int]) -> bool:
        x, y, w, h = object_box(o)
        if x < 0 or y < 0 or x + w > size or y + h > size:
            return False
        return all(k in ignore or _gap(object_box(o), object_box(p)) >= 3 * tol for k, p in enumerate(objects))

    tries = 0
    while len(objects) < n and tries < 500:
        tries += 1
        shape, colour = str(rng.choice(SHAPES)), str(rng.choice(list(COLOURS)))
        roll = rng.random()
        hosts = [k for k, p in enumerate(objects)  # a triangle is too narrow to hold one
                 if k not in parents and k not in inner and p.shape != "triangle" and p.r >= 2 * lo]
        if roll < p_inside and hosts:
            k = hosts[int(rng.integers(len(hosts)))]
            host = objects[k]
            r = float(host.r * rng.uniform(0.3, 0.4))
            room = max(0.0, (0.85 * host.r - r) * 0.4)  # stays within the host's drawn area
            dx, dy = rng.uniform(-room, room, 2)
            colour = str(rng.choice([c for c in COLOURS if c != host.colour]))
            o = Shape(shape, colour, host.x + float(dx), host.y + float(dy), r)
            if fits(o, {k}):
                objects.append(o)
                parents.add(k)
                inner.add(len(objects) - 1)
            continue
        r = float(rng.uniform(lo, hi))
        half = 0.85 * r if shape == "square" else r
        if roll < p_inside + p_touching and objects:
            k = int(rng.integers(len(objects)))
            if k in inner:
                continue
            bx, by, bw, bh = object_box(objects[k])
            side = int(rng.integers(4))
            if side < 2:  # left or right of it, overlapping its rows
                x = bx - half if side == 0 else bx + bw + half
                y = float(rng.uniform(by, by + bh))
            else:  # above or below it
                y = by - half if side == 2 else by + bh + half
                x = float(rng.uniform(bx, bx + bw))
            o = Shape(shape, colour, float(x), float(y), r)
            if fits(o, {k}) and abs(_gap(object_box(o), (bx, by, bw, bh))) <= 1e-9:
                objects.append(o)
            continue
        x, y = rng.uniform(half, size - half, 2)
        o = Shape(shape, colour, float(x), float(y), r)
        if fits(o, set()):
            objects.append(o)
    return Scene(tuple(objects), size)


@dataclass
class SceneGraphs:
    """Images and their exact scene graphs.

    ``objects``: item, object, class, x, y, w, h, attributes (``{"colour", "shape"}``);
    ``triples``: item, subject, predicate, object (every predicate that holds, see the module).
    """

    images: np.ndarray
    scenes: list[Scene]
    objects: pd.DataFrame
    triples: pd.DataFrame


def scene_graphs(n: int, seed: int = 0, size: int = 96, n_objects: tuple[int, int] = (2, 4),
                 p_inside: float = 0.3, p_touching: float = 0.3, tol: float = 1.0, ratio: float = 1.5) -> SceneGraphs:
    """``n`` scenes (``graph_scene``), their images ((n, size, size, 3) uint8) and exact graphs
    (``scene_graph`` with ``tol`` and ``ratio``), items numbered 0..n-1."""
    if n < 1 or size < 32:
        raise ValueError(f"need n >= 1 and size >= 32, got n={n}, size={size}")
    if not (1 <= n_objects[0] <= n_objects[1]):
        raise ValueError(f"n_objects must be (low, high) with 1 <= low <= high, got {n_objects}")
    rng = np.random.default_rng(seed)
    scenes = [graph_scene(rng, size, n_objects, p_inside, p_touching, tol) for _ in range(n)]
    objects, triples = [], []
    for i, scene in enumerate(scenes):
        g = scene_graph(scene, tol, ratio)
        objects.append(g.objects.assign(item=i))
        triples.append(g.triples.assign(item=i))
    objects_df = pd.concat(objects, ignore_index=True)[OBJECT_COLUMNS]
    triples_df = pd.concat(triples, ignore_index=True)[TRIPLE_COLUMNS]
    return SceneGraphs(np.stack([render(s) for s in scenes]), scenes, objects_df, triples_df)


def model_scene_graphs(graphs: SceneGraphs, noise: float = 0.2, seed: int = 0) -> pd.DataFrame:
    """A simulated scene-graph model's triples over ``graphs``' objects (their ids), with noise.

    For each true triple: with probability ``noise / 2`` it is dropped (missed); else with
    probability ``noise`` its predicate is swapped for one that does not hold for the pair, scored
    U(0.2, 0.7); else it is kept, scored U(0.5, 1.0). Spurious triples are added: per item,
    Binomial(number of ordered pairs, ``noise / 2``) of them, each a random ordered pair with a
    predicate that does not hold for it, scored U(0.0, 0.6). A triple proposed twice keeps its
    highest score. So the scores are informative (right triples score higher on average) without
    separating right from wrong.

    Returns: item, subject, predicate, object, score, correct (the triple is in ``graphs.triples``),
    sorted by item, then score descending.
    """
    if not 0 <= noise <= 1:
        raise ValueError(f"noise must be in [0, 1], got {noise}")
    rng = np.random.default_rng(seed)
    truth = set(graphs.triples[TRIPLE_COLUMNS].itertuples(index=False, name=None))
    rows: list[tuple] = []
    for i in range(len(graphs.scenes)):
        ids = graphs.objects.loc[graphs.objects["item"] == i, "object"].tolist()
        holds: dict[tuple[str, str], set[str]] = {}
        for _, s, p, o in (t for t in truth if t[0] == i):
            holds.setdefault((s, o), set()).add(p)
        mine = graphs.triples[graphs.triples["item"] == i]
        for s, p, o in zip(mine["subject"], mine["predicate"], mine["object"]):
            if rng.random() < noise / 2:
                continue
            if rng.random() < noise:
                wrong = [q for q in PREDICATES if q not in holds[(s, o)]]
                rows.append((i, s, wrong[int(rng.integers(len(wrong)))], o, float(rng.uniform(0.2, 0.7))))
            else:
                rows.append((i, s, p, o, float(rng.uniform(0.5, 1.0))))
        pairs = [(s, o) for s in ids for o in ids if s != o]
        for _ in range(int(rng.binomial(len(pairs), noise / 2)) if pairs else 0):
            s, o = pairs[int(rng.integers(len(pairs)))]
            wrong = [q for q in PREDICATES if q not in holds.get((s, o), set())]
            rows.append((i, s, wrong[int(rng.integers(len(wrong)))], o, float(rng.uniform(0.0, 0.6))))
    df = pd.DataFrame(rows, columns=[*TRIPLE_COLUMNS, "score"])
    df["score"] = df["score"].round(3)
    df = df.sort_values("score", ascending=False, kind="stable").drop_duplicates(TRIPLE_COLUMNS)
    df = df.sort_values(["item", "score"], ascending=[True, False], kind="stable").reset_index(drop=True)
    df["correct"] = [t in truth for t in df[TRIPLE_COLUMNS].itertuples(index=False, name=None)]
    return df
