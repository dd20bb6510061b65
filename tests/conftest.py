"""Shared fixtures: a real database (SQLite by default, PostgreSQL when KAM_TEST_DATABASE_URL says so),
migrated with Alembic, and a fresh workspace per test (workspace scoping keeps tests apart)."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from kam_core import migrate
from kam_core.db import make_engine, make_session_factory, normalize_url
from tests.factories import World


def _create_pg_database(url: str) -> tuple[str, str]:
    base = make_url(normalize_url(url))
    name = f"kam_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(url: str, name: str) -> None:
    admin = create_engine(make_url(normalize_url(url)), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this test run: a new PostgreSQL database on the server named by
    KAM_TEST_DATABASE_URL, or a SQLite file in a temporary folder."""
    configured = os.environ.get("KAM_TEST_DATABASE_URL", "").strip()
    if configured.startswith("postgres"):
        url, name = _create_pg_database(configured)
        try:
            yield url
        finally:
            _drop_pg_database(configured, name)
    else:
        with tempfile.TemporaryDirectory(prefix="kam-test-") as folder:
            yield f"sqlite:///{Path(folder) / 'kam.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    session = session_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def world(session: Session) -> World:
    """A fresh workspace with an admin, a manager, two KAMs and a viewer, and a small territory tree."""
    return World.create(session)


@pytest.fixture
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_pg = os.environ.get("KAM_TEST_DATABASE_URL", "").startswith("postgres")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set KAM_TEST_DATABASE_URL)")
    for item in items:
        if "postgres_only" in item.keywords and not on_pg:
            item.add_marker(skip)
