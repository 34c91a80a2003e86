"""The demo's torch dual encoder (hitl_widgets.demo.dual_encoder): PairTask's interface, seeded, learns."""
from __future__ import annotations

# torch is installed by the test setup: DualEncoder imports it when built, so a missing torch fails, never skips
import numpy as np
import pytest

from hitl_widgets.active.task_loop import TaskLoop
from hitl_widgets.active.tasks import PairTask
from hitl_widgets.demo.dual_encoder import (
    CAPTION_VOCABULARY,
    PHRASES,
    REGION_FEATURES,
    DualEncoder,
    caption_phrases,
    caption_words,
    region_features,
)
from hitl_widgets.demo.scenes import make_scenes
from hitl_widgets.store import AnnotationStore


@pytest.fixture(scope="module")
def pairs():
    images, scenes = make_scenes(100, seed=4, size=48, n_objects=(1, 2))
    return images, [s.description() for s in scenes]


def test_every_caption_word_is_in_the_vocabulary(pairs):
    _, texts = pairs
    assert {w for t in texts for w in caption_words(t)} <= set(CAPTION_VOCABULARY)


def test_caption_phrases_bind_counts_colours_and_shapes():
    assert caption_phrases("A picture of two red circles and one blue square. The blue square is left of the red circle.") == [
        ("red circle", 2.0), ("blue square", 1.0)]
    assert caption_phrases("a yellow triangle") == [("yellow triangle", 1.0)]
    assert caption_phrases("green") == [] and {p for p, _ in caption_phrases("three green squares")} <= set(PHRASES)


def test_region_features_count_each_colour_slot(pairs):
    images, texts = pairs
    f = region_features(images[0]).reshape(4, 5)
    assert f.shape == (4, 5) and REGION_FEATURES == 20
    # the last column of each colour slot counts that colour's regions: the caption's objects
    assert f[:, 4].sum() == sum(w for _, w in caption_phrases(texts[0]))


def test_fit_is_seeded(pairs):
    images, texts = pairs
    a = DualEncoder(steps=50, seed=1).fit(images[:40], texts[:40])
    b = DualEncoder(steps=50, seed=1).fit(images[:40], texts[:40])
    S = a.similarity(images, texts[:40])
    assert S.shape == (40, 100) and np.array_equal(S, b.similarity(images, texts[:40]))
    assert np.all(np.abs(S) <= 1 + 1e-6)  # cosine similarities
    other = DualEncoder(steps=50, seed=2).fit(images[:40], texts[:40]).similarity(images, texts[:40])
    assert not np.array_equal(S, other)



def test_fit_leaves_the_sessions_random_state_alone(pairs):
    # a fit seeds its own towers; the user's next torch draw is the one it would have been without it
    import torch

    images, texts = pairs
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    DualEncoder(steps=5, seed=1).fit(images[:10], texts[:10])
    assert torch.equal(torch.rand(3), expected)

@pytest.mark.parametrize("n, least", [(20, 0.1), (40, 0.4)])
def test_it_learns_from_tens_of_pairs(n, least):
    # the benchmark's kind of scenes (2-4 objects, 64 px), on seeds it never uses: held-out captions
    # against a gallery of 240 images, where chance is 1/240 = 0.004
    images, scenes = make_scenes(240, seed=7, n_objects=(2, 4))
    texts = [s.description() for s in scenes]
    S = DualEncoder(seed=0).fit(images[:n], texts[:n]).similarity(images, texts[160:])
    recall = np.mean(S.argmax(axis=1) == np.arange(160, 240))
    assert recall > least, recall


def test_bad_input_is_refused(pairs):
    images, texts = pairs
    with pytest.raises(RuntimeError, match="fit the dual encoder"):
        DualEncoder().similarity(images[:2], texts[:2])
    with pytest.raises(ValueError, match="at least 2 matched pairs: 3 images and 2 texts"):
        DualEncoder().fit(images[:3], texts[:2])
    with pytest.raises(ValueError, match=r"images must be \(N, H, W, 3\)"):
        DualEncoder().fit(images[:2, :, :, 0], texts[:2])
    with pytest.raises(ValueError, match="batch_size >= 2"):
        DualEncoder(batch_size=1)


def test_runs_in_the_pairs_loop(pairs):
    images, texts = pairs
    loop = TaskLoop(DualEncoder(steps=60), texts[:60], PairTask(images, k=6), batch_size=5, initial={i: i for i in range(10)},
                    test=(texts[60:], list(range(60, 100))), store=AnnotationStore(":memory:"), background=False, progress=False)
    history = loop.simulate(list(range(60)), budget=20)
    assert history["n_labels"].tolist() == [10, 15, 20] and history["recall@1"].between(0, 1).all()
    assert loop.strategy_used == "shown_random"  # "default" means the strategy chosen for this model (its default_strategy)
