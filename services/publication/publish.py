"""Publication: gazette item, web release and register entry in one transaction (DESIGN.md).

Safe to run twice for the same dossier version: a second run finds the outputs and returns them.

The outbox (issue 12): a sign-off writes a publish job (storage/jobs.py) in its own transaction.
`publish` runs one dossier's job (the sign-off's caller, `lockstep publish D`); `publish_pending`,
the sweep, claims every job left pending or held by a dead worker and runs it (`lockstep publish
--pending`, the desk's start, the scheduled check). The job is marked done in the transaction that
records the publication. Site pages are written under temporary names before that commit and moved
into place after it, so a kill before the commit leaves no page without its row; the sweep moves a
killed run's committed pages into place and removes the rest (`tidy_site`).
"""
from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel

from documents.problems import Refused, problem
from publishing import register
from publishing.derived import Derived, docx_sources
from publishing.web_release import page_paths, render_pages
from review.model import Event, Published
from review.rules import disclosure_of, is_public, may_see
from review.states import transition
from services.home.context import Services
from publishing.register_rules import emergency_note
from services.register.life import emergencies, entry_dates
from services.home.crashpoints import crash_point
from services.publication.staging import Staged, tidy_site, write_page  # noqa: F401 (callers import them here)
from storage.jobs import STALE_AFTER, Job
from storage.public import dossier_public
from storage.tables import GazetteItemRow, PageRow, RegisterEntryRow

if TYPE_CHECKING:
    from storage.unit import Unit


class PublicationResult(BaseModel):
    dossier: str
    published: bool
    already: bool = False
    registration_number: str | None = None
    gazette_item: int | None = None
    pages: dict[str, str] = {}          # page kind -> file path on disk
    index_number: str | None = None     # 索引号 (issue 15), given with the registration number
    topic: str | None = None            # 主题分类
    scheduled_at: dt.datetime | None = None   # 定时发布: public at this moment, nothing before it
    prepared: dict[str, str] = {}       # 定时发布: page kind -> sha256 of the page built and stored ahead


KIND = "publish"
MAX_ATTEMPTS = 10               # a job that faults this often is failed: a person looks at it
RETRYABLE = frozenset({"storage_unavailable", "database_unavailable"})   # nothing stored: try again later


class SweepResult(BaseModel):
    results: list[dict] = []            # per job run: a PublicationResult, or dossier + problems
    placed: list[str] = []              # committed pages a killed run left under temporary names, put in place
    removed: list[str] = []             # temporary files with no row behind them, removed


# Where the registration number goes in the pages, until it is taken: a private-use character that no
# document carries (and that HTML escaping leaves as it is).
NUMBER_MARK = "\ue000登记号\ue000"
INDEX_MARK = "\ue000索引号\ue000"      # the 索引号 likewise (issue 15)


OPERATOR = "lockstep"          # the operator's own label: `lockstep publish` without --as, the sweeps


def publish(svc: Services, dossier_id: str, actor: str = OPERATOR) -> PublicationResult:
    """Run the dossier's publish job: claimed first (a sweep leaves it alone meanwhile; a failed one
    is tried again, as a person asked), done in the publication's transaction. A dossier signed off
    before the outbox has no job and is published all the same. A job scheduled for a moment to come
    (定时发布) is not claimed: its pages are built, checked and stored now, public at the moment."""
    _door(svc, dossier_id, actor)
    if (ready := prepare_if_waiting(svc, dossier_id, actor)) is not None:
        return ready
    job = svc.retrying(lambda: _claim(svc, dossier_id=dossier_id, limit=1, retry_failed=True))
    return _run(svc, dossier_id, actor, job[0] if job else None)


