"""A tiny torch CNN detector with a centre/size head (CenterNet-style) for the synthetic shapes of
``hitl_widgets.demo.scenes``, trained from scratch on the CPU in seconds: the model of
``benchmarks/task_label_efficiency.py``'s ``cnn`` part, with the interface ``TaskLoop``'s ``BoxTask``
asks for.

The network: three convolutions (stride 2, stride 2, then dilated; each with a group norm and a
ReLU) to a grid of one cell per
``stride`` = 4 pixels, and a 1×1 head giving, per cell, one centre-heatmap logit per class, the box
size (w, h in cells) and the centre's offset within the cell. Training (CenterNet's losses): the
penalty-reduced focal loss against a Gaussian around each true centre's cell, plus L1 on size and
offset at the true centres; Adam, ``steps`` batches of ``batch_size`` images drawn in seeded random
order, each image flipped left–right at random (the shapes' classes are symmetric so). Decoding:
the cells whose best class value (sigmoid) is a local maximum of its 3×3 neighbourhood and at least
``threshold``, at most ``max_boxes`` of them; each gives a box of the predicted size around
(cell + offset) × stride, its class the best one, ``score`` that class's heatmap value and
``probs`` the cell's per-class heatmap values divided by their sum (a distribution over the
classes, for ``box_uncertainty``).

torch is optional for hitl_widgets: it is imported when a ``CenterNetDetector`` is made.

Example:
    >>> from hitl_widgets.demo.scenes import make_scenes
    >>> from hitl_widgets.demo.shape_models import NAMED_CLASSES, scene_boxes
    >>> images, scenes = make_scenes(30, seed=0)
    >>> detector = CenterNetDetector(NAMED_CLASSES, steps=20).fit(images[:20], scene_boxes(scenes[:20], by="name"))
    >>> list(detector.predict(images[20:21])[0].columns)
    ['x', 'y', 'w', 'h', 'class', 'score', 'probs']
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import normalise_classes, plain
from .torch_threads import torch_threads

__all__ = ["CenterNetDetector"]

_COLUMNS = ["x", "y", "w", "h", "class"]


def _module(n_classes: int, width: int) -> Any:
    import torch.nn as nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(  # group norms: steadier fits from a few images than without
                nn.Conv2d(3, width // 2, 3, 2, 1), nn.GroupNorm(4, width // 2), nn.ReLU(),
                nn.Conv2d(width // 2, width, 3, 2, 1), nn.GroupNorm(4, width), nn.ReLU(),
                nn.Conv2d(width, width, 3, 1, 2, dilation=2), nn.GroupNorm(4, width), nn.ReLU())
            self.head = nn.Conv2d(width, n_classes + 4, 1)
            with_prior: Any = self.head.bias
            with_prior.data[:n_classes] = -2.19  # CenterNet's prior: a centre in 10% of the cells at first
            with_prior.data[n_classes:] = 0.0

        def forward(self, x: Any) -> Any:
            return self.head(self.body(x))

    return Net()


class CenterNetDetector:
    """A centre-heatmap + size detector (see the module) with ``BoxTask``'s interface.

    ``fit(images, targets)``: ``(H, W, 3)`` images (an array ``(N, H, W, 3)`` or a list, all one
    size; uint8 0–255 or floats 0–1) and one box table per image (DataFrame x, y, w, h, class, as
    ``BBoxAnnotator.boxes`` gives them; an empty table: no object there). The network is trained
    from scratch, seeded: the same images, targets and seed give the same model.
    ``predict(images)`` → one DataFrame per image with x, y, w, h, class, score and probs (a
    ``(len(classes),)`` array summing to 1), best score first.

    Args:
        classes: the class names (12 for ``scene_boxes(scenes, by="name")``).
        steps: training batches. batch_size: images per batch. lr: Adam's learning rate.
        width: channels of the last convolutions (a multiple of 8). threshold, max_boxes: decoding (see the module).
        seed: the seed of the weights, the batch order and the flips.
        threads: torch threads while fitting and predicting (None: leave torch's setting).
    """

    stride = 4

    def __init__(self, classes: Sequence[Any], steps: int = 150, batch_size: int = 16, lr: float = 5e-3,
                 width: int = 32, threshold: float = 0.05, max_boxes: int = 10, seed: int = 0,
                 threads: int | None = 1):
        import torch

        self.classes = normalise_classes(classes)
        if len(self.classes) < 1:
            raise ValueError("give at least one class")
        for name, value, low in (("steps", steps, 1), ("batch_size", batch_size, 1), ("width", width, 8), ("max_boxes", max_boxes, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, not {value!r}")
        if width % 8:
            raise ValueError(f"width must be a multiple of 8 (group norms of 4 groups), not {width}")
        if not (0.0 <= float(threshold) < 1.0) or not float(lr) > 0:
            raise ValueError("threshold must be in [0, 1) and lr > 0")
        self.steps, self.batch_size, self.width, self.max_boxes = int(steps), int(batch_size), int(width), int(max_boxes)
        self.lr, self.threshold, self.seed, self.threads = float(lr), float(threshold), int(seed), threads
        self.loss_: float = float("nan")
        self._index = {c: k for k, c in enumerate(self.classes)}
        self._torch = torch
        self._net: Any = None

    # ------------------------------------------------------------------ input
    def _image_tensor(self, images: Any, what: str) -> Any:
        if isinstance(images, np.ndarray):
            arrays = list(images) if images.ndim == 4 else [images]
        else:
            arrays = [np.asarray(i) for i in images]
        if not arrays:
            raise ValueError(f"{what}: no images")
        for n, a in enumerate(arrays):
            if a.ndim != 3 or a.shape[2] != 3 or a.shape[0] < self.stride or a.shape[1] < self.stride:
                raise ValueError(f"{what}: image {n} must be (H, W, 3) with H, W >= {self.stride}, got shape {a.shape}")
            if a.shape != arrays[0].shape:
                raise ValueError(f"{what}: image {n} has shape {a.shape}, image 0 {arrays[0].shape}: give images of one size")
        a = np.stack(arrays).astype(np.float32)
        if not np.isfinite(a).all():
            raise ValueError(f"{what}: the images have NaN or infinite values")
        if a.max(initial=0.0) > 1.0:
            a = a / 255.0
        x = self._torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2)
        h, w = x.shape[2:]
        pad = ((-h) % self.stride, (-w) % self.stride)
        if any(pad):
            x = self._torch.nn.functional.pad(x, (0, pad[1], 0, pad[0]))
        return x

    def _targets(self, targets: Sequence[Any], n_images: int, grid: tuple[int, int]) -> tuple[Any, Any, Any, Any]:
        """Heatmaps (N, C, gh, gw), and per true centre: (image, row, col) indices, (w, h) and offsets in cells."""
        torch = self._torch
        targets = list(targets)
        if len(targets) != n_images:
            raise ValueError(f"fit: {n_images} images but {len(targets)} box tables")
        gh, gw = grid
        heat = np.zeros((n_images, len(self.classes), gh, gw), np.float32)
        where, size, offset = [], [], []
        rows, cols = np.mgrid[0:gh, 0:gw]
        for n, t in enumerate(targets):
            if not isinstance(t, pd.DataFrame):
                raise ValueError(f"fit: the box table of image {n} must be a DataFrame with columns {_COLUMNS}, not {type(t).__name__}")
            missing = [c for c in _COLUMNS if c not in t.columns]
            if missing:
                raise ValueError(f"fit: the box table of image {n} lacks the columns {missing}")
            for k, (x, y, w, h, c) in enumerate(zip(*(t[col] for col in _COLUMNS))):
                c = plain(c)
                if c not in self._index:
                    raise ValueError(f"fit: image {n}, box {k}: class {c!r} is not one of {self.classes[:20]}")
                try:
                    x, y, w, h = (float(v) for v in (x, y, w, h))
                except (TypeError, ValueError):
                    raise ValueError(f"fit: image {n}, box {k}: x, y, w, h must be numbers") from None
                if not np.isfinite([x, y, w, h]).all() or w <= 0 or h <= 0:
                    raise ValueError(f"fit: image {n}, box {k}: x, y, w, h must be finite with w, h > 0, got {(x, y, w, h)}")
                cx, cy = (x + w / 2) / self.stride, (y + h / 2) / self.stride
                i, j = min(max(int(cy), 0), gh - 1), min(max(int(cx), 0), gw - 1)
                sigma = max(min(w, h) / self.stride / 6, 0.5)
                g = np.exp(-((rows - i) ** 2 + (cols - j) ** 2) / (2 * sigma**2)).astype(np.float32)
                heat[n, self._index[c]] = np.maximum(heat[n, self._index[c]], g)
                where.append((n, i, j))
                size.append((w / self.stride, h / self.stride))
                offset.append((cx - j, cy - i))
        index = torch.tensor(where, dtype=torch.long).reshape(-1, 3)
        return (torch.from_numpy(heat), index, torch.tensor(size, dtype=torch.float32).reshape(-1, 2),
                torch.tensor(offset, dtype=torch.float32).reshape(-1, 2))

    # ------------------------------------------------------------------ fit
    def _loss(self, out: Any, heat: Any, index: Any, size: Any, offset: Any, flipped: Any) -> Any:
        torch = self._torch
        C = len(self.classes)
        p = torch.sigmoid(out[:, :C]).clamp(1e-4, 1 - 1e-4)
        pos = heat.eq(1).float()
        neg = (1 - heat) ** 4
        focal = -(pos * (1 - p) ** 2 * torch.log(p) + (1 - pos) * neg * p**2 * torch.log(1 - p)).sum()
        loss = focal / max(float(pos.sum()), 1.0)
        if len(index):
            n, i, j = index.unbind(1)
            reg = out[n, C:, i, j]  # (boxes, 4): w, h, dx, dy
            dx = torch.where(flipped, 1 - offset[:, 0], offset[:, 0])
            loss = loss + 0.1 * (reg[:, :2] - size).abs().mean() + (reg[:, 2] - dx).abs().mean() + (reg[:, 3] - offset[:, 1]).abs().mean()
        return loss

    def fit(self, images: Any, targets: Sequence[Any]) -> CenterNetDetector:
        torch = self._torch
        x = self._image_tensor(images, "fit")
        gh, gw = x.shape[2] // self.stride, x.shape[3] // self.stride
        heat, index, size, offset = self._targets(targets, len(x), (gh, gw))
        with torch_threads(self.threads):
            generator = torch.Generator().manual_seed(self.seed)
            torch.manual_seed(self.seed)
            self._net = _module(len(self.classes), self.width)
            optimiser = torch.optim.Adam(self._net.parameters(), lr=self.lr)
            n = len(x)
            order = torch.cat([torch.randperm(n, generator=generator) for _ in range(-(-self.steps * self.batch_size // n))])
            self._net.train()
            for step in range(self.steps):
                batch = order[step * self.batch_size: (step + 1) * self.batch_size]
                flip = torch.rand(len(batch), generator=generator) < 0.5
                xb, hb = x[batch].clone(), heat[batch].clone()
                xb[flip] = xb[flip].flip(-1)
                hb[flip] = hb[flip].flip(-1)
                # the true centres of the batch's images, renumbered, their columns mirrored where flipped
                at = {int(b): k for k, b in enumerate(batch)}
                keep = torch.tensor([int(m) in at for m in index[:, 0]], dtype=torch.bool)
                ib = index[keep].clone()
                if len(ib):
                    ib[:, 0] = torch.tensor([at[int(m)] for m in ib[:, 0]])
                    fb = flip[ib[:, 0]]
                    ib[:, 2] = torch.where(fb, gw - 1 - ib[:, 2], ib[:, 2])
                else:
                    fb = torch.zeros(0, dtype=torch.bool)
                loss = self._loss(self._net(xb), hb, ib, size[keep], offset[keep], fb)
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                self.loss_ = float(loss.detach())
            self._net.eval()
        return self

    # ------------------------------------------------------------------ predict
    def heatmaps(self, images: Any) -> np.ndarray:
        """The centre heatmaps (sigmoid), ``(N, len(classes), H / stride, W / stride)``."""
        out = self._forward(self._image_tensor(images, "heatmaps"))
        return out[:, : len(self.classes)].sigmoid().numpy()

    def _forward(self, x: Any) -> Any:
        if self._net is None:
            raise RuntimeError("fit the CNN detector on some labelled images first")
        with torch_threads(self.threads), self._torch.no_grad():
            return self._net(x)

    def predict(self, images: Any) -> list[pd.DataFrame]:
        torch = self._torch
        if self._net is None:
            raise RuntimeError("fit the CNN detector on some labelled images first")
        arrays = list(images) if not isinstance(images, np.ndarray) or images.ndim == 4 else [images]
        if not arrays:
            return []
        shapes = {np.asarray(a).shape for a in arrays}
        groups = [list(range(len(arrays)))] if len(shapes) == 1 else [[n] for n in range(len(arrays))]
        out: list[pd.DataFrame] = [pd.DataFrame()] * len(arrays)
        C = len(self.classes)
        for group in groups:
            raw = self._forward(self._image_tensor([arrays[n] for n in group], "predict"))
            heat = raw[:, :C].sigmoid()
            best, _ = heat.max(dim=1)  # (N, gh, gw)
            peak = best.eq(torch.nn.functional.max_pool2d(best[:, None], 3, 1, 1)[:, 0]) & (best >= self.threshold)
            for g, n in enumerate(group):
                h, w = np.asarray(arrays[n]).shape[:2]
                cells = peak[g].nonzero().numpy()
                scores = best[g][peak[g]].numpy()
                order = np.argsort(-scores, kind="stable")[: self.max_boxes]
                rows = []
                for i, j in cells[order]:
                    values = heat[g, :, i, j].numpy().astype(np.float64)
                    bw, bh, dx, dy = (float(v) for v in raw[g, C:, i, j])
                    bw, bh = max(bw, 0.25) * self.stride, max(bh, 0.25) * self.stride
                    cx, cy = (j + dx) * self.stride, (i + dy) * self.stride
                    x0, y0 = min(max(cx - bw / 2, 0.0), w - 1.0), min(max(cy - bh / 2, 0.0), h - 1.0)
                    k = int(values.argmax())
                    rows.append((x0, y0, min(bw, w - x0), min(bh, h - y0), self.classes[k], float(values[k]), values / values.sum()))
                out[n] = pd.DataFrame(rows, columns=[*_COLUMNS, "score", "probs"]) if rows else pd.DataFrame(
                    {"x": np.zeros(0), "y": np.zeros(0), "w": np.zeros(0), "h": np.zeros(0),
                     "class": np.zeros(0, object), "score": np.zeros(0), "probs": np.zeros(0, object)})
        return out
