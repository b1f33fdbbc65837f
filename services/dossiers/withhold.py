"""撤回公开: a published document taken off every public output, with a recorded reason (DESIGN.md,
"Withhold with reason").

In one transaction: the dossier row records who, when and why (dossiers.withheld_*), the audit
chain records a `dossier.withheld` event, and from then on the one predicate (review.rules.is_public,
storage/public.py in SQL) keeps it out of the register's pages, searches and exports, the gazette
search, the site routes and the API's public views. What was written to disk or stored goes too:

- the web release (site/policies/D.html, site/interpretations/D.html, their pictures not shown by
  another public page, a major decision's consultation pages) is removed from the home's site folder;
- every released issue that carries it, or prints a 更正启事 naming it, gets a revised electronic
  edition (publishing/editions.py): the item's pages become a withdrawal notice, the 目录 and
  feed.json drop it, its pictures leave `assets/`, the notices name nothing of it. The revision is
  stored, recorded as a derived object of the released manifest (kind WEB_PUBLIC), which the desk
  serves from then on, and written over the issue's `html/` folder where the release wrote it;
- all of this on disk before the commit: killed between, the disk fails closed (the document is off
  the site and the folder) while the record says public. The same command again completes it; or
  `lockstep storage check` reports the folder (release_folder_mismatch) and the missing pages, and
  `--repair` writes them again from the record (services/home/release_folders.py);
- the released print edition, the issue row's fingerprints (print_sha256, web_sha256) and the
  stored release manifest are never touched: the record of what was printed stays as it was.
"""
from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from documents.problems import Refused
from publishing import gazette_rules
from publishing.editions import IssueContent, manifest, web_edition
from review import rules
from review.model import Withheld
from services.home.context import Services
from services.home.crashpoints import crash_point
from services.home.folder import private, write_public
from services.review.actions import person
from services.review.basics import still_enabled
from storage.tables import GazetteIssueRow

if TYPE_CHECKING:
    from storage.unit import Unit

WEB_PUBLIC = "web_public"          # derived_objects.kind: the public revision of a released web edition
MAKER = "lockstep withhold"
RELEASE_FOLDER = "gazette"         # where the desk and `lockstep demo` release issues, under the home
PICTURE_ROLES = ("graphic_interpretation", "interpretation_material")


class WithholdResult(BaseModel):
    dossier: str
    withheld_at: dt.datetime
    withheld_by: str
    reason: str
    issues: list[str] = []                  # released issues whose web edition was revised
    site_removed: list[str] = []            # site paths removed
    folders: list[str] = []                 # edition folders rewritten on disk
    prints_private: list[str] = []          # print edition files (docx, PDF) made private in the public folders


def clean_reason(reason: str | None) -> str:
    return " ".join((reason or "").split())


def withhold(svc: Services, dossier_id: str, reason: str, actor: str, *,
             gazette_dirs: Iterable[Path] = ()) -> WithholdResult:
    """Withhold a published dossier. `gazette_dirs`: folders besides HOME/gazette where issues were
    released (`lockstep gazette issue release --out DIR`), whose ISSUE/html folders are revised too."""
    who = person(svc.config, actor)
    roots = [svc.home.path / RELEASE_FOLDER, *(Path(d) for d in gazette_dirs)]
    return svc.retrying(lambda: _withhold(svc, dossier_id, clean_reason(reason), who, roots))


