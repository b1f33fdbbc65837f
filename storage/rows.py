"""Rows a repository reads, in a write unit or a read unit (issue 14, "Reads are fast").

A write unit (storage/unit.py `Unit`) runs on an ORM session: the rows it hands out are the mapped
classes of storage/tables.py, which a service may change and the commit writes. A read unit
(`Reader`) runs on a Core connection and never imports `sqlalchemy.orm`: the same queries give
read-only rows (`sqlalchemy.Row`) with the same attribute names, and a service that tries to change
one fails at once (AttributeError), never silently. A repository method written with these helpers
serves both; one that needs the ORM (adding, changing, deleting) imports storage/tables.py itself
and is only ever reached from a write unit.

Queries name columns as `schema.<table>.c.<column>`: the ORM takes those for its mapped classes too.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, Table, select


def read_only(db) -> bool:
    """True for a read unit's connection, False for a write unit's session (a bool is taken as said:
    statements built once and kept are kept per kind of unit)."""
    return db if isinstance(db, bool) else isinstance(db, Connection)


# Values per IN list (`chunks`): well under every database's limit on bound parameters.
CHUNK = 500


def chunks(items: list) -> list[list]:
    """`items` cut into lists of at most CHUNK, for queries that read many rows by key at once."""
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]


def _mapped(table: Table):
    from storage.tables import mapped_class
    return mapped_class(table)


def of(db, table: Table) -> Select:
    """select(every column of `table`): rows of its mapped class in a write unit, read-only rows in a read unit."""
    return select(table) if read_only(db) else select(_mapped(table))


def fetch(db, query: Select, params: dict | None = None) -> list[Any]:
    """Every row `of(db, table)…` selects (with these bound parameters)."""
    return list(db.execute(query, params).all() if read_only(db) else db.scalars(query, params).all())


def first(db, query: Select, params: dict | None = None) -> Any | None:
    """The first row `of(db, table)…` selects, or None."""
    query = query.limit(1)
    return db.execute(query, params).first() if read_only(db) else db.scalars(query, params).first()


def get(db, table: Table, key: Any) -> Any | None:
    """The row with this primary key (a tuple for a composite key), or None."""
    keys = key if isinstance(key, tuple) else (key,)
    columns = list(table.primary_key.columns)
    if len(keys) != len(columns):
        raise ValueError(f"{table.name}: {len(columns)} key columns, {len(keys)} values")
    if not read_only(db):
        return db.get(_mapped(table), key)
    return db.execute(select(table).where(*(c == k for c, k in zip(columns, keys)))).first()
