"""Detectors for ``TaskLoop(..., "boxes")`` from a scikit-learn classifier or a torch network.

``BoxTask`` asks a model for ``fit(images, box_tables)`` (DataFrames x, y, w, h, class: the form of
``BBoxAnnotator.boxes``) and ``predict(images)`` → one table per image with x, y, w, h, class,
score and ``probs`` (each box's distribution over the classes, whose entropy the box strategies
read). These adapters provide them:

* :class:`RegionDetector` — region proposals (your function, or :func:`connected_regions` of the
  pixels that differ from a background colour) classed by any scikit-learn classifier, with
  "no object" as one more class (a proposal no true box covers at IoU ≥ 0.5);
* :class:`TorchCenterNet` — your torch network trained with CenterNet's losses: it maps
  ``(B, 3, H, W)`` images in [0, 1] to ``(B, len(classes) + 4, H / stride, W / stride)``: per cell a
  centre-heatmap logit per class, then the box's width and height (in cells) and its centre's
  offset within the cell.

Example:
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> image = np.full((16, 16, 3), 255, dtype=np.uint8); image[2:6, 3:9] = (200, 0, 0); image[9:14, 9:12] = (0, 0, 200)
    >>> truth = pd.DataFrame({"x": [3, 9], "y": [2, 9], "w": [6, 3], "h": [4, 5], "class": ["red", "blue"]})
    >>> detector = RegionDetector(LogisticRegression(), ["red", "blue"], propose=connected_regions((255, 255, 255)))
    >>> detector.fit([image], [truth]).predict([image])[0][["x", "y", "w", "h", "class"]].values.tolist()
    [[3.0, 2.0, 6.0, 4.0, 'red'], [9.0, 9.0, 3.0, 5.0, 'blue']]
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..coerce import normalise_classes, plain, unit_pixels

__all__ = ["RegionDetector", "TorchCenterNet", "connected_regions", "label_regions", "region_features"]

_COLUMNS = ["x", "y", "w", "h", "class"]
NO_OBJECT = "__no_object__"


# --------------------------------------------------------------------------- region proposals
def connected_regions(background: Sequence[float], tolerance: float = 30.0) -> ConnectedRegions:
    """A proposer: the connected regions of pixels farther than ``tolerance`` (in any channel) from
    the ``background`` colour, each with 7 features (mean colour in [0, 1], the share of its box it
    fills, its width in the top and bottom thirds, their difference). It pickles (a detector using
    it can go to Dask workers or to disk).

    Example:
        >>> image = np.zeros((6, 6, 3), dtype=np.uint8); image[1:3, 1:4] = 255
        >>> boxes, features = connected_regions((0, 0, 0))(image)
        >>> boxes.tolist(), features.shape
        ([[1.0, 1.0, 3.0, 2.0]], (1, 7))
    """
    return ConnectedRegions(tuple(float(c) for c in background), float(tolerance))


class ConnectedRegions:
    """The proposer :func:`connected_regions` makes: ``image -> (boxes (K, 4), features (K, 7))``."""

    def __init__(self, background: tuple[float, ...], tolerance: float):
        self.background, self.tolerance = background, tolerance

    def __repr__(self) -> str:
        return f"connected_regions({self.background}, tolerance={self.tolerance})"

    def __call__(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        boxes, feats, _ = self.regions(image)
        return boxes, feats

    def regions(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The image's regions: boxes ``(x, y, w, h)``, their 7 features, and the label map (region
        ``k`` of the boxes is ``k + 1`` there, 0 the background)."""
        img = np.asarray(image)
        labels, slices = label_regions(img, self.background, self.tolerance)
        boxes, feats = [], []
        for k, where in enumerate(slices, start=1):
            if where is None:
                continue
            ys, xs = where
            boxes.append((xs.start, ys.start, xs.stop - xs.start, ys.stop - ys.start))
            feats.append(region_features(img, labels[where] == k, where))
        return np.array(boxes, float).reshape(-1, 4), np.array(feats).reshape(-1, 7), labels


