"""The registrar's actions on the normative-document register."""
from __future__ import annotations

from sqlalchemy import select

from documents.problems import Refused, problem
from review import rules
from review.model import Filed
from services.home.context import Services
from services.review.actions import person
from storage import audit
from storage.tables import RegisterEntryRow


def record_filing(svc: Services, registration_number: str, filing_number: str, actor_name: str) -> dict:
    actor = person(svc.config, actor_name)
    if refusal := rules.may_keep_register(actor):
        raise Refused(refusal)
    with svc.session() as s:
        e = s.scalars(select(RegisterEntryRow).filter_by(registration_number=registration_number)).first()
        if e is None:
            raise Refused(problem("not_found", f"台帐中没有登记号 {registration_number}"))
        if e.filed_at is not None:
            raise Refused(problem("invalid_state", f"{registration_number} 已于 {e.filed_at:%Y-%m-%d} 报备（{e.filing_number}）"))
        e.filed_at, e.filing_number = svc.now(), filing_number
        audit.append(s, Filed(dossier_id=e.dossier_id, actor=actor.name, at=e.filed_at,
                              registration_number=registration_number, filing_number=filing_number))
        return {"registration_number": e.registration_number, "filing_number": e.filing_number,
                "filed_at": e.filed_at.isoformat()}
