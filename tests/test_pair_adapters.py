"""Image–text adapters (hitl_widgets.active.pair_adapters): FeatureMatcher is a regressor from text
features to image features with cosine similarity; TorchDualEncoder trains two towers contrastively
from their initial weights on every fit; both run in TaskLoop's pairs round and refuse bad input by
name."""
from __future__ import annotations

import copy
import doctest

import numpy as np
import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import Ridge

from hitl_widgets.active import PairTask, TaskLoop, pair_adapters
from hitl_widgets.active.pair_adapters import FeatureMatcher
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.store import AnnotationStore
from torch_seeding import assert_seeded_fit

PALETTE = {"red": (220, 30, 30), "green": (30, 200, 60), "blue": (40, 60, 220), "yellow": (230, 220, 40),
           "purple": (140, 40, 170), "grey": (128, 128, 128)}


def colour_histogram(images):
    """Per image: the share of pixels nearest each palette colour (and of the light background)."""
    ref = np.array([*PALETTE.values(), (245, 245, 240)], dtype=float)
    out = []
    for im in images:
        px = np.asarray(im, dtype=float).reshape(-1, 3)
        nearest = np.argmin(((px[:, None, :] - ref[None]) ** 2).sum(axis=2), axis=1)
        out.append(np.bincount(nearest, minlength=len(ref)) / len(px))
    return np.stack(out)


def words(texts):
    return HashingVectorizer(n_features=256, alternate_sign=False).transform(texts)


@pytest.fixture(scope="module")
def captions():
    images, scenes = make_scenes(120, seed=5, n_objects=(1, 3))
    return images, [s.description() for s in scenes]


def test_the_doctests_pass():
    assert doctest.testmod(pair_adapters).failed == 0


def test_feature_matcher_is_the_cosine_of_the_regressors_prediction(captions):
    images, texts = captions
    matcher = FeatureMatcher(Ridge(alpha=1.0), colour_histogram, words).fit(list(images[:80]), texts[:80])
    ref = Ridge(alpha=1.0).fit(words(texts[:80]).toarray(), colour_histogram(images[:80]))
    predicted = ref.predict(words(texts[80:]).toarray())
    actual = colour_histogram(images[80:])
    expected = (predicted / np.linalg.norm(predicted, axis=1, keepdims=True)) @ (actual / np.linalg.norm(actual, axis=1, keepdims=True)).T
    got = matcher.similarity(list(images[80:]), texts[80:])
    assert got.shape == (40, 40)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_feature_matcher_in_the_pairs_round(captions):
    images, texts = captions
    loop = TaskLoop(FeatureMatcher(Ridge(alpha=1.0), colour_histogram, words), texts[:90], PairTask(images, k=8),
                    strategy="margin", batch_size=10, initial={i: i for i in range(10)},
                    test=(texts[90:], list(range(90, 120))), store=AnnotationStore(":memory:"), background=False,
                    progress=False)
    history = loop.simulate(list(range(90)), budget=30)
    assert history["n_labels"].tolist() == [10, 20, 30] and np.isfinite(history["recall@1"]).all()
    assert history["recall@1"].iloc[-1] > 1 / 120 * 5, "well above chance among 120 images"
    found = {t: a for t, a in loop.annotations.items() if a is not None}
    assert found and all(t == a for t, a in found.items())  # each text's own image, as the oracle said


def _towers(torch, dim=8):
    torch.manual_seed(0)
    vocab = {w: n for n, w in enumerate(PALETTE)}

    class Words(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.EmbeddingBag(len(vocab), dim)

        def forward(self, texts):
            ids = [[vocab[w] for w in t.split() if w in vocab] or [0] for t in texts]
            offsets = torch.tensor([0] + [len(i) for i in ids[:-1]]).cumsum(0)
            return self.embed(torch.tensor([i for row in ids for i in row]), offsets)

    image = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(3, 16), torch.nn.ReLU(),
                                torch.nn.Linear(16, dim))
    return image, Words()


