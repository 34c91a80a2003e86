"""Shared pytest configuration: the browser fixtures live in tests/browser/conftest.py."""
import os

# Labels must never land in a developer's real hitl.db, whatever a test forgets to pass.
os.environ.setdefault("HITL_ANNOTATOR", "tester")
