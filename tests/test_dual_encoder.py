"""The demo's torch dual encoder (hitl_widgets.demo.dual_encoder): PairTask's interface, seeded, learns."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hitl_widgets.active.task_loop import TaskLoop  # noqa: E402
from hitl_widgets.active.tasks import PairTask  # noqa: E402
from hitl_widgets.demo.dual_encoder import CAPTION_VOCABULARY, DualEncoder, caption_words  # noqa: E402
from hitl_widgets.demo.scenes import make_scenes  # noqa: E402
from hitl_widgets.store import AnnotationStore  # noqa: E402


@pytest.fixture(scope="module")
def pairs():
    images, scenes = make_scenes(100, seed=4, size=48, n_objects=(1, 2))
    return images, [s.description() for s in scenes]


def test_every_caption_word_is_in_the_vocabulary(pairs):
    _, texts = pairs
    assert {w for t in texts for w in caption_words(t)} <= set(CAPTION_VOCABULARY)


def test_fit_is_seeded_and_learns_the_pairs(pairs):
    images, texts = pairs
    a = DualEncoder(steps=150, seed=1).fit(images[:80], texts[:80])
    b = DualEncoder(steps=150, seed=1).fit(images[:80], texts[:80])
    S = a.similarity(images[:80], texts[:80])
    assert S.shape == (80, 80) and np.array_equal(S, b.similarity(images[:80], texts[:80]))
    assert np.all(np.abs(S) <= 1 + 1e-6)  # cosine similarities
    # trained pairs: the own image ranks far above chance (chance: the top 10 of 80 holds it 1 time in 8)
    in_top10 = np.mean([i in np.argsort(-S[i])[:10] for i in range(80)])
    assert in_top10 > 0.5, in_top10
    other = DualEncoder(steps=150, seed=2).fit(images[:80], texts[:80]).similarity(images[:80], texts[:80])
    assert not np.array_equal(S, other)


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
