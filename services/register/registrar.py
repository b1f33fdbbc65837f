"""The registrar's actions on the normative-document register: filing (报备, 备案) with the level above.

A filing records what the registrar did and when: 报备日期 (the day it was sent, given by the registrar,
today if not given), 报备机关 (to whom) and the 备案号 the level above gave; `filed_at` stays the moment
it was recorded (the audit's time), and the 30-day filing clock (services/review/deadlines.py) stops.
"""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

from documents.problems import Refused, problem
from review import rules
from review.model import Filed
from services.home.context import Services
from services.review.actions import person


class FiledWith(Filed):
    """register.filed with its 报备日期 and 报备机关 (issue 15 item 6b)."""
    name: ClassVar[str] = "register.filed"
    reported_on: dt.date
    reported_to: str


def filing_problem(filing_number: str, reported_to: str, reported_on: dt.date, published: dt.date,
                   today: dt.date) -> Refused | None:
    """What a filing must hold: a 备案号, a 报备机关, and a 报备日期 neither after today nor before the
    document was published (it cannot be sent before it exists)."""
    if not filing_number.strip():
        return Refused(problem("request_invalid", "请填写上级机关的备案号"))
    if not reported_to.strip():
        return Refused(problem("request_invalid", "请填写报备机关（如 呼伦贝尔市人民政府）"))
    if reported_on > today:
        return Refused(problem("request_invalid", f"报备日期 {reported_on} 晚于今天，请核对"))
    if reported_on < published:
        return Refused(problem("request_invalid", f"报备日期 {reported_on} 早于文件发布日期 {published}，请核对"))
    return None


def record_filing(svc: Services, registration_number: str, filing_number: str, actor_name: str, *,
                  reported_to: str, reported_on: dt.date | None = None) -> dict:
    actor = person(svc.config, actor_name)
    if refusal := rules.may_keep_register(actor):
        raise Refused(refusal)
    with svc.unit() as uow:
        e = uow.register.require(registration_number)
        if e.filed_at is not None:
            raise Refused(problem("invalid_state", f"{registration_number} 已于 "
                                                   f"{e.reported_on or e.filed_at.astimezone().date()} 报备（{e.filing_number}）"))
        now = svc.now()
        today = now.astimezone().date()
        day = reported_on or today
        if refused := filing_problem(filing_number, reported_to, day, e.published_at.astimezone().date(), today):
            raise refused
        e.filed_at, e.filing_number = now, filing_number.strip()
        e.reported_on, e.reported_to = day, reported_to.strip()
        uow.audit.append(FiledWith(dossier_id=e.dossier_id, actor=actor.name, at=now,
                                   registration_number=registration_number, filing_number=e.filing_number,
                                   reported_on=day, reported_to=e.reported_to))
        return {"registration_number": e.registration_number, "filing_number": e.filing_number,
                "reported_on": day.isoformat(), "reported_to": e.reported_to, "filed_at": now.isoformat()}
