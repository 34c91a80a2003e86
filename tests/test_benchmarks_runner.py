"""`python -m benchmarks`: runs every benchmarks/*.py script and writes BENCHMARKS.md.

The runner is pointed at a temporary folder of tiny fake scripts (one fine and taking --quick, one
failing, one too slow), so these tests check its behaviour, not the real benchmarks' figures.
"""
from __future__ import annotations

import importlib.util
import re
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
    monkeypatch.setattr(module, "commit", lambda: "aaaaaaa")
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
    # every section names its own run: command, commit, date; the header says they are one commit
    for name in names:
        line = next(x for x in runner.sections(text)[name].splitlines() if x.startswith("Ran `"))
        assert f"benchmarks/{name}.py" in line and "at commit aaaaaaa, 20" in line and " UTC (" in line
        assert runner.section_commit(runner.sections(text)[name]) == "aaaaaaa"
    assert "Every section ran at commit aaaaaaa;" in text and "Mixed" not in text


def old_file(commit_of_broken: str | None) -> str:
    ran = (f"Ran `python benchmarks/b_broken.py` at commit {commit_of_broken}, 2026-11-20 10:00 UTC (3 s).\n\n"
           if commit_of_broken else "`python benchmarks/b_broken.py` (3 s)\n\n")  # the old format: no commit
    return ("# Benchmarks\n\n## a_fine\n\nold fine figures\n\n## b_broken\n\n" + ran
            + "old broken figures\n\n## gone\n\nstale\n")


def test_only_updates_its_sections_and_keeps_the_others_of_the_same_commit(runner, monkeypatch, tmp_path):
    out = tmp_path / "B.md"
    out.write_text(old_file("aaaaaaa"))
    run_main(runner, monkeypatch, "--only", "a_fine", "--output", str(out))
    text = out.read_text()
    parts = runner.sections(text)
    assert "median 1.0 ms full" in parts["a_fine"] and "old fine figures" not in parts["a_fine"]
    assert "old broken figures" in parts["b_broken"]
    assert "gone" not in parts  # a section whose script no longer exists is dropped
    assert "Every section ran at commit aaaaaaa;" in text and "Mixed" not in text


@pytest.mark.parametrize("other", ["bbbbbbb", None, "aaaaaaa+dirty"])
def test_only_refuses_to_mix_commits_unless_allowed(runner, monkeypatch, tmp_path, other):
    out = tmp_path / "B.md"
    before = old_file(other)
    out.write_text(before)
    shown = other or "unknown"
    with pytest.raises(SystemExit, match=rf"refusing to write .*commit aaaaaaa.*b_broken: {re.escape(shown)}.*--allow-mixed"):
        run_main(runner, monkeypatch, "--only", "a_fine", "--output", str(out))
    assert out.read_text() == before  # nothing written (and nothing ran: refused before the scripts)

    run_main(runner, monkeypatch, "--only", "a_fine", "--allow-mixed", "--output", str(out))
    text = out.read_text()
    parts = runner.sections(text)
    assert "median 1.0 ms full" in parts["a_fine"] and "old broken figures" in parts["b_broken"]
    assert runner.section_commit(parts["a_fine"]) == "aaaaaaa" and runner.section_commit(parts["b_broken"]) == shown
    header = text.split("## ", 1)[0]
    assert "**Mixed runs (written with `--allow-mixed`)" in header
    assert "commit aaaaaaa: a_fine" in header and f"commit {shown}: b_broken" in header
    assert "Every section ran at" not in text


def test_only_into_a_new_file_needs_no_permission(runner, monkeypatch, tmp_path):
    out = tmp_path / "new.md"
    run_main(runner, monkeypatch, "--only", "a_fine", "--output", str(out))
    assert list(runner.sections(out.read_text())) == ["a_fine"]


