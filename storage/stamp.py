"""The database's change stamp: a short string that is different after any transaction anywhere has
committed a change, in this process or another (a command line, a worker, another desk). The public
site's page cache (desk/public_cache.py) keeps a page only as long as the stamp it was made under.

- SQLite: `PRAGMA data_version` on a connection of our own that never writes. SQLite changes it
  whenever another connection commits to the file, WAL or not, in any process. The file's identity
  (device, inode) is part of the stamp, so a file put in its place (a restore) is a new stamp too,
  and the watcher is opened again on the new file, whose commits it then counts.
- PostgreSQL: the current snapshot (`pg_current_snapshot()`): every transaction that writes gets an
  id, and its commit moves the snapshot's horizon or takes it off the in-progress list.
- Any other database: no stamp (None); the caller keeps nothing (fail closed: never a stale page).
  So does a SQLite file a writer holds (rollback-journal mode): None at once, never a wait.

A stamp is taken BEFORE a page is read, so a commit that lands while the page is being made leaves
the page under the older stamp, and the next request makes it again.
"""
from __future__ import annotations

import itertools
import os
import sqlite3
import threading

from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage.db import sqlite_path

_lock = threading.Lock()
_watchers: dict[str, tuple[int, sqlite3.Connection, tuple]] = {}   # engine url -> (generation, connection,
                                                                    # the file's identity when it was opened)
_generations = itertools.count(1)


def cheap(engine: Engine) -> bool:
    """A stamp that costs no round trip (SQLite's, a local file's header): the caller may take it on
    its event loop rather than in a thread."""
    return engine.dialect.name == "sqlite"


def data_stamp(engine: Engine) -> str | None:
    """The stamp now, or None when this database gives none (or could not be asked)."""
    try:
        if engine.dialect.name == "sqlite":
            return _sqlite_stamp(engine)
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                return "pg:" + str(conn.execute(text("SELECT pg_current_snapshot()::text")).scalar_one())
    except Exception:           # noqa: BLE001 - no stamp: the page is made afresh, never taken from a cache
        return None
    return None


def _sqlite_stamp(engine: Engine) -> str | None:
    path = sqlite_path(str(engine.url))
    if path is None:
        return None             # in memory: no other connection to watch
    key = str(engine.url)
    with _lock:
        seen = _watchers.get(key)
        try:
            st = os.stat(path)
            if seen is not None and seen[2] != (st.st_dev, st.st_ino):
                # Another file in its place (a restore): the watcher still reads the old one, whose count
                # no commit moves any more. Watch the new file (stat before open: if it is replaced again
                # in between, the next call sees the identity differ and opens again).
                _watchers.pop(key, None)
                seen[1].close()
                seen = None
            if seen is None:
                # No busy wait: the desk asks on its event loop (cheap()). A file in rollback-journal mode
                # held by a writer answers "locked": no stamp now, the page is made afresh in a thread.
                conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0,
                                       check_same_thread=False)
                seen = _watchers[key] = (next(_generations), conn, (st.st_dev, st.st_ino))
            version = seen[1].execute("PRAGMA data_version").fetchone()[0]
        except (OSError, sqlite3.Error) as e:
            if seen is not None and "locked" in str(e).lower():
                return None     # busy: the watcher stays (its count is still right), this request keeps nothing
            if seen is not None:
                _watchers.pop(key, None)
                seen[1].close()
            return None
        return f"sqlite:{st.st_dev}:{st.st_ino}:{seen[0]}:{version}"
