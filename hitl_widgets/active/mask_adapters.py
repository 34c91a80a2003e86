"""Segmentation models for ``TaskLoop(..., "masks")`` from a scikit-learn classifier or a torch module.

``MaskTask`` asks a model for ``fit(images, label_maps)`` (0 unlabelled, ``k`` is ``classes[k - 1]``:
the form of ``SegmentationCanvas.masks``) and ``predict_proba(images)`` → one ``(len(classes), H, W)``
probability map per image. These two adapters provide them:

* :class:`PixelClassifier` — any scikit-learn classifier on per-pixel features (the pixel's
  channels and their Gaussian blurs at a few scales, the classic interactive pixel classifier):
  trained on the painted pixels only, so a few strokes per image are labels;
* :class:`TorchSegmenter` — a torch module ``(B, channels, H, W) → (B, len(classes), H, W)`` logits,
  trained from its initial weights on every fit with cross-entropy over the painted pixels.

Both check what they are given (a mask of another size than its image, labels out of range, a
module with the wrong output shape) and say which image.

Example:
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> image = np.zeros((8, 8), dtype=np.uint8); image[2:6, 2:6] = 255
    >>> mask = np.zeros((8, 8), dtype=np.int64); mask[0, 0] = 1; mask[3, 3] = 2   # two strokes
    >>> seg = PixelClassifier(LogisticRegression(), ["background", "square"]).fit([image], [mask])
    >>> seg.predict_proba([image])[0].argmax(axis=0)[4, 4], seg.predict_proba([image])[0].shape
    (np.int64(1), (2, 8, 8))
"""
from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..coerce import to_numpy, unit_pixels

__all__ = ["PixelClassifier", "TorchSegmenter", "pixel_features"]


def _as_float_image(image: Any, where: str) -> np.ndarray:
    """An image as float ``(H, W, channels)`` in [0, 1], scaled by its dtype (``unit_pixels``)."""
    arr = np.asarray(to_numpy(image))
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{where}: an image must be (H, W) or (H, W, channels), got shape {arr.shape}")
    return unit_pixels(arr, where)


def _checked_masks(images: Sequence[Any], masks: Sequence[Any], n_classes: int) -> list[np.ndarray]:
    if len(images) != len(masks):
        raise ValueError(f"{len(images)} images but {len(masks)} masks")
    out = []
    for n, (image, mask) in enumerate(zip(images, masks)):
        m = np.asarray(to_numpy(mask))
        shape = np.asarray(to_numpy(image)).shape[:2]
        if m.shape != shape:
            raise ValueError(f"image {n}: its mask is {m.shape}, the image {shape}")
        if m.dtype.kind not in "iub" or (m.size and (m.min() < 0 or m.max() > n_classes)):
            raise ValueError(f"image {n}: mask labels must be integers in 0 .. {n_classes} (0: unlabelled; k: classes[k - 1])")
        out.append(m.astype(np.int64))
    if not any((m > 0).any() for m in out):
        raise ValueError("no painted pixel in any mask: nothing to learn from")
    return out


def pixel_features(image: Any, sigmas: Sequence[float] = (1.0, 2.0, 4.0), *, name: str = "image") -> np.ndarray:
    """Per-pixel features ``(H * W, channels * (1 + len(sigmas)))``: each channel in [0, 1] (scaled
    by its dtype: ``hitl_widgets.coerce.unit_pixels``), then blurred by a Gaussian of each ``sigma``
    (pixels, row-major). ``name`` names the image in errors.

    Example:
        >>> pixel_features(np.zeros((4, 5, 3), dtype=np.uint8)).shape
        (20, 12)
    """
    from scipy.ndimage import gaussian_filter

    x = _as_float_image(image, name)
    layers = [x] + [gaussian_filter(x, sigma=(float(s), float(s), 0.0), mode="nearest") for s in sigmas]
    return np.concatenate(layers, axis=2).reshape(x.shape[0] * x.shape[1], -1)


class _OneLabel:
    """What ``PixelClassifier`` fits when every painted pixel has one label: that label, for sure."""

    def __init__(self, label: int):
        self.classes_ = np.array([label])

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return np.ones((len(X), 1))


class PixelClassifier:
    """A scikit-learn classifier per pixel, for ``MaskTask``.

    Args:
        estimator: any scikit-learn classifier with ``predict_proba`` (cloned at each fit).
        classes: the canvas's classes (label ``k`` is ``classes[k - 1]``).
        sigmas: the Gaussian blurs of :func:`pixel_features`.
        max_pixels: at most this many painted pixels train each fit (drawn at random, seeded).
        seed: the draw of pixels.

    Example: see the module.
    """

    def __init__(self, estimator: Any, classes: Sequence[Any], sigmas: Sequence[float] = (1.0, 2.0, 4.0),
                 max_pixels: int = 20_000, seed: int | None = 0):
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(f"{type(estimator).__name__} has no predict_proba: give a probabilistic classifier")
        self.estimator, self.classes = estimator, list(classes)
        self.sigmas, self.max_pixels, self.seed = tuple(sigmas), int(max_pixels), seed
        self.model_: Any = None

    def fit(self, images: Sequence[Any], masks: Sequence[Any]) -> PixelClassifier:
        """Train on the painted pixels (label > 0) of every image."""
        from sklearn.base import clone

        checked = _checked_masks(images, masks, len(self.classes))
        X, y = [], []
        for n, (image, mask) in enumerate(zip(images, checked)):
            painted = mask.ravel() > 0
            if painted.any():
                X.append(pixel_features(image, self.sigmas, name=f"image {n}")[painted])
                y.append(mask.ravel()[painted])
        features, labels = np.concatenate(X), np.concatenate(y)
        if len(labels) > self.max_pixels:
            keep = np.random.default_rng(self.seed).choice(len(labels), self.max_pixels, replace=False)
            features, labels = features[keep], labels[keep]
        only = np.unique(labels)
        self.model_ = _OneLabel(int(only[0])) if len(only) == 1 else clone(self.estimator).fit(features, labels)
        return self

    def predict_proba(self, images: Sequence[Any]) -> list[np.ndarray]:
        """One ``(len(classes), H, W)`` map per image (a class no painted pixel showed yet: 0)."""
        if self.model_ is None:
            raise RuntimeError("PixelClassifier: call fit first")
        out = []
        for n, image in enumerate(images):
            h, w = np.asarray(to_numpy(image)).shape[:2]
            p = self.model_.predict_proba(pixel_features(image, self.sigmas, name=f"image {n}"))
            maps = np.zeros((len(self.classes), h, w))
            for j, label in enumerate(self.model_.classes_):
                maps[int(label) - 1] = p[:, j].reshape(h, w)
            out.append(maps)
        return out