def _door(svc: Services, dossier_id: str, actor: str) -> None:
    """A configured person who asks for a (re-)run may not learn that a dossier they may not see exists
    (review.rules.may_see: refused as a missing one). The operator's own label OPERATOR (the default of
    `lockstep publish`, who reaches the database directly anyway) names no person; any other name that
    names no configured person is refused unknown_person, as every other command's --as is: the audit
    never records a run by someone who does not exist (a typo, an invented name)."""
    from services.review.basics import person, pipeline_for
    if actor == OPERATOR:
        return
    who = person(svc.config, actor)
    with svc.unit() as uow:
        row = uow.dossiers.require(dossier_id)
        version = uow.dossiers.version(dossier_id, row.current_version)
        pipeline = pipeline_for(svc.config, version) if version is not None else svc.config.pipeline(row.kind)
        if refusal := may_see(who, dossier_id, row.drafting_unit, row.state, pipeline, version):
            raise Refused(refusal)


def publish_pending(svc: Services, actor: str = "lockstep", *, limit: int = 20,
                    stale_after: dt.timedelta = STALE_AFTER) -> SweepResult:
    """The sweep: first the site folder (`tidy_site`), then every publish job pending or held by a dead
    worker (or for longer than `stale_after`), each run once per sweep, oldest first."""
    placed, removed = tidy_site(svc, stale_after)
    out: list[dict] = []
    tried: list[int] = []
    unforeseen: BaseException | None = None
    while jobs := svc.retrying(lambda: _claim(svc, limit=limit, stale_after=stale_after, exclude=tuple(tried))):
        for job in jobs:
            tried.append(job.id)
            try:
                out.append(_run(svc, job.dossier_id, actor, job).model_dump(mode="json"))
            except Refused as r:
                out.append({"dossier": job.dossier_id, "published": False,
                            "problems": [p.model_dump(mode="json") for p in r.problems]})
            except Exception as e:      # noqa: BLE001 - given back (_run); the other jobs still run
                unforeseen = unforeseen or e
    if unforeseen is not None:
        raise unforeseen
    return SweepResult(results=out, placed=placed, removed=removed)


def waiting(svc: Services) -> list[Job]:
    """Publish jobs not done (pending, being run, or failed), oldest first: `lockstep due` lists them."""
    with svc.unit() as uow:
        return uow.jobs.pending(KIND)


def _claim(svc: Services, **kw) -> list[Job]:
    with svc.unit() as uow:
        return uow.jobs.claim(KIND, now=svc.now(), **kw)


def publish_job(svc: Services, job_id: int, actor: str | None = None) -> PublicationResult | None:
    """Run one publish job given by its id (a work pool's flow run is given the id, never a path):
    claimed first, a failed one tried again (a person asked), its answer kept on the job's row for
    whoever asked and polls it. None when it is not this run's to do (done, or held by a live worker)."""
    jobs = svc.retrying(lambda: _claim(svc, job_id=job_id, limit=1, retry_failed=True))
    if not jobs:
        return None
    job = jobs[0]
    done = _run(svc, job.dossier_id, actor or job.actor or "lockstep", job)
    _give_back(svc, lambda j: j.keep_result(job.id, done.model_dump(mode="json")))
    return done


def _run(svc: Services, dossier_id: str, actor: str, job: Job | None) -> PublicationResult:
    try:
        return svc.retrying(lambda: _publish(svc, dossier_id, actor, job))
    except Refused as r:
        if job is not None:
            retry = r.problem.code in RETRYABLE and job.attempts < MAX_ATTEMPTS
            _give_back(svc, lambda jobs: jobs.failed(job, r.problem, retry=retry))
        raise
    except BaseException:
        if job is not None:         # an unforeseen error: the sweep tries again (attempts count it)
            _give_back(svc, lambda jobs: jobs.release(job))
        raise


def _give_back(svc: Services, change) -> None:
    """`change(uow.jobs)` in a transaction of its own."""
    try:
        with svc.unit() as uow:
            change(uow.jobs)
    except Exception:       # noqa: BLE001 - the database is away too: the claim goes stale instead
        pass


