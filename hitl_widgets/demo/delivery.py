"""A 'vendor delivery' of images with injected problems, and the dataset it joins (offline, exact truth).

The existing dataset is scikit-learn's handwritten digits (8x8, upscaled to 32x32 grey PNG files).
The delivery holds new digits, plus: corrupt files (truncated PNGs, an empty file, missing files),
re-encoded (JPEG) and resized copies of existing digits, out-of-domain images (crops of scikit-image's
photographs, grey, 32x32) and labels outside the classes. ``truth`` says which new item is which.

Example:
    >>> import tempfile
    >>> d = vendor_delivery(tempfile.mkdtemp(), n_existing=50, n_clean=10, seed=0)
    >>> len(d.new) == len(d.labels) == 10 + sum(len(v) for v in d.truth.values())
    True
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

PHOTOS = ("astronaut", "camera", "coffee", "chelsea", "rocket", "brick", "grass", "gravel", "moon", "page")


@dataclass
class Delivery:
    """``existing`` / ``new``: file paths; ``existing_labels`` / ``labels``: digit classes (ints; a
    bad label is the str ``"eleven"`` or ``-1``); ``truth``: problem -> positions in ``new``
    ("corrupt", "duplicate", "out_of_domain", "bad_label"); ``duplicate_of``: new position -> existing position;
    ``true_labels``: the right class of each item with a bad label."""

    existing: list[str]
    existing_labels: list[int]
    new: list[str]
    labels: list
    truth: dict[str, list[int]] = field(default_factory=dict)
    duplicate_of: dict[int, int] = field(default_factory=dict)
    true_labels: dict[int, int] = field(default_factory=dict)


def _digit(img8: np.ndarray) -> np.ndarray:
    return np.kron(img8 / 16 * 255, np.ones((4, 4))).astype(np.uint8)


def vendor_delivery(folder: str | os.PathLike, *, n_existing: int = 600, n_clean: int = 120, n_corrupt: int = 6,
                    n_duplicates: int = 12, n_out_of_domain: int = 8, n_bad_labels: int = 6, seed: int = 0) -> Delivery:
    """Write the dataset and the delivery under ``folder`` (see the module)."""
    from skimage import data as skd
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(seed)
    folder = Path(folder)
    (folder / "existing").mkdir(parents=True, exist_ok=True)
    (folder / "delivery").mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    if n_existing + n_clean + n_bad_labels > len(digits.images):
        raise ValueError(f"at most {len(digits.images)} digits in all")
    order = rng.permutation(len(digits.images))
    old_idx, new_idx = order[:n_existing], order[n_existing:n_existing + n_clean + n_bad_labels]
    existing, existing_labels = [], []
    for k, i in enumerate(old_idx):
        p = folder / "existing" / f"digit_{k:05d}.png"
        Image.fromarray(_digit(digits.images[i])).save(p)
        existing.append(str(p))
        existing_labels.append(int(digits.target[i]))
    new: list[str] = []
    labels: list = []
    truth: dict[str, list[int]] = {"corrupt": [], "duplicate": [], "out_of_domain": [], "bad_label": []}
    duplicate_of: dict[int, int] = {}
    true_labels: dict[int, int] = {}

    def add(path: Path, label, kind: str | None = None) -> int:
        new.append(str(path))
        labels.append(label)
        if kind:
            truth[kind].append(len(new) - 1)
        return len(new) - 1

    for k, i in enumerate(new_idx[:n_clean]):
        p = folder / "delivery" / f"vendor_{k:05d}.png"
        Image.fromarray(_digit(digits.images[i])).save(p)
        add(p, int(digits.target[i]))
    for k, i in enumerate(new_idx[n_clean:]):  # a digit with a label outside the classes
        p = folder / "delivery" / f"vendor_label_{k:03d}.png"
        Image.fromarray(_digit(digits.images[i])).save(p)
        true_labels[add(p, "eleven" if k % 2 else -1, "bad_label")] = int(digits.target[i])
    for k, j in enumerate(rng.choice(n_existing, n_duplicates, replace=False)):  # re-encoded / resized copies
        im: Image.Image = Image.open(existing[j])
        if k % 2:
            im = im.resize((36, 36), Image.Resampling.BILINEAR)
        p = folder / "delivery" / f"vendor_copy_{k:03d}.jpg"
        im.save(p, quality=int(rng.integers(70, 95)))
        duplicate_of[add(p, existing_labels[j], "duplicate")] = int(j)
    for k in range(n_out_of_domain):  # grey 32x32 crops of photographs
        photo = np.asarray(getattr(skd, PHOTOS[k % len(PHOTOS)])())
        grey = photo if photo.ndim == 2 else (photo[..., :3] @ [0.299, 0.587, 0.114]).astype(np.uint8)
        h, w = grey.shape
        s = int(min(h, w) * rng.uniform(0.3, 0.6))
        y, x = int(rng.integers(0, h - s)), int(rng.integers(0, w - s))
        p = folder / "delivery" / f"vendor_photo_{k:03d}.png"
        Image.fromarray(grey[y:y + s, x:x + s]).resize((32, 32), Image.Resampling.BOX).save(p)
        add(p, int(rng.integers(0, 10)), "out_of_domain")
    raw = Path(new[0]).read_bytes()
    for k in range(n_corrupt):  # truncated PNGs, an empty file, missing files
        p = folder / "delivery" / f"vendor_bad_{k:03d}.png"
        if k % 3 == 0:
            p.write_bytes(raw[: len(raw) // 2])
        elif k % 3 == 1:
            p.write_bytes(b"")
        # else: never written (missing)
        add(p, int(rng.integers(0, 10)), "corrupt")
    return Delivery(existing, existing_labels, new, labels, truth, duplicate_of, true_labels)
