"""The register's life (DESIGN.md rule 8): entries as people read them, and the registrar's
amend, repeal and expire. Every change is role-checked and audited in its own transaction."""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.effective import find_effective
from documents.problems import Refused, problem
from publishing import register
from publishing import register_rules as rules
from review.model import Event, Version
from services.context import Services
from services.review import person
from storage import audit
from storage.tables import RegisterEntryRow, RegisterLinkRow

REGISTRAR = "registrar"


class EntryAmended(Event):
    name: ClassVar[str] = "register.amended"
    registration_number: str
    by: str


class EntryRepealed(Event):
    name: ClassVar[str] = "register.repealed"
    registration_number: str
    by: str | None = None
    reason: str | None = None


class EntryExpired(Event):
    name: ClassVar[str] = "register.expired"
    registration_number: str
    valid_until: dt.date


class EntryView(BaseModel):
    registration_number: str
    document_number: str | None = None
    title: str
    organ: str | None = None
    drafting_unit: str
    signed_date: dt.date | None = None
    published_at: dt.datetime
    effective_date: dt.date
    valid_until: dt.date
    evaluation_due: dt.date
    status: str
    status_name: str
    status_changed_at: dt.datetime | None = None
    legality_opinion: str | None = None
    filed_at: dt.datetime | None = None
    filing_number: str | None = None
    dossier: str
    interpretation_page: str | None = None
    gazette_issue: str | None = None        # 2019年第8期（总第120期）, once that issue is released
    gazette_issue_id: str | None = None
    gazette_page: str | None = None         # the item's page in the issue's electronic edition
    amends: list[str] = []
    amended_by: list[str] = []
    repealed_by: str | None = None
    repeal_reason: str | None = None


def local_date(at: dt.datetime) -> dt.date:
    return at.astimezone().date()


def entry_dates(svc: Services, version: Version, signed: dt.date | None, title: str,
                published: dt.datetime) -> tuple[dt.date, dt.date]:
    """(施行日期, 有效期至) fixed at publication from the policy's own words."""
    from services.gazette_items import paragraph_texts
    policy = version.policy
    phrases = find_effective(paragraph_texts(svc.store.get(policy.sha256))) if policy and policy.meta else ()
    effective = rules.effective_date(phrases, signed, local_date(published))
    return effective, rules.valid_until(effective, title)


def dates_of(e: RegisterEntryRow) -> tuple[dt.date, dt.date]:
    """Entries from before migration 0004 carry no dates: read them as effective when published."""
    effective = e.effective_date or local_date(e.published_at)
    return effective, e.valid_until or rules.valid_until(effective, e.title)


def views(s: Session, rows: list[RegisterEntryRow]) -> list[EntryView]:
    few = len(rows) <= 500        # a page of entries: read only their links and placements
    linked = register.links(s, [e.id for e in rows] if few else None)
    placed = register.placements(s, [e.dossier_id for e in rows] if few else None)
    out = []
    for e in rows:
        effective, until = dates_of(e)
        issue = placed.get(e.dossier_id)
        repeal = next(((link, by) for link, target, by in linked
                       if link.kind == "repeal" and target == e.registration_number), None)
        out.append(EntryView(
            registration_number=e.registration_number, document_number=e.document_number, title=e.title,
            organ=e.organ, drafting_unit=e.drafting_unit, signed_date=e.signed_date, published_at=e.published_at,
            effective_date=effective, valid_until=until, evaluation_due=rules.evaluation_due(until),
            status=e.status, status_name=rules.STATUS_NAMES.get(e.status, e.status),
            status_changed_at=e.status_changed_at, legality_opinion=e.opinion_number, filed_at=e.filed_at,
            filing_number=e.filing_number, dossier=e.dossier_id, interpretation_page=e.interpretation_page,
            gazette_issue=f"{issue.year}年第{issue.number}期（总第{issue.total}期）" if issue else None,
            gazette_issue_id=issue.id if issue else None,
            gazette_page=f"items/{e.dossier_id}.html" if issue else None,
            amends=[t for link, t, by in linked if link.kind == "amend" and by == e.registration_number],
            amended_by=[by for link, t, by in linked if link.kind == "amend" and t == e.registration_number],
            repealed_by=repeal[1] if repeal else None, repeal_reason=repeal[0].reason if repeal else None))
    return out


