"""A database whose connections are all in use answers database_unavailable, not an internal error.

SQLAlchemy's pool raises its own TimeoutError (not a driver error) when no connection frees up within
pool_timeout: a crowd on a small pool, or a server that holds its connections without answering. It
is the database not answering, so it is the coded refusal every surface shows (storage/db.py)."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from storage.db import DatabaseUnavailable, database_fault
from storage.unit import Database


def test_a_unit_that_gets_no_connection_in_time_is_refused_database_unavailable(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, max_overflow=0, pool_timeout=0.2)
    held = engine.connect()                     # the pool's only connection, in use
    try:
        held.execute(text("select 1"))
        with pytest.raises(DatabaseUnavailable) as refused:
            with Database(engine).session() as s:
                s.execute(text("select 1"))
        assert refused.value.problems[0].code == "database_unavailable"
        assert "连接已全部占用" in refused.value.problems[0].message
    finally:
        held.close()
        engine.dispose()
    with Database(engine).session() as s:       # freed: it answers again
        assert s.execute(text("select 1")).scalar() == 1


def test_other_errors_are_still_not_called_a_database_fault():
    assert database_fault(ValueError("a bug")) is None
