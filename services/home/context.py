"""Open a home's database and object store once per command or flow task."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator, TypeVar

from services.home.folder import Home
from storage.db import DatabaseUnavailable, migrate
from storage.unit import Database, Unit, _engines, database_for  # noqa: F401  (tests forget a pool by URL)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


T = TypeVar("T")


@dataclass
class Services:
    home: Home
    db: Database
    now: callable = field(default=utcnow)

    @cached_property
    def store(self):
        from storage.objects import open_store     # the minio client is imported only when objects move
        return open_store(self.home.objects_url, root=self.home.path)

    @cached_property
    def config(self):
        """The newest recorded configuration with the record's people (services/home/config_record.py):
        lockstep.toml seeds the database, after that the database is the record."""
        from services.home.config_record import effective_config
        return effective_config(self)

    @property
    def engine(self):
        """For benches and migrations only: services work through `unit()`."""
        return self.db.engine

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """One transaction's unit of work (storage/unit.py): repositories, object store, clock."""
        with self.db.unit(store=lambda: self.store, now=self.now) as uow:
            yield uow

    @contextmanager
    def reading(self) -> Iterator[Unit]:
        """A read unit (storage/unit.py Reader): the same repositories, read-only rows, no ORM. For
        what only reads; asking it to write is an error."""
        with self.db.reading(store=lambda: self.store, now=self.now) as uow:
            yield uow

    @contextmanager
    def session(self):
        """The raw session, for storage code and the edges being moved onto `unit()`."""
        with self.db.session() as s:
            yield s

    def retrying(self, work: Callable[[], T], attempts: int = 6) -> T:
        return self.db.retrying(work, attempts)


_config_seen: set[tuple[str, float]] = set()


def open_services(home: Home, *, note_config: bool = True) -> Services:
    """Engines are cached per URL so a warm process (the desk, a flow) reuses its pool."""
    home.require()
    db, _ = database_for(home.database_url, bring_up_to_date=note_config)
    svc = Services(home=home, db=db)
    stamp = (str(home.config_path.resolve()), home.config_path.stat().st_mtime)
    if note_config and stamp not in _config_seen:
        from services.home.config_record import record_config_edits
        try:
            svc.retrying(lambda: record_config_edits(svc), attempts=1 if _read_only(home) else 6)
        except DatabaseUnavailable:
            if not _read_only(home):
                raise
            # A read-only home still answers reads; the edit is recorded by the first command
            # that may write.
        else:
            _config_seen.add(stamp)
            if (home.path / "desk-users.json").is_file():       # an older home's desk users, once
                from services.home.accounts import import_desk_users
                import_desk_users(svc)
    if note_config:
        # The configuration (its people are rows) is read now, before any unit is open: a service
        # that asks for it inside its own transaction then needs no second connection.
        try:
            svc.config
        except Exception:           # noqa: BLE001 - a broken file says so where the config is used
            pass
    return svc


def _read_only(home: Home) -> bool:
    import os
    return not os.access(home.path, os.W_OK)


def initialise(home: Home) -> tuple[bool, Services]:
    created = home.create()
    svc = open_services(home, note_config=False)
    migrate(svc.engine)
    open_services(home)             # records the config the home starts with
    return created, svc
