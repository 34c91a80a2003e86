"""Synthetic scenes with an exact description: coloured shapes on a plain background.

Everything the cross-modal widgets need for a demo with ground truth, generated offline in
milliseconds: images, their exact descriptions, template captions with injected known errors
(wrong colour, wrong count, wrong relation, an object that is not in the image), VQA questions with
answers, and retrieval queries with their exact relevant sets.

Example:
    >>> images, scenes = make_scenes(4, seed=0, size=48)
    >>> images.shape, images.dtype
    ((4, 48, 48, 3), dtype('uint8'))
    >>> cap = caption(scenes[0], error="count", seed=1)
    >>> cap.errors[0].category
    'count'
    >>> cap.text[cap.errors[0].start:cap.errors[0].end] == cap.errors[0].span
    True
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (235, 205, 30),
}
SHAPES = ("circle", "square", "triangle")
NUMBERS = ("zero", "one", "two", "three", "four", "five")
ERROR_KINDS = ("colour", "count", "relation", "object")
# the HallucinationFlagger category of each injected error
ERROR_CATEGORY = {"colour": "attribute", "count": "count", "relation": "relation", "object": "object"}
BACKGROUND = (245, 245, 240)


@dataclass(frozen=True)
class Shape:
    """One object: shape, colour, centre (x, y) and radius in pixels."""

    shape: str
    colour: str
    x: float
    y: float
    r: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) in pixels."""
        return (self.x - self.r, self.y - self.r, self.x + self.r, self.y + self.r)

    @property
    def name(self) -> str:
        return f"{self.colour} {self.shape}"


@dataclass(frozen=True)
class Scene:
    """A scene: its objects (drawing order) and the image size."""

    objects: tuple[Shape, ...]
    size: int

    def groups(self) -> list[tuple[str, str, int]]:
        """(colour, shape, count) per kind of object, in order of first appearance."""
        counts: dict[tuple[str, str], int] = {}
        for o in self.objects:
            counts[(o.colour, o.shape)] = counts.get((o.colour, o.shape), 0) + 1
        return [(c, s, n) for (c, s), n in counts.items()]

    def relation(self) -> tuple[str, str, str] | None:
        """(subject, relation, object) between the first two kinds of object, each present once."""
        single = [o for o in self.objects if sum(1 for p in self.objects if p.name == o.name) == 1]
        if len(single) < 2:
            return None
        a, b = single[0], single[1]
        dx, dy = b.x - a.x, b.y - a.y
        if abs(dx) >= abs(dy):
            rel = "left of" if dx > 0 else "right of"
        else:
            rel = "above" if dy > 0 else "below"
        return (a.name, rel, b.name)

    def contains(self, colour: str, shape: str) -> bool:
        return any(o.colour == colour and o.shape == shape for o in self.objects)

    def description(self) -> str:
        """The exact description (a caption with no error)."""
        return caption(self).text


@dataclass(frozen=True)
class CaptionError:
    """An injected error: character span [start, end) of the caption, its category and kind."""

    start: int
    end: int
    span: str
    category: str
    kind: str


@dataclass
class Caption:
    text: str
    errors: list[CaptionError] = field(default_factory=list)


def shape_mask(o: Shape, size: int) -> np.ndarray:
    """The exact pixels of shape ``o`` in a ``size`` x ``size`` image (bool; before any later object covers them)."""
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    if o.shape == "circle":
        mask = (xx - o.x) ** 2 + (yy - o.y) ** 2 <= o.r**2
    elif o.shape == "square":
        mask = (np.abs(xx - o.x) <= o.r * 0.85) & (np.abs(yy - o.y) <= o.r * 0.85)
    else:  # triangle, point up
        top, bottom = o.y - o.r, o.y + o.r
        t = np.clip((yy - top) / (bottom - top), 0, 1)
        mask = (yy >= top) & (yy <= bottom) & (np.abs(xx - o.x) <= t * o.r)
    return mask


