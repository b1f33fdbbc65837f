"""Engine, sessions and migrations (Alembic from the first table on)."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.engine import Engine

from documents.problems import Refused, problem

MIGRATIONS = Path(__file__).parent / "migrations"
# Seconds a new PostgreSQL connection may take (a server down, restarting or stopped answers
# database_unavailable in this time, not whenever the kernel gives up).
CONNECT_TIMEOUT = 5
# Any number both processes agree on: the key of the advisory lock migrations run under.
MIGRATION_LOCK = 0x6C6F636B73746570   # "lockstep"


class DatabaseUnavailable(Refused):
    """database_unavailable: the database could not be reached or could not take the write (down,
    restarting, locked past the wait, a full disk, a read-only home). Nothing was stored.
    A Refused, so every surface answers it in the one problem shape; its own class, so a caller
    that retries whole transactions can tell it from a refusal of the action itself."""


# SQLite says what is wrong only in words.
_SQLITE_FAULTS = (
    ("database is locked", "数据库正被其他进程长时间占用"),
    ("database table is locked", "数据库正被其他进程长时间占用"),
    ("readonly database", "主目录只读，不能写入数据库"),
    ("read-only", "主目录只读，不能写入数据库"),
    ("disk is full", "磁盘已满，不能写入数据库"),
    ("disk i/o error", "数据库文件读写出错"),
    ("unable to open database file", "无法打开数据库文件（主目录只读或不可访问）"),
)


def _sqlite_folder_says(url: str | None) -> str | None:
    """SQLite reports a full disk or a read-only folder as "disk I/O error" or "unable to open"
    when it cannot make its -shm file; the folder tells which."""
    path = sqlite_path(url) if url else None
    if path is None:
        return None
    try:
        if os.statvfs(path.parent).f_bavail == 0:
            return "磁盘已满，不能写入数据库"
        if not os.access(path.parent, os.W_OK):
            return "主目录只读，不能写入数据库"
    except OSError:
        pass
    return None


def database_fault(e: BaseException, url: str | None = None) -> DatabaseUnavailable | None:
    """The coded refusal for a database that did not answer or cannot take writes, or None for any
    other error (a bug, a constraint): connection failures, a server shutting down or restarting,
    SQLite busy past its wait, a full disk, a read-only file."""
    from sqlalchemy.exc import InterfaceError, OperationalError
    if isinstance(e, DatabaseUnavailable):
        return e
    if isinstance(e, PoolTimeout):
        # Every connection of the pool is in use past pool_timeout (a crowd, or a server that holds them
        # without answering): nothing was sent, nothing stored.
        return DatabaseUnavailable(problem("database_unavailable", "数据库连接已全部占用，未在限定时间内取得连接"))
    if not isinstance(e, DBAPIError):
        return None
    orig = e.orig
    module = type(orig).__module__ if orig is not None else ""
    if module.startswith("sqlite3"):
        text_ = str(orig).lower()
        for needle, detail in _SQLITE_FAULTS:
            if needle in text_:
                if needle in ("disk i/o error", "unable to open database file"):
                    detail = _sqlite_folder_says(url) or detail
                return DatabaseUnavailable(problem("database_unavailable", detail))
        return None
    if e.connection_invalidated or isinstance(e, (OperationalError, InterfaceError)):
        # The class, not the driver's text: that names hosts and ports, and the desk's API answers it.
        kind = type(orig).__name__ if orig is not None else type(e).__name__
        return DatabaseUnavailable(problem("database_unavailable", f"数据库未在限定时间内应答或连接中断（{kind}）"))
    return None


@contextmanager
def answering(engine: Engine | None = None) -> Iterator[None]:
    """Database faults inside the block leave it as DatabaseUnavailable."""
    try:
        yield
    except (DBAPIError, PoolTimeout) as e:
        if (refusal := database_fault(e, str(engine.url) if engine is not None else None)) is not None:
            raise refusal from e
        if (refusal := unstorable_text(e)) is not None:
            raise refusal from e
        raise


def unstorable_text(e: BaseException) -> Refused | None:
    """PostgreSQL refuses U+0000 in any text, even in a search or a lookup (SQLite takes it): a value
    holding one (a search term, a number in an address, a sign-in name) is refused as request_invalid,
    with nothing stored, never a 500."""
    from sqlalchemy.exc import DataError
    if isinstance(e, DataError) and "NUL (0x00)" in str(e.orig):
        return Refused(problem("request_invalid", "输入的内容含有空字符（U+0000），无法查找或保存，请删除后重试"))
    return None


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


def sqlite_path(url: str) -> Path | None:
    """The file of a file-backed SQLite URL, else None."""
    from sqlalchemy.engine import make_url
    try:
        u = make_url(url)
    except Exception:
        return None
    database = u.database
    if not u.drivername.startswith("sqlite") or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def read_only(path: Path) -> bool:
    """A database file this process cannot write (a read-only home, a read-only mount): its folder
    or the file itself refuses writes. os.access says EROFS for a read-only mount even to root."""
    folder = path.parent if str(path.parent) else Path(".")
    return folder.is_dir() and path.is_file() and not (os.access(folder, os.W_OK) and os.access(path, os.W_OK))


def _read_only_connect(path: Path):
    """Open a database on a read-only home for reading. SQLite in WAL mode needs its -shm file,
    which it cannot create there; nothing can write a read-only home either, so the file is
    opened as immutable when a plain read-only open fails."""
    import sqlite3

    def connect():
        uri = f"file:{path.resolve()}?mode=ro"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
            conn.execute("select 1 from sqlite_master limit 1").fetchall()
            return conn
        except sqlite3.OperationalError:
            return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=30, check_same_thread=False)
    return connect


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None and read_only(path):
            # Reads work on a read-only home; a write answers database_unavailable (主目录只读).
            engine = create_engine(url, creator=_read_only_connect(path))

            @event.listens_for(engine, "connect")
            def _sqlite_read_pragmas(dbapi_conn, _record) -> None:
                dbapi_conn.execute("PRAGMA foreign_keys=ON")
            return engine
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
    from sqlalchemy.engine import make_url
    u = make_url(url)
    connect_args = {}
    if u.get_backend_name() == "postgresql" and u.get_driver_name() in ("psycopg", "psycopg2") \
            and "connect_timeout" not in u.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    elif u.get_driver_name() == "asyncpg":
        connect_args["timeout"] = CONNECT_TIMEOUT
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def sessions(engine: Engine):
    """The ORM's sessions for a write unit (a read unit works on a Core connection: storage/unit.py)."""
    from sqlalchemy.orm import sessionmaker
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _migration_lock(engine: Engine, conn) -> Iterator[None]:
    """One migrating process at a time per database: on PostgreSQL an advisory lock held until
    the migration's transaction ends; on SQLite a file lock beside the database (its DDL is not
    one transaction). The caller re-reads the revision inside."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("select pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        yield
        return
    path = sqlite_path(str(engine.url))
    if path is None:
        yield
        return
    import fcntl
    try:
        fd = os.open(f"{path}.migrating", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:          # a home we cannot write: the migration itself will say so
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)         # closing releases the lock


def _revision_of(conn) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("select version_num from alembic_version")).scalar()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent), under a lock: two first commands on a
    new database both succeed, the second finding the work done."""
    from alembic import command
    with answering(engine), engine.begin() as conn:
        with _migration_lock(engine, conn):
            if _revision_of(conn) == head_revision():
                return
            command.upgrade(_alembic_config(conn), "head")


def is_migrated(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")


def head_revision() -> str:
    """Revision ids are zero-padded sequence numbers (0001, 0002, …), so the newest file is the head.
    Reading file names keeps Alembic out of every command's start-up."""
    return max(p.name[:4] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def current_revision(engine: Engine) -> str | None:
    """The schema's revision; None for a database without one. A database that does not answer
    is database_unavailable, not "no revision" (which would start a migration)."""
    try:
        with engine.connect() as c:
            return c.execute(text("select version_num from alembic_version")).scalar()
    except DBAPIError as e:
        if (refusal := database_fault(e, str(engine.url))) is not None and "no such table" not in str(e.orig).lower():
            raise refusal from e
        return None


def ensure_current(engine: Engine) -> bool:
    """Migrate a database an older Lockstep left behind (True when it did). A current one is only
    read, so this works on a read-only home."""
    if current_revision(engine) == head_revision():
        return False
    migrate(engine)
    return True
