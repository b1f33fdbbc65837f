"""Releasing a gazette issue: the print and electronic editions from one source, at one moment.

Assembling the issue is services/gazette/issues.py; what it holds, as shown, services/gazette/members.py."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from pydantic import BaseModel

from documents.problems import Refused, problem
from publishing import gazette_rules as rules
from review import rules as guards
from review.lifecycles import GAZETTE_ISSUE, GAZETTE_ITEM
from review.model import Event
from publishing.editions import IssueContent, manifest, web_edition
from publishing.editions_print import print_edition
from publishing import editions_pdf
from services.dossiers.withhold import MAKER as WEB_PUBLIC_MAKER, WEB_PUBLIC, prints_not_public, public_manifest
from services.home.context import Services
from services.home.crashpoints import crash_point
from services.home.folder import private, public_folder
from services.review.actions import person
from services.review.basics import still_enabled
from services.gazette.items import derived, edition_items, issue_facts, policy_texts, versions_of
from services.gazette.members import IssueView, Released, editor, issue_view, load_issue, notices as notices_of
from services.gazette.search import index_notices, index_released_items
from services.register.life import date_on_release
from storage.jobs import STALE_AFTER, Job

if TYPE_CHECKING:
    from storage.unit import Unit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEMP_PREFIX = ".tmp-"           # a release's folder before its commit (lockstep storage check knows it)


class IssueReleased(Event):
    name: ClassVar[str] = "gazette.issue.released"
    issue: str
    release_date: dt.date
    print_sha256: str
    web_sha256: str
    dossiers: tuple[str, ...]


class Editions(NamedTuple):
    """Both editions of an issue as built from the stored content, with what they were built from."""
    items: list
    kept: dict
    versions: dict
    facts: list
    placed: list
    print_name: str
    docx: bytes
    pages: dict[str, bytes]
    notices: tuple = ()              # the 更正启事 it prints (publishing/corrections.Notice)


def _build(svc: Services, uow: Unit, issue, day: dt.date, now: dt.datetime) -> Editions:
    items = uow.gazette.members(issue.id)
    notices = tuple(notices_of(uow, issue.id))
    if not items and not notices:       # an issue of corrections alone is still an issue
        raise Refused(problem("invalid_state", f"公报{issue.year}年第{issue.number}期还没有稿件，"
                                               "请先编入稿件或更正启事"))
    by_id = {i.id: i for i in items}
    # Every item's version, and its documents' text and HTML as kept at publication, read
    # once for the rules, both editions and the search index alike.
    kept = derived(uow)
    versions = versions_of(uow, items)
    all_facts = issue_facts(svc, uow, items, d=kept, versions=versions)
    if problems := rules.admission_problems(all_facts, day):
        raise Refused(*problems)
    placed = rules.ordered(all_facts)
    content = IssueContent(
        city=svc.config.city, editor=f"{svc.config.city}人民政府办公室", year=issue.year,
        number=issue.number, total=issue.total, release_date=day, released_at=now,
        items=edition_items(svc, kept, [(section, by_id[f.item_id]) for section, f in placed], versions),
        notices=notices)
    print_name = f"{content.name}.docx"
    docx = print_edition(content, interpretations=svc.config.gazette.interpretations)
    return Editions(items, kept, versions, all_facts, placed, print_name, docx,
                    web_edition(content, print_name=print_name), notices)


def preview(svc: Services, issue_id: str, date: dt.date | None = None) -> Editions:
    """A draft issue's two editions as release would make them today: shown, never stored."""
    with svc.unit() as uow:
        issue = load_issue(uow, issue_id, draft=True)
        now = uow.now()
        return _build(svc, uow, issue, date or issue.planned_date or now.astimezone().date(), now)


KIND = "gazette_release"         # the outbox job a release decision writes (storage/jobs.py)
PDF_KIND = "gazette_pdf"         # the outbox job a release's commit writes: its print edition as a PDF
MAX_ATTEMPTS = 10
RETRYABLE = frozenset({"storage_unavailable", "database_unavailable"})   # a fault: the sweep tries again


class ReleaseDecided(Event):
    """出版 or 定时出版 decided: the job (fingerprint = this event's hash) carries it out."""
    name: ClassVar[str] = "gazette.issue.release_decided"
    issue: str
    folder: str                      # where the edition folder goes (--out/ISSUE, or the desk's)
    release_date: dt.date
    moment: dt.datetime              # when it is public: the decision itself, or the scheduled moment
    scheduled: bool


