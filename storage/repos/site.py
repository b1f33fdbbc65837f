"""Queries for publication: site pages, the pictures they show, and what a publication reads back
(issue 12: repositories own every query). Reached as `uow.site`."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.model import Version
from storage.repos.dossiers import versions_by_fingerprint
from storage.tables import DossierRow, FileRow, GazetteItemRow, PageRow, VersionRow


class SiteRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- pages ----------------------------------------------------------------------------------
    def page_at(self, path: str) -> PageRow | None:
        """The released page at this site path (policies/D….html, interpretations/D….html), if any."""
        return self.session.scalars(select(PageRow).filter_by(path=path)).first()

    def pages_of(self, dossier_id: str) -> dict[str, PageRow]:
        """The dossier's released pages by kind (policy, interpretation)."""
        return {p.kind: p for p in self.session.scalars(select(PageRow).filter_by(dossier_id=dossier_id))}

    def has_pages(self, dossier_id: str) -> bool:
        """Whether the dossier has any released page."""
        return self.session.scalars(select(PageRow.id).filter_by(dossier_id=dossier_id).limit(1)).first() is not None

    # -- pictures -------------------------------------------------------------------------------
    def showing_picture(self, sha256: str, roles: tuple[str, ...]) -> list[str]:
        """Dossiers whose current version holds this file in one of these roles (an earlier draft's
        file was never released, whoever learned its hash)."""
        return list(self.session.scalars(
            select(VersionRow.dossier_id).join(FileRow, FileRow.version_id == VersionRow.id)
            .join(DossierRow, (DossierRow.id == VersionRow.dossier_id)
                  & (DossierRow.current_version == VersionRow.number))
            .where(FileRow.sha256 == sha256, FileRow.role.in_(roles))))

    def holding_file(self, sha256: str) -> list[DossierRow]:
        """Dossiers with any version holding this file."""
        return list(self.session.scalars(
            select(DossierRow).join(VersionRow, VersionRow.dossier_id == DossierRow.id)
            .join(FileRow, FileRow.version_id == VersionRow.id).where(FileRow.sha256 == sha256)))

    # -- what a publication reads back ---------------------------------------------------------------
    def gazette_item(self, dossier_id: str, fingerprint: str | None = None) -> GazetteItemRow | None:
        """The dossier's gazette item for this version (without a fingerprint: its latest item)."""
        q = select(GazetteItemRow).filter_by(dossier_id=dossier_id)
        if fingerprint is not None:
            q = q.filter_by(fingerprint=fingerprint)
        return self.session.scalars(q.order_by(GazetteItemRow.id.desc()).limit(1)).first()

    def version(self, dossier_id: str, fingerprint: str) -> Version | None:
        """The dossier's version with these files (the one a gazette item was made from)."""
        return versions_by_fingerprint(self.session, {(dossier_id, fingerprint)}).get((dossier_id, fingerprint))

    # -- the 索引号 (issue 15) ------------------------------------------------------------------------
    def index_numbers(self) -> list[str]:
        """Every 索引号 given so far (the counter's floor for a year it has no row for yet)."""
        return list(self.session.scalars(select(DossierRow.index_number).where(DossierRow.index_number.is_not(None))))

    def unindexed(self) -> list[tuple[DossierRow, PageRow]]:
        """Published dossiers without a 索引号 (published before it was given), with their policy page,
        in order of publication: `lockstep publish reindex` numbers them."""
        q = (select(DossierRow, PageRow).join(PageRow, PageRow.dossier_id == DossierRow.id)
             .where(DossierRow.index_number.is_(None), PageRow.kind == "policy",
                    DossierRow.state.in_(("published", "registered")))
             .order_by(PageRow.released_at, PageRow.id))
        return [tuple(r) for r in self.session.execute(q)]