def _solid(rng, n):
    names = list(PALETTE)
    picks = rng.integers(0, len(names), n)
    images = [np.clip(np.full((8, 8, 3), PALETTE[names[p]]) + rng.normal(0, 8, (8, 8, 3)), 0, 255).astype(np.uint8) for p in picks]
    return images, [f"a {names[p]} square" for p in picks], picks


def test_torch_dual_encoder_learns_colour_words_and_restarts_at_every_fit():
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.pair_adapters import TorchDualEncoder

    rng = np.random.default_rng(0)
    images, texts, _ = _solid(rng, 60)
    image_tower, text_tower = _towers(torch)
    fresh = (copy.deepcopy(image_tower), copy.deepcopy(text_tower))
    enc = TorchDualEncoder(image_tower, text_tower, steps=150, batch_size=16, lr=0.02, threads=1).fit(images, texts)
    references = [np.full((8, 8, 3), rgb, dtype=np.uint8) for rgb in PALETTE.values()]
    sim = enc.similarity(references, [f"a {name} square" for name in PALETTE])
    assert sim.shape == (6, 6)
    assert sim.argmax(axis=1).tolist() == list(range(6)), "each colour word finds its colour"
    # a second fit starts from the initial weights: it equals a fit of fresh copies on the same pairs
    enc.fit(images[:20], texts[:20])
    again = TorchDualEncoder(*fresh, steps=150, batch_size=16, lr=0.02, threads=1).fit(images[:20], texts[:20])
    np.testing.assert_allclose(enc.similarity(references, texts[:5]), again.similarity(references, texts[:5]), atol=1e-6)
    assert enc.similarity(references, []).shape == (0, 6)


def test_torch_dual_encoder_seeds_the_towers_dropout_and_leaves_the_session_alone():
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.pair_adapters import TorchDualEncoder

    images, texts, _ = _solid(np.random.default_rng(1), 30)
    image_tower, text_tower = _towers(torch)
    image_tower = torch.nn.Sequential(image_tower, torch.nn.Dropout(0.5))  # draws from torch's global generator

    def fitted(seed):
        enc = TorchDualEncoder(copy.deepcopy(image_tower), copy.deepcopy(text_tower), steps=20, batch_size=8, seed=seed, threads=1)
        return enc.fit(images, texts).similarity(images[:5], texts[:5])

    assert_seeded_fit(fitted)

def test_bad_pairs_and_towers_are_named():
    torch = pytest.importorskip("torch")
    from hitl_widgets.active.pair_adapters import TorchDualEncoder

    rng = np.random.default_rng(1)
    images, texts, _ = _solid(rng, 4)
    image_tower, text_tower = _towers(torch)
    enc = TorchDualEncoder(image_tower, text_tower, steps=2)
    with pytest.raises(ValueError, match="4 images but 3 texts"):
        enc.fit(images, texts[:3])
    with pytest.raises(ValueError, match="at least 2 matched pairs"):
        enc.fit(images[:1], texts[:1])
    with pytest.raises(ValueError, match="text 2 is int, not str"):
        enc.fit(images[:3], [texts[0], texts[1], 7])
    with pytest.raises(ValueError, match=r"the towers' embeddings differ in size: images 8, texts 5"):
        TorchDualEncoder(image_tower, _towers(torch, dim=5)[1], steps=1).fit(images, texts)
    with pytest.raises(TypeError, match="text_tower must be a torch.nn.Module"):
        TorchDualEncoder(image_tower, lambda texts: texts)
    with pytest.raises(ValueError, match="image 1: int32 pixels have no known range"):
        enc.fit([images[0], images[1].astype(np.int32), *images[2:]], texts)
    matcher = FeatureMatcher(Ridge(), colour_histogram, lambda texts: np.ones((len(texts) + 1, 3)))
    with pytest.raises(ValueError, match=r"text_features gave shape \(5, 3\), expected \(4, features\)"):
        matcher.fit(images, texts)
    with pytest.raises(RuntimeError, match="call fit first"):
        FeatureMatcher(Ridge(), colour_histogram, words).similarity(images, texts)