class ReleasePrepared(Event):
    """A scheduled issue's editions built, stored and fingerprinted; public at `moment`."""
    name: ClassVar[str] = "gazette.issue.release_prepared"
    issue: str
    moment: dt.datetime
    print_sha256: str
    web_sha256: str


class ReleaseCancelled(Event):
    name: ClassVar[str] = "gazette.issue.release_cancelled"
    issue: str
    moment: dt.datetime | None
    reason: str


class ReleaseAbandoned(Event):
    """The release's work was refused (a rule, an occupied folder): the issue is a draft again."""
    name: ClassVar[str] = "gazette.issue.release_abandoned"
    issue: str
    problems: list[dict]


class Decision(NamedTuple):
    key: str                         # the decision event's hash (the job's fingerprint)
    issue: str
    folder: Path
    release_date: dt.date
    moment: dt.datetime
    scheduled: bool


def _decision(row) -> Decision:
    p = row.payload
    return Decision(row.hash, p["issue"], Path(p["folder"]), dt.date.fromisoformat(p["release_date"]),
                    _aware(dt.datetime.fromisoformat(p["moment"])), bool(p["scheduled"]))


def _aware(t: dt.datetime) -> dt.datetime:
    """A time read back from the database: SQLite returns them naive, in UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)


def release_issue(svc: Services, issue_id: str, out_dir: Path, actor: str,
                  date: dt.date | None = None, at: dt.datetime | None = None, *, pdf: bool = True) -> Released:
    """Release the issue (or schedule it: `at`, a moment to come; naive means local time).

    The decision commits first, with a gazette_release job (the outbox, issue 12); this call then
    claims the job and does the work: both editions built, stored and fingerprinted, the rows, and the
    folder out_dir/ISSUE moved into place after the commit. A scheduled release stops after storing:
    nothing is public before its moment, when `release_pending` (the sweep) makes it public. If this
    process dies after the decision, the sweep (or the same command again) completes it.

    After the commit the print edition's PDF is made (`pdf`: here and now; else its job waits for the
    sweep or `print_pdf`): the release never waits on it, and without LibreOffice it still completes."""
    answered = decide_release(svc, issue_id, out_dir, actor, date, at)
    if answered is not None:
        return with_pdf(svc, answered, make=pdf)
    crash_point("gazette.release.decided")              # decided and committed, nothing built yet
    return with_pdf(svc, _work(svc, issue_id, actor), make=pdf)


def decide_release(svc: Services, issue_id: str, out_dir: Path, actor: str, date: dt.date | None = None,
                   at: dt.datetime | None = None) -> Released | None:
    """The release's decision and its gazette_release job, committed; None when the job is there to
    run (a work pool runs it by its id: `release_job`; then `answer_release` answers here)."""
    editor(svc, actor)
    target = Path(out_dir) / issue_id
    return svc.retrying(lambda: _decide(svc, issue_id, target, actor, date, at))


def answer_release(svc: Services, issue_id: str, actor: str) -> Released:
    """The issue's release as it stands once its job has run elsewhere (the folder completed here from
    the stored editions), or run here if the job still waits."""
    return with_pdf(svc, _work(svc, issue_id, actor))


def release_job(svc: Services, job_id: int, actor: str | None = None) -> Released | None:
    """Run one gazette_release job given by its id (a work pool's flow run); None when it is not this
    run's to do (done, or held by a live worker) or the decision is no longer the issue's."""
    jobs = svc.retrying(lambda: _claim(svc, job_id=job_id, limit=1))
    if not jobs:
        return None
    done = _run(svc, jobs[0], actor or jobs[0].actor or "lockstep")
    return with_pdf(svc, done) if done is not None else None


def _decide(svc: Services, issue_id: str, target: Path, actor: str, date: dt.date | None,
            at: dt.datetime | None) -> Released | None:
    """Commit the decision and its job; None when the job is there to run (now or already)."""
    with svc.unit() as uow:
        issue = load_issue(uow, issue_id)
        who = person(svc.config, actor)
        still_enabled(uow, who)         # disabled since this process read its people: refused
        if issue.status in ("releasing", "scheduled") and at is None:
            if refusal := guards.may_edit_gazette(who):
                raise Refused(refusal)
            return None                 # decided already (a killed run): this run carries it out
        if refusal := guards.may_release(who, issue.status, scheduled=at is not None):
            if refusal.code == "invalid_state" and guards.may_edit_gazette(who) is None and at is None \
                    and issue.web_sha256 and (target.exists() or _leftovers(target)):
                return _complete(svc, uow, issue, target)
            raise Refused(refusal)
        now = uow.now()
        if at is not None:
            moment = guards.release_moment(at)       # None: no such moment on this clock (year 1, 9999)
            if moment is not None and moment <= now:
                raise Refused(problem("request_invalid", f"定时出版的时间 {_local(moment)} 已过，"
                                                         "请填写将来的时间（不填则立即出版）"))
            if far := guards.release_moment_problem(moment, now, "定时出版"):
                raise Refused(far)
            day = moment.astimezone().date()
            if date is not None and date != day:
                raise Refused(problem("request_invalid", f"出版日期 {date.isoformat()} 与定时出版的时间 "
                                                         f"{_local(moment)} 不是同一天"))
        else:
            moment, day = now, date or issue.planned_date or now.astimezone().date()
        issue.status = GAZETTE_ISSUE.step(issue.status, "schedule" if at is not None else "release")
        issue.release_date, issue.released_at, issue.released_by, issue.updated_at = day, moment, actor, now
        event = uow.audit.append(ReleaseDecided(dossier_id=None, actor=actor, at=now, issue=issue.id,
                                                folder=str(target), release_date=day, moment=moment,
                                                scheduled=at is not None))
        uow.jobs.add(KIND, issue.id, event.hash, now, actor)
    return None


def _local(t: dt.datetime) -> str:
    return t.astimezone().strftime("%Y-%m-%d %H:%M")


def _work(svc: Services, issue_id: str, actor: str) -> Released:
    """Claim the issue's job and run it; with no job to claim, answer the issue as it stands."""
    jobs = svc.retrying(lambda: _claim(svc, dossier_id=issue_id, limit=1))
    done = _run(svc, jobs[0], actor) if jobs else None
    if done is not None:
        return done
    with svc.unit() as uow:
        issue = load_issue(uow, issue_id)
        latest = uow.gazette.latest_release_decision(issue_id, ReleaseDecided.name)
        if latest is None or issue.status == "draft":
            raise Refused(problem("invalid_state", f"公报{issue.year}年第{issue.number}期的出版已撤回，仍是编排中"))
        decision = _decision(latest)
        if issue.status == "released":
            return _complete(svc, uow, issue, decision.folder)
        if issue.status == "scheduled" and issue.web_sha256:
            return _released(issue_view(svc, uow, issue), decision.folder, issue.print_name)
        raise Refused(problem("invalid_state", f"公报{issue.year}年第{issue.number}期正在由另一进程出版，"
                                               "请稍后用 lockstep gazette issue show 查看"))


def _claim(svc: Services, **kw) -> list[Job]:
    with svc.unit() as uow:
        return uow.jobs.claim(KIND, now=svc.now(), **kw)


def _run(svc: Services, job: Job, actor: str) -> Released | None:
    """Carry out the job's decision; a refusal abandons it (the issue a draft again, audited), a fault
    gives it back for the sweep."""
    try:
        return svc.retrying(lambda: _carry_out(svc, job.fingerprint, actor, job))
    except Refused as r:
        if r.problem.code in RETRYABLE and job.attempts < MAX_ATTEMPTS:
            _give_back(svc, lambda uow: uow.jobs.failed(job, r.problem, retry=True))
        else:
            _give_back(svc, lambda uow: _abandon(uow, job, r, actor))
        raise
    except BaseException:
        _give_back(svc, lambda uow: uow.jobs.release(job))
        raise


def _give_back(svc: Services, change) -> None:
    try:
        with svc.unit() as uow:
            change(uow)
    except Exception:       # noqa: BLE001 - the database is away too: the claim goes stale instead
        pass


def _abandon(uow: Unit, job: Job, refused: Refused, actor: str) -> None:
    if not uow.jobs.failed(job, refused.problem, retry=False):
        return
    issue = uow.gazette.issue(job.dossier_id)
    if issue is None or not GAZETTE_ISSUE.allows(issue.status, "abandon"):
        return
    latest = uow.gazette.latest_release_decision(issue.id, ReleaseDecided.name)
    if latest is None or latest.hash != job.fingerprint:
        return
    issue.status = GAZETTE_ISSUE.step(issue.status, "abandon")
    uow.gazette.undecide(issue, uow.now())
    uow.audit.append(ReleaseAbandoned(dossier_id=None, actor=actor, at=uow.now(), issue=issue.id,
                                      problems=[p.model_dump(mode="json") for p in refused.problems]))


def _carry_out(svc: Services, key: str, actor: str, job: Job | None) -> Released | None:
    """The decision's work, idempotent per issue: build and store both editions; if the moment has
    come, record the release (rows, index, register dates, audit) and show the folder after the
    commit, else keep the fingerprints and wait. None: the decision is no longer the issue's (a
    cancelled or abandoned release): the job is done with nothing to do."""
    tmp: Path | None = None
    try:
        with svc.unit() as uow:
            row = uow.gazette.release_decision(key)
            if row is None:
                raise Refused(problem("not_found", f"没有出版决定 {key[:12]}"))
            decision = _decision(row)
            target, day, moment = decision.folder, decision.release_date, decision.moment
            issue = load_issue(uow, decision.issue)
            now = uow.now()
            latest = uow.gazette.latest_release_decision(issue.id, ReleaseDecided.name)
            if job is not None:
                uow.jobs.done(KIND, issue.id, key, now)
            if issue.status == "released":
                return _complete(svc, uow, issue, target)
            if issue.status not in ("releasing", "scheduled") or latest is None or latest.hash != key:
                return None
            final = moment <= now
            if not final and issue.web_sha256:          # prepared already: waits for its moment
                return _released(issue_view(svc, uow, issue), target, issue.print_name)
            # A withhold racing this release waits for its commit (then revises its edition), or this
            # release, reading after the lock, sees it and is refused (not_public): never a withheld
            # document in an edition just released.
            uow.dossiers.hold({i.dossier_id for i in uow.gazette.members(issue.id)}
                              | {c.corrects_dossier for c, _ in uow.gazette.notices_in(issue.id) if c.corrects_dossier})
            built = _build(svc, uow, issue, day, moment)
            items, versions, all_facts, placed = built.items, built.versions, built.facts, built.placed
            print_name, docx, pages = built.print_name, built.docx, built.pages
            files = _folder_files(print_name, docx, pages)
            if final and target.exists() and not _holds(target, files):
                raise Refused(_occupied(target))
            listing = manifest(pages)          # each page hashed once here (fingerprint(pages) would again)
            print_sha, web_sha = _put_all(svc, [(docx, DOCX), (listing, "application/json")] + [
                (data, "text/html; charset=utf-8" if path.endswith(".html") else "application/octet-stream")
                for path, data in pages.items()])[:2]
            assert web_sha == hashlib.sha256(listing).hexdigest()
            issue.print_name, issue.print_sha256, issue.web_sha256, issue.updated_at = print_name, print_sha, web_sha, now
            if not final:
                uow.audit.append(ReleasePrepared(dossier_id=None, actor=actor, at=now, issue=issue.id,
                                                 moment=moment, print_sha256=print_sha, web_sha256=web_sha))
                uow.flush()
                return _released(issue_view(svc, uow, issue, all_facts), target, print_name)
            issue.status = GAZETTE_ISSUE.step(issue.status, "publish")
            issue.release_date, issue.released_at = day, moment
            for item in items:
                item.status = GAZETTE_ITEM.step(item.status, "print")
            # The gazette database answers for the issue from the moment it is out: same transaction.
            index_released_items(uow, issue.id, items, versions, policy_texts(built.kept, versions),
                                 {f.item_id: f.organ for f in all_facts})
            index_notices(uow, issue.id, built.notices, day, f"{svc.config.city}人民政府办公室")
            # 施行日期 of a normative document naming none is the issue's date (DESIGN.md rule 7).
            date_on_release(svc, uow, issue.id, day, [f for f in all_facts if f.normative], actor)
            for link in uow.gazette.placements(issue.id):
                link.section = next(sec for sec, f in placed if f.item_id == link.item_id)
            uow.audit.append(IssueReleased(dossier_id=None, actor=actor, at=now, issue=issue.id,
                                           release_date=day, print_sha256=print_sha, web_sha256=web_sha,
                                           dossiers=tuple(f.dossier for _, f in placed)))
            # Its PDF is derived after the commit (the outbox: a kill before it leaves the job to the sweep).
            if editions_pdf.wanted():
                uow.jobs.add(PDF_KIND, issue.id, print_sha, now, actor)
            uow.flush()
            view = issue_view(svc, uow, issue, all_facts)
            # The folder is written before the commit (a full disk refuses the release) but shown
            # only after it: until then it is a temporary sibling nobody serves.
            if not target.exists():
                tmp = _write_temp(target, files)
            crash_point("gazette.release.before_commit")
        crash_point("gazette.release.after_commit")
        if tmp is not None:
            _show(tmp, target, files)
            tmp = None
            _revised_meanwhile(svc, web_sha, {i.dossier_id for i in items}, target, decision.issue, print_name)
        _clean_leftovers(target)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _released(view, target, print_name)


def _revised_meanwhile(svc: Services, web_sha: str, dossiers: set[str], target: Path, issue_id: str,
                      print_name: str) -> None:
    """A withhold that committed between this release's commit and its folder's move found no folder
    to revise: the folder is brought to the public revision now, and its print edition kept from the
    public (as the withhold does). The dossiers are held while it is read and written, so a withhold
    still under way commits first (having revised the folder shown by then) or waits for this."""
    with svc.unit() as uow:
        uow.dossiers.hold(dossiers)
        public = public_manifest(uow, web_sha)
        if public != web_sha:
            from services.dossiers.withhold import _rewrite
            _rewrite(target / "html", _pages_of(svc, public))
        if prints_not_public(uow, issue_id):
            private(target / print_name)


class SweepReport(BaseModel):
    results: list[dict] = []         # per issue carried out: the Released view, or issue + problems


def release_pending(svc: Services, actor: str = "lockstep", *, limit: int = 20,
                    stale_after: dt.timedelta = STALE_AFTER) -> SweepReport:
    """The sweep for the gazette: every gazette_release job pending or held by a dead worker (or for
    longer than `stale_after`), then every scheduled issue whose moment has come, made public."""
    out: list[dict] = []
    tried: list[int] = []
    while jobs := svc.retrying(lambda: _claim(svc, limit=limit, stale_after=stale_after, exclude=tuple(tried))):
        for job in jobs:
            tried.append(job.id)
            out.append(_report(job.dossier_id, lambda: _run(svc, job, job.actor or actor)))
    out += release_due(svc, actor)
    pdfs: list[int] = []
    # Without LibreOffice the PDF jobs wait (with their note) for a sweep on a machine that has it.
    while editions_pdf.wanted() and editions_pdf.soffice() and (jobs := svc.retrying(lambda: _claim_pdf(svc, limit=limit, stale_after=stale_after, exclude=tuple(pdfs)))):
        for job in jobs:
            pdfs.append(job.id)
            made = _make_pdf(svc, job)
            out.append({"issue": job.dossier_id, "pdf": made.pdf_path is not None, "pdf_note": made.pdf_note})
    return SweepReport(results=out)


def release_due(svc: Services, actor: str = "lockstep") -> list[dict]:
    """Every scheduled issue whose moment has come, made public now (the desk's clock calls this
    every half minute; the sweep and the scheduled check too). Two at once are safe: the issue row's
    version lets one commit, the other finds it released."""
    with svc.unit() as uow:
        now = uow.now()
        due = [(i.id, uow.gazette.latest_release_decision(i.id, ReleaseDecided.name))
               for i in uow.gazette.scheduled_issues()
               if i.web_sha256 and i.released_at is not None and _aware(i.released_at) <= now]
    out = [_report(issue_id, lambda row=row: svc.retrying(lambda: _carry_out(svc, row.hash, row.actor or actor, None)))
           for issue_id, row in due if row is not None]
    for r in out:                   # public now: its PDF next (after the commit, as an immediate release)
        if r.get("released"):
            made = print_pdf(svc, r["issue"])
            r.update(pdf_path=made.pdf_path, pdf_note=made.pdf_note)
    return out


def _report(issue_id: str, work) -> dict:
    try:
        done = work()
    except Refused as r:
        return {"issue": issue_id, "released": False, "problems": [p.model_dump(mode="json") for p in r.problems]}
    if done is None:
        return {"issue": issue_id, "released": False, "obsolete": True}
    return {**done.model_dump(mode="json"), "released": done.status == "released"}


def cancel_release(svc: Services, issue_id: str, reason: str, actor: str) -> IssueView:
    """取消定时出版: before its moment, with a reason; the issue is a draft again (audited). The
    editions it had stored are named by nothing now (`lockstep storage check --repair` removes them).

    One conditional write (uow.gazette.undecide_if) takes the issue from the state it was read in: of
    two cancels at once (two clicks, the CLI and the desk) or a cancel and the release at its moment,
    exactly one is recorded; the others are refused (invalid_state) with what did happen
    (_cancel_lost): cancelled already, and by whom, or released. A write lost to the editions being
    prepared (the issue still scheduled) is tried again on what is there now."""
    who = person(svc.config, actor)

    def attempt() -> IssueView | None:
        with svc.unit() as uow:
            issue = load_issue(uow, issue_id)
            if refusal := guards.may_cancel_release(who, issue.status):
                raise Refused(_cancel_lost(uow, issue) if refusal.code == "invalid_state" else refusal)
            if refusal := guards.cancel_reason_problem(reason):
                raise Refused(refusal)
            now = uow.now()
            moment = _aware(issue.released_at) if issue.released_at else None
            if moment is not None and moment <= now:
                raise Refused(problem("invalid_state", f"公报{issue.year}年第{issue.number}期定时出版的时间 "
                                                       f"{_local(moment)} 已到，不能再取消"))
            if not uow.gazette.undecide_if(issue, status=issue.status, now=now,
                                           to=GAZETTE_ISSUE.step(issue.status, "cancel")):
                if issue.status == "scheduled" and issue.released_at is not None and moment is not None \
                        and _aware(issue.released_at) == moment:
                    return None             # its editions prepared meanwhile: read it again
                raise Refused(_cancel_lost(uow, issue, moment))
            uow.audit.append(ReleaseCancelled(dossier_id=None, actor=actor, at=now, issue=issue.id,
                                              moment=moment, reason=reason.strip()))
            uow.flush()
            return issue_view(svc, uow, issue)

    def work() -> IssueView:
        for _ in range(CANCEL_ATTEMPTS):
            if (view := attempt()) is not None:
                return view
        raise Refused(problem("invalid_state", f"公报期次 {issue_id} 正被同时更改，请稍后再取消"))
    return svc.retrying(work)


CANCEL_ATTEMPTS = 5


def _cancel_lost(uow: Unit, issue, moment: dt.datetime | None = None):
    """Why a cancel finds nothing to cancel, as it is now (the issue row read again); `moment`: the
    scheduled moment the cancel was about, when the issue has been scheduled anew since."""
    name = f"公报{issue.year}年第{issue.number}期"
    if issue.status == "scheduled" and issue.released_at is not None:
        return problem("invalid_state", f"{name}的定时出版已被取消并重新定时（现定于 "
                                        f"{_local(_aware(issue.released_at))}），请确认后再决定是否取消", advice="")
    if issue.status == "released":
        return problem("invalid_state", f"{name}已出版，不能再取消", advice="")
    if issue.status == "releasing":
        return problem("invalid_state", f"{name}正在出版，不能再取消", advice="")
    cancelled = uow.gazette.latest_release_decision(issue.id, ReleaseCancelled.name)
    decided = uow.gazette.latest_release_decision(issue.id, ReleaseDecided.name)
    if issue.status == "draft" and cancelled is not None and (decided is None or cancelled.seq > decided.seq):
        p = cancelled.payload or {}
        when = _local(_aware(cancelled.at)) if cancelled.at else ""
        return problem("invalid_state", f"{name}的定时出版已被取消（{cancelled.actor} 于 {when} 取消定时出版，"
                                        f"理由：{p.get('reason', '')}），现为编排中", advice="")
    if issue.status == "draft" and decided is not None:
        return problem("invalid_state", f"{name}的出版决定已撤回（出版工作未能完成），现为编排中，没有可取消的定时出版", advice="")
    return GAZETTE_ISSUE.refusal(issue.status, "cancel") or problem("invalid_state", f"{name}没有可取消的定时出版")


def _released(view, target: Path, print_name: str) -> Released:
    return Released(**view.model_dump(), folder=str(target), print_path=str(target / print_name),
                    web_index=str(target / "html" / "index.html"))


def _complete(svc: Services, uow: Unit, issue, target: Path) -> Released:
    """The issue is out already: a release run again into the folder it was released to completes
    that folder from the stored objects (a kill came between the commit and the move), or finds it
    complete. Either way it answers as the release did."""
    print_data = svc.store.get(issue.print_sha256)
    editions = [_folder_files(issue.print_name, print_data, _pages_of(svc, sha))
                for sha in dict.fromkeys([public_manifest(uow, issue.web_sha256), issue.web_sha256])]
    if target.exists():
        if not any(_holds(target, files) for files in editions):
            raise Refused(_occupied(target))
    else:
        files = dict(editions[0])
        made = uow.derived.find({issue.print_sha256}, editions_pdf.KIND, editions_pdf.MAKER)
        if made:                        # its PDF too, which the public 目录 links
            files[editions_pdf.pdf_name(issue.print_name)] = svc.store.get(made[issue.print_sha256])
        tmp = _write_temp(target, files)
        try:
            _show(tmp, target, editions[0])
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    _clean_leftovers(target)
    return _released(issue_view(svc, uow, issue), target, issue.print_name)


def _pages_of(svc: Services, manifest_sha: str) -> dict[str, bytes]:
    listing = json.loads(svc.store.get(manifest_sha))
    return {path: svc.store.get(sha) for path, sha in listing.items()}


def _folder_files(print_name: str, docx: bytes, pages: dict[str, bytes]) -> dict[str, bytes]:
    return {print_name: docx, **{f"html/{p}": d for p, d in pages.items()}}


def _occupied(target: Path):
    return problem("invalid_state", f"输出目录 {target} 已存在，且其内容不是本期的出版物，请换一个目录或移走它")


def _holds(folder: Path, files: dict[str, bytes]) -> bool:
    """Exactly these files, byte for byte, and nothing else."""
    if not folder.is_dir():
        return False
    found = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}
    found -= {rel for rel in found if "/" not in rel and rel.endswith(".pdf")}   # the PDF, made after the release
    if found != set(files):
        return False
    return all((folder / rel).read_bytes() == data for rel, data in files.items())