def _publish(svc: Services, dossier_id: str, actor: str, job: Job | None = None) -> PublicationResult:
    staged = Staged(svc.home.site)
    try:
        with svc.unit() as uow:
            done = _record(svc, uow, dossier_id, actor, staged, job)
            crash_point("publish.before_commit")        # pages staged, nothing committed
    except BaseException:
        staged.discard()
        raise
    crash_point("publish.after_commit")                 # committed, pages still under temporary names
    _withheld_meanwhile(svc, dossier_id, staged.place())
    return done


def _withheld_meanwhile(svc: Services, dossier_id: str, placed: list) -> None:
    """A withhold that committed between this publication's commit and its pages' move found them not
    in place yet: they go now, as the withhold would have taken them (a picture another public page
    shows stays). The dossier is held while read, so a withhold still under way commits first (and
    took down what was shown by then)."""
    with svc.unit() as uow:
        uow.dossiers.hold({dossier_id})
        if dossier_public(uow.dossiers.get(dossier_id)):
            return
        gone = [p for p in placed
                if p.parent.name != "assets" or not uow.withholding.shown_elsewhere(p.stem, dossier_id)]
    for path in gone:
        path.unlink(missing_ok=True)


def checked(svc: Services, uow: Unit, dossier_id: str, moment: dt.datetime | None = None):
    """The dossier, its current version and its policy's metadata, when it may be published (at
    `moment`, for a scheduled release): Refused otherwise."""
    row = uow.dossiers.require(dossier_id)
    version = uow.dossiers.version(dossier_id, row.current_version)
    transition(row.state, "publish")
    policy = version.policy
    meta = policy.meta if policy else None
    # The one predicate (review.rules.is_public): 不予公开 in either record, or no attribute at all, stays out.
    disclosure, withheld = disclosure_of(row.disclosure, meta.disclosure if meta else None), row.withheld_at is not None
    if not is_public(disclosure, withheld):
        raise Refused(problem("not_public", f"{row.title} 标注为不予公开（或公开属性未确定），不进入公报、网站和公开台帐"))
    if moment is not None and not is_public(disclosure, withheld, release_at=moment, now=svc.now()):
        raise Refused(problem("invalid_state", f"{row.title} 定时于 {local_time(moment)} 发布，时间未到"))
    return row, version, meta


def local_time(t: dt.datetime) -> str:
    return t.astimezone().strftime("%Y-%m-%d %H:%M")


def build_pages(svc: Services, uow: Unit, row, version, at: dt.datetime) -> tuple[dict[str, str], dict[str, bytes]]:
    """The slow work: the documents converted (kept for the gazette) and both pages rendered, with the
    registration number and the 索引号 as marks (they are taken last)."""
    blobs = {f.sha256: svc.store.get(f.sha256) for f in version.files
             if f.role in ("policy", "interpretation_material", "graphic_interpretation")}
    # Converted once, here: the gazette release reuses the HTML and text (publishing/derived.py).
    derived = Derived(uow.derived, svc.store, svc.now, originals=blobs)
    converted = derived.html(docx_sources(version))
    _keep_text(derived, docx_sources(version))
    owed = emergencies(uow, [row.id], svc.config).get(row.id) if row.emergency_reason else None
    return render_pages(version, blobs, city=svc.config.city, registration_number=NUMBER_MARK,
                        released_at=at.astimezone().strftime("%Y年%m月%d日 %H:%M"), html=converted,
                        emergency_note=emergency_note(owed is not None, [n for _, n in owed or ()]),
                        index_number=INDEX_MARK, topic=row.topic)


