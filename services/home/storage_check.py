"""Files and objects in step with rows (issue 12, item 4): `lockstep storage check [--repair]`.

What it finds:
- rows without objects: every SHA-256 a row names (version files, public pages, legality opinions,
  consultation notices and summaries, gazette editions and each page their manifests list, the web
  edition's public revisions, derived objects such as the print edition's PDF (kind print_pdf, made
  from the docx after the release), imported gazette sources) that the store lacks;
- objects without rows: stored objects no row names (a killed intake or release stored them);
- stray site pages: files in the site's own folders (policies/, interpretations/, consultations/,
  assets/) that no row names;
- stray editions: folders under HOME/gazette of issues that were never released (an older release
  killed before its commit left them);
- temporary files: .tmp-* in the object store, the site and HOME/gazette;
- released editions under HOME/gazette that differ from their records (release_folder_mismatch,
  services/home/release_folders.py): a withhold killed before its commit left one without a document
  still public, or a withheld document's pages came back.

`--repair` removes the strays and temporary files, never an object a row names (the names are read
again right before each removal) and never anything younger than the grace period (a running
intake stores its objects before its rows: a fresh object may be about to be named). A temporary
folder of a gazette issue released meanwhile is kept: it is the issue's edition between its commit
and its move into place, and running the release again completes it. A missing public page, and a
release folder, is written again holding its dossiers: a withhold under way is never undone.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import shutil
import time
from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, Field

from services.home.context import Services
from services.home.crashpoints import crash_point
from services.home.folder import public_folder
from services.home.release_folders import ReleaseFolder
from storage.objects import ObjectMissing

GRACE_SECONDS = 300                  # younger than this is never removed
SITE_FOLDERS = ("policies", "interpretations", "consultations", "assets")
RELEASE_FOLDER = "gazette"           # where the desk and `lockstep demo` release issues (services/dossiers/withhold.py)
TEMP = ".tmp-"
_ISSUE = re.compile(r"\d{4}-\d+")
_KEY = re.compile(r"[0-9a-f]{64}")


class MissingObject(BaseModel):
    sha256: str
    named_by: list[str]              # e.g. "卷宗 D2019-0001 第1版 政策.docx"


class MissingPage(BaseModel):
    path: str                        # under the site folder
    sha256: str                      # the page as its row records it
    restored: bool = False           # --repair wrote it again from its object


class Stray(BaseModel):
    what: str                        # an object key, or a path
    age_seconds: int
    removed: bool = False
    placed: bool = False             # a page staged by a publication that committed: moved into place
    kept_because: str | None = None  # 中文, when --repair left it


class StorageReport(BaseModel):
    store: str
    repaired: bool = False
    grace_seconds: int
    missing_objects: list[MissingObject] = Field(default_factory=list)
    missing_pages: list[MissingPage] = Field(default_factory=list)
    orphan_objects: list[Stray] = Field(default_factory=list)
    stray_pages: list[Stray] = Field(default_factory=list)
    stray_editions: list[Stray] = Field(default_factory=list)
    temp_files: list[Stray] = Field(default_factory=list)
    release_folders: list[ReleaseFolder] = Field(default_factory=list)   # each a coded problem
    objects: int = 0                 # objects in the store
    named: int = 0                   # distinct objects rows name

    @property
    def counts(self) -> dict[str, int]:
        left = lambda xs: sum(1 for x in xs if not (x.removed or x.placed))   # noqa: E731
        strays = [x for xs in (self.orphan_objects, self.stray_pages, self.stray_editions, self.temp_files)
                  for x in xs]
        return {"missing_objects": len(self.missing_objects),
                "missing_pages": sum(1 for p in self.missing_pages if not p.restored),
                "orphan_objects": left(self.orphan_objects), "stray_pages": left(self.stray_pages),
                "stray_editions": left(self.stray_editions), "temp_files": left(self.temp_files),
                "removed": sum(1 for x in strays if x.removed),
                "placed": sum(1 for x in strays if x.placed),
                "restored": sum(1 for p in self.missing_pages if p.restored),
                "release_folders": sum(1 for f in self.release_folders if not f.repaired),
                "rewritten": sum(1 for f in self.release_folders if f.repaired)}

    @property
    def clean(self) -> bool:
        return not any(v for k, v in self.counts.items() if k not in ("removed", "placed", "restored", "rewritten"))

    @property
    def problems(self) -> list[dict]:
        """The coded problems still open (release folders out of step with their records)."""
        return [{"code": f.code, "message": f.message, "severity": "error", "issue": f.issue}
                for f in self.release_folders if not f.repaired]


# ---------------------------------------------------------------- what the rows name

def named_objects(svc: Services) -> dict[str, list[str]]:
    """Every object key a row names → who names it (中文). Manifests are read for their pages."""
    return _names_and_unread(svc)[0]


def _names_and_unread(svc: Services) -> tuple[dict[str, list[str]], list[str]]:
    """(named_objects, the manifests that could not be read: who names them). While a manifest is
    missing or unreadable, the objects it lists cannot be told from strays (fail closed)."""
    with svc.unit() as uow:
        names, manifests = uow.references.object_names()
    unread = []
    for key, who in manifests:
        try:
            listing = json.loads(svc.store.get(key))
            pages = list(listing.items())
        except (ObjectMissing, ValueError, AttributeError):
            unread.append(who)               # the manifest itself is reported missing
            continue
        for path, sha in pages:
            names.setdefault(sha, []).append(f"{who} {path}")
    return names, unread


def _site_names(svc: Services) -> set[str]:
    with svc.unit() as uow:
        return uow.references.site_paths()


def _released(svc: Services) -> set[str]:
    with svc.unit() as uow:
        return uow.references.released_issues()


# ---------------------------------------------------------------- the check

def check(svc: Services, *, repair: bool = False, grace_seconds: int = GRACE_SECONDS) -> StorageReport:
    now = time.time()
    age = lambda mtime: max(0, int(now - mtime))          # noqa: E731
    report = StorageReport(store=svc.store.describe(), repaired=repair, grace_seconds=grace_seconds)
    names = named_objects(svc)
    stored = dict(svc.store.listing())
    report.objects, report.named = len(stored), len(names)
    report.missing_objects = [MissingObject(sha256=k, named_by=sorted(set(v)))
                              for k, v in sorted(names.items()) if k not in stored and _KEY.fullmatch(k)]
    report.orphan_objects = [Stray(what=k, age_seconds=age(m)) for k, m in sorted(stored.items()) if k not in names]
    report.temp_files = [Stray(what=str(p), age_seconds=age(m)) for p, m in sorted(svc.store.temp_files())]

    site = svc.home.site
    site_names = _site_names(svc)
    with svc.unit() as uow:
        pages = _public_files(uow)
    report.missing_pages = [MissingPage(path=path, sha256=sha) for path, sha in pages if not (site / path).is_file()]
    for folder in SITE_FOLDERS:
        root = site / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(site).as_posix()
            if path.name.startswith(TEMP):
                continue                               # counted below with the temp files
            if rel not in site_names:
                report.stray_pages.append(Stray(what=rel, age_seconds=age(_mtime(path))))
    report.temp_files += [Stray(what=str(p), age_seconds=age(_mtime(p))) for p in _temps(site)]

    gazette = svc.home.path / RELEASE_FOLDER
    released = _released(svc)
    if gazette.is_dir():
        for path in sorted(gazette.iterdir()):
            if path.is_dir() and _ISSUE.fullmatch(path.name) and path.name not in released:
                report.stray_editions.append(Stray(what=str(path), age_seconds=age(_mtime(path))))
        for path in _temps(gazette, top_only=True):
            stray = Stray(what=str(path), age_seconds=age(_mtime(path)))
            issue = _temp_issue(path.name, released)
            if issue is not None and not (gazette / issue).exists():
                stray.kept_because = (f"公报 {issue} 已出版，这是其尚未移入位置的出版目录；"
                                      f"请再运行一次 lockstep gazette issue release {issue} --out {gazette} 补全")
            report.temp_files.append(stray)
    from services.home import release_folders
    report.release_folders = release_folders.find(svc, gazette)

    if repair:
        _repair(svc, report, grace_seconds)
    return report


def _mtime(path: Path) -> float:
    try:
        return path.lstat().st_mtime
    except FileNotFoundError:
        return time.time()


def _temps(root: Path, top_only: bool = False) -> list[Path]:
    if not root.is_dir():
        return []
    found = root.glob(f"{TEMP}*") if top_only else root.rglob(f"{TEMP}*")
    # A temporary folder is one finding: what is inside it goes with it.
    out = sorted(found)
    return [p for p in out if not any(q in p.parents for q in out)]


def _temp_issue(name: str, released: Iterable[str]) -> str | None:
    """The released issue a release's temporary folder (.tmp-ISSUE-random) belongs to, if any."""
    for issue in sorted(released, key=len, reverse=True):
        if name.startswith(f"{TEMP}{issue}-"):
            return issue
    return None


