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
from review import rules as guards
from review.lifecycles import REGISTER_ENTRY
from review.model import Event, Version
from services.home.context import Services
from services.review.actions import person
from storage import audit
from storage.repos.dossiers import Dossiers
from storage.tables import DossierRow, RegisterEntryRow, RegisterLinkRow



class EntryAmended(Event):
    name: ClassVar[str] = "register.amended"
    registration_number: str
    by: str


class EntryRepealed(Event):
    name: ClassVar[str] = "register.repealed"
    registration_number: str
    by: str | None = None
    reason: str | None = None


class EntryTookEffect(Event):
    """待施行 → 现行有效 on its 施行日期 (the scheduled check), or its 施行日期 fixed by the gazette."""
    name: ClassVar[str] = "register.took_effect"
    registration_number: str
    effective_date: dt.date
    status: str


class EntryDated(Event):
    """The gazette issue carrying a normative document is out: its 施行日期 is now known."""
    name: ClassVar[str] = "register.dated"
    registration_number: str
    effective_date: dt.date
    issue: str


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
    effective_date: dt.date | None = None    # None: 待定, the gazette issue carrying it will fix it
    valid_until: dt.date | None = None
    evaluation_due: dt.date | None = None
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
    emergency: bool = False                 # signed off in an emergency (紧急签发)
    review_owed: list[str] = []             # the stages it skipped, until approved after the fact
    review_owed_names: list[str] = []       # the same, in Chinese
    withheld_at: dt.datetime | None = None  # 撤回公开 (services/dossiers/withhold.py): only registrars still see the entry
    withheld_reason: str | None = None

    @property
    def emergency_note(self) -> str | None:
        """紧急签发，待事后补审：合法性审核 — what the register page and the web page say."""
        return rules.emergency_note(self.emergency, self.review_owed_names or self.review_owed)


def local_date(at: dt.datetime) -> dt.date:
    return at.astimezone().date()


def entry_dates(svc: Services, version: Version, signed: dt.date | None, title: str,
                published: dt.datetime, normative: bool | None = None) -> tuple[dt.date | None, dt.date | None, str]:
    """(施行日期, 有效期至, status) at publication from the policy's own words. A normative document
    naming no date waits for its gazette issue: (None, None, "pending"); so does one whose date
    has not come yet (with its dates)."""
    from services.gazette.items import paragraph_texts
    from services.review.actions import pipeline_for
    if normative is None:
        pipeline = pipeline_for(svc.config, version)
        normative = bool(pipeline and pipeline.normative)
    policy = version.policy
    phrases = find_effective(paragraph_texts(svc.store.get(policy.sha256))) if policy and policy.meta else ()
    effective = rules.effective_at_publication(phrases, signed, local_date(published), normative)
    until = rules.valid_until(effective, title) if effective else None
    return effective, until, rules.status_for(effective, local_date(svc.now()))


def dates_of(e: RegisterEntryRow) -> tuple[dt.date | None, dt.date | None]:
    """(施行日期, 有效期至). No 施行日期: 待定, the gazette issue carrying it will fix it (migration
    0010 wrote the publication day into entries from before 0004, which had none)."""
    if e.effective_date is None:
        return None, None
    return e.effective_date, e.valid_until or rules.valid_until(e.effective_date, e.title)


