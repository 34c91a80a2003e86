"""Step-by-step reasoning chains about the synthetic scenes, with an error injected at a known step.

A chain answers a question about a scene (``demo.scenes``) in steps: perception steps (what is in
the image: "there are two red squares", "the red circle is left of the blue square"), then
inference steps ("so there are 2 + 1 = 3 shapes"), then the answer. An error of a known kind can be
injected at a known step, and the steps after it follow from it (as a model's would):

    "perception"   a perception step misreads the image (a wrong count, colour or relation);
                   a reviewer's verdict: "perception error"
    "reasoning"    an inference step does not follow from the steps before it ("reasoning error")
    "unsupported"  a step claims something the image cannot show (a hidden shape, a material)
                   ("unsupported")

``model_chains`` simulates models that make such errors at known rates: what ``ReasoningChainReview``
takes, with the exact verdict of every step and the region each perception step claims.

Example:
    >>> from hitl_widgets.demo import make_scenes
    >>> _, scenes = make_scenes(3, seed=0)
    >>> c = reasoning_chain(scenes[0], error="reasoning", seed=1)
    >>> c.first_error is not None and c.steps[c.first_error]["kind"] == "inference"
    True
    >>> c.verdicts[c.first_error]
    'reasoning error'
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .scenes import NUMBERS, Scene, Shape

CHAIN_ERRORS = ("perception", "reasoning", "unsupported")
# the reviewer's verdict of each injected error
ERROR_VERDICT = {"perception": "perception error", "reasoning": "reasoning error", "unsupported": "unsupported"}
_FLIP = {"left of": "right of", "right of": "left of", "above": "below", "below": "above"}


@dataclass
class Chain:
    """A question, its steps (``{"text", "kind"}``, kind "perception" / "inference" / "answer"),
    the final answer, and the truth: each step's verdict ("correct", the error's verdict, or None
    for the steps after the first error), the region each perception step claims (x0, y0, x1, y1)
    where it names objects in the image, the first error's step and kind."""

    question: str
    steps: list[dict] = field(default_factory=list)
    answer: str = ""
    verdicts: list[str | None] = field(default_factory=list)
    regions: list[tuple[float, float, float, float] | None] = field(default_factory=list)
    first_error: int | None = None
    error: str | None = None


def _number(n: int) -> str:
    return NUMBERS[n] if 0 <= n < len(NUMBERS) else str(n)


def _plural(shape: str, n: int) -> str:
    return shape if n == 1 else shape + "s"


def _union(objects: Sequence[Shape]) -> tuple[float, float, float, float] | None:
    if not objects:
        return None
    boxes = np.array([o.box for o in objects])
    x0, y0 = boxes[:, :2].min(axis=0)
    x1, y1 = boxes[:, 2:].max(axis=0)
    return (round(float(x0), 1), round(float(y0), 1), round(float(x1), 1), round(float(y1), 1))


class _Builder:
    def __init__(self, question: str):
        self.chain = Chain(question)

    def add(self, text: str, kind: str, region: tuple | None = None, error: str | None = None) -> None:
        c = self.chain
        if error is not None and c.first_error is None:
            c.first_error, c.error = len(c.steps), error
        c.steps.append({"text": text, "kind": kind})
        c.regions.append(region if kind == "perception" else None)
        if c.first_error is None:
            c.verdicts.append("correct")
        elif c.first_error == len(c.steps) - 1:
            c.verdicts.append(ERROR_VERDICT[error or "perception"])
        else:
            c.verdicts.append(None)  # after the first error: needs no verdict


def _count_chain(scene: Scene, error: str | None, rng: np.random.Generator) -> Chain:
    groups = scene.groups()
    b = _Builder("How many shapes are there?")
    target = int(rng.integers(len(groups)))
    counts = []
    for k, (c, s, n) in enumerate(groups):
        objects = [o for o in scene.objects if o.colour == c and o.shape == s]
        if error == "perception" and k == target:
            seen = n + 1 if n == 1 or rng.random() < 0.5 else n - 1
            b.add(f"there {'is' if seen == 1 else 'are'} {_number(seen)} {c} {_plural(s, seen)}", "perception", _union(objects), "perception")
            counts.append(seen)
        else:
            b.add(f"there {'is' if n == 1 else 'are'} {_number(n)} {c} {_plural(s, n)}", "perception", _union(objects))
            counts.append(n)
    if error == "unsupported":
        hider = scene.objects[int(rng.integers(len(scene.objects)))]
        b.add(f"one more shape is hidden behind the {hider.name}", "perception", _union([hider]), "unsupported")
        counts.append(1)
    total = sum(counts)
    said = total + (1 if rng.random() < 0.5 else -1) if error == "reasoning" else total
    said = max(said, 0)
    sum_text = " + ".join(str(n) for n in counts)
    b.add(f"so there are {sum_text} = {said} shapes" if len(counts) > 1 else f"so there {'is' if said == 1 else 'are'} {said} "
          f"shape{'' if said == 1 else 's'} in all", "inference", None, "reasoning" if error == "reasoning" else None)
    b.add(f"the answer is {_number(said)}", "answer")
    b.chain.answer = _number(said)
    return b.chain


