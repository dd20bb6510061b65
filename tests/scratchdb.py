"""Throw-away databases for the tests and the benchmarks."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kam_core.db import normalize_url


@contextmanager
def scratch_database(where: str, prefix: str = "kam_test") -> Iterator[str]:
    """Yield the URL of a fresh database: a new database on the PostgreSQL server `where` names (dropped
    afterwards, whatever happened), or — for anything else — a SQLite file in a temporary folder."""
    if not where.startswith("postgres"):
        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
            yield f"sqlite:///{Path(folder) / 'kam.db'}"
        return
    base = make_url(normalize_url(where))
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