def object_masks(scene: Scene) -> list[np.ndarray]:
    """The exact visible pixels of each object of ``scene`` (bool (size, size), drawing order: a
    later object covers an earlier one where they overlap).

    Example:
        >>> scene = Scene((Shape("square", "red", 10, 10, 5),), 20)
        >>> int(object_masks(scene)[0].sum())
        64
    """
    masks = [shape_mask(o, scene.size) for o in scene.objects]
    for k in range(len(masks)):
        for later in masks[k + 1:]:
            masks[k] = masks[k] & ~later
    return masks


def _draw(img: np.ndarray, o: Shape) -> None:
    img[shape_mask(o, img.shape[0])] = COLOURS[o.colour]


def render(scene: Scene) -> np.ndarray:
    """The scene as an (H, W, 3) uint8 image."""
    img = np.empty((scene.size, scene.size, 3), np.uint8)
    img[:] = BACKGROUND
    for o in scene.objects:
        _draw(img, o)
    return img


def make_scene(rng: np.random.Generator, size: int = 64, n_objects: tuple[int, int] = (1, 3)) -> Scene:
    """A random scene of ``n_objects`` (inclusive range) shapes that do not overlap."""
    n = int(rng.integers(n_objects[0], n_objects[1] + 1))
    objects: list[Shape] = []
    r = size / 7
    tries = 0
    while len(objects) < n and tries < 200:
        tries += 1
        x, y = rng.uniform(r + 1, size - r - 1, 2)
        if any((x - o.x) ** 2 + (y - o.y) ** 2 < (2.3 * r) ** 2 for o in objects):
            continue
        objects.append(Shape(str(rng.choice(SHAPES)), str(rng.choice(list(COLOURS))), float(x), float(y), float(r)))
    return Scene(tuple(objects), size)


def make_scenes(n: int, seed: int = 0, size: int = 64, n_objects: tuple[int, int] = (1, 3)) -> tuple[np.ndarray, list[Scene]]:
    """``n`` random scenes: an (n, size, size, 3) uint8 array and the scenes (their ground truth)."""
    if n < 1 or size < 16:
        raise ValueError("need n >= 1 and size >= 16")
    rng = np.random.default_rng(seed)
    scenes = [make_scene(rng, size, n_objects) for _ in range(n)]
    return np.stack([render(s) for s in scenes]), scenes


def _plural(shape: str, n: int) -> str:
    return shape if n == 1 else shape + "s"


def caption(scene: Scene, error: str | None = None, seed: int | None = None) -> Caption:
    """A template caption of ``scene``, exact, or with one injected error of kind ``error``.

    ``error`` is one of "colour" (a wrong colour), "count" (a wrong number), "relation" (the
    spatial relation reversed; needs two distinct single objects, else falls back to "colour") or
    "object" (mentions an object that is not in the image). The caption's ``errors`` give the
    exact character span of the wrong words and their HallucinationFlagger category.
    """
    if error is not None and error not in ERROR_KINDS:
        raise ValueError(f"error must be one of {ERROR_KINDS} or None, not {error!r}")
    rng = np.random.default_rng(seed)
    groups = scene.groups()
    relation = scene.relation()
    if error == "relation" and relation is None:
        error = "colour"
    target = int(rng.integers(len(groups))) if groups else 0
    wrong: dict[str, str] = {}
    if error == "colour":
        c, s, _ = groups[target]
        options = [k for k in COLOURS if k != c and not scene.contains(k, s)]
        wrong["colour"] = str(rng.choice(options))
    elif error == "count":
        n = groups[target][2]
        wrong["count"] = NUMBERS[n + 1] if n == 1 or rng.random() < 0.5 else NUMBERS[n - 1]
    elif error == "object":
        absent = [(c, s) for c in COLOURS for s in SHAPES if not scene.contains(c, s)]
        c, s = absent[int(rng.integers(len(absent)))]
        wrong["object"] = f"one {c} {s}"

    text, errors = "A picture of ", []

    def add(piece: str, kind: str | None = None) -> None:
        nonlocal text
        if kind is not None:
            errors.append(CaptionError(len(text), len(text) + len(piece), piece, ERROR_CATEGORY[kind], kind))
        text += piece

    phrases = len(groups) + (1 if "object" in wrong else 0)
    for k, (c, s, n) in enumerate(groups):
        if k:
            add(" and " if k == phrases - 1 else ", ")
        if k == target and "count" in wrong:
            add(wrong["count"], "count")
            add(f" {c} {_plural(s, 2 if wrong['count'] != 'one' else 1)}")
            continue
        add(f"{NUMBERS[n]} ")
        add(wrong["colour"], "colour") if k == target and "colour" in wrong else add(c)
        add(f" {_plural(s, n)}")
    if "object" in wrong:
        add(" and " if groups else "")
        add(wrong["object"], "object")
    add(".")
    if relation is not None:
        a, rel, b = relation
        flipped = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}
        add(f" The {a} is ")
        add(flipped[rel], "relation") if error == "relation" else add(rel)
        add(f" the {b}.")
    return Caption(text, errors)