def list_entries(svc: Services, status: str | None = None, *, public: bool = False) -> list[EntryView]:
    with svc.session() as s:
        return views(s, register.entries(s, status, public=public))


def show(svc: Services, number: str) -> EntryView:
    with svc.session() as s:
        return views(s, [_entry(s, number)])[0]


# ---------------------------------------------------------------- changes

def _registrar(svc: Services, actor: str) -> str:
    p = person(svc.config, actor)
    if REGISTRAR not in p.roles:
        raise Refused(problem("not_permitted", f"{p.name} 不是台帐管理员，不能更改台帐"))
    return p.name


def _entry(s: Session, number: str) -> RegisterEntryRow:
    e = register.by_number(s, number)
    if e is None:
        raise Refused(problem("not_found", f"台帐中没有登记号 {number}"))
    return e


def amend(svc: Services, number: str, by: str, actor: str) -> EntryView:
    """`by` amends `number`: both entries show the link; `number` becomes amended (still in force)."""
    name = _registrar(svc, actor)
    with svc.session() as s:
        target, acting = _entry(s, number), _entry(s, by)
        if p := rules.amend_problem(number, target.status, by, acting.status):
            raise Refused(p)
        if s.scalars(select(RegisterLinkRow).filter_by(kind="amend", entry_id=target.id,
                                                       by_entry_id=acting.id)).first():
            raise Refused(problem("invalid_state", f"已记录 {by} 修改 {number}"))
        now = svc.now()
        s.add(RegisterLinkRow(kind="amend", entry_id=target.id, by_entry_id=acting.id, actor=name, at=now))
        target.status, target.status_changed_at = "amended", now
        audit.append(s, EntryAmended(dossier_id=target.dossier_id, actor=name, at=now,
                                     registration_number=number, by=by))
        return views(s, [target])[0]


def repeal(svc: Services, number: str, actor: str, by: str | None = None, reason: str | None = None) -> EntryView:
    name = _registrar(svc, actor)
    with svc.session() as s:
        target = _entry(s, number)
        acting = _entry(s, by) if by else None
        if p := rules.repeal_problem(number, target.status, by, acting.status if acting else None, reason):
            raise Refused(p)
        now = svc.now()
        s.add(RegisterLinkRow(kind="repeal", entry_id=target.id, by_entry_id=acting.id if acting else None,
                              reason=reason, actor=name, at=now))
        target.status, target.status_changed_at = "repealed", now
        audit.append(s, EntryRepealed(dossier_id=target.dossier_id, actor=name, at=now,
                                      registration_number=number, by=by, reason=reason))
        return views(s, [target])[0]


def expire_due(svc: Services, today: dt.date, actor: str = "lockstep") -> list[EntryView]:
    """Entries past their valid-until day become expired. What the scheduled check calls (no role:
    the system acts); `lockstep register expire` calls `expire` with the registrar's name."""
    with svc.session() as s:
        lapsed = [e for e in register.entries(s) if rules.expires(e.status, dates_of(e)[1], today)]
        now = svc.now()
        for e in lapsed:
            e.status, e.status_changed_at = "expired", now
            audit.append(s, EntryExpired(dossier_id=e.dossier_id, actor=actor, at=now,
                                         registration_number=e.registration_number, valid_until=dates_of(e)[1]))
        s.flush()
        return views(s, lapsed)


def expire(svc: Services, today: dt.date, actor: str) -> list[EntryView]:
    return expire_due(svc, today, _registrar(svc, actor))
