"""hitl_widgets.demo.torch_threads: the demo models' thread setting is set for a block and restored."""
import doctest

import pytest

torch = pytest.importorskip("torch")

from hitl_widgets.demo import torch_threads as module  # noqa: E402
from hitl_widgets.demo.torch_threads import torch_threads  # noqa: E402


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_sets_then_restores(two_threads):
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == 2


def test_none_leaves_torch_setting(two_threads):
    with torch_threads(None):
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == 2


def test_restored_when_the_block_raises(two_threads):
    with pytest.raises(ZeroDivisionError), torch_threads(1):
        raise ZeroDivisionError("inside the block")
    assert torch.get_num_threads() == 2


def test_models_run_on_their_threads_and_restore(two_threads):
    from hitl_widgets.demo.dual_encoder import DualEncoder
    from hitl_widgets.demo.scenes import make_scenes

    images, scenes = make_scenes(12, seed=0, size=48)
    texts = [s.description() for s in scenes]
    seen = []
    model = DualEncoder(steps=2, threads=1)
    real = model._text_tensors

    def spy(x):
        seen.append(torch.get_num_threads())
        return real(x)

    model._text_tensors = spy
    model.fit(images[:8], texts[:8]).similarity(images[8:], texts[8:])
    # two training steps, then the texts embedded
    assert seen == [1, 1, 1] and torch.get_num_threads() == 2


def test_docstring_example():
    assert doctest.testmod(module).failed == 0
