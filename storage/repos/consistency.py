"""Explained marks on interpretation_inconsistent findings (解读与政策一致性：已说明), read from the
audit chain: each mark is a `consistency.explained` event (review.model.ConsistencyExplained), so
the mark and its record are one row and cannot disagree. No table of its own."""
from __future__ import annotations

from typing import TYPE_CHECKING

from storage import rows, schema

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from storage.tables import EventRow

EXPLAINED = "consistency.explained"


class ConsistencyMarks:
    def __init__(self, session: Session) -> None:
        self.session = session

    def explained(self, dossier_id: str) -> dict[str, EventRow]:
        """Finding id → the first event marking it explained, for every version of the dossier
        (ids carry the version's fingerprint, so a mark never reaches another version's finding)."""
        E = schema.events
        q = rows.of(self.session, E).where(E.c.dossier_id == dossier_id, E.c.name == EXPLAINED).order_by(E.c.seq)
        marks: dict[str, EventRow] = {}
        for row in rows.fetch(self.session, q):
            finding = (row.payload or {}).get("finding")
            if finding and finding not in marks:
                marks[finding] = row
        return marks
