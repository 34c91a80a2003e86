"""Under CI, a test that skips because a test dependency is missing fails instead.

``pytest.importorskip("torch")`` skips quietly when torch is not installed: fine on a laptop, but
in CI it would hide that the torch tests never ran. The test extra installs every module below
(``pip install -e ".[test]"``; scripts/setup.sh puts torch's CPU build first), so under CI (the
environment variable ``CI`` set, as ``.ci/run`` has it) such a skip is reported as a failure,
at collection (a module-level importorskip) or in a test, as the PostgreSQL tests do
(tests/store_backends.py). Loaded by tests/conftest.py.
"""
from __future__ import annotations

import os
import re

import pytest

# top-level modules that the test extra of pyproject.toml installs and tests import-or-skip
TEST_EXTRA = {"av", "soundfile", "jiwer", "pocketsphinx", "torch", "pycocotools", "krippendorff", "statsmodels", "skimage", "scipy", "fairlearn", "sklearn", "pandas", "dask", "distributed", "fsspec", "aiohttp"}
_IMPORT_SKIP = re.compile(r"could not import '([\w.]+)'")


def _missing_test_dependency(report) -> str | None:
    """The module whose import skipped this report, when it belongs to the test extra."""
    if not report.skipped or not os.environ.get("CI"):
        return None
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    found = _IMPORT_SKIP.search(message)
    if found and found.group(1).split(".")[0] in TEST_EXTRA:
        return found.group(1)
    return None


def _fail(report, module: str) -> None:
    report.outcome = "failed"
    report.longrepr = (f"{module} is not installed, and under CI (CI is set) a test never skips for a missing "
                       f"test dependency: pip install -e \".[test]\" (scripts/setup.sh test)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    module = _missing_test_dependency(report)
    if module:
        _fail(report, module)


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    module = _missing_test_dependency(report)
    if module:
        _fail(report, module)
