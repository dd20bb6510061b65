"""Fixtures for the kam_core tests that need committed data (several sessions or threads)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import World


@pytest.fixture
def committed_world(session_factory: sessionmaker[Session]) -> Iterator[World]:
    """A World whose setup is committed, so other sessions (and threads) can see it. Its session stays
    open for the test to add more data (commit it before another session writes)."""
    session = session_factory()
    try:
        world = World.create(session)
        session.commit()
        yield world
    finally:
        session.rollback()
        session.close()
