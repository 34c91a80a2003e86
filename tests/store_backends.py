"""Run a store test against every backend: SQLite (a file) and PostgreSQL (a fresh schema).

    from store_backends import backend, store  # noqa: F401  (pytest fixtures)

    def test_something(store): ...              # runs twice: [sqlite] and [postgresql]

PostgreSQL comes from ``HITL_TEST_POSTGRES_URL`` (``eval "$(bash scripts/postgres.sh)"`` starts a
throw-away server and sets it). Without it the PostgreSQL cases fail under CI and are skipped
elsewhere. Each PostgreSQL test gets its own schema (through the connection's ``search_path``),
dropped afterwards together with every connection the test left open.
"""
from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from hitl_widgets.store import AnnotationStore

BACKENDS = ["sqlite", "postgresql"]


def postgres_base_url() -> str:
    """The test server's URL, or fail (CI) / skip (elsewhere) when none is configured."""
    url = os.environ.get("HITL_TEST_POSTGRES_URL")
    if not url:
        message = 'HITL_TEST_POSTGRES_URL is not set: eval "$(bash scripts/postgres.sh)"'
        if os.environ.get("CI"):
            pytest.fail(message)  # the PostgreSQL backend is never skipped in CI
        pytest.skip(message)
    return url


def _admin(base: str):
    import psycopg

    return psycopg.connect(base.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


@contextlib.contextmanager
def fresh_postgres_url(base: str | None = None) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; the schema is dropped on exit."""
    base = base or postgres_base_url()
    name = f"t_{uuid.uuid4().hex[:16]}"
    with _admin(base) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}application_name={name}&options={quote(f'-csearch_path={name}')}"
    try:
        yield url
    finally:
        with _admin(base) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(f"DROP SCHEMA {name} CASCADE")


@contextlib.contextmanager
def backend_location(kind: str, tmp_path) -> Iterator[str]:
    """Where a new, empty store of ``kind`` lives: a SQLite file path or a PostgreSQL URL."""
    if kind == "sqlite":
        yield str(tmp_path / f"store-{uuid.uuid4().hex[:8]}.db")
    elif kind == "postgresql":
        with fresh_postgres_url() as url:
            yield url
    else:
        raise ValueError(kind)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path) -> Iterator[str]:
    """The location of a new, empty store, once per backend."""
    with backend_location(request.param, tmp_path) as location:
        yield location


@pytest.fixture
def store(backend) -> Iterator[AnnotationStore]:
    """An empty store on each backend, annotator "ada"."""
    s = AnnotationStore(backend, annotator="ada")
    yield s
    s.engine.dispose()
