"""Schema management with Alembic: create or upgrade the database, and compare models with migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from kam_core.models import Base

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 726_4201


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create the schema on an empty database or bring an existing one up to `revision`."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # several replicas may start at once: one migrates, the others wait and find nothing to do
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": engine.dialect.name == "sqlite"}
        )
        return list(compare_metadata(context, Base.metadata))


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration file against an upgraded database (a developer tool)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
