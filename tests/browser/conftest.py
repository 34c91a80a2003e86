"""Fixtures for tests in a real JupyterLab driven by Debian's headless Chromium (Playwright).

browser_type_launch_args  session   Debian's Chromium with the flags this sandbox needs
jupyter_lab               session   a JupyterLab server on 127.0.0.1 with throw-away settings
lab                       function  one JupyterLab tab in its own folder (see hitl_widgets.testing)
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from hitl_widgets.testing.jupyterlab import CHROMIUM, CHROMIUM_ARGS, Lab, LabServer, lab_server

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} not found: apt-get install -y chromium (or set CHROMIUM_PATH)"
        if os.environ.get("CI"):
            pytest.fail(message)  # browser tests are never skipped in CI
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory) -> LabServer:
    with lab_server(tmp_path_factory.mktemp("jupyter"), env={"HITL_ANNOTATOR": "tester"}) as server:
        yield server


class TestLab(Lab):
    """Lab that opens notebooks by name from notebooks/ and saves screenshots to test-artifacts/."""

    __test__ = False

    def open(self, notebook, timeout: float = 90_000) -> None:
        path = Path(notebook)
        super().open(path if path.is_absolute() else NOTEBOOKS / path, timeout)

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / name))

    def screenshot_element(self, locator, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        locator.screenshot(path=str(ARTIFACTS / name))


@pytest.fixture
def lab(request, page: Page, jupyter_lab: LabServer):
    workdir = jupyter_lab.root / request.node.name.replace("[", "_").replace("]", "")
    workdir.mkdir()
    yield TestLab(page, jupyter_lab, workdir)
    jupyter_lab.shutdown_all_sessions()  # a fresh kernel for the next test
