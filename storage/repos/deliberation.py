"""Queries for the 集体审议 record: a dossier version's meeting (name, 第N次, date, minutes), and the
search over the minutes' text (issue 14; table `deliberations`, migration 0018)."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.tables import DeliberationRow, DossierRow


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` literally (%, _ and the escape itself are not wildcards)."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Deliberations:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_version(self, dossier_id: str, version: int) -> DeliberationRow | None:
        return self.session.scalars(select(DeliberationRow).filter_by(dossier_id=dossier_id, version=version)).first()

    def of_dossier(self, dossier_id: str) -> list[DeliberationRow]:
        """Every version's record, newest version first."""
        return list(self.session.scalars(select(DeliberationRow).filter_by(dossier_id=dossier_id)
                                         .order_by(DeliberationRow.version.desc())))

    def add(self, row: DeliberationRow) -> DeliberationRow:
        self.session.add(row)
        self.session.flush()            # the unique (dossier, version) answers here, inside the retry
        return row

    def search(self, text: str, limit: int = 50, offset: int = 0) -> list[tuple[DeliberationRow, DossierRow]]:
        """Records whose meeting, minutes text or dossier title contain `text` (any case), with
        their dossier, newest meeting first, from the `offset`-th. LIKE works for Chinese in SQLite and
        PostgreSQL alike; the caller filters by who may see each dossier (and asks again from where it
        stopped when too few were left)."""
        pattern = _like(text.strip())
        q = (select(DeliberationRow, DossierRow).join(DossierRow, DossierRow.id == DeliberationRow.dossier_id)
             .where(or_(func.lower(DeliberationRow.minutes_text).like(func.lower(pattern), escape="\\"),
                        func.lower(DeliberationRow.meeting).like(func.lower(pattern), escape="\\"),
                        DossierRow.title.like(pattern, escape="\\")))
             .order_by(DeliberationRow.held_on.desc(), DeliberationRow.id.desc()).offset(offset).limit(limit))
        return [(d, r) for d, r in self.session.execute(q)]