# ---------------------------------------------------------------- the repair

def _repair(svc: Services, report: StorageReport, grace: int) -> None:
    young = f"不足 {grace} 秒，可能正被写入，稍后再修复"
    # Objects: the names are read again now, so an intake or release that committed since the
    # listing keeps what it names.
    still_named, unread = _names_and_unread(svc)
    for stray in report.orphan_objects:
        if stray.age_seconds < grace:
            stray.kept_because = young
        elif unread:            # what a lost manifest listed looks like a stray: remove nothing
            stray.kept_because = (f"{'、'.join(unread)}的文件清单缺失或无法读取，无法确定此对象是否由其引用；"
                                  "请先恢复缺失的对象（见“缺失”一节）再修复")
        elif stray.what in still_named:
            stray.kept_because = "已有记录引用（检查之后刚刚提交）"
        else:
            svc.store.delete(stray.what)
            stray.removed = True
    site_names = _site_names(svc)
    site = svc.home.site
    for stray in report.stray_pages:
        if stray.age_seconds < grace:
            stray.kept_because = young
        elif stray.what in site_names:
            stray.kept_because = "已有记录引用（检查之后刚刚提交）"
        else:
            (site / stray.what).unlink(missing_ok=True)
            stray.removed = True
    released = _released(svc)
    for stray in report.stray_editions:
        if stray.age_seconds < grace:
            stray.kept_because = young
        elif Path(stray.what).name in released:
            stray.kept_because = "该期已出版"
        else:
            shutil.rmtree(stray.what, ignore_errors=True)
            stray.removed = True
    # The site's temporary files are the publication's staged pages: its own tidy moves a page whose
    # row committed into place and removes the rest, once their writer is over.
    from services.publication.publish import tidy_site
    placed, _ = tidy_site(svc, dt.timedelta(seconds=grace))
    for stray in report.temp_files:
        path = Path(stray.what)
        if site in path.parents:
            if path.exists():
                stray.kept_because = young if stray.age_seconds < grace else "写入者仍在运行"
            elif (path.parent / path.name.partition("~")[2]).relative_to(site).as_posix() in placed:
                stray.placed = True
            else:
                stray.removed = True
    _restore_pages(svc, report)
    from services.home import release_folders
    release_folders.repair(svc, svc.home.path / RELEASE_FOLDER, report.release_folders)
    for stray in report.temp_files:
        if stray.kept_because or stray.removed or stray.placed:
            continue
        if stray.age_seconds < grace:
            stray.kept_because = young
            continue
        path = Path(stray.what)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        stray.removed = True



