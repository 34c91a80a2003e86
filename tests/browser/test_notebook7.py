"""Widgets in Jupyter Notebook 7 (not JupyterLab): its own UI at /notebooks/..., one server for
the module, driven by keyboard and mouse in headless Chromium, values checked in the kernel.

The widgets and gestures are tests/browser/hosts.py's, shared with the marimo test."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page

from hitl_widgets.testing.jupyterlab import Lab, LabServer, lab_server

from . import hosts
from .test_dark_theme_lab import COLOURS

pytestmark = [pytest.mark.browser, pytest.mark.lab]


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory) -> LabServer:
    with lab_server(tmp_path_factory.mktemp("notebook7"), env={"HITL_ANNOTATOR": "tester"}, app="notebook") as server:
        yield server


@pytest.fixture
def nb(request, page: Page, notebook7: LabServer):
    workdir = notebook7.root / request.node.name.replace("[", "_").replace("]", "")
    workdir.mkdir()
    yield Lab(page, notebook7, workdir)
    notebook7.shutdown_all_sessions()


def open_widget(nb: Lab, name: str) -> None:
    """A notebook of the shared setup and one widget, opened in Notebook 7's UI and run."""
    setup = f"DB = {str(nb.workdir / 'store.db')!r}\n" + hosts.SETUP
    nb.open(nb.new_notebook(f"{name}.ipynb", [setup, f"{name} = {hosts.WIDGETS[name]}\n{name}"]))
    assert "/notebooks/" in nb.page.url and nb.page.locator("#jp-NotebookPanel-toolbar, .jp-NotebookPanel").count()
    assert nb.page.locator(".jp-LabShell").count() == 0  # Notebook 7's shell, not JupyterLab's
    nb.run_all()
    nb.wait_idle()


GESTURES = {"classify": hosts.classify_by_key, "boxes": hosts.box_by_drag, "masks": hosts.mask_by_stroke,
            "dash": hosts.relabel_by_keyboard}


@pytest.mark.parametrize("name", GESTURES)
def test_widget_in_notebook7(nb, name):
    open_widget(nb, name)
    GESTURES[name](nb.page, nb.wait_for_python)
    # the widget's keys were its own: Notebook 7 (which reads shortcuts before the widget does) did not
    # turn a cell into a markdown heading ("2")
    types = nb.page.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets.map((c) => c.model.type)")
    assert len(types) > 2 and set(types) == {"code"}, types


def test_dark_theme_in_notebook7(nb):
    """Notebook 7 defines JupyterLab's --jp-* variables: its dark theme reaches the widgets."""
    setup = f"DB = {str(nb.workdir / 'store.db')!r}\n" + hosts.SETUP
    nb.open(nb.new_notebook("dark.ipynb", [setup, *(f"{name} = {code}\n{name}" for name, code in hosts.WIDGETS.items())]))
    nb.set_theme("JupyterLab Dark")
    nb.run_all()
    for name in hosts.WIDGETS:
        root = hosts.ready(nb.page, name)
        assert root.evaluate("(el) => getComputedStyle(el).getPropertyValue('--jp-layout-color1')") != ""
        c = root.evaluate(COLOURS)
        assert sum(c["background"]) / 3 < 100 and sum(c["colour"]) / 3 > 150, (name, c)
        assert c["worst"] >= 3.0, (name, c)
