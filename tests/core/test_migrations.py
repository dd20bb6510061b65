"""Migrations: the models and the Alembic history agree, an empty database upgrades, and upgrading twice
changes nothing."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url

from kam_core import migrate
from kam_core.db import make_engine, normalize_url
from kam_core.models import Base


def head() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()


def schema(engine: Engine) -> dict[str, tuple[list[str], list[str]]]:
    """Tables with their columns and index names."""
    inspector = inspect(engine)
    return {
        table: (
            sorted(c["name"] for c in inspector.get_columns(table)),
            sorted(str(i["name"]) for i in inspector.get_indexes(table)),
        )
        for table in inspector.get_table_names()
    }


def check_fresh_upgrade(engine: Engine) -> None:
    assert inspect(engine).get_table_names() == []
    assert migrate.current_revision(engine) is None
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == head()
    first = schema(engine)
    assert set(Base.metadata.tables) | {"alembic_version"} == set(first)
    assert migrate.drift(engine) == []
    migrate.upgrade(engine)  # a second upgrade is a no-op
    assert migrate.current_revision(engine) == head()
    assert schema(engine) == first
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_models_and_migrations_agree_on_the_test_database(engine: Engine) -> None:
    assert migrate.current_revision(engine) == head()
    assert migrate.drift(engine) == []


def test_there_is_a_single_head() -> None:
    assert len(ScriptDirectory.from_config(migrate.alembic_config()).get_heads()) == 1


def test_upgrade_an_empty_sqlite_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        check_fresh_upgrade(engine)
    finally:
        engine.dispose()


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    configured = os.environ["KAM_TEST_DATABASE_URL"]
    base = make_url(normalize_url(configured))
    name = f"kam_migrate_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres_only
def test_upgrade_an_empty_postgres_database(empty_pg_database: str) -> None:
    engine = make_engine(empty_pg_database)
    try:
        check_fresh_upgrade(engine)
    finally:
        engine.dispose()
