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

from ..active.box_adapters import TorchCenterNet

__all__ = ["CenterNetDetector"]


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


class CenterNetDetector(TorchCenterNet):
    """A centre-heatmap + size detector (see the module) with ``BoxTask``'s interface: the adapter
    ``hitl_widgets.active.TorchCenterNet`` with this module's small network, made anew (seeded) at
    every fit, and left–right flips.

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

    def __init__(self, classes: Sequence[Any], steps: int = 150, batch_size: int = 16, lr: float = 5e-3,
                 width: int = 32, threshold: float = 0.05, max_boxes: int = 10, seed: int = 0,
                 threads: int | None = 1):
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 8:
            raise ValueError(f"width must be an int >= 8, not {width!r}")
        if width % 8:
            raise ValueError(f"width must be a multiple of 8 (group norms of 4 groups), not {width}")
        super().__init__(None, classes, stride=4, steps=steps, batch_size=batch_size, lr=lr, threshold=threshold,
                         max_boxes=max_boxes, flip=True, seed=seed, threads=threads)
        self.width = int(width)

    def _fresh_net(self) -> Any:
        return _module(len(self.classes), self.width)