def label_regions(image: Any, background: Sequence[float], tolerance: float = 30.0) -> tuple[np.ndarray, list]:
    """The label map of the connected regions of pixels farther than ``tolerance`` from the
    ``background`` colour (region ``k`` is ``k``, background 0) and each region's slices.

    Example:
        >>> image = np.zeros((4, 4, 3), dtype=np.uint8); image[0, 0] = image[3, 3] = 255
        >>> labels, slices = label_regions(image, (0, 0, 0))
        >>> int(labels.max()), len(slices)
        (2, 2)
    """
    from scipy import ndimage

    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {img.shape}")
    labels, _ = ndimage.label(np.abs(img.astype(np.int16) - np.asarray(background, dtype=np.int16)).max(axis=2) > tolerance)
    return labels, list(ndimage.find_objects(labels))


def region_features(image: np.ndarray, region: np.ndarray, where: tuple[slice, slice]) -> np.ndarray:
    """A region's 7 features (see :func:`connected_regions`); ``region`` is its mask inside its box."""
    h, w = region.shape
    colour = image[where][region].mean(axis=0) / 255.0
    rows = region.sum(axis=1)
    top, bottom = rows[: max(1, h // 3)].mean() / w, rows[-max(1, h // 3):].mean() / w
    return np.array([*colour, region.mean(), top, bottom, bottom - top])


def _checked_table(table: Any, n: int, classes: Sequence[Any]) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"fit: the box table of image {n} must be a DataFrame with columns {_COLUMNS}, not {type(table).__name__}")
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"fit: the box table of image {n} lacks the columns {missing}")
    known = set(classes)
    for k, c in enumerate(table["class"]):
        if plain(c) not in known:
            raise ValueError(f"fit: image {n}, box {k}: class {plain(c)!r} is not one of {list(classes)[:20]}")
    return table