def views(s: Session, rows: list[RegisterEntryRow], config=None) -> list[EntryView]:
    few = len(rows) <= 500        # a page of entries: read only their links and placements
    linked = register.links(s, [e.id for e in rows] if few else None)
    placed = register.placements(s, [e.dossier_id for e in rows] if few else None)
    owed = emergencies(s, [e.dossier_id for e in rows], config)
    withheld = {d.id: d for d in s.scalars(select(DossierRow).where(
        DossierRow.withheld_at.is_not(None), DossierRow.id.in_([e.dossier_id for e in rows])))} if few else {
        d.id: d for d in s.scalars(select(DossierRow).where(DossierRow.withheld_at.is_not(None)))}
    out = []
    for e in rows:
        effective, until = dates_of(e)
        issue = placed.get(e.dossier_id)
        repeal = next(((link, by) for link, target, by in linked
                       if link.kind == "repeal" and target == e.registration_number), None)
        out.append(EntryView(
            registration_number=e.registration_number, document_number=e.document_number, title=e.title,
            organ=e.organ, drafting_unit=e.drafting_unit, signed_date=e.signed_date, published_at=e.published_at,
            effective_date=effective, valid_until=until,
            evaluation_due=rules.evaluation_due(until) if until else None,
            status=e.status, status_name=rules.STATUS_NAMES.get(e.status, e.status),
            status_changed_at=e.status_changed_at, legality_opinion=e.opinion_number, filed_at=e.filed_at,
            filing_number=e.filing_number, dossier=e.dossier_id, interpretation_page=e.interpretation_page,
            gazette_issue=f"{issue.year}年第{issue.number}期（总第{issue.total}期）" if issue else None,
            gazette_issue_id=issue.id if issue else None,
            gazette_page=f"items/{e.dossier_id}.html" if issue else None,
            amends=[t for link, t, by in linked if link.kind == "amend" and by == e.registration_number],
            amended_by=[by for link, t, by in linked if link.kind == "amend" and t == e.registration_number],
            repealed_by=repeal[1] if repeal else None, repeal_reason=repeal[0].reason if repeal else None,
            emergency=e.dossier_id in owed, review_owed=[i for i, _ in owed.get(e.dossier_id, ())],
            review_owed_names=[n for _, n in owed.get(e.dossier_id, ())],
            withheld_at=withheld[e.dossier_id].withheld_at if e.dossier_id in withheld else None,
            withheld_reason=withheld[e.dossier_id].withheld_reason if e.dossier_id in withheld else None))
    return out


def emergencies(s: Session, dossier_ids: list[str], config=None) -> dict[str, list[tuple[str, str]]]:
    """Dossier → the stages (id, name) its emergency sign-off still owes, for those signed off in an
    emergency (dossiers.emergency_reason set); an empty list once reviewed after the fact."""
    from review.decisions import retrospective_pending
    from review.config import DEFAULT_CONFIG_TOML, parse_config
    from services.review.actions import load, pipeline_for
    q = select(DossierRow.id).where(DossierRow.emergency_reason.is_not(None))
    if len(dossier_ids) <= 500:
        q = q.where(DossierRow.id.in_(dossier_ids))
    wanted = set(dossier_ids)
    out: dict[str, list[tuple[str, str]]] = {}
    for dossier_id in s.scalars(q):
        if dossier_id not in wanted:
            continue
        _, view = load(s, dossier_id)
        # the version's own pipeline snapshot; the home's config (or the default) for older versions
        pipeline = view.current.pipeline or pipeline_for(config or parse_config(DEFAULT_CONFIG_TOML), view.current)
        names = {x.id: x.name for x in pipeline.stages}
        pending = retrospective_pending(view, pipeline, Dossiers(s).decisions(dossier_id))
        out[dossier_id] = [(x, names.get(x, x)) for x in pending]
    return out


def list_entries(svc: Services, status: str | None = None, *, public: bool = False) -> list[EntryView]:
    with svc.session() as s:
        return views(s, register.entries(s, status, public=public), svc.config)


def show(svc: Services, number: str) -> EntryView:
    with svc.session() as s:
        return views(s, [_entry(s, number)], svc.config)[0]


# ---------------------------------------------------------------- changes

def _registrar(svc: Services, actor: str) -> str:
    p = person(svc.config, actor)
    if refusal := guards.may_keep_register(p):
        raise Refused(refusal)
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
        # A 待施行 document stays so and takes effect as amended (review/lifecycles.py REGISTER_ENTRY).
        action = "note_amendment" if target.status == rules.PENDING else "amend"
        status = REGISTER_ENTRY.step(target.status, action)
        if status != target.status:
            target.status, target.status_changed_at = status, now
        audit.append(s, EntryAmended(dossier_id=target.dossier_id, actor=name, at=now,
                                     registration_number=number, by=by))
        return views(s, [target], svc.config)[0]


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
        target.status, target.status_changed_at = REGISTER_ENTRY.step(target.status, "repeal"), now
        audit.append(s, EntryRepealed(dossier_id=target.dossier_id, actor=name, at=now,
                                      registration_number=number, by=by, reason=reason))
        return views(s, [target], svc.config)[0]


