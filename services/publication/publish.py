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
import hashlib
import os
import re
import secrets
import socket
import tempfile
import time
from pathlib import Path, PurePath

from pydantic import BaseModel

from documents.problems import Refused, problem
from publishing import gazette, register
from publishing.derived import Derived, docx_sources
from publishing.web_release import page_paths, render_pages
from review.model import Published
from review.rules import disclosure_of, is_public
from review.states import transition
from services.home.context import Services
from publishing.register_rules import emergency_note
from services.register.life import emergencies, entry_dates
from services.home.crashpoints import crash_point
from services.register.search import index_entry
from storage import audit
from storage.jobs import STALE_AFTER, Job, Jobs
from storage.repos.dossiers import Dossiers
from storage.tables import GazetteItemRow, PageRow, RegisterEntryRow


class PublicationResult(BaseModel):
    dossier: str
    published: bool
    already: bool = False
    registration_number: str | None = None
    gazette_item: int | None = None
    pages: dict[str, str] = {}          # page kind -> file path on disk


KIND = "publish"
MAX_ATTEMPTS = 10               # a job that faults this often is failed: a person looks at it
RETRYABLE = frozenset({"storage_unavailable", "database_unavailable"})   # nothing stored: try again later


class SweepResult(BaseModel):
    results: list[dict] = []            # per job run: a PublicationResult, or dossier + problems
    placed: list[str] = []              # committed pages a killed run left under temporary names, put in place
    removed: list[str] = []             # temporary files with no row behind them, removed


def publish(svc: Services, dossier_id: str, actor: str = "lockstep") -> PublicationResult:
    """Run the dossier's publish job: claimed first (a sweep leaves it alone meanwhile; a failed one
    is tried again, as a person asked), done in the publication's transaction. A dossier signed off
    before the outbox has no job and is published all the same."""
    job = svc.retrying(lambda: _claim(svc, dossier_id=dossier_id, limit=1, retry_failed=True))
    return _run(svc, dossier_id, actor, job[0] if job else None)


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
    with svc.session() as s:
        return Jobs(s).pending(KIND)


def _claim(svc: Services, **kw) -> list[Job]:
    with svc.session() as s:
        return Jobs(s).claim(KIND, now=svc.now(), **kw)


def _run(svc: Services, dossier_id: str, actor: str, job: Job | None) -> PublicationResult:
    try:
        return svc.retrying(lambda: _publish(svc, dossier_id, actor))
    except Refused as r:
        if job is not None:
            retry = r.problem.code in RETRYABLE and job.attempts < MAX_ATTEMPTS
            _give_back(svc, lambda s: Jobs(s).failed(job, r.problem, retry=retry))
        raise
    except BaseException:
        if job is not None:         # an unforeseen error: the sweep tries again (attempts count it)
            _give_back(svc, lambda s: Jobs(s).release(job))
        raise


def _give_back(svc: Services, change) -> None:
    try:
        with svc.session() as s:
            change(s)
    except Exception:       # noqa: BLE001 - the database is away too: the claim goes stale instead
        pass


def _publish(svc: Services, dossier_id: str, actor: str) -> PublicationResult:
    staged = Staged(svc.home.site)
    try:
        with svc.session() as s:
            done = _record(svc, s, dossier_id, actor, staged)
            crash_point("publish.before_commit")        # pages staged, nothing committed
    except BaseException:
        staged.discard()
        raise
    crash_point("publish.after_commit")                 # committed, pages still under temporary names
    staged.place()
    return done


