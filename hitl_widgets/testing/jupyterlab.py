"""A throw-away JupyterLab (or Notebook 7) server on 127.0.0.1 and a Playwright page driving it.

Used by the browser tests (tests/browser/conftest.py) and the UI benchmarks (benchmarks/).

Example:
    >>> with lab_server(Path("/tmp/lab")) as server:          # doctest: +SKIP
    ...     lab = Lab(page, server, server.root)
    ...     lab.open(Path("notebooks/01_quickstart.ipynb"))
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .server import free_port, served

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the sandbox refuses outside connections
    "--disable-component-update",
    "--disable-sync",
]
# Frames on demand instead of a 60 Hz clock: what a frame costs, without the wait for the next
# vsync tick (the benchmarks report keystroke -> paint both ways; tests never use it).
UNTHROTTLED_FRAMES = ["--disable-gpu-vsync", "--disable-frame-rate-limit"]
# Page-side marker for "this frame is on screen", used by every UI benchmark for ours and the
# peers alike: from the frame's requestAnimationFrame callback, post a user-blocking task; it runs
# as soon as that frame's rendering (style, layout, paint, commit) is done, ahead of tasks already
# queued at normal priority (websocket messages, timers) that a setTimeout(0) marker would count.
AFTER_FRAME_JS = """const afterFrame = (callback) => requestAnimationFrame(() => {
  if (window.scheduler && scheduler.postTask) scheduler.postTask(callback, { priority: "user-blocking" });
  else setTimeout(callback, 0);
});"""
TOKEN = "hitl-browser-tests"
LAB_SETTINGS = {
    # no "get notified about Jupyter news?" toast over the page
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    # keep every cell attached to the DOM
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


class LabServer:
    """A running JupyterLab or Notebook 7: its URL, root folder, log file, UI and REST API."""

    def __init__(self, url: str, root: Path, log: Path, app: str = "lab"):
        self.url, self.root, self.log, self.app = url, root, log, app

    def page_url(self, rel: str) -> str:
        """Where a notebook (``rel`` to the root) opens in this server's UI."""
        if self.app == "notebook":
            return f"{self.url}/notebooks/{rel}?token={TOKEN}"
        return f"{self.url}/lab/tree/{rel}?reset&token={TOKEN}"

    def api(self, method: str, path: str, body: dict | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, method=method,
            headers={"Authorization": f"token {TOKEN}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None

    def shutdown_all_sessions(self) -> None:
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")


# the two front ends on one Jupyter Server (both jupyterlab_server apps): module, config class
APPS = {"lab": ("jupyterlab", "LabApp"), "notebook": ("notebook", "JupyterNotebookApp")}


@contextlib.contextmanager
def lab_server(base: Path, env: dict | None = None, timeout: float = 90, app: str = "lab") -> Iterator[LabServer]:
    """Start JupyterLab (``app="lab"``) or Notebook 7 (``app="notebook"``) with settings, config and
    runtime dirs under ``base``; stop it on exit."""
    module, config = APPS[app]
    base = Path(base)
    root, settings = base / "root", base / "settings"
    root.mkdir(parents=True, exist_ok=True)
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    full_env = {
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_DATA_DIR": str(base / "data"),  # kernels and labextensions still come from sys.prefix
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "IPYTHONDIR": str(base / "ipython"),
        **(env or {}),
    }
    port = free_port()
    command = [
        sys.executable, "-m", module, "--no-browser", "--allow-root",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
        f"--{config}.user_settings_dir={settings}", f"--{config}.workspaces_dir={base / 'workspaces'}",
        f"--{config}.expose_app_in_browser=True",  # window.jupyterapp for commands
    ]
    server = LabServer(f"http://127.0.0.1:{port}", root, base / "server.log", app)
    with served(command, lambda: server.api("GET", "/api/status"), server.log, env=full_env, timeout=timeout):
        yield server


class Lab:
    """One JupyterLab (or Notebook 7) tab, driven through its UI and ``window.jupyterapp`` commands
    (Notebook 7 is built from JupyterLab's pieces: the same shell, notebook commands and kernel)."""

    # Every wait in the page is bounded: a kernel that never answers (dead, restarting, a
    # "select kernel" dialog) turns into an error that says what the page showed, never a hang.
    _WITHIN = """
        const within = (promise, ms, what) => {
            let timer;
            const late = new Promise((_, reject) => { timer = setTimeout(() => {
                const app = window.jupyterapp;
                const status = app?.shell?.currentWidget?.sessionContext?.session?.kernel?.status;
                const dialogs = [...document.querySelectorAll('.jp-Dialog')].map((d) => d.textContent.trim());
                reject(new Error(`${what}: no answer in ${ms} ms (kernel ${status}; dialogs ${JSON.stringify(dialogs)})`));
            }, ms); });
            return Promise.race([promise, late]).finally(() => clearTimeout(timer));
        };"""
    _RUN = """async ([code, index, ms]) => {""" + _WITHIN + """
        const app = window.jupyterapp;
        const nb = app.shell.currentWidget.content;
        if (index === null) {
            nb.activeCellIndex = nb.widgets.length - 1;
            await within(app.commands.execute('notebook:insert-cell-below'), ms, 'insert cell');
        } else {
            nb.activeCellIndex = index;
        }
        nb.activeCell.model.sharedModel.setSource(code);
        await within(app.commands.execute('notebook:run-cell'), ms, `run cell ${JSON.stringify(code.slice(0, 80))}`);
        const text = nb.activeCell.model.outputs.toJSON().map((o) =>
            [].concat(o.text ?? o.data?.['text/plain'] ?? o.evalue ?? '').join('')).join('');
        return [nb.activeCellIndex, text];
    }"""
    _RUN_ALL = """async (ms) => {""" + _WITHIN + """
        await within(window.jupyterapp.commands.execute('notebook:run-all-cells'), ms, 'run all cells');
    }"""
    _IDLE = "() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'"

    def __init__(self, page: Any, server: LabServer, workdir: Path):
        self.page, self.server, self.workdir = page, server, Path(workdir)
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def open(self, notebook: Path, timeout: float = 90_000) -> None:
        """Copy ``notebook`` into the work folder, open it, wait for an idle kernel."""
        notebook = Path(notebook)
        target = self.workdir / notebook.name
        if notebook.resolve() != target.resolve():
            shutil.copy(notebook, target)
        rel = target.relative_to(self.server.root).as_posix()
        self.page.goto(self.server.page_url(rel))
        self.wait_idle(timeout)

    def new_notebook(self, name: str, cells: list[str]) -> Path:
        """Write a notebook of code cells into the work folder (then ``open`` it)."""
        import nbformat

        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = self.workdir / name
        nbformat.write(nb, path)
        return path

    def wait_idle(self, timeout: float = 90_000) -> None:
        self.page.wait_for_function(self._IDLE, timeout=timeout)

    def run_all(self, timeout: float = 120_000) -> None:
        """Run every cell and wait (at most ``timeout`` ms) until they have run."""
        self.page.evaluate(self._RUN_ALL, timeout)

    def cell_output(self, index: int) -> Any:
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output")

    def run_code(self, code: str, index: int | None = None, timeout: float = 60_000) -> Any:
        """Run ``code`` in a new cell (or cell ``index``); return a Locator on its output."""
        index, _ = self.page.evaluate(self._RUN, [code, index, timeout])
        return self.cell_output(index)

    def python(self, expr: str, timeout: float = 60_000) -> str:
        """``repr()`` of a kernel expression, as text (an error after ``timeout`` ms)."""
        _, text = self.page.evaluate(self._RUN, [f"print(repr({expr}), end='')", None, timeout])
        return text

    def wait_for_python(self, expr: str, expected: Any, timeout: float = 20.0) -> None:
        """Poll the kernel until ``repr(expr) == repr(expected)`` (browser → kernel sync is async)."""
        code = f"print(repr({expr}), end='')"
        index, text = self.page.evaluate(self._RUN, [code, None, timeout * 1000])
        deadline = time.monotonic() + timeout
        while text != repr(expected):
            if time.monotonic() > deadline:
                raise AssertionError(f"kernel: {expr} = {text}, expected {expected!r}")
            time.sleep(0.2)
            index, text = self.page.evaluate(self._RUN, [code, index, timeout * 1000])

    _RESTART = """async (ms) => {""" + _WITHIN + """
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        await within(kernel.restart(), ms, 'restart kernel');
        await within(kernel.info, ms, 'kernel info after restart');
    }"""

    def restart_kernel(self, timeout: float = 90_000) -> None:
        """Restart the notebook's kernel as the Kernel menu does (through the page's kernel
        connection, which sees the restart happen: a restart made behind its back can leave the
        page sending its next cell to a kernel that is going away), then wait until it is idle."""
        self.page.evaluate(self._RESTART, timeout)
        self.wait_idle(timeout)

    def set_theme(self, name: str) -> None:
        """Switch to "JupyterLab Dark" / "JupyterLab Light" and wait for it."""
        self.page.evaluate("(t) => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name)
        self.page.wait_for_function("(t) => document.body.dataset.jpThemeName === t", arg=name, timeout=20_000)
