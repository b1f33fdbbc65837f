"""The unit of work (issue 12, item 1): one transaction's repositories, object store and clock.

Services receive a `Unit` and never see SQLAlchemy: every query is a method of a repository in
`storage/repos/` (one module per subdomain), reached as an attribute of the unit —
`uow.dossiers.require(d)`, `uow.jobs.add(...)`, `uow.audit.append(event)`. The unit is opened by
`Services.unit()` (services/home/context.py); the transaction commits when the block ends normally
and rolls back otherwise. `Database.retrying` runs a whole unit again when a concurrent writer won.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, Iterator, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from storage.db import DatabaseUnavailable, answering, database_fault, sessions

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

T = TypeVar("T")


class Unit:
    """Repositories over one session. Rows (storage/tables.py) are the values repositories hand out;
    a service may change a row's fields, `add` a new row or `delete` one, and the commit writes them."""

    def __init__(self, session: Session | Connection, *, store: Callable[[], Any], now: Callable[[], dt.datetime]) -> None:
        self._session = session
        self._store = store
        self.now = now

    @cached_property
    def store(self):
        return self._store()

    # -- rows -------------------------------------------------------------------------------
    def add(self, row: Any) -> Any:
        self._session.add(row)
        return row

    def add_all(self, rows) -> None:
        self._session.add_all(list(rows))

    def delete(self, row: Any) -> None:
        self._session.delete(row)

    def flush(self) -> None:
        self._session.flush()

    def ping(self) -> None:
        """The database answers a query that reads its file (for /healthz): nothing written."""
        from sqlalchemy import text
        self._session.execute(text("SELECT version_num FROM alembic_version")).all()

    def savepoint(self):
        """A nested transaction: `with uow.savepoint(): ...` undoes only its own writes on error."""
        return self._session.begin_nested()

    # -- repositories (one per subdomain; each owns its queries) -----------------------------
    @cached_property
    def dossiers(self):
        from storage.repos.dossiers import Dossiers
        return Dossiers(self._session)

    @cached_property
    def derived(self):
        from storage.repos.dossiers import DerivedObjects
        return DerivedObjects(self._session)

    @cached_property
    def audit(self):
        from storage.audit import AuditLog
        return AuditLog(self._session)

    @cached_property
    def jobs(self):
        from storage.jobs import Jobs
        return Jobs(self._session)

    @cached_property
    def counters(self):
        from storage.counters import Counters
        return Counters(self._session)

    @cached_property
    def review(self):
        from storage.repos.review import ReviewRepo
        return ReviewRepo(self._session)

    @cached_property
    def gazette(self):
        from storage.repos.gazette import GazetteRepo
        return GazetteRepo(self._session)

    @cached_property
    def gazette_reads(self):
        from storage.repos.gazette_reads import GazetteReads
        return GazetteReads(self._session)

    @cached_property
    def register(self):
        from storage.repos.register import RegisterRepo
        return RegisterRepo(self._session)

    @cached_property
    def site(self):
        from storage.repos.site import SiteRepo
        return SiteRepo(self._session)

    @cached_property
    def people(self):
        from storage.repos.people import PeopleRepo
        return PeopleRepo(self._session)

    @cached_property
    def withholding(self):
        from storage.repos.withhold import Withholding
        return Withholding(self._session)

    @cached_property
    def deliberations(self):
        from storage.repos.deliberation import Deliberations
        return Deliberations(self._session)

    @cached_property
    def consistency(self):
        from storage.repos.consistency import ConsistencyMarks
        return ConsistencyMarks(self._session)

    @cached_property
    def public_site(self):
        from storage.repos.public_site import PublicSite
        return PublicSite(self._session)

    @cached_property
    def notifications(self):
        from storage.repos.notifications import Notifications
        return Notifications(self._session)

    @cached_property
    def accounts(self):
        from storage.repos.accounts import Accounts
        return Accounts(self._session)

    @cached_property
    def references(self):
        from storage.references import References
        return References(self._session)


class ReadOnlyUnit(TypeError):
    """A read unit was asked to write: a programming error (open `svc.unit()` for a write)."""


def _not_for_reading(name: str) -> property:
    """A repository a read unit does not offer (see Reader)."""
    def refuse(self):
        raise ReadOnlyUnit(f"uow.{name} is not written for a read unit (storage/rows.py): open svc.unit()")
    return property(refuse)


class Reader(Unit):
    """A read unit (`Services.reading()`): the same repositories over one transaction on a Core
    connection that is rolled back at the end. `sqlalchemy.orm` is never imported for it, and the
    rows it hands out are read-only (storage/rows.py), so what only reads — gate, status, the
    register list — starts without the ORM (issue 14, "Reads are fast"). Asking it to write is a
    ReadOnlyUnit error, never a silent no-op. It reads one snapshot: whatever another process commits
    meanwhile, its answers agree with each other.

    Only the repositories whose reads are written for both kinds of unit (storage/rows.py) are
    offered; the others' queries select mapped classes, which a Core connection would answer in
    another shape, so asking for one is ReadOnlyUnit too: move its reads onto storage/rows.py first."""

    def _refuse(self, *_a, **_k):
        raise ReadOnlyUnit("a read unit does not write: open svc.unit() for a write")

    add = add_all = delete = flush = savepoint = _refuse

    derived, jobs, gazette, gazette_reads, site, people, withholding, deliberations, public_site, \
        notifications, references = map(_not_for_reading, (
            "derived", "jobs", "gazette", "gazette_reads", "site", "people", "withholding", "deliberations",
            "public_site", "notifications", "references"))


