"""A small torch dual encoder for the synthetic scenes' captions (``hitl_widgets.demo.scenes``), trained on
the CPU in seconds: an image tower (two convolutions, max-pooled) and a text tower (a sum of word
embeddings), both L2-normalised, trained from scratch with the symmetric contrastive (CLIP) loss on
matched pairs. It is the model of ``notebooks/04_cross_modal_review.ipynb`` and the torch matcher of
``benchmarks/task_label_efficiency.py``, with the interface ``TaskLoop``'s ``PairTask`` asks for.

torch is optional for hitl_widgets: it is imported when a ``DualEncoder`` is made.

Example:
    >>> from hitl_widgets.demo.scenes import make_scenes
    >>> images, scenes = make_scenes(30, seed=0, size=48)
    >>> texts = [s.description() for s in scenes]
    >>> m = DualEncoder(steps=5).fit(images[:20], texts[:20])
    >>> m.similarity(images[20:], texts[20:23]).shape
    (3, 10)
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .scenes import COLOURS, NUMBERS, SHAPES

__all__ = ["DualEncoder", "caption_words", "CAPTION_VOCABULARY"]

#: every word the scenes' captions use (``caption``): the text tower's vocabulary
CAPTION_VOCABULARY = tuple(sorted({"a", "picture", "of", "and", "the", "is", "left", "right", "above", "below",
                                   *NUMBERS, *COLOURS, *SHAPES, *(f"{s}s" for s in SHAPES)}))


def caption_words(text: str) -> list[str]:
    """A caption's words: lower case, without punctuation."""
    return str(text).lower().replace(".", " ").replace(",", " ").split()


def _module(vocabulary_size: int, dim: int) -> Any:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Towers(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.image_tower = nn.Sequential(
                nn.Conv2d(3, 16, 5, 2, 2), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU(),
                nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(32, dim))
            self.text_tower = nn.EmbeddingBag(vocabulary_size, dim, mode="sum")
            self.scale = nn.Parameter(torch.tensor(10.0))

        def images(self, x: Any) -> Any:
            return F.normalize(self.image_tower(x), dim=-1)

        def texts(self, ids: Any, offsets: Any) -> Any:
            return F.normalize(self.text_tower(ids, offsets), dim=-1)

    return Towers()


class DualEncoder:
    """Image and text towers trained with the contrastive loss (see the module).

    ``fit(images, texts)``: matched pairs (image ``i`` goes with text ``i``), ``(N, H, W, 3)`` uint8
    images; the towers are trained from scratch (seeded: the same pairs give the same model) for
    ``epochs`` passes in batches of ``batch_size`` pairs, or, without ``epochs``, for ``steps``
    batches. ``similarity(images, texts)`` → the ``(len(texts), len(images))`` cosine similarities.
    ``embed_images`` / ``embed_texts`` → L2-normalised torch tensors (no gradient).
    """

    def __init__(self, dim: int = 32, steps: int = 200, epochs: int | None = None, batch_size: int = 50,
                 lr: float = 3e-3, seed: int = 0, threads: int | None = 1):
        import torch

        if int(steps) < 1 or int(batch_size) < 2 or (epochs is not None and int(epochs) < 1):
            raise ValueError("steps and epochs must be >= 1 and batch_size >= 2")
        self.dim, self.steps, self.batch_size, self.lr, self.seed = int(dim), int(steps), int(batch_size), float(lr), int(seed)
        self.epochs = None if epochs is None else int(epochs)
        self.threads = threads
        self.vocabulary = {w: i for i, w in enumerate(CAPTION_VOCABULARY)}
        self.loss_: float = float("nan")
        self._torch = torch
        self._net: Any = None

    def _threads(self) -> Any:
        torch = self._torch
        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(int(self.threads))  # a tiny model: one thread is fastest
        return before

    def _image_tensor(self, images: Any) -> Any:
        a = np.asarray(images if not isinstance(images, list) else np.stack([np.asarray(i) for i in images]))
        if a.ndim != 4 or a.shape[-1] != 3:
            raise ValueError(f"images must be (N, H, W, 3), got shape {a.shape}")
        return self._torch.tensor(a, dtype=self._torch.float32).permute(0, 3, 1, 2) / 255

    def _text_tensors(self, texts: Sequence[str]) -> tuple[Any, Any]:
        ids: list[int] = []
        offsets = []
        for t in texts:
            offsets.append(len(ids))
            ids += [self.vocabulary[w] for w in caption_words(t) if w in self.vocabulary]
        return self._torch.tensor(ids, dtype=self._torch.long), self._torch.tensor(offsets, dtype=self._torch.long)

    def fit(self, images: Any, texts: Sequence[str]) -> DualEncoder:
        torch = self._torch
        import torch.nn.functional as F

        texts = [str(t) for t in texts]
        x = self._image_tensor(images)
        if len(x) != len(texts) or len(texts) < 2:
            raise ValueError(f"fit takes at least 2 matched pairs: {len(x)} images and {len(texts)} texts")
        before = self._threads()
        try:
            generator = torch.Generator().manual_seed(self.seed)
            torch.manual_seed(self.seed)
            self._net = _module(len(self.vocabulary), self.dim)
            optimiser = torch.optim.Adam(self._net.parameters(), lr=self.lr)
            n = len(texts)
            if self.epochs is not None:
                batches = [b for _ in range(self.epochs) for b in torch.randperm(n, generator=generator).split(self.batch_size)]
            else:
                per = -(-n // self.batch_size)
                batches = [b for _ in range(-(-self.steps // per)) for b in torch.randperm(n, generator=generator).split(self.batch_size)][: self.steps]
            self._net.train()
            for batch in batches:
                if len(batch) < 2:
                    continue
                logits = self._net.scale * self._net.images(x[batch]) @ self._net.texts(*self._text_tensors([texts[int(i)] for i in batch])).T
                target = torch.arange(len(batch))
                loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                self.loss_ = float(loss.detach())
            self._net.eval()
        finally:
            self._torch.set_num_threads(before)
        return self

    def _fitted(self) -> Any:
        if self._net is None:
            raise RuntimeError("fit the dual encoder on some matched pairs first")
        return self._net

    def embed_images(self, images: Any) -> Any:
        net = self._fitted()
        before = self._threads()
        try:
            with self._torch.no_grad():
                return net.images(self._image_tensor(images))
        finally:
            self._torch.set_num_threads(before)

    def embed_texts(self, texts: Sequence[str]) -> Any:
        net = self._fitted()
        with self._torch.no_grad():
            return net.texts(*self._text_tensors([str(t) for t in texts]))

    def similarity(self, images: Any, texts: Sequence[str]) -> np.ndarray:
        return (self.embed_texts(texts) @ self.embed_images(images).T).numpy().astype(np.float64)