class TorchSegmenter:
    """A torch module as a segmenter for ``MaskTask``: ``module(x)`` maps ``(B, channels, H, W)``
    float images in [0, 1] to ``(B, len(classes), H, W)`` logits.

    Each ``fit`` starts again from the module's weights as they were when the adapter was made (so a
    round's model depends on its labels, not on the rounds before) and takes ``steps`` Adam steps on
    random batches of the labelled images, cross-entropy over the painted pixels only.

    Args:
        module: the network (``torch.nn.Module``).
        classes: the canvas's classes (label ``k`` is ``classes[k - 1]``).
        steps, batch_size, lr: the training.
        seed: the batches' draws and the module's own (dropout), on a fork of torch's generator
            (None: dropout draws from the session's generator).
        threads: CPU threads while training and predicting (None: torch's setting).

    Example:
        >>> import torch
        >>> seg = TorchSegmenter(torch.nn.Conv2d(1, 2, 3, padding=1), ["background", "square"], steps=50)
        >>> image = np.zeros((8, 8), dtype=np.uint8); image[2:6, 2:6] = 255
        >>> mask = np.zeros((8, 8), dtype=np.int64); mask[0, 0] = 1; mask[3, 3] = 2
        >>> int(seg.fit([image], [mask]).predict_proba([image])[0].argmax(axis=0)[4, 4])
        1
    """

    def __init__(self, module: Any, classes: Sequence[Any], steps: int = 200, batch_size: int = 8, lr: float = 3e-3,
                 seed: int | None = 0, threads: int | None = None):
        import torch

        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"module must be a torch.nn.Module, not {type(module).__name__}")
        self.module, self.classes = module, list(classes)
        self.steps, self.batch_size, self.lr = int(steps), int(batch_size), float(lr)
        self.seed, self.threads = seed, threads
        self._initial = copy.deepcopy(module.state_dict())

    def _batch(self, images: Sequence[Any]) -> Any:
        import torch

        arrays = [_as_float_image(im, f"image {n}") for n, im in enumerate(images)]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"TorchSegmenter needs images of one size and channel count, got {sorted(shapes)[:3]}")
        return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()

    def _logits(self, x: Any) -> Any:
        out = self.module(x)
        want = (x.shape[0], len(self.classes), x.shape[2], x.shape[3])
        if tuple(out.shape) != want:
            raise ValueError(f"the module gave logits of shape {tuple(out.shape)}, expected (B, classes, H, W) = {want}")
        return out

    def fit(self, images: Sequence[Any], masks: Sequence[Any]) -> TorchSegmenter:
        """Train from the initial weights on the painted pixels (label > 0)."""
        import torch

        from ..demo.torch_threads import seeded_torch, torch_threads

        checked = _checked_masks(images, masks, len(self.classes))
        keep = [n for n, m in enumerate(checked) if (m > 0).any()]
        x = self._batch([images[n] for n in keep])
        y = torch.from_numpy(np.stack([checked[n] for n in keep]) - 1)  # unlabelled: -1, ignored
        # dropout in the module is seeded on a fork of torch's generator (the session's is left alone)
        with torch_threads(self.threads), seeded_torch(self.seed):
            self.module.load_state_dict(self._initial)
            self.module.train()
            generator = torch.Generator().manual_seed(0 if self.seed is None else int(self.seed))
            optimiser = torch.optim.Adam(self.module.parameters(), lr=self.lr)
            for _ in range(self.steps):
                pick = torch.randperm(len(keep), generator=generator)[: self.batch_size]
                loss = torch.nn.functional.cross_entropy(self._logits(x[pick]), y[pick], ignore_index=-1)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
        return self

    def predict_proba(self, images: Sequence[Any]) -> list[np.ndarray]:
        """One ``(len(classes), H, W)`` softmax map per image."""
        import torch

        from ..demo.torch_threads import torch_threads

        if not len(images):
            return []
        x = self._batch(images)
        out: list[np.ndarray] = []
        with torch_threads(self.threads), torch.no_grad():
            self.module.eval()
            for start in range(0, len(x), 32):
                out.extend(torch.softmax(self._logits(x[start : start + 32]), dim=1).double().numpy())
        return out