def _public_files(uow) -> list[tuple[str, str]]:
    """(site path, sha256) of what the site folder holds for the dossiers public now: their pages,
    consultation notices and summaries, and the pictures their pages show."""
    from services.dossiers.withhold import PICTURE_ROLES
    return sorted(set(uow.references.public_pages()) | set(uow.withholding.public_pictures(PICTURE_ROLES)))


def _restore_pages(svc: Services, report: StorageReport) -> None:
    """Missing public pages written again from their objects, holding their dossiers: a withhold under
    way (its pages taken down, not yet committed) commits first, and a page it took down stays down."""
    site = svc.home.site
    missing = [p for p in report.missing_pages if not (site / p.path).is_file()]
    for page in report.missing_pages:
        page.restored = page.restored or page not in missing        # placed just now
    if not missing:
        return
    with svc.unit() as uow:
        uow.dossiers.hold(uow.withholding.page_owners({p.path for p in missing}))
        public = dict(_public_files(uow))
        crash_point("storage.pages.held")        # tests/faults: read and held, nothing written
        for page in missing:
            if public.get(page.path) != page.sha256:
                report.missing_pages.remove(page)   # no longer public (withheld meanwhile) or rewritten: no finding
                continue
            try:
                data = svc.store.get(page.sha256)
            except ObjectMissing:
                continue                             # reported with the missing objects
            _write_public(site / page.path, data)
            page.restored = True


def _write_public(path: Path, data: bytes) -> None:
    """A public page again, as publication writes it: a temporary name, 0644, then one rename."""
    public_folder(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=TEMP)
    os.fchmod(fd, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