def model_captions(
    scenes: Sequence[Scene], error_rates: dict[str, float], seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Captions from simulated models that err at known rates.

    Returns ``(captions, truth)``: a wide DataFrame (one column per model, one row per scene —
    what ``HallucinationFlagger`` takes) and the injected errors as a long DataFrame with columns
    item_id, model, start, end, span, category, kind.
    """
    rng = np.random.default_rng(seed)
    cols: dict[str, list[str]] = {m: [] for m in error_rates}
    truth = []
    for i, scene in enumerate(scenes):
        for model, rate in error_rates.items():
            kind = str(rng.choice(ERROR_KINDS)) if rng.random() < rate else None
            cap = caption(scene, kind, seed=int(rng.integers(1 << 31)))
            cols[model].append(cap.text)
            truth += [(i, model, e.start, e.end, e.span, e.category, e.kind) for e in cap.errors]
    truth_df = pd.DataFrame(truth, columns=["item_id", "model", "start", "end", "span", "category", "kind"])
    return pd.DataFrame(cols), truth_df


def vqa_pairs(scenes: Sequence[Scene], error_rate: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """One question per scene with the true answer and a simulated model's answer.

    Columns: question, answer (the model's), truth, correct (bool).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for scene in scenes:
        groups = scene.groups()
        kind = rng.integers(3)
        if kind == 0 or not groups:
            shape = str(rng.choice(SHAPES))
            n = sum(1 for o in scene.objects if o.shape == shape)
            q, truth = f"How many {shape}s are there?", NUMBERS[n]
            wrong = NUMBERS[n + 1] if n < len(NUMBERS) - 1 else NUMBERS[n - 1]
        elif kind == 1:
            c, s, _ = groups[int(rng.integers(len(groups)))]
            others = {o.colour for o in scene.objects if o.shape == s}
            if len(others) > 1:  # ambiguous: ask about presence instead
                q, truth, wrong = f"Is there a {c} {s}?", "yes", "no"
            else:
                q, truth = f"What colour is the {s}?", c
                wrong = str(rng.choice([k for k in COLOURS if k != c]))
        else:
            c, s = str(rng.choice(list(COLOURS))), str(rng.choice(SHAPES))
            truth = "yes" if scene.contains(c, s) else "no"
            q, wrong = f"Is there a {c} {s}?", "no" if truth == "yes" else "yes"
        ok = rng.random() >= error_rate
        rows.append((q, truth if ok else wrong, truth, bool(ok)))
    return pd.DataFrame(rows, columns=["question", "answer", "truth", "correct"])


def retrieval_queries(scenes: Sequence[Scene]) -> tuple[list[str], dict[int, set[int]]]:
    """Queries "a <colour> <shape>" for every kind present in some scene, and their exact
    relevant sets (positions of the scenes that contain such an object)."""
    queries: list[str] = []
    relevant: dict[int, set[int]] = {}
    for c in COLOURS:
        for s in SHAPES:
            hits = {i for i, sc in enumerate(scenes) if sc.contains(c, s)}
            if hits:
                relevant[len(queries)] = hits
                queries.append(f"a {c} {s}")
    return queries, relevant
