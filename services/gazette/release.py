"""Releasing a gazette issue: the print and electronic editions from one source, at one moment.

Assembling the issue is services/gazette/issues.py; what it holds, as shown, services/gazette/members.py."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from documents.problems import Refused, problem
from publishing import gazette_rules as rules
from review import rules as guards
from review.lifecycles import GAZETTE_ISSUE, GAZETTE_ITEM
from review.model import Event
from publishing.editions import IssueContent, fingerprint, manifest, web_edition
from publishing.editions_print import print_edition
from services.dossiers.withhold import public_manifest
from services.home.context import Services
from services.home.crashpoints import crash_point
from services.review.actions import person
from services.gazette.items import derived, edition_items, issue_facts, policy_texts, versions_of
from services.gazette.members import Released, editor, issue_view, load_issue, notices as notices_of
from services.gazette.search import index_notices, index_released_items
from services.register.life import date_on_release

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


def release_issue(svc: Services, issue_id: str, out_dir: Path, actor: str,
                  date: dt.date | None = None) -> Released:
    """Both editions, written under out_dir/ISSUE, stored and fingerprinted on the issue row."""
    editor(svc, actor)
    return svc.retrying(lambda: release(svc, issue_id, Path(out_dir), actor, date))


def release(svc: Services, issue_id: str, out_dir: Path, actor: str, date: dt.date | None) -> Released:
    """Store both editions, record the release, then show the folder out_dir/ISSUE.

    The folder is written to a temporary sibling (.tmp-ISSUE-…) before the commit and moved into
    place only after it: a kill before the commit leaves the issue a draft and no edition folder,
    a kill after it leaves the temporary folder, which the same command run again completes. An
    existing folder holding exactly what this release writes is not an error (the editions are
    deterministic for the same issue and date); one holding anything else is refused."""
    target = out_dir / issue_id
    tmp: Path | None = None
    try:
        with svc.unit() as uow:
            issue = load_issue(uow, issue_id)
            who = person(svc.config, actor)
            if refusal := guards.may_release(who, issue.status):
                if refusal.code == "invalid_state" and guards.may_edit_gazette(who) is None \
                        and issue.web_sha256 and (target.exists() or _leftovers(target)):
                    return _complete(svc, uow, issue, target)
                raise Refused(refusal)
            now = uow.now()
            day = date or issue.planned_date or now.astimezone().date()
            built = _build(svc, uow, issue, day, now)
            items, versions, all_facts, placed = built.items, built.versions, built.facts, built.placed
            print_name, docx, pages = built.print_name, built.docx, built.pages
            files = _folder_files(print_name, docx, pages)
            if target.exists() and not _holds(target, files):
                raise Refused(_occupied(target))
            print_sha, web_sha = _put_all(svc, [(docx, DOCX), (manifest(pages), "application/json")] + [
                (data, "text/html; charset=utf-8" if path.endswith(".html") else "application/octet-stream")
                for path, data in pages.items()])[:2]
            assert web_sha == fingerprint(pages)
            issue.status = GAZETTE_ISSUE.step(issue.status, "release")
            issue.release_date, issue.released_at, issue.released_by = day, now, actor
            issue.print_name, issue.print_sha256, issue.web_sha256, issue.updated_at = print_name, print_sha, web_sha, now
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
        _clean_leftovers(target)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _released(view, target, print_name)


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
        tmp = _write_temp(target, editions[0])
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
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f"{TEMP_PREFIX}{target.name}-"))
    try:
        os.chmod(tmp, 0o755)            # the editions are public: mkdtemp makes 0700, a web server reads them
        for rel, data in files.items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
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
