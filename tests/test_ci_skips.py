"""tests/ci_skips.py: under CI, a skip for a missing test dependency is a failure; elsewhere a skip."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

MODULE = '''
import pytest
coco = pytest.importorskip("pycocotools_not_installed_here")  # not in the test extra: may skip
def test_anything():
    pass
'''
TORCH = '''
import sys, pytest
sys.modules["torch"] = None  # as if torch were not installed

def test_needs_torch():
    pytest.importorskip("torch")

def test_fine():
    pass
'''
MODULE_LEVEL = '''
import sys, pytest
sys.modules["pycocotools"] = None
coco = pytest.importorskip("pycocotools.mask")

def test_never_collected():
    pass
'''


def run(tmp_path: Path, ci: bool) -> str:
    """pytest over the three cases, with or without CI; its report (-rA: one line per outcome)."""
    for name, source in (("test_torch.py", TORCH), ("test_module_level.py", MODULE_LEVEL), ("test_other.py", MODULE)):
        (tmp_path / name).write_text(source)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "ci_skips", "-p", "no:cacheprovider", "-c", os.devnull, "--continue-on-collection-errors",
         "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    return out.stdout + out.stderr


def test_a_skip_for_a_missing_test_dependency_fails_only_under_ci(tmp_path):
    text = run(tmp_path, ci=False)
    assert "FAILED" not in text and "ERROR" not in text, text
    assert "SKIPPED [1] test_torch.py" in text and "PASSED test_torch.py::test_fine" in text, text
    assert "SKIPPED [1] test_module_level.py" in text and "SKIPPED [1] test_other.py" in text, text

    text = run(tmp_path, ci=True)
    assert "FAILED test_torch.py::test_needs_torch" in text and "PASSED test_torch.py::test_fine" in text, text
    assert "torch is not installed, and under CI" in text, text
    assert "ERROR test_module_level.py" in text and "pycocotools.mask is not installed, and under CI" in text, text
    assert "SKIPPED [1] test_other.py" in text, text  # not a test dependency: still a skip
