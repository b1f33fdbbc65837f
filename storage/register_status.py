"""A register entry's status as of a day, inside a query: publishing/register_rules.status_on for the
status filters (the register list's pages, `register list --status`, the register search), so that a
filter finds what the page then shows — from midnight until the scheduled check, and in a home whose
check never runs. Two spellings of the one rule, as storage/public.py has: a SQLAlchemy clause and a
text fragment for text queries; tests/storage/test_register_status_sql.py holds both to status_on.

The stored 有效期至 is read (publication and the gazette release write it with the 施行日期); an entry
from before migration 0019 without one had it written then."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, exists, false
from sqlalchemy.sql.elements import ColumnElement

from publishing.register_rules import IN_FORCE, PENDING
from storage import schema

__all__ = ["status_now", "status_now_sql"]

ENTRIES, LINKS = schema.register_entries, schema.register_links


def status_now(today: dt.date, entries=ENTRIES) -> ColumnElement[str]:
    """The clause: the entry's status key on `today`."""
    e = entries.c
    takes = and_(e.status == PENDING, e.awaits_gazette == false(), e.effective_date.is_not(None),
                 e.effective_date <= today)
    lapsed = and_(e.valid_until.is_not(None), e.valid_until < today)
    amended = exists().where(LINKS.c.entry_id == e.id, LINKS.c.kind == "amend")
    return case((and_(takes, lapsed), "expired"),
                (takes, case((amended, "amended"), else_="in_force")),
                (and_(e.status.in_(IN_FORCE), lapsed), "expired"),
                else_=e.status)


def status_now_sql(alias: str) -> str:
    """The same as a text fragment over the register_entries row named `alias`; bind `:status_today`."""
    takes = (f"({alias}.status = '{PENDING}' AND NOT {alias}.awaits_gazette AND {alias}.effective_date IS NOT NULL"
             f" AND {alias}.effective_date <= :status_today)")
    lapsed = f"({alias}.valid_until IS NOT NULL AND {alias}.valid_until < :status_today)"
    amended = f"EXISTS (SELECT 1 FROM register_links l WHERE l.entry_id = {alias}.id AND l.kind = 'amend')"
    in_force = ", ".join(f"'{s}'" for s in IN_FORCE)
    return (f"(CASE WHEN {takes} AND {lapsed} THEN 'expired'"
            f" WHEN {takes} THEN (CASE WHEN {amended} THEN 'amended' ELSE 'in_force' END)"
            f" WHEN {alias}.status IN ({in_force}) AND {lapsed} THEN 'expired'"
            f" ELSE {alias}.status END)")
