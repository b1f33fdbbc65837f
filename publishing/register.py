"""The normative-document register (规范性文件公开台帐): numbering, entries and what they link to.

Queries only; the rules are in publishing/register_rules.py, the actions in services/register/life.py.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from publishing.register_rules import STATUS_NAMES  # noqa: F401  (re-exported: callers read it here)
from storage.public import public_dossier
from storage.tables import (DossierRow, GazetteIssueItemRow, GazetteIssueRow, GazetteItemRow, RegisterEntryRow,
                            RegisterLinkRow)

NOT_PUBLIC = "不予公开"


def registration_number(fmt: str, prefix: str, year: int, serial: int) -> str:
    return fmt.format(prefix=prefix, year=year, serial=serial)


def next_serial(s: Session, year: int) -> int:
    """Gap-free per year, from the year's locking counter (storage/counters.py); the unique
    (year, serial) constraint stays as a second wall."""
    from storage.counters import take
    return take(s, "register", year,
                lambda: s.scalar(select(func.max(RegisterEntryRow.serial)).filter_by(year=year)) or 0)


def entries(s: Session, status: str | None = None, *, public: bool = False) -> list[RegisterEntryRow]:
    """public=True leaves out any entry whose dossier is not public now (storage/public.py, the one
    review.rules.is_public: 不予公开, an unknown attribute, 撤回公开): a public output checks again
    rather than trust that such a document never got an entry."""
    q = select(RegisterEntryRow).order_by(RegisterEntryRow.year, RegisterEntryRow.serial)
    if status:
        q = q.filter_by(status=status)
    if public:
        q = q.join(DossierRow, DossierRow.id == RegisterEntryRow.dossier_id).where(public_dossier(DossierRow))
    return list(s.scalars(q))


def entry_for(s: Session, dossier_id: str) -> RegisterEntryRow | None:
    return s.scalars(select(RegisterEntryRow).filter_by(dossier_id=dossier_id)).first()


def by_number(s: Session, registration_number: str) -> RegisterEntryRow | None:
    return s.scalars(select(RegisterEntryRow).filter_by(registration_number=registration_number)).first()


def year_of(signed: dt.date | None, now: dt.datetime) -> int:
    return signed.year if signed else now.year


def links(s: Session, entry_ids: list[int] | None = None) -> list[tuple[RegisterLinkRow, str, str | None]]:
    """Every link as (link, entry's number, acting entry's number or None), oldest first;
    with entry_ids, only the links those entries take part in."""
    by = RegisterEntryRow.__table__.alias("by_entry")
    q = (select(RegisterLinkRow, RegisterEntryRow.registration_number, by.c.registration_number)
         .join(RegisterEntryRow, RegisterEntryRow.id == RegisterLinkRow.entry_id)
         .outerjoin(by, by.c.id == RegisterLinkRow.by_entry_id)
         .order_by(RegisterLinkRow.at, RegisterLinkRow.id))
    if entry_ids is not None:
        q = q.where(or_(RegisterLinkRow.entry_id.in_(entry_ids), RegisterLinkRow.by_entry_id.in_(entry_ids)))
    return [tuple(r) for r in s.execute(q)]


def placements(s: Session, dossier_ids: list[str] | None = None) -> dict[str, GazetteIssueRow]:
    """dossier → the released gazette issue that carries it (a draft issue does not count yet)."""
    q = (select(GazetteItemRow.dossier_id, GazetteIssueRow)
         .join(GazetteIssueItemRow, GazetteIssueItemRow.item_id == GazetteItemRow.id)
         .join(GazetteIssueRow, GazetteIssueRow.id == GazetteIssueItemRow.issue_id)
         .where(GazetteIssueRow.status == "released")
         .order_by(GazetteIssueRow.release_date))
    if dossier_ids is not None:
        q = q.where(GazetteItemRow.dossier_id.in_(dossier_ids))
    found: dict[str, GazetteIssueRow] = {}
    for dossier, issue in s.execute(q):
        found.setdefault(dossier, issue)     # the first issue to carry it is where it was published
    return found
