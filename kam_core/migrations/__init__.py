"""Alembic migrations. `kam db upgrade` (kam_core.migrate.upgrade) runs them."""
