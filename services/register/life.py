"""The register's life (DESIGN.md rule 8): entries as people read them, and the registrar's
amend, repeal and expire. Every change is role-checked and audited in its own transaction."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from pydantic import BaseModel

from documents.effective import find_effective
from documents.problems import Refused, problem
from publishing import register_rules as rules
from review import rules as guards
from review.lifecycles import REGISTER_ENTRY
from review.model import Event, Version
from services.home.context import Services
from services.review.basics import person, pipeline_for, still_enabled

if TYPE_CHECKING:
    from storage.tables import RegisterEntryRow, RegisterLinkRow
    from storage.unit import Unit


class EntryAmended(Event):
    name: ClassVar[str] = "register.amended"
    registration_number: str
    by: str


class EntryRepealed(Event):
    name: ClassVar[str] = "register.repealed"
    registration_number: str
    by: str | None = None
    reason: str | None = None
    repealed_on: dt.date | None = None       # 废止日期: the repealing document's 施行日期 (or the day recorded)
    scheduled: bool = False                  # recorded now, in effect on repealed_on (None: 待定): 将于…废止


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
    filed_at: dt.datetime | None = None      # when the filing was recorded
    filing_number: str | None = None
    reported_on: dt.date | None = None       # 报备日期 (the registrar's; older records: filed_at's day)
    reported_to: str | None = None           # 报备机关
    dossier: str
    interpretation_page: str | None = None
    gazette_issue: str | None = None        # 2019年第8期（总第120期）, once that issue is released
    gazette_issue_id: str | None = None
    gazette_page: str | None = None         # the item's page in the issue's electronic edition
    amends: list[str] = []
    amended_by: list[str] = []
    amended_on: dict[str, dt.date | None] = {}   # amending number → its 施行日期 (the amendment's date; None: 待定)
    repealed_by: str | None = None
    repeal_reason: str | None = None
    repealed_on: dt.date | None = None      # 废止日期: the repealing document's 施行日期 (no document: the day recorded)
    repeal_pending: bool = False            # a repeal recorded whose day has not come: 将于…废止, in force until then
    emergency: bool = False                 # signed off in an emergency (紧急签发)
    review_owed: list[str] = []             # the stages it skipped, until approved after the fact
    review_owed_names: list[str] = []       # the same, in Chinese
    withheld_at: dt.datetime | None = None  # 撤回公开 (services/dossiers/withhold.py): only registrars still see the entry
    withheld_reason: str | None = None

    @property
    def repeal_note(self) -> str | None:
        """将于2027年1月1日废止 — what the register pages say of an entry whose repeal is still to come."""
        if not self.repeal_pending:
            return None
        if self.repealed_on is None:
            return f"将于 {self.repealed_by} 施行之日废止（施行日期待定）"
        return f"将于{self.repealed_on.year}年{self.repealed_on.month}月{self.repealed_on.day}日废止"

    @property
    def emergency_note(self) -> str | None:
        """紧急签发，待事后补审：合法性审核 — what the register page and the web page say."""
        return rules.emergency_note(self.emergency, self.review_owed_names or self.review_owed)


def local_date(at: dt.datetime) -> dt.date:
    return at.astimezone().date()


class EntryDates(NamedTuple):
    effective: dt.date | None        # 施行日期 (None: 待定, its gazette issue fixes it)
    until: dt.date | None            # 有效期至
    status: str
    awaits_gazette: bool             # normative: not in force before a released issue carries it (rule 7)


def entry_dates(svc: Services, version: Version, signed: dt.date | None, title: str,
                published: dt.datetime, normative: bool | None = None) -> EntryDates:
    """(施行日期, 有效期至, status, awaits its gazette issue) at publication from the policy's own words.
    A normative document waits for its gazette issue: 待施行 whatever its date (公布前不得施行), with
    its dates when its text names them, (None, None) when it names none."""
    from services.gazette.items import paragraph_texts
    if normative is None:
        pipeline = pipeline_for(svc.config, version)
        normative = bool(pipeline and pipeline.normative)
    policy = version.policy
    phrases = find_effective(paragraph_texts(svc.store.get(policy.sha256))) if policy and policy.meta else ()
    effective = rules.effective_at_publication(phrases, signed, local_date(published), normative)
    until = rules.valid_until(effective, title) if effective else None
    # Published on the site is not 公布 in the gazette: a normative document waits for its issue (rule 7).
    return EntryDates(effective, until, rules.status_for(effective, local_date(svc.now()), gazetted=not normative),
                      normative)


def acting_day(acting: RegisterEntryRow) -> dt.date | None:
    """The day an amendment or a repeal made by the document `acting` counts from (issue 15 item 6): its
    施行日期; for an older record without one, the day it was published; None while it is 待施行 with
    its date 待定 (the gazette issue carrying it fixes it: `date_on_release`)."""
    if acting.effective_date is not None:
        return acting.effective_date
    return None if acting.status == rules.PENDING else local_date(acting.published_at)


def dates_of(e: RegisterEntryRow) -> tuple[dt.date | None, dt.date | None]:
    """(施行日期, 有效期至). No 施行日期: 待定, the gazette issue carrying it will fix it (migration
    0010 wrote the publication day into entries from before 0004, which had none)."""
    if e.effective_date is None:
        return None, None
    return e.effective_date, e.valid_until or rules.valid_until(e.effective_date, e.title)


def views(uow: Unit, rows: list[RegisterEntryRow], config=None, *, today: dt.date) -> list[EntryView]:
    """The entries as every surface shows them, their status as of `today` (register_rules.status_on:
    what the scheduled check makes of the stored one when it runs that morning)."""
    few = len(rows) <= 500        # a page of entries: read only their links and placements
    linked = uow.register.links([e.id for e in rows] if few else None)
    placed = uow.register.placements([e.dossier_id for e in rows] if few else None)
    owed = emergencies(uow, [e.dossier_id for e in rows], config)
    withheld = uow.register.withheld([e.dossier_id for e in rows])
    amending = uow.register.effective_dates({by for link, _, by in linked if link.kind == "amend" and by})
    repealing = {r.id: r for r in uow.register.by_ids(
        sorted({link.by_entry_id for link, _, _ in linked if link.kind == "repeal" and link.by_entry_id}))}
    out = []
    for e in rows:
        effective, until = dates_of(e)
        amended_by = [by for link, t, by in linked if link.kind == "amend" and t == e.registration_number]
        status = rules.status_on(e.status, effective, until, today, awaits_gazette=e.awaits_gazette,
                                 amended=bool(amended_by))
        issue = placed.get(e.dossier_id)
        # The newest: a repeal by a document repealed itself before it took effect never happened.
        repeal = next(((link, by) for link, target, by in reversed(linked)
                       if link.kind == "repeal" and target == e.registration_number), None)
        repealed_on, repeal_pending = repeal_date(e, repeal[0] if repeal else None,
                                                  repealing.get(repeal[0].by_entry_id) if repeal else None)
        out.append(EntryView(
            registration_number=e.registration_number, document_number=e.document_number, title=e.title,
            organ=e.organ, drafting_unit=e.drafting_unit, signed_date=e.signed_date, published_at=e.published_at,
            effective_date=effective, valid_until=until,
            evaluation_due=rules.evaluation_due(until) if until else None,
            status=status, status_name=rules.STATUS_NAMES.get(status, status),
            status_changed_at=e.status_changed_at, legality_opinion=e.opinion_number, filed_at=e.filed_at,
            filing_number=e.filing_number,
            reported_on=e.reported_on or (local_date(e.filed_at) if e.filed_at else None), reported_to=e.reported_to,
            dossier=e.dossier_id, interpretation_page=e.interpretation_page,
            gazette_issue=f"{issue.year}年第{issue.number}期（总第{issue.total}期）" if issue else None,
            gazette_issue_id=issue.id if issue else None,
            gazette_page=f"items/{e.dossier_id}.html" if issue else None,
            amends=[t for link, t, by in linked if link.kind == "amend" and by == e.registration_number],
            amended_by=amended_by,
            amended_on={by: amending.get(by) for link, t, by in linked
                        if link.kind == "amend" and t == e.registration_number},
            repealed_by=repeal[1] if repeal else None, repeal_reason=repeal[0].reason if repeal else None,
            repealed_on=repealed_on, repeal_pending=repeal_pending,
            emergency=e.dossier_id in owed, review_owed=[i for i, _ in owed.get(e.dossier_id, ())],
            review_owed_names=[n for _, n in owed.get(e.dossier_id, ())],
            withheld_at=withheld[e.dossier_id].withheld_at if e.dossier_id in withheld else None,
            withheld_reason=withheld[e.dossier_id].withheld_reason if e.dossier_id in withheld else None))
    return out


def repeal_date(e: RegisterEntryRow, link: RegisterLinkRow | None,
                acting: RegisterEntryRow | None) -> tuple[dt.date | None, bool]:
    """(废止日期, still to come) of an entry: a repealed one's is the day its status changed (`repeal`
    dates it); one whose repeal is recorded but not in effect yet (将于…废止) shows the repealing
    document's day (None: 待定). A repealing document repealed itself before it took effect never
    takes effect: nothing is to come."""
    if e.status == "repealed":
        return (local_date(e.status_changed_at) if e.status_changed_at else None), False
    if link is None or acting is None or e.status in rules.FINAL or acting.status in rules.FINAL:
        return None, False
    return acting_day(acting), True


def emergencies(uow: Unit, dossier_ids: list[str], config=None) -> dict[str, list[tuple[str, str]]]:
    """Dossier → the stages (id, name) its emergency sign-off still owes, for those signed off in an
    emergency (dossiers.emergency_reason set); an empty list once reviewed after the fact."""
    from review.decisions import retrospective_pending
    from review.config import DEFAULT_CONFIG_TOML, parse_config
    out: dict[str, list[tuple[str, str]]] = {}
    for dossier_id in uow.register.signed_in_emergency(dossier_ids):
        _, view = uow.dossiers.view(dossier_id)
        # the version's own pipeline snapshot; the home's config (or the default) for older versions
        pipeline = pipeline_for(config or parse_config(DEFAULT_CONFIG_TOML), view.current)
        names = {x.id: x.name for x in pipeline.stages}
        pending = retrospective_pending(view, pipeline, uow.dossiers.decisions(dossier_id))
        out[dossier_id] = [(x, names.get(x, x)) for x in pending]
    return out


def list_entries(svc: Services, status: str | None = None, *, public: bool = False) -> list[EntryView]:
    with svc.reading() as uow:
        today = local_date(svc.now())
        found = views(uow, uow.register.entries(status, public=public, today=today), svc.config, today=today)
    return public_links(svc, found) if public else found


def newest_entries(svc: Services, statuses: tuple[str, ...] | None, limit: int, *, public: bool = False) -> list[EntryView]:
    """The newest `limit` entries of these statuses (None: any), newest first, read as a page."""
    with svc.unit() as uow:
        today = local_date(svc.now())
        found = views(uow, uow.register.newest(statuses, limit, public=public, today=today), svc.config, today=today)
    return public_links(svc, found) if public else found


def public_links(svc: Services, entries: list[EntryView]) -> list[EntryView]:
    """The entries as public outputs show them (register pages, exports, the API's public list): the documents
    they name as amending, amended or repealing only when public now (review.rules.is_public, through
    uow.public_site), as the site's entry page shows them; a withheld one is not named, its status stays."""
    named = {n for e in entries for n in (*e.amends, *e.amended_by, *([e.repealed_by] if e.repealed_by else []))}
    public = {e.registration_number for e in entries} & named        # the entries listed are public already
    if not named - public:
        return entries
    with svc.unit() as uow:
        public |= set(uow.public_site.public_entries(sorted(named - public)))
    return [e.model_copy(update={
        "amends": [n for n in e.amends if n in public], "amended_by": [n for n in e.amended_by if n in public],
        "amended_on": {n: day for n, day in e.amended_on.items() if n in public},
        "repealed_by": e.repealed_by if e.repealed_by in public else None}) for e in entries]


def show(svc: Services, number: str) -> EntryView:
    with svc.unit() as uow:
        return views(uow, [uow.register.require(number)], svc.config, today=local_date(svc.now()))[0]


# ---------------------------------------------------------------- changes

def _registrar(svc: Services, actor: str) -> str:
    p = person(svc.config, actor)
    if refusal := guards.may_keep_register(p):
        raise Refused(refusal)
    return p.name


def on_day(day: dt.date) -> dt.datetime:
    """The start of a day in local time, as a moment (a status that changed on a 施行日期)."""
    return dt.datetime.combine(day, dt.time()).astimezone()


def amend(svc: Services, number: str, by: str, actor: str) -> EntryView:
    """`by` amends `number`: both entries show the link; `number` becomes amended (still in force).
    The amendment's date is the amending document's 施行日期, not the day it is recorded: the status
    change is dated on it (and the annual figures count it in its year); an amending document still
    waiting for its gazette issue (待施行, no date) is dated when that issue fixes its date."""
    from storage.tables import RegisterLinkRow
    name = _registrar(svc, actor)
    with svc.unit() as uow:
        uow.register.hold([number, by])          # first: another status change commits before these reads
        still_enabled(uow, person(svc.config, name))      # disabled since this process read its people
        target, acting = uow.register.require(number), uow.register.require(by)
        if p := rules.amend_problem(number, target.status, by, acting.status):
            raise Refused(p)
        if uow.register.is_amended(target.id, by_entry_id=acting.id):
            raise Refused(problem("invalid_state", f"已记录 {by} 修改 {number}"))
        now = svc.now()
        uow.add(RegisterLinkRow(kind="amend", entry_id=target.id, by_entry_id=acting.id, actor=name, at=now))
        # A 待施行 document stays so and takes effect as amended (review/lifecycles.py REGISTER_ENTRY).
        action = "note_amendment" if target.status == rules.PENDING else "amend"
        status = REGISTER_ENTRY.step(target.status, action)
        if action == "amend":
            target.status = status
            day = acting_day(acting)
            target.status_changed_at = on_day(day) if day else now
        uow.audit.append(EntryAmended(dossier_id=target.dossier_id, actor=name, at=now,
                                     registration_number=number, by=by))
        return views(uow, [target], svc.config, today=local_date(now))[0]


def repeal(svc: Services, number: str, actor: str, by: str | None = None, reason: str | None = None) -> EntryView:
    """`number` is repealed. By a named document (`by`) it is dated as an amendment is (`acting_day`: that
    document's 施行日期, not the day recorded): on a day that has come it is repealed now, dated then; on
    a day still to come (or 待定, the document awaiting its gazette issue) the repeal is recorded and the
    entry stays as it is, 将于…废止, until that document takes effect (`take_effect_due`,
    `date_on_release`). With no document named it is repealed the day it is recorded."""
    from storage.tables import RegisterLinkRow
    name = _registrar(svc, actor)
    with svc.unit() as uow:
        uow.register.hold([number, by] if by else [number])     # first: as amend
        still_enabled(uow, person(svc.config, name))      # disabled since this process read its people
        target = uow.register.require(number)
        acting = uow.register.require(by) if by else None
        if p := rules.repeal_problem(number, target.status, by, acting.status if acting else None, reason):
            raise Refused(p)
        if (waiting := uow.register.repeal_of(target.id)) is not None:
            raise Refused(problem("invalid_state", f"{number} 已记录将被 {waiting} 废止（该文件施行之日起），"
                                                   "不能再废止"))
        status = REGISTER_ENTRY.step(target.status, "repeal")     # refused now if it may not be repealed
        now = svc.now()
        uow.add(RegisterLinkRow(kind="repeal", entry_id=target.id, by_entry_id=acting.id if acting else None,
                              reason=reason, actor=name, at=now))
        day = acting_day(acting) if acting else local_date(now)
        # A repealing document not in force yet (its day to come, or waiting for its gazette issue: rule 7)
        # repeals on the day it takes effect (take_effect_due, date_on_release), not before.
        scheduled = day is None or day > local_date(now) or (acting is not None and acting.status == rules.PENDING)
        if not scheduled:
            target.status, target.status_changed_at = status, on_day(day) if acting else now
        uow.audit.append(EntryRepealed(dossier_id=target.dossier_id, actor=name, at=now,
                                      registration_number=number, by=by, reason=reason,
                                      repealed_on=day, scheduled=scheduled))
        uow.flush()
        return views(uow, [target], svc.config, today=local_date(now))[0]


def _repeals_on_effect(uow: Unit, acting: RegisterEntryRow, day: dt.date, actor: str, now: dt.datetime,
                       links: list | None = None, record=None) -> None:
    """`acting` takes effect on `day`: the repeals recorded as its (将于…废止) are made now, dated `day`.
    `links`: its repeal links read already (else read here); `record`: where the events go (else
    appended one by one)."""
    record = record or uow.audit.append
    for link, target in uow.register.repeals_by(acting.id) if links is None else links:
        if target.status in rules.FINAL:
            continue
        target.status, target.status_changed_at = REGISTER_ENTRY.step(target.status, "repeal"), on_day(day)
        record(EntryRepealed(dossier_id=target.dossier_id, actor=actor, at=now,
                                      registration_number=target.registration_number,
                                      by=acting.registration_number, reason=link.reason, repealed_on=day))


def expire_due(svc: Services, today: dt.date, actor: str = "lockstep") -> list[EntryView]:
    """Entries past their valid-until day become expired. What the scheduled check calls (no role:
    the system acts); `lockstep register expire` calls `expire` with the registrar's name."""
    with svc.unit() as uow:
        uow.register.hold()                      # first: a 废止 under way commits before these reads
        lapsed = [e for e in uow.register.entries() if rules.expires(e.status, dates_of(e)[1], today)]
        now = svc.now()
        for e in lapsed:
            e.status, e.status_changed_at = REGISTER_ENTRY.step(e.status, "expire"), now
            uow.audit.append(EntryExpired(dossier_id=e.dossier_id, actor=actor, at=now,
                                         registration_number=e.registration_number, valid_until=dates_of(e)[1]))
        uow.flush()
        return views(uow, lapsed, svc.config, today=today)


def expire(svc: Services, today: dt.date, actor: str) -> list[EntryView]:
    return expire_due(svc, today, _registrar(svc, actor))


# ---------------------------------------------------------------- 待施行 → 现行有效

def _in_force_status(uow: Unit, e: RegisterEntryRow, amended: bool | None = None) -> str:
    """What a 待施行 entry becomes on its day: amended if another document already amended it."""
    amended = uow.register.is_amended(e.id) if amended is None else amended
    return REGISTER_ENTRY.step(e.status, "take_effect_amended" if amended else "take_effect")


def take_effect_due(svc: Services, today: dt.date, actor: str = "lockstep") -> list[EntryView]:
    """待施行 entries whose 施行日期 has come become 现行有效. What the scheduled check calls with
    `expire_due` (no role: the system acts); never one whose date the gazette has not fixed yet."""
    with svc.unit() as uow:
        uow.register.hold()                      # first: as expire_due
        due = [e for e in uow.register.entries(rules.PENDING)
               if rules.takes_effect(e.status, e.effective_date, today, gazetted=not e.awaits_gazette)]
        now = svc.now()
        for e in due:
            e.status, e.status_changed_at = _in_force_status(uow, e), now
            uow.audit.append(EntryTookEffect(dossier_id=e.dossier_id, actor=actor, at=now, status=e.status,
                                            registration_number=e.registration_number,
                                            effective_date=e.effective_date))
            _repeals_on_effect(uow, e, e.effective_date, actor, now)
        uow.flush()
        return views(uow, due, svc.config, today=today)


def date_on_release(svc: Services, uow: Unit, issue: str, release: dt.date, facts, actor: str) -> list[str]:
    """In the release's transaction: every 待施行 entry of a document in the issue without a 施行日期
    gets the issue's date as its 施行日期 (or what its text says, read against that date), its
    有效期至 from it; it, and one whose text named its date and that waited for this issue, becomes
    现行有效 if that day has come (else the scheduled check moves it on the day).
    `facts`: the issue's publishing.gazette_rules.ItemFacts. Returns the numbers dated here."""
    today = local_date(svc.now())
    dated = []
    # The entries and their links read together, the events appended together in the same order
    # (storage/audit.append_all): a hundred items are a few statements, not a thousand.
    entries = uow.register.entries_for([f.dossier for f in facts])
    # Every document the issue carries is 公布 now, whatever its pipeline says: an entry of a kind the
    # config does not name waits since migration 0019 (fail closed) and is released here too.
    for e in uow.register.entries_for([i.dossier_id for i in uow.gazette.members(issue)]).values():
        e.awaits_gazette = False
    links = uow.register.links_acting([e.id for e in entries.values()])
    events: list[Event] = []
    for f in facts:
        e = entries.get(f.dossier)
        if e is None:
            continue
        e.awaits_gazette = False                 # published in the gazette: rule 7 is met
        if e.status != rules.PENDING:
            continue
        now = svc.now()
        if e.effective_date is None:
            effective = rules.effective_on_release(f.effective, f.signed_date, release)
            e.effective_date, e.valid_until = effective, rules.valid_until(effective, e.title)
            events.append(EntryDated(dossier_id=e.dossier_id, actor=actor, at=now, issue=issue,
                                     registration_number=e.registration_number, effective_date=effective))
            dated.append(e.registration_number)
        else:       # its text named the date (never before the issue: gazette_rules); it waited for the issue
            effective = e.effective_date
        acts = links[e.id]
        if rules.takes_effect(e.status, effective, today):
            e.status, e.status_changed_at = _in_force_status(uow, e, bool(acts["amended"])), now
            events.append(EntryTookEffect(dossier_id=e.dossier_id, actor=actor, at=now, status=e.status,
                                          registration_number=e.registration_number,
                                          effective_date=effective))
            _repeals_on_effect(uow, e, effective, actor, now, acts["repeal"], events.append)
        # The documents it amends: their amendment is dated on its 施行日期, now known.
        for _, target in acts["amend"]:
            if target.status == "amended":
                target.status_changed_at = on_day(effective)
    uow.audit.append_all(events)
    return dated


def take_effect(svc: Services, today: dt.date, actor: str) -> list[EntryView]:
    """`lockstep register expire` does what the scheduled check does: the registrar's name on it."""
    return take_effect_due(svc, today, _registrar(svc, actor))


# ---------------------------------------------------------------- what a 废止 must carry (surfaces ask)

REPEAL_CONFIRM = "yes"          # the desk's 我已核对，确认废止 box (desk/pages_register.py), checked by the server


def repeal_request_problem(reason: str | None, confirmed: bool):
    """废止 is not undone: every surface asks for a reason (even with a repealing document named) and a
    confirmation (the CLI's --yes or its prompt, the desk's box) before it calls `repeal`."""
    if guards.written_length(reason or "") < 2:
        return problem("request_invalid", "废止须写明理由（如“上位法已废止”“已被新文件取代”）")
    if not confirmed:
        return problem("request_invalid", "废止后不能撤回：请核对后确认（命令行加 --yes 或在终端中按提示确认，"
                                          "工作台勾选“我已核对，确认废止”）")
    return None
