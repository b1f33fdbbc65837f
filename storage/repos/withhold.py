"""Queries for withholding a published document: what carries it on every public output (issue 12:
repositories own every query)."""
from __future__ import annotations

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