def _record(svc: Services, s, dossier_id: str, actor: str, staged: "Staged") -> PublicationResult:
    repo = Dossiers(s)
    row = repo.get(dossier_id)
    if row is None:
        raise Refused(problem("not_found", f"没有卷宗 {dossier_id}"))
    version = repo.version(dossier_id, row.current_version)
    if row.state in ("published", "registered"):
        Jobs(s).done(KIND, dossier_id, version.fingerprint, svc.now())
        return _existing(svc, s, dossier_id, version.fingerprint)
    transition(row.state, "publish")
    policy = version.policy
    meta = policy.meta if policy else None
    # The one predicate (review.rules.is_public): 不予公开 in either record, or no attribute at all, stays out.
    if not is_public(disclosure_of(row.disclosure, meta.disclosure if meta else None), row.withheld_at is not None):
        raise Refused(problem("not_public", f"{row.title} 标注为不予公开（或公开属性未确定），不进入公报、网站和公开台帐"))
    now = svc.now()
    signed = meta.date if meta else None
    year = register.year_of(signed, now)
    serial = register.next_serial(s, year)
    number = register.registration_number(svc.config.register_format, svc.config.register_prefix, year, serial)
    blobs = {f.sha256: svc.store.get(f.sha256) for f in version.files
             if f.role in ("policy", "interpretation_material", "graphic_interpretation")}
    # Converted once, here: the gazette release reuses the HTML and text (publishing/derived.py).
    derived = Derived(s, svc.store, svc.now, originals=blobs)
    converted = derived.html(docx_sources(version))
    _keep_text(derived, docx_sources(version))
    owed = emergencies(s, [dossier_id], svc.config).get(dossier_id) if row.emergency_reason else None
    pages, assets = render_pages(version, blobs, city=svc.config.city, registration_number=number,
                                 released_at=now.astimezone().strftime("%Y年%m月%d日 %H:%M"), html=converted,
                                 emergency_note=emergency_note(owed is not None, [n for _, n in owed or ()]))
    paths = page_paths(dossier_id)
    written = {}
    for kind, html in pages.items():
        data = html.encode("utf-8")
        sha = svc.store.put(data, content_type="text/html; charset=utf-8")
        written[kind] = staged.write(paths[kind], data)
        s.add(PageRow(dossier_id=dossier_id, kind=kind, path=paths[kind], sha256=sha, released_at=now))
    for path, data in assets.items():
        staged.write(path, data)
    item = GazetteItemRow(dossier_id=dossier_id, fingerprint=version.fingerprint, title=row.title,
                          doc_number=row.doc_number, organ=meta.signature_organ if meta else None,
                          signed_date=signed, policy_page=paths["policy"],
                          interpretation_page=paths["interpretation"], status="queued", queued_at=now)
    s.add(item)
    opinion = next((d.opinion_number for d in reversed(repo.decisions(dossier_id))
                    if d.stage == "legality" and d.verdict == "approve" and d.fingerprint == version.fingerprint),
                   None)
    effective, valid_until, entry_status = entry_dates(svc, version, signed, row.title, now)
    s.add(RegisterEntryRow(registration_number=number, year=year, serial=serial, dossier_id=dossier_id,
                           opinion_number=opinion, effective_date=effective, valid_until=valid_until,
                           document_number=row.doc_number, title=row.title,
                           organ=meta.signature_organ if meta else None, drafting_unit=row.drafting_unit,
                           signed_date=signed, published_at=now,
                           interpretation_page=paths["interpretation"], status=entry_status))
    s.flush()
    index_entry(s, number)
    row.state = transition(transition(row.state, "publish"), "register")
    row.updated_at = now
    audit.append(s, Published(dossier_id=dossier_id, actor=actor, at=now, fingerprint=version.fingerprint,
                              registration_number=number, gazette_item=item.id,
                              pages={k: paths[k] for k in pages}))
    Jobs(s).done(KIND, dossier_id, version.fingerprint, now)       # the outbox: with the publication
    return PublicationResult(dossier=dossier_id, published=True, registration_number=number,
                             gazette_item=item.id, pages={k: str(v) for k, v in written.items()})


def _keep_text(derived: Derived, sources: list[str]) -> None:
    """The documents' text for the gazette. Only a shortcut: a document python-docx cannot read
    must not stop its publication (the release reads it again and says what is wrong then)."""
    for sha in sources:
        try:
            derived.text([sha])
        except Exception:       # noqa: BLE001 - see above
            pass


def _existing(svc: Services, s, dossier_id: str, fingerprint: str) -> PublicationResult:
    item = gazette.item_for(s, dossier_id, fingerprint)
    entry: RegisterEntryRow | None = register.entry_for(s, dossier_id)
    return PublicationResult(dossier=dossier_id, published=True, already=True,
                             registration_number=entry.registration_number if entry else None,
                             gazette_item=item.id if item else None,
                             pages={k: str(svc.home.site / p) for k, p in page_paths(dossier_id).items()})


def write_page(svc: Services, path: str, html: str) -> str:
    """A public page: kept in the object store and written under the home's site folder."""
    data = html.encode("utf-8")
    sha = svc.store.put(data, content_type="text/html; charset=utf-8")
    _write_atomic(svc.home.site / path, data)
    return sha


