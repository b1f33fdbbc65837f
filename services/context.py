"""Open a home's database and object store once per command or flow task."""
from __future__ import annotations

import datetime as dt
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterator, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from services.home import Home
from storage.db import DatabaseUnavailable, answering, database_fault, ensure_current, make_engine, migrate, sessions


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Services:
    home: Home
    engine: Engine
    now: callable = field(default=utcnow)

    @cached_property
    def store(self):
        from storage.objects import open_store     # the minio client is imported only when objects move
        return open_store(self.home.objects_url, root=self.home.path)

    @property
    def config(self):
        return self.home.config

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back otherwise.
        A database that does not answer (down, restarting, locked past the wait, full, read-only)
        leaves it as DatabaseUnavailable (database_unavailable), with nothing stored."""
        with answering(self.engine), sessions(self.engine)() as s:
            with s.begin():
                yield s


    def retrying(self, work: Callable[[], T], attempts: int = 6) -> T:
        """Run a whole transaction again when a concurrent writer won: numbers taken (unique
        constraints), a dossier changed under us (row version), SQLite busy. Each attempt reads
        afresh, so the loser decides on what the winner committed."""
        for attempt in range(attempts):
            try:
                return work()
            except (IntegrityError, OperationalError, StaleDataError, DatabaseUnavailable) as e:
                if attempt == attempts - 1:
                    if (refusal := database_fault(e)) is not None:
                        raise refusal from e
                    raise
                time.sleep(0.02 * 2 ** attempt + random.random() * 0.02)
        raise AssertionError("unreachable")


T = TypeVar("T")
_engines: dict[str, Engine] = {}


_config_seen: set[tuple[str, float]] = set()


def open_services(home: Home, *, note_config: bool = True) -> Services:
    """Engines are cached per URL so a warm process (the desk, a flow) reuses its pool."""
    home.require()
    url = home.database_url
    if url not in _engines:
        engine = make_engine(url)
        if note_config:
            with answering(engine):
                ensure_current(engine)  # a home made by an older Lockstep: bring its schema up first
        _engines[url] = engine
    svc = Services(home=home, engine=_engines[url])
    stamp = (str(home.config_path.resolve()), home.config_path.stat().st_mtime)
    if note_config and stamp not in _config_seen:
        from services.people import record_config_edits
        try:
            svc.retrying(lambda: record_config_edits(svc), attempts=1 if _read_only(home) else 6)
        except DatabaseUnavailable:
            if not _read_only(home):
                raise
            # A read-only home still answers reads; the edit is recorded by the first command
            # that may write.
        else:
            _config_seen.add(stamp)
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
