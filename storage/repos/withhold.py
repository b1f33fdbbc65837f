"""Queries for withholding a published document: what carries it on every public output, and the released
editions whose folders `lockstep storage check` compares with them (issue 12: repositories own every query)."""
from __future__ import annotations

from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.public import public_dossier
from storage.tables import (DossierRow, FileRow, GazetteCorrectionRow, GazetteIssueItemRow, GazetteIssueRow,
                            GazetteItemRow, PageRow, VersionRow)


class Withholding:
    def __init__(self, session: Session) -> None:
        self.session = session

    def issues_naming(self, dossier_id: str) -> list[GazetteIssueRow]:
        """Released issues (with web editions of ours) that carry the dossier or print a notice
        naming it, in order of year and number."""
        carrying = (select(GazetteIssueItemRow.issue_id)
                    .join(GazetteItemRow, GazetteItemRow.id == GazetteIssueItemRow.item_id)
                    .where(GazetteItemRow.dossier_id == dossier_id))
        correcting = select(GazetteCorrectionRow.issue_id).where(GazetteCorrectionRow.corrects_dossier == dossier_id)
        q = (select(GazetteIssueRow)
             .where(GazetteIssueRow.status == "released", GazetteIssueRow.web_sha256.is_not(None),
                    GazetteIssueRow.id.in_(carrying) | GazetteIssueRow.id.in_(correcting))
             .order_by(GazetteIssueRow.year, GazetteIssueRow.number))
        return list(self.session.scalars(q))

    def page_paths(self, dossier_id: str) -> list[str]:
        """Site paths of the dossier's web-release pages."""
        return list(self.session.scalars(select(PageRow.path).filter_by(dossier_id=dossier_id)))

    def pictures(self, dossier_id: str, roles: tuple[str, ...]) -> list[tuple[str, str]]:
        """(sha256, file name) of every file of these roles in any of the dossier's versions."""
        q = (select(FileRow.sha256, FileRow.name).join(VersionRow, VersionRow.id == FileRow.version_id)
             .where(VersionRow.dossier_id == dossier_id, FileRow.role.in_(roles)))
        return [(sha, name) for sha, name in self.session.execute(q)]

    def shown_elsewhere(self, sha256: str, dossier_id: str) -> bool:
        """Whether another dossier whose versions hold these bytes is public now and has site pages
        (so a picture of theirs still shows them)."""
        others = (select(VersionRow.dossier_id).join(FileRow, FileRow.version_id == VersionRow.id)
                  .where(FileRow.sha256 == sha256, VersionRow.dossier_id != dossier_id))
        q = (select(PageRow.id).join(DossierRow, DossierRow.id == PageRow.dossier_id)
             .where(PageRow.dossier_id.in_(others), public_dossier(DossierRow)).limit(1))
        return self.session.scalars(q).first() is not None

    def released_editions(self) -> list[GazetteIssueRow]:
        """Released issues with web editions of ours (imported history has none), in order of year and number."""
        q = (select(GazetteIssueRow)
             .where(GazetteIssueRow.status == "released", GazetteIssueRow.web_sha256.is_not(None))
             .order_by(GazetteIssueRow.year, GazetteIssueRow.number))
        return list(self.session.scalars(q))

    def dossiers_of_issue(self, issue_id: str) -> set[str]:
        """The dossiers an issue carries or whose notices (更正启事) it prints: what a withhold changes in it."""
        carried = (select(GazetteItemRow.dossier_id)
                   .join(GazetteIssueItemRow, GazetteIssueItemRow.item_id == GazetteItemRow.id)
                   .where(GazetteIssueItemRow.issue_id == issue_id))
        corrected = select(GazetteCorrectionRow.corrects_dossier).where(
            GazetteCorrectionRow.issue_id == issue_id, GazetteCorrectionRow.corrects_dossier.is_not(None))
        return set(self.session.scalars(carried)) | set(self.session.scalars(corrected))

    def page_owners(self, paths: set[str]) -> set[str]:
        """The dossiers whose page, consultation notice or adoption summary, or picture (assets/SHA.ext),
        is at one of these site paths."""
        from storage.tables import ConsultationRow
        if not paths:
            return set()
        wanted = sorted(paths)
        found = set(self.session.scalars(select(PageRow.dossier_id).where(PageRow.path.in_(wanted))))
        for column in (ConsultationRow.notice_path, ConsultationRow.summary_path):
            found |= set(self.session.scalars(select(ConsultationRow.dossier_id).where(column.in_(wanted))))
        shas = sorted({PurePosixPath(p).stem for p in paths if p.startswith("assets/")})
        if shas:
            found |= set(self.session.scalars(
                select(VersionRow.dossier_id).join(FileRow, FileRow.version_id == VersionRow.id)
                .where(FileRow.sha256.in_(shas), VersionRow.dossier_id.in_(select(PageRow.dossier_id)))))
        return found

    def public_pictures(self, roles: tuple[str, ...]) -> list[tuple[str, str]]:
        """(site path, sha256) of the pictures the pages of dossiers public now show: every file of these
        roles that is not a docx (publishing/web_release.py writes it under assets/ as it is) in the
        version the pages were released from, the dossier's current one."""
        q = (select(FileRow.name, FileRow.sha256, FileRow.meta)
             .join(VersionRow, VersionRow.id == FileRow.version_id)
             .join(DossierRow, (DossierRow.id == VersionRow.dossier_id)
                   & (DossierRow.current_version == VersionRow.number))
             .where(DossierRow.id.in_(select(PageRow.dossier_id)), public_dossier(DossierRow),
                    FileRow.role.in_(roles)))
        return sorted({(f"assets/{sha}{PurePosixPath(name).suffix.lower()}", sha)
                       for name, sha, meta in self.session.execute(q) if meta is None})