def _relation_chain(scene: Scene, error: str | None, rng: np.random.Generator) -> Chain:
    a, rel, other = scene.relation()  # type: ignore[misc]  # callers check it is not None
    asked = rel if rng.random() < 0.5 else _FLIP[rel]
    b = _Builder(f"Is the {a} {asked} the {other}?")
    obj = {o.name: o for o in scene.objects}
    b.add(f"there is one {a}", "perception", _union([obj[a]]))
    b.add(f"there is one {other}", "perception", _union([obj[other]]))
    if error == "unsupported":
        b.add(f"the {a} is made of wood", "perception", _union([obj[a]]), "unsupported")
    seen = _FLIP[rel] if error == "perception" else rel
    b.add(f"the {a} is {seen} the {other}", "perception", _union([obj[a], obj[other]]), "perception" if error == "perception" else None)
    holds = seen == asked
    concluded = (not holds) if error == "reasoning" else holds
    b.add(f"so the {a} is{'' if concluded else ' not'} {asked} the {other}", "inference", None, "reasoning" if error == "reasoning" else None)
    b.chain.answer = "yes" if concluded else "no"
    b.add(f"the answer is {b.chain.answer}", "answer")
    return b.chain


def reasoning_chain(scene: Scene, question: str = "count", error: str | None = None, seed: int | None = None) -> Chain:
    """A chain answering a question about ``scene``: ``question`` "count" (how many shapes) or
    "relation" (is one object left of / above another: needs two distinct single objects, else a
    count question), exact or with one error of kind ``error`` (one of ``CHAIN_ERRORS``)."""
    if error is not None and error not in CHAIN_ERRORS:
        raise ValueError(f"error must be one of {CHAIN_ERRORS} or None, not {error!r}")
    if question not in ("count", "relation"):
        raise ValueError(f"question must be 'count' or 'relation', not {question!r}")
    if not scene.objects:
        raise ValueError("the scene has no objects to reason about")
    rng = np.random.default_rng(seed)
    if question == "relation" and scene.relation() is not None:
        return _relation_chain(scene, error, rng)
    return _count_chain(scene, error, rng)


def model_chains(
    scenes: Sequence[Scene], error_rates: Mapping[str, float] | None = None, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Chains from simulated models that err at known rates (default ``{"model_a": 0.2,
    "model_b": 0.5}``), one question per scene shared by the models.

    Returns ``(chains, truth)``:
      - chains: item_id, model, question, steps (a list of ``{"text", "kind"}``), answer — what
        ``ReasoningChainReview`` takes;
      - truth: one row per step: item_id, model, step (0-based), kind, text, verdict (the exact
        verdict; None after the first error), region ((x0, y0, x1, y1) of the objects a perception
        step names, or None), first_error (the chain's, or None), error (the injected kind, or None).
    """
    rates = dict(error_rates) if error_rates is not None else {"model_a": 0.2, "model_b": 0.5}
    for model, rate in rates.items():
        if not 0.0 <= float(rate) <= 1.0:
            raise ValueError(f"error rate of {model!r} must be in [0, 1], not {rate!r}")
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for i, scene in enumerate(scenes):
        question = "relation" if scene.relation() is not None and rng.random() < 0.5 else "count"
        qseed = int(rng.integers(1 << 31))
        for model, rate in rates.items():
            error = str(rng.choice(CHAIN_ERRORS)) if rng.random() < rate else None
            chain = reasoning_chain(scene, question, error, seed=qseed if error is None else int(rng.integers(1 << 31)))
            rows.append((i, model, chain.question, chain.steps, chain.answer))
            for n, step in enumerate(chain.steps):
                truth.append((i, model, n, step["kind"], step["text"], chain.verdicts[n], chain.regions[n], chain.first_error, chain.error))
    chains = pd.DataFrame(rows, columns=["item_id", "model", "question", "steps", "answer"])
    cols = ["item_id", "model", "step", "kind", "text", "verdict", "region", "first_error", "error"]
    truth_df = pd.DataFrame(truth, columns=cols)
    truth_df["first_error"] = pd.Series([t[7] for t in truth], dtype=object)  # ints and None, never NaN
    truth_df["error"] = pd.Series([t[8] for t in truth], dtype=object)
    truth_df["verdict"] = pd.Series([t[5] for t in truth], dtype=object)
    return chains, truth_df


__all__ = ["CHAIN_ERRORS", "ERROR_VERDICT", "Chain", "model_chains", "reasoning_chain"]
