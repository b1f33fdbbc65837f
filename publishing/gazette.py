"""The gazette editors' queue: publish-ready items waiting for the next issue (政府公报)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.tables import GazetteItemRow


def queue(s: Session) -> list[GazetteItemRow]:
    return list(s.scalars(select(GazetteItemRow).filter_by(status="queued").order_by(GazetteItemRow.id)))


def item_for(s: Session, dossier_id: str, fingerprint: str) -> GazetteItemRow | None:
    return s.scalars(select(GazetteItemRow).filter_by(dossier_id=dossier_id, fingerprint=fingerprint)).first()
