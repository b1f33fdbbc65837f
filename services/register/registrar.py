"""The registrar's actions on the normative-document register."""
from __future__ import annotations

from documents.problems import Refused, problem
from review import rules
from review.model import Filed
from services.home.context import Services
from services.review.actions import person


def record_filing(svc: Services, registration_number: str, filing_number: str, actor_name: str) -> dict:
    actor = person(svc.config, actor_name)
    if refusal := rules.may_keep_register(actor):
        raise Refused(refusal)
    with svc.unit() as uow:
        e = uow.register.require(registration_number)
        if e.filed_at is not None:
            raise Refused(problem("invalid_state", f"{registration_number} 已于 {e.filed_at:%Y-%m-%d} 报备（{e.filing_number}）"))
        e.filed_at, e.filing_number = svc.now(), filing_number
        uow.audit.append(Filed(dossier_id=e.dossier_id, actor=actor.name, at=e.filed_at,
                               registration_number=registration_number, filing_number=filing_number))
        return {"registration_number": e.registration_number, "filing_number": e.filing_number,
                "filed_at": e.filed_at.isoformat()}