def test_commit_marks_uncommitted_changes(tmp_path, monkeypatch):
    import subprocess

    spec = importlib.util.spec_from_file_location("benchmarks_runner_commit", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    assert module.commit() == "unknown"  # not a git checkout

    def git(*a):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *a], cwd=tmp_path, check=True,
                              capture_output=True)

    git("init", "-q")
    (tmp_path / "f.txt").write_text("1")
    git("add", "f.txt")
    git("commit", "-q", "-m", "one")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert module.commit() == head
    (tmp_path / "untracked.txt").write_text("not part of the commit, not a change to it")
    assert module.commit() == head
    (tmp_path / "f.txt").write_text("2")
    assert module.commit() == head + "+dirty"


def test_unknown_name_is_refused_with_the_list(runner):
    with pytest.raises(SystemExit, match="no benchmark named nope; have: a_fine, b_broken, c_slow"):
        runner.scripts(["nope"])


def test_a_scripts_own_headings_inside_its_output_stay_in_its_section(runner, monkeypatch, tmp_path):
    (runner.HERE / "d_tables.py").write_text('"""Tables."""\nprint("## Boxes: mean over seeds")\nprint("| a | b |")\n')
    out = tmp_path / "B.md"
    run_main(runner, monkeypatch, "--only", "d_tables", "--output", str(out))
    run_main(runner, monkeypatch, "--only", "a_fine", "--output", str(out))  # rewrites the file, keeping d_tables
    parts = runner.sections(out.read_text())
    assert "## Boxes: mean over seeds\n| a | b |" in parts["d_tables"]
    assert "Boxes: mean over seeds" not in parts and set(parts) == {"a_fine", "d_tables"}


def test_a_section_left_unclosed_does_not_swallow_the_next(runner):
    text = "# B\n\n## a_fine\n\n```\n## Boxes: a table\n| x |\n\n## b_broken\n\n```\nold broken figures\n```\n"
    parts = runner.sections(text)
    assert set(parts) == {"a_fine", "b_broken"} and "old broken figures" in parts["b_broken"]
    assert "## Boxes: a table" in parts["a_fine"]


def test_a_scripts_own_options_are_passed_and_shown_in_its_section(runner, monkeypatch, tmp_path):
    out = tmp_path / "B.md"
    run_main(runner, monkeypatch, "--only", "a_fine", "--args", "a_fine=--quick", "--output", str(out))
    fine = runner.sections(out.read_text())["a_fine"]
    assert "median 1.0 ms quick" in fine  # the option reached the script
    assert "Ran `python benchmarks/a_fine.py --quick` at commit" in fine  # and its section says so


def test_options_for_a_script_the_run_leaves_out_are_refused(runner, monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="b_broken"):
        run_main(runner, monkeypatch, "--only", "a_fine", "--args", "b_broken=--x", "--output", str(tmp_path / "B.md"))
    with pytest.raises(SystemExit, match="NAME=OPTIONS"):
        run_main(runner, monkeypatch, "--only", "a_fine", "--args", "no-equals", "--output", str(tmp_path / "B.md"))


def test_a_script_that_says_it_needs_longer_gets_its_own_timeout(runner, monkeypatch, tmp_path):
    (runner.HERE / "d_long.py").write_text('"""Long benchmark."""\nimport time\nRUNNER_TIMEOUT_S = 8\ntime.sleep(3)\nprint("finished")\n')
    assert runner.own_timeout(runner.HERE / "d_long.py") == 8.0
    assert runner.own_timeout(runner.HERE / "c_slow.py") == 0.0
    out = tmp_path / "B.md"
    run_main(runner, monkeypatch, "--only", "d_long", "--only", "c_slow", "--timeout", "1", "--output", str(out))
    parts = runner.sections(out.read_text())
    assert "finished" in parts["d_long"] and "timed out" not in parts["d_long"]  # 3 s, under its own 8
    assert "timed out after 1 s" in parts["c_slow"]  # says nothing: the runner's --timeout
