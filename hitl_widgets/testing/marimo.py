"""A throw-away marimo app server on 127.0.0.1: an app file written from cells, served read-only.

Used by the browser tests (tests/browser/test_marimo.py). ``marimo run`` runs every cell when a page
opens a session (one kernel per page, in the server's process), so a test reads what the widgets
did from a file they write (an ``AnnotationStore``), not from the kernel.

Example:
    >>> app = write_app(Path("/tmp/m/app.py"), ["import marimo as mo", "mo.md('hi')"])  # doctest: +SKIP
    >>> with marimo_server(app) as url:
    ...     page.goto(url)
"""
from __future__ import annotations

import contextlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

from .server import free_port, served


def write_app(path: Path, cells: list[str]) -> Path:
    """A marimo app file with one cell per code string (marimo finds each cell's names itself)."""
    body = "".join(
        f"\n\n@app.cell\ndef _():\n{textwrap.indent(code.strip(), '    ')}\n    return\n" for code in cells
    )
    path.write_text(f"import marimo\n\napp = marimo.App()\n{body}\n\nif __name__ == \"__main__\":\n    app.run()\n")
    return path


def app_url(url: str, name: str) -> str:
    """The page of app file ``name`` on a server started on a folder."""
    return f"{url}?file={name}"


@contextlib.contextmanager
def marimo_server(
    app: Path, env: dict | None = None, theme: str = "system", mode: str = "run", timeout: float = 90,
) -> Iterator[str]:
    """Serve ``app`` (an app file, or a folder of them: each at ``app_url(url, name)``) with
    ``marimo run`` (``mode="run"``: the app) or ``marimo edit`` (``mode="edit"``: the notebook editor,
    every cell run on opening), headless, no token, from its folder, with marimo's display theme
    ``theme`` ("light", "dark" or "system": the browser's prefers-color-scheme) from a
    ``.marimo.toml`` there; yield the server's URL; stop it on exit."""
    if mode not in ("run", "edit"):
        raise ValueError(f"mode must be 'run' or 'edit', not {mode!r}")
    app = Path(app)
    folder = app if app.is_dir() else app.parent
    # found first: marimo looks for its config in the cwd
    (folder / ".marimo.toml").write_text(f'[display]\ntheme = "{theme}"\n\n[runtime]\nauto_instantiate = true\n')
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [
        sys.executable, "-m", "marimo", "-q", mode, str(app), "--headless", "--no-token",
        "--host", "127.0.0.1", "--port", str(port), "--no-sandbox",
    ]
    with served(command, url, folder / "marimo.log", env=env, cwd=folder, timeout=timeout):
        yield url
