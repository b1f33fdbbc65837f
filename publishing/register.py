"""The normative-document register (规范性文件公开台帐): numbering, entries and what they link to.

Numbering here; the queries are storage/repos/register.py's (RegisterRepo, `uow.register`; the
session-taking functions below hand over to it for code not yet on a unit of work), the rules are in
publishing/register_rules.py, the actions in services/register/.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from publishing.register_rules import STATUS_NAMES  # noqa: F401  (re-exported: callers read it here)
from storage.repos.register import RegisterRepo
from storage.tables import GazetteIssueRow, RegisterEntryRow, RegisterLinkRow

NOT_PUBLIC = "不予公开"


def registration_number(fmt: str, prefix: str, year: int, serial: int) -> str:
    return fmt.format(prefix=prefix, year=year, serial=serial)


def next_serial(s: Session, year: int) -> int:
    """Gap-free per year, from the year's locking counter (storage/counters.py); the unique
    (year, serial) constraint stays as a second wall."""
    from storage.counters import take
    return take(s, "register", year, lambda: RegisterRepo(s).max_serial(year))


def entries(s: Session, status: str | None = None, *, public: bool = False) -> list[RegisterEntryRow]:
    """RegisterRepo.entries (storage/repos/register.py): public=True leaves out any entry whose
    dossier is not public now (review.rules.is_public)."""
    return RegisterRepo(s).entries(status, public=public)


def entry_for(s: Session, dossier_id: str) -> RegisterEntryRow | None:
    return RegisterRepo(s).entry_for(dossier_id)


def by_number(s: Session, registration_number: str) -> RegisterEntryRow | None:
    return RegisterRepo(s).by_number(registration_number)


def year_of(signed: dt.date | None, now: dt.datetime) -> int:
    """The year in a registration number: the year of registration (统一登记、统一编号、统一印发 — the
    register numbers what it registers, in the order and year it registers it), never the document's
    own year: a 2019 document registered in 2026 is GHDR-2026-0001 (its 发文字号 keeps 〔2019〕).
    `signed` is not used; it stays in the signature for callers that pass it."""
    return now.astimezone().year


def links(s: Session, entry_ids: list[int] | None = None) -> list[tuple[RegisterLinkRow, str, str | None]]:
    """RegisterRepo.links: (link, entry's number, acting entry's number or None), oldest first."""
    return RegisterRepo(s).links(entry_ids)


def placements(s: Session, dossier_ids: list[str] | None = None) -> dict[str, GazetteIssueRow]:
    """RegisterRepo.placements: dossier → the released gazette issue that carries it."""
    return RegisterRepo(s).placements(dossier_ids)