def _record(svc: Services, uow: Unit, dossier_id: str, actor: str, staged: Staged,
            job: Job | None = None) -> PublicationResult:
    row = uow.dossiers.require(dossier_id)
    version = uow.dossiers.version(dossier_id, row.current_version)
    if row.state in ("published", "registered"):
        uow.jobs.done(KIND, dossier_id, version.fingerprint, svc.now())
        return _existing(svc, uow, dossier_id, version.fingerprint)
    moment = moment_of(job) if job is not None and job.fingerprint == version.fingerprint else None
    row, version, meta = checked(svc, uow, dossier_id, moment)
    now = svc.now()
    at = moment or now                  # the publication moment: a scheduled one's, else now
    signed = meta.date if meta else None
    year = register.year_of(signed, now)
    # A scheduled release's pages were built and stored ahead (services/publication/schedule.py).
    # (An emergency sign-off's pages say which reviews are still owed, which may change before the moment:
    # they are built at the moment instead.)
    ready = prepared_pages(svc, job, version.fingerprint, moment) \
        if moment is not None and not row.emergency_reason else None
    pages, assets = ready if ready is not None else build_pages(svc, uow, row, version, at)
    # The 索引号's floor (a year its counter has no row for yet) is read now, before any number is taken.
    from review.catalogue import INDEX_SEQUENCE, index_number, index_serial
    site, iyear = svc.config.site, at.astimezone().year
    ifloor = max([n for n in (index_serial(site, svc.config.register_prefix, iyear, x)
                              for x in uow.site.index_numbers()) if n is not None], default=0)
    opinion = next((d.opinion_number for d in reversed(uow.dossiers.decisions(dossier_id))
                    if d.stage == "legality" and d.verdict == "approve" and d.fingerprint == version.fingerprint),
                   None)
    effective, valid_until, entry_status, awaits_gazette = entry_dates(svc, version, signed, row.title, now)
    # The slow work is done: only now the register's counter row is locked (issue 12, item 2), and
    # what follows until the commit is the number put into the pages, their storing and the rows.
    serial = uow.counters.take("register", year, lambda: uow.register.max_serial(year))
    number = register.registration_number(svc.config.register_format, svc.config.register_prefix, year, serial)
    # The 索引号 (政府信息公开目录), per year of publication, from its own counter, as last as the register's.
    index = index_number(site, svc.config.register_prefix, iyear,
                         uow.counters.take(INDEX_SEQUENCE, iyear, lambda: ifloor))
    row.index_number = index
    paths = page_paths(dossier_id)
    written = {}
    for kind, html in pages.items():
        data = html.replace(NUMBER_MARK, number).replace(INDEX_MARK, index).encode("utf-8")
        sha = svc.store.put(data, content_type="text/html; charset=utf-8")
        written[kind] = staged.write(paths[kind], data)
        uow.add(PageRow(dossier_id=dossier_id, kind=kind, path=paths[kind], sha256=sha, released_at=at))
    for path, data in assets.items():
        staged.write(path, data)
    item = GazetteItemRow(id=uow.gazette.next_item_number(),      # locking counter, after the slow work
                          dossier_id=dossier_id, fingerprint=version.fingerprint, title=row.title,
                          doc_number=row.doc_number, organ=meta.signature_organ if meta else None,
                          signed_date=signed, policy_page=paths["policy"],
                          interpretation_page=paths["interpretation"], status="queued", queued_at=at)
    uow.add(item)
    uow.add(RegisterEntryRow(registration_number=number, year=year, serial=serial, dossier_id=dossier_id,
                           opinion_number=opinion, effective_date=effective, valid_until=valid_until,
                           document_number=row.doc_number, title=row.title,
                           organ=meta.signature_organ if meta else None, drafting_unit=row.drafting_unit,
                           signed_date=signed, published_at=at,
                           interpretation_page=paths["interpretation"], status=entry_status,
                           awaits_gazette=awaits_gazette))
    uow.flush()
    uow.register.index_entry(number)
    row.state = transition(transition(row.state, "publish"), "register")
    row.updated_at = now
    uow.audit.append(Published(dossier_id=dossier_id, actor=actor, at=now, fingerprint=version.fingerprint,
                              registration_number=number, gazette_item=item.id,
                              pages={k: paths[k] for k in pages}))
    uow.jobs.done(KIND, dossier_id, version.fingerprint, now)       # the outbox: with the publication
    return PublicationResult(dossier=dossier_id, published=True, registration_number=number,
                             gazette_item=item.id, pages={k: str(v) for k, v in written.items()},
                             index_number=index, topic=row.topic)


