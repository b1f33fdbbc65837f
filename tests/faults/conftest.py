"""What the fault tests share: a PostgreSQL server of their own (tests/support/postgres.py)."""
from __future__ import annotations

import pytest


@pytest.fixture
def pg():
    """A fresh PostgreSQL 15, run as the postgres user on a free loopback port, stopped after."""
    from tests.support.postgres import postgres_server
    with postgres_server() as server:
        yield server