def _leftovers(target: Path) -> list[Path]:
    """Temporary folders a killed release of this issue left beside its folder."""
    parent = target.parent
    if not parent.is_dir():
        return []
    return [p for p in parent.glob(f"{TEMP_PREFIX}{target.name}-*") if p.is_dir()]


def _clean_leftovers(target: Path) -> None:
    for p in _leftovers(target):
        shutil.rmtree(p, ignore_errors=True)


def _put_all(svc: Services, objects: list[tuple[bytes, str]]) -> list[str]:
    """Store every object; keys in the same order. Each put waits on its own write (the folder
    store syncs every object to disk before naming it; S3 answers each request), and the objects
    are independent: a few at a time, side by side, instead of two hundred waits in a row."""
    store = svc.store
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda o: store.put(o[0], content_type=o[1]), objects))


def _write_temp(target: Path, files: dict[str, bytes]) -> Path:
    """Both editions in a temporary sibling of target (same filesystem: the move is one rename)."""
    public_folder(target.parent)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f"{TEMP_PREFIX}{target.name}-"))
    try:
        os.chmod(tmp, 0o755)            # the editions are public: mkdtemp makes 0700, a web server reads them
        for rel, data in files.items():
            path = tmp / rel
            public_folder(path.parent)
            path.write_bytes(data)
            os.chmod(path, 0o644)       # whatever the umask (000 would let anyone rewrite the edition)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def _show(tmp: Path, target: Path, files: dict[str, bytes]) -> None:
    """Move the finished folder into place; one that appeared meanwhile with the same content wins."""
    try:
        os.rename(tmp, target)
    except OSError:
        if not _holds(target, files):
            raise
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------- the print edition as a PDF

