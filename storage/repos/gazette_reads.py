"""Queries for gazette search, past-issue import and the desk's gazette views (issue 12: repositories own every query)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from storage import search as index
from storage.tables import DossierRow, GazetteCorrectionRow, GazetteIssueItemRow, GazetteIssueRow, GazetteItemRow


class GazetteReads:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- the search index (storage/search.py holds its SQL for both engines) -----------------
    def index(self, doc: index.SearchDoc) -> None:
        """Write (or rewrite) one printed item's row of the search index, in this transaction."""
        index.index_item(self.session, doc)

    def search(self, text: str | None = None, *, number: str | None = None, organ: str | None = None,
               date_from: dt.date | None = None, date_to: dt.date | None = None,
               limit: int = 50) -> list[index.Hit]:
        """Items of released issues matching every criterion given, newest first; never a dossier that
        is not public now (a query holding a control character is refused with request_invalid)."""
        return index.search(self.session, text=text, number=number, organ=organ, date_from=date_from,
                            date_to=date_to, limit=limit)

    def corrections_touching(self, issues: set[str]) -> list[tuple[GazetteCorrectionRow, int, int]]:
        """The 更正启事 of released issues that are printed in, or correct an item of, any of `issues`:
        each with the corrected issue's year and number."""
        if not issues:
            return []
        corrected = aliased(GazetteIssueRow)
        q = (select(GazetteCorrectionRow, corrected.year, corrected.number)
             .join(GazetteIssueRow, GazetteIssueRow.id == GazetteCorrectionRow.issue_id)
             .join(corrected, corrected.id == GazetteCorrectionRow.corrects_issue_id)
             .where(GazetteIssueRow.status == "released",
                    GazetteCorrectionRow.issue_id.in_(issues) | GazetteCorrectionRow.corrects_issue_id.in_(issues)))
        return [(row, year, number) for row, year, number in self.session.execute(q)]

    # -- issues ------------------------------------------------------------------------------
    def issue(self, issue_id: str) -> GazetteIssueRow | None:
        """The issue with this id (2019-8), or None."""
        return self.session.get(GazetteIssueRow, issue_id)

    def issue_numbered(self, year: int, number: int) -> GazetteIssueRow | None:
        """The issue printed as 第 number 期 of year, whatever its id, or None."""
        return self.session.scalars(select(GazetteIssueRow).filter_by(year=year, number=number)).first()

    def issue_before(self, year: int, number: int) -> GazetteIssueRow | None:
        """The latest issue printed before 第 number 期 of year (its total numbers the next one), or None."""
        q = (select(GazetteIssueRow)
             .where((GazetteIssueRow.year < year) | ((GazetteIssueRow.year == year) & (GazetteIssueRow.number < number)))
             .order_by(GazetteIssueRow.year.desc(), GazetteIssueRow.number.desc()))
        return self.session.scalars(q.limit(1)).first()

    def total_taken(self, total: int) -> bool:
        """Whether an issue already carries this 总第N期."""
        return self.session.scalars(select(GazetteIssueRow.id).filter_by(total=total).limit(1)).first() is not None

    def dossiers_in(self, issue_id: str) -> list[DossierRow]:
        """The dossiers whose items the issue carries (imported items have none)."""
        q = (select(DossierRow).join(GazetteItemRow, GazetteItemRow.dossier_id == DossierRow.id)
             .join(GazetteIssueItemRow, GazetteIssueItemRow.item_id == GazetteItemRow.id)
             .where(GazetteIssueItemRow.issue_id == issue_id))
        return list(self.session.scalars(q))
