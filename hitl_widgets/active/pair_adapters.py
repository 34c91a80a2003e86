"""Image–text matchers for ``TaskLoop(..., PairTask(gallery))`` from a scikit-learn regressor or two
torch towers.

``PairTask`` asks a model for ``fit(images, texts)`` (matched pairs, in order) and
``similarity(images, texts)`` → ``(len(texts), len(images))``. These adapters provide them:

* :class:`FeatureMatcher` — a scikit-learn regressor from a text's features to its image's
  features (multi-output: ``Ridge``, ``KNeighborsRegressor``…); a pair's similarity is the cosine
  of the predicted and the actual image features. The features are your functions (a fitted
  ``TfidfVectorizer().transform``, a ``HashingVectorizer``, colour histograms, a frozen embedding);
* :class:`TorchDualEncoder` — an image tower and a text tower (torch modules) trained with the
  symmetric contrastive loss (in-batch negatives, a learnt temperature) from their initial weights
  on every fit; the similarity is the cosine of the two embeddings.

Example:
    >>> import numpy as np
    >>> from sklearn.feature_extraction.text import HashingVectorizer
    >>> from sklearn.linear_model import Ridge
    >>> colours = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}
    >>> images = [np.full((4, 4, 3), rgb, dtype=np.uint8) for rgb in colours.values()]
    >>> texts = [f"a {name} square" for name in colours]
    >>> matcher = FeatureMatcher(Ridge(alpha=0.1), image_features=lambda ims: np.stack([im.mean(axis=(0, 1)) for im in ims]),
    ...                          text_features=HashingVectorizer(n_features=64).transform)
    >>> matcher.fit(images, texts).similarity(images, ["a green square"]).argmax()
    np.int64(1)
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..coerce import to_numpy, unit_pixels

__all__ = ["FeatureMatcher", "TorchDualEncoder"]


def _check_pairs(images: Sequence[Any], texts: Sequence[Any], least: int = 1) -> None:
    if len(images) != len(texts):
        raise ValueError(f"{len(images)} images but {len(texts)} texts: fit takes matched pairs, in order")
    if len(texts) < least:
        raise ValueError(f"fit needs at least {least} matched pairs, got {len(texts)}")
    bad = next((n for n, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise ValueError(f"text {bad} is {type(texts[bad]).__name__}, not str")


def _rows(features: Any, n: int, what: str) -> np.ndarray:
    """Features as a dense float array of ``n`` finite rows (a sparse matrix is made dense)."""
    if hasattr(features, "toarray"):
        features = features.toarray()
    arr = np.asarray(to_numpy(features), dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != n:
        raise ValueError(f"{what} gave shape {arr.shape}, expected ({n}, features)")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} gave NaN or infinite values")
    return arr


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return a @ b.T


class FeatureMatcher:
    """A scikit-learn regressor from text features to image features, for ``PairTask``.

    Args:
        estimator: a multi-output regressor (cloned at each fit).
        image_features: ``images -> (N, D)`` (arrays ``(H, W, 3)`` uint8 in, as the loop gives them).
        text_features: ``texts -> (N, F)`` (dense or sparse).

    Example: see the module.
    """

    def __init__(self, estimator: Any, image_features: Callable[[list], Any], text_features: Callable[[list], Any]):
        if not (callable(image_features) and callable(text_features)):
            raise TypeError("image_features and text_features must be functions (images -> rows, texts -> rows)")
        self.estimator, self.image_features, self.text_features = estimator, image_features, text_features
        self.model_: Any = None

    def fit(self, images: Sequence[Any], texts: Sequence[str]) -> FeatureMatcher:
        """Learn each text's image features from its features."""
        from sklearn.base import clone

        _check_pairs(images, texts)
        X = _rows(self.text_features(list(texts)), len(texts), "text_features")
        Y = _rows(self.image_features(list(images)), len(images), "image_features")
        self.model_ = clone(self.estimator).fit(X, Y)
        return self

    def similarity(self, images: Sequence[Any], texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(images))``: the cosine of each text's predicted image features and each image's."""
        if self.model_ is None:
            raise RuntimeError("FeatureMatcher: call fit first")
        predicted = np.asarray(self.model_.predict(_rows(self.text_features(list(texts)), len(texts), "text_features")), dtype=np.float64)
        if predicted.ndim == 1:
            predicted = predicted[:, None]
        return _cosine(predicted, _rows(self.image_features(list(images)), len(images), "image_features"))


class TorchDualEncoder:
    """Two torch towers trained contrastively, for ``PairTask``.

    ``image_tower(x)`` maps ``(B, channels, H, W)`` float images in [0, 1] to ``(B, D)``;
    ``text_tower(texts)`` maps a list of ``B`` strings to ``(B, D)`` (its own tokenising inside).
    Each ``fit`` starts again from the towers' weights as they were when the adapter was made and
    takes ``steps`` Adam steps on random batches of pairs: the symmetric cross-entropy of the
    scaled cosine similarities (text → image and image → text), the other pairs of the batch as
    negatives, the scale learnt (from 1 / 0.07).

    Args:
        image_tower, text_tower: ``torch.nn.Module``.
        steps, batch_size, lr: the training (at least 2 pairs per batch: one needs a negative).
        seed: the batches' draws and the towers' own (dropout), on a fork of torch's generator
            (None: dropout draws from the session's generator).
        threads: CPU threads while training and predicting (None: torch's setting).

    Example:
        >>> import torch
        >>> words = {"red": 0, "green": 1, "blue": 2}
        >>> class Words(torch.nn.Module):
        ...     def __init__(self):
        ...         super().__init__(); self.embed = torch.nn.EmbeddingBag(3, 4)
        ...     def forward(self, texts):
        ...         ids = [[words[w] for w in t.split() if w in words] for t in texts]
        ...         return self.embed(torch.tensor(sum(ids, [])), torch.tensor([0] + [len(i) for i in ids[:-1]]).cumsum(0))
        >>> pixels = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 4))
        >>> images = [np.full((4, 4, 3), rgb, dtype=np.uint8) for rgb in [(255, 0, 0), (0, 255, 0), (0, 0, 255)]]
        >>> enc = TorchDualEncoder(pixels, Words(), steps=200, lr=0.05).fit(images, ["red", "green", "blue"])
        >>> enc.similarity(images, ["blue", "red"]).argmax(axis=1).tolist()
        [2, 0]
    """

    def __init__(self, image_tower: Any, text_tower: Any, steps: int = 150, batch_size: int = 32, lr: float = 3e-3,
                 seed: int | None = 0, threads: int | None = None):
        import torch

        for name, tower in (("image_tower", image_tower), ("text_tower", text_tower)):
            if not isinstance(tower, torch.nn.Module):
                raise TypeError(f"{name} must be a torch.nn.Module, not {type(tower).__name__}")
        self.image_tower, self.text_tower = image_tower, text_tower
        self.steps, self.batch_size, self.lr = int(steps), max(int(batch_size), 2), float(lr)
        self.seed, self.threads = seed, threads
        self._initial = (copy.deepcopy(image_tower.state_dict()), copy.deepcopy(text_tower.state_dict()))
        self.log_scale = torch.nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def _pixels(self, images: Sequence[Any]) -> Any:
        import torch

        arrays = []
        for n, im in enumerate(images):
            a = np.asarray(to_numpy(im))
            a = a[:, :, None] if a.ndim == 2 else a
            if a.ndim != 3:
                raise ValueError(f"image {n}: expected (H, W) or (H, W, channels), got shape {a.shape}")
            arrays.append(unit_pixels(a, f"image {n}"))
        if len({a.shape for a in arrays}) > 1:
            raise ValueError("TorchDualEncoder needs images of one size and channel count")
        return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()

    def _embed(self, x: Any, texts: Sequence[str]) -> tuple[Any, Any]:
        import torch

        img, txt = self.image_tower(x), self.text_tower(list(texts))
        for what, out, n in (("image_tower", img, x.shape[0]), ("text_tower", txt, len(texts))):
            if out.ndim != 2 or out.shape[0] != n:
                raise ValueError(f"{what} gave shape {tuple(out.shape)}, expected ({n}, D)")
        if img.shape[1] != txt.shape[1]:
            raise ValueError(f"the towers' embeddings differ in size: images {img.shape[1]}, texts {txt.shape[1]}")
        return torch.nn.functional.normalize(img, dim=1), torch.nn.functional.normalize(txt, dim=1)

    def fit(self, images: Sequence[Any], texts: Sequence[str]) -> TorchDualEncoder:
        """Train both towers from their initial weights on the matched pairs."""
        import torch

        from ..demo.torch_threads import seeded_torch, torch_threads

        _check_pairs(images, texts, least=2)
        x = self._pixels(images)
        # dropout in the towers is seeded on a fork of torch's generator (the session's is left alone)
        with torch_threads(self.threads), seeded_torch(self.seed):
            self.image_tower.load_state_dict(self._initial[0])
            self.text_tower.load_state_dict(self._initial[1])
            self.log_scale.data.fill_(math.log(1 / 0.07))
            self.image_tower.train()
            self.text_tower.train()
            params = [*self.image_tower.parameters(), *self.text_tower.parameters(), self.log_scale]
            optimiser = torch.optim.Adam(params, lr=self.lr)
            generator = torch.Generator().manual_seed(0 if self.seed is None else int(self.seed))
            for _ in range(self.steps):
                pick = torch.randperm(len(texts), generator=generator)[: self.batch_size]
                img, txt = self._embed(x[pick], [texts[int(i)] for i in pick])
                logits = self.log_scale.clamp(max=math.log(100)).exp() * txt @ img.T
                target = torch.arange(len(pick))
                loss = (torch.nn.functional.cross_entropy(logits, target) + torch.nn.functional.cross_entropy(logits.T, target)) / 2
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return self

    def similarity(self, images: Sequence[Any], texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), len(images))``: the cosine of each text's and each image's embedding."""
        import torch

        from ..demo.torch_threads import torch_threads

        if not len(images) or not len(texts):
            return np.zeros((len(texts), len(images)))
        with torch_threads(self.threads), torch.no_grad():
            self.image_tower.eval()
            self.text_tower.eval()
            x = self._pixels(images)
            img = torch.cat([torch.nn.functional.normalize(self.image_tower(x[s : s + 256]), dim=1) for s in range(0, len(x), 256)])
            txt = torch.cat([torch.nn.functional.normalize(self.text_tower(list(texts[s : s + 256])), dim=1)
                             for s in range(0, len(texts), 256)])
            return (txt @ img.T).double().numpy()
