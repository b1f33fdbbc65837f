"""Reads and decisions on a dossier: the gate's answer, status, reviews, sign-off.

None of this touches the workflow engine: people wait on these.
"""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from documents.problems import Refused, problem
from review.config import Config, Person
from review.decisions import Decide, DossierView, decide, sign_off
from review.gate import Blocking, active_stages, approved_stages, gate
from review.model import STATE_NAMES, SignedOff, StageDecided, Version
from services.context import Services
from storage import audit
from storage.repository import Dossiers
from storage.tables import DossierRow


class StageStatus(BaseModel):
    id: str
    name: str
    roles: tuple[str, ...]
    approved: bool


class GateAnswer(BaseModel):
    dossier: str
    version: int
    fingerprint: str
    state: str
    ready: bool
    blocking: list[Blocking] = Field(default_factory=list)
    stages: list[StageStatus] = Field(default_factory=list)


def person(config: Config, name: str) -> Person:
    p = config.person(name)
    if p is None:
        raise Refused(problem("unknown_person", f"没有人员 {name}"))
    return p


def load(s: Session, dossier_id: str) -> tuple[DossierRow, DossierView]:
    repo = Dossiers(s)
    row = repo.get(dossier_id)
    if row is None:
        raise Refused(problem("not_found", f"没有卷宗 {dossier_id}"))
    version = repo.version(dossier_id, row.current_version)
    view = DossierView(id=row.id, state=row.state, kind=row.kind, drafting_unit=row.drafting_unit,
                       submitters=repo.submitters(dossier_id), current=version)
    return row, view


def _answer(config: Config, view: DossierView, decisions: list[StageDecided], today: dt.date) -> GateAnswer:
    version: Version = view.current
    pipeline = config.pipeline(view.kind) or config.pipeline(config.default_kind)
    blocking = gate(version, decisions, pipeline, consultation=None, today=today)
    ok = approved_stages(version, decisions)
    stages = [StageStatus(id=s.id, name=s.name, roles=s.roles, approved=s.id in ok)
              for s in active_stages(pipeline, version)]
    return GateAnswer(dossier=view.id, version=version.number, fingerprint=version.fingerprint,
                      state=view.state, ready=not blocking, blocking=blocking, stages=stages)


def gate_answer(svc: Services, dossier_id: str) -> GateAnswer:
    with svc.session() as s:
        _, view = load(s, dossier_id)
        return _answer(svc.config, view, Dossiers(s).decisions(dossier_id), svc.now().date())


class Status(BaseModel):
    dossier: str
    title: str
    doc_number: str | None
    kind: str
    drafting_unit: str
    state: str
    state_name: str
    version: int
    gate: GateAnswer
    files: list[dict]
    decisions: list[StageDecided]
    history: list[dict]


def status(svc: Services, dossier_id: str) -> Status:
    with svc.session() as s:
        row, view = load(s, dossier_id)
        decisions = Dossiers(s).decisions(dossier_id)
        answer = _answer(svc.config, view, decisions, svc.now().date())
        files = [{"name": f.name, "role": f.role, "sha256": f.sha256, "size": f.size}
                 for f in view.current.files]
        history = [{"seq": e.seq, "event": e.name, "actor": e.actor, "at": e.payload.get("at")}
                   for e in audit.history(s, dossier_id)]
        return Status(dossier=row.id, title=row.title, doc_number=row.doc_number, kind=row.kind,
                      drafting_unit=row.drafting_unit, state=row.state,
                      state_name=STATE_NAMES.get(row.state, row.state), version=row.current_version,
                      gate=answer, files=files, decisions=decisions, history=history)


def record_decision(svc: Services, dossier_id: str, stage: str, verdict: str, comment: str,
                    actor_name: str) -> tuple[StageDecided, GateAnswer]:
    actor = person(svc.config, actor_name)
    return svc.retrying(lambda: _record_decision(svc, dossier_id, stage, verdict, comment, actor))


def _record_decision(svc: Services, dossier_id: str, stage: str, verdict: str, comment: str,
                     actor: Person) -> tuple[StageDecided, GateAnswer]:
    with svc.session() as s:
        row, view = load(s, dossier_id)
        repo = Dossiers(s)
        pipeline = svc.config.pipeline(view.kind) or svc.config.pipeline(svc.config.default_kind)
        event, next_state = decide(Decide(stage=stage, verdict=verdict, comment=comment, actor=actor),
                                   view, pipeline, repo.decisions(dossier_id), svc.now())
        repo.add_decision(event)
        row.state, row.updated_at = next_state, event.at
        audit.append(s, event)
        view = view.model_copy(update={"state": next_state})
        answer = _answer(svc.config, view, repo.decisions(dossier_id), svc.now().date())
    return event, answer


def record_sign_off(svc: Services, dossier_id: str, actor_name: str) -> SignedOff:
    """Sign off when the gate is open; the caller then runs publication (a flow)."""
    actor = person(svc.config, actor_name)
    return svc.retrying(lambda: _record_sign_off(svc, dossier_id, actor))


def _record_sign_off(svc: Services, dossier_id: str, actor: Person) -> SignedOff:
    with svc.session() as s:
        row, view = load(s, dossier_id)
        if row.state in ("signed_off", "published", "registered"):
            raise Refused(problem("invalid_state", f"卷宗 {dossier_id} 已于此前签发"))
        answer = _answer(svc.config, view, Dossiers(s).decisions(dossier_id), svc.now().date())
        event = sign_off(actor, view, answer.blocking, svc.now())
        row.state, row.updated_at = "signed_off", event.at
        audit.append(s, event)
    return event
