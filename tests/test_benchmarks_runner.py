"""`python -m benchmarks`: runs every benchmarks/*.py script and writes BENCHMARKS.md.

The runner is pointed at a temporary folder of tiny fake scripts (one fine and taking --quick, one
failing, one too slow), so these tests check its behaviour, not the real benchmarks' figures.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[1] / "benchmarks" / "__main__.py"

FINE = '''"""Fine benchmark: prints a table."""
import argparse
p = argparse.ArgumentParser(); p.add_argument("--quick", action="store_true")
a = p.parse_args()
print("median 1.0 ms", "quick" if a.quick else "full")
'''
BROKEN = '''"""Broken benchmark."""
import sys
print("half a table")
sys.exit("peer exploded")
'''
SLOW = '''"""Slow benchmark."""
import time
print("started", flush=True)
time.sleep(60)
'''


@pytest.fixture
def runner(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("benchmarks_runner_under_test", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    here = tmp_path / "benchmarks"
    here.mkdir()
    (here / "__init__.py").write_text("")
    (here / "a_fine.py").write_text(FINE)
    (here / "b_broken.py").write_text(BROKEN)
    (here / "c_slow.py").write_text(SLOW)
    (here / "_helper.py").write_text("raise SystemExit('never run')\n")
    monkeypatch.setattr(module, "HERE", here)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    return module


def run_main(module, monkeypatch, *argv: str) -> None:
    monkeypatch.setattr(sys, "argv", ["python -m benchmarks", *argv])
    module.main()


def test_every_script_runs_and_failures_are_written(runner, monkeypatch, tmp_path):
    out = tmp_path / "B.md"
    run_main(runner, monkeypatch, "--quick", "--timeout", "4", "--output", str(out))
    text = out.read_text()
    assert "| CPU |" in text and "| Python |" in text and "| Chromium |" in text and "| JupyterLab |" in text
    names = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert names == ["a_fine", "b_broken", "c_slow"]  # _helper.py is not a benchmark
    fine = runner.sections(text)["a_fine"]
    assert "median 1.0 ms quick" in fine and "a_fine.py --quick" in fine
    broken = runner.sections(text)["b_broken"]
    assert "half a table" in broken and "**Failed: exit code 1.**" in broken and "peer exploded" in broken
    slow = runner.sections(text)["c_slow"]
    assert "timed out after 4 s" in slow and "started" in slow
    assert "--quick" not in slow  # c_slow does not accept --quick: not passed


def test_only_updates_its_sections_and_keeps_the_others(runner, monkeypatch, tmp_path):
    out = tmp_path / "B.md"
    out.write_text("# Benchmarks\n\n## a_fine\n\nold fine figures\n\n## b_broken\n\nold broken figures\n\n## gone\n\nstale\n")
    run_main(runner, monkeypatch, "--only", "a_fine", "--output", str(out))
    parts = runner.sections(out.read_text())
    assert "median 1.0 ms full" in parts["a_fine"] and "old fine figures" not in parts["a_fine"]
    assert "old broken figures" in parts["b_broken"]
    assert "gone" not in parts  # a section whose script no longer exists is dropped


def test_unknown_name_is_refused_with_the_list(runner):
    with pytest.raises(SystemExit, match="no benchmark named nope; have: a_fine, b_broken, c_slow"):
        runner.scripts(["nope"])
