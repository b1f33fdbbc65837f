"""Engine, sessions and migrations (Alembic from the first table on)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            # WAL lets readers (gate, status) run while an intake writes; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    from alembic import command
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "head")


def is_migrated(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")


def head_revision() -> str:
    """Revision ids are zero-padded sequence numbers (0001, 0002, …), so the newest file is the head.
    Reading file names keeps Alembic out of every command's start-up."""
    return max(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as c:
            return c.execute(text("select version_num from alembic_version")).scalar()
    except DBAPIError:
        return None


def ensure_current(engine: Engine) -> bool:
    """Migrate a database an older Lockstep left behind (True when it did)."""
    if current_revision(engine) == head_revision():
        return False
    migrate(engine)
    return True