def _withhold(svc: Services, dossier_id: str, reason: str, who, roots: list[Path]) -> WithholdResult:
    with svc.unit() as uow:
        still_enabled(uow, who)         # disabled since this process read its people: refused
        row = uow.dossiers.require(dossier_id)
        current = uow.dossiers.version(dossier_id, row.current_version)
        if refusal := (rules.may_see(who, dossier_id, row.drafting_unit, row.state, svc.config.pipeline(row.kind),
                                     current)
                       or rules.may_withhold_with(who, row.state, row.withheld_at is not None, reason)):
            raise Refused(refusal)
        now = svc.now()
        row.withheld_at, row.withheld_by, row.withheld_reason, row.updated_at = now, who.name, reason, now
        uow.flush()
        revised: dict[str, dict[str, bytes]] = {}
        shas: dict[str, str] = {}
        printed: dict[str, list[str]] = {}     # issue → its print edition's files, kept from the public now
        for issue in uow.withholding.issues_naming(dossier_id):
            pages = public_web_edition(svc, uow, issue)
            shas[issue.id] = _store_revision(uow, issue, pages, now)
            revised[issue.id] = pages
            if prints_not_public(uow, issue.id):
                printed[issue.id] = _print_files(issue)
        site = _site_paths(uow, dossier_id)
        uow.audit.append(Withheld(dossier_id=dossier_id, actor=who.name, at=now, reason=reason,
                                 issues=tuple(revised), web_revisions=shas, site_removed=tuple(site)))
        # Files last, just before the commit: a refusal above leaves the disk as it was.
        removed = [p for p in site if _remove(svc.home.site, p)]
        crash_point("withhold.site_removed")        # tests/faults: pages down, folders not yet revised
        folders = [str(folder) for issue_id, pages in revised.items() for root in roots
                   if (folder := root / issue_id / "html").is_dir() and _rewrite(folder, pages)]
        # The print edition is the record, never revised: its copies in the release folders stay byte for
        # byte, but the public is not served it while it prints a document not public (desk/pages_gazette.py,
        # services/gazette/views.not_public_in): 0600, kept from the web server as the database is.
        prints = [str(path) for issue_id, names in printed.items() for root in roots for name in names
                  if (path := root / issue_id / name).is_file() and private(path) is None]
        crash_point("withhold.before_commit")       # tests/faults: files changed, nothing committed
        return WithholdResult(dossier=dossier_id, withheld_at=now, withheld_by=who.name, reason=reason,
                              issues=list(revised), site_removed=removed, folders=folders, prints_private=prints)


# ---------------------------------------------------------------- the gazette's web editions


def public_web_edition(svc: Services, uow: Unit, issue: GazetteIssueRow) -> dict[str, bytes]:
    """The released issue's electronic edition as the public may see it now: rebuilt from the same
    stored content and release facts, each item that is not public now replaced by its withdrawal
    notice, each notice naming one written without it (services/gazette_corrections.notices)."""
    from services.gazette.members import notices as notices_of
    from services.gazette.items import derived, edition_items, issue_facts, versions_of
    items = uow.gazette.members(issue.id)
    by_id = {i.id: i for i in items}
    versions = versions_of(uow, items)
    placed = gazette_rules.ordered(issue_facts(svc, uow, items, versions=versions))
    dossiers = uow.dossiers.by_ids({i.dossier_id for i in items})
    hidden = {d for d, row in dossiers.items() if not rules.is_public(row.disclosure, row.withheld_at is not None)}
    shown = [(section, by_id[f.item_id]) for section, f in placed if f.dossier not in hidden]
    built = {e.dossier: e for e in edition_items(svc, derived(uow), shown, versions)} if shown else {}
    out = []
    for section, f in placed:
        if f.dossier in hidden:
            row = dossiers[f.dossier]
            day = (row.withheld_at or svc.now()).astimezone().date()
            out.append(_withdrawn_item(f.dossier, section, day))
        else:
            out.append(built[f.dossier])
    released_at = issue.released_at or svc.now()
    if released_at.tzinfo is None:          # SQLite gives back what was stored, without its zone
        released_at = released_at.replace(tzinfo=dt.timezone.utc)
    content = IssueContent(
        city=svc.config.city, editor=f"{svc.config.city}人民政府办公室", year=issue.year, number=issue.number,
        total=issue.total, release_date=issue.release_date, released_at=released_at, items=tuple(out),
        notices=tuple(notices_of(uow, issue.id)))
    # An issue printing a document not public now offers no print edition (desk/pages_gazette.py keeps it
    # from the public): the 目录 does not link it.
    return web_edition(content, print_name=None if hidden else _offered_print(uow, issue))