class PdfMade(NamedTuple):
    pdf_path: str | None             # in the release folder
    pdf_note: dict | None            # the problem when none was made (print_pdf_unavailable)
    seconds: float = 0.0             # LibreOffice's time, this run


def _claim_pdf(svc: Services, **kw) -> list[Job]:
    with svc.unit() as uow:
        return uow.jobs.claim(PDF_KIND, now=svc.now(), **kw)


def print_pdf(svc: Services, issue_id: str) -> PdfMade:
    """Make the released issue's print edition PDF now, if its job waits (else say how it stands)."""
    jobs = svc.retrying(lambda: _claim_pdf(svc, dossier_id=issue_id, limit=1))
    if jobs:
        return _make_pdf(svc, jobs[0])
    return _pdf_state(svc, issue_id)


def with_pdf(svc: Services, released: Released, *, make: bool = True) -> Released:
    """The release's answer with its PDF (made here first when `make` and the issue is out)."""
    if released.status != "released":
        return released
    made = print_pdf(svc, released.issue) if make else _pdf_state(svc, released.issue)
    return released.model_copy(update={"pdf_path": made.pdf_path, "pdf_note": made.pdf_note})


def _pdf_state(svc: Services, issue_id: str) -> PdfMade:
    with svc.unit() as uow:
        issue = uow.gazette.issue(issue_id)
        if issue is None or issue.status != "released" or not issue.print_sha256:
            return PdfMade(None, None)
        made = uow.derived.find({issue.print_sha256}, editions_pdf.KIND, editions_pdf.MAKER)
        latest = uow.gazette.latest_release_decision(issue_id, ReleaseDecided.name)
        job = uow.jobs.find(PDF_KIND, issue_id, issue.print_sha256)
    if made:
        folder = _decision(latest).folder if latest is not None else None
        return PdfMade(str(folder / editions_pdf.pdf_name(issue.print_name)) if folder else None, None)
    return PdfMade(None, job.last_error if job is not None else None)