def expire_due(svc: Services, today: dt.date, actor: str = "lockstep") -> list[EntryView]:
    """Entries past their valid-until day become expired. What the scheduled check calls (no role:
    the system acts); `lockstep register expire` calls `expire` with the registrar's name."""
    with svc.session() as s:
        lapsed = [e for e in register.entries(s) if rules.expires(e.status, dates_of(e)[1], today)]
        now = svc.now()
        for e in lapsed:
            e.status, e.status_changed_at = REGISTER_ENTRY.step(e.status, "expire"), now
            audit.append(s, EntryExpired(dossier_id=e.dossier_id, actor=actor, at=now,
                                         registration_number=e.registration_number, valid_until=dates_of(e)[1]))
        s.flush()
        return views(s, lapsed, svc.config)


def expire(svc: Services, today: dt.date, actor: str) -> list[EntryView]:
    return expire_due(svc, today, _registrar(svc, actor))


# ---------------------------------------------------------------- 待施行 → 现行有效

def _in_force_status(s: Session, e: RegisterEntryRow) -> str:
    """What a 待施行 entry becomes on its day: amended if another document already amended it."""
    amended = s.scalars(select(RegisterLinkRow).filter_by(kind="amend", entry_id=e.id)).first()
    return REGISTER_ENTRY.step(e.status, "take_effect_amended" if amended else "take_effect")


def take_effect_due(svc: Services, today: dt.date, actor: str = "lockstep") -> list[EntryView]:
    """待施行 entries whose 施行日期 has come become 现行有效. What the scheduled check calls with
    `expire_due` (no role: the system acts); never one whose date the gazette has not fixed yet."""
    with svc.session() as s:
        due = [e for e in s.scalars(select(RegisterEntryRow).filter_by(status=rules.PENDING)
                                    .order_by(RegisterEntryRow.year, RegisterEntryRow.serial))
               if rules.takes_effect(e.status, e.effective_date, today)]
        now = svc.now()
        for e in due:
            e.status, e.status_changed_at = _in_force_status(s, e), now
            audit.append(s, EntryTookEffect(dossier_id=e.dossier_id, actor=actor, at=now, status=e.status,
                                            registration_number=e.registration_number,
                                            effective_date=e.effective_date))
        s.flush()
        return views(s, due, svc.config)


def date_on_release(svc: Services, s: Session, issue: str, release: dt.date, facts, actor: str) -> list[str]:
    """In the release's transaction: every 待施行 entry of a document in the issue without a 施行日期
    gets the issue's date as its 施行日期 (or what its text says, read against that date), its
    有效期至 from it, and becomes 现行有效 if that day has come (else the scheduled check moves it
    on the day). `facts`: the issue's publishing.gazette_rules.ItemFacts. Returns the numbers dated."""
    today = local_date(svc.now())
    dated = []
    for f in facts:
        e = register.entry_for(s, f.dossier)
        if e is None or e.status != rules.PENDING or e.effective_date is not None:
            continue
        effective = rules.effective_on_release(f.effective, f.signed_date, release)
        e.effective_date, e.valid_until = effective, rules.valid_until(effective, e.title)
        now = svc.now()
        audit.append(s, EntryDated(dossier_id=e.dossier_id, actor=actor, at=now, issue=issue,
                                   registration_number=e.registration_number, effective_date=effective))
        if rules.takes_effect(e.status, effective, today):
            e.status, e.status_changed_at = _in_force_status(s, e), now
            audit.append(s, EntryTookEffect(dossier_id=e.dossier_id, actor=actor, at=now, status=e.status,
                                            registration_number=e.registration_number,
                                            effective_date=effective))
        dated.append(e.registration_number)
    return dated


def take_effect(svc: Services, today: dt.date, actor: str) -> list[EntryView]:
    """`lockstep register expire` does what the scheduled check does: the registrar's name on it."""
    return take_effect_due(svc, today, _registrar(svc, actor))