def _refused_as_read_only(e: DBAPIError, sqlite: bool) -> bool:
    """The database refused a write because the transaction only reads (see Database.reading)."""
    if sqlite:
        return "readonly database" in str(e.orig).lower()
    return getattr(e.orig, "sqlstate", None) == "25006" or getattr(e.orig, "pgcode", None) == "25006"


def _query_only_off(conn) -> None:
    """Give the pooled SQLite connection back able to write; one that cannot be reset is dropped."""
    try:
        conn.rollback()
        conn.exec_driver_sql("PRAGMA query_only = OFF")
        conn.rollback()
    except Exception:                # noqa: BLE001 - a broken connection never goes back to the pool
        conn.invalidate()


def _stale() -> tuple[type[BaseException], ...]:
    """The ORM's StaleDataError (a row changed under us) when the ORM is loaded; a process that has
    not imported it has made no ORM write that could raise it."""
    exc = sys.modules.get("sqlalchemy.orm.exc")
    return (exc.StaleDataError,) if exc is not None else ()


class Database:
    """One home's engine: units of work, and whole-transaction retries."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise.
        A database that does not answer (down, restarting, locked past the wait, full, read-only)
        leaves it as DatabaseUnavailable (database_unavailable), with nothing stored."""
        with answering(self.engine), sessions(self.engine)() as s:
            with s.begin():
                yield s

    @contextmanager
    def unit(self, *, store: Callable[[], Any], now: Callable[[], dt.datetime]) -> Iterator[Unit]:
        with self.session() as s:
            yield Unit(s, store=store, now=now)

    @contextmanager
    def reading(self, *, store: Callable[[], Any], now: Callable[[], dt.datetime]) -> Iterator[Reader]:
        """A read unit: one read-only snapshot, rolled back when the block ends. SQLite: `PRAGMA
        query_only` and an explicit BEGIN (the driver would send none before a SELECT, so each
        statement would read the newest commit); PostgreSQL: `REPEATABLE READ, READ ONLY` (never a
        serialization failure for a transaction that only reads). A write that reached the database
        anyway is refused there, as ReadOnlyUnit, and never silently rolled back as if it had been
        stored. A database that does not answer leaves it as DatabaseUnavailable, as a unit does."""
        with answering(self.engine), self.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                conn.exec_driver_sql("PRAGMA query_only = ON")
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            try:
                yield Reader(conn, store=store, now=now)
            except DBAPIError as e:
                if _refused_as_read_only(e, sqlite):
                    raise ReadOnlyUnit("a read unit does not write: open svc.unit() for a write") from e
                raise
            finally:
                if sqlite:
                    _query_only_off(conn)

    @staticmethod
    def retrying(work: Callable[[], T], attempts: int = 6) -> T:
        """Run a whole transaction again when a concurrent writer won: numbers taken (unique
        constraints), a dossier changed under us (row version), SQLite busy. Each attempt reads
        afresh, so the loser decides on what the winner committed."""
        for attempt in range(attempts):
            try:
                return work()
            except (IntegrityError, OperationalError, DatabaseUnavailable, *_stale()) as e:
                if attempt == attempts - 1:
                    if (refusal := database_fault(e)) is not None:
                        raise refusal from e
                    raise
                time.sleep(0.02 * 2 ** attempt + random.random() * 0.02)
        raise AssertionError("unreachable")


_engines: dict[str, Engine] = {}
_SQLITE = "sqlite:///"


def _where(url: str) -> str:
    """The URL naming the same database whatever the working folder becomes: a relative SQLite file
    (LOCKSTEP_DATABASE_URL=sqlite:///lockstep.db, taken as given) is the file of the working folder now.
    Engines and kept versions are found by it: found by the relative URL, a process that changed its
    working folder opened another home on the first home's pooled connections and built versions."""
    if not url.startswith(_SQLITE) or url.startswith(_SQLITE + "/"):
        return url
    path, sep, query = url[len(_SQLITE):].partition("?")
    if path in ("", ":memory:") or path.startswith("file:"):
        return url
    return f"{_SQLITE}{Path(path).absolute()}{sep}{query}"


def forget_database(url: str) -> None:
    """Close this process's pool for `url` (a restore replaced the file it had open); the next
    database_for opens the file now at that path."""
    from storage.repos.dossiers import forget_versions
    url = _where(url)
    if (engine := _engines.pop(url, None)) is not None:
        engine.dispose()
    forget_versions(url)


def database_for(url: str, *, bring_up_to_date: bool = True) -> tuple[Database, bool]:
    """Engines are cached per URL so a warm process (the desk, a flow) reuses its pool. Returns the
    database and whether this call opened it."""
    from storage.db import ensure_current, make_engine
    url = _where(url)
    if url in _engines:
        return Database(_engines[url]), False
    engine = make_engine(url)
    if bring_up_to_date:
        with answering(engine):
            ensure_current(engine)  # a home made by an older Lockstep: bring its schema up first
    _engines[url] = engine
    return Database(engine), True