def prints_not_public(uow: Unit, issue_id: str) -> bool:
    """Whether the issue's print edition prints a document not public now (review.rules.is_public)."""
    return any(not rules.is_public(d.disclosure, d.withheld_at is not None)
               for d in uow.gazette_reads.dossiers_in(issue_id))


def _print_files(issue: GazetteIssueRow) -> list[str]:
    from publishing import editions_pdf
    return [issue.print_name, editions_pdf.pdf_name(issue.print_name)] if issue.print_name else []


def _offered_print(uow: Unit, issue: GazetteIssueRow) -> str | None:
    """The print edition the public is offered: its PDF once made (services/gazette/release.py), else the docx."""
    from publishing import editions_pdf
    if issue.print_sha256 and issue.print_name and uow.derived.find(
            {issue.print_sha256}, editions_pdf.KIND, editions_pdf.MAKER):
        return editions_pdf.pdf_name(issue.print_name)
    return issue.print_name


def _withdrawn_item(dossier: str, section: str, day: dt.date):
    from publishing.editions import EditionItem
    return EditionItem(dossier=dossier, section=section, title="该文件已撤回公开", interpreting_unit="",
                       withdrawn=day)


def _store_revision(uow: Unit, issue: GazetteIssueRow, pages: dict[str, bytes], now: dt.datetime) -> str:
    for path, data in pages.items():
        uow.store.put(data, content_type="text/html; charset=utf-8" if path.endswith(".html")
                      else "application/octet-stream")
    sha = uow.store.put(manifest(pages), content_type="application/json")
    uow.derived.put(issue.web_sha256, WEB_PUBLIC, MAKER, sha, now)
    return sha


def public_manifest(uow: Unit, web_sha256: str) -> str:
    """The manifest the public is served for a released edition: its latest revision, else itself.
    `uow`: a storage.unit.Unit (the release's)."""
    return uow.derived.find({web_sha256}, WEB_PUBLIC, MAKER).get(web_sha256, web_sha256)


def _rewrite(folder: Path, pages: dict[str, bytes]) -> bool:
    """Make the folder hold exactly `pages`: changed files replaced (each by a rename), files the
    revision no longer has (the withdrawn item's pictures) removed, then empty folders."""
    for rel, data in pages.items():
        path = folder / rel
        if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
            continue
        write_public(path, data)        # a public page: a web server reads it, never half-written
        crash_point("edition_folder.rewriting")     # tests/faults: one page rewritten, the others not
    keep = {folder / rel for rel in pages}
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return True


# ---------------------------------------------------------------- the web release under site/


def _site_paths(uow: Unit, dossier_id: str) -> list[str]:
    """Site paths of the dossier's public pages, and of its pictures no public page still shows."""
    paths = uow.withholding.page_paths(dossier_id)
    c = uow.review.consultation(dossier_id)
    if c is not None:
        paths += [p for p in (c.notice_path, c.summary_path) if p]
    for sha, name in uow.withholding.pictures(dossier_id, PICTURE_ROLES):
        if not uow.withholding.shown_elsewhere(sha, dossier_id):
            paths.append(f"assets/{sha}{Path(name).suffix.lower()}")
    return sorted(set(paths))


def _remove(site: Path, rel: str) -> bool:
    path = site / rel
    if not path.resolve().is_relative_to(site.resolve()):
        return False
    if path.is_file():
        path.unlink()
        return True
    if path.is_dir():
        shutil.rmtree(path)
        return True
    return False


class WithheldView(BaseModel):
    at: dt.datetime
    by: str
    reason: str


def withheld_of(svc: Services, dossier_id: str) -> WithheldView | None:
    """Who withheld the dossier, when and why; None while it is not withheld."""
    with svc.unit() as uow:
        row = uow.dossiers.get(dossier_id)
        if row is None or row.withheld_at is None:
            return None
        return WithheldView(at=row.withheld_at, by=row.withheld_by or "", reason=row.withheld_reason or "")