def _keep_text(derived: Derived, sources: list[str]) -> None:
    """The documents' text for the gazette. Only a shortcut: a document python-docx cannot read
    must not stop its publication (the release reads it again and says what is wrong then)."""
    for sha in sources:
        try:
            derived.text([sha])
        except Exception:       # noqa: BLE001 - see above
            pass


def _existing(svc: Services, uow: Unit, dossier_id: str, fingerprint: str) -> PublicationResult:
    item = uow.site.gazette_item(dossier_id, fingerprint)
    entry: RegisterEntryRow | None = uow.register.entry_for(dossier_id)
    row = uow.dossiers.get(dossier_id)
    return PublicationResult(dossier=dossier_id, published=True, already=True,
                             index_number=row.index_number if row else None, topic=row.topic if row else None,
                             registration_number=entry.registration_number if entry else None,
                             gazette_item=item.id if item else None,
                             pages={k: str(svc.home.site / p) for k, p in page_paths(dossier_id).items()})


def refresh_emergency_pages(svc: Services, dossier_id: str) -> list[str]:
    """The web release of a document signed off in an emergency says which stages are still owed
    (紧急签发，待事后补审：…): rendered again, from the published version, when that changes. A page
    that is not public (or withheld) is left alone: it is not on disk to refresh. Returns paths written."""
    with svc.unit() as uow:
        row = uow.dossiers.get(dossier_id)
        pages_rows = uow.site.pages_of(dossier_id)
        if row is None or row.emergency_reason is None or not pages_rows or not dossier_public(row):
            return []
        item = uow.site.gazette_item(dossier_id)
        entry = uow.register.entry_for(dossier_id)
        version = uow.site.version(dossier_id, item.fingerprint) if item is not None else None
        if version is None:
            return []
        owed = emergencies(uow, [dossier_id], svc.config).get(dossier_id, [])
        note = emergency_note(True, [n for _, n in owed])
        blobs = {f.sha256: svc.store.get(f.sha256) for f in version.files
                 if f.role in ("policy", "interpretation_material", "graphic_interpretation")}
        converted = Derived(uow.derived, svc.store, svc.now, originals=blobs).html(docx_sources(version))
        first = min(p.released_at for p in pages_rows.values())
        pages, _ = render_pages(version, blobs, city=svc.config.city,
                                registration_number=entry.registration_number if entry else None,
                                released_at=first.astimezone().strftime("%Y年%m月%d日 %H:%M"), html=converted,
                                emergency_note=note)
        written = []
        for kind, html in pages.items():
            if (p := pages_rows.get(kind)) is not None and note not in (svc.store.get(p.sha256).decode("utf-8")):
                p.sha256 = write_page(svc, p.path, html)
                written.append(p.path)
        return written


# ---------------------------------------------------------------- 定时发布: the pages built ahead (issue 15)
# The decisions (schedule, cancel) and the state are services/publication/schedule.py; what a publication
# needs of them is here: the job that waits, the pages built and stored ahead, read back at the moment.

class PublicationPrepared(Event):
    """The pages of a scheduled release built, checked and stored; public at `moment`."""
    name: ClassVar[str] = "publication.prepared"
    fingerprint: str
    moment: dt.datetime
    pages: dict[str, str]            # kind -> sha256 (the registration number and 索引号 still as marks)


def aware(t: dt.datetime | None) -> dt.datetime | None:
    """A time read back from the database: SQLite returns them naive, in UTC."""
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)


def moment_of(job: Job | None) -> dt.datetime | None:
    return aware(job.not_before) if job is not None else None


