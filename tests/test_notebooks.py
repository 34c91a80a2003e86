"""Every tutorial notebook runs top to bottom in a fresh kernel (in a temporary folder)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("HITL_ANNOTATOR", "notebook-test")
    shutil.copy(path, tmp_path / path.name)
    nb = nbformat.read(tmp_path / path.name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, errors
    # a widget was displayed and the notebook's store was written where the notebook ran
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    if path.name == "03_active_learning.ipynb":  # both curves beat their random baselines
        text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        found = re.findall(r"at (\d+) labels: default ([\d.]+), random ([\d.]+)", text)
        assert [n for n, _, _ in found] == ["100", "120"], text  # scikit-learn, then the torch CNN
        for n, ours, theirs in found:
            assert float(ours) > float(theirs), (n, ours, theirs)
    if path.name == "11_active_learning_for_boxes_and_pairs.ipynb":  # the detector's curve: ahead of random over the run
        text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        found = [(int(n), float(a), float(b)) for n, a, b in re.findall(r"at (\d+) labels: default ([\d.]+), random ([\d.]+)", text)]
        assert [n for n, _, _ in found] == [5, 10, 15, 20, 25], text
        mean = re.search(r"mean over the budgets: default ([\d.]+), random ([\d.]+)", text)
        assert mean and float(mean[1]) > float(mean[2]), text  # the whole curve is ahead, not one budget
        reach = re.search(r"labels to reach [\d.]+: default (\d+), random (\d+)", text)
        assert reach and int(reach[1]) < int(reach[2]), text  # random's final score with fewer labels
        assert "the same: True" in text, text  # Dask's top-k equals the in-process one
        assert "dataframe on Dask, the same items: True" in text, text  # the loop on a Dask dataframe


def test_notebooks_have_no_outputs():
    """Notebooks are committed clean (outputs are produced by running them)."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        dirty = [n for n, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them before committing"
