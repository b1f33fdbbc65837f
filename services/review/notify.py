"""Who acts next is told (issue 14): the notices a decision writes, in the decision's own transaction.

A submission, an approval or a return changes who acts next; the service that records it calls one
function here before its transaction ends, and the notices are committed with the decision or not at
all. Nothing here sends mail (services/home/notifications.py does, after the commit, from the rows).

Who acts next is the rulebook's answer, never a role check written here: a stage is someone's turn
when the gate still lists it (not approved on this version, review.gate) and every stage before it is
approved (review.gate.prerequisites); its people are those the guard lets decide it
(review.rules.may_decide) holding a role the stage still needs (review.gate.missing_roles, as the
review queue asks, services/dossiers/access.py waiting_for). An open gate is the signers' turn
(review.rules.may_sign_off). A return is the drafting office's turn: the submitter of the returned
version is told, with the reasons.

Each notice has a key, so a rerun (Database.retrying, a second call) adds nothing.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from documents.shown import without_direction
from review import rules
from review.config import Config, Person, StageSpec
from review.decisions import DossierView
from review.gate import active_stages, approved_stages, missing_roles, prerequisites
from review.model import StageDecided
from review.rules import OPEN_STATES
from services.home.context import Services
from services.review.basics import pipeline_for

if TYPE_CHECKING:
    from storage.tables import DossierRow
    from storage.unit import Unit

DOCUMENT_NAMES = {"policy": "政策文件", "interpretation_plan": "解读方案", "interpretation_material": "解读材料",
                  "risk_assessment": "风险评估", "response_plan": "应对预案"}
NO_ADDRESS = "未登记电子邮箱（lockstep.toml [[people]] email），只在工作台通知中显示"


def dossier_link(dossier_id: str) -> str:
    return f"/desk/dossiers/{dossier_id}"


def named(title: str) -> str:
    """The title in 《》, a title it quotes in 〈〉 (《关于印发〈…工作要点〉的通知》)."""
    t = without_direction(title or "").strip()
    if t.startswith("《") and t.endswith("》"):
        t = t[1:-1]
    return f"《{t.replace('《', '〈').replace('》', '〉')}》"


def who(p: Person | None, name: str) -> str:
    return (p.display or p.name) if p is not None else name


def turns(config: Config, view: DossierView, decisions: list[StageDecided]) -> list[tuple[StageSpec, list[Person]]]:
    """The stages whose turn it is on the current version, each with the people who may act on it now."""
    if view.state not in OPEN_STATES:
        return []
    version = view.current
    stages = active_stages(pipeline_for(config, version), version)
    done = approved_stages(version, decisions, stages)
    out = []
    for spec in stages:
        if spec.id in done or any(p not in done for p in prerequisites(spec, stages)):
            continue
        needed = missing_roles(spec, version, decisions)
        people = [p for p in config.people
                  if rules.may_decide(p, view.submitters, view.drafting_unit, spec) is None
                  and rules.has_role(p, *needed)]
        out.append((spec, people))
    return out


def signers(config: Config, view: DossierView) -> list[Person]:
    return [p for p in config.people if rules.may_sign_off(p, view.submitters) is None]


def address_of(svc: Services, person: Person) -> str | None:
    """The person's e-mail: as recorded, else as this home's lockstep.toml [[people]] gives it (the
    people's record, services/home/accounts.py, may not carry addresses)."""
    found = (person.email or "").strip()
    if not found:
        in_file = svc.home.config.person(person.name)
        found = ((in_file.email if in_file else None) or "").strip()
    return found or None


def _add(uow: Unit, svc: Services, person: Person, *, key: str, kind: str, subject: str, body: str,
         at: dt.datetime, dossier_id: str, stage: str | None = None) -> None:
    link = dossier_link(dossier_id) if kind == "returned" or kind == "sign" else f"{dossier_link(dossier_id)}/review"
    text = f"{who(person, person.name)}：\n\n{body}\n\n办理入口：{{desk}}{link}\n\n（此邮件由 {svc.config.city} Lockstep 工作台发出）"
    subject, text = without_direction(subject), without_direction(text)   # a mail client obeys them
    uow.notifications.add(key=key, person=person.name, kind=kind, subject=subject, body=text, at=at,
                          address=address_of(svc, person), dossier_id=dossier_id, stage=stage,
                          link=link, note=NO_ADDRESS)


def notify_turns(uow: Unit, svc: Services, row: DossierRow, view: DossierView, at: dt.datetime,
                 gate_open: bool = False) -> None:
    """Tell everyone whose turn it now is on the dossier's current version (once per version, stage
    and person); with `gate_open`, the signers too."""
    config = svc.config
    version = view.current
    decisions = uow.dossiers.decisions(view.id)
    title = named(row.title)
    for spec, people in turns(config, view, decisions):
        for p in people:
            _add(uow, svc, p, key=f"queue:{view.id}:v{version.number}:{spec.id}:{p.name}", kind="queue",
                 subject=f"【待审核】{title}（{spec.name}）", at=at, dossier_id=view.id, stage=spec.id,
                 body=f"卷宗 {view.id} {title}（{row.drafting_unit}，第 {version.number} 版）"
                      f"已到“{spec.name}”环节，待您审核。")
    if gate_open and view.state in OPEN_STATES:
        for p in signers(config, view):
            _add(uow, svc, p, key=f"sign:{view.id}:v{version.number}:{p.name}", kind="sign",
                 subject=f"【待签发】{title}", at=at, dossier_id=view.id,
                 body=f"卷宗 {view.id} {title}（{row.drafting_unit}，第 {version.number} 版）"
                      "各审核环节均已通过，签发条件已满足，待您签发。")


def reason_lines(event: StageDecided) -> list[str]:
    """Each reason as the status page shows it: 【一、（二）】回应时限表述不清, 【解读材料 问2】…"""
    out = []
    for i, r in enumerate(event.reasons, 1):
        where = "" if r.document == "policy" else DOCUMENT_NAMES.get(r.document, r.document)
        place = " ".join(x for x in (where, r.anchor) if x)
        out.append(f"{i}. 【{place}】{r.text}" if place else f"{i}. {r.text}")
    return out


def notify_return(uow: Unit, svc: Services, row: DossierRow, view: DossierView, event: StageDecided,
                  stage_name: str) -> None:
    """Tell the submitter of the returned version, with the reasons."""
    config = svc.config
    version = view.current
    submitter = version.submitted_by
    person = config.person(submitter)
    if person is None:
        return
    actor = config.person(event.actor)
    lines = reason_lines(event)
    body = [f"卷宗 {view.id} {named(row.title)}（第 {version.number} 版）在“{stage_name}”环节被退回，"
            f"退回人：{who(actor, event.actor)}，{event.at.astimezone():%Y年%m月%d日 %H:%M}。"]
    if lines:
        body += ["", "退回理由：", *lines]
    if event.comment:
        body += ["", f"审核意见：{event.comment}"]
    body += ["", "下一步由起草单位办理：请按理由修改后重新提交，并在修改说明中逐条说明如何修改。"]
    _add(uow, svc, person, key=f"returned:{view.id}:v{version.number}:{event.stage}:{event.at.isoformat()}",
         kind="returned", subject=f"【退回】{named(row.title)}（{stage_name}）", body="\n".join(body),
         at=event.at, dossier_id=view.id, stage=event.stage)


def after_decision(uow: Unit, svc: Services, row: DossierRow, view: DossierView, event: StageDecided,
                   gate_open: bool) -> None:
    """What a stage decision tells (called in its transaction, after the decision is added)."""
    if event.verdict == "return":
        stages = {s.id: s.name for s in pipeline_for(svc.config, view.current).stages}
        notify_return(uow, svc, row, view, event, stages.get(event.stage, event.stage))
    else:
        notify_turns(uow, svc, row, view, event.at, gate_open=gate_open)


def after_submission(uow: Unit, svc: Services, row: DossierRow, view: DossierView, at: dt.datetime) -> None:
    """A new dossier or version: its first stages are someone's turn (called in its transaction)."""
    notify_turns(uow, svc, row, view, at)