def waiting_job(svc: Services, dossier_id: str) -> Job | None:
    """The dossier's publish job when it waits for a moment still to come, else None."""
    with svc.unit() as uow:
        row = uow.dossiers.get(dossier_id)
        if row is None or row.state != "signed_off":
            return None
        version = uow.dossiers.version(dossier_id, row.current_version)
        job = uow.jobs.find(KIND, dossier_id, version.fingerprint)
        now = uow.now()
    if job is not None and job.status == "pending" and (m := moment_of(job)) is not None and m > now:
        return job
    return None


def prepare_if_waiting(svc: Services, dossier_id: str, actor: str) -> PublicationResult | None:
    """A signed dossier whose publish job waits for a moment still to come (定时发布): its pages built,
    checked and stored now (`prepare`), nothing public; None when it does not wait. Both ways a
    publication is asked for call it first: `publish` here, and a pool home's asking side
    (flows/on_pool.py), whose pool takes no job before its moment: the moment then only makes the
    prepared pages public, wherever it is run (the desk's clock, the sweep, a pool worker)."""
    job = svc.retrying(lambda: waiting_job(svc, dossier_id))
    return prepare(svc, dossier_id, actor, job) if job is not None else None


def prepare(svc: Services, dossier_id: str, actor: str, job: Job) -> PublicationResult:
    """Build, check and store the pages of a scheduled release now (idempotent per version and moment);
    nothing is public: no page row, no file in the site folder, no register entry or gazette item."""
    moment = moment_of(job)
    done = (job.result or {}).get("prepared")
    if done and done.get("moment") == moment.isoformat() and done.get("fingerprint") == job.fingerprint:
        with svc.unit() as uow:
            row = uow.dossiers.require(dossier_id)
            return PublicationResult(dossier=dossier_id, published=False, scheduled_at=moment,
                                     prepared=done["pages"], topic=row.topic)

    def work() -> PublicationResult:
        with svc.unit() as uow:
            row, version, meta = checked(svc, uow, dossier_id)
            if version.fingerprint != job.fingerprint:
                raise Refused(problem("invalid_state", f"卷宗 {dossier_id} 的当前版本不是签发的版本"))
            entry_dates(svc, version, meta.date if meta else None, row.title, moment)   # the register's checks
            pages, assets = build_pages(svc, uow, row, version, moment)
            shas = {kind: svc.store.put(html.encode("utf-8"), content_type="text/html; charset=utf-8")
                    for kind, html in pages.items()}
            now = uow.now()
            uow.jobs.note_prepared(KIND, dossier_id, job.fingerprint, {"prepared": {
                "moment": moment.isoformat(), "fingerprint": job.fingerprint, "pages": shas,
                "assets": sorted(assets)}})
            uow.audit.append(PublicationPrepared(dossier_id=dossier_id, actor=actor, at=now,
                                                 fingerprint=job.fingerprint, moment=moment, pages=shas))
            return PublicationResult(dossier=dossier_id, published=False, scheduled_at=moment, prepared=shas,
                                     topic=row.topic)
    return svc.retrying(work)


def prepared_pages(svc: Services, job: Job | None, fingerprint: str,
                   moment: dt.datetime | None) -> tuple[dict[str, str], dict[str, bytes]] | None:
    """The pages prepared for this version and moment, read back from the store; None when there are
    none (the process that scheduled it died first): the publication builds them then."""
    done = ((job.result if job is not None else None) or {}).get("prepared")
    if not done or moment is None or done.get("moment") != moment.isoformat() or done.get("fingerprint") != fingerprint:
        return None
    shas = {kind: sha for kind, sha in done["pages"].items()}
    assets = {path: PurePosixPath(path).stem for path in done.get("assets", [])}
    if not all(svc.store.exists(k) for k in [*shas.values(), *assets.values()]):
        return None             # removed meanwhile (an operator's repair): built again, as if never prepared
    return ({kind: svc.store.get(sha).decode("utf-8") for kind, sha in shas.items()},
            {path: svc.store.get(sha) for path, sha in assets.items()})
