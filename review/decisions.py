"""Decisions people make on a dossier: command in, event out, guards named (STYLE.md §2)."""
from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel

from documents.problems import Problem, Refused, problem
from review.config import Person, Pipeline
from review.gate import Blocking, active_stages, approved_stages, missing_roles, prerequisites
from review.model import EmergencySignedOff, Reason, SignedOff, StageDecided, Version
from review.rules import may_decide, may_emergency_sign_off, may_sign_off, written, written_length
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


# An approval whose comment asks for the document back says the opposite of its verdict.
RESUBMIT_WORDS = ("重新报送", "重新提交", "重新送审")


def verdict_problem(verdict: str, reasons: tuple[Reason, ...], comment: str = "") -> Problem | None:
    """A decision says what the reviewer meant: a return names at least one reason (anchored to a
    provision, or a general one with words in it); an approval carries no return reasons and does
    not ask for the document back. None when the decision is coherent, else a coded Problem."""
    given = [r for r in reasons if written_length(r.text)]     # words, not 。 or a zero-width space
    if verdict == "return":
        if not given:
            return problem("request_invalid", "退回时须至少写明一条退回理由（可定位到条款，如“一、（二）：表述不清”，"
                                              "也可写总体理由）")
        return None
    if verdict == "approve":
        if reasons:
            return problem("request_invalid", "通过时不能附退回理由；如需修改，请选择“退回”")
        if any(w in written(comment) for w in RESUBMIT_WORDS):      # 重新\u200b报送 asks it too
            return problem("request_invalid", "通过的审核意见中要求重新报送；如需修改，请选择“退回”并写明理由")
        return None
    return problem("request_invalid", "请选择“通过”或“退回”")


def decide(cmd: Decide, dossier: DossierView, pipeline: Pipeline,
           decisions: list[StageDecided], now: dt.datetime) -> tuple[StageDecided, str]:
    """Returns the event and the dossier's next state, or raises Refused."""
    version = dossier.current
    stages = active_stages(pipeline, version)
    stage = next((s for s in stages if s.id == cmd.stage), None)
    if stage is None:
        names = "、".join(f"{s.name}（{s.id}）" for s in stages)      # the API takes the ids
        raise Refused(problem("not_permitted", f"本卷宗的审核流程中没有环节“{cmd.stage}”（可用：{names}）"))
    who = cmd.actor
    if refusal := may_decide(who, dossier.submitters, dossier.drafting_unit, stage):
        raise Refused(refusal)
    if refusal := verdict_problem(cmd.verdict, cmd.reasons, cmd.comment):
        raise Refused(refusal)
    # The role acted in: for a stage needing every role, one still missing; else the first held.
    wanted = missing_roles(stage, version, decisions) or stage.roles
    role = next((r for r in wanted if r in who.roles), next(r for r in stage.roles if r in who.roles))
    done = approved_stages(version, decisions, stages)
    waiting = [p for p in prerequisites(stage, stages) if p not in done]
    if waiting:
        names = {s.id: s.name for s in stages}
        raise Refused(problem("stage_not_approved", f"须先完成前置环节：{'、'.join(names.get(w, w) for w in waiting)}"))
    if cmd.verdict == "approve":
        # An approval repeated by the same person (a double click, a second tab) adds nothing and would
        # take a second legality opinion number: refused once this person approved the stage on this
        # version and holds none of the roles it still lacks. Another reviewer's own approval of an
        # approved stage (two legal reviewers each giving an opinion) is theirs to give.
        mine = any(d.stage == stage.id and d.fingerprint == version.fingerprint and d.verdict == "approve"
                   and d.actor == who.name for d in decisions)
        still = missing_roles(stage, version, decisions) if stage.require_all else ()   # roles still to approve
        if mine and not any(r in who.roles for r in still):
            raise Refused(problem("invalid_state", f"“{stage.name}”已在第 {version.number} 版上通过，无需重复审核"))
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
             now: dt.datetime, emergency_reason: str | None = None,
             pipeline: Pipeline | None = None) -> SignedOff:
    """Sign off on an open gate. In an emergency, with a recorded reason, the stages the kind marks
    skippable may be left for review after the fact; the dossier's contents and the stages the law
    requires may not (review.rules.may_emergency_sign_off)."""
    if refusal := may_sign_off(actor, dossier.submitters):
        raise Refused(refusal)
    if emergency_reason is not None:
        contents = [b for b in blocking if b.code != "stage_not_approved"]
        if contents:
            raise Refused(*contents)
        unapproved = [b.stage for b in blocking if b.stage]
        pipeline = pipeline or dossier.current.pipeline
        if pipeline is None:
            raise Refused(problem("not_permitted", "未能确定本卷宗的审核流程，不能紧急签发"))
        if refusal := may_emergency_sign_off(actor, dossier.submitters, pipeline, unapproved, emergency_reason):
            raise Refused(refusal)
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
