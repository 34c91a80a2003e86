"""Shared pytest configuration: the browser fixtures live in tests/browser/conftest.py."""
import os

# Labels must never land in a developer's real hitl.db, whatever a test forgets to pass.
os.environ.setdefault("HITL_ANNOTATOR", "tester")

# Under CI a test that skips for a missing test dependency (torch, pycocotools, ...) fails instead.
from ci_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: E402,F401
