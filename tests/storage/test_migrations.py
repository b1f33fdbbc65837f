"""Alembic migrations are the schema: they match the table definitions and run both ways."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import _alembic_config, make_engine, migrate
from storage.search import include_in_schema
from storage.tables import Base


def _differences(connection) -> list:
    """The search index is dialect-specific DDL (an FTS5 virtual table on SQLite, with its shadow
    tables), created by migration 0005 and not declared in storage/tables.py."""
    context = MigrationContext.configure(connection, opts={"include_name": include_in_schema})
    return compare_metadata(context, Base.metadata)


def test_migrations_build_exactly_the_tables_the_code_defines(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)
    with engine.connect() as c:
        assert _differences(c) == []


def test_migrations_downgrade_and_upgrade_again(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrate(engine)
    with engine.begin() as c:
        command.downgrade(_alembic_config(c), "base")
    migrate(engine)
    with engine.connect() as c:
        assert _differences(c) == []


def test_a_home_left_at_an_older_schema_is_brought_up_to_date_by_the_next_command(tmp_path):
    from services.home import context as context
    from services.home.context import initialise, open_services
    from services.home.folder import Home
    from storage.db import current_revision, head_revision
    home = Home(tmp_path / "home")
    _, svc = initialise(home)
    with svc.engine.begin() as c:
        command.downgrade(_alembic_config(c), "0003")
    assert current_revision(svc.engine) == "0003"
    context._engines.pop(home.database_url)          # a new process: nothing cached
    svc = open_services(Home(home.path))
    assert current_revision(svc.engine) == head_revision()
    with svc.engine.connect() as c:
        assert _differences(c) == []
