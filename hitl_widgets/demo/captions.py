"""Captions of the synthetic scenes whose mentions are linked to their objects: the ground truth for
``CoreferenceLinker``, and a simulated grounding model's proposals with controlled noise.

Each object of a scene is a region (its box); the caption names each object ("A red circle is at
the top left."), then refers back to objects ("The circle is left of the blue square.", "It ..."),
so the mentions of one object form a chain; "The background" has no visual referent.

Example:
    >>> data = coreference_scenes(3, seed=0, noise=0.0)
    >>> data.images.shape
    (3, 96, 96, 3)
    >>> t = data.truth.iloc[0]
    >>> data.texts[t["item"]][t["start"]:t["end"]] == t["text"]
    True
    >>> bool((data.proposals["correct"]).all())  # no noise: every proposal is right
    True
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .scenes import Scene, make_scenes

LINK_COLUMNS = ["item", "start", "end", "text", "region", "entity"]


@dataclass
class CorefScenes:
    """Images, one caption each, the regions (objects' boxes), the true links and model proposals.

    ``regions``: item, region, x, y, w, h, label (what ``CoreferenceLinker`` takes as ``regions``);
    ``truth``: item, start, end, text, region (None: no visual referent), entity;
    ``proposals``: item, start, end, text, region, score, correct (what it takes as ``proposals``).
    """

    images: np.ndarray
    scenes: list[Scene]
    texts: list[str]
    regions: pd.DataFrame
    truth: pd.DataFrame
    proposals: pd.DataFrame


def _where(x: float, y: float, size: int) -> str:
    row = ("top", "middle", "bottom")[min(2, int(3 * y / size))]
    col = ("left", "centre", "right")[min(2, int(3 * x / size))]
    return "centre" if row == col == "middle" or (row == "middle" and col == "centre") else f"{row} {col}"


def linked_caption(scene: Scene) -> tuple[str, list[tuple[int, int, str | None]]]:
    """A caption of ``scene`` and its mentions ``(start, end, region)``; region "o1", "o2", ... is
    the scene's object 1, 2, ... (drawing order), None for a mention with no visual referent.

    Example:
        >>> from hitl_widgets.demo.scenes import Shape
        >>> text, mentions = linked_caption(Scene((Shape("circle", "red", 10, 10, 5),), 64))
        >>> text
        'A red circle is at the top left. It is the only shape. The background is plain.'
        >>> [(text[s:e], r) for s, e, r in mentions]
        [('A red circle', 'o1'), ('It', 'o1'), ('The background', None)]
    """
    text = ""
    mentions: list[tuple[int, int, str | None]] = []

    def say(piece: str, region: str | None | bool = False) -> None:
        nonlocal text
        if region is not False:
            mentions.append((len(text), len(text) + len(piece), region))  # type: ignore[arg-type]
        text += piece

    objs = scene.objects
    for k, o in enumerate(objs):
        say(" " if k else "")
        say(f"A {o.colour} {o.shape}", f"o{k + 1}")
        say(f" is at the {_where(o.x, o.y, scene.size)}.")
    if len(objs) >= 2:
        a, b = objs[0], objs[1]
        dx, dy = b.x - a.x, b.y - a.y
        rel = ("left of" if dx > 0 else "right of") if abs(dx) >= abs(dy) else ("above" if dy > 0 else "below")
        say(" ")
        say(f"The {a.shape}", "o1")
        say(f" is {rel} ")
        say(f"the {b.colour} {b.shape}", "o2")
        say(", and ")
        say("it", "o2")
        say(" is not alone.")
    elif objs:
        say(" ")
        say("It", "o1")
        say(" is the only shape.")
    say(" ")
    say("The background", None)
    say(" is plain.")
    return text, mentions


def coreference_scenes(n: int, seed: int = 0, size: int = 96, noise: float = 0.2, n_objects: tuple[int, int] = (1, 3)) -> CorefScenes:
    """``n`` scenes with linked captions, and a grounding model's proposals.

    The model proposes a region for each true mention; with probability ``noise`` it is wrong
    (another object, or no referent for an object / an object for "The background") with a score
    drawn from U(0.3, 0.7), else right with a score from U(0.6, 1.0); with probability ``noise / 2``
    it misses the mention (no proposal). ``proposals["correct"]`` says which are right.
    """
    if not 0 <= noise <= 1:
        raise ValueError(f"noise must be in [0, 1], got {noise}")
    images, scenes = make_scenes(n, seed=seed, size=size, n_objects=n_objects)
    rng = np.random.default_rng(seed + 1)
    texts, regions, truth, proposals = [], [], [], []
    for i, scene in enumerate(scenes):
        ids = [f"o{k + 1}" for k in range(len(scene.objects))]
        for rid, o in zip(ids, scene.objects):
            x0, y0, x1, y1 = o.box
            regions.append((i, rid, max(0.0, x0), max(0.0, y0), min(size, x1) - max(0.0, x0), min(size, y1) - max(0.0, y0), o.name))
        text, mentions = linked_caption(scene)
        texts.append(text)
        entity = {r: f"e{k + 1}" for k, r in enumerate(dict.fromkeys(r for _, _, r in mentions if r is not None))}
        for s, e, r in mentions:
            truth.append((i, s, e, text[s:e], r, entity.get(r) if r is not None else None))
            if rng.random() < noise / 2:
                continue  # missed
            if rng.random() < noise:
                wrong = [x for x in [*ids, None] if x != r]
                region = wrong[int(rng.integers(len(wrong)))]
                score = float(rng.uniform(0.3, 0.7))
            else:
                region, score = r, float(rng.uniform(0.6, 1.0))
            proposals.append((i, s, e, text[s:e], region, round(score, 3), region == r))
    truth_df = pd.DataFrame(truth, columns=LINK_COLUMNS)
    proposals_df = pd.DataFrame(proposals, columns=["item", "start", "end", "text", "region", "score", "correct"])
    for df, cols in ((truth_df, ("region", "entity")), (proposals_df, ("region",))):
        for c in cols:  # None (no visual referent), not NaN
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    regions_df = pd.DataFrame(regions, columns=["item", "region", "x", "y", "w", "h", "label"])
    return CorefScenes(images, scenes, texts, regions_df, truth_df, proposals_df)
