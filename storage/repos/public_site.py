"""Queries for the public site (政府信息公开): the index of published policies, one policy's page with
its register entry, the released gazette issues by year, and a consultation page by its path.
Reached as `uow.public_site`. Every query that names a dossier filters with storage/public.py (the one
review.rules.is_public, in SQL): what is not public now is absent, exactly as if it never existed."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from storage.public import public_dossier
from storage.tables import (ConsultationRow, DossierRow, GazetteImportedItemRow, GazetteIssueItemRow,
                            GazetteIssueRow, GazetteItemRow, PageRow, RegisterEntryRow)


# The public pages' statements are built once and kept (a dossier id or a limit is a bound parameter):
# a statement object remembers its cache key, so a page's queries skip building the statement and
# its key again (about 0.8 ms of each query's 1 ms; bench/site.py pages run a handful each).

@cache
def _policies(limit: int):
    return (select(PageRow, DossierRow, RegisterEntryRow)
            .join(DossierRow, DossierRow.id == PageRow.dossier_id)
            .outerjoin(RegisterEntryRow, RegisterEntryRow.dossier_id == PageRow.dossier_id)
            .where(PageRow.kind == "policy", public_dossier(DossierRow))
            .order_by(PageRow.released_at.desc(), PageRow.id.desc()).limit(limit))


@cache
def _policy():
    return (select(PageRow, DossierRow, RegisterEntryRow)
            .join(DossierRow, DossierRow.id == PageRow.dossier_id)
            .outerjoin(RegisterEntryRow, RegisterEntryRow.dossier_id == PageRow.dossier_id)
            .where(PageRow.kind == "policy", PageRow.dossier_id == bindparam("dossier_id"), public_dossier(DossierRow))
            .order_by(PageRow.id.desc()).limit(1))


@cache
def _released_issues():
    return (select(GazetteIssueRow).where(GazetteIssueRow.status == "released")
            .order_by(GazetteIssueRow.year.desc(), GazetteIssueRow.number.desc()))


@cache
def _item_counts():
    return (select(GazetteIssueItemRow.issue_id, func.count()).group_by(GazetteIssueItemRow.issue_id),
            select(GazetteImportedItemRow.issue_id, func.count()).group_by(GazetteImportedItemRow.issue_id))


@cache
def _issues_kept_off():
    return (select(GazetteIssueItemRow.issue_id)
            .join(GazetteItemRow, GazetteItemRow.id == GazetteIssueItemRow.item_id)
            .join(DossierRow, DossierRow.id == GazetteItemRow.dossier_id)
            .where(~public_dossier(DossierRow), DossierRow.withheld_at.is_(None)).distinct())


class PublicSite:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- policies ---------------------------------------------------------------------------------
    def policies(self, limit: int = 500) -> list[tuple[PageRow, DossierRow, RegisterEntryRow | None]]:
        """Released policy pages of dossiers public now, with their register entry (None for a document
        the register does not keep, e.g. a 政策性文件), newest release first."""
        return [tuple(r) for r in self.session.execute(_policies(limit))]

    def policy(self, dossier_id: str) -> tuple[PageRow, DossierRow, RegisterEntryRow | None] | None:
        """One released policy page of a dossier public now (with its entry), else None."""
        row = self.session.execute(_policy(), {"dossier_id": dossier_id}).first()
        return tuple(row) if row else None

    def public_entries(self, numbers: list[str]) -> dict[str, RegisterEntryRow]:
        """Of these registration numbers, the entries whose dossier is public now, by number."""
        if not numbers:
            return {}
        q = (select(RegisterEntryRow).join(DossierRow, DossierRow.id == RegisterEntryRow.dossier_id)
             .where(RegisterEntryRow.registration_number.in_(numbers), public_dossier(DossierRow)))
        return {e.registration_number: e for e in self.session.scalars(q)}

    def has_policy_page(self, dossier_ids: list[str]) -> set[str]:
        """Of these dossiers, those with a released policy page."""
        if not dossier_ids:
            return set()
        q = select(PageRow.dossier_id).where(PageRow.kind == "policy", PageRow.dossier_id.in_(dossier_ids))
        return set(self.session.scalars(q))

    # -- gazette issues ---------------------------------------------------------------------------
    def released_issues(self) -> list[GazetteIssueRow]:
        """Released issues (imported history included), newest first."""
        return list(self.session.scalars(_released_issues()))

    def item_counts(self) -> dict[str, int]:
        """Issue → the number of documents it printed (its items, or an imported issue's items)."""
        counts: dict[str, int] = {}
        for q in _item_counts():
            for issue, n in self.session.execute(q):
                counts[issue] = counts.get(issue, 0) + n
        return counts

    def issues_kept_off(self) -> set[str]:
        """Released issues whose web edition the public is not served now: one carries a dossier that is not
        public and was not withheld (a withheld one is already a withdrawal notice in its public revision;
        desk/pages_gazette.py answers 404 for the others' index)."""
        return set(self.session.scalars(_issues_kept_off()))

    # -- consultations ----------------------------------------------------------------------------
    def consultation_at(self, path: str) -> tuple[ConsultationRow, DossierRow, str] | None:
        """The consultation whose notice or adoption summary is at this site path, with its dossier and
        which page it is ("notice" or "summary"), if that dossier is public now."""
        for column, kind in ((ConsultationRow.notice_path, "notice"), (ConsultationRow.summary_path, "summary")):
            q = (select(ConsultationRow, DossierRow).join(DossierRow, DossierRow.id == ConsultationRow.dossier_id)
                 .where(column == path, public_dossier(DossierRow)).limit(1))
            row = self.session.execute(q).first()
            if row:
                return row[0], row[1], kind
        return None

    def consultations(self, limit: int = 200) -> list[tuple[ConsultationRow, DossierRow]]:
        """Consultations of dossiers public now with a notice, newest opening first."""
        q = (select(ConsultationRow, DossierRow).join(DossierRow, DossierRow.id == ConsultationRow.dossier_id)
             .where(ConsultationRow.notice_path.is_not(None), public_dossier(DossierRow))
             .order_by(ConsultationRow.opens.desc(), ConsultationRow.id.desc()).limit(limit))
        return [tuple(r) for r in self.session.execute(q)]

    # -- the 政府信息公开 catalogue (issue 15) -------------------------------------------------------------
    def catalogue(self, dossier_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """Dossier → (索引号, 主题分类), of these dossiers public now."""
        if not dossier_ids:
            return {}
        q = (select(DossierRow.id, DossierRow.index_number, DossierRow.topic)
             .where(DossierRow.id.in_(dossier_ids), public_dossier(DossierRow)))
        return {d: (n, t) for d, n, t in self.session.execute(q)}

    def issues_printing_not_public(self) -> set[str]:
        """Issues whose print edition prints a dossier not public now (withheld included): the print edition
        is never revised, so the public is not offered it (services/gazette/views.not_public_in)."""
        q = (select(GazetteIssueItemRow.issue_id)
             .join(GazetteItemRow, GazetteItemRow.id == GazetteIssueItemRow.item_id)
             .join(DossierRow, DossierRow.id == GazetteItemRow.dossier_id)
             .where(~public_dossier(DossierRow)).distinct())
        return set(self.session.scalars(q))
