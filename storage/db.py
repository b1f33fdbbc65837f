"""Engine, sessions and migrations (Alembic from the first table on)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def private_sqlite_file(url: str) -> None:
    """The SQLite file (and its -wal and -shm, which SQLite creates with the database file's mode)
    only for its owner: made empty with 0600 before SQLite first opens it (an empty file is a new
    database to SQLite), and put back to 0600 if an older Lockstep left it readable."""
    import os
    from sqlalchemy.engine import make_url
    try:
        database = make_url(url).database
    except Exception:
        return
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        if not path.exists() and path.parent.is_dir():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            if f.exists() and f.stat().st_mode & 0o077:
                os.chmod(f, 0o600)
    except OSError:         # not ours or read-only: SQLite says what is wrong when it opens it
        pass


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        private_sqlite_file(url)
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
