"""Decisions people make on a dossier: command in, event out, guards named (STYLE.md §2)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from documents.problems import Refused, problem
from review.config import Person, Pipeline, same_unit
from review.gate import Blocking, active_stages, approved_stages, missing_roles, prerequisites
from review.model import EmergencySignedOff, Reason, SignedOff, StageDecided, Version
from review.states import transition


class DossierView(BaseModel, frozen=True):
    id: str
    state: str
    kind: str
    drafting_unit: str
    submitters: frozenset[str]       # everyone who submitted any version
    current: Version
    emergency: bool = False          # signed off in an emergency: its skipped stages are reviewed after


RETROSPECTIVE_STATES = frozenset({"signed_off", "published", "registered"})


def retrospective_pending(dossier: DossierView, pipeline: Pipeline, decisions: list[StageDecided]) -> list[str]:
    """Stages an emergency sign-off skipped that still have no approval on the signed version."""
    if not dossier.emergency:
        return []
    stages = active_stages(pipeline, dossier.current)
    done = approved_stages(dossier.current, decisions, stages)
    return [s.id for s in stages if s.id not in done]


class Decide(BaseModel, frozen=True):
    stage: str
    verdict: Literal["approve", "return"]
    comment: str = ""
    reasons: tuple[Reason, ...] = ()
    actor: Person


def decide(cmd: Decide, dossier: DossierView, pipeline: Pipeline,
           decisions: list[StageDecided], now: dt.datetime) -> tuple[StageDecided, str]:
    """Returns the event and the dossier's next state, or raises Refused."""
    version = dossier.current
    stages = active_stages(pipeline, version)
    stage = next((s for s in stages if s.id == cmd.stage), None)
    if stage is None:
        ids = "、".join(s.id for s in stages)
        raise Refused(problem("not_permitted", f"本卷宗的审核流程中没有环节“{cmd.stage}”（可用：{ids}）"))
    who = cmd.actor
    if who.name in dossier.submitters:
        raise Refused(problem("not_permitted", f"{who.name} 提交了本卷宗，不能审核本人送审的文件"))
    if not set(who.roles) & set(stage.roles):
        raise Refused(problem("not_permitted", f"{who.name} 没有“{stage.name}”所需的角色（{'、'.join(stage.roles)}）"))
    # The role acted in: for a stage needing every role, one still missing; else the first held.
    wanted = missing_roles(stage, version, decisions) or stage.roles
    role = next((r for r in wanted if r in who.roles), next(r for r in stage.roles if r in who.roles))
    if stage.same_unit and not same_unit(who.unit, dossier.drafting_unit):
        raise Refused(problem("not_permitted", f"“{stage.name}”须由起草单位{dossier.drafting_unit}的人员办理"))
    done = approved_stages(version, decisions, stages)
    waiting = [p for p in prerequisites(stage, stages) if p not in done]
    if waiting:
        raise Refused(problem("stage_not_approved", f"须先完成前置环节：{'、'.join(waiting)}"))
    if dossier.emergency and dossier.state in RETROSPECTIVE_STATES:
        # Retrospective review of an emergency sign-off: recorded, the published dossier stays as it is.
        next_state = dossier.state
    else:
        next_state = transition(dossier.state, "approve" if cmd.verdict == "approve" else "return")
    event = StageDecided(dossier_id=dossier.id, actor=who.name, at=now, stage=stage.id,
                         fingerprint=version.fingerprint, verdict=cmd.verdict,
                         comment=cmd.comment, unit=who.unit, role=role, reasons=cmd.reasons)
    return event, next_state


def sign_off(actor: Person, dossier: DossierView, blocking: list[Blocking],
             now: dt.datetime, emergency_reason: str | None = None) -> SignedOff:
    """Sign off on an open gate. In an emergency, with a recorded reason, review stages may be
    skipped (and are flagged for retrospective review); the dossier's contents may not."""
    if "signer" not in actor.roles:
        raise Refused(problem("not_permitted", f"{actor.name} 没有签发权限"))
    if actor.name in dossier.submitters:
        raise Refused(problem("not_permitted", f"{actor.name} 提交了本卷宗，不能签发"))
    if emergency_reason is not None:
        if not emergency_reason.strip():
            raise Refused(problem("not_permitted", "紧急签发须写明理由"))
        contents = [b for b in blocking if b.code != "stage_not_approved"]
        if contents:
            raise Refused(*contents)
        transition(dossier.state, "sign_off")
        return EmergencySignedOff(dossier_id=dossier.id, actor=actor.name, at=now,
                                  fingerprint=dossier.current.fingerprint, version=dossier.current.number,
                                  reason=emergency_reason.strip(),
                                  skipped_stages=tuple(b.stage for b in blocking if b.stage))
    if blocking:
        raise Refused(*blocking)
    transition(dossier.state, "sign_off")
    return SignedOff(dossier_id=dossier.id, actor=actor.name, at=now,
                     fingerprint=dossier.current.fingerprint, version=dossier.current.number)