class RegionDetector:
    """Region proposals classed by a scikit-learn classifier, for ``BoxTask``.

    Args:
        estimator: a scikit-learn classifier with ``predict_proba`` (cloned at each fit).
        classes: the class names.
        propose: ``image -> (boxes (K, 4) as x, y, w, h; features (K, F))``, e.g.
            :func:`connected_regions`.
        iou: a proposal learns the class of the true box it overlaps at least this much, else
            "no object".

    ``predict`` leaves out the proposals it takes for "no object"; ``score`` is the box's class
    probability and ``probs`` its probabilities over ``classes`` (renormalised without "no object").
    When every labelled proposal has one class, no estimator is fitted: that class has probability 1.
    """

    def __init__(self, estimator: Any, classes: Sequence[Any], propose: Callable[[np.ndarray], tuple[Any, Any]],
                 iou: float = 0.5):
        if not hasattr(estimator, "predict_proba"):
            raise TypeError(f"{type(estimator).__name__} has no predict_proba: give a probabilistic classifier")
        if not callable(propose):
            raise TypeError("propose must be a function image -> (boxes, features)")
        self.estimator, self.classes, self.propose, self.iou = estimator, normalise_classes(classes), propose, float(iou)
        self.model_: Any = None
        self._only: Any = None
        # each name's code for the classifier: its rank among classes + [NO_OBJECT] sorted as text
        # (the order a classifier would sort those names in if they were all text)
        names = [*self.classes, NO_OBJECT]
        order = sorted(range(len(names)), key=lambda j: str(names[j]))
        self._codes: dict[Any, int] = {names[j]: rank for rank, j in enumerate(order)}

    def _proposals(self, image: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
        boxes, feats = self.propose(np.asarray(image))
        boxes, feats = np.asarray(boxes, dtype=float).reshape(-1, 4), np.asarray(feats, dtype=float)
        feats = feats.reshape(len(boxes), -1)
        if not (np.isfinite(boxes).all() and np.isfinite(feats).all()):
            raise ValueError(f"image {n}: propose gave NaN or infinite boxes or features")
        return boxes, feats

    def fit(self, images: Sequence[Any], targets: Sequence[Any]) -> RegionDetector:
        """Learn each proposal's class from the true box it overlaps (``iou``), else "no object"."""
        from ..metrics.geometry import box_iou

        if len(images) != len(targets):
            raise ValueError(f"fit: {len(images)} images but {len(targets)} box tables")
        X, y = [], []
        for n, (image, table) in enumerate(zip(images, targets)):
            table = _checked_table(table, n, self.classes)
            boxes, feats = self._proposals(image, n)
            truth = table[["x", "y", "w", "h"]].to_numpy(float) if len(table) else np.zeros((0, 4))
            overlap = box_iou(boxes, truth)
            for k in range(len(boxes)):
                best = int(np.argmax(overlap[k])) if truth.size else -1
                X.append(feats[k])
                y.append(plain(table["class"].iloc[best]) if best >= 0 and overlap[k, best] >= self.iou else NO_OBJECT)
        return self.fit_rows(np.array(X).reshape(len(X), -1), y)

    def fit_rows(self, X: np.ndarray, y: Sequence[Any]) -> RegionDetector:
        """Fit the classifier on proposals' features ``X`` and their classes ``y`` (a class, or
        ``NO_OBJECT``): what ``fit`` does once it has matched proposals to true boxes. The
        classifier learns codes, so classes of any type (numbers too) sit beside "no object"."""
        from sklearn.base import clone

        if not len(y):
            raise ValueError("nothing to learn from: no labelled region")
        codes = self._codes
        unknown = [c for c in y if c not in codes]
        if unknown:
            raise ValueError(f"fit_rows: class {plain(unknown[0])!r} is not one of {list(self.classes)[:20]} or NO_OBJECT")
        if len(set(y)) == 1:
            self.model_, self._only = None, y[0]
        else:
            self.model_, self._only = clone(self.estimator).fit(X, [codes[c] for c in y]), None
        return self

    def proba(self, X: np.ndarray) -> np.ndarray:
        """Probabilities over ``classes + [NO_OBJECT]`` for proposals' features ``X``."""
        names = [*self.classes, NO_OBJECT]
        out = np.zeros((len(X), len(names)))
        if self.model_ is None and self._only is None:
            raise RuntimeError("RegionDetector: call fit first")
        if self.model_ is None:
            out[:, names.index(self._only)] = 1.0
            return out
        column = {code: names.index(name) for name, code in self._codes.items()}
        p = self.model_.predict_proba(X)
        for j, code in enumerate(self.model_.classes_):
            out[:, column[int(code)]] = p[:, j]
        return out

    def predict(self, images: Sequence[Any]) -> list[pd.DataFrame]:
        if self.model_ is None and self._only is None:
            raise RuntimeError("RegionDetector: call fit first")
        names = [*self.classes, NO_OBJECT]
        out = []
        for n, image in enumerate(images):
            boxes, feats = self._proposals(image, n)
            p = self.proba(feats) if len(feats) else np.zeros((0, len(names)))
            best = p.argmax(axis=1) if len(p) else np.zeros(0, int)
            keep = [k for k in range(len(boxes)) if names[best[k]] != NO_OBJECT]
            C = len(self.classes)
            out.append(pd.DataFrame({
                "x": boxes[keep, 0] if keep else [], "y": boxes[keep, 1] if keep else [],
                "w": boxes[keep, 2] if keep else [], "h": boxes[keep, 3] if keep else [],
                "class": [names[best[k]] for k in keep], "score": [float(p[k, best[k]]) for k in keep],
                "probs": [p[k, :C] / max(p[k, :C].sum(), 1e-12) for k in keep],
            }))
        return out


# --------------------------------------------------------------------------- CenterNet
class TorchCenterNet:
    """A torch network trained and decoded as CenterNet, for ``BoxTask``.

    Training: the penalty-reduced focal loss against a Gaussian around each true centre's cell,
    plus L1 on size (weight 0.1) and offset at the true centres; Adam, ``steps`` batches of
    ``batch_size`` images drawn in seeded random order (each flipped left–right at random when
    ``flip``: only for classes that are symmetric so). Each ``fit`` starts again from the network's
    weights as they were when the adapter was made. Decoding: the cells whose best class value
    (sigmoid) is a local maximum of its 3×3 neighbourhood and at least ``threshold``, at most
    ``max_boxes``; each gives a box of the predicted size around (cell + offset) × stride, its class
    the best one, ``score`` that class's value and ``probs`` the cell's class values over their sum.

    Args:
        module: ``(B, 3, H, W)`` → ``(B, len(classes) + 4, H / stride, W / stride)`` (images padded
            to a multiple of ``stride``).
        classes: the class names. stride: pixels per output cell.
        steps, batch_size, lr: the training. threshold, max_boxes: the decoding. flip: augmentation.
        seed: the batch order and flips. threads: CPU threads (None: torch's setting).

    ``hitl_widgets.demo.cnn_detector.CenterNetDetector`` is this adapter with a small network.
    """

    def __init__(self, module: Any, classes: Sequence[Any], stride: int = 4, steps: int = 150, batch_size: int = 16,
                 lr: float = 5e-3, threshold: float = 0.05, max_boxes: int = 10, flip: bool = False, seed: int = 0,
                 threads: int | None = None):
        import torch

        self.classes = normalise_classes(classes)
        if len(self.classes) < 1:
            raise ValueError("give at least one class")
        for name, value, low in (("steps", steps, 1), ("batch_size", batch_size, 1), ("max_boxes", max_boxes, 1), ("stride", stride, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValueError(f"{name} must be an int >= {low}, not {value!r}")
        if not (0.0 <= float(threshold) < 1.0) or not float(lr) > 0:
            raise ValueError("threshold must be in [0, 1) and lr > 0")
        if module is not None and not isinstance(module, torch.nn.Module):
            raise TypeError(f"module must be a torch.nn.Module, not {type(module).__name__}")
        self.module: Any = module  # None: a subclass makes its network in _fresh_net
        self._initial: Any = copy.deepcopy(module.state_dict()) if module is not None else None
        self.stride, self.steps, self.batch_size, self.max_boxes = int(stride), int(steps), int(batch_size), int(max_boxes)
        self.lr, self.threshold, self.flip, self.seed, self.threads = float(lr), float(threshold), bool(flip), int(seed), threads
        self.loss_: float = float("nan")
        self._index = {c: k for k, c in enumerate(self.classes)}
        self._torch = torch
        self._net: Any = None

    def _fresh_net(self) -> Any:
        """The network with its initial weights (called after ``torch.manual_seed(seed)``)."""
        self.module.load_state_dict(self._initial)
        return self.module

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
        a = np.stack([unit_pixels(a, f"{what}: image {n}") for n, a in enumerate(arrays)])
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
            t = _checked_table(t, n, self.classes)
            for k, (x, y, w, h, c) in enumerate(zip(*(t[col] for col in _COLUMNS))):
                c = plain(c)
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
    def _checked(self, out: Any, x: Any) -> Any:
        want = (x.shape[0], len(self.classes) + 4, x.shape[2] // self.stride, x.shape[3] // self.stride)
        if tuple(out.shape) != want:
            raise ValueError(f"the network gave shape {tuple(out.shape)}, expected (B, classes + 4, H / stride, W / stride) = {want}")
        return out

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

    def fit(self, images: Any, targets: Sequence[Any]) -> TorchCenterNet:
        """Train from the initial weights on the images and their box tables (an empty table: no object)."""
        from ..demo.torch_threads import seeded_torch, torch_threads

        torch = self._torch
        x = self._image_tensor(images, "fit")
        gh, gw = x.shape[2] // self.stride, x.shape[3] // self.stride
        heat, index, size, offset = self._targets(targets, len(x), (gh, gw))
        # seeded inside a fork of torch's global CPU generator (as TorchAdapter does): a fit is
        # repeatable (dropout, a subclass's fresh network) and leaves the session's own random state
        # as it was; draws another thread makes from that generator during a fit (TaskLoop's
        # background retrain) are undone with it
        with torch_threads(self.threads), seeded_torch(self.seed):
            generator = torch.Generator().manual_seed(self.seed)
            self._net = self._fresh_net()
            optimiser = torch.optim.Adam(self._net.parameters(), lr=self.lr)
            n = len(x)
            order = torch.cat([torch.randperm(n, generator=generator) for _ in range(-(-self.steps * self.batch_size // n))])
            self._net.train()
            for step in range(self.steps):
                batch = order[step * self.batch_size: (step + 1) * self.batch_size]
                flip = (torch.rand(len(batch), generator=generator) < 0.5) if self.flip else torch.zeros(len(batch), dtype=torch.bool)
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
                loss = self._loss(self._checked(self._net(xb), xb), hb, ib, size[keep], offset[keep], fb)
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
        from ..demo.torch_threads import torch_threads

        if self._net is None:
            raise RuntimeError(f"fit the {type(self).__name__} on some labelled images first")
        with torch_threads(self.threads), self._torch.no_grad():
            return self._checked(self._net(x), x)

    def predict(self, images: Any) -> list[pd.DataFrame]:
        torch = self._torch
        if self._net is None:
            raise RuntimeError(f"fit the {type(self).__name__} on some labelled images first")
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
