"""Shared fixtures: a real database (SQLite by default, PostgreSQL when KAM_TEST_DATABASE_URL says so),
migrated with Alembic, and a fresh workspace per test (workspace scoping keeps tests apart)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kam_core import migrate
from kam_core.db import make_engine, make_session_factory
from tests.factories import World
from tests.scratchdb import scratch_database


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this test run: a new PostgreSQL database on the server named by
    KAM_TEST_DATABASE_URL, or a SQLite file in a temporary folder."""
    with scratch_database(os.environ.get("KAM_TEST_DATABASE_URL", "").strip()) as url:
        yield url


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