def _make_pdf(svc: Services, job: Job) -> PdfMade:
    """Convert the stored print edition, store the PDF (its sha256 a derived object of the docx's),
    offer it in the public web edition's 目录 instead of the docx, and put it in the release folder.
    LibreOffice runs outside any transaction; a failure leaves the release as it is, with the job's
    problem as the operator's note (retried by the sweep a few times)."""
    try:
        with svc.unit() as uow:
            issue = uow.gazette.issue(job.dossier_id)
            latest = uow.gazette.latest_release_decision(job.dossier_id, ReleaseDecided.name)
            if issue is None or issue.print_sha256 != job.fingerprint or issue.status != "released":
                uow.jobs.done(PDF_KIND, job.dossier_id, job.fingerprint, uow.now())     # nothing to make
                return PdfMade(None, None)
            print_name, web_sha = issue.print_name, issue.web_sha256
        docx = svc.store.get(job.fingerprint)
        converted = editions_pdf.to_pdf(docx)
        if converted.pdf is None:
            note = problem("print_pdf_unavailable", converted.note or "未生成 PDF 印刷版")
            retry = job.attempts < MAX_ATTEMPTS
            _give_back(svc, lambda uow: uow.jobs.failed(job, note, retry=retry))
            return PdfMade(None, note.model_dump(mode="json"), converted.seconds)
        name = editions_pdf.pdf_name(print_name)
        pdf_sha = svc.store.put(converted.pdf, content_type=editions_pdf.PDF)
        with svc.unit() as uow:
            served = public_manifest(uow, web_sha)
            pages = _pages_of(svc, served)
            index = pages.get("index.html")
            offered = _offer(index, print_name, name) if index is not None else None
            if offered is not None and offered != index:
                pages["index.html"] = offered
                _put_all(svc, [(offered, "text/html; charset=utf-8")])
                revision = svc.store.put(manifest(pages), content_type="application/json")
                uow.derived.put(web_sha, WEB_PUBLIC, WEB_PUBLIC_MAKER, revision, uow.now())
            uow.derived.put(job.fingerprint, editions_pdf.KIND, editions_pdf.MAKER, pdf_sha, uow.now())
            uow.jobs.done(PDF_KIND, job.dossier_id, job.fingerprint, uow.now())
            kept_off = prints_not_public(uow, job.dossier_id)     # withheld since the release: not offered
        folder = _decision(latest).folder if latest is not None else None
        if folder is not None and folder.is_dir():
            _place(folder / name, converted.pdf)
            if kept_off:            # beside the docx the withhold made private (services/dossiers/withhold.py)
                private(folder / name)
            if offered is not None:
                _place(folder / "html" / "index.html", offered)
        return PdfMade(str(folder / name) if folder else None, None, converted.seconds)
    except BaseException:
        _give_back(svc, lambda uow: uow.jobs.release(job))
        raise


def _offer(index: bytes, print_name: str, name: str) -> bytes | None:
    """The web edition's 目录 linking the PDF where it linked the docx (the same words
    publishing/editions.web_edition writes for a PDF print edition)."""
    html = index.decode("utf-8")
    link = f'<a href="../{print_name}">{print_name}</a>'
    if link not in html:
        return None
    return html.replace(link, f'<a href="../{name}">{name}</a>').encode("utf-8")


def _place(path: Path, data: bytes) -> None:
    """A file of the public folder, written whole under a temporary name and renamed into place."""
    from services.home.folder import write_public
    write_public(path, data)
