"""What the rows name outside the database: object keys and site paths (lockstep storage check)."""
from __future__ import annotations

from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.public import public_dossier
from storage.tables import (ConsultationRow, DeliberationRow, DossierRow, DecisionRow, DerivedObjectRow, FileRow,
                            GazetteImportedItemRow, GazetteImportRow, GazetteIssueRow, JobRow, PageRow, VersionRow)

WEB_PUBLIC = "web_public"            # derived_objects.kind of a released web edition's public revision


def object_names(s: Session) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Every object key a row names → who names it (中文), and the manifests among them (key, who),
    whose listed pages the caller reads from the store."""
    names: dict[str, list[str]] = {}
    manifests: list[tuple[str, str]] = []

    def add(key: str | None, who: str) -> None:
        if key:
            names.setdefault(key, []).append(who)

    for sha, name, dossier, number in s.execute(
            select(FileRow.sha256, FileRow.name, VersionRow.dossier_id, VersionRow.number)
            .join(VersionRow, VersionRow.id == FileRow.version_id)):
        add(sha, f"卷宗 {dossier} 第{number}版 {name}")
    for sha, path in s.execute(select(PageRow.sha256, PageRow.path)):
        add(sha, f"网页 {path}")
    for sha, dossier, number in s.execute(select(DecisionRow.opinion_sha256, DecisionRow.dossier_id,
                                                 DecisionRow.opinion_number)
                                          .where(DecisionRow.opinion_sha256.is_not(None))):
        add(sha, f"卷宗 {dossier} 合法性审核意见书 {number or ''}".rstrip())
    for sha, dossier, version in s.execute(select(DeliberationRow.minutes_sha256, DeliberationRow.dossier_id,
                                                  DeliberationRow.version)
                                           .where(DeliberationRow.minutes_sha256.is_not(None))):
        add(sha, f"卷宗 {dossier} 第{version}版 集体审议会议纪要")
    for c in s.scalars(select(ConsultationRow)):
        add(c.notice_sha256, f"卷宗 {c.dossier_id} 征求意见公告")
        add(c.summary_sha256, f"卷宗 {c.dossier_id} 意见采纳情况")
    for issue in s.scalars(select(GazetteIssueRow)):
        add(issue.print_sha256, f"公报 {issue.id} 印刷版")
        if issue.web_sha256:
            add(issue.web_sha256, f"公报 {issue.id} 电子版文件清单")
            manifests.append((issue.web_sha256, f"公报 {issue.id} 电子版"))
    for row in s.scalars(select(DerivedObjectRow)):
        add(row.source_sha256, f"派生对象的原件（{row.kind}）")
        add(row.object_sha256, f"派生对象（{row.kind}，{row.maker}）")
        if row.kind == WEB_PUBLIC:
            manifests.append((row.object_sha256, "公报电子版（撤回公开后的版本）"))
    for sha, issue in s.execute(select(GazetteImportRow.source_sha256, GazetteImportRow.issue_id)):
        add(sha, f"公报 {issue} 导入的原件")
    for sha, issue in s.execute(select(GazetteImportedItemRow.source_sha256, GazetteImportedItemRow.issue_id)):
        add(sha, f"公报 {issue} 导入的稿件")
    # A bundle staged for a work pool (services/dossiers/staged.py) is named until its intake is done.
    for sha, batch in s.execute(select(JobRow.fingerprint, JobRow.dossier_id)
                                .where(JobRow.kind == "intake", JobRow.status != "done")):
        add(sha, f"待入库批次 {batch} 的暂存材料包")
    # A scheduled web release's pages, built and stored ahead (定时发布, services/publication/schedule.py),
    # are named by its job until it is published.
    for dossier, result in s.execute(select(JobRow.dossier_id, JobRow.result)
                                     .where(JobRow.kind == "publish", JobRow.status != "done")):
        for kind, sha in (((result or {}).get("prepared") or {}).get("pages") or {}).items():
            add(sha, f"卷宗 {dossier} 定时发布的网页（{kind}）")
    return names, list(dict.fromkeys(manifests))


def site_paths(s: Session) -> set[str]:
    """Site paths rows name, of dossiers that are public now (review.rules.is_public): pages,
    consultation notices and summaries, and the pictures of dossiers with pages. A file of a dossier
    that is not public (撤回公开, 不予公开) is a stray wherever it came from."""
    public = select(DossierRow.id).where(public_dossier(DossierRow))
    paths = set(s.scalars(select(PageRow.path).where(PageRow.dossier_id.in_(public))))
    for c in s.scalars(select(ConsultationRow).where(ConsultationRow.dossier_id.in_(public))):
        paths |= {p for p in (c.notice_path, c.summary_path) if p}
    with_pages = select(PageRow.dossier_id).where(PageRow.dossier_id.in_(public))
    for sha, name in s.execute(select(FileRow.sha256, FileRow.name)
                               .join(VersionRow, VersionRow.id == FileRow.version_id)
                               .where(VersionRow.dossier_id.in_(with_pages))):
        paths.add(f"assets/{sha}{PurePosixPath(name).suffix.lower()}")
    return paths


def released_issues(s: Session) -> set[str]:
    """Ids of the gazette issues that are released."""
    return set(s.scalars(select(GazetteIssueRow.id).where(GazetteIssueRow.status == "released")))


def public_pages(s: Session) -> list[tuple[str, str]]:
    """(site path, sha256) of every page row of a dossier that is public now, and of its consultation's
    notice and adoption summary: these are on disk."""
    q = (select(PageRow.path, PageRow.sha256).join(DossierRow, DossierRow.id == PageRow.dossier_id)
         .where(public_dossier(DossierRow)).order_by(PageRow.path))
    found = [(path, sha) for path, sha in s.execute(q)]
    c = ConsultationRow
    for row in s.execute(select(c.notice_path, c.notice_sha256, c.summary_path, c.summary_sha256)
                         .join(DossierRow, DossierRow.id == c.dossier_id).where(public_dossier(DossierRow))):
        found += [(path, sha) for path, sha in (row[:2], row[2:]) if path and sha]
    return sorted(found)


class References:
    """The unit of work's handle on what rows name outside the database: `uow.references`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def object_names(self) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
        """Every object key a row names → who names it, and the manifests among them (key, who)."""
        return object_names(self.session)

    def site_paths(self) -> set[str]:
        """Site paths rows name: pages, consultation notices, pictures of dossiers with pages."""
        return site_paths(self.session)

    def released_issues(self) -> set[str]:
        """Ids of the gazette issues that are released (their editions may be on disk)."""
        return released_issues(self.session)

    def public_pages(self) -> list[tuple[str, str]]:
        """(site path, sha256) of every page of a dossier that is public now."""
        return public_pages(self.session)
