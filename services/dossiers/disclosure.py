"""Setting a dossier's 公开属性 when its policy's marking cannot be placed (DESIGN.md, "Fail closed").

The gate blocks such a policy with `disclosure_unknown`. The drafting unit's head or a signer
(review.rules.may_set_disclosure) sets 主动公开, 依申请公开 or 不予公开 (with its legal ground); the
change of dossiers.disclosure/disclosure_by and its audited event commit together. What the
document itself says not public stays not public: nobody sets it public.
"""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from documents.problems import Refused, problem
from documents.shown import echoed
from review import rules
from review.gate import DISCLOSURES
from review.model import DisclosureSet
from services.home.context import Services
from services.review.actions import GateAnswer, answer_in, load, person, pipeline_for

GROUND_MIN = 4      # “第十四条”: a ground names at least the provision


class DisclosureResult(BaseModel):
    dossier: str
    disclosure: str
    ground: str | None = None
    set_by: str
    at: dt.datetime
    previous: str | None = None
    marking: str | None = None        # what the policy itself says, as found
    gate: GateAnswer


def set_disclosure(svc: Services, dossier_id: str, value: str, actor_name: str,
                   ground: str | None = None) -> DisclosureResult:
    actor = person(svc.config, actor_name)
    ground = " ".join((ground or "").split()) or None
    return svc.retrying(lambda: _set(svc, dossier_id, value, actor, ground))


def _set(svc: Services, dossier_id: str, value: str, actor, ground: str | None) -> DisclosureResult:
    with svc.unit() as uow:
        row, view = load(uow, dossier_id)
        pipeline = pipeline_for(svc.config, view.current)
        if refusal := (rules.may_see(actor, dossier_id, row.drafting_unit, row.state, pipeline, view.current)
                       or rules.may_set_disclosure(actor, row.drafting_unit, row.state)):
            raise Refused(refusal)
        if value not in DISCLOSURES:
            raise Refused(problem("request_invalid", f"公开属性“{echoed(value)}”不可用，须为{'、'.join(DISCLOSURES)}之一",
                                  advice=""))
        if value == rules.NOT_PUBLIC and rules.written_length(ground) < GROUND_MIN:
            raise Refused(problem("request_invalid", "设为不予公开须写明法律依据（如《中华人民共和国政府信息公开条例》第十四条）",
                                  advice=""))
        policy = view.current.policy
        meta = policy.meta if policy else None
        read = meta.disclosure if meta else None
        marking = meta.disclosure_text if meta else None
        if read == rules.NOT_PUBLIC and value != rules.NOT_PUBLIC:
            raise Refused(problem("not_public", f"政策文件标注为“{marking or read}”，不能设为{value}；"
                                                "如确需公开，请修改文件的公开属性后重新提交"))
        if read in DISCLOSURES and value not in (read, rules.NOT_PUBLIC):
            raise Refused(problem("invalid_state", f"政策文件已标注“{marking or read}”，以文件为准；"
                                                   "如需更改，请修改文件后重新提交（设为不予公开除外）"))
        now = svc.now()
        event = DisclosureSet(dossier_id=dossier_id, actor=actor.name, at=now, version=row.current_version,
                              value=value, ground=ground, previous=row.disclosure, marking=marking)
        row.disclosure, row.disclosure_by, row.updated_at = value, actor.name, now
        uow.audit.append(event)
        from services.review.consultation import take_down_if_not_public
        take_down_if_not_public(svc, uow, row)
        answer = answer_in(uow, svc, view)
    return DisclosureResult(dossier=dossier_id, disclosure=value, ground=ground, set_by=actor.name, at=now,
                            previous=event.previous, marking=marking, gate=answer)


def carried_over(current: str | None, current_by: str | None, read: str | None) -> tuple[str | None, str | None]:
    """(disclosure, disclosure_by) for a dossier's new version whose policy reads `read`: a marking
    the document places wins and clears a person's setting (不予公开 always wins); without one, what
    a person set stays, and an attribute read from an earlier version does not."""
    if read is not None:
        return read, None
    if current_by:
        return current, current_by
    return None, None