def _write_atomic(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    os.fchmod(fd, 0o644)            # a public page: a web server reads it (mkstemp makes 0600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return path


# A page staged by a publication: .tmp-<host>-<pid>-<random>~<file name>, beside where it goes.
_STAGED = re.compile(r"^\.tmp-(?P<host>.+)-(?P<pid>\d+)-(?P<rand>[0-9a-f]{8})~(?P<name>.+)$")


class Staged:
    """Site files written under temporary names before the commit and moved into place after it:
    a kill before the commit leaves no page without its row, only temporary files the sweep removes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[tuple[Path, Path]] = []

    def write(self, rel: str, data: bytes) -> Path:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".tmp-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}~{target.name}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.fchmod(fd, 0o644)            # a public page: a web server reads it
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self.files.append((tmp, target))
        return target

    def place(self) -> list[Path]:
        for tmp, target in self.files:
            os.replace(tmp, target)
        return [target for _, target in self.files]

    def discard(self) -> None:
        for tmp, _ in self.files:
            tmp.unlink(missing_ok=True)
        self.files = []


def _writer_gone(m: re.Match, path: Path, stale_after: dt.timedelta) -> bool:
    """Whether a staged file's writer is over: its process (this host) is gone, or it is older than
    `stale_after` (another host's writer, or a pid since reused)."""
    if _older_than(path, stale_after):
        return True
    if not path.exists():
        return False            # placed or removed meanwhile
    if m["host"] != socket.gethostname() or int(m["pid"]) == os.getpid():
        return False
    try:
        os.kill(int(m["pid"]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


def tidy_site(svc: Services, stale_after: dt.timedelta = STALE_AFTER) -> tuple[list[str], list[str]]:
    """Temporary files in the site folder whose writer is over: a staged page whose row was committed
    (same bytes as its row's object, its dossier still public) is moved into place; a picture is
    moved into place when a public, published dossier holds it; anything else is removed (its
    transaction never committed, or another writer's leftover). Returns (placed, removed) site paths."""
    from storage.public import dossier_public
    from storage.tables import DossierRow, FileRow, VersionRow
    site = svc.home.site
    if not site.is_dir():
        return [], []
    strays = [p for p in site.rglob(".tmp-*") if p.is_file()]
    placed: list[str] = []
    removed: list[str] = []
    if not strays:
        return placed, removed
    with svc.session() as s:
        for p in strays:
            m = _STAGED.match(p.name)
            if m is None:            # another writer's temp file (_write_atomic): only when long left
                if _older_than(p, stale_after):
                    p.unlink(missing_ok=True)
                    removed.append(p.relative_to(site).as_posix())
                continue
            if not _writer_gone(m, p, stale_after):
                continue
            target = p.parent / m["name"]
            rel = target.relative_to(site).as_posix()
            try:
                sha = hashlib.sha256(p.read_bytes()).hexdigest()
            except FileNotFoundError:
                continue
            keep = False
            if rel.startswith("assets/"):
                keep = PurePath(rel).stem == sha and any(
                    dossier_public(d) and d.state in ("published", "registered")
                    for d in s.query(DossierRow).join(VersionRow, VersionRow.dossier_id == DossierRow.id)
                    .join(FileRow, FileRow.version_id == VersionRow.id).filter(FileRow.sha256 == sha))
            else:
                row = s.query(PageRow).filter_by(path=rel).first()
                keep = row is not None and row.sha256 == sha and dossier_public(s.get(DossierRow, row.dossier_id))
            if keep:
                os.replace(p, target)
                placed.append(rel)
            else:
                p.unlink(missing_ok=True)
                removed.append(rel)
    return placed, removed


def _older_than(path: Path, age: dt.timedelta) -> bool:
    try:
        return time.time() - path.stat().st_mtime > age.total_seconds()
    except FileNotFoundError:
        return False


def refresh_emergency_pages(svc: Services, dossier_id: str) -> list[str]:
    """The web release of a document signed off in an emergency says which stages are still owed
    (紧急签发，待事后补审：…): rendered again, from the published version, when that changes. A page
    that is not public (or withheld) is left alone: it is not on disk to refresh. Returns paths written."""
    from storage.public import dossier_public
    from storage.repos.dossiers import versions_by_fingerprint
    from storage.tables import DossierRow
    with svc.session() as s:
        row = s.get(DossierRow, dossier_id)
        pages_rows = {p.kind: p for p in s.query(PageRow).filter_by(dossier_id=dossier_id)}
        if row is None or row.emergency_reason is None or not pages_rows or not dossier_public(row):
            return []
        item = s.query(GazetteItemRow).filter_by(dossier_id=dossier_id).order_by(GazetteItemRow.id.desc()).first()
        entry = register.entry_for(s, dossier_id)
        if item is None:
            return []
        version = versions_by_fingerprint(s, {(dossier_id, item.fingerprint)})[(dossier_id, item.fingerprint)]
        owed = emergencies(s, [dossier_id], svc.config).get(dossier_id, [])
        note = emergency_note(True, [n for _, n in owed])
        blobs = {f.sha256: svc.store.get(f.sha256) for f in version.files
                 if f.role in ("policy", "interpretation_material", "graphic_interpretation")}
        converted = Derived(s, svc.store, svc.now, originals=blobs).html(docx_sources(version))
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
