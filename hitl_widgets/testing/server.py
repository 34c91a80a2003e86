"""Start and stop a throw-away web server process (JupyterLab, Notebook 7, marimo) on 127.0.0.1.

One job: a process on a free port, its output in a log file, ready once an HTTP request answers,
stopped on exit. The hosts' own modules (jupyterlab.py, notebook7.py, marimo.py) say what to start.

Example:
    >>> port = free_port()                                                   # doctest: +SKIP
    >>> with served(["python", "-m", "http.server", str(port)], f"http://127.0.0.1:{port}/",
    ...             Path("/tmp/log.txt")):
    ...     ...
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()


@contextlib.contextmanager
def served(
    command: list[str], ready: str | Callable[[], object], log: Path, *,
    env: dict | None = None, cwd: Path | None = None, timeout: float = 90,
) -> Iterator[subprocess.Popen]:
    """Run ``command`` (output to ``log``) until the ``ready`` URL answers (or the callable returns
    without an OSError); yield the process; terminate it on exit (killed after 15 s)."""
    check = (lambda: _answers(ready)) if isinstance(ready, str) else ready
    name = Path(command[0]).name if len(command) < 3 else " ".join(Path(c).name for c in command[:3])
    with open(log, "w") as out:
        process = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=cwd,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            try:
                check()
                break
            except OSError as err:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start in {timeout} s:\n{log.read_text()[-3000:]}") from err
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()  # a Jupyter server shuts its kernels down
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
