"""Numbers from locking counters (issue 12): one row per (sequence, year), incremented inside the
transaction that uses the number. The UPDATE takes the row's lock (PostgreSQL) or the database's
write lock (SQLite), so two transactions never take the same number; a transaction that rolls back
gives its number back, so numbers stay gap-free per year. Never `max + 1`.

A sequence that has no row yet starts after what the records already hold (`floor`), so a home made
by an older Lockstep continues its numbering.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from sqlalchemy import insert, update

from storage.schema import counters as COUNTERS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def take(s: Session, sequence: str, year: int, floor: Callable[[], int]) -> int:
    """The next number of `sequence` in `year`. A first use racing another first use fails on the
    primary key and is retried by the caller's transaction loop (Services.retrying)."""
    taken = s.execute(update(COUNTERS).where(COUNTERS.c.sequence == sequence, COUNTERS.c.year == year)
                      .values(value=COUNTERS.c.value + 1).returning(COUNTERS.c.value)).scalar()
    if taken is not None:
        return taken
    first = floor() + 1
    s.execute(insert(COUNTERS).values(sequence=sequence, year=year, value=first))
    return first


def take_run(s: Session, sequence: str, year: int, floor: Callable[[], int], count: int) -> int:
    """`count` consecutive numbers of `sequence` in `year` with one UPDATE (the same lock as `take`):
    returns the first of them."""
    last = s.execute(update(COUNTERS).where(COUNTERS.c.sequence == sequence, COUNTERS.c.year == year)
                     .values(value=COUNTERS.c.value + count).returning(COUNTERS.c.value)).scalar()
    if last is not None:
        return last - count + 1
    first = floor() + 1
    s.execute(insert(COUNTERS).values(sequence=sequence, year=year, value=first + count - 1))
    return first


class Counters:
    """The unit of work's handle on the counters: `uow.counters.take("opinion", 2026, floor)`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def take(self, sequence: str, year: int, floor: Callable[[], int]) -> int:
        return take(self.session, sequence, year, floor)
